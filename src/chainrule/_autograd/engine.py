"""The backward engine: walks the graph once, in dependency order, without recursion.

It knows no op. It counts how many edges lead into each node, runs a node once every consumer
has delivered its gradient, sums the gradients that meet at a node, and hands each node's results
to its ``next_functions``. Among ready nodes the most recently created runs first (PyTorch's
order, which decides when hooks fire). Graph mode during the walk is ``create_graph``: the rules
are ordinary chainrule ops, so with ``create_graph=True`` the gradients get graphs of their own.
"""

import gc
import heapq

from . import grad_mode
from .anomaly import check_for_nan, is_anomaly_enabled
from .graph import check_hook_result

__all__ = ["run_backward"]


def _dependencies(roots):
    """Number of edges that reach each node from ``roots`` (iterative depth-first walk).

    A node enters ``deps`` when the first edge to it is found, and is walked then; roots are walked from the start.
    """
    deps = {}
    stack = list(roots)
    root_set = set(stack)
    while stack:
        node = stack.pop()
        for next_node, _ in node.next_functions:
            if next_node is None:
                continue
            count = deps.get(next_node)
            if count is None:
                deps[next_node] = 1
                if next_node not in root_set:
                    stack.append(next_node)
            else:
                deps[next_node] = count + 1
    return deps


def _nodes_leading_to(roots, targets):
    """The nodes from which some target can be reached: only those need to run.

    An iterative post-order walk, so every node is decided after all of its children.
    """
    needed = set(targets)
    done = set()
    for root in roots:
        if root in done:
            continue
        done.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, children = stack[-1]
            for child, _ in children:
                if child is not None and child not in done:
                    done.add(child)
                    stack.append((child, iter(child.next_functions)))
                    break
            else:
                stack.pop()
                if node not in needed and any(n in needed for n, _ in node.next_functions if n is not None):
                    needed.add(node)
    return needed


def _add(buffer, index, grad):
    current = buffer[index]
    buffer[index] = grad if current is None else current + grad


def _call_pre_hooks(hooks, grads):
    """Tensor hooks (may replace a gradient), then retain_grad, then the node's own pre-hooks."""
    for nr, fns in hooks.tensor_pre.items():
        for fn in list(fns):
            if grads[nr] is None:
                break
            new = fn(grads[nr])
            if new is not None:
                check_hook_result(fn, grads[nr], new)
                grads[nr] = new
    for nr, fn in hooks.retain_grad.items():
        if grads[nr] is not None:
            fn(grads[nr])
    for fn in list(hooks.pre):
        new = fn(tuple(grads))
        if new is not None:
            grads[:] = list(new)


def _walk(root_nodes, deps, buffers, keep_graph, needed, accumulate, capture, captured):
    """Run every node once all its consumers have delivered; the hot loop of backward."""
    heappush, heappop, heapreplace = heapq.heappush, heapq.heappop, heapq.heapreplace
    anomaly = is_anomaly_enabled()
    filtered = needed is not None or not accumulate
    ready = []
    for node in root_nodes:
        if deps.get(node, 0) == 0:
            heappush(ready, (-node._sequence_nr, node))
    node = heappop(ready)[1] if ready else None
    while node is not None:
        grads = buffers.pop(node, None)
        outputs = None
        if grads is not None:
            hooks = node._hooks
            if hooks is not None:
                _call_pre_hooks(hooks, grads)
            if captured is not None:
                for nr in range(node.num_outputs):
                    slot = capture.get((node, nr))
                    if slot is not None:
                        captured[slot] = grads[nr]
            if not filtered or ((needed is None or node in needed)
                                and (accumulate or not node.accumulates_into_leaf)):
                outputs = node.apply(grads)
                if hooks is not None and hooks.post:
                    outputs = _call_post_hooks(hooks, outputs, grads)
                if anomaly:
                    check_for_nan(node, outputs)
                if not keep_graph:
                    node.release()
        if outputs is None:
            outputs = (None,) * len(node.next_functions)
        # The first node this one makes ready skips the heap when it is the latest of all ready nodes
        # (always, along a chain); the others wait in the heap.
        following = None
        for (next_node, nr), grad in zip(node.next_functions, outputs):
            if next_node is None:
                continue
            if grad is not None:
                buffer = buffers.get(next_node)
                if buffer is None:
                    buffer = buffers[next_node] = [None] * next_node.num_outputs
                    buffer[nr] = grad
                else:
                    _add(buffer, nr, grad)
            remaining = deps[next_node] - 1
            if remaining:
                deps[next_node] = remaining
            elif following is None:
                following = next_node
            else:
                heappush(ready, (-next_node._sequence_nr, next_node))
        if following is None:
            node = heappop(ready)[1] if ready else None
        elif ready and ready[0][0] < -following._sequence_nr:
            node = heapreplace(ready, (-following._sequence_nr, following))[1]
        else:
            node = following


def _call_post_hooks(hooks, outputs, grads):
    for fn in list(hooks.post):
        new = fn(tuple(outputs), tuple(grads))
        if new is not None:
            outputs = list(new)
    return outputs


def run_backward(roots, root_grads, keep_graph, create_graph, targets=None, capture=None, accumulate=True):
    """Propagate ``root_grads`` from ``roots`` (``(node, output_nr)`` pairs).

    ``targets``: when given, only nodes that lead to one of these nodes run. ``capture`` maps
    ``(node, output_nr)`` to a slot: the gradient arriving there is returned in that slot
    (``autograd.grad``). With ``accumulate`` False no AccumulateGrad node runs.
    """
    root_nodes = list(dict.fromkeys(node for node, _ in roots))
    deps = _dependencies(root_nodes)
    needed = None if targets is None else _nodes_leading_to(root_nodes, targets)
    captured = None if capture is None else [None] * len(capture)

    buffers = {}
    for (node, nr), grad in zip(roots, root_grads):
        buffer = buffers.get(node)
        if buffer is None:
            buffer = buffers[node] = [None] * node.num_outputs
        _add(buffer, nr, grad)

    state = grad_mode._state
    previous = state.enabled
    collecting = gc.isenabled()
    # Both switches are made inside ``try``: an interrupt at any statement still restores them.
    try:
        state.enabled = create_graph
        # The walk allocates many short-lived gradients and makes no reference cycles of its own:
        # pausing the cycle collector meanwhile saves it from rescanning the whole graph repeatedly.
        if collecting:
            gc.disable()
        _walk(root_nodes, deps, buffers, keep_graph, needed, accumulate, capture, captured)
    finally:
        state.enabled = previous
        if collecting:
            gc.enable()
    return captured
