"""ASGD: SGD with a decaying step size and a running (Polyak) average of the iterates in ``ax``."""

from .optimizer import Optimizer, add_scaled_, advance, check_nonnegative, gradient, step_counter, touch, zeros_state

__all__ = ["ASGD"]


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
                 differentiable=False, capturable=False):
        check_nonnegative(lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        for param in group["params"]:
            if param._grad is None:
                continue
            state = self.state[param]
            if not state:
                state["step"] = step_counter()
                state["eta"] = step_counter(lr)
                state["mu"] = step_counter(1.0)
                state["ax"] = zeros_state(param)
            step = advance(state["step"])
            grad = gradient(param, group["maximize"], group["weight_decay"])
            eta = float(state["eta"]._data)
            param._data *= 1 - lambd * eta
            add_scaled_(param._data, -eta, grad)
            ax = state["ax"]._data
            mu = float(state["mu"]._data)
            if mu != 1:
                ax += (param._data - ax) * mu
            else:
                ax[...] = param._data
            state["eta"]._data[...] = lr / ((1 + lambd * lr * step) ** alpha)
            state["mu"]._data[...] = 1 / max(1, step - t0)
            touch(param, state["ax"], state["eta"], state["mu"])
