"""Warnings PyTorch gives once per process (``TORCH_WARN_ONCE``): each library is asked in a fresh process,
twice, and must warn the first time only, with PyTorch's text, at the caller's line."""

import pytest
from fresh_process import json_from_fresh_processes

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
    seen = json_from_fresh_processes(_SCRIPT)
    assert seen[0] == seen[1]
    assert all(seen[1][:2]) and not any(seen[1][2:])
