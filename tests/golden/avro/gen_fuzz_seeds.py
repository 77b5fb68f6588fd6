#!/usr/bin/python3
"""Writes seed corpora for tests/fuzz/fuzz_avro_binary and fuzz_avro_schema:
datums for the fuzz target's fixed schemas written by python3-avro, and
schema texts taken from tests/golden/avro/cases.txt.
    /usr/bin/python3 tests/golden/avro/gen_fuzz_seeds.py
"""
import datetime
import decimal
import io
import json
import os

import avro.io
import avro.schema

root = os.path.join(os.path.dirname(__file__), "..", "..", "fuzz", "corpus")
bdir = os.path.join(root, "fuzz_avro_binary")
sdir = os.path.join(root, "fuzz_avro_schema")
os.makedirs(bdir, exist_ok=True)
os.makedirs(sdir, exist_ok=True)


def enc(schema, value):
    s = avro.schema.parse(json.dumps(schema))
    buf = io.BytesIO()
    avro.io.DatumWriter(s).write(value, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


value = {"type": "record", "name": "Value", "fields": [
    {"name": "id", "type": "int"}, {"name": "name", "type": ["null", "string"]},
    {"name": "amount", "type": ["null", {"type": "bytes", "logicalType": "decimal",
                                         "precision": 10, "scale": 2}]},
    {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-micros"}}]}
envelope = {"type": "record", "name": "Envelope", "namespace": "db.t", "fields": [
    {"name": "before", "type": ["null", value]}, {"name": "after", "type": ["null", "Value"]},
    {"name": "source", "type": {"type": "record", "name": "Source", "fields": [
        {"name": "db", "type": "string"}, {"name": "lsn", "type": ["null", "long"]}]}},
    {"name": "op", "type": "string"}, {"name": "ts_ms", "type": ["null", "long"]}]}
row = {"id": 7, "name": "caf\u00e9", "amount": decimal.Decimal("12.34"), "ts": datetime.datetime(2023, 10, 25, 12, 1, 13, 182123, tzinfo=datetime.timezone.utc)}
seeds = {
    "envelope_c": enc(envelope, {"before": None, "after": row, "source": {"db": "x", "lsn": 5},
                                 "op": "c", "ts_ms": 1}),
    "envelope_u": enc(envelope, {"before": dict(row, name=None, amount=None), "after": row,
                                 "source": {"db": "", "lsn": None}, "op": "u", "ts_ms": None}),
}
allt = {"type": "record", "name": "All", "fields": [
    {"name": "b", "type": "boolean"}, {"name": "i", "type": "int"},
    {"name": "f", "type": "float"}, {"name": "d", "type": "double"},
    {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}},
    {"name": "x", "type": {"type": "fixed", "name": "F", "size": 3}},
    {"name": "a", "type": {"type": "array", "items": ["null", "long", "E"]}},
    {"name": "m", "type": {"type": "map", "values": {"type": "array", "items": "F"}}},
    {"name": "n", "type": {"type": "array", "items": "null"}},
    {"name": "u", "type": ["string", "null", "bytes", "double"]}]}
seeds["all"] = enc(allt, {"b": True, "i": -5, "f": 1.5, "d": 2.5, "e": "C", "x": b"abc",
                          "a": [None, 3, "B"], "m": {"k": [b"xyz", b"123"]}, "n": [None, None],
                          "u": b"\x00\xff"})
seeds["nested_maps"] = enc({"type": "map", "values": {"type": "array", "items": {
    "type": "map", "values": "string"}}}, {"a": [{"b": "c"}, {}], "d": []})
seeds["nullable_str"] = enc(["null", "string"], "\u20ac")
for name, data in seeds.items():
    with open(os.path.join(bdir, name), "wb") as f:
        f.write(data)

golden = os.path.join(os.path.dirname(__file__), "cases.txt")
picked = {}
with open(golden) as f:
    name = None
    for line in f:
        if line.startswith("case "):
            name = line[5:].strip()
        elif line.startswith("schema ") and name.split("_")[0] in (
                "debezium", "nested", "decimal", "enum", "union", "map", "date", "uuid"):
            picked.setdefault(line[7:].strip(), name)
for text, name in picked.items():
    with open(os.path.join(sdir, name), "w") as f:
        f.write(text)
with open(os.path.join(sdir, "bad_recursive"), "w") as f:
    f.write('{"type":"record","name":"N","fields":[{"name":"n","type":["null","N"]}]}')
with open(os.path.join(sdir, "bad_degrade"), "w") as f:
    f.write('{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":12}')
