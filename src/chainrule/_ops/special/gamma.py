"""The gamma function family as ops: ``lgamma``, ``digamma``, ``polygamma`` and ``mvlgamma``.

Each derivative is the next function of the family (``lgamma' = digamma``, ``digamma' =
polygamma(1, .)``, ``polygamma(n, .)' = polygamma(n + 1, .)``), itself an op with a derivative, so
every order is available. Integer and bool inputs are computed in the default float dtype.
"""

import math

from ..._array import INTEGER_TYPES, namespace_of
from ..._tensor import Tensor
from .._kernel import Kernel, replays
from .._op import derivative, record
from ..inplace import make_inplace
from ..pointwise_base import float_array, kernel_missing, reject, unary_op, write_out
from .gamma_kernels import digamma_array, lgamma_array, polygamma_array

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "multigammaln", "tensor_polygamma", "polygamma_"]

FUNCTIONS = ["lgamma", "digamma", "polygamma", "mvlgamma"]
METHODS = ["lgamma", "digamma", "mvlgamma"]
INPLACE = ["lgamma", "digamma", "mvlgamma"]


def _lgamma_grad(grad, self):
    return grad * digamma(self)


def _digamma_grad(grad, self):
    return grad * polygamma(1, self)


lgamma = unary_op("lgamma", derivative("LgammaBackward0", _lgamma_grad, saves="self"), lgamma_array, "self",
                  rejects=kernel_missing("lgamma_vml_cpu", "c"))
digamma = unary_op("digamma", derivative("DigammaBackward0", _digamma_grad, saves="self"), digamma_array, "self",
                   rejects=kernel_missing("digamma", "c"))


# ---------------------------------------------------------------- polygamma(n, x)
def _polygamma_grad(grad, self, n):
    return grad * polygamma(n + 1, self)


PolygammaBackward0 = derivative("PolygammaBackward0", _polygamma_grad, saves="self", elementwise=True)
PolygammaBackward1 = derivative("PolygammaBackward1", _polygamma_grad, saves="self", elementwise=True)  # in place

# PyTorch's kernel names for complex input, by order
_POLYGAMMA_KERNELS = {0: "digamma", 1: "trigamma"}


def _order(n, name):
    """``n`` as a Python int (a 0-d integer tensor is accepted, as PyTorch does)."""
    if isinstance(n, Tensor) and n._data.ndim == 0 and n._data.dtype.kind in "iu":
        n = int(n.item())
    if not isinstance(n, INTEGER_TYPES) or isinstance(n, bool):
        raise TypeError(f"{name}(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    return int(n)


def _polygamma(n, input, node_class):
    n = _order(n, "polygamma")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if input._data.dtype.kind == "c":
        reject(input._data, kernel_missing(_POLYGAMMA_KERNELS.get(n, "polygamma"), "c"))
    return record(polygamma_array(n, float_array(input)), node_class, (input,), (input,), (n,))


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of ``digamma`` (``polygamma(0, x)`` is ``digamma(x)``)."""
    result = _polygamma(n, input, PolygammaBackward0)
    return result if out is None else write_out(result, out, "polygamma")


def tensor_polygamma(self, n):
    """``x.polygamma(n)``: the method takes the order after the tensor."""
    return polygamma(n, self)


def _polygamma_for_inplace(self, n):
    return _polygamma(n, self, PolygammaBackward1)


polygamma_ = make_inplace(_polygamma_for_inplace, "polygamma")

METHOD_FORMS = {"polygamma": tensor_polygamma, "polygamma_": polygamma_}


@replays(PolygammaBackward1)
@replays(PolygammaBackward0)
def _polygamma_kernel(out, inputs, saved, args):
    x = getattr(inputs[0], "_data", None)
    if x is None or x.dtype != out.dtype:
        return None
    return Kernel(polygamma_array, (args[0], inputs[0]))


# ---------------------------------------------------------------- multivariate lgamma
def _mvlgamma_grad(grad, self, p):
    return grad * _shifted_sum(digamma, self, p)


MvlgammaBackward0 = derivative("MvlgammaBackward0", _mvlgamma_grad, saves="self", elementwise=True)


def _shifted_sum(fn, x, p):
    """``sum over j < p of fn(x - j/2)``, the terms in PyTorch's order (the largest shift first)."""
    total = fn(x - (p - 1) / 2)
    for j in range(p - 2, -1, -1):
        total = total + fn(x - j / 2)
    return total


def _mvlgamma_array(x, p):
    xp = namespace_of(x)
    wide = x.astype(xp.float64)
    total = lgamma_array(wide - (p - 1) / 2)
    for j in range(p - 2, -1, -1):
        total = total + lgamma_array(wide - j / 2)
    return (total + p * (p - 1) / 4 * math.log(math.pi)).astype(x.dtype, copy=False)


def mvlgamma(input, p, *, out=None):
    """The log of the multivariate gamma function of dimension ``p``:
    ``p (p - 1) / 4 log(pi) + sum over j < p of lgamma(x - j/2)``."""
    return write_out(_mvlgamma("mvlgamma", input, p), out, "mvlgamma")


def multigammaln(input, p, *, out=None):
    """``chainrule.special``'s name for ``mvlgamma``."""
    return write_out(_mvlgamma("special_multigammaln", input, p), out, "special_multigammaln")


def _mvlgamma(name, input, p):
    if not isinstance(p, INTEGER_TYPES) or isinstance(p, bool):
        raise TypeError(f"{name}(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    kind = input._data.dtype.kind
    if kind == "b":
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if kind == "c":
        reject(input._data, kernel_missing("arange_cpu", "c"))
    return record(_mvlgamma_array(float_array(input), int(p)), MvlgammaBackward0, (input,), (input,), (int(p),))
