/* test_fluss_client_order.c - the Fluss client never loses, duplicates or
 * reorders a key's updates, clean and under every fault the test server injects
 * (tests/support/fluss_test_server.h).
 *
 * Workload: ~3000 KV batches over 16 buckets led by 2 tablet servers. Each
 * record updates one of NKEYS keys with a strictly increasing version (the row
 * is (id, "v<version>")) or deletes it. A model keeps the last operation per
 * key; at the end the server's table dump must equal the model EXACTLY (every
 * row, every value), every batch must have been applied exactly once
 * (batches_applied / records_applied equal what was submitted) and each
 * bucket's deliveries must come back in submit order. A lost or reordered
 * update leaves an older version or a resurrected/missing row in the dump; a
 * batch applied twice shows in the counters.
 *
 * The expected JSON is built from the documented dump format (fluss_test_server.h:
 * rows keyed by key hex, sorted bytewise, rendered like row_json.h). */
#include <unistd.h>

#include <jansson.h>

#include "bucketing.h"
#include "compacted_row.h"
#include "crc32c.h"
#include "fluss_client.h"
#include "fluss_errors.h"
#include "fluss_test_server.h"
#include "fluss_ts_client.h"
#include "harness.h"
#include "kv_batch.h"

#define NBUCKETS 16
#define NKEYS 600
#define NBATCHES 3000
#define PHASES 10
/* batches one run submits: the phases' and each phase's partial ones */
#define MAXBT (NBATCHES + PHASES * NBUCKETS + 64)
#define API_PUT_KV 1016
#define API_INIT_WRITER 1026

typedef struct model_key {
    int version; /* last version written; 0 = never written */
    int deleted; /* last operation was a delete */
    char hex[16];
} model_key_t;

typedef struct env {
    kfb_fts_t *s;
    kfb_fluss_client_t *c;
    int64_t table_id;
    model_key_t keys[NKEYS];
    int nbatches, nrecords;
    int delivered, failed;
    int32_t last_ferr;
    char last_name[64];
    int64_t last_op[NBUCKETS]; /* opaque of the last delivery of each bucket */
    int out_of_order;
    int64_t last_writer[NBUCKETS];
    int32_t last_seq[NBUCKETS];
    uint64_t rng;
    /* per submitted batch (opaque), for the writer-reset tests */
    int64_t res_writer[64];
    int32_t res_seq[64];
    int32_t res_ferr[64];
    kfb_err_t res_err[64];
    char res_name[64][48];
    /* per submitted batch, for the in-doubt workload (no deletes there): its
     * records (id, version), the CRC of its record bytes, its outcome */
    int no_deletes;
    int bt_n[MAXBT];
    int bt_id[MAXBT][4], bt_ver[MAXBT][4];
    uint32_t bt_crc[MAXBT];
    kfb_err_t bt_err[MAXBT];
    int32_t bt_ferr[MAXBT];
    int pend_n[NBUCKETS], pend_id[NBUCKETS][4], pend_ver[NBUCKETS][4];
} env_t;

static env_t E;

static void on_delivery(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *r, void *op) {
    (void)c;
    (void)op;
    E.delivered++;
    if (r->err) {
        E.failed++;
        E.last_ferr = r->fluss_error;
        snprintf(E.last_name, sizeof E.last_name, "%s", r->error_name);
    }
    int b = r->bucket_id;
    if (b < 0 || b >= NBUCKETS) {
        E.out_of_order++;
        return;
    }
    int64_t n = (int64_t)(intptr_t)r->opaque;
    if (n <= E.last_op[b]) E.out_of_order++;
    if (n >= 0 && n < MAXBT) {
        E.bt_err[n] = r->err;
        E.bt_ferr[n] = r->fluss_error;
    }
    if (n >= 0 && n < 64) {
        E.res_err[n] = r->err;
        E.res_writer[n] = r->writer_id;
        E.res_seq[n] = r->batch_sequence;
        E.res_ferr[n] = r->err ? r->fluss_error : 0;
        snprintf(E.res_name[n], sizeof E.res_name[n], "%s", r->error_name);
    }
    E.last_op[b] = n;
}

static uint32_t rnd(void) {
    E.rng = E.rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(E.rng >> 33);
}

static void env_start(int ntablets) {
    memset(&E, 0, sizeof E);
    for (int b = 0; b < NBUCKETS; b++) E.last_op[b] = -1;
    E.rng = 0x5eed;
    kfb_fts_config_t cfg = {0};
    cfg.n_tablet_servers = ntablets;
    char err[512];
    E.s = kfb_fluss_test_server_start(&cfg, err, sizeof err);
    if (!E.s) {
        fprintf(stderr, "test server: %s\n", err);
        abort();
    }
    if (kfb_fts_add_table(E.s, "db", "users", KFB_TC_USERS_DESC, NBUCKETS, NULL, &E.table_id, err,
                          sizeof err)) {
        fprintf(stderr, "add table: %s\n", err);
        abort();
    }
}

static void env_client(int request_timeout_ms) {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = kfb_fts_bootstrap(E.s);
    conf.delivery_cb = on_delivery;
    conf.retry_backoff_ms = 5;
    conf.reconnect_backoff_ms = 5;
    conf.reconnect_backoff_max_ms = 50;
    conf.request_timeout_ms = request_timeout_ms;
    conf.putkv_timeout_ms = request_timeout_ms;
    conf.backpressure_max_throttle_ms = 20;
    char err[512];
    E.c = kfb_fluss_client_new(&conf, err, sizeof err);
    if (!E.c) {
        fprintf(stderr, "client: %s\n", err);
        abort();
    }
    kfb_fluss_table_info_t *ti;
    if (kfb_fluss_client_get_table(E.c, "db", "users", 10000, &ti, err, sizeof err)) {
        fprintf(stderr, "get_table: %s\n", err);
        abort();
    }
    kfb_fluss_table_info_free(ti);
}

static void env_stop(void) {
    kfb_fluss_client_destroy(E.c);
    kfb_fluss_test_server_stop(E.s);
}

/* Key = CompactedKeyEncoder of the INTEGER id (bucket key = primary key). */
static int32_t key_of(int id, kfb_buf_t *key) {
    kfb_row_writer_t w;
    kfb_buf_reset(key);
    kfb_key_writer_begin(&w, key);
    if (kfb_row_write_int(&w, id)) abort();
    return kfb_bucket_fluss(key->data, key->len, NBUCKETS);
}

static void submit(int bucket, kfb_kv_batch_builder_t *bb) {
    const uint8_t *bytes;
    size_t len;
    if (kfb_kv_batch_build(bb, &bytes, &len)) abort();
    if (E.nbatches < MAXBT) {
        int i = E.nbatches;
        E.bt_crc[i] =
            kfb_crc32c(0, bytes + KFB_KV_BATCH_HEADER_SIZE, len - KFB_KV_BATCH_HEADER_SIZE);
        E.bt_n[i] = E.pend_n[bucket];
        memcpy(E.bt_id[i], E.pend_id[bucket], sizeof E.bt_id[i]);
        memcpy(E.bt_ver[i], E.pend_ver[bucket], sizeof E.bt_ver[i]);
    }
    E.pend_n[bucket] = 0;
    kfb_err_t e;
    while ((e = kfb_fluss_client_submit(E.c, E.table_id, -1, bucket, bytes, len,
                                        (void *)(intptr_t)E.nbatches)) == KFB_ERR_RPC_QUEUE_FULL)
        kfb_fluss_client_poll(E.c, 10);
    if (e) abort();
    E.nbatches++;
    E.nrecords += (int)kfb_kv_batch_record_count(bb);
    kfb_kv_batch_reset(bb);
}

/* Submits `nbatches` more batches: each record picks a random key, writes its
 * next version (or, one time in eight, deletes it); a bucket's batch is
 * submitted when it reaches its random size of 1..4 records. */
static void workload(int nbatches) {
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    char err[256];
    kfb_kv_batch_builder_t *bb[NBUCKETS];
    int want[NBUCKETS];
    for (int b = 0; b < NBUCKETS; b++) {
        bb[b] = kfb_kv_batch_builder_new(1, 1 << 16, err, sizeof err);
        want[b] = 1 + (int)(rnd() % 4);
    }
    int target = E.nbatches + nbatches;
    while (E.nbatches < target) {
        int id = (int)(rnd() % NKEYS);
        model_key_t *m = &E.keys[id];
        int32_t b = key_of(id, &key);
        if (!m->hex[0])
            for (size_t i = 0; i < key.len; i++)
                snprintf(m->hex + 2 * i, 3, "%02x", key.data[i]);
        if (m->version > 0 && !E.no_deletes && rnd() % 8 == 0) {
            if (kfb_kv_batch_append(bb[b], key.data, key.len, NULL, 0)) abort();
            m->deleted = 1;
        } else {
            m->version++;
            m->deleted = 0;
            kfb_row_writer_t w;
            kfb_buf_reset(&val);
            if (kfb_row_writer_begin(&w, &val, 2)) abort();
            char name[32];
            int n = snprintf(name, sizeof name, "v%d", m->version);
            if (kfb_row_write_int(&w, id) || kfb_row_write_string(&w, name, (size_t)n)) abort();
            if (kfb_kv_batch_append(bb[b], key.data, key.len, val.data, val.len)) abort();
            if (E.pend_n[b] < 4) {
                E.pend_id[b][E.pend_n[b]] = id;
                E.pend_ver[b][E.pend_n[b]++] = m->version;
            }
        }
        if ((int)kfb_kv_batch_record_count(bb[b]) >= want[b]) {
            submit(b, bb[b]);
            want[b] = 1 + (int)(rnd() % 4);
        }
        kfb_fluss_client_poll(E.c, 0);
    }
    for (int b = 0; b < NBUCKETS; b++) {
        if (kfb_kv_batch_record_count(bb[b]) > 0) submit(b, bb[b]);
        kfb_kv_batch_builder_destroy(bb[b]);
    }
    kfb_buf_free(&key);
    kfb_buf_free(&val);
}

static int cmp_hex(const void *a, const void *b) {
    const model_key_t *x = *(const model_key_t *const *)a, *y = *(const model_key_t *const *)b;
    return strcmp(x->hex, y->hex); /* same order as bytewise keys (hex keeps order, prefixes) */
}

/* The "rows" object the dump must contain, from the model. */
static char *expected_rows(int *nrows) {
    model_key_t *live[NKEYS];
    int n = 0;
    for (int i = 0; i < NKEYS; i++)
        if (E.keys[i].version > 0 && !E.keys[i].deleted) live[n++] = &E.keys[i];
    qsort(live, (size_t)n, sizeof live[0], cmp_hex);
    size_t cap = 64 + (size_t)n * 64;
    char *s = malloc(cap);
    size_t o = (size_t)snprintf(s, cap, "\"row_count\":%d,\"rows\":{", n);
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s\"%s\":{\"id\": %d, \"name\": \"v%d\"}",
                              i ? "," : "", live[i]->hex, (int)(live[i] - E.keys),
                              live[i]->version);
    snprintf(s + o, cap - o, "},\"buckets\":");
    *nrows = n;
    return s;
}

/* Flushes, then checks the table equals the model and every batch was applied
 * exactly once, in order. */
static void assert_exact_state_n(int applied_batches, int delivered) {
    ASSERT_OK(kfb_fluss_client_flush(E.c, 60000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(E.delivered, delivered);
    ASSERT_EQ_INT(E.out_of_order, 0);
    int nrows;
    char *want = expected_rows(&nrows);
    char *dump = kfb_fts_dump_table_json(E.s, "db", "users");
    ASSERT_TRUE(dump != NULL);
    if (applied_batches > 100) ASSERT_TRUE(nrows > NKEYS / 2); /* reached most keys */
    const char *p = strstr(dump, "\"row_count\":");
    ASSERT_TRUE(p != NULL);
    if (strncmp(p, want, strlen(want)) != 0) {
        /* point at the first difference */
        size_t i = 0;
        while (p[i] && p[i] == want[i]) i++;
        fprintf(stderr, "dump differs at %zu:\n  got  %.120s\n  want %.120s\n", i,
                p + (i > 40 ? i - 40 : 0), want + (i > 40 ? i - 40 : 0));
        ASSERT_TRUE(0);
    }
    free(want);
    free(dump);
    kfb_fts_stats_t st;
    kfb_fts_get_stats(E.s, &st);
    ASSERT_EQ_U64(st.batches_applied, (uint64_t)applied_batches);
    ASSERT_EQ_U64(st.records_applied, (uint64_t)E.nrecords);
}

static void assert_exact_state(void) { assert_exact_state_n(E.nbatches, E.nbatches); }

/* The workload in PHASES slices; before each slice `arm` (if any) injects
 * faults or changes the cluster while earlier batches are still in flight. */
static void run(void (*arm)(int phase)) {
    for (int ph = 0; ph < PHASES; ph++) {
        if (arm) arm(ph);
        workload(NBATCHES / PHASES);
    }
    assert_exact_state();
}

static void inject(kfb_fts_fault_t f) {
    char err[256];
    if (kfb_fts_inject(E.s, &f, err, sizeof err)) {
        fprintf(stderr, "inject: %s\n", err);
        abort();
    }
}

static kfb_fts_stats_t stats(void) {
    kfb_fts_stats_t st;
    kfb_fts_get_stats(E.s, &st);
    return st;
}

TEST(order_clean_run_matches_model) {
    env_start(2);
    env_client(5000);
    run(NULL);
    ASSERT_EQ_U64(stats().duplicates, 0);
    ASSERT_EQ_U64(stats().rejections, 0);
    ASSERT_EQ_U64(kfb_fts_api_calls(E.s, API_INIT_WRITER), 1);
    ASSERT_EQ_U64(stats().connections, 3); /* coordinator + 2 tablet servers */
    ASSERT_GE_INT(NBATCHES, 3000);
    env_stop();
}

static void arm_bucket_errors(int ph) {
    /* a different bucket each phase, alternating a leader error and a plain
     * retriable one */
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_PUT_KV;
    f.bucket = (ph * 5) % NBUCKETS;
    f.error_code = ph % 2 ? KFB_FLUSS_NOT_LEADER_OR_FOLLOWER : KFB_FLUSS_REQUEST_TIME_OUT;
    f.count = 3;
    inject(f);
}

TEST(order_retriable_bucket_errors) {
    env_start(2);
    env_client(5000);
    run(arm_bucket_errors);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    ASSERT_GE_INT(stats().rejections, PHASES * 3);
    ASSERT_EQ_U64(stats().duplicates, 0);
    env_stop();
}

static void arm_error_after_apply(int ph) {
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_PUT_KV;
    f.bucket = (ph * 3) % NBUCKETS;
    f.error_code = KFB_FLUSS_NOT_ENOUGH_REPLICAS_AFTER_APPEND_EXCEPTION;
    f.after_apply = 1;
    f.count = 2;
    inject(f);
}

TEST(order_error_after_apply_is_not_applied_twice) {
    env_start(2);
    env_client(5000);
    run(arm_error_after_apply);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    /* each lost acknowledgement was resent and recognised as a duplicate */
    ASSERT_GE_INT(stats().duplicates, PHASES * 2);
    env_stop();
}

static void arm_delay(int ph) {
    (void)ph;
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_DELAY);
    f.api_key = API_PUT_KV;
    f.node = ph % 2;
    f.delay_ms = 30;
    f.count = 3;
    inject(f);
}

TEST(order_delayed_responses_out_of_order) {
    env_start(2);
    env_client(5000);
    run(arm_delay);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    ASSERT_EQ_U64(stats().duplicates, 0);
    env_stop();
}

static void arm_drop_before(int ph) {
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_DROP_BEFORE);
    f.api_key = API_PUT_KV;
    f.node = ph % 2;
    inject(f);
}

TEST(order_drop_before_processing) {
    env_start(2);
    env_client(5000);
    run(arm_drop_before);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    env_stop();
}

static void arm_drop_after(int ph) {
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_DROP_AFTER);
    f.api_key = API_PUT_KV;
    f.node = ph % 2;
    inject(f);
}

TEST(order_drop_after_processing) {
    env_start(2);
    env_client(5000);
    run(arm_drop_after);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    ASSERT_GE_INT(stats().duplicates, 1);
    env_stop();
}

static void arm_server_failure(int ph) {
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_SERVER_FAILURE);
    f.api_key = API_PUT_KV;
    f.node = ph % 2;
    inject(f);
}

TEST(order_server_failure) {
    env_start(2);
    env_client(5000);
    run(arm_server_failure);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    ASSERT_GE_INT(stats().server_failures, PHASES);
    env_stop();
}

static void arm_no_response(int ph) {
    if (ph % 3) return;
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_NO_RESPONSE);
    f.api_key = API_PUT_KV;
    f.node = (ph / 3) % 2;
    inject(f);
}

TEST(order_no_response_times_out_and_resends) {
    env_start(2);
    env_client(200);
    run(arm_no_response);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    env_stop();
}

static void arm_drop_connections(int ph) {
    kfb_fts_drop_connections(E.s, ph % 3 == 2 ? KFB_FTS_ANY : ph % 2);
}

TEST(order_dropped_connections) {
    env_start(2);
    env_client(5000);
    run(arm_drop_connections);
    ASSERT_GT_INT(stats().connections, 3); /* reconnected after drops */
    env_stop();
}

static void arm_leader_move(int ph) {
    char err[256];
    for (int b = ph % 3; b < NBUCKETS; b += 3) {
        /* the bucket's current leader is unknown here: alternate both ways */
        if (kfb_fts_move_leader(E.s, E.table_id, -1, b, (b + ph + 1) % 2, err, sizeof err))
            abort();
    }
}

TEST(order_leader_moves) {
    env_start(2);
    env_client(5000);
    run(arm_leader_move);
    ASSERT_GE_INT(kfb_fts_rejections(E.s, KFB_FLUSS_NOT_LEADER_OR_FOLLOWER), 1);
    ASSERT_EQ_U64(stats().duplicates, 0);
    env_stop();
}

static void arm_refuse(int ph) {
    if (ph == 3 || ph == 7) {
        if (kfb_fts_refuse_connections(E.s, ph == 3 ? 0 : KFB_FTS_ANY, 100)) abort();
    }
}

TEST(order_refused_connections) {
    env_start(2);
    env_client(5000);
    run(arm_refuse);
    env_stop();
}

/* ---- writer reset (fluss-protocol.md §10.5; Java Sender.handleWriteBatchException,
 * IdempotenceManager.canRetry / handleFailedBatch) ---- */

/* One batch of `nrec` records for keys of `bucket`. With to_model = 0 the
 * batch is expected to fail: its rows carry versions the model never records
 * (a later write of the same key supersedes them with a higher one). */
static void bucket_batch(int bucket, int nrec, int to_model) {
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    char err[256];
    kfb_kv_batch_builder_t *bb = kfb_kv_batch_builder_new(1, 1 << 16, err, sizeof err);
    while ((int)kfb_kv_batch_record_count(bb) < nrec) {
        int id = (int)(rnd() % NKEYS);
        model_key_t *m = &E.keys[id];
        if (key_of(id, &key) != bucket) continue;
        if (!m->hex[0])
            for (size_t i = 0; i < key.len; i++) snprintf(m->hex + 2 * i, 3, "%02x", key.data[i]);
        int version = m->version + 1;
        if (to_model) {
            m->version = version;
            m->deleted = 0;
        } else {
            version += 100000; /* never matches the model: shows if it was applied */
        }
        kfb_row_writer_t w;
        kfb_buf_reset(&val);
        if (kfb_row_writer_begin(&w, &val, 2)) abort();
        char name[32];
        int n = snprintf(name, sizeof name, "v%d", version);
        if (kfb_row_write_int(&w, id) || kfb_row_write_string(&w, name, (size_t)n)) abort();
        if (kfb_kv_batch_append(bb, key.data, key.len, val.data, val.len)) abort();
    }
    int before = E.nrecords;
    submit(bucket, bb);
    if (!to_model) {
        E.nrecords = before; /* not applied */
    }
    kfb_kv_batch_builder_destroy(bb);
    kfb_buf_free(&key);
    kfb_buf_free(&val);
}

/* One tablet server, bucket 0 of the table: three batches acknowledged one by
 * one under the first writer id (opaques 0..2, sequences 0..2); returns it. */
static int64_t three_acknowledged(void) {
    env_start(1);
    env_client(5000);
    for (int i = 0; i < 3; i++) {
        bucket_batch(0, 2, 1);
        ASSERT_OK(kfb_fluss_client_flush(E.c, 10000));
    }
    int64_t w0 = kfb_fluss_client_writer_id(E.c);
    ASSERT_GE_INT(w0, 0);
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ_INT(E.res_writer[i], w0);
        ASSERT_EQ_INT(E.res_seq[i], i);
    }
    return w0;
}

/* Three batches acknowledged under the first writer, then `code` scripted on
 * the next expected batch (sequence 3) while `pipelined` later batches are
 * already in flight behind it, then 3 more. */
static void writer_reset_case(int code, const char *name, int pipelined) {
    int64_t w0 = three_acknowledged();
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_PUT_KV;
    f.bucket = 0;
    f.error_code = code;
    inject(f);
    if (pipelined) {
        /* hold the failing answer so the later batches are surely sent (and
         * answered) before it arrives */
        kfb_fts_fault_t d = kfb_fts_fault_default(KFB_FTS_FAULT_DELAY);
        d.api_key = API_PUT_KV;
        d.delay_ms = 300;
        inject(d);
    }
    bucket_batch(0, 2, 0); /* opaque 3: fails */
    for (int i = 0; i < pipelined; i++) bucket_batch(0, 2, 1);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 10000));
    for (int i = 0; i < 3; i++) {
        bucket_batch(0, 2, 1);
        ASSERT_OK(kfb_fluss_client_flush(E.c, 10000));
    }
    /* the scripted batch failed with its Fluss error (not written; retriable:
     * the cause is the server's writer state, not the batch) ... */
    ASSERT_EQ_INT(E.failed, 1);
    ASSERT_ERR(E.res_err[3], KFB_ERR_FLUSS_RETRIABLE);
    ASSERT_EQ_INT(E.res_ferr[3], code);
    ASSERT_STREQ(E.res_name[3], name);
    ASSERT_EQ_INT(E.res_writer[3], w0);
    ASSERT_EQ_INT(E.res_seq[3], 3);
    /* ... the writer id was reset and a new one obtained ... */
    ASSERT_EQ_U64(kfb_fts_api_calls(E.s, API_INIT_WRITER), 2);
    int64_t w1 = kfb_fluss_client_writer_id(E.c);
    ASSERT_GE_INT(w1, 0);
    ASSERT_NE_INT(w1, w0);
    /* ... and every later batch restarted at sequence 0 under it, in order */
    for (int i = 4; i < E.nbatches; i++) {
        ASSERT_EQ_INT(E.res_ferr[i], 0);
        ASSERT_EQ_INT(E.res_writer[i], w1);
        ASSERT_EQ_INT(E.res_seq[i], i - 4);
    }
    /* the server refused the batch behind the scripted one with a real
     * OUT_OF_ORDER_SEQUENCE (its sequence is ahead of the one it expects); the
     * client then holds the bucket (one batch at a time) until the scripted
     * answer arrives and the writer is reset */
    if (code == KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION)
        ASSERT_EQ_U64(kfb_fts_rejections(E.s, code), 1); /* only the scripted one */
    if (pipelined)
        ASSERT_GE_INT(kfb_fts_rejections(E.s, KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION),
                      1 + (code == KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION));
    E.failed = 0; /* expected; assert_exact_state checks the rest */
    assert_exact_state_n(E.nbatches - 1, E.nbatches);
    env_stop();
}

TEST(writer_reset_after_out_of_order_sequence) {
    writer_reset_case(KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION, "OUT_OF_ORDER_SEQUENCE_EXCEPTION",
                      0);
}

TEST(writer_reset_after_unknown_writer_id) {
    writer_reset_case(KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION, "UNKNOWN_WRITER_ID_EXCEPTION", 0);
}

/* Batches in flight behind the failed one get the server's real
 * OUT_OF_ORDER_SEQUENCE (their sequence is ahead of what it expects): they
 * are retried, restamped under the new writer, and applied once each. */
TEST(writer_reset_with_batches_in_flight_behind) {
    writer_reset_case(KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION, "OUT_OF_ORDER_SEQUENCE_EXCEPTION",
                      4);
}

TEST(writer_reset_unknown_writer_with_batches_in_flight_behind) {
    writer_reset_case(KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION, "UNKNOWN_WRITER_ID_EXCEPTION", 4);
}

/* UNKNOWN_WRITER_ID on a batch that is NOT the next expected one (the batch
 * before it is still unanswered): Java's canRetry would not retry it (no
 * sequence reset) and Java resets the writer; we retry it (see the comment in
 * fluss_writer.c batch_outcome). The server did not apply it, so the retry
 * applies it exactly once, after the batch before it, under the same writer. */
TEST(unknown_writer_id_on_a_later_batch_is_retried) {
    int64_t w0 = three_acknowledged();
    kfb_fts_fault_t d = kfb_fts_fault_default(KFB_FTS_FAULT_DELAY);
    d.api_key = API_PUT_KV;
    d.delay_ms = 300;
    inject(d);
    bucket_batch(0, 2, 1); /* opaque 3, sequence 3: applied, answer held back */
    for (int i = 0; i < 1000 && kfb_fts_faults_pending(E.s); i++) usleep(1000);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_PUT_KV;
    f.bucket = 0;
    f.error_code = KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION;
    inject(f);
    bucket_batch(0, 2, 1); /* opaque 4, sequence 4: refused with 33 first */
    ASSERT_OK(kfb_fluss_client_flush(E.c, 10000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_U64(kfb_fts_rejections(E.s, KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION), 1);
    ASSERT_EQ_U64(kfb_fts_api_calls(E.s, API_INIT_WRITER), 1); /* no writer reset */
    ASSERT_EQ_INT(kfb_fluss_client_writer_id(E.c), w0);
    ASSERT_EQ_INT(E.res_writer[4], w0);
    ASSERT_EQ_INT(E.res_seq[4], 4);
    assert_exact_state();
    env_stop();
}

/* ---- writer reset after an attempt that was applied (issue 11) ---- */

/* The scripted batch (opaque 3, sequence 3) is first applied and answered
 * REQUEST_TIME_OUT (Fluss's DelayedWrite answer after the leader wrote it),
 * then its resend gets `code` as the next expected batch.
 *   Alone in flight: its outcome is unknown, so it ends WRITE_IN_DOUBT (the
 *   Fluss code kept) and is never resent under the new writer id; it stays
 *   applied exactly once, and the batches after it restart at sequence 0
 *   under the new id. The table ends equal to the model with every batch
 *   applied once, in order.
 *   With 4 batches pipelined behind it: the one behind gets `code`, the
 *   others a real OUT_OF_ORDER_SEQUENCE; all are retried lowest first, the
 *   resend of the scripted one is a duplicate, nothing fails and the writer
 *   id is never reset. */
static void writer_reset_applied_first_case(int code, int pipelined) {
    int64_t w0 = three_acknowledged();
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_PUT_KV;
    f.bucket = 0;
    f.error_code = KFB_FLUSS_REQUEST_TIME_OUT;
    f.after_apply = 1;
    inject(f);
    f.error_code = code;
    f.after_apply = 0;
    inject(f);
    if (pipelined) {
        kfb_fts_fault_t d = kfb_fts_fault_default(KFB_FTS_FAULT_DELAY);
        d.api_key = API_PUT_KV;
        d.delay_ms = 300;
        inject(d);
    }
    bucket_batch(0, 2, 1); /* opaque 3: applied by its first attempt */
    for (int i = 0; i < pipelined; i++) bucket_batch(0, 2, 1);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 10000));
    for (int i = 0; i < 3; i++) {
        bucket_batch(0, 2, 1);
        ASSERT_OK(kfb_fluss_client_flush(E.c, 10000));
    }
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    if (pipelined) {
        ASSERT_EQ_INT(E.failed, 0);
        ASSERT_EQ_U64(kfb_fts_api_calls(E.s, API_INIT_WRITER), 1);
        for (int i = 0; i < E.nbatches; i++) {
            ASSERT_EQ_INT(E.res_writer[i], w0);
            ASSERT_EQ_INT(E.res_seq[i], i);
        }
        ASSERT_GE_INT(stats().duplicates, 1);
        assert_exact_state();
    } else {
        ASSERT_EQ_INT(E.failed, 1);
        ASSERT_ERR(E.res_err[3], KFB_ERR_WRITE_IN_DOUBT);
        ASSERT_EQ_INT(E.res_ferr[3], code);
        ASSERT_STREQ(E.res_name[3], "WRITE_IN_DOUBT");
        ASSERT_EQ_INT(E.res_writer[3], w0);
        ASSERT_EQ_INT(E.res_seq[3], 3);
        ASSERT_EQ_U64(kfb_fts_api_calls(E.s, API_INIT_WRITER), 2);
        int64_t w1 = kfb_fluss_client_writer_id(E.c);
        ASSERT_NE_INT(w1, w0);
        for (int i = 4; i < E.nbatches; i++) {
            ASSERT_EQ_INT(E.res_ferr[i], 0);
            ASSERT_EQ_INT(E.res_writer[i], w1);
            ASSERT_EQ_INT(E.res_seq[i], i - 4);
        }
        /* the in-doubt batch was in fact applied, once: with it the state is
         * the model's and every batch counts once */
        E.failed = 0;
        assert_exact_state_n(E.nbatches, E.nbatches);
    }
    env_stop();
}

TEST(writer_reset_after_out_of_order_on_a_batch_already_applied) {
    writer_reset_applied_first_case(KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION, 0);
}

TEST(writer_reset_after_unknown_writer_id_on_a_batch_already_applied) {
    writer_reset_applied_first_case(KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION, 0);
}

TEST(no_writer_reset_when_a_later_batch_proves_the_applied_one) {
    writer_reset_applied_first_case(KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION, 4);
}

/* ---- the workload with answers lost after applying, then writer resets ---- */

static void arm_in_doubt(int ph) {
    /* one bucket per phase: its next batch is applied and answered 25 or 28
     * (or, every third phase, its request's connection is dropped after
     * applying), then the bucket's next arrival gets UNKNOWN_WRITER_ID */
    int bucket = (ph * 5) % NBUCKETS;
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_PUT_KV;
    f.bucket = bucket;
    if (ph % 3 == 2) {
        kfb_fts_fault_t d = kfb_fts_fault_default(KFB_FTS_FAULT_DROP_AFTER);
        d.api_key = API_PUT_KV;
        inject(d);
        f.skip = 1;
    } else {
        f.error_code = ph % 3 ? KFB_FLUSS_NOT_ENOUGH_REPLICAS_AFTER_APPEND_EXCEPTION
                              : KFB_FLUSS_REQUEST_TIME_OUT;
        f.after_apply = 1;
        inject(f);
    }
    f.error_code = KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION;
    f.after_apply = 0;
    inject(f);
}

/* Upserts only (versions rise per key). Whatever the faults do, each batch
 * gets one callback in bucket order, fails only with WRITE_IN_DOUBT or (when
 * refused on its only attempt) FLUSS_RETRIABLE / UNKNOWN_WRITER_ID, is
 * applied at most once (exactly once when acknowledged, never when reported
 * as not written), and
 * no key ends older than its last acknowledged version. */
TEST(order_in_doubt_batches_never_overwrite_newer_ones) {
    env_start(2);
    env_client(5000);
    E.no_deletes = 1;
    for (int ph = 0; ph < PHASES; ph++) {
        arm_in_doubt(ph);
        workload(NBATCHES / PHASES);
    }
    ASSERT_OK(kfb_fluss_client_flush(E.c, 60000));
    ASSERT_LE_INT(E.nbatches, MAXBT);
    ASSERT_EQ_INT(E.delivered, E.nbatches);
    ASSERT_EQ_INT(E.out_of_order, 0);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    int in_doubt = 0, refused = 0;
    for (int i = 0; i < E.nbatches; i++) {
        if (E.bt_err[i] == KFB_ERR_WRITE_IN_DOUBT) in_doubt++;
        else if (E.bt_err[i]) {
            ASSERT_ERR(E.bt_err[i], KFB_ERR_FLUSS_RETRIABLE);
            ASSERT_EQ_INT(E.bt_ferr[i], KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION);
            refused++;
        }
    }
    ASSERT_EQ_INT(E.failed, in_doubt + refused);
    /* applied at most once; once when acknowledged, never when refused */
    char *log = kfb_fts_batch_log(E.s);
    ASSERT_TRUE(log != NULL);
    static int applied[MAXBT];
    memset(applied, 0, sizeof applied);
    for (char *p = log, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        *nl = 0;
        unsigned crc;
        const char *q = strstr(p, " records=");
        ASSERT_TRUE(q && sscanf(q, " records=%x", &crc) == 1);
        if (!strstr(p, "result=applied")) continue;
        for (int i = 0; i < E.nbatches; i++)
            if (E.bt_crc[i] == crc) applied[i]++;
    }
    free(log);
    for (int i = 0; i < E.nbatches; i++) {
        ASSERT_LE_INT(applied[i], 1);
        if (E.bt_err[i] == KFB_ERR_OK) ASSERT_EQ_INT(applied[i], 1);
        if (E.bt_err[i] == KFB_ERR_FLUSS_RETRIABLE) ASSERT_EQ_INT(applied[i], 0);
    }
    /* no key older than acknowledged, and its value from a batch that was
     * acknowledged or in doubt */
    char *dump = kfb_fts_dump_table_json(E.s, "db", "users");
    json_error_t je;
    json_t *root = json_loads(dump, 0, &je);
    free(dump);
    ASSERT_TRUE(root != NULL);
    json_t *rows = json_object_get(root, "rows");
    static int acked[NKEYS], stored[NKEYS], allowed[NKEYS];
    memset(acked, 0, sizeof acked);
    for (int k = 0; k < NKEYS; k++) {
        json_t *row = E.keys[k].hex[0] ? json_object_get(rows, E.keys[k].hex) : NULL;
        const char *name = row ? json_string_value(json_object_get(row, "name")) : NULL;
        stored[k] = name ? atoi(name + 1) : 0;
        allowed[k] = stored[k] == 0;
    }
    for (int i = 0; i < E.nbatches; i++)
        for (int r = 0; r < E.bt_n[i]; r++) {
            int k = E.bt_id[i][r], v = E.bt_ver[i][r];
            if (E.bt_err[i] == KFB_ERR_OK && v > acked[k]) acked[k] = v;
            if (v == stored[k] &&
                (E.bt_err[i] == KFB_ERR_OK || E.bt_err[i] == KFB_ERR_WRITE_IN_DOUBT))
                allowed[k] = 1;
        }
    int checked = 0;
    for (int k = 0; k < NKEYS; k++) {
        if (!E.keys[k].version) continue;
        if (stored[k] < acked[k])
            fprintf(stderr, "  key %d: stored v%d < acknowledged v%d\n", k, stored[k], acked[k]);
        ASSERT_GE_INT(stored[k], acked[k]);
        ASSERT_TRUE(allowed[k]);
        checked++;
    }
    ASSERT_GT_INT(checked, NKEYS / 2);
    json_decref(root);
    fprintf(stderr, "  %d batches: %d in doubt, %d refused\n", E.nbatches, in_doubt, refused);
    env_stop();
}
