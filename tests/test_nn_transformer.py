"""The transformer modules against PyTorch: torch's weights copied in through the state dict, then outputs,
input gradients and parameter gradients compared in float64 (dropout 0, in train and eval mode), masks and
causal hints included; printed modules, state-dict keys and error messages compared too."""

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn as nn

pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Support for mismatched")]

ATOL, RTOL = 1e-10, 1e-8


def _to_ours(value):
    if isinstance(value, torch.Tensor):
        ours = chainrule.from_numpy(value.detach().numpy().copy())
        return ours.requires_grad_(True) if value.requires_grad else ours
    return value


def _close(ours, theirs, name=""):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=ATOL, rtol=RTOL, err_msg=name)


def check_module(build, shapes, kwargs=None, train=False, seed=0):
    """Build in both libraries, copy torch's weights into ours, compare the forward and every gradient."""
    theirs = build(torch.nn).double()
    ours = build(nn).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({key: _to_ours(value) for key, value in theirs.state_dict().items()})
    theirs.train(train)
    ours.train(train)
    rng = np.random.default_rng(seed)
    t_inputs = [torch.tensor(rng.standard_normal(shape), requires_grad=True) for shape in shapes]
    o_inputs = [_to_ours(t) for t in t_inputs]
    kwargs = kwargs or {}
    t_out = theirs(*t_inputs, **kwargs)
    o_out = ours(*o_inputs, **{key: _to_ours(value) for key, value in kwargs.items()})
    assert tuple(o_out.shape) == tuple(t_out.shape)
    _close(o_out, t_out, "output")
    weight = rng.standard_normal(tuple(t_out.shape))
    (t_out * torch.from_numpy(weight)).sum().backward()
    (o_out * chainrule.from_numpy(weight)).sum().backward()
    for index, (o, t) in enumerate(zip(o_inputs, t_inputs)):
        _close(o.grad, t.grad, f"input {index}")
    t_params = dict(theirs.named_parameters())
    for name, parameter in ours.named_parameters():
        _close(parameter.grad, t_params[name].grad, name)
    return ours, theirs


def causal(size, columns=None):
    """A boolean mask hiding the later positions."""
    return torch.triu(torch.ones(size, columns or size, dtype=torch.bool), diagonal=1)


TARGET, MEMORY = (3, 2, 4), (5, 2, 4)
TARGET_PADDING = torch.tensor([[False, False, True], [False, False, False]])
MEMORY_PADDING = torch.tensor([[False, True, False, False, True], [False, False, False, True, False]])


# ----------------------------------------------------------------- the causal hint of attention
@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_attention_causal_hint_matches_torch(need_weights, batch_first):
    """The hint replaces the mask only when neither padding nor the weights are asked for."""
    theirs = torch.nn.MultiheadAttention(4, 2, batch_first=batch_first).double()
    ours = nn.MultiheadAttention(4, 2, batch_first=batch_first).double()
    ours.load_state_dict({key: _to_ours(value) for key, value in theirs.state_dict().items()})
    x = torch.tensor(np.random.default_rng(3).standard_normal((3, 3, 4)))
    y = _to_ours(x)
    for mask in (torch.zeros(3, 3, dtype=torch.float64), causal(3)):
        expected = theirs(x, x, x, attn_mask=mask, need_weights=need_weights, is_causal=True)[0]
        got = ours(y, y, y, attn_mask=_to_ours(mask), need_weights=need_weights, is_causal=True)[0]
        _close(got, expected)


# ----------------------------------------------------------------- decoder layer
DECODER_OPTIONS = [
    {},
    {"norm_first": True, "activation": "gelu"},
    {"batch_first": True},
    {"bias": False, "layer_norm_eps": 1e-3},
    {"activation": lambda n: n.GELU(approximate="tanh")},
    {"activation": lambda n: n.functional.silu},
]


def _decoder_layer(options, **extra):
    def build(n):
        resolved = dict(options)
        if callable(resolved.get("activation")):
            resolved["activation"] = resolved["activation"](n)
        return n.TransformerDecoderLayer(4, 2, 8, dropout=0.0, **resolved, **extra)

    return build


@pytest.mark.parametrize("train", [False, True])
@pytest.mark.parametrize("index", range(len(DECODER_OPTIONS)))
def test_decoder_layer_matches_torch(index, train):
    options = DECODER_OPTIONS[index]
    shapes = [(2, 3, 4), (2, 5, 4)] if options.get("batch_first") else [TARGET, MEMORY]
    check_module(_decoder_layer(options), shapes, train=train)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_with_every_mask(norm_first):
    memory_mask = torch.tensor(np.random.default_rng(1).standard_normal((3, 5)))
    masks = {"tgt_mask": causal(3), "memory_mask": memory_mask, "tgt_key_padding_mask": TARGET_PADDING,
             "memory_key_padding_mask": MEMORY_PADDING}
    check_module(_decoder_layer({"norm_first": norm_first}), [TARGET, MEMORY], kwargs=masks, train=True)


def test_decoder_layer_unbatched():
    check_module(_decoder_layer({}), [(3, 4), (5, 4)],
                 kwargs={"tgt_mask": causal(3), "memory_key_padding_mask": MEMORY_PADDING[0]})


def test_causal_hints_override_the_mask_like_torch():
    """With the hint, PyTorch attends causally whatever ``attn_mask`` holds (unless padding is given)."""
    zeros = torch.zeros(3, 3, dtype=torch.float64)
    check_module(_decoder_layer({}), [TARGET, MEMORY], kwargs={"tgt_mask": zeros, "tgt_is_causal": True})
    check_module(_decoder_layer({}), [TARGET, MEMORY],
                 kwargs={"memory_mask": torch.zeros(3, 5, dtype=torch.float64), "memory_is_causal": True})
    check_module(_decoder_layer({}), [TARGET, MEMORY],
                 kwargs={"tgt_mask": zeros, "tgt_is_causal": True, "tgt_key_padding_mask": TARGET_PADDING})


def test_causal_hint_without_a_mask_raises_like_torch():
    theirs = torch.nn.TransformerDecoderLayer(4, 2, 8)
    ours = nn.TransformerDecoderLayer(4, 2, 8)
    with pytest.raises(RuntimeError) as expected:
        theirs(torch.ones(3, 2, 4), torch.ones(5, 2, 4), tgt_is_causal=True)
    with pytest.raises(RuntimeError) as got:
        ours(chainrule.ones(3, 2, 4), chainrule.ones(5, 2, 4), tgt_is_causal=True)
    assert str(got.value) == str(expected.value)


def test_unknown_activation_raises_like_torch():
    with pytest.raises(RuntimeError) as expected:
        torch.nn.TransformerDecoderLayer(4, 2, activation="tanh")
    with pytest.raises(RuntimeError) as got:
        nn.TransformerDecoderLayer(4, 2, activation="tanh")
    assert str(got.value) == str(expected.value)


def test_default_dropout_is_active_in_training():
    layer = nn.TransformerDecoderLayer(4, 2, 8, dropout=0.5)
    tgt, memory = chainrule.randn(3, 2, 4), chainrule.randn(5, 2, 4)
    layer.eval()
    assert layer(tgt, memory).tolist() == layer(tgt, memory).tolist()
    layer.train()
    assert layer(tgt, memory).tolist() != layer(tgt, memory).tolist()


# ----------------------------------------------------------------- decoder stack
@pytest.mark.parametrize("train", [False, True])
def test_decoder_matches_torch(train):
    def build(n):
        return n.TransformerDecoder(n.TransformerDecoderLayer(4, 2, 6, dropout=0.0), 2, norm=n.LayerNorm(4))

    masks = {"tgt_mask": torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64),
             "memory_key_padding_mask": MEMORY_PADDING}
    check_module(build, [TARGET, MEMORY], kwargs=masks, train=train)


def test_decoder_without_norm_and_with_detected_causal_mask():
    def build(n):
        return n.TransformerDecoder(n.TransformerDecoderLayer(4, 2, 6, dropout=0.0, batch_first=True), 3)

    check_module(build, [(2, 3, 4), (2, 5, 4)], kwargs={"tgt_mask": causal(3), "tgt_is_causal": None})


def test_decoder_layers_are_independent_copies():
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8), 2)
    first, second = decoder.layers
    assert first.multihead_attn.in_proj_weight is not second.multihead_attn.in_proj_weight
    assert first.multihead_attn.in_proj_weight.tolist() == second.multihead_attn.in_proj_weight.tolist()


# ----------------------------------------------------------------- the whole model
def _transformer(**options):
    def build(n):
        return n.Transformer(4, 2, 2, 2, 6, dropout=0.0, **options)

    return build


@pytest.mark.parametrize("train", [False, True])
@pytest.mark.parametrize("options", [{}, {"norm_first": True, "activation": "gelu"}, {"bias": False}],
                         ids=["default", "norm_first-gelu", "no-bias"])
def test_transformer_matches_torch(options, train):
    check_module(_transformer(**options), [MEMORY, TARGET], train=train)


def test_transformer_with_every_mask():
    masks = {
        "src_mask": torch.tensor(np.random.default_rng(2).standard_normal((5, 5))),
        "tgt_mask": torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64),
        "memory_mask": causal(3, 5),
        "src_key_padding_mask": MEMORY_PADDING,
        "tgt_key_padding_mask": TARGET_PADDING,
        "memory_key_padding_mask": MEMORY_PADDING,
    }
    check_module(_transformer(), [MEMORY, TARGET], kwargs=masks, train=True)


def test_transformer_causal_hints():
    masks = {"src_mask": torch.zeros(5, 5, dtype=torch.float64), "src_is_causal": True,
             "tgt_mask": torch.zeros(3, 3, dtype=torch.float64), "tgt_is_causal": True}
    check_module(_transformer(), [MEMORY, TARGET], kwargs=masks)


def test_transformer_batch_first_and_unbatched():
    check_module(_transformer(batch_first=True), [(2, 5, 4), (2, 3, 4)], kwargs={"tgt_mask": causal(3)})
    check_module(_transformer(), [(5, 4), (3, 4)], kwargs={"src_key_padding_mask": MEMORY_PADDING[1]})


def test_transformer_with_custom_encoder_and_decoder():
    def build(n):
        encoder = n.TransformerEncoder(n.TransformerEncoderLayer(4, 2, 6, dropout=0.0), 1)
        decoder = n.TransformerDecoder(n.TransformerDecoderLayer(4, 2, 6, dropout=0.0), 1)
        return n.Transformer(4, 2, custom_encoder=encoder, custom_decoder=decoder)

    check_module(build, [MEMORY, TARGET])


def test_transformer_starts_with_xavier_uniform_matrices():
    model = nn.Transformer(8, 2, 1, 1, 16)
    for name, parameter in model.named_parameters():
        if parameter.dim() > 1:
            fan_out, fan_in = parameter.shape
            bound = (6.0 / (fan_in + fan_out)) ** 0.5
            assert float(parameter.abs().max()) <= bound, name
            assert float(parameter.abs().max()) > bound / 2, name


@pytest.mark.parametrize("size,dtype", [(4, None), (1, "float64"), (0, None)])
def test_square_subsequent_mask_matches_torch(size, dtype):
    ours = nn.Transformer.generate_square_subsequent_mask(size, dtype=dtype and getattr(chainrule, dtype))
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(size, dtype=dtype and getattr(torch, dtype))
    assert str(ours).replace("chainrule.", "torch.") == str(theirs)


@pytest.mark.parametrize("src_shape,tgt_shape,batch_first", [
    ((5, 2, 4), (3, 1, 4), False),
    ((2, 5, 4), (1, 3, 4), True),
    ((5, 2, 4), (3, 2, 6), False),
    ((5, 6), (3, 4), False),
])
def test_transformer_shape_errors_match_torch(src_shape, tgt_shape, batch_first):
    theirs = torch.nn.Transformer(4, 2, 1, 1, 8, batch_first=batch_first)
    ours = nn.Transformer(4, 2, 1, 1, 8, batch_first=batch_first)
    with pytest.raises(RuntimeError) as expected:
        theirs(torch.ones(src_shape), torch.ones(tgt_shape))
    with pytest.raises(RuntimeError) as got:
        ours(chainrule.ones(src_shape), chainrule.ones(tgt_shape))
    assert str(got.value) == str(expected.value)


def test_state_dict_moves_from_torch_and_back():
    theirs = torch.nn.Transformer(4, 2, 1, 1, 8)
    ours = nn.Transformer(4, 2, 1, 1, 8)
    ours.load_state_dict({key: _to_ours(value) for key, value in theirs.state_dict().items()})
    back = torch.nn.Transformer(4, 2, 1, 1, 8)
    back.load_state_dict({key: torch.from_numpy(value.numpy().copy()) for key, value in ours.state_dict().items()})
    for (name, a), (_, b) in zip(theirs.state_dict().items(), back.state_dict().items()):
        assert torch.equal(a, b), name
