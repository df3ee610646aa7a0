"""chainrule.compile's recordings: when they follow the op calls (a trace hook), how they read tensors, and
which ops replay as kernel calls rather than whole calls."""

import sys
import tracemalloc
import warnings

import numpy as np
import pytest

import chainrule as torch
import chainrule.nn.functional as F


def _bits(tensor):
    return None if tensor is None else tensor.detach().numpy().tobytes()


def _mlp_step(seed, hooks):
    """A ReLU MLP training step that notes, on each call, whether a trace hook was installed."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        hooks.append(sys.gettrace() is not None)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step, model


def test_the_second_recording_runs_without_the_hook_when_the_first_called_no_op_whole():
    hooks, eager_hooks = [], []
    step, model = _mlp_step(0, hooks)
    eager, eager_model = _mlp_step(0, eager_hooks)
    compiled = torch.compile(step)
    data = np.random.default_rng(0)
    for _ in range(5):
        x, y = torch.tensor(data.standard_normal((4, 6)).astype(np.float32)), torch.tensor(data.integers(0, 3, 4))
        assert _bits(compiled(x, y)) == _bits(eager(x, y))
    assert all(_bits(p) == _bits(q) for p, q in zip(model.parameters(), eager_model.parameters()))
    assert hooks == [True, False]  # recorded with the hook, repeated without it; three replays
    assert compiled.recordings == 2 and compiled.replays == 3
    assert "0 ops called whole" in compiled.explain()  # ReLU's gradient, where(mask, 0.0, grad), has a kernel


def test_a_recording_with_whole_calls_is_repeated_with_the_hook():
    hooks = []

    def step(x):
        hooks.append(sys.gettrace() is not None)
        return torch.cumsum(x * 2, 0)  # no kernel: called whole

    compiled = torch.compile(step)
    for call in range(4):
        x = torch.tensor(np.arange(4.0) + call)
        assert _bits(compiled(x)) == _bits(torch.cumsum(x * 2, 0))
    assert hooks == [True, True] and compiled.replays == 2


def test_a_recording_without_the_hook_that_needs_it_asks_for_it():
    """The function changes on its second call (Python state) to an op without a kernel: the recording
    without the hook cannot replay it whole, so the next recordings follow the op calls, and a plan comes."""
    calls = [0]

    def step(x):
        calls[0] += 1
        y = x * 2
        return torch.cumsum(y, 0) if calls[0] >= 2 else y

    compiled = torch.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no signature gives up
        for call in range(6):
            x = torch.tensor(np.arange(4.0) + call)
            expected = torch.cumsum(x * 2, 0) if call >= 1 else x * 2
            assert _bits(compiled(x)) == _bits(expected)
    assert compiled.replays == 2 and "cumsum (called whole" in compiled.explain()


def test_an_op_reads_a_tensor_from_outside_where_it_uses_its_array():
    """embedding reads its indices as an array: the tensor holding them is read then, not at the op's call,
    so both recordings agree and nothing is called whole."""
    torch.manual_seed(0)
    table = torch.nn.Embedding(10, 4)
    positions = torch.tensor([[1, 2, 3], [4, 5, 6]])

    def step(tokens):
        loss = (table(tokens) * table(positions)).sum()
        loss.backward()
        return loss

    compiled = torch.compile(step)
    for call in range(4):
        tokens = torch.tensor([[call, 1, 2], [3, 4, 9 - call]])
        twin = torch.nn.Embedding(10, 4)
        twin.weight.data = table.weight.detach().clone()
        table.weight.grad = None
        expected = (twin(tokens) * twin(positions)).sum()
        expected.backward()
        assert _bits(compiled(tokens)) == _bits(expected) and _bits(table.weight.grad) == _bits(twin.weight.grad)
    assert compiled.replays == 2 and "0 ops called whole" in compiled.explain()


def test_an_op_called_whole_that_writes_into_a_tensor_from_outside_reads_it_first():
    """cumsum_ has no kernel: its replay reads the buffer before the call, as eager's value was then."""
    buffer, eager_buffer = torch.arange(4.0), torch.arange(4.0)

    def step(x, buffer=buffer):
        buffer.cumsum_(0)
        return x * buffer

    compiled = torch.compile(step)
    for _ in range(4):
        x = torch.ones(4)
        eager_buffer.cumsum_(0)
        assert _bits(compiled(x)) == _bits(x * eager_buffer)
    assert _bits(buffer) == _bits(eager_buffer) and compiled.replays == 2


def test_triangles_replay_as_kernel_calls():
    def step(x):
        return torch.triu(x, 1) + torch.tril(x, -1) * 2

    compiled = torch.compile(step)
    for call in range(4):
        x = torch.tensor(np.arange(16.0).reshape(4, 4) + call)
        assert _bits(compiled(x)) == _bits(step(x))
    assert compiled.replays == 2 and "0 ops called whole" in compiled.explain()


def test_checking_compares_views_and_broadcasts_where_they_lie():
    from chainrule._compile.plan import _same_bits

    row = np.arange(300, dtype=np.float32)
    wide = np.broadcast_to(row, (400, 300))  # one row repeated: its bytes are compared once
    assert _same_bits(wide, np.broadcast_to(row.copy(), (400, 300)))
    assert _same_bits(wide, np.ascontiguousarray(wide))
    other = row.copy()
    other[-1] = -other[-1]
    assert not _same_bits(wide, np.broadcast_to(other, (400, 300)))
    last_changed = np.ascontiguousarray(wide)
    last_changed[-1, 0] = -1.0  # beside the repeated rows, a full array that differs in its last row only
    assert not _same_bits(wide, last_changed) and not _same_bits(last_changed, wide)
    bytes_row = np.broadcast_to(np.array([1, 2, 3], np.uint8), (4, 3))  # a row of one-byte items: stride 1
    assert not _same_bits(bytes_row, np.broadcast_to(np.array([1, 2, 4], np.uint8), (4, 3)))
    backwards = np.broadcast_to(np.array([3, 2, 1], np.uint8)[::-1], (4, 3))  # strides (0, -1)
    assert not _same_bits(backwards, np.broadcast_to(np.array([4, 2, 1], np.uint8)[::-1], (4, 3)))
    grid = np.arange(120_000, dtype=np.float64).reshape(300, 400)
    changed = grid.copy()
    changed[-1, -1] = 0.0
    assert _same_bits(grid.T, grid.copy().T) and not _same_bits(grid.T, changed.T)
    assert _same_bits(grid[::2, 1::3], grid.copy()[::2, 1::3]) and not _same_bits(grid[:, ::-1], changed[:, ::-1])


def test_under_a_debuggers_trace_hook_the_recording_follows_op_calls_through_the_profile_hook():
    """A debugger or coverage tool holds the trace hook: the recorder keeps it and follows op calls with the
    profile hook instead, so an op without a kernel is still replayed as a whole call."""
    calls = []

    def debugger(frame, event, arg):
        calls.append(event)
        return None

    def step(x):
        return torch.cumsum(torch.sin(x) * 2, 0) + x

    compiled = torch.compile(step)
    sys.settrace(debugger)
    try:
        for call in range(4):
            x = torch.tensor(np.linspace(0, 1, 5) + call)
            assert _bits(compiled(x)) == _bits(step(x))
    finally:
        sys.settrace(None)
    assert calls and compiled.replays == 2
    assert "1 ops called whole" in compiled.explain()


def test_under_a_debuggers_trace_hook_an_optimizer_step_replays_with_eagers_bits():
    """The optimizer's step runs unrecorded (paused) on every call: the profile hook must not follow its ops."""
    def make():
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 2)
        return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def training_step(model, optimizer):
        def step(x):
            optimizer.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            optimizer.step()
            return loss
        return step

    model, optimizer = make()
    eager_model, eager_optimizer = make()
    compiled, eager = torch.compile(training_step(model, optimizer)), training_step(eager_model, eager_optimizer)
    sys.settrace(lambda frame, event, arg: None)
    try:
        for call in range(5):
            x = torch.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3) * (call + 1))
            assert _bits(compiled(x)) == _bits(eager(x))
    finally:
        sys.settrace(None)
    assert compiled.replays == 3
    assert [_bits(p) for p in model.parameters()] == [_bits(p) for p in eager_model.parameters()]


def test_a_tensor_moved_to_a_gpu_inside_the_function_keeps_it_eager_with_the_users_line(cuda_standin):
    def step(x):
        return (x.cuda() * 2).cpu() + x  # the line that moves

    compiled = torch.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            assert compiled(torch.ones(3)).tolist() == [3.0, 3.0, 3.0]
    line = step.__code__.co_firstlineno + 1
    assert [str(w.message) for w in caught] == [
        f"chainrule.compile({step.__qualname__}) runs eagerly: test_compile_recording.py:{line}: a tensor on cuda is "
        "used, and compiled replays run on the CPU only"]
    assert compiled.replays == 0


def test_a_recording_holds_each_value_it_computes_once_not_a_copy():
    """Values computed inside are kept by reference for the check; copies would double a recording's memory."""
    def step(x):
        for _ in range(8):
            x = x * 1.5
        return x

    x = torch.tensor(np.ones(131_072))  # 1 MiB
    compiled = torch.compile(step)
    tracemalloc.start()
    try:
        result = compiled(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert compiled.recordings == 1 and float(result[0]) == 1.5 ** 8
    assert 8 << 20 < peak < 12 << 20, peak  # the eight results kept, each once


def test_an_op_called_whole_that_draws_is_neither_merged_nor_dropped_nor_drawn_twice():
    """gumbel_softmax(hard=True) is called whole and draws inside: two equal calls are two draws, an unused
    one still moves the generator, and checking the plan must not draw again."""
    def step(x):
        first = F.gumbel_softmax(x, tau=0.5, hard=True)
        second = F.gumbel_softmax(x, tau=0.5, hard=True)
        F.gumbel_softmax(x, tau=0.5, hard=True)
        return first, second, torch.rand(3)

    compiled = torch.compile(step)
    x = torch.linspace(-1.0, 1.0, 12).reshape(3, 4)
    for seed in range(5):
        torch.manual_seed(seed)
        replayed, after_replay = compiled(x), torch.rand(2)
        torch.manual_seed(seed)
        eager, after_eager = step(x), torch.rand(2)
        assert [_bits(t) for t in replayed] == [_bits(t) for t in eager]
        assert _bits(after_replay) == _bits(after_eager)  # the generator is where eager leaves it
    assert compiled.replays == 3 and compiled.explain().count("gumbel_softmax (called whole") == 3


def test_a_gradient_assigned_to_a_tensor_made_inside_stays_eager_and_lands_on_the_returned_tensor():
    def step(x):
        inside = x * 2
        inside.grad = x.detach() * 3
        return inside

    compiled = torch.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(4):
            x = torch.tensor([1.0, 2.0 + call], requires_grad=True)
            result = compiled(x)
            assert result._grad.tolist() == [3.0, 6.0 + 3 * call]
    assert compiled.replays == 0
    assert "a gradient lands on a tensor created inside the compiled function" in str(caught[0].message)


def test_an_in_place_op_with_a_graph_on_a_tensor_made_inside_replays():
    def step(x):
        inside = x * 2
        inside.mul_(3)
        inside.sum().backward()
        return inside

    compiled = torch.compile(step)
    for call in range(4):
        x, x_eager = (torch.tensor([1.0, 2.0 + call], requires_grad=True) for _ in range(2))
        assert _bits(compiled(x)) == _bits(step(x_eager)) and _bits(x.grad) == _bits(x_eager.grad)
    assert compiled.replays == 2


@pytest.mark.parametrize("detach", [lambda t: t.detach(), lambda t: t.data, torch.detach],
                         ids=["method", "data", "function"])
def test_detaching_a_tensor_with_history_from_outside_stays_eager_and_says_why(detach):
    weight = torch.tensor([1.0, 2.0], requires_grad=True)
    scale = weight * 2  # made outside, with a graph: the replay cannot read it

    def step(x):
        return x * detach(scale)

    compiled = torch.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(4):
            assert compiled(torch.tensor([1.0, 3.0 + call])).tolist() == [2.0, 12.0 + 4 * call]
    assert compiled.replays == 0 and "runs eagerly" in str(caught[0].message)


def test_a_numpy_number_passed_to_an_op_called_whole_keeps_the_call_eager():
    """A NumPy number may have been read out of a tensor's data, so an op called whole with one cannot be called
    again with the same arguments: the function stays eager, with eager's values and gradients."""
    low, high = np.float64(-0.5), np.float64(0.45)

    def step(x):
        out = torch.clamp(x, low, high)  # 0-d: no kernel, called whole
        return out.detach(), torch.autograd.grad(out, x, torch.ones_like(out))

    compiled = torch.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(4):
            x, twin = (torch.tensor(0.4 * (1 + call / 10), dtype=torch.float64, requires_grad=True) for _ in range(2))
            (out, grads), (expected, expected_grads) = compiled(x), step(twin)
            assert _bits(out) == _bits(expected) and _bits(grads[0]) == _bits(expected_grads[0])
    assert compiled.replays == 0 and "has no compiled kernel" in str(caught[0].message)


def test_twin_values_are_not_merged_where_one_is_written_in_place():
    def step(x):
        first, second = x * 2, x * 2  # equal values: merging them would let the write below reach both
        first.add_(1)
        return first + second

    compiled = torch.compile(step)
    for call in range(4):
        x = torch.tensor([1.0, 2.0, 3.0]) + call
        assert _bits(compiled(x)) == _bits(step(x))
    assert compiled.replays == 2


def test_reading_a_number_out_of_a_tensor_with_outside_history_stays_eager():
    weight = torch.tensor([1.0, 2.0], requires_grad=True)
    scale = (weight * 2).sum()  # made outside, with a graph: the replay cannot read it

    def step(x):
        return x * scale.item()

    compiled = torch.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(4):
            assert compiled(torch.tensor([1.0, 2.0]) + call).tolist() == [6.0 * (1 + call), 6.0 * (2 + call)]
    assert compiled.replays == 0 and "item() reads a tensor's value into Python" in str(caught[0].message)


def test_under_a_debuggers_trace_hook_nested_op_calls_end_in_order():
    """cross_entropy calls log_softmax and nll_loss, each an op of its own: the profile hook must close the
    innermost call first, or the outer op is called whole with the inner op's result."""
    def step(x, y):
        return F.cross_entropy(x * 2, y) + torch.cumsum(x, 0).sum()

    compiled = torch.compile(step)
    sys.settrace(lambda frame, event, arg: None)
    try:
        for call in range(4):
            x, y = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, 3.0]]) + call, torch.tensor([0, 2])
            assert _bits(compiled(x, y)) == _bits(step(x, y))
    finally:
        sys.settrace(None)
    assert compiled.replays == 2


def test_a_gradient_accumulated_into_an_expanded_or_read_only_grad_does_what_eager_does():
    """Eager refuses to add into an expanded ``.grad`` (PyTorch's overlap error) and replaces a read-only one;
    a compiled step that meets either stops recording and leaves the accumulation to eager."""
    def make(weight):
        def step(x):
            (weight * x).sum().backward()
            return weight.grad
        return step

    weight, twin = (torch.tensor([1.0, 2.0, 3.0], requires_grad=True) for _ in range(2))
    compiled, eager = torch.compile(make(weight)), make(twin)
    read_only = np.zeros(3, dtype=np.float32)
    read_only.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the step runs eagerly (says a warning); from_numpy of a read-only array
        for call in range(4):
            x = torch.tensor([1.0, 2.0, 3.0]) + call
            weight.grad, twin.grad = torch.zeros(1).expand(3), torch.zeros(1).expand(3)
            with pytest.raises(RuntimeError, match="more than one element of the written-to tensor") as ours:
                compiled(x)
            with pytest.raises(RuntimeError) as theirs:
                eager(x)
            assert str(ours.value) == str(theirs.value)
            weight.grad, twin.grad = torch.from_numpy(read_only), torch.from_numpy(read_only)
            assert _bits(compiled(x)) == _bits(eager(x)) and not read_only.any()
    assert compiled.replays == 0


def test_a_scheduler_stepped_with_a_loss_computed_inside_stays_eager_and_says_why():
    """ReduceLROnPlateau.step(loss) is a Python call replayed as a call: given a tensor the function computed, a
    replay would hand it the recorded loss, so the step stays eager (and the learning rate falls as in eager)."""
    def make():
        torch.manual_seed(0)
        model = torch.nn.Linear(2, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)

        def step(x):
            loss = model(x).sum()
            scheduler.step(loss)
            return loss
        return step, optimizer

    (step, optimizer), (eager, eager_optimizer) = make(), make()
    compiled = torch.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(4):
            x = torch.tensor([[1.0, 2.0]]) + call  # a loss that grows: the plateau lowers the rate
            assert _bits(compiled(x)) == _bits(eager(x))
            assert optimizer.param_groups[0]["lr"] == eager_optimizer.param_groups[0]["lr"]
    assert compiled.replays == 0 and eager_optimizer.param_groups[0]["lr"] < 0.1
    assert "ReduceLROnPlateau.step receives a tensor computed inside the compiled function" in str(caught[0].message)


def test_an_op_that_raises_inside_a_compiled_function_and_is_caught_leaves_the_recording_intact():
    """The op's frame sees the exception, then returns: only the return ends the op call being followed."""
    def step(x):
        total = torch.cumsum(x, 0)  # no kernel for 0-d: called whole
        try:
            torch.sum(x, dim="rows")
        except (TypeError, IndexError):
            pass
        return total * 2

    compiled = torch.compile(step)
    for call in range(4):
        x = torch.tensor(1.5 + call)
        assert _bits(compiled(x)) == _bits(step(x))
    assert compiled.replays == 2


_FIRST_AND_LAST = torch.tensor([0, 2])


def _replays_like_eager(step, make_args, calls=5):
    """Call ``step`` compiled and eager on fresh arguments each time; the compiled one's replay count."""
    compiled = torch.compile(step)
    for k in range(calls):
        replayed_args, eager_args = make_args(k), make_args(k)
        assert _bits(compiled(*replayed_args)) == _bits(step(*eager_args))
        for replayed, eager in zip(replayed_args, eager_args):
            assert (_bits(replayed), replayed._version) == (_bits(eager), eager._version)
    return compiled.replays


def test_index_assignment_into_a_tensor_made_inside_replays_from_its_made_value_every_time():
    def step(x):
        out = torch.zeros(3)
        out[_FIRST_AND_LAST] = x  # called whole (no kernel), writing into a constant of the plan
        out[1:] += x
        return out * 2

    assert _replays_like_eager(step, lambda k: (torch.tensor([1.0 + k, 2.0]),)) == 3


def _written_before(*shape):
    """A tensor whose version is already 2."""
    x = torch.zeros(*shape)
    x.add_(1).mul_(2)
    return x


def test_index_assignment_into_an_argument_moves_its_version_as_eager_does():
    def step(x, v):
        x[_FIRST_AND_LAST] = v
        return x * 2

    assert _replays_like_eager(step, lambda k: (_written_before(3), torch.tensor([1.0 + k, -1.0]))) == 3


def test_index_assignment_into_a_tensor_read_from_outside_moves_its_version_as_eager_does():
    replayed, eager = _written_before(3), _written_before(3)

    def step_of(target):
        def step(v):
            target[_FIRST_AND_LAST] = v
            return target * 2
        return step

    compiled = torch.compile(step_of(replayed))
    for k in range(5):
        v = torch.tensor([1.0 + k, -1.0])
        assert _bits(compiled(v)) == _bits(step_of(eager)(v))
        assert (_bits(replayed), replayed._version) == (_bits(eager), eager._version)
    assert compiled.replays == 3


def test_a_drawing_op_on_a_tensor_with_history_from_outside_runs_eagerly_and_says_why():
    w = torch.ones(3, requires_grad=True)
    h = w * 2  # made outside, with a graph

    def step(x):
        return F.dropout(h, 0.5) + x

    compiled = torch.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            torch.manual_seed(0)
            result = compiled(torch.zeros(3))
    torch.manual_seed(0)
    assert _bits(result) == _bits(step(torch.zeros(3))) and compiled.replays == 0
    assert any("autograd history from outside the compiled function" in str(w.message) for w in caught)


def test_a_view_taken_before_a_write_is_checked_with_the_values_it_had_then():
    def step(x):
        out = torch.zeros(3)
        out.masked_scatter_(torch.tensor([True, False, True]), x)  # reads a view of ``out``, then writes ``out``
        return out * 2

    assert _replays_like_eager(step, lambda k: (torch.tensor([1.0 + k, 2.0]),)) == 3
