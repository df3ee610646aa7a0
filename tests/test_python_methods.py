"""``Tensor.resize``/``resize_as``/``as_subclass``/``nonzero_static`` and ``chainrule.to_dlpack`` against PyTorch."""

import warnings

import numpy as np
import pytest
import torch
from matrix_checks import MODULES, same_error

import chainrule


@pytest.mark.filterwarnings("ignore:non-inplace resize is deprecated:UserWarning")  # asked for: both warn
def test_resize_and_resize_as_match_torch():
    results = []
    for m in MODULES:
        x = m.arange(6.0, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = x.resize(2, 3)
            z = x.resize_as(m.zeros(3, 2))
        (y * m.arange(6.0).reshape(2, 3)).sum().backward()
        results.append((y.tolist(), z.tolist(), type(y.grad_fn).__name__, x.grad.tolist(),
                        [str(w.message) for w in caught]))
    assert results[0] == results[1]
    same_error(lambda m: m.arange(6.0).resize(4, 4))


def test_as_subclass_is_a_view_with_history():
    for m in MODULES:
        class Marked(m.Tensor):
            pass

        x = m.ones(3, requires_grad=True)
        y = x.as_subclass(Marked)
        assert type(y) is Marked and y.requires_grad and type(y.grad_fn).__name__ == "AliasBackward0"
        (y * 2).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]
    same_error(lambda m: m.ones(2).as_subclass(int))


@pytest.mark.parametrize("values,size,fill", [([0, 1, 2, 0, 3], 5, -1), ([[1, 0], [0, 1]], 1, 9), ([[0, 0]], 3, -2)])
def test_nonzero_static_method_matches_torch(values, size, fill):
    ours, theirs = (m.tensor(values).nonzero_static(size=size, fill_value=fill) for m in MODULES)
    assert ours.tolist() == theirs.tolist() and ours.dtype == chainrule.int64


def test_to_dlpack_gives_a_capsule_torch_reads():
    x = chainrule.arange(5.0)
    capsule = chainrule.to_dlpack(x)
    assert type(capsule).__name__ == "PyCapsule"
    np.testing.assert_array_equal(torch.from_dlpack(capsule).numpy(), x.numpy())
