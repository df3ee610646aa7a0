"""``multi_head_attention_forward``: the whole of ``nn.MultiheadAttention`` as one function of its weights.

Shapes are sequence first: query ``(L, N, E)``, key and value ``(S, N, E)``, or without the batch dim.
The steps are PyTorch's, so values, graphs and errors agree: project (one packed weight, split as PyTorch
splits it, or three separate ones), append the key/value biases and a zero position, fold the heads into
the batch, add the masks (a boolean mask becomes ``-inf`` where it is True), then either the explicit
``softmax(q kᵀ / sqrt(d) + mask) v`` that also returns the weights, or ``scaled_dot_product_attention``
when the weights are not wanted. Shape mistakes are ``AssertionError``s, as in PyTorch.
"""

import math
import warnings

from ..._creation import zeros_like
from ..._dtype import bool_
from ..._ops.joining import cat
from ..._ops.matmul import baddbmm, bmm
from .attention import scaled_dot_product_attention
from .dropout import dropout
from .linear import linear
from .sampling import pad
from .softmax import softmax

FUNCTIONS = ["multi_head_attention_forward"]
METHODS = []


def _batched(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the inputs carry a batch dim (3-D) or not (2-D), checking the other shapes agree."""
    rank = query.dim()
    if rank not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {rank}-D query tensor")
    kind = "batched (3-D)" if rank == 3 else "unbatched (2-D)"
    if key.dim() != rank or value.dim() != rank:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {rank}-D but found "
                             f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != rank - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or {rank - 1}-D but "
                             f"found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 f"{attn_mask.dim()}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if rank == 2 and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
    return rank == 3


def _additive(mask, name, dtype, other=None, other_name=""):
    """A mask as numbers to add to the scores: a boolean one is ``-inf`` where True and 0 elsewhere."""
    if mask is None:
        return None
    if mask.dtype != bool_ and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if other is not None and mask.dtype != other.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both "
                      f"instead.", UserWarning, stacklevel=3)
    if mask.is_floating_point():
        return mask
    return zeros_like(mask, dtype=dtype).masked_fill_(mask, -math.inf)


def _packed_projections(query, key, value, weight, bias):
    """q, k, v through one ``(3E, E)`` weight: a single product when all three are the same tensor, two when
    key and value are, three otherwise."""
    embed = query.shape[-1]
    if key is value and query is key:
        both = linear(query, weight, bias).unflatten(-1, (3, embed)).unsqueeze(0).transpose(0, -2)
        both = both.squeeze(-2).contiguous()
        return both[0], both[1], both[2]
    if key is value:
        weight_q, weight_kv = weight.split([embed, 2 * embed])
        bias_q, bias_kv = (None, None) if bias is None else bias.split([embed, 2 * embed])
        pair = linear(key, weight_kv, bias_kv).unflatten(-1, (2, embed)).unsqueeze(0).transpose(0, -2)
        pair = pair.squeeze(-2).contiguous()
        return linear(query, weight_q, bias_q), pair[0], pair[1]
    weights = weight.chunk(3)
    biases = (None, None, None) if bias is None else bias.chunk(3)
    return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))


def _separate_projections(query, key, value, weights, bias):
    names = ("query", "key", "value")
    for name, weight in zip(("q", "k", "v"), weights):
        if weight is None:
            raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
    biases = (None, None, None) if bias is None else bias.chunk(3)
    embed = query.shape[-1]
    for name, x, weight in zip(names, (query, key, value), weights):
        expected = (embed, x.shape[-1])
        if tuple(weight.shape) != expected:
            raise AssertionError(f"expecting {name} weights shape of {expected}, but got {weight.shape}")
    for name, b in zip(names, biases):
        if b is not None and tuple(b.shape) != (embed,):
            raise AssertionError(f"expecting {name} bias shape of {(embed,)}, but got {b.shape}")
    return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))


def _checked_attn_mask(attn_mask, target_len, source_len, heads_in_batch):
    """The attention mask as 3-D: a 2-D one gets a leading dim of 1."""
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (target_len, source_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                               f"{(target_len, source_len)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != (heads_in_batch, target_len, source_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                               f"{(heads_in_batch, target_len, source_len)}.")
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _heads_first(x, static, name, heads_in_batch, head_dim):
    """``(S, N, E)`` as ``(N * heads, S, head_dim)``, or the given static keys or values (already so)."""
    if static is None:
        return x.view(x.shape[0], heads_in_batch, head_dim).transpose(0, 1)
    if static.size(0) != heads_in_batch:
        raise AssertionError(f"expecting static_{name}.size(0) of {heads_in_batch}, but got {static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got {static.size(2)}")
    return static


def _pad_one(mask):
    return None if mask is None else pad(mask, (0, 1))


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention with the given projection weights; returns ``(output, weights or None)``."""
    batched = _batched(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    target_len, batch, embed_dim = query.shape
    key_padding_mask = _additive(key_padding_mask, "key_padding_mask", query.dtype, attn_mask, "attn_mask")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention builds the causal mask itself
    else:
        attn_mask = _additive(attn_mask, "attn_mask", query.dtype)
        if key_padding_mask is not None:
            is_causal = False  # the merged mask is no longer causal
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
        q, k, v = _separate_projections(query, key, value, (q_proj_weight, k_proj_weight, v_proj_weight),
                                        in_proj_bias)
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _packed_projections(query, key, value, in_proj_weight, in_proj_bias)
    heads_in_batch = batch * num_heads
    if attn_mask is not None:
        attn_mask = _checked_attn_mask(attn_mask, target_len, key.shape[0], heads_in_batch)
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, batch, 1)])
        v = cat([v, bias_v.repeat(1, batch, 1)])
        attn_mask, key_padding_mask = _pad_one(attn_mask), _pad_one(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    q = q.view(target_len, heads_in_batch, head_dim).transpose(0, 1)
    k = _heads_first(k, static_k, "k", heads_in_batch, head_dim)
    v = _heads_first(v, static_v, "v", heads_in_batch, head_dim)
    if add_zero_attn:
        k = cat([k, k.new_zeros((heads_in_batch, 1, head_dim))], dim=1)
        v = cat([v, v.new_zeros((heads_in_batch, 1, head_dim))], dim=1)
        attn_mask, key_padding_mask = _pad_one(attn_mask), _pad_one(key_padding_mask)
    source_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != batch:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {batch}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != source_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {source_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        padding = key_padding_mask.view(batch, 1, 1, source_len).expand(-1, num_heads, -1, -1)
        padding = padding.reshape(heads_in_batch, 1, source_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0
    if need_weights:
        output, weights = _attention_with_weights(q, k, v, attn_mask, dropout_p, is_causal)
        output = output.transpose(0, 1).reshape(target_len * batch, embed_dim)
        output = linear(output, out_proj_weight, out_proj_bias)
        output = output.view(target_len, batch, output.size(1))
        weights = weights.view(batch, num_heads, target_len, source_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            output, weights = output.squeeze(1), weights.squeeze(0)
        return output, weights
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(batch, num_heads, -1, source_len)
    q = q.view(batch, num_heads, target_len, head_dim)
    k = k.view(batch, num_heads, source_len, head_dim)
    v = v.view(batch, num_heads, source_len, head_dim)
    output = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    output = output.permute(2, 0, 1, 3).reshape(batch * target_len, embed_dim)
    output = linear(output, out_proj_weight, out_proj_bias)
    output = output.view(target_len, batch, output.size(1))
    return (output if batched else output.squeeze(1)), None


def _attention_with_weights(q, k, v, attn_mask, dropout_p, is_causal):
    """``softmax(q kᵀ / sqrt(d) + mask) v`` and the softmax weights, heads folded into the batch."""
    if is_causal and attn_mask is None:
        raise AssertionError("FIXME: is_causal not implemented for need_weights")
    scaled = q * math.sqrt(1.0 / float(q.shape[-1]))
    if attn_mask is not None:
        scores = baddbmm(attn_mask, scaled, k.transpose(-2, -1))
    else:
        scores = bmm(scaled, k.transpose(-2, -1))
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, p=dropout_p)
    return bmm(weights, v), weights
