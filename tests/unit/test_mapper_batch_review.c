/* test_mapper_batch_review.c - kfb_mapper_map_batch's sink contract on cases found in
 * review: batch_for errors always stop the call, and a batch stamped with another table
 * schema id never takes a record (mapper.h, kfb_mapper_sink_t and kfb_mapper_set_table). */
#include "harness.h"
#include "mapper.h"

#include "mapper_gen.h"

#define BUCKETS 7 /* the generator's table */

typedef struct fx {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    kfb_kv_batch_builder_t *batches[BUCKETS]; /* stamped with schema id 1 */
    kfb_kv_batch_builder_t *fresh[BUCKETS];   /* what batch_for gives */
    int32_t fresh_schema_id;
    int batch_for_calls;
    int on_error_calls;
    kfb_err_t batch_for_err;
    out_t good;
    char err[1024];
} fx_t;

static void fx_init(fx_t *fx, int32_t table_schema_id, int fused) {
    memset(fx, 0, sizeof(*fx));
    fx->td = kfb_table_desc_parse(TABLE, strlen(TABLE), fx->err, sizeof(fx->err));
    ASSERT_TRUE(fx->td != NULL);
    fx->src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(fx->src, 1, SCHEMA, strlen(SCHEMA), fx->err, sizeof(fx->err)));
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "t";
    cfg.table_schema_id = table_schema_id;
    fx->m = kfb_mapper_new(fx->td, fx->src, &cfg, fx->err, sizeof(fx->err));
    ASSERT_TRUE(fx->m != NULL);
    kfb_mapper_set_fused_for_testing(fx->m, fused);
    fx->fresh_schema_id = table_schema_id ? table_schema_id : 1;
    for (int b = 0; b < BUCKETS; b++) {
        fx->batches[b] = kfb_kv_batch_builder_new(1, 1 << 20, fx->err, sizeof(fx->err));
        fx->fresh[b] = kfb_kv_batch_builder_new(fx->fresh_schema_id, 1 << 20, fx->err,
                                                sizeof(fx->err));
        ASSERT_TRUE(fx->batches[b] && fx->fresh[b]);
    }
    gen_mappable(&fx->good, fx->m);
}

static void fx_free(fx_t *fx) {
    for (int b = 0; b < BUCKETS; b++) {
        kfb_kv_batch_abort(fx->batches[b]);
        kfb_kv_batch_abort(fx->fresh[b]);
        kfb_kv_batch_builder_destroy(fx->batches[b]);
        kfb_kv_batch_builder_destroy(fx->fresh[b]);
    }
    kfb_mapper_destroy(fx->m);
    kfb_schema_source_destroy(fx->src);
    kfb_table_desc_destroy(fx->td);
}

static int count(kfb_kv_batch_builder_t *const *batches) {
    int n = 0;
    for (int b = 0; b < BUCKETS; b++) n += kfb_kv_batch_record_count(batches[b]);
    return n;
}

static kfb_err_t fx_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                              kfb_kv_batch_builder_t **out) {
    (void)msg;
    fx_t *fx = ctx;
    fx->batch_for_calls++;
    if (fx->batch_for_err) return fx->batch_for_err;
    ASSERT_TRUE(rec->bucket >= 0 && rec->bucket < BUCKETS);
    *out = fx->fresh[rec->bucket];
    return KFB_ERR_OK;
}

static int fx_on_error(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    (void)index, (void)err, (void)errstr;
    ((fx_t *)ctx)->on_error_calls++;
    return 0; /* go on */
}

/* The header: batch_for "returns an error that stops the call". An error whose class is
 * RECORD must stop it too, not reach on_error (which would consume the message while
 * its record is in no batch). */
static void batch_for_record_class_error_stops(int fused) {
    fx_t fx;
    fx_init(&fx, 0, fused);
    kfb_mapper_msg_t msgs[2] = {
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 20}},
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 21}},
    };
    kfb_mapper_sink_t sink = {.batch_for = fx_batch_for, .on_error = fx_on_error, .ctx = &fx};
    fx.batch_for_err = KFB_ERR_MAPPER_RECORD_TOO_LARGE;
    ASSERT_EQ_INT(kfb_err_class(fx.batch_for_err), KFB_ERRCLASS_RECORD);
    size_t done = 99;
    ASSERT_ERR(kfb_mapper_map_batch(fx.m, msgs, 2, &sink, &done, fx.err, sizeof(fx.err)),
               KFB_ERR_MAPPER_RECORD_TOO_LARGE);
    ASSERT_EQ_INT(done, 0);
    ASSERT_EQ_INT(fx.batch_for_calls, 1);
    ASSERT_EQ_INT(fx.on_error_calls, 0);
    ASSERT_CONTAINS(fx.err, "offset 20: no batch for the record");
    fx_free(&fx);
}

TEST(batch_for_record_class_error_stops_fused) { batch_for_record_class_error_stops(1); }
TEST(batch_for_record_class_error_stops_general) { batch_for_record_class_error_stops(0); }

/* After kfb_mapper_set_table (here: a mapper for table schema id 2 from the start) the
 * open batches of the old schema id must not take rows of the new one: the KV batch
 * header says which schema the rows are encoded with. Such a batch "cannot take" the
 * record: batch_for gives one of the right schema id. */
static void old_schema_batches_are_not_used(int fused) {
    fx_t fx;
    fx_init(&fx, 2, fused);
    ASSERT_EQ_INT(kfb_mapper_table_schema_id(fx.m), 2);
    kfb_mapper_msg_t msgs[3] = {
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 30}},
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 31}},
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 32}},
    };
    kfb_kv_batch_builder_t *placed[6];
    kfb_mapper_sink_t sink = {.batches = fx.batches, .n_batches = BUCKETS,
                              .batch_for = fx_batch_for, .on_error = fx_on_error,
                              .placed = placed, .ctx = &fx};
    size_t done = 99;
    ASSERT_OK(kfb_mapper_map_batch(fx.m, msgs, 3, &sink, &done, fx.err, sizeof(fx.err)));
    ASSERT_EQ_INT(done, 3);
    ASSERT_EQ_INT(count(fx.batches), 0);
    ASSERT_EQ_INT(count(fx.fresh), 3);
    ASSERT_EQ_INT(fx.batch_for_calls, 3); /* (this batch_for does not update batches[]) */
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(placed[2 * i] != NULL);
        ASSERT_EQ_INT(kfb_kv_batch_schema_id(placed[2 * i]), 2);
    }
    fx_free(&fx);
}

TEST(batch_skips_open_batches_of_another_table_schema_fused) { old_schema_batches_are_not_used(1); }
TEST(batch_skips_open_batches_of_another_table_schema_general) { old_schema_batches_are_not_used(0); }

/* batch_for giving a batch of another schema id is the caller's bug: the call stops with
 * KFB_ERR_STATE (fatal) and nothing is appended. */
TEST(batch_for_giving_another_schema_stops) {
    fx_t fx;
    fx_init(&fx, 2, 1);
    kfb_mapper_msg_t msgs[1] = {{NULL, 0, fx.good.b, fx.good.n, {"t", 0, 40}}};
    /* batch_for hands out the schema-1 batches */
    for (int b = 0; b < BUCKETS; b++) {
        kfb_kv_batch_builder_t *t = fx.fresh[b];
        fx.fresh[b] = fx.batches[b];
        fx.batches[b] = t;
    }
    kfb_mapper_sink_t sink = {.batch_for = fx_batch_for, .on_error = fx_on_error, .ctx = &fx};
    size_t done = 99;
    ASSERT_ERR(kfb_mapper_map_batch(fx.m, msgs, 1, &sink, &done, fx.err, sizeof(fx.err)),
               KFB_ERR_STATE);
    ASSERT_EQ_INT(done, 0);
    ASSERT_EQ_INT(fx.on_error_calls, 0);
    ASSERT_CONTAINS(fx.err, "schema id 1");
    ASSERT_EQ_INT(count(fx.fresh) + count(fx.batches), 0);
    fx_free(&fx);
}

/* kfb_mapper_set_table between two calls: the same open batches array, now of the old
 * schema, is passed again. */
TEST(batch_after_set_table_uses_batches_of_the_new_schema) {
    fx_t fx;
    fx_init(&fx, 0, 1);
    kfb_mapper_msg_t msgs[2] = {
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 50}},
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 51}},
    };
    kfb_mapper_sink_t sink = {.batches = fx.batches, .n_batches = BUCKETS,
                              .batch_for = fx_batch_for, .on_error = fx_on_error, .ctx = &fx};
    size_t done;
    ASSERT_OK(kfb_mapper_map_batch(fx.m, msgs, 1, &sink, &done, fx.err, sizeof(fx.err)));
    ASSERT_EQ_INT(count(fx.batches), 1);
    ASSERT_OK(kfb_mapper_set_table(fx.m, fx.td, 3, fx.err, sizeof(fx.err)));
    for (int b = 0; b < BUCKETS; b++) ASSERT_OK(kfb_kv_batch_set_schema_id(fx.fresh[b], 3));
    ASSERT_OK(kfb_mapper_map_batch(fx.m, msgs + 1, 1, &sink, &done, fx.err, sizeof(fx.err)));
    ASSERT_EQ_INT(count(fx.batches), 1); /* the schema-1 batch got nothing more */
    ASSERT_EQ_INT(count(fx.fresh), 1);
    fx_free(&fx);
}

/* A batch from batch_for that cannot take the record although the record would fit an
 * empty batch (closed, aborted, or full of other records) is the sink's bug, not a record
 * too large: the call stops there. As a per-record RECORD_TOO_LARGE, on_error went on and
 * the message was consumed with its record in no batch. */
static void unusable_batch_from_batch_for_stops(int how, kfb_err_t want) {
    fx_t fx;
    fx_init(&fx, 0, 1);
    kfb_mapper_msg_t msgs[2] = {
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 60}},
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 61}},
    };
    for (int b = 0; b < BUCKETS; b++) {
        if (how == 0) {
            ASSERT_OK(kfb_kv_batch_close(fx.fresh[b]));
        } else if (how == 1) {
            kfb_kv_batch_abort(fx.fresh[b]);
        } else {
            /* full of other records: a small batch that holds one record already */
            kfb_kv_batch_builder_destroy(fx.fresh[b]);
            fx.fresh[b] = kfb_kv_batch_builder_new(1, 28 + 5 + fx.good.n + 40, fx.err,
                                                   sizeof(fx.err));
            ASSERT_TRUE(fx.fresh[b] != NULL);
            uint8_t big[200];
            memset(big, 7, sizeof(big));
            size_t vl = kfb_kv_batch_write_limit(fx.fresh[b]) - 28 - 6 - 2;
            ASSERT_TRUE(vl <= sizeof(big));
            ASSERT_OK(kfb_kv_batch_append(fx.fresh[b], (const uint8_t *)"k", 1, big, vl));
        }
    }
    kfb_mapper_sink_t sink = {.batch_for = fx_batch_for, .on_error = fx_on_error, .ctx = &fx};
    size_t done = 99;
    ASSERT_ERR(kfb_mapper_map_batch(fx.m, msgs, 2, &sink, &done, fx.err, sizeof(fx.err)), want);
    ASSERT_EQ_INT(done, 0);
    ASSERT_EQ_INT(fx.on_error_calls, 0);
    ASSERT_CONTAINS(fx.err, "offset 60: batch_for gave a batch that cannot take the record");
    fx_free(&fx);
}

TEST(batch_for_giving_a_closed_batch_stops) {
    unusable_batch_from_batch_for_stops(0, KFB_ERR_BATCH_CLOSED);
}
TEST(batch_for_giving_an_aborted_batch_stops) {
    unusable_batch_from_batch_for_stops(1, KFB_ERR_BATCH_ABORTED);
}
TEST(batch_for_giving_a_full_batch_stops) { unusable_batch_from_batch_for_stops(2, KFB_ERR_BATCH_FULL); }

/* ---- a Debezium key change whose upsert cannot be written ---- */

static kfb_err_t dbz_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                         kfb_kv_batch_builder_t **out) {
    (void)msg;
    *out = ((kfb_kv_batch_builder_t **)ctx)[rec->bucket];
    return KFB_ERR_OK;
}

static int dbz_errors;
static int dbz_on_error_go(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    (void)ctx, (void)index, (void)errstr;
    ASSERT_ERR(err, KFB_ERR_NULL_NOT_ALLOWED);
    dbz_errors++;
    return 0;
}
static int dbz_on_error_stop(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    dbz_on_error_go(ctx, index, err, errstr);
    return 1;
}

/* tests/golden/mapper's dbz_u_move (id 1 -> 2) with a null `name` (NOT NULL) in `after`:
 * the message is a per-record error as a whole. Its delete of key 1 must not reach a batch
 * first: with on_error going on, the old row would be deleted by a message that was
 * dead-lettered; with on_error stopping, by a message the call reports as not consumed
 * (and a call again from *n_done appends that delete a second time). */
static void dbz_failed_upsert_appends_nothing(int stop) {
    char err[1024];
    kfb_table_desc_t *td =
        kfb_table_desc_load_file("tests/golden/mapper/table_dbz.json", err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    kfb_schema_source_t *src = kfb_schema_source_dir_new("tests/golden/mapper/schemas", err,
                                                         sizeof(err));
    ASSERT_TRUE(src != NULL);
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    cfg.topic = "golden";
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof(err));
    ASSERT_TRUE(m != NULL);
    size_t vl;
    uint8_t *v = kfb_test_unhex("0000000002"
                                "02" "02" "0204" "6132" "0216"   /* before: 1, "a2", 11 */
                                "02" "04" "00" "0216"            /* after: 2, null, 11 */
                                "0873686f70" "020274" "0275" "0280a0abfef962",
                                &vl);
    kfb_mapper_msg_t msgs[1] = {{NULL, 0, v, vl, {"golden", 0, 9}}};
    /* the per-message API maps it, and fails writing the upsert's row */
    kfb_mapper_result_t res;
    ASSERT_OK(kfb_mapper_map(m, NULL, 0, v, vl, NULL, &res, err, sizeof(err)));
    ASSERT_EQ_INT(res.n, 2);
    kfb_buf_t row = {0};
    ASSERT_ERR(kfb_mapper_write_value(m, &res, 1, &row, err, sizeof(err)),
               KFB_ERR_NULL_NOT_ALLOWED);
    kfb_buf_free(&row);
    int nb = td->bucket_count;
    kfb_kv_batch_builder_t *batches[16];
    for (int b = 0; b < nb; b++) batches[b] = kfb_kv_batch_builder_new(1, 1 << 16, err, sizeof(err));
    kfb_kv_batch_builder_t *placed[2] = {(void *)1, (void *)1};
    kfb_mapper_sink_t sink = {.batches = batches, .n_batches = (size_t)nb, .batch_for = dbz_for,
                              .on_error = stop ? dbz_on_error_stop : dbz_on_error_go,
                              .placed = placed, .ctx = batches};
    size_t done = 99;
    dbz_errors = 0;
    kfb_err_t e = kfb_mapper_map_batch(m, msgs, 1, &sink, &done, err, sizeof(err));
    ASSERT_EQ_INT(dbz_errors, 1);
    if (stop) {
        ASSERT_ERR(e, KFB_ERR_NULL_NOT_ALLOWED);
        ASSERT_EQ_INT(done, 0);
    } else {
        ASSERT_OK(e);
        ASSERT_EQ_INT(done, 1);
    }
    ASSERT_CONTAINS(err, "offset 9");
    int total = 0;
    for (int b = 0; b < nb; b++) total += kfb_kv_batch_record_count(batches[b]);
    ASSERT_EQ_INT(total, 0);
    ASSERT_TRUE(placed[0] == NULL && placed[1] == NULL);
    for (int b = 0; b < nb; b++) kfb_kv_batch_builder_destroy(batches[b]);
    free(v);
    kfb_mapper_destroy(m);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
}

TEST(batch_debezium_key_change_with_bad_upsert_appends_nothing) {
    dbz_failed_upsert_appends_nothing(0);
}
TEST(batch_debezium_key_change_with_bad_upsert_stops_with_nothing_appended) {
    dbz_failed_upsert_appends_nothing(1);
}

/* errstr is optional (NULL, 0) as for every mapper call, but on_error is promised the
 * per-record error's text: it must get a string, not NULL. */
static int text_on_error(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    (void)index, (void)err;
    fx_t *fx = ctx;
    fx->on_error_calls++;
    ASSERT_TRUE(errstr != NULL);
    ASSERT_CONTAINS(errstr, "offset 71");
    return 0;
}

TEST(batch_on_error_gets_text_without_a_caller_errstr) {
    fx_t fx;
    fx_init(&fx, 0, 1);
    static const uint8_t bad[] = {1, 0, 0, 0, 1, 2};
    kfb_mapper_msg_t msgs[2] = {
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 70}},
        {NULL, 0, bad, sizeof(bad), {"t", 0, 71}},
    };
    kfb_mapper_sink_t sink = {.batches = fx.fresh, .n_batches = BUCKETS,
                              .batch_for = fx_batch_for, .on_error = text_on_error, .ctx = &fx};
    size_t done = 99;
    ASSERT_OK(kfb_mapper_map_batch(fx.m, msgs, 2, &sink, &done, NULL, 0));
    ASSERT_EQ_INT(done, 2);
    ASSERT_EQ_INT(fx.on_error_calls, 1);
    ASSERT_EQ_INT(count(fx.fresh), 1);
    fx_free(&fx);
}
