"""`make demo` prints exactly what PyTorch prints for the walkthrough, then writes its graph pictures."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WALKTHROUGH = os.path.join(ROOT, "examples", "walkthrough.py")


@pytest.mark.torch_oracle
def test_walkthrough_matches_pytorch_and_writes_pictures(tmp_path, renderer_missing):
    pictures = [os.path.join(ROOT, "examples", "output", name + ".svg") for name in ("polynomial", "two_layers")]
    for path in pictures:  # a stale picture from an earlier run must not pass for a new one
        if os.path.exists(path):
            os.remove(path)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    ours = subprocess.run([sys.executable, WALKTHROUGH], capture_output=True, text=True, check=True, env=env).stdout
    with open(WALKTHROUGH) as fh:
        program = fh.read().replace("import chainrule as torch", "import torch")
    program = program.replace("from chainrule import viz", "")
    program = program.replace('return viz.draw(y, params={"x": x}, show_values=True)', "return None")
    program = program.replace('return viz.draw(out, params={"x": x}, show_values=True)', "return None")
    program = program.replace('save_pictures({"polynomial": first, "two_layers": second})', "")
    torch_version = tmp_path / "walkthrough_torch.py"
    torch_version.write_text(program)
    theirs = subprocess.run([sys.executable, str(torch_version)], capture_output=True, text=True, check=True).stdout
    body, _, said_about_pictures = ours.partition("\n\n# graph")
    assert body + "\n" == theirs
    assert "tensor(63., grad_fn=<AddBackward0>)" in body and "tensor(93.)" in body
    if renderer_missing is not None:  # no picture at all, not an empty one, and the reason once
        assert said_about_pictures == f"s not drawn. {renderer_missing}\n"
        assert not any(os.path.exists(path) for path in pictures)
        return
    for path in pictures:
        name = os.path.basename(path)[:-len(".svg")]
        assert f"{name} written to" in said_about_pictures and open(path).read().count("<svg") == 1


@pytest.mark.torch_oracle
def test_reinforce_prints_pytorch_numbers():
    """The policy-gradient example, run unchanged on both libraries from the same seed, prints the same lines."""
    script = os.path.join(ROOT, "examples", "reinforce.py")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    ours = subprocess.run([sys.executable, script, "--steps", "10", "--seed", "3"], capture_output=True, text=True,
                          check=True, env=env).stdout
    theirs = subprocess.run([sys.executable, script, "--steps", "10", "--seed", "3", "--torch"], capture_output=True,
                            text=True, check=True, env=env).stdout
    assert ours.replace("(chainrule)", "(PyTorch)") == theirs
    assert theirs.count("\n") == 4 and "update  10: mean return" in theirs
