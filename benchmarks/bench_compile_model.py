"""``model = compile(model)`` with the training loop outside, as nanoGPT writes it: eager vs compiled, in one run.

A step: the model's forward, cross-entropy outside the model, zero_grad, backward, clip_grad_norm_(1.0), AdamW,
``loss.item()``. Workloads:
  char transformer      examples/char_transformer.py's model (2 pre-norm layers, width 64, context 64), batch 16
  MLP 784-512-512-10    batch 128

Each library runs in a process of its own (see ``_timing.py``), with one BLAS thread (OPENBLAS_NUM_THREADS=1,
``torch.set_num_threads(1)``). Inside it, eager and compiled steps alternate in blocks of a few steps, so both see
the same machine load: each block pair gives one ratio, and the table shows the median ratio with the lowest and
highest. PyTorch's ``torch.compile`` runs where a C compiler is installed (``--no-torch-compile`` skips it: its
first call takes minutes on a small machine). chainrule's compiled losses are checked equal to eager's, bit for bit.

First calls: the extra time of a fresh compiled model's first four steps over four eager steps, in eager steps
(chainrule records the first two calls, forward and backward, then checks and writes the plans), and how much of
it went to writing and checking the plans (``CompiledFunction.planning_seconds``).
Run: python benchmarks/bench_compile_model.py [--repeat N] [--no-torch-compile]
"""

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS, here and in the children

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))

BATCHES = 8  # distinct batches, cycled
BLOCK = {"char transformer": 4, "MLP 784-512-512-10": 4}  # steps per timed block


def _char_transformer(lib):
    """The example's model class, imported for ``lib`` (the example picks its library from the command line)."""
    argv = sys.argv
    sys.argv = [argv[0]] + (["--torch"] if lib.__name__ == "torch" else [])
    try:
        sys.modules.pop("char_transformer", None)
        import char_transformer
    finally:
        sys.argv = argv
    with open(char_transformer.TEXT) as fh:
        text = fh.read()
    characters = sorted(set(text))
    index = {character: i for i, character in enumerate(characters)}
    data = lib.tensor([index[character] for character in text])
    lib.manual_seed(0)
    batches = [char_transformer.random_windows(data, 64, 16) for _ in range(BATCHES)]
    vocabulary = len(characters)

    def make():
        lib.manual_seed(0)
        return char_transformer.CharTransformer(vocabulary, 64)

    def loss_of(logits, targets):
        return lib.nn.functional.cross_entropy(logits.reshape(-1, vocabulary), targets.reshape(-1))

    return make, loss_of, batches


def _mlp(lib):
    rng = np.random.default_rng(0)
    batches = [(lib.tensor(rng.standard_normal((128, 784)).astype(np.float32)), lib.tensor(rng.integers(0, 10, 128)))
               for _ in range(BATCHES)]

    def make():
        lib.manual_seed(0)
        nn = lib.nn
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

    return make, lib.nn.functional.cross_entropy, batches


WORKLOADS = {"char transformer": _char_transformer, "MLP 784-512-512-10": _mlp}


def _trainer(lib, make, loss_of, compiled):
    model = make()
    run = lib.compile(model) if compiled else model
    optimizer = lib.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    losses = []

    def step(x, y):
        loss = loss_of(run(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())

    return step, losses, run


def _block(step, batches, start, count):
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(start, start + count):
        step(*batches[i % len(batches)])
    return (time.perf_counter() - wall) / count, (time.process_time() - cpu) / count


def measure(library, repeat, torch_compile):
    """For each workload: per-block (wall, cpu) seconds per step, eager and compiled, and the first calls."""
    import importlib

    lib = importlib.import_module("torch" if library == "torch" else "chainrule")
    if library == "torch":
        lib.set_num_threads(1)
    results = {}
    for name, workload in WORKLOADS.items():
        make, loss_of, batches = workload(lib)
        eager, eager_losses, _ = _trainer(lib, make, loss_of, False)
        result = {}
        if library == "chainrule" or torch_compile:
            compiled, compiled_losses, run = _trainer(lib, make, loss_of, True)
            eager_first = [_block(eager, batches, i, 1)[0] for i in range(4)]
            compiled_first = [_block(compiled, batches, i, 1)[0] for i in range(4)]
            block = BLOCK[name]
            for i in range(2):  # warm up: every batch seen by both
                _block(eager, batches, 4 + i * block, block)
                _block(compiled, batches, 4 + i * block, block)
            pairs = []
            for r in range(repeat):
                start = 4 + (2 + r) * block
                pairs.append((_block(eager, batches, start, block), _block(compiled, batches, start, block)))
            step = statistics.median(e[0] for e, _ in pairs)
            result.update(pairs=pairs, first=(sum(compiled_first) - sum(eager_first)) / step,
                          planning=getattr(run, "planning_seconds", math.nan) / step,
                          equal=eager_losses == compiled_losses,
                          difference=max(abs(a - b) for a, b in zip(eager_losses, compiled_losses)))
        else:
            for i in range(2):
                _block(eager, batches, i * 4, 4)
            result["pairs"] = [(_block(eager, batches, (2 + r) * 4, 4), None) for r in range(repeat)]
        results[name] = result
    return results


def _in_child(library, repeat, torch_compile):
    command = [sys.executable, sys.argv[0], "--library", library, "--repeat", str(repeat)]
    if not torch_compile:
        command.append("--no-torch-compile")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-2000:])
        return {}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ms(seconds):
    return f"{seconds * 1e3:8.2f} ms"


def _report(name, ours, theirs, clock):
    """One table row per workload for one clock (0: wall, 1: CPU)."""
    pairs = ours["pairs"]
    eager = statistics.median(e[clock] for e, _ in pairs)
    compiled = statistics.median(c[clock] for _, c in pairs)
    ratios = sorted(e[clock] / c[clock] for e, c in pairs)
    spread = f"({ratios[0]:.2f}-{ratios[-1]:.2f})"
    row = f"{name:20} {_ms(eager)} {_ms(compiled)}  {statistics.median(ratios):5.2f}x {spread}"
    if theirs:
        torch_eager = statistics.median(e[clock] for e, _ in theirs["pairs"])
        row += f"  {_ms(torch_eager)}"
        if theirs["pairs"][0][1] is not None:
            torch_compiled = statistics.median(c[clock] for _, c in theirs["pairs"])
            torch_ratios = sorted(e[clock] / c[clock] for e, c in theirs["pairs"])
            row += f" {_ms(torch_compiled)}  {statistics.median(torch_ratios):5.2f}x"
        else:
            row += f" {'n/a':>11}  {'':6}"
        row += f"  {compiled / torch_eager:8.2f}"
    print(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="timed block pairs per workload (default 9)")
    parser.add_argument("--no-torch-compile", action="store_true", help="skip PyTorch's torch.compile")
    parser.add_argument("--library", choices=("chainrule", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch_compile = not args.no_torch_compile and (shutil.which("cc") or shutil.which("gcc")) is not None
    if args.library:
        print(json.dumps(measure(args.library, args.repeat, torch_compile)))
        return
    ours = _in_child("chainrule", args.repeat, torch_compile)
    theirs = _in_child("torch", args.repeat, torch_compile)
    for clock, title in ((0, "wall-clock"), (1, "CPU time of the process")):
        print(f"\none step, {title} (medians over {args.repeat} block pairs; speedup: eager / compiled, "
              f"median (lowest-highest) of the pairs)")
        print(f"{'workload':20} {'chainrule':>11} {'compiled':>11}  {'speedup':>19}  {'PyTorch':>11} "
              f"{'torch.comp':>11}  {'speedup':>6}  {'comp/torch'}")
        for name in WORKLOADS:
            if name in ours:
                _report(name, ours[name], theirs.get(name), clock)
    print("\nchainrule: compiled losses equal eager's bit for bit: " +
          ", ".join(f"{name}: {'yes' if ours[name]['equal'] else 'NO'}" for name in WORKLOADS if name in ours))
    print("first four compiled steps, extra time in eager steps (chainrule: recording, checking, writing plans): " +
          ", ".join(f"{name}: {ours[name]['first']:.1f} (writing and checking plans: {ours[name]['planning']:.1f})"
                    for name in WORKLOADS if name in ours))
    if theirs and theirs[next(iter(WORKLOADS))]["pairs"][0][1] is not None:
        print("PyTorch torch.compile: first four steps, extra time in eager steps: " +
              ", ".join(f"{name}: {theirs[name]['first']:.0f}" for name in WORKLOADS if name in theirs) +
              "; largest loss difference from its eager: " +
              ", ".join(f"{name}: {theirs[name]['difference']:.1e}" for name in WORKLOADS if name in theirs))


if __name__ == "__main__":
    main()
