"""The op families, and the table that makes them Tensor methods and Python operators."""

from .._tensor import Tensor
from . import arithmetic, copy, indexing, matmul, pointwise, reduction, shape
from .arithmetic import add, div, mul, neg, negative, pow, rsub, rtruediv, sub, true_divide
from .copy import clone, to
from .indexing import narrow, select
from .matmul import bmm, dot, matmul, mm, mv
from .pointwise import (abs, bitwise_not, cos, eq, exp, ge, gt, isnan, le, log, logical_and, logical_not, logical_or,
                        logical_xor, lt, ne, reciprocal, relu, sigmoid, sign, sin, sqrt, tanh, where)
from .reduction import mean, sum
from .shape import (broadcast_to, contiguous, expand, expand_as, flatten, permute, reshape, squeeze, t, transpose,
                    unsqueeze, view)

# Functions in the chainrule namespace (``chainrule.exp(x)``).
FUNCTIONS = {
    f.__name__: f for f in (
        add, sub, rsub, mul, div, true_divide, pow, neg, negative, clone, narrow, select, matmul, mm, mv, dot, bmm,
        abs, cos, exp, log, reciprocal, relu, sigmoid, sign, sin, sqrt, tanh, where, eq, ne, lt, le, gt, ge,
        logical_and, logical_or, logical_xor, logical_not, bitwise_not, isnan, mean, sum, broadcast_to, expand_as,
        flatten, permute, reshape, squeeze, t, transpose, unsqueeze,
    )
}
FUNCTIONS["multiply"] = mul
FUNCTIONS["subtract"] = sub
FUNCTIONS["divide"] = div
FUNCTIONS["absolute"] = abs
FUNCTIONS["greater"] = gt
FUNCTIONS["less"] = lt
FUNCTIONS["eq"] = eq

# Methods that are the function with the tensor as first argument (``x.exp()``).
METHODS = dict(FUNCTIONS, view=view, expand=expand, contiguous=contiguous, to=to, **copy.CONVERSIONS)


def _install_methods():
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)


def _radd(self, other):
    return add(self, other)


def _rmul(self, other):
    return mul(self, other)


def _rsub(self, other):
    return rsub(self, other)


def _rpow(self, other):
    return pow(other, self)


def _rmatmul(self, other):
    return matmul(other, self)


def _getitem(self, index):
    return indexing.getitem(self, index)


def _pos(self):
    return self


def _invert(self):
    return bitwise_not(self) if self._data.dtype.kind != "b" else logical_not(self)


OPERATORS = {
    "__add__": add, "__radd__": _radd, "__sub__": sub, "__rsub__": _rsub, "__mul__": mul, "__rmul__": _rmul,
    "__truediv__": div, "__rtruediv__": rtruediv, "__pow__": pow, "__rpow__": _rpow, "__matmul__": matmul,
    "__rmatmul__": _rmatmul, "__neg__": neg, "__pos__": _pos, "__abs__": abs, "__getitem__": _getitem,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "__and__": pointwise.bitwise_and, "__or__": pointwise.bitwise_or, "__xor__": pointwise.bitwise_xor,
    "__invert__": _invert,
}


def _install_operators():
    for name, fn in OPERATORS.items():
        setattr(Tensor, name, fn)
    Tensor.__hash__ = object.__hash__


_install_methods()
_install_operators()
