"""Eager on large tensors: chainrule vs PyTorch vs the same math written by hand in NumPy, in one run.

Workloads (forward, backward, reading the gradient), float32:
  tanh-exp 1M     sum(tanh(x) * x + exp(-x * x)) and its gradient, x of 1,000,000 elements
  tanh-exp 64K    the same on 65,536 elements (fits in the cache: arithmetic, not memory)
  softmax-ce 1M   cross entropy of 1,000 x 1,000 logits, written from exp/sum/log, and its gradient

At these sizes the time goes to memory: every temporary of a megabyte or more is fresh memory from the
operating system unless the allocator keeps it (glibc returns blocks above its mmap threshold on free, and
the next op page-faults them in again). Each library is timed in its own process (see ``_timing.py``),
PyTorch on one thread, NumPy's BLAS on one thread.
Run: OPENBLAS_NUM_THREADS=1 python benchmarks/bench_large.py [--repeat N]
"""

import importlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from _timing import median_time, run  # noqa: E402

LARGE, SMALL = 1_000_000, 65_536
ROWS, CLASSES = 1000, 1000


def _inputs(size):
    return np.random.default_rng(0).standard_normal(size).astype(np.float32)


def _logits():
    rng = np.random.default_rng(1)
    return rng.standard_normal((ROWS, CLASSES)).astype(np.float32), rng.integers(0, CLASSES, ROWS)


# ---------------------------------------------------------------- on a torch-like module
def tanh_exp_step(lib, values):
    def step():
        x = lib.from_numpy(values).requires_grad_(True)
        y = (lib.tanh(x) * x + lib.exp(-x * x)).sum()
        y.backward()
        return x.grad

    return step


def softmax_cross_entropy_step(lib, logits, labels):
    rows = lib.arange(ROWS)
    targets = lib.from_numpy(labels)

    def step():
        z = lib.from_numpy(logits).requires_grad_(True)
        shifted = z - z.max(dim=1, keepdim=True).values.detach()
        log_probabilities = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
        loss = -log_probabilities[rows, targets].mean()
        loss.backward()
        return z.grad

    return step


# ---------------------------------------------------------------- the same math by hand in NumPy
def numpy_tanh_exp(values):
    def step():
        x = values
        t = np.tanh(x)
        e = np.exp(-x * x)
        y = (t * x + e).sum()
        grad = (1 - t * t) * x + t - 2 * x * e
        return y, grad

    return step


def numpy_softmax_cross_entropy(logits, labels):
    rows = np.arange(ROWS)

    def step():
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = -(shifted[rows, labels] - np.log(total[:, 0])).mean()
        grad = exp / total
        grad[rows, labels] -= 1
        grad /= ROWS
        return loss, grad

    return step


WORKLOADS = ["tanh-exp 1M", "tanh-exp 64K", "softmax-ce 1M"]


def measure(library, repeat):
    """Median seconds of every workload, for one library: ``chainrule``, ``compiled``, ``torch`` or ``numpy``."""
    large, small, (logits, labels) = _inputs(LARGE), _inputs(SMALL), _logits()
    if library == "numpy":
        steps = [numpy_tanh_exp(large), numpy_tanh_exp(small), numpy_softmax_cross_entropy(logits, labels)]
    else:
        lib = importlib.import_module("chainrule" if library == "compiled" else library)
        if library == "torch":
            lib.set_num_threads(1)
        steps = [tanh_exp_step(lib, large), tanh_exp_step(lib, small),
                 softmax_cross_entropy_step(lib, logits, labels)]
        if library == "compiled":
            steps = [lib.compile(step) for step in steps]
    numbers = (20, 200, 10)
    return {name: median_time(step, number, repeat) for name, step, number in zip(WORKLOADS, steps, numbers)}


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    run(__doc__.splitlines()[0], measure, WORKLOADS)
