# shellcheck shell=bash
# servers.sh - sourced by scripts/quickstart.sh and tests/integration/docker_files.sh: the
# loopback servers of this repository (kafka-mock, fluss-test-server) print one line
# "READY bootstrap=... control=PORT" (also into --port-file) and answer one-line control
# commands with one line starting with OK or ERR.

# Starts a server in the background with --port-file DIR/NAME.ready, output in
# DIR/NAME.out and DIR/NAME.log; waits at most 30 s for its READY line. Sets SERVER_PID
# and READY_LINE; returns 1 when no READY line came.
kfb_start_server() { # dir, name, command...
    local dir=$1 name=$2 i
    shift 2
    "$@" --port-file "$dir/$name.ready" >"$dir/$name.out" 2>"$dir/$name.log" &
    SERVER_PID=$!
    for ((i = 0; i < 300; i++)); do
        [ -s "$dir/$name.ready" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    READY_LINE=$(head -n 1 "$dir/$name.ready" 2>/dev/null || true)
    [[ "$READY_LINE" == READY\ * ]]
}

# The value of NAME=VALUE in a READY line (or an OK reply).
kfb_field() { # line, name
    sed -nE "s/.* $2=([^ ]+).*/\\1/p" <<<" $1"
}

# One control command on a fresh connection to 127.0.0.1:PORT; prints the reply line
# (waits at most 600 s for it).
kfb_ctl() { # port, command...
    local port=$1 fd reply=""
    shift
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" || { echo "ERR no connection to 127.0.0.1:$port"; return 0; }
    printf '%s\n' "$*" >&"$fd"
    IFS= read -r -t 600 -u "$fd" reply || reply="ERR no reply within 600 s"
    exec {fd}>&-
    printf '%s\n' "$reply"
}
