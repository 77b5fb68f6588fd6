/* test_fluss_client_timing.c - the client's time-driven behaviour, asserted by
 * ordering and counts, never by a wall-clock threshold: reconnect back-off
 * growth (fluss_conn: the computed delays, exposed as the next deadline), server
 * back-pressure pausing one bucket only, periodic metadata refresh, and
 * responses answered out of order on one connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bucketing.h"
#include "compacted_row.h"
#include "fluss_client.h"
#include "fluss_conn.h"
#include "fluss_errors.h"
#include "fluss_test_server.h"
#include "fluss_ts_client.h"
#include "harness.h"
#include "kv_batch.h"

#define NBUCKETS 4
#define API_PUT_KV 1016
#define API_GET_METADATA 1012

/* ---------------------------------------------------------------- back-off */

static int conn_done;
static int64_t conn_fail_ms;
static kfb_err_t conn_err;

static void on_conn(kfb_fluss_conn_t *c, kfb_err_t err, const kfb_rpc_response_t *r, void *op) {
    (void)c;
    (void)r;
    (void)op;
    conn_done++;
    conn_err = err;
    conn_fail_ms = kfb_fluss_now_ms();
}

/* A loopback port nothing listens on. */
static int closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || getsockname(fd, (struct sockaddr *)&a, &al))
        abort();
    close(fd);
    return ntohs(a.sin_port);
}

/* Drives the connection until the request's callback ran (connect refused). */
static void drive_until_done(kfb_fluss_conn_t *c, int want) {
    for (int i = 0; i < 2000 && conn_done < want; i++) {
        struct pollfd pfd;
        int64_t now = kfb_fluss_now_ms();
        int64_t dl = kfb_fluss_conn_next_deadline_ms(c);
        int wait = dl == INT64_MAX ? 10 : (int)(dl - now < 0 ? 0 : dl - now > 10 ? 10 : dl - now);
        if (kfb_fluss_conn_fill_pollfd(c, &pfd)) {
            pfd.revents = 0;
            if (poll(&pfd, 1, wait) < 0) pfd.revents = 0;
            kfb_fluss_conn_handle_events(c, pfd.revents, kfb_fluss_now_ms());
        } else {
            usleep((useconds_t)wait * 1000);
            kfb_fluss_conn_tick(c, kfb_fluss_now_ms());
        }
    }
}

TEST(conn_reconnect_backoff_doubles_up_to_the_cap) {
    /* Java ExponentialBackoff(initial, 2, max, 0.2): delay k = min(initial * 2^k,
     * max) * [0.8, 1.2]. With jitter, consecutive uncapped delays still grow by
     * at least 2 * 0.8 / 1.2 = 1.33x. */
    kfb_fluss_conn_conf_t conf;
    kfb_fluss_conn_conf_init(&conf);
    conf.backoff_ms = 20;
    conf.backoff_max_ms = 160;
    char err[256];
    kfb_fluss_conn_t *c = kfb_fluss_conn_new("127.0.0.1", closed_port(), &conf, err, sizeof err);
    ASSERT_TRUE(c != NULL);
    kfb_test_log_capture_start();
    int64_t d[7];
    ASSERT_OK(kfb_fluss_conn_send_raw(c, 1012, 0, NULL, 0, 600000, kfb_fluss_now_ms(), on_conn,
                                      NULL));
    for (int k = 0; k < 7; k++) {
        /* request k: the connect is refused, the request fails */
        drive_until_done(c, k + 1);
        ASSERT_EQ_INT(conn_done, k + 1);
        ASSERT_ERR(conn_err, KFB_ERR_RPC_DISCONNECTED);
        ASSERT_EQ_INT(kfb_fluss_conn_state(c), KFB_CONN_DOWN);
        /* request k + 1 waits for the reconnect: its deadline is the back-off */
        ASSERT_OK(kfb_fluss_conn_send_raw(c, 1012, 0, NULL, 0, 600000, kfb_fluss_now_ms(),
                                          on_conn, NULL));
        d[k] = kfb_fluss_conn_next_deadline_ms(c) - conn_fail_ms;
    }
    kfb_test_log_capture_stop();
    if (getenv("KFB_TEST_VERBOSE"))
        for (int k = 0; k < 7; k++) fprintf(stderr, "backoff %d: %lld ms\n", k, (long long)d[k]);
    /* 20, 40, 80, 160 (x0.8..1.2): each larger than the one before */
    for (int k = 1; k < 4; k++) ASSERT_GT_INT(d[k], d[k - 1]);
    /* then capped: never above 160 * 1.2 */
    for (int k = 0; k < 7; k++) ASSERT_LE_INT(d[k], 192);
    for (int k = 4; k < 7; k++) ASSERT_GT_INT(d[k], d[0]);
    kfb_fluss_conn_destroy(c); /* fails the last queued request */
    ASSERT_EQ_INT(conn_done, 8);
    ASSERT_ERR(conn_err, KFB_ERR_RPC_SHUTDOWN);
}

/* ---------------------------------------------------------- client + server */

typedef struct env {
    kfb_fts_t *s;
    kfb_fluss_client_t *c;
    int64_t table_id;
    int delivered, failed;
    int order[64];   /* opaque of each delivery, in delivery order */
    int attempts[64];
    int norder;
} env_t;

static env_t E;

static void on_delivery(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *r, void *op) {
    (void)c;
    (void)op;
    E.delivered++;
    if (r->err) E.failed++;
    int n = (int)(intptr_t)r->opaque;
    if (E.norder < 64) E.order[E.norder++] = n;
    if (n >= 0 && n < 64) E.attempts[n] = r->attempts;
}

static void env_start(int throttle_ms, int metadata_max_age_ms) {
    memset(&E, 0, sizeof E);
    kfb_fts_config_t cfg = {0};
    cfg.n_tablet_servers = 1;
    char err[512];
    E.s = kfb_fluss_test_server_start(&cfg, err, sizeof err);
    if (!E.s || kfb_fts_add_table(E.s, "db", "users", KFB_TC_USERS_DESC, NBUCKETS, NULL,
                                  &E.table_id, err, sizeof err)) {
        fprintf(stderr, "test server: %s\n", err);
        abort();
    }
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = kfb_fts_bootstrap(E.s);
    conf.delivery_cb = on_delivery;
    conf.retry_backoff_ms = 5;
    conf.backpressure_max_throttle_ms = throttle_ms;
    if (metadata_max_age_ms) conf.metadata_max_age_ms = metadata_max_age_ms;
    E.c = kfb_fluss_client_new(&conf, err, sizeof err);
    kfb_fluss_table_info_t *ti;
    if (!E.c || kfb_fluss_client_get_table(E.c, "db", "users", 10000, &ti, err, sizeof err)) {
        fprintf(stderr, "client: %s\n", err);
        abort();
    }
    kfb_fluss_table_info_free(ti);
}

static void env_stop(void) {
    kfb_fluss_client_destroy(E.c);
    kfb_fluss_test_server_stop(E.s);
}

/* A one-record batch for bucket `bucket` (the first id that hashes there,
 * skipping `skip` of them). */
static void submit_to(int bucket, int skip, int opaque) {
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    char err[256];
    kfb_kv_batch_builder_t *bb = kfb_kv_batch_builder_new(1, 1 << 16, err, sizeof err);
    for (int id = 0;; id++) {
        kfb_row_writer_t w;
        kfb_buf_reset(&key);
        kfb_key_writer_begin(&w, &key);
        if (kfb_row_write_int(&w, id)) abort();
        if (kfb_bucket_fluss(key.data, key.len, NBUCKETS) != bucket || skip-- > 0) continue;
        kfb_buf_reset(&val);
        if (kfb_row_writer_begin(&w, &val, 2) || kfb_row_write_int(&w, id) ||
            kfb_row_write_string(&w, "x", 1))
            abort();
        if (kfb_kv_batch_append(bb, key.data, key.len, val.data, val.len)) abort();
        break;
    }
    const uint8_t *bytes;
    size_t len;
    if (kfb_kv_batch_build(bb, &bytes, &len) ||
        kfb_fluss_client_submit(E.c, E.table_id, -1, bucket, bytes, len, (void *)(intptr_t)opaque))
        abort();
    kfb_kv_batch_builder_destroy(bb);
    kfb_buf_free(&key);
    kfb_buf_free(&val);
}

static void wait_delivered(int n) {
    for (int i = 0; i < 1000 && E.delivered < n; i++) kfb_fluss_client_poll(E.c, 10);
}

static int position(int opaque) {
    for (int i = 0; i < E.norder; i++)
        if (E.order[i] == opaque) return i;
    return -1;
}

TEST(backpressure_pauses_only_that_bucket) {
    /* STORAGE_BACKPRESSURE_EXCEPTION = pressure 1.0: bucket 0 pauses for the
     * whole max throttle (RecordAccumulator.updateThrottle), bucket 1 does not:
     * ten round trips of bucket 1 complete while bucket 0 waits to retry. */
    env_start(1000, 0);
    char err[256];
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_PUT_KV;
    f.bucket = 0;
    f.error_code = KFB_FLUSS_STORAGE_BACKPRESSURE_EXCEPTION;
    ASSERT_OK(kfb_fts_inject(E.s, &f, err, sizeof err));
    submit_to(0, 0, 0);
    /* wait until the server refused it */
    for (int i = 0; i < 1000 && kfb_fts_faults_pending(E.s); i++) usleep(1000);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    for (int k = 1; k <= 10; k++) {
        submit_to(1, k, k);
        wait_delivered(k);
        ASSERT_EQ_INT(position(k), k - 1); /* bucket 1 went ahead */
    }
    ASSERT_EQ_INT(position(0), -1); /* bucket 0 still paused */
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(position(0), 10);
    ASSERT_EQ_INT(E.attempts[0], 2);
    ASSERT_EQ_INT(kfb_fts_rejections(E.s, KFB_FLUSS_STORAGE_BACKPRESSURE_EXCEPTION), 1);
    env_stop();
}

TEST(metadata_refreshed_every_max_age) {
    env_start(50, 30);
    uint64_t before = kfb_fts_api_calls(E.s, API_GET_METADATA);
    /* an idle client keeps refreshing the opened table */
    for (int i = 0; i < 1000 && kfb_fts_api_calls(E.s, API_GET_METADATA) < before + 3; i++)
        usleep(10000);
    ASSERT_GE_INT(kfb_fts_api_calls(E.s, API_GET_METADATA), before + 3);
    env_stop();
}

TEST(metadata_not_refreshed_before_max_age) {
    /* the same idle wait with the default 5 minutes: no extra call while the
     * other client would have made several; the wait is bounded by events of
     * a second client on its own server, not by a clock threshold */
    env_start(50, 0);
    env_t first = E;
    uint64_t before = kfb_fts_api_calls(first.s, API_GET_METADATA);
    env_start(50, 30);
    uint64_t b2 = kfb_fts_api_calls(E.s, API_GET_METADATA);
    for (int i = 0; i < 1000 && kfb_fts_api_calls(E.s, API_GET_METADATA) < b2 + 3; i++)
        usleep(10000);
    ASSERT_GE_INT(kfb_fts_api_calls(E.s, API_GET_METADATA), b2 + 3);
    ASSERT_EQ_INT(kfb_fts_api_calls(first.s, API_GET_METADATA), before);
    env_stop();
    E = first;
    env_stop();
}

TEST(out_of_order_responses_are_correlated) {
    /* One PutKv held back by the server: the requests sent after it on the
     * same connection are answered first; each answer reaches its own batch
     * (nothing resent, nothing mixed up). */
    env_start(50, 0);
    char err[256];
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_DELAY);
    f.api_key = API_PUT_KV;
    f.delay_ms = 1000;
    ASSERT_OK(kfb_fts_inject(E.s, &f, err, sizeof err));
    submit_to(0, 0, 0);
    for (int i = 0; i < 1000 && kfb_fts_faults_pending(E.s); i++) usleep(1000);
    ASSERT_EQ_INT(kfb_fts_faults_pending(E.s), 0);
    for (int k = 1; k <= 6; k++) {
        submit_to(1 + k % 3, k, k);
        wait_delivered(k);
    }
    ASSERT_EQ_INT(position(0), -1); /* its answer has not arrived yet */
    ASSERT_OK(kfb_fluss_client_flush(E.c, 20000));
    ASSERT_EQ_INT(E.failed, 0);
    ASSERT_EQ_INT(position(0), 6);
    for (int k = 0; k <= 6; k++) ASSERT_EQ_INT(E.attempts[k], 1);
    kfb_fts_stats_t st;
    kfb_fts_get_stats(E.s, &st);
    ASSERT_EQ_U64(st.batches_applied, 7);
    ASSERT_EQ_U64(st.duplicates, 0);
    ASSERT_EQ_U64(st.connections, 2); /* coordinator + tablet: no reconnect */
    env_stop();
}
