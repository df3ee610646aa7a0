"""Tensor methods about a tensor's memory that PyTorch's sparse and loading machinery asks of every tensor,
answered for chainrule's strided tensors as PyTorch answers them for its own: ``const_data_ptr``,
``is_set_to``, ``dense_dim``, ``to_dense`` and ``module_load``."""

from . import _dtype
from ._ops._arguments import check_tensors
from ._tensor import Tensor

__all__ = []


def const_data_ptr(self):
    """The address of the first element (``data_ptr``, for code that promises not to write through it)."""
    return self.data_ptr()


def is_set_to(self, tensor):
    """Whether both tensors look at the same memory with the same sizes and strides."""
    check_tensors("is_set_to", ("tensor", tensor))
    mine, theirs = self._data, tensor._data
    return (mine.shape == theirs.shape and mine.strides == theirs.strides and self.dtype is tensor.dtype
            and self.data_ptr() == tensor.data_ptr())


def dense_dim(self):
    """A strided tensor's dims are all dense."""
    return self.dim()


def to_dense(self, dtype=None, *, masked_grad=None):
    """A strided tensor is already dense: itself, or a copy in ``dtype``."""
    if dtype is not None and not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"to_dense(): argument 'dtype' (position 1) must be torch.dtype, not {type(dtype).__name__}")
    return self if dtype is None or dtype is self.dtype else self.to(dtype)


def module_load(self, other, assign=False):
    """What ``load_state_dict`` makes of ``other`` for this parameter: ``other`` detached when assigning,
    else this tensor with ``other``'s values copied in, detached."""
    if assign:
        return other.detach()
    return self.copy_(other).detach()


Tensor.const_data_ptr = const_data_ptr
Tensor.is_set_to = is_set_to
Tensor.dense_dim = dense_dim
Tensor.to_dense = to_dense
Tensor.module_load = module_load
