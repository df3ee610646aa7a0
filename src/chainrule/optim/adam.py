"""Adam: steps scaled by running averages of the gradient and its square, with bias correction."""

import numpy as np

from .optimizer import (Optimizer, add_product_, advance, check_betas, check_nonnegative, gradient, lerp_,
                        step_counter, touch, zeros_state)

__all__ = ["Adam"]


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _state_for(self, param, amsgrad):
        state = self.state[param]
        if not state:
            state["step"] = step_counter()
            state["exp_avg"] = zeros_state(param)
            state["exp_avg_sq"] = zeros_state(param)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_state(param)
        return state

    def _update_group(self, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
        decoupled = group["decoupled_weight_decay"]
        for param in group["params"]:
            if param._grad is None:
                continue
            state = self._state_for(param, amsgrad)
            step = advance(state["step"])
            if weight_decay != 0 and decoupled:
                param._data *= 1 - lr * weight_decay
            grad = gradient(param, group["maximize"], 0 if decoupled else weight_decay)
            exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(exp_avg, grad, 1 - beta1)
            exp_avg_sq *= beta2
            add_product_(exp_avg_sq, 1 - beta2, grad, grad)
            second_moment = exp_avg_sq
            if amsgrad:
                second_moment = state["max_exp_avg_sq"]._data
                np.maximum(second_moment, exp_avg_sq, out=second_moment)
                touch(state["max_exp_avg_sq"])
            step_size = lr / (1 - beta1 ** step)
            denom = np.sqrt(second_moment) / (1 - beta2 ** step) ** 0.5
            denom += eps
            param._data += -step_size * exp_avg / denom
            touch(param, state["exp_avg"], state["exp_avg_sq"])
