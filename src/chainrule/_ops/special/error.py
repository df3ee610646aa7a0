"""The error functions of ``torch.special`` beyond ``erf``/``erfc``/``erfinv``: ``erfcx``, and the
standard normal distribution's ``ndtr``, ``log_ndtr`` and ``ndtri``.

``ndtr`` is ``(1 + erf(x / sqrt 2)) / 2`` composed of ops, exactly as PyTorch computes it (its value
and its graph: ``MulBackward1``, ``AddBackward1``, ``ErfBackward0``, ``MulBackward1``); like
PyTorch's it rounds to 0 below about -8.3. ``log_ndtr`` and ``ndtri`` keep their accuracy in the tails.
"""

import math

from .._broadcast import binary_arrays
from .._op import derivative, record
from ..pointwise import erf, exp
from ..pointwise_base import kernel_missing, write_out
from .error_kernels import TWO_OVER_SQRT_PI, erfcx as erfcx_array, log_ndtr as log_ndtr_array, ndtri as ndtri_array
from .unary import special_unary

__all__ = ["erfcx", "ndtr", "log_ndtr", "ndtri"]

_SQRT_TWO_PI = math.sqrt(2 * math.pi)
_SQRT_HALF = math.sqrt(0.5)


def _erfcx_grad(grad, self, result):
    return (2 * self * result - TWO_OVER_SQRT_PI) * grad


def _log_ndtr_grad(grad, self, result):
    return grad / _SQRT_TWO_PI * exp(-(result + self * self / 2))


def _ndtri_grad(grad, result):
    return grad * _SQRT_TWO_PI * exp(result * result / 2)


erfcx = special_unary("erfcx", derivative("SpecialErfcxBackward0", _erfcx_grad, saves="self result"), erfcx_array,
                      rejects=kernel_missing("erfcx_cpu", "c"))
log_ndtr = special_unary("log_ndtr", derivative("SpecialLogNdtrBackward0", _log_ndtr_grad, saves="self result"),
                         log_ndtr_array, rejects=kernel_missing("log_ndtr_cpu", "c"))
ndtri = special_unary("ndtri", derivative("SpecialNdtriBackward0", _ndtri_grad, saves="result"), ndtri_array,
                      saves=("result",), rejects=kernel_missing("ndtri_cpu", "c"))


# ---------------------------------------------------------------- ndtr, as PyTorch composes it
def _times_number_grad(grad, number):
    return grad * number


def _plus_number_grad(grad, number):
    return grad


MulBackward1 = derivative("MulBackward1", _times_number_grad, elementwise=True)
AddBackward1 = derivative("AddBackward1", _plus_number_grad, elementwise=True)


def _times_number(input, number):
    """``input * number`` recorded as PyTorch's tensor-by-scalar product (one edge)."""
    x, y = binary_arrays(input, number)
    return record(x * y, MulBackward1, (input,), (), (number,))


def _plus_number(input, number):
    x, y = binary_arrays(input, number)
    return record(x + y, AddBackward1, (input,), (), (number,))


def ndtr(input, *, out=None):
    """The standard normal distribution function ``(1 + erf(x / sqrt 2)) / 2``."""
    result = _times_number(_plus_number(erf(_times_number(input, _SQRT_HALF)), 1), 0.5)
    return write_out(result, out, "special_ndtr")
