#!/usr/bin/env bash
# By hand: a real Fluss cluster on 127.0.0.1 (tests/real/README.md).
#   tests/real/fluss.sh start DIR [TABLET_SERVERS]   prints FLUSS_BOOTSTRAP=...
#   tests/real/fluss.sh stop DIR                     stops it and deletes DIR
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
*) echo "usage: fluss.sh start DIR [TABLET_SERVERS] | stop DIR" >&2; exit 2 ;;
esac
