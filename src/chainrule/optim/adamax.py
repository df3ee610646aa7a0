"""Adamax: Adam with the second moment replaced by a decaying infinity norm of the gradients."""

import numpy as np

from .optimizer import (Optimizer, advance, check_betas, check_nonnegative, gradient, lerp_, step_counter, touch,
                        zeros_state)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        for param in group["params"]:
            if param._grad is None:
                continue
            state = self.state[param]
            if not state:
                state["step"] = step_counter()
                state["exp_avg"] = zeros_state(param)
                state["exp_inf"] = zeros_state(param)
            step = advance(state["step"])
            grad = gradient(param, group["maximize"], group["weight_decay"])
            exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
            lerp_(exp_avg, grad, 1 - beta1)
            exp_inf *= beta2
            np.maximum(exp_inf, np.abs(grad) + eps, out=exp_inf)
            corrected_lr = lr / (1 - beta1 ** step)
            param._data += -corrected_lr * exp_avg / exp_inf
            touch(param, state["exp_avg"], state["exp_inf"])
