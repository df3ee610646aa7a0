"""Rounding and integer-style division: ``floor ceil round trunc frac``, ``div`` with a rounding
mode, ``floor_divide`` (``//``), ``fmod`` and ``remainder`` (``%``).

Rounding is flat almost everywhere, so its gradient is exact zeros; ``frac``, ``fmod`` and
``remainder`` pass the gradient of ``self`` through unchanged. ``floor_divide`` and a number
``% tensor`` record a node that refuses backward, as PyTorch's do. Integer division by zero raises
where NumPy would only warn.
"""

import numbers

from .._array import NUMPY, all_true, is_array, namespace_of
from .._tensor import Tensor
from ._broadcast import apply_binary, binary_arrays, operand_error
from ._arguments import not_a_tensor
from ._op import derivative, record
from .pointwise_base import kernel_missing, reject, write_out, zeros_like_grad
from .._creation import tensor
from .._float_errors import silent_float_errors

__all__ = ["floor", "ceil", "round", "trunc", "fix", "frac", "div_rounded", "floor_divide", "fmod", "remainder",
           "rfloordiv", "rremainder"]

FUNCTIONS = ["floor", "ceil", "round", "trunc", "fix", "frac", "floor_divide", "fmod", "remainder"]
METHODS = FUNCTIONS
INPLACE = FUNCTIONS


def _zero_grad(grad, *saved_and_args):
    return zeros_like_grad(grad, None)


def _identity_grad(grad, *saved_and_args):
    return grad


def _not_implemented(op_name):
    def refuse(grad, *saved_and_args):
        raise RuntimeError(f"derivative for aten::{op_name} is not implemented")

    refuse.__name__ = f"_{op_name}_has_no_derivative"
    return refuse


# ---------------------------------------------------------------- rounding to integers
def _complex_unsupported(name):
    return {"c": (NotImplementedError, f"{name} is not supported for complex inputs")}


def _rounding_op(name, node_class, array_fn, rejects):
    """Round float inputs; integers are already whole and come back as a copy in their own dtype.

    ``array_fn``: the name of the namespace function (``"floor"``).
    """

    def op(input, *, out=None):
        try:
            x = input._data
        except AttributeError:
            raise not_a_tensor(name, ("input", input)) from None
        if x.dtype.kind in rejects:
            reject(x, rejects)
        data = getattr(namespace_of(x), array_fn)(x) if x.dtype.kind == "f" else x.copy()
        result = record(data, node_class, (input,))
        return result if out is None else write_out(result, out, name)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``; its gradient is zero."
    return op


floor = _rounding_op("floor", derivative("FloorBackward0", _zero_grad), "floor",
                     {**kernel_missing("floor_vml_cpu", "b"), **_complex_unsupported("floor")})
ceil = _rounding_op("ceil", derivative("CeilBackward0", _zero_grad), "ceil",
                    {**kernel_missing("ceil_vml_cpu", "b"), **_complex_unsupported("ceil")})
trunc = _rounding_op("trunc", derivative("TruncBackward0", _zero_grad), "trunc",
                     {**kernel_missing("trunc_vml_cpu", "b"), **_complex_unsupported("trunc")})
fix = trunc
_round_half_even = _rounding_op("round", derivative("RoundBackward0", _zero_grad), "rint",
                                kernel_missing("round_vml_cpu", "bc"))

RoundBackward1 = derivative("RoundBackward1", _zero_grad)
FracBackward0 = derivative("FracBackward0", _identity_grad)


@silent_float_errors
def _round_to_decimals(x, decimals):
    """Round half to even at ``10 ** -decimals``, scaling in ``x``'s own dtype (float16 in float32, as PyTorch
    computes it, so ``65504`` is not scaled past the largest float16)."""
    xp = namespace_of(x)
    working = x.astype(xp.float32) if x.dtype == xp.float16 else x
    scale = working.dtype.type(10.0 ** abs(decimals))
    if decimals > 0:
        return (xp.rint(working * scale) / scale).astype(x.dtype, copy=False)
    return (xp.rint(working / scale) * scale).astype(x.dtype, copy=False)


def round(input, *, decimals=None, out=None):
    """Round half to even; ``decimals`` rounds to that many digits after the point (or before, if negative).

    Any explicit ``decimals``, 0 included, is PyTorch's other overload (``RoundBackward1``).
    """
    if decimals is None:
        return _round_half_even(input, out=out)
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("round", ("input", input)) from None
    if x.dtype.kind != "f":
        reject(x, kernel_missing("round_vml_cpu" if decimals == 0 else "round_cpu", "biuc"))
    data = namespace_of(x).rint(x) if decimals == 0 else _round_to_decimals(x, decimals)
    result = record(data, RoundBackward1, (input,))
    return result if out is None else write_out(result, out, "round")


_FRAC_REJECTS = kernel_missing("frac_cpu", "biuc")


@silent_float_errors
def frac(input, *, out=None):
    """The fractional part ``x - trunc(x)``, with the sign of ``x``."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("frac", ("input", input)) from None
    if x.dtype.kind != "f":
        reject(x, _FRAC_REJECTS)
    result = record(x - namespace_of(x).trunc(x), FracBackward0, (input,))
    return result if out is None else write_out(result, out, "frac")


# ---------------------------------------------------------------- division with rounding
def _check_integer_divisor(y):
    """Integer division by zero is an error in PyTorch (NumPy only warns and returns 0)."""
    if is_array(y):
        if y.dtype.kind in "iub" and not all_true(y):
            raise RuntimeError("ZeroDivisionError")
    elif y == 0:
        raise RuntimeError("ZeroDivisionError")


def _integral(x):
    return x.dtype.kind in "iub"


def _floor_divide_arrays(x, y):
    if _integral(x):
        _check_integer_divisor(y)
    return apply_binary(namespace_of(x).floor_divide, x, y)


def _trunc_divide_arrays(x, y):
    xp = namespace_of(x)
    if not _integral(x):
        return xp.trunc(apply_binary(xp.true_divide, x, y)).astype(x.dtype, copy=False)
    _check_integer_divisor(y)
    quotient = apply_binary(xp.floor_divide, x, y)
    rounded_down = (xp.remainder(x, y) != 0) & ((x < 0) != (y < 0))
    return (quotient + rounded_down).astype(quotient.dtype, copy=False)


def _tensor_first(input, other):
    """Tensor and other operand: a number in front becomes a tensor of the other's dtype (an integer outside an
    integer dtype's range wraps around, as PyTorch's scalars do: ``1000 // uint8`` divides 232)."""
    if not isinstance(input, Tensor):
        if not isinstance(input, numbers.Number):
            raise operand_error(input, other)
        dtype = other.dtype if isinstance(other, Tensor) else None
        if input.__class__ is int and dtype is not None and other._data.dtype.kind in "iu" \
                and -2 ** 63 <= input < 2 ** 64:
            input = NUMPY.array(input).astype(other._data.dtype).item()  # wrapped as apply_binary wraps it
        input = tensor(input, dtype=dtype)
    return input


DivBackward2 = derivative("DivBackward2", _zero_grad, _zero_grad)
_FLOOR_REJECTS = kernel_missing("div_floor_cpu", "bc")
_ROUNDING = {"floor": (_floor_divide_arrays, _FLOOR_REJECTS),
             "trunc": (_trunc_divide_arrays, kernel_missing("div_trunc_cpu", "bc"))}


def div_rounded(input, other, rounding_mode, out=None):
    """``div`` with ``rounding_mode`` ``'floor'`` or ``'trunc'``: the quotient rounded, in the promoted dtype."""
    if rounding_mode not in _ROUNDING:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    divide, rejects = _ROUNDING[rounding_mode]
    input = _tensor_first(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind in rejects:
        reject(x, rejects)
    result = record(divide(x, y), DivBackward2, (input, other))
    return result if out is None else write_out(result, out, "div")


FloorDivideBackward = derivative("NotImplemented", _not_implemented("floor_divide"), _not_implemented("floor_divide"),
                                 op="floor_divide")


def floor_divide(input, other, *, out=None):
    """``input // other``, rounded down; differentiating it raises, as in PyTorch."""
    input = _tensor_first(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind in _FLOOR_REJECTS:
        reject(x, _FLOOR_REJECTS)
    result = record(_floor_divide_arrays(x, y), FloorDivideBackward, (input, other))
    return result if out is None else write_out(result, out, "floor_divide")


def rfloordiv(input, other):
    """``number // tensor``."""
    return floor_divide(_tensor_first(other, input), input)


# ---------------------------------------------------------------- fmod / remainder
def _fmod_grad_other(grad, self, other):
    return -grad * div_rounded(self, other, "trunc")


def _remainder_grad_other(grad, self, other):
    return -grad * div_rounded(self, other, "floor")


FmodBackward0 = derivative("FmodBackward0", _identity_grad)
FmodBackward1 = derivative("FmodBackward1", _identity_grad, _fmod_grad_other, saves="self other")
RemainderBackward0 = derivative("RemainderBackward0", _identity_grad)
RemainderBackward1 = derivative("RemainderBackward1", _identity_grad, _remainder_grad_other, saves="self other")
NumberRemainderBackward = derivative("NotImplemented", _not_implemented("remainder"), op="remainder.number")


def _fmod(x, y):
    return namespace_of(x).fmod(x, y)


def _remainder(x, y):
    """Python's ``%`` as PyTorch computes it: ``fmod``, then ``other`` added where the signs differ. NumPy
    agrees except on a zero result, which it signs as ``other`` and ``fmod`` (so PyTorch) as ``input``."""
    array = x if is_array(x) else y
    xp = namespace_of(array)
    result = xp.remainder(x, y)
    if array.dtype.kind == "f":
        zero = result == 0
        if zero.any():
            result = xp.where(zero, xp.copysign(result, x), result).astype(result.dtype, copy=False)
    return result


def _modulo(name, array_fn, number_node, tensor_node, input, other, out):
    x, y = binary_arrays(input, other)
    if x.dtype.kind in "bc":
        reject(x, kernel_missing(f"{name}_cpu", "bc"))
    if _integral(x):
        _check_integer_divisor(y)
    data = apply_binary(array_fn, x, y)
    if isinstance(other, Tensor):
        result = record(data, tensor_node, (input, other), (input, other))
    else:
        result = record(data, number_node, (input,))
    return result if out is None else write_out(result, out, name)


def _fmod_signature_error(input):
    return TypeError(f"fmod() received an invalid combination of arguments - got ({type(input).__name__}, Tensor), "
                     "but expected one of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n"
                     " * (Tensor input, Number other, *, Tensor out = None)\n")


def fmod(input, other, *, out=None):
    """The remainder of ``input / other`` truncated toward zero: it has the sign of ``input``."""
    if not isinstance(input, Tensor):
        raise _fmod_signature_error(input)
    return _modulo("fmod", _fmod, FmodBackward0, FmodBackward1, input, other, out)


def remainder(input, other, *, out=None):
    """Python's ``%``: the remainder has the sign of ``other``."""
    if not isinstance(input, Tensor):
        return rremainder(other, input, out=out)
    return _modulo("remainder", _remainder, RemainderBackward0, RemainderBackward1, input, other, out)


def rremainder(input, other, *, out=None):
    """``number % tensor``: recorded, but it has no derivative."""
    y, x = binary_arrays(input, other)
    if y.dtype.kind in "bc":
        reject(y, kernel_missing("remainder_cpu", "bc"))
    if _integral(y):
        _check_integer_divisor(y)
    result = record(apply_binary(_remainder, x, y), NumberRemainderBackward, (input,))
    return result if out is None else write_out(result, out, "remainder")
