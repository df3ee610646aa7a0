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


def test_a_python_decision_on_a_value_is_reported_at_its_line():
    def step(x):
        y = (x * 2).sum()
        if y > 0:  # the deciding line
            return y * 2
        return y

    result, reason = _reason(step, torch.tensor([1.0, 2.0]))
    assert result.item() == 12.0
    assert f"test_compile_passes.py:{_line_of(step, 'the deciding line')}" in reason

