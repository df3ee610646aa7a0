"""What the training examples share (examples/_common.py): the progress bar in a terminal and in a log,
the digits data and what happens without scikit-learn, and --help texts that say everything the
docstring says. Needs no PyTorch."""

import io
import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
EXAMPLES = os.path.join(ROOT, "examples")
sys.path.insert(0, EXAMPLES)

import _common  # noqa: E402

SCRIPTS = ["digits_mlp.py", "digits_cnn.py", "char_transformer.py", "fit_sin_cubic.py", "ddp_char_transformer.py"]


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run_bar(stream, total=1000):
    bar = _common.ProgressBar(total, "training", stream=stream)
    for step in range(total):
        bar.update(1.0 / (step + 1))
    assert bar.close() >= 0 and len(bar.losses) == total
    return stream.getvalue()


def test_a_log_gets_a_line_per_tenth_and_no_carriage_returns():
    written = run_bar(io.StringIO())
    lines = written.splitlines()
    assert "\r" not in written and len(lines) == 11  # the first step, then each tenth
    assert lines[-1].startswith("training [" + "#" * 30 + "] 1000/1000 loss 0.0010")


def test_a_terminal_without_tqdm_gets_one_line_redrawn(monkeypatch):
    monkeypatch.setattr(_common, "_tqdm", lambda: None)
    written = run_bar(Terminal())
    assert written.count("\r") == 101 and written.count("\n") == 1  # the first step, then each percent
    assert written.rsplit("\r", 1)[1].startswith("training [" + "#" * 30 + "] 1000/1000 loss 0.0010")


def test_a_terminal_with_tqdm_gets_tqdm():
    import tqdm  # noqa: F401  (in the test extra: the bar must be tqdm's when it is installed)

    written = run_bar(Terminal())
    assert "1000/1000" in written and "loss 0.0010" in written and "#" * 30 not in written


def run_without_sklearn(script, *options):
    """Run an example as if scikit-learn were not installed."""
    code = ("import runpy, sys; sys.modules['sklearn'] = None; "
            f"sys.argv = [{script!r}, *{list(options)!r}]; runpy.run_path({script!r}, run_name='__main__')")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=EXAMPLES)


@pytest.mark.parametrize("script", ["digits_mlp.py", "digits_cnn.py"])
def test_digits_without_sklearn_stop_and_say_what_to_do(script):
    done = run_without_sklearn(script)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == _common.MISSING_DIGITS.format(script=script) + "\n"


def test_synthetic_digits_say_what_they_are(tmp_path):
    done = run_without_sklearn("digits_mlp.py", "--synthetic", "--epochs", "1", "--output", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("data: synthetic 8x8 digits (ten noisy patterns made with NumPy, not "
                                  "scikit-learn's digits): 1438 for training, 359 for testing\n")


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_says_all_the_docstring_says(script):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    shown = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True, env=env,
                           cwd=EXAMPLES, check=True).stdout
    with open(os.path.join(EXAMPLES, script)) as fh:
        docstring = fh.read().split('"""')[1]
    assert docstring.strip() in shown and _common.THREADS_NOTE in shown
