"""What a compiled function's signature must tell apart: the same shapes in every dtype, requires_grad,
grad mode and module mode. A plan recorded under one of them and replayed under another would return
values, dtypes or graphs that eager never makes; each test counts recordings and replays and compares
the results with eager chainrule and with PyTorch.
"""

import warnings

import numpy as np
import pytest
import torch

import chainrule

FLOATS = ["float16", "float32", "float64"]
OTHERS = ["int32", "int64", "complex64", "complex128"]


def _bits(t):
    return None if t is None else (str(t.dtype), tuple(t.shape), t.detach().numpy().tobytes())


def _train_step(x):
    y = (x.exp() * 2 + x.sin() * x).sum()
    y.backward()
    return y, x.grad


def _forward_only(x):
    return (x * 3 + 1) * x - x.sum()


def _values(dtype, m=chainrule):
    return m.tensor(np.linspace(-1.0, 1.5, 6).reshape(2, 3).astype(np.float64), dtype=getattr(m, dtype))


def test_the_same_shapes_in_every_float_dtype_get_their_own_plans():
    compiled = chainrule.compile(_train_step)
    for rounds in (1, 2):
        for dtype in FLOATS:
            for _ in range(3 if rounds == 1 else 1):
                x = _values(dtype).requires_grad_()
                ours = [_bits(t) for t in compiled(x)]
                eager = [_bits(t) for t in _train_step(_values(dtype).requires_grad_())]
                assert ours == eager, dtype
                reference = _train_step(_values(dtype, torch).requires_grad_())
                assert [o[0].split(".")[-1] for o in ours] == [str(t.dtype).split(".")[-1] for t in reference]
    # each dtype: two recordings make its plan, then every later call replays it
    assert (compiled.recordings, compiled.replays) == (2 * len(FLOATS), 2 * len(FLOATS))


def test_the_same_shapes_in_integer_and_complex_dtypes():
    compiled = chainrule.compile(_forward_only)
    with chainrule.no_grad():
        for dtype in OTHERS + OTHERS[::-1]:
            for _ in range(3):
                ours = compiled(_values(dtype))
                assert _bits(ours) == _bits(_forward_only(_values(dtype)))
                assert str(ours.dtype).split(".")[-1] == str(_forward_only(_values(dtype, torch)).dtype).split(".")[-1]
    assert (compiled.recordings, compiled.replays) == (2 * len(OTHERS), 4 * len(OTHERS))


def _scaled_step(x, w):
    """A training step when grad mode is on, a forward pass when it is off (the key holds grad mode)."""
    out = x * w.exp() + w
    if chainrule.is_grad_enabled():
        out.sum().backward()
    return out.detach(), x.grad, w.grad


def _leaves(requires_grad):
    x = _values("float64").requires_grad_(requires_grad)
    w = chainrule.tensor([0.5, -0.25, 1.0], dtype=chainrule.float64, requires_grad=not requires_grad)
    return x, w


@pytest.mark.parametrize("order", [[True, False], [False, True]], ids=["x-then-w", "w-then-x"])
def test_requires_grad_of_each_input_is_part_of_the_signature(order):
    compiled = chainrule.compile(_scaled_step)
    for requires_grad in order + order:
        for _ in range(3):
            ours = [_bits(t) for t in compiled(*_leaves(requires_grad))]
            assert ours == [_bits(t) for t in _scaled_step(*_leaves(requires_grad))]
            assert (ours[1] is None, ours[2] is None) == (not requires_grad, requires_grad)
    assert (compiled.recordings, compiled.replays) == (4, 8)


@pytest.mark.parametrize("modes", [["grad", "no_grad", "grad", "inference", "no_grad"],
                                   ["no_grad", "grad", "no_grad", "grad"]], ids=["grad-first", "no-grad-first"])
def test_grad_mode_is_part_of_the_signature(modes):
    compiled = chainrule.compile(_scaled_step)
    ours_w, eager_w = (chainrule.tensor([0.5, -0.25, 1.0], dtype=chainrule.float64, requires_grad=True)
                       for _ in range(2))
    ours_w.grad = chainrule.zeros(3, dtype=chainrule.float64)  # a gradient throughout: one grad state
    eager_w.grad = chainrule.zeros(3, dtype=chainrule.float64)
    contexts = {"grad": chainrule.enable_grad, "no_grad": chainrule.no_grad, "inference": chainrule.inference_mode}
    for mode in modes:
        for _ in range(3):
            with contexts[mode]():
                ours = compiled(_values("float64"), ours_w)
                eager = _scaled_step(_values("float64"), eager_w)
            assert _bits(ours[0]) == _bits(eager[0])
            assert _bits(ours_w.grad) == _bits(eager_w.grad), mode  # a stale plan would run backward, or skip it
    # grad mode on and off are two signatures (inference mode counts as off): two recordings each
    assert compiled.recordings == 4
    assert compiled.replays == 3 * len(modes) - 4


class _Net:
    """The same model in both libraries: dropout and batch norm behave differently in training."""

    def __init__(self, m, dtype):
        m.manual_seed(0)
        self.model = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.BatchNorm1d(4), m.nn.Dropout(0.3), m.nn.Tanh())
        self.model.to(getattr(m, dtype))


def test_module_mode_and_dtype_are_part_of_the_signature():
    ours, eager = _Net(chainrule, "float32").model, _Net(chainrule, "float32").model
    compiled = chainrule.compile(ours)
    x = chainrule.tensor(np.random.default_rng(1).normal(size=(5, 3)), dtype=chainrule.float32)
    schedule = [("train", "float32"), ("eval", "float32"), ("train", "float32"), ("eval", "float64"),
                ("train", "float64"), ("eval", "float32")]
    for mode, dtype in schedule:
        for model in (ours, eager):
            model.train(mode == "train").to(getattr(chainrule, dtype))
        for step in range(3):
            inputs = x.to(getattr(chainrule, dtype))
            with chainrule.no_grad():  # forward passes: a compiled function returns no graph
                chainrule.manual_seed(step)
                out = compiled(inputs)
                chainrule.manual_seed(step)
                expected = eager(inputs)
            assert _bits(out) == _bits(expected), (mode, dtype, step)
            assert str(out.dtype) == f"chainrule.{dtype}"
            assert _bits(ours[1].running_mean) == _bits(eager[1].running_mean)
    # four (mode, dtype) pairs, two recordings each, and two more for the last: ``to`` made new parameters,
    # so (eval, float32) is a third guard variant of the float32 signature, not a replay of the old plan
    assert compiled.recordings == 10
    assert compiled.replays == 3 * len(schedule) - 10


def test_module_mode_matches_pytorch_for_the_compiled_model():
    results = []
    for m in (chainrule, torch):
        model = _Net(m, "float64").model
        run = m.compile(model) if m is chainrule else model
        x = m.tensor(np.random.default_rng(2).normal(size=(6, 3)))
        with warnings.catch_warnings(), m.no_grad():
            warnings.simplefilter("error")  # nothing here may fall back to eager
            for mode in (True, False, True, False):
                model.train(mode)
                for _ in range(3):
                    out = run(x)
        results.append((out.detach().numpy(), model[1].running_var.detach().numpy(),
                        int(model[1].num_batches_tracked)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
    assert results[0][2] == results[1][2]


def test_a_tensor_from_outside_that_changes_dtype_is_guarded():
    """The key holds the arguments; a tensor the function reads from outside is held by the plan's guards."""
    weight = chainrule.tensor([1.5, -2.0, 3.0])

    def scale(x):
        return x * weight + 1

    compiled = chainrule.compile(scale)
    x = _values("float32")
    with chainrule.no_grad():
        for dtype in ["float32", "int64", "float64", "float32"]:
            weight.data = weight.data.to(getattr(chainrule, dtype))
            for _ in range(3):
                assert _bits(compiled(x)) == _bits(scale(x)), dtype
    # three dtypes, two recordings each; the float32 plan serves the last round again
    assert (compiled.recordings, compiled.replays) == (6, 6)
