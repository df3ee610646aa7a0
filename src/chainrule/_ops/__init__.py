"""The op families, and the table that turns them into chainrule functions, Tensor methods and operators.

Each family module lists what it offers: ``FUNCTIONS`` (``chainrule.name``), ``METHODS``
(``tensor.name``), ``METHOD_FORMS`` (methods whose arguments differ from the function's), ``INPLACE``
(names that also get a generated ``name_`` method) and ``ALIASES``; it may declare PyTorch's ``SIGNATURES`` of
its functions (``chainrule._signatures``), which explain a failed call whose arguments do not fit them with
PyTorch's TypeError, in the function and in its Tensor method.
Adding a family is adding its module to ``FAMILIES`` (or, for a namespace loaded later such as
``chainrule.nn.functional``, calling ``register_family``).
"""

import functools

from .._errors import argument_type_error, type_name
from .._signatures import checking, checking_method, declared
from .._tensor import Tensor
from ._op import publish
from . import (arithmetic, complex, copy, indexing, inplace, joining, matmul, pointwise, pointwise_binary,
               pointwise_compare, products, reduction, rounding, scatter, shape, sorting, special)
from . import binning, diagonals, grids, histograms, inplace_views, pointwise_numbers, scatter_forms, statistics
from . import hashing, tensor_forms, windows
from .linalg import factorizations, solvers, svd

FAMILIES = (arithmetic, pointwise_binary, rounding, pointwise, pointwise_compare, reduction, sorting, shape, diagonals,
            joining, indexing, scatter, matmul, products, solvers, factorizations, svd, copy, complex,
            *special.FAMILIES, grids, binning, statistics, pointwise_numbers, scatter_forms, tensor_forms,
            inplace_views, windows, histograms, hashing)

FUNCTIONS = {}
METHODS = {}


def _collect(family):
    """Add one family's functions, methods, in-place variants and aliases to the tables."""
    for name in getattr(family, "FUNCTIONS", ()):
        FUNCTIONS[name] = getattr(family, name)
    for name in getattr(family, "METHODS", ()):
        METHODS[name] = getattr(family, name)
    METHODS.update(getattr(family, "METHOD_FORMS", {}))
    for name in getattr(family, "INPLACE", ()):
        METHODS[name + "_"] = inplace.make_inplace(getattr(family, name), name)
    for alias, name in getattr(family, "ALIASES", {}).items():
        FUNCTIONS[alias] = getattr(family, name)
        METHODS[alias] = getattr(family, name)
        if name in getattr(family, "INPLACE", ()):
            METHODS[alias + "_"] = METHODS[name + "_"]


def register_family(family):
    """Install the Tensor methods (and in-place variants) of a family loaded after this package.

    Its functions stay in its own namespace (``chainrule.nn.functional``), not in ``chainrule``.
    """
    for name in getattr(family, "METHODS", ()):
        METHODS[name] = getattr(family, name)
        setattr(Tensor, name, METHODS[name])
    for name, method in getattr(family, "METHOD_FORMS", {}).items():
        METHODS[name] = method
        setattr(Tensor, name, method)
    for name in getattr(family, "INPLACE", ()):
        METHODS[name + "_"] = inplace.make_inplace(getattr(family, name), name)
        setattr(Tensor, name + "_", METHODS[name + "_"])
    publish([getattr(family, name) for name in getattr(family, "FUNCTIONS", ())]
            + [getattr(family, name) for name in getattr(family, "METHODS", ())])


def _collect_core():
    for family in FAMILIES:
        _collect(family)
    METHODS.update(copy.CONVERSIONS)
    METHODS.update(zero_=inplace.zero_, fill_=inplace.fill_, copy_=inplace.copy_)


def _check_arguments():
    """Wrap the functions and methods named in a family's ``SIGNATURES`` (after they are published: compile
    follows the op itself, not its wrapper)."""
    for family in FAMILIES:
        aliases = getattr(family, "ALIASES", {})
        for name, declaration in getattr(family, "SIGNATURES", {}).items():
            function, signatures = getattr(family, aliases.get(name, name)), declared(name, declaration)
            if FUNCTIONS.get(name) is function:
                FUNCTIONS[name] = checking(signatures, function, "chainrule", name)
            if METHODS.get(name) is function:
                METHODS[name] = checking_method(signatures, function)
                setattr(Tensor, name, METHODS[name])


# Functions whose PyTorch function form takes a list of ints only as a list (``torch.reshape(x, (6,))``), where
# the Tensor method also takes the ints spread out (``x.reshape(6)``): the argument's name and position.
LIST_ONLY = {"reshape": ("shape", 2), "flip": ("dims", 2), "permute": ("dims", 2), "broadcast_to": ("size", 2),
             "expand_copy": ("size", 2), "permute_copy": ("dims", 2), "as_strided": ("size", 2),
             "unflatten": ("sizes", 3), "rot90": ("dims", 3)}


def _list_only(function, name, argument, position):
    """``function`` refusing anything but a tuple or list for ``argument``, as PyTorch's parser does, and taking
    it by keyword too (the ops that also serve as methods take it spread out, as ``*shape``)."""
    def function_form(*args, **kwargs):
        if argument in kwargs:
            value = kwargs[argument]
            if not isinstance(value, (tuple, list)):
                raise TypeError(f"{name}(): argument '{argument}' must be tuple of ints, not {type_name(value)}")
            if len(args) == position - 1:
                args = (*args, kwargs.pop(argument))
        elif len(args) >= position and not isinstance(args[position - 1], (tuple, list)):
            raise argument_type_error(name, argument, position, "tuple of ints", args[position - 1])
        return function(*args, **kwargs)

    return functools.wraps(function)(function_form)


def _radd(self, other):
    return arithmetic.add(self, other)


def _rmul(self, other):
    return arithmetic.mul(self, other)


def _rsub(self, other):
    return arithmetic.rsub(self, other)


def _rpow(self, other):
    return arithmetic.pow(other, self)


def _rmatmul(self, other):
    return matmul.matmul(other, self)


def _getitem(self, index):
    return indexing.getitem(self, index)


def _pos(self):
    return self


def _invert(self):
    return pointwise_compare.bitwise_not(self) if self._data.dtype.kind != "b" else pointwise_compare.logical_not(self)


def _operators():
    m = METHODS
    return {
        "__add__": m["add"], "__radd__": _radd, "__iadd__": m["add_"], "__sub__": m["sub"], "__rsub__": _rsub,
        "__isub__": m["sub_"], "__mul__": m["mul"], "__rmul__": _rmul, "__imul__": m["mul_"],
        "__truediv__": m["div"], "__rtruediv__": arithmetic.rtruediv, "__itruediv__": m["div_"],
        "__pow__": m["pow"], "__rpow__": _rpow, "__ipow__": m["pow_"], "__matmul__": m["matmul"],
        "__rmatmul__": _rmatmul, "__neg__": m["neg"], "__pos__": _pos, "__abs__": m["abs"],
        "__getitem__": _getitem, "__eq__": pointwise_compare.equals_operator,
        "__ne__": pointwise_compare.not_equals_operator, "__lt__": m["lt"], "__le__": m["le"],
        "__gt__": m["gt"], "__ge__": m["ge"], "__and__": m["bitwise_and"], "__or__": m["bitwise_or"],
        "__xor__": m["bitwise_xor"], "__invert__": _invert, "__floordiv__": m["floor_divide"],
        "__rfloordiv__": rounding.rfloordiv, "__ifloordiv__": m["floor_divide_"], "__mod__": m["remainder"],
        "__rmod__": rounding.rremainder, "__imod__": m["remainder_"], "__rand__": m["bitwise_and"],
        "__ror__": m["bitwise_or"], "__rxor__": m["bitwise_xor"], "__iand__": m["bitwise_and_"],
        "__ior__": m["bitwise_or_"], "__ixor__": m["bitwise_xor_"], "__lshift__": m["bitwise_left_shift"],
        "__rshift__": m["bitwise_right_shift"], "__ilshift__": m["bitwise_left_shift_"],
        "__irshift__": m["bitwise_right_shift_"],
    }


def _install():
    _collect_core()
    operators = _operators()
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
    for name, fn in operators.items():
        setattr(Tensor, name, fn)
    Tensor.__hash__ = object.__hash__
    publish(list(FUNCTIONS.values()) + list(METHODS.values()) + list(operators.values()))
    _check_arguments()
    for name, (argument, position) in LIST_ONLY.items():  # after publishing, as _check_arguments does
        FUNCTIONS[name] = _list_only(FUNCTIONS[name], name, argument, position)


_install()
