"""nn.functional in float16 against PyTorch: the ops PyTorch computes with float32 intermediates (the
softmax family, the normalisations, gelu, p-norm distances) are no less accurate than PyTorch's own
float16 results, both measured against PyTorch in float64."""

import numpy as np
import pytest
import torch

import chainrule

_rng = np.random.default_rng(14)
X = (_rng.standard_normal((32, 257)) * 4).astype(np.float16)
NEAR = (X + _rng.standard_normal(X.shape) * 0.01).astype(np.float16)
WEIGHT = _rng.standard_normal(257).astype(np.float16)
BIAS = _rng.standard_normal(257).astype(np.float16)
CLASSES = np.arange(32) % 257


def _constant(module, array, like):
    return module.tensor(array).to(like.dtype)


CASES = {
    "softmax": lambda m, x: m.nn.functional.softmax(x, 1),
    "softmax dim 0": lambda m, x: m.nn.functional.softmax(x, 0),
    "Tensor.softmax": lambda m, x: x.softmax(-1),
    "softmin": lambda m, x: m.nn.functional.softmin(x, 1),
    "log_softmax": lambda m, x: m.nn.functional.log_softmax(x, 1),
    "log_softmax dim 0": lambda m, x: m.nn.functional.log_softmax(x, 0),
    "cross_entropy": lambda m, x: m.nn.functional.cross_entropy(x, m.tensor(CLASSES), reduction="none"),
    "layer_norm": lambda m, x: m.nn.functional.layer_norm(x, (257,)),
    "layer_norm affine": lambda m, x: m.nn.functional.layer_norm(x, (257,), _constant(m, WEIGHT, x),
                                                                 _constant(m, BIAS, x)),
    "layer_norm two dims": lambda m, x: m.nn.functional.layer_norm(x.reshape(4, 8, 257), (8, 257)),
    "group_norm": lambda m, x: m.nn.functional.group_norm(x.reshape(4, 8, 257), 4),
    "batch_norm": lambda m, x: m.nn.functional.batch_norm(x.reshape(4, 8, 257), None, None, training=True),
    "instance_norm": lambda m, x: m.nn.functional.instance_norm(x.reshape(4, 8, 257)),
    "gelu": lambda m, x: m.nn.functional.gelu(x),
    "gelu tanh": lambda m, x: m.nn.functional.gelu(x, approximate="tanh"),
    "pairwise_distance": lambda m, x: m.nn.functional.pairwise_distance(x, _constant(m, NEAR, x)),
    "pairwise_distance p=3": lambda m, x: m.nn.functional.pairwise_distance(x, _constant(m, NEAR, x), p=3),
    "pairwise_distance equal points": lambda m, x: m.nn.functional.pairwise_distance(x, x),
}


def _error(values, reference):
    return np.abs(values.astype(np.float64) - reference).max()


@pytest.mark.parametrize("name", CASES)
def test_float16_as_accurate_as_pytorch(name):
    fn = CASES[name]
    reference = fn(torch, torch.tensor(X.astype(np.float64))).numpy()
    theirs = fn(torch, torch.tensor(X)).numpy()
    result = fn(chainrule, chainrule.tensor(X))
    assert result.dtype == chainrule.float16
    ours = result.numpy()
    assert ours.shape == theirs.shape
    if not np.array_equal(ours, theirs):
        assert _error(ours, reference) <= _error(theirs, reference), (_error(ours, reference),
                                                                       _error(theirs, reference))


def test_pairwise_distance_keeps_its_eps_in_float16():
    """Equal points are ``eps * sqrt(D)`` apart, as in PyTorch: eps's square would vanish in float16."""
    ours = chainrule.nn.functional.pairwise_distance(chainrule.zeros(2, 5, dtype=chainrule.float16),
                                                     chainrule.zeros(2, 5, dtype=chainrule.float16))
    theirs = torch.nn.functional.pairwise_distance(torch.zeros(2, 5, dtype=torch.float16),
                                                   torch.zeros(2, 5, dtype=torch.float16))
    assert ours.dtype == chainrule.float16
    assert (ours.numpy() > 0).all()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_layer_norm_saves_float16_statistics():
    """The statistics are computed in float32 but kept in the input's dtype, as PyTorch saves them."""
    x = chainrule.tensor(X, requires_grad=True)
    out = chainrule.nn.functional.layer_norm(x, (257,))
    out.sum().backward()
    assert x.grad.dtype == chainrule.float16
    stats = out.grad_fn._args[-1]
    assert stats.mean.dtype == stats.invstd.dtype == chainrule.float16
