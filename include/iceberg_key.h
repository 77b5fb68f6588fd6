/*
 * iceberg_key.h - Iceberg key bytes (tables whose `table.datalake.format` is
 * iceberg; key_plan.h says when they are used).
 *
 * Byte-exact with fluss-common/src/main/java/org/apache/fluss/row/encode/iceberg/
 * IcebergKeyEncoder.java + IcebergBinaryRowWriter.java (apache/fluss 545c553).
 * The key is exactly ONE column (Java rejects any other count when the writer
 * is created), encoded as Iceberg's single-value serialization, which is what
 * Iceberg's bucket transform hashes with Murmur3 (kfb_bucket_iceberg):
 *
 *   INTEGER, DATE            the int widened to an 8-byte little-endian long
 *   TIME_WITHOUT_TIME_ZONE   millis of day * 1000 (micros), 8-byte LE long
 *   BIGINT                   8-byte LE long
 *   FLOAT / DOUBLE           raw IEEE bits, 4 / 8 bytes LE
 *   TIMESTAMP_WITHOUT_TIME_ZONE  millis * 1000 + nano_of_milli / 1000 (micros,
 *                            wrapping like Java long arithmetic), 8-byte LE long
 *   DECIMAL                  BigInteger.toByteArray() of the unscaled value:
 *                            minimal big-endian two's complement, no length
 *   CHAR, STRING             the UTF-8 bytes (malformed pieces -> U+FFFD as Java's
 *                            String round trip does), no length, no padding
 *   BINARY, BYTES            the bytes, no length, no padding
 *   BOOLEAN, TINYINT, SMALLINT, TIMESTAMP_WITH_LOCAL_TIME_ZONE, ARRAY, MAP,
 *   ROW                      unsupported (Java: IllegalArgumentException)
 *
 * An empty STRING/BYTES key encodes to zero bytes, which IcebergBucketingFunction
 * (and kfb_bucket_iceberg) then refuse: such a row cannot be written.
 *
 * Ownership: every function appends to the caller's kfb_buf_t; on error
 * nothing is appended. Value pointers are borrowed for the call. No state.
 */
#ifndef KFB_ICEBERG_KEY_H
#define KFB_ICEBERG_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"

/* Whether a key column of this DataTypeRoot name (the `type` of Fluss's
 * DataType JSON, e.g. "INTEGER", "TIMESTAMP_WITHOUT_TIME_ZONE") can be an
 * Iceberg key. NULL or unknown names give false. */
bool kfb_iceberg_key_type_supported(const char *type_root);

/* INTEGER and DATE (days since epoch). */
kfb_err_t kfb_iceberg_key_int(kfb_buf_t *out, int32_t v);
/* TIME_WITHOUT_TIME_ZONE, Fluss's millis of day. */
kfb_err_t kfb_iceberg_key_time(kfb_buf_t *out, int32_t millis_of_day);
kfb_err_t kfb_iceberg_key_bigint(kfb_buf_t *out, int64_t v);
kfb_err_t kfb_iceberg_key_float(kfb_buf_t *out, float v);
kfb_err_t kfb_iceberg_key_double(kfb_buf_t *out, double v);
/* TIMESTAMP_WITHOUT_TIME_ZONE; KFB_ERR_OUT_OF_RANGE for nanos outside 0..999999. */
kfb_err_t kfb_iceberg_key_timestamp(kfb_buf_t *out, int64_t millis, int32_t nano_of_milli);
/* DECIMAL from its unscaled value; the precision is not part of the bytes. */
kfb_err_t kfb_iceberg_key_decimal(kfb_buf_t *out, int64_t unscaled);
/* DECIMAL from big-endian two's complement bytes (len >= 1, any sign padding;
 * KFB_ERR_INVALID_ARG for len 0, KFB_ERR_DECIMAL_OVERFLOW above 16 significant
 * bytes, which no DECIMAL(38) value needs). */
kfb_err_t kfb_iceberg_key_decimal_bytes(kfb_buf_t *out, const uint8_t *be, size_t len);
/* BINARY/BYTES as given. (Also CHAR/STRING bytes that are known to be valid UTF-8.) */
kfb_err_t kfb_iceberg_key_bytes(kfb_buf_t *out, const void *data, size_t len);
/* CHAR/STRING: IcebergBinaryRowWriter.writeString encodes BinaryString.toString(), a Java
 * String round trip. Valid UTF-8 is appended unchanged; each malformed piece becomes
 * U+FFFD (ef bf bd) exactly where OpenJDK 17's UTF-8 decoder puts one (an encoded
 * surrogate ED A0..BF xx is one U+FFFD; a truncated sequence at the end is one U+FFFD),
 * so the key hashes to the bucket a Java client picks. Appends at most 3 * len bytes. */
kfb_err_t kfb_iceberg_key_string(kfb_buf_t *out, const void *utf8, size_t len);

#endif
