/*
 * iceberg_key.c - Iceberg single-column key bytes.
 *
 * Format: see include/iceberg_key.h; reference
 * fluss-common/src/main/java/org/apache/fluss/row/encode/iceberg/IcebergBinaryRowWriter.java
 * (createFieldWriter: which types, and which of them are widened to longs or
 * converted to micros) and IcebergKeyEncoder.java (exactly one key field).
 * UnsafeUtils.putLong/putFloat write native order; Fluss's reference platform
 * and Iceberg's single-value serialization are both little-endian.
 */
#include "iceberg_key.h"

#include <string.h>

#include "bytes.h"
#include "decimal.h"

bool kfb_iceberg_key_type_supported(const char *type_root) {
    static const char *const ok[] = {
        "INTEGER", "DATE",    "TIME_WITHOUT_TIME_ZONE", "BIGINT", "FLOAT", "DOUBLE",
        "TIMESTAMP_WITHOUT_TIME_ZONE", "DECIMAL", "CHAR", "STRING", "BINARY", "BYTES",
    };
    if (!type_root) return false;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(type_root, ok[i]) == 0) return true;
    return false;
}

static kfb_err_t put_long(kfb_buf_t *out, uint64_t v) {
    kfb_err_t err = kfb_buf_reserve(out, 8);
    if (err) return err;
    kfb_put_le64(out->data + out->len, v);
    out->len += 8;
    return KFB_ERR_OK;
}

kfb_err_t kfb_iceberg_key_int(kfb_buf_t *out, int32_t v) {
    return put_long(out, (uint64_t)(int64_t)v); /* writeIntAsLong */
}

kfb_err_t kfb_iceberg_key_time(kfb_buf_t *out, int32_t millis_of_day) {
    return put_long(out, (uint64_t)((int64_t)millis_of_day * 1000));
}

kfb_err_t kfb_iceberg_key_bigint(kfb_buf_t *out, int64_t v) { return put_long(out, (uint64_t)v); }

kfb_err_t kfb_iceberg_key_float(kfb_buf_t *out, float v) {
    kfb_err_t err = kfb_buf_reserve(out, 4);
    if (err) return err;
    kfb_put_le32(out->data + out->len, kfb_float_bits(v));
    out->len += 4;
    return KFB_ERR_OK;
}

kfb_err_t kfb_iceberg_key_double(kfb_buf_t *out, double v) {
    return put_long(out, kfb_double_bits(v));
}

kfb_err_t kfb_iceberg_key_timestamp(kfb_buf_t *out, int64_t millis, int32_t nano_of_milli) {
    if (KFB_UNLIKELY(nano_of_milli < 0 || nano_of_milli > 999999)) return KFB_ERR_OUT_OF_RANGE;
    /* Java long arithmetic wraps; do it unsigned so C does too, defined. */
    return put_long(out, (uint64_t)millis * 1000u + (uint64_t)(nano_of_milli / 1000));
}

/* BigInteger.toByteArray() never carries redundant sign bytes. */
static kfb_err_t put_minimal(kfb_buf_t *out, const uint8_t *be, size_t len) {
    kfb_decimal_trim_sign_bytes(&be, &len);
    if (KFB_UNLIKELY(len > 16)) return KFB_ERR_DECIMAL_OVERFLOW;
    return kfb_buf_append(out, be, len);
}

kfb_err_t kfb_iceberg_key_decimal(kfb_buf_t *out, int64_t unscaled) {
    uint8_t be[8];
    kfb_put_be64(be, (uint64_t)unscaled);
    return put_minimal(out, be, sizeof be);
}

kfb_err_t kfb_iceberg_key_decimal_bytes(kfb_buf_t *out, const uint8_t *be, size_t len) {
    if (KFB_UNLIKELY(!be || len == 0)) return KFB_ERR_INVALID_ARG;
    return put_minimal(out, be, len);
}

kfb_err_t kfb_iceberg_key_bytes(kfb_buf_t *out, const void *data, size_t len) {
    if (KFB_UNLIKELY(!data && len > 0)) return KFB_ERR_INVALID_ARG;
    if (len == 0) return KFB_ERR_OK;
    return kfb_buf_append(out, data, len);
}

/* ---- CHAR/STRING: what Java's String round trip makes of the bytes -------------------- */

static bool is_cont(uint8_t b) { return (b & 0xc0) == 0x80; }

/* Second byte that cannot follow a 3-byte lead (overlong E0 or not a continuation). */
static bool bad3_2(uint8_t b1, uint8_t b2) {
    return (b1 == 0xe0 && (b2 & 0xe0) == 0x80) || !is_cont(b2);
}

/* Second byte that cannot follow a 4-byte lead (overlong F0, above U+10FFFF, or not a
 * continuation). */
static bool bad4_2(uint8_t b1, uint8_t b2) {
    return (b1 == 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 == 0xf4 && (b2 & 0xf0) != 0x80) ||
           !is_cont(b2);
}

/* Scans one sequence at s[0..n) (n >= 1) as OpenJDK 17's UTF-8 String decoder does with
 * REPLACE: returns how many bytes it takes and whether they are kept (valid) or become one
 * U+FFFD. *stop is set when the decoder gives up on the rest of the input (a truncated
 * sequence at the end: one U+FFFD for all of it). Established by comparing against
 * new String(bytes, UTF_8).getBytes(UTF_8) over all 406900 sequences of 1..4 bytes drawn
 * from 25 boundary byte values (tests/unit/test_iceberg_key.c holds a sample). */
static size_t jdk_utf8_step(const uint8_t *s, size_t n, bool *valid, bool *stop) {
    uint8_t b1 = s[0];
    *valid = false;
    *stop = false;
    if (b1 < 0x80) {
        *valid = true;
        return 1;
    }
    if (b1 >= 0xc2 && b1 <= 0xdf) {
        if (n < 2) {
            *stop = true;
            return n;
        }
        *valid = is_cont(s[1]);
        return *valid ? 2 : 1;
    }
    if (b1 >= 0xe0 && b1 <= 0xef) {
        if (n < 3) {
            if (n == 2 && bad3_2(b1, s[1])) return 1;
            *stop = true;
            return n;
        }
        if (bad3_2(b1, s[1])) return 1;
        if (!is_cont(s[2])) return 2;
        /* complete: an encoded surrogate (ED A0..BF xx) is one U+FFFD for all 3 bytes */
        *valid = !(b1 == 0xed && s[1] >= 0xa0);
        return 3;
    }
    if (b1 >= 0xf0 && b1 <= 0xf7) {
        if (n < 4) {
            if (b1 > 0xf4 || (n >= 2 && bad4_2(b1, s[1]))) return 1;
            if (n == 3 && !is_cont(s[2])) return 2;
            *stop = true;
            return n;
        }
        if (b1 > 0xf4 || bad4_2(b1, s[1])) return 1;
        if (!is_cont(s[2])) return 2;
        if (!is_cont(s[3])) return 3;
        *valid = true;
        return 4;
    }
    return 1; /* 80..BF, C0, C1, F8..FF */
}

kfb_err_t kfb_iceberg_key_string(kfb_buf_t *out, const void *utf8, size_t len) {
    if (KFB_UNLIKELY(!utf8 && len > 0)) return KFB_ERR_INVALID_ARG;
    if (len == 0) return KFB_ERR_OK;
    if (KFB_UNLIKELY(len > SIZE_MAX / 3)) return KFB_ERR_OUT_OF_RANGE;
    kfb_err_t err = kfb_buf_reserve(out, 3 * len); /* worst case: every byte -> ef bf bd */
    if (err) return err;
    const uint8_t *s = (const uint8_t *)utf8;
    uint8_t *d = out->data + out->len;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            *d++ = s[i++];
            continue;
        }
        bool valid, stop;
        size_t k = jdk_utf8_step(s + i, len - i, &valid, &stop);
        if (valid) {
            memcpy(d, s + i, k);
            d += k;
        } else {
            *d++ = 0xef;
            *d++ = 0xbf;
            *d++ = 0xbd;
        }
        i += k;
        if (stop) break;
    }
    out->len = (size_t)(d - out->data);
    return KFB_ERR_OK;
}
