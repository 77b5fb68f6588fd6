/* test_fluss_client_ts.c - the Fluss client end to end against the Fluss test
 * server (tests/support/fluss_test_server.h, branch `testserver`): real KV
 * batches (kv_batch.h) of compacted rows (compacted_row.h) routed by the Fluss
 * bucket function (bucketing.h), written through two tablet servers, with the
 * server's fault injection: leader moves, lost responses, per-bucket errors,
 * server failures, silence and refused connections. Expected table contents are
 * what was written; the server decodes and stores rows itself. */
#include <unistd.h>

#include "bucketing.h"
#include "compacted_row.h"
#include "fluss_client.h"
#include "fluss_errors.h"
#include "fluss_test_server.h"
#include "fluss_ts_client.h"
#include "harness.h"
#include "kv_batch.h"

#define NBUCKETS 4

typedef struct env {
    kfb_fts_t *s;
    kfb_fluss_client_t *c;
    int64_t table_id;
    int delivered, failed;
    int next_op; /* submit counter: the opaque of every batch */
    int64_t order[NBUCKETS][256];
    int norder[NBUCKETS];
    int32_t last_ferr;
    char last_name[64];
    char last_msg[512];
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
        snprintf(E.last_msg, sizeof E.last_msg, "%s", r->message);
    }
    int b = r->bucket_id;
    if (b >= 0 && b < NBUCKETS && E.norder[b] < 256) E.order[b][E.norder[b]++] = (intptr_t)r->opaque;
}

static void env_start(int ntablets, const char *user, const char *pass) {
    memset(&E, 0, sizeof E);
    kfb_fts_config_t cfg = {0};
    cfg.n_tablet_servers = ntablets;
    cfg.sasl_username = user;
    cfg.sasl_password = pass;
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

static kfb_fluss_client_t *env_client(const char *user, const char *pass, int delivery_timeout) {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = kfb_fts_bootstrap(E.s);
    conf.delivery_cb = on_delivery;
    conf.retry_backoff_ms = 10;
    conf.reconnect_backoff_ms = 10;
    conf.reconnect_backoff_max_ms = 100;
    conf.request_timeout_ms = 500;
    conf.putkv_timeout_ms = 500;
    conf.backpressure_max_throttle_ms = 50;
    conf.delivery_timeout_ms = delivery_timeout;
    conf.sasl_username = user;
    conf.sasl_password = pass;
    char err[512];
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, err, sizeof err);
    if (!c) fprintf(stderr, "client: %s\n", err);
    return c;
}

static void env_stop(void) {
    kfb_fluss_client_destroy(E.c);
    kfb_fluss_test_server_stop(E.s);
}

/* Key = CompactedKeyEncoder of the INTEGER id; value = (id, "user-<id>"). */
static int32_t encode(int32_t id, kfb_buf_t *key, kfb_buf_t *val) {
    kfb_row_writer_t w;
    kfb_buf_reset(key);
    kfb_buf_reset(val);
    kfb_key_writer_begin(&w, key);
    if (kfb_row_write_int(&w, id)) abort();
    if (kfb_row_writer_begin(&w, val, 2)) abort();
    char name[32];
    int n = snprintf(name, sizeof name, "user-%d", id);
    if (kfb_row_write_int(&w, id) || kfb_row_write_string(&w, name, (size_t)n)) abort();
    return kfb_bucket_fluss(key->data, key->len, NBUCKETS);
}

/* Writes ids [from, to) with one batch per bucket per `per_batch` rows. */
static void write_ids(int from, int to, int per_batch) {
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    char err[256];
    kfb_kv_batch_builder_t *bb[NBUCKETS];
    for (int b = 0; b < NBUCKETS; b++) bb[b] = kfb_kv_batch_builder_new(1, 1 << 20, err, sizeof err);
    for (int id = from; id < to; id++) {
        int32_t b = encode(id, &key, &val);
        if (kfb_kv_batch_append(bb[b], key.data, key.len, val.data, val.len)) abort();
        if (kfb_kv_batch_record_count(bb[b]) == per_batch || id == to - 1) {
            for (int k = 0; k < NBUCKETS; k++) {
                if (kfb_kv_batch_record_count(bb[k]) == 0) continue;
                if (k != b && id != to - 1) continue;
                const uint8_t *bytes;
                size_t len;
                if (kfb_kv_batch_build(bb[k], &bytes, &len)) abort();
                kfb_err_t e;
                while ((e = kfb_fluss_client_submit(E.c, E.table_id, -1, k, bytes, len,
                                                    (void *)(intptr_t)E.next_op)) ==
                       KFB_ERR_RPC_QUEUE_FULL)
                    kfb_fluss_client_poll(E.c, 10);
                if (e) abort();
                E.next_op++;
                kfb_kv_batch_reset(bb[k]);
            }
        }
    }
    for (int b = 0; b < NBUCKETS; b++) kfb_kv_batch_builder_destroy(bb[b]);
    kfb_buf_free(&key);
    kfb_buf_free(&val);
}

static void open_table(void) {
    char err[512];
    kfb_fluss_table_info_t *ti;
    kfb_err_t e = kfb_fluss_client_get_table(E.c, "db", "users", 5000, &ti, err, sizeof err);
    if (e) {
        fprintf(stderr, "get_table: %s\n", err);
        abort();
    }
    if (ti->table_id != E.table_id || ti->bucket_count != NBUCKETS) abort();
    kfb_fluss_table_info_free(ti);
}

static long row_count(void) {
    char *j = kfb_fts_dump_table_json(E.s, "db", "users");
    const char *p = j ? strstr(j, "\"row_count\":") : NULL;
    long n = p ? strtol(p + 12, NULL, 10) : -1;
    free(j);
    return n;
}

static void assert_ordered(void) {
    for (int b = 0; b < NBUCKETS; b++)
        for (int i = 1; i < E.norder[b]; i++)
            if (E.order[b][i] <= E.order[b][i - 1]) {
                fprintf(stderr, "bucket %d delivered out of order\n", b);
                abort();
            }
}

TEST(ts_write_lookup_and_table_contents) {
    env_start(2, NULL, NULL);
    E.c = env_client(NULL, NULL, 0);
    open_table();
    write_ids(0, 400, 10);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(row_count(), 400);
    assert_ordered();
    kfb_fts_stats_t st;
    kfb_fts_get_stats(E.s, &st);
    ASSERT_EQ_INT(st.records_applied, 400);
    ASSERT_EQ_INT(st.duplicates, 0);
    ASSERT_EQ_INT(st.rejections, 0);
    ASSERT_EQ_INT(kfb_fts_api_calls(E.s, 1026), 1); /* one InitWriter */
    /* the stored row reads back as written, schema id 1 in front (§6.6) */
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    int32_t b = encode(123, &key, &val);
    const uint8_t *keys[1] = {key.data};
    size_t kl[1] = {key.len};
    uint8_t *vals[1];
    size_t vl[1];
    int32_t sid[1];
    char err[512];
    ASSERT_OK(kfb_fluss_client_lookup(E.c, E.table_id, -1, b, keys, kl, 1, 5000, vals, vl, sid,
                                      err, sizeof err));
    ASSERT_MEMEQ(vals[0], vl[0], val.data, val.len);
    ASSERT_EQ_INT(sid[0], 1);
    free(vals[0]);
    /* asked in the wrong bucket, the key is simply absent (like Fluss) */
    ASSERT_OK(kfb_fluss_client_lookup(E.c, E.table_id, -1, (b + 1) % NBUCKETS, keys, kl, 1,
                                      5000, vals, vl, sid, err, sizeof err));
    ASSERT_TRUE(vals[0] == NULL);
    ASSERT_EQ_INT(sid[0], -1);
    /* a per-bucket lookup error names the Fluss error */
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = 1017;
    f.bucket = b;
    f.error_code = KFB_FLUSS_NOT_LEADER_OR_FOLLOWER;
    ASSERT_OK(kfb_fts_inject(E.s, &f, err, sizeof err));
    ASSERT_ERR(kfb_fluss_client_lookup(E.c, E.table_id, -1, b, keys, kl, 1, 5000, vals, vl, sid,
                                       err, sizeof err),
               KFB_ERR_FLUSS_RETRIABLE);
    ASSERT_CONTAINS(err, "NOT_LEADER_OR_FOLLOWER (12)");
    kfb_buf_free(&key);
    kfb_buf_free(&val);
    env_stop();
}

TEST(ts_leader_move_is_followed) {
    env_start(2, NULL, NULL);
    E.c = env_client(NULL, NULL, 0);
    open_table();
    write_ids(0, 40, 5);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    char err[256];
    for (int b = 0; b < NBUCKETS; b++)
        ASSERT_OK(kfb_fts_move_leader(E.s, E.table_id, -1, b, (b + 1) % 2, err, sizeof err));
    write_ids(40, 120, 5);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(row_count(), 120);
    ASSERT_GE_INT(kfb_fts_rejections(E.s, KFB_FLUSS_NOT_LEADER_OR_FOLLOWER), 1);
    assert_ordered();
    env_stop();
}

TEST(ts_lost_response_acknowledged_as_duplicate) {
    env_start(1, NULL, NULL);
    E.c = env_client(NULL, NULL, 0);
    open_table();
    char err[256];
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_DROP_AFTER);
    f.api_key = 1016;
    f.count = 2;
    ASSERT_OK(kfb_fts_inject(E.s, &f, err, sizeof err));
    write_ids(0, 60, 5);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(row_count(), 60);
    kfb_fts_stats_t st;
    kfb_fts_get_stats(E.s, &st);
    ASSERT_GE_INT(st.duplicates, 1); /* resent with the same sequence, not re-applied */
    ASSERT_EQ_INT(st.records_applied, 60);
    assert_ordered();
    env_stop();
}

TEST(ts_retriable_faults_recover) {
    env_start(2, NULL, NULL);
    E.c = env_client(NULL, NULL, 0);
    open_table();
    char err[256];
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_SERVER_FAILURE);
    f.api_key = 1016;
    ASSERT_OK(kfb_fts_inject(E.s, &f, err, sizeof err));
    f = kfb_fts_fault_default(KFB_FTS_FAULT_NO_RESPONSE);
    f.api_key = 1016;
    ASSERT_OK(kfb_fts_inject(E.s, &f, err, sizeof err));
    f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = 1016;
    f.bucket = 2;
    f.error_code = KFB_FLUSS_STORAGE_BACKPRESSURE_EXCEPTION;
    ASSERT_OK(kfb_fts_inject(E.s, &f, err, sizeof err));
    f.error_code = KFB_FLUSS_NOT_ENOUGH_REPLICAS_AFTER_APPEND_EXCEPTION;
    f.after_apply = 1;
    ASSERT_OK(kfb_fts_inject(E.s, &f, err, sizeof err));
    write_ids(0, 200, 10);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 30000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(row_count(), 200);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    kfb_fts_stats_t st;
    kfb_fts_get_stats(E.s, &st);
    ASSERT_EQ_INT(st.records_applied, 200);
    assert_ordered();
    env_stop();
}

TEST(ts_fatal_bucket_error_reported_and_rest_written) {
    env_start(1, NULL, NULL);
    E.c = env_client(NULL, NULL, 0);
    open_table();
    char err[256];
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = 1016;
    f.bucket = 1;
    f.error_code = KFB_FLUSS_INVALID_TARGET_COLUMN;
    ASSERT_OK(kfb_fts_inject(E.s, &f, err, sizeof err));
    write_ids(0, 100, 5);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 1);
    ASSERT_EQ_INT(E.last_ferr, 35);
    ASSERT_STREQ(E.last_name, "INVALID_TARGET_COLUMN");
    ASSERT_CONTAINS(E.last_msg, "INVALID_TARGET_COLUMN (35)");
    /* exactly one batch (5 rows) lost, every later batch of bucket 1 renumbered
     * and written */
    ASSERT_EQ_INT(row_count(), 95);
    assert_ordered();
    env_stop();
}

TEST(ts_refused_connections_then_recovery) {
    env_start(1, NULL, NULL);
    E.c = env_client(NULL, NULL, 0);
    open_table();
    ASSERT_OK(kfb_fts_refuse_connections(E.s, KFB_FTS_ANY, 300));
    write_ids(0, 40, 5);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(row_count(), 40);
    env_stop();
}

TEST(ts_admin_create_database_and_table) {
    env_start(1, NULL, NULL);
    E.c = env_client(NULL, NULL, 0);
    char err[512];
    int exists = -1;
    ASSERT_OK(kfb_fluss_client_database_exists(E.c, "fresh", 5000, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 0);
    ASSERT_OK(kfb_fluss_client_create_database(E.c, "fresh", 0, 5000, err, sizeof err));
    ASSERT_OK(kfb_fluss_client_database_exists(E.c, "fresh", 5000, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 1);
    ASSERT_ERR(kfb_fluss_client_create_database(E.c, "fresh", 0, 5000, err, sizeof err),
               KFB_ERR_FLUSS_ERROR);
    ASSERT_CONTAINS(err, "DATABASE_ALREADY_EXIST");
    ASSERT_OK(kfb_fluss_client_create_table(E.c, "fresh", "t2", KFB_TC_USERS_DESC, 0, 5000, err,
                                            sizeof err));
    ASSERT_OK(kfb_fluss_client_table_exists(E.c, "fresh", "t2", 5000, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 1);
    kfb_fluss_table_info_t *ti;
    ASSERT_OK(kfb_fluss_client_get_table(E.c, "fresh", "t2", 5000, &ti, err, sizeof err));
    ASSERT_EQ_INT(ti->bucket_count, 1); /* server default bucket number */
    kfb_fluss_table_info_free(ti);
    ASSERT_GE_INT(kfb_fts_api_calls(E.s, 1001), 2);
    env_stop();
}

TEST(ts_sasl) {
    env_start(1, "admin", "secret");
    E.c = env_client("admin", "secret", 0);
    open_table();
    write_ids(0, 20, 5);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(row_count(), 20);
    kfb_fluss_client_destroy(E.c);
    E.c = env_client("admin", "nope", 0);
    char err[512];
    kfb_fluss_table_info_t *ti;
    ASSERT_ERR(kfb_fluss_client_get_table(E.c, "db", "users", 3000, &ti, err, sizeof err),
               KFB_ERR_RPC_AUTH_FAILED);
    ASSERT_CONTAINS(err, "AUTHENTICATE_EXCEPTION");
    env_stop();
}

static const char *EVENTS_DESC =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
    "{\"name\":\"day\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false},\"id\":1},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"},\"id\":2}],"
    "\"primary_key\":[\"id\",\"day\"],\"highest_field_id\":2},"
    "\"partition_key\":[\"day\"],\"properties\":{},\"custom_properties\":{}}";

/* Batch of ids [from, to) for one partition day and one bucket: the key is the
 * physical primary key (id; partition columns excluded, §7/§12). */
static int events_batch(const char *day, int bucket, int from, int to, const uint8_t **out,
                        size_t *len, kfb_kv_batch_builder_t *bb) {
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    kfb_kv_batch_reset(bb);
    int n = 0;
    for (int id = from; id < to; id++) {
        kfb_row_writer_t w;
        kfb_buf_reset(&key);
        kfb_buf_reset(&val);
        kfb_key_writer_begin(&w, &key);
        kfb_row_write_int(&w, id);
        if (kfb_bucket_fluss(key.data, key.len, 2) != bucket) continue;
        kfb_row_writer_begin(&w, &val, 3);
        kfb_row_write_int(&w, id);
        kfb_row_write_string(&w, day, strlen(day));
        kfb_row_write_string(&w, "ev", 2);
        if (kfb_kv_batch_append(bb, key.data, key.len, val.data, val.len)) abort();
        n++;
    }
    if (kfb_kv_batch_build(bb, out, len)) abort();
    kfb_buf_free(&key);
    kfb_buf_free(&val);
    return n;
}

TEST(ts_partitioned_table_by_name_with_creation) {
    env_start(2, NULL, NULL);
    char err[512];
    int64_t tid, p2023;
    ASSERT_OK(kfb_fts_add_table(E.s, "db", "events", EVENTS_DESC, 2, NULL, &tid, err, sizeof err));
    ASSERT_OK(kfb_fts_add_partition(E.s, "db", "events", "2023", &p2023, err, sizeof err));
    E.c = env_client(NULL, NULL, 0);
    kfb_fluss_table_info_t *ti;
    ASSERT_OK(kfb_fluss_client_get_table(E.c, "db", "events", 5000, &ti, err, sizeof err));
    ASSERT_TRUE(ti->partitioned);
    ASSERT_EQ_INT(ti->desc->physical_primary_key_count, 1);
    kfb_fluss_table_info_free(ti);
    char ebb[256];
    kfb_kv_batch_builder_t *bb = kfb_kv_batch_builder_new(1, 1 << 20, ebb, sizeof ebb);
    const char *k[1] = {"day"};
    int rows = 0;
    for (int round = 0; round < 3; round++) {
        const char *days[2] = {"2023", "2024"};
        for (int d = 0; d < 2; d++) {
            const char *v[1] = {days[d]};
            for (int b = 0; b < 2; b++) {
                const uint8_t *bytes;
                size_t len;
                rows += events_batch(days[d], b, round * 50, round * 50 + 50, &bytes, &len, bb);
                ASSERT_OK(kfb_fluss_client_submit_to_partition(E.c, tid, days[d], 1, k, v, 1, b,
                                                               bytes, len, NULL));
            }
        }
    }
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(E.delivered, 12);
    ASSERT_EQ_INT(kfb_fts_api_calls(E.s, 1036), 1); /* "2024" created once, on demand */
    kfb_fts_stats_t st;
    kfb_fts_get_stats(E.s, &st);
    ASSERT_EQ_INT(st.records_applied, rows);
    char *dump = kfb_fts_dump_table_json(E.s, "db", "events");
    ASSERT_TRUE(dump != NULL);
    ASSERT_CONTAINS(dump, "2024|");
    ASSERT_CONTAINS(dump, "2023|");
    free(dump);
    kfb_kv_batch_builder_destroy(bb);
    env_stop();
}
