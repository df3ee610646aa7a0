"""The op table on the CUDA device: every sample placed on ``cuda`` (the CPU stand-in where no GPU is),
run forward and backward there, must give results and gradients on that device equal to the CPU's.

The stand-in refuses NumPy arrays mixed into its calls, even 0-d ones, as CuPy does: an op that builds a
host constant and combines it with a GPU array fails here before it fails on a GPU.
"""

import numpy as np
import pytest
from cuda_standin import StandInArray, use_standin
from op_db import all_ops, noncontiguous

import chainrule
from chainrule._tensor import make_tensor

SEED = 1234


def _cases():
    for op in all_ops():
        rng = np.random.default_rng(SEED)
        for i, sample in enumerate(op.samples(rng)):
            yield pytest.param(op, sample, id=f"{op.name}-{i}-{sample.name or ''}")


def _tensors(op, sample, device):
    positions = set(op.grad_inputs) if op.grad_inputs is not None else {
        i for i, a in enumerate(sample.args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"}
    args = []
    for i, a in enumerate(sample.args):
        if not isinstance(a, np.ndarray):
            args.append(a)
            continue
        array = a.astype(np.float64) if a.dtype.kind == "f" else a
        if a.ndim and a.size and not a.flags.c_contiguous:
            array = noncontiguous(np.ascontiguousarray(array))
        t = make_tensor(array.copy() if array.flags.c_contiguous else array)
        if device != "cpu":
            t = t.to(device)
        if op.differentiable and i in positions:
            t.requires_grad_(True)
        args.append(t)
    return args


def _run(op, sample, device):
    args = _tensors(op, sample, device)
    result = op.call(chainrule, *args, **sample.kwargs)
    outputs = [r for r in result if isinstance(r, chainrule.Tensor)] if isinstance(result, (tuple, list)) \
        else [result]
    arrays = [o._data for o in outputs]
    inputs = [a for a in args if isinstance(a, chainrule.Tensor) and a.requires_grad]
    differentiable = [o for o in outputs if o.requires_grad and o._data.dtype.kind in "fc"]
    if op.differentiable and inputs and differentiable:
        rng = np.random.default_rng(SEED)
        cotangents = [make_tensor(rng.standard_normal(o._data.shape).astype(o._data.dtype)).to(device)
                      for o in differentiable]
        grads = chainrule.autograd.grad(differentiable, inputs, cotangents, allow_unused=True)
        arrays += [g._data for g in grads if g is not None]
    return arrays


@pytest.mark.parametrize("op,sample", list(_cases()))
def test_op_on_the_cuda_device(op, sample):
    expected = _run(op, sample, "cpu")
    with use_standin():
        got = _run(op, sample, "cuda")
    assert len(got) == len(expected)
    for position, (a, b) in enumerate(zip(got, expected)):
        assert isinstance(a, StandInArray), f"result {position} is a {type(a).__name__}, not on the device"
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a.view(np.ndarray), b, rtol=1e-14, atol=1e-300, equal_nan=True)
