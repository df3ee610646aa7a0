"""nn.functional activations (the softmax family, dropout, linear maps and attention are families of
their own).

Each activation with its own PyTorch node is a forward on arrays next to its derivative rule,
written with chainrule ops so that every higher derivative works. Activations PyTorch builds out
of other ops (``softsign``, ``tanhshrink``, ``softmin``) are built the same way here, so their
``grad_fn`` names agree. An ``inplace=True`` call writes the result back into the input; the
in-place nodes that read the result instead of the input carry PyTorch's ``Backward1`` names.
"""

import math

from ..._array import NUMPY, namespace_of
from ..._autograd import grad_mode
from ..._dtype import fitting_number, float16
from ..._random import default_generator, draws
from ..._ops._op import traced_stateful
from ..._ops import pointwise
from ..._ops._op import OUTPUT, derivative, record
from ..._ops.inplace import check_inplace_allowed, make_inplace, write_inplace
from ..._ops.joining import cat
from ..._ops._arguments import not_a_tensor, number_argument, number_from_tensor
from ..._ops.pointwise_base import no_kernel_error
from ..._ops.pointwise import erf, exp, sigmoid, tanh, where
from ..._ops.erf_single import gelu_derivative_single, gelu_single
from ..._ops.pointwise_special import erf_array
from ..._ops.where_bits import select
from ..._tensor import _wrap_dim, make_tensor
from ..._float_errors import silent_float_errors

FUNCTIONS = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "rrelu", "rrelu_", "elu", "elu_", "selu",
             "selu_", "celu", "celu_", "gelu", "silu", "mish", "softplus", "softsign", "sigmoid", "tanh", "hardtanh",
             "hardtanh_", "hardsigmoid", "hardswish", "logsigmoid", "tanhshrink", "softshrink", "hardshrink",
             "threshold", "threshold_", "prelu", "glu"]
METHODS = ["hardshrink", "prelu"]  # F.sigmoid and F.tanh are chainrule's own

_INPLACE = "object inplace = False"  # read by Python code only: anything goes
SIGNATURES = {
    "relu": f"Tensor input, {_INPLACE}", "relu_": "Tensor input", "relu6": f"Tensor input, {_INPLACE}",
    "leaky_relu": f"Tensor input, Scalar negative_slope = 0.01, {_INPLACE}",
    "leaky_relu_": "Tensor input, Scalar negative_slope = 0.01",
    "rrelu": f"Tensor input, Scalar lower = 0.125, Scalar upper = 0.3333333333333333, bool training = False, "
             f"{_INPLACE}",
    "rrelu_": "Tensor input, Scalar lower = 0.125, Scalar upper = 0.3333333333333333, bool training = False",
    "elu": f"Tensor input, Scalar alpha = 1.0, {_INPLACE}", "elu_": "Tensor input, Scalar alpha = 1.0",
    "selu": f"Tensor input, {_INPLACE}", "selu_": "Tensor input",
    "celu": f"Tensor input, Scalar alpha = 1.0, {_INPLACE}", "celu_": "Tensor input, Scalar alpha = 1.0",
    "gelu": "Tensor input, *, str approximate = 'none'",
    "silu": f"Tensor input, {_INPLACE}", "mish": f"Tensor input, {_INPLACE}",
    "softplus": "Tensor input, Scalar beta = 1, Scalar threshold = 20",
    "hardtanh": f"Tensor input, object min_val = -1.0, object max_val = 1.0, {_INPLACE}",  # compared in Python
    "hardtanh_": "Tensor input, Scalar min_val = -1, Scalar max_val = 1",
    "hardsigmoid": f"Tensor input, {_INPLACE}", "hardswish": f"Tensor input, {_INPLACE}",
    "logsigmoid": "Tensor input", "softshrink": "Tensor input, Scalar lambd = 0.5",
    "hardshrink": "Tensor input, Scalar lambd = 0.5",
    "threshold": f"Tensor input, Scalar threshold, Scalar value, {_INPLACE}",
    "threshold_": "Tensor input, Scalar threshold, Scalar value",
    "prelu": "Tensor input, Tensor weight",
    "glu": "object input, int dim = -1",  # PyTorch asks the input its dim() first: an AttributeError
}

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _real_float(input, kernel, function):
    """The input's array; PyTorch has ``kernel`` for real floating dtypes only, so others are refused by name."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor(function, ("input", input)) from None
    if x.dtype.kind != "f":
        raise no_kernel_error(kernel, x.dtype)
    return x


# ---------------------------------------------------------------- relu family
def relu(input, inplace=False):
    return input.relu_() if inplace else pointwise.relu(input)


def relu_(input):
    return input.relu_()


def _blocked_outside(grad, self, low, high):
    """Zero at and beyond the bounds; a NaN is not beyond them and passes ``grad`` on, as in PyTorch."""
    return where((self <= low) | (self >= high), 0.0, grad)


HardtanhBackward0 = derivative("HardtanhBackward0", _blocked_outside, saves="self")


def _hardtanh(input, min_val, max_val):
    if min_val is None or max_val is None:
        raise TypeError(f"hardtanh_(): argument '{'min_val' if min_val is None else 'max_val'}' must be Number, not "
                        "NoneType")
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if x.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    if x.dtype.kind == "u" and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    fitting_number(min_val, x.dtype), fitting_number(max_val, x.dtype)
    clipped = namespace_of(x).clip(x, min_val, max_val).astype(x.dtype, copy=False)  # integers stay integers
    return record(clipped, HardtanhBackward0, (input,), (input,), (min_val, max_val))


_hardtanh_in_place = make_inplace(_hardtanh, "hardtanh")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to ``[min_val, max_val]``; unlike ``clamp`` the bounds themselves get no gradient."""
    if min_val > max_val:  # first, as PyTorch's Python layer compares (tensors: their truth value)
        raise ValueError("min_val cannot be greater than max_val")
    min_val, max_val = (number_from_tensor("hardtanh", name, value)
                        for name, value in (("min_val", min_val), ("max_val", max_val)))
    if inplace:
        return _hardtanh_in_place(input, min_val, max_val)
    return _hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """PyTorch's in-place form takes the bounds in any order (``F.hardtanh`` alone refuses min > max)."""
    min_val, max_val = (number_from_tensor("hardtanh_", name, value)
                        for name, value in (("min_val", min_val), ("max_val", max_val)))
    return _hardtanh_in_place(input, min_val, max_val)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky_relu_grad(grad, self, negative_slope):
    return where(self > 0, grad, grad * negative_slope)


LeakyReluBackward0 = derivative("LeakyReluBackward0", _leaky_relu_grad, saves="self")
LeakyReluBackward1 = derivative("LeakyReluBackward1", _leaky_relu_grad, saves="result")


@silent_float_errors
def _leaky_relu_array(x, negative_slope):
    """``x`` where positive, else ``x * negative_slope``. For a slope in (0, 1] (in ``x``'s dtype) that is
    ``max(x, x * slope)``, bit for bit (signed zeros, infinities and NaN included): two passes. Otherwise a
    select, on NumPy by the bits (no mispredicted branches). float16 is scaled in float32 and rounded once,
    as PyTorch's kernel does."""
    xp = namespace_of(x)
    if x.dtype == xp.float16:
        return _leaky_relu_array(x.astype(xp.float32), negative_slope).astype(xp.float16)
    scaled = x * negative_slope
    if x.dtype.kind == "f" and 0 < x.dtype.type(negative_slope) <= 1:
        return xp.maximum(x, scaled)
    return select(x > 0, x, scaled)


def _leaky_relu_saving_result(input, negative_slope=0.01):
    negative_slope = number_from_tensor("leaky_relu_", "negative_slope", negative_slope)
    x = _real_float(input, "leaky_relu_cpu", "leaky_relu_")
    fitting_number(negative_slope, x.dtype, as_float32=True)
    return record(_leaky_relu_array(x, negative_slope), LeakyReluBackward1, (input,), (OUTPUT,),
                  (negative_slope,))


leaky_relu_ = make_inplace(_leaky_relu_saving_result, "leaky_relu")


def leaky_relu(input, negative_slope=0.01, inplace=False):
    negative_slope = number_from_tensor("leaky_relu", "negative_slope", negative_slope)
    if inplace:
        return leaky_relu_(input, negative_slope)
    x = _real_float(input, "leaky_relu_cpu", "leaky_relu")
    fitting_number(negative_slope, x.dtype, as_float32=True)
    return record(_leaky_relu_array(x, negative_slope), LeakyReluBackward0, (input,), (input,),
                  (negative_slope,))


# ---------------------------------------------------------------- rrelu
def _rrelu_grad(grad, self, slopes):
    return where(self > 0, grad, grad * slopes)


RreluWithNoiseBackward0 = derivative("RreluWithNoiseBackward0", _rrelu_grad, saves="self")
RreluWithNoiseBackward1 = derivative("RreluWithNoiseBackward1", _rrelu_grad, saves="result")


def _rrelu(node_class, saved, input, lower, upper, training):
    """While training every element gets its own slope (from chainrule's generator); otherwise their mean."""
    x = _real_float(input, "leaky_relu_cpu", "rrelu")
    fitting_number(lower, x.dtype, as_float32=True), fitting_number(upper, x.dtype, as_float32=True)
    if training:
        result, drawn = traced_stateful(_rrelu_training, input, lower, upper)  # one call: a replay draws again
        return record(result, node_class, (input,), (saved,), (make_tensor(drawn),))
    slopes = (lower + upper) / 2
    return record(select(x > 0, x, x * slopes).astype(x.dtype, copy=False), node_class, (input,),
                  (saved,), (slopes,))


def _rrelu_training(x, lower, upper):
    slopes = _rrelu_slopes(x, lower, upper)
    return select(x > 0, x, x * slopes).astype(x.dtype, copy=False), slopes


def _rrelu_slopes(x, lower, upper):
    """PyTorch's noise: walking the elements in order, each one <= 0 draws its slope, a double uniform
    ``u * (upper - lower) + lower`` (bounds first rounded to the opmath type; this kernel is not fused);
    the others keep slope 1. The uniforms are drawn on the host and scaled in ``x``'s namespace."""
    xp = namespace_of(x)
    opmath = xp.float64 if x.dtype == xp.float64 else xp.float32
    low, high = float(opmath(lower)), float(opmath(upper))
    flat = xp.ascontiguousarray(x).reshape(-1)
    drawing = flat <= 0
    slopes = xp.ones(flat.shape, dtype=x.dtype)
    drawn = xp.from_host(draws.uniform_doubles(default_generator, int(drawing.sum())))
    slopes[drawing] = (drawn * (high - low) + low).astype(opmath)
    return slopes.reshape(x.shape)


def _rrelu_for_in_place(input, lower, upper, training):
    return _rrelu(RreluWithNoiseBackward1, OUTPUT, input, lower, upper, training)


_rrelu_in_place = make_inplace(_rrelu_for_in_place, "rrelu")


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky relu whose negative slope is random in ``[lower, upper]`` while training, their mean otherwise."""
    if not lower <= upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if inplace:
        return _rrelu_in_place(input, lower, upper, training)
    return _rrelu(RreluWithNoiseBackward0, input, input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


# ---------------------------------------------------------------- elu family
# scale * (x > 0 ? x : alpha * (exp(x * input_scale) - 1))
# The negative branch is taken for x <= 0, so a NaN takes the positive one (PyTorch's gradient there is ``scale``).
def _elu_grad(grad, self, alpha, scale, input_scale):
    return where(self <= 0, grad * (scale * alpha * input_scale) * exp(self * input_scale), grad * scale)


def _elu_grad_from_result(grad, result, alpha, scale, input_scale):
    return where(result <= 0, grad * input_scale * (result + scale * alpha), grad * scale)


EluBackward0 = derivative("EluBackward0", _elu_grad, saves="self")
EluBackward1 = derivative("EluBackward1", _elu_grad_from_result, saves="result")
CeluBackward0 = derivative("CeluBackward0", _elu_grad, saves="self")
CeluBackward1 = derivative("CeluBackward1", _elu_grad_from_result, saves="result")


@silent_float_errors
def _elu_array(x, alpha, scale, input_scale):
    """``alpha`` reaches only the elements <= 0: a NaN or infinite alpha leaves the positive ones alone."""
    xp = namespace_of(x)
    negative = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
    return select(x < 0, negative, x * scale).astype(x.dtype, copy=False)


def _elu_op(node_class, saved, input, alpha, scale, input_scale):
    args = (alpha, scale, input_scale)
    x = _real_float(input, "elu_cpu", "elu")
    fitting_number(alpha, x.dtype, as_float32=True)
    return record(_elu_array(x, *args), node_class, (input,), (saved,), args)


def _elu_inplace(input, alpha, scale, input_scale, node_class):
    return _elu_op(node_class, OUTPUT, input, alpha, scale, input_scale)


_elu_in_place = make_inplace(_elu_inplace, "elu")


def elu(input, alpha=1.0, inplace=False):
    alpha = number_from_tensor("elu", "alpha", alpha)
    if inplace:
        return _elu_in_place(input, alpha, 1.0, 1.0, EluBackward1)
    return _elu_op(EluBackward0, input, input, alpha, 1.0, 1.0)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    if inplace:
        return _elu_in_place(input, SELU_ALPHA, SELU_SCALE, 1.0, EluBackward1)
    return _elu_op(EluBackward0, input, input, SELU_ALPHA, SELU_SCALE, 1.0)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return _elu_in_place(input, alpha, 1.0, 1.0 / alpha, CeluBackward1)
    return _elu_op(CeluBackward0, input, input, alpha, 1.0, 1.0 / alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


# ---------------------------------------------------------------- smooth activations
_grad_state = grad_mode._state


def _gelu_grad(grad, self, approximate):
    if approximate == "tanh":
        inner = tanh((self + 0.044715 * self * self * self) * _SQRT_2_OVER_PI)
        d_inner = (1 + 3 * 0.044715 * self * self) * _SQRT_2_OVER_PI
        return grad * (0.5 * (1 + inner) + 0.5 * self * (1 - inner * inner) * d_inner)
    if not _grad_state.enabled and self._data.dtype == namespace_of(self._data).float32:  # no double backward
        return grad * make_tensor(gelu_derivative_single(self._data))
    cdf = 0.5 * (1 + erf(self * _SQRT1_2))
    pdf = exp(self * self * -0.5) * _INV_SQRT_2PI
    return grad * (cdf + self * pdf)


GeluBackward0 = derivative("GeluBackward0", _gelu_grad, saves="self")


@silent_float_errors
def _gelu_array(x, approximate):
    xp = namespace_of(x)
    if x.dtype == xp.float16:  # float32 intermediates, rounded once, as PyTorch's kernel computes half
        return _gelu_array(x.astype(xp.float32), approximate).astype(xp.float16)
    if approximate == "tanh":
        return 0.5 * x * (1 + xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    if x.dtype == xp.float32:
        return gelu_single(x)
    return 0.5 * x * (1 + erf_array(x * _SQRT1_2))


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x = _real_float(input, "GeluKernelImpl", "gelu")
    return record(_gelu_array(x, approximate), GeluBackward0, (input,), (input,), (approximate,))


def _silu_grad(grad, self):
    s = sigmoid(self)
    return grad * (s * (1 + self * (1 - s)))


SiluBackward0 = derivative("SiluBackward0", _silu_grad, saves="self")


def _silu_array(x):
    """``x / (1 + exp(-x))``, PyTorch's formula: ``-0.`` where ``exp`` overflows, as in PyTorch. A float16 ``x``
    goes through float32 and is rounded once, as PyTorch's kernel computes half precision."""
    xp = namespace_of(x)
    if x.dtype == xp.float16:
        return _silu_array(x.astype(xp.float32)).astype(xp.float16)
    return x / (1 + xp.exp(-x))


def softplus_array(x):
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log1p(exp(-|x|))``."""
    xp = namespace_of(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


@silent_float_errors
def silu(input, inplace=False):
    inplace = bool(inplace)  # PyTorch's Python asks the flag first: a tensor of several values is ambiguous
    x = input._data
    if x.dtype.kind not in "fc":
        raise no_kernel_error("silu_cpu", x.dtype)
    result = record(_silu_array(x), SiluBackward0, (input,), (input,))
    return _write_back(input, result) if inplace else result


def _softplus_array(x, beta, threshold):
    scaled = x * beta
    return select(scaled > threshold, x, softplus_array(scaled) / beta).astype(x.dtype, copy=False)


def _mish_grad(grad, self):
    t = tanh(softplus(self))
    return grad * (t + self * sigmoid(self) * (1 - t * t))


MishBackward0 = derivative("MishBackward0", _mish_grad, saves="self")


@silent_float_errors
def mish(input, inplace=False):
    inplace = bool(inplace)
    x = _real_float(input, "mish_cpu", "mish")
    result = record(x * namespace_of(x).tanh(_softplus_array(x, 1.0, 20.0)), MishBackward0, (input,), (input,))
    return _write_back(input, result) if inplace else result


def _softplus_grad(grad, self, beta, threshold):
    return where(self * beta > threshold, grad, grad * sigmoid(self * beta))


SoftplusBackward0 = derivative("SoftplusBackward0", _softplus_grad, saves="self")


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold`` and finite everywhere."""
    beta = number_from_tensor("softplus", "beta", beta)
    threshold = number_from_tensor("softplus", "threshold", threshold)
    x = _real_float(input, "softplus_cpu", "softplus")
    fitting_number(beta, x.dtype, as_float32=True), fitting_number(threshold, x.dtype, as_float32=True)
    return record(_softplus_array(x, beta, threshold), SoftplusBackward0, (input,), (input,),
                  (beta, threshold))


def _logsigmoid_grad(grad, self):
    return grad * sigmoid(-self)


LogSigmoidBackward0 = derivative("LogSigmoidBackward0", _logsigmoid_grad, saves="self")


def logsigmoid(input):
    x = _real_float(input, "log_sigmoid_cpu", "logsigmoid")
    xp = namespace_of(x)
    result = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))  # +0. at +inf, as PyTorch computes it
    return record(result.astype(x.dtype, copy=False), LogSigmoidBackward0, (input,), (input,))


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()  # as PyTorch: a non-tensor fails on the method, with an AttributeError


# ---------------------------------------------------------------- piecewise linear
def _hardsigmoid_grad(grad, self):
    return where((self > -3) & (self < 3), grad / 6, 0.0)


HardsigmoidBackward0 = derivative("HardsigmoidBackward0", _hardsigmoid_grad, saves="self")


def hardsigmoid(input, inplace=False):
    inplace = bool(inplace)
    x = _real_float(input, "hardsigmoid_cpu", "hardsigmoid")
    result = record(namespace_of(x).clip(x + 3, 0, 6) / 6, HardsigmoidBackward0, (input,), (input,))
    return _write_back(input, result) if inplace else result


def _hardswish_grad(grad, self):
    """PyTorch's branches: 0 up to -3, ``x / 3 + 1/2`` strictly between -3 and 3, 1 from 3 on (and at NaN)."""
    middle = where(self < 3, grad * (self / 3 + 0.5), grad)
    return where(self <= -3, 0.0, middle)


HardswishBackward0 = derivative("HardswishBackward0", _hardswish_grad, saves="self")


@silent_float_errors
def hardswish(input, inplace=False):
    inplace = bool(inplace)
    x = _real_float(input, "hardswish_cpu", "hardswish")
    xp = namespace_of(x)
    working = x.astype(xp.float32) if x.dtype is float16.np else x  # float16 in float32, rounded once
    swished = (working * xp.clip(working + 3, 0, 6) / 6).astype(x.dtype, copy=False)
    result = record(swished, HardswishBackward0, (input,), (input,))
    return _write_back(input, result) if inplace else result


def _shrink_grad(grad, self, lambd):
    return where((self >= -lambd) & (self <= lambd), 0.0, grad)  # NaN passes its gradient, as it passes itself


SoftshrinkBackward0 = derivative("SoftshrinkBackward0", _shrink_grad, saves="self")
HardshrinkBackward0 = derivative("HardshrinkBackward0", _shrink_grad, saves="self")


@silent_float_errors
def softshrink(input, lambd=0.5):
    lambd = number_from_tensor("softshrink", "lambd", lambd)
    x = _real_float(input, "softshrink_check", "softshrink")
    xp = namespace_of(x)
    largest = xp.finfo(x.dtype).max if x.dtype.kind == "f" else xp.iinfo(x.dtype).max
    if not 0 <= lambd <= largest:  # (NaN too)
        raise RuntimeError(f"lambda must be in range [0, {largest:g}] for input dtype {input.dtype.scalar_type_name}, "
                           f"but found {lambd:g}")
    # x - lambd above lambd, x + lambd below -lambd, x * 0 between (a signed zero; NaN stays NaN): the
    # distance from the clipped value, signed as x, in three branch-free passes
    shrunk = xp.copysign(x - xp.clip(x, -lambd, lambd), x)
    return record(shrunk.astype(x.dtype, copy=False), SoftshrinkBackward0, (input,), (input,), (lambd,))


def hardshrink(input, lambd=0.5):
    lambd = number_from_tensor("hardshrink", "lambd", lambd)
    x = _real_float(input, "hardshrink_cpu", "hardshrink")
    fitting_number(lambd, x.dtype)
    kept = select((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype, copy=False)
    return record(kept, HardshrinkBackward0, (input,), (input,), (lambd,))


def _threshold_grad(grad, self, threshold):
    return where(self <= threshold, 0.0, grad)


ThresholdBackward0 = derivative("ThresholdBackward0", _threshold_grad, saves="self")
ThresholdBackward1 = derivative("ThresholdBackward1", _threshold_grad, saves="self")


def _threshold_for_in_place(input, threshold, value):
    """The in-place node: PyTorch names it differently, and it still reads the input's old value."""
    x, threshold, value = _threshold_input(input, threshold, value)
    replaced = select(x <= threshold, value, x).astype(x.dtype, copy=False)
    return record(replaced, ThresholdBackward1, (input,), (input,), (threshold,))


threshold_ = make_inplace(_threshold_for_in_place, "threshold")


def threshold(input, threshold, value, inplace=False):
    """``value`` where ``input <= threshold``, else ``input``."""
    if inplace:
        return threshold_(input, threshold, value)
    x, threshold, value = _threshold_input(input, threshold, value)
    replaced = select(x <= threshold, value, x).astype(x.dtype, copy=False)
    return record(replaced, ThresholdBackward0, (input,), (input,), (threshold,))


def _threshold_input(input, threshold, value):
    x = input._data
    if x.dtype.kind in "bc":
        raise no_kernel_error("threshold_cpu", x.dtype)
    threshold = fitting_number(number_argument("threshold", "threshold", 2, threshold), x.dtype, as_float32=True)
    return x, threshold, fitting_number(number_argument("threshold", "value", 3, value), x.dtype)


def _write_back(input, result):
    """``inplace=True`` for ops whose node reads the input: PyTorch keeps the same node name."""
    check_inplace_allowed(input)
    return write_inplace(input, result)


# ---------------------------------------------------------------- prelu / glu
def _prelu_grad_input(grad, self, weight):
    return where(self > 0, grad, grad * weight)


def _prelu_grad_weight(grad, self, weight):
    return where(self > 0, 0.0, grad * self)


PreluKernelBackward0 = derivative("PreluKernelBackward0", _prelu_grad_input, _prelu_grad_weight,
                                  saves="self weight")


@silent_float_errors
def prelu(input, weight):
    """Leaky relu with a learned slope per channel (dim 1), or one slope for all."""
    ndim = input.dim()
    channels = input.shape[1] if ndim >= 2 else 1
    count = weight.numel()
    if count != 1 and count != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {count} "
                           f"and channel size = {channels}.")
    if ndim >= 2:
        slope = weight.reshape([-1 if d == 1 else 1 for d in range(ndim)])
    else:
        slope = weight.reshape([-1] * ndim)
    if slope._data.dtype != input._data.dtype:  # asked before the kernel's dtype
        raise RuntimeError(f"prelu: Type promoting not supported. Got {input.dtype.scalar_type_name} and "
                           f"{weight.dtype.scalar_type_name}")
    x, w = _real_float(input, "prelu_cpu", "prelu"), slope._data
    scaled = x * w
    if w.__class__ is NUMPY.ndarray and ((w > 0) & (w <= 1)).all():  # as in leaky_relu: max(x, x * slope)
        result = namespace_of(x).maximum(x, scaled)
    else:
        result = select(x > 0, x, scaled).astype(x.dtype, copy=False)
    return record(result, PreluKernelBackward0, (input, slope), (input, slope))


def _glu_grad(grad, self, dim):
    half = self.shape[dim] // 2
    first, gate = self.narrow(dim, 0, half), sigmoid(self.narrow(dim, half, half))
    return cat([grad * gate, grad * first * gate * (1 - gate)], dim)


GluBackward0 = derivative("GluBackward0", _glu_grad, saves="self")


@silent_float_errors
def glu(input, dim=-1):
    """First half of ``dim`` times the sigmoid of the second half."""
    if input.dim() == 0:  # PyTorch asks the tensor first: a non-tensor is an AttributeError there too
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = _wrap_dim(dim, input.ndim)
    if input.shape[dim] % 2:  # PyTorch checks the shape before the dtype
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {input.shape[dim]}")
    x = _real_float(input, "glu_cpu", "glu")
    return record(_glu_array(x, dim), GluBackward0, (input,), (input,), (dim,))


def _glu_array(x, dim):
    """``first * sigmoid(second)`` with PyTorch's ``sigmoid``; float16 through float32, rounded once."""
    xp = namespace_of(x)
    if x.dtype == xp.float16:
        return _glu_array(x.astype(xp.float32), dim).astype(xp.float16)
    first, second = xp.split(x, 2, axis=dim)
    return first * pointwise.sigmoid_array(second)
