"""Elementwise functions of two or three tensors: ``maximum minimum fmax fmin``, ``clamp`` in all its
forms, ``lerp atan2 hypot xlogy copysign nan_to_num addcmul addcdiv``.

Selection-style rules (``maximum``, ``clamp``) write exact ``+0.`` where the gradient is blocked and
split it evenly on ties; the others are arithmetic and follow IEEE signs.
"""

import math
import numbers

from .._array import NUMPY, SCALAR_TYPES, is_array, namespace_of
from .._dtype import (DIMENSIONED, SCALAR, ZERO_DIM, fitting_number, float16, float32, get_default_dtype, result_type,
                      scalar_dtype)
from .._tensor import Tensor, make_tensor
from ._arguments import check_tensors, number_from_tensor, not_a_tensor
from ._broadcast import apply_binary, binary_arrays, broadcast_shapes
from ._op import OUTPUT, conjugate, derivative, record
from .pointwise import where
from .where_bits import select
from .pointwise_compare import isfinite, isnan
from .pointwise_base import LARGE, kernel_missing, no_kernel_error, reject, to_default_float, write_out, zeros_like_grad
from .._float_errors import silent_float_errors
from .._exact_arithmetic import fused_multiply_add
from .._creation import full_like

__all__ = ["maximum", "minimum", "fmax", "fmin", "clamp", "clip", "clamp_min", "clamp_max", "lerp", "atan2",
           "arctan2", "hypot", "xlogy", "copysign", "nan_to_num", "addcmul", "addcdiv"]

FUNCTIONS = [name for name in __all__ if name != "arctan2"]
METHODS = FUNCTIONS
INPLACE = ["clamp", "clip", "clamp_min", "clamp_max", "lerp", "atan2", "hypot", "xlogy", "copysign", "nan_to_num",
           "addcmul", "addcdiv"]
ALIASES = {"arctan2": "atan2"}

_ndarray = NUMPY.ndarray


def _must_be_tensor(name, value, position=2, argument="other"):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def _operand(value):
    if isinstance(value, Tensor):
        return value.dtype, ZERO_DIM if value._data.ndim == 0 else DIMENSIONED
    return scalar_dtype(value), SCALAR


def _common_dtype(*operands):
    """PyTorch's result dtype over tensors and numbers (``None`` entries are skipped)."""
    return result_type([_operand(v) for v in operands if v is not None]).np


def _array(value, dtype):
    """A tensor's array in ``dtype``; a number as a Python number (NumPy scalars would widen the result)."""
    if isinstance(value, Tensor):
        data = value._data
        return data if data.dtype == dtype else data.astype(dtype)
    return value.item() if isinstance(value, SCALAR_TYPES) else value


# ---------------------------------------------------------------- maximum / minimum / fmax / fmin
def _maximum_grad_self(grad, self, other):
    return where(self < other, 0.0, where(self == other, grad / 2, grad))


def _maximum_grad_other(grad, self, other):
    return where(self > other, 0.0, where(self == other, grad / 2, grad))


def _fmax_grad_self(grad, self, other):
    return where((self >= other) | isnan(other), grad, 0.0)


def _fmax_grad_other(grad, self, other):
    return where((self >= other) | isnan(other), 0.0, grad)


def _fmin_grad_self(grad, self, other):
    return where((self <= other) | isnan(other), grad, 0.0)


def _fmin_grad_other(grad, self, other):
    return where((self <= other) | isnan(other), 0.0, grad)


MaximumBackward0 = derivative("MaximumBackward0", _maximum_grad_self, _maximum_grad_other, saves="self other")
MinimumBackward0 = derivative("MinimumBackward0", _maximum_grad_other, _maximum_grad_self, saves="self other")
FmaxBackward0 = derivative("FmaxBackward0", _fmax_grad_self, _fmax_grad_other, saves="self other")
FminBackward0 = derivative("FminBackward0", _fmin_grad_self, _fmin_grad_other, saves="self other")


def _selection(name, array_fn, node_class):
    """``array_fn``: the name of the namespace function (``"maximum"``)."""
    numpy_fn = getattr(NUMPY, array_fn)

    def op(input, other, *, out=None):
        _must_be_tensor(name, other)
        x, y = binary_arrays(input, other)
        if x.dtype.kind == "c":
            raise RuntimeError(f"{name} not implemented for complex tensors.")
        fn = numpy_fn if x.__class__ is _ndarray else getattr(namespace_of(x), array_fn)
        result = record(apply_binary(fn, x, y), node_class, (input, other), (input, other))
        return result if out is None else write_out(result, out, name)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``; ties split the gradient evenly between the inputs."
    return op


maximum = _selection("maximum", "maximum", MaximumBackward0)
minimum = _selection("minimum", "minimum", MinimumBackward0)
fmax = _selection("fmax", "fmax", FmaxBackward0)
fmin = _selection("fmin", "fmin", FminBackward0)
fmax.__doc__ = "Elementwise maximum that ignores nan (nan only where both are nan)."
fmin.__doc__ = "Elementwise minimum that ignores nan (nan only where both are nan)."


# ---------------------------------------------------------------- clamp
def _clamp_numbers_grad(grad, self, min, max):
    if min is None:
        inside = self <= max
    elif max is None:
        inside = self >= min
    else:
        inside = (self >= min) & (self <= max)
    return where(inside, grad, 0.0)


def _clamp_tensors_grad_self(grad, self, min, max):
    return _clamp_numbers_grad(grad, self, min, max)


def _clamp_tensors_grad_min(grad, self, min, max):
    below = self < min
    return where(below if max is None else below & (min < max), grad, 0.0)


def _clamp_tensors_grad_max(grad, self, min, max):
    above = self > max
    return where(above if min is None else above | (max < min), grad, 0.0)


def _clamp_min_grad_self(grad, self, min):
    return where(self >= min, grad, 0.0)


def _clamp_min_grad_min(grad, self, min):
    return where(self < min, grad, 0.0)


def _clamp_max_grad_self(grad, self, max):
    return where(self <= max, grad, 0.0)


def _clamp_max_grad_max(grad, self, max):
    return where(self > max, grad, 0.0)


ClampBackward1 = derivative("ClampBackward1", _clamp_numbers_grad, saves="self")
ClampBackward0 = derivative("ClampBackward0", _clamp_tensors_grad_self, _clamp_tensors_grad_min,
                            _clamp_tensors_grad_max, saves="self min max")
ClampMinBackward0 = derivative("ClampMinBackward0", _clamp_min_grad_self, saves="self")
ClampMinBackward1 = derivative("ClampMinBackward1", _clamp_min_grad_self, _clamp_min_grad_min, saves="self min")
ClampMaxBackward0 = derivative("ClampMaxBackward0", _clamp_max_grad_self, saves="self")
ClampMaxBackward1 = derivative("ClampMaxBackward1", _clamp_max_grad_self, _clamp_max_grad_max, saves="self max")


_PLAIN_BOUNDS = (int, float, type(None))
_FLOAT32_MAX = 3.4e38  # (rounded down) a number within it converts to float32 and float64 without overflow


def _clamp_arrays(input, min, max, bool_kernel=None, complex_kernel=None, name="clamp"):
    """The clamped array, in the dtype of ``input`` promoted with the bounds.

    PyTorch's kernels refuse complex inputs and bounds, and bool results for some forms (named by the kernel).
    """
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor(name, ("input", input)) from None
    if x.dtype.kind == "c":
        if complex_kernel is not None:
            raise no_kernel_error(complex_kernel, x.dtype)
        raise NotImplementedError("clamp is not supported for complex types")
    if x.dtype.kind in "fiu":  # (a float bound makes an integer tensor's result float32)
        min, max = (fitting_number(b, x.dtype if x.dtype.kind == "f" or not isinstance(b, float) else float32.np)
                    for b in (min, max))
    if x.dtype.kind == "f" and min.__class__ in _PLAIN_BOUNDS and max.__class__ in _PLAIN_BOUNDS:
        dtype = x.dtype  # numbers never widen a float tensor
        if x.size >= LARGE and x.dtype.itemsize >= 4 and (min is None or abs(min) <= _FLOAT32_MAX) and (
                max is None or abs(max) <= _FLOAT32_MAX):
            # one clip is one SIMD pass, PyTorch's bits (signed zeros included); bounds that the cast to the
            # dtype would overflow take the two passes below
            return (NUMPY if x.__class__ is _ndarray else namespace_of(x)).clip(
                x, -math.inf if min is None else min, math.inf if max is None else max)
    else:
        dtype = _common_dtype(input, min, max)
        if dtype.kind == "b" and bool_kernel is not None:
            raise no_kernel_error(bool_kernel, dtype)
        if dtype.kind == "c" and (isinstance(min, Tensor) or isinstance(max, Tensor)):
            both = min is not None and max is not None
            raise no_kernel_error("clamp_cpu" if both else "maximum_cpu" if min is not None else "minimum_cpu", dtype)
        x = _array(input, dtype)
    xp = NUMPY if x.__class__ is _ndarray else namespace_of(x)
    try:
        if min is not None:
            x = xp.maximum(x, _array(min, dtype))
        if max is not None:
            x = xp.minimum(x, _array(max, dtype))
    except ValueError:
        broadcast_shapes(*[v._data.shape for v in (input, min, max) if isinstance(v, Tensor)])
        raise
    return x


def clamp(input, min=None, max=None, *, out=None):
    """Limit ``input`` to ``[min, max]`` (numbers or tensors; ``min > max`` gives ``max``).

    The gradient passes where ``min <= input <= max``, bounds included.
    """
    check_tensors("clamp", ("input", input))
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tensor_bounds = isinstance(min, Tensor) or isinstance(max, Tensor)
    both_bounds = min is not None and max is not None
    bool_kernel = ("clamp_cpu" if both_bounds else None) if tensor_bounds else "clamp_scalar_cpu"
    data = _clamp_arrays(input, min, max, bool_kernel)
    if tensor_bounds:
        min, max = (_as_bound(b, data) for b in (min, max))
        result = record(data, ClampBackward0, (input, min, max), (input, min, max))
    else:
        result = record(data, ClampBackward1, (input,), (input,), (min, max))
    return result if out is None else write_out(result, out, "clamp")


def _as_bound(bound, clamped):
    """A number bound next to a tensor bound takes part as a 0-d tensor (of the clamped array's dtype)."""
    if bound is None or isinstance(bound, Tensor):
        return bound
    return make_tensor(namespace_of(clamped).asarray(bound, dtype=clamped.dtype))


clip = clamp


def _one_sided_signature_error(name, bound_name, bound):
    return TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                     f"{type(bound).__name__}), but expected one of:\n * (Tensor input, Tensor {bound_name}, *, "
                     f"Tensor out = None)\n * (Tensor input, Number {bound_name}, *, Tensor out = None)\n")


def clamp_min(input, min, *, out=None):
    """``clamp(input, min=min)``, recorded under its own node names."""
    if min is None:
        raise _one_sided_signature_error("clamp_min", "min", min)
    if isinstance(min, Tensor):
        data = _clamp_arrays(input, min, None, complex_kernel="maximum_cpu", name="clamp_min")
        result = record(data, ClampMinBackward1, (input, min), (input, min))
    else:
        data = _clamp_arrays(input, min, None, bool_kernel="clamp_min_scalar_cpu", name="clamp_min")
        result = record(data, ClampMinBackward0, (input,), (input,), (min,))
    return result if out is None else write_out(result, out, "clamp_min")


def clamp_max(input, max, *, out=None):
    """``clamp(input, max=max)``, recorded under its own node names."""
    if max is None:
        raise _one_sided_signature_error("clamp_max", "max", max)
    if isinstance(max, Tensor):
        data = _clamp_arrays(input, None, max, complex_kernel="minimum_cpu", name="clamp_max")
        result = record(data, ClampMaxBackward1, (input, max), (input, max))
    else:
        data = _clamp_arrays(input, None, max, bool_kernel="clamp_max_scalar_cpu", name="clamp_max")
        result = record(data, ClampMaxBackward0, (input,), (input,), (max,))
    return result if out is None else write_out(result, out, "clamp_max")


# ---------------------------------------------------------------- lerp
def _lerp_grad_self(grad, weight):
    return grad * conjugate(1 - weight)


def _lerp_grad_end(grad, weight):
    return grad * conjugate(weight)


def _lerp_tensor_grad_self(grad, self, end, weight):
    return grad * conjugate(1 - weight)


def _lerp_tensor_grad_end(grad, self, end, weight):
    return grad * conjugate(weight)


def _lerp_tensor_grad_weight(grad, self, end, weight):
    return grad * conjugate(end - self)


LerpBackward0 = derivative("LerpBackward0", _lerp_grad_self, _lerp_grad_end, saves="weight")
LerpBackward1 = derivative("LerpBackward1", _lerp_tensor_grad_self, _lerp_tensor_grad_end, _lerp_tensor_grad_weight,
                           saves="self end weight")


@silent_float_errors
def _lerp_arrays(start, end, weight):
    """Interpolate from whichever end is nearer, so ``weight = 1`` gives exactly ``end``, with one rounding
    as PyTorch's fused multiply-add: ``base + coefficient * (end - start)``. float32 and float16 compute in
    float32 as PyTorch does, the product and sum in float64 (a float32 product is exact there)."""
    xp = namespace_of(start)
    dtype = start.dtype
    if dtype.kind == "c":
        difference, near_start = end - start, abs(weight) < 0.5
        return xp.where(near_start, start + weight * difference, end - difference * (1 - weight))
    if not is_array(weight) and not isinstance(weight, (numbers.Number, SCALAR_TYPES)):
        raise TypeError(f"lerp(): weight must be a number or a tensor, not {type(weight).__name__}")
    compute = xp.float64 if dtype == xp.float64 else xp.float32
    start, end = start.astype(compute, copy=False), end.astype(compute, copy=False)
    weight = weight.astype(compute, copy=False) if is_array(weight) else compute(weight)
    difference = end - start
    near_start = abs(weight) < 0.5
    if is_array(weight):  # selected by arithmetic and by the bits: where would mispredict a branch an element
        coefficient = weight - ~near_start  # weight - 1 where interpolating from the end
        base = select(near_start, start, end)
    else:  # one weight: one end for every element, no selecting pass
        coefficient = xp.asarray(weight if near_start else weight - compute(1))  # an array of x's namespace
        base = start if near_start else end
    if compute == xp.float64:
        return fused_multiply_add(coefficient, difference, base)
    # the float64 product is taken and added in buffers, the sum rounded as it is written to float32
    product = xp.multiply(coefficient, difference, dtype=xp.float64)
    total = xp.empty(product.shape, dtype=compute)
    xp.add(product, base, out=total, dtype=xp.float64)
    return total.astype(dtype, copy=False)


def _check_same_dtype(input, value, argument):
    if value._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected dtype {input.dtype.cpp_name} for `{argument}` but got dtype "
                           f"{value.dtype.cpp_name}")


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``; ``weight`` is a number or a tensor."""
    check_tensors("lerp", ("input", input), ("end", end))
    _check_same_dtype(input, end, "end")
    weight_is_tensor = isinstance(weight, Tensor)
    if weight_is_tensor:
        _check_same_dtype(input, weight, "weight")
    x = input._data
    if x.dtype.kind not in "fc":
        reject(x, kernel_missing("lerp_kernel_tensor" if weight_is_tensor else "lerp_kernel_scalar", "biu"))
    w = weight._data if weight_is_tensor else _array(fitting_number(weight, x.dtype, as_float32=True), None)
    broadcast_shapes(x.shape, end._data.shape, w.shape if is_array(w) else ())
    data = namespace_of(x).asarray(_lerp_arrays(x, end._data, w), dtype=x.dtype)
    if weight_is_tensor:
        result = record(data, LerpBackward1, (input, end, weight), (input, end, weight))
    else:
        result = record(data, LerpBackward0, (input, end), (weight,))
    return result if out is None else write_out(result, out, "lerp")


# ---------------------------------------------------------------- atan2 / hypot
def _atan2_reciprocal_radius2(self, other):
    """``1 / (self² + other²)``, taken as 0 at the origin, where atan2 has no derivative."""
    radius2 = self * self + other * other
    return where(radius2 == 0, 0.0, 1 / radius2)


def _atan2_grad_self(grad, self, other):
    return grad * other * _atan2_reciprocal_radius2(self, other)


def _atan2_grad_other(grad, self, other):
    return grad * -self * _atan2_reciprocal_radius2(self, other)


def _hypot_grad_self(grad, self, other, result):
    return grad * (self / result)


def _hypot_grad_other(grad, self, other, result):
    return grad * (other / result)


Atan2Backward0 = derivative("Atan2Backward0", _atan2_grad_self, _atan2_grad_other, saves="self other")
HypotBackward0 = derivative("HypotBackward0", _hypot_grad_self, _hypot_grad_other, saves="self other result")


def atan2(input, other, *, out=None):
    """The angle of the point ``(other, input)``, in ``(-pi, pi]``."""
    _must_be_tensor("atan2", other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind == "c":
        reject(x, kernel_missing("atan2_cpu", "c"))
    x, y = to_default_float(x), to_default_float(y)
    data = apply_binary(namespace_of(x).arctan2, x, y)
    result = record(data, Atan2Backward0, (input, other), (input, other))
    return result if out is None else write_out(result, out, "atan2")


arctan2 = atan2


def hypot(input, other, *, out=None):
    """``sqrt(input**2 + other**2)`` without overflow on the way."""
    _must_be_tensor("hypot", other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind != "f":
        reject(x, kernel_missing("hypot_cpu", "biuc"))
    result = record(apply_binary(namespace_of(x).hypot, x, y), HypotBackward0, (input, other), (input, other, OUTPUT))
    return result if out is None else write_out(result, out, "hypot")


# ---------------------------------------------------------------- xlogy
def _xlogy_grad_self(grad, self, other):
    return where((self == 0) & (other <= 0), 0.0, xlogy(grad, other))


def _xlogy_grad_other(grad, self, other):
    return grad * self / other


XlogyBackward0 = derivative("XlogyBackward0", _xlogy_grad_self, _xlogy_grad_other, saves="self other")
XlogyBackward1 = derivative("XlogyBackward1", _xlogy_grad_other, saves="self other")
XlogyBackward2 = derivative("XlogyBackward2", _xlogy_grad_self, saves="self other")


@silent_float_errors
def _xlogy_arrays(x, y):
    """``x * log(y)``, 0 where ``x == 0`` unless ``y`` is nan."""
    xp = namespace_of(x)
    product = apply_binary(xp.multiply, x, xp.log(y))
    return xp.where((x == 0) & ~xp.isnan(y), 0, product).astype(product.dtype, copy=False)


def _xlogy_signature_error(input, other):
    return TypeError(f"xlogy() received an invalid combination of arguments - got ({type(input).__name__}, "
                     f"{type(other).__name__}), but expected one of:\n * (Tensor input, Tensor other, *, Tensor out = "
                     "None)\n * (Number self, Tensor other, *, Tensor out = None)\n * (Tensor input, Number other, *, "
                     "Tensor out = None)\n")


def xlogy(input, other, *, out=None):
    """``input * log(other)``, defined as 0 where ``input`` is 0 (so ``0 * log(0)`` is 0)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor) or \
            not isinstance(input, (Tensor, numbers.Number)) or not isinstance(other, (Tensor, numbers.Number)):
        raise _xlogy_signature_error(input, other)
    dtype = _common_dtype(input, other)
    if dtype.kind == "c":
        raise no_kernel_error("xlogy_cpu", dtype)
    if dtype.kind != "f":
        dtype = get_default_dtype().np
    xp = namespace_of((input if isinstance(input, Tensor) else other)._data)
    x, y = xp.asarray(_array(input, dtype), dtype=dtype), xp.asarray(_array(other, dtype), dtype=dtype)
    data = _xlogy_arrays(x, y)
    if not isinstance(input, Tensor):
        result = record(data, XlogyBackward1, (other,), (input, other))
    elif not isinstance(other, Tensor):
        result = record(data, XlogyBackward2, (input,), (input, other))
    else:
        result = record(data, XlogyBackward0, (input, other), (input, other))
    return result if out is None else write_out(result, out, "xlogy")


# ---------------------------------------------------------------- copysign
def _copysign_grad_self(grad, self, result):
    return grad * where(self == 0, 0.0, result / self)


def _copysign_grad_other(grad, self, result):
    return zeros_like_grad(grad, None)


CopysignBackward0 = derivative("CopysignBackward0", _copysign_grad_self, _copysign_grad_other,
                               saves="self result")
CopysignBackward1 = derivative("CopysignBackward1", _copysign_grad_self, saves="self result")


def copysign(input, other, *, out=None):
    """``|input|`` with the sign (bit) of ``other``; the result is floating point."""
    x, y = binary_arrays(input, other)
    if x.dtype.kind == "c":
        reject(x, kernel_missing("copysign_cpu", "c"))
    x = to_default_float(x)
    data = apply_binary(namespace_of(x).copysign, x, to_default_float(y))
    if isinstance(other, Tensor):
        result = record(data, CopysignBackward0, (input, other), (input, OUTPUT))
    else:
        result = record(data, CopysignBackward1, (input,), (input, OUTPUT))
    return result if out is None else write_out(result, out, "copysign")


# ---------------------------------------------------------------- nan_to_num
def _nan_to_num_grad(grad, self):
    return grad * isfinite(self)


NanToNumBackward0 = derivative("NanToNumBackward0", _nan_to_num_grad, saves="self")


def _finite_or(x, nan):
    """NumPy's ``nan_to_num`` with the default infinities, in three passes instead of its six: clipping to
    the largest finite values replaces the infinities and keeps every other value."""
    xp = namespace_of(x)
    largest = xp.finfo(x.dtype).max
    return xp.where(x == x, xp.clip(x, -largest, largest), nan)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (default: the dtype's extremes)."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("nan_to_num", ("input", input)) from None
    nan, posinf, neginf = (number_from_tensor("nan_to_num", name, value, "float")
                           for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)))
    if x.dtype.kind == "f" and posinf is None and neginf is None and x.size >= LARGE and x.dtype.itemsize >= 4:
        data = _finite_or(x, 0.0 if nan is None else nan)
    elif x.dtype.kind in "fc":
        nan = 0.0 if nan is None else nan  # None asks for the default, as for the infinities
        data = namespace_of(x).nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    else:
        data = x.copy()
    result = record(data, NanToNumBackward0, (input,), (input,))
    return result if out is None else write_out(result, out, "nan_to_num")


# ---------------------------------------------------------------- addcmul / addcdiv
def _addc_grad_self(grad, tensor1, tensor2, value):
    return grad


def _addcmul_grad_tensor1(grad, tensor1, tensor2, value):
    return grad * conjugate(tensor2 * value)


def _addcmul_grad_tensor2(grad, tensor1, tensor2, value):
    return grad * conjugate(tensor1 * value)


def _addcdiv_grad_tensor1(grad, tensor1, tensor2, value):
    """A complex ``value / tensor2`` is PyTorch's complex division of a tensor full of ``value`` (at 0:
    ``(2 - 1j) / 0j`` is ``inf + infj``, where ``(1 / 0j) * (2 - 1j)`` is ``nan + nanj``)."""
    if tensor2.is_complex():
        return grad * conjugate(full_like(tensor2, value) / tensor2)
    return grad * conjugate(value / tensor2)


def _addcdiv_grad_tensor2(grad, tensor1, tensor2, value):
    return -grad * conjugate((value * tensor1) / (tensor2 * tensor2))


AddcmulBackward0 = derivative("AddcmulBackward0", _addc_grad_self, _addcmul_grad_tensor1, _addcmul_grad_tensor2,
                              saves="tensor1 tensor2")
AddcdivBackward0 = derivative("AddcdivBackward0", _addc_grad_self, _addcdiv_grad_tensor1, _addcdiv_grad_tensor2,
                              saves="tensor1 tensor2")

_ADDCDIV_INTEGER_MESSAGE = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true "
    "division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * "
    "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
    "for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * tensor1 / "
    "tensor2), for all dtypes.")


def _addc_arrays(input, tensor1, tensor2):
    """The three operands in their common dtype, float16 widened to float32: PyTorch computes half precision
    ``addcmul``/``addcdiv`` in single and rounds once (``65504 + 2 * -65504 / 65504`` stays finite)."""
    dtype = _common_dtype(input, tensor1, tensor2)
    broadcast_shapes(input._data.shape, tensor1._data.shape, tensor2._data.shape)
    working = float32.np if dtype is float16.np else dtype
    return dtype, _array(input, working), _array(tensor1, working), _array(tensor2, working)


@silent_float_errors
def _scaled(value, array):
    """``value * array`` with ``value`` taken in the array's dtype (an int tensor keeps int)."""
    if value == 1:
        return array
    return array * array.dtype.type(value)


@silent_float_errors
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``."""
    check_tensors("addcmul", ("input", input), ("tensor1", tensor1), ("tensor2", tensor2))
    dtype, x, a, b = _addc_arrays(input, tensor1, tensor2)
    fitting_number(value, dtype, as_float32=True)
    if dtype.kind == "b":
        raise no_kernel_error("addcmul_cpu_out", dtype)
    data = namespace_of(x).asarray(x + _scaled(value, a) * b, dtype=dtype)
    result = record(data, AddcmulBackward0, (input, tensor1, tensor2), (tensor1, tensor2), (value,))
    return result if out is None else write_out(result, out, "addcmul")


@silent_float_errors
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``; integer ``tensor1``/``tensor2`` are refused."""
    check_tensors("addcdiv", ("input", input), ("tensor1", tensor1), ("tensor2", tensor2))
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(_ADDCDIV_INTEGER_MESSAGE)
    dtype, x, a, b = _addc_arrays(input, tensor1, tensor2)
    fitting_number(value, dtype, as_float32=True)
    data = namespace_of(x).asarray(x + _scaled(value, a) / b, dtype=dtype)
    result = record(data, AddcdivBackward0, (input, tensor1, tensor2), (tensor1, tensor2), (value,))
    return result if out is None else write_out(result, out, "addcdiv")
