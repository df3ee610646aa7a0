"""Ops that take another NumPy route for large inputs (the op table's samples are too small to reach it),
or whose route the op table's few ties and nans hardly test: median's index among ties, mode along a short
dim, cumsum/cumprod along a short dim, amax/amin over a short last axis, nll_loss on images, batch norm's
training statistics, combinations. Each is checked against PyTorch, and where the route must give the same
bits as the general one, against that."""

import numpy as np
import pytest
import torch

import chainrule
from chainrule._ops.sorting import _lower_median_position, _mode_indices, _mode_indices_few, _stably_sorted_at


def _pair(array, grad=False):
    return (chainrule.tensor(array, requires_grad=grad), torch.tensor(array, requires_grad=grad))


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_mode_along_a_short_dim_matches_pytorch(dim, dtype):
    values = np.random.default_rng(0).integers(-2, 3, (1500, 4, 3)).astype(dtype)
    ours, theirs = _pair(values)
    got, expected = chainrule.mode(ours, dim), torch.mode(theirs, dim)
    np.testing.assert_array_equal(got.values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(got.indices.numpy(), expected.indices.numpy())


def test_mode_by_pairwise_counts_picks_what_sorting_picks():
    rng = np.random.default_rng(1)
    for size in range(1, 9):
        values = rng.integers(-2, 3, (600, size)).astype(np.float32)
        values[rng.random(values.shape) < 0.2] = np.nan
        values[rng.random(values.shape) < 0.2] = -0.0
        values[:50] = np.nan
        for dim in (0, 1):
            np.testing.assert_array_equal(_mode_indices_few(values, dim), _mode_indices(values, dim))


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("dim", [0, 1])
def test_median_among_ties_matches_pytorch(name, dim):
    values = np.random.default_rng(8).integers(-3, 4, (64, 96)).astype(np.float32)
    ours, theirs = _pair(values)
    got, expected = getattr(chainrule, name)(ours, dim), getattr(torch, name)(theirs, dim)
    np.testing.assert_array_equal(got.values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(got.indices.numpy(), expected.indices.numpy())


def test_median_position_picks_what_a_stable_argsort_picks():
    rng = np.random.default_rng(9)
    values = rng.integers(-2, 3, (50, 40, 30)).astype(np.float32)
    values[rng.random(values.shape) < 0.1] = np.nan
    values[rng.random(values.shape) < 0.2] = -0.0
    values[:5] = np.nan
    for dim in range(3):
        for skip_nan in (False, True):
            position = _lower_median_position(values, dim, skip_nan)
            expected = np.take_along_axis(np.argsort(values, axis=dim, kind="stable"), position, dim)
            np.testing.assert_array_equal(_stably_sorted_at(values, dim, position), expected)


def test_median_under_vmap_is_each_samples_median():
    values = np.random.default_rng(10).integers(-2, 3, (3, 40, 30)).astype(np.float32)
    batched = chainrule.func.vmap(lambda t: chainrule.median(t, 0))(chainrule.tensor(values))
    for sample, (value, index) in zip(values, zip(*batched)):
        expected = chainrule.median(chainrule.tensor(sample), 0)
        np.testing.assert_array_equal(value.numpy(), expected.values.numpy())
        np.testing.assert_array_equal(index.numpy(), expected.indices.numpy())


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_scans_along_a_short_dim_keep_numpys_bits(name, dim):
    values = np.random.default_rng(2).uniform(0.5, 1.5, (30, 40, 20)).astype(np.float32)
    ours, theirs = _pair(values)
    got = getattr(chainrule, name)(ours, dim).numpy()
    np.testing.assert_array_equal(got, getattr(np, name)(values, axis=dim))
    np.testing.assert_allclose(got, getattr(torch, name)(theirs, dim).numpy(), rtol=1e-5)


def test_integer_scan_along_a_short_dim_sums_in_int64():
    values = np.random.default_rng(3).integers(0, 100, (500, 10)).astype(np.int32)
    got = chainrule.cumsum(chainrule.tensor(values), 1)
    assert got.dtype == chainrule.int64
    np.testing.assert_array_equal(got.numpy(), torch.cumsum(torch.tensor(values), 1).numpy())


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_extremes_over_a_short_last_axis_match_pytorch(name, keepdim):
    values = np.random.default_rng(4).standard_normal((40, 50, 30)).astype(np.float32)
    values[3, 4, 5] = np.nan
    ours, theirs = _pair(values, grad=True)
    got, expected = getattr(chainrule, name)(ours, -1, keepdim), getattr(torch, name)(theirs, -1, keepdim)
    np.testing.assert_array_equal(got.detach().numpy(), expected.detach().numpy())
    cotangent = np.random.default_rng(5).standard_normal(tuple(expected.shape)).astype(np.float32)
    got.backward(chainrule.tensor(cotangent))
    expected.backward(torch.tensor(cotangent))
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("shape", [(20, 30, 40), (6, 7, 8, 9)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_on_images_matches_pytorch(shape, reduction):
    rng = np.random.default_rng(6)
    log_probs = rng.standard_normal(shape).astype(np.float32)
    target = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    target.reshape(-1)[::7] = -100
    (ours, theirs), (our_target, their_target) = _pair(log_probs, grad=True), _pair(target)
    got = chainrule.nn.functional.nll_loss(ours, our_target, reduction=reduction)
    expected = torch.nn.functional.nll_loss(theirs, their_target, reduction=reduction)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5)
    got.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5)


@pytest.mark.parametrize("shape", [(4096, 3), (2000, 2, 3), (16, 4, 8, 8)])
def test_batch_norm_training_statistics_match_pytorch(shape):
    values = (np.random.default_rng(7).standard_normal(shape) * 3 + 5).astype(np.float32)
    channels = shape[1]
    results = []
    for module, array in zip((chainrule, torch), _pair(values)):
        mean, var = module.zeros(channels), module.ones(channels)
        out = module.nn.functional.batch_norm(array, mean, var, training=True)
        results.append((out.numpy(), mean.numpy(), var.numpy()))
    for got, expected in zip(*results):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("r, with_replacement", [(2, False), (3, False), (3, True), (1, False), (4, True)])
def test_combinations_of_many_elements_match_pytorch(r, with_replacement):
    values = np.arange(25, dtype=np.float32)
    ours, theirs = _pair(values)
    got = chainrule.combinations(ours, r, with_replacement)
    expected = torch.combinations(theirs, r, with_replacement)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
