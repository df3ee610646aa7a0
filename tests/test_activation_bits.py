"""Activations whose kernels follow PyTorch's formula closely enough to give its bits: leaky_relu and prelu
(``max(x, x * slope)`` for slopes in (0, 1], a select otherwise), silu and glu (``x / (1 + exp(-x))``,
half precision through single)."""

import warnings

import numpy as np
import pytest
import torch

import chainrule

pytestmark = pytest.mark.torch_oracle

DTYPES = ["float16", "float32", "float64"]
SPECIAL = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3e38, -3e38, 5e-324, -5e-324, 65504.0,
           -65504.0, 6e-8, -6e-8]


def _values(count=64, seed=0):
    return np.array(SPECIAL + list(np.random.default_rng(seed).standard_normal(count) * 30))


def _same_bits(ours, theirs):
    ours, theirs = ours.detach().numpy(), theirs.detach().numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert ours.tobytes() == theirs.tobytes(), np.argwhere(ours.view(np.uint8) != theirs.view(np.uint8))[:4]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("slope", [0.01, 0.2, 1.0, 1e-30, 1e-50, 2.0, -0.5, 0.0, np.nan])
def test_leaky_relu(dtype, slope):
    x = _values()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inf times a tiny slope: no NumPy warning
        ours = chainrule.nn.functional.leaky_relu(chainrule.tensor(x, dtype=getattr(chainrule, dtype)), slope)
    _same_bits(ours, torch.nn.functional.leaky_relu(torch.tensor(x, dtype=getattr(torch, dtype)), slope))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight", [[0.25], [0.1, 0.5, 1.0], [0.1, -0.5, 1.0], [0.0, 0.5, 1.0], [2.0, 0.5, 0.1],
                                    [np.nan, 0.2, 0.3]], ids=str)
def test_prelu(dtype, weight):
    x = _values(31).reshape(2, 3, 8)
    ours = chainrule.nn.functional.prelu(chainrule.tensor(x, dtype=getattr(chainrule, dtype)),
                                         chainrule.tensor(weight, dtype=getattr(chainrule, dtype)))
    theirs = torch.nn.functional.prelu(torch.tensor(x, dtype=getattr(torch, dtype)),
                                       torch.tensor(weight, dtype=getattr(torch, dtype)))
    _same_bits(ours, theirs)


@pytest.mark.parametrize("function", ["silu", "glu"])
def test_silu_and_glu_in_half_precision(function):
    x = _values(1000, seed=1)[:1000].reshape(-1, 2)
    ours = getattr(chainrule.nn.functional, function)(chainrule.tensor(x, dtype=chainrule.float16))
    _same_bits(ours, getattr(torch.nn.functional, function)(torch.tensor(x, dtype=torch.float16)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_silu_underflows_to_negative_zero_as_pytorch(dtype):
    """``x / (1 + exp(-x))``: where ``exp`` overflows the result is -0., not a tiny number."""
    x = [-100.0, -1000.0, -np.inf, np.inf, np.nan]
    _same_bits(chainrule.nn.functional.silu(chainrule.tensor(x, dtype=getattr(chainrule, dtype))),
               torch.nn.functional.silu(torch.tensor(x, dtype=getattr(torch, dtype))))
