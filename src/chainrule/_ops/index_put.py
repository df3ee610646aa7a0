"""Values put at an index of zeros: the gradient of every read at an index (``x[i]``, ``gather``,
``masked_select``, an embedding), with repeated positions adding up.
"""

from .._array import namespace_of
from ._op import derivative, record, traced

__all__ = ["index_put_accumulate", "scatter_into_zeros"]


def _index_put_grad(grad, shape, key):
    return grad[key]


IndexPutAccumulateBackward = derivative("IndexPutBackward0", _index_put_grad, op="index_put_accumulate")


def index_put_accumulate(values, shape, key):
    """Zeros of ``shape`` with ``values`` added at ``key`` (repeated positions add up)."""
    out = traced(_added_at, values, shape, key)
    return record(out, IndexPutAccumulateBackward, (values,), (), (values._data.shape, key))


def _added_at(values, shape, key):
    xp = namespace_of(values)
    out = xp.zeros(shape, dtype=values.dtype)
    xp.scatter_add(out, key, values)
    return out


def scatter_into_zeros(grad, shape, key):
    """Gradient of a view: zeros of the base shape with ``grad`` written at ``key``."""
    return record(traced(_written_at, grad, shape, key), IndexPutAccumulateBackward, (grad,), (),
                  (grad._data.shape, key))


def _written_at(values, shape, key):
    out = namespace_of(values).zeros(shape, dtype=values.dtype)
    out[key] = values
    return out
