"""``chainrule.special``: the functions of ``torch.special``.

Most are ops of their own (``_ops/special``: the gamma family, the error functions, Bessel functions,
orthogonal polynomials); the rest are PyTorch's other names for ops chainrule already has
(``expit`` is ``sigmoid``, ``psi`` is ``digamma``). ``docs/special.md`` says how each is computed.
"""

from ._ops._op import publish
from ._ops.pointwise import erf, erfc, erfinv, exp2, expm1, log1p, logit
from ._ops.pointwise import sigmoid as expit
from ._ops.pointwise_binary import xlogy
from ._ops.reduction import logsumexp
from ._ops.rounding import round as _round
from ._ops.special.bessel import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1, i0, i0e, i1, i1e,
                                  modified_bessel_i0, modified_bessel_i1, modified_bessel_k0, modified_bessel_k1,
                                  scaled_modified_bessel_k0, scaled_modified_bessel_k1, spherical_bessel_j0)
from ._ops.special.elementary import entr, sinc, xlog1py
from ._ops.special.error import erfcx, log_ndtr, ndtr, ndtri
from ._ops.special.polynomials import (chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v,
                                       chebyshev_polynomial_w, hermite_polynomial_h, hermite_polynomial_he,
                                       laguerre_polynomial_l, legendre_polynomial_p, shifted_chebyshev_polynomial_t,
                                       shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v,
                                       shifted_chebyshev_polynomial_w)
from ._ops.special.gamma import digamma, gammainc, gammaincc, lgamma as gammaln, multigammaln, polygamma, zeta
from ._signatures import Signatures, checking
from ._tensor import Tensor
from .nn import functional as _functional

__all__ = ["Tensor", "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr", "erf",
           "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]

psi = digamma


def round(input, *, decimals=0, out=None):
    """``chainrule.round`` with ``decimals`` always given (PyTorch's ``RoundBackward1``)."""
    return _round(input, decimals=decimals, out=out)


def softmax(input, dim, *, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, which ``special`` requires."""
    return _functional.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """``x - logsumexp(x)`` along ``dim``, which ``special`` requires."""
    return _functional.log_softmax(input, dim, dtype=dtype)


publish([globals()[name] for name in __all__ if name != "Tensor"])
# PyTorch names them special_*: a failed call whose arguments do not fit raises its TypeError
globals().update({name: checking(Signatures(f"special_{name}", "Tensor input, int dim, *, ScalarType? dtype = None"),
                                 globals()[name], __name__, name) for name in ("softmax", "log_softmax")})
