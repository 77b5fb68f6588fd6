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
    while (len > 1 && ((be[0] == 0x00 && !(be[1] & 0x80)) || (be[0] == 0xff && (be[1] & 0x80)))) {
        be++;
        len--;
    }
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
