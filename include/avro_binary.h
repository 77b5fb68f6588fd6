/*
 * avro_binary.h - bounded readers for the Avro binary encoding.
 *
 * Format (Apache Avro 1.11.1 specification, "Binary Encoding"):
 *   null      0 bytes
 *   boolean   1 byte, 0x00 or 0x01 (anything else is refused here)
 *   int/long  zigzag ((n << 1) ^ (n >> 63)) then base-128 varint, low group
 *             first; at most 5 bytes for int, 10 for long. We refuse longer
 *             encodings and a last byte carrying bits beyond 32 (64) bits.
 *   float     4 bytes IEEE-754 little-endian; double 8 bytes
 *   bytes     long length, then that many bytes; string: the same, UTF-8
 *   fixed     exactly `size` bytes
 *   enum      int index into the symbols
 *   union     int index of the branch, then the branch's value
 *   array/map a series of blocks: long count, then count items (map items are
 *             a string key then the value); a count of 0 ends the value. A
 *             negative count means |count| items preceded by a long byte size
 *             of the block (so readers can skip it).
 *   record    the fields in declaration order, nothing else
 *
 * Every reader checks each length against the bytes that remain before it
 * reads; no length or count from the input is trusted. Nothing allocates.
 * On error the cursor position is unspecified (callers report the error and
 * drop the record); on success it is advanced past the value.
 *
 * Strings are returned as pointers into the input (zero copy) and are NOT
 * checked for UTF-8: call kfb_avro_utf8_check() where policy requires it.
 */
#ifndef KFB_AVRO_BINARY_H
#define KFB_AVRO_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "avro_schema.h"
#include "bytes.h"
#include "errors.h"

/* A read position in an untrusted buffer: [p, end). */
typedef struct kfb_avro_cursor {
    const uint8_t *p;
    const uint8_t *end;
} kfb_avro_cursor_t;

/* Per-block cap on items of zero-byte types (arrays of null): they cannot be
 * bounded by the input length, so they are bounded by this instead. */
#define KFB_AVRO_MAX_EMPTY_ITEMS (1u << 20)

static inline void kfb_avro_cursor_init(kfb_avro_cursor_t *c, const void *data, size_t len) {
    c->p = (const uint8_t *)data;
    c->end = c->p + len;
}

static inline size_t kfb_avro_remaining(const kfb_avro_cursor_t *c) {
    return (size_t)(c->end - c->p);
}

/* Raw (not zigzag) varint of at most `max_bytes` bytes whose value must fit in
 * `bits` bits. Shared slow path of the int/long readers. */
static inline kfb_err_t kfb_avro_read_varint_(kfb_avro_cursor_t *c, unsigned max_bytes,
                                              unsigned bits, uint64_t *out) {
    const uint8_t *p = c->p;
    size_t avail = (size_t)(c->end - p);
    uint64_t v = 0;
    for (unsigned i = 0; i < max_bytes; i++) {
        if (KFB_UNLIKELY(i >= avail)) return KFB_ERR_TRUNCATED;
        uint8_t b = p[i];
        if (i == max_bytes - 1) {
            /* last permitted byte: no continuation, no bits past the width */
            if (KFB_UNLIKELY(b >> (bits - 7 * i))) return KFB_ERR_VARINT_OVERLONG;
        }
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            c->p = p + i + 1;
            *out = v;
            return KFB_ERR_OK;
        }
    }
    return KFB_ERR_VARINT_OVERLONG; /* not reached: the last byte check returns */
}

/* long: zigzag varint, at most 10 bytes. */
static inline kfb_err_t kfb_avro_read_long(kfb_avro_cursor_t *c, int64_t *out) {
    if (KFB_LIKELY(c->p < c->end && c->p[0] < 0x80)) {
        uint64_t u = c->p[0];
        c->p++;
        *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
        return KFB_ERR_OK;
    }
    uint64_t u;
    kfb_err_t err = kfb_avro_read_varint_(c, 10, 64, &u);
    if (KFB_UNLIKELY(err)) return err;
    *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return KFB_ERR_OK;
}

/* int: zigzag varint, at most 5 bytes, value within int32. */
static inline kfb_err_t kfb_avro_read_int(kfb_avro_cursor_t *c, int32_t *out) {
    if (KFB_LIKELY(c->p < c->end && c->p[0] < 0x80)) {
        uint32_t u = c->p[0];
        c->p++;
        *out = (int32_t)(u >> 1) ^ -(int32_t)(u & 1);
        return KFB_ERR_OK;
    }
    uint64_t u;
    kfb_err_t err = kfb_avro_read_varint_(c, 5, 32, &u);
    if (KFB_UNLIKELY(err)) return err;
    uint32_t u32 = (uint32_t)u;
    *out = (int32_t)(u32 >> 1) ^ -(int32_t)(u32 & 1);
    return KFB_ERR_OK;
}

static inline kfb_err_t kfb_avro_read_boolean(kfb_avro_cursor_t *c, bool *out) {
    if (KFB_UNLIKELY(c->p >= c->end)) return KFB_ERR_TRUNCATED;
    uint8_t b = *c->p;
    if (KFB_UNLIKELY(b > 1)) return KFB_ERR_AVRO_BAD_BOOLEAN;
    c->p++;
    *out = b != 0;
    return KFB_ERR_OK;
}

static inline kfb_err_t kfb_avro_read_float(kfb_avro_cursor_t *c, float *out) {
    if (KFB_UNLIKELY(kfb_avro_remaining(c) < 4)) return KFB_ERR_TRUNCATED;
    *out = kfb_bits_float(kfb_get_le32(c->p));
    c->p += 4;
    return KFB_ERR_OK;
}

static inline kfb_err_t kfb_avro_read_double(kfb_avro_cursor_t *c, double *out) {
    if (KFB_UNLIKELY(kfb_avro_remaining(c) < 8)) return KFB_ERR_TRUNCATED;
    *out = kfb_bits_double(kfb_get_le64(c->p));
    c->p += 8;
    return KFB_ERR_OK;
}

/* bytes or string: *data points into the input, valid as long as the input.
 * A negative length or one past the end of the input: KFB_ERR_BAD_LENGTH. */
static inline kfb_err_t kfb_avro_read_bytes(kfb_avro_cursor_t *c, const uint8_t **data,
                                            size_t *len) {
    int64_t n;
    kfb_err_t err = kfb_avro_read_long(c, &n);
    if (KFB_UNLIKELY(err)) return err;
    if (KFB_UNLIKELY(n < 0 || (uint64_t)n > (uint64_t)kfb_avro_remaining(c)))
        return KFB_ERR_BAD_LENGTH;
    *data = c->p;
    *len = (size_t)n;
    c->p += n;
    return KFB_ERR_OK;
}

static inline kfb_err_t kfb_avro_read_string(kfb_avro_cursor_t *c, const char **data,
                                             size_t *len) {
    const uint8_t *d;
    kfb_err_t err = kfb_avro_read_bytes(c, &d, len);
    if (KFB_LIKELY(!err)) *data = (const char *)d;
    return err;
}

/* fixed of `size` bytes (size from the schema, not from the input). */
static inline kfb_err_t kfb_avro_read_fixed(kfb_avro_cursor_t *c, size_t size,
                                            const uint8_t **data) {
    if (KFB_UNLIKELY(kfb_avro_remaining(c) < size)) return KFB_ERR_TRUNCATED;
    *data = c->p;
    c->p += size;
    return KFB_ERR_OK;
}

/* enum: index checked against n_symbols (KFB_ERR_AVRO_ENUM_INDEX). */
static inline kfb_err_t kfb_avro_read_enum(kfb_avro_cursor_t *c, size_t n_symbols,
                                           uint32_t *index) {
    int32_t i;
    kfb_err_t err = kfb_avro_read_int(c, &i);
    if (KFB_UNLIKELY(err)) return err;
    if (KFB_UNLIKELY(i < 0 || (uint64_t)i >= (uint64_t)n_symbols))
        return KFB_ERR_AVRO_ENUM_INDEX;
    *index = (uint32_t)i;
    return KFB_ERR_OK;
}

/* union: branch index checked against n_branches (KFB_ERR_AVRO_UNION_INDEX). */
static inline kfb_err_t kfb_avro_read_union_index(kfb_avro_cursor_t *c, size_t n_branches,
                                                  uint32_t *index) {
    int32_t i;
    kfb_err_t err = kfb_avro_read_int(c, &i);
    if (KFB_UNLIKELY(err)) return err;
    if (KFB_UNLIKELY(i < 0 || (uint64_t)i >= (uint64_t)n_branches))
        return KFB_ERR_AVRO_UNION_INDEX;
    *index = (uint32_t)i;
    return KFB_ERR_OK;
}

/*
 * Reads one block header of an array or map. *count is the number of items in
 * this block; 0 means the value has ended. *byte_size is the writer's block
 * size when it gave one (negative count), else -1; when given it has been
 * checked to lie within the input.
 *
 * `min_item_size` is the fewest bytes one item occupies (array: items->min_size;
 * map: 1 + values->min_size). A count whose items could not fit in the
 * remaining input (or the declared block size) is refused with
 * KFB_ERR_AVRO_BLOCK_COUNT, so a loop over *count items is bounded by the input
 * length; zero-size items are capped at KFB_AVRO_MAX_EMPTY_ITEMS per block.
 */
static inline kfb_err_t kfb_avro_read_block(kfb_avro_cursor_t *c, size_t min_item_size,
                                            uint64_t *count, int64_t *byte_size) {
    int64_t n;
    kfb_err_t err = kfb_avro_read_long(c, &n);
    if (KFB_UNLIKELY(err)) return err;
    *byte_size = -1;
    uint64_t items;
    size_t room = kfb_avro_remaining(c);
    if (n < 0) {
        if (KFB_UNLIKELY(n == INT64_MIN)) return KFB_ERR_AVRO_BLOCK_COUNT;
        items = (uint64_t)-n;
        int64_t size;
        err = kfb_avro_read_long(c, &size);
        if (KFB_UNLIKELY(err)) return err;
        room = kfb_avro_remaining(c);
        if (KFB_UNLIKELY(size < 0 || (uint64_t)size > (uint64_t)room)) return KFB_ERR_BAD_LENGTH;
        room = (size_t)size;
        *byte_size = size;
    } else {
        items = (uint64_t)n;
    }
    if (min_item_size == 0) {
        if (KFB_UNLIKELY(items > KFB_AVRO_MAX_EMPTY_ITEMS)) return KFB_ERR_AVRO_BLOCK_COUNT;
    } else if (KFB_UNLIKELY(items > (uint64_t)(room / min_item_size))) {
        return KFB_ERR_AVRO_BLOCK_COUNT;
    }
    *count = items;
    return KFB_ERR_OK;
}

/*
 * Skips one value of `type` (for fields that map to no column). Validates what
 * it passes over as far as the encoding allows (lengths, union and enum
 * indexes, booleans) but jumps over array/map blocks that carry a byte size
 * without looking inside, as the spec intends. Not UTF-8.
 */
kfb_err_t kfb_avro_skip(kfb_avro_cursor_t *c, const kfb_avro_node_t *type);

/*
 * Checks that data[0..len) is exactly one value of `type` (kfb_avro_skip, then
 * KFB_ERR_TRAILING_BYTES if bytes remain). *err_offset (may be NULL) receives
 * the offset where reading stopped.
 */
kfb_err_t kfb_avro_validate_datum(const uint8_t *data, size_t len, const kfb_avro_node_t *type,
                                  size_t *err_offset);

/*
 * Strict UTF-8 check (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF). Returns len when valid, else the offset of the first byte of the
 * first invalid sequence.
 */
size_t kfb_avro_utf8_check(const uint8_t *s, size_t len);

#endif
