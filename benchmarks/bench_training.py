"""One training step of a ReLU MLP: chainrule vs PyTorch vs the same step written by hand in NumPy, in one run.

A step is: forward, cross-entropy loss, backward, SGD update, zero_grad. Workloads:
  MLP 64-128-128-10, batch 64     (the digits example)
  MLP 784-512-512-10, batch 128   (MNIST-sized)

All three start from the same float32 weights and see the same batch. PyTorch runs with its default number
of threads (printed in the header), as a user would run it; NumPy's BLAS uses its own default too.
Prints the median time of each and the ratios chainrule/PyTorch and chainrule/NumPy.
Run: python benchmarks/bench_training.py [--repeat N]
"""

import argparse
import itertools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import chainrule  # noqa: E402
from _timing import format_duration, median_time  # noqa: E402

try:
    import torch
except ImportError:  # the table then shows chainrule and NumPy only
    torch = None

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    threads = f"PyTorch {torch.__version__} with {torch.get_num_threads()} threads" if torch else "no PyTorch"
    print(f"one training step; {threads}; {os.cpu_count()} CPUs")
    print(f"{'workload':24} {'chainrule':>13} {'PyTorch':>13} {'NumPy':>13} {'cr/torch':>9} {'cr/numpy':>9}")
    for name, sizes, batch, number in WORKLOADS:
        layers, images, labels = make_problem(sizes, batch)
        ours = median_time(library_step(chainrule, layers, images, labels), number, args.repeat)
        theirs = (median_time(library_step(torch, layers, images, labels), number, args.repeat) if torch
                  else float("nan"))
        hand = median_time(numpy_step(layers, images, labels), number, args.repeat)
        print(f"{name:24} {format_duration(ours):>13} {format_duration(theirs):>13} {format_duration(hand):>13} "
              f"{ours / theirs:9.2f} {ours / hand:9.2f}")


if __name__ == "__main__":
    main()
