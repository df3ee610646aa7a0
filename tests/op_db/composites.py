"""Op table entries: ops written as compositions of other ops (grids, statistics, writes into a copy,
segment reductions, pre-linalg solvers, in-place shape changes) and the number functions beside them
(see tests/op_db/__init__.py).

Their backward nodes are those of the ops they are made of, so where PyTorch has a dedicated node
(``CdistBackward0``, ``SliceScatterBackward0``, ...) ``check_grad_fn`` is off; values, gradients and
finite differences are still checked.
"""

import numpy as np

from . import OpInfo, Sample, noncontiguous


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _long(values):
    return np.array(values, dtype=np.int64)


def _samples(*builders):
    """Samples from ``(name, builder, kwargs[, finite_differences])``; a builder maps ``rng`` to the positional
    args. ``finite_differences=False`` marks a rule that follows PyTorch's convention, not the derivative."""

    def samples(rng):
        for name, build, kwargs, *checked in builders:
            yield Sample(build(rng), kwargs, name, finite_differences=checked[0] if checked else True)

    return samples


def _distinct(rng, *shape):
    """Values far enough apart that max/min reductions have no ties."""
    count = int(np.prod(shape))
    return (rng.permutation(count) + rng.uniform(0.1, 0.4, count)).reshape(shape) / count


def _positive(rng, *shape):
    return rng.uniform(0.5, 2.0, shape)


def _lower(rng, n):
    return np.tril(rng.standard_normal((n, n))) + 3 * np.eye(n)


def _spd_factor(rng, n):
    """A Cholesky factor: lower triangular with a positive diagonal, well away from singular."""
    return np.tril(0.5 * rng.standard_normal((n, n)), -1) + np.diag(rng.uniform(1.0, 2.0, n))


OPS = [
    # grids and structured matrices
    OpInfo("meshgrid", lambda m, a, b, **kw: m.meshgrid(a, b, **kw), _samples(
        ("ij", lambda r: (_n(r, 3), _n(r, 2)), {"indexing": "ij"}),
        ("xy", lambda r: (_n(r, 3), _n(r, 2)), {"indexing": "xy"}),
        ("0-d", lambda r: (_n(r), _n(r, 2)), {"indexing": "ij"}))),
    OpInfo("broadcast_tensors", lambda m, a, b: m.broadcast_tensors(a, b), _samples(
        ("broadcast", lambda r: (_n(r, 3), _n(r, 2, 1)), {}),
        ("0-d", lambda r: (_n(r), _n(r, 2, 3)), {}))),
    OpInfo("cartesian_prod", lambda m, a, b: m.cartesian_prod(a, b), _samples(
        ("two", lambda r: (_n(r, 3), _n(r, 2)), {}),
        ("empty", lambda r: (_n(r, 0), _n(r, 2)), {})), check_grad_fn=False),
    OpInfo("combinations", lambda m, a, **kw: m.combinations(a, **kw), _samples(
        ("pairs", lambda r: (_n(r, 4),), {}),
        ("triples with replacement", lambda r: (_n(r, 3),), {"r": 3, "with_replacement": True})),
        check_grad_fn=False),
    OpInfo("block_diag", lambda m, a, b, c: m.block_diag(a, b, c), _samples(
        ("mixed", lambda r: (_n(r, 2, 2), _n(r), _n(r, 3)), {}),
        ("noncontiguous", lambda r: (noncontiguous(_n(r, 2, 3)), _n(r, 1, 2), _n(r, 0, 2)), {})),
        check_grad_fn=False),
    OpInfo("diagflat", lambda m, a, *args: m.diagflat(a, *args), _samples(
        ("vector", lambda r: (_n(r, 3),), {}),
        ("matrix offset", lambda r: (_n(r, 2, 2), 1), {}),
        ("negative offset", lambda r: (_n(r, 3), -2), {}))),
    # PyTorch's own vander fails at backward (a saved tensor modified in place): values only here, its
    # gradient is checked by finite differences in tests/test_api_breadth.py
    OpInfo("vander", lambda m, a, **kw: m.vander(a, **kw), _samples(
        ("default", lambda r: (_n(r, 3),), {}),
        ("increasing N", lambda r: (_n(r, 4),), {"N": 3, "increasing": True})), differentiable=False),
    # statistics and finite differences
    OpInfo("cov", lambda m, a, **kw: m.cov(a, **kw), _samples(
        ("matrix", lambda r: (_n(r, 3, 5),), {}),
        ("vector", lambda r: (_n(r, 6),), {}),
        ("correction 0", lambda r: (_n(r, 2, 4),), {"correction": 0}),
        ("noncontiguous", lambda r: (noncontiguous(_n(r, 2, 4)),), {})), check_grad_fn=False),
    OpInfo("cov weights", lambda m, a, f, w: m.cov(a, fweights=f, aweights=w), _samples(
        ("both", lambda r: (_n(r, 2, 4), _long([1, 2, 1, 3]), _positive(r, 4)), {})), grad_inputs=(0,),
        check_grad_fn=False),
    OpInfo("corrcoef", lambda m, a: m.corrcoef(a), _samples(
        ("matrix", lambda r: (_n(r, 3, 6),), {})), check_grad_fn=False),
    OpInfo("cdist", lambda m, a, b, **kw: m.cdist(a, b, **kw), _samples(
        ("euclid", lambda r: (_n(r, 3, 2), _n(r, 4, 2)), {}),
        ("p=1 batched", lambda r: (_n(r, 2, 3, 2), _n(r, 2, 4, 2)), {"p": 1.0}),
        ("p=3", lambda r: (_n(r, 3, 2), _n(r, 2, 2)), {"p": 3.0})), check_grad_fn=False),
    OpInfo("dist", lambda m, a, b, *args: m.dist(a, b, *args), _samples(
        ("2", lambda r: (_n(r, 3), _n(r, 3)), {}),
        ("broadcast 3", lambda r: (_n(r, 2, 3), _n(r, 3), 3), {})), check_grad_fn=False),
    OpInfo("renorm", lambda m, a, *args: m.renorm(a, *args), _samples(
        ("rows", lambda r: (_n(r, 3, 4) * 2, 2, 0, 1.0), {}),
        ("p=1 dim 1", lambda r: (_n(r, 2, 3, 2), 1, 1, 1.5), {})), check_grad_fn=False),
    OpInfo("diff", lambda m, a, **kw: m.diff(a, **kw), _samples(
        ("vector", lambda r: (_n(r, 5),), {}),
        ("n=2 dim 0", lambda r: (_n(r, 4, 3),), {"n": 2, "dim": 0})), check_grad_fn=False),
    OpInfo("diff prepend append", lambda m, a, p, q: m.diff(a, prepend=p, append=q), _samples(
        ("both", lambda r: (_n(r, 2, 3), _n(r, 2, 1), _n(r, 2, 2)), {})), check_grad_fn=False),
    OpInfo("gradient", lambda m, a, **kw: m.gradient(a, **kw), _samples(
        ("vector", lambda r: (_n(r, 5),), {}),
        ("spacing edge 2", lambda r: (_n(r, 4, 3),), {"spacing": 2.0, "edge_order": 2}),
        ("dim", lambda r: (_n(r, 3, 4),), {"dim": 1})), check_grad_fn=False),
    OpInfo("trapezoid", lambda m, a, *args, **kw: m.trapezoid(a, *args, **kw), _samples(
        ("dx", lambda r: (_n(r, 5),), {"dx": 0.5}),
        ("x", lambda r: (_n(r, 2, 4), np.array([0.0, 0.5, 1.5, 3.0])), {}),
        ("dim 0", lambda r: (_n(r, 3, 2),), {"dim": 0})), check_grad_fn=False),
    OpInfo("cumulative_trapezoid", lambda m, a, **kw: m.cumulative_trapezoid(a, **kw), _samples(
        ("vector", lambda r: (_n(r, 5),), {}),
        ("dx dim 0", lambda r: (_n(r, 3, 2),), {"dx": 2.0, "dim": 0}))),
    # number functions
    OpInfo("deg2rad", lambda m, a: m.deg2rad(a), _samples(("matrix", lambda r: (_n(r, 2, 3) * 90,), {}))),
    OpInfo("rad2deg", lambda m, a: m.rad2deg(a), _samples(("matrix", lambda r: (_n(r, 2, 3),), {}))),
    OpInfo("logaddexp", lambda m, a, b: m.logaddexp(a, b), _samples(
        ("broadcast", lambda r: (_n(r, 2, 3), _n(r, 3)), {}),
        ("0-d", lambda r: (_n(r), _n(r, 2)), {}))),
    OpInfo("logaddexp2", lambda m, a, b: m.logaddexp2(a, b), _samples(
        ("broadcast", lambda r: (_n(r, 2, 3), _n(r, 3)), {}))),
    OpInfo("ldexp", lambda m, a, b: m.ldexp(a, b), _samples(
        ("integer exponents", lambda r: (_n(r, 2, 3), _long([1, 0, 3])), {}),
        # PyTorch's rule raises 2 to a negative integer exponent in integers: 0
        ("negative integer exponents", lambda r: (_n(r, 2, 3), _long([1, -2, 3])), {}, False),
        ("float exponents", lambda r: (_n(r, 3), _n(r, 3)), {}))),
    OpInfo("float_power", lambda m, a, b: m.float_power(a, b), _samples(
        ("tensor exponent", lambda r: (_positive(r, 2, 3), _n(r, 3)), {}),
        ("number exponent", lambda r: (_n(r, 3), 2), {}))),
    # writes into a copy
    OpInfo("slice_scatter", lambda m, a, b, *args: m.slice_scatter(a, b, *args), _samples(
        ("step", lambda r: (_n(r, 3, 4), _n(r, 3, 2), 1, 0, 4, 2), {}),
        ("rows", lambda r: (_n(r, 4, 2), _n(r, 2, 2), 0, 1, 3), {})), check_grad_fn=False),
    OpInfo("select_scatter", lambda m, a, b, *args: m.select_scatter(a, b, *args), _samples(
        ("last row", lambda r: (_n(r, 3, 4), _n(r, 4), 0, -1), {}),
        ("column", lambda r: (_n(r, 3, 4), _n(r, 3), 1, 2), {})), check_grad_fn=False),
    OpInfo("diagonal_scatter", lambda m, a, b, *args: m.diagonal_scatter(a, b, *args), _samples(
        ("main", lambda r: (_n(r, 3, 3), _n(r, 3)), {}),
        ("offset", lambda r: (_n(r, 3, 4), _n(r, 3), 1), {})), check_grad_fn=False),
    OpInfo("as_strided", lambda m, a, *args: m.as_strided(a, *args), _samples(
        ("overlapping windows", lambda r: (_n(r, 6), (3, 2), (1, 1)), {}),
        ("transposed offset", lambda r: (_n(r, 3, 4), (2, 2), (1, 4), 1), {}))),
    OpInfo("as_strided_copy", lambda m, a, *args: m.as_strided_copy(a, *args), _samples(
        ("overlapping windows", lambda r: (_n(r, 6), (3, 2), (1, 1)), {}),
        ("transposed offset", lambda r: (_n(r, 3, 4), (2, 2), (1, 4), 1), {})), check_grad_fn=False),
    # PyTorch's gradient for input keeps the wrong region here: values only, finite differences in
    # tests/test_api_breadth.py
    OpInfo("as_strided_scatter", lambda m, a, b, *args: m.as_strided_scatter(a, b, *args), _samples(
        ("strided", lambda r: (_n(r, 3, 4), _n(r, 2, 2), (2, 2), (1, 4)), {})), differentiable=False),
    OpInfo("index_put", lambda m, a, b, c, **kw: m.index_put(a, (c,), b, **kw), _samples(
        ("rows", lambda r: (_n(r, 4, 2), _n(r, 2, 2), _long([3, 0])), {}),
        ("accumulate repeated", lambda r: (_n(r, 4, 2), _n(r, 3, 2), _long([1, 1, 2])), {"accumulate": True})),
        check_grad_fn=False),
    OpInfo("put", lambda m, a, b, c, **kw: a.put(c, b, **kw), _samples(
        ("flat", lambda r: (_n(r, 3, 4), _n(r, 2), _long([0, -1])), {}),
        ("accumulate", lambda r: (_n(r, 2, 3), _n(r, 3), _long([1, 1, 4])), {"accumulate": True})),
        check_grad_fn=False),
    OpInfo("masked_scatter", lambda m, a, b, c: a.masked_scatter(c, b), _samples(
        ("mask", lambda r: (_n(r, 2, 3), _n(r, 6), np.array([[True, False, True], [False, True, True]])), {}),
        ("broadcast mask", lambda r: (_n(r, 2, 3), _n(r, 5), np.array([True, False, True])), {})),
        check_grad_fn=False),
    OpInfo("scatter_reduce", lambda m, a, b, c, reduce, **kw: a.scatter_reduce(0, c, b, reduce, **kw), _samples(
        ("sum", lambda r: (_n(r, 3, 2), _n(r, 4, 2), _long([[0, 1], [0, 2], [2, 2], [0, 1]]), "sum"), {}),
        ("mean", lambda r: (_n(r, 3, 2), _n(r, 4, 2), _long([[0, 1], [0, 2], [2, 2], [0, 1]]), "mean"), {}),
        ("mean excluding self", lambda r: (_n(r, 3, 2), _n(r, 4, 2), _long([[0, 1], [0, 2], [2, 2], [0, 1]]), "mean"),
         {"include_self": False}),
        ("amax", lambda r: (_distinct(r, 3, 2), _distinct(r, 4, 2), _long([[0, 1], [0, 2], [2, 2], [0, 1]]), "amax"),
         {}),
        ("amin excluding self", lambda r: (_distinct(r, 3, 2), _distinct(r, 4, 2),
                                           _long([[0, 1], [0, 2], [2, 2], [0, 1]]), "amin"), {"include_self": False})),
        grad_inputs=(0, 1), check_grad_fn=False),
    OpInfo("scatter_reduce prod", lambda m, a, b, c: a.scatter_reduce(0, c, b, "prod"), _samples(
        ("prod", lambda r: (_positive(r, 3, 2), _positive(r, 4, 2), _long([[0, 1], [0, 2], [2, 2], [0, 1]])), {})),
        gradgrad=False, check_grad_fn=False),
    OpInfo("index_reduce", lambda m, a, b, c, reduce, **kw: a.index_reduce(0, c, b, reduce, **kw), _samples(
        ("mean", lambda r: (_n(r, 3, 2), _n(r, 2, 2), _long([0, 0]), "mean"), {}),
        ("amax", lambda r: (_distinct(r, 3, 2), _distinct(r, 2, 2), _long([2, 0]), "amax"), {"include_self": False})),
        grad_inputs=(0, 1), check_grad_fn=False, warns=r"index_reduce\(\) is in beta"),
    # other spellings
    OpInfo("addr", lambda m, a, b, c, **kw: m.addr(a, b, c, **kw), _samples(
        ("default", lambda r: (_n(r, 2, 3), _n(r, 2), _n(r, 3)), {}),
        ("beta alpha broadcast", lambda r: (_n(r, 3), _n(r, 2), _n(r, 3)), {"beta": 0.5, "alpha": 2.0})),
        check_grad_fn=False),
    OpInfo("repeat_interleave", lambda m, a, *args, **kw: m.repeat_interleave(a, *args, **kw), _samples(
        ("flat", lambda r: (_n(r, 2, 2), 2), {}),
        ("per row", lambda r: (_n(r, 3, 2), _long([1, 0, 2])), {"dim": 0}),
        ("negative dim", lambda r: (_n(r, 2, 3), 3), {"dim": -1})), check_grad_fn=False),
    OpInfo("channel_shuffle", lambda m, a, g: m.nn.functional.channel_shuffle(a, g), _samples(
        ("groups", lambda r: (_n(r, 2, 6, 2), 3), {})), check_grad_fn=False),
    OpInfo("sum_to_size", lambda m, a, *size: a.sum_to_size(*size), _samples(
        ("keep rows", lambda r: (_n(r, 2, 3), 2, 1), {}),
        ("leading", lambda r: (_n(r, 2, 3), 3), {}))),
    OpInfo("hsplit", lambda m, a, s: m.hsplit(a, s), _samples(
        ("sections", lambda r: (_n(r, 2, 4), 2), {}),
        ("indices", lambda r: (_n(r, 3, 5), [1, 3]), {}))),
    OpInfo("embedding_bag", lambda m, w, i, o, **kw: m.nn.functional.embedding_bag(i, w, o, **kw), _samples(
        ("mean", lambda r: (_n(r, 6, 3), _long([1, 2, 4, 5, 4, 3, 2, 0]), _long([0, 4])), {}),
        ("max with an empty bag", lambda r: (_distinct(r, 6, 3), _long([1, 2, 4, 5]), _long([0, 2, 2])),
         {"mode": "max"})), grad_inputs=(0,), check_grad_fn=False),
    OpInfo("embedding_bag weights", lambda m, w, i, o, p: m.nn.functional.embedding_bag(i, w, o, mode="sum",
                                                                                       per_sample_weights=p),
           _samples(("sum", lambda r: (_n(r, 6, 3), _long([1, 2, 4, 5]), _long([0, 1]), _n(r, 4)), {})),
           check_grad_fn=False),
    # pre-linalg solvers
    OpInfo("cholesky_solve", lambda m, b, L, **kw: m.cholesky_solve(b, L, **kw), _samples(
        # PyTorch's rule gives the unread triangle of the factor a gradient too
        ("lower", lambda r: (_n(r, 3, 2), _spd_factor(r, 3)), {}, False),
        ("upper", lambda r: (_n(r, 3, 2), _spd_factor(r, 3).T.copy()), {"upper": True}, False)),
        check_grad_fn=False),
    OpInfo("triangular_solve", lambda m, b, A, **kw: m.triangular_solve(b, A, **kw), _samples(
        ("upper", lambda r: (_n(r, 3, 2), _lower(r, 3).T.copy()), {}),
        ("lower transpose", lambda r: (_n(r, 3, 2), _lower(r, 3)), {"upper": False, "transpose": True})),
        check_grad_fn=False, warns=r"\w+\.triangular_solve is deprecated"),
    OpInfo("nuclear_norm", lambda m, a: m.nuclear_norm(a), _samples(
        ("matrix", lambda r: (_n(r, 3, 2),), {})), check_grad_fn=False, warns="at::nuclear_norm is deprecated"),
    OpInfo("norm_except_dim", lambda m, a, *args: m.norm_except_dim(a, *args), _samples(
        ("dim 0", lambda r: (_n(r, 3, 4), 2, 0), {}),
        ("dim 1", lambda r: (_n(r, 3, 4), 2, 1), {})), check_grad_fn=False),
    # in-place shape changes of a non-leaf
    OpInfo("unsqueeze_", lambda m, a: (a * 1).unsqueeze_(1), _samples(("matrix", lambda r: (_n(r, 2, 3),), {}))),
    OpInfo("t_", lambda m, a: (a * 1).t_(), _samples(("matrix", lambda r: (_n(r, 2, 3),), {}))),
    OpInfo("transpose_", lambda m, a: (a * 1).transpose_(0, 2), _samples(("3-d", lambda r: (_n(r, 2, 3, 2),), {}))),
    OpInfo("squeeze_", lambda m, a: (a * 1).squeeze_(), _samples(("ones", lambda r: (_n(r, 1, 3, 1),), {}))),
    OpInfo("tril_", lambda m, a: (a * 1).tril_(-1), _samples(("matrix", lambda r: (_n(r, 3, 3),), {}))),
]
