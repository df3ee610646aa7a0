"""Floating-point errors inside ops are silent, as in PyTorch, without touching the user's settings.

NumPy warns when a computation divides by zero, overflows or makes a NaN (``log(0)``, ``exp(1000)``,
``inf - inf``); PyTorch gives ``-inf``, ``inf`` and ``nan`` silently, and so must chainrule's ops. A library
may not change the process's warning filters or NumPy's error state for that, since both belong to the
user: the ops instead set NumPy's error state to "ignore" for the span of their own array calls.

``np.errstate(all="ignore")`` does that, but builds its state from its arguments at every entry, which
costs about as much as a whole small op. NumPy keeps the state in a context variable (per thread and
per asyncio task), so the hot shared paths set that variable to one state made once here:

    token = silence_float_errors()
    try:
        ...array calls...
    finally:
        restore_float_errors(token)

and the other ops that can meet such values wear the decorator ``@silent_float_errors``. Where NumPy's
internals are not as expected, the same functions fall back on ``np.errstate``.
"""

import functools

import numpy

__all__ = ["silence_float_errors", "restore_float_errors", "silent_float_errors"]

try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

    _SILENT = _make_extobj(all="ignore")
    _set_state = _extobj_contextvar.set

    def silence_float_errors():
        """Make NumPy's floating-point errors silent until ``restore_float_errors(token)``; returns the token."""
        return _set_state(_SILENT)

    restore_float_errors = _extobj_contextvar.reset
except (ImportError, AttributeError, TypeError):  # another NumPy layout: its public context manager
    def silence_float_errors():
        """Make NumPy's floating-point errors silent until ``restore_float_errors(token)``; returns the token."""
        state = numpy.errstate(all="ignore")
        state.__enter__()
        return state

    def restore_float_errors(token):
        token.__exit__(None, None, None)


def silent_float_errors(function):
    """``function`` with NumPy's floating-point errors silent while it runs: the decorator for an op (or the
    array function of an op) that may compute ``log(0)``, ``inf - inf`` or an overflow."""

    @functools.wraps(function)
    def silent(*args, **kwargs):
        token = silence_float_errors()
        try:
            return function(*args, **kwargs)
        finally:
            restore_float_errors(token)

    return silent
