"""PyTorch's random numbers in the nn and data layers: every nn.init function, every layer's default
initialisation (drawn in PyTorch's order, so whole models come out equal), the dropout family's masks,
rrelu's and gumbel_softmax's noise, and the samplers' orders, all bit for bit with the generator state."""

import numpy as np
import pytest
import torch

import chainrule
from random_helpers import as_array, assert_same_state, same_draws


INITS = [("uniform_", (), {}), ("uniform_", (-2, 0.5), {}), ("normal_", (), {}), ("normal_", (1.5, 0.2), {}),
         ("trunc_normal_", (), {}), ("trunc_normal_", (0.0, 1.0, -0.1, 0.1), {}),
         ("trunc_normal_", (3.0, 0.5, 0.0, 2.0), {}), ("xavier_uniform_", (), {}),
         ("xavier_normal_", (), {"gain": 0.8}),
         ("kaiming_uniform_", (), {}), ("kaiming_uniform_", (), {"a": 5 ** 0.5}),
         ("kaiming_normal_", (), {"mode": "fan_out", "nonlinearity": "relu"}), ("sparse_", (0.3,), {})]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(3, 5), (16, 4), (8, 3, 3, 3), (0, 4)])
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op:UserWarning")  # (0, 4): both say so
@pytest.mark.parametrize("name, args, kwargs", INITS, ids=lambda v: v if isinstance(v, str) else None)
def test_init_functions(name, args, kwargs, shape, dtype):
    if name == "sparse_" and len(shape) != 2:
        return  # sparse_ takes matrices only (its error is compared in test_nn_init.py)

    def program(m):
        return [getattr(m.nn.init, name)(m.empty(shape, dtype=getattr(m, dtype)), *args, **kwargs), m.rand(2)]

    same_draws(program, 2, name)


@pytest.mark.parametrize("shape", [(3, 5), (6, 2), (4, 2, 3)])
def test_orthogonal_draws_pytorchs_matrix(shape):
    """Its normal draws are PyTorch's; Q comes from each side's LAPACK, so it agrees to rounding."""
    chainrule.manual_seed(2), torch.manual_seed(2)
    ours = chainrule.nn.init.orthogonal_(chainrule.empty(shape), gain=1.5).numpy()
    theirs = torch.nn.init.orthogonal_(torch.empty(shape), gain=1.5).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert_same_state()


def test_init_functions_take_a_generator():
    def program(m):
        g = m.Generator().manual_seed(5)
        w = m.empty(6, 7)
        return [m.nn.init.uniform_(w, generator=g).clone(), m.nn.init.kaiming_normal_(w, generator=g).clone(),
                m.nn.init.trunc_normal_(w, std=0.02, generator=g).clone(), m.rand(3, generator=g)]

    same_draws(program, 0)


LAYERS = {
    "Linear": lambda nn: nn.Linear(7, 5), "Linear-nobias": lambda nn: nn.Linear(7, 5, bias=False),
    "Bilinear": lambda nn: nn.Bilinear(3, 4, 5),
    "Conv1d": lambda nn: nn.Conv1d(3, 4, 3), "Conv2d": lambda nn: nn.Conv2d(2, 6, (3, 2), groups=2),
    "Conv3d": lambda nn: nn.Conv3d(2, 3, 2), "ConvTranspose1d": lambda nn: nn.ConvTranspose1d(3, 4, 3),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(4, 2, 3, groups=2),
    "ConvTranspose3d": lambda nn: nn.ConvTranspose3d(2, 3, 2),
    "Embedding": lambda nn: nn.Embedding(10, 4, padding_idx=2),
    "RNN": lambda nn: nn.RNN(3, 5, 2), "LSTM": lambda nn: nn.LSTM(3, 5, 2, bidirectional=True),
    "LSTM-proj": lambda nn: nn.LSTM(3, 5, proj_size=2), "GRU": lambda nn: nn.GRU(4, 3, batch_first=True),
    "RNNCell": lambda nn: nn.RNNCell(3, 4), "LSTMCell": lambda nn: nn.LSTMCell(3, 4),
    "GRUCell": lambda nn: nn.GRUCell(3, 4),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(8, 2),
    "MultiheadAttention-kv": lambda nn: nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=5, vdim=3),
    "TransformerEncoderLayer": lambda nn: nn.TransformerEncoderLayer(8, 2, 16),
    "TransformerDecoderLayer": lambda nn: nn.TransformerDecoderLayer(8, 2, 16, norm_first=True),
    "Transformer": lambda nn: nn.Transformer(8, 2, 2, 1, 16),
    "norms": lambda nn: nn.Sequential(nn.LayerNorm(4), nn.BatchNorm1d(4), nn.GroupNorm(2, 4), nn.PReLU()),
}


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")  # PyTorch's Transformer's own note
def test_default_initialisation_of_layers(name):
    """Each parameter, in the order the module lists it, and the generator state after construction."""
    same_draws(lambda m: [value for _, value in LAYERS[name](m.nn).state_dict().items()] + [m.rand(2)], 3, name)


# ---------------------------------------------------------------- dropout and noise
@pytest.mark.parametrize("program", [
    lambda m, F, x: F.dropout(x, 0.3), lambda m, F, x: F.dropout(x, 0.5, inplace=True),
    lambda m, F, x: F.dropout(x.transpose(1, 3), 0.2), lambda m, F, x: F.dropout(x[:, :, ::2], 0.6),
    lambda m, F, x: F.dropout1d(x[0], 0.4), lambda m, F, x: F.dropout1d(x[0, 0], 0.4),
    lambda m, F, x: F.dropout2d(x, 0.5), lambda m, F, x: F.dropout3d(x, 0.5), lambda m, F, x: F.dropout3d(x[0], 0.5),
    lambda m, F, x: F.alpha_dropout(x, 0.2, True), lambda m, F, x: F.feature_alpha_dropout(x, 0.3, True),
    lambda m, F, x: F.alpha_dropout(x.double(), 0.2, True), lambda m, F, x: F.dropout(x.half(), 0.3),
    lambda m, F, x: m.nn.Dropout(0.25)(x), lambda m, F, x: m.nn.Dropout2d(0.4)(x),
    lambda m, F, x: m.nn.AlphaDropout(0.1)(x), lambda m, F, x: F.dropout(x, 1.0),
    lambda m, F, x: F.rrelu(x, training=True), lambda m, F, x: F.rrelu(x.double(), 0.05, 0.4, training=True),
    lambda m, F, x: F.rrelu(x, training=True, inplace=True), lambda m, F, x: m.nn.RReLU()(x),
    lambda m, F, x: F.alpha_dropout(x.half(), 0.2, True)])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.filterwarnings("ignore:dropout3d. Received a 3-D input:UserWarning")  # both libraries' deprecation note
def test_dropout_family_and_noise(program, seed):
    def run(m):
        x = m.tensor(np.random.default_rng(4).normal(size=(2, 3, 4, 5)), dtype=m.float32)
        return [program(m, m.nn.functional, x), x, m.rand(2)]

    same_draws(run, seed)


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_draws_pytorchs_noise(hard):
    """The exponential draws are PyTorch's; ``-log`` and the softmax agree to float32 rounding."""
    chainrule.manual_seed(3), torch.manual_seed(3)
    x = np.random.default_rng(4).normal(size=(6, 5)).astype(np.float32)
    ours = chainrule.nn.functional.gumbel_softmax(chainrule.tensor(x), tau=0.5, hard=hard).numpy()
    theirs = torch.nn.functional.gumbel_softmax(torch.tensor(x), tau=0.5, hard=hard).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
    assert_same_state()


def test_dropout_inside_a_model_stays_in_step():
    def program(m):
        layer = m.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.2)
        x = m.randn(5, 3, 8)
        out = layer(x)
        out.sum().backward()
        return [out, layer.linear1.weight.grad]

    chainrule.manual_seed(1), torch.manual_seed(1)
    ours, theirs = as_array(program(chainrule)), as_array(program(torch))
    assert_same_state()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours[0] == 0, theirs[0] == 0)


# ---------------------------------------------------------------- samplers and splits
def _data(m):
    return m.utils.data


@pytest.mark.parametrize("program", [
    lambda m: list(_data(m).RandomSampler(range(10))), lambda m: list(_data(m).RandomSampler(range(7), num_samples=20)),
    lambda m: list(_data(m).RandomSampler(range(9), replacement=True, num_samples=70)),
    lambda m: list(_data(m).RandomSampler(range(50), generator=m.Generator().manual_seed(8))),
    lambda m: list(_data(m).SubsetRandomSampler([3, 8, 11, 20, 4])),
    lambda m: list(_data(m).SubsetRandomSampler([3, 8, 11], generator=m.Generator().manual_seed(2))),
    lambda m: list(_data(m).WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 12)),
    lambda m: list(_data(m).WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, replacement=False)),
    lambda m: list(_data(m).BatchSampler(_data(m).RandomSampler(range(23)), 4, False)),
    lambda m: [list(s) for s in _data(m).random_split(range(30), [0.3, 0.3, 0.4])],
    lambda m: [list(s) for s in _data(m).random_split(range(10), [3, 7], generator=m.Generator().manual_seed(42))]])
def test_samplers_and_splits(program):
    same_draws(program, 6)
