"""What reductions, scans, ordering and indexing ops share: dims, and moving values along a dim.

``gather_along`` and ``scatter_along`` are the one gather and the one scatter, and each other's
derivative: ``torch.gather``/``scatter``/``scatter_add`` call them after their checks, and a
value-selecting op (``max`` with a dim, ``sort``, ``topk``, ``cummax``) sends its gradient back by
scattering it into zeros at the indices it picked, as PyTorch does. The gradient of ``cumsum`` is a
reversed ``cumsum`` (two flips).
"""

import math

from .._array import is_array, namespace_of
from .._tensor import Tensor, _wrap_dim, make_tensor
from ._op import derivative, record

__all__ = ["normalize_dims", "reduction_dims", "expand_reduced", "reduced_count", "check_nonempty_dim",
           "check_nonempty_input", "flat_positions", "gather_along", "scatter_along", "scattered_array",
           "selected_grad", "pick_along", "zeros_of", "reverse_cumsum", "shift", "GatherBackward0", "ScatterBackward0",
           "ScatterBackward1", "ScatterAddBackward0"]


def normalize_dims(dim, ndim):
    """A sorted tuple of non-negative dims from an int or a sequence (PyTorch's range errors)."""
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)  # one dim: an int, a NumPy int, a 0-d tensor
    result = []
    for d in dims:
        wrapped = _wrap_dim(d, ndim)
        if wrapped in result:
            raise RuntimeError(f"dim {wrapped} appears multiple times in the list of dims")
        result.append(wrapped)
    return tuple(sorted(result))


def reduction_dims(dim, ndim):
    """The dims a reduction combines: all of them for None or an empty sequence (a 0-d input has none)."""
    if dim is None:
        return tuple(range(ndim))
    if dim.__class__ is int and ndim:
        return (_wrap_dim(dim, ndim),)
    dims = normalize_dims(dim, ndim)
    if ndim == 0:
        return ()
    return dims or tuple(range(ndim))


def expand_reduced(grad, shape, dims, keepdim):
    """Broadcast the gradient of a reduction back over the reduced ``dims`` of ``shape``."""
    if not keepdim and dims:
        for d in dims:
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


def reduced_count(shape, dims):
    """How many elements each output of a reduction over ``dims`` combines."""
    count = 1
    for d in dims:
        count *= shape[d]
    return count


def check_nonempty_dim(name, shape, dims):
    """Reductions without an identity (max, argmax, median...) refuse an empty reduced dim."""
    for d in dims:
        if shape and shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def check_nonempty_input(name, array, error=RuntimeError):
    if array.size == 0:
        detail = ". Specify the reduction dim with the 'dim' argument." if error is RuntimeError else "."
        raise error(f"{name}(): Expected reduction dim to be specified for input.numel() == 0{detail}")


# ---------------------------------------------------------------- gather / scatter along a dim
def flat_positions(xp, shape, dim, index):
    """Where each element of ``index`` points in an array of ``shape`` flattened in C order: its value
    along ``dim``, its own coordinates elsewhere (``index`` has as many dims as ``shape``, its values in
    range). One flat position per element lets a gather be one ``take`` and a scatter take the quick path
    of ``ufunc.at`` and of assignment: 2-10x quicker than a tuple of index arrays."""
    ndim = index.ndim
    dim %= ndim  # a 0-d input's dim may be -1
    positions = index.astype(xp.int64) * math.prod(shape[dim + 1:])
    for d, size in enumerate(index.shape):
        if d != dim:
            stride = math.prod(shape[d + 1:])
            positions = positions + (xp.arange(size) * stride).reshape((size,) + (1,) * (ndim - d - 1))
    return positions


def _at_least_1d(array):
    return array if array.ndim else array.reshape(1)


def scattered_array(x, dim, index, values, combine=None):
    """A copy of ``x`` with ``values`` written at ``index`` along ``dim``, or combined with what is there
    (``combine``: ``"add"`` or ``"multiply"``, repeated indices combining in turn).

    ``values``: a number, or an array at least as large as ``index`` (its leading block is used). A 0-d
    ``x`` counts as 1-d, as in PyTorch; the caller has checked the indices.
    """
    xp = namespace_of(x)
    index = _at_least_1d(index)
    out = _at_least_1d(x).copy()
    positions = flat_positions(xp, out.shape, dim, index).reshape(-1)
    if is_array(values):
        if values.shape != index.shape:
            values = _at_least_1d(values)[tuple(slice(0, s) for s in index.shape)]
        values = values.reshape(-1)
    if combine is None:
        out.reshape(-1)[positions] = values
        return out.reshape(x.shape)
    if out.dtype == xp.float16:  # PyTorch adds and multiplies float16 in float32, rounding once at the end
        out = out.astype(xp.float32)
        if is_array(values):
            values = values.astype(xp.float32)  # one dtype: NumPy's fast path of ufunc.at
    if combine == "add":
        xp.scatter_add(out.reshape(-1), positions, values)
    else:
        xp.multiply.at(out.reshape(-1), positions, values)
    with xp.errstate(over="ignore"):  # a float32 sum beyond float16's range rounds to inf silently
        return out.reshape(x.shape).astype(x.dtype, copy=False)


def zeros_of(shape, like):
    """Exact zeros of ``shape`` in the dtype and namespace of tensor ``like``: a constant, without a graph."""
    data = like._data
    return make_tensor(namespace_of(data).zeros(shape, dtype=data.dtype))


def _gather_grad(grad, dim, index, shape):
    return scatter_along(zeros_of(shape, grad), dim, index, grad, accumulate=True)


def _scatter_grad_self(grad, dim, index):
    return scatter_along(grad, dim, index, 0.0)


def _scatter_grad_src(grad, dim, index):
    return gather_along(grad, dim, index)


def _scatter_add_grad_self(grad, dim, index):
    return grad


GatherBackward0 = derivative("GatherBackward0", _gather_grad)
ScatterBackward0 = derivative("ScatterBackward0", _scatter_grad_self, _scatter_grad_src)
ScatterBackward1 = derivative("ScatterBackward1", _scatter_grad_self)
ScatterAddBackward0 = derivative("ScatterAddBackward0", _scatter_add_grad_self, _scatter_grad_src)


def gather_along(input, dim, index):
    """``input`` read at ``index`` (an integer array with as many dims as ``input``) along ``dim``.

    The one gather: ``torch.gather`` after its checks, and the derivative of every scatter.
    """
    x = input._data
    xp = namespace_of(x)
    x_1d = _at_least_1d(x)
    result = xp.take(x_1d.reshape(-1), flat_positions(xp, x_1d.shape, dim, _at_least_1d(index))).reshape(index.shape)
    return record(result, GatherBackward0, (input,), (), (dim, index, x.shape))


def scatter_along(input, dim, index, src, accumulate=False):
    """``input`` with ``src`` (a tensor or a number) written, or with ``accumulate`` added, at ``index`` along ``dim``.

    The one scatter: ``torch.scatter``/``scatter_add`` after their checks, and the derivative of every
    gather and of every op that picks values by index (``max`` with a dim, ``sort``, ``cummax``), which
    PyTorch writes as a scatter into zeros.
    """
    values = src._data if isinstance(src, Tensor) else src
    result = scattered_array(input._data, dim, index, values, "add" if accumulate else None)
    if accumulate:
        return record(result, ScatterAddBackward0, (input, src), (), (dim, index))
    if isinstance(src, Tensor):
        return record(result, ScatterBackward0, (input, src), (), (dim, index))
    return record(result, ScatterBackward1, (input,), (), (dim, index))


def selected_grad(grad, indices, dim, keepdim, shape):
    """The gradient of values picked at ``indices`` along ``dim``: scattered back to those positions."""
    return scatter_along(zeros_of(shape, grad), dim, indices, grad if keepdim else grad.unsqueeze(dim))


def pick_along(input, dim, indices, keepdim, node, result_type):
    """``result_type((values, indices))``: ``input`` read at ``indices`` (an array with the reduced dim
    kept; None for a 0-d input) along ``dim``, the values recorded with ``node`` (whose rule is ``selected_grad``)."""
    x = input._data
    xp = namespace_of(x)
    if x.ndim == 0:
        values, indices, keepdim = x.copy(), xp.zeros((), dtype=xp.int64), True
    else:
        values = xp.take_along_axis(x, indices, dim)
    kept = indices
    if not keepdim:
        values, indices = xp.squeeze(values, dim), xp.squeeze(indices, dim)
    out_values = record(values, node, (input,), (), (kept, dim, keepdim, x.shape))
    return result_type((out_values, make_tensor(indices.astype(xp.int64, copy=False))))


# ---------------------------------------------------------------- reversed and shifted scans
def reverse_cumsum(input, dim):
    """``out[i] = sum(input[i:])`` along ``dim``: the gradient of a forward ``cumsum``."""
    return input.flip(dim).cumsum(dim).flip(dim)


def _shift_grad(grad, dim, steps, fill):
    return shift(grad, dim, -steps, 0.0)


ShiftBackward0 = derivative("ShiftBackward0", _shift_grad)


def shift(input, dim, steps, fill):
    """``input`` moved one place along ``dim`` (``steps`` is 1 or -1), the vacated end set to ``fill``.

    With ``cumprod`` it gives exclusive running products: ``shift(x.cumprod(d), d, 1, 1.0)``.
    """
    x = input._data
    out = namespace_of(x).full_like(x, fill)
    lead = (slice(None),) * dim
    if steps > 0:
        out[lead + (slice(1, None),)] = x[lead + (slice(None, -1),)]
    else:
        out[lead + (slice(None, -1),)] = x[lead + (slice(1, None),)]
    return record(out, ShiftBackward0, (input,), (), (dim, steps, fill))
