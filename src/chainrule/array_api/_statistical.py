"""The standard's statistical and utility functions: ``axis``/``keepdims`` for chainrule's reductions."""

import math

import chainrule as _cr
from ._dtypes import as_operands


def _axes(x, axis):
    """The standard's ``axis`` (None, an int or a tuple) as a tuple of axes."""
    if axis is None:
        return tuple(range(x.ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _reduce(function, x, axis, keepdims, **kwargs):
    """Reduce over the standard's ``axis``; chainrule reads an empty tuple as "all axes", the standard as none."""
    axes = _axes(x, axis)
    if not axes:
        return function(x.unsqueeze(0), (0,), keepdim=False, **kwargs)
    return function(x, axes, keepdim=keepdims, **kwargs)


def max(x, /, *, axis=None, keepdims=False):
    return _reduce(_cr.amax, x, axis, keepdims)


def min(x, /, *, axis=None, keepdims=False):
    return _reduce(_cr.amin, x, axis, keepdims)


def mean(x, /, *, axis=None, keepdims=False):
    return _reduce(_cr.mean, x, axis, keepdims)


def sum(x, /, *, axis=None, dtype=None, keepdims=False):
    return _reduce(_cr.sum, x, axis, keepdims, dtype=dtype)


def std(x, /, *, axis=None, correction=0.0, keepdims=False):
    return _reduce(_cr.std, x, axis, keepdims, correction=correction)


def var(x, /, *, axis=None, correction=0.0, keepdims=False):
    return _reduce(_cr.var, x, axis, keepdims, correction=correction)


def prod(x, /, *, axis=None, dtype=None, keepdims=False):
    """chainrule's ``prod`` reduces one axis: the reduced axes are moved last and merged into one."""
    axes = sorted(a % x.ndim for a in _axes(x, axis)) if x.ndim else []
    kept = [a for a in range(x.ndim) if a not in axes]
    reduced_size = math.prod(x.shape[a] for a in axes)
    merged = x.permute(kept + axes).reshape([x.shape[a] for a in kept] + [reduced_size])
    result = _cr.prod(merged, -1, dtype=dtype)
    if keepdims:
        result = result.reshape([1 if a in axes else x.shape[a] for a in range(x.ndim)])
    return result


def _with_initial(result, x, axis, value):
    shape = list(result.shape)
    shape[axis] = 1
    return _cr.cat([_cr.full(shape, value, dtype=result.dtype), result], axis)


def _cumulative(function, initial, x, axis, dtype, include_initial):
    if axis is None:
        if x.ndim > 1:
            raise ValueError("axis must be given for an array with more than one dimension")
        axis = 0
    if x.ndim == 0:
        raise ValueError("cumulative functions need an array with at least one dimension")
    result = function(x, axis, dtype=dtype)
    return _with_initial(result, x, axis % x.ndim, initial) if include_initial else result


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    return _cumulative(_cr.cumsum, 0, x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    return _cumulative(_cr.cumprod, 1, x, axis, dtype, include_initial)


def all(x, /, *, axis=None, keepdims=False):
    return _reduce(_cr.all, x, axis, keepdims)


def any(x, /, *, axis=None, keepdims=False):
    return _reduce(_cr.any, x, axis, keepdims)


def diff(x, /, *, axis=-1, n=1, prepend=None, append=None):
    """The ``n``-th forward difference along ``axis``, as differences of shifted slices."""
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    pieces = [p for p in (prepend, x, append) if p is not None]
    if len(pieces) > 1:
        x = _cr.cat(as_operands(*pieces), axis)
    for _ in range(n):
        length = x.shape[axis]
        if length == 0:
            break
        x = x.narrow(axis, 1, length - 1) - x.narrow(axis, 0, length - 1)
    return x


__all__ = ["max", "min", "mean", "sum", "std", "var", "prod", "cumulative_sum", "cumulative_prod", "all", "any",
           "diff"]
