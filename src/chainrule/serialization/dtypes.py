"""Element types as files name them: safetensors tags, PyTorch's dtype and storage names, and the narrow
floating-point types chainrule has no dtype for.

chainrule has no bfloat16 or float8 dtype (NumPy has none), so tensors stored in those types load as
float32, which holds every one of their values exactly. Saving writes them back as float32.
"""

import numpy as np

__all__ = ["ElementType", "BY_SAFETENSORS_TAG", "BY_NUMPY", "BY_TORCH_NAME", "BY_STORAGE_NAME"]


class ElementType:
    """One element type: its size in a file, and how its bytes become a NumPy array (and back).

    ``numpy`` is the dtype a loaded tensor gets; ``stored`` is the little-endian dtype of the bytes in the
    file, or None for types decoded through ``widen`` (bytes -> float32 array).
    """

    __slots__ = ("safetensors_tag", "torch_name", "storage_name", "numpy", "stored", "itemsize", "widen")

    def __init__(self, safetensors_tag, torch_name, storage_name, numpy_dtype, itemsize=None, widen=None):
        self.safetensors_tag = safetensors_tag
        self.torch_name = torch_name
        self.storage_name = storage_name
        self.numpy = np.dtype(numpy_dtype)
        self.stored = None if widen is not None else self.numpy.newbyteorder("<")
        self.itemsize = itemsize or self.numpy.itemsize
        self.widen = widen

    def __repr__(self):
        return f"ElementType({self.torch_name!r})"

    def decode(self, raw):
        """The array for little-endian ``raw`` bytes (a 1-d uint8 array) of this type, in native order."""
        if self.widen is not None:
            return self.widen(raw)
        values = raw.view(self.stored)
        return values if self.stored.isnative else values.astype(self.numpy)


def _bfloat16_to_float32(raw):
    """bfloat16 is the upper half of a float32: shift each 16-bit pattern into place."""
    halves = raw.view("<u2").astype(np.uint32)
    return (halves << 16).view(np.float32)


def _minifloat_table(exponent_bits, mantissa_bits, bias, *, nan_codes=(), has_infinity=False, fnuz=False,
                     signed=True):
    """The float32 value of each of the 256 codes of an 8-bit float format (NaNs keep their sign bit, except
    the single NaN of the "fnuz" formats, which takes the place of negative zero)."""
    values = np.empty(256, dtype=np.float32)
    top = (1 << exponent_bits) - 1
    for code in range(256):
        sign = -1.0 if signed and code & 0x80 else 1.0
        exponent = (code >> mantissa_bits) & top
        mantissa = code & ((1 << mantissa_bits) - 1)
        if code in nan_codes or (has_infinity and exponent == top and mantissa):
            values[code] = np.copysign(np.nan, sign)
        elif has_infinity and exponent == top:
            values[code] = sign * np.inf
        elif exponent == 0 and mantissa_bits:
            values[code] = sign * mantissa * 2.0 ** (1 - bias - mantissa_bits)
        else:
            values[code] = sign * (1 + mantissa / (1 << mantissa_bits)) * 2.0 ** (exponent - bias)
    if fnuz:
        values[0x80] = np.nan
    return values


def _table_decoder(table):
    def decode(raw):
        return table[raw]
    return decode


_E4M3FN = _minifloat_table(4, 3, 7, nan_codes={0x7F, 0xFF})
_E4M3FNUZ = _minifloat_table(4, 3, 8, fnuz=True)
_E5M2 = _minifloat_table(5, 2, 15, has_infinity=True)
_E5M2FNUZ = _minifloat_table(5, 2, 16, fnuz=True)
_E8M0FNU = _minifloat_table(8, 0, 127, nan_codes={0xFF}, signed=False)

TYPES = [
    ElementType("BOOL", "bool", "BoolStorage", np.bool_),
    ElementType("U8", "uint8", "ByteStorage", np.uint8),
    ElementType("I8", "int8", "CharStorage", np.int8),
    ElementType("I16", "int16", "ShortStorage", np.int16),
    ElementType("I32", "int32", "IntStorage", np.int32),
    ElementType("I64", "int64", "LongStorage", np.int64),
    ElementType("U16", "uint16", None, np.uint16),
    ElementType("U32", "uint32", None, np.uint32),
    ElementType("U64", "uint64", None, np.uint64),
    ElementType("F16", "float16", "HalfStorage", np.float16),
    ElementType("F32", "float32", "FloatStorage", np.float32),
    ElementType("F64", "float64", "DoubleStorage", np.float64),
    ElementType("C64", "complex64", "ComplexFloatStorage", np.complex64),
    # complex128: the safetensors library has no tag for it; chainrule writes it as F64 pairs (see
    # safetensors_layout) and reads the C128 tag that its earlier files used.
    ElementType("C128", "complex128", "ComplexDoubleStorage", np.complex128),
    ElementType("BF16", "bfloat16", "BFloat16Storage", np.float32, 2, _bfloat16_to_float32),
    ElementType("F8_E4M3", "float8_e4m3fn", None, np.float32, 1, _table_decoder(_E4M3FN)),
    ElementType("F8_E4M3FNUZ", "float8_e4m3fnuz", None, np.float32, 1, _table_decoder(_E4M3FNUZ)),
    ElementType("F8_E5M2", "float8_e5m2", None, np.float32, 1, _table_decoder(_E5M2)),
    ElementType("F8_E5M2FNUZ", "float8_e5m2fnuz", None, np.float32, 1, _table_decoder(_E5M2FNUZ)),
    ElementType("F8_E8M0", "float8_e8m0fnu", None, np.float32, 1, _table_decoder(_E8M0FNU)),
]

BY_SAFETENSORS_TAG = {t.safetensors_tag: t for t in TYPES}
BY_TORCH_NAME = {t.torch_name: t for t in TYPES}
BY_STORAGE_NAME = {t.storage_name: t for t in TYPES if t.storage_name}
BY_NUMPY = {t.numpy: t for t in TYPES if t.widen is None}
