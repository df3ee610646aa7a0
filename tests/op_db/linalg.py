"""Op table entries for chainrule.linalg: inverses, determinants and solvers, the Cholesky, QR, LU,
eigenvalue and singular value decompositions, and what is built on them (pinv, lstsq, norms, cond,
tensor inverse and solve, Vandermonde matrices, cholesky_inverse), and the LDL factorization; see
tests/op_db/__init__.py.

Matrices are kept well-conditioned (a multiple of the identity added) so that pivots, ranks and
derivatives are stable; the eigenvalue and singular value samples have distinct values, where their
derivatives are defined.
"""

import numpy as np

from . import OpInfo, Sample, noncontiguous, well_conditioned


def _n(rng, *shape):
    return rng.standard_normal(shape)


# ---------------------------------------------------------------- inverses, solvers, decompositions
def _square_samples(rng):
    yield Sample((well_conditioned(rng, 3),))
    yield Sample((well_conditioned(rng, 2, batch=(2,)),), name="batch")
    yield Sample((well_conditioned(rng, 1),), name="1x1")
    yield Sample((noncontiguous(well_conditioned(rng, 3)),), name="noncontiguous")


def _square_samples_with_empty(rng):
    yield from _square_samples(rng)
    yield Sample((_n(rng, 0, 0),), name="empty")


def _slogdet_samples(rng):
    yield from _square_samples(rng)
    yield Sample((-well_conditioned(rng, 3),), name="negative det")


def _solve_samples(rng):
    a = well_conditioned(rng, 3)
    yield Sample((a, _n(rng, 3)), name="vector")
    yield Sample((a, _n(rng, 3, 2)), name="matrix")
    yield Sample((well_conditioned(rng, 3, batch=(2,)), _n(rng, 2, 3)), name="batch of vectors")
    yield Sample((well_conditioned(rng, 2, batch=(2,)), _n(rng, 2, 3)), name="broadcast B")
    yield Sample((a, _n(rng, 2, 3)), {"left": False}, name="left=False")
    yield Sample((noncontiguous(a), _n(rng, 3)), name="noncontiguous")


def _solve_triangular_samples(rng):
    a = well_conditioned(rng, 3)
    yield Sample((a, _n(rng, 3, 2)), {"upper": False}, name="lower")
    yield Sample((a, _n(rng, 3, 2)), {"upper": True}, name="upper")
    yield Sample((a, _n(rng, 2, 3)), {"upper": True, "left": False}, name="right")
    yield Sample((a, _n(rng, 3, 1)), {"upper": False, "unitriangular": True}, name="unit diagonal")
    yield Sample((well_conditioned(rng, 2, batch=(2,)), _n(rng, 2, 1)), {"upper": False}, name="broadcast")
    yield Sample((noncontiguous(a), _n(rng, 3, 2)), {"upper": True, "left": True}, name="noncontiguous")


def _rectangular_samples(rng):
    for shape in [(3, 2), (2, 3), (3, 3), (2, 3, 2)]:
        yield Sample((_n(rng, *shape),), name=str(shape))
    yield Sample((noncontiguous(_n(rng, 3, 2)),), name="noncontiguous")


def _symmetric(module, a):
    return a + a.transpose(-2, -1)


def _spd(module, a):
    return a @ a.transpose(-2, -1) + 3 * module.diag_embed(module.ones_like(a[..., 0]))


def _fixed_sign(module, columns):
    """Eigenvectors or singular vectors with a positive first row: their sign is otherwise arbitrary."""
    return columns * module.sign(columns[..., :1, :])


def _eigh(m, a, **kw):
    values, vectors = m.linalg.eigh(_symmetric(m, a), **kw)
    return values, _fixed_sign(m, vectors)


def _svd(m, a, **kw):
    U, S, Vh = m.linalg.svd(a, **kw)
    k = S.shape[-1]
    signs = m.sign(U[..., :1, :k])
    return U[..., :k] * signs, S, Vh[..., :k, :] * signs.transpose(-2, -1)


def _torch_svd(m, a):
    U, S, V = m.svd(a)
    signs = m.sign(U[..., :1, :])
    return U * signs, S, V * signs


def _qr_samples(rng):
    yield from _rectangular_samples(rng)
    yield Sample((_n(rng, 3, 3),), {"mode": "complete"}, name="complete")
    yield Sample((_n(rng, 2, 3),), {"mode": "complete"}, name="complete wide")


def _pinv_samples(rng):
    yield from _rectangular_samples(rng)
    yield Sample((_n(rng, 3, 2),), {"hermitian": False, "rtol": 1e-3}, name="rtol")


def _matrix_norm_samples(rng):
    for ord in ("fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf):
        yield Sample((_n(rng, 2, 3), ord), name=f"ord={ord}")
    yield Sample((_n(rng, 2, 3, 2), "nuc"), {"keepdim": True}, name="nuc keepdim")
    yield Sample((_n(rng, 2, 3, 2), 2), {"dim": (0, 2)}, name="2 dims")
    yield Sample((_n(rng, 3, 2, 2), 1), {"dim": (-1, 0), "keepdim": True}, name="1 negative dims keepdim")
    yield Sample((_n(rng, 2, 2, 3), -np.inf), {"dim": (2, 1)}, name="-inf dims")
    yield Sample((noncontiguous(_n(rng, 3, 2)), "fro"), name="noncontiguous")


def _norm_samples(rng):
    yield Sample((_n(rng, 2, 3),), name="default")
    yield Sample((_n(rng, 3), 3), name="vector ord 3")
    yield Sample((_n(rng, 2, 3), "nuc"), name="nuc")
    yield Sample((_n(rng, 2, 3), 2), name="matrix 2")
    yield Sample((_n(rng, 2, 3, 2), 1, (0, 2)), name="matrix dims")
    yield Sample((_n(rng, 2, 3), 1, 1), {"keepdim": True}, name="vector dim")


OPS = [
    OpInfo("linalg.inv", lambda m, a: m.linalg.inv(a), _square_samples_with_empty),
    OpInfo("inverse", lambda m, a: m.inverse(a), _square_samples),
    OpInfo("linalg.det", lambda m, a: m.linalg.det(a), _slogdet_samples),
    OpInfo("det", lambda m, a: a.det(), _square_samples_with_empty),
    OpInfo("linalg.slogdet", lambda m, a: m.linalg.slogdet(a), _slogdet_samples),
    OpInfo("slogdet", lambda m, a: m.slogdet(a), _slogdet_samples),
    OpInfo("logdet", lambda m, a: m.logdet(_spd(m, a)), _square_samples),
    OpInfo("linalg.solve", lambda m, a, b, **kw: m.linalg.solve(a, b, **kw), _solve_samples),
    OpInfo("linalg.solve_triangular", lambda m, a, b, **kw: m.linalg.solve_triangular(a, b, **kw),
           _solve_triangular_samples),
    OpInfo("linalg.cholesky", lambda m, a, **kw: m.linalg.cholesky(_spd(m, a), **kw), _square_samples),
    OpInfo("linalg.cholesky upper", lambda m, a: m.linalg.cholesky(_spd(m, a), upper=True), _square_samples),
    OpInfo("linalg.qr", lambda m, a, **kw: m.linalg.qr(a, **kw), _qr_samples),
    OpInfo("linalg.eigh", _eigh, _square_samples),
    OpInfo("linalg.eigh upper", lambda m, a: _eigh(m, a, UPLO="U"), _square_samples),
    OpInfo("linalg.eigvalsh", lambda m, a: m.linalg.eigvalsh(_symmetric(m, a)), _square_samples),
    OpInfo("linalg.svd", lambda m, a: _svd(m, a, full_matrices=False), _rectangular_samples),
    OpInfo("linalg.svd full", lambda m, a: _svd(m, a), _rectangular_samples),
    OpInfo("svd", _torch_svd, _rectangular_samples),
    OpInfo("linalg.svdvals", lambda m, a: m.linalg.svdvals(a), _rectangular_samples),
    OpInfo("linalg.pinv", lambda m, a, **kw: m.linalg.pinv(a, **kw), _pinv_samples),
    OpInfo("linalg.pinv hermitian", lambda m, a: m.linalg.pinv(_symmetric(m, a), hermitian=True), _square_samples),
    OpInfo("pinverse", lambda m, a: m.pinverse(a), _rectangular_samples),
    OpInfo("linalg.matrix_norm", lambda m, a, ord, **kw: m.linalg.matrix_norm(a, ord, **kw), _matrix_norm_samples),
    OpInfo("linalg.norm", lambda m, a, *args, **kw: m.linalg.norm(a, *args, **kw), _norm_samples),
]


# ---------------------------------------------------------------- LU, least squares, eig, compositions
def _lu_samples(rng):
    yield Sample((_n(rng, 3, 3),), name="pivoting")
    yield Sample((_n(rng, 2, 2, 2),), name="batch")
    yield Sample((_n(rng, 3, 2),), name="tall")
    yield Sample((_n(rng, 2, 3),), name="wide")
    yield Sample((noncontiguous(_n(rng, 3, 3)),), name="noncontiguous")
    yield Sample((_n(rng, 0, 0),), name="empty")


def _lu_solve(m, a, b, **kw):
    LU, pivots = m.linalg.lu_factor(a)
    return m.linalg.lu_solve(LU, pivots, b, **kw)


def _lu_solve_samples(rng):
    a = _n(rng, 3, 3)
    yield Sample((a, _n(rng, 3, 2)))
    yield Sample((a, _n(rng, 2, 3)), {"left": False}, name="left=False")
    yield Sample((a, _n(rng, 3, 1)), {"adjoint": True}, name="adjoint")
    yield Sample((a, _n(rng, 2, 3)), {"left": False, "adjoint": True}, name="right adjoint")
    yield Sample((_n(rng, 2, 2, 2), _n(rng, 2, 1)), name="broadcast B")
    yield Sample((noncontiguous(a), _n(rng, 3, 1)), name="noncontiguous")


def _lstsq(m, a, b, **kw):
    solution, residuals, rank, singular_values = m.linalg.lstsq(a, b, **kw)
    return solution, residuals, rank, singular_values


def _lstsq_samples(rng):
    yield Sample((_n(rng, 4, 2), _n(rng, 4, 2)), name="tall")
    yield Sample((_n(rng, 2, 3), _n(rng, 2, 2)), name="wide")
    yield Sample((_n(rng, 3, 2), _n(rng, 3)), name="vector")
    yield Sample((_n(rng, 2, 3, 2), _n(rng, 1, 3, 1)), name="broadcast")
    for driver in ("gels", "gelsd", "gelss"):
        yield Sample((_n(rng, 4, 2), _n(rng, 4, 2)), {"driver": driver}, name=driver)
    yield Sample((well_conditioned(rng, 3), _n(rng, 3, 1)), {"rcond": 1e-3, "driver": "gelsd"}, name="square rcond")
    yield Sample((noncontiguous(_n(rng, 4, 2)), _n(rng, 4, 1)), name="noncontiguous")


def _eig(m, a):
    """Eigenvectors with a real positive first row: each is otherwise defined up to a complex phase."""
    values, vectors = m.linalg.eig(a)
    first = vectors[..., :1, :]
    return values, vectors / (first / first.abs())


def _eig_samples(rng):
    yield Sample((_n(rng, 3, 3),))
    yield Sample((_n(rng, 2, 2, 2),), name="batch")
    yield Sample((np.array([[0.0, -1.0], [1.0, 0.0]]),), name="complex pair")
    yield Sample((noncontiguous(_n(rng, 3, 3)),), name="noncontiguous")


def _cond_samples(rng):
    for p in (None, 2, -2):
        yield Sample((well_conditioned(rng, 3), p), name=f"p={p}")
    yield Sample((_n(rng, 2, 3), None), name="wide")
    yield Sample((well_conditioned(rng, 2, batch=(2,)), -2), name="batch")
    yield Sample((noncontiguous(well_conditioned(rng, 3)), 2), name="noncontiguous")


def cond_norm_samples(rng):
    """The orders computed as ``norm(A) * norm(A^-1)``: PyTorch's own backward fails on them (it
    modifies the inverse it saved), so their gradients are checked by finite differences in
    tests/test_linalg.py instead."""
    for p in ("fro", "nuc", np.inf, -np.inf, 1, -1):
        yield Sample((well_conditioned(rng, 3), p), name=f"p={p}")
    yield Sample((well_conditioned(rng, 2, batch=(2,)), "fro"), name="batch")
    yield Sample((noncontiguous(well_conditioned(rng, 3)), 1), name="noncontiguous")


def _tensorinv_samples(rng):
    yield Sample((well_conditioned(rng, 4).reshape(4, 2, 2), 1), name="ind=1")
    yield Sample((well_conditioned(rng, 4).reshape(2, 2, 2, 2), 2), name="ind=2")
    yield Sample((well_conditioned(rng, 3), 1), name="matrix")


def _tensorsolve_samples(rng):
    yield Sample((well_conditioned(rng, 6).reshape(2, 3, 6), _n(rng, 2, 3)))
    yield Sample((well_conditioned(rng, 4).reshape(2, 2, 2, 2), _n(rng, 2, 2)), name="4-d")
    yield Sample((well_conditioned(rng, 6).reshape(6, 2, 3), _n(rng, 2, 3)), {"dims": (0,)}, name="dims")
    yield Sample((well_conditioned(rng, 6).reshape(6, 2, 3), _n(rng, 2, 3)), {"dims": (-3,)}, name="negative dims")


def _vander_samples(rng):
    yield Sample((_n(rng, 3),))
    yield Sample((_n(rng, 2, 3),), {"N": 4}, name="batch N=4")
    yield Sample((_n(rng, 4),), {"N": 2}, name="N=2")
    yield Sample((noncontiguous(_n(rng, 3)),), name="noncontiguous")


def _cholesky_inverse(m, a, **kw):
    return m.cholesky_inverse(m.linalg.cholesky(a @ a.transpose(-2, -1) + 3 * m.diag_embed(m.ones_like(a[..., 0]))),
                              **kw)


def _cholesky_factor_samples(rng):
    """The forward reads one triangle, but PyTorch hands the gradient to the whole input (a convention,
    not the derivative): compared with PyTorch, not with finite differences. The composition below
    checks the derivative."""
    convention = {"finite_differences": False}
    yield Sample((np.tril(well_conditioned(rng, 3)),), name="lower", **convention)
    yield Sample((np.triu(well_conditioned(rng, 3)),), {"upper": True}, name="upper", **convention)
    yield Sample((np.tril(well_conditioned(rng, 2, batch=(2,))),), name="batch", **convention)
    yield Sample((noncontiguous(np.tril(well_conditioned(rng, 3))),), name="noncontiguous", **convention)


def _householder_samples(rng):
    yield Sample((_n(rng, 3, 2), _n(rng, 2)), name="tall")
    yield Sample((_n(rng, 3, 3), _n(rng, 2)), name="fewer reflectors")
    yield Sample((_n(rng, 2, 2, 2), _n(rng, 2, 1)), name="batch")
    yield Sample((_n(rng, 2, 2), _n(rng, 0)), name="no reflectors")
    yield Sample((noncontiguous(_n(rng, 3, 2)), _n(rng, 2)), name="noncontiguous")


def _symmetric_indefinite(rng, n, batch=()):
    a = rng.standard_normal(batch + (n, n))
    return a + np.swapaxes(a, -1, -2)


def _ldl_samples(rng):
    yield Sample((_symmetric_indefinite(rng, 4),), name="indefinite")
    yield Sample((np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]),), name="2x2 blocks")
    yield Sample((_symmetric_indefinite(rng, 3, batch=(2, 2)),), name="batch")
    yield Sample((_symmetric_indefinite(rng, 1),), name="1x1")
    yield Sample((noncontiguous(_symmetric_indefinite(rng, 3)),), name="noncontiguous")
    yield Sample((_n(rng, 3, 3),), name="lower triangle read")
    yield Sample((_n(rng, 0, 0),), name="empty")


def _ldl_factor_ex_samples(rng):
    yield from _ldl_samples(rng)
    yield Sample((np.zeros((2, 3, 3)),), name="zero: info")


def _ldl_solve(m, a, b, **kw):
    LD, pivots = m.linalg.ldl_factor(a)
    return m.linalg.ldl_solve(LD, pivots, b, **kw)


def _ldl_solve_samples(rng):
    yield Sample((_symmetric_indefinite(rng, 4), _n(rng, 4, 2)))
    yield Sample((np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]), _n(rng, 3, 1)), name="2x2 blocks")
    yield Sample((_symmetric_indefinite(rng, 3, batch=(2,)), _n(rng, 3, 2)), name="broadcast B")
    yield Sample((_symmetric_indefinite(rng, 3), _n(rng, 2, 3, 1)), name="broadcast A")
    yield Sample((noncontiguous(_symmetric_indefinite(rng, 3)), noncontiguous(_n(rng, 3, 2))), name="noncontiguous")
    yield Sample((_symmetric_indefinite(rng, 2), _n(rng, 2, 0)), name="no right-hand sides")


OPS += [
    # PyTorch has no derivative for the LDL functions: tests/test_linalg_ldl.py checks the node that refuses
    OpInfo("linalg.ldl_factor", lambda m, a, **kw: m.linalg.ldl_factor(a, **kw), _ldl_samples, differentiable=False),
    OpInfo("linalg.ldl_factor_ex", lambda m, a, **kw: m.linalg.ldl_factor_ex(a, **kw), _ldl_factor_ex_samples,
           differentiable=False),
    OpInfo("linalg.ldl_solve", _ldl_solve, _ldl_solve_samples, differentiable=False),
    OpInfo("linalg.lu_factor", lambda m, a: m.linalg.lu_factor(a), _lu_samples),
    OpInfo("linalg.lu", lambda m, a: m.linalg.lu(a), _lu_samples),
    OpInfo("linalg.lu_solve", _lu_solve, _lu_solve_samples),
    OpInfo("linalg.lstsq", _lstsq, _lstsq_samples),
    # complex outputs: the table compares their values; tests/test_linalg.py checks their gradients
    OpInfo("linalg.eig", _eig, _eig_samples, differentiable=False),
    OpInfo("linalg.eigvals", lambda m, a: m.linalg.eigvals(a), _eig_samples, differentiable=False),
    OpInfo("linalg.cond", lambda m, a, p: m.linalg.cond(a, p), _cond_samples),
    OpInfo("linalg.cond norms", lambda m, a, p: m.linalg.cond(a, p), cond_norm_samples, differentiable=False),
    OpInfo("linalg.tensorinv", lambda m, a, ind: m.linalg.tensorinv(a, ind=ind), _tensorinv_samples,
           check_grad_fn=False),
    OpInfo("linalg.tensorsolve", lambda m, a, b, **kw: m.linalg.tensorsolve(a, b, **kw), _tensorsolve_samples),
    OpInfo("linalg.vander", lambda m, x, **kw: m.linalg.vander(x, **kw), _vander_samples),
    OpInfo("linalg.householder_product", lambda m, a, tau: m.linalg.householder_product(a, tau),
           _householder_samples),
    OpInfo("cholesky_inverse", lambda m, a, **kw: m.cholesky_inverse(a, **kw), _cholesky_factor_samples),
    OpInfo("cholesky_inverse of cholesky", _cholesky_inverse, _square_samples),
]
