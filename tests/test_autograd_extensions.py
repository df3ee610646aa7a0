"""Custom Functions, autograd.functional, forward-mode AD, gradcheck and anomaly mode, each run on
the same program with chainrule and with PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import chainrule


def texts(value):
    if isinstance(value, (tuple, list)):
        return [texts(v) for v in value]
    return str(value).replace("chainrule.", "torch.")


def both(program):
    return texts(program(chainrule)), texts(program(torch))


def same_error(program, error=RuntimeError):
    with pytest.raises(error) as theirs:
        program(torch)
    with pytest.raises(error) as ours:
        program(chainrule)
    assert str(ours.value).replace("chainrule.", "torch.") == str(theirs.value)


# ---------------------------------------------------------------- custom Function
def _cube(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2 * ctx.k, None

    return Cube


def test_custom_function_values_names_and_double_backward():
    def program(lib):
        cube = _cube(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = cube.apply(x, 2.0)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        g.sum().backward()
        return y, type(y.grad_fn).__name__, g, x.grad

    ours, theirs = both(program)
    assert ours == theirs


def test_custom_function_setup_context_and_non_differentiable():
    def program(lib):
        class Split(lib.autograd.Function):
            @staticmethod
            def forward(t):
                return t * 2, (t > 1).long()

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.mark_non_differentiable(output[1])

            @staticmethod
            def backward(ctx, g, g_index):
                return g * 2

        t = lib.tensor([1.0, 3.0], requires_grad=True)
        value, index = Split.apply(t)
        value.sum().backward()
        return value, index, index.requires_grad, t.grad

    ours, theirs = both(program)
    assert ours == theirs


def test_custom_function_saved_tensor_modified_in_place():
    def program(lib):
        cube = _cube(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        y = cube.apply(h, 1.0)
        h.add_(1)
        y.sum().backward()

    same_error(program)


# ---------------------------------------------------------------- autograd.functional
FUNCTIONAL_PROGRAMS = [
    lambda lib, F: F.jacobian(lambda t: t.exp() * t.sum(), lib.tensor([1.0, 2.0])),
    lambda lib, F: F.jacobian(lambda a, b: (a * b, a.sum() * b), (lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0]))),
    lambda lib, F: F.hessian(lambda t: (t ** 3).sum() * t[0], lib.tensor([1.0, 2.0])),
    lambda lib, F: F.vjp(lambda t: t ** 2, lib.tensor([1.0, 2.0]), lib.tensor([1.0, -1.0])),
    lambda lib, F: F.jvp(lambda t: t.sin() * t, lib.tensor([1.0, 2.0]), lib.tensor([1.0, 0.5])),
    lambda lib, F: F.hvp(lambda t: (t ** 3).sum(), lib.tensor([1.0, 2.0]), lib.tensor([1.0, 1.0])),
    lambda lib, F: F.vhp(lambda t: (t.exp() * t).sum(), lib.tensor([1.0, 2.0]), lib.tensor([1.0, 0.0])),
    lambda lib, F: F.jacobian(lambda t: lib.ones(2), lib.tensor([1.0, 2.0])),
]


@pytest.mark.parametrize("program", FUNCTIONAL_PROGRAMS)
def test_functional_matches_torch(program):
    ours = program(chainrule, chainrule.autograd.functional)
    theirs = program(torch, torch.autograd.functional)
    flat_ours, flat_theirs = _flatten(ours), _flatten(theirs)
    assert len(flat_ours) == len(flat_theirs)
    for a, b in zip(flat_ours, flat_theirs):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [item for v in value for item in _flatten(v)]
    return [value]


def test_functional_errors():
    F = "autograd.functional"
    same_error(lambda lib: _get(lib, F).jacobian(lambda t: lib.ones(2), lib.ones(2), strict=True))
    same_error(lambda lib: _get(lib, F).hessian(lambda t: t ** 3, lib.ones(2)))
    same_error(lambda lib: _get(lib, F).vjp(lambda t: t ** 2, lib.ones(2)))
    same_error(lambda lib: _get(lib, F).vjp(lambda t: t ** 2, lib.ones(2), lib.ones(3)))
    same_error(lambda lib: _get(lib, F).jacobian(lambda t: 3.0, lib.ones(2)), TypeError)
    same_error(lambda lib: _get(lib, F).jacobian(lambda a, b: a.sum(), [lib.ones(2), lib.ones(2)]), TypeError)


def _get(lib, path):
    for part in path.split("."):
        lib = getattr(lib, part)
    return lib


# ---------------------------------------------------------------- forward mode
FORWARD_PROGRAMS = [
    lambda lib, t: t * t * 3 + t,
    lambda lib, t: (t ** 3).sum(),
    lambda lib, t: t.exp().sin() / (t + 2),
    lambda lib, t: lib.where(t > 1.5, t.sqrt(), t * 2).mean(),
    lambda lib, t: (t.reshape(2, 1) @ t.reshape(1, 2)).tanh(),
    lambda lib, t: (lib.ones(3, 1) + t) * t.double() - 2 ** t + t ** t,
    lambda lib, t: (t.sigmoid() - t.reshape(2, 1).abs()).sum(0) / t.log1p(),
]


@pytest.mark.parametrize("program", FORWARD_PROGRAMS)
def test_forward_mode_matches_torch(program):
    def run(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([1.0, -0.5]))
            out = program(lib, d)
            return fw.unpack_dual(out).tangent

    np.testing.assert_allclose(run(chainrule).numpy(), run(torch).numpy(), rtol=1e-5, atol=1e-6)


def test_forward_over_reverse_hessian_vector_product():
    def run(lib):
        fw = lib.autograd.forward_ad
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with fw.dual_level():
            d = fw.make_dual(x, lib.tensor([1.0, 0.0]))
            y = (d ** 3).sum()
            (g,) = lib.autograd.grad(y, d, create_graph=True)
            return fw.unpack_dual(g).tangent

    np.testing.assert_allclose(run(chainrule).detach().numpy(), run(torch).detach().numpy())


def test_forward_mode_errors_and_printing():
    fw = chainrule.autograd.forward_ad
    same_error(lambda lib: lib.autograd.forward_ad.make_dual(lib.ones(1), lib.ones(1)))

    def size_mismatch(lib):
        with lib.autograd.forward_ad.dual_level():
            lib.autograd.forward_ad.make_dual(lib.ones(2), lib.ones(1))

    same_error(size_mismatch)
    with fw.dual_level():
        d = fw.make_dual(chainrule.tensor(2.0), chainrule.tensor(1.0))
        assert str(d ** 3) == "tensor(8., tangent=12.0)"
    assert d._tangent is None


# ---------------------------------------------------------------- gradcheck and anomaly mode
def test_gradcheck_reports_mismatch_like_torch():
    def program(lib):
        class Wrong(lib.autograd.Function):
            @staticmethod
            def forward(ctx, t):
                ctx.save_for_backward(t)
                return t ** 2

            @staticmethod
            def backward(ctx, g):
                return g * 3

        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        ok = lib.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
        try:
            lib.autograd.gradcheck(Wrong.apply, (x,))
        except RuntimeError as error:
            return ok, str(error)

    ours, theirs = both(program)
    assert ours == theirs
    same_error(lambda lib: lib.autograd.gradcheck(lambda t: t * 2, (lib.ones(2),)), ValueError)


def test_gradcheck_fast_mode_and_gradgradcheck():
    x = chainrule.tensor([0.5, 1.5, 2.0], dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(lambda t: (t.exp() * t).sum(0), (x,), fast_mode=True)
    assert chainrule.autograd.gradgradcheck(lambda t: (t ** 3).sum() * t, (x,))


def test_anomaly_mode_names_node_and_user_line():
    x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with chainrule.autograd.detect_anomaly():
            y = x.sqrt()
            with pytest.raises(RuntimeError) as error:
                (y * 0).sum().backward()
    message = str(error.value)
    assert message.startswith(("Function 'MulBackward0' returned nan values in its 0th output.",
                               "Function 'SqrtBackward0' returned nan values in its 0th output."))
    assert "test_autograd_extensions.py" in error.value.__notes__[0]


# ---------------------------------------------------------------- saved-tensor hooks and checkpointing
def test_saved_tensors_hooks_see_every_saved_tensor():
    def program(lib):
        packed = []

        def pack(t):
            packed.append(tuple(t.shape))
            return t * 1

        def unpack(t):
            return t

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = (x * x).exp().sum()
        y.backward()
        return packed, x.grad

    ours, theirs = both(program)
    assert ours == theirs


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_matches_direct_gradients(use_reentrant):
    def program(lib):
        import importlib

        checkpoint = importlib.import_module(lib.__name__ + ".utils.checkpoint").checkpoint
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0], requires_grad=True)

        def block(t):
            return ((t * w).exp() + 1) ** 2

        y = checkpoint(block, x, use_reentrant=use_reentrant)
        y.sum().backward()
        return y, type(y.grad_fn).__name__, x.grad, w.grad

    ours, theirs = both(program)
    assert ours == theirs


def test_checkpoint_without_use_reentrant_warns():
    from chainrule.utils.checkpoint import checkpoint

    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda t: t * 2, chainrule.ones(1, requires_grad=True))


# ---------------------------------------------------------------- memory stays flat
@pytest.mark.parametrize("create_graph", [False, True])
def test_training_loop_memory_is_flat(create_graph):
    import tracemalloc

    w = chainrule.tensor([0.5, -0.3, 0.2], requires_grad=True)
    x = chainrule.tensor([1.0, 2.0, 3.0])

    def step():
        loss = ((w * x).sum() - 1.0) ** 2
        if create_graph:
            (g,) = chainrule.autograd.grad(loss, w, create_graph=True)
            (g * g).sum().backward()
        else:
            loss.backward()
        with chainrule.no_grad():
            w.sub_(0.001 * w.grad)
        w.grad = None

    for _ in range(200):
        step()
    tracemalloc.start()
    for _ in range(2000):
        step()
    middle, _ = tracemalloc.get_traced_memory()
    for _ in range(8000):
        step()
    end, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert end - middle < 64 * 1024, f"memory grew by {end - middle} bytes over 8000 steps"


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class WrongSecondOrder(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x.detach() ** 2  # right first derivative, no second

    x = chainrule.tensor([1.0, 2.0], dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(WrongSecondOrder.apply, (x,))
    assert not chainrule.autograd.gradgradcheck(WrongSecondOrder.apply, (x,), raise_exception=False)


def test_batched_grads_and_custom_function_jvp():
    def program(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (batched,) = lib.autograd.grad(x ** 2, x, lib.eye(3), is_grads_batched=True)

        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, t):
                ctx.t = t
                return t ** 3

            @staticmethod
            def backward(ctx, g):
                return g * 3 * ctx.t ** 2

            @staticmethod
            def jvp(ctx, tangent):
                return 3 * ctx.t ** 2 * tangent

        fw = lib.autograd.forward_ad
        with fw.dual_level():
            dual = fw.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([1.0, -1.0]))
            tangent = fw.unpack_dual(Cube.apply(dual)).tangent
        return batched, tangent

    ours, theirs = both(program)
    assert ours == theirs
