"""The expected Fluss table state, computed from the Kafka input alone (the messages as
read back from kafka-mock, decoded with python3-avro), and the checks of a test:

  Semantics (issue 10, README "explain"):
    avro       a value is an upsert of its row; a null value (Kafka tombstone) deletes the key
               taken from the Kafka key (key_format avro: Confluent-framed Avro record of the
               key columns; string: UTF-8 text of the one key column; bytes: its raw bytes).
               partial_update: columns without an Avro field keep their value.
    debezium   op c/r: upsert `after`; u: upsert `after`, and when the key of `before`
               differs, delete the old key first; d: delete the key of `before`; t/m: skip;
               the tombstone Debezium sends after a delete (same Kafka key) is a no-op.
    poison     a message that cannot be mapped (not framed, unknown schema id, bad Avro,
               a value out of the column's range, an unknown op) changes nothing; under
               policy dead_letter it is expected on the dead-letter topic.
  Keys never move between Kafka partitions in the generated data, so the final state does
  not depend on how partitions interleave; apply() checks this.
"""
from . import records
from .table import OutOfRange


class Mapping:
    def __init__(self, name, topics, table, schemas, fmt="avro", key="value", key_format="avro",
                 key_schemas=None, partial_update=False, rename=None, ignore=(), version_field="version"):
        self.name = name
        self.topics = [topics] if isinstance(topics, str) else list(topics)
        self.table = table
        self.schemas = {s.id: s for s in schemas}
        self.key_schemas = {s.id: s for s in (key_schemas or [])}
        self.format = fmt
        self.key = key
        self.key_format = key_format
        self.partial_update = partial_update
        self.rename = dict(rename or {})
        self.ignore = set(ignore)
        self.version_field = version_field


class Poison:
    def __init__(self, topic, msg, reason):
        self.topic, self.msg, self.reason = topic, msg, reason

    def __repr__(self):
        return f"Poison({self.topic}[{self.msg.partition}]@{self.msg.offset}: {self.reason})"


class Expected:
    """state: dump key -> rendered row; events: dump key -> [(topic, partition, offset, op,
    version)]; poison: [Poison] in input order."""

    def __init__(self, mapping):
        self.m = mapping
        self.t = mapping.table
        self.rows = {}    # dump key -> raw row (column -> python value)
        self.events = {}
        self.poison = []
        self.home = {}    # dump key -> (topic, partition)
        self.last_dbz_delete = {}  # (topic, partition, kafka key) -> True after a 'd'

    def apply_topic(self, topic, messages):
        """messages: Message list of one topic (as from KafkaMock.consume: per partition in
        offset order)."""
        for msg in messages:
            try:
                self._apply(topic, msg)
            except (ValueError, OutOfRange, KeyError, TypeError) as e:
                self.poison.append(Poison(topic, msg, str(e)))
        return self

    @property
    def state(self):
        return {k: self.t.render(r) for k, r in self.rows.items()}

    # ---- one message ----------------------------------------------------------------------

    def _row_from(self, datum):
        row = {}
        for f, v in datum.items():
            if f in self.m.ignore:
                continue
            col = self.m.rename.get(f, f)
            if col in self.t.col:
                self.t.check_value(col, v)
                row[col] = v
        return row

    def _key_from_message(self, msg):
        if msg.key is None:
            raise ValueError("no Kafka key")
        if self.m.key_format == "avro":
            _, datum = records.decode(self.m.key_schemas or self.m.schemas, msg.key)
            return self._row_from(datum)
        name = self.t.physical_pk[0] if len(self.t.pk) == 1 else None
        if not name:
            raise ValueError("string/bytes keys need a one-column key")
        return {name: msg.key.decode() if self.m.key_format == "string" else msg.key}

    def _event(self, topic, msg, key, op, version):
        home = self.home.setdefault(key, (topic, msg.partition))
        if home != (topic, msg.partition):
            raise AssertionError(f"key {key} written from {home} and {(topic, msg.partition)}: "
                                 "the generated data must keep a key in one partition")
        self.events.setdefault(key, []).append((topic, msg.partition, msg.offset, op, version))

    def _upsert(self, topic, msg, row):
        for c in self.t.pk:
            self.t.check_value(c, row.get(c))
        key = self.t.dump_key(row)
        if self.m.partial_update and key in self.rows:
            new = dict(self.rows[key])
            new.update(row)
        else:
            new = {c.name: row.get(c.name) for c in self.t.columns}
        for c in self.t.columns:
            self.t.check_value(c.name, new[c.name])
        return key, new

    def _delete_key(self, row):
        for c in self.t.pk:
            if row.get(c) is None:
                raise ValueError(f"delete without key column {c}")
        return self.t.dump_key(row)

    def _apply(self, topic, msg):
        vf = self.m.version_field
        if self.m.format == "avro":
            if msg.value is None:
                key = self._delete_key(self._key_from_message(msg))
                self._event(topic, msg, key, "delete", None)
                self.rows.pop(key, None)
                return
            _, datum = records.decode(self.m.schemas, msg.value)
            row = self._row_from(datum)
            if self.m.key == "message_key":
                row.update(self._key_from_message(msg))
            key, new = self._upsert(topic, msg, row)
            self._event(topic, msg, key, "upsert", new.get(vf))
            self.rows[key] = new
            return
        # debezium
        kk = (topic, msg.partition, msg.key)
        if msg.value is None:
            if self.last_dbz_delete.pop(kk, False):
                return  # the tombstone after a delete
            key = self._delete_key(self._key_from_message(msg))
            self._event(topic, msg, key, "delete", None)
            self.rows.pop(key, None)
            return
        _, env = records.decode(self.m.schemas, msg.value)
        op = env.get("op")
        self.last_dbz_delete.pop(kk, None)
        if op in ("t", "m"):
            return
        if op in ("c", "r", "u"):
            after = self._row_from(env["after"] or {})
            if op == "u" and env.get("before"):
                before = self._row_from(env["before"])
                old = self._delete_key(before)
                key, new = self._upsert(topic, msg, after)
                if old != key:
                    self._event(topic, msg, old, "delete", None)
                    self.rows.pop(old, None)
            else:
                key, new = self._upsert(topic, msg, after)
            self._event(topic, msg, key, "upsert", new.get(vf))
            self.rows[key] = new
            return
        if op == "d":
            key = self._delete_key(self._row_from(env["before"] or {}))
            self._event(topic, msg, key, "delete", None)
            self.rows.pop(key, None)
            self.last_dbz_delete[kk] = True
            return
        raise ValueError(f"unknown Debezium op {op!r}")


# ---- checks -------------------------------------------------------------------------------

def diff_state(table, expected_state, dump, limit=8):
    """Differences between an expected state and a test-server dump, readable, at most
    `limit` lines; [] when equal."""
    actual = {k: table.normalize_dump_row(v) for k, v in dump["rows"].items()}
    out = []
    missing = [k for k in expected_state if k not in actual]
    extra = [k for k in actual if k not in expected_state]
    wrong = [k for k in expected_state if k in actual and actual[k] != expected_state[k]]
    if missing or extra or wrong:
        out.append(f"{table.full_name}: {len(expected_state)} rows expected, {len(actual)} in Fluss; "
                   f"{len(missing)} missing, {len(extra)} unexpected, {len(wrong)} different")
    for k in missing[:limit]:
        out.append(f"  missing  {k}: {expected_state[k]}")
    for k in extra[:limit]:
        out.append(f"  unexpected {k}: {actual[k]}")
    for k in wrong[:limit]:
        cols = {c: (expected_state[k].get(c), actual[k].get(c)) for c in expected_state[k]
                if expected_state[k].get(c) != actual[k].get(c)}
        out.append(f"  different {k}: " + ", ".join(f"{c}: want {w!r} got {g!r}" for c, (w, g) in cols.items())
                   + (f" (row {actual[k]})" if "$hex" in actual[k] else ""))
    return out


def committed_not_ahead(expected, committed, dump, version_col="version"):
    """The central promise, checked at one moment: for each topic's committed offsets C
    ({topic: {partition: offset}}) and the table dump taken then, every key whose last
    event below C is an upsert of version v holds a version >= v (or a later message
    deletes it), and every key whose last event below C is a delete is absent or holds a
    version written by a later message. Returns the violations (readable lines)."""
    t = expected.t
    actual = {k: t.normalize_dump_row(v) for k, v in dump["rows"].items()}
    bad = []
    for key, evs in expected.events.items():
        topic, p = evs[0][0], evs[0][1]
        c = committed.get(topic, {}).get(p, -1)
        below = [e for e in evs if e[2] < c]
        if not below:
            continue
        later = [e for e in evs if e[2] >= c]
        last = below[-1]
        row = actual.get(key)
        have = row.get(version_col) if row and "$hex" not in row else None
        if last[3] == "upsert":
            if row is None and any(e[3] == "delete" for e in later):
                continue
            if row is None or have is None or have < last[4]:
                bad.append(f"{key}: committed {topic}[{p}]={c} covers its upsert of version {last[4]} "
                           f"at offset {last[2]}, but Fluss holds {row}")
        else:
            if row is None:
                continue
            prev = max([e[4] for e in below if e[3] == "upsert"] or [-1])
            if not any(e[3] == "upsert" for e in later) or have is None or have <= prev:
                bad.append(f"{key}: committed {topic}[{p}]={c} covers its delete at offset {last[2]}, "
                           f"but Fluss holds {row}")
    return bad
