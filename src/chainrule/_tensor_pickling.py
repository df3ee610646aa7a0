"""How a tensor is pickled and copied: ``pickle``, ``copy.copy`` and ``multiprocessing`` all go through here.

As in PyTorch, a tensor pickles as a leaf holding its data, ``requires_grad`` and the attributes a
user set on it, never its graph or gradient. ``copy.copy`` reuses the same reduction without
serialising, so the copy shares the original's memory, as PyTorch's does.

Two views of one array stay views of one array inside a pickle: a tensor refers to the array that
owns its memory, which the pickler stores once however many tensors refer to it. A small view of a
much larger array is stored on its own instead, so that sending one row of a dataset to another
process does not send the whole dataset.
"""

import numpy as np

from ._array import to_host

__all__ = ["reduce_tensor", "rebuild_tensor", "rebuild_tensor_view"]


def _owner(array):
    """The C-contiguous ndarray whose memory ``array`` views, or None when there is none to share."""
    owner = array
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    if owner is array or not owner.flags.c_contiguous:
        return None
    return owner


def _span(array):
    """The number of bytes between the first and one past the last element ``array`` touches."""
    if array.size == 0:
        return 0
    reach = sum((n - 1) * abs(s) for n, s in zip(array.shape, array.strides))
    return reach + array.itemsize


def _state(tensor):
    """The attributes set on this tensor by its user (autograd's own class-level defaults excluded)."""
    cls = type(tensor)
    return {name: value for name, value in tensor.__dict__.items() if not hasattr(cls, name)}


def reduce_tensor(tensor):
    """``__reduce_ex__`` of a tensor: a leaf rebuilt from its array (or a view of the array owning it)."""
    array = to_host(tensor._data)
    cls = type(tensor)
    state = _state(tensor)
    owner = _owner(array)
    if owner is not None and 2 * _span(array) >= owner.nbytes:
        offset = array.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
        return rebuild_tensor_view, (cls, owner, offset, array.shape, array.strides, array.dtype,
                                     tensor._requires_grad, state)
    return rebuild_tensor, (cls, array, tensor._requires_grad, state)


def rebuild_tensor(cls, array, requires_grad, state):
    """A leaf of class ``cls`` over ``array``."""
    tensor = object.__new__(cls)
    tensor._init(array)
    tensor._requires_grad = bool(requires_grad)
    if state:
        tensor.__dict__.update(state)
    return tensor


def rebuild_tensor_view(cls, owner, offset, shape, strides, dtype, requires_grad, state):
    """A leaf of class ``cls`` viewing ``owner``'s memory at ``offset`` bytes with ``shape`` and ``strides``."""
    view = np.ndarray(shape, dtype, buffer=owner, offset=offset, strides=strides)
    return rebuild_tensor(cls, view, requires_grad, state)
