"""Tensor's in-place sampling methods: ``uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
``exponential_``, ``geometric_``, ``cauchy_`` and ``log_normal_``.

Each checks its arguments as PyTorch does (same exception types and messages), draws one value per
element in the order PyTorch's kernels visit memory (a transposed tensor is filled along its
storage), and writes them in place. Like PyTorch, a tensor in a graph gets a node whose gradient is
zero (``UniformBackward0`` ...). The draw goes through ``traced_stateful``, so a compiled function
draws afresh on every replay.
"""

import math
import warnings

import numpy as np

from .._dtype import _FROM_NUMPY
from .._errors import user_stacklevel
from .._ops._op import derivative, record
from .._ops.inplace import check_inplace_allowed, write_inplace
from .._ops._op import traced_stateful
from .._signatures import Signatures
from .._tensor import Tensor
from . import draws
from .generator import default_generator
from .layout import fill_like, real_dtype

__all__ = ["uniform_", "normal_", "random_", "bernoulli_", "exponential_", "geometric_", "cauchy_", "log_normal_",
           "drawn_like", "random_plan", "check_probability", "check_probabilities", "cpp_number", "not_implemented",
           "zero_gradient", "uniform_values", "normal_values", "bernoulli_values", "bernoulli_tensor_values",
           "exponential_values"]

_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1


def cpp_number(value):
    """A double as PyTorch's messages print it (C++ stream defaults: six significant digits)."""
    return format(float(value), "g")


def not_implemented(kernel, np_dtype):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_FROM_NUMPY[np.dtype(np_dtype)].scalar_type_name}\'')


def zero_gradient(grad, *args):
    return grad.new_zeros(grad.shape)


def _node(name, inputs=1):
    return derivative(name, *([zero_gradient] * inputs))


UniformBackward0 = _node("UniformBackward0")
NormalBackward0 = _node("NormalBackward0")
RandomBackward0 = _node("RandomBackward0")  # random_(from, to)
RandomBackward1 = _node("RandomBackward1")  # random_(to)
RandomBackward2 = _node("RandomBackward2")  # random_()
BernoulliBackward1 = _node("BernoulliBackward1", 2)  # bernoulli_(p_tensor)
BernoulliBackward2 = _node("BernoulliBackward2")  # bernoulli_(p)
ExponentialBackward0 = _node("ExponentialBackward0")
GeometricBackward0 = _node("GeometricBackward0")
CauchyBackward0 = _node("CauchyBackward0")
LogNormalBackward0 = _node("LogNormalBackward0")


# ---------------------------------------------------------------- drawing into a tensor
def drawn_like(tensor, node, sample, *parameters, generator=None, inputs=None):
    """``tensor`` overwritten with ``sample(layout, generator, *parameters)`` (tensor parameters as arrays)."""
    check_inplace_allowed(tensor)
    generator = default_generator if generator is None else generator
    values = traced_stateful(fill_like, tensor, sample, generator, *parameters)
    return write_inplace(tensor, record(values, node, inputs or (tensor,)))


# ---------------------------------------------------------------- uniform_ / normal_
_FLOATING = ("f", "c")


def _float_limits(np_dtype):
    info = np.finfo(real_dtype(np.dtype(np_dtype)))
    return float(info.min), float(info.max)


def uniform_(self, *args, generator=None, **kwargs):
    """Uniform values in ``[from, to)`` (default ``[0, 1)``)."""
    low, high = _two_numbers("uniform_", args, kwargs, ("from", "to"), (0.0, 1.0))
    dtype = self._data.dtype
    if dtype.kind not in _FLOATING:
        raise not_implemented("check_uniform_bounds", dtype)
    smallest, largest = _float_limits(dtype)
    type_name = _FROM_NUMPY[real_dtype(dtype)].cpp_name
    for name, value in (("from", low), ("to", high)):
        if not smallest <= value <= largest:
            raise RuntimeError(f"{name} is out of bounds for {type_name}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={cpp_number(low)} > "
                           f"to={cpp_number(high)}")
    if high - low > largest:
        name = _FROM_NUMPY[real_dtype(dtype)].scalar_type_name
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{name}>::max(), but found "
                           f"to={cpp_number(high)} and from={cpp_number(low)} which result in to-from to exceed the "
                           "limit")
    return drawn_like(self, UniformBackward0, uniform_values, float(low), float(high), generator=generator)


def uniform_values(layout, generator, low, high):
    return draws.uniform(generator, layout.count, layout.dtype, low, high)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Normal values; a complex tensor gets real and imaginary parts each of deviation ``std / sqrt(2)``."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {cpp_number(std)}")
    dtype = self._data.dtype
    if dtype.kind not in _FLOATING:
        raise not_implemented("normal_kernel_cpu", dtype)
    if dtype.kind == "c":
        std = std / math.sqrt(2)
    return drawn_like(self, NormalBackward0, normal_values, float(mean), float(std), generator=generator)


def normal_values(layout, generator, mean, std):
    return draws.normal(generator, layout.count, layout.dtype, mean, std, layout.contiguous)


def _two_numbers(name, args, kwargs, names, defaults):
    """Positional or keyword (``from`` is a Python keyword, so it only comes through ``**kwargs``) numbers."""
    values = list(defaults)
    for i, value in enumerate(args):
        values[i] = value
    for key, value in kwargs.items():
        if key not in names:
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
        values[names.index(key)] = value
    return values


# ---------------------------------------------------------------- random_
_INTEGER_LIMITS = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
                   for t in (np.uint8, np.int8, np.int16, np.int32, np.int64)}
_INTEGER_LIMITS[np.dtype(np.bool_)] = (0, 1)
_MANTISSA_DIGITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}
_RANDOM_SIGNATURES = Signatures("random_", "*, Generator? generator = None",
                                "int from, int? to, *, Generator? generator = None",
                                "int to, *, Generator? generator = None")


def random_(self, *args, generator=None, **kwargs):
    """Integers: ``random_()`` over the dtype's non-negative range, ``random_(to)``, ``random_(from, to)``."""
    if len(args) > 2:
        raise TypeError(f"random_() takes at most 2 positional arguments ({len(args)} given)")
    low, high = _two_numbers("random_", args, kwargs, ("from", "to"), (None, None))
    # integers, or None for ``to`` given by position (``random_(from, None)``: up to the dtype's top)
    if not (all(_is_bound(v) or (v is None and i == 1) for i, v in enumerate(args))
            and all(map(_is_bound, kwargs.values()))):
        raise _RANDOM_SIGNATURES.error(args, kwargs)
    if len(args) == 1 and "to" not in kwargs:
        low, high = 0, low
        node = RandomBackward1
    else:
        node = RandomBackward2 if low is None and high is None else RandomBackward0
    sample, parameters = random_plan(self._data.dtype, low, high)
    return drawn_like(self, node, sample, *parameters, generator=generator)


def _is_bound(value):
    """An integer: PyTorch's ``random_`` takes no float or None bound."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def random_plan(dtype, low, high):
    """The sampler and its parameters for ``random_(low, high)`` into NumPy ``dtype`` (``None``: omitted),
    after PyTorch's checks and its adjustment of float bounds to values the dtype holds."""
    if dtype.kind == "c" and low is None and high is None:
        raise not_implemented("random_kernel_cpu", dtype)
    if dtype.kind == "c" and high is None:  # with both bounds, PyTorch checks them first (below)
        raise RuntimeError("random_from_to_impl handles only integral, floating-point and boolean types")
    if low is None and high is None:
        return _random_default, ()
    for bound in (low, high):
        if bound is not None and not _INT64_MIN <= bound <= _INT64_MAX:
            raise ValueError("Overflow when unpacking long long")
    low = 0 if low is None else int(low)
    if high is None:
        if low == _INT64_MIN:
            return _random_full, ()
        high_inclusive = _largest_integer(dtype)
        if dtype.kind == "f":
            low = _nearest_from(low, dtype)
            if low >= high_inclusive:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
                                   f"casted to dtype, but got from={low} > to_inc={high_inclusive}")
    else:
        high = int(high)
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        if dtype.kind == "c":
            raise RuntimeError("check_random_bounds handles only integral, floating-point and boolean types")
        if dtype.kind == "f":
            low, high = _nearest_from(low, dtype), _nearest_to(high, dtype)
            if low >= high:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, "
                                   f"but got from={low} >= to={high}")
        high_inclusive = high - 1
    _check_random_bounds(low, high_inclusive, dtype)
    return _random_range, (low, high_inclusive - low + 1)


def _largest_integer(dtype):
    if dtype.kind == "f":
        return min(1 << _MANTISSA_DIGITS[dtype], _INT64_MAX)
    return 1 if dtype == np.bool_ else _INTEGER_LIMITS[dtype][1]


def _nearest_from(low, dtype):
    """PyTorch's ``update_from``: move ``from`` up to where ``from + 1`` survives the cast to a float dtype."""
    rounded = int(np.array(low + 1, dtype=np.float64).astype(dtype).astype(np.float64))
    if rounded < low:
        bits = abs(low + 1).bit_length() - 1
        low = rounded + (1 << (bits - _MANTISSA_DIGITS[dtype] + 1))
    return low


def _nearest_to(high, dtype):
    """PyTorch's ``update_to``: move ``to`` down to where ``to - 1`` survives the cast to a float dtype."""
    rounded = int(np.array(high - 1, dtype=np.float64).astype(dtype).astype(np.float64))
    if rounded >= high:
        bits = abs(high - 1).bit_length() - 1
        high = rounded - (1 << (bits - _MANTISSA_DIGITS[dtype] + 1))
    return high


def _check_random_bounds(low, high_inclusive, dtype):
    if dtype.kind == "f":
        smallest, largest = _float_limits(dtype)
        digits = _MANTISSA_DIGITS[dtype]
        name = _FROM_NUMPY[dtype].cpp_name
    else:
        smallest, largest = _INTEGER_LIMITS[dtype]
        name = _FROM_NUMPY[dtype].cpp_name
    for label, value in (("from", low), ("to - 1", high_inclusive)):
        if not smallest <= value <= largest:
            raise RuntimeError(f"{label} is out of bounds for {name}")
    if dtype.kind == "f":
        for label, value in (("from", low), ("to - 1", high_inclusive)):
            if value < -(1 << digits) or value > (1 << digits):
                warnings.warn(f"{label} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                              f"{name} can support discrete uniform distribution only within this range. This "
                              "warning will become an error in version 1.7 release, please fix the code in advance",
                              UserWarning, stacklevel=user_stacklevel())


def _random_default(layout, generator):
    return draws.random_default(generator, layout.count, layout.dtype)


def _random_full(layout, generator):
    return draws.random_full_range(generator, layout.count, layout.dtype)


def _random_range(layout, generator, low, span):
    return draws.random_integers(generator, layout.count, layout.dtype, low, span)


# ---------------------------------------------------------------- bernoulli_ and the scalar samplers
def bernoulli_(self, p=0.5, *, generator=None):
    """1 with probability ``p`` (a number, or a tensor broadcast to this one's shape), else 0."""
    if isinstance(p, Tensor):
        check_probabilities(p, self)
        return drawn_like(self, BernoulliBackward1, bernoulli_tensor_values, p, generator=generator, inputs=(self, p))
    check_probability(p, self._data.dtype)
    return drawn_like(self, BernoulliBackward2, bernoulli_values, float(p), generator=generator)


def check_probability(p, dtype):
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={cpp_number(p)}")
    if dtype.kind == "c":
        raise not_implemented("bernoulli_scalar_cpu_", dtype)


def check_probabilities(p, target):
    """A probability tensor for ``target``, checked in PyTorch's order: ``target`` not complex, ``p`` expandable to
    it (``expand``'s errors), floating, each value in [0, 1]."""
    probabilities = p._data
    if target._data.dtype.kind == "c":
        raise not_implemented("bernoulli_tensor_cpu_self_", target._data.dtype)
    p.detach().expand(target._data.shape)
    if probabilities.dtype.kind != "f":
        raise not_implemented("bernoulli_tensor_cpu_p_", probabilities.dtype)
    if not ((probabilities >= 0) & (probabilities <= 1)).all():  # NaN is out of range too
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                           "message be improved?  If so, please report an enhancement request to PyTorch.)")


def bernoulli_values(layout, generator, p):
    return draws.bernoulli_scalar(generator, layout.count, p)


def bernoulli_tensor_values(layout, generator, probabilities):
    return draws.bernoulli_tensor(generator, layout.flat(np.broadcast_to(probabilities, layout.shape)))


def exponential_(self, lambd=1.0, *, generator=None):
    if not lambd > 0:  # NaN refused, infinity accepted (all zeros)
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={cpp_number(lambd)}")
    dtype = self._data.dtype
    if self._data.size and dtype.kind != "f":
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_FROM_NUMPY[dtype].scalar_type_name}")
    return drawn_like(self, ExponentialBackward0, exponential_values, float(lambd), generator=generator)


def exponential_values(layout, generator, rate):
    return draws.exponential(generator, layout.count, rate)


def geometric_(self, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={cpp_number(p)}")
    dtype = self._data.dtype
    if self._data.size and dtype.kind not in "fiu":
        raise not_implemented("geometric_cpu", dtype)
    return drawn_like(self, GeometricBackward0, _geometric, float(p), generator=generator)


def _geometric(layout, generator, p):
    return draws.geometric(generator, layout.count, p)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={cpp_number(sigma)}")
    dtype = self._data.dtype
    if dtype.kind != "f":
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {_FROM_NUMPY[dtype].cpp_name}")
    return drawn_like(self, CauchyBackward0, _cauchy, float(median), float(sigma), generator=generator)


def _cauchy(layout, generator, median, sigma):
    return draws.cauchy(generator, layout.count, median, sigma)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={cpp_number(std)}")
    dtype = self._data.dtype
    if self._data.size and dtype.kind != "f":
        raise not_implemented("log_normal_cpu", dtype)
    return drawn_like(self, LogNormalBackward0, _log_normal, float(mean), float(std), generator=generator)


def _log_normal(layout, generator, mean, std):
    return draws.log_normal(generator, layout.count, mean, std)
