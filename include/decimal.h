/*
 * decimal.h - Fluss DECIMAL(p, s) values built from arbitrary unscaled integers.
 *
 * Semantics follow fluss-common/src/main/java/org/apache/fluss/row/Decimal.java
 * (fromBigDecimal / fromUnscaledBytes / toUnscaledBytes / toString):
 *   value = unscaled * 10^-scale. Converting to a column type (p, s) first rescales with
 *   BigDecimal.setScale(s, RoundingMode.HALF_UP) - exact when s grows, rounding half away
 *   from zero when s shrinks - then checks that the rescaled unscaled value has at most p
 *   digits (BigDecimal.precision(); zero counts as one digit). A value that does not fit is
 *   KFB_ERR_DECIMAL_OVERFLOW (Java's fromBigDecimal returns null there).
 *   On the wire (CompactedRowWriter.writeDecimal, fluss-protocol.md §6.2): p <= 18 writes the
 *   unscaled value as a varint64; p > 18 writes BigInteger.toByteArray(): the minimal
 *   big-endian two's-complement bytes (always at least one byte).
 *
 * kfb_decimal_t is a plain value (no heap): 38 digits need at most 16 bytes.
 * Nothing here allocates; all functions are safe on the per-record path.
 */
#ifndef KFB_DECIMAL_H
#define KFB_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define KFB_DECIMAL_MAX_BYTES 16 /* minimal two's complement of +-(10^38 - 1) */
/* Largest unscaled input accepted, after dropping redundant sign bytes. Enough for
 * ~300 digits, so Avro decimals far wider than 38 digits can still be scaled down. */
#define KFB_DECIMAL_MAX_INPUT_BYTES 128
/* Room for the longest string of a DECIMAL(38, s): sign, "0.", 38 digits, NUL. */
#define KFB_DECIMAL_STRING_MAX 48

typedef struct kfb_decimal {
    int32_t precision; /* target column precision, 1..38 */
    int32_t scale;     /* target column scale, 0..precision */
    /* precision <= 18: the unscaled value. precision > 18: also set when it fits int64. */
    int64_t unscaled;
    /* Minimal big-endian two's-complement bytes of the unscaled value (Java
     * BigInteger.toByteArray), filled for every precision; nbytes >= 1. */
    uint8_t nbytes;
    uint8_t bytes[KFB_DECIMAL_MAX_BYTES];
} kfb_decimal_t;

/* 10^p for p = 0..18, the compact range (Decimal.POW10). */
extern const uint64_t kfb_decimal_pow10_u64[19];

/* True when an unscaled int64 has at most `precision` digits (1..18), i.e. it is a valid
 * compact DECIMAL(precision, s) value; -2^63 has 19 digits and never fits. */
static inline bool kfb_decimal_i64_fits(int64_t unscaled, int32_t precision) {
    /* magnitude without negating INT64_MIN */
    uint64_t mag = unscaled < 0 ? 0 - (uint64_t)unscaled : (uint64_t)unscaled;
    return precision >= 1 && precision <= 18 && mag < kfb_decimal_pow10_u64[precision];
}

/* Builds a DECIMAL(precision, scale) from a big-endian two's-complement unscaled integer of
 * any length (an Avro `decimal` payload; n = 0 reads as zero, as Avro does) at src_scale.
 * Errors: KFB_ERR_INVALID_ARG for a precision/scale outside DECIMAL's ranges;
 * KFB_ERR_DECIMAL_OVERFLOW when the rounded value needs more than `precision` digits or
 * the input exceeds KFB_DECIMAL_MAX_INPUT_BYTES significant bytes. */
kfb_err_t kfb_decimal_from_unscaled_be(const uint8_t *be, size_t n, int32_t src_scale,
                                       int32_t precision, int32_t scale, kfb_decimal_t *out);

/* Same from an int64 unscaled value (Avro int/long sources, compact decimals). */
kfb_err_t kfb_decimal_from_unscaled_i64(int64_t unscaled, int32_t src_scale, int32_t precision,
                                        int32_t scale, kfb_decimal_t *out);

/* Same from decimal text as java.math.BigDecimal(String) reads it: optional sign, digits with
 * an optional '.', optional exponent ("-12.5", "1E+3", ".5", "5."); no spaces. Used for
 * string-encoded decimals (e.g. Debezium decimal.handling.mode=string).
 * KFB_ERR_CORRUPT for text that is not a number, or whose exponent or scale is outside Java's
 * int range (BigDecimal throws there); otherwise as kfb_decimal_from_unscaled_be (more than
 * ~300 significant digits, or rescaling a non-zero value by more than 2^29 digits, which Java
 * cannot do either, is KFB_ERR_DECIMAL_OVERFLOW). */
kfb_err_t kfb_decimal_from_string(const char *s, size_t len, int32_t precision, int32_t scale,
                                  kfb_decimal_t *out);

/* Java Decimal.toString() = BigDecimal.toPlainString(): "-12.345", "0.05", "0.00", "100".
 * snprintf semantics; returns the length needed (< KFB_DECIMAL_STRING_MAX for valid values). */
size_t kfb_decimal_to_string(const kfb_decimal_t *d, char *out, size_t out_size);

/* Plain-string rendering of a raw unscaled value, for decoded rows (compact decimals carry an
 * int64, non-compact ones their wire bytes). Inputs longer than KFB_DECIMAL_MAX_INPUT_BYTES
 * significant bytes, or a scale outside -1000..1000, render as "" and return 0. */
size_t kfb_decimal_format_i64(int64_t unscaled, int32_t scale, char *out, size_t out_size);
size_t kfb_decimal_format_be(const uint8_t *be, size_t n, int32_t scale, char *out,
                             size_t out_size);

/* Drops leading sign bytes that BigInteger.toByteArray() would not emit (00 before a byte
 * < 0x80, ff before a byte >= 0x80), keeping at least one byte; moves *be, shrinks *n. */
static inline void kfb_decimal_trim_sign_bytes(const uint8_t **be, size_t *n) {
    while (*n > 1 && (((*be)[0] == 0x00 && !((*be)[1] & 0x80)) ||
                      ((*be)[0] == 0xff && ((*be)[1] & 0x80)))) {
        (*be)++;
        (*n)--;
    }
}

/* True when `be` (n >= 1 bytes) is the minimal two's-complement form, as toByteArray emits. */
bool kfb_decimal_bytes_minimal(const uint8_t *be, size_t n);

#endif
