"""``chainrule.lstm``/``gru``/``rnn_tanh``/``rnn_relu``: the recurrent layers as functions of flat weights,
against PyTorch's functions given the same weights (values and gradients), padded and packed, and errors."""

import warnings

import numpy as np
import pytest
from matrix_checks import MODULES, same_error

RNG = np.random.default_rng(8)
SEQUENCE = RNG.standard_normal((5, 2, 3))

LAYERS = {  # function: (layer class, keyword arguments, state widths)
    "lstm": ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2}, (2, 4)),
    "gru": ("GRU", {"num_layers": 2, "bias": False}, (4,)),
    "rnn_tanh": ("RNN", {"bidirectional": True}, (4,)),
    "rnn_relu": ("RNN", {"nonlinearity": "relu", "num_layers": 2}, (4,)),
}


def _setup(m, name, batch_first=False):
    layer_name, kwargs, widths = LAYERS[name]
    m.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = getattr(m.nn, layer_name)(3, 4, batch_first=batch_first, **kwargs).double()
    groups = layer.num_layers * (2 if layer.bidirectional else 1)
    states = [m.tensor(np.linspace(-0.5, 0.5, groups * 2 * w).reshape(groups, 2, w), requires_grad=True)
              for w in widths]
    return layer, states


def _grads(m, outputs, inputs):
    total = sum((o * o).sum() for o in outputs)
    return m.autograd.grad(total, inputs)


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("batch_first", [False, True])
def test_padded_form_matches_torch(name, batch_first):
    results = []
    for m in MODULES:
        layer, states = _setup(m, name, batch_first)
        x = m.tensor(SEQUENCE.transpose(1, 0, 2) if batch_first else SEQUENCE, requires_grad=True)
        hx = tuple(states) if name == "lstm" else states[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outputs = getattr(m, name)(x, hx, layer._flat_weights, layer.bias, layer.num_layers, 0.0, False,
                                       layer.bidirectional, batch_first)
        assert isinstance(outputs, tuple) and len(outputs) == len(states) + 1
        grads = _grads(m, outputs, [x, *states, *layer.parameters()])
        results.append([o.detach().numpy() for o in outputs] + [g.numpy() for g in grads])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_packed_form_matches_torch(name):
    results = []
    for m in MODULES:
        layer, states = _setup(m, name)
        packed = m.nn.utils.rnn.pack_padded_sequence(m.tensor(SEQUENCE), [5, 3])
        hx = tuple(states) if name == "lstm" else states[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outputs = getattr(m, name)(packed.data, packed.batch_sizes, hx, layer._flat_weights, layer.bias,
                                       layer.num_layers, 0.0, False, layer.bidirectional)
        results.append([o.detach().numpy() for o in outputs])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def _call(m, name, states=None, params=slice(None)):
    layer, default_states = _setup(m, name)
    states = default_states if states is None else states
    hx = tuple(states) if name == "lstm" else states[0]
    return getattr(m, name)(m.tensor(SEQUENCE), hx, layer._flat_weights[params], layer.bias, layer.num_layers, 0.0,
                            False, layer.bidirectional, False)


@pytest.mark.parametrize("call", [
    lambda m: _call(m, "gru", states=[m.zeros(1, 2, 4, dtype=m.float64)]),
    lambda m: _call(m, "gru", params=slice(0, 3)),
    lambda m: _call(m, "rnn_tanh", params=slice(0, 5)),
])
def test_errors_match_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_error(call)
