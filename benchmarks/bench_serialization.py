"""Saving and loading state_dicts: chainrule beside torch.save/torch.load and the safetensors library.

Workloads:
  20,000 small   20,000 tensors of 8x8 float32 (a checkpoint of many small layers)
  big            one state_dict of --big-mb MiB (1024 by default) in 64 MiB float32 tensors

Columns: chainrule's default format (the safetensors layout), the same loaded with mmap=True,
chainrule writing and reading PyTorch's zip format (format="torch"), torch.save/torch.load
(weights_only=True, its default), and the safetensors library (safetensors.torch.save_file/load_file,
whose load maps the file and reads nothing until a tensor is used: compare it with chainrule's mmap
column). Each cell is the median time over --repeat runs and the peak memory the operation added to
its process (resident set, in MiB), each measured in a fresh process. chainrule.save fsyncs the file
before renaming it over the target; torch.save and the safetensors library do not sync, so the
"torch.save + fsync" line shows what PyTorch pays for the same durability. Saving atomically also
means writing fresh disk blocks (the old file stays whole until the rename), where torch.save rewrites
its file in place; on a thinly provisioned virtual disk fresh blocks can cost several times more.
Disk timings also vary with the machine's other writes: --dir /dev/shm times the libraries' own work.

Run: python benchmarks/bench_serialization.py [--big-mb N] [--repeat N] [--dir DIR] [--workloads big]
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

COLUMNS = ("chainrule", "chainrule mmap", "chainrule zip", "torch", "safetensors")
SMALL_COUNT = 20_000
BIG_TENSOR_MB = 64


def arrays(workload, big_mb):
    """The state_dict's arrays: the same values for every library."""
    rng = np.random.default_rng(0)
    if workload == "20,000 small":
        return {f"layer{i}.weight": rng.standard_normal((8, 8), dtype=np.float32) for i in range(SMALL_COUNT)}
    count = max(1, big_mb // BIG_TENSOR_MB)
    size = min(big_mb, BIG_TENSOR_MB) * 2 ** 20 // 4
    return {f"block{i}.weight": rng.standard_normal(size, dtype=np.float32) for i in range(count)}


def operations(column):
    """(save(state, path), load(path), state from arrays) for one column."""
    if column.startswith("chainrule"):
        import chainrule

        file_format = "torch" if column == "chainrule zip" else None
        mmap = column == "chainrule mmap"
        return (lambda state, path: chainrule.save(state, path, format=file_format),
                lambda path: chainrule.load(path, mmap=mmap),
                lambda values: {k: chainrule.from_numpy(v) for k, v in values.items()})
    import torch

    torch.set_num_threads(1)
    if column == "torch":
        return torch.save, torch.load, lambda values: {k: torch.from_numpy(v) for k, v in values.items()}
    import safetensors.torch

    return (safetensors.torch.save_file, safetensors.torch.load_file,
            lambda values: {k: torch.from_numpy(v) for k, v in values.items()})


def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(column, operation, workload, path, big_mb, repeat, sync):
    """Run in a child process: the median time of ``operation`` and the memory its first run added."""
    save, load, make_state = operations(column)
    state = make_state(arrays(workload, big_mb)) if operation == "save" else None

    def once():
        if operation == "load":
            return load(path)
        save(state, path)
        if sync:
            with open(path, "rb+") as written:
                os.fsync(written.fileno())
        return None

    baseline = resident_mb()
    start = time.perf_counter()
    result = once()
    times = [time.perf_counter() - start]
    added = max(0.0, peak_mb() - baseline)
    del result
    for _ in range(repeat - 1):
        start = time.perf_counter()
        result = once()
        times.append(time.perf_counter() - start)
        del result
    return {"seconds": statistics.median(times), "peak_mb": added}


def in_child(column, operation, workload, path, args, sync=False):
    command = [sys.executable, os.path.abspath(__file__), "--child", column, operation, workload, path,
               "--big-mb", str(args.big_mb), "--repeat", str(args.repeat)] + (["--sync"] if sync else [])
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def ratio(results, ours, theirs):
    if results[ours] is None or results[theirs] is None:
        return float("nan")
    return results[ours]["seconds"] / max(results[theirs]["seconds"], 1e-9)


def cell(result):
    return "n/a" if result is None else f"{result['seconds']:8.3f} s {result['peak_mb']:7.0f} MiB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where the files go (a temporary folder by default)")
    parser.add_argument("--workloads", default="20,000 small;big", help="which workloads, separated by ';'")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--sync", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        column, operation, workload, path = args.child
        print(json.dumps(measure(column, operation, workload, path, args.big_mb, args.repeat, args.sync)))
        return
    folder = tempfile.mkdtemp(dir=args.dir, prefix="bench_serialization.")
    try:
        workloads = args.workloads.split(";")
        print(f"big = {args.big_mb} MiB in {BIG_TENSOR_MB} MiB float32 tensors; median of {args.repeat}; "
              f"files in {folder}")
        print(f"{'workload':14} {'op':5} " + " ".join(f"{c:>22}" for c in COLUMNS) + f" {'cr/torch':>9}"
              f" {'cr/safet.':>9}")
        for workload in workloads:
            for operation in ("save", "load"):
                results = {}
                for column in COLUMNS:
                    if column == "chainrule mmap" and operation == "save":
                        results[column] = None  # the same file as "chainrule"
                        continue
                    stored = "chainrule" if column == "chainrule mmap" else column
                    path = os.path.join(folder, f"{workload.split(',')[0]}.{stored.replace(' ', '_')}")
                    results[column] = in_child(column, operation, workload, path, args)
                ours = "chainrule mmap" if operation == "load" else "chainrule"  # lazy beside lazy
                print(f"{workload:14} {operation:5} " + " ".join(f"{cell(results[c]):>22}" for c in COLUMNS)
                      + f" {ratio(results, 'chainrule', 'torch'):9.2f} {ratio(results, ours, 'safetensors'):9.2f}")
            synced = in_child("torch", "save", workload, os.path.join(folder, "synced.torch"), args, sync=True)
            print(f"{workload:14} {'save':5} torch.save + fsync: {cell(synced)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
