/* test_fluss_test_server_faults.c - every fault-injection knob of the Fluss test
 * server, the text control protocol, and the standalone binary.
 *
 * No test asserts on elapsed time: delays are checked through response order,
 * refused connections through connect() failing, then succeeding. The KV batch
 * is the derived 44-byte example of fluss-protocol.md §9.4 (writer 7, seq 0). */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fluss_api.pb-c.h"
#include "fluss_test_server.h"
#include "fluss_ts_asserts.h"
#include "fluss_ts_client.h"
#include "harness.h"
#include "kv_batch.h"

typedef struct fixture {
    kfb_fts_t *s;
    int64_t table_id;
    uint8_t *batch;
    size_t batch_len;
} fixture_t;

static fixture_t setup(int ntablets) {
    fixture_t f = {0};
    kfb_fts_config_t cfg = {0};
    cfg.n_tablet_servers = ntablets;
    char err[256];
    f.s = kfb_fluss_test_server_start(&cfg, err, sizeof(err));
    if (!f.s) return f;
    int leaders[1] = {0};
    if (kfb_fts_add_table(f.s, "demo", "users", KFB_TC_USERS_DESC, 1, leaders, &f.table_id, err,
                          sizeof(err)) != KFB_ERR_OK)
        fprintf(stderr, "%s\n", err);
    f.batch = kfb_test_unhex(KFB_TC_BATCH_94, &f.batch_len);
    return f;
}

static void teardown(fixture_t *f) {
    kfb_fluss_test_server_stop(f->s);
    free(f->batch);
}

static int send_put(int fd, int32_t req_id, int16_t version, const fixture_t *f) {
    Fluss__PbPutKvReqForBucket b = FLUSS__PB_PUT_KV_REQ_FOR_BUCKET__INIT;
    b.bucket_id = 0;
    b.records.data = f->batch;
    b.records.len = f->batch_len;
    Fluss__PbPutKvReqForBucket *pb[] = {&b};
    Fluss__PutKvRequest r = FLUSS__PUT_KV_REQUEST__INIT;
    r.acks = -1;
    r.table_id = f->table_id;
    r.timeout_ms = 30000;
    r.n_buckets_req = 1;
    r.buckets_req = pb;
    return kfb_tc_send(fd, KFB_API_PUT_KV, version, req_id, &r.base);
}

/* Per-bucket code of the PutKv response (0 = success), INT32_MIN on anything else. */
static int recv_put_code(int fd, int32_t req_id) {
    kfb_tc_frame_t fr;
    if (kfb_tc_recv(fd, &fr) != 1) return INT32_MIN;
    int code = INT32_MIN;
    Fluss__PutKvResponse *r = NULL;
    if (fr.resp.type == KFB_RPC_RESP_SUCCESS && fr.resp.request_id == req_id &&
        kfb_rpc_unpack(&fluss__put_kv_response__descriptor, fr.resp.body, fr.resp.body_len,
                       (ProtobufCMessage **)&r) == KFB_ERR_OK) {
        if (r->n_buckets_resp == 1)
            code = r->buckets_resp[0]->has_error_code ? r->buckets_resp[0]->error_code : 0;
        protobuf_c_message_free_unpacked(&r->base, NULL);
    }
    kfb_tc_frame_free(&fr);
    return code;
}

static int put(int fd, int32_t req_id, const fixture_t *f) {
    if (send_put(fd, req_id, 2, f) != 0) return INT32_MIN;
    return recv_put_code(fd, req_id);
}

static int row_count(fixture_t *f) {
    char *d = kfb_fts_dump_table_json(f->s, "demo", "users");
    int n = -1;
    const char *p = d ? strstr(d, "\"row_count\":") : NULL;
    if (p) n = atoi(p + 12);
    free(d);
    return n;
}

static int send_api_versions(int fd, int32_t id) {
    Fluss__ApiVersionsRequest q = FLUSS__API_VERSIONS_REQUEST__INIT;
    q.client_software_name = "t";
    q.client_software_version = "0";
    return kfb_tc_send(fd, KFB_API_API_VERSIONS, 0, id, &q.base);
}

static int32_t recv_id(int fd) {
    kfb_tc_frame_t fr;
    if (kfb_tc_recv(fd, &fr) != 1) return INT32_MIN;
    int32_t id = fr.resp.request_id;
    kfb_tc_frame_free(&fr);
    return id;
}

TEST(fault_whole_request_error_count) {
    fixture_t f = setup(1);
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    ft.api_key = KFB_API_GET_TABLE_INFO;
    ft.error_code = 44;
    ft.count = 2;
    char err[256];
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "demo";
    tp.table_name = "users";
    Fluss__GetTableInfoRequest q = FLUSS__GET_TABLE_INFO_REQUEST__INIT;
    q.table_path = &tp;
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_GET_TABLE_INFO, 0, 1, &q.base), 44);
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_GET_TABLE_INFO, 0, 2, &q.base), 44);
    ProtobufCMessage *m = kfb_tc_call(fd, KFB_API_GET_TABLE_INFO, 0, 3, &q.base,
                                      &fluss__get_table_info_response__descriptor);
    ASSERT_TRUE(m != NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    ASSERT_EQ_INT(kfb_fts_faults_pending(f.s), 0);
    ASSERT_EQ_INT(kfb_fts_rejections(f.s, 44), 2);
    close(fd);
    teardown(&f);
}

TEST(fault_per_bucket_error_not_applied) {
    fixture_t f = setup(1);
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    ft.api_key = KFB_API_PUT_KV;
    ft.table_id = f.table_id;
    ft.bucket = 0;
    ft.error_code = 12;
    char err[256];
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(put(fd, 1, &f), 12);
    ASSERT_EQ_INT(row_count(&f), 0);
    ASSERT_EQ_INT(put(fd, 2, &f), 0);
    ASSERT_EQ_INT(row_count(&f), 1);
    close(fd);
    teardown(&f);
}

TEST(fault_error_after_apply_then_duplicate) {
    fixture_t f = setup(1);
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    ft.bucket = 0;
    ft.error_code = 28; /* NOT_ENOUGH_REPLICAS_AFTER_APPEND: data already written */
    ft.after_apply = 1;
    char err[256];
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(put(fd, 1, &f), 28);
    ASSERT_EQ_INT(row_count(&f), 1);
    /* §16: the client's resend is acknowledged as a duplicate */
    ASSERT_EQ_INT(put(fd, 2, &f), 0);
    ASSERT_EQ_INT(stats_of(f.s).duplicates, 1);
    ASSERT_EQ_INT(stats_of(f.s).batches_applied, 1);
    close(fd);
    teardown(&f);
}

TEST(fault_backpressure_downgraded_for_old_versions) {
    fixture_t f = setup(1);
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    ft.bucket = 0;
    ft.error_code = 72;
    ft.count = 2;
    char err[256];
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    /* ReplicaManager.putToLocalKv: PutKv < v2 gets KV_STORAGE_EXCEPTION instead */
    ASSERT_EQ_INT(send_put(fd, 1, 1, &f), 0);
    ASSERT_EQ_INT(recv_put_code(fd, 1), 11);
    ASSERT_EQ_INT(send_put(fd, 2, 2, &f), 0);
    ASSERT_EQ_INT(recv_put_code(fd, 2), 72);
    close(fd);
    teardown(&f);
}

TEST(fault_delay_reorders_responses) {
    fixture_t f = setup(1);
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_DELAY);
    ft.api_key = KFB_API_API_VERSIONS;
    ft.delay_ms = 300;
    char err[256];
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(send_api_versions(fd, 1), 0); /* held back */
    ASSERT_EQ_INT(send_api_versions(fd, 2), 0);
    ASSERT_EQ_INT(recv_id(fd), 2);
    ASSERT_EQ_INT(recv_id(fd), 1);
    close(fd);
    teardown(&f);
}

TEST(fault_drop_before_and_after_apply) {
    fixture_t f = setup(1);
    char err[256];
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_DROP_BEFORE);
    ft.api_key = KFB_API_PUT_KV;
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(send_put(fd, 1, 2, &f), 0);
    kfb_tc_frame_t fr;
    ASSERT_EQ_INT(kfb_tc_recv(fd, &fr), 0); /* closed, no answer */
    close(fd);
    ASSERT_EQ_INT(row_count(&f), 0);

    ft.kind = KFB_FTS_FAULT_DROP_AFTER;
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(send_put(fd, 2, 2, &f), 0);
    ASSERT_EQ_INT(kfb_tc_recv(fd, &fr), 0);
    close(fd);
    ASSERT_EQ_INT(row_count(&f), 1); /* applied although never acknowledged */
    fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(put(fd, 3, &f), 0); /* the retry is a duplicate */
    ASSERT_EQ_INT(stats_of(f.s).duplicates, 1);
    close(fd);
    teardown(&f);
}

TEST(fault_server_failure_frame) {
    fixture_t f = setup(1);
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_SERVER_FAILURE);
    ft.node = 0;
    ft.error_code = 1;
    char err[256];
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(send_api_versions(fd, 1), 0);
    kfb_tc_frame_t fr;
    ASSERT_EQ_INT(kfb_tc_recv(fd, &fr), 1);
    ASSERT_EQ_INT(fr.resp.type, KFB_RPC_RESP_SERVER_FAILURE);
    ASSERT_EQ_INT(fr.resp.request_id, -1);
    int32_t code;
    ASSERT_OK(kfb_rpc_decode_error(fr.resp.body, fr.resp.body_len, &code, NULL, 0));
    ASSERT_EQ_INT(code, 1);
    kfb_tc_frame_free(&fr);
    ASSERT_EQ_INT(kfb_tc_recv(fd, &fr), 0);
    close(fd);
    teardown(&f);
}

TEST(fault_no_response_keeps_connection) {
    fixture_t f = setup(1);
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_NO_RESPONSE);
    ft.api_key = KFB_API_PUT_KV;
    char err[256];
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(send_put(fd, 1, 2, &f), 0);
    ASSERT_EQ_INT(send_api_versions(fd, 2), 0);
    ASSERT_EQ_INT(recv_id(fd), 2);
    ASSERT_EQ_INT(row_count(&f), 0);
    close(fd);
    teardown(&f);
}

TEST(fault_forever_until_cleared_and_bad_faults) {
    fixture_t f = setup(1);
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    ft.api_key = KFB_API_INIT_WRITER;
    ft.error_code = 70;
    ft.count = -1;
    char err[256];
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    Fluss__InitWriterRequest q = FLUSS__INIT_WRITER_REQUEST__INIT;
    for (int i = 0; i < 3; i++)
        ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_INIT_WRITER, 0, i, &q.base), 70);
    ASSERT_EQ_INT(kfb_fts_faults_pending(f.s), 1);
    kfb_fts_clear_faults(f.s);
    ProtobufCMessage *m = kfb_tc_call(fd, KFB_API_INIT_WRITER, 0, 9, &q.base,
                                      &fluss__init_writer_response__descriptor);
    ASSERT_TRUE(m != NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    ft.node = 5; /* only one tablet server */
    ASSERT_ERR(kfb_fts_inject(f.s, &ft, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "node 5");
    ft = kfb_fts_fault_default(KFB_FTS_FAULT_DELAY);
    ft.bucket = 0;
    ASSERT_ERR(kfb_fts_inject(f.s, &ft, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    close(fd);
    teardown(&f);
}

TEST(move_leader) {
    fixture_t f = setup(2);
    int fd0 = kfb_tc_connect(kfb_fts_port(f.s, 0));
    int fd1 = kfb_tc_connect(kfb_fts_port(f.s, 1));
    ASSERT_EQ_INT(put(fd0, 1, &f), 0);
    char err[256];
    ASSERT_OK(kfb_fts_move_leader(f.s, f.table_id, -1, 0, 1, err, sizeof(err)));
    ASSERT_EQ_INT(put(fd0, 2, &f), 12);
    /* bucket state (rows, writer state) moves with the leadership, as replicas
     * share the changelog: the resend is a duplicate on the new leader */
    ASSERT_EQ_INT(put(fd1, 3, &f), 0);
    ASSERT_EQ_INT(stats_of(f.s).duplicates, 1);
    assert_users_dump(f.s, "\"leader\":1,\"leader_epoch\":1");
    ASSERT_ERR(kfb_fts_move_leader(f.s, f.table_id, -1, 0, 7, err, sizeof(err)),
               KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_fts_move_leader(f.s, 99, -1, 0, 0, err, sizeof(err)), KFB_ERR_NOT_FOUND);
    close(fd0);
    close(fd1);
    teardown(&f);
}

TEST(refuse_connections_for_a_while) {
    fixture_t f = setup(1);
    int port = kfb_fts_port(f.s, 0);
    int old = kfb_tc_connect(port);
    ASSERT_TRUE(old >= 0);
    ASSERT_OK(kfb_fts_refuse_connections(f.s, 0, 200));
    ASSERT_EQ_INT(kfb_tc_connect(port), -1);
    kfb_tc_frame_t fr;
    ASSERT_EQ_INT(kfb_tc_recv(old, &fr), 0); /* open connections were dropped */
    close(old);
    /* the coordinator was not affected */
    int c = kfb_tc_connect(kfb_fts_port(f.s, KFB_FTS_COORDINATOR));
    ASSERT_TRUE(c >= 0);
    close(c);
    int fd = -1;
    for (int i = 0; i < 1000 && fd < 0; i++) {
        fd = kfb_tc_connect(port);
        if (fd < 0) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    ASSERT_TRUE(fd >= 0); /* the same port comes back */
    ASSERT_EQ_INT(put(fd, 1, &f), 0);
    close(fd);
    teardown(&f);
}

TEST(drop_connections_now) {
    fixture_t f = setup(1);
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(put(fd, 1, &f), 0);
    kfb_fts_drop_connections(f.s, KFB_FTS_ANY);
    kfb_tc_frame_t fr;
    ASSERT_EQ_INT(kfb_tc_recv(fd, &fr), 0);
    close(fd);
    teardown(&f);
}

TEST(lookup_per_bucket_fault) {
    fixture_t f = setup(1);
    kfb_fts_fault_t ft = kfb_fts_fault_default(KFB_FTS_FAULT_ERROR);
    ft.api_key = KFB_API_LOOKUP;
    ft.bucket = 0;
    ft.error_code = 44;
    char err[256];
    ASSERT_OK(kfb_fts_inject(f.s, &ft, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    uint8_t k = 1;
    ProtobufCBinaryData keys[1] = {{1, &k}};
    Fluss__PbLookupReqForBucket lb = FLUSS__PB_LOOKUP_REQ_FOR_BUCKET__INIT;
    lb.n_keys = 1;
    lb.keys = keys;
    Fluss__PbLookupReqForBucket *plb[] = {&lb};
    Fluss__LookupRequest q = FLUSS__LOOKUP_REQUEST__INIT;
    q.table_id = f.table_id;
    q.n_buckets_req = 1;
    q.buckets_req = plb;
    Fluss__LookupResponse *r = (Fluss__LookupResponse *)kfb_tc_call(
        fd, KFB_API_LOOKUP, 1, 1, &q.base, &fluss__lookup_response__descriptor);
    ASSERT_TRUE(r != NULL);
    ASSERT_TRUE(r->buckets_resp[0]->has_error_code);
    ASSERT_EQ_INT(r->buckets_resp[0]->error_code, 44);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    close(fd);
    teardown(&f);
}

TEST(control_protocol_commands) {
    fixture_t f = setup(2);
    char *r = kfb_fts_control(f.s, "ports");
    ASSERT_TRUE(strncmp(r, "OK coordinator=", 15) == 0);
    free(r);
    r = kfb_fts_control(f.s, "fault error api=PutKv node=0 bucket=0 code=12 count=1");
    ASSERT_STREQ(r, "OK\n");
    free(r);
    r = kfb_fts_control(f.s, "faults");
    ASSERT_STREQ(r, "OK 1\n");
    free(r);
    int fd = kfb_tc_connect(kfb_fts_port(f.s, 0));
    ASSERT_EQ_INT(put(fd, 1, &f), 12);
    ASSERT_EQ_INT(put(fd, 2, &f), 0);
    r = kfb_fts_control(f.s, "dump demo users");
    ASSERT_CONTAINS(r, "OK {\"database\":\"demo\"");
    ASSERT_CONTAINS(r, "\"row_count\":1");
    free(r);
    r = kfb_fts_control(f.s, "stats");
    ASSERT_CONTAINS(r, "\"rejections_by_code\":{\"12\":1}");
    ASSERT_CONTAINS(r, "\"PutKv\":2");
    free(r);
    r = kfb_fts_control(f.s, "move-leader 1 0 1");
    ASSERT_STREQ(r, "OK\n");
    free(r);
    ASSERT_EQ_INT(put(fd, 3, &f), 12);
    r = kfb_fts_control(f.s, "table-id demo users");
    ASSERT_STREQ(r, "OK 1\n");
    free(r);
    r = kfb_fts_control(f.s, "add-table demo t2 2 1,0 ");
    ASSERT_TRUE(strncmp(r, "ERR ", 4) == 0);
    free(r);
    char line[1024];
    snprintf(line, sizeof(line), "add-table demo t2 2 1,0 %s", KFB_TC_USERS_DESC);
    r = kfb_fts_control(f.s, line);
    ASSERT_STREQ(r, "OK 2\n");
    free(r);
    static const char *const bad[] = {"", "bogus", "fault", "fault explode",
                                      "fault error api=Nope", "fault error colour=red",
                                      "dump nodb notable", "move-leader x", "refuse 9 100",
                                      "table-id a"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = kfb_fts_control(f.s, bad[i]);
        if (strncmp(r, "ERR ", 4) != 0) fprintf(stderr, "'%s' -> %s", bad[i], r);
        ASSERT_TRUE(strncmp(r, "ERR ", 4) == 0);
        free(r);
    }
    r = kfb_fts_control(f.s, "add-partition demo users x");
    ASSERT_CONTAINS(r, "ERR Table demo.users is not partitioned");
    free(r);
    r = kfb_fts_control(f.s, "clear-faults");
    ASSERT_STREQ(r, "OK\n");
    free(r);
    close(fd);
    teardown(&f);
}

/* The standalone binary: READY line, control port, a real request, quit. */
TEST(standalone_binary) {
    const char *build = getenv("KFB_BUILD");
    char path[512];
    snprintf(path, sizeof(path), "%s/fluss-test-server", build ? build : "build/release");
    /* `make check` builds the binary before any test runs: its absence is a failure */
    if (access(path, X_OK) != 0) fprintf(stderr, "  %s is not built\n", path);
    ASSERT_EQ_INT(access(path, X_OK), 0);
    int out[2];
    ASSERT_EQ_INT(pipe(out), 0);
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(path, path, "--tables", "tests/data/orders.tables.json", "--tablet-servers", "2",
              (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char ready[512];
    size_t n = 0;
    while (n + 1 < sizeof(ready)) {
        ssize_t k = read(out[0], ready + n, 1);
        if (k <= 0 || ready[n] == '\n') break;
        n++;
    }
    ready[n] = 0;
    ASSERT_TRUE(strncmp(ready, "READY bootstrap=127.0.0.1:", 26) == 0);
    const char *cp = strstr(ready, "control="), *co = strstr(ready, "coordinator=");
    ASSERT_TRUE(cp && co);
    int ctl = kfb_tc_connect(atoi(cp + 8));
    ASSERT_TRUE(ctl >= 0);
    int fd = kfb_tc_connect(atoi(co + 12));
    ASSERT_EQ_INT(send_api_versions(fd, 5), 0);
    ASSERT_EQ_INT(recv_id(fd), 5);
    close(fd);
    const char *cmd = "table-id shop orders\nquit\n";
    ASSERT_EQ_INT(kfb_tc_send_raw(ctl, cmd, strlen(cmd)), 0);
    char reply[256];
    n = 0;
    for (;;) {
        ssize_t k = read(ctl, reply + n, sizeof(reply) - 1 - n);
        if (k <= 0) break;
        n += (size_t)k;
        if (n >= sizeof(reply) - 1 || strstr(reply, "bye")) break;
        reply[n] = 0;
    }
    reply[n] = 0;
    ASSERT_CONTAINS(reply, "OK 1\nOK bye\n");
    close(ctl);
    int status = 0;
    ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(out[0]);
}
