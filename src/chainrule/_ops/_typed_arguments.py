"""PyTorch's argument-parser TypeErrors for functions whose arguments all have declared types (``istft``,
``stft``, ``lstm``, ``fractional_max_pool2d``...): checked once at the start of such a function, whose work
(framing, transforms, a loop over time) makes a few isinstance tests nothing.

A declared type is ``"Tensor"``, ``"int"``, ``"float"``, ``"bool"`` or ``"tensors"`` (a list or tuple of
Tensors), with ``"?"`` appended when None is allowed.
"""

from .._errors import argument_type_error, type_name
from .._tensor import Tensor

__all__ = ["fits", "check_arguments", "invalid_combination"]


def _is(value, kind):
    if kind.endswith("?"):
        return value is None or _is(value, kind[:-1])
    if kind == "Tensor":
        return isinstance(value, Tensor)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "tensors":
        return isinstance(value, (list, tuple)) and all(isinstance(v, Tensor) for v in value)
    raise ValueError(f"unknown argument kind {kind}")


def fits(values, kinds):
    """Whether ``values`` match the declared ``kinds`` one for one."""
    return len(values) == len(kinds) and all(_is(v, k) for v, k in zip(values, kinds))


def check_arguments(function, declared):
    """Raise PyTorch's TypeError for the first ``(name, kind, value)`` of ``declared`` whose value has another
    type (named with its position, as PyTorch names an argument passed by position)."""
    for index, (name, kind, value) in enumerate(declared):
        if not _is(value, kind):
            raise argument_type_error(function, name, index + 1, kind.rstrip("?"), value)


def invalid_combination(function, values, overloads):
    """The TypeError PyTorch gives when no overload of ``function`` takes ``values`` (``overloads``: the
    signatures it lists)."""
    got = ", ".join(type_name(v) for v in values)
    listed = "".join(f" * ({signature})\n" for signature in overloads)
    return TypeError(f"{function}() received an invalid combination of arguments - got ({got}), but expected one "
                     f"of:\n{listed}")
