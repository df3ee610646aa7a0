"""Saving and loading state_dicts: chainrule beside torch.save/torch.load and the safetensors library.

Workloads (--workloads, separated by ';'):
  20,000 small   20,000 tensors of 8x8 float32 (a checkpoint of many small layers)
  256 MiB        one state_dict of 256 MiB in 64 MiB float32 tensors
  1 GiB          the same at 1024 MiB (--big, or name it in --workloads)

Operations:
  save       over the file the previous round wrote (a checkpoint saved again under its name)
  save new   to a path with no file (the old one is removed just before, outside the timing)
  load       torch.load with weights_only=True (its default); the safetensors library's load_file maps
             the file and reads nothing until a tensor is used, so compare it with "chainrule mmap"

Every measurement runs in a fresh process, and the libraries take turns within each round (--repeat
rounds), so a change in the machine's load during the run falls on all of them alike, and starts after
os.sync(): on a disk mounted with "discard", blocks freed by removing a file are trimmed at the next
journal commit, which the next fsync would otherwise wait for, whoever freed them. Each cell is the
median over the rounds of the wall time, with the process's CPU time and the peak memory the operation
added (resident set high-water mark, VmHWM, reset just before it) beside it.

chainrule.save fsyncs the file before renaming it over the target; torch.save and the safetensors
library do not sync at all, so the "torch+fsync" column (torch.save, then fsync of the file) shows what
PyTorch pays for the same durability. The ratios divide chainrule's time by the faster of torch and
safetensors (the goal is 1.5 at most) and, for saves, by torch+fsync. Disk timings vary with the
machine's other writes; --dir /dev/shm times the libraries' own work without a disk.

Run: python benchmarks/bench_serialization.py [--big] [--repeat N] [--dir DIR] [--workloads W1;W2]
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

SAVE_COLUMNS = ("chainrule", "chainrule zip", "torch", "torch+fsync", "safetensors")
LOAD_COLUMNS = ("chainrule", "chainrule mmap", "chainrule zip", "torch", "safetensors")
COLUMNS = ("chainrule", "chainrule mmap", "chainrule zip", "torch", "torch+fsync", "safetensors")
OPERATIONS = (("save new", SAVE_COLUMNS), ("save", SAVE_COLUMNS), ("load", LOAD_COLUMNS))
SMALL_COUNT = 20_000
BIG_TENSOR_MB = 64
WORKLOAD_MB = {"256 MiB": 256, "1 GiB": 1024}


def arrays(workload):
    """The state_dict's arrays: the same values for every library."""
    rng = np.random.default_rng(0)
    if workload == "20,000 small":
        return {f"layer{i}.weight": rng.standard_normal((8, 8), dtype=np.float32) for i in range(SMALL_COUNT)}
    block = rng.standard_normal(BIG_TENSOR_MB * 2 ** 20 // 4, dtype=np.float32)
    return {f"block{i}.weight": block + i for i in range(WORKLOAD_MB[workload] // BIG_TENSOR_MB)}


def file_kind(column):
    """Columns that read the same file share it: chainrule mmap reads chainrule's, torch+fsync writes its own."""
    return {"chainrule mmap": "chainrule"}.get(column, column).replace(" ", "_").replace("+", "_")


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
    as_torch = lambda values: {k: torch.from_numpy(v) for k, v in values.items()}  # noqa: E731
    if column.startswith("torch"):
        return torch.save, torch.load, as_torch
    import safetensors.torch

    return safetensors.torch.save_file, safetensors.torch.load_file, as_torch


def _status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak():
    """Start the high-water mark afresh (Linux: writing 5 to clear_refs); returns the resident KiB now."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return _status_kib("VmRSS")
    except OSError:  # without clear_refs, the peak since the process started
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_kib():
    try:
        return _status_kib("VmHWM")
    except (OSError, KeyError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(column, operation, workload, path):
    """Run in a child process: one timing of ``operation`` and the memory it added at its peak."""
    save, load, make_state = operations(column)
    state = make_state(arrays(workload)) if operation.startswith("save") else None
    if operation == "save new" and os.path.exists(path):
        os.unlink(path)
    os.sync()  # the previous measurement's unsynced writes and freed blocks are not charged to this one
    baseline = reset_peak()
    start, cpu_start = time.perf_counter(), time.process_time()
    if operation == "load":
        result = load(path)
    else:
        save(state, path)
        if column == "torch+fsync":
            with open(path, "rb+") as written:
                os.fsync(written.fileno())
        result = None
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    added = max(0, peak_kib() - baseline) / 1024
    del result
    return {"seconds": seconds, "cpu": cpu, "peak_mb": added}


def in_child(column, operation, workload, path):
    command = [sys.executable, os.path.abspath(__file__), "--child", column, operation, workload, path]
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def summary(runs):
    """The median wall time, the median CPU time and the largest peak over the rounds, or None."""
    if not runs or any(run is None for run in runs):
        return None
    return {"seconds": statistics.median(run["seconds"] for run in runs),
            "cpu": statistics.median(run["cpu"] for run in runs),
            "peak_mb": max(run["peak_mb"] for run in runs)}


def cell(result):
    if result is None:
        return "n/a"
    return f"{result['seconds']:.3f} ({result['cpu']:.3f}) {result['peak_mb']:5.0f}M"


def ratio(results, ours, theirs):
    valid = [results[name]["seconds"] for name in theirs if results.get(name) is not None]
    if results.get(ours) is None or not valid:
        return float("nan")
    return results[ours]["seconds"] / max(min(valid), 1e-9)


def ratios(operation, results):
    """What the goal compares: chainrule against the faster of torch and safetensors, lazy loads together."""
    if operation == "load":
        return (f"eager/torch {ratio(results, 'chainrule', ['torch']):.2f}  "
                f"mmap/safetensors {ratio(results, 'chainrule mmap', ['safetensors']):.2f}")
    return (f"/faster {ratio(results, 'chainrule', ['torch', 'safetensors']):.2f}  "
            f"/torch+fsync {ratio(results, 'chainrule', ['torch+fsync']):.2f}")


def load_average():
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def run_workload(workload, folder, repeat):
    runs = {}
    for _ in range(repeat):
        for operation, columns in OPERATIONS:
            for column in columns:
                path = os.path.join(folder, f"{workload.split(',')[0].replace(' ', '')}.{file_kind(column)}")
                runs.setdefault((operation, column), []).append(in_child(column, operation, workload, path))
    for operation, columns in OPERATIONS:
        results = {column: summary(runs[operation, column]) for column in columns}
        print(f"{workload:12} {operation:8} " + " ".join(f"{cell(results.get(c)):>22}" for c in COLUMNS)
              + "  " + ratios(operation, results), flush=True)
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each cell is the median over them")
    parser.add_argument("--big", action="store_true", help="add the 1 GiB workload")
    parser.add_argument("--dir", default=None, help="where the files go (a temporary folder by default)")
    parser.add_argument("--workloads", default=None, help="workloads to run, separated by ';'")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return
    workloads = (args.workloads.split(";") if args.workloads
                 else ["20,000 small", "256 MiB"] + (["1 GiB"] if args.big else []))
    unknown = [w for w in workloads if w != "20,000 small" and w not in WORKLOAD_MB]
    if unknown:
        parser.error(f"unknown workloads {unknown}; known: 20,000 small, {', '.join(WORKLOAD_MB)}")
    folder = tempfile.mkdtemp(dir=args.dir, prefix="bench_serialization.")
    try:
        print(f"median of {args.repeat} rounds, libraries alternating, each in a fresh process; files in {folder}; "
              f"load average {load_average()}")
        print("cells: wall seconds (CPU seconds) peak memory added in MiB")
        print(f"{'workload':12} {'op':8} " + " ".join(f"{c:>22}" for c in COLUMNS) + "  ratios")
        for workload in workloads:
            run_workload(workload, folder, args.repeat)
        print(f"load average at the end {load_average()}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
