"""``chainrule.autograd``: ``backward`` and ``grad``, grad modes, custom Functions, forward mode,
``functional`` transforms, ``gradcheck`` and anomaly detection.

This is the public face of the machinery in ``chainrule._autograd`` (graph, engine, modes), plus the
parts built on the ops. It also gives every Tensor its ``backward()`` method.
"""

from .._autograd.anomaly import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .._autograd.backward import backward
from .._autograd.backward import grad as _grad
from .._autograd.grad_mode import (enable_grad, enforce_grad_layout_policy, inference_mode, is_grad_enabled,
                                   is_inference_mode_enabled, no_grad, set_grad_enabled)
from .._ops.joining import stack
from .._tensor import Tensor
from . import anomaly_mode, forward_ad, function, functional, grad_mode, graph
from .function import Function, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .variable import (Variable, is_multithreading_enabled, is_tensor_like, is_view_replay_enabled,
                       set_multithreading_enabled, variable)

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "gradcheck", "gradgradcheck", "Function"]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to each of ``inputs``, as a tuple; ``.grad`` is untouched.

    ``is_grads_batched``: ``grad_outputs`` carry a leading batch dimension, one vector-Jacobian product each.
    """
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    return _grad(outputs, inputs, grad_outputs, retain_graph, create_graph, only_inputs, allow_unused,
                 materialize_grads)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """One vector-Jacobian product per leading slice of ``grad_outputs``, stacked."""
    if grad_outputs is None:
        raise RuntimeError("grad_outputs must be given when is_grads_batched=True")
    grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else (grad_outputs,)
    count = grad_outputs[0].shape[0]
    per_slice = []
    for b in range(count):
        last = b == count - 1  # only the last pass may free the graph
        per_slice.append(_grad(outputs, inputs, [g[b] for g in grad_outputs],
                               retain_graph=retain_graph if last else True, create_graph=create_graph,
                               allow_unused=allow_unused, materialize_grads=materialize_grads))
    return tuple(None if slices[0] is None else stack(list(slices)) for slices in zip(*per_slice))


def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Add the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


_tensor_backward.__name__ = _tensor_backward.__qualname__ = "backward"
Tensor.backward = _tensor_backward
