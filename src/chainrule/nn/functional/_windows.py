"""The linear building blocks that convolution, pooling and padding are made of.

Each block is a pair of ops that are each other's vjp, so every derivative built from them is
differentiable again:

- ``constant_pad`` pads (or, with negative amounts, crops) the trailing dims; its vjp crops back.
- ``im2col`` lays every sliding window of a (padded) input out as a column, ``(N, C*K, L)``;
  ``col2im`` adds columns back into their windows. They are ``F.unfold`` and ``F.fold``.
- ``gather_flat`` picks elements of each plane by flat index; ``scatter_flat`` adds values back at
  those indices (max pooling and its derivative).
- ``apply_maps`` maps each trailing dim by an index array or a matrix (padding modes, resizing);
  its vjp applies the transposed maps (an index array's transpose adds up the entries that copied each
  position: ``ScatterMap``; on GPU arrays, the 0/1 matrix's transpose).

The array kernels accept any number of spatial dims; ``padding`` is one ``(before, after)``
pair per spatial dim.
"""

import itertools
import math

from ..._array import NUMPY, namespace_of
from ..._ops._kernel import Kernel, replays
from ..._ops._op import derivative, record
from ..._ops.index_put import sorted_runs
from ..._tensor import Tensor
from ..._float_errors import silent_float_errors

__all__ = [
    "apply_maps",
    "apply_maps_array",
    "col2im",
    "col2im_array",
    "constant_pad",
    "constant_pad_array",
    "gather_flat",
    "gather_node",
    "im2col",
    "im2col_array",
    "maps_node",
    "scatter_flat",
    "scatter_node",
    "windows_count",
]


# ---------------------------------------------------------------- constant padding
def constant_pad_array(x, pads, value=0):
    """``x`` with ``pads`` (``(before, after)`` per trailing dim) added; negative amounts crop."""
    lead = x.ndim - len(pads)
    crop = tuple(slice(max(-b, 0), x.shape[lead + i] - max(-a, 0)) for i, (b, a) in enumerate(pads))
    x = x[(Ellipsis,) + crop]
    if all(b <= 0 and a <= 0 for b, a in pads):
        return x.copy()
    grown = tuple(max(b, 0) + s + max(a, 0) for (b, a), s in zip(pads, x.shape[lead:]))
    out = namespace_of(x).full(x.shape[:lead] + grown, value, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(max(b, 0), max(b, 0) + s) for (b, _), s in zip(pads, x.shape[lead:]))] = x
    return out


def _constant_pad_grad(grad, pads):
    return constant_pad(grad, tuple((-b, -a) for b, a in pads))


ConstantPadNdBackward0 = derivative("ConstantPadNdBackward0", _constant_pad_grad)


def constant_pad(input, pads, value=0):
    """The differentiable ``constant_pad_array`` (``F.pad`` in mode ``'constant'``)."""
    return record(constant_pad_array(input._data, pads, value), ConstantPadNdBackward0, (input,), (), (pads,))


# ---------------------------------------------------------------- im2col / col2im
def windows_count(size, kernel, dilation, padding, stride):
    """How many windows fit along each spatial dim (may be zero or negative when none fit)."""
    return tuple((s + b + a - d * (k - 1) - 1) // st + 1
                 for s, k, d, (b, a), st in zip(size, kernel, dilation, padding, stride))


def _window_view(x, kernel, dilation, stride, counts):
    """A read-only strided view ``(N, C, *kernel, *counts)`` of the windows of an already padded ``x``."""
    spatial = x.strides[2:]
    strides = x.strides[:2] + tuple(s * d for s, d in zip(spatial, dilation)) + \
        tuple(s * st for s, st in zip(spatial, stride))
    return namespace_of(x).as_strided(x, x.shape[:2] + tuple(kernel) + tuple(counts), strides, writeable=False)


def im2col_array(x, kernel, dilation, padding, stride):
    """``(N, C, *S)`` to ``(N, C*prod(kernel), L)``: one column per window position."""
    counts = windows_count(x.shape[2:], kernel, dilation, padding, stride)
    if any(p != (0, 0) for p in padding):
        x = constant_pad_array(x, padding)
    view = _window_view(x, kernel, dilation, stride, counts)
    return view.reshape(x.shape[0], x.shape[1] * math.prod(kernel), math.prod(counts))


@silent_float_errors
def col2im_array(cols, size, kernel, dilation, padding, stride):
    """Add the columns of ``cols`` back into their windows of an ``(N, C, *size)`` array."""
    n = cols.shape[0]
    channels = cols.shape[1] // math.prod(kernel)
    counts = windows_count(size, kernel, dilation, padding, stride)
    padded = tuple(s + b + a for s, (b, a) in zip(size, padding))
    out = namespace_of(cols).zeros((n, channels) + padded, dtype=cols.dtype)
    blocks = cols.reshape((n, channels) + tuple(kernel) + tuple(counts))
    for position in itertools.product(*(range(k) for k in kernel)):
        target = tuple(slice(k * d, k * d + st * (c - 1) + 1, st)
                       for k, d, st, c in zip(position, dilation, stride, counts))
        out[(slice(None), slice(None)) + target] += blocks[(slice(None), slice(None)) + position]
    if any(p != (0, 0) for p in padding):
        out = constant_pad_array(out, tuple((-b, -a) for b, a in padding))
    return out


def _im2col_grad(grad, size, kernel, dilation, padding, stride):
    return col2im(grad, size, kernel, dilation, padding, stride)


def _col2im_grad(grad, size, kernel, dilation, padding, stride):
    return im2col(grad, kernel, dilation, padding, stride)


Im2ColBackward0 = derivative("Im2ColBackward0", _im2col_grad)
Col2ImBackward0 = derivative("Col2ImBackward0", _col2im_grad)


def im2col(input, kernel, dilation, padding, stride):
    """The differentiable ``im2col_array`` (an input without batch dim gives columns without one);
    plain arrays stay arrays, so formulas serve both."""
    if not isinstance(input, Tensor):
        return im2col_array(input, kernel, dilation, padding, stride)
    x = input._data
    unbatched = x.ndim == len(kernel) + 1
    cols = im2col_array(x[None] if unbatched else x, kernel, dilation, padding, stride)
    return record(cols[0] if unbatched else cols, Im2ColBackward0, (input,), (),
                  (x.shape[x.ndim - len(kernel):], kernel, dilation, padding, stride))


def col2im(input, size, kernel, dilation, padding, stride):
    """The differentiable ``col2im_array`` (2-d columns give an image without batch dim)."""
    if not isinstance(input, Tensor):
        return col2im_array(input, size, kernel, dilation, padding, stride)
    cols = input._data
    unbatched = cols.ndim == 2
    out = col2im_array(cols[None] if unbatched else cols, size, kernel, dilation, padding, stride)
    return record(out[0] if unbatched else out, Col2ImBackward0, (input,), (),
                  (size, kernel, dilation, padding, stride))


# ---------------------------------------------------------------- flat gather / scatter
def plane_offsets(xp, shape, rank):
    """Where each plane of the last ``rank`` dims of ``shape`` starts in the flattened array."""
    lead = shape[:len(shape) - rank]
    return (xp.arange(math.prod(lead)) * math.prod(shape[len(shape) - rank:])).reshape(lead + (1,) * rank)


def _gather_flat_array(x, index, rank):
    """(One ``take`` from the whole array: 2-3x quicker than ``take_along_axis`` over the planes.)"""
    xp = namespace_of(x)
    return xp.take(x.reshape(-1), index + plane_offsets(xp, x.shape, rank))


def _scatter_flat_array(values, index, shape, rank):
    """Zeros of ``shape`` with ``values`` added at the flat ``index`` of each plane (repeats add up)."""
    xp = namespace_of(values)
    total = xp.bincount((index + plane_offsets(xp, shape, rank)).ravel(), weights=values.ravel(),
                        minlength=math.prod(shape))
    return total.astype(values.dtype, copy=False).reshape(shape)


def _gather_flat_grad(grad, index, shape, rank, scatter_node):
    return scatter_flat(grad, index, shape, rank, scatter_node)


def _scatter_flat_grad(grad, index, shape, rank):
    return gather_flat(grad, index, rank, GatherFlatBackward)


def gather_flat(input, index, rank, node, scatter_node=None):
    """Pick ``input``'s elements by their flat ``index`` within each plane of the last ``rank`` dims.

    Recorded as ``node``; its vjp adds gradients back with ``scatter_flat`` recorded as ``scatter_node``.
    """
    shape = input._data.shape
    return record(_gather_flat_array(input._data, index, rank), node, (input,), (),
                  (index, shape, rank, scatter_node or ScatterFlatBackward))


def scatter_flat(input, index, shape, rank, node):
    """The transpose of ``gather_flat``: ``input`` added into zeros of ``shape`` at ``index``."""
    return record(_scatter_flat_array(input._data, index, shape, rank), node, (input,), (), (index, shape, rank))


def gather_node(name, op=None):
    """A node class for an op whose derivative is ``scatter_flat`` (max pooling, under its own name)."""
    return derivative(name, _gather_flat_grad, op=op)


def scatter_node(name, op=None):
    """A node class for a ``scatter_flat`` (its derivative gathers)."""
    return derivative(name, _scatter_flat_grad, op=op)


GatherFlatBackward = gather_node("GatherBackward0", op="gather_flat")
ScatterFlatBackward = scatter_node("ScatterAddBackward0", op="scatter_flat")


# ---------------------------------------------------------------- separable maps over trailing dims
def _as_matrix(mapping, size, dtype):
    """An index map (output ``o`` copies input ``mapping[o]``) as its (out, size) 0/1 matrix."""
    if mapping.dtype.kind in "fc":  # already a matrix (complex once a complex gradient went through it)
        return mapping.astype(dtype, copy=False)
    return (mapping[:, None] == namespace_of(mapping).arange(size)).astype(dtype)


class ScatterMap:
    """The transpose of an index map onto ``size`` positions: position ``j`` gets the sum of the entries
    ``o`` with ``index[o] == j``, in ascending ``o``, added to zeros (``onto_zeros``, as in PyTorch's padding
    kernels: a sum of -0.0 is +0.0) or not (its circular padding, made of slice copies, adds a zero to the
    positions copied once only). Its own transpose is the index map again."""

    __slots__ = ("index", "size", "onto_zeros")

    def __init__(self, index, size, onto_zeros):
        self.index, self.size, self.onto_zeros = index, size, onto_zeros


def _transposed(mapping, size, dtype, onto_zeros):
    if isinstance(mapping, ScatterMap):
        return mapping.index
    if mapping.dtype.kind in "iu" and namespace_of(mapping) is NUMPY:  # (the GPU takes the matrix product)
        return ScatterMap(mapping, size, onto_zeros)
    return _as_matrix(mapping, size, dtype).T


def _scattered(x, axis, mapping):
    """``x`` mapped along ``axis`` by a ``ScatterMap``: each target's first entry copied, then its second,
    third, ... entries added round by round (a padding has one extra round, for its borders)."""
    shape = list(x.shape)
    shape[axis] = mapping.size
    out = NUMPY.zeros(tuple(shape), dtype=x.dtype)
    if not mapping.index.size:
        return out
    order, targets, starts = sorted_runs(mapping.index)
    copies = NUMPY.diff(NUMPY.append(starts, targets.size))
    occurrence = NUMPY.arange(targets.size) - NUMPY.repeat(starts, copies)
    lead = (slice(None),) * axis
    first = NUMPY.take(x, order[starts], axis=axis)
    if mapping.onto_zeros:
        first += 0  # -0.0 plus zero is +0.0
    else:  # slice copies add a zero to the positions copied once only
        first[lead + (copies == 1,)] += 0
    out[lead + (targets[starts],)] = first
    for k in range(1, int(occurrence.max()) + 1):
        chosen = occurrence == k
        out[lead + (targets[chosen],)] += NUMPY.take(x, order[chosen], axis=axis)
    return out


@silent_float_errors
def apply_maps_array(x, maps):
    """Map each of the last ``len(maps)`` dims of ``x``: gather by an int index array, or multiply by
    an (out, in) matrix along that dim (maps are arrays of ``x``'s namespace)."""
    xp = namespace_of(x)
    for i, mapping in enumerate(maps):
        axis = x.ndim - len(maps) + i
        if isinstance(mapping, ScatterMap):
            x = _scattered(x, axis, mapping)
        elif mapping.dtype.kind in "iu":
            x = xp.take(x, mapping, axis=axis)
        else:
            moved = xp.moveaxis(x, axis, -1)
            matrix = mapping.astype(x.dtype, copy=False)
            mapped = moved @ matrix.T
            if not xp.isfinite(mapped).all():
                mapped = _mapped_by_taps(moved, matrix)
            x = xp.moveaxis(mapped, -1, axis)
    return xp.ascontiguousarray(x)


def _mapped_by_taps(moved, matrix):
    """``moved @ matrix.T`` summed over each output's nonzero weights only.

    The product multiplies every input by every output's weight, zeros included, so one NaN or infinity
    would spread to every output of its row; here it reaches only the outputs whose window reads it, as in
    PyTorch's pooling and resizing kernels. Taken only when the product has a non-finite value."""
    xp = namespace_of(moved)
    support = matrix != 0
    width = max(int(support.sum(axis=1).max(initial=0)), 1)
    taps = xp.argsort(~support, axis=1, kind="stable")[:, :width]  # each output's inputs first, in order
    weights = xp.take_along_axis(matrix, taps, axis=1)
    read = xp.take(moved, taps, axis=-1)  # (..., out, width)
    return xp.where(weights != 0, read * weights, 0).sum(axis=-1, dtype=moved.dtype)


def _transposed_maps(grad, maps, sizes, onto_zeros):
    dtype = grad._data.dtype
    transposed = tuple(_transposed(m, size, dtype, onto_zeros) for m, size in zip(maps, sizes))
    return apply_maps(grad, transposed, MapsTransposedBackward)


def _apply_maps_grad(grad, maps, sizes):
    return _transposed_maps(grad, maps, sizes, onto_zeros=True)


def _copied_slices_grad(grad, maps, sizes):
    return _transposed_maps(grad, maps, sizes, onto_zeros=False)


def apply_maps(input, maps, node):
    """The differentiable ``apply_maps_array``, recorded as ``node`` (its vjp applies the transposes)."""
    x = input._data
    sizes = x.shape[x.ndim - len(maps):]
    return record(apply_maps_array(x, maps), node, (input,), (), (maps, sizes))


def maps_node(name, op=None, copied_slices=False):
    """A node class for ``apply_maps`` under an op's own name (``ReflectionPad2DBackward0``); with
    ``copied_slices`` its gradient adds up as PyTorch's does for an op it makes of slice copies (``ScatterMap``)."""
    return derivative(name, _copied_slices_grad if copied_slices else _apply_maps_grad, op=op)


MapsTransposedBackward = maps_node("MapsTransposedBackward")


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(Im2ColBackward0)
def _im2col_kernel(out, inputs, saved, args):
    size, kernel, dilation, padding, stride = args
    unbatched = inputs[0]._data.ndim == len(kernel) + 1
    return Kernel(_im2col_unbatched if unbatched else im2col_array, (inputs[0], kernel, dilation, padding, stride))


def _im2col_unbatched(x, kernel, dilation, padding, stride):
    return im2col_array(x[None], kernel, dilation, padding, stride)[0]


@replays(Col2ImBackward0)
def _col2im_kernel(out, inputs, saved, args):
    size, kernel, dilation, padding, stride = args
    unbatched = inputs[0]._data.ndim == 2
    return Kernel(_col2im_unbatched if unbatched else col2im_array,
                  (inputs[0], size, kernel, dilation, padding, stride))


def _col2im_unbatched(cols, size, kernel, dilation, padding, stride):
    return col2im_array(cols[None], size, kernel, dilation, padding, stride)[0]


def gather_kernel(out, inputs, saved, args):
    """The kernel of a ``gather_flat`` node: the same flat gather of the window maxima."""
    index, _, rank, _ = args
    return Kernel(_gather_flat_array, (inputs[0], index, rank))


def scatter_kernel(out, inputs, saved, args):
    """The kernel of a ``scatter_flat`` node."""
    index, shape, rank = args
    return Kernel(_scatter_flat_array, (inputs[0], index, shape, rank))
