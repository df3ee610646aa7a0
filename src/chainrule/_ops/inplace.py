"""In-place ops (``x.add_(y)``, ``x += y``, ``zero_``, ``fill_``, ``copy_``).

An in-place op is its out-of-place op, written back into the tensor's own array. Around that
write sit the rules PyTorch enforces: a leaf that requires grad may not change while recording;
the destination keeps its dtype and shape; the version counter moves, so a saved copy of the old
value is detected at backward; and the tensor's ``grad_fn`` becomes the op's node. When the op's
rule needs the old value of the tensor itself (``x.mul_(y)`` reads ``x``), that value is kept as
a copy so the rule still sees it.
"""

import numbers

from .._device import device_of, moved
from .._array import NUMPY, OVERLAP_MESSAGE, namespace_of, overlaps_itself
from .._dtype import _FROM_NUMPY, fitting_number, float16
from .._tensor import Tensor, make_tensor
from .._autograd import grad_mode
from .._autograd.graph import SavedTensor
from .._recording import state as _recorder_state
from ._arguments import not_a_tensor, number_argument
from ._broadcast import broadcast_error
from ._kernel import Kernel, replays
from ._op import derivative, record
from .pointwise_base import zeros_like_grad
from .view_writes import write_through_view

__all__ = ["check_arguments_then_inplace_allowed", "check_overlap", "make_inplace", "write_inplace",
           "zero_", "fill_", "copy_"]

_grad_state = grad_mode._state
_ndarray = NUMPY.ndarray
_copyto = NUMPY.copyto

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_MESSAGE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
INFERENCE_MESSAGE = ("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone "
                     "to get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 "
                     "for more details.")


def check_inplace_allowed(tensor, name="an in-place op"):
    """PyTorch's refusals for changing ``tensor`` in place (``name``: the op's, for the error when ``tensor`` is
    no tensor at all)."""
    try:
        inference = tensor._is_inference
    except AttributeError:
        raise not_a_tensor(name, ("input", tensor)) from None
    if inference and not _grad_state.inference:
        raise RuntimeError(INFERENCE_MESSAGE)
    if _grad_state.enabled:
        if tensor._grad_fn is None and tensor._requires_grad:
            raise RuntimeError(LEAF_MESSAGE)
        base = tensor._base
        if base is not None and base._grad_fn is None and base._requires_grad:
            raise RuntimeError(VIEW_OF_LEAF_MESSAGE)


def _check_writable(tensor, result):
    target = tensor._data
    data = result._data
    if data.shape != target.shape:
        raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast shape "
                           f"{list(data.shape)}")
    if data.dtype != target.dtype and not _can_cast(data.dtype, target.dtype):
        raise RuntimeError(f"result type {_FROM_NUMPY[data.dtype].scalar_type_name} can't be cast to the desired "
                           f"output type {_FROM_NUMPY[target.dtype].scalar_type_name}")


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _can_cast(source, target):
    """PyTorch allows any in-place cast except to a lower category (float into int, int into bool)."""
    return _CATEGORY[source.kind] <= _CATEGORY[target.kind]


def _keep_old_self(node, tensor):
    """The op's node saved ``tensor`` itself; keep a copy of its value before it is overwritten."""
    saved = node._saved
    if not saved:
        return
    kept = list(saved)
    for i, value in enumerate(kept):
        if value.__class__ is SavedTensor and value.output_of is None and value.tensor is tensor:
            kept[i] = SavedTensor(_snapshot(tensor))
    node._saved = tuple(kept)


def _snapshot(tensor):
    copy = make_tensor(tensor._data.copy())
    copy._grad_fn = tensor._grad_fn
    copy._output_nr = tensor._output_nr
    copy._requires_grad = tensor._requires_grad
    copy._accumulator = tensor._accumulator
    return copy


def _share_saved_output(node, result, tensor):
    """A rule that reads the op's result now reads the tensor, under its version counter."""
    for value in node._saved or ():
        if value.__class__ is SavedTensor and value.output_of is not None and value.data is result._data:
            value.tensor = tensor._version_counter
            value.version = tensor._version_counter[0]
            value.data = tensor._data


def check_overlap(array):
    """PyTorch's refusal to write an expanded tensor, once the op's arguments are checked. NumPy's expanded
    arrays are read-only broadcasts, so only those are looked at; CuPy's arrays have no such flag."""
    if not getattr(array.flags, "writeable", False) and overlaps_itself(array):
        raise RuntimeError(OVERLAP_MESSAGE)


def write_inplace(tensor, result):
    """Write ``result`` (computed out of place from ``tensor``) into ``tensor`` and take over its node."""
    check_overlap(tensor._data)
    _check_writable(tensor, result)
    if _recorder_state.recorder is not None:
        _recorder_state.recorder.write(tensor, result)
    node = result._grad_fn
    if node is not None:
        _keep_old_self(node, tensor)
    target = tensor._data
    (_copyto if target.__class__ is _ndarray else namespace_of(target).copyto)(target, result._data, casting="unsafe")
    tensor._version_counter[0] += 1
    if result._tangent is not None:
        tensor._tangent = result._tangent
    if node is not None:
        _share_saved_output(node, result, tensor)
        tensor._grad_fn = node
        tensor._output_nr = result._output_nr
        tensor._requires_grad = True
        if tensor._base is not None:
            write_through_view(tensor, node)
    return tensor


def check_arguments_then_inplace_allowed(fn, tensor, args, kwargs, name="an in-place op"):
    """``check_inplace_allowed`` for ``tensor`` about to take ``fn(tensor, *args, **kwargs)``, in PyTorch's order.

    PyTorch parses an in-place op's arguments before it refuses to write the tensor, so a wrong argument is a
    TypeError there; chainrule's ops check their arguments as they compute, so on a refusal (a rare path) the
    op is first tried on a detached alias, without a graph, to raise its TypeError if it has one.
    """
    try:
        check_inplace_allowed(tensor, name)
    except RuntimeError:
        try:
            with grad_mode.no_grad():
                fn(tensor.detach(), *args, **kwargs)
        except TypeError as error:
            raise error from None
        except Exception:  # noqa: BLE001 - any other error comes after the refusal, as in PyTorch
            pass
        raise


def make_inplace(fn, name):
    """``name_``: ``fn`` applied in place."""

    def inplace(self, *args, **kwargs):
        check_arguments_then_inplace_allowed(fn, self, args, kwargs, name + "_")
        try:
            result = fn(self, *args, **kwargs)
        except NotImplementedError:
            _check_broadcast_into(self, args)  # PyTorch sizes the output before it looks for a kernel
            raise
        return write_inplace(self, result)

    inplace.__name__ = inplace.__qualname__ = name + "_"
    inplace.__doc__ = f"In-place version of ``{name}``."
    return inplace


def _check_broadcast_into(tensor, args):
    """PyTorch's refusal of an in-place op whose tensor operand would broadcast ``tensor`` to a larger shape."""
    if args and isinstance(args[0], Tensor):
        shape = tensor._data.shape
        try:
            broadcast = NUMPY.broadcast_shapes(shape, args[0]._data.shape)
        except ValueError:
            return
        if broadcast != shape:
            raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {list(broadcast)}")


# ---------------------------------------------------------------- zero_ / fill_ / copy_
def _no_grad_for_self(grad, *args):
    return None


def _fill_grad_value(grad, *args):
    return grad.sum()


def _overwritten_grad(grad, *args):
    """The history of a tensor that ``copy_`` overwrote gets exact zeros (PyTorch's, not None)."""
    return zeros_like_grad(grad, None)


def _copy_grad_src(grad, src_shape, src_device=None):
    grad = with_leading_dims(grad, src_shape)
    return grad if src_device is None else grad.to(src_device)


def with_leading_dims(region, shape):
    """``region`` with the leading size-1 dims of ``shape`` that it lacks (``x[...] = v`` drops them)."""
    extra = len(shape) - region._data.ndim
    if extra > 0:
        region = region.reshape((1,) * extra + region._data.shape)
    return region


ZeroBackward0 = derivative("ZeroBackward0", _no_grad_for_self)
FillBackward2 = derivative("FillBackward2", _no_grad_for_self, _fill_grad_value)
CopyBackwards = derivative("CopyBackwards", _overwritten_grad, _copy_grad_src)


def zero_(self):
    check_inplace_allowed(self, "zero_")
    x = self._data
    return write_inplace(self, record(namespace_of(x).zeros_like(x), ZeroBackward0, (self,)))


def fill_number(number, dtype, count):
    """``number`` as PyTorch's fill writes it into ``count`` elements of ``dtype``: checked to fit
    (``fitting_number``), except into a single float16 element, which PyTorch fills unchecked."""
    return number if count == 1 and dtype == float16.np else fitting_number(number, dtype)


def fill_(self, value):
    check_inplace_allowed(self, "fill_")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} "
                               "dimensions.")
        number = value._data
    else:
        number = fill_number(number_argument("fill_", "value", 1, value), self._data.dtype, self._data.size)
    x = self._data
    data = namespace_of(x).full_like(x, number)
    return write_inplace(self, record(data, FillBackward2, (self, value)))


def copy_(self, src, non_blocking=False):
    """Copy ``src`` into this tensor, from whatever device it is on (its gradient goes back there)."""
    check_inplace_allowed(self, "copy_")
    target = self._data
    if not isinstance(src, Tensor):  # a number is copied as a 0-d tensor
        if not isinstance(src, numbers.Number):
            raise not_a_tensor("copy_", ("other", 1, src))
        src = make_tensor(namespace_of(target).asarray(src))
    source = src._data
    args = (source.shape,)
    if source.__class__ is not target.__class__:
        where, source_device = device_of(target), device_of(source)
        if where != source_device:
            xp = namespace_of(target)
            source = moved(source, xp, where.index)
            args = (src._data.shape, source_device)
    try:
        data = namespace_of(source).broadcast_to(source, target.shape).astype(target.dtype)
    except ValueError:
        raise broadcast_error(target.shape, source.shape) from None
    return write_inplace(self, record(data, CopyBackwards, (self, src), (), args))


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(ZeroBackward0)
def _zero_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).zeros_like, inputs)


@replays(FillBackward2)
def _fill_kernel(out, inputs, saved, args):
    target, value = inputs
    return Kernel(namespace_of(out).full_like, (target, value))


@replays(CopyBackwards)
def _copy_kernel(out, inputs, saved, args):
    target, source = inputs
    return Kernel(_copied, (source, out.shape, out.dtype))


def _copied(source, shape, dtype):
    return namespace_of(source).broadcast_to(source, shape).astype(dtype)
