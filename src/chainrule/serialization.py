"""``chainrule.save`` and ``chainrule.load``: tensors and containers of them, stored as data only.

The file is in the safetensors layout: an 8-byte little-endian header length, a JSON header that
gives each tensor's dtype, shape and byte range, then the raw little-endian tensor bytes. The
object around the tensors (dicts, lists, tuples, numbers, strings) is a JSON tree kept in the
header's ``__metadata__``, with tensors referred to by name. Loading parses JSON and copies bytes,
nothing else: a file can never make ``load`` run code. Pickles (what ``torch.save`` writes) are
refused, and every header field is checked before any byte is read from the data section.

A file without the tree, such as one written by the ``safetensors`` library, loads as a dict from
tensor name to tensor.
"""

import json
import math
import os
import struct
from collections import Counter, OrderedDict

import numpy as np

from ._array import to_host
from ._device import device, moved, placement
from ._tensor import Tensor, make_tensor

__all__ = ["save", "load", "InvalidFileError", "UnsafeFileError"]

TREE_KEY = "chainrule.tree"
MAX_HEADER_BYTES = 100_000_000

_CODES = {np.dtype(np.bool_): "BOOL", np.dtype(np.uint8): "U8", np.dtype(np.int8): "I8", np.dtype(np.int16): "I16",
          np.dtype(np.int32): "I32", np.dtype(np.int64): "I64", np.dtype(np.float16): "F16",
          np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.complex64): "C64",
          np.dtype(np.complex128): "C128"}
_DTYPES = {code: dtype.newbyteorder("<") for dtype, code in _CODES.items()}


class InvalidFileError(RuntimeError):
    """The file is not a well-formed chainrule (safetensors-layout) file."""


class UnsafeFileError(InvalidFileError):
    """The file is a pickle or a ``torch.save`` archive: loading it would mean running code it names."""


# ------------------------------------------------------------------------- save
class _TensorTable:
    """Tensors met while encoding, each stored once under a unique name derived from where it was found."""

    def __init__(self):
        self.names = {}
        self.entries = []

    def add(self, tensor, path):
        key = id(tensor)
        if key not in self.names:
            name = ".".join(path) or "tensor"
            taken = {entry[0] for entry in self.entries}
            candidate, suffix = name, 1
            while candidate in taken or candidate == "__metadata__":
                candidate = f"{name}#{suffix}"
                suffix += 1
            self.names[key] = candidate
            self.entries.append((candidate, np.asarray(to_host(tensor._data), order="C")))
        return self.names[key]


def _unsupported(obj):
    return TypeError("chainrule.save stores tensors, numbers, strings, bools, None and dicts, lists and tuples of "
                     f"them; got an object of type {type(obj).__name__}")


def _encode(obj, path, table):
    """The JSON form of ``obj``: plain JSON for None, bools, ints, finite floats, strings and lists; a
    one-key object tagging everything else."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, np.bool_):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(obj, Tensor):
        node = {"tensor": table.add(obj, path)}
        if obj._requires_grad:
            node["requires_grad"] = True
        where = obj.device
        if where.type != "cpu":
            node["device"] = str(where)  # loaded back there unless map_location says otherwise
        return node
    if isinstance(obj, dict):
        tag = "ordered_dict" if isinstance(obj, OrderedDict) else ("counter" if isinstance(obj, Counter) else "dict")
        return {tag: [[_encode(key, path + [str(key)], table), _encode(value, path + [str(key)], table)]
                      for key, value in obj.items()]}
    if isinstance(obj, tuple):
        return {"tuple": [_encode(item, path + [str(i)], table) for i, item in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(item, path + [str(i)], table) for i, item in enumerate(obj)]
    raise _unsupported(obj)


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Write ``obj`` (a tensor, or dicts, lists and tuples holding tensors and plain values) to ``f``,
    a path or a binary file object."""
    if pickle_module is not None:
        raise ValueError("chainrule.save writes data only; pickle_module is not supported")
    table = _TensorTable()
    tree = _encode(obj, [], table)
    header = {"__metadata__": {"format": "chainrule", TREE_KEY: json.dumps(tree, allow_nan=False)}}
    offset = 0
    for name, array in table.entries:
        size = array.nbytes
        header[name] = {"dtype": _CODES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, allow_nan=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    chunks = [struct.pack("<Q", len(text)), text]
    chunks += [array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes() for _, array in table.entries]
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as stream:
            stream.writelines(chunks)
    else:
        f.writelines(chunks)


# ------------------------------------------------------------------------- load
def _read_all(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as stream:
            return stream.read()
    return f.read()


def _refuse_pickles(content):
    """Name the format of a file that failed to parse when it is a pickle or a zip of one."""
    if content[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        raise UnsafeFileError("chainrule.load: this is a zip archive (what torch.save writes), which holds a "
                              "pickle; chainrule only reads the safetensors layout and never unpickles")
    if content[:1] == b"\x80" or content.endswith(b"."):
        raise UnsafeFileError("chainrule.load: this looks like a pickle, which can run arbitrary code when loaded; "
                              "chainrule only reads the safetensors layout and never unpickles")


def _unique_keys(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise InvalidFileError("chainrule.load: the header names the same key twice")
    return dict(pairs)


def _parse_header(content):
    """The header as a dict and the data section after it; on failure, a pickle is named as such."""
    try:
        return _split_header(content)
    except InvalidFileError:
        _refuse_pickles(content)
        raise


def _split_header(content):
    if len(content) < 8:
        raise InvalidFileError(f"chainrule.load: file is truncated: {len(content)} bytes, fewer than the 8-byte "
                               "header length")
    (length,) = struct.unpack("<Q", content[:8])
    if length > MAX_HEADER_BYTES:
        raise InvalidFileError(f"chainrule.load: header length {length} is larger than the {MAX_HEADER_BYTES} "
                               "bytes allowed")
    if 8 + length > len(content):
        raise InvalidFileError(f"chainrule.load: file is truncated: the header needs {length} bytes but only "
                               f"{len(content) - 8} follow")
    try:
        header = json.loads(content[8:8 + length].decode("utf-8"), object_pairs_hook=_unique_keys)
    except InvalidFileError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InvalidFileError(f"chainrule.load: the header is not valid JSON ({error})") from None
    if not isinstance(header, dict):
        raise InvalidFileError("chainrule.load: the header must be a JSON object")
    return header, memoryview(content)[8 + length:]


def _checked_entry(name, entry):
    """(numpy dtype, shape, begin, end) of one header entry, with every field validated."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise InvalidFileError(f"chainrule.load: tensor {name!r}: an entry needs exactly dtype, shape and "
                               "data_offsets")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if code not in _DTYPES:
        raise InvalidFileError(f"chainrule.load: tensor {name!r}: unsupported dtype {code!r}")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise InvalidFileError(f"chainrule.load: tensor {name!r}: shape must be a list of non-negative integers")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(n) is int and n >= 0 for n in offsets)):
        raise InvalidFileError(f"chainrule.load: tensor {name!r}: data_offsets must be two non-negative integers")
    dtype = _DTYPES[code]
    begin, end = offsets
    if begin > end:
        raise InvalidFileError(f"chainrule.load: tensor {name!r}: data_offsets [{begin}, {end}] end before they begin")
    expected = math.prod(shape) * dtype.itemsize
    if end - begin != expected:
        raise InvalidFileError(f"chainrule.load: tensor {name!r}: data_offsets [{begin}, {end}] hold {end - begin} "
                               f"bytes but dtype {code} and shape {shape} need {expected}")
    return dtype, shape, begin, end


def _read_tensors(header, data):
    entries = {name: _checked_entry(name, entry) for name, entry in header.items() if name != "__metadata__"}
    for name, (_, _, begin, end) in entries.items():
        if end > len(data):
            raise InvalidFileError(f"chainrule.load: tensor {name!r}: data_offsets [{begin}, {end}] point past the "
                                   f"end of the {len(data)} bytes of data (truncated or forged)")
    position = 0
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda item: (item[1][2], item[1][3])):
        if begin != position:
            problem = "overlaps the previous tensor" if begin < position else "leaves a gap before it"
            raise InvalidFileError(f"chainrule.load: tensor {name!r}: data_offsets [{begin}, {end}] {problem}")
        position = end
    if position != len(data):
        raise InvalidFileError(f"chainrule.load: the tensors cover {position} bytes of data but the file holds "
                               f"{len(data)} (truncated or padded)")
    tensors = {}
    for name, (dtype, shape, begin, end) in sorted(entries.items(), key=lambda item: item[1][2]):
        array = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
        tensors[name] = make_tensor(array.astype(dtype.newbyteorder("="), copy=True))
    return tensors


_CONTAINERS = {"dict": dict, "ordered_dict": OrderedDict, "counter": Counter}


def _decode(node, tensors, map_location=None):
    """The object a JSON tree node stands for; unknown tags and missing tensors are errors."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(item, tensors, map_location) for item in node]
    if not isinstance(node, dict) or not node:
        raise InvalidFileError(f"chainrule.load: unexpected node in the object tree: {node!r}")
    tag = next(iter(node))
    value = node[tag]
    if tag == "tensor" and isinstance(value, str) and set(node) <= {"tensor", "requires_grad", "device"}:
        if value not in tensors:
            raise InvalidFileError(f"chainrule.load: the object tree refers to a missing tensor {value!r}")
        tensor = _placed(tensors[value], node.get("device", "cpu"), map_location)
        if node.get("requires_grad") is True:
            if not (tensor.is_floating_point() or tensor.is_complex()):
                raise InvalidFileError(f"chainrule.load: tensor {value!r} of an integer dtype cannot require grad")
            tensor.requires_grad_(True)
        return tensor
    if len(node) == 1 and tag == "float" and value in ("inf", "-inf", "nan"):
        return float(value)
    if len(node) == 1 and tag == "tuple" and isinstance(value, list):
        return tuple(_decode(item, tensors, map_location) for item in value)
    if len(node) == 1 and tag in _CONTAINERS and isinstance(value, list):
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in value):
            raise InvalidFileError(f"chainrule.load: a {tag} node must hold [key, value] pairs")
        container = _CONTAINERS[tag]()
        try:
            for key, item in value:
                container[_decode(key, tensors, map_location)] = _decode(item, tensors, map_location)
        except TypeError as error:
            raise InvalidFileError(f"chainrule.load: invalid {tag} key in the object tree ({error})") from None
        return container
    raise InvalidFileError(f"chainrule.load: unknown node {tag!r} in the object tree")


def _placed(tensor, saved_at, map_location):
    """A loaded (host) tensor on the device it was saved from, or where ``map_location`` maps that: a device,
    a dict from saved device names to devices, or a function of (tensor, saved device name)."""
    if callable(map_location):
        placed = map_location(tensor, saved_at)
        return tensor if placed is None else placed
    target = saved_at
    if isinstance(map_location, dict):
        target = map_location.get(saved_at, saved_at)
    elif map_location is not None:
        target = map_location
    if device(target).type == "cpu":
        return tensor
    try:
        on = placement(target)
    except (AssertionError, RuntimeError):
        raise RuntimeError("Attempting to deserialize object on a CUDA device but chainrule.cuda.is_available() is "
                           "False. If you are running on a CPU-only machine, please use chainrule.load with "
                           "map_location=chainrule.device('cpu') to map your tensors to the CPU.") from None
    return make_tensor(moved(tensor._data, *on))


def _check_map_location(map_location):
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    device(map_location)  # a malformed device is refused before reading


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read what ``save`` wrote (or any safetensors file) from ``f``, a path or a binary file object.

    Only data is read, whatever ``weights_only`` says: there is no code in the format to run.
    """
    _check_map_location(map_location)
    content = _read_all(f)
    header, data = _parse_header(content)
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in metadata.items()):
        raise InvalidFileError("chainrule.load: __metadata__ must map strings to strings")
    tensors = _read_tensors(header, data)
    if TREE_KEY not in metadata:
        return {name: _placed(tensor, "cpu", map_location) for name, tensor in tensors.items()}
    try:
        return _decode(json.loads(metadata[TREE_KEY]), tensors, map_location)
    except (ValueError, RecursionError) as error:
        if isinstance(error, InvalidFileError):
            raise
        raise InvalidFileError(f"chainrule.load: the object tree is not valid ({error})") from None
