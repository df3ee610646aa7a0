"""Op table entries: nn.functional activations, the softmax family, dropout, linear maps, distances
and attention (see tests/op_db/__init__.py); the losses are in nn_losses.py."""

import numpy as np

from . import OpInfo, Sample, noncontiguous, standard_shapes
from .nn_losses import LOSS_OPS


def _F(module):
    return module.nn.functional


def _unary_samples(low=-3.0, high=3.0, kwargs_variants=({},)):
    """0-d, empty, vector, matrix and non-contiguous inputs, once per keyword variant."""

    def samples(rng):
        for kwargs in kwargs_variants:
            for shape in standard_shapes():
                yield Sample((rng.uniform(low, high, shape),), dict(kwargs))
            yield Sample((noncontiguous(rng.uniform(low, high, (3, 4))),), dict(kwargs), name="noncontiguous")

    return samples


def _activation(name, low=-3.0, high=3.0, kwargs_variants=({},), **options):
    def call(module, x, **kwargs):
        return getattr(_F(module), name)(x, **kwargs)

    return OpInfo(f"F.{name}", call, _unary_samples(low, high, kwargs_variants), **options)


ACTIVATIONS = [
    _activation("relu"),
    _activation("relu6", -2.0, 8.0),
    _activation("leaky_relu", kwargs_variants=({}, {"negative_slope": 0.2})),
    _activation("elu", kwargs_variants=({}, {"alpha": 0.5})),
    _activation("selu"),
    _activation("celu", kwargs_variants=({}, {"alpha": 2.0})),
    _activation("gelu", kwargs_variants=({}, {"approximate": "tanh"})),
    _activation("silu"),
    _activation("mish"),
    _activation("softplus", kwargs_variants=({}, {"beta": 2.0, "threshold": 3.0})),
    _activation("softsign"),
    _activation("hardtanh", kwargs_variants=({}, {"min_val": -0.5, "max_val": 2.0})),
    _activation("hardsigmoid", -5.0, 5.0),
    _activation("hardswish", -5.0, 5.0),
    _activation("logsigmoid"),
    _activation("tanhshrink"),
    _activation("softshrink", kwargs_variants=({}, {"lambd": 1.0})),
    _activation("hardshrink", kwargs_variants=({}, {"lambd": 1.0})),
    _activation("rrelu", kwargs_variants=({}, {"lower": 0.2, "upper": 0.4})),
    _activation("sigmoid"),
    _activation("tanh"),
]


def _threshold_samples(rng):
    for shape in standard_shapes():
        yield Sample((rng.uniform(-2, 2, shape), 0.5, -1.0))
    yield Sample((noncontiguous(rng.uniform(-2, 2, (3, 4))), 0.0, 3.0), name="noncontiguous")


def _prelu_samples(rng):
    u = rng.uniform
    yield Sample((u(-2, 2, (2, 3)), u(0, 1, (1,))), name="one slope")
    yield Sample((u(-2, 2, (2, 3)), u(0, 1, (3,))), name="slope per channel")
    yield Sample((u(-2, 2, (2, 3, 2)), u(0, 1, (3,))), name="3-d")
    yield Sample((u(-2, 2, (4,)), u(0, 1, (1,))), name="1-d")
    yield Sample((u(-2, 2, ()), u(0, 1, (1,))), name="0-d")
    yield Sample((noncontiguous(u(-2, 2, (3, 4))), u(0, 1, (4,))), name="noncontiguous")


def _glu_samples(rng):
    yield Sample((rng.standard_normal((2, 4)),))
    yield Sample((rng.standard_normal((4, 3)), 0))
    yield Sample((rng.standard_normal((2, 2, 2)), -2), name="negative dim")
    yield Sample((rng.standard_normal((0, 2)),), name="empty")
    yield Sample((noncontiguous(rng.standard_normal((3, 4))), 1), name="noncontiguous")


def _softmax_samples(rng):
    n = rng.standard_normal
    yield Sample((n(()), 0), name="0-d")
    yield Sample((n((0, 3)), 1), name="empty")
    yield Sample((n(5), 0))
    yield Sample((n((2, 3)), 1))
    yield Sample((n((2, 3, 2)), -1), name="negative dim")
    yield Sample((n((2, 3)), 0), {"dtype": "float64"}, name="dtype")
    yield Sample((n((2, 3)) * 1000, 1), name="large values")
    yield Sample((noncontiguous(n((3, 4))), 0), name="noncontiguous")


def _with_dtype(fn):
    def call(module, x, dim, dtype=None):
        return fn(module)(x, dim, dtype=None if dtype is None else getattr(module, dtype))

    return call


SOFTMAX = [
    OpInfo("F.softmax", _with_dtype(lambda m: _F(m).softmax), _softmax_samples),
    OpInfo("F.log_softmax", _with_dtype(lambda m: _F(m).log_softmax), _softmax_samples),
    OpInfo("F.softmin", _with_dtype(lambda m: _F(m).softmin), _softmax_samples),
    OpInfo("Tensor.softmax", lambda m, x, dim, dtype=None: x.softmax(dim), _softmax_samples),
    OpInfo("Tensor.log_softmax", lambda m, x, dim, dtype=None: x.log_softmax(dim), _softmax_samples),
    OpInfo("F.threshold", lambda m, x, threshold, value: _F(m).threshold(x, threshold, value), _threshold_samples),
    OpInfo("F.prelu", lambda m, x, w: _F(m).prelu(x, w), _prelu_samples),
    OpInfo("F.glu", lambda m, x, *dim: _F(m).glu(x, *dim), _glu_samples),
]


def _dropout_samples(rng):
    x = rng.standard_normal((2, 3))
    yield Sample((x,), {"training": False}, name="eval")
    yield Sample((x,), {"p": 0.0}, name="p=0")
    yield Sample((x,), {"p": 1.0}, name="p=1")


DROPOUT = [
    OpInfo("F.dropout", lambda m, x, **kw: _F(m).dropout(x, **kw), _dropout_samples),
    OpInfo("F.alpha_dropout", lambda m, x, **kw: _F(m).alpha_dropout(x, **kw), _dropout_samples),
]


def _linear_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 3)), n((4, 3)), n(4)), name="with bias")
    yield Sample((n((2, 3)), n((4, 3))), name="without bias")
    yield Sample((n((2, 2, 3)), n((2, 3)), n(2)), name="3-d with bias")
    yield Sample((n((2, 2, 3)), n((2, 3))), name="3-d without bias")
    yield Sample((n(3), n((2, 3)), n(2)), name="1-d with bias")
    yield Sample((n((0, 3)), n((2, 3)), n(2)), name="empty")
    yield Sample((noncontiguous(n((2, 3))), n((2, 3)), n(2)), name="noncontiguous")


def _bilinear_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 2)), n((2, 3)), n((2, 2, 3)), n(2)), name="with bias")
    yield Sample((n((2, 2)), n((2, 3)), n((2, 2, 3))), name="without bias")
    yield Sample((n((2, 1, 2)), n((2, 1, 3)), n((2, 2, 3)), n(2)), name="3-d")


def _pair_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 3)), n((2, 3))))
    yield Sample((n((2, 3)), n(3)), name="broadcast")
    yield Sample((n((2, 3)), n((2, 3))), {"dim": 0}, name="dim 0")
    yield Sample((n((2, 3)), n((2, 3))), {"dim": -1}, name="negative dim")
    yield Sample((noncontiguous(n((3, 4))), n((3, 4))), name="noncontiguous")


def _distance_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 3)), n((2, 3))))
    yield Sample((n((2, 3)), n(3)), name="broadcast")
    yield Sample((n((2, 3)), n((2, 3))), {"p": 1.0}, name="p=1")
    yield Sample((n((2, 3)), n((2, 3))), {"p": 3.0, "keepdim": True}, name="p=3 keepdim")
    yield Sample((n((2, 3)), n((2, 3))), {"p": float("inf")}, name="p=inf")
    yield Sample((n(4), n(4)), name="1-d")
    yield Sample((noncontiguous(n((3, 4))), n((3, 4))), name="noncontiguous")


def _normalize_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 3)),))
    yield Sample((n((2, 3)),), {"p": 1.0, "dim": 0})
    yield Sample((n((2, 3, 2)),), {"dim": -1}, name="negative dim")
    yield Sample((n(4),), {"dim": 0}, name="1-d")
    yield Sample((np.zeros((2, 3)),), name="zeros", finite_differences=False)  # the eps-clamped norm
    yield Sample((noncontiguous(n((3, 4))),), name="noncontiguous")


def _attention_samples(rng):
    n = rng.standard_normal
    q, k, v = n((1, 2, 3)), n((1, 3, 3)), n((1, 3, 2))
    yield Sample((q, k, v), name="3-d")
    yield Sample((n((2, 3)), n((3, 3)), n((3, 2))), name="2-d")
    yield Sample((q, k, v), {"scale": 0.3}, name="scale")
    yield Sample((q, k, v), {"is_causal": True}, name="causal")
    yield Sample((q, k, v, np.array([[True, False, True], [False, False, True]])), name="bool mask")
    yield Sample((q, k, v, n((2, 3))), name="float mask")
    yield Sample((q, k, v, np.array([[True, True, True], [False, False, False]])), name="fully masked row")


def _attention_4d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((1, 1, 2, 2)), n((1, 1, 3, 2)), n((1, 1, 3, 2))))
    yield Sample((n((1, 1, 2, 2)), n((1, 1, 3, 2)), n((1, 1, 3, 2))), {"is_causal": True}, name="causal")
    yield Sample((n((1, 4, 1, 2)), n((1, 2, 2, 2)), n((1, 2, 2, 1))), {"enable_gqa": True}, name="grouped query")
    yield Sample((n((1, 4, 1, 2)), n((1, 2, 2, 2)), n((1, 2, 2, 2))), {"enable_gqa": True}, name="fused grouped query")
    yield Sample((n((1, 1, 2, 2)), n((1, 1, 3, 2)), n((1, 1, 3, 2)), np.array([[True, False, True], [False] * 3])),
                 name="fused bool mask, masked row")
    yield Sample((n((1, 1, 2, 2)), n((1, 1, 3, 2)), n((1, 1, 3, 2)), n((2, 3))), name="fused float mask")
    yield Sample((n((1, 2, 2, 2)), n((1, 2, 3, 2)), n((1, 2, 3, 3))), name="two head sizes")


def _pdist_samples(rng):
    n = rng.standard_normal
    yield Sample((n((4, 3)),))
    yield Sample((n((3, 2)), 1.0), name="p=1")
    yield Sample((n((3, 2)), 3.0), name="p=3")
    yield Sample((n((1, 3)),), name="one row")
    yield Sample((noncontiguous(n((3, 4))),), name="noncontiguous")


LINEAR = [
    OpInfo("F.pdist", lambda m, x, *p: _F(m).pdist(x, *p), _pdist_samples),
    OpInfo("F.linear", lambda m, *args: _F(m).linear(*args), _linear_samples),
    OpInfo("F.bilinear", lambda m, *args: _F(m).bilinear(*args), _bilinear_samples),
    OpInfo("F.cosine_similarity", lambda m, a, b, **kw: _F(m).cosine_similarity(a, b, **kw), _pair_samples),
    OpInfo("F.pairwise_distance", lambda m, a, b, **kw: _F(m).pairwise_distance(a, b, **kw), _distance_samples),
    OpInfo("F.normalize", lambda m, x, **kw: _F(m).normalize(x, **kw), _normalize_samples),
    OpInfo("F.scaled_dot_product_attention", lambda m, *args, **kw: _F(m).scaled_dot_product_attention(*args, **kw),
           _attention_samples, grad_inputs=(0, 1, 2)),
    OpInfo("F.scaled_dot_product_attention 4-d", lambda m, *args, **kw: _F(m).scaled_dot_product_attention(*args, **kw),
           _attention_4d_samples, grad_inputs=(0, 1, 2)),
]

OPS = ACTIVATIONS + SOFTMAX + DROPOUT + LINEAR + LOSS_OPS
