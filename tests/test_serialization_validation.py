"""Each validation of chainrule.load, pinned by its own message: one forged file per check, built so that
this check and no earlier one refuses it. (test_serialization.py checks that forgeries raise the right
class; these tests check that the intended validation is the one that fired.)"""

import io
import json
import re
import struct
import zipfile

import pytest
import torch

import chainrule
from chainrule.serialization import InvalidFileError, load, save


def layout(header, data=b""):
    """A file of chainrule's (safetensors) layout: header length, header text, data."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def entry(dtype="F32", shape=(1,), offsets=(0, 4), **extra):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets), **extra}


def tree(text, tensors=None, data=b""):
    return layout({**(tensors or {}), "__metadata__": {"chainrule.tree": text}}, data)


LAYOUT = {
    "unknown start": (b"GIF89a\0\0\0\0\0", r"not a chainrule \(safetensors layout\) file nor a PyTorch checkpoint"),
    "absurd header length": (struct.pack("<Q", 2 ** 62) + b"{}", r"header length 4611686018427387904 is larger"),
    "header past the limit": (struct.pack("<Q", 100_000_001) + b"{}",
                              r"header length 100000001 is larger than the 100000000 bytes allowed"),
    "header at the limit": (struct.pack("<Q", 100_000_000) + b"{}", r"the header needs 100000000 bytes but only 2"),
    "header past the end": (struct.pack("<Q", 100) + b"{}", r"the header needs 100 bytes but only 2 follow"),
    "not json": (layout(b"{{{{"), r"the header is not valid JSON \(Expecting property name"),
    "not utf-8": (layout(b"{\xff\xfe}"), r"the header is not valid JSON \('utf-8' codec can't decode"),
    "deep header": (layout(b'{"a":' + b"[" * 100000 + b"]" * 100000 + b"}"),
                    r"the header is not valid JSON \(maximum recursion depth"),
    "duplicate names": (layout(b'{"x":' + json.dumps(entry("U8", (1,), (0, 1))).encode() + b',"x":'
                               + json.dumps(entry("U8", (1,), (0, 1))).encode() + b"}", b"\0"),
                        r"the header names the same key twice"),
    "long dtype": (layout({"x": entry("F" * 100)}, b"\0" * 4),
                   rf"tensor entry with dtype '{'F' * 79}, shape \[1\]: unsupported dtype '{'F' * 39}$"),
    "bad dtype": (layout({"x": entry("Q99")}, b"\0" * 4), r"unsupported dtype 'Q99'"),
    "packed float4": (layout({"x": entry("F4", (2,), (0, 1))}, b"\0"), r"unsupported dtype 'F4'"),
    "dtype not a string": (layout({"x": entry(["F32"])}, b"\0" * 4), r"unsupported dtype \['F32'\]"),
    "negative shape": (layout({"x": entry(shape=(-1,))}, b"\0" * 4), r"shape \[-1\] must be a list of at most 64"),
    "float shape": (layout({"x": entry(shape=(1.0,))}, b"\0" * 4), r"shape \[1.0\] must be a list of at most 64"),
    "bool shape": (layout({"x": entry(shape=(True,))}, b"\0" * 4), r"shape \[True\] must be a list of at most 64"),
    "too many dimensions": (layout({"x": entry(shape=(1,) * 65)}, b"\0" * 4),
                            r"shape \[1, 1, 1, 1, 1, 1, 1, 1, \.\.\. \(65 items\)\] must be a list"),
    "size mismatch": (layout({"x": entry(shape=(2,))}, b"\0" * 4),
                      r"data_offsets \[0, 4\] hold 4 bytes but dtype F32 and shape \[2\] need more"),
    "entry too long": (layout({"x": entry(shape=(1,) * 8, offsets=(4, 9))}, b"\0" * 9),
                       r"data_offsets \[4, 9\] hold 5 bytes but dtype F32 and shape "
                       r"\[1, 1, 1, 1, 1, 1, 1, 1\] need 4$"),
    "nine offsets": (layout({"x": entry(offsets=range(9))}, b"\0" * 4),
                     r"data_offsets \[0, 1, 2, 3, 4, 5, 6, 7, \.\.\. \(9 items\)\] must be two integers"),
    "huge shape": (layout({"x": entry(shape=(2 ** 40, 2 ** 40))}, b"\0" * 4), r"hold 4 bytes but dtype F32 and"),
    "offsets out of range": (layout({"x": entry(offsets=(8, 12))}, b"\0" * 4),
                             r"data_offsets \[8, 12\] must be two integers within the 4 bytes of data"),
    "offset one before the data": (layout({"x": entry("U8", (1,), (-1, 0))}, b"\0"),
                                   r"data_offsets \[-1, 0\] must be two integers within the 1 bytes of data"),
    "dimension of 2**63": (layout({"x": entry("F32", (0, 2 ** 63), (0, 0))}),
                           r"shape \[0, 9223372036854775808\] must be a list of at most 64"),
    "shape past its bytes": (layout({"x": entry(shape=(2, 3), offsets=(0, 8))}, b"\0" * 8),
                             r"data_offsets \[0, 8\] hold 8 bytes but dtype F32 and shape \[2, 3\] need more"),
    "header one byte past the end": (struct.pack("<Q", 3) + b"{}", r"the header needs 3 bytes but only 2 follow"),
    "complex flag on a 0-d tensor": (tree('{"tensor": "scalar", "complex": true}', {"scalar": entry("F64", (), (0, 8))},
                                          b"\0" * 8), r"tensor 'scalar' marked complex is not float64 pairs"),
    "a float's value under another tag": (tree('{"tuple": "inf"}'), r"unknown node 'tuple' in the object tree"),
    "empty beyond NumPy": (layout({"x": entry("F32", (0, 2 ** 62), (0, 0))}),
                           r"shape \[0, 4611686018427387904\] holds no elements, but its other sizes multiply past"),
    "negative offsets": (layout({"x": entry("U8", (0,), (-4, -4))}, b"\0" * 4), r"\[-4, -4\] must be two integers"),
    "huge offsets": (layout({"x": entry("U8", (1,), (2 ** 64, 2 ** 64 + 1))}, b"\0"),
                     r"\[18446744073709551616, 18446744073709551617\] must be two integers"),
    "truncated data": (layout({"x": entry("F64", (4,), (0, 32))}, b"\0" * 20), r"within the 20 bytes of data"),
    "offsets reversed": (layout({"x": entry("U8", (0,), (4, 0))}, b"\0" * 4), r"\[4, 0\] end before they begin"),
    "overlapping": (layout({"x": entry(shape=(2,), offsets=(0, 8)), "y": entry(offsets=(4, 8))}, b"\0" * 8),
                    r"tensor 'y': data_offsets \[4, 8\] overlaps the previous tensor"),
    "gap": (layout({"x": entry(offsets=(4, 8))}, b"\0" * 8), r"tensor 'x': data_offsets \[4, 8\] leaves a gap"),
    "padded data": (layout({"x": entry()}, b"\0" * 12), r"the tensors cover 4 bytes of data but the file holds 12"),
    "extra field": (layout({"x": entry(code="x")}, b"\0" * 4), r"tensor 'x': an entry needs exactly dtype, shape"),
    "metadata not strings": (layout({"__metadata__": {"a": 1}}), r"__metadata__ must map strings to strings"),
    "tree not json": (tree("{"), r"the object tree is not valid \(Expecting property name"),
    "deep tree": (tree("[" * 100000 + "]" * 100000), r"the object tree is not valid \(maximum recursion depth"),
    "unknown node": (tree('{"pickle": "x"}'), r"unknown node 'pickle' in the object tree"),
    "tensor node with other keys": (tree('{"tensor": "x", "code": 1}', {"x": entry()}, b"\0" * 4),
                                    r"unknown node 'tensor' in the object tree"),
    "flag before the tensor": (tree('{"complex": true, "tensor": "x"}', {"x": entry("F64", (2,), (0, 16))},
                                    b"\0" * 16), r"unknown node 'complex' in the object tree"),
    "unknown container": (tree('{"set": [[1, 2]]}'), r"unknown node 'set' in the object tree"),
    "empty node": (tree("[{}]"), r"unexpected node in the object tree: \{\}"),
    "missing tensor": (tree('{"tensor": "nope"}'), r"the object tree refers to a missing tensor 'nope'"),
    "bad pairs": (tree('{"dict": [[1, 2, 3]]}'), r"a dict node must hold \[key, value\] pairs"),
    "unhashable key": (tree('{"dict": [[[1], 2]]}'), r"invalid dict key in the object tree \(unhashable type"),
    "integer requires grad": (tree('{"tensor": "x", "requires_grad": true}', {"x": entry("I64", (), (0, 8))},
                                   b"\0" * 8), r"tensor 'x' of an integer dtype cannot require grad"),
    "complex flag on ints": (tree('{"tensor": "x", "complex": true}', {"x": entry("I64", (2,), (0, 16))},
                                  b"\0" * 16), r"tensor 'x' marked complex is not float64 pairs"),
    "complex flag on odd floats": (tree('{"tensor": "odd", "complex": true}', {"odd": entry("F64", (3,), (0, 24))},
                                        b"\0" * 24), r"tensor 'odd' marked complex is not float64 pairs"),
}


def _refusal(data):
    with pytest.raises(InvalidFileError) as caught:
        load(io.BytesIO(data))
    message = str(caught.value)
    assert message.startswith("chainrule.load: "), message
    return message


@pytest.mark.parametrize("name", LAYOUT)
def test_each_layout_check_fires_on_its_own_forgery(name):
    data, expected = LAYOUT[name]
    message = _refusal(data)
    assert re.search(expected, message), f"{name}: another check fired: {message}"


def test_every_layout_message_is_pinned_by_one_forgery_only():
    """No two forgeries stop at the same check: each check has a forgery that reaches it."""
    messages = {name: _refusal(data) for name, (data, _) in LAYOUT.items()}
    for name, (_, expected) in LAYOUT.items():
        matching = [other for other, message in messages.items() if re.search(expected, message)]
        # a huge shape and a short entry are refused by one check, the entry's size
        assert matching == [name] or set(matching) == {"huge shape", "size mismatch"}, (name, matching)


# ---------------------------------------------------------------- PyTorch's zip checkpoints
def _checkpoint():
    buffer = io.BytesIO()
    torch.save({"w": torch.arange(4.0)}, buffer)
    return buffer.getvalue()


def _rewritten(change=None, add=(), compressed=""):
    """The checkpoint's records rewritten: ``change(name, data)`` gives new data (None drops a record); the
    record named ``compressed`` is deflated."""
    source = zipfile.ZipFile(io.BytesIO(_checkpoint()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = source.read(info)
            if change is not None:
                data = change(info.filename, data)
            if data is not None:
                deflate = info.filename == compressed
                target.writestr(info.filename, data, zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED)
        for name, data in add:
            target.writestr(name, data)
    return out.getvalue()


def _flip_pickle_byte(data):
    raw = bytearray(data)
    start = raw.find(b"archive/data.pkl") + len("archive/data.pkl")
    raw[start + 20] ^= 0xFF  # a byte inside the pickle, after its local header's name
    return bytes(raw)


def _ours():
    """chainrule's archive of two storages: one end record, no zip64 records."""
    buffer = io.BytesIO()
    save({"w": chainrule.arange(4.0), "v": chainrule.ones(2)}, buffer, format="torch")
    return buffer.getvalue()


def _patched(raw, offset, value):
    return raw[:offset] + value + raw[offset + len(value):]


def _central(raw, name):
    """Where the central directory entry of record ``name`` starts (its name's last occurrence, 46 bytes in)."""
    return raw.rindex(name.encode()) - 46


def _end_field(offset, value):
    """Our archive with a field of its end record (``offset`` bytes into it) replaced."""
    raw = _ours()
    return _patched(raw, len(raw) - 22 + offset, value)


def _count_forged(extra):
    """Our archive claiming ``extra`` records more than it holds."""
    raw = _ours()
    (count,) = struct.unpack_from("<H", raw, len(raw) - 12)
    return _patched(raw, len(raw) - 12, struct.pack("<H", count + extra))


def _directory_moved(change):
    raw = _ours()
    (start,) = struct.unpack_from("<I", raw, len(raw) - 6)
    return _patched(raw, len(raw) - 6, struct.pack("<I", start + change))


def _zip64_end_damaged():
    raw = _checkpoint()  # PyTorch always writes the zip64 end records
    (end64,) = struct.unpack_from("<Q", raw, len(raw) - 22 - 20 + 8)
    return _patched(raw, end64, b"PK\x06\x00")


def _central_field(name, offset, value):
    raw = _ours()
    return _patched(raw, _central(raw, name) + offset, value)


def _local_field(name, offset, value):
    raw = _ours()
    return _patched(raw, raw.index(name.encode()) - 30 + offset, value)


def _misplaced_directory_message():
    raw = _ours()
    start, size = struct.unpack_from("<I", raw, len(raw) - 6)[0] - 1, struct.unpack_from("<I", raw, len(raw) - 10)[0]
    return rf"the zip central directory \[{start}, {start + size}\) does not end where its end record starts"


ZIP = {
    "truncated archive": (lambda: _checkpoint()[:-30], r"has no end of central directory"),
    "compressed record": (lambda: _rewritten(compressed="archive/data/0"),
                          r"zip record 'archive/data/0' is compressed"),
    "no data.pkl": (lambda: _rewritten(lambda name, data: None if name.endswith("data.pkl") else data),
                    r"this zip archive is not a PyTorch checkpoint \(no data.pkl\)"),
    "TorchScript": (lambda: _rewritten(add=[("archive/constants.pkl", b"")]), r"this is a TorchScript archive"),
    "unknown byte order": (lambda: _rewritten(lambda name, data: b"middle-endian-ordering" if name.endswith("byteorder")
                                              else data), r"unknown byte order b'middle-endian-orderi'$"),
    "missing storage": (lambda: _rewritten(lambda name, data: None if name.endswith("data/0") else data),
                        r"the checkpoint has no record 'archive/data/0'"),
    "short storage": (lambda: _rewritten(lambda name, data: data[:8] if name.endswith("data/0") else data),
                      r"storage '0' holds 8 bytes but its tensors need 16"),
    "damaged pickle": (lambda: _flip_pickle_byte(_rewritten()), r"zip record 'archive/data.pkl' fails its CRC check"),
    "multi-part": (lambda: _end_field(4, b"\1\0"), r"multi-part zip archives are not supported"),
    "directory misplaced": (lambda: _directory_moved(-1), _misplaced_directory_message),
    "zip64 end damaged": (_zip64_end_damaged, r"the zip64 end record is damaged"),
    "count past the directory": (lambda: _count_forged(100), r"the zip archive claims 108 records in \d+ bytes"),
    "count past the entries": (lambda: _count_forged(1), r"the zip central directory is cut short"),
    "central entry damaged": (lambda: _central_field("archive/version", 0, b"PK\1\0"),
                              r"the zip central directory is damaged"),
    "name not UTF-8": (lambda: _central_field("archive/version", 46, b"\xff"), r"a zip record name is not UTF-8"),
    "record twice": (lambda: _central_field("archive/data/1", 46, b"archive/data/0"),
                     r"the zip archive holds record 'archive/data/0' twice"),
    "record into the directory": (lambda: _central_field("archive/data/0", 20, struct.pack("<II", 10 ** 5, 10 ** 5)),
                                  r"zip record 'archive/data/0' runs into the central directory"),
    "local header damaged": (lambda: _local_field("archive/data/0", 0, b"PK\0\0"),
                             r"the local header of zip record 'archive/data/0' is damaged"),
    "local header outside the file": (lambda: _central_field("archive/data/0", 42, struct.pack("<I", 10 ** 7)),
                                      r"the local header of zip record 'archive/data/0' at bytes \[10000000, "
                                      r"10000030\) lies outside the \d+-byte file"),
}


@pytest.mark.parametrize("name", ZIP)
def test_each_checkpoint_check_fires_on_its_own_forgery(name):
    make, expected = ZIP[name]
    expected = expected() if callable(expected) else expected
    assert load(io.BytesIO(_rewritten()))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]  # the rewriting itself is sound
    message = _refusal(make())
    assert re.search(expected, message), f"{name}: another check fired: {message}"


def test_every_checkpoint_message_is_pinned_by_one_forgery_only():
    messages = {name: _refusal(make()) for name, (make, _) in ZIP.items()}
    for name, (_, expected) in ZIP.items():
        expected = expected() if callable(expected) else expected
        assert [other for other, message in messages.items() if re.search(expected, message)] == [name]


PERSISTENT_IDS = {"a list": (b"K\x04tq\x07Q", b"K\x04lq\x07Q"), "four entries": (b"K\x04tq\x07Q", b"tq\x07Q"),
                  "not a storage": (b"X\x07\x00\x00\x00storage", b"X\x07\x00\x00\x00storagf")}


@pytest.mark.parametrize("name", PERSISTENT_IDS)
def test_a_persistent_id_other_than_a_storage_tuple_is_refused_as_torch_refuses_it(name):
    """Through Python's unpickler (weights_only=False) the pickle reaches the storage lookup itself."""
    old, new = PERSISTENT_IDS[name]
    raw = _rewritten(lambda record, data: data.replace(old, new) if record.endswith("data.pkl") else data)
    with pytest.raises((AssertionError, RuntimeError, ValueError)):
        torch.load(io.BytesIO(raw), weights_only=False)
    with pytest.raises(InvalidFileError, match=r"chainrule.load: unknown persistent id \(?\[?'storag"):
        load(io.BytesIO(raw), weights_only=False)


def _legacy():
    buffer = io.BytesIO()
    torch.save({"w": torch.arange(4.0)}, buffer, _use_new_zipfile_serialization=False)
    return buffer.getvalue()


def test_legacy_storage_keys_that_do_not_match_the_object_are_refused():
    raw = _legacy()
    key = list(re.finditer(rb"X.\x00\x00\x00(\d+)q", raw))[-1]  # in the pickled list of keys, after the object
    last = key.end(1) - 1
    raw = raw[:last] + (b"1" if raw[last:last + 1] != b"1" else b"2") + raw[last + 1:]
    with pytest.raises((AssertionError, KeyError, RuntimeError)):
        torch.load(io.BytesIO(raw))
    with pytest.raises(InvalidFileError, match="the storage keys of this legacy checkpoint do not match its object"):
        load(io.BytesIO(raw))


@pytest.mark.parametrize("damage", ["truncated", "count"])
def test_a_legacy_storage_cut_short_or_mislabelled_is_refused(damage):
    raw = _legacy()
    assert raw[-24:-16] == struct.pack("<Q", 4)  # the storage's element count, then its 16 bytes
    raw = raw[:-1] if damage == "truncated" else raw[:-24] + struct.pack("<Q", 5) + raw[-16:]
    with pytest.raises(InvalidFileError, match=r"storage '\d+' of this legacy checkpoint is cut short or mislabelled"):
        load(io.BytesIO(raw))


def test_legacy_storage_keys_named_twice_are_refused():
    raw = _legacy()
    assert raw.endswith(b"q\x01a." + raw[-24:])  # the list of keys: [key], then the storage
    raw = raw[:-24 - 1] + b"h\x01a" + raw[-24 - 1:]  # append the key again: [key, key]
    with pytest.raises(InvalidFileError, match="the storage keys of this legacy checkpoint do not match its object"):
        load(io.BytesIO(raw))


def test_a_record_marked_compressed_is_refused_even_with_equal_sizes():
    raw = _central_field("archive/data/0", 10, b"\x08\x00")  # method 8 (deflate), sizes left equal
    assert load(io.BytesIO(_ours()))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(InvalidFileError, match="zip record 'archive/data/0' is compressed"):
        load(io.BytesIO(raw))


def test_a_legacy_storage_view_is_refused():
    """A sixth entry in a storage's persistent id (a view, in checkpoints before 1.6) is not supported."""
    raw = _rewritten(lambda record, data: data.replace(b"K\x04tq\x07Q", b"K\x04K\x00tq\x07Q")
                     if record.endswith("data.pkl") else data)
    with pytest.raises((AssertionError, RuntimeError, ValueError)):
        torch.load(io.BytesIO(raw), weights_only=False)
    with pytest.raises(InvalidFileError, match="storage views of legacy checkpoints are not supported"):
        load(io.BytesIO(raw), weights_only=False)


@pytest.mark.parametrize("weights_only", [True, False])
def test_a_storage_in_a_legacy_header_is_refused(weights_only):
    raw = _legacy()
    magic = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."
    assert raw.startswith(magic)
    raw = b"\x80\x02X\x07\x00\x00\x00storage\x85Q." + raw[len(magic):]  # a persistent id for the magic number
    with pytest.raises(InvalidFileError, match="chainrule.load: a storage where none may be"):
        load(io.BytesIO(raw), weights_only=weights_only)


def _rebuilt(archive, comment=b"", extra=b""):
    """``archive``'s records written again by Python's zipfile, each with ``comment`` and ``extra``."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            record = zipfile.ZipInfo(info.filename, info.date_time)
            record.comment, record.extra = comment, extra
            target.writestr(record, source.read(info))
    return out.getvalue()


@pytest.mark.parametrize("fields", [{"comment": b"a comment"}, {"extra": b"abc"},
                                    {"extra": b"\x99\x99\x02\x00xyabc"}],
                         ids=["record comments", "an extra field too short for a header", "a field, then three bytes"])
def test_archives_torch_reads_despite_unusual_directory_entries_load(fields):
    raw = _rebuilt(_checkpoint(), **fields)
    assert torch.load(io.BytesIO(raw))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert load(io.BytesIO(raw))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_an_archive_of_two_checkpoints_is_refused_as_torch_refuses_it():
    def checkpoint(value, prefix):
        buffer = io.BytesIO()
        torch.save({"w": torch.tensor([value])}, buffer)
        source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
        return [(prefix + info.filename.split("/", 1)[1], source.read(info)) for info in source.infolist()]

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for name, data in checkpoint(1.0, "first/") + checkpoint(2.0, "second/"):
            target.writestr(name, data)
    with pytest.raises(RuntimeError, match="not in a subdirectory first/: second/"):
        torch.load(io.BytesIO(out.getvalue()))
    with pytest.raises(InvalidFileError, match="zip record 'second/.*' is not in the folder 'first/' of the archive"):
        load(io.BytesIO(out.getvalue()))


def test_a_zip64_value_for_a_field_not_marked_is_ignored_as_torch_ignores_it():
    raw = _rebuilt(_checkpoint(), extra=struct.pack("<HHQ", 1, 8, 12345))  # a zip64 field, yet no field is 0xFFFFFFFF
    assert torch.load(io.BytesIO(raw))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert load(io.BytesIO(raw))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_a_storage_of_2_to_the_62_elements_is_refused():
    numel = b"\x8a\x08" + (2 ** 62).to_bytes(8, "little")  # LONG1: the storage's element count
    raw = _rewritten(lambda record, data: data.replace(b"K\x04tq\x07Q", numel + b"tq\x07Q")
                     if record.endswith("data.pkl") else data)
    with pytest.raises(InvalidFileError, match=r"malformed storage id \('storage', .*4611686018427387904\)"):
        load(io.BytesIO(raw), weights_only=False)


def _storage_id_forged(new):
    """PyTorch's checkpoint with its storage's persistent id changed from ``(..., '0', 'cpu', 4)``."""
    return _rewritten(lambda record, data: data.replace(b"X\x01\x00\x00\x000q\x05X\x03\x00\x00\x00cpuq\x06K\x04tq\x07Q",
                                                        new) if record.endswith("data.pkl") else data)


def test_an_integer_storage_key_names_its_record_as_in_torch():
    raw = _storage_id_forged(b"K\x00q\x05X\x03\x00\x00\x00cpuq\x06K\x04tq\x07Q")  # key 0, not '0'
    assert torch.load(io.BytesIO(raw))["w"].tolist() == load(io.BytesIO(raw))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("key, numel, expected", [
    (b"N", b"K\x04", r"malformed storage id \('storage', StorageType\(dtype=float32\), None, 'cpu', 4\)"),
    (b"X\x01\x00\x00\x000", b"J\xff\xff\xff\xff", r"malformed storage id \(.*'cpu', -1\)"),
    (b"X\x01\x00\x00\x000", b"\x8a\x08" + (2 ** 61).to_bytes(8, "little"),
     r"storage '0' holds 16 bytes but its tensors need 9223372036854775808$")],
    ids=["key None", "count -1", "count 2**61"])
def test_a_storage_id_with_a_bad_key_or_count_is_refused(key, numel, expected):
    raw = _storage_id_forged(key + b"q\x05X\x03\x00\x00\x00cpuq\x06" + numel + b"tq\x07Q")
    with pytest.raises((RuntimeError, TypeError)):
        torch.load(io.BytesIO(raw), weights_only=False)
    with pytest.raises(InvalidFileError, match=expected):
        load(io.BytesIO(raw), weights_only=False)


def test_a_legacy_checkpoint_that_does_not_state_its_byte_order_is_read_little_endian_as_torch_reads_it():
    raw = _legacy().replace(b"little_endianq", b"little_endiaNq", 1)  # the key gone, its length kept
    assert torch.load(io.BytesIO(raw))["w"].tolist() == load(io.BytesIO(raw))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_a_zip64_field_holding_more_values_than_it_needs_is_read_as_torch_reads_it():
    raw = _rebuilt(_checkpoint(), extra=struct.pack("<HH7Q", 1, 56, *range(7)))  # seven values, none needed
    assert torch.load(io.BytesIO(raw))["w"].tolist() == load(io.BytesIO(raw))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_a_dimension_just_under_2_to_the_63_beside_a_zero_loads():
    loaded = load(io.BytesIO(layout({"x": entry("U8", (0, 2 ** 63 - 1), (0, 0))})))["x"]
    assert loaded.shape == (0, 2 ** 63 - 1) and loaded.dtype == chainrule.uint8
