"""The order in which backward runs nodes and fires hooks, against PyTorch's, on graphs that fan out.

Among the nodes ready to run PyTorch picks the most recently created one; a hook that logs, counts or
changes a gradient sees that order. Each graph below has several ready nodes at once, created in an order
where "newest first", "oldest first" and "first discovered" disagree.
"""

import pytest
import torch

import chainrule


def _fan_out(m, log):
    """x feeds three branches of different depths, created out of depth order; they meet in one sum."""
    x = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
    shallow = x * 3
    deep = (x * 2).exp().sin()
    middle = x.cos() * 4
    y = (deep + shallow) * middle
    return x, [("shallow", shallow), ("deep", deep), ("middle", middle), ("y", y)], y.sum()


def _diamond_twice(m, log):
    """Two diamonds in a row: a ready set of two, then two again, with a leaf used at both levels."""
    x = m.tensor([1.5, 0.25], requires_grad=True)
    w = m.tensor([2.0, -3.0], requires_grad=True)
    a = x * w
    b = x + w
    c = a * b
    d = c.tanh()
    e = c * w
    return x, [("a", a), ("b", b), ("c", c), ("d", d), ("e", e)], (d + e).sum()


def _late_branch(m, log):
    """A branch created after the join's inputs but consumed first: creation order, not graph order."""
    x = m.tensor([0.3, 0.7], requires_grad=True)
    left = x.sigmoid()
    right = x.square()
    late = left * 0.5
    out = right * late + left
    return x, [("left", left), ("right", right), ("late", late), ("out", out)], out.sum()


GRAPHS = [_fan_out, _diamond_twice, _late_branch]


def _tensor_hook_order(m, build):
    log = []
    x, named, loss = build(m, log)
    for name, t in named:
        t.register_hook(lambda g, name=name: log.append(name))
    x.register_hook(lambda g: log.append("x"))
    loss.backward()
    return log


def _node_order(m, build):
    """Every node of the graph, by name, in the order its pre-hook and post-hook fire."""
    log = []
    _, _, loss = build(m, log)
    seen, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        label = type(node).__name__
        node.register_prehook(lambda grads, label=label: log.append("pre " + label))
        node.register_hook(lambda grads_in, grads_out, label=label: log.append("post " + label))
        stack.extend(n for n, _ in node.next_functions)
    loss.backward()
    return log


@pytest.mark.parametrize("build", GRAPHS, ids=lambda f: f.__name__)
def test_tensor_hooks_fire_in_pytorch_order(build):
    assert _tensor_hook_order(chainrule, build) == _tensor_hook_order(torch, build)


@pytest.mark.parametrize("build", GRAPHS, ids=lambda f: f.__name__)
def test_nodes_run_in_pytorch_order(build):
    ours, theirs = _node_order(chainrule, build), _node_order(torch, build)
    assert len(theirs) > 8
    assert ours == theirs


def test_order_with_several_roots_and_autograd_grad():
    """Several roots at once (ready set seeded by more than one node), and grad() with inputs inside."""
    def run(m):
        log = []
        x = m.tensor([0.5, 1.5], requires_grad=True)
        u = x.exp()
        v = x * x
        w = u + v
        for name, t in (("u", u), ("v", v), ("w", w)):
            t.register_hook(lambda g, name=name: log.append((name, [round(float(e), 6) for e in g])))
        m.autograd.backward([w.sum(), (u * 2).sum(), v.mean()], retain_graph=True)
        first = list(log)
        log.clear()
        y = (u * v + w).sum()
        gu, gv = m.autograd.grad(y, [u, v])
        return first, log, [round(float(e), 6) for e in gu], [round(float(e), 6) for e in gv]

    assert run(chainrule) == run(torch)


def test_a_hook_sees_the_sum_of_every_branch():
    """A tensor hook fires once, after all branches delivered: the value it sees is their sum."""
    def run(m):
        seen = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1.5
        h.register_hook(lambda g: seen.append(g.tolist()))
        (h * 2 + h.exp() + h.sin() * h).sum().backward()
        return seen

    ours, theirs = run(chainrule), run(torch)
    assert len(ours) == len(theirs) == 1
    assert ours[0] == pytest.approx(theirs[0], rel=1e-6)
