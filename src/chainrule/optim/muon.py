"""Muon: momentum SGD whose update for each 2-d weight is orthogonalised, its singular values pushed towards
one by a few Newton–Schulz iterations run in bfloat16 (Keller Jordan's quintic coefficients by default).

Each step, as PyTorch 2.13 takes it: the momentum buffer moves towards the gradient (``lerp``), the update is
the buffer (or, with Nesterov, the gradient moved towards the buffer), orthogonalised; the weight is decayed
by ``1 - lr * weight_decay`` and moved by ``-lr * ratio`` times the update, where ``ratio`` is
``sqrt(max(1, rows / cols))`` ("original") or ``0.2 * sqrt(max(rows, cols))`` ("match_rms_adamw").
"""

import math

from .._array import namespace_of
from .._tensor import make_tensor
from .optimizer import Optimizer, zeros_state

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _bfloat16(xp, x):
    """float32 values rounded to bfloat16's 8-bit mantissa (nearest, ties to even), kept as float32."""
    bits = x.astype(xp.float32).view(xp.uint32)
    bits = (bits + xp.uint32(0x7FFF) + ((bits >> 16) & xp.uint32(1))) & xp.uint32(0xFFFF0000)
    return bits.view(xp.float32)


def _orthogonalized(update, ns_coefficients, ns_steps, eps):
    """``update`` with its singular values brought near one: Newton–Schulz iterations on the wide orientation
    of the matrix (the Gram matrix is the smaller one). PyTorch runs them in bfloat16; chainrule has no
    bfloat16 tensors, so each step is computed in float32 and rounded to bfloat16, as PyTorch's kernels
    accumulate in float32 and round each result once."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if update.dim() != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (float(value) for value in ns_coefficients)
    data = update._data
    xp = namespace_of(data)
    tall = data.shape[0] > data.shape[1]
    x = _bfloat16(xp, data)
    if tall:
        x = x.T
    norm = _bfloat16(xp, xp.sqrt((x * x).sum(dtype=xp.float32)).astype(xp.float32))
    x = _bfloat16(xp, x / max(float(norm), _bfloat16(xp, xp.asarray(eps, dtype=xp.float32)).item()))
    for _ in range(ns_steps):
        gram = _bfloat16(xp, x @ x.T)
        polynomial = _bfloat16(xp, xp.float32(b) * gram + xp.float32(c) * (gram @ gram))
        x = _bfloat16(xp, xp.float32(a) * x + polynomial @ x)
    return make_tensor((x.T if tall else x).astype(data.dtype))


def _lr_ratio(adjust_lr_fn, shape):
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return 0.2 * math.sqrt(max(rows, cols))
    return 1.0


class Muon(Optimizer):
    _complex_as_real = False  # it refuses complex parameters, as PyTorch's does

    """Orthogonalised momentum for 2-d parameters (use another optimizer for biases and embeddings)."""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS, ns_steps=DEFAULT_NS_STEPS,
                 adjust_lr_fn=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                if param.dim() != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{param.size()}")

    def _update_group(self, group):
        lr = float(group["lr"])
        momentum = group["momentum"]
        for param in group["params"]:
            if param._grad is None:
                continue
            if param.is_complex():
                raise RuntimeError("Muon does not support complex parameters")
            grad = param._grad
            if grad.dim() != 2:
                raise ValueError("Param gradient must be a 2D matrix")
            state = self.state[param]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = zeros_state(grad)
            buffer = state["momentum_buffer"]
            buffer.lerp_(grad, 1 - momentum)
            update = grad.lerp(buffer, momentum) if group["nesterov"] else buffer
            update = _orthogonalized(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
            param.mul_(1 - lr * group["weight_decay"])
            param.add_(update, alpha=-lr * _lr_ratio(group["adjust_lr_fn"], param.shape))


