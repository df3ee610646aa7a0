"""Ordering ops: ``sort argsort msort topk kthvalue median nanmedian mode unique``, and the extremes
(``max min amax amin aminmax argmax argmin``, defined in ``extrema``).

Orders are stable: equal values keep their input order, ascending and descending, and nan sorts
as the largest value. An op that picks values by position sends the gradient back to the indices
it returned (``_along_dim.selected_grad``, a scatter into zeros).
"""

import math

from .. import return_types
from .._array import namespace_of
from .._tensor import _wrap_dim, make_tensor
from ._along_dim import check_nonempty_dim, pick_along, selected_grad
from ._arguments import ALL, bool_argument, int_argument, none_dim_error, not_a_tensor
from ._op import OUTPUT, derivative, record
from .kernel_dtypes import check_kernel
from .extrema import amax, amin, aminmax, argmax, argmin, evenly_distributed_grad, max, min
from .pointwise_base import kernel_missing, reject, write_out

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "unique",
           "max", "min", "amax", "amin", "aminmax", "argmax", "argmin"]

FUNCTIONS = METHODS = __all__
_ARG_EXTREME = "Tensor input, int? dim = None, bool keepdim = False, *, Tensor? out = None"
# PyTorch's signatures, asked when a call fails (a tensor where a dim belongs is refused before the input's dtype)
SIGNATURES = {
    "sort": ("Tensor input, *, bool? stable, int dim = -1, bool descending = False, Tensor[]? out = None",
             "Tensor input, int dim = -1, bool descending = False, *, Tensor[]? out = None"),
    "argsort": ("Tensor input, *, bool? stable, int dim = -1, bool descending = False, Tensor? out = None",
                "Tensor input, int dim = -1, bool descending = False"),
    "kthvalue": "Tensor input, int k, int dim = -1, bool keepdim = False, *, Tensor[]? out = None",
    "argmax": _ARG_EXTREME, "argmin": _ARG_EXTREME,
}


def stable_argsort(x, dim, descending=False):
    """Indices that sort ``x`` along ``dim``, equal values in input order, nan last (first descending)."""
    xp = namespace_of(x)
    if not descending:
        return xp.argsort(x, axis=dim, kind="stable")
    reversed_order = xp.argsort(xp.flip(x, dim), axis=dim, kind="stable")
    return x.shape[dim] - 1 - xp.flip(reversed_order, dim)


SortBackward0 = derivative("SortBackward0", selected_grad)
SortBackward1 = derivative("SortBackward1", selected_grad)
TopkBackward0 = derivative("TopkBackward0", selected_grad)
KthvalueBackward0 = derivative("KthvalueBackward0", selected_grad)
MedianBackward1 = derivative("MedianBackward1", selected_grad)
NanmedianBackward1 = derivative("NanmedianBackward1", selected_grad)
ModeBackward0 = derivative("ModeBackward0", selected_grad)
MedianBackward0 = derivative("MedianBackward0", evenly_distributed_grad, saves="self result")
NanmedianBackward0 = derivative("NanmedianBackward0", evenly_distributed_grad, saves="self result")


# ---------------------------------------------------------------- sort / argsort / msort
# The dtypes each op refuses, and PyTorch's error for them (``pointwise_base.reject``).
_SORT = {"c": (RuntimeError, " Sort does not support complex dtypes on CPU")}
_TOPK = {"b": (RuntimeError, "topk does not support bool dtypes on CPU"),
         "c": (RuntimeError, " topk does not support complex dtypes on CPU")}
_KTHVALUE = kernel_missing("kthvalue_cpu", "bc")


def sort(input, dim=-1, descending=False, *, stable=None, out=None):
    """``(values, indices)`` in ascending (or descending) order along ``dim``; always stable.

    Passing ``stable`` at all selects PyTorch's other overload, recorded as ``SortBackward1``.
    """
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("sort", ("input", input)) from None
    reject(x, _SORT)
    dim = _wrap_dim(dim, x.ndim)
    indices = stable_argsort(x, dim, descending) if x.ndim else None
    node = SortBackward0 if stable is None else SortBackward1
    return write_out(pick_along(input, dim, indices, True, node, return_types.sort), out, "sort")


def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices ``sort`` returns."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("argsort", ("input", input)) from None
    reject(x, _SORT)
    dim = _wrap_dim(dim, x.ndim)
    xp = namespace_of(x)
    if x.ndim == 0:
        return make_tensor(xp.zeros((), dtype=xp.int64))
    return make_tensor(stable_argsort(x, dim, descending).astype(xp.int64, copy=False))


def msort(input, *, out=None):
    """Values sorted along the first dim."""
    return write_out(sort(input, 0).values, out, "msort")


# ---------------------------------------------------------------- topk / kthvalue
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, in sorted order."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("topk", ("input", input)) from None
    k = int_argument("topk", "k", 2, k)
    reject(x, _TOPK)
    dim = _wrap_dim(dim, x.ndim)
    size = x.shape[dim] if x.ndim else 1
    if k < 0 or k > size:
        raise RuntimeError("selected index k out of range")
    xp = namespace_of(x)
    indices = xp.take(stable_argsort(x, dim, descending=largest), xp.arange(k), axis=dim) if x.ndim else None
    return write_out(pick_along(input, dim, indices, True, TopkBackward0, return_types.topk), out, "topk")


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest value along ``dim`` (``k`` from 1) and its index."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("kthvalue", ("input", input)) from None
    k = int_argument("kthvalue", "k", 2, k)
    bool_argument("kthvalue", "keepdim", None, keepdim)
    if x.ndim:
        reject(x, _KTHVALUE)
    dim = _wrap_dim(dim, x.ndim)
    check_nonempty_dim("kthvalue", x.shape, (dim,))
    size = x.shape[dim] if x.ndim else 1
    if k < 1 or k > size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    xp = namespace_of(x)
    indices = xp.take(stable_argsort(x, dim), xp.arange(k - 1, k), axis=dim) if x.ndim else None
    result = pick_along(input, dim, indices, keepdim, KthvalueBackward0, return_types.kthvalue)
    return write_out(result, out, "kthvalue")


# ---------------------------------------------------------------- median / nanmedian / mode
_MEDIAN = kernel_missing("median_cpu", "bc")
_MEDIAN_ALONG = kernel_missing("median_out", "bc")
_MODE = kernel_missing("mode_cpu", "c")
_FEW, _MANY = 8, 4096  # mode compares positions pairwise along a dim up to _FEW long, in _MANY elements or more


def _lower_median_position(x, dim, skip_nan):
    """Where the lower median sits in the sorted order of each slice; a slice with nan picks its
    first nan, unless ``skip_nan``, which takes the median of the other values."""
    xp = namespace_of(x)
    size = x.shape[dim]
    if x.dtype.kind not in "fc":
        return xp.full(x.shape[:dim] + (1,) + x.shape[dim + 1:], (size - 1) // 2)
    numbers = xp.sum(~xp.isnan(x), axis=dim, keepdims=True)
    if skip_nan:
        return xp.maximum(numbers - 1, 0) // 2
    return xp.where(numbers < size, numbers, (size - 1) // 2)


def _median_along(name, input, dim, keepdim, skip_nan, node, result_type):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor(name, ("input", input)) from None
    bool_argument(name, "keepdim", None, keepdim)
    dim = _wrap_dim(dim, x.ndim)
    check_nonempty_dim("median", x.shape, (dim,))
    reject(x, _MEDIAN_ALONG)
    indices = None
    if x.ndim:
        indices = _stably_sorted_at(x, dim, _lower_median_position(x, dim, skip_nan))
    return pick_along(input, dim, indices, keepdim, node, result_type)


def _stably_sorted_at(x, dim, position):
    """``take_along_axis(stable_argsort(x, dim), position, dim)`` without sorting indices (a stable argsort
    of many slices cost seven times a sort of their values, in the benchmark's median)."""
    xp = namespace_of(x)
    values, position = xp.moveaxis(x, dim, -1), xp.moveaxis(position, dim, -1)
    return xp.moveaxis(xp.matrix_kernel(_stably_sorted_kernel, (1, 1), values, position), -1, dim)


def _stably_sorted_kernel(xp, values, position):
    """Along the last axis: the sorted value at ``position``, then the one of its equal elements that the
    stable order puts there, the ``position - before``-th in input order, where ``before`` elements sort
    ahead of them (a nan equals a nan here and sorts after every number). A kernel of whole stacks of
    slices, as its compaction (``flatnonzero``) has no per-sample form."""
    position = xp.broadcast_to(position, values.shape[:-1] + (1,))
    value = xp.take_along_axis(xp.sort(values, axis=-1), position, -1)
    nan = xp.isnan(value) if values.dtype.kind == "f" else False
    before = (values < value) | (nan & (values == values))
    equal = (values == value) | (nan & (values != values))
    nth = (position - xp.sum(before, axis=-1, keepdims=True)).reshape(-1)
    flat = xp.flatnonzero(equal)  # each slice's equal elements, slice after slice, in input order
    starts = xp.arange(nth.size) * values.shape[-1]
    chosen = flat[xp.searchsorted(flat, starts) + nth] - starts
    return chosen.reshape(position.shape)


def _median_of_all(input, skip_nan, node):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("nanmedian" if skip_nan else "median", ("input", input)) from None
    if x.size:
        reject(x, _MEDIAN)
    xp = namespace_of(x)
    if x.size == 0:
        result = xp.asarray(math.nan if x.dtype.kind in "fc" else 0, dtype=x.dtype)
    else:  # sorted, nan last: a position of the same shape for every batch of values (vmap batches it)
        flat = x.reshape(-1)
        result = xp.take_along_axis(xp.sort(flat), _lower_median_position(flat, 0, skip_nan), 0)[0]
    return record(result, node, (input,), (input, OUTPUT))


def median(input, dim=ALL, keepdim=False, *, out=None):
    """The lower of the two middle values (of all elements, or along ``dim`` with its index); nan if any is nan."""
    if dim is None:
        raise none_dim_error("median")
    if dim is ALL:
        return write_out(_median_of_all(input, False, MedianBackward0), out, "median")
    result = _median_along("median", input, dim, keepdim, False, MedianBackward1, return_types.median)
    return write_out(result, out, "median")


def nanmedian(input, dim=ALL, keepdim=False, *, out=None):
    """``median`` ignoring nan values (nan only when a slice is all nan)."""
    if dim is None:
        raise none_dim_error("nanmedian")
    if dim is ALL:
        return write_out(_median_of_all(input, True, NanmedianBackward0), out, "nanmedian")
    result = _median_along("nanmedian", input, dim, keepdim, True, NanmedianBackward1, return_types.nanmedian)
    return write_out(result, out, "nanmedian")


def _mode_indices(x, dim):
    """For each slice, the last index of its most frequent value (the smallest such value on ties).

    Each slice is sorted (stably); a run of equal values ends where the next value differs, and the
    first longest run ends at the last input position of the smallest most frequent value.
    """
    xp = namespace_of(x)
    moved = xp.moveaxis(x, dim, -1)
    size = moved.shape[-1]
    order = xp.argsort(moved, axis=-1, kind="stable")
    ordered = xp.take_along_axis(moved, order, -1)
    changes = ordered[..., 1:] != ordered[..., :-1]
    stops = xp.ones(moved.shape, dtype=xp.bool_)
    stops[..., :-1] = changes
    starts = xp.ones(moved.shape, dtype=xp.bool_)
    starts[..., 1:] = changes
    positions = xp.arange(size)
    run_start = xp.maximum.accumulate(xp.where(starts, positions, 0), axis=-1)
    run_length = xp.where(stops, positions - run_start + 1, 0)
    last = xp.argmax(run_length, axis=-1, keepdims=True)
    return xp.moveaxis(xp.take_along_axis(order, last, -1), -1, dim)


def _mode_indices_few(x, dim):
    """``_mode_indices`` along a short ``dim`` of many slices: each value counted by comparing the positions
    pairwise, a whole slice of positions at a time (sorting many short slices pays a loop per slice).

    The winner is the largest count, then the smallest value, as the first longest sorted run; a nan
    equals nothing, counts 0 and wins only in an all-nan slice, at its first index (its run of one).
    The index is the last position equal to the winner, the end of its stably sorted run.
    """
    xp = namespace_of(x)
    moved = xp.moveaxis(x, dim, -1)
    columns = xp.ascontiguousarray(moved.reshape(-1, moved.shape[-1]).T)
    counts = [sum(column == other for other in columns) for column in columns]
    best_count, best = counts[0], columns[0]
    for count, column in zip(counts[1:], columns[1:]):
        better = (count > best_count) | ((count == best_count) & (column < best))
        best_count, best = xp.where(better, count, best_count), xp.where(better, column, best)
    last = xp.zeros(best.shape, dtype=xp.int64)
    for position, column in enumerate(columns):
        last = xp.where(column == best, position, last)
    return xp.moveaxis(last.reshape(moved.shape[:-1] + (1,)), -1, dim)


def mode(input, dim=-1, keepdim=False, *, out=None):
    """The most frequent value along ``dim`` (the smallest on ties) and the last index holding it."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("mode", ("input", input)) from None
    bool_argument("mode", "keepdim", None, keepdim)
    dim = _wrap_dim(dim, x.ndim)
    check_nonempty_dim("mode", x.shape, (dim,))
    if x.ndim and x.size:
        reject(x, _MODE)
    if not x.ndim:
        indices = None
    elif x.shape[dim] <= _FEW and x.size >= _MANY:
        indices = _mode_indices_few(x, dim)
    else:
        indices = _mode_indices(x, dim)
    return write_out(pick_along(input, dim, indices, keepdim, ModeBackward0, return_types.mode), out, "mode")


# ---------------------------------------------------------------- unique
def _unique_grad(grad, name):
    raise NotImplementedError(f"the derivative for '{name}' is not implemented.")


Unique2Backward0 = derivative("Unique2Backward0", _unique_grad)
UniqueDimBackward0 = derivative("UniqueDimBackward0", _unique_grad)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted), optionally with the inverse mapping and the counts.

    Not differentiable: a graph through it fails at backward, as in PyTorch.
    """
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("unique", ("input", input)) from None
    for name, flag in (("sorted", sorted), ("return_inverse", return_inverse), ("return_counts", return_counts)):
        bool_argument("_unique2", name, None, flag)
    if dim is not None:
        dim = _wrap_dim(dim, x.ndim)
    check_kernel("unique" if dim is None else "unique_dim", x)
    xp = namespace_of(x)
    values, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True, axis=dim)
    if dim is None:
        node, name = Unique2Backward0, "_unique2"
        inverse = inverse.reshape(x.shape)
    else:
        node, name = UniqueDimBackward0, "unique_dim"
        inverse = inverse.reshape(-1)
    result = record(values, node, (input,), (), (name,))
    extras = [make_tensor(inverse.astype(xp.int64))] if return_inverse else []
    if return_counts:
        extras.append(make_tensor(counts.astype(xp.int64)))
    return (result, *extras) if extras else result
