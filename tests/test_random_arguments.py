"""Random draws called with their defaults and at their arguments' edges give PyTorch's numbers bit for bit
(chainrule's streams are PyTorch's): what tests passing every argument cannot show."""

import pytest
import torch

import chainrule

CALLS = {
    "uniform_ defaults": lambda m: m.empty(7).uniform_(),
    "normal_ defaults": lambda m: m.empty(7).normal_(),
    "normal_ std 0": lambda m: m.empty(7).normal_(2.5, 0.0),
    "bernoulli_ defaults": lambda m: m.empty(9).bernoulli_(),
    "rand": lambda m: m.rand(6),
    "randn complex64": lambda m: m.randn(5, dtype=m.complex64),
    "randn complex128": lambda m: m.randn(5, dtype=m.complex128),
    "randint defaults": lambda m: m.randint(10, (6,)),
    "exponential_ defaults": lambda m: m.empty(6).exponential_(),
    "geometric_ p=0.5": lambda m: m.empty(6).geometric_(0.5),
    "random_ bool": lambda m: m.empty(8, dtype=m.bool).random_(),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_draws_with_defaults_and_edges_match_pytorch_bit_for_bit(name):
    def run(m):
        m.manual_seed(1234)
        result = CALLS[name](m)
        return str(result.dtype).split(".")[-1], result.numpy().tobytes()

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("std", [-1.0, -1e-300])
def test_a_negative_std_is_refused_as_in_pytorch(std):
    with pytest.raises(RuntimeError) as theirs:
        torch.empty(3).normal_(0.0, std)
    with pytest.raises(RuntimeError) as ours:
        chainrule.empty(3).normal_(0.0, std)
    assert str(ours.value) == str(theirs.value)
