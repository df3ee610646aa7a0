"""Op table entries: elementwise functions, rounding, clamp and the two- and three-operand
elementwise ops, comparisons (see tests/op_db/__init__.py)."""

import numpy as np

from . import OpInfo, Sample, noncontiguous, standard_shapes


def _unary(low=-2.0, high=2.0):
    """0-d, empty, vector, matrix and non-contiguous samples with values in ``[low, high]``."""

    def samples(rng):
        for shape in standard_shapes():
            yield Sample((rng.uniform(low, high, shape),))
        yield Sample((noncontiguous(rng.uniform(low, high, (3, 4))),), name="noncontiguous")

    return samples


def _away_from_integers(rng, shape, low=-3.0, high=3.0):
    """Values at least 0.1 from an integer and from a half, where rounding is locally flat."""
    return np.asarray(rng.integers(int(low), int(high), shape) + rng.uniform(0.1, 0.4, shape))


def _rounding_samples(rng):
    for shape in standard_shapes():
        yield Sample((_away_from_integers(rng, shape),))
    yield Sample((noncontiguous(_away_from_integers(rng, (3, 4))),), name="noncontiguous")


def _binary(low=-2.0, high=2.0, scalar=1.5, other_low=None, other_high=None):
    """Pairs: 0-d, empty, same shape, broadcasting (one side, both sides, with 0-d), non-contiguous."""
    other_low = low if other_low is None else other_low
    other_high = high if other_high is None else other_high

    def samples(rng):
        def a(*shape):
            return np.asarray(rng.uniform(low, high, shape))

        def b(*shape):
            return np.asarray(rng.uniform(other_low, other_high, shape))

        yield Sample((a(), b()), name="0-d")
        yield Sample((a(0), b(0)), name="empty")
        yield Sample((a(2, 3), b(2, 3)))
        yield Sample((a(2, 3), b(3)), name="broadcast row")
        yield Sample((a(4, 1, 3), b(2, 1)), name="broadcast both")
        yield Sample((a(2, 3), b()), name="with 0-d")
        yield Sample((noncontiguous(a(3, 4)), b(3, 4)), name="noncontiguous")
        if scalar is not None:
            yield Sample((a(2, 3), scalar), name="python number")

    return samples


def _ternary(low=-2.0, high=2.0, third_low=None, third_high=None):
    third_low = low if third_low is None else third_low
    third_high = high if third_high is None else third_high

    def samples(rng):
        def u(*shape):
            return np.asarray(rng.uniform(low, high, shape))

        def w(*shape):
            return np.asarray(rng.uniform(third_low, third_high, shape))

        yield Sample((u(), u(), w()), name="0-d")
        yield Sample((u(0), u(0), w(0)), name="empty")
        yield Sample((u(2, 3), u(2, 3), w(2, 3)))
        yield Sample((u(2, 3), u(3), w(2, 1)), name="broadcast")
        yield Sample((noncontiguous(u(3, 4)), u(3, 4), w(3, 4)), name="noncontiguous")

    return samples


def _clamp_number_samples(rng):
    def u(*shape):
        return rng.uniform(-2, 2, shape)

    yield Sample((u(),), {"min": -0.5, "max": 0.5}, name="0-d")
    yield Sample((u(0),), {"min": -0.5, "max": 0.5}, name="empty")
    yield Sample((u(2, 3),), {"min": -0.5, "max": 0.5})
    yield Sample((u(2, 3),), {"min": -0.5}, name="min only")
    yield Sample((u(2, 3),), {"max": 0.5}, name="max only")
    yield Sample((u(2, 3),), {"min": 1.0, "max": -1.0}, name="min above max")
    yield Sample((noncontiguous(u(3, 4)),), {"min": -0.5, "max": 0.5}, name="noncontiguous")


def _clamp_tensor_samples(rng):
    def u(*shape):
        return np.asarray(rng.uniform(-2, 2, shape))

    yield Sample((u(), u() - 1, u() + 1), name="0-d")
    yield Sample((u(0), u(0) - 1, u(0) + 1), name="empty")
    yield Sample((u(2, 3), u(2, 3) - 1, u(2, 3) + 1))
    yield Sample((u(2, 3), u(3) - 1, u(2, 1) + 1), name="broadcast bounds")
    yield Sample((u(2, 3), u(2, 3) + 1, u(2, 3) - 1), name="min above max")
    yield Sample((noncontiguous(u(3, 4)), u(3, 4) - 1, u(3, 4) + 1), name="noncontiguous")


def _nan_to_num_samples(rng):
    values = np.array([np.nan, np.inf, -np.inf, 1.5, -0.25, 3.0])
    yield Sample((values,))
    yield Sample((values.reshape(2, 3),), {"nan": 2.0, "posinf": 10.0, "neginf": -10.0}, name="replacements")
    yield Sample((rng.uniform(-2, 2, ()),), name="0-d")
    yield Sample((rng.uniform(-2, 2, 0),), name="empty")
    yield Sample((noncontiguous(rng.uniform(-2, 2, (3, 4))),), name="noncontiguous")


def _comparison_samples(rng):
    yield from _binary(scalar=0.5)(rng)
    ints = rng.integers(-3, 3, (2, 3))
    yield Sample((ints, ints[0]), name="integers")
    yield Sample((ints, 1.5), name="integers with float number")


def _integer_unary_samples(rng):
    yield Sample((rng.integers(-3, 4, (2, 3)),), name="int64")
    yield Sample((rng.integers(-3, 4, (2, 3)).astype(np.int32),), name="int32")
    yield Sample((rng.integers(0, 2, (4,)).astype(bool),), name="bool")


def _integer_binary_samples(rng):
    yield Sample((rng.integers(-5, 6, (2, 3)), rng.integers(1, 4, (3,))), name="int64")
    yield Sample((rng.integers(-5, 6, (2, 3)), 2), name="int with int number")
    yield Sample((rng.integers(-5, 6, (2, 3)), 2.5), name="int with float number")
    yield Sample((rng.integers(-5, 6, (2, 3)).astype(np.int32), rng.uniform(0.5, 2, (3,))), name="int and float")


def _special_value_samples(rng):
    yield Sample((np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0]),))
    yield Sample((rng.uniform(-2, 2, (2, 3)),))


def _isclose_samples(rng):
    a = rng.uniform(-2, 2, (2, 3))
    yield Sample((a, a + 1e-9))
    yield Sample((a, a + 1e-3), {"rtol": 1e-2})
    yield Sample((np.array([np.nan, np.inf, 1.0]), np.array([np.nan, np.inf, 1.0])), {"equal_nan": True})
    yield Sample((np.array([np.nan, -np.inf, 1.0]), np.array([np.nan, np.inf, 1.0 + 1e-7])))


def _unary_op(name, low=-2.0, high=2.0, **kw):
    return OpInfo(name, lambda m, a: getattr(m, name)(a), _unary(low, high), **kw)


def _method_op(name, low=-2.0, high=2.0, **kw):
    return OpInfo(f"Tensor.{name}", lambda m, a: getattr(a, name)(), _unary(low, high), **kw)


_UNARY_RANGES = {
    "exp": (-2, 2), "exp2": (-2, 2), "expm1": (-2, 2), "log": (0.5, 2), "log2": (0.5, 2), "log10": (0.5, 2),
    "log1p": (-0.5, 2), "sqrt": (0.5, 2), "rsqrt": (0.5, 2), "square": (-2, 2), "reciprocal": (0.5, 2),
    "sin": (-2, 2), "cos": (-2, 2), "tan": (-1.2, 1.2), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9),
    "atan": (-2, 2), "sinh": (-2, 2), "cosh": (-2, 2), "tanh": (-2, 2), "asinh": (-2, 2), "acosh": (1.2, 3),
    "atanh": (-0.9, 0.9), "sigmoid": (-4, 4), "logit": (0.1, 0.9), "erf": (-2, 2), "erfc": (-2, 2),
    "erfinv": (-0.9, 0.9), "abs": (0.2, 2), "sign": (-2, 2), "neg": (-2, 2),
}

_COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"]
_VALUE_TESTS = ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit"]
_ROUNDING = ["floor", "ceil", "round", "trunc", "frac"]

OPS = (
    [_unary_op(name, low, high) for name, (low, high) in _UNARY_RANGES.items()]
    + [_method_op(name, low, high) for name, (low, high) in _UNARY_RANGES.items() if name not in ("square", "sgn")]
    + [OpInfo(name, lambda m, a, name=name: getattr(m, name)(a), _rounding_samples) for name in _ROUNDING]
    + [OpInfo(f"{name} integer", lambda m, a, name=name: getattr(m, name)(a), _integer_unary_samples,
              differentiable=False) for name in ["sign", "sgn", "square", "exp", "sqrt", "sigmoid", "erf"]
       + _VALUE_TESTS]
    + [OpInfo(f"{name} integer", lambda m, a, name=name: getattr(m, name)(a),
              lambda rng: list(_integer_unary_samples(rng))[:2], differentiable=False)
       for name in ["abs", "floor", "ceil", "round", "trunc", "neg"]]
    + [OpInfo(name, lambda m, a, name=name: getattr(m, name)(a), _special_value_samples, differentiable=False)
       for name in _VALUE_TESTS]
    + [OpInfo(name, lambda m, a, b, name=name: getattr(m, name)(a, b), _comparison_samples, differentiable=False)
       for name in _COMPARISONS]
    + [
        # PyTorch answers sgn's gradient with a ZeroTensor, which has no NumPy view: compare it through a product
        OpInfo("sgn", lambda m, a: m.sgn(a) * a, _unary(), check_grad_fn=False),
        OpInfo("logit eps", lambda m, a: m.logit(a, eps=0.2), _unary(0.05, 0.95)),
        OpInfo("round decimals", lambda m, a: m.round(a, decimals=2), _unary()),
        OpInfo("round negative decimals", lambda m, a: m.round(a * 1000, decimals=-2),
               lambda rng: [Sample((rng.uniform(-2, 2, (2, 3)),))]),
        OpInfo("clamp numbers", lambda m, a, **kw: m.clamp(a, **kw), _clamp_number_samples),
        OpInfo("clip numbers", lambda m, a, **kw: m.clip(a, **kw), _clamp_number_samples),
        OpInfo("Tensor.clamp numbers", lambda m, a, **kw: a.clamp(**kw), _clamp_number_samples),
        OpInfo("clamp tensors", lambda m, a, lo, hi: m.clamp(a, lo, hi), _clamp_tensor_samples),
        OpInfo("clamp tensor min", lambda m, a, lo, hi: m.clamp(a, min=lo), _clamp_tensor_samples),
        OpInfo("clamp tensor max", lambda m, a, lo, hi: m.clamp(a, max=hi), _clamp_tensor_samples),
        OpInfo("clamp_min", lambda m, a, b: m.clamp_min(a, b), _binary(scalar=0.3)),
        OpInfo("clamp_max", lambda m, a, b: m.clamp_max(a, b), _binary(scalar=0.3)),
        OpInfo("maximum", lambda m, a, b: m.maximum(a, b), _binary(scalar=None)),
        OpInfo("minimum", lambda m, a, b: m.minimum(a, b), _binary(scalar=None)),
        OpInfo("fmax", lambda m, a, b: m.fmax(a, b), _binary(scalar=None)),
        OpInfo("fmin", lambda m, a, b: m.fmin(a, b), _binary(scalar=None)),
        OpInfo("atan2", lambda m, a, b: m.atan2(a, b), _binary(scalar=None)),
        OpInfo("hypot", lambda m, a, b: m.hypot(a, b), _binary(scalar=None)),
        OpInfo("lerp number weight", lambda m, a, b: m.lerp(a, b, 0.3), _binary(scalar=None)),
        OpInfo("lerp large weight", lambda m, a, b: m.lerp(a, b, 0.8), _binary(scalar=None)),
        OpInfo("lerp tensor weight", lambda m, a, b, w: m.lerp(a, b, w), _ternary(third_low=-0.5, third_high=1.5)),
        OpInfo("xlogy", lambda m, a, b: m.xlogy(a, b), _binary(other_low=0.5, other_high=2.0)),
        OpInfo("xlogy number self", lambda m, b: m.xlogy(2.5, b), _unary(0.5, 2.0)),
        OpInfo("copysign", lambda m, a, b: m.copysign(a, b), _binary(low=0.2, scalar=-1.0)),
        OpInfo("nan_to_num", lambda m, a, **kw: m.nan_to_num(a, **kw), _nan_to_num_samples),
        OpInfo("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), _ternary()),
        OpInfo("addcdiv", lambda m, a, b, c: m.addcdiv(a, b, c, value=2), _ternary(third_low=0.5, third_high=2.0)),
        OpInfo("true_divide", lambda m, a, b: m.true_divide(a, b), _binary(other_low=0.5, other_high=2.0)),
        OpInfo("div floor", lambda m, a, b: m.div(a, b, rounding_mode="floor"),
               _binary(other_low=0.5, other_high=2.0)),
        OpInfo("div trunc", lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
               _binary(other_low=0.5, other_high=2.0)),
        OpInfo("div rounding integers", lambda m, a, b: (m.div(a, b, rounding_mode="floor"),
                                                         m.div(a, b, rounding_mode="trunc")),
               _integer_binary_samples, differentiable=False),
        OpInfo("floor_divide", lambda m, a, b: m.floor_divide(a, b), _binary(other_low=0.5, other_high=2.0),
               differentiable=False),
        OpInfo("floor_divide integers", lambda m, a, b: m.floor_divide(a, b), _integer_binary_samples,
               differentiable=False),
        OpInfo("fmod", lambda m, a, b: m.fmod(a, b), _binary(low=-3, high=3, scalar=0.7, other_low=0.6,
                                                             other_high=1.9)),
        OpInfo("remainder", lambda m, a, b: m.remainder(a, b), _binary(low=-3, high=3, scalar=0.7, other_low=0.6,
                                                                       other_high=1.9)),
        OpInfo("modulo integers", lambda m, a, b: (m.fmod(a, b), m.remainder(a, b)), _integer_binary_samples,
               differentiable=False),
        OpInfo("pow number base", lambda m, a: m.pow(2.5, a), _unary()),
        OpInfo("pow integer tensors", lambda m, a, b: m.pow(a, b),
               lambda rng: [Sample((rng.integers(-3, 4, (2, 3)), rng.integers(-2, 3, (2, 3))))],
               differentiable=False),
        OpInfo("pow integer number base", lambda m, a: (m.pow(2, a), m.pow(2.0, a), a ** 0.5),
               lambda rng: [Sample((rng.integers(-3, 4, (2, 3)),))], differentiable=False),
        OpInfo("where numbers", lambda m, a: m.where(a > 0, a, 0.0), _unary()),
        OpInfo("isclose", lambda m, a, b, **kw: m.isclose(a, b, **kw), _isclose_samples, differentiable=False),
    ]
)
