"""Fluss KV record bytes and CRC-32C, written here from the formats (never by calling the
bridge), so a scenario can recognise a batch in the test server's batch log: its `records=`
field is the CRC-32C of the batch's bytes after the 28-byte header, i.e. of its KvRecords.

  CRC-32C      Castagnoli, reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF
               (shared/docs/fluss-protocol.md §9.1; check value of "123456789" 0xE3069283)
  KvRecord     int32 LE length of what follows, varint32 key length, key, value row (none
               for a delete) (§9.2)
  CompactedRow null bitmap of ceil(n/8) bytes (bit i = column i null), then each non-null
               field: INT varint32 / BIGINT varint64 of the two's complement, STRING varint32
               length + UTF-8, DOUBLE 8 bytes LE, ... (§6.2)
check() runs the vectors of the fact sheet (§9.1 check value, the §9.4 batch CRC).
"""
import struct

from .table import encode_key_field, varint

_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def field(kind, v):
    """One non-null CompactedRow field; keys use the same encodings (table.encode_key_field)."""
    if kind == "double":
        return struct.pack("<d", v)
    if kind == "float":
        return struct.pack("<f", v)
    return encode_key_field(kind, v)


def row(table, values):
    """The CompactedRow of `values` (column -> value, missing = null) for a kfbe2e Table."""
    n = len(table.columns)
    bitmap = bytearray((n + 7) // 8)
    body = b""
    for i, c in enumerate(table.columns):
        v = values.get(c.name)
        if v is None:
            bitmap[i >> 3] |= 1 << (i & 7)
        else:
            body += field(c.kind, v)
    return bytes(bitmap) + body


def kv_record(key, value_row):
    rest = varint(len(key)) + key + (value_row or b"")
    return struct.pack("<i", len(rest)) + rest


def records_crc(records):
    """What the batch log prints as records= for a batch holding these KvRecords."""
    return "%08x" % crc32c(b"".join(records))


def check():
    bad = []
    if crc32c(b"123456789") != 0xE3069283:
        bad.append(("crc32c check value", hex(crc32c(b"123456789"))))
    batch = bytes.fromhex("28000000 00 d69d42f1 0100 00 0700000000000000 00000000 02000000"
                          " 06000000 01 01 00 01 01 61 02000000 01 02".replace(" ", ""))
    if crc32c(batch[9:]) != 0xF1429DD6:
        bad.append(("§9.4 batch crc", hex(crc32c(batch[9:]))))
    return bad
