"""``F.multi_head_attention_forward`` beyond the op table (tests/op_db/nn_layers.py has its values and
gradients): the module's own weights give the module's result, and shape mistakes raise PyTorch's errors."""

import numpy as np
import pytest
import torch
from matrix_checks import same_error

import chainrule

E, HEADS = 4, 2
RNG = np.random.default_rng(11)
ARRAYS = {"q": RNG.standard_normal((3, 2, E)), "k": RNG.standard_normal((5, 2, E)), "w": RNG.standard_normal((12, E)),
          "b": RNG.standard_normal(12), "ow": RNG.standard_normal((E, E)), "ob": RNG.standard_normal(E)}


def _t(m, name):
    return m.tensor(ARRAYS[name], dtype=m.float32)


def _call(m, query=None, key=None, value=None, embed=E, heads=HEADS, in_weight="w", **kwargs):
    query = _t(m, "q") if query is None else query
    key = _t(m, "k") if key is None else key
    value = key if value is None else value
    weight = _t(m, in_weight) if isinstance(in_weight, str) else in_weight
    bias_k, bias_v = kwargs.pop("bias_k", None), kwargs.pop("bias_v", None)
    return m.nn.functional.multi_head_attention_forward(query, key, value, embed, heads, weight, _t(m, "b"), bias_k,
                                                        bias_v, False, 0.0, _t(m, "ow"), _t(m, "ob"), **kwargs)


def test_module_weights_give_the_module_result():
    chainrule.manual_seed(0)
    layer = chainrule.nn.MultiheadAttention(E, HEADS)
    x = chainrule.tensor(ARRAYS["q"], dtype=chainrule.float32)
    expected, expected_weights = layer(x, x, x)
    got, weights = chainrule.nn.functional.multi_head_attention_forward(
        x, x, x, E, HEADS, layer.in_proj_weight, layer.in_proj_bias, None, None, False, 0.0, layer.out_proj.weight,
        layer.out_proj.bias)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(weights.detach().numpy(), expected_weights.detach().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda m: _call(m, query=m.ones(2, 3, 4, E)),
    lambda m: _call(m, key=m.ones(5, E)),
    lambda m: _call(m, query=m.ones(3, E), key=m.ones(5, E), attn_mask=m.ones(HEADS, 4, 5)),
    lambda m: _call(m, key_padding_mask=m.ones(2, 5, 1, dtype=m.bool)),
    lambda m: _call(m, attn_mask=m.ones(1, 1, 3, 5)),
    lambda m: _call(m, embed=6),
    lambda m: _call(m, heads=3, embed=E),
    lambda m: _call(m, value=m.ones(4, 2, E)),
    lambda m: _call(m, in_weight=None),
    lambda m: _call(m, use_separate_proj_weight=True),
    lambda m: _call(m, use_separate_proj_weight=True, q_proj_weight=m.ones(E, E), k_proj_weight=m.ones(E, 3),
                    v_proj_weight=m.ones(E, E)),
    lambda m: _call(m, attn_mask=m.ones(3, 4)),
    lambda m: _call(m, attn_mask=m.ones(3, 3, 5)),
    lambda m: _call(m, attn_mask=m.ones(3, 5, dtype=m.int64)),
    lambda m: _call(m, bias_k=m.ones(1, 1, E)),
    lambda m: _call(m, bias_v=m.ones(1, 1, E)),
    lambda m: _call(m, bias_k=m.ones(1, 1, E), bias_v=m.ones(1, 1, E), static_k=m.ones(4, 5, 2)),
    lambda m: _call(m, static_k=m.ones(3, 5, 2)),
    lambda m: _call(m, static_v=m.ones(4, 5, 3)),
    lambda m: _call(m, key_padding_mask=m.ones(3, 5, dtype=m.bool)),
    lambda m: _call(m, key_padding_mask=m.ones(2, 4, dtype=m.bool)),
    lambda m: _call(m, is_causal=True),
])
def test_errors_match_torch(call):
    same_error(call)


def test_mismatched_mask_types_warn_as_torch():
    messages = []
    for m in (chainrule, torch):
        with pytest.warns(UserWarning) as record:
            _call(m, attn_mask=m.zeros(3, 5), key_padding_mask=m.zeros(2, 5, dtype=m.bool))
        messages.append([str(w.message) for w in record])
    assert messages[0] == messages[1]
