"""Comparisons, logical and bitwise ops, and value tests (``isnan``, ``isclose``).

Their results are bool (or integer, for bitwise ops on integers), so they carry no gradient and
are wrapped without a node. Only the in-place comparisons (``x.lt_(y)``) record one, as PyTorch
does, whose gradients are zeros.
"""

import math
import numbers

from .._array import NUMPY, as_array, namespace_of
from .._dtype import _FROM_NUMPY
from .._errors import argument_type_error, type_name
from .._recording import state as _recorder_state
from .._tensor import Tensor, make_tensor
from ._arguments import check_tensors
from ._broadcast import apply_binary, binary_arrays, broadcast_shapes
from ._op import derivative, record
from .inplace import check_inplace_allowed, write_inplace
from .pointwise_base import float_array, kernel_missing, reject, write_out, zeros_like_grad
from .._float_errors import silent_float_errors

COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
               "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "isposinf",
               "isneginf", "signbit", "isclose", "allclose", "equal"]

# In place, a comparison writes 1/0 in the tensor's own dtype and records a node with zero gradients.
INPLACE_COMPARISONS = ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "less_", "greater_equal_", "less_equal_",
                       "not_equal_"]

__all__ = COMPARISONS + INPLACE_COMPARISONS

FUNCTIONS = COMPARISONS
METHODS = COMPARISONS + INPLACE_COMPARISONS
INPLACE = ["logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
           "bitwise_not"]
ALIASES = {"greater": "gt", "less": "lt", "greater_equal": "ge", "less_equal": "le", "not_equal": "ne"}

_ndarray = NUMPY.ndarray


def _signature_error(name, input, other):
    return TypeError(f"{name}() received an invalid combination of arguments - got ({type_name(input)}, "
                     f"{type_name(other)}), "
                     "but expected one of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n"
                     " * (Tensor input, Number other, *, Tensor out = None)\n")


def _tensor_only_error(name, other):
    return TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


def _binary(name, array_fn, other_must_be_tensor=False, rejects=None):
    """A comparison-like op on a tensor and a tensor or number, with PyTorch's dtype and shape rules.

    ``array_fn``: the name of the namespace function (``"equal"``).
    """
    rejects = rejects or {}
    numpy_fn = getattr(NUMPY, array_fn)

    def op(input, other, *, out=None):
        if not isinstance(input, Tensor) or other is None or other.__class__ is str:
            raise _signature_error(name, input, other)
        if other_must_be_tensor and not isinstance(other, Tensor):
            raise _tensor_only_error(name, other)
        x, y = binary_arrays(input, other)
        if x.dtype.kind in rejects:
            broadcast_shapes(x.shape, getattr(y, "shape", ()))  # PyTorch refuses the shapes before the dtype
            reject(x, rejects)
        fn = numpy_fn if x.__class__ is _ndarray or array_fn is None else getattr(namespace_of(x), array_fn)
        if _recorder_state.recorder is not None and x is input._data and \
                (y is other._data if isinstance(other, Tensor) else y is other):
            data = _recorder_state.recorder.traced(_compared, (fn, input, other))  # replayed as well
        else:
            data = apply_binary(fn, x, y)
            if data.__class__ is not _ndarray:  # NumPy's scalar for a 0-d result
                data = as_array(data)
        result = make_tensor(data)
        return result if out is None else write_out(result, out, name)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``; the result never requires grad."
    return op


def _compared(array_fn, x, y):
    return as_array(apply_binary(array_fn, x, y))


eq = _binary("eq", "equal")
ne = _binary("ne", "not_equal")
lt = _binary("lt", "less", rejects=kernel_missing("lt_cpu", "c"))
le = _binary("le", "less_equal", rejects=kernel_missing("le_cpu", "c"))
gt = _binary("gt", "greater", rejects=kernel_missing("gt_cpu", "c"))
ge = _binary("ge", "greater_equal", rejects=kernel_missing("ge_cpu", "c"))


def _equality_operator(compare):
    """``x == y`` and ``x != y``: for an operand no comparison takes (None, a string, a list) Python's own
    answer, by identity, as PyTorch's operators return NotImplemented there."""

    def operator(self, other):
        if other.__class__ is not Tensor and not isinstance(other, _COMPARABLE):
            return NotImplemented
        return compare(self, other)

    operator.__name__ = operator.__qualname__ = f"__{compare.__name__}__"
    return operator


_COMPARABLE = (Tensor, numbers.Number, NUMPY.ndarray)
equals_operator = _equality_operator(eq)
not_equals_operator = _equality_operator(ne)


def _zero_grad(grad):
    return zeros_like_grad(grad, None)


def _comparison_inplace(name, node_prefix):
    """``tensor.<name>_(other)``: the comparison written back as 1/0, recorded with flat gradients."""
    compare = globals()[name]
    with_number = derivative(f"{node_prefix}Backward0", _zero_grad)
    with_tensor = derivative(f"{node_prefix}Backward1", _zero_grad, _zero_grad)

    def inplace(self, other):
        check_inplace_allowed(self)
        data = compare(self, other)._data.astype(self._data.dtype)
        node = with_tensor if isinstance(other, Tensor) else with_number
        return write_inplace(self, record(data, node, (self, other)))

    inplace.__name__ = inplace.__qualname__ = name + "_"
    inplace.__doc__ = f"In-place ``{name}``: the tensor keeps its dtype and holds 1 where the comparison holds."
    return inplace


eq_ = _comparison_inplace("eq", "Eq")
ne_ = not_equal_ = _comparison_inplace("ne", "Ne")
lt_ = less_ = _comparison_inplace("lt", "Lt")
le_ = less_equal_ = _comparison_inplace("le", "Le")
gt_ = greater_ = _comparison_inplace("gt", "Gt")
ge_ = greater_equal_ = _comparison_inplace("ge", "Ge")

logical_and = _binary("logical_and", "logical_and", other_must_be_tensor=True)
logical_or = _binary("logical_or", "logical_or", other_must_be_tensor=True)
logical_xor = _binary("logical_xor", "logical_xor", other_must_be_tensor=True)
bitwise_and = _binary("bitwise_and", "bitwise_and", rejects=kernel_missing("bitwise_and_cpu", "fc"))
bitwise_or = _binary("bitwise_or", "bitwise_or", rejects=kernel_missing("bitwise_or_cpu", "fc"))
bitwise_xor = _binary("bitwise_xor", "bitwise_xor", rejects=kernel_missing("bitwise_xor_cpu", "fc"))


def _unary(name, array_fn, rejects=None):
    """``array_fn``: the name of the namespace function (``"isnan"``), or a function of the array."""
    rejects = rejects or {}
    if callable(array_fn):
        numpy_fn, array_fn = array_fn, None
    else:
        numpy_fn = getattr(NUMPY, array_fn)

    def op(input, *, out=None):
        try:
            x = input._data
        except AttributeError:
            raise argument_type_error(name, "input", 1, "Tensor", input) from None
        if x.dtype.kind in rejects:
            reject(x, rejects)
        fn = numpy_fn if x.__class__ is _ndarray or array_fn is None else getattr(namespace_of(x), array_fn)
        result = make_tensor(as_array(fn(x)))
        return result if out is None else write_out(result, out, name)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``; the result never requires grad."
    return op


def _no_complex(name):
    return {"c": (RuntimeError, f"{name} does not support complex inputs.")}


logical_not = _unary("logical_not", "logical_not")
bitwise_not = _unary("bitwise_not", "invert", rejects=kernel_missing("bitwise_not_cpu", "fc"))
isnan = _unary("isnan", "isnan")
isinf = _unary("isinf", "isinf")
isfinite = _unary("isfinite", "isfinite")
def _is_positive_infinity(x):
    """One comparison, where NumPy's ``isposinf`` makes three passes. An integer or bool is never infinite:
    ``x != x``, all False, compares in its own dtype (``x == inf`` would convert every element to a float)."""
    return x == math.inf if x.dtype.kind == "f" else x != x


def _is_negative_infinity(x):
    return x == -math.inf if x.dtype.kind == "f" else x != x


isposinf = _unary("isposinf", _is_positive_infinity, rejects=_no_complex("isposinf"))
isneginf = _unary("isneginf", _is_negative_infinity, rejects=_no_complex("isneginf"))
signbit = _unary("signbit", "signbit",
                 rejects={"c": (NotImplementedError, "signbit is not implemented for complex tensors.")})


# ---------------------------------------------------------------- closeness and equality
def _check_tolerances(rtol, atol):
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")


@silent_float_errors
def _close_arrays(input, other, rtol, atol, equal_nan, name):
    check_tensors(name, ("input", input))
    if not isinstance(other, Tensor):
        raise _tensor_only_error(name, other)
    x, y = input._data, other._data
    if x.dtype != y.dtype:
        raise RuntimeError(f"{_FROM_NUMPY[x.dtype].scalar_type_name} did not match "
                           f"{_FROM_NUMPY[y.dtype].scalar_type_name}")
    _check_tolerances(rtol, atol)
    broadcast_shapes(x.shape, y.shape)
    xp = namespace_of(x)
    close = x == y
    if equal_nan:
        close = close | xp.isnan(x) & xp.isnan(y)
    if rtol == 0 and atol == 0:
        return close
    x, y = float_array(input), float_array(other)
    error = xp.abs(x - y)
    return close | xp.isfinite(error) & (error <= atol + xp.abs(rtol * y))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|``, elementwise; infinities are close only to themselves."""
    return make_tensor(as_array(_close_arrays(input, other, rtol, atol, equal_nan, "isclose")))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of ``input`` is close to ``other`` (a Python bool)."""
    return bool(_close_arrays(input, other, rtol, atol, equal_nan, "allclose").all())


def equal(input, other):
    """True when both tensors have the same shape and the same values (nan never equals nan)."""
    if not isinstance(other, Tensor):
        raise _tensor_only_error("equal", other)
    x, y = binary_arrays(input, other)
    return x.shape == y.shape and bool((x == y).all())
