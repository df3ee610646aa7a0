"""Floating-point steps PyTorch's CPU samplers take, reproduced exactly in NumPy.

- libm: PyTorch's scalar samplers call the C library's ``log``, ``log1p``, ``exp``, ``tan``, ``sin``
  and ``cos`` in double precision. NumPy's vectorised versions differ from glibc's in the last bit
  for a fraction of a percent of inputs, so these go through Python's ``math`` module, which calls
  the same C library (``lgamma``, which CPython implements itself, is loaded from it with ctypes).
- Fused multiply-add: PyTorch's x86-64 build fuses ``a * b + c`` in its samplers. For float32 the
  product is exact in float64 (see ``vector_math``); for float64 an error-free product and sum with
  round-to-odd (Boldo and Melquiond) give the once-rounded result.
"""

import ctypes
import ctypes.util
import math

import numpy as np

__all__ = ["libm", "lgamma", "fma64", "fma32"]


def libm(function, values):
    """``function`` (from ``math``) of each float64 in ``values``, as a float64 array of the same shape."""
    values = np.asarray(values, dtype=np.float64)
    flat = np.fromiter(map(function, values.ravel().tolist()), dtype=np.float64, count=values.size)
    return flat.reshape(values.shape)


def _c_lgamma():
    path = ctypes.util.find_library("m")
    try:
        function = ctypes.CDLL(path).lgamma
    except (OSError, AttributeError, TypeError):
        return math.lgamma
    function.restype = ctypes.c_double
    function.argtypes = [ctypes.c_double]
    return function


lgamma = _c_lgamma()

_SPLITTER = 134217729.0  # 2**27 + 1: Veltkamp's split of a double into two 26-bit halves


def _split(a):
    scaled = a * _SPLITTER
    high = scaled - (scaled - a)
    return high, a - high


def _two_product(a, b):
    """``a * b == product + error`` exactly (no overflow assumed)."""
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def _two_sum(a, b):
    """``a + b == total + error`` exactly."""
    total = a + b
    b_virtual = total - a
    error = (a - (total - b_virtual)) + (b - b_virtual)
    return total, error


def _round_to_odd_sum(a, b):
    """``a + b`` rounded to the neighbour whose last bit is 1 when it is not exact."""
    total, error = _two_sum(a, b)
    bits = total.view(np.int64)
    even = (bits & 1) == 0
    inexact = error != 0
    toward = np.where(np.signbit(error) == np.signbit(total), 1, -1)
    adjusted = np.where(inexact & even, bits + toward, bits)
    return adjusted.view(np.float64)


def fma64(a, b, c):
    """``a * b + c`` on float64 arrays (or numbers) with one rounding."""
    if np.ndim(b) == 0 and math.frexp(float(b))[0] in (0.0, 0.5, -0.5):
        return np.asarray(a, dtype=np.float64) * float(b) + c  # times a power of two is exact: one rounding
    a, b, c = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c)))
    product, product_error = _two_product(a, b)
    high, low = _two_sum(c, product)
    return high + _round_to_odd_sum(low, product_error)


_MIDPOINT_MASK = np.uint64(0x1FFFFFFF)  # the float64 mantissa bits below float32's
_MIDPOINT = np.uint64(0x10000000)  # ... when the float64 lies halfway between two float32s


def fma32(a, b, c, out=None, wide=None):
    """``a * b + c`` for float32 operands, rounded once to float32, into ``out`` (``wide``: float64 scratch).

    The product of two float32s is exact in float64, and so is rounding the float64 sum to float32
    unless that sum was inexact and landed exactly halfway between two float32s: those few (found by
    their low bits) are redone with the sum's exact error.
    """
    if out is None:
        out = np.empty(np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c)), dtype=np.float32)
    if wide is None:
        wide = np.empty(out.shape, dtype=np.float64)
    np.multiply(a, b, out=wide, dtype=np.float64)
    np.add(wide, c, out=wide)
    halfway = (wide.view(np.uint64) & _MIDPOINT_MASK) == _MIDPOINT
    if halfway.any():
        _nudge_halfway(wide, halfway, a, b, c)
    np.copyto(out, wide, casting="unsafe")
    return out


def _nudge_halfway(wide, halfway, a, b, c):
    """Move each halfway float64 sum one unit toward its exact value (if inexact), so float32 rounds right."""
    where = np.nonzero(halfway)
    pick = [np.broadcast_to(np.asarray(v, dtype=np.float64), wide.shape)[where] for v in (a, b, c)]
    total, error = _two_sum(pick[0] * pick[1], pick[2])
    nudged = np.where(error == 0, total, np.nextafter(total, np.where(error > 0, np.inf, -np.inf)))
    wide[where] = nudged
