#!/usr/bin/env bash
# By hand: a real Kafka KRaft node on 127.0.0.1 (tests/real/README.md).
#   tests/real/kafka.sh start DIR    prints KAFKA_BOOTSTRAP=...
#   tests/real/kafka.sh stop DIR     stops it and deletes DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
case "${1:-}" in
start)
    dir=${2:?usage: kafka.sh start DIR}
    mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
    kafka_start "$dir" || { kafka_stop "$dir"; exit 1; }
    cat "$dir/kafka.env" ;;
stop)
    dir=${2:?usage: kafka.sh stop DIR}
    kafka_stop "$dir" && rm -rf "$dir" ;;
*) echo "usage: kafka.sh start DIR | stop DIR" >&2; exit 2 ;;
esac
