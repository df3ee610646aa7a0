"""Shape ops. Views share the input's array and version counter, as PyTorch's views do."""

import math
import warnings

from .._array import INTEGER_TYPES, NUMPY, as_array, namespace_of
from .._dtype import dtype
from .._errors import type_name
from .._size import check_empty_shape, int_list
from .._tensor import Tensor, _wrap_dim
from ._along_dim import normalize_dims
from ._kernel import Kernel, replays
from ._arguments import check_tensor_sequence, check_tensors, not_a_tensor
from ._op import derivative, record, sum_to_shape
from .copy import clone
from .._float_errors import silent_float_errors

__all__ = ["view", "view_as", "reshape", "reshape_as", "transpose", "t", "adjoint", "permute", "movedim",
           "unsqueeze", "squeeze", "flatten", "unflatten", "expand", "expand_as", "broadcast_to", "contiguous",
           "atleast_1d", "atleast_2d", "atleast_3d", "unfold", "alias", "record_view", "infer_shape",
           "unfold_backward", "writeable"]

_FUNCTIONS_AND_METHODS = ["reshape", "transpose", "t", "adjoint", "permute", "movedim", "unsqueeze", "squeeze",
                          "flatten", "unflatten", "broadcast_to"]
FUNCTIONS = _FUNCTIONS_AND_METHODS + ["atleast_1d", "atleast_2d", "atleast_3d"]
METHODS = _FUNCTIONS_AND_METHODS + ["view", "view_as", "reshape_as", "expand", "expand_as", "contiguous", "unfold"]
ALIASES = {"swapaxes": "transpose", "swapdims": "transpose", "moveaxis": "movedim"}

_NUMPY = NUMPY
_ndarray = NUMPY.ndarray
_SHAPE_TYPES = INTEGER_TYPES + (tuple, list)


def record_view(data, node_class, input, args):
    """Record ``data`` (a view of ``input``'s array) and share the input's version counter."""
    out = record(data, node_class, (input,), (), args)
    out._version_counter = input._version_counter
    out._base = input if input._base is None else input._base
    return out


def _alias_grad(grad):
    return grad


AliasBackward0 = derivative("AliasBackward0", _alias_grad)


def alias(input):
    """A new view of the whole of ``input`` (``x[...]``)."""
    return record_view(input._data[...], AliasBackward0, input, ())


def _shape_arg(shape, function, argument="shape"):
    """Sizes given spread (``x.view(2, 3)``) or as one sequence (``x.view((2, 3))``), each an integer; none at
    all is PyTorch's missing-argument TypeError (a 0-d shape is the empty sequence, ``x.view(())``)."""
    if not shape:
        raise TypeError(f'{function}() missing 1 required positional arguments: "{argument}"')
    return int_list(function, argument, 1, shape)


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
    return namespace_of(x).reshape_view(x, shape)


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], _SHAPE_TYPES):
        if not isinstance(shape[0], dtype):
            raise TypeError(f"view() received an invalid combination of arguments - got ({type_name(shape[0])}), but "
                            "expected one of:\n * (torch.dtype dtype)\n * (tuple of ints size)\n")
        return input.to(shape[0])
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("view", ("input", input)) from None
    shape = infer_shape(_shape_arg(shape, "view", "size"), x.size)
    if not x.size:
        check_empty_shape(shape, x.itemsize)
    v = _view_array(x, shape)
    if v is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return record_view(v, ViewBackward0, input, (x.shape,))


def reshape(input, *shape):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("reshape", ("input", input)) from None
    shape = infer_shape(_shape_arg(shape, "reshape"), x.size)
    if not x.size:
        check_empty_shape(shape, x.itemsize)
    v = _view_array(x, shape)
    if v is not None:
        return record_view(v, ViewBackward0, input, (x.shape,))
    # As PyTorch does: a contiguous copy (CloneBackward0), then a view of it (UnsafeViewBackward0).
    copy = clone(input, memory_format=None)
    return record(copy._data.reshape(shape), UnsafeViewBackward0, (copy,), (), (x.shape,))


def view_as(input, other):
    check_tensors("view_as", ("input", input), ("other", 1, other))  # a method: self is no position
    return view(input, other._data.shape)


def reshape_as(input, other):
    check_tensors("reshape_as", ("input", input), ("other", 1, other))
    return reshape(input, other._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("flatten", ("input", input)) from None
    start, end = _wrap_dim(start_dim, x.ndim), _wrap_dim(end_dim, x.ndim)
    if x.ndim == 0:
        return reshape(input, 1)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    return reshape(input, x.shape[:start] + (-1,) + x.shape[end + 1:])


def unflatten(input, dim, sizes):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("unflatten", ("input", input)) from None
    dim = _wrap_dim(dim, x.ndim)
    sizes = int_list("unflatten", "sizes", 2, (sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = math.prod(s for s in sizes if s != -1)
    if (-1 not in sizes and known != x.shape[dim]) or (-1 in sizes and (known == 0 or x.shape[dim] % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({x.shape[dim]}) in the input tensor")
    return view(input, x.shape[:dim] + sizes + x.shape[dim + 1:])


def contiguous(input, *, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return clone(input)


# ---------------------------------------------------------------- transpose / permute
def _transpose_grad(grad, dim0, dim1):
    return grad.transpose(dim0, dim1)


def _t_grad(grad):
    return grad.t()


def _permute_grad(grad, dims):
    return grad.permute(tuple(sorted(range(len(dims)), key=dims.__getitem__)))  # the inverse permutation


TransposeBackward0 = derivative("TransposeBackward0", _transpose_grad)
TBackward0 = derivative("TBackward0", _t_grad)
PermuteBackward0 = derivative("PermuteBackward0", _permute_grad)


def transpose(input, dim0, dim1):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("transpose", ("input", input)) from None
    d0, d1 = _wrap_dim(dim0, x.ndim), _wrap_dim(dim1, x.ndim)
    return record_view(x.swapaxes(d0, d1), TransposeBackward0, input, (d0, d1))


def t(input):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("t", ("input", input)) from None
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return record_view(x.T, TBackward0, input, ())


def permute(input, *dims):
    dims = _shape_arg(dims, "permute", "dims")
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("permute", ("input", input)) from None
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal "
                           f"to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, x.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return record_view(x.transpose(dims), PermuteBackward0, input, (dims,))


def movedim(input, source, destination):
    """A permute that puts the ``source`` dims at ``destination`` and keeps the others in order."""
    check_tensors("movedim", ("input", input))
    ndim = input._data.ndim
    source, destination = (list(int_list("movedim", name, position, (dims,)))
                           for name, position, dims in (("source", 2, source), ("destination", 3, destination)))
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({source} dims) should contain the "
                           f"same number of dims as destination ({destination} dims)")
    wrapped_source = [_wrap_dim(d, ndim) for d in source]
    wrapped_destination = [_wrap_dim(d, ndim) for d in destination]
    for name, given, wrapped in (("source", source, wrapped_source),
                                 ("destination", destination, wrapped_destination)):
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    if ndim == 0:
        return alias(input)
    order = [None] * ndim
    for s, d in zip(wrapped_source, wrapped_destination):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in wrapped_source)
    order = [next(rest) if o is None else o for o in order]
    return permute(input, order)


def T(input):
    """``x.T``: every dimension reversed (PyTorch records it as a permute)."""
    x = input._data
    if x.ndim == 0:
        _deprecated_on_zero_dim("Tensor.T", _IDENTITY)
    elif x.ndim != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                      "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
                      "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
                      "dimensions of a tensor.", UserWarning, stacklevel=2)
    return permute(input, tuple(range(x.ndim - 1, -1, -1)))


_IDENTITY = "This function is the identity in these cases."
_CONJ = "Consider using x.conj()."


def _deprecated_on_zero_dim(name, advice):
    """PyTorch's warning for a matrix transpose of a 0-d tensor, which it still computes (``advice`` says how)."""
    warnings.warn(f"{name} is deprecated on 0-D tensors. {advice}", UserWarning, stacklevel=3)


def _conjugated(input, result):
    return result.conj() if input._data.dtype.kind == "c" else result


def _matrix_transpose(input, name):
    ndim = input._data.ndim
    if ndim < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. Got {ndim}-D tensor.")
    return transpose(input, -2, -1)


def mT(input):
    if input._data.ndim == 0:
        _deprecated_on_zero_dim("Tensor.mT", _IDENTITY)
        return input
    return _matrix_transpose(input, "mT")


def mH(input):
    """Conjugate transpose of the last two dims (a transpose for real dtypes)."""
    if input._data.ndim == 0:
        _deprecated_on_zero_dim("Tensor.mH", _CONJ)
        return _conjugated(input, input)
    return _conjugated(input, _matrix_transpose(input, "mH"))


def adjoint(input):
    check_tensors("adjoint", ("input", input))
    if input._data.ndim == 0:
        _deprecated_on_zero_dim("adjoint()", _CONJ)
        return _conjugated(input, input)
    return _conjugated(input, transpose(input, -2, -1))


def H(input):
    ndim = input._data.ndim
    if ndim == 0:
        _deprecated_on_zero_dim("Tensor.H", _CONJ)
        return _conjugated(input, input)
    if ndim != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {ndim}-D tensor. For batches "
                           "of matrices, consider using tensor.mH")
    return mH(input)


# ---------------------------------------------------------------- unsqueeze / squeeze
def _unsqueeze_grad(grad, dim):
    return grad.squeeze(dim)


def _squeeze_grad(grad, shape, *rest):
    return grad.reshape(shape)


UnsqueezeBackward0 = derivative("UnsqueezeBackward0", _unsqueeze_grad)
SqueezeBackward0 = derivative("SqueezeBackward0", _squeeze_grad)
SqueezeBackward1 = derivative("SqueezeBackward1", _squeeze_grad)
SqueezeBackward2 = derivative("SqueezeBackward2", _squeeze_grad)


def unsqueeze(input, dim):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("unsqueeze", ("input", input)) from None
    d = _wrap_dim(dim, x.ndim + 1)
    return record_view(x.reshape(x.shape[:d] + (1,) + x.shape[d:]), UnsqueezeBackward0, input, (d,))


_EVERY_DIM = object()  # squeeze's dim when not given (None is refused, as in PyTorch)


def squeeze(input, dim=_EVERY_DIM):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("squeeze", ("input", input)) from None
    if dim is _EVERY_DIM:
        return record_view(x.reshape(tuple(s for s in x.shape if s != 1)), SqueezeBackward0, input, (x.shape,))
    node_class = SqueezeBackward1 if isinstance(dim, INTEGER_TYPES) else SqueezeBackward2
    if dim is None or isinstance(dim, (str, float)):
        raise TypeError(f"squeeze(): argument 'dim' must be int or tuple of ints, not {type(dim).__name__}")
    dims = {_wrap_dim(dim, x.ndim)} if node_class is SqueezeBackward1 else set(normalize_dims(dim, x.ndim))
    shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return record_view(x.reshape(shape), node_class, input, (x.shape,))


def _at_least(tensors, grow):
    """``grow`` applied to one tensor, or to each of several (given separately or as one sequence)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    elif len(tensors) == 1:
        check_tensors(grow.__name__.replace("_grow", "atleast"), ("input", tensors[0]))
        return grow(tensors[0])
    check_tensor_sequence(grow.__name__.replace("_grow", "atleast"), tensors)
    return tuple(grow(t) for t in tensors)


def _grow_1d(t):
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _grow_2d(t):
    ndim = t._data.ndim
    return reshape(t, (1, 1)) if ndim == 0 else unsqueeze(t, 0) if ndim == 1 else t


def _grow_3d(t):
    ndim = t._data.ndim
    if ndim == 0:
        return reshape(t, (1, 1, 1))
    if ndim == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if ndim == 2 else t


def atleast_1d(*tensors):
    return _at_least(tensors, _grow_1d)


def atleast_2d(*tensors):
    return _at_least(tensors, _grow_2d)


def atleast_3d(*tensors):
    return _at_least(tensors, _grow_3d)


# ---------------------------------------------------------------- expand
def _expand_grad(grad, shape):
    return sum_to_shape(grad, shape)


ExpandBackward0 = derivative("ExpandBackward0", _expand_grad)


def expand(input, *sizes):
    sizes = _shape_arg(sizes, "expand", "size")
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("expand", ("input", input)) from None
    if len(sizes) < x.ndim:
        raise RuntimeError(f"expand(torch.{input.dtype.legacy_name}{{{list(x.shape)}}}, size={list(sizes)}): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({x.ndim})")
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
    if 0 in target:
        check_empty_shape(target, x.itemsize)
    xp = _NUMPY if x.__class__ is _ndarray else namespace_of(x)
    return record_view(xp.broadcast_to(x, tuple(target)), ExpandBackward0, input, (x.shape,))


def expand_as(input, other):
    check_tensors("expand_as", ("input", input), ("other", 1, other))  # a method: self is no position
    return expand(input, other._data.shape)


def broadcast_to(input, size):
    return expand(input, size)


# ---------------------------------------------------------------- unfold
def writeable(x):
    """Whether ``x`` may be written (NumPy's flag; arrays of libraries without one always may)."""
    return getattr(x.flags, "writeable", True)


def _unfold_grad(grad, shape, dim, size, step):
    return unfold_backward(grad, shape, dim, size, step)


def _unfold_backward_grad(grad, shape, dim, size, step):
    return grad.unfold(dim, size, step)


UnfoldBackward0 = derivative("UnfoldBackward0", _unfold_grad)
UnfoldBackwardBackward0 = derivative("UnfoldBackwardBackward0", _unfold_backward_grad)


def unfold(input, dimension, size, step):
    """Windows of ``size`` along ``dimension``, ``step`` apart, as a new last dim (a view)."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("unfold", ("input", input)) from None
    dim = _wrap_dim(dimension, x.ndim)
    length = x.shape[dim] if x.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if x.ndim == 0:
        return record_view(x.reshape(1), UnfoldBackward0, input, (x.shape, dim, size, step))
    shape = x.shape[:dim] + ((length - size) // step + 1,) + x.shape[dim + 1:] + (size,)
    strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
    windows = namespace_of(x).as_strided(x, shape, strides, writeable=writeable(x))
    return record_view(windows, UnfoldBackward0, input, (x.shape, dim, size, step))


@silent_float_errors
def unfold_backward(grad, shape, dim, size, step):
    """The windows' gradients added back at the positions they were taken from."""
    g = grad._data
    out = namespace_of(g).zeros(shape, dtype=g.dtype)
    if not shape:
        out[...] = g.sum()
    else:
        count = g.shape[dim]
        lead = (slice(None),) * dim
        for k in range(size):
            out[lead + (slice(k, k + step * (count - 1) + 1, step),)] += g[..., k]
    return record(out, UnfoldBackwardBackward0, (grad,), (), (shape, dim, size, step))


Tensor.T = property(T)
Tensor.mT = property(mT)
Tensor.mH = property(mH)
Tensor.H = property(H)


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(ViewBackward0)
@replays(SqueezeBackward0)
def _reshaped_kernel(out, inputs, saved, args):
    return Kernel(_reshaped_view, (inputs[0], out.shape))


def _reshaped_view(x, shape):
    return as_array(x).reshape(shape)  # a replay may hold a 0-d value as a NumPy scalar; recorded as a view


@replays(UnsafeViewBackward0)
def _unsafe_view_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).reshape, (inputs[0], out.shape))


@replays(ExpandBackward0)
def _expand_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).broadcast_to, (inputs[0], out.shape))


@replays(UnsqueezeBackward0)
def _unsqueeze_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).expand_dims, (inputs[0], args[0]))


@replays(TBackward0)
def _t_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).transpose, inputs, "{0}.T")


@replays(TransposeBackward0)
def _transpose_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).swapaxes, (inputs[0], args[0], args[1]))


@replays(PermuteBackward0)
def _permute_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).transpose, (inputs[0], args[0]))
