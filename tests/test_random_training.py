"""Whole programs stay in step with PyTorch from a seed: the example models start from PyTorch's weights,
see PyTorch's batches, and their losses agree to float32 rounding over the first steps."""

import importlib.util
import os
import sys

import numpy as np
import pytest
import torch

import chainrule
from random_helpers import assert_identical, assert_same_state

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")
sys.path.insert(0, EXAMPLES)

import _common  # noqa: E402


def load_example(name, library):
    """The example module bound to ``library`` (the scripts pick theirs from ``--torch`` on the command line)."""
    argv = sys.argv
    sys.argv = [name] + (["--torch"] if library is torch else [])
    try:
        spec = importlib.util.spec_from_file_location(f"{name}_on_{library.__name__}",
                                                      os.path.join(EXAMPLES, f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.argv = argv
    return module


def parameters(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


def train_digits_mlp(lib, epochs=2):
    """The digits MLP on synthetic digits, shuffled as PyTorch's DataLoader shuffles: each epoch first draws
    the loader's base seed, then the sampler seeds its own generator from the default one."""
    lib.manual_seed(0)
    model = load_example("digits_mlp", lib).build_model(lib.nn)
    weights = parameters(model)
    images, labels = _common.synthetic_digits(320, seed=1)
    data = lib.utils.data
    dataset = data.TensorDataset(lib.from_numpy(images), lib.from_numpy(labels))
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    batches, losses = [], []
    for _ in range(epochs):
        lib.empty((), dtype=lib.int64).random_()  # DataLoader's _base_seed, drawn when an epoch starts
        for indices in data.BatchSampler(data.RandomSampler(dataset), 32, False):
            batches.append(indices)
            inputs, targets = dataset[indices]
            loss = lib.nn.functional.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return weights, batches, np.array(losses)


@pytest.fixture
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_digits_mlp_trains_in_step_with_pytorch(one_torch_thread):
    ours = train_digits_mlp(chainrule)
    theirs = train_digits_mlp(torch)
    assert_identical(ours[0], theirs[0], "initial weights")
    assert ours[1] == theirs[1], "batches"
    np.testing.assert_allclose(ours[2], theirs[2], rtol=2e-6)
    assert_same_state()


def test_char_transformer_trains_in_step_with_pytorch(one_torch_thread):
    """Embeddings, attention, LayerNorm and AdamW from the seed: the same weights, windows and losses."""
    runs = []
    for lib in (chainrule, torch):
        example = load_example("char_transformer", lib)
        lib.manual_seed(0)
        data = lib.tensor(np.random.default_rng(0).integers(0, 20, 400))
        model = example.CharTransformer(20, 16, width=16, heads=2)
        weights = parameters(model)
        optimizer = lib.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
        windows, losses = [], []
        for _ in range(4):
            inputs, targets = example.random_windows(data, 16, batch_size=4)
            windows.append(inputs.numpy())
            loss = lib.nn.functional.cross_entropy(model(inputs).reshape(-1, 20), targets.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        written = example.sample(model, data[:16], 12, 16)
        runs.append((weights, windows, np.array(losses), written.numpy()))
    ours, theirs = runs
    assert_identical(ours[0], theirs[0], "initial weights")
    assert_identical(ours[1], theirs[1], "windows")
    np.testing.assert_allclose(ours[2], theirs[2], rtol=2e-6)
    assert_identical(ours[3], theirs[3], "sampled text")
    assert_same_state()
