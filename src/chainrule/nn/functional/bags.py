"""``embedding_bag``: the sum, mean or max of the embeddings of each bag of indices, and the index-returning
forms of max pooling (``max_pool2d_with_indices``, ...).

A bag reduction is a segment reduction of ``embedding``'s rows, written with ``index_add`` (sum, mean)
and ``scatter_reduce`` (max), so its gradients are theirs.
"""

import warnings

from ..._array import namespace_of
from ..._dtype import int64
from ..._tensor import make_tensor
from ..._ops.scatter_forms import scatter_reduce
from ..._ops.scatter import index_add
from ..._signatures import Signatures
from . import pooling
from .pooling import adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d, max_pool1d, max_pool2d, max_pool3d
from .sampling import embedding

__all__ = ["embedding_bag", "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices"]
FUNCTIONS = __all__
SIGNATURES = {
    **{f"max_pool{rank}d_with_indices": pooling.SIGNATURES[f"max_pool{rank}d"] for rank in (1, 2, 3)},
    # PyTorch words these errors as the pooling function's own
    **{f"adaptive_max_pool{rank}d_with_indices": Signatures(f"adaptive_max_pool{rank}d",
                                                             pooling.SIGNATURES[f"adaptive_max_pool{rank}d"])
       for rank in (1, 2, 3)},
}


def _bags(input, offsets, include_last_offset):
    """The flat indices and the bag number of each, from a 2-d input or a 1-d input with offsets."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type Tensor")
        bags, length = input.shape
        xp = namespace_of(input._data)
        return input.reshape(-1), make_tensor(xp.repeat(xp.arange(bags), length)), bags
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    starts = offsets._data.tolist()
    if starts and starts[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {starts[0]}")
    if include_last_offset:
        ends, starts = starts[1:], starts[:-1]
    else:
        ends = starts[1:] + [input.shape[0]]
    bag_of = []
    for bag, (start, end) in enumerate(zip(starts, ends)):
        bag_of.extend([bag] * max(min(end, input.shape[0]) - start, 0))
    return input, make_tensor(namespace_of(input._data).asarray(bag_of, dtype=int64.np)), len(starts)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """One row per bag: the ``sum``, ``mean`` or ``max`` of the embeddings of its indices (empty bags give
    zeros; ``padding_idx`` entries are left out of the bag). Integer weights beside a floating point input are
    the old argument order, swapped back with PyTorch's warning."""
    if weight.dtype == int64 and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, input, "
                      "...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.", stacklevel=2)
        input, weight = weight, input
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, then "
                         f"it must have the same shape as the input ({tuple(input.shape)})")
    if not weight.is_floating_point():
        raise RuntimeError("Expected tensor for argument #1 'weight' to have one of the following scalar types: Half, "
                           f"BFloat16, Float, Double; but got {weight.type()} instead (while checking arguments for "
                           "embedding_bag)")
    if per_sample_weights is not None and per_sample_weights.dtype is not weight.dtype:
        raise RuntimeError("Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 "
                           f"'per_sample_weights'; but type {weight.type()} does not equal {per_sample_weights.type()} "
                           "(while checking arguments for embedding_bag)")
    indices, bag_of, bags = _bags(input, offsets, include_last_offset)
    rows = embedding(indices, weight, None, max_norm, norm_type)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    if padding_idx is not None:
        keep = (indices != (padding_idx % weight.shape[0])).to(rows.dtype)
        rows = rows * keep.reshape(-1, 1)
        counts = index_add(rows.new_zeros(bags), 0, bag_of, keep)
    else:
        counts = index_add(rows.new_zeros(bags), 0, bag_of, rows.new_ones(bag_of.shape[0]))
    empty = weight.new_zeros((bags, weight.shape[1]))
    if mode == "max":
        index = bag_of.reshape(-1, 1).expand(rows.shape)
        result = scatter_reduce(empty, 0, index, rows, "amax", include_self=False)
        return result
    total = index_add(empty, 0, bag_of, rows)
    if mode == "sum":
        return total
    return total / counts.clamp(min=1).reshape(-1, 1)


def _with_indices(pool, name):
    def pooled(*args, **kwargs):
        kwargs["return_indices"] = True
        return pool(*args, **kwargs)

    pooled.__name__ = pooled.__qualname__ = name
    pooled.__doc__ = f"``{pool.__name__}`` with ``return_indices=True``: the values and where they came from."
    return pooled


max_pool1d_with_indices = _with_indices(max_pool1d, "max_pool1d_with_indices")
max_pool2d_with_indices = _with_indices(max_pool2d, "max_pool2d_with_indices")
max_pool3d_with_indices = _with_indices(max_pool3d, "max_pool3d_with_indices")
adaptive_max_pool1d_with_indices = _with_indices(adaptive_max_pool1d, "adaptive_max_pool1d_with_indices")
adaptive_max_pool2d_with_indices = _with_indices(adaptive_max_pool2d, "adaptive_max_pool2d_with_indices")
adaptive_max_pool3d_with_indices = _with_indices(adaptive_max_pool3d, "adaptive_max_pool3d_with_indices")
