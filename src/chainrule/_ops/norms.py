"""Vector norms: ``vector_norm`` (``linalg.vector_norm``) and ``norm``.

Every order records one ``LinalgVectorNormBackward0`` node. Its rule is written so that a zero
norm gives a zero gradient, not nan: the scale ``grad / norm`` is masked where the norm is 0.
"""

import math

import numpy as np

from .._dtype import to_dtype
from ._along_dim import expand_reduced, reduced_count, reduction_dims, write_out
from ._op import OUTPUT, derivative, record
from .pointwise import isnan, sign, where

__all__ = ["vector_norm", "norm"]


def _norm_grad(grad, input, result, ord, dims, keepdim):
    """One formula per order; the 0-"norm" counts non-zeros and has no gradient (None, as in PyTorch)."""
    if ord == 0:
        return None
    shape = input.shape
    grad = expand_reduced(grad, shape, dims, keepdim)
    norm = expand_reduced(result, shape, dims, keepdim)
    zero_norm = norm == 0
    if ord == 1:
        return sign(input) * grad
    if ord == 2:
        return grad * where(zero_norm, 0.0, input / where(zero_norm, 1.0, norm))
    if math.isinf(ord):
        magnitude = input.abs()
        picked = (magnitude == norm) | isnan(magnitude)
        count = picked.sum(dims, keepdim=True)
        return sign(input) * (grad / count * picked)
    zero_input = input == 0
    safe_magnitude = where(zero_input, 1.0, input.abs())
    if ord < 1:
        return sign(input) * safe_magnitude ** (ord - 1) * grad * norm ** (1 - ord)
    if ord < 2:
        scaled = sign(input) * safe_magnitude ** (ord - 1)
    else:
        scaled = input * safe_magnitude ** (ord - 2)
    scale = where(zero_norm, 0.0, grad / where(zero_norm, 1.0, norm) ** (ord - 1))
    return scaled * scale


LinalgVectorNormBackward0 = derivative("LinalgVectorNormBackward0", _norm_grad, saves="self result")


def _norm_array(x, ord, dims, keepdim):
    magnitude = np.abs(x)
    if magnitude.dtype == np.float16:
        magnitude = magnitude.astype(np.float32)
    if ord == math.inf:
        return np.amax(magnitude, axis=dims, keepdims=keepdim)
    if ord == -math.inf:
        return np.amin(magnitude, axis=dims, keepdims=keepdim)
    if ord == 0:
        return np.sum(magnitude != 0, axis=dims, keepdims=keepdim).astype(magnitude.dtype)
    if ord == 1:
        return np.sum(magnitude, axis=dims, keepdims=keepdim)
    if ord == 2:
        return np.sqrt(np.sum(magnitude * magnitude, axis=dims, keepdims=keepdim))
    with np.errstate(divide="ignore", over="ignore"):
        return np.sum(magnitude ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The ``ord``-norm of ``x`` over ``dim`` (every element when None): 2, 1, inf, -inf, 0 or any p."""
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    data = x._data
    if data.dtype.kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{x.dtype.scalar_type_name}")
    if dtype is not None:
        x = x.to(to_dtype(dtype))
        data = x._data
    dims = reduction_dims(dim, data.ndim)
    if math.isinf(ord) and reduced_count(data.shape, dims) == 0:
        which = "inf" if ord > 0 else "-inf"
        empty = [d for d in dims if data.shape[d] == 0]
        if dim is None or not empty:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {which} norm on an empty tensor because the "
                               "operation does not have an identity")
        raise RuntimeError(f"linalg.vector_norm cannot compute the {which} norm on the dimension {empty[0]}because "
                           "this dimension is empty and the operation does not have an identity")
    result = _norm_array(data, ord, dims, keepdim).astype(data.real.dtype, copy=False)
    node_args = (float(ord), dims, keepdim)
    return write_out("linalg_vector_norm", record(result, LinalgVectorNormBackward0, (x,), (x, OUTPUT), node_args),
                     out)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``p``-norm over ``dim``: ``'fro'`` and numbers are vector norms; ``'nuc'`` is a matrix norm."""
    if p is None:
        p = "fro"
    if isinstance(p, str):
        dims = (dim,) if isinstance(dim, int) else dim
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        from .. import linalg

        return linalg.matrix_norm(input, p, dim, keepdim, dtype=dtype, out=out)
    return vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)
