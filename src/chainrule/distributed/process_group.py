"""Process groups over MPI: the default (world) group, ``new_group``, ranks, and their lifetime.

A ``ProcessGroup`` wraps one MPI communicator. Ranks given to the public functions are global
(ranks of the world group), as in PyTorch; each group translates them to its own numbering.
"""

import enum
import os
import sys
import time
import traceback
import warnings

from . import _mpi

__all__ = ["ReduceOp", "Backend", "ProcessGroup", "group", "GroupMember", "init_process_group",
           "destroy_process_group", "is_initialized", "is_available", "is_mpi_available", "is_gloo_available",
           "is_nccl_available", "is_torchelastic_launched", "get_rank", "get_world_size", "get_backend", "new_group",
           "get_global_rank", "get_group_rank", "get_process_group_ranks"]

NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


class ReduceOp:
    """How a reduction combines the ranks' values: ``ReduceOp.SUM``, ``ReduceOp.AVG`` ..."""

    class RedOpType(enum.IntEnum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8
        UNUSED = 9

    # Spelled out (not set in a loop) so that editors and type checkers see them.
    SUM, AVG, PRODUCT, MIN, MAX = RedOpType.SUM, RedOpType.AVG, RedOpType.PRODUCT, RedOpType.MIN, RedOpType.MAX
    BAND, BOR, BXOR = RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR
    PREMUL_SUM, UNUSED = RedOpType.PREMUL_SUM, RedOpType.UNUSED


class Backend(str):
    """A backend name. chainrule has one transport, MPI; ``"gloo"`` (PyTorch's CPU backend) is
    accepted as a name for it, so a script written for CPU training runs unchanged."""

    UNDEFINED = "undefined"
    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name}")
        return str.__new__(cls, name.lower())


_ACCEPTED_BACKENDS = ("mpi", "gloo", "cpu:gloo", "cpu:mpi")


class ProcessGroup:
    """A set of ranks sharing one MPI communicator (``comm`` is None on ranks outside the group)."""

    def __init__(self, comm, ranks, backend, name):
        self.comm = comm
        self.ranks = tuple(ranks)  # the global rank of each member, in group order
        self.backend = backend
        self.group_name = name
        self._global_rank = _world.global_rank

    def rank(self):
        return self.comm.Get_rank() if self.comm is not None else -1

    def size(self):
        return len(self.ranks)

    def name(self):
        return self.backend

    def is_member(self):
        return self.comm is not None

    def group_rank_of(self, global_rank, role):
        """The group rank of a global ``src``/``dst`` rank, with PyTorch's errors when it is not a member."""
        if global_rank.__class__ is not int:
            global_rank = int(global_rank)
        if self is _world.default_pg:
            if not 0 <= global_rank < len(self.ranks):
                raise RuntimeError(f"Invalid {role} rank {global_rank}: the default process group has ranks "
                                   f"0 to {len(self.ranks) - 1}")
            return global_rank
        if global_rank not in self.ranks:
            raise ValueError(f"Global rank {global_rank} is not part of group {self}")
        return self.ranks.index(global_rank)

    def __repr__(self):
        return f"<chainrule.distributed.ProcessGroup {self.group_name} ranks={list(self.ranks)}>"


class _World:
    """What ``init_process_group`` made: the default group and every group made since."""

    def __init__(self):
        self.default_pg = None
        self.groups = []
        self.global_rank = -1
        self.previous_excepthook = None


_world = _World()


class _WorldAccess(type):
    @property
    def WORLD(cls):
        return _world.default_pg


class group(metaclass=_WorldAccess):
    """``group.WORLD``: the default process group (None before ``init_process_group``)."""


class GroupMember(metaclass=_WorldAccess):
    NON_GROUP_MEMBER = -100


def is_available():
    """True when mpi4py is installed (``pip install mpi4py mpich``)."""
    return _mpi.is_available()


def is_mpi_available():
    return _mpi.is_available()


def is_gloo_available():
    return False


def is_nccl_available():
    return False


def is_torchelastic_launched():
    """True inside ranks started by ``python -m chainrule.distributed.run`` (it sets what torchrun sets)."""
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def is_initialized():
    return _world.default_pg is not None


def _default_group():
    if _world.default_pg is None:
        raise ValueError(NOT_INITIALIZED)
    return _world.default_pg


def resolve(group):
    """The group an operation runs on: ``group``, or the default one."""
    if group is None or group is GroupMember.WORLD:
        return _default_group()
    _default_group()
    return group


def _environment_int(name):
    value = os.environ.get(name)
    return None if value in (None, "") else int(value)


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the MPI job this process belongs to as the default process group.

    MPI does the rendezvous itself, so ``init_method`` (``env://``, ``tcp://...``) and ``store`` are
    accepted and not needed. The rank and world size are MPI's; ``rank``/``world_size`` given here or
    as RANK/WORLD_SIZE in the environment must agree with them (a launch with too few processes is
    caught here rather than hanging).
    """
    if _world.default_pg is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = "mpi" if backend is None else str(Backend(backend))
    if name not in _ACCEPTED_BACKENDS:
        raise ValueError(f"chainrule.distributed runs over MPI: backend {backend!r} is not available "
                         f"(use 'mpi', or 'gloo' as PyTorch's name for a CPU backend)")
    MPI = _mpi.load()
    comm = MPI.COMM_WORLD
    mpi_rank, mpi_size = comm.Get_rank(), comm.Get_size()
    expected_size = world_size if world_size != -1 else _environment_int("WORLD_SIZE")
    expected_rank = rank if rank != -1 else _environment_int("RANK")
    if expected_size is not None and expected_size != mpi_size:
        raise RuntimeError(f"init_process_group: world_size is {expected_size} but MPI started {mpi_size} "
                           f"process{'es' if mpi_size != 1 else ''}; launch with "
                           f"'python -m chainrule.distributed.run --nproc-per-node {expected_size} ...' "
                           f"or 'mpiexec -n {expected_size} python ...'")
    if expected_rank is not None and expected_rank != mpi_rank:
        raise RuntimeError(f"init_process_group: rank is {expected_rank} but MPI gave this process rank {mpi_rank}")
    _world.global_rank = mpi_rank
    _world.default_pg = ProcessGroup(comm.Dup(), range(mpi_size), name, group_name or "default_pg")
    _world.groups = [_world.default_pg]
    if mpi_size > 1:
        abort_job_on_uncaught_exception(comm, mpi_rank)


def abort_job_on_uncaught_exception(comm, rank):
    """An uncaught exception in one rank would leave the others waiting in a collective forever:
    print its traceback under the rank's name and abort the whole MPI job instead."""
    previous = sys.excepthook

    def abort(kind, value, tb):
        text = "".join(traceback.format_exception(kind, value, tb))
        abort_job(comm, 1, "".join(f"[rank{rank}]: {line}\n" for line in text.rstrip("\n").split("\n")) +
                  f"[rank{rank}]: chainrule.distributed: rank {rank} raised {kind.__name__}; "
                  f"aborting all {comm.Get_size()} ranks\n")

    _world.previous_excepthook = previous
    sys.excepthook = abort


def abort_job(comm, code, message):
    """Write ``message`` to stderr in one piece, then abort every rank. The launcher forwards each rank's
    output while it runs and stops at the abort, so the message gets a moment to reach it first (without it,
    the last lines were sometimes lost)."""
    sys.stderr.write(message)
    sys.stderr.flush()
    time.sleep(0.2)
    comm.Abort(code)


def destroy_process_group(group=None):
    """Free ``group`` (every group, the default one included, when ``group`` is None)."""
    if _world.default_pg is None:
        raise ValueError(NOT_INITIALIZED)
    if group is None or group is _world.default_pg:
        for each in _world.groups:
            if each.comm is not None:
                each.comm.Free()
                each.comm = None
        _world.default_pg = None
        _world.groups = []
        if _world.previous_excepthook is not None:
            sys.excepthook = _world.previous_excepthook
            _world.previous_excepthook = None
        return
    if group.comm is not None:
        group.comm.Free()
        group.comm = None
    if group in _world.groups:
        _world.groups.remove(group)


def get_rank(group=None):
    """This process's rank in ``group`` (-1 when it is not a member)."""
    return resolve(group).rank()


def get_world_size(group=None):
    """How many ranks ``group`` has (-1 on a rank outside it, as PyTorch returns)."""
    pg = resolve(group)
    return pg.size() if pg.is_member() else -1


def get_backend(group=None):
    return resolve(group).backend


def get_process_group_ranks(group):
    return list(resolve(group).ranks)


def get_global_rank(group, group_rank):
    pg = resolve(group)
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg.ranks[group_rank]


def get_group_rank(group, global_rank):
    return resolve(group).group_rank_of(global_rank, "global")


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """A group of some ranks. Every rank of the world calls it (MPI builds the communicator
    collectively); ranks outside ``ranks`` get a group they are not a member of."""
    world = _default_group()
    size = world.size()
    if ranks is None:
        ranks = list(range(size))
    ranks = sorted(int(r) for r in ranks)
    if len(ranks) > size:
        raise ValueError("the new group's world size should be less or equal to the world size set by "
                         "init_process_group")
    for each in ranks:
        if not 0 <= each < size:
            raise ValueError("The new group's rank should be within the world_size set by init_process_group")
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"new_group: ranks {ranks} repeat a rank")
    members = world.comm.Get_group().Incl(ranks)
    comm = world.comm.Create(members)
    members.Free()
    MPI = _mpi.load()
    pg = ProcessGroup(None if comm == MPI.COMM_NULL else comm, ranks, world.backend,
                      group_desc or f"group{len(_world.groups)}")
    _world.groups.append(pg)
    return pg


def root_rank(pg, rank, group_rank, role):
    """The group rank of a ``src``/``dst`` given as a global rank or as ``group_src``/``group_dst``."""
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
        return group_rank
    if rank is None:
        raise ValueError(f"Either {role} or group_{role} must be given")
    return pg.group_rank_of(rank, role)


def warn_not_member(op_name):
    warnings.warn(f"Running {op_name} on global rank {_world.global_rank} which does not belong to the given group.",
                  stacklevel=3)
