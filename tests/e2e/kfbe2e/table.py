"""Fluss tables of a test: their descriptor for the test server's tables file, the key bytes
Fluss stores each row under, and values rendered the way the test server's `dump` renders
them (src/row_json.c via tests/support/fluss_ts_state.c), all computed here from the Fluss
formats, never by calling the bridge:

  key bytes   CompactedKeyEncoder: the CompactedRow field encodings of the physical primary
              key columns (PK minus partition columns) concatenated without a null bitmap
              (shared/docs/fluss-protocol.md §7.1, §7.3, §6.2). INTEGER/DATE varint32 and
              BIGINT varint64 of the two's complement (unsigned LEB128, not zigzag), STRING
              and BYTES varint32 length + bytes, BOOLEAN/TINYINT 1 byte, SMALLINT 2 bytes LE.
  dump key    lowercase hex of the key bytes; "<partition name>|<hex>" on partitioned tables
              (partition name = partition values joined by '$').
  dump value  row_json.h: integers as numbers, FLOAT/DOUBLE as numbers, DECIMAL as a string
              with `scale` digits, TIMESTAMP_LTZ as "YYYY-MM-DDTHH:MM:SS.fffffffffZ", BYTES as
              lowercase hex, STRING as text, null as null.
"""
import datetime
import decimal
import struct

# name in the test's column list -> (descriptor data_type, kind)
TYPES = {
    "BOOLEAN": ({"type": "BOOLEAN"}, "bool"),
    "TINYINT": ({"type": "TINYINT"}, "int8"),
    "SMALLINT": ({"type": "SMALLINT"}, "int16"),
    "INT": ({"type": "INTEGER"}, "int32"),
    "BIGINT": ({"type": "BIGINT"}, "int64"),
    "FLOAT": ({"type": "FLOAT"}, "float"),
    "DOUBLE": ({"type": "DOUBLE"}, "double"),
    "STRING": ({"type": "STRING"}, "string"),
    "BYTES": ({"type": "BYTES"}, "bytes"),
    "TIMESTAMP_LTZ3": ({"type": "TIMESTAMP_WITH_LOCAL_TIME_ZONE", "precision": 3}, "ltz"),
    "DECIMAL(10,2)": ({"type": "DECIMAL", "precision": 10, "scale": 2}, "decimal2"),
}
RANGES = {"int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1), "int32": (-2**31, 2**31 - 1),
          "int64": (-2**63, 2**63 - 1)}


class OutOfRange(ValueError):
    pass


def varint(u):
    out = bytearray()
    while u >= 0x80:
        out.append((u & 0x7F) | 0x80)
        u >>= 7
    out.append(u)
    return bytes(out)


class Column:
    def __init__(self, name, type_name, nullable=True):
        if type_name not in TYPES:
            raise ValueError(f"type {type_name} is not one the e2e harness renders")
        self.name = name
        self.type_name = type_name
        self.kind = TYPES[type_name][1]
        self.nullable = nullable


class Table:
    def __init__(self, db, name, columns, pk, buckets=3, partition_key=(), partitions=(),
                 leaders=None, properties=None):
        """columns: [(name, type name) or (name, type name, nullable)]."""
        self.db, self.name = db, name
        self.columns = [Column(*c) for c in columns]
        self.col = {c.name: c for c in self.columns}
        self.pk = list(pk)
        self.partition_key = list(partition_key)
        self.physical_pk = [c for c in self.pk if c not in self.partition_key]
        self.buckets = buckets
        self.partitions = list(partitions)
        self.leaders = leaders
        self.properties = dict(properties or {})

    @property
    def full_name(self):
        return f"{self.db}.{self.name}"

    def descriptor(self):
        cols = []
        for i, c in enumerate(self.columns):
            dt = dict(TYPES[c.type_name][0])
            if not c.nullable or c.name in self.pk:
                dt["nullable"] = False
            cols.append({"name": c.name, "data_type": dt, "id": i})
        return {"version": 1,
                "schema": {"version": 1, "columns": cols, "primary_key": self.pk,
                           "highest_field_id": len(cols) - 1},
                "partition_key": self.partition_key, "bucket_count": self.buckets,
                "properties": self.properties, "custom_properties": {}}

    def tables_entry(self):
        e = {"database": self.db, "table": self.name, "bucket_count": self.buckets,
             "descriptor": self.descriptor()}
        if self.leaders:
            e["leaders"] = self.leaders
        if self.partitions:
            e["partitions"] = self.partitions
        return e

    # ---- values -------------------------------------------------------------------------

    def check_value(self, col, v):
        """Raises OutOfRange when v cannot be written to col (the bridge's per-record error)."""
        c = self.col[col]
        if v is None:
            if not c.nullable or col in self.pk:
                raise OutOfRange(f"null in NOT NULL column {col}")
            return
        if c.kind in RANGES:
            lo, hi = RANGES[c.kind]
            if not lo <= v <= hi:
                raise OutOfRange(f"{v} does not fit {c.type_name} column {col}")

    def key_bytes(self, row):
        out = bytearray()
        for name in self.physical_pk:
            out += encode_key_field(self.col[name].kind, row[name])
        return bytes(out)

    def dump_key(self, row):
        k = self.key_bytes(row).hex()
        if self.partition_key:
            return "$".join(str(row[c]) for c in self.partition_key) + "|" + k
        return k

    def render(self, row):
        """An expected row (column -> Python value from Avro) as normalized dump values."""
        return {c.name: normalize(c.kind, row.get(c.name), expected=True) for c in self.columns}

    def normalize_dump_row(self, row):
        """A row of the test server's dump, normalized for comparison."""
        if "$hex" in row:  # a row written with another schema id than the table's latest
            return row
        return {c.name: normalize(c.kind, row.get(c.name), expected=False) for c in self.columns}


def encode_key_field(kind, v):
    if v is None:
        raise OutOfRange("null in a key column")
    if kind == "int32":
        return varint(v & 0xFFFFFFFF)
    if kind == "int64":
        return varint(v & 0xFFFFFFFFFFFFFFFF)
    if kind == "string":
        b = v.encode()
        return varint(len(b)) + b
    if kind == "bytes":
        return varint(len(v)) + bytes(v)
    if kind in ("bool", "int8"):
        return struct.pack("<b" if kind == "int8" else "<?", v)
    if kind == "int16":
        return struct.pack("<h", v)
    raise ValueError(f"key column kind {kind} not supported by the e2e harness")


def _f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def normalize(kind, v, expected):
    if v is None:
        return None
    if kind == "float":
        return _f32(float(v))
    if kind == "double":
        return float(v)
    if kind == "bytes":
        return bytes(v).hex() if expected else v
    if kind == "ltz":
        if expected:
            if isinstance(v, datetime.datetime):
                v = round(v.timestamp() * 1000)
            t = datetime.datetime.fromtimestamp(v / 1000, tz=datetime.timezone.utc)
            return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%09d" % ((v % 1000) * 1000000) + "Z"
        return v
    if kind == "decimal2":
        if expected:
            return str(decimal.Decimal(v).quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP))
        return v
    return v
