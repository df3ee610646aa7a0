"""RMSprop: steps divided by a running root mean square of the gradient (optionally centered)."""

import numpy as np

from .optimizer import (Optimizer, add_product_, add_scaled_, advance, check_nonnegative, gradient, lerp_, muladd,
                        step_counter, touch, zeros_state)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _state_for(self, param, group):
        state = self.state[param]
        if not state:
            state["step"] = step_counter()
            state["square_avg"] = zeros_state(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_state(param)
            if group["centered"]:
                state["grad_avg"] = zeros_state(param)
        return state

    def _update_group(self, group):
        lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
        for param in group["params"]:
            if param._grad is None:
                continue
            state = self._state_for(param, group)
            advance(state["step"])
            grad = gradient(param, group["maximize"], group["weight_decay"])
            square_avg = state["square_avg"]._data
            square_avg *= alpha
            add_product_(square_avg, 1 - alpha, grad, grad)
            touch(state["square_avg"])
            if group["centered"]:
                grad_avg = state["grad_avg"]._data
                lerp_(grad_avg, grad, 1 - alpha)
                touch(state["grad_avg"])
                avg = np.sqrt(muladd(-1 * grad_avg, grad_avg, square_avg))
            else:
                avg = np.sqrt(square_avg)
            avg += eps
            if momentum > 0:
                buffer = state["momentum_buffer"]._data
                buffer *= momentum
                buffer += grad / avg
                touch(state["momentum_buffer"])
                add_scaled_(param._data, -lr, buffer)
            else:
                param._data += -lr * grad / avg
            touch(param)
