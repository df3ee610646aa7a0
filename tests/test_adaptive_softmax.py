"""``nn.AdaptiveLogSoftmaxWithLoss`` against PyTorch from the same seed: weights, printed layout, outputs,
losses and gradients, ``log_prob``, ``predict``, and its errors."""

import warnings

import numpy as np
import pytest
from matrix_checks import MODULES, same_error

import chainrule

RNG = np.random.default_rng(4)
FEATURES = RNG.standard_normal((6, 16))
TARGETS = np.array([0, 3, 7, 12, 19, 5])


def _layer(m, **kwargs):
    m.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns that a zero-width layer's initialisation does nothing
        return m.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], **kwargs).double()


def _close(ours, theirs):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_layout_and_weights_match_torch():
    ours, theirs = (_layer(m, div_value=2.0, head_bias=True) for m in MODULES)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()):
        _close(a, b)


@pytest.mark.parametrize("rows", [slice(None), slice(0, 1), slice(3, 5)], ids=["all clusters", "one row", "two"])
def test_forward_and_gradients_match_torch(rows):
    results = []
    for m in MODULES:
        layer = _layer(m)
        x = m.tensor(FEATURES[rows], requires_grad=True)
        output, loss = layer(x, m.tensor(TARGETS[rows]))
        loss.backward()
        results.append((output, loss, x.grad, [p.grad for p in layer.parameters()]))
    (out, loss, grad, grads), (their_out, their_loss, their_grad, their_grads) = results
    _close(out, their_out)
    _close(loss, their_loss)
    _close(grad, their_grad)
    for a, b in zip(grads, their_grads):
        assert (a is None) == (b is None)
        if a is not None:
            _close(a, b)


def test_unbatched_log_prob_and_predict_match_torch():
    results = []
    for m in MODULES:
        layer = _layer(m)
        x = m.tensor(FEATURES)
        single = layer(x[2], m.tensor(TARGETS[2]))
        results.append((single.output, single.loss, layer.log_prob(x), layer.predict(x), layer.predict(x[:1]),
                        layer.predict(x * 50)))
    for a, b in zip(*results):
        if a.dtype in (chainrule.int64,):
            assert a.tolist() == b.tolist()
        else:
            _close(a, b)


@pytest.mark.parametrize("call", [
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, []),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [0, 3]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 10]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 3]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [2.5]),
    lambda m: _layer(m)(m.tensor(FEATURES), m.tensor(TARGETS[:5])),
    lambda m: _layer(m)(m.tensor(FEATURES).unsqueeze(0), m.tensor(TARGETS)[:1]),
    lambda m: _layer(m)(m.tensor(FEATURES), m.tensor(3)),
    lambda m: _layer(m)(m.tensor(FEATURES), m.tensor(TARGETS).reshape(2, 3)),
    lambda m: _layer(m)(m.tensor(FEATURES), m.tensor([0, 3, 25, 2, 1, -1])),
])
def test_errors_match_torch(call):
    same_error(call)
