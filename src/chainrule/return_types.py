"""The named tuples ops return: ``x.max(0)`` is ``return_types.max(values=..., indices=...)``.

Each is a tuple (it unpacks and indexes like one) whose fields are also attributes, and whose
repr lists one field per line, as PyTorch prints it.
"""

from operator import itemgetter

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "cummax", "cummin", "aminmax"]


class _ReturnType(tuple):
    """A fixed-length tuple with named fields."""

    __slots__ = ()
    _fields = ()

    def __new__(cls, sequence):
        values = tuple(sequence)
        if len(values) != len(cls._fields):
            raise TypeError(f"{cls.__module__}.{cls.__name__}() takes a {len(cls._fields)}-sequence "
                            f"({len(values)}-sequence given)")
        return super().__new__(cls, values)

    def __repr__(self):
        body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"{self.__module__}.{type(self).__name__}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))


def make_return_type(name, fields):
    """A named tuple class ``name`` with ``fields``, printed as ``chainrule.return_types.name(...)``."""
    namespace = {"__slots__": (), "_fields": tuple(fields), "__module__": __name__,
                 "n_fields": len(fields), "n_sequence_fields": len(fields)}
    for i, field in enumerate(fields):
        namespace[field] = property(itemgetter(i), doc=f"Field {i}: {field}.")
    return type(name, (_ReturnType,), namespace)


max = make_return_type("max", ("values", "indices"))
min = make_return_type("min", ("values", "indices"))
sort = make_return_type("sort", ("values", "indices"))
topk = make_return_type("topk", ("values", "indices"))
kthvalue = make_return_type("kthvalue", ("values", "indices"))
median = make_return_type("median", ("values", "indices"))
nanmedian = make_return_type("nanmedian", ("values", "indices"))
mode = make_return_type("mode", ("values", "indices"))
cummax = make_return_type("cummax", ("values", "indices"))
cummin = make_return_type("cummin", ("values", "indices"))
aminmax = make_return_type("aminmax", ("min", "max"))
