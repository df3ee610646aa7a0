"""Kernels that take a faster path on large arrays (the op table's samples are too small to reach it):
``pow`` with a number, ``clamp``, ``relu``, ``deg2rad``/``rad2deg``, ``nan_to_num``, ``where``,
``index_add`` and the gradient of reading rows (both summed after sorting), on arrays of 20,000 elements
with the special values among them. Values and gradients are compared with PyTorch, bit for bit where
chainrule computes with PyTorch's own arithmetic; under ``chainrule.compile`` the replay must give
eager's bits.
"""

import math

import numpy as np
import pytest
import torch

import chainrule

SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, -0.5, 1e-30, -1e-30, 1e30, -1e30]
SIZE = 20000
ROWS = np.random.default_rng(1).integers(0, 199, 300)  # repeated rows


def _values(dtype, low=-3.0, high=3.0):
    rng = np.random.default_rng(0)
    return np.concatenate([SPECIAL, rng.uniform(low, high, SIZE - len(SPECIAL))]).astype(dtype)


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True) and np.array_equal(
        np.signbit(a[~np.isnan(a)]), np.signbit(b[~np.isnan(b)]))


# (name, fn(module, x), bit for bit with PyTorch)
CASES = [
    ("x ** 0", lambda m, x: x ** 0, True),
    ("x ** 2", lambda m, x: x ** 2, True),
    ("x ** 3.0", lambda m, x: x ** 3.0, True),
    ("x ** -1", lambda m, x: x ** -1, True),
    ("x ** -2.0", lambda m, x: x ** -2.0, True),
    ("x ** -0.5", lambda m, x: x ** -0.5, True),
    ("x ** 0.5", lambda m, x: x ** 0.5, False),
    ("x ** 4", lambda m, x: x ** 4, False),
    ("x ** 5.0", lambda m, x: x ** 5.0, False),
    ("x ** -3", lambda m, x: x ** -3, False),
    ("x ** 2.5", lambda m, x: x ** 2.5, False),
    ("pow(x, 7)", lambda m, x: m.pow(x, 7), False),
    ("clamp(x, -0.5, 0.5)", lambda m, x: m.clamp(x, -0.5, 0.5), True),
    ("clamp(x, 0.0, 0.0)", lambda m, x: m.clamp(x, 0.0, 0.0), True),
    ("clamp(x, min=-0.0)", lambda m, x: m.clamp(x, min=-0.0), True),
    ("clamp(x, max=1)", lambda m, x: m.clamp(x, max=1), True),
    ("clamp(x, 1.0, -1.0)", lambda m, x: m.clamp(x, 1.0, -1.0), True),
    ("relu", lambda m, x: m.relu(x), True),
    ("deg2rad", lambda m, x: m.deg2rad(x), True),
    ("rad2deg", lambda m, x: m.rad2deg(x), True),
    ("nan_to_num", lambda m, x: m.nan_to_num(x), True),
    ("nan_to_num(nan=2.5)", lambda m, x: m.nan_to_num(x, nan=2.5), True),
    ("where(x > 1, x, 0.0)", lambda m, x: m.where(x > 1, x, 0.0), True),
    ("where(x > 1, 0.0, x)", lambda m, x: m.where(x > 1, 0.0, x), True),
    ("where(x > 1, x, -0.0)", lambda m, x: m.where(x > 1, x, -0.0), True),
    ("where(x < 1, 2.5, x)", lambda m, x: m.where(x < 1, 2.5, x), True),
    ("where(x > 1, x, -x)", lambda m, x: m.where(x > 1, x, -x), True),
    ("where(x > 1, x, x[:1])", lambda m, x: m.where(x > 1, x, x[:1]), True),
    ("x[:19900].reshape(199, 100)[rows]", lambda m, x: x[:19900].reshape(199, 100)[m.from_numpy(ROWS)], True),
    # (of magnitudes: another order of the sums must not cancel into a large relative difference)
    ("index_add(0, rows, .)", lambda m, x: x[:19900].abs().reshape(199, 100).index_add(
        0, m.from_numpy(ROWS[:150]), x[:15000].abs().reshape(150, 100)), False),
    ("index_add(1, rows, .)", lambda m, x: x[:19900].abs().reshape(100, 199).index_add(
        1, m.from_numpy(ROWS[:150]), x[:15000].abs().reshape(100, 150)), False),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,fn,exact", CASES, ids=[c[0] for c in CASES])
def test_large_array_values_match_torch(name, fn, exact, dtype):
    values = _values(dtype)
    with np.errstate(all="ignore"):
        ours = fn(chainrule, chainrule.from_numpy(values.copy())).numpy()
    theirs = fn(torch, torch.from_numpy(values.copy())).numpy()
    if exact:
        assert _same_bits(ours, theirs)
    else:
        tolerance = 1e-6 if dtype == np.float32 else 1e-14
        np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=0, equal_nan=True)


@pytest.mark.parametrize("name,fn,exact", CASES, ids=[c[0] for c in CASES])
def test_large_array_gradients_match_torch(name, fn, exact):
    values = _values(np.float64, 0.25, 3.0)  # away from the poles and kinks; the special values left out
    values = values[len(SPECIAL):]
    grads = []
    for module in (chainrule, torch):
        x = module.from_numpy(values.copy()).requires_grad_(True)
        fn(module, x).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=0)


@pytest.mark.parametrize("name,fn,exact", CASES, ids=[c[0] for c in CASES])
def test_large_array_kernels_replay_eager_bits(name, fn, exact):
    def step(x):
        y = fn(chainrule, x)
        (grad,) = chainrule.autograd.grad(y, x, chainrule.ones_like(y))
        return y.detach(), grad

    compiled = chainrule.compile(step)
    with np.errstate(all="ignore"):
        for call in range(4):  # recorded, checked, then replayed: each call on other values
            values = _values(np.float32) * np.float32(1 + call / 8)
            ours = compiled(chainrule.from_numpy(values.copy()).requires_grad_(True))
            eager = step(chainrule.from_numpy(values.copy()).requires_grad_(True))
            assert all(_same_bits(a.numpy(), b.numpy()) for a, b in zip(ours, eager)), call
    assert compiled.replays == 2, compiled.explain()


# (shape, dim): a short last axis multiplied slice by slice, a long one in lanes (with and without a
# remainder past the last whole block), the whole tensor, and a middle length left to NumPy's loop
PRODUCTS = [((5000, 4), -1), ((1250, 16), -1), ((4, 5000), -1), ((8, 2048), 1), ((20000,), None),
            ((400, 50), -1), ((5000, 4), 0)]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64"])
@pytest.mark.parametrize("shape,dim", PRODUCTS, ids=[f"{s}-{d}" for s, d in PRODUCTS])
def test_large_products_match_torch(shape, dim, dtype):
    rng = np.random.default_rng(0)
    values = 1 + rng.uniform(-1, 1, shape) / 1000
    if dtype == "complex64":
        values = values * np.exp(1j * rng.uniform(-1e-3, 1e-3, shape))
    specials = dim in (-1, 1)
    if specials:  # NaN, infinities and zeros in the first rows only
        values.flat[:len(SPECIAL)] = SPECIAL
    values.flat[len(SPECIAL) + 3] = 0.0  # the gradient's path for a product with a zero
    results = []
    for module in (chainrule, torch):
        with np.errstate(over="ignore"):  # 1e30 is inf in float16
            x = module.from_numpy(values.astype(dtype)).requires_grad_(True)
        product = x.prod() if dim is None else x.prod(dim, keepdim=True)
        (grad,) = module.autograd.grad(product.real.sum() if dtype == "complex64" else product.sum(), x)
        results.append((product.detach().numpy(), grad.numpy()))
    length = math.prod(shape) if dim is None else shape[dim]
    epsilon = np.finfo(np.dtype(dtype)).eps
    tolerance = 4 * epsilon * math.sqrt(length) + (1e-3 if dtype == "float16" else 0)
    (ours, ours_grad), (theirs, theirs_grad) = results
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert not np.isnan(theirs).all() and np.isnan(theirs).any() == specials
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=0, equal_nan=True)
    np.testing.assert_allclose(ours_grad, theirs_grad, rtol=tolerance, atol=tolerance, equal_nan=True)
