"""Errors that teach: PyTorch's exception and exact message, plus a note on what to do.

The note is attached with ``BaseException.add_note``: tracebacks show it under the message, while
``str(error)`` stays PyTorch's text, so code that matches on messages keeps working.
"""

__all__ = ["with_hint", "type_name", "argument_type_error"]

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
    if hasattr(error, "add_note"):
        error.add_note(HINTS[key])
    return error


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
