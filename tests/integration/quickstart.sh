#!/usr/bin/env bash
# quickstart.sh - `make quickstart`'s script (scripts/quickstart.sh) in its quick mode, the
# same steps with fewer messages, checked from outside:
#  - it exits 0; `check` printed the plan of both mappings and found no problem;
#  - migrate's summary per mapping (messages, upserts, deletes, errors) equals the counts
#    the generator (kafka-mock gen-orders / gen-customers) reported, and the table row
#    counts equal its live keys; verify compared 1000 keys with no difference; rows printed;
#  - independently of the generator and of the bridge: the saved topics decoded with
#    python3-avro against the committed conf/quickstart/schemas/*.avsc, run through the e2e
#    harness's model of the semantics (tests/e2e/kfbe2e/model.py: plain Avro upserts and
#    tombstones, Debezium c/r/u/d with key changes and the tombstone after a delete), give
#    exactly the saved final tables and the summary's upsert and delete counts;
#  - a failing run (the mock's retention trims an overfull partition) exits 1 with the step
#    and the logs, and leaves no server running.
# Everything on 127.0.0.1 with ephemeral ports; bounded by timeouts.
# Prints "== quickstart: N ok, M failed ==".
set -uo pipefail
B=${KFB_BUILD:-build/release}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/kfb-quickstart-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
ok=0; bad=0
pass() { ok=$((ok + 1)); }
fail() { bad=$((bad + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "  $l"; done; }
check_eq() { if [ "$2" == "$3" ]; then pass; else fail "$1" "want: $2" "got:  $3"; fi; }
check_has() { if grep -qF -- "$2" <<<"$3"; then pass; else fail "$1" "want a line with: $2"; fi; }

# ---- the quick run ----------------------------------------------------------------------------
timeout -k 10 600 scripts/quickstart.sh --quick --build "$B" --save "$T/save" >"$T/out" 2>"$T/err"
rc=$?
out=$(cat "$T/out")
check_eq "exit status" 0 "$rc"
[ "$rc" = 0 ] || { echo "--- stdout"; tail -n 40 "$T/out"; echo "--- stderr"; tail -n 40 "$T/err"; }

# check: the plan of both mappings, no problem
check_has "check: valid" "config conf/quickstart.yaml: valid" "$out"
check_has "check: orders plan" "mapping orders -> table shop.orders" "$out"
check_has "check: orders rename" "column customer INT <- shop.Order.customer_id (int)" "$out"
check_has "check: orders ignore" "skip shop.Order.internal_note (ignored by configuration)" "$out"
check_has "check: customers plan" "mapping customers -> table inventory.customers" "$out"
check_has "check: customers rename" "column email STRING <- dbserver1.inventory.customers.Envelope.after.dbserver1.inventory.customers.Value.email_address (string)" "$out"
check_has "check: no problem" "ready: 0 problems" "$out"

# the generator's counts, as the quickstart printed them
gen() { sed -nE "s/^$1: +([0-9]+) .*/\\1/p" <<<"$out"; }
o_line=$(grep -E '^orders: +[0-9]+ messages' <<<"$out")
c_line=$(grep -E '^customers: +[0-9]+ Debezium messages' <<<"$out")
num() { sed -nE "s/.*[ (]([0-9]+) $2.*/\\1/p" <<<"$1"; } # line, word after the number
o_msgs=$(gen orders); o_up=$(num "$o_line" upserts); o_del=$(num "$o_line" tombstones); o_live=$(num "$o_line" "live orders")
c_msgs=$(gen customers); c_up=$(num "$c_line" upserts); c_del=$(num "$c_line" "deletes"); c_live=$(num "$c_line" "live rows")
c_moves=$(num "$c_line" "primary-key changes"); c_tomb=$(num "$c_line" "tombstones")
check_eq "orders: messages generated" 20000 "$o_msgs"
check_eq "customers: messages generated" 12000 "$c_msgs"
for v in o_up o_del o_live c_up c_del c_live c_moves c_tomb; do
    if [ -n "${!v}" ] && [ "${!v}" -gt 0 ]; then pass; else fail "generator count $v" "got '${!v}'"; fi
done
# each Debezium delete is followed by its tombstone; key changes are deletes without one
check_eq "customers: deletes = tombstones + key changes" "$c_del" "$((c_tomb + c_moves))"

# migrate's summary against the generator
row() { awk -v m="$1" '$1 == m { print $2, $3, $4, $5, $6, $7 }' <<<"$out"; }
check_eq "summary orders (messages upserts deletes skipped dead-lettered errors)" "$o_msgs $o_up $o_del 0 0 0" "$(row orders)"
check_eq "summary customers (messages upserts deletes skipped dead-lettered errors)" "$c_msgs $c_up $c_del 0 0 0" "$(row customers)"
check_has "verify: no difference" "verify: 1000 sampled keys read back with Lookup: 1000 equal, 0 differ, 0 unreadable" "$out"
# rows printed
check_has "orders row count" "shop.orders: $o_live rows (the generator expects $o_live)" "$out"
check_has "customers row count" "inventory.customers: $c_live rows (the generator expects $c_live)" "$out"
check_eq "orders rows printed" 5 "$(grep -cE '^  ORD-[0-9]{8} ' <<<"$out")"
check_eq "customers rows printed" 5 "$(grep -cE '^  [0-9]+ +[A-Z][a-z]+ +[A-Z][a-z]+ +[^ ]+@example\.com ' <<<"$out")"

# ---- independent model of the saved topics -> the saved tables ------------------------------------
model=$("$PY" - "$T/save" "$(row orders)" "$(row customers)" <<'EOF' 2>&1
import json, os, sys
sys.path.insert(0, "tests/e2e")
from kfbe2e.records import Schema, parse_line
from kfbe2e.table import Table
from kfbe2e.model import Expected, Mapping, diff_state

save = sys.argv[1]
summary = {"orders": sys.argv[2].split(), "customers": sys.argv[3].split()}

def schema(i):
    with open(f"conf/quickstart/schemas/{i}.avsc") as f:
        return Schema(i, json.load(f))

orders = Table("shop", "orders", [("order_id", "STRING", False), ("customer", "INT"), ("status", "STRING"),
                                  ("amount", "DECIMAL(10,2)"), ("currency", "STRING"),
                                  ("created_at", "TIMESTAMP_LTZ3")], pk=["order_id"], buckets=4)
customers = Table("inventory", "customers", [("id", "INT", False), ("first_name", "STRING"), ("last_name", "STRING"),
                                             ("email", "STRING"), ("updated_at", "TIMESTAMP_LTZ3")],
                  pk=["id"], buckets=3)
mappings = [
    Mapping("orders", "orders", orders, [schema(1)], key_format="string", rename={"customer_id": "customer"},
            ignore=["internal_note"]),
    Mapping("customers", "customers", customers, [schema(2)], fmt="debezium", key_schemas=[schema(3)],
            rename={"email_address": "email"}),
]
failures = 0
for m in mappings:
    with open(os.path.join(save, f"{m.topics[0]}.topic.txt")) as f:
        msgs = [parse_line(line.rstrip("\n")) for line in f if line.strip()]
    exp = Expected(m).apply_topic(m.topics[0], msgs)
    with open(os.path.join(save, f"{m.table.full_name}.json")) as f:
        dump = json.load(f)
    ops = [e[3] for evs in exp.events.values() for e in evs]
    got = {"messages": len(msgs), "upserts": ops.count("upsert"), "deletes": ops.count("delete"),
           "poison": len(exp.poison)}
    want = {"messages": int(summary[m.name][0]), "upserts": int(summary[m.name][1]),
            "deletes": int(summary[m.name][2]), "poison": 0}
    diff = diff_state(m.table, exp.state, dump)
    print(f"{m.name}: model {got}, summary {want}, {len(exp.state)} rows expected, {len(diff)} differences")
    for line in diff:
        print("  " + line)
    failures += (got != want) + bool(diff) + (len(exp.state) == 0)
sys.exit(1 if failures else 0)
EOF
)
mrc=$?
if [ "$mrc" = 0 ]; then pass; pass; else fail "model of the topics equals the tables and the summary" "$model"; fi
[ "$mrc" = 0 ] && echo "$model"

# ---- a failing run: clear message, nothing left running ----------------------------------------------
QUICKSTART_ORDERS=150000 QUICKSTART_PARTITIONS=1 timeout -k 10 300 \
    scripts/quickstart.sh --quick --build "$B" >"$T/fail.out" 2>"$T/fail.err"
rc=$?
check_eq "overfull partition: exit status" 1 "$rc"
check_has "overfull partition: names the cause" "the mock cluster dropped old data (5 MiB per partition)" "$(cat "$T/fail.err")"
check_has "overfull partition: names the step" "FAILED during 'generating the sample data'" "$(cat "$T/fail.err")"
wdir=$(sed -nE "s/.*Logs in (.*):$/\\1/p" "$T/fail.err")
if [ -n "$wdir" ] && ! pgrep -f "$wdir/" >/dev/null; then pass; else fail "overfull partition: servers stopped" "work dir '$wdir': $(pgrep -af "${wdir:-none}/")"; fi
[ -n "$wdir" ] && [ -d "$wdir" ] && rm -rf "$wdir"

echo "== quickstart: $ok ok, $bad failed =="
[ "$bad" -eq 0 ]
