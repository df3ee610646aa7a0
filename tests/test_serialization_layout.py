"""chainrule's own files byte by byte: the same bytes the safetensors library writes for the same tensors
and metadata, the object tree naming each tensor with exactly its flags, which objects the layout takes
(and which go to PyTorch's format), and how loading groups small tensors into shared buffers."""

import io
import json
import struct
from collections import defaultdict

import numpy as np
import pytest
import safetensors.numpy
import torch

import chainrule
from chainrule import nn
from chainrule.serialization import load, safetensors_layout, save


def saved(obj, **options):
    buffer = io.BytesIO()
    save(obj, buffer, **options)
    return buffer.getvalue()


def header_of(raw):
    (length,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + length]), length


def memory_root(array):
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


# ------------------------------------------------------------------------- the safetensors library's bytes
@pytest.mark.parametrize("names", [["a"], ["a", "b", "c", "d", "e", "f", "g", "h", "i"], ["bias", "weight", "x" * 40]])
def test_files_are_byte_for_byte_what_the_safetensors_library_writes(names):
    """Same header length, JSON text, padding with spaces to a multiple of 8, order (widest first, then in
    the order given, here the names'), offsets and data; only the order of the two metadata keys is the
    library's own (a hash map's). (Between dtypes of one width the library has an order of its own: one
    dtype per width here.)"""
    dtypes = [chainrule.float16, chainrule.float64, chainrule.uint8, chainrule.float32]
    tensors = {name: chainrule.arange(3 + i).to(dtypes[i % len(dtypes)]) for i, name in enumerate(names)}
    ours = saved(tensors)
    metadata = header_of(ours)[0]["__metadata__"]
    assert list(metadata) == ["format", "chainrule.tree"] and metadata["format"] == "pt"
    theirs = safetensors.numpy.save({name: tensor.numpy() for name, tensor in tensors.items()}, metadata)
    tree = json.dumps(metadata["chainrule.tree"])
    in_our_order = f'{{"format":"pt","chainrule.tree":{tree}}}'.encode()
    assert ours == theirs.replace(f'{{"chainrule.tree":{tree},"format":"pt"}}'.encode(), in_our_order)
    assert header_of(ours)[1] % 8 == 0


def test_the_header_is_padded_with_at_most_seven_spaces():
    lengths = set()
    for size in range(1, 12):
        raw = saved({"x" * size: chainrule.ones(1)})
        header, length = header_of(raw)
        text = raw[8:8 + length]
        assert length % 8 == 0 and text.rstrip(b" ").endswith(b"}") and len(text) - len(text.rstrip(b" ")) < 8
        lengths.add(len(text) - len(text.rstrip(b" ")))
    assert lengths == set(range(8))


# ------------------------------------------------------------------------- the object tree
def test_the_object_tree_names_each_tensor_with_exactly_its_flags():
    state = {"w": chainrule.ones(2), "g": chainrule.ones(2, requires_grad=True), "p": nn.Parameter(chainrule.ones(2)),
             "q": nn.Parameter(chainrule.ones(2), requires_grad=False),
             "c": chainrule.tensor([1 + 2j], dtype=chainrule.complex128), "n": 1.5, "t": (None, float("inf"))}
    tree = json.loads(header_of(saved(state))[0]["__metadata__"]["chainrule.tree"])
    assert tree == {"dict": [["w", {"tensor": "w"}], ["g", {"tensor": "g", "requires_grad": True}],
                             ["p", {"tensor": "p", "requires_grad": True, "parameter": True}],
                             ["q", {"tensor": "q", "parameter": True}], ["c", {"tensor": "c", "complex": True}],
                             ["n", 1.5], ["t", {"tuple": [None, {"float": "inf"}]}]]}


def test_tensors_parameters_and_their_requires_grad_come_back_as_torch_brings_them_back():
    def state(lib):
        return {"w": lib.ones(2), "g": lib.ones(2, requires_grad=True), "p": lib.nn.Parameter(lib.ones(2)),
                "q": lib.nn.Parameter(lib.ones(2), requires_grad=False)}

    buffer = io.BytesIO()
    torch.save(state(torch), buffer)
    theirs, ours = torch.load(io.BytesIO(buffer.getvalue())), load(io.BytesIO(saved(state(chainrule))))
    for name in theirs:
        assert (type(ours[name]).__name__, ours[name].requires_grad) == (type(theirs[name]).__name__,
                                                                           theirs[name].requires_grad), name


def bare_buffer():
    buffer = nn.Buffer(chainrule.ones(2))
    del buffer.persistent  # a tensor subclass with no attributes of its own
    return buffer


@pytest.mark.parametrize("obj", [{"b": nn.Buffer(chainrule.ones(2))}, {"b": bare_buffer()}, defaultdict(int, a=1)],
                         ids=["tensor subclass", "tensor subclass without attributes", "dict subclass"])
def test_subclasses_of_tensors_and_dicts_go_to_torchs_format(obj):
    raw = saved(obj)
    assert raw[:4] == b"PK\x03\x04"
    with pytest.raises(TypeError, match="the safetensors layout stores"):
        save(obj, io.BytesIO(), format="safetensors")
    if type(obj) is defaultdict or hasattr(obj["b"], "persistent"):  # (a bare Buffer cannot be rebuilt)
        loaded = load(io.BytesIO(raw), weights_only=False)
        assert type(loaded) is type(obj) and type(next(iter(loaded.values()))) is type(next(iter(obj.values())))


# ------------------------------------------------------------------------- reading small tensors together
def test_tensors_under_the_small_size_share_a_buffer_and_from_it_on_have_their_own():
    small = safetensors_layout.SMALL_TENSOR_BYTES
    assert small == 1 << 20
    state = {"under": chainrule.zeros(small // 4 - 1), "tiny": chainrule.ones(1), "alone": chainrule.full((1,), 2.0),
             "exact": chainrule.ones(small // 4)}
    loaded = load(io.BytesIO(saved(state)))
    roots = {name: memory_root(tensor._data) for name, tensor in loaded.items()}
    assert roots["under"] is roots["tiny"] and roots["under"].nbytes == small
    assert roots["alone"].nbytes == 4 and roots["exact"].nbytes == small  # a run of one, then one of its own
    assert all(loaded[name].tolist() == tensor.tolist() for name, tensor in state.items())


def test_a_run_of_small_tensors_is_read_in_buffers_of_at_least_the_small_size():
    piece = 600_000 // 4  # three of them: the first two reach 1 MiB together, the third starts a new buffer
    state = {name: chainrule.full((piece,), float(i)) for i, name in enumerate("abc")}
    loaded = load(io.BytesIO(saved(state)))
    roots = [memory_root(loaded[name]._data) for name in "abc"]
    assert roots[0] is roots[1] and roots[2] is not roots[0]
    assert roots[0].nbytes == 1_200_000 and roots[2].nbytes == 600_000
    assert all(loaded[name].tolist() == tensor.tolist() for name, tensor in state.items())


def test_a_tensor_of_64_dimensions_loads():
    raw = saved({"x": chainrule.ones(1)})
    header, length = header_of(raw)
    header["x"]["shape"] = [1] * 64
    text = json.dumps(header).encode()
    loaded = load(io.BytesIO(struct.pack("<Q", len(text)) + text + raw[8 + length:]))["x"]
    assert loaded.shape == (1,) * 64 and loaded.sum().item() == 1.0


def test_names_taken_twice_get_the_next_free_number():
    state = {"a.b": chainrule.ones(1), "a.b#1": chainrule.ones(2), "a": {"b": chainrule.ones(3)}}
    header, _ = header_of(saved(state))
    assert [(name, entry["shape"]) for name, entry in header.items() if name != "__metadata__"] == [
        ("a.b", [1]), ("a.b#1", [2]), ("a.b#2", [3])]
    loaded = load(io.BytesIO(saved(state)))
    assert [loaded["a.b"].shape, loaded["a.b#1"].shape, loaded["a"]["b"].shape] == [(1,), (2,), (3,)]
    header, _ = header_of(saved({"a.b": chainrule.ones(1), "a": {"b": chainrule.ones(3)}}))
    assert [name for name in header if name != "__metadata__"] == ["a.b", "a.b#1"]  # numbering starts at 1


def test_a_tensor_node_with_every_flag_loads():
    """Complex, requiring grad, a parameter, with a device: the five keys a tensor node may hold, all at once."""
    header = {"x": {"dtype": "F64", "shape": [1, 2], "data_offsets": [0, 16]},
              "__metadata__": {"chainrule.tree": json.dumps(
                  {"tensor": "x", "complex": True, "requires_grad": True, "parameter": True, "device": "cpu"})}}
    text = json.dumps(header).encode()
    loaded = load(io.BytesIO(struct.pack("<Q", len(text)) + text + struct.pack("<2d", 1.0, 2.0)))
    assert type(loaded) is nn.Parameter and loaded.requires_grad and loaded.tolist() == [1 + 2j]


def test_empty_tensors_at_either_end_of_the_data_load_in_any_order_of_the_header():
    """Entries are checked in the order of their data (begin, then end), not of the header."""
    header = {"late": {"dtype": "U8", "shape": [0], "data_offsets": [4, 4]},
              "x": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
              "early": {"dtype": "U8", "shape": [0], "data_offsets": [0, 0]}}
    text = json.dumps(header).encode()
    raw = struct.pack("<Q", len(text)) + text + bytes([1, 2, 3, 4])
    expected = {"late": [], "x": [1, 2, 3, 4], "early": []}
    assert {name: t.tolist() for name, t in safetensors.numpy.load(raw).items()} == expected
    assert {name: t.tolist() for name, t in load(io.BytesIO(raw)).items()} == expected
