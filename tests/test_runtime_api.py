"""Process settings, type facts, legacy constructors, autocast and GradScaler, backends/jit/onnx, against torch."""

import pytest
import torch

import chainrule

FLOAT_NAMES = ["float16", "float32", "float64", "complex64", "complex128", "bfloat16"]
INT_NAMES = ["uint8", "int8", "int16", "int32", "int64", "bool"]


def _text(obj):
    return repr(obj).replace("torch.", "chainrule.")


@pytest.mark.parametrize("name", FLOAT_NAMES)
def test_finfo_matches_torch(name):
    ours, theirs = chainrule.finfo(getattr(chainrule, name)), torch.finfo(getattr(torch, name))
    assert repr(ours) == repr(theirs)
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field


@pytest.mark.parametrize("name", [n for n in INT_NAMES if n != "bool"])
def test_iinfo_matches_torch(name):
    ours, theirs = chainrule.iinfo(getattr(chainrule, name)), torch.iinfo(getattr(torch, name))
    assert repr(ours) == repr(theirs)
    assert (ours.bits, ours.min, ours.max, ours.dtype) == (theirs.bits, theirs.min, theirs.max, theirs.dtype)


def test_finfo_iinfo_refuse_the_other_kind():
    assert repr(chainrule.finfo()) == repr(torch.finfo())
    for module in (torch, chainrule):
        with pytest.raises(TypeError):
            module.finfo(module.int32)
        with pytest.raises(TypeError):
            module.iinfo(module.float32)


def test_layout_and_memory_format_names():
    for name in ("strided", "contiguous_format", "preserve_format", "channels_last"):
        assert _text(getattr(torch, name)) == repr(getattr(chainrule, name))
    assert isinstance(chainrule.strided, chainrule.layout)
    assert isinstance(chainrule.channels_last, chainrule.memory_format)


def test_settings_round_trip_and_validation():
    chainrule.set_num_threads(3)
    assert chainrule.get_num_threads() == 3
    for module in (torch, chainrule):
        with pytest.raises(RuntimeError, match="positive integer"):
            module.set_num_threads(0)
        with pytest.raises(TypeError):
            module.use_deterministic_algorithms(1)
        with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
            module.set_deterministic_debug_mode("x")
    for module in (torch, chainrule):
        module.set_deterministic_debug_mode("warn")
        assert module.are_deterministic_algorithms_enabled()
        assert module.is_deterministic_algorithms_warn_only_enabled()
        assert module.get_deterministic_debug_mode() == 1
        module.use_deterministic_algorithms(False)
        assert module.get_deterministic_debug_mode() == 0
    chainrule.set_float32_matmul_precision("high")
    assert chainrule.get_float32_matmul_precision() == "high"
    with pytest.warns(UserWarning):
        chainrule.set_float32_matmul_precision("fast")
    assert chainrule.get_float32_matmul_precision() == "high"
    chainrule.set_float32_matmul_precision("highest")
    chainrule.set_warn_always(True)
    assert chainrule.is_warn_always_enabled()
    chainrule.set_warn_always(False)


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor",
                                  "HalfTensor", "ShortTensor", "CharTensor"])
def test_legacy_constructors_match_torch(name):
    ours, theirs = getattr(chainrule, name), getattr(torch, name)
    assert tuple(ours(2, 3).shape) == tuple(theirs(2, 3).shape)
    assert str(ours(2, 3).dtype).split(".")[-1] == str(theirs(2, 3).dtype).split(".")[-1]
    assert str(ours([1, 0, 2])) == str(theirs([1, 0, 2])).replace("torch.", "chainrule.")
    assert tuple(ours().shape) == tuple(theirs().shape) == (0,)
    assert tuple(ours(chainrule.Size([4])).shape) == (4,)
    made = chainrule.zeros(2, dtype=ours.dtype)
    assert isinstance(made, ours) and not isinstance(made.to(chainrule.complex64), ours)
    assert ours(made) is made
    for module in (torch, chainrule):
        with pytest.raises(TypeError):
            getattr(module, name)("a")
        with pytest.raises(TypeError):
            getattr(module, name)([1], dtype=module.float64)


def test_tensor_type_takes_a_legacy_type():
    assert chainrule.zeros(2).type(chainrule.DoubleTensor).dtype is chainrule.float64
    assert chainrule.zeros(2).type("torch.LongTensor").dtype is chainrule.int64


def test_set_default_tensor_type():
    try:
        with pytest.warns(UserWarning, match="deprecated"):
            chainrule.set_default_tensor_type(chainrule.DoubleTensor)
        assert chainrule.get_default_dtype() is chainrule.float64
        with pytest.warns(UserWarning):
            chainrule.set_default_tensor_type("torch.FloatTensor")
        assert chainrule.get_default_dtype() is chainrule.float32
    finally:
        chainrule.set_default_dtype(chainrule.float32)


def test_bfloat16_is_named_but_has_no_tensors():
    assert repr(chainrule.bfloat16) == "chainrule.bfloat16"
    assert chainrule.bfloat16.is_floating_point and chainrule.bfloat16.itemsize == 2
    for make in (lambda: chainrule.zeros(2, dtype=chainrule.bfloat16), lambda: chainrule.ones(2).to(chainrule.bfloat16),
                 lambda: chainrule.tensor([1.0], dtype=chainrule.bfloat16)):
        with pytest.raises(TypeError, match="no bfloat16 tensors"):
            make()


def test_autocast_answers_as_a_cpu_build():
    for module in (torch, chainrule):
        with pytest.warns(UserWarning, match="Disabling autocast"):
            region = module.autocast("cuda")
        with region:
            assert not module.is_autocast_enabled("cuda")
        with module.autocast("cpu", enabled=False):
            assert not module.is_autocast_enabled("cpu")
        with pytest.warns(UserWarning, match="target dtype is not supported"):
            module.autocast("cpu", dtype=module.float32)
        with pytest.raises(ValueError):
            module.autocast(3)
        with pytest.raises(RuntimeError, match="Expected one of"):
            module.autocast("xyz")
        assert module.amp.autocast is module.autocast and module.amp.GradScaler is module.GradScaler
    assert str(chainrule.get_autocast_dtype("cpu")) == "chainrule.bfloat16"
    with pytest.raises(NotImplementedError, match="autocast on the CPU"):
        with chainrule.autocast("cpu"):
            pass
    assert not chainrule.is_autocast_enabled("cpu")

    @chainrule.autocast("cpu", enabled=False)
    def inside():
        return chainrule.is_autocast_enabled("cpu")

    assert inside() is False


def _scaler_run(module, gradients, **kwargs):
    """A few GradScaler iterations; returns everything observable about them."""
    p = module.nn.Parameter(module.ones(3))
    opt = module.optim.SGD([p], lr=0.1)
    scaler = module.amp.GradScaler("cpu", **kwargs)
    seen = []
    for grad in gradients:
        opt.zero_grad()
        loss = scaler.scale((p * 2).sum())
        loss.backward()
        if grad is not None:
            p.grad = module.tensor(grad)
        seen.append(float(loss))
        scaler.step(opt)
        scaler.update()
        seen.append((scaler.get_scale(), p.detach().numpy().tolist(), scaler.state_dict()))
    return seen


# the loop reads float(loss) as training scripts do; PyTorch notes that loss requires grad
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True to a scalar:UserWarning")
def test_grad_scaler_matches_torch():
    gradients = [None, [float("inf"), 1.0, 1.0], None, None, [1.0, float("nan"), 0.0], None]
    kwargs = dict(init_scale=8.0, growth_interval=2)
    assert _scaler_run(chainrule, gradients, **kwargs) == _scaler_run(torch, gradients, **kwargs)


def test_grad_scaler_errors_and_disabled():
    for module in (torch, chainrule):
        p = module.nn.Parameter(module.ones(2))
        opt = module.optim.SGD([p], lr=0.1)
        scaler = module.amp.GradScaler("cpu")
        scaler.scale(p.sum()).backward()
        scaler.unscale_(opt)
        with pytest.raises(RuntimeError, match="already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            scaler.step(opt)
        with pytest.warns(UserWarning, match="CUDA is not available"):
            disabled = module.amp.GradScaler("cuda")
        loss = p.sum()
        assert disabled.scale(loss) is loss and disabled.get_scale() == 1.0 and disabled.state_dict() == {}
        with pytest.raises(RuntimeError, match="state dict is empty"):
            module.amp.GradScaler("cpu").load_state_dict({})


def test_backends_answer_as_a_cpu_build():
    assert chainrule.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    chainrule.backends.cuda.matmul.allow_tf32 = True
    assert chainrule.backends.cuda.matmul.allow_tf32
    chainrule.backends.cuda.matmul.allow_tf32 = False
    with pytest.raises(AttributeError, match="Unknown attribute"):
        print(chainrule.backends.cuda.matmul.something)
    assert chainrule.backends.cudnn.is_available() is False
    assert chainrule.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert chainrule.backends.cuda.is_built() is torch.backends.cuda.is_built() is False
    with chainrule.backends.cuda.sdp_kernel(enable_flash=False):
        assert not chainrule.backends.cuda.flash_sdp_enabled()
    assert chainrule.backends.cuda.flash_sdp_enabled()


def test_accelerator_without_one():
    assert chainrule.accelerator.is_available() is torch.accelerator.is_available() is False
    assert chainrule.accelerator.current_accelerator() is None
    for module in (torch, chainrule):
        with pytest.raises(RuntimeError, match="none is available"):
            module.accelerator.current_device_index()


def test_jit_passes_functions_and_modules_through():
    model = chainrule.nn.Linear(2, 1)
    assert chainrule.jit.script(model) is model
    x = chainrule.ones(1, 2)
    assert chainrule.jit.trace(model, x) is model
    assert chainrule.wait(chainrule.fork(lambda a: a + 1, 2)) == 3
    assert not chainrule.jit.is_scripting()
    with pytest.raises(NotImplementedError, match="jit.save"):
        chainrule.jit.save(model, "m.pt")
    with pytest.raises(NotImplementedError, match="onnx.export"):
        chainrule.onnx.export(model, x, "m.onnx")
