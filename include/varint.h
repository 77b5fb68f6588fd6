/*
 * varint.h - unsigned LEB128 varints as Fluss writes them.
 *
 * Format (fluss-common/.../row/compacted/CompactedRowWriter.java writeInt/writeLong,
 * DefaultKvRecord.java key length): 7 data bits per byte, low group first, 0x80 marks
 * continuation. Values are the raw two's-complement bits, not zigzag: a negative
 * int32 takes 5 bytes, a negative int64 takes 10.
 *
 * Readers are bounded: they never read past `len`, and reject
 *   - truncated input (continuation bit on the last available byte): KFB_ERR_TRUNCATED
 *   - over-long input: more than 5 (10) bytes, or a last byte with bits beyond the
 *     type's width: KFB_ERR_VARINT_OVERLONG.
 * Non-minimal encodings (e.g. 80 00 for 0) are accepted, as Fluss's own reader does;
 * our writers never produce them.
 */
#ifndef KFB_VARINT_H
#define KFB_VARINT_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define KFB_VARINT32_MAX 5
#define KFB_VARINT64_MAX 10

static inline size_t kfb_varint32_size(uint32_t v) {
    /* 1 + floor(bits/7), bits = position of the highest set bit */
    return v < (1u << 7) ? 1 : v < (1u << 14) ? 2 : v < (1u << 21) ? 3 : v < (1u << 28) ? 4 : 5;
}

static inline size_t kfb_varint64_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) { v >>= 7; n++; }
    return n;
}

/* Writes v at p (room for KFB_VARINT32_MAX bytes required); returns bytes written. */
static inline size_t kfb_varint32_write(uint8_t *p, uint32_t v) {
    size_t n = 0;
    while (v >= 0x80) { p[n++] = (uint8_t)(v | 0x80); v >>= 7; }
    p[n++] = (uint8_t)v;
    return n;
}

/* Writes v at p (room for KFB_VARINT64_MAX bytes required); returns bytes written. */
static inline size_t kfb_varint64_write(uint8_t *p, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) { p[n++] = (uint8_t)(v | 0x80); v >>= 7; }
    p[n++] = (uint8_t)v;
    return n;
}

/* Decodes a varint32 from p[0..len). On success stores the value and the number of
 * bytes consumed. On error *out and *consumed are untouched. */
kfb_err_t kfb_varint32_read(const uint8_t *p, size_t len, uint32_t *out, size_t *consumed);
kfb_err_t kfb_varint64_read(const uint8_t *p, size_t len, uint64_t *out, size_t *consumed);

#endif
