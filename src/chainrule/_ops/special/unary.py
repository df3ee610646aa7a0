"""Declaring a special function of one tensor, beyond what ``pointwise_base.unary_op`` covers: rules that
read both the input and the result, and functions PyTorch gives no derivative at all.

Integer and bool inputs are computed in the default float dtype; ``rejects`` names the dtype kinds
PyTorch has no kernel for. The compile kernel is the array function itself, as for ``unary_op``.
"""

from .._kernel import Kernel, replays
from .._op import OUTPUT, derivative, record
from .._arguments import not_a_tensor
from ..pointwise_base import float_array, reject, write_out
from .float16 import FLOAT16, NO_FLOAT16_KERNEL, refuse_float16
from ..._float_errors import silent_float_errors

__all__ = ["special_unary", "no_derivative"]


def no_derivative(node_name):
    """The node class of a function PyTorch does not differentiate: never attached (its result does not
    require grad, whatever its input does), it only carries the compile kernel."""
    return derivative(node_name)


def special_unary(name, node_class, array_fn, saves=("self", "result"), rejects=None, differentiable=True,
                  argument="input"):
    """A Tensor function applying ``array_fn`` (a function of the array, on its namespace).

    ``saves``: what the rule reads, in order (``"self"``, ``"result"``). ``differentiable=False``: the
    input is passed to the node only as a saved value, so no graph is recorded. ``argument``: the input's
    name in PyTorch's errors.
    """
    rejects = rejects or {}
    no_float16 = f"{name}_cpu" in NO_FLOAT16_KERNEL
    node_class.elementwise = True
    array_fn = silent_float_errors(array_fn)  # its kernel's too: compile replays it

    def op(input, *, out=None):
        try:
            x = input._data
        except AttributeError:
            raise not_a_tensor(f"special_{name}", (argument, input)) from None
        if x.dtype.kind in rejects:
            reject(x, rejects)
        if no_float16 and x.dtype == FLOAT16:
            raise refuse_float16(f"{name}_cpu")
        data = array_fn(float_array(input))
        if differentiable:
            saved = tuple(input if value == "self" else OUTPUT for value in saves)
            result = record(data, node_class, (input,), saved)
        else:
            result = record(data, node_class, (), (input,))
        return result if out is None else write_out(result, out, name)

    @replays(node_class)
    def kernel(out, inputs, saved, args):
        operand = inputs[0] if differentiable else saved[0]
        x = getattr(operand, "_data", None)
        if x is None or x.dtype.kind != "f" or out.dtype != x.dtype:
            return None
        return Kernel(array_fn, (operand,))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``" + (f" (backward node ``{node_class.__name__}``)." if differentiable
                                              else "; PyTorch defines no derivative for it.")
    return op
