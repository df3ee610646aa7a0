"""Custom ``autograd.Function``s beyond what the op table's generic tests check, each against PyTorch.

The op table (``tests/op_db/custom_functions.py``) compares the Functions' values, gradients and grad_fn
names with PyTorch's and checks their first and second derivatives by finite differences. Here: the
Functions with a ``jvp`` in forward mode, and what only a whole program shows: the second derivative
through a saved second output, ``mark_dirty``'s versions, aliases and refusals, which gradients reach
a backward with ``set_materialize_grads``, and ``once_differentiable`` under ``create_graph``.
"""

import numpy as np
import pytest
import torch
from op_db import all_ops
from op_db.custom_functions import _functions
from test_ops import SEED, _convert, _numpy, _outputs

import chainrule


def _texts(value):
    if isinstance(value, (tuple, list)):
        return [_texts(v) for v in value]
    return str(value).replace("chainrule.", "torch.")


def _same_result(program):
    assert _texts(program(chainrule)) == _texts(program(torch))


def _same_error(program, error=RuntimeError):
    with pytest.raises(error) as theirs:
        program(torch)
    with pytest.raises(error) as ours:
        program(chainrule)
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------- a saved output other than the first
def test_second_derivative_through_a_saved_second_output_is_pytorchs():
    """The program that found the bug: its backward reads its second output, so the create_graph gradient
    depends on that output, whose own gradient (5, not the first output's 3) must flow back."""
    def program(lib):
        class F2(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                b = x * 3
                ctx.save_for_backward(b)
                return x * 2, b

            @staticmethod
            def backward(ctx, ga, gb):
                (b,) = ctx.saved_tensors
                return ga * b + gb * 5

        x = lib.tensor([1.0], requires_grad=True)
        (g,) = lib.autograd.grad(F2.apply(x)[0].sum(), x, create_graph=True)
        return g, lib.autograd.grad(g, x)

    _same_result(program)
    assert str(program(chainrule)[1]) == "(tensor([5.]),)"


# ---------------------------------------------------------------- forward mode through jvp
def _with_jvp():
    for op in all_ops():
        kind = op.name.split(".")[1] if op.name.startswith("Function.") else None
        if kind and "jvp" in vars(_functions(chainrule)[kind]):
            rng = np.random.default_rng(SEED)
            for i, sample in enumerate(op.samples(rng)):
                yield pytest.param(op, sample, id=f"{op.name}-{i}-{sample.name}")


def _tangents(module, op, sample, dual_positions):
    fw = module.autograd.forward_ad
    args = _convert(module, op, sample, np.float64, False)
    rng = np.random.default_rng(SEED + 1)
    tangents = {i: module.tensor(rng.standard_normal(tuple(args[i].shape))) for i in dual_positions}
    with fw.dual_level():
        duals = [fw.make_dual(a, tangents[i]) if i in tangents else a for i, a in enumerate(args)]
        outputs = _outputs(op.call(module, *duals, **sample.kwargs))
        return [_numpy(fw.unpack_dual(o).tangent) for o in outputs]


@pytest.mark.parametrize("op,sample", list(_with_jvp()))
def test_forward_mode_through_jvp_matches_torch(op, sample):
    """Every tensor input dual, then only the first: the others' tangents reach jvp as zeros."""
    tensors = [i for i, a in enumerate(sample.args) if isinstance(a, np.ndarray)]
    for dual_positions in (tensors, tensors[:1]):
        ours = _tangents(chainrule, op, sample, dual_positions)
        theirs = _tangents(torch, op, sample, dual_positions)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _forward_saved(lib, materialize=True, save_for_backward=True):
    """A Function saving different tensors for backward and for jvp, and what each of them saw."""
    seen = []

    class Product(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, scale):
            ctx.set_materialize_grads(materialize)
            if save_for_backward:
                ctx.save_for_backward(x)
            ctx.save_for_forward(y, x * 10)
            return x * y * scale

        @staticmethod
        def backward(ctx, grad):
            seen.append(("backward", ctx.saved_tensors))
            (x,) = ctx.saved_tensors
            return grad * 2, grad * x, None

        @staticmethod
        def jvp(ctx, tangent_x, tangent_y, tangent_scale):
            seen.append(("jvp", ctx.saved_tensors, tangent_y, tangent_scale))
            return tangent_x * ctx.saved_tensors[0]

    fw = lib.autograd.forward_ad
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with fw.dual_level():
        dual = fw.make_dual(x, lib.tensor([1.0, -1.0]))
        out = Product.apply(dual, lib.tensor([3.0, 4.0]), 2.0)
        tangent = fw.unpack_dual(out).tangent
    out.sum().backward()
    return tangent, seen, x.grad


@pytest.mark.parametrize("materialize", [True, False])
def test_jvp_sees_what_save_for_forward_kept_and_backward_what_save_for_backward_kept(materialize):
    _same_result(lambda lib: _forward_saved(lib, materialize))


def test_saved_for_forward_only_leaves_backward_nothing():
    _same_error(lambda lib: _forward_saved(lib, save_for_backward=False), ValueError)


# ---------------------------------------------------------------- mark_dirty
def _doubling(lib, outputs=1, returned=True):
    class DoubleInPlace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, *others):
            x.mul_(2)
            ctx.mark_dirty(x)
            if not returned:
                return x * 1
            return x if outputs == 1 else (x, x * 3)

        @staticmethod
        def backward(ctx, grad, *grads):
            return (grad * 2 + sum(g * 6 for g in grads),) + (None,) * (len(ctx.needs_input_grad) - 1)

    return DoubleInPlace


def test_dirty_tensor_is_the_output_with_its_version_moved_on():
    def program(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        before = h._version
        y = _doubling(lib).apply(h)
        y.sum().backward()
        return y is h, h._version - before, type(h.grad_fn).__name__, y, x.grad

    _same_result(program)


def test_dirty_input_that_needs_no_grad_takes_the_functions_history():
    def program(lib):
        plain, weight = lib.ones(3), lib.ones(3, requires_grad=True)
        y = _doubling(lib).apply(plain, weight)
        return y is plain, y.requires_grad, type(y.grad_fn).__name__, plain._version

    _same_result(program)


def test_dirty_tensor_outside_recording_is_returned_as_a_plain_alias():
    def program(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with lib.no_grad():
            y = _doubling(lib).apply(x)
        return y is x, y.requires_grad, y, x._version

    _same_result(program)


def test_dirty_view_rebases_its_base_through_copy_slices():
    def program(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 1
        y = _doubling(lib).apply(h[1:])
        names = (type(y.grad_fn).__name__, type(h.grad_fn).__name__,
                 [type(n).__name__ for n, _ in h.grad_fn.next_functions], h._version)
        through_base = lib.autograd.grad(h.sum(), x, retain_graph=True)
        through_view = lib.autograd.grad((y * lib.tensor([5.0, 7.0])).sum(), x)
        return names, h, through_base, through_view

    _same_result(program)


@pytest.mark.parametrize("case", ["leaf", "view of leaf", "not returned", "view with two outputs"])
def test_mark_dirty_refusals_are_pytorchs(case):
    def program(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        if case == "leaf":
            return _doubling(lib).apply(x)
        if case == "view of leaf":
            return _doubling(lib).apply(x[1:])
        if case == "not returned":
            return _doubling(lib, returned=False).apply(x * 1)
        return _doubling(lib, outputs=2).apply((x * 1)[1:])

    _same_error(program)


# ---------------------------------------------------------------- which gradients reach backward
@pytest.mark.parametrize("materialize", [True, False])
def test_gradients_reaching_backward_follow_set_materialize_grads(materialize):
    def program(lib):
        seen = []

        class SinCos(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x.sin(), x.cos()

            @staticmethod
            def backward(ctx, grad_sin, grad_cos):
                seen.append([g if g is None else g.tolist() for g in (grad_sin, grad_cos)])
                return grad_sin

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        sin, _ = SinCos.apply(x)
        sin.sum().backward()
        return x.grad, seen

    _same_result(program)


def test_once_differentiable_refuses_a_second_derivative_as_pytorch_does():
    def program(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x ** 2

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (g,) = lib.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        assert not g.requires_grad
        g.sum().backward()

    _same_error(program)


# ---------------------------------------------------------------- what may be saved
def _saving(lib, saved, for_forward=False):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            (ctx.save_for_forward if for_forward else ctx.save_for_backward)(x, saved, None)
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    return Double


@pytest.mark.parametrize("saved", ["a", [1.0], 2.0])
def test_saving_what_is_not_a_tensor_is_refused_as_pytorch_does(saved):
    _same_error(lambda lib: _saving(lib, saved).apply(lib.ones(2, requires_grad=True)), TypeError)
    _same_result(lambda lib: _saving(lib, saved).apply(lib.ones(2)))  # not recording: nothing is checked
    _same_error(lambda lib: _saving(lib, saved, for_forward=True).apply(lib.ones(2)), AssertionError)
