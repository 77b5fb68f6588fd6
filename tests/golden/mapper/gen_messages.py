#!/usr/bin/python3
"""Writes the golden Avro messages of the mapper tests with an independent Avro
implementation (Debian's python3-avro 1.11.1), Confluent-framed (magic 0, schema id as a
big-endian int32, Avro binary body).

Output: messages.txt, one message per line: NAME KEY VALUE, where KEY and VALUE are hex, or
"-" for an absent key, or "null" for a tombstone value. Schemas come from schemas/<id>.avsc.
Run from this directory: /usr/bin/python3 gen_messages.py
Logical types python3-avro 1.11.1 does not know (timestamp-nanos, local-timestamp-*) are
written as their underlying long, which is exactly their binary encoding."""
import datetime
import decimal
import io
import json
import struct
import uuid
import warnings

import avro.io
import avro.schema

warnings.simplefilter("ignore")
UTC = datetime.timezone.utc


def schema(sid):
    with open(f"schemas/{sid}.avsc") as f:
        return avro.schema.parse(f.read())


def frame(sid, datum):
    buf = io.BytesIO()
    buf.write(b"\x00" + struct.pack(">i", sid))
    avro.io.DatumWriter(schema(sid)).write(datum, avro.io.BinaryEncoder(buf))
    return buf.getvalue().hex()


ALL_1 = {
    "id": 300, "i8": -5, "i16": 300, "i32": -1, "i64": 7, "l32": 100000,
    "f": 1.5, "fd": 0.25, "d": -2.0, "b": True, "s": "h\u00e9llo", "c": "ab",
    "e": "GREEN", "by": b"\x00\xff", "fx": b"\x01\x02",
    "dec": decimal.Decimal("-1.25"), "decf": decimal.Decimal("1234.565"),
    "dt": datetime.date(2024, 1, 15),
    "tm": datetime.time(9, 30, 0),
    "tmu": datetime.time(9, 30, 0, 123456),
    "tsl": datetime.datetime(2023, 10, 25, 12, 1, 13, 182000, tzinfo=UTC),
    "tsu": datetime.datetime(2023, 10, 25, 12, 1, 13, 182123, tzinfo=UTC),
    "tsn": -1, "lts": 0, "ltu": 1500,
    "u": "2bb87d68-baf9-4e64-90f9-f80910419fa6",
    "ns": None, "ns2": "x", "tags": ["p", "q"],
}
ALL_2 = dict(ALL_1, id=-1, ns="y", ns2=None, tags=[], dec=decimal.Decimal("0.05"),
             decf=decimal.Decimal("-0.050"), b=False)

lines = []


def add(name, key, value):
    lines.append(f"{name} {key} {value}")


add("all_1", "-", frame(1, ALL_1))
add("all_2", "-", frame(1, ALL_2))
# two writer schemas for one topic (v1 then v2 with an added field)
add("v1_a", "-", frame(3, {"id": 1, "name": "a"}))
add("v2_a", "-", frame(4, {"id": 2, "name": "b", "qty": 5}))
# tombstone with an Avro-framed key
add("tomb_1", frame(5, {"id": 1}), "null")
# Debezium
row1 = {"id": 1, "name": "a", "qty": 10}
row1u = {"id": 1, "name": "a2", "qty": 11}
row1m = {"id": 2, "name": "a2", "qty": 11}
src = {"db": "shop", "table": "t"}
def env(before, after, op):
    return {"before": before, "after": after, "source": src, "op": op, "ts_ms": 1700000000000}
add("dbz_c", frame(6, {"id": 1}), frame(2, env(None, row1, "c")))
add("dbz_r", frame(6, {"id": 1}), frame(2, env(None, row1, "r")))
add("dbz_u", frame(6, {"id": 1}), frame(2, env(row1, row1u, "u")))
add("dbz_u_move", frame(6, {"id": 2}), frame(2, env(row1u, row1m, "u")))
add("dbz_d", frame(6, {"id": 2}), frame(2, env(row1m, None, "d")))
add("dbz_tomb", frame(6, {"id": 2}), "null")
add("dbz_t", "-", frame(2, env(None, None, "t")))

# nested records into ROW columns
add("nested_1", "-", frame(7, {"id": 5, "customer": {"name": "bo", "vip": True,
                                                    "addr": {"city": "X", "zip": 7}}, "note": None}))
add("nested_2", "-", frame(7, {"id": 5, "customer": {"name": "bo", "vip": True, "addr": None},
                               "note": "n"}))
# arrays and maps into ARRAY/MAP columns; the ARRAY<INT> and ARRAY<FLOAT NOT NULL> values
# are those of fluss-rust's test_all_data_types_java_compatible (Java encoded_key.hex)
add("coll_1", "-", frame(8, {"id": 1, "ai": [1, 2, 3, 4, 5, -11, None, 444, 102234],
                             "af": [0.1, 1.1, -0.5, 6.6, 3.4028234663852886e38,
                                    1.401298464324817e-45],
                             "am": {"a": 1, "bb": 300}, "as": ["hello world!", None]}))

with open("messages.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
