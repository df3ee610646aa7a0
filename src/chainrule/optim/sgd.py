"""Stochastic gradient descent, with momentum, dampening and Nesterov's look-ahead."""

from .._tensor import make_tensor
from .optimizer import Optimizer, add_scaled_, check_nonnegative, gradient, muladd, touch

__all__ = ["SGD"]


class SGD(Optimizer):
    _complex_as_real = False  # a linear update: complex arithmetic gives PyTorch's numbers directly

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        check_nonnegative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update_group(self, group):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        for param in group["params"]:
            if param._grad is None:
                continue
            grad = gradient(param, group["maximize"], group["weight_decay"])
            if momentum != 0:
                state = self.state[param]
                buffer = state.get("momentum_buffer")
                if buffer is None:
                    buffer = state["momentum_buffer"] = make_tensor(grad.copy())
                else:
                    data = buffer._data
                    data *= momentum
                    add_scaled_(data, 1 - dampening, grad)
                    touch(buffer)
                grad = muladd(momentum, buffer._data, grad) if group["nesterov"] else buffer._data
            add_scaled_(param._data, -lr, grad)
            touch(param)
