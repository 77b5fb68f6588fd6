#!/usr/bin/env bash
# tests/real/run.sh BUILD_DIR - the real-cluster suite: starts a real Apache Fluss cluster
# (ZooKeeper, coordinator, 2 tablet servers) and a real Kafka KRaft node on 127.0.0.1, fills
# Kafka with the independent Java producer, runs every tests/real/test_*
# program built in BUILD_DIR/real against it (the judge, Fluss's Java client, checks what
# they wrote), stops everything and deletes its data, also when a test fails or the run is
# interrupted.
#
# Prints each program's "== name: N ok, M failed ==", then "real: N passed, N failed" and a
# last "== real: N ok, M failed ==" line that scripts/run-tests.sh adds to the overall
# count. Writes BUILD_DIR/real/ran with that line when it ran (.ci/run checks it).
# Environment: REAL_TABLET_SERVERS (default 2), REAL_MESSAGES_PLAIN (200000),
# REAL_MESSAGES_DEBEZIUM (100000), REAL_KEEP=1 keeps the run dir for a look.
set -uo pipefail
BUILD=${1:?usage: tests/real/run.sh BUILD_DIR}
. "$(dirname "$0")/lib.sh"
BUILD=$(cd "$BUILD" && pwd)
rm -f "$BUILD/real/ran"

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kfb-real.XXXXXX")
cleanup() {
    fluss_stop "$RUN_DIR"
    kafka_stop "$RUN_DIR"
    if [ "${REAL_KEEP:-0}" = 1 ]; then real_log "kept $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0; failed=0
t0=$SECONDS
if ! fluss_start "$RUN_DIR" "${REAL_TABLET_SERVERS:-2}"; then
    echo "!! real: the Fluss cluster did not start (logs above)"
    echo "real: 0 passed, 1 failed"
    echo "== real: 0 ok, 1 failed =="
    exit 1
fi
. "$RUN_DIR/fluss.env"
export FLUSS_BOOTSTRAP FLUSS_TABLET_SERVERS
export KFB_REAL_JUDGE="$REAL_SRC/judge.sh check $FLUSS_BOOTSTRAP"
export KFB_REAL_DIR=$RUN_DIR
export KFB_TEST_TIMEOUT=${KFB_TEST_TIMEOUT:-300}
export KFB_BUILD=$BUILD   # the bridge binary the end-to-end tests run
export KFB_REAL_SRC=$REAL_SRC

# Real Kafka, filled by the independent producer (tests/real/producer): the topics the
# end-to-end programs (test_real_kafka) consume. Without them those tests fail and say so.
if kafka_start "$RUN_DIR" && . "$RUN_DIR/kafka.env" && real_build_java producer; then
    export KAFKA_BOOTSTRAP KFB_REAL_PRODUCED=$RUN_DIR/produced
    for spec in "items plain ${REAL_MESSAGES_PLAIN:-200000} 20000" \
                "dbz debezium ${REAL_MESSAGES_DEBEZIUM:-100000} 5000"; do
        set -- $spec
        real_java producer kfb.producer.Producer --bootstrap "$KAFKA_BOOTSTRAP" --scenario "$2" \
            --topic "$1" --messages "$3" --keys "$4" --partitions 4 --buckets 8 \
            --table "kfb_real.$1" --out "$KFB_REAL_PRODUCED/$1" ||
            echo "!! real: the producer failed for topic $1"
    done
else
    echo "!! real: Kafka did not start (logs above); the Kafka tests will fail"
fi

# Client conformance first, the bridge (which restarts a tablet server) last.
progs=()
for n in fluss kafka bridge; do [ -x "$BUILD/real/test_real_$n" ] && progs+=("$BUILD/real/test_real_$n"); done
for t in "$BUILD"/real/test_*; do
    case " ${progs[*]} " in *" $t "*) ;; *) [ -x "$t" ] && progs+=("$t") ;; esac
done
for t in "${progs[@]}"; do
    out=$("$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^== .*: [0-9]+ ok, [0-9]+ failed ==$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "!! $t: exited $rc without a summary line"; failed=$((failed + 1)); continue
    fi
    ok=$(sed -E 's/.*: ([0-9]+) ok, ([0-9]+) failed ==$/\1/' <<<"$line")
    bad=$(sed -E 's/.*: ([0-9]+) ok, ([0-9]+) failed ==$/\2/' <<<"$line")
    passed=$((passed + ok)); failed=$((failed + bad))
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then echo "!! $t: exited $rc"; failed=$((failed + 1)); fi
done

echo "real: Fluss started in ${FLUSS_START_SECONDS}s, Kafka in ${KAFKA_START_SECONDS:-?}s; suite took $((SECONDS - t0))s"
echo "real: $passed passed, $failed failed"
summary="== real: $passed ok, $failed failed =="
echo "$summary"
mkdir -p "$BUILD/real" && echo "$summary" >"$BUILD/real/ran"
[ "$failed" -eq 0 ]
