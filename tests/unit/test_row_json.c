/* test_row_json.c - JSON rendering of decoded values.
 *
 * Calendar vectors restated from fluss PartitionUtilsTest.java (fluss-protocol.md §12):
 * DATE 20235 = 2025-05-27, TIME 5402199 ms = 01:30:02.199, TIMESTAMP millis 1748662955428 +
 * nanos 99988 = 2025-05-31 03:42:35.428099988, millis -1748662955428 + 99988 =
 * 1914-08-03 20:17:24.572099988, BYTES 10 20 30 40 50 ff = "1020304050ff". Others were
 * checked with Python's datetime (an independent implementation): 1698235273182 ms =
 * 2023-10-25 12:01:13.182, day 19655 = 2023-10-25, day 2932896 = 9999-12-31,
 * day -719162 = 0001-01-01. UTF-8 replacement follows Unicode §3.9 maximal subparts.
 */
#include "harness.h"
#include "row_json.h"

static kfb_buf_t out;

static const char *render(kfb_datatype_t t, kfb_value_t v) {
    kfb_buf_reset(&out);
    ASSERT_OK(kfb_row_json_append_value(&out, &t, &v));
    ASSERT_OK(kfb_buf_append_byte(&out, 0));
    return (const char *)out.data;
}

static kfb_value_t I64(int64_t x) { kfb_value_t v = {0}; v.v.i64 = x; return v; }
static kfb_value_t I32(int32_t x) { kfb_value_t v = {0}; v.v.i32 = x; return v; }
static kfb_value_t F64(double x) { kfb_value_t v = {0}; v.v.f64 = x; return v; }
static kfb_value_t F32(float x) { kfb_value_t v = {0}; v.v.f32 = x; return v; }
static kfb_value_t BYTES(const char *p, size_t n) {
    kfb_value_t v = {0};
    v.v.bytes.data = (const uint8_t *)p;
    v.v.bytes.len = n;
    return v;
}
static kfb_value_t TS(int64_t ms, int32_t nanos) {
    kfb_value_t v = {0};
    v.v.ts.millis = ms;
    v.v.ts.nano_of_milli = nanos;
    return v;
}
static kfb_datatype_t T(kfb_type_root_t r) { return kfb_datatype_make(r, true); }

TEST(json_numbers) {
    kfb_value_t v = {0};
    v.v.b = true;
    ASSERT_STREQ(render(T(KFB_TYPE_BOOLEAN), v), "true");
    v.v.b = false;
    ASSERT_STREQ(render(T(KFB_TYPE_BOOLEAN), v), "false");
    v.v.i8 = -128;
    ASSERT_STREQ(render(T(KFB_TYPE_TINYINT), v), "-128");
    v.v.i16 = -32760;
    ASSERT_STREQ(render(T(KFB_TYPE_SMALLINT), v), "-32760");
    ASSERT_STREQ(render(T(KFB_TYPE_INTEGER), I32(INT32_MIN)), "-2147483648");
    ASSERT_STREQ(render(T(KFB_TYPE_BIGINT), I64(INT64_MIN)), "-9223372036854775808");
    ASSERT_STREQ(render(T(KFB_TYPE_BIGINT), I64(INT64_MAX)), "9223372036854775807");
    v.is_null = true;
    ASSERT_STREQ(render(T(KFB_TYPE_BIGINT), v), "null");
}

TEST(json_floats) {
    ASSERT_STREQ(render(T(KFB_TYPE_FLOAT), F32(13.2f)), "13.2");
    ASSERT_STREQ(render(T(KFB_TYPE_FLOAT), F32(5.73f)), "5.73");
    ASSERT_STREQ(render(T(KFB_TYPE_DOUBLE), F64(15.21)), "15.21");
    ASSERT_STREQ(render(T(KFB_TYPE_DOUBLE), F64(0.1)), "0.1");
    ASSERT_STREQ(render(T(KFB_TYPE_DOUBLE), F64(1.0)), "1.0");
    ASSERT_STREQ(render(T(KFB_TYPE_DOUBLE), F64(-0.0)), "-0.0");
    ASSERT_STREQ(render(T(KFB_TYPE_DOUBLE), F64(1e300)), "1e+300");
    ASSERT_STREQ(render(T(KFB_TYPE_DOUBLE), F64(0.1 + 0.2)), "0.30000000000000004");
    ASSERT_STREQ(render(T(KFB_TYPE_DOUBLE), F64(kfb_bits_double(0x7ff8000000000000ull))), "\"NaN\"");
    ASSERT_STREQ(render(T(KFB_TYPE_DOUBLE), F64(kfb_bits_double(0x7ff0000000000000ull))),
                 "\"Infinity\"");
    ASSERT_STREQ(render(T(KFB_TYPE_FLOAT), F32(kfb_bits_float(0xff800000u))), "\"-Infinity\"");
    ASSERT_STREQ(render(T(KFB_TYPE_FLOAT), F32(kfb_bits_float(0x7fc00001u))), "\"NaN\"");
}

TEST(json_decimals) {
    ASSERT_STREQ(render(kfb_datatype_decimal(5, 2, true), I64(9)), "\"0.09\"");
    ASSERT_STREQ(render(kfb_datatype_decimal(10, 2, true), I64(-12345)), "\"-123.45\"");
    ASSERT_STREQ(render(kfb_datatype_decimal(20, 0, true), BYTES("\x0a", 1)), "\"10\"");
    ASSERT_STREQ(render(kfb_datatype_decimal(38, 10, true),
                        BYTES("\xb4\xc4\xb3\x57\xa5\x79\x3b\x85\xf6\x75\xdd\xc0\x00\x00\x00\x01", 16)),
                 "\"-9999999999999999999999999999.9999999999\"");
}

TEST(json_dates_and_times) {
    ASSERT_STREQ(render(T(KFB_TYPE_DATE), I32(20235)), "\"2025-05-27\"");
    ASSERT_STREQ(render(T(KFB_TYPE_DATE), I32(19655)), "\"2023-10-25\"");
    ASSERT_STREQ(render(T(KFB_TYPE_DATE), I32(0)), "\"1970-01-01\"");
    ASSERT_STREQ(render(T(KFB_TYPE_DATE), I32(-1)), "\"1969-12-31\"");
    ASSERT_STREQ(render(T(KFB_TYPE_DATE), I32(2932896)), "\"9999-12-31\"");
    ASSERT_STREQ(render(T(KFB_TYPE_DATE), I32(2932897)), "\"+10000-01-01\"");
    ASSERT_STREQ(render(T(KFB_TYPE_DATE), I32(-719162)), "\"0001-01-01\"");
    ASSERT_STREQ(render(T(KFB_TYPE_DATE), I32(-719528)), "\"0000-01-01\"");
    ASSERT_STREQ(render(T(KFB_TYPE_DATE), I32(-719529)), "\"-0001-12-31\"");
    ASSERT_STREQ(render(T(KFB_TYPE_TIME_WITHOUT_TIME_ZONE), I32(5402199)), "\"01:30:02.199\"");
    ASSERT_STREQ(render(T(KFB_TYPE_TIME_WITHOUT_TIME_ZONE), I32(34200000)), "\"09:30:00.000\"");
    kfb_datatype_t ntz = kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, 9, true);
    kfb_datatype_t ltz = kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, 9, true);
    ASSERT_STREQ(render(ntz, TS(1748662955428LL, 99988)), "\"2025-05-31T03:42:35.428099988\"");
    ASSERT_STREQ(render(ntz, TS(-1748662955428LL, 99988)), "\"1914-08-03T20:17:24.572099988\"");
    ASSERT_STREQ(render(ltz, TS(1698235273182LL, 0)), "\"2023-10-25T12:01:13.182000000Z\"");
    ASSERT_STREQ(render(ltz, TS(-1, 0)), "\"1969-12-31T23:59:59.999000000Z\"");
}

TEST(json_bytes_and_strings) {
    ASSERT_STREQ(render(T(KFB_TYPE_BYTES), BYTES("\x10\x20\x30\x40\x50\xff", 6)), "\"1020304050ff\"");
    ASSERT_STREQ(render(T(KFB_TYPE_BINARY), BYTES("", 0)), "\"\"");
    ASSERT_STREQ(render(T(KFB_TYPE_STRING), BYTES("a\"b\\c\n\t\x01", 8)), "\"a\\\"b\\\\c\\n\\t\\u0001\"");
    ASSERT_STREQ(render(T(KFB_TYPE_STRING), BYTES("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12)),
                 "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* invalid UTF-8: one U+FFFD per maximal subpart */
    ASSERT_STREQ(render(T(KFB_TYPE_STRING), BYTES("\xff", 1)), "\"\\ufffd\"");
    ASSERT_STREQ(render(T(KFB_TYPE_STRING), BYTES("\xe2\x82", 2)), "\"\\ufffd\"");
    ASSERT_STREQ(render(T(KFB_TYPE_STRING), BYTES("\xf0\x9f\x98" "a", 4)), "\"\\ufffda\"");
    ASSERT_STREQ(render(T(KFB_TYPE_STRING), BYTES("\xc0\xaf", 2)), "\"\\ufffd\\ufffd\"");
    ASSERT_STREQ(render(T(KFB_TYPE_STRING), BYTES("\xed\xa0\x80", 3)), "\"\\ufffd\\ufffd\\ufffd\"");
    ASSERT_STREQ(render(T(KFB_TYPE_STRING), BYTES("\xf4\x90\x80\x80", 4)),
                 "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    ASSERT_STREQ(render(T(KFB_TYPE_CHAR), BYTES("x\0y", 3)), "\"x\\u0000y\"");
}

TEST(json_rows_nested_and_raw) {
    /* ROW<x INT, y STRING> with nested bytes 00 01 01 61 = {x: 1, y: "a"} */
    kfb_datafield_t *f = calloc(2, sizeof(*f));
    f[0].name = strdup("x");
    f[0].type = malloc(sizeof(kfb_datatype_t));
    *f[0].type = T(KFB_TYPE_INTEGER);
    f[1].name = strdup("y");
    f[1].type = malloc(sizeof(kfb_datatype_t));
    *f[1].type = T(KFB_TYPE_STRING);
    kfb_datatype_t *row = kfb_datatype_new_row(f, 2, true);
    ASSERT_STREQ(render(*row, BYTES("\x00\x01\x01\x61", 4)), "{\"x\": 1, \"y\": \"a\"}");
    ASSERT_STREQ(render(*row, BYTES("\x02\x05", 2)), "{\"x\": 5, \"y\": null}");
    ASSERT_STREQ(render(*row, BYTES("\x00\x01\x05", 3)), "{\"undecodable\": \"000105\"}");
    kfb_datatype_destroy(row);
    ASSERT_STREQ(render(T(KFB_TYPE_ARRAY), BYTES("\xaa\xbb", 2)), "{\"binary\": \"aabb\"}");

    kfb_datatype_t types[3] = {T(KFB_TYPE_INTEGER), T(KFB_TYPE_STRING), T(KFB_TYPE_BOOLEAN)};
    kfb_value_t vals[3] = {I32(7), BYTES("q", 1), {0}};
    vals[2].is_null = true;
    const char *names[3] = {"id", "na\"me", "flag"};
    kfb_buf_reset(&out);
    ASSERT_OK(kfb_row_json_append_row(&out, names, types, vals, 3));
    ASSERT_OK(kfb_buf_append_byte(&out, 0));
    ASSERT_STREQ((const char *)out.data, "{\"id\": 7, \"na\\\"me\": \"q\", \"flag\": null}");
    kfb_buf_reset(&out);
    ASSERT_OK(kfb_row_json_append_row(&out, names, types, vals, 0));
    ASSERT_MEMEQ(out.data, out.len, "{}", 2);
    kfb_buf_free(&out);
}

TEST(json_decoded_row_end_to_end) {
    /* §6.2 worked row (1, "a", null) decoded and rendered */
    kfb_datatype_t types[3] = {kfb_datatype_make(KFB_TYPE_INTEGER, false), T(KFB_TYPE_STRING),
                               T(KFB_TYPE_BIGINT)};
    kfb_value_t vals[3];
    ASSERT_OK(kfb_row_decode(types, 3, (const uint8_t *)"\x04\x01\x01\x61", 4, vals, NULL, 0));
    const char *names[3] = {"id", "name", "v"};
    kfb_buf_reset(&out);
    ASSERT_OK(kfb_row_json_append_row(&out, names, types, vals, 3));
    ASSERT_OK(kfb_buf_append_byte(&out, 0));
    ASSERT_STREQ((const char *)out.data, "{\"id\": 1, \"name\": \"a\", \"v\": null}");
    kfb_buf_free(&out);
}
