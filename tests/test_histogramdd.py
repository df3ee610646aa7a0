"""``histogramdd`` against PyTorch: counts, weights, densities and bin edges (to the bit), and its errors."""

import numpy as np
import pytest
import torch
from matrix_checks import same_error

import chainrule

RNG = np.random.default_rng(5)
POINTS = RNG.standard_normal((50, 3)).astype(np.float32)
WEIGHTS = RNG.random(50)
GRID = RNG.integers(0, 4, (40, 2)).astype(np.float32)


def _same(call, exact=True):
    ours, theirs = call(chainrule), call(torch)
    assert type(ours).__name__ == type(theirs).__name__ == "histogramdd"
    assert str(ours.hist.dtype).split(".")[-1] == str(theirs.hist.dtype).split(".")[-1]
    if exact:
        np.testing.assert_array_equal(ours.hist.numpy(), theirs.hist.numpy())
    else:
        np.testing.assert_allclose(ours.hist.numpy(), theirs.hist.numpy(), rtol=1e-6)
    assert len(ours.bin_edges) == len(theirs.bin_edges)
    for a, b in zip(ours.bin_edges, theirs.bin_edges):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("call", [
    lambda m: m.histogramdd(m.tensor(POINTS), bins=4),
    lambda m: m.histogramdd(m.tensor(POINTS).double(), bins=(3, 4, 5)),
    lambda m: m.histogramdd(m.tensor(POINTS), bins=[3, 4, 5], range=[-1., 1., -2., 2., 0., 1.]),
    lambda m: m.histogramdd(m.tensor(POINTS[:, :2]), bins=[m.tensor([-1., 0., 0.5, 2.]), m.tensor([-3., 3.])]),
    lambda m: m.histogramdd(m.tensor(POINTS).reshape(5, 10, 3), bins=2),
    lambda m: m.histogramdd(m.zeros(0, 2), bins=2),
    lambda m: m.histogramdd(m.ones(3, 2), bins=2),
    lambda m: m.histogramdd(m.tensor(GRID), bins=[4, 3]),
    lambda m: m.histogramdd(m.tensor(GRID), bins=[m.tensor([1., 0.]), m.tensor([0., 1.])]),
], ids=["one count", "a count per dim", "range", "edges", "flattened points", "no points", "one value",
        "points on edges", "decreasing edges"])
def test_counts_and_edges_match_torch(call):
    _same(call)


@pytest.mark.parametrize("call", [
    lambda m: m.histogramdd(m.tensor(POINTS).double(), bins=[3, 4, 5], weight=m.tensor(WEIGHTS)),
    lambda m: m.histogramdd(m.tensor(POINTS), bins=3, density=True),
    lambda m: m.histogramdd(m.tensor(POINTS).double(), bins=[2, 3, 2], weight=m.tensor(WEIGHTS), density=True),
], ids=["weights", "density", "weighted density"])
def test_weights_and_densities_match_torch(call):
    _same(call, exact=False)


@pytest.mark.parametrize("call", [
    lambda m: m.histogramdd(m.tensor(GRID), bins=[2]),
    lambda m: m.histogramdd(m.tensor(GRID), bins=0),
    lambda m: m.histogramdd(m.tensor(GRID).long(), bins=2),
    lambda m: m.histogramdd(m.tensor(GRID), bins=2, range=[0., 1.]),
    lambda m: m.histogramdd(m.tensor(GRID), bins=2, range=[1., 0., 0., 1.]),
    lambda m: m.histogramdd(m.tensor(GRID), bins=2, range=[0., 1., 0., float("nan")]),
    lambda m: m.histogramdd(m.tensor(GRID), bins=2, weight=m.ones(3)),
    lambda m: m.histogramdd(m.tensor(GRID), bins=2, weight=m.ones(40, dtype=m.float64)),
    lambda m: m.histogramdd(m.tensor(GRID[0]), bins=2),
    lambda m: m.histogramdd(m.tensor([[float("inf"), 0.]]), bins=2),
    lambda m: m.histogramdd(m.tensor(GRID), bins=[m.tensor([0., 1.]), 2]),
    lambda m: m.histogramdd(m.tensor(GRID), bins=[m.tensor([[0., 1.]]), m.tensor([0., 1.])]),
    lambda m: m.histogramdd(m.tensor(GRID), bins=[m.tensor([0., 1.]), m.tensor([0., 1.], dtype=m.float64)]),
    lambda m: m.histogramdd(m.tensor(GRID), bins=[m.tensor([]), m.tensor([0., 1.])]),
])
def test_errors_match_torch(call):
    same_error(call)
