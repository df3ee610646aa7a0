"""Where bytes go and come from: atomic replacement of a saved file, and positioned reads of a loaded one.

Saving to a path writes a temporary file beside the target, flushes it to disk and renames it over the
target, so a crash at any moment leaves the old file or the new one, never a mix. Since the save waits
for the disk anyway, the disk starts on each large piece as soon as it is written. Loading reads each
tensor straight into the array that will hold it (or maps the file with ``mmap=True``), so the data is
never held twice.
"""

import functools
import io
import mmap
import os
import secrets

import numpy as np

from .errors import InvalidFileError

__all__ = ["atomic_writer", "Source"]

HUGE_PAGE_THRESHOLD = 4 << 20  # NumPy asks for transparent huge pages for arrays from this size on
WRITEBACK_PIECE = 64 << 20  # bytes written before the kernel is asked to start writing them to disk


def _is_path(f):
    return isinstance(f, (str, os.PathLike))


def _advise(descriptor, offset, size, advice_name):
    """``posix_fadvise`` where the platform has it (Linux does; macOS and Windows do not): only a hint."""
    advice = getattr(os, advice_name, None)
    if advice is not None:
        try:
            os.posix_fadvise(descriptor, offset, size, advice)
        except OSError:
            pass


def _release_cached_pages(path):
    """Drop the page cache of the file about to be replaced (the file itself stays whole on disk until the
    rename). Its memory is then what the new file's pages reuse: otherwise both files are held at once,
    and the new one needs memory the machine has not touched lately, which costs more on virtual machines
    that hand freed memory back to their host. Dirty or mapped pages are left alone by the kernel."""
    try:  # non-blocking: opening a named pipe to read would otherwise wait for a writer
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return
    try:
        _advise(descriptor, 0, 0, "POSIX_FADV_DONTNEED")
    finally:
        os.close(descriptor)


@functools.cache
def _writeback_starter():
    """Linux's ``sync_file_range`` with SYNC_FILE_RANGE_WRITE, which starts writing a range to disk and returns
    at once (Python's ``os`` lacks it), or None where the C library has no such function."""
    try:
        import ctypes

        function = ctypes.CDLL(None).sync_file_range
    except (ImportError, OSError, AttributeError, TypeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint)
    start_write = 2  # SYNC_FILE_RANGE_WRITE
    return lambda descriptor, offset, size: function(descriptor, offset, size, start_write)


class _WritebackFile(io.FileIO):
    """A file that starts the disk writing each large piece as soon as it is written, so that copying the next
    piece and the disk's work overlap and the final fsync waits only for the last piece. Errors surface
    there: starting writeback reports none."""

    def write(self, data):
        view = memoryview(data).cast("B")
        start_writeback = _writeback_starter()
        if len(view) < WRITEBACK_PIECE or start_writeback is None:
            return super().write(view)
        start = self.tell()
        written = super().write(view[:WRITEBACK_PIECE])  # a short count: the buffered writer sends the rest
        start_writeback(self.fileno(), start, written)
        return written


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
        _release_cached_pages(self.target)
        self.stream = io.BufferedWriter(_WritebackFile(descriptor, "wb"))
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


# an anonymous private map, its pages faulted in by one call where the platform can (Linux: MAP_POPULATE)
_ANONYMOUS_FLAGS = (mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_POPULATE", 0)
                    if hasattr(mmap, "MAP_ANONYMOUS") else None)


def fresh_bytes(size):
    """An uninitialised uint8 array to read ``size`` bytes of a file into.

    For arrays of 4 MiB and more NumPy asks the kernel for transparent huge pages, whose first touch can
    stall while the kernel compacts memory. A buffer filled once from a file gains little from huge pages,
    so large ones are anonymous maps of ordinary pages, all faulted in by the one call that maps them
    rather than one page at a time as the read reaches them; the last array viewing one frees it. Measured
    on a busy machine, reading 1 GiB from the page cache took 0.8 to 6 s into ``np.empty``, 2.2 to 2.6 s
    into an anonymous map and 1.5 to 1.9 s into a pre-faulted one.
    """
    if size < HUGE_PAGE_THRESHOLD:
        return np.empty(size, np.uint8)
    if _ANONYMOUS_FLAGS is None:  # Windows
        return np.frombuffer(mmap.mmap(-1, size), np.uint8)
    return np.frombuffer(mmap.mmap(-1, size, flags=_ANONYMOUS_FLAGS), np.uint8)


class Source:
    """Positioned reads from a path, a seekable binary file object or a bytes-like object.

    ``read(offset, size)`` returns bytes, ``read_new(offset, size)`` a new array and
    ``read_into(offset, array)`` fills an array; all raise ``InvalidFileError`` when the file ends first.
    ``view(offset, dtype, count)`` maps the region copy-on-write when the source was opened with
    ``mmap=True``.
    """

    def __init__(self, f, use_mmap=False):
        self._owned = None
        self._map = None
        if _is_path(f):
            self._owned = open(f, "rb", buffering=0)
            f = self._owned
        elif isinstance(f, (bytes, bytearray, memoryview)):
            f = io.BytesIO(f)
        elif (missing := _missing_method(f)) is not None:  # PyTorch's class of error
            raise AttributeError(missing)
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

    def read_new(self, offset, size, what="tensor data"):
        """A new uint8 array of the ``size`` bytes at ``offset``, checked against the file before any memory
        is taken."""
        self.check(offset, size, what)
        return self.read_into(offset, fresh_bytes(size), what)

    def read_into(self, offset, array, what="tensor data"):
        """Fill ``array`` (C-contiguous) with the bytes at ``offset``."""
        target = memoryview(array.ravel().view(np.uint8))
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


def _missing_method(f):
    """What a file object lacks, named as PyTorch names the first method it would call, or None."""
    missing = next((name for name in ("seek", "tell", "read") if not hasattr(f, name)), None)
    if missing is not None:
        return (f"'{type(f).__name__}' object has no attribute '{missing}'. chainrule.load reads a path or a "
                "binary file object; load other data into io.BytesIO first")
    return None
