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
from ._ops.special.elementary import entr, sinc, xlog1py
from ._ops.special.gamma import digamma, lgamma as gammaln, multigammaln, polygamma
from ._tensor import Tensor
from .nn import functional as _functional

__all__ = ["Tensor", "digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "log1p",
           "log_softmax", "logit", "logsumexp", "multigammaln", "polygamma", "psi", "round", "sinc", "softmax",
           "xlog1py", "xlogy"]

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
