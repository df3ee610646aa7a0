"""Ctrl-C anywhere in backward leaves the process as it was.

Backward switches process-wide state: grad mode (``create_graph``), the cycle collector (paused
during the walk), the saved-tensor hooks (suspended while a pack hook runs), grad mode again inside a
``once_differentiable`` backward. Each program below runs once per statement of the autograd
machinery it reaches, with a ``KeyboardInterrupt`` raised at that statement (``sys.settrace``), and
every switch must be undone each time. The statements of ``finally`` blocks and ``__exit__`` methods
are not interrupted: they are the undoing itself, and keep their restorations before their first call,
where CPython would deliver a real signal.
"""

import ast
import gc
import inspect
import sys

import pytest

import chainrule
from chainrule import _recording
from chainrule._autograd import anomaly, backward, engine, grad_mode, graph, leaf
from chainrule._ops import _forward
from chainrule.autograd import function

MODULES = (engine, backward, grad_mode, graph, leaf, anomaly, function, chainrule.autograd)
FILES = {inspect.getsourcefile(module) for module in MODULES}


def _undoing_lines(path):
    """Lines of ``finally`` blocks and ``__exit__`` methods in ``path``."""
    lines = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.Try):
            bodies = node.finalbody
        elif isinstance(node, ast.FunctionDef) and node.name == "__exit__":
            bodies = node.body
        else:
            continue
        for statement in bodies:
            lines.update(range(statement.lineno, statement.end_lineno + 1))
    return lines


UNDOING = {path: _undoing_lines(path) for path in FILES}


def _process_state():
    return {
        "grad mode": (grad_mode._state.enabled, grad_mode._state.inference, grad_mode._inference_anywhere.active),
        "cycle collector": gc.isenabled(),
        "anomaly mode": (anomaly._state.enabled, anomaly._state.check_nan),
        "dual levels": (_forward.state.depth, len(_forward.state.duals)),
        "saved tensor hooks": list(graph._saved_hooks.stack),
        "compile recording": (_recording.state.recorder, _recording.current()),
    }


class _Interrupter:
    """A trace function that raises ``KeyboardInterrupt`` at the ``target``-th interruptible line."""

    def __init__(self, target):
        self.target = target
        self.seen = 0
        self.interrupted_at = None

    def __call__(self, frame, event, arg):
        return self._line if frame.f_code.co_filename in FILES else None

    def _line(self, frame, event, arg):
        path = frame.f_code.co_filename
        if event == "line" and frame.f_lineno not in UNDOING[path]:
            if self.seen == self.target:
                self.interrupted_at = (path, frame.f_lineno, frame.f_code.co_name)
                raise KeyboardInterrupt
            self.seen += 1
        return self._line


def _cube_once(x):
    class CubeOnce(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t ** 3

        @staticmethod
        @chainrule.autograd.function.once_differentiable
        def backward(ctx, grad):
            (t,) = ctx.saved_tensors
            return grad * 3 * t ** 2

    return CubeOnce.apply(x)


def _backward_with_hooks():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    w = chainrule.tensor([0.5, -1.0], requires_grad=True)
    hidden = _cube_once(x) * w
    hidden.retain_grad()
    hidden.register_hook(lambda grad: grad * 2)
    loss = (hidden.exp() + x).sum()
    return loss.backward


def _grad_of_grad():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.sin() * x).sum()

    def run():
        (g,) = chainrule.autograd.grad(loss, x, create_graph=True)
        chainrule.autograd.grad(g.sum(), x)

    return run


def _backward_to_chosen_inputs():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    w = chainrule.tensor([3.0, 4.0], requires_grad=True)
    loss = ((x * w).tanh() * x).sum()
    return lambda: loss.backward(inputs=[x], create_graph=True)


class _Kept:
    """Saved-tensor hooks that keep a copy: their pack runs for every tensor a create_graph backward saves."""

    def __init__(self):
        self.hooks = graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t)

    def __enter__(self):
        self.hooks.__enter__()

    def __exit__(self, *exc):
        return self.hooks.__exit__(*exc)


class _Anomaly:
    def __enter__(self):
        self.mode = anomaly.set_detect_anomaly(True)

    def __exit__(self, *exc):
        return self.mode.__exit__(*exc)


class _Nothing:
    def __enter__(self):
        pass

    def __exit__(self, *exc):
        return False


PROGRAMS = {
    "backward through hooks and a once_differentiable Function": (_Nothing, _backward_with_hooks),
    "grad of grad in anomaly mode": (_Anomaly, _grad_of_grad),
    "backward to chosen inputs with create_graph, under no_grad": (chainrule.no_grad, _backward_to_chosen_inputs),
    "grad of grad with saved-tensor hooks": (_Kept, _grad_of_grad),
}


@pytest.fixture(autouse=True)
def _restored_after_a_failure():
    """A failing case must not leave the switches wrong for the tests that follow it."""
    yield
    grad_mode._state.enabled, grad_mode._state.inference = True, False
    graph._saved_hooks.stack = []
    gc.enable()


# one program calls backward(create_graph=True) on purpose; both libraries note the reference cycle it makes
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_an_interrupt_at_any_statement_of_backward_leaves_the_process_as_it_was(name):
    context, build = PROGRAMS[name]
    reached = set()
    for target in range(100_000):
        run = build()  # a fresh graph: the interrupted walk may have freed part of the last one
        with context():
            before = _process_state()
            interrupter = _Interrupter(target)
            sys.settrace(interrupter)
            try:
                run()
            except KeyboardInterrupt:
                pass
            finally:
                sys.settrace(None)
            after = _process_state()
        assert after == before, f"an interrupt at {interrupter.interrupted_at} left {after} (was {before})"
        if interrupter.interrupted_at is None:
            break
        reached.add(interrupter.interrupted_at[2])
    assert {"run_backward", "_dependencies", "_walk"} <= reached, reached
