"""The legacy tensor types: ``chainrule.FloatTensor(2, 3)``, ``LongTensor([1, 2])``,
``isinstance(x, chainrule.FloatTensor)``, ``x.type(chainrule.DoubleTensor)``.

Old PyTorch code still builds tensors through these names. Each is a class whose call makes a tensor of
its dtype (from sizes, from data, or from a tensor of that dtype) and whose ``isinstance`` test asks
the tensor's dtype, as PyTorch's are.
"""

import warnings

from . import _dtype
from ._creation import empty, tensor
from ._size import Size
from ._tensor import Tensor

__all__ = ["LEGACY_TYPES", "legacy_type", "set_default_tensor_type"]


class _TensorType(type):
    """The class of the legacy types: calling one makes a tensor, ``isinstance`` compares dtypes."""

    def __instancecheck__(cls, value):
        return isinstance(value, Tensor) and value.dtype is cls.dtype

    def __call__(cls, *args, device=None, **kwargs):
        if kwargs:
            given = ", ".join(f"{k}=" for k in kwargs)
            raise TypeError(f"new() received an invalid combination of arguments - got ({given}), but expected "
                            "one of: (*, device), (Tensor other), (tuple of ints size, *, device), "
                            "(object data, *, device)")
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {device} was passed")
        if not args:
            return empty(0, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0].dtype is not cls.dtype:
                raise TypeError(f"expected {cls.dtype.name} tensor (got {args[0].dtype.name} tensor)")
            return args[0]
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args) or (
                len(args) == 1 and isinstance(args[0], Size)):
            return empty(*args, dtype=cls.dtype)
        if len(args) == 1:
            if isinstance(args[0], (str, bytes)):
                raise TypeError(f"new(): invalid data type '{type(args[0]).__name__}'")
            return tensor(args[0], dtype=cls.dtype)
        raise TypeError(f"new() received an invalid combination of arguments - got {len(args)} positional "
                        "arguments that are not all ints")

    def __repr__(cls):
        return f"<class 'chainrule.{cls.__name__}'>"


def _make(dtype_value):
    name = dtype_value.legacy_name
    return _TensorType(name, (), {"dtype": dtype_value, "is_cuda": False, "is_sparse": False,
                                  "__doc__": f"Legacy constructor of {dtype_value.name} tensors."})


LEGACY_TYPES = {d.legacy_name: _make(d) for d in _dtype.ALL_DTYPES}


def legacy_type(value):
    """The dtype a legacy type (class or ``'torch.FloatTensor'``-style name) stands for, else ``value``."""
    if isinstance(value, _TensorType):
        return value.dtype
    if isinstance(value, str):
        name = value.rsplit(".", 1)[-1]
        if name not in LEGACY_TYPES:
            raise ValueError(f"invalid type: '{value}'")
        return LEGACY_TYPES[name].dtype
    return value


def set_default_tensor_type(t):
    """Deprecated in PyTorch: sets the default floating dtype from a legacy type."""
    warnings.warn("chainrule.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "chainrule.set_default_dtype() and chainrule.set_default_device() as alternatives.",
                  UserWarning, stacklevel=2)
    dtype_value = legacy_type(t)
    if not isinstance(dtype_value, _dtype.dtype) or not dtype_value.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(dtype_value)
