#!/usr/bin/python3
"""The metrics endpoint of a running bridge (issue 13 "Observability"): /health answers 200,
/ready answers 200 once partitions are assigned and Fluss answers, /metrics counts exactly
what the input holds (messages consumed, upserts and deletes written, lag 0 once caught
up, committed offsets equal the end offsets), and the counters grow with a second wave.
Also: JSON logs (log.format json) are one JSON object per line with the documented keys."""
import json
import os
import socket
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen  # noqa: E402
from kfbe2e.procs import wait_until  # noqa: E402
from kfbe2e.scenario import Checks, Env, items_mapping, require_bridge, stop_run  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None, ""


def series(text, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`."""
    total, found = 0.0, False
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        if head != name and not head.startswith(name + "{"):
            continue
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            total += float(value)
            found = True
    return total if found else None


def expected_counts(messages):
    upserts = sum(1 for m in messages if m.value is not None)
    return len(messages), upserts, len(messages) - upserts


def run_with_metrics(T):
    items = datagen.items_table(buckets=3)
    with Env([items], topics={"items": 3}) as env:
        g = datagen.Gen(71)
        m = items_mapping(items)
        port = free_port()
        b = env.start("run", env.config([m], group="mx", metrics_listen=f"127.0.0.1:{port}", log_format="json"))
        T.check("/health answers 200 while the bridge runs",
                wait_until(lambda: get(port, "/health")[0] == 200, 30, what="health") is not None)
        wave1 = g.items(3000, 500, 3)
        env.kafka.produce("items", wave1)
        env.wait_committed("mx", ["items"], timeout=90)
        T.check("/ready answers 200 with partitions assigned and Fluss reachable",
                wait_until(lambda: get(port, "/ready")[0] == 200, 30, what="ready") is not None, get(port, "/ready"))
        n, ups, dels = expected_counts(wave1)

        def scraped(want_consumed):
            st, text = get(port, "/metrics")
            return text if st == 200 and series(text, "kfb_messages_consumed_total", mapping="items") == want_consumed \
                and series(text, "kfb_consumer_lag") == 0 else None

        text = wait_until(lambda: scraped(n), 30, what="metrics after wave 1")
        T.eq("consumed = messages produced", n, series(text, "kfb_messages_consumed_total", mapping="items", topic="items"))
        T.eq("upserts written = non-null values", ups,
             series(text, "kfb_records_written_total", mapping="items", op="upsert"))
        T.eq("deletes written = tombstones", dels, series(text, "kfb_records_written_total", mapping="items", op="delete"))
        ends = env.kafka.end_offsets("items")
        for p, end in ends.items():
            T.eq(f"committed offset of partition {p} = its end offset", end,
                 series(text, "kfb_committed_offset", topic="items", partition=str(p)))
        T.eq("lag 0 once caught up", 0, series(text, "kfb_consumer_lag"))
        T.check("batches counted", (series(text, "kfb_putkv_batches_total") or 0) > 0)
        T.check("PutKv latency histogram filled", (series(text, "kfb_putkv_latency_seconds_count") or 0) > 0)
        T.eq("kfb_up is 1", 1, series(text, "kfb_up"))
        wave2 = g.items(1000, 500, 3)
        env.kafka.produce("items", wave2)
        env.wait_committed("mx", ["items"], timeout=90)
        text = wait_until(lambda: scraped(n + len(wave2)), 30, what="metrics after wave 2")
        T.eq("consumed grows by the second wave", n + len(wave2),
             series(text, "kfb_messages_consumed_total", mapping="items"))
        T.eq("404 for an unknown path", 404, get(port, "/nope")[0])
        env.check_table(T, m, what="state with metrics on")
        T.eq("SIGTERM exits 0", 0, stop_run(b))
        lines = [l for l in b.stderr().splitlines() if l.strip()]
        bad = []
        for l in lines:
            try:
                o = json.loads(l)
                if not all(k in o for k in ("time", "level", "facility", "message")):
                    bad.append(l)
            except ValueError:
                bad.append(l)
        T.check("log.format json: every stderr line is a JSON object with time, level, facility, message",
                lines and not bad, bad[:3])


if __name__ == "__main__":
    T = Checks("metrics")
    require_bridge(T, "run")
    T.case(run_with_metrics)
    T.finish()
