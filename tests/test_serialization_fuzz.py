"""chainrule.load against damaged and forged files, and chainrule.save against a process killed mid-save.

Every mutant of a set of valid files (chainrule's layout, the safetensors library's, PyTorch's zip and
legacy checkpoints, a checkpoint holding a hostile pickle) must load as well-formed data or raise
InvalidFileError (UnsafeFileError included), within 1 s and 50 MB, and no pickle may ever run.
"""

import io
import json
import multiprocessing
import os
import pickle
import random
import signal
import struct
import time
import tracemalloc
import zipfile
from collections import Counter, OrderedDict

import numpy as np
import pytest
import safetensors.numpy
import torch

import chainrule
from chainrule.serialization import InvalidFileError, load, save

MUTANTS_PER_FILE = 300
SECONDS_PER_FILE = 1.0  # of CPU time: other processes sharing the machine must not make the test flaky
BYTES_PER_FILE = 50 * 2 ** 20


class Exploit:
    def __reduce__(self):
        return os.system, ("echo owned > /dev/null",)


def chainrule_file(**options):
    buffer = io.BytesIO()
    weight = chainrule.nn.Parameter(chainrule.randn(3, 4))
    save({"model": OrderedDict(weight=weight, bias=chainrule.zeros(4, dtype=chainrule.float64)),
          "steps": [1, 2.5, None, "text", (True, -3)], "z": chainrule.tensor([1 + 2j], dtype=chainrule.complex128),
          "ints": chainrule.arange(5, dtype=chainrule.int16), "tied": weight,
          "grad": chainrule.ones(2, requires_grad=True), "count": Counter({"a": 1})}, buffer, **options)
    return buffer.getvalue()


def torch_file(obj, **options):
    buffer = io.BytesIO()
    torch.save(obj, buffer, **options)
    return buffer.getvalue()


def torch_checkpoint():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    return {"model": model.state_dict(), "epoch": 3, "half": torch.ones(2, dtype=torch.bfloat16),
            "unsigned": torch.ones(2, dtype=torch.uint16), "view": torch.arange(6.0).view(2, 3).t()}


BASES = {
    "chainrule layout": chainrule_file(),
    "chainrule zip": chainrule_file(format="torch"),
    "safetensors library": safetensors.numpy.save({"a": np.arange(6, dtype=np.float32).reshape(2, 3),
                                                   "b": np.ones(3, dtype=np.uint8)}, {"format": "pt"}),
    "torch zip": torch_file(torch_checkpoint()),
    "torch legacy": torch_file(torch_checkpoint(), _use_new_zipfile_serialization=False),
    "hostile zip": torch_file({"w": torch.ones(2), "payload": Exploit()}),
}


# ------------------------------------------------------------------------- mutations
def flip_bits(raw, rng):
    data = bytearray(raw)
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(data))
        data[position] ^= 1 << rng.randrange(8)
    return bytes(data)


def overwrite(raw, rng):
    data = bytearray(raw)
    position = rng.randrange(len(data))
    value = rng.choice([b"\x00", b"\xff", b"\x7f\xff\xff\xff", b"\xff" * 8, b"\x80", b"(", b".", b"c"])
    data[position:position + len(value)] = value
    return bytes(data)


def truncate(raw, rng):
    return raw[:rng.randrange(len(raw))]


def splice(raw, rng):
    position = rng.randrange(len(raw))
    if rng.random() < 0.5:
        return raw[:position] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + raw[position:]
    return raw[:position] + raw[position + rng.randint(1, 16):]


def _header(raw):
    (length,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + length]), raw[8 + length:]


def _with_header(header_bytes, data):
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data


def edit_header(raw, rng):
    """A structured forgery of a safetensors-layout header."""
    header, data = _header(raw)
    names = [name for name in header if name != "__metadata__"]
    name = rng.choice(names)
    entry = header[name]
    edit = rng.randrange(11)
    if edit == 0:
        entry["shape"] = [rng.choice([2 ** 62, 2 ** 63, 2 ** 64, -1, 0, 10 ** 30, 1.5, "1", None])
                          for _ in range(rng.randint(1, 6))]
    elif edit == 1:
        entry["shape"] = [2 ** 62] * 100_000
    elif edit == 2:
        entry["data_offsets"] = [rng.choice([-1, 0, 2 ** 64, 10 ** 40, len(data), len(data) + 1, 3.0])
                                 for _ in range(rng.randint(0, 3))]
    elif edit == 3:
        entry["dtype"] = rng.choice(["F128", "C128", "BF16", "", "f32", 32, None, "F8_E4M3", "U64", "\u00e9"])
    elif edit == 4:
        header["__metadata__"] = {"chainrule.tree": "[" * rng.randint(500, 200_000) + "]" * 10}
    elif edit == 5:
        text = json.dumps(header).encode()
        return _with_header(text[:-1] + b"," + json.dumps(name).encode() + b":" + json.dumps(entry).encode() + b"}",
                            data)
    elif edit == 6:
        text = json.dumps(header).encode()
        position = rng.randrange(len(text))
        return _with_header(text[:position] + bytes([rng.choice([0xFF, 0xC3, 0x80, 0xED])]) + text[position:], data)
    elif edit == 7:
        return struct.pack("<Q", rng.choice([2 ** 63, 2 ** 64 - 1, 100_000_001, len(raw)])) + raw[8:]
    elif edit == 8:
        header["__metadata__"] = {"chainrule.tree": json.dumps({"tensor": rng.choice(names + ["missing"]),
                                                                "requires_grad": True, "complex": True})}
    elif edit == 9:
        header[name + "x"] = dict(entry)
    else:
        header = {"nested": {"a": [[[[{}]]]]}} if rng.random() < 0.5 else [header]
    return _with_header(json.dumps(header).encode(), data)


def _rezip(raw, transform):
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, transform(info.filename, source.read(info)))
    return out.getvalue()


def edit_pickle(raw, rng):
    """Mutate the pickle inside a zip checkpoint, keeping the archive itself valid (CRCs recomputed)."""
    mutate = rng.choice([flip_bits, overwrite, truncate, splice])
    return _rezip(raw, lambda name, data: mutate(data, rng) if name.endswith("data.pkl") else data)


def edit_directory(raw, rng):
    """Forge a size, offset or count in the zip central directory or its end records."""
    data = bytearray(raw)
    signature = rng.choice([b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x03\x04"])
    positions = [i for i in range(len(data) - 4) if data[i:i + 4] == signature]
    if not positions:
        return flip_bits(raw, rng)
    position = rng.choice(positions) + rng.choice([8, 10, 12, 16, 20, 24, 28, 32, 36, 42])
    value = rng.choice([0xFFFFFFFF, 0, 2 ** 31, len(raw), len(raw) * 2, 1])
    data[position:position + 4] = struct.pack("<I", value)
    return bytes(data)


GENERIC = [flip_bits, overwrite, truncate, splice]


def mutations(name, raw):
    structured = {"chainrule layout": [edit_header], "safetensors library": [edit_header],
                  "chainrule zip": [edit_pickle, edit_directory], "torch zip": [edit_pickle, edit_directory],
                  "hostile zip": [edit_pickle, edit_directory]}.get(name, [])
    rng = random.Random(f"{name}-seed")
    for _ in range(MUTANTS_PER_FILE):
        mutate = rng.choice(GENERIC + structured * 2)
        yield mutate.__name__, mutate(raw, rng)


# ------------------------------------------------------------------------- checks
ALLOWED_LEAVES = (type(None), bool, int, float, complex, str, bytes, bytearray, chainrule.dtype, chainrule.device,
                  chainrule.Size)


def check_well_formed(value):
    """What a load returned holds only data, and every tensor in it is readable."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, chainrule.Tensor):
            with np.errstate(all="ignore"):  # a mutant's values may well be inf and nan: reading them is the point
                item.detach().numpy().sum()
        elif isinstance(item, (dict, OrderedDict, Counter)):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            pending.extend(item)
        else:
            assert isinstance(item, ALLOWED_LEAVES), f"a load returned a {type(item).__name__}"


@pytest.fixture
def nothing_may_run(monkeypatch):
    """os.system and friends record instead of running; Python's unpickler may not be used at all."""
    ran = []

    def forbidden(*args, **kwargs):
        ran.append(args)
        raise AssertionError("a weights-only load reached Python's unpickler or a shell")

    for module, name in [(os, "system"), (os, "popen"), (pickle, "loads"), (pickle, "load"), (pickle, "Unpickler")]:
        monkeypatch.setattr(module, name, forbidden)
    yield ran
    assert ran == []


@pytest.mark.parametrize("name", BASES)
def test_every_mutant_loads_as_data_or_raises_invalid_file_error_quickly_and_in_little_memory(name, nothing_may_run):
    outcomes = Counter()
    for mutation, raw in mutations(name, BASES[name]):
        tracemalloc.start()
        start = time.process_time()
        try:
            result = load(io.BytesIO(raw))
        except InvalidFileError as error:
            outcomes[type(error).__name__] += 1
            result = None
        elapsed = time.process_time() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert elapsed < SECONDS_PER_FILE, f"{mutation} took {elapsed:.2f} s"
        assert peak < BYTES_PER_FILE, f"{mutation} allocated {peak / 2 ** 20:.1f} MB"
        if result is not None:
            check_well_formed(result)
            outcomes["loaded"] += 1
    assert outcomes["InvalidFileError"] + outcomes["UnsafeFileError"] > MUTANTS_PER_FILE // 4, outcomes


def test_the_unmutated_files_load(nothing_may_run):
    for name, raw in BASES.items():
        if name == "hostile zip":
            continue
        check_well_formed(load(io.BytesIO(raw)))


def test_a_huge_header_of_small_entries_is_refused_quickly():
    """A 20 MB header of 300,000 tiny entries, all forged: refused in seconds, not minutes."""
    entries = ",".join(f'"t{i}":{{"dtype":"U8","shape":[1],"data_offsets":[{i},{i + 1}]}}' for i in range(300_000))
    text = ("{" + entries + "}").encode()
    start = time.process_time()
    with pytest.raises(InvalidFileError):
        load(io.BytesIO(struct.pack("<Q", len(text)) + text + b"\0" * 10))
    assert time.process_time() - start < 5


# ------------------------------------------------------------------------- killed mid-save
def _save_forever(path, payloads, file_format, started):
    started.set()
    while True:
        for payload in payloads:
            save(payload, path, format=file_format)


@pytest.mark.parametrize("file_format", ["safetensors", "torch"])
def test_a_process_killed_mid_save_leaves_the_old_or_the_new_file(tmp_path, file_format):
    context = multiprocessing.get_context("fork")
    old = {"w": chainrule.zeros(500_000), "step": 1}
    new = {"w": chainrule.ones(500_000), "step": 2}
    path = tmp_path / "checkpoint.bin"
    save(old, path, format=file_format)
    rng = random.Random(0)
    for _ in range(25):
        started = context.Event()
        worker = context.Process(target=_save_forever, args=(path, [new, old], file_format, started), daemon=True)
        worker.start()
        started.wait(10)
        time.sleep(rng.uniform(0.001, 0.05))
        os.kill(worker.pid, signal.SIGKILL)
        worker.join()
        loaded = load(path)
        assert loaded["step"] in (1, 2)
        expected = old if loaded["step"] == 1 else new
        np.testing.assert_array_equal(loaded["w"].numpy(), expected["w"].numpy())
    leftovers = [name for name in os.listdir(tmp_path) if name != "checkpoint.bin"]
    assert all(name.startswith(".checkpoint.bin.") and name.endswith(".tmp") for name in leftovers)
    assert len(leftovers) >= 3, "too few kills landed in the middle of a save to test anything"
