"""One training step of a ReLU MLP: chainrule vs PyTorch vs the same step written by hand in NumPy, in one run.

A step is: forward, cross-entropy loss, backward, SGD update, zero_grad. Workloads:
  MLP 64-128-128-10, batch 64     (the digits example)
  MLP 784-512-512-10, batch 128   (MNIST-sized)

All three start from the same float32 weights and see the same batch. PyTorch runs with its default number
of threads (printed in the header), as a user would run it; NumPy's BLAS uses its own default too.
Prints the median time of each and the ratios chainrule/PyTorch and chainrule/NumPy; each library is
timed in its own process (see ``_timing.py``).
Run: python benchmarks/bench_training.py [--repeat N]
"""

import importlib
import itertools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from _timing import median_time, run  # noqa: E402

LEARNING_RATE = 0.01


def make_problem(sizes, batch, seed=0):
    """Float32 weights (PyTorch's layout: out x in) and one batch of inputs and labels."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                       rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    images = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], batch)
    return layers, images, labels


# ---------------------------------------------------------------- the step on a torch-like module
def library_step(lib, layers, images, labels):
    """A closure running one training step of an nn.Sequential MLP built with ``lib``."""
    modules = []
    for weight, bias in layers:
        linear = lib.nn.Linear(weight.shape[1], weight.shape[0])
        linear.load_state_dict({"weight": lib.tensor(weight), "bias": lib.tensor(bias)})
        modules += [linear, lib.nn.ReLU()]
    model = lib.nn.Sequential(*modules[:-1])
    optimizer = lib.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    x, y = lib.from_numpy(images), lib.from_numpy(labels)

    def step():
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss

    return step


# ---------------------------------------------------------------- the same step by hand in NumPy
def numpy_step(layers, images, labels):
    """A closure running the step with a hand-written backward pass, updating copies of ``layers`` in place."""
    params = [(weight.copy(), bias.copy()) for weight, bias in layers]
    rows = np.arange(len(labels))
    learning_rate = np.float32(LEARNING_RATE)

    def step():
        activations = [images]
        for index, (weight, bias) in enumerate(params):
            pre = activations[-1] @ weight.T + bias
            activations.append(pre if index == len(params) - 1 else np.maximum(pre, 0))
        logits = activations[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = -(shifted[rows, labels] - np.log(total[:, 0])).mean()
        grad = exp / total
        grad[rows, labels] -= 1
        grad /= len(labels)
        for index in range(len(params) - 1, -1, -1):
            weight, bias = params[index]
            below = activations[index]
            grad_weight, grad_bias = grad.T @ below, grad.sum(axis=0)
            if index:
                grad = (grad @ weight) * (below > 0)
            weight -= learning_rate * grad_weight
            bias -= learning_rate * grad_bias
        return loss

    return step


WORKLOADS = [
    ("MLP 64-128-128-10 b64", (64, 128, 128, 10), 64, 200),
    ("MLP 784-512-512-10 b128", (784, 512, 512, 10), 128, 20),
]


def measure(library, repeat):
    """Median seconds of every workload, for one library: ``chainrule``, ``compiled``, ``torch`` or ``numpy``."""
    lib = None if library == "numpy" else importlib.import_module("chainrule" if library == "compiled" else library)
    times = {}
    for name, sizes, batch, number in WORKLOADS:
        layers, images, labels = make_problem(sizes, batch)
        step = numpy_step(layers, images, labels) if lib is None else library_step(lib, layers, images, labels)
        times[name] = median_time(lib.compile(step) if library == "compiled" else step, number, repeat)
    return times


def _header():
    try:
        import torch
    except ImportError:
        return f"one training step; no PyTorch; {os.cpu_count()} CPUs"
    threads = torch.get_num_threads()
    return f"one training step; PyTorch {torch.__version__} with {threads} threads; {os.cpu_count()} CPUs"


if __name__ == "__main__":
    run(__doc__.splitlines()[0], measure, [name for name, *_ in WORKLOADS], header=_header())
