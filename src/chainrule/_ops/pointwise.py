"""Elementwise functions of one tensor, and ``where``.

A unary op is one line: its name, its node, its array function and what its rule reads. Float-only
functions turn integer inputs into the default float dtype first, as PyTorch does. Each rule is the
derivative written with chainrule's own ops, so it can itself be differentiated; for complex inputs it
multiplies by the conjugate of the derivative (``conjugate``, free for real tensors).
"""

import math
import numbers
import warnings

from .._array import NUMPY, is_array, namespace_of
from .._dtype import _FROM_NUMPY, SCALAR, result_type, scalar_dtype, uint8
from .._errors import argument_type_error, type_name
from .._tensor import Tensor, make_tensor
from ._broadcast import binary_arrays, broadcast_shapes
from ._kernel import Kernel, binary_operands, replays, same_kind_number
from ._arguments import check_tensors, number_from_tensor, not_a_tensor
from ._op import OUTPUT, conjugate, derivative, record
from .inplace import make_inplace
from .pointwise_base import (LARGE, float_array, kernel_missing, reject, to_default_float, unary_op, write_out,
                             zeros_like_grad)
from .pointwise_special import TWO_OVER_SQRT_PI, erf_array, erfc_array, erfinv_array
from .where_bits import where_large
from .._float_errors import silent_float_errors

_UNARY = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tan",
          "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "logit", "erf",
          "erfc", "erfinv", "abs", "sign", "sgn", "relu"]

__all__ = _UNARY + ["where", "zeros_like_grad", "to_default_float", "unary_op"]

FUNCTIONS = _UNARY + ["where"]
METHODS = _UNARY
INPLACE = [name for name in _UNARY if name != "abs"]  # abs_ is below: PyTorch refuses it for complex tensors
ALIASES = {"absolute": "abs", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh"}

_ndarray = NUMPY.ndarray

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2


def _complex_kernel_missing(kernel):
    return kernel_missing(kernel, "c")


# ---------------------------------------------------------------- rules: exponentials and logarithms
def _exp_grad(grad, result):
    return grad * conjugate(result)


def _exp2_grad(grad, result):
    return grad * conjugate(result * _LN2)


def _expm1_grad(grad, result):
    return grad * conjugate(result + 1)


def _log_grad(grad, self):
    return grad / conjugate(self)


def _log2_grad(grad, self):
    return grad / conjugate(self * _LN2)


def _log10_grad(grad, self):
    return grad / conjugate(self * _LN10)


def _log1p_grad(grad, self):
    return grad / conjugate(self + 1)


def _sqrt_grad(grad, result):
    return grad / conjugate(2 * result)


def _rsqrt_grad(grad, result):
    """PyTorch's ``-0.5 * grad * conj(result ** 3)``, in its order (complex products round and sign zeros by it)."""
    return -0.5 * grad * conjugate(result ** 3)


def _reciprocal_grad(grad, result):
    return grad * conjugate(-(result * result))


# ---------------------------------------------------------------- rules: trigonometric and hyperbolic
def _sin_grad(grad, self):
    return grad * conjugate(cos(self))


def _cos_grad(grad, self):
    return grad * conjugate(-sin(self))


def _tan_grad(grad, result):
    return grad * conjugate(1 + result * result)


def _asin_grad(grad, self):
    return grad * conjugate(rsqrt(1 - self * self))


def _acos_grad(grad, self):
    return grad * conjugate(-rsqrt(1 - self * self))


def _atan_grad(grad, self):
    return grad / conjugate(self * self + 1)


def _sinh_grad(grad, self):
    return grad * conjugate(cosh(self))


def _cosh_grad(grad, self):
    return grad * conjugate(sinh(self))


def _tanh_grad(grad, result):
    return grad * conjugate(1 - result * result)


def _asinh_grad(grad, self):
    return grad * conjugate(rsqrt(self * self + 1))


def _acosh_grad(grad, self):
    """Real: PyTorch's ``rsqrt(x² - 1)`` (0 at ±inf and at the largest floats, finite below -1). Complex: the
    product of two roots, which keeps inf + inf j out of a complex reciprocal."""
    if self.is_complex():
        return grad * conjugate(rsqrt(self - 1) * rsqrt(self + 1))
    return grad * rsqrt(self * self - 1)


def _atanh_grad(grad, self):
    return grad / conjugate(1 - self * self)


# ---------------------------------------------------------------- rules: sigmoid, logit, error functions
def _sigmoid_grad(grad, result):
    return grad * conjugate(result * (1 - result))


def _logit_grad(grad, self, eps):
    """``grad / (x (1 - x))``; at 0 and 1 (-0. too) PyTorch gives ``grad * inf``, which ``abs`` makes of it."""
    slope = grad / abs(self * (1 - self))
    if eps is None:
        return where((self < 0) | (self > 1), math.nan, slope)
    return where((self < eps) | (self > 1 - eps), 0.0, slope)


def _erf_grad(grad, self):
    return grad * (TWO_OVER_SQRT_PI * exp(-(self * self)))


def _erfc_grad(grad, self):
    return grad * (-TWO_OVER_SQRT_PI * exp(-(self * self)))


def _erfinv_grad(grad, result):
    return grad * (_SQRT_PI_OVER_TWO * exp(result * result))


# ---------------------------------------------------------------- rules: abs, sign, relu
def _abs_grad(grad, self):
    return grad * sgn(self)


def _zero_grad(grad, *saved):
    return zeros_like_grad(grad, None)


def _relu_grad(grad, result):
    return where(result <= 0, 0.0, grad)  # a NaN passes the gradient on, as in PyTorch


# ---------------------------------------------------------------- array functions PyTorch computes its own way
def sigmoid_array(x):
    """``1 / (1 + exp(-x))``: where ``exp`` overflows to inf the quotient is still the limit, 0."""
    xp = namespace_of(x)
    if x.dtype == xp.float16:  # half precision is computed in single, as PyTorch does
        return sigmoid_array(x.astype(xp.float32)).astype(xp.float16)
    return 1 / (1 + xp.exp(-x))


def _rsqrt_array(x):
    return 1 / namespace_of(x).sqrt(x)


def _reciprocal_array(x):
    """Complex: PyTorch's ``1 / z``, a complex division (``1 / 0j`` is ``inf + nanj``, ``1 / (inf + 1j)`` is
    ``0j``), where NumPy's ``reciprocal`` gives ``nan + nanj`` and ``0 - 0j``."""
    xp = namespace_of(x)
    return xp.divide(1, x) if x.dtype.kind == "c" else xp.reciprocal(x)


def _relu_array(x):
    """Large float arrays are clipped to ``[0, inf]``: one SIMD pass, 2-3x quicker than NumPy's ``maximum``
    (and -0. stays -0., as in PyTorch). Small ones take ``maximum(0, x)``, which keeps -0. too: NumPy's float32
    and float64 ``maximum`` gives its second operand where the two are equal (its float16 one, the first)."""
    if x.dtype.kind == "f" and (x.size >= LARGE or x.dtype.itemsize == 2):
        return namespace_of(x).clip(x, 0, math.inf)
    return namespace_of(x).maximum(0, x)


def _sign_array(x):
    """-1, 0 or 1; NaN and -0. give +0., as PyTorch computes ``(0 < x) - (x < 0)``."""
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind == "f":
        return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)
    return namespace_of(x).sign(x)


@silent_float_errors
def _sgn_array(x):
    """``z / |z|`` for complex numbers (0 at 0); ``sign`` otherwise."""
    if x.dtype.kind != "c":
        return _sign_array(x)
    xp = namespace_of(x)
    magnitude = xp.abs(x)
    return xp.where(magnitude == 0, 0, x / xp.where(magnitude == 0, 1, magnitude)).astype(x.dtype, copy=False)


_SIGN_COMPLEX = {"c": (NotImplementedError, "Unlike NumPy, torch.sign is not intended to support complex numbers. "
                                            "Please use torch.sgn instead.")}
_RELU_REJECTS = {"b": (RuntimeError, "Boolean inputs not supported for relu"),
                 "c": (NotImplementedError, "clamp is not supported for complex types")}

exp = unary_op("exp", derivative("ExpBackward0", _exp_grad, saves="result"), "exp", "result")
exp2 = unary_op("exp2", derivative("Exp2Backward0", _exp2_grad, saves="result"), "exp2", "result")
expm1 = unary_op("expm1", derivative("Expm1Backward0", _expm1_grad, saves="result"), "expm1", "result")
log = unary_op("log", derivative("LogBackward0", _log_grad, saves="self"), "log", "self")
log2 = unary_op("log2", derivative("Log2Backward0", _log2_grad, saves="self"), "log2", "self")
log10 = unary_op("log10", derivative("Log10Backward0", _log10_grad, saves="self"), "log10", "self")
log1p = unary_op("log1p", derivative("Log1PBackward0", _log1p_grad, saves="self"), "log1p", "self")
sqrt = unary_op("sqrt", derivative("SqrtBackward0", _sqrt_grad, saves="result"), "sqrt", "result")
rsqrt = unary_op("rsqrt", derivative("RsqrtBackward0", _rsqrt_grad, saves="result"), _rsqrt_array, "result")
reciprocal = unary_op("reciprocal", derivative("ReciprocalBackward0", _reciprocal_grad, saves="result"),
                      _reciprocal_array, "result")
sin = unary_op("sin", derivative("SinBackward0", _sin_grad, saves="self"), "sin", "self")
cos = unary_op("cos", derivative("CosBackward0", _cos_grad, saves="self"), "cos", "self")
tan = unary_op("tan", derivative("TanBackward0", _tan_grad, saves="result"), "tan", "result")
asin = unary_op("asin", derivative("AsinBackward0", _asin_grad, saves="self"), "arcsin", "self")
acos = unary_op("acos", derivative("AcosBackward0", _acos_grad, saves="self"), "arccos", "self")
atan = unary_op("atan", derivative("AtanBackward0", _atan_grad, saves="self"), "arctan", "self")
sinh = unary_op("sinh", derivative("SinhBackward0", _sinh_grad, saves="self"), "sinh", "self")
cosh = unary_op("cosh", derivative("CoshBackward0", _cosh_grad, saves="self"), "cosh", "self")
tanh = unary_op("tanh", derivative("TanhBackward0", _tanh_grad, saves="result"), "tanh", "result")
asinh = unary_op("asinh", derivative("AsinhBackward0", _asinh_grad, saves="self"), "arcsinh", "self")
acosh = unary_op("acosh", derivative("AcoshBackward0", _acosh_grad, saves="self"), "arccosh", "self")
atanh = unary_op("atanh", derivative("AtanhBackward0", _atanh_grad, saves="self"), "arctanh", "self")
sigmoid = unary_op("sigmoid", derivative("SigmoidBackward0", _sigmoid_grad, saves="result"), sigmoid_array,
                   "result")
erf = unary_op("erf", derivative("ErfBackward0", _erf_grad, saves="self"), erf_array, "self",
               rejects=_complex_kernel_missing("erf_vml_cpu"))
erfc = unary_op("erfc", derivative("ErfcBackward0", _erfc_grad, saves="self"), erfc_array, "self",
                rejects=_complex_kernel_missing("erfc_vml_cpu"))
erfinv = unary_op("erfinv", derivative("ErfinvBackward0", _erfinv_grad, saves="result"), erfinv_array, "result",
                  rejects=_complex_kernel_missing("erfinv_vml_cpu"))
abs = unary_op("abs", derivative("AbsBackward0", _abs_grad, saves="self"), "abs", "self", float_only=False,
               rejects=kernel_missing("abs_cpu", "b"))
sign = unary_op("sign", derivative("SignBackward0", _zero_grad), _sign_array, None, float_only=False,
                rejects=_SIGN_COMPLEX)
relu = unary_op("relu", derivative("ReluBackward0", _relu_grad, saves="result"), _relu_array, "result",
                float_only=False, rejects=_RELU_REJECTS)
_abs_in_place = make_inplace(abs, "abs")


def abs_(self):
    """In-place ``abs``, which PyTorch refuses for complex tensors (their result would be real)."""
    if isinstance(self, Tensor) and self._data.dtype.kind == "c":
        raise RuntimeError("In-place abs is not supported for complex tensors.")
    return _abs_in_place(self)



# ---------------------------------------------------------------- sgn (complex too) and logit (its eps)
def _complex_sgn_grad(grad, self, result):
    """The part of ``grad`` across the unit circle at ``z / |z|``, over ``|z|`` (0 at 0)."""
    magnitude = abs(self)
    at_zero = magnitude == 0
    across = grad - (grad * result.conj()).real * result
    return where(at_zero, 0.0, across / where(at_zero, 1.0, magnitude))


SgnBackward0 = derivative("SgnBackward0", _zero_grad)
ComplexSgnBackward = derivative("SgnBackward0", _complex_sgn_grad, saves="self result", op="sgn.complex")
LogitBackward0 = derivative("LogitBackward0", _logit_grad, saves="self")

_LOGIT_COMPLEX = _complex_kernel_missing("logit_cpu")


def sgn(input, *, out=None):
    """``sign`` that also takes complex numbers: ``z / |z|`` (0 at 0)."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("sgn", ("input", input)) from None
    if x.dtype.kind == "c":
        result = record(_sgn_array(x), ComplexSgnBackward, (input,), (input, OUTPUT))
    else:
        result = record(_sgn_array(x), SgnBackward0, (input,))
    return result if out is None else write_out(result, out, "sgn")


@silent_float_errors
def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("logit", ("input", input)) from None
    eps = number_from_tensor("logit", "eps", eps, "float")
    if eps is not None and not isinstance(eps, numbers.Real):
        raise argument_type_error("logit", "eps", 1, "float", eps)
    if x.dtype.kind in _LOGIT_COMPLEX:
        reject(x, _LOGIT_COMPLEX)
    x = float_array(input)
    xp = namespace_of(x)
    if eps is not None:  # as PyTorch: below eps becomes eps, else above 1 - eps becomes 1 - eps
        x = xp.where(x < eps, eps, xp.where(x > 1 - eps, 1 - eps, x)).astype(x.dtype, copy=False)
    result = record(xp.log(x / (1 - x)), LogitBackward0, (input,), (input,), (eps,))
    return result if out is None else write_out(result, out, "logit")


# ---------------------------------------------------------------- where
def _where_grad_input(grad, condition):
    return where(condition, grad, 0.0)


def _where_grad_other(grad, condition):
    return where(condition, 0.0, grad)


WhereBackward0 = derivative("WhereBackward0", _where_grad_input, _where_grad_other, saves="condition")


def _check_condition(cond):
    """A bool condition is expected; uint8 still works, with PyTorch's deprecation warning."""
    if cond.dtype != uint8.np:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_FROM_NUMPY[cond.dtype].scalar_type_name}")
    warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed in a "
                  "future version of PyTorch. Use a boolean condition instead.", UserWarning, stacklevel=3)


_CONDITION_ONLY = object()  # where(condition): its nonzero indices (an explicit None is refused, as in PyTorch)


def where(condition, input=_CONDITION_ONLY, other=_CONDITION_ONLY, *, out=None):
    """``input`` where ``condition`` holds, else ``other``; numbers allowed for either branch."""
    if input is _CONDITION_ONLY or other is _CONDITION_ONLY or input is None or other is None:
        if input is not other or input is None:
            given = ", ".join(type_name(v) for v in (condition, input, other) if v is not _CONDITION_ONLY)
            raise TypeError(f"where() received an invalid combination of arguments - got ({given}), but expected one "
                            "of:\n * (Tensor condition)\n * (Tensor condition, Tensor input, Tensor other, *, Tensor "
                            "out = None)\n * (Tensor condition, Number self, Tensor other)\n * (Tensor condition, "
                            "Tensor input, Number other)\n * (Tensor condition, Number self, Number other)\n")
        check_tensors("where", ("condition", condition))
        data = condition._data
        return tuple(make_tensor(i) for i in namespace_of(data).nonzero(data))
    if isinstance(condition, Tensor):
        cond = condition._data
        xp = NUMPY if cond.__class__ is _ndarray else namespace_of(cond)
    elif is_array(condition):  # a mask array, from chainrule's own rules
        xp = _namespace_of_tensors(input, other)
        cond = xp.asarray(condition)
    else:
        raise not_a_tensor("where", ("condition", condition))
    if cond.dtype.kind != "b":
        _check_condition(cond)
    if isinstance(input, Tensor):
        x, y = binary_arrays(input, other)
    elif isinstance(other, Tensor):
        y, x = binary_arrays(other, input)
    else:
        d = result_type([(scalar_dtype(input), SCALAR), (scalar_dtype(other), SCALAR)]).np
        x, y = xp.asarray(input, dtype=d), xp.asarray(other, dtype=d)
    try:
        result = where_large(cond, x, y) if xp is NUMPY else xp.where(cond, x, y)
    except ValueError:
        broadcast_shapes(cond.shape, _shape(x), _shape(y))
        raise
    x_array = is_array(x)
    if not x_array and is_array(y):
        result = result.astype(y.dtype, copy=False)
    elif x_array:
        result = result.astype(x.dtype, copy=False)
    condition = condition if isinstance(condition, Tensor) else make_tensor(cond)
    result = record(result, WhereBackward0, (input, other), (condition,))
    return result if out is None else write_out(result, out, "where")


def _namespace_of_tensors(*values):
    """The namespace of the first tensor among ``values`` (NumPy's when there is none)."""
    for value in values:
        if isinstance(value, Tensor):
            return namespace_of(value._data)
    return NUMPY


def _shape(value):
    return value.shape if is_array(value) else ()


def tensor_where(self, condition, other):
    """``x.where(condition, y)``: the method takes the condition second, unlike ``chainrule.where``."""
    return where(condition, self, other)


METHOD_FORMS = {"where": tensor_where, "abs_": abs_, "absolute_": abs_}


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(WhereBackward0)
def _where_kernel(out, inputs, saved, args):
    a, other = inputs
    (condition,) = saved
    if not isinstance(condition, Tensor):
        return None
    x = getattr(a, "_data", None)
    if x is None:  # a number first (ReLU's gradient): it takes the tensor's dtype, as eager's result does
        y = getattr(other, "_data", None)
        if y is None or y.__class__ is not _ndarray or not same_kind_number(y, a) or out.dtype != y.dtype:
            return None
        return Kernel(_where_number_first, (condition, a, other))
    if binary_operands(inputs) is None or out.dtype != x.dtype:
        return None
    xp = namespace_of(x)
    return Kernel(where_large if xp is NUMPY else xp.where, (condition, a, other))


def _where_number_first(condition, number, other):
    return where_large(condition, number, other).astype(other.dtype, copy=False)
