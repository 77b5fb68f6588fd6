#!/usr/bin/env bash
# bench/real.sh BUILD_DIR - the end-to-end benchmark against a real cluster (issue 12), run by
# `make bench` after the other benchmarks (never by CI: .ci/run only builds benchmarks).
#
# Starts, on 127.0.0.1 only, a real Apache Fluss cluster (2 tablet servers) and a real Kafka
# KRaft node from their published jars (tests/real/lib.sh, as the real-cluster suite does),
# then in one run:
#   1. BUILD_DIR/bench/bench_real prepare: topics `bench` (Confluent-framed) and `bench_plain`
#      (the same records without the framing), Fluss tables kfb_bench.{bridge,putkv,flink};
#   2. BUILD_DIR/bench/bench_real measure: raw librdkafka consumption, the bridge's migrate
#      into kfb_bench.bridge, raw consumption again, the PutKv path alone into kfb_bench.putkv;
#   3. the Flink SQL peer (tests/real/flink: Flink's local mini cluster, Kafka source reading
#      `bench_plain` as plain Avro, Fluss sink into kfb_bench.flink), and the bridge's ratio;
#   4. Fluss's Java client (the judge of tests/real) looks up a sample of 2000 keys in each
#      table: each must hold its last message's row (computed from the record formula).
# Stops every process it started and deletes its data at the end (EXIT trap), also on failure
# or interruption. Every step is bounded in time. Informational: no target, no MISSED.
# Environment: BENCH_REAL_MESSAGES (default 2000000 a topic), BENCH_REAL_PARTITIONS (8),
# BENCH_REAL_BUCKETS (16), BENCH_REAL_FLINK=0 skips the Flink peer, BENCH_REAL_KEEP=1 keeps
# the run directory (the processes are stopped all the same).
set -uo pipefail
BUILD=${1:?usage: bench/real.sh BUILD_DIR}
. "$(dirname "$0")/../tests/real/lib.sh"
BUILD=$(cd "$BUILD" && pwd)
say() { echo "bench_real: $*"; }

if ! real_have_tools; then
    say "SKIPPED: the real-cluster benchmark needs java (17) and mvn (scripts/install-deps.sh installs them)"
    exit 0
fi
[ -x "$BUILD/bench/bench_real" ] || { say "$BUILD/bench/bench_real is missing: run make bench-build"; exit 1; }

export BENCH_REAL_MESSAGES=${BENCH_REAL_MESSAGES:-2000000}
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kfb-bench-real.XXXXXX")
STEP_PID=""
# step SECONDS CMD...: CMD bounded by timeout(1), run in the background and waited for, so
# that an INT or TERM to this script is acted on at once (bash defers its traps while a
# foreground command runs, and timeout(1) puts CMD in a process group of its own); cleanup
# stops it by its pid (timeout passes the signal on to CMD and CMD's children).
step() {
    local secs=$1 rc
    shift
    timeout "$secs" "$@" &
    STEP_PID=$!
    wait "$STEP_PID"
    rc=$?
    STEP_PID=""
    return "$rc"
}
cleanup() {
    if [ -n "$STEP_PID" ]; then kill -TERM "$STEP_PID" 2>/dev/null; wait "$STEP_PID" 2>/dev/null; fi
    fluss_stop "$RUN_DIR"
    kafka_stop "$RUN_DIR"
    if [ "${BENCH_REAL_KEEP:-0}" = 1 ]; then say "kept $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

loadavg() { cut -d' ' -f1 /proc/loadavg; }
pom_prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$REAL_SRC/$2/pom.xml" | head -n 1; }

t0=$SECONDS
if ! fluss_start "$RUN_DIR" 2; then say "FAILED: the Fluss cluster did not start (logs above)"; exit 1; fi
if ! kafka_start "$RUN_DIR"; then say "FAILED: Kafka did not start (logs above)"; exit 1; fi
. "$RUN_DIR/fluss.env"
. "$RUN_DIR/kafka.env"
export KAFKA_BOOTSTRAP FLUSS_BOOTSTRAP FLUSS_TABLET_SERVERS
export BENCH_REAL_DIR=$RUN_DIR/work
mkdir -p "$BENCH_REAL_DIR"
echo "versions: Fluss $(pom_prop fluss.version fluss) (fluss-server jar: ZooKeeper, coordinator and" \
    "tablet servers at -Xmx128m/256m/384m, SerialGC), Kafka $(pom_prop kafka.version kafka) (-Xmx512m);" \
    "all on 127.0.0.1; cluster up in $((SECONDS - t0)) s"

W=$BENCH_REAL_DIR
step 900 "$BUILD/bench/bench_real" prepare || { say "FAILED: bench_real prepare"; exit 1; }
step 1200 "$BUILD/bench/bench_real" measure || { say "FAILED: bench_real measure"; exit 1; }
. "$W/results.env"

# ---- the Flink SQL peer --------------------------------------------------------------------
flink_line=""
flink_ran=0
flink_desc="Flink $(pom_prop flink.version flink) local mini cluster, Kafka source (flink-connector-kafka"
flink_desc="$flink_desc $(pom_prop flink.kafka.version flink)) reading bench_plain: plain Avro, no Confluent"
flink_desc="$flink_desc framing (Flink's avro-confluent format needs io.confluent:kafka-schema-registry-client,"
flink_desc="$flink_desc which is not on Maven Central), Fluss sink"
flink_desc="$flink_desc (fluss-flink-1.20 $(pom_prop fluss.version flink)) into kfb_bench.flink"
if [ "${BENCH_REAL_FLINK:-1}" = 0 ]; then
    flink_line="Flink SQL peer: not run (BENCH_REAL_FLINK=0)"
elif ! real_build_java flink 2>"$RUN_DIR/flink-build.err"; then
    flink_line="Flink SQL peer: DID NOT RUN: building it failed: $(grep -m 3 -E 'ERROR|Could not' \
        "$RUN_DIR/flink-build.err" | tr '\n' ' ')"
else
    real_log4j_conf "$RUN_DIR/flink-log4j2.properties"
    mkdir -p "$RUN_DIR/flink-tmp"
    load_before=$(loadavg)
    # its own tmpdir: the mini cluster's blob store and the extracted planner go with RUN_DIR
    step 900 java -Xmx768m $REAL_JVM_OPTS -XX:MaxMetaspaceSize=384m \
        -Djava.io.tmpdir="$RUN_DIR/flink-tmp" \
        -Dlog4j.configurationFile=file:"$RUN_DIR/flink-log4j2.properties" \
        -Dlog.file="$RUN_DIR/flink.log" \
        -cp "$REAL_OUT/flink/flink-1.jar:$(real_classpath flink)" kfb.flink.FlinkPeer \
        --kafka "$KAFKA_BOOTSTRAP" --fluss "$FLUSS_BOOTSTRAP" --topic bench_plain \
        --table kfb_bench.flink --parallelism "$(nproc)" >"$RUN_DIR/flink.out" 2>&1
    rc=$?
    result=$(grep -m 1 '^FLINK_RESULT ' "$RUN_DIR/flink.out")
    if [ "$rc" -eq 0 ] && [ -n "$result" ]; then
        flink_ran=1
        net=$(sed -E 's/.* net_s=([0-9.]+).*/\1/' <<<"$result")
        wall=$(sed -E 's/.* wall_s=([0-9.]+).*/\1/' <<<"$result")
        par=$(sed -E 's/.* parallelism=([0-9]+).*/\1/' <<<"$result")
        flink_line=$(awk -v n="$BENCH_REAL_MESSAGES" -v net="$net" -v wall="$wall" -v par="$par" \
            -v d="$flink_desc" -v l0="$load_before" -v l1="$(loadavg)" 'BEGIN {
            printf "Flink SQL peer (%s, parallelism %d): %.0f msg/s (job net runtime %.2f s, its ", d, par, n / net, net
            printf "deployment on the mini cluster included; %.2f s from the INSERT'"'"'s submission, planning ", wall
            printf "included; load average (1 min) %s before, %s after)", l0, l1 }')
    else
        # the exception and its root cause, or the last lines
        why=$(grep -m 1 -E 'Exception|Error|FLINK_ERROR' "$RUN_DIR/flink.out")
        root=$(grep -E '^Caused by: ' "$RUN_DIR/flink.out" | tail -n 1)
        [ -n "$root" ] && why="$why; root cause: $root"
        [ -n "$why" ] || why=$(tail -n 3 "$RUN_DIR/flink.out" | tr '\n' ' ')
        [ "$rc" -eq 124 ] && why="timed out after 900 s; $why"
        flink_line="Flink SQL peer: DID NOT RUN (exit status $rc): $why"
    fi
fi

# ---- what each writer left in Fluss ---------------------------------------------------------
targets=("$W/expected.jsonl" "$W/expected.jsonl@kfb_bench.putkv")
[ "$flink_ran" = 1 ] && targets+=("$W/expected.jsonl@kfb_bench.flink")
judged=0
step 300 "$REAL_SRC/judge.sh" state "$FLUSS_BOOTSTRAP" "${targets[@]}" >"$RUN_DIR/judge.out" 2>&1 && judged=1

echo "$flink_line"
if [ "$flink_ran" = 1 ]; then
    awk -v n="$BENCH_REAL_MESSAGES" -v whole="$BRIDGE_WHOLE_SECONDS" -v net="$net" 'BEGIN {
        printf "real end-to-end bridge/Flink SQL: %.2fx (the bridge from its start to its exit, %.0f msg/s, ", net / whole, n / whole
        printf "over Flink'"'"'s job net runtime, %.0f msg/s: both with their start-up)\n", n / net }'
fi
grep '^judge: ' "$RUN_DIR/judge.out"
if [ "$judged" != 1 ]; then
    tail -n 20 "$RUN_DIR/judge.out"
    say "FAILED: Fluss's Java client does not find the expected rows in every table (above)"
    exit 1
fi
say "whole run $((SECONDS - t0)) s (cluster start, produce, measurements, Flink, lookups)"
