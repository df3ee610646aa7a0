"""PyTorch's checkpoint format: a zip archive holding a pickle and one record per storage.

``load_zip`` reads what ``torch.save`` writes; with ``weights_only`` (the default, as in PyTorch) the
pickle goes through ``weights_only.WeightsOnlyUnpickler`` and nothing it names is ever imported or
called unless allowed. ``load_legacy`` reads the format before PyTorch 1.6 (a sequence of pickles
followed by the storages' bytes). ``save_zip`` writes the zip format for PyTorch to read.
"""

import io
import pickle
import secrets
import sys

import numpy as np

from .errors import InvalidFileError
from .locations import mapped_location
from .safetensors_layout import NotData
from .torch_objects import TORCH_NAMES, Storage, StorageType, UntypedStorage
from .torch_pickler import DataPickler, ObjectPickler, StorageTable
from .weights_only import Refused, WeightsOnlyUnpickler, refusal
from .zip_records import ZipReader, ZipWriter

__all__ = ["save_zip", "load_zip", "load_legacy", "LEGACY_MAGIC"]

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001
_ARCHIVE = "archive"
# ------------------------------------------------------------------------- save
def _object_pickler(pickle_module):
    if pickle_module is None or pickle_module is pickle:
        return ObjectPickler
    return type("ObjectPickler", (pickle_module.Pickler,), dict(vars(ObjectPickler)))


def save_zip(obj, stream, pickle_module=None, pickle_protocol=2):
    """Write ``obj`` as ``torch.save`` does: data with PyTorch's names, other objects with Python's pickler."""
    storages = StorageTable()
    try:
        pickled = DataPickler(storages).dumps(obj)
    except NotData:
        storages = StorageTable()
        buffer = io.BytesIO()
        _object_pickler(pickle_module)(buffer, storages, pickle_protocol).dump(obj)
        pickled = buffer.getvalue()
    writer = ZipWriter(stream)
    writer.write_record(f"{_ARCHIVE}/data.pkl", pickled)
    writer.write_record(f"{_ARCHIVE}/.format_version", b"1")
    writer.write_record(f"{_ARCHIVE}/.storage_alignment", b"64")
    writer.write_record(f"{_ARCHIVE}/byteorder", sys.byteorder.encode())
    for key, array in storages.records:
        writer.write_record(f"{_ARCHIVE}/data/{key}", array.ravel().view(np.uint8))
    writer.write_record(f"{_ARCHIVE}/version", b"3\n")
    writer.write_record(f"{_ARCHIVE}/.data/serialization_id", str(secrets.randbits(128)).zfill(40).encode())
    writer.close()


# ------------------------------------------------------------------------- load
class _Storages:
    """Storages by key, each read from the file once, for ``persistent_load``."""

    def __init__(self, fetch, map_location, big_endian):
        self.fetch = fetch  # (key, nbytes) -> uint8 array
        self.map_location = map_location
        self.big_endian = big_endian
        self.loaded = {}
        self.itemsizes = {}

    def itemsize_of(self, key):
        return self.itemsizes[key]

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] in ("storage", b"storage")):
            raise InvalidFileError(f"chainrule.load: unknown persistent id {pid!r:.100}")
        storage_type, key, location, numel = pid[1:5]
        if len(pid) == 6 and pid[5] is not None:
            raise InvalidFileError("chainrule.load: storage views of legacy checkpoints are not supported")
        if isinstance(key, (bytes, int)) and not isinstance(key, bool):  # PyTorch reads record f"data/{key}"
            key = key.decode("ascii", "replace") if isinstance(key, bytes) else str(key)
        if not isinstance(key, str) or type(numel) is not int or numel < 0 or numel >= 2 ** 62:
            raise InvalidFileError(f"chainrule.load: malformed storage id {pid!r:.100}")
        if storage_type is UntypedStorage:
            kind, nbytes = None, numel
        elif isinstance(storage_type, StorageType):
            kind, nbytes = storage_type.kind, numel * storage_type.kind.itemsize
        else:
            raise InvalidFileError(f"chainrule.load: storage {key!r} has no storage type")
        storage = self.loaded.get(key)
        if storage is None:
            storage = self.loaded[key] = Storage(self.fetch(key, nbytes), location, self.big_endian)
            self.itemsizes[key] = 1 if kind is None else kind.itemsize
            storage.location = mapped_location(location, self.map_location, storage)
        elif storage.raw.size != nbytes:
            raise InvalidFileError(f"chainrule.load: storage {key!r} is named with two different sizes")
        return storage if kind is None else (storage, kind)


def _unpickle(content, start, storages, weights_only, pickle_module, pickle_load_args):
    """(object, end position) of the pickle at ``start`` of ``content``, through the weights-only unpickler
    or Python's."""
    if weights_only:
        unpickler = WeightsOnlyUnpickler(content, storages.persistent_load, pickle_load_args.get("encoding", "utf-8"),
                                         start)
        try:
            return unpickler.load(), unpickler.position
        except Refused as error:
            raise refusal(error) from None
    stream = io.BytesIO(content)
    stream.seek(start)
    unpickler = _trusted_unpickler(pickle_module)(stream, **pickle_load_args)
    unpickler.persistent_load = storages.persistent_load
    return unpickler.load(), stream.tell()


def _trusted_unpickler(pickle_module):
    base = pickle_module.Unpickler

    class TrustedUnpickler(base):
        """Python's unpickler, with PyTorch's tensor names resolved to chainrule's (runs anything else)."""

        def find_class(self, module, name):
            mapped = TORCH_NAMES.get(f"{module}.{name}")
            return mapped if mapped is not None else super().find_class(module, name)

    return TrustedUnpickler


def load_zip(source, weights_only, map_location, pickle_module, pickle_load_args):
    reader = ZipReader(source)
    if any(name.endswith("/constants.pkl") for name in reader.names):
        raise InvalidFileError("chainrule.load: this is a TorchScript archive (torch.jit.save), whose code "
                               "chainrule cannot run")
    prefix = _folder_of_every_record(reader.names)
    if prefix + "data.pkl" not in reader.records:
        raise InvalidFileError("chainrule.load: this zip archive is not a PyTorch checkpoint (no data.pkl)")
    byteorder = reader.read(prefix + "byteorder") if prefix + "byteorder" in reader.records else b"little"
    if byteorder not in (b"little", b"big"):
        raise InvalidFileError(f"chainrule.load: unknown byte order {byteorder[:20]!r}")

    def fetch(key, nbytes):
        offset, size = reader.locate(f"{prefix}data/{key}")
        if size != nbytes:
            raise InvalidFileError(f"chainrule.load: storage {key!r} holds {size} bytes but its tensors need {nbytes}")
        if source.mapped:
            return source.view(offset, size)
        return source.read_new(offset, size)

    storages = _Storages(fetch, map_location, byteorder == b"big")
    return _unpickle(reader.read(prefix + "data.pkl"), 0, storages, weights_only, pickle_module, pickle_load_args)[0]


def load_legacy(source, weights_only, map_location, pickle_module, pickle_load_args):
    """A checkpoint in PyTorch's format before 1.6: pickles of a magic number, a protocol version and system
    information, then the object, then the list of storage keys, then each storage as an 8-byte element
    count and its bytes. Storages are filled in after the object is built (its tensors view them)."""
    content = source.read(0, source.size, "the checkpoint")
    position = 0
    header = []
    for _ in range(3):
        value, position = _unpickle(content, position, _no_storages, weights_only, pickle_module, pickle_load_args)
        header.append(value)
    magic, protocol, system = header
    if magic != LEGACY_MAGIC:
        raise InvalidFileError("Invalid magic number; corrupt file?")
    if protocol != _LEGACY_PROTOCOL:
        raise InvalidFileError(f"Invalid protocol version: {protocol!r:.100}")
    if not isinstance(system, dict):
        raise InvalidFileError("chainrule.load: the system information of this legacy checkpoint is not a dict")
    big_endian = system.get("little_endian", True) is False
    placeholders = {}

    def fetch(key, nbytes):
        placeholders[key] = np.empty(nbytes, np.uint8)
        return placeholders[key]

    storages = _Storages(fetch, map_location, big_endian)
    obj, position = _unpickle(content, position, storages, weights_only, pickle_module, pickle_load_args)
    keys, position = _unpickle(content, position, _no_storages, weights_only, pickle_module, pickle_load_args)
    if not isinstance(keys, list) or len(keys) != len(set(keys)) or set(keys) != set(placeholders):
        raise InvalidFileError("chainrule.load: the storage keys of this legacy checkpoint do not match its object")
    for key in keys:
        raw = placeholders[key]
        count = int.from_bytes(content[position:position + 8], "big" if big_endian else "little")
        if position + 8 + raw.size > len(content) or count * storages.itemsize_of(key) != raw.size:
            raise InvalidFileError(f"chainrule.load: storage {key!r} of this legacy checkpoint is cut short or "
                                   "mislabelled")
        raw[:] = np.frombuffer(content, np.uint8, raw.size, position + 8)
        storages.loaded[key].refresh()
        position += 8 + raw.size
    return obj


class _NoStorages:
    @staticmethod
    def persistent_load(pid):
        raise InvalidFileError("chainrule.load: a storage where none may be")


_no_storages = _NoStorages()


def _folder_of_every_record(names):
    """The folder holding every record of a checkpoint archive (``archive/``): as PyTorch's reader, the first
    record's, and no other."""
    folder = names[0][:names[0].find("/") + 1] if names else ""
    for name in names:
        if not folder or not name.startswith(folder):
            raise InvalidFileError(f"chainrule.load: zip record {name!r} is not in the folder {folder!r} of the "
                                   "archive's first record")
    return folder
