"""Data types and PyTorch's type-promotion rules.

A ``dtype`` wraps a NumPy dtype and knows its category (bool < integer < floating < complex).
Promotion follows PyTorch, which differs from NumPy in one way that matters: a 0-d tensor
of the same category never widens a tensor that has dimensions (``float32 + 0-d float64`` stays
float32), and a Python number only ever raises the category.
"""

import math

import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype", "promote_types", "result_type"]

BOOL, INTEGER, FLOATING, COMPLEX = 0, 1, 2, 3

# The legacy tensor type names PyTorch prints (``t.type()``, version-counter errors).
_LEGACY_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor", "uint16": "UInt16Tensor", "uint32": "UInt32Tensor",
    "uint64": "UInt64Tensor", "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor",
}
# The C++ scalar names some PyTorch messages use ("long int != float").
_CPP_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
    "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
    "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
    "uint16": "unsigned short", "uint32": "unsigned int", "uint64": "unsigned long",
}
# The ScalarType names other messages use ("Got: Long", "Double and Float").
_SCALAR_TYPE_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
    "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
}


class dtype:
    """A tensor element type; compare with ``is`` or ``==`` as in PyTorch."""

    __slots__ = ("name", "np", "category", "itemsize", "is_floating_point", "is_complex", "is_signed")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == FLOATING
        self.is_complex = category == COMPLEX
        self.is_signed = name != "bool" and not name.startswith("uint")

    def __repr__(self):
        return "chainrule." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    @property
    def legacy_name(self):
        return _LEGACY_NAMES[self.name]

    @property
    def cpp_name(self):
        return _CPP_NAMES[self.name]

    @property
    def scalar_type_name(self):
        return _SCALAR_TYPE_NAMES[self.name]

    def to_real(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self):
        return {"float32": complex64, "float64": complex128, "float16": complex64}.get(self.name, self)


bool_ = dtype("bool", np.bool_, BOOL)
uint8 = dtype("uint8", np.uint8, INTEGER)
int8 = dtype("int8", np.int8, INTEGER)
int16 = dtype("int16", np.int16, INTEGER)
int32 = dtype("int32", np.int32, INTEGER)
int64 = dtype("int64", np.int64, INTEGER)
float16 = dtype("float16", np.float16, FLOATING)
float32 = dtype("float32", np.float32, FLOATING)
float64 = dtype("float64", np.float64, FLOATING)
complex64 = dtype("complex64", np.complex64, COMPLEX)
complex128 = dtype("complex128", np.complex128, COMPLEX)
# PyTorch's "barebones" unsigned types: tensors hold them (files, interop), but promotion with any other
# integer, bool or complex type is an error, and most arithmetic is not implemented for them.
uint16 = dtype("uint16", np.uint16, INTEGER)
uint32 = dtype("uint32", np.uint32, INTEGER)
uint64 = dtype("uint64", np.uint64, INTEGER)
_BAREBONES_UNSIGNED = (uint16, uint32, uint64)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128,
              uint16, uint32, uint64)
_FROM_NUMPY = {d.np: d for d in ALL_DTYPES}


class _dtype_without_storage(dtype):
    """A PyTorch dtype that NumPy cannot store: it can be named and compared, but no tensor has it."""

    __slots__ = ()

    def __init__(self, name, itemsize, category):
        self.name = name
        self.np = None
        self.category = category
        self.itemsize = itemsize
        self.is_floating_point = category == FLOATING
        self.is_complex = category == COMPLEX
        self.is_signed = True


bfloat16 = _dtype_without_storage("bfloat16", 2, FLOATING)
_NAMES = {d.name: d for d in ALL_DTYPES}


def _by_name(name):
    return _NAMES[name]


def from_numpy_dtype(np_dtype):
    """The chainrule dtype of a NumPy dtype; TypeError for the ones PyTorch has no tensor for."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        pass
    if isinstance(np_dtype, _dtype_without_storage):
        raise TypeError(f"chainrule has no {np_dtype.name} tensors: NumPy has no {np_dtype.name} type (use "
                        "float32 or float16)")
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).type.__name__}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, "
            "uint8, and bool."
        ) from None


def to_dtype(value):
    """Accept a chainrule dtype, Python's ``float``/``int``/``bool``/``complex`` or a NumPy dtype."""
    if value.__class__ is dtype:
        return value
    if value is float:
        return float64
    if value is int:
        return int64
    if value is bool:
        return bool_
    if value is complex:
        return complex128
    return from_numpy_dtype(value)


class _Defaults:
    dtype = float32


_defaults = _Defaults()
# Caches of results that depend on the default dtype (a Python float's dtype in promotion): emptied when it
# changes, so that the hot paths reading them need not look at it.
CLEARED_WITH_DEFAULT_DTYPE = []


def get_default_dtype():
    return _defaults.dtype


def set_default_dtype(d):
    d = to_dtype(d)
    if d not in (float16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _defaults.dtype = d
    for cache in CLEARED_WITH_DEFAULT_DTYPE:
        cache.clear()


def default_complex_dtype():
    return complex128 if _defaults.dtype is float64 else complex64


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` convert to (``torch.promote_types``).

    Within one category this is NumPy's rule; across categories the higher one wins and keeps
    its own width (``int64`` with ``float16`` is ``float16``), except that a complex type grows
    to hold a wider float.
    """
    if a is b:
        return a
    if a in _BAREBONES_UNSIGNED or b in _BAREBONES_UNSIGNED:
        return _promote_barebones_unsigned(a, b)
    if a.category == b.category:
        return _FROM_NUMPY[np.promote_types(a.np, b.np)]
    low, high = (a, b) if a.category < b.category else (b, a)
    if high.category == COMPLEX and low.category == FLOATING:
        return _FROM_NUMPY[np.promote_types(low.np, high.np)]
    return high


def _promote_barebones_unsigned(a, b):
    """uint16/32/64 promote only with a floating-point type (which wins), as in PyTorch."""
    if a.category == FLOATING:
        return a
    if b.category == FLOATING:
        return b
    raise RuntimeError("Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                       f"{a.scalar_type_name} and {b.scalar_type_name}")


# Operand kinds in PyTorch's promotion: Python numbers, 0-d tensors, tensors with dimensions.
SCALAR, ZERO_DIM, DIMENSIONED = 0, 1, 2


def scalar_dtype(value):
    """The dtype a Python number takes part in promotion with (bool, int64, default float/complex)."""
    cls = value.__class__
    if cls is float:
        return _defaults.dtype
    if cls is int:
        return int64
    if cls is bool:
        return bool_
    if cls is complex:
        return default_complex_dtype()
    if isinstance(value, np.generic):
        return scalar_dtype(value.item())
    raise TypeError(f"unsupported operand type: {type(value).__name__}")


def _combine_categories(higher, lower):
    """Merge the dtype of a higher-priority operand kind with a lower-priority one."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        return higher.to_complex() if higher.category == FLOATING else lower
    if higher.category == FLOATING:
        return higher
    if higher.category == BOOL or lower.category == FLOATING:
        return promote_types(higher, lower)
    return higher


def result_type(operands):
    """PyTorch's result dtype for ``operands``: a sequence of ``(dtype, kind)`` pairs."""
    best = [None, None, None]
    for d, kind in operands:
        current = best[kind]
        best[kind] = d if current is None else promote_types(current, d)
    return _combine_categories(best[DIMENSIONED], _combine_categories(best[ZERO_DIM], best[SCALAR]))


# c10's names of the element types a number argument is converted to, in its overflow message, and their ranges
# (keyed by NumPy dtype: reading a dtype's ``name`` costs microseconds)
_FLOAT32 = ("float", 3.4028234663852886e38)
_FLOAT_CONVERSIONS = {np.dtype(np.float32): _FLOAT32, np.dtype(np.float16): ("c10::Half", 65504.0),
                      np.dtype(np.complex64): ("c10::complex<float>", _FLOAT32[1])}
_INTEGER_CONVERSIONS = {np.dtype(t): (name, -int(np.iinfo(t).max) if np.iinfo(t).min == 0 else int(np.iinfo(t).min),
                                      int(np.iinfo(t).max))
                        for t, name in ((np.int8, "int8_t"), (np.uint8, "uint8_t"), (np.int16, "int16_t"),
                                        (np.int32, "int"), (np.int64, "int64_t"))}


def fitting_number(value, dtype, as_float32=False):
    """``value``, a number argument PyTorch converts to an element of ``dtype`` (of float32 with
    ``as_float32``, where it computes a float16 op in float32): a finite part beyond that type's range
    is PyTorch's overflow RuntimeError. Integer types: see ``_fitting_integer``; into bool any integer
    goes, as its truth value."""
    kind = dtype.kind
    if kind in "iu":
        return _fitting_integer(value, dtype)
    if kind == "b":
        return bool(value) if isinstance(value, int) else value
    if not isinstance(value, (float, complex)):
        return value
    if as_float32 and kind == "f" and dtype.itemsize <= 2:
        name, limit = _FLOAT32
    else:
        name, limit = _FLOAT_CONVERSIONS.get(dtype, (None, math.inf))
    for part in (value.real, value.imag) if isinstance(value, complex) else (value,):
        if abs(part) > limit and math.isfinite(part):
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return value


def _fitting_integer(value, dtype):
    """c10's conversion to an integer type: NaN, an infinity or a number outside the type's range is
    refused; a negative integer wraps around into an unsigned type (as far as the type's size reaches
    below zero), and comes back wrapped, as NumPy refuses it."""
    conversion = _INTEGER_CONVERSIONS.get(dtype)
    integral = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if conversion is None or not (integral or isinstance(value, (float, np.floating))):
        return value  # a bool, a complex number or no number: left to the op
    name, low, high = conversion
    if not (low <= value <= high if integral else math.isfinite(value) and low <= value <= high):
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    if integral and value < 0 and dtype.kind == "u":
        return int(value) % (high + 1)
    return value
