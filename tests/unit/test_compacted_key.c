/* test_compacted_key.c - CompactedKeyEncoder keys (no null bitmap) and the key reader.
 *
 * Sources of expected bytes:
 *  - fluss CompactedKeyEncoderTest.java (fluss-common/src/test/java/org/apache/fluss/row/
 *    encode/): (INT 1, BIGINT 3, INT 2) -> 01 03 02; (2, 5, 6) -> 02 05 06; PK f2 STRING
 *    "a2" -> 02 61 32 (decoded back); (INT 1, STRING "a2") decodes to 1, "a2"; a null key
 *    column is refused.
 *  - fluss-rust crates/fluss/src/row/encode/compacted_key_encoder.rs
 *    test_all_data_types_java_compatible (said to match Java's encoded_key.hex), every field
 *    restated below. The three ARRAY payloads are Java BinaryArray bytes that this module does
 *    not build; they are written as raw nested payloads to check the length prefix only.
 *  - fluss-protocol.md §7.2 example: PK (STRING "abc", INT 42) -> 03 61 62 63 2a.
 */
#include "compacted_row.h"
#include "compacted_fixtures.h"
#include "harness.h"

static kfb_datatype_t T(kfb_type_root_t r) { return kfb_datatype_make(r, false); }

TEST(key_java_encode_key_vectors) {
    kfb_buf_t b = KFB_BUF_INIT;
    kfb_row_writer_t w;
    kfb_key_writer_begin(&w, &b);
    ASSERT_OK(kfb_row_write_int(&w, 1));
    ASSERT_OK(kfb_row_write_bigint(&w, 3));
    ASSERT_OK(kfb_row_write_int(&w, 2));
    ASSERT_HEX(b.data, b.len, "01 03 02");
    kfb_buf_reset(&b);
    kfb_key_writer_begin(&w, &b);
    ASSERT_OK(kfb_row_write_int(&w, 2));
    ASSERT_OK(kfb_row_write_bigint(&w, 5));
    ASSERT_OK(kfb_row_write_int(&w, 6));
    ASSERT_HEX(b.data, b.len, "02 05 06");
    kfb_buf_reset(&b);
    kfb_key_writer_begin(&w, &b);
    ASSERT_OK(kfb_row_write_string(&w, "a2", 2));
    ASSERT_HEX(b.data, b.len, "02 61 32");
    kfb_buf_reset(&b);
    kfb_key_writer_begin(&w, &b);
    ASSERT_OK(kfb_row_write_int(&w, 1));
    ASSERT_OK(kfb_row_write_string(&w, "a2", 2));
    ASSERT_HEX(b.data, b.len, "01 02 61 32");
    /* Null key columns are refused ("Null value is not allowed for compacted key encoder") */
    ASSERT_ERR(kfb_row_write_null(&w, 2), KFB_ERR_NULL_IN_KEY);
    ASSERT_HEX(b.data, b.len, "01 02 61 32");
    kfb_buf_free(&b);
}

TEST(key_java_decode_vectors) {
    kfb_datatype_t t[2] = {T(KFB_TYPE_INTEGER), T(KFB_TYPE_STRING)};
    kfb_value_t v[2];
    size_t n;
    uint8_t *p = kfb_test_unhex("01 02 61 32", &n);
    ASSERT_OK(kfb_key_decode(t, 2, p, n, v, NULL, 0));
    ASSERT_EQ_INT(v[0].v.i32, 1);
    ASSERT_FALSE(v[0].is_null);
    ASSERT_MEMEQ(v[1].v.bytes.data, v[1].v.bytes.len, "a2", 2);
    free(p);
    p = kfb_test_unhex("02 61 32", &n);
    ASSERT_OK(kfb_key_decode(&t[1], 1, p, n, v, NULL, 0));
    ASSERT_MEMEQ(v[0].v.bytes.data, v[0].v.bytes.len, "a2", 2);
    free(p);
}

TEST(key_doc_prefix_example) {
    kfb_buf_t b = KFB_BUF_INIT;
    kfb_row_writer_t w;
    kfb_key_writer_begin(&w, &b);
    ASSERT_OK(kfb_row_write_string(&w, "abc", 3));
    ASSERT_OK(kfb_row_write_int(&w, 42));
    ASSERT_HEX(b.data, b.len, "03 61 62 63 2a");
    kfb_buf_free(&b);
}

TEST(key_rust_all_types_java_compatible) {
    /* Expected bytes restated field by field from the Rust test. */
    static const char *const want =
        "01 |"                                          /* BOOLEAN true */
        "02 |"                                          /* TINYINT 2 */
        "0a 00 |"                                       /* SMALLINT 10 (2 bytes LE) */
        "64 |"                                          /* INT 100 */
        "d2 95 fc d8 ce b1 aa aa ab 01 |"               /* BIGINT -6101065172474983726 */
        "33 33 53 41 |"                                 /* FLOAT 13.2 */
        "ec 51 b8 1e 85 6b 2e 40 |"                     /* DOUBLE 15.21 */
        "c7 99 01 |"                                    /* DATE 19655 */
        "c0 b3 a7 10 |"                                 /* TIME 34200000 */
        "0a 31 32 33 34 35 36 37 38 39 30 |"            /* BINARY(20) "1234567890" */
        "02 32 30 |"                                    /* BYTES "20" */
        "01 31 |"                                       /* CHAR(2) "1" */
        "05 68 65 6c 6c 6f |"                           /* STRING "hello" */
        "09 |"                                          /* DECIMAL(5,2) unscaled 9 */
        "01 0a |"                                       /* DECIMAL(20,0) 10 */
        "de 9f d7 b5 b6 31 |"                           /* TIMESTAMP(1) */
        "de 9f d7 b5 b6 31 00 |"                        /* TIMESTAMP(5) */
        "de 9f d7 b5 b6 31 |"                           /* TIMESTAMP_LTZ(1) */
        "de 9f d7 b5 b6 31 00 |"                        /* TIMESTAMP_LTZ(5) */
        /* ARRAY<INT> [1,2,3,4,5,-11,null,444,102234]: 0x30 = 48-byte BinaryArray */
        "30 09 00 00 00 40 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 04 00 00 00"
        "   05 00 00 00 f5 ff ff ff 00 00 00 00 bc 01 00 00 5a 8f 01 00 00 00 00 00 |"
        /* ARRAY<FLOAT NOT NULL> [0.1, 1.1, -0.5, 6.6, MAX, MIN]: 0x20 = 32 bytes */
        "20 06 00 00 00 00 00 00 00 cd cc cc 3d cd cc 8c 3f 00 00 00 bf 33 33 d3 40"
        "   ff ff 7f 7f 01 00 00 00 |"
        /* ARRAY<ARRAY<STRING>>: 0x58 = 88 bytes */
        "58 03 00 00 00 02 00 00 00 20 00 00 00 20 00 00 00 00 00 00 00 00 00 00 00"
        "   18 00 00 00 40 00 00 00 03 00 00 00 02 00 00 00 61 00 00 00 00 00 00 81"
        "   00 00 00 00 00 00 00 00 63 00 00 00 00 00 00 81 02 00 00 00 00 00 00 00"
        "   68 65 6c 6c 6f 00 00 85 77 6f 72 6c 64 00 00 85";
    size_t wl;
    uint8_t *w_bytes = kfb_test_unhex(want, &wl);

    kfb_buf_t b = KFB_BUF_INIT;
    kfb_row_writer_t w;
    kfb_key_writer_begin(&w, &b);
    ASSERT_OK(kfb_test_write_rust_all_types(&w));
    /* raw nested payloads, taken from the expected bytes after each length byte */
    size_t off = b.len;
    ASSERT_TRUE(off + 1 + 48 + 1 + 32 + 1 + 88 == wl);
    ASSERT_OK(kfb_row_write_bytes(&w, w_bytes + off + 1, 48));
    ASSERT_OK(kfb_row_write_bytes(&w, w_bytes + off + 50, 32));
    ASSERT_OK(kfb_row_write_bytes(&w, w_bytes + off + 83, 88));
    ASSERT_MEMEQ(b.data, b.len, w_bytes, wl);

    /* The scalar part decodes back with the key reader. */
    kfb_datatype_t t[19] = {
        T(KFB_TYPE_BOOLEAN), T(KFB_TYPE_TINYINT), T(KFB_TYPE_SMALLINT), T(KFB_TYPE_INTEGER),
        T(KFB_TYPE_BIGINT), T(KFB_TYPE_FLOAT), T(KFB_TYPE_DOUBLE), T(KFB_TYPE_DATE),
        T(KFB_TYPE_TIME_WITHOUT_TIME_ZONE), kfb_datatype_sized(KFB_TYPE_BINARY, 20, false),
        T(KFB_TYPE_BYTES), kfb_datatype_sized(KFB_TYPE_CHAR, 2, false), T(KFB_TYPE_STRING),
        kfb_datatype_decimal(5, 2, false), kfb_datatype_decimal(20, 0, false),
        kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, 1, false),
        kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, 5, false),
        kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, 1, false),
        kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, 5, false)};
    kfb_value_t v[19];
    char err[256] = "";
    ASSERT_OK(kfb_key_decode(t, 19, w_bytes, off, v, err, sizeof(err)));
    ASSERT_EQ_INT(v[4].v.i64, -6101065172474983726LL);
    ASSERT_EQ_INT(v[13].v.i64, 9);
    ASSERT_EQ_INT(v[18].v.ts.millis, 1698235273182LL);
    /* ...and with one byte more or less it does not */
    ASSERT_ERR(kfb_key_decode(t, 19, w_bytes, off + 1, v, err, sizeof(err)), KFB_ERR_TRAILING_BYTES);
    ASSERT_CONTAINS(err, "key");
    ASSERT_ERR(kfb_key_decode(t, 19, w_bytes, off - 1, v, err, sizeof(err)), KFB_ERR_TRUNCATED);
    ASSERT_CONTAINS(err, "column 18 (TIMESTAMP(5) WITH LOCAL TIME ZONE NOT NULL)");
    free(w_bytes);
    kfb_buf_free(&b);
}

TEST(key_reader_refuses_nested_types) {
    kfb_datatype_t t = T(KFB_TYPE_MAP);
    kfb_value_t v;
    char err[256];
    ASSERT_ERR(kfb_key_decode(&t, 1, (const uint8_t *)"\x00", 1, &v, err, sizeof(err)),
               KFB_ERR_UNSUPPORTED_TYPE);
    ASSERT_CONTAINS(err, "column 0");
}

TEST(key_reader_errors) {
    kfb_datatype_t t = T(KFB_TYPE_BOOLEAN);
    kfb_value_t v;
    ASSERT_ERR(kfb_key_decode(&t, 1, (const uint8_t *)"\x02", 1, &v, NULL, 0), KFB_ERR_ROW_BAD_BOOLEAN);
    ASSERT_ERR(kfb_key_decode(&t, 1, (const uint8_t *)"", 0, &v, NULL, 0), KFB_ERR_TRUNCATED);
    t = T(KFB_TYPE_INTEGER);
    ASSERT_ERR(kfb_key_decode(&t, 1, (const uint8_t *)"\x80\x80\x80\x80\x10", 5, &v, NULL, 0),
               KFB_ERR_VARINT_OVERLONG);
    ASSERT_OK(kfb_key_decode(&t, 1, (const uint8_t *)"\x80\x80\x80\x80\x08", 5, &v, NULL, 0));
    ASSERT_EQ_INT(v.v.i32, INT32_MIN);
    /* a key of zero columns is empty */
    ASSERT_OK(kfb_key_decode(NULL, 0, NULL, 0, &v, NULL, 0));
}
