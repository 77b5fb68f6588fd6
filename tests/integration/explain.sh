#!/usr/bin/env bash
# explain.sh - end-to-end checks of `kafka-fluss-bridge explain` on the golden mapper data
# (tests/golden/mapper: messages written by python3-avro, expected Fluss bytes hand-derived,
# see tests/unit/test_mapper.c). Prints "== explain: N ok, M failed ==".
set -uo pipefail
BIN=${KFB_BUILD:-build/release}/kafka-fluss-bridge
G=tests/golden/mapper
ok=0; bad=0
msg() { awk -v n="$1" '$1==n {print $3}' "$G/messages.txt"; }
key() { awk -v n="$1" '$1==n {print $2}' "$G/messages.txt"; }
check() { # name, expected substring, actual
    if [[ "$3" == *"$2"* ]]; then ok=$((ok + 1)); else
        bad=$((bad + 1)); echo "FAIL $1: expected to contain: $2"; echo "  got: $3"; fi
}
check_rc() { if [ "$2" -eq "$3" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "FAIL $1: exit $3, want $2"; fi; }

# 1. all scalar conversions: key, bucket, value bytes and decoded row
out=$("$BIN" explain --table $G/table_all.json --schemas-dir $G/schemas "$(msg all_1)"); rc=$?
check_rc all_1 0 $rc
check all_1.key '"op":"upsert","key":"ac02"' "$out"
check all_1.bucket '"bucket":5,"partition":null' "$out"
check all_1.value '"value":"0a000000ac020178fb2c01ffffffff0f07a08d060000c03f000000000000d03f00000000000000c0010668c3a96c6c6f02616205475245454e0200ff02010283ffffffffffffffff0102303a999a01c0b3a710bbb4a710de9fd7b5b631de9fd7b5b631f8c007ffffffffffffffffff01bf843d0001a0c21e24' "$out"
check all_1.row '"dec": "-1.25", "decf": "1234.6", "dt": "2024-01-15"' "$out"

# 2. --avro-schema: one schema file for any id; messages from stdin, a bad line fails
out=$(printf '%s\n%s\n' "$(msg v1_a)" "zz" | "$BIN" explain --table $G/table_items.json --avro-schema $G/schemas/3.avsc -); rc=$?
check_rc stdin 1 $rc
check stdin.row '"key":"01","value":"04010161","bucket":0,"partition":null,"row":{"id": 1, "name": "a", "qty": null}' "$out"
check stdin.error '{"error":"message 1 is not hex (or the word null)","class":"record"}' "$out"

# 3. Debezium: update that moves the key, delete, its tombstone, truncate
out=$("$BIN" explain --table $G/table_dbz.json --schemas-dir $G/schemas --format debezium \
    --key "$(key dbz_d)" "$(msg dbz_u_move)" "$(msg dbz_d)" null "$(msg dbz_t)"); rc=$?
check_rc dbz 0 $rc
check dbz.move '{"op":"delete","key":"01","value":null,"bucket":0,"partition":null,"row":{"id": 1}}
{"op":"upsert","key":"02","value":"00020261320b","bucket":2' "$out"
check dbz.delete_then_skip '{"op":"delete","key":"02","value":null,"bucket":2,"partition":null,"row":{"id": 2}}
{"op":"skip"' "$out"

# 4. a tombstone with an Avro key
out=$("$BIN" explain --table $G/table_items.json --schemas-dir $G/schemas --key "$(key tomb_1)" null); rc=$?
check_rc tomb 0 $rc
check tomb '{"op":"delete","key":"01","value":null,"bucket":0' "$out"

# 5. per-message errors are classified JSON, exit 1
out=$("$BIN" explain --table $G/table_items.json --schemas-dir $G/schemas 0000000063020261 0100000003020261); rc=$?
check_rc errors 1 $rc
check errors.unknown_id '"class":"record"' "$out"
check errors.magic 'expected magic byte 0x00' "$out"
check errors.count "$(printf '%s\n' "$out" | grep -c '"error"')" 2

# 6. setup errors: exit 2 with a message naming the problem
err=$("$BIN" explain --table /nonexistent.json --schemas-dir $G/schemas 00 2>&1 >/dev/null); rc=$?
check_rc setup.table 2 $rc
check setup.table.msg '/nonexistent.json' "$err"
err=$("$BIN" explain --table $G/table_all.json 00 2>&1 >/dev/null); rc=$?
check_rc setup.schema 2 $rc
err=$("$BIN" explain --table $G/table_all.json --schemas-dir $G/schemas --format xml 00 2>&1 >/dev/null); rc=$?
check_rc setup.format 2 $rc
check setup.format.msg 'avro or debezium' "$err"

# 7. mapping options: --ignore, --partial-update, --rename, --union
out=$("$BIN" explain --table $G/table_items.json --schemas-dir $G/schemas --ignore qty --partial-update "$(msg v2_a)"); rc=$?
check_rc options 0 $rc
check options.ignore '"key":"02","value":"04020162"' "$out"
err=$("$BIN" explain --table $G/table_items.json --schemas-dir $G/schemas --rename name=title "$(msg v2_a)" 2>&1 >/dev/null); rc=$?
check_rc options.rename 2 $rc
check options.rename.msg 'no column "title"' "$err"
err=$("$BIN" explain --table $G/table_items.json --schemas-dir $G/schemas --union qty "$(msg v2_a)" 2>&1 >/dev/null); rc=$?
check_rc options.union 2 $rc
check options.union.msg 'FIELD=BRANCH' "$err"

# 8. nested records, arrays and maps, rendered by the row reader
out=$("$BIN" explain --table $G/table_nested.json --schemas-dir $G/schemas "$(msg nested_1)"); rc=$?
check_rc nested 0 $rc
check nested.row '"customer": {"vip": true, "name": "bo", "addr": {"zip": 7, "city": "X"}, "extra": null}' "$out"
out=$("$BIN" explain --table $G/table_coll.json --schemas-dir $G/schemas "$(msg coll_1)"); rc=$?
check_rc coll 0 $rc
check coll.value '"value":"000130090000004000000001000000020000000300000004000000050000' "$out"

echo "== explain: $ok ok, $bad failed =="
[ "$bad" -eq 0 ]
