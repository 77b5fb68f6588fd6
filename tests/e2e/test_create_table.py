#!/usr/bin/python3
"""Tables that follow the data (issue 14), end to end against kafka-mock and the Fluss test
server:

  every type        `migrate` with create_table creates shop.alltypes from a writer schema
                    holding every Avro type the mapper writes (written by python3-avro), and
                    copies it: the table's columns, ids and keys are the type table's
                    (table_create.h), every row is exact (values rendered here from the
                    Avro data, ARRAY/MAP bytes built here from the BinaryArray layout of
                    fluss-protocol.md §6.4), committed == end offsets
  racing create     two `run` bridges of one group start at once on a missing table: both
                    run, the table is created once, the final state is exact
  check             `check` prints the table it would create (descriptor JSON, Flink SQL)
                    and creates nothing
  refused           a writer schema no table can take (an array of records): `check` has a
                    problem line, `migrate` exits 1 with the sentence, nothing is created
  evolve (run, migrate, racing)   with `evolve: add_columns`, a writer schema that gains
                    fields mid-stream: the columns are added (one new schema id), old rows
                    read null in them, new rows carry the values, in Kafka order, committed
                    == end offsets; `check` prints the columns it would add and adds none
  evolve shared     two mappings meet the new schema at once (one of them over two
                    topics), and a table whose column someone else added is picked up by
                    the periodic refresh first: only the missing column is added
  evolve refused    a type change and a new NOT NULL field stop `run` (exit 1) with the
                    sentence naming the field; nothing of them written or committed
Schemas: each scenario has its own schemas_dir, since a directory source takes its highest
<id>.avsc as the latest writer schema of any topic.
"""
import datetime
import decimal
import json
import os
import struct
import subprocess
import sys
import uuid
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import config, datagen, model  # noqa: E402
from kfbe2e.procs import binary  # noqa: E402
from kfbe2e.records import Message, Schema  # noqa: E402
from kfbe2e.scenario import Checks, Env, require_bridge, stop_run, wait_until  # noqa: E402
from kfbe2e.table import Table, varint  # noqa: E402

warnings.filterwarnings("ignore", module="avro")  # python3-avro 1.11 ignores the newer logical types

UTC = datetime.timezone.utc


def write(env, name, sdir, mappings, group="ct", **kw):
    return config.write_config(os.path.join(env.dir, name), env.kafka.bootstrap, group, env.fluss.bootstrap, sdir,
                               mappings, **kw)


def entry(name, topic, table, **extra):
    e = {"name": name, "topic": topic, "table": table, "create_table": True}
    e.update(extra)
    return e


def run_cmd(cmd, cfg, timeout=120):
    p = subprocess.run([binary("kafka-fluss-bridge"), cmd, "-c", cfg], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def table_exists(env, db, table):
    return env.fluss.cmd(f"table-id {db} {table}", ok=False).startswith("OK")


# ---- every Avro type -------------------------------------------------------------------------

def fixed(name, size, **kw):
    return dict({"type": "fixed", "name": name, "size": size}, **kw)


def logical(base, lt, **kw):
    return dict({"type": base, "logicalType": lt}, **kw)


ALL = Schema(1, {"type": "record", "name": "Row", "namespace": "e2e", "fields": [
    {"name": "id", "type": "long"},
    {"name": "b", "type": "boolean"},
    {"name": "i", "type": "int"},
    {"name": "l", "type": ["null", "long"]},
    {"name": "f", "type": "float"},
    {"name": "d", "type": ["double", "null"]},
    {"name": "s", "type": "string"},
    {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["RED", "GREEN"]}},
    {"name": "u", "type": logical("string", "uuid")},
    {"name": "uf", "type": fixed("U16", 16, logicalType="uuid")},
    {"name": "by", "type": "bytes"},
    {"name": "fx", "type": fixed("F3", 3)},
    {"name": "dec", "type": logical("bytes", "decimal", precision=10, scale=2)},
    {"name": "decf", "type": fixed("F8", 8, logicalType="decimal", precision=18, scale=4)},
    {"name": "dt", "type": logical("int", "date")},
    {"name": "tm", "type": logical("int", "time-millis")},
    {"name": "tu", "type": logical("long", "time-micros")},
    {"name": "tsm", "type": logical("long", "timestamp-millis")},
    {"name": "tsu", "type": logical("long", "timestamp-micros")},
    {"name": "tsn", "type": logical("long", "timestamp-nanos")},
    {"name": "lsm", "type": logical("long", "local-timestamp-millis")},
    {"name": "lsu", "type": logical("long", "local-timestamp-micros")},
    {"name": "lsn", "type": logical("long", "local-timestamp-nanos")},
    {"name": "r", "type": {"type": "record", "name": "R", "fields": [
        {"name": "x", "type": "int"}, {"name": "y", "type": ["null", "string"]}]}},
    {"name": "ai", "type": {"type": "array", "items": ["null", "int"]}},
    {"name": "as", "type": {"type": "array", "items": "string"}},
    {"name": "m", "type": {"type": "map", "values": "long"}},
    {"name": "nr", "type": ["null", {"type": "record", "name": "N", "fields": [{"name": "z", "type": "double"}]}]},
]})


def t(name, nullable=True, **kw):
    d = {"type": name}
    if not nullable:
        d["nullable"] = False
    d.update(kw)
    return d


# The columns the type table gives ALL (table_create.h), as DataTypeJsonSerde writes them,
# with the ids Schema.Builder assigns: each column the next id, then its ROW fields.
ALL_COLUMNS = [
    ("id", t("BIGINT", False)), ("b", t("BOOLEAN", False)), ("i", t("INTEGER", False)), ("l", t("BIGINT")),
    ("f", t("FLOAT", False)), ("d", t("DOUBLE")), ("s", t("STRING", False)), ("e", t("STRING", False)),
    ("u", t("STRING", False)), ("uf", t("STRING", False)), ("by", t("BYTES", False)),
    ("fx", t("BINARY", False, length=3)), ("dec", t("DECIMAL", False, precision=10, scale=2)),
    ("decf", t("DECIMAL", False, precision=18, scale=4)), ("dt", t("DATE", False)),
    ("tm", t("TIME_WITHOUT_TIME_ZONE", False, precision=3)), ("tu", t("TIME_WITHOUT_TIME_ZONE", False, precision=6)),
    ("tsm", t("TIMESTAMP_WITH_LOCAL_TIME_ZONE", False, precision=3)),
    ("tsu", t("TIMESTAMP_WITH_LOCAL_TIME_ZONE", False, precision=6)),
    ("tsn", t("TIMESTAMP_WITH_LOCAL_TIME_ZONE", False, precision=9)),
    ("lsm", t("TIMESTAMP_WITHOUT_TIME_ZONE", False, precision=3)),
    ("lsu", t("TIMESTAMP_WITHOUT_TIME_ZONE", False, precision=6)),
    ("lsn", t("TIMESTAMP_WITHOUT_TIME_ZONE", False, precision=9)),
    ("r", t("ROW", False, fields=[{"name": "x", "field_type": t("INTEGER", False), "field_id": 24},
                                  {"name": "y", "field_type": t("STRING"), "field_id": 25}])),
    ("ai", t("ARRAY", False, element_type=t("INTEGER"))),
    ("as", t("ARRAY", False, element_type=t("STRING", False))),
    ("m", t("MAP", False, key_type=t("STRING", False), value_type=t("BIGINT", False))),
    ("nr", t("ROW", fields=[{"name": "z", "field_type": t("DOUBLE", False), "field_id": 30}])),
]
ALL_IDS = list(range(24)) + [26, 27, 28, 29]  # r takes 23 and its fields 24, 25; nr 29 and z 30


def binary_array(values, kind):
    """BinaryArray (fluss-protocol.md §6.4; BinaryArray.java calculateHeaderInBytes,
    BinaryArrayWriter): count, null bits in 4-byte words, fixed slots (4 bytes for INT, 8
    for BIGINT and strings), the header and slots together padded to 8 bytes, then the
    variable part; strings up to 7 bytes sit in their slot (top byte 0x80 | length), longer
    ones are (length, offset) with their bytes padded to 8 in the variable part."""
    n = len(values)
    header = 4 + (n + 31) // 32 * 4
    slot = 4 if kind == "int" else 8
    out = bytearray(struct.pack("<i", n)) + bytearray((header + n * slot + 7) // 8 * 8 - 4)
    var = bytearray()
    for i, v in enumerate(values):
        off = header + i * slot
        if v is None:
            out[4 + i // 8] |= 1 << (i % 8)
        elif kind == "int":
            out[off:off + 4] = struct.pack("<i", v)
        elif kind == "long":
            out[off:off + 8] = struct.pack("<q", v)
        else:
            b = v.encode()
            if len(b) <= 7:
                out[off:off + 8] = b.ljust(7, b"\0") + bytes([0x80 | len(b)])
            else:
                out[off:off + 8] = struct.pack("<II", len(b), len(out) + len(var))
                var += b + bytes(-len(b) % 8)
    return bytes(out + var)


def binary_map(d):
    keys = binary_array(list(d.keys()), "string")
    return struct.pack("<i", len(keys)) + keys + binary_array(list(d.values()), "long")


def ts_text(millis, nano_of_milli, zone):
    day = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=millis)
    return day.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d%06d" % (millis % 1000, nano_of_milli) + zone


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def all_row(rnd, k, v):
    """One ALL datum (python values for python3-avro) and the row the dump must show."""
    tsm = datetime.datetime(2024, 1, 1, tzinfo=UTC) + datetime.timedelta(milliseconds=rnd.randrange(-10**11, 10**11))
    tsu = datetime.datetime(2024, 1, 1, tzinfo=UTC) + datetime.timedelta(microseconds=rnd.randrange(-10**14, 10**14))
    tsn, lsm, lsu, lsn = (rnd.randrange(-10**18, 10**18), rnd.randrange(-10**12, 10**12),
                          rnd.randrange(-10**15, 10**15), rnd.randrange(-10**18, 10**18))
    tm = datetime.time(rnd.randrange(24), rnd.randrange(60), rnd.randrange(60), rnd.randrange(1000) * 1000)
    tu = datetime.time(rnd.randrange(24), rnd.randrange(60), rnd.randrange(60), rnd.randrange(10**6))
    dec = decimal.Decimal(rnd.randrange(-10**9, 10**9)).scaleb(-2)
    decf = decimal.Decimal(rnd.randrange(-10**17, 10**17)).scaleb(-4)
    uf = bytes(rnd.randrange(256) for _ in range(16))
    ai = [None if rnd.random() < 0.2 else rnd.randrange(-2**31, 2**31) for _ in range(rnd.randrange(6))]
    as_ = [("s%d" % v) * rnd.randrange(1, 4) for _ in range(rnd.randrange(4))]
    m = {f"k{j}": rnd.randrange(-2**63, 2**63) for j in range(rnd.randrange(3))}
    datum = {
        "id": k, "b": rnd.random() < 0.5, "i": rnd.randrange(-2**31, 2**31),
        "l": None if rnd.random() < 0.3 else rnd.randrange(-2**63, 2**63), "f": rnd.randrange(-64, 64) / 4,
        "d": None if rnd.random() < 0.3 else rnd.randrange(-10**6, 10**6) / 8, "s": f"s\u00e9-{k}-{v}",
        "e": rnd.choice(["RED", "GREEN"]), "u": str(uuid.UUID(int=rnd.getrandbits(128))), "uf": uf,
        "by": bytes(rnd.randrange(256) for _ in range(rnd.randrange(5))), "fx": bytes([k % 256, 1, v % 256]),
        "dec": dec, "decf": decf, "dt": datetime.date(1970, 1, 1) + datetime.timedelta(days=rnd.randrange(-30000, 30000)),
        "tm": tm, "tu": tu, "tsm": tsm, "tsu": tsu, "tsn": tsn, "lsm": lsm, "lsu": lsu, "lsn": lsn,
        "r": {"x": v, "y": None if v % 3 == 0 else f"y{v}"}, "ai": ai, "as": as_, "m": m,
        "nr": None if v % 2 else {"z": v / 2},
    }
    day_ms = lambda x: ((x.hour * 60 + x.minute) * 60 + x.second) * 1000 + x.microsecond // 1000  # noqa: E731
    epoch = datetime.datetime(1970, 1, 1, tzinfo=UTC)
    tsm_ms = (tsm - epoch) // datetime.timedelta(milliseconds=1)
    tsu_us = (tsu - epoch) // datetime.timedelta(microseconds=1)
    row = dict(datum)
    row.update({
        "f": f32(datum["f"]), "uf": str(uuid.UUID(bytes=uf)), "by": datum["by"].hex(), "fx": datum["fx"].hex(),
        "dec": format(dec, "f"), "decf": format(decf, "f"), "dt": datum["dt"].isoformat(),
        "tm": "%02d:%02d:%02d.%03d" % (tm.hour, tm.minute, tm.second, tm.microsecond // 1000),
        "tu": "%02d:%02d:%02d.%03d" % (tu.hour, tu.minute, tu.second, day_ms(tu) % 1000),
        "tsm": ts_text(tsm_ms, 0, "Z"), "tsu": ts_text(tsu_us // 1000, tsu_us % 1000 * 1000, "Z"),
        "tsn": ts_text(tsn // 10**6, tsn % 10**6, "Z"), "lsm": ts_text(lsm, 0, ""),
        "lsu": ts_text(lsu // 1000, lsu % 1000 * 1000, ""), "lsn": ts_text(lsn // 10**6, lsn % 10**6, ""),
        "ai": {"binary": binary_array(ai, "int").hex()}, "as": {"binary": binary_array(as_, "string").hex()},
        "m": {"binary": binary_map(m).hex()},
    })
    return datum, row


def every_type(T):
    with Env([], topics={"alltypes": 3}) as env:
        sdir = env.schemas_subdir("s-all", [ALL])
        g = datagen.Gen(141)
        msgs, want = [], {}
        for _ in range(600):
            k = g.rnd.randrange(120)
            v = g.next_version()
            datum, row = all_row(g.rnd, k, v)
            msgs.append(Message(k % 3, str(k).encode(), ALL.framed(datum)))
            want[varint(k & 0xFFFFFFFFFFFFFFFF).hex()] = row
        env.kafka.produce("alltypes", msgs)
        cfg = write(env, "all.yaml", sdir, [entry("all", "alltypes", "shop.alltypes", primary_key=["id"],
                                                 bucket_count=4, table_properties={"table.changelog.image": "WAL"})])
        rc, b = env.migrate(cfg)
        T.eq("every type: migrate exits 0", 0, rc) or print(b.stderr()[-3000:])
        T.check("every type: the bridge says what it created",
                "created table shop.alltypes from schemas_dir schema id 1" in b.stderr(), b.stderr()[-2000:])
        schema = json.loads(env.fluss.cmd("schema shop alltypes"))
        T.eq("every type: the columns and types of the type table",
             [(n, ty) for n, ty in ALL_COLUMNS], [(c["name"], c["data_type"]) for c in schema["columns"]])
        T.eq("every type: column ids as Fluss assigns them", ALL_IDS, [c["id"] for c in schema["columns"]])
        T.eq("every type: highest field id", 30, schema["highest_field_id"])
        T.eq("every type: primary key", ["id"], schema["primary_key"])
        dump = env.fluss.dump("shop", "alltypes")
        T.eq("every type: 4 buckets", 4, len(dump["buckets"]))
        T.eq("every type: one row per key", len(want), dump["row_count"])
        wrong = [(k, {c: (want[k][c], dump["rows"].get(k, {}).get(c)) for c in want[k]
                      if want[k][c] != dump["rows"].get(k, {}).get(c)}) for k in want]
        wrong = [w for w in wrong if w[1]]
        T.check("every type: every row holds the last value of its key, exactly", not wrong, *wrong[:3])
        T.eq("every type: committed == end offsets", env.kafka.end_offsets("alltypes"),
             env.kafka.committed("ct", "alltypes"))


# ---- two bridges racing on the create ----------------------------------------------------------

def racing_create(T):
    items = datagen.items_table(buckets=3)
    with Env([], topics={"items": 4}) as env:
        sdir = env.schemas_subdir("s-items", [datagen.ITEMS_V1])
        m = model.Mapping("items", "items", items, [datagen.ITEMS_V1])
        cfg = write(env, "race.yaml", sdir, [entry("items", "items", "shop.items", primary_key=["id"],
                                                   bucket_count=3)], group="race")
        a = env.start("run", cfg, tag="a")
        b = env.start("run", cfg, tag="b")
        g = datagen.Gen(142)
        env.kafka.produce("items", g.items(3000, 400, 4, tombstones=0.0))
        env.wait_committed("race", ["items"], timeout=120)
        env.check_table(T, m, what="racing create: exact final state")
        T.check("racing create: both bridges still run", a.alive() and b.alive(), a.stderr()[-1500:],
                b.stderr()[-1500:])
        logs = a.stderr() + b.stderr()
        T.eq("racing create: one bridge created the table", 1, logs.count("created table shop.items"))
        T.eq("racing create: one table (id 1)", "1", env.fluss.cmd("table-id shop items"))
        T.eq("racing create: SIGTERM exits 0 (a)", 0, stop_run(a))
        T.eq("racing create: SIGTERM exits 0 (b)", 0, stop_run(b))


# ---- check prints the planned table ------------------------------------------------------------

def check_prints_the_plan(T):
    with Env([], topics={"items": 2}) as env:
        sdir = env.schemas_subdir("s-items", [datagen.ITEMS_V1])
        cfg = write(env, "chk.yaml", sdir, [entry("items", "items", "shop.items", primary_key=["id"], bucket_count=3,
                                                  table_properties={"table.merge-engine": "first_row"})])
        rc, out, err = run_cmd("check", cfg)
        T.eq("check: exit 0", 0, rc) or print(out, err[-2000:])
        T.check("check: says it would create the table",
                "table shop.items does not exist; run/migrate will create it (create_table) from schemas_dir "
                "schema id 1:" in out, out)
        line = next((l for l in out.splitlines() if l.strip().startswith("descriptor: ")), None)
        desc = json.loads(line.split("descriptor: ", 1)[1]) if line else {}
        T.eq("check: the descriptor's columns", [("id", {"type": "BIGINT", "nullable": False}),
                                                 ("name", {"type": "STRING", "nullable": False}),
                                                 ("qty", {"type": "INTEGER", "nullable": False}),
                                                 ("price", {"type": "DOUBLE", "nullable": False}),
                                                 ("version", {"type": "BIGINT", "nullable": False})],
             [(c["name"], c["data_type"]) for c in desc.get("schema", {}).get("columns", [])])
        T.eq("check: the descriptor's keys and properties",
             (["id"], ["id"], 3, {"table.merge-engine": "first_row"}),
             (desc.get("schema", {}).get("primary_key"), desc.get("bucket_key"), desc.get("bucket_count"),
              desc.get("properties")))
        T.check("check: the Flink SQL", "    CREATE TABLE `shop`.`items` (\n      `id` BIGINT NOT NULL,\n" in out
                and "      PRIMARY KEY (`id`) NOT ENFORCED\n    )\n    WITH (\n      'bucket.num' = '3',\n"
                    "      'table.merge-engine' = 'first_row'\n    );\n" in out, out)
        T.check("check: nothing created", not table_exists(env, "shop", "items"))
        calls = env.fluss.stats()["api_calls"]
        T.eq("check: no CreateDatabase/CreateTable sent", (0, 0),
             (calls.get("CreateDatabase", 0), calls.get("CreateTable", 0)))


# ---- a writer schema no table can take ---------------------------------------------------------

BAD = Schema(3, datagen.rec("Order", [("id", "long"), ("lines", {"type": "array", "items": datagen.rec(
    "Line", [("sku", "string"), ("qty", "int")])})]))


def refused(T):
    with Env([], topics={"orders": 1}) as env:
        sdir = env.schemas_subdir("s-bad", [BAD])
        env.kafka.produce("orders", [Message(0, b"1", BAD.framed({"id": 1, "lines": []}))])
        cfg = write(env, "bad.yaml", sdir, [entry("orders", "orders", "shop.orders", primary_key=["id"])])
        sentence = ("field Order.lines is an Avro array of records, which the bridge does not write yet (only "
                    "arrays of scalar values); list the field in ignore")
        rc, out, err = run_cmd("check", cfg)
        T.eq("refused: check exits 1", 1, rc)
        T.check("refused: check's problem line has the sentence",
                any(l.startswith("problem: ") and sentence in l for l in out.splitlines()), out)
        rc, b = env.migrate(cfg, timeout=120)
        T.eq("refused: migrate exits 1", 1, rc)
        T.check("refused: migrate says why", "mapping 'orders': cannot create table shop.orders: " + sentence
                in b.stderr(), b.stderr()[-2000:])
        T.check("refused: nothing created", not table_exists(env, "shop", "orders"))
        # what to do works: ignoring the field
        cfg = write(env, "ok.yaml", sdir, [entry("orders", "orders", "shop.orders", primary_key=["id"],
                                                 ignore=["lines"])], group="ct2")
        rc, b = env.migrate(cfg, timeout=120)
        T.eq("refused: with the field ignored, migrate exits 0", 0, rc) or print(b.stderr()[-2000:])
        T.eq("refused: ... and the row is there", 1, env.fluss.dump("shop", "orders")["row_count"])


# ---- evolve: add_columns -------------------------------------------------------------------------

# ITEMS_V1 plus a nullable field and a NOT NULL one with a default: both become nullable columns
ITEMS_EVO = Schema(5, {"type": "record", "name": "Item", "fields": [
    {"name": "id", "type": "long"}, {"name": "name", "type": "string"}, {"name": "qty", "type": "int"},
    {"name": "price", "type": "double"}, {"name": "version", "type": "long"},
    {"name": "note", "type": ["null", "string"], "default": None}, {"name": "rank", "type": "int", "default": 0}]})


def evolved_table(buckets, name="items"):
    return Table("shop", name, [("id", "BIGINT"), ("name", "STRING"), ("qty", "INT"), ("price", "DOUBLE"),
                                   ("version", "BIGINT"), ("note", "STRING"), ("rank", "INT")], pk=["id"],
                 buckets=buckets)


def evo_items(g, n, keys, partitions, share, base=0):
    out = []
    for _ in range(n):
        k = base + g.rnd.randrange(keys)
        v = g.next_version()
        row = {"id": k, "name": f"item-{k}-{v}", "qty": g.rnd.randrange(-1000, 1000),
               "price": g.rnd.randrange(0, 100000) / 4, "version": v}
        s = datagen.ITEMS_V1
        if g.rnd.random() < share:
            s = ITEMS_EVO
            row.update(note=None if v % 5 == 0 else f"n{v}", rank=v % 1000)
        out.append(Message(k % partitions, str(k).encode(), s.framed(row), meta=("upsert", k, v)))
    return out


def evolve_entry(**extra):
    return entry("items", "items", "shop.items", primary_key=["id"], bucket_count=3, evolve="add_columns", **extra)


def evolve_check(T, env, what, group, bridges=(), alters=(1, 1), mixed=True):
    """The columns were added once, and the table holds exactly the state computed from
    the topic (read back from Kafka, decoded with the writer schema of each message,
    applied in Kafka order): rows last written with schema 1 null in the new columns."""
    m = model.Mapping("items", "items", evolved_table(3), [datagen.ITEMS_V1, ITEMS_EVO])
    schema = json.loads(env.fluss.cmd("schema shop items"))
    T.eq(f"{what}: columns added at the end, nullable",
         [("note", {"type": "STRING"}), ("rank", {"type": "INTEGER"})],
         [(c["name"], c["data_type"]) for c in schema["columns"][5:]])
    T.eq(f"{what}: one new schema id", 2, env.fluss.dump("shop", "items")["schema_id"])
    n = env.fluss.stats()["api_calls"].get("AlterTable", 0)
    T.check(f"{what}: AlterTable sent {alters[0]}..{alters[1]} times", alters[0] <= n <= alters[1], n)
    e = env.check_table(T, m, what=f"{what}: exact final state (old rows null in the new columns)")
    rows = list(e.state.values())
    if mixed:  # the scenario's keys end on either schema
        T.check(f"{what}: the expected state has rows of both schemas",
                any(r.get("rank") is None for r in rows) and any(r.get("rank") is not None for r in rows))
    T.eq(f"{what}: committed == end offsets", env.kafka.end_offsets("items"), env.kafka.committed(group, "items"))
    for b in bridges:
        T.check(f"{what}: the bridge logged the new columns",
                "table shop.items: added columns note STRING, rank INT for writer schema 5" in b.stderr(),
                b.stderr()[-1500:])


def evolve_run(T):
    with Env([], topics={"items": 3}) as env:
        sdir = env.schemas_subdir("s", [datagen.ITEMS_V1])
        cfg = write(env, "evo.yaml", sdir, [evolve_entry()], group="evo")
        b = env.start("run", cfg)
        g = datagen.Gen(143)
        env.kafka.produce("items", evo_items(g, 2000, 300, 3, share=0.0))
        env.wait_committed("evo", ["items"], timeout=120)
        ITEMS_EVO.write_to(sdir)  # the producer registers its new schema
        env.kafka.produce("items", evo_items(g, 3000, 300, 3, share=0.5))
        env.wait_committed("evo", ["items"], timeout=120)
        evolve_check(T, env, "evolve under run", "evo", [b])
        T.eq("evolve under run: SIGTERM exits 0", 0, stop_run(b))


def evolve_migrate(T):
    with Env([], topics={"items": 3}) as env:
        sdir = env.schemas_subdir("s", [datagen.ITEMS_V1])
        # the table exists (from schema 1) before the topic holds schema 5
        rc, _ = env.migrate(write(env, "first.yaml", sdir, [evolve_entry()], group="m1"), timeout=120)
        T.eq("evolve under migrate: the empty first migrate creates the table", 0, rc)
        ITEMS_EVO.write_to(sdir)
        g = datagen.Gen(144)
        env.kafka.produce("items", evo_items(g, 2000, 300, 3, share=0.0) + evo_items(g, 2000, 300, 3, share=0.5))
        rc, out, err = run_cmd("check", write(env, "evo.yaml", sdir, [evolve_entry()], group="m2"))
        T.eq("evolve under migrate: check exits 0", 0, rc) or print(out, err[-2000:])
        T.check("evolve under migrate: check prints the columns it would add",
                "  evolve: add_columns: run/migrate will add to table shop.items for writer schema 5 (nothing is "
                "changed now):\n    ADD COLUMN `note` STRING (field Item.note)\n"
                "    ADD COLUMN `rank` INT (field Item.rank)\n" in out, out)
        T.check("evolve under migrate: check's plan writes the new fields",
                "note" in out.split("writer schema id 5", 1)[-1], out)
        T.eq("evolve under migrate: check changes nothing (schema id 1, no AlterTable)", (1, 0),
             (env.fluss.dump("shop", "items")["schema_id"], env.fluss.stats()["api_calls"].get("AlterTable", 0)))
        rc, b = env.migrate(write(env, "evo.yaml", sdir, [evolve_entry()], group="m2"), timeout=180)
        T.eq("evolve under migrate: exit 0", 0, rc) or print(b.stderr()[-3000:])
        evolve_check(T, env, "evolve under migrate", "m2", [b])


def evolve_racing(T):
    with Env([], topics={"items": 4}) as env:
        sdir = env.schemas_subdir("s", [datagen.ITEMS_V1])
        cfg = write(env, "evo.yaml", sdir, [evolve_entry()], group="evr")
        a = env.start("run", cfg, tag="a")
        b = env.start("run", cfg, tag="b")
        g = datagen.Gen(145)
        env.kafka.produce("items", evo_items(g, 2000, 400, 4, share=0.0))
        env.wait_committed("evr", ["items"], timeout=120)
        wait_until(lambda: a.alive() and b.alive(), 30, what="both bridges running")
        ITEMS_EVO.write_to(sdir)
        # every partition meets schema 5 at once, so both bridges try the ALTER
        env.kafka.produce("items", evo_items(g, 3000, 400, 4, share=1.0))
        env.wait_committed("evr", ["items"], timeout=120)
        evolve_check(T, env, "racing evolve", "evr", alters=(1, 2), mixed=False)
        T.check("racing evolve: both bridges still run", a.alive() and b.alive(), a.stderr()[-1500:],
                b.stderr()[-1500:])
        T.eq("racing evolve: SIGTERM exits 0 (a)", 0, stop_run(a))
        T.eq("racing evolve: SIGTERM exits 0 (b)", 0, stop_run(b))


def evolve_shared(T):
    """Two mappings meet writer schema 5 at once: `a` reads two topics (one comparison for
    both), `b` writes a table whose `note` someone else added first, which the periodic
    refresh brings before schema 5 arrives: only `rank` is added there. Exact states."""
    with Env([], topics={"a1": 2, "a2": 2, "b": 2}) as env:
        sdir = env.schemas_subdir("s", [datagen.ITEMS_V1])
        cfg = write(env, "evo.yaml", sdir, [
            {"name": "a", "topics": ["a1", "a2"], "table": "shop.items", "create_table": True,
             "primary_key": ["id"], "bucket_count": 3, "evolve": "add_columns"},
            entry("b", "b", "shop.other", primary_key=["id"], bucket_count=3, evolve="add_columns")],
            group="evs", fluss_extra={"table_refresh_interval": "1s"})
        b = env.start("run", cfg)
        g = datagen.Gen(148)
        base = {"a1": 0, "a2": 1000, "b": 0}  # a key stays in one topic of a mapping
        for t in base:
            env.kafka.produce(t, evo_items(g, 600, 150, 2, share=0.0, base=base[t]))
        env.wait_committed("evs", ["a1", "a2", "b"], timeout=120)
        T.eq("shared evolve: someone else adds note to shop.other", 2,
             env.fluss.alter_add_column("shop", "other", "note", "STRING"))
        wait_until(lambda: "table shop.other changed from schema id 1 to 2" in b.stderr(), 60,
                   what="the refresh to see shop.other's new schema")
        ITEMS_EVO.write_to(sdir)
        for t in base:
            env.kafka.produce(t, evo_items(g, 900, 150, 2, share=0.5, base=base[t]))
        env.wait_committed("evs", ["a1", "a2", "b"], timeout=120)
        cols = lambda t: [(c["name"], c["data_type"]) for c in json.loads(env.fluss.cmd(f"schema shop {t}"))["columns"][5:]]  # noqa: E731
        want = [("note", {"type": "STRING"}), ("rank", {"type": "INTEGER"})]
        T.eq("shared evolve: shop.items gained note and rank", want, cols("items"))
        T.eq("shared evolve: shop.other gained rank after the note it had", want, cols("other"))
        T.eq("shared evolve: schema ids (items 2; other 3: note by hand, rank by the bridge)", (2, 3),
             (env.fluss.dump("shop", "items")["schema_id"], env.fluss.dump("shop", "other")["schema_id"]))
        T.eq("shared evolve: two AlterTable from the bridge (one per table)", 2,
             env.fluss.stats()["api_calls"].get("AlterTable", 0))
        ta, tb = evolved_table(3), evolved_table(3, "other")
        env.check_table(T, model.Mapping("a", ["a1", "a2"], ta, [datagen.ITEMS_V1, ITEMS_EVO]),
                        what="shared evolve: shop.items exact (two topics)")
        env.check_table(T, model.Mapping("b", "b", tb, [datagen.ITEMS_V1, ITEMS_EVO]),
                        what="shared evolve: shop.other exact")
        T.eq("shared evolve: SIGTERM exits 0", 0, stop_run(b))


# qty changes type (int -> string): no column can follow; rank is new, NOT NULL, no default
ITEMS_QTY_TEXT = Schema(7, {"type": "record", "name": "Item", "fields": [
    {"name": "id", "type": "long"}, {"name": "name", "type": "string"}, {"name": "qty", "type": "string"},
    {"name": "price", "type": "double"}, {"name": "version", "type": "long"}]})
ITEMS_RANK_NOT_NULL = Schema(8, {"type": "record", "name": "Item", "fields": [
    {"name": "id", "type": "long"}, {"name": "name", "type": "string"}, {"name": "qty", "type": "int"},
    {"name": "price", "type": "double"}, {"name": "version", "type": "long"}, {"name": "rank", "type": "int"}]})


def evolve_refused(T):
    """A writer schema the table cannot follow stops `run` (exit 1) with a sentence naming
    the field, before anything of it (or behind it in its partition) is written or
    committed; `check` (which reads the newest message of each partition) names it too."""
    with Env([], topics={"items": 2}) as env:
        sdir = env.schemas_subdir("s", [datagen.ITEMS_V1])
        cfg = write(env, "evo.yaml", sdir, [evolve_entry()], group="evx")
        b = env.start("run", cfg)
        g = datagen.Gen(146)
        env.kafka.produce("items", evo_items(g, 500, 100, 2, share=0.0))
        env.wait_committed("evx", ["items"], timeout=120)
        before = env.kafka.end_offsets("items")
        state = env.fluss.dump("shop", "items")["rows"]
        ITEMS_QTY_TEXT.write_to(sdir)
        env.kafka.produce("items", [Message(1, b"1", ITEMS_QTY_TEXT.framed(
            {"id": 1, "name": "x", "qty": "many", "price": 1.0, "version": 10**6}))] +
            [x for x in evo_items(g, 100, 100, 2, 0.0) if x.partition == 1])  # behind it in its partition
        rc = b.wait(120)
        T.eq("evolve refused: run exits 1", 1, rc)
        T.check("evolve refused: the sentence names the mapping, the table, the field and what to do",
                "mapping 'items': table shop.items cannot follow writer schema 7 (evolve: add_columns): " in b.stderr()
                and "Item.qty" in b.stderr() and "Fluss cannot change the type of a column" in b.stderr(),
                b.stderr()[-2000:])
        T.eq("evolve refused: nothing past the refused message committed", before, env.kafka.committed("evx", "items"))
        T.eq("evolve refused: the table is unchanged (schema id 1, no AlterTable, same rows)",
             (1, 0, state), (env.fluss.dump("shop", "items")["schema_id"],
                             env.fluss.stats()["api_calls"].get("AlterTable", 0), env.fluss.dump("shop", "items")["rows"]))
    with Env([], topics={"items": 1}) as env:
        sdir = env.schemas_subdir("s", [datagen.ITEMS_V1])
        cfg = write(env, "evo.yaml", sdir, [evolve_entry()], group="evy")
        b = env.start("run", cfg)
        env.kafka.produce("items", evo_items(datagen.Gen(147), 20, 10, 1, share=0.0))
        env.wait_committed("evy", ["items"], timeout=120)
        ITEMS_RANK_NOT_NULL.write_to(sdir)
        env.kafka.produce("items", [Message(0, b"3", ITEMS_RANK_NOT_NULL.framed(
            {"id": 3, "name": "x", "qty": 1, "price": 1.0, "version": 10**6, "rank": 1}))])
        T.eq("evolve refused (NOT NULL field): run exits 1", 1, b.wait(120))
        T.check("evolve refused (NOT NULL field): the sentence names the field and what to do",
                "field Item.rank is new and NOT NULL without a default, but Fluss adds only nullable columns"
                in b.stderr(), b.stderr()[-2000:])
        T.eq("evolve refused (NOT NULL field): no AlterTable", 0, env.fluss.stats()["api_calls"].get("AlterTable", 0))
        rc, out, err = run_cmd("check", cfg)
        T.eq("evolve refused: check exits 1", 1, rc)
        T.check("evolve refused: check's problem line names the field",
                any(l.startswith("problem: mapping 'items': table shop.items cannot follow writer schema 8") and
                    "field Item.rank is new and NOT NULL without a default" in l for l in out.splitlines()), out)


if __name__ == "__main__":
    T = Checks("create_table")
    require_bridge(T, "run", "migrate", "check")
    for fn in (every_type, racing_create, check_prints_the_plan, refused, evolve_run, evolve_migrate, evolve_racing,
               evolve_shared, evolve_refused):
        T.case(fn)
    T.finish()
