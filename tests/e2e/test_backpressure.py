#!/usr/bin/python3
"""Backpressure: a slow Fluss (PutKv delayed) and a small batch.max_buffered_bytes. The bridge
must pause and resume its partitions without leaving the group (it keeps polling: a member
that stopped polling would be kicked after max.poll.interval.ms = 10 s, which the delays
here exceed in total), keep its memory bounded, and end in the exact state."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen  # noqa: E402
from kfbe2e.procs import BUILD  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge, stop_run  # noqa: E402


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def slow_fluss_small_buffer(T):
    items = datagen.items_table(buckets=2)
    with Env([items], topics={"items": 4}) as env:
        g = datagen.Gen(71)
        m = items_mapping(items)
        b = env.start("run", env.config([m], group="bp", max_bytes="8KiB", max_buffered_bytes="1MiB"))
        env.fluss.fault("delay", api="PutKv", delay=150, count=-1)
        env.kafka.produce("items", g.items(40000, 8000, 4))
        peak = 0
        for _ in range(40):  # about 20 s under the delay: well past max.poll.interval.ms
            env.kafka.cmd("topics")  # a cheap round trip as the pacing between samples
            peak = max(peak, rss_kib(b.proc.pid) or 0)
            if not b.alive():
                break
            time.sleep(0.5)
        env.fluss.cmd("clear-faults")
        env.wait_committed("bp", ["items"], timeout=180)
        T.check("still running after the slow phase", b.alive(), b.stderr()[-2000:])
        err = b.stderr().lower()
        T.check("never kicked from the group (no 'max.poll.interval' / lost partitions in its log)",
                "max.poll.interval" not in err and "lost" not in err, err[-2000:])
        env.check_table(T, m)
        if "address" not in BUILD:  # sanitizer builds use several times the memory
            T.check("peak RSS <= 64 MiB + max_buffered_bytes", peak <= 65 * 1024, f"VmHWM {peak} KiB")
        T.eq("SIGTERM exits 0", 0, stop_run(b))


if __name__ == "__main__":
    T = Checks("backpressure")
    require_bridge(T, "run")
    T.case(slow_fluss_small_buffer)
    T.finish()
