"""The standard's elementwise functions, mapped onto chainrule's differentiable ops.

Most are chainrule's own function under the standard's name; binary ones first bring both operands
to the standard's result dtype (``as_operands``). The few with no chainrule op are composed from
chainrule ops so that they stay differentiable; the integer-only bit shifts and ``nextafter`` (a step
of one unit in the last place) compute on the arrays directly and record no gradient.
"""

import numpy as np

import chainrule as _cr
from .._tensor import make_tensor
from ._dtypes import as_operands

UNARY = {
    "abs": "abs", "acos": "acos", "acosh": "acosh", "asin": "asin", "asinh": "asinh", "atan": "atan",
    "atanh": "atanh", "bitwise_invert": "bitwise_not", "ceil": "ceil", "cos": "cos", "cosh": "cosh",
    "exp": "exp", "expm1": "expm1", "floor": "floor", "isfinite": "isfinite", "isinf": "isinf",
    "isnan": "isnan", "log": "log", "log1p": "log1p", "log2": "log2", "log10": "log10",
    "logical_not": "logical_not", "negative": "neg", "reciprocal": "reciprocal", "round": "round",
    "signbit": "signbit", "sin": "sin", "sinh": "sinh", "square": "square", "sqrt": "sqrt", "tan": "tan",
    "tanh": "tanh", "trunc": "trunc",
}
BINARY = {
    "add": "add", "atan2": "atan2", "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or",
    "bitwise_xor": "bitwise_xor", "copysign": "copysign", "divide": "divide", "equal": "eq",
    "floor_divide": "floor_divide", "greater": "gt", "greater_equal": "ge", "hypot": "hypot", "less": "lt",
    "less_equal": "le", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_xor": "logical_xor", "maximum": "maximum", "minimum": "minimum", "multiply": "mul",
    "not_equal": "ne", "pow": "pow", "remainder": "remainder", "subtract": "sub",
}


def _unary(name, target):
    def function(x, /):
        return getattr(_cr, target)(x)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"The standard's ``{name}``: chainrule's ``{target}``."
    return function


def _binary(name, target):
    def function(x1, x2, /):
        a, b = as_operands(x1, x2)
        return getattr(_cr, target)(a, b)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"The standard's ``{name}``: chainrule's ``{target}`` after the standard's promotion."
    return function


def _install():
    functions = {name: _unary(name, target) for name, target in UNARY.items()}
    functions.update({name: _binary(name, target) for name, target in BINARY.items()})
    return functions


globals().update(_install())


def positive(x, /):
    return +x


def sign(x, /):
    """``x / |x|`` for complex ``x`` (chainrule's ``sgn``), -1, 0 or 1 otherwise."""
    return _cr.sgn(x) if x.dtype.is_complex else _cr.sign(x)


def logaddexp(x1, x2, /):
    """``log(exp(x1) + exp(x2))`` without overflow: the larger term plus ``log1p`` of the smaller ratio."""
    a, b = as_operands(x1, x2)
    larger = _cr.maximum(a, b)
    combined = larger + _cr.log1p(_cr.exp(-_cr.abs(a - b)))
    # Equal infinities have no finite difference; their sum is the infinity itself.
    return _cr.where(_cr.isinf(larger) & (a == b), larger, combined)


def _bound(value, dtype):
    if isinstance(value, _cr.Tensor):
        return value if value.dtype is dtype else value.to(dtype)
    return _cr.asarray(value, dtype=dtype)


def clip(x, /, min=None, max=None):
    """``x`` limited to ``[min, max]``; the bounds (scalars or arrays) never change ``x``'s dtype.

    A value equal to a bound keeps its own gradient, as chainrule's ``clamp`` does.
    """
    result = x if min is not None or max is not None else x.clone()
    if min is not None:
        low = _bound(min, x.dtype)
        result = _cr.where(result < low, low, result)
    if max is not None:
        high = _bound(max, x.dtype)
        result = _cr.where(result > high, high, result)
    return result


def _no_derivative(name, x):
    if x.requires_grad and _cr.is_grad_enabled():
        raise RuntimeError(f"chainrule.array_api.{name} has no derivative for complex input")


def conj(x, /):
    if not x.dtype.is_complex:
        return x
    _no_derivative("conj", x)
    return make_tensor(np.conj(x._data))


def real(x, /):
    if not x.dtype.is_complex:
        return x
    _no_derivative("real", x)
    return make_tensor(x._data.real.copy())


def imag(x, /):
    if not x.dtype.is_complex:
        return _cr.zeros_like(x)
    _no_derivative("imag", x)
    return make_tensor(x._data.imag.copy())


def _on_arrays(name, array_function):
    """A function that records no gradient, computed on the arrays after the standard's promotion."""
    def function(x1, x2, /):
        a, b = as_operands(x1, x2)
        return make_tensor(np.asarray(array_function(a._data, b._data)))

    function.__name__ = function.__qualname__ = name
    return function


bitwise_left_shift = _on_arrays("bitwise_left_shift", np.left_shift)
bitwise_right_shift = _on_arrays("bitwise_right_shift", np.right_shift)
nextafter = _on_arrays("nextafter", np.nextafter)

__all__ = [*UNARY, *BINARY, "positive", "sign", "logaddexp", "clip", "conj", "real", "imag",
           "bitwise_left_shift", "bitwise_right_shift", "nextafter"]
