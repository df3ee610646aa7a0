"""Special functions built from elementary ones: ``xlog1py``, ``entr`` and ``sinc``.

They need no series of their own; what makes them special is their value where the elementary
formula is undefined (``0 * log1p(-1)`` is 0, ``entr(0)`` is 0, ``sinc(0)`` is 1), kept as PyTorch
keeps it, gradients included.
"""

import math

from ..._array import namespace_of
from ..._tensor import Tensor
from .._op import conjugate, derivative, record
from ..inplace import make_inplace
from ..pointwise import cos, log, sin, where
from ..pointwise_base import kernel_missing, unary_op, write_out
from ..pointwise_binary import xlogy
from .operands import float_operands, number_or_tensor
from ..._float_errors import silent_float_errors

__all__ = ["xlog1py", "entr", "sinc", "sinc_", "xlogy_", "not_implemented"]

FUNCTIONS = ["sinc", "sinc_", "xlogy_"]
METHODS = ["sinc"]
INPLACE = ["sinc"]


def not_implemented(what):
    """The rule of a derivative PyTorch does not define: backward raises when it reaches it."""

    def refuse(grad, *saved):
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")

    refuse.__name__ = f"_{what.split(':')[0]}_has_no_derivative"
    return refuse


# ---------------------------------------------------------------- xlog1py
def _xlog1py_grad_self(grad, self, other):
    return where((self == 0) & (other <= -1), 0.0, xlog1py(grad, other))


def _xlog1py_grad_other(grad, self, other):
    return grad * self / (other + 1)


SpecialXlog1PyBackward0 = derivative("SpecialXlog1PyBackward0", _xlog1py_grad_self, _xlog1py_grad_other,
                                     saves="self other", elementwise=True)
SpecialXlog1PyBackward1 = derivative("SpecialXlog1PyBackward1", _xlog1py_grad_other, saves="self other",
                                     elementwise=True)
SpecialXlog1PyBackward2 = derivative("SpecialXlog1PyBackward2", _xlog1py_grad_self, saves="self other",
                                     elementwise=True)


def xlog1py_arrays(x, y):
    """``x * log1p(y)``, 0 where ``x == 0`` unless ``y`` is nan."""
    xp = namespace_of(x)
    product = x * xp.log1p(y)
    return xp.where((x == 0) & ~xp.isnan(y), 0.0, product).astype(product.dtype, copy=False)


@silent_float_errors
def xlog1py(input, other, *, out=None):
    """``input * log1p(other)``, 0 where ``input`` is 0: the cross-entropy term of a shifted variable."""
    number_or_tensor("special_xlog1py", input, other)
    x, y = float_operands("xlog1py_cpu", input, other)
    data = xlog1py_arrays(x, y)
    if not isinstance(input, Tensor):
        result = record(data, SpecialXlog1PyBackward1, (other,), (input, other))
    elif not isinstance(other, Tensor):
        result = record(data, SpecialXlog1PyBackward2, (input,), (input, other))
    else:
        result = record(data, SpecialXlog1PyBackward0, (input, other), (input, other))
    return result if out is None else write_out(result, out, "special_xlog1py")


# ---------------------------------------------------------------- entr
def _entr_grad(grad, self):
    return grad * -(1 + log(self))


def _entr_array(x):
    """``-x log(x)`` for x > 0, 0 at 0, -inf below (and at -inf), nan for nan."""
    xp = namespace_of(x)
    value = -x * xp.log(xp.where(x > 0, x, 1.0))
    return xp.where(x > 0, value, xp.where(x == 0, 0.0, xp.where(x < 0, -math.inf, x))).astype(x.dtype, copy=False)


entr = unary_op("entr", derivative("SpecialEntrBackward0", _entr_grad, saves="self"), _entr_array, "self",
                rejects=kernel_missing("entr_cpu", "c"))


# ---------------------------------------------------------------- sinc
def _sinc_grad(grad, self):
    angle = math.pi * self
    squared = angle * self
    slope = (angle * cos(angle) - sin(angle)) / squared
    return grad * conjugate(where(squared == 0, 0.0, slope))  # +0, not 0 / 0, where pi x² underflows (as PyTorch)


def _sinc_array(x):
    """``sin(pi x) / (pi x)``, 1 at 0; half precision is computed in single, as PyTorch does."""
    xp = namespace_of(x)
    if x.dtype == xp.float16:
        return _sinc_array(x.astype(xp.float32)).astype(xp.float16)
    angle = math.pi * x
    zero = x == 0
    return xp.where(zero, 1.0, xp.sin(angle) / xp.where(zero, 1.0, angle)).astype(x.dtype, copy=False)


sinc = unary_op("sinc", derivative("SincBackward0", _sinc_grad, saves="self"), _sinc_array, "self")
sinc_ = make_inplace(sinc, "sinc")
xlogy_ = make_inplace(xlogy, "xlogy")  # PyTorch's top-level in-place form (the method comes with xlogy)
