"""Processes of an end-to-end test: kafka-mock, fluss-test-server and the bridge.

Every process is started on loopback with ephemeral ports, found ready by its READY line
(never by sleeping), and stopped at the end, also when the test fails: use them as
context managers, or rely on stop_all() (registered with atexit). Every wait has a
timeout. The binaries come from $KFB_BUILD (default build/release), so the ASan/UBSan
run of the suite tests the sanitizer builds.
"""
import atexit
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import time

BUILD = os.environ.get("KFB_BUILD", "build/release")
_live = []


class E2EError(Exception):
    pass


def binary(name):
    path = os.path.join(BUILD, name)
    if not os.access(path, os.X_OK):
        raise E2EError(f"{path} is not built; run make first (KFB_BUILD={BUILD})")
    return path


def stop_all():
    for p in list(_live):
        p.stop()


atexit.register(stop_all)


class Server:
    """A server process that prints one READY line and answers a line-based control port
    (replies start with OK or ERR)."""

    name = "server"

    def __init__(self, argv, workdir, ready_timeout=60):
        self.workdir = workdir
        self.log_path = os.path.join(workdir, f"{self.name}.{os.getpid()}.{id(self)}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        _live.append(self)
        self.ready = self._read_ready(ready_timeout)
        fields = dict(kv.split("=", 1) for kv in self.ready.split()[1:] if "=" in kv)
        self.fields = fields
        self.bootstrap = fields["bootstrap"]
        self.control = int(fields["control"])

    def _read_ready(self, timeout):
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.proc.stdout.fileno()
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
                if b"\n" in buf:
                    line = buf.split(b"\n", 1)[0].decode()
                    if line.startswith("READY "):
                        return line
                    raise E2EError(f"{self.name}: unexpected first line {line!r}")
            elif self.proc.poll() is not None:
                break
        self.stop()
        raise E2EError(f"{self.name} did not print READY within {timeout}s; log:\n{self.tail_log()}")

    def tail_log(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def cmd(self, line, timeout=180, ok=True):
        """Sends one command on a fresh control connection; returns the reply without "OK ".
        With ok=True an ERR reply raises E2EError; with ok=False the raw reply is returned."""
        with socket.create_connection(("127.0.0.1", self.control), timeout=10) as s:
            s.settimeout(timeout)
            s.sendall(line.encode() + b"\n")
            buf = b""
            while b"\n" not in buf:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                buf += chunk
        reply = buf.split(b"\n", 1)[0].decode(errors="replace")
        if not ok:
            return reply
        if not (reply == "OK" or reply.startswith("OK ")):
            raise E2EError(f"{self.name}: {line[:200]!r} -> {reply!r}")
        return reply[3:]

    def stop(self):
        if self in _live:
            _live.remove(self)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _kv_ints(reply):
    """"0=5 1=7" -> {0: 5, 1: 7}"""
    out = {}
    for w in reply.split():
        k, v = w.split("=", 1)
        out[int(k)] = v
    return out


class KafkaMock(Server):
    """build/<mode>/kafka-mock: the mock Kafka cluster (tests/programs/kafka-mock.c)."""

    name = "kafka-mock"

    def __init__(self, workdir, brokers=3, topics=None, message_timeout_ms=60000):
        argv = [binary("kafka-mock"), "--brokers", str(brokers),
                "--message-timeout-ms", str(message_timeout_ms)]
        for t, n in (topics or {}).items():
            argv += ["--topic", f"{t}:{n}"]
        self.brokers = brokers
        super().__init__(argv, workdir)

    def create_topic(self, topic, partitions):
        self.cmd(f"create-topic {topic} {partitions}")

    def produce(self, topic, messages):
        """messages: iterable of Message (or anything with .line()); returns the count."""
        fd, path = tempfile.mkstemp(prefix="produce.", suffix=".txt", dir=self.workdir)
        with os.fdopen(fd, "w") as f:
            for m in messages:
                f.write(m.line() + "\n")
        reply = self.cmd(f"produce-file {topic} {path}")
        os.unlink(path)
        return int(reply.split("=", 1)[1])

    def offsets(self, topic):
        """{partition: (log start, end offset)}"""
        return {p: tuple(int(x) for x in v.split(":")) for p, v in _kv_ints(self.cmd(f"offsets {topic}")).items()}

    def end_offsets(self, topic):
        return {p: hi for p, (lo, hi) in self.offsets(topic).items()}

    def committed(self, group, topic):
        """{partition: committed offset, -1 when none} (OffsetFetch; never joins the group)."""
        return {p: int(v) for p, v in _kv_ints(self.cmd(f"committed {group} {topic}")).items()}

    def consume(self, topic):
        """Every message from the log start to the end offsets: a list of Message."""
        from .records import parse_line
        fd, path = tempfile.mkstemp(prefix="consume.", suffix=".txt", dir=self.workdir)
        os.close(fd)
        self.cmd(f"consume {topic} {path}")
        with open(path) as f:
            out = [parse_line(line.rstrip("\n")) for line in f if line.strip()]
        os.unlink(path)
        return out

    def leaders(self, topic):
        return {p: int(v) for p, v in _kv_ints(self.cmd(f"leaders {topic}")).items()}


class FlussServer(Server):
    """build/<mode>/fluss-test-server in its own process."""

    name = "fluss-test-server"

    def __init__(self, workdir, tables, tablet_servers=1, extra_args=()):
        """tables: a list of schema.Table; written into a tables file."""
        path = os.path.join(workdir, f"tables.{id(self)}.json")
        with open(path, "w") as f:
            json.dump({"tables": [t.tables_entry() for t in tables]}, f, indent=1)
        argv = [binary("fluss-test-server"), "--tables", path,
                "--tablet-servers", str(tablet_servers), *extra_args]
        super().__init__(argv, workdir)

    def dump(self, db, table):
        return json.loads(self.cmd(f"dump {db} {table}"))

    def table_id(self, db, table):
        return int(self.cmd(f"table-id {db} {table}"))

    def fault(self, kind, **kw):
        args = " ".join(f"{k}={v}" for k, v in kw.items())
        return self.cmd(f"fault {kind} {args}".strip())

    def stats(self):
        return json.loads(self.cmd("stats"))

    def batches(self, timeout=60):
        """The batch log ("batches": "OK <n>" then n lines) as a list of dicts, one per PutKv
        bucket batch received: node, table, partition, bucket, writer, seq, records, result,
        code, schema (values as strings)."""
        with socket.create_connection(("127.0.0.1", self.control), timeout=10) as s:
            s.settimeout(timeout)
            s.sendall(b"batches\n")
            buf = b""
            while True:
                head, nl, rest = buf.partition(b"\n")
                if nl and not head.startswith(b"OK "):
                    raise E2EError(f"{self.name}: batches -> {head[:200]!r}")
                if nl and rest.count(b"\n") >= int(head[3:]):
                    break
                chunk = s.recv(1 << 20)
                if not chunk:
                    raise E2EError(f"{self.name}: batches: connection closed after {len(buf)} bytes")
                buf += chunk
        lines = buf.decode(errors="replace").splitlines()[1:]
        return [dict(w.split("=", 1) for w in line.split() if "=" in w) for line in lines]

    def alter_add_column(self, db, table, name, type_name):
        """alter-table DB TABLE add-column NAME TYPE; returns the new schema id."""
        return int(self.cmd(f"alter-table {db} {table} add-column {name} {type_name}"))


class Bridge:
    """One kafka-fluss-bridge process (run or migrate) with its output in files."""

    def __init__(self, workdir, mode, config_path, extra_args=(), tag="bridge"):
        self.workdir = workdir
        self.out_path = os.path.join(workdir, f"{tag}.{mode}.{id(self)}.out")
        self.err_path = os.path.join(workdir, f"{tag}.{mode}.{id(self)}.err")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen([binary("kafka-fluss-bridge"), mode, "-c", config_path, *extra_args],
                                     stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL)
        _live.append(self)

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout):
        """Exit status, or raises E2EError after timeout (the process is then killed)."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise E2EError(f"bridge still running after {timeout}s; stderr:\n{self.stderr()[-3000:]}")
        self._close()
        return rc

    def kill(self):
        if self.alive():
            self.proc.kill()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        self._close()

    def stop(self):
        self.kill()

    def _close(self):
        if self in _live:
            _live.remove(self)
        for f in (self._out, self._err):
            if not f.closed:
                f.close()

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")


def bridge_commands():
    """The pipeline subcommands the built bridge knows (it answers "unknown command 'X'" for
    the others), so that scenarios can say "not built yet" instead of failing obscurely."""
    have = set()
    for c in ("run", "migrate", "check"):
        try:
            p = subprocess.run([binary("kafka-fluss-bridge"), c, "-c", "/nonexistent.yaml"],
                               capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        except (subprocess.TimeoutExpired, E2EError):
            continue
        if f"unknown command '{c}'" not in (p.stdout + p.stderr).decode(errors="replace"):
            have.add(c)
    return have


def wait_until(pred, timeout, interval=0.2, what="condition"):
    """Polls pred() until it returns a true value (returned) or raises after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise E2EError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
