"""Window functions for spectral analysis: ``hann_window``, ``hamming_window``, ``blackman_window``,
``bartlett_window``, ``kaiser_window``. A periodic window (the default) is the symmetric window one sample
longer with its last sample dropped, as PyTorch defines it."""

import math

from .._array import NUMPY
from .._creation import tensor
from .._dtype import get_default_dtype, to_dtype

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]
FUNCTIONS = __all__
_OPTIONS = ("*, ScalarType? dtype = None, Layout? layout = None, Device? device = None, bool? pin_memory = False, "
            "bool? requires_grad = False")
_WINDOW = (f"int window_length, {_OPTIONS}", f"int window_length, bool periodic, {_OPTIONS}")
SIGNATURES = {
    "hann_window": _WINDOW, "blackman_window": _WINDOW, "bartlett_window": _WINDOW,
    "hamming_window": _WINDOW + (f"int window_length, bool periodic, float alpha, {_OPTIONS}",
                                 f"int window_length, bool periodic, float alpha, float beta, {_OPTIONS}"),
    "kaiser_window": _WINDOW + (f"int window_length, bool periodic, float beta, {_OPTIONS}",),
}


def _window(name, window_length, periodic, dtype, requires_grad, shape):
    """The window of ``window_length`` samples whose values ``shape(n, N)`` gives on ``n = 0 .. N-1``."""
    dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype.name}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if window_length <= 1:
        values = NUMPY.ones(window_length)
    else:
        count = window_length + 1 if periodic else window_length
        values = shape(NUMPY.arange(count, dtype=NUMPY.float64), count)[:window_length]
    return tensor(values, dtype=dtype, requires_grad=requires_grad)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """``alpha - beta * cos(2 pi n / (N - 1))``."""
    return _window("hamming_window", window_length, periodic, dtype, requires_grad,
                   lambda n, N: alpha - beta * NUMPY.cos(2 * math.pi * n / (N - 1)))


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """``0.5 - 0.5 * cos(2 pi n / (N - 1))``."""
    return _window("hann_window", window_length, periodic, dtype, requires_grad,
                   lambda n, N: 0.5 - 0.5 * NUMPY.cos(2 * math.pi * n / (N - 1)))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad,
                   lambda n, N: 0.42 - 0.5 * NUMPY.cos(2 * math.pi * n / (N - 1))
                   + 0.08 * NUMPY.cos(4 * math.pi * n / (N - 1)))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The triangle ``1 - |2n / (N - 1) - 1|``."""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad,
                   lambda n, N: 1 - NUMPY.abs(2 * n / (N - 1) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False):
    """``I0(beta sqrt(1 - ((n - m) / m)^2)) / I0(beta)`` with ``m = (N - 1) / 2``."""
    def shape(n, N):
        middle = (N - 1) / 2
        return NUMPY.i0(beta * NUMPY.sqrt(NUMPY.clip(1 - ((n - middle) / middle) ** 2, 0, None))) / NUMPY.i0(beta)

    return _window("kaiser_window", window_length, periodic, dtype, requires_grad, shape)
