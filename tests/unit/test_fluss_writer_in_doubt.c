/* test_fluss_writer_in_doubt.c - batches whose earlier attempt may have been
 * applied are never resent under a new writer id (issue 11).
 *
 * Each scenario makes the Fluss test server apply a batch without the client
 * learning it (answer held past the client's deadline, connection dropped after
 * applying, REQUEST_TIME_OUT / NOT_ENOUGH_REPLICAS_AFTER_APPEND after applying),
 * then breaks the bucket's writer session (UNKNOWN_WRITER_ID on its next
 * expected batch, or the delivery timeout). What must hold, read from the
 * server's batch log (kfb_fts_batch_log: every bucket batch it received, with
 * writer id, sequence and a CRC of its records) and its table dump:
 *   - the in-doubt batch ends with WRITE_IN_DOUBT, its message naming the bucket,
 *     the earlier error and the reset; it was applied once, and never sent
 *     under the new writer id;
 *   - batches that were certainly not applied are sent under the new writer id
 *     (sequences 0, 1, ...) after it, in submit order, applied once each;
 *   - exactly one callback per batch, per bucket in submit order;
 *   - no key holds an older version than one acknowledged for it.
 * No assertion depends on elapsed time; delays only order events (a held
 * answer outlives a much shorter client deadline). */
#include <unistd.h>

#include "fluss_api.pb-c.h"
#include "fluss_errors.h"
#include "fluss_ts_writer_env.h"

#define API_PUT_KV 1016
#define API_INIT_WRITER 1026

/* ---- the test server's part: a fault on "the batch after this one" ---- */

static int64_t tc_put(int fd, int32_t rid, int64_t table_id, const uint8_t *batch, size_t len) {
    Fluss__PbPutKvReqForBucket b = FLUSS__PB_PUT_KV_REQ_FOR_BUCKET__INIT;
    b.bucket_id = 0;
    b.records.data = (uint8_t *)batch;
    b.records.len = len;
    Fluss__PbPutKvReqForBucket *pb[] = {&b};
    Fluss__PutKvRequest r = FLUSS__PUT_KV_REQUEST__INIT;
    r.acks = -1;
    r.table_id = table_id;
    r.timeout_ms = 30000;
    r.n_buckets_req = 1;
    r.buckets_req = pb;
    Fluss__PutKvResponse *resp = (Fluss__PutKvResponse *)kfb_tc_call(
        fd, KFB_API_PUT_KV, 2, rid, &r.base, &fluss__put_kv_response__descriptor);
    if (!resp || resp->n_buckets_resp != 1) abort();
    int64_t code = resp->buckets_resp[0]->has_error_code ? resp->buckets_resp[0]->error_code : 0;
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    return code;
}

/* skip=1 on a bucket fault: the first batch of the bucket passes (applied), the
 * next one (here the very same batch resent, which Fluss would acknowledge as a
 * duplicate) gets the error; then the fault is used up and the resend is a
 * duplicate again. The batch log shows all three, same writer, sequence and
 * records. */
TEST(test_server_fault_skip_and_batch_log) {
    wt_server(1, 1);
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_PUT_KV;
    f.bucket = 0;
    f.error_code = KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION;
    f.skip = 1;
    wt_inject(f);
    f.skip = -1;
    char err[256];
    ASSERT_ERR(kfb_fts_inject(WT.s, &f, err, sizeof err), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "skip -1");
    size_t blen;
    uint8_t *batch = kfb_test_unhex(KFB_TC_BATCH_94, &blen); /* writer 7, sequence 0 */
    int fd = kfb_tc_connect(kfb_fts_port(WT.s, 0));
    ASSERT_GE_INT(fd, 0);
    ASSERT_EQ_INT(tc_put(fd, 1, WT.table_id, batch, blen), 0);
    ASSERT_EQ_INT(tc_put(fd, 2, WT.table_id, batch, blen), KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION);
    ASSERT_EQ_INT(tc_put(fd, 3, WT.table_id, batch, blen), 0);
    close(fd);
    ASSERT_EQ_INT(kfb_fts_faults_pending(WT.s), 0);
    uint32_t crc = kfb_crc32c(0, batch + 28, blen - 28);
    char want[512];
    snprintf(want, sizeof want,
             "node=0 table=%lld partition=-1 bucket=0 writer=7 seq=0 records=%08x result=applied code=0 schema=1\n"
             "node=0 table=%lld partition=-1 bucket=0 writer=7 seq=0 records=%08x result=refused code=33 schema=1\n"
             "node=0 table=%lld partition=-1 bucket=0 writer=7 seq=0 records=%08x result=duplicate code=0 schema=1\n",
             (long long)WT.table_id, crc, (long long)WT.table_id, crc, (long long)WT.table_id, crc);
    char *log = kfb_fts_batch_log(WT.s);
    ASSERT_STREQ(log, want);
    free(log);
    /* the same through the control protocol */
    char *r = kfb_fts_control(WT.s, "fault error api=PutKv bucket=0 code=33 skip=2 count=1");
    ASSERT_STREQ(r, "OK\n");
    free(r);
    r = kfb_fts_control(WT.s, "fault error bucket=0 skip=x");
    ASSERT_CONTAINS(r, "ERR bad value 'x' for skip");
    free(r);
    r = kfb_fts_control(WT.s, "batches");
    char head[16];
    snprintf(head, sizeof head, "OK 3\n");
    ASSERT_TRUE(strncmp(r, head, strlen(head)) == 0);
    ASSERT_STREQ(r + strlen(head), want);
    free(r);
    free(batch);
    kfb_fluss_test_server_stop(WT.s);
}

/* ---- the client ---- */

/* Client for one bucket: at most one batch in flight (so batches behind the
 * in-doubt one are certainly never sent before the reset), short deadline. */
static void start_one_bucket(int deadline_ms, int delivery_timeout_ms) {
    wt_server(1, 1);
    kfb_fluss_client_conf_t conf;
    wt_conf(&conf);
    conf.max_inflight_per_bucket = 1;
    conf.request_timeout_ms = deadline_ms / 2;
    conf.putkv_timeout_ms = deadline_ms / 2;
    conf.delivery_timeout_ms = delivery_timeout_ms;
    wt_client(&conf);
}

static kfb_fts_fault_t bucket_fault(int code, int after_apply, int skip) {
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_PUT_KV;
    f.bucket = 0;
    f.error_code = code;
    f.after_apply = after_apply;
    f.skip = skip;
    return f;
}

static kfb_fts_fault_t request_fault(kfb_fts_fault_kind_t kind, int api, int delay_ms, int count) {
    kfb_fts_fault_t f = kfb_fts_fault_default(kind);
    f.api_key = api;
    f.delay_ms = delay_ms;
    f.count = count;
    return f;
}

/* Two ids of bucket 0, written by every batch of these scenarios. */
static int IDS[2];

/* b0, b1 acknowledged under the first writer id; returns it. */
static int64_t two_acknowledged(void) {
    IDS[0] = wt_id_in_bucket(0, 0);
    IDS[1] = wt_id_in_bucket(0, 1);
    wt_submit(IDS, 2);
    wt_submit(IDS, 2);
    ASSERT_OK(kfb_fluss_client_flush(WT.c, 10000));
    int64_t w0 = kfb_fluss_client_writer_id(WT.c);
    for (int i = 0; i < 2; i++) {
        ASSERT_OK(WT.b[i].err);
        ASSERT_EQ_INT(WT.b[i].writer, w0);
        ASSERT_EQ_INT(WT.b[i].seq, i);
    }
    return w0;
}

/* After the faults armed by the caller: b2 (the victim) and b3, b4 behind it.
 * b2 must end WRITE_IN_DOUBT with `why` in its message, applied once under w0
 * and never sent under the new writer id; b3, b4 are applied under the new id
 * as sequences 0, 1, after b2's callback. */
static void expect_in_doubt_then_new_writer(int64_t w0, const char *why) {
    int v = wt_submit(IDS, 2);
    wt_submit(IDS, 2);
    wt_submit(IDS, 2);
    wt_assert_one_callback_each();
    wt_batch_t *b = &WT.b[v];
    ASSERT_ERR(b->err, KFB_ERR_WRITE_IN_DOUBT);
    ASSERT_STREQ(b->name, "WRITE_IN_DOUBT");
    ASSERT_EQ_INT(b->ferr, KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION);
    ASSERT_EQ_INT(b->writer, w0);
    ASSERT_EQ_INT(b->seq, 2);
    ASSERT_CONTAINS(b->msg, "table db.users bucket 0");
    ASSERT_CONTAINS(b->msg, "may or may not have been written");
    ASSERT_CONTAINS(b->msg, why);
    ASSERT_CONTAINS(b->msg, "UNKNOWN_WRITER_ID_EXCEPTION (33) on the next expected batch");
    ASSERT_CONTAINS(b->msg, "the writer id will be reset");
    ASSERT_CONTAINS(b->msg, "It is not sent again");
    /* a new writer id, obtained once */
    int64_t w1 = kfb_fluss_client_writer_id(WT.c);
    ASSERT_GE_INT(w1, 0);
    ASSERT_NE_INT(w1, w0);
    ASSERT_EQ_U64(kfb_fts_api_calls(WT.s, API_INIT_WRITER), 2);
    /* the victim: applied exactly once, only ever sent under w0 */
    wt_sends_t sv = wt_sends_of(b->crc);
    ASSERT_EQ_INT(sv.applied, 1);
    ASSERT_GE_INT(sv.n, 2);
    for (int i = 0; i < sv.n; i++) {
        ASSERT_EQ_INT(sv.writer[i], w0);
        ASSERT_EQ_INT(sv.seq[i], 2);
    }
    /* the batches behind it: never sent under w0, applied once under w1 in
     * submit order, after the victim's last send */
    int prev_line = sv.line[sv.n - 1];
    for (int k = 1; k <= 2; k++) {
        wt_batch_t *x = &WT.b[v + k];
        ASSERT_OK(x->err);
        ASSERT_EQ_INT(x->writer, w1);
        ASSERT_EQ_INT(x->seq, k - 1);
        ASSERT_GT_INT(x->order, b->order);
        wt_sends_t s = wt_sends_of(x->crc);
        ASSERT_EQ_INT(s.n, 1);
        ASSERT_EQ_INT(s.applied, 1);
        ASSERT_EQ_INT(s.writer[0], w1);
        ASSERT_EQ_INT(s.seq[0], k - 1);
        ASSERT_GT_INT(s.line[0], prev_line);
        prev_line = s.line[0];
    }
    ASSERT_EQ_INT(wt_assert_not_older_than_acknowledged(), 2);
    /* the last batch wrote the highest versions */
    char *dump = kfb_fts_dump_table_json(WT.s, "db", "users");
    char want[64];
    snprintf(want, sizeof want, "\"name\": \"v%d\"", WT.version[IDS[0]]);
    ASSERT_CONTAINS(dump, want);
    free(dump);
}

/* Lost response: the server applies b2 and holds its answer far beyond the
 * client's deadline (so the client sees TIMEOUT), then answers the resend
 * with UNKNOWN_WRITER_ID. */
TEST(in_doubt_lost_response_then_unknown_writer_id) {
    start_one_bucket(200, 0);
    int64_t w0 = two_acknowledged();
    wt_inject(request_fault(KFB_FTS_FAULT_DELAY, API_PUT_KV, 3000, 1));
    wt_inject(bucket_fault(KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION, 0, 1));
    expect_in_doubt_then_new_writer(w0, "attempt 1 ended with TIMEOUT");
    wt_stop();
}

/* `code` answered after the leader applied b2 (Fluss's DelayedWrite), then
 * UNKNOWN_WRITER_ID on the resend. */
static void after_apply_then_unknown_writer_id(int code, const char *why) {
    start_one_bucket(5000, 0);
    int64_t w0 = two_acknowledged();
    wt_inject(bucket_fault(code, 1, 0));
    wt_inject(bucket_fault(KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION, 0, 0));
    expect_in_doubt_then_new_writer(w0, why);
    wt_stop();
}

TEST(in_doubt_request_time_out_after_apply_then_unknown_writer_id) {
    after_apply_then_unknown_writer_id(
        KFB_FLUSS_REQUEST_TIME_OUT,
        "attempt 1 got REQUEST_TIME_OUT (25), which Fluss answers after the leader wrote");
}

TEST(in_doubt_not_enough_replicas_after_append_then_unknown_writer_id) {
    after_apply_then_unknown_writer_id(KFB_FLUSS_NOT_ENOUGH_REPLICAS_AFTER_APPEND_EXCEPTION,
                                       "attempt 1 got NOT_ENOUGH_REPLICAS_AFTER_APPEND_EXCEPTION "
                                       "(28), which Fluss answers after the leader wrote");
}

/* The connection drops right after the server applied b2; the resend, on a
 * new connection, gets UNKNOWN_WRITER_ID. */
TEST(in_doubt_connection_dropped_after_send_then_unknown_writer_id) {
    start_one_bucket(5000, 0);
    int64_t w0 = two_acknowledged();
    wt_inject(request_fault(KFB_FTS_FAULT_DROP_AFTER, API_PUT_KV, 0, 1));
    wt_inject(bucket_fault(KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION, 0, 1));
    expect_in_doubt_then_new_writer(w0, "attempt 1 ended with RPC_DISCONNECTED");
    kfb_fts_stats_t st;
    kfb_fts_get_stats(WT.s, &st);
    ASSERT_GE_INT(st.connections, 3); /* reconnected */
    wt_stop();
}

/* Delivery timeout: b2 is applied, its answer lost, and every resend refused
 * with NOT_LEADER_OR_FOLLOWER until delivery_timeout_ms passes: b2 ends
 * WRITE_IN_DOUBT (not TIMEOUT, which would claim it was not written). b3,
 * queued behind it and never sent, ends with a plain TIMEOUT: InitWriter
 * gets no answer meanwhile, so it cannot go out under a new writer id
 * either. Once the server answers again, later batches go out under the new
 * id, and b2 never does. */
TEST(in_doubt_delivery_timeout) {
    start_one_bucket(200, 1500);
    int64_t w0 = two_acknowledged();
    wt_inject(request_fault(KFB_FTS_FAULT_DELAY, API_PUT_KV, 3000, 1));
    kfb_fts_fault_t nl = bucket_fault(KFB_FLUSS_NOT_LEADER_OR_FOLLOWER, 0, 1);
    nl.count = -1;
    wt_inject(nl);
    wt_inject(request_fault(KFB_FTS_FAULT_NO_RESPONSE, API_INIT_WRITER, 0, -1));
    int v = wt_submit(IDS, 2);
    int q = wt_submit(IDS, 2);
    wt_wait_deliveries(4);
    wt_batch_t *b = &WT.b[v], *x = &WT.b[q];
    ASSERT_ERR(b->err, KFB_ERR_WRITE_IN_DOUBT);
    ASSERT_EQ_INT(b->writer, w0);
    ASSERT_GE_INT(b->attempts, 2);
    ASSERT_CONTAINS(b->msg, "attempt 1 ended with TIMEOUT");
    ASSERT_CONTAINS(b->msg, "delivery_timeout_ms=1500");
    ASSERT_CONTAINS(b->msg, "NOT_LEADER_OR_FOLLOWER");
    ASSERT_ERR(x->err, KFB_ERR_TIMEOUT);
    ASSERT_STREQ(x->name, "TIMEOUT");
    ASSERT_EQ_INT(x->attempts, 0);
    ASSERT_CONTAINS(x->msg, "no writer id yet");
    ASSERT_LT_INT(b->order, x->order);
    wt_sends_t sx = wt_sends_of(x->crc);
    ASSERT_EQ_INT(sx.n, 0); /* never sent */
    /* the server answers again: new writer id, later batches go out */
    kfb_fts_clear_faults(WT.s);
    for (int i = 0; i < 3000 && kfb_fluss_client_writer_id(WT.c) < 0; i++) usleep(10000);
    int l0 = wt_submit(IDS, 2);
    int l1 = wt_submit(IDS, 2);
    wt_assert_one_callback_each();
    int64_t w1 = kfb_fluss_client_writer_id(WT.c);
    ASSERT_NE_INT(w1, w0);
    for (int k = 0; k < 2; k++) {
        wt_batch_t *y = &WT.b[k ? l1 : l0];
        ASSERT_OK(y->err);
        ASSERT_EQ_INT(y->writer, w1);
        ASSERT_EQ_INT(y->seq, k);
    }
    wt_sends_t sv = wt_sends_of(b->crc);
    ASSERT_EQ_INT(sv.applied, 1);
    for (int i = 0; i < sv.n; i++) ASSERT_EQ_INT(sv.writer[i], w0);
    ASSERT_EQ_INT(wt_assert_not_older_than_acknowledged(), 2);
    wt_stop();
}

/* Several batches in flight at once: b2 and b3 are applied and answered
 * REQUEST_TIME_OUT, b4 is refused with UNKNOWN_WRITER_ID (not the next
 * expected one: retried), then b2's resend gets UNKNOWN_WRITER_ID. b2 and b3
 * may both be in Fluss: both end WRITE_IN_DOUBT, neither is sent under the
 * new id; b4 was certainly not applied and is, as sequence 0. */
TEST(in_doubt_pipelined_batches_behind) {
    wt_server(1, 1);
    kfb_fluss_client_conf_t conf;
    wt_conf(&conf);
    wt_client(&conf);
    int64_t w0 = two_acknowledged();
    /* hold the three answers so that all three are sent first */
    wt_inject(request_fault(KFB_FTS_FAULT_DELAY, API_PUT_KV, 400, 3));
    kfb_fts_fault_t f = bucket_fault(KFB_FLUSS_REQUEST_TIME_OUT, 1, 0);
    f.count = 2;
    wt_inject(f);
    f = bucket_fault(KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION, 0, 0);
    f.count = 2;
    wt_inject(f);
    int v = wt_submit(IDS, 2);
    wt_submit(IDS, 2);
    wt_submit(IDS, 2);
    wt_assert_one_callback_each();
    int64_t w1 = kfb_fluss_client_writer_id(WT.c);
    ASSERT_NE_INT(w1, w0);
    for (int k = 0; k < 2; k++) {
        wt_batch_t *b = &WT.b[v + k];
        ASSERT_ERR(b->err, KFB_ERR_WRITE_IN_DOUBT);
        ASSERT_EQ_INT(b->writer, w0);
        ASSERT_EQ_INT(b->seq, 2 + k);
        ASSERT_CONTAINS(b->msg, "REQUEST_TIME_OUT (25)");
        wt_sends_t s = wt_sends_of(b->crc);
        ASSERT_EQ_INT(s.applied, 1);
        for (int i = 0; i < s.n; i++) ASSERT_EQ_INT(s.writer[i], w0);
    }
    ASSERT_CONTAINS(WT.b[v + 1].msg, "writer id"); /* given up with the bucket's session */
    wt_batch_t *x = &WT.b[v + 2];
    ASSERT_OK(x->err);
    ASSERT_EQ_INT(x->writer, w1);
    ASSERT_EQ_INT(x->seq, 0);
    wt_sends_t s = wt_sends_of(x->crc);
    ASSERT_EQ_INT(s.applied, 1);
    ASSERT_EQ_INT(s.n, 2); /* refused under w0, applied under w1 */
    ASSERT_EQ_INT(s.writer[0], w0);
    ASSERT_EQ_INT(s.writer[1], w1);
    ASSERT_EQ_INT(wt_assert_not_older_than_acknowledged(), 2);
    wt_stop();
}

/* A reset caused by another bucket leaves this bucket's session alone: b2
 * (bucket 0) is applied and answered REQUEST_TIME_OUT while b3, a newer
 * update of the same key, is acknowledged; bucket 1's first batch gets
 * UNKNOWN_WRITER_ID and its writer id is reset. b2 must still be resent under
 * the old writer id (acknowledged as a duplicate), never restamped under the
 * new one, where it would overwrite b3's newer value. */
TEST(reset_of_another_bucket_keeps_this_buckets_writer) {
    wt_server(2, 1);
    kfb_fluss_client_conf_t conf;
    wt_conf(&conf);
    conf.retry_backoff_ms = 100;
    wt_client(&conf);
    int k0 = wt_id_in_bucket(0, 0), k1 = wt_id_in_bucket(1, 0);
    wt_submit(&k0, 1);
    wt_submit(&k0, 1);
    ASSERT_OK(kfb_fluss_client_flush(WT.c, 10000));
    int64_t w0 = kfb_fluss_client_writer_id(WT.c);
    wt_inject(request_fault(KFB_FTS_FAULT_DELAY, API_PUT_KV, 200, 2));
    wt_inject(bucket_fault(KFB_FLUSS_REQUEST_TIME_OUT, 1, 0));
    kfb_fts_fault_t f = bucket_fault(KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION, 0, 0);
    f.bucket = 1;
    wt_inject(f);
    int b2 = wt_submit(&k0, 1);
    int b3 = wt_submit(&k0, 1);
    int c0 = wt_submit(&k1, 1);
    wt_wait_deliveries(WT.nb);
    /* b3's value, not b2's older one */
    ASSERT_EQ_INT(wt_assert_not_older_than_acknowledged(), 2);
    int c1 = wt_submit(&k1, 1);
    int b4 = wt_submit(&k0, 1);
    wt_assert_one_callback_each();
    ASSERT_OK(WT.b[b2].err);
    ASSERT_OK(WT.b[b3].err);
    ASSERT_EQ_INT(WT.b[b2].writer, w0);
    ASSERT_EQ_INT(WT.b[b2].seq, 2);
    ASSERT_EQ_INT(WT.b[b3].seq, 3);
    /* bucket 1's first batch was refused (certainly not written) */
    ASSERT_ERR(WT.b[c0].err, KFB_ERR_FLUSS_RETRIABLE);
    ASSERT_CONTAINS(WT.b[c0].msg, "was not written: submit it again");
    ASSERT_EQ_INT(WT.b[c0].ferr, KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION);
    int64_t w1 = kfb_fluss_client_writer_id(WT.c);
    ASSERT_NE_INT(w1, w0);
    ASSERT_OK(WT.b[c1].err);
    ASSERT_EQ_INT(WT.b[c1].writer, w1);
    ASSERT_EQ_INT(WT.b[c1].seq, 0);
    /* bucket 0 kept its session */
    ASSERT_OK(WT.b[b4].err);
    ASSERT_EQ_INT(WT.b[b4].writer, w0);
    ASSERT_EQ_INT(WT.b[b4].seq, 4);
    wt_sends_t s = wt_sends_of(WT.b[b2].crc);
    ASSERT_EQ_INT(s.applied, 1);
    for (int i = 0; i < s.n; i++) ASSERT_EQ_INT(s.writer[i], w0);
    ASSERT_EQ_INT(wt_assert_not_older_than_acknowledged(), 2);
    wt_stop();
}
