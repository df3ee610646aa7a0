"""Eigenvalues and eigenvectors: ``eigh eigvalsh`` (Hermitian matrices) and ``eig eigvals`` (general
matrices, complex results).

The eigenvector rules hold where the eigenvalues are distinct, as in PyTorch. ``eigvalsh`` and
``eigvals`` record the same node as ``eigh`` and ``eig``, which keeps the eigenvectors its rule
reads, so second derivatives see them move.
"""

from ... import return_types
from ..._array import namespace_of
from .._op import derivative
from ..pointwise_base import write_out
from .checks import check_matrix
from .matrices import adjoint, diag_embed, identity, off_diagonal_ratio, outputs_of, record_factors
from .solvers import solve
from .svd import eigh_arrays
from ..._float_errors import silent_float_errors

__all__ = ["eigh", "eigvalsh", "eig", "eigvals"]

_LinalgEigh = return_types.make_return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
_LinalgEig = return_types.make_return_type("linalg_eig", ("eigenvalues", "eigenvectors"))


# ---------------------------------------------------------------- eigh / eigvalsh
def _eigh_grad(grads, eigenvalues, eigenvectors):
    """``V (diag(gL) + skew(V^H gV) / (L_j - L_i)) V^H``."""
    grad_values, grad_vectors = grads
    values, vectors = outputs_of(eigenvalues, eigenvectors)
    inner = None
    if grad_vectors is not None:
        projected = adjoint(vectors) @ grad_vectors
        skew = 0.5 * (projected - adjoint(projected))
        inner = off_diagonal_ratio(skew, values.unsqueeze(-2) - values.unsqueeze(-1))
    if grad_values is not None:
        diagonal = diag_embed(grad_values.to(vectors.dtype))  # complex for complex eigenvectors
        inner = diagonal if inner is None else inner + diagonal
    return vectors @ inner @ adjoint(vectors)


LinalgEighBackward0 = derivative("LinalgEighBackward0", _eigh_grad, saves="eigenvalues eigenvectors", outputs=2)


def _eigh_arrays(A, UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    check_matrix("linalg.eigh", A, kernel="linalg_eigh_cpu")
    return eigh_arrays(A._data, UPLO)


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a Hermitian matrix."""
    values, vectors = _eigh_arrays(A, UPLO)
    return write_out(_LinalgEigh(record_factors((values, vectors), LinalgEighBackward0, A)), out, "linalg_eigh")


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of a Hermitian matrix: the first output of ``eigh``, whose node keeps the eigenvectors
    so that second derivatives see them move."""
    values, vectors = _eigh_arrays(A, UPLO)
    return write_out(record_factors((values, vectors), LinalgEighBackward0, A)[0], out, "linalg_eigvalsh")


# ---------------------------------------------------------------- eig / eigvals
def _eig_grad(grads, eigenvalues, eigenvectors):
    """``V^-H (diag(gL) + (V^H gV - V^H V diag(re(V^H gV))) / conj(L_j - L_i)) V^H`` for distinct eigenvalues;
    the diagonal correction keeps the eigenvectors at unit norm. A real input keeps the real part."""
    grad_values, grad_vectors = grads
    values, vectors = outputs_of(eigenvalues, eigenvectors)
    vectors_h = vectors.mH
    inner = None
    if grad_vectors is not None:
        projected = vectors_h @ grad_vectors
        real_diagonal = projected.diagonal(0, -2, -1).to(projected.dtype.to_real())
        adjusted = projected - vectors_h @ (vectors * real_diagonal.unsqueeze(-2))
        conj_values = values.conj()
        inner = off_diagonal_ratio(adjusted, conj_values.unsqueeze(-2) - conj_values.unsqueeze(-1))
    if grad_values is not None:
        diagonal = grad_values.unsqueeze(-1) * identity(values.shape[-1], values)
        inner = diagonal if inner is None else inner + diagonal
    return solve(vectors_h, inner @ vectors_h)


LinalgEigBackward0 = derivative("LinalgEigBackward0", _eig_grad, saves="eigenvalues eigenvectors", outputs=2)


def _check_general_matrix(name, A):
    """``check_matrix``, with PyTorch's message for an integer matrix (it has no complex counterpart)."""
    if A._data.ndim >= 2 and A._data.dtype.kind not in "fc":
        raise RuntimeError(f"Unknown Complex ScalarType for {A.dtype.scalar_type_name}")
    check_matrix(name, A)


@silent_float_errors
def _eig_factors(name, A):
    _check_general_matrix(name, A)
    a = A._data
    xp = namespace_of(a)
    values, vectors = xp.linalg.eig(a)
    complex_type = xp.result_type(a.dtype, xp.complex64)
    return record_factors((values.astype(complex_type), vectors.astype(complex_type)), LinalgEigBackward0, A)


def eig(A, *, out=None):
    """Eigenvalues and unit eigenvectors of a general square matrix, as complex tensors."""
    return write_out(_LinalgEig(_eig_factors("linalg.eig", A)), out, "linalg_eig")


def eigvals(A, *, out=None):
    """The eigenvalues of a general square matrix: the first output of ``eig``, whose node keeps the
    eigenvectors its rule reads."""
    return write_out(_eig_factors("linalg.eigvals", A)[0], out, "linalg_eigvals")
