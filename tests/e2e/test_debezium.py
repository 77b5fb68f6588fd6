#!/usr/bin/python3
"""Debezium CDC into Fluss: c/r/u/d envelopes, updates that change the primary key (delete
of the old key + upsert of the new one), the tombstone after each delete (a no-op), t
events (skipped); exact final state after migrate and after run, committed == end."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen  # noqa: E402
from kfbe2e.scenario import Checks, Env, check_migrated, customers_mapping, require_bridge, stop_run  # noqa: E402


def migrate_cdc(T):
    c = datagen.customers_table(buckets=3)
    with Env([c], tablet_servers=2, topics={"customers": 4}) as env:
        msgs = datagen.Gen(21).debezium(15000, 2000, 4, key_changes=0.08)
        T.check("input has key changes, deletes with tombstones and truncates",
                {"u-move", "d", "tombstone", "t", "r"} <= {m.meta[0] for m in msgs})
        env.kafka.produce("customers", msgs)
        m = customers_mapping(c)
        rc, b = env.migrate(env.config([m], group="dbz1"))
        exp = check_migrated(T, env, rc, b, "dbz1", [m])[0]
        T.eq("no message of the stream is poison", [], exp.poison)


def run_cdc_one_partition(T):
    c = datagen.customers_table(buckets=1)
    with Env([c], topics={"customers": 1}) as env:
        g = datagen.Gen(22)
        m = customers_mapping(c)
        b = env.start("run", env.config([m], group="dbz2"))
        env.kafka.produce("customers", g.debezium(5000, 600, 1))
        env.wait_committed("dbz2", ["customers"], timeout=90)
        env.check_table(T, m)
        T.eq("SIGTERM exits 0", 0, stop_run(b))


if __name__ == "__main__":
    T = Checks("debezium")
    require_bridge(T, "migrate", "run")
    for fn in (migrate_cdc, run_cdc_one_partition):
        T.case(fn)
    T.finish()
