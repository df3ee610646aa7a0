"""The LU factorization with partial pivoting: ``lu_factor lu lu_solve``.

The factorization pivots as LAPACK does (the largest magnitude in each column, the first one on
ties), so ``P``, ``L``, ``U`` and the 1-based ``pivots`` match PyTorch's. The derivative rules are
written with chainrule's own ops (``solve``, products, triangle masks), so second derivatives work.
"""

import math

from ... import return_types
from ..._array import NUMPY, host_values, namespace_of
from ..kernel_dtypes import check_kernel
from ..._tensor import make_tensor
from .._op import OUTPUT, derivative, record
from ..joining import cat
from ..pointwise_base import write_out
from . import lapack
from .checks import check_matrix
from .matrices import adjoint, identity, lower, outputs_of, record_factors, upper
from .solvers import solve
from ..._float_errors import silent_float_errors

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_solve"]

_LinalgLuFactor = return_types.make_return_type("linalg_lu_factor", ("LU", "pivots"))
_LinalgLu = return_types.make_return_type("linalg_lu", ("P", "L", "U"))
_LinalgLuFactorEx = return_types.make_return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))


# ---------------------------------------------------------------- the factorization on arrays
def _magnitude(x, xp):
    """LAPACK's pivot measure: ``|re| + |im|`` for complex numbers."""
    return xp.abs(x.real) + xp.abs(x.imag) if x.dtype.kind == "c" else xp.abs(x)


@silent_float_errors
def _lu_arrays(a):
    """``(LU, pivots, permutation, info)`` of each matrix of ``a``: row ``i`` of ``P^T A`` is row
    ``permutation[i]`` of ``A``; ``info`` is the 1-based index of the first zero pivot (0 if none).
    LAPACK's ``getrf`` where SciPy has it for ``a`` (``lapack.lu``), else a vectorised step per column."""
    factored = lapack.lu(a)
    if factored is not None:
        lu, pivots, info = factored
        return lu, pivots, _permutation_from_pivots(pivots, a.shape[-2]), info
    xp = namespace_of(a)
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    count = math.prod(batch)
    lu = a.reshape(count, m, n).copy()
    rows = xp.arange(count)
    pivots = xp.zeros((count, k), dtype=xp.int32)
    permutation = xp.tile(xp.arange(m), (count, 1))
    info = xp.zeros(count, dtype=xp.int32)
    for j in range(k):
        p = j + xp.argmax(_magnitude(lu[:, j:, j], xp), axis=-1)
        pivots[:, j] = p + 1
        lu[rows, j], lu[rows, p] = lu[rows, p], lu[rows, j].copy()
        permutation[rows, j], permutation[rows, p] = permutation[rows, p], permutation[rows, j].copy()
        pivot = lu[:, j, j]
        zero = pivot == 0
        info[zero & (info == 0)] = j + 1
        lu[:, j + 1:, j] /= xp.where(zero, 1, pivot)[:, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    return (lu.reshape(a.shape), pivots.reshape(batch + (k,)), permutation.reshape(batch + (m,)),
            info.reshape(batch))


def _permutation_matrix(permutation, dtype):
    """``P`` with ``A = P L U``: column ``i`` of ``P`` is the unit vector at ``permutation[i]``."""
    xp = namespace_of(permutation)
    m = permutation.shape[-1]
    return (permutation[..., None, :] == xp.arange(m)[:, None]).astype(dtype)


def _permutation_from_pivots(pivots, m):
    """Replay LAPACK's row swaps (``pivots`` are 1-based) to get the row permutation: matrix by matrix on
    Python lists for no more matrices than 4 per swap (as ``lapack`` calls LAPACK), else a vectorised swap
    per pivot over the batch."""
    xp = namespace_of(pivots)
    batch = pivots.shape[:-1]
    swaps = pivots.reshape(math.prod(batch), pivots.shape[-1]).astype(xp.int64) - 1
    if swaps.__class__ is NUMPY.ndarray and swaps.size and swaps.shape[0] <= 4 * swaps.shape[1] \
            and 0 <= swaps.min() and swaps.max() < m:
        permutations = []
        for matrix_swaps in swaps.tolist():
            rows = list(range(m))
            for j, p in enumerate(matrix_swaps):
                rows[j], rows[p] = rows[p], rows[j]
            permutations.append(rows)
        return xp.asarray(permutations, dtype=xp.int64).reshape(batch + (m,))
    permutation = xp.tile(xp.arange(m), (swaps.shape[0], 1))
    rows = xp.arange(swaps.shape[0])
    for j in range(swaps.shape[1]):
        p = swaps[:, j]
        permutation[rows, j], permutation[rows, p] = permutation[rows, p], permutation[rows, j].copy()
    return permutation.reshape(batch + (m,))


def _unpack(lu):
    """Unit lower ``L`` (``m x k``) and upper ``U`` (``k x n``) from a packed LU array."""
    xp = namespace_of(lu)
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = xp.tril(lu[..., :, :k], -1) + xp.eye(m, k, dtype=lu.dtype)
    return L, xp.triu(lu[..., :k, :])


# ---------------------------------------------------------------- derivatives
def _square_lu_grad(L, U, grad_L, grad_U):
    """For square ``A' = L U``: ``L^-H (tril(L^H gL, -1) + triu(gU U^H)) U^-H``."""
    phi = lower(adjoint(L) @ grad_L, -1) + upper(grad_U @ adjoint(U))
    return solve(adjoint(U), solve(adjoint(L), phi), left=False)


def _lu_grad(P, L, U, grad_L, grad_U):
    """The gradient for ``A = P L U`` (any shape) from those of ``L`` and ``U`` (None: zero)."""
    m, n = L.shape[-2], U.shape[-1]
    grad_L = L * 0 if grad_L is None else grad_L
    grad_U = U * 0 if grad_U is None else grad_U
    if m == n:
        return P @ _square_lu_grad(L, U, grad_L, grad_U)
    if m < n:  # U = [U1 | U2] with A2 = P L U2
        U1, U2 = U[..., :m], U[..., m:]
        grad_U1, grad_U2 = grad_U[..., :m], grad_U[..., m:]
        grad_L = grad_L - solve(adjoint(L), grad_U2 @ adjoint(U2))
        return P @ cat([_square_lu_grad(L, U1, grad_L, grad_U1), solve(adjoint(L), grad_U2)], -1)
    # L = [L1; L2] with (P^T A)2 = L2 U
    L1, L2 = L[..., :n, :], L[..., n:, :]
    grad_L1, grad_L2 = grad_L[..., :n, :], grad_L[..., n:, :]
    grad_U = grad_U - solve(adjoint(U), adjoint(L2) @ grad_L2, left=False)
    return P @ cat([_square_lu_grad(L1, U, grad_L1, grad_U), solve(adjoint(U), grad_L2, left=False)], -2)


def _lu_factor_grad(grad, LU, permutation):
    m, n = LU.shape[-2:]
    k = min(m, n)
    L = lower(LU[..., :, :k], -1) + identity(m, LU, k)
    U = upper(LU[..., :k, :])
    P = make_tensor(_permutation_matrix(permutation, LU._data.dtype))
    return _lu_grad(P, L, U, lower(grad[..., :, :k], -1), upper(grad[..., :k, :]))


def _lu_factors_grad(grads, L, U, permutation):
    L, U = outputs_of(L, U)
    P = make_tensor(_permutation_matrix(permutation, L._data.dtype))
    return _lu_grad(P, L, U, *grads)


LinalgLuFactorExBackward0 = derivative("LinalgLuFactorExBackward0", _lu_factor_grad, saves="LU")
LinalgLuBackward0 = derivative("LinalgLuBackward0", _lu_factors_grad, saves="L U", outputs=2)


# ---------------------------------------------------------------- lu_factor / lu
def _check_lu_input(name, A, pivot):
    """PyTorch's messages for a non-matrix, an integer tensor, or ``pivot=False`` (CPU LU always pivots)."""
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: {list(a.shape)} instead")
    if a.size:  # an empty matrix needs no kernel: PyTorch factors it in any dtype
        check_kernel("lu", a)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def lu_factor(A, *, pivot=True, out=None):
    """The packed LU factorization ``(LU, pivots)`` of ``A``, for ``lu_solve``."""
    _check_lu_input("torch.lu_factor", A, pivot)
    lu_array, pivots, permutation, info = _lu_arrays(A._data)
    info = host_values(info)
    failed = [i for i, value in enumerate(info.reshape(-1).tolist()) if value]
    if failed:
        prefix = f"(Batch element {failed[0]}): " if info.ndim else ""
        pivot_index = int(info.reshape(-1)[failed[0]])
        raise RuntimeError(f"torch.linalg.lu_factor: {prefix}U[{pivot_index},{pivot_index}] is zero and using it "
                           "on lu_solve would result in a division by zero. If you still want to perform the "
                           "factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    LU = record(lu_array, LinalgLuFactorExBackward0, (A,), (OUTPUT,), (permutation,))
    return write_out(_LinalgLuFactor((LU, make_tensor(pivots))), out, "linalg_lu_factor")


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """``lu_factor`` that reports a zero pivot in ``info`` (its 1-based position) instead of raising."""
    if check_errors:
        LU, pivots = lu_factor(A, pivot=pivot)
        return write_out(_LinalgLuFactorEx((LU, pivots, make_tensor(namespace_of(pivots._data).zeros(
            pivots._data.shape[:-1], dtype=pivots._data.dtype)))), out, "linalg_lu_factor_ex")
    _check_lu_input("torch.lu_factor", A, pivot)
    lu_array, pivots, permutation, info = _lu_arrays(A._data)
    LU = record(lu_array, LinalgLuFactorExBackward0, (A,), (OUTPUT,), (permutation,))
    info = namespace_of(pivots).asarray(info).astype(pivots.dtype)
    return write_out(_LinalgLuFactorEx((LU, make_tensor(pivots), make_tensor(info))), out, "linalg_lu_factor_ex")


def lu(A, *, pivot=True, out=None):
    """``P, L, U`` with ``A = P @ L @ U``: ``L`` unit lower triangular, ``U`` upper triangular."""
    _check_lu_input("linalg.lu", A, pivot)
    lu_array, _, permutation, _ = _lu_arrays(A._data)
    L, U = record_factors(_unpack(lu_array), LinalgLuBackward0, A, (permutation,))
    P = make_tensor(_permutation_matrix(permutation, A._data.dtype))
    return write_out(_LinalgLu((P, L, U)), out, "linalg_lu")


# ---------------------------------------------------------------- lu_solve
def _system_matrix(LU, permutation, adjoint_system):
    """``A = P L U`` rebuilt from a packed factorization with chainrule ops (or its adjoint)."""
    n = LU.shape[-1]
    L = lower(LU, -1) + identity(n, LU)
    P = make_tensor(_permutation_matrix(permutation, LU._data.dtype))
    A = P @ L @ upper(LU)
    return (adjoint(A) if adjoint_system else A), P, L


def _lu_solve_grad_B(grad, LU, result, permutation, left, adjoint_system):
    A, _, _ = _system_matrix(LU, permutation, adjoint_system)
    return solve(adjoint(A), grad, left=left)


def _lu_solve_grad_LU(grad, LU, result, permutation, left, adjoint_system):
    A, P, L = _system_matrix(LU, permutation, adjoint_system)
    grad_B = solve(adjoint(A), grad, left=left)
    grad_A = -(grad_B @ adjoint(result)) if left else -(adjoint(result) @ grad_B)
    if adjoint_system:
        grad_A = adjoint(grad_A)
    moved = adjoint(P) @ grad_A
    return lower(moved @ adjoint(upper(LU)), -1) + upper(adjoint(L) @ moved)


LinalgLuSolveBackward0 = derivative("LinalgLuSolveBackward0", _lu_solve_grad_LU, _lu_solve_grad_B,
                                    saves="LU result")


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``; ``A^H`` when ``adjoint``) from ``lu_factor``."""
    if B._data.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    check_matrix("linalg.lu_solve", LU)
    lu_array, b = LU._data, B._data
    if b.dtype != lu_array.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
                           f"{LU.dtype.scalar_type_name} and B of type {B.dtype.scalar_type_name} instead")
    n = lu_array.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {equation} "
                           f"({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
    permutation = _permutation_from_pivots(pivots._data, n)
    x = lapack.lu_solve(lu_array, pivots._data, b, left, adjoint)
    if x is None:
        x = _lu_solve_array(lu_array, permutation, b, left, adjoint)
    result = record(x, LinalgLuSolveBackward0, (LU, B), (LU, OUTPUT), (permutation, left, adjoint))
    return write_out(result, out, "linalg_lu_solve")


def _lu_solve_array(lu_array, permutation, b, left, adjoint):
    """``lu_solve``'s solution without LAPACK's ``getrs``: ``A = P L U`` rebuilt and solved."""
    xp = namespace_of(lu_array)
    L, U = _unpack(lu_array)
    with xp.errstate(all="ignore"):  # inf in LU gives NaN silently, as in PyTorch (some BLAS kernels flag it)
        a = _permutation_matrix(permutation, lu_array.dtype) @ L @ U
    if adjoint:
        a = xp.swapaxes(a, -1, -2).conj()
    if not left:
        a, b = xp.swapaxes(a, -1, -2), xp.swapaxes(b, -1, -2)
    batch = NUMPY.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    x = xp.linalg.solve(xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:]))
    if not left:
        x = xp.swapaxes(x, -1, -2)
    return x
