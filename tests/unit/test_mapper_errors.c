/* test_mapper_errors.c - plan errors, per-record errors and the configurable mapping rules.
 *
 * Avro bodies here are written by hand from the Avro 1.11.1 binary encoding rules (zigzag
 * varints: 0 -> 00, 1 -> 02, -1 -> 01, 2 -> 04; strings = zigzag length + bytes; union =
 * zigzag branch index + value); expected Fluss bytes by hand from fluss-protocol.md §6.2 and
 * §7.3; partition names from the §12 rules and PartitionUtilsTest vectors restated there.
 */
#include "harness.h"
#include "mapper.h"

typedef struct fx {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    kfb_buf_t row;
    char err[1024];
    kfb_mapper_result_t res;
    uint8_t *k, *v; /* the last message: slots point into it until the row is written */
} fx_t;

/* Table (id INT PK, name STRING NOT NULL, qty BIGINT) unless `table` is given. */
static const char *ITEMS =
    "{\"version\":1,\"schema\":{\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},"
    "{\"name\":\"qty\",\"data_type\":{\"type\":\"BIGINT\"}}],\"primary_key\":[\"id\"]},"
    "\"partition_key\":[],\"bucket_count\":4,\"properties\":{%s}}";

static const char *ITEM_SCHEMA =
    "{\"type\":\"record\",\"name\":\"Item\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":[\"null\",\"long\"]}]}";

static kfb_table_desc_t *table(const char *json, const char *props) {
    char buf[4096], err[512];
    snprintf(buf, sizeof(buf), json, props ? props : "");
    kfb_table_desc_t *td = kfb_table_desc_parse(buf, strlen(buf), err, sizeof(err));
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    return td;
}

static void add_schema(fx_t *f, int id, const char *json) {
    ASSERT_OK(kfb_schema_source_add(f->src, id, json, strlen(json), f->err, sizeof(f->err)));
}

/* Returns NULL when the mapper refuses the table (f->err says why). */
static kfb_mapper_t *setup_cfg(fx_t *f, const char *tjson, const char *props,
                               const kfb_mapper_config_t *cfg_in) {
    memset(f, 0, sizeof(*f));
    f->td = table(tjson, props);
    f->src = kfb_schema_source_memory_new();
    ASSERT_TRUE(f->src != NULL);
    kfb_mapper_config_t cfg;
    if (cfg_in) cfg = *cfg_in;
    else kfb_mapper_config_init(&cfg);
    cfg.topic = "t";
    f->m = kfb_mapper_new(f->td, f->src, &cfg, f->err, sizeof(f->err));
    return f->m;
}

static void setup(fx_t *f) {
    ASSERT_TRUE(setup_cfg(f, ITEMS, NULL, NULL) != NULL);
    add_schema(f, 7, ITEM_SCHEMA);
}

static void teardown(fx_t *f) {
    kfb_mapper_destroy(f->m);
    kfb_schema_source_destroy(f->src);
    kfb_table_desc_destroy(f->td);
    kfb_buf_free(&f->row);
    free(f->k);
    free(f->v);
}

static kfb_err_t map_hex(fx_t *f, const char *key_hex, const char *value_hex) {
    size_t kl = 0, vl = 0;
    free(f->k);
    free(f->v);
    f->k = key_hex ? kfb_test_unhex(key_hex, &kl) : NULL;
    f->v = value_hex ? kfb_test_unhex(value_hex, &vl) : NULL;
    kfb_origin_t o = {"orders", 3, 1234};
    f->err[0] = '\0';
    return kfb_mapper_map(f->m, f->k, kl, f->v, vl, &o, &f->res, f->err, sizeof(f->err));
}

static kfb_err_t value_of(fx_t *f, size_t i) {
    kfb_buf_reset(&f->row);
    return kfb_mapper_write_value(f->m, &f->res, i, &f->row, f->err, sizeof(f->err));
}

/* Item{id 1, name "a", qty 5} under schema 7 */
#define ITEM_1 "00 00000007 | 02 | 02 61 | 02 0a"

TEST(happy_path_baseline) {
    fx_t f;
    setup(&f);
    ASSERT_OK(map_hex(&f, NULL, ITEM_1));
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "01");
    ASSERT_OK(value_of(&f, 0));
    ASSERT_HEX(f.row.data, f.row.len, "00 01 01 61 05");
    teardown(&f);
}

TEST(truncated_at_every_byte_is_a_record_error) {
    fx_t f;
    setup(&f);
    size_t n;
    uint8_t *full = kfb_test_unhex(ITEM_1, &n);
    for (size_t cut = 0; cut < n; cut++) {
        kfb_origin_t o = {"orders", 3, 1234};
        kfb_err_t e = kfb_mapper_map(f.m, NULL, 0, full, cut, &o, &f.res, f.err, sizeof(f.err));
        if (e == KFB_ERR_OK) fprintf(stderr, "cut %zu accepted\n", cut);
        ASSERT_TRUE(e != KFB_ERR_OK);
        ASSERT_EQ_INT(kfb_err_class(e), KFB_ERRCLASS_RECORD);
        ASSERT_CONTAINS(f.err, "orders");
    }
    /* the error names topic, partition, offset and the field */
    kfb_origin_t o = {"orders", 3, 1234};
    ASSERT_ERR(kfb_mapper_map(f.m, NULL, 0, full, n - 1, &o, &f.res, f.err, sizeof(f.err)),
               KFB_ERR_TRUNCATED);
    ASSERT_CONTAINS(f.err, "1234");
    ASSERT_CONTAINS(f.err, "field Item.qty");
    free(full);
    teardown(&f);
}

TEST(framing_and_schema_errors) {
    fx_t f;
    setup(&f);
    ASSERT_ERR(map_hex(&f, NULL, "01 00000007 02 02 61 00"), KFB_ERR_NOT_CONFLUENT_FRAMED);
    ASSERT_ERR(map_hex(&f, NULL, "00 0000"), KFB_ERR_NOT_CONFLUENT_FRAMED);
    kfb_err_t e = map_hex(&f, NULL, "00 00000063 02 02 61 00"); /* schema id 99 */
    ASSERT_ERR(e, KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_INT(kfb_err_class(e), KFB_ERRCLASS_RECORD);
    ASSERT_CONTAINS(f.err, "99");
    /* trailing bytes after a complete value */
    ASSERT_ERR(map_hex(&f, NULL, ITEM_1 " 00"), KFB_ERR_TRAILING_BYTES);
    teardown(&f);
}

TEST(malformed_avro_bodies) {
    fx_t f;
    setup(&f);
    /* union index 2 of a 2-branch union */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000007 02 02 61 04 0a"), KFB_ERR_AVRO_UNION_INDEX);
    ASSERT_CONTAINS(f.err, "Item.qty");
    /* union index -1 (zigzag 01) */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000007 02 02 61 01 0a"), KFB_ERR_AVRO_UNION_INDEX);
    /* negative string length (zigzag 01 = -1) */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000007 02 01 61 00"), KFB_ERR_BAD_LENGTH);
    ASSERT_CONTAINS(f.err, "Item.name");
    /* string length past the end */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000007 02 7e 61 00"), KFB_ERR_BAD_LENGTH);
    /* overlong int varint (6 bytes) */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000007 ff ff ff ff ff 01 02 61 00"),
               KFB_ERR_VARINT_OVERLONG);
    ASSERT_CONTAINS(f.err, "Item.id");
    /* invalid UTF-8 is rejected (policy: reject, see mapper.h) */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000007 02 02 c3 28 00"), KFB_ERR_INVALID_UTF8);
    ASSERT_CONTAINS(f.err, "UTF-8");
    ASSERT_ERR(map_hex(&f, NULL, "00 00000007 02 04 ed a0 00"), KFB_ERR_INVALID_UTF8);
    teardown(&f);
}

TEST(values_that_do_not_fit) {
    fx_t f;
    ASSERT_TRUE(setup_cfg(&f,
                          "{\"version\":1,\"schema\":{\"columns\":["
                          "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
                          "{\"name\":\"t\",\"data_type\":{\"type\":\"TINYINT\"}},"
                          "{\"name\":\"s\",\"data_type\":{\"type\":\"SMALLINT\"}},"
                          "{\"name\":\"l\",\"data_type\":{\"type\":\"INTEGER\"}},"
                          "{\"name\":\"d\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":3,\"scale\":0}}"
                          "],\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_count\":1,"
                          "\"properties\":{%s}}",
                          NULL, NULL) != NULL);
    add_schema(&f, 1,
               "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
               "{\"name\":\"t\",\"type\":\"int\"},{\"name\":\"s\",\"type\":\"int\"},"
               "{\"name\":\"l\",\"type\":\"long\"},{\"name\":\"d\",\"type\":{\"type\":\"bytes\","
               "\"logicalType\":\"decimal\",\"precision\":6,\"scale\":2}}]}");
    /* baseline: id 1, t 127, s -32768, l 2147483647, d 9.99 -> HALF_UP 10 */
    ASSERT_OK(map_hex(&f, NULL, "00 00000001 02 fe 01 ff ff 03 fe ff ff ff 0f 04 03 e7"));
    ASSERT_OK(value_of(&f, 0));
    ASSERT_HEX(f.row.data, f.row.len, "00 01 7f 00 80 ff ff ff ff 07 0a");
    /* t 128 */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000001 02 80 02 00 00 02 00"), KFB_ERR_OUT_OF_RANGE);
    ASSERT_CONTAINS(f.err, "R.t");
    ASSERT_CONTAINS(f.err, "TINYINT");
    /* s 32768 */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000001 02 00 80 80 04 00 02 00"), KFB_ERR_OUT_OF_RANGE);
    /* l 2147483648 */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000001 02 00 00 80 80 80 80 10 02 00"),
               KFB_ERR_OUT_OF_RANGE);
    ASSERT_CONTAINS(f.err, "R.l");
    /* d 999.99 rounds to 1000: 4 digits into DECIMAL(3,0) (unscaled 99999 = 01 86 9f) */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000001 02 00 00 00 06 01 86 9f"), KFB_ERR_DECIMAL_OVERFLOW);
    ASSERT_CONTAINS(f.err, "DECIMAL(3, 0)");
    teardown(&f);
}

TEST(nulls_in_keys_and_not_null_columns) {
    fx_t f;
    ASSERT_TRUE(setup_cfg(&f, ITEMS, NULL, NULL) != NULL);
    add_schema(&f, 2,
               "{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"id\",\"type\":[\"null\",\"int\"]},"
               "{\"name\":\"name\",\"type\":[\"null\",\"string\"]}]}");
    /* id null: key column */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000002 00 02 02 61"), KFB_ERR_NULL_IN_KEY);
    ASSERT_CONTAINS(f.err, "\"id\"");
    /* name null: NOT NULL column, detected when the row is written */
    ASSERT_OK(map_hex(&f, NULL, "00 00000002 02 02 00"));
    ASSERT_ERR(value_of(&f, 0), KFB_ERR_NULL_NOT_ALLOWED);
    ASSERT_CONTAINS(f.err, "\"name\"");
    ASSERT_EQ_INT(f.row.len, 0); /* nothing left behind */
    teardown(&f);
}

TEST(nan_in_key_is_a_record_error) {
    fx_t f;
    ASSERT_TRUE(setup_cfg(&f,
                          "{\"version\":1,\"schema\":{\"columns\":["
                          "{\"name\":\"k\",\"data_type\":{\"type\":\"DOUBLE\"}}],\"primary_key\":[\"k\"]},"
                          "\"partition_key\":[],\"bucket_count\":2,\"properties\":{%s}}",
                          NULL, NULL) != NULL);
    add_schema(&f, 3, "{\"type\":\"record\",\"name\":\"D\",\"fields\":[{\"name\":\"k\",\"type\":\"double\"}]}");
    ASSERT_ERR(map_hex(&f, NULL, "00 00000003 00 00 00 00 00 00 f8 7f"), KFB_ERR_OUT_OF_RANGE);
    ASSERT_CONTAINS(f.err, "NaN");
    ASSERT_OK(map_hex(&f, NULL, "00 00000003 00 00 00 00 00 00 f0 3f")); /* 1.0 */
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "00 00 00 00 00 00 f0 3f");
    teardown(&f);
}

TEST(plan_errors_are_reported_before_any_message) {
    static const struct {
        const char *schema, *want;
    } cases[] = {
        /* NOT NULL column `name` without a field */
        {"{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}",
         "column \"name\" is NOT NULL"},
        /* a union of two non-null types */
        {"{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
         "{\"name\":\"name\",\"type\":[\"string\",\"int\"]}]}",
         "B.name: is a union of 2 types"},
        /* incompatible type */
        {"{\"type\":\"record\",\"name\":\"C\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
         "{\"name\":\"name\",\"type\":\"long\"}]}",
         "Avro long cannot be written to a STRING NOT NULL column"},
        /* long cannot narrow to TINYINT... but a double cannot go into BIGINT */
        {"{\"type\":\"record\",\"name\":\"D\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
         "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":\"double\"}]}",
         "Avro double cannot be written to a BIGINT column"},
        /* nested record */
        {"{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
         "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":{\"type\":\"record\","
         "\"name\":\"Q\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}}]}",
         "an Avro record can only be written to a ROW column"},
        /* an array */
        {"{\"type\":\"record\",\"name\":\"G\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
         "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":{\"type\":\"array\","
         "\"items\":\"long\"}}]}",
         "an Avro array can only be written to an ARRAY column"},
        /* timestamp-millis into BIGINT */
        {"{\"type\":\"record\",\"name\":\"F\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
         "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":{\"type\":\"long\","
         "\"logicalType\":\"timestamp-millis\"}}]}",
         "maps to TIMESTAMP_LTZ(p)"},
        /* a primitive top-level value */
        {"\"string\"", "expected a record"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fx_t f;
        ASSERT_TRUE(setup_cfg(&f, ITEMS, NULL, NULL) != NULL);
        add_schema(&f, 10, cases[i].schema);
        kfb_err_t e = kfb_mapper_prepare(f.m, 10, f.err, sizeof(f.err));
        if (!strstr(f.err, cases[i].want)) fprintf(stderr, "case %zu: %s\n", i, f.err);
        ASSERT_ERR(e, KFB_ERR_MAPPER_PLAN);
        ASSERT_CONTAINS(f.err, cases[i].want);
        /* a message with that schema fails the same way, and the failure is cached */
        ASSERT_ERR(map_hex(&f, NULL, "00 0000000a 02"), KFB_ERR_MAPPER_PLAN);
        ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), 1);
        teardown(&f);
    }
}

TEST(table_refusals) {
    static const struct {
        const char *props, *want;
    } cases[] = {
        {"\"table.kv.format\":\"INDEXED\"", "COMPACTED rows only"},
        {"\"table.datalake.format\":\"hudi\"", "hudi"},
        {"\"table.kv.format-version\":\"3\"", "3"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fx_t f;
        ASSERT_TRUE(setup_cfg(&f, ITEMS, cases[i].props, NULL) == NULL);
        if (!strstr(f.err, cases[i].want)) fprintf(stderr, "case %zu: %s\n", i, f.err);
        ASSERT_CONTAINS(f.err, cases[i].want);
        teardown(&f);
    }
    /* no bucket_count */
    fx_t f;
    ASSERT_TRUE(setup_cfg(&f,
                          "{\"version\":1,\"schema\":{\"columns\":[{\"name\":\"id\",\"data_type\":"
                          "{\"type\":\"INTEGER\"}}],\"primary_key\":[\"id\"]},\"partition_key\":[],"
                          "\"properties\":{%s}}",
                          NULL, NULL) == NULL);
    ASSERT_CONTAINS(f.err, "bucket_count");
    teardown(&f);
    /* log table */
    ASSERT_TRUE(setup_cfg(&f,
                          "{\"version\":1,\"schema\":{\"columns\":[{\"name\":\"id\",\"data_type\":"
                          "{\"type\":\"INTEGER\"}}]},\"partition_key\":[],\"bucket_count\":1,"
                          "\"properties\":{%s}}",
                          NULL, NULL) == NULL);
    ASSERT_CONTAINS(f.err, "no primary key");
    teardown(&f);
    /* partial updates on a first_row table */
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.partial_update = 1;
    ASSERT_TRUE(setup_cfg(&f, ITEMS, "\"table.merge-engine\":\"first_row\"", &cfg) == NULL);
    ASSERT_CONTAINS(f.err, "first_row");
    teardown(&f);
}

TEST(delete_behaviour) {
    fx_t f;
    /* DISABLE: a delete is refused before it can fail a whole batch */
    ASSERT_TRUE(setup_cfg(&f, ITEMS, "\"table.delete.behavior\":\"DISABLE\"", NULL) != NULL);
    add_schema(&f, 5, "{\"type\":\"record\",\"name\":\"K\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}");
    kfb_err_t e = map_hex(&f, "00 00000005 02", NULL);
    ASSERT_ERR(e, KFB_ERR_MAPPER_DELETE_DISABLED);
    /* the message's problem, not the bridge's: errors.policy decides (skip, dead-letter) */
    ASSERT_EQ_INT(kfb_err_class(e), KFB_ERRCLASS_RECORD);
    ASSERT_CONTAINS(f.err, "DISABLE");
    teardown(&f);
    /* IGNORE (implied by a merge engine): a warning at setup, deletes still mapped */
    kfb_test_log_capture_start();
    ASSERT_TRUE(setup_cfg(&f, ITEMS, "\"table.merge-engine\":\"first_row\"", NULL) != NULL);
    ASSERT_CONTAINS(kfb_test_log_captured(), "IGNORE");
    kfb_test_log_capture_stop();
    add_schema(&f, 5, "{\"type\":\"record\",\"name\":\"K\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}");
    ASSERT_OK(map_hex(&f, "00 00000005 02", NULL));
    ASSERT_EQ_INT(f.res.out[0].op, KFB_OP_DELETE);
    /* a tombstone without a key */
    ASSERT_ERR(map_hex(&f, NULL, NULL), KFB_ERR_MAPPER_NO_KEY);
    teardown(&f);
}

TEST(renames_ignores_partial_updates) {
    fx_t f;
    static const kfb_mapper_rename_t ren[] = {{"title", "name"}};
    static const char *const ign[] = {"qty"};
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.renames = ren;
    cfg.n_renames = 1;
    cfg.ignore = ign;
    cfg.n_ignore = 1;
    cfg.partial_update = 1;
    ASSERT_TRUE(setup_cfg(&f, ITEMS, NULL, &cfg) != NULL);
    add_schema(&f, 8,
               "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"qty\",\"type\":\"long\"},"
               "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"title\",\"type\":\"string\"}]}");
    /* qty 9 (ignored), id 1, title "a" -> name */
    ASSERT_OK(map_hex(&f, NULL, "00 00000008 12 02 02 61"));
    ASSERT_EQ_INT(f.res.out[0].n_target_columns, 2); /* id, name: qty left out */
    ASSERT_EQ_INT(f.res.out[0].target_columns[0], 0);
    ASSERT_EQ_INT(f.res.out[0].target_columns[1], 1);
    ASSERT_OK(value_of(&f, 0));
    ASSERT_HEX(f.row.data, f.row.len, "04 01 01 61");
    ASSERT_CONTAINS(kfb_mapper_describe(f.m, 8), "(ignored by configuration)");
    teardown(&f);
    /* a rename onto a column that does not exist is refused at setup */
    static const kfb_mapper_rename_t bad[] = {{"x", "nope"}};
    cfg.renames = bad;
    ASSERT_TRUE(setup_cfg(&f, ITEMS, NULL, &cfg) == NULL);
    ASSERT_CONTAINS(f.err, "nope");
    teardown(&f);
}

TEST(key_from_message_key_string_and_avro) {
    fx_t f;
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.key_from_message_key = 1;
    cfg.key_format = KFB_MAPPER_KEY_STRING;
    ASSERT_TRUE(setup_cfg(&f,
                          "{\"version\":1,\"schema\":{\"columns\":["
                          "{\"name\":\"k\",\"data_type\":{\"type\":\"STRING\"}},"
                          "{\"name\":\"v\",\"data_type\":{\"type\":\"INTEGER\"}}],\"primary_key\":[\"k\"]},"
                          "\"partition_key\":[],\"bucket_count\":8,\"properties\":{%s}}",
                          NULL, &cfg) != NULL);
    add_schema(&f, 4, "{\"type\":\"record\",\"name\":\"V\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"}]}");
    /* Kafka key "a2" (plain string), value {v: 1} */
    ASSERT_OK(map_hex(&f, "61 32", "00 00000004 02"));
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "02 61 32"); /* §7.5 PK f2 "a2" */
    ASSERT_OK(value_of(&f, 0));
    ASSERT_HEX(f.row.data, f.row.len, "00 02 61 32 01");
    /* tombstone with a plain key */
    ASSERT_OK(map_hex(&f, "61 32", NULL));
    ASSERT_EQ_INT(f.res.out[0].op, KFB_OP_DELETE);
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "02 61 32");
    /* invalid UTF-8 key */
    ASSERT_ERR(map_hex(&f, "ff", "00 00000004 02"), KFB_ERR_INVALID_UTF8);
    /* missing key */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000004 02"), KFB_ERR_MAPPER_NO_KEY);
    teardown(&f);

    /* composite key from an Avro key record: PK (INT 1, STRING "a2") -> 01 02 61 32 (§7.5) */
    kfb_mapper_config_init(&cfg);
    cfg.key_from_message_key = 1;
    ASSERT_TRUE(setup_cfg(&f,
                          "{\"version\":1,\"schema\":{\"columns\":["
                          "{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\"}},"
                          "{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"}},"
                          "{\"name\":\"v\",\"data_type\":{\"type\":\"BOOLEAN\"}}],\"primary_key\":[\"a\",\"b\"]},"
                          "\"partition_key\":[],\"bucket_count\":8,\"properties\":{%s}}",
                          NULL, &cfg) != NULL);
    add_schema(&f, 11, "{\"type\":\"record\",\"name\":\"V\",\"fields\":[{\"name\":\"v\",\"type\":\"boolean\"}]}");
    add_schema(&f, 12, "{\"type\":\"record\",\"name\":\"K\",\"fields\":[{\"name\":\"b\",\"type\":\"string\"},{\"name\":\"a\",\"type\":\"int\"}]}");
    ASSERT_OK(map_hex(&f, "00 0000000c 04 61 32 02", "00 0000000b 01"));
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "01 02 61 32");
    ASSERT_OK(value_of(&f, 0));
    ASSERT_HEX(f.row.data, f.row.len, "00 01 02 61 32 01");
    /* a key schema without every PK column is a plan error */
    add_schema(&f, 13, "{\"type\":\"record\",\"name\":\"K2\",\"fields\":[{\"name\":\"b\",\"type\":\"string\"}]}");
    ASSERT_ERR(map_hex(&f, "00 0000000d 04 61 32", "00 0000000b 01"), KFB_ERR_MAPPER_PLAN);
    ASSERT_CONTAINS(f.err, "\"a\"");
    teardown(&f);
}

TEST(partitioned_table_partition_names_and_bucket_keys) {
    fx_t f;
    /* PK (id, day, region), partitioned by (day, region): physical PK = (id) */
    ASSERT_TRUE(setup_cfg(&f,
                          "{\"version\":1,\"schema\":{\"columns\":["
                          "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
                          "{\"name\":\"day\",\"data_type\":{\"type\":\"DATE\"}},"
                          "{\"name\":\"region\",\"data_type\":{\"type\":\"STRING\"}},"
                          "{\"name\":\"ts\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":9}}"
                          "],\"primary_key\":[\"id\",\"day\",\"region\"]},"
                          "\"partition_key\":[\"day\",\"region\"],\"bucket_count\":16,\"properties\":{%s}}",
                          NULL, NULL) != NULL);
    add_schema(&f, 20,
               "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
               "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
               "{\"name\":\"region\",\"type\":\"string\"},"
               "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-nanos\"}}]}");
    /* id 300, day 20235 (2025-05-27, PartitionUtilsTest), region "eu", ts 0 */
    ASSERT_OK(map_hex(&f, NULL, "00 00000014 d8 04 96 bc 02 04 65 75 00"));
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "ac 02");
    ASSERT_EQ_INT(f.res.out[0].bucket, 5);
    ASSERT_STREQ(f.res.out[0].partition, "2025-05-27$eu");
    /* region "e u" is not a valid partition name */
    ASSERT_ERR(map_hex(&f, NULL, "00 00000014 d8 04 96 bc 02 06 65 20 75 00"), KFB_ERR_OUT_OF_RANGE);
    ASSERT_CONTAINS(f.err, "partition");
    teardown(&f);

    /* TIMESTAMP partition (PartitionUtilsTest): millis 1748662955428 + nanos 99988 ->
     * 2025-05-31-03-42-35_428099988; millis -1748662955428 + 99988 ->
     * 1914-08-03-20-17-24_572099988 */
    ASSERT_TRUE(setup_cfg(&f,
                          "{\"version\":1,\"schema\":{\"columns\":["
                          "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
                          "{\"name\":\"ts\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":9}},"
                          "{\"name\":\"t\",\"data_type\":{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":3}}"
                          "],\"primary_key\":[\"id\",\"ts\",\"t\"]},"
                          "\"partition_key\":[\"ts\",\"t\"],\"bucket_count\":16,\"properties\":{%s}}",
                          NULL, NULL) != NULL);
    add_schema(&f, 21,
               "{\"type\":\"record\",\"name\":\"Q\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
               "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-nanos\"}},"
               "{\"name\":\"t\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}}]}");
    /* ts = 1748662955428099988 ns (zigzag = 3497325910856199976), t = 5402199 ms */
    char hex[256];
    uint64_t zz = (uint64_t)1748662955428099988LL << 1;
    int n = snprintf(hex, sizeof(hex), "00 00000015 02 ");
    while (zz >= 0x80) {
        n += snprintf(hex + n, sizeof(hex) - (size_t)n, "%02x ", (unsigned)((zz & 0x7f) | 0x80));
        zz >>= 7;
    }
    n += snprintf(hex + n, sizeof(hex) - (size_t)n, "%02x ", (unsigned)zz);
    uint32_t tz = 5402199u << 1;
    while (tz >= 0x80) {
        n += snprintf(hex + n, sizeof(hex) - (size_t)n, "%02x ", (tz & 0x7f) | 0x80);
        tz >>= 7;
    }
    snprintf(hex + n, sizeof(hex) - (size_t)n, "%02x", tz);
    kfb_err_t e = map_hex(&f, NULL, hex);
    if (e) fprintf(stderr, "%s\n", f.err);
    ASSERT_OK(e);
    ASSERT_STREQ(f.res.out[0].partition, "2025-05-31-03-42-35_428099988$01-30-02_199");
    teardown(&f);
}

TEST(paimon_lake_table_keys_and_bucketing) {
    /* table.datalake.format=paimon: PaimonKeyEncoder bytes (§7.5, Rust paimon_key_encoder.rs
     * test: PK INT 42 -> 16 bytes, byte 0 row kind 0, bytes 8..11 = 2a 00 00 00) and the
     * Paimon bucketing function abs(hash % n); expected bucket from fluss_bucket.py's
     * hash_bytes (step-4 value) with Java's remainder: 5 of 8. */
    fx_t f;
    ASSERT_TRUE(setup_cfg(&f,
                          "{\"version\":1,\"schema\":{\"columns\":["
                          "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
                          "{\"name\":\"v\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"id\"]},"
                          "\"partition_key\":[],\"bucket_count\":8,\"properties\":{%s}}",
                          "\"table.datalake.format\":\"paimon\",\"table.kv.format-version\":\"2\"",
                          NULL) != NULL);
    add_schema(&f, 30, "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"v\",\"type\":\"string\"}]}");
    ASSERT_OK(map_hex(&f, NULL, "00 0000001e 54 02 78")); /* id 42, v "x" */
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len,
               "00 00 00 00 00 00 00 00 | 2a 00 00 00 00 00 00 00");
    ASSERT_EQ_INT(f.res.out[0].bucket, 5);
    ASSERT_OK(value_of(&f, 0));
    ASSERT_HEX(f.row.data, f.row.len, "00 2a 01 78"); /* the value row stays compacted */
    teardown(&f);
}

TEST(union_rules_keep_one_branch) {
    static const char *schema =
        "{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
        "{\"name\":\"name\",\"type\":\"string\"},"
        "{\"name\":\"qty\",\"type\":[\"null\",\"string\",\"long\"]}]}";
    fx_t f;
    /* without a rule: a plan error that says what to do */
    ASSERT_TRUE(setup_cfg(&f, ITEMS, NULL, NULL) != NULL);
    add_schema(&f, 40, schema);
    ASSERT_ERR(kfb_mapper_prepare(f.m, 40, f.err, sizeof(f.err)), KFB_ERR_MAPPER_PLAN);
    ASSERT_CONTAINS(f.err, "union rule");
    teardown(&f);
    /* a rule naming a branch the union does not have */
    static const kfb_mapper_union_rule_t bad[] = {{"qty", "double"}};
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.union_rules = bad;
    cfg.n_union_rules = 1;
    ASSERT_TRUE(setup_cfg(&f, ITEMS, NULL, &cfg) != NULL);
    add_schema(&f, 40, schema);
    ASSERT_ERR(kfb_mapper_prepare(f.m, 40, f.err, sizeof(f.err)), KFB_ERR_MAPPER_PLAN);
    ASSERT_CONTAINS(f.err, "without a branch \"double\"");
    teardown(&f);
    /* keep the long branch: long values map, null is null, strings are record errors */
    static const kfb_mapper_union_rule_t keep[] = {{"qty", "long"}};
    cfg.union_rules = keep;
    ASSERT_TRUE(setup_cfg(&f, ITEMS, NULL, &cfg) != NULL);
    add_schema(&f, 40, schema);
    ASSERT_OK(map_hex(&f, NULL, "00 00000028 02 02 61 04 0a")); /* branch 2 (long) 5 */
    ASSERT_OK(value_of(&f, 0));
    ASSERT_HEX(f.row.data, f.row.len, "00 01 01 61 05");
    ASSERT_OK(map_hex(&f, NULL, "00 00000028 02 02 61 00")); /* branch 0: null */
    ASSERT_OK(value_of(&f, 0));
    ASSERT_HEX(f.row.data, f.row.len, "04 01 01 61");
    kfb_err_t e = map_hex(&f, NULL, "00 00000028 02 02 61 02 02 78"); /* branch 1: "x" */
    ASSERT_ERR(e, KFB_ERR_MAPPER_UNION_BRANCH);
    ASSERT_EQ_INT(kfb_err_class(e), KFB_ERRCLASS_RECORD);
    ASSERT_CONTAINS(f.err, "U.qty");
    ASSERT_CONTAINS(f.err, "branch 1 (string)");
    teardown(&f);
}

/* uuid on fixed(16) into a BYTES column: the 16 raw bytes, as any fixed. Expected row by
 * hand (fluss-protocol.md §6.2): bitmap 00, INT 1 -> 01, BYTES -> varint length 0x10 + bytes.
 * Avro body by hand: int 1 -> 02, fixed -> the 16 bytes with no length. */
TEST(uuid_on_fixed16_into_bytes_column) {
    static const char *T =
        "{\"version\":1,\"schema\":{\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
        "{\"name\":\"u\",\"data_type\":{\"type\":\"BYTES\"}}],\"primary_key\":[\"id\"]},"
        "\"partition_key\":[],\"bucket_count\":4,\"properties\":{%s}}";
    fx_t f;
    ASSERT_TRUE(setup_cfg(&f, T, NULL, NULL) != NULL);
    add_schema(&f, 11,
               "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
               "{\"name\":\"u\",\"type\":{\"type\":\"fixed\",\"name\":\"Uid\",\"size\":16,"
               "\"logicalType\":\"uuid\"}}]}");
    /* first byte 0x1e: read as a string this was a 15-byte length (the bug this pins) */
    ASSERT_OK(map_hex(&f, NULL, "00 0000000b | 02 | 1e 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"));
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "01");
    ASSERT_OK(value_of(&f, 0));
    ASSERT_HEX(f.row.data, f.row.len, "00 01 10 1e 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f");
    teardown(&f);
}
