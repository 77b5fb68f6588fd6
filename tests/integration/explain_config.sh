#!/usr/bin/env bash
# explain_config.sh - `explain --config FILE --mapping NAME`, `check-config` and
# `config-reference` from the command line, on the golden mapper data (tests/golden/mapper;
# expected bytes as in tests/integration/explain.sh). Prints "== explain_config: N ok, M failed ==".
set -uo pipefail
BIN=${KFB_BUILD:-build/release}/kafka-fluss-bridge
G=tests/golden/mapper
ok=0; bad=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
msg() { awk -v n="$1" '$1==n {print $3}' "$G/messages.txt"; }
key() { awk -v n="$1" '$1==n {print $2}' "$G/messages.txt"; }
check() { # name, expected substring, actual
    if [[ "$3" == *"$2"* ]]; then ok=$((ok + 1)); else
        bad=$((bad + 1)); echo "FAIL $1: expected to contain: $2"; echo "  got: $3"; fi
}
check_rc() { if [ "$2" -eq "$3" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "FAIL $1: exit $3, want $2"; fi; }
same() { if [ "$2" == "$3" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "FAIL $1: outputs differ"; echo "  flags:  $2"; echo "  config: $3"; fi; }

# A config next to copies of the golden files: relative paths resolve against its directory.
mkdir -p "$T/conf" && cp -r $G/schemas "$T/conf/schemas" && cp $G/table_*.json "$T/conf/"
cat > "$T/conf/bridge.yaml" <<'YAML'
kafka:
  bootstrap.servers: 127.0.0.1:9092
  group.id: explain-test
schemas_dir: schemas
fluss:
  bootstrap_servers: 127.0.0.1:9123
  sasl_password: ${KFB_TEST_FLUSS_PASSWORD}
mappings:
  - name: items
    topic: items
    table: shop.items
    table_descriptor: table_items.json
  - name: dbz
    topic: dbserver1.shop.dbz
    table: shop.dbz
    table_descriptor: table_dbz.json
    format: debezium
  - name: all
    topic: all
    table: shop.all
    table_descriptor: table_all.json
YAML
export KFB_TEST_FLUSS_PASSWORD=pw-never-shown

# 1. the same writes as the equivalent flags
want=$("$BIN" explain --table $G/table_all.json --schemas-dir $G/schemas "$(msg all_1)" "$(msg all_2)")
got=$("$BIN" explain --config "$T/conf/bridge.yaml" --mapping all "$(msg all_1)" "$(msg all_2)"); rc=$?
check_rc all 0 $rc
same all "$want" "$got"
check all.key '"op":"upsert","key":"ac02"' "$got"
want=$("$BIN" explain --table $G/table_dbz.json --schemas-dir $G/schemas --format debezium \
    --key "$(key dbz_d)" "$(msg dbz_u_move)" "$(msg dbz_d)" null "$(msg dbz_t)")
got=$("$BIN" explain --config "$T/conf/bridge.yaml" --mapping dbz --key "$(key dbz_d)" \
    "$(msg dbz_u_move)" "$(msg dbz_d)" null "$(msg dbz_t)"); rc=$?
check_rc dbz 0 $rc
same dbz "$want" "$got"
check dbz.move '{"op":"delete","key":"01","value":null,"bucket":0' "$got"

# 2. messages from stdin; --table overrides the mapping's table_descriptor
got=$(printf '%s\n' "$(msg v1_a)" | "$BIN" explain --config "$T/conf/bridge.yaml" --mapping items -); rc=$?
check_rc stdin 0 $rc
check stdin '"key":"01","value":"04010161","bucket":0' "$got"
err=$("$BIN" explain --config "$T/conf/bridge.yaml" --mapping items --table /nonexistent.json "$(msg v1_a)" 2>&1 >/dev/null); rc=$?
check_rc table_override 2 $rc
check table_override.msg '/nonexistent.json' "$err"

# 3. setup errors name the file, line and column, exit 2
err=$("$BIN" explain --config "$T/conf/bridge.yaml" --mapping nope 00 2>&1 >/dev/null); rc=$?
check_rc unknown_mapping 2 $rc
check unknown_mapping.msg "has no mapping named 'nope'; it has: items dbz all" "$err"
printf 'schemas_dir: x\nmappings:\n  - name: a\n    topik: t\n' > "$T/typo.yaml"
err=$("$BIN" explain --config "$T/typo.yaml" --mapping a 00 2>&1 >/dev/null); rc=$?
check_rc typo 2 $rc
check typo.msg "$T/typo.yaml:4:5: unknown key 'mappings[0].topik' (did you mean 'topic'?)" "$err"
err=$("$BIN" explain --config "$T/conf/bridge.yaml" --mapping items --rename a=b 00 2>&1 >/dev/null); rc=$?
check_rc mapping_flags 2 $rc
check mapping_flags.msg 'come from the mapping' "$err"
err=$(KFB_TEST_FLUSS_PASSWORD='' "$BIN" explain --config "$T/conf/bridge.yaml" 00 2>&1 >/dev/null); rc=$?
check_rc config_alone 2 $rc

# 4. check-config hides secrets; config-reference lists every section
out=$("$BIN" check-config "$T/conf/bridge.yaml" 2>&1); rc=$?
check_rc check_config 0 $rc
check check_config.secret 'sasl_password: "***"' "$out"
if [[ "$out" == *pw-never-shown* ]]; then bad=$((bad + 1)); echo "FAIL check_config printed a secret"; else ok=$((ok + 1)); fi
unset KFB_TEST_FLUSS_PASSWORD
err=$("$BIN" check-config "$T/conf/bridge.yaml" 2>&1); rc=$?
check_rc env_unset 2 $rc
check env_unset.msg 'environment variable KFB_TEST_FLUSS_PASSWORD is not set' "$err"
out=$("$BIN" config-reference); rc=$?
check_rc reference 0 $rc
check reference '| `mappings[].table_descriptor` | string |' "$out"

echo "== explain_config: $ok ok, $bad failed =="
[ "$bad" -eq 0 ]
