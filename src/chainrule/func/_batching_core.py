"""What the batching rules share: levels, wrapping, elementwise and axis-taking calls, and the loop.

Every rule finds the innermost batching level among its arguments, takes those arrays' whole-batch
values (batch dimension first) and makes one call of the underlying namespace, adjusted so that the
batch dimension rides along: elementwise calls align operands of different ranks, reductions and
axis-taking functions shift their axes by one. Arguments of outer levels, plain arrays and fresh arrays
are the same for every sample and broadcast. A call with nothing batched at all (on fresh arrays) runs
as it is and gives a fresh array. A function without a rule is called once per sample and the results
stacked, with a warning, as PyTorch does.
"""

import threading
import warnings

from .. import _array
from .._array import NUMPY, is_array, namespace_of
from ._batched_array import BatchedArray, Fresh, plain, promote

__all__ = ["base_namespace", "entered", "elementwise", "Ufunc", "reduction", "looped", "like", "top_level",
           "batch_size", "wrap", "compute_namespace", "inplace_error", "loop", "axis_call", "shift_axis", "parts",
           "unbatched", "writable"]


class _Open(threading.local):
    namespaces = ()  # the namespace of the arrays each open vmap batches, innermost last


_open = _Open()


def base_namespace():
    """Where arrays made from nothing (zeros, arange, a mask drawn on the host) live inside vmap."""
    return _open.namespaces[-1] if _open.namespaces else NUMPY


class entered:
    """While a vmap over arrays of namespace ``xp`` runs."""

    def __init__(self, xp):
        self.xp = xp

    def __enter__(self):
        _open.namespaces = _open.namespaces + (self.xp,)

    def __exit__(self, *exc):
        _open.namespaces = _open.namespaces[:-1]
        return False


# ---------------------------------------------------------------- finding the level and the batch
def top_level(values):
    """The innermost batching level among ``values`` (nested tuples and lists included); 0 for none."""
    level = 0
    for value in values:
        cls = value.__class__
        if cls is BatchedArray:
            if value.level > level:
                level = value.level
        elif cls is tuple or cls is list:
            nested = top_level(value)
            if nested > level:
                level = nested
    return level


def batch_size(values, level):
    for value in values:
        cls = value.__class__
        if cls is BatchedArray and value.level == level:
            return value.value.shape[0]
        if cls is tuple or cls is list:
            size = batch_size(value, level)
            if size is not None:
                return size
    return None


def parts(x, level):
    """(the value to compute on, whether it carries ``level``'s batch dimension first)."""
    if x.__class__ is BatchedArray and x.level == level:
        return x.value, True
    return plain(x), False


def wrap(result, level):
    """Results of a call: batched arrays of ``level``, or fresh arrays when nothing was batched."""
    if result.__class__ is tuple or result.__class__ is list:
        return result.__class__(wrap(r, level) for r in result)
    if isinstance(result, tuple):  # NumPy's named results (QRResult, EighResult): unpacked by the ops
        return tuple(wrap(r, level) for r in result)
    if is_array(result) or isinstance(result, _array.SCALAR_TYPES):
        array = _array.as_array(result)
        return BatchedArray(array, level) if level else Fresh(array, 0)
    return result


def compute_namespace(values):
    """The namespace to call: that of the first array among ``values`` (nested lists included)."""
    for value in values:
        if value.__class__ is tuple or value.__class__ is list:
            found = compute_namespace(value)
            if found is not None:
                return found
        elif is_array(value):
            return namespace_of(value)
    return None


def unbatched(function, args, kwargs):
    """A call in which nothing is batched (fresh arrays, numbers): made as it is, giving fresh arrays."""
    args, kwargs = plain(args), {k: plain(v) for k, v in kwargs.items()}
    xp = compute_namespace(args) or compute_namespace(tuple(kwargs.values())) or base_namespace()
    return wrap(function(xp)(*args, **kwargs), 0)


def writable(target, level, source):
    """``target`` ready for ``source``'s batched values of ``level``: a fresh target becomes batched."""
    if target.__class__ is Fresh and level:
        promote(target, source)
    if level and not (target.__class__ is BatchedArray and target.level == level):
        raise inplace_error()
    return target


def _ndim(value):
    return getattr(value, "ndim", 0)


def _padded(value, rank):
    """A batched value ``(B, *shape)`` as ``(B, 1, ..., 1, *shape)`` of logical rank ``rank``."""
    missing = rank - (value.ndim - 1)
    if missing <= 0:
        return value
    return value.reshape(value.shape[:1] + (1,) * missing + value.shape[1:])


# ---------------------------------------------------------------- elementwise calls
def elementwise(name):
    """A function applied element by element over its broadcast operands (a ufunc, ``where``, ``clip``)."""
    def call(*args, **kwargs):
        return _elementwise_call(name, args, kwargs)

    call.__name__ = name
    return call


def _elementwise_call(name, args, kwargs):
    level = max(top_level(args), top_level(kwargs.values()))
    out = kwargs.get("out")
    if not level:
        result = unbatched(lambda xp: getattr(xp, name), args, kwargs)
        return out if out is not None else result
    rank = max((_ndim(a) for a in args), default=0)
    unwrapped = []
    source = None
    for value in args:
        if value.__class__ is BatchedArray and value.level == level:
            unwrapped.append(_padded(value.value, rank))
            source = value
        else:
            unwrapped.append(plain(value))
    if out is not None:
        kwargs = dict(kwargs)
        kwargs["out"] = _unwrapped_out(out, level, source)
    xp = compute_namespace(unwrapped)
    result = getattr(xp, name)(*unwrapped, **kwargs)
    return out if out is not None else wrap(result, level)


def _unwrapped_out(out, level, source):
    if out.__class__ is tuple:
        return tuple(_unwrapped_out(o, level, source) for o in out)
    return writable(out, level, source).value


def inplace_error():
    return RuntimeError(
        "vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a Tensor `other` in "
        "extra_args that has more elements than `self`. This happened due to `other` being vmapped over but `self` "
        "not being vmapped over in a vmap. Please try to use out-of-place operators instead of inplace arithmetic. "
        "If said operator is being called inside the PyTorch framework, please file a bug report instead.")


class Ufunc:
    """An elementwise function with NumPy's ufunc methods (``reduce``, ``accumulate``, ``at``, ``outer``)."""

    def __init__(self, name):
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        return _elementwise_call(self.__name__, args, kwargs)

    def reduce(self, x, axis=0, **kwargs):
        return axis_call(lambda xp: getattr(xp, self.__name__).reduce, x, (), dict(kwargs, axis=axis), 0)

    def accumulate(self, x, axis=0, **kwargs):
        return axis_call(lambda xp: getattr(xp, self.__name__).accumulate, x, (), dict(kwargs, axis=axis), 0)

    def at(self, target, indices, values=None):
        args = (target, indices) + (() if values is None else (values,))
        loop(f"{self.__name__}.at", lambda xp: getattr(xp, self.__name__).at, args, {}, in_place=True)

    def outer(self, a, b, **kwargs):
        return loop(f"{self.__name__}.outer", lambda xp: getattr(xp, self.__name__).outer, (a, b), kwargs)


# ---------------------------------------------------------------- functions with axes
def shift_axis(axis, ndim):
    """A logical axis (or tuple of them; None for all) as the axis of the batched value."""
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(_shift_one(a, ndim) for a in axis)
    return _shift_one(axis, ndim)


def _shift_one(axis, ndim):
    return (axis + ndim if axis < 0 else axis) + 1


def axis_call(function, x, args, kwargs, axis_position, flatten_none=False):
    """``function(xp)(x, *args, **kwargs)`` with the axis argument (positional index ``axis_position`` in
    ``args``, or the ``axis`` keyword) moved past the batch dimension. ``flatten_none``: ``axis=None``
    means the flattened sample (``argmax``, ``cumsum``)."""
    level = max(top_level((x,) + tuple(args)), top_level(kwargs.values()))
    if not level:
        return unbatched(function, (x,) + tuple(args), kwargs)
    value, batched = parts(x, level)
    if not batched:
        return loop(getattr(function, "__name__", "function"), function, (x,) + tuple(args), kwargs)
    ndim = value.ndim - 1
    args = list(plain(tuple(args)))
    kwargs = {k: plain(v) for k, v in kwargs.items()}
    if axis_position < len(args):
        axis = args[axis_position]
        args[axis_position] = _moved(axis, ndim, flatten_none)
    else:
        axis = kwargs.get("axis")
        kwargs = dict(kwargs, axis=_moved(axis, ndim, flatten_none))
    if flatten_none and axis is None:
        value = value.reshape(value.shape[0], -1)
    return wrap(function(namespace_of(value))(value, *args, **kwargs), level)


def _moved(axis, ndim, flatten_none):
    if axis is None and flatten_none:
        return 1
    return shift_axis(axis, ndim)


def reduction(name, flatten_none=False, default_axis=None):
    def call(x, *args, **kwargs):
        if not args and "axis" not in kwargs:
            kwargs = dict(kwargs, axis=default_axis)
        return axis_call(lambda xp: getattr(xp, name), x, args, kwargs, 0, flatten_none)

    call.__name__ = name
    return call


# ---------------------------------------------------------------- the loop for everything else
_WARNED = set()
_DYNAMIC_SHAPES = {"nonzero", "flatnonzero", "argwhere", "unique"}


def loop(name, function, args, kwargs, in_place=False):
    """Call ``function(xp)`` once per sample and stack the results (PyTorch's fallback, with its warning).

    ``in_place``: the first argument is written (a fresh one becomes batched first), nothing is returned.
    """
    level = max(top_level(args), top_level(kwargs.values()))
    if not level:
        result = unbatched(function, args, kwargs)
        return None if in_place else result
    if name in _DYNAMIC_SHAPES:
        raise RuntimeError(f"vmap: We do not support batching operators that can output dynamic shape. Attempted to "
                           f"vmap over aten::{name}. Please file an issue at https://github.com/pytorch/pytorch/issues "
                           "if you need this feature.")
    if in_place:
        source = next(a for a in args[1:] + tuple(kwargs.values()) if top_level((a,)) == level)
        writable(args[0], level, _batched_part(source, level))
    size = batch_size(args, level) or batch_size(tuple(kwargs.values()), level)
    if name not in _WARNED:
        _WARNED.add(name)
        warnings.warn(f"There is a performance drop because we have not yet implemented the batching rule for "
                      f"{name}. Please file us an issue on GitHub so that we can prioritize its implementation.",
                      UserWarning, stacklevel=3)
    results = []
    for index in range(size):
        sample_args = _select(args, level, index)
        sample_kwargs = {k: _select(v, level, index) for k, v in kwargs.items()}
        xp = compute_namespace(sample_args) or base_namespace()
        results.append(function(xp)(*sample_args, **sample_kwargs))
    return None if in_place else _stacked(results, level)


def _batched_part(value, level):
    if value.__class__ is BatchedArray and value.level == level:
        return value
    return next(_batched_part(v, level) for v in value if top_level((v,)) == level)


def _select(value, level, index):
    cls = value.__class__
    if cls is BatchedArray and value.level == level:
        return value.value[index]
    if cls is tuple or cls is list:
        return cls(_select(v, level, index) for v in value)
    return plain(value)


def _stacked(results, level):
    first = results[0]
    if first.__class__ is tuple or first.__class__ is list:
        return first.__class__(_stacked([r[i] for r in results], level) for i in range(len(first)))
    if not (is_array(first) or isinstance(first, _array.SCALAR_TYPES)):
        return first
    arrays = [_array.as_array(r) for r in results]
    return BatchedArray(namespace_of(arrays[0]).stack(arrays), level)


def looped(name):
    def call(*args, **kwargs):
        return loop(name, lambda xp: getattr(xp, name), args, kwargs)

    call.__name__ = name
    return call


def like(name):
    """``zeros_like`` and relatives: batched like their model, else fresh."""
    def call(x, *args, **kwargs):
        if x.__class__ is BatchedArray:
            return BatchedArray(getattr(namespace_of(x.value), name)(x.value, *args, **kwargs), x.level)
        return wrap(getattr(namespace_of(plain(x)), name)(plain(x), *args, **kwargs), 0)

    call.__name__ = name
    return call
