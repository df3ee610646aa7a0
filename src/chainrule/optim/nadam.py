"""NAdam: Adam with Nesterov momentum, its momentum coefficient warming up by ``momentum_decay``."""

import numpy as np

from .optimizer import (Optimizer, add_product_, advance, check_betas, check_nonnegative, gradient, lerp_,
                        step_counter, touch, zeros_state)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _state_for(self, param):
        state = self.state[param]
        if not state:
            state["step"] = step_counter()
            state["mu_product"] = step_counter(1.0)
            state["exp_avg"] = zeros_state(param)
            state["exp_avg_sq"] = zeros_state(param)
        return state

    def _update_group(self, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
        momentum_decay = group["momentum_decay"]
        for param in group["params"]:
            if param._grad is None:
                continue
            state = self._state_for(param)
            step = advance(state["step"])
            bias_correction2 = 1 - beta2 ** step
            if weight_decay != 0 and decoupled:
                param._data *= 1 - lr * weight_decay
            grad = gradient(param, group["maximize"], 0 if decoupled else weight_decay)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
            mu_product = state["mu_product"]
            mu_product._data *= mu
            exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(exp_avg, grad, 1 - beta1)
            exp_avg_sq *= beta2
            add_product_(exp_avg_sq, 1 - beta2, grad, grad)
            denom = np.sqrt(exp_avg_sq / bias_correction2)
            denom += eps
            product = float(mu_product._data)
            param._data += (-lr * (1.0 - mu) / (1.0 - product)) * grad / denom
            param._data += ((-lr * mu_next) / (1.0 - product * mu_next)) * exp_avg / denom
            touch(param, mu_product, state["exp_avg"], state["exp_avg_sq"])
