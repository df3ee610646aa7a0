"""Elementwise functions of numbers that PyTorch names separately: angle units (``deg2rad``, ``rad2deg``),
log-sum-exp of two (``logaddexp``, ``logaddexp2``), ``ldexp``, ``frexp``, ``float_power``, ``heaviside``,
``gcd``/``lcm``, ``nextafter``, ``isreal``, ``positive``.
"""

import math
import numbers

from .._array import NUMPY, namespace_of
from .._dtype import complex128, float64, int32, promote_types
from .._errors import type_name
from .._tensor import Tensor, make_tensor
from ..return_types import make_return_type
from ._arguments import check_tensors, not_a_tensor
from ._broadcast import apply_binary, binary_arrays, broadcast_shapes
from ._op import conjugate, derivative, record
from .arithmetic import mul, pow
from .inplace import make_inplace
from .pointwise import exp2, sigmoid
from .pointwise_base import LARGE, kernel_missing, no_kernel_error, reject, unary_op, write_out

__all__ = ["deg2rad", "rad2deg", "logaddexp", "logaddexp2", "ldexp", "frexp", "float_power", "heaviside", "gcd",
           "lcm", "nextafter", "isreal", "positive", "bitwise_left_shift", "bitwise_right_shift"]
FUNCTIONS = __all__
METHODS = __all__
INPLACE = ["deg2rad", "rad2deg", "ldexp", "heaviside", "gcd", "lcm", "nextafter", "bitwise_left_shift",
           "bitwise_right_shift"]

frexp_result = make_return_type("frexp", ("mantissa", "exponent"))


def _deg2rad_grad(grad):
    return grad * (math.pi / 180)


def _rad2deg_grad(grad):
    return grad * (180 / math.pi)


Deg2RadBackward0 = derivative("Deg2RadBackward0", _deg2rad_grad)
Rad2DegBackward0 = derivative("Rad2DegBackward0", _rad2deg_grad)
def _scaled_by(factor, numpy_name):
    """``x * factor`` for large float32 and float64 arrays, PyTorch's bits (NumPy's own functions take a
    loop 15x slower there, and its ``rad2deg`` differs in float32); NumPy's function otherwise."""

    numpy_function = getattr(NUMPY, numpy_name)

    def scale(x):
        if x.size >= LARGE and x.dtype.kind == "f" and x.dtype.itemsize >= 4:
            return x * factor
        if x.__class__ is NUMPY.ndarray:
            return numpy_function(x)
        return getattr(namespace_of(x), numpy_name)(x)

    scale.__name__ = numpy_name
    return scale


deg2rad = unary_op("deg2rad", Deg2RadBackward0, _scaled_by(math.pi / 180, "deg2rad"),
                   rejects={"c": (RuntimeError, "deg2rad is not supported for complex tensors.")})
rad2deg = unary_op("rad2deg", Rad2DegBackward0, _scaled_by(180 / math.pi, "rad2deg"),
                   rejects={"c": (RuntimeError, "rad2deg is not supported for complex tensors.")})


# ---------------------------------------------------------------- logaddexp / logaddexp2
def _logaddexp_grad_self(grad, self, other):
    return grad * conjugate(sigmoid(self - other))


def _logaddexp_grad_other(grad, self, other):
    return grad * conjugate(sigmoid(other - self))


def _logaddexp2_grad_self(grad, self, other):
    return grad / (1 + exp2(other - self))


def _logaddexp2_grad_other(grad, self, other):
    return grad / (1 + exp2(self - other))


LogaddexpBackward0 = derivative("LogaddexpBackward0", _logaddexp_grad_self, _logaddexp_grad_other,
                                saves="self other", elementwise=True)
Logaddexp2Backward0 = derivative("Logaddexp2Backward0", _logaddexp2_grad_self, _logaddexp2_grad_other,
                                 saves="self other", elementwise=True)


def _two_floats(name, input, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    x, y = binary_arrays(input, other)
    if x.dtype.kind in "biu" or (name == "logaddexp2" and x.dtype.kind == "c"):  # PyTorch's kernels: floats only
        raise no_kernel_error(f"{name}_cpu", x.dtype)
    return x, y


def _real_logaddexp(x, y, base2=False):
    """PyTorch's formula, ``max + log1p(exp(-|x - y|))`` (``exp2`` and a factor ``1 / log 2`` in base 2),
    equal infinities giving themselves; float16 in float32. NumPy's ``logaddexp`` ufuncs are scalar code,
    10-15x slower than these four vectorised passes."""
    xp = namespace_of(x)
    dtype = xp.result_type(x, y)
    if dtype == xp.float16:
        x, y = x.astype(xp.float32), y.astype(xp.float32)
    high = xp.maximum(x, y)
    correction = xp.log1p((xp.exp2 if base2 else xp.exp)(-xp.abs(x - y)))
    result = high + (correction * (1 / math.log(2)) if base2 else correction)
    equal_infinities = xp.isinf(x) & (x == y)  # inf - inf is nan
    if equal_infinities.any():
        result = xp.where(equal_infinities, x, result)
    return result.astype(dtype, copy=False)


def logaddexp(input, other, *, out=None):
    """``log(exp(input) + exp(other))`` without overflow."""
    x, y = _two_floats("logaddexp", input, other)
    function = complex_logaddexp if x.dtype.kind == "c" else _real_logaddexp
    result = record(apply_binary(function, x, y), LogaddexpBackward0, (input, other), (input, other))
    return write_out(result, out, "logaddexp")


def complex_logaddexp(x, y):
    """``log(exp(x) + exp(y))`` of complex arrays (NumPy's ufunc is real only), as PyTorch computes it:
    ``log1p(exp(low - high)) + high``, ``high`` the operand with the larger real part; NaN in either gives
    NaN, two infinite real parts of one sign the lower operand (-inf) or ``log(exp(x) + exp(y))`` (+inf)."""
    xp = namespace_of(x)
    x_nan = xp.isnan(x.real) | xp.isnan(x.imag)
    y_nan = xp.isnan(y.real) | xp.isnan(y.imag)
    x_low = ~y_nan & (x_nan | (x.real < y.real))
    low, high = xp.where(x_low, x, y), xp.where(x_low, y, x)
    result = xp.log1p(xp.exp(low - high)) + high
    infinite = xp.isinf(low.real) & (low.real == high.real)
    result = xp.where(infinite, xp.where(low.real < 0, low, xp.log(xp.exp(low) + xp.exp(high))), result)
    return xp.where(x_nan | y_nan, xp.asarray(complex("nan+nanj"), dtype=result.dtype), result)


def logaddexp2(input, other, *, out=None):
    """``log2(2**input + 2**other)`` without overflow."""
    x, y = _two_floats("logaddexp2", input, other)
    result = record(apply_binary(lambda x, y: _real_logaddexp(x, y, base2=True), x, y), Logaddexp2Backward0,
                    (input, other), (input, other))
    return write_out(result, out, "logaddexp2")


# ---------------------------------------------------------------- ldexp / frexp / float_power
def _ldexp_grad_self(grad, self, other):
    return grad * conjugate(_power_of_two(other))


def _power_of_two(other):
    """``2**other`` as PyTorch's rule computes it: in integers for an integer exponent, so a negative one
    gives 0 (its derivative for ``input`` is then 0 too; the forward is exact)."""
    if other.dtype.is_floating_point or other.dtype.is_complex:
        return exp2(other)
    return (other >= 0).to(other.dtype) * (2 ** other.clamp(min=0))


def _ldexp_grad_other(grad, self, other):
    return grad * conjugate(self * exp2(other)) * math.log(2)


LdexpBackward0 = derivative("LdexpBackward0", _ldexp_grad_self, _ldexp_grad_other, saves="self other",
                            elementwise=True)


def ldexp(input, other, *, out=None):
    """``input * 2**other``. For an integer ``other``, ``2**other`` is a default-float tensor (PyTorch's
    ``pow(2.0, other)``), and a floating-point ``input`` keeps its dtype: the product is computed in the wider
    of the two and rounded once."""
    check_tensors("ldexp", ("input", input), ("other", other))
    x, power = input.detach(), exp2(other.detach())
    if other._data.dtype.kind in "biu" and x._data.dtype.kind in "fc":
        product = mul(x, power.to(promote_types(power.dtype, x.dtype))).to(x.dtype)
    else:
        product = mul(x, power)
    return write_out(record(product._data, LdexpBackward0, (input, other), (input, other)), out, "ldexp")


def frexp(input, *, out=None):
    """Mantissa in ``[0.5, 1)`` (signed) and integer exponent with ``input = mantissa * 2**exponent``."""
    check_tensors("frexp", ("input", input))
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = namespace_of(x).frexp(x)
    result = frexp_result((make_tensor(mantissa), make_tensor(exponent.astype(int32.np))))
    return write_out(result, out, "frexp")


def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in double precision (complex128 for complex operands)."""
    operands = [v for v in (input, exponent) if isinstance(v, Tensor)]
    if not operands or any(not isinstance(v, (Tensor, numbers.Number)) for v in (input, exponent)):
        raise not_a_tensor("float_power", ("input", input), ("exponent", exponent))
    is_complex = any(v.dtype.is_complex for v in operands) or any(isinstance(v, complex) for v in (input, exponent))
    target = complex128 if is_complex else float64
    base = input.to(target) if isinstance(input, Tensor) else input
    power = exponent.to(target) if isinstance(exponent, Tensor) else exponent
    if not isinstance(base, Tensor):
        from_number = make_tensor(namespace_of(power._data).asarray(base, dtype=target.np))
        return write_out(pow(from_number, power), out, "float_power")
    return write_out(pow(base, power), out, "float_power")



_float_power_in_place = make_inplace(float_power, "float_power")


def float_power_(input, exponent):
    """``float_power`` in place: only into a tensor of the result's dtype (float64 or complex128), as in PyTorch."""
    if not isinstance(exponent, (Tensor, numbers.Number)):
        raise TypeError(f"float_power_() received an invalid combination of arguments - got ({type_name(exponent)}), "
                        "but expected one of:\n * (Tensor exponent)\n * (Number exponent)\n")
    target = complex128 if input.dtype.is_complex or isinstance(exponent, complex) or (
        isinstance(exponent, Tensor) and exponent.dtype.is_complex) else float64
    if input.dtype is not target:
        raise RuntimeError(f"the base given to float_power_ has dtype {input.dtype.scalar_type_name} but the "
                           f"operation's result requires dtype {target.scalar_type_name}")
    return _float_power_in_place(input, exponent)


METHOD_FORMS = {"float_power_": float_power_}
# ---------------------------------------------------------------- integer and float bit functions
def heaviside(input, values, *, out=None):
    """0 where ``input < 0``, 1 where ``input > 0``, ``values`` where it is 0."""
    check_tensors("heaviside", ("input", input), ("values", values))
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    x, v = input._data, values._data
    if x.dtype.kind == "c":
        reject(x, kernel_missing("heaviside_cpu", "c"))
    data = apply_binary(namespace_of(x).heaviside, x, v) if x.dtype.kind == "f" else \
        apply_binary(_integer_heaviside, x, v)
    return write_out(make_tensor(namespace_of(x).asarray(data, dtype=x.dtype)), out, "heaviside")


def _integer_heaviside(x, v):
    xp = namespace_of(x)
    return xp.where(x == 0, v, (x > 0).astype(x.dtype))


def _integer_pair(name, input, other):
    check_tensors(name, ("input", input), ("other", other))
    x, y = binary_arrays(input, other)
    if x.dtype.kind not in "iub":
        broadcast_shapes(x.shape, y.shape)  # PyTorch refuses the shapes before the dtype
        reject(x, kernel_missing(f"{name}_cpu", x.dtype.kind))
    return x, y


def gcd(input, other, *, out=None):
    """The greatest common divisor, elementwise (non-negative)."""
    x, y = _integer_pair("gcd", input, other)
    return write_out(make_tensor(apply_binary(namespace_of(x).gcd, x, y)), out, "gcd")


def lcm(input, other, *, out=None):
    """The least common multiple, elementwise (non-negative)."""
    x, y = _integer_pair("lcm", input, other)
    return write_out(make_tensor(apply_binary(namespace_of(x).lcm, x, y)), out, "lcm")


def nextafter(input, other, *, out=None):
    """The next representable float after ``input`` in the direction of ``other``."""
    check_tensors("nextafter", ("input", input), ("other", other))
    x, y = binary_arrays(input, other)
    if x.dtype.kind != "f":
        reject(x, kernel_missing("nextafter_cpu", x.dtype.kind))
    return write_out(make_tensor(apply_binary(namespace_of(x).nextafter, x, y)), out, "nextafter")


def isreal(input):
    """True where the element has no imaginary part (every element of a real tensor)."""
    check_tensors("isreal", ("input", input))
    x = input._data
    xp = namespace_of(x)
    if x.dtype.kind == "c":
        return make_tensor(xp.asarray(x.imag == 0))
    return make_tensor(xp.ones(x.shape, dtype=bool))


def positive(input):
    """``input`` itself (``+input``); refused for booleans as PyTorch does."""
    check_tensors("positive", ("input", input))
    if input.dtype.category == 0:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input



def bitwise_left_shift(input, other, *, out=None):
    """``input << other`` for integers (as PyTorch's ``<<``)."""
    return write_out(_shift(input, other, "left_shift"), out, "bitwise_left_shift")


def bitwise_right_shift(input, other, *, out=None):
    """``input >> other`` for integers (arithmetic shift: the sign is kept)."""
    return write_out(_shift(input, other, "right_shift"), out, "bitwise_right_shift")


def _shift(input, other, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"bitwise_{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    x, y = binary_arrays(input, other)
    if x.dtype.kind not in "iu":
        kernel = "lshift_cpu" if name == "left_shift" else "rshift_cpu"
        broadcast_shapes(x.shape, getattr(y, "shape", ()))
        reject(x, kernel_missing(kernel, x.dtype.kind))
    xp = namespace_of(x)
    return make_tensor(xp.asarray(apply_binary(getattr(xp, name), x, y)))
