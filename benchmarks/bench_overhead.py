"""Per-op overhead: chainrule vs PyTorch vs the same math written by hand in NumPy, in one run.

Workloads (forward + backward + reading the gradient):
  seed polynomial  y = 2x^4 + x^3 + 3x^2 + 5x + 1 at a 0-d x
  seed mean        out = mean(2 * (3x + 2)^2) for a 2x3 x
  chain 2000       x = x * 1.0001 + 0.001, 2000 times, on 16 elements, then sum
  second order     y = x^3; dy = grad(y, x, create_graph=True); d2y = grad(dy, x)

Prints the median time of each, eager and under ``chainrule.compile``, and the ratios to PyTorch and
NumPy; each column is timed in its own process (see ``_timing.py``), PyTorch on one thread.

Then where one op's time goes, from three more timings of ``x * 1.0001`` on 16 elements: the op on a tensor
that does not require grad, the same op recording its graph node, and the chain's forward alone (its
backward per node is the whole chain's time less the forward, over its 4,000 nodes).
Run: python benchmarks/bench_overhead.py [--repeat N]
"""

import importlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from _timing import median_time, run  # noqa: E402


# ---------------------------------------------------------------- workloads on a torch-like module
# Each is a fresh leaf and a step on it: forward, backward (the gradient lands on the leaf).
def polynomial_step(x):
    y = 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1
    y.backward()
    return y


def mean_step(x):
    y = 3 * x + 2
    z = 2 * y ** 2
    out = z.mean()
    out.backward()
    return out


def chain_step(x):
    for _ in range(2000):
        x = x * 1.0001 + 0.001
    x.sum().backward()


def second_order_step(lib):
    def step(x):
        y = x ** 3
        (dy,) = lib.autograd.grad(y, x, create_graph=True)
        (d2y,) = lib.autograd.grad(dy, x)
        return d2y
    return step


def leaf_workloads(lib):
    """(name, a function making the fresh leaf, the step, calls per timing) for ``lib``."""
    return [
        ("seed polynomial", lambda: lib.tensor(2.0, requires_grad=True), polynomial_step, 2000),
        ("seed mean", lambda: lib.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True), mean_step, 2000),
        ("chain 2000 x 16", lambda: lib.ones(16, requires_grad=True), chain_step, 10),
        ("second order x^3", lambda: lib.tensor(2.0, requires_grad=True), second_order_step(lib), 2000),
    ]


# ---------------------------------------------------------------- the same math by hand in NumPy
def numpy_seed_polynomial():
    x = np.array(2.0, dtype=np.float32)
    y = 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1
    grad = 8 * x ** 3 + 3 * x ** 2 + 6 * x + 5
    return y, grad


def numpy_seed_mean():
    x = np.array([[1.0, 2, 3], [3, 2, 1]], dtype=np.float32)
    y = 3 * x + 2
    z = 2 * y ** 2
    out = z.mean()
    grad = np.full(x.shape, 1 / x.size, dtype=np.float32) * 4 * y * 3
    return out, grad


def numpy_chain():
    x = np.ones(16, dtype=np.float32)
    for _ in range(2000):
        x = x * np.float32(1.0001) + np.float32(0.001)
    grad = np.ones(16, dtype=np.float32)
    for _ in range(2000):
        grad = grad * np.float32(1.0001)
    return x.sum(), grad


def numpy_second_order():
    x = np.array(2.0, dtype=np.float32)
    y = x ** 3
    dy = 3 * x ** 2
    d2y = 6 * x
    return y, dy, d2y


_FACTOR = np.float32(1.0001)
_SIXTEEN = np.ones(16, dtype=np.float32)


def numpy_multiply():
    return _SIXTEEN * _FACTOR


BY_HAND = {
    "seed polynomial": numpy_seed_polynomial,
    "seed mean": numpy_seed_mean,
    "chain 2000 x 16": numpy_chain,
    "second order x^3": numpy_second_order,
}
# The per-op budget: not workloads of the table, timed the same way (by hand: NumPy's multiply alone)
BUDGET_NUMBERS = {"op, no grad": 20000, "op, recorded": 20000, "chain forward": 10}


def budget_steps(lib):
    """(name, step) of the three budget timings for ``lib``."""
    plain, leaf = lib.ones(16), lib.ones(16, requires_grad=True)

    def chain_forward():
        x = leaf
        for _ in range(2000):
            x = x * 1.0001 + 0.001
        return x.sum()

    return [("op, no grad", lambda: plain * 1.0001), ("op, recorded", lambda: leaf * 1.0001),
            ("chain forward", chain_forward)]


def measure(library, repeat):
    """Median seconds of every workload, for one library: ``chainrule``, ``compiled``, ``torch`` or ``numpy``."""
    if library == "numpy":
        times = {name: median_time(BY_HAND[name], number, repeat) for name, *_, number in leaf_workloads(np)}
        times["op, no grad"] = median_time(numpy_multiply, BUDGET_NUMBERS["op, no grad"], repeat)
        return times
    lib = importlib.import_module("chainrule" if library == "compiled" else library)
    if library == "torch":
        lib.set_num_threads(1)
    times = {}
    for name, make, step, number in leaf_workloads(lib):
        step = lib.compile(step) if library == "compiled" else step
        times[name] = median_time(lambda: step(make()), number, repeat)
    if library != "compiled":
        times.update({name: median_time(step, BUDGET_NUMBERS[name], repeat) for name, step in budget_steps(lib)})
    return times


def print_budget(results):
    """One op's time, split: a call that records nothing, recording the node, and its node's backward."""
    print("\nwhere one op's time goes (x * 1.0001 on 16 elements, us per op; backward: per node of the chain;")
    print(f"NumPy's multiply alone: {results['numpy'].get('op, no grad', float('nan')) * 1e6:.2f} us)")
    print(f"{'':12} {'no-grad op':>11} {'+ record':>9} {'backward':>9} {'total':>8}")
    for library, label in (("chainrule", "chainrule"), ("torch", "PyTorch")):
        times = results[library]
        if "op, recorded" not in times:
            continue
        plain, recorded = times["op, no grad"], times["op, recorded"]
        backward = (times["chain 2000 x 16"] - times["chain forward"]) / 4000
        row = [plain, recorded - plain, backward, recorded + backward]
        print(f"{label:12} " + " ".join(f"{value * 1e6:{width}.2f}" for value, width in zip(row, (11, 9, 9, 8))))


if __name__ == "__main__":
    run(__doc__.splitlines()[0], measure, list(BY_HAND), footer=print_budget)
