"""Reading and writing at index tensors: ``gather scatter scatter_add index_select index_add index_copy
index_fill masked_fill masked_select take take_along_dim nonzero argwhere``.

The rules pair up: the gradient of a gather is a scatter-add and the other way round (both are the
ones in ``_along_dim``, which this module checks arguments for), the gradient of ``index_select`` is
an ``index_add``, and a fill blocks the gradient where it wrote. Written with these ops, every rule
is differentiable again.
"""

import math
import warnings

import numpy
from numpy import ndarray

from .._array import namespace_of
from .._tensor import Tensor, _wrap_dim, make_tensor
from ._along_dim import gather_along, scatter_along, scattered_array, zeros_of
from ._broadcast import broadcast_shapes
from ._arguments import check_tensors, not_a_tensor, number_argument
from ._op import derivative, record
from .index_put import SUMMED_BY_ROW_FROM, index_put_accumulate, sums_by_row
from .pointwise import where
from .pointwise_base import write_out
from .rounding import _not_implemented
from .._dtype import _FROM_NUMPY, fitting_number

__all__ = ["gather", "scatter", "scatter_add", "index_select", "index_add", "index_copy", "index_fill",
           "masked_fill", "masked_select", "take", "take_along_dim", "nonzero", "argwhere"]

FUNCTIONS = __all__
METHODS = __all__[:-1] + ["argwhere"]
INPLACE = ["scatter", "scatter_add", "index_add", "index_copy", "index_fill", "masked_fill"]


# ---------------------------------------------------------------- gather / scatter
def _check_index_dtype(index, message):
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(message)
    return index._data


def check_positions(x, dim, index, src=None):
    """PyTorch's checks of a gather's (``src`` None) or a scatter's index; a 0-d tensor counts as 1-d."""
    shape = x.shape or (1,)
    if max(index.ndim, 1) != len(shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    idx = index.reshape(index.shape or (1,))
    for d in range(len(shape)):
        too_big_for_self = d != dim and idx.shape[d] > shape[d]
        if src is None and too_big_for_self:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(idx.shape)} to be no "
                               f"larger than self {list(shape)} apart from dimension {dim}")
        if src is not None and (too_big_for_self or idx.shape[d] > (src.shape or (1,))[d]):
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self {list(shape)} apart from "
                               f"dimension {dim} and to be no larger size than src {list(src.shape)}")
    bad = idx[(idx < 0) | (idx >= shape[dim])]
    if bad.size:
        raise RuntimeError(f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {shape[dim]}")


def gather(input, dim, index, *, sparse_grad=False, out=None):
    check_tensors("gather", ("input", input), ("index", 3, index))
    x = input._data
    idx = _check_index_dtype(index, "gather(): Expected dtype int32/int64 for index")
    dim = _wrap_dim(dim, x.ndim)
    check_positions(x, dim, idx)
    result = gather_along(input, dim, idx)
    return result if out is None else write_out(result, out, "gather")


def _checked_scatter(input, dim, index, src):
    """``(dim, index array)`` for a scatter of ``src`` into ``input``, after PyTorch's checks."""
    x = input._data
    idx = _check_index_dtype(index, "scatter(): Expected dtype int32/int64 for index")
    dim = _wrap_dim(dim, x.ndim)
    source = src._data if isinstance(src, Tensor) else None
    if source is not None and source.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    check_positions(x, dim, idx, source)
    return dim, idx


_DEPRECATED_REDUCE = ("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                      "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.")
_scatter_has_no_derivative = _not_implemented("scatter")
ReducedScatterBackward = derivative("NotImplemented", _scatter_has_no_derivative, _scatter_has_no_derivative,
                                    op="scatter.reduce")
ReducedScatterValueBackward = derivative("NotImplemented", _scatter_has_no_derivative, op="scatter.reduce_value")


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """``input`` with ``src`` (a tensor or a number) written at ``index`` along ``dim``, or combined with
    what is there when ``reduce`` is ``'add'`` or ``'multiply'`` (which, as in PyTorch, has no derivative)."""
    if src is None:
        src = value
    check_tensors("scatter", ("input", input), ("index", 3, index))
    if not isinstance(src, Tensor):
        src = fitting_number(number_argument("scatter", "value", 4, src), input._data.dtype)
    if reduce is not None:
        return _scatter_reduced(input, dim, index, src, reduce, out)
    dim, idx = _checked_scatter(input, dim, index, src)
    result = scatter_along(input, dim, idx, src)
    return result if out is None else write_out(result, out, "scatter")


def _scatter_reduced(input, dim, index, src, reduce, out):
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor):
        warnings.warn(_DEPRECATED_REDUCE, UserWarning, stacklevel=3)
    dim, idx = _checked_scatter(input, dim, index, src)
    values = src._data if isinstance(src, Tensor) else src
    result = scattered_array(input._data, dim, idx, values, reduce)
    if isinstance(src, Tensor):
        result = record(result, ReducedScatterBackward, (input, src))
    else:
        result = record(result, ReducedScatterValueBackward, (input,))
    return result if out is None else write_out(result, out, "scatter")


def scatter_add(input, dim, index, src, *, out=None):
    check_tensors("scatter_add", ("input", input), ("index", 3, index), ("src", 4, src))
    dim, idx = _checked_scatter(input, dim, index, src)
    result = scatter_along(input, dim, idx, src, accumulate=True)
    return result if out is None else write_out(result, out, "scatter_add")


# ---------------------------------------------------------------- index_select / index_add / index_copy / index_fill
def _index_vector(index, name):
    """``index`` as a 1-d integer array (its values are checked by ``_check_in_range``)."""
    idx = index._data
    if idx.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index")
    return idx.reshape(-1)


def _check_in_range(idx, name, x, dim):
    """PyTorch's error for an index outside dim ``dim`` of ``x`` (a 0-d ``x`` counts as one element)."""
    size = x.shape[dim] if x.ndim else 1
    bad = idx[(idx < 0) | (idx >= size)]
    if not bad.size:
        return
    if name != "index_select":
        raise IndexError(f"index {int(bad[0])} is out of bounds for dimension {dim} with size {size}")
    if dim == 1:  # PyTorch's kernel for selecting along dim 1 words it differently
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(bad[0])} axis_dim={size}")
    raise IndexError("index out of range in self")


def _index_select_grad(grad, shape, dim, index):
    return index_add(zeros_of(shape, grad), dim, index, grad)


def _index_add_grad_self(grad, dim, index, alpha):
    return grad


def _index_add_grad_source(grad, dim, index, alpha):
    selected = grad.index_select(dim, index)
    return selected if alpha == 1 else selected * alpha


def _index_copy_grad_self(grad, dim, index):
    return grad.index_fill(dim, index, 0.0)


def _index_copy_grad_source(grad, dim, index):
    return grad.index_select(dim, index)


def _index_fill_grad_value(grad, dim, index):
    return grad.index_select(dim, index).sum()


IndexSelectBackward0 = derivative("IndexSelectBackward0", _index_select_grad)
IndexAddBackward0 = derivative("IndexAddBackward0", _index_add_grad_self, _index_add_grad_source)
IndexCopyBackward0 = derivative("IndexCopyBackward0", _index_copy_grad_self, _index_copy_grad_source)
IndexFillBackward0 = derivative("IndexFillBackward0", _index_copy_grad_self)
IndexFillBackward1 = derivative("IndexFillBackward1", _index_copy_grad_self, _index_fill_grad_value)


def _along(dim, idx):
    return (slice(None),) * dim + (idx,)


def index_select(input, dim, index, *, out=None):
    check_tensors("index_select", ("input", input), ("index", 3, index))
    x = input._data
    dim = _wrap_dim(dim, x.ndim)
    idx = _index_vector(index, "index_select")
    _check_in_range(idx, "index_select", x, dim)
    result = namespace_of(x).take(x, idx, axis=dim) if x.ndim else x.reshape(1)[idx].reshape(())
    result = record(result, IndexSelectBackward0, (input,), (), (x.shape, dim, index))
    return result if out is None else write_out(result, out, "index_select")


def _check_slices(name, shape, dim, source_shape):
    """PyTorch's errors for a source whose shape, apart from ``dim``, is not the destination's."""
    if name == "index_copy_" and len(source_shape) != len(shape):
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({len(source_shape)}), destination dimensionality "
                         f"({len(shape)})")
    if len(source_shape) == len(shape) and all(a == b for d, (a, b) in enumerate(zip(shape, source_shape))
                                               if d != dim):
        return
    if name == "index_copy_":
        def spell(sizes):
            return " ".join(str(size) for d, size in enumerate(sizes) if d != dim)
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {spell(shape)} at dimension {dim} and source slice shape: {spell(source_shape)} "
                           "at dimension 0.")
    raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                       f"self.shape = {list(shape)} source.shape = {list(source_shape)}")


def _check_source(name, x, dim, idx, source):
    if source.dtype != x.dtype:
        raise RuntimeError(f"{name}(): self ({_FROM_NUMPY[x.dtype].scalar_type_name}) and source "
                           f"({_FROM_NUMPY[source.dtype].scalar_type_name}) must have the same scalar type")
    if source.ndim and x.ndim:
        _check_slices(name, x.shape, dim, source.shape)
    count = source.shape[dim] if source.ndim else 1
    if idx.size != count:
        if name == "index_copy_":
            raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) "
                             f"({count})")
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                           f"({count}), for dim: {dim}")


def index_add(input, dim, index, source, *, alpha=1, out=None):
    check_tensors("index_add", ("input", input), ("index", 3, index), ("source", 4, source))
    x = input._data
    dim = _wrap_dim(dim, x.ndim)
    idx = _index_vector(index, "index_add")
    _check_source("index_add_", x, dim, idx, source._data)
    _check_in_range(idx, "index_add", x, dim)
    result = x.copy()
    if alpha != 1:
        alpha = fitting_number(number_argument("index_add", "alpha", None, alpha), x.dtype)
    values = source._data if alpha == 1 else source._data * alpha
    values = values.reshape(result.shape[:dim] + idx.shape + result.shape[dim + 1:])
    if result.__class__ is ndarray and values.ndim >= 2 and values.size >= SUMMED_BY_ROW_FROM and idx.ndim == 1 \
            and (idx.size == 0 or idx.min() >= 0):
        at, sums = sums_by_row(numpy.moveaxis(values, dim, 0), idx)
        numpy.moveaxis(result, dim, 0)[at] += sums
    else:
        namespace_of(x).scatter_add(result, _along(dim, idx), values)
    result = record(result, IndexAddBackward0, (input, source), (), (dim, index, alpha))
    return result if out is None else write_out(result, out, "index_add")


def index_copy(input, dim, index, source, *, out=None):
    check_tensors("index_copy", ("input", input), ("index", 3, index), ("source", 4, source))
    x = input._data
    dim = _wrap_dim(dim, x.ndim)
    idx = _index_vector(index, "index_copy")
    _check_source("index_copy_", x, dim, idx, source._data)
    _check_in_range(idx, "index_copy", x, dim)
    result = x.copy()
    result[_along(dim, idx)] = source._data.reshape(result[_along(dim, idx)].shape)
    result = record(result, IndexCopyBackward0, (input, source), (), (dim, index))
    return result if out is None else write_out(result, out, "index_copy")


def _scalar_value(value, name):
    """A fill value: a number, or a 0-d tensor (which then gets a gradient)."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"{name} only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        return value._data
    return number_argument(name.rstrip("_"), "value", 3 if name == "masked_fill_" else 4, value)


def index_fill(input, dim, index, value):
    check_tensors("index_fill", ("input", input), ("index", 3, index))
    x = input._data
    dim = _wrap_dim(dim, x.ndim)
    idx = _index_vector(index, "index_fill")
    _check_in_range(idx, "index_fill", x, dim)
    number = fitting_number(_scalar_value(value, "index_fill_"), x.dtype)
    if getattr(number, "dtype", x.dtype).kind == "c" and x.dtype.kind != "c":
        raise RuntimeError("index_fill_(): Converting complex Scalar to non-complex type is not supported")
    result = x.copy()
    result[_along(dim, idx) if x.ndim else ()] = number
    if isinstance(value, Tensor):
        return record(result, IndexFillBackward1, (input, value), (), (dim, index))
    return record(result, IndexFillBackward0, (input,), (), (dim, index))


# ---------------------------------------------------------------- masks
def _mask_array(mask, message):
    array = mask._data
    if array.dtype.kind != "b":
        raise RuntimeError(message)
    return array


def _masked_fill_grad_self(grad, mask):
    return where(mask, 0.0, grad)


def _masked_fill_grad_value(grad, mask):
    return where(mask, grad, 0.0).sum()


def _masked_select_grad(grad, shape, mask):
    return index_put_accumulate(grad, shape, (mask,))


MaskedFillBackward0 = derivative("MaskedFillBackward0", _masked_fill_grad_self)
MaskedFillBackward1 = derivative("MaskedFillBackward1", _masked_fill_grad_self, _masked_fill_grad_value)
MaskedSelectBackward0 = derivative("MaskedSelectBackward0", _masked_select_grad)


def masked_fill(input, mask, value):
    check_tensors("masked_fill", ("input", input), ("mask", mask))
    x = input._data
    m = _mask_array(mask, f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype.cpp_name}")
    number = fitting_number(_scalar_value(value, "masked_fill_"), x.dtype)
    broadcast_shapes(m.shape, x.shape)
    xp = namespace_of(x)
    result = xp.where(m, xp.asarray(number, dtype=x.dtype), x)
    if isinstance(value, Tensor):
        return record(result, MaskedFillBackward1, (input, value), (), (mask,))
    return record(result, MaskedFillBackward0, (input,), (), (mask,))


def masked_select(input, mask, *, out=None):
    check_tensors("masked_select", ("input", input), ("mask", mask))
    x = input._data
    m = _mask_array(mask, "masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(x.shape, m.shape)
    xp = namespace_of(x)
    full_mask = xp.broadcast_to(m, shape)
    result = xp.broadcast_to(x, shape)[full_mask]
    result = record(result, MaskedSelectBackward0, (input,), (), (shape, full_mask))
    return result if out is None else write_out(result, out, "masked_select")


# ---------------------------------------------------------------- take / take_along_dim
def _take_grad(grad, shape, flat_index):
    return index_put_accumulate(grad.reshape(-1), (math.prod(shape),), (flat_index,)).reshape(shape)


TakeBackward0 = derivative("TakeBackward0", _take_grad)


def take(input, index):
    check_tensors("take", ("input", input), ("index", index))
    x = input._data
    idx = index._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype.scalar_type_name}")
    size = x.size
    bad = idx[(idx < -size) | (idx >= size)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {int(bad.flat[0])} on a tensor of {size} elements.")
    flat_index = namespace_of(idx).where(idx < 0, idx + size, idx).reshape(-1)
    result = x.reshape(-1)[flat_index].reshape(idx.shape)
    return record(result, TakeBackward0, (input,), (), (x.shape, flat_index))


def take_along_dim(input, indices, dim=None, *, out=None):
    check_tensors("take_along_dim", ("input", input), ("indices", indices))
    if dim is None:
        result = gather(input.reshape(-1), 0, indices.reshape(-1))
    else:
        x, idx = input._data, indices._data
        if x.ndim != idx.ndim:
            raise RuntimeError(f"chainrule.take_along_dim(): input and indices should have the same number of "
                               f"dimensions, but got {x.ndim} dimensions for input, and {idx.ndim} dimensions for "
                               "indices")
        dim = _wrap_dim(dim, x.ndim)
        shape = list(broadcast_shapes(x.shape, idx.shape))
        input_shape, index_shape = list(shape), list(shape)
        input_shape[dim], index_shape[dim] = x.shape[dim], idx.shape[dim]
        expanded = input if tuple(input_shape) == x.shape else input.expand(input_shape)
        indices = indices if tuple(index_shape) == idx.shape else indices.expand(index_shape)
        result = gather(expanded, dim, indices)
    return result if out is None else write_out(result, out, "take_along_dim")


# ---------------------------------------------------------------- nonzero / argwhere
def nonzero(input, *, out=None, as_tuple=False):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("nonzero", ("input", input)) from None
    xp = namespace_of(x)
    if as_tuple:
        return tuple(make_tensor(i.astype(xp.int64)) for i in xp.nonzero(x.reshape(x.shape or (1,))))
    result = make_tensor(xp.argwhere(x).astype(xp.int64))
    return result if out is None else write_out(result, out, "nonzero")


def argwhere(input):
    return nonzero(input)
