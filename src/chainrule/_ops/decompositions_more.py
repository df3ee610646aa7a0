"""More matrix factorizations: ``lu_factor lu lu_solve lstsq eig eigvals cholesky_inverse householder_product``.

The LU factorization pivots as LAPACK does (the largest magnitude in each column, the first one
on ties), so ``P``, ``L``, ``U`` and the 1-based ``pivots`` match PyTorch's. The derivative rules
are written with chainrule's own ops (``solve``, ``pinv``, products), so second derivatives work
(for ``eig``, whose rule runs on complex tensors, they need ``solve``'s rule to conjugate).
"""

import math

import numpy as np

from .. import return_types
from .._tensor import make_tensor
from ._op import OUTPUT, derivative, record, record_multi
from .decompositions import (_mH, _off_diagonal_ratio, _outputs_of, _pinv_grad, _record_factors, check_matrix, pinv,
                             solve)
from .joining import cat
from .pointwise_base import write_out

__all__ = ["lu_factor", "lu", "lu_solve", "lstsq", "eig", "eigvals", "cholesky_inverse", "householder_product"]

FUNCTIONS = ["cholesky_inverse"]
METHODS = FUNCTIONS

_LinalgLuFactor = return_types.make_return_type("linalg_lu_factor", ("LU", "pivots"))
_LinalgLu = return_types.make_return_type("linalg_lu", ("P", "L", "U"))
_LinalgLstsq = return_types.make_return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
_LinalgEig = return_types.make_return_type("linalg_eig", ("eigenvalues", "eigenvectors"))

_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _mask(rows, columns, diagonal, lower, dtype):
    """A constant 0/1 tensor selecting the lower (or upper) triangle from ``diagonal`` on."""
    tri = np.tri(rows, columns, diagonal, dtype=dtype)
    return make_tensor(tri if lower else 1 - np.tri(rows, columns, diagonal - 1, dtype=dtype))


def _lower(x, diagonal=0):
    return x * _mask(x.shape[-2], x.shape[-1], diagonal, True, x._data.dtype)


def _upper(x, diagonal=0):
    return x * _mask(x.shape[-2], x.shape[-1], diagonal, False, x._data.dtype)


# ---------------------------------------------------------------- LU with partial pivoting
def _magnitude(x):
    """LAPACK's pivot measure: ``|re| + |im|`` for complex numbers."""
    return np.abs(x.real) + np.abs(x.imag) if x.dtype.kind == "c" else np.abs(x)


def _lu_arrays(a):
    """``(LU, pivots, permutation, info)`` of each matrix of ``a``: row ``i`` of ``P^T A`` is row
    ``permutation[i]`` of ``A``; ``info`` is the 1-based index of the first zero pivot (0 if none)."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    count = math.prod(batch)
    lu = np.array(a.reshape(count, m, n), dtype=a.dtype)
    rows = np.arange(count)
    pivots = np.zeros((count, k), dtype=np.int32)
    permutation = np.tile(np.arange(m), (count, 1))
    info = np.zeros(count, dtype=np.int32)
    for j in range(k):
        p = j + np.argmax(_magnitude(lu[:, j:, j]), axis=-1)
        pivots[:, j] = p + 1
        lu[rows, j], lu[rows, p] = lu[rows, p], lu[rows, j].copy()
        permutation[rows, j], permutation[rows, p] = permutation[rows, p], permutation[rows, j].copy()
        pivot = lu[:, j, j]
        zero = pivot == 0
        info[zero & (info == 0)] = j + 1
        lu[:, j + 1:, j] /= np.where(zero, 1, pivot)[:, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    return (lu.reshape(a.shape), pivots.reshape(batch + (k,)), permutation.reshape(batch + (m,)),
            info.reshape(batch))


def _permutation_matrix(permutation, dtype):
    """``P`` with ``A = P L U``: column ``i`` of ``P`` is the unit vector at ``permutation[i]``."""
    m = permutation.shape[-1]
    return (permutation[..., None, :] == np.arange(m)[:, None]).astype(dtype)


def _permutation_from_pivots(pivots, m):
    """Replay LAPACK's row swaps (``pivots`` are 1-based) to get the row permutation."""
    batch = pivots.shape[:-1]
    swaps = pivots.reshape(math.prod(batch), pivots.shape[-1]).astype(np.int64) - 1
    permutation = np.tile(np.arange(m), (swaps.shape[0], 1))
    rows = np.arange(swaps.shape[0])
    for j in range(swaps.shape[1]):
        p = swaps[:, j]
        permutation[rows, j], permutation[rows, p] = permutation[rows, p], permutation[rows, j].copy()
    return permutation.reshape(batch + (m,))


def _unpack(lu):
    """Unit lower ``L`` (``m x k``) and upper ``U`` (``k x n``) from a packed LU array."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype)
    return L, np.triu(lu[..., :k, :])


def _square_lu_grad(L, U, grad_L, grad_U):
    """For square ``A' = L U``: ``L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T``."""
    phi = _lower(_mH(L) @ grad_L, -1) + _upper(grad_U @ _mH(U))
    return solve(_mH(U), solve(_mH(L), phi), left=False)


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
        grad_L = grad_L - solve(_mH(L), grad_U2 @ _mH(U2))
        return P @ cat([_square_lu_grad(L, U1, grad_L, grad_U1), solve(_mH(L), grad_U2)], -1)
    # L = [L1; L2] with (P^T A)2 = L2 U
    L1, L2 = L[..., :n, :], L[..., n:, :]
    grad_L1, grad_L2 = grad_L[..., :n, :], grad_L[..., n:, :]
    grad_U = grad_U - solve(_mH(U), _mH(L2) @ grad_L2, left=False)
    return P @ cat([_square_lu_grad(L1, U, grad_L1, grad_U), solve(_mH(U), grad_L2, left=False)], -2)


def _lu_factor_grad(grad, LU, permutation):
    m, n = LU.shape[-2:]
    k = min(m, n)
    L = _lower(LU[..., :, :k], -1) + make_tensor(np.eye(m, k, dtype=LU._data.dtype))
    U = _upper(LU[..., :k, :])
    P = make_tensor(_permutation_matrix(permutation, LU._data.dtype))
    return _lu_grad(P, L, U, _lower(grad[..., :, :k], -1), _upper(grad[..., :k, :]))


def _lu_factors_grad(grads, L, U, permutation):
    L, U = _outputs_of(L, U)
    P = make_tensor(_permutation_matrix(permutation, L._data.dtype))
    return _lu_grad(P, L, U, *grads)


LinalgLuFactorExBackward0 = derivative("LinalgLuFactorExBackward0", _lu_factor_grad, saves="LU")
LinalgLuBackward0 = derivative("LinalgLuBackward0", _lu_factors_grad, saves="L U", outputs=2)


def _check_lu_input(name, A, pivot):
    """PyTorch's messages for a non-matrix, an integer tensor, or ``pivot=False`` (CPU LU always pivots)."""
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: {list(a.shape)} instead")
    if a.dtype.kind not in "fc":
        raise NotImplementedError(f'"lu_cpu" not implemented for \'{A.dtype.scalar_type_name}\'')
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def lu_factor(A, *, pivot=True, out=None):
    """The packed LU factorization ``(LU, pivots)`` of ``A``, for ``lu_solve``."""
    _check_lu_input("torch.lu_factor", A, pivot)
    lu_array, pivots, permutation, info = _lu_arrays(A._data)
    failed = np.flatnonzero(info.reshape(-1))
    if failed.size:
        prefix = f"(Batch element {failed[0]}): " if info.ndim else ""
        pivot_index = int(info.reshape(-1)[failed[0]])
        raise RuntimeError(f"torch.linalg.lu_factor: {prefix}U[{pivot_index},{pivot_index}] is zero and using it "
                           "on lu_solve would result in a division by zero. If you still want to perform the "
                           "factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    LU = record(lu_array, LinalgLuFactorExBackward0, (A,), (OUTPUT,), (permutation,))
    return write_out(_LinalgLuFactor((LU, make_tensor(pivots))), out, "linalg_lu_factor")


def lu(A, *, pivot=True, out=None):
    """``P, L, U`` with ``A = P @ L @ U``: ``L`` unit lower triangular, ``U`` upper triangular."""
    _check_lu_input("linalg.lu", A, pivot)
    lu_array, _, permutation, _ = _lu_arrays(A._data)
    L, U = _record_factors(_unpack(lu_array), LinalgLuBackward0, A, (permutation,))
    P = make_tensor(_permutation_matrix(permutation, A._data.dtype))
    return write_out(_LinalgLu((P, L, U)), out, "linalg_lu")


# ---------------------------------------------------------------- lu_solve
def _system_matrix(LU, permutation, adjoint):
    """``A = P L U`` rebuilt from a packed factorization with chainrule ops (or its transpose)."""
    n = LU.shape[-1]
    L = _lower(LU, -1) + make_tensor(np.eye(n, dtype=LU._data.dtype))
    P = make_tensor(_permutation_matrix(permutation, LU._data.dtype))
    A = P @ L @ _upper(LU)
    return (_mH(A) if adjoint else A), P, L


def _lu_solve_grad_B(grad, LU, result, permutation, left, adjoint):
    A, _, _ = _system_matrix(LU, permutation, adjoint)
    return solve(_mH(A), grad, left=left)


def _lu_solve_grad_LU(grad, LU, result, permutation, left, adjoint):
    A, P, L = _system_matrix(LU, permutation, adjoint)
    grad_B = solve(_mH(A), grad, left=left)
    grad_A = -(grad_B @ _mH(result)) if left else -(_mH(result) @ grad_B)
    if adjoint:
        grad_A = _mH(grad_A)
    moved = _mH(P) @ grad_A
    return _lower(moved @ _mH(_upper(LU)), -1) + _upper(_mH(L) @ moved)


LinalgLuSolveBackward0 = derivative("LinalgLuSolveBackward0", _lu_solve_grad_LU, _lu_solve_grad_B,
                                    saves="LU result")


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``; ``A^H`` when ``adjoint``) from ``lu_factor``."""
    if B._data.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    check_matrix("linalg.lu_solve", LU)
    lu_array, b = LU._data, B._data
    n = lu_array.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {equation} "
                           f"({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
    permutation = _permutation_from_pivots(pivots._data, n)
    L, U = _unpack(lu_array)
    a = _permutation_matrix(permutation, lu_array.dtype) @ L @ U
    if adjoint:
        a = np.swapaxes(a, -1, -2).conj()
    if not left:
        a, b = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    x = np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:]))
    if not left:
        x = np.swapaxes(x, -1, -2)
    result = record(x, LinalgLuSolveBackward0, (LU, B), (LU, OUTPUT), (permutation, left, adjoint))
    return write_out(result, out, "linalg_lu_solve")


# ---------------------------------------------------------------- lstsq
def _as_matrix(B, vector):
    return B.unsqueeze(-1) if vector else B


def _lstsq_grad_A(grads, A, B, vector):
    """Through ``solution = pinv(A) B`` and ``residuals = |B - A solution|^2`` (full-rank ``A``)."""
    grad_solution, grad_residuals = grads
    B, inverse = _as_matrix(B, vector), pinv(A)
    grad = None
    if grad_solution is not None:
        grad = _pinv_grad(_as_matrix(grad_solution, vector) @ _mH(B), A, inverse)
    if grad_residuals is not None and grad_residuals.numel():
        solution = inverse @ B
        weighted = (B - A @ solution) * grad_residuals.unsqueeze(-2)
        term = -2 * (weighted @ _mH(solution))
        grad = term if grad is None else grad + term
    return grad


def _lstsq_grad_B(grads, A, B, vector):
    grad_solution, grad_residuals = grads
    B, inverse = _as_matrix(B, vector), pinv(A)
    grad = None
    if grad_solution is not None:
        grad = _mH(inverse) @ _as_matrix(grad_solution, vector)
    if grad_residuals is not None and grad_residuals.numel():
        term = 2 * (B - A @ (inverse @ B)) * grad_residuals.unsqueeze(-2)
        grad = term if grad is None else grad + term
    return grad[..., 0] if vector and grad is not None else grad


LinalgLstsqBackward0 = derivative("LinalgLstsqBackward0", _lstsq_grad_A, _lstsq_grad_B, saves="self b", outputs=2)


def _lstsq_arrays(a, b, rcond):
    """The minimum-norm solution, each matrix's rank and singular values (SVD cut at ``rcond``)."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    largest = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
    kept = s > rcond * largest
    inverted = np.where(kept, 1 / np.where(kept, s, 1), 0).astype(a.dtype)
    solution = np.swapaxes(vh, -1, -2).conj() @ (inverted[..., :, None] * (np.swapaxes(u, -1, -2).conj() @ b))
    return solution, kept.sum(-1).astype(np.int64), s


def lstsq(A, B, rcond=None, *, driver=None):
    """``(solution, residuals, rank, singular_values)`` of ``min ||A X - B||`` (the minimum-norm solution)."""
    if driver is None:
        driver = "gelsy"
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    a, b = A._data, B._data
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if a.dtype.kind not in "fc":
        raise RuntimeError("This function doesn't handle types other than float and double")
    if a.dtype != b.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {A.dtype.scalar_type_name} and other's dtype {B.dtype.scalar_type_name}")
    vector = b.ndim == a.ndim - 1
    m, n = a.shape[-2:]
    if (b.shape[-1] if vector else b.shape[-2]) != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    if rcond is None:
        rcond = np.finfo(a.dtype).eps * max(m, n)
    b_matrix = b[..., None] if vector else b
    batch = np.broadcast_shapes(a.shape[:-2], b_matrix.shape[:-2])
    solution, rank, singular_values = _lstsq_arrays(np.broadcast_to(a, batch + a.shape[-2:]),
                                                     np.broadcast_to(b_matrix, batch + b_matrix.shape[-2:]), rcond)
    residuals = np.zeros(0, dtype=a.real.dtype)
    if m > n and driver != "gelsy" and (driver == "gels" or np.all(rank == n)):
        difference = b_matrix - a @ solution
        residuals = (np.abs(difference) ** 2).sum(-2)
    if vector:
        solution = solution[..., 0]
    solution, residuals = record_multi((solution, residuals), LinalgLstsqBackward0, (A, B), (A, B), (vector,))
    rank = rank if driver != "gels" else np.zeros(0, dtype=np.int64)
    if driver not in ("gelsd", "gelss"):
        singular_values = np.zeros(0, dtype=a.real.dtype)
    return _LinalgLstsq((solution, residuals, make_tensor(np.asarray(rank)), make_tensor(singular_values)))


# ---------------------------------------------------------------- eig / eigvals
def _eig_grad(grads, eigenvalues, eigenvectors):
    """``V^-H (diag(gL) + (V^H gV - V^H V diag(re(V^H gV))) / conj(L_j - L_i)) V^H`` for distinct eigenvalues;
    the diagonal correction keeps the eigenvectors at unit norm. A real input keeps the real part."""
    grad_values, grad_vectors = grads
    values, vectors = _outputs_of(eigenvalues, eigenvectors)
    vectors_h = vectors.mH
    inner = None
    if grad_vectors is not None:
        projected = vectors_h @ grad_vectors
        real_diagonal = projected.diagonal(0, -2, -1).to(_real_dtype(projected))
        adjusted = projected - vectors_h @ (vectors * real_diagonal.unsqueeze(-2))
        conj_values = values.conj()
        inner = _off_diagonal_ratio(adjusted, conj_values.unsqueeze(-2) - conj_values.unsqueeze(-1))
    if grad_values is not None:
        diagonal = grad_values.unsqueeze(-1) * make_tensor(np.eye(values.shape[-1], dtype=values._data.dtype))
        inner = diagonal if inner is None else inner + diagonal
    return solve(vectors_h, inner @ vectors_h)


def _real_dtype(tensor):
    return tensor.dtype.to_real()


LinalgEigBackward0 = derivative("LinalgEigBackward0", _eig_grad, saves="eigenvalues eigenvectors", outputs=2)


def _check_general_matrix(name, A):
    """``check_matrix``, with PyTorch's message for an integer matrix (it has no complex counterpart)."""
    if A._data.ndim >= 2 and A._data.dtype.kind not in "fc":
        raise RuntimeError(f"Unknown Complex ScalarType for {A.dtype.scalar_type_name}")
    check_matrix(name, A)


def _eig_factors(name, A):
    _check_general_matrix(name, A)
    values, vectors = np.linalg.eig(A._data)
    complex_type = np.result_type(A._data.dtype, np.complex64)
    return _record_factors((values.astype(complex_type), vectors.astype(complex_type)), LinalgEigBackward0, A)


def eig(A, *, out=None):
    """Eigenvalues and unit eigenvectors of a general square matrix, as complex tensors."""
    return write_out(_LinalgEig(_eig_factors("linalg.eig", A)), out, "linalg_eig")


def eigvals(A, *, out=None):
    """The eigenvalues of a general square matrix: the first output of ``eig``, whose node keeps the
    eigenvectors its rule reads."""
    return write_out(_eig_factors("linalg.eigvals", A)[0], out, "linalg_eigvals")


# ---------------------------------------------------------------- cholesky_inverse
def _cholesky_inverse_grad(grad, factor, result, upper):
    """``R = (L L^T)^-1``: ``gL = -R (g + g^T) R L`` (``-U R (g + g^T) R`` for ``R = (U^T U)^-1``). As in
    PyTorch, ``L`` here is the whole input, though the forward reads one triangle of it."""
    common = -(result @ (grad + _mH(grad)) @ result)
    return factor @ common if upper else common @ factor


CholeskyInverseBackward0 = derivative("CholeskyInverseBackward0", _cholesky_inverse_grad, saves="self result")


def cholesky_inverse(input, upper=False, *, out=None):
    """The inverse of ``L @ L.mT`` (``U.mT @ U`` when ``upper``) from its Cholesky factor."""
    if input._data.dtype.kind not in "fc":
        raise NotImplementedError(f'"cholesky_inverse_out_cpu" not implemented for \'{input.dtype.scalar_type_name}\'')
    check_matrix("cholesky_inverse", input)
    factor = np.triu(input._data) if upper else np.tril(input._data)
    product = np.swapaxes(factor, -1, -2).conj() @ factor if upper else factor @ np.swapaxes(factor, -1, -2).conj()
    result = record(np.linalg.inv(product), CholeskyInverseBackward0, (input,), (input, OUTPUT), (upper,))
    return write_out(result, out, "cholesky_inverse")


# ---------------------------------------------------------------- householder_product
def _householder_grads(grad, A, tau):
    """Gradients of ``Q = H_1 ... H_k E`` (``H_i = I - tau_i v_i v_i^T``, ``E`` the first columns of ``I``)
    for ``A`` (whose strictly lower columns are the ``v_i``) and ``tau``, one reflector at a time."""
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    dtype = A._data.dtype
    if not k:  # no reflectors: Q is the constant E
        return make_tensor(np.zeros(A.shape, dtype=dtype)), make_tensor(np.zeros(tau.shape, dtype=dtype))
    vectors = _lower(A[..., :, :k], -1) + make_tensor(np.eye(m, k, dtype=dtype))
    suffixes = [make_tensor(np.eye(m, n, dtype=dtype))]  # H_{i+1} ... H_k E, built from the right
    for i in range(k - 1, 0, -1):
        v, t = vectors[..., :, i:i + 1], tau[..., i:i + 1].unsqueeze(-1)
        suffixes.append(suffixes[-1] - t * (v @ (_mH(v) @ suffixes[-1])))
    suffixes.reverse()
    grad_vectors, grad_tau = [], []
    for i in range(k):
        v, t, suffix = vectors[..., :, i:i + 1], tau[..., i:i + 1].unsqueeze(-1), suffixes[i]
        grad_times_w = grad @ (_mH(suffix) @ v)
        grad_tau.append(-(_mH(v) @ grad_times_w)[..., 0])
        grad_vectors.append(-t * (grad_times_w + suffix @ (_mH(grad) @ v)))
        grad = grad - t * (v @ (_mH(v) @ grad))
    grad_A = _lower(cat(grad_vectors + [make_tensor(np.zeros(A.shape[:-1] + (n - k,), dtype=dtype))], -1), -1)
    return grad_A, cat(grad_tau, -1)


def _householder_grad_A(grad, A, tau):
    return _householder_grads(grad, A, tau)[0]


def _householder_grad_tau(grad, A, tau):
    return _householder_grads(grad, A, tau)[1]


LinalgHouseholderProductBackward0 = derivative("LinalgHouseholderProductBackward0", _householder_grad_A,
                                               _householder_grad_tau, saves="self tau")


def _check_householder(A, tau):
    name = "torch.linalg.householder_product"
    a, t = A._data, tau._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if a.shape[-2] < a.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if a.shape[-1] < t.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if t.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(t.shape[:-1])}")
    if t.dtype != a.dtype:
        raise RuntimeError(f"{name}: tau dtype {tau.dtype.scalar_type_name} does not match input dtype "
                           f"{A.dtype.scalar_type_name}")


def householder_product(A, tau, *, out=None):
    """The first columns of ``H_1 ... H_k`` with ``H_i = I - tau_i v_i v_i^H``, ``v_i`` read below
    ``A``'s diagonal (a unit first entry): the ``Q`` of a QR factorization stored as reflectors."""
    _check_householder(A, tau)
    a, t = A._data, tau._data
    m, n = a.shape[-2:]
    k = t.shape[-1]
    vectors = np.tril(a[..., :, :k], -1) + np.eye(m, k, dtype=a.dtype)
    q = np.broadcast_to(np.eye(m, n, dtype=a.dtype), a.shape).copy()
    for i in range(k - 1, -1, -1):
        v = vectors[..., :, i:i + 1]
        q -= t[..., i, None, None] * (v @ (np.swapaxes(v, -1, -2).conj() @ q))
    result = record(q, LinalgHouseholderProductBackward0, (A, tau), (A, tau))
    return write_out(result, out, "linalg_householder_product")
