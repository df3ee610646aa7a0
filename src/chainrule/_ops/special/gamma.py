"""The gamma function family as ops: ``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``, the Hurwitz
``zeta`` and the regularized incomplete gamma functions ``igamma``/``igammac``.

Each derivative is the next function of the family (``lgamma' = digamma``, ``digamma' =
polygamma(1, .)``, ``polygamma(n, .)' = polygamma(n + 1, .)``), itself an op with a derivative, so
every order is available. Integer and bool inputs are computed in the default float dtype (except by
``igamma``, which PyTorch refuses them). As in PyTorch, ``zeta`` is differentiable in ``q`` only and
``igamma`` in ``x`` only: the other derivative raises when backward reaches it.
"""

import math

from ..._array import INTEGER_TYPES, namespace_of
from ..._tensor import Tensor
from .._arguments import check_tensors, not_a_tensor
from .._kernel import Kernel, replays
from .._op import derivative, record
from ..inplace import make_inplace
from ..pointwise_base import float_array, kernel_missing, reject, unary_op, write_out
from ..pointwise import exp, log
from .elementary import not_implemented
from .gamma_kernels import digamma_array, lgamma_array, polygamma_array, zeta as zeta_array
from .incomplete_gamma import gammainc as gammainc_array, gammaincc as gammaincc_array
from .operands import float_operands, number_or_tensor
from ..._float_errors import silent_float_errors

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "multigammaln", "tensor_polygamma", "polygamma_", "zeta",
           "igamma", "igammac", "gammainc", "gammaincc"]

FUNCTIONS = ["lgamma", "digamma", "polygamma", "mvlgamma", "igamma", "igammac"]
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


@silent_float_errors
def _polygamma(n, input, node_class):
    n = _order(n, "polygamma")
    check_tensors("polygamma", ("input", 2, input))
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

METHOD_FORMS = {"polygamma": tensor_polygamma, "polygamma_": polygamma_}  # igamma's forms: after its definition


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
    """``sum over j < p of fn(x - j/2)``, the terms in PyTorch's order (the largest shift first), each shift
    added as PyTorch adds it (``-0. + 0.`` is +0., where ``-0. - 0.`` would stay -0.)."""
    total = fn(x + -(p - 1) / 2)
    for j in range(p - 2, -1, -1):
        total = total + fn(x + -j / 2)
    return total


def _mvlgamma_array(x, p):
    """The arguments ``x - j/2`` are formed in ``x``'s dtype, as PyTorch forms them (in float16, ``x - 1`` of a
    tiny ``x`` is the pole at -1); the rest is computed in float64 and rounded once."""
    xp = namespace_of(x)

    def lgamma_shifted(j):
        return lgamma_array((x - x.dtype.type(j / 2)).astype(xp.float64))

    total = lgamma_shifted(p - 1)
    for j in range(p - 2, -1, -1):
        total = total + lgamma_shifted(j)
    return (total + p * (p - 1) / 4 * math.log(math.pi)).astype(x.dtype, copy=False)


def mvlgamma(input, p, *, out=None):
    """The log of the multivariate gamma function of dimension ``p``:
    ``p (p - 1) / 4 log(pi) + sum over j < p of lgamma(x - j/2)``."""
    return write_out(_mvlgamma("mvlgamma", input, p), out, "mvlgamma")


def multigammaln(input, p, *, out=None):
    """``chainrule.special``'s name for ``mvlgamma``."""
    return write_out(_mvlgamma("special_multigammaln", input, p), out, "special_multigammaln")


@silent_float_errors
def _mvlgamma(name, input, p):
    if not isinstance(p, INTEGER_TYPES) or isinstance(p, bool):
        raise TypeError(f"{name}(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    try:
        kind = input._data.dtype.kind
    except AttributeError:
        raise not_a_tensor(name, ("input", input)) from None
    if kind == "b":
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if kind == "c":
        reject(input._data, kernel_missing("arange_cpu", "c"))
    return record(_mvlgamma_array(float_array(input), int(p)), MvlgammaBackward0, (input,), (input,), (int(p),))


# ---------------------------------------------------------------- Hurwitz zeta
def _zeta_grad_other(grad, self, other):
    return grad * -self * zeta(self + 1.0, other)


_zeta_grad_self = not_implemented("zeta")
SpecialZetaBackward0 = derivative("SpecialZetaBackward0", _zeta_grad_self, _zeta_grad_other, saves="self other",
                                  elementwise=True)
SpecialZetaBackward1 = derivative("SpecialZetaBackward1", _zeta_grad_other, saves="self other", elementwise=True)
SpecialZetaBackward2 = derivative("SpecialZetaBackward2", _zeta_grad_self, saves="self other", elementwise=True)


@silent_float_errors
def zeta(input, other, *, out=None):
    """The Hurwitz zeta function ``sum over k >= 0 of (other + k) ** -input``."""
    number_or_tensor("special_zeta", input, other)
    data = zeta_array(*float_operands("zeta_cpu", input, other))
    if not isinstance(input, Tensor):
        result = record(data, SpecialZetaBackward1, (other,), (input, other))
    elif not isinstance(other, Tensor):
        result = record(data, SpecialZetaBackward2, (input,), (input, other))
    else:
        result = record(data, SpecialZetaBackward0, (input, other), (input, other))
    return write_out(result, out, "special_zeta")


# ---------------------------------------------------------------- regularized incomplete gamma functions
def _igamma_grad_other(grad, self, other):
    return grad * exp((self - 1) * log(other) - other - lgamma(self))


def _igammac_grad_other(grad, self, other):
    return -grad * exp((self - 1) * log(other) - other - lgamma(self))


IgammaBackward0 = derivative("IgammaBackward0", not_implemented("igamma: input"), _igamma_grad_other,
                             saves="self other", elementwise=True)
IgammacBackward0 = derivative("IgammacBackward0", not_implemented("igammac: input"), _igammac_grad_other,
                              saves="self other", elementwise=True)


@silent_float_errors
def _incomplete(name, node_class, array_fn, input, other, method=False):
    for position, (argument, value) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(value, Tensor):
            position = 1 if method else position
            raise TypeError(f"{name}(): argument '{argument if not method else 'other'}' (position {position}) must "
                            f"be Tensor, not {type(value).__name__}")
    kernel = "igammac_cpu" if node_class is IgammacBackward0 else "igamma_cpu"
    data = array_fn(*float_operands(kernel, input, other, integers_to_float=False))
    return record(data, node_class, (input, other), (input, other))


def igamma(input, other, *, out=None):
    """The regularized lower incomplete gamma function ``P(input, other)``."""
    return write_out(_incomplete("igamma", IgammaBackward0, gammainc_array, input, other), out, "igamma")


def igammac(input, other, *, out=None):
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - P(input, other)``."""
    return write_out(_incomplete("igammac", IgammacBackward0, gammaincc_array, input, other), out, "igammac")


def gammainc(input, other, *, out=None):
    """``chainrule.special``'s name for ``igamma``."""
    result = _incomplete("special_gammainc", IgammaBackward0, gammainc_array, input, other)
    return write_out(result, out, "special_gammainc")


def gammaincc(input, other, *, out=None):
    """``chainrule.special``'s name for ``igammac``."""
    result = _incomplete("special_gammaincc", IgammacBackward0, gammaincc_array, input, other)
    return write_out(result, out, "special_gammaincc")


def tensor_igamma(self, other):
    """``x.igamma(y)``: PyTorch names the other operand position 1 in the method's errors."""
    return _incomplete("igamma", IgammaBackward0, gammainc_array, self, other, method=True)


def tensor_igammac(self, other):
    return _incomplete("igammac", IgammacBackward0, gammaincc_array, self, other, method=True)


METHOD_FORMS.update(igamma=tensor_igamma, igammac=tensor_igammac, igamma_=make_inplace(tensor_igamma, "igamma"),
                    igammac_=make_inplace(tensor_igammac, "igammac"))
