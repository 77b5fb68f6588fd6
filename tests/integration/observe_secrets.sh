#!/usr/bin/env bash
# observe_secrets.sh - the command line never prints a secret: check-config, explain --config,
# check (against nothing reachable) and run (Fluss unreachable: it stops at start-up) with a
# configuration whose secrets are known strings (Kafka SASL and SSL key passwords, registry
# basic-auth and key passwords, user:password@ in the registry URL, Fluss SASL), at debug
# level, with log.format text and json. Every byte of stdout and stderr is searched.
# (tests/unit/test_logging.c runs the same with reachable servers, in-process.)
# Prints "== observe_secrets: N ok, M failed ==".
set -uo pipefail
BIN=${KFB_BUILD:-build/release}/kafka-fluss-bridge
G=tests/golden/mapper
ok=0; bad=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass() { ok=$((ok + 1)); }
fail() { bad=$((bad + 1)); echo "FAIL $*"; }
no_secret() { # name, file
    if grep -a -n 'Kx9-' "$2" >/dev/null; then fail "$1 printed a secret:"; grep -a -n 'Kx9-' "$2" | head -3
    else pass; fi
}
has() { # name, file, fixed string
    if grep -a -F -q -- "$3" "$2"; then pass; else fail "$1: output lacks '$3'"; fi
}

cp -r $G/schemas "$T/schemas" && cp $G/table_items.json "$T/"
printf 'not a certificate\n' > "$T/client.pem"; printf 'not a key\n' > "$T/client.key"
for fmt in text json; do
    # the same secrets twice: an offline schema source (explain) and the registry (check, run)
    common="kafka:
  bootstrap.servers: 127.0.0.1:1
  group.id: observe-secrets
  security.protocol: SASL_PLAINTEXT
  sasl.mechanisms: PLAIN
  sasl.username: kuser
  sasl.password: Kx9-kafka-sasl-pw
  ssl.key.password: Kx9-kafka-sslkey-pw
  debug: all
fluss:
  bootstrap_servers: 127.0.0.1:1
  sasl_username: fuser
  sasl_password: Kx9-fluss-sasl-pw
  request_timeout: 2s
  connect_timeout: 1s
log:
  level: debug
  format: $fmt
mappings:
  - name: items
    topic: items
    table: shop.items
    table_descriptor: table_items.json"
    printf '%s\nschemas_dir: schemas\n' "$common" > "$T/offline.yaml"
    printf '%s\nschema_registry:\n  url: http://sruser:Kx9-url-pw@127.0.0.1:1\n  basic_auth_user: u\n  basic_auth_password: Kx9-basic-pw\n  cert_file: client.pem\n  key_file: client.key\n  key_password: Kx9-key-pw\n  retries: 0\n  connect_timeout: 500ms\n' \
        "$common" > "$T/registry.yaml"

    "$BIN" check-config "$T/registry.yaml" > "$T/cc.out" 2>&1
    no_secret "check-config ($fmt)" "$T/cc.out"
    has "check-config ($fmt)" "$T/cc.out" 'sasl_password: "***"'
    has "check-config ($fmt)" "$T/cc.out" 'http://***@127.0.0.1:1'

    "$BIN" explain --config "$T/offline.yaml" --mapping items 0000000003020261 > "$T/ex.out" 2>&1
    no_secret "explain ($fmt)" "$T/ex.out"
    has "explain ($fmt)" "$T/ex.out" '"op":"upsert"'

    # a registry explain that cannot connect: the error names the URL without its userinfo
    "$BIN" explain --config "$T/registry.yaml" --mapping items 0000000003020261 > "$T/exr.out" 2>&1
    no_secret "explain via the registry ($fmt)" "$T/exr.out"

    if [ "$fmt" = text ]; then # check waits 10 s for Kafka's metadata: once is enough
        timeout 120 "$BIN" check -c "$T/registry.yaml" > "$T/check.out" 2>&1
        rc=$?
        [ "$rc" -eq 1 ] && pass || fail "check: exit $rc, want 1 (problems found)"
        no_secret "check" "$T/check.out"
    fi

    timeout 120 "$BIN" run -c "$T/registry.yaml" > "$T/run.out" 2>&1
    rc=$?
    [ "$rc" -eq 1 ] && pass || fail "run ($fmt): exit $rc, want 1 (Fluss unreachable)"
    no_secret "run ($fmt)" "$T/run.out"
    has "run ($fmt)" "$T/run.out" 'fluss-conn' # debug lines were on: the search had something to search
done
echo "== observe_secrets: $ok ok, $bad failed =="
[ "$bad" -eq 0 ]
