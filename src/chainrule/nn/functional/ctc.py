"""``ctc_loss``: the connectionist temporal classification loss.

The forward and backward variables (alpha, beta) are computed in log space on arrays, one time
step at a time for the whole batch. The node's rule scales a gradient found in the forward pass;
like PyTorch's, it is the gradient for log-probabilities that come from a ``log_softmax`` (it
carries an extra ``exp(log_probs)`` term that the softmax's own rule cancels), and it has no
second derivative of its own.
"""

import math

from ..._array import namespace_of
from ..._ops._op import derivative, needs_grad, record
from ..._recording import state as recording_state
from ..._ops.kernel_dtypes import check_kernel
from ..._ops.pointwise import where
from ..._errors import type_name
from ..._tensor import Tensor, make_tensor
from .loss_reduction import reduction_mode
from ..._float_errors import silent_float_errors

FUNCTIONS = ["ctc_loss"]
_TAIL = "int blank = 0, object reduction = 'mean', bool zero_infinity = False"
SIGNATURES = {"ctc_loss": (f"Tensor log_probs, Tensor targets, int[] input_lengths, int[] target_lengths, {_TAIL}",
                           f"Tensor log_probs, Tensor targets, Tensor input_lengths, Tensor target_lengths, {_TAIL}")}
METHODS = []


def _ctc_grad(grad, coefficient, grad_shape):
    return grad.reshape(grad_shape) * coefficient


CtcLossBackward0 = derivative("CtcLossBackward0", _ctc_grad)


def _as_lengths(lengths, xp, name, batch):
    """Lengths (a tensor or a sequence of ints) as a 1-d int64 array of namespace ``xp``, one per sample."""
    if isinstance(lengths, Tensor):
        if lengths._data.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        lengths = lengths._data
    lengths = xp.atleast_1d(xp.asarray(lengths)).astype(xp.int64)
    if lengths.ndim != 1 or lengths.size != batch:
        raise RuntimeError(f"{name} must be of size batch_size")
    return lengths


def _check_arguments(log_probs, targets, input_lengths, target_lengths):
    """PyTorch's checks of the shapes and values before any work."""
    lp, labels = log_probs._data, targets._data
    check_kernel("ctc_loss", lp)
    checking = "(while checking arguments for ctc_loss_cpu)"
    if labels.ndim not in (1, 2):
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {labels.ndim}-dimensional tensor for argument #2 "
                           f"'targets' {checking}")
    batch = 1 if lp.ndim == 2 else lp.shape[1]
    if labels.ndim == 2 and labels.shape[0] != batch and lp.ndim == 3:
        raise RuntimeError(f"Expected tensor to have size {batch} at dimension 0, but got size {labels.shape[0]} for "
                           f"argument #2 'targets' {checking}")
    if int(input_lengths.max(initial=0)) > lp.shape[0]:
        raise RuntimeError(f"Expected input_lengths to have value at most {lp.shape[0]}, but got value "
                           f"{int(input_lengths.max())} {checking}")


def _padded_targets(targets, target_lengths):
    """Targets as an ``(N, S)`` array, from either the padded or the concatenated layout."""
    xp = namespace_of(target_lengths)
    labels = targets._data.astype(xp.int64)
    if labels.ndim == 2:
        return labels
    width = max(int(target_lengths.max()) if target_lengths.size else 0, 1)
    listed = xp.arange(width)[None, :] < target_lengths[:, None]  # row by row: the concatenated order
    padded = xp.zeros((target_lengths.size, width), dtype=xp.int64)
    padded[listed] = labels[:int(target_lengths.sum())]
    return padded


def _logsumexp(*terms):
    xp = namespace_of(terms[0])
    stacked = xp.stack(terms)
    peak = stacked.max(axis=0)
    safe_peak = xp.where(peak == -math.inf, 0, peak)
    with xp.errstate(divide="ignore"):
        return xp.log(xp.exp(stacked - safe_peak).sum(axis=0)) + safe_peak


# alpha and beta are over time ``t``, batch ``n`` and extended-label position ``s``. Both are kept with two
# ``-inf`` columns on the side their recursion reads from, so that a position's neighbours one and two places
# away are views, and every mask is folded into an addend of 0 or ``-inf``: a step is four array calls
# (``logaddexp`` keeps ``-inf`` and is exact in log space).
def _emissions(log_probs, extended, extended_lengths):
    """Each step's log-probability of each extended label, ``-inf`` past a sample's labels."""
    xp = namespace_of(log_probs)
    steps, batch, classes = log_probs.shape
    flat_labels = xp.arange(batch)[:, None] * classes + extended  # into each step's (batch * classes) row
    emissions = xp.take(log_probs.reshape(steps, batch * classes), flat_labels, axis=1)
    inside = xp.arange(extended.shape[1])[None, :] < extended_lengths[:, None]
    return xp.where(inside, emissions, -math.inf), inside


def _alpha(emissions, no_skip):
    xp = namespace_of(emissions)
    steps, batch, positions = emissions.shape
    alpha = xp.full((steps, batch, positions + 2), -math.inf)
    alpha[0, :, 2:4] = emissions[0, :, :2]
    for t in range(1, steps):
        previous = alpha[t - 1]
        reached = xp.logaddexp(xp.logaddexp(previous[:, 2:], previous[:, 1:-1]), previous[:, :-2] + no_skip)
        alpha[t, :, 2:] = reached + emissions[t]
    return alpha[:, :, 2:]


def _beta(emissions, no_skip, inside, input_lengths, extended_lengths):
    """Started (log 1 = 0) at the last two positions of each sample's last step."""
    xp = namespace_of(emissions)
    steps, batch, positions = emissions.shape
    last = extended_lengths[:, None] - 1
    end_positions = (xp.arange(positions)[None, :] >= last - 1) & inside
    start = xp.full((steps, batch, positions), -math.inf)
    rows = xp.arange(batch)[input_lengths > 0]
    start[input_lengths[rows] - 1, rows] = xp.where(end_positions[rows], 0.0, -math.inf)
    skip_back = xp.full((batch, positions), -math.inf)
    skip_back[:, :-2] = no_skip[:, 2:]
    beta = xp.full((steps + 1, batch, positions + 2), -math.inf)
    for t in range(steps - 1, -1, -1):
        following = beta[t + 1]
        reached = xp.logaddexp(xp.logaddexp(following[:, :-2], following[:, 1:-1]), following[:, 2:] + skip_back)
        beta[t, :, :-2] = xp.logaddexp(reached, start[t]) + emissions[t]
    return beta[:steps, :, :-2]


@silent_float_errors
def _ctc(log_probs, labels, input_lengths, target_lengths, blank, with_gradient):
    """Per-sample negative log-likelihoods, and their gradient for ``log_probs`` (None without ``with_gradient``)."""
    xp = namespace_of(log_probs)
    steps, batch, classes = log_probs.shape
    width = labels.shape[1]
    extended = xp.full((batch, 2 * width + 1), blank, dtype=xp.int64)
    extended[:, 1::2] = labels
    extended_lengths = 2 * target_lengths + 1
    skips = xp.zeros(extended.shape, dtype=xp.bool_)
    skips[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    no_skip = xp.where(skips, 0.0, -math.inf)
    emissions, inside = _emissions(log_probs, extended, extended_lengths)
    alpha = _alpha(emissions, no_skip)
    rows = xp.arange(batch)
    final = alpha[input_lengths - 1, rows]
    nll = -_logsumexp(final[rows, extended_lengths - 1],
                      xp.where(extended_lengths > 1, final[rows, xp.maximum(extended_lengths - 2, 0)], -math.inf))
    if not with_gradient:
        return nll, None
    both = alpha + _beta(emissions, no_skip, inside, input_lengths, extended_lengths)
    peak = both.max(axis=2, keepdims=True)
    safe_peak = xp.where(peak == -math.inf, 0, peak)
    # each position's share summed into its label's class, one bin per (step, sample, class)
    bins = (xp.arange(steps * batch).reshape(steps, batch, 1) * classes + extended).reshape(-1)
    shares = xp.exp(both - safe_peak).reshape(-1)
    per_class = xp.bincount(bins, weights=shares, minlength=steps * batch * classes).reshape(log_probs.shape)
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        occupancy = xp.exp(xp.log(per_class) + safe_peak + nll[None, :, None] - log_probs)
        gradient = xp.exp(log_probs) - occupancy
    gradient = xp.where((xp.arange(steps)[:, None] < input_lengths[None, :])[:, :, None], gradient, 0)
    return nll, gradient


@silent_float_errors
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Negative log-likelihood of ``targets`` summed over every alignment of them to ``log_probs`` (T, N, C)."""
    reduction = reduction_mode(reduction)
    if isinstance(input_lengths, Tensor) != isinstance(target_lengths, Tensor):  # PyTorch has no mixed form
        raise TypeError(f"ctc_loss(): input_lengths and target_lengths must both be Tensors or both be tuples of "
                        f"ints, got {type_name(input_lengths)} and {type_name(target_lengths)}")
    unbatched = log_probs.dim() == 2
    lp = log_probs._data[:, None, :] if unbatched else log_probs._data
    xp = namespace_of(lp)
    in_lengths = _as_lengths(input_lengths, xp, "input_lengths", lp.shape[1])
    tg_lengths = _as_lengths(target_lengths, xp, "target_lengths", lp.shape[1])
    _check_arguments(log_probs, targets, in_lengths, tg_lengths)
    labels = _padded_targets(targets, tg_lengths) if not unbatched else targets._data.astype(xp.int64)[None, :]
    # the gradient is found with the loss; a compiled function's recording asks for it whatever the mode
    with_gradient = needs_grad(log_probs) or log_probs._tangent is not None or recording_state.recorder is not None
    nll, gradient = _ctc(lp.astype(xp.float64), labels, in_lengths, tg_lengths, blank, with_gradient)
    dtype = lp.dtype
    losses = nll.astype(dtype).reshape(() if unbatched else -1)
    if with_gradient:
        if zero_infinity:
            gradient = xp.where(xp.isinf(nll)[None, :, None], 0, gradient)
        coefficient = make_tensor(gradient.astype(dtype).reshape(tuple(log_probs.shape)))
        grad_shape = () if unbatched else (1, -1, 1)
        losses = record(losses, CtcLossBackward0, (log_probs,), (), (coefficient, grad_shape))
    else:
        losses = make_tensor(losses)
    if zero_infinity:
        losses = where(losses == math.inf, make_tensor(xp.zeros((), dtype=dtype)), losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    divisor = make_tensor(xp.maximum(tg_lengths, 1).reshape(losses.shape))
    return (losses / divisor).mean()
