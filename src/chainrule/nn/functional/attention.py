"""``scaled_dot_product_attention``: ``softmax(q kᵀ * scale + mask) v``.

Where PyTorch runs its fused CPU kernel (4-d inputs with one head size, no dropout, a mask that
needs no gradient) the result is one ``ScaledDotProductFlashAttentionForCpuBackward0`` node whose
rules recompute the attention weights from the saved query and key; elsewhere it is the
composition PyTorch records (matmuls around a softmax that gives fully masked rows zeros instead
of nan, ``SafeSoftmaxBackward0``). Either way every rule is written with chainrule ops.
"""

import math

from ..._array import namespace_of
from ..._autograd import grad_mode
from ..._ops._op import OUTPUT, derivative, record
from ..._ops.matmul import matmul
from ..._ops.pointwise import where
from ..._ops._arguments import bool_argument
from ..._tensor import make_tensor
from .dropout import dropout
from ..._float_errors import silent_float_errors

FUNCTIONS = ["scaled_dot_product_attention"]
METHODS = []
SIGNATURES = {"scaled_dot_product_attention": "Tensor query, Tensor key, Tensor value, Tensor? attn_mask = None, "
                                              "float dropout_p = 0.0, bool is_causal = False, *, float? scale = None, "
                                              "bool enable_gqa = False"}


@silent_float_errors
def _safe_softmax_array(x):
    xp = namespace_of(x)
    peak = x.max(axis=-1, keepdims=True)
    masked_row = peak == -math.inf
    e = xp.exp(x - xp.where(masked_row, 0, peak))
    total = e.sum(axis=-1, keepdims=True)
    return xp.where(masked_row, 0, e / xp.where(masked_row, 1, total)).astype(x.dtype, copy=False)


def _softmax_last_grad(grad, result):
    return result * (grad - (grad * result).sum(-1, keepdim=True))


SafeSoftmaxBackward0 = derivative("SafeSoftmaxBackward0", _softmax_last_grad, saves="result")


def _safe_softmax(scores):
    """Softmax over the last dim where a row that is masked everywhere gives zeros."""
    if scores.numel() == 0:
        return scores
    return record(_safe_softmax_array(scores._data), SafeSoftmaxBackward0, (scores,), (OUTPUT,))


def _repeat_heads(t, heads):
    """Grouped-query attention: each of ``t``'s heads serves ``heads // its heads`` query heads in a row."""
    shape = tuple(t.shape)
    groups = heads // shape[-3]
    if groups == 1:
        return t
    expanded = t.unsqueeze(-3).expand(shape[:-2] + (groups,) + shape[-2:])
    return expanded.reshape(shape[:-3] + (heads,) + shape[-2:])


def _sum_heads(grad, heads):
    """The gradient of ``_repeat_heads``: the query heads a key head served are summed back into it."""
    shape = tuple(grad.shape)
    groups = shape[-3] // heads
    if groups == 1:
        return grad
    return grad.reshape(shape[:-3] + (heads, groups) + shape[-2:]).sum(-3)


def _attention_weights(query, key, scale, allowed, bias):
    scores = matmul(query * math.sqrt(scale), key.transpose(-2, -1) * math.sqrt(scale))
    if allowed is not None:
        scores = where(allowed, scores, -math.inf)
    elif bias is not None:
        scores = scores + bias
    return _safe_softmax(scores)


def _score_grad(grad, query, key, value, scale, allowed, bias):
    """The gradient reaching the scores ``q kᵀ``, and the attention weights (keys already repeated)."""
    key, value = _repeat_heads(key, query.shape[-3]), _repeat_heads(value, query.shape[-3])
    weights = _attention_weights(query, key, scale, allowed, bias)
    return _softmax_last_grad(matmul(grad, value.transpose(-2, -1)), weights) * scale, weights, key


def _fused_grad_query(grad, query, key, value, scale, allowed, bias):
    score_grad, _, key = _score_grad(grad, query, key, value, scale, allowed, bias)
    return matmul(score_grad, key)


def _fused_grad_key(grad, query, key, value, scale, allowed, bias):
    score_grad = _score_grad(grad, query, key, value, scale, allowed, bias)[0]
    return _sum_heads(matmul(score_grad.transpose(-2, -1), query), key.shape[-3])


def _fused_grad_value(grad, query, key, value, scale, allowed, bias):
    weights = _score_grad(grad, query, key, value, scale, allowed, bias)[1]
    return _sum_heads(matmul(weights.transpose(-2, -1), grad), value.shape[-3])


ScaledDotProductFlashAttentionForCpuBackward0 = derivative(
    "ScaledDotProductFlashAttentionForCpuBackward0", _fused_grad_query, _fused_grad_key, _fused_grad_value,
    saves="query key value")


def _mask_terms(attn_mask, is_causal, query, key):
    """``(allowed, bias)``: a bool mask of the positions that may be attended to, or a float mask to add."""
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        xp = namespace_of(query._data)
        return make_tensor(xp.tril(xp.ones((query.shape[-2], key.shape[-2]), dtype=xp.bool_))), None
    if attn_mask is None:
        return None, None
    return (None, attn_mask) if attn_mask.is_floating_point() else (attn_mask, None)


def _runs_fused(query, key, value, attn_mask, dropout_p):
    head_sizes = {query.shape[-1], key.shape[-1], value.shape[-1]}
    mask_needs_grad = attn_mask is not None and attn_mask.requires_grad
    return query.dim() == 4 and len(head_sizes) == 1 and dropout_p == 0.0 and not mask_needs_grad


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """``softmax(q kᵀ * scale + mask) v``; a bool mask marks the positions that may be attended to."""
    is_causal = bool_argument("scaled_dot_product_attention", "is_causal", None, is_causal)
    allowed, bias = _mask_terms(attn_mask, is_causal, query, key)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    if _runs_fused(query, key, value, attn_mask, dropout_p):
        with grad_mode.no_grad():
            heads = query.shape[-3]
            weights = _attention_weights(query, _repeat_heads(key, heads), scale, allowed, bias)
            result = matmul(weights, _repeat_heads(value, heads))
        return record(result._data, ScaledDotProductFlashAttentionForCpuBackward0, (query, key, value),
                      (query, key, value), (scale, allowed, bias))
    if enable_gqa:
        key, value = _repeat_heads(key, query.shape[-3]), _repeat_heads(value, query.shape[-3])
    weights = _attention_weights(query, key, scale, allowed, bias)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return matmul(weights, value)
