"""Full backward hooks: the gradients that leave a module, given those that reach its outputs.

The tensors going into ``forward`` and the tensors coming out of it each pass through one
identity node (``BackwardHookFunctionBackward``, as in PyTorch). The node on the outputs sees the
gradients reaching the module (``grad_output``); the node on the inputs runs after every use of
the inputs inside the module has delivered, so it sees the finished ``grad_input`` and the hooks
may replace it there.
"""

import warnings

from ..._ops._op import derivative, record_multi
from ..._tensor import Tensor

__all__ = ["BackwardHookState"]


class _Pick:
    """The vjp of output ``index`` of an identity node: its own incoming gradient."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __call__(self, grads):
        return grads[self.index]


def _identity_of_one(grad):
    return grad


_NODE_CLASSES = {}


def _node_class(count):
    node_class = _NODE_CLASSES.get(count)
    if node_class is None:
        vjps = (_identity_of_one,) if count == 1 else tuple(_Pick(i) for i in range(count))
        node_class = derivative("BackwardHookFunctionBackward", *vjps, outputs=count,
                                op=f"BackwardHookFunctionBackward/{count}")
        _NODE_CLASSES[count] = node_class
    return node_class


def _pass_through(tensors):
    """The same arrays as new tensors behind one identity node; returns (tensors, node)."""
    outs = record_multi([t._data for t in tensors], _node_class(len(tensors)), tuple(tensors))
    for out, t in zip(outs, tensors):
        out._version_counter = t._version_counter
    return outs, outs[0]._grad_fn


def _grad_positions(values):
    return [i for i, v in enumerate(values) if isinstance(v, Tensor) and v._requires_grad]


class BackwardHookState:
    """The bookkeeping of one call of a module that has backward hooks."""

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.input_count = 0
        self.input_positions = ()
        self.output_count = 0
        self.output_positions = ()
        self.grad_output = None
        self.inputs_wrapped = False

    def wrap_inputs(self, args):
        tensor_positions = [i for i, v in enumerate(args) if isinstance(v, Tensor)]
        self.input_count = len(tensor_positions)
        positions = _grad_positions(args)
        if not positions:
            return args
        outs, node = _pass_through([args[i] for i in positions])
        self.input_positions = [tensor_positions.index(i) for i in positions]
        self.inputs_wrapped = True
        node.register_prehook(self._on_grad_input)
        args = list(args)
        for i, out in zip(positions, outs):
            args[i] = out
        return tuple(args)

    def wrap_outputs(self, output):
        single = isinstance(output, Tensor)
        values = (output,) if single else output
        if not isinstance(values, tuple):
            return output
        positions = _grad_positions(values)
        if not positions:
            return output
        outs, node = _pass_through([values[i] for i in positions])
        self.output_positions = positions
        self.output_count = len(values)
        node.register_prehook(self._on_grad_output)
        values = list(values)
        for i, out in zip(positions, outs):
            values[i] = out
        return values[0] if single else tuple(values)

    def _on_grad_output(self, grads):
        full = [None] * self.output_count
        for i, g in zip(self.output_positions, grads):
            full[i] = g
        grad_output = tuple(full)
        for hook in list(self.pre_hooks.values()):
            result = hook(self.module, grad_output)
            if result is not None:
                grad_output = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        self.grad_output = grad_output
        if not self.inputs_wrapped and self.hooks:
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients.", UserWarning, stacklevel=1)
            for hook in list(self.hooks.values()):
                hook(self.module, (None,) * max(self.input_count, 1), grad_output)
        return tuple(grad_output[i] for i in self.output_positions)

    def _on_grad_input(self, grads):
        full = [None] * self.input_count
        for i, g in zip(self.input_positions, grads):
            full[i] = g
        grad_input = tuple(full)
        for hook in list(self.hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                if len(result) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                       f"{len(result)}, but expected {len(grad_input)}")
                grad_input = tuple(result)
        return tuple(grad_input[i] for i in self.input_positions)
