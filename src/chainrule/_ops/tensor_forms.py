"""Other spellings of existing ops, and facts about a tensor that PyTorch offers as functions and methods.

Splits (``dsplit``, ``hsplit``, ``vsplit``, ``split_with_sizes``, ``unsafe_*``), ``ravel``, ``row_stack``,
``sum_to_size``, the ``*_copy`` forms of views, ``addr``, ``chain_matmul``, ``type_as``, ``new``, complex
conversions, ``apply_``/``map_``; and the questions ``is_signed``, ``is_nonzero``, ``is_neg``, ``nbytes``,
``itemsize``, ``layout``, ... answered for a dense CPU tensor. Removed PyTorch functions (``eig``,
``lstsq``, ``solve``, ``reinforce``) raise PyTorch's explanation.
"""

import warnings

from .._array import namespace_of
from .._creation import empty, tensor
from .._dtype import bfloat16 as _bfloat16, complex64, complex128, promote_types, to_dtype
from .._tensor import Tensor, _wrap_dim, make_tensor
from .._autograd import grad_mode
from .._signatures import Signatures
from .._size import int_list_argument
from ._arguments import check_tensors, int_argument
from .arithmetic import add, checked_factor, mul
from .copy import clone
from .indexing import narrow, select
from .joining import split, tensor_split, unbind, vstack
from .matmul import matmul
from .products import outer
from .complex import view_as_complex, view_as_real
from .diagonals import diagonal
from .pointwise_base import no_kernel_error
from .scatter_forms import as_strided
from .shape import expand, permute, reshape, squeeze, t, transpose, unfold, unsqueeze

__all__ = ["dsplit", "hsplit", "vsplit", "split_with_sizes", "unsafe_chunk", "unsafe_split",
           "unsafe_split_with_sizes", "ravel", "row_stack", "narrow_copy", "fill", "zero_", "detach", "detach_", "addr",
           "chain_matmul", "is_signed", "is_nonzero", "is_neg", "resolve_neg", "is_complex", "is_inference",
           "is_distributed", "detach_copy", "alias_copy", "expand_copy", "permute_copy", "select_copy",
           "slice_copy", "split_copy", "split_with_sizes_copy", "squeeze_copy", "t_copy", "transpose_copy",
           "unbind_copy", "unfold_copy", "unsqueeze_copy", "view_copy", "diagonal_copy", "view_as_real_copy",
           "view_as_complex_copy", "as_strided_copy", "channel_shuffle",
           "repeat_interleave"]
FUNCTIONS = __all__ + ["eig", "lstsq", "solve", "matrix_rank"]
METHODS = ["repeat_interleave", "dsplit", "hsplit", "vsplit", "split_with_sizes", "unsafe_chunk", "unsafe_split",
           "unsafe_split_with_sizes",
           "ravel", "narrow_copy", "addr", "is_signed", "is_nonzero", "is_neg", "resolve_neg", "sum_to_size",
           "type_as", "new", "new_empty_strided", "cdouble", "cfloat", "chalf", "bfloat16", "apply_", "map_", "map2_",
           "is_pinned", "pin_memory", "share_memory_", "is_shared", "dim_order", "eig", "lstsq", "solve",
           "reinforce", "nbytes", "itemsize", "is_meta", "is_xla", "name", "volatile", "is_distributed"]
INPLACE = ["addr"]
_SECTIONS = ("Tensor input, int sections", "Tensor input, int[] indices")
SIGNATURES = {
    "dsplit": _SECTIONS, "hsplit": _SECTIONS, "vsplit": _SECTIONS,
    "split_with_sizes": "Tensor input, SymInt[] split_sizes, int dim = 0",
    "unsafe_split_with_sizes": "Tensor input, SymInt[] split_sizes, int dim = 0",
    "split_with_sizes_copy": "Tensor input, SymInt[] split_sizes, int dim = 0, *, Tensor[]? out = None",
    "split_copy": "Tensor input, int split_size, int dim = 0, *, Tensor[]? out = None",
    "unsafe_split": "Tensor input, int split_size, int dim = 0",
    "unbind_copy": "Tensor input, int dim = 0, *, Tensor[]? out = None",
    "diagonal_copy": "Tensor input, int offset = 0, int dim1 = 0, int dim2 = 1, *, Tensor? out = None",
    "permute_copy": "Tensor input, int[] dims, *, Tensor? out = None",
    "slice_copy": "Tensor input, int dim = 0, SymInt? start = None, SymInt? end = None, SymInt step = 1, *, "
                  "Tensor? out = None",
    # checked first: a view of one tensor accepts a dtype, a device string, None...
    "view_copy": Signatures("view_copy", "Tensor input, SymInt[] size, *, Tensor? out = None",
                            "Tensor input, ScalarType dtype, *, Tensor? out = None", eager=True),
    "repeat_interleave": ("Tensor repeats, *, SymInt? output_size = None",
                          "Tensor input, Tensor repeats, int? dim = None, *, SymInt? output_size = None",
                          "Tensor input, SymInt repeats, int? dim = None, *, SymInt? output_size = None"),
}


# ---------------------------------------------------------------- splits and joins
def _directional_split(name, dim, minimum):
    def splitter(input, indices_or_sections):
        check_tensors(name, ("input", input))
        if input.dim() < minimum:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {minimum} dimension, but got a "
                               f"tensor with {input.dim()} dimensions!")
        along = 0 if name == "hsplit" and input.dim() == 1 else dim
        sections = indices_or_sections
        if isinstance(sections, int) and (sections == 0 or input.shape[along] % sections):
            raise RuntimeError(f"torch.{name} attempted to split along dimension {along}, but the size of the "
                               f"dimension {input.shape[along]} is not divisible by the split_size "
                               f"{indices_or_sections}!")
        return tensor_split(input, indices_or_sections, along)

    splitter.__name__ = splitter.__qualname__ = name
    splitter.__doc__ = f"``tensor_split`` along dimension {dim} (sections must divide it evenly)."
    return splitter


dsplit = _directional_split("dsplit", 2, 3)
hsplit = _directional_split("hsplit", 1, 1)
vsplit = _directional_split("vsplit", 0, 2)


def split_with_sizes(input, split_sizes, dim=0):
    """Pieces of the given sizes along ``dim`` (they must add up to its length)."""
    split_sizes = int_list_argument("split_with_sizes", "split_sizes", 1, split_sizes)
    if sum(split_sizes) != input.shape[dim]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {input.shape[dim]} (input tensor's "
                           f"size at dimension {dim}), but got split_sizes={list(split_sizes)}")
    return split(input, list(split_sizes), dim)


def unsafe_chunk(input, chunks, dim=0):
    """``chunk`` (chainrule's pieces are always safe to modify)."""
    return input.chunk(chunks, dim)


def unsafe_split(input, split_size, dim=0):
    return split(input, split_size, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return split_with_sizes(input, split_sizes, dim)


def ravel(input):
    """The elements as a 1-d tensor in row-major order (a view when possible)."""
    return reshape(input, -1)


def row_stack(tensors, *, out=None):
    """The former name of ``vstack``."""
    return vstack(tensors, out=out)


def sum_to_size(input, *size):
    """``input`` summed down to ``size``, which it must be expandable from."""
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    x = input._data
    try:
        expandable = namespace_of(x).broadcast_shapes(shape, x.shape) == x.shape and len(shape) <= x.ndim
    except ValueError:
        expandable = False
    if not expandable:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(x.shape)}}}.")
    leading = x.ndim - len(shape)
    dims = tuple(range(leading)) + tuple(leading + i for i, s in enumerate(shape)
                                         if s == 1 and x.shape[leading + i] != 1)
    result = input.sum(dims, keepdim=True) if dims else input
    return result.reshape(shape) if leading else result


# ---------------------------------------------------------------- copies of views
def _copy_of(view_function, name):
    def copy(*args, **kwargs):
        check_tensors(name, ("input", args[0] if args else kwargs.get("input")))
        result = view_function(*args, **kwargs)
        if isinstance(result, (tuple, list)):
            return type(result)(clone(r) for r in result)
        return clone(result)

    copy.__name__ = copy.__qualname__ = name
    copy.__doc__ = f"A copy (not a view) of ``{view_function.__name__}``'s result."
    return copy


narrow_copy = _copy_of(narrow, "narrow_copy")
detach_copy = _copy_of(lambda input: input.detach(), "detach_copy")
alias_copy = _copy_of(lambda input: input, "alias_copy")
expand_copy = _copy_of(expand, "expand_copy")
permute_copy = _copy_of(permute, "permute_copy")
select_copy = _copy_of(select, "select_copy")
slice_copy = _copy_of(lambda input, dim=0, start=None, end=None, step=1:
                      input[(slice(None),) * _wrap_dim(dim, input.dim()) + (slice(start, end, step),)], "slice_copy")
split_copy = _copy_of(split, "split_copy")
split_with_sizes_copy = _copy_of(split_with_sizes, "split_with_sizes_copy")
squeeze_copy = _copy_of(squeeze, "squeeze_copy")
t_copy = _copy_of(t, "t_copy")
transpose_copy = _copy_of(transpose, "transpose_copy")
unbind_copy = _copy_of(unbind, "unbind_copy")
unfold_copy = _copy_of(unfold, "unfold_copy")
unsqueeze_copy = _copy_of(unsqueeze, "unsqueeze_copy")
view_copy = _copy_of(lambda input, *shape: input.view(*shape), "view_copy")
diagonal_copy = _copy_of(diagonal, "diagonal_copy")
view_as_real_copy = _copy_of(view_as_real, "view_as_real_copy")


def view_as_complex_copy(input):
    """A copy of ``view_as_complex``'s result; PyTorch has no derivative for it (a complex output)."""
    check_tensors("view_as_complex_copy", ("input", input))
    if input.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError("view_as_complex_copy does not support automatic differentiation for outputs with "
                           "complex dtype.")
    return clone(view_as_complex(input))


as_strided_copy = _copy_of(as_strided, "as_strided_copy")


def channel_shuffle(input, groups):
    """Interleave the channels (dimension 1) of ``groups`` equal groups."""
    check_tensors("channel_shuffle", ("input", input))
    groups = int_argument("channel_shuffle", "groups", 2, groups)
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    channels = input.shape[1]
    if channels % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {channels} channels and {groups} "
                           "groups.")
    batch, rest = input.shape[0], tuple(input.shape[2:])
    grouped = input.reshape((batch, groups, channels // groups) + rest)
    return grouped.transpose(1, 2).reshape(input.shape)


_COUNTS_ONLY = object()  # repeat_interleave(counts): no repeats given (None is refused, as in PyTorch)


def _index_counts(counts):
    """The counts' array: PyTorch's kernel takes int32 and int64 counts only."""
    if counts.dtype.itemsize < 4 or counts.dtype.category != 1:
        raise no_kernel_error("repeat_interleave_cpu", counts._data.dtype)
    return counts._data


def repeat_interleave(input, repeats=_COUNTS_ONLY, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times in place; with one integer tensor,
    the positions ``i`` repeated ``input[i]`` times."""
    check_tensors("repeat_interleave", ("input", input))
    if repeats is _COUNTS_ONLY:
        counts = _index_counts(input)
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        xp = namespace_of(counts)
        return make_tensor(xp.repeat(xp.arange(counts.shape[0]), counts).astype(counts.dtype))
    if not isinstance(repeats, Tensor):
        repeats = int_argument("repeat_interleave", "repeats", 2, repeats)
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = _wrap_dim(dim, input.dim()) % max(input.dim(), 1)
    length = input.shape[dim] if input.dim() else 1
    xp = namespace_of(input._data)
    counts = repeats._data if isinstance(repeats, Tensor) else repeats
    if isinstance(repeats, Tensor):
        if counts.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if counts.ndim == 1 and counts.shape[0] not in (1, length):
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{counts.shape[0]} and input.size({dim}) = {length}")
        _index_counts(repeats)
    if (xp.asarray(counts) < 0).any():
        raise RuntimeError("repeats can not be negative")
    index = make_tensor(xp.repeat(xp.arange(length), counts).astype(xp.int64))
    return input.index_select(dim, index) if input.dim() else input.reshape(1).index_select(0, index)


def fill(input, value):
    """A new tensor like ``input`` filled with ``value`` (differentiable in a tensor ``value``)."""
    return clone(input).fill_(value)


def zero_(input):
    check_tensors("zero_", ("input", input))
    return input.zero_()


def detach(input):
    check_tensors("detach", ("input", input))
    return input.detach()


def detach_(input):
    check_tensors("detach_", ("input", input))
    return input.detach_()


# ---------------------------------------------------------------- products
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)`` (``input`` ignored, even NaN, when ``beta`` is 0)."""
    check_tensors("addr", ("input", input), ("vec1", vec1), ("vec2", vec2))
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.dim()}-D" if vec1.dim() != 1 else
                           f"addr: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    product = outer(vec1, vec2)
    dtype = promote_types(input.dtype, product.dtype).np
    beta, alpha = checked_factor(dtype, beta, "beta"), checked_factor(dtype, alpha, "alpha")
    scaled = product if alpha == 1 else mul(product, alpha)
    if beta == 0:  # PyTorch ignores input then, NaN included
        shape = namespace_of(input._data).broadcast_shapes(input._data.shape, scaled._data.shape)
        result = clone(expand(scaled, tuple(shape)))
        return result if out is None else out.copy_(result)
    result = add(input if beta == 1 else mul(input, beta), scaled)
    return result if out is None else out.copy_(result)


def chain_matmul(*matrices, out=None):
    """Deprecated: the product of the matrices, left to right."""
    warnings.warn("chainrule.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "chainrule.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                  "multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for matrix in matrices:
        check_tensors("chain_matmul", ("matrices", matrix))
        if matrix.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {matrix.dim()}, expected 2 instead.")
    result = matrices[0]
    for m in matrices[1:]:
        result = matmul(result, m)
    return clone(result) if len(matrices) == 1 else result


# ---------------------------------------------------------------- conversions
def type_as(input, other):
    """``input`` in ``other``'s dtype."""
    check_tensors("type_as", ("input", input), ("other", 1, other))  # a method: self is no position
    return input.to(other.dtype)


def new(input, *args, **kwargs):
    """A tensor of ``input``'s dtype built like a legacy constructor: from sizes, data, or nothing."""
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"new() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"new(): expected device cpu but got {device}")
    if not args:
        return empty(0, dtype=input.dtype)
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0]
    if len(args) == 1 and not isinstance(args[0], (int, tuple, list)) or isinstance(args[0], bool):
        raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return empty(*args, dtype=input.dtype)
    if len(args) == 1 and isinstance(args[0], tuple) and all(isinstance(a, int) for a in args[0]):
        return empty(*args[0], dtype=input.dtype)
    return tensor(args[0], dtype=input.dtype)


def new_empty_strided(input, size, stride, *, dtype=None, device=None, requires_grad=False, **kwargs):
    """Uninitialised values of ``size`` whose strides are ``stride`` (in elements)."""
    dtype = input.dtype if dtype is None else to_dtype(dtype)
    size, stride = tuple(size), tuple(stride)
    extent = 1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
    xp = namespace_of(input._data)
    storage = xp.empty(max(extent, 0), dtype=dtype.np)
    data = xp.as_strided(storage, shape=size, strides=tuple(st * storage.itemsize for st in stride))
    result = make_tensor(data)
    return result.requires_grad_(requires_grad) if requires_grad else result


def cdouble(input, *, memory_format=None):
    return input.to(complex128)


def cfloat(input, *, memory_format=None):
    return input.to(complex64)


def chalf(input, memory_format=None):
    raise TypeError("chainrule has no complex32 (ComplexHalf) tensors: NumPy has no such type (use cfloat())")


def bfloat16(input, memory_format=None):
    return input.to(_bfloat16)


def apply_(input, callable):
    """Replace each element by ``callable(element)``, in Python (slow, and never recorded)."""
    if input.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead.")
    x = input._data
    for position in namespace_of(x).ndindex(x.shape):
        x[position] = callable(x[position].item())
    input._version_counter[0] += 1
    return input


def map_(input, tensor, callable):
    """Replace each element by ``callable(element, other)``, with ``tensor`` broadcast to ``input``."""
    if input.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError("Can't call map_() on Variable that requires grad. Use var.detach().map_() instead.")
    x = input._data
    other = namespace_of(x).broadcast_to(tensor._data, x.shape)
    for position in namespace_of(x).ndindex(x.shape):
        x[position] = callable(x[position].item(), other[position].item())
    input._version_counter[0] += 1
    return input


def map2_(input, x, y, callable):
    """Replace each element by ``callable(element, x_element, y_element)``."""
    if input.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError("Can't call map2_() on Variable that requires grad. Use var.detach().map2_() instead.")
    data = input._data
    xp = namespace_of(data)
    first, second = xp.broadcast_to(x._data, data.shape), xp.broadcast_to(y._data, data.shape)
    for position in xp.ndindex(data.shape):
        data[position] = callable(data[position].item(), first[position].item(), second[position].item())
    input._version_counter[0] += 1
    return input


# ---------------------------------------------------------------- questions about a tensor
def is_signed(input):
    return input.dtype.is_signed


def is_nonzero(input):
    """The truth of a one-element tensor (PyTorch's errors for none or several)."""
    count = input.numel()
    if count == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if count > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(-1)[0] != 0)


def is_neg(input):
    """chainrule applies negation at once (no lazy negative bit), so never."""
    return False


def resolve_neg(input):
    check_tensors("resolve_neg", ("input", input))
    return input


def is_complex(input):
    return input.dtype.is_complex


def is_inference(input):
    return input.is_inference()


def is_distributed(input):
    return False


def is_pinned(input, device=None):
    return False


def pin_memory(input, device=None):
    """Page-locked memory exists only for an accelerator: PyTorch's error without one."""
    raise RuntimeError("Cannot access accelerator device when none is available.")


def share_memory_(input):
    """A no-op, as PyTorch makes it for tensors already shareable (DataLoader workers get copies here)."""
    return input


def is_shared(input):
    return False


def dim_order(input, *, ambiguity_check=False):
    """The dimensions from outermost to innermost in memory (by decreasing stride)."""
    strides = input.stride()
    return tuple(sorted(range(input.dim()), key=lambda d: -strides[d]))


def _removed(name):
    """The error of a function PyTorch removed (it keeps the signature, so a wrong call is a TypeError first)."""
    return RuntimeError(f"This function was deprecated since version 1.9 and is now removed. `torch.{name}` is "
                        f"deprecated in favor of `torch.linalg.{name}`.")


def eig(input, eigenvectors=False, *, e=None, v=None):
    raise _removed("eig")


def matrix_rank(input, tol=None, symmetric=False, *, out=None):
    raise _removed("matrix_rank")


def lstsq(input, A, *, out=None):
    raise _removed("lstsq")


def solve(input, A, *, out=None):
    raise _removed("solve")


def reinforce(input, reward):
    raise RuntimeError("reinforce() was removed.\nUse torch.distributions instead.\nSee "
                       "https://pytorch.org/docs/main/distributions.html")


def _volatile(input):
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2)
    return False


nbytes = property(lambda self: self._data.nbytes, doc="The bytes the elements take.")
itemsize = property(lambda self: self._data.itemsize, doc="The bytes one element takes.")
is_meta = property(lambda self: False)
is_xla = property(lambda self: False)
name = property(lambda self: None)
volatile = property(_volatile)
is_distributed = is_distributed

