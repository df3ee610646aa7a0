"""Adagrad: each coordinate's step divided by the root of its summed squared gradients."""

import numpy as np

from .._tensor import make_tensor
from .optimizer import Optimizer, add_product_, advance, check_nonnegative, gradient, step_counter, touch

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                state = self.state[param]
                state["step"] = step_counter()
                state["sum"] = make_tensor(np.full_like(param._data, group["initial_accumulator_value"]))

    def _update_group(self, group):
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        for param in group["params"]:
            if param._grad is None:
                continue
            state = self.state[param]
            step = advance(state["step"])
            grad = gradient(param, group["maximize"], group["weight_decay"])
            decayed_lr = lr / (1 + (step - 1) * lr_decay)
            total = state["sum"]._data
            add_product_(total, 1, grad, grad)
            std = np.sqrt(total)
            std += eps
            param._data += -decayed_lr * grad / std
            touch(param, state["sum"])
