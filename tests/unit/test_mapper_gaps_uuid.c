/* test_mapper_gaps_uuid.c - Avro uuid on fixed(16) (Avro 1.12) into STRING/CHAR columns and
 * keys: the 16 bytes rendered as Java's UUID.toString (lowercase hex, 8-4-4-4-12), which is
 * what Avro's Conversions.UUIDConversion.fromFixed gives (the bytes read as two big-endian
 * longs, new UUID(msb, lsb)).
 *
 * Avro bodies are written by hand (Avro 1.11.1/1.12 binary encoding: int 1 -> 02, a fixed
 * is its bytes with no length, union = zigzag branch index + value). The expected texts are
 * written out by hand from the bytes; the expected rows follow fluss-protocol.md §6.2
 * (bitmap, INT varint, STRING/CHAR as varint length 0x24 = 36 + the text's bytes) and keys
 * §7.3 (CompactedKeyEncoder: the same STRING encoding). Buckets: 16 buckets,
 * tests/golden/mapper/fluss_bucket.py on the key bytes (an independent restatement of §7.4).
 */
#include <unistd.h>

#include "explain.h"
#include "harness.h"
#include "explain_run.h"
#include "mapper.h"

/* 2b b8 7d 68 ba f9 4e 64 90 f9 f8 09 10 41 9f a6 (the uuid of the golden all_1 message) */
#define U1_HEX "2b b8 7d 68 ba f9 4e 64 90 f9 f8 09 10 41 9f a6"
#define U1_TEXT "2bb87d68-baf9-4e64-90f9-f80910419fa6"
#define U2_HEX "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"
#define U2_TEXT "00010203-0405-0607-0809-0a0b0c0d0e0f"
#define U3_HEX "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff"
#define U3_TEXT "ffffffff-ffff-ffff-ffff-ffffffffffff"
#define U4_HEX "80 00 00 00 00 00 00 00 7f ff ff ff ff ff ff ff"
#define U4_TEXT "80000000-0000-0000-7fff-ffffffffffff"

/* (id INT PK, u STRING, nu STRING, c CHAR(36)) */
static const char *TABLE =
    "{\"version\":1,\"schema\":{\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
    "{\"name\":\"u\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"nu\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"c\",\"data_type\":{\"type\":\"CHAR\",\"length\":36}}],"
    "\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_count\":16,\"properties\":{}}";

static const char *SCHEMA =
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"u\",\"type\":{\"type\":\"fixed\",\"name\":\"U\",\"size\":16,"
    "\"logicalType\":\"uuid\"}},"
    "{\"name\":\"nu\",\"type\":[\"null\",\"U\"]},{\"name\":\"c\",\"type\":\"U\"}]}";

/* uuid primary key: (k STRING PK, n INT) */
static const char *KEY_TABLE =
    "{\"version\":1,\"schema\":{\"columns\":["
    "{\"name\":\"k\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},"
    "{\"name\":\"n\",\"data_type\":{\"type\":\"INTEGER\"}}],"
    "\"primary_key\":[\"k\"]},\"partition_key\":[],\"bucket_count\":16,\"properties\":{}}";

static const char *KEY_VALUE_SCHEMA =
    "{\"type\":\"record\",\"name\":\"V\",\"fields\":[{\"name\":\"k\",\"type\":{\"type\":"
    "\"fixed\",\"name\":\"U\",\"size\":16,\"logicalType\":\"uuid\"}},"
    "{\"name\":\"n\",\"type\":\"int\"}]}";
static const char *KEY_KEY_SCHEMA =
    "{\"type\":\"fixed\",\"name\":\"K\",\"size\":16,\"logicalType\":\"uuid\"}";

typedef struct fx {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    kfb_buf_t row, want;
    char err[1024];
    kfb_mapper_result_t res;
    uint8_t *k, *v;
} fx_t;

static void setup(fx_t *f, const char *table, int fused) {
    memset(f, 0, sizeof(*f));
    f->td = kfb_table_desc_parse(table, strlen(table), f->err, sizeof(f->err));
    if (!f->td) fprintf(stderr, "%s\n", f->err);
    ASSERT_TRUE(f->td != NULL);
    f->src = kfb_schema_source_memory_new();
    ASSERT_TRUE(f->src != NULL);
    ASSERT_OK(kfb_schema_source_add(f->src, 3, SCHEMA, strlen(SCHEMA), f->err, sizeof(f->err)));
    ASSERT_OK(kfb_schema_source_add(f->src, 4, KEY_VALUE_SCHEMA, strlen(KEY_VALUE_SCHEMA), f->err,
                                    sizeof(f->err)));
    ASSERT_OK(kfb_schema_source_add(f->src, 5, KEY_KEY_SCHEMA, strlen(KEY_KEY_SCHEMA), f->err,
                                    sizeof(f->err)));
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "u";
    f->m = kfb_mapper_new(f->td, f->src, &cfg, f->err, sizeof(f->err));
    if (!f->m) fprintf(stderr, "%s\n", f->err);
    ASSERT_TRUE(f->m != NULL);
    kfb_mapper_set_fused_for_testing(f->m, fused);
}

static void teardown(fx_t *f) {
    kfb_mapper_destroy(f->m);
    kfb_schema_source_destroy(f->src);
    kfb_table_desc_destroy(f->td);
    kfb_buf_free(&f->row);
    kfb_buf_free(&f->want);
    free(f->k);
    free(f->v);
}

static kfb_err_t map_hex(fx_t *f, const char *key_hex, const char *value_hex) {
    size_t kl = 0, vl = 0;
    free(f->k);
    free(f->v);
    f->k = key_hex ? kfb_test_unhex(key_hex, &kl) : NULL;
    f->v = value_hex ? kfb_test_unhex(value_hex, &vl) : NULL;
    kfb_origin_t o = {"u", 0, 9};
    f->err[0] = '\0';
    kfb_err_t e = kfb_mapper_map(f->m, f->k, kl, f->v, vl, &o, &f->res, f->err, sizeof(f->err));
    return e;
}

static void want_reset(fx_t *f, const char *hex) {
    size_t n;
    uint8_t *b = kfb_test_unhex(hex, &n);
    kfb_buf_reset(&f->want);
    ASSERT_OK(kfb_buf_append(&f->want, b, n));
    free(b);
}

/* appends the STRING encoding of a text: varint length (36 < 128: one byte) + bytes */
static void want_text(fx_t *f, const char *text) {
    ASSERT_EQ_INT(strlen(text), 36);
    ASSERT_OK(kfb_buf_append_byte(&f->want, 0x24));
    ASSERT_OK(kfb_buf_append(&f->want, text, 36));
}

static void check_row(fx_t *f) {
    kfb_buf_reset(&f->row);
    kfb_err_t e = kfb_mapper_write_value(f->m, &f->res, 0, &f->row, f->err, sizeof(f->err));
    if (e) fprintf(stderr, "%s\n", f->err);
    ASSERT_OK(e);
    ASSERT_MEMEQ(f->row.data, f->row.len, f->want.data, f->want.len);
}

static void value_columns(int fused) {
    fx_t f;
    setup(&f, TABLE, fused);
    for (int round = 0; round < 3; round++) { /* the fused path takes the later rounds */
        /* {id 1, u U1, nu U2, c U3} */
        ASSERT_OK(map_hex(&f, NULL, "00 00000003 | 02 |" U1_HEX "| 02 " U2_HEX "|" U3_HEX));
        ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "01");
        want_reset(&f, "00 | 01");
        want_text(&f, U1_TEXT);
        want_text(&f, U2_TEXT);
        want_text(&f, U3_TEXT);
        check_row(&f);
        /* {id 1, u U4, nu null, c U1}: bit 2 of the bitmap */
        ASSERT_OK(map_hex(&f, NULL, "00 00000003 | 02 |" U4_HEX "| 00 |" U1_HEX));
        want_reset(&f, "04 | 01");
        want_text(&f, U4_TEXT);
        want_text(&f, U1_TEXT);
        check_row(&f);
    }
    if (fused) ASSERT_GT_INT(kfb_mapper_fused_count_for_testing(f.m), 0);
    else ASSERT_EQ_U64(kfb_mapper_fused_count_for_testing(f.m), 0);
    /* the plan description names the conversion */
    ASSERT_CONTAINS(kfb_mapper_describe(f.m, 3), "column u STRING <- R.u (uuid)");
    /* a body cut inside a fixed is truncated, not garbage */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000003 | 02 | 2b b8 7d 68 ba f9 4e 64 90 f9 f8 09 10 41 9f"),
               KFB_ERR_TRUNCATED);
    ASSERT_CONTAINS(f.err, "field R.u");
    teardown(&f);
}

TEST(uuid_fixed_into_string_and_char_general_path) { value_columns(0); }
TEST(uuid_fixed_into_string_and_char_fused_path) { value_columns(1); }

TEST(uuid_fixed_as_primary_key_from_value_and_from_kafka_key) {
    for (int fused = 0; fused < 2; fused++) {
        fx_t f;
        setup(&f, KEY_TABLE, fused);
        for (int round = 0; round < 2; round++) {
            /* {k U1, n 1} */
            ASSERT_OK(map_hex(&f, NULL, "00 00000004 |" U1_HEX "| 02"));
            want_reset(&f, "");
            want_text(&f, U1_TEXT);
            ASSERT_MEMEQ(f.res.out[0].key, f.res.out[0].key_len, f.want.data, f.want.len);
            ASSERT_EQ_INT(f.res.out[0].bucket, 8); /* fluss_bucket.py 2432...6136 16 */
            want_reset(&f, "00");
            want_text(&f, U1_TEXT);
            ASSERT_OK(kfb_buf_append_byte(&f.want, 0x01));
            check_row(&f);
            /* {k U2, n 1} */
            ASSERT_OK(map_hex(&f, NULL, "00 00000004 |" U2_HEX "| 02"));
            want_reset(&f, "");
            want_text(&f, U2_TEXT);
            ASSERT_MEMEQ(f.res.out[0].key, f.res.out[0].key_len, f.want.data, f.want.len);
            ASSERT_EQ_INT(f.res.out[0].bucket, 4); /* fluss_bucket.py 2430...6630 16 */
        }
        /* a tombstone whose Avro key is a uuid fixed: the same key bytes */
        ASSERT_OK(map_hex(&f, "00 00000005 |" U1_HEX, NULL));
        ASSERT_EQ_INT(f.res.out[0].op, KFB_OP_DELETE);
        want_reset(&f, "");
        want_text(&f, U1_TEXT);
        ASSERT_MEMEQ(f.res.out[0].key, f.res.out[0].key_len, f.want.data, f.want.len);
        ASSERT_EQ_INT(f.res.out[0].bucket, 8);
        teardown(&f);
    }
}

/* Runs `explain` with a table and a schema file; returns its stdout (caller frees). */
static char *run_explain(const char *table, const char *schema, const char *msg_hex, int *rc) {
    char dir[] = "/tmp/kfb_uuid_XXXXXX";
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    char tpath[64], spath[64];
    snprintf(tpath, sizeof(tpath), "%s/t.json", dir);
    snprintf(spath, sizeof(spath), "%s/s.avsc", dir);
    FILE *fp = fopen(tpath, "w");
    ASSERT_TRUE(fp != NULL);
    fputs(table, fp);
    fclose(fp);
    fp = fopen(spath, "w");
    ASSERT_TRUE(fp != NULL);
    fputs(schema, fp);
    fclose(fp);
    char *argv[] = {"explain", "--table", tpath, "--avro-schema", spath, (char *)msg_hex, NULL};
    char *text = kfb_test_run_explain(6, argv, rc);
    unlink(tpath);
    unlink(spath);
    rmdir(dir);
    return text;
}

TEST(explain_row_shows_the_uuid_text) {
    int rc;
    /* {id 1, u U1, nu null, c U4} */
    char *out = run_explain(TABLE, SCHEMA,
                      "0000000003022bb87d68baf94e6490f9f80910419fa600"
                      "80000000000000007fffffffffffffff",
                      &rc);
    ASSERT_EQ_INT(rc, 0);
    ASSERT_CONTAINS(out, "\"row\":{\"id\": 1, \"u\": \"" U1_TEXT "\", \"nu\": null, \"c\": \"" U4_TEXT
                         "\"}");
    free(out);
    /* ARRAY<STRING> of uuid fixed: every element rendered */
    static const char *AT =
        "{\"version\":1,\"schema\":{\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
        "{\"name\":\"us\",\"data_type\":{\"type\":\"ARRAY\",\"element_type\":{\"type\":"
        "\"STRING\"}}}],\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_count\":16,"
        "\"properties\":{}}";
    static const char *AS =
        "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
        "{\"name\":\"us\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"fixed\","
        "\"name\":\"U\",\"size\":16,\"logicalType\":\"uuid\"}}}]}";
    /* {id 1, us [U2, U3]}: one block of 2 items (zigzag 04), then the 0 block */
    out = run_explain(AT, AS,
                      "000000000102" "04" "000102030405060708090a0b0c0d0e0f"
                      "ffffffffffffffffffffffffffffffff" "00",
                      &rc);
    if (rc) fprintf(stderr, "%s\n", out);
    ASSERT_EQ_INT(rc, 0);
    /* row_json shows arrays as their bytes, so check the value row (§6.2, §6.4 by hand):
     * bitmap 00, id 01, ARRAY = varint length 0x68 (104) + BinaryArray: count 2, one 4-byte
     * null word, two 8-byte slots (LE size 36 | LE offset: 24, then 64), then each text
     * padded to 8 bytes (36 + 4 zero bytes) */
    char want[512];
    int n = snprintf(want, sizeof(want),
                     "\"value\":\"0001" "68" "02000000" "00000000" "2400000018000000"
                     "2400000040000000");
    for (const char *t = U2_TEXT; *t; t++) n += snprintf(want + n, sizeof(want) - (size_t)n, "%02x", *t);
    n += snprintf(want + n, sizeof(want) - (size_t)n, "00000000");
    for (const char *t = U3_TEXT; *t; t++) n += snprintf(want + n, sizeof(want) - (size_t)n, "%02x", *t);
    snprintf(want + n, sizeof(want) - (size_t)n, "00000000\"");
    ASSERT_CONTAINS(out, want);
    free(out);
}
