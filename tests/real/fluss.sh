#!/usr/bin/env bash
# By hand: a real Fluss cluster on 127.0.0.1 (tests/real/README.md).
#   tests/real/fluss.sh start DIR [TABLET_SERVERS]   prints FLUSS_BOOTSTRAP=...
#   tests/real/fluss.sh stop DIR                     stops it and deletes DIR
#   tests/real/fluss.sh stop-tablet DIR I / start-tablet DIR I   one tablet server
set -uo pipefail
. "$(dirname "$0")/lib.sh"
case "${1:-}" in
start)
    dir=${2:?usage: fluss.sh start DIR [TABLET_SERVERS]}
    mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
    fluss_start "$dir" "${3:-2}" || { fluss_stop "$dir"; exit 1; }
    cat "$dir/fluss.env" ;;
stop)
    dir=${2:?usage: fluss.sh stop DIR}
    fluss_stop "$dir" && rm -rf "$dir" ;;
stop-tablet)   # one tablet server of a running cluster (its data stays)
    fluss_stop_tablet "${2:?usage: fluss.sh stop-tablet DIR I}" "${3:?usage: fluss.sh stop-tablet DIR I}" ;;
start-tablet)  # the same tablet server again: same config, data and port
    dir=${2:?usage: fluss.sh start-tablet DIR I}; i=${3:?usage: fluss.sh start-tablet DIR I}
    . "$dir/fluss.env"
    fluss_start_tablet "$dir" "$i" && judge ready "$FLUSS_BOOTSTRAP" "$FLUSS_TABLET_SERVERS" \
        "$REAL_START_TIMEOUT" ;;
*) echo "usage: fluss.sh start DIR [TABLET_SERVERS] | stop DIR | stop-tablet DIR I |" \
        "start-tablet DIR I" >&2; exit 2 ;;
esac
