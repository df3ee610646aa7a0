"""First, second and third derivatives of every elementwise op agree with PyTorch's."""

import numpy as np
import pytest
import torch

import chainrule

UNARY = {  # op name -> points inside its domain
    "exp": [-1.3, 0.2, 2.0], "exp2": [-1.0, 0.5], "expm1": [-0.7, 0.3], "log": [0.3, 2.5], "log2": [0.4, 3.0],
    "log10": [0.5, 4.0], "log1p": [-0.5, 1.5], "sqrt": [0.3, 2.0], "rsqrt": [0.4, 1.7], "square": [-1.2, 0.8],
    "reciprocal": [-1.5, 0.6], "sin": [-1.0, 0.4], "cos": [-0.3, 1.1], "tan": [-0.6, 0.9], "asin": [-0.5, 0.7],
    "acos": [-0.6, 0.4], "atan": [-2.0, 0.5], "sinh": [-1.0, 0.7], "cosh": [-0.8, 1.2], "tanh": [-1.5, 0.3],
    "asinh": [-1.0, 2.0], "acosh": [1.3, 2.5], "atanh": [-0.6, 0.4], "sigmoid": [-2.0, 0.5], "logit": [0.2, 0.7],
    "erf": [-0.9, 0.4], "erfc": [-0.4, 1.1], "erfinv": [-0.5, 0.3], "abs": [-1.5, 0.7], "relu": [-1.0, 0.8],
    "neg": [-0.5, 2.0], "sign": [-1.0, 2.0], "floor": [-1.5, 0.7], "ceil": [-1.2, 0.4], "round": [-1.3, 0.6],
    "trunc": [-1.7, 0.2], "frac": [-1.4, 0.3],
}

BINARY = {
    "mul": lambda lib, a, b: a * b, "div": lambda lib, a, b: a / b, "pow": lambda lib, a, b: a ** b,
    "atan2": lambda lib, a, b: lib.atan2(a, b), "hypot": lambda lib, a, b: lib.hypot(a, b),
    "maximum": lambda lib, a, b: lib.maximum(a, b), "xlogy": lambda lib, a, b: lib.xlogy(a, b),
    "lerp": lambda lib, a, b: lib.lerp(a, b, 0.3), "fmod": lambda lib, a, b: lib.fmod(a, b),
    "copysign": lambda lib, a, b: lib.copysign(a, b),
}


def _derivatives(lib, fn, values, order=3):
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    y = fn(lib, x)
    result = []
    for _ in range(order):
        if not y.requires_grad:
            result.append(np.zeros(len(values)))
            continue
        (y,) = lib.autograd.grad(y.sum(), x, create_graph=True, allow_unused=True, materialize_grads=True)
        result.append(y.detach().numpy(force=True).copy())
    return result


def _grads_or_zeros(lib, y, inputs):
    """The gradients of ``y.sum()``, or zeros when ``y`` does not depend on ``inputs`` at all."""
    if not y.requires_grad:
        return tuple(lib.zeros_like(t) for t in inputs)
    return lib.autograd.grad(y.sum(), inputs, create_graph=True, allow_unused=True, materialize_grads=True)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_derivatives_to_third_order(name):
    def fn(lib, x):
        return getattr(lib, name)(x)

    ours = _derivatives(chainrule, fn, UNARY[name])
    theirs = _derivatives(torch, fn, UNARY[name])
    for order, (a, b) in enumerate(zip(ours, theirs), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{name}, derivative {order}")


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_mixed_derivatives_to_third_order(name):
    a_values, b_values = [0.7, 1.6], [1.3, 0.4]

    def derivatives(lib):
        a = lib.tensor(a_values, dtype=lib.float64, requires_grad=True)
        b = lib.tensor(b_values, dtype=lib.float64, requires_grad=True)
        ga, gb = _grads_or_zeros(lib, BINARY[name](lib, a, b), (a, b))
        gaa, gab = _grads_or_zeros(lib, ga, (a, b))
        (gabb,) = _grads_or_zeros(lib, gab, (b,))
        return [t.detach().numpy(force=True) for t in (ga, gb, gaa, gab, gabb)]

    for order, (x, y) in enumerate(zip(derivatives(chainrule), derivatives(torch))):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12, err_msg=f"{name}, term {order}")
