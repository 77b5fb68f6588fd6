/* test_mapper_target_set.c - one target-column list per KV batch.
 *
 * A PutKv request carries one target-column list per batch (fluss-protocol.md §8, §10.3),
 * so with partial_update the records of writer schemas with different field sets must not
 * share a batch. Records carry kfb_mapped_t.target_set (0 = all columns, else a per-mapper
 * id of the list); kfb_mapper_map_batch and kfb_mapper_append_to_batch append a record only
 * to a batch tagged with it (kfb_kv_batch_set_tag), and ask batch_for for one otherwise.
 *
 * Table: items (id INT NOT NULL PK, name STRING, qty BIGINT, note STRING), one bucket, so
 * every record goes to the same batch and only the target sets split them.
 * Avro bodies written by hand from the Avro 1.11.1 binary encoding (zigzag varints: 1 -> 02,
 * 2 -> 04, ...; string = zigzag length + bytes); Confluent framing = 00 + big-endian id.
 */
#include "harness.h"
#include "mapper.h"

static const char *TABLE =
    "{\"version\":1,\"schema\":{\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"qty\",\"data_type\":{\"type\":\"BIGINT\"}},"
    "{\"name\":\"note\",\"data_type\":{\"type\":\"STRING\"}}%s],\"primary_key\":[\"id\"]},"
    "\"partition_key\":[],\"bucket_count\":1,\"properties\":{}}";

/* writer schemas: 1 and 4 {id, name} (same list, two ids), 2 {id, qty}, 3 all columns, 5 the
 * Kafka key (a primitive int for the single-column key) */
static const char *S_NAME =
    "{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"name\",\"type\":\"string\"}]}";
static const char *S_QTY =
    "{\"type\":\"record\",\"name\":\"Q\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"qty\",\"type\":\"long\"}]}";
static const char *S_ALL =
    "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":\"long\"},"
    "{\"name\":\"note\",\"type\":\"string\"}]}";
static const char *S_KEY = "\"int\"";

typedef struct fx {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    char err[1024];
} fx_t;

static kfb_table_desc_t *table(const char *extra) {
    char buf[2048], err[512];
    snprintf(buf, sizeof(buf), TABLE, extra);
    kfb_table_desc_t *td = kfb_table_desc_parse(buf, strlen(buf), err, sizeof(err));
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    return td;
}

static void setup(fx_t *f) {
    memset(f, 0, sizeof(*f));
    f->td = table("");
    f->src = kfb_schema_source_memory_new();
    const char *schemas[] = {S_NAME, S_QTY, S_ALL, S_NAME, S_KEY};
    for (int i = 0; i < 5; i++)
        ASSERT_OK(kfb_schema_source_add(f->src, i + 1, schemas[i], strlen(schemas[i]), f->err,
                                        sizeof(f->err)));
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "items";
    cfg.partial_update = 1;
    f->m = kfb_mapper_new(f->td, f->src, &cfg, f->err, sizeof(f->err));
    if (!f->m) fprintf(stderr, "%s\n", f->err);
    ASSERT_TRUE(f->m != NULL);
}

static void teardown(fx_t *f) {
    kfb_mapper_destroy(f->m);
    kfb_schema_source_destroy(f->src);
    kfb_table_desc_destroy(f->td);
}

/* A framed value of writer schema `sid` for key `id` (< 64: one zigzag byte), the other
 * fields fixed: name "abcdefgh" (bodies of at least 8 bytes, which the generated code
 * needs), qty 5, note "n". */
typedef struct msg {
    uint8_t b[32];
    size_t n;
} msg_t;

static msg_t value(int sid, int id) {
    msg_t m = {{0, 0, 0, 0, (uint8_t)sid}, 5};
    m.b[m.n++] = (uint8_t)(2 * id);
    if (sid == 1 || sid == 3 || sid == 4) {
        m.b[m.n++] = 0x10;
        memcpy(m.b + m.n, "abcdefgh", 8);
        m.n += 8;
    }
    if (sid == 2 || sid == 3) m.b[m.n++] = 0x0a;
    if (sid == 3) m.b[m.n++] = 0x02, m.b[m.n++] = 'n';
    return m;
}

static const int32_t COLS_NAME[] = {0, 1}, COLS_QTY[] = {0, 2};

TEST(target_set_ids_follow_the_column_lists) {
    fx_t f;
    setup(&f);
    kfb_mapper_result_t res;
    const int sids[] = {1, 2, 3, 4};
    uint32_t set[5];
    const int32_t *cols[5];
    for (int i = 0; i < 4; i++) {
        msg_t v = value(sids[i], 1);
        ASSERT_OK(kfb_mapper_map(f.m, NULL, 0, v.b, v.n, NULL, &res, f.err, sizeof(f.err)));
        ASSERT_EQ_INT(res.n, 1);
        set[sids[i]] = res.out[0].target_set;
        cols[sids[i]] = res.out[0].target_columns;
    }
    /* {id, name} and {id, qty}: two lists, two ids; all columns: 0 and no list */
    ASSERT_TRUE(set[1] != 0 && set[2] != 0 && set[1] != set[2]);
    ASSERT_EQ_INT(set[3], 0);
    ASSERT_TRUE(cols[3] == NULL);
    /* schema 4 has schema 1's list: the same id and the same (mapper-owned) list */
    ASSERT_EQ_INT(set[4], set[1]);
    ASSERT_TRUE(cols[4] == cols[1]);
    size_t n;
    const int32_t *l = kfb_mapper_target_columns(f.m, set[1], &n);
    ASSERT_MEMEQ(l, n * sizeof(int32_t), COLS_NAME, sizeof(COLS_NAME));
    ASSERT_TRUE(l == cols[1]);
    l = kfb_mapper_target_columns(f.m, set[2], &n);
    ASSERT_MEMEQ(l, n * sizeof(int32_t), COLS_QTY, sizeof(COLS_QTY));
    ASSERT_TRUE(l == cols[2]);
    ASSERT_TRUE(kfb_mapper_target_columns(f.m, 0, &n) == NULL && n == 0);
    ASSERT_TRUE(kfb_mapper_target_columns(f.m, 99, &n) == NULL && n == 0);
    /* a delete writes all columns: target set 0 */
    uint8_t key[] = {0, 0, 0, 0, 5, 0x02};
    ASSERT_OK(kfb_mapper_map(f.m, key, sizeof(key), NULL, 0, NULL, &res, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_DELETE);
    ASSERT_EQ_INT(res.out[0].target_set, 0);
    /* another table schema (a nullable column added): the same list keeps its id, a new
     * list (all four old columns of the wider table) gets a new one */
    kfb_table_desc_t *td2 = table(",{\"name\":\"extra\",\"data_type\":{\"type\":\"INTEGER\"}}");
    ASSERT_OK(kfb_mapper_set_table(f.m, td2, 2, f.err, sizeof(f.err)));
    msg_t v = value(1, 1);
    ASSERT_OK(kfb_mapper_map(f.m, NULL, 0, v.b, v.n, NULL, &res, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(res.out[0].target_set, set[1]);
    ASSERT_TRUE(res.out[0].target_columns == cols[1]);
    v = value(3, 1);
    ASSERT_OK(kfb_mapper_map(f.m, NULL, 0, v.b, v.n, NULL, &res, f.err, sizeof(f.err)));
    uint32_t wide = res.out[0].target_set;
    ASSERT_TRUE(wide != 0 && wide != set[1] && wide != set[2]);
    ASSERT_EQ_INT(res.out[0].n_target_columns, 4);
    teardown(&f);
    kfb_table_desc_destroy(td2);
}

/* ---- map_batch: the sink seals a batch when a record of another target set comes ---- */

typedef struct sent {
    uint32_t tag;
    const int32_t *cols; /* the list batch_for was given with the batch's first record */
    size_t n_cols;
    int32_t count;
    uint8_t keys[16];
    int deletes;
} sent_t;

typedef struct sink_ctx {
    kfb_kv_batch_builder_t *b;
    const int32_t *cols;
    size_t n_cols;
    sent_t sent[16];
    size_t n_sent;
    int untagged; /* batch_for forgets to tag */
} sink_ctx_t;

static void seal(sink_ctx_t *c) {
    if (!kfb_kv_batch_record_count(c->b)) return;
    ASSERT_TRUE(c->n_sent < 16);
    sent_t *s = &c->sent[c->n_sent++];
    s->tag = kfb_kv_batch_tag(c->b);
    s->cols = c->cols;
    s->n_cols = c->n_cols;
    const uint8_t *p;
    size_t len;
    ASSERT_OK(kfb_kv_batch_build(c->b, &p, &len));
    kfb_kv_batch_reader_t r;
    ASSERT_OK(kfb_kv_batch_reader_init(&r, p, len, NULL, 0));
    kfb_kv_record_t rec;
    while (kfb_kv_batch_next(&r, &rec) == 1) {
        ASSERT_EQ_INT(rec.key_len, 1);
        s->keys[s->count++] = rec.key[0];
        s->deletes += rec.value == NULL;
    }
    kfb_kv_batch_reset(c->b);
}

static kfb_err_t tag_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                               kfb_kv_batch_builder_t **out) {
    (void)msg;
    sink_ctx_t *c = ctx;
    seal(c);
    if (!c->untagged) kfb_kv_batch_set_tag(c->b, rec->target_set);
    c->cols = rec->target_columns;
    c->n_cols = rec->n_target_columns;
    *out = c->b;
    return KFB_ERR_OK;
}

static void map_mixed(int fused, int jit, sink_ctx_t *c, uint64_t *fused_count,
                      uint64_t *jit_count) {
    fx_t f;
    setup(&f);
    kfb_mapper_set_fused_for_testing(f.m, fused);
    kfb_mapper_set_jit_for_testing(f.m, jit);
    /* runs of target sets: {1,1} {2} {4} {3} {1} {tombstone} {1}; schema 4 has schema 1's
     * list but comes after schema 2's */
    const int sids[] = {1, 1, 2, 4, 3, 1, 0, 1};
    enum { N = 8 };
    msg_t v[N];
    uint8_t key7[] = {0, 0, 0, 0, 5, 2 * 7};
    kfb_mapper_msg_t msgs[N];
    for (int i = 0; i < N; i++) {
        v[i] = value(sids[i] ? sids[i] : 1, i + 1);
        msgs[i] = (kfb_mapper_msg_t){NULL, 0, v[i].b, v[i].n, {"items", 0, i}};
    }
    msgs[6] = (kfb_mapper_msg_t){key7, sizeof(key7), NULL, 0, {"items", 0, 6}};
    memset(c, 0, sizeof(*c));
    c->b = kfb_kv_batch_builder_new(1, 1 << 16, f.err, sizeof(f.err));
    ASSERT_TRUE(c->b != NULL);
    kfb_kv_batch_builder_t *placed[2 * N];
    kfb_mapper_sink_t sink = {.batches = &c->b, .n_batches = 1, .batch_for = tag_batch_for,
                              .placed = placed, .ctx = c};
    size_t done;
    /* in two calls, so the second starts on the fused plan of schema 1 with a batch that
     * the first left tagged for the tombstone (0): the fast path must not take it */
    ASSERT_OK(kfb_mapper_map_batch(f.m, msgs, 7, &sink, &done, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(done, 7);
    sink.placed = placed + 14;
    ASSERT_OK(kfb_mapper_map_batch(f.m, msgs + 7, 1, &sink, &done, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(done, 1);
    for (int i = 0; i < N; i++) ASSERT_TRUE(placed[2 * i] == c->b && placed[2 * i + 1] == NULL);
    seal(c);
    kfb_kv_batch_builder_destroy(c->b);
    c->b = NULL;
    *fused_count = kfb_mapper_fused_count_for_testing(f.m);
    *jit_count = kfb_mapper_jit_count_for_testing(f.m);
    /* c->sent[].cols point into the mapper: check them before it goes */
    static const struct {
        int set; /* 1: {id, name}, 2: {id, qty}, 0: all */
        const char *keys;
        int deletes;
    } want[] = {{1, "\x01\x02", 0}, {2, "\x03", 0}, {1, "\x04", 0}, {0, "\x05", 0},
                {1, "\x06", 0},     {0, "\x07", 1}, {1, "\x08", 0}};
    ASSERT_EQ_INT(c->n_sent, 7);
    uint32_t id_name = c->sent[0].tag, id_qty = c->sent[1].tag;
    ASSERT_TRUE(id_name != 0 && id_qty != 0 && id_name != id_qty);
    for (size_t k = 0; k < 7; k++) {
        const sent_t *s = &c->sent[k];
        uint32_t tag = want[k].set == 1 ? id_name : want[k].set == 2 ? id_qty : 0;
        ASSERT_EQ_INT(s->tag, tag);
        ASSERT_MEMEQ(s->keys, (size_t)s->count, want[k].keys, strlen(want[k].keys));
        ASSERT_EQ_INT(s->deletes, want[k].deletes);
        if (want[k].set == 0) {
            ASSERT_TRUE(s->cols == NULL && s->n_cols == 0);
        } else {
            const int32_t *w = want[k].set == 1 ? COLS_NAME : COLS_QTY;
            ASSERT_MEMEQ(s->cols, s->n_cols * sizeof(int32_t), w, 2 * sizeof(int32_t));
        }
    }
    teardown(&f);
}

TEST(batch_holds_one_target_set) {
    sink_ctx_t c;
    uint64_t fused, jit;
    map_mixed(1, 1, &c, &fused, &jit);
    /* the second record of the first run of schema 1 took the fused path (the last message
     * tried it and fell back: its batch was tagged for the tombstone) */
    ASSERT_GE_INT(fused, 1);
#if defined(__x86_64__) && defined(__linux__)
    ASSERT_GE_INT(jit, 1); /* ... as machine code (map_batch's jit_run) */
#endif
    map_mixed(1, 0, &c, &fused, &jit);
    ASSERT_GE_INT(fused, 1);
    ASSERT_EQ_INT(jit, 0);
    map_mixed(0, 0, &c, &fused, &jit);
    ASSERT_EQ_INT(fused, 0);
}

/* batch_for must give a batch tagged with the record's target set: anything else stops the
 * call with KFB_ERR_STATE at that message, nothing appended. */
TEST(batch_for_with_the_wrong_tag_stops_the_call) {
    fx_t f;
    setup(&f);
    sink_ctx_t c;
    memset(&c, 0, sizeof(c));
    c.b = kfb_kv_batch_builder_new(1, 1 << 16, f.err, sizeof(f.err));
    c.untagged = 1;
    msg_t all = value(3, 1), part = value(1, 2);
    kfb_mapper_msg_t msgs[2] = {{NULL, 0, all.b, all.n, {"items", 3, 40}},
                                {NULL, 0, part.b, part.n, {"items", 3, 41}}};
    kfb_mapper_sink_t sink = {.batches = &c.b, .n_batches = 1, .batch_for = tag_batch_for,
                              .ctx = &c};
    size_t done;
    ASSERT_ERR(kfb_mapper_map_batch(f.m, msgs, 2, &sink, &done, f.err, sizeof(f.err)),
               KFB_ERR_STATE);
    ASSERT_EQ_INT(done, 1);
    ASSERT_CONTAINS(f.err, "topic items partition 3 offset 41");
    ASSERT_CONTAINS(f.err, "batch_for gave a batch tagged 0 for a record of target-column set");
    /* the batch_for call sealed the all-columns batch; the partial record is nowhere */
    ASSERT_EQ_INT(c.n_sent, 1);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(c.b), 0);
    kfb_kv_batch_builder_destroy(c.b);
    teardown(&f);
}

/* kfb_mapper_append_to_batch: the same rule, on the fused and on the general path. */
TEST(append_to_batch_checks_the_tag) {
    for (int fused = 0; fused <= 1; fused++) {
        fx_t f;
        setup(&f);
        kfb_mapper_set_fused_for_testing(f.m, fused);
        kfb_kv_batch_builder_t *b = kfb_kv_batch_builder_new(1, 1 << 16, f.err, sizeof(f.err));
        kfb_mapper_result_t res;
        msg_t v = value(1, 1);
        for (int round = 0; round < 2; round++) { /* the second time on the cached plan */
            ASSERT_OK(kfb_mapper_map(f.m, NULL, 0, v.b, v.n, NULL, &res, f.err, sizeof(f.err)));
            ASSERT_TRUE(res.out[0].target_set != 0);
            kfb_kv_batch_set_tag(b, 0);
            f.err[0] = '\0';
            ASSERT_ERR(kfb_mapper_append_to_batch(f.m, &res, 0, b, f.err, sizeof(f.err)),
                       KFB_ERR_STATE);
            ASSERT_CONTAINS(f.err, "the batch is tagged 0, the record is of target-column set");
            ASSERT_EQ_INT(kfb_kv_batch_record_count(b), round);
            kfb_kv_batch_set_tag(b, res.out[0].target_set);
            ASSERT_OK(kfb_mapper_append_to_batch(f.m, &res, 0, b, f.err, sizeof(f.err)));
            ASSERT_EQ_INT(kfb_kv_batch_record_count(b), round + 1);
        }
        /* an all-columns record does not go into the tagged batch either */
        v = value(3, 2);
        ASSERT_OK(kfb_mapper_map(f.m, NULL, 0, v.b, v.n, NULL, &res, f.err, sizeof(f.err)));
        ASSERT_ERR(kfb_mapper_append_to_batch(f.m, &res, 0, b, f.err, sizeof(f.err)),
                   KFB_ERR_STATE);
        ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 2);
        kfb_kv_batch_abort(b);
        kfb_kv_batch_builder_destroy(b);
        teardown(&f);
    }
}
