"""What the names in a PyTorch checkpoint's pickle stand for in chainrule.

A ``torch.save`` pickle rebuilds tensors by calling ``torch._utils._rebuild_tensor_v2`` on a storage
(a record of the zip archive, named by a persistent id), an offset, a size and a stride. Each such
name maps here to a chainrule function that checks its arguments and builds the tensor from the
storage's bytes, so views of one storage stay views of one array. Kinds of tensor chainrule has no
counterpart for (quantized, sparse, nested, meta) map to functions that refuse them clearly.
"""

from collections import Counter, OrderedDict
import codecs

import numpy as np

from .. import _dtype
from .._device import device, moved, placement
from .._size import Size
from .._tensor import Tensor, make_tensor
from ..nn.parameter import Parameter
from .dtypes import BY_NUMPY, BY_STORAGE_NAME, BY_TORCH_NAME, ElementType
from .errors import InvalidFileError

__all__ = ["TORCH_NAMES", "Storage", "StorageType", "UntypedStorage", "dtype_of", "storage_type_name"]

MAX_RANK = 64


class UntypedStorage:
    """Marks a storage counted in bytes, whose element type the rebuild call names (``_rebuild_tensor_v3``)."""


class StorageType:
    """A typed storage class such as ``torch.FloatStorage``: a storage counted in elements of ``kind``."""

    __slots__ = ("name", "kind")

    def __init__(self, name, kind):
        self.name = name
        self.kind = kind

    def __repr__(self):
        return f"StorageType(dtype={self.kind.torch_name})"


class Storage:
    """The bytes of one storage record, decoded once per element type that tensors view it as (a view of the
    bytes where the file's layout is the array's, else a converted copy)."""

    __slots__ = ("raw", "decoded", "location", "big_endian")

    def __init__(self, raw, location, big_endian=False):
        self.raw = raw
        self.decoded = {}
        self.location = location
        self.big_endian = big_endian

    def _decode(self, kind):
        raw = self.raw
        if self.big_endian:
            unit = kind.itemsize // 2 if kind.numpy.kind == "c" else kind.itemsize
            raw = raw.view(f">u{unit}").astype(f"<u{unit}").view(np.uint8)
        return kind.decode(raw)

    def elements(self, kind):
        array = self.decoded.get(kind)
        if array is None:
            if self.raw.size % kind.itemsize:
                raise InvalidFileError(f"chainrule.load: a storage of {self.raw.size} bytes does not hold whole "
                                       f"{kind.torch_name} elements")
            array = self.decoded[kind] = self._decode(kind)
        return array

    def refresh(self):
        """Decode again, in place, after ``raw`` was filled in (legacy checkpoints store data after the pickle)."""
        for kind, array in self.decoded.items():
            if not np.shares_memory(array, self.raw):
                array[...] = self._decode(kind)


def dtype_of(kind):
    """The chainrule dtype a stored element type loads as."""
    return _dtype.from_numpy_dtype(kind.numpy)


def storage_type_name(kind):
    return kind.storage_name


def _int_tuple(value, what):
    if not isinstance(value, tuple) or len(value) > MAX_RANK or \
            not all(type(n) is int and 0 <= n < 2 ** 63 for n in value):
        raise InvalidFileError(f"chainrule.load: a tensor's {what} must be a tuple of at most {MAX_RANK} "
                               f"non-negative integers, got {value!r:.100}")
    return value


def _view(storage, kind, storage_offset, size, stride):
    """The array a tensor views: ``size`` elements apart by ``stride``, from ``storage_offset``, all checked to
    lie inside the storage before NumPy is asked for the view."""
    if not isinstance(storage, Storage):
        raise InvalidFileError(f"chainrule.load: a tensor must be rebuilt from a storage, got {type(storage).__name__}")
    size, stride = _int_tuple(size, "size"), _int_tuple(stride, "stride")
    if len(size) != len(stride):
        raise InvalidFileError(f"chainrule.load: a tensor's size {size} and stride {stride} differ in length")
    if type(storage_offset) is not int or storage_offset < 0:
        raise InvalidFileError(f"chainrule.load: a tensor's storage offset must be a non-negative integer, got "
                               f"{storage_offset!r:.100}")
    elements = storage.elements(kind)
    if 0 not in size:
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= elements.size:
            raise InvalidFileError(f"chainrule.load: a tensor of size {list(size)} and stride {list(stride)} at "
                                   f"offset {storage_offset} reaches past its storage of {elements.size} elements")
    elif storage_offset > elements.size:
        raise InvalidFileError(f"chainrule.load: a tensor's storage offset {storage_offset} lies past its storage")
    itemsize = elements.itemsize
    return np.ndarray(size, elements.dtype, buffer=elements, offset=storage_offset * itemsize,
                      strides=tuple(s * itemsize for s in stride))


def placed_on(array, location):
    """A loaded array on the device its storage was mapped to (``mapped_location`` checked that it exists)."""
    if location == "cpu":
        return array
    return moved(array, *placement(location))


def _checked_flag(array, requires_grad):
    if type(requires_grad) is not bool:
        raise InvalidFileError(f"chainrule.load: requires_grad must be a bool, got {requires_grad!r:.100}")
    if requires_grad and array.dtype.kind not in "fc":
        raise InvalidFileError("chainrule.load: a tensor of an integer dtype cannot require grad")
    return requires_grad


def _leaf(array, requires_grad):
    tensor = make_tensor(array)
    tensor._requires_grad = _checked_flag(array, requires_grad)
    return tensor


def rebuild_tensor(storage, storage_offset, size, stride):
    """``torch._utils._rebuild_tensor``: the oldest form, a typed storage and no autograd flag."""
    if not isinstance(storage, tuple) or len(storage) != 2 or not isinstance(storage[1], ElementType):
        raise InvalidFileError("chainrule.load: a tensor must be rebuilt from a typed storage")
    return make_tensor(placed_on(_view(storage[0], storage[1], storage_offset, size, stride), storage[0].location))


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    """``torch._utils._rebuild_tensor_v2``: a tensor over a typed storage (what ``torch.save`` writes)."""
    return _leaf(rebuild_tensor(storage, storage_offset, size, stride)._data, requires_grad)


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    """``torch._utils._rebuild_tensor_v3``: a tensor over an untyped storage, for dtypes without a typed one."""
    if isinstance(storage, tuple) and len(storage) == 2:
        storage = storage[0]
    if isinstance(dtype, _dtype.dtype):
        kind = BY_NUMPY[dtype.np]
    elif isinstance(dtype, ElementType):
        kind = dtype
    else:
        raise InvalidFileError(f"chainrule.load: a tensor's dtype must be a dtype, got {dtype!r:.100}")
    return _leaf(placed_on(_view(storage, kind, storage_offset, size, stride), storage.location), requires_grad)


def _check_tensor(data):
    if not isinstance(data, Tensor):
        raise InvalidFileError(f"chainrule.load: a Parameter must wrap a tensor, got {type(data).__name__}")


def rebuild_parameter(data, requires_grad, backward_hooks):
    _check_tensor(data)
    return Parameter(data, _checked_flag(data._data, requires_grad))


def set_state(obj, state):
    """Attributes a checkpoint stores on a tensor or Parameter (never one of chainrule's own)."""
    if isinstance(state, tuple) and len(state) == 2:
        state = {**(state[0] or {}), **(state[1] or {})}
    if state is None:
        return obj
    if not isinstance(state, dict) or not all(isinstance(k, str) and not hasattr(type(obj), k) and k != "_data"
                                              for k in state):
        raise InvalidFileError("chainrule.load: a tensor's state must be a dict of new attribute names")
    obj.__dict__.update(state)
    return obj


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return set_state(rebuild_parameter(data, requires_grad, backward_hooks), state)


def rebuild_from_type_v2(func, new_type, args, state):
    """``torch._tensor._rebuild_from_type_v2``: a tensor (subclass) with attributes."""
    if func not in (rebuild_tensor_v2, rebuild_tensor_v3, rebuild_parameter, rebuild_parameter_with_state) or \
            not isinstance(args, tuple):
        raise InvalidFileError("chainrule.load: _rebuild_from_type_v2 must call a tensor rebuild function")
    result = func(*args)
    if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
        raise InvalidFileError(f"chainrule.load: cannot rebuild a tensor as {new_type!r:.100}")
    if new_type is Parameter and type(result) is not Parameter:
        result = Parameter(result, result._requires_grad)
    elif type(result) is not new_type:
        converted = object.__new__(new_type)
        converted._init(result._data)
        converted._requires_grad = result._requires_grad
        result = converted
    return set_state(result, state)


def _refuse(kind):
    def refuse(*args, **kwargs):
        raise InvalidFileError(f"chainrule.load: the checkpoint holds {kind}, which chainrule does not have")
    refuse.__name__ = f"refuse_{kind.replace(' ', '_')}"
    return refuse


def encode_bytes(text, encoding):
    """``_codecs.encode`` as protocol-2 pickles use it for bytes: only latin-1 text."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise InvalidFileError("chainrule.load: bytes in a checkpoint must be latin-1 text")
    return codecs.encode(text, "latin1")


def bytes_array(data=b""):
    """``bytearray`` as pickles use it: from bytes, never from a size (which would allocate it)."""
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidFileError("chainrule.load: a bytearray in a checkpoint must be built from bytes")
    return bytearray(data)


def _torch_names():
    names = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": device,
        "_codecs.encode": encode_bytes,
        "builtins.bytearray": bytes_array,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch._utils._rebuild_tensor": rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": rebuild_from_type_v2,
        "torch.storage.UntypedStorage": UntypedStorage,
        "torch.serialization._get_layout": _refuse("sparse tensors"),
        "torch._utils._rebuild_qtensor": _refuse("quantized tensors"),
        "torch._utils._rebuild_sparse_tensor": _refuse("sparse tensors"),
        "torch._utils._rebuild_meta_tensor_no_storage": _refuse("meta tensors"),
        "torch._utils._rebuild_nested_tensor": _refuse("nested tensors"),
        "torch._utils._rebuild_wrapper_subclass": _refuse("tensor subclasses"),
        "torch._utils._rebuild_device_tensor_from_numpy": _refuse("device tensors rebuilt from NumPy"),
        "torch._utils._rebuild_device_tensor_from_cpu_tensor": _refuse("device tensors"),
    }
    for storage_name, kind in BY_STORAGE_NAME.items():
        names[f"torch.{storage_name}"] = names[f"torch.cuda.{storage_name}"] = StorageType(storage_name, kind)
    for name in ("QInt8Storage", "QInt32Storage", "QUInt8Storage", "QUInt4x2Storage", "QUInt2x4Storage"):
        names[f"torch.{name}"] = _refuse("quantized storages")
    for torch_name, kind in BY_TORCH_NAME.items():
        # float8 dtypes stay element types, which _rebuild_tensor_v3 decodes to float32; bfloat16 (whose
        # tensors come with a typed storage) stands for float32, the dtype its tensors load as
        widened_without_storage = kind.widen is not None and kind.storage_name is None
        names[f"torch.{torch_name}"] = kind if widened_without_storage else dtype_of(kind)
    return names


TORCH_NAMES = _torch_names()
