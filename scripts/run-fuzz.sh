#!/usr/bin/env bash
# Runs each libFuzzer target for a fixed time, corpus seeded from tests/fuzz/corpus/NAME,
# and reports the executions each one ran clean.
set -euo pipefail
BUILD=$1; SECONDS_EACH=$2; shift 2
for bin in "$@"; do
    name=$(basename "$bin")
    corpus="$BUILD/corpus/$name"
    mkdir -p "$corpus" "$BUILD/artifacts"
    [ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
    echo "### $name: ${SECONDS_EACH}s"
    "$bin" -max_total_time="$SECONDS_EACH" -artifact_prefix="$BUILD/artifacts/$name-" \
        -print_final_stats=1 "$corpus" 2>"$BUILD/$name.log" || { tail -n 50 "$BUILD/$name.log"; exit 1; }
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$BUILD/$name.log" | sed "s/^/  $name /"
done
