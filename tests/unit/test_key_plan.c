/* test_key_plan.c - encoder/bucketing selection, every row of
 * shared/docs/fluss-protocol.md §7.2. Expected rows are hand-derived from
 * apache/fluss fluss-common/src/main/java/org/apache/fluss/row/encode/KeyEncoder.java
 * (ofPrimaryKeyEncoder / ofBucketKeyEncoder / of) and bucketing/BucketingFunction.java. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "key_plan.h"

enum { C = KFB_KEY_ENC_COMPACTED, P = KFB_KEY_ENC_PAIMON, I = KFB_KEY_ENC_ICEBERG, H = KFB_KEY_ENC_HUDI };
enum { FL = KFB_BUCKET_FN_FLUSS, PA = KFB_BUCKET_FN_PAIMON, IC = KFB_BUCKET_FN_ICEBERG, HU = KFB_BUCKET_FN_HUDI };

static const struct row {
    const char *lake; /* property value; NULL = absent */
    const char *version;
    bool dflt;
    int pk, bk;
    bool reuse;
    int fn;
    int err;
} ROWS[] = {
    /* no lake format: everything compacted, Fluss hashing */
    {NULL, NULL, true, C, C, true, FL, 0},
    {NULL, NULL, false, C, C, false, FL, 0},
    {NULL, "1", true, C, C, true, FL, 0},
    {NULL, "1", false, C, C, false, FL, 0},
    {NULL, "2", true, C, C, true, FL, 0},
    {NULL, "2", false, C, C, false, FL, 0},
    /* lance: compacted encoder, Fluss hashing */
    {"lance", NULL, true, C, C, true, FL, 0},
    {"lance", "2", true, C, C, true, FL, 0},
    {"lance", "2", false, C, C, false, FL, 0},
    {"LANCE", "1", false, C, C, false, FL, 0},
    /* paimon: v1 and default bucket key use Paimon bytes for the PK;
     * v2 with a custom bucket key keeps the PK compacted (prefix lookup)
     * but still hashes Paimon-encoded bucket-key bytes */
    {"paimon", NULL, true, P, P, true, PA, 0},
    {"paimon", NULL, false, P, P, false, PA, 0},
    {"paimon", "1", true, P, P, true, PA, 0},
    {"paimon", "1", false, P, P, false, PA, 0},
    {"paimon", "2", true, P, P, true, PA, 0},
    {"paimon", "2", false, C, P, false, PA, 0},
    {"Paimon", "2", false, C, P, false, PA, 0},
    /* iceberg: like paimon, with IcebergKeyEncoder and Iceberg hashing */
    {"iceberg", NULL, true, I, I, true, IC, 0},
    {"iceberg", "1", false, I, I, false, IC, 0},
    {"iceberg", "2", true, I, I, true, IC, 0},
    {"iceberg", "2", false, C, I, false, IC, 0},
    {"ICEBERG", "1", true, I, I, true, IC, 0},
    /* hudi: PK always compacted, bucket bytes always HudiKeyEncoder (never reused) */
    {"hudi", NULL, true, C, H, false, HU, KFB_ERR_UNSUPPORTED_FORMAT},
    {"hudi", "1", false, C, H, false, HU, KFB_ERR_UNSUPPORTED_FORMAT},
    {"hudi", "2", true, C, H, false, HU, KFB_ERR_UNSUPPORTED_FORMAT},
    {"HUDI", "2", false, C, H, false, HU, KFB_ERR_UNSUPPORTED_FORMAT},
    /* kv format versions other than 1 and 2 */
    {NULL, "3", true, C, C, true, FL, KFB_ERR_UNSUPPORTED_FORMAT},
    {NULL, "0", false, C, C, false, FL, KFB_ERR_UNSUPPORTED_FORMAT},
    {"paimon", "-1", true, P, P, true, PA, KFB_ERR_UNSUPPORTED_FORMAT},
    {"lance", "3", false, C, C, false, FL, KFB_ERR_UNSUPPORTED_FORMAT},
};

TEST(every_row_of_the_selection_table) {
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        const struct row *r = &ROWS[i];
        kfb_key_plan_t plan;
        char err[512] = "";
        int got = kfb_key_plan_from_props(r->lake, r->version, r->dflt, &plan, err, sizeof err);
        if (got != r->err) fprintf(stderr, "row %zu (%s, %s, %d): %s\n", i, r->lake ? r->lake : "-",
                                   r->version ? r->version : "-", r->dflt, err);
        ASSERT_ERR(got, r->err);
        ASSERT_EQ_INT(plan.pk_encoding, r->pk);
        ASSERT_EQ_INT(plan.bucket_encoding, r->bk);
        ASSERT_EQ_INT(plan.bucket_key_is_pk_bytes, r->reuse);
        ASSERT_EQ_INT(plan.bucket_fn, r->fn);
        ASSERT_EQ_INT(plan.kv_format_version, r->version ? atoi(r->version) : 1);
        if (r->err) ASSERT_TRUE(err[0] != '\0');
        else ASSERT_STREQ(err, "");
    }
}

TEST(select_with_enum_inputs) {
    kfb_key_plan_t plan;
    ASSERT_OK(kfb_key_plan_select(KFB_LAKE_PAIMON, 2, false, &plan, NULL, 0));
    ASSERT_EQ_INT(plan.lake, KFB_LAKE_PAIMON);
    ASSERT_EQ_INT(plan.pk_encoding, C);
    ASSERT_EQ_INT(plan.bucket_encoding, P);
    ASSERT_ERR(kfb_key_plan_select((kfb_lake_format_t)42, 2, true, &plan, NULL, 0),
               KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_ERR(kfb_key_plan_select(KFB_LAKE_NONE, 1, true, NULL, NULL, 0), KFB_ERR_INVALID_ARG);
}

TEST(error_messages_say_what_and_what_to_do) {
    kfb_key_plan_t plan;
    char err[512];
    ASSERT_ERR(kfb_key_plan_from_props("hudi", "2", true, &plan, err, sizeof err),
               KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_CONTAINS(err, "'hudi'");
    ASSERT_CONTAINS(err, "HUDI-encoded bucket-key");
    ASSERT_CONTAINS(err, "Java client");
    ASSERT_ERR(kfb_key_plan_from_props(NULL, "7", true, &plan, err, sizeof err),
               KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_CONTAINS(err, "'table.kv.format-version' = 7");
    ASSERT_ERR(kfb_key_plan_from_props("delta", NULL, true, &plan, err, sizeof err),
               KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_CONTAINS(err, "'delta'");
    ASSERT_CONTAINS(err, "paimon, lance, iceberg or hudi");
    ASSERT_ERR(kfb_key_plan_from_props(NULL, "two", true, &plan, err, sizeof err), KFB_ERR_CONFIG);
    ASSERT_CONTAINS(err, "'two'");
    /* a tiny buffer is truncated, never overrun; NULL/0 is allowed */
    char small[8];
    memset(small, 'x', sizeof small);
    ASSERT_ERR(kfb_key_plan_from_props("hudi", "1", true, &plan, small, 5),
               KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_EQ_INT(strlen(small), 4);
    ASSERT_EQ_INT(small[5], 'x');
    ASSERT_ERR(kfb_key_plan_from_props("hudi", "1", true, &plan, NULL, 0),
               KFB_ERR_UNSUPPORTED_FORMAT);
}

TEST(lake_format_parse_like_java_convert_to_enum) {
    kfb_lake_format_t f;
    static const struct { const char *in; kfb_lake_format_t want; } ok[] = {
        {"paimon", KFB_LAKE_PAIMON}, {"PAIMON", KFB_LAKE_PAIMON}, {"pAiMoN", KFB_LAKE_PAIMON},
        {"lance", KFB_LAKE_LANCE},   {"iceberg", KFB_LAKE_ICEBERG}, {"Hudi", KFB_LAKE_HUDI},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ASSERT_OK(kfb_lake_format_parse(ok[i].in, &f, NULL, 0));
        ASSERT_EQ_INT(f, ok[i].want);
    }
    ASSERT_OK(kfb_lake_format_parse(NULL, &f, NULL, 0));
    ASSERT_EQ_INT(f, KFB_LAKE_NONE);
    /* Java neither trims nor accepts prefixes or the empty string */
    static const char *bad[] = {"", " paimon", "paimon ", "paimo", "paimonx", "none", "delta"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_ERR(kfb_lake_format_parse(bad[i], &f, NULL, 0), KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_STREQ(kfb_lake_format_name(KFB_LAKE_NONE), "none");
    ASSERT_STREQ(kfb_lake_format_name((kfb_lake_format_t)9), "unknown");
    ASSERT_STREQ(kfb_key_encoding_name(KFB_KEY_ENC_PAIMON), "PAIMON");
    ASSERT_STREQ(kfb_key_encoding_name((kfb_key_encoding_t)9), "unknown");
}

/* Audit: ConfigurationUtils.convertToEnum compares value.toUpperCase(Locale.ROOT) with the
 * enum's; String.toUpperCase maps U+0131 LATIN SMALL LETTER DOTLESS I (UTF-8 c4 b1) to 'I'
 * (Unicode UnicodeData.txt simple uppercase 0049), so Java reads "pa\u0131mon" as PAIMON.
 * No other character upper-cases into the letters of paimon/lance/iceberg/hudi (U+017F -> S,
 * U+FB01 -> FI, U+00DF -> SS have no match). U+0130 (capital I with dot) stays itself.
 * Checked with OpenJDK 17: every BMP char whose toUpperCase(Locale.ROOT) is ASCII is one of
 * U+00DF U+0131 U+017F U+FB00..U+FB06. */
TEST(lake_format_parse_java_uppercases_dotless_i) {
    kfb_lake_format_t f;
    ASSERT_OK(kfb_lake_format_parse("pa\xc4\xb1mon", &f, NULL, 0));
    ASSERT_EQ_INT(f, KFB_LAKE_PAIMON);
    ASSERT_OK(kfb_lake_format_parse("\xc4\xb1" "ceberg", &f, NULL, 0));
    ASSERT_EQ_INT(f, KFB_LAKE_ICEBERG);
    ASSERT_OK(kfb_lake_format_parse("HUD\xc4\xb1", &f, NULL, 0));
    ASSERT_EQ_INT(f, KFB_LAKE_HUDI);
    static const char *bad[] = {"pa\xc4\xb0mon", "pa\xc4mon", "pa\xc4", "pa\xb1mon",
                                "l\xc4\xb1nce", "paimon\xc4\xb1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_ERR(kfb_lake_format_parse(bad[i], &f, NULL, 0), KFB_ERR_UNSUPPORTED_FORMAT);
}

TEST(kv_format_version_parse_like_integer_parse_int) {
    int v;
    static const struct { const char *in; int want; } ok[] = {
        {"1", 1}, {"2", 2}, {"+2", 2}, {"02", 2}, {"-1", -1}, {"0", 0},
        {"2147483647", 2147483647}, {"-2147483648", -2147483647 - 1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ASSERT_OK(kfb_kv_format_version_parse(ok[i].in, &v, NULL, 0));
        ASSERT_EQ_INT(v, ok[i].want);
    }
    ASSERT_OK(kfb_kv_format_version_parse(NULL, &v, NULL, 0));
    ASSERT_EQ_INT(v, 1);
    static const char *bad[] = {"", "+", "-", " 2", "2 ", "2.0", "0x2", "two",
                                "2147483648", "-2147483649", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_ERR(kfb_kv_format_version_parse(bad[i], &v, NULL, 0), KFB_ERR_CONFIG);
}

TEST(plan_bucket_dispatch) {
    kfb_key_plan_t plan;
    /* BucketingFunctionTest vector 00 0a 0a 0a / 12: Fluss 0, Paimon 11 */
    ASSERT_OK(kfb_key_plan_from_props(NULL, NULL, true, &plan, NULL, 0));
    ASSERT_EQ_INT(kfb_key_plan_bucket(&plan, "\x00\x0a\x0a\x0a", 4, 12), 0);
    ASSERT_OK(kfb_key_plan_from_props("paimon", "2", true, &plan, NULL, 0));
    ASSERT_EQ_INT(kfb_key_plan_bucket(&plan, "\x00\x0a\x0a\x0a", 4, 12), 11);
    ASSERT_OK(kfb_key_plan_from_props("iceberg", "2", true, &plan, NULL, 0));
    ASSERT_EQ_INT(kfb_key_plan_bucket(&plan, "\x00\x0a\x0a\x0a", 4, 12), 4);
    kfb_key_plan_from_props("hudi", "2", true, &plan, NULL, 0);
    ASSERT_EQ_INT(kfb_key_plan_bucket(&plan, "\x00\x0a\x0a\x0a", 4, 12), KFB_BUCKET_INVALID);
}

TEST(iceberg_needs_single_key_columns) {
    kfb_key_plan_t plan;
    char err[512];
    /* v2, custom bucket key: PK compacted (any width), bucket key Iceberg */
    ASSERT_OK(kfb_key_plan_from_props("iceberg", "2", false, &plan, NULL, 0));
    ASSERT_OK(kfb_key_plan_check_columns(&plan, 3, 1, err, sizeof err));
    ASSERT_ERR(kfb_key_plan_check_columns(&plan, 3, 2, err, sizeof err), KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_CONTAINS(err, "2-column bucket key");
    /* v1: the PK itself is Iceberg-encoded */
    ASSERT_OK(kfb_key_plan_from_props("iceberg", "1", false, &plan, NULL, 0));
    ASSERT_ERR(kfb_key_plan_check_columns(&plan, 2, 1, err, sizeof err), KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_CONTAINS(err, "2-column primary key");
    ASSERT_OK(kfb_key_plan_check_columns(&plan, 1, 1, err, sizeof err));
    /* other formats have no column-count rule */
    ASSERT_OK(kfb_key_plan_from_props("paimon", "1", false, &plan, NULL, 0));
    ASSERT_OK(kfb_key_plan_check_columns(&plan, 7, 3, NULL, 0));
    ASSERT_ERR(kfb_key_plan_check_columns(&plan, 0, 1, NULL, 0), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_key_plan_check_columns(NULL, 1, 1, NULL, 0), KFB_ERR_INVALID_ARG);
}
