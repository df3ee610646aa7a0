"""Rprop: each weight's own step size, grown while its gradient keeps its sign and shrunk when it flips."""

from .optimizer import Optimizer, advance, check_nonnegative, gradient, step_counter, touch, zeros_state
from .._array import namespace_of
from .._tensor import make_tensor

__all__ = ["Rprop"]


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        check_nonnegative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        etaminus, etaplus = group["etas"]
        smallest, largest = group["step_sizes"]
        for param in group["params"]:
            if param._grad is None:
                continue
            state = self.state[param]
            if not state:
                state["step"] = step_counter()
                state["prev"] = zeros_state(param)
                xp = namespace_of(param._data)
                state["step_size"] = make_tensor(xp.full_like(param._grad._data, group["lr"]))
            advance(state["step"])
            grad = gradient(param, group["maximize"])
            xp = namespace_of(grad)
            prev, step_size = state["prev"]._data, state["step_size"]._data
            sign = xp.sign(grad * prev)
            factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1.0)).astype(grad.dtype)
            step_size *= factor
            xp.clip(step_size, smallest, largest, out=step_size)
            grad = xp.where(factor == etaminus, 0, grad).astype(grad.dtype)
            param._data -= xp.sign(grad) * step_size
            prev[...] = grad
            touch(param, state["prev"], state["step_size"])
