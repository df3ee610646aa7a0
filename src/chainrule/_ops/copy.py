"""Copies and dtype conversions: ``clone``, ``to``, ``.float()`` and friends."""

from .._array import namespace_of
from .._dtype import bool_, float16, float32, float64, int8, int16, int32, int64, to_dtype, uint8
from .._tensor import Tensor
from ._kernel import Kernel, replays
from ._op import derivative, record

__all__ = ["clone", "to"]

FUNCTIONS = ["clone"]
METHODS = ["clone", "to"]


def _identity_grad(grad):
    return grad


def _to_copy_grad(grad, dtype):
    return grad.to(dtype)


CloneBackward0 = derivative("CloneBackward0", _identity_grad)
ToCopyBackward0 = derivative("ToCopyBackward0", _to_copy_grad)


def clone(input, *, memory_format=None):
    return record(input._data.copy(), CloneBackward0, (input,))


def _parse_to_args(args, kwargs):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``, ``to(dtype=...)``."""
    dtype = kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, str) or getattr(arg, "type", None) in ("cpu", "cuda"):
            continue  # a device: only the CPU exists without a GPU backend
        elif arg is not None:
            dtype = arg
    return None if dtype is None else to_dtype(dtype)


def to(input, *args, copy=False, non_blocking=False, **kwargs):
    """The tensor in another dtype; the same object when nothing changes (as in PyTorch)."""
    dtype = _parse_to_args(args, kwargs)
    if dtype is None or dtype.np == input._data.dtype:
        return clone(input) if copy else input
    x = input._data
    if dtype.category < 2 and x.dtype.kind == "f":
        with namespace_of(x).errstate(invalid="ignore"):
            result = x.astype(dtype.np)
    else:
        result = x.astype(dtype.np)
    return record(result, ToCopyBackward0, (input,), (), (input.dtype,))


def _converter(dtype):
    def convert(input, memory_format=None):
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
