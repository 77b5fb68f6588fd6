#!/usr/bin/env bash
# Runs every test binary of a build dir (unit tests, fuzz regressions), every
# integration script, every end-to-end scenario file (tests/e2e/test_*.py) and the
# real-cluster suite (tests/real), then prints one closing line "N passed, N failed".
# Each test binary prints "== name: N ok, M failed =="; a binary that dies without
# that line counts as one failure.
set -uo pipefail
BUILD=${1:?usage: run-tests.sh BUILD_DIR}
export KFB_BUILD=$BUILD
passed=0; failed=0
run_one() {
    local out rc line
    out=$("$@" 2>&1); rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^== .*: [0-9]+ ok, [0-9]+ failed ==$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "!! $*: exited $rc without a summary line"
        failed=$((failed + 1)); return
    fi
    local ok bad
    ok=$(sed -E 's/.*: ([0-9]+) ok, ([0-9]+) failed ==$/\1/' <<<"$line")
    bad=$(sed -E 's/.*: ([0-9]+) ok, ([0-9]+) failed ==$/\2/' <<<"$line")
    passed=$((passed + ok)); failed=$((failed + bad))
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        echo "!! $*: exited $rc"; failed=$((failed + 1))
    fi
}
for t in "$BUILD"/tests/test_* "$BUILD"/fuzz-regress/fuzz_*; do
    [ -x "$t" ] && run_one "$t"
done
for s in tests/integration/*.sh; do
    [ -f "$s" ] && run_one bash "$s"
done
# end-to-end scenarios (tests/e2e: Python 3 stdlib + python3-avro, Debian's /usr/bin/python3)
for s in tests/e2e/test_*.py; do
    [ -f "$s" ] && run_one /usr/bin/python3 "$s"
done
# The real-cluster suite (tests/real/run.sh): real Apache Fluss, judged by Fluss's Java
# client. Needs java and mvn; KFB_REQUIRE_REAL=1 (CI) makes their absence a failure.
case "${KFB_REAL_SUITE:-run}" in
skip) echo "real: the real-cluster suite runs in the plain build only (skipped here)" ;;
*)
    if command -v java >/dev/null && command -v mvn >/dev/null; then
        run_one bash tests/real/run.sh "$BUILD"
    else
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        echo "!! real: java and/or mvn not found: the suite against a REAL Fluss cluster did"
        echo "!! NOT run. Install openjdk-17-jdk-headless and maven (scripts/install-deps.sh)."
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        [ "${KFB_REQUIRE_REAL:-0}" = 1 ] && failed=$((failed + 1))
    fi ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
