"""What every op inherits from the op mechanism (record, attach, a node's apply), against PyTorch.

Gradients summed back over broadcast dimensions and cast to each input's dtype, the edges a Python number
or a tensor without grad gets, when a result records a node at all, multi-output nodes, saved values and
their version checks, and the graph's release after backward.
"""

import warnings

import numpy as np
import pytest
import torch

import chainrule


def _edges(node):
    """A node's next_functions as (node name or None, output_nr) pairs."""
    return [(None if n is None else type(n).__name__, nr) for n, nr in node.next_functions]


MIXED = [
    ("float32 vector, float64 matrix", (3,), "float32", (2, 3), "float64"),
    ("float64 column, float32 row", (2, 1), "float64", (1, 4), "float32"),
    ("0-d float32, float16 matrix", (), "float32", (2, 2), "float16"),
    ("float64 scalar-shaped, float32 3-d", (1, 1, 1), "float64", (2, 1, 3), "float32"),
    ("float16 and float32 of one shape", (2, 3), "float16", (2, 3), "float32"),
]


@pytest.mark.parametrize("label,shape_a,dtype_a,shape_b,dtype_b", MIXED, ids=[m[0] for m in MIXED])
@pytest.mark.parametrize("op", ["mul", "add", "sub", "div", "atan2", "maximum"])
def test_gradients_come_back_in_each_inputs_shape_and_dtype(label, shape_a, dtype_a, shape_b, dtype_b, op):
    rng = np.random.default_rng(7)
    a = rng.uniform(0.5, 2.0, shape_a)
    b = rng.uniform(-2.0, -0.5, shape_b)
    results = []
    for m in (chainrule, torch):
        x = m.tensor(a, dtype=getattr(m, dtype_a), requires_grad=True)
        y = m.tensor(b, dtype=getattr(m, dtype_b), requires_grad=True)
        out = getattr(m, op)(x, y)
        out.backward(m.ones_like(out) * 0.75)
        results.append((out, x.grad, y.grad, type(out.grad_fn).__name__, _edges(out.grad_fn)))
    for ours, theirs in zip(results[0][:3], results[1][:3]):
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_allclose(ours.detach().numpy().astype(float), theirs.detach().numpy().astype(float),
                                   rtol=2e-3)
    assert results[0][3:] == results[1][3:]


def test_complex_inputs_of_two_precisions_get_complex_gradients_of_their_own():
    def run(m):
        z = m.tensor([1 + 2j, -0.5j], dtype=m.complex64, requires_grad=True) * 1
        w = m.tensor([3 - 1j, 2 + 2j], dtype=m.complex128, requires_grad=True) * 1
        out = z * w
        gz, gw = m.autograd.grad(out, [z, w], m.tensor([1 - 1j, 0.5j], dtype=m.complex128))
        return [(str(g.dtype).split(".")[-1], np.round(g.detach().numpy(), 5).tolist()) for g in (gz, gw)]

    assert run(chainrule) == run(torch)


def test_complex_result_of_real_input_gives_a_real_gradient():
    """The real part is taken, not cast (a cast would warn that it discards the imaginary part)."""
    results = []
    for m in (chainrule, torch):
        x = m.tensor([1.0, -2.0, 0.5], requires_grad=True)
        z = m.tensor([1 + 2j, 3 - 1j, -0.5j], dtype=m.complex128)
        out = x * z
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out.backward(m.tensor([1 - 1j, 2 + 0.5j, 1j], dtype=m.complex128))
        results.append((str(x.grad.dtype).split(".")[-1], x.grad.tolist()))
    assert results[0] == results[1]


@pytest.mark.parametrize("expression", [
    "x * 2", "2 - x", "x + w", "w * x", "x.pow(2)", "3 ** x", "x.where(x > 0, w)", "torch_like.where(x > 0, 1.0, x)",
])
def test_edges_of_numbers_and_tensors_without_grad(expression):
    def run(m):
        x = m.tensor([0.5, -1.5], requires_grad=True)
        w = m.tensor([2.0, 3.0])
        out = eval(expression, {"x": x, "w": w, "torch_like": m})
        return type(out.grad_fn).__name__, _edges(out.grad_fn), out.requires_grad

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("expression", ["x > 0", "x.argmax()", "x.long() + 1", "x.sign().bool()", "(x * 0).int()"])
def test_results_that_are_not_floating_record_no_node(expression):
    def run(m):
        x = m.tensor([0.5, -1.5, 2.0], requires_grad=True)
        out = eval(expression, {"x": x})
        return out.requires_grad, out.grad_fn is None, str(out.dtype).split(".")[-1]

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("mode", ["no_grad", "inputs_without_grad", "enable_grad_inside_no_grad"])
def test_recording_follows_grad_mode_and_requires_grad(mode):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=mode != "inputs_without_grad")
        if mode == "no_grad":
            with m.no_grad():
                out = x.exp() * 2
        elif mode == "enable_grad_inside_no_grad":
            with m.no_grad():
                with m.enable_grad():
                    out = x.exp() * 2
        else:
            out = x.exp() * 2
        return out.requires_grad, None if out.grad_fn is None else type(out.grad_fn).__name__, out.is_leaf

    assert run(chainrule) == run(torch)


def test_multi_output_nodes_share_one_node_and_number_their_outputs():
    def run(m):
        x = m.arange(6.0).reshape(3, 2).requires_grad_()
        parts = x.unbind(0)
        first, second = x.split([1, 2])
        nodes = {id(p.grad_fn) for p in parts}
        (parts[0] * 3 + parts[2] * 5).sum().backward(retain_graph=True)
        grad_from_unbind = x.grad.tolist()
        x.grad = None
        (second * 2).sum().backward()
        return (len(nodes), [p.output_nr for p in parts], type(parts[0].grad_fn).__name__, first.output_nr,
                second.output_nr, grad_from_unbind, x.grad.tolist())

    assert run(chainrule) == run(torch)

    def single(m):  # a multi-output op that gives one output
        x = m.ones(1, 3, requires_grad=True)
        (part,) = x.unbind(0)
        (chunk,) = x.split(5, dim=1)
        return [(type(t.grad_fn).__name__, t.output_nr, t.requires_grad) for t in (part, chunk)]

    assert single(chainrule) == single(torch)
    with chainrule.no_grad():
        parts = chainrule.arange(4.0).requires_grad_().unbind(0)
    assert all(p.grad_fn is None and not p.requires_grad for p in parts)


def test_saved_values_read_back_and_version_checked():
    def run(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        y = x * 1.0
        out = y.exp()
        saved_result = out.grad_fn._saved_result.tolist()
        w = m.tensor([2.0, 3.0])
        prod = y * w
        saved_other = prod.grad_fn._saved_other.tolist()
        w.add_(1)
        try:
            prod.sum().backward()
            error = None
        except RuntimeError as e:
            error = type(e).__name__, "modified by an inplace operation" in str(e)
        return saved_result, saved_other, error

    ours, theirs = run(chainrule), run(torch)
    assert theirs[2] is not None
    assert ours == theirs


def test_the_result_saved_as_output_is_version_checked_too():
    def run(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        out = x.exp()
        out.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()

    run(torch)
    run(chainrule)


def test_graph_is_released_after_backward_unless_retained():
    for m in (chainrule, torch):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        out = (x.exp() * x).sum()
        out.backward(retain_graph=True)
        out.backward()
        assert x.grad.tolist() == pytest.approx((2 * (np.exp([0.5, 1.5]) * (1 + np.array([0.5, 1.5])))).tolist())
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            out.backward()


def test_inference_tensors_cannot_be_saved():
    for m in (chainrule, torch):
        with m.inference_mode():
            frozen = m.tensor([1.0, 2.0])
        x = m.tensor([3.0, 4.0], requires_grad=True)
        assert frozen.is_inference()
        with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
            x * frozen


def test_a_rule_is_declared_once():
    from chainrule._ops._op import RULES, derivative

    with pytest.raises(ValueError, match="two derivative rules are declared for op 'MulBackward0'"):
        derivative("MulBackward0", lambda grad: grad)
    assert RULES["MulBackward0"].__name__ == "MulBackward0"


def test_an_edge_without_grad_gets_no_gradient_but_the_others_do():
    def run(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        w = m.tensor([2.0, -1.0])
        v = m.tensor([4.0, 5.0], requires_grad=True)
        (x * w + w * v + x * v).sum().backward()
        return x.grad.tolist(), w.grad, v.grad.tolist()

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("label,shape_a,dtype_a,shape_b,dtype_b", MIXED, ids=[m[0] for m in MIXED])
def test_gradients_reaching_intermediate_tensors_have_their_shape_and_dtype(label, shape_a, dtype_a, shape_b, dtype_b):
    """Not only leaves (whose accumulation casts too): the gradient handed to an inner node or to ``grad``."""
    def run(m):
        x = m.ones(shape_a, dtype=getattr(m, dtype_a), requires_grad=True) * 1.5
        y = m.ones(shape_b, dtype=getattr(m, dtype_b), requires_grad=True) * -0.5
        seen = []
        x.register_hook(lambda g: seen.append((tuple(g.shape), str(g.dtype).split(".")[-1])))
        out = x * y
        gx, gy = m.autograd.grad(out, [x, y], m.ones_like(out), retain_graph=True)
        out.sum().backward()
        return seen, [(tuple(g.shape), str(g.dtype).split(".")[-1], g.tolist()) for g in (gx, gy)]

    assert run(chainrule) == run(torch)


def test_numbers_among_an_ops_inputs_never_require_grad():
    """``record`` and ``record_multi`` take Python numbers among an op's inputs (they get no edge)."""
    from chainrule._ops._op import needs_grad

    leaf = chainrule.ones(2, requires_grad=True)
    assert needs_grad(2.0, leaf) and needs_grad(leaf, 3)
    assert not needs_grad(2.0, 1, chainrule.ones(2))
    with chainrule.no_grad():
        assert not needs_grad(2.0, leaf)


def test_results_made_in_inference_mode_are_inference_tensors():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.inference_mode():
            inside = x * 2
            unbound = inside.unbind(0)[0]
        outside = x * 2
        return inside.is_inference(), unbound.is_inference(), inside.requires_grad, outside.is_inference()

    assert run(chainrule) == run(torch) == (True, True, False, False)


def test_array_work_outside_record_runs_eagerly():
    """``traced`` work (a loss's masks from its integer targets) when nothing records: plain calls."""
    def run(m):
        logits = m.tensor([[1.0, -0.5, 2.0], [0.3, 0.1, -1.0], [2.0, 2.0, 0.0]], requires_grad=True)
        loss = m.nn.functional.cross_entropy(logits, m.tensor([2, -100, 0]), label_smoothing=0.1)
        loss.backward()
        return round(loss.item(), 6), np.round(logits.grad.numpy(), 6).tolist()

    assert run(chainrule) == run(torch)


def test_rules_declared_late_are_announced_to_the_hooks():
    """Ops that declare their rule on first use: chainrule.compile learns of it through ``RULE_HOOKS``."""
    from chainrule import _recording
    from chainrule._ops._op import RULES, derivative

    seen = []
    _recording.RULE_HOOKS.append(seen.append)
    try:
        node_class = derivative("LateBackward0", lambda grad: grad, op="a rule declared late (test)")
    finally:
        _recording.RULE_HOOKS.remove(seen.append)
        RULES.pop("a rule declared late (test)", None)
    assert seen == [node_class]


def test_parameters_are_tensors_to_the_op_mechanism():
    def run(m):
        weight = m.nn.Parameter(m.tensor([[1.0, 2.0], [3.0, 4.0]]))
        rows = weight.unbind(0)
        (rows[0] * 2 + rows[1] * weight[0] + (weight * 3).sum(0)).sum().backward()
        return type(rows[0].grad_fn).__name__, rows[1].output_nr, weight.grad.tolist()

    assert run(chainrule) == run(torch)


def test_inference_mode_in_another_thread_does_not_mark_this_threads_results():
    import threading

    entered, release = threading.Event(), threading.Event()

    def hold_inference_mode():
        with chainrule.inference_mode():
            entered.set()
            release.wait(30)

    worker = threading.Thread(target=hold_inference_mode)
    worker.start()
    try:
        assert entered.wait(30)
        result = chainrule.tensor([1.0, 2.0], requires_grad=True) * 2
    finally:
        release.set()
        worker.join()
    assert not result.is_inference() and result.requires_grad


def test_multi_output_ops_on_tensors_without_grad_record_nothing():
    for m in (chainrule, torch):
        parts = m.arange(4.0).reshape(2, 2).unbind(0)
        assert all(p.grad_fn is None and not p.requires_grad for p in parts)


def test_an_unpack_hook_decides_what_backward_reads():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, -1.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t * 10):
            y = x * w  # saves x and w as themselves: the fast way back must still call the hook
        y.sum().backward()
        return x.grad.tolist(), w.grad.tolist()

    assert run(chainrule) == run(torch) == ([30.0, -10.0], [10.0, 20.0])


def test_a_parameter_saved_by_an_op_is_version_checked():
    def run(m):
        weight = m.nn.Parameter(m.tensor([1.0, 2.0]))
        out = (weight * m.tensor([3.0, 4.0], requires_grad=True)).sum()
        with m.no_grad():
            weight.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.backward()

    run(torch)
    run(chainrule)


@pytest.mark.parametrize("requires_grad", [False, True])
def test_a_full_reduction_gives_a_tensor_that_can_be_changed_in_place(requires_grad):
    def run(m):
        x = m.tensor([1.0, 2.0, 4.0], requires_grad=requires_grad)
        total = x.sum()
        total.mul_(3)
        return total.item(), total.shape, type(total.grad_fn).__name__

    assert run(chainrule) == run(torch)


# ---------------------------------------------------------------- binary operands, as PyTorch takes them
def _outcome(call):
    try:
        return "ok", call()
    except Exception as error:  # the exception is the outcome compared
        return type(error).__name__, str(error)


@pytest.mark.parametrize("a_shape, b_shape", [
    ((2, 3), (4, 3)),      # the first dimension conflicts: every dimension is looked at
    ((3, 1), (4, 5)),      # a size 1 in a is skipped, the conflict is to its left
    ((4, 5), (3, 1)),      # the same with the size 1 in b
    ((2, 3), (2, 0)),      # an empty dimension conflicts like any other size
    ((2, 300), (3, 300)),  # equal sizes are compared by value
    ((5,), (4, 3)),        # shapes of different lengths
])
def test_broadcast_error_names_the_conflicting_dimension(a_shape, b_shape):
    ours = _outcome(lambda: chainrule.zeros(a_shape) + chainrule.zeros(b_shape))
    theirs = _outcome(lambda: torch.zeros(a_shape) + torch.zeros(b_shape))
    assert ours == theirs and ours[0] == "RuntimeError"


@pytest.mark.parametrize("expression", [
    "m.tensor([1., 2.]) + np.float64(2.)",         # a NumPy scalar counts as a Python number
    "m.tensor([1., 2.]) * np.int64(3)",
    "m.tensor([1, 2], dtype=m.int32) * np.float32(0.5)",
    "m.tensor([1], dtype=m.uint8) + 300",           # an integer beyond the dtype wraps around
    "m.tensor([7], dtype=m.int32) * 2 ** 33",
    "m.tensor([1], dtype=m.int32) + np.int64(2 ** 40)",
    "m.tensor([1., 2.], dtype=m.float64) + m.tensor([1, 2], dtype=m.int16)",
])
def test_binary_operands_give_pytorch_values_and_dtypes(expression):
    ours = eval(expression, {"m": chainrule, "np": np})  # fixed test data
    theirs = eval(expression, {"m": torch, "np": np})
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("operand", ["abc", None, [1.0], object()])
def test_binary_operand_that_is_no_number_is_a_type_error(operand):
    assert _outcome(lambda: chainrule.tensor([1.]) + operand)[0] == _outcome(lambda: torch.tensor([1.]) + operand)[0]
    assert _outcome(lambda: chainrule.mul(chainrule.tensor([1.]), operand))[0] == "TypeError"
