"""Adafactor: Adam-like steps whose second-moment estimate of a matrix is kept as row and column factors
(memory proportional to rows + columns), with relative step sizes and update clipping."""

import math

from .._array import namespace_of
from .._tensor import make_tensor
from .optimizer import Optimizer, advance, step_counter, touch, zeros_state

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    _complex_as_real = False  # it refuses complex parameters, as PyTorch's does

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _update_group(self, group):
        lr, d, weight_decay = group["lr"], group["d"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        for param in group["params"]:
            if param._grad is None:
                continue
            if param.is_complex():
                raise RuntimeError("Adafactor does not support complex parameters")
            grad = param._grad._data
            xp = namespace_of(grad)
            if group["maximize"]:
                grad = -grad
            state = self.state[param]
            if not state:
                state["step"] = step_counter()
                if grad.ndim > 1:
                    state["row_var"] = make_tensor(xp.zeros(grad.shape[:-1] + (1,), dtype=grad.dtype))
                    state["col_var"] = make_tensor(xp.zeros(grad.shape[:-2] + (1, grad.shape[-1]), dtype=grad.dtype))
                else:
                    state["variance"] = zeros_state(param)
            step = advance(state["step"])
            floor = float(xp.finfo(param._data.dtype).eps) if eps1 is None else eps1
            one_minus_beta2 = step ** group["beta2_decay"]
            rho = min(lr, 1 / math.sqrt(step))
            weights = param._data
            alpha = max(eps2, float(xp.sqrt((weights.astype(xp.float64) ** 2).sum())) / math.sqrt(weights.size)) * rho
            if weight_decay != 0:
                weights *= 1 - lr * weight_decay
            if grad.ndim > 1:
                row_var, col_var = state["row_var"]._data, state["col_var"]._data
                row_mean = (grad * grad).sum(-1, keepdims=True) / grad.shape[-1]
                row_var += (row_mean - row_var) * one_minus_beta2
                col_mean = (grad * grad).sum(-2, keepdims=True) / grad.shape[-2]
                col_var += (col_mean - col_var) * one_minus_beta2
                estimate = xp.matmul(row_var, col_var)
                estimate = estimate / xp.maximum(row_var.mean(-2, keepdims=True), floor)
                touch(state["row_var"], state["col_var"])
            else:
                variance = state["variance"]._data
                variance += (grad * grad - variance) * one_minus_beta2
                estimate = variance.copy()
                touch(state["variance"])
            update = (1 / xp.sqrt(xp.maximum(estimate, floor * floor))).astype(grad.dtype) * grad
            norm = float(xp.sqrt((update.astype(xp.float64) ** 2).sum()))
            denominator = max(1.0, norm / (math.sqrt(update.size) * d))
            weights -= (alpha / denominator) * update
            touch(param)
