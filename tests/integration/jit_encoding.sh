#!/usr/bin/env bash
# jit_encoding.sh - the mapper JIT's instruction emitter (src/mapper_jit.c) against GNU as:
# every form it emits, for every register and displacement size, must disassemble to the
# same instructions as as's own encoding of the same text (tests/jit_enc/run.sh).
# Prints "== jit_encoding: N ok, M failed ==".
set -uo pipefail
if out=$(BUILD=${KFB_BUILD:-build/release} sh tests/jit_enc/run.sh 2>&1); then
    printf '%s\n' "$out"
    echo "== jit_encoding: 1 ok, 0 failed =="
else
    printf '%s\n' "$out"
    echo "== jit_encoding: 0 ok, 1 failed =="
fi
