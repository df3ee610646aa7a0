"""chainrule.compile in several threads at once: each call replays or records (none falls back to eager),
the results are eager's bit for bit, and a call that stays eager says why truthfully.

A short switch interval makes the threads interleave at almost every bytecode, so recordings, plan
building and replays of different threads overlap as much as they can.
"""

import sys
import threading
import warnings

import numpy as np
import pytest

import chainrule as torch
from test_compile import _bits, _leaf, _mlp, _polynomial_step, _training_step

THREADS = 4


@pytest.fixture(autouse=True)
def _threads_interleave_often():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


def _run_together(work, arguments):
    """``work(*arguments[i])`` in one thread each, started together; their exceptions, and the warnings."""
    errors = []
    start = threading.Barrier(len(arguments))

    def run(*args):
        start.wait()
        try:
            work(*args)
        except Exception as error:  # reported by the caller: an exception in a thread would pass silently
            errors.append(repr(error))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # a compiled call that stays eager warns
        threads = [threading.Thread(target=run, args=args) for args in arguments]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return errors, [str(w.message) for w in caught]


def test_other_threads_ops_stay_out_of_a_recording():
    stop = threading.Event()
    errors = []

    def busy():
        a = torch.arange(5.0)
        while not stop.is_set():
            if (a * 2).sum().item() != 20.0:
                errors.append("wrong eager result in the other thread")

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        compiled = torch.compile(_polynomial_step)
        for value in np.linspace(-2, 2, 12):
            x, x_eager = _leaf(value), _leaf(value)
            assert _bits(compiled(x)) == _bits(_polynomial_step(x_eager)) and _bits(x.grad) == _bits(x_eager.grad)
    finally:
        stop.set()
        worker.join()
    assert not errors and compiled.replays == 10


def test_threads_each_replaying_their_own_compiled_step_give_eager_bits():
    """Four threads train their own model at once: every call after the recordings replays (none runs eagerly)
    and each model ends where its eager twin does, bit for bit."""
    setups = []
    for _ in range(THREADS):
        model, optimizer = _mlp(torch.optim.SGD, lr=0.1, momentum=0.9)
        eager_model, eager_optimizer = _mlp(torch.optim.SGD, lr=0.1, momentum=0.9)
        setups.append((torch.compile(_training_step(model, optimizer)), model,
                       _training_step(eager_model, eager_optimizer), eager_model))
    rng = np.random.default_rng(3)
    batches = [(torch.tensor(rng.standard_normal((5, 8)).astype(np.float32)), torch.tensor(rng.integers(0, 4, 5)))
               for _ in range(12)]

    def train(compiled, eager):
        for x, target in batches:
            assert _bits(compiled(x, target)) == _bits(eager(x, target)), "a loss differs from eager"

    errors, warned = _run_together(train, [(compiled, eager) for compiled, _, eager, _ in setups])
    assert not errors and not warned
    for compiled, model, _, eager_model in setups:
        assert compiled.replays == len(batches) - compiled.recordings and compiled.recordings <= 3
        for p, q in zip(model.parameters(), eager_model.parameters()):
            assert _bits(p) == _bits(q)


def _inputs(seed, calls):
    rng = np.random.default_rng(seed)
    return [(torch.tensor(rng.standard_normal((5, 8))), torch.tensor(rng.standard_normal((8, 3)), requires_grad=True))
            for _ in range(calls)]


def _twin(tensor):
    return torch.tensor(tensor.detach().numpy(), requires_grad=tensor.requires_grad)


def test_threads_sharing_one_compiled_function_record_in_turn_and_replay():
    """One compiled function (its backward inside) called from four threads at once: the first two calls to
    arrive record, one after the other, and every other call replays their plan."""
    def step(x, w):
        loss = (((x @ w).tanh() * 2 + x.sum()) ** 2).mean()
        (grad,) = torch.autograd.grad(loss, w)
        return loss.detach(), grad

    compiled = torch.compile(step)

    def work(calls):
        for x, w in calls:
            assert [_bits(t) for t in compiled(x, w)] == [_bits(t) for t in step(x, _twin(w))], "differs from eager"

    per_thread = [(_inputs(seed, 12),) for seed in range(THREADS)]
    errors, warned = _run_together(work, per_thread)
    assert not errors and not warned
    assert (compiled.recordings, compiled.replays) == (2, THREADS * 12 - 2), compiled.explain()


def test_threads_sharing_a_compiled_forward_with_the_backward_outside():
    """The recordings of a compiled forward end in their backward, run outside the call: in four threads
    at once, every call records or replays, and the gradients are eager's."""
    def forward(x, w):
        return ((x @ w).tanh() * 2).sum()

    compiled = torch.compile(forward)

    def work(calls):
        for x, w in calls:
            loss = compiled(x, w)
            loss.backward()
            twin = _twin(w)
            expected = forward(x, twin)
            expected.backward()
            assert (_bits(loss), _bits(w.grad)) == (_bits(expected), _bits(twin.grad)), "differs from eager"

    per_thread = [(_inputs(seed, 12),) for seed in range(THREADS)]
    errors, warned = _run_together(work, per_thread)
    assert not errors and not warned
    assert compiled.recordings + compiled.replays == THREADS * 12 and compiled.replays >= THREADS * 12 - 8


def test_recordings_waiting_for_their_backward_are_not_taken_for_a_difference():
    """Several calls whose backward comes later: their recordings conclude together, none differs from the
    one before it, so the function does not give up (it once said it "does not repeat")."""
    def forward(x, w):
        return ((x @ w).tanh() * 2).sum()

    compiled = torch.compile(forward)
    calls = _inputs(7, 6)
    w = calls[0][1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses = [compiled(x, w) for x, _ in calls]
        for loss in losses:
            loss.backward()
    assert compiled.replays == 0 and "eager" not in compiled.explain()
