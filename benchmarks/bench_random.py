"""Random draws: chainrule (PyTorch's streams, vectorised through NumPy's MT19937) vs PyTorch vs NumPy.

Workloads: ``rand``/``randn`` of a million float32 (the default dtype) and float64 values, ``randn``
with numba unavailable (the pure-NumPy transform), ``randint``, ``randperm``, ``uniform_`` with bounds,
a dropout mask and a 1024x1024 ``Linear``'s default initialisation. The NumPy column is the same draw
from NumPy's own fast generator (PCG64), which gives other numbers: what a fast NumPy draw costs.
Each column is timed in its own process (see ``_timing.py``), with one thread for BLAS and PyTorch.
Run: OPENBLAS_NUM_THREADS=1 python benchmarks/bench_random.py [--repeat N]
"""

import importlib
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from _timing import median_time, run  # noqa: E402

MILLION = 1_000_000
WORKLOADS = ["rand 1M float32", "randn 1M float32", "rand 1M float64", "randn 1M float64",
             "randn 1M float32, no numba", "randint 1M", "randperm 100k", "uniform_(-1, 1) 1M", "dropout 1M",
             "Linear(1024, 1024)"]


def _library_workloads(lib):
    x = lib.ones(MILLION)
    return {
        "rand 1M float32": lambda: lib.rand(MILLION),
        "randn 1M float32": lambda: lib.randn(MILLION),
        "rand 1M float64": lambda: lib.rand(MILLION, dtype=lib.float64),
        "randn 1M float64": lambda: lib.randn(MILLION, dtype=lib.float64),
        "randint 1M": lambda: lib.randint(0, 1000, (MILLION,)),
        "randperm 100k": lambda: lib.randperm(100_000),
        "uniform_(-1, 1) 1M": lambda: x.uniform_(-1, 1),
        "dropout 1M": lambda: lib.nn.functional.dropout(x, 0.1),
        "Linear(1024, 1024)": lambda: lib.nn.Linear(1024, 1024),
    }


def _numpy_workloads():
    rng = np.random.default_rng(0)
    x = np.ones(MILLION, dtype=np.float32)
    return {
        "rand 1M float32": lambda: rng.random(MILLION, dtype=np.float32),
        "randn 1M float32": lambda: rng.standard_normal(MILLION, dtype=np.float32),
        "rand 1M float64": lambda: rng.random(MILLION),
        "randn 1M float64": lambda: rng.standard_normal(MILLION),
        "randn 1M float32, no numba": lambda: rng.standard_normal(MILLION, dtype=np.float32),
        "randint 1M": lambda: rng.integers(0, 1000, MILLION),
        "randperm 100k": lambda: rng.permutation(100_000),
        "uniform_(-1, 1) 1M": lambda: rng.uniform(-1, 1, MILLION).astype(np.float32),
        "dropout 1M": lambda: x * ((rng.random(MILLION, dtype=np.float32) >= 0.1) / np.float32(0.9)),
        "Linear(1024, 1024)": lambda: (rng.uniform(-1 / 32, 1 / 32, (1024, 1024)).astype(np.float32),
                                       rng.uniform(-1 / 32, 1 / 32, 1024).astype(np.float32)),
    }


def measure(library, repeat):
    if library == "compiled":
        return {}
    if library == "numpy":
        workloads = _numpy_workloads()
    else:
        lib = importlib.import_module(library)
        if library == "torch":
            lib.set_num_threads(1)
        workloads = _library_workloads(lib)
        workloads["randn 1M float32, no numba"] = _without_numba(lib) if library == "chainrule" else \
            workloads["randn 1M float32"]
    return {name: median_time(fn, 1, repeat) for name, fn in workloads.items()}


def _without_numba(lib):
    from chainrule._random import fast

    def draw():
        kept = fast._state.pop("numba", None), fast._state.pop("float32", None)
        fast._state["numba"] = None
        try:
            return lib.randn(MILLION)
        finally:
            fast._state.pop("numba")
            for key, value in zip(("numba", "float32"), kept):
                if value is not None:
                    fast._state[key] = value

    return draw


def _summary(results):
    ours, theirs = results.get("chainrule", {}), results.get("torch", {})
    for name in ("rand 1M float32", "randn 1M float32"):
        ratio = ours.get(name, math.nan) / theirs.get(name, math.nan)
        print(f"{name}: chainrule / PyTorch = {ratio:.2f} (target 1.5 or less)")


if __name__ == "__main__":
    run(__doc__.splitlines()[0], measure, WORKLOADS, footer=_summary)
