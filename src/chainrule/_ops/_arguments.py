"""PyTorch's TypeError for a tensor argument that is not a tensor, raised where an op first reads its arrays.

An op reads ``input._data`` on its fast path; a try/except around that read costs nothing until it fails,
and then ``not_a_tensor`` names the argument as PyTorch does: ``mm(): argument 'mat2' (position 2) must be
Tensor, not NoneType``.
"""

from .._errors import argument_type_error
from .._tensor import Tensor

__all__ = ["not_a_tensor", "check_tensors"]


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
