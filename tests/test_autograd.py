"""The engine and its API: backward, autograd.grad, accumulation, freeing, hooks, grad_fn graphs,
errors — compared with PyTorch running the same program."""

import gc
import warnings
import weakref

import numpy as np
import pytest
import torch

import chainrule


def same_text(ours, theirs):
    assert str(ours).replace("chainrule.", "torch.") == str(theirs)


def both(program):
    """Run ``program(lib)`` with chainrule and with torch; return both results."""
    return program(chainrule), program(torch)


def same_error(program, error=RuntimeError):
    with pytest.raises(error) as theirs:
        program(torch)
    with pytest.raises(error) as ours:
        program(chainrule)
    assert str(ours.value).replace("chainrule.", "torch.") == str(theirs.value)


# ---------------------------------------------------------------- the seed walkthrough
def test_seed_polynomial():
    def program(lib):
        x = lib.tensor(2.0, requires_grad=True)
        y = 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1
        text = str(y)
        y.backward()
        return text, str(x.grad)

    ours, theirs = both(program)
    assert ours == theirs == ("tensor(63., grad_fn=<AddBackward0>)", "tensor(93.)")


def test_seed_mean():
    def program(lib):
        x = lib.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
        y = 3 * x + 2
        z = 2 * y ** 2
        out = z.mean()
        out.backward()
        return [str(t) for t in (y, z, out, x.grad)]

    ours, theirs = both(program)
    assert ours == theirs


def _tree(node, depth=0):
    """The grad_fn tree as indented names (iterative, so deep graphs are fine)."""
    lines, stack = [], [(node, 0)]
    while stack:
        current, level = stack.pop()
        lines.append("  " * level + (type(current).__name__ if current is not None else "None"))
        if current is not None:
            stack.extend((n, level + 1) for n, _ in reversed(current.next_functions))
    return lines


@pytest.mark.parametrize("expression", [
    lambda lib, x, w, c: 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1,
    lambda lib, x, w, c: x * 2, lambda lib, x, w, c: c * x, lambda lib, x, w, c: 2 / x,
    lambda lib, x, w, c: 2 - x, lambda lib, x, w, c: x - 2, lambda lib, x, w, c: 2 ** x,
    lambda lib, x, w, c: x ** w, lambda lib, x, w, c: lib.where(x > 1, x, c),
    lambda lib, x, w, c: (x * w).sum(0).mean(), lambda lib, x, w, c: x.t()[0].exp(),
    lambda lib, x, w, c: x.reshape(-1).sigmoid() @ w.reshape(-1).tanh(),
    lambda lib, x, w, c: x.view(3, 2).T.unsqueeze(0).squeeze().flatten().relu(),
])
def test_graph_structure_matches_torch(expression):
    def program(lib):
        x = lib.tensor([[1.0, 2, 3], [4, 5, 6]], requires_grad=True)
        w = lib.tensor([[2.0, 1, 1], [1, 2, 1]], requires_grad=True)
        c = lib.ones(2, 3)
        return _tree(expression(lib, x, w, c).grad_fn)

    ours, theirs = both(program)
    assert ours == theirs


def test_node_introspection():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    assert y.grad_fn.name() == "MulBackward0"
    leaf_node = y.grad_fn.next_functions[0][0]
    assert leaf_node.name() == "torch::autograd::AccumulateGrad" and leaf_node.variable is x
    assert y.grad_fn.next_functions[1] == (None, 0)
    assert y.grad_fn._saved_self is x and y.grad_fn._saved_other == 3
    assert repr(y.grad_fn).startswith("<MulBackward0 object at 0x")
    assert isinstance(y.grad_fn.metadata, dict)


# ---------------------------------------------------------------- backward semantics
def test_gradients_accumulate_and_reset():
    def program(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        out = []
        for _ in range(2):
            (x * x).sum().backward()
            out.append(str(x.grad))
        x.grad = None
        (x * 3).sum().backward()
        out.append(str(x.grad))
        x.grad.zero_()
        out.append(str(x.grad))
        return out

    ours, theirs = both(program)
    assert ours == theirs


def test_backward_with_gradient_and_dtypes():
    def program(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward(lib.tensor([1.0, 0.5], dtype=lib.float64))
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = lib.tensor([[1.0], [2.0]], requires_grad=True)
        s = lib.tensor(3.0, requires_grad=True)
        (a * b * s).sum().backward()
        d = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        (d.float() * lib.ones(2)).sum().backward()
        return [str(t) for t in (x.grad, a.grad, b.grad, s.grad, d.grad, d.grad.dtype)]

    ours, theirs = both(program)
    assert [o.replace("chainrule.", "torch.") for o in ours] == theirs


def test_one_element_outputs_need_no_gradient():
    for shape in [(), (1,), (1, 1)]:
        x = chainrule.ones(shape, requires_grad=True)
        (x * 2).backward()
        assert x.grad.tolist() == np.full(shape, 2.0).tolist()
    leaf = chainrule.tensor(5.0, requires_grad=True)
    leaf.backward()
    same_text(leaf.grad, torch.tensor(1.0))


def test_released_graph():
    def twice(op):
        def program(lib):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            y = op(x).sum()
            y.backward()
            y.backward()
            return str(x.grad)

        return program

    for reusable in (lambda x: x + 3, lambda x: 3 - x, lambda x: -x, lambda x: x.view(2), lambda x: x.expand(2, 2)):
        ours, theirs = both(twice(reusable))
        assert ours == theirs
    for freed in (lambda x: x * 3, lambda x: x / 3, lambda x: x ** 2, lambda x: x.relu(), lambda x: x.exp()):
        same_error(twice(freed))

    def retained(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return str(x.grad)

    ours, theirs = both(retained)
    assert ours == theirs

    def saved_after_free(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.sum().backward()
        return y.grad_fn._saved_self

    same_error(saved_after_free)


# Reading h.grad: both libraries note that a non-leaf's .grad is usually empty (here inputs= fills it).
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf Tensor:UserWarning")
def test_backward_inputs_limits_accumulation():
    def program(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        h = a * b
        (h * h).sum().backward(inputs=[a, h])
        return str(a.grad), str(b.grad), str(h.grad)

    ours, theirs = both(program)
    assert ours == theirs
    same_error(lambda lib: lib.ones(1, requires_grad=True).sum().backward(inputs=[]))


def test_autograd_backward_sums_several_outputs():
    def program(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        lib.autograd.backward([a * b, (a ** 2).sum()], [lib.ones(2), lib.tensor(2.0)])
        return str(a.grad), str(b.grad)

    ours, theirs = both(program)
    assert ours == theirs


def test_autograd_grad():
    def program(lib):
        x = lib.tensor(2.0, requires_grad=True)
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x ** 3 * w
        first = lib.autograd.grad(y.sum(), x, retain_graph=True)
        mid = w * 2
        second = lib.autograd.grad((mid * x).sum(), [mid, w], retain_graph=True)
        unused = lib.autograd.grad(y.sum(), [x, lib.ones(1, requires_grad=True)], allow_unused=True)
        zeros = lib.autograd.grad((w * 2).sum(), [x, w], materialize_grads=True)
        return [str(v) for v in (first, second, unused, zeros, x.grad)]

    ours, theirs = both(program)
    assert ours == theirs


def test_autograd_grad_errors():
    same_error(lambda lib: lib.autograd.grad((lib.ones(2, requires_grad=True) * 2), lib.ones(2)))
    same_error(lambda lib: lib.autograd.grad(lib.ones(2, requires_grad=True) * 2,
                                             lib.ones(2, requires_grad=True)))

    def unused(lib):
        x, z = lib.ones(1, requires_grad=True), lib.ones(1, requires_grad=True)
        return lib.autograd.grad((x * 2).sum(), [x, z])

    same_error(unused)

    def materialize(lib):
        x = lib.ones(1, requires_grad=True)
        return lib.autograd.grad((x * 2).sum(), [x], materialize_grads=True, allow_unused=False)

    same_error(materialize, ValueError)


@pytest.mark.parametrize("case", ["non-scalar", "no grad", "int result", "bad shape", "0-d shape", "float gradient"])
def test_backward_errors(case):
    def program(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        if case == "non-scalar":
            (x * 2).backward()
        elif case == "no grad":
            lib.ones(2).sum().backward()
        elif case == "int result":
            (x > 1).sum().backward()
        elif case == "bad shape":
            (x * 2).backward(lib.ones(3))
        elif case == "0-d shape":
            (x * 2).sum().backward(lib.ones(1))
        else:
            (x * 2).sum().backward(1.0)

    same_error(program, TypeError if case == "float gradient" else RuntimeError)


def test_requires_grad_rules():
    for program in (
        lambda lib: lib.tensor([1, 2], requires_grad=True),
        lambda lib: lib.zeros(2, dtype=lib.int64, requires_grad=True),
        lambda lib: lib.arange(3, requires_grad=True),
        lambda lib: lib.tensor([1, 2]).requires_grad_(),
        lambda lib: setattr(lib.tensor([1, 2]), "requires_grad", True),
        lambda lib: (lib.ones(2, requires_grad=True) * 2).requires_grad_(False),
        lambda lib: lib.ones(2).retain_grad(),
        lambda lib: lib.ones(2).register_hook(print),
    ):
        same_error(program)
    same_error(lambda lib: lib.ones(2).requires_grad_(1), TypeError)
    x = chainrule.ones(2)
    assert x.requires_grad_() is x and x.is_leaf and (x * 2).is_leaf is False
    assert (chainrule.ones(2) * 3).is_leaf and not (x > 0).requires_grad


def test_grad_setter_checks():
    same_error(lambda lib: setattr(lib.ones(2, requires_grad=True), "grad", lib.ones(3)))
    same_error(lambda lib: setattr(lib.ones(2, requires_grad=True), "grad", lib.ones(2, dtype=lib.int64)))
    same_error(lambda lib: setattr(lib.ones(2, requires_grad=True), "grad", [1.0, 2.0]), TypeError)


def test_non_leaf_grad_warns_and_retain_grad():
    def program(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert y.grad is None
        message = str(caught[0].message).split(" (Triggered")[0]
        z = x * 3
        z.register_hook(lambda g: g * 10)
        z.retain_grad()
        (z * z).sum().backward()
        return message, str(z.grad), z.retains_grad, str(x.grad)

    ours, theirs = both(program)
    assert ours == theirs


def test_hooks_modify_gradients():
    def program(lib):
        x = lib.tensor(3.0, requires_grad=True)
        y = x ** 2
        y.register_hook(lambda g: g * 0.5)
        calls = []
        handle = x.register_hook(lambda g: calls.append(str(g)))
        x.register_post_accumulate_grad_hook(lambda t: calls.append("post " + str(t.grad)))
        (y * 4).backward()
        handle.remove()
        return str(x.grad), calls

    ours, theirs = both(program)
    assert ours == theirs

    def bad_size(lib):
        x = lib.ones(2, requires_grad=True)

        def bad_size_hook(grad):
            return lib.ones(3)

        x.register_hook(bad_size_hook)
        (x * 2).sum().backward()

    same_error(bad_size)


def test_node_hooks():
    def program(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        seen = []
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(str(grad_inputs)))
        y.grad_fn.register_prehook(lambda grad_outputs: seen.append(str(grad_outputs)))
        y.sum().backward()
        return seen

    ours, theirs = both(program)
    assert ours == theirs


def test_higher_order():
    def program(lib):
        x = lib.tensor(2.0, requires_grad=True)
        y = x ** 4
        out = []
        g = y
        for _ in range(3):
            (g,) = lib.autograd.grad(g, x, create_graph=True)
            out.append(str(g))
        (g,) = lib.autograd.grad(g, x)
        out.append(str(g))
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (gw,) = lib.autograd.grad((w ** 3).sum(), w, create_graph=True)
        gw.sum().backward()
        out.append(str(w.grad))
        return out

    ours, theirs = both(program)
    assert ours == theirs


def test_detach_and_data():
    def program(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        d = y.detach()
        d2 = x.data
        return str(d), d.requires_grad, d.is_leaf, str(d2), d2.requires_grad

    ours, theirs = both(program)
    assert ours == theirs
    x = chainrule.ones(2, requires_grad=True)
    y = x * 1
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_inplace_version_errors():
    def modified(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = a.exp()
        b.mul_(2)
        b.sum().backward()

    same_error(modified)

    def input_modified(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = a + 0
        c = b * b
        b.mul_(2)
        c.sum().backward()

    same_error(input_modified)
    same_error(lambda lib: lib.ones(2, requires_grad=True).add_(1))

    def fine(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        b = x * 1
        c = b + b
        b.add_(1)
        c.sum().backward()
        return str(x.grad), b._version

    ours, theirs = both(fine)
    assert ours == theirs


def test_no_grad_updates_keep_leaves():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with chainrule.no_grad():
        w -= 0.1 * w.grad
    assert w.is_leaf and w.grad_fn is None and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6])


# ---------------------------------------------------------------- scale and memory
def test_backward_through_a_million_ops():
    x = chainrule.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_graph_is_freed_without_the_cycle_collector():
    gc.disable()
    try:
        x = chainrule.ones(3, requires_grad=True)
        y = (x * 2).exp()
        z = y.sum()
        probe_tensor, probe_node = weakref.ref(y), weakref.ref(y.grad_fn)
        z.backward()
        del y, z
        assert probe_tensor() is None and probe_node() is None
        w = (x * 3).exp()
        probe = weakref.ref(w.grad_fn)
        (g,) = chainrule.autograd.grad(w.sum(), x, create_graph=True)
        del w, g
        assert probe() is None
    finally:
        gc.enable()


def test_errors_teach_without_changing_pytorch_text():
    with pytest.raises(RuntimeError) as error:
        (chainrule.ones(2, requires_grad=True) * 2).backward()
    assert str(error.value) == "grad can be implicitly created only for scalar outputs"
    assert "y.sum().backward()" in error.value.__notes__[0]
    with pytest.raises(RuntimeError) as error:
        chainrule.tensor([1, 2], requires_grad=True)
    assert "float" in error.value.__notes__[0]
    with pytest.raises(RuntimeError) as error:
        chainrule.ones(2, 3) + chainrule.ones(3, 2)
    assert error.value.__notes__[0].startswith("Hint: shapes are matched from the last dimension")


@pytest.mark.parametrize("how", ["copy_", "setitem", "setitem_broadcast"])
def test_overwritten_history_gets_zero_gradients_like_torch(how):
    """``x.copy_(v)`` and ``x[...] = v`` cut ``x``'s earlier history off: it gets zeros, not None."""
    def program(lib):
        a = lib.ones(3, requires_grad=True)
        v = lib.full((1, 3) if how == "setitem_broadcast" else (3,), 2.0, requires_grad=True)
        x = a * 1
        if how == "copy_":
            x.copy_(v)
        else:
            x[...] = v
        (x * lib.arange(3.0)).sum().backward()
        return a.grad, v.grad, type(x.grad_fn).__name__

    ours, theirs = both(program)
    for a, b in zip(ours[:2], theirs[:2]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert ours[2] == theirs[2]
