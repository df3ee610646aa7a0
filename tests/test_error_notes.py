"""Hints and the anomaly note reach the user the same way on every supported Python (3.10 has no
``add_note``): ``str(error)`` stays PyTorch's message, ``__notes__`` holds the note, and a plain
``python`` run prints it under the message. This module needs no PyTorch, so the CI job on the lowest
declared Python runs it too."""

import os
import subprocess
import sys
import textwrap

import pytest

import chainrule
from chainrule._errors import HINTS

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def run_script(path):
    """Run ``path`` with chainrule importable; its exit status and what it wrote to stderr."""
    env = dict(os.environ, PYTHONPATH=SRC, PYTHONWARNINGS="ignore")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, cwd=path.parent)
    return done.returncode, done.stderr


def test_a_hint_is_a_note_and_leaves_the_message_alone():
    with pytest.raises(RuntimeError) as error:
        chainrule.ones(2, requires_grad=True).backward()
    assert error.value.__notes__ == [HINTS["non_scalar_backward"]]
    assert "Hint" not in str(error.value) and str(error.value) == error.value.args[0]


def test_a_plain_run_prints_the_hint_under_the_message(tmp_path):
    script = tmp_path / "user_code.py"
    script.write_text("import chainrule\nchainrule.ones(2, requires_grad=True).backward()\n")
    with pytest.raises(RuntimeError) as error:
        chainrule.ones(2, requires_grad=True).backward()
    status, stderr = run_script(script)
    assert status == 1
    assert stderr.splitlines()[-2:] == [f"RuntimeError: {error.value}", HINTS["non_scalar_backward"]]


def test_the_hint_of_a_cause_is_printed_under_the_cause(tmp_path):
    script = tmp_path / "user_code.py"
    script.write_text(textwrap.dedent("""\
        import chainrule
        try:
            chainrule.ones(2, requires_grad=True).backward()
        except RuntimeError as error:
            raise ValueError("training failed") from error
        """))
    status, stderr = run_script(script)
    lines = stderr.splitlines()
    assert status == 1 and lines[-1] == "ValueError: training failed"
    cause = lines.index(HINTS["non_scalar_backward"])
    assert lines[cause - 1].startswith("RuntimeError: ") and "direct cause" in lines[cause + 2]


def test_anomaly_note_names_the_users_line_in_a_folder_named_chainrule(tmp_path):
    """A clone of chainrule sits in a folder named chainrule: code there is still the user's."""
    folder = tmp_path / "chainrule"
    folder.mkdir()
    script = folder / "user_code.py"
    script.write_text(textwrap.dedent("""\
        import chainrule
        x = chainrule.tensor([0.0, 1.0], requires_grad=True)
        with chainrule.autograd.detect_anomaly():
            y = x.sqrt()
            (y * 0).sum().backward()
        """))
    status, stderr = run_script(script)
    lines = stderr.splitlines()
    assert status == 1 and lines[-2].startswith("RuntimeError: Function '")
    assert lines[-1] == f"The forward op was called at {script}:4: y = x.sqrt()"
