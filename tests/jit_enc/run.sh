#!/bin/sh
# Emits every instruction form of src/mapper_jit.c's emitter (enc_check.c) and compares
# the disassembly of its bytes with that of GNU as's encoding of the same text.
set -e
B=${BUILD:-build/release}
T=$(mktemp -d)
cc -std=c11 -O0 -g -D_GNU_SOURCE -Iinclude -I$B/gen -Isrc -Wno-unused-function \
   tests/jit_enc/enc_check.c -o $T/enc_check
$T/enc_check $T/ours.s $T/ref.s
as --64 $T/ours.s -o $T/ours.o
as --64 $T/ref.s -o $T/ref.o
# the instruction text only: no addresses or padding; store8's harmless bare REX (0x40)
# prefix is dropped
norm() {
    objdump -d -M intel --no-show-raw-insn "$1" | sed -e '1,/Disassembly/d' -e 's/<[^>]*>//g' \
        -e 's/^ *[0-9a-f]*:[[:space:]]*//' -e 's/^rex //' -e '/^int3/d' -e '/^$/d' -e '/^0000/d' |
        awk '{$1=$1};1'
}
norm $T/ours.o > $T/ours.txt
norm $T/ref.o > $T/ref.txt
if diff $T/ref.txt $T/ours.txt > $T/diff.txt; then
    echo "enc_check: all forms match GNU as ($(wc -l < $T/ref.txt) instructions)"
else
    echo "enc_check: differences (ref < > ours) in $T/diff.txt"; head -60 $T/diff.txt; exit 1
fi
