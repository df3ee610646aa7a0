"""In-place writes through a view: the base's history records them.

When an in-place op changes a view of a tensor that requires grad, the base becomes the output of a
``CopySlices`` node (the op's rule applied to the base's region) and the view is re-derived from the
base (``AsStridedBackward0``), as in PyTorch. Regions are found from the arrays' strides.
"""

from .._array import namespace_of
from .._autograd.graph import Node
from .._autograd.leaf import accumulator_of
from ._op import attach, derivative
from .index_put import index_put_accumulate

__all__ = ["write_through_view", "base_key", "positions_in_base", "AsStridedBackward0"]


def base_key(positions, base):
    """An index into ``base`` that reads the elements at flat ``positions``, in their shape."""
    return namespace_of(positions).unravel_index(positions, base._data.shape)


def _as_strided_grad(grad, base_shape, key):
    return index_put_accumulate(grad, base_shape, key)


AsStridedBackward0 = derivative("AsStridedBackward0", _as_strided_grad)


def positions_in_base(view, base):
    """The flat position in ``base`` of each element of ``view`` (a NumPy view of base's array).

    A write into a view changes its base, so the base's history must record it; these positions
    say where. None when the layout cannot be mapped (negative or misaligned strides).
    """
    b, v = base._data, view._data
    item = b.itemsize
    strides = b.strides + v.strides
    offset = view.data_ptr() - base.data_ptr()
    if b.size == 0 or offset < 0 or offset % item or any(s < 0 or s % item for s in strides):
        return None
    span = 1 + sum((n - 1) * s // item for n, s in zip(b.shape, b.strides))
    end = offset // item + sum((n - 1) * s // item for n, s in zip(v.shape, v.strides))
    if v.size and end >= span:
        return None
    xp = namespace_of(b)
    buffer = xp.zeros(span, dtype=xp.int64)  # one slot per element of base's memory, whatever its item size

    def in_buffer(strides):
        return tuple(s // item * buffer.itemsize for s in strides)

    laid_out = xp.as_strided(buffer, b.shape, in_buffer(b.strides))
    laid_out[...] = xp.arange(b.size).reshape(b.shape)
    return xp.as_strided(buffer[offset // item:], v.shape, in_buffer(v.strides))


class _ViewWrite(Node):
    """``CopySlices`` for an in-place op on a view: the op's node, applied to the base's region.

    Its first edge is the base's earlier history; the others are the op's other inputs. The region's
    gradient goes through the op's own rule; the rest of the base's gradient passes unchanged.
    """

    __slots__ = ()

    def apply(self, grads):
        grad = grads[0]
        op_node, key = self._args
        inner = op_node.apply([grad[key]])
        base_grad = grad.clone()
        base_grad[key] = 0.0 if inner[0] is None else inner[0]
        return [base_grad] + list(inner[1:])


_ViewWrite.__name__ = _ViewWrite.__qualname__ = "CopySlices"


def write_through_view(view, op_node):
    """Record that the in-place op ``op_node`` (now ``view.grad_fn``) changed ``view``'s base.

    The base becomes the output of a ``CopySlices`` node and the view is re-derived from it
    (``AsStridedBackward0``), as in PyTorch. Does nothing for a layout it cannot map.
    """
    base = view._base
    positions = positions_in_base(view, base)
    if positions is None:
        return
    key = base_key(positions, base)
    node = _ViewWrite((_history_edge(base),) + tuple(op_node.next_functions[1:]), (), (op_node, key), None)
    base._grad_fn = node
    base._output_nr = 0
    base._requires_grad = True
    attach(view, AsStridedBackward0, (base,), (), (base._data.shape, key))
    view._output_nr = 0


def _history_edge(tensor):
    """The edge to what produced ``tensor`` so far."""
    if tensor._grad_fn is not None:
        return (tensor._grad_fn, tensor._output_nr)
    if tensor._requires_grad:
        return (accumulator_of(tensor), 0)
    return (None, 0)
