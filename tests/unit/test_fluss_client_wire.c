/* test_fluss_client_wire.c - the request frames the Fluss client actually puts
 * on the wire, captured at the test server (kfb_fts_last_request: the payload
 * after the 4-byte length prefix) and compared with bytes derived by hand from
 * the protocol rules, not from our encoders:
 *
 *   request header (fluss-protocol.md §1; Java MessageCodec / ApiMessage):
 *     int16 BE api_key, int16 BE api_version, int32 BE request_id, body
 *   body: protobuf (proto2) of proto/fluss_api.proto (FlussApi.proto), fields in
 *     field-number order, tag = field << 3 | wire type, int32 -1 as a 10-byte
 *     varint, lengths as varints.
 *
 * The KV batch inside PutKv is the §9.4 golden batch (KFB_TC_BATCH_94: writer 7,
 * sequence 0, CRC computed with Java's CRC32C): the server hands out writer ids
 * from 0, so 7 InitWriter calls made beforehand by a raw client make the
 * bridge's client writer 7 and its first batch of a bucket sequence 0, so the
 * restamped batch must come out byte-identical to the golden one.
 *
 * Negotiated versions: the test server offers PutKv 0..2, Lookup 0..1,
 * InitWriter/Authenticate/ApiVersions 0..0 (fluss_ts_dispatch.c), our client
 * supports PutKv 0..2 and Lookup 0..1 (rpc_frame.h): the highest common one. */
#include <unistd.h>

#include "fluss_api.pb-c.h"
#include "fluss_client.h"
#include "fluss_errors.h"
#include "fluss_test_server.h"
#include "fluss_ts_client.h"
#include "harness.h"

#define API_VERSIONS 1000
#define API_PUT_KV 1016
#define API_LOOKUP 1017
#define API_INIT_WRITER 1026
#define API_AUTHENTICATE 1038

/* A partitioned table whose value row matches the §9.4 batch: (id INT, dt
 * STRING), primary key (id, dt), partitioned by dt, so the physical key is id
 * and the upsert (1, "a") belongs to partition "a". */
static const char *PT_DESC =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
    "{\"name\":\"dt\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false},\"id\":1}],"
    "\"primary_key\":[\"id\",\"dt\"],\"highest_field_id\":1},"
    "\"partition_key\":[\"dt\"],\"properties\":{},\"custom_properties\":{}}";

static int delivered, failed;

static void on_delivery(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *r, void *op) {
    (void)c;
    (void)op;
    delivered++;
    if (r->err) {
        failed++;
        fprintf(stderr, "batch failed: %s\n", r->message);
    }
}

static kfb_fts_t *server(const char *user, const char *pass) {
    kfb_fts_config_t cfg = {0};
    cfg.n_tablet_servers = 1;
    cfg.sasl_username = user;
    cfg.sasl_password = pass;
    char err[512];
    kfb_fts_t *s = kfb_fluss_test_server_start(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "test server: %s\n", err);
        abort();
    }
    return s;
}

static kfb_fluss_client_t *client(kfb_fts_t *s, const char *user, const char *pass) {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = kfb_fts_bootstrap(s);
    conf.client_name = "kfb";
    conf.client_version = "9.8";
    conf.sasl_username = user;
    conf.sasl_password = pass;
    conf.delivery_cb = on_delivery;
    char err[512];
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, err, sizeof err);
    if (!c) {
        fprintf(stderr, "client: %s\n", err);
        abort();
    }
    return c;
}

/* The last `api` request must be hdr_hex (4 bytes: api key, version), any
 * request id >= 0, then exactly body_hex. */
static void assert_frame(kfb_fts_t *s, int api, const char *hdr_hex, const char *body_hex) {
    size_t n;
    uint8_t *got = kfb_fts_last_request(s, api, &n);
    ASSERT_TRUE(got != NULL);
    ASSERT_TRUE(n >= 8);
    ASSERT_HEX(got, 4, hdr_hex);
    int32_t request_id = (int32_t)((uint32_t)got[4] << 24 | (uint32_t)got[5] << 16 |
                                   (uint32_t)got[6] << 8 | got[7]);
    ASSERT_GE_INT(request_id, 0);
    ASSERT_HEX(got + 8, n - 8, body_hex);
    free(got);
}

/* 7 InitWriter calls on a raw connection: the client's writer id becomes 7. */
static void burn_writer_ids(kfb_fts_t *s) {
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    ASSERT_TRUE(fd >= 0);
    for (int i = 0; i < 7; i++) {
        Fluss__InitWriterRequest rq = FLUSS__INIT_WRITER_REQUEST__INIT;
        ProtobufCMessage *m = kfb_tc_call(fd, API_INIT_WRITER, 0, i + 1, &rq.base,
                                          &fluss__init_writer_response__descriptor);
        ASSERT_TRUE(m != NULL);
        ASSERT_EQ_INT(((Fluss__InitWriterResponse *)m)->writer_id, i);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    close(fd);
}

#define ACKS_MINUS_1 "08 ff ff ff ff ff ff ff ff ff 01"  /* field 1 varint, int32 -1 */
#define TIMEOUT_30000 "18 b0 ea 01"                      /* field 3 varint 30000 */
#define AGG_MODE_0 "30 00"                               /* field 6 varint 0 */

TEST(wire_api_versions_init_writer_put_kv_lookup) {
    kfb_fts_t *s = server(NULL, NULL);
    char err[512];
    int64_t tid;
    ASSERT_OK(kfb_fts_add_table(s, "db", "users", KFB_TC_USERS_DESC, 1, NULL, &tid, err,
                                sizeof err));
    ASSERT_EQ_INT(tid, 1);
    burn_writer_ids(s);
    kfb_fluss_client_t *c = client(s, NULL, NULL);
    kfb_fluss_table_info_t *ti;
    ASSERT_OK(kfb_fluss_client_get_table(c, "db", "users", 10000, &ti, err, sizeof err));
    kfb_fluss_table_info_free(ti);

    /* ApiVersions v0: 1: "kfb", 2: "9.8" (our configured names) */
    assert_frame(s, API_VERSIONS, "03 e8 00 00", "0a 03 6b 66 62 12 03 39 2e 38");

    size_t blen;
    uint8_t *batch = kfb_test_unhex(KFB_TC_BATCH_94, &blen);
    ASSERT_EQ_INT(blen, 44);
    ASSERT_OK(kfb_fluss_client_submit(c, tid, -1, 0, batch, blen, NULL));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(failed, 0);
    ASSERT_EQ_INT(kfb_fluss_client_writer_id(c), 7);

    /* InitWriter v0: 1: PbTablePath{1: "db", 2: "users"} (the opened tables) */
    assert_frame(s, API_INIT_WRITER, "04 02 00 00", "0a 0b 0a 02 64 62 12 05 75 73 65 72 73");
    /* PutKv v2: acks -1, table_id 1, timeout_ms 30000, one bucket entry
     * {2: bucket 0, 3: the 44-byte batch} (no partition id), agg_mode 0 */
    assert_frame(s, API_PUT_KV, "03 f8 00 02",
                 ACKS_MINUS_1 " 10 01 " TIMEOUT_30000 " 2a 30 10 00 1a 2c " KFB_TC_BATCH_94
                 " " AGG_MODE_0);

    /* Lookup v1: 1: table_id 1, 2: {2: bucket 0, 3: key 0x01 (INT 1)} */
    const uint8_t key[1] = {0x01};
    const uint8_t *keys[1] = {key};
    size_t kl[1] = {1};
    uint8_t *vals[1];
    size_t vl[1];
    ASSERT_OK(kfb_fluss_client_lookup(c, tid, -1, 0, keys, kl, 1, 10000, vals, vl, NULL, err,
                                      sizeof err));
    ASSERT_HEX(vals[0], vl[0], "00 01 01 61"); /* the row of the batch: (1, "a") */
    free(vals[0]);
    assert_frame(s, API_LOOKUP, "03 f9 00 01", "08 01 12 05 10 00 1a 01 01");

    free(batch);
    kfb_fluss_client_destroy(c);
    kfb_fluss_test_server_stop(s);
}

TEST(wire_put_kv_carries_partition_id) {
    kfb_fts_t *s = server(NULL, NULL);
    char err[512];
    int64_t tid, pid;
    ASSERT_OK(kfb_fts_add_table(s, "db", "pt", PT_DESC, 1, NULL, &tid, err, sizeof err));
    ASSERT_OK(kfb_fts_add_partition(s, "db", "pt", "a", &pid, err, sizeof err));
    ASSERT_EQ_INT(tid, 1);
    ASSERT_EQ_INT(pid, 1);
    burn_writer_ids(s);
    kfb_fluss_client_t *c = client(s, NULL, NULL);
    kfb_fluss_table_info_t *ti;
    ASSERT_OK(kfb_fluss_client_get_table(c, "db", "pt", 10000, &ti, err, sizeof err));
    kfb_fluss_table_info_free(ti);
    int64_t got_pid = -1;
    ASSERT_OK(kfb_fluss_client_resolve_partition(c, tid, "a", 0, NULL, NULL, 0, 10000, &got_pid,
                                                 err, sizeof err));
    ASSERT_EQ_INT(got_pid, pid);
    size_t blen;
    uint8_t *batch = kfb_test_unhex(KFB_TC_BATCH_94, &blen);
    ASSERT_OK(kfb_fluss_client_submit(c, tid, pid, 0, batch, blen, NULL));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(failed, 0);
    /* bucket entry {1: partition_id 1, 2: bucket 0, 3: batch} */
    assert_frame(s, API_PUT_KV, "03 f8 00 02",
                 ACKS_MINUS_1 " 10 01 " TIMEOUT_30000 " 2a 32 08 01 10 00 1a 2c " KFB_TC_BATCH_94
                 " " AGG_MODE_0);
    free(batch);
    kfb_fluss_client_destroy(c);
    kfb_fluss_test_server_stop(s);
}

TEST(wire_authenticate_sasl_plain) {
    kfb_fts_t *s = server("admin", "secret");
    char err[512];
    ASSERT_OK(kfb_fts_add_table(s, "db", "users", KFB_TC_USERS_DESC, 1, NULL, NULL, err,
                                sizeof err));
    kfb_fluss_client_t *c = client(s, "admin", "secret");
    kfb_fluss_table_info_t *ti;
    ASSERT_OK(kfb_fluss_client_get_table(c, "db", "users", 10000, &ti, err, sizeof err));
    kfb_fluss_table_info_free(ti);
    /* Authenticate v0: 1: "PLAIN", 2: RFC 4616 token "" NUL "admin" NUL "secret" */
    assert_frame(s, API_AUTHENTICATE, "04 0e 00 00",
                 "0a 05 50 4c 41 49 4e 12 0d 00 61 64 6d 69 6e 00 73 65 63 72 65 74");
    kfb_fluss_client_destroy(c);
    kfb_fluss_test_server_stop(s);
}

/* A server's error code is untrusted: the extremes of int32 name "UNKNOWN" and
 * never index outside the table (INT32_MAX once overflowed code + 1; found by
 * fuzz_fluss_conn through a SERVER_FAILURE frame). */
TEST(fluss_error_names_of_extreme_codes) {
    ASSERT_STREQ(kfb_fluss_err_name(INT32_MAX), kfb_fluss_err_name(-1));
    ASSERT_STREQ(kfb_fluss_err_name(INT32_MIN), kfb_fluss_err_name(-1));
    ASSERT_STREQ(kfb_fluss_err_name(-2), kfb_fluss_err_name(-1));
    ASSERT_STREQ(kfb_fluss_err_name(12), "NOT_LEADER_OR_FOLLOWER");
    ASSERT_EQ_INT(kfb_fluss_err_class(INT32_MAX), kfb_fluss_err_class(-1));
}
