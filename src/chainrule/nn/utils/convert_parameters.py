"""Flatten parameters into one vector and write a vector back into them (in order)."""

from ..._ops.joining import cat
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_tensor(vec):
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected chainrule.Tensor, but got: {type(vec).__name__}")


def parameters_to_vector(parameters):
    """All parameters, flattened and joined into one 1-D tensor (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters' data (not recorded)."""
    _check_tensor(vec)
    start = 0
    for param in parameters:
        count = param.numel()
        param.data = vec[start:start + count].reshape(param.shape).data
        start += count
