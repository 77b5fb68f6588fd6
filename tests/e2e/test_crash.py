#!/usr/bin/python3
"""Crashes: `run` SIGKILLed at seeded random points, 20 times, with a new wave of data after
each kill, restarted every time. At every kill the group's committed offsets must never be
ahead of what the Fluss test server applied (model.committed_not_ahead); at the end the
state is exact and committed == end offsets. Then `migrate` is killed 4 more times and
restarted until it exits 0.

session.timeout.ms is 3000 here (the mock coordinator waits up to session.timeout.ms -
1000 ms for the killed member before it rebalances), to keep 24 restarts within budget."""
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen, model  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge, stop_run  # noqa: E402

KILLS_RUN = 20
KILLS_MIGRATE = 4
FAST_GROUP = {"session.timeout.ms": "3000", "heartbeat.interval.ms": "300"}


def check_invariant(T, env, m, group, what):
    committed = env.committed(group, m.topics)
    dump = env.fluss.dump(m.table.db, m.table.name)
    exp = env.expected(m)
    bad = model.committed_not_ahead(exp, committed, dump)
    T.check(f"{what}: committed never ahead of applied", not bad, *bad[:8])


def run_kill_restart(T):
    items = datagen.items_table(buckets=4, leaders=[0, 1, 0, 1])
    rnd = random.Random(31)
    with Env([items], tablet_servers=2, topics={"items": 4}) as env:
        g = datagen.Gen(31)
        m = items_mapping(items)
        cfg = env.config([m], group="crash", kafka_extra=FAST_GROUP, commit_interval="100ms")
        env.kafka.produce("items", g.items(8000, 2000, 4, schemas=(datagen.ITEMS_V1, datagen.ITEMS_V2)))
        b = env.start("run", cfg)
        for i in range(KILLS_RUN):
            time.sleep(rnd.uniform(0.3, 2.5))
            T.check(f"kill {i}: the bridge was still running", b.alive(), b.stderr()[-1500:])
            b.signal(signal.SIGKILL)
            b.wait(30)
            check_invariant(T, env, m, "crash", f"kill {i}")
            env.kafka.produce("items", g.items(1500, 2000, 4, schemas=(datagen.ITEMS_V1, datagen.ITEMS_V2)))
            b = env.start("run", cfg)
        env.wait_committed("crash", ["items"], timeout=120)
        env.check_table(T, m, what="after 20 kills: exact state")
        T.eq("after 20 kills: SIGTERM exits 0", 0, stop_run(b))


def migrate_kill_restart(T):
    items = datagen.items_table(buckets=3)
    rnd = random.Random(32)
    with Env([items], topics={"items": 3}) as env:
        g = datagen.Gen(32)
        m = items_mapping(items)
        cfg = env.config([m], group="crashm", kafka_extra=FAST_GROUP, commit_interval="100ms", max_bytes="4KiB")
        env.kafka.produce("items", g.items(30000, 5000, 3))
        # a slow Fluss so that the kills land mid-copy
        env.fluss.fault("delay", api="PutKv", delay=50, count=-1)
        kills = 0
        for attempt in range(KILLS_MIGRATE + 10):
            b = env.start("migrate", cfg)
            if kills < KILLS_MIGRATE:
                time.sleep(rnd.uniform(0.5, 2.0))
                if b.alive():
                    b.signal(signal.SIGKILL)
                    b.wait(30)
                    kills += 1
                    check_invariant(T, env, m, "crashm", f"migrate kill {kills}")
                    continue
            env.fluss.cmd("clear-faults")
            rc = b.wait(180)
            T.eq("migrate after the kills: exit 0", 0, rc)
            break
        T.eq("migrate killed mid-copy", KILLS_MIGRATE, kills)
        env.check_table(T, m, what="migrate after kills: exact state")
        T.eq("migrate after kills: committed == end", env.kafka.end_offsets("items"), env.kafka.committed("crashm", "items"))


if __name__ == "__main__":
    T = Checks("crash")
    require_bridge(T, "migrate", "run")
    for fn in (run_kill_restart, migrate_kill_restart):
        T.case(fn)
    T.finish()
