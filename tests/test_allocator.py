"""The allocator settings chainrule starts with on Linux with glibc (``chainrule._allocator``): a step on a
million elements reuses freed memory instead of faulting in fresh pages, with the same results.

Each case runs in a fresh interpreter, since the settings are made once, at import.
"""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None
                                or "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ,
                                reason="glibc's allocator, untuned by the environment")

STEP = """
import hashlib, json, resource
import numpy as np
import chainrule
values = np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32)

def step():
    x = chainrule.from_numpy(values).requires_grad_(True)
    y = (chainrule.tanh(x) * x + chainrule.exp(-x * x)).sum()
    y.backward()
    return x.grad.numpy()

step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    grad = step()
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5
print(json.dumps({"faults": faults, "grad": hashlib.sha256(grad.tobytes()).hexdigest()}))
"""


def _run(**environment):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), **environment)
    output = subprocess.run([sys.executable, "-c", STEP], env=env, capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_a_large_step_reuses_freed_memory_with_the_same_results():
    kept = _run()
    system = _run(CHAINRULE_SYSTEM_MALLOC="1")
    # glibc's defaults hand a graph's 4 MB temporaries back and fault them in again: thousands per step
    assert system["faults"] > 1000
    assert kept["faults"] < system["faults"] / 10
    assert kept["grad"] == system["grad"]
