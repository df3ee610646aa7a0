"""chainrule.compile's recordings whose replays are checked against PyTorch's results: ops called whole or op by
op that return several tensors, a backward that reads an op's inner values, losses without gradients, ops
without kernels writing into outside tensors, plans that fail their check, hooks' gradients made outside the
recorded ops. (Kept apart from test_compile_recording.py, which runs where torch is not installed.)"""

import warnings

import numpy as np
import torch as reference

import chainrule as torch
import chainrule.nn.functional as F
from op_db import custom_functions
from test_compile_recording import _bits


def test_ops_that_return_several_tensors_replay_whole_or_op_by_op():
    def step(x, t=torch):
        values, indices = t.sort(x * 2, 1)  # no kernel: called whole
        wide, row = t.broadcast_tensors(x, x[0])  # recorded op by op
        return values + 1, indices, wide * row

    compiled = torch.compile(step)
    for call in range(4):
        x = [[3.0, 1.0, 2.0 + call], [0.0, -5.0, 4.0]]
        for ours, theirs in zip(compiled(torch.tensor(x)), step(reference.tensor(x), reference)):
            assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
            assert _bits(ours) == theirs.numpy().tobytes()
    assert compiled.replays == 2 and "1 ops called whole" in compiled.explain()


def test_an_op_called_whole_whose_backward_reads_its_own_inner_values_replays():
    """median along a dimension has no kernel: its call is replayed whole, and it must hand over the indices
    its backward saved inside it, which the derivative rule reads."""
    def step(w, t=torch):
        w.grad = None
        y = (w * 2).median(1).values
        (y * t.tensor([1.0, -3.0])).sum().backward()
        return y

    values = [[0.5, -1.0, 2.0], [1.0, 0.25, -3.0]]
    ours, theirs = torch.tensor(values, requires_grad=True), reference.tensor(values, requires_grad=True)
    compiled = torch.compile(lambda: step(ours, torch))
    for _ in range(4):
        assert _bits(compiled()) == step(theirs, reference).detach().numpy().tobytes()
        assert _bits(ours.grad) == theirs.grad.numpy().tobytes()
    assert compiled.replays == 2 and "median (called whole" in compiled.explain()


def test_a_loss_without_gradients_replays_op_by_op():
    """Without gradients the loss's array work gives no mask for a rule (``None`` values beside the loss):
    it is still recorded op by op, not called whole."""
    def loss(logits, target, f=F):
        ones = logits.new_ones(5)  # a constant: its product by 3 is folded
        return f.cross_entropy(logits * 2, target) + (logits * 2).sum() + (ones * 3).sum()  # one product, used twice

    compiled = torch.compile(loss)
    data = np.random.default_rng(1)
    for _ in range(4):
        logits, target = data.standard_normal((5, 3)).astype(np.float32), data.integers(0, 3, 5)
        expected = loss(reference.tensor(logits), reference.tensor(target), reference.nn.functional)
        result = compiled(torch.tensor(logits), torch.tensor(target))
        assert _bits(result) == _bits(loss(torch.tensor(logits), torch.tensor(target)))
        assert np.isclose(result.item(), expected.item(), rtol=1e-5)
    assert compiled.replays == 2 and "0 ops called whole" in compiled.explain()
    # the loss's array work (a call without effects) stops neither merging nor folding
    assert compiled.explain().count("* 2  # MulBackward0") == 1 and "* 3" not in compiled.explain()


def test_an_op_without_a_kernel_that_writes_into_an_outside_tensor_stays_eager_and_says_why():
    """elu(inplace=True) has no kernel and writes into a tensor the recording had not read: calling it whole
    at replay would need its value from before the call, which was not kept."""
    values = [-2.0, 0.25, 3.0]
    ours, twin, theirs = torch.tensor(values), torch.tensor(values), reference.tensor(values)

    def step(x, buffer, f):
        f.elu(buffer, inplace=True)  # the writing line
        return buffer + x

    compiled = torch.compile(lambda x: step(x, ours, F))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            result = compiled(torch.ones(3))
            assert _bits(result) == _bits(step(torch.ones(3), twin, F))
            expected = step(reference.ones(3), theirs, reference.nn.functional)
            assert np.allclose(result.numpy(), expected.numpy(), rtol=1e-6, atol=0)
    line = step.__code__.co_firstlineno + 1
    (message,) = [str(w.message) for w in caught]
    assert f"runs eagerly: test_compile_recording_torch.py:{line}: Elu (EluBackward1) has no compiled kernel" in message


def test_a_copy_into_a_tensor_from_outside_that_was_never_read_replays():
    ours, theirs = torch.zeros(3), reference.zeros(3)

    def step(x, buffer):
        buffer.copy_(x * 2)  # the buffer's old value is never read
        return buffer + 1

    compiled = torch.compile(lambda x: step(x, ours))
    for call in range(4):
        x = [float(call), -1.5, 0.25]
        assert _bits(compiled(torch.tensor(x))) == step(reference.tensor(x), theirs).numpy().tobytes()
        assert _bits(ours) == theirs.numpy().tobytes()
    assert compiled.replays == 2 and "0 ops called whole" in compiled.explain()  # the copy is a kernel call


def test_gradients_land_as_in_eager_after_a_recording_fails():
    """A recording that stopped (a value read into Python decides, a leaf made inside the function) leaves the
    call eager: its backward must still set or add the gradients, as PyTorch does."""
    def decided(x, w):
        loss = (w * x).sum()
        scale = 2.0 if loss > 0 else 3.0  # bool(): the recording stops here
        (loss * scale).backward()

    def made_inside(x, t):
        w = t.ones(3, requires_grad=True)  # a gradient lands on a leaf created inside: stays eager
        (w * x).sum().backward()
        return w.grad

    ours, theirs = torch.tensor([1.0, 2.0, -0.5], requires_grad=True), reference.tensor([1.0, 2.0, -0.5],
                                                                                         requires_grad=True)
    first, second = torch.compile(lambda x: decided(x, ours)), torch.compile(lambda x: made_inside(x, torch))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(3):
            x = [1.0, -1.0 * call, 0.5]
            first(torch.tensor(x))
            decided(reference.tensor(x), theirs)
            assert _bits(ours.grad) == theirs.grad.numpy().tobytes()  # set, then added to
            assert _bits(second(torch.tensor(x))) == made_inside(reference.tensor(x), reference).numpy().tobytes()
    assert first.replays == second.replays == 0 and len(caught) == 2
    assert "a gradient lands on a leaf created inside the compiled function" in str(caught[1].message)


def test_a_plan_that_fails_its_check_stays_eager_naming_the_op_that_differs(monkeypatch):
    """A kernel that does not give eager's bits (here exp's, off by one) is caught when the plan is checked:
    the call stays eager, right, and the message names the op and its line, not the one before it."""
    from chainrule._ops._kernel import Kernel

    node_class = torch.ones(1, requires_grad=True).exp().grad_fn.__class__
    build, wrong = node_class.kernel, {}

    def off_by_one(out, inputs, saved, args):
        kernel = build(out, inputs, saved, args)
        fn = wrong.setdefault(kernel.fn, lambda *operands, right=kernel.fn: right(*operands) + 1)
        return Kernel(fn, kernel.operands)  # the same function on each recording: they agree

    monkeypatch.setattr(node_class, "kernel", staticmethod(off_by_one))

    def step(x):
        y = x * 2
        return y.exp()  # the op that differs

    compiled = torch.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(4):
            x = [0.5 * call, -1.0, 2.0]
            result = compiled(torch.tensor(x))
            assert _bits(result) == _bits(step(torch.tensor(x)))
            assert np.allclose(result.numpy(), step(reference.tensor(x)).numpy(), rtol=1e-6, atol=0)
    line = step.__code__.co_firstlineno + 2
    assert [str(w.message) for w in caught] == [
        f"chainrule.compile({step.__qualname__}) runs eagerly: the replay would differ from eager "
        f"(slot 2: ExpBackward0 at test_compile_recording_torch.py:{line} differs from eager)"]
    assert compiled.replays == 0


def test_a_second_order_gradient_through_a_call_returning_two_tensors_follows_the_right_output():
    """create_graph=True recomputes the call eagerly: each returned tensor must be matched with the output of
    the recorded call at its own position (the first output is differentiated, the second is not)."""
    def two(x, w):
        h = x @ w
        return h.tanh(), h.sigmoid()

    values = [[0.5, -1.0, 0.25], [1.5, 0.75, -0.5], [0.0, 2.0, 1.0]]
    ours, theirs = torch.tensor(values, requires_grad=True), reference.tensor(values, requires_grad=True)
    compiled = torch.compile(two)
    for step in range(4):
        x = [[0.1 * step, -0.2, 0.3], [0.4, 0.5, -0.6 * step]]
        ours.grad = None
        first, second = compiled(torch.tensor(x), ours)
        expected_first, _ = two(reference.tensor(x), theirs)
        if step < 3:
            (first.sum() + second.sum()).backward()  # recorded, then replayed
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the recomputation is announced
            (grad,) = torch.autograd.grad(first.pow(2).sum(), ours, create_graph=True)
        (expected,) = reference.autograd.grad(expected_first.pow(2).sum(), theirs, create_graph=True)
        assert np.allclose(grad.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-7)
        ours.grad = None
        grad.pow(2).sum().backward()
        theirs.grad = None
        expected.pow(2).sum().backward()
        assert np.allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert compiled.replays >= 1


def test_a_function_doubling_a_view_in_place_stays_eager_with_eagers_gradients():
    """A custom Function writing through a view (its node under a ``CopySlices``): the backward's rules read
    positions of the base that no recorded op computed, so the call stays eager, its results those of eager."""
    def doubling(lib):
        return custom_functions._functions(lib)["DoubleInPlace"]  # the op table's Function, per library

    def program(x, lib, double):
        copy = x * 1
        view = double.apply(copy.view(-1)[::2])
        grads = lib.autograd.grad([copy, view], [x], [lib.ones_like(copy), lib.ones_like(view)])
        return copy.detach(), view.detach(), grads[0]

    ours, theirs = doubling(torch), doubling(reference)
    compiled = torch.compile(lambda x: program(x, torch, ours))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in range(4):
            x = np.array([[0.5, -1.0, 2.0], [1.5 + call, 0.25, -3.0]])
            results = compiled(torch.tensor(x, requires_grad=True))
            eager = program(torch.tensor(x, requires_grad=True), torch, ours)
            expected = program(reference.tensor(x, requires_grad=True), reference, theirs)
            assert [_bits(r) for r in results] == [_bits(r) for r in eager]
            assert [r.numpy().tobytes() for r in expected] == [_bits(r) for r in results]
    assert compiled.replays == 0


def test_a_gradient_a_hook_made_outside_the_recorded_ops_stays_eager_naming_the_backward():
    """A leaf's hook hands back a gradient wrapped from a NumPy array: the replay cannot compute it, so the
    call stays eager (gradients as PyTorch's), and the message names the line that ran the backward."""
    def hooked(lib):
        w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        w.register_hook(lambda grad: lib.from_numpy(np.full(3, 2.0, dtype=np.float32)))
        return w

    def step(x, w):
        (w * x).sum().backward()  # the line named

    ours, theirs = hooked(torch), hooked(reference)
    compiled = torch.compile(lambda x: step(x, ours))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(4):
            x = [1.0, 2.0, 3.0 + call]
            compiled(torch.tensor(x))
            step(reference.tensor(x), theirs)
            assert _bits(ours.grad) == theirs.grad.numpy().tobytes()  # 2, then added to
    line = step.__code__.co_firstlineno + 1
    assert [str(w.message).split(" runs eagerly: ")[1] for w in caught] == [
        f"test_compile_recording_torch.py:{line}: a value computed outside the recorded ops is written"]
    assert compiled.replays == 0


def test_a_constant_made_inside_and_passed_to_an_op_called_whole_replays():
    """ones made inside the function go straight to cumsum (no kernel: called whole): the replay reads the
    constant the plan keeps, so the call replays."""
    def step(x, t=torch):
        return t.cumsum(t.ones(3), 0) * x

    compiled = torch.compile(step)
    for call in range(4):
        x = [1.0, -2.0, 3.0 + call]
        assert _bits(compiled(torch.tensor(x))) == step(reference.tensor(x), reference).numpy().tobytes()
    assert compiled.replays == 2 and "1 ops called whole" in compiled.explain()


def test_ops_that_wrap_their_own_new_tensors_replay_called_whole():
    """argsort, nonzero, bucketize and histc wrap arrays they compute themselves: each is called whole."""
    def step(x, t=torch):
        edges = t.tensor([-0.5, 0.0, 0.5])
        return x.argsort() * 2, x.nonzero() + 1, t.bucketize(x, edges) - 1, t.histc(x, 4) * 3

    compiled = torch.compile(step)
    for call in range(4):
        x = [0.3 - call, -0.2, 0.7, 0.0, 0.1 * call]
        for ours, theirs in zip(compiled(torch.tensor(x)), step(reference.tensor(x), reference)):
            assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
            assert _bits(ours) == theirs.numpy().tobytes()
    assert compiled.replays == 2
    assert compiled.explain().count("called whole: it returns a tensor it made itself") == 4


def test_single_output_ops_called_whole_hand_their_inner_values_to_their_backward():
    """F.pdist and the spectral matrix norm have no kernel and return one tensor; their derivative rules read
    values made inside them, which the whole call must return beside its result."""
    def step(w, t=torch):
        w.grad = None
        loss = t.nn.functional.pdist(w * 2).sum() + t.linalg.matrix_norm(w - 1, 2)
        loss.backward()
        return loss

    values = [[0.5, -1.0, 2.0], [1.0, 0.25, -3.0], [0.0, 1.5, 1.0]]
    ours, theirs = torch.tensor(values, requires_grad=True), reference.tensor(values, requires_grad=True)
    compiled = torch.compile(lambda: step(ours, torch))
    for _ in range(4):
        expected = step(theirs, reference).detach().numpy()
        np.testing.assert_allclose(compiled().detach().numpy(), expected, rtol=1e-6)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert compiled.replays == 2 and "pdist (called whole" in compiled.explain()
