"""Batching rules for shape functions, joining and splitting, and in-place writes.

Each rule takes the whole-batch values (batch dimension first) and keeps the batch dimension in front
of the result: a target shape gets the batch size prepended, axes move past it, and a list of arrays
to join broadcasts its unbatched members to the batch.
"""

from .._array import is_array, namespace_of
from ._batched_array import BatchedArray
from ._batching_core import axis_call, batch_size, loop, parts, shift_axis, top_level, unbatched, wrap, writable

__all__ = ["reshape", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze", "broadcast_to", "atleast_1d",
           "atleast_2d", "ravel", "tile", "flip", "roll", "concatenate", "stack", "split", "take",
           "take_along_axis", "put_along_axis", "copyto", "astype", "copy", "real", "imag", "pad_rank",
           "batched_like"]


def _single(name, rule):
    """A rule of one array argument (others are plain values): ``rule(xp, value, *args, **kwargs)`` on the batch."""
    def call(x, *args, **kwargs):
        level = top_level((x,) + args + tuple(kwargs.values()))
        if not level:
            return unbatched(lambda xp: getattr(xp, name), (x,) + args, kwargs)
        value, batched = parts(x, level)
        if not batched:
            return loop(name, lambda xp: getattr(xp, name), (x,) + args, kwargs)
        return wrap(rule(namespace_of(value), value, *args, **kwargs), level)

    call.__name__ = name
    return call


def pad_rank(value, rank):
    """A batched value ``(B, *shape)`` as ``(B, 1, ..., 1, *shape)`` of logical rank ``rank``."""
    missing = rank - (value.ndim - 1)
    return value if missing <= 0 else value.reshape(value.shape[:1] + (1,) * missing + value.shape[1:])


def batched_like(value, size):
    """An unbatched array repeated over a batch of ``size`` (a read-only broadcast view)."""
    return namespace_of(value).broadcast_to(value, (size,) + tuple(value.shape))


# ---------------------------------------------------------------- shapes
def _reshape(xp, value, shape, *args, **kwargs):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return xp.reshape(value, value.shape[:1] + shape, *args, **kwargs)


def _transpose(xp, value, axes=None):
    ndim = value.ndim - 1
    order = tuple(range(ndim, 0, -1)) if axes is None else tuple(shift_axis(a, ndim) for a in axes)
    return xp.transpose(value, (0,) + order)


def _swapaxes(xp, value, first, second):
    ndim = value.ndim - 1
    return xp.swapaxes(value, shift_axis(first, ndim), shift_axis(second, ndim))


def _moveaxis(xp, value, source, destination):
    ndim = value.ndim - 1
    return xp.moveaxis(value, shift_axis(source, ndim), shift_axis(destination, ndim))


def _expand_dims(xp, value, axis):
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim = value.ndim - 1 + len(axes)
    return xp.expand_dims(value, tuple(shift_axis(a, ndim) for a in axes))


def _squeeze(xp, value, axis=None):
    if axis is None:
        axis = tuple(i for i, n in enumerate(value.shape[1:]) if n == 1)
    return xp.squeeze(value, shift_axis(axis, value.ndim - 1))


def _broadcast_to(xp, value, shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return xp.broadcast_to(pad_rank(value, len(shape)), value.shape[:1] + shape)


def _atleast(rank):
    def rule(xp, value):
        return pad_rank(value, rank)

    return rule


def _ravel(xp, value, *args, **kwargs):
    return xp.reshape(value, (value.shape[0], -1))


def _tile(xp, value, reps):
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    rank = max(value.ndim - 1, len(reps))
    return xp.tile(pad_rank(value, rank), (1,) + (1,) * (rank - len(reps)) + reps)


def _flip(xp, value, axis=None):
    return xp.flip(value, shift_axis(axis, value.ndim - 1))


def _roll(xp, value, shift, axis=None):
    if axis is None:
        flat = xp.reshape(value, (value.shape[0], -1))
        return xp.reshape(xp.roll(flat, shift, axis=1), value.shape)
    return xp.roll(value, shift, axis=shift_axis(axis, value.ndim - 1))


reshape = _single("reshape", _reshape)
transpose = _single("transpose", _transpose)
swapaxes = _single("swapaxes", _swapaxes)
moveaxis = _single("moveaxis", _moveaxis)
expand_dims = _single("expand_dims", _expand_dims)
squeeze = _single("squeeze", _squeeze)
broadcast_to = _single("broadcast_to", _broadcast_to)
atleast_1d = _single("atleast_1d", _atleast(1))
atleast_2d = _single("atleast_2d", _atleast(2))
ravel = _single("ravel", _ravel)
tile = _single("tile", _tile)
flip = _single("flip", _flip)
roll = _single("roll", _roll)
astype = _single("astype", lambda xp, value, *args, **kwargs: value.astype(*args, **kwargs))
copy = _single("copy", lambda xp, value, *args, **kwargs: xp.copy(value, *args, **kwargs))
real = _single("real", lambda xp, value: xp.real(value))
imag = _single("imag", lambda xp, value: xp.imag(value))


# ---------------------------------------------------------------- joining and splitting
def _joined(name, arrays, axis, stack_axis):
    level = top_level(arrays)
    if not level:
        return unbatched(lambda xp: getattr(xp, name), (arrays,), {"axis": axis})
    size = batch_size(arrays, level)
    values = []
    for a in arrays:
        value, batched = parts(a, level)
        values.append(value if batched else batched_like(value, size))
    ndim = values[0].ndim - 1 + (1 if stack_axis else 0)
    xp = namespace_of(values[0])
    if axis is None:
        return wrap(getattr(xp, name)([xp.reshape(v, (size, -1)) for v in values], axis=1), level)
    return wrap(getattr(xp, name)(values, axis=shift_axis(axis, ndim)), level)


def concatenate(arrays, axis=0, **kwargs):
    return _joined("concatenate", list(arrays), axis, False)


def stack(arrays, axis=0, **kwargs):
    return _joined("stack", list(arrays), axis, True)


def split(x, indices_or_sections, axis=0):
    return axis_call(lambda xp: xp.split, x, (indices_or_sections,), {"axis": axis}, 1)


def take(x, indices, axis=None, **kwargs):
    level = top_level((x, indices))
    if indices.__class__ is BatchedArray and indices.level == level:
        return loop("take", lambda xp: xp.take, (x, indices), dict(kwargs, axis=axis))
    return axis_call(lambda xp: xp.take, x, (indices,), dict(kwargs, axis=axis), 1, flatten_none=True)


def _aligned_pair(x, other, level):
    """Both batched along ``level`` (an unbatched one broadcast to the batch), padded to one rank."""
    size = batch_size((x, other), level)
    x_value, x_batched = parts(x, level)
    o_value, o_batched = parts(other, level)
    x_value = x_value if x_batched else batched_like(x_value, size)
    o_value = o_value if o_batched else batched_like(o_value, size)
    return x_value, o_value


def take_along_axis(x, indices, axis):
    level = top_level((x, indices))
    if not level:
        return unbatched(lambda xp: xp.take_along_axis, (x, indices), {"axis": axis})
    x_value, i_value = _aligned_pair(x, indices, level)
    xp = namespace_of(x_value)
    if axis is None:
        x_value, i_value, axis = (xp.reshape(x_value, (x_value.shape[0], -1)),
                                  xp.reshape(i_value, (i_value.shape[0], -1)), 0)
    return wrap(xp.take_along_axis(x_value, i_value, axis=shift_axis(axis, x_value.ndim - 1)), level)


def put_along_axis(target, indices, values, axis):
    level = top_level((target, indices, values))
    if not level:
        unbatched(lambda xp: xp.put_along_axis, (target, indices, values), {"axis": axis})
        return
    source = next(v for v in (target, values, indices) if v.__class__ is BatchedArray and v.level == level)
    t_value = writable(target, level, source).value
    size = t_value.shape[0]
    i_value, i_batched = parts(indices, level)
    v_value, v_batched = parts(values, level)
    i_value = i_value if i_batched else batched_like(i_value, size)
    if v_batched or is_array(v_value):
        v_value = pad_rank(v_value, i_value.ndim - 1) if v_batched else v_value
    namespace_of(t_value).put_along_axis(t_value, i_value, v_value, axis=shift_axis(axis, t_value.ndim - 1))


def copyto(target, source, where=True, **kwargs):
    level = top_level((target, source, where))
    if not level:
        unbatched(lambda xp: xp.copyto, (target, source), {"where": where, **kwargs})
        return
    origin = next(v for v in (target, source, where) if v.__class__ is BatchedArray and v.level == level)
    t_value = writable(target, level, origin).value
    s_value, s_batched = parts(source, level)
    if s_batched:
        s_value = pad_rank(s_value, t_value.ndim - 1)
    w_value, w_batched = parts(where, level)
    if w_batched:
        w_value = pad_rank(w_value, t_value.ndim - 1)
    namespace_of(t_value).copyto(t_value, s_value, where=w_value, **kwargs)
