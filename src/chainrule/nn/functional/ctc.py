"""``ctc_loss``: the connectionist temporal classification loss.

The forward and backward variables (alpha, beta) are computed in log space on arrays, one time
step at a time for the whole batch. The node's rule scales a gradient found in the forward pass;
like PyTorch's, it is the gradient for log-probabilities that come from a ``log_softmax`` (it
carries an extra ``exp(log_probs)`` term that the softmax's own rule cancels), and it has no
second derivative of its own.
"""

import numpy as np

from ..._ops._op import derivative, record
from ..._ops.pointwise import where
from ..._tensor import Tensor, make_tensor
from .loss_reduction import reduction_mode

FUNCTIONS = ["ctc_loss"]
METHODS = []


def _ctc_grad(grad, coefficient, grad_shape):
    return grad.reshape(grad_shape) * coefficient


CtcLossBackward0 = derivative("CtcLossBackward0", _ctc_grad)


def _as_lengths(lengths):
    if isinstance(lengths, Tensor):
        return np.atleast_1d(lengths._data).astype(np.int64)
    return np.atleast_1d(np.asarray(lengths, dtype=np.int64))


def _padded_targets(targets, target_lengths):
    """Targets as an ``(N, S)`` array, from either the padded or the concatenated layout."""
    labels = targets._data.astype(np.int64)
    if labels.ndim == 2:
        return labels
    width = max(int(target_lengths.max(initial=0)), 1)
    padded = np.zeros((target_lengths.size, width), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
    for row, (start, length) in enumerate(zip(starts, target_lengths)):
        padded[row, :length] = labels[start:start + length]
    return padded


def _logsumexp(*terms):
    stacked = np.stack(terms)
    peak = stacked.max(axis=0)
    safe_peak = np.where(np.isneginf(peak), 0, peak)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(stacked - safe_peak).sum(axis=0)) + safe_peak


def _shifted(values, by):
    """``values`` moved ``by`` places along the last axis, ``-inf`` coming in."""
    moved = np.full_like(values, -np.inf)
    if by > 0:
        moved[..., by:] = values[..., :-by]
    else:
        moved[..., :by] = values[..., -by:]
    return moved


def _alignment_variables(log_probs, extended, skips, input_lengths, extended_lengths):
    """alpha and beta over time ``t``, batch ``n`` and extended-label position ``s``."""
    steps, batch, _ = log_probs.shape
    positions = extended.shape[1]
    emissions = np.take_along_axis(log_probs, np.broadcast_to(extended, (steps, batch, positions)), 2)
    inside = np.arange(positions)[None, :] < extended_lengths[:, None]
    alpha = np.full((steps, batch, positions), -np.inf)
    alpha[0, :, :2] = emissions[0, :, :2]
    alpha[0] = np.where(inside, alpha[0], -np.inf)
    for t in range(1, steps):
        previous = alpha[t - 1]
        skipped = np.where(skips, _shifted(previous, 2), -np.inf)
        alpha[t] = np.where(inside, _logsumexp(previous, _shifted(previous, 1), skipped) + emissions[t], -np.inf)
    beta = np.full((steps, batch, positions), -np.inf)
    last = extended_lengths[:, None] - 1
    end_positions = (np.arange(positions)[None, :] == last) | (np.arange(positions)[None, :] == last - 1)
    for t in range(steps - 1, -1, -1):
        is_last_step = (input_lengths - 1 == t)[:, None]
        following = beta[t + 1] if t + 1 < steps else np.full((batch, positions), -np.inf)
        skipped = np.where(_shifted(skips, -2), _shifted(following, -2), -np.inf)
        recursed = _logsumexp(following, _shifted(following, -1), skipped) + emissions[t]
        beta[t] = np.where(inside & end_positions & is_last_step, emissions[t], np.where(inside, recursed, -np.inf))
        beta[t] = np.where((t < input_lengths)[:, None], beta[t], -np.inf)
    return alpha, beta


def _ctc(log_probs, labels, input_lengths, target_lengths, blank):
    """Per-sample negative log-likelihoods and their gradient for ``log_probs``."""
    steps, batch, classes = log_probs.shape
    width = labels.shape[1]
    extended = np.full((batch, 2 * width + 1), blank, dtype=np.int64)
    extended[:, 1::2] = labels
    extended_lengths = 2 * target_lengths + 1
    skips = np.zeros(extended.shape, dtype=bool)
    skips[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    alpha, beta = _alignment_variables(log_probs, extended, skips, input_lengths, extended_lengths)
    rows = np.arange(batch)
    final = alpha[input_lengths - 1, rows]
    nll = -_logsumexp(final[rows, extended_lengths - 1],
                      np.where(extended_lengths > 1, final[rows, np.maximum(extended_lengths - 2, 0)], -np.inf))
    both = alpha + beta
    peak = both.max(axis=2, keepdims=True)
    safe_peak = np.where(np.isneginf(peak), 0, peak)
    per_class = np.zeros((steps, batch, classes))
    np.add.at(per_class, (slice(None), rows[:, None], extended), np.exp(both - safe_peak))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        occupancy = np.exp(np.log(per_class) + safe_peak + nll[None, :, None] - log_probs)
        gradient = np.exp(log_probs) - occupancy
    gradient = np.where((np.arange(steps)[:, None] < input_lengths[None, :])[:, :, None], gradient, 0)
    return nll, gradient


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Negative log-likelihood of ``targets`` summed over every alignment of them to ``log_probs`` (T, N, C)."""
    reduction = reduction_mode(reduction)
    unbatched = log_probs.dim() == 2
    lp = log_probs._data[:, None, :] if unbatched else log_probs._data
    in_lengths, tg_lengths = _as_lengths(input_lengths), _as_lengths(target_lengths)
    labels = _padded_targets(targets, tg_lengths) if not unbatched else targets._data.astype(np.int64)[None, :]
    nll, gradient = _ctc(lp.astype(np.float64), labels, in_lengths, tg_lengths, blank)
    if zero_infinity:
        infinite = np.isinf(nll)
        gradient = np.where(infinite[None, :, None], 0, gradient)
    dtype = lp.dtype
    coefficient = make_tensor(gradient.astype(dtype).reshape(tuple(log_probs.shape)))
    losses = nll.astype(dtype).reshape(() if unbatched else -1)
    grad_shape = () if unbatched else (1, -1, 1)
    losses = record(losses, CtcLossBackward0, (log_probs,), (), (coefficient, grad_shape))
    if zero_infinity:
        losses = where(losses == np.inf, make_tensor(np.zeros((), dtype=dtype)), losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    divisor = make_tensor(np.maximum(tg_lengths, 1).reshape(losses.shape))
    return (losses / divisor).mean()
