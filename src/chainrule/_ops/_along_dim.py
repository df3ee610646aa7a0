"""What reductions, scans and ordering ops share: dims, and moving values along a dim.

``gather_along`` and ``scatter_along`` are each other's derivative: a value-selecting op (``max``
with a dim, ``sort``, ``topk``, ``cummax``) sends its gradient back by scattering it to the
indices it picked, and the gradient of that scatter gathers from the same indices. ``flip``
turns a forward scan into a reverse one (the gradient of ``cumsum`` is a reversed ``cumsum``).
"""

import numpy as np

from .._tensor import _wrap_dim, make_tensor
from ._op import derivative, record

__all__ = ["normalize_dims", "reduction_dims", "expand_reduced", "reduced_count", "check_nonempty_dim",
           "check_nonempty_input", "gather_along", "scatter_along", "selected_grad", "pick_along", "flip",
           "reverse_cumsum", "shift"]


def normalize_dims(dim, ndim):
    """A sorted tuple of non-negative dims from an int or a sequence (PyTorch's range errors)."""
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    result = []
    for d in dims:
        wrapped = _wrap_dim(d, ndim)
        if wrapped in result:
            raise RuntimeError(f"dim {wrapped} appears multiple times in the list of dims")
        result.append(wrapped)
    return tuple(sorted(result))


def reduction_dims(dim, ndim):
    """The dims a reduction combines: all of them for None or an empty sequence (a 0-d input has none)."""
    if dim is None:
        return tuple(range(ndim))
    if dim.__class__ is int and ndim:
        return (_wrap_dim(dim, ndim),)
    dims = normalize_dims(dim, ndim)
    if ndim == 0:
        return ()
    return dims or tuple(range(ndim))


def expand_reduced(grad, shape, dims, keepdim):
    """Broadcast the gradient of a reduction back over the reduced ``dims`` of ``shape``."""
    if not keepdim and dims:
        for d in dims:
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


def reduced_count(shape, dims):
    """How many elements each output of a reduction over ``dims`` combines."""
    count = 1
    for d in dims:
        count *= shape[d]
    return count


def check_nonempty_dim(name, shape, dims):
    """Reductions without an identity (max, argmax, median...) refuse an empty reduced dim."""
    for d in dims:
        if shape and shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def check_nonempty_input(name, array, error=RuntimeError):
    if array.size == 0:
        detail = ". Specify the reduction dim with the 'dim' argument." if error is RuntimeError else "."
        raise error(f"{name}(): Expected reduction dim to be specified for input.numel() == 0{detail}")


# ---------------------------------------------------------------- gather / scatter along a dim
def _gather_grad(grad, dim, index, shape):
    return scatter_along(grad, dim, index, shape, accumulate=True)


def _scatter_grad(grad, dim, index, shape, accumulate):
    return gather_along(grad, dim, index)


GatherBackward0 = derivative("GatherBackward0", _gather_grad)
ScatterBackward0 = derivative("ScatterBackward0", _scatter_grad)
ScatterAddBackward0 = derivative("ScatterAddBackward0", _scatter_grad)


def gather_along(input, dim, index):
    """``input`` read at ``index`` (an integer array as long as ``input`` has dims) along ``dim``."""
    x = input._data
    if x.ndim == 0:
        result = x.copy()
    else:
        result = np.take_along_axis(x, index, dim)
    return record(result, GatherBackward0, (input,), (), (dim, index, x.shape))


def scatter_along(values, dim, index, shape, accumulate=False):
    """Zeros of ``shape`` with ``values`` written (or, with ``accumulate``, added) at ``index`` along ``dim``.

    Without ``accumulate`` the indices of each slice must be distinct (what sort and max produce).
    """
    v = values._data
    out = np.zeros(shape, dtype=v.dtype)
    if not shape:
        out[...] = v
    elif accumulate:
        position = list(np.indices(index.shape, sparse=True))
        position[dim] = index
        np.add.at(out, tuple(position), v)
    else:
        np.put_along_axis(out, index, v, dim)
    node = ScatterAddBackward0 if accumulate else ScatterBackward0
    return record(out, node, (values,), (), (dim, index, shape, accumulate))


def selected_grad(grad, indices, dim, keepdim, shape):
    """The gradient of values picked at ``indices`` along ``dim``: scattered back to those positions."""
    return scatter_along(grad if keepdim else grad.unsqueeze(dim), dim, indices, shape)


def pick_along(input, dim, indices, keepdim, node, result_type):
    """``result_type((values, indices))``: ``input`` read at ``indices`` (an array with the reduced dim
    kept) along ``dim``, the values recorded with ``node`` (whose rule is ``selected_grad``)."""
    x = input._data
    if x.ndim == 0:
        values, indices, keepdim = x.copy(), np.zeros((), dtype=np.int64), True
        kept = None
    else:
        kept = indices
        values = np.take_along_axis(x, indices, dim)
        if not keepdim:
            values, indices = np.squeeze(values, dim), np.squeeze(indices, dim)
    out_values = record(values, node, (input,), (), (kept, dim, keepdim, x.shape))
    return result_type((out_values, make_tensor(indices.astype(np.int64, copy=False))))


# ---------------------------------------------------------------- flip and reversed scans
def _flip_grad(grad, dim):
    return flip(grad, dim)


FlipBackward0 = derivative("FlipBackward0", _flip_grad)


def flip(input, dim):
    """``input`` reversed along one dim (a copy)."""
    x = input._data
    result = x.copy() if x.ndim == 0 else np.flip(x, dim).copy()
    return record(result, FlipBackward0, (input,), (), (dim,))


def reverse_cumsum(input, dim):
    """``out[i] = sum(input[i:])`` along ``dim``: the gradient of a forward ``cumsum``."""
    return flip(flip(input, dim).cumsum(dim), dim)


def _shift_grad(grad, dim, steps, fill):
    return shift(grad, dim, -steps, 0.0)


ShiftBackward0 = derivative("ShiftBackward0", _shift_grad)


def shift(input, dim, steps, fill):
    """``input`` moved one place along ``dim`` (``steps`` is 1 or -1), the vacated end set to ``fill``.

    With ``cumprod`` it gives exclusive running products: ``shift(x.cumprod(d), d, 1, 1.0)``.
    """
    x = input._data
    out = np.full_like(x, fill)
    lead = (slice(None),) * dim
    if steps > 0:
        out[lead + (slice(1, None),)] = x[lead + (slice(None, -1),)]
    else:
        out[lead + (slice(None, -1),)] = x[lead + (slice(1, None),)]
    return record(out, ShiftBackward0, (input,), (), (dim, steps, fill))
