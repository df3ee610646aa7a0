"""PyTorch's TypeErrors for arguments of the wrong type, raised by the ops that read them.

An op reads ``input._data`` on its fast path; a try/except around that read costs nothing until it fails,
and then ``not_a_tensor`` names the argument as PyTorch does: ``mm(): argument 'mat2' (position 2) must be
Tensor, not NoneType``. Ops that do real work before their first read check up front with ``check_tensors``
(a sequence of tensors: ``check_tensor_sequence``). Integer and flag arguments go through ``int_argument``
and ``bool_argument``, which return the value unchanged when it has the right type, so that a float is
never truncated and a string never reaches NumPy.
"""

import operator

from .._array import SCALAR_TYPES
from .._errors import argument_type_error, type_name
from .._tensor import Tensor

__all__ = ["not_a_tensor", "check_tensors", "check_tensor_sequence", "int_argument", "bool_argument",
           "number_argument", "number_from_tensor", "missing_attribute", "ALL", "none_dim_error"]

_NUMBERS = (int, float, complex)


def not_a_tensor(function, *arguments):
    """The error for the first of ``arguments`` that is no Tensor: ``(name, value)`` pairs in position order from
    the first, or ``(name, position, value)`` where other arguments come between."""
    for position, argument in enumerate(arguments, start=1):
        name, value = argument[0], argument[-1]
        if not isinstance(value, Tensor):
            return argument_type_error(function, name, argument[1] if len(argument) == 3 else position, "Tensor",
                                       value)
    return TypeError(f"{function}(): expected Tensor arguments")


def check_tensors(function, *arguments):
    """Raise ``not_a_tensor``'s error unless every one of ``arguments`` (``(name, value)`` pairs) is a Tensor;
    for ops that check before they read, where a few isinstance tests are nothing beside the work."""
    for argument in arguments:
        if not isinstance(argument[-1], Tensor):
            raise not_a_tensor(function, *arguments)


def check_tensor_sequence(function, tensors, name="tensors", position=1):
    """Raise PyTorch's TypeError unless ``tensors`` is a tuple or list of Tensors (``cat``, ``meshgrid``,
    ``block_diag``; for a ``*tensors`` signature pass the tuple it collected)."""
    if not isinstance(tensors, (tuple, list)):
        raise argument_type_error(function, name, position, "tuple of Tensors", tensors)
    for i, value in enumerate(tensors):
        if not isinstance(value, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument {position - 1}, but got {type_name(value)}")


def int_argument(function, name, position, value):
    """``value`` as an int: an int, a NumPy integer or a one-element integer tensor; PyTorch's TypeError for a
    bool, a float, a string or None (``position`` None: the argument was given by keyword)."""
    if value.__class__ is int:
        return value
    if not isinstance(value, bool):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise _type_error(function, name, position, "int", value)


def bool_argument(function, name, position, value):
    """``value`` itself when it is a bool, else PyTorch's TypeError (which refuses 0, 1 and NumPy's bool too)."""
    if value.__class__ is bool:
        return value
    raise _type_error(function, name, position, "bool", value)


def number_argument(function, name, position, value):
    """``value`` itself when it is a Python or NumPy number, a 0-d tensor's number, else PyTorch's TypeError (None
    and strings are no fill values)."""
    if isinstance(value, _NUMBERS) or (isinstance(value, SCALAR_TYPES) and value.dtype.kind in "biufc"):
        return value
    if isinstance(value, Tensor) and value.dim() == 0:
        return value.item()
    raise _type_error(function, name, position, "Number", value)


def number_from_tensor(function, name, value, expected="Number"):
    """A number argument that may come as a tensor: a 0-d one is read as its number, as PyTorch's parser reads
    it, any other is refused with its TypeError (``expected``: "float" or "Number"); a non-tensor is returned
    as it is."""
    if not isinstance(value, Tensor):
        return value
    if value.dim() != 0:
        raise _type_error(function, name, None, expected, value)
    return value.item()


# The default ``dim`` of a reduction that also takes one dim (``max``, ``median``, ``prod``): over every element.
# PyTorch refuses an explicit None there (``x.max(None)``), so None cannot be the default.
ALL = object()


def none_dim_error(function):
    return TypeError(f"{function}(): argument 'dim' must be int, not NoneType")


def _type_error(function, name, position, expected, value):
    if position is None:
        return TypeError(f"{function}(): argument '{name}' must be {expected}, not {type_name(value)}")
    return argument_type_error(function, name, position, expected, value)


def missing_attribute(value, attribute):
    """The AttributeError PyTorch's functions written in Python (``torch.norm``, ``torch.tensordot``) raise for an
    argument that is no tensor: the first tensor attribute they read is missing."""
    return AttributeError(f"'{type(value).__name__}' object has no attribute '{attribute}'")
