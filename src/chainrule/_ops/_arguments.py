"""PyTorch's TypeError for a tensor argument that is not a tensor, raised where an op first reads its arrays.

An op reads ``input._data`` on its fast path; a try/except around that read costs nothing until it fails,
and then ``not_a_tensor`` names the argument as PyTorch does: ``mm(): argument 'mat2' (position 2) must be
Tensor, not NoneType``.
"""

from .._errors import argument_type_error
from .._tensor import Tensor

__all__ = ["not_a_tensor"]


def not_a_tensor(function, *arguments):
    """The error for the first of ``arguments`` (``(name, value)`` pairs, in position order) that is no Tensor."""
    for position, (name, value) in enumerate(arguments, start=1):
        if not isinstance(value, Tensor):
            return argument_type_error(function, name, position, "Tensor", value)
    return TypeError(f"{function}(): expected Tensor arguments")
