#!/usr/bin/python3
"""Error policies with poison messages (not framed, unknown schema id, truncated Avro, an
INT out of range) mixed into good data:
  skip         the good data lands exactly, committed == end;
  dead_letter  the same, and the dead-letter topic holds each poison message once, with its
               original key, value and headers plus kfb.topic, kfb.partition, kfb.offset,
               kfb.timestamp, kfb.schema_id, kfb.error.class, kfb.error.message;
  fail         exit 1 naming topic, partition and offset of the first poison; nothing at or
               past it committed in its partition; committed never ahead of applied;
  max_per_minute  a flood of bad records stops a skip-policy bridge (exit 1)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen, model  # noqa: E402
from kfbe2e.records import unframe  # noqa: E402
from kfbe2e.scenario import Checks, Env, check_migrated, items_mapping, require_bridge  # noqa: E402


def mixed(seed, partitions):
    g = datagen.Gen(seed)
    msgs = g.items(3000, 600, partitions)
    poison = g.poison(partitions)
    # poison in the middle of the stream, then more good data
    return msgs[:1500] + poison + msgs[1500:] + g.items(1000, 600, partitions)


def policy_skip(T):
    items = datagen.items_table()
    with Env([items], topics={"items": 2}) as env:
        env.kafka.produce("items", mixed(81, 2))
        m = items_mapping(items)
        rc, b = env.migrate(env.config([m], group="es", policy="skip"))
        exp = check_migrated(T, env, rc, b, "es", [m], what="skip")[0]
        T.eq("skip: four poison messages in the input", 4, len(exp.poison))


def policy_dead_letter(T):
    items = datagen.items_table()
    with Env([items], topics={"items": 2, "dlq": 1}) as env:
        env.kafka.produce("items", mixed(82, 2))
        m = items_mapping(items)
        rc, b = env.migrate(env.config([m], group="ed", policy="dead_letter", dead_letter_topic="dlq"))
        exp = check_migrated(T, env, rc, b, "ed", [m], what="dead_letter")[0]
        dlq = env.kafka.consume("dlq")
        T.eq("dead_letter: one DLQ message per poison message", len(exp.poison), len(dlq))
        by_origin = {}
        for d in dlq:
            try:
                by_origin[(d.header("kfb.partition"), d.header("kfb.offset"))] = d
            except KeyError:
                T.check("every DLQ message has kfb.partition and kfb.offset", False, d)
        for p in exp.poison:
            src = p.msg
            d = by_origin.get((str(src.partition).encode(), str(src.offset).encode()))
            if not T.check(f"DLQ has {p}", d is not None, [x.line() for x in dlq][:6]):
                continue
            T.eq(f"{p}: original key and value", (src.key, src.value), (d.key, d.value))
            T.check(f"{p}: original headers kept", all(h in d.headers for h in src.headers), d.headers)
            hdr = dict((n, v) for n, v in d.headers)
            T.eq(f"{p}: kfb.topic", b"items", hdr.get("kfb.topic"))
            T.eq(f"{p}: kfb.timestamp", str(src.timestamp).encode(), hdr.get("kfb.timestamp"))
            try:
                sid = str(unframe(src.value)[0]).encode()
                T.eq(f"{p}: kfb.schema_id", sid, hdr.get("kfb.schema_id"))
            except ValueError:
                pass  # not framed: no schema id to name
            T.eq(f"{p}: kfb.error.class", b"record", hdr.get("kfb.error.class"))
            T.check(f"{p}: kfb.error.message says something", len(hdr.get("kfb.error.message") or b"") > 10, hdr)


def policy_fail(T):
    items = datagen.items_table()
    with Env([items], topics={"items": 1}) as env:
        env.kafka.produce("items", mixed(83, 1))
        m = items_mapping(items)
        rc, b = env.migrate(env.config([m], group="ef", policy="fail"))
        T.eq("fail: exit 1", 1, rc)
        exp = env.expected(m)
        first = exp.poison[0].msg
        err = b.stdout() + b.stderr()
        T.check("fail: the message names topic, partition and offset",
                "items" in err and str(first.offset) in err, err[-2000:])
        com = env.kafka.committed("ef", "items")
        T.check("fail: nothing committed at or past the poison message", com[0] <= first.offset, com)
        bad = model.committed_not_ahead(exp, {"items": com}, env.fluss.dump("shop", "items"))
        T.check("fail: committed never ahead of applied", not bad, *bad[:8])


def max_per_minute(T):
    items = datagen.items_table()
    with Env([items], topics={"items": 1}) as env:
        g = datagen.Gen(84)
        flood = []
        for _ in range(15):
            flood += g.poison(1)
        env.kafka.produce("items", g.items(500, 100, 1) + flood + g.items(500, 100, 1))
        m = items_mapping(items)
        rc, b = env.migrate(env.config([m], group="em", policy="skip", max_per_minute=10))
        T.eq("60 bad records with max_per_minute 10: exit 1", 1, rc)


if __name__ == "__main__":
    T = Checks("errors")
    require_bridge(T, "migrate")
    for fn in (policy_skip, policy_dead_letter, policy_fail, max_per_minute):
        T.case(fn)
    T.finish()
