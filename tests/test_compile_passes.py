"""chainrule.compile's plan passes and failure reports, pinned by what a user sees.

The passes that make a replay cheaper (merging repeated ops, skipping multiplications by one, folding small
constants) must never change a result or make two tensors share memory, and a function that cannot be
replayed must say where, at the user's own line.
"""

import inspect
import warnings

import pytest

import chainrule as torch


def _bits(tensor):
    return tensor.detach().numpy().tobytes()


def _replayed(fn, *args, calls=4):
    """Call the compiled ``fn`` until it replays; the last call's result."""
    compiled = torch.compile(fn)
    for _ in range(calls):
        result = compiled(*args)
    assert compiled.replays == calls - compiled.recordings > 0
    return result


def test_leaves_with_equal_gradients_get_arrays_of_their_own():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3, requires_grad=True)
    compiled = torch.compile(lambda: (a * 2 + b * 2).sum().backward())
    for _ in range(4):
        a.grad = b.grad = None
        compiled()
    assert compiled.replays > 0
    assert a.grad.tolist() == b.grad.tolist() == [2.0, 2.0, 2.0]
    a.grad.add_(1)  # the two gradients are equal, computed alike, but are separate tensors
    assert b.grad.tolist() == [2.0, 2.0, 2.0] and a.grad.tolist() == [3.0, 3.0, 3.0]


def test_a_multiplication_by_a_constant_of_zeros_is_not_skipped():
    def step(w):
        return w * torch.zeros(3) + w * torch.ones(3) * 2

    w = torch.tensor([1.0, -2.0, 3.0])
    result = _replayed(step, w)
    assert result.tolist() == [2.0, -4.0, 6.0] and _bits(result) == _bits(step(w))


@pytest.mark.parametrize("size", [64, 65])
def test_constants_made_inside_the_function_keep_their_values_at_any_size(size):
    def step(w):
        return (w * torch.arange(float(size)) + torch.full((size,), 0.5)).sum()

    w = torch.tensor(2.0)
    assert _bits(_replayed(step, w)) == _bits(step(w))


def _running_statistics_step(x):
    """Running statistics made inside the function, updated by batch norm in training, then read."""
    mean, var = torch.zeros(2), torch.ones(2)
    torch.nn.functional.batch_norm(x, mean, var, training=True, momentum=0.5)
    return mean * 2, var


def test_running_statistics_made_inside_the_function_start_from_their_made_values_on_every_replay():
    compiled = torch.compile(_running_statistics_step)
    for k in range(5):  # a different batch each call: nothing computed from the statistics may be folded
        x = torch.tensor([[1.0 + k, 2.0], [3.0, -1.0 * k], [0.5, 0.25 * k]])
        replayed, eager = compiled(x), _running_statistics_step(x)
        assert [_bits(t) for t in replayed] == [_bits(t) for t in eager]
    assert compiled.replays == 3 and eager[0].tolist() != [0.0, 0.0]


def test_a_running_statistic_read_after_its_update_replays_like_eager():
    def step_of(model):
        return lambda x: model(x).sum() + model.running_mean.sum() * 3

    eager, replayed = (torch.nn.BatchNorm1d(2, affine=False) for _ in range(2))
    compiled = torch.compile(step_of(replayed))
    for k in range(5):
        x = torch.tensor([[1.0, 2.0 * k], [3.0 - k, -1.0], [0.5, 0.25]])
        assert _bits(compiled(x)) == _bits(step_of(eager)(x))
    assert compiled.replays == 3
    assert _bits(replayed.running_mean) == _bits(eager.running_mean)
    assert _bits(replayed.running_var) == _bits(eager.running_var)


def test_a_backward_reads_a_running_statistic_as_the_forward_left_it():
    def make():
        return torch.nn.BatchNorm1d(2, affine=False), torch.tensor([1.0, 2.0], requires_grad=True)

    def step_of(model, w):
        return lambda x: (model(x) * w).sum() + (w * model.running_mean).sum()  # read after its update

    (model, w), (eager_model, eager_w) = make(), make()
    compiled, eager = torch.compile(step_of(model, w)), step_of(eager_model, eager_w)
    for k in range(5):
        x = torch.tensor([[1.0, 2.0 * k], [3.0 - k, -1.0], [0.5, 0.25]])
        replayed, expected = compiled(x), eager(x)
        replayed.backward()
        expected.backward()
        assert _bits(replayed) == _bits(expected) and _bits(w.grad) == _bits(eager_w.grad)
    assert compiled.replays == 3 and _bits(model.running_mean) == _bits(eager_model.running_mean)


def _line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


def _reason(fn, *args):
    compiled = torch.compile(fn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            fn_result = compiled(*args)
    assert compiled.replays == 0
    return fn_result, " ".join(str(w.message) for w in caught)


def test_a_plan_that_loses_a_write_into_a_returned_value_is_refused(monkeypatch):
    """The last check of a replay compares what it returns with what eager returned: a pass that dropped
    an in-place edit made after the value was computed is caught there, and the function stays eager."""
    from chainrule._compile import plan

    kept = plan.eliminate_dead_code
    monkeypatch.setattr(plan, "eliminate_dead_code", lambda instructions, needed: [
        i for i in kept(instructions, needed) if i.__class__.__name__ != "Write"])

    def step(x):
        y = x * 2
        y.add_(1)
        return y

    result, reason = _reason(step, torch.tensor([1.0, 2.0]))
    assert result.tolist() == [3.0, 5.0] and "would differ from eager" in reason


def test_a_python_decision_on_a_value_is_reported_at_its_line():
    def step(x):
        y = (x * 2).sum()
        if y > 0:  # the deciding line
            return y * 2
        return y

    result, reason = _reason(step, torch.tensor([1.0, 2.0]))
    assert result.item() == 12.0
    assert f"test_compile_passes.py:{_line_of(step, 'the deciding line')}" in reason

