#!/usr/bin/env bash
# kafka_mock.sh - kafka-mock (tests/programs/kafka-mock.c) checked against what librdkafka
# clients observe from outside: produce then offsets counts, consume returns exactly what
# was produced (keys, values, headers, null keys, tombstones, empty values), a group
# commit by a separate client (kafka-mock-client) shows in `committed`, which itself never
# joins the group, a produce to a down broker waits until broker-up, more than 5 MiB in
# one partition moves its log start, and bad commands answer ERR with a reason.
# Everything on 127.0.0.1; every wait is bounded. Prints "== kafka_mock: N ok, M failed ==".
set -uo pipefail
B=${KFB_BUILD:-build/release}
MOCK=$B/kafka-mock
CLIENT=$B/kafka-mock-client
T=$(mktemp -d /tmp/kfb-kafka-mock.XXXXXX)
ok=0; bad=0
MOCK_PID=
cleanup() {
    [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

pass() { ok=$((ok + 1)); }
fail() { bad=$((bad + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "  $l"; done; }
check_eq() { # name, want, got
    if [ "$2" == "$3" ]; then pass; else fail "$1" "want: $2" "got:  $3"; fi
}
check_has() { # name, substring, got
    if [[ "$3" == *"$2"* ]]; then pass; else fail "$1" "want to contain: $2" "got: $3"; fi
}

# Starts kafka-mock with the given options; sets CTL (control port) and BOOT.
start_mock() {
    rm -f "$T/ready"
    "$MOCK" --port-file "$T/ready" "$@" >"$T/mock.out" 2>"$T/mock.err" &
    MOCK_PID=$!
    local i
    for ((i = 0; i < 300; i++)); do
        [ -s "$T/ready" ] && break
        kill -0 "$MOCK_PID" 2>/dev/null || break
        sleep 0.1
    done
    local line
    line=$(head -n 1 "$T/ready" 2>/dev/null)
    CTL=$(sed -nE 's/.* control=([0-9]+)$/\1/p' <<<"$line")
    BOOT=$(sed -nE 's/^READY bootstrap=([^ ]+) .*/\1/p' <<<"$line")
    [ -n "$CTL" ] && [ -n "$BOOT" ]
}

# One command on a fresh control connection (clients come one after another); prints the
# reply line. Bounded by a read timeout.
cmd() {
    local fd reply=""
    exec {fd}<>"/dev/tcp/127.0.0.1/$CTL" || { echo "ERR (no connection)"; return; }
    printf '%s\n' "$*" >&"$fd"
    IFS= read -r -t 120 -u "$fd" reply || reply="ERR (no reply within 120 s)"
    exec {fd}>&-
    printf '%s\n' "$reply"
}

# ---- start: READY line, --topic, stdout and port file agree --------------------------------
if start_mock --brokers 3 --topic pre:3; then pass; else fail start "no READY line" "$(cat "$T/mock.err")"; exit 1; fi
check_eq ready.stdout "$(head -n 1 "$T/ready")" "$(head -n 1 "$T/mock.out")"
check_eq ready.brokers 3 "$(tr ',' '\n' <<<"$BOOT" | grep -cE '^127\.0\.0\.1:[0-9]+$')"
check_eq topics.pre "OK pre:3" "$(cmd topics)"

# ---- produce-file then offsets and consume -------------------------------------------------
cat >"$T/in.txt" <<'EOF'
# partition key value headers
0 6b31 7631 h1=6869 h2=- h%3D3="" kfb.topic=6f7264657273
0 6b31 -
1 - 7633
1 "" ""
2 6b34 76340a00ff
0 6b35 7635 x=01 x=02
1 0a0b 0c0d @77 1700000000000
EOF
check_eq create "OK" "$(cmd create-topic t1 3)"
check_eq produce_file "OK produced=7" "$(cmd produce-file t1 "$T/in.txt")"
check_eq offsets "OK 0=0:3 1=0:3 2=0:1" "$(cmd offsets t1)"
check_eq consume "OK messages=7" "$(cmd consume t1 "$T/out.txt")"
# what was produced, grouped by partition in file order, then " @OFFSET TIMESTAMP"
want='0 6b31 7631 h1=6869 h2=- h%3D3="" kfb.topic=6f7264657273 @0
0 6b31 - @1
0 6b35 7635 x=01 x=02 @2
1 - 7633 @0
1 "" "" @1
1 0a0b 0c0d @2
2 6b34 76340a00ff @0'
check_eq consume.lines "$want" "$(sed -E 's/ [0-9]+$//' "$T/out.txt")"
check_eq consume.timestamp "1700000000000" "$(awk '$1==1 && $2=="0a0b" {print $NF}' "$T/out.txt")"
check_eq consume.timestamps_set 7 "$(awk '$NF > 0' "$T/out.txt" | wc -l)"
# a consume file is itself a produce file (the @OFFSET part is ignored)
check_eq create2 "OK" "$(cmd create-topic t2 3)"
check_eq reproduce "OK produced=7" "$(cmd produce-file t2 "$T/out.txt")"
check_eq reconsume "OK messages=7" "$(cmd consume t2 "$T/out2.txt")"
check_eq roundtrip "$(cat "$T/out.txt")" "$(cat "$T/out2.txt")"

# produce (one message), partition -1 = the partitioner: same key, same partition
check_eq produce1 "OK produced=1" "$(cmd produce t1 -1 6b6b 01 h=02)"
check_eq produce2 "OK produced=1" "$(cmd produce t1 -1 6b6b 02)"
cmd consume t1 "$T/out3.txt" >/dev/null
check_eq partitioner.same "1" "$(awk '$2=="6b6b" {print $1}' "$T/out3.txt" | sort -u | wc -l)"
check_eq partitioner.order "01 02" "$(awk '$2=="6b6b" {printf "%s%s", s, $3; s=" "}' "$T/out3.txt")"

# a larger file: counts per partition
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%d %08x %064x k=%02x\n", i % 3, i, i, i % 256 }' >"$T/big.txt"
check_eq produce_big "OK produced=100000" "$(cmd produce-file t2 "$T/big.txt")"
check_eq offsets_big "OK 0=0:33337 1=0:33336 2=0:33334" "$(cmd offsets t2)"

# ---- consumer group: a client's commit shows in `committed`, which never joins ---------------
check_eq create_g "OK" "$(cmd create-topic g 4)"
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%d %04x %04x\n", i % 4, i, i }' >"$T/g.txt"
check_eq produce_g "OK produced=1000" "$(cmd produce-file g "$T/g.txt")"
check_eq committed.none "OK 0=-1 1=-1 2=-1 3=-1" "$(cmd committed grp g)"
# Had `committed` joined grp, the client would share the partitions with a phantom member
# and could not read all 1000 messages alone.
out=$(timeout 120 "$CLIENT" --bootstrap "$BOOT" --group grp --topic g --count 1000 --commit 2>"$T/client.err")
check_eq client.consumed "consumed=1000" "$(head -n 1 <<<"$out" | cut -d' ' -f1)"
check_eq client.committed "committed 0=250 1=250 2=250 3=250" "$(sed -n 2p <<<"$out")"
check_eq committed.after "OK 0=250 1=250 2=250 3=250" "$(cmd committed grp g)"
check_eq committed.other_group "OK 0=-1 1=-1 2=-1 3=-1" "$(cmd committed other g)"

# ---- broker down: a produce to its partition waits; broker-up lets it finish -----------------
check_eq create_d "OK" "$(cmd create-topic d 1)"
check_eq leader_set "OK" "$(cmd partition-leader d 0 2)"
check_eq leaders "OK 0=2" "$(cmd leaders d)"
check_eq down "OK" "$(cmd broker-down 2)"
exec {pf}<>"/dev/tcp/127.0.0.1/$CTL"
printf 'produce d 0 6b 76\n' >&"$pf"
check_eq down.help_other_client "OK commands:" "$(cmd help | cut -c1-12)"
# While broker 2 is down, the produce cannot be acknowledged: no reply yet.
if IFS= read -r -t 2 -u "$pf" early; then fail down.waits "produce answered while its leader was down: $early"; else pass; fi
check_eq up "OK" "$(cmd broker-up 2)"
IFS= read -r -t 90 -u "$pf" late || late="(no reply within 90 s of broker-up)"
exec {pf}>&-
check_eq down.finishes "OK produced=1" "$late"
check_eq down.offsets "OK 0=0:1" "$(cmd offsets d)"

# ---- pushed request errors -------------------------------------------------------------------
check_eq push "OK pushed=1 api=Produce first=MSG_SIZE_TOO_LARGE" "$(cmd push-errors Produce 1 MSG_SIZE_TOO_LARGE)"
check_has push.fails "ERR produce: 1 of 1 messages were not delivered, first error: Broker: Message size too large" "$(cmd produce d 0 6b 77)"
check_eq push.next_ok "OK produced=1" "$(cmd produce d 0 6b 78)"
check_eq push.retriable "OK pushed=2 api=Produce first=NOT_LEADER_FOR_PARTITION" "$(cmd push-errors 0 2 6 6)"
check_eq push.retried "OK produced=1" "$(cmd produce d 0 6b 79)"
check_eq push.offsets "OK 0=0:3" "$(cmd offsets d)"
check_eq push.clear_pushed "OK pushed=3 api=Produce first=MSG_SIZE_TOO_LARGE" "$(cmd push-errors Produce 3 10)"
check_eq push.clear "OK" "$(cmd clear-errors Produce)"
check_eq push.cleared "OK produced=1" "$(cmd produce d 0 6b 7a)"
check_eq rtt "OK" "$(cmd set-rtt -1 5)"
check_eq rtt_produce "OK produced=1" "$(cmd produce d 0 6b 7b)"
check_eq rtt0 "OK" "$(cmd set-rtt -1 0)"
check_eq coordinator "OK" "$(cmd coordinator grp 3)"
check_eq committed.moved_coordinator "OK 0=250 1=250 2=250 3=250" "$(cmd committed grp g)"

# ---- more than 5 MiB in one partition moves its log start (rdkafka_mock.c retention) ---------
check_eq create_r "OK" "$(cmd create-topic r 1)"
awk 'BEGIN { v = ""; for (i = 0; i < 500; i++) v = v "abcd"; for (i = 0; i < 7000; i++) printf "0 %08x %s\n", i, v }' >"$T/r.txt"
check_eq produce_r "OK produced=7000" "$(cmd produce-file r "$T/r.txt")"
offs=$(cmd offsets r)
low=$(sed -nE 's/^OK 0=([0-9]+):([0-9]+)$/\1/p' <<<"$offs")
high=$(sed -nE 's/^OK 0=([0-9]+):([0-9]+)$/\2/p' <<<"$offs")
check_eq retention.high 7000 "$high"
if [ -n "$low" ] && [ "$low" -gt 0 ] && [ $((high - low)) -le 5243 ]; then pass; else
    fail retention.low "want 0 < LOW and HIGH-LOW <= 5 MiB / 1000-byte values" "got: $offs"; fi
check_eq retention.consume "OK messages=$((high - low))" "$(cmd consume r "$T/r.out")"
check_eq retention.first "$(printf '%08x @%d' "$low" "$low")" "$(head -n 1 "$T/r.out" | awk '{print $2, $4}')"
check_eq retention.last "$(printf '%08x @%d' 6999 6999)" "$(tail -n 1 "$T/r.out" | awk '{print $2, $4}')"

# ---- gen-bench ---------------------------------------------------------------------------------
check_eq create_b "OK" "$(cmd create-topic bench 4)"
check_eq gen_bench "OK produced=1000 keys=500 trimmed=0" "$(cmd gen-bench bench 1000)"
check_eq gen_bench.offsets "OK 0=0:250 1=0:250 2=0:250 3=0:250" "$(cmd offsets bench)"
check_eq gen_bench_schema "OK $T/1.avsc" "$(cmd gen-bench-schema "$T")"
check_eq gen_bench_schema.avro "$(printf 'Bench\n10')" "$(/usr/bin/python3 -c '
import json, sys; s = json.load(open(sys.argv[1])); print(s["name"]); print(len(s["fields"]))' "$T/1.avsc")"
cmd consume bench "$T/bench.out" >/dev/null
# each key lives in one partition, 500 keys, every value Confluent-framed with schema id 1
check_eq gen_bench.keys 500 "$(awk '{print $2}' "$T/bench.out" | sort -u | wc -l)"
check_eq gen_bench.key_partition 500 "$(awk '{print $1, $2}' "$T/bench.out" | sort -u | wc -l)"
check_eq gen_bench.framing 1000 "$(awk '$3 ~ /^0000000001/' "$T/bench.out" | wc -l)"
# Message 3 (key index 3, id 3000000021) decoded by python3-avro, an independent decoder.
v3=$(awk '$1==3 && $4=="@0" {print $3}' "$T/bench.out")
check_eq gen_bench.decode "3000000021 dave-the-longer-name 3 0.75 True None 1698235273185 Amsterdam 3.0 -497" "$(/usr/bin/python3 -c '
import io, sys, avro.io, avro.schema
s = avro.schema.parse(open(sys.argv[1]).read()); b = bytes.fromhex(sys.argv[2])
r = avro.io.DatumReader(s).read(avro.io.BinaryDecoder(io.BytesIO(b[5:])))
r["ts"] = round(r["ts"].timestamp() * 1000)  # python3-avro gives timestamp-millis as datetime
print(" ".join(str(r[f]) for f in ["id","name","a","d","b","ns","ts","city","f","i2"]))' "$T/1.avsc" "$v3" 2>&1)"

# ---- bad commands: ERR with a reason -----------------------------------------------------------
check_has err.unknown "ERR unknown command 'frobnicate'; try help" "$(cmd frobnicate)"
check_has err.usage "ERR usage: offsets TOPIC" "$(cmd offsets)"
check_has err.topic "ERR offsets: unknown topic 'nope'" "$(cmd offsets nope)"
check_has err.exists "ERR create-topic: cannot create topic 't1'" "$(cmd create-topic t1 2)"
check_has err.topic_name "is not valid in Kafka" "$(cmd create-topic 'a/b' 2)"
check_has err.partitions "PARTITIONS '0' is not a number" "$(cmd create-topic zz 0)"
check_has err.file "ERR produce-file: cannot open $T/missing.txt" "$(cmd produce-file t1 "$T/missing.txt")"
before=$(cmd offsets t1)
printf '0 aa bb\n0 aa bbb\n' >"$T/bad.txt"
check_has err.file_line "ERR produce-file: $T/bad.txt:2: field 3 (VALUE) has an odd number of hex digits" "$(cmd produce-file t1 "$T/bad.txt")"
check_eq err.file_nothing_produced "$before" "$(cmd offsets t1)"
printf '9 aa bb\n' >"$T/bad2.txt"
check_has err.file_partition "bad2.txt:1: partition 9, but topic t1 has 3 partitions" "$(cmd produce-file t1 "$T/bad2.txt")"
check_has err.header "header 1 'nohdr' is not NAME=HEXVALUE" "$(cmd produce t1 0 aa bb nohdr)"
check_has err.api "ERR push-errors: API 'Frob' is not one the mock cluster answers" "$(cmd push-errors Frob 1 6)"
check_has err.code "'NO_SUCH_ERROR' is not a Kafka error code" "$(cmd push-errors Fetch 1 NO_SUCH_ERROR)"
check_has err.codes "give one error code for all 3 requests or 3 codes, not 2" "$(cmd push-errors Fetch 3 6 6)"
check_has err.broker "ERR broker-down: broker '7' is not 1..3 or -1" "$(cmd broker-down 7)"
check_has err.leader "ERR partition-leader: partition '5' is not 0..0" "$(cmd partition-leader d 5 1)"
check_has err.long "ERR line longer than" "$(cmd "produce t1 0 aa $(head -c 4200000 /dev/zero | tr '\0' 'a')")"
check_eq after_errors "OK 0=0:0" "$(cmd offsets pre | sed 's/ 1=.*//')"

# ---- quit stops it with status 0 ------------------------------------------------------------------
check_eq quit "OK bye" "$(cmd quit)"
for ((i = 0; i < 100; i++)); do kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
wait "$MOCK_PID"; rc=$?; MOCK_PID=
check_eq quit.status 0 "$rc"

# ---- --stdin: commands on stdin, its end stops kafka-mock; SIGTERM stops it too ----------------
out=$(printf 'create-topic s 2\nproduce s 1 aa bb\noffsets s\n' | timeout 60 "$MOCK" --stdin --control-port -1 --brokers 1 2>/dev/null); rc=$?
check_eq stdin.status 0 "$rc"
check_eq stdin.replies "$(printf 'OK\nOK produced=1\nOK 0=0:0 1=0:1')" "$(tail -n 3 <<<"$out")"
check_has stdin.ready "control=-1" "$(head -n 1 <<<"$out")"
start_mock --brokers 1 || fail restart "no READY line"
kill -TERM "$MOCK_PID"
for ((i = 0; i < 100; i++)); do kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
wait "$MOCK_PID"; rc=$?; MOCK_PID=
check_eq sigterm.status 0 "$rc"

[ "$bad" -gt 0 ] && [ -s "$T/mock.err" ] && { echo "kafka-mock stderr (last run):"; tail -n 20 "$T/mock.err"; }
echo "== kafka_mock: $ok ok, $bad failed =="
[ "$bad" -eq 0 ]
