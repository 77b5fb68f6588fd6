/* test_mapper.c - golden end-to-end mapping: Avro messages -> Fluss key, bucket, value row.
 *
 * Inputs (tests/golden/mapper/): messages.txt written by gen_messages.py with Debian's
 * python3-avro 1.11.1 (an independent Avro implementation), Avro schemas in schemas/, table
 * descriptors table_*.json.
 * Expected bytes are hand-derived from Fluss's rules (fluss-protocol.md §6.2 CompactedRow,
 * §7.3 CompactedKeyEncoder) and the vectors restated there; each field's bytes are commented.
 * Varints were worked out with the LEB128 rule of §6.2 (two's-complement bits, 7 per byte,
 * low group first). Expected buckets: §7.5 vectors where one exists (key `ac 02`, 16 buckets
 * -> 5), otherwise tests/golden/mapper/fluss_bucket.py, an independent Python restatement of
 * §7.4 that self-checks against the BucketingFunctionTest vectors.
 */
#include <unistd.h>

#include "golden_rows.h"
#include "harness.h"
#include "mapper.h"

#define GOLDEN "tests/golden/mapper/"

typedef struct msg {
    char name[64];
    uint8_t *key, *value; /* NULL = absent / tombstone */
    size_t key_len, value_len;
} msg_t;

static msg_t msgs[64];
static size_t n_msgs;

static void load_messages(void) {
    if (n_msgs) return;
    FILE *f = fopen(GOLDEN "messages.txt", "r");
    ASSERT_TRUE(f != NULL);
    char name[64], key[4096], value[8192];
    while (fscanf(f, "%63s %4095s %8191s", name, key, value) == 3 && n_msgs < 64) {
        msg_t *m = &msgs[n_msgs++];
        snprintf(m->name, sizeof(m->name), "%s", name);
        if (strcmp(key, "-")) m->key = kfb_test_unhex(key, &m->key_len);
        if (strcmp(value, "null")) m->value = kfb_test_unhex(value, &m->value_len);
    }
    fclose(f);
}

static const msg_t *msg(const char *name) {
    load_messages();
    for (size_t i = 0; i < n_msgs; i++)
        if (!strcmp(msgs[i].name, name)) return &msgs[i];
    fprintf(stderr, "no golden message %s\n", name);
    ASSERT_TRUE(0);
    return NULL;
}

static void free_messages(void) {
    for (size_t i = 0; i < n_msgs; i++) {
        free(msgs[i].key);
        free(msgs[i].value);
    }
    n_msgs = 0;
}

typedef struct fixture {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    kfb_buf_t row;
    char err[1024];
} fixture_t;

static void setup(fixture_t *fx, const char *table, const kfb_mapper_config_t *cfg_in) {
    memset(fx, 0, sizeof(*fx));
    fx->td = kfb_table_desc_load_file(table, fx->err, sizeof(fx->err));
    if (!fx->td) fprintf(stderr, "%s\n", fx->err);
    ASSERT_TRUE(fx->td != NULL);
    fx->src = kfb_schema_source_dir_new(GOLDEN "schemas", fx->err, sizeof(fx->err));
    ASSERT_TRUE(fx->src != NULL);
    kfb_mapper_config_t cfg;
    if (cfg_in) cfg = *cfg_in;
    else kfb_mapper_config_init(&cfg);
    cfg.topic = "golden";
    fx->m = kfb_mapper_new(fx->td, fx->src, &cfg, fx->err, sizeof(fx->err));
    if (!fx->m) fprintf(stderr, "%s\n", fx->err);
    ASSERT_TRUE(fx->m != NULL);
}

static void teardown(fixture_t *fx) {
    kfb_mapper_destroy(fx->m);
    kfb_schema_source_destroy(fx->src);
    kfb_table_desc_destroy(fx->td);
    kfb_buf_free(&fx->row);
    free_messages();
}

static kfb_err_t map_msg(fixture_t *fx, const char *name, kfb_mapper_result_t *res) {
    const msg_t *mm = msg(name);
    kfb_origin_t o = {"golden", 0, 42};
    fx->err[0] = '\0';
    return kfb_mapper_map(fx->m, mm->key, mm->key_len, mm->value, mm->value_len, &o, res,
                          fx->err, sizeof(fx->err));
}

static void row_of(fixture_t *fx, const kfb_mapper_result_t *res, size_t i) {
    kfb_buf_reset(&fx->row);
    kfb_err_t e = kfb_mapper_write_value(fx->m, res, i, &fx->row, fx->err, sizeof(fx->err));
    if (e) fprintf(stderr, "%s\n", fx->err);
    ASSERT_OK(e);
}

/* all_1: every scalar conversion, fields in an order different from the columns,
 * a null union (["null","string"] null), the other branch order (["string","null"] "x"),
 * a column without a field (null), an Avro array field without a column (skipped). */
#define ALL_1_ROW                                                                          \
    "0a 00 00 00"                      /* bitmap: col 1 (missing) and 3 (ns) null */       \
    "|ac 02"                           /* id INTEGER 300 */                                \
    "|01 78"                           /* ns2 STRING \"x\" */                              \
    "|fb"                              /* i8 TINYINT -5 */                                 \
    "|2c 01"                           /* i16 SMALLINT 300, 2 bytes LE */                  \
    "|ff ff ff ff 0f"                  /* i32 INTEGER -1: 5-byte varint */                 \
    "|07"                              /* i64 BIGINT 7 (from Avro int) */                  \
    "|a0 8d 06"                        /* l32 INTEGER 100000 (from Avro long) */           \
    "|00 00 c0 3f"                     /* f FLOAT 1.5 */                                   \
    "|00 00 00 00 00 00 d0 3f"         /* fd DOUBLE 0.25 (from Avro float) */              \
    "|00 00 00 00 00 00 00 c0"         /* d DOUBLE -2.0 */                                 \
    "|01"                              /* b BOOLEAN true */                                \
    "|06 68 c3 a9 6c 6c 6f"            /* s STRING \"h\\u00e9llo\" (6 UTF-8 bytes) */      \
    "|02 61 62"                        /* c CHAR(3) \"ab\" (not padded) */                 \
    "|05 47 52 45 45 4e"               /* e STRING from enum GREEN */                      \
    "|02 00 ff"                        /* by BYTES 00 ff */                                \
    "|02 01 02"                        /* fx BINARY(2) from fixed(2) */                    \
    "|83 ff ff ff ff ff ff ff ff 01"   /* dec DECIMAL(5,2) -1.25: compact unscaled -125 */ \
    "|02 30 3a"                        /* decf DECIMAL(20,1): 1234.565 HALF_UP 1234.6, */  \
                                       /* unscaled 12346 = 0x303a, non-compact bytes */    \
    "|99 9a 01"                        /* dt DATE 2024-01-15 = day 19737 */                \
    "|c0 b3 a7 10"                     /* tm TIME 09:30:00 = 34200000 ms (§7.5 vector) */  \
    "|bb b4 a7 10"                     /* tmu TIME 09:30:00.123456 -> 34200123 ms */       \
    "|de 9f d7 b5 b6 31"               /* tsl LTZ(3) 1698235273182 (§7.5 vector) */        \
    "|de 9f d7 b5 b6 31 f8 c0 07"      /* tsu LTZ(6) same ms + 123000 ns of milli */       \
    "|ff ff ff ff ff ff ff ff ff 01 bf 84 3d" /* tsn LTZ(9) -1 ns: ms -1, 999999 ns */     \
    "|00"                              /* lts TIMESTAMP(3) 0 */                            \
    "|01 a0 c2 1e"                     /* ltu TIMESTAMP(6) 1500 us: ms 1, 500000 ns */     \
    "|24 32 62 62 38 37 64 36 38 2d 62 61 66 39 2d 34 65 36 34 2d 39 30 66 39 2d 66 38 30 39 31 30 34 31 39 66 61 36"

TEST(golden_all_scalar_conversions) {
    fixture_t fx;
    setup(&fx, GOLDEN "table_all.json", NULL);
    kfb_mapper_result_t res;
    kfb_err_t e = map_msg(&fx, "all_1", &res);
    if (e) fprintf(stderr, "%s\n", fx.err);
    ASSERT_OK(e);
    ASSERT_EQ_INT(res.n, 1);
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_UPSERT);
    ASSERT_HEX(res.out[0].key, res.out[0].key_len, "ac 02"); /* INTEGER 300 */
    ASSERT_EQ_INT(res.out[0].bucket, 5); /* §7.5 (derived): key ac 02, 16 buckets -> 5 */
    ASSERT_TRUE(res.out[0].partition == NULL);
    ASSERT_TRUE(res.out[0].target_columns == NULL);
    row_of(&fx, &res, 0);
    ASSERT_HEX(fx.row.data, fx.row.len, ALL_1_ROW);
    teardown(&fx);
}

TEST(golden_all_second_message_other_branches) {
    fixture_t fx;
    setup(&fx, GOLDEN "table_all.json", NULL);
    kfb_mapper_result_t res;
    ASSERT_OK(map_msg(&fx, "all_2", &res));
    ASSERT_HEX(res.out[0].key, res.out[0].key_len, "ff ff ff ff 0f"); /* INTEGER -1 */
    ASSERT_EQ_INT(res.out[0].bucket, 10); /* fluss_bucket.py ffffffff0f 16 */
    row_of(&fx, &res, 0);
    ASSERT_HEX(fx.row.data, fx.row.len,
               "06 00 00 00"          /* bitmap: missing (1), ns2 (2) null */
               "|ff ff ff ff 0f"      /* id -1 */
               "|01 79"               /* ns \"y\" (string branch of [null,string]) */
               "|fb|2c 01|ff ff ff ff 0f|07|a0 8d 06|00 00 c0 3f|00 00 00 00 00 00 d0 3f"
               "|00 00 00 00 00 00 00 c0"
               "|00"                  /* b false */
               "|06 68 c3 a9 6c 6c 6f|02 61 62|05 47 52 45 45 4e|02 00 ff|02 01 02"
               "|05"                  /* dec 0.05 -> unscaled 5 */
               "|01 ff"               /* decf -0.050 HALF_UP -> -0.1: unscaled -1 = ff */
               "|99 9a 01|c0 b3 a7 10|bb b4 a7 10|de 9f d7 b5 b6 31|de 9f d7 b5 b6 31 f8 c0 07"
               "|ff ff ff ff ff ff ff ff ff 01 bf 84 3d|00|01 a0 c2 1e"
               "|24 32 62 62 38 37 64 36 38 2d 62 61 66 39 2d 34 65 36 34 2d 39 30 66 39 2d 66 38 30 39 31 30 34 31 39 66 61 36");
    /* the plan notes the lossy conversions */
    const char *d = kfb_mapper_describe(fx.m, 1);
    ASSERT_TRUE(d != NULL);
    ASSERT_CONTAINS(d, "column decf DECIMAL(20, 1)");
    ASSERT_CONTAINS(d, "LOSSY: decimal scale reduced");
    ASSERT_CONTAINS(d, "column tmu");
    ASSERT_CONTAINS(d, "LOSSY: microseconds truncated");
    ASSERT_CONTAINS(d, "skip golden.AllTypes.tags");
    ASSERT_CONTAINS(d, "column missing <- null");
    teardown(&fx);
}

TEST(golden_two_writer_schemas_one_topic) {
    fixture_t fx;
    setup(&fx, GOLDEN "table_items.json", NULL);
    kfb_mapper_result_t res;
    ASSERT_OK(map_msg(&fx, "v1_a", &res));
    ASSERT_HEX(res.out[0].key, res.out[0].key_len, "01");
    ASSERT_EQ_INT(res.out[0].bucket, 0); /* fluss_bucket.py 01 4 */
    row_of(&fx, &res, 0);
    ASSERT_HEX(fx.row.data, fx.row.len, "04 01 01 61"); /* §6.2 worked row (1, "a", null) */
    ASSERT_EQ_INT(kfb_mapper_plan_count(fx.m), 1);
    /* schema 4 adds qty and moves it before name: a second plan, no restart */
    ASSERT_OK(map_msg(&fx, "v2_a", &res));
    ASSERT_HEX(res.out[0].key, res.out[0].key_len, "02");
    ASSERT_EQ_INT(res.out[0].bucket, 2); /* fluss_bucket.py 02 4 */
    row_of(&fx, &res, 0);
    ASSERT_HEX(fx.row.data, fx.row.len, "00 02 01 62 05"); /* (2, "b", 5) */
    ASSERT_EQ_INT(kfb_mapper_plan_count(fx.m), 2);
    ASSERT_OK(map_msg(&fx, "v1_a", &res)); /* cached plan */
    ASSERT_EQ_INT(kfb_mapper_plan_count(fx.m), 2);
    /* a tombstone deletes the key from the Avro-framed Kafka key (schema 5) */
    ASSERT_OK(map_msg(&fx, "tomb_1", &res));
    ASSERT_EQ_INT(res.n, 1);
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_DELETE);
    ASSERT_HEX(res.out[0].key, res.out[0].key_len, "01");
    ASSERT_EQ_INT(res.out[0].bucket, 0);
    ASSERT_EQ_INT(kfb_mapper_plan_count(fx.m), 3); /* + key plan */
    teardown(&fx);
}

TEST(golden_debezium_ops) {
    fixture_t fx;
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    setup(&fx, GOLDEN "table_dbz.json", &cfg);
    kfb_mapper_result_t res;
    /* c and r: upsert `after` (1, "a", 10) */
    const char *cr[] = {"dbz_c", "dbz_r"};
    for (int i = 0; i < 2; i++) {
        kfb_err_t e = map_msg(&fx, cr[i], &res);
        if (e) fprintf(stderr, "%s\n", fx.err);
        ASSERT_OK(e);
        ASSERT_EQ_INT(res.n, 1);
        ASSERT_EQ_INT(res.out[0].op, KFB_OP_UPSERT);
        ASSERT_HEX(res.out[0].key, res.out[0].key_len, "01");
        ASSERT_EQ_INT(res.out[0].bucket, 0);
        row_of(&fx, &res, 0);
        ASSERT_HEX(fx.row.data, fx.row.len, "00 01 01 61 0a");
    }
    /* u with the same key: one upsert of `after` (1, "a2", 11) */
    ASSERT_OK(map_msg(&fx, "dbz_u", &res));
    ASSERT_EQ_INT(res.n, 1);
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_UPSERT);
    row_of(&fx, &res, 0);
    ASSERT_HEX(fx.row.data, fx.row.len, "00 01 02 61 32 0b");
    /* u that changes the key 1 -> 2: delete 1, then upsert 2 */
    ASSERT_OK(map_msg(&fx, "dbz_u_move", &res));
    ASSERT_EQ_INT(res.n, 2);
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_DELETE);
    ASSERT_HEX(res.out[0].key, res.out[0].key_len, "01");
    ASSERT_EQ_INT(res.out[0].bucket, 0);
    ASSERT_EQ_INT(res.out[1].op, KFB_OP_UPSERT);
    ASSERT_HEX(res.out[1].key, res.out[1].key_len, "02");
    ASSERT_EQ_INT(res.out[1].bucket, 2);
    row_of(&fx, &res, 1);
    ASSERT_HEX(fx.row.data, fx.row.len, "00 02 02 61 32 0b");
    /* writing the delete's value is refused */
    ASSERT_ERR(kfb_mapper_write_value(fx.m, &res, 0, &fx.row, fx.err, sizeof(fx.err)),
               KFB_ERR_INVALID_ARG);
    /* d deletes `before`'s key; the tombstone that follows is recognised */
    ASSERT_OK(map_msg(&fx, "dbz_d", &res));
    ASSERT_EQ_INT(res.n, 1);
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_DELETE);
    ASSERT_HEX(res.out[0].key, res.out[0].key_len, "02");
    ASSERT_OK(map_msg(&fx, "dbz_tomb", &res));
    ASSERT_EQ_INT(res.n, 1);
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_SKIP);
    /* a second tombstone for the same key is a plain delete again */
    ASSERT_OK(map_msg(&fx, "dbz_tomb", &res));
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_DELETE);
    /* t (truncate) is skipped */
    ASSERT_OK(map_msg(&fx, "dbz_t", &res));
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_SKIP);
    teardown(&fx);
}

TEST(golden_append_to_kv_batch_zero_copy) {
    fixture_t fx;
    setup(&fx, GOLDEN "table_items.json", NULL);
    char berr[256];
    kfb_kv_batch_builder_t *b = kfb_kv_batch_builder_new(1, 1 << 16, berr, sizeof(berr));
    ASSERT_TRUE(b != NULL);
    kfb_mapper_result_t res;
    ASSERT_OK(map_msg(&fx, "v1_a", &res));
    ASSERT_OK(kfb_mapper_append_to_batch(fx.m, &res, 0, b, fx.err, sizeof(fx.err)));
    ASSERT_OK(map_msg(&fx, "tomb_1", &res));
    ASSERT_OK(kfb_mapper_append_to_batch(fx.m, &res, 0, b, fx.err, sizeof(fx.err)));
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 2);
    const uint8_t *out;
    size_t out_len;
    ASSERT_OK(kfb_kv_batch_build(b, &out, &out_len));
    /* KvRecord (§9.2): int32 LE length, varint key length, key, value */
    ASSERT_HEX(out + 28, out_len - 28,
               "06 00 00 00|01|01|04 01 01 61"  /* upsert key 01, row (1,"a",null) */
               "|02 00 00 00|01|01");           /* delete key 01, no value */
    kfb_kv_batch_builder_destroy(b);
    teardown(&fx);
}

/* Every golden value message cut short at every byte is a classified per-record error
 * (never a crash, never a success), and one extra byte is TRAILING_BYTES. */
TEST(golden_messages_truncated_at_every_byte) {
    static const struct {
        const char *table;
        int debezium;
        const char *names[8];
    } sets[] = {
        {GOLDEN "table_all.json", 0, {"all_1", "all_2", NULL}},
        {GOLDEN "table_items.json", 0, {"v1_a", "v2_a", NULL}},
        {GOLDEN "table_dbz.json", 1, {"dbz_c", "dbz_u", "dbz_u_move", "dbz_d", "dbz_t", NULL}},
    };
    for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
        fixture_t fx;
        kfb_mapper_config_t cfg;
        kfb_mapper_config_init(&cfg);
        cfg.format = sets[s].debezium ? KFB_MAPPER_FORMAT_DEBEZIUM : KFB_MAPPER_FORMAT_AVRO;
        setup(&fx, sets[s].table, &cfg);
        for (size_t k = 0; sets[s].names[k]; k++) {
            const msg_t *mm = msg(sets[s].names[k]);
            kfb_origin_t o = {"golden", 1, 7};
            kfb_mapper_result_t res;
            for (size_t cut = 0; cut < mm->value_len; cut++) {
                kfb_err_t e = kfb_mapper_map(fx.m, mm->key, mm->key_len, mm->value, cut, &o, &res,
                                             fx.err, sizeof(fx.err));
                if (!e) fprintf(stderr, "%s cut at %zu accepted\n", mm->name, cut);
                ASSERT_TRUE(e != KFB_ERR_OK);
                ASSERT_EQ_INT(kfb_err_class(e), KFB_ERRCLASS_RECORD);
                ASSERT_CONTAINS(fx.err, "topic golden partition 1 offset 7");
            }
            uint8_t *longer = malloc(mm->value_len + 1);
            memcpy(longer, mm->value, mm->value_len);
            longer[mm->value_len] = 0;
            ASSERT_ERR(kfb_mapper_map(fx.m, mm->key, mm->key_len, longer, mm->value_len + 1, &o,
                                      &res, fx.err, sizeof(fx.err)),
                       KFB_ERR_TRAILING_BYTES);
            free(longer);
        }
        teardown(&fx);
    }
}

/* Avro records into ROW columns: a nested CompactedRow behind a varint32 length (§6.2 ROW;
 * CompactedRowWriter.writeRow), ROW fields matched by name in their own order, a ROW field
 * without an Avro field written as null, a nullable nested record in both states. */
TEST(golden_nested_records_into_rows) {
    fixture_t fx;
    setup(&fx, GOLDEN "table_nested.json", NULL);
    kfb_mapper_result_t res;
    kfb_err_t e = map_msg(&fx, "nested_1", &res);
    if (e) fprintf(stderr, "%s\n", fx.err);
    ASSERT_OK(e);
    ASSERT_HEX(res.out[0].key, res.out[0].key_len, "05");
    ASSERT_EQ_INT(res.out[0].bucket, 2); /* fluss_bucket.py 05 4 */
    row_of(&fx, &res, 0);
    ASSERT_HEX(fx.row.data, fx.row.len,
               "04"              /* bitmap: note (2) null */
               "|05"             /* id 5 */
               "|0a"             /* customer: 10 bytes of nested row */
               "|08"             /*   bitmap: extra (3) null */
               "|01"             /*   vip true */
               "|02 62 6f"       /*   name \"bo\" */
               "|04 00 07 01 58" /*   addr: 4 bytes: bitmap 00, zip 7, city \"X\" */);
    ASSERT_OK(map_msg(&fx, "nested_2", &res));
    row_of(&fx, &res, 0);
    ASSERT_HEX(fx.row.data, fx.row.len,
               "00|05"
               "|05 0c 01 02 62 6f" /* customer: 5 bytes, addr (2) and extra (3) null */
               "|01 6e");           /* note \"n\" */
    const char *d = kfb_mapper_describe(fx.m, 7);
    ASSERT_CONTAINS(d, "field extra <- null (no Avro field)");
    teardown(&fx);
}

/* Avro arrays and maps into ARRAY/MAP columns (BinaryArray / BinaryMap, §6.4); the bytes and
 * where they come from: golden_rows.h. */
TEST(golden_arrays_and_maps) {
    fixture_t fx;
    setup(&fx, GOLDEN "table_coll.json", NULL);
    kfb_mapper_result_t res;
    kfb_err_t e = map_msg(&fx, "coll_1", &res);
    if (e) fprintf(stderr, "%s\n", fx.err);
    ASSERT_OK(e);
    row_of(&fx, &res, 0);
    ASSERT_HEX(fx.row.data, fx.row.len, KFB_GOLDEN_COLL_1_ROW);
    teardown(&fx);
}

/* An array block with a byte size (negative count, Avro spec "Arrays") must hold exactly
 * its items: the items are read twice (validated at map time, written once the count is
 * known), and a size that disagrees with them once let the second read fail with an
 * internal error (found by fuzz_mapper). Now a per-record BAD_LENGTH at map time; a
 * truthful size maps to the same row as the positive-count form. */
TEST(array_block_byte_size_must_match_its_items) {
    fixture_t fx;
    setup(&fx, GOLDEN "table_coll.json", NULL);
    kfb_origin_t o = {"golden", 0, 7};
    kfb_mapper_result_t res;
    /* id 1, ai = [1] as: count -1, byte size 2 | count 1 | lying byte size 4; then empty
     * af, am, as */
    size_t n_sized, n_plain, n_lying;
    uint8_t *sized = kfb_test_unhex("00 00000008 02 01 04 02 02 00 00 00 00", &n_sized);
    uint8_t *plain = kfb_test_unhex("00 00000008 02 02 02 02 00 00 00 00", &n_plain);
    uint8_t *lying = kfb_test_unhex("00 00000008 02 01 08 02 02 00 00 00 00", &n_lying);
    kfb_buf_t want = {0};
    ASSERT_OK(kfb_mapper_map(fx.m, NULL, 0, plain, n_plain, &o, &res, fx.err, sizeof(fx.err)));
    ASSERT_OK(kfb_mapper_write_value(fx.m, &res, 0, &want, fx.err, sizeof(fx.err)));
    ASSERT_OK(kfb_mapper_map(fx.m, NULL, 0, sized, n_sized, &o, &res, fx.err, sizeof(fx.err)));
    row_of(&fx, &res, 0);
    ASSERT_MEMEQ(fx.row.data, fx.row.len, want.data, want.len);
    ASSERT_ERR(kfb_mapper_map(fx.m, NULL, 0, lying, n_lying, &o, &res, fx.err, sizeof(fx.err)),
               KFB_ERR_BAD_LENGTH);
    ASSERT_STREQ(fx.err, "topic golden partition 0 offset 7: field Coll.ai: a block declares 4 "
                         "bytes but its 1 items take 2");
    kfb_buf_free(&want);
    free(sized), free(plain), free(lying);
    teardown(&fx);
}
