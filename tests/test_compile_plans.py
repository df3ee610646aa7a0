"""What chainrule.compile's plan passes achieve, read through ``explain()``.

Every plan is checked against its recording bit for bit before it is used, so a pass that stops working
leaves the results right: only the plan shows it. These tests count the instructions a plan keeps and read
its generated source for small programs whose best plan is known by hand, and compare every replayed
result with PyTorch's.
"""

import math
import re

import numpy as np
import torch as reference

import chainrule as torch


def _replaying(fn, *args, calls=4):
    """The compiled ``fn`` after ``calls`` calls (two recordings, then replays), and its last result."""
    compiled = torch.compile(fn)
    for _ in range(calls):
        result = compiled(*args)
    assert (compiled.recordings, compiled.replays) == (2, calls - 2)
    return compiled, result


def _plan(compiled):
    """(instructions kept, instructions recorded, the counts of the summary line, the replay's body lines)."""
    text = compiled.explain()
    kept, recorded = map(int, re.search(r"replay of (\d+) instructions \((\d+) recorded\)", text).groups())
    counts = {name: int(count) for count, name in re.findall(r"(\d+) ([a-z ]+?)(?:,|$| \()", text.splitlines()[2])}
    body = [line.strip() for line in text.splitlines()[3:] if line.startswith("        ")]
    return kept, recorded, counts, body


def _same(result, expected):
    """Equal to PyTorch's result in dtype, shape and bits."""
    ours = result.detach().numpy()
    theirs = expected.detach().numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape and ours.tobytes() == theirs.tobytes()


def _operations(body, operator):
    return sum(1 for line in body if re.search(rf"\bs\d+ \{operator} ", line.split("#")[0]))


def test_explain_counts_signatures_recordings_and_replays():
    compiled, _ = _replaying(lambda x: x * 2, torch.ones(3), calls=5)
    compiled(torch.ones(2))
    header = compiled.explain().splitlines()[0]
    assert re.search(r"<lambda>\): 2 signature\(s\), 3 recording\(s\), 3 replay\(s\), "
                     r"\d+\.\d ms writing and checking plans$", header)
    assert compiled.planning_seconds > 0  # one plan was written
    assert f"{compiled.planning_seconds * 1e3:.1f} ms" in header
    assert "signature 2: recording (1 so far)" in compiled.explain()


def test_values_nothing_returns_are_dropped():
    compiled, result = _replaying(lambda x: (x.exp(), x * 2)[1], torch.tensor([1.0, 2.0, 3.0]))
    kept, recorded, counts, body = _plan(compiled)
    assert (kept, recorded, counts["kernel calls"]) == (2, 3, 1)
    assert body[1].startswith("s2 = s0 * 2  # MulBackward0")
    _same(result, reference.tensor([1.0, 2.0, 3.0]) * 2)


def test_a_repeated_op_is_computed_once():
    def twice(x):
        return x * 2 + x * 2

    x = [1.5, -2.0, 3.25]
    compiled, result = _replaying(twice, torch.tensor(x))
    kept, recorded, counts, body = _plan(compiled)
    assert (kept, recorded, counts["kernel calls"]) == (3, 4, 2)
    assert _operations(body, "*") == 1 and "s3 = s1 + s1" in body[2]
    _same(result, twice(reference.tensor(x)))


def test_repeated_ops_with_equal_constant_operands_are_merged_by_value():
    def expanded(x):
        return x.expand(2, 3) + x.expand(2, 3)  # two shape tuples, equal but not the same object

    compiled, result = _replaying(expanded, torch.tensor([1.0, 2.0, 3.0]))
    kept, recorded, _, body = _plan(compiled)
    assert (kept, recorded) == (3, 4) and sum("ExpandBackward0" in line for line in body) == 1
    _same(result, expanded(reference.tensor([1.0, 2.0, 3.0])))


def test_merged_values_are_returned_as_tensors_of_their_own():
    x = torch.tensor([1.0, 2.0, 3.0])
    compiled, (a, b) = _replaying(lambda x: (x * 2, x * 2), x)
    assert _plan(compiled)[0] == 2  # one multiplication for both
    a.add_(10)
    assert b.tolist() == [2.0, 4.0, 6.0] and x.tolist() == [1.0, 2.0, 3.0]
    compiled, same = _replaying(lambda x: x * 1, x)
    assert _plan(compiled)[2]["kernel calls"] == 0  # the multiplication by one is skipped
    same.add_(10)
    assert x.tolist() == [1.0, 2.0, 3.0] and same.tolist() == [11.0, 12.0, 13.0]


def test_a_returned_constant_is_a_new_tensor_at_every_replay():
    compiled = torch.compile(lambda x: (x + 1, torch.ones(3) * 2))
    for _ in range(5):
        _, doubled = compiled(torch.zeros(3))
        assert doubled.tolist() == [2.0, 2.0, 2.0]
        doubled.add_(10)  # must not reach the plan's folded constant
    assert compiled.replays == 3

    def made_inside(x):
        ones = torch.ones(3)  # read by an op, then returned: a constant of the plan too
        return x + ones, ones

    compiled = torch.compile(made_inside)
    for _ in range(5):
        total, same = compiled(torch.zeros(3))
        assert total.tolist() == same.tolist() == [1.0, 1.0, 1.0]
        same.add_(10)
    assert compiled.replays == 3


def test_repeated_ops_are_not_merged_across_an_accumulation():
    """``w.grad * 2`` before and after backward adds into ``w.grad``: two values, the second one larger."""
    def step(w):
        before = w.grad * 2
        (w * 3).sum().backward()
        return before, w.grad * 2

    ours, theirs = torch.tensor([1.0, 2.0], requires_grad=True), reference.tensor([1.0, 2.0], requires_grad=True)
    ours.grad, theirs.grad = torch.ones(2), reference.ones(2)
    compiled = torch.compile(step)
    for _ in range(4):
        for result, expected in zip(compiled(ours), step(theirs)):
            _same(result, expected)
    assert compiled.replays == 2 and _operations(_plan(compiled)[3], "*") == 3


def test_small_constant_results_are_folded_and_large_ones_computed():
    def small(x):
        return x + torch.ones(3) * 2

    compiled, result = _replaying(small, torch.tensor([1.0, 2.0, 3.0]))
    kept, recorded, counts, body = _plan(compiled)
    assert (kept, recorded, counts["kernel calls"]) == (3, 4, 1) and _operations(body, "*") == 0
    _same(result, reference.tensor([1.0, 2.0, 3.0]) + reference.ones(3) * 2)

    for size, folded in ((64, True), (65, False)):
        compiled, result = _replaying(lambda x: x + torch.ones(size) * 2, torch.zeros(size))
        assert (_operations(_plan(compiled)[3], "*") == 0) == folded
        assert result.tolist() == [2.0] * size


def test_a_constant_written_in_place_is_computed_at_every_replay():
    def step(x, t=torch):
        c = t.ones(3) * 2
        c.add_(x)
        return c

    compiled = torch.compile(step)
    for call in range(5):
        x = [1.0 * call, 2.0, -3.0]
        _same(compiled(torch.tensor(x)), step(reference.tensor(x), reference))
    assert compiled.replays == 3 and _operations(_plan(compiled)[3], "*") == 1


def test_multiplications_by_ones_are_skipped():
    def ones(x, t=torch):
        return 1 * x + t.ones(3) * x + x * 1.0 + x * t.ones(100).expand(3, 100)[:, :3]

    x = [1.5, -2.0, 3.0]
    compiled, result = _replaying(ones, torch.tensor(x))
    _same(result, ones(reference.tensor(x), reference))
    kept, recorded, counts, body = _plan(compiled)
    # 1 * x, ones * x and x * 1.0 are x itself; the slice of the broadcast ones is not known to hold ones
    assert _operations(body, "*") == 1 and _operations(body, "+") == 3

    def wide(x, t=torch):
        return x * t.ones(100).expand(3, 100)  # ones broadcast without computing: still ones

    compiled, result = _replaying(wide, torch.full((3, 100), 2.0))
    assert _plan(compiled)[2]["kernel calls"] == 0
    _same(result, wide(reference.full((3, 100), 2.0), reference))


def test_multiplications_by_ones_that_change_the_shape_or_values_are_kept():
    def kept(x, t=torch):
        return x * t.ones(2, 3) + x * t.tensor([1.0, 1.0, 2.0]) + x * 2 + x * t.ones(0, 3).sum(0)

    x = [1.5, -2.0, 3.0]
    compiled, result = _replaying(kept, torch.tensor(x))
    _same(result, kept(reference.tensor(x), reference))
    assert _operations(_plan(compiled)[3], "*") == 4  # the sum of no rows is zeros


def test_an_empty_constant_does_not_count_as_ones():
    def empty(x, t=torch):
        return x * t.ones(0)

    compiled, result = _replaying(empty, torch.ones(0))
    assert _plan(compiled)[2]["kernel calls"] == 1
    _same(result, empty(reference.ones(0), reference))


def test_zero_d_values_replay_as_numpy_scalars():
    def scalar(x, y, t=torch):
        return (x * 2.0 + y) * t.tensor(3.0)

    compiled, result = _replaying(scalar, torch.tensor(1.5), torch.tensor(-0.25))
    body = _plan(compiled)[3]
    assert body[:2] == ["a0 = A[0]._data", "s0 = a0[()]"] and body[2].startswith("s1 = s0 * 2.0  # MulBackward0")
    assert sum(re.fullmatch(r"s(\d+) = a\1\[\(\)\]", line) is not None for line in body) == 2
    _same(result, scalar(reference.tensor(1.5), reference.tensor(-0.25), reference))

    compiled, result = _replaying(scalar, torch.tensor([1.5]), torch.tensor([-0.25]))
    assert not any("[()]" in line for line in _plan(compiled)[3])  # one-element arrays stay arrays
    _same(result, scalar(reference.tensor([1.5]), reference.tensor([-0.25]), reference))


def test_a_zero_d_value_written_in_place_stays_an_array():
    ours, theirs = torch.tensor(1.0), reference.tensor(1.0)

    def step(x, buffer):
        return buffer.add_(x) * 2

    compiled = torch.compile(lambda x: step(x, ours))
    for call in range(5):
        _same(compiled(torch.tensor(0.5 * call)), step(reference.tensor(0.5 * call), theirs))
    assert compiled.replays == 3
    _same(ours, theirs)
    assert "copyto(s0, s2, casting='unsafe')" in _plan(compiled)[3]


def test_large_temporaries_are_freed_after_their_last_use():
    def chain(x):
        return (x * 2 + 1).sum()

    for size, freed in ((16_384, True), (16_383, False), (100, False)):  # 65,536 bytes a value, 65,532, and 400
        compiled, result = _replaying(chain, torch.ones(size))
        body = _plan(compiled)[3]
        assert ("del s0" in body and "del s1" in body and "del s2" in body) == freed
        assert not any(line.startswith("del") for line in body) or freed
        assert result.item() == 3.0 * size
    compiled, result = _replaying(chain, torch.ones(65_535, dtype=torch.int8))  # one byte short of large
    assert not any(line.startswith("del") for line in _plan(compiled)[3]) and result.item() == 3 * 65_535


def test_returned_structures_are_rebuilt():
    def nested(x):
        return {"twice": x * 2, "more": [x + 1, None, 3, "name", 0.5, (x - 1,), -math.inf]}

    x = [1.0, 2.0]
    compiled, result = _replaying(nested, torch.tensor(x))
    expected = nested(reference.tensor(x))
    assert list(result) == ["twice", "more"] and result["more"][1:5] == [None, 3, "name", 0.5]
    assert result["more"][6] == -math.inf and len(result["more"]) == 7
    assert type(result["more"]) is list and type(result["more"][5]) is tuple and len(result["more"][5]) == 1
    for ours, theirs in ((result["twice"], expected["twice"]), (result["more"][0], expected["more"][0]),
                         (result["more"][5][0], expected["more"][5][0])):
        _same(ours, theirs)


def test_a_constant_made_inside_and_written_in_place_starts_from_its_value_at_every_replay():
    def step(x, t=torch):
        ones = t.ones(3)
        before = x + ones
        ones.add_(x)
        return before, ones

    compiled = torch.compile(step)
    for call in range(5):
        x = [float(call), -1.0, 0.5]
        for ours, theirs in zip(compiled(torch.tensor(x)), step(reference.tensor(x), reference)):
            _same(ours, theirs)
    assert compiled.replays == 3


def test_a_gradient_cleared_inside_the_function_does_not_guard_the_plan():
    """``w.grad = None`` inside the function decides the state backward finds: whatever ``w.grad`` was
    before the call, the plan may replay."""
    ours, theirs = torch.tensor([1.0, -2.0], requires_grad=True), reference.tensor([1.0, -2.0], requires_grad=True)

    def step(w, t):
        w.grad = None
        (w * t.tensor([3.0, 0.5])).sum().backward()

    compiled = torch.compile(lambda: step(ours, torch))
    for _ in range(6):
        compiled()
        step(theirs, reference)
        _same(ours.grad, theirs.grad)
    assert (compiled.recordings, compiled.replays) == (2, 4)
    assert "0 gradient state(s)" in compiled.explain()


def test_a_zero_d_constant_keeps_its_array_form_for_a_ufunc_call():
    """With a write in the plan nothing is folded: ``exp`` of a 0-d constant is a ufunc call, which takes the
    constant as an array while the operators take it as a NumPy scalar."""
    ours, theirs = torch.zeros(2), reference.zeros(2)

    def step(x, buffer, t):
        buffer.add_(x)
        return buffer * t.full((), 0.5).exp()

    compiled = torch.compile(lambda x: step(x, ours, torch))
    for call in range(4):
        _same(compiled(torch.full((2,), 1.0 + call)), step(reference.full((2,), 1.0 + call), theirs, reference))
    assert compiled.replays == 2
    body = _plan(compiled)[3]
    (constant,) = [found.group(1) for found in (re.fullmatch(r"a(\d+) = c\d+", line) for line in body) if found]
    assert any(re.search(rf"= k\d+\(a{constant}\)  # ExpBackward0", line) for line in body)


def test_large_values_saved_for_a_later_backward_are_kept_to_the_end_of_the_forward():
    """The returned tensor needs gradients: the replay hands ``exp``'s large result to the backward after
    its last use in the forward, so it must not be freed there."""
    values = np.linspace(-1, 1, 20_000, dtype=np.float32)
    ours, twin = torch.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    theirs = reference.tensor(values, requires_grad=True)

    def forward(x, w, t):
        return (x * w).exp() * 0.5

    compiled = torch.compile(lambda x: forward(x, ours, torch))
    for call in range(4):
        x = np.full(20_000, 0.5 + call, np.float32)
        result, eager, expected = compiled(torch.tensor(x)), forward(torch.tensor(x), twin, torch), \
            forward(reference.tensor(x), theirs, reference)
        for y in (result, eager, expected):
            y.sum().backward()
        assert result.detach().numpy().tobytes() == eager.detach().numpy().tobytes()
        assert ours.grad.numpy().tobytes() == twin.grad.numpy().tobytes()
        assert np.allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=0)
    assert compiled.replays == 2 and "N = k" in compiled.explain()


def test_a_constant_gradient_is_a_new_tensor_at_every_replay():
    """The gradient of a linear function is a constant of the plan: an in-place change of ``.grad`` between
    calls (clipping, adding) must not reach later replays."""
    ours, theirs = torch.tensor([1.0, 2.0, 3.0], requires_grad=True), reference.tensor([1.0, 2.0, 3.0],
                                                                                        requires_grad=True)

    def step(w):
        w.grad = None
        (w * 3).sum().backward()

    compiled = torch.compile(lambda: step(ours))
    for _ in range(5):
        compiled()
        step(theirs)
        _same(ours.grad, theirs.grad)
        ours.grad.add_(100)
        theirs.grad.add_(100)
    assert compiled.replays == 3


def test_a_gradient_assigned_from_a_skipped_multiplication_is_a_tensor_of_its_own():
    ours, theirs = torch.zeros(3, requires_grad=True), reference.zeros(3, requires_grad=True)
    x, x_theirs = torch.tensor([1.0, -2.0, 0.5]), reference.tensor([1.0, -2.0, 0.5])

    def step(x, w):
        w.grad = x * 1

    compiled = torch.compile(lambda x: step(x, ours))
    for _ in range(4):
        compiled(x)
        step(x_theirs, theirs)
    ours.grad.add_(10)
    theirs.grad.add_(10)
    _same(ours.grad, theirs.grad)
    _same(x, x_theirs)
    assert compiled.replays == 2 and _plan(compiled)[2]["kernel calls"] == 0


def test_repeated_ops_are_merged_beside_a_cleared_gradient():
    w = torch.ones(2, requires_grad=True)

    def step(x):
        w.grad = None  # an effect, but not a write that could reach a merged value
        return x * 2 + x * 2

    compiled, result = _replaying(step, torch.tensor([1.5, -2.0]))
    _same(result, reference.tensor([1.5, -2.0]) * 2 + reference.tensor([1.5, -2.0]) * 2)
    assert _operations(_plan(compiled)[3], "*") == 1


def test_returned_tensors_that_need_gradients_keep_their_places_among_the_returned_tensors():
    values = [0.5, -1.0, 2.0]
    ours, theirs = torch.tensor(values, requires_grad=True), reference.tensor(values, requires_grad=True)

    def forward(x, w):
        return x + 1, (x * w).exp(), x * 3  # only the second needs gradients

    compiled = torch.compile(lambda x: forward(x, ours))
    for call in range(4):
        x = [1.0, 0.25 * call, -0.5]
        results, expected = compiled(torch.tensor(x)), forward(reference.tensor(x), theirs)
        for result, other in zip(results, expected):
            assert result.requires_grad == other.requires_grad
            assert np.allclose(result.detach().numpy(), other.detach().numpy(), rtol=1e-6, atol=0)
        (results[1] * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
        (expected[1] * reference.tensor([1.0, 2.0, 3.0])).sum().backward()
        assert np.allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=0)
    assert compiled.replays == 2


def test_the_none_results_of_a_losss_array_work_take_no_slots():
    """Without gradients cross_entropy's array work returns its loss beside ``None``s (no mask for a rule):
    the plan reads the loss out of the call's results and nothing else."""
    rng = np.random.default_rng(1)
    logits, target = rng.standard_normal((5, 3)).astype(np.float32), rng.integers(0, 3, 5)
    compiled, result = _replaying(lambda x, y: torch.nn.functional.cross_entropy(x * 2, y), torch.tensor(logits),
                                  torch.tensor(target))
    kept, recorded, counts, body = _plan(compiled)
    assert (kept, recorded, counts["kernel calls"]) == (5, 5, 3)
    assert [line.split("#")[0].strip() for line in body if "= r" in line] == ["s2 = r", "s4 = r[0]"]
    expected = reference.nn.functional.cross_entropy(reference.tensor(logits) * 2, reference.tensor(target))
    assert result.dtype == torch.float32 and result.shape == ()
    assert math.isclose(result.item(), expected.item(), rel_tol=1e-6)


def test_a_plan_made_while_the_gradient_was_cleared_is_not_used_once_it_accumulates():
    """The plan recorded with ``w.grad`` None sets the gradient; once the caller keeps it, a call must add
    into it instead: the plan is guarded on the gradient's state, and another plan comes for the new state."""
    ours, theirs = torch.tensor([1.0, -2.0], requires_grad=True), reference.tensor([1.0, -2.0], requires_grad=True)

    def step(x, w):
        (w * x).sum().backward()

    compiled = torch.compile(lambda x: step(x, ours))
    for call in range(8):
        if call < 4:  # cleared by the caller: set, then accumulated into from call 4 on
            ours.grad = theirs.grad = None
        x = [0.5 * call, 3.0]
        compiled(torch.tensor(x))
        step(reference.tensor(x), theirs)
        _same(ours.grad, theirs.grad)
    assert "1 gradient state(s)" in compiled.explain()


def test_ops_that_return_their_input_itself_are_not_called_whole():
    """``contiguous()``, ``float()`` on a float tensor and ``atleast_1d`` hand back the tensor passed in: nothing
    for a replay to recompute, so they are not called whole (a tensor read from outside is not one they made)."""
    def step(x, t=torch):
        return t.atleast_1d(x).contiguous().float() * 2

    compiled, result = _replaying(step, torch.tensor([1.0, 2.0, 3.0]))
    assert "0 ops called whole" in compiled.explain()
    _same(result, step(reference.tensor([1.0, 2.0, 3.0]), reference))


def test_calls_with_constants_that_compare_equal_but_differ_in_bits_are_not_merged():
    """0.0 and -0.0 are equal, and so are 1 and 1.0 and True, but they give other results: each call stays."""
    def step(x, t=torch):
        return x * 0.0, x * -0.0, t.full_like(x, 1), t.full_like(x, 1.0), t.full_like(x, True), x + float("nan")

    x = torch.tensor([1.0, -2.0, 3.0])
    compiled, results = _replaying(step, x)
    for ours, theirs in zip(results, step(reference.tensor([1.0, -2.0, 3.0]), reference)):
        _same(ours, theirs)


def test_a_losss_count_and_a_0d_log_softmax_are_recorded_op_by_op():
    """mse_loss's array work hands back the number of terms with the loss: a count fixed by shapes, kept as a
    number in the plan; log_softmax of a 0-d tensor gives a NumPy number, kept as a value. Neither op is
    called whole."""
    def step(x, y, t=torch):
        return t.nn.functional.mse_loss(x, y) + t.nn.functional.log_softmax(x[0], 0)

    x, y = [0.5, -1.0, 2.0], [1.0, 0.25, -3.0]
    compiled, result = _replaying(step, torch.tensor(x), torch.tensor(y))
    assert "0 ops called whole" in compiled.explain()
    _same(result, step(reference.tensor(x), reference.tensor(y), reference))


def test_repeated_ops_with_equal_float_operands_are_merged_by_value():
    """Two float objects of one value (computed at run time, so not one constant of the code) merge too."""
    def scaled(x, halves=(5, 5)):
        return x * (halves[0] / 2) + x * (halves[1] / 2)

    compiled, result = _replaying(scaled, torch.tensor([1.0, 2.0, 3.0]))
    assert _operations(_plan(compiled)[3], "*") == 1
    _same(result, scaled(reference.tensor([1.0, 2.0, 3.0])))
