"""Arithmetic: ``+ - * / **`` and negation, with tensors or Python numbers on either side.

Each op is its forward on arrays next to its derivative rule. A Python number operand gets a
``(None, 0)`` edge, as in PyTorch, and is saved like a tensor when the rule reads it.
"""

import numpy as np

from .._tensor import Tensor
from ._broadcast import apply_binary, binary_arrays
from ._op import OUTPUT, derivative, record
from .pointwise import log, reciprocal, to_default_float, where, zeros_like_grad

__all__ = ["add", "sub", "rsub", "mul", "div", "true_divide", "pow", "neg", "negative", "rtruediv"]

FUNCTIONS = ["add", "sub", "rsub", "mul", "div", "true_divide", "pow", "neg", "negative"]
METHODS = FUNCTIONS
INPLACE = ["add", "sub", "mul", "div", "true_divide", "pow", "neg", "negative"]
ALIASES = {"subtract": "sub", "multiply": "mul", "divide": "div"}


def _as_tensor_pair(input, other):
    """(tensor, other) for ``torch.add(2, x)``-style calls where only the second is a tensor."""
    if not isinstance(input, Tensor):
        from .._creation import tensor

        input = tensor(input, dtype=other.dtype if isinstance(other, Tensor) else None)
    return input, other


# ---------------------------------------------------------------- add / sub
def _grad_passthrough(grad, alpha):
    return grad


def _grad_scaled(grad, alpha):
    return grad if alpha == 1 else grad * alpha


def _grad_negated_scaled(grad, alpha):
    return -grad if alpha == 1 else grad * -alpha


AddBackward0 = derivative("AddBackward0", _grad_passthrough, _grad_scaled)
SubBackward0 = derivative("SubBackward0", _grad_passthrough, _grad_negated_scaled)
RsubBackward1 = derivative("RsubBackward1", _grad_negated_scaled)


def add(input, other, *, alpha=1, out=None):
    input, other = _as_tensor_pair(input, other)
    x, y = binary_arrays(input, other)
    if alpha != 1:
        y = y * alpha
    return record(apply_binary(np.add, x, y), AddBackward0, (input, other), (), (alpha,))


def sub(input, other, *, alpha=1, out=None):
    input, other = _as_tensor_pair(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype == np.bool_ and (isinstance(other, Tensor) and other._data.dtype == np.bool_ or other is True
                                or other is False):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        y = y * alpha
    return record(apply_binary(np.subtract, x, y), SubBackward0, (input, other), (), (alpha,))


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` for a number ``other`` (what ``2 - x`` calls)."""
    x, y = binary_arrays(input, other)
    if alpha != 1:
        x = x * alpha
    return record(apply_binary(np.subtract, y, x), RsubBackward1, (input,), (), (alpha,))


# ---------------------------------------------------------------- mul / div
def _mul_grad_self(grad, self, other):
    return grad * other


def _mul_grad_other(grad, self, other):
    return grad * self


MulBackward0 = derivative("MulBackward0", _mul_grad_self, _mul_grad_other, saves="self other")


def mul(input, other, *, out=None):
    input, other = _as_tensor_pair(input, other)
    x, y = binary_arrays(input, other)
    return record(apply_binary(np.multiply, x, y), MulBackward0, (input, other), (input, other))


def _div_grad_self(grad, self, other):
    return grad / other


def _div_grad_other(grad, self, other):
    return -grad * self / (other * other)


DivBackward0 = derivative("DivBackward0", _div_grad_self, _div_grad_other, saves="self other")


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is not None:
        from .rounding import div_rounded

        return div_rounded(input, other, rounding_mode)
    input, other = _as_tensor_pair(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind in "biu":  # both integral after promotion: divide in the default float dtype
        x, y = to_default_float(x), to_default_float(y)
    return record(apply_binary(np.true_divide, x, y), DivBackward0, (input, other), (input, other))


true_divide = div


def rtruediv(input, other):
    """``number / tensor``: PyTorch records ``reciprocal(tensor) * number``."""
    return mul(reciprocal(input), other)


# ---------------------------------------------------------------- pow
def _pow_grad_self(grad, self, exponent):
    if exponent == 0:
        return zeros_like_grad(grad, self)
    return grad * (exponent * self ** (exponent - 1))


def _pow_tensor_grad_self(grad, self, exponent, result):
    return where(exponent == 0, 0.0, grad * (exponent * self ** (exponent - 1)))


def _pow_tensor_grad_exponent(grad, self, exponent, result):
    return where((self == 0) & (exponent >= 0), 0.0, grad * (result * log(self)))


def _pow_number_grad_exponent(grad, self, result):
    if self == 0:
        return zeros_like_grad(grad, result)
    return grad * (result * float(np.log(self)))


PowBackward0 = derivative("PowBackward0", _pow_grad_self, saves="self exponent")
PowBackward1 = derivative("PowBackward1", _pow_tensor_grad_self, _pow_tensor_grad_exponent,
                          saves="self exponent result")
PowBackward2 = derivative("PowBackward2", _pow_number_grad_exponent, saves="self result")


def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        return _number_pow(input, exponent)
    x, y = binary_arrays(input, exponent)
    if x.dtype.kind in "iu" and (isinstance(y, int) and y < 0 or isinstance(y, np.ndarray) and y.dtype.kind in "iu"
                                 and (y < 0).any()):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    result = apply_binary(np.power, x, y)
    if isinstance(exponent, Tensor):
        return record(result, PowBackward1, (input, exponent), (input, exponent, OUTPUT))
    return record(result, PowBackward0, (input,), (input, exponent))


def _number_pow(base, exponent):
    """``number ** tensor`` (PowBackward2)."""
    y, x = binary_arrays(exponent, base)
    result = apply_binary(np.power, x, y)
    return record(result, PowBackward2, (exponent,), (base, OUTPUT))


# ---------------------------------------------------------------- negation
def _neg_grad(grad):
    return -grad


NegBackward0 = derivative("NegBackward0", _neg_grad)


def neg(input, *, out=None):
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return record(np.negative(input._data), NegBackward0, (input,))


negative = neg
