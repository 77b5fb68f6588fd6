#!/usr/bin/python3
"""Rebalance: a second bridge joins the group mid-stream, one leaves with SIGTERM (its
partitions are revoked after a synchronous commit), one is SIGKILLed (its partitions are
lost and reassigned after the session timeout); exact final state and committed == end,
and the committed offsets are never ahead of what Fluss applied at the kill."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen, model  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge, stop_run, wait_until  # noqa: E402


def join_leave_kill(T):
    items = datagen.items_table(buckets=4, leaders=[0, 1, 0, 1])
    with Env([items], tablet_servers=2, topics={"items": 8}) as env:
        g = datagen.Gen(61)
        m = items_mapping(items)
        cfg = env.config([m], group="rb", max_bytes="16KiB")
        env.fluss.fault("delay", api="PutKv", delay=20, count=-1)  # keep both busy for a while
        env.kafka.produce("items", g.items(10000, 3000, 8))
        a = env.start("run", cfg, tag="a")
        wait_until(lambda: any(o > 0 for o in env.kafka.committed("rb", "items").values()), 60,
                   what="first commit of bridge a")
        b = env.start("run", cfg, tag="b")  # joins mid-stream
        env.kafka.produce("items", g.items(6000, 3000, 8))
        env.fluss.cmd("clear-faults")
        env.wait_committed("rb", ["items"], timeout=120)
        T.check("both bridges alive after the join", a.alive() and b.alive(), a.stderr()[-1500:], b.stderr()[-1500:])
        env.check_table(T, m, what="after b joined: exact state")
        # a leaves cleanly while data flows; b takes over a's partitions
        env.kafka.produce("items", g.items(6000, 3000, 8))
        T.eq("a: SIGTERM exits 0", 0, stop_run(a))
        env.wait_committed("rb", ["items"], timeout=120)
        env.check_table(T, m, what="after a left: exact state")
        # c joins, then b is killed: its partitions are lost and go to c
        c = env.start("run", cfg, tag="c")
        env.kafka.produce("items", g.items(6000, 3000, 8))
        b.signal(signal.SIGKILL)
        b.wait(30)
        bad = model.committed_not_ahead(env.expected(m), env.committed("rb", ["items"]),
                                        env.fluss.dump("shop", "items"))
        T.check("at b's kill: committed never ahead of applied", not bad, *bad[:8])
        env.kafka.produce("items", g.items(3000, 3000, 8))
        env.wait_committed("rb", ["items"], timeout=120)
        env.check_table(T, m, what="after b was killed: exact state")
        T.eq("c: SIGTERM exits 0", 0, stop_run(c))


def migrate_two_instances(T):
    items = datagen.items_table(buckets=3)
    with Env([items], topics={"items": 6}) as env:
        env.kafka.produce("items", datagen.Gen(62).items(12000, 3000, 6))
        m = items_mapping(items)
        cfg = env.config([m], group="rbm")
        x, y = env.start("migrate", cfg, tag="x"), env.start("migrate", cfg, tag="y")
        T.eq("two migrate instances in one group: both exit 0", (0, 0), (x.wait(180), y.wait(180)))
        env.check_table(T, m)
        T.eq("committed == end", env.kafka.end_offsets("items"), env.kafka.committed("rbm", "items"))


if __name__ == "__main__":
    T = Checks("rebalance")
    require_bridge(T, "run", "migrate")
    for fn in (join_leave_kill, migrate_two_instances):
        T.case(fn)
    T.finish()
