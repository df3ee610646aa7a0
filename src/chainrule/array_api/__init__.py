"""The Python Array API standard (2024.12) over chainrule tensors.

Code written against the standard (``xp.sum(x, axis=0)``) runs on chainrule through this namespace
and stays differentiable: every function delegates to chainrule's ops, or is composed from them.
The linear algebra extension is ``chainrule.array_api.linalg``.
chainrule's ``uint16``, ``uint32`` and ``uint64`` follow PyTorch, which refuses to promote them with other
integer types as the standard requires, so those dtypes are absent here.
"""

import math

from . import _creation, _elementwise, _manipulation, _searching, _statistical, linalg
from ._dtypes import (astype, bool, can_cast, complex64, complex128, finfo, float32, float64, iinfo, int8, int16,
                      int32, int64, isdtype, result_type, uint8)
from ._info import __array_namespace_info__

_SECTIONS = (_creation, _elementwise, _manipulation, _statistical, _searching)
globals().update({name: getattr(section, name) for section in _SECTIONS for name in section.__all__})

__array_api_version__ = "2024.12"

e = math.e
inf = math.inf
nan = math.nan
pi = math.pi
newaxis = None

__all__ = [
    "__array_api_version__", "__array_namespace_info__", "linalg", "e", "inf", "nan", "pi", "newaxis",
    "bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64", "complex64", "complex128",
    "astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
    *(name for section in _SECTIONS for name in section.__all__),
]
