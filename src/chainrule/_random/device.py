"""Random numbers on a GPU: each distribution of the host samplers, drawn by the device's generator.

A GPU's numbers come from CuPy's generator (seeded by ``manual_seed``), not from PyTorch's Philox:
the distributions are PyTorch's, the values are not. Each draw makes uniform or normal numbers in
float32 or float64 on the device and shapes them into the distribution there; nothing is copied from
the host. A draw is ``draw(state, xp, shape, dtype, *parameters)`` with ``state`` the device's
generator (CuPy's ``random_sample``, ``standard_normal``, ``randint``, ``poisson``).
"""

import math

import numpy as np

from . import fill
from .layout import DEVICE_DRAWS, real_dtype

__all__ = ["permutation", "multinomial", "poisson"]


def _on_device(host_sampler):
    def register(draw):
        DEVICE_DRAWS[host_sampler] = draw
        return draw

    return register


def _real(dtype):
    """The float type to draw in for ``dtype`` (half precision is drawn in float32, complex as pairs)."""
    real = real_dtype(dtype) if dtype.kind == "c" else dtype
    return np.dtype(np.float64) if real == np.float64 else np.dtype(np.float32)


def _shaped(values, xp, shape, dtype):
    """``values`` (an extra trailing 2 for a complex ``dtype``) as an array of ``shape`` and ``dtype``."""
    if dtype.kind == "c":
        real = real_dtype(dtype)
        return xp.ascontiguousarray(values.astype(real)).view(dtype).reshape(shape)
    return values.astype(dtype)


def _draw_shape(shape, dtype):
    return tuple(shape) + ((2,) if dtype.kind == "c" else ())


def _uniforms(state, shape, dtype):
    return state.random_sample(_draw_shape(shape, dtype), _real(dtype))


@_on_device(fill.uniform_values)
def _uniform(state, xp, shape, dtype, low, high):
    return _shaped(low + (high - low) * _uniforms(state, shape, dtype), xp, shape, dtype)


@_on_device(fill.normal_values)
def _normal(state, xp, shape, dtype, mean, std):
    return _shaped(mean + std * state.standard_normal(_draw_shape(shape, dtype), _real(dtype)), xp, shape, dtype)


@_on_device(fill.bernoulli_values)
def _bernoulli(state, xp, shape, dtype, p):
    return (_uniforms(state, shape, np.dtype(np.float64)) < p).astype(dtype)


@_on_device(fill.bernoulli_tensor_values)
def _bernoulli_tensor(state, xp, shape, dtype, probabilities):
    return (_uniforms(state, shape, probabilities.dtype) < probabilities).astype(dtype)


@_on_device(fill.exponential_values)
def _exponential(state, xp, shape, dtype, rate):
    return (-xp.log1p(-_uniforms(state, shape, dtype)) / rate).astype(dtype)


@_on_device(fill._geometric)
def _geometric(state, xp, shape, dtype, p):
    survivals = xp.log1p(-_uniforms(state, shape, np.dtype(np.float64))) / math.log1p(-p)
    return (xp.floor(survivals) + 1).astype(dtype)


@_on_device(fill._cauchy)
def _cauchy(state, xp, shape, dtype, median, sigma):
    return (median + sigma * xp.tan(math.pi * (_uniforms(state, shape, dtype) - 0.5))).astype(dtype)


@_on_device(fill._log_normal)
def _log_normal(state, xp, shape, dtype, mean, std):
    return xp.exp(mean + std * state.standard_normal(shape, _real(dtype))).astype(dtype)


@_on_device(fill._random_range)
def _integers(state, xp, shape, dtype, low, span):
    return state.randint(low, low + span, shape, np.int64).astype(dtype)


@_on_device(fill._random_default)
def _default_integers(state, xp, shape, dtype):
    largest = fill._largest_integer(dtype)
    return state.randint(0, min(largest, 2 ** 63 - 2) + 1, shape, np.int64).astype(dtype)


@_on_device(fill._random_full)
def _any_integers(state, xp, shape, dtype):
    high = state.randint(0, 2 ** 32, shape, np.int64)
    low = state.randint(0, 2 ** 32, shape, np.int64)
    return ((high << 32) | low).astype(dtype)


# ---------------------------------------------------------------- factories with their own draws
def permutation(state, xp, n, dtype):
    """A random permutation of ``0 .. n-1``: the order of ``n`` uniform keys."""
    return xp.argsort(state.random_sample((n,), np.float64)).astype(dtype)


def multinomial(state, xp, weights, samples, replacement):
    """``samples`` category indices per row of ``weights`` (1-d or 2-d, rows checked by the caller)."""
    rows = weights.reshape(-1, weights.shape[-1]).astype(np.float64)
    if replacement:
        bounds = xp.cumsum(rows, axis=-1)
        bounds = bounds / bounds[:, -1:]
        draws = state.random_sample((rows.shape[0], samples), np.float64)
        chosen = (draws[:, :, None] >= bounds[:, None, :]).sum(axis=-1)
        chosen = xp.minimum(chosen, rows.shape[-1] - 1)
    else:
        # the first to arrive among exponential clocks running at the weights' rates, without repeats
        with xp.errstate(divide="ignore"):  # a category of weight 0 never arrives (inf), silently
            arrivals = -xp.log1p(-state.random_sample(rows.shape, np.float64)) / rows
        chosen = xp.argsort(arrivals, axis=-1)[:, :samples]
    return chosen.astype(np.int64).reshape(weights.shape[:-1] + (samples,))


def poisson(state, xp, rates):
    return state.poisson(rates.astype(np.float64), rates.shape).astype(rates.dtype)
