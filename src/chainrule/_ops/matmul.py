"""Matrix products: ``matmul`` (``@``), the fixed-rank ``dot vdot mv mm bmm`` and the fused
``addmm addmv addbmm baddbmm`` (``beta * input + alpha * product``).

``matmul`` takes the same route through these products as PyTorch does (including when it folds
a batch into one matrix), so its result carries the same backward node name (``DotBackward0``,
``MvBackward0``, ``MmBackward0``, ``UnsafeViewBackward0``, ``CloneBackward0``, ...) and a shape
mismatch raises the message of the product that PyTorch runs. For complex operands each rule
multiplies by the conjugate transpose of the other factor.

The products are the arrays' own ``@`` (every array library has it); the few other array calls go
to the operands' namespace, NumPy's without a lookup.
"""

import math

from .._array import NUMPY, namespace_of
from .._dtype import fitting_number, from_numpy_dtype
from .._tensor import Tensor, _wrap_dim
from ._broadcast import broadcast_error
from ._kernel import Kernel, replays
from ._arguments import check_tensors, not_a_tensor, number_argument
from ._op import conjugate, derivative, record
from .inplace import check_arguments_then_inplace_allowed, write_inplace
from .pointwise_base import no_kernel_error, write_out
from .._float_errors import silent_float_errors

__all__ = ["matmul", "mm", "mv", "dot", "vdot", "bmm", "addmm", "addmv", "addbmm", "baddbmm"]

FUNCTIONS = __all__
METHODS = __all__ + ["addmm_", "addmv_", "addbmm_", "baddbmm_"]

_NUMPY = NUMPY
_ndarray = NUMPY.ndarray


def _shape_x(shape):
    return "x".join(str(s) for s in shape)


def dtype_name(array):
    """PyTorch's scalar type name of an array's dtype (``Float``, ``Double``)."""
    return from_numpy_dtype(array.dtype).scalar_type_name


def dtype_cpp_name(array):
    """PyTorch's C++ name of an array's dtype (``float``, ``double``)."""
    return from_numpy_dtype(array.dtype).cpp_name


# ---------------------------------------------------------------- checks shared by matmul's routes
def _check_dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.size}] and src [{b.size}] to have the "
                           f"same number of elements, but got {a.size} and {b.size} elements respectively")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {dtype_name(a)} and "
                           f"{dtype_name(b)}")
    if a.dtype.kind == "b":  # NumPy's boolean product; PyTorch has no kernel
        raise no_kernel_error("dot", a.dtype)


def _check_mv(a, v):
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {v.ndim}, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({_shape_x(a.shape)}), vec ({v.shape[0]})")
    if a.dtype != v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {dtype_name(v)}, {dtype_name(a)}, "
                           f"and {dtype_name(v)}")
    if a.dtype.kind == "b":
        raise no_kernel_error("addmv_impl_cpu", a.dtype)


def _check_mm(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_x(a.shape)} and {_shape_x(b.shape)})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {dtype_cpp_name(a)} != "
                           f"{dtype_cpp_name(b)}")
    if a.dtype.kind == "b" and _computes(a, b):
        raise no_kernel_error("addmm_impl_cpu_", a.dtype)


def _computes(a, b):
    """Whether a product reaches PyTorch's kernel: it returns an empty result, and the zeros of an empty inner
    dimension, before the kernel looks at the dtype."""
    return a.shape[-2] and b.shape[-1] and a.shape[-1]


def _check_bmm(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    expected = [a.shape[0], a.shape[2]]
    if list(b.shape[:2]) != expected:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: {expected} but got: "
                           f"{list(b.shape[:2])}.")
    if a.dtype.kind == "b":
        raise no_kernel_error("bmm", a.dtype)
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {dtype_name(a)} but found {dtype_name(b)}")


# ---------------------------------------------------------------- dot / vdot / mv / mm / bmm
def _dot_grad_self(grad, self, other):
    return grad * conjugate(other)


def _dot_grad_other(grad, self, other):
    return grad * conjugate(self)


def _vdot_grad_self(grad, self, other):
    return conjugate(grad) * other


def _vdot_grad_other(grad, self, other):
    return grad * self


def _mv_grad_self(grad, self, vec):
    return grad.unsqueeze(1) * conjugate(vec)


def _mv_grad_vec(grad, self, vec):
    return mv(conjugate(self.t()), grad)


def _mm_grad_self(grad, self, other):
    return mm(grad, conjugate(other.t()))


def _mm_grad_other(grad, self, other):
    """``self^H @ grad``. When ``other`` is a transposed view (a weight used as ``W.t()``) the product is
    computed transposed, ``(grad^T @ conj(self))^T``, so the gradient that reaches the weight is already
    row-major and nothing copies it on the way."""
    data = other._data
    if data.ndim == 2 and data.flags.f_contiguous and not data.flags.c_contiguous:
        return mm(grad.t(), conjugate(self)).t()
    return mm(conjugate(self.t()), grad)


def _bmm_grad_self(grad, self, other):
    return bmm(grad, conjugate(other.transpose(1, 2)))


def _bmm_grad_other(grad, self, other):
    return bmm(conjugate(self.transpose(1, 2)), grad)


DotBackward0 = derivative("DotBackward0", _dot_grad_self, _dot_grad_other, saves="self tensor")
VdotBackward0 = derivative("VdotBackward0", _vdot_grad_self, _vdot_grad_other, saves="self other")
MvBackward0 = derivative("MvBackward0", _mv_grad_self, _mv_grad_vec, saves="self vec")
MmBackward0 = derivative("MmBackward0", _mm_grad_self, _mm_grad_other, saves="self mat2")
BmmBackward0 = derivative("BmmBackward0", _bmm_grad_self, _bmm_grad_other, saves="self mat2")


@silent_float_errors
def dot(input, other, *, out=None):
    """The inner product of two 1-D tensors of the same dtype."""
    try:
        a, b = input._data, other._data
    except AttributeError:
        raise not_a_tensor("dot", ("input", input), ("other", other)) from None
    _check_dot(a, b)
    xp = _NUMPY if a.__class__ is _ndarray else namespace_of(a)
    return write_out(record(xp.dot(a, b), DotBackward0, (input, other), (input, other)), out, "dot")


@silent_float_errors
def vdot(input, other, *, out=None):
    """``dot`` with the first vector conjugated (the same product for real tensors)."""
    try:
        a, b = input._data, other._data
    except AttributeError:
        raise not_a_tensor("vdot", ("input", input), ("other", other)) from None
    _check_dot(a, b)
    xp = _NUMPY if a.__class__ is _ndarray else namespace_of(a)
    return write_out(record(xp.vdot(a, b), VdotBackward0, (input, other), (input, other)), out, "vdot")


@silent_float_errors
def mv(input, vec, *, out=None):
    try:
        a, v = input._data, vec._data
    except AttributeError:
        raise not_a_tensor("mv", ("input", input), ("vec", vec)) from None
    _check_mv(a, v)
    return write_out(record(a @ v, MvBackward0, (input, vec), (input, vec)), out, "mv")


@silent_float_errors
def mm(input, mat2, *, out=None):
    try:
        a, b = input._data, mat2._data
    except AttributeError:
        raise not_a_tensor("mm", ("input", input), ("mat2", mat2)) from None
    _check_mm(a, b)
    return write_out(record(a @ b, MmBackward0, (input, mat2), (input, mat2)), out, "mm")


@silent_float_errors
def bmm(input, mat2, *, out=None):
    try:
        a, b = input._data, mat2._data
    except AttributeError:
        raise not_a_tensor("bmm", ("input", input), ("mat2", mat2)) from None
    _check_bmm(a, b)
    return write_out(record(a @ b, BmmBackward0, (input, mat2), (input, mat2)), out, "bmm")


# ---------------------------------------------------------------- matmul
def _leading_size(shape):
    """The number of rows when every dimension but the last is folded into one."""
    return math.prod(shape[:-1])


def _batched_grad_self(grad, self, other):
    a_vec, b_vec = self.ndim == 1, other.ndim == 1
    g = grad.unsqueeze(-1) if b_vec else grad
    if a_vec:
        g = g.unsqueeze(-2)
    b = other.unsqueeze(-1) if b_vec else other
    result = g @ conjugate(b.transpose(-1, -2))
    return result.squeeze(-2) if a_vec else result


def _batched_grad_other(grad, self, other):
    a_vec, b_vec = self.ndim == 1, other.ndim == 1
    g = grad.unsqueeze(-2) if a_vec else grad
    if b_vec:
        g = g.unsqueeze(-1)
    if not a_vec and other.ndim <= 2:
        # a batch against one matrix: fold the batch into the rows instead of summing products
        rows = self.reshape(_leading_size(self.shape), self.shape[-1])
        result = mm(conjugate(rows.t()), g.reshape(_leading_size(g.shape), g.shape[-1]))
    else:
        a = self.unsqueeze(-2) if a_vec else self
        result = conjugate(a.transpose(-1, -2)) @ g
    return result.squeeze(-1) if b_vec else result


def _squeeze0_grad(grad):
    return grad.unsqueeze(0)


def _batched_node(name, op):
    return derivative(name, _batched_grad_self, _batched_grad_other, saves="self other", op=op)


# PyTorch's matmul ends in a reshape (UnsafeView), or, when it multiplied the transposed
# operands, in a transpose that it makes contiguous (Clone) unless it already is (Transpose).
FoldedMatmulBackward = _batched_node("UnsafeViewBackward0", "matmul.folded")
TransposedMatmulCloneBackward = _batched_node("CloneBackward0", "matmul.transposed_copy")
TransposedMatmulBackward = _batched_node("TransposeBackward0", "matmul.transposed")
SqueezeBackward4 = derivative("SqueezeBackward4", _squeeze0_grad)


def _foldable(array):
    """True when the leading dims of ``array`` merge into one without a copy (PyTorch's check)."""
    if array.size == 0:
        return True
    shape, strides = array.shape, array.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(array.ndim - 2))


def _folds(input, other, a, b):
    """Whether PyTorch multiplies the larger operand folded into one matrix instead of batching."""
    transpose = b.ndim > a.ndim
    big = b.swapaxes(-1, -2) if transpose else a
    small = input if transpose else other
    if not (big.ndim >= 3 and (a.ndim if transpose else b.ndim) <= 2):
        return False
    if small._requires_grad:
        return True
    if a.ndim == 2:
        return False
    return _foldable(big)


def _folded_matmul(input, other, a, b):
    """A batch against a matrix or vector, multiplied as one matrix: the checks and node PyTorch uses."""
    if b.ndim >= a.ndim:  # PyTorch multiplies the transposes: other.mT @ input.mT
        big, small = b.swapaxes(-1, -2), (a.T if a.ndim == 2 else a)
    else:
        big, small = a, b
    xp = _NUMPY if big.__class__ is _ndarray else namespace_of(big)
    rows = xp.broadcast_to(xp.empty((), dtype=big.dtype), (_leading_size(big.shape), big.shape[-1]))
    if small.ndim == 2:
        _check_mm(rows, small)
    else:
        _check_mv(rows, small)
    result = a @ b
    if b.ndim >= a.ndim and a.ndim == 2:
        rows_out, cols_out = a.shape[0], b.shape[-1]
        contiguous = result.size == 0 or rows_out == 1 or cols_out == 1
        node = TransposedMatmulBackward if contiguous else TransposedMatmulCloneBackward
        return record(result, node, (input, other), (input, other))
    return record(result, FoldedMatmulBackward, (input, other), (input, other))


@silent_float_errors
def _batched_matmul(input, other, a, b):
    """The general route: broadcast the batches and multiply them with ``bmm``."""
    batch_a = a.shape[:-2]
    batch_b = b.shape[:-2] if b.ndim > 1 else ()
    try:
        batch = NUMPY.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise broadcast_error(batch_a, batch_b) from None
    count = math.prod(batch)
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{count}, {inner_a}] but "
                           f"got: [{count}, {inner_b}].")
    if a.dtype.kind == "b":
        raise no_kernel_error("bmm", a.dtype)
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {dtype_name(a)} but found {dtype_name(b)}")
    return record(a @ b, FoldedMatmulBackward, (input, other), (input, other))


def matmul(input, other, *, out=None):
    """The matrix product, batched and broadcast over leading dimensions."""
    result = _matmul(input, other)
    return result if out is None else write_out(result, out, "matmul")


def _matmul(input, other):
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if b.ndim == 1:
        if a.ndim == 1:
            return dot(input, other)
        if a.ndim == 2:
            return mv(input, other)
    elif b.ndim == 2:
        if a.ndim == 1:
            if a.shape[0] != b.shape[0]:
                raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{a.shape[0]} and "
                                   f"{_shape_x(b.shape)})")
            product = mm(input.unsqueeze(0), other)
            return record(product._data[0], SqueezeBackward4, (product,))
        if a.ndim == 2:
            return mm(input, other)
    if a.ndim == 3 and b.ndim == 3 and a.shape[0] == 1 and b.shape[0] != 1:
        # a single matrix against a batch: PyTorch multiplies it as a matrix
        if _folds(input, other, a[0], b):
            return _folded_matmul(input, other, a[0], b)
    elif _folds(input, other, a, b):
        return _folded_matmul(input, other, a, b)
    return _batched_matmul(input, other, a, b)


# ---------------------------------------------------------------- addmm / addmv / addbmm / baddbmm
def _scaled(value, factor):
    return value if factor == 1 else value * factor


def _check_expandable(input, shape):
    """``input`` must broadcast to ``shape`` without growing (PyTorch's expand messages)."""
    own = input._data.shape
    if own == shape:
        return
    lead = len(shape) - len(own)
    if lead < 0 or any(size != 1 and size != shape[lead + i] for i, size in enumerate(own)):
        input.expand(shape)  # raises PyTorch's error


def _add_scaled(product, input, beta, alpha, name):
    """``beta * input + alpha * product`` in place in the fresh ``product``; beta=0 ignores input. (The
    factors are checked to be numbers only off the default path, which they cannot be otherwise.) Integer
    products take the factors as integers, truncated, as PyTorch converts them."""
    _check_expandable(input, product.shape)
    if product.dtype.kind in "iu":
        beta, alpha = (int(f) if isinstance(f, (float, NUMPY.floating)) else f for f in (beta, alpha))
    if alpha != 1:
        product *= fitting_number(number_argument(name, "alpha", None, alpha), product.dtype)
    if beta == 1:
        product += input._data
    elif beta != 0:
        product += fitting_number(number_argument(name, "beta", None, beta), product.dtype) * input._data
    return product


def _grad_input(grad, mat1, mat2, beta, alpha):
    return _scaled(grad, conjugate(beta))


def _addmm_grad_mat1(grad, mat1, mat2, beta, alpha):
    return _scaled(_mm_grad_self(grad, mat1, mat2), conjugate(alpha))


def _addmm_grad_mat2(grad, mat1, mat2, beta, alpha):
    return _scaled(_mm_grad_other(grad, mat1, mat2), conjugate(alpha))


def _addmv_grad_mat(grad, mat, vec, beta, alpha):
    return _scaled(_mv_grad_self(grad, mat, vec), conjugate(alpha))


def _addmv_grad_vec(grad, mat, vec, beta, alpha):
    return _scaled(_mv_grad_vec(grad, mat, vec), conjugate(alpha))


def _baddbmm_grad_batch1(grad, batch1, batch2, beta, alpha):
    return _scaled(_bmm_grad_self(grad, batch1, batch2), conjugate(alpha))


def _baddbmm_grad_batch2(grad, batch1, batch2, beta, alpha):
    return _scaled(_bmm_grad_other(grad, batch1, batch2), conjugate(alpha))


def _addbmm_grad_batch1(grad, batch1, batch2, beta, alpha):
    return _baddbmm_grad_batch1(grad.expand(batch1.shape[0], *grad.shape), batch1, batch2, beta, alpha)


def _addbmm_grad_batch2(grad, batch1, batch2, beta, alpha):
    return _baddbmm_grad_batch2(grad.expand(batch1.shape[0], *grad.shape), batch1, batch2, beta, alpha)


AddmmBackward0 = derivative("AddmmBackward0", _grad_input, _addmm_grad_mat1, _addmm_grad_mat2,
                            saves="mat1 mat2 beta alpha")
AddmvBackward0 = derivative("AddmvBackward0", _grad_input, _addmv_grad_mat, _addmv_grad_vec,
                            saves="mat vec beta alpha")
BaddbmmBackward0 = derivative("BaddbmmBackward0", _grad_input, _baddbmm_grad_batch1, _baddbmm_grad_batch2,
                              saves="batch1 batch2 beta alpha")
AddbmmBackward0 = derivative("AddbmmBackward0", _grad_input, _addbmm_grad_batch1, _addbmm_grad_batch2,
                             saves="batch1 batch2 beta alpha")


@silent_float_errors
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``: the product of ``F.linear`` with a bias."""
    try:
        a, b, c = mat1._data, mat2._data, input._data
    except AttributeError:
        raise not_a_tensor("addmm", ("input", input), ("mat1", mat1), ("mat2", mat2)) from None
    if a.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {a.ndim}-D tensor")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {b.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_x(a.shape)} and {_shape_x(b.shape)})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {dtype_name(a)} and {dtype_name(b)}")
    if c.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {dtype_name(c)} and {dtype_name(b)}")
    if a.dtype.kind == "b" and _computes(a, b):
        raise no_kernel_error("addmm_impl_cpu_", a.dtype)
    result = _add_scaled(a @ b, input, beta, alpha, "addmm")
    return write_out(record(result, AddmmBackward0, (input, mat1, mat2), (mat1, mat2, beta, alpha)), out, "addmm")


@silent_float_errors
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``."""
    check_tensors("addmv", ("input", input), ("mat", mat), ("vec", vec))
    a, v, c = mat._data, vec._data, input._data
    if a.ndim != 2 or v.ndim != 1 or c.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {c.ndim}, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0] or c.ndim == 1 and c.shape[0] not in (1, a.shape[0]):
        if c.ndim == 0:  # PyTorch reads the input's size at dim 0 for its message
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        raise RuntimeError(f"size mismatch, got input ({c.shape[0] if c.ndim else 1}), mat ({_shape_x(a.shape)}), "
                           f"vec ({v.shape[0]})")
    if not c.dtype == a.dtype == v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {dtype_name(c)}, {dtype_name(a)}, "
                           f"and {dtype_name(v)}")
    if a.dtype.kind == "b":
        raise no_kernel_error("addmv_impl_cpu", a.dtype)
    result = _add_scaled(a @ v, input, beta, alpha, "addmv")
    return write_out(record(result, AddmvBackward0, (input, mat, vec), (mat, vec, beta, alpha)), out, "addmv")


@silent_float_errors
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices."""
    check_tensors("baddbmm", ("input", input), ("batch1", batch1), ("batch2", batch2))
    a, b, c = batch1._data, batch2._data, input._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    _wrap_dim(2, b.ndim)  # PyTorch reads batch2's size at dim 2 first: its IndexError for fewer dims
    if not c.dtype == a.dtype == b.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {dtype_cpp_name(c)}, "
                           f"batch1: {dtype_cpp_name(a)}, batch2: {dtype_cpp_name(b)}")
    _check_bmm(a, b)
    result = _add_scaled(a @ b, input, beta, alpha, "baddbmm")
    result = record(result, BaddbmmBackward0, (input, batch1, batch2), (batch1, batch2, beta, alpha))
    return write_out(result, out, "baddbmm")


@silent_float_errors
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``."""
    check_tensors("addbmm", ("input", input), ("batch1", batch1), ("batch2", batch2))
    a, b, c = batch1._data, batch2._data, input._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    _wrap_dim(2, b.ndim)  # PyTorch reads batch2's size at dim 2 first: its IndexError for fewer dims
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {a.shape[0]} and {b.shape[0]}")
    if a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({a.shape[1]}x{a.shape[2]} and "
                           f"{b.shape[1]}x{b.shape[2]})")
    if c.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {dtype_name(c)} and {dtype_name(b)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {dtype_name(a)} and {dtype_name(b)}")
    if a.dtype.kind == "b":
        raise no_kernel_error("addmm_impl_cpu_", a.dtype)
    count, rows, inner = a.shape
    product = a.transpose(1, 0, 2).reshape(rows, count * inner) @ b.reshape(count * inner, b.shape[2])
    result = _add_scaled(product, input, beta, alpha, "addbmm")
    result = record(result, AddbmmBackward0, (input, batch1, batch2), (batch1, batch2, beta, alpha))
    return write_out(result, out, "addbmm")


def _fused_inplace(fn):
    """``addmm_`` and friends: the product is added into ``self``, which must already have its shape."""

    def inplace(self, *args, **kwargs):
        check_arguments_then_inplace_allowed(fn, self, args, kwargs)
        result = fn(self, *args, **kwargs)
        if result._data.shape != self._data.shape:
            raise RuntimeError(f"Bad in-place call: input tensor size {list(self._data.shape)} and output tensor size "
                               f"{list(result._data.shape)} should match")
        return write_inplace(self, result)

    inplace.__name__ = inplace.__qualname__ = fn.__name__ + "_"
    inplace.__doc__ = f"In-place version of ``{fn.__name__}``."
    return inplace


addmm_ = _fused_inplace(addmm)
addmv_ = _fused_inplace(addmv)
addbmm_ = _fused_inplace(addbmm)
baddbmm_ = _fused_inplace(baddbmm)


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(MmBackward0)
def _mm_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).matmul, inputs, "{0} @ {1}")


@replays(AddmmBackward0)
def _addmm_kernel(out, inputs, saved, args):
    beta, alpha = saved[2], saved[3]
    if beta != 1 or alpha != 1:
        return None
    return Kernel(_bias_plus_product, inputs)


def _bias_plus_product(bias, mat1, mat2):
    product = mat1 @ mat2
    product += bias
    return product


@replays(BmmBackward0)
@replays(FoldedMatmulBackward)
@replays(TransposedMatmulBackward)
@replays(TransposedMatmulCloneBackward)
def _batched_kernel(out, inputs, saved, args):
    a, b = inputs
    return Kernel(namespace_of(out).matmul, inputs) if a._data.dtype == b._data.dtype else None
