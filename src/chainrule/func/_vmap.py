"""``vmap``: run a function written for one sample on a whole batch, by batching every op (not by looping).

Each mapped input becomes a tensor whose array is a ``BatchedArray`` (its batch dimension moved first),
the function runs once, and each output's batch dimension is moved to ``out_dims``. Entering and leaving
are ops with derivatives, so gradients flow through a ``vmap`` from outside, and ``grad`` inside a
``vmap`` gives per-sample gradients. Levels number nested ``vmap``s (innermost highest).
"""

import functools
import itertools

from .._array import namespace_of
from .._ops._op import derivative, record
from .._ops.joining import cat
from .._tensor import Tensor
from .._vmap_state import opened
from ._batched_namespace import BATCHED
from ._batched_array import BatchedArray, plain
from ._batching_core import entered
from ._tree import broadcast_prefix, flatten, unflatten

__all__ = ["vmap", "BATCHED"]

_levels = itertools.count(1)
_RANDOMNESS = ("error", "different", "same")


# ---------------------------------------------------------------- entering and leaving a level, as ops
def _enter_grad(grad, dim, level, size):
    return leave(grad, level, dim, size)


def _leave_grad(grad, dim, level, size):
    return enter(grad, dim, level)


_EnterBackward = derivative("BatchedTensorBackward", _enter_grad, op="vmap.enter")
_LeaveBackward = derivative("UnbatchedTensorBackward", _leave_grad, op="vmap.leave")


def enter(tensor, dim, level):
    """``tensor`` seen as one sample of the batch along ``dim``, at ``level``."""
    data = tensor._data
    value = namespace_of(data).moveaxis(data, dim, 0) if dim else data
    return record(BatchedArray(value, level), _EnterBackward, (tensor,), (), (dim, level, value.shape[0]))


def leave(tensor, level, dim, size):
    """The whole batch of ``size`` samples of ``tensor`` (batched at ``level``), batch dimension at ``dim``."""
    data = tensor._data
    if data.__class__ is BatchedArray and data.level == level:
        value = data.value
    else:  # the same for every sample: repeated along the batch
        value = _repeated(plain(data), size)
    value = namespace_of(value).moveaxis(value, 0, dim) if dim else value
    return record(value, _LeaveBackward, (tensor,), (), (dim, level, size))


def _repeated(data, size):
    xp = namespace_of(data)
    return xp.array(xp.broadcast_to(data, (size,) + tuple(data.shape)))


# ---------------------------------------------------------------- vmap
def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over a dimension of its inputs: ``in_dims`` says which (None: not mapped), per
    input or for a whole nested input; ``out_dims`` where the batch dimension goes in the outputs."""
    if randomness not in _RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        leaves, spec = flatten(args)
        dims = _input_dims(func, in_dims, args, leaves, spec)
        size = _batch_size(leaves, dims)
        if chunk_size is None or chunk_size >= size:
            return _run(func, leaves, spec, dims, size, out_dims, randomness, kwargs)
        chunks = []
        for start in range(0, size, chunk_size):
            piece = [leaf if dim is None else leaf.narrow(dim, start, min(chunk_size, size - start))
                     for leaf, dim in zip(leaves, dims)]
            chunks.append(_run(func, piece, spec, dims, min(chunk_size, size - start), out_dims, randomness,
                               kwargs))
        return _concatenated(chunks, out_dims)

    return wrapped


def _name(func):
    return getattr(func, "__name__", type(func).__name__)


def _input_dims(func, in_dims, args, leaves, spec):
    if not args:
        raise ValueError(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                         "trying to vmap over a function with no inputs. The latter is unsupported.")
    if not (isinstance(in_dims, int) or isinstance(in_dims, tuple)):
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    dims = broadcast_prefix(in_dims, spec)
    if dims is None:
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                         f"structure of `inputs`. in_dims has structure {flatten(in_dims)[1]} but inputs has "
                         f"structure {spec}.")
    result = []
    for leaf, dim in zip(leaves, dims):
        if dim is None:
            result.append(None)
            continue
        if not isinstance(dim, int):
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for an input "
                             "but in_dim must be either an integer dimension or None.")
        if not isinstance(leaf, Tensor):
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for an input "
                             f"but the input is of type {type(leaf)}. We cannot vmap over non-Tensor arguments, please "
                             "use None as the respective in_dim")
        ndim = leaf.ndim
        if not -ndim <= dim < ndim:
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for some input, "
                             f"but that input is a Tensor of dimensionality {ndim} so expected in_dim to satisfy "
                             f"-{ndim} <= in_dim < {ndim}.")
        result.append(dim + ndim if dim < 0 else dim)
    if all(d is None for d in result):
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): at least one input must be a Tensor "
                         "and be mapped over (in_dims must not be None for all inputs).")
    return result


def _batch_size(leaves, dims):
    sizes = [leaf.shape[dim] for leaf, dim in zip(leaves, dims) if dim is not None]
    if len(set(sizes)) > 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0]


def _run(func, leaves, spec, dims, size, out_dims, randomness, kwargs):
    level = next(_levels)
    first = next(leaf for leaf, dim in zip(leaves, dims) if dim is not None)
    data = first._data
    xp = namespace_of(data.value if data.__class__ is BatchedArray else data)

    def batch(host_array):  # random numbers drawn for each sample, batch dimension first
        return BatchedArray(xp.from_host(host_array), level)

    with entered(xp), opened(randomness, size, batch):
        inputs = [leaf if dim is None else enter(leaf, dim, level) for leaf, dim in zip(leaves, dims)]
        outputs = func(*unflatten(inputs, spec), **kwargs)
        return _left(func, outputs, out_dims, level, size)


def _left(func, outputs, out_dims, level, size):
    leaves, spec = flatten(outputs)
    dims = broadcast_prefix(out_dims, spec)
    if dims is None:
        raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with "
                         f"the structure of `outputs`. out_dims has structure {flatten(out_dims)[1]} but outputs has "
                         f"structure {spec}.")
    results = []
    for leaf, dim in zip(leaves, dims):
        if not isinstance(leaf, Tensor):
            if dim is None:
                results.append(leaf)
                continue
            raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                             f"{type(leaf)}. Did you mean to set out_dims= to None for output?")
        if dim is None:
            if leaf._data.__class__ is BatchedArray and leaf._data.level == level:
                raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): Cannot use out_dims=None "
                                 "for an output that is batched")
            results.append(leaf)
            continue
        ndim = leaf.ndim + 1
        if not -ndim <= dim < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                             f"but got {dim})")
        results.append(leave(leaf, level, dim + ndim if dim < 0 else dim, size))
    return unflatten(results, spec)


def _concatenated(chunks, out_dims):
    leaves_per_chunk = [flatten(chunk) for chunk in chunks]
    spec = leaves_per_chunk[0][1]
    dims = broadcast_prefix(out_dims, spec)
    joined = []
    for position, dim in enumerate(dims):
        items = [leaves[position] for leaves, _ in leaves_per_chunk]
        joined.append(items[0] if dim is None else cat(items, dim))
    return unflatten(joined, spec)
