/* test_mapper_gaps_tombstone.c - Debezium's tombstone after a delete, remembered per Kafka
 * topic and partition: one consumer reading several partitions (of several topics) sees them
 * interleaved; kfb_mapper_forget_partition / forget_all drop the memory (rebalance, seek).
 *
 * Table: tests/golden/mapper/table_dbz.json (id INT PK, name STRING NOT NULL, qty BIGINT,
 * 4 buckets); schemas: tests/golden/mapper/schemas/2.avsc (Debezium envelope) and 6.avsc
 * (key record {id: int}). Messages are written by hand from the Avro 1.11.1 binary encoding
 * rules (zigzag varints: 1 -> 02, 2 -> 04, 3 -> 06, 64 -> 80 01; string = zigzag length +
 * bytes; union = zigzag branch index + value), after the python3-avro messages dbz_c and
 * dbz_d of tests/golden/mapper/messages.txt with only the id changed. Expected keys are
 * CompactedKeyEncoder bytes of the INT id (fluss-protocol.md §7.3: the varint of the value).
 */
#include "harness.h"
#include "mapper.h"

#define GOLDEN "tests/golden/mapper/"

typedef struct fx {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    char err[1024];
    kfb_mapper_result_t res;
} fx_t;

static void setup(fx_t *f) {
    memset(f, 0, sizeof(*f));
    f->td = kfb_table_desc_load_file(GOLDEN "table_dbz.json", f->err, sizeof(f->err));
    ASSERT_TRUE(f->td != NULL);
    f->src = kfb_schema_source_dir_new(GOLDEN "schemas", f->err, sizeof(f->err));
    ASSERT_TRUE(f->src != NULL);
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    cfg.topic = "dbz";
    f->m = kfb_mapper_new(f->td, f->src, &cfg, f->err, sizeof(f->err));
    if (!f->m) fprintf(stderr, "%s\n", f->err);
    ASSERT_TRUE(f->m != NULL);
}

static void teardown(fx_t *f) {
    kfb_mapper_destroy(f->m);
    kfb_schema_source_destroy(f->src);
    kfb_table_desc_destroy(f->td);
}

/* Appends the Avro zigzag varint of v (Avro spec "Binary Encoding"). */
static size_t put_zigzag(uint8_t *p, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (u >= 0x80) {
        p[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    p[n++] = (uint8_t)u;
    return n;
}

/* Kafka key: Confluent header for schema 6, then Key{id}. */
static size_t key_msg(uint8_t *out, int id) {
    static const uint8_t hdr[] = {0x00, 0x00, 0x00, 0x00, 0x06};
    memcpy(out, hdr, sizeof(hdr));
    return sizeof(hdr) + put_zigzag(out + sizeof(hdr), id);
}

/* Envelope under schema 2, op 'd' or 'c': the row {id, name "a2" or "a", qty 11 or 10} is in
 * `before` for d (after null), in `after` for c (before null); source {db "shop",
 * table "t"}, ts_ms 1700000000000. */
static size_t env_msg(uint8_t *out, int id, char op) {
    size_t n = 0;
    static const uint8_t hdr[] = {0x00, 0x00, 0x00, 0x00, 0x02};
    memcpy(out, hdr, sizeof(hdr));
    n += sizeof(hdr);
    if (op == 'c') out[n++] = 0x00; /* before: null branch */
    out[n++] = 0x02;                /* before (d) / after (c): record branch */
    n += put_zigzag(out + n, id);
    if (op == 'd') {
        static const uint8_t rest[] = {0x02, 0x04, 'a', '2', 0x02, 0x16}; /* "a2", 11 */
        memcpy(out + n, rest, sizeof(rest));
        n += sizeof(rest);
        out[n++] = 0x00; /* after: null */
    } else {
        static const uint8_t rest[] = {0x02, 0x02, 'a', 0x02, 0x14}; /* "a", 10 */
        memcpy(out + n, rest, sizeof(rest));
        n += sizeof(rest);
    }
    static const uint8_t tail[] = {0x08, 's', 'h', 'o', 'p', 0x02, 0x02, 't', /* source */
                                   0x02, 0x00 /* op, patched */,
                                   0x02, 0x80, 0xa0, 0xab, 0xfe, 0xf9, 0x62}; /* ts_ms */
    memcpy(out + n, tail, sizeof(tail));
    out[n + 9] = (uint8_t)op;
    return n + sizeof(tail);
}

/* Maps a Debezium message of key `id` (op 'd' or 'c', or 't' for the tombstone) read from
 * `partition` of `topic` (-2: no origin). Returns the op of the single output. */
static kfb_op_t map_op_in(fx_t *f, const char *topic, int partition, char op, int id) {
    uint8_t k[16], v[64];
    size_t kl = key_msg(k, id), vl = 0;
    if (op != 't') vl = env_msg(v, id, op);
    kfb_origin_t o = {topic, partition, 100};
    kfb_err_t e = kfb_mapper_map(f->m, k, kl, op == 't' ? NULL : v, vl,
                                 partition == -2 ? NULL : &o, &f->res, f->err, sizeof(f->err));
    if (e) fprintf(stderr, "%s\n", f->err);
    ASSERT_OK(e);
    ASSERT_EQ_INT(f->res.n, 1);
    return f->res.out[0].op;
}

static kfb_op_t map_op(fx_t *f, int partition, char op, int id) {
    return map_op_in(f, "dbz", partition, op, id);
}

TEST(messages_written_by_hand_match_the_golden_ones) {
    /* the hand-built envelopes equal python3-avro's dbz_d (id 2) and dbz_c (id 1) */
    uint8_t v[64];
    size_t n = env_msg(v, 2, 'd');
    ASSERT_HEX(v, n, "000000000202040204613202160008 73686f7002027402640280a0abfef962");
    n = env_msg(v, 1, 'c');
    ASSERT_HEX(v, n, "0000000002000202020261021408 73686f7002027402630280a0abfef962");
    n = key_msg(v, 64);
    ASSERT_HEX(v, n, "00 00000006 8001");
}

TEST(tombstone_after_delete_with_other_partitions_between) {
    fx_t f;
    setup(&f);
    ASSERT_EQ_INT(map_op(&f, 0, 'd', 1), KFB_OP_DELETE);
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "01");
    ASSERT_EQ_INT(map_op(&f, 1, 'c', 2), KFB_OP_UPSERT);
    /* partition 0's tombstone for its delete: skipped */
    ASSERT_EQ_INT(map_op(&f, 0, 't', 1), KFB_OP_SKIP);
    /* partition 1 never deleted key 3: its tombstone is a real delete */
    ASSERT_EQ_INT(map_op(&f, 1, 't', 3), KFB_OP_DELETE);
    ASSERT_HEX(f.res.out[0].key, f.res.out[0].key_len, "03");
    teardown(&f);
}

TEST(deletes_of_two_partitions_then_both_tombstones) {
    /* with one remembered delete the second delete would overwrite the first */
    fx_t f;
    setup(&f);
    ASSERT_EQ_INT(map_op(&f, 0, 'd', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 1, 'd', 2), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 0, 't', 1), KFB_OP_SKIP);
    ASSERT_EQ_INT(map_op(&f, 1, 't', 2), KFB_OP_SKIP);
    /* a tombstone of partition 1 for partition 0's deleted key is not partition 1's */
    ASSERT_EQ_INT(map_op(&f, 0, 'd', 3), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 1, 't', 3), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 0, 't', 3), KFB_OP_SKIP);
    teardown(&f);
}

TEST(memory_cleared_once_the_tombstone_is_consumed) {
    fx_t f;
    setup(&f);
    ASSERT_EQ_INT(map_op(&f, 5, 'd', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 5, 't', 1), KFB_OP_SKIP);
    ASSERT_EQ_INT(map_op(&f, 5, 't', 1), KFB_OP_DELETE);
    /* a tombstone of another key leaves the partition's delete remembered */
    ASSERT_EQ_INT(map_op(&f, 5, 'd', 2), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 5, 't', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 5, 't', 2), KFB_OP_SKIP);
    teardown(&f);
}

TEST(many_partitions) {
    fx_t f;
    setup(&f);
    /* dense partitions (the table grows several times) and a few sparse ones whose low
     * bits collide with them (linear probing) */
    int parts[300];
    size_t np = 0;
    for (int p = 0; p < 256; p++) parts[np++] = p;
    const int sparse[] = {-1, 1024, 4096 + 3, 65536 + 7, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof(sparse) / sizeof(sparse[0]); i++) parts[np++] = sparse[i];
    for (size_t i = 0; i < np; i++) ASSERT_EQ_INT(map_op(&f, parts[i], 'd', (int)i), KFB_OP_DELETE);
    /* upserts everywhere change nothing */
    for (size_t i = 0; i < np; i++)
        ASSERT_EQ_INT(map_op(&f, parts[i], 'c', (int)i + 1000), KFB_OP_UPSERT);
    /* tombstones in reverse order: each partition recognises its own delete */
    for (size_t i = np; i-- > 0;) {
        /* the key of the next partition is not this partition's delete */
        ASSERT_EQ_INT(map_op(&f, parts[i], 't', (int)((i + 1) % np)), KFB_OP_DELETE);
        ASSERT_EQ_INT(map_op(&f, parts[i], 't', (int)i), KFB_OP_SKIP);
    }
    for (size_t i = 0; i < np; i++) ASSERT_EQ_INT(map_op(&f, parts[i], 't', (int)i), KFB_OP_DELETE);
    teardown(&f);
}

TEST(without_origin_one_remembered_delete) {
    fx_t f;
    setup(&f);
    ASSERT_EQ_INT(map_op(&f, -2, 'd', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, -2, 't', 1), KFB_OP_SKIP);
    ASSERT_EQ_INT(map_op(&f, -2, 't', 1), KFB_OP_DELETE);
    /* the single slot is replaced by the next delete */
    ASSERT_EQ_INT(map_op(&f, -2, 'd', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, -2, 'd', 2), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, -2, 't', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, -2, 't', 2), KFB_OP_SKIP);
    /* it is separate from the partitions' memory */
    ASSERT_EQ_INT(map_op(&f, 0, 'd', 3), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, -2, 't', 3), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 0, 't', 3), KFB_OP_SKIP);
    teardown(&f);
}

TEST(plain_avro_tombstones_are_always_deletes) {
    /* the memory is Debezium's: with format avro a tombstone is always a delete */
    fx_t f;
    memset(&f, 0, sizeof(f));
    f.td = kfb_table_desc_load_file(GOLDEN "table_dbz.json", f.err, sizeof(f.err));
    ASSERT_TRUE(f.td != NULL);
    f.src = kfb_schema_source_dir_new(GOLDEN "schemas", f.err, sizeof(f.err));
    ASSERT_TRUE(f.src != NULL);
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    f.m = kfb_mapper_new(f.td, f.src, &cfg, f.err, sizeof(f.err));
    ASSERT_TRUE(f.m != NULL);
    ASSERT_EQ_INT(map_op(&f, 0, 't', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 0, 't', 1), KFB_OP_DELETE);
    teardown(&f);
}

/* One mapping may read several topics: partition 0 of one topic is not partition 0 of
 * another (keyed by partition number only, the second topic's tombstone would be skipped). */
TEST(same_partition_number_in_two_topics) {
    fx_t f;
    setup(&f);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 0, 'd', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "returns", 0, 't', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 0, 't', 1), KFB_OP_SKIP);
    /* both topics' deletes at once, tombstones in the other order */
    ASSERT_EQ_INT(map_op_in(&f, "orders", 3, 'd', 5), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "returns", 3, 'd', 6), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "returns", 3, 't', 5), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "returns", 3, 't', 6), KFB_OP_SKIP);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 3, 't', 5), KFB_OP_SKIP);
    /* an origin without a topic is its own topic ("") */
    ASSERT_EQ_INT(map_op_in(&f, NULL, 3, 'd', 7), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 3, 't', 7), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, NULL, 3, 't', 7), KFB_OP_SKIP);
    teardown(&f);
}

/* Forgetting a partition (revoked, lost, or seeked) drops its remembered delete: the
 * tombstone read after it is a delete again. Other partitions keep theirs. */
TEST(forget_partition_drops_only_that_memory) {
    fx_t f;
    setup(&f);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 0, 'd', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 1, 'd', 2), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "returns", 0, 'd', 3), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, NULL, 0, 'd', 4), KFB_OP_DELETE);
    kfb_mapper_forget_partition(f.m, "orders", 0);
    kfb_mapper_forget_partition(f.m, "orders", 9);    /* never seen: nothing happens */
    kfb_mapper_forget_partition(f.m, "nothing", 1);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 0, 't', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 1, 't', 2), KFB_OP_SKIP);
    ASSERT_EQ_INT(map_op_in(&f, "returns", 0, 't', 3), KFB_OP_SKIP);
    kfb_mapper_forget_partition(f.m, NULL, 0);
    ASSERT_EQ_INT(map_op_in(&f, NULL, 0, 't', 4), KFB_OP_DELETE);
    /* forgotten, then a new delete in that partition is remembered again */
    ASSERT_EQ_INT(map_op_in(&f, "orders", 0, 'd', 8), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 0, 't', 8), KFB_OP_SKIP);
    /* a mapper without any memory, and NULL, are fine */
    kfb_mapper_forget_all(f.m);
    kfb_mapper_forget_partition(f.m, "orders", 0);
    kfb_mapper_forget_partition(NULL, "orders", 0);
    kfb_mapper_forget_all(NULL);
    teardown(&f);
}

TEST(forget_all_drops_every_memory) {
    fx_t f;
    setup(&f);
    for (int p = 0; p < 20; p++) ASSERT_EQ_INT(map_op_in(&f, "orders", p, 'd', p), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, -2, 'd', 30), KFB_OP_DELETE); /* no origin */
    kfb_mapper_forget_all(f.m);
    for (int p = 0; p < 20; p++) ASSERT_EQ_INT(map_op_in(&f, "orders", p, 't', p), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, -2, 't', 30), KFB_OP_DELETE);
    /* and it works again afterwards */
    ASSERT_EQ_INT(map_op_in(&f, "orders", 4, 'd', 4), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op_in(&f, "orders", 4, 't', 4), KFB_OP_SKIP);
    teardown(&f);
}

/* Many partitions of three topics, half of them forgotten in a scrambled order (entries are
 * removed from the middle of probe runs and later ones moved back): each remaining one
 * still finds its delete, each forgotten one has none. */
TEST(forgetting_many_partitions_keeps_the_others) {
    fx_t f;
    setup(&f);
    static const char *const topics[] = {"a", "b", "c"};
    enum { P = 100, N = 3 * P };
    for (int i = 0; i < N; i++)
        ASSERT_EQ_INT(map_op_in(&f, topics[i % 3], i / 3, 'd', i), KFB_OP_DELETE);
    int forgotten[N] = {0};
    for (int k = 0; k < N; k++) {
        int i = (k * 7919) % N; /* a permutation of 0..N-1 (7919 is prime, not a factor of N) */
        if ((i * 31) % 5 < 2) continue; /* keep about 2 in 5 */
        kfb_mapper_forget_partition(f.m, topics[i % 3], i / 3);
        forgotten[i] = 1;
    }
    int n_forgotten = 0;
    for (int i = 0; i < N; i++) {
        n_forgotten += forgotten[i];
        ASSERT_EQ_INT(map_op_in(&f, topics[i % 3], i / 3, 't', i),
                      forgotten[i] ? KFB_OP_DELETE : KFB_OP_SKIP);
    }
    ASSERT_GT_INT(n_forgotten, N / 3);
    ASSERT_LT_INT(n_forgotten, N);
    teardown(&f);
}

/* The memory is bounded: past KFB_MAPPER_TOMB_MAX (65536) partitions a new partition's
 * delete is not remembered (warned once; its tombstone is then a second delete), and
 * forgetting one makes room again. */
TEST(memory_is_bounded) {
    fx_t f;
    setup(&f);
    for (int p = 0; p < 65536; p++) ASSERT_EQ_INT(map_op(&f, p, 'd', p & 63), KFB_OP_DELETE);
    kfb_test_log_capture_start();
    ASSERT_EQ_INT(map_op(&f, 65536, 'd', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 65537, 'd', 1), KFB_OP_DELETE);
    ASSERT_CONTAINS(kfb_test_log_captured(), "remembered for 65536 partitions already");
    const char *w = strstr(kfb_test_log_captured(), "remembered for");
    ASSERT_TRUE(strstr(w + 1, "remembered for") == NULL); /* once */
    kfb_test_log_capture_stop();
    ASSERT_EQ_INT(map_op(&f, 65536, 't', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 65535, 't', 65535 & 63), KFB_OP_SKIP);
    kfb_mapper_forget_partition(f.m, "dbz", 0);
    ASSERT_EQ_INT(map_op(&f, 65536, 'd', 1), KFB_OP_DELETE);
    ASSERT_EQ_INT(map_op(&f, 65536, 't', 1), KFB_OP_SKIP);
    teardown(&f);
}

/* map_batch takes each message's own origin: a delete in one topic and a tombstone of the
 * same key and partition number in another are two deletes; the first topic's tombstone
 * is skipped (no record placed). */
static kfb_err_t bucket_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                                  kfb_kv_batch_builder_t **out) {
    (void)msg;
    *out = ((kfb_kv_batch_builder_t **)ctx)[rec->bucket];
    return KFB_ERR_OK;
}

TEST(batch_uses_each_messages_topic) {
    fx_t f;
    setup(&f);
    uint8_t k[16], v[64];
    size_t kl = key_msg(k, 1), vl = env_msg(v, 1, 'd');
    kfb_mapper_msg_t msgs[3] = {{k, kl, v, vl, {"orders", 0, 10}},
                                {k, kl, NULL, 0, {"returns", 0, 20}},
                                {k, kl, NULL, 0, {"orders", 0, 11}}};
    kfb_kv_batch_builder_t *batches[4];
    for (int b = 0; b < 4; b++) {
        batches[b] = kfb_kv_batch_builder_new(1, 1 << 16, f.err, sizeof(f.err));
        ASSERT_TRUE(batches[b] != NULL);
    }
    kfb_kv_batch_builder_t *placed[6];
    kfb_mapper_sink_t sink = {.batch_for = bucket_batch_for, .placed = placed, .ctx = batches};
    size_t done;
    ASSERT_OK(kfb_mapper_map_batch(f.m, msgs, 3, &sink, &done, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(done, 3);
    ASSERT_TRUE(placed[0] != NULL && placed[2] != NULL && placed[2] == placed[0]);
    ASSERT_TRUE(placed[4] == NULL); /* orders' tombstone: skipped */
    ASSERT_EQ_INT(kfb_kv_batch_record_count(placed[0]), 2);
    for (int b = 0; b < 4; b++) {
        kfb_kv_batch_abort(batches[b]);
        kfb_kv_batch_builder_destroy(batches[b]);
    }
    teardown(&f);
}
