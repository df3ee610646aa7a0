"""Per-sample gradients of a 3-layer MLP over a batch of 64: ``vmap(grad(loss))`` against a Python loop over
the samples, in chainrule and in PyTorch, each library timed in its own process (PyTorch on one thread).

The loop runs one forward and backward per sample; vmap runs the whole batch through each op once, so
its advantage is the Python overhead of 63 forward and backward passes saved.
Run: OPENBLAS_NUM_THREADS=1 python benchmarks/bench_vmap.py [--repeat N]
"""

import argparse
import importlib
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from _timing import format_duration, median_time  # noqa: E402

BATCH, WIDTH = 64, 128


def workloads(lib):
    rng = np.random.default_rng(0)
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(32, WIDTH), lib.nn.ReLU(), lib.nn.Linear(WIDTH, WIDTH), lib.nn.ReLU(),
                              lib.nn.Linear(WIDTH, 10))
    params = {name: p.detach() for name, p in model.named_parameters()}
    data = lib.tensor(rng.standard_normal((BATCH, 32)).astype(np.float32))
    targets = lib.tensor(rng.integers(0, 10, BATCH))

    def loss(params, sample, target):
        out = lib.func.functional_call(model, params, (sample.unsqueeze(0),))
        return lib.nn.functional.cross_entropy(out, target.unsqueeze(0))

    per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))

    def with_vmap():
        return per_sample(params, data, targets)

    def with_loop():
        leaves = [p.requires_grad_(True) for p in model.parameters()]
        grads = []
        for i in range(BATCH):
            value = lib.nn.functional.cross_entropy(model(data[i:i + 1]), targets[i:i + 1])
            grads.append(lib.autograd.grad(value, leaves))
        return grads

    return {"vmap(grad)": with_vmap, "loop over samples": with_loop}


def measure(library, repeat):
    lib = importlib.import_module(library)
    if library == "torch":
        lib.set_num_threads(1)
    return {name: median_time(fn, 3, repeat) for name, fn in workloads(lib).items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--library", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.library:
        print(json.dumps(measure(args.library, args.repeat)))
        return
    results = {}
    for library in ("chainrule", "torch"):
        out = subprocess.run([sys.executable, sys.argv[0], "--library", library, "--repeat", str(args.repeat)],
                             capture_output=True, text=True)
        results[library] = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {}
    print(f"{'workload':<20} {'chainrule':>12} {'PyTorch':>12} {'cr/torch':>9}")
    for name in ("vmap(grad)", "loop over samples"):
        ours, theirs = results["chainrule"].get(name, float("nan")), results["torch"].get(name, float("nan"))
        print(f"{name:<20} {format_duration(ours):>12} {format_duration(theirs):>12} {ours / theirs:9.2f}")
    for library, label in (("chainrule", "chainrule"), ("torch", "PyTorch")):
        times = results[library]
        if times:
            print(f"{label}: vmap is {times['loop over samples'] / times['vmap(grad)']:.1f}x faster than the loop")


if __name__ == "__main__":
    main()
