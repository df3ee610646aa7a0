"""Matrix functions and decompositions: ``inv det slogdet solve cholesky qr eigh svd pinv``.

Each works on a matrix or a batch of matrices (the last two dimensions) and records PyTorch's node
(``LinalgInvExBackward0``, ``LinalgSvdBackward0``, ...). The derivative rules are written with
chainrule's own ops, so second derivatives come for free. The eigenvector and singular vector
rules hold where the eigenvalues (singular values) are distinct, as in PyTorch.
"""

import warnings

import numpy as np

from .. import return_types
from .._tensor import make_tensor
from .._autograd.graph import SavedTensor
from ._op import OUTPUT, conjugate, derivative, record, record_multi
from .pointwise import where
from .pointwise_base import write_out

__all__ = ["LinAlgError", "inv", "det", "slogdet", "linalg_slogdet", "logdet", "solve", "cholesky", "cholesky_legacy",
           "qr", "eigh", "eigvalsh", "svd", "svd_legacy", "svdvals", "pinv", "pinverse", "inverse"]

FUNCTIONS = ["det", "slogdet", "logdet", "inverse", "pinverse"]
METHODS = FUNCTIONS
ALIASES = {"cholesky": "cholesky_legacy", "svd": "svd_legacy"}


class LinAlgError(RuntimeError):
    """A matrix that the factorization cannot handle: singular, or not positive-definite."""


_LinalgSlogdet = return_types.make_return_type("linalg_slogdet", ("sign", "logabsdet"))
_Slogdet = return_types.make_return_type("slogdet", ("sign", "logabsdet"))
_LinalgQr = return_types.make_return_type("linalg_qr", ("Q", "R"))
_LinalgEigh = return_types.make_return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
_LinalgSvd = return_types.make_return_type("linalg_svd", ("U", "S", "Vh"))
_Svd = return_types.make_return_type("svd", ("U", "S", "V"))


# ---------------------------------------------------------------- checks and helpers
def check_matrix(name, A, square=True):
    """PyTorch's messages for a non-matrix, an integer tensor, or a non-square matrix."""
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.scalar_type_name}")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")


def _mH(x):
    """The adjoint: conjugate transpose of the last two dims (a plain transpose for real tensors)."""
    return conjugate(x.transpose(-2, -1))


def _eye(n, like):
    return make_tensor(np.eye(n, dtype=like._data.dtype))


def _diag_embed(v):
    return v.unsqueeze(-1) * _eye(v.shape[-1], v)


def _tril(x, diagonal=0):
    return x * make_tensor(np.tri(x.shape[-2], x.shape[-1], diagonal, dtype=x._data.dtype))


def _off_diagonal_ratio(numerator, differences):
    """``numerator / differences`` off the diagonal and 0 on it (the differences vanish there)."""
    on_diagonal = make_tensor(np.eye(differences.shape[-1], dtype=bool))
    return where(on_diagonal, 0.0, numerator / where(on_diagonal, 1.0, differences))


def _record_factors(datas, node_class, input, args=()):
    """Record a decomposition whose rule reads all its own outputs (``U, S, Vh``).

    Each output is kept like ``OUTPUT`` (its array and version only, no reference cycle);
    ``_outputs_of`` gives them their output numbers back when the rule runs.
    """
    outs = record_multi(datas, node_class, (input,), (), args)
    node = outs[0]._grad_fn
    if node is not None:
        node._saved = tuple(SavedTensor(out, output_of=nr) for nr, out in enumerate(outs))
    return outs


def _outputs_of(*outputs):
    for nr, out in enumerate(outputs):
        out._output_nr = nr
    return outputs


# ---------------------------------------------------------------- failures, numbered as LAPACK's ``info``
def lu_info(matrix):
    """0 for an invertible matrix, else the 1-based column of the first zero pivot of its LU factorization."""
    try:
        np.linalg.inv(matrix)
        return 0
    except np.linalg.LinAlgError:
        pass
    u = np.array(matrix, dtype=np.float64)
    n = u.shape[0]
    for k in range(n):
        pivot = k + int(np.argmax(np.abs(u[k:, k])))
        if u[pivot, k] == 0:
            return k + 1
        u[[k, pivot]] = u[[pivot, k]]
        u[k + 1:, k:] -= np.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return n


def cholesky_info(matrix):
    """0 for a positive-definite matrix, else the order of its first leading minor that is not."""
    try:
        np.linalg.cholesky(matrix)
        return 0
    except np.linalg.LinAlgError:
        pass
    n = matrix.shape[0]
    for order in range(1, n):
        try:
            np.linalg.cholesky(matrix[:order, :order])
        except np.linalg.LinAlgError:
            return order
    return n


def failure_info(a, matrix_info):
    """``matrix_info`` of each matrix in the batch ``a``, as an int32 array of the batch shape."""
    matrices = a.reshape(-1, *a.shape[-2:])
    return np.array([matrix_info(m) for m in matrices], dtype=np.int32).reshape(a.shape[:-2])


def _first_failure(a, matrix_info):
    """``"(Batch element i): "`` (for a batch) and the info of the first matrix that fails."""
    info = failure_info(a, matrix_info).reshape(-1)
    failed = np.flatnonzero(info)
    index = int(failed[0]) if failed.size else 0
    return (f"(Batch element {index}): " if a.ndim > 2 else ""), int(info[index]) if info.size else 0


def singular_error(name, a):
    prefix, pivot = _first_failure(a, lu_info)
    return LinAlgError(f"{name}: {prefix}The diagonal element {pivot} is zero, the inversion could not be completed "
                       "because the input matrix is singular.")


def singular_solve_error(name, a):
    prefix, _ = _first_failure(a, lu_info)
    return LinAlgError(f"torch.{name}: {prefix}The solver failed because the input matrix is singular.")


def not_positive_definite_error(name, a):
    prefix, order = _first_failure(a, cholesky_info)
    return LinAlgError(f"{name}: {prefix}The factorization could not be completed because the input is not "
                       f"positive-definite (the leading minor of order {order} is not positive-definite).")


# ---------------------------------------------------------------- inv
def _inverse_array(name, a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise singular_error(name, a) from None


def _inv_grad(grad, inverse):
    inverse_t = _mH(inverse)
    return -(inverse_t @ grad @ inverse_t)


LinalgInvExBackward0 = derivative("LinalgInvExBackward0", _inv_grad, saves="inverse")


def inv(A, *, out=None):
    """The inverse of a square matrix (or of each in a batch)."""
    check_matrix("linalg.inv", A)
    result = record(_inverse_array("linalg.inv", A._data), LinalgInvExBackward0, (A,), (OUTPUT,))
    return write_out(result, out, "linalg_inv")


inverse = inv


# ---------------------------------------------------------------- det / slogdet / logdet
def _det_grad(grad, A, result):
    """``grad * det(A) * A^-T``: zero for a matrix whose determinant is exactly 0, as in PyTorch."""
    singular = result._data == 0
    if singular.any():  # their scale is 0: invert the identity in their place
        A = where(make_tensor(singular[..., None, None]), _eye(A.shape[-1], A), A)
    return (grad * result).unsqueeze(-1).unsqueeze(-1) * _mH(inv(A))


def _slogdet_grad(grads, A):
    grad = grads[1]
    if grad is None:
        return None
    return grad.unsqueeze(-1).unsqueeze(-1) * _mH(inv(A))


LinalgDetBackward0 = derivative("LinalgDetBackward0", _det_grad, saves="A result")
LinalgSlogdetBackward0 = derivative("LinalgSlogdetBackward0", _slogdet_grad, saves="A", outputs=2)


def det(A, *, out=None):
    """The determinant of a square matrix (or of each in a batch)."""
    check_matrix("linalg.det", A)
    return write_out(record(np.linalg.det(A._data), LinalgDetBackward0, (A,), (A, OUTPUT)), out, "linalg_det")


def _slogdet(name, A, result_type):
    check_matrix(name, A)
    sign, logabsdet = np.linalg.slogdet(A._data)
    return result_type(record_multi((sign, logabsdet), LinalgSlogdetBackward0, (A,), (A,)))


def linalg_slogdet(A, *, out=None):
    """``(sign, log|det|)``: the determinant without overflow."""
    return write_out(_slogdet("linalg.slogdet", A, _LinalgSlogdet), out, "linalg_slogdet")


def slogdet(input, *, out=None):
    """``torch.slogdet``: ``linalg.slogdet`` under its older name."""
    return write_out(_slogdet("linalg.slogdet", input, _Slogdet), out, "slogdet")


def logdet(input):
    """``log det``: nan for a negative determinant, -inf for a zero one."""
    sign, logabsdet = _slogdet("logdet", input, _Slogdet)
    return where(sign == -1, float("nan"), logabsdet)


# ---------------------------------------------------------------- solve
def is_vector_rhs(a, b):
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


def solve_array(a, b, left, vector):
    if vector:
        b = b[..., None]
    if not left:
        a, b = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    try:
        x = np.linalg.solve(a, np.broadcast_to(b, batch + b.shape[-2:]))
    except np.linalg.LinAlgError:
        raise singular_solve_error("linalg.solve", a) from None
    if not left:
        x = np.swapaxes(x, -1, -2)
    return x[..., 0] if vector else x


def _solve_grad_B(grad, A, result, left):
    return solve(_mH(A), grad, left=left)


def _solve_grad_A(grad, A, result, left):
    grad_B = solve(_mH(A), grad, left=left)
    if not left:
        return -(_mH(result) @ grad_B)
    if is_vector_rhs(A._data, result._data):
        return -(grad_B.unsqueeze(-1) * result.unsqueeze(-2))
    return -(grad_B @ _mH(result))


LinalgSolveExBackward0 = derivative("LinalgSolveExBackward0", _solve_grad_A, _solve_grad_B, saves="A result")


def solve(A, B, *, left=True, out=None):
    """``X`` with ``A @ X = B`` (``X @ A = B`` when ``left=False``); ``B`` may be a vector."""
    check_matrix("linalg.solve", A)
    a, b = A._data, B._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.scalar_type_name} and B of type {B.dtype.scalar_type_name} instead")
    vector = is_vector_rhs(a, b)
    rows = b.shape[-1] if vector else b.shape[-2 if left else -1]
    if rows != a.shape[-1] or vector and not left:
        columns = 1 if vector else b.shape[-1 if left else -2]
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {equation} "
                           f"({a.shape[-2]}x{a.shape[-1]} and {rows}x{columns})")
    result = record(solve_array(a, b, left, vector), LinalgSolveExBackward0, (A, B), (A, OUTPUT), (left,))
    return write_out(result, out, "linalg_solve")


# ---------------------------------------------------------------- cholesky
def cholesky_array(name, a, upper):
    try:
        factor = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise not_positive_definite_error(name, a) from None
    return np.swapaxes(factor, -1, -2).copy() if upper else factor


def _cholesky_grad(grad, factor, upper):
    """``L^-T P L^-1`` with ``P`` the symmetric matrix whose lower half is ``tril(L^T grad)``, halved."""
    lower = _mH(factor) if upper else factor
    grad_lower = _mH(grad) if upper else grad
    product = _tril(_mH(lower) @ grad_lower)
    symmetric = 0.5 * (product + _mH(_tril(product, -1)))
    left = solve(_mH(lower), symmetric)
    return _mH(solve(_mH(lower), _mH(left)))


LinalgCholeskyExBackward0 = derivative("LinalgCholeskyExBackward0", _cholesky_grad, saves="L")
CholeskyBackward0 = derivative("CholeskyBackward0", _cholesky_grad, saves="result")


def cholesky(A, *, upper=False, out=None):
    """The lower triangular ``L`` with ``A = L @ L.mT`` (its transpose when ``upper``)."""
    check_matrix("linalg.cholesky", A)
    factor = cholesky_array("linalg.cholesky", A._data, upper)
    return write_out(record(factor, LinalgCholeskyExBackward0, (A,), (OUTPUT,), (upper,)), out, "linalg_cholesky")


def cholesky_legacy(input, upper=False, *, out=None):
    """``torch.cholesky``: the deprecated spelling of ``linalg.cholesky``."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\n"
                  "and\nU = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
                  "This transform will produce equivalent results for all valid (symmetric positive definite) "
                  "inputs.", UserWarning, stacklevel=2)
    check_matrix("cholesky", input)
    factor = cholesky_array("cholesky", input._data, upper)
    return write_out(record(factor, CholeskyBackward0, (input,), (OUTPUT,), (upper,)), out, "cholesky")


# ---------------------------------------------------------------- qr
def _qr_square_grad(grad_Q, grad_R, Q, R):
    """For ``A = QR`` with at least as many rows as columns: ``(gQ + Q copyltu(M)) R^-T``."""
    M = None
    if grad_R is not None:
        M = R @ _mH(grad_R)
    if grad_Q is not None:
        M = -(_mH(grad_Q) @ Q) if M is None else M - _mH(grad_Q) @ Q
    copied = Q @ (_tril(M) + _mH(_tril(M, -1)))
    b = copied if grad_Q is None else grad_Q + copied
    return solve(_mH(R), b, left=False)


def _qr_grad(grads, Q, R, mode):
    grad_Q, grad_R = grads
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                           "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    m, n = Q.shape[-2], R.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    Q, R = _outputs_of(Q, R)
    if m >= n:
        return _qr_square_grad(grad_Q, grad_R, Q, R)
    # a wide A = [X | Y]: X = Q U is square, and Y = Q V
    U, V = R[..., :m], R[..., m:]
    grad_U = None if grad_R is None else grad_R[..., :m]
    grad_V = None if grad_R is None else grad_R[..., m:]
    Y = Q @ V
    if grad_V is not None:
        grad_Q = Y @ _mH(grad_V) if grad_Q is None else grad_Q + Y @ _mH(grad_V)
    grad_X = _qr_square_grad(grad_Q, grad_U, Q, U)
    first = make_tensor(np.eye(m, n, dtype=Q._data.dtype))
    if grad_V is None:
        return grad_X @ first
    rest = make_tensor(np.eye(n - m, n, m, dtype=Q._data.dtype))
    return grad_X @ first + (Q @ grad_V) @ rest


LinalgQrBackward0 = derivative("LinalgQrBackward0", _qr_grad, saves="Q R", outputs=2)


def qr(A, mode="reduced", *, out=None):
    """``Q`` with orthonormal columns and upper triangular ``R`` with ``A = Q @ R``."""
    if mode not in ("reduced", "r", "complete"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    check_matrix("linalg.qr", A, square=False)
    a = A._data
    if mode == "r":
        Q, R = np.zeros(0, dtype=a.dtype), np.linalg.qr(a, mode="r")
    else:
        Q, R = np.linalg.qr(a, mode=mode)
    return write_out(_LinalgQr(_record_factors((Q, R), LinalgQrBackward0, A, (mode,))), out, "linalg_qr")


# ---------------------------------------------------------------- eigh / eigvalsh
def _eigh_grad(grads, eigenvalues, eigenvectors):
    """``V (diag(gL) + skew(V^T gV) / (L_j - L_i)) V^T``."""
    grad_values, grad_vectors = grads
    values, vectors = _outputs_of(eigenvalues, eigenvectors)
    inner = None
    if grad_vectors is not None:
        projected = _mH(vectors) @ grad_vectors
        skew = 0.5 * (projected - _mH(projected))
        inner = _off_diagonal_ratio(skew, values.unsqueeze(-2) - values.unsqueeze(-1))
    if grad_values is not None:
        inner = _diag_embed(grad_values) if inner is None else inner + _diag_embed(grad_values)
    return vectors @ inner @ _mH(vectors)


LinalgEighBackward0 = derivative("LinalgEighBackward0", _eigh_grad, saves="eigenvalues eigenvectors", outputs=2)


def _eigh_arrays(A, UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    check_matrix("linalg.eigh", A)
    return np.linalg.eigh(A._data, UPLO=UPLO)


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix."""
    values, vectors = _eigh_arrays(A, UPLO)
    return write_out(_LinalgEigh(_record_factors((values, vectors), LinalgEighBackward0, A)), out, "linalg_eigh")


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of a symmetric matrix: the first output of ``eigh``, whose node keeps the eigenvectors
    so that second derivatives see them move."""
    values, vectors = _eigh_arrays(A, UPLO)
    return write_out(_record_factors((values, vectors), LinalgEighBackward0, A)[0], out, "linalg_eigvalsh")


# ---------------------------------------------------------------- svd / svdvals
def _svd_grad(grads, U, S, Vh, full_matrices):
    grad_U, grad_S, grad_Vh = grads
    U, S, Vh = _outputs_of(U, S, Vh)
    k = S.shape[-1]
    if full_matrices:
        U, Vh = U[..., :k], Vh[..., :k, :]
        grad_U = None if grad_U is None else grad_U[..., :k]
        grad_Vh = None if grad_Vh is None else grad_Vh[..., :k, :]
    inner = None if grad_S is None else _diag_embed(grad_S)
    if grad_U is None and grad_Vh is None:
        return U @ inner @ Vh
    squares = S * S
    differences = squares.unsqueeze(-2) - squares.unsqueeze(-1)
    extra = None
    if grad_U is not None:
        projected = _mH(U) @ grad_U
        term = _off_diagonal_ratio(projected - _mH(projected), differences) * S.unsqueeze(-2)
        inner = term if inner is None else inner + term
        if U.shape[-2] > k:
            extra = ((grad_U - U @ projected) / S.unsqueeze(-2)) @ Vh
    if grad_Vh is not None:
        V, grad_V = _mH(Vh), _mH(grad_Vh)
        projected = Vh @ grad_V
        term = S.unsqueeze(-1) * _off_diagonal_ratio(projected - _mH(projected), differences)
        inner = term if inner is None else inner + term
        if V.shape[-2] > k:
            term = U @ _mH((grad_V - V @ projected) / S.unsqueeze(-2))
            extra = term if extra is None else extra + term
    result = U @ inner @ Vh
    return result if extra is None else result + extra


LinalgSvdBackward0 = derivative("LinalgSvdBackward0", _svd_grad, saves="U S Vh", outputs=3)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """``U, S, Vh`` with ``A = U @ diag(S) @ Vh`` and ``S`` descending."""
    check_matrix("linalg.svd", A, square=False)
    U, S, Vh = np.linalg.svd(A._data, full_matrices=full_matrices)
    result = _LinalgSvd(_record_factors((U, S, Vh), LinalgSvdBackward0, A, (full_matrices,)))
    return write_out(result, out, "linalg_svd")


def svdvals(A, *, driver=None, out=None):
    """The singular values, descending: an output of ``svd``, whose node keeps the singular vectors."""
    check_matrix("linalg.svd", A, square=False)
    U, S, Vh = np.linalg.svd(A._data, full_matrices=False)
    return write_out(_record_factors((U, S, Vh), LinalgSvdBackward0, A, (False,))[1], out, "linalg_svdvals")


def svd_legacy(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd``: ``U, S, V`` (``V`` itself, not its transpose)."""
    if compute_uv:
        U, S, Vh = svd(input, full_matrices=not some)
        result = _Svd((U, S, _mH(Vh)))
    else:
        a = input._data
        batch, (m, n) = a.shape[:-2], a.shape[-2:]
        zeros_U, zeros_V = (make_tensor(np.zeros(batch + (k, k), dtype=a.dtype)) for k in (m, n))
        result = _Svd((zeros_U, svdvals(input), zeros_V))
    return write_out(result, out, "svd")


# ---------------------------------------------------------------- pinv
def _pinv_grad(grad, A, result):
    """The pseudo-inverse's derivative at constant rank, arranged to multiply the smallest matrices."""
    pinv_t, grad_t = _mH(result), _mH(grad)
    if A.shape[-2] <= A.shape[-1]:
        K = grad_t @ result
        K_pinv_t = K @ pinv_t
        return (-_mH(result @ K) + K_pinv_t - (A @ result) @ K_pinv_t
                + (pinv_t @ result) @ (grad_t - K @ A))
    K = result @ grad_t
    pinv_t_K = pinv_t @ K
    return -_mH(K @ result) + (grad_t - A @ K) @ result @ pinv_t + pinv_t_K - pinv_t_K @ result @ A


LinalgPinvBackward0 = derivative("LinalgPinvBackward0", _pinv_grad, saves="self result")


def _pinv_array(a, atol, rtol, hermitian):
    if hermitian:
        values, vectors = np.linalg.eigh(a)
        magnitude = np.abs(values)
        left, right = vectors, np.swapaxes(vectors, -1, -2)
    else:
        left, magnitude, right = np.linalg.svd(a, full_matrices=False)
        values = magnitude
    largest = magnitude.max(-1, keepdims=True) if magnitude.shape[-1] else magnitude[..., :1]
    threshold = np.maximum(atol, rtol * largest)
    kept = magnitude > threshold
    inverted = np.where(kept, 1 / np.where(kept, values, 1), 0).astype(a.dtype)
    return np.swapaxes(right, -1, -2) @ (inverted[..., :, None] * np.swapaxes(left, -1, -2))


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse; singular values under ``max(atol, rtol * largest)`` are dropped."""
    a = A._data
    if a.ndim < 2 or a.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.pinv({A.dtype.scalar_type_name}{{{list(a.shape)}}}): expected a tensor with 2 or "
                           "more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(a.dtype).eps * max(a.shape[-2:])
    result = _pinv_array(a, 0.0 if atol is None else atol, rtol, hermitian)
    return write_out(record(result, LinalgPinvBackward0, (A,), (A, OUTPUT)), out, "linalg_pinv")


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: ``pinv`` with a relative cutoff ``rcond``."""
    return pinv(input, rtol=rcond)
