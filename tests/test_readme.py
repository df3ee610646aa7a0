"""The README says only what is true: its ten lines print what their comments say (and what PyTorch
prints), and every command in it is run exactly as written, either here or, when it is long (installing,
`make test`, the examples' full runs), by .ci/run, which CI runs on a fresh clone."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PROGRAMS = ("make", "pip", "python", "python3", "bash", "apt-get", "brew", "conda")
DIGITS_MLP = "PYTHONPATH=src python examples/digits_mlp.py"
COVERAGE = "python -m chainrule.coverage"
ARRAY_API_TABLE = "python scripts/array_api_table.py"
RUN_HERE = {DIGITS_MLP, COVERAGE, ARRAY_API_TABLE}  # run by this module; every other one must be a line of .ci/run
RUN_BY_CI = {"bash .ci/run"}  # CI itself


def readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        return fh.read()


def code_blocks(text):
    """(language, body) of every fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.M | re.S)


def commands(text):
    """Every shell command: the lines of the blocks that are not Python (without their comments) and the
    inline code spans that start with a program's name."""
    found = []
    for language, body in code_blocks(text):
        if language != "python":
            found += [re.split(r"\s+#", line)[0].strip() for line in body.splitlines() if line.strip()]
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    for span in re.findall(r"`([^`\n]+)`", prose):
        words = span.split()
        first = next((w for w in words if "=" not in w), "")
        if first in PROGRAMS and words[0] not in ("--",):
            found.append(span)
    return found


def ci_lines():
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        return {line.strip() for line in fh}


def test_every_command_is_run_as_written():
    found = commands(readme())
    assert {"make demo", "make test", "pip install -e '.[test]'"} <= set(found)
    not_run = [c for c in found if c not in RUN_HERE | RUN_BY_CI and c not in ci_lines()]
    assert not not_run, f"README commands neither run by tests/test_readme.py nor lines of .ci/run: {not_run}"


def shell(command):
    """Run ``command`` as a user would type it in the repository root, with this Python as ``python`` and
    this checkout's chainrule importable, as after the README's ``pip install -e``."""
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
               PYTHONPATH=os.path.join(ROOT, "src"))
    return subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, env=env)


def ten_lines():
    (program,) = [body for language, body in code_blocks(readme()) if language == "python"]
    return program


def test_ten_lines_print_what_their_comments_say():
    program = ten_lines()
    promised = [line.split("# ", 1)[1] for line in program.splitlines() if line.startswith("print(")]
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src")))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == promised


@pytest.mark.torch_oracle
def test_ten_lines_print_what_pytorch_prints():
    program = ten_lines()
    ours = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))).stdout
    theirs = subprocess.run([sys.executable, "-c", program.replace("import chainrule as torch", "import torch")],
                            capture_output=True, text=True, check=True).stdout
    assert ours == theirs


def test_digits_example_reaches_the_accuracy_the_readme_gives():
    (line,) = [line for line in readme().splitlines() if line.split("#")[0].strip() == DIGITS_MLP]
    promised = re.search(r"\((\d+\.\d+)%\)", line).group(1)
    done = shell(DIGITS_MLP)
    assert done.returncode == 0, done.stderr
    assert f"test accuracy {promised}%" in done.stdout


def test_coverage_counts_what_the_readme_says():
    done = shell(COVERAGE)
    assert done.returncode == 0, done.stderr
    provided, listed = re.search(r"(\d+) of the (\d+) names the op set lists", readme()).groups()
    assert done.stdout.splitlines()[-1] == f"total: {provided} / {listed}"


def test_array_api_table_is_the_readmes():
    done = shell(ARRAY_API_TABLE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in readme()
