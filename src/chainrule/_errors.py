"""Errors that teach: PyTorch's exception and exact message, plus a note on what to do.

A note is attached as PEP 678 describes (``BaseException.add_note``): tracebacks show it under the
message, while ``str(error)`` stays PyTorch's text, so code that matches on messages keeps working.

Python 3.10 has no ``add_note``. There ``add_note`` below fills the same ``__notes__`` list, which
pytest, IPython and the ``exceptiongroup`` backport already print; and so that a plain ``python``
run prints it too, the first note attached installs a ``sys.excepthook`` that prints the standard
traceback with each exception's notes under its message, as 3.11 does. The hook is installed only
while ``sys.excepthook`` is still the interpreter's own (a hook someone else set is left alone), and
never on 3.11 and later.
"""

import sys
import traceback
import warnings

__all__ = ["with_hint", "add_note", "type_name", "argument_type_error", "user_stacklevel", "OutOfMemoryError",
           "AcceleratorError", "FatalError"]


class OutOfMemoryError(RuntimeError):
    """A device ran out of memory (``torch.OutOfMemoryError``, also ``cuda.OutOfMemoryError``)."""


class AcceleratorError(RuntimeError):
    """An accelerator reported an error of its own."""


class FatalError(Exception):
    """An error after which the process cannot go on."""

HINTS = {
    "non_scalar_backward": "Hint: y.backward() needs a one-element y. Reduce it first (y.sum().backward()) or pass "
                           "the gradient of y yourself: y.backward(chainrule.ones_like(y)).",
    "integer_requires_grad": "Hint: gradients exist only for floating point tensors. Make it float first: "
                             "chainrule.tensor(data, dtype=chainrule.float32, requires_grad=True) or t.float().",
    "broadcast": "Hint: shapes are matched from the last dimension backwards; each pair of sizes must be equal or "
                 "one of them 1. Reshape or unsqueeze one operand so the dimensions line up.",
    "matmul_shapes": "Hint: for A @ B the last dimension of A must equal the second-to-last of B. Transposing one "
                     "operand (B.T or B.mT) is the usual fix.",
}


def with_hint(error, key):
    """``error`` with the hint ``key`` attached as a note (shown in tracebacks only)."""
    add_note(error, HINTS[key])
    return error


def add_note(error, note):
    """``error.add_note(note)`` on every Python chainrule supports (see the module docstring for 3.10)."""
    if hasattr(error, "add_note"):
        error.add_note(note)
        return
    notes = getattr(error, "__notes__", None)
    if notes is None:
        notes = error.__notes__ = []
    notes.append(note)
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _print_exception_with_notes


def _print_exception_with_notes(exc_type, value, tb):
    """Python 3.10's traceback, each exception of the chain followed by its notes, as 3.11 prints them."""
    report = traceback.TracebackException(exc_type, value, tb)
    pending = [(report, value)]
    while pending:  # the chain of causes and contexts, walked beside the formatted report
        part, exception = pending.pop()
        notes = getattr(exception, "__notes__", None)
        if isinstance(notes, (list, tuple)) and notes:
            part._str += "".join(f"\n{note}" for note in notes)  # the message line that format() prints
        pending.extend((p, e) for p, e in ((part.__cause__, exception.__cause__),
                                            (part.__context__, exception.__context__)) if p is not None)
    sys.stderr.write("".join(report.format()))


_HEAP_TYPE = 1 << 9  # a class made by a class statement: its C-level name is its bare ``__name__``


def type_name(value):
    """A value's type as PyTorch's argument errors name it: ``NoneType``, ``str``, ``Tensor``, ``numpy.ndarray``."""
    cls = type(value)
    if cls.__flags__ & _HEAP_TYPE or cls.__module__ == "builtins":
        return cls.__name__
    return f"{cls.__module__}.{cls.__name__}"


def argument_type_error(function, argument, position, expected, value):
    """PyTorch's TypeError for an argument of the wrong type: ``randperm(): argument 'n' (position 1) must be
    int, not float``."""
    return TypeError(f"{function}(): argument '{argument}' (position {position}) must be {expected}, not "
                     f"{type_name(value)}")


def user_stacklevel():
    """The ``stacklevel`` that makes a warning issued by the calling function name the first frame outside
    chainrule: the user's line, however many of chainrule's wrappers the call went through."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "chainrule":
        frame, level = frame.f_back, level + 1
    return level


_warned_once = set()


def warn_once(message):
    """A ``UserWarning`` that PyTorch gives once per process (its ``TORCH_WARN_ONCE``), at the user's line."""
    if message not in _warned_once:
        _warned_once.add(message)
        warnings.warn(message, UserWarning, stacklevel=user_stacklevel())
