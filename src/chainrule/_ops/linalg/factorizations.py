"""The Cholesky and QR factorizations: ``cholesky cholesky_inverse qr householder_product``.

``householder_product`` builds the ``Q`` of a QR factorization kept as Householder reflectors (what
LAPACK's ``geqrf`` returns). The derivative rules are written with chainrule's own ops (``solve``,
products, triangle masks), so second derivatives come for free.
"""

import warnings

from ... import return_types
from ..._array import namespace_of
from ..._signatures import Signatures
from ..._tensor import make_tensor
from .._op import OUTPUT, conjugate, derivative, record
from ..joining import cat
from ..kernel_dtypes import check_kernel
from ..pointwise_base import write_out
from . import lapack
from .checks import (check_matrix, cholesky_info, failure_info, not_positive_definite_error, singular_error,
                     triangular_info)
from .matrices import adjoint, adjoint_array, identity, lower, outputs_of, record_factors
from .solvers import solve, substitute
from ..._float_errors import silent_float_errors

__all__ = ["cholesky", "cholesky_array", "cholesky_legacy", "cholesky_inverse", "qr", "householder_product"]

FUNCTIONS = ["cholesky_inverse"]
METHODS = FUNCTIONS
ALIASES = {"cholesky": "cholesky_legacy"}
SIGNATURES = {"cholesky": "Tensor input, bool upper = False, *, Tensor? out = None",
              "cholesky_inverse": Signatures("cholesky_inverse", "Tensor input, bool upper = False, *, "
                                                                 "Tensor? out = None", eager=True)}

_LinalgQr = return_types.make_return_type("linalg_qr", ("Q", "R"))


# ---------------------------------------------------------------- cholesky
def cholesky_array(name, a, upper_factor):
    """``L`` with ``a = L L^H``, from ``a``'s lower triangle; when ``upper_factor``, ``U`` with ``a = U^H U``,
    from its upper triangle (the lower one of ``a^H``), as LAPACK reads them. ``LinAlgError`` if not
    positive-definite."""
    xp = namespace_of(a)
    if upper_factor:
        a = adjoint_array(a)
    try:
        factor = xp.linalg.cholesky(a)
    except xp.linalg.LinAlgError:
        raise not_positive_definite_error(name, a) from None
    if not xp.isfinite(xp.diagonal(factor, 0, -2, -1)).all() and failure_info(a, cholesky_info).any():
        raise not_positive_definite_error(name, a)  # a NaN pivot, or one after an infinite one
    return adjoint_array(factor).copy() if upper_factor else factor


def _cholesky_grad(grad, factor, upper_factor):
    """``L^-H P L^-1`` with ``P`` the Hermitian matrix whose lower half is ``tril(L^H grad)``, halved."""
    lower_factor = adjoint(factor) if upper_factor else factor
    grad_lower = adjoint(grad) if upper_factor else grad
    product = lower(adjoint(lower_factor) @ grad_lower)
    symmetric = 0.5 * (product + adjoint(lower(product, -1)))
    left = solve(adjoint(lower_factor), symmetric)
    return adjoint(solve(adjoint(lower_factor), adjoint(left)))


LinalgCholeskyExBackward0 = derivative("LinalgCholeskyExBackward0", _cholesky_grad, saves="L")
CholeskyBackward0 = derivative("CholeskyBackward0", _cholesky_grad, saves="result")


def cholesky(A, *, upper=False, out=None):
    """The lower triangular ``L`` with ``A = L @ L.mH`` (its adjoint when ``upper``)."""
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


# ---------------------------------------------------------------- cholesky_inverse
def _cholesky_inverse_grad(grad, factor, result, upper_factor):
    """``R = (L L^H)^-1``: ``gL = -R (g + g^H) R L`` (``-U R (g + g^H) R`` for ``R = (U^H U)^-1``). As in
    PyTorch, ``L`` here is the whole input, though the forward reads one triangle of it."""
    common = -(result @ (grad + adjoint(grad)) @ result)
    return factor @ common if upper_factor else common @ factor


CholeskyInverseBackward0 = derivative("CholeskyInverseBackward0", _cholesky_inverse_grad, saves="self result")


@silent_float_errors
def cholesky_inverse(input, upper=False, *, out=None):
    """The inverse of ``L @ L.mH`` (``U.mH @ U`` when ``upper``) from its Cholesky factor."""
    check_matrix("cholesky_inverse", input, kernel="cholesky_inverse_out_cpu")
    a = input._data
    xp = namespace_of(a)
    factor = xp.triu(a) if upper else xp.tril(a)
    product = xp.swapaxes(factor, -1, -2).conj() @ factor if upper else factor @ xp.swapaxes(factor, -1, -2).conj()
    if not xp.diagonal(a, 0, -2, -1).all():
        raise singular_error("cholesky_inverse", a, triangular_info)
    try:
        inverse = xp.linalg.inv(product)
    except xp.linalg.LinAlgError:  # the product underflows: PyTorch inverts the factor itself, giving inf and NaN
        lower_factor = xp.swapaxes(factor, -1, -2).conj() if upper else factor
        identity = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
        inverse_factor = substitute(lower_factor, identity, False, False)
        inverse = xp.swapaxes(inverse_factor, -1, -2).conj() @ inverse_factor
    result = record(inverse, CholeskyInverseBackward0, (input,), (input, OUTPUT), (upper,))
    return write_out(result, out, "cholesky_inverse")


# ---------------------------------------------------------------- qr
def _qr_square_grad(grad_Q, grad_R, Q, R):
    """For ``A = QR`` with at least as many rows as columns: ``(gQ + Q copyltu(M)) R^-H``.

    ``copyltu(M)`` is Hermitian with ``M``'s lower triangle; its diagonal is the real part of ``M``'s, since
    R's diagonal is real (a complex ``M``'s imaginary diagonal has nothing in A to reach)."""
    M = None
    if grad_R is not None:
        M = R @ adjoint(grad_R)
    if grad_Q is not None:
        M = -(adjoint(grad_Q) @ Q) if M is None else M - adjoint(grad_Q) @ Q
    copyltu = lower(M, -1) + adjoint(lower(M, -1)) + M.diagonal(0, -2, -1).real.diag_embed()
    copied = Q @ copyltu
    b = copied if grad_Q is None else grad_Q + copied
    return solve(adjoint(R), b, left=False)


def _qr_grad(grads, Q, R, mode):
    grad_Q, grad_R = grads
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                           "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    m, n = Q.shape[-2], R.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    Q, R = outputs_of(Q, R)
    if m >= n:
        return _qr_square_grad(grad_Q, grad_R, Q, R)
    # a wide A = [X | Y]: X = Q U is square, and Y = Q V
    U, V = R[..., :m], R[..., m:]
    grad_U = None if grad_R is None else grad_R[..., :m]
    grad_V = None if grad_R is None else grad_R[..., m:]
    Y = Q @ V
    if grad_V is not None:
        grad_Q = Y @ adjoint(grad_V) if grad_Q is None else grad_Q + Y @ adjoint(grad_V)
    grad_X = _qr_square_grad(grad_Q, grad_U, Q, U)
    first = identity(m, Q, n)
    if grad_V is None:
        return grad_X @ first
    rest = identity(n - m, Q, n, m)
    return grad_X @ first + (Q @ grad_V) @ rest


LinalgQrBackward0 = derivative("LinalgQrBackward0", _qr_grad, saves="Q R", outputs=2)


@silent_float_errors
def qr(A, mode="reduced", *, out=None):
    """``Q`` with orthonormal columns and upper triangular ``R`` with ``A = Q @ R``."""
    if mode not in ("reduced", "r", "complete"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    check_matrix("linalg.qr", A, square=False)
    a = A._data
    xp = namespace_of(a)
    if mode == "r":
        Q, R = xp.zeros(0, dtype=a.dtype), xp.linalg.qr(a, mode="r")
    else:
        Q, R = xp.linalg.qr(a, mode=mode)
    return write_out(_LinalgQr(record_factors((Q, R), LinalgQrBackward0, A, (mode,))), out, "linalg_qr")


# ---------------------------------------------------------------- householder_product
def _householder_grads(grad, A, tau):
    """Gradients of ``Q = H_1 ... H_k E`` (``H_i = I - tau_i v_i v_i^H``, ``E`` the first columns of ``I``)
    for ``A`` (whose strictly lower columns are the ``v_i``) and ``tau``, one reflector at a time."""
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    data = A._data
    xp = namespace_of(data)
    if not k:  # no reflectors: Q is the constant E
        return (make_tensor(xp.zeros(A.shape, dtype=data.dtype)),
                make_tensor(xp.zeros(tau.shape, dtype=data.dtype)))
    vectors = lower(A[..., :, :k], -1) + identity(m, A, k)
    suffixes = [identity(m, A, n)]  # H_{i+1} ... H_k E, built from the right
    for i in range(k - 1, 0, -1):
        v, t = vectors[..., :, i:i + 1], tau[..., i:i + 1].unsqueeze(-1)
        suffixes.append(suffixes[-1] - t * (v @ (adjoint(v) @ suffixes[-1])))
    suffixes.reverse()
    grad_vectors, grad_tau = [], []
    for i in range(k):
        v, t, suffix = vectors[..., :, i:i + 1], tau[..., i:i + 1].unsqueeze(-1), suffixes[i]
        grad_times_w = grad @ (adjoint(suffix) @ v)
        grad_tau.append(-(adjoint(v) @ grad_times_w)[..., 0])
        grad_vectors.append(-(conjugate(t) * grad_times_w + t * (suffix @ (adjoint(grad) @ v))))
        grad = grad - conjugate(t) * (v @ (adjoint(v) @ grad))  # through H_i^H
    padding = make_tensor(xp.zeros(A.shape[:-1] + (n - k,), dtype=data.dtype))
    return lower(cat(grad_vectors + [padding], -1), -1), cat(grad_tau, -1)


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
    check_kernel("householder_product", a)


@silent_float_errors
def householder_product(A, tau, *, out=None):
    """The first columns of ``H_1 ... H_k`` with ``H_i = I - tau_i v_i v_i^H``, ``v_i`` read below
    ``A``'s diagonal (a unit first entry): the ``Q`` of a QR factorization stored as reflectors."""
    _check_householder(A, tau)
    a, t = A._data, tau._data
    q = lapack.householder_product(a, t)
    if q is None:  # one reflector at a time, from the last, as LAPACK's unblocked orgqr
        xp = namespace_of(a)
        m, n = a.shape[-2:]
        k = t.shape[-1]
        vectors = xp.tril(a[..., :, :k], -1) + xp.eye(m, k, dtype=a.dtype)
        q = xp.broadcast_to(xp.eye(m, n, dtype=a.dtype), a.shape).copy()
        for i in range(k - 1, -1, -1):
            v = vectors[..., :, i:i + 1]
            q -= t[..., i, None, None] * (v @ (xp.swapaxes(v, -1, -2).conj() @ q))
    result = record(q, LinalgHouseholderProductBackward0, (A, tau), (A, tau))
    return write_out(result, out, "linalg_householder_product")
