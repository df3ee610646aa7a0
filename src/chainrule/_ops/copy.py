"""Copies, dtype conversions and transfers between devices: ``clone``, ``to``, ``.cuda()``, ``.cpu()``,
``.float()`` and friends. A transfer is an op like any other: its gradient goes back to where the input was."""

from .._array import namespace_of
from .._device import device, device_of, moved, placement
from .._dtype import bool_, float16, float32, float64, int8, int16, int32, int64, to_dtype, uint8
from .._tensor import Tensor
from ._arguments import not_a_tensor
from ._kernel import Kernel, replays
from ._op import derivative, record

__all__ = ["clone", "to", "cuda", "cpu"]

FUNCTIONS = ["clone"]
METHODS = ["clone", "to", "cuda", "cpu"]


def _identity_grad(grad):
    return grad


def _to_copy_grad(grad, dtype, source):
    """Back to the input's dtype, and to its device (``source``) when the op moved it; a real input made
    complex gets the real part of its gradient."""
    if grad.is_complex() and not dtype.is_complex:
        grad = grad.real
    return grad.to(source, dtype)


CloneBackward0 = derivative("CloneBackward0", _identity_grad)
ToCopyBackward0 = derivative("ToCopyBackward0", _to_copy_grad)


def clone(input, *, memory_format=None):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("clone", ("input", input)) from None
    return record(x.copy(), CloneBackward0, (input,))


def _parse_to_args(args, kwargs):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``, ``to(dtype=..., device=...)``:
    the dtype and the device asked for (None where not)."""
    dtype = kwargs.get("dtype")
    where = kwargs.get("device")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype, where = arg.dtype, arg.device
        elif isinstance(arg, (str, device)) or isinstance(arg, int) and not isinstance(arg, bool):
            where = arg
        elif arg is not None:
            dtype = arg
    return (None if dtype is None else to_dtype(dtype)), where


def to(input, *args, copy=False, non_blocking=False, memory_format=None, **kwargs):
    """The tensor in another dtype and/or on another device; the same object when nothing changes (as in
    PyTorch)."""
    dtype, where = _parse_to_args(args, kwargs)
    x = input._data
    source = None
    if where is not None:
        namespace, index = placement(where)
        source = device_of(x)
        if source == (device(namespace.device_type, index) if index is not None else device("cpu")):
            source = None
        else:
            x = moved(x, namespace, index)
    if dtype is not None and dtype.np != x.dtype:
        with namespace_of(x).errstate(all="ignore"):  # nan to an integer, 1e300 to float16: silently, as in PyTorch
            x = x.astype(dtype.np)
    elif source is None:
        return clone(input) if copy else input
    return record(x, ToCopyBackward0, (input,), (), (input.dtype, source))


def cuda(input, device=None, non_blocking=False, memory_format=None):
    """A copy on a GPU (the current one, or ``device``); the tensor itself when it is there already."""
    return to(input, "cuda" if device is None else device)


def cpu(input, memory_format=None):
    """A copy in host memory; the tensor itself when it is there already."""
    return to(input, "cpu")


def _converter(dtype):
    def convert(input, *, memory_format=None):
        return to(input, dtype)

    convert.__name__ = convert.__qualname__ = dtype.name
    return convert


CONVERSIONS = {
    "float": _converter(float32), "double": _converter(float64), "half": _converter(float16),
    "long": _converter(int64), "int": _converter(int32), "short": _converter(int16), "char": _converter(int8),
    "byte": _converter(uint8), "bool": _converter(bool_),
}


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(CloneBackward0)
def _clone_kernel(out, inputs, saved, args):
    return Kernel(_c_ordered_copy, inputs)


def _c_ordered_copy(x):
    """What ``clone`` makes: a C-ordered copy (the namespace's ``copy`` keeps a transposed input's layout)."""
    return x.copy()
