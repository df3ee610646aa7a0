"""The standard's manipulation functions: axis names for chainrule's shape and joining ops."""

import numpy as np

import chainrule as _cr
from ._dtypes import as_operands


def broadcast_arrays(*arrays):
    shape = np.broadcast_shapes(*(tuple(a.shape) for a in arrays))
    return [_cr.broadcast_to(a, shape) for a in arrays]


def broadcast_to(x, /, shape):
    return _cr.broadcast_to(x, tuple(shape))


def concat(arrays, /, *, axis=0):
    """Join along ``axis`` after the standard's promotion; ``axis=None`` joins the flattened arrays."""
    arrays = as_operands(*arrays)
    if axis is None:
        return _cr.cat([a.reshape(-1) for a in arrays])
    return _cr.cat(arrays, axis)


def expand_dims(x, /, *, axis=0):
    return _cr.unsqueeze(x, axis)


def flip(x, /, *, axis=None):
    if axis is None:
        axis = tuple(range(x.ndim))
    return _cr.flip(x, (axis,) if isinstance(axis, int) else tuple(axis))


def moveaxis(x, source, destination, /):
    return _cr.moveaxis(x, source, destination)


def permute_dims(x, /, axes):
    return _cr.permute(x, tuple(axes))


def repeat(x, repeats, /, *, axis=None):
    """Each element ``repeats`` times along ``axis`` (of the flattened array when ``axis`` is None).

    The result gathers ``x`` with an index array, so gradients sum back over the repetitions.
    """
    if axis is None:
        x, axis = x.reshape(-1), 0
    counts = repeats._data if isinstance(repeats, _cr.Tensor) else repeats
    positions = np.repeat(np.arange(x.shape[axis]), counts)
    return x[(slice(None),) * (axis % x.ndim) + (positions,)]


def reshape(x, /, shape, *, copy=None):
    result = _cr.reshape(x, tuple(shape))
    return result.clone() if copy else result


def roll(x, /, shift, *, axis=None):
    return _cr.roll(x, shift, axis)


def squeeze(x, /, axis):
    """Drop the listed axes; unlike chainrule's ``squeeze``, an axis whose size is not 1 is an error."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"cannot squeeze axis {a} of size {x.shape[a]}")
    return _cr.squeeze(x, axes)


def stack(arrays, /, *, axis=0):
    return _cr.stack(as_operands(*arrays), axis)


def tile(x, repetitions, /):
    return _cr.tile(x, tuple(repetitions))


def unstack(x, /, *, axis=0):
    return tuple(_cr.unbind(x, axis))


def matmul(x1, x2, /):
    return _cr.matmul(*as_operands(x1, x2))


def matrix_transpose(x, /):
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose needs at least 2 dimensions, got {x.ndim}")
    return x.mT


def vecdot(x1, x2, /, *, axis=-1):
    a, b = as_operands(x1, x2)
    return _cr.linalg.vecdot(a, b, dim=axis)


def tensordot(x1, x2, /, *, axes=2):
    """Sum over the paired axes: both operands become matrices (kept axes by contracted ones) for one matmul."""
    a, b = as_operands(x1, x2)
    if isinstance(axes, int):
        if axes < 0:
            raise ValueError(f"axes must be non-negative, got {axes}")
        left, right = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        left, right = [list(ax) if not isinstance(ax, int) else [ax] for ax in axes]
    left = [ax % a.ndim for ax in left]
    right = [ax % b.ndim for ax in right]
    for i, j in zip(left, right):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"contracted axes have sizes {a.shape[i]} and {b.shape[j]}")
    kept_a = [ax for ax in range(a.ndim) if ax not in left]
    kept_b = [ax for ax in range(b.ndim) if ax not in right]
    contracted = int(np.prod([a.shape[ax] for ax in left]))
    rows = int(np.prod([a.shape[ax] for ax in kept_a]))
    columns = int(np.prod([b.shape[ax] for ax in kept_b]))
    a_matrix = a.permute(kept_a + left).reshape(rows, contracted)
    b_matrix = b.permute(right + kept_b).reshape(contracted, columns)
    shape = [a.shape[ax] for ax in kept_a] + [b.shape[ax] for ax in kept_b]
    return _cr.matmul(a_matrix, b_matrix).reshape(shape)


__all__ = ["broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis", "permute_dims",
           "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack", "matmul", "matrix_transpose",
           "vecdot", "tensordot"]
