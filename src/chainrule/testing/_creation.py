"""``make_tensor``: a random tensor for tests, drawn as PyTorch draws it (so a seed gives PyTorch's values):
integers from ``randint``, floating values from ``uniform_`` on [low, high)."""

import math
import warnings

from .._array import NUMPY
from .._creation import empty
from .._dtype import bool_, to_dtype
from .._ops.complex import view_as_real
from .._random.factories import randint

__all__ = ["make_tensor"]


def _limits(d, low, high, lowest, highest_exclusive, default_low, default_high, integral):
    """``low`` and ``high`` checked, clamped to what the dtype holds, rounded up for integral dtypes."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(value, float) and math.isnan(value) for value in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and not integral:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is "
                      "deprecated since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.",
                      FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest_exclusive:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {d} only supports [{lowest}, {highest_exclusive})")
    low = min(max(low, lowest), highest_exclusive)
    high = min(max(high, lowest), highest_exclusive)
    return (math.ceil(low), math.ceil(high)) if integral else (low, high)


def _uniform(t, low, high):
    """``uniform_(low, high)``, halved and doubled when the width would overflow the dtype."""
    if high - low >= float(NUMPY.finfo(t.dtype.np).max):
        return t.uniform_(low / 2, high / 2).mul_(2)
    return t.uniform_(low, high)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` with values in [low, high) (defaults: [-9, 10) for integers, [-9, 9) for
    floating types, {0, 1} for bool). ``noncontiguous`` gives a strided view; ``exclude_zero`` replaces
    zeros by 1 (integers) or the dtype's smallest normal number."""
    d = to_dtype(dtype)
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
                         f"noncontiguous={noncontiguous} and memory_format={memory_format}")
    integral = not (d.is_floating_point or d.is_complex)
    if requires_grad and integral:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got dtype={d}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:
        shape = shape[:-1] + (2 * shape[-1],)
    if d is bool_:
        low, high = _limits(d, low, high, 0, 2, 0, 2, True)
        result = randint(low, high, shape, dtype=d)
    elif integral:
        info = NUMPY.iinfo(d.np)
        highest = int(info.max) + (1 if d.name != "int64" else 0)
        low, high = _limits(d, low, high, int(info.min), highest, -9, 10, True)
        result = randint(low, high, shape, dtype=d)
    else:
        info = NUMPY.finfo(d.np)
        low, high = _limits(d, low, high, float(info.min), float(info.max), -9, 9, False)
        result = empty(shape, dtype=d)
        _uniform(view_as_real(result) if d.is_complex else result, low, high)
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if integral else float(NUMPY.finfo(d.np).tiny)
    if not integral:
        result.requires_grad = requires_grad
    return result
