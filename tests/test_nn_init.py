"""``nn.init``, the layers' default initialisation and ``nn.utils``, against PyTorch.

Random streams differ between the libraries, so distributions are compared by their statistics
over large samples, and deterministic results (gains, fans, clipping) exactly.
"""

import math

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn as nn
from chainrule.nn import init


@pytest.fixture(autouse=True)
def _seeded():
    """Fixed streams in both libraries, so the statistical comparisons are reproducible."""
    chainrule.manual_seed(0)
    torch.manual_seed(0)


def _stats(tensor):
    """Mean, spread and the 10% / 90% quantiles (the shape of the distribution)."""
    values = tensor.detach().numpy().astype(np.float64)
    low, high = np.quantile(values, [0.1, 0.9])
    return values.mean(), values.std(), low, high


def _both(lib_init_call, shape):
    ours = chainrule.empty(*shape)
    theirs = torch.empty(*shape)
    lib_init_call(init, ours)
    lib_init_call(torch.nn.init, theirs)
    return ours, theirs


def _assert_same_distribution(ours, theirs):
    """Means and spreads agree within six standard errors; large samples also agree in their tails."""
    mean_a, std_a, low_a, high_a = _stats(ours)
    mean_b, std_b, low_b, high_b = _stats(theirs)
    count = ours.numel()
    tolerance = 6 * max(std_b, 1e-12) / math.sqrt(count)
    assert abs(mean_a - mean_b) < tolerance
    assert abs(std_a - std_b) < tolerance
    assert abs(low_a - low_b) < 2 * tolerance and abs(high_a - high_b) < 2 * tolerance


@pytest.mark.parametrize("call", [
    lambda I, t: I.uniform_(t, -2.0, 3.0),
    lambda I, t: I.normal_(t, 1.0, 0.5),
    lambda I, t: I.trunc_normal_(t, 0.0, 1.0, -1.5, 2.0),
    lambda I, t: I.xavier_uniform_(t, gain=2.0),
    lambda I, t: I.xavier_normal_(t),
    lambda I, t: I.kaiming_uniform_(t, a=math.sqrt(5)),
    lambda I, t: I.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
    lambda I, t: I.kaiming_normal_(t, a=0.1, nonlinearity="leaky_relu"),
    lambda I, t: I.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh"),
], ids=["uniform", "normal", "trunc_normal", "xavier_uniform", "xavier_normal", "kaiming_uniform_sqrt5",
        "kaiming_uniform_fan_out", "kaiming_normal_leaky", "kaiming_normal_tanh"])
def test_random_initialisers_match_torch_statistics(call):
    ours, theirs = _both(call, (300, 40, 3))
    _assert_same_distribution(ours, theirs)


@pytest.mark.parametrize("call,bound", [
    (lambda I, t: I.uniform_(t, -2.0, 3.0), (-2.0, 3.0)),
    (lambda I, t: I.trunc_normal_(t, 0.0, 1.0, -1.5, 2.0), (-1.5, 2.0)),
    (lambda I, t: I.xavier_uniform_(t), (-math.sqrt(6 / 240), math.sqrt(6 / 240))),
    (lambda I, t: I.kaiming_uniform_(t, a=math.sqrt(5)), (-1 / math.sqrt(120), 1 / math.sqrt(120))),
])
def test_bounded_initialisers_fill_their_interval(call, bound):
    ours = call(init, chainrule.empty(40, 40, 3)).numpy()
    low, high = bound
    assert ours.min() >= low - 1e-6 and ours.max() <= high + 1e-6
    assert ours.min() < low + 0.01 * (high - low) and ours.max() > high - 0.01 * (high - low)


@pytest.mark.parametrize("call", [
    lambda I, t: I.constant_(t, 0.3), lambda I, t: I.zeros_(t), lambda I, t: I.ones_(t), lambda I, t: I.eye_(t),
])
def test_deterministic_initialisers(call):
    ours, theirs = _both(call, (3, 4))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_dirac_and_orthogonal():
    ours, theirs = _both(lambda I, t: I.dirac_(t, 2), (4, 2, 3, 3))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        q = init.orthogonal_(chainrule.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        gram = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-5)


def test_initialisers_do_not_record_and_keep_identity():
    p = nn.Parameter(chainrule.empty(3, 4))
    assert init.normal_(p) is p
    assert p.grad_fn is None and p.requires_grad and p.is_leaf


def test_generator_argument_makes_results_reproducible():
    a = init.uniform_(chainrule.empty(5), generator=chainrule.Generator().manual_seed(3))
    b = init.uniform_(chainrule.empty(5), generator=chainrule.Generator().manual_seed(3))
    assert a.tolist() == b.tolist()
    chainrule.manual_seed(11)
    c = init.normal_(chainrule.empty(5))
    chainrule.manual_seed(11)
    assert init.normal_(chainrule.empty(5)).tolist() == c.tolist()


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                                  ("leaky_relu", 0.2), ("selu",)])
def test_calculate_gain(args):
    assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


@pytest.mark.parametrize("call", [
    lambda I, lib: I.calculate_gain("foo"),
    lambda I, lib: I.calculate_gain("leaky_relu", "x"),
    lambda I, lib: I.calculate_gain("leaky_relu", True),
    lambda I, lib: I.xavier_uniform_(lib.ones(3)),
    lambda I, lib: I.kaiming_uniform_(lib.empty(3, 4), mode="x"),
    lambda I, lib: I.eye_(lib.ones(3)),
    lambda I, lib: I.orthogonal_(lib.ones(3)),
])
def test_init_errors_match_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch.nn.init, torch)
    with pytest.raises(expected.type) as got:
        call(init, chainrule)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3, 3), (2, 3, 4)])
def test_fan_in_and_fan_out(shape):
    assert init._calculate_fan_in_and_fan_out(chainrule.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def _module_pairs():
    return [
        ("Linear", lambda n: n.Linear(200, 300)),
        ("Conv2d", lambda n: n.Conv2d(16, 300, 3)),
        ("ConvTranspose2d", lambda n: n.ConvTranspose2d(30, 300, 3)),
        ("Bilinear", lambda n: n.Bilinear(20, 30, 400)),
        ("Embedding", lambda n: n.Embedding(200, 60)),
        ("LSTM", lambda n: n.LSTM(20, 100)),
        ("GRUCell", lambda n: n.GRUCell(20, 100)),
        ("MultiheadAttention", lambda n: n.MultiheadAttention(32, 4)),
    ]


@pytest.mark.parametrize("name,build", _module_pairs(), ids=[p[0] for p in _module_pairs()])
def test_default_initialisation_matches_torch(name, build):
    ours, theirs = build(nn), build(torch.nn)
    t_params = dict(theirs.named_parameters())
    for key, p in ours.named_parameters():
        q = t_params[key]
        assert p.shape == q.shape and p.dtype.is_floating_point
        if q.detach().std() == 0:
            np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        else:
            _assert_same_distribution(p, q)


def test_norm_layers_initialise_weight_one_bias_zero():
    bn = nn.BatchNorm2d(3)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    assert bn.running_var.tolist() == [1.0] * 3 and bn.num_batches_tracked.item() == 0


# ----------------------------------------------------------------- nn.utils
def _grads_pair(values):
    ours = [nn.Parameter(chainrule.zeros(len(v))) for v in values]
    theirs = [torch.nn.Parameter(torch.zeros(len(v))) for v in values]
    for p, q, v in zip(ours, theirs, values):
        p.grad = chainrule.tensor(v)
        q.grad = torch.tensor(v)
    return ours, theirs


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (10.0, 2), (1.0, "inf"), (2.0, 1), (0.5, 3.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    values = [[3.0, -4.0], [1.0, 2.0, -0.5]]
    ours, theirs = _grads_pair(values)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type, foreach=None)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(total.numpy(), expected.numpy(), rtol=1e-6)
    assert total.dtype == chainrule.float32 and total.dim() == 0
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_edge_cases():
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    assert nn.utils.clip_grad_norm_(nn.Parameter(chainrule.ones(2)), 1.0).item() == 0.0
    ours, theirs = _grads_pair([[float("inf"), 1.0]])
    with pytest.raises(RuntimeError) as expected:
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as got:
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert str(got.value) == str(expected.value)


def test_clip_grad_value():
    ours, theirs = _grads_pair([[3.0, -4.0, 0.2]])
    nn.utils.clip_grad_value_(ours, 1.0)
    torch.nn.utils.clip_grad_value_(theirs, 1.0)
    assert ours[0].grad.tolist() == theirs[0].grad.tolist()


def test_parameters_to_vector_and_back():
    ours = nn.Linear(3, 2)
    vector = nn.utils.parameters_to_vector(ours.parameters())
    assert tuple(vector.shape) == (8,) and vector.requires_grad
    nn.utils.vector_to_parameters(chainrule.arange(8.0), ours.parameters())
    assert ours.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and ours.bias.tolist() == [6.0, 7.0]
    with pytest.raises(TypeError) as got:
        nn.utils.vector_to_parameters(3, ours.parameters())
    assert str(got.value) == "expected chainrule.Tensor, but got: int"
