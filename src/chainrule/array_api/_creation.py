"""The standard's creation functions: chainrule's, with the standard's argument names."""

import numpy as np

import chainrule as _cr
from .._tensor import make_tensor


def check_device(device):
    """chainrule's namespace places arrays on the CPU only; any other device is an error."""
    if device is not None and str(device) != "cpu":
        raise ValueError(f"chainrule.array_api supports only the 'cpu' device, got {device!r}")


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)


def arange(start, /, stop=None, step=1, *, dtype=None, device=None):
    check_device(device)
    if stop is None:
        start, stop = 0, start
    return _cr.arange(start, stop, step, dtype=dtype)


def asarray(obj, /, *, dtype=None, device=None, copy=None):
    """``obj`` as a tensor; ``copy=False`` refuses (ValueError) whenever the result could not share memory.

    A tensor stays in its graph: a copy is a ``clone`` and a new dtype a cast, both differentiable.
    """
    check_device(device)
    if isinstance(obj, _cr.Tensor):
        if dtype not in (None, obj.dtype):
            if copy is False:
                raise ValueError("asarray cannot change the dtype without copying (copy=False)")
            return obj.to(dtype)
        return obj.clone() if copy else obj
    if copy is False and isinstance(obj, (list, tuple, int, float, complex)):
        raise ValueError("asarray cannot wrap a Python sequence or scalar without copying (copy=False)")
    return _cr.asarray(obj, dtype=dtype, copy=copy)


def empty(shape, *, dtype=None, device=None):
    check_device(device)
    return _cr.empty(_shape(shape), dtype=dtype)


def empty_like(x, /, *, dtype=None, device=None):
    check_device(device)
    return _cr.empty_like(x, dtype=dtype)


def eye(n_rows, n_cols=None, /, *, k=0, dtype=None, device=None):
    check_device(device)
    dtype = dtype or _cr.get_default_dtype()
    return make_tensor(np.eye(n_rows, n_cols, k, dtype=dtype.np))


def from_dlpack(x, /, *, device=None, copy=None):
    check_device(device)
    result = _cr.from_dlpack(x)
    return result.clone() if copy else result


def full(shape, fill_value, *, dtype=None, device=None):
    check_device(device)
    return _cr.full(_shape(shape), fill_value, dtype=dtype)


def full_like(x, /, fill_value, *, dtype=None, device=None):
    check_device(device)
    return _cr.full_like(x, fill_value, dtype=dtype)


def linspace(start, stop, /, num, *, dtype=None, device=None, endpoint=True):
    """``num`` evenly spaced values; without the endpoint, the first ``num`` of ``num + 1``."""
    check_device(device)
    if endpoint:
        return _cr.linspace(start, stop, num, dtype=dtype)
    return _cr.linspace(start, stop, num + 1, dtype=dtype)[:num]


def meshgrid(*arrays, indexing="xy"):
    """Coordinate grids from 1-d arrays, each a broadcast view so gradients reach the inputs."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"indexing must be 'xy' or 'ij', got {indexing!r}")
    sizes = [a.shape[0] for a in arrays]
    if indexing == "xy" and len(arrays) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for position, a in enumerate(arrays):
        axis = position
        if indexing == "xy" and len(arrays) > 1 and position < 2:
            axis = 1 - position
        view = [1] * len(arrays)
        view[axis] = a.shape[0]
        grids.append(_cr.broadcast_to(a.reshape(view), sizes))
    return grids


def ones(shape, *, dtype=None, device=None):
    check_device(device)
    return _cr.ones(_shape(shape), dtype=dtype)


def ones_like(x, /, *, dtype=None, device=None):
    check_device(device)
    return _cr.ones_like(x, dtype=dtype)


def tril(x, /, *, k=0):
    return _cr.tril(x, k)


def triu(x, /, *, k=0):
    return _cr.triu(x, k)


def zeros(shape, *, dtype=None, device=None):
    check_device(device)
    return _cr.zeros(_shape(shape), dtype=dtype)


def zeros_like(x, /, *, dtype=None, device=None):
    check_device(device)
    return _cr.zeros_like(x, dtype=dtype)


__all__ = ["arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like", "linspace",
           "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like"]
