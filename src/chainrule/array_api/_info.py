"""``__array_namespace_info__``: what this namespace supports, for code that inspects it."""

import chainrule as _cr
from ._dtypes import DTYPES, isdtype
from ._creation import check_device


class Info:
    """The namespace's capabilities, its single device and its dtypes."""

    def capabilities(self):
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self):
        return _cr.device("cpu")

    def devices(self):
        return [_cr.device("cpu")]

    def default_dtypes(self, *, device=None):
        check_device(device)
        real = _cr.get_default_dtype()
        return {"real floating": real, "complex floating": real.to_complex(), "integral": _cr.int64,
                "indexing": _cr.int64}

    def dtypes(self, *, device=None, kind=None):
        check_device(device)
        if kind is None:
            return dict(DTYPES)
        return {name: d for name, d in DTYPES.items() if isdtype(d, kind)}


def __array_namespace_info__():
    return Info()
