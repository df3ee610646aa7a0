"""What the whole suite shares: the ``torch_oracle`` marker and how graph pictures are checked.

``torch_oracle`` marks the tests that compare with PyTorch: every test of a module that imports torch
(marked here, from the module's imports) and the few that run torch in a subprocess (marked where they
are defined). The CI job on the lowest declared Python and NumPy has no PyTorch and runs
``pytest -m "not torch_oracle"``: with that selection, and only when torch is not installed, the modules
that import torch are not even collected. Everywhere else a missing torch fails loudly.

Graph pictures need Graphviz's ``dot`` program. Where it is missing the rendering tests check the DOT
text and that no empty picture is written; the run's summary says once which of the two it did.
"""

import ast
import functools
import importlib.util
import os
import re

import pytest

from chainrule import viz

TORCH_INSTALLED = importlib.util.find_spec("torch") is not None
MISSING_RENDERER = viz.missing_renderer()


def pytest_terminal_summary(terminalreporter):
    """One line, even under -q: which way this run checked the graph pictures."""
    if MISSING_RENDERER is None:
        terminalreporter.write_line("graph pictures: rendered with Graphviz's dot")
    else:
        terminalreporter.write_line(f"graph pictures: the DOT text checked, none rendered. {MISSING_RENDERER}")


def _top_level_imports(path):
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            yield from (alias.name.split(".")[0] for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
            yield statement.module.split(".")[0]


@functools.lru_cache(maxsize=None)
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


@pytest.fixture
def renderer_missing():
    """None where pictures render here; otherwise the sentence saying what is missing."""
    return MISSING_RENDERER
