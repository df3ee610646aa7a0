"""RAdam: Adam whose adaptive step is switched on only once the variance of its estimate is tractable."""

import numpy as np

from .optimizer import (Optimizer, add_product_, advance, check_betas, check_nonnegative, gradient, lerp_,
                        step_counter, touch, zeros_state)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
        longest_sma = 2 / (1 - beta2) - 1
        for param in group["params"]:
            if param._grad is None:
                continue
            state = self.state[param]
            if not state:
                state["step"] = step_counter()
                state["exp_avg"] = zeros_state(param)
                state["exp_avg_sq"] = zeros_state(param)
            step = advance(state["step"])
            if weight_decay != 0 and decoupled:
                param._data *= 1 - lr * weight_decay
            grad = gradient(param, group["maximize"], 0 if decoupled else weight_decay)
            exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(exp_avg, grad, 1 - beta1)
            exp_avg_sq *= beta2
            add_product_(exp_avg_sq, 1 - beta2, grad, grad)
            bias_correction2 = 1 - beta2 ** step
            update = exp_avg / (1 - beta1 ** step) * lr
            sma = longest_sma - 2 * step * beta2 ** step / bias_correction2
            if sma > 5.0:
                rectification = ((sma - 4) * (sma - 2) * longest_sma
                                 / ((longest_sma - 4) * (longest_sma - 2) * sma)) ** 0.5
                root = np.sqrt(exp_avg_sq)
                root += eps
                update = update * (1 / root * bias_correction2 ** 0.5) * rectification
            param._data -= update
            touch(param, state["exp_avg"], state["exp_avg_sq"])
