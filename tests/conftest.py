"""What the whole suite shares: the ``torch_oracle`` and ``gpu`` markers and how graph pictures are checked.

``torch_oracle`` marks the tests that compare with PyTorch: every test of a module that imports torch
(marked here, from the module's imports) and the few that run torch in a subprocess (marked where they
are defined). The CI job on the lowest declared Python and NumPy has no PyTorch and runs
``pytest -m "not torch_oracle"``: with that selection, and only when torch is not installed, the modules
that import torch are not even collected. Everywhere else a missing torch fails loudly.

Graph pictures need Graphviz's ``dot`` program. Where it is missing the rendering tests check the DOT
text and that no empty picture is written; the run's summary says once which of the two it did.

Tests marked ``gpu`` need an NVIDIA GPU with CuPy; where there is none they do not run, and the run's
summary says how many did not (they are never dropped silently). Device bookkeeping is tested on every
machine through ``cuda_standin``, a CPU stand-in registered as chainrule's ``cuda`` device.
"""

import ast
import functools
import importlib.util
import os
import re

import pytest
from cuda_standin import use_standin

import chainrule
from chainrule import viz

TORCH_INSTALLED = importlib.util.find_spec("torch") is not None
MISSING_RENDERER = viz.missing_renderer()
NO_GPU = "no CUDA device: CuPy is not installed or sees no GPU"


def pytest_terminal_summary(terminalreporter):
    """Even under -q: which way this run checked the graph pictures, and how many GPU tests did not run
    (counted from the reports, so that it works under xdist too)."""
    if MISSING_RENDERER is None:
        terminalreporter.write_line("graph pictures: rendered with Graphviz's dot")
    else:
        terminalreporter.write_line(f"graph pictures: the DOT text checked, none rendered. {MISSING_RENDERER}")
    not_run = [report for report in terminalreporter.stats.get("skipped", [])
               if NO_GPU in str(getattr(report, "longrepr", ""))]
    if not_run:
        terminalreporter.write_line(f"{len(not_run)} GPU tests did not run ({NO_GPU}); "
                                    "make test-gpu runs them on a machine with an NVIDIA GPU")


def _top_level_imports(path):
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            yield from (alias.name.split(".")[0] for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
            yield statement.module.split(".")[0]


@functools.cache
def imports_torch(path):
    """Whether the module at ``path`` imports torch at its top level, itself or through a module beside it
    (test_compile_ops.py takes its samples from test_ops.py, which imports torch)."""
    folder = os.path.dirname(path)
    pending, seen = [path], {path}
    while pending:
        for name in _top_level_imports(pending.pop()):
            if name == "torch":
                return True
            beside = os.path.join(folder, name + ".py")
            if beside not in seen and os.path.exists(beside):
                seen.add(beside)
                pending.append(beside)
    return False


def _deselects_torch_oracle(config):
    return re.search(r"\bnot\s+torch_oracle\b", config.getoption("markexpr") or "") is not None


def pytest_ignore_collect(collection_path, config):
    if TORCH_INSTALLED or collection_path.suffix != ".py" or not _deselects_torch_oracle(config):
        return None
    return True if imports_torch(str(collection_path)) else None


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = getattr(item, "path", None)
        if path is not None and path.suffix == ".py" and imports_torch(str(path)):
            item.add_marker(pytest.mark.torch_oracle)
    if chainrule.cuda.is_available():
        return
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(pytest.mark.skip(reason=NO_GPU))


@pytest.fixture
def renderer_missing():
    """None where pictures render here; otherwise the sentence saying what is missing."""
    return MISSING_RENDERER


@pytest.fixture
def cuda_standin():
    """chainrule's ``cuda`` device is the CPU stand-in for the test (seeded, so draws repeat)."""
    with use_standin() as namespace:
        namespace.runtime.seed(0, 0)
        yield namespace
