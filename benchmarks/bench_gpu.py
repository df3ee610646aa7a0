"""chainrule on an NVIDIA GPU (CuPy) beside PyTorch CUDA eager: step times, and the examples trained there.

Workloads (float32, one step each, timed between device synchronisations; µs per step, median of runs):
  scalar step          a one-element parameter through a multiply, sum, backward (launch-bound)
  MLP 64-128-128-10    batch 64: forward, cross-entropy, backward, SGD step, zero_grad
  MLP 784-512-512-10   batch 128, the same step
  MLP 4096x3           4096-4096-4096-4096, batch 4096, the same step
  elementwise 64M      tanh(x * 0.5 + 1) * x summed, forward and backward over 64M floats
                       (eager, and under chainrule.compile / torch.compile)
  matmul 8192          one 8192x8192 product
Targets: MLP 4096x3 and matmul 8192 within 1.05x of PyTorch; the small steps within 1.3x; the compiled
elementwise step at most 0.25x of PyTorch eager. Then the digits MLP and the char transformer examples
run with --device cuda (chainrule, then PyTorch), and their own summary lines are printed.

Run on a machine with a GPU and CuPy (``make test-gpu`` runs it after the GPU tests):
    PYTHONPATH=src python benchmarks/bench_gpu.py [--repeat N] [--skip-examples]
"""

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "src"))

import chainrule  # noqa: E402

TARGETS = {"scalar step": 1.3, "MLP 64-128-128-10": 1.3, "MLP 784-512-512-10": 1.3, "MLP 4096x3": 1.05,
           "elementwise 64M": None, "elementwise 64M compiled": 0.25, "matmul 8192": 1.05}


def median_step(lib, step, number, repeat):
    """Median over ``repeat`` runs of the mean time of ``number`` steps, synchronised (after two warm-ups)."""
    step(), step()
    lib.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            step()
        lib.cuda.synchronize()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def scalar_step(lib):
    w = lib.ones(1, device="cuda", requires_grad=True)

    def step():
        (w * 2.0).sum().backward()
        w.grad = None

    return step


def mlp_step(lib, sizes, batch):
    rng = np.random.default_rng(0)
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [lib.nn.Linear(fan_in, fan_out), lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1]).to("cuda")
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
    x = lib.tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32), device="cuda")
    y = lib.tensor(rng.integers(0, sizes[-1], batch), device="cuda")

    def step():
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    return step


def elementwise_step(lib, compiled, size=64 * 2**20):
    x = lib.linspace(-1.0, 1.0, size, device="cuda").requires_grad_(True)

    def forward_backward(x):
        loss = (lib.tanh(x * 0.5 + 1.0) * x).sum()
        loss.backward()
        return loss

    fn = lib.compile(forward_backward) if compiled else forward_backward

    def step():
        fn(x)
        x.grad = None

    step.compiled = fn
    return step


def matmul_step(lib):
    a = lib.ones(8192, 8192, device="cuda") / 8192
    return lambda: a @ a


WORKLOADS = {
    "scalar step": (scalar_step, 200),
    "MLP 64-128-128-10": (lambda lib: mlp_step(lib, (64, 128, 128, 10), 64), 100),
    "MLP 784-512-512-10": (lambda lib: mlp_step(lib, (784, 512, 512, 10), 128), 100),
    "MLP 4096x3": (lambda lib: mlp_step(lib, (4096, 4096, 4096, 4096), 4096), 5),
    "elementwise 64M": (lambda lib: elementwise_step(lib, False), 10),
    "elementwise 64M compiled": (lambda lib: elementwise_step(lib, True), 10),
    "matmul 8192": (matmul_step, 3),
}


def _micro(seconds):
    return "n/a" if seconds != seconds else f"{seconds * 1e6:.0f} us"


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-examples", action="store_true")
    args = parser.parse_args()
    if not chainrule.cuda.is_available():
        sys.exit("bench_gpu needs an NVIDIA GPU and CuPy (pip install -e '.[cuda12]' or '.[cuda13]')")
    torch = _torch()
    print(f"GPU: {chainrule.cuda.get_device_name(0)}; PyTorch CUDA: "
          f"{torch.__version__ if torch else 'not available (its column reads n/a)'}")
    print(f"{'workload':28s} {'chainrule':>12s} {'PyTorch':>12s} {'ratio':>7s} {'target':>7s}")
    baseline = {}
    for name, (make, number) in WORKLOADS.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            step = make(chainrule)
            ours = median_step(chainrule, step, number, args.repeat)
        theirs = float("nan")
        if torch is not None:
            theirs = median_step(torch, make(torch), number, args.repeat)
        if name == "elementwise 64M":
            baseline["eager"] = theirs  # the compiled target is against PyTorch eager
        reference = baseline["eager"] if name.endswith("compiled") else theirs
        target = TARGETS[name]
        ratio = "n/a" if reference != reference else f"{ours / reference:.2f}"
        print(f"{name:28s} {_micro(ours):>12s} {_micro(theirs):>12s} {ratio:>7s} "
              f"{'' if target is None else f'<={target}':>7s}")
        if name.endswith("compiled"):
            replays = step.compiled.replays
            notes = {str(w.message) for w in caught}
            print(f"    chainrule.compile replays: {replays}" + (f" ({'; '.join(notes)})" if notes else ""))
    if not args.skip_examples:
        for example, options in (("digits_mlp.py", ["--epochs", "5"]), ("char_transformer.py", ["--steps", "300"])):
            for flag in ([], ["--torch"]):
                command = [sys.executable, os.path.join(ROOT, "examples", example), "--device", "cuda",
                           "--output", os.path.join(ROOT, "examples", "output"), *options, *flag]
                done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH="src"),
                                      cwd=ROOT)
                summary = [line for line in done.stdout.splitlines() if " steps in " in line]
                print(f"{example} {' '.join(flag)}: " + (summary[-1] if summary and done.returncode == 0
                                                        else f"failed ({done.returncode}): {done.stderr[-400:]}"))


if __name__ == "__main__":
    main()
