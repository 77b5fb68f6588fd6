/* test_decimal.c - DECIMAL conversion: rescale with HALF_UP, precision check, unscaled bytes,
 * plain strings.
 *
 * Sources of expected values:
 *  - fluss DecimalTest.java (fluss-common/src/test/java/org/apache/fluss/row/DecimalTest.java):
 *    13145678.90123 as (15, 5), 1234567890.0987654321 as (23, 10), Long.MAX_VALUE does not fit
 *    (5, 0), zero(20, 2), "5.00", testToString's "0.0000000000000000001".
 *  - fluss-rust crates/fluss/src/row/decimal.rs and compacted/compacted_row_writer.rs tests:
 *    12.345 -> (10, 2) = 1235 (HALF_UP), 1 at scale 10 needs precision 11, 1.0/1.00 precision
 *    boundaries, 12345 at (28, 0) has unscaled bytes 30 39.
 *  - Minimal two's-complement bytes (BigInteger.toByteArray) for other values were produced by
 *    an independent implementation, Python's int.to_bytes(n, 'big', signed=True) with the
 *    smallest n that does not overflow.
 *  - Rounding cases are hand-derived from java.math.RoundingMode.HALF_UP ("round towards the
 *    nearest neighbour unless both are equidistant, then round up", up = away from zero).
 */
#include "decimal.h"
#include "harness.h"

static kfb_decimal_t conv_hex(const char *hex, int32_t src_scale, int32_t p, int32_t s,
                              kfb_err_t want) {
    size_t n;
    uint8_t *b = kfb_test_unhex(hex, &n);
    kfb_decimal_t d;
    memset(&d, 0xa5, sizeof(d));
    kfb_err_t err = kfb_decimal_from_unscaled_be(b, n, src_scale, p, s, &d);
    free(b);
    ASSERT_ERR(err, want);
    return d;
}

static kfb_decimal_t conv_i64(int64_t v, int32_t src_scale, int32_t p, int32_t s) {
    kfb_decimal_t d;
    ASSERT_OK(kfb_decimal_from_unscaled_i64(v, src_scale, p, s, &d));
    return d;
}

static const char *str(const kfb_decimal_t *d) {
    static char s[KFB_DECIMAL_STRING_MAX];
    size_t n = kfb_decimal_to_string(d, s, sizeof(s));
    ASSERT_LT_INT(n, sizeof(s));
    ASSERT_EQ_INT(strlen(s), n);
    return s;
}

TEST(decimal_java_decimaltest_vectors) {
    /* 13145678.90123 -> unscaled 1314567890123 at (15, 5): compact */
    kfb_decimal_t d = conv_hex("01 32 12 5a 24 cb", 5, 15, 5, KFB_ERR_OK);
    ASSERT_EQ_INT(d.unscaled, 1314567890123LL);
    ASSERT_HEX(d.bytes, d.nbytes, "01 32 12 5a 24 cb");
    ASSERT_STREQ(str(&d), "13145678.90123");
    /* 1234567890.0987654321 at (23, 10): unscaled 12345678900987654321 > INT64_MAX */
    d = conv_hex("00 ab 54 a9 8c dc 67 70 b1", 10, 23, 10, KFB_ERR_OK);
    ASSERT_HEX(d.bytes, d.nbytes, "00 ab 54 a9 8c dc 67 70 b1");
    ASSERT_STREQ(str(&d), "1234567890.0987654321");
    /* Decimal.fromBigDecimal(new BigDecimal(Long.MAX_VALUE), 5, 0) is null */
    kfb_decimal_t o;
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(INT64_MAX, 0, 5, 0, &o), KFB_ERR_DECIMAL_OVERFLOW);
    /* zero(20, 2) */
    d = conv_hex("", 0, 20, 2, KFB_ERR_OK);
    ASSERT_HEX(d.bytes, d.nbytes, "00");
    ASSERT_EQ_INT(d.unscaled, 0);
    ASSERT_STREQ(str(&d), "0.00");
    /* castToDecimal(castFrom(5.0, 10, 1), 10, 2).toString() == "5.00" */
    d = conv_i64(50, 1, 10, 2);
    ASSERT_EQ_INT(d.unscaled, 500);
    ASSERT_STREQ(str(&d), "5.00");
    /* testToString: "0.0000000000000000001" (Java uses precision 39; 19 digits suffice) */
    d = conv_i64(1, 19, 19, 19);
    ASSERT_STREQ(str(&d), "0.0000000000000000001");
}

TEST(decimal_rust_vectors) {
    kfb_decimal_t d = conv_i64(12345, 3, 10, 2); /* 12.345 -> 12.35 */
    ASSERT_EQ_INT(d.unscaled, 1235);
    d = conv_i64(12345, 2, 10, 2);
    ASSERT_STREQ(str(&d), "123.45");
    d = conv_i64(12345, 0, 28, 0);
    ASSERT_HEX(d.bytes, d.nbytes, "30 39");
    /* value 1 at scale 10 = unscaled 10000000000 (11 digits) */
    kfb_decimal_t o;
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(1, 0, 10, 10, &o), KFB_ERR_DECIMAL_OVERFLOW);
    d = conv_i64(1, 0, 11, 10);
    ASSERT_EQ_INT(d.unscaled, 10000000000LL);
    /* 1.0 needs precision 2, 1.00 needs 3 */
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(10, 1, 1, 1, &o), KFB_ERR_DECIMAL_OVERFLOW);
    ASSERT_EQ_INT(conv_i64(10, 1, 2, 1).unscaled, 10);
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(100, 2, 2, 2, &o), KFB_ERR_DECIMAL_OVERFLOW);
    ASSERT_EQ_INT(conv_i64(100, 2, 3, 2).unscaled, 100);
}

TEST(decimal_half_up_rounding) {
    static const struct {
        int64_t v;
        int32_t src, p, s;
        int64_t want;
    } cases[] = {
        {12344, 3, 10, 2, 1234},    {-12344, 3, 10, 2, -1234},  {-12345, 3, 10, 2, -1235},
        {5, 1, 1, 0, 1},            {-5, 1, 1, 0, -1},          {4, 1, 1, 0, 0},
        {-4, 1, 1, 0, 0},           {125, 2, 2, 1, 13},         {-125, 2, 2, 1, -13},
        {149, 2, 1, 0, 1},          {-150, 2, 1, 0, -2},        {5, 2, 1, 0, 0},
        {95, 2, 1, 0, 1},           {-95, 2, 1, 0, -1},         {99995, 3, 5, 2, 10000},
        {5, 2, 1, 1, 1},            /* 0.05 -> 0.1 */
        {42949672955LL, 1, 18, 0, 4294967296LL}, /* carry across a 32-bit limb */
        {INT64_MIN, 0, 19, 0, INT64_MIN},       {INT64_MIN, 1, 18, 0, -922337203685477581LL},
        {123, 0, 10, 5, 12300000},  {-7, 0, 3, 2, -700},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kfb_decimal_t d = conv_i64(cases[i].v, cases[i].src, cases[i].p, cases[i].s);
        if (d.unscaled != cases[i].want) fprintf(stderr, "  case %zu\n", i);
        ASSERT_EQ_INT(d.unscaled, cases[i].want);
        ASSERT_EQ_INT(d.precision, cases[i].p);
        ASSERT_EQ_INT(d.scale, cases[i].s);
    }
    /* Rounding that adds a digit: 9.5 -> 10 does not fit DECIMAL(1, 0); 99.995 -> 100.00 does
     * not fit DECIMAL(4, 2). */
    kfb_decimal_t o;
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(95, 1, 1, 0, &o), KFB_ERR_DECIMAL_OVERFLOW);
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(99995, 3, 4, 2, &o), KFB_ERR_DECIMAL_OVERFLOW);
    /* -0.4 rounds to zero, which is plain zero (byte 00), not a negative zero */
    kfb_decimal_t z = conv_i64(-4, 1, 20, 0);
    ASSERT_HEX(z.bytes, z.nbytes, "00");
    ASSERT_STREQ(str(&z), "0");
}

TEST(decimal_38_digits_and_bytes) {
    /* +-(10^38 - 1) at DECIMAL(38, 0): 16-byte two's complement */
    kfb_decimal_t d = conv_hex("4b 3b 4c a8 5a 86 c4 7a 09 8a 22 3f ff ff ff ff", 0, 38, 0, KFB_ERR_OK);
    ASSERT_HEX(d.bytes, d.nbytes, "4b 3b 4c a8 5a 86 c4 7a 09 8a 22 3f ff ff ff ff");
    ASSERT_STREQ(str(&d), "99999999999999999999999999999999999999");
    d = conv_hex("b4 c4 b3 57 a5 79 3b 85 f6 75 dd c0 00 00 00 01", 10, 38, 10, KFB_ERR_OK);
    ASSERT_HEX(d.bytes, d.nbytes, "b4 c4 b3 57 a5 79 3b 85 f6 75 dd c0 00 00 00 01");
    ASSERT_STREQ(str(&d), "-9999999999999999999999999999.9999999999");
    /* 10^38 needs 39 digits */
    conv_hex("4b 3b 4c a8 5a 86 c4 7a 09 8a 22 40 00 00 00 00", 0, 38, 0, KFB_ERR_DECIMAL_OVERFLOW);
    /* 38 nines at scale 0 do not fit DECIMAL(38, 1) (scale up adds a digit) */
    conv_hex("4b 3b 4c a8 5a 86 c4 7a 09 8a 22 3f ff ff ff ff", 0, 38, 1, KFB_ERR_DECIMAL_OVERFLOW);
    /* Minimal bytes at sign boundaries */
    ASSERT_HEX(conv_i64(-1, 0, 19, 0).bytes, 1, "ff");
    d = conv_i64(128, 0, 19, 0);
    ASSERT_HEX(d.bytes, d.nbytes, "00 80");
    d = conv_i64(-128, 0, 19, 0);
    ASSERT_HEX(d.bytes, d.nbytes, "80");
    d = conv_i64(-129, 0, 19, 0);
    ASSERT_HEX(d.bytes, d.nbytes, "ff 7f");
    d = conv_i64(INT64_MIN, 0, 19, 0);
    ASSERT_HEX(d.bytes, d.nbytes, "80 00 00 00 00 00 00 00");
    /* 2^63 = 9223372036854775808 does not fit int64: unscaled stays 0, bytes carry it */
    d = conv_hex("00 80 00 00 00 00 00 00 00", 0, 19, 0, KFB_ERR_OK);
    ASSERT_HEX(d.bytes, d.nbytes, "00 80 00 00 00 00 00 00 00");
    ASSERT_EQ_INT(d.unscaled, 0);
    ASSERT_STREQ(str(&d), "9223372036854775808");
    d = conv_hex("ff 7f ff ff ff ff ff ff ff", 0, 19, 0, KFB_ERR_OK);
    ASSERT_STREQ(str(&d), "-9223372036854775809");
    /* 10^18 fits DECIMAL(19, 0) but not DECIMAL(18, 0) */
    d = conv_hex("0d e0 b6 b3 a7 64 00 00", 0, 19, 0, KFB_ERR_OK);
    ASSERT_EQ_INT(d.unscaled, 1000000000000000000LL);
    conv_hex("0d e0 b6 b3 a7 64 00 00", 0, 18, 0, KFB_ERR_DECIMAL_OVERFLOW);
}

TEST(decimal_wide_avro_inputs) {
    /* Redundant sign extension (Avro fixed(N) decimals) is accepted */
    kfb_decimal_t d = conv_hex("00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 05", 0, 5, 0,
                               KFB_ERR_OK);
    ASSERT_EQ_INT(d.unscaled, 5);
    d = conv_hex("ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff fb", 0, 5, 0, KFB_ERR_OK);
    ASSERT_EQ_INT(d.unscaled, -5);
    /* 10^50 at scale 48 = 100.00 at (5, 2); not at (4, 2) */
    const char *e50 = "44 6c 3b 15 f9 92 66 87 d2 c4 05 34 fd b5 64 00 00 00 00 00 00";
    d = conv_hex(e50, 48, 5, 2, KFB_ERR_OK);
    ASSERT_EQ_INT(d.unscaled, 10000);
    conv_hex(e50, 48, 4, 2, KFB_ERR_DECIMAL_OVERFLOW);
    /* -(10^50 - 1) at scale 48 = -99.999...9 -> -100.00 (HALF_UP, away from zero) */
    d = conv_hex("bb 93 c4 ea 06 6d 99 78 2d 3b fa cb 02 4a 9c 00 00 00 00 00 01", 48, 5, 2,
                 KFB_ERR_OK);
    ASSERT_EQ_INT(d.unscaled, -10000);
    ASSERT_STREQ(str(&d), "-100.00");
    /* An enormous scale difference rounds to zero without looping forever */
    d = conv_i64(123, 1000000000, 5, 2);
    ASSERT_EQ_INT(d.unscaled, 0);
    kfb_decimal_t o;
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(1, -1000000000, 38, 0, &o), KFB_ERR_DECIMAL_OVERFLOW);
    /* More significant bytes than supported */
    uint8_t big[KFB_DECIMAL_MAX_INPUT_BYTES + 1];
    memset(big, 0x11, sizeof(big));
    ASSERT_ERR(kfb_decimal_from_unscaled_be(big, sizeof(big), 300, 38, 0, &o),
               KFB_ERR_DECIMAL_OVERFLOW);
    ASSERT_OK(kfb_decimal_from_unscaled_be(big, sizeof(big) - 1, 300, 38, 0, &o));
}

TEST(decimal_invalid_targets) {
    kfb_decimal_t o;
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(1, 0, 0, 0, &o), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(1, 0, 39, 0, &o), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(1, 0, 5, 6, &o), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_decimal_from_unscaled_i64(1, 0, 5, -1, &o), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_decimal_from_unscaled_be(NULL, 3, 0, 5, 0, &o), KFB_ERR_INVALID_ARG);
}

TEST(decimal_strings) {
    char s[64];
    ASSERT_EQ_INT(kfb_decimal_format_i64(-12345, 3, s, sizeof(s)), 7);
    ASSERT_STREQ(s, "-12.345");
    kfb_decimal_format_i64(5, 2, s, sizeof(s));
    ASSERT_STREQ(s, "0.05");
    kfb_decimal_format_i64(-5, 1, s, sizeof(s));
    ASSERT_STREQ(s, "-0.5");
    kfb_decimal_format_i64(100, 0, s, sizeof(s));
    ASSERT_STREQ(s, "100");
    kfb_decimal_format_i64(12, 2, s, sizeof(s));
    ASSERT_STREQ(s, "0.12");
    kfb_decimal_format_i64(0, 3, s, sizeof(s));
    ASSERT_STREQ(s, "0.000");
    kfb_decimal_format_i64(123, -2, s, sizeof(s)); /* toPlainString of 1.23E+4 */
    ASSERT_STREQ(s, "12300");
    kfb_decimal_format_i64(INT64_MIN, 0, s, sizeof(s));
    ASSERT_STREQ(s, "-9223372036854775808");
    /* snprintf semantics: truncated but NUL-terminated, full length returned */
    char t[4];
    ASSERT_EQ_INT(kfb_decimal_format_i64(-12345, 3, t, sizeof(t)), 7);
    ASSERT_STREQ(t, "-12");
    ASSERT_EQ_INT(kfb_decimal_format_i64(-12345, 3, NULL, 0), 7);
}

TEST(decimal_minimal_bytes_predicate) {
    ASSERT_FALSE(kfb_decimal_bytes_minimal((const uint8_t *)"", 0));
    ASSERT_TRUE(kfb_decimal_bytes_minimal((const uint8_t *)"\x00", 1));
    ASSERT_TRUE(kfb_decimal_bytes_minimal((const uint8_t *)"\xff", 1));
    ASSERT_TRUE(kfb_decimal_bytes_minimal((const uint8_t *)"\x00\x80", 2));
    ASSERT_FALSE(kfb_decimal_bytes_minimal((const uint8_t *)"\x00\x7f", 2));
    ASSERT_TRUE(kfb_decimal_bytes_minimal((const uint8_t *)"\xff\x7f", 2));
    ASSERT_FALSE(kfb_decimal_bytes_minimal((const uint8_t *)"\xff\x80", 2));
}

/* BigDecimal(String) syntax, hand-derived from the java.math.BigDecimal(String) grammar. */
static kfb_err_t from_str(const char *s, int32_t p, int32_t sc, kfb_decimal_t *d) {
    return kfb_decimal_from_string(s, strlen(s), p, sc, d);
}

TEST(decimal_from_string) {
    kfb_decimal_t d;
    ASSERT_OK(from_str("-12.345", 10, 2, &d));
    ASSERT_EQ_INT(d.unscaled, -1235);
    ASSERT_OK(from_str("+12.344", 10, 2, &d));
    ASSERT_EQ_INT(d.unscaled, 1234);
    ASSERT_OK(from_str("1E+3", 4, 0, &d));
    ASSERT_EQ_INT(d.unscaled, 1000);
    ASSERT_OK(from_str("1.5e-1", 3, 2, &d));
    ASSERT_EQ_INT(d.unscaled, 15);
    ASSERT_OK(from_str(".5", 1, 0, &d));
    ASSERT_EQ_INT(d.unscaled, 1);
    ASSERT_OK(from_str("5.", 1, 0, &d));
    ASSERT_EQ_INT(d.unscaled, 5);
    ASSERT_OK(from_str("-0", 20, 3, &d));
    ASSERT_HEX(d.bytes, d.nbytes, "00");
    ASSERT_OK(from_str("0.0000000000000000001", 19, 19, &d));
    ASSERT_EQ_INT(d.unscaled, 1);
    ASSERT_OK(from_str("000000000000000000000012345", 28, 0, &d));
    ASSERT_HEX(d.bytes, d.nbytes, "30 39");
    ASSERT_OK(from_str("1000000000", 10, 0, &d)); /* a 9-digit chunk then a zero */
    ASSERT_EQ_INT(d.unscaled, 1000000000);
    ASSERT_OK(from_str("-99999999999999999999999999999999999999", 38, 0, &d));
    ASSERT_HEX(d.bytes, d.nbytes, "b4 c4 b3 57 a5 79 3b 85 f6 75 dd c0 00 00 00 01");
    ASSERT_ERR(from_str("123456789012345678901234567890123456789", 38, 0, &d), KFB_ERR_DECIMAL_OVERFLOW);
    ASSERT_OK(from_str("1e-1000", 5, 2, &d));
    ASSERT_EQ_INT(d.unscaled, 0);
    ASSERT_ERR(from_str("1e1000", 38, 0, &d), KFB_ERR_DECIMAL_OVERFLOW);
    ASSERT_OK(from_str("0e99999999999999999999", 5, 0, &d));
    char nines[401];
    memset(nines, '9', 400);
    nines[400] = '\0';
    ASSERT_ERR(from_str(nines, 38, 0, &d), KFB_ERR_DECIMAL_OVERFLOW);
    static const char *const bad[] = {"", "-", "+", ".", "abc", "1.2.3", "--1", "1e", "1e+",
                                      " 1", "1 ", "1x", "0x10", "1e5.5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (from_str(bad[i], 10, 0, &d) != KFB_ERR_CORRUPT) fprintf(stderr, "  \"%s\"\n", bad[i]);
        ASSERT_ERR(from_str(bad[i], 10, 0, &d), KFB_ERR_CORRUPT);
    }
    ASSERT_ERR(from_str("1", 0, 0, &d), KFB_ERR_INVALID_ARG);
}

/* Random cases (seeded; up to 45-digit inputs, scales 0..45, half-way ties forced often).
 * Expected values computed by an independent implementation, Python's decimal module:
 * Decimal(u).scaleb(-src).quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_UP), then the
 * digit count of the unscaled result against p (NULL = does not fit), bytes from
 * int.to_bytes(n, 'big', signed=True) with the smallest n. */
static const struct {
    const char *in;
    int32_t src, p, s;
    const char *want;
} py_cases[] = {
    {"fcec4d515fa0eee6c31550cf7ebd3716", 40, 25, 25, "ff224861025fe4abeac5"},
    {"15", 14, 24, 9, "00"},
    {"ee6781a9d51b47b7997289", 33, 24, 19, "ce78fa5bd0"},
    {"0e0794952c466e473a17978df08078a22ea180", 38, 26, 8, "011c8de7a262b4"},
    {"d3eb3e4780e58cdc96e4e6063410f0965b30", 19, 26, 8, NULL},
    {"ff6e7640c95d", 36, 14, 7, "00"},
    {"f6d7f5", 8, 30, 19, "ff2acf7f26a40800"},
    {"f9a2db414926090ba3238746259bff39", 1, 26, 6, NULL},
    {"f71a78ebd68f17e6519070c9", 40, 8, 6, "00"},
    {"82091a3886", 29, 16, 5, "00"},
    {"c2b3c76fdc8218dcd55622", 7, 28, 8, "fd9b05ca5e9d14f8a0555d54"},
    {"8dd7", 15, 14, 12, "e3"},
    {"3dcc17f83ad8132f0e2367c3a5464623", 42, 5, 4, "01"},
    {"1e15a2070461ff9d4693302f", 29, 2, 0, "00"},
    {"edf1790438224898024b032f57510c", 36, 34, 8, "ff70f091"},
    {"f8be9f47574865491144966d2e423810", 3, 27, 3, NULL},
    {"f335", 20, 18, 15, "00"},
    {"60014893bd35949ab1ec33bfa3", 36, 23, 20, "02b3c9fde21416"},
    {"07", 23, 30, 9, "00"},
    {"c2f47bdbbfd69f4bce0babf099", 35, 15, 12, "fd1e02ec"},
    {"ff4086ef81f54632c5e441ff63cb4ce862", 43, 21, 21, "a59458858e48cb"},
    {"1cf25e4605cb9f194f", 20, 26, 10, "0c6eba9b3a"},
    {"fc83fd403d4aa65fb2bb0dd4827e86b9e4", 27, 15, 7, NULL},
    {"02f4bd937e5e4e8ff78584133ee01d", 26, 14, 8, NULL},
    {"beeb404b516c3e30a8158dc9e0d1c63a0571", 45, 8, 7, "ff228a"},
    {"fc04e38e7491e05fa98be2f4cd72fbb4b37f", 20, 38, 30, NULL},
    {"feeb52ed8d078a5a", 40, 13, 0, "00"},
    {"09c56ddd4ee478c97a5d46", 29, 2, 2, "00"},
    {"fe50c4fd175382", 42, 34, 32, "ff46ca"},
    {"4ddb7691ed52a3cb2a0405e7eb0d53", 1, 32, 2, NULL},
    {"e0c11eb7ac", 37, 18, 16, "00"},
    {"3598a8a6e0", 3, 36, 21, "02e7cc64301415955d4f800000"},
    {"fc", 9, 11, 2, "00"},
    {"ed9e4cd5dccb", 27, 30, 8, "00"},
    {"dd411a7aad2f8f77f357b5be80b3", 12, 33, 22, NULL},
    {"3f5cd512348a329f3e587d", 27, 35, 26, "0656154e9eda9ea9863c0d"},
    {"bb221c7626a7", 36, 29, 5, "00"},
    {"06a94a72775ac7f2c2bf82f272", 22, 13, 11, NULL},
    {"02005d4608867a4089f2", 34, 18, 7, "00"},
    {"e24814e4ecda1e1ca93a2bfcb92ad5194f2f45", 6, 23, 2, NULL},
    {"bc8ea9b7c09b5ee52b02277ee38c1b5fd075", 1, 16, 15, NULL},
    {"f67d3c30a1bff41359e2c48d963d87", 7, 31, 23, NULL},
    {"ba46c9c064639076028716", 0, 19, 10, NULL},
    {"0651f4827db9", 4, 10, 7, NULL},
    {"fe8c1795", 19, 29, 25, "e9d522d54f40"},
    {"085ec301652d", 14, 10, 2, "09"},
    {"ff2751e7e084623269b9ea08f7be3992db", 40, 13, 8, "d40d54"},
    {"d8", 33, 12, 9, "00"},
};

TEST(decimal_random_vs_python_decimal) {
    for (size_t i = 0; i < sizeof(py_cases) / sizeof(py_cases[0]); i++) {
        size_t n;
        uint8_t *in = kfb_test_unhex(py_cases[i].in, &n);
        kfb_decimal_t d;
        kfb_err_t err = kfb_decimal_from_unscaled_be(in, n, py_cases[i].src, py_cases[i].p,
                                                     py_cases[i].s, &d);
        free(in);
        if (!py_cases[i].want) {
            if (err != KFB_ERR_DECIMAL_OVERFLOW) fprintf(stderr, "  case %zu\n", i);
            ASSERT_ERR(err, KFB_ERR_DECIMAL_OVERFLOW);
            continue;
        }
        if (err) fprintf(stderr, "  case %zu\n", i);
        ASSERT_OK(err);
        ASSERT_HEX(d.bytes, d.nbytes, py_cases[i].want);
    }
}
