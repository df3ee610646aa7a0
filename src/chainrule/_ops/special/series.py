"""What the special-function kernels share: float64 evaluation, polynomial and Chebyshev sums, piecewise
definitions, and sin/cos of ``pi * x`` without the rounding of ``pi * x``.

Every kernel works on a flat float64 array of its input's namespace (``in_float64``) and returns the
result in the input's dtype: float32 and float16 inputs get float64's accuracy rounded once at the
end, as PyTorch's results are within a few units of the exact value too. On the CPU a large array is
taken in chunks of 65536 elements: a kernel makes dozens of temporaries, and at that size they stay
in the cache instead of being fresh memory each time (two to four times faster). Every kernel is
elementwise, so the chunks give the same bits as one call.
"""

import math

from ..._array import namespace_of
from ..._exact_arithmetic import two_product

__all__ = ["in_float64", "horner", "chebyshev", "on_interval", "piecewise", "sinpi", "cospi", "is_integer",
           "two_product"]


CHUNK = 65536


def in_float64(kernel):
    """``kernel(xp, *arrays)`` on its operands broadcast, flattened and in float64; the result reshaped and cast
    back to the first operand's dtype (the operands of a function of two arrays share one dtype)."""

    def apply(*operands):
        xp = namespace_of(operands[0])
        shape, dtype = xp.broadcast_shapes(*(x.shape for x in operands)), operands[0].dtype
        flats = [xp.broadcast_to(x, shape).reshape(-1).astype(xp.float64) for x in operands]
        size = flats[0].size
        if size <= CHUNK or xp.device_type != "cpu":
            result = xp.elementwise_kernel(kernel, *flats)
        else:
            result = xp.empty_like(flats[0])
            for start in range(0, size, CHUNK):
                result[start:start + CHUNK] = xp.elementwise_kernel(kernel, *(f[start:start + CHUNK] for f in flats))
        return result.reshape(shape).astype(dtype, copy=False)

    apply.__name__ = apply.__qualname__ = kernel.__name__
    apply.__doc__ = kernel.__doc__
    return apply


def horner(coefficients, z):
    """``sum(c[k] * z**k)`` for the coefficients lowest power first (``z`` an array)."""
    total = z * coefficients[-1]
    total += coefficients[-2]
    for c in reversed(coefficients[:-2]):
        total *= z
        total += c
    return total


def chebyshev(coefficients, t):
    """``sum(c[k] * T_k(t))`` by Clenshaw's recurrence, for ``t`` in [-1, 1] (``c[0]`` counted once)."""
    twice = 2 * t
    b1 = 0 * t
    b2 = 0 * t
    for c in reversed(coefficients[1:]):
        b1, b2 = twice * b1 - b2 + c, b1
    return t * b1 - b2 + coefficients[0]


def on_interval(x, lo, hi):
    """``x`` in [lo, hi] mapped linearly onto [-1, 1], the argument of a Chebyshev table for that interval."""
    return (2 * x - (lo + hi)) / (hi - lo)


def piecewise(xp, x, pieces, default=math.nan):
    """``fn(x[mask])`` where ``mask`` holds, for each ``(mask, fn)``; ``default`` elsewhere.

    Each piece computes only on its own elements; a later piece wins where masks overlap.
    """
    out = xp.full(x.shape, default, dtype=x.dtype)
    for mask, fn in pieces:
        if mask.any():
            out[mask] = fn(x[mask])
    return out


def sinpi(xp, x):
    """``sin(pi * x)``, exactly 0 at integers: ``x`` is first reduced to [-1, 1] (exact in floating point)."""
    r = x - 2 * xp.round(x / 2)  # in [-1, 1], exact
    return xp.where(r == xp.round(r), 0.0 * r, xp.sin(math.pi * _fold(xp, r)))


def _fold(xp, r):
    """``r`` in [-1, 1] moved to [-1/2, 1/2] with the same sine of ``pi * r`` (sin(pi - a) = sin(a))."""
    return xp.where(r > 0.5, 1 - r, xp.where(r < -0.5, -1 - r, r))


def cospi(xp, x):
    """``cos(pi * x)``, exactly 0 at half-integers."""
    r = xp.abs(x - 2 * xp.round(x / 2))  # in [0, 1], exact; cos(pi r) = sin(pi (1/2 - r))
    return xp.where(r == 0.5, 0.0 * r, xp.sin(math.pi * (0.5 - r)))


def is_integer(xp, x):
    """Whether each element is a whole number (infinities are not)."""
    return (x == xp.floor(x)) & xp.isfinite(x)
