"""What each scenario file shares: a counted list of checks that ends with the line
scripts/run-tests.sh reads ("== e2e_NAME: N ok, M failed =="), and an Env holding one
kafka-mock, one fluss-test-server, a work directory and the schemas directory.
"""
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

from . import config, datagen, model
from .procs import Bridge, E2EError, FlussServer, KafkaMock, bridge_commands, stop_all, wait_until


class Checks:
    def __init__(self, name):
        self.name = name
        self.ok = 0
        self.failed = 0
        self.t0 = time.monotonic()

    def check(self, what, cond, *detail):
        if cond:
            self.ok += 1
        else:
            self.failed += 1
            print(f"FAIL {self.name}: {what}")
            for d in detail:
                for line in str(d).splitlines()[:40]:
                    print(f"  {line}")
        sys.stdout.flush()
        return bool(cond)

    def eq(self, what, want, got):
        return self.check(what, want == got, f"want: {want!r}", f"got:  {got!r}")

    def case(self, fn, *args):
        """Runs one scenario function; an exception is one failure with its traceback."""
        t = time.monotonic()
        try:
            fn(self, *args)
        except Exception as e:  # noqa: BLE001 - every scenario error is reported, then the next runs
            self.failed += 1
            print(f"FAIL {self.name}: {fn.__name__} raised {type(e).__name__}: {e}")
            print("".join(traceback.format_exc().splitlines(True)[-12:]))
        finally:
            stop_all()
        print(f"-- {self.name}/{fn.__name__}: {time.monotonic() - t:.1f}s")
        sys.stdout.flush()

    def finish(self):
        print(f"== e2e_{self.name}: {self.ok} ok, {self.failed} failed ==")
        sys.exit(1 if self.failed else 0)


def require_bridge(checks, *commands):
    """Ends the file with 0 checks when the built bridge lacks a command (before the
    pipeline lands); says so on stdout."""
    have = bridge_commands()
    missing = [c for c in commands if c not in have]
    if missing:
        print(f"SKIP e2e_{checks.name}: kafka-fluss-bridge has no {' / '.join(missing)} yet")
        checks.finish()


class Env:
    def __init__(self, tables, tablet_servers=1, brokers=3, topics=None, fluss_args=()):
        base = os.environ.get("KFB_E2E_TMP") or None
        self.dir = tempfile.mkdtemp(prefix="kfb-e2e.", dir=base)
        self.schemas_dir = os.path.join(self.dir, "schemas")
        os.mkdir(self.schemas_dir)
        datagen.write_schemas(self.schemas_dir)
        self.tables = {t.full_name: t for t in tables}
        self.fluss = FlussServer(self.dir, tables, tablet_servers=tablet_servers, extra_args=fluss_args)
        self.kafka = KafkaMock(self.dir, brokers=brokers, topics=topics)
        self.bridges = []

    def close(self, keep=False):
        for b in self.bridges:
            b.kill()
        self.kafka.stop()
        self.fluss.stop()
        if not keep and not os.environ.get("KFB_E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *rest):
        if exc_type:
            print(f"  (work dir {self.dir}; bridge logs:)")
            for b in self.bridges:
                print(f"  --- {b.err_path}\n" + "\n".join("  " + l for l in b.stderr().splitlines()[-25:]))
            print("  --- kafka-mock:\n" + self.kafka.tail_log(10))
            print("  --- fluss-test-server:\n" + self.fluss.tail_log(10))
        self.close(keep=exc_type is not None)

    def schemas_subdir(self, name, schemas):
        """A schemas directory of its own holding only `schemas` (a directory source takes
        its highest <id>.avsc as the latest writer schema of every topic)."""
        d = os.path.join(self.dir, name)
        os.mkdir(d)
        for s in schemas:
            s.write_to(d)
        return d

    def config(self, mappings, group="bridge", name="bridge.yaml", **kw):
        return config.write_config(os.path.join(self.dir, name), self.kafka.bootstrap, group,
                                   self.fluss.bootstrap, self.schemas_dir, mappings, **kw)

    def start(self, mode, cfg, args=(), tag="bridge"):
        b = Bridge(self.dir, mode, cfg, extra_args=args, tag=tag)
        self.bridges.append(b)
        return b

    def migrate(self, cfg, timeout=180, args=()):
        b = self.start("migrate", cfg, args)
        return b.wait(timeout), b

    def all_committed(self, group, topics):
        """True when the group's committed offsets equal the end offsets of every topic."""
        for t in topics:
            end = self.kafka.end_offsets(t)
            com = self.kafka.committed(group, t)
            if any(com.get(p, -1) != e for p, e in end.items() if e > 0):
                return False
        return True

    def wait_committed(self, group, topics, timeout=120):
        return wait_until(lambda: self.all_committed(group, topics), timeout,
                          interval=0.5, what=f"group {group} to commit the end offsets of {topics}")

    def committed(self, group, topics):
        return {t: self.kafka.committed(group, t) for t in topics}

    def expected(self, mapping):
        e = model.Expected(mapping)
        for t in mapping.topics:
            e.apply_topic(t, self.kafka.consume(t))
        return e

    def check_table(self, checks, mapping, expected=None, what=None):
        e = expected or self.expected(mapping)
        t = mapping.table
        d = model.diff_state(t, e.state, self.fluss.dump(t.db, t.name))
        checks.check(what or f"{mapping.name}: {t.full_name} == expected ({len(e.rows)} rows)", not d, *d)
        return e


def stop_run(bridge, timeout=60):
    """SIGTERM a `run` bridge and wait for it; returns the exit status."""
    bridge.signal(signal.SIGTERM)
    return bridge.wait(timeout)


__all__ = ["Checks", "Env", "E2EError", "require_bridge", "stop_run", "wait_until"]


# ---- mappings of the generated tables (kfbe2e.datagen) ----------------------------------------

def items_mapping(table, topics="items", name="items", **kw):
    return model.Mapping(name, topics, table, [datagen.ITEMS_V1, datagen.ITEMS_V2, datagen.ITEMS_V3],
                         key_schemas=[datagen.ITEMS_KEY], **kw)


def users_mapping(table, topics="users"):
    return model.Mapping("users", topics, table, [datagen.USERS_V1], key_format="string")


def customers_mapping(table, topics="customers"):
    return model.Mapping("customers", topics, table, [datagen.CUSTOMERS_DBZ], fmt="debezium",
                         key_schemas=[datagen.CUSTOMERS_KEY])


def check_migrated(checks, env, rc, bridge, group, mappings, what="migrate"):
    """migrate exited 0, every mapping's table equals the expected state, and the group's
    committed offsets equal the end offsets of every topic."""
    checks.eq(f"{what}: exit status", 0, rc) or print(bridge.stderr()[-3000:])
    exp = [env.check_table(checks, m) for m in mappings]
    for m in mappings:
        for t in m.topics:
            checks.eq(f"{what}: {t} committed == end offsets", env.kafka.end_offsets(t),
                      {p: o for p, o in env.kafka.committed(group, t).items()})
    return exp
