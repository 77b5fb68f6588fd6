"""Kafka messages as kafka-mock's record lines, and Confluent-framed Avro written by
python3-avro (an implementation independent of the bridge's C encoder).

Record line (tests/support/kafka_mock_cmd.h):
    PARTITION KEY VALUE [HNAME=HEX ...] [@OFFSET [TIMESTAMP]]
KEY/VALUE/header values: hex, "-" for null, "" for empty; header names %XX-escaped.
Confluent framing: magic byte 0, schema id as 4 bytes big-endian, then the Avro binary body
(docs.confluent.io "Wire format"; the bridge's reader is src/confluent.c).
"""
import io
import json
import struct

import avro.io
import avro.schema


class Message:
    __slots__ = ("partition", "key", "value", "headers", "offset", "timestamp", "meta")

    def __init__(self, partition, key, value, headers=(), offset=None, timestamp=None, meta=None):
        self.partition = partition
        self.key = key            # bytes or None
        self.value = value        # bytes or None (tombstone)
        self.headers = list(headers)  # [(name str, bytes or None)]
        self.offset = offset
        self.timestamp = timestamp
        self.meta = meta          # what the generator meant (for messages of the test)

    def line(self):
        parts = [str(self.partition), _fmt_bytes(self.key), _fmt_bytes(self.value)]
        for name, val in self.headers:
            parts.append(_fmt_name(name) + "=" + _fmt_bytes(val))
        if self.timestamp is not None:
            parts.append("@0")
            parts.append(str(self.timestamp))
        return " ".join(parts)

    def header(self, name):
        """The first header value with this name (bytes or None); KeyError when absent."""
        for n, v in self.headers:
            if n == name:
                return v
        raise KeyError(name)

    def __repr__(self):
        return f"Message({self.line()!r}, offset={self.offset})"


def _fmt_bytes(b):
    if b is None:
        return "-"
    if len(b) == 0:
        return '""'
    return b.hex()


def _fmt_name(name):
    out = []
    for i, c in enumerate(name.encode()):
        if c <= 0x20 or c >= 0x7F or c in b"=%" or (i == 0 and c == ord("@")):
            out.append("%%%02X" % c)
        else:
            out.append(chr(c))
    return "".join(out)


def _parse_bytes(tok):
    if tok == "-":
        return None
    if tok in ('""', ""):
        return b""
    return bytes.fromhex(tok)


def _parse_name(tok):
    out = bytearray()
    i = 0
    while i < len(tok):
        if tok[i] == "%":
            out.append(int(tok[i + 1:i + 3], 16))
            i += 3
        else:
            out += tok[i].encode()
            i += 1
    return out.decode(errors="surrogateescape")


def parse_line(line):
    """One consume-file line -> Message (with offset and timestamp)."""
    toks = line.split()
    m = Message(int(toks[0]), _parse_bytes(toks[1]), _parse_bytes(toks[2]))
    rest = toks[3:]
    while rest and not rest[0].startswith("@"):
        name, val = rest.pop(0).split("=", 1)
        m.headers.append((_parse_name(name), _parse_bytes(val)))
    if rest:
        m.offset = int(rest[0][1:])
        if len(rest) > 1:
            m.timestamp = int(rest[1])
    return m


# ---- Avro -------------------------------------------------------------------------------

class Schema:
    """A writer schema with its registry id."""

    def __init__(self, schema_id, json_obj):
        self.id = schema_id
        self.json = json_obj
        self.parsed = avro.schema.parse(json.dumps(json_obj))

    def write_to(self, schemas_dir):
        with open(f"{schemas_dir}/{self.id}.avsc", "w") as f:
            json.dump(self.json, f)

    def body(self, datum):
        buf = io.BytesIO()
        avro.io.DatumWriter(self.parsed).write(datum, avro.io.BinaryEncoder(buf))
        return buf.getvalue()

    def framed(self, datum):
        return confluent_frame(self.id, self.body(datum))


def confluent_frame(schema_id, body):
    return b"\x00" + struct.pack(">I", schema_id) + body


def unframe(data):
    """(schema id, body) or raises ValueError for bytes that are not Confluent framed."""
    if data is None or len(data) < 5 or data[0] != 0:
        raise ValueError("not Confluent framed (magic byte 0 and a 4-byte schema id)")
    return struct.unpack(">I", data[1:5])[0], data[5:]


def decode(schemas, data):
    """Decodes framed bytes with the writer schema of their id from {id: Schema}; raises
    ValueError naming the problem (framing, unknown id, bad body)."""
    sid, body = unframe(data)
    if sid not in schemas:
        raise ValueError(f"unknown schema id {sid}")
    buf = io.BytesIO(body)
    try:
        datum = avro.io.DatumReader(schemas[sid].parsed).read(avro.io.BinaryDecoder(buf))
    except Exception as e:  # python3-avro raises several types for bad bodies
        raise ValueError(f"bad Avro body for schema {sid}: {e}") from None
    if buf.tell() != len(body):
        raise ValueError(f"{len(body) - buf.tell()} bytes after the Avro body")
    return sid, datum
