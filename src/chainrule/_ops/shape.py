"""Shape ops. Views share the input's array and version counter, as PyTorch's views do."""

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ._broadcast import sum_to_shape
from ._op import derivative, record

__all__ = ["view", "reshape", "transpose", "t", "permute", "unsqueeze", "squeeze", "flatten", "expand",
           "expand_as", "broadcast_to", "contiguous", "record_view", "infer_shape"]

FUNCTIONS = ["reshape", "transpose", "t", "permute", "unsqueeze", "squeeze", "flatten", "broadcast_to"]
METHODS = FUNCTIONS + ["view", "expand", "expand_as", "contiguous"]
ALIASES = {"swapaxes": "transpose", "swapdims": "transpose"}


def record_view(data, node_class, input, args):
    """Record ``data`` (a view of ``input``'s array) and share the input's version counter."""
    out = record(data, node_class, (input,), (), args)
    out._version_counter = input._version_counter
    out._base = input if input._base is None else input._base
    return out


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def infer_shape(shape, numel):
    """Resolve one ``-1`` in ``shape`` and check it holds ``numel`` elements (PyTorch's messages)."""
    listed = "[" + ", ".join(str(s) for s in shape) + "]"
    infer_at = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer_at is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer_at = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {listed}")
        else:
            known *= s
    if infer_at is not None:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{listed}' is invalid for input of size {numel}")
        shape = shape[:infer_at] + (numel // known,) + shape[infer_at + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{listed}' is invalid for input of size {numel}")
    return shape


# ---------------------------------------------------------------- view / reshape
def _reshape_grad(grad, shape):
    return grad.reshape(shape)


ViewBackward0 = derivative("ViewBackward0", _reshape_grad)
UnsafeViewBackward0 = derivative("UnsafeViewBackward0", _reshape_grad)


def _view_array(x, shape):
    """A view of ``x`` with ``shape``, or None when that needs a copy."""
    v = x.view()
    try:
        v.shape = shape
    except AttributeError:
        return None
    return v


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        return input.to(shape[0])
    x = input._data
    shape = infer_shape(_shape_arg(shape), x.size)
    v = _view_array(x, shape)
    if v is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return record_view(v, ViewBackward0, input, (x.shape,))


def reshape(input, *shape):
    x = input._data
    shape = infer_shape(_shape_arg(shape), x.size)
    v = _view_array(x, shape)
    if v is not None:
        return record_view(v, ViewBackward0, input, (x.shape,))
    return record(np.reshape(x, shape).copy(), UnsafeViewBackward0, (input,), (), (x.shape,))


def flatten(input, start_dim=0, end_dim=-1):
    x = input._data
    if x.ndim == 0:
        return reshape(input, 1)
    start, end = _wrap_dim(start_dim, x.ndim), _wrap_dim(end_dim, x.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    return reshape(input, x.shape[:start] + (-1,) + x.shape[end + 1:])


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    from .copy import clone

    return clone(input)


# ---------------------------------------------------------------- transpose / permute
def _transpose_grad(grad, dim0, dim1):
    return grad.transpose(dim0, dim1)


def _t_grad(grad):
    return grad.t()


def _permute_grad(grad, dims):
    return grad.permute(tuple(np.argsort(dims)))


TransposeBackward0 = derivative("TransposeBackward0", _transpose_grad)
TBackward0 = derivative("TBackward0", _t_grad)
PermuteBackward0 = derivative("PermuteBackward0", _permute_grad)


def transpose(input, dim0, dim1):
    x = input._data
    d0, d1 = _wrap_dim(dim0, x.ndim), _wrap_dim(dim1, x.ndim)
    return record_view(np.swapaxes(x, d0, d1), TransposeBackward0, input, (d0, d1))


def t(input):
    x = input._data
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return record_view(x.T, TBackward0, input, ())


def permute(input, *dims):
    dims = _shape_arg(dims)
    x = input._data
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal "
                           f"to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, x.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return record_view(np.transpose(x, dims), PermuteBackward0, input, (dims,))


def T(input):
    """``x.T``: every dimension reversed (PyTorch records it as a permute)."""
    x = input._data
    if x.ndim != 2 and x.ndim != 0:
        import warnings

        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                      "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
                      "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
                      "dimensions of a tensor.", UserWarning, stacklevel=3)
    return permute(input, tuple(range(x.ndim - 1, -1, -1)))


# ---------------------------------------------------------------- unsqueeze / squeeze
def _unsqueeze_grad(grad, dim):
    return grad.squeeze(dim)


def _squeeze_grad(grad, shape, *rest):
    return grad.reshape(shape)


UnsqueezeBackward0 = derivative("UnsqueezeBackward0", _unsqueeze_grad)
SqueezeBackward0 = derivative("SqueezeBackward0", _squeeze_grad)
SqueezeBackward1 = derivative("SqueezeBackward1", _squeeze_grad)


def unsqueeze(input, dim):
    x = input._data
    d = _wrap_dim(dim, x.ndim + 1)
    return record_view(np.expand_dims(x, d), UnsqueezeBackward0, input, (d,))


def squeeze(input, dim=None):
    x = input._data
    if dim is None:
        return record_view(x.reshape(tuple(s for s in x.shape if s != 1)), SqueezeBackward0, input, (x.shape,))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = {_wrap_dim(d, max(x.ndim, 1)) for d in dims}
    shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return record_view(x.reshape(shape), SqueezeBackward1, input, (x.shape,))


# ---------------------------------------------------------------- expand
def _expand_grad(grad, shape):
    return sum_to_shape(grad, shape)


ExpandBackward0 = derivative("ExpandBackward0", _expand_grad)


def expand(input, *sizes):
    sizes = _shape_arg(sizes)
    x = input._data
    if len(sizes) < x.ndim:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(x.shape)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({x.ndim})")
    lead = len(sizes) - x.ndim
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            target.append(s)
            continue
        current = x.shape[i - lead]
        if s == -1:
            s = current
        elif current != 1 and s != current:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({current}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                               f"Tensor sizes: {list(x.shape)}")
        target.append(s)
    return record_view(np.broadcast_to(x, tuple(target)), ExpandBackward0, input, (x.shape,))


def expand_as(input, other):
    return expand(input, other._data.shape)


def broadcast_to(input, size):
    return expand(input, size)


Tensor.T = property(T)
