"""Adadelta: steps sized by the ratio of running RMS of past updates to running RMS of gradients."""

import numpy as np

from .optimizer import (Optimizer, add_product_, add_scaled_, advance, check_nonnegative, gradient, step_counter,
                        touch, zeros_state)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_nonnegative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        for param in group["params"]:
            if param._grad is None:
                continue
            state = self.state[param]
            if not state:
                state["step"] = step_counter()
                state["square_avg"] = zeros_state(param)
                state["acc_delta"] = zeros_state(param)
            advance(state["step"])
            grad = gradient(param, group["maximize"], group["weight_decay"])
            square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
            square_avg *= rho
            add_product_(square_avg, 1 - rho, grad, grad)
            std = np.sqrt(square_avg + eps)
            delta = np.sqrt(acc_delta + eps)
            delta /= std
            delta *= grad
            acc_delta *= rho
            add_product_(acc_delta, 1 - rho, delta, delta)
            add_scaled_(param._data, -lr, delta)
            touch(param, state["square_avg"], state["acc_delta"])
