/* test_avro_binary.c - Avro binary readers, skip and UTF-8 validation.
 *
 * Golden datums: tests/golden/avro/cases.txt, written by Debian's python3-avro
 * 1.11.1 through tests/golden/avro/gen.py (an independent implementation).
 * Byte strings in avro_spec_examples are restated from the Avro 1.11.1
 * specification, "Binary Encoding" (the zigzag table and the "foo" example).
 * Bad-input cases are hand-derived from the same section. */
#include <errno.h>

#include "avro_binary.h"
#include "avro_schema.h"
#include "harness.h"

/* ---- golden file ------------------------------------------------------------ */

#define MAX_CASES 128
#define MAX_EXPECT 4

typedef struct golden_case {
    char name[64];
    char *schema;
    uint8_t *datum;
    size_t datum_len;
    int n_expect;
    char expect_kind[MAX_EXPECT][16];
    char expect_val[MAX_EXPECT][512];
} golden_case_t;

static golden_case_t cases[MAX_CASES];
static int n_cases;

static void load_golden(void) {
    if (n_cases) return;
    FILE *f = fopen("tests/golden/avro/cases.txt", "r");
    ASSERT_TRUE(f != NULL);
    static char line[65536];
    golden_case_t *c = NULL;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "case ", 5) == 0) {
            ASSERT_LT_INT(n_cases, MAX_CASES);
            c = &cases[n_cases++];
            snprintf(c->name, sizeof(c->name), "%.63s", line + 5);
        } else if (strncmp(line, "schema ", 7) == 0) {
            c->schema = strdup(line + 7);
        } else if (strncmp(line, "datum ", 6) == 0) {
            c->datum = kfb_test_unhex(line + 6, &c->datum_len);
        } else if (strncmp(line, "expect ", 7) == 0) {
            ASSERT_LT_INT(c->n_expect, MAX_EXPECT);
            char *sp = strchr(line + 7, ' ');
            ASSERT_TRUE(sp != NULL);
            *sp = '\0';
            snprintf(c->expect_kind[c->n_expect], 16, "%.15s", line + 7);
            snprintf(c->expect_val[c->n_expect], 512, "%.511s", sp + 1);
            c->n_expect++;
        }
    }
    fclose(f);
    ASSERT_GT_INT(n_cases, 50);
}

static void free_golden(void) {
    for (int i = 0; i < n_cases; i++) {
        free(cases[i].schema);
        free(cases[i].datum);
    }
    n_cases = 0;
}

static kfb_avro_schema_t *parse(const char *json) {
    char err[512];
    kfb_avro_schema_t *s = NULL;
    kfb_err_t e = kfb_avro_schema_parse(json, strlen(json), &s, err, sizeof(err));
    if (e) fprintf(stderr, "  schema %s: %s\n", json, err);
    ASSERT_OK(e);
    return s;
}

/* Big-endian two's complement -> int64 (decimal unscaled values in the golden set fit). */
static int64_t be_twos(const uint8_t *p, size_t n) {
    uint64_t v = (n && (p[0] & 0x80)) ? UINT64_MAX : 0;
    for (size_t i = 0; i < n; i++) v = (v << 8) | p[i];
    return (int64_t)v;
}

/* Reads one expected value of a primitive/logical schema node. */
static void check_expect(kfb_avro_cursor_t *c, const kfb_avro_node_t *n, const char *kind,
                         const char *val) {
    if (strcmp(kind, "int") == 0) {
        int32_t v;
        ASSERT_OK(kfb_avro_read_int(c, &v));
        ASSERT_EQ_INT(v, strtoll(val, NULL, 10));
    } else if (strcmp(kind, "long") == 0) {
        int64_t v;
        ASSERT_OK(kfb_avro_read_long(c, &v));
        ASSERT_EQ_INT(v, strtoll(val, NULL, 10));
    } else if (strcmp(kind, "boolean") == 0) {
        bool b;
        ASSERT_OK(kfb_avro_read_boolean(c, &b));
        ASSERT_EQ_INT(b, atoi(val));
    } else if (strcmp(kind, "float") == 0) {
        float f;
        ASSERT_OK(kfb_avro_read_float(c, &f));
        ASSERT_EQ_HEX(kfb_float_bits(f), strtoull(val, NULL, 16));
    } else if (strcmp(kind, "double") == 0) {
        double d;
        ASSERT_OK(kfb_avro_read_double(c, &d));
        ASSERT_EQ_HEX(kfb_double_bits(d), strtoull(val, NULL, 16));
    } else if (strcmp(kind, "bytes") == 0 || strcmp(kind, "string") == 0) {
        const uint8_t *p;
        size_t len;
        ASSERT_OK(kfb_avro_read_bytes(c, &p, &len));
        ASSERT_HEX(p, len, val);
        if (kind[0] == 's') ASSERT_EQ_INT(kfb_avro_utf8_check(p, len), len);
    } else if (strcmp(kind, "fixed") == 0) {
        const uint8_t *p;
        ASSERT_OK(kfb_avro_read_fixed(c, n->fixed_size, &p));
        ASSERT_HEX(p, n->fixed_size, val);
    } else if (strcmp(kind, "enum") == 0) {
        uint32_t i;
        ASSERT_OK(kfb_avro_read_enum(c, n->n_symbols, &i));
        ASSERT_EQ_INT(i, atoi(val));
    } else if (strcmp(kind, "decimal") == 0) {
        const uint8_t *p;
        size_t len = n->fixed_size;
        ASSERT_EQ_INT(n->logical, KFB_AVRO_LOGICAL_DECIMAL);
        if (n->type == KFB_AVRO_FIXED) ASSERT_OK(kfb_avro_read_fixed(c, len, &p));
        else ASSERT_OK(kfb_avro_read_bytes(c, &p, &len));
        ASSERT_EQ_INT(be_twos(p, len), strtoll(val, NULL, 10));
    } else {
        KFB_TEST_FAILF_("unknown expect kind %s", kind);
    }
}

/* The Debezium envelope, walked field by field as a transcoder would. */
static void check_debezium(const golden_case_t *gc, const kfb_avro_schema_t *s) {
    const kfb_avro_node_t *env = kfb_avro_schema_root(s);
    kfb_avro_cursor_t c;
    kfb_avro_cursor_init(&c, gc->datum, gc->datum_len);
    const kfb_avro_field_t *before = kfb_avro_record_field(env, "before");
    const kfb_avro_field_t *after = kfb_avro_record_field(env, "after");
    const kfb_avro_field_t *source = kfb_avro_record_field(env, "source");
    ASSERT_TRUE(before && after && source);
    ASSERT_OK(kfb_avro_skip(&c, before->type));
    uint32_t br;
    ASSERT_OK(kfb_avro_read_union_index(&c, after->type->n_branches, &br));
    const kfb_avro_node_t *value = after->type->branches[br];
    for (int e = 0; e < gc->n_expect; e++) {
        if (strcmp(gc->expect_kind[e], "after_id") != 0) continue;
        if (strcmp(gc->expect_val[e], "null") == 0) {
            ASSERT_EQ_INT(value->type, KFB_AVRO_NULL);
            ASSERT_EQ_INT(br, after->type->null_branch);
        } else {
            ASSERT_EQ_INT(value->type, KFB_AVRO_RECORD);
            ASSERT_STREQ(value->name, "dbserver1.inventory.customers.Value");
            int32_t id;
            ASSERT_OK(kfb_avro_read_int(&c, &id));
            ASSERT_EQ_INT(id, atoi(gc->expect_val[e]));
            for (size_t f = 1; f < value->n_fields; f++)
                ASSERT_OK(kfb_avro_skip(&c, value->fields[f].type));
        }
    }
    ASSERT_OK(kfb_avro_skip(&c, source->type));
    const char *op;
    size_t op_len;
    ASSERT_OK(kfb_avro_read_string(&c, &op, &op_len));
    for (int e = 0; e < gc->n_expect; e++)
        if (strcmp(gc->expect_kind[e], "op") == 0) ASSERT_MEMEQ(op, op_len, gc->expect_val[e], 1);
    for (size_t f = 4; f < env->n_fields; f++) ASSERT_OK(kfb_avro_skip(&c, env->fields[f].type));
    ASSERT_TRUE(c.p == c.end);
}

TEST(golden_datums_from_python_avro) {
    load_golden();
    int checked = 0, walked = 0;
    for (int i = 0; i < n_cases; i++) {
        golden_case_t *gc = &cases[i];
        kfb_avro_schema_t *s = parse(gc->schema);
        const kfb_avro_node_t *root = kfb_avro_schema_root(s);
        size_t off;
        kfb_err_t e = kfb_avro_validate_datum(gc->datum, gc->datum_len, root, &off);
        if (e) fprintf(stderr, "  case %s: %s at offset %zu\n", gc->name, kfb_err_name(e), off);
        ASSERT_OK(e);
        ASSERT_EQ_INT(off, gc->datum_len);
        if (strncmp(gc->name, "debezium_", 9) == 0) {
            check_debezium(gc, s);
            walked++;
        } else if (gc->n_expect) {
            kfb_avro_cursor_t c;
            kfb_avro_cursor_init(&c, gc->datum, gc->datum_len);
            const kfb_avro_node_t *n = root;
            for (int x = 0; x < gc->n_expect; x++) {
                if (strcmp(gc->expect_kind[x], "union") == 0) {
                    uint32_t b;
                    ASSERT_OK(kfb_avro_read_union_index(&c, n->n_branches, &b));
                    ASSERT_EQ_INT(b, atoi(gc->expect_val[x]));
                    n = n->branches[b];
                    if (x + 1 == gc->n_expect) ASSERT_OK(kfb_avro_skip(&c, n));
                } else {
                    check_expect(&c, n, gc->expect_kind[x], gc->expect_val[x]);
                }
            }
            if (c.p != c.end) fprintf(stderr, "  case %s\n", gc->name);
            ASSERT_TRUE(c.p == c.end);
            checked++;
        }
        kfb_avro_schema_destroy(s);
    }
    ASSERT_GT_INT(checked, 40);
    ASSERT_EQ_INT(walked, 3);
    free_golden();
}

TEST(golden_datums_truncated_at_every_byte) {
    load_golden();
    long tried = 0;
    for (int i = 0; i < n_cases; i++) {
        golden_case_t *gc = &cases[i];
        kfb_avro_schema_t *s = parse(gc->schema);
        for (size_t k = 0; k < gc->datum_len; k++) {
            /* exact-size copy so ASan sees any read past the end */
            uint8_t *cut = malloc(k ? k : 1);
            memcpy(cut, gc->datum, k);
            kfb_err_t e = kfb_avro_validate_datum(cut, k, kfb_avro_schema_root(s), NULL);
            free(cut);
            if (e != KFB_ERR_TRUNCATED && e != KFB_ERR_BAD_LENGTH && e != KFB_ERR_AVRO_BLOCK_COUNT)
                KFB_TEST_FAILF_("case %s cut at %zu: got %s", gc->name, k, kfb_err_name(e));
            tried++;
        }
        kfb_avro_schema_destroy(s);
    }
    ASSERT_GT_INT(tried, 1000);
    free_golden();
}

/* ---- spec examples ------------------------------------------------------------ */

static kfb_err_t read_long_hex(const char *hex, int64_t *v, size_t *used) {
    size_t n;
    uint8_t *b = kfb_test_unhex(hex, &n);
    kfb_avro_cursor_t c;
    kfb_avro_cursor_init(&c, b, n);
    kfb_err_t e = kfb_avro_read_long(&c, v);
    *used = (size_t)(c.p - b);
    free(b);
    return e;
}

static kfb_err_t read_int_hex(const char *hex, int32_t *v, size_t *used) {
    size_t n;
    uint8_t *b = kfb_test_unhex(hex, &n);
    kfb_avro_cursor_t c;
    kfb_avro_cursor_init(&c, b, n);
    kfb_err_t e = kfb_avro_read_int(&c, v);
    *used = (size_t)(c.p - b);
    free(b);
    return e;
}

TEST(avro_spec_examples) {
    /* Avro spec "Binary Encoding": value -> hex, for int and long alike */
    static const struct { const char *hex; int64_t v; } zz[] = {
        {"00", 0}, {"01", -1}, {"02", 1}, {"03", -2}, {"04", 2}, {"7f", -64}, {"80 01", 64},
    };
    for (size_t i = 0; i < sizeof(zz) / sizeof(zz[0]); i++) {
        int64_t l;
        int32_t v;
        size_t used;
        ASSERT_OK(read_long_hex(zz[i].hex, &l, &used));
        ASSERT_EQ_INT(l, zz[i].v);
        ASSERT_OK(read_int_hex(zz[i].hex, &v, &used));
        ASSERT_EQ_INT(v, zz[i].v);
    }
    /* string "foo": 06 66 6f 6f */
    uint8_t foo[] = {0x06, 0x66, 0x6f, 0x6f};
    kfb_avro_cursor_t c;
    kfb_avro_cursor_init(&c, foo, sizeof(foo));
    const char *s;
    size_t n;
    ASSERT_OK(kfb_avro_read_string(&c, &s, &n));
    ASSERT_MEMEQ(s, n, "foo", 3);
    ASSERT_EQ_INT(kfb_avro_remaining(&c), 0);
}

TEST(varint_width_limits) {
    int64_t l;
    int32_t v;
    size_t used;
    /* largest magnitudes: zigzag(INT32_MIN) = 0xffffffff, zigzag(INT64_MIN) = 2^64-1 */
    ASSERT_OK(read_int_hex("ff ff ff ff 0f", &v, &used));
    ASSERT_EQ_INT(v, INT32_MIN);
    ASSERT_EQ_INT(used, 5);
    ASSERT_OK(read_int_hex("fe ff ff ff 0f", &v, &used));
    ASSERT_EQ_INT(v, INT32_MAX);
    ASSERT_OK(read_long_hex("ff ff ff ff ff ff ff ff ff 01", &l, &used));
    ASSERT_EQ_INT(l, INT64_MIN);
    ASSERT_EQ_INT(used, 10);
    /* non-minimal but in range: accepted like the Java decoder */
    ASSERT_OK(read_int_hex("82 00", &v, &used));
    ASSERT_EQ_INT(v, 1);
    /* overlong: 6-byte int, 5th byte with bits past 32, 11-byte long, 10th byte > 1 */
    ASSERT_ERR(read_int_hex("80 80 80 80 80 00", &v, &used), KFB_ERR_VARINT_OVERLONG);
    ASSERT_ERR(read_int_hex("ff ff ff ff 1f", &v, &used), KFB_ERR_VARINT_OVERLONG);
    ASSERT_ERR(read_int_hex("80 80 80 80 10", &v, &used), KFB_ERR_VARINT_OVERLONG);
    ASSERT_ERR(read_long_hex("80 80 80 80 80 80 80 80 80 80 00", &l, &used),
               KFB_ERR_VARINT_OVERLONG);
    ASSERT_ERR(read_long_hex("ff ff ff ff ff ff ff ff ff 02", &l, &used),
               KFB_ERR_VARINT_OVERLONG);
    /* truncated: continuation bit on the last byte, and empty input */
    ASSERT_ERR(read_int_hex("80 80", &v, &used), KFB_ERR_TRUNCATED);
    ASSERT_ERR(read_long_hex("", &l, &used), KFB_ERR_TRUNCATED);
    ASSERT_ERR(read_long_hex("ff ff ff", &l, &used), KFB_ERR_TRUNCATED);
}

/* ---- bad input by schema -------------------------------------------------------- */

static kfb_err_t validate(const char *schema, const char *hex) {
    kfb_avro_schema_t *s = parse(schema);
    size_t n;
    uint8_t *b = kfb_test_unhex(hex, &n);
    kfb_err_t e = kfb_avro_validate_datum(b, n, kfb_avro_schema_root(s), NULL);
    free(b);
    kfb_avro_schema_destroy(s);
    return e;
}

TEST(union_index_checked) {
    ASSERT_OK(validate("[\"null\",\"string\"]", "00"));
    ASSERT_OK(validate("[\"null\",\"string\"]", "02 02 61"));
    ASSERT_ERR(validate("[\"null\",\"string\"]", "04"), KFB_ERR_AVRO_UNION_INDEX);
    ASSERT_ERR(validate("[\"null\",\"string\"]", "01"), KFB_ERR_AVRO_UNION_INDEX); /* -1 */
    ASSERT_ERR(validate("[\"string\",\"null\"]", "ff ff ff ff 0f"), KFB_ERR_AVRO_UNION_INDEX);
    ASSERT_ERR(validate("[\"null\",\"string\"]", ""), KFB_ERR_TRUNCATED);
}

TEST(lengths_checked) {
    ASSERT_ERR(validate("\"bytes\"", "01"), KFB_ERR_BAD_LENGTH);          /* -1 */
    ASSERT_ERR(validate("\"string\"", "03 61"), KFB_ERR_BAD_LENGTH);      /* -2 */
    ASSERT_ERR(validate("\"string\"", "0a 61 62"), KFB_ERR_BAD_LENGTH);   /* 5 > 2 */
    ASSERT_ERR(validate("\"string\"", "fe ff ff ff ff ff ff ff ff 01 00"), KFB_ERR_BAD_LENGTH);
    ASSERT_ERR(validate("{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}", "01 02"),
               KFB_ERR_TRUNCATED);
    ASSERT_ERR(validate("\"double\"", "00 00 00 00 00 00 f0"), KFB_ERR_TRUNCATED);
    ASSERT_ERR(validate("\"float\"", "00 00 80"), KFB_ERR_TRUNCATED);
    ASSERT_ERR(validate("\"long\"", "02 00"), KFB_ERR_TRAILING_BYTES);
}

TEST(boolean_and_enum_checked) {
    ASSERT_OK(validate("\"boolean\"", "01"));
    ASSERT_ERR(validate("\"boolean\"", "02"), KFB_ERR_AVRO_BAD_BOOLEAN);
    ASSERT_ERR(validate("\"boolean\"", "ff"), KFB_ERR_AVRO_BAD_BOOLEAN);
    const char *e = "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}";
    ASSERT_OK(validate(e, "02"));
    ASSERT_ERR(validate(e, "04"), KFB_ERR_AVRO_ENUM_INDEX);
    ASSERT_ERR(validate(e, "01"), KFB_ERR_AVRO_ENUM_INDEX);
}

TEST(block_counts_never_trusted) {
    const char *al = "{\"type\":\"array\",\"items\":\"long\"}";
    const char *an = "{\"type\":\"array\",\"items\":\"null\"}";
    const char *ms = "{\"type\":\"map\",\"values\":\"string\"}";
    const char *ad = "{\"type\":\"array\",\"items\":\"double\"}";
    ASSERT_OK(validate(al, "04 02 04 00"));
    /* 2^40 items of >= 1 byte in a 3-byte input */
    ASSERT_ERR(validate(al, "80 80 80 80 80 40 02 00"), KFB_ERR_AVRO_BLOCK_COUNT);
    /* 2 doubles need 16 bytes, 8 given */
    ASSERT_ERR(validate(ad, "04 00 00 00 00 00 00 00 00 00"), KFB_ERR_AVRO_BLOCK_COUNT);
    /* nulls take no bytes: bounded by the per-block cap instead */
    ASSERT_OK(validate(an, "0a 00"));
    ASSERT_ERR(validate(an, "80 80 80 02 00"), KFB_ERR_AVRO_BLOCK_COUNT); /* 2^21 */
    /* negative count: -1 item, byte size 2, then the item */
    ASSERT_OK(validate(ms, "01 06 02 6b 00 00"));
    ASSERT_ERR(validate(ms, "01 01 02 6b 00 00"), KFB_ERR_BAD_LENGTH);  /* size -1 */
    ASSERT_ERR(validate(ms, "01 7e 02 6b 00 00"), KFB_ERR_BAD_LENGTH);  /* size 63 > 4 left */
    ASSERT_ERR(validate(ms, "03 04 02 6b 00 00"), KFB_ERR_AVRO_BLOCK_COUNT); /* 2 entries in 2 bytes */
    /* count INT64_MIN (zigzag 2^64-1) */
    ASSERT_ERR(validate(ms, "ff ff ff ff ff ff ff ff ff 01 00"), KFB_ERR_AVRO_BLOCK_COUNT);
    /* a map key with a bad length */
    ASSERT_ERR(validate(ms, "02 09 00"), KFB_ERR_BAD_LENGTH);
    /* missing end-of-value block */
    ASSERT_ERR(validate(al, "02 02"), KFB_ERR_TRUNCATED);
}

TEST(zero_size_types_skip_without_reading) {
    /* records of nulls nested by reference: 2^40 leaves, zero bytes */
    static char json[8192], tmp[8192];
    int n = snprintf(json, sizeof(json),
                     "{\"type\":\"record\",\"name\":\"R0\",\"fields\":[{\"name\":\"a\",\"type\":\"null\"}]}");
    for (int i = 1; i <= 40; i++) {
        snprintf(tmp, sizeof(tmp),
                 "{\"type\":\"record\",\"name\":\"R%d\",\"fields\":[{\"name\":\"a\",\"type\":%.7000s},"
                 "{\"name\":\"b\",\"type\":\"R%d\"}]}",
                 i, json, i - 1);
        n = snprintf(json, sizeof(json), "%.8000s", tmp);
        ASSERT_LT_INT(n, (int)sizeof(json));
    }
    kfb_avro_schema_t *s = parse(json);
    ASSERT_EQ_INT(kfb_avro_schema_root(s)->min_size, 0);
    ASSERT_OK(kfb_avro_validate_datum((const uint8_t *)"", 0, kfb_avro_schema_root(s), NULL));
    kfb_avro_schema_destroy(s);
}

/* ---- UTF-8 ------------------------------------------------------------------------ */

static size_t utf8_hex(const char *hex) {
    size_t n;
    uint8_t *b = kfb_test_unhex(hex, &n);
    size_t r = kfb_avro_utf8_check(b, n);
    free(b);
    return r;
}

TEST(utf8_validation) {
    /* valid, hand-derived from RFC 3629 section 4 */
    ASSERT_EQ_INT(utf8_hex(""), 0);
    ASSERT_EQ_INT(utf8_hex("66 6f 6f"), 3);
    ASSERT_EQ_INT(utf8_hex("c2 80"), 2);                   /* U+0080 */
    ASSERT_EQ_INT(utf8_hex("e2 82 ac"), 3);                /* U+20AC euro */
    ASSERT_EQ_INT(utf8_hex("ef bf bf"), 3);                /* U+FFFF */
    ASSERT_EQ_INT(utf8_hex("f0 9f 98 80"), 4);             /* U+1F600 */
    ASSERT_EQ_INT(utf8_hex("f4 8f bf bf"), 4);             /* U+10FFFF */
    ASSERT_EQ_INT(utf8_hex("ed 9f bf"), 3);                /* U+D7FF */
    ASSERT_EQ_INT(utf8_hex("61 62 63 64 65 66 67 68 69 6a c3 a9"), 12);
    /* invalid: offset of the first bad sequence */
    ASSERT_EQ_INT(utf8_hex("80"), 0);                      /* lone continuation */
    ASSERT_EQ_INT(utf8_hex("61 c0 80"), 1);                /* overlong NUL */
    ASSERT_EQ_INT(utf8_hex("c1 bf"), 0);                   /* overlong */
    ASSERT_EQ_INT(utf8_hex("e0 9f bf"), 0);                /* overlong 3-byte */
    ASSERT_EQ_INT(utf8_hex("61 62 ed a0 80"), 2);          /* surrogate U+D800 */
    ASSERT_EQ_INT(utf8_hex("f0 8f bf bf"), 0);             /* overlong 4-byte */
    ASSERT_EQ_INT(utf8_hex("f4 90 80 80"), 0);             /* U+110000 */
    ASSERT_EQ_INT(utf8_hex("f5 80 80 80"), 0);
    ASSERT_EQ_INT(utf8_hex("ff"), 0);
    ASSERT_EQ_INT(utf8_hex("61 e2 82"), 1);                /* truncated sequence */
    ASSERT_EQ_INT(utf8_hex("e2 28 a1"), 0);                /* bad continuation */
    ASSERT_EQ_INT(utf8_hex("61 62 63 64 65 66 67 68 69 ff"), 9);
}

TEST(strings_are_not_utf8_checked_by_readers) {
    /* policy belongs to the mapper: the reader hands the bytes over */
    uint8_t b[] = {0x04, 0xc0, 0x80};
    kfb_avro_cursor_t c;
    kfb_avro_cursor_init(&c, b, sizeof(b));
    const char *s;
    size_t n;
    ASSERT_OK(kfb_avro_read_string(&c, &s, &n));
    ASSERT_EQ_INT(n, 2);
    ASSERT_EQ_INT(kfb_avro_utf8_check((const uint8_t *)s, n), 0);
}
