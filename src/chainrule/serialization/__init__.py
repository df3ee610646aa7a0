"""``chainrule.save`` and ``chainrule.load``: chainrule's own safetensors-layout files and PyTorch checkpoints.

Two formats, told apart by their first bytes when loading:

- **The safetensors layout** (the default for ``save``): tensors and the data around them (dicts,
  lists, tuples, numbers, strings) as JSON plus raw bytes. No pickle is involved; loading it can never
  run code. Files of the ``safetensors`` library load as a dict of tensors, and it reads chainrule's.
- **PyTorch's zip checkpoint** (what ``torch.save`` writes, and what ``save(..., format="torch")``
  writes for PyTorch to read). Its pickle is read by a weights-only unpickler by default, which
  rebuilds tensors and plain containers and refuses anything else with PyTorch's message;
  ``weights_only=False`` runs the pickle as PyTorch does, for files from a trusted source. PyTorch's
  format before version 1.6 (a bare pickle) is read the same way.

``save`` falls back to the zip format, pickling as ``torch.save`` does, for objects the safetensors
layout cannot hold (a whole module, a NumPy array); such files need ``weights_only=False`` to load,
as in PyTorch. Saving to a path replaces the file atomically.
"""

import contextlib
import gc
import warnings

from . import safetensors_layout, torch_format
from .._device import device
from .errors import InvalidFileError, UnsafeFileError
from .files import Source, atomic_writer
from .safetensors_layout import NotData
from .torch_objects import TORCH_NAMES
from .weights_only import (_user_allowed, add_safe_globals, clear_safe_globals, get_safe_globals, global_names,
                           safe_globals)
from .zip_records import ZipReader

__all__ = ["save", "load", "InvalidFileError", "UnsafeFileError", "add_safe_globals", "get_safe_globals",
           "clear_safe_globals", "safe_globals", "get_unsafe_globals_in_checkpoint", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
FORMATS = (None, "safetensors", "torch")


def save(obj, f, pickle_module=None, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False, *, format=None):
    """Write ``obj`` to ``f`` (a path, replaced atomically, or a binary file object).

    ``format=None`` writes the safetensors layout when ``obj`` is data (tensors, and dicts, lists and
    tuples of tensors, numbers, strings, bools and None) and PyTorch's zip format otherwise;
    ``format="safetensors"`` refuses anything else with a TypeError; ``format="torch"`` always writes
    the zip format, which ``torch.load`` reads.
    """
    if format not in FORMATS:
        raise ValueError(f"chainrule.save: format must be None, 'safetensors' or 'torch', got {format!r}")
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("chainrule.save writes PyTorch's zip format, not its format before 1.6")
    if pickle_module is not None and format == "safetensors":
        raise ValueError("chainrule.save: the safetensors layout involves no pickle; pickle_module applies only "
                         "to format='torch'")
    with atomic_writer(f) as stream:
        if format != "torch" and pickle_module is None:
            try:
                safetensors_layout.write(obj, stream)
                return
            except NotData as error:
                if format == "safetensors":
                    raise TypeError(f"chainrule.save: {error}") from None
        torch_format.save_zip(obj, stream, pickle_module, pickle_protocol)


def _check_map_location(map_location):
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    device(map_location)  # a malformed device is refused before reading; a missing one when a storage needs it


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read what ``save`` or ``torch.save`` wrote (or any safetensors file) from ``f``, a path or a binary
    file object; ``mmap=True`` maps a path's tensors instead of reading them (copy-on-write).

    ``weights_only`` (True unless a ``pickle_module`` is given) restricts PyTorch checkpoints to data;
    the safetensors layout is data only whatever it says. Damaged or forged files raise
    ``InvalidFileError``, refused pickles ``UnsafeFileError`` (also a ``pickle.UnpicklingError``).
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    if pickle_module is None:
        import pickle as pickle_module
    pickle_load_args.setdefault("encoding", "utf-8")
    _check_map_location(map_location)
    with Source(f, use_mmap=bool(mmap)) as source, _collector_paused():
        head = source.read(0, min(source.size, 9), "the start of the file")
        if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            return torch_format.load_zip(source, weights_only, map_location, pickle_module, pickle_load_args)
        if safetensors_layout.looks_like_safetensors(head):
            return safetensors_layout.read(source, map_location)
        if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
            if mmap:
                raise RuntimeError("mmap can only be used with files saved with "
                                   "`torch.save(_use_new_zipfile_serialization=True), please torch.save your "
                                   "checkpoint with this option in order to use mmap.")
            return torch_format.load_legacy(source, weights_only, map_location, pickle_module, pickle_load_args)
        raise InvalidFileError(f"chainrule.load: not a chainrule (safetensors layout) file nor a PyTorch checkpoint "
                               f"(it starts with {head[:9]!r})")


@contextlib.contextmanager
def _collector_paused():
    """Loading makes many small containers and no cycles; the cyclic garbage collector, run again and again
    as they are allocated, would triple the time of parsing a large header or pickle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def get_unsafe_globals_in_checkpoint(f):
    """The ``module.name`` globals a PyTorch checkpoint's pickle names that weights-only loading would refuse."""
    with Source(f) as source:
        reader = ZipReader(source)
        pickles = [name for name in reader.names if name.endswith("/data.pkl") and name.count("/") == 1]
        if not pickles:
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        allowed = TORCH_NAMES.keys() | _user_allowed().keys()
        return sorted({name for name in global_names(reader.read(pickles[0])) if name not in allowed})
