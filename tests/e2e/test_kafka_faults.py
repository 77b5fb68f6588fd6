#!/usr/bin/python3
"""Kafka faults: a broker down and back up mid-stream, request errors pushed by the mock
cluster (Fetch, OffsetCommit, Heartbeat, JoinGroup, FindCoordinator), each with exact final
state; and a moved log start: data deleted by retention after the last commit and before
it was copied makes `migrate` finish with exit status 3 and name the gap; and a slow broker
(every response delayed longer than the bridge waits in a poll) still read to the end."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen  # noqa: E402
from kfbe2e.records import Message  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge, stop_run  # noqa: E402

PUSHED = [
    ("Fetch", "3 NOT_LEADER_FOR_PARTITION"),
    ("OffsetCommit", "2 COORDINATOR_NOT_AVAILABLE"),
    ("Heartbeat", "2 NOT_COORDINATOR"),
    ("FindCoordinator", "2 COORDINATOR_NOT_AVAILABLE"),
    ("Fetch", "2 _TRANSPORT"),
]


def broker_and_request_errors(T):
    items = datagen.items_table(buckets=3)
    with Env([items], topics={"items": 3}, brokers=3) as env:
        g = datagen.Gen(51)
        m = items_mapping(items)
        # leaders chosen, not random: broker 2 leads only partition 1; the coordinator is broker 1
        for p in range(3):
            env.kafka.cmd(f"partition-leader items {p} {p + 1}")
        env.kafka.cmd("coordinator kf 1")
        b = env.start("run", env.config([m], group="kf"))
        env.kafka.produce("items", g.items(3000, 900, 3))
        env.wait_committed("kf", ["items"], timeout=90)
        # broker 2 goes down: partition 1 cannot be read, the others go on; then it is back
        env.kafka.cmd("broker-down 2")
        env.kafka.produce("items", [x for x in g.items(2000, 900, 3) if x.partition != 1])
        env.kafka.cmd("broker-up 2")
        env.kafka.produce("items", g.items(2000, 900, 3))
        env.wait_committed("kf", ["items"], timeout=120)
        T.check("broker down/up: bridge still running", b.alive(), b.stderr()[-2000:])
        env.check_table(T, m, what="broker down/up: exact state")
        for api, errs in PUSHED:
            env.kafka.cmd(f"push-errors {api} {errs}")
            env.kafka.produce("items", g.items(1500, 900, 3))
            env.wait_committed("kf", ["items"], timeout=120)
            T.check(f"pushed {api} {errs}: bridge still running", b.alive(), b.stderr()[-2000:])
            env.check_table(T, m, what=f"pushed {api} {errs}: exact state")
            env.kafka.cmd(f"clear-errors {api}")
        T.eq("SIGTERM exits 0", 0, stop_run(b))


def moved_log_start(T):
    items = datagen.items_table(buckets=2)
    with Env([items], topics={"items": 1}) as env:
        g = datagen.Gen(52)
        m = items_mapping(items)
        env.kafka.produce("items", g.items(2000, 500, 1))
        rc, b = env.migrate(env.config([m], group="kls"))
        T.eq("first migrate: exit 0", 0, rc)
        first_end = env.kafka.end_offsets("items")[0]
        # > 5 MiB more into the one partition: the mock's retention moves the log start
        # past the committed offset (kafka-mock.c header: 5 MiB of batches per partition)
        big = [Message(0, datagen.ITEMS_KEY.framed({"id": 7}),
                       datagen.ITEMS_V1.framed({"id": 7, "name": "x" * 2000, "qty": 1, "price": 1.0,
                                                "version": g.next_version()})) for _ in range(3500)]
        env.kafka.produce("items", big)
        low, high = env.kafka.offsets("items")[0]
        T.check("the log start moved past the committed offset", low > first_end, (low, first_end))
        rc, b = env.migrate(env.config([m], group="kls", name="again.yaml"))
        out = b.stdout() + b.stderr()
        T.eq("migrate over a moved log start: exit 3", 3, rc) or print(out[-2000:])
        T.check("the summary names the gap (offsets deleted before they were copied)",
                str(first_end) in out and str(low) in out, out[-2000:])
        T.eq("after it, committed == end", {0: high}, env.kafka.committed("kls", "items"))


def slow_broker(T):
    # Every Kafka response 300 ms late: fetches take longer than the bridge's empty polls,
    # and the bridge's seeks that wake librdkafka 2.0.2's stalled fetcher (bridge.c
    # kick_stalled_fetch) must not keep discarding the fetches in flight.
    items = datagen.items_table(buckets=2)
    with Env([items], topics={"items": 2}) as env:
        g = datagen.Gen(53)
        m = items_mapping(items)
        env.kafka.produce("items", g.items(20000, 2000, 2))
        env.kafka.cmd("set-rtt -1 300")
        rc, b = env.migrate(env.config([m], group="slow"), timeout=150)
        T.eq("migrate with 300 ms broker round trips: exit 0", 0, rc) or print(b.stderr()[-2000:])
        env.kafka.cmd("set-rtt -1 0")
        env.check_table(T, m, what="slow broker: exact state")
        T.eq("slow broker: committed == end", env.kafka.end_offsets("items"), env.kafka.committed("slow", "items"))


if __name__ == "__main__":
    T = Checks("kafka_faults")
    require_bridge(T, "run", "migrate")
    for fn in (broker_and_request_errors, moved_log_start, slow_broker):
        T.case(fn)
    T.finish()
