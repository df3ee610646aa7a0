"""``x[index]`` and ``x[index] = value``.

Reading: the basic part of an index (integers, slices, ``None``, ``...``) becomes a chain of views
(select, slice, unsqueeze), applied first as PyTorch does; integer arrays and boolean masks then
index the result in one ``IndexBackward0`` node whose gradient adds up over repeated positions.

Writing: ``x[index] = value`` writes into ``x``'s array and, while recording, makes ``x`` the
output of a ``CopySlices`` node. Its two gradients are the incoming gradient with the written
region zeroed (for ``x``'s earlier history) and the region itself (for ``value``).
"""

from .._array import NUMPY, OVERLAP_MESSAGE, SCALAR_TYPES, is_array, namespace_of, to_host
from .._recording import state as _recorder_state
from .._tensor import Tensor, _wrap_dim, make_tensor
from .._autograd import grad_mode
from ._kernel import Kernel, replays
from ._arguments import int_argument, not_a_tensor
from ._op import attach, derivative, record
from ._forward import state as _forward_state, track
from .inplace import VIEW_OF_LEAF_MESSAGE, CopyBackwards, check_inplace_allowed, with_leading_dims
from .index_put import index_put_accumulate, scatter_into_zeros
from .shape import alias, record_view, writeable
from .view_writes import AsStridedBackward0, base_key, positions_in_base
from .._dtype import _FROM_NUMPY, fitting_number

__all__ = ["getitem", "setitem", "select", "narrow", "slice_view", "index_put_accumulate"]

FUNCTIONS = ["select", "narrow"]
METHODS = ["select", "narrow", "__setitem__"]

_grad_state = grad_mode._state

ZERO_DIM_MESSAGE = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
                    "convert a 0-dim tensor to a number")

# ---------------------------------------------------------------- views: select / slice
def _select_grad(grad, shape, dim, index):
    return scatter_into_zeros(grad, shape, (slice(None),) * dim + (index,))


def _slice_grad(grad, shape, dim, key):
    return scatter_into_zeros(grad, shape, (slice(None),) * dim + (key,))


SelectBackward0 = derivative("SelectBackward0", _select_grad)
SliceBackward0 = derivative("SliceBackward0", _slice_grad)


def _check_index(index, size, dim):
    if index < -size or index >= size:
        raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")
    return index + size if index < 0 else index


def select(input, dim, index):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("select", ("input", input)) from None
    if x.ndim == 0:
        raise IndexError(ZERO_DIM_MESSAGE)
    dim = _wrap_dim(dim, x.ndim)
    index = _check_index(int_argument("select", "index", 3, index), x.shape[dim], dim)
    key = (slice(None),) * dim + (index, Ellipsis)
    return record_view(x[key], SelectBackward0, input, (x.shape, dim, index))


def slice_view(input, dim, key):
    """``input`` sliced by the Python slice ``key`` along ``dim`` (a view; steps must be positive)."""
    x = input._data
    start, stop, step = key.indices(x.shape[dim])
    if step <= 0:
        raise ValueError("step must be greater than zero")
    key = slice(start, max(start, stop), step)
    return record_view(x[(slice(None),) * dim + (key,)], SliceBackward0, input, (x.shape, dim, key))


def narrow(input, dim, start, length):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("narrow", ("input", input)) from None
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = _wrap_dim(dim, x.ndim)
    size = x.shape[dim]
    start, length = int_argument("narrow", "start", 3, start), int_argument("narrow", "length", 4, length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_view(input, dim, slice(start, start + length))


# ---------------------------------------------------------------- advanced indexing
def _index_grad(grad, shape, key):
    return index_put_accumulate(grad, shape, key)


IndexBackward0 = derivative("IndexBackward0", _index_grad)


# ---------------------------------------------------------------- parsing an index
def _as_items(index):
    """The index as a tuple of items; a list holding slices, None, ``...`` or sequences counts as a tuple."""
    if isinstance(index, tuple):
        return index
    if isinstance(index, list) and any(_is_tuple_like_item(item) for item in index):
        return tuple(index)
    return (index,)


def _is_tuple_like_item(item):
    return item is None or item is Ellipsis or isinstance(item, (slice, list, tuple, Tensor))


def _normalize(item, xp):
    """An item as int, slice, None, Ellipsis, or an index array of namespace ``xp`` (bool masks stay bool).

    Lists are read on the host, and a host index may index an array of another namespace (as a CPU
    index tensor may index a CUDA tensor in PyTorch): index arrays are moved to ``xp``.
    """
    cls = item.__class__
    if cls is int or cls is slice or item is None or item is Ellipsis:
        return item
    if cls is bool:
        return xp.asarray(item)
    if isinstance(item, Tensor):
        array = item._data
        if array.ndim == 0 and array.dtype.kind in "iu":
            return int(array)
    elif isinstance(item, SCALAR_TYPES) and item.dtype.kind in "iu":
        return int(item)
    elif isinstance(item, list) or is_array(item):
        array = item if is_array(item) else NUMPY.asarray(item)
        if array.dtype.kind == "f" and array.size == 0:
            array = array.astype(NUMPY.int64)
    elif isinstance(item, float) or isinstance(item, SCALAR_TYPES) and item.dtype.kind == "f":
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                         f"indices (got {type(item).__name__})")
    else:
        raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
    if array.dtype.kind == "u" and array.dtype.itemsize == 1:
        array = array.astype(bool)
    if array.dtype.kind not in "biu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return array if namespace_of(array) is xp else xp.from_host(to_host(array))


def _consumed(item):
    if item is None or item is Ellipsis:
        return 0
    if is_array(item) and item.dtype.kind == "b":
        return item.ndim
    return 1


class _Plan:
    """An index resolved against a shape: the basic steps, applied first, and the advanced key after them.

    ``steps`` are ``(kind, dim, arg)`` for select, slice and unsqueeze; ``advanced`` is the NumPy key
    of the integer arrays and masks on the result of those steps (None when there are none).
    """

    __slots__ = ("steps", "advanced")

    def __init__(self, steps, advanced):
        self.steps = steps
        self.advanced = advanced


def _plan(shape, index, xp):
    """Resolve ``index`` with PyTorch's rules and errors (its arrays in namespace ``xp``)."""
    items = tuple(_normalize(item, xp) for item in _as_items(index))
    ndim = len(shape)
    used = sum(_consumed(item) for item in items)
    if used > ndim:
        if ndim == 0 and items and items[0].__class__ is int:
            raise IndexError(ZERO_DIM_MESSAGE)
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    steps = []
    advanced = []  # the key on the basic result: slice(None) or an array per item
    arrays = []  # (dim in the basic result, array)
    result_shape = []
    source = 0  # dim of the original tensor
    for position, item in enumerate(items):
        cls = item.__class__
        dim = len(result_shape)
        if cls is int:
            steps.append(("select", dim, _check_index(item, shape[source], position)))
            source += 1
        elif cls is slice:
            if item.step is not None and item.step <= 0:
                raise ValueError("step must be greater than zero")
            if item != slice(None):
                steps.append(("slice", dim, item))
            result_shape.append(len(range(*item.indices(shape[source]))))
            advanced.append(slice(None))
            source += 1
        elif item is None:
            steps.append(("unsqueeze", dim, None))
            result_shape.append(1)
            advanced.append(slice(None))
        elif item is Ellipsis:
            skip = ndim - used
            result_shape.extend(shape[source:source + skip])
            advanced.extend([slice(None)] * skip)
            source += skip
        else:
            width = _consumed(item)
            arrays.append((dim, item))
            result_shape.extend(shape[source:source + width])
            advanced.append(item)
            source += width
    if not arrays:
        return _Plan(steps, None)
    _check_arrays(arrays, result_shape + list(shape[source:]))
    return _Plan(steps, tuple(advanced))


def _check_arrays(arrays, shape):
    """Masks must match the dims they cover; integers must lie inside them (PyTorch's messages)."""
    position = 0
    for dim, array in arrays:
        if array.dtype.kind == "b":
            for j, got in enumerate(array.shape):
                if got != shape[dim + j]:
                    raise IndexError(f"The shape of the mask {list(array.shape)} at index {j} does not match the "
                                     f"shape of the indexed tensor {shape} at index {dim + j}")
            position += array.ndim
            continue
        size = shape[dim]
        if array.size:
            bad = array[(array >= size) | (array < -size)]
            if bad.size:
                raise IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension {position} with size {size}")
        position += 1


# ---------------------------------------------------------------- x[index]
def _apply_steps(input, steps):
    result = input
    for kind, dim, arg in steps:
        if kind == "select":
            result = select(result, dim, arg)
        elif kind == "slice":
            result = slice_view(result, dim, arg)
        else:
            result = result.unsqueeze(dim)
    return result


def getitem(input, index):
    """``input[index]`` with PyTorch's views, node names and errors."""
    cls = index.__class__
    shape = input._data.shape
    if cls is int and shape:
        return select(input, 0, index)
    if cls is slice and shape:
        return slice_view(input, 0, index)
    if cls is tuple and len(index) <= len(shape) and all(i.__class__ is int or i.__class__ is slice for i in index):
        return _ints_and_slices(input, index, shape)
    plan = _plan(shape, index, namespace_of(input._data))
    result = _apply_steps(input, plan.steps)
    if plan.advanced is not None:
        x = result._data
        return record(x[plan.advanced], IndexBackward0, (result,), (), (x.shape, plan.advanced))
    if result is input:
        return alias(input)
    return result


def _ints_and_slices(input, index, shape):
    """The common ``x[i, j:k]``: selects and slices straight away (positions equal dims here)."""
    result = input
    dim = 0
    for position, item in enumerate(index):
        if item.__class__ is int:
            result = select(result, dim, _check_index(item, shape[position], position))
        else:
            if item != slice(None):
                result = slice_view(result, dim, item)
            dim += 1
    if result is input:
        return alias(input)
    return result


# ---------------------------------------------------------------- x[index] = value
def _copy_slices_grad_self(grad, index, value_shape):
    """The gradient for the tensor's earlier history: nothing flows through the overwritten region."""
    kept = grad.clone()
    kept[index] = 0.0
    return kept


def _copy_slices_grad_value(grad, index, value_shape):
    """The written region's gradient; the node sums it back over the dims ``value`` was broadcast in."""
    return with_leading_dims(getitem(grad, index), value_shape)


def _overwritten_grad_self(grad, index, value_shape):
    data = grad._data
    return make_tensor(namespace_of(data).zeros_like(data))


def _overwritten_grad_value(grad, index, value_shape):
    return with_leading_dims(grad, value_shape)


# ``x[basic] = v`` writes into a view; ``x[arrays] = v`` is an index_put; ``x[...] = v`` a fill or copy.
CopySlices = derivative("CopySlices", _copy_slices_grad_self, _copy_slices_grad_value)
IndexPutBackward0 = derivative("IndexPutBackward0", _copy_slices_grad_self, _copy_slices_grad_value)
FillBackward3 = derivative("FillBackward3", _overwritten_grad_self, _overwritten_grad_value)


def _write_node(plan, value):
    """The node PyTorch records for a write with this index plan."""
    if plan.steps:
        return CopySlices
    if plan.advanced is not None:
        return IndexPutBackward0 if _puts_by_index(plan) else CopySlices
    if isinstance(value, Tensor) and value._data.ndim:
        return CopyBackwards
    return FillBackward3


def _puts_by_index(plan):
    """Whether the write is an ``index_put`` (an index array among the items, not only slices and 0-d bools)."""
    return plan.advanced is not None and not all(
        item.__class__ is slice or item.ndim == 0 and item.dtype.kind == "b" for item in plan.advanced)


def _region_array(target, plan):
    """The NumPy view that ``plan``'s basic steps select in ``target``."""
    region = target
    for kind, dim, arg in plan.steps:
        if kind == "unsqueeze":
            region = region.reshape(region.shape[:dim] + (1,) + region.shape[dim:])
        else:
            region = region[(slice(None),) * dim + (arg, Ellipsis)]
    return region


def _value_array(value, target):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (bool, int, float, complex)):
        return value
    if isinstance(value, SCALAR_TYPES) and value.dtype.kind in "biufc":
        return value
    raise TypeError(f"can't assign a {type(value).__name__} to a chainrule.{_legacy_name(target)}")


def _legacy_name(target):
    return _FROM_NUMPY[target.dtype].legacy_name


def _write(region, key, value):
    """``region[key] = value`` with PyTorch's broadcasting rules and messages."""
    destination = region if key is None else region[key]
    shape = destination.shape if is_array(destination) else ()
    if is_array(value):
        value = _fit_value(value, shape, key is not None)
    try:
        if key is None:
            region[...] = value
        else:
            region[key] = value
    except ValueError:
        if not writeable(region):
            raise RuntimeError(OVERLAP_MESSAGE) from None
        raise


def _fit_value(value, shape, advanced):
    """Drop leading size-1 dims the target lacks and check the rest broadcasts (PyTorch's messages)."""
    while value.ndim > len(shape) and value.shape[0] == 1:
        value = value[0]
    if advanced:
        try:
            NUMPY.broadcast_shapes(value.shape, shape)
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
                               f"indexing result of shape {list(shape)}") from None
        return value
    if value.ndim > len(shape):
        raise RuntimeError(f"expand(chainrule.{_legacy_name(value)}{{{list(value.shape)}}}, size={list(shape)}): the "
                           f"number of sizes provided ({len(shape)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({value.ndim})")
    lead = len(shape) - value.ndim
    for i, (got, want) in enumerate(zip(value.shape, shape[lead:])):
        if got != want and got != 1:
            raise RuntimeError(f"The expanded size of the tensor ({want}) must match the existing size ({got}) at "
                               f"non-singleton dimension {lead + i}.  Target sizes: {list(shape)}.  Tensor sizes: "
                               f"{list(value.shape)}")
    return value


def setitem(self, index, value):
    """``self[index] = value``: an in-place write, recorded when gradients flow through it."""
    if _recorder_state.recorder is not None:
        _recorder_state.recorder.before_write(self)
        _recorder_state.recorder.fail("index assignment (x[i] = v) has no kernel")
    target = self._data
    plan = _plan(target.shape, index, namespace_of(target))
    recording = _grad_state.enabled and (self._requires_grad or isinstance(value, Tensor) and value._requires_grad)
    if recording and self._grad_fn is None and self._requires_grad:
        raise RuntimeError(VIEW_OF_LEAF_MESSAGE)
    check_inplace_allowed(self)
    if isinstance(value, int) and not -2 ** 63 <= value < 2 ** 63:
        raise ValueError("Overflow when unpacking long long")
    if target.dtype.kind != "f" or target.dtype.itemsize > 2:  # (PyTorch writes any number into float16)
        value = fitting_number(value, target.dtype)
    if isinstance(value, Tensor) and value._data.dtype != target.dtype and _puts_by_index(plan):
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{self.dtype.scalar_type_name} for the destination and {value.dtype.scalar_type_name} "
                           "for the source.")
    base = self._base
    positions = positions_in_base(self, base) if recording and base is not None else None
    _write(_region_array(target, plan), plan.advanced, _value_array(value, target))
    self._version_counter[0] += 1
    if _forward_state.depth:
        _write_tangent(self, index, value)
    if not recording or target.dtype.kind not in "fc":
        return
    value_shape = value._data.shape if isinstance(value, Tensor) else ()
    if positions is None:
        node = _write_node(plan, value)
        attach(self, node, (self, value), (), (value_shape,) if node is CopyBackwards else (index, value_shape))
        self._output_nr = 0
        return
    written = _region_array(positions, plan)
    if plan.advanced is not None:
        written = written[plan.advanced]
    attach(base, CopySlices, (base, value), (), (base_key(written, base), value_shape))
    base._output_nr = 0
    attach(self, AsStridedBackward0, (base,), (), (base._data.shape, base_key(positions, base)))
    self._output_nr = 0


def _write_tangent(tensor, index, value):
    """Forward mode: the written region's tangent becomes the value's (0 for a number or a value without one)."""
    value_tangent = value._tangent if isinstance(value, Tensor) else None
    if tensor._tangent is None and value_tangent is None:
        return
    _forward_state.depth, depth = 0, _forward_state.depth  # the tangent's own write is not pushed forward again
    try:
        tangent = tensor._tangent.clone() if tensor._tangent is not None else \
            make_tensor(namespace_of(tensor._data).zeros_like(tensor._data))
        setitem(tangent, index, 0 if value_tangent is None else value_tangent)
    finally:
        _forward_state.depth = depth
    tensor._tangent = tangent
    track(tensor)


# ---------------------------------------------------------------- writes through a view


__setitem__ = setitem


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(SelectBackward0)
def _select_kernel(out, inputs, saved, args):
    _, dim, index = args
    return Kernel(_indexed, (inputs[0], (slice(None),) * dim + (index, Ellipsis)))


@replays(SliceBackward0)
def _slice_kernel(out, inputs, saved, args):
    _, dim, key = args
    return Kernel(_indexed, (inputs[0], (slice(None),) * dim + (key,)))


def _indexed(x, key):
    return x[key]
