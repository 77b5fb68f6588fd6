#!/usr/bin/python3
"""Records Fluss rejects at the write stage follow errors.policy (issue 10 "Write-stage errors
follow the policy"), with `migrate` (the topic is complete before the bridge starts):

  rejected once        RECORD_TOO_LARGE (13) answered once for bucket 1: the bridge replays that
                       range writing bucket 1's records one per batch (the server's batch log
                       holds batches of exactly one record of bucket 1 after the refusal);
                       nothing is dead-lettered; exact state, committed == end offsets
  rejected always      13 for every batch of bucket 1, errors.policy dead_letter: every message
                       whose record goes to bucket 1 is in the dead-letter topic (original key,
                       value, headers, plus kfb.* headers), every other one is written; the
                       expected state is the input without bucket 1's messages (the bucket of a
                       key computed by kfbe2e.bucketing); committed == end offsets
  rejected, fail       the same under errors.policy fail: exit 1, the message names topic,
                       partition and offset of the first rejected message of its partition, and
                       no committed offset passes the first rejected message of its partition
  missing partition    a partitioned table with create_partitions: false and records for a
                       partition that does not exist: those messages are dead-lettered, the
                       others written
  big records          batch.max_bytes 64KiB: a message with a 200 KB name is written in a batch
                       of its own (the batch log's records CRC is that one record's); one above
                       fluss.max_request_size (256KiB) is a per-record RECORD_TOO_LARGE,
                       dead-lettered; exact state
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import bucketing, config, datagen, kvbytes, model, records  # noqa: E402
from kfbe2e.records import Message  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge  # noqa: E402

ONE_PER_BATCH_LOG = "finding the rejected records (one per batch)"  # src/bridge.c


def key_row(m, msg):
    """The primary-key columns a message writes or deletes (its value's, or its Kafka key's
    for a tombstone)."""
    if msg.value is None:
        _, k = records.decode(m.key_schemas, msg.key)
        return k
    _, v = records.decode(m.schemas, msg.value)
    return v


def bucket_of(m, msg):
    return bucketing.bucket(m.table.key_bytes(key_row(m, msg)), m.table.buckets)


def expected_without(env, m, drop):
    """The expected state of the mapping's topic without the messages drop(msg) names."""
    msgs = env.kafka.consume(m.topics[0])
    e = model.Expected(m).apply_topic(m.topics[0], [x for x in msgs if not drop(x)])
    return e, [x for x in msgs if drop(x)]


def check_dead_letters(T, env, topic, rejected, what):
    """The dead-letter topic holds each rejected message exactly once, as it was, with the
    kfb.* headers naming where it came from."""
    dlq = env.kafka.consume("dlq")
    T.eq(f"{what}: one dead-letter message per rejected message", len(rejected), len(dlq))
    by_origin = {}
    for d in dlq:
        h = dict(d.headers)
        by_origin.setdefault((h.get("kfb.partition"), h.get("kfb.offset")), []).append(d)
    missing = 0
    for src in rejected:
        got = by_origin.get((str(src.partition).encode(), str(src.offset).encode()), [])
        if len(got) != 1:
            missing += 1
            if missing <= 3:
                T.check(f"{what}: {topic}[{src.partition}]@{src.offset} dead-lettered once", False, len(got))
            continue
        d = got[0]
        hdr = dict(d.headers)
        ok = (d.key, d.value) == (src.key, src.value) and all(h in d.headers for h in src.headers) \
            and hdr.get("kfb.topic") == topic.encode() \
            and hdr.get("kfb.timestamp") == str(src.timestamp).encode() \
            and len(hdr.get("kfb.error.message") or b"") > 10
        if not ok:
            missing += 1
            if missing <= 3:
                T.check(f"{what}: {topic}[{src.partition}]@{src.offset} kept as it was with kfb.* headers",
                        False, src.line()[:300], d.line()[:600])
    T.eq(f"{what}: every rejected message dead-lettered as it was, with kfb.* headers", 0, missing)
    classes = {dict(d.headers).get("kfb.error.class") for d in dlq}
    T.eq(f"{what}: kfb.error.class of a record Fluss rejects", {b"record"} if dlq else set(), classes)
    return dlq


def committed_is_end(T, env, group, topic, what):
    T.eq(f"{what}: committed == end offsets", env.kafka.end_offsets(topic), env.kafka.committed(group, topic))


def one_record_batches(env, m, bucket, messages):
    """Applied batches of `bucket` whose records are exactly one of `messages` (the batch
    log's CRC of the records equals that one KvRecord's)."""
    single = set()
    for msg in messages:
        k = m.table.key_bytes(key_row(m, msg))
        if msg.value is None:
            single.add(kvbytes.records_crc([kvbytes.kv_record(k, None)]))
        else:
            _, v = records.decode(m.schemas, msg.value)
            single.add(kvbytes.records_crc([kvbytes.kv_record(k, kvbytes.row(m.table, v))]))
    return [b for b in env.fluss.batches() if b.get("bucket") == str(bucket) and b.get("records") in single
            and b.get("result") in ("applied", "duplicate")]


def rejected_once(T):
    items = datagen.items_table(buckets=3)
    with Env([items], topics={"items": 2, "dlq": 1}) as env:
        env.kafka.produce("items", datagen.Gen(121).items(3000, 500, 2))
        m = items_mapping(items)
        env.fluss.fault("error", api="PutKv", bucket=1, code=13, count=1)
        rc, b = env.migrate(env.config([m], group="wo", policy="dead_letter", dead_letter_topic="dlq"))
        T.eq("once: exit status", 0, rc) or print(b.stderr()[-3000:])
        T.eq("once: the fault fired", "0", env.fluss.cmd("faults"))
        T.check("once: the bridge went looking for the rejected records", ONE_PER_BATCH_LOG in b.stderr(),
                b.stderr()[-2000:])
        env.check_table(T, m, what="once: exact state (nothing lost)")
        committed_is_end(T, env, "wo", "items", "once")
        T.eq("once: nothing dead-lettered", [], env.kafka.consume("dlq"))
        msgs = [x for x in env.kafka.consume("items") if bucket_of(m, x) == 1]
        singles = one_record_batches(env, m, 1, msgs)
        T.check("once: bucket 1's records were then written one per batch", len(singles) >= 2, len(singles))


def rejected_always_dead_letter(T):
    items = datagen.items_table(buckets=3)
    with Env([items], topics={"items": 2, "dlq": 1}) as env:
        env.kafka.produce("items", datagen.Gen(122).items(2000, 400, 2))
        m = items_mapping(items)
        env.fluss.fault("error", api="PutKv", bucket=1, code=13, count=-1)
        rc, b = env.migrate(env.config([m], group="wa", policy="dead_letter", dead_letter_topic="dlq"))
        T.eq("always: exit status", 0, rc) or print(b.stderr()[-3000:])
        exp, rejected = expected_without(env, m, lambda x: bucket_of(m, x) == 1)
        T.check("always: bucket 1 has messages", len(rejected) > 100, len(rejected))
        env.check_table(T, m, expected=exp, what="always: every message of the other buckets written")
        check_dead_letters(T, env, "items", rejected, "always")
        committed_is_end(T, env, "wa", "items", "always")


def rejected_always_fail(T):
    items = datagen.items_table(buckets=3)
    with Env([items], topics={"items": 2}) as env:
        env.kafka.produce("items", datagen.Gen(123).items(2000, 400, 2))
        m = items_mapping(items)
        env.fluss.fault("error", api="PutKv", bucket=1, code=13, count=-1)
        rc, b = env.migrate(env.config([m], group="wf", policy="fail"))
        T.eq("fail: exit 1", 1, rc)
        msgs = env.kafka.consume("items")
        first = {}
        for x in msgs:
            if bucket_of(m, x) == 1 and x.partition not in first:
                first[x.partition] = x.offset
        err = b.stdout() + b.stderr()
        named = [p for p, o in first.items() if f"topic items partition {p} offset {o}:" in err]
        T.check("fail: the message names topic, partition and offset of a first rejected message",
                len(named) == 1, first, err[-2500:])
        com = env.kafka.committed("wf", "items")
        T.check("fail: no committed offset passes its partition's first rejected message",
                all(com.get(p, -1) <= o for p, o in first.items()), com, first)
        bad = model.committed_not_ahead(env.expected(m), {"items": com}, env.fluss.dump("shop", "items"))
        T.check("fail: committed never ahead of applied", not bad, *bad[:8])


def missing_partition(T):
    days = ["2024-01-01", "2024-01-02", "2024-01-03"]
    ev = datagen.events_table(days[:2], buckets=2)  # 2024-01-03 does not exist
    with Env([ev], topics={"events": 2, "dlq": 1}) as env:
        env.kafka.produce("events", datagen.Gen(124).events(3000, 600, days, 2))
        m = model.Mapping("events", "events", ev, [datagen.EVENTS_V1])
        cfg = env.config([config.mapping_entry(m, create_partitions=False)], group="wp", policy="dead_letter",
                         dead_letter_topic="dlq")
        rc, b = env.migrate(cfg)
        T.eq("partition: exit status", 0, rc) or print(b.stderr()[-3000:])
        exp, rejected = expected_without(env, m, lambda x: key_row(m, x)["day"] == days[2])
        T.check("partition: messages for the missing partition exist", len(rejected) > 100, len(rejected))
        env.check_table(T, m, expected=exp, what="partition: the existing partitions' records written")
        check_dead_letters(T, env, "events", rejected, "partition")
        committed_is_end(T, env, "wp", "events", "partition")
        parts = {b.get("partition") for b in env.fluss.dump("shop", "events")["buckets"]}
        T.eq("partition: no partition was created", set(days[:2]), parts)


def big_records(T):
    items = datagen.items_table(buckets=2)
    with Env([items], topics={"items": 1, "dlq": 1}) as env:
        g = datagen.Gen(125)
        m = items_mapping(items)
        msgs = g.items(400, 100, 1, tombstones=0)

        def item(k, name_len):
            v = g.next_version()
            row = {"id": k, "name": "n" * name_len, "qty": 1, "price": 0.5, "version": v}
            return Message(0, datagen.ITEMS_KEY.framed({"id": k}), datagen.ITEMS_V1.framed(row),
                           meta=("upsert", k, v))
        big = [item(5000 + i, 200 * 1024) for i in range(3)]  # > batch.max_bytes, < max_request_size
        huge = item(6000, 300 * 1024)                          # > fluss.max_request_size
        env.kafka.produce("items", msgs[:150] + [big[0]] + msgs[150:300] + [huge, big[1]] + msgs[300:] + [big[2]])
        cfg = env.config([m], group="wb", policy="dead_letter", dead_letter_topic="dlq", max_bytes="64KiB",
                         fluss_extra={"max_request_size": "256KiB"})
        rc, b = env.migrate(cfg)
        T.eq("big: exit status", 0, rc) or print(b.stderr()[-3000:])
        all_msgs = env.kafka.consume("items")
        huge_at = [x for x in all_msgs if x.value == huge.value]
        exp, rejected = expected_without(env, m, lambda x: x.value == huge.value)
        env.check_table(T, m, expected=exp, what="big: exact state (the 200 KB rows written)")
        dlq = check_dead_letters(T, env, "items", rejected, "big")
        T.check("big: the dead-lettered message is the one above max_request_size",
                len(huge_at) == 1 and len(dlq) == 1 and dlq[0].value == huge.value)
        if dlq:
            T.check("big: the reason is RECORD_TOO_LARGE", b"RECORD_TOO_LARGE" in
                    (dict(dlq[0].headers).get("kfb.error.name") or b"") + (dict(dlq[0].headers).get("kfb.error.message") or b""),
                    dlq[0].headers)
        bigs = [x for x in all_msgs if x.value in {y.value for y in big}]
        T.eq("big: each 200 KB record in a batch of its own", 3,
             len({b["records"] for b in one_record_batches(env, m, 0, bigs) + one_record_batches(env, m, 1, bigs)}))
        committed_is_end(T, env, "wb", "items", "big")


if __name__ == "__main__":
    T = Checks("write_errors")
    require_bridge(T, "migrate")
    T.check("kfbe2e.bucketing agrees with Fluss's vectors", not bucketing.check(), bucketing.check())
    T.check("kfbe2e.kvbytes agrees with the fact sheet's vectors", not kvbytes.check(), kvbytes.check())
    for fn in (rejected_once, rejected_always_dead_letter, rejected_always_fail, missing_partition, big_records):
        T.case(fn)
    T.finish()
