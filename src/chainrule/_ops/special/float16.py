"""The special functions PyTorch's CPU build has no float16 kernel for.

NumPy computes them in float16 as readily as in float32; PyTorch refuses a float16 input with
``"<kernel>" not implemented for 'Half'``, and chainrule refuses it the same way. Named by kernel, in one
place; the functions look their name up once, where they are declared, or on a dtype they already compute.
"""

import numpy as np

from ..pointwise_base import no_kernel_error

__all__ = ["NO_FLOAT16_KERNEL", "FLOAT16", "refuse_float16"]

FLOAT16 = np.dtype(np.float16)

NO_FLOAT16_KERNEL = frozenset(f"{name}_cpu" for name in (
    "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "spherical_bessel_j0", "erfcx", "log_ndtr", "ndtri", "zeta",
    *(f"{shifted}{kind}_polynomial_{letter}" for shifted in ("", "shifted_") for kind, letters in
      (("chebyshev", "tuvw"),) for letter in letters),
    "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"))


def refuse_float16(kernel):
    """PyTorch's refusal of a float16 input to ``kernel``."""
    return no_kernel_error(kernel, FLOAT16)
