"""``x[index]``: basic indexing as a chain of views (select, slice, unsqueeze), as PyTorch records it;
integer-array and boolean-mask indexing as one ``IndexBackward0`` node whose gradient accumulates
over repeated indices."""

import numpy as np

from .._tensor import Tensor
from ._op import derivative, record
from .shape import record_view

__all__ = ["getitem", "select", "narrow", "index_put_accumulate"]

FUNCTIONS = METHODS = ["select", "narrow"]


# ---------------------------------------------------------------- views: select / slice / alias
def _select_grad(grad, shape, dim, index):
    return _scatter_into_zeros(grad, shape, (slice(None),) * dim + (index,))


def _slice_grad(grad, shape, dim, key):
    return _scatter_into_zeros(grad, shape, (slice(None),) * dim + (key,))


def _alias_grad(grad):
    return grad


SelectBackward0 = derivative("SelectBackward0", _select_grad)
SliceBackward0 = derivative("SliceBackward0", _slice_grad)
AliasBackward0 = derivative("AliasBackward0", _alias_grad)


def _check_index(index, size, dim):
    if index < -size or index >= size:
        raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")
    return index + size if index < 0 else index


def select(input, dim, index):
    x = input._data
    if x.ndim == 0:
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                         "C++ to convert a 0-dim tensor to a number")
    from .._tensor import _wrap_dim

    dim = _wrap_dim(dim, x.ndim)
    index = _check_index(int(index), x.shape[dim], dim)
    key = (slice(None),) * dim + (index, Ellipsis)
    return record_view(x[key], SelectBackward0, input, (x.shape, dim, index))


def _slice(input, dim, key):
    x = input._data
    start, stop, step = key.indices(x.shape[dim])
    if step <= 0:
        raise ValueError("step must be greater than zero")
    key = slice(start, max(start, stop), step)
    return record_view(x[(slice(None),) * dim + (key,)], SliceBackward0, input, (x.shape, dim, key))


def narrow(input, dim, start, length):
    from .._tensor import _wrap_dim

    dim = _wrap_dim(dim, input._data.ndim)
    start = int(start)
    if start < 0:
        start += input._data.shape[dim]
    return _slice(input, dim, slice(start, start + length))


# ---------------------------------------------------------------- advanced indexing
def _index_grad(grad, shape, key):
    return index_put_accumulate(grad, shape, key)


def _index_put_grad(grad, shape, key):
    return getitem(grad, key)


IndexBackward0 = derivative("IndexBackward0", _index_grad)
IndexPutAccumulateBackward = derivative("IndexPutBackward0", _index_put_grad)


def index_put_accumulate(values, shape, key):
    """Zeros of ``shape`` with ``values`` added at ``key`` (repeated positions add up)."""
    out = np.zeros(shape, dtype=values._data.dtype)
    np.add.at(out, key, values._data)
    return record(out, IndexPutAccumulateBackward, (values,), (), (values._data.shape, key))


def _scatter_into_zeros(grad, shape, key):
    """Gradient of a view: zeros of the base shape with ``grad`` written at ``key``."""
    out = np.zeros(shape, dtype=grad._data.dtype)
    out[key] = grad._data
    return record(out, IndexPutAccumulateBackward, (grad,), (), (grad._data.shape, key))


def _array_index(value, dim_size, dim):
    """A NumPy index from a tensor, list or array used as an index, with PyTorch's checks."""
    array = value._data if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind not in "iu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if array.size:
        bad = array[(array >= dim_size) | (array < -dim_size)]
        if bad.size:
            raise IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {dim_size}")
    return array


def _is_advanced(item):
    return isinstance(item, (Tensor, list, np.ndarray)) or isinstance(item, tuple)


def getitem(input, index):
    """``input[index]`` with PyTorch's views, node names and errors."""
    items = index if isinstance(index, tuple) else (index,)
    if any(_is_advanced(item) for item in items):
        return _advanced(input, items)
    ndim = input._data.ndim
    used = sum(1 for item in items if item is not None and item is not Ellipsis)
    if used > ndim:
        if ndim == 0 and isinstance(items[0], (int, np.integer)):
            select(input, 0, 0)  # raises PyTorch's 0-d message
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if not items or items == (Ellipsis,):
        return record_view(input._data[...], AliasBackward0, input, ())
    _check_basic_bounds(input._data.shape, items, used)
    result = input
    dim = 0
    for item in items:
        if item is Ellipsis:
            dim += ndim - used
        elif item is None:
            result = result.unsqueeze(dim)
            dim += 1
        elif isinstance(item, slice):
            if item != slice(None):
                result = _slice(result, dim, item)
            dim += 1
        elif isinstance(item, (int, np.integer)) or isinstance(item, bool):
            result = select(result, dim, item)
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             "valid indices (got " + type(item).__name__ + ")")
    if result is input:
        return record_view(input._data[...], AliasBackward0, input, ())
    return result


def _check_basic_bounds(shape, items, used):
    """Integer indices checked against the original dims, so errors name the dim the user wrote."""
    dim = 0
    for item in items:
        if item is Ellipsis:
            dim += len(shape) - used
        elif item is not None:
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                _check_index(int(item), shape[dim], dim)
            dim += 1


def _advanced(input, items):
    x = input._data
    key = []
    dim = 0
    for item in items:
        if item is None or isinstance(item, slice):
            key.append(item)
            dim += item is not None
        elif item is Ellipsis:
            key.append(item)
            dim = x.ndim - sum(1 for i in items[items.index(item) + 1:] if i is not None)
        elif isinstance(item, (int, np.integer)):
            key.append(_check_index(int(item), x.shape[dim], dim))
            dim += 1
        else:
            array = _array_index(item, x.shape[dim] if dim < x.ndim else 0, dim)
            if array.dtype.kind == "b":
                expected = x.shape[dim:dim + array.ndim]
                if array.shape != expected:
                    raise IndexError(f"The shape of the mask {list(array.shape)} at index {dim} does not match the "
                                     f"shape of the indexed tensor {list(x.shape)} at index {dim}")
                dim += array.ndim
            else:
                dim += 1
            key.append(array)
    key = tuple(key)
    return record(x[key], IndexBackward0, (input,), (), (x.shape, key))
