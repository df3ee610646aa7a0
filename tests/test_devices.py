"""Devices: placement, transfers, mixing errors, printing, nn and optim across devices, chainrule.cuda.

Where no GPU is, the ``cuda`` device is the CPU stand-in (``cuda_standin``): these tests run on every
machine. PyTorch is the oracle where a CPU-only PyTorch can answer (device objects, the errors of a
build without CUDA, the printed text through PyTorch's own printer); where it cannot (no CUDA tensors
exist in it), the CPU result of the same computation is, bit for bit, since the stand-in computes
with NumPy.
"""

import io
import subprocess
import sys

import numpy as np
import pytest
import torch
from cuda_standin import StandInArray

import chainrule
from chainrule._array import NUMPY
from chainrule._cupy import accumulate, multiply_at

MIXED = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"


def on_gpu(t):
    return t.device == chainrule.device("cuda", 0) and isinstance(t._data, StandInArray)


# ---------------------------------------------------------------- device objects, and no CUDA at all
@pytest.mark.parametrize("spec", ["cpu", "cuda", "cuda:0", "cuda:3", "cpu:0"])
def test_device_objects_match_pytorch(spec):
    ours, theirs = chainrule.device(spec), torch.device(spec)
    assert (repr(ours), str(ours), ours.type, ours.index) == (repr(theirs), str(theirs), theirs.type, theirs.index)


def test_import_does_not_import_cupy():
    code = "import sys, chainrule; chainrule.ones(2) + 1; assert 'cupy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def _error_of(fn):
    try:
        fn()
    except BaseException as error:  # noqa: B036 (PyTorch raises AssertionError here)
        return error
    return None


@pytest.mark.skipif(chainrule.cuda.is_available(), reason="a GPU is here: the GPU tests cover CUDA")
def test_without_cuda_as_pytorch_without_cuda():
    assert chainrule.cuda.is_available() == torch.cuda.is_available() is False
    assert chainrule.cuda.device_count() == torch.cuda.device_count() == 0
    assert chainrule.cuda.memory_allocated() == torch.cuda.memory_allocated() == 0
    assert chainrule.cuda.max_memory_allocated() == torch.cuda.max_memory_allocated() == 0
    assert chainrule.cuda.is_bf16_supported() == torch.cuda.is_bf16_supported()
    assert chainrule.cuda.manual_seed(1) is torch.cuda.manual_seed(1) is None
    assert chainrule.cuda.manual_seed_all(1) is torch.cuda.manual_seed_all(1) is None
    chainrule.cuda.empty_cache()
    cupy_installed = chainrule._cupy.importable()
    for ours, theirs in [(lambda: chainrule.zeros(2, device="cuda"), lambda: torch.zeros(2, device="cuda")),
                         (lambda: chainrule.ones(2).cuda(), lambda: torch.ones(2).cuda()),
                         (lambda: chainrule.tensor([1.0], device="cuda:0"),
                          lambda: torch.tensor([1.0], device="cuda:0")),
                         (lambda: chainrule.nn.Linear(2, 2).cuda(), lambda: torch.nn.Linear(2, 2).cuda()),
                         (chainrule.cuda.current_device, torch.cuda.current_device)]:
        error, expected = _error_of(ours), _error_of(theirs)
        # PyTorch without CUDA raises AssertionError; chainrule too without CuPy, naming what to install (with
        # CuPy but no GPU it says why: PyTorch's CUDA builds raise RuntimeError there)
        assert type(error) is (type(expected) if not cupy_installed else RuntimeError)
        assert ("chainrule[cuda12]" in str(error)) if not cupy_installed else "no CUDA device" in str(error)
    for ours, theirs in [(chainrule.cuda.Stream, torch.cuda.Stream)]:
        assert type(_error_of(ours)) is type(_error_of(theirs)) is RuntimeError
    assert type(_error_of(lambda: chainrule.cuda.Event(enable_timing=True))) is RuntimeError


# ---------------------------------------------------------------- placement
FACTORIES = {
    "zeros": lambda m, **k: m.zeros(2, 3, **k), "ones": lambda m, **k: m.ones(4, dtype=m.int32, **k),
    "full": lambda m, **k: m.full((2,), 7.5, **k), "arange": lambda m, **k: m.arange(1, 8, 2, **k),
    "linspace": lambda m, **k: m.linspace(0, 1, 5, **k), "logspace": lambda m, **k: m.logspace(0, 2, 3, **k),
    "eye": lambda m, **k: m.eye(3, 2, **k), "tensor": lambda m, **k: m.tensor([[1, 2], [3, 4]], **k),
    "scalar": lambda m, **k: m.tensor(2.5, **k), "scalar_tensor": lambda m, **k: m.scalar_tensor(3, **k),
    "as_tensor": lambda m, **k: m.as_tensor([1.0, 2.0], **k), "asarray": lambda m, **k: m.asarray([1, 2], **k),
    "empty": lambda m, **k: m.empty(0, 2, **k),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories_place_on_the_device(cuda_standin, name):
    made = FACTORIES[name](chainrule, device="cuda")
    expected = FACTORIES[name](torch)
    assert on_gpu(made) and made.dtype.name == str(expected.dtype).split(".")[1]
    np.testing.assert_array_equal(made.cpu().numpy(), expected.numpy())


def test_like_and_new_factories_follow_the_tensor(cuda_standin):
    x = chainrule.ones(2, 3, device="cuda")
    for made in (chainrule.zeros_like(x), chainrule.ones_like(x), chainrule.full_like(x, 2), chainrule.empty_like(x),
                 chainrule.rand_like(x), chainrule.randn_like(x), x.new_zeros(4), x.new_ones(1), x.new_full((2,), 3),
                 x.new_empty(2), x.new_tensor([1, 2]), chainrule.randint_like(x, 5)):
        assert on_gpu(made)
    assert chainrule.zeros_like(x, device="cpu").device == chainrule.device("cpu")
    assert on_gpu(chainrule.zeros_like(chainrule.ones(2), device="cuda"))


def test_default_device_and_device_blocks(cuda_standin):
    with chainrule.device("cuda"):
        assert on_gpu(chainrule.zeros(2)) and on_gpu(chainrule.tensor(1.0)) and on_gpu(chainrule.rand(2))
        assert chainrule.get_default_device() == chainrule.device("cuda", 0)
    assert chainrule.zeros(2).device == chainrule.device("cpu") == chainrule.get_default_device()
    chainrule.set_default_device("cuda")
    try:
        assert on_gpu(chainrule.arange(3))
    finally:
        chainrule.set_default_device(None)
    assert chainrule.arange(3).device.type == "cpu"


def test_a_missing_device_index_is_refused(cuda_standin):
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        chainrule.zeros(1, device="cuda:1")


# ---------------------------------------------------------------- transfers
def test_transfers_and_their_gradients(cuda_standin):
    x = chainrule.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.cuda()
    assert on_gpu(y) and type(y.grad_fn).__name__ == "ToCopyBackward0"
    z = (y * y).sum()
    assert on_gpu(z)
    z.backward()
    assert x.grad.device.type == "cpu" and x.grad.tolist() == [2.0, -4.0, 6.0]
    leaf = chainrule.ones(2, device="cuda", requires_grad=True)
    (leaf.cpu() * 3).sum().backward()
    assert on_gpu(leaf.grad) and leaf.grad.tolist() == [3.0, 3.0]
    back = y.to("cpu", chainrule.float64)
    assert back.dtype == chainrule.float64 and type(back.grad_fn).__name__ == "ToCopyBackward0"


def test_to_returns_the_tensor_itself_when_nothing_changes(cuda_standin):
    x = chainrule.ones(2, device="cuda")
    assert x.to("cuda") is x and x.cuda() is x and x.to(x) is x and x.to("cuda:0", chainrule.float32) is x
    assert x.to("cuda", copy=True) is not x
    c = chainrule.ones(2)
    assert c.cpu() is c and c.to("cpu") is c
    assert on_gpu(c.to(x)) and on_gpu(c.to(device="cuda")) and on_gpu(c.cuda(0)) and c.to(0).is_cuda


def test_device_properties_of_tensors(cuda_standin):
    x = chainrule.ones(2, device="cuda")
    assert (x.is_cuda, x.is_cpu, x.get_device(), str(x.device)) == (True, False, 0, "cuda:0")
    c = chainrule.ones(2)
    assert (c.is_cuda, c.is_cpu, c.get_device()) == (torch.ones(2).is_cuda, True, torch.ones(2).get_device())


def test_host_conversions(cuda_standin):
    x = chainrule.tensor([[1.5, 2.0]], device="cuda")
    with pytest.raises(TypeError) as error:
        x.numpy()
    assert str(error.value) == ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
                                "tensor to host memory first.")
    with pytest.raises(TypeError):
        np.asarray(x)
    assert x.tolist() == [[1.5, 2.0]] and x[0, 0].item() == 1.5 and float(x[0, 1]) == 2.0
    assert type(x.numpy(force=True)) is np.ndarray and x.cpu().numpy().tolist() == [[1.5, 2.0]]


def test_copy_into_a_tensor_on_another_device(cuda_standin):
    source = chainrule.tensor([1.0, 2.0], requires_grad=True)
    target = chainrule.zeros(2, device="cuda")
    target.copy_(source * 2)
    assert on_gpu(target) and target.tolist() == [2.0, 4.0]
    target.sum().backward()
    assert source.grad.device.type == "cpu" and source.grad.tolist() == [2.0, 2.0]


# ---------------------------------------------------------------- mixing devices
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "gt", "maximum", "atan2"])
def test_mixing_devices_raises_pytorch_error(cuda_standin, op):
    gpu, cpu = chainrule.ones(3, device="cuda"), chainrule.ones(3)
    fn = getattr(chainrule, op)
    for a, b in ((gpu, cpu), (cpu, gpu)):
        with pytest.raises(RuntimeError) as error:
            fn(a, b)
        assert str(error.value) == MIXED


def test_a_cpu_scalar_tensor_mixes_with_gpu_tensors(cuda_standin):
    gpu = chainrule.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    scale = chainrule.tensor(3.0, requires_grad=True)
    out = gpu * scale + chainrule.tensor(1.0) - scale
    assert on_gpu(out) and out.tolist() == [1.0, 4.0]
    out.sum().backward()
    assert on_gpu(gpu.grad) and scale.grad.device.type == "cpu" and scale.grad.item() == 1.0
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        chainrule.ones(2) + chainrule.tensor(1.0, device="cuda")


def test_a_cpu_scalar_tensor_of_the_result_shape_gets_its_gradient_on_the_cpu(cuda_standin):
    gpu = chainrule.tensor(2.0, device="cuda", requires_grad=True)
    scale = chainrule.tensor(3.0, requires_grad=True)  # same shape and dtype as the result: only the device differs
    (gpu * scale).backward()
    assert on_gpu(gpu.grad) and gpu.grad.item() == 3.0
    assert scale.grad.device.type == "cpu" and scale.grad.item() == 2.0


# ---------------------------------------------------------------- printing
class tensor(torch.Tensor):  # noqa: N801 (PyTorch prints the class name: a CPU tensor that says it is on cuda:0)
    @property
    def device(self):
        return torch.device("cuda", 0)


def _pytorch_text(values, requires_grad=False):
    return repr(torch.Tensor._make_subclass(tensor, values, requires_grad)).replace("torch.", "chainrule.")


@pytest.mark.parametrize("case", range(6))
def test_printing_as_pytorch(cuda_standin, case):
    values = [torch.tensor([1.0, 2.0]), torch.tensor([[1, 2], [3, 4]], dtype=torch.int32), torch.zeros(0, 3),
              torch.arange(120.0).reshape(3, 40) * 1e3, torch.tensor(2.5), torch.ones(2, dtype=torch.float64)][case]
    requires_grad = case in (0, 4)
    ours = chainrule.tensor(values.numpy(), device="cuda", requires_grad=requires_grad)
    assert repr(ours) == _pytorch_text(values, requires_grad)


def test_printing_grad_fn_after_device(cuda_standin):
    x = chainrule.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], device='cuda:0', grad_fn=<MulBackward0>)"
    assert repr(chainrule.nn.Parameter(chainrule.ones(1, device="cuda"))) == \
        "Parameter containing:\ntensor([1.], device='cuda:0', requires_grad=True)"


# ---------------------------------------------------------------- nn, optim, state dicts
def _model(module):
    module.manual_seed(0)
    return module.nn.Sequential(module.nn.Linear(4, 8), module.nn.Tanh(), module.nn.Linear(8, 2))


def _train(model, x, y, optimizer, steps=3):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
    return loss


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_training_on_the_device_matches_the_cpu(cuda_standin, optimizer):
    options = {"lr": 0.05, "momentum": 0.9} if optimizer == "SGD" else {"lr": 0.01}
    x, y = chainrule.randn(5, 4), chainrule.randn(5, 2)
    cpu_model = _model(chainrule)
    cpu_loss = _train(cpu_model, x, y, getattr(chainrule.optim, optimizer)(cpu_model.parameters(), **options))
    gpu_model = _model(chainrule).cuda()
    assert all(on_gpu(p) for p in gpu_model.parameters())
    gpu_optimizer = getattr(chainrule.optim, optimizer)(gpu_model.parameters(), **options)
    gpu_loss = _train(gpu_model, x.cuda(), y.cuda(), gpu_optimizer)
    assert on_gpu(gpu_loss) and gpu_loss.item() == cpu_loss.item()
    for state in gpu_optimizer.state.values():
        for key, value in state.items():
            if isinstance(value, chainrule.Tensor) and key != "step":
                assert on_gpu(value), key
    for p, q in zip(gpu_model.parameters(), cpu_model.parameters()):
        assert p.grad is not None and on_gpu(p.grad)
        np.testing.assert_array_equal(p.detach().cpu().numpy(), q.detach().numpy())


def test_module_to_cpu_and_back(cuda_standin):
    model = chainrule.nn.BatchNorm1d(3)
    model.cuda()
    assert all(on_gpu(t) for t in list(model.parameters()) + list(model.buffers()))
    model(chainrule.randn(4, 3, device="cuda"))
    model.to("cpu")
    assert all(t.device.type == "cpu" for t in list(model.parameters()) + list(model.buffers()))
    model.to(chainrule.device("cuda:0"), chainrule.float64)
    assert all(on_gpu(p) and p.dtype == chainrule.float64 for p in model.parameters())
    assert model.num_batches_tracked.dtype == chainrule.int64


def test_layers_made_with_device(cuda_standin):
    for layer in (chainrule.nn.Linear(3, 2, device="cuda"), chainrule.nn.Conv2d(1, 2, 3, device="cuda"),
                  chainrule.nn.Embedding(5, 2, device="cuda"), chainrule.nn.LayerNorm(4, device="cuda"),
                  chainrule.nn.LSTM(3, 4, device="cuda"), chainrule.nn.TransformerEncoderLayer(8, 2, 16, device="cuda"),
                  chainrule.nn.BatchNorm2d(3, device="cuda")):
        assert all(on_gpu(t) for t in list(layer.parameters()) + list(layer.buffers()))


def test_a_causal_transformer_on_the_device_matches_the_cpu(cuda_standin):
    chainrule.manual_seed(0)
    layer = chainrule.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=True)
    encoder = chainrule.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    x = chainrule.randn(3, 5, 8)
    mask = chainrule.nn.Transformer.generate_square_subsequent_mask(5)
    expected = encoder(x, mask=mask, is_causal=True)
    encoder.cuda()
    got = encoder(x.cuda(), mask=chainrule.nn.Transformer.generate_square_subsequent_mask(5, device="cuda"),
                  is_causal=True)
    assert on_gpu(got)
    np.testing.assert_allclose(got.detach().cpu().numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_state_dicts_across_devices(cuda_standin):
    model = _model(chainrule).cuda()
    optimizer = chainrule.optim.Adam(model.parameters(), lr=0.01)
    _train(model, chainrule.randn(3, 4, device="cuda"), chainrule.zeros(3, 2, device="cuda"), optimizer, steps=1)
    cpu_model = _model(chainrule)
    cpu_model.load_state_dict(model.state_dict())
    assert all(p.device.type == "cpu" for p in cpu_model.parameters())
    cpu_optimizer = chainrule.optim.Adam(cpu_model.parameters(), lr=0.01)
    cpu_optimizer.load_state_dict(optimizer.state_dict())
    for state in cpu_optimizer.state.values():
        assert state["exp_avg"].device.type == "cpu" and state["step"].device.type == "cpu"
    again = chainrule.optim.Adam(model.parameters(), lr=0.01)
    again.load_state_dict(cpu_optimizer.state_dict())
    assert all(on_gpu(state["exp_avg"]) and state["step"].device.type == "cpu" for state in again.state.values())


@pytest.mark.parametrize("format", ["safetensors", "torch"])
def test_save_and_load_keep_the_device(cuda_standin, format):
    buffer = io.BytesIO()
    chainrule.save({"w": chainrule.ones(2, device="cuda", requires_grad=True), "c": chainrule.zeros(1)}, buffer,
                   format=format)
    buffer.seek(0)
    loaded = chainrule.load(buffer)
    assert on_gpu(loaded["w"]) and loaded["w"].requires_grad and loaded["c"].device.type == "cpu"
    buffer.seek(0)
    assert chainrule.load(buffer, map_location="cpu")["w"].device.type == "cpu"
    buffer.seek(0)
    assert chainrule.load(buffer, map_location={"cuda:0": "cpu"})["w"].device.type == "cpu"
    buffer.seek(0)
    assert on_gpu(chainrule.load(buffer, map_location="cuda")["c"])
    if format == "torch":
        buffer.seek(0)
        from_torch = torch.load(buffer, map_location="cpu")  # PyTorch reads the GPU storage's location, maps it
        assert from_torch["w"].tolist() == [1.0, 1.0] and from_torch["w"].requires_grad


def test_a_saved_gpu_tensor_records_pytorchs_location(cuda_standin):
    buffer = io.BytesIO()
    chainrule.save(chainrule.ones(2, device="cuda"), buffer, format="torch")
    seen = []
    torch.load(io.BytesIO(buffer.getvalue()), map_location=lambda storage, location: seen.append(location) or storage)
    assert seen == ["cuda:0"]


# ---------------------------------------------------------------- random numbers on the device
def test_random_numbers_on_the_device_repeat_with_the_seed(cuda_standin):
    def draws():
        chainrule.manual_seed(3)
        x = chainrule.empty(4, device="cuda")
        return [chainrule.rand(3, device="cuda"), chainrule.randn(2, 2, device="cuda"),
                chainrule.randint(0, 9, (5,), device="cuda"), chainrule.randperm(6, device="cuda"), x.uniform_(),
                x.normal_(), x.exponential_(), chainrule.bernoulli(chainrule.full((4,), 0.5, device="cuda")),
                chainrule.nn.functional.dropout(chainrule.ones(8, device="cuda"), 0.5),
                chainrule.multinomial(chainrule.tensor([1.0, 0.0, 2.0], device="cuda"), 2),
                chainrule.poisson(chainrule.full((3,), 2.0, device="cuda"))]

    first, second = draws(), draws()
    for a, b in zip(first, second):
        assert on_gpu(a) and a.tolist() == b.tolist()
    chainrule.cuda.manual_seed(5)
    one = chainrule.rand(3, device="cuda").tolist()
    chainrule.cuda.manual_seed_all(5)
    assert chainrule.rand(3, device="cuda").tolist() == one
    assert sorted(first[3].tolist()) == list(range(6)) and 1 not in first[9].tolist()


def test_a_cpu_generator_for_a_gpu_draw_is_refused(cuda_standin):
    with pytest.raises(RuntimeError, match="Expected a 'cuda' device type for generator but found 'cpu'"):
        chainrule.rand(2, device="cuda", generator=chainrule.Generator())


# ---------------------------------------------------------------- chainrule.cuda on the stand-in
def test_cuda_module_on_a_device(cuda_standin):
    cuda = chainrule.cuda
    assert cuda.is_available() and cuda.device_count() == 1 and cuda.current_device() == 0 and cuda.is_initialized()
    cuda.set_device(0)
    cuda.synchronize()
    assert cuda.get_device_name(0) == "chainrule CPU stand-in" and cuda.get_device_capability() == (0, 0)
    start, end = cuda.Event(enable_timing=True), cuda.Event(enable_timing=True)
    start.record()
    chainrule.ones(100, device="cuda").sum()
    end.record()
    end.synchronize()
    assert start.elapsed_time(end) >= 0 and end.query()
    side = cuda.Stream()
    with cuda.stream(side):
        chainrule.ones(2, device="cuda")
    side.synchronize()
    assert side.query() and isinstance(cuda.current_stream(), cuda.Stream)
    with cuda.device(0):
        assert cuda.current_device() == 0
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        cuda.set_device(1)


# ---------------------------------------------------------------- what CuPy lacks, written for the GPU
@pytest.mark.parametrize("ufunc", [np.maximum, np.minimum, np.logaddexp])
@pytest.mark.parametrize("shape,axis", [((7,), 0), ((3, 9), 1), ((5, 4, 3), 0), ((1,), 0), ((0, 3), 1)])
def test_scan_matches_numpy_accumulate(ufunc, shape, axis):
    x = np.random.default_rng(0).standard_normal(shape)
    x.flat[::4] = np.nan
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(accumulate(NUMPY, ufunc, x, axis), ufunc.accumulate(x, axis=axis), rtol=1e-14)


@pytest.mark.parametrize("values", [2.5, np.arange(1.0, 7.0)])
def test_multiply_at_matches_numpy(values):
    target = np.random.default_rng(1).standard_normal((4, 5))
    index = (np.array([0, 1, 0, 0, 3, 0]), np.array([2, 2, 2, 2, 4, 2]))
    expected = target.copy()
    np.multiply.at(expected, index, values)
    multiply_at(NUMPY, target, index, values)
    np.testing.assert_array_equal(target, expected)
