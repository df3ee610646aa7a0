"""Values put at an index of zeros: the gradient of every read at an index (``x[i]``, ``gather``,
``masked_select``, an embedding), with repeated positions adding up.
"""

import numpy
from numpy import ndarray

from .._array import NUMPY, namespace_of
from ._op import derivative, record, traced

__all__ = ["index_put_accumulate", "scatter_into_zeros", "sorted_runs", "sums_by_row", "SUMMED_BY_ROW_FROM"]


def _index_put_grad(grad, shape, key):
    return grad[key]


IndexPutAccumulateBackward = derivative("IndexPutBackward0", _index_put_grad, op="index_put_accumulate")


def index_put_accumulate(values, shape, key):
    """Zeros of ``shape`` with ``values`` added at ``key`` (repeated positions add up)."""
    out = traced(_added_at, values, shape, key)
    return record(out, IndexPutAccumulateBackward, (values,), (), (values._data.shape, key))


def _added_at(values, shape, key):
    xp = namespace_of(values)
    if (xp is NUMPY and values.ndim >= 2 and values.size >= SUMMED_BY_ROW_FROM and _row_indices(key)
            and values.shape == key[0].shape + tuple(shape[1:])):
        return _rows_summed_after_sorting(values, shape, key[0])
    out = xp.zeros(shape, dtype=values.dtype)
    if xp is NUMPY and 4 * values.size >= out.size:
        # the flat position of every element the key picks (NumPy's indexing rules, whatever the key mixes):
        # add.at on a flat array and flat positions is NumPy's quick path, 5-10x that of a tuple key
        positions = numpy.arange(out.size).reshape(shape)[key]
        xp.scatter_add(out.reshape(-1), positions.reshape(-1), numpy.broadcast_to(values, positions.shape).reshape(-1))
    else:
        xp.scatter_add(out, key, values)
    return out


SUMMED_BY_ROW_FROM = 8192  # elements: from here sorting beats NumPy's add.at (6x on 1024 rows of 64)


def _row_indices(key):
    """Whether ``key`` is one array of non-negative integers, choosing whole rows."""
    if len(key) != 1 or key[0].__class__ is not ndarray or key[0].ndim != 1 or key[0].dtype.kind not in "iu":
        return False
    return key[0].size == 0 or key[0].min() >= 0


def _rows_summed_after_sorting(values, shape, rows):
    """Zeros of ``shape`` with the rows of ``values`` added at ``rows``."""
    at, sums = sums_by_row(values, rows)
    sums += 0  # a sum of -0.0 alone is +0.0 when added to zeros
    out = numpy.zeros(shape, dtype=values.dtype)
    out[at] = sums
    return out


def sorted_runs(index):
    """``(order, sorted index, starts)`` for a non-empty 1-d integer array: the stable order that sorts it and
    where each run of equal entries starts in the sorted array."""
    order = numpy.argsort(index, kind="stable")
    ordered = index[order]
    return order, ordered, numpy.flatnonzero(numpy.concatenate(([True], ordered[1:] != ordered[:-1])))


def sums_by_row(values, rows):
    """``(distinct rows, the sum of the rows of values at each)`` for a 1-d array of row indices: the rows
    sorted by index (stably), each run summed at once. NumPy's ``add.at`` adds row by row, unbuffered,
    several times slower."""
    order, sorted_rows, starts = sorted_runs(rows)
    return sorted_rows[starts], numpy.add.reduceat(values[order], starts, axis=0)


def scatter_into_zeros(grad, shape, key):
    """Gradient of a view: zeros of the base shape with ``grad`` written at ``key``."""
    return record(traced(_written_at, grad, shape, key), IndexPutAccumulateBackward, (grad,), (),
                  (grad._data.shape, key))


def _written_at(values, shape, key):
    out = namespace_of(values).zeros(shape, dtype=values.dtype)
    out[key] = values
    return out
