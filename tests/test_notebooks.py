"""Every example notebook runs top to bottom in a real Jupyter kernel; the walkthrough prints what
PyTorch prints for the same code, and its graph cells render as SVG (or, without Graphviz, say what to install)."""

import glob
import os
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "examples", "*.ipynb")))


@pytest.fixture(autouse=True)
def isolated_jupyter(tmp_path, monkeypatch):
    """Keep IPython/Jupyter state out of the user's home, and let the kernel import chainrule."""
    for variable in ("IPYTHONDIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    monkeypatch.setenv("PYTHONPATH", os.path.join(ROOT, "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("MPLBACKEND", "Agg")


def execute(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path)}})
    client.execute()
    return notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs(path):
    notebook = execute(path)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


def _printed(notebook):
    return ["".join(o["text"] for o in cell.outputs if o.output_type == "stream")
            for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.torch_oracle
def test_walkthrough_prints_what_pytorch_prints(renderer_missing):
    path = os.path.join(ROOT, "examples", "autograd_walkthrough.ipynb")
    notebook = execute(path)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    torch_program = "\n".join("print('@@cell')\n" + ("" if "viz." in src else src.replace(
        "import chainrule as torch", "import torch").replace("from chainrule import viz", "")) for src in code)
    result = subprocess.run([sys.executable, "-c", torch_program], capture_output=True, text=True, check=True)
    expected = result.stdout.split("@@cell\n")[1:]
    assert _printed(notebook) == expected
    assert "tensor(63., grad_fn=<AddBackward0>)\n" in expected and "tensor(93.)\n" in expected
    graphs = [o for c in notebook.cells if c.cell_type == "code" and "viz.draw" in c.source for o in c.outputs]
    assert len(graphs) == 3
    if renderer_missing is not None:  # the graph cells say what to install instead of showing a picture
        assert all(list(o["data"]) == ["text/plain"] and renderer_missing in o["data"]["text/plain"] for o in graphs)
    else:
        assert all(o["data"]["image/svg+xml"].lstrip().startswith("<?xml") for o in graphs)
