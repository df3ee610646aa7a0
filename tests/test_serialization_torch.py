"""PyTorch checkpoints: state_dicts written by torch.save load into chainrule models and give the same outputs,
chainrule's zip files load into PyTorch, and hostile pickles are refused with PyTorch's own message."""

import io
import os
import pickle
import struct
import types
import warnings
from collections import Counter, OrderedDict

import numpy as np
import pytest
import torch

import chainrule
from chainrule import nn
from chainrule.serialization import (InvalidFileError, UnsafeFileError, add_safe_globals, clear_safe_globals,
                                     get_safe_globals, get_unsafe_globals_in_checkpoint, load, safe_globals, save)
from chainrule.serialization import zip_records


def torch_bytes(obj, **options):
    buffer = io.BytesIO()
    torch.save(obj, buffer, **options)
    return buffer.getvalue()


def chainrule_bytes(obj, **options):
    buffer = io.BytesIO()
    save(obj, buffer, **options)
    return buffer.getvalue()


# ------------------------------------------------------------------------- models both ways
def mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(6, 16), lib.nn.ReLU(), lib.nn.Linear(16, 3))


def cnn(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(2, 4, 3, padding=1), lib.nn.BatchNorm2d(4), lib.nn.ReLU(),
                             lib.nn.MaxPool2d(2), lib.nn.Flatten(), lib.nn.Linear(4 * 3 * 3, 5))


class Recurrent:
    """An LSTM followed by a linear read-out, built from either library."""

    def __init__(self, lib):
        self.lstm = lib.nn.LSTM(4, 8, num_layers=2, batch_first=True)
        self.head = lib.nn.Linear(8, 2)
        self.container = lib.nn.ModuleDict({"lstm": self.lstm, "head": self.head})

    def __call__(self, x):
        return self.head(self.lstm(x)[0])


def recurrent(lib):
    return Recurrent(lib)


def transformer(lib):
    layer = lib.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
    return lib.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)


MODELS = {"mlp": (mlp, (5, 6)), "cnn": (cnn, (3, 2, 6, 6)), "lstm": (recurrent, (2, 5, 4)),
          "transformer": (transformer, (2, 5, 8))}


def module_of(model):
    return model.container if isinstance(model, Recurrent) else model


def train_a_little(model, shape):
    """A few steps of SGD so BatchNorm statistics and weights are no longer their initial values."""
    module = module_of(model)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        model(torch.randn(*shape)).square().mean().backward()
        optimizer.step()
    module.eval()


@pytest.mark.parametrize("name", MODELS)
def test_a_torch_state_dict_loads_into_chainrule_with_the_same_outputs(name, tmp_path):
    build, shape = MODELS[name]
    torch.manual_seed(0)
    theirs = build(torch)
    train_a_little(theirs, shape)
    path = tmp_path / "model.pt"
    torch.save(module_of(theirs).state_dict(), path)

    ours = build(chainrule)
    module_of(ours).load_state_dict(load(path))
    module_of(ours).eval()
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with chainrule.no_grad():
        np.testing.assert_allclose(ours(chainrule.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_a_chainrule_state_dict_saved_as_torch_loads_into_torch_with_the_same_outputs(name, tmp_path):
    build, shape = MODELS[name]
    chainrule.manual_seed(0)
    ours = build(chainrule)
    module_of(ours).eval()
    path = tmp_path / "model.pt"
    save(module_of(ours).state_dict(), path, format="torch")

    theirs = build(torch)
    module_of(theirs).load_state_dict(torch.load(path))  # weights_only=True, PyTorch's default
    module_of(theirs).eval()
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with chainrule.no_grad():
        np.testing.assert_allclose(ours(chainrule.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_an_optimizer_state_saved_by_torch_resumes_in_chainrule():
    torch.manual_seed(0)
    weight = torch.nn.Parameter(torch.randn(3))
    optimizer = torch.optim.Adam([weight], lr=0.1)
    for _ in range(2):
        optimizer.zero_grad()
        weight.square().sum().backward()
        optimizer.step()
    checkpoint = load(io.BytesIO(torch_bytes({"weight": weight.detach(), "optimizer": optimizer.state_dict()})))
    ours = chainrule.nn.Parameter(checkpoint["weight"])
    resumed = chainrule.optim.Adam([ours], lr=0.1)
    resumed.load_state_dict(checkpoint["optimizer"])
    for _ in range(2):
        optimizer.zero_grad()
        weight.square().sum().backward()
        optimizer.step()
        resumed.zero_grad()
        ours.square().sum().backward()
        resumed.step()
    np.testing.assert_allclose(ours.detach().numpy(), weight.detach().numpy(), rtol=1e-6)


# ------------------------------------------------------------------------- values and structure
def plain(value):
    """A comparable form of what either library loaded: tensors as (dtype name, list, requires_grad, kind)."""
    if hasattr(value, "detach") and hasattr(value, "dtype"):
        kind = "Parameter" if type(value).__name__ == "Parameter" else "Tensor"
        return (str(value.dtype).split(".")[1], value.detach().numpy().tolist(), value.requires_grad, kind)
    if isinstance(value, (dict, list, tuple, set)) and not hasattr(value, "_fields"):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        body = sorted(value, key=repr) if isinstance(value, set) else [(k, plain(v)) for k, v in items]
        return type(value).__name__, body
    if type(value).__name__ in ("dtype", "device", "Size"):
        return type(value).__name__, str(value).replace("torch.", "").replace("chainrule.", "")
    return value


def checkpoint(lib):
    weight = lib.nn.Parameter(lib.arange(6.0).reshape(2, 3))
    return {
        "weights": OrderedDict(w=weight, b=lib.zeros(3, dtype=lib.float64)),
        "ints": lib.tensor([[1, -2], [3, 4]]), "flags": lib.tensor([True, False]),
        "half": lib.tensor([0.5, -1.25], dtype=lib.float16), "complex": lib.tensor([1 + 2j], dtype=lib.complex64),
        "unsigned": lib.tensor([7, 65535], dtype=lib.uint16), "wide": lib.tensor([2 ** 40], dtype=lib.uint64),
        "grad": lib.ones(2, requires_grad=True), "scalar": lib.tensor(3.5),
        "meta": ["text", 1, 2.5, None, True, (1, 2), b"bytes", {1, 2}, 2 + 3j, 10 ** 30, -7],
        "types": [lib.float16, lib.Size([2, 3]), lib.device("cpu")],
        "counter": Counter({"a": 2}), "tied": [weight, weight],
    }


def test_a_torch_checkpoint_of_every_kind_of_data_loads_as_in_torch():
    raw = torch_bytes(checkpoint(torch))
    ours, theirs = load(io.BytesIO(raw)), torch.load(io.BytesIO(raw))
    assert plain(ours) == plain(theirs)
    assert ours["tied"][0] is ours["tied"][1] is ours["weights"]["w"]


def test_chainrule_writes_every_kind_of_data_for_torch_to_read():
    raw = chainrule_bytes(checkpoint(chainrule), format="torch")
    theirs, ours = torch.load(io.BytesIO(raw)), load(io.BytesIO(raw))
    assert plain(theirs) == plain(checkpoint(torch))
    assert plain(ours) == plain(checkpoint(chainrule))
    assert theirs["tied"][0] is theirs["tied"][1]


def test_views_of_one_storage_stay_views_both_ways():
    base = torch.arange(12.0)
    loaded = load(io.BytesIO(torch_bytes({"a": base.view(3, 4), "b": base[2:10:2], "c": base.view(3, 4).t()})))
    loaded["a"][0, 0] = 100.0
    assert loaded["b"].tolist() == [2.0, 4.0, 6.0, 8.0] and loaded["c"][0, 0].item() == 100.0
    ours = chainrule.arange(12.0)
    theirs = torch.load(io.BytesIO(chainrule_bytes({"a": ours.view(3, 4), "t": ours.view(3, 4).t()},
                                                   format="torch")))
    theirs["a"][1, 0] = -1.0
    assert theirs["t"][0, 1].item() == -1.0 and theirs["t"].stride() == (1, 4)


def test_a_small_view_of_a_large_tensor_is_saved_compactly():
    big = chainrule.zeros(100_000)
    raw = chainrule_bytes({"row": big[:3]}, format="torch")
    assert len(raw) < 4096 and torch.load(io.BytesIO(raw))["row"].tolist() == [0.0, 0.0, 0.0]


def test_bfloat16_and_float8_checkpoints_load_as_float32():
    source = {"bf16": torch.tensor([1.5, -2.0, 3.0e38], dtype=torch.bfloat16),
              "e4m3": torch.arange(256, dtype=torch.uint8).view(torch.float8_e4m3fn),
              "dtype": torch.bfloat16}
    ours = load(io.BytesIO(torch_bytes(source)))
    for name in ("bf16", "e4m3"):
        assert ours[name].dtype is chainrule.float32
        np.testing.assert_array_equal(ours[name].numpy(), source[name].float().numpy())
    assert ours["dtype"] is chainrule.float32


def test_chainrule_zip_files_with_many_records_use_zip64_that_torch_reads(monkeypatch):
    monkeypatch.setattr(zip_records.ZipWriter, "zip64_threshold", 100)
    tensors = {f"t{i}": chainrule.full((50,), float(i)) for i in range(5)}
    raw = chainrule_bytes(tensors, format="torch")
    theirs = torch.load(io.BytesIO(raw))
    assert all(theirs[name].tolist() == tensor.tolist() for name, tensor in tensors.items())
    assert all(load(io.BytesIO(raw))[name].tolist() == tensor.tolist() for name, tensor in tensors.items())


def test_legacy_checkpoints_load():
    raw = torch_bytes({"w": torch.arange(4.0), "h": torch.tensor([1.5], dtype=torch.bfloat16)},
                      _use_new_zipfile_serialization=False)
    assert raw[:1] == b"\x80"
    loaded = load(io.BytesIO(raw))
    assert loaded["w"].tolist() == [0.0, 1.0, 2.0, 3.0] and loaded["h"].tolist() == [1.5]


def test_a_big_endian_legacy_checkpoint_loads_byte_swapped():
    """Legacy checkpoints record the writer's byte order; each storage is an 8-byte element count and its
    elements, both in that order. (PyTorch itself reads them in the machine's order.)"""
    raw = torch_bytes({"w": torch.arange(4.0)}, _use_new_zipfile_serialization=False)
    assert raw.count(b"little_endianq\x02\x88") == 1 and raw[-24:-16] == struct.pack("<Q", 4)
    raw = raw.replace(b"little_endianq\x02\x88", b"little_endianq\x02\x89")  # True to False
    raw = raw[:-24] + struct.pack(">Q", 4) + np.arange(4.0, dtype=">f4").tobytes()
    loaded = load(io.BytesIO(raw))["w"]
    assert loaded.dtype is chainrule.float32 and loaded.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_empty_tensors_load_both_ways():
    ours = load(io.BytesIO(torch_bytes({"e": torch.zeros(0), "m": torch.ones(0, 3, dtype=torch.int16)})))
    assert ours["e"].shape == (0,) and ours["m"].shape == (0, 3) and ours["m"].dtype is chainrule.int16
    theirs = torch.load(io.BytesIO(chainrule_bytes({"e": chainrule.zeros(0)}, format="torch")))
    assert theirs["e"].shape == (0,) and theirs["e"].dtype is torch.float32


def test_mmap_loads_torch_checkpoints(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"w": torch.arange(5.0)}, path)
    loaded = load(path, mmap=True)
    loaded["w"].add_(1)
    assert loaded["w"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert torch.load(path)["w"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_map_location_follows_torch():
    raw = torch_bytes({"w": torch.ones(2)})
    assert load(io.BytesIO(raw), map_location=lambda storage, location: storage)["w"].tolist() == [1.0, 1.0]
    assert load(io.BytesIO(raw), map_location={"cpu": "cpu"})["w"].tolist() == [1.0, 1.0]
    import zipfile

    pickled = zipfile.ZipFile(io.BytesIO(raw)).read("archive/data.pkl")
    gpu = rewrite_pickle(raw, pickled.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"))
    with pytest.raises(RuntimeError) as ours:
        load(io.BytesIO(gpu))
    with pytest.raises(RuntimeError) as theirs:
        torch.load(io.BytesIO(gpu))
    assert str(ours.value) == str(theirs.value)
    for map_location in ("cpu", chainrule.device("cpu"), {"cuda:0": "cpu"}):
        assert load(io.BytesIO(gpu), map_location=map_location)["w"].tolist() == [1.0, 1.0]


# ------------------------------------------------------------------------- safety
class Exploit:
    def __reduce__(self):
        return os.system, ("echo owned > /dev/null",)


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


def refusals(raw, **options):
    """(chainrule's error, PyTorch's error) loading the same bytes."""
    with pytest.raises(pickle.UnpicklingError) as ours:
        load(io.BytesIO(raw), **options)
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(io.BytesIO(raw), **options)
    return ours.value, theirs.value


def test_a_hostile_checkpoint_is_refused_with_torchs_message_and_never_runs(monkeypatch):
    raw = torch_bytes({"model": Exploit()})
    ran = []
    monkeypatch.setattr(os, "system", ran.append)
    ours, theirs = refusals(raw)
    assert isinstance(ours, UnsafeFileError) and str(ours) == str(theirs)
    assert "posix.system whose module posix is blocked" in str(ours) and ran == []


@pytest.mark.parametrize("protocol", [2, 4])
def test_a_hostile_bare_pickle_is_refused_without_running(protocol, monkeypatch):
    raw = pickle.dumps(Exploit(), protocol=protocol)
    ran = []
    monkeypatch.setattr(os, "system", ran.append)
    with pytest.raises(UnsafeFileError, match="posix.system whose module posix is blocked"):
        load(io.BytesIO(raw))
    assert ran == []


def test_an_unknown_class_is_refused_with_torchs_message_and_allowed_by_safe_globals():
    raw = torch_bytes({"point": Point(1, 2)})
    ours, theirs = refusals(raw)
    assert str(ours) == str(theirs) and "Point was not an allowed global" in str(ours)
    assert get_unsafe_globals_in_checkpoint(io.BytesIO(raw)) == [f"{__name__}.Point"]
    with safe_globals([Point]):
        assert get_safe_globals() == [Point]
        point = load(io.BytesIO(raw))["point"]
    assert (type(point), point.x, point.y) == (Point, 1, 2) and get_safe_globals() == []
    add_safe_globals([(Point, f"{__name__}.Point")])
    try:
        assert load(io.BytesIO(raw))["point"].y == 2
    finally:
        clear_safe_globals()
    with pytest.raises(UnsafeFileError):
        load(io.BytesIO(raw))


def test_blocked_modules_stay_blocked_even_when_allowlisted():
    with safe_globals([os.system]):
        with pytest.raises(UnsafeFileError, match="is blocked"):
            load(io.BytesIO(torch_bytes([Exploit()])))


def test_whole_modules_and_arrays_need_weights_only_false_as_in_torch():
    model = nn.Linear(2, 3)
    raw = chainrule_bytes({"model": model, "array": np.arange(3.0)})
    with pytest.raises(UnsafeFileError, match="Weights only load failed"):
        load(io.BytesIO(raw))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load(io.BytesIO(raw), weights_only=False)
    with warnings.catch_warnings(record=True) as torch_caught:
        warnings.simplefilter("always")
        torch.load(io.BytesIO(torch_bytes({"model": torch.nn.Linear(2, 3)})), weights_only=False)
    assert [str(w.message) for w in caught] == [str(w.message) for w in torch_caught]
    assert isinstance(loaded["model"], nn.Linear) and loaded["model"].weight.requires_grad
    np.testing.assert_array_equal(loaded["model"].weight.detach().numpy(), model.weight.detach().numpy())
    np.testing.assert_array_equal(loaded["array"], np.arange(3.0))


def test_a_pickle_modules_own_pickler_writes_objects_as_in_torch():
    """Objects that are not data go through ``pickle_module.Pickler``, as torch.save sends everything."""
    class CountingPickler(pickle.Pickler):
        made = 0

        def __init__(self, *args, **options):
            CountingPickler.made += 1
            super().__init__(*args, **options)

    module = types.SimpleNamespace(Pickler=CountingPickler, Unpickler=pickle.Unpickler, __name__="counting")
    theirs = torch_bytes({"w": torch.ones(2), "error": ValueError("kept")}, pickle_module=module)
    assert CountingPickler.made == 1
    ours = chainrule_bytes({"w": chainrule.ones(2), "error": ValueError("kept")}, pickle_module=module)
    assert CountingPickler.made == 2
    for raw in (ours, theirs):
        loaded = load(io.BytesIO(raw), weights_only=False)
        assert loaded["w"].tolist() == [1.0, 1.0] and loaded["error"].args == ("kept",)


def test_explicit_pickle_module_needs_weights_only_false_as_in_torch():
    raw = torch_bytes({"w": torch.ones(1)})
    with pytest.raises(RuntimeError) as ours:
        load(io.BytesIO(raw), pickle_module=pickle, weights_only=True)
    with pytest.raises(RuntimeError) as theirs:
        torch.load(io.BytesIO(raw), pickle_module=pickle, weights_only=True)
    assert str(ours.value) == str(theirs.value)
    assert load(io.BytesIO(raw), pickle_module=pickle)["w"].tolist() == [1.0]


def test_torchscript_archives_are_refused():
    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(torch.nn.Linear(1, 1)), buffer)
    with pytest.raises(InvalidFileError, match="TorchScript"):
        load(io.BytesIO(buffer.getvalue()))


HOSTILE_PICKLES = {
    "reduce on a list": b"\x80\x02]K\x01\x85R.",
    "build on a list": b"\x80\x02]}b.",
    "append to a dict": b"\x80\x02}K\x01a.",
    "setitem on a list": b"\x80\x02]K\x01K\x02s.",
    "new object of a tuple": b"\x80\x02c__builtin__\nobject\n)\x81.",
    "eval": b"\x80\x02c__builtin__\neval\nX\x04\x00\x00\x001+1q\x00\x85R.",
    "unknown opcode": b"\x80\x02I1\n.",
    "persistent id of a module": b"\x80\x02X\x06\x00\x00\x00moduleq\x00\x85Q.",
}


@pytest.mark.parametrize("name", HOSTILE_PICKLES)
def test_pickle_instructions_outside_the_weights_only_vocabulary_are_refused_as_torch_refuses(name):
    """Inside a real checkpoint's archive, each hand-made pickle is refused before anything runs."""
    ours, theirs = refusals(rewrite_pickle(torch_bytes({"w": torch.ones(1)}), HOSTILE_PICKLES[name]))
    assert isinstance(ours, UnsafeFileError) and str(ours) == str(theirs)


def test_a_bytearray_of_a_forged_size_is_refused_before_allocating():
    """PyTorch would allocate 2 GB here; chainrule builds bytearrays from bytes only."""
    pickled = b"\x80\x02c__builtin__\nbytearray\nJ\x00\x00\x00\x7f\x85R."
    with pytest.raises(InvalidFileError, match="bytearray"):
        load(io.BytesIO(rewrite_pickle(torch_bytes({"w": torch.ones(1)}), pickled)))


def rewrite_pickle(raw, pickled):
    """The archive ``raw`` with its data.pkl replaced by ``pickled`` (rewritten with the standard zipfile)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = pickled if info.filename.endswith("/data.pkl") else source.read(info)
            target.writestr(info.filename, data)
    return out.getvalue()
