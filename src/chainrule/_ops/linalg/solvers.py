"""Inverses, determinants and linear systems: ``inv det slogdet logdet solve lstsq``.

Each works on a matrix or a batch of matrices (the last two dimensions) and records PyTorch's node
(``LinalgInvExBackward0``, ``LinalgSolveExBackward0``, ...). The derivative rules are written with
chainrule's own ops, so second derivatives come for free.
"""

from ... import return_types
from ..._array import NUMPY, all_true, any_true, as_array, namespace_of
from ..._tensor import make_tensor
from .._op import OUTPUT, conjugate, derivative, record, record_multi
from ..pointwise import where
from ..pointwise_base import no_kernel_error, write_out
from . import lapack
from .checks import FLOAT16, check_matrix, refuse_float16, singular_error, singular_solve_error
from .matrices import adjoint, identity
from .svd import pinv, pinv_grad
from ..._float_errors import silent_float_errors

__all__ = ["inv", "inverse", "det", "slogdet", "linalg_slogdet", "logdet", "solve", "is_vector_rhs", "solve_array",
           "lstsq", "substitute"]

FUNCTIONS = ["det", "slogdet", "logdet", "inverse"]
METHODS = FUNCTIONS

_LinalgSlogdet = return_types.make_return_type("linalg_slogdet", ("sign", "logabsdet"))
_Slogdet = return_types.make_return_type("slogdet", ("sign", "logabsdet"))
_LinalgLstsq = return_types.make_return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))

_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


# ---------------------------------------------------------------- triangular systems
def substitute(a, b, upper, unitriangular):
    """``X`` with ``A @ X = B`` for triangular ``A`` (a zero pivot gives inf/nan): BLAS's ``trsm`` where SciPy's
    takes these arrays (``lapack.solve_triangular``), else one row at a time."""
    solved = lapack.solve_triangular(a, b, upper, unitriangular)
    if solved is not None:
        return solved
    xp = namespace_of(a)
    n = a.shape[-1]
    x = xp.empty(NUMPY.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], dtype=b.dtype)
    rows = range(n - 1, -1, -1) if upper else range(n)
    with xp.errstate(all="ignore"):
        for i in rows:
            known = slice(i + 1, n) if upper else slice(0, i)
            value = b[..., i, :] - xp.einsum("...k,...kj->...j", a[..., i, known], x[..., known, :])
            x[..., i, :] = value if unitriangular else value / a[..., i, i, None]
    return x



# ---------------------------------------------------------------- inv
def _inverse_array(name, a):
    xp = namespace_of(a)
    try:
        return xp.linalg.inv(a)
    except xp.linalg.LinAlgError:
        raise singular_error(name, a) from None


def _inv_grad(grad, inverse):
    inverse_t = adjoint(inverse)
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
    if not A._data.size:  # nothing to invert (in float16 too, which inv refuses)
        return make_tensor(namespace_of(A._data).zeros(A.shape, dtype=A._data.dtype))
    singular = result._data == 0
    if any_true(singular):  # their scale is 0: invert the identity in their place
        A = where(make_tensor(singular[..., None, None]), identity(A.shape[-1], A), A)
    return (grad * conjugate(result)).unsqueeze(-1).unsqueeze(-1) * adjoint(inv(A))


def _slogdet_grad(grads, A, sign):
    """``g * A^-H`` for the gradient ``g`` of ``log|det|``; a complex matrix's sign turns with its phase, whose
    gradient enters ``g`` as ``i Im(grad_sign * conj(sign))``."""
    grad_sign, grad = grads
    if grad_sign is not None and sign.is_complex():
        turn = (grad_sign * sign.conj()).imag * 1j
        grad = turn if grad is None else grad + turn
    if grad is None:
        return None
    return grad.unsqueeze(-1).unsqueeze(-1) * adjoint(inv(A))


LinalgDetBackward0 = derivative("LinalgDetBackward0", _det_grad, saves="A result")
LinalgSlogdetBackward0 = derivative("LinalgSlogdetBackward0", _slogdet_grad, saves="A sign", outputs=2)


@silent_float_errors
def det(A, *, out=None):
    """The determinant of a square matrix (or of each in a batch); that of an empty one is 1, in float16 too,
    which PyTorch computes no other determinant in."""
    check_matrix("linalg.det", A, float16=True)
    a = A._data
    xp = namespace_of(a)
    if a.dtype == FLOAT16:
        if a.size:
            raise refuse_float16("linalg.det")
        determinant = xp.ones(a.shape[:-2], dtype=a.dtype)
    else:
        determinant = xp.linalg.det(a)
    result = record(determinant, LinalgDetBackward0, (A,), (A, OUTPUT))
    return write_out(result, out, "linalg_det")


@silent_float_errors
def _slogdet(name, A, result_type):
    check_matrix(name, A)
    a = A._data
    sign, logabsdet = namespace_of(a).linalg.slogdet(a)
    return result_type(record_multi((sign, logabsdet), LinalgSlogdetBackward0, (A,), (A, OUTPUT)))


def linalg_slogdet(A, *, out=None):
    """``(sign, log|det|)``: the determinant without overflow."""
    return write_out(_slogdet("linalg.slogdet", A, _LinalgSlogdet), out, "linalg_slogdet")


def slogdet(input, *, out=None):
    """``torch.slogdet``: ``linalg.slogdet`` under its older name."""
    return write_out(_slogdet("linalg.slogdet", input, _Slogdet), out, "slogdet")


def logdet(input):
    """``log det``: nan for a negative determinant, -inf for a zero one; complex for a complex matrix."""
    sign, logabsdet = _slogdet("logdet", input, _Slogdet)
    if sign.is_complex():
        return sign.log() + logabsdet
    return where(sign == -1, float("nan"), logabsdet)


# ---------------------------------------------------------------- solve
def is_vector_rhs(a, b):
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


@silent_float_errors
def solve_array(a, b, left, vector):
    """``X`` with ``a X = b`` (``X a = b`` unless ``left``), the batches broadcast; ``LinAlgError`` if singular."""
    xp = namespace_of(a)
    if vector:
        b = b[..., None]
    if not left:
        a, b = xp.swapaxes(a, -1, -2), xp.swapaxes(b, -1, -2)
    batch = NUMPY.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, batch + a.shape[-2:])
    try:
        x = xp.linalg.solve(a, xp.broadcast_to(b, batch + b.shape[-2:]))
    except xp.linalg.LinAlgError:
        raise singular_solve_error("linalg.solve", a) from None
    if not left:
        x = xp.swapaxes(x, -1, -2)
    return x[..., 0] if vector else x


def _solve_grad_B(grad, A, result, left):
    return solve(adjoint(A), grad, left=left)


def _solve_grad_A(grad, A, result, left):
    grad_B = solve(adjoint(A), grad, left=left)
    if not left:
        return -(adjoint(result) @ grad_B)
    if is_vector_rhs(A._data, result._data):
        return -(grad_B.unsqueeze(-1) * conjugate(result).unsqueeze(-2))
    return -(grad_B @ adjoint(result))


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


# ---------------------------------------------------------------- lstsq
def _as_matrix(B, vector):
    return B.unsqueeze(-1) if vector else B


def _lstsq_grad_A(grads, A, B, vector):
    """Through ``solution = pinv(A) B`` and ``residuals = |B - A solution|^2`` (full-rank ``A``)."""
    grad_solution, grad_residuals = grads
    B, inverse = _as_matrix(B, vector), pinv(A)
    grad = None
    if grad_solution is not None:
        grad = pinv_grad(_as_matrix(grad_solution, vector) @ adjoint(B), A, inverse)
    if grad_residuals is not None and grad_residuals.numel():
        solution = inverse @ B
        weighted = (B - A @ solution) * grad_residuals.unsqueeze(-2)
        term = -2 * (weighted @ adjoint(solution))
        grad = term if grad is None else grad + term
    return grad


def _lstsq_grad_B(grads, A, B, vector):
    grad_solution, grad_residuals = grads
    B, inverse = _as_matrix(B, vector), pinv(A)
    grad = None
    if grad_solution is not None:
        grad = adjoint(inverse) @ _as_matrix(grad_solution, vector)
    if grad_residuals is not None and grad_residuals.numel():
        term = 2 * (B - A @ (inverse @ B)) * grad_residuals.unsqueeze(-2)
        grad = term if grad is None else grad + term
    return grad[..., 0] if vector and grad is not None else grad


LinalgLstsqBackward0 = derivative("LinalgLstsqBackward0", _lstsq_grad_A, _lstsq_grad_B, saves="self b", outputs=2)


@silent_float_errors
def _lstsq_arrays(a, b, rcond):
    """The minimum-norm solution, each matrix's rank and singular values (SVD cut at ``rcond``)."""
    xp = namespace_of(a)
    try:
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
    except xp.linalg.LinAlgError:  # NaN input, which PyTorch's LAPACK refuses as an argument error
        raise RuntimeError("torch.linalg.lstsq: The algorithm failed to converge because the input matrix "
                           "contained non-finite values.") from None
    largest = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
    kept = s > rcond * largest
    inverted = xp.where(kept, 1 / xp.where(kept, s, 1), 0).astype(a.dtype)
    solution = xp.swapaxes(vh, -1, -2).conj() @ (inverted[..., :, None] * (xp.swapaxes(u, -1, -2).conj() @ b))
    return solution, kept.sum(-1).astype(xp.int64), s


def lstsq(A, B, rcond=None, *, driver=None):
    """``(solution, residuals, rank, singular_values)`` of ``min ||A X - B||`` (the minimum-norm solution)."""
    if driver is None:
        driver = "gelsy"
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    a, b = A._data, B._data
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if a.dtype != b.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {A.dtype.scalar_type_name} and other's dtype {B.dtype.scalar_type_name}")
    if a.dtype.kind not in "fc" or a.dtype == FLOAT16:  # (PyTorch's check lies in computing rcond's default)
        if rcond is None:
            raise RuntimeError("This function doesn't handle types other than float and double")
        raise no_kernel_error("linalg_lstsq_cpu", a.dtype)
    vector = b.ndim == a.ndim - 1
    m, n = a.shape[-2:]
    if (b.shape[-1] if vector else b.shape[-2]) != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    xp = namespace_of(a)
    if rcond is None:
        rcond = float(xp.finfo(a.dtype).eps) * max(m, n)
    b_matrix = b[..., None] if vector else b
    batch = NUMPY.broadcast_shapes(a.shape[:-2], b_matrix.shape[:-2])
    solution, rank, singular_values = _lstsq_arrays(xp.broadcast_to(a, batch + a.shape[-2:]),
                                                     xp.broadcast_to(b_matrix, batch + b_matrix.shape[-2:]), rcond)
    residuals = xp.zeros(0, dtype=a.real.dtype)
    if m > n and driver != "gelsy" and (driver == "gels" or all_true(rank == n)):
        difference = b_matrix - a @ solution
        residuals = (xp.abs(difference) ** 2).sum(-2)
    if vector:
        solution = solution[..., 0]
    solution, residuals = record_multi((solution, residuals), LinalgLstsqBackward0, (A, B), (A, B), (vector,))
    rank = rank if driver != "gels" else xp.zeros(0, dtype=xp.int64)
    if driver not in ("gelsd", "gelss"):
        singular_values = xp.zeros(0, dtype=a.real.dtype)
    return _LinalgLstsq((solution, residuals, make_tensor(as_array(rank)), make_tensor(as_array(singular_values))))
