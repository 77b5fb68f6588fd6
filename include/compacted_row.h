/*
 * compacted_row.h - Fluss CompactedRow values and CompactedKeyEncoder keys.
 *
 * Format (fluss-protocol.md §6.2, §7.3; fluss-common/src/main/java/org/apache/fluss/row/
 * compacted/CompactedRowWriter.java, CompactedKeyWriter.java, CompactedRowReader.java,
 * row/BinaryWriter.java):
 *
 *   value row: [null bitmap, (N + 7) / 8 bytes][field 0][field 1]...[field N-1]
 *   key:       [field 0][field 1]...            (CompactedKeyWriter = writer with N = 0)
 *
 *   Field i is null <=> bit (i & 7) of bitmap byte (i >> 3); a null field writes no bytes.
 *   BOOLEAN 1 byte 0/1 | TINYINT 1 byte | SMALLINT 2 bytes LE | INTEGER, DATE, TIME varint32
 *   BIGINT varint64 | FLOAT 4 bytes LE | DOUBLE 8 bytes LE
 *   STRING, CHAR, BYTES, BINARY: varint32 byte length + bytes (no padding)
 *   DECIMAL p <= 18: varint64 unscaled | p > 18: varint32 length + minimal BE two's complement
 *   TIMESTAMP / TIMESTAMP_LTZ p <= 3: varint64 millis | p > 3: varint64 millis +
 *   varint32 nano-of-millisecond | ARRAY, MAP, ROW: varint32 length + nested bytes
 *   "varint" = unsigned LEB128 of the two's-complement bits (negative INT = 5 bytes).
 *
 * Writer: kfb_row_writer_t is a small transparent cursor over a caller-owned kfb_buf_t (no
 * heap state of its own, hence no _new/_destroy): kfb_row_writer_begin() appends a zeroed
 * bitmap, each write appends one field. The writer does not know the schema; the caller
 * (the mapping plan) writes every column in schema order, and checks NOT NULL before calling
 * kfb_row_write_null() (Java does not check it either, §6.3). All writes are inline and do
 * not allocate once the buffer has capacity. On error the buffer may hold a partial row:
 * kfb_row_writer_discard() removes it.
 *
 * Reader: kfb_row_decode()/kfb_key_decode() check untrusted bytes against the column types
 * and fill kfb_value_t's whose strings/bytes point into the input (no allocation). The
 * reader is stricter than Java's CompactedRowReader, which trusts its input; we reject forms
 * Fluss's writers never emit, so a test server built on it catches encoder bugs:
 *   - null bit set for a NOT NULL column (Java ignores the bit)   KFB_ERR_NULL_NOT_ALLOWED
 *   - bitmap bits set past the last column                         KFB_ERR_ROW_BITMAP_PADDING
 *   - BOOLEAN byte other than 0/1 (Java reads != 0 as true)        KFB_ERR_ROW_BAD_BOOLEAN
 *   - varint32 whose 5th byte has bits above bit 31 (Java drops them) KFB_ERR_VARINT_OVERLONG
 *   - nano-of-millisecond outside 0..999999                        KFB_ERR_OUT_OF_RANGE
 *   - negative length, length past the end                         KFB_ERR_BAD_LENGTH
 *   - compact decimal with more than p digits                      KFB_ERR_DECIMAL_OVERFLOW
 *   - non-compact decimal: empty, or more than p digits          KFB_ERR_DECIMAL_OVERFLOW
 *     (Java: exception / null), or not minimal (Java accepts)      KFB_ERR_DECIMAL_NOT_MINIMAL
 *   - bytes left after the last field                              KFB_ERR_TRAILING_BYTES
 *   - input ending inside a field or the bitmap                    KFB_ERR_TRUNCATED
 * Strings are not UTF-8 validated (Java does not either); row_json.h escapes bad UTF-8.
 * ARRAY/MAP/ROW fields are returned as their raw nested bytes (length-checked only).
 */
#ifndef KFB_COMPACTED_ROW_H
#define KFB_COMPACTED_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "bytes.h"
#include "datatype.h"
#include "decimal.h"
#include "errors.h"
#include "varint.h"

/* CompactedRow.calculateBitSetWidthInBytes */
static inline size_t kfb_row_bitmap_size(uint32_t field_count) {
    return ((size_t)field_count + 7) / 8;
}

typedef struct kfb_row_writer {
    kfb_buf_t *buf;       /* not owned */
    size_t start;         /* offset of this row's first byte (the bitmap) in buf */
    uint32_t field_count; /* 0 = key mode: no bitmap, nulls refused */
} kfb_row_writer_t;

/* Starts a value row of field_count columns at the end of buf: appends the zeroed bitmap.
 * field_count = 0 is a row without columns (an empty row, no bitmap). */
kfb_err_t kfb_row_writer_begin(kfb_row_writer_t *w, kfb_buf_t *buf, uint32_t field_count);
/* Starts a compacted key (CompactedKeyEncoder) at the end of buf. Never fails. */
void kfb_key_writer_begin(kfb_row_writer_t *w, kfb_buf_t *buf);

static inline size_t kfb_row_writer_start(const kfb_row_writer_t *w) { return w->start; }
/* Bytes written so far for this row/key, bitmap included. */
static inline size_t kfb_row_writer_size(const kfb_row_writer_t *w) { return w->buf->len - w->start; }
static inline const uint8_t *kfb_row_writer_data(const kfb_row_writer_t *w) {
    return w->buf->data + w->start;
}
/* Drops everything this row/key wrote (e.g. after a per-record error). */
static inline void kfb_row_writer_discard(kfb_row_writer_t *w) { w->buf->len = w->start; }

/* Marks field `pos` null (it writes no bytes). KFB_ERR_NULL_IN_KEY in key mode,
 * KFB_ERR_INVALID_ARG for pos >= field_count. */
static inline kfb_err_t kfb_row_write_null(kfb_row_writer_t *w, uint32_t pos) {
    if (KFB_UNLIKELY(w->field_count == 0)) return KFB_ERR_NULL_IN_KEY;
    if (KFB_UNLIKELY(pos >= w->field_count)) return KFB_ERR_INVALID_ARG;
    w->buf->data[w->start + (pos >> 3)] |= (uint8_t)(1u << (pos & 7));
    return KFB_ERR_OK;
}

#define KFB_ROW_RESERVE_(w, n)                                                            \
    do {                                                                                  \
        kfb_err_t e_ = kfb_buf_reserve((w)->buf, (n));                                     \
        if (KFB_UNLIKELY(e_)) return e_;                                                  \
    } while (0)

static inline kfb_err_t kfb_row_write_boolean(kfb_row_writer_t *w, bool v) {
    KFB_ROW_RESERVE_(w, 1);
    w->buf->data[w->buf->len++] = v ? 1 : 0;
    return KFB_ERR_OK;
}

static inline kfb_err_t kfb_row_write_tinyint(kfb_row_writer_t *w, int8_t v) {
    KFB_ROW_RESERVE_(w, 1);
    w->buf->data[w->buf->len++] = (uint8_t)v;
    return KFB_ERR_OK;
}

/* Fixed 2 bytes little-endian (UnsafeUtils.putShort on little-endian hosts), not a varint. */
static inline kfb_err_t kfb_row_write_smallint(kfb_row_writer_t *w, int16_t v) {
    KFB_ROW_RESERVE_(w, 2);
    kfb_put_le16(w->buf->data + w->buf->len, (uint16_t)v);
    w->buf->len += 2;
    return KFB_ERR_OK;
}

/* INTEGER; also DATE (days since epoch) and TIME (millis of day), which Java writes alike. */
static inline kfb_err_t kfb_row_write_int(kfb_row_writer_t *w, int32_t v) {
    KFB_ROW_RESERVE_(w, KFB_VARINT32_MAX);
    w->buf->len += kfb_varint32_write(w->buf->data + w->buf->len, (uint32_t)v);
    return KFB_ERR_OK;
}
static inline kfb_err_t kfb_row_write_date(kfb_row_writer_t *w, int32_t days) {
    return kfb_row_write_int(w, days);
}
static inline kfb_err_t kfb_row_write_time(kfb_row_writer_t *w, int32_t millis_of_day) {
    return kfb_row_write_int(w, millis_of_day);
}

static inline kfb_err_t kfb_row_write_bigint(kfb_row_writer_t *w, int64_t v) {
    KFB_ROW_RESERVE_(w, KFB_VARINT64_MAX);
    w->buf->len += kfb_varint64_write(w->buf->data + w->buf->len, (uint64_t)v);
    return KFB_ERR_OK;
}

/* IEEE-754 bits little-endian; NaN payloads and -0.0 are written as given (Java's
 * putFloat/putDouble keep the raw bits). */
static inline kfb_err_t kfb_row_write_float(kfb_row_writer_t *w, float v) {
    KFB_ROW_RESERVE_(w, 4);
    kfb_put_le32(w->buf->data + w->buf->len, kfb_float_bits(v));
    w->buf->len += 4;
    return KFB_ERR_OK;
}
static inline kfb_err_t kfb_row_write_double(kfb_row_writer_t *w, double v) {
    KFB_ROW_RESERVE_(w, 8);
    kfb_put_le64(w->buf->data + w->buf->len, kfb_double_bits(v));
    w->buf->len += 8;
    return KFB_ERR_OK;
}

/* varint32 length + bytes: BYTES, BINARY(n), and nested ARRAY/MAP/ROW payloads.
 * KFB_ERR_OUT_OF_RANGE when n > INT32_MAX (Java lengths are int). */
static inline kfb_err_t kfb_row_write_bytes(kfb_row_writer_t *w, const void *p, size_t n) {
    if (KFB_UNLIKELY(n > INT32_MAX)) return KFB_ERR_OUT_OF_RANGE;
    KFB_ROW_RESERVE_(w, KFB_VARINT32_MAX + n);
    uint8_t *d = w->buf->data + w->buf->len;
    size_t h = kfb_varint32_write(d, (uint32_t)n);
    if (n) memcpy(d + h, p, n);
    w->buf->len += h + n;
    return KFB_ERR_OK;
}
/* STRING and CHAR(n): UTF-8 bytes (not validated, not padded). */
static inline kfb_err_t kfb_row_write_string(kfb_row_writer_t *w, const char *s, size_t n) {
    return kfb_row_write_bytes(w, s, n);
}

/* DECIMAL with p <= 18: the unscaled value, already at the column's scale. */
static inline kfb_err_t kfb_row_write_decimal_compact(kfb_row_writer_t *w, int64_t unscaled) {
    return kfb_row_write_bigint(w, unscaled);
}
/* DECIMAL with p > 18: minimal big-endian two's-complement unscaled bytes. */
static inline kfb_err_t kfb_row_write_decimal_bytes(kfb_row_writer_t *w, const uint8_t *be,
                                                    size_t n) {
    return kfb_row_write_bytes(w, be, n);
}
/* A decimal converted with decimal.h; the layout follows d->precision. */
static inline kfb_err_t kfb_row_write_decimal(kfb_row_writer_t *w, const kfb_decimal_t *d) {
    if (d->precision <= KFB_DECIMAL_MAX_COMPACT_PRECISION)
        return kfb_row_write_bigint(w, d->unscaled);
    return kfb_row_write_bytes(w, d->bytes, d->nbytes);
}

/* TIMESTAMP(p) and TIMESTAMP_LTZ(p) (same layout): millis as varint64, and for p > 3 the
 * nano-of-millisecond as varint32. For p <= 3 the nanos are dropped, as in Java.
 * KFB_ERR_OUT_OF_RANGE when nano_of_milli is outside 0..999999 (Java's checkArgument). */
static inline kfb_err_t kfb_row_write_timestamp(kfb_row_writer_t *w, int64_t millis,
                                                int32_t nano_of_milli, int32_t precision) {
    if (KFB_UNLIKELY(nano_of_milli < 0 || nano_of_milli > 999999)) return KFB_ERR_OUT_OF_RANGE;
    KFB_ROW_RESERVE_(w, KFB_VARINT64_MAX + KFB_VARINT32_MAX);
    uint8_t *d = w->buf->data + w->buf->len;
    size_t n = kfb_varint64_write(d, (uint64_t)millis);
    if (precision > KFB_TIMESTAMP_MAX_COMPACT_PRECISION)
        n += kfb_varint32_write(d + n, (uint32_t)nano_of_milli);
    w->buf->len += n;
    return KFB_ERR_OK;
}
static inline kfb_err_t kfb_row_write_timestamp_ntz(kfb_row_writer_t *w, int64_t millis,
                                                    int32_t nano_of_milli, int32_t precision) {
    return kfb_row_write_timestamp(w, millis, nano_of_milli, precision);
}
static inline kfb_err_t kfb_row_write_timestamp_ltz(kfb_row_writer_t *w, int64_t epoch_millis,
                                                    int32_t nano_of_milli, int32_t precision) {
    return kfb_row_write_timestamp(w, epoch_millis, nano_of_milli, precision);
}

/* Types whose value is always varint32 length + bytes (written by kfb_row_write_bytes and
 * read back as kfb_value_t.bytes). DECIMAL with p > 18 has the same layout, but its bytes
 * carry extra rules, so it is not included. */
static inline bool kfb_row_root_is_length_prefixed(kfb_type_root_t r) {
    return r == KFB_TYPE_CHAR || r == KFB_TYPE_STRING || r == KFB_TYPE_BINARY ||
           r == KFB_TYPE_BYTES || kfb_type_root_is_nested(r);
}

/* ---- reader ---------------------------------------------------------------------- */

/* One decoded field. Which member is set follows the column's root:
 *   BOOLEAN b | TINYINT i8 | SMALLINT i16 | INTEGER, DATE, TIME i32 | BIGINT i64
 *   FLOAT f32 | DOUBLE f64 | DECIMAL p <= 18: i64 (unscaled) | DECIMAL p > 18: bytes
 *   (minimal BE unscaled) | STRING, CHAR, BYTES, BINARY: bytes | TIMESTAMP*: ts
 *   ARRAY, MAP, ROW: bytes (the nested payload without its length prefix)
 * bytes.data points into the decoded input and lives as long as it does. */
typedef struct kfb_value {
    bool is_null;
    union {
        bool b;
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        struct {
            const uint8_t *data;
            size_t len;
        } bytes;
        struct {
            int64_t millis;
            int32_t nano_of_milli; /* 0 when the precision is <= 3 */
        } ts;
    } v;
} kfb_value_t;

/* Decodes a value row of n columns (types[i] for column i) from p[0..len) into out[0..n).
 * Returns KFB_ERR_OK or one of the errors in the header comment; errstr (may be NULL) then
 * names the column index, its type and the byte offset. */
kfb_err_t kfb_row_decode(const kfb_datatype_t *types, size_t n, const uint8_t *p, size_t len,
                         kfb_value_t *out, char *errstr, size_t errstr_size);

/* Writes back one value as kfb_row_decode/kfb_key_decode fill it, for column pos of type t
 * (the reader's inverse: re-encoding a decoded row reproduces its canonical bytes). A null
 * value goes through kfb_row_write_null. v's bytes must not point into w's own buffer (a
 * write may move it). Errors as the typed writes, and KFB_ERR_UNSUPPORTED_TYPE for a root
 * outside the enum. */
kfb_err_t kfb_row_write_value(kfb_row_writer_t *w, const kfb_datatype_t *t, uint32_t pos,
                              const kfb_value_t *v);

/* Decodes a compacted key (no bitmap; no value is ever null). Nested types are refused
 * (KFB_ERR_UNSUPPORTED_TYPE), as Fluss does not allow them in keys. */
kfb_err_t kfb_key_decode(const kfb_datatype_t *types, size_t n, const uint8_t *p, size_t len,
                         kfb_value_t *out, char *errstr, size_t errstr_size);

#endif
