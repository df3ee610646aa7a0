"""Op table entries for the matrix products: ``@`` and the fixed-rank products, the fused ``add*`` products,
einsum, tensordot, kron, cross, matrix powers and exponentials, multi_dot (see tests/op_db/__init__.py)."""

from . import OpInfo, Sample, noncontiguous, well_conditioned


def _n(rng, *shape):
    return rng.standard_normal(shape)


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


OPS = [
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
        yield Sample((well_conditioned(rng, 3), n), name=f"n={n}")
    yield Sample((well_conditioned(rng, 2, batch=(2,)), 4), name="batch")


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


OPS += [
    OpInfo("cross", lambda m, a, b, **kw: m.linalg.cross(a, b, **kw), _cross_samples),
    OpInfo("torch.cross", lambda m, a, b, **kw: m.cross(a, b, **kw), _cross_samples,
           warns="Using torch.cross without specifying the dim arg is deprecated"),
    OpInfo("matrix_power", lambda m, a, n: m.linalg.matrix_power(a, n), _matrix_power_samples),
    OpInfo("matrix_exp", lambda m, a: m.linalg.matrix_exp(a), _matrix_exp_samples),
    OpInfo("torch.matrix_exp", lambda m, a: a.matrix_exp(), _matrix_exp_samples),
    OpInfo("multi_dot", lambda m, *ts: m.linalg.multi_dot(ts), _multi_dot_samples),
    OpInfo("vecdot", lambda m, a, b, **kw: m.linalg.vecdot(a, b, **kw), _vecdot_samples),
]
