"""How a sampler's values are laid out in a tensor: PyTorch's kernels visit a tensor's elements in the
order of its storage (a transposed tensor along its columns), a complex tensor as (real, imaginary)
pairs, and a new tensor made "like" another keeps that one's strides when it is dense.

``fill_like`` and ``fresh`` give a sampler a ``Layout`` (how many values of which type, whether the
tensor counts as contiguous) and arrange the values it returns, without copying when they are
already in place.

On a GPU the values come from the device's own generator (CuPy's, seeded by ``manual_seed``): each host
sampler has a device counterpart in ``DEVICE_DRAWS`` (``chainrule._random.device``) that makes them there.
"""

import numpy as np

from .._array import namespace_of
from .._size import check_storage_size
from .._vmap_state import innermost, random_error
from .generator import default_generator

__all__ = ["Layout", "fill_like", "fresh", "real_dtype", "DEVICE_DRAWS", "device_of_draw"]

# host sampler -> draw(state, xp, shape, numpy dtype, *parameters): the same distribution made on a GPU
DEVICE_DRAWS = {}


def real_dtype(dtype):
    """The element type PyTorch's kernels fill: a complex tensor is filled as (real, imaginary) pairs."""
    return np.dtype(dtype.char.lower()) if dtype.kind == "c" else dtype


def _storage_axes(array):
    """``array``'s axes from the largest stride to the smallest (None for C order): the order in which
    PyTorch's kernels visit a tensor's elements."""
    if array.flags.c_contiguous or any(s < 0 for s in array.strides):
        return None
    return sorted(range(array.ndim), key=lambda axis: -array.strides[axis])


def _dense(array):
    """Whether ``array``'s elements fill their span of memory without gaps or overlaps (PyTorch's
    ``is_non_overlapping_and_dense``)."""
    expected = array.itemsize
    for axis in sorted(range(array.ndim), key=lambda a: abs(array.strides[a])):
        if array.shape[axis] != 1:
            if abs(array.strides[axis]) != expected:
                return False
            expected *= array.shape[axis]
    return True


class Layout:
    """A tensor to fill: ``count`` values of the real element type ``dtype``, visited in storage order
    (``axes``: its axes from the slowest to the fastest, None for C order); ``contiguous`` as PyTorch's
    ``is_contiguous``."""

    def __init__(self, shape, dtype, axes=None, contiguous=True):
        self.dtype = real_dtype(np.dtype(dtype))
        self.complex = self.dtype != dtype
        self.shape = tuple(shape) + ((2,) if self.complex else ())
        self.count = int(np.prod(self.shape))
        self.axes = None if axes is None else list(axes) + ([len(shape)] if self.complex else [])
        self.contiguous = contiguous

    def flat(self, array):
        """An array of the tensor's shape, its elements in visiting order."""
        return (array if self.axes is None else array.transpose(self.axes)).reshape(-1)

    def arrange(self, values, dtype):
        """``values`` (in visiting order) as an array of the tensor's shape and NumPy ``dtype``."""
        if values.dtype == np.float64 and self.dtype == np.float16:
            values = values.astype(np.float32)  # PyTorch's double -> Half cast goes through float
        values = values.astype(self.dtype, copy=False)
        if self.axes is None:
            return values.view(dtype).reshape(self.shape[:-1] if self.complex else self.shape)
        storage_shape = [self.shape[axis] for axis in self.axes]
        arranged = values.reshape(storage_shape).transpose(np.argsort(self.axes))
        arranged = np.ascontiguousarray(arranged) if self.complex else arranged
        return arranged.view(dtype)[..., 0] if self.complex else arranged


def fill_like(data, sample, *parameters, dtype=None, new=False):
    """``sample(layout, *parameters)`` as an array shaped like ``data`` (``dtype`` if given, else ``data``'s).
    For an in-place sampler ``data`` is the tensor written into; with ``new``, the values fill a new tensor
    made like ``data`` (PyTorch's ``empty_like``: in its storage order if dense, else in C order)."""
    mapped = _inside_vmap()
    if mapped is not None:  # one draw per sample, in C order
        size, batch = mapped
        return batch(fresh((size,) + tuple(data.shape), data.dtype if dtype is None else dtype, sample, *parameters,
                           vmapped=False))
    dtype = data.dtype if dtype is None else np.dtype(dtype)
    on = device_of_draw(data)
    if on is not None:
        return _drawn_on_device(on, data.shape, dtype, sample, parameters)
    if new and not _dense(data):
        layout = Layout(data.shape, dtype)
    else:
        layout = Layout(data.shape, dtype, _storage_axes(data), data.flags.c_contiguous)
    if not layout.count:
        return np.empty(data.shape, dtype=dtype)
    return layout.arrange(sample(layout, *parameters), dtype)


def fresh(shape, dtype, sample, *parameters, vmapped=True, on=None):
    """A new C-ordered array of ``shape`` and NumPy ``dtype`` holding ``sample(layout, *parameters)``; on a GPU
    when ``on`` is a ``(namespace, device index)`` with a runtime (see ``device_of_draw``).

    Inside ``vmap(..., randomness="different")`` each sample gets its own draw (``vmapped``: look)."""
    mapped = _inside_vmap() if vmapped else None
    if mapped is not None:
        size, batch = mapped
        return batch(fresh((size,) + tuple(shape), dtype, sample, *parameters, vmapped=False))
    check_storage_size(shape, np.dtype(dtype).itemsize)
    if on is not None and on[0].runtime is not None:
        return _drawn_on_device(on, shape, np.dtype(dtype), sample, parameters)
    layout = Layout(shape, dtype)
    if not layout.count:
        return np.empty(shape, dtype=dtype)
    return layout.arrange(sample(layout, *parameters), np.dtype(dtype))


def device_of_draw(array):
    """``(namespace, device index)`` of a GPU array, None for host memory (where PyTorch's CPU draws are made)."""
    if array.__class__ is np.ndarray:
        return None
    xp = namespace_of(array)
    return None if xp.runtime is None else (xp, xp.runtime.index_of(array))


def _drawn_on_device(on, shape, dtype, sample, parameters):
    """``sample``'s distribution drawn by the device's generator (``parameters[0]`` is the CPU generator the
    host sampler would have used: only the default one stands for the device's)."""
    xp, index = on
    generator, parameters = parameters[0], parameters[1:]
    if generator is not default_generator:
        raise RuntimeError("Expected a 'cuda' device type for generator but found 'cpu'")
    draw = DEVICE_DRAWS.get(sample)
    if draw is None:
        raise NotImplementedError(f"chainrule has no GPU draw for {sample.__name__}")
    with xp.runtime.using(index):
        return draw(xp.runtime.random(index), xp, tuple(shape), dtype, *parameters)


def _inside_vmap():
    """``(batch size, batch)`` when a draw inside vmap is one per sample; None when it is one draw for all
    (outside vmap, or ``randomness="same"``). Inside ``randomness="error"`` drawing is refused."""
    vmap = innermost()
    if vmap is None or vmap[0] == "same":
        return None
    if vmap[0] == "error":
        raise random_error()
    return vmap[1], vmap[2]
