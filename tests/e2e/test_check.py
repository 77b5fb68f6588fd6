#!/usr/bin/python3
"""`kafka-fluss-bridge check -c FILE` against kafka-mock and the Fluss test server (issue 10
"Commands"): it reads everything `run` would meet and writes nothing.

  good config         exit 0; the plan: mapping -> table, the topic and its partitions, the
                      table (schema id, columns, buckets), the writer schema, each column's
                      conversion; "ready: 0 problems"
  missing topic       exit 1, a `problem:` line naming the topic
  missing table       exit 1, a `problem:` line naming the table
  unusable schema     exit 1, a `problem:` line naming the writer schema: the newest message
                      of the topic is written with a schema that lacks the NOT NULL key column
  table changed       after alter-table the plan shows the new schema id and column
  config error        exit 2, FILE:LINE:COL of the unknown key
Nothing is written: no PutKv reaches the server, no offset is committed.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import config, datagen, model  # noqa: E402
from kfbe2e.procs import binary  # noqa: E402
from kfbe2e.records import Message, Schema  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge  # noqa: E402

ITEMS_NO_ID = Schema(7, datagen.rec("Item", [("name", "string"), ("qty", "int"), ("version", "long")]))


def check(cfg, timeout=120):
    p = subprocess.run([binary("kafka-fluss-bridge"), "check", "-c", cfg], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def write(env, name, schemas, mappings):
    return config.write_config(os.path.join(env.dir, name), env.kafka.bootstrap, "chk", env.fluss.bootstrap,
                               schemas, mappings)


def problems(out):
    return [line for line in out.splitlines() if line.startswith("problem:")]


def check_command(T):
    items = datagen.items_table(buckets=3)
    with Env([items], topics={"items": 2}) as env:
        good = env.schemas_subdir("s-good", [datagen.ITEMS_V1])
        m = items_mapping(items)
        env.kafka.produce("items", datagen.Gen(131).items(100, 50, 2))

        rc, out, err = check(write(env, "good.yaml", good, [m]))
        T.eq("good: exit 0", 0, rc) or print(out, err[-2000:])
        for want in ("mapping items -> table shop.items", "topic items: 2 partitions",
                     "table shop.items: id 1, schema id 1, 5 columns, 3 buckets", "writer schema id 1",
                     "column id BIGINT NOT NULL <- Item.id (long)", "column qty INT <- Item.qty (int)",
                     "ready: 0 problems"):
            T.check(f"good: the plan shows '{want}'", want in out, out)
        T.eq("good: no problem lines", [], problems(out))

        missing_topic = model.Mapping("items", "nope", items, [datagen.ITEMS_V1])
        rc, out, err = check(write(env, "topic.yaml", good, [missing_topic]))
        T.eq("missing topic: exit 1", 1, rc)
        T.check("missing topic: a problem line names the topic", any("'nope'" in p for p in problems(out)), out)

        other = datagen.items_table(name="nope", buckets=3)
        rc, out, err = check(write(env, "table.yaml", good, [items_mapping(other)]))
        T.eq("missing table: exit 1", 1, rc)
        T.check("missing table: a problem line names the table", any("shop.nope" in p for p in problems(out)), out)

        env.fluss.alter_add_column("shop", "items", "color", "STRING")
        rc, out, err = check(write(env, "altered.yaml", good, [m]))
        T.eq("after alter-table: exit 0", 0, rc) or print(out, err[-2000:])
        T.check("after alter-table: the plan shows schema id 2 and 6 columns",
                "table shop.items: id 1, schema id 2, 6 columns, 3 buckets" in out, out)
        T.check("after alter-table: the new column without an Avro field", "color" in out, out)

        path = os.path.join(env.dir, "broken.yaml")
        with open(path, "w") as f:
            f.write(open(write(env, "base.yaml", good, [m])).read().replace("  linger:", "  lingr:"))
        line = next(i for i, l in enumerate(open(path).read().splitlines(), 1) if "lingr" in l)
        rc, out, err = check(path)
        T.eq("config error: exit 2", 2, rc)
        T.check("config error: FILE:LINE:COL of the unknown key", f"{path}:{line}:3" in out + err, out, err)

        # last, as it leaves a message of schema 7 as the topic's newest: check takes the
        # writer schema of a schemas_dir mapping from the newest messages of its topic
        env.kafka.produce("items", [Message(0, datagen.ITEMS_KEY.framed({"id": 1}),
                                            ITEMS_NO_ID.framed({"name": "x", "qty": 1, "version": 1}))])
        bad = env.schemas_subdir("s-bad", [datagen.ITEMS_V1, ITEMS_NO_ID])
        rc, out, err = check(write(env, "schema.yaml", bad, [m]))
        T.eq("unusable writer schema: exit 1", 1, rc)
        T.check("unusable writer schema: a problem line names schema 7 and the column",
                any("writer schema 7" in p and "id" in p for p in problems(out)), out)

        T.eq("nothing written to Fluss", 0, env.fluss.stats()["api_calls"].get("PutKv", 0))
        T.eq("no offset committed", {0: -1, 1: -1}, env.kafka.committed("chk", "items"))


if __name__ == "__main__":
    T = Checks("check")
    require_bridge(T, "check")
    T.case(check_command)
    T.finish()
