"""Transforms onto the probability simplex: softmax (not injective) and stick breaking (bijective)."""

from .. import constraints
from ..utils import finfo, logsigmoid, pad_last
from .base import Transform
from .elementwise import clipped_sigmoid

__all__ = ["SoftmaxTransform", "StickBreakingTransform"]


def _needs_a_dimension(shape):
    if len(shape) < 1:
        raise ValueError("Too few dimensions on input")


class SoftmaxTransform(Transform):
    """``y = exp(x) / sum(exp(x))`` over the last dimension; its "inverse" is the log, up to a constant."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other):
        return isinstance(other, SoftmaxTransform)

    def _call(self, x):
        probs = (x - x.max(-1, True)[0]).exp()
        return probs / probs.sum(-1, True)

    def _inverse(self, y):
        return y.log()

    def forward_shape(self, shape):
        _needs_a_dimension(shape)
        return shape

    inverse_shape = forward_shape


def _offsets(x, count):
    """``count, count - 1, ..., 1`` shifted so that x = 0 maps to the simplex's centre."""
    return x.shape[-1] + 1 - x.new_ones(count).cumsum(-1)


class StickBreakingTransform(Transform):
    """From K - 1 reals to a point of the K-simplex: each coordinate takes a sigmoid's share of the
    stick left by the ones before it."""

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other):
        return isinstance(other, StickBreakingTransform)

    def _call(self, x):
        z = clipped_sigmoid(x - _offsets(x, x.shape[-1]).log())
        remaining = (1 - z).cumprod(-1)
        return pad_last(z, 0, 1, 1) * pad_last(remaining, 1, 0, 1)

    def _inverse(self, y):
        shares = y[..., :-1]
        offset = y.shape[-1] - y.new_ones(shares.shape[-1]).cumsum(-1)
        left = (1 - shares.cumsum(-1)).clamp(min=float(finfo(y.dtype).tiny))
        return shares.log() - left.log() + offset.log()

    def log_abs_det_jacobian(self, x, y):
        x = x - _offsets(x, x.shape[-1]).log()
        return (-x + logsigmoid(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape):
        _needs_a_dimension(shape)
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        _needs_a_dimension(shape)
        return shape[:-1] + (shape[-1] - 1,)
