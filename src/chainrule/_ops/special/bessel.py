"""Bessel and Airy functions as ops.

``i0`` (also ``chainrule.i0`` and ``x.i0()``), ``i0e``, ``i1`` and ``i1e`` have PyTorch's derivatives,
written with the same functions (``I0' = I1``, ``I1' = I0 - I1 / x``, and the scaled forms'), so they
differentiate again. The other Bessel functions of ``torch.special`` (``bessel_j0``, ``modified_bessel_k1``,
``airy_ai``, ...) have no derivative in PyTorch: their results never require grad.
"""

from .._op import derivative
from ..inplace import make_inplace
from ..pointwise import abs, sgn, where
from ..pointwise_base import kernel_missing, unary_op
from . import bessel_kernels as kernels
from .float16 import FLOAT16, refuse_float16
from .unary import no_derivative, special_unary

__all__ = ["i0", "i0_", "i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
           "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "bessel_j0", "bessel_j1",
           "bessel_y0", "bessel_y1", "spherical_bessel_j0", "airy_ai"]

FUNCTIONS = ["i0", "i0_"]
METHODS = ["i0"]
INPLACE = ["i0"]

_EPSILON = {2: 9.765625e-04, 4: 1.1920928955078125e-07, 8: 2.220446049250313e-16}  # by itemsize


def _i0_grad(grad, self):
    return grad * i1(self)


def _i0e_grad(grad, self, result):
    return grad * (i1e(self) - sgn(self) * result)


def _away_from_zero(self):
    """(|x| above its dtype's epsilon, x with those elements replaced by epsilon): the rules of I1 and I1e
    divide by x, and their limit at 0 is 1/2."""
    epsilon = _EPSILON[self._data.dtype.itemsize]
    outside = abs(self) > epsilon
    return outside, where(outside, self, epsilon)


def _i1_grad(grad, self, result):
    if self._data.dtype == FLOAT16:
        raise refuse_float16("i1_backward")
    outside, safe = _away_from_zero(self)
    return grad * where(outside, i0(safe) - result / safe, 0.5)


def _i1e_grad(grad, self, result):
    if self._data.dtype == FLOAT16:
        raise refuse_float16("i1e_backward")
    outside, safe = _away_from_zero(self)
    return grad * where(outside, i0e(safe) - result * (sgn(safe) + 1 / safe), 0.5)


i0 = unary_op("i0", derivative("I0Backward0", _i0_grad, saves="self"), kernels.i0, "self",
              rejects=kernel_missing("i0_vml_cpu", "c"))
i0_ = make_inplace(i0, "i0")
i0e = special_unary("i0e", derivative("SpecialI0EBackward0", _i0e_grad, saves="self result"), kernels.i0e,
                    rejects=kernel_missing("i0e_cpu", "c"))
i1 = special_unary("i1", derivative("SpecialI1Backward0", _i1_grad, saves="self result"), kernels.i1,
                   rejects=kernel_missing("i1_cpu", "c"))
i1e = special_unary("i1e", derivative("SpecialI1EBackward0", _i1e_grad, saves="self result"), kernels.i1e,
                    rejects=kernel_missing("i1e_cpu", "c"))


def _without_derivative(name, array_fn, argument="input"):
    return special_unary(name, no_derivative(f"Special{name.title().replace('_', '')}Kernel"), array_fn,
                         rejects=kernel_missing(f"{name}_cpu", "c"), differentiable=False, argument=argument)


modified_bessel_i0 = _without_derivative("modified_bessel_i0", kernels.i0)
modified_bessel_i1 = _without_derivative("modified_bessel_i1", kernels.i1)
modified_bessel_k0 = _without_derivative("modified_bessel_k0", kernels.k0)
modified_bessel_k1 = _without_derivative("modified_bessel_k1", kernels.k1)
scaled_modified_bessel_k0 = _without_derivative("scaled_modified_bessel_k0", kernels.k0e, argument="x")
scaled_modified_bessel_k1 = _without_derivative("scaled_modified_bessel_k1", kernels.k1e, argument="x")
bessel_j0 = _without_derivative("bessel_j0", kernels.j0)
bessel_j1 = _without_derivative("bessel_j1", kernels.j1)
bessel_y0 = _without_derivative("bessel_y0", kernels.y0)
bessel_y1 = _without_derivative("bessel_y1", kernels.y1)
spherical_bessel_j0 = _without_derivative("spherical_bessel_j0", kernels.spherical_j0, argument="x")
airy_ai = _without_derivative("airy_ai", kernels.airy_ai, argument="x")
