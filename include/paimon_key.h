/*
 * paimon_key.h - Paimon BinaryRow key writer (for tables whose
 * `table.datalake.format` is paimon; key_plan.h says when it is used).
 *
 * Byte-exact with fluss-common/src/main/java/org/apache/fluss/row/encode/paimon/
 * PaimonBinaryRowWriter.java as driven by PaimonKeyEncoder.java (apache/fluss
 * 545c553); the layout is documented at the top of src/paimon_key.c.
 *
 * Usage, per key (no allocation once `out` has grown to its working size):
 *
 *     kfb_paimon_key_writer_t w;
 *     kfb_paimon_key_begin(&w, out, 2);
 *     kfb_paimon_key_write_int(&w, 0, 7);
 *     kfb_paimon_key_write_string(&w, 1, "hi", 2);
 *     err = kfb_paimon_key_finish(&w, &len);   -> 24 bytes appended to out
 *
 * Ownership: the caller owns `out` (a kfb_buf_t) and the writer struct (put
 * it on the stack; its fields are private). The row is appended after
 * whatever `out` already holds; offsets inside the row are relative to the
 * row's first byte, as in Java. Value pointers are borrowed for the call.
 *
 * Errors are sticky: after the first failing write every later call returns
 * that error, and finish() truncates `out` back to where the row began, so a
 * caller may check only finish(). Fields must be written exactly once each,
 * in position order 0..arity-1 (as PaimonKeyEncoder.encodeKey does): the
 * order decides where variable-length values land, so it is part of the bytes.
 * Key fields can never be null (kfb_paimon_key_write_null always fails).
 *
 * Type -> function (Fluss DataTypeRoot -> PaimonBinaryRowWriter.createFieldWriter):
 *   BOOLEAN write_boolean, TINYINT write_tinyint, SMALLINT write_smallint,
 *   INTEGER / DATE (days) / TIME (millis of day) write_int, BIGINT write_bigint,
 *   FLOAT write_float, DOUBLE write_double, CHAR / STRING write_string (UTF-8,
 *   no padding), BINARY / BYTES write_bytes (no padding), DECIMAL write_decimal
 *   or write_decimal_bytes, TIMESTAMP(p) / TIMESTAMP_LTZ(p) write_timestamp.
 */
#ifndef KFB_PAIMON_KEY_H
#define KFB_PAIMON_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"

/* Upper bound on key columns; Java has none, but no real key comes close. */
#define KFB_PAIMON_KEY_MAX_ARITY 65535

typedef struct kfb_paimon_key_writer {
    kfb_buf_t *out;
    size_t base;         /* offset of the row's first byte in out */
    uint32_t arity;
    uint32_t null_bytes; /* header + null bit set, multiple of 8 */
    uint32_t next_pos;   /* the only position the next write may use */
    kfb_err_t err;       /* sticky */
} kfb_paimon_key_writer_t;

/* Appends the zeroed fixed part (row kind INSERT = 0, no null bits, one
 * 8-byte slot per field) to out. arity must be 1..KFB_PAIMON_KEY_MAX_ARITY
 * (KFB_ERR_INVALID_ARG); KFB_ERR_NOMEM if out cannot grow. */
kfb_err_t kfb_paimon_key_begin(kfb_paimon_key_writer_t *w, kfb_buf_t *out, uint32_t arity);

/* Fixed-width values, stored little-endian at the start of the field's slot.
 * Errors: KFB_ERR_INVALID_ARG (pos >= arity), KFB_ERR_STATE (pos is not the
 * next field in order, or no successful begin). */
kfb_err_t kfb_paimon_key_write_boolean(kfb_paimon_key_writer_t *w, uint32_t pos, bool v);
kfb_err_t kfb_paimon_key_write_tinyint(kfb_paimon_key_writer_t *w, uint32_t pos, int8_t v);
kfb_err_t kfb_paimon_key_write_smallint(kfb_paimon_key_writer_t *w, uint32_t pos, int16_t v);
kfb_err_t kfb_paimon_key_write_int(kfb_paimon_key_writer_t *w, uint32_t pos, int32_t v);
kfb_err_t kfb_paimon_key_write_bigint(kfb_paimon_key_writer_t *w, uint32_t pos, int64_t v);
kfb_err_t kfb_paimon_key_write_float(kfb_paimon_key_writer_t *w, uint32_t pos, float v);
kfb_err_t kfb_paimon_key_write_double(kfb_paimon_key_writer_t *w, uint32_t pos, double v);

/* Strings (UTF-8 bytes, not validated) and binaries: <= 7 bytes inline in
 * the slot, longer ones in the variable part. KFB_ERR_OUT_OF_RANGE if len
 * exceeds INT32_MAX (Java array limit); KFB_ERR_INVALID_ARG for NULL data
 * with len > 0. */
kfb_err_t kfb_paimon_key_write_string(kfb_paimon_key_writer_t *w, uint32_t pos,
                                      const void *utf8, size_t len);
kfb_err_t kfb_paimon_key_write_bytes(kfb_paimon_key_writer_t *w, uint32_t pos, const void *data,
                                     size_t len);

/* DECIMAL(precision, scale) from its unscaled value (already rescaled to
 * the declared scale). precision <= 18 is stored as a long in the slot,
 * 19..38 as minimal big-endian two's complement bytes in a 16-byte variable
 * area. KFB_ERR_INVALID_ARG for precision outside 1..38;
 * KFB_ERR_DECIMAL_OVERFLOW if |unscaled| >= 10^precision. */
kfb_err_t kfb_paimon_key_write_decimal(kfb_paimon_key_writer_t *w, uint32_t pos, int precision,
                                       int64_t unscaled);
/* Same, from big-endian two's complement bytes of any length >= 1 (e.g.
 * Avro's decimal bytes); redundant sign bytes are dropped first, as
 * BigInteger.toByteArray() never has them. */
kfb_err_t kfb_paimon_key_write_decimal_bytes(kfb_paimon_key_writer_t *w, uint32_t pos,
                                             int precision, const uint8_t *be, size_t len);

/* TIMESTAMP(p) and TIMESTAMP_LTZ(p) (same layout): epoch millis plus
 * nano-of-millisecond 0..999999. p <= 3 keeps only the millis in the slot;
 * p 4..9 puts the millis in an 8-byte variable area and the nanos in the
 * slot's size half. KFB_ERR_INVALID_ARG for p outside 0..9,
 * KFB_ERR_OUT_OF_RANGE for nanos outside 0..999999. */
kfb_err_t kfb_paimon_key_write_timestamp(kfb_paimon_key_writer_t *w, uint32_t pos, int precision,
                                         int64_t millis, int32_t nano_of_milli);

/* Always KFB_ERR_NULL_IN_KEY (and makes the writer fail): Fluss key columns
 * are NOT NULL, and a null would change the bytes Java hashes. */
kfb_err_t kfb_paimon_key_write_null(kfb_paimon_key_writer_t *w, uint32_t pos);

/* Completes the row. On success *len_out (may be NULL) is the row length,
 * always a multiple of 8, and the row is out->data[w->base .. +len). On any
 * error (sticky error, or KFB_ERR_STATE when not all fields were written) out
 * is truncated back to its length before begin(). */
kfb_err_t kfb_paimon_key_finish(kfb_paimon_key_writer_t *w, size_t *len_out);

/* Drops a row in progress (out->len back to the pre-begin length). */
void kfb_paimon_key_abort(kfb_paimon_key_writer_t *w);

#endif
