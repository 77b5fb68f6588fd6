#!/usr/bin/env bash
# quickstart.sh - the bridge end to end with no external services (`make quickstart`).
#
#   scripts/quickstart.sh [--quick] [--build DIR] [--save DIR] [--keep]
#
# 1. starts kafka-mock (librdkafka's mock cluster: the embedded Kafka) with the topics
#    `orders` and `customers`, and fills them with sample Avro data (kafka-mock gen-orders:
#    upserts and Kafka tombstones; gen-customers: Debezium c/r/u/d events, primary-key
#    changes, the tombstone after each delete), schemas in conf/quickstart/schemas;
# 2. starts the Fluss test server with the tables of conf/quickstart/tables.json;
# 3. runs `kafka-fluss-bridge check` (the plan), then `migrate --verify 1000` (progress bar
#    on a terminal), and compares its summary with the counts the generator reported;
# 4. prints a few rows of each resulting table, stops everything, exits 0.
# The bridge's configuration is conf/quickstart.yaml, the file to copy for your own.
#
# --quick       fewer messages (the same steps; tests/integration/quickstart.sh uses it)
# --build DIR   binaries from DIR (default build/release; `make` builds them)
# --save DIR    also write the topics (kafka-mock consume format) and the final tables
#               (fluss-test-server dump JSON) into DIR
# --keep        keep the work directory (logs) also after a success
# Environment: QUICKSTART_ORDERS, QUICKSTART_CUSTOMERS (messages), QUICKSTART_PARTITIONS,
# QUICKSTART_SEED, QUICKSTART_PROGRESS (auto|bar|log|none). Every port is ephemeral and on
# 127.0.0.1; every wait is bounded; whatever was started is stopped on exit, also on
# failure or Ctrl-C. Exit status 0 on success, 1 on failure (with the step and the logs).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=build/release
QUICK=0
SAVE=
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 ;;
    --build) BUILD=${2:?--build needs a directory}; shift ;;
    --save) SAVE=${2:?--save needs a directory}; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "quickstart: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$QUICK" = 1 ]; then
    ORDERS=${QUICKSTART_ORDERS:-20000}; CUSTOMERS=${QUICKSTART_CUSTOMERS:-12000}; PARTS=${QUICKSTART_PARTITIONS:-4}
else
    # 8 partitions keep each under the mock cluster's 5 MiB retention (about 3 MiB each)
    ORDERS=${QUICKSTART_ORDERS:-300000}; CUSTOMERS=${QUICKSTART_CUSTOMERS:-200000}; PARTS=${QUICKSTART_PARTITIONS:-8}
fi
SEED=${QUICKSTART_SEED:-42}
PROGRESS=${QUICKSTART_PROGRESS:-auto}
CONFIG=conf/quickstart.yaml
PY=/usr/bin/python3 # Debian's, as the tests use

BRIDGE=$BUILD/kafka-fluss-bridge
MOCK=$BUILD/kafka-mock
FTS=$BUILD/fluss-test-server
for b in "$BRIDGE" "$MOCK" "$FTS"; do
    if [ ! -x "$b" ]; then
        echo "quickstart: $b is not built; run 'make quickstart' (or 'make' first)" >&2
        exit 1
    fi
done

W=$(mktemp -d "${TMPDIR:-/tmp}/kfb-quickstart.XXXXXX")
MOCK_PID=
FTS_PID=
MOCK_CTL=
FTS_CTL=
STEP=start
FAILED=0

if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
say() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }

# shellcheck source=scripts/servers.sh
. scripts/servers.sh

stop_server() { # pid, control port
    local pid=$1 port=$2 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    [ -n "$port" ] && kfb_ctl "$port" quit >/dev/null 2>&1
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_server "$MOCK_PID" "$MOCK_CTL"
    stop_server "$FTS_PID" "$FTS_CTL"
    if [ "$rc" -ne 0 ] || [ "$FAILED" = 1 ]; then
        echo >&2
        echo "quickstart: FAILED during '$STEP'. Logs in $W:" >&2
        local f
        for f in "$W"/*.log; do
            [ -s "$f" ] || continue
            echo "--- $f (last lines)" >&2
            tail -n 15 "$f" >&2
        done
        exit 1
    fi
    if [ "$KEEP" = 1 ]; then echo "work directory kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'echo "quickstart: interrupted" >&2; exit 1' INT TERM

die() { FAILED=1; echo "quickstart: $*" >&2; exit 1; }

start_server() { # name, command...
    kfb_start_server "$W" "$@" && return 0
    kill "$SERVER_PID" 2>/dev/null || true
    die "$1 did not start within 30 s (no READY line)"
}

# ---- 1. Kafka with the sample data -----------------------------------------------------
STEP="starting kafka-mock"
say "1. Embedded Kafka (kafka-mock) with the sample topics"
start_server kafka-mock "$MOCK" --brokers 1 --topic "orders:$PARTS" --topic "customers:$PARTS"
MOCK_PID=$SERVER_PID
MOCK_CTL=$(kfb_field "$READY_LINE" control)
KAFKA_BOOTSTRAP=$(kfb_field "$READY_LINE" bootstrap)
echo "kafka-mock: bootstrap $KAFKA_BOOTSTRAP, control port $MOCK_CTL"

STEP="generating the sample data"
GEN_O=$(kfb_ctl "$MOCK_CTL" gen-orders orders "$ORDERS" "$SEED")
[[ "$GEN_O" == OK\ * ]] || die "gen-orders: $GEN_O"
GEN_C=$(kfb_ctl "$MOCK_CTL" gen-customers customers "$CUSTOMERS" "$SEED")
[[ "$GEN_C" == OK\ * ]] || die "gen-customers: $GEN_C"
for g in "$GEN_O" "$GEN_C"; do
    [ "$(kfb_field "$g" trimmed)" = 0 ] ||
        die "the mock cluster dropped old data (5 MiB per partition): use more QUICKSTART_PARTITIONS ($g)"
done
printf 'orders:    %s messages (%s upserts, %s tombstones), %s live orders at the end\n' \
    "$(kfb_field "$GEN_O" produced)" "$(kfb_field "$GEN_O" upserts)" "$(kfb_field "$GEN_O" deletes)" "$(kfb_field "$GEN_O" keys)"
printf 'customers: %s Debezium messages (%s upserts, %s deletes of which %s primary-key changes, %s tombstones), %s live rows at the end\n' \
    "$(kfb_field "$GEN_C" produced)" "$(kfb_field "$GEN_C" upserts)" "$(kfb_field "$GEN_C" deletes)" \
    "$(kfb_field "$GEN_C" key_changes)" "$(kfb_field "$GEN_C" tombstones)" "$(kfb_field "$GEN_C" keys)"

# ---- 2. Fluss -----------------------------------------------------------------------------
STEP="starting the Fluss test server"
say "2. Fluss test server with the tables of conf/quickstart/tables.json"
start_server fluss-test-server "$FTS" --tables conf/quickstart/tables.json
FTS_PID=$SERVER_PID
FTS_CTL=$(kfb_field "$READY_LINE" control)
FLUSS_BOOTSTRAP=$(kfb_field "$READY_LINE" bootstrap)
echo "fluss-test-server: bootstrap $FLUSS_BOOTSTRAP, control port $FTS_CTL"
export KAFKA_BOOTSTRAP FLUSS_BOOTSTRAP

# ---- 3. check, migrate ------------------------------------------------------------------------
STEP="kafka-fluss-bridge check"
say "3. kafka-fluss-bridge check -c $CONFIG"
if ! timeout -k 10 120 "$BRIDGE" check -c "$CONFIG" 2>"$W/check.log"; then
    die "check found problems (above)"
fi

STEP="kafka-fluss-bridge migrate"
say "4. kafka-fluss-bridge migrate -c $CONFIG --verify 1000"
# The summary (stdout) is kept to compare; progress and logs go to stderr and to
# migrate.log. stderr then is a pipe, so "auto" is decided here: a bar on a terminal
# (with logs at warn, so that the bar stays readable), else progress log lines.
if [ "$PROGRESS" = auto ]; then
    if [ -t 2 ]; then PROGRESS=bar; LEVEL=warn; else PROGRESS=log; LEVEL=info; fi
else
    LEVEL=warn
fi
set +e
KFB_LOG_LEVEL=${KFB_LOG_LEVEL:-$LEVEL} timeout --foreground -k 10 900 \
    "$BRIDGE" migrate -c "$CONFIG" --verify 1000 --progress "$PROGRESS" \
    2> >(tee "$W/migrate.log" >&2) | tee "$W/migrate.out"
MIGRATE_RC=${PIPESTATUS[0]}
set -e
[ "$MIGRATE_RC" = 0 ] || die "migrate exited $MIGRATE_RC (1 error, 2 configuration, 3 data gap, 4 verify differences, 124 timeout)"

STEP="comparing the summary with the generator"
summary() { awk -v m="$1" '$1 == m { print "messages=" $2, "upserts=" $3, "deletes=" $4, "errors=" $7 }' "$W/migrate.out"; }
for m in orders customers; do
    if [ "$m" = orders ]; then g=$GEN_O; else g=$GEN_C; fi
    want="messages=$(kfb_field "$g" produced) upserts=$(kfb_field "$g" upserts) deletes=$(kfb_field "$g" deletes) errors=0"
    got=$(summary "$m")
    [ "$got" = "$want" ] || die "mapping $m: the bridge reported '$got', the generator expects '$want'"
    echo "$m: summary matches the generator ($want)"
done
grep -qE '^verify: .* 0 differ, 0 unreadable' "$W/migrate.out" || die "verify found differences (above)"

# ---- 4. the tables --------------------------------------------------------------------------
STEP="reading the tables"
say "5. The tables in Fluss (first rows of the test server's dump)"
[ -z "$SAVE" ] || mkdir -p "$SAVE"
"$PY" - "$FTS_CTL" "$(kfb_field "$GEN_O" keys)" "$(kfb_field "$GEN_C" keys)" "$SAVE" <<'EOF' || die "the tables do not hold what the generator expects"
import json, os, socket, sys

port, want_orders, want_customers, save = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def dump(db, table):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.settimeout(300)
        s.sendall(f"dump {db} {table}\n".encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
    line = buf.decode()
    if not line.startswith("OK "):
        sys.exit(f"dump {db} {table}: {line[:300]}")
    if save:
        with open(os.path.join(save, f"{db}.{table}.json"), "w") as f:
            f.write(line[3:])
    return json.loads(line[3:])

ok = True
for db, table, want in (("shop", "orders", want_orders), ("inventory", "customers", want_customers)):
    d = dump(db, table)
    rows = list(d["rows"].values())
    print(f"{db}.{table}: {d['row_count']} rows (the generator expects {want})")
    ok &= d["row_count"] == want
    if rows:
        cols = list(rows[0].keys())
        shown = [[("null" if r.get(c) is None else str(r.get(c))) for c in cols] for r in rows[:5]]
        width = [max(len(c), *(len(x[i]) for x in shown)) for i, c in enumerate(cols)]
        print(("  " + "  ".join(c.ljust(w) for c, w in zip(cols, width))).rstrip())
        for x in shown:
            print(("  " + "  ".join(v.ljust(w) for v, w in zip(x, width))).rstrip())
    print()
sys.exit(0 if ok else 1)
EOF
if [ -n "$SAVE" ]; then
    for t in orders customers; do
        r=$(kfb_ctl "$MOCK_CTL" consume "$t" "$(cd "$SAVE" && pwd)/$t.topic.txt")
        [[ "$r" == OK\ * ]] || die "consume $t: $r"
    done
    echo "saved the topics and the tables in $SAVE"
fi

STEP="stopping"
say "Done"
cat <<EOF
The bridge copied both topics into Fluss, and the counts agree with the generator.
Next: copy $CONFIG, point it at your Kafka, Schema Registry and Fluss, and run
  $BRIDGE check -c YOUR.yaml
  $BRIDGE run -c YOUR.yaml
Trying a mapping without a cluster: docker/README.md ("Without a cluster").
EOF
