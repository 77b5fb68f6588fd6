/* test_fluss_writer_completion.c - every submitted batch gets exactly one
 * delivery callback, whatever it waits for (issue 10, "gaps in today's
 * parts"): a bucket id outside the table, no writer id (InitWriter never
 * answered or refused), an unknown bucket leader, a partition name that never
 * resolves. With delivery_timeout_ms set every wait ends with TIMEOUT and a
 * message saying what the batch waited for; nothing of it reached the server
 * (checked in the server's batch log). No assertion depends on elapsed time. */
#include <unistd.h>

#include "fluss_api.pb-c.h"
#include "fluss_errors.h"
#include "fluss_ts_writer_env.h"

#define API_GET_METADATA 1012
#define API_INIT_WRITER 1026

static void start(int nbuckets, int delivery_timeout_ms) {
    wt_server(nbuckets, 1);
    kfb_fluss_client_conf_t conf;
    wt_conf(&conf);
    conf.request_timeout_ms = 100;
    conf.putkv_timeout_ms = 100;
    conf.delivery_timeout_ms = delivery_timeout_ms;
    wt_client(&conf);
}

/* Adds db.pt (partitioned by dt, 2 buckets, no partitions yet) and opens it. */
static int64_t open_partitioned(void) {
    char err[256];
    int64_t pt;
    ASSERT_OK(kfb_fts_add_table(WT.s, "db", "pt", KFB_TC_PARTITIONED_DESC, 2, NULL, &pt, err,
                                sizeof err));
    kfb_fluss_table_info_t *ti;
    ASSERT_OK(kfb_fluss_client_get_table(WT.c, "db", "pt", 10000, &ti, err, sizeof err));
    kfb_fluss_table_info_free(ti);
    return pt;
}

static char *batch_log(void) {
    char *log = kfb_fts_batch_log(WT.s);
    if (!log) abort();
    return log;
}

/* Buckets 4 and 7 do not exist in a 4-bucket table: those batches fail at once
 * with INVALID_ARG and a sentence naming table, bucket and bucket count, are
 * never sent, and do not hold up the valid ones. */
TEST(bucket_out_of_range_completes_at_once) {
    start(4, 0);
    int id0 = wt_id_in_bucket(0, 0), id1 = wt_id_in_bucket(1, 0);
    int a = wt_submit_to(0, &id0, 1);
    int bad7 = wt_submit_to(7, &id0, 1);
    int b = wt_submit_to(1, &id1, 1);
    int bad4 = wt_submit_to(4, &id1, 1);
    wt_assert_one_callback_each();
    ASSERT_EQ_INT(kfb_fluss_client_outstanding(WT.c), 0);
    ASSERT_OK(WT.b[a].err);
    ASSERT_OK(WT.b[b].err);
    ASSERT_ERR(WT.b[bad7].err, KFB_ERR_INVALID_ARG);
    ASSERT_STREQ(WT.b[bad7].name, "INVALID_ARG");
    ASSERT_CONTAINS(WT.b[bad7].msg, "bucket 7 does not exist in table db.users, which has 4 "
                                    "buckets (0..3)");
    ASSERT_EQ_INT(WT.b[bad7].attempts, 0);
    ASSERT_ERR(WT.b[bad4].err, KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(WT.b[bad4].msg, "bucket 4 does not exist");
    char *log = batch_log();
    ASSERT_TRUE(strstr(log, "bucket=7") == NULL);
    ASSERT_TRUE(strstr(log, "bucket=4") == NULL);
    ASSERT_CONTAINS(log, "bucket=0");
    ASSERT_CONTAINS(log, "bucket=1");
    free(log);
    wt_stop();
}

/* The same through submit by partition name: checked before the name is
 * resolved. */
TEST(bucket_out_of_range_by_partition_name) {
    start(2, 0);
    int64_t pt = open_partitioned();
    uint8_t *batch;
    size_t len;
    batch = kfb_test_unhex(KFB_TC_BATCH_94, &len);
    WT.nb = 1; /* opaque 0 is ours */
    ASSERT_OK(kfb_fluss_client_submit_to_partition(WT.c, pt, "2024", 1, NULL, NULL, 0, 9, batch,
                                                   len, (void *)0));
    ASSERT_OK(kfb_fluss_client_flush(WT.c, 10000));
    ASSERT_EQ_INT(WT.b[0].callbacks, 1);
    ASSERT_ERR(WT.b[0].err, KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(WT.b[0].msg, "bucket 9 does not exist in table db.pt, which has 2 buckets");
    ASSERT_EQ_U64(kfb_fts_api_calls(WT.s, 1036), 0); /* no CreatePartition for it */
    free(batch);
    wt_stop();
}

static void submit_three(int *ids) {
    ids[0] = wt_id_in_bucket(0, 0);
    ids[1] = wt_id_in_bucket(1, 0);
    wt_submit(&ids[0], 1);
    wt_submit(&ids[1], 1);
    wt_submit(&ids[0], 1);
}

static void expect_all_timed_out_unsent(const char *why) {
    wt_assert_one_callback_each();
    for (int i = 0; i < WT.nb; i++) {
        ASSERT_ERR(WT.b[i].err, KFB_ERR_TIMEOUT);
        ASSERT_EQ_INT(WT.b[i].attempts, 0);
        ASSERT_CONTAINS(WT.b[i].msg, "delivery_timeout_ms=400");
        ASSERT_CONTAINS(WT.b[i].msg, why);
    }
    char *log = batch_log();
    ASSERT_STREQ(log, "");
    free(log);
}

/* InitWriter is never answered: no writer id, nothing can be sent. */
TEST(no_writer_id_init_writer_unanswered) {
    start(2, 400);
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_NO_RESPONSE);
    f.api_key = API_INIT_WRITER;
    f.count = -1;
    wt_inject(f);
    int ids[2];
    submit_three(ids);
    expect_all_timed_out_unsent("no writer id yet");
    ASSERT_GE_INT(kfb_fts_api_calls(WT.s, API_INIT_WRITER), 1);
    wt_stop();
}

/* InitWriter is refused: the message carries the server's error. */
TEST(no_writer_id_init_writer_refused) {
    start(2, 400);
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    f.api_key = API_INIT_WRITER;
    f.error_code = KFB_FLUSS_AUTHORIZATION_EXCEPTION;
    f.count = -1;
    wt_inject(f);
    int ids[2];
    submit_three(ids);
    expect_all_timed_out_unsent("InitWriter to 127.0.0.1:");
    ASSERT_CONTAINS(WT.b[0].msg, "AUTHORIZATION_EXCEPTION");
    wt_stop();
}

/* Bucket 0 has no leader: its batches wait for metadata naming one, then time
 * out, unsent; bucket 1 is written meanwhile. */
TEST(unknown_leader_delivery_timeout) {
    wt_server(2, 1);
    char err[256];
    ASSERT_OK(kfb_fts_move_leader(WT.s, WT.table_id, -1, 0, -1, err, sizeof err));
    kfb_fluss_client_conf_t conf;
    wt_conf(&conf);
    conf.delivery_timeout_ms = 400;
    wt_client(&conf);
    int ids[2];
    submit_three(ids);
    wt_assert_one_callback_each();
    for (int i = 0; i < 3; i += 2) {
        ASSERT_ERR(WT.b[i].err, KFB_ERR_TIMEOUT);
        ASSERT_EQ_INT(WT.b[i].attempts, 0);
        ASSERT_CONTAINS(WT.b[i].msg, "leader is unknown");
    }
    ASSERT_OK(WT.b[1].err);
    char *log = batch_log();
    ASSERT_TRUE(strstr(log, "bucket=0") == NULL);
    free(log);
    wt_stop();
}

/* The leader goes away after the client learnt it: the batches are sent and
 * refused with NOT_LEADER_OR_FOLLOWER, which proves they were not written, so
 * they too end with TIMEOUT (not WRITE_IN_DOUBT), naming the last error. */
TEST(leader_gone_refused_batches_time_out_as_not_written) {
    start(2, 400);
    char err[256];
    ASSERT_OK(kfb_fts_move_leader(WT.s, WT.table_id, -1, 0, -1, err, sizeof err));
    int ids[2];
    submit_three(ids);
    wt_assert_one_callback_each();
    ASSERT_ERR(WT.b[0].err, KFB_ERR_TIMEOUT);
    ASSERT_GE_INT(WT.b[0].attempts, 1);
    ASSERT_EQ_INT(WT.b[0].ferr, KFB_FLUSS_NOT_LEADER_OR_FOLLOWER);
    ASSERT_CONTAINS(WT.b[0].msg, "last error NOT_LEADER_OR_FOLLOWER");
    ASSERT_ERR(WT.b[2].err, KFB_ERR_TIMEOUT);
    ASSERT_OK(WT.b[1].err);
    wt_sends_t s = wt_sends_of(WT.b[0].crc);
    ASSERT_EQ_INT(s.applied, 0);
    ASSERT_EQ_INT(s.refused, s.n);
    wt_stop();
}

/* A partition name whose lookups are never answered: each batch waiting on it
 * times out with the partition named. */
TEST(unresolvable_partition_delivery_timeout) {
    start(2, 400);
    int64_t pt = open_partitioned();
    kfb_fts_fault_t f = kfb_fts_fault_default(KFB_FTS_FAULT_NO_RESPONSE);
    f.api_key = API_GET_METADATA;
    f.count = -1;
    wt_inject(f);
    uint8_t *batch;
    size_t len;
    batch = kfb_test_unhex(KFB_TC_BATCH_94, &len);
    WT.nb = 3;
    for (intptr_t i = 0; i < 3; i++)
        ASSERT_OK(kfb_fluss_client_submit_to_partition(WT.c, pt, "2024", 1, NULL, NULL, 0,
                                                       (int32_t)(i % 2), batch, len, (void *)i));
    ASSERT_OK(kfb_fluss_client_flush(WT.c, 10000));
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ_INT(WT.b[i].callbacks, 1);
        ASSERT_ERR(WT.b[i].err, KFB_ERR_TIMEOUT);
        ASSERT_CONTAINS(WT.b[i].msg, "partition \"2024\" of db.pt");
        ASSERT_CONTAINS(WT.b[i].msg, "delivery_timeout_ms=400");
    }
    ASSERT_EQ_INT(WT.ndeliv, 3);
    ASSERT_EQ_INT(kfb_fluss_client_outstanding(WT.c), 0);
    free(batch);
    wt_stop();
}
