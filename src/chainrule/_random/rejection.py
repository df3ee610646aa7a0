"""Samplers that take as many draws as each value needs, one element after another, as PyTorch's CPU
kernels run them: gamma (Marsaglia and Tsang's rejection), Dirichlet (normalised gammas) and binomial
(BTRS rejection from 10 expected successes, inversion below); and the ops built on them,
``_standard_gamma``, ``_sample_dirichlet`` and ``binomial``, with the reparameterised gradients.

The floating-point steps are PyTorch's: its kernels compute in double, except where a float32
tensor's values enter arithmetic of their own type (``alpha + 1`` for a float32 gamma, most of a
float32 binomial's setup), which is reproduced here with float32 scalars. The C library's functions
are called where PyTorch calls them (Python's ``math`` calls the same ones).
"""

import ctypes
import ctypes.util
import math

import numpy as np

from .._ops._broadcast import broadcast_shapes
from .._ops._op import OUTPUT, derivative, record, traced_stateful
from .._tensor import Tensor
from .draws import _UniformStream
from .fill import not_implemented
from .gamma_gradients import dirichlet_grad, standard_gamma_grad
from .generator import default_generator

__all__ = ["standard_gamma", "sample_dirichlet", "binomial", "standard_gamma_grad_op", "dirichlet_grad_op"]

_TWO_PI = 2.0 * math.pi
_THIRD32 = float(np.float32(1.0) / np.float32(3.0))  # PyTorch writes 1.0f / 3.0f: a float constant
_SQUEEZE32 = float(np.float32(0.0331))  # likewise 0.0331f


def _log(value):
    """C's ``log``: -inf at 0 and NaN below, where Python's raises."""
    if value > 0 or value != value:
        return math.log(value)
    return -math.inf if value == 0 else math.nan


def _sqrt(value):
    return math.sqrt(value) if value >= 0 or value != value else math.nan


def _pow(base, exponent):
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


def _c_log1pf():
    """The C library's float ``log1p``, which a float32 binomial's inversion calls."""
    try:
        function = ctypes.CDLL(ctypes.util.find_library("m")).log1pf
    except (OSError, AttributeError, TypeError):
        return lambda value: np.float32(math.log1p(value))
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float]
    return lambda value: np.float32(function(value))


_log1pf = _c_log1pf()


class _DrawStream(_UniformStream):
    """Double uniforms and double normals one at a time. A normal is Box-Muller on two uniforms, its
    sine half kept for the next normal in the generator's cache, as ``at::normal_distribution`` does."""

    def __init__(self, generator, batch):
        super().__init__(generator, batch)
        self.cached_normal = generator.next_double_normal

    def normal(self):
        if self.cached_normal is not None:
            value, self.cached_normal = self.cached_normal, None
            return value
        u1, u2 = self(), self()
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = _TWO_PI * u1
        self.cached_normal = radius * math.sin(theta)
        return radius * math.cos(theta)

    def close(self):
        super().close()
        self.generator.next_double_normal = self.cached_normal


def _c_max(low, value):
    """``std::max(low, value)``: NaN gives ``low``."""
    return value if low < value else low


# ---------------------------------------------------------------- gamma
def _gamma_one(alpha, single, draws):
    """One Gamma(alpha, 1) value in double; ``single``: alpha is a float32 value (its own arithmetic in float32)."""
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        exponent = float(np.float32(1.0) / np.float32(alpha)) if single else 1.0 / alpha
        scale *= _pow(1 - draws(), exponent)  # boosting: Gamma(a) = Gamma(a + 1) * U ** (1 / a)
        alpha = float(np.float32(alpha) + np.float32(1.0)) if single else alpha + 1.0
    d = float(np.float32(alpha) - np.float32(_THIRD32)) if single else alpha - _THIRD32
    root = _sqrt(9.0 * d)
    c = 1.0 / root if root else math.inf  # C divides by zero to infinity (only for invalid concentrations)
    while True:
        while True:
            x = draws.normal()
            y = 1.0 + c * x
            if not y <= 0:
                break
        v = y * y * y
        u = 1 - draws()
        xx = x * x
        if u < 1.0 - _SQUEEZE32 * xx * xx:
            return scale * d * v
        if _log(u) < 0.5 * xx + d * (1.0 - v + _log(v)):
            return scale * d * v


def _gamma_values(alphas, generator):
    """Gamma(alpha, 1) for each alpha (float32 or float64), at least the dtype's smallest normal number."""
    flat = np.ascontiguousarray(alphas).reshape(-1)
    single = flat.dtype == np.float32
    tiny = float(np.finfo(flat.dtype).tiny)
    draws = _DrawStream(generator, 4 * flat.size)
    try:
        values = [_gamma_one(alpha, single, draws) for alpha in flat.tolist()]
    finally:
        draws.close()
    out = np.array(values, dtype=np.float64).astype(flat.dtype)
    return np.array([_c_max(tiny, v) for v in out.tolist()], dtype=flat.dtype).reshape(alphas.shape)


def _dirichlet_values(alphas, generator):
    """Gammas in double for each concentration, normalised along the last dimension, kept inside
    [smallest normal, largest number below 1] of the dtype."""
    flat = np.ascontiguousarray(alphas).reshape(-1)
    draws = _DrawStream(generator, 4 * flat.size)
    try:
        gammas = [_c_max(np.finfo(np.float64).tiny, _gamma_one(alpha, False, draws)) for alpha in flat.tolist()]
    finally:
        draws.close()
    gammas = np.array(gammas, dtype=np.float64).reshape(alphas.shape)
    ratios = (gammas / gammas.sum(-1, keepdims=True)).astype(alphas.dtype)
    low = np.finfo(alphas.dtype).tiny
    high = np.nextafter(alphas.dtype.type(1), alphas.dtype.type(0))
    ratios = np.where(low < ratios, ratios, low)  # std::max and std::min, NaN going to the bound
    return np.where(ratios < high, ratios, high)


# ---------------------------------------------------------------- binomial
_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
                  0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                  0.00925546218271273, 0.00833056343336287)


def _stirling_tail(k):
    """``log k! - (Stirling's approximation)``: tabulated below 10, a series above."""
    if k < 10:
        return _STIRLING_TAIL[int(k)]
    squared = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / squared) / squared) / (k + 1)


def _btrs(count, prob, kind, draws):
    """Hoermann's BTRS (transformed rejection with squeeze); ``kind`` is the count's scalar type
    (float32 or float), whose arithmetic the setup keeps."""
    stddev = float(np.sqrt(count * prob * (kind(1) - prob)))  # a float32 square root for float32 counts
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob)
    c = float(count * prob) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(prob / (kind(1) - prob))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(np.floor((count + kind(1)) * prob))
    while True:
        u = draws() - 0.5
        v = draws()
        us = 0.5 - abs(u)
        if us == 0:  # a uniform of exactly 0: C's division gives k = -inf, which is rejected
            continue
        k = kind(math.floor((2 * a / us + b) * u + c))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = _log(v * alpha / (a / (us * us) + b))
        count_minus_k = count - k + kind(1)  # in the count's type
        bound = ((m + 0.5) * _log((m + 1) / (r * (float(count) - m + 1)))
                 + float(count + kind(1)) * _log((float(count) - m + 1) / float(count_minus_k))
                 + (float(k) + 0.5) * _log(r * float(count_minus_k) / float(k + kind(1)))
                 + _stirling_tail(m) + _stirling_tail(float(count) - m)
                 - _stirling_tail(float(k)) - _stirling_tail(float(count - k)))
        if v <= bound:
            return k


def _inversion(count, prob, kind, draws):
    """Count geometric waiting times until they pass ``count``."""
    log_q = float(_log1pf(-prob)) if kind is np.float32 else math.log1p(-prob)
    total = 0.0
    successes = kind(0)
    while True:
        waiting = _log(draws()) / log_q
        total += math.ceil(waiting) if waiting != math.inf else waiting
        if total > count:
            return successes
        successes = successes + kind(1)


def _binomial_one(count, prob, kind, draws):
    if count <= 0.0 or prob <= 0.0:
        return kind(0)
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        if count * prob >= 10.0:
            return _btrs(count, prob, kind, draws)
        return _inversion(count, prob, kind, draws)
    if prob > 0.5:
        q = kind(1.0 - float(prob))
        if count * q >= 10.0:
            return count - _btrs(count, q, kind, draws)
        return count - _inversion(count, q, kind, draws)
    return kind(math.nan)


def _binomial_values(counts, probs, generator):
    counts, probs = np.broadcast_arrays(counts, probs)
    kind = np.float32 if counts.dtype == np.float32 else float
    flat_counts = np.ascontiguousarray(counts).reshape(-1)
    flat_probs = np.ascontiguousarray(probs).reshape(-1)
    if kind is np.float32:
        pairs = zip(flat_counts.astype(np.float32), flat_probs.astype(np.float32))
    else:
        pairs = zip(flat_counts.astype(np.float64).tolist(), flat_probs.astype(np.float64).tolist())
    draws = _DrawStream(generator, 4 * flat_counts.size)
    try:
        values = [_binomial_one(count, prob, kind, draws) for count, prob in pairs]
    finally:
        draws.close()
    return np.array(values, dtype=np.float64).astype(counts.dtype).reshape(counts.shape)


# ---------------------------------------------------------------- the ops
def _gamma_grad_node_raises(grad, *args):
    raise NotImplementedError("the derivative for '_standard_gamma_grad' is not implemented.")


StandardGammaGradBackward0 = derivative("StandardGammaGradBackward0", _gamma_grad_node_raises,
                                        _gamma_grad_node_raises)


def standard_gamma_grad_op(self, output):
    """``torch._standard_gamma_grad``: the reparameterised gradient of gamma samples ``output`` in ``self``."""
    return record(standard_gamma_grad(self._data, output._data), StandardGammaGradBackward0, (self, output))


def _standard_gamma_vjp(grad, self, result):
    return grad * standard_gamma_grad_op(self, result)


StandardGammaBackward0 = derivative("StandardGammaBackward0", _standard_gamma_vjp, saves="self result")


def _floating_only(kernel, array):
    if array.dtype.kind != "f" or array.dtype == np.float16:
        raise not_implemented(kernel, array.dtype)


def _generator(generator):
    return default_generator if generator is None else generator


def standard_gamma(self, generator=None):
    """``torch._standard_gamma``: a Gamma(alpha, 1) sample per concentration, differentiable in it."""
    _floating_only("gamma_cpu", self._data)
    values = traced_stateful(_gamma_values, self, _generator(generator))
    return record(values, StandardGammaBackward0, (self,), (self, OUTPUT))


def _dirichlet_grad_node_raises(grad, *args):
    raise NotImplementedError("the derivative for '_dirichlet_grad' is not implemented.")


DirichletGradBackward0 = derivative("NotImplemented", *([_dirichlet_grad_node_raises] * 3), op="_dirichlet_grad")


def dirichlet_grad_op(x, alpha, total):
    """``torch._dirichlet_grad``: d x / d alpha for Dirichlet samples ``x`` (see ``gamma_gradients``)."""
    return record(dirichlet_grad(x._data, alpha._data, total._data), DirichletGradBackward0, (x, alpha, total))


def _sample_dirichlet_raises(grad, *args):
    raise RuntimeError("derivative for aten::_sample_dirichlet is not implemented")


SampleDirichletBackward = derivative("NotImplemented", _sample_dirichlet_raises, op="_sample_dirichlet")


def sample_dirichlet(self, generator=None):
    """``torch._sample_dirichlet``: a Dirichlet sample per row of concentrations (last dimension)."""
    _floating_only("dirichlet", self._data)
    values = traced_stateful(_dirichlet_values, self, _generator(generator))
    return record(values, SampleDirichletBackward, (self,))


def _binomial_raises(grad, *args):
    raise RuntimeError("derivative for aten::binomial is not implemented")


BinomialBackward = derivative("NotImplemented", _binomial_raises, _binomial_raises, op="binomial")


def binomial(count, prob, generator=None):
    """Binomial(count, prob) counts, elementwise, in the dtype of ``count``."""
    if not isinstance(count, Tensor) or not isinstance(prob, Tensor):
        raise TypeError(f"binomial(): argument 'count' and 'prob' must be Tensor, not "
                        f"{type(count if not isinstance(count, Tensor) else prob).__name__}")
    if count._data.dtype.kind != "f":
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {count.dtype.scalar_type_name}")
    if prob._data.dtype != count._data.dtype:
        raise RuntimeError(f"Found dtype {prob.dtype.scalar_type_name} but expected {count.dtype.scalar_type_name}")
    broadcast_shapes(count.shape, prob.shape)  # PyTorch's message for shapes that do not broadcast
    values = traced_stateful(_binomial_values, count, prob, _generator(generator))
    return record(values, BinomialBackward, (count, prob))
