"""Travelling between libraries: NumPy's array protocol and DLPack, zero-copy with PyTorch and NumPy."""

import numpy as np
import pytest
import torch

import chainrule


def test_numpy_array_protocol():
    t = chainrule.tensor([1.0, 2.0])
    assert np.asarray(t).dtype == np.float32 and np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.shares_memory(np.asarray(t), t.numpy())
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        np.asarray(chainrule.ones(2, requires_grad=True))


def test_ndarray_on_the_left_gives_a_tensor():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    result = np.array([10.0, 20.0], dtype=np.float32) + x
    assert isinstance(result, chainrule.Tensor) and result.requires_grad
    assert result.tolist() == [11.0, 22.0]


def test_from_and_to_pytorch_without_copies():
    theirs = torch.tensor([1.0, 2.0, 3.0])
    ours = chainrule.from_dlpack(theirs)
    theirs[0] = 10
    assert ours.tolist() == [10.0, 2.0, 3.0]
    ours.numpy()[1] = 20
    assert theirs.tolist() == [10.0, 20.0, 3.0]
    back = torch.from_dlpack(chainrule.tensor([4.0, 5.0]).detach())
    assert back.tolist() == [4.0, 5.0]
    source = chainrule.tensor([7.0, 8.0])
    shared = torch.from_dlpack(source)
    shared[1] = 9
    assert source.tolist() == [7.0, 9.0]


def test_from_numpy_producer_and_refusal_with_grad():
    array = np.arange(3.0)
    ours = chainrule.from_dlpack(array)
    array[2] = 42
    assert ours.tolist() == [0.0, 1.0, 42.0]
    with pytest.raises(BufferError, match="Can't export tensors that require gradient"):
        chainrule.ones(2, requires_grad=True).__dlpack__()
    assert chainrule.ones(2).__dlpack_device__() == torch.ones(2).__dlpack_device__()


def test_array_copy_semantics_follow_numpy_2():
    t = chainrule.tensor([1.0, 2.0])
    assert np.shares_memory(np.asarray(t, copy=False), t.numpy())
    assert not np.shares_memory(np.array(t, copy=True), t.numpy())
    with pytest.raises(ValueError):
        np.asarray(t, dtype=np.float64, copy=False)


@pytest.mark.parametrize("make", [chainrule.as_tensor, chainrule.asarray, chainrule.from_numpy])
def test_as_tensor_shares_memory_with_numpy(make):
    array = np.array([1.0, 2.0])
    t = make(array)
    array[0] = 5.0
    assert t.tolist() == [5.0, 2.0] and t.dtype is chainrule.float64


def test_numpy_force_detaches():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    assert x.numpy(force=True).tolist() == [1.0, 2.0]
