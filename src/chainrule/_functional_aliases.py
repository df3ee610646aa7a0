"""Top-level names PyTorch gives to some ``nn.functional`` operations, with their own argument orders
(``torch.dropout(input, p, train)``, ``torch.embedding(weight, indices)``, losses whose ``reduction`` is
an integer: 0 none, 1 mean, 2 sum; ``torch.softmax`` with a required ``dim``), and a few structural
functions (``cond``, ``while_loop``, ``empty_strided``, ``frombuffer``, ``nonzero_static``, ``can_cast``,
``result_type``)."""

import numpy as np

from . import _dtype
from ._array import namespace_of
from ._creation import empty, tensor
from ._errors import argument_type_error
from ._size import int_list_argument
from ._tensor import Tensor, make_tensor
from ._signatures import Signatures, checking
from ._ops._arguments import check_tensors
from .nn import functional as F
from .nn.functional import normalization

__all__ = ["dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout", "feature_dropout_",
           "feature_alpha_dropout", "feature_alpha_dropout_", "embedding", "embedding_bag", "batch_norm",
           "instance_norm", "kl_div", "binary_cross_entropy_with_logits", "cosine_embedding_loss",
           "hinge_embedding_loss", "margin_ranking_loss", "poisson_nll_loss", "triplet_margin_loss", "ctc_loss",
           "constant_pad_nd", "convolution", "grid_sampler", "grid_sampler_2d", "grid_sampler_3d",
           "adaptive_max_pool1d", "max_pool1d_with_indices", "cond", "while_loop", "empty_strided", "empty_permuted",
           "frombuffer", "nonzero_static", "can_cast", "result_type", "softmax", "log_softmax", "selu", "group_norm"]

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(value):
    return _REDUCTIONS[value] if isinstance(value, int) else value


def softmax(input, dim, dtype=None):
    """``dim`` is required here: only ``F.softmax`` picks one when it is left out."""
    if dim is None:
        raise argument_type_error("softmax", "dim", 2, "int", dim)
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    if dim is None:
        raise argument_type_error("log_softmax", "dim", 2, "int", dim)
    return F.log_softmax(input, dim, dtype=dtype)


def selu(input):
    return F.selu(input)


group_norm = checking(Signatures("group_norm", "Tensor input, int num_groups, Tensor? weight = None, "
                                               "Tensor? bias = None, float eps = 1e-05"),
                      normalization.native_group_norm, __name__, "group_norm")


def dropout(input, p, train):
    return F.dropout(input, p, train)


def dropout_(input, p, train):
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input, p, train):
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_dropout(input, p, train):
    """Whole channels (dimension 1) zeroed together."""
    return F.dropout2d(input, p, train) if input.dim() >= 3 else F.dropout1d(input, p, train)


def feature_dropout_(input, p, train):
    return input.copy_(feature_dropout(input, p, train))


def feature_alpha_dropout(input, p, train):
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train):
    return F.feature_alpha_dropout(input, p, train, inplace=True)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return F.embedding(indices, weight, None if padding_idx == -1 else padding_idx, None, 2.0, scale_grad_by_freq,
                       sparse)


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """``(output, offset2bag, bag_size, max_indices)`` as PyTorch's native op; only ``output`` is computed
    here, the three bookkeeping tensors are returned empty."""
    mode_name = {0: "sum", 1: "mean", 2: "max"}[mode] if isinstance(mode, int) else mode
    output = F.embedding_bag(indices, weight, offsets, None, 2, scale_grad_by_freq, mode_name, sparse,
                             per_sample_weights, include_last_offset, padding_idx)
    nothing = empty(0, dtype=_dtype.int64)
    return output, nothing, nothing, nothing


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def kl_div(input, target, reduction=0, *, log_target=False):
    return F.kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    check_tensors("binary_cross_entropy_with_logits", ("input", input), ("target", target))
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                              pos_weight=pos_weight)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=0):
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1, zero_infinity=False):
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction), zero_infinity)


def constant_pad_nd(input, pad, value=0):
    return F.pad(input, int_list_argument("constant_pad_nd", "pad", 2, pad), "constant", value)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """The convolution (or transposed convolution) of the rank of ``weight``."""
    rank = weight.dim() - 2
    if transposed:
        function = getattr(F, f"conv_transpose{rank}d")
        return function(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return getattr(F, f"conv{rank}d")(input, weight, bias, stride, padding, dilation, groups)


_INTERPOLATION = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    return F.grid_sample(input, grid, _INTERPOLATION[interpolation_mode], _PADDING[padding_mode], align_corners)


grid_sampler_2d = grid_sampler
grid_sampler_3d = grid_sampler


def adaptive_max_pool1d(input, output_size):
    """``(values, indices)``, as PyTorch's top-level function returns both."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode, return_indices=True)


def cond(pred, true_fn, false_fn, operands=()):
    """``true_fn(*operands)`` or ``false_fn(*operands)``, by ``pred``: run eagerly, one branch."""
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
        pred = bool(pred.item())
    return true_fn(*operands) if pred else false_fn(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """``body_fn`` applied to the carried values while ``cond_fn`` of them holds: run eagerly."""
    carried = tuple(carried_inputs)
    while bool(cond_fn(*carried)):
        carried = tuple(body_fn(*carried))
    return carried


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """Uninitialised values of ``size`` laid out with ``stride`` (in elements)."""
    size = int_list_argument("empty_strided", "size", 1, size)
    stride = int_list_argument("empty_strided", "stride", 2, stride)
    return empty(0, dtype=dtype).new_empty_strided(size, stride, requires_grad=requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """Uninitialised values of ``size`` whose dimensions lie in memory in the order ``physical_layout``."""
    size = tuple(size)
    stored = empty(*[size[d] for d in physical_layout], dtype=dtype)
    order = [0] * len(size)
    for position, d in enumerate(physical_layout):
        order[d] = position
    result = stored.permute(*order)
    return result.requires_grad_(requires_grad) if requires_grad else result


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor sharing the memory of a Python buffer (``bytes``, ``bytearray``, ``memoryview``...)."""
    data = np.frombuffer(buffer, dtype=_dtype.to_dtype(dtype).np, count=count, offset=offset)
    result = tensor(data) if not data.flags.writeable else make_tensor(data)
    return result.requires_grad_(requires_grad) if requires_grad else result


def nonzero_static(input, *, size, fill_value=-1):
    """The first ``size`` coordinates of non-zero elements, padded with ``fill_value`` rows."""
    x = input._data
    xp = namespace_of(x)
    found = xp.stack(xp.nonzero(x), axis=-1).astype(xp.int64) if x.ndim else xp.zeros((int(bool(x)), 0), xp.int64)
    kept = found[:size]
    padding = xp.full((size - kept.shape[0], x.ndim), fill_value, dtype=xp.int64)
    return make_tensor(xp.concatenate([kept, padding]))


def can_cast(from_, to):
    """Whether PyTorch casts ``from_`` into ``to`` implicitly (never to a lower category)."""
    _CAN_CAST.check((from_, to), {})
    return from_.category <= to.category


_CAN_CAST = Signatures("can_cast", "ScalarType from_, ScalarType to")


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on the two operands (tensors or numbers) gives."""
    operands = []
    for value in (tensor1, tensor2):
        if isinstance(value, Tensor):
            operands.append((value.dtype, _dtype.ZERO_DIM if value.dim() == 0 else _dtype.DIMENSIONED))
        else:
            operands.append((_dtype.scalar_dtype(value), _dtype.SCALAR))
    return _dtype.result_type(operands)
