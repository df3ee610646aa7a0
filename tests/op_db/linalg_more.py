"""Op table entries for the later chainrule.linalg functions: LU, least squares, eig, cond, tensor
inverse and solve, Vandermonde matrices and cholesky_inverse (see tests/op_db/__init__.py).

Matrices are kept well-conditioned (a multiple of the identity added) so that pivots, ranks and
derivatives are stable; the eigenvalue samples have distinct eigenvalues.
"""

import numpy as np

from . import OpInfo, Sample, noncontiguous


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _well_conditioned(rng, n, batch=()):
    return rng.standard_normal(batch + (n, n)) + 3 * np.eye(n)


def _square_samples(rng):
    yield Sample((_well_conditioned(rng, 3),))
    yield Sample((_well_conditioned(rng, 2, batch=(2,)),), name="batch")
    yield Sample((_well_conditioned(rng, 1),), name="1x1")
    yield Sample((noncontiguous(_well_conditioned(rng, 3)),), name="noncontiguous")


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
    yield Sample((_well_conditioned(rng, 3), _n(rng, 3, 1)), {"rcond": 1e-3, "driver": "gelsd"}, name="square rcond")
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
        yield Sample((_well_conditioned(rng, 3), p), name=f"p={p}")
    yield Sample((_n(rng, 2, 3), None), name="wide")
    yield Sample((_well_conditioned(rng, 2, batch=(2,)), -2), name="batch")
    yield Sample((noncontiguous(_well_conditioned(rng, 3)), 2), name="noncontiguous")


def cond_norm_samples(rng):
    """The orders computed as ``norm(A) * norm(A^-1)``: PyTorch's own backward fails on them (it
    modifies the inverse it saved), so their gradients are checked by finite differences in
    tests/test_linalg_more.py instead."""
    for p in ("fro", "nuc", np.inf, -np.inf, 1, -1):
        yield Sample((_well_conditioned(rng, 3), p), name=f"p={p}")
    yield Sample((_well_conditioned(rng, 2, batch=(2,)), "fro"), name="batch")
    yield Sample((noncontiguous(_well_conditioned(rng, 3)), 1), name="noncontiguous")


def _tensorinv_samples(rng):
    yield Sample((_well_conditioned(rng, 4).reshape(4, 2, 2), 1), name="ind=1")
    yield Sample((_well_conditioned(rng, 4).reshape(2, 2, 2, 2), 2), name="ind=2")
    yield Sample((_well_conditioned(rng, 3), 1), name="matrix")


def _tensorsolve_samples(rng):
    yield Sample((_well_conditioned(rng, 6).reshape(2, 3, 6), _n(rng, 2, 3)))
    yield Sample((_well_conditioned(rng, 4).reshape(2, 2, 2, 2), _n(rng, 2, 2)), name="4-d")
    yield Sample((_well_conditioned(rng, 6).reshape(6, 2, 3), _n(rng, 2, 3)), {"dims": (0,)}, name="dims")
    yield Sample((_well_conditioned(rng, 6).reshape(6, 2, 3), _n(rng, 2, 3)), {"dims": (-3,)}, name="negative dims")


def _vander_samples(rng):
    yield Sample((_n(rng, 3),))
    yield Sample((_n(rng, 2, 3),), {"N": 4}, name="batch N=4")
    yield Sample((_n(rng, 4),), {"N": 2}, name="N=2")
    yield Sample((noncontiguous(_n(rng, 3)),), name="noncontiguous")


def _cholesky_inverse(m, a, **kw):
    return m.cholesky_inverse(m.linalg.cholesky(a @ a.transpose(-2, -1) + 3 * m.eye(a.shape[-1], dtype=a.dtype)),
                              **kw)


def _cholesky_factor_samples(rng):
    """The forward reads one triangle, but PyTorch hands the gradient to the whole input (a convention,
    not the derivative): compared with PyTorch, not with finite differences. The composition below
    checks the derivative."""
    convention = {"finite_differences": False}
    yield Sample((np.tril(_well_conditioned(rng, 3)),), name="lower", **convention)
    yield Sample((np.triu(_well_conditioned(rng, 3)),), {"upper": True}, name="upper", **convention)
    yield Sample((np.tril(_well_conditioned(rng, 2, batch=(2,))),), name="batch", **convention)
    yield Sample((noncontiguous(np.tril(_well_conditioned(rng, 3))),), name="noncontiguous", **convention)


def _householder_samples(rng):
    yield Sample((_n(rng, 3, 2), _n(rng, 2)), name="tall")
    yield Sample((_n(rng, 3, 3), _n(rng, 2)), name="fewer reflectors")
    yield Sample((_n(rng, 2, 2, 2), _n(rng, 2, 1)), name="batch")
    yield Sample((_n(rng, 2, 2), _n(rng, 0)), name="no reflectors")
    yield Sample((noncontiguous(_n(rng, 3, 2)), _n(rng, 2)), name="noncontiguous")


OPS = [
    OpInfo("linalg.lu_factor", lambda m, a: m.linalg.lu_factor(a), _lu_samples),
    OpInfo("linalg.lu", lambda m, a: m.linalg.lu(a), _lu_samples),
    OpInfo("linalg.lu_solve", _lu_solve, _lu_solve_samples),
    OpInfo("linalg.lstsq", _lstsq, _lstsq_samples),
    # complex outputs: the table compares their values; tests/test_linalg_more.py checks their gradients
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
