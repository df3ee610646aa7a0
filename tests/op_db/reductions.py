"""Op table entries: reductions, norms, scans and ordering ops (see tests/op_db/__init__.py).

Samples use distinct random values so that the indices an op returns are unambiguous; ties,
zeros and nan have their own focused tests in tests/test_reductions.py.
"""

import math

import numpy as np

from . import OpInfo, Sample, noncontiguous


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _dim_samples(rng, keepdim=True, empty=True):
    """The shapes and dims every reduction over ``dim`` is sampled on."""
    yield Sample((_n(rng),), name="0-d")
    yield Sample((_n(rng, 2, 3),), name="all")
    yield Sample((_n(rng, 2, 3), 1), name="dim")
    yield Sample((_n(rng, 2, 3, 2), -1), {"keepdim": True} if keepdim else {}, name="negative dim")
    yield Sample((noncontiguous(_n(rng, 3, 4)), 0), name="noncontiguous")
    if empty:
        yield Sample((_n(rng, 0, 3), 1), name="empty")


def _multi_dim_samples(rng):
    yield from _dim_samples(rng)
    yield Sample((_n(rng, 2, 3, 2), (0, 2)), name="dims")
    yield Sample((_n(rng, 2, 3), (-1, 0)), {"keepdim": True}, name="dims keepdim")


def _reduce_all_samples(rng):
    yield Sample((_n(rng),), name="0-d")
    yield Sample((_n(rng, 2, 3),))
    yield Sample((noncontiguous(_n(rng, 3, 4)),), name="noncontiguous")


def _prod_samples(rng):
    yield from _dim_samples(rng)
    yield Sample((np.array([0.0, 2.0, 3.0]),), name="one zero")
    yield Sample((np.array([[0.0, 2.0, 0.0], [1.5, 0.0, -2.0]]), 1), name="zeros")
    yield Sample((np.array([[0.0, 2.0, 0.0], [1.5, -1.0, -2.0]]),), name="two zeros")


def _nan_free_samples(rng):
    yield Sample((_n(rng, 2, 3),))
    yield Sample((_n(rng, 2, 3), 1))
    yield Sample((_n(rng, 2, 3, 2), (0, -1)), {"keepdim": True}, name="dims keepdim")


def _var_samples(rng):
    yield Sample((_n(rng, 2, 3),), name="all")
    yield Sample((_n(rng, 2, 3), 1), name="dim")
    yield Sample((_n(rng, 2, 3, 2), (0, -1)), {"keepdim": True}, name="dims keepdim")
    yield Sample((_n(rng, 3, 4),), {"correction": 0}, name="correction 0")
    yield Sample((_n(rng, 2, 4), 1, False), name="unbiased=False")
    yield Sample((noncontiguous(_n(rng, 3, 4)), 0), {"correction": 2}, name="noncontiguous")


def _logsumexp_samples(rng):
    yield Sample((_n(rng), 0), name="0-d")
    yield Sample((_n(rng, 2, 3), 1))
    yield Sample((_n(rng, 2, 3, 2), (0, -1)), {"keepdim": True}, name="dims keepdim")
    yield Sample((noncontiguous(_n(rng, 3, 4)), 0), name="noncontiguous")
    yield Sample((_n(rng, 0, 3), 0), name="empty")
    yield Sample((_n(rng, 2, 3) * 100 + 1000, 1), name="large")


def _norm_samples(ord):
    def samples(rng):
        yield Sample((_n(rng),), {"ord": ord}, name="0-d")
        yield Sample((_n(rng, 2, 3),), {"ord": ord}, name="all")
        yield Sample((_n(rng, 2, 3),), {"ord": ord, "dim": 1}, name="dim")
        yield Sample((_n(rng, 2, 3, 2),), {"ord": ord, "dim": (0, -1), "keepdim": True}, name="dims keepdim")
        yield Sample((noncontiguous(_n(rng, 3, 4)),), {"ord": ord, "dim": 0}, name="noncontiguous")
        if not math.isinf(ord):
            yield Sample((_n(rng, 0, 3),), {"ord": ord}, name="empty")

    return samples


def _scan_samples(rng):
    yield Sample((_n(rng), 0), name="0-d")
    yield Sample((_n(rng, 5), 0))
    yield Sample((_n(rng, 2, 3), -1), name="negative dim")
    yield Sample((_n(rng, 2, 3, 2), 1))
    yield Sample((noncontiguous(_n(rng, 3, 4)), 0), name="noncontiguous")
    yield Sample((_n(rng, 0, 3), 0), name="empty")


def _cumprod_samples(rng):
    yield from _scan_samples(rng)
    yield Sample((np.array([2.0, 0.0, 3.0]), 0), name="zero")
    yield Sample((np.array([[2.0, 0.0, 3.0, 0.0], [0.5, -1.5, 0.0, 2.0]]), 1), name="zeros")


def _sort_samples(rng):
    yield Sample((_n(rng),), name="0-d")
    yield Sample((_n(rng, 5),))
    yield Sample((_n(rng, 2, 3), 0))
    yield Sample((_n(rng, 2, 3), -1, True), name="descending")
    yield Sample((noncontiguous(_n(rng, 3, 4)),), name="noncontiguous")
    yield Sample((_n(rng, 0, 3), 1), name="empty")


def _topk_samples(rng):
    yield Sample((_n(rng), 1), name="0-d")
    yield Sample((_n(rng, 5), 2))
    yield Sample((_n(rng, 2, 4), 3, 1))
    yield Sample((_n(rng, 3, 2), 2, 0), {"largest": False}, name="smallest")
    yield Sample((noncontiguous(_n(rng, 3, 4)), 2), name="noncontiguous")
    yield Sample((_n(rng, 2, 3), 0), name="k=0")


def _kthvalue_samples(rng):
    yield Sample((_n(rng), 1), name="0-d")
    yield Sample((_n(rng, 5), 2))
    yield Sample((_n(rng, 2, 4), 3, 1))
    yield Sample((_n(rng, 3, 2), 2, 0), {"keepdim": True}, name="keepdim")
    yield Sample((noncontiguous(_n(rng, 3, 4)), 4, -1), name="noncontiguous")


def _median_samples(rng):
    yield Sample((_n(rng),), name="0-d")
    yield Sample((_n(rng, 5),), name="odd")
    yield Sample((_n(rng, 2, 3),), name="even")
    yield Sample((_n(rng, 2, 4), 1), name="dim even")
    yield Sample((_n(rng, 3, 2), -2), {"keepdim": True}, name="keepdim")
    yield Sample((noncontiguous(_n(rng, 3, 4)), 0), name="noncontiguous")


def _values(result):
    """The differentiable part of a (values, indices) result, with the indices to compare."""
    return tuple(result)


def _vector_norm(module, a, **kwargs):
    if module.__name__ == "torch":
        return module.linalg.vector_norm(a, **kwargs)
    from chainrule._ops.norms import vector_norm

    return vector_norm(a, **kwargs)


def _stable_sort(module, a, dim=-1, descending=False):
    return tuple(module.sort(a, stable=True, dim=dim, descending=descending))


def _maybe_values(result):
    return tuple(result) if isinstance(result, tuple) else result

OPS = [
    OpInfo("nansum", lambda m, a, *dim, **kw: m.nansum(a, *dim, **kw), _multi_dim_samples),
    OpInfo("nanmean", lambda m, a, *dim, **kw: m.nanmean(a, *dim, **kw), _nan_free_samples),
    OpInfo("prod", lambda m, a, *dim, **kw: a.prod(*dim, **kw), _prod_samples),
    OpInfo("var", lambda m, a, *args, **kw: a.var(*args, **kw), _var_samples),
    OpInfo("std", lambda m, a, *args, **kw: m.std(a, *args, **kw), _var_samples),
    OpInfo("var_mean", lambda m, a, *args, **kw: m.var_mean(a, *args, **kw), _var_samples),
    OpInfo("std_mean", lambda m, a, *args, **kw: m.std_mean(a, *args, **kw), _var_samples),
    OpInfo("max", lambda m, a: a.max(), _reduce_all_samples),
    OpInfo("min", lambda m, a: m.min(a), _reduce_all_samples),
    OpInfo("max dim", lambda m, a, *dim, **kw: _values(a.max(*dim, **kw)),
           lambda rng: (s for s in _dim_samples(rng) if len(s.args) > 1)),
    OpInfo("min dim", lambda m, a, *dim, **kw: _values(m.min(a, *dim, **kw)),
           lambda rng: (s for s in _dim_samples(rng) if len(s.args) > 1)),
    OpInfo("amax", lambda m, a, *dim, **kw: a.amax(*dim, **kw), _multi_dim_samples),
    OpInfo("amin", lambda m, a, *dim, **kw: m.amin(a, *dim, **kw), _multi_dim_samples),
    OpInfo("aminmax", lambda m, a, *dim, **kw: _values(m.aminmax(a, dim=dim[0] if dim else None, **kw)),
           lambda rng: (s for s in _dim_samples(rng) if s.name != "empty")),
    OpInfo("argmax", lambda m, a, *dim, **kw: a.argmax(*dim, **kw), _dim_samples, differentiable=False),
    OpInfo("argmin", lambda m, a, *dim, **kw: m.argmin(a, *dim, **kw), _dim_samples, differentiable=False),
    OpInfo("logsumexp", lambda m, a, dim, **kw: a.logsumexp(dim, **kw), _logsumexp_samples),
    OpInfo("vector_norm 2", lambda m, a, **kw: _vector_norm(m, a, **kw), _norm_samples(2)),
    OpInfo("vector_norm 1", lambda m, a, **kw: _vector_norm(m, a, **kw), _norm_samples(1)),
    OpInfo("vector_norm 3", lambda m, a, **kw: _vector_norm(m, a, **kw), _norm_samples(3)),
    OpInfo("vector_norm 1.5", lambda m, a, **kw: _vector_norm(m, a, **kw), _norm_samples(1.5)),
    OpInfo("vector_norm 0.5", lambda m, a, **kw: _vector_norm(m, a, **kw), _norm_samples(0.5)),
    OpInfo("vector_norm inf", lambda m, a, **kw: _vector_norm(m, a, **kw), _norm_samples(math.inf)),
    OpInfo("vector_norm -inf", lambda m, a, **kw: _vector_norm(m, a, **kw), _norm_samples(-math.inf)),
    OpInfo("norm", lambda m, a, **kw: a.norm(kw.pop("ord"), **kw), _norm_samples(2)),
    OpInfo("norm fro", lambda m, a, **kw: m.norm(a, "fro", kw.get("dim"), kw.get("keepdim", False)),
           _norm_samples(2)),
    OpInfo("cumsum", lambda m, a, dim: a.cumsum(dim), _scan_samples),
    OpInfo("cumprod", lambda m, a, dim: m.cumprod(a, dim), _cumprod_samples),
    OpInfo("cummax", lambda m, a, dim: _values(a.cummax(dim)), _scan_samples),
    OpInfo("cummin", lambda m, a, dim: _values(m.cummin(a, dim)), _scan_samples),
    OpInfo("logcumsumexp", lambda m, a, dim: a.logcumsumexp(dim), _scan_samples),
    OpInfo("sort", lambda m, a, *args: _values(a.sort(*args)), _sort_samples),
    OpInfo("sort stable", _stable_sort, _sort_samples),
    OpInfo("argsort", lambda m, a, *args: a.argsort(*args), _sort_samples, differentiable=False),
    OpInfo("msort", lambda m, a: m.msort(a), lambda rng: (s for s in _sort_samples(rng) if len(s.args) == 1)),
    OpInfo("topk", lambda m, a, *args, **kw: _values(a.topk(*args, **kw)), _topk_samples),
    OpInfo("kthvalue", lambda m, a, *args, **kw: _values(m.kthvalue(a, *args, **kw)), _kthvalue_samples),
    OpInfo("median", lambda m, a, *dim, **kw: _maybe_values(a.median(*dim, **kw)), _median_samples),
    OpInfo("nanmedian", lambda m, a, *dim, **kw: _maybe_values(m.nanmedian(a, *dim, **kw)), _median_samples),
    OpInfo("mode", lambda m, a, *dim, **kw: _values(a.mode(*dim, **kw)),
           lambda rng: (s for s in _median_samples(rng) if len(s.args) > 1)),
    OpInfo("all", lambda m, a, *dim, **kw: a.all(*dim, **kw), _multi_dim_samples, differentiable=False),
    OpInfo("any", lambda m, a, *dim, **kw: m.any(a > 0, *dim, **kw), _multi_dim_samples, differentiable=False),
    OpInfo("count_nonzero", lambda m, a, *dim: m.count_nonzero(a > 0, *dim),
           lambda rng: (Sample(s.args) for s in _multi_dim_samples(rng)), differentiable=False),
]

