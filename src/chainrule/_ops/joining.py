"""Joining and splitting: ``cat stack hstack vstack dstack column_stack`` and ``split chunk tensor_split
unbind``, plus the ops that lay copies side by side: ``repeat tile flip roll rot90``.

``cat`` and ``stack`` take any number of inputs, so their node classes are made per input count:
one vjp per input, each cutting its own piece out of the incoming gradient. ``split``, ``chunk``
and ``unbind`` return several views that share one node, as in PyTorch.
"""

from itertools import accumulate

from .._array import namespace_of
from .._dtype import DIMENSIONED, _FROM_NUMPY, result_type
from .._errors import type_name
from .._size import check_storage_size, int_list, int_list_argument
from .._tensor import Tensor, _wrap_dim
from ._along_dim import zeros_of
from ._arguments import check_tensors, int_argument, not_a_tensor
from ._op import derivative, record, record_multi
from .indexing import slice_view
from .pointwise_base import write_out
from .shape import atleast_1d, atleast_2d, atleast_3d

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "split",
           "chunk", "tensor_split", "unbind", "repeat", "tile", "flip", "fliplr", "flipud", "roll", "rot90"]

FUNCTIONS = __all__
METHODS = ["split", "chunk", "tensor_split", "unbind", "repeat", "flip", "fliplr", "flipud", "roll", "rot90"]
SIGNATURES = {"unbind": "Tensor input, int dim = 0"}


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    if not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type_name(tensors)}")
    for i, value in enumerate(tensors):
        if not isinstance(value, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type_name(value)}")
    return list(tensors)


def _common_arrays(tensors):
    """The inputs' arrays, cast to PyTorch's common dtype for joining them."""
    arrays = [t._data for t in tensors]
    first = arrays[0].dtype
    if all(a.dtype == first for a in arrays):
        return arrays
    common = result_type([(_FROM_NUMPY[a.dtype], DIMENSIONED) for a in arrays]).np
    return [a.astype(common, copy=False) for a in arrays]


# ---------------------------------------------------------------- cat
class _CatPiece:
    """The vjp of one ``cat`` input: its slice of the gradient (an empty 1-d input was skipped)."""

    __slots__ = ("position",)

    def __init__(self, position):
        self.position = position

    def __call__(self, grad, dim, offsets, sizes):
        size = sizes[self.position]
        if size is None:
            return zeros_of((0,), grad)
        return grad.narrow(dim, offsets[self.position], size)


class _StackPiece:
    """The vjp of one ``stack`` input: its index of the gradient along the new dim."""

    __slots__ = ("position",)

    def __init__(self, position):
        self.position = position

    def __call__(self, grad, dim):
        return grad.select(dim, self.position)


_node_classes = {}


def _node_class(name, piece, count):
    """The node class of ``name`` over ``count`` inputs (made once per count)."""
    key = (name, count)
    cls = _node_classes.get(key)
    if cls is None:
        cls = _node_classes[key] = derivative(name, *(piece(i) for i in range(count)), op=f"{name}/{count}")
    return cls


def _is_legacy_empty(array):
    """PyTorch lets a 1-d empty tensor join anything (it is skipped)."""
    return array.ndim == 1 and array.shape[0] == 0


def cat(tensors, dim=0, *, out=None):
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("chainrule.cat(): expected a non-empty list of Tensors")
    arrays = _common_arrays(tensors)
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [a for a in arrays if not _is_legacy_empty(a)]
    if not kept:
        kept = arrays[:1]
    reference = kept[0]
    dim = _wrap_dim(dim, reference.ndim)
    for i, a in enumerate(arrays):
        if a is not reference and not _is_legacy_empty(a):
            _check_cat_shapes(reference, a, dim, i)
    result = namespace_of(reference).concatenate(kept, axis=dim)
    sizes = [None if _is_legacy_empty(a) and reference.ndim != 1 else a.shape[dim] for a in arrays]
    offsets = list(accumulate((s or 0 for s in sizes), initial=0))
    node_class = _node_class("CatBackward0", _CatPiece, len(tensors))
    result = record(result, node_class, tensors, (), (dim, offsets, sizes))
    return result if out is None else write_out(result, out, "cat")


def _check_cat_shapes(reference, array, dim, position):
    if array.ndim != reference.ndim:
        raise RuntimeError(f"Tensors must have same number of dimensions: got {reference.ndim} and {array.ndim}")
    for d, (expected, got) in enumerate(zip(reference.shape, array.shape)):
        if d != dim and expected != got:
            raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected size {expected} but "
                               f"got size {got} for tensor number {position} in the list.")


def concat(tensors, dim=0, *, out=None):
    return cat(tensors, dim, out=out)


def concatenate(tensors, axis=0, *, out=None):
    return cat(tensors, axis, out=out)


# ---------------------------------------------------------------- stack and friends
def stack(tensors, dim=0, *, out=None):
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    arrays = _common_arrays(tensors)
    first = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and "
                               f"{list(a.shape)} at entry {i}")
    dim = _wrap_dim(dim, len(first) + 1)
    node_class = _node_class("StackBackward0", _StackPiece, len(tensors))
    result = record(namespace_of(arrays[0]).stack(arrays, axis=dim), node_class, tensors, (), (dim,))
    return result if out is None else write_out(result, out, "stack")


def _nonempty(tensors, name):
    tensors = _tensor_list(tensors, name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    tensors = [atleast_1d(t) for t in _nonempty(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    return cat([atleast_2d(t) for t in _nonempty(tensors, "vstack")], 0, out=out)


def dstack(tensors, *, out=None):
    return cat([atleast_3d(t) for t in _nonempty(tensors, "dstack")], 2, out=out)


def column_stack(tensors, *, out=None):
    columns = []
    for t in _nonempty(tensors, "column_stack"):
        columns.append(t.reshape(t._data.size, 1) if t._data.ndim <= 1 else t)
    return cat(columns, 1, out=out)


# ---------------------------------------------------------------- split / chunk / unbind
def _join_grads(grads, pieces_shapes, dim, join):
    """The input's gradient from its pieces' gradients (zeros for a piece that got none)."""
    present = next((g for g in grads if g is not None), None)
    if present is None:
        return None
    filled = [g if g is not None else zeros_of(shape, present) for g, shape in zip(grads, pieces_shapes)]
    return join(filled, dim)


def _split_grad(grads, dim, shapes):
    return _join_grads(grads, shapes, dim, cat)


def _unbind_grad(grads, dim, shapes):
    return _join_grads(grads, shapes, dim, stack)


_SPLIT_RULES = {"SplitBackward0": _split_grad, "SplitWithSizesBackward0": _split_grad,
                "UnbindBackward0": _unbind_grad}


def _multi_output_class(name, count):
    """The node class of ``name`` with ``count`` outputs (made once per count)."""
    key = (name, "outputs", count)
    cls = _node_classes.get(key)
    if cls is None:
        cls = _node_classes[key] = derivative(name, _SPLIT_RULES[name], outputs=count, op=f"{name}/{count}")
    return cls


def _multi_view(input, pieces, node_name, dim):
    """Record several views of ``input`` on one node; they share its version counter and base."""
    node_class = _multi_output_class(node_name, len(pieces))
    outs = record_multi(pieces, node_class, (input,), (), (dim, [p.shape for p in pieces]))
    base = input if input._base is None else input._base
    for out in outs:
        out._version_counter = input._version_counter
        out._base = base
    return outs


def _pieces(x, dim, sizes):
    pieces = []
    start = 0
    lead = (slice(None),) * dim
    for size in sizes:
        pieces.append(x[lead + (slice(start, start + size),)])
        start += size
    return pieces


def split(tensor, split_size_or_sections, dim=0):
    x = tensor._data
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = _wrap_dim(dim, x.ndim)
    length = x.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = list(int_list("split_with_sizes", "split_sizes", 2, (split_size_or_sections,)))
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
                               f"size at dimension {dim}), but got split_sizes={sizes}")
        return _multi_view(tensor, _pieces(x, dim, sizes), "SplitWithSizesBackward0", dim)
    size, = int_list("split_with_sizes", "split_sizes", 2, (split_size_or_sections,))
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0 and length != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {length}")
    count = max(1, -(-length // size)) if size else 1
    sizes = [size] * (count - 1) + [length - size * (count - 1)]
    return _multi_view(tensor, _pieces(x, dim, sizes), "SplitBackward0", dim)


def chunk(input, chunks, dim=0):
    check_tensors("chunk", ("input", input))
    chunks = int_argument("chunk", "chunks", 2, chunks)
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    if length == 0:
        return split(input, [0] * chunks, dim)
    return split(input, -(-length // chunks), dim)


def unbind(input, dim=0):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("unbind", ("input", input)) from None
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = _wrap_dim(dim, x.ndim)
    lead = (slice(None),) * dim
    return _multi_view(input, [x[lead + (i,)] for i in range(x.shape[dim])], "UnbindBackward0", dim)


def tensor_split(input, indices_or_sections, dim=0):
    """Pieces cut at ``indices`` or into ``sections`` near-equal parts; each is its own slice view."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("tensor_split", ("input", input)) from None
    if x.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    dim = _wrap_dim(dim, x.ndim)
    length = x.shape[dim]
    split_at = indices_or_sections
    if isinstance(split_at, Tensor):
        if split_at._data.dtype.kind not in "iu":
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               + split_at.dtype.scalar_type_name)
        split_at = split_at._data.item() if split_at._data.ndim == 0 else split_at._data.tolist()
    if isinstance(split_at, (list, tuple)):
        bounds = [0] + list(int_list("tensor_split", "indices", 2, (split_at,))) + [length]
    else:
        sections = int_argument("tensor_split", "sections", 2, split_at)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        small, extra = divmod(length, sections)
        sizes = [small + 1] * extra + [small] * (sections - extra)
        bounds = list(accumulate(sizes, initial=0))
    return tuple(slice_view(input, dim, slice(start, max(start, stop))) for start, stop in zip(bounds, bounds[1:]))


# ---------------------------------------------------------------- repeat / tile
def _repeat_grad(grad, repeats, shape):
    """Sum the copies: view each dim as (copies, size) and add over the copies."""
    split_shape = []
    for r, s in zip(repeats, shape):
        split_shape += [r, s]
    if not split_shape:
        return grad
    return grad.reshape(split_shape).sum(tuple(range(0, len(split_shape), 2)))


RepeatBackward0 = derivative("RepeatBackward0", _repeat_grad)


def repeat(input, *sizes):
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    sizes = int_list("repeat", "repeats", 1, sizes)
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("repeat", ("input", input)) from None
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    target = [r * s for r, s in zip(sizes, shape)]
    for r in sizes:
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(target)}: {target}")
    check_storage_size(target, x.itemsize)
    result = namespace_of(x).tile(x.reshape(shape), sizes)
    return record(result, RepeatBackward0, (input,), (), (sizes, shape))


def tile(input, dims):
    return _tile(input, int_list_argument("tile", "dims", 2, dims))


def _tile_method(input, *dims):
    """``x.tile(2, 3)``, ``x.tile((2, 3))``, ``x.tile(5)``: the method spreads its dims as ``repeat`` does."""
    if not dims:
        raise TypeError('tile() missing 1 required positional arguments: "dims"')
    return _tile(input, int_list("tile", "dims", 1, dims))


def _tile(input, dims):
    try:
        ndim = input._data.ndim
    except AttributeError:
        raise not_a_tensor("tile", ("input", input)) from None
    if len(dims) < ndim:
        dims = (1,) * (ndim - len(dims)) + dims
    return repeat(input, dims)


# ---------------------------------------------------------------- flip / roll / rot90
def _flip_grad(grad, dims):
    return grad.flip(dims)


def _roll_grad(grad, shifts, dims):
    return grad.roll(tuple(-s for s in shifts), dims)


def _rot90_grad(grad, k, dims):
    return grad.rot90(-k, dims)


FlipBackward0 = derivative("FlipBackward0", _flip_grad)
RollBackward0 = derivative("RollBackward0", _roll_grad)
Rot90Backward0 = derivative("Rot90Backward0", _rot90_grad)


def _dims_arg(dims):
    return int_list("flip", "dims", 1, dims)


def flip(input, *dims):
    """``input`` reversed along ``dims`` (a copy; a 0-d input has nothing to reverse)."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("flip", ("input", input)) from None
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    dims = tuple(_wrap_dim(d, x.ndim) for d in _dims_arg(dims))
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    result = x.copy() if x.ndim == 0 else namespace_of(x).flip(x, dims).copy()
    return record(result, FlipBackward0, (input,), (), (dims,))


def fliplr(input):
    check_tensors("fliplr", ("input", input))
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):
    check_tensors("flipud", ("input", input))
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def roll(input, shifts, dims=None):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("roll", ("input", input)) from None
    xp = namespace_of(x)
    shifts = int_list("roll", "shifts", 2, (shifts,))
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        result = xp.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
        return record(result, RollBackward0, (input,), (), (shifts, None))
    dims = int_list("roll", "dims", 3, (dims,))
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(_wrap_dim(d, x.ndim) for d in dims)
    return record(xp.roll(x, shifts, dims), RollBackward0, (input,), (), (shifts, dims))


def rot90(input, k=1, dims=(0, 1)):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("rot90", ("input", input)) from None
    k = int_argument("rot90", "k", 2, k)
    dims = int_list("rot90", "dims", 3, (dims,))
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = _wrap_dim(dims[0], x.ndim), _wrap_dim(dims[1], x.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return record(namespace_of(x).rot90(x, k, (d0, d1)).copy(), Rot90Backward0, (input,), (), (k, (d0, d1)))


METHOD_FORMS = {"tile": _tile_method}
