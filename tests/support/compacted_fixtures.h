/*
 * compacted_fixtures.h - the fluss-rust all-types key values, shared by the compacted row and
 * key tests (crates/fluss/src/row/compacted/compacted_key_writer.rs test_all_data_types_java_
 * compatible, which restates Fluss's Java KeyEncoderTest; the expected bytes live in each test).
 */
#ifndef KFB_TEST_COMPACTED_FIXTURES_H
#define KFB_TEST_COMPACTED_FIXTURES_H

#include "compacted_row.h"

/* Writes the 19 scalar fields in order: BOOLEAN true, TINYINT 2, SMALLINT 10, INT 100,
 * BIGINT -6101065172474983726, FLOAT 13.2, DOUBLE 15.21, DATE 19655, TIME 34200000,
 * BINARY "1234567890", BYTES "20", CHAR "1", STRING "hello", DECIMAL(5,2) 0.09,
 * DECIMAL(20,0) 10, TIMESTAMP(1), TIMESTAMP(5), TIMESTAMP_LTZ(1), TIMESTAMP_LTZ(5) all at
 * 1698235273182 ms. Returns the first error. */
static inline kfb_err_t kfb_test_write_rust_all_types(kfb_row_writer_t *w) {
    static const uint8_t ten = 10;
    kfb_err_t e = KFB_ERR_OK;
    if (!e) e = kfb_row_write_boolean(w, true);
    if (!e) e = kfb_row_write_tinyint(w, 2);
    if (!e) e = kfb_row_write_smallint(w, 10);
    if (!e) e = kfb_row_write_int(w, 100);
    if (!e) e = kfb_row_write_bigint(w, -6101065172474983726LL);
    if (!e) e = kfb_row_write_float(w, 13.2f);
    if (!e) e = kfb_row_write_double(w, 15.21);
    if (!e) e = kfb_row_write_date(w, 19655);
    if (!e) e = kfb_row_write_time(w, 34200000);
    if (!e) e = kfb_row_write_bytes(w, "1234567890", 10);
    if (!e) e = kfb_row_write_bytes(w, "20", 2);
    if (!e) e = kfb_row_write_string(w, "1", 1);
    if (!e) e = kfb_row_write_string(w, "hello", 5);
    if (!e) e = kfb_row_write_decimal_compact(w, 9);
    if (!e) e = kfb_row_write_decimal_bytes(w, &ten, 1);
    if (!e) e = kfb_row_write_timestamp_ntz(w, 1698235273182LL, 0, 1);
    if (!e) e = kfb_row_write_timestamp_ntz(w, 1698235273182LL, 0, 5);
    if (!e) e = kfb_row_write_timestamp_ltz(w, 1698235273182LL, 0, 1);
    if (!e) e = kfb_row_write_timestamp_ltz(w, 1698235273182LL, 0, 5);
    return e;
}

#endif
