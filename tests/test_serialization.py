"""chainrule.save / chainrule.load: round trips, the safetensors layout, and refusal of pickles and forged files."""

import io
import json
import math
import os
import pickle
import struct
from collections import Counter, OrderedDict

import numpy as np
import pytest
import torch

import chainrule
from chainrule import optim
from chainrule.serialization import InvalidFileError, UnsafeFileError, load, save


def round_trip(obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    return load(buffer)


def same_tensor(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a.detach().numpy(), b.detach().numpy(),
                                                                        equal_nan=True)


DTYPES = [chainrule.float32, chainrule.float64, chainrule.float16, chainrule.int64, chainrule.int32,
          chainrule.int16, chainrule.int8, chainrule.uint8, chainrule.bool, chainrule.complex64,
          chainrule.complex128]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (2, 3)], ids=str)
def test_tensor_round_trip(dtype, shape):
    rng = np.random.default_rng(0)
    tensor = chainrule.tensor((rng.standard_normal(shape) * 5).astype(dtype.np))
    assert same_tensor(round_trip(tensor), tensor)


def test_non_contiguous_tensor_round_trip():
    base = chainrule.arange(12.0).reshape(3, 4)
    view = base.t()
    loaded = round_trip(view)
    assert same_tensor(loaded, view) and loaded.is_contiguous()


def test_nested_object_round_trip():
    weight = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    obj = {
        "model": OrderedDict(weight=weight, bias=chainrule.zeros(2)),
        1: [weight, 2.5, float("inf"), -float("inf"), None, True, "text", (1, (2.0, "x")), []],
        (3, "key"): {"nested": {"deep": chainrule.tensor(7)}},
        "counter": Counter({5: 2, 7: 1}),
        "nan": float("nan"),
        "big": 2 ** 70,
    }
    loaded = round_trip(obj)
    assert list(loaded) == list(obj)
    assert isinstance(loaded["model"], OrderedDict) and list(loaded["model"]) == ["weight", "bias"]
    assert same_tensor(loaded["model"]["weight"], weight) and loaded["model"]["weight"].requires_grad
    assert loaded[1][0] is loaded["model"]["weight"]
    assert loaded[1][1:] == [2.5, math.inf, -math.inf, None, True, "text", (1, (2.0, "x")), []]
    assert same_tensor(loaded[(3, "key")]["nested"]["deep"], chainrule.tensor(7))
    assert loaded["counter"] == Counter({5: 2, 7: 1}) and isinstance(loaded["counter"], Counter)
    assert math.isnan(loaded["nan"]) and loaded["big"] == 2 ** 70


def test_save_to_path_and_load_from_path(tmp_path):
    path = tmp_path / "state.safetensors"
    save({"x": chainrule.ones(3)}, path)
    assert same_tensor(load(str(path))["x"], chainrule.ones(3))
    assert same_tensor(load(path, map_location="cpu", weights_only=True)["x"], chainrule.ones(3))


def test_optimizer_and_scheduler_state_round_trip():
    x = chainrule.tensor([1.0, -2.0], requires_grad=True)
    optimizer = optim.Adam([x], lr=0.1, amsgrad=True)
    scheduler = optim.lr_scheduler.MultiStepLR(optimizer, [2, 4])
    for _ in range(3):
        optimizer.zero_grad()
        (x ** 2).sum().backward()
        optimizer.step()
        scheduler.step()
    loaded = round_trip({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()})
    restored = optim.Adam([x], lr=0.1, amsgrad=True)
    restored.load_state_dict(loaded["optimizer"])
    for key, value in optimizer.state[x].items():
        assert same_tensor(restored.state[x][key], value)
    assert restored.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    schedule = optim.lr_scheduler.MultiStepLR(restored, [2, 4])
    schedule.load_state_dict(loaded["scheduler"])
    assert schedule.milestones == scheduler.milestones and schedule.last_epoch == 3


def test_file_layout_is_safetensors():
    buffer = io.BytesIO()
    save(OrderedDict(a=chainrule.tensor([1.0, 2.0]), b=chainrule.tensor([[3]], dtype=chainrule.int16)), buffer)
    raw = buffer.getvalue()
    (length,) = struct.unpack("<Q", raw[:8])
    assert length % 8 == 0
    header = json.loads(raw[8:8 + length])
    assert header["a"] == {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    assert header["b"] == {"dtype": "I16", "shape": [1, 1], "data_offsets": [8, 10]}
    assert np.frombuffer(raw[8 + length:8 + length + 8], "<f4").tolist() == [1.0, 2.0]
    assert all(isinstance(v, str) for v in header["__metadata__"].values())


def handwritten_safetensors(tensors, metadata=None):
    """A file in the safetensors layout written with NumPy alone, as the safetensors library lays it out."""
    header, chunks, offset = {}, [], 0
    codes = {"float32": "F32", "int64": "I64", "float64": "F64", "bool": "BOOL", "uint8": "U8"}
    for name, array in tensors.items():
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": codes[array.dtype.name], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def test_load_a_plain_safetensors_file():
    arrays = {"embed.weight": np.arange(6, dtype=np.float32).reshape(2, 3), "step": np.array(4, dtype=np.int64),
              "mask": np.array([True, False]), "scale": np.array([0.5], dtype=np.float64)}
    loaded = load(io.BytesIO(handwritten_safetensors(arrays, {"format": "pt"})))
    assert list(loaded) == list(arrays)
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name].numpy(), array)
        assert loaded[name].numpy().dtype == array.dtype


def test_loaded_tensors_are_writable_and_independent():
    raw = handwritten_safetensors({"w": np.ones(3, dtype=np.float32)})
    loaded = load(io.BytesIO(raw))
    loaded["w"].add_(1)
    assert loaded["w"].tolist() == [2.0, 2.0, 2.0]


def test_unsupported_objects_are_refused_at_save():
    with pytest.raises(TypeError, match="chainrule.save stores tensors"):
        save({"f": lambda: 0}, io.BytesIO())
    with pytest.raises(TypeError, match="got an object of type set"):
        save({1, 2}, io.BytesIO())


# ------------------------------------------------------------------------- hostile files
class Exploit:
    def __reduce__(self):
        return (os.system, ("echo owned > /dev/null",))


def test_torch_save_archive_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(UnsafeFileError, match="zip archive"):
        load(path)


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_malicious_pickle_is_refused_without_running_it(protocol, monkeypatch):
    payload = pickle.dumps(Exploit(), protocol=protocol)
    ran = []
    monkeypatch.setattr(os, "system", ran.append)
    with pytest.raises(UnsafeFileError, match="pickle"):
        load(io.BytesIO(payload))
    assert ran == []


def forged(header, data=b"", length=None):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


FORGERIES = {
    "empty": b"",
    "short length": b"\x10\x00\x00",
    "absurd header length": struct.pack("<Q", 2 ** 62) + b"{}",
    "header past the end": struct.pack("<Q", 100) + b"{}",
    "not json": struct.pack("<Q", 4) + b"{{{{",
    "not utf-8": struct.pack("<Q", 2) + b"\xff\xfe",
    "header not an object": forged([1, 2]),
    "bad dtype": forged({"x": {"dtype": "Q99", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
    "bfloat16": forged({"x": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}, b"\0" * 2),
    "negative shape": forged({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4),
    "float shape": forged({"x": {"dtype": "F32", "shape": [1.0], "data_offsets": [0, 4]}}, b"\0" * 4),
    "size mismatch": forged({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
    "offsets out of range": forged({"x": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}, b"\0" * 4),
    "offsets reversed": forged({"x": {"dtype": "U8", "shape": [0], "data_offsets": [4, 0]}}, b"\0" * 4),
    "overlapping": forged({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                           "y": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
    "gap": forged({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
    "truncated data": forged({"x": {"dtype": "F64", "shape": [4], "data_offsets": [0, 32]}}, b"\0" * 20),
    "huge shape": forged({"x": {"dtype": "F32", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 4]}}, b"\0" * 4),
    "extra field": forged({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "code": "x"}}, b"\0" * 4),
    "duplicate names": struct.pack("<Q", 106) + (
        b'{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}'
        ) + b"\0",
    "metadata not strings": forged({"__metadata__": {"a": 1}}),
    "tree not json": forged({"__metadata__": {"chainrule.tree": "{"}}),
    "unknown node": forged({"__metadata__": {"chainrule.tree": '{"pickle": "x"}'}}),
    "missing tensor": forged({"__metadata__": {"chainrule.tree": '{"tensor": "nope"}'}}),
    "bad pairs": forged({"__metadata__": {"chainrule.tree": '{"dict": [[1, 2, 3]]}'}}),
    "unhashable key": forged({"__metadata__": {"chainrule.tree": '{"dict": [[[1], 2]]}'}}),
    "deep tree": forged({"__metadata__": {"chainrule.tree": "[" * 100000 + "]" * 100000}}),
    "integer requires grad": forged({"x": {"dtype": "I64", "shape": [], "data_offsets": [0, 8]},
                                     "__metadata__": {"chainrule.tree": '{"tensor": "x", "requires_grad": true}'}},
                                    b"\0" * 8),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_forged_or_truncated_files_raise_invalid_file_error(name):
    with pytest.raises(InvalidFileError, match="chainrule.load: ") as caught:
        load(io.BytesIO(FORGERIES[name]))
    assert type(caught.value) is InvalidFileError


@pytest.mark.parametrize("cut", [1, 7, 8, 20, -1, -5])
def test_every_truncation_of_a_valid_file_is_refused(cut):
    buffer = io.BytesIO()
    save({"a": chainrule.arange(10.0), "b": [chainrule.ones(2, 2)]}, buffer)
    with pytest.raises(InvalidFileError):
        load(io.BytesIO(buffer.getvalue()[:cut]))


def test_invalid_file_error_is_a_runtime_error():
    assert issubclass(UnsafeFileError, InvalidFileError) and issubclass(InvalidFileError, RuntimeError)


def test_map_location_to_a_missing_device_raises():
    """Without a GPU, PyTorch's error; with one, the tensor lands there."""
    buffer = io.BytesIO()
    save(chainrule.ones(1), buffer)
    buffer.seek(0)
    if chainrule.cuda.is_available():
        assert load(buffer, map_location="cuda:0").device == chainrule.device("cuda:0")
        return
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device but"):
        load(buffer, map_location="cuda:0")
