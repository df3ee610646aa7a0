"""Op table entries for the core ops: arithmetic, the first elementwise functions, sum/mean,
views, basic indexing and matmul."""

import numpy as np

from . import OpInfo, Sample, noncontiguous, standard_shapes


def _unary_samples(low=-2.0, high=2.0):
    def samples(rng):
        for shape in standard_shapes():
            yield Sample((rng.uniform(low, high, shape),))
        yield Sample((noncontiguous(rng.uniform(low, high, (3, 4))),), name="noncontiguous")

    return samples


def _binary_samples(low=-2.0, high=2.0, scalar=1.5):
    def samples(rng):
        def u(*shape):
            return rng.uniform(low, high, shape)

        yield Sample((u(), u()), name="0-d")
        yield Sample((u(0), u(0)), name="empty")
        yield Sample((u(2, 3), u(2, 3)))
        yield Sample((u(2, 3), u(3)), name="broadcast row")
        yield Sample((u(4, 1, 3), u(2, 1)), name="broadcast both")
        yield Sample((u(2, 3), u()), name="with 0-d")
        yield Sample((noncontiguous(u(3, 4)), u(3, 4)), name="noncontiguous")
        yield Sample((u(2, 3), scalar), name="python number")

    return samples


def _positive(low=0.5, high=2.0):
    return _unary_samples(low, high)


def _sum_mean_samples(rng):
    yield Sample((rng.standard_normal(()),))
    yield Sample((rng.standard_normal((2, 3, 4)),))
    yield Sample((rng.standard_normal((2, 3, 4)), 1))
    yield Sample((rng.standard_normal((2, 3, 4)), -1), {"keepdim": True}, name="negative dim keepdim")
    yield Sample((rng.standard_normal((2, 3, 4)), (0, 2)))
    yield Sample((noncontiguous(rng.standard_normal((3, 4))), 0), name="noncontiguous")


def _sum_samples(rng):
    yield from _sum_mean_samples(rng)
    yield Sample((rng.standard_normal((0, 3)),), name="empty")
    yield Sample((rng.standard_normal((0, 3)), 0), name="empty dim")


def _matmul_samples(rng):
    n = rng.standard_normal
    yield Sample((n(3), n(3)), name="dot")
    yield Sample((n((2, 3)), n(3)), name="mv")
    yield Sample((n(3), n((3, 2))), name="vec @ mat")
    yield Sample((n((2, 3)), n((3, 4))), name="mm")
    yield Sample((n((5, 2, 3)), n((5, 3, 4))), name="bmm")
    yield Sample((n((2, 1, 2, 3)), n((3, 3, 2))), name="broadcast batch")
    yield Sample((n((5, 2, 3)), n(3)), name="batch @ vec")
    yield Sample((n(3), n((5, 3, 2))), name="vec @ batch")
    yield Sample((n((2, 3)), n((5, 3, 2))), name="mat @ batch")
    yield Sample((noncontiguous(n((2, 3))), n((3, 2))), name="noncontiguous")
    yield Sample((n((0, 3)), n((3, 2))), name="empty")


def _view_samples(rng):
    yield Sample((rng.standard_normal((2, 3)), (3, 2)))
    yield Sample((rng.standard_normal((2, 3)), (-1,)))
    yield Sample((rng.standard_normal(()), (1,)))
    yield Sample((rng.standard_normal((0, 3)), (3, 0)))


def _reshape_samples(rng):
    yield from _view_samples(rng)
    yield Sample((noncontiguous(rng.standard_normal((3, 4))), (12,)), name="noncontiguous copies")


def _transpose_samples(rng):
    yield Sample((rng.standard_normal((2, 3)), 0, 1))
    yield Sample((rng.standard_normal((2, 3, 4)), -1, 0))


def _permute_samples(rng):
    yield Sample((rng.standard_normal((2, 3, 4)), (2, 0, 1)))
    yield Sample((rng.standard_normal((2, 3)), (-1, 0)))


def _squeeze_samples(rng):
    yield Sample((rng.standard_normal((2, 1, 3, 1)),))
    yield Sample((rng.standard_normal((2, 1, 3)), 1))
    yield Sample((rng.standard_normal((2, 1, 3)), -2))


def _unsqueeze_samples(rng):
    yield Sample((rng.standard_normal((2, 3)), 0))
    yield Sample((rng.standard_normal((2, 3)), -1))
    yield Sample((rng.standard_normal(()), 0))


def _flatten_samples(rng):
    yield Sample((rng.standard_normal((2, 3, 4)),))
    yield Sample((rng.standard_normal((2, 3, 4)), 1))
    yield Sample((rng.standard_normal(()),))


def _expand_samples(rng):
    yield Sample((rng.standard_normal((3, 1)), (2, 3, 4)))
    yield Sample((rng.standard_normal(()), (3,)))
    yield Sample((rng.standard_normal((1, 3)), (-1, 3)))


def _getitem_samples(rng):
    x = rng.standard_normal((4, 5, 3))
    for index in [1, -1, (slice(1, 3),), (slice(None), 2), (0, 1), (slice(None, None, 2), Ellipsis, 1),
                  (None, 1), (Ellipsis, None), ([0, 2, 2],), (slice(None), [1, 1, 4]),
                  (np.array([True, False, True, True]),), ([0, 1], [1, 2])]:
        yield Sample((x, index), name=repr(index))


def _index(module, x, index):
    if isinstance(index, tuple):
        index = tuple(module.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    return x[index]


OPS = [
    OpInfo("add", lambda m, a, b, **kw: m.add(a, b, **kw), _binary_samples()),
    OpInfo("add alpha", lambda m, a, b: m.add(a, b, alpha=2.5), _binary_samples()),
    OpInfo("sub", lambda m, a, b: m.sub(a, b), _binary_samples()),
    OpInfo("rsub", lambda m, a: 2 - a, _unary_samples()),
    OpInfo("mul", lambda m, a, b: a * b, _binary_samples()),
    OpInfo("div", lambda m, a, b: a / b, _binary_samples(0.5, 2.0)),
    OpInfo("rdiv", lambda m, a: 2 / a, _positive()),
    OpInfo("pow scalar", lambda m, a: a ** 3, _unary_samples()),
    OpInfo("pow fractional", lambda m, a: a ** 0.5, _positive()),
    OpInfo("pow zero", lambda m, a: a ** 0, _unary_samples()),
    OpInfo("pow tensor", lambda m, a, b: a ** b, _binary_samples(0.5, 2.0)),
    OpInfo("rpow", lambda m, a: 2 ** a, _unary_samples()),
    OpInfo("neg", lambda m, a: -a, _unary_samples()),
    OpInfo("exp", lambda m, a: m.exp(a), _unary_samples()),
    OpInfo("log", lambda m, a: m.log(a), _positive()),
    OpInfo("sqrt", lambda m, a: m.sqrt(a), _positive()),
    OpInfo("abs", lambda m, a: m.abs(a), _positive()),
    OpInfo("sin", lambda m, a: m.sin(a), _unary_samples()),
    OpInfo("cos", lambda m, a: m.cos(a), _unary_samples()),
    OpInfo("tanh", lambda m, a: m.tanh(a), _unary_samples()),
    OpInfo("sigmoid", lambda m, a: m.sigmoid(a), _unary_samples()),
    OpInfo("relu", lambda m, a: m.relu(a), _positive()),
    OpInfo("reciprocal", lambda m, a: m.reciprocal(a), _positive()),
    OpInfo("where", lambda m, a, b: m.where(a > 0, a, b), _binary_samples()),
    OpInfo("sum", lambda m, a, *dim, **kw: a.sum(*dim, **kw), _sum_samples),
    OpInfo("mean", lambda m, a, *dim, **kw: a.mean(*dim, **kw), _sum_mean_samples),
    OpInfo("matmul", lambda m, a, b: a @ b, _matmul_samples),
    OpInfo("view", lambda m, a, shape: a.view(shape), _view_samples),
    OpInfo("reshape", lambda m, a, shape: a.reshape(shape), _reshape_samples),
    OpInfo("transpose", lambda m, a, d0, d1: a.transpose(d0, d1), _transpose_samples),
    OpInfo("t", lambda m, a: a.t(), lambda rng: [Sample((rng.standard_normal((2, 3)),))]),
    OpInfo("T", lambda m, a: a.T, lambda rng: [Sample((rng.standard_normal((2, 3)),))]),
    OpInfo("permute", lambda m, a, dims: a.permute(dims), _permute_samples),
    OpInfo("squeeze", lambda m, a, *dim: a.squeeze(*dim), _squeeze_samples),
    OpInfo("unsqueeze", lambda m, a, dim: a.unsqueeze(dim), _unsqueeze_samples),
    OpInfo("flatten", lambda m, a, *dims: a.flatten(*dims), _flatten_samples),
    OpInfo("expand", lambda m, a, shape: a.expand(shape), _expand_samples),
    OpInfo("getitem", _index, _getitem_samples),
]
