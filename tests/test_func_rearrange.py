"""func.rearrange against PyTorch's: shapes, values, gradients and the errors of wrong patterns."""

import numpy as np
import pytest
import torch

import chainrule

CASES = [
    ("b c h -> b (c h)", {}),
    ("b c (h1 h2) -> (b h1) c h2", {"h1": 2}),
    ("b c (h1 h2) -> b c h1 h2", {"h2": 2}),
    ("... h -> h ...", {}),
    ("b ... -> ... b", {}),
    ("b c h -> b 1 c h", {}),
    ("b c h -> b c h ()", {}),
    ("b c h -> (b c h)", {}),
    ("b c h -> h c b", {}),
    ("b c h -> b c h", {"b": 2, "c": 3}),
    ("b ... h -> (b h) ...", {}),
]


def _both(expression_of):
    out = []
    for module in (chainrule, torch):
        try:
            out.append(("ok", expression_of(module)))
        except Exception as error:  # compared with PyTorch's outcome
            out.append((type(error).__name__, str(error)))
    return out


@pytest.mark.parametrize("pattern, lengths", CASES)
def test_rearrange_matches_torch_with_gradients(pattern, lengths):
    data = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    x = chainrule.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    ours = chainrule.func.rearrange(x, pattern, **lengths)
    theirs = torch.func.rearrange(tx, pattern, **lengths)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    weights = np.linspace(-1, 1, theirs.numel()).reshape(tuple(theirs.shape))
    (ours * chainrule.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_rearrange_stacks_a_list_of_tensors():
    ours = chainrule.func.rearrange([chainrule.ones(3), chainrule.zeros(3)], "n c -> c n")
    theirs = torch.func.rearrange([torch.ones(3), torch.zeros(3)], "n c -> c n")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("pattern, lengths", [
    ("b c -> b c", {}), ("b c h -> b c", {}), ("b c h -> b c h x", {}), ("b c h -> b c h 2", {}),
    ("b b c -> b c", {}), ("b c h -> ... b", {}), ("b c h", {}), ("b c h -> b c h -> x", {}),
    ("b c h -> b c h", {"q": 2}), ("b (c h) w -> b c h w", {}), ("b c (h1 h2) -> b c h1 h2", {"h1": 3}),
    ("b c h1 -> b c h1", {"h1": 5}),
])
def test_rearrange_refuses_what_torch_refuses(pattern, lengths):
    x = np.zeros((2, 3, 4))
    (ours, our_message), (theirs, their_message) = _both(
        lambda m: m.func.rearrange(m.tensor(x), pattern, **lengths))
    assert ours == theirs and ours != "ok"
    assert our_message == their_message
