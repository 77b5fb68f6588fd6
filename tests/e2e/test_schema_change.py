#!/usr/bin/python3
"""Schema changes: a `run` bridge sees a new writer schema appear mid-topic (ITEMS_V2:
fields reordered, a nullable column, an extra field), then both schemas interleaved, without
stopping and without losing or reordering records. (A Fluss table schema change mid-run
needs ALTER TABLE in the test server, which it does not model yet: not covered here.)"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge, stop_run  # noqa: E402


def new_writer_schema_mid_topic(T):
    items = datagen.items_table(buckets=3)
    with Env([items], topics={"items": 3}) as env:
        g = datagen.Gen(91)
        m = items_mapping(items)
        b = env.start("run", env.config([m], group="sc"))
        env.kafka.produce("items", g.items(4000, 1000, 3, schemas=(datagen.ITEMS_V1,)))
        env.wait_committed("sc", ["items"], timeout=90)
        env.check_table(T, m, what="schema 1 only: exact state")
        env.kafka.produce("items", g.items(4000, 1000, 3, schemas=(datagen.ITEMS_V2,)))
        env.wait_committed("sc", ["items"], timeout=90)
        env.check_table(T, m, what="then schema 2: exact state")
        env.kafka.produce("items", g.items(4000, 1000, 3, schemas=(datagen.ITEMS_V1, datagen.ITEMS_V2)))
        env.wait_committed("sc", ["items"], timeout=90)
        env.check_table(T, m, what="both interleaved: exact state")
        T.check("still running", b.alive(), b.stderr()[-2000:])
        T.eq("SIGTERM exits 0", 0, stop_run(b))


if __name__ == "__main__":
    T = Checks("schema_change")
    require_bridge(T, "run")
    T.case(new_writer_schema_mid_topic)
    T.finish()
