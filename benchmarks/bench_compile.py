"""chainrule.compile: eager vs compiled chainrule vs PyTorch eager vs hand-written NumPy, in one run.

Workloads (a fresh leaf per call where there is one; forward + backward, and the SGD update for the MLPs):
  seed polynomial, seed mean, chain 2000 x 16, second order   (as in bench_overhead.py)
  elementwise 1M   y = sum(tanh(x) * x + exp(-x * x)) on 1,000,000 float32, then backward
  MLP steps        as in bench_training.py (cross-entropy, SGD)

Each column is measured in a process of its own (see ``_timing.py``); PyTorch on one thread.
Run: python benchmarks/bench_compile.py [--repeat N]
"""

import importlib
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import bench_overhead  # noqa: E402
import bench_training  # noqa: E402
from _timing import median_time, run  # noqa: E402

ELEMENTWISE = np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32)


def _elementwise(x):
    y = (x.tanh() * x + (-x * x).exp()).sum()
    y.backward()
    return y


def _leaf_workloads(lib):
    """(name, make a fresh leaf, the step, calls per timing): bench_overhead's, and the elementwise one."""
    return bench_overhead.leaf_workloads(lib) + [
        ("elementwise 1M", lambda: lib.tensor(ELEMENTWISE, requires_grad=True), _elementwise, 10)]


def _numpy_elementwise():
    x = ELEMENTWISE.copy()
    t, e = np.tanh(x), np.exp(-x * x)
    y = (t * x + e).sum()
    return y, t + x * (1 - t * t) - 2 * x * e


def measure(library, repeat):
    """Median seconds of every workload for one column: ``chainrule`` (eager), ``compiled``, ``torch``, ``numpy``."""
    column = library
    times = {}
    if column == "numpy":
        for name, by_hand in list(bench_overhead.BY_HAND.items()) + [("elementwise 1M", _numpy_elementwise)]:
            times[name] = median_time(by_hand, 10 if name.startswith(("chain", "elementwise")) else 2000, repeat)
    else:
        lib = importlib.import_module("torch" if column == "torch" else "chainrule")
        if column == "torch":
            lib.set_num_threads(1)
        for name, make, step, number in _leaf_workloads(lib):
            if column == "compiled":
                _first_calls(times, name, lambda: step(make()),
                             lambda: (lambda f: lambda: f(make()))(lib.compile(step)))
                step = lib.compile(step)
            times[name] = median_time(lambda: step(make()), number, repeat)
    for name, sizes, batch, number in bench_training.WORKLOADS:
        layers, images, labels = bench_training.make_problem(sizes, batch)
        if column == "numpy":
            step = bench_training.numpy_step(layers, images, labels)
        else:
            step = bench_training.library_step(lib, layers, images, labels)
            if column == "compiled":
                _first_calls(times, name, bench_training.library_step(lib, layers, images, labels),
                             lambda: lib.compile(bench_training.library_step(lib, layers, images, labels)))
                step = lib.compile(step)
        times[name] = median_time(step, number, repeat)
    return times


def _first_calls(times, name, eager, make_compiled):
    """How long the first two calls of a fresh compiled function take (recording; recording, checking and
    generating the plan), in eager steps of the same workload measured just before."""
    step = median_time(eager, 3, 3)
    compiled = make_compiled()
    calls = []
    for _ in range(2):
        start = time.perf_counter()
        compiled()
        calls.append((time.perf_counter() - start) / step)
    times[f"{name}|first calls"] = calls


def _print_first_calls(results):
    print("\nfirst two calls of a fresh compiled function, in eager steps (1: records; 2: records, compares, "
          "generates and checks the plan):")
    for name in NAMES:
        first, second = results["compiled"].get(f"{name}|first calls", (float("nan"), float("nan")))
        print(f"{name:26} {first:6.1f} {second:6.1f}")


NAMES = list(bench_overhead.BY_HAND) + ["elementwise 1M"] + [name for name, *_ in bench_training.WORKLOADS]


if __name__ == "__main__":
    run(__doc__.splitlines()[0], measure, NAMES, footer=_print_first_calls)
