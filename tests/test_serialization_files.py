"""What saving to a path asks of the operating system, and what happens when it refuses: the old file's
cached pages dropped (posix_fadvise), each large piece's writeback started (sync_file_range), the new
file and its folder flushed (fsync) before and after the rename, a fresh temporary name, and every one
of these calls failing or missing without harming the file. Their effect is speed or durability, which
no read of the file shows, so the tests record the calls. Also the positioned reads of ``Source``."""

import ctypes
import io
import mmap
import os
import signal
import stat

import numpy as np
import pytest
import torch

import chainrule
from chainrule.serialization import InvalidFileError, files, load, save

STATE = {"w": chainrule.arange(6.0), "i": chainrule.arange(3)}


def assert_saved(path, state=STATE):
    loaded = load(path)
    assert list(loaded) == list(state)
    assert all(loaded[name].tolist() == tensor.tolist() for name, tensor in state.items())


def open_descriptors():
    return sorted(os.listdir("/proc/self/fd"))


@pytest.fixture
def no_writeback_cache():
    """The writeback function is looked up once per process: forget it around tests that replace ctypes."""
    files._writeback_starter.cache_clear()
    yield
    files._writeback_starter.cache_clear()


# ------------------------------------------------------------------------- the old file's cached pages
def test_the_replaced_files_cached_pages_are_dropped_before_writing(tmp_path, monkeypatch):
    path = tmp_path / "state"
    save(STATE, path)
    calls = []

    def advise(descriptor, offset, size, advice):
        calls.append((os.fstat(descriptor).st_ino, offset, size, advice, os.get_blocking(descriptor)))
        assert [os.path.getsize(tmp_path / name) for name in os.listdir(tmp_path) if name != "state"] == [0]

    monkeypatch.setattr(os, "posix_fadvise", advise)
    old = os.stat(path).st_ino
    before = open_descriptors()
    save(STATE, path)
    # the whole file, before any of the new one is written; opened without blocking
    assert calls == [(old, 0, 0, os.POSIX_FADV_DONTNEED, False)]
    assert open_descriptors() == before
    assert_saved(path)


def test_a_new_file_needs_no_advice_and_a_failing_advice_is_only_a_hint(tmp_path, monkeypatch):
    calls = []

    def advise(*args):
        calls.append(args)
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "posix_fadvise", advise)
    save(STATE, tmp_path / "state")
    assert calls == []  # nothing to replace
    before = open_descriptors()
    save(STATE, tmp_path / "state")
    assert len(calls) == 1 and open_descriptors() == before
    assert_saved(tmp_path / "state")


def test_platforms_without_the_advice_save_without_it(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "POSIX_FADV_DONTNEED")
    monkeypatch.setattr(os, "posix_fadvise", lambda *args: pytest.fail("advice where the platform has none"))
    save(STATE, tmp_path / "state")
    save(STATE, tmp_path / "state")
    assert_saved(tmp_path / "state")


def test_replacing_a_named_pipe_does_not_wait_for_a_writer(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    previous = signal.signal(signal.SIGALRM, lambda *args: pytest.fail("opening the pipe blocked"))
    signal.alarm(10)
    try:
        save(STATE, path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert stat.S_ISREG(os.stat(path).st_mode)
    assert_saved(path)


# ------------------------------------------------------------------------- writeback of large pieces
def recording_file(tmp_path, monkeypatch, piece):
    calls = []
    monkeypatch.setattr(files, "WRITEBACK_PIECE", piece)
    monkeypatch.setattr(files, "_writeback_starter", lambda: lambda *args: calls.append(args))
    target = files._WritebackFile(os.open(tmp_path / "raw", os.O_WRONLY | os.O_CREAT), "wb")
    return target, calls


def test_a_write_of_a_whole_piece_starts_its_writeback_and_a_smaller_one_does_not(tmp_path, monkeypatch):
    target, calls = recording_file(tmp_path, monkeypatch, 4096)
    data = bytes(range(256)) * 40
    with target:
        assert target.write(data[:4095]) == 4095 and calls == []
        assert target.write(data[4095:4095 + 4096]) == 4096
        assert calls == [(target.fileno(), 4095, 4096)]
        assert target.write(data[8191:]) == 2049  # the rest, under a piece
        assert target.write(np.frombuffer(data, np.uint16)) == 4096  # a long write: one piece, a short count
        assert calls[1:] == [(target.fileno(), 10240, 4096)]
    assert (tmp_path / "raw").read_bytes() == data + data[:4096]


def test_saving_starts_writeback_piece_by_piece_in_order(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(files, "WRITEBACK_PIECE", 4096)
    monkeypatch.setattr(files, "_writeback_starter", lambda: lambda *args: calls.append(args[1:]))
    big = chainrule.arange(10_000.0)
    save({"big": big}, tmp_path / "state")
    size = os.path.getsize(tmp_path / "state")
    assert [offset for offset, _ in calls] == sorted(offset for offset, _ in calls)
    assert all(length == 4096 for _, length in calls) and len(calls) == 40000 // 4096
    assert calls[-1][0] + 4096 <= size
    assert_saved(tmp_path / "state", {"big": big})


def test_writeback_is_sync_file_range_asked_to_start_writing(no_writeback_cache, monkeypatch):
    calls = []

    def sync_file_range(*args):
        calls.append(args)

    library = type("Library", (), {})()
    library.sync_file_range = sync_file_range
    monkeypatch.setattr(ctypes, "CDLL", lambda name: library if name is None else pytest.fail(name))
    start = files._writeback_starter()
    assert files._writeback_starter() is start  # looked up once
    start(7, 4096, 8192)
    assert calls == [(7, 4096, 8192, 2)]  # SYNC_FILE_RANGE_WRITE
    assert sync_file_range.argtypes == (ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint)


@pytest.mark.parametrize("failure", [OSError, AttributeError])
def test_without_sync_file_range_large_writes_go_whole(tmp_path, no_writeback_cache, monkeypatch, failure):
    def missing(name):
        raise failure("no C library here")

    monkeypatch.setattr(ctypes, "CDLL", missing)
    monkeypatch.setattr(files, "WRITEBACK_PIECE", 4096)
    assert files._writeback_starter() is None
    with files._WritebackFile(os.open(tmp_path / "raw", os.O_WRONLY | os.O_CREAT), "wb") as target:
        assert target.write(b"x" * 10_000) == 10_000
    big = chainrule.arange(10_000.0)
    save({"big": big}, tmp_path / "state", format="torch")
    assert_saved(tmp_path / "state", {"big": big})
    assert torch.load(tmp_path / "state")["big"].tolist() == big.tolist()


# ------------------------------------------------------------------------- the temporary file, fsync and rename
def test_the_new_file_is_flushed_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(descriptor):
        mode = os.fstat(descriptor).st_mode
        synced.append(("folder" if stat.S_ISDIR(mode) else "file", os.fstat(descriptor).st_size,
                       sorted(os.listdir(tmp_path))))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    save(STATE, tmp_path / "state")
    size = os.path.getsize(tmp_path / "state")
    (kind, written, listing), (folder, _, after) = synced
    assert (kind, written, folder, after) == ("file", size, "folder", ["state"])
    assert len(listing) == 1 and listing[0].startswith(".state.") and listing[0].endswith(".tmp")


def test_a_failed_save_syncs_nothing_and_leaves_the_old_file(tmp_path, monkeypatch):
    save(STATE, tmp_path / "state")
    monkeypatch.setattr(os, "fsync", lambda descriptor: pytest.fail("fsync of a failed save"))
    with pytest.raises(TypeError):
        save({"x": object()}, tmp_path / "state", format="safetensors")
    assert os.listdir(tmp_path) == ["state"]
    assert_saved(tmp_path / "state")


@pytest.mark.parametrize("failing", ["open", "fsync"])
def test_a_folder_that_cannot_be_synced_still_gets_the_file(tmp_path, monkeypatch, failing):
    real = {"open": os.open, "fsync": os.fsync}

    def refuse_folders(*args):
        descriptor = args[0]
        is_folder = os.path.isdir(descriptor) if failing == "open" else stat.S_ISDIR(os.fstat(descriptor).st_mode)
        if is_folder:
            raise PermissionError(13, "Permission denied")
        return real[failing](*args)

    monkeypatch.setattr(os, failing, refuse_folders)
    before = open_descriptors()
    save(STATE, tmp_path / "state")
    assert open_descriptors() == before
    assert_saved(tmp_path / "state")


def test_a_temporary_name_already_taken_is_left_alone(tmp_path, monkeypatch):
    names = iter(["aaaaaaaaaaaa", "aaaaaaaaaaaa", "bbbbbbbbbbbb"])
    monkeypatch.setattr(files.secrets, "token_hex", lambda size: next(names))
    taken = tmp_path / ".state.aaaaaaaaaaaa.tmp"
    taken.write_bytes(b"someone else's")
    save(STATE, tmp_path / "state")
    assert taken.read_bytes() == b"someone else's"
    assert sorted(os.listdir(tmp_path)) == [".state.aaaaaaaaaaaa.tmp", "state"]
    assert_saved(tmp_path / "state")


def test_saved_files_get_the_permissions_open_gives_under_any_umask(tmp_path):
    previous = os.umask(0o002)
    try:
        save(STATE, tmp_path / "state")
        with open(tmp_path / "plain", "wb"):
            pass
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "state").st_mode) == stat.S_IMODE(os.stat(tmp_path / "plain").st_mode)
    assert stat.S_IMODE(os.stat(tmp_path / "state").st_mode) == 0o664


def test_a_file_object_is_written_in_place_and_left_open(tmp_path):
    with open(tmp_path / "state", "wb") as stream:
        stream.write(b"x" * 5)
        save(STATE, stream)
        assert not stream.closed
        stream.write(b"tail")
    raw = (tmp_path / "state").read_bytes()
    assert raw[:5] == b"x" * 5 and raw[-4:] == b"tail" and sorted(os.listdir(tmp_path)) == ["state"]
    assert load(io.BytesIO(raw[5:-4]))["w"].tolist() == STATE["w"].tolist()


# ------------------------------------------------------------------------- reading
def resident_pages(array):
    """How many of the pages under ``array`` (which starts a page) are in memory, by Linux's mincore."""
    pages = -(-array.size // mmap.PAGESIZE)
    residency = (ctypes.c_ubyte * pages)()
    mincore = ctypes.CDLL(None).mincore
    assert mincore(ctypes.c_void_p(array.ctypes.data), ctypes.c_size_t(array.size), residency) == 0
    return sum(flag & 1 for flag in residency)


def test_buffers_from_the_threshold_on_are_anonymous_maps_faulted_in_at_once(monkeypatch):
    monkeypatch.setattr(files, "HUGE_PAGE_THRESHOLD", 1 << 20)
    small, large = files.fresh_bytes((1 << 20) - 1), files.fresh_bytes(1 << 20)
    assert not isinstance(small.base, mmap.mmap) and small.size == (1 << 20) - 1
    assert isinstance(large.base.obj, mmap.mmap) and large.size == 1 << 20
    assert resident_pages(large) == (1 << 20) // mmap.PAGESIZE  # all in memory before anything is read into it
    large[:] = 7  # private and writable
    monkeypatch.setattr(files, "_ANONYMOUS_FLAGS", None)  # Windows: a map without flags
    plain = files.fresh_bytes(1 << 20)
    assert isinstance(plain.base.obj, mmap.mmap) and plain.size == 1 << 20


def test_a_file_object_is_read_from_where_it_stands_as_torch_reads_it():
    for save_to, load_from in ((save, load), (torch.save, torch.load)):
        buffer = io.BytesIO()
        buffer.write(b"junk" * 5)
        save_to({"w": (chainrule if save_to is save else torch).arange(3.0)}, buffer)
        buffer.seek(20)
        assert load_from(buffer)["w"].tolist() == [0.0, 1.0, 2.0]


def test_reads_up_to_the_end_of_the_file_and_not_one_byte_past():
    source = files.Source(b"abcdefgh")
    assert source.read(0, 8) == b"abcdefgh" and source.read(8, 0) == b""
    assert source.read_new(5, 3).tobytes() == b"fgh"
    assert source.read_into(6, np.zeros(2, np.uint8)).tobytes() == b"gh"
    readers = {"read": source.read, "read_new": source.read_new,
               "read_into": lambda at, n: source.read_into(at, np.zeros(n, np.uint8))}
    for offset, size, names in ((0, 9, readers), (8, 1, readers), (-1, 1, readers), (2, -1, ["read", "read_new"])):
        for name in names:
            with pytest.raises(InvalidFileError, match=rf"at bytes \[{offset}, {offset + size}\) lies outside the "
                                                       r"8-byte file \(truncated or forged\)"):
                readers[name](offset, size)


def test_a_file_that_delivers_fewer_bytes_than_its_size_is_cut_short():
    class Shrinking(io.BytesIO):
        """Claims 16 bytes but delivers 4 at most, then none."""

        def read(self, size=-1):
            return super().read(min(size, 4)) if self.tell() < 4 else b""

        def readinto(self, target):
            return 0 if self.tell() >= 4 else super().readinto(memoryview(target)[:4 - self.tell()])

    source = files.Source(Shrinking(b"x" * 16))
    with pytest.raises(InvalidFileError, match="a record is cut short"):
        source.read(0, 8)
    with pytest.raises(InvalidFileError, match="tensor data is cut short"):
        source.read_into(0, np.zeros(8, np.uint8))
    assert source.read_into(2, np.zeros(2, np.uint8)).tobytes() == b"xx"


def test_an_empty_file_maps_to_nothing_and_loads_as_an_error(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    with files.Source(tmp_path / "empty", use_mmap=True) as source:
        assert not source.mapped and source.size == 0
    with pytest.raises(InvalidFileError):
        load(tmp_path / "empty", mmap=True)
    with files.Source(tmp_path / "empty") as source:
        assert source.view(0, 0).size == 0
