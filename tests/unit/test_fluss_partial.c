/* test_fluss_partial.c - partial updates (fluss-protocol.md §8, §10.3) end to end:
 * kfb_fluss_client_submit_ex with target columns -> the Fluss test server's
 * PartialUpdater model. Checks the final table state, how the client grouped
 * batches into PutKv requests (the server's request log), the server's sanity
 * checks (INVALID_TARGET_COLUMN, 35, with Java's messages) and the PutKv request
 * bytes, hand-derived from FlussApi.proto. Expected rows are written out by hand
 * from the PartialUpdater.java rules, never produced by our encoder. */
#include <unistd.h>

#include "bucketing.h"
#include "compacted_row.h"
#include "fluss_client.h"
#include "fluss_errors.h"
#include "fluss_test_server.h"
#include "harness.h"
#include "kv_batch.h"
#include "mapper.h"
#include "schema_registry.h"
#include "table_desc.h"

#define NBUCKETS 2

/* demo.prof: id INT NOT NULL (PK), name STRING, age INT, city STRING */
static const char *const PROF_DESC =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"},\"id\":1},"
    "{\"name\":\"age\",\"data_type\":{\"type\":\"INTEGER\"},\"id\":2},"
    "{\"name\":\"city\",\"data_type\":{\"type\":\"STRING\"},\"id\":3}],"
    "\"primary_key\":[\"id\"],\"highest_field_id\":3},"
    "\"partition_key\":[],\"properties\":{},\"custom_properties\":{}}";

/* demo.strict: like prof without city, but name is NOT NULL (no partial updates) */
static const char *const STRICT_DESC =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false},\"id\":1},"
    "{\"name\":\"age\",\"data_type\":{\"type\":\"INTEGER\"},\"id\":2}],"
    "\"primary_key\":[\"id\"],\"highest_field_id\":2},"
    "\"partition_key\":[],\"properties\":{},\"custom_properties\":{}}";

typedef struct env {
    kfb_fts_t *s;
    kfb_fluss_client_t *c;
    int64_t prof_id, strict_id;
    int delivered, failed;
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
}

static void open_one(const char *name) {
    char err[512];
    kfb_fluss_table_info_t *ti;
    if (kfb_fluss_client_get_table(E.c, "demo", name, 5000, &ti, err, sizeof err)) {
        fprintf(stderr, "get_table: %s\n", err);
        abort();
    }
    kfb_fluss_table_info_free(ti);
}

static void env_start(void) {
    memset(&E, 0, sizeof E);
    kfb_fts_config_t cfg = {0};
    cfg.n_tablet_servers = 1;
    char err[512];
    E.s = kfb_fluss_test_server_start(&cfg, err, sizeof err);
    if (!E.s || kfb_fts_add_table(E.s, "demo", "prof", PROF_DESC, NBUCKETS, NULL, &E.prof_id, err,
                                  sizeof err) ||
        kfb_fts_add_table(E.s, "demo", "strict", STRICT_DESC, NBUCKETS, NULL, &E.strict_id, err,
                          sizeof err)) {
        fprintf(stderr, "test server: %s\n", err);
        abort();
    }
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = kfb_fts_bootstrap(E.s);
    conf.delivery_cb = on_delivery;
    conf.retry_backoff_ms = 10;
    conf.request_timeout_ms = 10000; /* no retry on a loaded machine: the tests count requests */
    conf.putkv_timeout_ms = 500;
    E.c = kfb_fluss_client_new(&conf, err, sizeof err);
    if (!E.c) {
        fprintf(stderr, "client: %s\n", err);
        abort();
    }
    open_one("prof");
    open_one("strict");
}

static void env_stop(void) {
    kfb_fluss_client_destroy(E.c);
    kfb_fluss_test_server_stop(E.s);
}

/* One record: key = CompactedKeyEncoder of the INTEGER id; value = a row of
 * `ncols` columns where id is column 0 and the rest come from name/age/city
 * (NULL / age < 0 = null). is_delete: key only. */
typedef struct rec {
    int32_t id;
    const char *name;
    int32_t age;
    const char *city;
    int is_delete;
} rec_t;

static int32_t append_rec(kfb_kv_batch_builder_t *bb, const rec_t *r, int ncols) {
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    kfb_row_writer_t w;
    kfb_key_writer_begin(&w, &key);
    if (kfb_row_write_int(&w, r->id)) abort();
    if (!r->is_delete) {
        if (kfb_row_writer_begin(&w, &val, (uint32_t)ncols) || kfb_row_write_int(&w, r->id))
            abort();
        kfb_err_t e = r->name ? kfb_row_write_string(&w, r->name, strlen(r->name))
                              : kfb_row_write_null(&w, 1);
        e = e ? e : r->age >= 0 ? kfb_row_write_int(&w, r->age) : kfb_row_write_null(&w, 2);
        if (ncols == 4)
            e = e ? e : r->city ? kfb_row_write_string(&w, r->city, strlen(r->city))
                                : kfb_row_write_null(&w, 3);
        if (e) abort();
    }
    if (kfb_kv_batch_append(bb, key.data, key.len, r->is_delete ? NULL : val.data,
                            r->is_delete ? 0 : val.len))
        abort();
    int32_t b = kfb_bucket_fluss(key.data, key.len, NBUCKETS);
    kfb_buf_free(&key);
    kfb_buf_free(&val);
    return b;
}

/* Submits one batch per bucket holding the records of that bucket, all with the
 * same options; returns how many batches were submitted. */
static int submit_recs(int64_t table_id, int ncols, const rec_t *recs, size_t n,
                       const int32_t *targets, size_t ntargets) {
    char err[256];
    kfb_kv_batch_builder_t *bb[NBUCKETS];
    for (int b = 0; b < NBUCKETS; b++) bb[b] = kfb_kv_batch_builder_new(1, 1 << 20, err, sizeof err);
    for (size_t i = 0; i < n; i++) {
        kfb_buf_t key = KFB_BUF_INIT;
        kfb_row_writer_t w;
        kfb_key_writer_begin(&w, &key);
        if (kfb_row_write_int(&w, recs[i].id)) abort();
        int32_t b = kfb_bucket_fluss(key.data, key.len, NBUCKETS);
        kfb_buf_free(&key);
        if (append_rec(bb[b], &recs[i], ncols) != b) abort();
    }
    kfb_fluss_submit_opts_t o = {0};
    o.target_columns = targets;
    o.n_target_columns = ntargets;
    int sent = 0;
    for (int b = 0; b < NBUCKETS; b++) {
        if (kfb_kv_batch_record_count(bb[b]) > 0) {
            const uint8_t *bytes;
            size_t len;
            if (kfb_kv_batch_build(bb[b], &bytes, &len)) abort();
            if (kfb_fluss_client_submit_ex(E.c, table_id, -1, b, bytes, len, &o, NULL)) abort();
            sent++;
        }
        kfb_kv_batch_builder_destroy(bb[b]);
    }
    return sent;
}

static char *dump(const char *table) { return kfb_fts_dump_table_json(E.s, "demo", table); }

/* Sum of "buckets=" over the request-log lines whose targets are `targets`. */
static int logged_buckets(const char *log, const char *targets, int *requests) {
    int sum = 0;
    *requests = 0;
    char want[64];
    snprintf(want, sizeof want, "targets=%s ", targets);
    for (const char *p = log; (p = strstr(p, want)) != NULL; p++) {
        const char *b = strstr(p, "buckets=");
        if (!b) break;
        sum += atoi(b + 8);
        (*requests)++;
    }
    return sum;
}

/* ------------------------------------------------------------ end to end */

TEST(mixed_full_and_partial_writes_keep_untargeted_columns) {
    env_start();
    static const int32_t AGE[] = {0, 2}, NAME[] = {0, 1}, CITY[] = {0, 3};
    /* every column, listed in another order: a full write (TargetColumns.java) */
    static const int32_t ALL_SHUFFLED[] = {3, 1, 2, 0};
    rec_t full[8];
    for (int i = 0; i < 8; i++) {
        static char names[8][8], cities[8][8];
        snprintf(names[i], sizeof names[i], "n%d", i);
        snprintf(cities[i], sizeof cities[i], "c%d", i);
        full[i] = (rec_t){i, names[i], 20 + i, cities[i], 0};
    }
    /* The value rows carry every column; the ones outside the list hold junk the
     * server must ignore. */
    rec_t ages[] = {{0, "junk", 100, "junk", 0}, {2, NULL, 102, NULL, 0}, {4, NULL, 104, NULL, 0}};
    rec_t names2[] = {{0, "m0", -1, NULL, 0}, {3, "m3", 999, "junk", 0}};
    rec_t cities[] = {{9, "junk", 7, "new9", 0}, {4, NULL, -1, "z4", 0}};
    rec_t full2[] = {{5, "f5", -1, NULL, 0}};
    rec_t ages2[] = {{5, NULL, 55, NULL, 0}};

    int n_all = 0, n_age = 0, n_name = 0, n_city = 0;
    n_all += submit_recs(E.prof_id, 4, full, 8, NULL, 0);
    n_age += submit_recs(E.prof_id, 4, ages, 3, AGE, 2);
    n_name += submit_recs(E.prof_id, 4, names2, 2, NAME, 2);
    n_city += submit_recs(E.prof_id, 4, cities, 2, CITY, 2);
    n_age += submit_recs(E.prof_id, 4, ages, 1, AGE, 2); /* same set again, later */
    int n_shuf = submit_recs(E.prof_id, 4, full2, 1, ALL_SHUFFLED, 4);
    n_age += submit_recs(E.prof_id, 4, ages2, 1, AGE, 2);
    int total = n_all + n_age + n_name + n_city + n_shuf;
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.delivered, total);
    ASSERT_EQ_INT(E.failed, 0);

    /* Final rows, written out from PartialUpdater.updateRow: targets from the
     * new row, the rest from the stored row, null for a new key. */
    char *d = dump("prof");
    ASSERT_TRUE(d != NULL);
    ASSERT_CONTAINS(d, "\"row_count\":9");
    ASSERT_CONTAINS(d, "\"00\":{\"id\": 0, \"name\": \"m0\", \"age\": 100, \"city\": \"c0\"}");
    ASSERT_CONTAINS(d, "\"01\":{\"id\": 1, \"name\": \"n1\", \"age\": 21, \"city\": \"c1\"}");
    ASSERT_CONTAINS(d, "\"02\":{\"id\": 2, \"name\": \"n2\", \"age\": 102, \"city\": \"c2\"}");
    ASSERT_CONTAINS(d, "\"03\":{\"id\": 3, \"name\": \"m3\", \"age\": 23, \"city\": \"c3\"}");
    ASSERT_CONTAINS(d, "\"04\":{\"id\": 4, \"name\": \"n4\", \"age\": 104, \"city\": \"z4\"}");
    /* full write (shuffled list) replaced row 5 entirely, then age was set */
    ASSERT_CONTAINS(d, "\"05\":{\"id\": 5, \"name\": \"f5\", \"age\": 55, \"city\": null}");
    ASSERT_CONTAINS(d, "\"07\":{\"id\": 7, \"name\": \"n7\", \"age\": 27, \"city\": \"c7\"}");
    ASSERT_CONTAINS(d, "\"09\":{\"id\": 9, \"name\": null, \"age\": null, \"city\": \"new9\"}");
    free(d);

    /* Requests never mix target sets: every batch of a set travelled in a
     * request carrying exactly that set, once (no faults, so no retries: a
     * bucket's later batch sent ahead of an earlier one in another request
     * would come back OUT_OF_ORDER and be sent twice). */
    char *log = kfb_fts_putkv_log(E.s);
    ASSERT_TRUE(log != NULL);
    int r_all, r_age, r_name, r_city, r_shuf;
    ASSERT_EQ_INT(logged_buckets(log, "all", &r_all), n_all);
    ASSERT_EQ_INT(logged_buckets(log, "0,2", &r_age), n_age);
    ASSERT_EQ_INT(logged_buckets(log, "0,1", &r_name), n_name);
    ASSERT_EQ_INT(logged_buckets(log, "0,3", &r_city), n_city);
    ASSERT_EQ_INT(logged_buckets(log, "3,1,2,0", &r_shuf), n_shuf);
    int lines = 0;
    for (const char *p = log; *p; p++) lines += *p == '\n';
    ASSERT_EQ_INT(lines, r_all + r_age + r_name + r_city + r_shuf);
    ASSERT_TRUE(strstr(log, "agg=unset") == NULL); /* agg_mode always sent, like Java */
    free(log);
    env_stop();
}

TEST(partial_delete_follows_partial_updater_delete_row) {
    env_start();
    static const int32_t AGE[] = {0, 2}, CITY[] = {0, 3};
    rec_t rows[] = {{1, "a", 11, "x", 0}, {2, NULL, -1, "y", 0}, {3, "c", 13, NULL, 0}};
    submit_recs(E.prof_id, 4, rows, 3, NULL, 0);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    /* 1: name/city are set -> only age (target, not PK) becomes null.
     * 2: every non-target column (name, age) is null -> the row goes.
     * 4: absent key -> nothing. */
    rec_t del_city[] = {{2, NULL, -1, NULL, 1}, {4, NULL, -1, NULL, 1}};
    rec_t del_age[] = {{1, NULL, -1, NULL, 1}};
    submit_recs(E.prof_id, 4, del_city, 2, CITY, 2);
    submit_recs(E.prof_id, 4, del_age, 1, AGE, 2);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    char *d = dump("prof");
    ASSERT_CONTAINS(d, "\"row_count\":2");
    ASSERT_CONTAINS(d, "\"01\":{\"id\": 1, \"name\": \"a\", \"age\": null, \"city\": \"x\"}");
    ASSERT_CONTAINS(d, "\"03\":{\"id\": 3, \"name\": \"c\", \"age\": 13, \"city\": null}");
    ASSERT_TRUE(strstr(d, "\"02\":") == NULL);
    free(d);
    env_stop();
}

/* ------------------------------------------------------- sanity checks */

TEST(targets_without_primary_key_fail_with_invalid_target_column) {
    env_start();
    static const int32_t NO_PK[] = {2, 3};
    rec_t r[] = {{1, NULL, 5, "x", 0}};
    submit_recs(E.prof_id, 4, r, 1, NO_PK, 2);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 1);
    ASSERT_EQ_INT(E.last_ferr, 35);
    ASSERT_STREQ(E.last_name, "INVALID_TARGET_COLUMN");
    /* PartialUpdater.sanityCheck's message */
    ASSERT_CONTAINS(E.last_msg,
                    "The target write columns [age, city] must contain the primary key columns [id].");
    ASSERT_EQ_U64(kfb_fts_rejections(E.s, 35), 1);
    char *d = dump("prof");
    ASSERT_CONTAINS(d, "\"row_count\":0");
    free(d);
    env_stop();
}

TEST(not_null_column_forbids_partial_updates_but_not_full_writes) {
    env_start();
    static const int32_t AGE[] = {0, 2}, ALL[] = {0, 1, 2};
    rec_t r[] = {{1, "a", 5, NULL, 0}};
    submit_recs(E.strict_id, 3, r, 1, AGE, 2);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 1);
    ASSERT_EQ_INT(E.last_ferr, 35);
    ASSERT_STREQ(E.last_name, "INVALID_TARGET_COLUMN");
    ASSERT_CONTAINS(E.last_msg, "Partial Update requires all columns except primary key to be "
                                "nullable, but column name is NOT NULL.");
    /* the full list is a full write: no sanity check (DefaultRowMerger) */
    submit_recs(E.strict_id, 3, r, 1, ALL, 3);
    submit_recs(E.strict_id, 3, r, 1, NULL, 0);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 1);
    char *d = kfb_fts_dump_table_json(E.s, "demo", "strict");
    ASSERT_CONTAINS(d, "\"01\":{\"id\": 1, \"name\": \"a\", \"age\": 5}");
    free(d);
    env_stop();
}

TEST(submit_ex_rejects_bad_options) {
    env_start();
    uint8_t batch[64] = {0};
    static const int32_t DUP[] = {0, 0}, NEG[] = {0, -1};
    kfb_fluss_submit_opts_t o = {0};
    o.target_columns = DUP;
    o.n_target_columns = 2;
    ASSERT_ERR(kfb_fluss_client_submit_ex(E.c, E.prof_id, -1, 0, batch, sizeof batch, &o, NULL),
               KFB_ERR_INVALID_ARG);
    o.target_columns = NEG;
    ASSERT_ERR(kfb_fluss_client_submit_ex(E.c, E.prof_id, -1, 0, batch, sizeof batch, &o, NULL),
               KFB_ERR_INVALID_ARG);
    o.target_columns = NULL; /* a count without a list */
    ASSERT_ERR(kfb_fluss_client_submit_ex(E.c, E.prof_id, -1, 0, batch, sizeof batch, &o, NULL),
               KFB_ERR_INVALID_ARG);
    o.n_target_columns = 0;
    o.agg_mode = 2; /* LOCAL_AGGREGATE: not supported by the server (MergeMode.java) */
    ASSERT_ERR(kfb_fluss_client_submit_ex(E.c, E.prof_id, -1, 0, batch, sizeof batch, &o, NULL),
               KFB_ERR_INVALID_ARG);
    o.agg_mode = 0;
    o.partition_name = "p";
    ASSERT_ERR(kfb_fluss_client_submit_ex(E.c, E.prof_id, 3, 0, batch, sizeof batch, &o, NULL),
               KFB_ERR_INVALID_ARG);
    ASSERT_EQ_INT((int)kfb_fluss_client_outstanding(E.c), 0);
    env_stop();
}

/* ------------------------------------------------------- request bytes */

/* Hex of a protobuf varint, hand-computed for small values. */
static void hex_varint(char *out, size_t n, uint64_t v) {
    size_t o = 0;
    do {
        unsigned b = v & 0x7f;
        v >>= 7;
        o += (size_t)snprintf(out + o, n - o, "%02x ", b | (v ? 0x80u : 0u));
    } while (v && o < n);
}

/* Sends one batch with the given list and checks the PutKv body the server got,
 * field by field from FlussApi.proto (PutKvRequest / PbPutKvReqForBucket):
 *   08 <acks -1: ff ff ff ff ff ff ff ff ff 01>  10 <table_id>  18 <timeout 500: f4 03>
 *   [22 <len> <packed int32 targets>]  2a <len> { 10 <bucket> 1a <len> <records> }
 *   30 00 (agg_mode 0, always set by ClientRpcMessageUtils.makePutKvRequest)
 * The records are the submitted batch with writer id, sequence and CRC stamped by
 * the client: they are compared to the submitted bytes outside those fields. */
static void check_body(const int32_t *targets, size_t n, const char *targets_hex) {
    rec_t r[] = {{1, "a", 5, "b", 0}};
    char err[256];
    kfb_kv_batch_builder_t *bb = kfb_kv_batch_builder_new(1, 1 << 20, err, sizeof err);
    int32_t bucket = append_rec(bb, &r[0], 4);
    const uint8_t *bytes;
    size_t len;
    ASSERT_OK(kfb_kv_batch_build(bb, &bytes, &len));
    ASSERT_LT_INT((int)len, 120); /* one-byte lengths below */
    kfb_fluss_submit_opts_t o = {0};
    o.target_columns = targets;
    o.n_target_columns = n;
    ASSERT_OK(kfb_fluss_client_submit_ex(E.c, E.prof_id, -1, bucket, bytes, len, &o, NULL));
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    size_t blen = 0;
    uint8_t *body = kfb_fts_last_putkv_body(E.s, &blen);
    ASSERT_TRUE(body != NULL);

    char tid[32], hx[512];
    ASSERT_LT_INT((int)E.prof_id, 1 << 14);
    hex_varint(tid, sizeof tid, (uint64_t)E.prof_id);
    snprintf(hx, sizeof hx, "08 ff ff ff ff ff ff ff ff ff 01 10 %s18 f4 03 %s2a %02zx 10 %02x 1a %02zx",
             tid, targets_hex, len + 4, (unsigned)bucket, len);
    size_t hlen = 0;
    uint8_t *head = kfb_test_unhex(hx, &hlen);
    ASSERT_EQ_INT((int)blen, (int)(hlen + len + 2));
    ASSERT_MEMEQ(body, hlen, head, hlen);
    const uint8_t *rec = body + hlen;
    ASSERT_MEMEQ(rec, 5, bytes, 5);                   /* length, magic */
    ASSERT_MEMEQ(rec + 9, 3, bytes + 9, 3);           /* schema id, attributes */
    ASSERT_MEMEQ(rec + 24, len - 24, bytes + 24, len - 24); /* record count, records */
    ASSERT_HEX(body + hlen + len, 2, "30 00");
    free(body);
    free(head);
    kfb_kv_batch_builder_destroy(bb);
}

TEST(putkv_body_with_target_columns_matches_proto) {
    env_start();
    static const int32_t T[] = {0, 2, 3};
    /* field 4, wire type 2: tag 0x22, 3 bytes, 00 02 03 */
    check_body(T, 3, "22 03 00 02 03 ");
    env_stop();
}

TEST(putkv_body_of_full_write_omits_target_columns) {
    env_start();
    /* Java sets target_columns only when the batch has them; an empty packed
     * field writes nothing (protobuf), so field 4 is absent. */
    check_body(NULL, 0, "");
    env_stop();
}


/* ------------------------------------------- mapper -> client -> server */

/* The pipeline's batching rule (fluss_client.h): one KV batch holds records of
 * one target-column set, so a message whose set differs from the open batch of
 * its bucket closes that batch first. */
typedef struct pbatch {
    kfb_kv_batch_builder_t *bb;
    int32_t targets[8];
    size_t n; /* 0 = all columns */
} pbatch_t;

static void pbatch_flush(pbatch_t *p, int32_t bucket) {
    if (kfb_kv_batch_record_count(p->bb) == 0) return;
    const uint8_t *bytes;
    size_t len;
    if (kfb_kv_batch_build(p->bb, &bytes, &len)) abort();
    kfb_fluss_submit_opts_t o = {0};
    o.target_columns = p->n ? p->targets : NULL;
    o.n_target_columns = p->n;
    if (kfb_fluss_client_submit_ex(E.c, E.prof_id, -1, bucket, bytes, len, &o, NULL)) abort();
    kfb_kv_batch_reset(p->bb);
}

TEST(mapper_partial_update_through_client_to_server) {
    env_start();
    /* the table as the mapper sees it: demo.prof with its bucket count */
    static const char *MAPPER_DESC =
        "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
        "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"},\"id\":1},"
        "{\"name\":\"age\",\"data_type\":{\"type\":\"INTEGER\"},\"id\":2},"
        "{\"name\":\"city\",\"data_type\":{\"type\":\"STRING\"},\"id\":3}],"
        "\"primary_key\":[\"id\"],\"highest_field_id\":3},\"partition_key\":[],"
        "\"bucket_key\":[\"id\"],\"bucket_count\":2,\"properties\":{},\"custom_properties\":{}}";
    static const char *FULL =
        "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
        "{\"name\":\"name\",\"type\":[\"null\",\"string\"]},"
        "{\"name\":\"age\",\"type\":[\"null\",\"int\"]},"
        "{\"name\":\"city\",\"type\":[\"null\",\"string\"]}]}";
    static const char *AGE_ONLY =
        "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
        "{\"name\":\"age\",\"type\":[\"null\",\"int\"]}]}";
    char err[1024];
    kfb_table_desc_t *td = kfb_table_desc_parse(MAPPER_DESC, strlen(MAPPER_DESC), err, sizeof err);
    ASSERT_TRUE(td != NULL);
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(src, 10, FULL, strlen(FULL), err, sizeof err));
    ASSERT_OK(kfb_schema_source_add(src, 11, AGE_ONLY, strlen(AGE_ONLY), err, sizeof err));
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.partial_update = 1;
    cfg.topic = "people";
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof err);
    ASSERT_TRUE(m != NULL);

    /* Confluent framing (magic 0, BE schema id) + Avro binary, by hand: ints are
     * zigzag varints (1 -> 02, 30 -> 3c), unions a zigzag branch index first. */
    static const char *const MSGS[] = {
        "00 0000000a 02 02 02 61 02 3c 02 02 78", /* full: 1, "a", 30, "x" */
        "00 0000000a 06 00 02 06 02 02 79",       /* full: 3, null, 3, "y" */
        "00 0000000b 02 02 3e",                   /* age only: 1, age 31 */
        "00 0000000b 04 02 0a",                   /* age only: 2 (new key), age 5 */
        "00 0000000a 08 02 02 62 00 00",          /* full: 4, "b", null, null */
        "00 0000000b 08 02 0e",                   /* age only: 4, age 7 */
    };
    pbatch_t pb[NBUCKETS];
    for (int b = 0; b < NBUCKETS; b++) {
        memset(&pb[b], 0, sizeof pb[b]);
        pb[b].bb = kfb_kv_batch_builder_new(1, 1 << 20, err, sizeof err);
        ASSERT_TRUE(pb[b].bb != NULL);
    }
    for (size_t i = 0; i < sizeof MSGS / sizeof MSGS[0]; i++) {
        size_t vl = 0;
        uint8_t *v = kfb_test_unhex(MSGS[i], &vl);
        kfb_mapper_result_t res;
        ASSERT_OK(kfb_mapper_map(m, NULL, 0, v, vl, NULL, &res, err, sizeof err));
        ASSERT_EQ_INT((int)res.n, 1);
        const kfb_mapped_t *w = &res.out[0];
        ASSERT_TRUE(w->bucket >= 0 && w->bucket < NBUCKETS);
        ASSERT_TRUE(w->n_target_columns <= 8);
        pbatch_t *p = &pb[w->bucket];
        size_t n = w->target_columns ? w->n_target_columns : 0;
        if (n != p->n || (n && memcmp(p->targets, w->target_columns, n * sizeof(int32_t)))) {
            pbatch_flush(p, w->bucket);
            p->n = n;
            if (n) memcpy(p->targets, w->target_columns, n * sizeof(int32_t));
            /* the mapper appends only to a batch tagged with the record's target set */
            kfb_kv_batch_set_tag(p->bb, w->target_set);
        }
        ASSERT_OK(kfb_mapper_append_to_batch(m, &res, 0, p->bb, err, sizeof err));
        free(v);
    }
    for (int b = 0; b < NBUCKETS; b++) {
        pbatch_flush(&pb[b], b);
        kfb_kv_batch_builder_destroy(pb[b].bb);
    }
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);

    char *d = dump("prof");
    ASSERT_CONTAINS(d, "\"row_count\":4");
    ASSERT_CONTAINS(d, "\"01\":{\"id\": 1, \"name\": \"a\", \"age\": 31, \"city\": \"x\"}");
    ASSERT_CONTAINS(d, "\"02\":{\"id\": 2, \"name\": null, \"age\": 5, \"city\": null}");
    ASSERT_CONTAINS(d, "\"03\":{\"id\": 3, \"name\": null, \"age\": 3, \"city\": \"y\"}");
    ASSERT_CONTAINS(d, "\"04\":{\"id\": 4, \"name\": \"b\", \"age\": 7, \"city\": null}");
    free(d);
    char *log = kfb_fts_putkv_log(E.s);
    ASSERT_CONTAINS(log, "targets=0,2 ");
    ASSERT_CONTAINS(log, "targets=all ");
    free(log);
    kfb_mapper_destroy(m);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
    env_stop();
}

TEST(first_row_and_auto_increment_rules) {
    env_start();
    char err[512];
    int64_t fr_id, ai_id;
    /* prof with table.merge-engine = first_row: FirstRowRowMerger refuses any
     * target list with an UnsupportedOperationException (generic code -1). */
    char desc[2048];
    snprintf(desc, sizeof desc, "%.*s{\"table.merge-engine\":\"first_row\"},\"custom_properties\":{}}",
             (int)(strstr(PROF_DESC, "{},\"custom") - PROF_DESC), PROF_DESC);
    ASSERT_OK(kfb_fts_add_table(E.s, "demo", "fr", desc, NBUCKETS, NULL, &fr_id, err, sizeof err));
    /* ai: id INT NOT NULL (PK), seq BIGINT auto-increment, city STRING */
    static const char *AI_DESC =
        "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
        "{\"name\":\"seq\",\"data_type\":{\"type\":\"INTEGER\"},\"id\":1},"
        "{\"name\":\"age\",\"data_type\":{\"type\":\"INTEGER\"},\"id\":2}],"
        "\"primary_key\":[\"id\"],\"auto_increment_column\":[\"seq\"],\"highest_field_id\":2},"
        "\"partition_key\":[],\"properties\":{},\"custom_properties\":{}}";
    ASSERT_OK(kfb_fts_add_table(E.s, "demo", "ai", AI_DESC, NBUCKETS, NULL, &ai_id, err, sizeof err));
    open_one("fr");
    open_one("ai");

    static const int32_t AGE[] = {0, 2}, WITH_SEQ[] = {0, 1, 2};
    rec_t r4[] = {{1, "a", 5, "x", 0}};
    rec_t r3[] = {{1, NULL, 5, NULL, 0}};
    submit_recs(fr_id, 4, r4, 1, AGE, 2);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 1);
    ASSERT_EQ_INT(E.last_ferr, -1);
    ASSERT_CONTAINS(E.last_msg, "Partial update is not supported for the first_row merge engine.");

    /* PerSchemaAutoIncrementUpdater.validateTargetColumns: a full write and a
     * list naming the auto-increment column are refused, one without it works */
    submit_recs(ai_id, 3, r3, 1, NULL, 0);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 2);
    ASSERT_EQ_INT(E.last_ferr, 35);
    ASSERT_CONTAINS(E.last_msg, "The table contains an auto-increment column [seq], but update "
                                "target columns are not explicitly specified.");
    submit_recs(ai_id, 3, r3, 1, WITH_SEQ, 3);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 3);
    ASSERT_EQ_INT(E.last_ferr, 35);
    ASSERT_CONTAINS(E.last_msg,
                    "Auto-increment column [seq] at index 1 must not be included in target columns.");
    submit_recs(ai_id, 3, r3, 1, AGE, 2);
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 3);
    ASSERT_EQ_U64(kfb_fts_rejections(E.s, 35), 2);
    env_stop();
}

/* ------------------------------------------- client-side check (setup time) */

static kfb_table_desc_t *parse(const char *json) {
    char err[512];
    kfb_table_desc_t *td = kfb_table_desc_parse(json, strlen(json), err, sizeof err);
    if (!td) fprintf(stderr, "%s\n", err);
    return td;
}

TEST(target_columns_check_mirrors_upsert_writer_sanity_check) {
    /* messages: UpsertWriterImpl.sanityCheck (fluss-client .../table/writer/) */
    char err[512];
    kfb_table_desc_t *prof = parse(PROF_DESC), *strict = parse(STRICT_DESC);
    ASSERT_TRUE(prof && strict);
    static const int32_t OK[] = {0, 2}, NO_PK[] = {2, 3}, DUP[] = {0, 2, 2}, OUT[] = {0, 4};
    ASSERT_OK(kfb_fluss_target_columns_check(prof, NULL, 0, err, sizeof err));
    ASSERT_OK(kfb_fluss_target_columns_check(prof, OK, 2, err, sizeof err));
    ASSERT_ERR(kfb_fluss_target_columns_check(prof, NO_PK, 2, err, sizeof err), KFB_ERR_INVALID_ARG);
    ASSERT_STREQ(err, "The target write columns [age, city] must contain the primary key columns [id].");
    ASSERT_ERR(kfb_fluss_target_columns_check(prof, DUP, 3, err, sizeof err), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "age is listed twice");
    ASSERT_ERR(kfb_fluss_target_columns_check(prof, OUT, 2, err, sizeof err), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "target column 4 does not exist");
    ASSERT_OK(kfb_fluss_target_columns_check(strict, NULL, 0, err, sizeof err));
    ASSERT_ERR(kfb_fluss_target_columns_check(strict, OK, 2, err, sizeof err), KFB_ERR_INVALID_ARG);
    ASSERT_STREQ(err, "Partial Update requires all columns except primary key to be nullable, "
                      "but column name is NOT NULL.");
    kfb_table_desc_destroy(prof);
    kfb_table_desc_destroy(strict);

    /* auto-increment column seq: BIGINT NOT NULL is fine (exempt), a list is required */
    kfb_table_desc_t *ai = parse(
        "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
        "{\"name\":\"seq\",\"data_type\":{\"type\":\"BIGINT\",\"nullable\":false},\"id\":1},"
        "{\"name\":\"age\",\"data_type\":{\"type\":\"INTEGER\"},\"id\":2}],"
        "\"primary_key\":[\"id\"],\"auto_increment_column\":[\"seq\"],\"highest_field_id\":2},"
        "\"partition_key\":[],\"properties\":{},\"custom_properties\":{}}");
    ASSERT_TRUE(ai != NULL);
    static const int32_t WITH_SEQ[] = {0, 1};
    ASSERT_ERR(kfb_fluss_target_columns_check(ai, NULL, 0, err, sizeof err), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "This table has auto increment column [seq].");
    ASSERT_ERR(kfb_fluss_target_columns_check(ai, WITH_SEQ, 2, err, sizeof err),
               KFB_ERR_INVALID_ARG);
    ASSERT_STREQ(err, "Explicitly specifying values for the auto increment column seq is not "
                      "allowed.");
    ASSERT_OK(kfb_fluss_target_columns_check(ai, OK, 2, err, sizeof err));
    kfb_table_desc_destroy(ai);
}
