"""Writing the pickle of a PyTorch checkpoint.

Data (tensors, Parameters, containers, numbers, strings, bytes, dtypes, ``Size``, devices) is written
by ``DataPickler`` as protocol-2 opcodes that name PyTorch's own functions (``_rebuild_tensor_v2``,
``torch.FloatStorage``...), exactly what ``torch.save`` writes, so PyTorch reads the file with
``weights_only=True``. Other objects (a whole module, a NumPy array) need Python's pickler and
chainrule's names: ``ObjectPickler`` writes those, which only chainrule reads, and only with
``weights_only=False``. Either way each storage becomes a record of the archive, not bytes in the pickle.
"""

import pickle
import struct
from collections import Counter, OrderedDict

import numpy as np

from .. import _dtype
from .._device import device
from .._size import Size
from .._array import to_host as _to_host
from .._tensor import Tensor, make_tensor
from .._tensor_pickling import _owner, _span, _state
from ..nn.parameter import Parameter
from .dtypes import BY_NUMPY
from .safetensors_layout import NotData
from . import torch_objects

__all__ = ["StorageTable", "DataPickler", "ObjectPickler"]

_BATCH = 1000  # items per APPENDS / SETITEMS, as Python's pickler batches them


class StorageTable:
    """The storages of the tensors being saved: one per array owning their memory, keyed "0", "1", ..."""

    def __init__(self):
        self.keys = {}
        self.records = []  # (key, C-contiguous array)

    def place(self, array):
        """(key, storage array, offset, strides) for a tensor's ``array``, in elements of its dtype.

        Views covering most of the array that owns their memory share that array's storage, as PyTorch's
        views share theirs; a small view of a large array, or an unusual layout, gets a compact copy.
        """
        itemsize = array.itemsize
        owner = _owner(array)
        if owner is not None:
            offset = array.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
            if 2 * _span(array) >= owner.nbytes and owner.nbytes % itemsize == 0 and offset % itemsize == 0 and \
                    all(s >= 0 and s % itemsize == 0 for s in array.strides):
                return self._key(owner), owner, offset // itemsize, tuple(s // itemsize for s in array.strides)
        if not array.flags.c_contiguous:
            array = np.ascontiguousarray(array)
        strides = tuple(s // itemsize for s in array.strides) if array.size else _contiguous_strides(array.shape)
        return self._key(array), array, 0, strides

    def _key(self, storage):
        key = self.keys.get(id(storage))
        if key is None:
            key = self.keys[id(storage)] = str(len(self.records))
            self.records.append((key, storage))
        return key


def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


class DataPickler:
    """Protocol-2 opcodes for data, naming PyTorch's functions; raises ``NotData`` for anything else."""

    def __init__(self, storages):
        self.storages = storages
        self.out = bytearray()
        self.memo = {}
        self.alive = []  # objects whose id is in the memo, kept alive while pickling

    def dumps(self, obj):
        self.out += b"\x80\x02"
        self.save(obj)
        self.out += b"."
        return bytes(self.out)

    # ----------------------------------------------------------------- primitives
    def put(self, obj):
        index = self.memo[id(obj)] = len(self.memo)
        self.alive.append(obj)
        self.out += b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index)

    def get(self, obj):
        index = self.memo.get(id(obj))
        if index is None:
            return False
        self.out += b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index)
        return True

    def global_(self, module, name):
        self.out += b"c" + f"{module}\n{name}\n".encode()

    def int_(self, value):
        if 0 <= value < 256:
            self.out += b"K" + bytes([value])
        elif 0 <= value < 65536:
            self.out += b"M" + struct.pack("<H", value)
        elif -(2 ** 31) <= value < 2 ** 31:
            self.out += b"J" + struct.pack("<i", value)
        else:
            encoded = pickle.encode_long(value)
            if len(encoded) > 255:
                raise NotData(f"an integer of {len(encoded)} bytes is too long for a checkpoint's LONG1")
            self.out += b"\x8a" + bytes([len(encoded)]) + encoded

    def str_(self, value):
        if self.get(value):
            return
        encoded = value.encode("utf-8", "surrogatepass")
        self.out += b"X" + struct.pack("<I", len(encoded)) + encoded
        self.put(value)

    def call(self, module, name, args):
        """``module.name(*args)`` by REDUCE."""
        self.global_(module, name)
        self.tuple_(args)
        self.out += b"R"

    def tuple_(self, items):
        if not items:
            self.out += b")"
            return
        if len(items) <= 3:
            for item in items:
                self.save(item)
            self.out += (b"\x85", b"\x86", b"\x87")[len(items) - 1]
            return
        self.out += b"("
        for item in items:
            self.save(item)
        self.out += b"t"

    def appends(self, items):
        """The items of a list, appended in batches."""
        for start in range(0, len(items), _BATCH):
            batch = items[start:start + _BATCH]
            self.out += b"(" if len(batch) > 1 else b""
            for item in batch:
                self.save(item)
            self.out += b"e" if len(batch) > 1 else b"a"

    def setitems(self, pairs):
        """The items of a dict, set in batches."""
        for start in range(0, len(pairs), _BATCH):
            batch = pairs[start:start + _BATCH]
            self.out += b"(" if len(batch) > 1 else b""
            for key, value in batch:
                self.save(key)
                self.save(value)
            self.out += b"u" if len(batch) > 1 else b"s"

    # ----------------------------------------------------------------- objects
    def save(self, obj):
        if obj is None:
            self.out += b"N"
        elif obj is True or obj is False or isinstance(obj, np.bool_):
            self.out += b"\x88" if obj else b"\x89"
        elif isinstance(obj, (int, np.integer)):
            self.int_(int(obj))
        elif isinstance(obj, (float, np.floating)):
            self.out += b"G" + struct.pack(">d", float(obj))
        elif type(obj) is str:
            self.str_(obj)
        elif self.get(obj):
            return
        elif isinstance(obj, Tensor):
            self.tensor(obj)
        else:
            self.container(obj)

    def container(self, obj):
        kind = type(obj)
        if kind is list:
            self.out += b"]"
            self.put(obj)
            self.appends(list(obj))
        elif kind is dict:
            self.out += b"}"
            self.put(obj)
            self.setitems(list(obj.items()))
        elif kind is OrderedDict:
            self.call("collections", "OrderedDict", ())
            self.put(obj)
            self.setitems(list(obj.items()))
            if vars(obj):  # a state_dict's _metadata
                self.save(dict(vars(obj)))
                self.out += b"b"
        elif kind is tuple:
            self.tuple_(obj)
        elif kind is Size:
            self.call("torch", "Size", (tuple(obj),))
        elif kind is Counter:
            self.call("collections", "Counter", (dict(obj),))
        elif kind is set:
            self.call("builtins", "set", (list(obj),))
        elif kind is complex:
            self.call("builtins", "complex", (obj.real, obj.imag))
        elif kind is bytes:
            self.call("_codecs", "encode", (obj.decode("latin1"), "latin1"))
        elif kind is bytearray:
            self.call("builtins", "bytearray", (bytes(obj),))
        elif kind is _dtype.dtype:
            self.global_("torch", obj.name)
        elif kind is device:
            self.call("torch", "device", (str(obj),))
        else:
            raise NotData(f"a {kind.__name__} is not data a weights-only checkpoint can hold")
        if kind not in (list, dict, OrderedDict):
            self.put(obj)

    def tensor(self, tensor):
        if type(tensor) not in (Tensor, Parameter) or _state(tensor):
            raise NotData("tensors with attributes or of subclasses are pickled as objects")
        if type(tensor) is Parameter:
            self.global_("torch._utils", "_rebuild_parameter")
            self.out += b"("
            self.plain_tensor(tensor, requires_grad=False)
            self.save(tensor._requires_grad)
            self.call("collections", "OrderedDict", ())
            self.out += b"tR"
        else:
            self.plain_tensor(tensor, tensor._requires_grad)
        self.put(tensor)

    def plain_tensor(self, tensor, requires_grad):
        array = _to_host(tensor._data)
        kind = BY_NUMPY[array.dtype]
        key, storage, offset, strides = self.storages.place(array)
        typed = kind.storage_name is not None
        self.global_("torch._utils", "_rebuild_tensor_v2" if typed else "_rebuild_tensor_v3")
        self.out += b"(("
        self.str_("storage")
        if typed:
            self.global_("torch", kind.storage_name)
        else:
            self.global_("torch.storage", "UntypedStorage")
        self.str_(key)
        self.str_(_location_of(tensor))
        self.int_(storage.nbytes // kind.itemsize if typed else storage.nbytes)
        self.out += b"tQ"
        self.int_(offset)
        self.tuple_(tuple(array.shape))
        self.tuple_(strides)
        self.save(bool(requires_grad))
        self.call("collections", "OrderedDict", ())
        if not typed:
            self.global_("torch", kind.torch_name)
        self.out += b"tR"


class ObjectPickler(pickle.Pickler):
    """Python's pickler with chainrule's names, tensors rebuilt from storage records like PyTorch's."""

    def __init__(self, file, storages, protocol):
        # the class's own base rather than super(): save_zip copies this body onto a pickle module's Pickler
        type(self).__bases__[0].__init__(self, file, protocol)
        self.storages = storages

    def reducer_override(self, obj):
        if not isinstance(obj, Tensor):
            return NotImplemented
        array = _to_host(obj._data)
        key, storage, offset, strides = self.storages.place(array)
        args = (_StoredBytes(key, storage, _location_of(obj)), offset, tuple(array.shape), strides, obj._requires_grad,
                OrderedDict(), obj.dtype)
        state = _state(obj)
        if type(obj) is Parameter and not state:
            return torch_objects.rebuild_parameter, (make_tensor(array), obj._requires_grad, OrderedDict())
        if type(obj) is Tensor and not state:
            return torch_objects.rebuild_tensor_v3, args
        return torch_objects.rebuild_from_type_v2, (torch_objects.rebuild_tensor_v3, type(obj), args, state)

    def persistent_id(self, obj):
        if isinstance(obj, _StoredBytes):
            return ("storage", torch_objects.UntypedStorage, obj.key, obj.location, obj.storage.nbytes)
        return None


class _StoredBytes:
    """A storage in an ``ObjectPickler`` pickle: written as a persistent id naming its record."""

    __slots__ = ("key", "storage", "location")

    def __init__(self, key, storage, location):
        self.key = key
        self.storage = storage
        self.location = location


def _location_of(tensor):
    """The location PyTorch writes for a tensor's storage: ``"cpu"``, or ``"cuda:N"`` (the bytes are copied to
    the host to be written, and go back to that device when loaded)."""
    return str(tensor.device)
