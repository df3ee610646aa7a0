"""numba loops for the normal transforms of large draws (``pip install -e '.[fast]'`` from a checkout).

``vector_math`` reproduces PyTorch's x86-64 float32 normal transform in ~70 NumPy passes; one
compiled loop does it in one, with the hardware's own fused multiply-add (LLVM's ``fma``, which
rounds once as PyTorch's does). The float64 transform calls the C library's ``log``, ``sin`` and
``cos`` per element from compiled code instead of through Python. Nothing here uses fast-math, so
LLVM neither reorders nor fuses anything the source does not say; the float64 loop is left alone
when numba would route math calls through Intel's SVML, whose results differ from the C library's.

numba is imported on the first large draw (``MIN_ELEMENTS``), never by ``import chainrule``; each loop
compiles once per process, in about a second.
"""

import math

import numpy as np

from .vector_math import (COS_POLYNOMIAL, FOUR_OVER_PI, LOG_POLYNOMIAL, LOG_Q1, LOG_Q2, MINUS_DP, SIN_POLYNOMIAL,
                          SMALLEST_NORMAL, SQRT_HALF, TWO_PI)

__all__ = ["MIN_ELEMENTS", "normal_float32_kernel", "normal_float64_kernel", "permutation_kernel"]

MIN_ELEMENTS = 1 << 16  # below this the NumPy path is quick enough, and no compile is ever paid

_state = {}  # "numba" -> module or None; kernel name -> compiled loop


def _numba():
    if "numba" not in _state:
        try:
            import numba
        except ImportError:
            numba = None
        _state["numba"] = numba
    return _state["numba"]


def _intrinsics(numba):
    """Single-rounding multiply-add and float32 <-> int32 bit casts, as LLVM instructions."""
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def fused(typingctx, a, b, c):
        def codegen(context, builder, signature, args):
            return builder.fma(*args)

        return a(a, a, a), codegen  # the addend and factor are cast to the first factor's type

    @intrinsic
    def float_bits(typingctx, x):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(types.int32))

        return types.int32(x), codegen

    @intrinsic
    def bits_float(typingctx, x):  # the low 32 bits of an integer, read as a float32
        def codegen(context, builder, signature, args):
            word = builder.trunc(args[0], context.get_value_type(types.int32)) if x.bitwidth > 32 else args[0]
            return builder.bitcast(word, context.get_value_type(types.float32))

        return types.float32(x), codegen

    return fused, float_bits, bits_float


def _float32_kernel(jit, fma, float_bits, bits_float):
    """The float32 transform as scalar code over the intrinsics, compiled with ``jit``."""
    f = np.float32
    one, half, zero, minus_two, scale = f(1), f(0.5), f(0), f(-2), f(2.0 ** -24)
    p0, p1, p2, p3, p4, p5, p6, p7, p8 = LOG_POLYNOMIAL
    dp1, dp2, dp3 = MINUS_DP
    c0, c1, c2 = COS_POLYNOMIAL
    s0, s1, s2 = SIN_POLYNOMIAL
    sqrt_half, smallest, q1, q2, four_over_pi, two_pi = SQRT_HALF, SMALLEST_NORMAL, LOG_Q1, LOG_Q2, FOUR_OVER_PI, TWO_PI

    @jit
    def log256(x):
        x = max(x, smallest)
        bits = float_bits(x)
        exponent = f((bits >> 23) - 127) + one
        x = bits_float((bits & ~0x7F800000) | 0x3F000000)
        kept = zero
        if x < sqrt_half:
            kept = x
            exponent = exponent - one
        x = x - one
        x = x + kept
        z = x * x
        y = fma(fma(fma(fma(fma(fma(fma(fma(p0, x, p1), x, p2), x, p3), x, p4), x, p5), x, p6), x, p7), x, p8)
        y = y * x
        y = fma(y, z, exponent * q1)
        y = fma(z, -half, y)
        x = x + y
        return fma(exponent, q2, x)

    @jit
    def sincos256(theta):
        octant = np.int32(theta * four_over_pi)
        octant = (octant + 1) & ~1
        whole = f(octant)
        sine_sign = (octant & 4) << 29
        cosine_sign = (~(octant - 2) & 4) << 29
        x = fma(whole, dp3, fma(whole, dp2, fma(whole, dp1, theta)))
        z = x * x
        cos_part = fma(fma(fma(c0, z, c1), z, c2) * z, z, -(z * half)) + one
        sin_part = fma(fma(fma(s0, z, s1), z, s2) * z, x, x)
        sine_polynomial = (octant & 2) == 0
        sine = sin_part if sine_polynomial else cos_part
        cosine = cos_part if sine_polynomial else sin_part
        return (bits_float(float_bits(sine) ^ sine_sign), bits_float(float_bits(cosine) ^ cosine_sign))

    @jit
    def kernel(words, mean, std):
        """Blocks of 16 words: in each, words j < 8 give radii and j + 8 angles; cosines fill the first half.

        The normals are written over ``words`` (returned as float32): the words are read once, into
        one array of radii and angles laid out so that the main loop runs on whole SIMD registers.
        """
        count = words.size // 2
        uniforms = np.empty(2 * count, dtype=np.float32)
        for pair in range(count):
            at = ((pair >> 3) << 4) | (pair & 7)
            uniforms[pair] = f(words[at] & 0xFFFFFF) * scale
            uniforms[count + pair] = f(words[at + 8] & 0xFFFFFF) * scale
        for pair in range(count):
            radius = np.sqrt(minus_two * log256(one - uniforms[pair]))
            sine, cosine = sincos256(two_pi * uniforms[count + pair])
            uniforms[pair] = fma(radius * cosine, std, mean)
            uniforms[count + pair] = fma(radius * sine, std, mean)
        out = words.view(np.float32)
        for pair in range(count):
            at = ((pair >> 3) << 4) | (pair & 7)
            out[at] = uniforms[pair]
            out[at + 8] = uniforms[count + pair]
        return out

    return kernel


def normal_float32_kernel():
    """``kernel(words, mean, std)``: float32 normals from uint32 words (written over them), or None
    without numba."""
    numba = _numba()
    if numba is None:
        return None
    if "float32" not in _state:
        _state["float32"] = _float32_kernel(numba.njit(error_model="numpy"), *_intrinsics(numba))
    return _state["float32"]


def normal_float64_kernel():
    """``kernel(words, mean, std)``: float64 normals from uint64 words (written over them), or None without
    numba or where numba's math goes through SVML."""
    numba = _numba()
    if numba is None or getattr(numba.config, "USING_SVML", False):
        return None
    if "float64" not in _state:
        fma, _, _ = _intrinsics(numba)
        mask, scale, two_pi = np.uint64((1 << 53) - 1), 2.0 ** -53, 2.0 * math.pi

        def kernel(words, mean, std):
            out = words.view(np.float64)
            for pair in range(words.size // 2):
                at = ((pair >> 3) << 4) | (pair & 7)  # word j < 8 of a block gives the radius, j + 8 the angle
                radius = math.sqrt(-2.0 * math.log(1.0 - float(words[at] & mask) * scale))
                theta = two_pi * (float(words[at + 8] & mask) * scale)
                out[at] = fma(radius * math.cos(theta), std, mean)
                out[at + 8] = fma(radius * math.sin(theta), std, mean)
            return out

        _state["float64"] = numba.njit(error_model="numpy")(kernel)
    return _state["float64"]


def permutation_kernel():
    """``kernel(offsets)``: the permutation from swapping position ``i`` with ``i + offsets[i]`` in turn."""
    numba = _numba()
    if numba is None:
        return None
    if "permutation" not in _state:

        def kernel(offsets):
            order = np.arange(offsets.size + 1)
            for i in range(offsets.size):
                j = i + offsets[i]
                order[i], order[j] = order[j], order[i]
            return order

        _state["permutation"] = numba.njit(kernel)
    return _state["permutation"]
