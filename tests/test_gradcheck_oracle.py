"""gradcheck and gradgradcheck are the op table's oracle: each must catch a wrong derivative wherever it is.

A function of three inputs and two outputs gets one wrong Jacobian block at a time (every output, every
input, a block that should be zero, a gradient left out); gradcheck must fail on each, in both modes, and
name the same block as PyTorch. gradgradcheck must catch a second derivative that is wrong for one input
only.
"""

import itertools

import pytest
import torch

import chainrule

# d output i / d input j of (a * b + c, sin(a) * c), written per block so one block can be spoiled.
BLOCKS = {
    (0, 0): lambda a, b, c: b, (0, 1): lambda a, b, c: a, (0, 2): lambda a, b, c: a * 0 + 1,
    (1, 0): lambda a, b, c: a.cos() * c, (1, 1): lambda a, b, c: a * 0, (1, 2): lambda a, b, c: a.sin(),
}


def _function(lib, wrong=None, dropped=None):
    """``(a * b + c, sin(a) * c)``; its backward adds 0.5 to block ``wrong``, or gives input ``dropped`` None."""
    class TwoOutputs(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, scale, b, c):
            ctx.save_for_backward(a, b, c)
            return a * b + c * scale, a.sin() * c * scale

        @staticmethod
        def backward(ctx, g0, g1):
            a, b, c = ctx.saved_tensors
            grads = []
            for j in range(3):
                total = 0
                for i, g in enumerate((g0, g1)):
                    block = BLOCKS[i, j](a, b, c)
                    if (i, j) == wrong:
                        block = block + 0.5
                    total = total + g * block
                grads.append(None if j == dropped else total)
            return grads[0], None, grads[1], grads[2]

    return TwoOutputs.apply


def _inputs(lib):
    a = lib.tensor([0.3, -1.2], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([2.0, 0.7], dtype=lib.float64, requires_grad=True)
    c = lib.tensor([-0.4, 1.1], dtype=lib.float64, requires_grad=True)
    return a, 1.0, b, c  # a plain number among the inputs: messages number only the inputs that require grad


def _verdict(lib, fn, fast_mode):
    try:
        lib.autograd.gradcheck(fn, _inputs(lib), fast_mode=fast_mode)
    except RuntimeError as error:
        return str(error).splitlines()[0]
    return "passed"


@pytest.mark.parametrize("fast_mode", [False, True], ids=["slow", "fast"])
def test_a_right_jacobian_passes(fast_mode):
    assert chainrule.autograd.gradcheck(_function(chainrule), _inputs(chainrule), fast_mode=fast_mode)


@pytest.mark.parametrize("block", list(BLOCKS), ids=lambda b: f"output{b[0]}-input{b[1]}")
def test_every_wrong_block_is_caught_and_named_like_pytorch(block):
    ours = _verdict(chainrule, _function(chainrule, wrong=block), fast_mode=False)
    theirs = _verdict(torch, _function(torch, wrong=block), fast_mode=False)
    assert theirs != "passed"
    assert ours == theirs
    assert not chainrule.autograd.gradcheck(_function(chainrule, wrong=block), _inputs(chainrule),
                                            raise_exception=False)


@pytest.mark.parametrize("block", list(BLOCKS), ids=lambda b: f"output{b[0]}-input{b[1]}")
def test_fast_mode_catches_every_wrong_block(block):
    assert _verdict(chainrule, _function(chainrule, wrong=block), fast_mode=True) != "passed"
    assert _verdict(torch, _function(torch, wrong=block), fast_mode=True) != "passed"


@pytest.mark.parametrize("dropped", [0, 1, 2], ids=["a", "b", "c"])
@pytest.mark.parametrize("fast_mode", [False, True], ids=["slow", "fast"])
def test_a_missing_gradient_where_the_true_one_is_not_zero_fails(dropped, fast_mode):
    ours = _verdict(chainrule, _function(chainrule, dropped=dropped), fast_mode)
    theirs = _verdict(torch, _function(torch, dropped=dropped), fast_mode)
    assert theirs != "passed"
    assert ours != "passed"
    if not fast_mode:
        assert ours == theirs


def _first_order_only(lib, frozen):
    """``(a * b, b * c * c)`` with a right first derivative whose graph ignores input ``frozen``."""
    class Product(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, c):
            ctx.save_for_backward(a, b, c)
            return a * b, b * c * c

        @staticmethod
        def backward(ctx, g0, g1):
            saved = list(ctx.saved_tensors)
            if frozen is not None:
                saved[frozen] = saved[frozen].detach()
            a, b, c = saved
            return g0 * b, g0 * a + g1 * c * c, g1 * 2 * b * c

    return Product.apply


def _three(lib):
    return tuple(lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in ([0.5, -1.0], [1.5, 2.0], [-0.7, 0.3]))


@pytest.mark.parametrize("frozen", [None, 0, 1, 2], ids=["right", "a", "b", "c"])
def test_gradgradcheck_catches_a_second_derivative_wrong_for_one_input(frozen):
    results = []
    for lib in (chainrule, torch):
        fn = _first_order_only(lib, frozen)
        first = lib.autograd.gradcheck(fn, _three(lib))
        second = lib.autograd.gradgradcheck(fn, _three(lib), raise_exception=False)
        results.append((first, second))
    assert results[0] == results[1] == (True, frozen is None)


@pytest.mark.parametrize("output,seed", list(itertools.product([0, 1], [[1.0, -2.0], [0.0, 0.0]])))
def test_gradgradcheck_with_given_grad_outputs(output, seed):
    """Given grad_outputs: a wrong second derivative reached only through one output is still caught,
    unless that output's seed is zero (then it contributes nothing, for PyTorch too)."""
    results = []
    for lib in (chainrule, torch):
        fn = _first_order_only(lib, frozen=2 if output == 1 else 1)
        seeds = [lib.tensor([0.0, 0.0], dtype=lib.float64, requires_grad=True) for _ in range(2)]
        seeds[output] = lib.tensor(seed, dtype=lib.float64, requires_grad=True)
        results.append(lib.autograd.gradgradcheck(fn, _three(lib), tuple(seeds), raise_exception=False))
    assert results[0] == results[1]
