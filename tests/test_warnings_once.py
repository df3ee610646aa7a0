"""Warnings PyTorch gives once per process (``TORCH_WARN_ONCE``): each library is asked in a fresh process,
twice, and must warn the first time only, with PyTorch's text, at the caller's line."""

import json
import os
import subprocess
import sys

import pytest

import chainrule

_SCRIPT = """
import json, sys, warnings
module = __import__(sys.argv[1])
a = module.ones(3, 3)
calls = [lambda: module.cross(a, a),
         lambda: a.index_reduce(0, module.tensor([0]), module.ones(1, 3), "prod")]
seen = []
for call in calls * 2:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        call()
    seen.append([(w.category.__name__, str(w.message).split(" (Triggered internally")[0], w.filename)
                 for w in record])
print(json.dumps(seen))
"""


@pytest.mark.torch_oracle  # PyTorch runs in the subprocess
def test_warnings_given_once_per_process_as_pytorch():
    source = os.path.dirname(os.path.dirname(chainrule.__file__))  # this chainrule, not an installed one
    environment = {**os.environ, "PYTHONPATH": source + os.pathsep + os.environ.get("PYTHONPATH", "")}
    seen = [json.loads(subprocess.run([sys.executable, "-c", _SCRIPT, name], capture_output=True, text=True,
                                      check=True, env=environment).stdout) for name in ("chainrule", "torch")]
    assert seen[0] == seen[1]
    assert all(seen[1][:2]) and not any(seen[1][2:])
