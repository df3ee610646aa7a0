"""``optim.Muon`` against PyTorch's: a few steps of a small network agree to float32 rounding (the
Newton–Schulz iterations are bfloat16 in both), for each option; state dicts and errors as PyTorch's."""

import numpy as np
import pytest
import torch
from matrix_checks import MODULES, same_error

import chainrule

RNG = np.random.default_rng(0)
W1 = RNG.standard_normal((6, 4)).astype(np.float32)
W2 = RNG.standard_normal((3, 4)).astype(np.float32)
X = RNG.standard_normal((8, 6)).astype(np.float32)


def _train(m, steps=5, **options):
    w1, w2 = m.nn.Parameter(m.tensor(W1)), m.nn.Parameter(m.tensor(W2))
    optimizer = m.optim.Muon([w1, w2], lr=0.02, **options)
    for _ in range(steps):
        optimizer.zero_grad()
        ((m.tensor(X) @ w1).tanh() @ w2.T).pow(2).sum().backward()
        optimizer.step()
    return optimizer, [w1.detach().numpy(), w2.detach().numpy(), optimizer.state[w1]["momentum_buffer"].numpy()]


@pytest.mark.parametrize("options", [{}, {"nesterov": False}, {"adjust_lr_fn": "match_rms_adamw", "weight_decay": 0.0},
                                     {"ns_steps": 2, "momentum": 0.5, "ns_coefficients": (2.0, -1.5, 0.5)}],
                         ids=["defaults", "plain momentum", "adamw rms", "other iteration"])
def test_steps_match_torch(options):
    (_, ours), (_, theirs) = (_train(m, **options) for m in MODULES)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_state_dict_matches_torch():
    (ours, _), (theirs, _) = (_train(m, steps=1) for m in MODULES)
    ours, theirs = ours.state_dict(), theirs.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert {k: sorted(v) for k, v in ours["state"].items()} == {k: sorted(v) for k, v in theirs["state"].items()}
    assert repr(chainrule.optim.Muon([chainrule.nn.Parameter(chainrule.ones(2, 2))])).replace("chainrule", "torch") \
        == repr(torch.optim.Muon([torch.nn.Parameter(torch.ones(2, 2))]))


def _param(m, *shape):
    return m.nn.Parameter(m.ones(*shape))


@pytest.mark.parametrize("call", [
    lambda m: m.optim.Muon([_param(m, 2, 2)], lr=-1.0),
    lambda m: m.optim.Muon([_param(m, 2, 2)], momentum=-0.5),
    lambda m: m.optim.Muon([_param(m, 2, 2)], weight_decay=-0.1),
    lambda m: m.optim.Muon([_param(m, 2, 2)], adjust_lr_fn="other"),
    lambda m: m.optim.Muon([_param(m, 3)]),
    lambda m: m.optim.Muon([_param(m, 2, 2)], lr=m.tensor([0.1, 0.2])),
])
def test_errors_match_torch(call):
    same_error(call)


@pytest.mark.parametrize("options", [{"ns_steps": 100}, {"ns_coefficients": (1.0, 2.0)}])
def test_step_errors_match_torch(options):
    def call(m):
        p = _param(m, 2, 3)
        p.grad = m.ones(2, 3)
        m.optim.Muon([p], **options).step()

    same_error(call)
