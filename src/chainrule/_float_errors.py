"""Floating-point errors inside ops are silent, as in PyTorch, without touching the user's settings.

NumPy warns when a computation divides by zero, overflows or makes a NaN (``log(0)``, ``exp(1000)``,
``inf - inf``); PyTorch gives ``-inf``, ``inf`` and ``nan`` silently, and so must chainrule's ops. The
process's warning filters and NumPy's error state belong to the user, so the ops do not change them for
good: they make NumPy's error state "ignore" for the span of their own array calls only.

NumPy keeps that state in a context variable. ``np.errstate`` sets and resets it, but parses its arguments
at every entry (about as long as a whole small op); setting the variable to a state made once is cheaper,
yet each set and reset makes NumPy's next lookup of the variable miss its cache, which costs some 15% of
``a * b`` on small tensors. Cheapest of all is to call the array function inside a context made once, in
which the state is already silent (``contextvars.Context.run``: a few percent):

- ``silently(fn, *args, **kwargs)`` for one array call that does not come back into chainrule. A context
  can be entered by one caller at a time: when another thread is inside it, the state is set and reset
  instead. The elementwise and binary paths of every op inline it: ``call_silently`` is the context's
  ``run``, which raises RuntimeError without calling ``fn`` when the context is busy.
- ``@silent_float_errors`` on an op (or its array function) that makes many array calls or calls other
  ops: the state is set and reset around it.
"""

import contextvars
import functools

import numpy

__all__ = ["busy", "call_silently", "silently", "silent_float_errors"]

try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

    _silence = functools.partial(_extobj_contextvar.set, _make_extobj(all="ignore"))
    _restore = _extobj_contextvar.reset
except (ImportError, AttributeError, TypeError):  # another NumPy layout: its public context manager
    def _silence():
        state = numpy.errstate(all="ignore")
        state.__enter__()
        return state

    def _restore(state):
        state.__exit__(None, None, None)

_SILENT_CONTEXT = contextvars.copy_context()
_SILENT_CONTEXT.run(_silence)
call_silently = _SILENT_CONTEXT.run


def silently(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with NumPy's floating-point errors silent; ``fn`` is an array function."""
    try:
        return call_silently(fn, *args, **kwargs)
    except RuntimeError as error:
        if not busy(error):
            raise  # fn's own error: fn is not run a second time
        token = _silence()
        try:
            return fn(*args, **kwargs)
        finally:
            _restore(token)


def busy(error):
    """Whether ``error`` (a RuntimeError out of ``call_silently``) says the silent context was in use (by
    another thread, or by a caller further up) rather than coming from the function called."""
    return str(error).startswith("cannot enter context")


def silent_float_errors(function):
    """``function`` with NumPy's floating-point errors silent while it runs: the decorator for an op (or the
    array function of an op) that may compute ``log(0)``, ``inf - inf`` or an overflow."""

    @functools.wraps(function)
    def silent(*args, **kwargs):
        token = _silence()
        try:
            return function(*args, **kwargs)
        finally:
            _restore(token)

    return silent
