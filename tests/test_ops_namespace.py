"""The op table on a second array namespace: every op must take its array functions from its inputs.

Each sample runs twice in float64: on NumPy arrays, and on ``GuardedArray``s (``guarded_namespace``),
which refuse NumPy's functions unless called through their own namespace. The results, the gradients
and (where the table checks second order) the gradients of gradients must be guarded arrays again and
equal NumPy's bit for bit: an op that reached NumPy directly, made a constant outside the namespace or
handed back a plain array fails here.
"""

import numpy as np
import pytest
from guarded_namespace import GuardedArray, guard
from op_samples import SEED, cases, sample_tensors

import chainrule
from chainrule import _scipy
from chainrule._tensor import make_tensor


@pytest.fixture(autouse=True)
def _chainrule_kernels_only(monkeypatch):
    """SciPy's routines take only NumPy arrays: both runs take chainrule's own kernels, so they compare."""
    monkeypatch.setattr(_scipy, "ENABLED", False)


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return [r for r in result if isinstance(r, chainrule.Tensor)]
    return [result]


def _run(op, sample, guarded):
    """Outputs, first-order gradients and (when checked) second-order gradients, as arrays."""
    args = sample_tensors(op, sample, (lambda array: make_tensor(guard(array))) if guarded else make_tensor)
    outputs = _outputs(op.call(chainrule, *args, **sample.kwargs))
    arrays = [o._data for o in outputs]
    inputs = [a for a in args if isinstance(a, chainrule.Tensor) and a.requires_grad]
    differentiable = [o for o in outputs if o.requires_grad and o._data.dtype.kind in "fc"]
    if not (op.differentiable and inputs and differentiable):
        return arrays
    rng = np.random.default_rng(SEED)
    cotangents = []
    for o in differentiable:
        seed = rng.standard_normal(o._data.shape).astype(o._data.dtype)
        cotangents.append(make_tensor(guard(seed) if guarded else seed))
    second = op.gradgrad and sample.finite_differences
    grads = chainrule.autograd.grad(differentiable, inputs, cotangents, allow_unused=True, create_graph=second)
    arrays += [g._data for g in grads if g is not None]
    used = [g for g in grads if g is not None and g.requires_grad]
    if second and used:
        total = sum((g * g).sum() for g in used)
        arrays += [g._data for g in chainrule.autograd.grad(total, inputs, allow_unused=True) if g is not None]
    return arrays


@pytest.mark.parametrize("op,sample", list(cases()))
def test_op_runs_on_its_inputs_namespace(op, sample):
    expected = _run(op, sample, guarded=False)
    got = _run(op, sample, guarded=True)
    assert len(got) == len(expected)
    for position, (a, b) in enumerate(zip(got, expected)):
        assert isinstance(a, GuardedArray), f"result {position} is a {type(a).__name__}, not a guarded array"
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a.view(np.ndarray), b, rtol=1e-14, atol=1e-300, equal_nan=True)
