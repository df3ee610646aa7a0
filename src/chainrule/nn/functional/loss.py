"""nn.functional losses.

Losses PyTorch computes in one kernel (``mse_loss``, ``smooth_l1_loss``, ``huber_loss``,
``soft_margin_loss``, ``multi_margin_loss``, and the classification losses in
``classification_loss``) are one node each: the elementwise loss on arrays, reduced, and a rule
for the gradient written with chainrule ops. The others are compositions of chainrule ops in the
order PyTorch uses, so that their ``grad_fn`` names agree. Every loss takes ``reduction``
('none', 'mean', 'sum') and the deprecated ``size_average``/``reduce`` pair.
"""

import math
import warnings

from ..._array import any_true, namespace_of
from ..._creation import full_like, zeros_like
from ..._autograd import grad_mode
from ..._ops._broadcast import apply_binary, binary_arrays
from ..._ops._op import derivative, record
from ..._ops.kernel_dtypes import check_kernel
from ..._ops.pointwise import exp, log, where
from ..._ops.pointwise_binary import minimum, xlogy
from ..._ops._op import traced
from ..._ops._arguments import bool_argument, check_tensors
from ..._tensor import Tensor, make_tensor
from .activation import softplus_array
from .linear import pairwise_distance
from .loss_reduction import check_loss_dtypes, check_reduction_text, reduce_array, reduce_loss, reduction_mode
from ..._float_errors import silent_float_errors

FUNCTIONS = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "cosine_embedding_loss",
             "margin_ranking_loss", "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss",
             "hinge_embedding_loss", "multi_margin_loss", "triplet_margin_with_distance_loss"]
METHODS = []
_REDUCTION = "object size_average = None, object reduce = None, object reduction = 'mean'"
# PyTorch's Python losses read ``target.size()`` first (an AttributeError for a non-tensor): ``object`` there
SIGNATURES = {
    "mse_loss": f"object input, object target, {_REDUCTION}, object weight = None",
    "l1_loss": f"object input, object target, {_REDUCTION}, object weight = None",
    "smooth_l1_loss": f"object input, object target, {_REDUCTION}, float beta = 1.0",
    "huber_loss": "object input, object target, object reduction = 'mean', float delta = 1.0, object weight = None",
    "kl_div": "Tensor input, Tensor target, object size_average = None, object reduce = None, "
              "object reduction = 'mean', bool log_target = False",
    "cosine_embedding_loss": f"Tensor input1, Tensor input2, Tensor target, float margin = 0, {_REDUCTION}",
    "margin_ranking_loss": f"object input1, object input2, object target, float margin = 0, {_REDUCTION}",
    "triplet_margin_loss": f"Tensor anchor, Tensor positive, Tensor negative, float margin = 1.0, float p = 2, "
                           f"float eps = 1e-06, bool swap = False, {_REDUCTION}",
    "poisson_nll_loss": "Tensor input, Tensor target, bool log_input = True, bool full = False, "
                        "object size_average = None, float eps = 1e-08, object reduce = None, "
                        "object reduction = 'mean'",
    "soft_margin_loss": f"Tensor input, Tensor target, {_REDUCTION}",
    "hinge_embedding_loss": f"Tensor input, Tensor target, float margin = 1.0, {_REDUCTION}",
    "multi_margin_loss": f"Tensor input, Tensor target, object p = 1, Scalar margin = 1, Tensor? weight = None, "
                         f"{_REDUCTION}",
}


def _warn_size_mismatch(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=3)


def _check_weight(weight, input):
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")


def _pointwise_loss(node_class, loss_array, input, target, reduction, args=()):
    """One node over ``(input, target)`` (broadcast together) whose rules read both and ``args``."""
    x, t = binary_arrays(input, target)
    operands = (input, target) if x is input._data and t is target._data else (x, t)
    count, value = traced(_pointwise_loss_array, *operands, loss_array, reduction, *args)
    return record(value, node_class, (input, target), (input, target), (count,) + tuple(args))


def _pointwise_loss_array(x, t, loss_array, reduction, *args):
    """The number of terms a 'mean' divides by, and the reduced loss."""
    xp = namespace_of(x)
    difference = apply_binary(xp.subtract, x, t)
    count = max(difference.size, 1) if reduction == "mean" else 1
    return count, xp.asarray(reduce_array(loss_array(difference, *args), reduction), dtype=difference.dtype)


# ---------------------------------------------------------------- regression
# PyTorch scales the difference by 2 / count before the gradient, so a huge difference does not overflow.
def _mse_grad_input(grad, self, target, count):
    return (2 / count) * (self - target) * grad


def _mse_grad_target(grad, self, target, count):
    return (-2 / count) * (self - target) * grad


MseLossBackward0 = derivative("MseLossBackward0", _mse_grad_input, _mse_grad_target, saves="self target")


@silent_float_errors
def _squared(difference):
    return difference * difference


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error; a target of another shape is broadcast, with PyTorch's warning."""
    _warn_size_mismatch(input, target)
    reduction = reduction_mode(reduction, size_average, reduce)
    if weight is not None:  # composed of ops, as PyTorch's Python layer does: no kernel, so complex inputs too
        _check_weight(weight, input)
        return _weighted_reduction((input - target) ** 2 * weight, weight, reduction)
    check_loss_dtypes(input, target, "mse_cpu")
    return _pointwise_loss(MseLossBackward0, _squared, input, target, reduction)


def _weighted_reduction(weighted, weight, reduction):
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    return weighted.sum() / weight.sum()


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size_mismatch(input, target)
    reduction = reduction_mode(reduction, size_average, reduce)
    errors = (input - target).abs()
    if weight is not None:
        _check_weight(weight, input)
        return _weighted_reduction(errors * weight, weight, reduction)
    return reduce_loss(errors, reduction)


def _smooth_l1_grad_input(grad, self, target, count, beta):
    d = self - target
    return where(d > beta, grad, where(d < -beta, -grad, grad * d / beta)) / count


def _smooth_l1_grad_target(grad, self, target, count, beta):
    return -_smooth_l1_grad_input(grad, self, target, count, beta)


@silent_float_errors
def _smooth_l1_array(difference, beta):
    xp = namespace_of(difference)
    a = xp.abs(difference)
    return xp.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)


SmoothL1LossBackward0 = derivative("SmoothL1LossBackward0", _smooth_l1_grad_input, _smooth_l1_grad_target,
                                   saves="self target")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Squared error below ``beta``, absolute error above it (``beta=0`` is ``l1_loss``)."""
    _warn_size_mismatch(input, target)
    reduction = reduction_mode(reduction, size_average, reduce)
    if beta == 0:  # PyTorch's Python layer calls l1_loss, which takes complex inputs too
        return l1_loss(input, target, reduction=reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    check_loss_dtypes(input, target, "smooth_l1_cpu")
    return _pointwise_loss(SmoothL1LossBackward0, _smooth_l1_array, input, target, reduction, (beta,))


def _huber_grad_input(grad, self, target, count, delta):
    d = self - target
    return where(d > delta, grad * delta, where(d < -delta, grad * -delta, grad * d)) / count


def _huber_grad_target(grad, self, target, count, delta):
    return -_huber_grad_input(grad, self, target, count, delta)


@silent_float_errors
def _huber_array(difference, delta):
    xp = namespace_of(difference)
    a = xp.abs(difference)
    return xp.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))


HuberLossBackward0 = derivative("HuberLossBackward0", _huber_grad_input, _huber_grad_target, saves="self target")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``smooth_l1_loss`` scaled by ``delta``: squared error below it, ``delta``-sloped beyond."""
    _warn_size_mismatch(input, target)
    check_loss_dtypes(input, target, "huber_cpu", writes_input=True)
    reduction = reduction_mode(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return _pointwise_loss(HuberLossBackward0, _huber_array, input, target, reduction, (delta,))
    _check_weight(weight, input)
    return reduce_loss(_pointwise_loss(HuberLossBackward0, _huber_array, input, target, "none", (delta,)) * weight,
                       reduction)


# ---------------------------------------------------------------- divergences and likelihoods
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """``target * (log(target) - input)``: ``input`` holds log-probabilities ('batchmean' divides by the batch)."""
    for tensor in (input, target):
        kind = tensor._data.dtype.kind
        if kind in "biuc":
            raise RuntimeError(f"kl_div: {'Complex' if kind == 'c' else 'Integral'} inputs not supported.")
    log_target = bool_argument("kl_div", "log_target", None, log_target)
    batchmean = reduction == "batchmean" and size_average is None and reduce is None
    if size_average is None and reduce is None and reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    reduction = "sum" if batchmean else reduction_mode(reduction, size_average, reduce)
    if log_target:
        losses = exp(target) * (target - input)
    else:
        losses = xlogy(target, target) - target * input
    reduced = reduce_loss(losses, reduction)
    if batchmean and input.dim() != 0:
        reduced = reduced / input.shape[0]
    return reduced


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Negative log-likelihood of ``target`` under a Poisson distribution of rate ``input`` (or ``exp(input)``)."""
    check_tensors("poisson_nll_loss", ("input", input), ("target", target))  # a number target would broadcast
    check_reduction_text(reduction)
    reduction = reduction_mode(reduction, size_average, reduce)
    if log_input:
        losses = exp(input) - target * input
    else:
        losses = input - target * log(input + eps)
    if full:
        t = target._data
        xp = namespace_of(t)
        with xp.errstate(divide="ignore", invalid="ignore"):
            stirling = t * xp.log(t) - t + 0.5 * xp.log(2 * math.pi * t)
        # added in the loss's dtype (floating, for integer targets too)
        losses = losses + make_tensor(xp.where(t <= 1, 0, stirling).astype(losses._data.dtype, copy=False))
    return reduce_loss(losses, reduction)


def _variance_for(var, input):
    """``var`` as a tensor broadcastable to ``input`` (one short dim means one variance per row)."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        x = input._data
        return make_tensor(namespace_of(x).full(x.shape, float(var), dtype=x.dtype))
    if not isinstance(var, Tensor):  # PyTorch compares it with 0 first
        raise TypeError(f"'<' not supported between instances of '{type(var).__name__}' and 'int'")
    if any_true(var._data < 0):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) == tuple(input.shape):
        return var
    if tuple(input.shape[:-1]) == tuple(var.shape):
        return var.unsqueeze(-1)
    mismatched = [v for i, v in zip(input.shape, var.shape) if i != v]
    if input.dim() == var.dim() and sum(mismatched) == 1:
        return var
    raise ValueError("var is of incorrect size")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of ``target`` under a Gaussian of mean ``input`` and variance ``var``."""
    var = _variance_for(var, input)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with grad_mode.no_grad():  # the floor keeps log finite without changing the gradient's formula
        var.clamp_(min=eps)
    losses = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return reduce_loss(losses, reduction)


# ---------------------------------------------------------------- margins
def _soft_margin_grad(grad, self, target, count):
    """PyTorch's ``-target * z / (1 + z)`` with ``z = exp(-target * input)``: NaN where ``z`` overflows."""
    z = exp(-target * self)
    return -target * z / (1 + z) * (grad / count)


SoftMarginLossBackward0 = derivative("SoftMarginLossBackward0", _soft_margin_grad, saves="self target")


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``log(1 + exp(-target * input))`` for targets of ±1."""
    check_tensors("soft_margin_loss", ("input", input), ("target", target))
    if input._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    check_loss_dtypes(input, target, writes_input=True)
    reduction = reduction_mode(reduction, size_average, reduce)
    x, t = binary_arrays(input, target)
    xp = namespace_of(x)
    losses = softplus_array(-apply_binary(xp.multiply, x, t))
    count = max(losses.size, 1) if reduction == "mean" else 1
    value = xp.asarray(reduce_array(losses, reduction), dtype=losses.dtype)
    return record(value, SoftMarginLossBackward0, (input,), (input, target), (count,))


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``: ranks ``input1`` above ``input2`` where target is 1."""
    reduction = reduction_mode(reduction, size_average, reduce)
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    # PyTorch's margin is a C++ double: integer inputs give a floating-point loss
    return reduce_loss((-target * (input1 - input2) + float(margin)).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``input`` where target is 1, ``max(0, margin - input)`` where it is -1."""
    check_tensors("hinge_embedding_loss", ("input", input), ("target", target))
    reduction = reduction_mode(reduction, size_average, reduce)
    if reduction == "mean" and not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype.scalar_type_name}")
    # as PyTorch builds it: the margin filled into the input's dtype (an integer input truncates it), zeros
    # of that dtype where a term does not apply
    zeros = zeros_like(input)
    below_margin = (full_like(input, margin) - input).clamp_min(0)
    return reduce_loss(where(target != 1, below_margin, zeros) + where(target != -1, input, zeros), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos`` for pairs marked 1, ``max(0, cos - margin)`` for pairs marked -1."""
    reduction = reduction_mode(reduction, size_average, reduce)
    dim = target.dim()
    if dim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    inputs_dim = 2 if dim == 1 else 1
    if input1.dim() != inputs_dim or input2.dim() != inputs_dim:
        raise RuntimeError(f"{dim}D target tensor expects {inputs_dim}D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    epsilon = 1e-12
    dot = (input1 * input2).sum(dim)
    squared_norms = ((input1 * input1).sum(dim) + epsilon) * ((input2 * input2).sum(dim) + epsilon)
    cosine = dot / squared_norms.sqrt()
    similar = where(target == 1, 1 - cosine, 0.0)
    dissimilar = where(target == -1, (cosine - margin).clamp_min(0), 0.0)
    return reduce_loss(similar + dissimilar, reduction)


def _triplet(anchor, positive, negative, distance, margin, swap, reduction):
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))``, optionally with the swapped negative."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    to_positive = distance(anchor, positive)
    to_negative = distance(anchor, negative)
    if swap:
        to_negative = minimum(to_negative, distance(positive, negative))
    return reduce_loss((margin + to_positive - to_negative).clamp_min(0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """The triplet loss with p-norm distances."""
    reduction = reduction_mode(reduction, size_average, reduce)

    def distance(a, b):
        return pairwise_distance(a, b, p, eps)

    return _triplet(anchor, positive, negative, distance, margin, swap, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """The triplet loss with any distance (``pairwise_distance`` by default)."""
    reduction = reduction_mode(reduction)
    return _triplet(anchor, positive, negative, distance_function or pairwise_distance, margin, swap, reduction)


def _multi_margin_grad(grad, self, one_hot, class_weight, p, margin, count):
    class_dim = self.dim() - 1
    target_score = where(one_hot != 0, self, 0.0).sum(class_dim, keepdim=True)  # no 0 * inf
    z = self - target_score + margin
    active = (z > 0) & (one_hot == 0)
    slopes = where(active, z * 2, 0.0) if p == 2 else active.to(self.dtype)  # not z * 0 + 1: inf * 0 is NaN
    per_class = slopes * class_weight / (self.shape[class_dim] * count)
    if grad.dim():
        grad = grad.unsqueeze(class_dim)
    per_class = per_class * grad
    return per_class - one_hot * per_class.sum(class_dim, keepdim=True)


MultiMarginLossBackward0 = derivative("MultiMarginLossBackward0", _multi_margin_grad, saves="self")


@silent_float_errors
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-class hinge loss: every class within ``margin`` of the target class's score costs."""
    reduction = reduction_mode(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input._data
    if x.ndim > 2 or (x.ndim == 2 and x.shape[1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(x.shape)}")
    samples = x.shape[0] if x.ndim == 2 else 1
    if target._data.size != samples or target._data.ndim > 1:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{samples}], but got {list(target.shape)}. "
                           f"Input has shape {list(x.shape)}.")
    check_kernel("multi_margin_loss", x)
    xp = namespace_of(x)
    class_dim = x.ndim - 1
    classes = x.shape[class_dim]
    labels = target._data.astype(xp.int64)
    if any_true((labels < 0) | (labels >= classes)):
        raise RuntimeError("target out of range")
    one_hot = xp.zeros(x.shape, dtype=x.dtype)
    xp.put_along_axis(one_hot, xp.expand_dims(labels, class_dim), 1, class_dim)
    target_score = xp.take_along_axis(x, xp.expand_dims(labels, class_dim), class_dim)
    margins = x - target_score + margin
    z = xp.where((margins > 0) & (one_hot == 0), margins, 0)  # PyTorch adds a class only where z > 0 (not NaN)
    weights = xp.ones(classes, dtype=x.dtype) if weight is None else weight._data
    class_weight = xp.expand_dims(weights[labels], class_dim).astype(x.dtype)
    losses = ((z ** p) * class_weight).sum(class_dim) / classes
    count = max(losses.size, 1) if reduction == "mean" else 1
    value = xp.asarray(reduce_array(losses, reduction), dtype=x.dtype)
    return record(value, MultiMarginLossBackward0, (input,), (input,),
                  (make_tensor(one_hot), make_tensor(class_weight), p, margin, count))
