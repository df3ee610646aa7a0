"""Elementwise functions, ``where``, and comparisons.

A unary op is one line: its name, its node, its array function and what its rule reads. Float-only
functions turn integer inputs into the default float dtype first, as PyTorch does.
"""

import numpy as np

from .._dtype import get_default_dtype
from .._tensor import Tensor, make_tensor
from ._broadcast import apply_binary, binary_arrays, broadcast_shapes
from ._op import OUTPUT, derivative, record

__all__ = ["exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "reciprocal", "sign", "where",
           "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "zeros_like_grad", "to_default_float",
           "unary_op"]

FUNCTIONS = METHODS = __all__[:-3]
INPLACE = ["exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "reciprocal", "sign", "eq", "ne",
           "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_not"]
ALIASES = {"absolute": "abs", "greater": "gt", "less": "lt", "greater_equal": "ge", "less_equal": "le",
           "not_equal": "ne"}


def to_default_float(array):
    """Integer and bool arrays become the default float dtype; others pass through."""
    if isinstance(array, np.ndarray) and array.dtype.kind in "biu":
        return array.astype(get_default_dtype().np)
    return array


def zeros_like_grad(grad, reference):
    """Exact zeros shaped like ``grad``: a blocked gradient, which never carries a graph."""
    return make_tensor(np.zeros(grad._data.shape, dtype=grad._data.dtype))


def unary_op(name, node_class, array_fn, saves=None, float_only=True):
    """A Tensor function applying ``array_fn``; ``saves`` is ``"self"``, ``"result"`` or None."""
    saved_spec = {"self": True, "result": OUTPUT, None: None}[saves]

    def op(input, *, out=None):
        x = input._data
        if float_only and x.dtype.kind not in "fc":
            x = to_default_float(x)
        if saved_spec is None:
            saved = ()
        else:
            saved = (input,) if saved_spec is True else (OUTPUT,)
        return record(array_fn(x), node_class, (input,), saved)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` (backward node ``{node_class.__name__}``)."
    return op


# ---------------------------------------------------------------- rules
def _exp_grad(grad, result):
    return grad * result


def _log_grad(grad, self):
    return grad / self


def _sqrt_grad(grad, result):
    return grad / (2 * result)


def _abs_grad(grad, self):
    return grad * sign(self)


def _sin_grad(grad, self):
    return grad * cos(self)


def _cos_grad(grad, self):
    return grad * -sin(self)


def _tanh_grad(grad, result):
    return grad * (1 - result * result)


def _sigmoid_grad(grad, result):
    return grad * (result * (1 - result))


def _relu_grad(grad, result):
    return where(result > 0, grad, 0.0)


def _reciprocal_grad(grad, result):
    return grad * -(result * result)


def _zero_grad(grad, *saved):
    return zeros_like_grad(grad, None)


def _sigmoid_array(x):
    # exp of a negative argument only, so large |x| never overflows
    positive = x >= 0
    e = np.exp(np.where(positive, -x, x))
    return np.where(positive, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _relu_array(x):
    return np.maximum(x, 0) if x.dtype.kind != "b" else x.copy()


exp = unary_op("exp", derivative("ExpBackward0", _exp_grad, saves="result"), np.exp, "result")
log = unary_op("log", derivative("LogBackward0", _log_grad, saves="self"), np.log, "self")
sqrt = unary_op("sqrt", derivative("SqrtBackward0", _sqrt_grad, saves="result"), np.sqrt, "result")
abs = unary_op("abs", derivative("AbsBackward0", _abs_grad, saves="self"), np.abs, "self", float_only=False)
sin = unary_op("sin", derivative("SinBackward0", _sin_grad, saves="self"), np.sin, "self")
cos = unary_op("cos", derivative("CosBackward0", _cos_grad, saves="self"), np.cos, "self")
tanh = unary_op("tanh", derivative("TanhBackward0", _tanh_grad, saves="result"), np.tanh, "result")
sigmoid = unary_op("sigmoid", derivative("SigmoidBackward0", _sigmoid_grad, saves="result"), _sigmoid_array,
                   "result")
relu = unary_op("relu", derivative("ReluBackward0", _relu_grad, saves="result"), _relu_array, "result",
                float_only=False)
reciprocal = unary_op("reciprocal", derivative("ReciprocalBackward0", _reciprocal_grad, saves="result"),
                      np.reciprocal, "result")
sign = unary_op("sign", derivative("SignBackward0", _zero_grad), np.sign, None, float_only=False)


# ---------------------------------------------------------------- where
def _where_grad_input(grad, condition):
    return where(condition, grad, 0.0)


def _where_grad_other(grad, condition):
    return where(condition, 0.0, grad)


WhereBackward0 = derivative("WhereBackward0", _where_grad_input, _where_grad_other, saves="condition")


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` holds, else ``other``; numbers allowed for either branch."""
    if input is None and other is None:
        return tuple(make_tensor(i) for i in np.nonzero(condition._data))
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if isinstance(input, Tensor):
        x, y = binary_arrays(input, other)
    elif isinstance(other, Tensor):
        y, x = binary_arrays(other, input)
    else:
        from .._dtype import result_type, scalar_dtype, SCALAR

        d = result_type([(scalar_dtype(input), SCALAR), (scalar_dtype(other), SCALAR)]).np
        x, y = np.asarray(input, dtype=d), np.asarray(other, dtype=d)
    broadcast_shapes(cond.shape, np.shape(x), np.shape(y))
    result = np.where(cond, x, y)
    if not isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
        result = result.astype(y.dtype, copy=False)
    elif isinstance(x, np.ndarray):
        result = result.astype(x.dtype, copy=False)
    condition = condition if isinstance(condition, Tensor) else make_tensor(cond)
    return record(result, WhereBackward0, (input, other), (condition,))


# ---------------------------------------------------------------- comparisons and logic (never differentiable)
def _comparison(name, array_fn):
    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            input, other = other, input
            return make_tensor(apply_binary(array_fn, *reversed(binary_arrays(input, other))))
        return make_tensor(apply_binary(array_fn, *binary_arrays(input, other)))

    op.__name__ = op.__qualname__ = name
    return op


eq = _comparison("eq", np.equal)
ne = _comparison("ne", np.not_equal)
lt = _comparison("lt", np.less)
le = _comparison("le", np.less_equal)
gt = _comparison("gt", np.greater)
ge = _comparison("ge", np.greater_equal)
logical_and = _comparison("logical_and", np.logical_and)
logical_or = _comparison("logical_or", np.logical_or)
logical_xor = _comparison("logical_xor", np.logical_xor)
bitwise_and = _comparison("bitwise_and", np.bitwise_and)
bitwise_or = _comparison("bitwise_or", np.bitwise_or)
bitwise_xor = _comparison("bitwise_xor", np.bitwise_xor)


def logical_not(input, *, out=None):
    return make_tensor(np.logical_not(input._data))


def bitwise_not(input, *, out=None):
    return make_tensor(np.invert(input._data))


def isnan(input):
    return make_tensor(np.isnan(input._data))
