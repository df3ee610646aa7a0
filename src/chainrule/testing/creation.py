"""``make_tensor``: a tensor of random values for tests, drawn as PyTorch draws them (uniform floats in
[-9, 9), integers in [-9, 10) by default), so the same seed gives the same tensor."""

import math

import numpy as np

from .. import _dtype
from .._creation import empty
from .._random import randint

__all__ = ["make_tensor"]


def _bounds(low, high, lowest, highest, default_low, default_high):
    low = default_low if low is None else low
    high = default_high if high is None else high
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, float) and math.isnan(value):
            raise ValueError(f"`{name}` cannot be NaN, but got {name}={value}")
    if low > high:
        raise ValueError(f"`low` must be less than or equal to `high`, but got {low} > {high}")
    return max(low, lowest), min(high, highest)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` and ``dtype`` filled with random values in ``[low, high)``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(shape)
    if noncontiguous and shape:
        shape = shape[:-1] + (2 * shape[-1],)
    if dtype is _dtype.bool_:
        low, high = _bounds(low, high, 0, 2, 0, 2)
        result = randint(int(low), int(high), shape, dtype=dtype)
    elif dtype.category == _dtype.INTEGER:
        info = np.iinfo(dtype.np)
        low, high = _bounds(low, high, int(info.min), int(info.max) + (1 if dtype is not _dtype.int64 else 0), -9, 10)
        result = randint(math.ceil(low), math.ceil(high), shape, dtype=dtype)
    elif dtype.is_floating_point or dtype.is_complex:
        info = np.finfo(dtype.to_real().np)
        low, high = _bounds(low, high, float(info.min), float(info.max), -9, 9)
        result = empty(shape, dtype=dtype)
        real = result.view_as_real() if dtype.is_complex else result
        if high - low >= float(info.max):
            real.uniform_(low / 2, high / 2).mul_(2)
        else:
            real.uniform_(low, high)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by chainrule.testing.make_tensor().")
    if noncontiguous and shape:
        result = result[..., 1::2]
    if exclude_zero:
        result[result == 0] = 1 if dtype.category in (_dtype.BOOL, _dtype.INTEGER) else \
            float(np.finfo(dtype.to_real().np).tiny)
    if dtype.is_floating_point or dtype.is_complex:
        result.requires_grad = requires_grad
    return result
