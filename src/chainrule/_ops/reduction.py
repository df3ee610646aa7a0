"""Reductions: ``sum`` and ``mean`` over everything or over ``dim`` (with ``keepdim``)."""

import numpy as np

from .._dtype import to_dtype
from .._tensor import _wrap_dim
from ._op import derivative, record

__all__ = ["sum", "mean", "normalize_dims", "expand_reduced"]

FUNCTIONS = METHODS = ["sum", "mean"]


def normalize_dims(dim, ndim):
    """A sorted tuple of non-negative dims from an int or a sequence (PyTorch's range errors)."""
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    result = sorted({_wrap_dim(d, ndim) for d in dims})
    if len(result) != len(dims):
        raise RuntimeError("dim appears multiple times in the list of dims")
    return tuple(result)


def expand_reduced(grad, shape, dims, keepdim):
    """Broadcast the gradient of a reduction back over the reduced ``dims`` of ``shape``."""
    if not keepdim and dims:
        for d in dims:
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


def _sum_grad(grad, shape, dims, keepdim):
    return expand_reduced(grad, shape, dims, keepdim)


def _mean_grad(grad, shape, dims, keepdim, count):
    return expand_reduced(grad, shape, dims, keepdim) / count


SumBackward0 = derivative("SumBackward0", _sum_grad)
SumBackward1 = derivative("SumBackward1", _sum_grad)
MeanBackward0 = derivative("MeanBackward0", _mean_grad)
MeanBackward1 = derivative("MeanBackward1", _mean_grad)


def _sum_dtype(x, dtype):
    if dtype is not None:
        return to_dtype(dtype).np
    if x.dtype.kind in "bi" or x.dtype.kind == "u":
        return np.int64
    return None


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum of all elements, or over ``dim``; bool and integer inputs sum in int64."""
    x = input._data
    d = _sum_dtype(x, dtype)
    if dim is None:
        result = np.sum(x, dtype=d)
        if x.dtype == np.float16 and d is None:
            result = np.sum(x, dtype=np.float32).astype(np.float16)
        return record(result, SumBackward0, (input,), (), (x.shape, tuple(range(x.ndim)), False))
    dims = normalize_dims(dim, x.ndim)
    result = np.sum(x, axis=dims, dtype=d, keepdims=keepdim)
    return record(result, SumBackward1, (input,), (), (x.shape, dims, keepdim))


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean; integer inputs raise as in PyTorch (pass ``dtype`` to convert)."""
    x = input._data
    if dtype is not None:
        x = x.astype(to_dtype(dtype).np)
    elif x.dtype.kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype.scalar_type_name}")
    acc = np.float32 if x.dtype == np.float16 else None
    if dim is None:
        result = np.mean(x, dtype=acc) if x.size else np.array(np.nan, dtype=x.dtype)
        if acc is not None:
            result = result.astype(x.dtype)
        return record(result, MeanBackward0, (input,), (), (x.shape, tuple(range(x.ndim)), False, max(x.size, 1)))
    dims = normalize_dims(dim, x.ndim)
    count = 1
    for d in dims:
        count *= x.shape[d]
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.mean(x, axis=dims, keepdims=keepdim, dtype=acc)
    if acc is not None:
        result = result.astype(x.dtype)
    return record(result, MeanBackward1, (input,), (), (x.shape, dims, keepdim, count))
