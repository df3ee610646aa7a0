"""chainrule's own file format: the safetensors layout, with the object around the tensors kept as JSON.

A file is an 8-byte little-endian header length, a JSON header giving each tensor's dtype tag, shape
and byte range, then the tensors' little-endian bytes back to back. The object around the tensors
(dicts, lists, tuples, numbers, strings) is a JSON tree in the header's ``__metadata__`` that names
tensors; a file without it (as the ``safetensors`` library writes) loads as a dict of tensors. Loading
parses JSON and copies bytes, nothing else, and every header field is checked before anything is
allocated from it.

complex128, which the ``safetensors`` library has no tag for, is stored as float64 pairs (a trailing
dimension of 2, what ``view_as_real`` gives) and marked complex in the tree.
"""

import json
import math
import struct
from collections import Counter, OrderedDict

import numpy as np

from .._array import to_host
from .._size import numpy_cannot_hold
from .._tensor import Tensor, make_tensor
from ..nn.parameter import Parameter
from .dtypes import BY_NUMPY, BY_SAFETENSORS_TAG
from .errors import InvalidFileError
from .locations import mapped_location
from .torch_objects import placed_on

__all__ = ["NotData", "write", "read", "looks_like_safetensors"]

TREE_KEY = "chainrule.tree"
MAX_HEADER_BYTES = 100_000_000  # the safetensors library's limit
MAX_RANK = 64  # NumPy's
SMALL_TENSOR_BYTES = 1 << 20  # smaller tensors are read in runs sharing one buffer; larger ones get their own
_COMPLEX128 = np.dtype(np.complex128)


class NotData(TypeError):
    """The object holds something the layout cannot store as data (a module, an array, any other object)."""


# ------------------------------------------------------------------------- save
class _Encoder:
    """Turns an object into its JSON tree, collecting each distinct tensor once under a unique name."""

    def __init__(self):
        self.names = {}  # id(tensor) -> name
        self.taken = {"__metadata__"}
        self.entries = []  # (name, tag, shape, little-endian contiguous array)
        self.keep = []  # the tensors named, alive until the file is written (their ids must stay unique)

    def tensor_name(self, tensor, path):
        name = self.names.get(id(tensor))
        if name is not None:
            return name
        base = ".".join(path) or "tensor"
        name, suffix = base, 1
        while name in self.taken:
            name = f"{base}#{suffix}"
            suffix += 1
        self.taken.add(name)
        self.names[id(tensor)] = name
        self.keep.append(tensor)
        array = np.asarray(to_host(tensor._data), order="C")
        if array.dtype == _COMPLEX128:
            array = array.reshape(array.shape + (1,)).view(np.float64)
        kind = BY_NUMPY[array.dtype]
        self.entries.append((name, kind.safetensors_tag, list(array.shape), array.astype(kind.stored, copy=False)))
        return name

    def encode(self, obj, path):
        """The JSON form of ``obj``: plain JSON for None, bools, ints, finite floats, strings and lists; a
        one-key object tagging everything else."""
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, (int, np.integer)):
            return int(obj)
        if isinstance(obj, (float, np.floating)):
            value = float(obj)
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(obj, Tensor):
            return self.encode_tensor(obj, path)
        if type(obj) in (dict, OrderedDict, Counter):
            tag = {dict: "dict", OrderedDict: "ordered_dict", Counter: "counter"}[type(obj)]
            return {tag: [[self.encode(key, path + [str(key)]), self.encode(value, path + [str(key)])]
                          for key, value in obj.items()]}
        if type(obj) is tuple:
            return {"tuple": [self.encode(item, path + [str(i)]) for i, item in enumerate(obj)]}
        if type(obj) is list:
            return [self.encode(item, path + [str(i)]) for i, item in enumerate(obj)]
        raise NotData(f"the safetensors layout stores tensors, numbers, strings, bools, None and dicts, lists and "
                      f"tuples of them; got an object of type {type(obj).__name__}")

    def encode_tensor(self, tensor, path):
        attributes = [name for name in tensor.__dict__ if not name.startswith("_")]
        if type(tensor) not in (Tensor, Parameter) or attributes:
            raise NotData(f"the safetensors layout stores plain tensors and Parameters, without attributes; got a "
                          f"{type(tensor).__name__} with attributes {attributes}")
        node = {"tensor": self.tensor_name(tensor, path)}
        if tensor.dtype.np == _COMPLEX128:
            node["complex"] = True
        if tensor._requires_grad:
            node["requires_grad"] = True
        if type(tensor) is Parameter:
            node["parameter"] = True
        if tensor.device.type != "cpu":
            node["device"] = str(tensor.device)  # loaded back there unless map_location says otherwise
        return node


def write(obj, stream):
    """Write ``obj`` to the binary ``stream``; raises ``NotData`` before writing anything if it is not data."""
    encoder = _Encoder()
    tree = encoder.encode(obj, [])
    header = {"__metadata__": {"format": "pt", TREE_KEY: json.dumps(tree, allow_nan=False)}}
    # widest elements first, as the safetensors library orders them: every tensor starts aligned to its size
    entries = sorted(encoder.entries, key=lambda entry: -entry[3].dtype.itemsize)
    offset = 0
    for name, tag, shape, array in entries:
        header[name] = {"dtype": tag, "shape": shape, "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")  # ints and strings only
    text += b" " * (-len(text) % 8)
    stream.write(struct.pack("<Q", len(text)))
    stream.write(text)
    for _, _, _, array in entries:
        if array.nbytes:
            stream.write(memoryview(array.ravel()).cast("B"))


# ------------------------------------------------------------------------- load
def looks_like_safetensors(head):
    """Whether the first 9 bytes can start a file of this layout (a header length, then ``{``)."""
    return head[8:9] == b"{"


_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}


class _Entry(tuple):
    """A checked header entry: (element type, shape, begin, end) of one tensor's bytes in the data section."""

    __slots__ = ()


def _brief(value):
    """A short repr of a header value, without formatting all of a forged 100,000-element list first."""
    if isinstance(value, list) and len(value) > 8:
        return repr(value[:8])[:-1] + f", ... ({len(value)} items)]"
    return repr(value)[:80]


def _entry_problem(entry, data_size):
    """Why a JSON object shaped like a tensor entry is invalid, or its ``_Entry``."""
    tag, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    kind = BY_SAFETENSORS_TAG.get(tag) if type(tag) is str else None
    if kind is None:
        return f"unsupported dtype {tag!r:.40}"
    if len(offsets) != 2 or not all(type(n) is int and 0 <= n <= data_size for n in offsets):
        return f"data_offsets {_brief(offsets)} must be two integers within the {data_size} bytes of data " \
               "(truncated or forged)"
    begin, end = offsets
    if begin > end:
        return f"data_offsets [{begin}, {end}] end before they begin"
    if len(shape) > MAX_RANK or not all(type(n) is int and 0 <= n < 2 ** 63 for n in shape):
        return f"shape {_brief(shape)} must be a list of at most {MAX_RANK} non-negative integers"
    count, limit = (0 if 0 in shape else 1), (end - begin) // kind.itemsize
    for n in shape if count else ():  # stops once the product passes what the bytes hold: no big-integer work
        count *= n
        if count > limit:
            break
    if count * kind.itemsize != end - begin:
        return f"data_offsets [{begin}, {end}] hold {end - begin} bytes but dtype {tag} and shape " \
               f"{_brief(shape)} need {'more' if count > limit else count * kind.itemsize}"
    if not count and numpy_cannot_hold(shape, kind.itemsize):
        return f"shape {_brief(shape)} holds no elements, but its other sizes multiply past 2**63 bytes, which a " \
               "NumPy array cannot have"
    return _Entry((kind, tuple(shape), begin, end))


def _object_hook(data_size):
    """Builds each JSON object of the header as it is parsed: tensor entries are checked at once and kept as
    compact ``_Entry`` tuples, so a forged header is refused at its first bad entry, without being parsed
    whole, and a large valid one costs little memory. Duplicate keys are refused."""
    def build(pairs):
        result = dict(pairs)
        if len(result) != len(pairs):
            raise InvalidFileError("chainrule.load: the header names the same key twice")
        if result.keys() == _ENTRY_KEYS and type(result["shape"]) is list and type(result["data_offsets"]) is list:
            entry = _entry_problem(result, data_size)
            if not isinstance(entry, _Entry):
                raise InvalidFileError(f"chainrule.load: tensor entry with dtype {_brief(result['dtype'])}, shape "
                                       f"{_brief(result['shape'])}: {entry}")
            return entry
        return result
    return build


def _read_header(source):
    """The header and where the data starts; ``load`` comes here only for files of 9 bytes or more."""
    (length,) = struct.unpack("<Q", source.read(0, 8))
    if length > MAX_HEADER_BYTES:
        raise InvalidFileError(f"chainrule.load: header length {length} is larger than the {MAX_HEADER_BYTES} "
                               "bytes allowed")
    if 8 + length > source.size:
        raise InvalidFileError(f"chainrule.load: file is truncated: the header needs {length} bytes but only "
                               f"{source.size - 8} follow")
    raw = source.read(8, length, "the header")
    if not raw.startswith(b"{"):
        raise InvalidFileError("chainrule.load: the header does not start with '{'")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_object_hook(source.size - 8 - length))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        if isinstance(error, InvalidFileError):
            raise
        raise InvalidFileError(f"chainrule.load: the header is not valid JSON ({error})") from None
    if not isinstance(header, dict):
        raise InvalidFileError("chainrule.load: the header must be a JSON object")
    return header, 8 + length


def _checked_entries(header, data_size):
    """Header entries in file order, checked to tile the data section exactly (no gap, overlap or excess)."""
    entries = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, _Entry):
            raise InvalidFileError(f"chainrule.load: tensor {name!r}: an entry needs exactly dtype, shape and "
                                   "data_offsets")
        entries.append((name, entry))
    entries.sort(key=lambda item: (item[1][2], item[1][3]))
    position = 0
    for name, (_, _, begin, end) in entries:
        if begin != position:
            problem = "overlaps the previous tensor" if begin < position else "leaves a gap before it"
            raise InvalidFileError(f"chainrule.load: tensor {name!r}: data_offsets [{begin}, {end}] {problem}")
        position = end
    if position != data_size:
        raise InvalidFileError(f"chainrule.load: the tensors cover {position} bytes of data but the file holds "
                               f"{data_size} (truncated or padded)")
    return entries


def _read_arrays(source, entries, data_start):
    """Each entry's array: large tensors in their own memory, runs of small ones as views of one buffer
    (read with one call), or views of the mapped file."""
    arrays = {}
    run = []

    def flush():
        if not run:
            return
        first, last = run[0][1][2], run[-1][1][3]
        buffer = source.read_into(data_start + first, np.empty(last - first, np.uint8))
        for name, (kind, shape, begin, end) in run:
            arrays[name] = kind.decode(buffer[begin - first:end - first]).reshape(shape)
        run.clear()

    for item in entries:
        name, (kind, shape, begin, end) = item
        if source.mapped:
            arrays[name] = kind.decode(source.view(data_start + begin, end - begin)).reshape(shape)
        elif end - begin < SMALL_TENSOR_BYTES:
            run.append(item)
            if run[-1][1][3] - run[0][1][2] >= SMALL_TENSOR_BYTES:
                flush()
        else:
            flush()
            raw = source.read_new(data_start + begin, end - begin)
            arrays[name] = kind.decode(raw).reshape(shape)
    flush()
    return arrays


class _Decoder:
    """Rebuilds the object a JSON tree stands for; unknown tags and missing tensors are errors."""

    _CONTAINERS = {"dict": dict, "ordered_dict": OrderedDict, "counter": Counter}

    def __init__(self, arrays, map_location):
        self.arrays = arrays
        self.map_location = map_location
        self.tensors = {}

    def tensor(self, node):
        name = node["tensor"]
        if not isinstance(name, str) or name not in self.arrays:
            raise InvalidFileError(f"chainrule.load: the object tree refers to a missing tensor {name!r}")
        flags = (node.get("complex") is True, node.get("requires_grad") is True, node.get("parameter") is True)
        key = (name, node.get("device", "cpu")) + flags
        if key in self.tensors:
            return self.tensors[key]
        array = self.arrays[name]
        if flags[0]:
            if array.dtype != np.float64 or array.ndim == 0 or array.shape[-1] != 2:
                raise InvalidFileError(f"chainrule.load: tensor {name!r} marked complex is not float64 pairs")
            array = array.view(np.complex128).reshape(array.shape[:-1])
        tensor = make_tensor(placed_on(array, mapped_location(key[1], self.map_location, array)))
        if flags[1]:  # a parameter that does not require grad may hold integers, as in PyTorch
            if array.dtype.kind not in "fc":
                raise InvalidFileError(f"chainrule.load: tensor {name!r} of an integer dtype cannot require grad")
        if flags[2]:
            tensor = Parameter(tensor, requires_grad=flags[1])
        elif flags[1]:
            tensor.requires_grad_(True)
        self.tensors[key] = tensor
        return tensor

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(item) for item in node]
        if not isinstance(node, dict) or not node:
            raise InvalidFileError(f"chainrule.load: unexpected node in the object tree: {node!r:.80}")
        tag = next(iter(node))
        value = node[tag]
        if tag == "tensor" and node.keys() <= {"tensor", "complex", "requires_grad", "parameter", "device"}:
            return self.tensor(node)
        if len(node) == 1 and tag == "float" and value in ("inf", "-inf", "nan"):
            return float(value)
        if len(node) == 1 and tag == "tuple" and isinstance(value, list):
            return tuple(self.decode(item) for item in value)
        if len(node) == 1 and tag in self._CONTAINERS and isinstance(value, list):
            if not all(isinstance(pair, list) and len(pair) == 2 for pair in value):
                raise InvalidFileError(f"chainrule.load: a {tag} node must hold [key, value] pairs")
            container = self._CONTAINERS[tag]()
            try:
                for key, item in value:
                    container[self.decode(key)] = self.decode(item)
            except TypeError as error:
                raise InvalidFileError(f"chainrule.load: invalid {tag} key in the object tree ({error})") from None
            return container
        raise InvalidFileError(f"chainrule.load: unknown node {tag!r:.80} in the object tree")


def read(source, map_location=None):
    """The object stored in ``source`` (a ``files.Source``), its tensors placed by ``map_location``."""
    header, data_start = _read_header(source)
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise InvalidFileError("chainrule.load: __metadata__ must map strings to strings")
    entries = _checked_entries(header, source.size - data_start)
    arrays = _read_arrays(source, entries, data_start)
    if TREE_KEY not in metadata:
        return {name: make_tensor(placed_on(arrays[name], mapped_location("cpu", map_location, arrays[name])))
                for name in header if name != "__metadata__"}
    try:
        tree = json.loads(metadata[TREE_KEY])
        return _Decoder(arrays, map_location).decode(tree)
    except (ValueError, RecursionError) as error:
        if isinstance(error, InvalidFileError):
            raise
        raise InvalidFileError(f"chainrule.load: the object tree is not valid ({error})") from None
