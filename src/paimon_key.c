/*
 * paimon_key.c - Paimon BinaryRow key writer.
 *
 * Format (fluss-common/src/main/java/org/apache/fluss/row/encode/paimon/
 * PaimonBinaryRowWriter.java, PaimonKeyEncoder.java; apache/fluss 545c553;
 * the same as Paimon's own BinaryRowWriter). All multi-byte values are
 * little-endian (Fluss MemorySegment.putInt/putLong/... are explicit LE).
 *
 *   header     W = ((arity + 63 + 8) / 64) * 8 bytes: byte 0 = row kind
 *              (INSERT = 0, always, for keys), then one null bit per field
 *              starting at bit 8 (never set here: keys have no nulls)
 *   slots      arity x 8 bytes at W + 8*pos, zero unless written
 *   variable   starts at W + 8*arity; every value is padded with zeros to a
 *              multiple of 8, in the order fields are written
 *
 *   BOOLEAN                 1 byte 0/1          (rest of the slot zero)
 *   TINYINT                 1 byte
 *   SMALLINT                2 bytes
 *   INTEGER, DATE, TIME     4 bytes (days / millis of day for DATE / TIME)
 *   BIGINT                  8 bytes
 *   FLOAT, DOUBLE           raw IEEE bits, 4 / 8 bytes (no NaN canonicalisation)
 *   CHAR, STRING, BINARY,   len <= 7: data in slot bytes 0..len-1, slot byte 7 =
 *   BYTES                     0x80 | len; len > 7: data in the variable part,
 *                             slot = (offset << 32) | len
 *   DECIMAL p <= 18         unscaled value as a long in the slot
 *   DECIMAL p > 18          16 zeroed variable bytes, BigInteger.toByteArray()
 *                             (minimal big-endian two's complement) at their
 *                             start; slot = (offset << 32) | byte count
 *   TIMESTAMP[_LTZ] p <= 3  epoch millis as a long in the slot
 *   TIMESTAMP[_LTZ] p > 3   8 variable bytes = epoch millis;
 *                             slot = (offset << 32) | nano-of-millisecond
 *
 * Offsets are relative to the row's first byte, and Java keeps them in an
 * int, so a row longer than INT32_MAX bytes cannot exist.
 */
#include "paimon_key.h"

#include <limits.h>
#include <string.h>

#include "bytes.h"
#include "decimal.h"

#define HEADER_BITS 8
#define MAX_INLINE 7

static kfb_err_t fail(kfb_paimon_key_writer_t *w, kfb_err_t err) {
    if (!w->err) w->err = err;
    return err;
}

/* Validates pos and claims it; the caller then writes the value. */
static kfb_err_t claim(kfb_paimon_key_writer_t *w, uint32_t pos) {
    if (KFB_UNLIKELY(w->err)) return w->err;
    if (KFB_UNLIKELY(pos >= w->arity)) return fail(w, KFB_ERR_INVALID_ARG);
    if (KFB_UNLIKELY(pos != w->next_pos)) return fail(w, KFB_ERR_STATE);
    w->next_pos++;
    return KFB_ERR_OK;
}

static uint8_t *slot(kfb_paimon_key_writer_t *w, uint32_t pos) {
    return w->out->data + w->base + w->null_bytes + (size_t)8 * pos;
}

/* Appends `rounded` zero bytes to the variable part; *off = their offset
 * from the row start. */
static kfb_err_t var_alloc(kfb_paimon_key_writer_t *w, size_t rounded, uint32_t *off) {
    size_t row_len = w->out->len - w->base;
    if (KFB_UNLIKELY(rounded > (size_t)INT32_MAX - row_len)) return fail(w, KFB_ERR_OUT_OF_RANGE);
    kfb_err_t err = kfb_buf_reserve(w->out, rounded);
    if (KFB_UNLIKELY(err)) return fail(w, err);
    memset(w->out->data + w->out->len, 0, rounded);
    w->out->len += rounded;
    *off = (uint32_t)row_len;
    return KFB_ERR_OK;
}

static void put_offset_and_size(kfb_paimon_key_writer_t *w, uint32_t pos, uint32_t off,
                                uint32_t size) {
    kfb_put_le64(slot(w, pos), ((uint64_t)off << 32) | size);
}

kfb_err_t kfb_paimon_key_begin(kfb_paimon_key_writer_t *w, kfb_buf_t *out, uint32_t arity) {
    if (!w) return KFB_ERR_INVALID_ARG;
    memset(w, 0, sizeof *w);
    if (!out || arity == 0 || arity > KFB_PAIMON_KEY_MAX_ARITY) {
        w->err = KFB_ERR_INVALID_ARG;
        return w->err;
    }
    w->out = out;
    w->base = out->len;
    w->arity = arity;
    w->null_bytes = ((arity + 63 + HEADER_BITS) / 64) * 8;
    size_t fixed = (size_t)w->null_bytes + (size_t)8 * arity;
    kfb_err_t err = kfb_buf_reserve(out, fixed);
    if (err) {
        w->err = err;
        return err;
    }
    /* byte 0 = 0 is RowKind INSERT, what PaimonKeyEncoder always writes */
    memset(out->data + out->len, 0, fixed);
    out->len += fixed;
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_boolean(kfb_paimon_key_writer_t *w, uint32_t pos, bool v) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    slot(w, pos)[0] = v ? 1 : 0;
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_tinyint(kfb_paimon_key_writer_t *w, uint32_t pos, int8_t v) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    slot(w, pos)[0] = (uint8_t)v;
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_smallint(kfb_paimon_key_writer_t *w, uint32_t pos, int16_t v) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    kfb_put_le16(slot(w, pos), (uint16_t)v);
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_int(kfb_paimon_key_writer_t *w, uint32_t pos, int32_t v) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    kfb_put_le32(slot(w, pos), (uint32_t)v);
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_bigint(kfb_paimon_key_writer_t *w, uint32_t pos, int64_t v) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    kfb_put_le64(slot(w, pos), (uint64_t)v);
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_float(kfb_paimon_key_writer_t *w, uint32_t pos, float v) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    kfb_put_le32(slot(w, pos), kfb_float_bits(v));
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_double(kfb_paimon_key_writer_t *w, uint32_t pos, double v) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    kfb_put_le64(slot(w, pos), kfb_double_bits(v));
    return KFB_ERR_OK;
}

/* PaimonBinaryRowWriter.writeBytes: writeBytesToFixLenPart / writeBytesToVarLenPart. */
static kfb_err_t write_binary(kfb_paimon_key_writer_t *w, uint32_t pos, const void *data,
                              size_t len) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    if (KFB_UNLIKELY(!data && len > 0)) return fail(w, KFB_ERR_INVALID_ARG);
    if (KFB_UNLIKELY(len > (size_t)INT32_MAX)) return fail(w, KFB_ERR_OUT_OF_RANGE);
    if (len <= MAX_INLINE) {
        uint8_t *s = slot(w, pos);
        if (len) memcpy(s, data, len);
        s[7] = (uint8_t)(0x80 | len);
        return KFB_ERR_OK;
    }
    uint32_t off;
    err = var_alloc(w, (len + 7) & ~(size_t)7, &off);
    if (err) return err;
    memcpy(w->out->data + w->base + off, data, len);
    put_offset_and_size(w, pos, off, (uint32_t)len);
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_string(kfb_paimon_key_writer_t *w, uint32_t pos, const void *utf8,
                                      size_t len) {
    return write_binary(w, pos, utf8, len);
}

kfb_err_t kfb_paimon_key_write_bytes(kfb_paimon_key_writer_t *w, uint32_t pos, const void *data,
                                     size_t len) {
    return write_binary(w, pos, data, len);
}

/* Non-compact decimal: 16 zeroed bytes, the minimal two's complement bytes
 * at their start (writeDecimal's else branch). */
static kfb_err_t write_decimal_var(kfb_paimon_key_writer_t *w, uint32_t pos, const uint8_t *be,
                                   size_t len) {
    uint32_t off;
    kfb_err_t err = var_alloc(w, 16, &off);
    if (err) return err;
    memcpy(w->out->data + w->base + off, be, len);
    put_offset_and_size(w, pos, off, (uint32_t)len);
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_decimal(kfb_paimon_key_writer_t *w, uint32_t pos, int precision,
                                       int64_t unscaled) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    if (KFB_UNLIKELY(precision < 1 || precision > 38)) return fail(w, KFB_ERR_INVALID_ARG);
    if (precision <= 18) {
        if (KFB_UNLIKELY(!kfb_decimal_i64_fits(unscaled, precision)))
            return fail(w, KFB_ERR_DECIMAL_OVERFLOW);
        kfb_put_le64(slot(w, pos), (uint64_t)unscaled);
        return KFB_ERR_OK;
    }
    /* |int64| < 10^19 <= 10^precision: always fits. */
    uint8_t be[8];
    kfb_put_be64(be, (uint64_t)unscaled);
    const uint8_t *p = be;
    size_t len = sizeof be;
    kfb_decimal_trim_sign_bytes(&p, &len);
    return write_decimal_var(w, pos, p, len);
}

kfb_err_t kfb_paimon_key_write_decimal_bytes(kfb_paimon_key_writer_t *w, uint32_t pos,
                                             int precision, const uint8_t *be, size_t len) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    if (KFB_UNLIKELY(precision < 1 || precision > 38 || !be || len == 0))
        return fail(w, KFB_ERR_INVALID_ARG);
    kfb_decimal_trim_sign_bytes(&be, &len);
    /* 10^38 < 2^127: anything wider than 16 bytes overflows every precision */
    if (KFB_UNLIKELY(len > 16)) return fail(w, KFB_ERR_DECIMAL_OVERFLOW);

    /* Magnitude as two 64-bit halves (hi:lo), sign-extended from len bytes. */
    bool neg = be[0] & 0x80;
    uint64_t hi = neg ? UINT64_MAX : 0, lo = neg ? UINT64_MAX : 0;
    for (size_t i = 0; i < len; i++) {
        hi = (hi << 8) | (lo >> 56);
        lo = (lo << 8) | be[i];
    }
    if (neg) { /* two's complement negate of the 128-bit value */
        hi = ~hi;
        lo = ~lo + 1;
        if (lo == 0) hi++;
    }
    /* 10^precision as hi:lo: multiply by 10 in 128 bits */
    uint64_t phi = 0, plo = 1;
    for (int i = 0; i < precision; i++) {
        uint64_t lo8 = plo << 3, lo2 = plo << 1;
        uint64_t hi10 = (phi << 3) + (plo >> 61) + (phi << 1) + (plo >> 63);
        uint64_t sum = lo8 + lo2;
        hi10 += sum < lo8;
        phi = hi10;
        plo = sum;
    }
    if (KFB_UNLIKELY(hi > phi || (hi == phi && lo >= plo))) return fail(w, KFB_ERR_DECIMAL_OVERFLOW);

    if (precision <= 18) { /* |v| < 10^18: fits a long */
        int64_t v = (int64_t)(neg ? 0 - lo : lo);
        kfb_put_le64(slot(w, pos), (uint64_t)v);
        return KFB_ERR_OK;
    }
    return write_decimal_var(w, pos, be, len);
}

kfb_err_t kfb_paimon_key_write_timestamp(kfb_paimon_key_writer_t *w, uint32_t pos, int precision,
                                         int64_t millis, int32_t nano_of_milli) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    if (KFB_UNLIKELY(precision < 0 || precision > 9)) return fail(w, KFB_ERR_INVALID_ARG);
    if (KFB_UNLIKELY(nano_of_milli < 0 || nano_of_milli > 999999))
        return fail(w, KFB_ERR_OUT_OF_RANGE);
    if (precision <= 3) { /* TimestampNtz/Ltz.isCompact: nanos are dropped */
        kfb_put_le64(slot(w, pos), (uint64_t)millis);
        return KFB_ERR_OK;
    }
    uint32_t off;
    err = var_alloc(w, 8, &off);
    if (err) return err;
    kfb_put_le64(w->out->data + w->base + off, (uint64_t)millis);
    put_offset_and_size(w, pos, off, (uint32_t)nano_of_milli);
    return KFB_ERR_OK;
}

kfb_err_t kfb_paimon_key_write_null(kfb_paimon_key_writer_t *w, uint32_t pos) {
    kfb_err_t err = claim(w, pos);
    if (err) return err;
    return fail(w, KFB_ERR_NULL_IN_KEY);
}

void kfb_paimon_key_abort(kfb_paimon_key_writer_t *w) {
    if (!w || !w->out) return;
    if (w->out->len > w->base) w->out->len = w->base;
    if (!w->err) w->err = KFB_ERR_STATE;
}

kfb_err_t kfb_paimon_key_finish(kfb_paimon_key_writer_t *w, size_t *len_out) {
    if (!w) return KFB_ERR_INVALID_ARG;
    if (!w->err && w->next_pos != w->arity) w->err = KFB_ERR_STATE;
    if (w->err) {
        if (w->out && w->out->len > w->base) w->out->len = w->base;
        if (len_out) *len_out = 0;
        return w->err;
    }
    if (len_out) *len_out = w->out->len - w->base;
    return KFB_ERR_OK;
}
