"""``chainrule.linalg``: the matrix functions of ``torch.linalg``.

The decompositions and solvers live in the package ``_ops/linalg/`` (``solvers``, ``factorizations``,
``lu``, ``ldl``, ``eigen``, ``svd``), the products in ``_ops/products.py`` and the norms in ``_ops/norms.py``;
this module gathers them under PyTorch's names and adds the ``_ex`` variants that report failures in
``info``, the matrix rank, the triangular solve, and compositions of the others: the condition
number, the tensor inverse and solve, the Vandermonde matrix.
"""

import math

from ._array import NUMPY, as_array, namespace_of
from ._dtype import promote_types
from ._ops._arguments import bool_argument
from ._ops._op import OUTPUT, derivative, publish, record
from ._ops.cumulative import cumprod
from ._ops.joining import cat
from ._ops.linalg.checks import (FLOAT16, LinAlgError, check_matrix, cholesky_info, failure_info, lu_info,
                                 not_positive_definite_error, refuse_float16, singular_error, singular_solve_error)
from ._ops.linalg.eigen import eig, eigh, eigvals, eigvalsh
from ._ops.linalg.factorizations import cholesky, cholesky_array, householder_product, qr
from ._ops.linalg.ldl import ldl_factor, ldl_factor_ex, ldl_solve
from ._ops.linalg.lu import lu, lu_factor, lu_factor_ex, lu_solve
from ._ops.linalg.solvers import det, inv, is_vector_rhs, lstsq, solve, solve_array, substitute
from ._ops.linalg.solvers import linalg_slogdet as slogdet
from ._ops.linalg.svd import eigh_arrays, pinv, svd, svd_arrays, svdvals
from ._ops.matmul import matmul
from ._ops.norms import MATRIX_ORDERS, matrix_norm, vector_norm
from ._ops.norms import linalg_norm as norm
from ._ops.pointwise import where
from ._ops.pointwise_binary import nan_to_num
from ._ops.products import linalg_cross as cross
from ._ops.products import matrix_exp, matrix_power, multi_dot, vecdot
from ._ops.diagonals import diagonal as _diagonal
from ._tensor import Tensor, _wrap_dim, make_tensor
from ._signatures import Signatures, checking, declared
from .return_types import make_return_type
from ._ops.pointwise_base import write_out

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "solve", "solve_ex", "solve_triangular", "cholesky",
           "cholesky_ex", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "matrix_norm", "vector_norm", "norm",
           "matrix_exp", "matrix_power", "matrix_rank", "cross", "multi_dot", "vecdot", "matmul", "diagonal", "lstsq",
           "lu_factor", "lu_factor_ex", "lu", "lu_solve", "eig", "eigvals", "cond", "tensorinv", "tensorsolve",
           "vander", "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve"]


_InvEx = make_return_type("linalg_inv_ex", ("inverse", "info"))
_CholeskyEx = make_return_type("linalg_cholesky_ex", ("L", "info"))
_SolveEx = make_return_type("linalg_solve_ex", ("result", "info"))


def _no_failures(a):
    xp = namespace_of(a)
    return make_tensor(xp.zeros(a.shape[:-2], dtype=xp.int32))


def _partial(result_type, shape, a, info, factorize, *args):
    """``(result, info)`` when some matrices fail: nan for those, ``factorize`` of the rest (no gradient)."""
    result = namespace_of(a).full(shape, math.nan, dtype=a.dtype)
    ok = info == 0
    if ok.any():
        result[ok] = factorize(*args, ok)
    return result_type((make_tensor(result), make_tensor(info)))


def _inverse_of(a, ok):
    return namespace_of(a).linalg.inv(a[ok])


def _cholesky_of(a, upper, ok):
    return cholesky_array("linalg.cholesky_ex", a[ok], upper)


def _solution_of(a, b, left, vector, ok):
    return solve_array(a[ok], b[ok], left, vector)


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: ``info`` is 0, or the first zero pivot of a singular matrix."""
    return write_out(_inv_ex(A, check_errors), out, "linalg_inv_ex")


def _inv_ex(A, check_errors):
    check_matrix("linalg.inv_ex", A)
    a = A._data
    try:
        return _InvEx((inv(A), _no_failures(a)))
    except LinAlgError:
        if check_errors:
            raise singular_error("linalg.inv_ex", a) from None
    return _partial(_InvEx, a.shape, a, failure_info(a, lu_info), _inverse_of, a)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``: ``info`` is 0, or the order of the first leading minor that is not positive-definite."""
    return write_out(_cholesky_ex(A, upper, check_errors), out, "linalg_cholesky_ex")


def _cholesky_ex(A, upper, check_errors):
    check_matrix("linalg.cholesky_ex", A)
    a = A._data
    try:
        return _CholeskyEx((cholesky(A, upper=upper), _no_failures(a)))
    except LinAlgError:
        if check_errors:
            raise not_positive_definite_error("linalg.cholesky_ex", a) from None
    return _partial(_CholeskyEx, a.shape, a, failure_info(a, cholesky_info), _cholesky_of, a, upper)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``(result, info)``: ``info`` is 0, or the first zero pivot of a singular ``A``."""
    return write_out(_solve_ex(A, B, left, check_errors), out, "linalg_solve_ex")


def _solve_ex(A, B, left, check_errors):
    xp = namespace_of(A._data)
    try:
        result = solve(A, B, left=left)
        batch = result._data.shape[:-1] if is_vector_rhs(A._data, B._data) else result._data.shape[:-2]
        return _SolveEx((result, make_tensor(xp.zeros(batch, dtype=xp.int32))))
    except LinAlgError:
        if check_errors:
            raise singular_solve_error("linalg.solve_ex", A._data) from None
    vector = is_vector_rhs(A._data, B._data)
    b = B._data[..., None] if vector else B._data
    batch = NUMPY.broadcast_shapes(A._data.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(A._data, batch + A._data.shape[-2:])
    b = xp.broadcast_to(b, batch + b.shape[-2:])
    shape = batch + (b.shape[-2],) if vector else batch + b.shape[-2:]
    return _partial(_SolveEx, shape, a, failure_info(a, lu_info), _solution_of, a, b[..., 0] if vector else b, left,
                    vector)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The number of singular values above ``max(atol, rtol * largest)`` (not differentiable); PyTorch's older
    positional ``tol`` is an ``atol`` alone."""
    check_matrix("torch.linalg.matrix_rank", A, square=False)
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = (bound._data if isinstance(bound, Tensor) else bound for bound in (atol, rtol))
    a = A._data
    xp = namespace_of(a)
    values = xp.abs(eigh_arrays(a, compute_vectors=False)) if hermitian else svd_arrays(a, compute_uv=False)
    if rtol is None:
        rtol = 0.0 if atol is not None and xp.all(atol > 0) else float(xp.finfo(a.dtype).eps) * max(a.shape[-2:])
    largest = values.max(-1, keepdims=True) if values.shape[-1] else xp.zeros(values.shape[:-1] + (1,))
    threshold = xp.maximum(0.0 if atol is None else atol, rtol * largest)
    rank = as_array((values > threshold).sum(-1).astype(xp.int64))
    return write_out(make_tensor(rank), out, "linalg_matrix_rank")


# ---------------------------------------------------------------- norms
def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal of each matrix (``torch.diagonal`` over the last two dimensions)."""
    return _diagonal(A, offset, dim1, dim2)


# ---------------------------------------------------------------- solve_triangular
def _triangle(x, upper, unitriangular):
    """The part of a gradient that a triangular solve reads: one triangle, without the unit diagonal."""
    mask = namespace_of(x._data).tri(x.shape[-2], x.shape[-1], -1 if unitriangular else 0, dtype=x._data.dtype)
    return x * make_tensor(mask.T.copy() if upper else mask)


def _solve_triangular_grad_A(grad, A, result, upper, left, unitriangular):
    grad_B = solve_triangular(A.mH, grad, upper=not upper, left=left, unitriangular=unitriangular)
    product = grad_B @ result.mH if left else result.mH @ grad_B
    return _triangle(-product, upper, unitriangular)


def _solve_triangular_grad_B(grad, A, result, upper, left, unitriangular):
    return solve_triangular(A.mH, grad, upper=not upper, left=left, unitriangular=unitriangular)


LinalgSolveTriangularBackward0 = derivative("LinalgSolveTriangularBackward0", _solve_triangular_grad_A,
                                            _solve_triangular_grad_B, saves="self result")


def solve_triangular(A, B, *, upper=None, left=True, unitriangular=False, out=None):
    """``X`` with ``A @ X = B`` (``X @ A = B`` when ``left=False``) reading one triangle of ``A``."""
    if upper is None:
        raise TypeError('linalg_solve_triangular() missing 1 required positional arguments: "upper"')
    bool_argument("linalg_solve_triangular", "upper", None, upper)
    for name, tensor in (("A", A), ("B", B)):
        if tensor._data.ndim < 2:
            raise RuntimeError(f"linalg.solve_triangular: The input tensor {name} must have at least 2 dimensions.")
    check_matrix("linalg.solve_triangular", A, kernel="triangular_solve_cpu")
    a, b = A._data, B._data
    if (b.shape[-2] if left else b.shape[-1]) != a.shape[-1]:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation {equation} "
                           f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    if a.dtype != b.dtype:
        common = promote_types(A.dtype, B.dtype)
        A, B = A.to(common), B.to(common)
        a, b = A._data, B._data
    if left:
        x = substitute(a, b, upper, unitriangular)
    else:
        x = substitute(a.swapaxes(-1, -2), b.swapaxes(-1, -2), not upper, unitriangular).swapaxes(-1, -2)
    result = record(x, LinalgSolveTriangularBackward0, (A, B), (A, OUTPUT), (upper, left, unitriangular))
    return write_out(result, out, "linalg_solve_triangular")


# ---------------------------------------------------------------- compositions: cond, tensorinv, tensorsolve, vander
def cond(A, p=None, *, out=None):
    """The condition number: a ratio of singular values (``p`` None, 2, -2) or ``norm(A) * norm(A^-1)``."""
    return write_out(_cond(A, p), out, "linalg_cond")


def _cond(A, p):
    if p is not None and p not in MATRIX_ORDERS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p in (None, 2, -2):
        check_matrix("linalg.cond", A, square=False)
        values = svdvals(A)
        largest, smallest = values[..., :1], values[..., -1:]
        ratio = smallest / largest if p == -2 else largest / smallest
        return ratio.squeeze(-1)
    check_matrix(f"linalg.cond(ord={p})", A, float16=True)
    if A._data.dtype == FLOAT16:  # PyTorch takes the norm of A first: the nuclear one needs an SVD
        raise refuse_float16("linalg.cond" if p == "nuc" else "linalg.inv")
    inverse, info = inv_ex(A)
    if p != "nuc":
        return nan_to_num(matrix_norm(A, p) * matrix_norm(inverse, p), math.inf, math.inf)
    failed = info._data[..., None, None] > 0
    if not failed.any():
        return matrix_norm(A, p) * matrix_norm(inverse, p)
    # a singular matrix has no inverse to take singular values of: its condition number is nan
    inverse = where(make_tensor(failed), 0.0, inverse)
    xp = namespace_of(failed)
    not_a_number = make_tensor(xp.where(failed[..., 0, 0], math.nan, 0).astype(inverse._data.dtype))
    return matrix_norm(A, p) * (matrix_norm(inverse, p) + not_a_number)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of ``A`` read as a matrix of its first ``ind`` dims by the rest."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A.shape)
    if ind > len(shape):  # PyTorch's slice of the shape fails (a RuntimeError about an ArrayRef)
        raise RuntimeError(f"linalg.tensorinv: expected 'ind' to be at most the {len(shape)} dims of A, but got {ind}")
    rows, columns = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != columns:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {columns} != {rows}")
    return write_out(inv(A.reshape(rows, columns)).reshape(shape[ind:] + shape[:ind]), out, "linalg_tensorinv")


def tensorsolve(A, B, dims=None, *, out=None):
    """``X`` with ``tensordot(A, X, X.ndim) = B``: ``A`` read as a matrix of ``B``'s dims by the rest."""
    if dims is not None:
        ndim = A._data.ndim
        moved = [_wrap_dim(d, ndim) for d in dims]
        A = A.permute([d for d in range(ndim) if d not in moved] + moved)
    result_shape = tuple(A.shape[B._data.ndim:])
    size = math.prod(B.shape)
    solution = solve(A.reshape(size, math.prod(result_shape)), B.reshape(size))
    return write_out(solution.reshape(result_shape), out, "linalg_tensorsolve")


def vander(x, *, N=None):
    """The Vandermonde matrix: columns ``x**0, x**1, ..., x**(N-1)`` (``N`` defaults to ``x``'s length)."""
    if x._data.dtype.kind == "b" or x._data.dtype == FLOAT16:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got "
                           f"{x.dtype.scalar_type_name}")
    if N is None:
        N = x.shape[-1] if x._data.ndim else 1
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    ones = make_tensor(namespace_of(x._data).ones(tuple(x.shape) + (1,), dtype=x._data.dtype))
    powers = cumprod(x.unsqueeze(-1).expand(*x.shape, N - 1), -1)
    return cat([ones, powers], -1)


publish([globals()[name] for name in __all__])

# PyTorch's signatures (its messages name the functions linalg_*): a failed call whose arguments do not fit them
# raises PyTorch's TypeError; the eager ones are checked first, as they would accept a wrong argument.
_OUT = "*, Tensor? out = None"
_NORM_TAIL = "int[1]? dim = None, bool keepdim = False, *, Tensor? out = None, ScalarType? dtype = None"
# pinv and matrix_rank: tolerances as tensors or numbers, or one positional tolerance (rcond, tol)
_TOLERANCES = ("Tensor A, *, Tensor? atol = None, Tensor? rtol = None, bool hermitian = False, Tensor? out = None|"
               "Tensor A, *, float? atol = None, float? rtol = None, bool hermitian = False, Tensor? out = None|"
               "Tensor A, float {0}, bool hermitian = False, *, Tensor? out = None|"
               "Tensor A, Tensor {0}, bool hermitian = False, *, Tensor? out = None")
SIGNATURES = {
    "solve_triangular": "Tensor input, Tensor B, *, bool upper, bool left = True, bool unitriangular = False, "
                        "Tensor? out = None",
    "lu_solve": "Tensor LU, Tensor pivots, Tensor B, *, bool left = True, bool adjoint = False, Tensor? out = None",
    "cond": ("Tensor A, Scalar? p = None, *, Tensor? out = None", "Tensor A, str p, *, Tensor? out = None"),
    "cross": "Tensor input, Tensor other, *, int dim = -1, Tensor? out = None",
    "eig": f"Tensor A, {_OUT}", "eigvals": f"Tensor A, {_OUT}",
    "eigh": f"Tensor A, str UPLO = 'L', {_OUT}", "eigvalsh": f"Tensor A, str UPLO = 'L', {_OUT}",
    "householder_product": f"Tensor A, Tensor tau, {_OUT}",
    "lstsq": "Tensor A, Tensor B, float? rcond = None, *, str? driver = None",
    "ldl_factor": "Tensor input, *, bool hermitian = False, Tensor[]? out = None",
    "ldl_factor_ex": "Tensor input, *, bool hermitian = False, bool check_errors = False, Tensor[]? out = None",
    "ldl_solve": "Tensor LD, Tensor pivots, Tensor B, *, bool hermitian = False, Tensor? out = None",
    "lu": "Tensor A, *, bool pivot = True, Tensor? out = None",
    "lu_factor": "Tensor A, *, bool pivot = True, Tensor? out = None",
    "lu_factor_ex": "Tensor A, *, bool pivot = True, bool check_errors = False, Tensor? out = None",
    "matrix_norm": ("Tensor A, Scalar ord, int[] dim = (-2, -1), bool keepdim = False, *, ScalarType? dtype = None, "
                    "Tensor? out = None",
                    "Tensor A, str ord = 'fro', int[] dim = (-2, -1), bool keepdim = False, *, "
                    "ScalarType? dtype = None, Tensor? out = None"),
    "norm": (f"Tensor A, Scalar? ord = None, {_NORM_TAIL}", f"Tensor A, str ord, {_NORM_TAIL}"),
    "matrix_power": f"Tensor input, int n, {_OUT}",
    "multi_dot": Signatures("linalg_multi_dot", f"Tensor[] tensors, {_OUT}", eager=True),
    "pinv": Signatures("linalg_pinv", *_TOLERANCES.format("rcond").split("|"), eager=True),
    "matrix_rank": Signatures("linalg_matrix_rank", *_TOLERANCES.format("tol").split("|"), eager=True),
    "qr": f"Tensor A, str mode = 'reduced', {_OUT}",
    "solve": "Tensor A, Tensor B, *, bool left = True, Tensor? out = None",
    "solve_ex": "Tensor A, Tensor B, *, bool left = True, bool check_errors = False, Tensor? out = None",
    "svd": Signatures("linalg_svd", "Tensor A, bool full_matrices = True, *, str? driver = None, Tensor? out = None",
                      eager=True),
    "vander": "Tensor x, *, int? N = None",
    "vector_norm": "Tensor input, Scalar ord = 2, int[1]? dim = None, bool keepdim = False, *, "
                   "ScalarType? dtype = None, Tensor? out = None",
    "tensorinv": f"Tensor A, int ind = 2, {_OUT}", "tensorsolve": f"Tensor A, Tensor B, int[]? dims = None, {_OUT}",
}
globals().update({name: checking(declared(f"linalg_{name}", declaration), globals()[name], __name__, name)
                 for name, declaration in SIGNATURES.items()})

