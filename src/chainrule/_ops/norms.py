"""Norms: ``vector_norm``, ``matrix_norm``, ``linalg.norm`` (``chainrule.linalg`` gives them their public
names) and ``norm``.

Every vector order records one ``LinalgVectorNormBackward0`` node. Its rule is written so that a zero
norm gives a zero gradient, not nan: the scale ``grad / norm`` is masked where the norm is 0. The
matrix norms are compositions: ``'nuc'`` is a sum of singular values, ``2`` their largest, ``1`` and
``inf`` the extreme sums of magnitudes along one dim.
"""

import math

from .._array import NUMPY, namespace_of
from .._dtype import to_dtype
from .._tensor import Tensor, _wrap_dim
from ._along_dim import expand_reduced, reduced_count, reduction_dims
from ._arguments import check_tensors, missing_attribute, not_a_tensor, number_from_tensor
from ._op import OUTPUT, derivative, record
from .linalg.svd import svdvals
from .pointwise import sgn, sign, where
from .pointwise_compare import isnan
from .pointwise_base import write_out
from .._float_errors import silent_float_errors

__all__ = ["vector_norm", "matrix_norm", "linalg_norm", "norm", "MATRIX_ORDERS"]


def _norm_grad(grad, input, result, ord, dims, keepdim):
    """One formula per order; the 0-"norm" counts non-zeros and has no gradient (None, as in PyTorch)."""
    if ord == 0:
        return None
    shape = input.shape
    grad = expand_reduced(grad, shape, dims, keepdim)
    norm = expand_reduced(result, shape, dims, keepdim)
    zero_norm = norm == 0
    direction = sgn(input) if input.is_complex() else sign(input)  # the derivative of |x|: x / |x| for complex x
    if ord == 1:
        return direction * grad
    if ord == 2:
        return grad * where(zero_norm, 0.0, input / where(zero_norm, 1.0, norm))
    if math.isinf(ord):
        magnitude = input.abs()
        picked = (magnitude == norm) | isnan(magnitude)
        count = picked.sum(dims, keepdim=True)
        return direction * (grad / count * picked)
    zero_input = input == 0
    safe_magnitude = where(zero_input, 1.0, input.abs())
    if ord < 1:
        return direction * safe_magnitude ** (ord - 1) * grad * norm ** (1 - ord)
    if ord < 2:
        scaled = direction * safe_magnitude ** (ord - 1)
    else:
        scaled = input * safe_magnitude ** (ord - 2)
    scale = where(zero_norm, 0.0, grad / where(zero_norm, 1.0, norm) ** (ord - 1))
    return scaled * scale


LinalgVectorNormBackward0 = derivative("LinalgVectorNormBackward0", _norm_grad, saves="self result")


@silent_float_errors
def _norm_array(x, ord, dims, keepdim):
    xp = namespace_of(x)
    magnitude = xp.abs(x)
    if magnitude.dtype == xp.float16:
        magnitude = magnitude.astype(xp.float32)
    if ord == math.inf:
        return xp.amax(magnitude, axis=dims, keepdims=keepdim)
    if ord == -math.inf:
        return xp.amin(magnitude, axis=dims, keepdims=keepdim)
    if ord == 0:
        return xp.sum(magnitude != 0, axis=dims, keepdims=keepdim).astype(magnitude.dtype)
    if ord == 1:
        return xp.sum(magnitude, axis=dims, keepdims=keepdim)
    if ord == 2:
        return xp.sqrt(xp.sum(magnitude * magnitude, axis=dims, keepdims=keepdim))
    with xp.errstate(divide="ignore", over="ignore"):
        return xp.sum(magnitude ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)


@silent_float_errors
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The ``ord``-norm of ``x`` over ``dim`` (every element when None): 2, 1, inf, -inf, 0 or any p."""
    ord = number_from_tensor("linalg_vector_norm", "ord", ord)
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    try:
        data = x._data
    except AttributeError:
        raise not_a_tensor("linalg_vector_norm", ("input", x)) from None
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
    result = _norm_array(data, ord, dims, keepdim)
    if result.size == data.size and ord != 0:  # one element per result: PyTorch gives its magnitude, however
        result = namespace_of(data).abs(data).reshape(result.shape)  # large or small
    result = result.astype(data.real.dtype, copy=False)
    node_args = (float(ord), dims, keepdim)
    return write_out(record(result, LinalgVectorNormBackward0, (x,), (x, OUTPUT), node_args), out, "linalg_vector_norm")


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``p``-norm over ``dim``: ``'fro'`` and numbers are vector norms; ``'nuc'`` is a matrix norm."""
    if not isinstance(input, Tensor):
        raise missing_attribute(input, "layout")
    if p is None:
        p = "fro"
    if isinstance(p, str):
        dims = (dim,) if isinstance(dim, int) else dim
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        return matrix_norm(input, p, dim, keepdim, dtype=dtype, out=out)
    return vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)


# ---------------------------------------------------------------- matrix norms
MATRIX_ORDERS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def _matrix_dims(dim, ndim):
    if dim is None:
        dim = (-2, -1)
    dims = tuple(_wrap_dim(d, ndim) for d in dim)
    if dims[0] == dims[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    return dims


def _to_last(A, dims):
    """``A`` with ``dims`` moved to the end (no op when they already are)."""
    ndim = A._data.ndim
    if dims == (ndim - 2, ndim - 1):
        return A
    rest = [d for d in range(ndim) if d not in dims]
    return A.permute(rest + list(dims))


def _restore_dims(result, dims):
    """Give a reduced matrix norm its two size-1 dims back, where ``dims`` were (``keepdim``)."""
    result = result.unsqueeze(-1).unsqueeze(-1)
    ndim = result._data.ndim
    rest = [d for d in range(ndim) if d not in dims]
    order = [0] * ndim
    for position, d in enumerate(rest + list(dims)):
        order[d] = position
    return result.permute(order)


def _singular_value_norm(A, ord, dims, keepdim):
    values = svdvals(_to_last(A, dims))
    if ord == "nuc":
        result = values.sum(-1)
    else:
        result = values.amax(-1) if ord == 2 else values.amin(-1)
    return _restore_dims(result, dims) if keepdim else result


def _sum_norm(A, ord, dims, keepdim):
    """``1``/``-1``: the extreme column sum of magnitudes; ``inf``/``-inf``: the extreme row sum."""
    summed, across = dims if abs(ord) == 1 else dims[::-1]
    if not keepdim and across > summed:
        across -= 1
    sums = vector_norm(A, 1, summed, keepdim)
    return sums.amax(across, keepdim) if ord > 0 else sums.amin(across, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """A matrix norm of ``A`` (of each matrix over ``dim``): ``'fro' 'nuc' 2 -2 1 -1 inf -inf``."""
    return write_out(_matrix_norm(A, ord, dim, keepdim, dtype), out, "linalg_matrix_norm")


def _matrix_norm(A, ord, dim, keepdim, dtype):
    check_tensors("linalg_matrix_norm", ("input", A))
    a = A._data
    if a.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind not in "fc":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.scalar_type_name}")
    if ord not in MATRIX_ORDERS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    dims = _matrix_dims(dim, a.ndim)
    if dtype is not None:
        A = A.to(to_dtype(dtype))
    if ord == "fro":
        return vector_norm(A, 2, dims, keepdim)
    if ord in ("nuc", 2, -2):
        if A._data.dtype == NUMPY.float16:
            raise RuntimeError("linalg.matrix_norm: Low precision dtypes not supported. Got Half")
        return _singular_value_norm(A, ord, dims, keepdim)
    return _sum_norm(A, ord, dims, keepdim)


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """A vector norm for one dim (or a 1-D input), a matrix norm for two dims (or a 2-D input)."""
    return write_out(_norm(A, ord, dim, keepdim, dtype), out, "linalg_norm")


def _norm(A, ord, dim, keepdim, dtype):
    check_tensors("linalg_norm", ("input", A))
    ndim = A._data.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:  # the 2-norm of the flattened input, which for a matrix is its Frobenius norm
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{ndim}D.")
        dim = tuple(range(ndim))
    if len(dim) == 2 or isinstance(ord, str):
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)
