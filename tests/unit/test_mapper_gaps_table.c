/* test_mapper_gaps_table.c - plans per (writer schema id, Fluss table schema id): a live
 * mapper moved to a new table schema (ALTER TABLE) with kfb_mapper_set_table.
 *
 * Avro bodies are written by hand from the Avro 1.11.1 binary encoding rules (zigzag
 * varints: 1 -> 02, 5 -> 0a; string = zigzag length + bytes; union = zigzag branch index +
 * value). Expected value rows are written by hand from fluss-protocol.md §6.2 (CompactedRow:
 * a null bitmap of ceil(columns / 8) bytes, bit i of byte i / 8 set when column i is null,
 * then each non-null field in column order: INT/BIGINT as LEB128 varints, STRING as varint
 * length + UTF-8 bytes), keys from §7.3 (CompactedKeyEncoder: the INT id's varint).
 */
#include "harness.h"
#include "mapper.h"

/* (id INT PK, name STRING NOT NULL, qty BIGINT) followed by `extra` columns */
static const char *TABLE =
    "{\"version\":1,\"schema\":{\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},"
    "{\"name\":\"qty\",\"data_type\":{\"type\":\"BIGINT\"}}%s],\"primary_key\":[\"id\"]},"
    "\"partition_key\":[],\"bucket_count\":4,\"properties\":{%s}}";

static const char *ITEM_SCHEMA =
    "{\"type\":\"record\",\"name\":\"Item\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":[\"null\",\"long\"]}]}";

/* Item{id 1, name "a", qty 5} under schema 7 */
#define ITEM_1 "00 00000007 | 02 | 02 61 | 02 0a"

static kfb_table_desc_t *table(const char *extra_columns, const char *props) {
    char buf[4096], err[512];
    snprintf(buf, sizeof(buf), TABLE, extra_columns ? extra_columns : "", props ? props : "");
    kfb_table_desc_t *td = kfb_table_desc_parse(buf, strlen(buf), err, sizeof(err));
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    return td;
}

#define NOTE_NULLABLE ",{\"name\":\"note\",\"data_type\":{\"type\":\"STRING\"}}"
#define NOTE_NOT_NULL ",{\"name\":\"note\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}}"
#define SIX_NULLABLE                                                                      \
    ",{\"name\":\"c3\",\"data_type\":{\"type\":\"STRING\"}}"                              \
    ",{\"name\":\"c4\",\"data_type\":{\"type\":\"INTEGER\"}}"                             \
    ",{\"name\":\"c5\",\"data_type\":{\"type\":\"DOUBLE\"}}"                              \
    ",{\"name\":\"c6\",\"data_type\":{\"type\":\"BIGINT\"}}"                              \
    ",{\"name\":\"c7\",\"data_type\":{\"type\":\"BOOLEAN\"}}"                             \
    ",{\"name\":\"c8\",\"data_type\":{\"type\":\"BYTES\"}}"

typedef struct fx {
    kfb_table_desc_t *td1;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    kfb_buf_t row;
    char err[1024];
    kfb_mapper_result_t res;
    uint8_t *v;
} fx_t;

static void setup(fx_t *f, int fused) {
    memset(f, 0, sizeof(*f));
    f->td1 = table(NULL, NULL);
    f->src = kfb_schema_source_memory_new();
    ASSERT_TRUE(f->src != NULL);
    ASSERT_OK(kfb_schema_source_add(f->src, 7, ITEM_SCHEMA, strlen(ITEM_SCHEMA), f->err,
                                    sizeof(f->err)));
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "items";
    f->m = kfb_mapper_new(f->td1, f->src, &cfg, f->err, sizeof(f->err));
    if (!f->m) fprintf(stderr, "%s\n", f->err);
    ASSERT_TRUE(f->m != NULL);
    kfb_mapper_set_fused_for_testing(f->m, fused);
}

static void teardown(fx_t *f) {
    kfb_mapper_destroy(f->m);
    kfb_schema_source_destroy(f->src);
    kfb_table_desc_destroy(f->td1);
    kfb_buf_free(&f->row);
    free(f->v);
}

static kfb_err_t map_hex(fx_t *f, const char *value_hex) {
    size_t vl = 0;
    free(f->v);
    f->v = kfb_test_unhex(value_hex, &vl);
    kfb_origin_t o = {"items", 0, 7};
    f->err[0] = '\0';
    return kfb_mapper_map(f->m, NULL, 0, f->v, vl, &o, &f->res, f->err, sizeof(f->err));
}

/* Maps ITEM_1 and checks its key, bucket and value row. */
static void expect_item_1(fx_t *f, const char *row_hex) {
    kfb_err_t e = map_hex(f, ITEM_1);
    if (e) fprintf(stderr, "%s\n", f->err);
    ASSERT_OK(e);
    ASSERT_EQ_INT(f->res.n, 1);
    ASSERT_EQ_INT(f->res.out[0].op, KFB_OP_UPSERT);
    ASSERT_HEX(f->res.out[0].key, f->res.out[0].key_len, "01");
    ASSERT_EQ_INT(f->res.out[0].bucket, 0); /* fluss_bucket.py 01 4, as in test_mapper_errors */
    kfb_buf_reset(&f->row);
    ASSERT_OK(kfb_mapper_write_value(f->m, &f->res, 0, &f->row, f->err, sizeof(f->err)));
    ASSERT_HEX(f->row.data, f->row.len, row_hex);
    /* the batch path writes the same row, into a batch of the table's schema id; a batch
     * of another schema id is refused (its header would tell Fluss the wrong schema) */
    char berr[256];
    int32_t sid = kfb_mapper_table_schema_id(f->m);
    kfb_kv_batch_builder_t *other = kfb_kv_batch_builder_new(sid == 1 ? 2 : 1, 1 << 16, berr,
                                                             sizeof(berr));
    ASSERT_TRUE(other != NULL);
    ASSERT_ERR(kfb_mapper_append_to_batch(f->m, &f->res, 0, other, f->err, sizeof(f->err)),
               KFB_ERR_STATE);
    ASSERT_CONTAINS(f->err, "the mapper writes rows of table schema id");
    ASSERT_EQ_INT(kfb_kv_batch_record_count(other), 0);
    kfb_kv_batch_builder_destroy(other);
    kfb_kv_batch_builder_t *b = kfb_kv_batch_builder_new(sid, 1 << 16, berr, sizeof(berr));
    ASSERT_TRUE(b != NULL);
    ASSERT_OK(kfb_mapper_append_to_batch(f->m, &f->res, 0, b, f->err, sizeof(f->err)));
    const uint8_t *out;
    size_t out_len;
    ASSERT_OK(kfb_kv_batch_build(b, &out, &out_len));
    /* KvRecord (§9.2): int32 LE length, varint key length, key 01, then the row */
    ASSERT_TRUE(out_len > 28 + 4 + 2);
    ASSERT_MEMEQ(out + 28 + 4 + 2, out_len - 28 - 4 - 2, f->row.data, f->row.len);
    kfb_kv_batch_builder_destroy(b);
}

/* (1, "a", 5) */
#define ROW_3 "00 | 01 | 01 61 | 05"
/* (1, "a", 5, null): bit 3 of the bitmap */
#define ROW_4 "08 | 01 | 01 61 | 05"
/* (1, "a", 5, null x 6): bits 3..7 of byte 0 and bit 0 of byte 1 */
#define ROW_9 "f8 01 | 01 | 01 61 | 05"

static void add_nullable_column(int fused) {
    fx_t f;
    setup(&f, fused);
    ASSERT_EQ_INT(kfb_mapper_table_schema_id(f.m), 1);
    expect_item_1(&f, ROW_3);
    expect_item_1(&f, ROW_3); /* the fused path, when on, takes the second message */
    if (fused) ASSERT_EQ_U64(kfb_mapper_fused_count_for_testing(f.m), 1);
    ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), 1);

    kfb_table_desc_t *td2 = table(NOTE_NULLABLE, NULL);
    ASSERT_OK(kfb_mapper_set_table(f.m, td2, 2, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(kfb_mapper_table_schema_id(f.m), 2);
    /* the same message now gains a null column; no plan of table schema 1 runs */
    expect_item_1(&f, ROW_4);
    expect_item_1(&f, ROW_4);
    if (fused) ASSERT_EQ_U64(kfb_mapper_fused_count_for_testing(f.m), 2);
    ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), 2);
    ASSERT_CONTAINS(kfb_mapper_describe(f.m, 7), "table (4 columns)");
    ASSERT_CONTAINS(kfb_mapper_describe(f.m, 7), "column note <- null (no Avro field)");

    /* more columns than the first table had: the bitmap takes two bytes */
    kfb_table_desc_t *td3 = table(SIX_NULLABLE, NULL);
    ASSERT_OK(kfb_mapper_set_table(f.m, td3, 3, f.err, sizeof(f.err)));
    expect_item_1(&f, ROW_9);
    expect_item_1(&f, ROW_9);
    ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), 3);

    /* back to schema 2 and 1: their cached plans, no new compile */
    ASSERT_OK(kfb_mapper_set_table(f.m, td2, 2, f.err, sizeof(f.err)));
    expect_item_1(&f, ROW_4);
    expect_item_1(&f, ROW_4);
    ASSERT_OK(kfb_mapper_set_table(f.m, f.td1, 1, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(kfb_mapper_table_schema_id(f.m), 1);
    expect_item_1(&f, ROW_3);
    expect_item_1(&f, ROW_3);
    ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), 3);
    ASSERT_CONTAINS(kfb_mapper_describe(f.m, 7), "table (3 columns)");
    if (fused) ASSERT_EQ_U64(kfb_mapper_fused_count_for_testing(f.m), 5);
    else ASSERT_EQ_U64(kfb_mapper_fused_count_for_testing(f.m), 0);
    teardown(&f);
    kfb_table_desc_destroy(td2);
    kfb_table_desc_destroy(td3);
}

TEST(add_nullable_column_general_path) { add_nullable_column(0); }
TEST(add_nullable_column_fused_path) { add_nullable_column(1); }

TEST(not_null_column_without_source_is_a_plan_error_on_the_next_message) {
    fx_t f;
    setup(&f, 1);
    expect_item_1(&f, ROW_3);
    kfb_table_desc_t *td2 = table(NOTE_NOT_NULL, NULL);
    /* the table itself is fine; the plan of writer schema 7 is not */
    ASSERT_OK(kfb_mapper_set_table(f.m, td2, 2, f.err, sizeof(f.err)));
    kfb_err_t e = map_hex(&f, ITEM_1);
    ASSERT_ERR(e, KFB_ERR_MAPPER_PLAN);
    ASSERT_STREQ(f.err,
                 "topic items partition 0 offset 7: schema id 7: field note: column \"note\" is "
                 "NOT NULL but the Avro schema has no field for it; add a field, or a rename "
                 "that maps one onto it");
    /* kfb_mapper_prepare reports it too, and the error stays (no message gets through) */
    ASSERT_ERR(kfb_mapper_prepare(f.m, 7, f.err, sizeof(f.err)), KFB_ERR_MAPPER_PLAN);
    ASSERT_CONTAINS(f.err, "column \"note\" is NOT NULL");
    ASSERT_ERR(map_hex(&f, ITEM_1), KFB_ERR_MAPPER_PLAN);
    /* switching back makes the writer schema usable again */
    ASSERT_OK(kfb_mapper_set_table(f.m, f.td1, 1, f.err, sizeof(f.err)));
    expect_item_1(&f, ROW_3);
    teardown(&f);
    kfb_table_desc_destroy(td2);
}

TEST(refused_table_leaves_the_mapper_unchanged) {
    fx_t f;
    setup(&f, 1);
    expect_item_1(&f, ROW_3);
    expect_item_1(&f, ROW_3);
    size_t plans = kfb_mapper_plan_count(f.m);
    /* what kfb_mapper_new refuses, set_table refuses with the same sentence */
    kfb_table_desc_t *bad = table(NOTE_NULLABLE, "\"table.kv.format\":\"INDEXED\"");
    char new_err[512];
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    ASSERT_TRUE(kfb_mapper_new(bad, f.src, &cfg, new_err, sizeof(new_err)) == NULL);
    ASSERT_ERR(kfb_mapper_set_table(f.m, bad, 2, f.err, sizeof(f.err)),
               KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_STREQ(f.err, new_err);
    ASSERT_CONTAINS(f.err, "COMPACTED rows only");
    ASSERT_EQ_INT(kfb_mapper_table_schema_id(f.m), 1);
    expect_item_1(&f, ROW_3);
    ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), plans);
    /* schema ids outside Fluss's int16 range, from 1 */
    kfb_table_desc_t *td2 = table(NOTE_NULLABLE, NULL);
    ASSERT_ERR(kfb_mapper_set_table(f.m, td2, 0, f.err, sizeof(f.err)), KFB_ERR_SCHEMA_ID_RANGE);
    ASSERT_CONTAINS(f.err, "table schema id 0 is outside 1..32767");
    ASSERT_ERR(kfb_mapper_set_table(f.m, td2, 32768, f.err, sizeof(f.err)),
               KFB_ERR_SCHEMA_ID_RANGE);
    ASSERT_EQ_INT(kfb_mapper_table_schema_id(f.m), 1);
    expect_item_1(&f, ROW_3);
    ASSERT_EQ_U64(kfb_mapper_fused_count_for_testing(f.m), 3);
    teardown(&f);
    kfb_table_desc_destroy(bad);
    kfb_table_desc_destroy(td2);
}

TEST(rename_onto_a_dropped_column_is_refused) {
    /* renames are checked against the new table as kfb_mapper_new checks them */
    kfb_table_desc_t *td1 = table(NOTE_NULLABLE, NULL), *td2 = table(NULL, NULL);
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_TRUE(src != NULL);
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    kfb_mapper_rename_t rn = {"comment", "note"};
    cfg.renames = &rn;
    cfg.n_renames = 1;
    cfg.table_schema_id = 4;
    char err[512];
    kfb_mapper_t *m = kfb_mapper_new(td1, src, &cfg, err, sizeof(err));
    ASSERT_TRUE(m != NULL);
    ASSERT_EQ_INT(kfb_mapper_table_schema_id(m), 4);
    ASSERT_ERR(kfb_mapper_set_table(m, td2, 5, err, sizeof(err)), KFB_ERR_CONFIG);
    ASSERT_STREQ(err, "rename comment -> note: the table has no column \"note\"");
    ASSERT_EQ_INT(kfb_mapper_table_schema_id(m), 4);
    kfb_mapper_destroy(m);
    /* the config's schema id is range-checked like set_table's */
    cfg.table_schema_id = -3;
    ASSERT_TRUE(kfb_mapper_new(td1, src, &cfg, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "table schema id -3 is outside 1..32767");
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td1);
    kfb_table_desc_destroy(td2);
}

TEST(same_schema_id_with_another_descriptor_recompiles) {
    /* a descriptor parsed again for a schema id seen before: the plans compiled against the
     * first object are dropped (they point into it), so it can then be freed */
    fx_t f;
    setup(&f, 1);
    kfb_table_desc_t *td2 = table(NOTE_NULLABLE, NULL);
    ASSERT_OK(kfb_mapper_set_table(f.m, td2, 2, f.err, sizeof(f.err)));
    expect_item_1(&f, ROW_4);
    expect_item_1(&f, ROW_4);
    ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), 1);
    kfb_table_desc_t *td2b = table(NOTE_NULLABLE, NULL);
    ASSERT_OK(kfb_mapper_set_table(f.m, td2b, 2, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), 0);
    kfb_table_desc_destroy(td2); /* nothing refers to it any more (ASan would tell) */
    expect_item_1(&f, ROW_4);
    expect_item_1(&f, ROW_4);
    ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), 1);
    teardown(&f);
    kfb_table_desc_destroy(td2b);
}
