"""Deterministic data for the scenarios: tables, writer schemas and Kafka messages.

Every row carries a `version` taken from one counter that rises with each generated
message, so the "committed never ahead of applied" check can tell old values from new.
A key always goes to partition (key % partitions) of its topic (Debezium key changes pick
a new key in the same partition), so the expected state never depends on how partitions
interleave. Messages are records.Message with .meta naming what the generator meant.
"""
import random

from .records import Message, Schema, confluent_frame
from .table import Table

# ---- tables -----------------------------------------------------------------------------


def items_table(name="items", db="shop", buckets=4, leaders=None):
    return Table(db, name, [("id", "BIGINT"), ("name", "STRING"), ("qty", "INT"), ("price", "DOUBLE"),
                            ("version", "BIGINT")], pk=["id"], buckets=buckets, leaders=leaders)


def users_table(name="users", db="shop", buckets=3):
    return Table(db, name, [("user_id", "STRING"), ("email", "STRING"), ("version", "BIGINT")],
                 pk=["user_id"], buckets=buckets)


def customers_table(name="customers", db="inventory", buckets=3):
    return Table(db, name, [("id", "INT"), ("email", "STRING"), ("name", "STRING"), ("version", "BIGINT")],
                 pk=["id"], buckets=buckets)


def events_table(days, name="events", db="shop", buckets=2):
    return Table(db, name, [("id", "BIGINT"), ("day", "STRING"), ("payload", "STRING"), ("version", "BIGINT")],
                 pk=["id", "day"], partition_key=["day"], partitions=days, buckets=buckets)


def wide_table(name="wide", db="shop", buckets=2):
    return Table(db, name, [("id", "BIGINT"), ("a", "STRING"), ("b", "STRING"), ("version", "BIGINT")],
                 pk=["id"], buckets=buckets)


# ---- writer schemas -----------------------------------------------------------------------

def rec(name, fields):
    return {"type": "record", "name": name, "fields": [{"name": n, "type": t} for n, t in fields]}


ITEMS_V1 = Schema(1, rec("Item", [("id", "long"), ("name", "string"), ("qty", "int"), ("price", "double"),
                                   ("version", "long")]))
# a second writer schema of the same topic: fields reordered, qty nullable, an extra field
ITEMS_V2 = Schema(2, rec("Item", [("version", "long"), ("id", "long"), ("note", "string"),
                                   ("qty", ["null", "int"]), ("name", "string"), ("price", "double")]))
# qty as long: values beyond int32 are per-record errors for the INT column
ITEMS_V3 = Schema(3, rec("Item", [("id", "long"), ("name", "string"), ("qty", "long"), ("price", "double"),
                                   ("version", "long")]))
ITEMS_KEY = Schema(100, rec("ItemKey", [("id", "long")]))
USERS_V1 = Schema(10, rec("User", [("user_id", "string"), ("email", "string"), ("version", "long")]))
EVENTS_V1 = Schema(20, rec("Event", [("id", "long"), ("day", "string"), ("payload", "string"), ("version", "long")]))
WIDE_A = Schema(30, rec("WideA", [("id", "long"), ("a", "string"), ("version", "long")]))
WIDE_B = Schema(31, rec("WideB", [("id", "long"), ("b", "string"), ("version", "long")]))
_CUST_VALUE = rec("Value", [("id", "int"), ("email", "string"), ("name", "string"), ("version", "long")])
CUSTOMERS_DBZ = Schema(40, {"type": "record", "name": "Envelope", "namespace": "dbserver1.inventory.customers",
                            "fields": [{"name": "before", "type": ["null", _CUST_VALUE], "default": None},
                                       {"name": "after", "type": ["null", "Value"], "default": None},
                                       {"name": "op", "type": "string"},
                                       {"name": "ts_ms", "type": ["null", "long"], "default": None}]})
CUSTOMERS_KEY = Schema(41, rec("CustomerKey", [("id", "int")]))

ALL_SCHEMAS = [ITEMS_V1, ITEMS_V2, ITEMS_V3, ITEMS_KEY, USERS_V1, EVENTS_V1, WIDE_A, WIDE_B,
               CUSTOMERS_DBZ, CUSTOMERS_KEY]


def write_schemas(schemas_dir, schemas=ALL_SCHEMAS):
    for s in schemas:
        s.write_to(schemas_dir)


# ---- messages ----------------------------------------------------------------------------

class Gen:
    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.version = 0

    def next_version(self):
        self.version += 1
        return self.version

    def items(self, n, keys, partitions, tombstones=0.1, schemas=(ITEMS_V1,), key_format="avro",
              first_key=0):
        """Upserts of `keys` item ids (about n / keys updates each), a share of them Kafka
        tombstones with an Avro-framed key (or the id as text with key_format string)."""
        out = []
        for _ in range(n):
            k = first_key + self.rnd.randrange(keys)
            key = ITEMS_KEY.framed({"id": k}) if key_format == "avro" else str(k).encode()
            v = self.next_version()
            if self.rnd.random() < tombstones:
                out.append(Message(k % partitions, key, None, meta=("delete", k)))
                continue
            s = self.rnd.choice(schemas)
            row = {"id": k, "name": f"item-{k}-{v}", "qty": self.rnd.randrange(-1000, 1000),
                   "price": self.rnd.randrange(0, 100000) / 4, "version": v, "note": "n"}
            if s is ITEMS_V2 and self.rnd.random() < 0.3:
                row["qty"] = None
            out.append(Message(k % partitions, key, s.framed({f["name"]: row[f["name"]] for f in s.json["fields"]}),
                               headers=[("gen", b"items")], meta=("upsert", k, v)))
        return out

    def users(self, n, keys, partitions, tombstones=0.15):
        """STRING keys; tombstones carry the key as raw text (key_format string)."""
        out = []
        for _ in range(n):
            k = self.rnd.randrange(keys)
            uid = f"user-{k:05d}"
            v = self.next_version()
            if self.rnd.random() < tombstones:
                out.append(Message(k % partitions, uid.encode(), None, meta=("delete", uid)))
            else:
                out.append(Message(k % partitions, uid.encode(),
                                   USERS_V1.framed({"user_id": uid, "email": f"{uid}@x{v}.org", "version": v}),
                                   meta=("upsert", uid, v)))
        return out

    def events(self, n, keys, days, partitions):
        out = []
        for _ in range(n):
            k = self.rnd.randrange(keys)
            day = days[k % len(days)]
            v = self.next_version()
            out.append(Message(k % partitions, str(k).encode(),
                               EVENTS_V1.framed({"id": k, "day": day, "payload": f"p{v}", "version": v}),
                               meta=("upsert", k, v)))
        return out

    def wide(self, n, keys, partitions):
        """Partial updates: schema WideA writes a, WideB writes b, both the version."""
        out = []
        for _ in range(n):
            k = self.rnd.randrange(keys)
            v = self.next_version()
            if self.rnd.random() < 0.5:
                val = WIDE_A.framed({"id": k, "a": f"a{v}", "version": v})
            else:
                val = WIDE_B.framed({"id": k, "b": f"b{v}", "version": v})
            out.append(Message(k % partitions, str(k).encode(), val, meta=("upsert", k, v)))
        return out

    def debezium(self, n, keys, partitions, key_changes=0.05):
        """A CDC stream of customers: c for new ids, u (some changing the id, within the
        same partition), d followed by its tombstone, an occasional r and t."""
        out = []
        live = {}  # id -> current row
        next_free = {p: keys + p for p in range(partitions)}  # ids for key changes, per partition

        def key(i):
            return CUSTOMERS_KEY.framed({"id": i})

        def env(op, before, after):
            return CUSTOMERS_DBZ.framed({"before": before, "after": after, "op": op, "ts_ms": 1700000000000})

        for _ in range(n):
            v = self.next_version()
            i = self.rnd.randrange(keys)
            p = i % partitions
            if i not in live:
                row = {"id": i, "email": f"c{i}@v{v}", "name": f"n{v}", "version": v}
                op = "r" if self.rnd.random() < 0.1 else "c"
                out.append(Message(p, key(i), env(op, None, row), meta=(op, i, v)))
                live[i] = row
                continue
            r = self.rnd.random()
            if r < 0.2:
                before = live.pop(i)
                out.append(Message(p, key(i), env("d", before, None), meta=("d", i, v)))
                out.append(Message(p, key(i), None, meta=("tombstone", i)))
            elif r < 0.2 + key_changes:
                before = live.pop(i)
                j = next_free[p]
                next_free[p] += partitions
                after = {"id": j, "email": before["email"], "name": f"moved{v}", "version": v}
                # real Debezium keys the event by the new key; keep it in the old key's
                # partition (j % partitions == p) so both keys stay in one partition
                out.append(Message(p, key(j), env("u", before, after), meta=("u-move", i, j, v)))
                live[j] = after
            elif r < 0.22 + key_changes:
                out.append(Message(p, None, env("t", None, None), meta=("t",)))
            else:
                before = live[i]
                after = dict(before, name=f"n{v}", version=v)
                out.append(Message(p, key(i), env("u", before, after), meta=("u", i, v)))
                live[i] = after
        return out

    def poison(self, partitions):
        """One of each kind of bad message, for items (schemas 1..3), spread over partitions:
        not framed, unknown schema id, a truncated Avro body, a value out of INT range."""
        good = ITEMS_V1.framed({"id": 1, "name": "x", "qty": 1, "price": 1.0, "version": 1})
        v = self.next_version()
        bad = [
            ("not_framed", b"hello, not avro"),
            ("unknown_id", confluent_frame(999, good[5:])),
            ("bad_avro", good[:-4]),
            ("out_of_range", ITEMS_V3.framed({"id": 5, "name": "big", "qty": 2**40, "price": 0.5, "version": v})),
        ]
        out = []
        for i, (why, val) in enumerate(bad):
            k = 900000 + i * partitions  # poison keys stay in partition 0 ... and away from real ids
            out.append(Message(k % partitions, ITEMS_KEY.framed({"id": k}), val,
                               headers=[("trace", f"poison-{why}".encode())], meta=("poison", why)))
        return out
