"""Tensors, Parameters and Modules under pickle, copy.copy and copy.deepcopy, compared with PyTorch, and the
libraries that need them (multiprocessing, matplotlib)."""

import copy
import multiprocessing
import pickle

import numpy as np
import pytest
import torch

import chainrule
from chainrule import nn

import loader_datasets


def described(value):
    """What either library's tensor looks like from outside: type, dtype, values, flags, grad, attributes."""
    grad = None if value.grad is None else value.grad.tolist()
    attributes = {k: v for k, v in vars(value).items() if not k.startswith("_")}
    return (type(value).__name__, str(value.dtype).split(".")[1], value.detach().numpy().tolist(),
            value.requires_grad, value.is_leaf, grad, attributes)


def leaf_with_grad(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).sum().backward()
    x.note = "kept"
    return x


CASES = {
    "leaf with grad and attribute": leaf_with_grad,
    "non-leaf": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 3,
    "integer": lambda lib: lib.arange(6).reshape(2, 3),
    "complex": lambda lib: lib.tensor([1 + 2j, 3 - 1j]),
    "0-d": lambda lib: lib.tensor(2.5),
    "empty": lambda lib: lib.zeros(0, 3),
    "transposed view": lambda lib: lib.arange(6.0).reshape(2, 3).t(),
    "parameter": lambda lib: lib.nn.Parameter(lib.ones(2)),
    "frozen parameter": lambda lib: lib.nn.Parameter(lib.ones(2), requires_grad=False),
    "buffer": lambda lib: lib.nn.Buffer(lib.ones(2)),
}
COPIES = {"pickle": lambda v: pickle.loads(pickle.dumps(v)), "copy": copy.copy, "deepcopy": copy.deepcopy}


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("case", CASES)
def test_copies_match_torch(case, how):
    make, duplicate = CASES[case], COPIES[how]
    if how == "deepcopy" and case == "non-leaf":
        with pytest.raises(RuntimeError) as ours:
            duplicate(make(chainrule))
        with pytest.raises(RuntimeError) as theirs:
            duplicate(make(torch))
        assert str(ours.value) == str(theirs.value)
        return
    assert described(duplicate(make(chainrule))) == described(duplicate(make(torch)))


def test_unsigned_tensors_pickle():
    """(PyTorch 2.13 itself fails to pickle uint16 tensors, so there is nothing to compare with.)"""
    value = chainrule.tensor([1, 65535], dtype=chainrule.uint16)
    loaded = pickle.loads(pickle.dumps(value))
    assert loaded.dtype is chainrule.uint16 and loaded.tolist() == [1, 65535]


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickled_tensors_keep_strides_and_views_of_one_array_stay_shared(protocol):
    base = chainrule.arange(12.0)
    a, b, c = pickle.loads(pickle.dumps((base.view(3, 4), base[2:10:2], base.view(3, 4).t()), protocol=protocol))
    a[0, 2] = 100.0
    assert b[0].item() == 100.0 and c[2, 0].item() == 100.0
    assert c.stride() == (1, 4) and not c.is_contiguous()


def test_a_small_view_of_a_large_tensor_pickles_compactly():
    big = chainrule.zeros(1_000_000)
    assert len(pickle.dumps(big[:3])) < 1000
    assert len(pickle.dumps(big[:600_000])) > 4_000_000  # most of its array: shared, so stored whole


def test_copy_copy_shares_memory_as_in_torch():
    ours, theirs = chainrule.arange(3.0), torch.arange(3.0)
    copy.copy(ours)[0] = 9.0
    copy.copy(theirs)[0] = 9.0
    assert ours.tolist() == theirs.tolist() == [9.0, 1.0, 2.0]


def modules(lib):
    return {
        "linear": lib.nn.Linear(3, 2),
        "cnn": lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.BatchNorm2d(2), lib.nn.ReLU()),
        "lstm": lib.nn.LSTM(3, 4, num_layers=2),
        "transformer": lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
    }


def state(module):
    return {name: value.detach().numpy().tolist() for name, value in module.state_dict().items()}


@pytest.mark.parametrize("name", ["linear", "cnn", "lstm", "transformer"])
@pytest.mark.parametrize("how", COPIES)
def test_modules_pickle_and_copy_as_in_torch(name, how):
    chainrule.manual_seed(0)
    original = modules(chainrule)[name]
    duplicate = COPIES[how](original)
    theirs = modules(torch)[name]
    their_duplicate = COPIES[how](theirs)
    assert type(duplicate) is type(original) and repr(duplicate) == repr(original)
    assert state(duplicate) == state(original)
    shares = [a is b for a, b in zip(duplicate.parameters(), original.parameters())]
    their_shares = [a is b for a, b in zip(their_duplicate.parameters(), theirs.parameters())]
    assert shares == their_shares
    assert all(type(p) is nn.Parameter and p.requires_grad for p in duplicate.parameters())


def test_an_unpickled_module_trains():
    model = pickle.loads(pickle.dumps(nn.Linear(2, 1)))
    model(chainrule.ones(4, 2)).sum().backward()
    assert model.weight.grad.tolist() == [[4.0, 4.0]]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_tensors_cross_process_boundaries(method):
    context = multiprocessing.get_context(method)
    batches = [chainrule.arange(6.0).reshape(2, 3) + i for i in range(3)]
    with context.Pool(2) as pool:
        sums = pool.map(loader_datasets.row_sums, batches)  # a torch-free module: spawned workers start fast
    assert [s.tolist() for s in sums] == [[3.0, 12.0], [6.0, 15.0], [9.0, 18.0]]


def test_matplotlib_plots_tensors():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = chainrule.linspace(0, 1, 5)
    figure = plt.figure()
    try:
        (line,) = plt.plot(x, x * 2)
        np.testing.assert_allclose(line.get_xydata(), np.stack([x.numpy(), 2 * x.numpy()], axis=1))
        with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
            plt.plot(chainrule.ones(3, requires_grad=True))
    finally:
        plt.close(figure)
