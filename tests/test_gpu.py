"""chainrule on a real NVIDIA GPU through CuPy, against PyTorch (on CUDA when the installed PyTorch has it).

Every test here carries the ``gpu`` marker: ``make test-gpu`` runs them on a machine with a GPU, and
elsewhere the run's summary counts them as not run. The same bookkeeping is tested on every machine
against the CPU stand-in device (``test_devices.py``, ``test_device_ops.py``).
"""

import os
import sys

import numpy as np
import pytest
import torch
from test_ops import CASES, _convert, _floating, _grad_positions, _outputs

import chainrule

pytestmark = pytest.mark.gpu

TORCH_DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
SEED = 1234


def _host(t):
    return t.detach().cpu().numpy(force=True) if isinstance(t, torch.Tensor) else t.detach().cpu().numpy()


def _on(module, device, op, sample, dtype):
    """The sample's tensors on ``device``, leaves requiring grad where the op table says."""
    positions = _grad_positions(op, sample) if op.differentiable else set()
    args = []
    for i, value in enumerate(_convert(module, op, sample, dtype, False)):
        if isinstance(value, module.Tensor):
            value = value.to(device)
            if i in positions and value.dtype.is_floating_point:
                value.requires_grad_(True)
        args.append(value)
    return args


def _run(module, device, op, sample, dtype):
    args = _on(module, device, op, sample, dtype)
    outputs = _outputs(op.call(module, *args, **sample.kwargs))
    values = [_host(o) for o in outputs]
    differentiable = [o for o in outputs if _floating(o) and o.requires_grad]
    inputs = [a for a in args if isinstance(a, module.Tensor) and a.requires_grad]
    grads = []
    if differentiable and inputs:
        rng = np.random.default_rng(SEED)
        cotangents = [module.tensor(rng.standard_normal(tuple(o.shape)).astype(_host(o).dtype), device=device)
                      for o in differentiable]
        grads = [None if g is None else _host(g)
                 for g in module.autograd.grad(differentiable, inputs, cotangents, allow_unused=True)]
    return [o.device.type for o in outputs], values, grads


@pytest.mark.parametrize("op,sample", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_op_table_on_the_gpu_matches_torch(op, sample, dtype):
    devices, ours, our_grads = _run(chainrule, "cuda", op, sample, dtype)
    _, theirs, their_grads = _run(torch, TORCH_DEVICE, op, sample, dtype)
    assert set(devices) <= {"cuda"}, devices
    tol = dict(atol=op.atol * 10, rtol=op.rtol * 10) if dtype == np.float32 else dict(atol=1e-7, rtol=1e-6)
    assert len(ours) == len(theirs) and len(our_grads) == len(their_grads)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, equal_nan=True, **tol)
    for a, b in zip(our_grads, their_grads):
        if a is None or b is None:
            assert a is None or not np.any(a)
            continue
        np.testing.assert_allclose(a, b, equal_nan=True, **tol)


def _example(name):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


def _losses(lib, device, model, batches, steps):
    model = model.to(device)
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for inputs, targets in batches[:steps]:
        logits = model(inputs.to(device))
        loss = lib.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.to(device).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses)


def test_the_digits_mlp_trains_on_the_gpu_as_on_the_cpu():
    build_model = _example("digits_mlp").build_model
    rng = np.random.default_rng(0)
    batches = [(chainrule.tensor(rng.standard_normal((64, 64)).astype(np.float32)),
                chainrule.tensor(rng.integers(0, 10, 64))) for _ in range(30)]
    chainrule.manual_seed(0)
    cpu = build_model(chainrule.nn)
    gpu = build_model(chainrule.nn)
    gpu.load_state_dict(cpu.state_dict())
    np.testing.assert_allclose(_losses(chainrule, "cuda", gpu, batches, 30),
                               _losses(chainrule, "cpu", cpu, batches, 30), rtol=1e-4)


def test_the_char_transformer_trains_on_the_gpu_as_on_the_cpu():
    char_transformer = _example("char_transformer")
    rng = np.random.default_rng(0)
    batches = [(chainrule.tensor(rng.integers(0, 20, (8, 32))), chainrule.tensor(rng.integers(0, 20, (8, 32))))
               for _ in range(10)]
    chainrule.manual_seed(0)
    cpu = char_transformer.CharTransformer(20, 32)
    gpu = char_transformer.CharTransformer(20, 32)
    gpu.load_state_dict(cpu.state_dict())
    np.testing.assert_allclose(_losses(chainrule, "cuda", gpu, batches, 10),
                               _losses(chainrule, "cpu", cpu, batches, 10), rtol=1e-4)


def test_cuda_module_on_a_gpu():
    assert chainrule.cuda.is_available() and chainrule.cuda.device_count() >= 1
    before = chainrule.cuda.memory_allocated()
    x = chainrule.ones(1024, 1024, device="cuda")
    assert chainrule.cuda.memory_allocated() >= before + x.numel() * 4
    start, end = chainrule.cuda.Event(enable_timing=True), chainrule.cuda.Event(enable_timing=True)
    start.record()
    (x @ x).sum().item()
    end.record()
    end.synchronize()
    assert start.elapsed_time(end) > 0
    with pytest.raises(TypeError, match="cuda"):
        x.numpy()
    assert repr(chainrule.tensor([1.0, 2.0], device="cuda")) == repr(torch.tensor([1.0, 2.0], device="cuda")) \
        if torch.cuda.is_available() else "device='cuda:0'" in repr(chainrule.tensor([1.0, 2.0], device="cuda"))


def test_random_draws_on_the_gpu_repeat_with_the_seed():
    chainrule.manual_seed(7)
    first = chainrule.randn(5, device="cuda")
    chainrule.manual_seed(7)
    assert chainrule.equal(first, chainrule.randn(5, device="cuda")) and first.is_cuda
