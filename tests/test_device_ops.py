"""The op table on the CUDA device: every sample placed on ``cuda`` (the CPU stand-in where no GPU is),
run forward and backward there, must give results and gradients on that device equal to the CPU's.

The stand-in refuses NumPy arrays mixed into its calls, even 0-d ones, as CuPy does: an op that builds a
host constant and combines it with a GPU array fails here before it fails on a GPU.
"""

import numpy as np
import pytest
from cuda_standin import StandInArray, use_standin
from op_samples import SEED, cases, sample_tensors

import chainrule
from chainrule._tensor import make_tensor

def _place_on(device):
    if device == "cpu":
        return make_tensor
    return lambda array: make_tensor(array).to(device)


def _run(op, sample, device):
    args = sample_tensors(op, sample, _place_on(device))
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


@pytest.mark.parametrize("op,sample", list(cases()))
def test_op_on_the_cuda_device(op, sample):
    expected = _run(op, sample, "cpu")
    with use_standin():
        got = _run(op, sample, "cuda")
    assert len(got) == len(expected)
    for position, (a, b) in enumerate(zip(got, expected)):
        assert isinstance(a, StandInArray), f"result {position} is a {type(a).__name__}, not on the device"
        assert a.dtype == b.dtype and a.shape == b.shape
        # values cancelled to near zero may round differently where the device's copy takes another BLAS path
        finite = np.abs(b[np.isfinite(b)]) if b.dtype.kind in "fc" else np.zeros(0)
        atol = 1e-14 * finite.max() if finite.size else 0.0
        np.testing.assert_allclose(a.view(np.ndarray), b, rtol=1e-14, atol=max(atol, 1e-300), equal_nan=True)
