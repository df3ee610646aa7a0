"""Saved tensors, saved-tensor hooks and leaf accumulation in detail, against PyTorch.

What a node keeps for backward (and what a pack hook is handed), how ``saved_tensors_hooks`` blocks nest
and close, the message naming a modified saved tensor, and how gradients accumulate into ``.grad`` (with and
without ``create_graph``, its version counter, when a leaf's hooks fire among the others).
"""

import warnings

import pytest
import torch

import chainrule


def _message(error):
    return str(error).replace("chainrule.", "torch.").split(" Hint:")[0]


@pytest.mark.parametrize("make", [
    lambda m, x: (x * 1).exp(),                          # ExpBackward0 saves its output
    lambda m, x: (x * 1) ** m.tensor(2.0),               # PowBackward1 too: "Pow1", not "Pow"
    lambda m, x: (x * 1).sigmoid(),
], ids=["exp", "pow tensor exponent", "sigmoid"])
def test_a_modified_saved_output_is_named_as_pytorch_names_it(make):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = make(m, x)
        out = y.sum()
        y.add_(1)  # the node that saved y as its output is named, not the add that changed it
        with pytest.raises(RuntimeError) as error:
            out.backward()
        return _message(error.value)

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("pin_memory", [None, False, True])
def test_save_on_cpu_copies_a_host_tensor_only_into_pinned_memory(pin_memory):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0])
        options = {} if pin_memory is None else {"pin_memory": pin_memory}
        with m.autograd.graph.save_on_cpu(**options):
            out = (x * w).sum()
        w.mul_(10)  # no version error either way: the hooks decide what backward reads
        out.backward()
        return x.grad.tolist()

    assert run(chainrule) == run(torch) == ([3.0, 4.0] if pin_memory else [30.0, 40.0])


def test_an_error_inside_a_hooks_block_propagates_and_closes_the_block():
    for m in (chainrule, torch):
        packed = []
        with pytest.raises(ValueError, match="inside"):
            with m.autograd.graph.saved_tensors_hooks(lambda t: packed.append(1) or t, lambda t: t):
                raise ValueError("inside")
        x = m.tensor([1.0], requires_grad=True)
        (x * x).sum().backward()
        assert packed == []


def test_nested_hooks_blocks_use_the_innermost_pair_and_the_outer_one_after_it_closes():
    def run(m):
        seen = []

        def pair(name):
            return (lambda t: seen.append(name) or t), (lambda t: t)

        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(*pair("outer")):
            a = x.exp()
            with m.autograd.graph.saved_tensors_hooks(*pair("middle")):
                with m.autograd.graph.saved_tensors_hooks(*pair("inner")):
                    b = x.exp()
                c = x.exp()
            d = x.exp()
        e = x.exp()
        (a + b + c + d + e).sum().backward()
        return seen, x.grad.tolist()

    ours, theirs = run(chainrule), run(torch)
    assert ours[0] == theirs[0] == ["outer", "inner", "middle", "outer"]
    assert ours[1] == pytest.approx(theirs[1], rel=1e-6)  # five gradients summed, not in PyTorch's order


def test_what_a_pack_hook_is_handed():
    def run(m):
        handed = []

        def pack(t):
            handed.append((tuple(t.shape), t.requires_grad, t.grad_fn is None, t.tolist()))
            return t

        x = m.tensor([0.5, 1.5], requires_grad=True)
        w = m.tensor([2.0, 3.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            y = (x * w).exp()  # mul saves its inputs, exp its own output
        inputs = handed[:2]
        y.sum().backward()
        return sorted(inputs), handed[2][0], x.grad.tolist() + w.grad.tolist()  # the output: see docs/differences.md

    ours, theirs = run(chainrule), run(torch)
    assert ours[:2] == theirs[:2] and ours[2] == pytest.approx(theirs[2], rel=1e-6)


def test_gradients_accumulate_with_create_graph_and_after_it():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        first = x.grad.tolist()
        (x ** 2).sum().backward(create_graph=True)   # added into a gradient that has a graph
        second = x.grad.tolist(), x.grad.requires_grad
        before = x.grad
        (x * 5).sum().backward()                     # and once more without create_graph: added in place
        return first, second, x.grad.tolist(), x.grad.requires_grad, x.grad is before

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # backward with create_graph warns of a reference cycle
        ours, theirs = run(chainrule), run(torch)
    assert ours == theirs == ([3.0, 12.0], ([5.0, 16.0], True), [10.0, 21.0], True, True)


def test_a_gradient_accumulated_in_place_counts_one_version_per_addition():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        versions = []
        for _ in range(3):
            (x * 2).sum().backward()
            versions.append(x.grad._version)
        return versions, x.grad.tolist()

    assert run(chainrule) == run(torch)


def test_a_leaf_gradient_hook_fires_as_soon_as_the_leaf_is_ready():
    def run(m):
        order = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y.exp()
        out = (z * y).sum() + (x * 3).sum()
        x.register_hook(lambda g: order.append("x"))
        y.register_hook(lambda g: order.append("y"))
        z.register_hook(lambda g: order.append("z"))
        out.backward()
        return order, x.grad.tolist()

    assert run(chainrule) == run(torch)


def test_a_python_complex_factor_is_conjugated_in_the_gradient():
    def run(m):
        z = m.tensor([1 + 2j, -0.5 + 1j], requires_grad=True)
        (z * (2 - 3j)).abs().sum().backward()
        return z.grad.tolist()

    ours, theirs = run(chainrule), run(torch)
    assert ours == pytest.approx(theirs)


def test_a_complex_parameter_is_conjugated_in_the_gradient_of_the_other_operand():
    def run(m):
        p = m.nn.Parameter(m.tensor([1 - 1j, 2 + 0.5j]))
        z = m.tensor([0.5 + 1j, -1 + 2j], requires_grad=True)
        (z * p).abs().sum().backward()
        return z.grad.tolist() + p.grad.tolist()

    assert run(chainrule) == pytest.approx(run(torch))


def test_a_leaf_nodes_hooks_see_one_gradient_output():
    def run(m):
        seen = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        accumulator = y.grad_fn.next_functions[0][0]
        accumulator.register_prehook(lambda grad_outputs: seen.append(("pre", len(grad_outputs))))
        accumulator.register_hook(lambda grad_inputs, grad_outputs: seen.append((len(grad_inputs), len(grad_outputs))))
        y.sum().backward()
        return seen, x.grad.tolist()

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("shapes", [((1,), (0,)), ((1, 3), (0, 3)), ((2, 1), (2, 0))])
def test_a_size_one_dimension_broadcast_to_an_empty_one_gets_a_zero_gradient(shapes):
    def run(m):
        a = m.ones(shapes[0], requires_grad=True)
        (a + m.ones(shapes[1])).sum().backward()
        return a.grad.tolist()

    assert run(chainrule) == run(torch)


def test_a_leaf_used_once_near_the_end_accumulates_before_the_long_branch_runs():
    def run(m):
        order = []
        x = m.tensor([0.1, 0.2], requires_grad=True)
        w = m.tensor([1.0, -1.0], requires_grad=True)
        earlier = w * 1  # w's accumulator is made here, before the branch's 200 nodes  # noqa: F841
        first = h = x * 2
        for _ in range(200):
            h = (h * 1.001).sin()
        for name, t in (("w", w), ("first", first), ("last", h), ("x", x)):
            t.register_hook(lambda g, name=name: order.append(name))
        (h * w).sum().backward()
        return order

    assert run(chainrule) == run(torch) == ["w", "last", "first", "x"]


@pytest.mark.parametrize("shape, strides", [
    ((1, 3, 2), (100, 1, 3)),   # a size-1 dimension with a stride of its own: still dense
    ((2, 1, 3), (1, 7, 2)),
    ((3, 2), (1, 3)),           # a transposed matrix
    ((2, 2, 2), (1, 2, 4)),
], ids=["size-1 outer", "size-1 middle", "transposed", "reversed"])
def test_a_leafs_first_gradient_takes_its_strides(shape, strides):
    def run(m):
        x = m.empty_strided(shape, strides).fill_(1.0).requires_grad_()
        (x * 2).sum().backward()
        return x.grad.stride(), x.grad.tolist()

    assert run(chainrule) == run(torch)


def test_a_root_gradient_of_another_dtype_accumulates_in_the_leafs_dtype_with_create_graph():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        results = []
        for create_graph in (True, True, False):
            x.backward(m.tensor([1.0, 3.0], dtype=m.float64), create_graph=create_graph)
            results.append((str(x.grad.dtype).split(".")[-1], x.grad.tolist()))
        return results

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # backward with create_graph warns of a reference cycle (once)
        ours, theirs = run(chainrule), run(torch)
    assert ours == theirs == [("float32", [1.0, 3.0]), ("float32", [2.0, 6.0]), ("float32", [3.0, 9.0])]


def test_leaves_made_ready_at_once_run_newest_first():
    """The order docs/differences.md states (PyTorch's C++ heap leaves such ties in an order of its own)."""
    leaves = [chainrule.ones(2, requires_grad=True) for _ in range(5)]
    order = []
    for i, leaf in enumerate(leaves):
        leaf.register_hook(lambda grad, i=i: order.append(i))
        leaf.register_post_accumulate_grad_hook(lambda leaf, i=i: order.append(f"accumulated {i}"))
    chainrule.stack(leaves).sum().backward()
    assert order == [step for i in (4, 3, 2, 1, 0) for step in (i, f"accumulated {i}")]
