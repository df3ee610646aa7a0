"""Out-of-place writes and reductions into a copy: ``slice_scatter``, ``select_scatter``, ``diagonal_scatter``,
``as_strided``/``as_strided_scatter``, ``index_put``, ``put``, ``masked_scatter``, ``scatter_reduce``,
``index_reduce``, ``fill_diagonal_``.

The writes are a clone written through a view (``out[region] = src``), so their gradients are the
indexing machinery's: the written region of ``input`` gets zeros, ``src`` gets the region's gradient.
The reductions compute their values on the arrays. ``prod`` records PyTorch's derivative (whose values at
zeros and infinities it copies); the others carry their gradients by an exact construction
(``value + (S - S.detach()) / count``): forward equal to the reduction, backward the even split among
ties that PyTorch uses for ``amax``/``amin``.
"""

from .._array import any_true, namespace_of
from .._creation import tensor
from .._dtype import int64
from .._errors import argument_type_error, type_name, warn_once
from .._size import int_list
from .._tensor import Tensor, _wrap_dim, make_tensor
from .._autograd import grad_mode
from ._arguments import bool_argument, check_tensors, int_argument
from ._along_dim import flat_positions
from ._op import OUTPUT, derivative, reads_args, record
from ._broadcast import broadcast_shapes
from .index_put import index_put_accumulate
from .indexing import getitem, setitem
from .inplace import fill_number
from .pointwise import where
from .pointwise_base import no_kernel_error
from .scatter import check_positions, gather, scatter_add
from .diagonals import diagonal
from .shape import record_view
from .view_writes import AsStridedBackward0
from .._float_errors import silent_float_errors

__all__ = ["slice_scatter", "select_scatter", "diagonal_scatter", "as_strided", "as_strided_scatter", "index_put",
           "put", "masked_scatter", "scatter_reduce", "index_reduce"]
FUNCTIONS = __all__
METHODS = __all__ + ["fill_diagonal_", "index_put_", "put_", "masked_scatter_", "scatter_reduce_", "index_reduce_"]


def _written(input, key, src):
    """A copy of ``input`` with ``src`` written at ``key``."""
    out = input.clone()
    setitem(out, key, src)
    return out


def _along(dim, ndim, part):
    return (slice(None),) * _wrap_dim(dim, ndim) + (part,)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``input`` with ``src`` written into the slice ``start:end:step`` of ``dim``."""
    check_tensors("slice_scatter", ("input", input), ("src", src))
    start, end = (None if v is None else int_argument("slice_scatter", name, position, v)
                  for name, position, v in (("start", 4, start), ("end", 5, end)))
    if int_argument("slice_scatter", "step", 6, step) <= 0:
        raise RuntimeError("slice step must be positive")
    key = _along(dim, input.dim(), slice(start, end, step))
    expected = getitem(input, key).shape
    if tuple(src.shape) != tuple(expected):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(expected)}")
    return _written(input, key, src)


def select_scatter(input, src, dim, index):
    """``input`` with ``src`` written at position ``index`` of ``dim``."""
    check_tensors("select_scatter", ("input", input), ("src", src))
    key = _along(dim, input.dim(), int_argument("select_scatter", "index", 4, index))
    expected = getitem(input, key).shape
    if tuple(src.shape) != tuple(expected):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(expected)}")
    return _written(input, key, src)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """``input`` with ``src`` written onto its diagonal ``offset`` (between ``dim1`` and ``dim2``)."""
    check_tensors("diagonal_scatter", ("input", input), ("src", src))
    expected = diagonal(input.detach(), offset, dim1, dim2).shape
    if tuple(src.shape) != tuple(expected):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(expected)}")
    ndim = input.dim()
    dim1, dim2 = dim1 % ndim, dim2 % ndim
    xp = namespace_of(input._data)
    count = src.shape[-1]
    key = [slice(None)] * ndim
    key[dim1] = make_tensor(xp.arange(count) + max(-offset, 0))
    key[dim2] = make_tensor(xp.arange(count) + max(offset, 0))
    # NumPy puts the indexed dimension where two adjacent index arrays stand, else first
    position = min(dim1, dim2) if abs(dim1 - dim2) == 1 else 0
    return _written(input, tuple(key), src.movedim(-1, position).to(input.dtype))  # copied in input's dtype


# ---------------------------------------------------------------- as_strided
def _check_strided(x, size, stride, storage_offset):
    """PyTorch's refusals of an ``as_strided`` layout: strides of another length than the sizes, a negative
    stride, or an element beyond the tensor's (its last element found from the sizes and strides, not by
    listing the positions; the sizes in bytes, as PyTorch words them)."""
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(step < 0 for step in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if 0 in size:
        return
    last = storage_offset + sum((extent - 1) * step for extent, step in zip(size, stride))
    if last >= x.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{storage_offset}, and itemsize {x.itemsize} requiring a storage size of "
                           f"{(last + 1) * x.itemsize} are out of bounds for storage of size {x.size * x.itemsize}")


def _storage_positions(xp, size, stride, storage_offset):
    """The flat positions (in row-major order of a contiguous tensor) an ``as_strided`` view reads."""
    positions = xp.full(tuple(size), storage_offset, dtype=xp.int64)
    for axis, (extent, step) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[axis] = extent
        positions = positions + (xp.arange(extent) * step).reshape(shape)
    return positions


def _contiguous_source(input, name, storage_offset):
    """The input's array and the offset to read from, counted from its first element.

    PyTorch counts ``storage_offset`` from the start of the storage; chainrule reads the tensor's own
    elements row-major, which is the same storage when the tensor is contiguous and the offset lands
    inside it.
    """
    check_tensors(name, ("input", input))
    if storage_offset is not None:
        storage_offset = int_argument(name, "storage_offset", 4, storage_offset)
        if storage_offset < 0:
            raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
    x = input._data
    own_offset = 0
    if input._base is not None:
        base = input._base._data
        own_offset = (input.data_ptr() - input._base.data_ptr()) // x.itemsize if base.flags.c_contiguous else -1
    relative = 0 if storage_offset is None else storage_offset - own_offset
    if not x.flags.c_contiguous or own_offset < 0 or relative < 0:
        raise NotImplementedError(f"chainrule.{name} reads a tensor's own elements in row-major order: it needs a "
                                  "contiguous tensor and a storage_offset inside it; call .clone() first")
    return x, relative


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s elements with the given sizes and strides (counted in elements)."""
    x, offset = _contiguous_source(input, "as_strided", storage_offset)
    xp = namespace_of(x)
    size, stride = int_list("as_strided", "size", 2, (size,)), int_list("as_strided", "stride", 3, (stride,))
    _check_strided(x, size, stride, offset)
    flat = x.reshape(-1)
    view = xp.as_strided(flat[offset:] if offset < flat.size else flat[:0], shape=size,
                         strides=tuple(s * x.itemsize for s in stride))
    # where each element comes from: only for a recorded op (listing them costs ~30x the view)
    key = xp.unravel_index(_storage_positions(xp, size, stride, offset), x.shape) if reads_args(input) else None
    return record_view(view, AsStridedBackward0, input, (x.shape, key))


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """``input`` with ``src`` written where ``as_strided(size, stride, storage_offset)`` would look."""
    check_tensors("as_strided_scatter", ("input", input), ("src", src))
    x, offset = _contiguous_source(input, "as_strided_scatter", storage_offset)
    size = int_list("as_strided_scatter", "size", 3, (size,))
    stride = int_list("as_strided_scatter", "stride", 4, (stride,))
    _check_strided(x, size, stride, offset)
    positions = _storage_positions(namespace_of(x), size, stride, offset)
    flat = input.reshape(-1).clone()
    setitem(flat, make_tensor(positions), src.to(flat.dtype))  # copied in input's dtype
    return flat.reshape(input.shape)


# ---------------------------------------------------------------- index_put / put / masked_scatter
def _check_index_put(input, indices, values, accumulate, name):
    check_tensors(name, ("input", input), ("values", 3, values))
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{name}(): argument 'indices' (position 2) must be tuple of Tensors, not "
                        f"{type_name(indices)}")
    for i, index in enumerate(tuple(indices)):
        if not isinstance(index, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type_name(index)}")
    bool_argument("index_put", "accumulate", None, accumulate)
    if values.dtype != input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{input.dtype.scalar_type_name} for the destination and {values.dtype.scalar_type_name} "
                           "for the source.")


def index_put(input, indices, values, accumulate=False):
    """``input`` with ``values`` written at ``input[indices]`` (added there when ``accumulate``)."""
    _check_index_put(input, indices, values, accumulate, "index_put")
    key = tuple(indices)
    if not accumulate:
        return _written(input, key, values)
    region_shape = getitem(input.detach(), key).shape
    arrays = tuple(k._data if isinstance(k, Tensor) else k for k in key)
    added = index_put_accumulate(values.expand(region_shape).to(input.dtype), input._data.shape, arrays)
    return input + added


def index_put_(input, indices, values, accumulate=False):
    """In-place ``index_put``."""
    _check_index_put(input, indices, values, accumulate, "index_put_")
    key = tuple(indices)
    if not accumulate:
        setitem(input, key, values)
        return input
    region_shape = getitem(input.detach(), key).shape
    arrays = tuple(k._data if isinstance(k, Tensor) else k for k in key)
    return input.add_(index_put_accumulate(values.expand(region_shape).to(input.dtype), input._data.shape, arrays))


def _flat_index(input, index):
    numel = input.numel()
    idx = index._data
    if idx.size and (int(idx.min()) < -numel or int(idx.max()) >= numel):
        bad = int(idx.max()) if int(idx.max()) >= numel else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {numel} elements.")
    return make_tensor(idx % max(numel, 1))


def put(input, index, source, accumulate=False):
    """``input`` with ``source`` written at flat positions ``index`` (added when ``accumulate``)."""
    check_tensors("put", ("input", input), ("index", index), ("source", source))
    bool_argument("put", "accumulate", None, accumulate)
    if index.dtype.is_floating_point or index.dtype.is_complex or index.dtype.category == 0:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {index.dtype.scalar_type_name}")
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{input.dtype.scalar_type_name} and source.dtype = {source.dtype.scalar_type_name}")
    flat = input.reshape(-1)
    written = index_put(flat, (_flat_index(input, index).reshape(-1),), source.reshape(-1), accumulate)
    return written.reshape(input.shape)


def put_(input, index, source, accumulate=False):
    """In-place ``put``."""
    return input.copy_(put(input, index, source, accumulate))


def masked_scatter(input, mask, source):
    """``input`` with the first elements of ``source`` written, in order, where ``mask`` is true."""
    check_tensors("masked_scatter", ("input", input), ("mask", mask), ("source", source))
    if source.dtype != input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{input.dtype.scalar_type_name} and {source.dtype.scalar_type_name}")
    if mask.dtype.category != 0:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.scalar_type_name}")
    shape = broadcast_shapes(input._data.shape, mask._data.shape)
    target = input.expand(shape)
    full_mask = mask.expand(shape)
    count = int(full_mask._data.sum())
    if source.numel() < count:
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as the ones in mask")
    return _written(target, full_mask, source.reshape(-1)[:count])


def masked_scatter_(input, mask, source):
    """In-place ``masked_scatter``."""
    return input.copy_(masked_scatter(input, mask, source))


# ---------------------------------------------------------------- scatter_reduce / index_reduce
_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


@silent_float_errors
def _reduced_values(x, dim, idx, src, reduce, include_self, widen):
    """The reduction's values on the arrays, and how many elements met at each position."""
    xp = namespace_of(x)
    shape = x.shape
    if not x.ndim:  # a 0-d tensor is one element along dim 0
        x, idx, src = x.reshape(1), idx.reshape(1), src.reshape(1)
    positions = flat_positions(xp, x.shape, dim, idx).reshape(-1)
    values = src[tuple(slice(0, n) for n in idx.shape)].reshape(-1)
    count = xp.bincount(positions, minlength=x.size).reshape(x.shape)
    touched = count > 0
    identity = {"sum": 0, "mean": 0, "prod": 1, "amax": -xp.inf, "amin": xp.inf}[reduce]
    if x.dtype.kind == "b" and reduce in ("amax", "amin"):
        identity = reduce == "amin"
    elif x.dtype.kind in "iu" and reduce in ("amax", "amin"):
        info = xp.iinfo(x.dtype)
        identity = info.min if reduce == "amax" else info.max
    widened = widen and x.dtype == xp.float16 and reduce in ("sum", "mean", "prod")
    out = x.astype(xp.float32) if widened else x.copy()
    if widened:
        values = values.astype(xp.float32)
    if not include_self:
        out[touched] = identity
    flat_out = out.reshape(-1)  # a view: ``out`` is a fresh contiguous array
    if reduce in ("sum", "mean"):
        xp.scatter_add(flat_out, positions, values)
    elif reduce == "prod":
        xp.multiply.at(flat_out, positions, values)
    elif reduce == "amax":
        xp.maximum.at(flat_out, positions, values)
    else:
        xp.minimum.at(flat_out, positions, values)
    if include_self:
        count = count + 1
    if reduce == "mean":
        divisor = xp.maximum(count, 1).astype(out.dtype)
        out = xp.where(count > 0, out // divisor if x.dtype.kind in "iu" else out / divisor, out)
    return out.astype(x.dtype, copy=False).reshape(shape), count.reshape(shape)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """``input`` with the elements of ``src`` reduced (``sum``, ``prod``, ``mean``, ``amax``, ``amin``) into
    the positions ``index`` names along ``dim``."""
    check_tensors("scatter_reduce", ("input", input), ("index", 3, index), ("src", 4, src))
    if not isinstance(reduce, str):
        raise argument_type_error("scatter_reduce", "reduce", 5, "str", reduce)
    bool_argument("scatter_reduce", "include_self", None, include_self)
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    x = input._data
    dim = _wrap_dim(dim, x.ndim) % max(x.ndim, 1)
    for name, other in (("self", x), ("src", src._data)):
        if max(index._data.ndim, 1) != max(other.ndim, 1):
            raise RuntimeError(f"Index tensor must have the same number of dimensions as {name} tensor")
    if index._data.dtype.kind not in "iu":
        raise RuntimeError("scatter(): Expected dtype int64 for index")
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter_reduce(): Expected self.dtype to be equal to src.dtype")
    if reduce == "mean" and x.dtype.kind == "b":
        raise no_kernel_error("scatter_gather_tensor_cpu_reduce_mean", x.dtype)
    check_positions(x, dim, index._data, src._data)
    return _reduced_into(input, dim, index, src, reduce, include_self, widen=True)


def _reduced_into(input, dim, index, src, reduce, include_self, widen):
    """``scatter_reduce`` on checked arguments; ``widen``: float16 sums and products in float32 (PyTorch's
    ``scatter_reduce`` does this, its ``index_reduce`` does not)."""
    value, count = _reduced_values(input._data, dim, index._data, src._data, reduce, include_self, widen)
    if reduce in ("sum", "mean", "prod"):
        return record(value, ScatterReduceBackward0, (input, src), (input, index, src, OUTPUT),
                      (dim, reduce, include_self, count))
    result = make_tensor(value)
    if grad_mode.is_grad_enabled() and (input.requires_grad or src.requires_grad) or \
            input._tangent is not None or src._tangent is not None:  # forward mode follows the same split
        result = _with_gradient(result, input, dim, index, src, include_self, count)
    return result


def _reduce_grad_self(grad, input, index, src, result, dim, reduce, include_self, count):
    """PyTorch's formula: ``grad`` (sum), over the count (mean), or the product with ``input``'s zeros
    taken as ones over ``input`` (prod; an untouched infinity gets ``inf / inf``, NaN, as there); nothing
    where ``include_self=False`` replaced ``input``."""
    if reduce == "sum":
        grad_input = grad
    elif reduce == "mean":
        grad_input = grad / make_tensor(count).clamp(min=1).to(grad.dtype)
    elif include_self and not any_true((input == 0)._data):
        grad_input = grad * result / input  # the product itself: no zero of ``input`` to take as one
    else:
        masked = input.masked_fill(input == 0, 1)
        grad_input = grad * scatter_reduce(masked, dim, index, src, "prod", include_self=include_self) / masked
    return grad_input if include_self else grad_input.scatter(dim, index, 0.0)


def _reduce_grad_src(grad, input, index, src, result, dim, reduce, include_self, count):
    """PyTorch's formula: ``grad`` gathered (over the count for mean); for prod ``result / src`` gathered,
    and for a position's single zero the product of the others (a zero among several zeros gets zero)."""
    if reduce != "prod":
        return _reduce_grad_self(grad, input, index, src, result, dim, reduce, True, count).gather(dim, index)
    zero = src == 0
    if not any_true(zero._data):
        return gather(grad * result, dim, index) / src
    zeros_met = gather(input.new_zeros(input.shape).scatter_add(dim, index, zero.to(input.dtype)), dim, index)
    single = zero & (zeros_met == 1)
    others = scatter_reduce(input, dim, index, src.masked_fill(single, 1), "prod", include_self=include_self)
    divided = gather(grad * result, dim, index) / src.masked_fill(zero, 1)
    return where(single, gather(grad * others, dim, index), divided)


ScatterReduceBackward0 = derivative("ScatterReduceBackward0", _reduce_grad_self, _reduce_grad_src,
                                    saves="self index src result")


def _with_gradient(result, input, dim, index, src, include_self, count):
    """``result`` (the values of ``amax``/``amin``) carrying the gradient for ``input`` and ``src``: an even
    split among the elements equal to it."""
    constant = result.detach()
    coefficient_self = (input.detach() == constant).to(input.dtype)
    coefficient_src = (src.detach() == gather(constant, dim, index)).to(src.dtype)
    own = input * coefficient_self if include_self else input * 0
    collected = scatter_add(own, dim, index, src * coefficient_src)
    ties = scatter_add(coefficient_self if include_self else coefficient_self * 0, dim, index, coefficient_src)
    collected = collected / ties.clamp(min=1)
    touched = make_tensor(count) > (1 if include_self else 0)
    return constant + where(touched, collected - collected.detach(), input - input.detach())


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """``input`` with the slices of ``source`` reduced (``prod``, ``mean``, ``amax``, ``amin``) into the
    slices ``index`` names along ``dim``."""
    warn_once("index_reduce() is in beta and the API may change at any time.")
    check_tensors("index_reduce", ("input", input), ("index", 3, index), ("source", 4, source))
    if not isinstance(reduce, str):
        raise argument_type_error("index_reduce", "reduce", 5, "str", reduce)
    bool_argument("index_reduce", "include_self", None, include_self)
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_reduce_(): self ({input.dtype.scalar_type_name}) and source "
                           f"({source.dtype.scalar_type_name}) must have the same scalar type")
    if index.dim() > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: {index.dim()} with type: "
                         f"{index.dtype.scalar_type_name} and size: {list(index.shape)}")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
                           f"{reduce}.")
    dim = _wrap_dim(dim, input.dim()) % max(input.dim(), 1)
    if source.dim() != input.dim() or any(a != b for d, (a, b) in enumerate(zip(source.shape, input.shape))
                                          if d != dim):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")
    if input._data.dtype.kind == "b" and (reduce == "mean" or not include_self):  # no such bool kernels
        raise no_kernel_error("index_reduce_func_exclude_input_init" if not include_self else "div_floor_cpu",
                              input._data.dtype)
    positions = index._data
    if any_true((positions < 0) | (positions >= (input.shape[dim] if input.dim() else 1))):
        raise IndexError("index out of range in self")
    shape = [1] * source.dim()
    shape[dim] = -1
    expanded = index.reshape(shape).expand(source.shape)
    return _reduced_into(input, dim, expanded, source, reduce, include_self, widen=False)


def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True):
    return input.copy_(scatter_reduce(input, dim, index, src, reduce, include_self=include_self))


def index_reduce_(input, dim, index, source, reduce, *, include_self=True):
    return input.copy_(index_reduce(input, dim, index, source, reduce, include_self=include_self))


def fill_diagonal_(input, fill_value, wrap=False):
    """Write ``fill_value`` on the main diagonal (all dims equal, or a tall matrix, optionally wrapping)."""
    if input.dim() < 2:
        raise RuntimeError("dimensions must larger than 1")
    shape = tuple(input.shape)
    if input.dim() > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if input.dim() == 2:
        rows, cols = shape
        positions = list(range(0, rows * cols, cols + 1))
        if not wrap:
            positions = positions[:min(rows, cols)]
    else:
        n = shape[0]
        positions = list(range(0, n ** input.dim(), sum(n ** k for k in range(input.dim()))))
    index = tensor(positions, dtype=int64)
    fill_value = fill_number(fill_value, input._data.dtype, len(positions))
    return input.copy_(put(input, index, tensor(fill_value, dtype=input.dtype).expand(len(positions))))
