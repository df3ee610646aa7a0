"""The top-level linear algebra PyTorch kept from before ``torch.linalg``: ``qr``, ``lu``, ``lu_solve``,
``lu_unpack``, ``triangular_solve``, ``cholesky_solve``, ``geqrf``/``orgqr``/``ormqr``, ``nuclear_norm``,
``frobenius_norm``, ``norm_except_dim``, ``svd_lowrank``, ``pca_lowrank``.

Each is written with ``chainrule.linalg`` (so its gradients are those functions'), with the old argument
orders and result tuples; the deprecated ones warn as PyTorch does.
"""

import math
import sys
import warnings

from . import linalg
from ._array import namespace_of
from ._creation import eye, zeros
from ._dtype import float32
from ._ops._arguments import bool_argument
from ._ops import register_family
from ._ops.joining import cat
from ._ops.kernel_dtypes import check_kernel
from ._ops.pointwise_base import no_kernel_error
from ._ops.norms import vector_norm
from ._ops.diagonals import tril, triu
from ._random import randn
from ._signatures import Signatures, with_signatures
from ._tensor import Tensor, _wrap_dim, make_tensor
from .return_types import make_return_type

__all__ = ["qr", "lu", "lu_solve", "lu_unpack", "triangular_solve", "cholesky_solve", "geqrf", "orgqr", "ormqr",
           "nuclear_norm", "frobenius_norm", "norm_except_dim", "svd_lowrank", "pca_lowrank"]
FUNCTIONS = __all__
METHODS = ["qr", "lu", "lu_solve", "triangular_solve", "cholesky_solve", "geqrf", "orgqr", "ormqr"]

_Qr = make_return_type("qr", ("Q", "R"))
_LuUnpack = make_return_type("lu_unpack", ("P", "L", "U"))
_TriangularSolve = make_return_type("triangular_solve", ("solution", "cloned_coefficient"))
_Geqrf = make_return_type("geqrf", ("a", "tau"))


def qr(input, some=True, *, out=None):
    """Deprecated: ``linalg.qr`` with ``mode='reduced'`` (``some``) or ``'complete'``."""
    warnings.warn("chainrule.qr is deprecated in favor of chainrule.linalg.qr and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    Q, R = linalg.qr(input, mode="reduced" if some else "complete")
    return _Qr((Q, R))


def lu(A, pivot=True, get_infos=False, out=None):
    """Deprecated: ``linalg.lu_factor_ex``'s ``(LU, pivots[, infos])``."""
    warnings.warn("chainrule.lu is deprecated in favor of chainrule.linalg.lu_factor / "
                  "chainrule.linalg.lu_factor_ex and will be removed in a future PyTorch release.", UserWarning,
                  stacklevel=2)
    LU, pivots, infos = linalg.lu_factor_ex(A, pivot=pivot)
    return (LU, pivots, infos) if get_infos else (LU, pivots)


def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """Deprecated: ``linalg.lu_solve(LU_data, LU_pivots, b)``."""
    warnings.warn("chainrule.lu_solve is deprecated in favor of chainrule.linalg.lu_solve and will be removed in a "
                  "future PyTorch release.", UserWarning, stacklevel=2)
    return linalg.lu_solve(LU_data, LU_pivots, b)


def _permutation_from_pivots(pivots, m, xp):
    """The row order the sequential 1-based swaps in ``pivots`` make, per matrix of the batch."""
    swaps = pivots.reshape(-1, pivots.shape[-1]) - 1
    orders = xp.tile(xp.arange(m), (swaps.shape[0], 1))
    for row in range(swaps.shape[1]):
        target = swaps[:, row]
        batch = xp.arange(swaps.shape[0])
        current, other = orders[batch, row].copy(), orders[batch, target].copy()
        orders[batch, row], orders[batch, target] = other, current
    return orders.reshape(pivots.shape[:-1] + (m,))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``P, L, U`` from a packed LU factorization: ``A = P @ L @ U``."""
    if LU_pivots._data.dtype.name != "int32":
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                           "Note: this function is intended to be used with the output produced by "
                           "torch.linalg.lu_factor")
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    if unpack_data:
        L = tril(LU_data[..., :, :k], -1) + eye(m, k, dtype=LU_data.dtype)
        U = triu(LU_data[..., :k, :])
    else:
        L = U = zeros(0, dtype=LU_data.dtype)
    if unpack_pivots:
        xp = namespace_of(LU_pivots._data)
        order = _permutation_from_pivots(LU_pivots._data.astype(xp.int64), m, xp)
        identity = xp.eye(m, dtype=LU_data._data.dtype)
        P = make_tensor(xp.swapaxes(identity[order], -1, -2).copy())
    else:
        P = zeros(0, dtype=LU_data.dtype)
    return _LuUnpack((P, L, U))


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """Deprecated: ``X`` with ``A X = b`` (``A^T X = b`` when ``transpose``), and a copy of ``A``."""
    warnings.warn("chainrule.triangular_solve is deprecated in favor of chainrule.linalg.solve_triangular and will be "
                  "removed in a future PyTorch release.", UserWarning, stacklevel=2)
    if b.dtype != A.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {b.dtype.scalar_type_name} "
                           f"and A of type {A.dtype.scalar_type_name} instead.")
    matrix = A.mT if transpose else A
    solution = linalg.solve_triangular(matrix, b, upper=upper != transpose, unitriangular=unitriangular)
    return _TriangularSolve((solution, A.clone()))


def cholesky_solve(input, input2, upper=False, *, out=None):
    """``X`` with ``A X = input`` where ``A = L L^H`` from its Cholesky factor ``input2``.

    Only the factor's triangle is read, but its gradient reaches the whole matrix, as PyTorch's formula
    (which treats the factor as a full matrix) gives it: the other triangle enters with value zero.
    """
    _check_cholesky_solve_shapes(input, input2)
    if input.dtype != input2.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{input.dtype.scalar_type_name} and A of type {input2.dtype.scalar_type_name} instead.")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise no_kernel_error("cholesky_solve_cpu", input._data.dtype)
    factor = input2.mH if bool_argument("cholesky_solve", "upper", None, upper) else input2
    outside = factor - tril(factor)
    L = tril(factor) + (outside - outside.detach())
    try:
        return linalg.solve(L @ L.mH, input)
    except linalg.LinAlgError:  # L L^H underflows or is singular: PyTorch's two triangular solves give inf and NaN
        return linalg.solve_triangular(L.mH, linalg.solve_triangular(L, input, upper=False), upper=True)


def _check_cholesky_solve_shapes(b, factor):
    """PyTorch's refusals, in its order, before the factor's triangle is read."""
    for name, tensor in (("b", b), ("u", factor)):
        if tensor.dim() < 2:
            raise RuntimeError(f"{name} should have at least 2 dimensions, but has {tensor.dim()} dimensions instead")
    rows, columns = factor.shape[-2:]
    if rows != columns:
        raise RuntimeError(f"A must be batches of square matrices, but they are {rows} by {columns} matrices")
    if b.shape[-2] != rows:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {rows} by {rows} but each "
                           f"b matrix is {b.shape[-2]} by {b.shape[-1]}")


def geqrf(input, *, out=None):
    """QR in LAPACK's packed Householder form ``(a, tau)`` (no derivative, as in PyTorch)."""
    x = input._data
    xp = namespace_of(x)
    if x.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    check_kernel("geqrf", x)
    packed, taus = [], []
    for matrix in x.reshape((math.prod(x.shape[:-2]),) + x.shape[-2:]) if x.size else ():
        h, tau = xp.linalg.qr(matrix, mode="raw")
        packed.append(h.T)
        taus.append(tau)
    a = xp.stack(packed).reshape(x.shape).astype(x.dtype) if packed else x.copy()
    tau = xp.stack(taus).reshape(x.shape[:-2] + (min(x.shape[-2:]),)).astype(x.dtype) if taus else \
        xp.zeros(x.shape[:-2] + (min(x.shape[-2:]),), dtype=x.dtype)
    return _Geqrf((make_tensor(a), make_tensor(tau)))


def orgqr(input, tau):
    """The ``Q`` of a ``geqrf`` factorization (``linalg.householder_product``)."""
    return linalg.householder_product(input, tau)


def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """``Q @ other`` (or ``other @ Q``, with ``Q^H`` when ``transpose``) for the ``Q`` of ``geqrf``."""
    check_kernel("ormqr", input._data)
    m, k = input.shape[-2], input.shape[-1]
    padding = m - k
    if padding > 0:
        input = cat([input, zeros(input.shape[:-1] + (padding,), dtype=input.dtype)], -1)
        tau = cat([tau, zeros(tau.shape[:-1] + (m - tau.shape[-1],), dtype=tau.dtype)], -1)
    Q = linalg.householder_product(input[..., :m], tau)
    if transpose:
        Q = Q.mH
    return Q @ other if left else other @ Q


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """The sum of singular values (over ``dim``, the last two by default)."""
    if dim is None:
        dim = (-2, -1)
    elif not isinstance(dim, (list, tuple)):  # one int stands for both dims, as in PyTorch's int[2]
        dim = (dim, dim)
    return linalg.matrix_norm(input, "nuc", dim=tuple(dim), keepdim=keepdim)


def frobenius_norm(input, dim, keepdim=False, *, out=None):
    """The square root of the sum of squares over ``dim``."""
    return vector_norm(input, 2, dim=tuple(dim) if isinstance(dim, (list, tuple)) else dim, keepdim=keepdim)


def norm_except_dim(v, pow=2, dim=0):
    """The ``pow``-norm over every dimension but ``dim`` (kept with size 1), as weight normalisation uses."""
    if dim == -1:
        return vector_norm(v, pow)
    if v.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = _wrap_dim(dim, v.dim())
    if v.shape[dim] == 0:  # PyTorch views ``v`` as rows of ``dim`` (columns for the last): ambiguous when empty
        shape = "[-1, 0]" if 0 < dim == v.dim() - 1 else "[0, -1]"
        raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {shape} because the unspecified "
                           "dimension size -1 can be any value and is ambiguous")
    others = tuple(d for d in range(v.dim()) if d != dim)
    return vector_norm(v, pow, dim=others, keepdim=True)


def _matrix_shape(A):
    """``(m, n)``, the last two sizes, refused as PyTorch's Python unpacks them: a ValueError under 2 dims."""
    if A.dim() < 2:
        raise ValueError(f"not enough values to unpack (expected 2, got {A.dim()})")
    return A.shape[-2:]


def _range_finder(A, q, niter):
    """PyTorch draws in float32 for an integer ``A`` (whose product with it then fails, as there)."""
    Z = randn(A.shape[-1], q, dtype=A.dtype if A.is_floating_point() or A.is_complex() else float32)
    Q = linalg.qr(A @ Z).Q
    for _ in range(niter):
        Q = linalg.qr(A.mH @ Q).Q
        Q = linalg.qr(A @ Q).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """An approximate rank-``q`` SVD ``(U, S, V)`` by randomised range finding (Halko et al.)."""
    _matrix_shape(A)
    if M is not None:
        A = A - M
    Q = _range_finder(A, q, niter)
    B = Q.mH @ A
    U, S, Vh = linalg.svd(B, full_matrices=False)
    return Q @ U, S, Vh.mH


def pca_lowrank(A, q=None, center=True, niter=2):
    """Principal components ``(U, S, V)`` of the rows of ``A`` (centred first) by ``svd_lowrank``."""
    m, n = _matrix_shape(A)
    q = min(6, m, n) if q is None else q
    if not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if center:
        A = A - A.mean(dim=-2, keepdim=True)
    return svd_lowrank(A, q, niter)


# PyTorch's signatures: a failed call whose arguments do not fit raises PyTorch's TypeError; the eager ones are
# checked first (they would accept a wrong flag or size), the functions being slow beside the check.
_OUT = "*, Tensor? out = None"
SIGNATURES = {
    "qr": Signatures("qr", f"Tensor input, bool some = True, {_OUT}", eager=True),
    "lu": Signatures("_lu_with_info", "Tensor A, bool pivot = True, object get_infos = False, object out = None",
                     eager=True),
    "lu_unpack": f"Tensor LU_data, Tensor LU_pivots, bool unpack_data = True, bool unpack_pivots = True, {_OUT}",
    "triangular_solve": Signatures("triangular_solve", f"Tensor b, Tensor A, bool upper = True, "
                                                       f"bool transpose = False, bool unitriangular = False, {_OUT}",
                                   eager=True),
    "cholesky_solve": f"Tensor input, Tensor input2, bool upper = False, {_OUT}",
    "geqrf": f"Tensor input, {_OUT}", "orgqr": "Tensor input, Tensor tau",
    "ormqr": f"Tensor input, Tensor tau, Tensor other, bool left = True, bool transpose = False, {_OUT}",
    "nuclear_norm": Signatures("nuclear_norm", f"Tensor input, bool keepdim = False, {_OUT}",
                               f"Tensor input, int[2] dim, bool keepdim = False, {_OUT}", eager=True),
    "frobenius_norm": Signatures("frobenius_norm", f"Tensor input, int[1] dim, bool keepdim = False, {_OUT}",
                                 eager=True),
    "norm_except_dim": Signatures("norm_except_dim", "Tensor v, int pow = 2, int dim = 0", eager=True),
}
register_family(sys.modules[__name__])
globals().update(with_signatures(sys.modules[__name__]))
for _name, _method in with_signatures(sys.modules[__name__], METHODS, method=True).items():
    setattr(Tensor, _name, _method)
del _name, _method
