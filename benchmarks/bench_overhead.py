"""Per-op overhead: chainrule vs PyTorch vs the same math written by hand in NumPy, in one run.

Workloads (forward + backward + reading the gradient):
  seed polynomial  y = 2x^4 + x^3 + 3x^2 + 5x + 1 at a 0-d x
  seed mean        out = mean(2 * (3x + 2)^2) for a 2x3 x
  chain 2000       x = x * 1.0001 + 0.001, 2000 times, on 16 elements, then sum
  second order     y = x^3; dy = grad(y, x, create_graph=True); d2y = grad(dy, x)

Prints the median time of each and the ratios chainrule/PyTorch and chainrule/NumPy; each library is
timed in its own process (see ``_timing.py``), PyTorch on one thread.
Run: python benchmarks/bench_overhead.py [--repeat N]
"""

import importlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from _timing import median_time, run  # noqa: E402


# ---------------------------------------------------------------- workloads on a torch-like module
def seed_polynomial(lib):
    x = lib.tensor(2.0, requires_grad=True)
    y = 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1
    y.backward()
    return x.grad


def seed_mean(lib):
    x = lib.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
    y = 3 * x + 2
    z = 2 * y ** 2
    out = z.mean()
    out.backward()
    return x.grad


def chain(lib):
    x0 = lib.ones(16, requires_grad=True)
    x = x0
    for _ in range(2000):
        x = x * 1.0001 + 0.001
    x.sum().backward()
    return x0.grad


def second_order(lib):
    x = lib.tensor(2.0, requires_grad=True)
    y = x ** 3
    (dy,) = lib.autograd.grad(y, x, create_graph=True)
    (d2y,) = lib.autograd.grad(dy, x)
    return d2y


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


WORKLOADS = [
    ("seed polynomial", seed_polynomial, numpy_seed_polynomial, 2000),
    ("seed mean", seed_mean, numpy_seed_mean, 2000),
    ("chain 2000 x 16", chain, numpy_chain, 10),
    ("second order x^3", second_order, numpy_second_order, 2000),
]


def measure(library, repeat):
    """Median seconds of every workload, for one library: ``chainrule``, ``torch`` or ``numpy``."""
    if library == "numpy":
        return {name: median_time(by_hand, number, repeat) for name, _, by_hand, number in WORKLOADS}
    lib = importlib.import_module(library)
    if library == "torch":
        lib.set_num_threads(1)
    return {name: median_time(lambda: workload(lib), number, repeat) for name, workload, _, number in WORKLOADS}


if __name__ == "__main__":
    run(__doc__.splitlines()[0], measure, [name for name, *_ in WORKLOADS])
