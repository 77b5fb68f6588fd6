#!/usr/bin/python3
"""Generates tests/golden/avro/cases.txt: Avro binary datums written by an
independent implementation, Debian's python3-avro (1.11.1), for
tests/unit/test_avro_binary.c and test_avro_schema.c.

Run with the system interpreter (the pyenv python3 has no avro module):
    /usr/bin/python3 tests/golden/avro/gen.py > tests/golden/avro/cases.txt

Output format, one block per case:
    case NAME
    schema <compact JSON>
    datum <hex bytes written by python3-avro>
    expect <kind> <value>          (zero or more; what the C test must read back)
    end
Expect kinds: int/long (decimal), boolean (0/1), float/double (hex of the
IEEE-754 bits, from struct), bytes/string/fixed (hex of the payload), enum and
union (index), decimal (unscaled integer in decimal). Datetime values are given
to python3-avro as datetime objects; the expected integers are stated by hand
from the epoch arithmetic written next to them.
"""
import datetime
import decimal
import io
import json
import struct
import sys
import uuid
import warnings

import avro.io
import avro.schema

warnings.simplefilter("ignore")  # python3-avro 1.11 does not know the *-nanos types

out = sys.stdout


def encode(schema_json, value):
    schema = avro.schema.parse(json.dumps(schema_json))
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(value, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def emit(name, schema_json, datum, expects=()):
    out.write("case %s\n" % name)
    out.write("schema %s\n" % json.dumps(schema_json, separators=(",", ":")))
    out.write("datum %s\n" % datum.hex())
    for kind, val in expects:
        out.write("expect %s %s\n" % (kind, val))
    out.write("end\n")


def case(name, schema_json, value, expects=()):
    emit(name, schema_json, encode(schema_json, value), expects)


# ---- primitives ---------------------------------------------------------------
case("null", "null", None)
for b in (False, True):
    case("boolean_%d" % b, "boolean", b, [("boolean", int(b))])
for v in (0, 1, -1, 63, -64, 64, -65, 2**31 - 1, -(2**31)):
    case("int_%d" % v, "int", v, [("int", v)])
for v in (0, 1, -1, 64, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63), 1698235273182):
    case("long_%d" % v, "long", v, [("long", v)])
for v in (0.0, -0.0, 1.5, -3.25e10, float("inf")):
    bits = struct.unpack("<I", struct.pack("<f", v))[0]
    case("float_%08x" % bits, "float", v, [("float", "%08x" % bits)])
for v in (0.0, 3.141592653589793, -1e-300, float("-inf")):
    bits = struct.unpack("<Q", struct.pack("<d", v))[0]
    case("double_%016x" % bits, "double", v, [("double", "%016x" % bits)])
for v in (b"", b"\x00\xff\x80", bytes(range(200))):
    case("bytes_%d" % len(v), "bytes", v, [("bytes", v.hex())])
for v in ("", "foo", "h\u00e9llo \u20ac \U0001f600", "x" * 130):
    case("string_%d" % len(v.encode()), "string", v, [("string", v.encode().hex())])

# ---- logical types -------------------------------------------------------------
# 2023-10-25 = 19655 days after 1970-01-01
case("date", {"type": "int", "logicalType": "date"}, datetime.date(2023, 10, 25),
     [("int", 19655)])
# 09:30:00 = 34200 s
case("time_millis", {"type": "int", "logicalType": "time-millis"}, datetime.time(9, 30),
     [("int", 34200000)])
case("time_micros", {"type": "long", "logicalType": "time-micros"},
     datetime.time(9, 30, 0, 123456), [("long", 34200123456)])
utc = datetime.timezone.utc
# 2023-10-25T12:01:13.182Z = 1698235273182 ms
ts = datetime.datetime(2023, 10, 25, 12, 1, 13, 182000, tzinfo=utc)
case("timestamp_millis", {"type": "long", "logicalType": "timestamp-millis"}, ts,
     [("long", 1698235273182)])
ts_us = datetime.datetime(2023, 10, 25, 12, 1, 13, 182123, tzinfo=utc)
case("timestamp_micros", {"type": "long", "logicalType": "timestamp-micros"}, ts_us,
     [("long", 1698235273182123)])
# python3-avro 1.11 has no *-nanos and no local-timestamp-*: it writes plain longs
case("timestamp_nanos", {"type": "long", "logicalType": "timestamp-nanos"},
     1698235273182123456, [("long", 1698235273182123456)])
case("local_timestamp_millis", {"type": "long", "logicalType": "local-timestamp-millis"},
     1698235273182, [("long", 1698235273182)])
case("local_timestamp_micros", {"type": "long", "logicalType": "local-timestamp-micros"},
     -1, [("long", -1)])
case("local_timestamp_nanos", {"type": "long", "logicalType": "local-timestamp-nanos"},
     123, [("long", 123)])
u = "123e4567-e89b-12d3-a456-426614174000"
case("uuid", {"type": "string", "logicalType": "uuid"}, u, [("string", u.encode().hex())])
for d, unscaled in (("123.45", 12345), ("-0.01", -1), ("0.00", 0), ("-128.00", -12800),
                    ("999.99", 99999)):
    case("decimal_bytes_%s" % d, {"type": "bytes", "logicalType": "decimal", "precision": 5,
                                  "scale": 2}, decimal.Decimal(d), [("decimal", unscaled)])
case("decimal_fixed", {"type": "fixed", "name": "Dec8", "size": 8, "logicalType": "decimal",
                       "precision": 18, "scale": 4},
     decimal.Decimal("-12345678901234.5678"), [("decimal", -123456789012345678)])

# ---- fixed, enum ------------------------------------------------------------
case("fixed4", {"type": "fixed", "name": "F4", "size": 4}, b"\xde\xad\xbe\xef",
     [("fixed", "deadbeef")])
case("enum", {"type": "enum", "name": "Suit", "symbols": ["SPADES", "HEARTS", "DIAMONDS"]},
     "DIAMONDS", [("enum", 2)])

# ---- unions in both orders -----------------------------------------------------
ns = ["null", "string"]
sn = ["string", "null"]
case("union_null_string_null", ns, None, [("union", 0)])
case("union_null_string_str", ns, "abc", [("union", 1), ("string", b"abc".hex())])
case("union_string_null_null", sn, None, [("union", 1)])
case("union_string_null_str", sn, "abc", [("union", 0), ("string", b"abc".hex())])
case("union_multi", ["null", "int", "string", "double"], 2.5, [("union", 3)])

# ---- arrays and maps --------------------------------------------------------------
case("array_long", {"type": "array", "items": "long"}, [1, -1, 64, 0], [])
case("array_empty", {"type": "array", "items": "long"}, [], [])
case("map_int", {"type": "map", "values": "int"}, {"a": 1, "bb": -2}, [])


# Several blocks, and blocks with a byte size (negative count): assembled from
# python3-avro's own encoder primitives, since DatumWriter writes a single block.
def map_blocks(blocks, sized):
    schema = avro.schema.parse('{"type":"map","values":"string"}')
    w = avro.io.DatumWriter(schema)
    buf = io.BytesIO()
    enc = avro.io.BinaryEncoder(buf)
    for items in blocks:
        body = io.BytesIO()
        benc = avro.io.BinaryEncoder(body)
        for k, v in items:
            benc.write_utf8(k)
            w.write_data(schema.values, v, benc)
        if sized:
            enc.write_long(-len(items))
            enc.write_long(len(body.getvalue()))
        else:
            enc.write_long(len(items))
        buf.write(body.getvalue())
    enc.write_long(0)
    return buf.getvalue()


blocks = [[("k1", "v1"), ("k2", "")], [("k3", "value three")], [("k4", "x")]]
emit("map_blocks", {"type": "map", "values": "string"}, map_blocks(blocks, False), [])
emit("map_blocks_sized", {"type": "map", "values": "string"}, map_blocks(blocks, True), [])

# ---- records --------------------------------------------------------------------------
inner = {"type": "record", "name": "Inner", "fields": [
    {"name": "x", "type": "int"}, {"name": "tags", "type": {"type": "array", "items": "string"}}]}
outer = {"type": "record", "name": "Outer", "namespace": "com.example", "fields": [
    {"name": "id", "type": "long"},
    {"name": "inner", "type": inner},
    {"name": "again", "type": ["null", "Inner"], "default": None},
    {"name": "suit", "type": {"type": "enum", "name": "Suit", "symbols": ["A", "B"]}},
    {"name": "f", "type": {"type": "fixed", "name": "Md5", "size": 16}},
    {"name": "m", "type": {"type": "map", "values": ["null", "double"]}},
]}
case("nested_record", outer, {
    "id": 42, "inner": {"x": -7, "tags": ["a", "bc"]}, "again": {"x": 1, "tags": []},
    "suit": "B", "f": bytes(range(16)), "m": {"p": 1.0, "q": None}}, [])

# Debezium-shaped envelope (io.debezium.connector.postgresql, value schema)
value = {"type": "record", "name": "Value", "namespace": "dbserver1.inventory.customers",
         "fields": [
             {"name": "id", "type": "int"},
             {"name": "first_name", "type": "string"},
             {"name": "email", "type": ["null", "string"], "default": None},
             {"name": "balance", "type": ["null", {"type": "bytes", "logicalType": "decimal",
                                                   "precision": 10, "scale": 2,
                                                   "connect.name":
                                                   "org.apache.kafka.connect.data.Decimal"}],
              "default": None},
             {"name": "created", "type": ["null", {"type": "long",
                                                   "logicalType": "timestamp-micros"}],
              "default": None}]}
source = {"type": "record", "name": "Source", "namespace": "io.debezium.connector.postgresql",
          "fields": [
              {"name": "version", "type": "string"},
              {"name": "connector", "type": "string"},
              {"name": "name", "type": "string"},
              {"name": "ts_ms", "type": "long"},
              {"name": "snapshot", "type": [{"type": "string", "connect.version": 1,
                                             "connect.parameters": {"allowed": "true,last,false"},
                                             "connect.default": "false",
                                             "connect.name": "io.debezium.data.Enum"}, "null"],
               "default": "false"},
              {"name": "db", "type": "string"},
              {"name": "table", "type": "string"},
              {"name": "lsn", "type": ["null", "long"], "default": None}]}
envelope = {"type": "record", "name": "Envelope", "namespace": "dbserver1.inventory.customers",
            "connect.name": "dbserver1.inventory.customers.Envelope",
            "fields": [
                {"name": "before", "type": ["null", value], "default": None},
                {"name": "after", "type": ["null", "Value"], "default": None},
                {"name": "source", "type": source},
                {"name": "op", "type": "string"},
                {"name": "ts_ms", "type": ["null", "long"], "default": None},
                {"name": "transaction", "type": ["null", {
                    "type": "record", "name": "block", "namespace": "event",
                    "fields": [{"name": "id", "type": "string"},
                               {"name": "total_order", "type": "long"},
                               {"name": "data_collection_order", "type": "long"}]}],
                 "default": None}]}
src_val = {"version": "2.5.0.Final", "connector": "postgresql", "name": "dbserver1",
           "ts_ms": 1698235273182, "snapshot": "false", "db": "inventory",
           "table": "customers", "lsn": 33841336}
row = {"id": 1004, "first_name": "Anne", "email": "annek@noanswer.org",
       "balance": decimal.Decimal("1234.50"),
       "created": datetime.datetime(2023, 10, 25, 12, 1, 13, 182123, tzinfo=utc)}
case("debezium_create", envelope, {"before": None, "after": row, "source": src_val, "op": "c",
                                   "ts_ms": 1698235273190, "transaction": None},
     [("after_id", 1004), ("op", "c")])
row2 = dict(row, email=None, balance=None, created=None)
case("debezium_update", envelope, {"before": row2, "after": row, "source": src_val, "op": "u",
                                   "ts_ms": None,
                                   "transaction": {"id": "571:33841336", "total_order": 1,
                                                   "data_collection_order": 1}},
     [("after_id", 1004), ("op", "u")])
case("debezium_delete", envelope, {"before": row, "after": None, "source": src_val, "op": "d",
                                   "ts_ms": 1698235273199, "transaction": None},
     [("after_id", "null"), ("op", "d")])
