/* test_mapper_batch_review.c - kfb_mapper_map_batch's sink contract on cases found in
 * review: batch_for errors always stop the call (mapper.h, kfb_mapper_sink_t). */
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
    kfb_mapper_result_t res;
    kfb_buf_t row = {0};
    for (int tries = 0; tries < 1000; tries++) {
        gen(&fx->good);
        if (kfb_mapper_map(fx->m, NULL, 0, fx->good.b, fx->good.n, NULL, &res, fx->err,
                           sizeof(fx->err)) == KFB_ERR_OK &&
            kfb_mapper_write_value(fx->m, &res, 0, &row, fx->err, sizeof(fx->err)) == KFB_ERR_OK) {
            kfb_buf_free(&row);
            return;
        }
    }
    ASSERT_TRUE(0);
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
