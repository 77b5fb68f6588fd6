/*
 * fluss_ts_writer_env.h - a Fluss test server with one table and a Fluss client
 * writing to it, for the writer tests (test_fluss_writer_*.c). Header only
 * (static inline), like fluss_ts_asserts.h.
 *
 * The table is db.users (id INT primary key, name STRING). Every record a test
 * writes is an upsert of id with name "v<version>", the version rising per id
 * from 1, so the server's final state tells which write of a key won. Each
 * submitted batch is remembered with its records and the CRC-32C of its
 * record bytes (what kfb_fts_batch_log prints as records=), and its one
 * delivery callback is recorded against it.
 */
#ifndef KFB_FLUSS_TS_WRITER_ENV_H
#define KFB_FLUSS_TS_WRITER_ENV_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bucketing.h"
#include "compacted_row.h"
#include "crc32c.h"
#include "fluss_client.h"
#include "fluss_test_server.h"
#include "fluss_ts_client.h"
#include "harness.h"
#include "kv_batch.h"

#define WT_MAXB 128  /* batches per test */
#define WT_MAXREC 8  /* records per batch */
#define WT_MAXKEY 4096

typedef struct wt_batch {
    int bucket;
    int n;
    int ids[WT_MAXREC];
    int versions[WT_MAXREC];
    uint32_t crc;      /* CRC-32C of the bytes after the 28-byte header */
    int callbacks;     /* must end at exactly 1 */
    int order;         /* index among all deliveries */
    kfb_err_t err;
    int32_t ferr;
    int64_t writer;
    int32_t seq;
    int attempts;
    char name[64];
    char msg[2048];
} wt_batch_t;

typedef struct wt_env {
    kfb_fts_t *s;
    kfb_fluss_client_t *c;
    int64_t table_id;
    int nbuckets;
    int version[WT_MAXKEY]; /* last version written per id (0 = never) */
    wt_batch_t b[WT_MAXB];
    int nb;
    int ndeliv;
    int stray; /* callbacks with an opaque no batch has */
} wt_env_t;

static wt_env_t WT;

static inline void wt_on_delivery(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *r,
                                  void *op) {
    (void)c;
    (void)op;
    intptr_t i = (intptr_t)r->opaque;
    if (i < 0 || i >= WT.nb) {
        WT.stray++;
        return;
    }
    wt_batch_t *b = &WT.b[i];
    b->callbacks++;
    b->order = WT.ndeliv++;
    b->err = r->err;
    b->ferr = r->fluss_error;
    b->writer = r->writer_id;
    b->seq = r->batch_sequence;
    b->attempts = r->attempts;
    snprintf(b->name, sizeof b->name, "%s", r->error_name);
    snprintf(b->msg, sizeof b->msg, "%s", r->message);
}

/* Starts a test server (ntablets tablet servers) holding db.users with
 * nbuckets buckets; leaders round robin. */
static inline void wt_server(int nbuckets, int ntablets) {
    memset(&WT, 0, sizeof WT);
    kfb_fts_config_t cfg = {0};
    cfg.n_tablet_servers = ntablets;
    char err[512];
    WT.s = kfb_fluss_test_server_start(&cfg, err, sizeof err);
    if (!WT.s) {
        fprintf(stderr, "test server: %s\n", err);
        abort();
    }
    if (kfb_fts_add_table(WT.s, "db", "users", KFB_TC_USERS_DESC, nbuckets, NULL, &WT.table_id,
                          err, sizeof err)) {
        fprintf(stderr, "add table: %s\n", err);
        abort();
    }
    WT.nbuckets = nbuckets;
}

/* Client defaults for these tests: short back-offs, the recording callback. */
static inline void wt_conf(kfb_fluss_client_conf_t *conf) {
    kfb_fluss_client_conf_init(conf);
    conf->bootstrap_servers = kfb_fts_bootstrap(WT.s);
    conf->delivery_cb = wt_on_delivery;
    conf->retry_backoff_ms = 5;
    conf->reconnect_backoff_ms = 5;
    conf->reconnect_backoff_max_ms = 50;
    conf->backpressure_max_throttle_ms = 20;
}

/* Starts the client and opens db.users. */
static inline void wt_client(const kfb_fluss_client_conf_t *conf) {
    char err[512];
    WT.c = kfb_fluss_client_new(conf, err, sizeof err);
    if (!WT.c) {
        fprintf(stderr, "client: %s\n", err);
        abort();
    }
    kfb_fluss_table_info_t *ti;
    if (kfb_fluss_client_get_table(WT.c, "db", "users", 10000, &ti, err, sizeof err)) {
        fprintf(stderr, "get_table: %s\n", err);
        abort();
    }
    kfb_fluss_table_info_free(ti);
}

static inline void wt_stop(void) {
    kfb_fluss_client_destroy(WT.c);
    kfb_fluss_test_server_stop(WT.s);
}

static inline void wt_inject(kfb_fts_fault_t f) {
    char err[256];
    if (kfb_fts_inject(WT.s, &f, err, sizeof err)) {
        fprintf(stderr, "inject: %s\n", err);
        abort();
    }
}

/* Key bytes of id (CompactedKeyEncoder of the INTEGER key); returns its bucket. */
static inline int32_t wt_key(int id, kfb_buf_t *key) {
    kfb_row_writer_t w;
    kfb_buf_reset(key);
    kfb_key_writer_begin(&w, key);
    if (kfb_row_write_int(&w, id)) abort();
    return kfb_bucket_fluss(key->data, key->len, WT.nbuckets);
}

/* The k-th id (k >= 0) whose key hashes to `bucket`. */
static inline int wt_id_in_bucket(int bucket, int k) {
    kfb_buf_t key = KFB_BUF_INIT;
    int id = 0;
    for (;; id++) {
        if (id >= WT_MAXKEY) abort();
        if (wt_key(id, &key) == bucket && k-- == 0) break;
    }
    kfb_buf_free(&key);
    return id;
}

/* Builds and submits one batch for `bucket` upserting ids[0..n) with their
 * next versions (bucket < 0: the ids' own bucket, all must share it; a bucket
 * given explicitly may be out of range). Returns its index (= opaque). */
static inline int wt_submit_to(int bucket, const int *ids, int n) {
    if (WT.nb >= WT_MAXB || n > WT_MAXREC) abort();
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    char err[256];
    kfb_kv_batch_builder_t *bb = kfb_kv_batch_builder_new(1, 1 << 16, err, sizeof err);
    int i = WT.nb;
    wt_batch_t *b = &WT.b[i];
    memset(b, 0, sizeof *b);
    b->n = n;
    for (int r = 0; r < n; r++) {
        int id = ids[r];
        int32_t kb = wt_key(id, &key);
        if (bucket < 0) bucket = kb;
        b->ids[r] = id;
        b->versions[r] = ++WT.version[id];
        kfb_row_writer_t w;
        kfb_buf_reset(&val);
        if (kfb_row_writer_begin(&w, &val, 2)) abort();
        char name[32];
        int len = snprintf(name, sizeof name, "v%d", b->versions[r]);
        if (kfb_row_write_int(&w, id) || kfb_row_write_string(&w, name, (size_t)len)) abort();
        if (kfb_kv_batch_append(bb, key.data, key.len, val.data, val.len)) abort();
    }
    b->bucket = bucket;
    const uint8_t *bytes;
    size_t blen;
    if (kfb_kv_batch_build(bb, &bytes, &blen)) abort();
    b->crc = kfb_crc32c(0, bytes + KFB_KV_BATCH_HEADER_SIZE, blen - KFB_KV_BATCH_HEADER_SIZE);
    WT.nb++;
    kfb_err_t e;
    while ((e = kfb_fluss_client_submit(WT.c, WT.table_id, -1, bucket, bytes, blen,
                                        (void *)(intptr_t)i)) == KFB_ERR_RPC_QUEUE_FULL)
        kfb_fluss_client_poll(WT.c, 10);
    if (e) {
        fprintf(stderr, "submit: %s\n", kfb_err_name(e));
        abort();
    }
    kfb_kv_batch_builder_destroy(bb);
    kfb_buf_free(&key);
    kfb_buf_free(&val);
    return i;
}

static inline int wt_submit(const int *ids, int n) { return wt_submit_to(-1, ids, n); }

/* Polls until `n` callbacks arrived in all (bounded: fails after 30 s). */
static inline void wt_wait_deliveries(int n) {
    for (int i = 0; i < 3000 && WT.ndeliv < n; i++) kfb_fluss_client_poll(WT.c, 10);
    ASSERT_GE_INT(WT.ndeliv, n);
}

/* Every submitted batch got exactly one callback, no callback was stray, and
 * the batches of each bucket were delivered in submit order. */
static inline void wt_assert_one_callback_each(void) {
    ASSERT_OK(kfb_fluss_client_flush(WT.c, 30000));
    ASSERT_EQ_INT(WT.stray, 0);
    ASSERT_EQ_INT(WT.ndeliv, WT.nb);
    for (int i = 0; i < WT.nb; i++) {
        ASSERT_EQ_INT(WT.b[i].callbacks, 1);
        for (int j = 0; j < i; j++)
            if (WT.b[j].bucket == WT.b[i].bucket) ASSERT_LT_INT(WT.b[j].order, WT.b[i].order);
    }
}

/* What the server's batch log says about the batch with records CRC `crc`:
 * how many of its sends were applied / acknowledged as duplicates / refused,
 * and the writer ids it was sent with (up to 8, in arrival order). */
typedef struct wt_sends {
    int applied, duplicate, refused;
    int n;
    int64_t writer[8];
    int32_t seq[8];
    int line[8]; /* line number in the log, for ordering checks */
} wt_sends_t;

static inline wt_sends_t wt_sends_of(uint32_t crc) {
    wt_sends_t r;
    memset(&r, 0, sizeof r);
    char *log = kfb_fts_batch_log(WT.s);
    if (!log) abort();
    int ln = 0;
    for (char *p = log, *nl; *p; p = nl + 1, ln++) {
        nl = strchr(p, '\n');
        if (!nl) break;
        *nl = 0;
        long long writer;
        int seq;
        unsigned rc;
        char result[16];
        const char *q = strstr(p, " writer=");
        if (!q || sscanf(q, " writer=%lld seq=%d records=%x result=%15s", &writer, &seq, &rc,
                         result) != 4)
            abort();
        if (rc != crc) continue;
        if (strcmp(result, "applied") == 0) r.applied++;
        else if (strcmp(result, "duplicate") == 0) r.duplicate++;
        else r.refused++;
        if (r.n < 8) {
            r.writer[r.n] = writer;
            r.seq[r.n] = seq;
            r.line[r.n] = ln;
            r.n++;
        }
    }
    free(log);
    return r;
}

/* The version stored for id in the server's dump (0 = no row). */
static inline int wt_stored_version(json_t *rows, int id) {
    kfb_buf_t key = KFB_BUF_INIT;
    wt_key(id, &key);
    char hex[64];
    for (size_t i = 0; i < key.len && i < 31; i++) snprintf(hex + 2 * i, 3, "%02x", key.data[i]);
    kfb_buf_free(&key);
    json_t *row = json_object_get(rows, hex);
    if (!row) return 0;
    const char *name = json_string_value(json_object_get(row, "name"));
    if (!name || name[0] != 'v') abort();
    return atoi(name + 1);
}

/* The server never holds an older value than an acknowledged update: for
 * every id, the stored version is at least the highest version of a batch
 * delivered OK, and it is a version that was acknowledged or came from a
 * batch that ended WRITE_IN_DOUBT (never one of a batch reported as not
 * written). Returns how many ids were checked. */
static inline int wt_assert_not_older_than_acknowledged(void) {
    char *dump = kfb_fts_dump_table_json(WT.s, "db", "users");
    ASSERT_TRUE(dump != NULL);
    json_error_t je;
    json_t *root = json_loads(dump, 0, &je);
    free(dump);
    ASSERT_TRUE(root != NULL);
    json_t *rows = json_object_get(root, "rows");
    ASSERT_TRUE(rows != NULL);
    int checked = 0;
    for (int id = 0; id < WT_MAXKEY; id++) {
        if (!WT.version[id]) continue;
        int acked = 0, stored = wt_stored_version(rows, id), allowed = stored == 0;
        for (int i = 0; i < WT.nb; i++)
            for (int r = 0; r < WT.b[i].n; r++) {
                if (WT.b[i].ids[r] != id) continue;
                int v = WT.b[i].versions[r];
                if (WT.b[i].callbacks && WT.b[i].err == KFB_ERR_OK && v > acked) acked = v;
                if (v == stored && (WT.b[i].err == KFB_ERR_OK ||
                                    WT.b[i].err == KFB_ERR_WRITE_IN_DOUBT))
                    allowed = 1;
            }
        if (stored < acked)
            fprintf(stderr, "  id %d: stored v%d, acknowledged v%d\n", id, stored, acked);
        ASSERT_GE_INT(stored, acked);
        ASSERT_TRUE(allowed);
        checked++;
    }
    json_decref(root);
    return checked;
}

#endif
