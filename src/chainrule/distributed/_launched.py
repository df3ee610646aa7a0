"""What each rank runs under ``python -m chainrule.distributed.run``: set torchrun's per-rank
environment from MPI, then run the user's script (or module) as ``__main__``.

From here on an uncaught exception, or ``sys.exit`` with an error code, aborts the whole MPI job
with this rank's traceback, instead of leaving the other ranks waiting in a collective.
"""

import os
import runpy
import sys

from . import _mpi
from .process_group import abort_job, abort_job_on_uncaught_exception


def _set_rank_environment(MPI):
    world = MPI.COMM_WORLD
    node = world.Split_type(MPI.COMM_TYPE_SHARED)  # the ranks sharing this machine's memory
    os.environ.update({
        "RANK": str(world.Get_rank()),
        "LOCAL_RANK": str(node.Get_rank()),
        "GROUP_RANK": str(world.Get_rank() // max(node.Get_size(), 1)),
        "ROLE_RANK": str(world.Get_rank()),
        "ROLE_WORLD_SIZE": str(world.Get_size()),
        "WORLD_SIZE": str(world.Get_size()),
        "LOCAL_WORLD_SIZE": str(node.Get_size()),
    })
    node.Free()


def main():
    arguments = sys.argv[1:]
    as_module = arguments[:1] == ["--module"]
    if as_module:
        arguments = arguments[1:]
    MPI = _mpi.load()
    _set_rank_environment(MPI)
    world = MPI.COMM_WORLD
    abort_job_on_uncaught_exception(world, world.Get_rank())
    sys.argv = arguments
    try:
        if as_module:
            runpy.run_module(arguments[0], run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(arguments[0])))
            runpy.run_path(arguments[0], run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (None, 0):
            code = stop.code if isinstance(stop.code, int) else 1
            reason = "" if isinstance(stop.code, int) else f"{stop.code}\n"
            abort_job(world, code, f"{reason}[rank{world.Get_rank()}]: exited with code {code}; aborting all "
                                   f"{world.Get_size()} ranks\n")
        raise


if __name__ == "__main__":
    main()
