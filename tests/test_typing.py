"""What an editor's user sees, checked with mypy (configured in pyproject.toml, as `make typecheck` runs it):
the examples and the notebooks' code type-check against chainrule's stubs; the types an editor shows
for the common calls are the right ones; every public name that exists at runtime is visible; and mypy
does report a genuine mistake, so that a silent run means something.

One cold mypy run over all the files (about 10 s of CPU), then a second one, warm, for the public names:
a name imported anywhere in a run is visible everywhere in it, which would hide a missing one."""

import os
import re
import subprocess
import sys

import nbformat
import pytest
from mypy import api as mypy_api


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
EXAMPLES = os.path.join(ROOT, "examples")
NOTEBOOKS = ("training.ipynb", "autograd_walkthrough.ipynb")

# Each line ends with the type mypy must reveal for it (`reveal_type(...)  # Type`).
REVEALS = '''
import chainrule as torch
import chainrule.array_api as xp

x = torch.tensor([1.0, 2.0], requires_grad=True)
model = torch.nn.Linear(3, 4)


@torch.no_grad()
def evaluate(scale: float) -> float:
    return scale


reveal_type(torch.exp)  # def (input: chainrule._tensor.Tensor, *, out: Any =) -> chainrule._tensor.Tensor
reveal_type(x)  # chainrule._tensor.Tensor
reveal_type(x.sum())  # chainrule._tensor.Tensor
reveal_type(x + 1)  # chainrule._tensor.Tensor
reveal_type(2 * x)  # chainrule._tensor.Tensor
reveal_type(x[0])  # chainrule._tensor.Tensor
reveal_type(x == 1)  # chainrule._tensor.Tensor
reveal_type(x.grad)  # chainrule._tensor.Tensor | None
reveal_type(x.shape)  # chainrule._size.Size
reveal_type(x.dtype)  # chainrule._dtype.dtype
reveal_type(x.requires_grad)  # bool
reveal_type(x.numel())  # int
reveal_type(x.backward())  # None
reveal_type(x.sort().values)  # chainrule._tensor.Tensor
reveal_type(torch.split(x, 1))  # tuple[chainrule._tensor.Tensor, ...]
reveal_type(torch.zeros(3))  # chainrule._tensor.Tensor
reveal_type(torch.linalg.vector_norm(x))  # chainrule._tensor.Tensor
reveal_type(torch.nn.functional.cross_entropy(x, x))  # chainrule._tensor.Tensor
reveal_type(torch.nn.Parameter(x))  # chainrule.nn.parameter.Parameter
reveal_type(torch.nn.Parameter(x).grad)  # chainrule._tensor.Tensor | None
reveal_type(model(x))  # Any
reveal_type(torch.optim.Adam(model.parameters()))  # chainrule.optim.adam.Adam
reveal_type(torch.utils.data.DataLoader([x]))  # chainrule.utils.data.dataloader.DataLoader
reveal_type(evaluate)  # def (scale: float) -> float
reveal_type(torch.get_default_dtype())  # chainrule._dtype.dtype
reveal_type(xp.abs(xp.asarray([1.0])))  # chainrule._tensor.Tensor
'''

# Each line ends with the error code mypy must report on it.
MISTAKES = '''
import chainrule as torch

x = torch.tensor([1.0])
x.no_such_method()  # attr-defined
torch.no_such_function(x)  # attr-defined
count: int = torch.zeros(3)  # assignment
name: str = x.sum()  # assignment
x.grad.sum()  # union-attr
x.sum(no_such_keyword=1)  # call-arg
torch.matmul("a string", x)  # arg-type
torch.exp([1.0, 2.0])  # arg-type
with torch.no_grad():
    x.requires_grad = "yes"  # assignment
'''


# Run in a fresh interpreter: what `import chainrule` alone makes reachable (a submodule that another
# test imported would be reachable here too), every public name as a user's code reaches it.
PUBLIC_NAMES = """
import types, chainrule
lines, todo, seen = ["import chainrule"], [chainrule], set()
while todo:
    module = todo.pop()
    if module.__name__ in seen:
        continue
    seen.add(module.__name__)
    names = getattr(module, "__all__", None)
    for name in sorted(names if names is not None else [n for n in dir(module) if not n.startswith("_")]):
        value = getattr(module, name)
        if isinstance(value, types.ModuleType):
            if not value.__name__.startswith("chainrule."):
                continue  # the module's own `import warnings`
            if value.__name__ == module.__name__ + "." + name:
                todo.append(value)
        lines.append(module.__name__ + "." + name)
print("\\n".join(lines))
"""


def public_names_file():
    """Every public name of every public module that ``import chainrule`` reaches: ``chainrule.nn.Linear``."""
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    return subprocess.run([sys.executable, "-c", PUBLIC_NAMES], capture_output=True, text=True, check=True,
                          env=env).stdout


def notebook_code(name):
    notebook = nbformat.read(os.path.join(EXAMPLES, name), as_version=4)
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code") + "\n"


def run_mypy(files, cache):
    """mypy with the project's configuration (pyproject.toml) on ``files``; its report by file and line."""
    out, err, status = mypy_api.run(["--config-file", os.path.join(ROOT, "pyproject.toml"), "--cache-dir", cache,
                                     "--no-error-summary", "--show-error-codes", *files])
    assert status in (0, 1) and not err, err  # 2: mypy itself failed
    report = {}
    for line in out.splitlines():
        found = re.match(r"(.+?):(\d+): (error|note): (.*)", line)
        if found is not None:
            path, number, kind, text = found.groups()
            report.setdefault(os.path.basename(path), []).append((int(number), kind, text))
    return report


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("typing")
    snippets = {"reveals.py": REVEALS, "mistakes.py": MISTAKES}
    snippets.update({f"notebook_{name[:-len('.ipynb')]}.py": notebook_code(name) for name in NOTEBOOKS})
    for name, text in snippets.items():
        (folder / name).write_text(text)
    examples = sorted(os.path.join(EXAMPLES, f) for f in os.listdir(EXAMPLES) if f.endswith(".py"))
    cache = str(folder / "cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MYPYPATH", EXAMPLES)  # the training notebook imports examples/_common.py
        report = run_mypy([*examples, *(str(folder / name) for name in snippets)], cache)
    (folder / "public_names.py").write_text(public_names_file())  # after the first run: a warm cache
    report.update(run_mypy([str(folder / "public_names.py")], cache))
    return report, examples, snippets


def test_the_examples_and_notebooks_type_check(checked):
    report, examples, snippets = checked
    assert len(examples) >= 8
    checked_files = [os.path.basename(path) for path in examples] + [n for n in snippets if n.startswith("notebook")]
    errors = {name: report[name] for name in checked_files if name in report}
    assert not errors


def test_an_editor_shows_these_types(checked):
    report, _, _ = checked
    expected = {number: line.split("  # ")[1] for number, line in enumerate(REVEALS.splitlines(), 1)
                if line.startswith("reveal_type")}
    revealed = {number: text.removeprefix('Revealed type is "')[:-1].replace("builtins.", "")
                for number, kind, text in report["reveals.py"] if kind == "note"}
    assert not [entry for entry in report["reveals.py"] if entry[1] == "error"]
    assert revealed == expected


def test_mypy_reports_real_mistakes(checked):
    report, _, _ = checked
    expected = {number: line.split("  # ")[1] for number, line in enumerate(MISTAKES.splitlines(), 1)
                if "  # " in line}
    reported = {number: re.search(r"\[([a-z-]+)\]$", text).group(1)
                for number, kind, text in report["mistakes.py"] if kind == "error"}
    assert reported == expected


def test_every_public_name_is_visible_to_mypy(checked):
    """A name installed at runtime (an op, a submodule imported elsewhere) must be in a stub:
    add its namespace to gen_stubs.MODULES when this fails."""
    report, _, _ = checked
    assert public_names_file().count("\n") > 1500
    assert report.get("public_names.py", []) == []
