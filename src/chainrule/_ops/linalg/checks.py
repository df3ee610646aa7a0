"""Input checks and failure reports of the matrix functions, in PyTorch's words.

A factorization that fails (a singular matrix, one that is not positive-definite) raises
``LinAlgError`` naming the first matrix of the batch that failed and LAPACK's ``info`` for it: the
1-based position of the first zero pivot, or the order of the first leading minor that is not
positive-definite. The ``_ex`` functions return that ``info`` per matrix instead of raising.
"""

from ..._array import NUMPY, namespace_of
from .._arguments import not_a_tensor

__all__ = ["LinAlgError", "check_matrix", "refuse_float16", "FLOAT16", "lu_info", "cholesky_info", "triangular_info",
           "failure_info", "singular_error", "singular_solve_error", "not_positive_definite_error", "svd_error",
           "eigh_error"]


class LinAlgError(RuntimeError):
    """A matrix that the factorization cannot handle: singular, or not positive-definite."""


FLOAT16 = NUMPY.dtype(NUMPY.float16)


def _low_precision(name):
    return RuntimeError, f"{name}: Low precision dtypes not supported. Got Half"


def _no_kernel(kernel):
    return NotImplementedError, f'"{kernel}" not implemented for \'Half\''


# PyTorch's CPU linear algebra has no float16 kernels (NumPy's refuses float16 too): what each function,
# named as its checks name it, raises for a float16 matrix.
FLOAT16_REFUSALS = {
    "linalg.inv": _low_precision("linalg.inv"), "linalg.inv_ex": _low_precision("linalg.inv"),
    "linalg.slogdet": _low_precision("linalg.slogdet"), "logdet": _low_precision("logdet"),
    "linalg.cond": _no_kernel("linalg_svd_cpu"), "linalg.svd": _no_kernel("linalg_svd_cpu"),
    "linalg.cholesky": _no_kernel("cholesky_cpu"), "linalg.cholesky_ex": _no_kernel("cholesky_cpu"),
    "cholesky": _no_kernel("cholesky_cpu"), "cholesky_inverse": _no_kernel("cholesky_inverse_out_cpu"),
    "linalg.qr": _no_kernel("geqrf_cpu"), "geqrf": _no_kernel("geqrf_cpu"),
    "linalg.det": _no_kernel("lu_cpu"), "linalg.solve": _no_kernel("lu_cpu"), "lu": _no_kernel("lu_cpu"),
    "linalg.lu_solve": _no_kernel("lu_cpu"), "linalg.eigh": _no_kernel("linalg_eigh_cpu"),
    "linalg.eigvalsh": _no_kernel("linalg_eigh_cpu"), "linalg.eig": _no_kernel("linalg_eig_out_cpu"),
    "linalg.eigvals": _no_kernel("linalg_eig_out_cpu"), "linalg.solve_triangular": _no_kernel("triangular_solve_cpu"),
    "linalg.householder_product": _no_kernel("orgqr_cpu"),
    "torch.linalg.matrix_rank": (RuntimeError, "This function doesn't handle types other than float and double"),
}


def refuse_float16(name):
    """PyTorch's refusal of a float16 matrix in ``name`` (a ``FLOAT16_REFUSALS`` key; others: low precision)."""
    error, message = FLOAT16_REFUSALS.get(name) or _low_precision(name)
    return error(message)


def check_matrix(name, A, square=True, kernel=None, float16=False):
    """PyTorch's messages for a non-matrix, an integer tensor, or a non-square matrix; an op that names its
    ``kernel`` refuses an integer tensor there, after the shape (``"cholesky_inverse_out_cpu" not implemented``).
    A float16 matrix is refused as ``FLOAT16_REFUSALS`` says, unless the op takes ``float16`` itself."""
    try:
        a = A._data
    except AttributeError:
        raise not_a_tensor(name, ("A", A)) from None
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind not in "fc" and kernel is None:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.scalar_type_name}")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    if a.dtype.kind not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{A.dtype.scalar_type_name}\'')
    if a.dtype == FLOAT16 and not float16:
        raise refuse_float16(name.partition("(")[0])


# ---------------------------------------------------------------- LAPACK's ``info`` of one matrix
def lu_info(matrix):
    """0 for an invertible matrix, else the 1-based column of the first zero pivot of its LU factorization."""
    xp = namespace_of(matrix)
    try:
        xp.linalg.inv(matrix)
        return 0
    except xp.linalg.LinAlgError:
        pass
    u = matrix.astype(xp.result_type(matrix.dtype, xp.float64))
    n = u.shape[0]
    for k in range(n):
        pivot = k + int(xp.argmax(xp.abs(u[k:, k])))
        if u[pivot, k] == 0:
            return k + 1
        u[[k, pivot]] = u[[pivot, k]]
        u[k + 1:, k:] -= xp.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return n


def cholesky_info(matrix):
    """0 for a positive-definite matrix, else the order of its first leading minor that is not.

    NumPy's LAPACK carries a NaN or an infinite pivot on through the factor, where PyTorch's stops at the first
    pivot that is not positive: a factor with a non-finite diagonal is checked pivot by pivot.
    """
    xp = namespace_of(matrix)
    try:
        factor = xp.linalg.cholesky(matrix)
    except xp.linalg.LinAlgError:
        factor = None
    if factor is not None:
        return 0 if xp.isfinite(xp.diagonal(factor)).all() else _first_bad_pivot(matrix)
    n = matrix.shape[0]
    for order in range(1, n):
        try:
            xp.linalg.cholesky(matrix[:order, :order])
        except xp.linalg.LinAlgError:
            return order
    return n


def _first_bad_pivot(matrix):
    """The order of the first pivot of ``matrix``'s Cholesky factorization (its lower triangle, column by column,
    in its own dtype, as LAPACK's unblocked ``potf2``) that is not positive: 0 if none."""
    xp = namespace_of(matrix)
    n = matrix.shape[0]
    factor = xp.zeros_like(matrix)
    with xp.errstate(all="ignore"):
        for j in range(n):
            row = factor[j, :j]
            pivot = (matrix[j, j] - (row @ row.conj())).real
            if not pivot > 0:
                return j + 1
            factor[j, j] = xp.sqrt(pivot)
            factor[j + 1:, j] = (matrix[j + 1:, j] - factor[j + 1:, :j] @ row.conj()) / factor[j, j]
    return 0


def triangular_info(matrix):
    """0 for a triangular matrix with no zero on its diagonal, else the 1-based position of the first zero."""
    xp = namespace_of(matrix)
    zeros = xp.diagonal(matrix) == 0
    return int(xp.argmax(zeros)) + 1 if zeros.any() else 0


def _fails(factorize):
    """A ``matrix_info`` of 1 where NumPy's ``factorize`` gives up on the matrix, else 0."""
    def info(matrix):
        try:
            factorize(matrix)
            return 0
        except namespace_of(matrix).linalg.LinAlgError:
            return 1

    return info


# ---------------------------------------------------------------- over a batch
def _infos(a, matrix_info):
    return [matrix_info(matrix) for matrix in a.reshape(-1, *a.shape[-2:])]


def failure_info(a, matrix_info):
    """``matrix_info`` of each matrix in the batch ``a``, as an int32 array of the batch shape."""
    xp = namespace_of(a)
    return xp.asarray(_infos(a, matrix_info), dtype=xp.int32).reshape(a.shape[:-2])


def _first_failure(a, matrix_info):
    """``"(Batch element i): "`` (for a batch), the index in the flattened batch and the info of the first
    matrix that fails."""
    infos = _infos(a, matrix_info)
    index = next((i for i, info in enumerate(infos) if info), 0)
    return (f"(Batch element {index}): " if a.ndim > 2 else ""), index, infos[index] if infos else 0


def singular_error(name, a, matrix_info=lu_info):
    prefix, _, pivot = _first_failure(a, matrix_info)
    return LinAlgError(f"{name}: {prefix}The diagonal element {pivot} is zero, the inversion could not be completed "
                       "because the input matrix is singular.")


def singular_solve_error(name, a):
    prefix, _, _ = _first_failure(a, lu_info)
    return LinAlgError(f"torch.{name}: {prefix}The solver failed because the input matrix is singular.")


def not_positive_definite_error(name, a):
    prefix, _, order = _first_failure(a, cholesky_info)
    return LinAlgError(f"{name}: {prefix}The factorization could not be completed because the input is not "
                       f"positive-definite (the leading minor of order {order} is not positive-definite).")


def svd_error(a):
    """PyTorch's error for an SVD that does not converge: its LAPACK refuses NaN input, and gives up on some
    others (infinities; its message then ends with LAPACK's error code, which NumPy does not report)."""
    xp = namespace_of(a)
    prefix, index, _ = _first_failure(a, _fails(xp.linalg.svd))
    failed = a.reshape(-1, *a.shape[-2:])[index]
    reason = ("contained non-finite values" if xp.isnan(failed).any() else
              "is ill-conditioned or has too many repeated singular values")
    return LinAlgError(f"linalg.svd: {prefix}The algorithm failed to converge because the input matrix {reason}.")


def eigh_error(a):
    """PyTorch's error for a Hermitian eigendecomposition that does not converge (its message ends with
    LAPACK's error code, which NumPy does not report)."""
    prefix, _, _ = _first_failure(a, _fails(namespace_of(a).linalg.eigvalsh))
    return LinAlgError(f"linalg.eigh: {prefix}The algorithm failed to converge because the input matrix is "
                       "ill-conditioned or has too many repeated eigenvalues.")
