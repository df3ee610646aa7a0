"""Tensor methods that PyTorch writes in Python on top of its ops: the deprecated out-of-place ``resize`` and
``resize_as``, ``as_subclass``, ``nonzero_static`` as a method, and ``chainrule.to_dlpack``."""

import warnings

from ._functional_aliases import nonzero_static
from ._ops._arguments import check_tensors
from ._ops.shape import alias
from ._tensor import Tensor
from .autograd import Function

__all__ = ["to_dlpack"]


class Resize(Function):
    """The out-of-place resize: a reshaped copy (the element count must stay), its gradient reshaped back."""

    @staticmethod
    def forward(ctx, tensor, sizes):
        count = 1
        for size in sizes:
            count *= size
        if tensor.numel() != count:
            raise RuntimeError(
                f"requested resize to {'x'.join(map(str, sizes))} ({count} elements in total), but the given tensor "
                f"has a size of {'x'.join(map(str, tensor.size()))} ({tensor.numel()} elements). autograd's resize "
                f"can only change the shape of a given tensor, while preserving the number of elements. ")
        ctx.input_sizes = tensor.size()
        return tensor.contiguous().clone().view(*sizes)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.contiguous().view(ctx.input_sizes), None


def resize(self, *sizes):
    """``self``'s elements in the shape ``sizes`` (deprecated in PyTorch: use ``reshape``)."""
    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    return Resize.apply(self, sizes)


def resize_as(self, tensor):
    """``self``'s elements in ``tensor``'s shape (deprecated in PyTorch: use ``reshape_as``)."""
    warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
    return Resize.apply(self, tensor.size())


def as_subclass(self, cls):
    """A view of ``self`` (sharing data and autograd history) as an instance of the Tensor subclass ``cls``."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from Tensor is not possible. "
                        "Make sure your class inherits from Tensor.")
    view = alias(self)
    view.__class__ = cls
    return view


def to_dlpack(tensor):
    """A DLPack capsule of ``tensor``'s data, for another library's ``from_dlpack``."""
    check_tensors("_to_dlpack", ("data", tensor))
    return tensor.__dlpack__()


Tensor.resize = resize
Tensor.resize_as = resize_as
Tensor.as_subclass = as_subclass
Tensor.nonzero_static = nonzero_static
