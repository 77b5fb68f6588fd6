#!/usr/bin/python3
"""Happy paths (issue 10 "Tests"): several topics and mappings in one bridge, 1 and 8
partitions, several buckets on 3 tablet servers, upserts, Kafka tombstones with Avro and
string keys, two writer schemas in one topic, a mapping over a list of topics, a
partitioned table, partial updates; `migrate` ends with committed == end offsets, and
`run` replicates waves produced while it runs and drains on SIGTERM."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen, model  # noqa: E402
from kfbe2e.scenario import (Checks, Env, check_migrated, items_mapping, require_bridge,  # noqa: E402
                             stop_run, users_mapping)

V12 = (datagen.ITEMS_V1, datagen.ITEMS_V2)


def migrate_two_mappings(T):
    items, users = datagen.items_table(buckets=6, leaders=[0, 1, 2, 0, 1, 2]), datagen.users_table(buckets=3)
    with Env([items, users], tablet_servers=3, topics={"items": 8, "users": 1}) as env:
        g = datagen.Gen(11)
        env.kafka.produce("items", g.items(20000, 3000, 8, schemas=V12))
        env.kafka.produce("users", g.users(5000, 800, 1))
        ms = [items_mapping(items), users_mapping(users)]
        rc, b = env.migrate(env.config(ms, group="happy1"))
        check_migrated(T, env, rc, b, "happy1", ms)
        out = b.stdout() + b.stderr()
        T.check("migrate prints a summary per mapping", "items" in out and "users" in out, out[-1500:])
        # a second migrate with nothing new: exit 0, same state
        rc2, b2 = env.migrate(env.config(ms, group="happy1", name="again.yaml"))
        check_migrated(T, env, rc2, b2, "happy1", ms, what="second migrate")


def migrate_topic_list_one_partition(T):
    items = datagen.items_table(buckets=1)
    with Env([items], topics={"a": 1, "b": 1}) as env:
        g = datagen.Gen(12)
        env.kafka.produce("a", g.items(3000, 400, 1, schemas=V12, key_format="avro"))
        env.kafka.produce("b", g.items(3000, 400, 1, schemas=V12, first_key=10000))  # keys disjoint from a's
        m = items_mapping(items, topics=["a", "b"])
        rc, b = env.migrate(env.config([m], group="happy2"))
        check_migrated(T, env, rc, b, "happy2", [m])


def migrate_partitioned(T):
    days = ["2024-01-01", "2024-01-02", "2024-01-03"]
    ev = datagen.events_table(days, buckets=2)
    with Env([ev], tablet_servers=2, topics={"events": 2}) as env:
        env.kafka.produce("events", datagen.Gen(13).events(6000, 900, days, 2))
        m = model.Mapping("events", "events", ev, [datagen.EVENTS_V1])
        rc, b = env.migrate(env.config([m], group="happy3"))
        check_migrated(T, env, rc, b, "happy3", [m])


def migrate_partial_update(T):
    w = datagen.wide_table()
    with Env([w], topics={"wide": 3}) as env:
        env.kafka.produce("wide", datagen.Gen(14).wide(6000, 500, 3))
        m = model.Mapping("wide", "wide", w, [datagen.WIDE_A, datagen.WIDE_B], partial_update=True)
        rc, b = env.migrate(env.config([m], group="happy4"))
        check_migrated(T, env, rc, b, "happy4", [m])


def run_waves(T):
    items = datagen.items_table(buckets=4)
    with Env([items], tablet_servers=2, topics={"items": 8}) as env:
        g = datagen.Gen(15)
        m = items_mapping(items)
        b = env.start("run", env.config([m], group="happy5", shutdown_timeout="30s"))
        for wave in range(3):
            env.kafka.produce("items", g.items(4000, 1500, 8, schemas=V12))
            env.wait_committed("happy5", ["items"], timeout=90)
            T.check(f"run: still running after wave {wave}", b.alive(), b.stderr()[-2000:])
            env.check_table(T, m, what=f"run: state after wave {wave}")
        T.eq("run: SIGTERM drains and exits 0", 0, stop_run(b))
        env.check_table(T, m, what="run: state after SIGTERM")


if __name__ == "__main__":
    T = Checks("happy")
    require_bridge(T, "migrate", "run")
    for fn in (migrate_two_mappings, migrate_topic_list_one_partition, migrate_partitioned,
               migrate_partial_update, run_waves):
        T.case(fn)
    T.finish()
