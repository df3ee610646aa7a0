"""From a generator's raw words to values of each distribution, as PyTorch's CPU kernels make them.

Each function draws ``count`` values for PyTorch's iteration order (the caller lays them out in
memory order) and returns a NumPy array. Which words a value consumes, and how they become it, is
PyTorch's: a float32 or float16 uniform takes the low 24 bits of one 32-bit word, a float64 one the
low 53 bits of a 64-bit value made of two words; ``normal_`` on 16 or more contiguous elements uses
Box-Muller on blocks of 16 uniforms (vectorised on x86-64, see ``vector_math``), on fewer a scalar
Box-Muller in double precision whose second value is cached in the generator; the scalar samplers
(exponential, Cauchy, ...) compute in double precision with the C library's functions.
"""

import math

import numpy as np

from . import fast
from .exact_math import fma32, fma64, libm, lgamma
from .vector_math import box_muller_blocks

__all__ = ["uniform", "normal", "random_integers", "random_full_range", "random_default", "bernoulli_scalar",
           "bernoulli_tensor", "exponential", "geometric", "cauchy", "log_normal", "poisson", "permutation",
           "uniform_doubles", "uniform_floats",
           "multinomial_with_replacement", "multinomial_by_exponentials"]

_MASK24 = np.uint32(0xFFFFFF)
_MASK53 = np.uint64((1 << 53) - 1)
_SCALE24 = np.float32(2.0 ** -24)
_SCALE53 = 2.0 ** -53
_TWO_PI = 2.0 * math.pi
_CHUNK = 1 << 15


def uniform_floats(generator, count):
    """float32 uniforms in [0, 1): 24 bits of one word each (converted in the words' own memory: a fresh
    array's first touch costs as much as the conversion)."""
    words = generator.uint32(count)
    words &= _MASK24
    out = words.view(np.float32)
    np.copyto(out, words.view(np.int32), casting="unsafe")
    out *= _SCALE24
    return out


def uniform_doubles(generator, count):
    """float64 uniforms in [0, 1): 53 bits of one 64-bit value (two words) each."""
    values = generator.uint64(count)
    values &= _MASK53
    out = values.view(np.float64)
    np.copyto(out, values.view(np.int64), casting="unsafe")
    out *= _SCALE53
    return out


def uniform(generator, count, dtype, low, high):
    """``uniform_(low, high)``: ``u * (high - low) + low`` fused, a value rounding up to ``high`` becoming ``low``.

    float16 is computed in float32 (PyTorch's opmath type) and then rounded.
    """
    if dtype == np.float64:
        values = uniform_doubles(generator, count)
        if not (low == 0 and high == 1):
            for part in _chunks(values):
                part[...] = fma64(part, high - low, low)
            values[values == high] = low
        return values
    values = uniform_floats(generator, count)
    if low == 0 and high == 1 and dtype == np.float32:
        return values  # below 1 already
    low32, high32 = np.float32(low), np.float32(high)
    if not (low == 0 and high == 1):
        wide = np.empty(min(count, _CHUNK), dtype=np.float64)
        for part in _chunks(values):
            fma32(part, high32 - low32, low32, out=part, wide=wide[:part.size])
    if dtype == np.float32:
        values[values == high32] = low32
        return values
    values = values.astype(dtype)
    values[values == np.array(high, dtype=dtype)] = np.array(low, dtype=dtype)
    return values


def _chunks(values):
    """Cache-sized pieces of a flat array, for arithmetic that makes several temporaries per element."""
    return (values[start:start + _CHUNK] for start in range(0, values.size, _CHUNK))


# ---------------------------------------------------------------- normal
def normal(generator, count, dtype, mean, std, contiguous):
    """``normal_(mean, std)``: the block transform for 16+ contiguous values (in ``dtype``), else the cached
    scalar one (in float64, for the caller to cast)."""
    if count >= 16 and contiguous:
        return _normal_blocks(generator, count, dtype, mean, std)
    return _scalar_normals(generator, count, mean, std)


def _normal_blocks(generator, count, dtype, mean, std):
    """Blocks of 16: all ``count`` uniforms first, then, if ``count % 16``, 16 fresh ones for the last 16
    values (float16 draws only whole blocks before those 16)."""
    whole = count - count % 16
    if dtype == np.float64:
        values = _double_blocks(generator.uint64(count)[:whole], mean, std)
        if whole == count:
            return values
        out = np.empty(count, dtype=np.float64)
        out[:whole] = values
        out[count - 16:] = _double_blocks(generator.uint64(16), mean, std)
        return out
    words = generator.uint32(count if dtype == np.float32 else whole)
    values = _float_blocks(words[:whole], mean, std)
    if whole == count and dtype == np.float32:
        return values
    out = np.empty(count, dtype=dtype)
    out[:whole] = values
    if whole != count:
        out[count - 16:] = _float_blocks(generator.uint32(16), mean, std)
    return out


def _float_blocks(words, mean, std):
    """float32 normals from uint32 words, 16 at a time (PyTorch's AVX transform)."""
    mean, std = np.float32(mean), np.float32(std)
    kernel = fast.normal_float32_kernel() if words.size >= fast.MIN_ELEMENTS else None
    if kernel is not None:
        return kernel(np.ascontiguousarray(words), mean, std)
    words = words & _MASK24
    uniforms = np.multiply(words, _SCALE24, dtype=np.float32)
    return box_muller_blocks(uniforms, mean, std, np.empty_like(uniforms))


def _double_blocks(words, mean, std):
    """float64 normals from uint64 values, 16 at a time: the scalar transform with libm's log, cos, sin."""
    kernel = fast.normal_float64_kernel() if words.size >= fast.MIN_ELEMENTS else None
    if kernel is not None:
        return kernel(np.ascontiguousarray(words), float(mean), float(std))
    uniforms = (words & _MASK53).astype(np.float64) * _SCALE53
    blocks = uniforms.reshape(-1, 16)
    radius = np.sqrt(-2.0 * libm(math.log, 1.0 - blocks[:, :8]))
    theta = _TWO_PI * blocks[:, 8:]
    out = np.empty_like(blocks)
    out[:, :8] = fma64(radius * libm(math.cos, theta), std, mean)
    out[:, 8:] = fma64(radius * libm(math.sin, theta), std, mean)
    return out.reshape(-1)


def _scalar_normals(generator, count, mean, std):
    """Box-Muller in double precision, one pair per two values: ``r * cos`` is returned, ``r * sin`` cached
    in the generator for the next value (whatever its mean and std)."""
    values = np.empty(count, dtype=np.float64)
    if count == 0:
        return values
    start = 0
    if generator.next_double_normal is not None:
        values[0] = generator.next_double_normal
        generator.next_double_normal = None
        start = 1
    pairs = (count - start + 1) // 2
    uniforms = uniform_doubles(generator, 2 * pairs).reshape(pairs, 2)
    radius = np.sqrt(-2.0 * libm(math.log1p, -uniforms[:, 1]))
    theta = _TWO_PI * uniforms[:, 0]
    fresh = np.empty((pairs, 2))
    fresh[:, 0] = radius * libm(math.cos, theta)
    fresh[:, 1] = radius * libm(math.sin, theta)
    fresh = fresh.reshape(-1)
    values[start:] = fresh[:count - start]
    if fresh.size > count - start:
        generator.next_double_normal = float(fresh[-1])
    return fma64(values, std, mean)


# ---------------------------------------------------------------- integers
_WIDE_RANGE_TYPES = (np.int64, np.float64, np.float32)  # and bfloat16: these take 64-bit draws for wide ranges


def _to_dtype(values_int64, dtype):
    """PyTorch's ``static_cast`` of int64 results: wrapping for narrower integers, nonzero for bool."""
    if dtype == np.bool_:
        return values_int64 != 0
    return values_int64.astype(dtype, copy=False)


def random_integers(generator, count, dtype, low, span):
    """``random_(low, low + span)``: ``word % span + low`` (in 64-bit arithmetic that wraps), from 64-bit
    draws when the span needs them."""
    if span >= 1 << 32 and dtype in _WIDE_RANGE_TYPES:
        words = generator.uint64(count)
        words %= np.uint64(span)
        words += np.uint64(low % (1 << 64))
        return _to_dtype(words.view(np.int64), dtype)
    words = generator.uint32(count)
    words %= np.uint32(span)  # below 2**32 here: the sum cannot wrap
    values = words.astype(np.int64)
    values += low
    return _to_dtype(values, dtype)


def random_full_range(generator, count, dtype):
    """``random_(-2**63, None)``: every 64-bit value."""
    return _to_dtype(generator.uint64(count).view(np.int64), dtype)


_DEFAULT_SPANS = {np.dtype(t): span for t, span in (
    (np.bool_, 2), (np.uint8, 1 << 8), (np.int8, 1 << 7), (np.int16, 1 << 15), (np.int32, 1 << 31), (np.int64, 1 << 63),
    (np.float16, (1 << 11) + 1), (np.float32, (1 << 24) + 1), (np.float64, (1 << 53) + 1))}


def random_default(generator, count, dtype):
    """``random_()``: ``[0, 2**bits)`` for integers (``2**mantissa`` inclusive for floats)."""
    if dtype in (np.int64, np.float64):
        words = generator.uint64(count)
    else:
        words = generator.uint32(count).astype(np.uint64)
    words %= np.uint64(_DEFAULT_SPANS[np.dtype(dtype)])
    return _to_dtype(words.view(np.int64), dtype)


# ---------------------------------------------------------------- samplers on double uniforms
def bernoulli_scalar(generator, count, p):
    """``bernoulli_(p)``: a double uniform below ``p``."""
    return uniform_doubles(generator, count) < p


def bernoulli_tensor(generator, probabilities):
    """``bernoulli_(p_tensor)``, one uniform per element: double ones against float64 ``p``, float32 ones
    against any other floating ``p`` (compared in float32)."""
    flat = probabilities.reshape(-1)
    if probabilities.dtype == np.float64:
        return uniform_doubles(generator, flat.size) < flat
    return uniform_floats(generator, flat.size) < flat.astype(np.float32)


def exponential(generator, count, rate):
    """``exponential_(rate)``: ``-1 / rate * log1p(-u)``."""
    return (-1.0 / rate) * libm(math.log1p, -uniform_doubles(generator, count))


def geometric(generator, count, p):
    """``geometric_(p)``: ``ceil(log(u) / log(1 - p))``, the number of trials to the first success."""
    return np.ceil(libm(_log_or_minus_inf, uniform_doubles(generator, count)) / math.log(1.0 - p))


def _log_or_minus_inf(value):
    return math.log(value) if value > 0 else -math.inf


def cauchy(generator, count, median, sigma):
    """``cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 1/2))``, the multiply-add fused."""
    tangent = libm(math.tan, math.pi * (uniform_doubles(generator, count) - 0.5))
    return fma64(sigma, tangent, median)


def log_normal(generator, count, mean, std):
    """``log_normal_(mean, std)``: ``exp`` of the scalar normal (sharing its cached second value)."""
    return libm(math.exp, _scalar_normals(generator, count, mean, std))


# ---------------------------------------------------------------- samplers taking a varying number of draws
class _UniformStream:
    """Double uniforms one at a time for a sampler that takes as many as it needs, drawn in batches;
    ``close`` leaves the generator just past the ones taken."""

    def __init__(self, generator, batch):
        self.generator = generator
        self.start = generator._bits.state
        self.batch = max(batch, 64)
        self.values = []
        self.taken = 0

    def __call__(self):
        if self.taken == len(self.values):
            self.values.extend(uniform_doubles(self.generator, self.batch).tolist())
            self.batch *= 2
        value = self.values[self.taken]
        self.taken += 1
        return value

    def close(self):
        self.generator._bits.state = self.start
        self.generator.uint32(2 * self.taken)


def poisson(generator, rates):
    """``torch.poisson``: per rate, multiplied uniforms below 10, Hoermann's transformed rejection from 10."""
    flat = np.asarray(rates, dtype=np.float64).reshape(-1)
    stream = _UniformStream(generator, int(min(flat.sum(), 1e7)) + 2 * flat.size)
    try:
        counts = [_poisson_one(rate, stream) for rate in flat.tolist()]
    finally:
        stream.close()
    return np.array(counts, dtype=np.float64)


def _poisson_one(rate, uniform):
    if rate >= 10:
        return _poisson_rejection(rate, uniform)
    if rate == 0:
        return 0
    limit = math.exp(-rate)
    count, product = 0, 1.0
    while True:
        product *= uniform()
        if product <= limit:
            return count
        count += 1


def _poisson_rejection(rate, uniform):
    """Hoermann's PTRS (1993), step for step as PyTorch (and NumPy's legacy sampler) take it."""
    root = math.sqrt(rate)
    log_rate = math.log(rate)
    b = 0.931 + 2.53 * root
    a = -0.059 + 0.02483 * b
    inverse_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = uniform() - 0.5
        v = uniform()
        u_s = 0.5 - abs(u)
        k = math.floor((2 * a / u_s + b) * u + rate + 0.43)
        if u_s >= 0.07 and v <= v_r:
            return k
        if k < 0 or (u_s < 0.013 and v > u_s):
            continue
        if (math.log(v) + math.log(inverse_alpha) - math.log(a / (u_s * u_s) + b)
                <= -rate + k * log_rate - lgamma(k + 1.0)):
            return k


def permutation(generator, n):
    """``randperm(n)``: Fisher-Yates from the front, swapping position ``i`` with ``i + word % (n - i)``."""
    if n < 2:
        return np.arange(n, dtype=np.int64)
    offsets = generator.uint32(n - 1) % np.arange(n, 1, -1, dtype=np.uint32)
    kernel = fast.permutation_kernel() if n >= fast.MIN_ELEMENTS else None
    if kernel is not None:
        return kernel(offsets.astype(np.int64))
    order = list(range(n))
    for i, offset in enumerate(offsets.tolist()):
        j = i + offset
        order[i], order[j] = order[j], order[i]
    return np.array(order, dtype=np.int64)


# ---------------------------------------------------------------- multinomial
def multinomial_with_replacement(generator, weights, samples):
    """Per row: the cumulative weights in the row's dtype (float32 for float16), divided by their sum,
    the last set to 1; each of ``samples`` double uniforms picks the first bucket reaching it."""
    accumulate = np.float32 if weights.dtype == np.float16 else weights.dtype
    rows = weights.reshape(-1, weights.shape[-1])
    picks = np.empty((rows.shape[0], samples), dtype=np.int64)
    for r, row in enumerate(rows):
        cumulative = np.cumsum(row, dtype=accumulate)
        cumulative /= cumulative[-1]
        cumulative[-1] = 1
        picks[r] = np.searchsorted(cumulative, uniform_doubles(generator, samples), side="left")
    return picks.reshape(weights.shape[:-1] + (samples,))


def multinomial_by_exponentials(generator, weights, samples):
    """Without replacement (or one sample): the ``samples`` largest ``weight / Exp(1)`` per row, largest
    first, the exponentials drawn in the weights' dtype."""
    noise = exponential(generator, weights.size, 1.0).astype(weights.dtype).reshape(weights.shape)
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero exponential (a zero uniform), silently
        keys = weights / noise
    keys[np.isnan(keys)] = np.inf  # 0 / 0 ranks first, as PyTorch's topk ranks NaN
    if samples == 1:
        return np.argmax(keys, axis=-1)[..., None]
    order = np.argsort(-keys, axis=-1, kind="stable")
    return order[..., :samples]
