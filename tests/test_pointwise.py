"""Elementwise ops beyond the op table: dtypes, errors, edge gradients, numerics, in-place and ``out=``.

Every expectation comes from running the same code on PyTorch.
"""

import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import chainrule

DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64", "complex64", "complex128"]
VALUES = [0.0, 1.0, -2.0, 2.5, -0.5, 0.25]

UNARY = ("exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square reciprocal sin cos tan asin acos atan sinh cosh "
         "tanh asinh acosh atanh sigmoid logit erf erfc erfinv abs sign sgn neg floor ceil round trunc frac relu "
         "isnan isinf isfinite isposinf isneginf signbit nan_to_num logical_not bitwise_not").split()
BINARY = ("add sub mul div true_divide maximum minimum fmax fmin atan2 hypot xlogy copysign fmod remainder "
          "floor_divide eq ne lt le gt ge logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor "
          "clamp_min clamp_max").split()


def _make(module, dtype, values):
    if dtype == "bool":
        return module.tensor(np.array(values) != 0)
    return module.tensor(np.array(values), dtype=getattr(module, dtype))


def _outcome(fn, module):
    """What ``fn(module)`` gives: its error (type and text) or its result (dtype and values)."""
    try:
        result = fn(module)
    except Exception as exc:  # noqa: BLE001 - the exception itself is what is compared
        return "error", type(exc).__name__, str(exc).replace("torch.", "chainrule.")
    if not isinstance(result, (torch.Tensor, chainrule.Tensor)):
        return "value", result
    values = result.detach().numpy()
    return "tensor", str(result.dtype).split(".")[-1], values.astype(np.complex128 if values.dtype.kind == "c"
                                                                      else np.float64)


def _assert_same(fn):
    ours, theirs = _outcome(fn, chainrule), _outcome(fn, torch)
    assert ours[:2] == theirs[:2]
    if ours[0] == "error":
        assert ours[2] == theirs[2]
    elif ours[0] == "tensor":
        tol = 1e-2 if ours[1] == "float16" else 2e-6
        np.testing.assert_allclose(ours[2], theirs[2], rtol=tol, atol=tol, equal_nan=True)


# ---------------------------------------------------------------- dtypes and refusals, every op and dtype
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_dtypes_match_torch(name, dtype):
    _assert_same(lambda m: getattr(m, name)(_make(m, dtype, VALUES)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_dtypes_match_torch(name, dtype):
    for other in ("int64", "float32", dtype):
        _assert_same(lambda m: getattr(m, name)(_make(m, dtype, VALUES), _make(m, other, VALUES[::-1])))
    for number in (2, 2.5, True):
        _assert_same(lambda m: getattr(m, name)(_make(m, dtype, VALUES), number))


@pytest.mark.parametrize("expression", [
    lambda m, x, i: m.pow(2, i), lambda m, x, i: m.pow(2.0, i), lambda m, x, i: m.pow(i, 0.5),
    lambda m, x, i: m.pow(i, i), lambda m, x, i: m.pow(i, -1), lambda m, x, i: m.pow(i, -1.0),
    lambda m, x, i: m.pow(i > 0, 2), lambda m, x, i: m.pow(i > 0, False), lambda m, x, i: m.pow(True, i > 0),
    lambda m, x, i: m.pow(2, 3), lambda m, x, i: m.square(i > 0), lambda m, x, i: m.square(i),
    lambda m, x, i: m.clamp(i, 0.5, 2.5), lambda m, x, i: m.clamp(i, 0, 2), lambda m, x, i: m.clamp(i, x),
    lambda m, x, i: m.clamp(x, 1, 0), lambda m, x, i: m.clamp(x), lambda m, x, i: m.clamp(i > 0, 0, 1),
    lambda m, x, i: m.clamp(i > 0, True, True), lambda m, x, i: m.clamp_min(x, None),
    lambda m, x, i: m.maximum(x, 2), lambda m, x, i: m.atan2(x, 2), lambda m, x, i: m.hypot(i, i),
    lambda m, x, i: m.lerp(x, x.double(), 0.5), lambda m, x, i: m.lerp(x, x, x.double()),
    lambda m, x, i: m.lerp(i, i, 0.5), lambda m, x, i: m.lerp(x, m.ones(2, 1), 0.5),
    lambda m, x, i: m.xlogy(2, i), lambda m, x, i: m.xlogy(i, 2), lambda m, x, i: m.copysign(i, -1),
    lambda m, x, i: m.addcdiv(i, i, i), lambda m, x, i: m.addcdiv(x, i, i),
    lambda m, x, i: m.addcmul(i, i, i, value=2.5), lambda m, x, i: m.addcmul(i, x, i),
    lambda m, x, i: m.addcmul(x, x, m.ones(2)),
    lambda m, x, i: m.fmod(i, 0), lambda m, x, i: m.remainder(i, 0), lambda m, x, i: m.floor_divide(i, 0),
    lambda m, x, i: m.div(i, 0, rounding_mode="floor"), lambda m, x, i: m.div(x, 2, rounding_mode="xx"),
    lambda m, x, i: m.div(i, 2, rounding_mode="trunc"), lambda m, x, i: m.div(i, 2, rounding_mode="floor"),
    lambda m, x, i: m.div(x, 0.0, rounding_mode="floor"), lambda m, x, i: m.div(i, 2.5, rounding_mode="floor"),
    lambda m, x, i: m.fmod(2.0, x), lambda m, x, i: m.remainder(2.0, x), lambda m, x, i: m.remainder(7, i),
    lambda m, x, i: m.round(x, decimals=2), lambda m, x, i: m.round(x * 1000, decimals=-2),
    lambda m, x, i: m.round(i, decimals=1), lambda m, x, i: m.round(i > 0, decimals=1),
    lambda m, x, i: m.round(i, decimals=0), lambda m, x, i: m.round(x, decimals=0),
    lambda m, x, i: m.logit(x, 0.6), lambda m, x, i: m.nan_to_num(x / 0, posinf=1.0),
    lambda m, x, i: m.isclose(x, x.double()), lambda m, x, i: m.isclose(x, 1.0),
    lambda m, x, i: m.isclose(x, x, rtol=-1), lambda m, x, i: m.isclose(x, x, atol=-1),
    lambda m, x, i: m.isclose(m.ones(2), m.ones(3)),
    lambda m, x, i: m.isclose(i, i + 1), lambda m, x, i: m.allclose(x, x + 1e-9), lambda m, x, i: m.allclose(x, x + 1),
    lambda m, x, i: m.equal(x, x.double()), lambda m, x, i: m.equal(i, i.float()), lambda m, x, i: m.equal(x, x[:2]),
    lambda m, x, i: m.equal(x, 1), lambda m, x, i: m.eq(2, x), lambda m, x, i: m.logical_and(x, 2),
    lambda m, x, i: m.bitwise_and(x, x), lambda m, x, i: m.maximum(x, m.ones(2)), lambda m, x, i: m.eq(x, m.ones(2)),
], ids=lambda fn: "")
def test_special_cases_match_torch(expression):
    _assert_same(lambda m: expression(m, m.tensor([-3.5, 2.5, 0.0]), m.tensor([-7, 7, 3])))


def _assert_same_signs(ours, theirs):
    """Signed zeros agree (a nan's sign bit carries no meaning)."""
    numbers = ~np.isnan(theirs)
    np.testing.assert_array_equal(np.signbit(ours[numbers]), np.signbit(theirs[numbers]))


# ---------------------------------------------------------------- gradients at the edges (spec 3.12)
def _grads(expression, values, upstream=None, dtype="float64"):
    """The gradients each library computes for ``expression`` at ``values`` (all inputs require grad)."""
    result = {}
    for m in (chainrule, torch):
        inputs = [m.tensor(v, dtype=getattr(m, dtype), requires_grad=True) for v in values]
        out = expression(m, *inputs)
        grad = m.ones_like(out) if upstream is None else m.tensor(upstream, dtype=out.dtype)
        out.backward(grad)
        result[m] = [x.grad.numpy() for x in inputs]
    return result


@pytest.mark.parametrize("expression,values", [
    (lambda m, x: m.abs(x), [[-1.0, 0.0, 2.0]]),
    (lambda m, x: m.clamp(x, 0, 1), [[-1.0, 0.0, 0.5, 1.0, 2.0]]),
    (lambda m, x: m.clamp(x, min=0), [[-1.0, 0.0, 0.5]]),
    (lambda m, x: m.clamp(x, max=0), [[-1.0, 0.0, 0.5]]),
    (lambda m, x: m.clamp_min(x, 0), [[-1.0, 0.0, 0.5]]),
    (lambda m, x: m.clamp_max(x, 0), [[-1.0, 0.0, 0.5]]),
    (lambda m, x, lo, hi: m.clamp(x, lo, hi), [[-1.0, 0.0, 0.5, 1.0, 2.0], [0.0] * 5, [1.0, 1.0, 1.0, 1.0, -1.0]]),
    (lambda m, x, lo: m.clamp_min(x, lo), [[-1.0, 0.0, 0.5], [0.0, 0.0, 0.0]]),
    (lambda m, x, hi: m.clamp_max(x, hi), [[-1.0, 0.0, 0.5], [0.0, 0.0, 0.0]]),
    (lambda m, x, y: m.maximum(x, y), [[1.0, 2.0, 3.0], [1.0, 3.0, 2.0]]),
    (lambda m, x, y: m.minimum(x, y), [[1.0, 2.0, 3.0], [1.0, 3.0, 2.0]]),
    (lambda m, x, y: m.maximum(x, y), [[math.nan, 2.0], [1.0, math.nan]]),
    (lambda m, x, y: m.fmax(x, y), [[1.0, math.nan, 3.0, math.nan], [1.0, 3.0, math.nan, math.nan]]),
    (lambda m, x, y: m.fmin(x, y), [[1.0, math.nan, 3.0, math.nan], [1.0, 3.0, math.nan, math.nan]]),
    (lambda m, x: m.sign(x) + m.floor(x) + m.ceil(x) + m.round(x) + m.trunc(x), [[-1.5, 0.0, 2.5]]),
    (lambda m, x: m.frac(x) + m.fmod(x, 1.5) + m.remainder(x, 1.5), [[-1.5, 0.0, 2.5]]),
    (lambda m, x, y: m.fmod(x, y) + m.remainder(x, y), [[-3.5, 3.5, 2.0], [1.5, -1.5, 2.0]]),
    (lambda m, x: m.sqrt(x), [[0.0, 4.0]]),
    (lambda m, x: m.log(x), [[0.0, 2.0]]),
    (lambda m, x: x ** 0 + x ** 2, [[0.0, 2.0]]),
    (lambda m, x: x ** -1, [[0.0, 2.0]]),
    (lambda m, x: m.pow(0.0, x), [[-1.0, 0.0, 2.0]]),
    (lambda m, x, y: m.pow(x, y), [[0.0, 0.0, 2.0], [0.0, 2.0, 0.5]]),
    (lambda m, x, y: m.xlogy(x, y), [[0.0, 0.0, 2.0, 1.0], [0.0, 2.0, 3.0, -1.0]]),
    (lambda m, x: m.xlogy(x, 0.0), [[0.0, 1.0]]),
    (lambda m, x, y: m.copysign(x, y), [[0.0, -2.0, 3.0], [-1.0, 1.0, -0.0]]),
    (lambda m, x: m.copysign(x, -1.0), [[0.0, -2.0, 3.0]]),
    (lambda m, x: m.nan_to_num(x), [[math.nan, math.inf, -math.inf, 1.0]]),
    (lambda m, x: m.logit(x), [[-0.5, 0.0, 0.5, 1.0, 1.5]]),
    (lambda m, x: m.logit(x, eps=0.2), [[0.1, 0.2, 0.5, 0.8, 0.9]]),
    (lambda m, x: m.erfinv(x), [[-1.0, 0.0, 0.5, 1.0]]),
    (lambda m, x: m.acosh(x) + m.atanh(x / 4), [[1.0, 2.0]]),
    (lambda m, x: m.where(x > 0, x.sqrt(), 0.0), [[-1.0, 4.0]]),
    (lambda m, x, y, w: m.lerp(x, y, w), [[1.0, 2.0], [3.0, -1.0], [0.25, 0.75]]),
    (lambda m, x, y: m.atan2(x, y), [[0.0, 1.0], [0.0, -1.0]]),
    (lambda m, x, y: m.hypot(x, y), [[0.0, 3.0], [0.0, 4.0]]),
])
@pytest.mark.parametrize("upstream_sign", [1.0, -1.0])
def test_edge_gradients_match_torch(expression, values, upstream_sign):
    """Same values and the same signed zeros (blocked gradients are +0., arithmetic follows IEEE)."""
    shape = np.broadcast_shapes(*[np.shape(v) for v in values])
    grads = _grads(expression, values, upstream=np.full(shape, upstream_sign))
    for ours, theirs in zip(grads[chainrule], grads[torch]):
        np.testing.assert_array_equal(ours, theirs)
        _assert_same_signs(ours, theirs)


def test_comparing_with_none_or_text_is_python_equality():
    for m in (chainrule, torch):
        x = m.ones(2)
        assert (x == None) is False and (x != None) is True and (x == "a") is False  # noqa: E711
        with pytest.raises(TypeError):
            x < None  # noqa: B015


def test_xlogy_of_two_numbers_is_refused_as_in_torch():
    errors = {}
    for m in (chainrule, torch):
        with pytest.raises(TypeError) as exc:
            m.xlogy(2, 3)
        errors[m] = str(exc.value)
    assert errors[chainrule] == errors[torch]


def test_floor_divide_records_a_node_that_refuses_backward():
    for m in (chainrule, torch):
        x = m.tensor([3.5, -2.0], requires_grad=True)
        for out in (m.floor_divide(x, 2), m.remainder(2.0, x)):
            assert type(out.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError) as exc:
            m.floor_divide(x, 2).sum().backward()
        assert str(exc.value) == "derivative for aten::floor_divide is not implemented"
        with pytest.raises(RuntimeError) as exc:
            m.remainder(2.0, x).sum().backward()
        assert str(exc.value) == "derivative for aten::remainder is not implemented"


@pytest.mark.parametrize("expression", [
    lambda m, x, y: m.clamp(x, 0, 1), lambda m, x, y: m.clip(x, max=0), lambda m, x, y: m.clamp(x, y),
    lambda m, x, y: m.clamp(x, max=y), lambda m, x, y: m.clamp(x, y, y + 1), lambda m, x, y: m.clamp_min(x, 0),
    lambda m, x, y: m.clamp_min(x, y), lambda m, x, y: m.clamp_max(x, 0), lambda m, x, y: m.clamp_max(x, y),
    lambda m, x, y: m.lerp(x, y, 0.5), lambda m, x, y: m.lerp(x, y, y), lambda m, x, y: m.round(x, decimals=2),
    lambda m, x, y: m.round(x, decimals=0), lambda m, x, y: m.round(x),
    lambda m, x, y: m.div(x, y, rounding_mode="floor"), lambda m, x, y: m.div(x, 2, rounding_mode="trunc"),
    lambda m, x, y: m.fmod(x, 2), lambda m, x, y: m.fmod(x, y), lambda m, x, y: m.remainder(x, 2),
    lambda m, x, y: m.remainder(x, y), lambda m, x, y: m.xlogy(x, y), lambda m, x, y: m.xlogy(x, 2),
    lambda m, x, y: m.xlogy(2, y), lambda m, x, y: m.copysign(x, y), lambda m, x, y: m.copysign(x, 2.0),
    lambda m, x, y: m.square(x), lambda m, x, y: m.pow(2, x), lambda m, x, y: m.sub(2, x),
    lambda m, x, y: m.true_divide(x, y), lambda m, x, y: m.sgn(x),
], ids=lambda fn: "")
def test_grad_fn_names_match_torch(expression):
    names = []
    for m in (chainrule, torch):
        x = m.tensor([0.5, -1.5], requires_grad=True)
        y = m.tensor([1.5, 2.5], requires_grad=True)
        names.append(type(expression(m, x, y).grad_fn).__name__)
    assert names[0] == names[1]


# ---------------------------------------------------------------- numerics
def test_sigmoid_is_finite_far_out():
    x = chainrule.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    y = chainrule.sigmoid(x)
    y.sum().backward()
    expected = torch.sigmoid(torch.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0]))
    np.testing.assert_array_equal(y.detach().numpy(), expected.numpy())
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("name", ["log1p", "expm1"])
def test_log1p_and_expm1_keep_tiny_arguments(name):
    x = np.array([1e-300, -1e-20, 1e-10, 3e-8])
    ours = getattr(chainrule, name)(chainrule.tensor(x, dtype=chainrule.float64)).numpy()
    theirs = getattr(torch, name)(torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_error_functions_match_torch_in_float64(name):
    if name == "erfinv":
        x = np.concatenate([np.linspace(-1, 1, 2001), 1 - np.logspace(-16, -1, 60), -1 + np.logspace(-16, -1, 60),
                            np.logspace(-300, -1, 40), [1.5, -1.5, np.nan]])
    else:
        x = np.concatenate([np.linspace(-30, 30, 2001), [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300]])
    ours = getattr(chainrule, name)(chainrule.tensor(x, dtype=chainrule.float64)).numpy()
    theirs = getattr(torch, name)(torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=5e-15, atol=0, equal_nan=True)
    _assert_same_signs(ours, theirs)


def test_erf_family_in_low_precision_keeps_the_dtype():
    for dtype in ("float16", "float32"):
        x = np.linspace(-3, 3, 13)
        for name in ("erf", "erfc"):
            ours = getattr(chainrule, name)(chainrule.tensor(x, dtype=getattr(chainrule, dtype)))
            theirs = getattr(torch, name)(torch.tensor(x, dtype=getattr(torch, dtype)))
            assert ours.dtype == getattr(chainrule, dtype)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-3 if dtype == "float16" else 1e-6)


def test_rounding_matches_torch_on_halves_and_signed_zeros():
    x = np.array([-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, -0.2, 1234.5678])
    for name in ("floor", "ceil", "round", "trunc", "frac"):
        ours = getattr(chainrule, name)(chainrule.tensor(x)).numpy()
        theirs = getattr(torch, name)(torch.tensor(x)).numpy()
        np.testing.assert_array_equal(ours, theirs)
        _assert_same_signs(ours, theirs)
    for decimals in (1, 2, -1, -2):
        ours = chainrule.round(chainrule.tensor(x * 10), decimals=decimals).numpy()
        theirs = torch.round(torch.tensor(x * 10), decimals=decimals).numpy()
        np.testing.assert_array_equal(ours, theirs)


def test_floor_and_trunc_division_follow_python_signs():
    a = np.array([7.0, -7.0, 7.0, -7.0, 0.0, -0.0, 5.5, 1.0])
    b = np.array([2.0, 2.0, -2.0, -2.0, -3.0, 3.0, 0.0, 0.1])
    for rounding_mode in ("floor", "trunc"):
        ours = chainrule.div(chainrule.tensor(a), chainrule.tensor(b), rounding_mode=rounding_mode).numpy()
        theirs = torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=rounding_mode).numpy()
        np.testing.assert_array_equal(ours, theirs)
        _assert_same_signs(ours, theirs)
    ints = (np.array([7, -7, 7, -7, 0, -1]), np.array([2, 2, -2, -2, 3, 5]))
    for fn in (lambda m, x, y: m.div(x, y, rounding_mode="trunc"), lambda m, x, y: m.floor_divide(x, y),
               lambda m, x, y: m.fmod(x, y), lambda m, x, y: m.remainder(x, y)):
        ours = fn(chainrule, chainrule.tensor(ints[0]), chainrule.tensor(ints[1]))
        theirs = fn(torch, torch.tensor(ints[0]), torch.tensor(ints[1]))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_floating_point_warnings_stay_quiet():
    """PyTorch never warns about log(0) or 0/0; run as a program would, with warnings as errors."""
    program = ("import chainrule; x = chainrule.tensor([-1.0, 0.0], requires_grad=True); "
               "chainrule.log(x), chainrule.sqrt(x), x / 0, chainrule.xlogy(x, x), chainrule.erfinv(x * 2), "
               "chainrule.fmod(x, 0.0), chainrule.acosh(x), (x * 0).log().sum().backward()")
    completed = subprocess.run([sys.executable, "-W", "error", "-c", program], capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert completed.returncode == 0, completed.stderr


# ---------------------------------------------------------------- second order through the rules
@pytest.mark.parametrize("expression", [
    lambda m, x: m.erf(x), lambda m, x: m.erfinv(x / 3), lambda m, x: m.logit(m.sigmoid(x)),
    lambda m, x: m.rsqrt(x + 3), lambda m, x: m.atan2(x, x * x + 1), lambda m, x: m.hypot(x, x + 2),
    lambda m, x: m.lerp(x, x * x, x), lambda m, x: m.addcdiv(x, x, x + 3, value=2), lambda m, x: m.xlogy(x, x + 3),
    lambda m, x: m.pow(x + 3, x), lambda m, x: m.pow(2.5, x), lambda m, x: m.copysign(x, x - 0.1),
])
def test_second_derivatives_match_torch(expression):
    results = []
    for m in (chainrule, torch):
        x = m.tensor([0.3, -0.7, 1.1], dtype=m.float64, requires_grad=True)
        (first,) = m.autograd.grad(expression(m, x).sum(), x, create_graph=True)
        (second,) = m.autograd.grad(first.sum(), x)
        results.append((first.detach().numpy(), second.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- in place and out=
@pytest.mark.parametrize("expression", [
    lambda m, x, y: x.exp_(), lambda m, x, y: x.clamp_(0, 1), lambda m, x, y: x.clamp_(min=y),
    lambda m, x, y: x.clip_(max=0.2), lambda m, x, y: x.clamp_min_(0.1), lambda m, x, y: x.clamp_max_(y),
    lambda m, x, y: x.lerp_(y, 0.3), lambda m, x, y: x.atan2_(y), lambda m, x, y: x.hypot_(y),
    lambda m, x, y: x.addcmul_(y, y, value=2), lambda m, x, y: x.addcdiv_(y, y + 3), lambda m, x, y: x.fmod_(0.4),
    lambda m, x, y: x.remainder_(y), lambda m, x, y: x.floor_(), lambda m, x, y: x.round_(decimals=1),
    lambda m, x, y: x.logit_(), lambda m, x, y: x.erfinv_(), lambda m, x, y: x.nan_to_num_(),
    lambda m, x, y: x.copysign_(-1.0), lambda m, x, y: x.xlogy_(y), lambda m, x, y: x.square_(),
    lambda m, x, y: x.sgn_(), lambda m, x, y: x.arctan_(), lambda m, x, y: x.lt_(y), lambda m, x, y: x.eq_(0.3),
    lambda m, x, y: x.greater_equal_(y), lambda m, x, y: x.logical_and_(y), lambda m, x, y: x.logical_not_(),
], ids=lambda fn: "")
def test_inplace_variants_match_torch(expression):
    results = []
    for m in (chainrule, torch):
        leaf = m.tensor([0.3, -0.7, 0.9], requires_grad=True)
        other = m.tensor([0.5, 0.2, -0.4], requires_grad=True)
        x = leaf * 1
        out = expression(m, x, other)
        assert out is x
        x.sum().backward()
        grads = [t.grad.numpy(force=True) if t.grad is not None else None for t in (leaf, other)]
        results.append((x.detach().numpy(), type(x.grad_fn).__name__, x._version, grads))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    assert results[0][1:3] == results[1][1:3]
    for ours, theirs in zip(results[0][3], results[1][3]):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_inplace_into_an_integer_tensor_refuses_a_float_result():
    for m in (chainrule, torch):
        with pytest.raises(RuntimeError) as exc:
            m.tensor([1, 2]).exp_()
        assert str(exc.value) == "result type Float can't be cast to the desired output type Long"


@pytest.mark.parametrize("expression", [
    lambda m, x, out: m.exp(x, out=out), lambda m, x, out: m.add(x, 1, out=out),
    lambda m, x, out: m.clamp(x, 0, 1, out=out), lambda m, x, out: m.maximum(x, x, out=out),
    lambda m, x, out: m.floor(x, out=out), lambda m, x, out: m.pow(x, 2, out=out),
    lambda m, x, out: m.div(x, 2, rounding_mode="floor", out=out), lambda m, x, out: m.lerp(x, x, 0.5, out=out),
], ids=lambda fn: "")
def test_out_argument_matches_torch(expression):
    for m in (chainrule, torch):
        x = m.tensor([0.5, -1.5, 2.0])
        out = m.empty(3)
        result = expression(m, x, out)
        assert result is out and out._version == 1
        x.requires_grad_(True)
        with pytest.raises(RuntimeError) as exc:
            expression(m, x, m.empty(3))
        assert "functions with out=... arguments don't support automatic differentiation" in str(exc.value)
    _assert_same(lambda m: expression(m, m.tensor([0.5, -1.5, 2.0]), m.empty(3)))


def test_out_argument_resizes_and_checks_dtype():
    for m in (chainrule, torch):
        out = m.empty(2)
        with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
            m.exp(m.ones(3), out=out)
        assert tuple(out.shape) == (3,)
        empty = m.empty(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            m.exp(m.ones(2, 2), out=empty)
        assert tuple(empty.shape) == (2, 2)
        with pytest.raises(RuntimeError) as exc:
            m.exp(m.ones(3), out=m.empty(3, dtype=m.int64))
        assert str(exc.value) == "result type Float can't be cast to the desired output type Long"
        with m.no_grad():
            m.exp(m.ones(3, requires_grad=True), out=m.empty(3))


@pytest.mark.parametrize("expression", ["x * p", "p * x", "x - p", "p / x", "x ** p", "torch.maximum(x, p)",
                                        "torch.atan2(p, x)", "x + s", "s * x", "torch.add(x, p, alpha=2)"])
def test_binary_ops_take_parameters_and_tensor_subclasses_as_either_operand(expression):
    results = []
    for module in (chainrule, torch):
        class Sub(module.Tensor):
            pass

        x = module.tensor([1.5, -2.0, 0.5], dtype=module.float64)
        namespace = {"torch": module, "x": x, "p": module.nn.Parameter(x * 3), "s": x.clone().as_subclass(Sub)}
        result = eval(expression, namespace)  # the test's own fixed expressions
        results.append((result.detach().numpy(), str(result.dtype).split(".")[-1], result.requires_grad))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-15)
    assert results[0][1:] == results[1][1:]
