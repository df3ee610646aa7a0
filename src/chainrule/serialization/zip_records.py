"""The zip container of PyTorch checkpoints: named records, stored uncompressed.

``torch.save`` writes a zip archive whose records are ``<archive>/data.pkl`` (the pickled object),
``<archive>/data/<key>`` (one per storage) and a few small markers. Record data starts on 64-byte
boundaries, so a mapped file gives aligned tensors. This module reads and writes that container and
nothing else: it checks every offset and size against the file before reading, accepts only stored
(uncompressed) records, and never holds more than one record in memory. Archives of 4 GiB and more
use the zip64 extensions.
"""

import struct
import time
import zlib

from .errors import InvalidFileError

__all__ = ["ZipWriter", "ZipReader", "ALIGNMENT"]

ALIGNMENT = 64
_LOCAL = struct.Struct("<IHHHHHIIIHH")  # signature, version, flags, method, time, date, crc, sizes, name, extra
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_LOCAL_SIGNATURE, _CENTRAL_SIGNATURE, _END_SIGNATURE = 0x04034B50, 0x02014B50, 0x06054B50
_END64_SIGNATURE, _LOCATOR64_SIGNATURE = 0x06064B50, 0x07064B50
_UTF8_NAMES = 0x0800
_LIMIT32, _LIMIT16 = 0xFFFFFFFF, 0xFFFF
_ZIP64_TAG, _PADDING_TAG = 0x0001, 0x4246


def _dos_time():
    now = time.localtime()
    return ((now.tm_hour << 11) | (now.tm_min << 5) | (now.tm_sec // 2),
            ((max(now.tm_year, 1980) - 1980) << 9) | (now.tm_mon << 5) | now.tm_mday)


class ZipWriter:
    """Writes stored records to a binary stream, each one's data aligned to ``ALIGNMENT`` bytes."""

    zip64_threshold = _LIMIT32  # sizes and offsets from here on use zip64 fields (lowered in tests)

    def __init__(self, stream):
        self.stream = stream
        self.offset = 0
        self.central = []
        self.time, self.date = _dos_time()

    def _write(self, data):
        self.stream.write(data)
        self.offset += len(data)

    def write_record(self, name, data):
        """One record holding ``data`` (bytes, or a C-contiguous array's memory)."""
        data = memoryview(data).cast("B")
        size, crc, offset = len(data), zlib.crc32(data), self.offset
        encoded = name.encode("utf-8")
        big = size >= self.zip64_threshold
        extra = struct.pack("<HHQQ", _ZIP64_TAG, 16, size, size) if big else b""
        unpadded = offset + _LOCAL.size + len(encoded) + len(extra) + 4
        padding = -unpadded % ALIGNMENT
        extra += struct.pack("<HH", _PADDING_TAG, padding) + b"Z" * padding
        stored_size = _LIMIT32 if big else size
        self._write(_LOCAL.pack(_LOCAL_SIGNATURE, 45 if big else 20, _UTF8_NAMES, 0, self.time, self.date, crc,
                                stored_size, stored_size, len(encoded), len(extra)) + encoded + extra)
        self._write(data)
        self.central.append((encoded, size, crc, offset))

    def close(self):
        """Write the central directory and its end records."""
        start = self.offset
        for encoded, size, crc, offset in self.central:
            fields = [value for value in (size, size, offset) if value >= self.zip64_threshold]
            # zip64 extra: the uncompressed size, compressed size and offset, each only when it overflows
            extra = struct.pack(f"<HH{len(fields)}Q", _ZIP64_TAG, 8 * len(fields), *fields) if fields else b""
            clip = [_LIMIT32 if value >= self.zip64_threshold else value for value in (size, offset)]
            self._write(_CENTRAL.pack(_CENTRAL_SIGNATURE, 0x031E, 45 if fields else 20, _UTF8_NAMES, 0, self.time,
                                      self.date, crc, clip[0], clip[0], len(encoded), len(extra), 0, 0, 0, 0, clip[1])
                        + encoded + extra)
        size, count = self.offset - start, len(self.central)
        if count >= min(_LIMIT16, self.zip64_threshold) or max(start, size) >= self.zip64_threshold:
            end64 = self.offset
            self._write(_END64.pack(_END64_SIGNATURE, 44, 0x031E, 45, 0, 0, count, count, size, start))
            self._write(_LOCATOR64.pack(_LOCATOR64_SIGNATURE, 0, end64, 1))
            count, size, start = _LIMIT16, _LIMIT32, _LIMIT32  # "see the zip64 record"
        self._write(_END.pack(_END_SIGNATURE, 0, 0, count, count, size, start, 0))


class ZipReader:
    """The records of a zip archive read from a ``files.Source``: ``names``, ``read(name)`` for small records,
    and ``locate(name)`` (offset and size of the data) for tensor storages."""

    def __init__(self, source):
        self.source = source
        self.records = {}
        self.directory_start, size, count = self._find_directory()
        self._read_directory(self.directory_start, size, count)

    def _find_directory(self):
        """(offset, size, entry count) of the central directory, from the end records."""
        file_size = self.source.size
        tail_start = max(0, file_size - (_END.size + _LIMIT16))
        tail = self.source.read(tail_start, file_size - tail_start, "the end of the zip archive")
        position = len(tail)
        while True:  # the last end record whose comment runs exactly to the end of the file
            position = tail.rfind(b"PK\x05\x06", 0, position)
            if position < 0:
                raise InvalidFileError("chainrule.load: the zip archive has no end of central directory (truncated "
                                       "or not a PyTorch checkpoint)")
            if position + _END.size <= len(tail) and \
                    position + _END.size + struct.unpack_from("<H", tail, position + 20)[0] == len(tail):
                break
        end = tail_start + position
        _, disk, _, _, count, size, start, _ = _END.unpack_from(tail, position)
        if disk != 0:
            raise InvalidFileError("chainrule.load: multi-part zip archives are not supported")
        directory_end = end
        # a zip64 end record and its locator, when present, come right before the end record and are
        # authoritative (PyTorch always writes them)
        if end >= _END64.size + _LOCATOR64.size:
            signature, _, end64, _ = _LOCATOR64.unpack(self.source.read(end - _LOCATOR64.size, _LOCATOR64.size))
            if signature == _LOCATOR64_SIGNATURE:
                record = self.source.read(end64, _END64.size, "the zip64 end record")
                signature, _, _, _, _, _, _, count, size, start = _END64.unpack(record)
                if signature != _END64_SIGNATURE:
                    raise InvalidFileError("chainrule.load: the zip64 end record is damaged")
                directory_end = end64
        if start + size != directory_end:
            raise InvalidFileError(f"chainrule.load: the zip central directory [{start}, {start + size}) does not end "
                                   f"where its end record starts ({directory_end}): truncated or damaged archive")
        if count > size // _CENTRAL.size:
            raise InvalidFileError(f"chainrule.load: the zip archive claims {count} records in {size} bytes")
        return start, size, count

    def _read_directory(self, start, size, count):
        directory = self.source.read(start, size, "the zip central directory")
        position = 0
        for _ in range(count):
            if position + _CENTRAL.size > size:
                raise InvalidFileError("chainrule.load: the zip central directory is cut short")
            fields = _CENTRAL.unpack_from(directory, position)
            signature, method, crc = fields[0], fields[4], fields[7]
            compressed, uncompressed, name_length, extra_length, comment_length = fields[8:13]
            offset = fields[16]
            body = position + _CENTRAL.size
            position = body + name_length + extra_length + comment_length
            if signature != _CENTRAL_SIGNATURE or position > size:
                raise InvalidFileError("chainrule.load: the zip central directory is damaged")
            try:
                name = directory[body:body + name_length].decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidFileError("chainrule.load: a zip record name is not UTF-8") from None
            extra = directory[body + name_length:body + name_length + extra_length]
            uncompressed, compressed, offset = _apply_zip64(extra, uncompressed, compressed, offset)
            if name in self.records:
                raise InvalidFileError(f"chainrule.load: the zip archive holds record {name!r} twice")
            self.records[name] = (offset, uncompressed, crc, method == 0 and compressed == uncompressed)

    @property
    def names(self):
        return list(self.records)

    def locate(self, name):
        """(offset of the data, size) of record ``name``, read from its local header."""
        if name not in self.records:
            raise InvalidFileError(f"chainrule.load: the checkpoint has no record {name!r}")
        offset, size, _, stored = self.records[name]
        if not stored:
            raise InvalidFileError(f"chainrule.load: zip record {name!r} is compressed; PyTorch checkpoints store "
                                   "records uncompressed")
        header = self.source.read(offset, _LOCAL.size, f"the local header of zip record {name!r}")
        fields = _LOCAL.unpack(header)
        if fields[0] != _LOCAL_SIGNATURE:
            raise InvalidFileError(f"chainrule.load: the local header of zip record {name!r} is damaged")
        data = offset + _LOCAL.size + fields[9] + fields[10]
        if data + size > self.directory_start:
            raise InvalidFileError(f"chainrule.load: zip record {name!r} runs into the central directory")
        return data, size

    def read(self, name):
        """The bytes of a small record, checked against its CRC."""
        data, size = self.locate(name)
        content = self.source.read(data, size, f"zip record {name!r}")
        if zlib.crc32(content) != self.records[name][2]:
            raise InvalidFileError(f"chainrule.load: zip record {name!r} fails its CRC check (damaged file)")
        return content


def _apply_zip64(extra, uncompressed, compressed, offset):
    """The sizes and offset with the zip64 extra field's values put in place of the 0xFFFFFFFF markers."""
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4:position + 4 + length]
        position += 4 + length
        if tag != _ZIP64_TAG:
            continue
        values = list(struct.unpack_from(f"<{len(body) // 8}Q", body))
        if uncompressed == _LIMIT32 and values:
            uncompressed = values.pop(0)
        if compressed == _LIMIT32 and values:
            compressed = values.pop(0)
        if offset == _LIMIT32 and values:
            offset = values.pop(0)
    return uncompressed, compressed, offset
