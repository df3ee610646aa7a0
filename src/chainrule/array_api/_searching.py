"""The standard's searching, sorting, set and indexing functions.

Values keep their gradient: ``sort``, ``take``, ``take_along_axis`` and the ``unique_*`` values all
index ``x`` with chainrule's differentiable indexing. Indices and counts are integers with no
derivative, so they are computed on the arrays.
"""

from collections import namedtuple

import numpy as np

import chainrule as _cr
from .._tensor import make_tensor
from ._dtypes import as_operands
from ._statistical import sum as _sum


def _index_result(x, result, axis, keepdims):
    """chainrule's argmax/argmin flatten when ``axis`` is None; keepdims then keeps every axis as size 1."""
    if axis is None and keepdims:
        return result.reshape((1,) * x.ndim)
    return result


def argmax(x, /, *, axis=None, keepdims=False):
    return _index_result(x, _cr.argmax(x, axis, keepdims), axis, keepdims)


def argmin(x, /, *, axis=None, keepdims=False):
    return _index_result(x, _cr.argmin(x, axis, keepdims), axis, keepdims)


def count_nonzero(x, /, *, axis=None, keepdims=False):
    return _sum(x != 0, axis=axis, keepdims=keepdims)


def nonzero(x, /):
    if x.ndim == 0:
        raise ValueError("nonzero needs an array with at least one dimension")
    return tuple(make_tensor(np.ascontiguousarray(i, dtype=np.int64)) for i in np.nonzero(x._data))


def searchsorted(x1, x2, /, *, side="left", sorter=None):
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    sorted_values, values = as_operands(x1, x2)
    order = None if sorter is None else sorter._data
    found = np.searchsorted(sorted_values._data, values._data, side=side, sorter=order)
    return make_tensor(np.asarray(found, dtype=np.int64))


def where(condition, x1, x2, /):
    a, b = as_operands(x1, x2)
    return _cr.where(condition, a, b)


def argsort(x, /, *, axis=-1, descending=False, stable=True):
    """Always a stable sort, which the standard allows for ``stable=False`` too; equal values keep their order."""
    return _cr.argsort(x, axis, descending, stable=True)


def sort(x, /, *, axis=-1, descending=False, stable=True):
    return _cr.sort(x, axis, descending, stable=True).values


def take(x, indices, /, *, axis=None):
    if axis is None:
        if x.ndim != 1:
            raise ValueError("take needs axis for an array with more than one dimension")
        axis = 0
    return x[(slice(None),) * (axis % x.ndim) + (indices._data,)]


def take_along_axis(x, indices, /, *, axis=-1):
    """Pick ``x``'s elements at ``indices`` along ``axis``: advanced indexing with a grid on the other axes."""
    axis = axis % x.ndim
    grid = []
    for a in range(x.ndim):
        shape = [1] * x.ndim
        shape[a] = x.shape[a] if a != axis else indices.shape[a]
        grid.append(indices._data if a == axis else np.arange(x.shape[a]).reshape(shape))
    return x[tuple(grid)]


UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


def _unique(x):
    """The distinct values (each NaN its own), where each first occurs, its inverse and its counts."""
    flat = x.reshape(-1)
    values, first, inverse, counts = np.unique(flat._data, return_index=True, return_inverse=True,
                                               return_counts=True, equal_nan=False)
    return UniqueAllResult(flat[first], make_tensor(first.astype(np.int64)),
                           make_tensor(inverse.reshape(x.shape).astype(np.int64)),
                           make_tensor(counts.astype(np.int64)))


def unique_all(x, /):
    return _unique(x)


def unique_counts(x, /):
    result = _unique(x)
    return UniqueCountsResult(result.values, result.counts)


def unique_inverse(x, /):
    result = _unique(x)
    return UniqueInverseResult(result.values, result.inverse_indices)


def unique_values(x, /):
    return _unique(x).values


__all__ = ["argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where", "argsort", "sort", "take",
           "take_along_axis", "unique_all", "unique_counts", "unique_inverse", "unique_values"]
