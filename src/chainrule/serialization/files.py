"""Where bytes go and come from: atomic replacement of a saved file, and positioned reads of a loaded one.

Saving to a path writes a temporary file beside the target, flushes it to disk and renames it over the
target, so a crash at any moment leaves the old file or the new one, never a mix. Loading reads each
tensor straight into the array that will hold it (or maps the file with ``mmap=True``), so the data is
never held twice.
"""

import io
import mmap
import os
import secrets

import numpy as np

from .errors import InvalidFileError

__all__ = ["atomic_writer", "Source"]


def _is_path(f):
    return isinstance(f, (str, os.PathLike))


class atomic_writer:
    """``with atomic_writer(f) as stream:`` writes to ``f``: a path is replaced atomically when the block
    succeeds (and left untouched when it fails); a file object is written in place."""

    def __init__(self, f):
        self.target = os.fspath(f) if _is_path(f) else None
        self.stream = None if self.target is not None else f
        self.temporary = None

    def __enter__(self):
        if self.target is None:
            return self.stream
        given_folder = os.path.dirname(self.target)
        if given_folder and not os.path.isdir(given_folder):
            raise RuntimeError(f"Parent directory {given_folder} does not exist.")
        folder, name = os.path.split(os.path.abspath(self.target))
        while True:
            candidate = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
            try:  # mode 0o666 lets the umask decide the permissions, as open(path, "wb") would
                descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
        self.temporary = candidate
        self.stream = open(descriptor, "wb")
        return self.stream

    def __exit__(self, kind, error, traceback):
        if self.target is None:
            return False
        try:
            if kind is None:
                self.stream.flush()
                os.fsync(self.stream.fileno())
            self.stream.close()
            if kind is None:
                os.replace(self.temporary, self.target)
                self.temporary = None
                _sync_folder(os.path.dirname(os.path.abspath(self.target)))
        finally:
            if self.temporary is not None:
                os.unlink(self.temporary)
        return False


def _sync_folder(folder):
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class Source:
    """Positioned reads from a path, a seekable binary file object or a bytes-like object.

    ``read(offset, size)`` returns bytes and ``read_into(offset, array)`` fills an array; both raise
    ``InvalidFileError`` when the file ends first. ``view(offset, dtype, count)`` maps the region
    copy-on-write when the source was opened with ``mmap=True``.
    """

    def __init__(self, f, use_mmap=False):
        self._owned = None
        self._map = None
        if _is_path(f):
            self._owned = open(f, "rb", buffering=0)
            f = self._owned
        elif isinstance(f, (bytes, bytearray, memoryview)):
            f = io.BytesIO(f)
        elif not (hasattr(f, "seek") and hasattr(f, "read")):
            raise TypeError(f"chainrule.load expects a path or a binary file object, got {type(f).__name__}")
        self.file = f
        self.start = f.tell() if f.seekable() else 0
        if not f.seekable():
            self.file = io.BytesIO(f.read())
        self.size = self.file.seek(0, io.SEEK_END) - self.start
        if use_mmap:
            if self._owned is None:
                raise ValueError("f must be a file path in order to use the mmap argument")
            if self.size:
                self._map = mmap.mmap(self._owned.fileno(), 0, access=mmap.ACCESS_COPY)

    def close(self):
        if self._owned is not None:
            self._owned.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def check(self, offset, size, what):
        if offset < 0 or size < 0 or offset + size > self.size:
            raise InvalidFileError(f"chainrule.load: {what} at bytes [{offset}, {offset + size}) lies outside the "
                                   f"{self.size}-byte file (truncated or forged)")

    def read(self, offset, size, what="a record"):
        self.check(offset, size, what)
        self.file.seek(self.start + offset)
        data = self.file.read(size)
        if len(data) != size:
            raise InvalidFileError(f"chainrule.load: {what} is cut short (truncated file)")
        return data

    def read_into(self, offset, array, what="tensor data"):
        """Fill ``array`` (C-contiguous) with the bytes at ``offset``."""
        target = memoryview(array.reshape(-1).view(np.uint8))
        self.check(offset, len(target), what)
        self.file.seek(self.start + offset)
        filled = 0
        while filled < len(target):
            count = self.file.readinto(target[filled:])
            if not count:
                raise InvalidFileError(f"chainrule.load: {what} is cut short (truncated file)")
            filled += count
        return array

    @property
    def mapped(self):
        return self._map is not None

    def view(self, offset, size, what="tensor data"):
        """A writable, copy-on-write uint8 array over ``size`` mapped bytes at ``offset``."""
        self.check(offset, size, what)
        if size == 0:
            return np.empty(0, np.uint8)
        return np.frombuffer(self._map, dtype=np.uint8, count=size, offset=self.start + offset)
