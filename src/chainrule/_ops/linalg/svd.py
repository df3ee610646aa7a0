"""The singular value decomposition and the pseudo-inverse computed from it: ``svd svdvals pinv``.

The singular vector rule holds where the singular values are distinct, as in PyTorch. ``svdvals``
and ``pinv`` record nodes that keep what their rules read (the singular vectors; the input and the
result), so second derivatives see them move.
"""

from ... import return_types
from ..._array import namespace_of
from ..._signatures import Signatures
from ..._tensor import make_tensor
from .._op import OUTPUT, derivative, record
from ..pointwise_base import write_out
from .checks import FLOAT16, check_matrix, eigh_error, svd_error
from .matrices import adjoint, adjoint_array, diag_embed, off_diagonal_ratio, outputs_of, record_factors
from ..._float_errors import silent_float_errors

__all__ = ["svd", "svd_legacy", "svdvals", "pinv", "pinv_grad", "pinverse", "svd_arrays", "eigh_arrays"]

FUNCTIONS = ["pinverse"]
METHODS = FUNCTIONS
ALIASES = {"svd": "svd_legacy"}
# checked first (they would take a wrong flag or tolerance): the factorization costs far more than the check
SIGNATURES = {
    "svd": Signatures("svd", "Tensor input, bool some = True, bool compute_uv = True, *, Tensor? out = None",
                      eager=True),
    "pinverse": Signatures("pinverse", "Tensor input, float rcond = 1e-15", eager=True),
}

_LinalgSvd = return_types.make_return_type("linalg_svd", ("U", "S", "Vh"))
_Svd = return_types.make_return_type("svd", ("U", "S", "V"))


# ---------------------------------------------------------------- svd / svdvals
def svd_arrays(a, full_matrices=False, compute_uv=True):
    """NumPy's SVD of ``a``, or PyTorch's error where it does not converge (NaN input)."""
    xp = namespace_of(a)
    try:
        return xp.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    except xp.linalg.LinAlgError:
        raise svd_error(a) from None


def eigh_arrays(a, UPLO="L", compute_vectors=True):
    """NumPy's Hermitian eigendecomposition of ``a`` (its eigenvalues alone unless ``compute_vectors``), or
    PyTorch's error where it does not converge."""
    xp = namespace_of(a)
    try:
        return xp.linalg.eigh(a, UPLO=UPLO) if compute_vectors else xp.linalg.eigvalsh(a, UPLO=UPLO)
    except xp.linalg.LinAlgError:
        raise eigh_error(a) from None


def _svd_grad(grads, U, S, Vh, full_matrices):
    grad_U, grad_S, grad_Vh = grads
    U, S, Vh = outputs_of(U, S, Vh)
    k = S.shape[-1]
    if full_matrices:
        U, Vh = U[..., :k], Vh[..., :k, :]
        grad_U = None if grad_U is None else grad_U[..., :k]
        grad_Vh = None if grad_Vh is None else grad_Vh[..., :k, :]
    inner = None if grad_S is None else diag_embed(grad_S.to(U.dtype))  # complex for complex vectors
    if grad_U is None and grad_Vh is None:
        return U @ inner @ Vh
    squares = S * S
    differences = squares.unsqueeze(-2) - squares.unsqueeze(-1)
    extra = None
    if grad_U is not None:
        projected = adjoint(U) @ grad_U
        skew_U = projected - adjoint(projected)
        term = off_diagonal_ratio(skew_U, differences) * S.unsqueeze(-2)
        inner = term if inner is None else inner + term
        if U.shape[-2] > k:
            extra = ((grad_U - U @ projected) / S.unsqueeze(-2)) @ Vh
    if grad_Vh is not None:
        V, grad_V = adjoint(Vh), adjoint(grad_Vh)
        projected = Vh @ grad_V
        term = S.unsqueeze(-1) * off_diagonal_ratio(projected - adjoint(projected), differences)
        inner = term if inner is None else inner + term
        if V.shape[-2] > k:
            term = U @ adjoint((grad_V - V @ projected) / S.unsqueeze(-2))
            extra = term if extra is None else extra + term
    if grad_U is not None and grad_Vh is not None and U.is_complex():
        # the phase each pair of singular vectors may turn by: Im(diag(U^H gU)) / S on the diagonal
        inner = inner + diag_embed(skew_U.diagonal(0, -2, -1) / (2 * S))
    result = U @ inner @ Vh
    return result if extra is None else result + extra


LinalgSvdBackward0 = derivative("LinalgSvdBackward0", _svd_grad, saves="U S Vh", outputs=3)


@silent_float_errors
def svd(A, full_matrices=True, *, driver=None, out=None):
    """``U, S, Vh`` with ``A = U @ diag(S) @ Vh`` and ``S`` descending."""
    check_matrix("linalg.svd", A, square=False)
    a = A._data
    U, S, Vh = svd_arrays(a, full_matrices)
    result = _LinalgSvd(record_factors((U, S, Vh), LinalgSvdBackward0, A, (full_matrices,)))
    return write_out(result, out, "linalg_svd")


@silent_float_errors
def svdvals(A, *, driver=None, out=None):
    """The singular values, descending: an output of ``svd``, whose node keeps the singular vectors."""
    check_matrix("linalg.svd", A, square=False)
    a = A._data
    U, S, Vh = svd_arrays(a)
    return write_out(record_factors((U, S, Vh), LinalgSvdBackward0, A, (False,))[1], out, "linalg_svdvals")


def svd_legacy(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd``: ``U, S, V`` (``V`` itself, not its transpose)."""
    if compute_uv:
        U, S, Vh = svd(input, full_matrices=not some)
        result = _Svd((U, S, adjoint(Vh)))
    else:
        a = input._data
        xp = namespace_of(a)
        batch, (m, n) = a.shape[:-2], a.shape[-2:]
        zeros_U, zeros_V = (make_tensor(xp.zeros(batch + (k, k), dtype=a.dtype)) for k in (m, n))
        result = _Svd((zeros_U, svdvals(input), zeros_V))
    return write_out(result, out, "svd")


# ---------------------------------------------------------------- pinv
def pinv_grad(grad, A, result):
    """The pseudo-inverse's derivative at constant rank, arranged to multiply the smallest matrices."""
    pinv_t, grad_t = adjoint(result), adjoint(grad)
    if A.shape[-2] <= A.shape[-1]:
        K = grad_t @ result
        K_pinv_t = K @ pinv_t
        return (-adjoint(result @ K) + K_pinv_t - (A @ result) @ K_pinv_t
                + (pinv_t @ result) @ (grad_t - K @ A))
    K = result @ grad_t
    pinv_t_K = pinv_t @ K
    return -adjoint(K @ result) + (grad_t - A @ K) @ result @ pinv_t + pinv_t_K - pinv_t_K @ result @ A


LinalgPinvBackward0 = derivative("LinalgPinvBackward0", pinv_grad, saves="self result")


@silent_float_errors
def _pinv_array(a, atol, rtol, hermitian):
    """``V diag(1/s) U^H`` over the singular values above ``max(atol, rtol * largest)`` (for a Hermitian
    ``a``, its eigenvalues and eigenvectors: ``V diag(1/w) V^H``)."""
    xp = namespace_of(a)
    if hermitian:
        values, vectors = eigh_arrays(a)
        magnitude = xp.abs(values)
        left, right_adjoint = vectors, vectors
    else:
        left, magnitude, right = svd_arrays(a)
        values, right_adjoint = magnitude, adjoint_array(right)
    largest = magnitude.max(-1, keepdims=True) if magnitude.shape[-1] else magnitude[..., :1]
    threshold = xp.maximum(atol, rtol * largest)
    kept = magnitude > threshold
    inverted = xp.where(kept, 1 / xp.where(kept, values, 1), 0).astype(a.dtype)
    return right_adjoint @ (inverted[..., :, None] * adjoint_array(left))


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse; singular values under ``max(atol, rtol * largest)`` are dropped."""
    a = A._data
    if a.ndim < 2 or a.dtype.kind not in "fc" or a.dtype == FLOAT16:
        raise RuntimeError(f"linalg.pinv({A.dtype.scalar_type_name}{{{list(a.shape)}}}): expected a tensor with 2 or "
                           "more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    if rtol is None:
        epsilon = float(namespace_of(a).finfo(a.dtype).eps)
        rtol = 0.0 if atol is not None and atol > 0 else epsilon * max(a.shape[-2:])
    result = _pinv_array(a, 0.0 if atol is None else atol, rtol, hermitian)
    return write_out(record(result, LinalgPinvBackward0, (A,), (A, OUTPUT)), out, "linalg_pinv")


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: ``pinv`` with a relative cutoff ``rcond``."""
    return pinv(input, rtol=rcond)
