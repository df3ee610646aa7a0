"""Multi-head scaled dot-product attention, composed from ``F.linear``, ``F.softmax`` and batched matmul.

Shapes follow PyTorch's sequence-first layout: query ``(L, N, E)``, key and value ``(S, N, E)``.
Masks may be boolean (True marks a position that must not be attended) or additive floats.
"""

import math

from ..._array import namespace_of
from ..._ops.joining import cat
from ..._ops._op import traced
from ..._tensor import make_tensor
from .. import functional as F

__all__ = ["multi_head_attention"]


def _additive_mask(mask, dtype):
    """A boolean mask as ``-inf`` / ``0`` in ``dtype``; a float mask as it is."""
    if mask is None:
        return None
    if mask.dtype.is_floating_point:
        return mask
    return make_tensor(traced(_additive_mask_array, mask, dtype.np))


def _additive_mask_array(mask, dtype):
    return namespace_of(mask).where(mask, -math.inf, 0.0).astype(dtype)


def _pad_last(mask):
    """One more attendable column at the end of a mask (for the extra key/value bias or zero row)."""
    return None if mask is None else F.pad(mask, (0, 1))


def multi_head_attention(query, key, value, num_heads, in_weights, in_biases, bias_k, bias_v, add_zero_attn,
                         dropout_p, out_proj, training, key_padding_mask, need_weights, attn_mask,
                         average_attn_weights):
    target_len, batch, embed_dim = query.shape
    head_dim = embed_dim // num_heads
    q = F.linear(query, in_weights[0], in_biases[0])
    k = F.linear(key, in_weights[1], in_biases[1])
    v = F.linear(value, in_weights[2], in_biases[2])
    attn_mask = _additive_mask(attn_mask, q.dtype)
    key_padding_mask = _additive_mask(key_padding_mask, q.dtype)
    if attn_mask is not None and attn_mask.dim() == 2:
        attn_mask = attn_mask.unsqueeze(0)
    if bias_k is not None:
        k = cat([k, bias_k.reshape(1, 1, embed_dim).expand(1, batch, embed_dim)], 0)
        v = cat([v, bias_v.reshape(1, 1, embed_dim).expand(1, batch, embed_dim)], 0)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    q = q.reshape(target_len, batch * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], batch * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], batch * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:  # a row of zeros after the keys and values
        k = F.pad(k, (0, 0, 0, 1))
        v = F.pad(v, (0, 0, 0, 1))
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    source_len = k.shape[1]
    if key_padding_mask is not None:
        padding = key_padding_mask.reshape(batch, 1, 1, source_len).expand(batch, num_heads, 1, source_len)
        padding = padding.reshape(batch * num_heads, 1, source_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    scores = (q * math.sqrt(1.0 / head_dim)).bmm(k.transpose(1, 2))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = F.softmax(scores, dim=-1)
    if dropout_p > 0.0 and training:
        weights = F.dropout(weights, p=dropout_p)
    output = weights.bmm(v).transpose(0, 1).reshape(target_len * batch, embed_dim)
    output = F.linear(output, out_proj.weight, out_proj.bias).reshape(target_len, batch, embed_dim)
    if not need_weights:
        return output, None
    weights = weights.reshape(batch, num_heads, target_len, source_len)
    if average_attn_weights:
        weights = weights.mean(dim=1)
    return output, weights
