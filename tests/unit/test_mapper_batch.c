/* test_mapper_batch.c - kfb_mapper_map_batch against the per-message API.
 *
 * The reference maps each message with kfb_mapper_map (fused path off: the general path,
 * whose bytes test_mapper.c pins to hand-derived golden values) and appends each record
 * with kfb_mapper_append_to_batch to its bucket's batch, "sending" (logging and resetting)
 * a batch when it is full. The batch side hands the same messages to kfb_mapper_map_batch
 * in chunks of random sizes, with a sink whose batch_for sends the same way. Both must
 * produce the same errors (message index, code and text), the same sent batches in the
 * same order and the same open batches, byte for byte. Then the sink's contract: placed
 * entries, on_error stop/continue, batch_for failures, records too large for any batch,
 * partitioned tables without a batches array, Debezium messages with two records.
 */
#include "harness.h"
#include "mapper.h"

#include "mapper_gen.h"

#define BUCKETS 7 /* the generator's table */
#define NMSG 3000

/* A sent batch: which bucket, and its built bytes. */
typedef struct sent {
    int bucket;
    uint8_t *bytes;
    size_t len;
} sent_t;

typedef struct accum {
    kfb_kv_batch_builder_t *batches[BUCKETS];
    sent_t *sent;
    size_t n_sent;
    /* errors: message index, code, text */
    size_t err_index[NMSG];
    kfb_err_t err_code[NMSG];
    char *err_text[NMSG];
    size_t n_err;
} accum_t;

static void accum_init(accum_t *a, size_t limit) {
    memset(a, 0, sizeof(*a));
    char err[256];
    for (int b = 0; b < BUCKETS; b++) {
        a->batches[b] = kfb_kv_batch_builder_new(1, limit, err, sizeof(err));
        ASSERT_TRUE(a->batches[b] != NULL);
    }
    a->sent = calloc(NMSG * 2, sizeof(sent_t));
    ASSERT_TRUE(a->sent != NULL);
}

static void accum_free(accum_t *a) {
    for (int b = 0; b < BUCKETS; b++) kfb_kv_batch_builder_destroy(a->batches[b]);
    for (size_t i = 0; i < a->n_sent; i++) free(a->sent[i].bytes);
    for (size_t i = 0; i < a->n_err; i++) free(a->err_text[i]);
    free(a->sent);
}

/* Seals bucket b's batch: logs its bytes and empties it. */
static void send(accum_t *a, int b) {
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(a->batches[b], &p, &n));
    sent_t *s = &a->sent[a->n_sent++];
    s->bucket = b;
    s->bytes = malloc(n);
    ASSERT_TRUE(s->bytes != NULL);
    memcpy(s->bytes, p, n);
    s->len = n;
    kfb_kv_batch_reset(a->batches[b]);
}

static void log_error(accum_t *a, size_t index, kfb_err_t e, const char *text) {
    a->err_index[a->n_err] = index;
    a->err_code[a->n_err] = e;
    a->err_text[a->n_err] = strdup(text);
    a->n_err++;
}

/* ---- the batch side's sink ---- */
static kfb_err_t accum_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                                 kfb_kv_batch_builder_t **out) {
    (void)msg;
    accum_t *a = ctx;
    ASSERT_TRUE(rec->bucket >= 0 && rec->bucket < BUCKETS);
    ASSERT_TRUE(rec->op != KFB_OP_SKIP);
    if (kfb_kv_batch_record_count(a->batches[rec->bucket])) send(a, rec->bucket);
    *out = a->batches[rec->bucket];
    return KFB_ERR_OK;
}

static int accum_on_error(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    log_error(ctx, index, err, errstr);
    return 0;
}

/* ---- the reference: message by message ---- */
static void reference(kfb_mapper_t *m, accum_t *a, const kfb_mapper_msg_t *msgs, size_t n) {
    char err[1024];
    kfb_mapper_result_t res;
    for (size_t i = 0; i < n; i++) {
        err[0] = '\0';
        kfb_err_t e = kfb_mapper_map(m, msgs[i].key, msgs[i].key_len, msgs[i].value,
                                     msgs[i].value_len, &msgs[i].origin, &res, err, sizeof(err));
        for (size_t k = 0; !e && k < res.n; k++) {
            if (res.out[k].op == KFB_OP_SKIP) continue;
            int b = res.out[k].bucket;
            e = kfb_mapper_append_to_batch(m, &res, k, a->batches[b], err, sizeof(err));
            if (e == KFB_ERR_BATCH_FULL && kfb_kv_batch_record_count(a->batches[b])) {
                send(a, b);
                e = kfb_mapper_append_to_batch(m, &res, k, a->batches[b], err, sizeof(err));
            }
            /* (the generator's rows are far below the smallest limit used here) */
            ASSERT_TRUE(e != KFB_ERR_BATCH_FULL);
        }
        if (e) log_error(a, i, e, err);
    }
}

static void compare_accums(const accum_t *x, const accum_t *y) {
    ASSERT_EQ_INT(x->n_err, y->n_err);
    for (size_t i = 0; i < x->n_err; i++) {
        ASSERT_EQ_INT(x->err_index[i], y->err_index[i]);
        ASSERT_ERR(x->err_code[i], y->err_code[i]);
        ASSERT_STREQ(x->err_text[i], y->err_text[i]);
    }
    ASSERT_EQ_INT(x->n_sent, y->n_sent);
    for (size_t i = 0; i < x->n_sent; i++) {
        ASSERT_EQ_INT(x->sent[i].bucket, y->sent[i].bucket);
        ASSERT_MEMEQ(x->sent[i].bytes, x->sent[i].len, y->sent[i].bytes, y->sent[i].len);
    }
    for (int b = 0; b < BUCKETS; b++) {
        const uint8_t *p, *q;
        size_t pn, qn;
        ASSERT_OK(kfb_kv_batch_build(x->batches[b], &p, &pn));
        ASSERT_OK(kfb_kv_batch_build(y->batches[b], &q, &qn));
        ASSERT_MEMEQ(p, pn, q, qn);
    }
}

static kfb_mapper_t *new_mapper(const kfb_table_desc_t *td, kfb_schema_source_t *src, int fused) {
    char err[512];
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "t";
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof(err));
    ASSERT_TRUE(m != NULL);
    kfb_mapper_set_fused_for_testing(m, fused);
    return m;
}

static void run_equivalence(size_t limit, int corrupt) {
    char err[1024];
    kfb_table_desc_t *td = kfb_table_desc_parse(TABLE, strlen(TABLE), err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(src, 1, SCHEMA, strlen(SCHEMA), err, sizeof(err)));
    /* the messages, with a few tombstones (no Kafka key: a per-record error) and unknown
     * schema ids mixed in */
    static out_t outs[NMSG];
    static kfb_mapper_msg_t msgs[NMSG];
    for (size_t i = 0; i < NMSG; i++) {
        out_t *o = &outs[i];
        gen(o);
        size_t len = o->n;
        if (corrupt) {
            switch (rnd(4)) {
            case 0: len = 5 + rnd(o->n - 5); break;
            case 1: o->b[5 + rnd(o->n - 5)] ^= (uint8_t)(1u << rnd(8)); break;
            case 2: o->b[len++] = 0; break;
            default: break;
            }
        }
        if (rnd(100) == 0) o->b[4] = 9; /* unknown schema id */
        msgs[i] = (kfb_mapper_msg_t){NULL, 0, rnd(200) ? o->b : NULL, len,
                                     {"t", (int32_t)rnd(3), (int64_t)i}};
    }
    accum_t ref, bat;
    accum_init(&ref, limit);
    accum_init(&bat, limit);
    kfb_mapper_t *mr = new_mapper(td, src, 0), *mb = new_mapper(td, src, 1);
    reference(mr, &ref, msgs, NMSG);

    static kfb_kv_batch_builder_t *placed[2 * NMSG];
    kfb_mapper_sink_t sink = {.batches = bat.batches, .n_batches = BUCKETS,
                              .batch_for = accum_batch_for, .on_error = accum_on_error,
                              .placed = placed, .ctx = &bat};
    for (size_t i = 0; i < NMSG;) {
        size_t chunk = 1 + rnd(50);
        if (chunk > NMSG - i) chunk = NMSG - i;
        size_t done = 99999;
        sink.placed = placed + 2 * i;
        /* on_error gets indexes within the chunk: shift them back */
        size_t e0 = bat.n_err;
        ASSERT_OK(kfb_mapper_map_batch(mb, msgs + i, chunk, &sink, &done, err, sizeof(err)));
        ASSERT_EQ_INT(done, chunk);
        for (size_t k = e0; k < bat.n_err; k++) bat.err_index[k] += i;
        i += chunk;
    }
    compare_accums(&ref, &bat);
    /* placed: an error or a tombstone-less skip names no batch; an upsert names the batch
     * of its bucket (still open or sent: the pointer is the bucket's builder) */
    size_t n_placed = 0, k_err = 0;
    for (size_t i = 0; i < NMSG; i++) {
        int failed = k_err < bat.n_err && bat.err_index[k_err] == i;
        if (failed) k_err++;
        ASSERT_TRUE(placed[2 * i + 1] == NULL);
        if (failed) {
            ASSERT_TRUE(placed[2 * i] == NULL);
        } else {
            ASSERT_TRUE(placed[2 * i] != NULL);
            n_placed++;
        }
    }
    ASSERT_GT_INT(n_placed, corrupt ? 30 : 100);
    ASSERT_GT_INT(bat.n_err, corrupt ? 1000 : 300);
    ASSERT_GT_INT(kfb_mapper_fused_count_for_testing(mb), corrupt ? 30 : 100);
    if (limit < 4096) ASSERT_GT_INT(bat.n_sent, 10);
    kfb_mapper_destroy(mr);
    kfb_mapper_destroy(mb);
    accum_free(&ref);
    accum_free(&bat);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
}

TEST(batch_equals_per_message_api) { run_equivalence(1 << 20, 0); }

TEST(batch_equals_per_message_api_on_corrupted_records) { run_equivalence(1 << 20, 1); }

TEST(batch_equals_per_message_api_when_batches_fill) { run_equivalence(1024, 0); }

/* ---- the sink's contract on hand-made cases ---- */

typedef struct fixture {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    accum_t acc;
    out_t good;
    char err[1024];
} fixture_t;

static void fixture_init(fixture_t *fx, size_t limit) {
    memset(fx, 0, sizeof(*fx));
    fx->td = kfb_table_desc_parse(TABLE, strlen(TABLE), fx->err, sizeof(fx->err));
    ASSERT_TRUE(fx->td != NULL);
    fx->src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(fx->src, 1, SCHEMA, strlen(SCHEMA), fx->err, sizeof(fx->err)));
    fx->m = new_mapper(fx->td, fx->src, 1);
    accum_init(&fx->acc, limit);
    gen_mappable(&fx->good, fx->m);
}

static void fixture_free(fixture_t *fx) {
    kfb_mapper_destroy(fx->m);
    accum_free(&fx->acc);
    kfb_schema_source_destroy(fx->src);
    kfb_table_desc_destroy(fx->td);
}

static const uint8_t BAD_MAGIC[] = {1, 0, 0, 0, 1, 2};

/* Without on_error the call stops at the first per-record error, which it returns, and
 * reports the messages before it as done. */
TEST(batch_stops_at_record_error_without_on_error) {
    fixture_t fx;
    fixture_init(&fx, 1 << 20);
    kfb_mapper_msg_t msgs[3] = {
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 10}},
        {NULL, 0, BAD_MAGIC, sizeof(BAD_MAGIC), {"t", 0, 11}},
        {NULL, 0, fx.good.b, fx.good.n, {"t", 0, 12}},
    };
    kfb_mapper_sink_t sink = {.batches = fx.acc.batches, .n_batches = BUCKETS,
                              .batch_for = accum_batch_for, .ctx = &fx.acc};
    size_t done = 99;
    kfb_err_t e = kfb_mapper_map_batch(fx.m, msgs, 3, &sink, &done, fx.err, sizeof(fx.err));
    ASSERT_ERR(e, KFB_ERR_NOT_CONFLUENT_FRAMED);
    ASSERT_EQ_INT(done, 1);
    ASSERT_CONTAINS(fx.err, "topic t partition 0 offset 11");
    int total = 0;
    for (int b = 0; b < BUCKETS; b++) total += kfb_kv_batch_record_count(fx.acc.batches[b]);
    ASSERT_EQ_INT(total, 1);
    fixture_free(&fx);
}

static int stop_on_error(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    accum_on_error(ctx, index, err, errstr);
    return 1;
}

/* on_error saying stop: the call returns that error at that message. */
TEST(batch_on_error_can_stop) {
    fixture_t fx;
    fixture_init(&fx, 1 << 20);
    kfb_mapper_msg_t msgs[3] = {
        {NULL, 0, BAD_MAGIC, sizeof(BAD_MAGIC), {"t", 1, 5}},
        {NULL, 0, fx.good.b, fx.good.n, {"t", 1, 6}},
        {NULL, 0, BAD_MAGIC, sizeof(BAD_MAGIC), {"t", 1, 7}},
    };
    kfb_mapper_sink_t sink = {.batches = fx.acc.batches, .n_batches = BUCKETS,
                              .batch_for = accum_batch_for, .on_error = accum_on_error,
                              .ctx = &fx.acc};
    size_t done = 99;
    ASSERT_OK(kfb_mapper_map_batch(fx.m, msgs, 3, &sink, &done, fx.err, sizeof(fx.err)));
    ASSERT_EQ_INT(done, 3);
    ASSERT_EQ_INT(fx.acc.n_err, 2);
    ASSERT_EQ_INT(fx.acc.err_index[0], 0);
    ASSERT_EQ_INT(fx.acc.err_index[1], 2);
    ASSERT_CONTAINS(fx.acc.err_text[1], "offset 7");
    sink.on_error = stop_on_error;
    ASSERT_ERR(kfb_mapper_map_batch(fx.m, msgs + 1, 2, &sink, &done, fx.err, sizeof(fx.err)),
               KFB_ERR_NOT_CONFLUENT_FRAMED);
    ASSERT_EQ_INT(done, 1);
    ASSERT_EQ_INT(fx.acc.n_err, 3);
    fixture_free(&fx);
}

static kfb_err_t refuse_batch(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                              kfb_kv_batch_builder_t **out) {
    (void)ctx, (void)msg, (void)rec, (void)out;
    return KFB_ERR_NOMEM;
}

/* batch_for failing stops the call at the message that needed a batch; with no batches
 * array every record asks batch_for. */
TEST(batch_for_failure_stops_the_call) {
    fixture_t fx;
    fixture_init(&fx, 1 << 20);
    kfb_mapper_msg_t msgs[2] = {
        {NULL, 0, fx.good.b, fx.good.n, {"t", 2, 100}},
        {NULL, 0, fx.good.b, fx.good.n, {"t", 2, 101}},
    };
    kfb_mapper_sink_t sink = {.batch_for = refuse_batch, .ctx = &fx.acc};
    size_t done = 99;
    ASSERT_ERR(kfb_mapper_map_batch(fx.m, msgs, 2, &sink, &done, fx.err, sizeof(fx.err)),
               KFB_ERR_NOMEM);
    ASSERT_EQ_INT(done, 0);
    ASSERT_CONTAINS(fx.err, "topic t partition 2 offset 100: no batch for the record");
    /* the same with batch_for giving batches: both records land through it */
    sink.batch_for = accum_batch_for;
    ASSERT_OK(kfb_mapper_map_batch(fx.m, msgs, 2, &sink, &done, fx.err, sizeof(fx.err)));
    ASSERT_EQ_INT(done, 2);
    /* one key, so one bucket: the second record's batch_for sent the first one's batch */
    int total = 0;
    for (int b = 0; b < BUCKETS; b++) total += kfb_kv_batch_record_count(fx.acc.batches[b]);
    ASSERT_EQ_INT(total, 1);
    ASSERT_EQ_INT(fx.acc.n_sent, 1);
    fixture_free(&fx);
}

/* A record that does not fit even the fresh batch batch_for gives is a per-record error,
 * and the messages around it still land. */
TEST(batch_record_too_large_for_any_batch) {
    fixture_t fx;
    fixture_init(&fx, 40); /* header 28 bytes: room for no record of this table */
    kfb_mapper_msg_t msgs[1] = {{NULL, 0, fx.good.b, fx.good.n, {"t", 0, 3}}};
    kfb_mapper_sink_t sink = {.batches = fx.acc.batches, .n_batches = BUCKETS,
                              .batch_for = accum_batch_for, .on_error = accum_on_error,
                              .ctx = &fx.acc};
    size_t done;
    ASSERT_OK(kfb_mapper_map_batch(fx.m, msgs, 1, &sink, &done, fx.err, sizeof(fx.err)));
    ASSERT_EQ_INT(fx.acc.n_err, 1);
    ASSERT_ERR(fx.acc.err_code[0], KFB_ERR_MAPPER_RECORD_TOO_LARGE);
    ASSERT_CONTAINS(fx.acc.err_text[0], "does not fit an empty batch of write limit 40 bytes");
    ASSERT_CONTAINS(fx.acc.err_text[0], "offset 3");
    fixture_free(&fx);
}

TEST(batch_refuses_a_sink_without_batch_for) {
    fixture_t fx;
    fixture_init(&fx, 1 << 20);
    kfb_mapper_sink_t sink = {.batches = fx.acc.batches, .n_batches = BUCKETS};
    size_t done = 5;
    ASSERT_ERR(kfb_mapper_map_batch(fx.m, NULL, 0, &sink, &done, fx.err, sizeof(fx.err)),
               KFB_ERR_INVALID_ARG);
    ASSERT_EQ_INT(done, 0);
    sink.batch_for = accum_batch_for;
    sink.n_batches = 0; /* batches without a count */
    ASSERT_ERR(kfb_mapper_map_batch(fx.m, NULL, 0, &sink, &done, fx.err, sizeof(fx.err)),
               KFB_ERR_INVALID_ARG);
    sink.n_batches = BUCKETS;
    ASSERT_OK(kfb_mapper_map_batch(fx.m, NULL, 0, &sink, &done, fx.err, sizeof(fx.err)));
    ASSERT_EQ_INT(done, 0);
    fixture_free(&fx);
}

/* ---- Debezium through a batch: a key change gives two records, a delete's tombstone
 * none; golden messages of test_mapper.c (tests/golden/mapper) ---- */

#define GOLDEN "tests/golden/mapper/"

static uint8_t *golden_msg(const char *name, size_t *key_len, uint8_t **key, size_t *len) {
    FILE *f = fopen(GOLDEN "messages.txt", "r");
    ASSERT_TRUE(f != NULL);
    static char n[64], k[4096], v[8192];
    uint8_t *value = NULL;
    *key = NULL;
    *key_len = *len = 0;
    int found = 0;
    while (fscanf(f, "%63s %4095s %8191s", n, k, v) == 3) {
        if (strcmp(n, name)) continue;
        found = 1;
        if (strcmp(k, "-")) *key = kfb_test_unhex(k, key_len);
        if (strcmp(v, "null")) value = kfb_test_unhex(v, len);
        break;
    }
    fclose(f);
    ASSERT_TRUE(found);
    return value;
}

static kfb_err_t dbz_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                               kfb_kv_batch_builder_t **out) {
    (void)msg;
    kfb_kv_batch_builder_t **batches = ctx;
    *out = batches[rec->bucket];
    return KFB_ERR_OK;
}

TEST(batch_debezium_key_change_and_tombstone) {
    char err[1024];
    kfb_table_desc_t *td = kfb_table_desc_load_file(GOLDEN "table_dbz.json", err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    kfb_schema_source_t *src = kfb_schema_source_dir_new(GOLDEN "schemas", err, sizeof(err));
    ASSERT_TRUE(src != NULL);
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    cfg.topic = "golden";
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof(err));
    ASSERT_TRUE(m != NULL);
    const char *names[] = {"dbz_c", "dbz_u_move", "dbz_d", "dbz_tomb"};
    kfb_mapper_msg_t msgs[4];
    uint8_t *keys[4], *values[4];
    for (int i = 0; i < 4; i++) {
        size_t kl, vl;
        values[i] = golden_msg(names[i], &kl, &keys[i], &vl);
        msgs[i] = (kfb_mapper_msg_t){keys[i], kl, values[i], vl, {"golden", 0, i}};
    }
    int nb = td->bucket_count;
    ASSERT_TRUE(nb > 2 && nb <= 16);
    kfb_kv_batch_builder_t *batches[16];
    for (int b = 0; b < nb; b++) {
        batches[b] = kfb_kv_batch_builder_new(1, 1 << 16, err, sizeof(err));
        ASSERT_TRUE(batches[b] != NULL);
    }
    kfb_kv_batch_builder_t *placed[8];
    kfb_mapper_sink_t sink = {.batch_for = dbz_batch_for, .placed = placed, .ctx = batches};
    size_t done;
    ASSERT_OK(kfb_mapper_map_batch(m, msgs, 4, &sink, &done, err, sizeof(err)));
    ASSERT_EQ_INT(done, 4);
    /* c: upsert of key 1 (bucket 0); u_move: delete key 1 (bucket 0) then upsert key 2
     * (bucket 2), as test_mapper.c's golden_debezium_ops pins; d: delete key 2; the
     * tombstone after it: nothing */
    ASSERT_TRUE(placed[0] == batches[0] && placed[1] == NULL);
    ASSERT_TRUE(placed[2] == batches[0] && placed[3] == batches[2]);
    ASSERT_TRUE(placed[4] == batches[2] && placed[5] == NULL);
    ASSERT_TRUE(placed[6] == NULL && placed[7] == NULL);
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(batches[0], &p, &n));
    /* §9.2 records: upsert key 01 row (1,"a",10), delete key 01 */
    ASSERT_HEX(p + 28, n - 28, "07 00 00 00|01|01|00 01 01 61 0a|02 00 00 00|01|01");
    ASSERT_OK(kfb_kv_batch_build(batches[2], &p, &n));
    /* upsert key 02 row (2,"a2",11), delete key 02 */
    ASSERT_HEX(p + 28, n - 28, "08 00 00 00|01|02|00 02 02 61 32 0b|02 00 00 00|01|02");
    for (int b = 0; b < nb; b++) kfb_kv_batch_builder_destroy(batches[b]);
    for (int i = 0; i < 4; i++) free(keys[i]), free(values[i]);
    kfb_mapper_destroy(m);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
}
