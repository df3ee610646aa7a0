"""A script run once per library, each in a fresh Python process: for what a process does only once (a warning
PyTorch gives once per process), compared between chainrule and PyTorch."""

import json
import os
import subprocess
import sys

import chainrule


def json_from_fresh_processes(script):
    """``script`` run as ``python -c script chainrule`` and ``... torch``: the JSON each printed, in that order."""
    source = os.path.dirname(os.path.dirname(chainrule.__file__))  # this chainrule, not an installed one
    environment = {**os.environ, "PYTHONPATH": source + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return [json.loads(subprocess.run([sys.executable, "-c", script, name], capture_output=True, text=True,
                                      check=True, env=environment).stdout) for name in ("chainrule", "torch")]
