"""chainrule's Array API namespace against array-api-strict and NumPy as value oracles.

Inputs come from hypothesis' Array API strategies built on chainrule's own namespace; each result is
compared with array-api-strict's (the standard's reference) for dtype, shape and values. Examples are
derandomized and few, so the file runs in well under a minute.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.errors import HypothesisWarning
from hypothesis.extra.array_api import make_strategies_namespace

import array_api_strict as sxp
import chainrule
import chainrule.array_api as xp

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
sxp.set_array_api_strict_flags(api_version="2024.12")
with warnings.catch_warnings():
    # The namespace check asks an array for ``__array_namespace__``, which Tensor may not have yet.
    warnings.simplefilter("ignore", HypothesisWarning)
    xps = make_strategies_namespace(xp, api_version="2024.12")

FEW = settings(max_examples=15, derandomize=True, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

SHAPES = xps.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
NONEMPTY = xps.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
FLOATS = xps.floating_dtypes()
INTEGERS = st.one_of(xps.integer_dtypes(), xps.unsigned_integer_dtypes(sizes=8))
SIGNED = xps.integer_dtypes()


def strict(x):
    """The same values as an array-api-strict array."""
    return sxp.asarray(np.asarray(x.detach()))


def assert_matches(ours, reference):
    """Same dtype name, shape and values (NaNs equal; float32 to its precision)."""
    if isinstance(reference, (tuple, list)):
        assert len(ours) == len(reference)
        for a, b in zip(ours, reference):
            assert_matches(a, b)
        return
    expected = np.asarray(reference)
    actual = np.asarray(ours.detach())
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if expected.dtype.kind in "fc":
        tolerance = 1e-5 if expected.dtype.itemsize * (2 if expected.dtype.kind == "f" else 1) <= 8 else 1e-12
        np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected)


def arrays(dtype, shape=SHAPES, **elements):
    return xps.arrays(dtype, shape, elements=elements or None)


# Elementwise functions, grouped by the inputs they are defined for.
FLOAT_UNARY = ["abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "cos", "cosh", "exp", "expm1",
               "floor", "isfinite", "isinf", "isnan", "log", "log1p", "log2", "log10", "negative", "positive",
               "reciprocal", "round", "sign", "signbit", "sin", "sinh", "square", "sqrt", "tan", "tanh", "trunc"]
INTEGER_UNARY = ["abs", "bitwise_invert", "ceil", "floor", "negative", "positive", "round", "sign", "square",
                 "trunc", "isfinite", "isinf", "isnan"]
COMPLEX_UNARY = ["abs", "conj", "real", "imag", "negative", "square", "exp", "isnan", "isfinite"]
FLOAT_BINARY = ["add", "atan2", "copysign", "divide", "equal", "floor_divide", "greater", "greater_equal", "hypot",
                "less", "less_equal", "logaddexp", "maximum", "minimum", "multiply", "nextafter", "not_equal",
                "pow", "remainder", "subtract"]
INTEGER_BINARY = ["add", "bitwise_and", "bitwise_or", "bitwise_xor", "equal", "greater", "greater_equal", "less",
                  "less_equal", "maximum", "minimum", "multiply", "not_equal", "subtract"]
BOOL_BINARY = ["logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "equal",
               "not_equal"]


def check_unary(name, x):
    assert_matches(getattr(xp, name)(x), getattr(sxp, name)(strict(x)))


def check_binary(name, a, b):
    def reference(value):
        return strict(value) if isinstance(value, chainrule.Tensor) else value

    assert_matches(getattr(xp, name)(a, b), getattr(sxp, name)(reference(a), reference(b)))


@pytest.mark.parametrize("name", FLOAT_UNARY)
@FEW
@given(data=st.data())
def test_float_unary(name, data):
    x = data.draw(arrays(FLOATS))
    with np.errstate(all="ignore"):
        check_unary(name, x)


@pytest.mark.parametrize("name", INTEGER_UNARY)
@FEW
@given(data=st.data())
def test_integer_unary(name, data):
    check_unary(name, data.draw(arrays(SIGNED)))


@pytest.mark.parametrize("name", COMPLEX_UNARY)
@FEW
@given(data=st.data())
def test_complex_unary(name, data):
    x = data.draw(arrays(xps.complex_dtypes(), allow_nan=False, allow_infinity=False))
    check_unary(name, x)


def test_logical_not_and_bool_invert():
    x = xp.asarray([True, False])
    assert_matches(xp.logical_not(x), sxp.logical_not(strict(x)))
    assert_matches(xp.bitwise_invert(x), sxp.bitwise_invert(strict(x)))


def binary_pair(data, dtypes, **elements):
    """Two arrays of mutually broadcastable shapes, of dtypes the standard promotes to each other."""
    shapes = data.draw(xps.mutually_broadcastable_shapes(2, max_dims=3, max_side=3)).input_shapes
    dtype = data.draw(dtypes)
    other = data.draw(st.sampled_from([dtype, data.draw(dtypes)]))
    if xp.result_type(dtype, other) not in xp.__array_namespace_info__().dtypes().values():
        other = dtype
    return data.draw(arrays(dtype, shapes[0], **elements)), data.draw(arrays(other, shapes[1], **elements))


@pytest.mark.parametrize("name", FLOAT_BINARY)
@FEW
@given(data=st.data())
def test_float_binary(name, data):
    a, b = binary_pair(data, FLOATS)
    with np.errstate(all="ignore"):
        check_binary(name, a, b)


@pytest.mark.parametrize("name", INTEGER_BINARY)
@FEW
@given(data=st.data())
def test_integer_binary(name, data):
    a, b = binary_pair(data, INTEGERS)
    check_binary(name, a, b)


@pytest.mark.parametrize("name", ["floor_divide", "remainder"])
@FEW
@given(data=st.data())
def test_integer_division(name, data):
    a, b = binary_pair(data, SIGNED, min_value=1, max_value=100)
    check_binary(name, -a, b)


@pytest.mark.parametrize("name", ["bitwise_left_shift", "bitwise_right_shift"])
@FEW
@given(data=st.data())
def test_shifts(name, data):
    a, b = binary_pair(data, SIGNED, min_value=0, max_value=7)
    check_binary(name, a - 3, b)


@pytest.mark.parametrize("name", BOOL_BINARY)
@FEW
@given(data=st.data())
def test_bool_binary(name, data):
    a, b = binary_pair(data, st.just(xp.bool))
    check_binary(name, a, b)


@FEW
@given(data=st.data())
def test_python_scalars_keep_the_array_dtype(data):
    x = data.draw(arrays(FLOATS, allow_nan=False))
    for name in ("add", "multiply", "maximum", "less", "copysign"):
        check_binary(name, x, 2.5)
    check_binary("subtract", 3, xp.asarray([1, 2], dtype=xp.int8))


@FEW
@given(data=st.data())
def test_clip(data):
    x = data.draw(arrays(FLOATS, allow_nan=False))
    low, high = sorted(data.draw(st.lists(st.floats(-5, 5, width=32), min_size=2, max_size=2)))
    assert_matches(xp.clip(x, low, high), sxp.clip(strict(x), low, high))
    assert_matches(xp.clip(x, max=high), sxp.clip(strict(x), max=high))
    bound = xp.full(x.shape, low, dtype=x.dtype)
    assert_matches(xp.clip(x, min=bound), sxp.clip(strict(x), min=strict(bound)))


# Creation.
def test_creation():
    cases = [
        (lambda m, d: m.arange(5, dtype=d.int64), None),
        (lambda m, d: m.arange(1.0, 4.0, 0.5, dtype=d.float64), None),
        (lambda m, d: m.linspace(0.0, 1.0, 5, dtype=d.float64), None),
        (lambda m, d: m.linspace(0.0, 1.0, 4, dtype=d.float64, endpoint=False), None),
        (lambda m, d: m.eye(3, 4, k=1, dtype=d.float32), None),
        (lambda m, d: m.eye(2, dtype=d.int32), None),
        (lambda m, d: m.full((2, 3), 7, dtype=d.int16), None),
        (lambda m, d: m.zeros((2, 0), dtype=d.float64), None),
        (lambda m, d: m.ones(3, dtype=d.uint8), None),
        (lambda m, d: m.empty((2, 2), dtype=d.float32).shape, "shape"),
        (lambda m, d: m.asarray([[1, 2], [3, 4]], dtype=d.int8), None),
        (lambda m, d: m.asarray(2.5, dtype=d.float64), None),
        (lambda m, d: m.full_like(m.asarray([1.0, 2.0], dtype=d.float32), 3.0), None),
        (lambda m, d: m.ones_like(m.asarray([1, 2], dtype=d.int32)), None),
        (lambda m, d: m.zeros_like(m.asarray([1, 2], dtype=d.int32), dtype=d.float64), None),
        (lambda m, d: m.empty_like(m.asarray([1.0], dtype=d.float64)).shape, "shape"),
        (lambda m, d: m.tril(m.reshape(m.arange(9, dtype=d.int64), (3, 3)), k=-1), None),
        (lambda m, d: m.triu(m.reshape(m.arange(12, dtype=d.int64), (3, 4)), k=1), None),
    ]
    for make, kind in cases:
        ours, reference = make(xp, xp), make(sxp, sxp)
        if kind == "shape":
            assert tuple(ours) == tuple(reference)
        else:
            assert_matches(ours, reference)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(indexing):
    axes = [xp.arange(3, dtype=xp.float64), xp.arange(2, dtype=xp.float64), xp.arange(4, dtype=xp.float64)]
    for count in (1, 2, 3):
        assert_matches(xp.meshgrid(*axes[:count], indexing=indexing),
                       sxp.meshgrid(*[strict(a) for a in axes[:count]], indexing=indexing))


def test_asarray_copy():
    x = xp.asarray([1.0, 2.0], dtype=xp.float64)
    assert xp.asarray(x, copy=False) is x
    copied = xp.asarray(x, copy=True)
    copied[0] = 5.0
    assert x[0] == 1.0
    with pytest.raises(ValueError):
        xp.asarray([1, 2], copy=False)
    with pytest.raises(ValueError):
        xp.asarray(x, dtype=xp.float32, copy=False)


def test_from_dlpack_and_devices():
    x = xp.asarray([1.0, 2.0], dtype=xp.float64)
    assert_matches(xp.from_dlpack(np.asarray([1.0, 2.0])), np.asarray([1.0, 2.0]))
    assert x.device == xp.__array_namespace_info__().default_device()
    with pytest.raises(ValueError):
        xp.zeros(2, device="cuda")


# Data types.
def test_data_type_functions():
    names = list(xp.__array_namespace_info__().dtypes())
    assert names == ["bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64", "complex64",
                     "complex128"]
    kinds = ["bool", "signed integer", "unsigned integer", "integral", "real floating", "complex floating",
             "numeric", ("integral", "bool")]
    for a in names:
        for kind in kinds:
            assert xp.isdtype(getattr(xp, a), kind) == sxp.isdtype(getattr(sxp, a), kind), (a, kind)
        for b in names:
            assert xp.can_cast(getattr(xp, a), getattr(xp, b)) == sxp.can_cast(getattr(sxp, a), getattr(sxp, b))
            try:
                expected = sxp.result_type(getattr(sxp, a), getattr(sxp, b))
            except TypeError:
                continue
            assert xp.result_type(getattr(xp, a), getattr(xp, b)).name == np.dtype(str(expected).split(".")[-1]).name
    for name in ("float32", "float64", "complex64", "complex128"):
        ours, reference = xp.finfo(getattr(xp, name)), sxp.finfo(getattr(sxp, name))
        for field in ("bits", "eps", "max", "min", "smallest_normal"):
            assert getattr(ours, field) == getattr(reference, field)
    for name in ("int8", "int16", "int32", "int64", "uint8"):
        ours, reference = xp.iinfo(getattr(xp, name)), sxp.iinfo(getattr(sxp, name))
        assert (ours.bits, ours.min, ours.max) == (reference.bits, reference.min, reference.max)
    assert xp.result_type(xp.asarray([1], dtype=xp.int8), 300) is xp.int8


@FEW
@given(data=st.data())
def test_astype(data):
    x = data.draw(arrays(st.one_of(FLOATS, SIGNED), allow_nan=False, allow_infinity=False,
                         min_value=-100, max_value=100))
    target = data.draw(st.sampled_from([xp.float64, xp.float32, xp.int32, xp.int64, xp.complex128]))
    assert_matches(xp.astype(x, target), sxp.astype(strict(x), getattr(sxp, target.name)))
    assert xp.astype(x, x.dtype, copy=False) is x


# Manipulation.
@FEW
@given(data=st.data())
def test_manipulation(data):
    x = data.draw(arrays(FLOATS, NONEMPTY))
    s = strict(x)
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    axes = data.draw(st.permutations(range(x.ndim)))
    reps = data.draw(st.lists(st.integers(0, 2), min_size=1, max_size=3))
    assert_matches(xp.expand_dims(x, axis=axis), sxp.expand_dims(s, axis=axis))
    assert_matches(xp.flip(x), sxp.flip(s))
    assert_matches(xp.flip(x, axis=axis), sxp.flip(s, axis=axis))
    assert_matches(xp.moveaxis(x, axis, 0), sxp.moveaxis(s, axis, 0))
    assert_matches(xp.permute_dims(x, axes), sxp.permute_dims(s, axes))
    assert_matches(xp.repeat(x, 2, axis=axis), sxp.repeat(s, 2, axis=axis))
    assert_matches(xp.repeat(x, 3), sxp.repeat(s, 3))
    counts = xp.asarray(list(range(x.shape[axis])), dtype=xp.int64)
    assert_matches(xp.repeat(x, counts, axis=axis), sxp.repeat(s, strict(counts), axis=axis))
    assert_matches(xp.reshape(x, (-1,)), sxp.reshape(s, (-1,)))
    assert_matches(xp.roll(x, 1), sxp.roll(s, 1))
    assert_matches(xp.roll(x, (1, -2), axis=(axis, 0)), sxp.roll(s, (1, -2), axis=(axis, 0)))
    assert_matches(xp.tile(x, reps), sxp.tile(s, tuple(reps)))
    assert_matches(xp.unstack(x, axis=axis), sxp.unstack(s, axis=axis))
    assert_matches(xp.squeeze(xp.expand_dims(x, axis=0), 0), s)
    assert_matches(xp.broadcast_to(x, (2, *x.shape)), sxp.broadcast_to(s, (2, *x.shape)))
    assert_matches(xp.matrix_transpose(x) if x.ndim > 1 else x, sxp.matrix_transpose(s) if x.ndim > 1 else s)


@FEW
@given(data=st.data())
def test_joining(data):
    shape = data.draw(NONEMPTY)
    a = data.draw(arrays(FLOATS, shape))
    b = data.draw(arrays(FLOATS, shape))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    for ours, reference in [(xp.concat, sxp.concat), (xp.stack, sxp.stack)]:
        assert_matches(ours([a, b], axis=axis), reference([strict(a), strict(b)], axis=axis))
    assert_matches(xp.concat([a, b], axis=None), sxp.concat([strict(a), strict(b)], axis=None))
    c = data.draw(arrays(FLOATS, data.draw(xps.broadcastable_shapes(shape, max_dims=3))))
    assert_matches(xp.broadcast_arrays(a, c), sxp.broadcast_arrays(strict(a), strict(c)))


def test_squeeze_rejects_a_long_axis():
    with pytest.raises(ValueError):
        xp.squeeze(xp.zeros((2, 1)), 0)


# Statistical and utility.
@FEW
@given(data=st.data())
def test_statistical(data):
    x = data.draw(arrays(FLOATS, NONEMPTY, min_value=-10, max_value=10))
    s = strict(x)
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1),
                               st.lists(st.integers(0, x.ndim - 1), unique=True).map(tuple)))
    keepdims = data.draw(st.booleans())
    for name in ("max", "min", "mean", "sum", "prod"):
        assert_matches(getattr(xp, name)(x, axis=axis, keepdims=keepdims),
                       getattr(sxp, name)(s, axis=axis, keepdims=keepdims))
    for name in ("std", "var"):
        assert_matches(getattr(xp, name)(x, axis=axis, correction=0, keepdims=keepdims),
                       getattr(sxp, name)(s, axis=axis, correction=0, keepdims=keepdims))
    for name in ("all", "any"):
        assert_matches(getattr(xp, name)(x > 0, axis=axis, keepdims=keepdims),
                       getattr(sxp, name)(s > 0, axis=axis, keepdims=keepdims))
    assert_matches(xp.sum(x, dtype=xp.float64), sxp.sum(s, dtype=sxp.float64))


@FEW
@given(data=st.data())
def test_integer_sums_widen(data):
    x = data.draw(arrays(SIGNED, NONEMPTY, min_value=-3, max_value=3))
    assert_matches(xp.sum(x), sxp.sum(strict(x)))
    assert_matches(xp.prod(x, axis=0), sxp.prod(strict(x), axis=0))
    assert_matches(xp.cumulative_sum(x, axis=0), sxp.cumulative_sum(strict(x), axis=0))


@FEW
@given(data=st.data())
def test_cumulative_and_diff(data):
    x = data.draw(arrays(FLOATS, NONEMPTY, min_value=-2, max_value=2))
    s = strict(x)
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    include = data.draw(st.booleans())
    for name in ("cumulative_sum", "cumulative_prod"):
        assert_matches(getattr(xp, name)(x, axis=axis, include_initial=include),
                       getattr(sxp, name)(s, axis=axis, include_initial=include))
    n = data.draw(st.integers(0, 2))
    assert_matches(xp.diff(x, axis=axis, n=n), sxp.diff(s, axis=axis, n=n))
    edge = xp.take(x, xp.asarray([0]), axis=axis)
    assert_matches(xp.diff(x, axis=axis, prepend=edge, append=edge),
                   sxp.diff(s, axis=axis, prepend=strict(edge), append=strict(edge)))


# Searching, sorting, sets, indexing.
@FEW
@given(data=st.data())
def test_searching(data):
    x = data.draw(arrays(FLOATS, NONEMPTY, allow_nan=False, min_value=-3, max_value=3))
    s = strict(x)
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    keepdims = data.draw(st.booleans())
    for name in ("argmax", "argmin"):
        assert_matches(getattr(xp, name)(x, axis=axis, keepdims=keepdims),
                       getattr(sxp, name)(s, axis=axis, keepdims=keepdims))
        assert_matches(getattr(xp, name)(x, keepdims=keepdims), getattr(sxp, name)(s, keepdims=keepdims))
    assert_matches(xp.count_nonzero(x, axis=axis, keepdims=keepdims),
                   sxp.count_nonzero(s, axis=axis, keepdims=keepdims))
    assert_matches(xp.nonzero(x), sxp.nonzero(s))
    assert_matches(xp.where(x > 0, x, 0.0), sxp.where(s > 0, s, 0.0))
    assert_matches(xp.where(x > 0, x, xp.zeros(x.shape[-1:], dtype=x.dtype)),
                   sxp.where(s > 0, s, sxp.zeros(x.shape[-1:], dtype=s.dtype)))
    flat = xp.sort(xp.reshape(x, (-1,)))
    for side in ("left", "right"):
        assert_matches(xp.searchsorted(flat, x, side=side), sxp.searchsorted(strict(flat), s, side=side))


@FEW
@given(data=st.data())
def test_sorting(data):
    x = data.draw(arrays(st.one_of(FLOATS, SIGNED), NONEMPTY, min_value=-3, max_value=3))
    s = strict(x)
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    descending = data.draw(st.booleans())
    assert_matches(xp.sort(x, axis=axis, descending=descending), sxp.sort(s, axis=axis, descending=descending))
    assert_matches(xp.argsort(x, axis=axis, descending=descending),
                   sxp.argsort(s, axis=axis, descending=descending))


@FEW
@given(data=st.data())
def test_sets(data):
    x = data.draw(arrays(st.one_of(FLOATS, SIGNED), SHAPES, min_value=-3, max_value=3))
    s = strict(x)
    assert_matches(xp.unique_values(x), sxp.unique_values(s))
    assert_matches(tuple(xp.unique_counts(x)), tuple(sxp.unique_counts(s)))
    assert_matches(tuple(xp.unique_inverse(x)), tuple(sxp.unique_inverse(s)))
    ours, reference = xp.unique_all(x), sxp.unique_all(s)
    assert_matches((ours.values, ours.inverse_indices, ours.counts),
                   (reference.values, reference.inverse_indices, reference.counts))
    assert_matches(xp.take(xp.reshape(x, (-1,)), ours.indices), reference.values)


@FEW
@given(data=st.data())
def test_indexing(data):
    x = data.draw(arrays(FLOATS, NONEMPTY))
    s = strict(x)
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    positions = data.draw(st.lists(st.integers(0, x.shape[axis] - 1), max_size=4))
    indices = xp.asarray(positions, dtype=xp.int64)
    assert_matches(xp.take(x, indices, axis=axis), sxp.take(s, strict(indices), axis=axis))
    along = list(x.shape)
    along[axis] = 2
    picks = data.draw(arrays(st.just(xp.int64), tuple(along), min_value=0, max_value=x.shape[axis] - 1))
    assert_matches(xp.take_along_axis(x, picks, axis=axis), sxp.take_along_axis(s, strict(picks), axis=axis))


# Linear algebra.
@FEW
@given(data=st.data())
def test_linear_algebra(data):
    n, k, m = data.draw(st.tuples(st.integers(0, 3), st.integers(1, 3), st.integers(0, 3)))
    batch = data.draw(st.lists(st.integers(1, 2), max_size=2).map(tuple))
    a = data.draw(arrays(FLOATS, (*batch, n, k), min_value=-5, max_value=5))
    b = data.draw(arrays(FLOATS, (k, m), min_value=-5, max_value=5))
    assert_matches(xp.matmul(a, b), sxp.matmul(strict(a), strict(b)))
    assert_matches(xp.matrix_transpose(a), sxp.matrix_transpose(strict(a)))
    c = data.draw(arrays(FLOATS, (*batch, n, k), min_value=-5, max_value=5))
    assert_matches(xp.vecdot(a, c), sxp.vecdot(strict(a), strict(c)))
    assert_matches(xp.vecdot(a, c, axis=-2), sxp.vecdot(strict(a), strict(c), axis=-2))
    assert_matches(xp.tensordot(a, b, axes=1), sxp.tensordot(strict(a), strict(b), axes=1))
    assert_matches(xp.tensordot(a, c, axes=a.ndim), sxp.tensordot(strict(a), strict(c), axes=a.ndim))
    assert_matches(xp.tensordot(a, c, axes=([-1], [-1])), sxp.tensordot(strict(a), strict(c), axes=([-1], [-1])))
    assert_matches(xp.tensordot(a, b, axes=0), sxp.tensordot(strict(a), strict(b), axes=0))


def test_namespace_constants_and_info():
    assert xp.__array_api_version__ == "2024.12"
    assert (xp.e, xp.pi, xp.inf, xp.newaxis) == (math.e, math.pi, math.inf, None) and math.isnan(xp.nan)
    info = xp.__array_namespace_info__()
    assert info.capabilities()["boolean indexing"] is True
    assert info.devices() == [info.default_device()]
    assert info.default_dtypes()["real floating"] is chainrule.get_default_dtype()
    assert set(info.dtypes(kind="real floating")) == {"float32", "float64"}


# Gradients: the functions composed in the namespace stay differentiable, to second order.
def _double(*shape, low=-1.0, high=1.0, offset=0):
    values = np.linspace(low, high, math.prod(shape)) + 0.1 * np.sin(np.arange(math.prod(shape)) + offset)
    return xp.reshape(xp.asarray(values, dtype=xp.float64), shape)


GRADIENT_CASES = {
    "logaddexp": (lambda a, b: xp.logaddexp(a, b), [(3, 1), (1, 2)]),
    "clip": (lambda a, b: xp.clip(a, min=b * 0.1, max=0.5), [(2, 3), (3,)]),
    "tensordot": (lambda a, b: xp.tensordot(a, b, axes=([0], [1])), [(2, 3), (4, 2)]),
    "vecdot": (lambda a, b: xp.vecdot(a, b, axis=0), [(3, 2), (3, 2)]),
    "repeat": (lambda a: xp.repeat(a, xp.asarray([2, 0, 1]), axis=1), [(2, 3)]),
    "take": (lambda a: xp.take(a, xp.asarray([2, 0, 2]), axis=-1), [(2, 3)]),
    "take_along_axis": (lambda a: xp.take_along_axis(a, xp.asarray([[1, 1], [0, 2]]), axis=1), [(2, 3)]),
    "unique_values": (lambda a: xp.unique_values(xp.round(a * 2)) * xp.sum(a), [(2, 3)]),
    "diff": (lambda a: xp.diff(a, axis=0, n=2, prepend=a[:1]), [(3, 2)]),
    "prod": (lambda a: xp.prod(a, axis=(0, 2), keepdims=True), [(2, 2, 2)]),
    "std": (lambda a: xp.std(a, axis=(0, -1), correction=1), [(2, 2, 2)]),
    "cumulative_prod": (lambda a: xp.cumulative_prod(a, axis=1, include_initial=True), [(2, 3)]),
    "meshgrid": (lambda a, b: xp.meshgrid(a, b)[0] * xp.meshgrid(a, b)[1], [(3,), (2,)]),
    "concat": (lambda a, b: xp.concat([a, b], axis=None), [(2, 2), (3,)]),
    "where": (lambda a, b: xp.where(a > 0, a, b), [(2, 3), (3,)]),
    "sort": (lambda a: xp.sort(a, axis=0, descending=True), [(3, 2)]),
    "linalg.solve": (lambda a, b: xp.linalg.solve(a + 3.0 * xp.eye(2, dtype=xp.float64), b), [(2, 2), (2,)]),
    "linalg.trace": (lambda a: xp.linalg.trace(a, offset=1), [(2, 3, 3)]),
    "linalg.cross": (lambda a, b: xp.linalg.cross(a, b), [(2, 3), (3,)]),
}


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_gradients(name):
    function, shapes = GRADIENT_CASES[name]
    # a small shift per input keeps values of different inputs from tying (kinks of max/abs)
    inputs = [(_double(*shape, offset=i) + 0.0123 * i).requires_grad_() for i, shape in enumerate(shapes)]
    assert chainrule.autograd.gradcheck(function, inputs)
    assert chainrule.autograd.gradgradcheck(function, inputs)


# The demonstration: one loss, written against the standard, on NumPy and on chainrule.
def logistic_regression_loss(xp, weights, bias, features, labels):
    """Mean binary cross-entropy of a linear classifier plus an L2 penalty, using only the standard.

    ``log(1 + exp(-margin))`` is ``logaddexp(0, -margin)``, which stays finite for large margins.
    """
    logits = xp.matmul(features, weights) + bias
    signs = xp.astype(labels, features.dtype) * 2.0 - 1.0
    losses = xp.logaddexp(xp.zeros_like(logits), -signs * logits)
    return xp.mean(losses) + 0.01 * xp.sum(xp.square(weights))


def test_logistic_regression_runs_on_numpy_and_chainrule():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(8, 3))
    labels = rng.random(8) > 0.5
    weights = rng.normal(size=3)
    bias = np.asarray(0.3)

    expected = logistic_regression_loss(np, weights, bias, features, labels)

    w = xp.asarray(weights).requires_grad_()
    loss = logistic_regression_loss(xp, w, xp.asarray(bias), xp.asarray(features), xp.asarray(labels))
    assert loss.dtype is xp.float64
    np.testing.assert_allclose(loss.item(), float(expected), rtol=1e-12)

    loss.backward()
    step = 1e-6
    finite_differences = np.empty(3)
    for i in range(3):
        shift = np.zeros(3)
        shift[i] = step
        finite_differences[i] = (logistic_regression_loss(np, weights + shift, bias, features, labels)
                                 - logistic_regression_loss(np, weights - shift, bias, features, labels)) / (2 * step)
    np.testing.assert_allclose(w.grad.numpy(), finite_differences, rtol=1e-6, atol=1e-9)


def standardized_ranking(xp, x):
    """Softmax of standardized rows, ranked and accumulated: a pipeline using only the standard."""
    centered = x - xp.mean(x, axis=-1, keepdims=True)
    scaled = centered / xp.std(x, axis=-1, keepdims=True, correction=1)
    shifted = scaled - xp.max(scaled, axis=-1, keepdims=True)
    weights = xp.exp(shifted) / xp.sum(xp.exp(shifted), axis=-1, keepdims=True)
    ranked = xp.flip(xp.sort(weights, axis=-1), axis=-1)
    return xp.cumulative_sum(ranked, axis=-1, include_initial=True), xp.argmax(weights, axis=-1)


@FEW
@given(data=st.data())
def test_standard_code_agrees_with_numpy_and_the_reference(data):
    """The same code on chainrule, on array-api-strict, and on NumPy where NumPy has the standard's
    cumulative_sum (2.1 and later; the lowest NumPy chainrule supports, 2.0, predates it)."""
    x = data.draw(arrays(st.just(xp.float64), (2, 4), min_value=-5, max_value=5).filter(
        lambda a: bool(xp.all(xp.std(a, axis=-1) > 0.1))))
    assert_matches(standardized_ranking(xp, x), standardized_ranking(sxp, strict(x)))
    if hasattr(np, "cumulative_sum"):
        assert_matches(standardized_ranking(xp, x), standardized_ranking(np, np.asarray(x)))


# The linear algebra extension.
@FEW
@given(data=st.data())
def test_linalg_extension(data):
    n = data.draw(st.integers(1, 3))
    batch = data.draw(st.lists(st.integers(1, 2), max_size=1).map(tuple))
    base = data.draw(arrays(st.just(xp.float64), (*batch, n, n), min_value=-2, max_value=2))
    spd = xp.matmul(base, xp.matrix_transpose(base)) + 3.0 * xp.eye(n, dtype=xp.float64)
    s = strict(spd)
    rhs = data.draw(arrays(st.just(xp.float64), (n, 2), min_value=-2, max_value=2))
    vector = rhs[:, 0]
    la, sla = xp.linalg, sxp.linalg
    for name in ("cholesky", "det", "inv", "eigvalsh", "svdvals", "slogdet", "trace", "diagonal", "matrix_norm"):
        assert_matches(getattr(la, name)(spd), getattr(sla, name)(s))
    assert_matches(la.cholesky(spd, upper=True), sla.cholesky(s, upper=True))
    assert_matches(la.diagonal(spd, offset=-1), sla.diagonal(s, offset=-1))
    assert_matches(la.trace(spd, offset=1), sla.trace(s, offset=1))
    assert_matches(la.matrix_power(spd, 3), sla.matrix_power(s, 3))
    assert_matches(la.matrix_rank(spd), sla.matrix_rank(s))
    assert_matches(la.pinv(spd), sla.pinv(s))
    assert_matches(la.solve(spd, rhs), sla.solve(s, strict(rhs)))
    assert_matches(la.solve(spd, vector), sla.solve(s, strict(vector)))
    assert_matches(la.vector_norm(spd, axis=-1, ord=1), sla.vector_norm(s, axis=-1, ord=1))
    assert_matches(la.vector_norm(spd, keepdims=True), sla.vector_norm(s, keepdims=True))
    assert_matches(la.outer(vector, vector), sla.outer(strict(vector), strict(vector)))
    ours_q, ours_r = la.qr(spd)
    assert_matches(xp.matmul(ours_q, ours_r), s)
    u, singular, vh = la.svd(spd, full_matrices=False)
    assert_matches(xp.matmul(u * singular[..., None, :], vh), s)
    values, vectors = la.eigh(spd)
    assert_matches(values, sla.eigvalsh(s))
    if n == 3:
        assert_matches(la.cross(spd, rhs[:, 0]), sla.cross(s, strict(rhs[:, 0])))


def test_readme_table_is_the_generated_one():
    import os
    import subprocess
    import sys

    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    env = dict(os.environ, PYTHONPATH=os.path.join(root, "src"))
    table = subprocess.run([sys.executable, os.path.join(root, "scripts", "array_api_table.py")], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(root, "README.md")) as fh:
        readme = fh.read()
    start = readme.index("<!-- array-api-table:start -->") + len("<!-- array-api-table:start -->")
    assert readme[start:readme.index("<!-- array-api-table:end -->")].strip() == table


def test_namespace_is_declared_under_the_array_api_entry_point():
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="array_api") if e.name == "chainrule"]
    assert entry.load() is xp and chainrule.ones(1).__array_namespace__() is xp
