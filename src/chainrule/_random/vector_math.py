"""The float32 logarithm, sine and cosine PyTorch's x86-64 ``normal_`` uses, reproduced bit for bit in NumPy.

On x86-64 (its AVX2 and AVX-512 builds) PyTorch turns blocks of 16 uniforms into normals with the
Cephes polynomials of Pommier's ``avx_mathfun``, not with libm, and its compiler fuses each
``a * b + c`` there into one fused multiply-add. Every step is an IEEE float32 operation, so NumPy
float32 arithmetic gives the same bits; a fused multiply-add is the exact product (two float32
factors fit a float64) plus the addend, rounded to float32 (``exact_math.fma32``).

The work goes in chunks that fit the cache, reusing scratch arrays across its ~70 passes.
"""

import numpy as np

from .exact_math import fma32

__all__ = ["box_muller_blocks"]

_F32 = np.float32
_CHUNK = 1 << 13  # radius/angle pairs per pass

# avx_mathfun's constants (Cephes' single-precision coefficients), shared with ``fast``
SQRT_HALF = _F32(0.707106781186547524)
LOG_POLYNOMIAL = tuple(_F32(c) for c in (
    7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
    2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1))
LOG_Q1 = _F32(-2.12194440e-4)
LOG_Q2 = _F32(0.693359375)
SMALLEST_NORMAL = _F32(2.0 ** -126)
FOUR_OVER_PI = _F32(1.27323954473516)
MINUS_DP = (_F32(-0.78515625), _F32(-2.4187564849853515625e-4), _F32(-3.77489497744594108e-8))
COS_POLYNOMIAL = (_F32(2.443315711809948E-005), _F32(-1.388731625493765E-003), _F32(4.166664568298827E-002))
SIN_POLYNOMIAL = (_F32(-1.9515295891E-4), _F32(8.3321608736E-3), _F32(-1.6666654611E-1))
TWO_PI = _F32(2.0 * np.pi)


class _Scratch:
    """Temporaries for one chunk of ``size`` pairs."""

    def __init__(self, size):
        self.wide = np.empty(size, dtype=np.float64)
        self.f = [np.empty(size, dtype=_F32) for _ in range(6)]
        self.i = [np.empty(size, dtype=np.int32) for _ in range(3)]
        self.mask = np.empty(size, dtype=bool)

    def first(self, size):
        """The same scratch cut to a shorter last chunk."""
        if size == self.wide.size:
            return self
        part = _Scratch.__new__(_Scratch)
        part.wide, part.mask = self.wide[:size], self.mask[:size]
        part.f = [a[:size] for a in self.f]
        part.i = [a[:size] for a in self.i]
        return part


def _log(u, out, s):
    """``log256_ps``: the natural logarithm of positive float32 ``u``, into ``out``."""
    wide, (exponent, kept, z, y, _, _), (bits, _, _) = s.wide, s.f, s.i
    x = out
    np.maximum(u, SMALLEST_NORMAL, out=x)  # denormals are cut off
    x_bits = x.view(np.int32)
    np.right_shift(x_bits, 23, out=bits)  # the biased exponent (the sign bit is clear)
    np.bitwise_and(x_bits, ~0x7F800000, out=x_bits)
    np.bitwise_or(x_bits, 0x3F000000, out=x_bits)  # the mantissa, in [0.5, 1)
    np.subtract(bits, 126, out=bits)  # unbiased, plus the one the code adds after converting
    exponent[...] = bits
    below = np.less(x, SQRT_HALF, out=s.mask)
    np.multiply(x, below, out=kept)  # x where x < sqrt(1/2), else 0
    np.subtract(x, _F32(1), out=x)
    np.subtract(exponent, below, out=exponent, casting="unsafe")
    np.add(x, kept, out=x)
    np.multiply(x, x, out=z)
    y.fill(LOG_POLYNOMIAL[0])
    for coefficient in LOG_POLYNOMIAL[1:]:
        fma32(y, x, coefficient, y, wide)
    np.multiply(y, x, out=y)
    np.multiply(exponent, LOG_Q1, out=kept)
    fma32(y, z, kept, y, wide)
    np.multiply(z, _F32(-0.5), out=z)  # exact, so the fused y - z / 2 is this plain sum
    np.add(y, z, out=y)
    np.add(x, y, out=x)
    return fma32(exponent, LOG_Q2, x, out, wide)


def _sincos(theta, sine, cosine, s):
    """``sincos256_ps`` of float32 ``theta >= 0``, into ``sine`` and ``cosine``."""
    wide, (whole, x, z, cos_part, sin_part, half_z), (octant, sine_sign, cosine_sign) = s.wide, s.f, s.i
    np.multiply(theta, FOUR_OVER_PI, out=whole)
    octant[...] = whole  # truncation toward zero
    np.add(octant, 1, out=octant)
    np.bitwise_and(octant, ~1, out=octant)  # j = (j + 1) & ~1
    whole[...] = octant
    np.bitwise_and(octant, 4, out=sine_sign)
    np.left_shift(sine_sign, 29, out=sine_sign)
    np.subtract(octant, 2, out=cosine_sign)
    np.invert(cosine_sign, out=cosine_sign)
    np.bitwise_and(cosine_sign, 4, out=cosine_sign)
    np.left_shift(cosine_sign, 29, out=cosine_sign)
    np.bitwise_and(octant, 2, out=octant)
    sine_polynomial = np.equal(octant, 0, out=s.mask)
    np.copyto(x, theta)
    for step in MINUS_DP:  # the extended-precision reduction by pi/4
        fma32(whole, step, x, x, wide)
    np.multiply(x, x, out=z)
    cos_part.fill(COS_POLYNOMIAL[0])
    fma32(cos_part, z, COS_POLYNOMIAL[1], cos_part, wide)
    fma32(cos_part, z, COS_POLYNOMIAL[2], cos_part, wide)
    np.multiply(cos_part, z, out=cos_part)
    np.multiply(z, _F32(-0.5), out=half_z)
    fma32(cos_part, z, half_z, cos_part, wide)
    np.add(cos_part, _F32(1), out=cos_part)
    sin_part.fill(SIN_POLYNOMIAL[0])
    fma32(sin_part, z, SIN_POLYNOMIAL[1], sin_part, wide)
    fma32(sin_part, z, SIN_POLYNOMIAL[2], sin_part, wide)
    np.multiply(sin_part, z, out=sin_part)
    fma32(sin_part, x, x, sin_part, wide)
    np.copyto(sine, cos_part)
    np.copyto(sine, sin_part, where=sine_polynomial)
    np.copyto(cosine, sin_part)
    np.copyto(cosine, cos_part, where=sine_polynomial)
    np.bitwise_xor(sine.view(np.int32), sine_sign, out=sine.view(np.int32))
    np.bitwise_xor(cosine.view(np.int32), cosine_sign, out=cosine.view(np.int32))


def box_muller_blocks(uniforms, mean, std, out):
    """PyTorch's x86-64 normal transform of float32 ``uniforms`` (a multiple of 16 long), into ``out``.

    In each block of 16, uniform ``j < 8`` gives a radius from ``1 - u`` and uniform ``j + 8`` an angle;
    the block's first half becomes ``radius * cos``, its second half ``radius * sin``, each then
    ``* std + mean`` fused.
    """
    blocks = uniforms.reshape(-1, 16)
    results = out.reshape(-1, 16)
    per_chunk = max(_CHUNK // 8, 1)
    scratch = _Scratch(per_chunk * 8)
    mean, std = _F32(mean), _F32(std)
    for start in range(0, blocks.shape[0], per_chunk):
        chunk = blocks[start:start + per_chunk]
        _chunk_normals(chunk, mean, std, results[start:start + per_chunk], scratch.first(chunk.shape[0] * 8))
    return out


def _chunk_normals(chunk, mean, std, results, s):
    count = chunk.shape[0] * 8
    radius = np.subtract(_F32(1), chunk[:, :8]).reshape(count)
    _log(radius, radius, s)
    np.multiply(radius, _F32(-2), out=radius)
    np.sqrt(radius, out=radius)
    theta = np.multiply(chunk[:, 8:], TWO_PI).reshape(count)
    sine = np.empty(count, dtype=_F32)
    cosine = np.empty(count, dtype=_F32)
    _sincos(theta, sine, cosine, s)
    for half, values in ((slice(0, 8), cosine), (slice(8, 16), sine)):
        np.multiply(values, radius, out=values)
        target = results[:, half]
        if std == 1:  # the fused n * 1 + mean is one float32 addition
            np.add(values.reshape(-1, 8), mean, out=target)
        else:
            fma32(values.reshape(-1, 8), std, mean, target, s.wide.reshape(-1, 8))
