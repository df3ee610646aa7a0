"""L-BFGS: quasi-Newton steps from a short history of gradient differences, with an optional
strong-Wolfe line search.

All parameters are handled as one flat vector. Vectors are arrays of the parameters' dtype and
scalar products are 0-d values of that dtype, so the arithmetic rounds where PyTorch's tensors do.
Between steps the history lives in ``state`` as tensors, so it appears in the state dict.
"""

import numpy as np

from .._recording import replayed_as_call
from .._tensor import Tensor, make_tensor
from .._array import namespace_of
from .._autograd import grad_mode
from .optimizer import Optimizer, add_scaled_, check_nonnegative

__all__ = ["LBFGS"]


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through two points with their slopes, clamped to ``bounds``."""
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if not d2_square >= 0:
        return (low + high) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        minimum = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        minimum = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(minimum, low), high)


class _Bracket:
    """Two trial steps enclosing a point that satisfies the strong Wolfe conditions."""

    def __init__(self, steps, losses, grads, slopes):
        self.steps, self.losses, self.grads, self.slopes = steps, losses, grads, slopes
        self.order()

    def order(self):
        self.low, self.high = (0, 1) if self.losses[0] <= self.losses[-1] else (1, 0)

    def set(self, index, step, loss, grad, slope):
        self.steps[index], self.losses[index], self.grads[index], self.slopes[index] = step, loss, grad, slope


def _strong_wolfe(evaluate, t, d, loss, grad, slope, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search along ``d`` from step ``t``: returns (loss, flat grad, step, evaluations)."""
    d_norm = np.abs(d).max()
    new_loss, new_grad = evaluate(t)
    evaluations = 1
    new_slope = np.dot(new_grad, d)
    prev_t, prev_loss, prev_grad, prev_slope = 0, loss, grad.copy(), slope
    bracket = None
    iteration = 0
    while iteration < max_ls:
        sufficient_decrease = not (new_loss > loss + c1 * t * slope or (iteration > 1 and new_loss >= prev_loss))
        if sufficient_decrease and abs(new_slope) <= -c2 * slope:
            return new_loss, new_grad, t, evaluations
        if not sufficient_decrease or new_slope >= 0:
            bracket = _Bracket([prev_t, t], [prev_loss, new_loss], [prev_grad, new_grad.copy()],
                               [prev_slope, new_slope])
            break
        next_t = _cubic_minimum(prev_t, prev_loss, prev_slope, t, new_loss, new_slope,
                                bounds=(t + 0.01 * (t - prev_t), t * 10))
        prev_t, prev_loss, prev_grad, prev_slope = t, new_loss, new_grad.copy(), new_slope
        t = next_t
        new_loss, new_grad = evaluate(t)
        evaluations += 1
        new_slope = np.dot(new_grad, d)
        iteration += 1
    if iteration == max_ls:
        bracket = _Bracket([0, t], [loss, new_loss], [grad, new_grad], [slope, new_slope])
    return _zoom(evaluate, d, bracket, iteration, evaluations, d_norm, loss, slope, c1, c2, tolerance_change, max_ls)


def _zoom(evaluate, d, bracket, iteration, evaluations, d_norm, loss, slope, c1, c2, tolerance_change, max_ls):
    """Shrink the bracket by cubic interpolation until a step satisfies the strong Wolfe conditions."""
    steps = bracket.steps
    stalled = False
    while iteration < max_ls:
        if abs(steps[1] - steps[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(steps[0], bracket.losses[0], bracket.slopes[0], steps[1], bracket.losses[1],
                           bracket.slopes[1])
        top, bottom = max(steps), min(steps)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if stalled or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        new_loss, new_grad = evaluate(t)
        evaluations += 1
        new_slope = np.dot(new_grad, d)
        iteration += 1
        low, high = bracket.low, bracket.high
        if new_loss > loss + c1 * t * slope or new_loss >= bracket.losses[low]:
            bracket.set(high, t, new_loss, new_grad.copy(), new_slope)
            bracket.order()
            continue
        if abs(new_slope) <= -c2 * slope:
            bracket.set(low, t, new_loss, new_grad.copy(), new_slope)
            break
        if new_slope * (steps[high] - steps[low]) >= 0:
            bracket.set(high, steps[low], bracket.losses[low], bracket.grads[low], bracket.slopes[low])
        bracket.set(low, t, new_loss, new_grad.copy(), new_slope)
    low = bracket.low
    return bracket.losses[low], bracket.grads[low], steps[low], evaluations


class LBFGS(Optimizer):
    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        check_nonnegative(lr=lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ----------------------------------------------------------------- the flat view of all parameters
    def _flat_grad(self):
        xp = namespace_of(self._params[0]._data)
        parts = [xp.zeros(p._data.size, p._data.dtype) if p._grad is None else p._grad._data.reshape(-1)
                 for p in self._params]
        return xp.concatenate(parts)

    def _move(self, step_size, direction):
        offset = 0
        for param in self._params:
            size = param._data.size
            add_scaled_(param._data, step_size, direction[offset:offset + size].reshape(param._data.shape))
            param._version_counter[0] += 1
            offset += size

    def _evaluate(self, closure):
        with grad_mode.enable_grad():
            loss = closure()
        return float(loss), self._flat_grad()

    def _directional_evaluator(self, closure, direction):
        """Loss and gradient at ``start + t * direction``; the parameters are put back afterwards."""
        start = [p._data.copy() for p in self._params]

        def evaluate(t):
            self._move(t, direction)
            result = self._evaluate(closure)
            for param, data in zip(self._params, start):
                param._data[...] = data
                param._version_counter[0] += 1
            return result

        return evaluate

    # ----------------------------------------------------------------- step
    @replayed_as_call
    def step(self, closure):
        """Up to ``max_iter`` quasi-Newton iterations; ``closure`` must re-evaluate the loss and its gradient."""
        self._opt_called = True
        group = self.param_groups[0]
        with grad_mode.no_grad():
            return self._iterate(closure, group, self.state[self._params[0]])

    def _iterate(self, closure, group, state):
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn = group["line_search_fn"]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with grad_mode.enable_grad():
            original_loss = closure()
        loss = float(original_loss)
        evaluations = 1
        state["func_evals"] += 1
        grad = self._flat_grad()
        if np.abs(grad).max() <= tolerance_grad:
            return original_loss
        memory = _Memory.from_state(state, group["history_size"])
        iteration = 0
        while iteration < max_iter:
            iteration += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                memory.reset()
                direction = -grad
            else:
                memory.remember(grad - memory.prev_grad, memory.direction * memory.t)
                direction = memory.direction_from(grad)
            memory.prev_grad = grad.copy()
            memory.prev_loss = loss
            memory.direction = direction
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(grad).sum()) * lr
            else:
                t = lr
            memory.t = t
            slope = np.dot(grad, direction)
            if slope > -tolerance_change:
                break
            searched = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                evaluate = self._directional_evaluator(closure, direction)
                loss, grad, t, searched = _strong_wolfe(evaluate, t, direction, loss, grad, slope,
                                                        max_ls=max_eval - evaluations)
                memory.t = t
                self._move(t, direction)
                converged = np.abs(grad).max() <= tolerance_grad
            else:
                self._move(t, direction)
                converged = False
                if iteration != max_iter:
                    loss, grad = self._evaluate(closure)
                    converged = np.abs(grad).max() <= tolerance_grad
                    searched = 1
            evaluations += searched
            state["func_evals"] += searched
            if iteration == max_iter or evaluations >= max_eval or converged:
                break
            if np.abs(direction * t).max() <= tolerance_change or abs(loss - memory.prev_loss) < tolerance_change:
                break
        memory.store(state)
        return original_loss


class _Memory:
    """The curvature history: step and gradient differences, their inverse products, the scaling."""

    KEYS = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss")

    def __init__(self, history_size):
        self.history_size = history_size
        self.reset()
        self.direction = self.t = self.prev_grad = self.prev_loss = None
        self.coefficients = None

    def reset(self):
        self.grad_diffs, self.steps, self.inverse_products, self.scale = [], [], [], 1

    @classmethod
    def from_state(cls, state, history_size):
        memory = cls(history_size)
        if "d" in state:
            memory.direction = _array(state["d"])
            memory.t = _array(state["t"])
            memory.grad_diffs = [_array(v) for v in state["old_dirs"]]
            memory.steps = [_array(v) for v in state["old_stps"]]
            memory.inverse_products = [_array(v) for v in state["ro"]]
            memory.scale = _array(state["H_diag"])
            memory.prev_grad = _array(state["prev_flat_grad"])
            memory.prev_loss = state["prev_loss"]
        if "al" in state:
            memory.coefficients = [None if v is None else _array(v) for v in state["al"]]
        return memory

    def remember(self, grad_diff, step):
        """Keep the pair when the curvature along it is positive, dropping the oldest beyond the history size."""
        curvature = np.dot(grad_diff, step)
        if curvature > 1e-10:
            if len(self.grad_diffs) == self.history_size:
                del self.grad_diffs[0], self.steps[0], self.inverse_products[0]
            self.grad_diffs.append(grad_diff)
            self.steps.append(step)
            self.inverse_products.append(1.0 / curvature)
            self.scale = curvature / np.dot(grad_diff, grad_diff)

    def direction_from(self, grad):
        """The two-loop recursion: the inverse-Hessian estimate applied to ``-grad``."""
        if self.coefficients is None:
            self.coefficients = [None] * self.history_size
        coefficients = self.coefficients
        q = -grad
        for i in range(len(self.grad_diffs) - 1, -1, -1):
            coefficients[i] = np.dot(self.steps[i], q) * self.inverse_products[i]
            add_scaled_(q, -coefficients[i], self.grad_diffs[i])
        r = q * self.scale
        for i in range(len(self.grad_diffs)):
            beta = np.dot(self.grad_diffs[i], r) * self.inverse_products[i]
            add_scaled_(r, coefficients[i] - beta, self.steps[i])
        return r

    def store(self, state):
        """Into ``state`` under PyTorch's names, in PyTorch's order."""
        if self.coefficients is not None:
            state["al"] = [None if v is None else _tensor(v) for v in self.coefficients]
        values = (self.direction, self.t, self.grad_diffs, self.steps, self.inverse_products, self.scale,
                  self.prev_grad, self.prev_loss)
        for key, value in zip(self.KEYS, values):
            state[key] = _tensor(value)


def _tensor(value):
    """Arrays and 0-d array scalars become tensors in the state; Python numbers and lists stay as they are."""
    if isinstance(value, list):
        return [_tensor(v) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return make_tensor(np.array(value))
    return value


def _array(value):
    if isinstance(value, list):
        return [_array(v) for v in value]
    if isinstance(value, Tensor):
        data = value._data
        return data if data.ndim else data[()]
    return value
