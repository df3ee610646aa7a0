"""Every op in the table (tests/op_db): forward values, gradients and grad_fn names against PyTorch,
and first and second derivatives against finite differences in float64."""

import numpy as np
import pytest
import torch

import chainrule
from op_db import all_ops

OPS = all_ops()
SEED = 1234


def _cases():
    for op in OPS:
        rng = np.random.default_rng(SEED)
        for i, sample in enumerate(op.samples(rng)):
            yield pytest.param(op, sample, id=f"{op.name}-{i}-{sample.name or ''}")


CASES = list(_cases())


def _is_array(value):
    return isinstance(value, np.ndarray)


def _grad_positions(op, sample):
    if op.grad_inputs is not None:
        return set(op.grad_inputs)
    return {i for i, a in enumerate(sample.args) if _is_array(a) and a.dtype.kind == "f"}


def _convert(module, op, sample, dtype, requires_grad):
    """The sample's arrays as tensors of ``module`` in ``dtype`` (float arrays only), keeping strides."""
    positions = _grad_positions(op, sample) if requires_grad else set()
    args = []
    for i, a in enumerate(sample.args):
        if not _is_array(a):
            args.append(a)
            continue
        array = a.astype(dtype) if a.dtype.kind == "f" else a
        if array.ndim and array.size and not array.flags.c_contiguous and a.dtype.kind == "f":
            array = _restride(array, a)
        t = module.from_numpy(array) if array.ndim else module.tensor(array)
        if i in positions:
            t.requires_grad_(True)
        args.append(t)
    return args


def _restride(array, original):
    """``astype`` made a contiguous copy; rebuild the non-contiguous layout of ``original``."""
    from op_db import noncontiguous

    return noncontiguous(np.ascontiguousarray(array))


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return [r for r in result if r is not None]
    return [result]


def _numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy(force=True)  # force: PyTorch hands some gradients out as ZeroTensors
    return t.detach().numpy()


def _floating(t):
    return t.dtype.is_floating_point


@pytest.mark.parametrize("op,sample", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_torch(op, sample, dtype):
    ours = _outputs(op.call(chainrule, *_convert(chainrule, op, sample, dtype, False), **sample.kwargs))
    theirs = _outputs(op.call(torch, *_convert(torch, op, sample, dtype, False), **sample.kwargs))
    assert len(ours) == len(theirs)
    tol = dict(atol=op.atol, rtol=op.rtol) if dtype == np.float32 else dict(atol=1e-7, rtol=1e-7)
    for a, b in zip(ours, theirs):
        assert tuple(a.shape) == tuple(b.shape)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_allclose(_numpy(a), _numpy(b), equal_nan=True, **tol)


def _cotangents(outputs, rng, module):
    return [module.tensor(rng.standard_normal(tuple(o.shape)).astype(_numpy(o).dtype)) for o in outputs]


@pytest.mark.parametrize("op,sample", [c for c in CASES if c.values[0].differentiable])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_match_torch(op, sample, dtype):
    results = {}
    for module in (chainrule, torch):
        args = _convert(module, op, sample, dtype, True)
        outputs = [o for o in _outputs(op.call(module, *args, **sample.kwargs)) if _floating(o) and o.requires_grad]
        inputs = [a for a in args if isinstance(a, module.Tensor) and a.requires_grad]
        cotangents = _cotangents(outputs, np.random.default_rng(SEED), module)
        if not outputs:
            results[module] = []
            continue
        grads = module.autograd.grad(outputs, inputs, cotangents, allow_unused=True)
        results[module] = [None if g is None else _numpy(g) for g in grads]
        if op.check_grad_fn:
            results[module, "names"] = [type(o.grad_fn).__name__ for o in outputs]
    tol = dict(atol=op.atol * 10, rtol=op.rtol * 10) if dtype == np.float32 else dict(atol=1e-7, rtol=1e-6)
    assert len(results[chainrule]) == len(results[torch])
    for a, b in zip(results[chainrule], results[torch]):
        if b is None:
            assert a is None or not np.any(a), "chainrule gives a gradient where PyTorch gives none"
            continue
        if a is None:
            assert not np.any(b), "chainrule gives no gradient where PyTorch gives a non-zero one"
            continue
        np.testing.assert_allclose(a, b, equal_nan=True, **tol)
    if op.check_grad_fn and results[torch]:
        assert results[chainrule, "names"] == results[torch, "names"]


def _scalar_function(op, sample, args):
    positions = [i for i, a in enumerate(args) if isinstance(a, chainrule.Tensor) and a.requires_grad]

    def fn(*inputs):
        full = list(args)
        for i, value in zip(positions, inputs):
            full[i] = value
        return tuple(o for o in _outputs(op.call(chainrule, *full, **sample.kwargs))
                     if _floating(o) and o.requires_grad)

    return fn, [args[i] for i in positions]


@pytest.mark.parametrize("op,sample", [c for c in CASES if c.values[0].differentiable
                                       and c.values[1].finite_differences])
def test_gradcheck(op, sample):
    args = _convert(chainrule, op, sample, np.float64, True)
    fn, inputs = _scalar_function(op, sample, args)
    if not inputs:
        pytest.fail("a differentiable op's sample has no input that requires grad")
    assert chainrule.autograd.gradcheck(fn, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("op,sample", [c for c in CASES if c.values[0].differentiable and c.values[0].gradgrad
                                       and c.values[1].finite_differences])
def test_gradgradcheck(op, sample):
    args = _convert(chainrule, op, sample, np.float64, True)
    fn, inputs = _scalar_function(op, sample, args)
    assert chainrule.autograd.gradgradcheck(fn, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-3)
