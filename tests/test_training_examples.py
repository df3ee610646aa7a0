"""The training examples: chainrule's loss curve equals PyTorch's step for step, and every script runs.

The models come from the example scripts themselves. Both libraries start from the same weights (drawn
with NumPy and loaded into each) and see the same batches (drawn with NumPy from a fixed seed), so any
difference between the two curves is arithmetic, not randomness.
"""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import chainrule

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
EXAMPLES = os.path.join(ROOT, "examples")
sys.path.insert(0, EXAMPLES)

import _common  # noqa: E402
import digits_cnn  # noqa: E402
import digits_mlp  # noqa: E402

STEPS = 200
BATCH = 32


def initial_weights(model, seed):
    """Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for every entry of the state dict, as NumPy float32 arrays
    (a bias takes the fan-in of the weight before it)."""
    rng = np.random.default_rng(seed)
    weights = {}
    fan_in = 1
    for name, value in model.state_dict().items():
        shape = tuple(value.shape)
        if len(shape) > 1:
            fan_in = int(np.prod(shape[1:]))
        bound = 1 / np.sqrt(fan_in)
        weights[name] = rng.uniform(-bound, bound, shape).astype(np.float32)
    return weights


def batches(seed):
    images, labels = _common.synthetic_digits(1024, seed)
    rng = np.random.default_rng(seed + 1)
    for _ in range(STEPS):
        chosen = rng.choice(len(labels), BATCH, replace=False)
        yield images[chosen], labels[chosen]


def loss_curve(lib, build_model, weights, seed):
    """The loss at each of STEPS Adam steps, trained the way the digits examples train."""
    model = build_model(lib.nn)
    model.load_state_dict({name: lib.tensor(value) for name, value in weights.items()})
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for images, labels in batches(seed):
        loss = lib.nn.functional.cross_entropy(model(lib.from_numpy(images)), lib.from_numpy(labels))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses)


@pytest.fixture
def one_torch_thread():
    """PyTorch on one thread: its thread pool crawls on a busy machine, and the curves it gives are the same."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("example", [digits_mlp, digits_cnn], ids=["mlp", "cnn"])
def test_loss_curve_matches_pytorch(example, one_torch_thread):
    weights = initial_weights(example.build_model(chainrule.nn), seed=0)
    ours = loss_curve(chainrule, example.build_model, weights, seed=0)
    theirs = loss_curve(torch, example.build_model, weights, seed=0)
    assert ours[-1] < 0.5 * ours[0]  # it learns
    relative = np.abs(ours - theirs) / np.abs(theirs)
    assert relative.max() < 1e-4, f"step {relative.argmax()}: {ours[relative.argmax()]} vs {theirs[relative.argmax()]}"


def run_example(name, *options):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"), OMP_NUM_THREADS="1")  # PyTorch on one thread
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, name), *options], capture_output=True, text=True,
                          check=True, env=env, cwd=ROOT).stdout


NUMBER = re.compile(r"-?\d+\.\d+|-?\d+")


def printed_figures(printed):
    """The example's report with the library's name, timings and output paths taken out: its words, and its
    numbers as floats (the losses, accuracies, fitted coefficients, parameter counts)."""
    lines = [line for line in printed.splitlines() if not line.startswith("loss plot written")]
    text = re.sub(r"^(chainrule|PyTorch): ", "", "\n".join(lines), flags=re.M)
    text = re.sub(r" in \d+\.\d+ s", "", text)
    return NUMBER.sub("#", text), [float(n) for n in NUMBER.findall(text)]


@pytest.mark.parametrize("script, options, expected", [
    ("digits_mlp.py", ["--epochs", "1"], "test accuracy"),
    ("digits_cnn.py", ["--epochs", "1"], "test accuracy"),
    ("char_transformer.py", ["--steps", "3", "--sample-length", "20"], "sample:"),
    ("fit_sin_cubic.py", ["--steps", "200"], "Result: y ="),
])
def test_example_prints_pytorchs_figures(tmp_path, script, options, expected):
    """Run on chainrule and with ``--torch``: the same report, every figure equal to its printed precision."""
    ours = run_example(script, *options, "--output", str(tmp_path))
    theirs = run_example(script, *options, "--output", str(tmp_path), "--torch")
    assert expected in ours
    our_words, our_numbers = printed_figures(ours)
    their_words, their_numbers = printed_figures(theirs)
    assert our_words == their_words
    # printed to 2-4 decimals: a float32 sum in another order may move the last printed digit by one
    np.testing.assert_allclose(our_numbers, their_numbers, rtol=1e-4, atol=0.011)


@pytest.mark.parametrize("script", ["digits_mlp.py", "digits_cnn.py"])
def test_a_compiled_example_trains_exactly_as_eager(tmp_path, script):
    """The whole run under chainrule.compile: the same losses, so the same accuracies, as eager."""
    def result(*options):
        printed = run_example(script, "--epochs", "2", "--output", str(tmp_path), *options)
        return printed.rsplit("train accuracy", 1)[1]

    assert result("--compile") == result()
