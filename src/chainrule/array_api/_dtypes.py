"""The standard's data types, its promotion lattice and its data type functions.

The standard's lattice is narrower than chainrule's: it promotes within a kind (booleans,
integers, real and complex floats) and treats a 0-d array like any other, where chainrule keeps a
0-d tensor from widening one with dimensions. The namespace therefore promotes its operands itself,
with ``result_type``, before handing them to chainrule.
"""

import builtins

import numpy as np

from .. import _dtype
from .._tensor import Tensor, make_tensor
from ._creation import check_device

bool = _dtype.bool_
int8, int16, int32, int64 = _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64
uint8 = _dtype.uint8
float32, float64 = _dtype.float32, _dtype.float64
complex64, complex128 = _dtype.complex64, _dtype.complex128

DTYPES = {d.name: d for d in (bool, int8, int16, int32, int64, uint8, float32, float64, complex64, complex128)}

_SIGNED = (int8, int16, int32, int64)
_UNSIGNED = (uint8,)
_KINDS = {
    "bool": (bool,),
    "signed integer": _SIGNED,
    "unsigned integer": _UNSIGNED,
    "integral": _SIGNED + _UNSIGNED,
    "real floating": (float32, float64),
    "complex floating": (complex64, complex128),
    "numeric": _SIGNED + _UNSIGNED + (float32, float64, complex64, complex128),
}


def isdtype(dtype, kind):
    """Whether ``dtype`` is ``kind``: a dtype, one of the standard's kind names, or a tuple of either."""
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise ValueError(f"unknown data type kind {kind!r}")
        return dtype in _KINDS[kind]
    if isinstance(kind, _dtype.dtype):
        return dtype is kind
    raise TypeError(f"kind must be a dtype, a string or a tuple of them, got {type(kind).__name__}")


def _scalar_fits(value, dtype):
    """Whether a Python scalar may join an operand of ``dtype`` without changing it."""
    if value.__class__ is builtins.bool:
        return True
    if value.__class__ is int:
        return dtype.category != _dtype.BOOL
    if value.__class__ is float:
        return dtype.category >= _dtype.FLOATING
    return dtype.category == _dtype.COMPLEX


def result_type(*arrays_and_dtypes):
    """The dtype the standard promotes its arguments to; Python scalars adopt the arrays' dtype."""
    dtypes = [x.dtype if isinstance(x, Tensor) else x for x in arrays_and_dtypes
              if not isinstance(x, (builtins.bool, int, float, complex))]
    scalars = [x for x in arrays_and_dtypes if isinstance(x, (builtins.bool, int, float, complex))]
    if not dtypes:
        raise ValueError("result_type needs at least one array or dtype")
    result = dtypes[0]
    for d in dtypes[1:]:
        result = _dtype.promote_types(result, d)
    for value in scalars:
        if not _scalar_fits(value, result):
            result = _dtype.promote_types(result, _dtype.scalar_dtype(value))
    return result


def can_cast(from_, to, /):
    """Whether the standard's promotion lattice takes ``from_`` (a dtype or an array) to ``to``."""
    source = from_.dtype if isinstance(from_, Tensor) else from_
    if source is bool or to is bool:
        return source is to
    if source.category == _dtype.INTEGER and to.category == _dtype.INTEGER:
        return _dtype.promote_types(source, to) is to
    if source.category >= _dtype.FLOATING and to.category >= _dtype.FLOATING:
        return _dtype.promote_types(source, to) is to
    return False


class finfo_object:
    """Machine limits of a floating dtype (of its real part, for a complex one)."""

    def __init__(self, dtype):
        real = dtype.to_real()
        info = np.finfo(real.np)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.smallest_normal = float(info.smallest_normal)
        self.dtype = real


class iinfo_object:
    """Limits of an integer dtype."""

    def __init__(self, dtype):
        info = np.iinfo(dtype.np)
        self.bits = info.bits
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = dtype


def finfo(type, /):
    dtype = type.dtype if isinstance(type, Tensor) else type
    if dtype.category < _dtype.FLOATING:
        raise ValueError(f"finfo needs a floating dtype, got {dtype}")
    return finfo_object(dtype)


def iinfo(type, /):
    dtype = type.dtype if isinstance(type, Tensor) else type
    if dtype.category != _dtype.INTEGER:
        raise ValueError(f"iinfo needs an integer dtype, got {dtype}")
    return iinfo_object(dtype)


def astype(x, dtype, /, *, copy=True, device=None):
    """``x`` as ``dtype``: a differentiable cast, or ``x`` itself when nothing changes and no copy is asked."""
    check_device(device)
    if dtype is x.dtype:
        return x.clone() if copy else x
    return x.to(dtype)


def as_operands(*values):
    """Tensors of one common dtype for an elementwise function (a scalar becomes a 0-d tensor)."""
    dtype = result_type(*values)
    operands = []
    for value in values:
        if isinstance(value, Tensor):
            operands.append(value if value.dtype is dtype else value.to(dtype))
        else:
            operands.append(make_tensor(np.asarray(value, dtype=dtype.np)))
    return operands
