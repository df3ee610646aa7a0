"""``BatchedArray``: how ``vmap`` batches every op without knowing any op.

Inside ``vmap(f)``, a tensor's array is a ``BatchedArray``: the real ("physical") array of the whole
batch, batch dimension first, seen from inside as one sample (its ``shape`` leaves the batch out).
It is an array of its own array namespace (``batching_rules.BATCHED``): since every op takes its array
functions from its inputs' namespace, ops, derivative rules and ``nn.functional`` run on batched arrays
unchanged, and the namespace's rules turn each array call into one call on the whole batch (an
elementwise call aligns the operands, a reduction shifts its axes, a matrix product keeps the batch as
a leading dimension). Nested ``vmap``s nest batched arrays: a batched array's value may itself be a
batched array of an outer level.
"""

import sys

from .._array import namespace_of
from .._tensor import Tensor

__all__ = ["BatchedArray", "Fresh", "plain", "promote", "note_view", "data_dependent_error"]


def data_dependent_error(what):
    """PyTorch's refusal of a value read out of a batched tensor."""
    if what == "item":
        return RuntimeError(
            "vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over calling .item() on "
            "a Tensor, please try to rewrite what you're doing with other operations. If error is occurring "
            "somewhere inside PyTorch internals, please file a bug report.")
    return RuntimeError(
        "vmap: It looks like you're attempting to use a Tensor in some data-dependent control flow. We don't "
        "support that yet, please file an issue at https://github.com/pytorch/pytorch/issues .")


class BatchedArray:
    """The array of a whole batch (``value``, batch dimension first) seen as one sample of level ``level``."""

    __slots__ = ("value", "level", "origin")  # origin: only set on fresh views, see ``promote``

    def __init__(self, value, level):
        self.value = value
        self.level = level

    # ---------------------------------------------------------------- one sample's metadata
    @property
    def shape(self):
        return self.value.shape[1:]

    @property
    def ndim(self):
        return self.value.ndim - 1

    @property
    def size(self):
        size = 1
        for n in self.value.shape[1:]:
            size *= n
        return size

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def itemsize(self):
        return self.value.itemsize

    @property
    def nbytes(self):
        return self.size * self.value.itemsize

    @property
    def strides(self):
        return self.value.strides[1:]

    @property
    def flags(self):
        return self.value.flags

    base = None

    @property
    def batch_size(self):
        return self.value.shape[0]

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.value.shape[1]

    # ---------------------------------------------------------------- values cannot leave
    def __bool__(self):
        if sys._getframe(1).f_code in _TENSOR_READS:
            raise data_dependent_error("control flow")
        return bool(_agreed(self))

    def __float__(self):
        return float(_agreed(self))

    def __int__(self):
        return int(_agreed(self))

    def __index__(self):
        return int(_agreed(self))

    def __complex__(self):
        return complex(_agreed(self))

    def item(self):
        if sys._getframe(1).f_code in _TENSOR_READS:
            raise data_dependent_error("item")
        return _agreed(self).item()

    def tolist(self):
        raise data_dependent_error("item")

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("vmap: a batched tensor cannot be converted to a NumPy array inside vmap")

    def __repr__(self):
        return f"BatchedArray(level={self.level}, value={self.value!r})"


class Fresh(BatchedArray):
    """An array made from nothing by an op running on batched arrays (zeros, an index, a mask): the same
    for every sample, so it is not batched (``level`` 0), but an op may still write batched values into
    it, and then it becomes batched (``promote``) instead of refusing the write."""

    __slots__ = ()

    @property
    def shape(self):
        return self.value.shape

    @property
    def ndim(self):
        return self.value.ndim

    @property
    def size(self):
        return self.value.size

    @property
    def strides(self):
        return self.value.strides

    def __len__(self):
        return len(self.value)

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __index__(self):
        return self.value.__index__()

    def __complex__(self):
        return complex(self.value)

    def item(self):
        return self.value.item()

    def tolist(self):
        return self.value.tolist()


_TENSOR_READS = {Tensor.__bool__.__code__, Tensor.__index__.__code__}


def _agreed(array):
    """The value every sample holds, read by an op's own code (a check, a size): chainrule's ops may read
    a value that does not depend on the sample. Samples that disagree make it data-dependent control flow."""
    value = array.value
    first = value[0]
    if not bool((value == first).all()):
        raise data_dependent_error("control flow")
    return first


def note_view(result, args, kwargs, remake):
    """Remember that the fresh ``result`` views a fresh argument, and how to make it again (``promote``)."""
    if result.__class__ is not Fresh:
        return result
    xp = namespace_of(result.value)
    for value in list(args) + list(kwargs.values()):
        if value.__class__ is Fresh and value is not result and xp.may_share_memory(value.value, result.value):
            result.origin = (value, remake)
            break
    return result


def plain(value):
    """A fresh array as the array it holds (anything else as it is), for a call that batches nothing."""
    cls = value.__class__
    if cls is Fresh:
        return value.value
    if cls is tuple or cls is list:
        return cls(plain(v) for v in value)
    return value


def promote(target, like):
    """Turn the fresh ``target`` into a batched array (of ``like``'s levels and batch sizes) holding its
    value for every sample, in place: an op is about to write ``like``'s batched values into it.

    A fresh view (the diagonal of fresh zeros, about to receive a batched diagonal) promotes the array it
    views first and is then made again from it, so the write lands in the array the op goes on using."""
    origin = getattr(target, "origin", None)
    if origin is not None:
        viewed, remake = origin
        if viewed.__class__ is Fresh:
            promote(viewed, like)
        view = remake()
        if getattr(target.value.flags, "writeable", True) and not getattr(view.flags, "writeable", True):
            view.flags.writeable = True  # NumPy's diagonal views are read-only unless asked
        target.__class__ = BatchedArray
        target.value, target.level, target.origin = view.value, view.level, None
        return
    levels = []
    inner = like
    while inner.__class__ is BatchedArray:
        levels.append(inner.level)
        inner = inner.value
    xp = namespace_of(inner)
    base = target.value
    value = xp.array(xp.broadcast_to(base, tuple(inner.shape[:len(levels)]) + tuple(base.shape)))
    for level in reversed(levels[1:]):
        value = BatchedArray(value, level)
    target.__class__ = BatchedArray
    target.value = value
    target.level = levels[0]
