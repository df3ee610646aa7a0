"""Op table entries: the functional forms of whole layers (multi-head attention, fractional max pooling,
the adaptive softmax, the recurrent layers) and the LDL factorisation (see tests/op_db/__init__.py)."""

import numpy as np

from . import OpInfo, Sample, noncontiguous

E, HEADS = 4, 2


def _F(module):
    return module.nn.functional


# ---------------------------------------------------------------- multi-head attention
def _attention(module, query, key, value, in_weight, in_bias, out_weight, out_bias, *extra, layout="separate",
               **kwargs):
    """``layout``: "self" passes the query as key and value (one packed product), "kv" the key as value;
    ``extra`` holds bias_k and bias_v when given, else masks named in ``kwargs``' "masks" list."""
    if layout == "self":
        key = value = query
    elif layout == "kv":
        value = key
    masks = dict(zip(kwargs.pop("masks", ()), extra))
    biases = (extra[0], extra[1]) if kwargs.pop("kv_biases", False) else (None, None)
    output, weights = _F(module).multi_head_attention_forward(
        query, key, value, E, HEADS, in_weight, in_bias, *biases, kwargs.pop("add_zero_attn", False), 0.0,
        out_weight, out_bias, **masks, **kwargs)
    return output if weights is None else (output, weights)


def _attention_samples(rng):
    n = rng.standard_normal

    def weights():
        return n((3 * E, E)) * 0.5, n(3 * E) * 0.1, n((E, E)) * 0.5, n(E) * 0.1

    yield Sample((n((3, 2, E)), None, None, *weights()), {"layout": "self"}, name="self attention")
    yield Sample((n((3, 2, E)), n((5, 2, E)), None, *weights()), {"layout": "kv", "average_attn_weights": False},
                 name="key is value, weights per head")
    yield Sample((n((3, 2, E)), n((5, 2, E)), n((5, 2, E)), *weights(), n((3, 5)), rng.random((2, 5)) < 0.3),
                 {"masks": ("attn_mask", "key_padding_mask"), "add_zero_attn": True}, name="masks, zero position")
    yield Sample((n((3, 2, E)), n((5, 2, E)), n((5, 2, E)), *weights(), n((1, 1, E)), n((1, 1, E))),
                 {"kv_biases": True, "need_weights": False}, name="key and value biases, no weights")
    yield Sample((noncontiguous(n((3, E))), n((5, E)), n((5, E)), *weights(), rng.random(5) < 0.3),
                 {"masks": ("key_padding_mask",)}, name="unbatched noncontiguous")
    yield Sample((n((3, 2, E)), None, None, *weights(), np.triu(np.ones((3, 3), dtype=bool), 1)),
                 {"layout": "self", "masks": ("attn_mask",), "is_causal": True, "need_weights": False},
                 name="causal")


# ---------------------------------------------------------------- fractional max pooling
def _fractional(rank):
    def call(module, x, samples, kernel, **kwargs):
        pool = getattr(_F(module), f"fractional_max_pool{rank}d")
        return pool(x, kernel, _random_samples=samples, **kwargs)

    return call


def _fractional_2d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 3, 7, 9)), rng.random((2, 3, 2)), 2), {"output_size": (4, 5)}, name="batch")
    yield Sample((n((2, 9, 8)), rng.random((1, 2, 2)), (3, 2)), {"output_ratio": (0.5, 0.7)}, name="unbatched ratio")
    yield Sample((noncontiguous(n((1, 2, 6, 5))), rng.random((1, 2, 2)), 2), {"output_size": 3},
                 name="noncontiguous")
    yield Sample((n((1, 1, 5, 6)), rng.random((1, 1, 2)), 2), {"output_size": (1, 5)}, name="one window row")


def _fractional_3d_samples(rng):
    n = rng.standard_normal
    yield Sample((n((2, 2, 5, 6, 7)), rng.random((2, 2, 3)), 2), {"output_size": (3, 4, 4)}, name="batch")
    yield Sample((n((2, 6, 5, 7)), rng.random((1, 2, 3)), (2, 1, 3)), {"output_ratio": 0.5}, name="unbatched ratio")
    yield Sample((noncontiguous(n((1, 2, 4, 5, 6))), rng.random((1, 2, 3)), 2), {"output_size": 2},
                 name="noncontiguous")


OPS = [
    OpInfo("F.multi_head_attention_forward", _attention, _attention_samples,
           warns="Support for mismatched key_padding_mask and attn_mask is deprecated"),
    OpInfo("F.fractional_max_pool2d", _fractional(2), _fractional_2d_samples, grad_inputs=(0,)),
    OpInfo("F.fractional_max_pool3d", _fractional(3), _fractional_3d_samples, grad_inputs=(0,)),
]
