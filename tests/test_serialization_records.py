"""The zip container of ``format="torch"`` byte by byte: every field of the local headers, the central
directory and the end records against the zip specification (PKWARE's APPNOTE.TXT, sections 4.3 and 4.5),
the records' names, order, markers and 64-byte alignment against what torch.save writes, the zip64
switch exactly at its thresholds, and the reader's checks exactly at their limits. A zip reader ignores
most of these fields (versions, flags, timestamps, padding), so only reading the bytes pins them."""

import io
import struct
import time
import zipfile
import zlib

import pytest
import torch

import chainrule
from chainrule.serialization import InvalidFileError, load, save, zip_records
from chainrule.serialization.files import Source
from chainrule.serialization.zip_records import ZipReader, ZipWriter

LOCAL = struct.Struct("<IHHHHHIIIHH")
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")
END64 = struct.Struct("<IQHHIIQQQQ")
LOCATOR64 = struct.Struct("<IIQI")
MADE_BY = 0x031E  # version made by: 3 (Unix) in the high byte, specification 3.0 in the low byte
UTF8 = 0x0800  # general purpose bit 11: names are UTF-8
FIXED_NOW = time.struct_time((2026, 12, 7, 13, 45, 59, 0, 341, 0))
# MS-DOS time and date of FIXED_NOW: hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day
DOS_TIME, DOS_DATE = 13 * 2048 + 45 * 32 + 29, 46 * 512 + 12 * 32 + 7


def parse(raw):
    """The archive read with struct alone, from its end record back: the end records and, per record, its
    central entry, name, central extra field, local header, local extra field and where its data starts."""
    end = END.unpack_from(raw, len(raw) - END.size)
    parsed = {"end": end, "end64": None, "locator": None, "records": []}
    count, size, start = end[4], end[5], end[6]
    if count == 0xFFFF:
        locator_at = len(raw) - END.size - LOCATOR64.size
        parsed["locator"] = LOCATOR64.unpack_from(raw, locator_at)
        parsed["end64"] = END64.unpack_from(raw, parsed["locator"][2])
        assert parsed["locator"][2] + END64.size == locator_at
        count, size, start = parsed["end64"][7:10]
    position = start
    for _ in range(count):
        central = CENTRAL.unpack_from(raw, position)
        name_end = position + CENTRAL.size + central[10]
        name = raw[position + CENTRAL.size:name_end].decode()
        central_extra = raw[name_end:name_end + central[11]]
        position = name_end + central[11] + central[12]
        offset = central[16] if central[16] != 0xFFFFFFFF else struct.unpack("<Q", central_extra[-8:])[0]
        local = LOCAL.unpack_from(raw, offset)
        extra_at = offset + LOCAL.size + local[9]
        local_extra = raw[extra_at:extra_at + local[10]]
        parsed["records"].append({"name": name, "central": central, "central_extra": central_extra, "local": local,
                                  "local_extra": local_extra, "offset": offset, "data": extra_at + local[10]})
    assert position == start + size
    return parsed


def padding_of(extra):
    """The length of the padding that ends the extra field ``extra``: a field tagged 0x4246 ("FB") filled with
    "Z", after any others."""
    fields = []
    while extra:
        tag, length = struct.unpack_from("<HH", extra)
        fields.append((tag, extra[4:4 + length]))
        extra = extra[4 + length:]
    tag, body = fields[-1]
    assert tag == 0x4246 and body == b"Z" * len(body) and 0x4246 not in [tag for tag, _ in fields[:-1]]
    return len(body)


def state(lib):
    return {"w": lib.arange(4.0), "i": lib.arange(3), "h": lib.ones(5, dtype=lib.float16)}


def chainrule_archive(monkeypatch):
    monkeypatch.setattr(zip_records.time, "localtime", lambda *seconds: FIXED_NOW)
    buffer = io.BytesIO()
    save(state(chainrule), buffer, format="torch")
    return buffer.getvalue()


# ------------------------------------------------------------------------- the records as torch.save writes them
def test_the_records_have_torchs_names_order_and_markers():
    buffer = io.BytesIO()
    save(state(chainrule), buffer, format="torch")
    ours, theirs = zipfile.ZipFile(buffer), zipfile.ZipFile(io.BytesIO(torch_bytes(state(torch))))
    assert ours.namelist() == theirs.namelist() == [
        "archive/data.pkl", "archive/.format_version", "archive/.storage_alignment", "archive/byteorder",
        "archive/data/0", "archive/data/1", "archive/data/2", "archive/version", "archive/.data/serialization_id"]
    for name in ours.namelist():
        if not name.endswith(("data.pkl", "serialization_id")):
            assert ours.read(name) == theirs.read(name), name
    for archive in (ours, theirs):
        identity = archive.read("archive/.data/serialization_id")
        assert len(identity) == 40 and identity.isdigit()
        assert archive.testzip() is None


def torch_bytes(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def test_each_records_data_starts_on_a_64_byte_boundary_after_the_shortest_padding_as_in_torch(monkeypatch):
    for raw in (chainrule_archive(monkeypatch), torch_bytes(state(torch))):
        for record in parse(raw)["records"]:
            assert record["data"] % 64 == 0, record["name"]
            assert padding_of(record["local_extra"]) < 64  # never a whole 64 bytes more than needed


def test_local_headers_hold_the_specifications_fields(monkeypatch):
    raw = chainrule_archive(monkeypatch)
    archive = zipfile.ZipFile(io.BytesIO(raw))
    following = 0
    for record in parse(raw)["records"]:
        content = archive.read(record["name"])
        assert record["offset"] == following  # records back to back from the start of the file
        assert record["local"] == (0x04034B50, 20, UTF8, 0, DOS_TIME, DOS_DATE, zlib.crc32(content), len(content),
                                   len(content), len(record["name"].encode()), len(record["local_extra"]))
        assert len(record["local_extra"]) == 4 + padding_of(record["local_extra"])  # padding and nothing else
        assert raw[record["data"]:record["data"] + len(content)] == content
        following = record["data"] + len(content)


def test_the_central_directory_and_end_record_hold_the_specifications_fields(monkeypatch):
    raw = chainrule_archive(monkeypatch)
    archive = zipfile.ZipFile(io.BytesIO(raw))
    parsed = parse(raw)
    start = parsed["records"][-1]["data"] + archive.getinfo(parsed["records"][-1]["name"]).file_size
    for record in parsed["records"]:
        content = archive.read(record["name"])
        assert record["central"] == (0x02014B50, MADE_BY, 20, UTF8, 0, DOS_TIME, DOS_DATE, zlib.crc32(content),
                                     len(content), len(content), len(record["name"].encode()), 0, 0, 0, 0, 0,
                                     record["offset"])
    assert parsed["end"] == (0x06054B50, 0, 0, 9, 9, len(raw) - END.size - start, start, 0)
    assert b"PK\x06\x06" not in raw[start:] and b"PK\x06\x07" not in raw[start:]  # no zip64 records
    assert [info.date_time for info in archive.infolist()] == [(2026, 12, 7, 13, 45, 58)] * 9


def test_a_clock_before_1980_is_written_as_1980(monkeypatch):
    """The DOS date counts years from 1980; an earlier clock keeps its month and day."""
    monkeypatch.setattr(zip_records.time, "localtime",
                        lambda *seconds: time.struct_time((1975, 6, 15, 8, 30, 10, 6, 166, 0)))
    buffer = io.BytesIO()
    writer = ZipWriter(buffer)
    writer.write_record("a", b"x")
    writer.close()
    assert zipfile.ZipFile(buffer).getinfo("a").date_time == (1980, 6, 15, 8, 30, 10)


# ------------------------------------------------------------------------- zip64, exactly at its thresholds
def written(records, threshold=0xFFFFFFFF):
    """An archive of ``records`` ((name, size) pairs, contents made up) written with a lowered zip64 threshold,
    and the contents."""
    buffer = io.BytesIO()
    writer = ZipWriter(buffer)
    writer.zip64_threshold = threshold
    contents = {}
    for name, size in records:
        contents[name] = bytes(i * 7 % 251 for i in range(size))
        writer.write_record(name, contents[name])
    writer.close()
    return buffer.getvalue(), contents


def read_back(raw, contents):
    """Python's zipfile and chainrule's reader both find each record's bytes."""
    archive = zipfile.ZipFile(io.BytesIO(raw))
    reader = ZipReader(Source(raw))
    assert archive.namelist() == reader.names == list(contents)
    for name, content in contents.items():
        assert archive.read(name) == content and reader.read(name) == content
        assert reader.locate(name) == (zipfile_data_offset(raw, archive.getinfo(name)), len(content))


def zipfile_data_offset(raw, info):
    name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
    return info.header_offset + LOCAL.size + name_length + extra_length


@pytest.mark.parametrize("size, big", [(999, False), (1000, True)])
def test_a_record_of_the_threshold_size_gets_zip64_sizes_in_both_headers(size, big):
    raw, contents = written([("a", size)], threshold=1000)
    read_back(raw, contents)
    (record,) = parse(raw)["records"]
    stored = 0xFFFFFFFF if big else size
    assert record["local"][1] == (45 if big else 20) and record["local"][7:9] == (stored, stored)
    assert record["central"][2] == (45 if big else 20) and record["central"][8:10] == (stored, stored)
    zip64 = struct.pack("<HHQQ", 1, 16, size, size) if big else b""
    assert record["local_extra"] == zip64 + record["local_extra"][len(zip64):]
    assert record["local_extra"][len(zip64):len(zip64) + 2] == b"FB"
    assert record["central_extra"] == zip64
    data_start = zipfile_data_offset(raw, zipfile.ZipFile(io.BytesIO(raw)).getinfo("a"))
    assert data_start % 64 == 0 and len(record["local_extra"]) - len(zip64) - 4 < 64  # aligned after the zip64 field


@pytest.mark.parametrize("first_size, big", [(935, False), (936, True)])
def test_a_record_at_the_threshold_offset_gets_a_zip64_offset_in_the_directory(first_size, big):
    # "a" has its data at 64, so "b" starts at 64 + first_size: 999 or exactly 1000
    raw, contents = written([("a", first_size), ("b", 10)], threshold=1000)
    read_back(raw, contents)
    record = parse(raw)["records"][1]
    assert record["offset"] == 64 + first_size
    assert record["local"][1] == 20 and record["central"][2] == (45 if big else 20)
    assert record["central"][16] == (0xFFFFFFFF if big else record["offset"])
    assert record["central_extra"] == (struct.pack("<HHQ", 1, 8, 1000) if big else b"")
    assert record["central"][8:10] == (10, 10)


def assert_zip64_end(raw, count):
    parsed = parse(raw)
    start, size = parsed["end64"][9], parsed["end64"][8]
    end64_at = start + size
    assert parsed["end64"] == (0x06064B50, 44, MADE_BY, 45, 0, 0, count, count, size, start)
    assert parsed["locator"] == (0x07064B50, 0, end64_at, 1)
    assert parsed["end"] == (0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    assert len(raw) == end64_at + END64.size + LOCATOR64.size + END.size


@pytest.mark.parametrize("size, big", [(935, False), (936, True)])
def test_a_central_directory_at_the_threshold_offset_gets_zip64_end_records(size, big):
    raw, contents = written([("a", size)], threshold=1000)  # the directory starts at 64 + size
    read_back(raw, contents)
    if big:
        assert_zip64_end(raw, 1)
    else:
        assert parse(raw)["end"] == (0x06054B50, 0, 0, 1, 1, 47, 999, 0)
        assert len(raw) == 999 + 47 + END.size


@pytest.mark.parametrize("threshold, big", [(761, False), (760, True)])
def test_a_central_directory_of_the_threshold_size_gets_zip64_end_records(threshold, big):
    # 30-letter names need no padding: 64-byte local headers, 76-byte central entries; ten of them take 760
    raw, contents = written([(f"{i}".rjust(30, "n"), 0) for i in range(10)], threshold=threshold)
    read_back(raw, contents)
    if big:
        assert_zip64_end(raw, 10)
    else:
        assert parse(raw)["end"] == (0x06054B50, 0, 0, 10, 10, 760, 640, 0)


@pytest.mark.parametrize("count, big", [(65534, False), (65535, True)])
def test_65535_records_get_zip64_end_records(count, big):
    """0xFFFF in the end record's counts means "see the zip64 record", so 65,535 records need one."""
    buffer = io.BytesIO()
    writer = ZipWriter(buffer)
    for i in range(count):
        writer.write_record(str(i), b"")
    writer.close()
    raw = buffer.getvalue()
    if big:
        assert_zip64_end(raw, count)
    else:
        assert END.unpack_from(raw, len(raw) - END.size)[3:5] == (count, count)
        assert b"PK\x06\x07" not in raw[-END.size - LOCATOR64.size:]
    assert len(ZipReader(Source(raw)).names) == len(zipfile.ZipFile(io.BytesIO(raw)).namelist()) == count


def test_torch_reads_zip64_archives_of_records_and_offsets_past_the_threshold(monkeypatch):
    monkeypatch.setattr(ZipWriter, "zip64_threshold", 200)
    tensors = {"small": chainrule.arange(3.0), "big": chainrule.arange(60.0), "after": chainrule.ones(2)}
    buffer = io.BytesIO()
    save(tensors, buffer, format="torch")
    theirs, ours = torch.load(io.BytesIO(buffer.getvalue())), load(io.BytesIO(buffer.getvalue()))
    for name, tensor in tensors.items():
        assert theirs[name].tolist() == ours[name].tolist() == tensor.tolist()


# ------------------------------------------------------------------------- the reader at its limits
def archive_with_comment(comment):
    source = zipfile.ZipFile(io.BytesIO(torch_bytes({"w": torch.arange(4.0)})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, source.read(name))
        archive.comment = comment
    return buffer.getvalue()


@pytest.mark.parametrize("comment", [b"x" * 65535, b"PK\x05\x06" + b"\0" * 30, b"x" * 100 + b"PK\x05\x06" + b"\0" * 4],
                         ids=["longest", "end signature inside", "end signature near the end"])
def test_the_end_record_is_found_behind_any_comment(comment):
    """The end record is the last one whose comment runs exactly to the end of the file, searched within the
    longest comment's reach."""
    assert load(io.BytesIO(archive_with_comment(comment)))["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_an_empty_archive_is_no_checkpoint():
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    with pytest.raises(InvalidFileError, match=r"not a PyTorch checkpoint \(no data.pkl\)"):
        load(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("name", ["a", ""])
def test_the_smallest_central_entries_are_read(name):
    """A one-letter name fills the directory to exactly one entry per 46 bytes plus one; an empty name ends
    the directory exactly where its last entry's fixed fields end."""
    raw, contents = written([(name, 3)])
    assert ZipReader(Source(raw)).names == [name] and ZipReader(Source(raw)).read(name) == contents[name]


@pytest.mark.parametrize("extra", [0, 1])
def test_a_record_may_end_exactly_where_the_central_directory_starts_and_no_further(extra):
    raw, contents = written([("a", 5), ("b", 3)])
    central_b = raw.rindex(b"b") - 46
    raw = raw[:central_b + 20] + struct.pack("<II", 3 + extra, 3 + extra) + raw[central_b + 28:]
    reader = ZipReader(Source(raw))
    if extra:
        with pytest.raises(InvalidFileError, match="zip record 'b' runs into the central directory"):
            reader.locate("b")
    else:
        assert reader.read("b") == contents["b"]


@pytest.mark.parametrize("threshold", [0xFFFFFFFF, 0], ids=["plain", "zip64"])
def test_an_archive_of_no_records_reads(threshold):
    """With zip64 end records, the smallest archive has them at its very start."""
    raw, _ = written([], threshold)
    assert len(raw) == (END64.size + LOCATOR64.size if threshold == 0 else 0) + END.size
    assert ZipReader(Source(raw)).names == [] and zipfile.ZipFile(io.BytesIO(raw)).namelist() == []


@pytest.mark.parametrize("name", ["a", ""])
def test_a_count_past_what_the_directory_can_hold_is_refused_before_reading_it(name):
    raw, _ = written([(name, 3)])
    raw = raw[:-14] + struct.pack("<HH", 2, 2) + raw[-10:]  # 2 records claimed in 47 or 46 bytes
    with pytest.raises(InvalidFileError, match=f"the zip archive claims 2 records in {46 + len(name)} bytes"):
        ZipReader(Source(raw))


@pytest.mark.parametrize("before", [b"", struct.pack("<HH", 0x5455, 5) + b"\1" * 5, struct.pack("<HH", 0x9999, 0)],
                         ids=["alone", "after a timestamp field", "after an empty field"])
def test_the_zip64_field_is_found_among_other_extra_fields(before):
    extra = before + struct.pack("<HHQQ", 1, 16, 2 ** 33, 2 ** 34) + struct.pack("<HH", 0x4246, 2) + b"ZZ"
    assert zip_records._apply_zip64(extra, 0xFFFFFFFF, 10, 0xFFFFFFFF) == (2 ** 33, 10, 2 ** 34)
    assert zip_records._apply_zip64(extra, 0xFFFFFFFF, 0xFFFFFFFF, 7) == (2 ** 33, 2 ** 34, 7)
