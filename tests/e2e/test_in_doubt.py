#!/usr/bin/python3
"""In-doubt writes mid-stream (issue 11's end-to-end test). The test server applies a batch of
bucket 0 and then loses its answer (drop-after: the connection closes), or answers
REQUEST_TIME_OUT (25) / NOT_ENOUGH_REPLICAS_AFTER_APPEND (28) after applying it; then it answers
UNKNOWN_WRITER_ID (33) to the next batch of that bucket, so the client must give the in-doubt
batch up (WRITE_IN_DOUBT) rather than resend it under a new writer id, and the bridge replays
from its committed offsets. This happens again and again while a `run` bridge writes keys that
are updated many times (every row carries a rising version). Checked after each wave: the
faults fired, committed offsets are never ahead of what Fluss holds (no key older than its last
acknowledged update), the state is exact and committed == end offsets; at the end the bridge's
log says it gave batches up as in doubt and replayed in every round, and the server's batch log
shows one refusal with 33 per round. Two bridges: one with the default 5 batches in flight per
bucket (a lost connection leaves all of them in doubt), one with 1 in flight, where the batch
after the one answered 25/28 is its own resend (with more in flight, the 33 would hit a later
batch, which the client rightly just retries)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen, model  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge, stop_run, wait_until  # noqa: E402

# Faults of one round, all on bucket 0 (led by tablet server 0).
LOST = ("answer lost after apply, then 33",
        [dict(kind="drop-after", api="PutKv", node=0),
         dict(kind="error", api="PutKv", node=0, bucket=0, code=33, skip=1)])
TIMEOUT = ("25 after apply, then 33",
           [dict(kind="error", api="PutKv", node=0, bucket=0, code=25, after_apply=1),
            dict(kind="error", api="PutKv", node=0, bucket=0, code=33)])
REPLICAS = ("28 after apply, then 33",
            [dict(kind="error", api="PutKv", node=0, bucket=0, code=28, after_apply=1),
             dict(kind="error", api="PutKv", node=0, bucket=0, code=33)])
# the bridge's log lines (src/bridge.c): a batch given up as in doubt, then the replay
IN_DOUBT_LOG = "may or may not have been written to Fluss"
REPLAYED_LOG = "partitions from their last acknowledged offsets"


def invariant(T, env, m, group, what):
    committed = env.committed(group, m.topics)  # first the offsets, then what Fluss holds
    dump = env.fluss.dump(m.table.db, m.table.name)
    bad = model.committed_not_ahead(env.expected(m), committed, dump)
    T.check(f"{what}: committed never ahead of applied", not bad, *bad[:8])


def in_doubt_rounds(T, rounds, fluss_extra, group):
    items = datagen.items_table(buckets=2, leaders=[0, 1])
    with Env([items], tablet_servers=2, topics={"items": 2}) as env:
        g = datagen.Gen(111)
        m = items_mapping(items)
        b = env.start("run", env.config([m], group=group, max_bytes="8KiB", commit_interval="100ms",
                                        fluss_extra=fluss_extra))
        env.kafka.produce("items", g.items(2000, 300, 2))
        env.wait_committed(group, ["items"], timeout=90)
        for i, (name, faults) in enumerate(rounds):
            for f in faults:
                kw = dict(f)
                env.fluss.fault(kw.pop("kind"), **kw)
            env.kafka.produce("items", g.items(3000, 300, 2, tombstones=0.05))
            wait_until(lambda: int(env.fluss.cmd("faults")) == 0, 60, what=f"round {i}: the faults to fire")
            invariant(T, env, m, group, f"round {i} ({name}), after the faults fired")
            env.wait_committed(group, ["items"], timeout=120)
            T.check(f"round {i} ({name}): bridge still running", b.alive(), b.stderr()[-2000:])
            invariant(T, env, m, group, f"round {i} ({name}), drained")
            env.check_table(T, m, what=f"round {i} ({name}): exact state")
        log = b.stderr()
        T.check("the client gave an in-doubt batch up in every round (WRITE_IN_DOUBT)",
                log.count(IN_DOUBT_LOG) >= len(rounds), log.count(IN_DOUBT_LOG), log[-3000:])
        T.check("the bridge replayed in every round", log.count(REPLAYED_LOG) >= len(rounds),
                log.count(REPLAYED_LOG), log[-3000:])
        refused33 = [x for x in env.fluss.batches() if x.get("result") == "refused" and x.get("code") == "33"]
        T.eq("the server refused one batch of bucket 0 with 33 per round", len(rounds), len(refused33))
        T.eq("SIGTERM exits 0", 0, stop_run(b))
        T.eq("committed == end offsets", env.kafka.end_offsets("items"), env.kafka.committed(group, "items"))
        env.check_table(T, m, what="after SIGTERM: exact state")


def pipelined_answers_lost(T):
    """Five batches of a bucket in flight: the dropped connection loses the answers of all
    of them, the resend of the first gets 33, every one of them is in doubt."""
    in_doubt_rounds(T, [LOST] * 3, None, "idp")


def one_in_flight_timeouts_after_apply(T):
    """One batch of a bucket in flight (fluss.max_inflight_per_bucket 1), so the batch after
    the one answered 25/28 is its own resend: that resend gets 33."""
    in_doubt_rounds(T, [TIMEOUT, REPLICAS, LOST, TIMEOUT, REPLICAS], {"max_inflight_per_bucket": 1}, "id1")


if __name__ == "__main__":
    T = Checks("in_doubt")
    require_bridge(T, "run")
    T.case(pipelined_answers_lost)
    T.case(one_in_flight_timeouts_after_apply)
    T.finish()
