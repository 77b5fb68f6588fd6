/*
 * compacted_row.c - CompactedRow / compacted key: writer setup and the bounds-checked reader.
 *
 * Format: see compacted_row.h and fluss-protocol.md §6.2/§7.3. References:
 * fluss-common/src/main/java/org/apache/fluss/row/compacted/CompactedRowWriter.java,
 * CompactedRowReader.java (createFieldReader: which read per type root),
 * CompactedKeyWriter.java (field count 0: no bitmap), row/Decimal.java, row/TimestampNtz.java.
 * The write functions are inline in the header (hot path).
 *
 * The reader validates a whole row before the caller uses any field: every length is checked
 * against the remaining input before a read, and the input must be consumed exactly. Where it
 * is stricter than Java's reader is listed in compacted_row.h.
 */
#include "compacted_row.h"

#include <stdarg.h>
#include <stdio.h>

kfb_err_t kfb_row_writer_begin(kfb_row_writer_t *w, kfb_buf_t *buf, uint32_t field_count) {
    size_t bm = kfb_row_bitmap_size(field_count);
    w->buf = buf;
    w->start = buf->len;
    w->field_count = field_count;
    kfb_err_t err = kfb_buf_reserve(buf, bm);
    if (KFB_UNLIKELY(err)) return err;
    if (bm) { /* an empty buffer may have no storage yet */
        memset(buf->data + buf->len, 0, bm);
        buf->len += bm;
    }
    return KFB_ERR_OK;
}

void kfb_key_writer_begin(kfb_row_writer_t *w, kfb_buf_t *buf) {
    w->buf = buf;
    w->start = buf->len;
    w->field_count = 0;
}

/* ---- reader ---------------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p;
    size_t len, pos;
    const char *detail; /* set by the failing read: what was wrong */
} reader_t;

static kfb_err_t rd_fail(reader_t *r, kfb_err_t err, const char *detail) {
    r->detail = detail;
    return err;
}

static kfb_err_t rd_u32(reader_t *r, uint32_t *v) {
    size_t used;
    kfb_err_t err = kfb_varint32_read(r->p + r->pos, r->len - r->pos, v, &used);
    if (KFB_UNLIKELY(err))
        return rd_fail(r, err,
                       err == KFB_ERR_TRUNCATED ? "input ends inside a varint32"
                                                : "varint32 longer than 5 bytes or above 32 bits");
    r->pos += used;
    return KFB_ERR_OK;
}

static kfb_err_t rd_u64(reader_t *r, uint64_t *v) {
    size_t used;
    kfb_err_t err = kfb_varint64_read(r->p + r->pos, r->len - r->pos, v, &used);
    if (KFB_UNLIKELY(err))
        return rd_fail(r, err,
                       err == KFB_ERR_TRUNCATED ? "input ends inside a varint64"
                                                : "varint64 longer than 10 bytes or above 64 bits");
    r->pos += used;
    return KFB_ERR_OK;
}

static kfb_err_t rd_fixed(reader_t *r, size_t n, const uint8_t **out) {
    if (KFB_UNLIKELY(r->len - r->pos < n))
        return rd_fail(r, KFB_ERR_TRUNCATED, "input ends inside a fixed-width value");
    *out = r->p + r->pos;
    r->pos += n;
    return KFB_ERR_OK;
}

/* varint32 length (a Java int: must be >= 0) followed by that many bytes. */
static kfb_err_t rd_len_bytes(reader_t *r, kfb_value_t *v) {
    uint32_t n;
    kfb_err_t err = rd_u32(r, &n);
    if (err) return err;
    if (KFB_UNLIKELY(n > INT32_MAX))
        return rd_fail(r, KFB_ERR_BAD_LENGTH, "length prefix is negative as a Java int");
    if (KFB_UNLIKELY(n > r->len - r->pos))
        return rd_fail(r, KFB_ERR_BAD_LENGTH, "length prefix exceeds the remaining bytes");
    v->v.bytes.data = r->p + r->pos;
    v->v.bytes.len = n;
    r->pos += n;
    return KFB_ERR_OK;
}

static kfb_err_t read_field(reader_t *r, const kfb_datatype_t *t, kfb_value_t *v) {
    const uint8_t *b;
    kfb_err_t err;
    v->is_null = false;
    if (kfb_row_root_is_length_prefixed(t->root)) return rd_len_bytes(r, v);
    switch (t->root) {
    case KFB_TYPE_BOOLEAN:
        if ((err = rd_fixed(r, 1, &b))) return err;
        if (KFB_UNLIKELY(b[0] > 1)) {
            r->pos--;
            return rd_fail(r, KFB_ERR_ROW_BAD_BOOLEAN, "boolean byte is neither 0 nor 1");
        }
        v->v.b = b[0] != 0;
        return KFB_ERR_OK;
    case KFB_TYPE_TINYINT:
        if ((err = rd_fixed(r, 1, &b))) return err;
        v->v.i8 = (int8_t)b[0];
        return KFB_ERR_OK;
    case KFB_TYPE_SMALLINT:
        if ((err = rd_fixed(r, 2, &b))) return err;
        v->v.i16 = (int16_t)kfb_get_le16(b);
        return KFB_ERR_OK;
    case KFB_TYPE_INTEGER:
    case KFB_TYPE_DATE:
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: {
        uint32_t u;
        if ((err = rd_u32(r, &u))) return err;
        v->v.i32 = (int32_t)u;
        return KFB_ERR_OK;
    }
    case KFB_TYPE_BIGINT: {
        uint64_t u;
        if ((err = rd_u64(r, &u))) return err;
        v->v.i64 = (int64_t)u;
        return KFB_ERR_OK;
    }
    case KFB_TYPE_FLOAT:
        if ((err = rd_fixed(r, 4, &b))) return err;
        v->v.f32 = kfb_bits_float(kfb_get_le32(b));
        return KFB_ERR_OK;
    case KFB_TYPE_DOUBLE:
        if ((err = rd_fixed(r, 8, &b))) return err;
        v->v.f64 = kfb_bits_double(kfb_get_le64(b));
        return KFB_ERR_OK;
    case KFB_TYPE_DECIMAL: {
        if (KFB_UNLIKELY(t->precision < KFB_DECIMAL_MIN_PRECISION ||
                         t->precision > KFB_DECIMAL_MAX_PRECISION || t->scale < 0 ||
                         t->scale > t->precision))
            return rd_fail(r, KFB_ERR_INVALID_ARG, "the column's DECIMAL type is invalid");
        size_t at = r->pos;
        if (t->precision <= KFB_DECIMAL_MAX_COMPACT_PRECISION) {
            uint64_t u;
            if ((err = rd_u64(r, &u))) return err;
            int64_t s = (int64_t)u;
            if (KFB_UNLIKELY(!kfb_decimal_i64_fits(s, t->precision))) {
                r->pos = at;
                return rd_fail(r, KFB_ERR_DECIMAL_OVERFLOW,
                               "compact decimal has more digits than the precision");
            }
            v->v.i64 = s;
            return KFB_ERR_OK;
        }
        if ((err = rd_len_bytes(r, v))) return err;
        if (KFB_UNLIKELY(v->v.bytes.len == 0)) {
            r->pos = at;
            return rd_fail(r, KFB_ERR_DECIMAL_OVERFLOW,
                           "decimal has zero unscaled bytes (Java: \"Zero length BigInteger\")");
        }
        if (KFB_UNLIKELY(!kfb_decimal_bytes_minimal(v->v.bytes.data, v->v.bytes.len))) {
            r->pos = at;
            return rd_fail(r, KFB_ERR_DECIMAL_NOT_MINIMAL,
                           "decimal bytes carry a redundant sign byte");
        }
        kfb_decimal_t d;
        if (KFB_UNLIKELY(v->v.bytes.len > KFB_DECIMAL_MAX_BYTES ||
                         kfb_decimal_from_unscaled_be(v->v.bytes.data, v->v.bytes.len, t->scale,
                                                      t->precision, t->scale, &d) != KFB_ERR_OK)) {
            r->pos = at;
            return rd_fail(r, KFB_ERR_DECIMAL_OVERFLOW,
                           "decimal has more digits than the precision");
        }
        return KFB_ERR_OK;
    }
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE: {
        uint64_t ms;
        if ((err = rd_u64(r, &ms))) return err;
        v->v.ts.millis = (int64_t)ms;
        v->v.ts.nano_of_milli = 0;
        if (t->precision > KFB_TIMESTAMP_MAX_COMPACT_PRECISION) {
            size_t at = r->pos;
            uint32_t nanos;
            if ((err = rd_u32(r, &nanos))) return err;
            if (KFB_UNLIKELY(nanos > 999999)) {
                r->pos = at;
                return rd_fail(r, KFB_ERR_OUT_OF_RANGE, "nano-of-millisecond is outside 0..999999");
            }
            v->v.ts.nano_of_milli = (int32_t)nanos;
        }
        return KFB_ERR_OK;
    }
    default: return rd_fail(r, KFB_ERR_UNSUPPORTED_TYPE, "unknown type root");
    }
}

kfb_err_t kfb_row_write_value(kfb_row_writer_t *w, const kfb_datatype_t *t, uint32_t pos,
                              const kfb_value_t *v) {
    if (v->is_null) return kfb_row_write_null(w, pos);
    if (kfb_row_root_is_length_prefixed(t->root))
        return kfb_row_write_bytes(w, v->v.bytes.data, v->v.bytes.len);
    switch (t->root) {
    case KFB_TYPE_BOOLEAN: return kfb_row_write_boolean(w, v->v.b);
    case KFB_TYPE_TINYINT: return kfb_row_write_tinyint(w, v->v.i8);
    case KFB_TYPE_SMALLINT: return kfb_row_write_smallint(w, v->v.i16);
    case KFB_TYPE_INTEGER:
    case KFB_TYPE_DATE:
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: return kfb_row_write_int(w, v->v.i32);
    case KFB_TYPE_BIGINT: return kfb_row_write_bigint(w, v->v.i64);
    case KFB_TYPE_FLOAT: return kfb_row_write_float(w, v->v.f32);
    case KFB_TYPE_DOUBLE: return kfb_row_write_double(w, v->v.f64);
    case KFB_TYPE_DECIMAL:
        if (t->precision <= KFB_DECIMAL_MAX_COMPACT_PRECISION)
            return kfb_row_write_decimal_compact(w, v->v.i64);
        return kfb_row_write_decimal_bytes(w, v->v.bytes.data, v->v.bytes.len);
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return kfb_row_write_timestamp(w, v->v.ts.millis, v->v.ts.nano_of_milli, t->precision);
    default: return KFB_ERR_UNSUPPORTED_TYPE;
    }
}

static kfb_err_t report(kfb_err_t err, const reader_t *r, long column, const kfb_datatype_t *t,
                        const char *what, char *errstr, size_t errstr_size) {
    if (!errstr || !errstr_size) return err;
    const char *detail = r->detail ? r->detail : kfb_err_message(err);
    if (column < 0) {
        snprintf(errstr, errstr_size, "%s: %s at byte offset %zu of %zu", what, detail, r->pos,
                 r->len);
    } else {
        char tname[128];
        kfb_datatype_format(t, tname, sizeof(tname));
        snprintf(errstr, errstr_size, "%s column %ld (%s): %s at byte offset %zu of %zu", what,
                 column, tname, detail, r->pos, r->len);
    }
    return err;
}

kfb_err_t kfb_row_decode(const kfb_datatype_t *types, size_t n, const uint8_t *p, size_t len,
                         kfb_value_t *out, char *errstr, size_t errstr_size) {
    reader_t r = {p, len, 0, NULL};
    if (n > UINT32_MAX || (n && (!types || !out)) || (len && !p))
        return report(KFB_ERR_INVALID_ARG, &r, -1, NULL, "row", errstr, errstr_size);
    size_t bm = kfb_row_bitmap_size((uint32_t)n);
    if (len < bm) {
        r.detail = "input is shorter than the null bitmap";
        return report(KFB_ERR_TRUNCATED, &r, -1, NULL, "row", errstr, errstr_size);
    }
    if (bm && (p[bm - 1] >> (n & 7 ? n & 7 : 8)) != 0) {
        r.pos = bm - 1;
        r.detail = "null bitmap has bits set past the last column";
        return report(KFB_ERR_ROW_BITMAP_PADDING, &r, -1, NULL, "row", errstr, errstr_size);
    }
    r.pos = bm;
    for (size_t i = 0; i < n; i++) {
        if (p[i >> 3] & (1u << (i & 7))) {
            if (!types[i].nullable) {
                r.pos = i >> 3;
                r.detail = "null bit is set for a NOT NULL column";
                return report(KFB_ERR_NULL_NOT_ALLOWED, &r, (long)i, &types[i], "row", errstr,
                              errstr_size);
            }
            out[i].is_null = true;
            continue;
        }
        kfb_err_t err = read_field(&r, &types[i], &out[i]);
        if (err) return report(err, &r, (long)i, &types[i], "row", errstr, errstr_size);
    }
    if (r.pos != len) {
        r.detail = "bytes remain after the last column";
        return report(KFB_ERR_TRAILING_BYTES, &r, -1, NULL, "row", errstr, errstr_size);
    }
    return KFB_ERR_OK;
}

kfb_err_t kfb_key_decode(const kfb_datatype_t *types, size_t n, const uint8_t *p, size_t len,
                         kfb_value_t *out, char *errstr, size_t errstr_size) {
    reader_t r = {p, len, 0, NULL};
    if ((n && (!types || !out)) || (len && !p))
        return report(KFB_ERR_INVALID_ARG, &r, -1, NULL, "key", errstr, errstr_size);
    for (size_t i = 0; i < n; i++) {
        if (kfb_type_root_is_nested(types[i].root)) {
            r.detail = "ARRAY, MAP and ROW cannot be key columns";
            return report(KFB_ERR_UNSUPPORTED_TYPE, &r, (long)i, &types[i], "key", errstr,
                          errstr_size);
        }
        kfb_err_t err = read_field(&r, &types[i], &out[i]);
        if (err) return report(err, &r, (long)i, &types[i], "key", errstr, errstr_size);
    }
    if (r.pos != len) {
        r.detail = "bytes remain after the last key column";
        return report(KFB_ERR_TRAILING_BYTES, &r, -1, NULL, "key", errstr, errstr_size);
    }
    return KFB_ERR_OK;
}
