#!/usr/bin/env bash
# e2e.sh - the compose stack end to end, on a machine with Docker (not run in CI: there is
# no Docker engine there; tests/integration/docker_files.sh checks the files instead).
#
#   docker/e2e.sh [--keep]
#
# 1. builds the image and starts the stack (docker-compose.yml);
# 2. waits for the bridge container to be healthy (its HEALTHCHECK on /health);
# 3. waits for sample-data to finish and takes the message counts it printed;
# 4. waits until the bridge's /metrics show no lag on any of the 16 partitions
#    (kfb_consumer_lag: end offset minus committed offset);
# 5. checks that Prometheus scrapes the bridge (up == 1);
# 6. checks the rows in Fluss: a second bridge in its own consumer group runs
#    `migrate --verify 2000` over the same (by then unchanging) topics: it writes the same
#    final values again (upserts are idempotent) and reads 2000 sampled keys back with
#    Lookup; exit 0 and "0 differ" mean Fluss holds each sampled key's last value;
# 7. tears the stack down (also on failure; --keep leaves it running).
# Every wait is bounded; exit 0 on success, 1 with the reason and the logs otherwise.
set -euo pipefail
cd "$(dirname "$0")"
KEEP=0
[ "${1:-}" = --keep ] && KEEP=1
COMPOSE=(docker compose -f docker-compose.yml)
METRICS=http://localhost:9464/metrics

cleanup() {
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "e2e: FAILED; last logs:" >&2
        "${COMPOSE[@]}" logs --tail 30 bridge sample-data fluss-init >&2 || true
    fi
    if [ "$KEEP" = 1 ]; then
        echo "e2e: stack left running (docker compose -f docker/docker-compose.yml down -v)"
    else
        "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    fi
    exit "$rc"
}
trap cleanup EXIT

# Polls a command until it succeeds; at most $2 seconds.
wait_for() { # what, seconds, command...
    local what=$1 secs=$2 i
    shift 2
    for ((i = 0; i < secs; i += 2)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 2
    done
    echo "e2e: timed out after ${secs}s waiting for $what" >&2
    return 1
}

bridge_healthy() {
    [ "$(docker inspect -f '{{.State.Health.Status}}' "$("${COMPOSE[@]}" ps -q bridge)")" = healthy ]
}

sample_data_done() {
    local id
    id=$("${COMPOSE[@]}" ps -a -q sample-data)
    [ "$(docker inspect -f '{{.State.Status}}' "$id")" = exited ] || return 1
    [ "$(docker inspect -f '{{.State.ExitCode}}' "$id")" = 0 ] || { echo "e2e: sample-data failed" >&2; exit 1; }
}

# "COUNT SUM" of one metric's samples on /metrics
metric() { # name
    curl -fsS "$METRICS" | awk -v n="$1" '
        $1 == n || index($1, n "{") == 1 { c++; s += $NF } END { printf "%d %.0f\n", c, s }'
}

# Every partition of both topics (8 each) reports its lag, and all of it is 0: everything
# produced is committed, which the bridge does only once Fluss acknowledged it. (Counters
# such as kfb_messages_consumed_total restart with the process; the lag does not.)
caught_up() {
    [ "$(metric kfb_consumer_lag)" = "16 0" ]
}

echo "e2e: building and starting the stack"
"${COMPOSE[@]}" up -d --build

wait_for "the bridge to be healthy (/health)" 600 bridge_healthy
echo "e2e: bridge healthy"

wait_for "sample-data to finish" 900 sample_data_done
PRODUCED=$("${COMPOSE[@]}" logs --no-log-prefix sample-data | grep -E '^(orders|customers): produced=')
echo "$PRODUCED"
[ "$(wc -l <<<"$PRODUCED")" = 2 ] || { echo "e2e: sample-data printed no counts" >&2; exit 1; }

wait_for "the bridge to consume every message with no lag" 600 caught_up
echo "e2e: no lag; kfb_messages_consumed_total (series, sum): $(metric kfb_messages_consumed_total)"

prom_up() {
    curl -fsS 'http://localhost:9090/api/v1/query?query=up%7Bjob%3D%22kafka-fluss-bridge%22%7D' |
        grep -q '"value":\[[0-9.]*,"1"\]'
}
wait_for "Prometheus to scrape the bridge" 120 prom_up
echo "e2e: Prometheus scrapes the bridge"

echo "e2e: migrate --verify 2000 in its own consumer group"
out=$("${COMPOSE[@]}" run --rm --no-deps -e KAFKA_GROUP=kafka-fluss-bridge-e2e-verify bridge \
    migrate -c /etc/kafka-fluss-bridge/bridge.yaml --verify 2000 --progress none)
echo "$out"
grep -qE '^verify: 2000 sampled keys .* 0 differ, 0 unreadable' <<<"$out" ||
    { echo "e2e: verify found differences" >&2; exit 1; }
echo "e2e: OK"
