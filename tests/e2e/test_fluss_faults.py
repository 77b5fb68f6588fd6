#!/usr/bin/python3
"""Fluss faults mid-stream (the test server's `fault`, `move-leader`, `refuse`,
`drop-connections`): a retriable error code, NOT_LEADER_OR_FOLLOWER with a leader move,
delays, a request dropped before it is applied, one dropped after it was applied (the
retry must be deduplicated by writer id and batch sequence), a server failure reply,
refused connections and cut connections. `run` keeps going through each wave and the final
state is exact with committed == end offsets."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge, stop_run  # noqa: E402

FAULTS = [
    ("error KV_STORAGE_EXCEPTION (retriable)", lambda f, tid: f.fault("error", api="PutKv", code=11, count=3)),
    ("NOT_LEADER_OR_FOLLOWER + move-leader", lambda f, tid: (f.cmd(f"move-leader {tid} 0 1"),
                                                            f.fault("error", api="PutKv", node=0, code=12, count=2))),
    ("delay", lambda f, tid: f.fault("delay", api="PutKv", delay=300, count=10)),
    ("drop-before", lambda f, tid: f.fault("drop-before", api="PutKv", count=2)),
    ("drop-after (applied, then the reply lost)", lambda f, tid: f.fault("drop-after", api="PutKv", count=2)),
    ("server-failure", lambda f, tid: f.fault("server-failure", api="PutKv", count=2)),
    ("refuse tablet 1 for 1500 ms", lambda f, tid: f.cmd("refuse 1 1500")),
    ("drop-connections", lambda f, tid: f.cmd("drop-connections any")),
    ("refuse coordinator for 1000 ms", lambda f, tid: f.cmd("refuse coordinator 1000")),
]


def faults_in_waves(T):
    items = datagen.items_table(buckets=4, leaders=[0, 1, 0, 1])
    with Env([items], tablet_servers=2, topics={"items": 4}) as env:
        g = datagen.Gen(41)
        m = items_mapping(items)
        tid = env.fluss.table_id("shop", "items")
        b = env.start("run", env.config([m], group="ff", max_bytes="16KiB"))
        for name, inject in FAULTS:
            inject(env.fluss, tid)
            env.kafka.produce("items", g.items(3000, 1500, 4))
            env.wait_committed("ff", ["items"], timeout=120)
            T.check(f"{name}: bridge still running", b.alive(), b.stderr()[-2000:])
            env.check_table(T, m, what=f"{name}: exact state")
            env.fluss.cmd("clear-faults")
        T.eq("SIGTERM exits 0", 0, stop_run(b))


if __name__ == "__main__":
    T = Checks("fluss_faults")
    require_bridge(T, "run")
    T.case(faults_in_waves)
    T.finish()
