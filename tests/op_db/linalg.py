"""Op table entries: matrix products, einsum and friends, and chainrule.linalg (see tests/op_db/__init__.py).

Decompositions are sampled on well-conditioned matrices with distinct eigenvalues and singular
values, where their derivatives are defined.
"""

import numpy as np

from . import OpInfo, Sample, noncontiguous


def _n(rng, *shape):
    return rng.standard_normal(shape)


# ---------------------------------------------------------------- products
def _addmm_samples(rng):
    yield Sample((_n(rng, 2, 4), _n(rng, 2, 3), _n(rng, 3, 4)))
    yield Sample((_n(rng, 4), _n(rng, 2, 3), _n(rng, 3, 4)), name="broadcast bias")
    yield Sample((_n(rng), _n(rng, 2, 3), _n(rng, 3, 2)), name="0-d input")
    yield Sample((_n(rng, 2, 4), _n(rng, 2, 3), _n(rng, 3, 4)), {"beta": 0.5, "alpha": 2.0}, name="beta alpha")
    yield Sample((_n(rng, 2, 4), noncontiguous(_n(rng, 2, 3)), _n(rng, 3, 4)), name="noncontiguous")
    yield Sample((_n(rng, 0, 2), _n(rng, 0, 3), _n(rng, 3, 2)), name="empty")


def _addmv_samples(rng):
    yield Sample((_n(rng, 2), _n(rng, 2, 3), _n(rng, 3)))
    yield Sample((_n(rng), _n(rng, 2, 3), _n(rng, 3)), {"beta": 2.0, "alpha": -1.5}, name="0-d input")
    yield Sample((_n(rng, 1), noncontiguous(_n(rng, 2, 3)), _n(rng, 3)), name="noncontiguous")


def _baddbmm_samples(rng):
    yield Sample((_n(rng, 2, 2, 2), _n(rng, 2, 2, 3), _n(rng, 2, 3, 2)))
    yield Sample((_n(rng, 2), _n(rng, 2, 2, 3), _n(rng, 2, 3, 2)), {"beta": 0.5, "alpha": 2.0}, name="broadcast")


def _addbmm_samples(rng):
    yield Sample((_n(rng, 2, 2), _n(rng, 2, 2, 3), _n(rng, 2, 3, 2)))
    yield Sample((_n(rng, 2), _n(rng, 2, 2, 3), _n(rng, 2, 3, 2)), {"beta": 0.5, "alpha": 2.0}, name="broadcast")


def _vectors(rng):
    yield Sample((_n(rng, 3), _n(rng, 3)))
    yield Sample((_n(rng, 0), _n(rng, 0)), name="empty")
    yield Sample((noncontiguous(_n(rng, 4)), _n(rng, 4)), name="noncontiguous")


def _outer_samples(rng):
    yield Sample((_n(rng, 3), _n(rng, 4)))
    yield Sample((_n(rng, 0), _n(rng, 2)), name="empty")
    yield Sample((noncontiguous(_n(rng, 3)), _n(rng, 2)), name="noncontiguous")


def _inner_samples(rng):
    yield Sample((_n(rng, 3), _n(rng, 3)))
    yield Sample((_n(rng, 2, 3), _n(rng, 4, 3)))
    yield Sample((_n(rng, 2, 3), _n(rng)), name="0-d")
    yield Sample((noncontiguous(_n(rng, 2, 3)), _n(rng, 3)), name="noncontiguous")


def _einsum_samples(rng):
    cases = [("ij,jk->ik", (2, 3), (3, 2)), ("ij,jk", (2, 3), (3, 2)), ("ii->i", (3, 3)), ("ii", (3, 3)),
             ("ij->j", (2, 3)), ("ji", (2, 3)), ("i,j->ij", (3,), (2,)), ("i,i->", (3,), (3,)),
             ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)), ("...ij,...jk->...ik", (2, 2, 3), (3, 2)),
             ("i,ij,j->", (2,), (2, 3), (3,)), ("iij->j", (2, 2, 3)), ("ij,i->j", (0, 3), (0,)),
             ("...,...->...", (2, 1), (1, 3)), ("i->", ()), ("ij,kj->ik", (2, 3), (1, 3))]
    for equation, *shapes in cases:
        if equation == "i->":
            yield Sample(("->", _n(rng)), name="0-d")
            continue
        yield Sample((equation, *[_n(rng, *s) for s in shapes]), name=equation)
    yield Sample(("ij,jk->ik", noncontiguous(_n(rng, 2, 3)), _n(rng, 3, 2)), name="noncontiguous")


def _tensordot_samples(rng):
    yield Sample((_n(rng, 2, 3, 2), _n(rng, 3, 2, 2)), {"dims": 2})
    yield Sample((_n(rng, 2, 3), _n(rng, 3, 2)), {"dims": 1})
    yield Sample((_n(rng, 2, 3), _n(rng, 2, 2)), {"dims": 0})
    yield Sample((_n(rng, 2, 3, 2), _n(rng, 2, 2, 3)), {"dims": ([1, -1], [2, 0])}, name="negative dims")
    yield Sample((noncontiguous(_n(rng, 2, 3)), _n(rng, 3, 2)), {"dims": 1}, name="noncontiguous")


def _kron_samples(rng):
    yield Sample((_n(rng, 2), _n(rng, 3)))
    yield Sample((_n(rng, 2, 2), _n(rng, 2, 3)))
    yield Sample((_n(rng, 3), _n(rng, 2, 2)), name="broadcast ranks")
    yield Sample((_n(rng), _n(rng)), name="0-d")
    yield Sample((_n(rng, 0, 2), _n(rng, 2)), name="empty")
    yield Sample((noncontiguous(_n(rng, 2, 2)), _n(rng, 2)), name="noncontiguous")


def _fixed_rank_samples(shapes):
    def samples(rng):
        for a, b in shapes:
            yield Sample((_n(rng, *a), _n(rng, *b)))
        a, b = shapes[0]
        yield Sample((noncontiguous(_n(rng, *a)), _n(rng, *b)), name="noncontiguous")

    return samples


PRODUCTS = [
    OpInfo("addmm", lambda m, c, a, b, **kw: m.addmm(c, a, b, **kw), _addmm_samples),
    OpInfo("addmv", lambda m, c, a, b, **kw: m.addmv(c, a, b, **kw), _addmv_samples),
    OpInfo("baddbmm", lambda m, c, a, b, **kw: m.baddbmm(c, a, b, **kw), _baddbmm_samples),
    OpInfo("addbmm", lambda m, c, a, b, **kw: m.addbmm(c, a, b, **kw), _addbmm_samples),
    OpInfo("mm", lambda m, a, b: m.mm(a, b), _fixed_rank_samples([((2, 3), (3, 2)), ((0, 3), (3, 2))])),
    OpInfo("mv", lambda m, a, b: m.mv(a, b), _fixed_rank_samples([((2, 3), (3,))])),
    OpInfo("bmm", lambda m, a, b: m.bmm(a, b), _fixed_rank_samples([((2, 2, 3), (2, 3, 2))])),
    OpInfo("dot", lambda m, a, b: m.dot(a, b), _vectors),
    OpInfo("vdot", lambda m, a, b: m.vdot(a, b), _vectors),
    OpInfo("outer", lambda m, a, b: m.outer(a, b), _outer_samples),
    OpInfo("ger", lambda m, a, b: m.ger(a, b), _outer_samples),
    OpInfo("inner", lambda m, a, b: m.inner(a, b), _inner_samples),
    OpInfo("einsum", lambda m, eq, *ops: m.einsum(eq, *ops), _einsum_samples),
    OpInfo("tensordot", lambda m, a, b, **kw: m.tensordot(a, b, **kw), _tensordot_samples),
    OpInfo("kron", lambda m, a, b: m.kron(a, b), _kron_samples),
]


def _cross_samples(rng):
    yield Sample((_n(rng, 3), _n(rng, 3)))
    yield Sample((_n(rng, 2, 3), _n(rng, 1, 3)), name="broadcast")
    yield Sample((_n(rng, 3, 2), _n(rng, 3, 2)), {"dim": 0}, name="dim 0")
    yield Sample((_n(rng, 3, 2), _n(rng, 3, 2)), {"dim": -2}, name="negative dim")
    yield Sample((noncontiguous(_n(rng, 2, 3)), _n(rng, 2, 3)), name="noncontiguous")


def _matrix_power_samples(rng):
    for n in (0, 1, 2, 3, 5, -1, -2):
        yield Sample((_well_conditioned(rng, 3), n), name=f"n={n}")
    yield Sample((_well_conditioned(rng, 2, batch=(2,)), 4), name="batch")


def _matrix_exp_samples(rng):
    yield Sample((_n(rng, 3, 3),))
    yield Sample((4 * _n(rng, 2, 2),), name="scaled and squared")
    yield Sample((_n(rng, 2, 2, 2),), name="batch")
    yield Sample((_n(rng, 1, 1),), name="1x1")
    yield Sample((_n(rng, 0, 0),), name="empty")
    yield Sample((noncontiguous(_n(rng, 3, 3)),), name="noncontiguous")


def _multi_dot_samples(rng):
    yield Sample((_n(rng, 2, 3), _n(rng, 3, 2)))
    yield Sample((_n(rng, 2, 3), _n(rng, 3, 1), _n(rng, 1, 3)), name="three")
    yield Sample((_n(rng, 3), _n(rng, 3, 2), _n(rng, 2, 3), _n(rng, 3)), name="vector ends")
    yield Sample((_n(rng, 2, 3), _n(rng, 3)), name="matrix vector")


def _vecdot_samples(rng):
    yield Sample((_n(rng, 3), _n(rng, 3)))
    yield Sample((_n(rng, 2, 3), _n(rng, 3)), name="broadcast")
    yield Sample((_n(rng, 3, 2), _n(rng, 3, 2)), {"dim": 0}, name="dim 0")


PRODUCTS += [
    OpInfo("cross", lambda m, a, b, **kw: m.linalg.cross(a, b, **kw), _cross_samples),
    OpInfo("torch.cross", lambda m, a, b, **kw: m.cross(a, b, **kw), _cross_samples),
    OpInfo("matrix_power", lambda m, a, n: m.linalg.matrix_power(a, n), _matrix_power_samples),
    OpInfo("matrix_exp", lambda m, a: m.linalg.matrix_exp(a), _matrix_exp_samples),
    OpInfo("torch.matrix_exp", lambda m, a: a.matrix_exp(), _matrix_exp_samples),
    OpInfo("multi_dot", lambda m, *ts: m.linalg.multi_dot(ts), _multi_dot_samples),
    OpInfo("vecdot", lambda m, a, b, **kw: m.linalg.vecdot(a, b, **kw), _vecdot_samples),
]


# ---------------------------------------------------------------- linalg
def _well_conditioned(rng, n, batch=()):
    """A random square matrix kept away from singular by a multiple of the identity."""
    return rng.standard_normal(batch + (n, n)) + 3 * np.eye(n)


def _square_samples(rng):
    yield Sample((_well_conditioned(rng, 3),))
    yield Sample((_well_conditioned(rng, 2, batch=(2,)),), name="batch")
    yield Sample((_well_conditioned(rng, 1),), name="1x1")
    yield Sample((noncontiguous(_well_conditioned(rng, 3)),), name="noncontiguous")


def _square_samples_with_empty(rng):
    yield from _square_samples(rng)
    yield Sample((_n(rng, 0, 0),), name="empty")


def _slogdet_samples(rng):
    yield from _square_samples(rng)
    yield Sample((-_well_conditioned(rng, 3),), name="negative det")


def _solve_samples(rng):
    a = _well_conditioned(rng, 3)
    yield Sample((a, _n(rng, 3)), name="vector")
    yield Sample((a, _n(rng, 3, 2)), name="matrix")
    yield Sample((_well_conditioned(rng, 3, batch=(2,)), _n(rng, 2, 3)), name="batch of vectors")
    yield Sample((_well_conditioned(rng, 2, batch=(2,)), _n(rng, 2, 3)), name="broadcast B")
    yield Sample((a, _n(rng, 2, 3)), {"left": False}, name="left=False")
    yield Sample((noncontiguous(a), _n(rng, 3)), name="noncontiguous")


def _solve_triangular_samples(rng):
    a = _well_conditioned(rng, 3)
    yield Sample((a, _n(rng, 3, 2)), {"upper": False}, name="lower")
    yield Sample((a, _n(rng, 3, 2)), {"upper": True}, name="upper")
    yield Sample((a, _n(rng, 2, 3)), {"upper": True, "left": False}, name="right")
    yield Sample((a, _n(rng, 3, 1)), {"upper": False, "unitriangular": True}, name="unit diagonal")
    yield Sample((_well_conditioned(rng, 2, batch=(2,)), _n(rng, 2, 1)), {"upper": False}, name="broadcast")
    yield Sample((noncontiguous(a), _n(rng, 3, 2)), {"upper": True, "left": True}, name="noncontiguous")


def _rectangular_samples(rng):
    for shape in [(3, 2), (2, 3), (3, 3), (2, 3, 2)]:
        yield Sample((_n(rng, *shape),), name=str(shape))
    yield Sample((noncontiguous(_n(rng, 3, 2)),), name="noncontiguous")


def _symmetric(module, a):
    return a + a.transpose(-2, -1)


def _spd(module, a):
    return a @ a.transpose(-2, -1) + 3 * module.eye(a.shape[-1], dtype=a.dtype)


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


LINALG = [
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

OPS = PRODUCTS + LINALG
