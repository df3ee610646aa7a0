"""Classification losses: ``nll_loss``, ``cross_entropy``, ``binary_cross_entropy`` (with logits) and
the multi-label losses.

``nll_loss`` is one node (``NllLossBackward0``) whose rule scatters the gradient onto the target
classes through a constant one-hot mask, so it stays differentiable. ``cross_entropy`` is
``log_softmax`` then ``nll_loss`` for class indices, and the composition PyTorch uses for class
probabilities and label smoothing.
"""

import math

from ..._array import all_true, any_true, host_values, namespace_of
from ..._dtype import int64, uint8
from ..._ops._op import derivative, needs_grad, record
from ..._ops.pointwise import logit, sigmoid, where
from ..._ops._op import traced
from ..._signatures import Signatures
from ..._tensor import Tensor, make_tensor
from ..._ops._arguments import not_a_tensor
from ..._ops.kernel_dtypes import check_kernel
from .activation import logsigmoid, softplus, softplus_array
from .loss_reduction import (check_loss_dtypes, check_reduction_text, divide_by_number, reduce_array, reduce_loss,
                             reduction_mode)
from .softmax import log_softmax
from ..._float_errors import silent_float_errors

FUNCTIONS = ["nll_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits",
             "multilabel_soft_margin_loss", "multilabel_margin_loss"]
METHODS = []
_REDUCTION = "object size_average = None, object reduce = None, object reduction = 'mean'"
# PyTorch's Python losses hand their arguments to ops of other names, which word the errors
SIGNATURES = {
    "nll_loss": Signatures("nll_loss_nd", "Tensor input, Tensor target, Tensor? weight = None, "
                                          "object size_average = None, int ignore_index = -100, object reduce = None, "
                                          "object reduction = 'mean'"),
    "cross_entropy": Signatures("cross_entropy_loss", "Tensor input, Tensor target, Tensor? weight = None, "
                                                      "object size_average = None, int ignore_index = -100, "
                                                      "object reduce = None, object reduction = 'mean', "
                                                      "float label_smoothing = 0.0"),
    "multilabel_margin_loss": f"Tensor input, Tensor target, {_REDUCTION}",
}


# ---------------------------------------------------------------- nll_loss
def _check_nll_shapes(input, target):
    ndim = input.dim()
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    if ndim == 1:
        return
    target_batch = target.shape[0] if target.dim() else 1
    if input.shape[0] != target_batch:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target_batch}).")
    if ndim > 2 and tuple(input.shape[2:]) != tuple(target.shape[1:]):
        expected = [input.shape[0]] + list(input.shape[2:])
        raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")


def _check_target_dtype(target):
    if target.dtype not in (int64, uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype.scalar_type_name}")


def _check_weight_size(weight, classes):
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes but got "
                           f"weight tensor of shape: {list(weight.shape)}")


def _nll_grad(grad, one_hot, coefficient, class_dim):
    """Each target class gets ``-weight * grad`` (divided by the total weight for 'mean')."""
    if grad.dim():  # reduction 'none': one gradient per target
        grad = grad.unsqueeze(class_dim)
    return where(one_hot, grad * coefficient, 0.0)


NllLossBackward0 = derivative("NllLossBackward0", _nll_grad)
NllLoss2DBackward0 = derivative("NllLoss2DBackward0", _nll_grad)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of the target classes; ``input`` holds log-probabilities over dim 1.

    Inputs with spatial dims ``(N, C, d1, ...)`` are computed as ``(N, C, H, W)`` images, as in PyTorch.
    """
    reduction = reduction_mode(reduction, size_average, reduce)
    _check_nll_shapes(input, target)
    _check_target_dtype(target)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"nll_loss_out_frame\" not implemented for '{input.dtype.scalar_type_name}'")
    _check_weight_size(weight, input.shape[0 if input.dim() == 1 else 1])
    if input.dim() < 3:
        return _nll(input, target, weight, ignore_index, reduction, NllLossBackward0)
    if input.dim() == 4:
        return _nll(input, target, weight, ignore_index, reduction, NllLoss2DBackward0)
    batch, classes = input.shape[:2]
    pixels = math.prod(input.shape[2:])
    as_image = input.reshape(batch, classes, 1, pixels)
    result = _nll(as_image, target.reshape(batch, 1, pixels), weight, ignore_index, reduction, NllLoss2DBackward0)
    return result.view(tuple(target.shape)) if reduction == "none" else result


def _nll(input, target, weight, ignore_index, reduction, node_class):
    grad = needs_grad(input) or input._tangent is not None  # the rule's masks are needed in forward mode too
    operands = (input, target, ignore_index, reduction, grad) if weight is None else \
        (input, target, ignore_index, reduction, grad, weight)
    value, one_hot, coefficient = traced(_nll_arrays, *operands)
    if not grad:
        return make_tensor(value)
    class_dim = 0 if input.dim() == 1 else 1
    return record(value, node_class, (input,), (), (make_tensor(one_hot), make_tensor(coefficient), class_dim))


@silent_float_errors
def _nll_arrays(x, target, ignore_index, reduction, grad, weight=None):
    """The loss, and for its rule the one-hot target mask and each target's coefficient."""
    xp = namespace_of(x)
    labels = target.astype(xp.int64, copy=False)
    class_dim = 0 if x.ndim == 1 else 1
    classes = x.shape[class_dim]
    kept = labels != ignore_index
    everything_kept = all_true(kept)
    out_of_range = labels.view(xp.uint64) >= classes  # a negative label wraps around to a huge one
    bad = out_of_range if everything_kept else kept & out_of_range
    if any_true(bad):
        raise IndexError(f"Target {int(host_values(labels)[host_values(bad)][0])} is out of bounds.")
    safe_labels = labels if everything_kept else xp.where(kept, labels, 0)
    if x.ndim == 2:  # the common (batch, classes) case, by plain fancy indexing
        rows = xp.arange(x.shape[0])
        picked = x[rows, safe_labels]
    elif x.ndim == 4:  # images: by flat positions, a fraction of take_along_axis's index building
        positions = _image_positions(x.shape, safe_labels)
        picked = x.reshape(-1)[positions]
    else:
        picked = xp.take_along_axis(x, xp.expand_dims(safe_labels, class_dim), class_dim).squeeze(class_dim)
    if weight is None:
        label_weights = xp.ones(labels.shape, dtype=x.dtype) if everything_kept else kept.astype(x.dtype)
    else:
        label_weights = xp.where(kept, weight.astype(x.dtype, copy=False)[safe_labels], 0).astype(x.dtype)
    losses = -picked if weight is None and everything_kept else -picked * label_weights  # (times ones: the same)
    if not everything_kept:  # an ignored target's loss is a plain 0 (the product would give -0. for x > 0)
        losses = xp.where(kept, losses, 0).astype(x.dtype, copy=False)
    if reduction == "none":
        value, scale = losses, label_weights
    elif reduction == "sum":
        value, scale = losses.sum(), label_weights
    else:
        total = label_weights.sum()
        value = losses.sum() / total if total else xp.full((), math.nan, dtype=x.dtype)
        scale = label_weights / total if total else label_weights * math.nan
    value = xp.asarray(value, dtype=x.dtype)
    if not grad:
        return value, None, None
    one_hot = xp.zeros(x.shape, dtype=xp.bool_)
    if x.ndim == 2:
        one_hot[rows, safe_labels] = kept
    elif x.ndim == 4:
        one_hot.reshape(-1)[positions] = kept
    else:
        xp.put_along_axis(one_hot, xp.expand_dims(safe_labels, class_dim), xp.expand_dims(kept, class_dim), class_dim)
    return value, one_hot, xp.expand_dims(-scale, class_dim).astype(x.dtype, copy=False)


def _image_positions(shape, labels):
    """Where each target's class entry lies in a C-ordered ``(N, C, H, W)`` array, as flat positions: for
    the target at ``(n, h, w)``, ``n*C*H*W + label*H*W + h*W + w``."""
    xp = namespace_of(labels)
    plane = shape[2] * shape[3]
    cell = xp.arange(labels.size).reshape(labels.shape)  # n*H*W + h*W + w
    return cell + cell // plane * ((shape[1] - 1) * plane) + labels * plane


# ---------------------------------------------------------------- cross_entropy
def _weight_along_classes(weight, ndim, class_dim):
    shape = [1] * ndim
    shape[class_dim] = -1
    return weight.reshape(shape)


def _cross_entropy_probabilities(log_probs, target, weight, reduction, label_smoothing, class_dim):
    if not target.is_floating_point():
        raise RuntimeError("Expected floating point type for target with class probabilities, got "
                           f"{target.dtype.scalar_type_name}")
    classes = log_probs.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    if weight is not None:
        log_probs = log_probs * _weight_along_classes(weight, log_probs.dim(), class_dim)
    products = log_probs * target
    if reduction == "none":
        return -products.sum(class_dim)
    if reduction == "sum":
        return -products.sum()
    return divide_by_number(-products.sum(), log_probs.numel() / classes)


def _smoothing_term(log_probs, target, weight, reduction, ignore_index, class_dim):
    """What label smoothing adds: the (weighted) mean of ``-log_probs`` over the classes."""
    ignored = make_tensor(target._data == ignore_index)
    if weight is not None:
        log_probs = log_probs * _weight_along_classes(weight, log_probs.dim(), class_dim)
    smooth = where(ignored, 0.0, -log_probs.sum(class_dim))
    if reduction == "none":
        return smooth
    if reduction == "sum":
        return smooth.sum()
    kept = ~ignored._data
    if weight is not None:
        count = weight._data[target._data[kept]].sum()
    else:
        count = kept.sum()
    return smooth.sum() / float(count)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """``nll_loss(log_softmax(input, 1), target)``; a float target of input's shape holds class probabilities."""
    reduction = reduction_mode(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    if input.dim() == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    probabilities = tuple(input.shape) == tuple(target.shape)
    if probabilities and not target.dtype.is_floating_point:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{target.dtype.scalar_type_name}")
    if probabilities and ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    log_probs = log_softmax(input, class_dim)
    if probabilities:
        return _cross_entropy_probabilities(log_probs, target, weight, reduction, label_smoothing, class_dim)
    loss = nll_loss(log_probs, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0:
        return loss
    classes = input.shape[class_dim]
    smooth = _smoothing_term(log_probs, target, weight, reduction, ignore_index, class_dim)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / classes)


# ---------------------------------------------------------------- binary cross entropy
_LOG_FLOOR = -100.0
_DENOMINATOR_FLOOR = 1e-12


def _bce_grad_input(grad, self, target, weight, count):
    denominator = (1 - self) * self
    denominator = where(denominator > _DENOMINATOR_FLOOR, denominator, _DENOMINATOR_FLOOR)
    return _weighted(grad * (self - target) / denominator, weight) / count


def _bce_grad_target(grad, self, target, weight, count):
    """``-logit(input)``, not clamped as the loss is: infinite at an input of 0 or 1, as in PyTorch."""
    return _weighted(grad * -logit(self), weight) / count


def _weighted(t, weight):
    return t if weight is None else t * weight


BinaryCrossEntropyBackward0 = derivative("BinaryCrossEntropyBackward0", _bce_grad_input, _bce_grad_target,
                                         saves="self target")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """``-(t log x + (1 - t) log(1 - x))`` with each log held at -100 or above, as PyTorch does."""
    reduction = reduction_mode(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    check_loss_dtypes(input, target, "binary_cross_entropy", same=True)
    x, t = input._data, target._data
    xp = namespace_of(x)
    if not all_true((x >= 0) & (x <= 1)):  # NaN is refused too, as in PyTorch
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not all_true((t >= 0) & (t <= 1)):
        raise RuntimeError("all elements of target should be between 0 and 1")
    with xp.errstate(divide="ignore"):
        losses = -(t * xp.maximum(xp.log(x), _LOG_FLOOR) + (1 - t) * xp.maximum(xp.log1p(-x), _LOG_FLOOR))
    if weight is not None:
        losses = losses * weight._data
    count = max(x.size, 1) if reduction == "mean" else 1
    value = xp.asarray(reduce_array(losses.astype(x.dtype, copy=False), reduction), dtype=x.dtype)
    return record(value, BinaryCrossEntropyBackward0, (input, target), (input, target), (weight, count))


def _bce_logits_grad_input(grad, self, target, weight, pos_weight, count):
    if pos_weight is None:
        step = sigmoid(self) - target
    else:
        log_weight = (pos_weight - 1) * target + 1
        step = (1 - target) - log_weight * sigmoid(-self)
    return _weighted(grad * step, weight) / count


def _bce_logits_grad_target(grad, self, target, weight, pos_weight, count):
    step = -self if pos_weight is None else (pos_weight - 1) * softplus(-self) - self
    return _weighted(grad * step, weight) / count


BinaryCrossEntropyWithLogitsBackward0 = derivative("BinaryCrossEntropyWithLogitsBackward0", _bce_logits_grad_input,
                                                   _bce_logits_grad_target, saves="self target")


def _check_logits_dtypes(input, target, target_written=True):
    """The refusals of PyTorch's ``log_sigmoid`` of the input and of ``1 - target`` (written in the target's dtype
    when ``target_written``)."""
    if input._data.dtype.kind not in "f":
        raise NotImplementedError(f"\"log_sigmoid_cpu\" not implemented for '{input.dtype.scalar_type_name}'")
    kind = target._data.dtype.kind if isinstance(target, Tensor) else None
    if kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if target_written and kind in ("i", "u"):
        raise RuntimeError(f"result type {input.dtype.scalar_type_name} can't be cast to the desired output type "
                           f"{target.dtype.scalar_type_name}")


@silent_float_errors
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross entropy of ``sigmoid(input)``, computed from the logits so large ones stay finite."""
    reduction = reduction_mode(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _check_logits_dtypes(input, target)
    x, t = input._data, target._data
    softplus_negative = softplus_array(-x)
    if pos_weight is None:
        losses = (1 - t) * x + softplus_negative
    else:
        losses = (1 - t) * x + ((pos_weight._data - 1) * t + 1) * softplus_negative
    if weight is not None:
        losses = losses * weight._data
    count = max(losses.size, 1) if reduction == "mean" else 1
    value = namespace_of(x).asarray(reduce_array(losses.astype(x.dtype, copy=False), reduction), dtype=x.dtype)
    return record(value, BinaryCrossEntropyWithLogitsBackward0, (input, target), (input, target),
                  (weight, pos_weight, count))


# ---------------------------------------------------------------- multi-label
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross entropy of every class's logit, averaged over the classes."""
    check_reduction_text(reduction)
    if not isinstance(input, Tensor):
        raise not_a_tensor("log_sigmoid", ("input", input))
    _check_logits_dtypes(input, target, target_written=False)
    reduction = reduction_mode(reduction, size_average, reduce)
    losses = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        losses = losses * weight
    class_dim = input.dim() - 1
    return reduce_loss(losses.sum(class_dim) / input.shape[class_dim], reduction)


def _multilabel_margin_grad(grad, coefficient):
    if grad.dim():  # reduction 'none': one gradient per sample
        grad = grad.unsqueeze(-1)
    return grad * coefficient


MultilabelMarginLossBackward0 = derivative("MultilabelMarginLossBackward0", _multilabel_margin_grad)


def _check_multilabel_target(input, target):
    if tuple(target.shape) != tuple(input.shape) or input.dim() > 2:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    if target.dtype != int64:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.scalar_type_name}")


@silent_float_errors
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Hinge loss between every target class (listed first in ``target``, ended by -1) and every other class."""
    reduction = reduction_mode(reduction, size_average, reduce)
    _check_multilabel_target(input, target)
    check_kernel("multilabel_margin_loss", input._data)
    xp = namespace_of(input._data)
    x = xp.atleast_2d(input._data)
    labels = xp.atleast_2d(target._data)
    classes = x.shape[1]
    if any_true((labels < -1) | (labels >= classes)):
        raise RuntimeError("argument #2 'target' is out of range")
    listed = xp.cumprod(labels != -1, axis=1).astype(xp.bool_)  # labels before the first -1
    longest = int(listed.sum(axis=1).max()) if listed.size else 0
    labels, listed = labels[:, :longest], listed[:, :longest]  # the margins below are rows x listed x classes
    safe = xp.where(listed, labels, 0)
    rows = xp.broadcast_to(xp.arange(x.shape[0])[:, None], safe.shape)
    is_target = xp.zeros(x.shape, dtype=xp.bool_)
    is_target[rows[listed], safe[listed]] = True
    margins = 1 - xp.take_along_axis(x, safe, 1)[:, :, None] + x[:, None, :]
    active = listed[:, :, None] & ~is_target[:, None, :] & (margins > 0)
    losses = xp.where(active, margins, 0).sum(axis=(1, 2)) / classes  # a NaN margin is not > 0: it costs nothing
    coefficient = active.sum(axis=1).astype(x.dtype)
    xp.scatter_add(coefficient, (rows, safe), -active.sum(axis=2))
    count = max(losses.size, 1) if reduction == "mean" else 1
    coefficient = (coefficient / (classes * count)).reshape(input.shape).astype(x.dtype, copy=False)
    if input.dim() == 1:
        losses = losses.reshape(())
    value = xp.asarray(losses if reduction == "none" else losses.sum() / count, dtype=x.dtype)
    return record(value, MultilabelMarginLossBackward0, (input,), (), (make_tensor(coefficient),))
