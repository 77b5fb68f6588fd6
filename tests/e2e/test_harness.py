#!/usr/bin/python3
"""The e2e harness checked on its own (no bridge needed): key bytes against Fluss's test
vectors (shared/docs/fluss-protocol.md §7.5, from CompactedKeyEncoderTest.java), the
expected-state model and the invariant check on hand-made inputs whose answers are worked
out here, the generators' promises (one partition per key, rising versions), and the
processes: both servers start, every generated table loads into the test server, kafka-mock
gives back exactly the generated messages, and the config writer's YAML passes
`kafka-fluss-bridge check-config`."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import config, datagen, model, records  # noqa: E402
from kfbe2e.procs import binary  # noqa: E402
from kfbe2e.records import Message  # noqa: E402
from kfbe2e.scenario import Checks, Env  # noqa: E402
from kfbe2e.table import Table  # noqa: E402


def key_vectors(T):
    t = Table("d", "t", [("a", "INT"), ("b", "BIGINT"), ("c", "INT")], pk=["a", "b", "c"])
    T.eq("key (INT 1, BIGINT 3, INT 2)", "010302", t.key_bytes({"a": 1, "b": 3, "c": 2}).hex())
    T.eq("key (2, 5, 6)", "020506", t.key_bytes({"a": 2, "b": 5, "c": 6}).hex())
    s = Table("d", "t", [("f2", "STRING")], pk=["f2"])
    T.eq("key STRING a2", "026132", s.key_bytes({"f2": "a2"}).hex())
    m = Table("d", "t", [("i", "INT"), ("s", "STRING")], pk=["i", "s"])
    T.eq("key (INT 1, STRING a2)", "01026132", m.key_bytes({"i": 1, "s": "a2"}).hex())
    b = Table("d", "t", [("x", "BIGINT")], pk=["x"])
    T.eq("key BIGINT -6101065172474983726", "d295fcd8ceb1aaaaab01", b.key_bytes({"x": -6101065172474983726}).hex())
    i = Table("d", "t", [("x", "INT")], pk=["x"])
    T.eq("key INT 300", "ac02", i.key_bytes({"x": 300}).hex())
    T.eq("key INT -1 (5 bytes, not zigzag)", "ffffffff0f", i.key_bytes({"x": -1}).hex())
    p = datagen.events_table(["2024-01-01"])
    T.eq("partitioned dump key", "2024-01-01|07", p.dump_key({"id": 7, "day": "2024-01-01"}))


def framing(T):
    s = datagen.ITEMS_V1
    b = s.framed({"id": 1, "name": "a", "qty": -1, "price": 0.5, "version": 3})
    # body by the Avro spec: zigzag long 1 = 02, string "a" = 02 61, int -1 = 01,
    # double 0.5 LE = 000000000000e03f, long 3 = 06
    T.eq("confluent framing + python3-avro body", "0000000001" + "02" + "0261" + "01" + "000000000000e03f" + "06", b.hex())
    T.eq("decode", (1, {"id": 1, "name": "a", "qty": -1, "price": 0.5, "version": 3}),
         records.decode({1: s}, b))
    for why, data in [("short", b"\x00\x00"), ("magic", b"\x01" + b[1:]), ("unknown id", records.confluent_frame(9, b[5:])),
                      ("truncated", b[:-3]), ("trailing", b + b"\x00")]:
        try:
            records.decode({1: s}, data)
            T.check(f"decode rejects {why}", False)
        except ValueError:
            T.check(f"decode rejects {why}", True)
    line = Message(3, None, b"", [("a b", None), ("=x", b"\x01"), ("@h", b"")], timestamp=17).line()
    T.eq("record line", '3 - "" a%20b=- %3Dx=01 %40h="" @0 17', line)
    back = records.parse_line(line)
    T.eq("record line parsed back", (3, None, b"", [("a b", None), ("=x", b"\x01"), ("@h", b"")], 0, 17),
         (back.partition, back.key, back.value, back.headers, back.offset, back.timestamp))


def offsets(msgs):
    per = {}
    for m in msgs:
        m.offset = per.get(m.partition, 0)
        per[m.partition] = m.offset + 1
    return msgs


def model_avro(T):
    t = datagen.items_table()
    mp = model.Mapping("items", "items", t, [datagen.ITEMS_V1, datagen.ITEMS_V2, datagen.ITEMS_V3],
                       key_schemas=[datagen.ITEMS_KEY])
    v1, v2, k = datagen.ITEMS_V1, datagen.ITEMS_V2, datagen.ITEMS_KEY
    msgs = offsets([
        Message(0, k.framed({"id": 1}), v1.framed({"id": 1, "name": "a", "qty": 1, "price": 1.0, "version": 1})),
        Message(0, k.framed({"id": 1}), v2.framed({"version": 2, "id": 1, "note": "n", "qty": None, "name": "b", "price": 2.0})),
        Message(1, k.framed({"id": 2}), v1.framed({"id": 2, "name": "c", "qty": 3, "price": 3.0, "version": 3})),
        Message(1, k.framed({"id": 2}), None),
        Message(1, k.framed({"id": 3}), b"junk"),
        Message(1, k.framed({"id": 3}), datagen.ITEMS_V3.framed({"id": 3, "name": "x", "qty": 2**31, "price": 0.0, "version": 4})),
    ])
    e = model.Expected(mp).apply_topic("items", msgs)
    T.eq("avro: last value per key, tombstone deletes, two writer schemas",
         {"01": {"id": 1, "name": "b", "qty": None, "price": 2.0, "version": 2}}, e.state)
    T.eq("avro: poison found (not framed, INT out of range)", ["not Confluent", "does not fit INT"],
         [p.reason.split(" framed")[0] if "framed" in p.reason else p.reason.split("2147483648 ")[1][:16] for p in e.poison])
    # the invariant: committed 2 on partition 0 covers version 2 of key 01
    dump = {"rows": {"01": {"id": 1, "name": "a", "qty": 1, "price": 1.0, "version": 1}}}
    bad = model.committed_not_ahead(e, {"items": {0: 2, 1: 0}}, dump)
    T.check("invariant: an old version under a covering commit is a violation", len(bad) == 1, bad)
    T.eq("invariant: the same dump is fine when only offset 0 is committed", [],
         model.committed_not_ahead(e, {"items": {0: 1}}, dump))
    dump2 = {"rows": {"01": {"id": 1, "name": "b", "qty": None, "price": 2.0, "version": 2},
                      "02": {"id": 2, "name": "c", "qty": 3, "price": 3.0, "version": 3}}}
    T.check("invariant: a committed delete whose key is still there is a violation",
            len(model.committed_not_ahead(e, {"items": {0: 2, 1: 2}}, dump2)) == 1)
    T.eq("invariant: nothing committed, nothing required", [], model.committed_not_ahead(e, {}, {"rows": {}}))
    T.check("diff names a missing row", any("missing  01" in l for l in model.diff_state(t, e.state, {"rows": {}})))
    T.eq("diff of equal states", [], model.diff_state(t, e.state, {"rows": {"01": {"id": 1, "name": "b", "qty": None,
                                                                                    "price": 2.0, "version": 2}}}))


def model_debezium_partial(T):
    t = datagen.customers_table()
    mp = model.Mapping("c", "c", t, [datagen.CUSTOMERS_DBZ], fmt="debezium", key_schemas=[datagen.CUSTOMERS_KEY])
    env, key = datagen.CUSTOMERS_DBZ, datagen.CUSTOMERS_KEY

    def row(i, v):
        return {"id": i, "email": f"e{v}", "name": f"n{v}", "version": v}

    def ev(op, b, a):
        return env.framed({"before": b, "after": a, "op": op, "ts_ms": None})

    msgs = offsets([
        Message(0, key.framed({"id": 1}), ev("c", None, row(1, 1))),
        Message(0, key.framed({"id": 2}), ev("r", None, row(2, 2))),
        Message(0, key.framed({"id": 3}), ev("u", row(1, 1), row(3, 3))),   # key change 1 -> 3
        Message(0, key.framed({"id": 2}), ev("d", row(2, 2), None)),
        Message(0, key.framed({"id": 2}), None),                           # tombstone after delete: no-op
        Message(0, None, ev("t", None, None)),
        Message(0, key.framed({"id": 3}), ev("u", row(3, 3), row(3, 4))),
    ])
    e = model.Expected(mp).apply_topic("c", msgs)
    T.eq("debezium: c/r/u with key change/d/tombstone/t", {"03": t.render(row(3, 4))}, e.state)
    T.eq("debezium: no poison", [], e.poison)
    T.eq("debezium: key change = delete old + upsert new", ["delete"], [x[3] for x in e.events["01"]][1:])
    w = datagen.wide_table()
    mw = model.Mapping("w", "w", w, [datagen.WIDE_A, datagen.WIDE_B], partial_update=True)
    msgs = offsets([Message(0, None, datagen.WIDE_A.framed({"id": 1, "a": "a1", "version": 1})),
                    Message(0, None, datagen.WIDE_B.framed({"id": 1, "b": "b2", "version": 2})),
                    Message(0, None, datagen.WIDE_A.framed({"id": 1, "a": "a3", "version": 3}))])
    T.eq("partial update keeps the other columns", {"01": {"id": 1, "a": "a3", "b": "b2", "version": 3}},
         model.Expected(mw).apply_topic("w", msgs).state)


def generators(T):
    g = datagen.Gen(7)
    items = g.items(2000, 300, 8, schemas=(datagen.ITEMS_V1, datagen.ITEMS_V2))
    dbz = g.debezium(2000, 200, 4)
    ver = [m.meta[-1] for m in items if m.meta[0] == "upsert"]
    T.check("versions rise", ver == sorted(ver) and len(set(ver)) == len(ver))
    T.check("one partition per item key", all(m.partition == m.meta[1] % 8 for m in items))
    T.check("tombstones generated", sum(m.value is None for m in items) > 100)
    T.check("debezium key changes generated", sum(m.meta[0] == "u-move" for m in dbz) > 10)
    T.eq("same seed, same data", [m.line() for m in items[:50]],
         [m.line() for m in datagen.Gen(7).items(50, 300, 8, schemas=(datagen.ITEMS_V1, datagen.ITEMS_V2))])
    mp = model.Mapping("c", "c", datagen.customers_table(), [datagen.CUSTOMERS_DBZ], fmt="debezium",
                       key_schemas=[datagen.CUSTOMERS_KEY])
    e = model.Expected(mp).apply_topic("c", offsets(dbz))  # raises if a key spans partitions
    T.eq("generated debezium stream has no poison", [], e.poison)


def processes(T):
    days = ["2024-01-01", "2024-01-02"]
    tables = [datagen.items_table(buckets=5, leaders=[0, 1, 2, 0, 1]), datagen.users_table(),
              datagen.customers_table(), datagen.events_table(days), datagen.wide_table()]
    with Env(tables, tablet_servers=3, topics={"items": 8}) as env:
        for t in tables:
            d = env.fluss.dump(t.db, t.name)
            T.eq(f"{t.full_name} loaded, empty", (t.name, 0), (d["table"], d["row_count"]))
        T.eq("items buckets and leaders", [0, 1, 2, 0, 1],
             [b["leader"] for b in env.fluss.dump("shop", "items")["buckets"]])
        g = datagen.Gen(1)
        msgs = g.items(3000, 500, 8, schemas=(datagen.ITEMS_V1, datagen.ITEMS_V2)) + g.poison(8)
        T.eq("produced", len(msgs), env.kafka.produce("items", msgs))
        back = env.kafka.consume("items")
        want = sorted(m.line() for m in msgs)
        got = sorted(records.Message(m.partition, m.key, m.value, m.headers).line() for m in back)
        T.check("kafka-mock gives back exactly what was produced", want == got)
        per = {}
        for m in msgs:
            per.setdefault(m.partition, []).append(m.line())
        T.check("in order per partition", all([records.Message(b.partition, b.key, b.value, b.headers).line()
                                               for b in back if b.partition == p] == lines for p, lines in per.items()))
        mp = model.Mapping("items", "items", tables[0], [datagen.ITEMS_V1, datagen.ITEMS_V2, datagen.ITEMS_V3],
                           key_schemas=[datagen.ITEMS_KEY])
        e = env.expected(mp)
        T.eq("poison kinds in the expected model", 4, len(e.poison))
        T.check("expected rows", len(e.rows) > 300)
        d = model.diff_state(tables[0], e.state, env.fluss.dump("shop", "items"))
        T.check("an empty table differs from the expected state, readably", d and "missing" in d[1], d)
        cfg = env.config([mp, model.Mapping("users", "users", tables[1], [datagen.USERS_V1], key_format="string")])
        p = subprocess.run([binary("kafka-fluss-bridge"), "check-config", cfg], capture_output=True, timeout=60)
        T.check("the written config passes check-config", p.returncode == 0, p.stdout.decode()[-800:],
                p.stderr.decode()[-800:])


if __name__ == "__main__":
    T = Checks("harness")
    for fn in (key_vectors, framing, model_avro, model_debezium_partial, generators, processes):
        T.case(fn)
    T.finish()
