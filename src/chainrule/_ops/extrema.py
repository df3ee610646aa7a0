"""Extremes: ``max min amax amin aminmax argmax argmin``.

Two gradient conventions, as in PyTorch. A reduction to a value (``x.max()``, ``amax``, ``amin``,
``aminmax``) shares the gradient evenly among the elements that tie for the extreme. A reduction
along a dim that also returns indices (``x.max(dim)``) gives it all to the index it returned, the
first occurrence.
"""

from .. import return_types
from .._array import any_true, as_array, namespace_of
from .._tensor import Tensor, _wrap_dim, make_tensor
from ._along_dim import (check_nonempty_dim, check_nonempty_input, expand_reduced, pick_along, reduction_dims,
                         selected_grad)
from ._arguments import ALL, bool_argument, none_dim_error, not_a_tensor
from ._op import OUTPUT, derivative, record, record_multi
from .pointwise import where
from .pointwise_compare import isnan
from .pointwise_binary import maximum, minimum
from .pointwise_base import no_kernel_error, write_out

__all__ = ["max", "min", "amax", "amin", "aminmax", "argmax", "argmin"]


# ---------------------------------------------------------------- rules
def evenly_distributed_grad(grad, input, result):
    """The whole-tensor extreme: every element equal to it (or every nan, when it is nan) gets a share."""
    value = result._data
    picked = isnan(input) if any_true(namespace_of(value).isnan(value)) else input == result
    return where(picked, grad / picked.sum(), 0.0)


def _shared_among_ties_grad(grad, input, result, dims, keepdim):
    """``amax``/``amin``: split among the ties of each reduced slice."""
    shape = input.shape
    picked = input == expand_reduced(result, shape, dims, keepdim)
    return expand_reduced(grad, shape, dims, keepdim) / picked.sum(dims, keepdim=True) * picked


def _aminmax_grad(grads, input, smallest, largest, dims, keepdim):
    grad_min, grad_max = grads
    total = None
    for grad, result in ((grad_min, smallest), (grad_max, largest)):
        if grad is not None:
            part = _shared_among_ties_grad(grad, input, result, dims, keepdim)
            total = part if total is None else total + part
    return total


MaxBackward1 = derivative("MaxBackward1", evenly_distributed_grad, saves="self result")
MinBackward1 = derivative("MinBackward1", evenly_distributed_grad, saves="self result")
MaxBackward0 = derivative("MaxBackward0", selected_grad)
MinBackward0 = derivative("MinBackward0", selected_grad)
AmaxBackward0 = derivative("AmaxBackward0", _shared_among_ties_grad, saves="self result")
AminBackward0 = derivative("AminBackward0", _shared_among_ties_grad, saves="self result")
AminmaxBackward0 = derivative("AminmaxBackward0", _aminmax_grad, saves="self", outputs=2)


# ---------------------------------------------------------------- max / min
def _extreme(name, input, dim, keepdim, out, whole_node, dim_node, result_type):
    if isinstance(dim, Tensor):  # max(x, y) is maximum(x, y)
        return write_out((maximum if name == "max" else minimum)(input, dim), out, name)
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor(name, ("input", input)) from None
    xp = namespace_of(x)
    if dim is None:
        check_nonempty_input(name, x)
        if x.dtype.kind == "c":
            raise no_kernel_error(f"{name}_all", x.dtype)
        result = xp.max(x) if name == "max" else xp.min(x)
        return write_out(record(result, whole_node, (input,), (input, OUTPUT)), out, name)
    bool_argument(name, "keepdim", None, keepdim)
    dim = _wrap_dim(dim, x.ndim)
    check_nonempty_dim(name, x.shape, (dim,))
    if x.dtype.kind == "c":
        raise RuntimeError(f"{name}(): does not support complex input")
    arg_fn = xp.argmax if name == "max" else xp.argmin
    indices = arg_fn(x, axis=dim, keepdims=True) if x.ndim else None
    return write_out(pick_along(input, dim, indices, keepdim, dim_node, result_type), out, name)


def max(input, dim=ALL, keepdim=False, *, other=None, out=None):
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``maximum``."""
    if other is not None:
        dim = other
    if dim is ALL:
        dim = None
    elif dim is None:
        raise none_dim_error("max")
    return _extreme("max", input, dim, keepdim, out, MaxBackward1, MaxBackward0, return_types.max)


def min(input, dim=ALL, keepdim=False, *, other=None, out=None):
    """The smallest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``minimum``."""
    if other is not None:
        dim = other
    if dim is ALL:
        dim = None
    elif dim is None:
        raise none_dim_error("min")
    return _extreme("min", input, dim, keepdim, out, MinBackward1, MinBackward0, return_types.min)


# ---------------------------------------------------------------- amax / amin / aminmax
_SHORT, _MANY = 64, 4096  # a last axis up to _SHORT long, in arrays of _MANY elements or more


def _check_reducible(name, x, dim, dims):
    if x.size == 0:
        if dim is None or dim == () or dim == []:
            check_nonempty_input(name, x)
        check_nonempty_dim(name, x.shape, dims)


def _reduce_extreme(reduce, x, dims, keepdim):
    """``reduce`` (amax or amin) over ``dims``. NumPy reduces the first axis together with later ones element
    by element, about ten times slower than a pass of row against row over the first axis alone; an extreme
    does not depend on the order it is taken in, so the first axis goes first. A short last axis is reduced
    the same way after a transposing copy (NumPy's reduction pays a loop per row of it)."""
    if dims == (x.ndim - 1,) and 1 < x.shape[-1] <= _SHORT and x.size >= _MANY:
        columns = namespace_of(x).ascontiguousarray(x.reshape(-1, x.shape[-1]).T)
        rows = reduce(columns, axis=0).reshape(x.shape[:-1])
        return rows[..., None] if keepdim else rows
    if 0 not in dims or len(dims) == 1 or len(dims) == x.ndim:
        return reduce(x, axis=dims, keepdims=keepdim)
    rows = reduce(x, axis=0, keepdims=keepdim)
    return reduce(rows, axis=tuple(d if keepdim else d - 1 for d in dims if d), keepdims=keepdim)


def amax(input, dim=(), keepdim=False, *, out=None):
    """The largest value over ``dim`` (every dim by default); ties share the gradient."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("amax", ("input", input)) from None
    dims = reduction_dims(dim, x.ndim)
    _check_reducible("amax", x, dim, dims)
    if x.dtype.kind == "c":
        raise no_kernel_error("max_values_cpu", x.dtype)
    result = _reduce_extreme(namespace_of(x).amax, x, dims, keepdim)
    return write_out(record(result, AmaxBackward0, (input,), (input, OUTPUT), (dims, keepdim)), out, "amax")


def amin(input, dim=(), keepdim=False, *, out=None):
    """The smallest value over ``dim`` (every dim by default); ties share the gradient."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("amin", ("input", input)) from None
    dims = reduction_dims(dim, x.ndim)
    _check_reducible("amin", x, dim, dims)
    if x.dtype.kind == "c":
        raise no_kernel_error("min_values_cpu", x.dtype)
    result = _reduce_extreme(namespace_of(x).amin, x, dims, keepdim)
    return write_out(record(result, AminBackward0, (input,), (input, OUTPUT), (dims, keepdim)), out, "amin")


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``(min, max)`` over ``dim`` (every dim when None)."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("aminmax", ("input", input)) from None
    dims = reduction_dims(dim, x.ndim)
    if x.size == 0:
        if dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        if x.shape[dims[0]] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    if x.dtype.kind == "c":
        raise no_kernel_error("aminmax_cpu", x.dtype)
    xp = namespace_of(x)
    smallest = xp.amin(x, axis=dims, keepdims=keepdim)
    largest = xp.amax(x, axis=dims, keepdims=keepdim)
    saved_results = (make_tensor(as_array(smallest)), make_tensor(as_array(largest)))
    outputs = record_multi((smallest, largest), AminmaxBackward0, (input,), (input,), saved_results + (dims, keepdim))
    return write_out(return_types.aminmax(outputs), out, "aminmax")


# ---------------------------------------------------------------- argmax / argmin
def _arg_extreme(name, input, dim, keepdim):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor(name, ("input", input)) from None
    if x.dtype.kind in "bc":
        raise RuntimeError(f"{name}(): does not support {'bool' if x.dtype.kind == 'b' else 'complex'} input")
    xp = namespace_of(x)
    arg_fn = getattr(xp, name)
    if dim is None:
        check_nonempty_input(name, x, IndexError)
        index = xp.asarray(arg_fn(x), dtype=xp.int64)
        return make_tensor(index.reshape((1,) * x.ndim) if keepdim else index)
    dim = _wrap_dim(dim, x.ndim)
    check_nonempty_dim(name, x.shape, (dim,))
    if x.ndim == 0:
        return make_tensor(xp.zeros((), dtype=xp.int64))
    return make_tensor(arg_fn(x, axis=dim, keepdims=keepdim).astype(xp.int64, copy=False))


def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the largest element (flattened when ``dim`` is None); the first one on ties."""
    return write_out(_arg_extreme("argmax", input, dim, keepdim), out, "argmax")


def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the smallest element (flattened when ``dim`` is None); the first one on ties."""
    return write_out(_arg_extreme("argmin", input, dim, keepdim), out, "argmin")
