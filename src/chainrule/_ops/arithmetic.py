"""Arithmetic: ``+ - * / **`` and negation, with tensors or Python numbers on either side.

Each op is its forward on arrays next to its derivative rule. A Python number operand gets a
``(None, 0)`` edge, as in PyTorch, and is saved like a tensor when the rule reads it. For complex
operands each rule multiplies by the conjugate of the factor it would use for real ones.
"""

import cmath
import math
import numbers

from .._array import NUMPY, any_true, is_array, namespace_of
from .._tensor import Tensor
from ._broadcast import apply_binary, binary_arrays, operand_error
from ._kernel import Constant, Kernel, binary_operands, elementwise, float_operator, replays, same_kind_number
from ._arguments import not_a_tensor
from ._op import OUTPUT, conjugate, derivative, record
from .pointwise import log, reciprocal, where
from .pointwise_base import LARGE, to_default_float, write_out, zeros_like_grad
from .rounding import div_rounded
from .._creation import tensor
from .._float_errors import silent_float_errors, silently
from .._dtype import fitting_number

_OWN = ["add", "sub", "rsub", "mul", "div", "true_divide", "pow", "square", "neg", "negative"]

__all__ = _OWN + ["rtruediv"]

FUNCTIONS = _OWN
METHODS = FUNCTIONS
INPLACE = ["add", "sub", "mul", "div", "true_divide", "pow", "square", "neg", "negative"]
ALIASES = {"subtract": "sub", "multiply": "mul", "divide": "div"}

# NumPy's functions bound once: the hot path tests an operand's class and calls them directly.
_ndarray = NUMPY.ndarray
_add = NUMPY.add
_subtract = NUMPY.subtract
_multiply = NUMPY.multiply
_true_divide = NUMPY.true_divide
_negative = NUMPY.negative
_complex64 = NUMPY.dtype(NUMPY.complex64)


def _as_tensor_pair(input, other):
    """(tensor, other) for ``torch.add(2, x)`` and ``torch.add(2, 3.5)`` (the ops call it only when ``input``
    is not exactly a Tensor). The number becomes a 0-d tensor of its own type's dtype (a float the default
    one, a NumPy scalar taken as the Python number it holds), which promotes with ``other`` as PyTorch's
    wrapped number does."""
    if not isinstance(input, Tensor):
        if not isinstance(input, (numbers.Number, NUMPY.generic)) or not isinstance(
                other, (Tensor, numbers.Number, NUMPY.generic)):
            raise operand_error(input, other)
        input = tensor(input.item() if isinstance(input, NUMPY.generic) else input)
    return input, other


# ---------------------------------------------------------------- add / sub
def _grad_passthrough(grad, alpha):
    return grad


def _grad_scaled(grad, alpha):
    return grad if alpha == 1 else grad * conjugate(alpha)


def _grad_negated_scaled(grad, alpha):
    return -grad if alpha == 1 else grad * -conjugate(alpha)


AddBackward0 = derivative("AddBackward0", _grad_passthrough, _grad_scaled, elementwise=True)
SubBackward0 = derivative("SubBackward0", _grad_passthrough, _grad_negated_scaled, elementwise=True)
def _rsub_grad(grad, alpha, other):
    return _grad_negated_scaled(grad, alpha)


RsubBackward1 = derivative("RsubBackward1", _rsub_grad, elementwise=True)


@silent_float_errors
def _times_alpha(value, alpha):
    """``value * alpha`` for ``add``'s and ``sub``'s ``alpha``: an overflow gives inf silently, as in PyTorch."""
    return value * alpha


@silent_float_errors
def _complex_times(value, alpha, like):
    """``value * alpha`` as a complex multiplication in ``dtype``, which PyTorch's complex ``add`` and ``sub``
    do even for an ``alpha`` of 1 or -1: an infinite part then meets ``0 * inf`` (``x - x`` of ``inf + 0j`` is
    ``nan + nanj``), and a negative imaginary part turns a real ``-0.0`` into ``+0.0``."""
    xp, dtype = namespace_of(like), like.dtype  # ``like``: the other operand's array (a number takes its kind)
    value = xp.asarray(value, dtype=dtype)
    # by 1 or -1 a fused multiply-add rounds as the plain products do: NumPy's own loop is exact and quickest
    multiply = xp.multiply if alpha == 1 or alpha == -1 else _multiply_function(value)
    return multiply(value, xp.asarray(alpha, dtype=dtype))


def _sum_into(first, scaled):
    """``first + scaled``, written into ``scaled`` (a temporary of ``_complex_times``) where it has the result's
    shape: that saves a third of the time the complex multiplication costs."""
    if scaled.__class__ is _ndarray and (not is_array(first) or first.shape == scaled.shape):
        return _add(first, scaled, out=scaled)
    return namespace_of(scaled).add(first, scaled)


def checked_factor(dtype, value, name="alpha"):
    """PyTorch's checks of a scaling factor (``alpha``, ``beta``) against the result's dtype; for a bool
    result the factor as a bool. Anything but a number is left to the op's own argument checks."""
    kind = dtype.kind
    if isinstance(value, (bool, NUMPY.bool_)):
        if kind != "b":
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
    elif isinstance(value, (complex, NUMPY.complexfloating)):
        if kind != "c":
            raise RuntimeError(f"For non-complex input tensors, argument {name} must not be a complex number.")
    elif isinstance(value, (float, NUMPY.floating)) and kind in "biu":
        raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    return bool(value) if kind == "b" and isinstance(value, numbers.Number) else fitting_number(value, dtype)


def add(input, other, *, alpha=1, out=None):
    if input.__class__ is not Tensor:
        input, other = _as_tensor_pair(input, other)
    x, y = binary_arrays(input, other)
    if alpha.__class__ is not int or alpha != 1 or x.dtype.kind == "b":
        alpha = checked_factor(x.dtype, alpha)
    if x.dtype.kind == "c":
        fn, y = _sum_into, _complex_times(y, alpha, x)
    else:
        fn = _add if x.__class__ is _ndarray else namespace_of(x).add
        y = y if alpha == 1 else _times_alpha(y, alpha)
    result = record(apply_binary(fn, x, y), AddBackward0, (input, other), (), (alpha,))
    return result if out is None else write_out(result, out, "add")


_BOOL_SUBTRACTION = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                     "invert a mask, use the `~` or `logical_not()` operator instead.")
_TWO_BOOL_SUBTRACTION = ("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                         "`logical_xor()` operator instead.")


def _is_bool(value):
    return value._data.dtype.kind == "b" if isinstance(value, Tensor) else value is True or value is False


def _check_subtraction(input, other):
    """PyTorch refuses ``-`` whenever a bool takes part."""
    input_bool, other_bool = _is_bool(input), _is_bool(other)
    if input_bool and other_bool:
        raise RuntimeError(_TWO_BOOL_SUBTRACTION)
    if input_bool or other_bool:
        raise RuntimeError(_BOOL_SUBTRACTION)


def sub(input, other, *, alpha=1, out=None):
    if input.__class__ is not Tensor:
        input, other = _as_tensor_pair(input, other)
    _check_subtraction(input, other)
    x, y = binary_arrays(input, other)
    if alpha.__class__ is not int or alpha != 1:
        alpha = checked_factor(x.dtype, alpha)
    if x.dtype.kind == "c":  # PyTorch adds ``-alpha * other``
        fn, y = _sum_into, _complex_times(y, -alpha, x)
    else:
        fn = _subtract if x.__class__ is _ndarray else namespace_of(x).subtract
        y = y if alpha == 1 else _times_alpha(y, alpha)
    result = record(apply_binary(fn, x, y), SubBackward0, (input, other), (), (alpha,))
    return result if out is None else write_out(result, out, "sub")


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` for a number ``other`` (what ``2 - x`` calls)."""
    _check_subtraction(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind == "c":
        fn, x = _sum_into, _complex_times(x, -alpha, x)
    else:
        fn = _subtract if x.__class__ is _ndarray else namespace_of(x).subtract
        x = x if alpha == 1 else _times_alpha(x, alpha)
    return record(apply_binary(fn, y, x), RsubBackward1, (input,), (), (alpha, other))


# ---------------------------------------------------------------- mul / div
def _mul_grad_self(grad, self, other):
    return grad * conjugate(other)


def _mul_grad_other(grad, self, other):
    return grad * conjugate(self)


MulBackward0 = derivative("MulBackward0", _mul_grad_self, _mul_grad_other, saves="self other",
                          elementwise=True)


@elementwise
def _complex64_product(x, y):
    """``x * y`` in complex64 as PyTorch computes it, ``(ac - bd) + (ad + bc)i`` in single precision. NumPy's
    loop fuses a multiply into each sum, which keeps ``ac - bd`` finite where PyTorch's products overflow
    (and can flip a zero's sign): ``(M - Mj)(-M + Mj)`` for the largest float ``M`` is ``nan + infj`` in PyTorch.

    From ``LARGE`` elements on, NumPy's loop: the six passes over real parts take about 8x its time (there the
    two differ in a last bit and where a product overflows). (PyTorch's complex128 loop over a few elements fuses
    them as NumPy's does.)
    """
    xp = namespace_of(x)
    y = xp.asarray(y, dtype=x.dtype)
    if x.size >= LARGE or y.size >= LARGE:
        return xp.multiply(x, y)
    a, b, c, d = x.real, x.imag, y.real, y.imag
    real = a * c
    real -= b * d
    imag = a * d
    imag += b * c
    product = xp.empty(real.shape, x.dtype)
    product.real = real
    product.imag = imag
    return product[()]


def _multiply_function(x):
    if x.__class__ is _ndarray:
        return _complex64_product if x.dtype == _complex64 else _multiply
    xp = namespace_of(x)
    return _complex64_product if xp is NUMPY and x.dtype == _complex64 else xp.multiply


def mul(input, other, *, out=None):
    if input.__class__ is not Tensor:
        input, other = _as_tensor_pair(input, other)
    x, y = binary_arrays(input, other)
    fn = _multiply_function(x)
    result = record(apply_binary(fn, x, y), MulBackward0, (input, other), (input, other))
    return result if out is None else write_out(result, out, "mul")


def _div_grad_self(grad, self, other):
    return grad / conjugate(other)


def _div_grad_other(grad, self, other):
    """PyTorch's ``-grad * conj(self / other / other)``: ``other * other`` would underflow for subnormals."""
    return -grad * conjugate(self / other / other)


DivBackward0 = derivative("DivBackward0", _div_grad_self, _div_grad_other, saves="self other",
                          elementwise=True)


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is not None:
        return div_rounded(input, other, rounding_mode, out)
    if input.__class__ is not Tensor:
        input, other = _as_tensor_pair(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind in "biu":  # both integral after promotion: divide in the default float dtype
        x, y = to_default_float(x), to_default_float(y)
    fn = _true_divide if x.__class__ is _ndarray else namespace_of(x).true_divide
    result = record(apply_binary(fn, x, y), DivBackward0, (input, other), (input, other))
    return result if out is None else write_out(result, out, "div")


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def rtruediv(input, other):
    """``number / tensor``: PyTorch records ``reciprocal(tensor) * number``."""
    return mul(reciprocal(input), other)


# ---------------------------------------------------------------- pow / square
def _pow_grad_self(grad, self, exponent):
    if exponent == 0:
        return zeros_like_grad(grad, self)
    return grad * conjugate(exponent * self ** (exponent - 1))


def _pow_tensor_grad_self(grad, self, exponent, result):
    return where(exponent == 0, 0.0, grad * conjugate(exponent * self ** (exponent - 1)))


def _nonnegative_real(exponent):
    """Where ``exponent`` is a real number >= 0: there ``0 ** exponent`` is flat in the exponent."""
    if exponent._data.dtype.kind == "c":
        return (exponent.real >= 0) & (exponent.imag == 0)
    return exponent >= 0


def _pow_tensor_grad_exponent(grad, self, exponent, result):
    return grad * where((self == 0) & _nonnegative_real(exponent), 0.0, conjugate(result * log(self)))


def _log_of_number(x):
    if isinstance(x, complex):
        return cmath.log(x) if x != 0 else -math.inf
    return math.log(x) if x > 0 else -math.inf if x == 0 else math.nan


def _pow_number_grad_exponent(grad, self, exponent, result):
    slope = conjugate(result * _log_of_number(self))
    if self == 0:
        return grad * where(_nonnegative_real(exponent), 0.0, slope)
    return grad * slope


PowBackward0 = derivative("PowBackward0", _pow_grad_self, saves="self exponent", elementwise=True)
PowBackward1 = derivative("PowBackward1", _pow_tensor_grad_self, _pow_tensor_grad_exponent,
                          saves="self exponent result", elementwise=True)
PowBackward2 = derivative("PowBackward2", _pow_number_grad_exponent, saves="self exponent result",
                          elementwise=True)

_NEGATIVE_INTEGER_POWER = "Integers to negative integer powers are not allowed."


def _kind(value):
    """The dtype kind of an array or a number (a Python bool is ``"b"``, an int ``"i"``)."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return dtype.kind
    return "b" if value.__class__ is bool else "i" if isinstance(value, int) else "f" if isinstance(value, float) \
        else "c"


def _power(x, y):
    """``x ** y``; integer bases with negative integer exponents follow integer arithmetic
    (1 for base 1, ±1 for base -1, 0 otherwise) where NumPy would raise; bool stays bool.

    One of ``x`` and ``y`` is an array; the other may be a number.
    """
    if x.__class__ is _ndarray:
        xp = NUMPY
        base_kind = x.dtype.kind
    else:
        xp = namespace_of(x if is_array(x) else y)
        base_kind = _kind(x)
    if base_kind == "f" and (y.__class__ is float or y.__class__ is int) and x.size > 1 and x.dtype.itemsize >= 4:
        return silently(_float_power_of_number, xp, x, y)  # (one number's power is quickest as it is)
    if base_kind == "c" and (y.__class__ is float or y.__class__ is int) and y in _POWERS_BY_ARITHMETIC:
        return silently(_POWERS_BY_ARITHMETIC[y], xp, x)  # as for real numbers: PyTorch's own arithmetic
    if base_kind == "b":
        if is_array(y):
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        return x | (not y)  # True ** y is True; False ** y is False unless y is False
    if not (base_kind in "iu" and is_array(y) and y.dtype.kind in "iu" and any_true(y < 0)):
        return apply_binary(xp.power, x, y)
    negative = y < 0
    powers = apply_binary(xp.power, x, xp.where(negative, 0, y))
    odd = (y % 2) != 0
    reciprocal_powers = xp.where(x == 1, 1, xp.where(x == -1, xp.where(odd, -1, 1), 0))
    return xp.where(negative, reciprocal_powers, powers).astype(powers.dtype, copy=False)


def _ones(xp, x):
    return xp.ones_like(x)


def _squared(xp, x):
    return x * x


def _cubed(xp, x):
    return x * x * x


def _reciprocal(xp, x):
    return 1 / x


def _reciprocal_squared(xp, x):
    return 1 / (x * x)


def _square_root(xp, x):
    return xp.sqrt(x)


def _reciprocal_square_root(xp, x):
    return 1 / xp.sqrt(x)


# the exponents PyTorch computes without a power (a fill, a multiplication, a square root), the way it does
_POWERS_BY_ARITHMETIC = {0: _ones, 2: _squared, 3: _cubed, -1: _reciprocal, -2: _reciprocal_squared, 0.5: _square_root,
                         -0.5: _reciprocal_square_root}


def _float_power_of_number(xp, x, exponent):
    """``x ** exponent`` for a float32/float64 array of more than one element and a Python number.

    For the exponents in ``_POWERS_BY_ARITHMETIC`` the same arithmetic as PyTorch's gives its bits. On a
    larger array any other whole exponent is the power of ``|x|`` with the sign put back (the same value,
    within an ulp): NumPy's power takes a slow path, about 50x slower, wherever the base is negative.
    """
    by_arithmetic = _POWERS_BY_ARITHMETIC.get(exponent)
    if by_arithmetic is not None:
        return by_arithmetic(xp, x)
    if x.size < 64 or exponent.__class__ is float and not exponent.is_integer():
        return xp.power(x, exponent)  # (a small array is quicker in one call, whatever path pow takes)
    magnitude = xp.power(xp.abs(x), exponent)
    return xp.copysign(magnitude, x) if int(exponent) % 2 else magnitude


def _pow_signature_error(base, exponent):
    return TypeError(f"pow() received an invalid combination of arguments - got ({type(base).__name__}, "
                     f"{type(exponent).__name__}), but expected one of:\n * (Tensor input, Tensor exponent, *, "
                     "Tensor out = None)\n * (Number self, Tensor exponent, *, Tensor out = None)\n"
                     " * (Tensor input, Number exponent, *, Tensor out = None)\n")


def pow(input, exponent, *, out=None):
    """``input ** exponent`` for a tensor and a tensor or number on either side."""
    if not isinstance(input, Tensor):
        if not isinstance(exponent, Tensor):
            raise _pow_signature_error(input, exponent)
        result = _number_pow(input, exponent)
    else:
        x, y = binary_arrays(input, exponent)
        if x.dtype.kind in "iub" and isinstance(y, int) and y < 0:
            raise RuntimeError(_NEGATIVE_INTEGER_POWER)
        data = _power(x, y)
        if isinstance(exponent, Tensor):
            result = record(data, PowBackward1, (input, exponent), (input, exponent, OUTPUT))
        else:
            result = record(data, PowBackward0, (input,), (input, exponent))
    return result if out is None else write_out(result, out, "pow")


def _number_pow(base, exponent):
    """``number ** tensor`` (PowBackward2)."""
    y, x = binary_arrays(exponent, base)
    return record(_power(x, y), PowBackward2, (exponent,), (base, exponent, OUTPUT))


def square(input, *, out=None):
    """``input ** 2`` (recorded as ``pow``)."""
    return pow(input, 2, out=out)


# ---------------------------------------------------------------- negation
def _neg_grad(grad):
    return -grad


NegBackward0 = derivative("NegBackward0", _neg_grad, elementwise=True)


def neg(input, *, out=None):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("neg", ("input", input)) from None
    if x.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    fn = _negative if x.__class__ is _ndarray else namespace_of(x).negative
    result = record(fn(x), NegBackward0, (input,))
    return result if out is None else write_out(result, out, "neg")


negative = neg


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
def _binary_kernel(node_class, function_name, template):
    @replays(node_class)
    def kernel(out, inputs, saved, args):
        operands = binary_operands(inputs)
        if operands is None:
            return None
        if args and (args[0] != 1 or out.dtype.kind == "c"):  # add/sub scaling the second operand, as eager
            return Kernel(_SCALED[function_name], operands + (args[0],))
        if function_name == "multiply":
            return Kernel(_multiply_function(out), operands, float_operator(template, out))
        return Kernel(getattr(namespace_of(out), function_name), operands, float_operator(template, out))


@elementwise
def _add_scaled(x, y, alpha):
    if x.dtype.kind == "c":
        return namespace_of(x).add(x, _complex_times(y, alpha, x))
    return namespace_of(x).add(x, y * alpha)


@elementwise
def _subtract_scaled(x, y, alpha):
    if x.dtype.kind == "c":
        return namespace_of(x).add(x, _complex_times(y, -alpha, x))
    return namespace_of(x).subtract(x, y * alpha)


_SCALED = {"add": _add_scaled, "subtract": _subtract_scaled}
_binary_kernel(AddBackward0, "add", "{0} + {1}")
_binary_kernel(SubBackward0, "subtract", "{0} - {1}")
_binary_kernel(MulBackward0, "multiply", "{0} * {1}")


@replays(RsubBackward1)
def _rsub_kernel(out, inputs, saved, args):
    (a,) = inputs
    alpha, number = args
    if alpha != 1 or not same_kind_number(a._data, number):
        return None
    return Kernel(namespace_of(out).subtract, (number, a), float_operator("{0} - {1}", out))


@replays(DivBackward0)
def _div_kernel(out, inputs, saved, args):
    operands = binary_operands(inputs)
    if operands is None or operands[0]._data.dtype.kind not in "fc":
        return None
    return Kernel(namespace_of(out).true_divide, operands, float_operator("{0} / {1}", out))


@replays(NegBackward0)
def _neg_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).negative, inputs, float_operator("-{0}", out))


@elementwise
def _power_of_number(x, exponent):
    """What eager's ``x ** exponent`` computes for a float array and a whole number or a half."""
    return _float_power_of_number(namespace_of(x), x, exponent)


@replays(PowBackward0)
def _pow_number_kernel(out, inputs, saved, args):
    (a,) = inputs
    exponent = saved[1]
    x = a._data
    if x.dtype.kind not in "fc" or not same_kind_number(x, exponent):
        return None
    xp = namespace_of(x)
    if x.dtype.kind == "f" and x.dtype.itemsize in (4, 8):
        if x.size > 1 and (exponent.__class__ is int or exponent.is_integer() or abs(exponent) == 0.5):
            return Kernel(_power_of_number, (a, exponent))
        # the number as a 0-d array of the base's dtype: the ufunc gets the same value (the namespace casts a
        # Python number to the array's float dtype) and skips resolving a Python scalar, which halves the call
        exponent = Constant(xp.asarray(exponent, dtype=x.dtype))
    return Kernel(xp.power, (a, exponent))
