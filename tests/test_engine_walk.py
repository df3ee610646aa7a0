"""The backward walk's edge cases, against PyTorch: roots that are ancestors of other roots, ``grad`` over
several roots, NaN gradients with and without anomaly mode, and the cycle collector paused meanwhile."""

import gc
import warnings

import numpy as np
import pytest
import torch

import chainrule


def _rounded(tensors):
    return [None if t is None else np.round(t.detach().numpy().astype(float), 10).tolist() for t in tensors]


def test_a_root_that_feeds_another_root_runs_once_after_both():
    """``h`` is a root and also an input of the root ``y``: its gradient is the sum of both, delivered once."""
    def run(m):
        calls = []
        x = m.tensor([0.5, 1.5], requires_grad=True)
        h = x.exp()
        h.register_hook(lambda g: calls.append(g.tolist()))
        y = (h * 2).sin()
        m.autograd.backward([y, h], [m.ones(2), m.full((2,), 3.0)])
        return calls, x.grad.tolist()

    assert run(chainrule) == run(torch)


def test_grad_over_roots_that_reach_each_other_and_one_that_does_not():
    """Walking from several roots: a root already reached from an earlier one must not end the search."""
    def run(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        w = m.tensor([2.0, -1.0], requires_grad=True)
        h = x.exp()
        y = (h * 2).sum()
        k = (w * 3).sum()
        grads = m.autograd.grad([y, h, k], [x, w], [m.tensor(1.0), m.tensor([0.5, 2.0]), m.tensor(1.0)])
        return _rounded(grads)

    assert run(chainrule) == run(torch)


def test_nan_gradients_pass_through_unless_anomaly_mode_is_on():
    def run(m, anomaly):
        x = m.tensor([0.0, 4.0], requires_grad=True)
        y = (x.sqrt() * 0).sum()  # 0 * inf: a NaN in the gradient of sqrt
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with m.autograd.set_detect_anomaly(anomaly):
                try:
                    y.backward()
                except RuntimeError as error:
                    return "raised", str(error).split(" returned nan")[0]
        return "passed", [str(v) for v in x.grad.tolist()]

    assert run(chainrule, False) == run(torch, False) == ("passed", ["nan", "0.0"])
    ours, theirs = run(chainrule, True), run(torch, True)
    assert ours[0] == theirs[0] == "raised"
    assert ours == theirs


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_cycle_collector_is_paused_during_the_walk_and_restored(enabled_before):
    seen = []
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.register_hook(lambda g: seen.append(gc.isenabled()))
    if not enabled_before:
        gc.disable()
    try:
        y.sum().backward()
        assert gc.isenabled() == enabled_before
    finally:
        gc.enable()
    assert seen == [False]
