"""The operands of a special function of two arguments: PyTorch's result dtype over tensors and Python
numbers, floats for integer inputs, and both operands as arrays of the tensor's namespace."""

from ..._array import SCALAR_TYPES, namespace_of
from ..._dtype import get_default_dtype
from ..._tensor import Tensor
from .._broadcast import broadcast_shapes, promoted_dtype
from ..pointwise_base import no_kernel_error
from .float16 import FLOAT16, NO_FLOAT16_KERNEL, refuse_float16

__all__ = ["float_operands", "number_or_tensor"]


def _value(operand):
    """A tensor's array, or a number as a plain Python number (NumPy's scalars would count as arrays)."""
    if isinstance(operand, Tensor):
        return operand._data
    return operand.item() if isinstance(operand, SCALAR_TYPES) else operand


def float_operands(kernel, input, other, integers_to_float=True):
    """``(x, y)``: ``input`` and ``other`` as arrays of one floating dtype, broadcast to one shape.

    The dtype is PyTorch's promotion of the two; integers become the default float dtype
    (``integers_to_float``) or are refused, as complex numbers are, with PyTorch's
    ``"<kernel>" not implemented for '<dtype>'``.
    """
    a, b = _value(input), _value(other)
    tensor = input if isinstance(input, Tensor) else other
    xp = namespace_of(tensor._data)
    dtype = promoted_dtype(a, b)
    if dtype.kind in "biu" and integers_to_float:
        dtype = get_default_dtype().np
    elif dtype.kind != "f":
        raise no_kernel_error(kernel, dtype)
    elif dtype == FLOAT16 and kernel in NO_FLOAT16_KERNEL:
        raise refuse_float16(kernel)
    shape = broadcast_shapes(_shape(a), _shape(b))
    return _as(xp, a, dtype, shape), _as(xp, b, dtype, shape)


def _shape(value):
    return getattr(value, "shape", ())


def _as(xp, value, dtype, shape):
    array = value.astype(dtype, copy=False) if hasattr(value, "dtype") else xp.asarray(value, dtype=dtype)
    return xp.broadcast_to(array, shape)


def number_or_tensor(name, input, other):
    """PyTorch's refusal when neither operand of ``name`` is a tensor."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({type(input).__name__}, "
                        f"{type(other).__name__}), but expected one of:\n"
                        " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                        " * (Number self, Tensor other, *, Tensor out = None)\n"
                        " * (Tensor input, Number other, *, Tensor out = None)\n")
