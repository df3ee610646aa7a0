"""Matrix products: ``matmul`` (``@``) and the fixed-rank ``dot mv mm bmm``.

``matmul`` dispatches on the operands' ranks exactly as PyTorch does, so the result carries the
same backward node name (``DotBackward0``, ``MvBackward0``, ``MmBackward0``, ...).
"""

import numpy as np

from .._tensor import Tensor
from ._broadcast import broadcast_error, sum_to_shape
from ._op import derivative, record

__all__ = ["matmul", "mm", "mv", "dot", "bmm"]

FUNCTIONS = METHODS = __all__


def _check_same_dtype(a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.cpp_name} != "
                           f"{b.dtype.cpp_name}")


def _shape_x(shape):
    return "x".join(str(s) for s in shape)


# ---------------------------------------------------------------- dot / mv / mm / bmm
def _dot_grad_self(grad, self, other):
    return grad * other


def _dot_grad_other(grad, self, other):
    return grad * self


def _mv_grad_self(grad, self, vec):
    return grad.unsqueeze(1) * vec


def _mv_grad_vec(grad, self, vec):
    return mv(self.t(), grad)


def _mm_grad_self(grad, self, other):
    return mm(grad, other.t())


def _mm_grad_other(grad, self, other):
    return mm(self.t(), grad)


def _bmm_grad_self(grad, self, other):
    return bmm(grad, other.transpose(1, 2))


def _bmm_grad_other(grad, self, other):
    return bmm(self.transpose(1, 2), grad)


DotBackward0 = derivative("DotBackward0", _dot_grad_self, _dot_grad_other, saves="self other")
MvBackward0 = derivative("MvBackward0", _mv_grad_self, _mv_grad_vec, saves="self vec")
MmBackward0 = derivative("MmBackward0", _mm_grad_self, _mm_grad_other, saves="self mat2")
BmmBackward0 = derivative("BmmBackward0", _bmm_grad_self, _bmm_grad_other, saves="self mat2")


def dot(input, other, *, out=None):
    a, b = input._data, other._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.size}] and src [{b.size}] to have the "
                           f"same number of elements, but got {a.size} and {b.size} elements respectively")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {input.dtype.scalar_type_name} "
                           f"and {other.dtype.scalar_type_name}")
    return record(np.dot(a, b), DotBackward0, (input, other), (input, other))


def mv(input, vec, *, out=None):
    a, v = input._data, vec._data
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {v.ndim}, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({_shape_x(a.shape)}), vec ({v.shape[0]})")
    _check_same_dtype(input, vec)
    return record(a @ v, MvBackward0, (input, vec), (input, vec))


def mm(input, mat2, *, out=None):
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_x(a.shape)} and {_shape_x(b.shape)})")
    _check_same_dtype(input, mat2)
    return record(a @ b, MmBackward0, (input, mat2), (input, mat2))


def bmm(input, mat2, *, out=None):
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    expected = [a.shape[0], a.shape[2]]
    if list(b.shape[:2]) != expected:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: {expected} but got: "
                           f"{list(b.shape[:2])}.")
    _check_same_dtype(input, mat2)
    return record(np.matmul(a, b), BmmBackward0, (input, mat2), (input, mat2))


# ---------------------------------------------------------------- matmul
def _batched_grad_self(grad, self, other):
    a_vec, b_vec = self.ndim == 1, other.ndim == 1
    g = grad.unsqueeze(-1) if b_vec else grad
    if a_vec:
        g = g.unsqueeze(-2)
    b = other.unsqueeze(-1) if b_vec else other
    result = g @ b.transpose(-1, -2)
    if a_vec:
        result = result.squeeze(-2)
    return sum_to_shape(result, self.shape)


def _batched_grad_other(grad, self, other):
    a_vec, b_vec = self.ndim == 1, other.ndim == 1
    g = grad.unsqueeze(-2) if a_vec else grad
    if b_vec:
        g = g.unsqueeze(-1)
    a = self.unsqueeze(-2) if a_vec else self
    result = a.transpose(-1, -2) @ g
    if b_vec:
        result = result.squeeze(-1)
    return sum_to_shape(result, other.shape)


def _squeeze0_grad(grad):
    return grad.unsqueeze(0)


BatchedMatmulBackward = derivative("UnsafeViewBackward0", _batched_grad_self, _batched_grad_other,
                                   saves="self other")
BatchedMatmulCloneBackward = derivative("CloneBackward0", _batched_grad_self, _batched_grad_other,
                                        saves="self other")
SqueezeBackward4 = derivative("SqueezeBackward4", _squeeze0_grad)


def matmul(input, other, *, out=None):
    """The matrix product, batched and broadcast over leading dimensions."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.ndim == 1 and b.ndim == 1:
        return dot(input, other)
    if a.ndim == 2 and b.ndim == 1:
        return mv(input, other)
    if a.ndim == 1 and b.ndim == 2:
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{a.shape[0]} and {_shape_x(b.shape)})")
        product = mm(input.unsqueeze(0), other)
        return record(product._data[0], SqueezeBackward4, (product,))
    if a.ndim == 2 and b.ndim == 2:
        return mm(input, other)
    _check_same_dtype(input, other)
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        batch = a.shape[0] if a.ndim >= 3 else b.shape[0]
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {inner_a}] but "
                           f"got: [{batch}, {inner_b}].")
    try:
        result = np.matmul(a, b)
    except ValueError:
        raise broadcast_error(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ()) from None
    node = BatchedMatmulCloneBackward if a.ndim <= 2 and b.ndim >= 3 and a.ndim == 2 else BatchedMatmulBackward
    return record(result, node, (input, other), (input, other))
