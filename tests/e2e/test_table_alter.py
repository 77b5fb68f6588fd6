#!/usr/bin/python3
"""A Fluss table schema change while the bridge writes (issue 10 "Schema changes"): the test
server's `alter-table` adds a nullable column `color` to shop.items mid-stream, as Fluss's
AlterTable does (a new schema id; batches of the old id are still read with the old schema).
The bridge, with fluss.table_refresh_interval 1s, notices the new schema id and maps later
messages to it; messages of a writer schema with a `color` field are produced only after
the bridge says so (it cannot add columns itself yet, issue 14), messages of the old writer
schema go on throughout. Checked: the final state is exact (rows last written by the old
writer schema have color null, the others their value), committed == end offsets, and the
server's batch log holds applied batches of both schema ids.

  run      the ALTER lands while a `run` bridge works through a topic
  migrate  the ALTER lands while `migrate` copies a topic (slowed by a delayed Fluss so the
           refresh happens mid-copy), then a second `migrate` copies messages carrying color
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen, model  # noqa: E402
from kfbe2e.records import Message, Schema  # noqa: E402
from kfbe2e.scenario import Checks, Env, require_bridge, stop_run, wait_until  # noqa: E402
from kfbe2e.table import Table  # noqa: E402

# the items writer schema with a nullable field for the column the ALTER adds
ITEMS_COLOR = Schema(50, datagen.rec("Item", [("id", "long"), ("name", "string"), ("qty", "int"),
                                              ("price", "double"), ("version", "long"),
                                              ("color", ["null", "string"])]))
REFRESH = {"table_refresh_interval": "1s"}
SWITCH = "changed from schema id 1 to 2"  # the bridge's log line (src/table_refresh.c)


def items_with_color(buckets):
    t = datagen.items_table(buckets=buckets)
    return Table(t.db, t.name, [(c.name, c.type_name) for c in t.columns] + [("color", "STRING")],
                 pk=t.pk, buckets=buckets)


def color_items(g, n, keys, partitions, share=0.6, pad=0):
    """Upserts of `keys` ids, a share of them with ITEMS_COLOR (color set, or null now and
    then), the rest with ITEMS_V1; a few Kafka tombstones. pad: characters added to each
    name (bigger messages, so that a small batch.max_buffered_bytes holds few of them)."""
    out = []
    for _ in range(n):
        k = g.rnd.randrange(keys)
        v = g.next_version()
        key = datagen.ITEMS_KEY.framed({"id": k})
        if g.rnd.random() < 0.05:
            out.append(Message(k % partitions, key, None, meta=("delete", k)))
            continue
        row = {"id": k, "name": f"item-{k}-{v}" + "x" * pad, "qty": g.rnd.randrange(-1000, 1000),
               "price": g.rnd.randrange(0, 100000) / 4, "version": v}
        if g.rnd.random() < share:
            row["color"] = None if g.rnd.random() < 0.1 else g.rnd.choice(["red", "green", "blue"]) + str(v)
            out.append(Message(k % partitions, key, ITEMS_COLOR.framed(row), meta=("upsert", k, v)))
        else:
            out.append(Message(k % partitions, key, datagen.ITEMS_V1.framed(row), meta=("upsert", k, v)))
    return out


def mapping(table):
    return model.Mapping("items", "items", table, [datagen.ITEMS_V1, ITEMS_COLOR], key_schemas=[datagen.ITEMS_KEY])


def batch_schemas(env):
    """{schema id: batches applied} from the server's batch log."""
    out = {}
    for b in env.fluss.batches():
        if b.get("result") == "applied":
            out[int(b["schema"])] = out.get(int(b["schema"]), 0) + 1
    return out


def alter(env):
    return env.fluss.alter_add_column("shop", "items", "color", "STRING")


def alter_mid_run(T):
    old, new = datagen.items_table(buckets=3), items_with_color(3)
    with Env([old], topics={"items": 3}) as env:
        ITEMS_COLOR.write_to(env.schemas_dir)
        g = datagen.Gen(101)
        b = env.start("run", env.config([mapping(old)], group="ta", max_bytes="16KiB", fluss_extra=REFRESH))
        env.kafka.produce("items", g.items(8000, 1500, 3))
        wait_until(lambda: env.fluss.stats()["batches_applied"] > 0, 60, what="the first applied batch")
        T.eq("alter-table answers the new schema id", 2, alter(env))
        wait_until(lambda: SWITCH in b.stderr(), 60, what="the bridge to follow schema id 2")
        env.kafka.produce("items", color_items(g, 6000, 1500, 3))
        env.wait_committed("ta", ["items"], timeout=120)
        T.check("run: still running", b.alive(), b.stderr()[-2000:])
        e = env.check_table(T, mapping(new), what="run: exact state (old rows null in color, new rows with values)")
        T.check("run: some rows hold a color and some hold null",
                any(r.get("color") for r in e.rows.values()) and any(r.get("color") is None for r in e.rows.values()))
        by_schema = batch_schemas(env)
        T.check("run: applied batches of schema id 1 and of schema id 2", by_schema.get(1) and by_schema.get(2),
                by_schema)
        T.eq("run: SIGTERM exits 0", 0, stop_run(b))
        T.eq("run: committed == end offsets", env.kafka.end_offsets("items"), env.kafka.committed("ta", "items"))


def alter_mid_migrate(T):
    old, new = datagen.items_table(buckets=3), items_with_color(3)
    with Env([old], topics={"items": 3}) as env:
        ITEMS_COLOR.write_to(env.schemas_dir)
        g = datagen.Gen(102)
        env.kafka.produce("items", color_items(g, 12000, 2000, 3, share=0, pad=200))
        # a slow Fluss and little buffer space: the copy takes several refresh intervals,
        # and most messages are mapped only after the ALTER
        env.fluss.fault("delay", api="PutKv", delay=150, count=-1)
        cfg = env.config([mapping(old)], group="tm", max_bytes="4KiB", max_buffered_bytes="1MiB",
                         fluss_extra=REFRESH)
        b = env.start("migrate", cfg)
        wait_until(lambda: env.fluss.stats()["batches_applied"] > 0, 60, what="the first applied batch")
        T.eq("alter-table answers the new schema id", 2, alter(env))
        wait_until(lambda: SWITCH in b.stderr() or not b.alive(), 60, what="the bridge to follow schema id 2")
        T.check("migrate: followed the ALTER before it finished", SWITCH in b.stderr(), b.stderr()[-2000:])
        env.fluss.cmd("clear-faults")
        rc = b.wait(180)
        T.eq("migrate: exit status", 0, rc) or print(b.stderr()[-3000:])
        env.check_table(T, mapping(new), what="migrate: exact state (every row null in color)")
        T.eq("migrate: committed == end offsets", env.kafka.end_offsets("items"), env.kafka.committed("tm", "items"))
        by_schema = batch_schemas(env)
        T.check("migrate: applied batches of schema id 1 and of schema id 2", by_schema.get(1) and by_schema.get(2),
                by_schema)
        # then messages that carry color, copied by a second migrate that starts on schema 2
        env.kafka.produce("items", color_items(g, 6000, 2000, 3))
        rc, b2 = env.migrate(env.config([mapping(new)], group="tm", name="again.yaml", fluss_extra=REFRESH))
        T.eq("second migrate: exit status", 0, rc) or print(b2.stderr()[-3000:])
        e = env.check_table(T, mapping(new), what="second migrate: exact state")
        T.check("second migrate: rows with a color exist", any(r.get("color") for r in e.rows.values()))
        T.eq("second migrate: committed == end offsets", env.kafka.end_offsets("items"),
             env.kafka.committed("tm", "items"))


if __name__ == "__main__":
    T = Checks("table_alter")
    require_bridge(T, "run", "migrate")
    T.case(alter_mid_run)
    T.case(alter_mid_migrate)
    T.finish()
