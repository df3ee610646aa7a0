"""Every layer against PyTorch: the same weights (copied through the state dict), the same input,
then outputs, input gradients and parameter gradients compared, plus the printed module."""

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn as nn

RNG_SEED = 7


def _to_ours(value):
    if isinstance(value, torch.Tensor):
        out = chainrule.from_numpy(value.detach().numpy().copy())
        return out.requires_grad_(True) if value.requires_grad else out
    if isinstance(value, (tuple, list)):
        return type(value)(_to_ours(v) for v in value)
    return value


def _flat(value):
    if value is None:
        return []
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flat(v)]
    return [value]


def _inputs(specs, rng):
    """Each spec is a shape (a float input that requires grad), or a ready torch tensor / value."""
    out = []
    for spec in specs:
        if isinstance(spec, tuple) and all(isinstance(s, int) for s in spec):
            out.append(torch.tensor(rng.standard_normal(spec), dtype=torch.float64, requires_grad=True))
        elif isinstance(spec, tuple):
            out.append(tuple(_inputs(spec, rng)))
        else:
            out.append(spec)
    return out


def check_layer(build, specs, kwargs=None, train=False, atol=1e-10, rtol=1e-8, compare_grads=True):
    """Build the layer in both libraries, copy torch's weights, compare forward and backward in float64."""
    rng = np.random.default_rng(RNG_SEED)
    theirs = build(torch.nn).double()
    ours = build(nn).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: _to_ours(v) for k, v in theirs.state_dict().items()})
    theirs.train(train)
    ours.train(train)
    t_args = _inputs(specs, rng)
    o_args = [_to_ours(a) for a in t_args]
    kwargs = kwargs or {}
    t_out = _flat(theirs(*t_args, **kwargs))
    o_out = _flat(ours(*o_args, **{k: _to_ours(v) for k, v in kwargs.items()}))
    assert len(t_out) == len(o_out)
    for a, b in zip(o_out, t_out):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=atol, rtol=rtol)
    if not compare_grads:
        return ours, theirs
    weights = [rng.standard_normal(tuple(t.shape)) for t in t_out]
    t_loss = sum((t * torch.from_numpy(w)).sum() for t, w in zip(t_out, weights) if t.requires_grad)
    o_loss = sum((t * chainrule.from_numpy(w)).sum() for t, w in zip(o_out, weights) if t.requires_grad)
    t_loss.backward()
    o_loss.backward()
    for a, b in zip(o_args, t_args):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=rtol)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        expected = t_params[name].grad
        if expected is None:
            assert p.grad is None, name
        else:
            np.testing.assert_allclose(p.grad.numpy(), expected.numpy(), atol=atol, rtol=rtol, err_msg=name)
    for (name, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=atol, rtol=rtol, err_msg=name)
    return ours, theirs


# ----------------------------------------------------------------- linear and shape layers
@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    check_layer(lambda n: n.Linear(3, 4, bias=bias), [(2, 3)])
    check_layer(lambda n: n.Linear(3, 2), [(2, 5, 3)])


def test_bilinear():
    check_layer(lambda n: n.Bilinear(2, 3, 4), [(5, 2), (5, 3)])


def test_identity_flatten_unflatten():
    check_layer(lambda n: n.Identity(54, unused=1), [(2, 3)])
    check_layer(lambda n: n.Flatten(), [(2, 3, 2)])
    check_layer(lambda n: n.Flatten(0, -2), [(2, 3, 2)])
    check_layer(lambda n: n.Unflatten(1, (2, 3)), [(2, 6)])
    check_layer(lambda n: n.Unflatten(-1, (3, -1)), [(2, 6)])


# ----------------------------------------------------------------- activations
ACTIVATIONS = [
    ("ReLU", (), {}), ("ReLU", (), {"inplace": True}), ("LeakyReLU", (0.2,), {}), ("ELU", (), {"alpha": 0.5}),
    ("CELU", (), {}), ("SELU", (), {}), ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}),
    ("Mish", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}), ("Hardtanh", (-0.5, 0.5), {}), ("ReLU6", (), {}),
    ("Hardsigmoid", (), {}), ("Hardswish", (), {}), ("Hardshrink", (0.3,), {}), ("Softshrink", (), {}),
    ("Softplus", (), {"beta": 2.0}), ("Softsign", (), {}), ("Tanhshrink", (), {}), ("LogSigmoid", (), {}),
    ("Threshold", (0.1, 20.0), {}), ("GLU", (1,), {}), ("Softmax", (), {"dim": 1}), ("Softmin", (1,), {}),
    ("LogSoftmax", (), {"dim": -1}), ("Softmax2d", (), {}), ("PReLU", (), {}), ("PReLU", (4,), {"init": 0.1}),
]


@pytest.mark.parametrize("name,args,kwargs", ACTIVATIONS, ids=[f"{a[0]}-{i}" for i, a in enumerate(ACTIVATIONS)])
def test_activation(name, args, kwargs):
    # PyTorch's hardsigmoid backward multiplies by a single-precision 1/6, even in float64
    rtol = 1e-7 if name == "Hardsigmoid" else 1e-8
    if kwargs.get("inplace"):
        check_layer(lambda n: n.Sequential(n.Linear(4, 4), getattr(n, name)(*args, **kwargs)), [(3, 4)], rtol=rtol)
    else:
        check_layer(lambda n: getattr(n, name)(*args, **kwargs), [(2, 4, 2, 3)], rtol=rtol)


def test_rrelu_in_eval_mode_is_deterministic():
    check_layer(lambda n: n.RReLU(0.1, 0.3), [(3, 4)])


# ----------------------------------------------------------------- losses
def _labels(*shape, high=3):
    return torch.from_numpy(np.random.default_rng(3).integers(0, high, shape))


def _probabilities(*shape):
    return torch.from_numpy(np.random.default_rng(4).uniform(0.05, 0.95, shape))


def _signs(*shape):
    return torch.from_numpy(np.random.default_rng(5).choice([-1.0, 1.0], shape))


LOSSES = [
    ("MSELoss", {}, [(3, 4), (3, 4)]),
    ("MSELoss", {"reduction": "sum"}, [(3, 4), (3, 4)]),
    ("L1Loss", {"reduction": "none"}, [(3, 4), (3, 4)]),
    ("SmoothL1Loss", {"beta": 0.5}, [(3, 4), (3, 4)]),
    ("HuberLoss", {"delta": 0.7}, [(3, 4), (3, 4)]),
    ("CrossEntropyLoss", {}, [(4, 3), _labels(4)]),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "reduction": "sum"}, [(4, 3), _labels(4)]),
    ("CrossEntropyLoss", {"weight": torch.tensor([0.2, 1.0, 2.0], dtype=torch.float64)}, [(4, 3), _labels(4)]),
    ("NLLLoss", {"ignore_index": 1}, [(4, 3), _labels(4)]),
    ("BCELoss", {}, [_probabilities(3, 2).requires_grad_(), _probabilities(3, 2)]),
    ("BCEWithLogitsLoss", {"pos_weight": torch.tensor([1.0, 2.0], dtype=torch.float64)},
     [(3, 2), _probabilities(3, 2)]),
    ("KLDivLoss", {"reduction": "batchmean"}, [(3, 4), _probabilities(3, 4)]),
    ("SoftMarginLoss", {}, [(3, 4), _signs(3, 4)]),
    ("HingeEmbeddingLoss", {"margin": 0.5}, [(3, 4), _signs(3, 4)]),
    ("MarginRankingLoss", {"margin": 0.1}, [(5,), (5,), _signs(5)]),
    ("CosineEmbeddingLoss", {}, [(3, 4), (3, 4), _signs(3)]),
    ("MultiMarginLoss", {}, [(4, 3), _labels(4)]),
    ("TripletMarginLoss", {}, [(3, 4), (3, 4), (3, 4)]),
    ("PoissonNLLLoss", {}, [(3, 4), _probabilities(3, 4)]),
    ("GaussianNLLLoss", {}, [(3, 4), (3, 4), _probabilities(3, 4)]),
    ("MultiLabelMarginLoss", {}, [(2, 4), torch.tensor([[3, 0, -1, 1], [1, 2, 3, -1]])]),
    ("MultiLabelSoftMarginLoss", {}, [(3, 4), _labels(3, 4, high=2)]),
    ("TripletMarginWithDistanceLoss", {"margin": 0.5}, [(3, 4), (3, 4), (3, 4)]),
]


@pytest.mark.parametrize("name,options,specs", LOSSES, ids=[f"{a[0]}-{i}" for i, a in enumerate(LOSSES)])
def test_loss(name, options, specs):
    check_layer(lambda n: getattr(n, name)(**{k: _to_ours(v) if n is nn else v for k, v in options.items()}), specs)


def test_ctc_loss():
    log_probs = torch.tensor(np.random.default_rng(0).standard_normal((6, 2, 4))).log_softmax(2)
    log_probs = log_probs.detach().requires_grad_()
    targets = torch.tensor([[1, 2, 2], [3, 1, 0]])
    check_layer(lambda n: n.CTCLoss(), [log_probs, targets, torch.tensor([6, 5]), torch.tensor([3, 2])],
                atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_without_gradient_is_the_same_loss(zero_infinity):
    """Without a gradient to find, only the forward variables are computed; the losses stay PyTorch's."""
    log_probs = torch.tensor(np.random.default_rng(1).standard_normal((5, 3, 4))).log_softmax(2)
    targets, input_lengths, target_lengths = torch.tensor([[1, 1, 2], [3, 1, 0], [2, 2, 2]]), [5, 4, 2], [3, 2, 3]
    expected = torch.nn.functional.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="none",
                                            zero_infinity=zero_infinity)
    ours = chainrule.tensor(log_probs.numpy())
    with_grad = chainrule.nn.functional.ctc_loss(ours.requires_grad_(), chainrule.tensor(targets.numpy()),
                                                 input_lengths, target_lengths, reduction="none",
                                                 zero_infinity=zero_infinity)
    with chainrule.no_grad():
        without = chainrule.nn.functional.ctc_loss(ours, chainrule.tensor(targets.numpy()), input_lengths,
                                                   target_lengths, reduction="none", zero_infinity=zero_infinity)
    assert without.grad_fn is None and not without.requires_grad
    np.testing.assert_array_equal(without.numpy(), with_grad.detach().numpy())
    np.testing.assert_allclose(without.numpy(), expected.numpy(), rtol=1e-12)
    assert np.isinf(expected[2].item()) != zero_infinity  # the third sample cannot be aligned in 2 steps


def test_loss_legacy_reduction_flags_warn_and_map():
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        loss = nn.MSELoss(size_average=False)
    assert loss.reduction == "sum"
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.L1Loss(reduce=False, size_average=True).reduction == "none"


def test_weighted_loss_keeps_weight_as_buffer():
    ours = nn.CrossEntropyLoss(weight=chainrule.ones(2))
    theirs = torch.nn.CrossEntropyLoss(weight=torch.ones(2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in nn.BCEWithLogitsLoss(pos_weight=chainrule.ones(2)).named_buffers()] == ["pos_weight"]


# ----------------------------------------------------------------- convolution and pooling
@pytest.mark.parametrize("options", [
    {}, {"stride": 2, "padding": 1}, {"dilation": 2, "bias": False}, {"groups": 2}, {"padding": "same"},
    {"padding": 1, "padding_mode": "reflect"}, {"padding": 1, "padding_mode": "circular"},
    {"padding": 1, "padding_mode": "replicate"},
])
def test_conv2d(options):
    check_layer(lambda n: n.Conv2d(2, 4, 3, **options), [(2, 2, 6, 5)])


def test_conv3d_and_conv_transpose1d():
    check_layer(lambda n: n.Conv3d(2, 2, 2, padding=1), [(1, 2, 3, 3, 3)])
    check_layer(lambda n: n.ConvTranspose1d(2, 3, 3, stride=2), [(2, 2, 4)])
    check_layer(lambda n: n.ConvTranspose3d(2, 2, 2), [(1, 2, 2, 3, 2)])


def test_conv1d():
    check_layer(lambda n: n.Conv1d(2, 3, 3, stride=2, padding=1), [(2, 2, 7)])
    check_layer(lambda n: n.Conv1d(2, 3, 2, padding="valid"), [(2, 7)])


@pytest.mark.parametrize("options", [{}, {"stride": 2, "output_padding": 1}, {"padding": 1, "groups": 2}])
def test_conv_transpose2d(options):
    check_layer(lambda n: n.ConvTranspose2d(2, 4, 3, **options), [(2, 2, 4, 3)])


def test_conv_transpose2d_output_size():
    check_layer(lambda n: n.ConvTranspose2d(2, 3, 3, stride=2), [(1, 2, 3, 3)], kwargs={"output_size": [8, 8]})


@pytest.mark.parametrize("build,shape", [
    (lambda n: n.MaxPool1d(2), (2, 3, 8)),
    (lambda n: n.MaxPool1d(3, 1, 1), (2, 3, 8)),
    (lambda n: n.MaxPool2d(2), (2, 3, 6, 4)),
    (lambda n: n.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 6, 5)),
    (lambda n: n.AvgPool2d(2), (2, 3, 6, 4)),
    (lambda n: n.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 3, 6, 5)),
    (lambda n: n.AvgPool1d(2), (2, 3, 6)),
    (lambda n: n.AdaptiveAvgPool2d((2, 3)), (2, 3, 5, 7)),
    (lambda n: n.AdaptiveAvgPool2d(1), (2, 3, 5, 7)),
    (lambda n: n.AdaptiveAvgPool1d(3), (2, 3, 7)),
    (lambda n: n.AdaptiveMaxPool2d(2), (2, 3, 5, 4)),
    (lambda n: n.AdaptiveMaxPool1d(2), (2, 3, 5)),
    (lambda n: n.MaxPool3d(2), (1, 2, 4, 4, 2)),
], ids=lambda v: "" if callable(v) else str(v))
def test_pooling(build, shape):
    check_layer(build, [shape])


@pytest.mark.parametrize("build,shape", [
    (lambda n: n.LPPool2d(2, 3), (2, 3, 6, 6)),
    (lambda n: n.LPPool1d(2.0, 2, stride=1, ceil_mode=True), (2, 3, 5)),
    (lambda n: n.ZeroPad2d((1, 2, 0, 1)), (1, 2, 3, 3)),
    (lambda n: n.ZeroPad1d(2), (1, 2, 3)),
    (lambda n: n.ConstantPad1d(2, 3.5), (1, 2, 4)),
    (lambda n: n.ConstantPad2d((1, 0, 2, 0), 0.0), (1, 2, 3, 3)),
    (lambda n: n.ReflectionPad1d(2), (1, 2, 4)),
    (lambda n: n.ReflectionPad2d((1, 1, 2, 0)), (1, 2, 3, 3)),
    (lambda n: n.ReplicationPad2d(1), (1, 2, 3, 3)),
    (lambda n: n.CircularPad1d(1), (1, 2, 4)),
    (lambda n: n.Upsample(scale_factor=2), (1, 2, 3, 3)),
    (lambda n: n.Upsample(size=(3, 4), mode="bilinear", align_corners=True), (1, 2, 2, 3)),
    (lambda n: n.UpsamplingNearest2d(scale_factor=2), (1, 2, 2, 2)),
    (lambda n: n.UpsamplingBilinear2d(size=3), (1, 2, 2, 2)),
    (lambda n: n.PixelShuffle(2), (1, 8, 2, 3)),
    (lambda n: n.PixelUnshuffle(2), (1, 2, 4, 2)),
    (lambda n: n.Unfold(2, padding=1, stride=2), (1, 2, 4, 3)),
    (lambda n: n.Fold((4, 5), 2), (1, 8, 12)),
], ids=lambda v: "" if callable(v) else str(v))
def test_padding_and_resampling(build, shape):
    check_layer(build, [shape])


def test_max_pool_return_indices():
    ours, _ = check_layer(lambda n: n.MaxPool2d(2, return_indices=True), [(1, 2, 4, 4)], compare_grads=False)
    assert repr(ours) == repr(torch.nn.MaxPool2d(2, return_indices=True))


# ----------------------------------------------------------------- normalisation and dropout
@pytest.mark.parametrize("options", [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False},
                                     {"bias": False}])
def test_batch_norm_training_updates_running_stats(options):
    ours, theirs = check_layer(lambda n: n.BatchNorm1d(3, **options), [(5, 3)], train=True)
    for _ in range(2):
        x = np.random.default_rng(1).standard_normal((4, 3, 2))
        theirs(torch.from_numpy(x))
        ours(chainrule.from_numpy(x))
    for (name, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, err_msg=name)


@pytest.mark.parametrize("shape", [(6, 3, 2, 5), (4, 3, 9, 10)])  # under and over 64 elements a channel per sample
@pytest.mark.parametrize("training,affine", [(True, True), (True, False), (False, True)])
def test_batch_norm_gradients_without_a_graph(shape, training, affine):
    """A plain backward computes batch norm's three gradients on arrays from two sums per channel, found once;
    a gradient used again after an in-place change gets sums of its new values."""
    rng = np.random.default_rng(4)
    x, grad = 3 + rng.standard_normal(shape), rng.standard_normal(shape)
    weight, bias = rng.uniform(0.5, 2, shape[1]), rng.standard_normal(shape[1])
    mean, var = rng.standard_normal(shape[1]), rng.uniform(0.5, 2, shape[1])
    results = []
    for module in (chainrule, torch):
        inputs = [module.tensor(x, requires_grad=True)]
        if affine:
            inputs += [module.tensor(weight, requires_grad=True), module.tensor(bias, requires_grad=True)]
        y = module.nn.functional.batch_norm(inputs[0], module.tensor(mean), module.tensor(var), *inputs[1:],
                                           training=training)
        g = module.tensor(grad)
        first = module.autograd.grad(y, inputs, g, retain_graph=True)
        g.mul_(-2.0)
        second = module.autograd.grad(y, inputs, g)
        results.append([t.numpy() for t in first + second])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_batch_norm_eval_uses_running_stats():
    check_layer(lambda n: n.BatchNorm2d(2), [(3, 2, 2, 2)], train=True)
    check_layer(lambda n: n.BatchNorm2d(2, momentum=0.3), [(3, 2, 2, 2)], train=False)


def test_batch_norm_input_dim_errors():
    for ours, theirs in [(nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)), (nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3))]:
        with pytest.raises(ValueError) as expected:
            theirs(torch.ones(3))
        with pytest.raises(ValueError) as got:
            ours(chainrule.ones(3))
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("build,shape", [
    (lambda n: n.LayerNorm(4), (2, 3, 4)),
    (lambda n: n.LayerNorm((3, 4), elementwise_affine=False), (2, 3, 4)),
    (lambda n: n.LayerNorm(4, bias=False), (2, 4)),
    (lambda n: n.GroupNorm(2, 4), (2, 4, 3)),
    (lambda n: n.GroupNorm(1, 4, affine=False), (2, 4, 3, 2)),
    (lambda n: n.InstanceNorm1d(3), (2, 3, 5)),
    (lambda n: n.InstanceNorm2d(3, affine=True), (2, 3, 4, 3)),
    (lambda n: n.RMSNorm(4), (2, 3, 4)),
    (lambda n: n.LocalResponseNorm(2), (2, 4, 3, 3)),
], ids=lambda v: "" if callable(v) else str(v))
def test_normalization(build, shape):
    check_layer(build, [shape], train=True)


@pytest.mark.parametrize("name", ["Dropout", "Dropout1d", "Dropout2d", "AlphaDropout"])
def test_dropout_is_identity_in_eval_and_prints_like_torch(name):
    check_layer(lambda n: getattr(n, name)(0.3), [(2, 3, 4) if name == "Dropout1d" else (2, 3, 4, 2)])


def test_dropout_in_training_zeroes_and_scales():
    layer = nn.Dropout(0.5)
    out = layer(chainrule.ones(2000))
    values = set(np.round(out.numpy(), 6).tolist())
    assert values <= {0.0, 2.0} and 0.4 < (out.numpy() == 0).mean() < 0.6
    with pytest.raises(ValueError) as got:
        nn.Dropout(2)
    assert str(got.value) == "dropout probability has to be between 0 and 1, but got 2"


# ----------------------------------------------------------------- embedding
def test_embedding():
    idx = torch.tensor([[0, 2, 1], [2, 2, 3]])
    check_layer(lambda n: n.Embedding(4, 3), [idx])
    check_layer(lambda n: n.Embedding(4, 3, padding_idx=-1), [idx])


def test_embedding_initialisation_and_from_pretrained():
    layer = nn.Embedding(10, 4, padding_idx=2)
    assert layer.weight[2].tolist() == [0.0] * 4 and layer.padding_idx == 2
    pretrained = nn.Embedding.from_pretrained(chainrule.ones(3, 2))
    assert not pretrained.weight.requires_grad
    assert repr(pretrained) == repr(torch.nn.Embedding.from_pretrained(torch.ones(3, 2)))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 4, padding_idx=3)


# ----------------------------------------------------------------- recurrent layers
RNN_OPTIONS = [{}, {"num_layers": 2}, {"bidirectional": True}, {"batch_first": True, "bias": False},
               {"num_layers": 2, "bidirectional": True, "batch_first": True}]


@pytest.mark.parametrize("options", RNN_OPTIONS)
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers(kind, options):
    check_layer(lambda n: getattr(n, kind)(3, 4, **options), [(5, 2, 3)])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_dropout_between_layers_in_training(kind):
    # p=1 drops every value, so the result is deterministic: the second layer sees zeros
    check_layer(lambda n: getattr(n, kind)(3, 4, 2, dropout=1.0), [(5, 2, 3)], train=True)


def test_rnn_relu_with_initial_state():
    check_layer(lambda n: n.RNN(3, 4, 2, nonlinearity="relu"), [(4, 2, 3), (2, 2, 4)])


def test_lstm_with_state_projection_and_unbatched_input():
    check_layer(lambda n: n.LSTM(3, 4, proj_size=2), [(4, 2, 3), ((1, 2, 2), (1, 2, 4))])
    check_layer(lambda n: n.LSTM(3, 4, num_layers=2), [(4, 3)])
    check_layer(lambda n: n.GRU(3, 4, bidirectional=True), [(4, 3), (2, 4)])


def test_lstm_with_state_tuple():
    rng = np.random.default_rng(0)
    state = tuple(torch.tensor(rng.standard_normal((1, 2, 4)), requires_grad=True) for _ in range(2))
    check_layer(lambda n: n.LSTM(3, 4), [(4, 2, 3), state])


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells(kind):
    check_layer(lambda n: getattr(n, kind)(3, 4), [(2, 3)])
    check_layer(lambda n: getattr(n, kind)(3, 4, bias=False), [(3,)])
    state = (2, 4) if kind != "LSTMCell" else ((2, 4), (2, 4))
    check_layer(lambda n: getattr(n, kind)(3, 4), [(2, 3), state])


def test_rnn_parameter_names_and_errors():
    ours, theirs = nn.LSTM(2, 3, 2, bidirectional=True, proj_size=2), \
        torch.nn.LSTM(2, 3, 2, bidirectional=True, proj_size=2)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for make_input in [lambda lib: lib.ones(1, 1, 1, 2), lambda lib: lib.ones(1, 1, 3)]:
        with pytest.raises(Exception) as expected:
            theirs(make_input(torch))
        with pytest.raises(expected.type) as got:
            ours(make_input(chainrule))
        assert str(got.value) == str(expected.value)
    gru, t_gru = nn.GRU(2, 3), torch.nn.GRU(2, 3)
    with pytest.raises(RuntimeError) as expected:
        t_gru(torch.ones(1, 1, 2), torch.ones(1, 2, 3))
    with pytest.raises(RuntimeError) as got:
        gru(chainrule.ones(1, 1, 2), chainrule.ones(1, 2, 3))
    assert str(got.value) == str(expected.value)


# ----------------------------------------------------------------- attention and transformer
@pytest.mark.parametrize("options,kwargs", [
    ({}, {}),
    ({"batch_first": True}, {}),
    ({"bias": False}, {"average_attn_weights": False}),
    ({"add_bias_kv": True, "add_zero_attn": True}, {}),
    ({"kdim": 3, "vdim": 5}, {}),
    ({}, {"need_weights": False}),
])
def test_multihead_attention(options, kwargs):
    kdim, vdim = options.get("kdim", 4), options.get("vdim", 4)
    specs = [(3, 2, 4), (5, 2, kdim), (5, 2, vdim)]
    if options.get("batch_first"):
        specs = [(2, 3, 4), (2, 5, kdim), (2, 5, vdim)]
    check_layer(lambda n: n.MultiheadAttention(4, 2, **options), specs, kwargs=kwargs)


def test_multihead_attention_masks():
    key_padding = torch.tensor([[False, False, True, False, True], [False, True, False, False, False]])
    causal = torch.triu(torch.ones(3, 5, dtype=torch.bool), diagonal=1)
    check_layer(lambda n: n.MultiheadAttention(4, 2), [(3, 2, 4), (5, 2, 4), (5, 2, 4)],
                kwargs={"key_padding_mask": key_padding, "attn_mask": causal})
    float_mask = torch.tensor(np.random.default_rng(0).standard_normal((3, 5)))
    check_layer(lambda n: n.MultiheadAttention(4, 2), [(3, 2, 4), (5, 2, 4), (5, 2, 4)],
                kwargs={"attn_mask": float_mask})
    check_layer(lambda n: n.MultiheadAttention(4, 2), [(3, 4), (5, 4), (5, 4)])


@pytest.mark.parametrize("options", [{}, {"norm_first": True, "activation": "gelu"}, {"batch_first": True}])
def test_transformer_encoder_layer(options):
    check_layer(lambda n: n.TransformerEncoderLayer(4, 2, 8, dropout=0.0, **options), [(3, 2, 4)], train=True)


def test_transformer_encoder_with_masks():
    def build(n):
        layer = n.TransformerEncoderLayer(4, 2, 6, dropout=0.0)
        return n.TransformerEncoder(layer, 2, norm=n.LayerNorm(4), enable_nested_tensor=False)

    mask = torch.triu(torch.ones(3, 3, dtype=torch.bool), diagonal=1)
    padding = torch.tensor([[False, False, True], [False, False, False]])
    check_layer(build, [(3, 2, 4)], kwargs={"mask": mask, "src_key_padding_mask": padding}, train=True)


def test_transformer_encoder_layers_are_independent_copies():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2)
    first, second = encoder.layers
    assert first.linear1.weight is not second.linear1.weight
    assert first.linear1.weight.tolist() == second.linear1.weight.tolist()


def test_every_layer_calls_an_existing_functional():
    """Layers delegate their math to ``nn.functional``; every name they use must be there."""
    import pathlib
    import re

    import chainrule.nn.functional as F
    from chainrule.nn import modules

    used = set()
    for path in pathlib.Path(modules.__file__).parent.glob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r"\bF\.(\w+)", text))
        used |= set(re.findall(r'function = "(\w+)"', text))
    assert sorted(name for name in used if not hasattr(F, name)) == []


@pytest.mark.parametrize("kind,args,kwargs", [
    ("LSTM", (2, 3), {"dropout": 2}), ("LSTM", (2, 3), {"dropout": True}), ("LSTM", (2, 3), {"proj_size": 5}),
    ("LSTM", (2, 3), {"num_layers": 0}), ("GRU", (2, 3), {"proj_size": 1}), ("LSTM", (2, 0), {}),
    ("RNN", (2, 3), {"nonlinearity": "x"}), ("Conv2d", (3, 4, 3), {"groups": 2}), ("Conv2d", (4, 3, 3), {"groups": 2}),
    ("Conv2d", (4, 4, 3), {"groups": 0}), ("Conv2d", (4, 4, 3), {"padding": "foo"}),
    ("Conv2d", (4, 4, 3), {"padding": "same", "stride": 2}), ("Conv2d", (4, 4, 3), {"padding_mode": "foo"}),
    ("ConvTranspose2d", (4, 4, 3), {"padding_mode": "reflect"}), ("GroupNorm", (3, 4), {}),
    ("MultiheadAttention", (5, 2), {}), ("Dropout", (1.5,), {}),
])
def test_constructor_errors_match_torch(kind, args, kwargs):
    with pytest.raises(Exception) as expected:
        getattr(torch.nn, kind)(*args, **kwargs)
    with pytest.raises(expected.type) as got:
        getattr(nn, kind)(*args, **kwargs)
    assert _sorted_sets(str(got.value)) == _sorted_sets(str(expected.value))


def _sorted_sets(message):
    """A printed Python set lists its items in hash order, which varies between runs: sort them."""
    import re

    return re.sub(r"\{([^}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", message)
