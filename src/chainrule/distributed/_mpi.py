"""mpi4py, imported only when a process group is made: ``import chainrule`` never loads MPI.

Importing mpi4py's ``MPI`` module initialises MPI, which under a plain ``python train.py`` starts a
one-process MPI job (a "singleton"), so nothing here runs at import time.
"""

import importlib.util

INSTALL_HINT = ("chainrule.distributed runs over MPI through mpi4py, which is not installed: "
                "pip install mpi4py mpich (from a chainrule checkout: pip install -e '.[distributed]')")


def is_available():
    """Whether mpi4py can be imported, found without importing it (importing it starts MPI)."""
    return importlib.util.find_spec("mpi4py") is not None


def load():
    """The ``mpi4py.MPI`` module, or a RuntimeError that says what to install."""
    if not is_available():
        raise RuntimeError(INSTALL_HINT)
    from mpi4py import MPI

    return MPI
