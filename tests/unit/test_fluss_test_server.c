/* test_fluss_test_server.c - the Fluss test server driven over loopback with
 * hand-built frames: handshake, metadata, table info, InitWriter, PutKv apply,
 * idempotence, validation errors, routing and framing behaviours of the Java
 * server (fluss-protocol.md §1.5, §4.3, §10, §16).
 *
 * Golden input: the 44-byte KV batch of fluss-protocol.md §9.4 (derived; its CRC
 * was computed with Java's CRC32C): table (id INTEGER NOT NULL PK, name STRING),
 * schema 1, writer 7, sequence 0, upsert (1, "a"), delete id=2. Value rows are
 * hand-encoded per §6.2 (bitmap byte, varint INT, varint length + UTF-8). */
#include <unistd.h>

#include "fluss_api.pb-c.h"
#include "fluss_test_server.h"
#include "fluss_ts_asserts.h"
#include "fluss_ts_client.h"
#include "harness.h"
#include "bucketing.h"
#include "kv_batch.h"

static kfb_fts_t *start_server(int ntablets) {
    kfb_fts_config_t cfg = {0};
    cfg.n_tablet_servers = ntablets;
    char err[256];
    kfb_fts_t *s = kfb_fluss_test_server_start(&cfg, err, sizeof(err));
    if (!s) fprintf(stderr, "start: %s\n", err);
    return s;
}

static int64_t add_users(kfb_fts_t *s, int buckets, const int *leaders) {
    char err[256];
    int64_t id = -1;
    kfb_err_t e = kfb_fts_add_table(s, "demo", "users", KFB_TC_USERS_DESC, buckets, leaders, &id, err,
                                    sizeof(err));
    if (e != KFB_ERR_OK) fprintf(stderr, "add_table: %s\n", err);
    return id;
}

/* One PutKv with a single bucket; returns the unpacked response (caller frees). */
static Fluss__PutKvResponse *put_kv(int fd, int32_t req_id, int64_t table_id, int32_t bucket,
                                    const uint8_t *batch, size_t len) {
    Fluss__PbPutKvReqForBucket b = FLUSS__PB_PUT_KV_REQ_FOR_BUCKET__INIT;
    b.bucket_id = bucket;
    b.records.data = (uint8_t *)batch;
    b.records.len = len;
    Fluss__PbPutKvReqForBucket *pb[] = {&b};
    Fluss__PutKvRequest r = FLUSS__PUT_KV_REQUEST__INIT;
    r.acks = -1;
    r.table_id = table_id;
    r.timeout_ms = 30000;
    r.n_buckets_req = 1;
    r.buckets_req = pb;
    r.has_agg_mode = 1;
    return (Fluss__PutKvResponse *)kfb_tc_call(fd, KFB_API_PUT_KV, 2, req_id, &r.base,
                                               &fluss__put_kv_response__descriptor);
}

/* Per-bucket outcome of a single-bucket PutKv: the error code, or 0 with *leo set. */
static int put_code(int fd, int32_t req_id, int64_t table_id, int32_t bucket,
                    const uint8_t *batch, size_t len, int64_t *leo) {
    Fluss__PutKvResponse *r = put_kv(fd, req_id, table_id, bucket, batch, len);
    if (!r) return INT32_MIN;
    int code = INT32_MIN;
    if (r->n_buckets_resp == 1 && r->buckets_resp[0]->bucket_id == bucket) {
        code = r->buckets_resp[0]->has_error_code ? r->buckets_resp[0]->error_code : 0;
        if (!r->buckets_resp[0]->has_error_code && leo) *leo = r->buckets_resp[0]->log_end_offset;
        if (!r->buckets_resp[0]->has_error_code && !r->buckets_resp[0]->has_log_end_offset)
            code = INT32_MIN;
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return code;
}

/* A batch of the users table built with the project's builder; rows hand-encoded. */
typedef struct rec {
    uint8_t key[8];
    size_t klen;
    const char *row_hex; /* NULL = delete */
} rec_t;

static uint8_t *make_batch(int64_t writer, int32_t seq, int schema_id, const rec_t *recs, size_t n,
                           size_t *len) {
    char err[128];
    kfb_kv_batch_builder_t *b = kfb_kv_batch_builder_new(schema_id, 1 << 16, err, sizeof(err));
    for (size_t i = 0; i < n; i++) {
        size_t vl = 0;
        uint8_t *v = recs[i].row_hex ? kfb_test_unhex(recs[i].row_hex, &vl) : NULL;
        kfb_kv_batch_append(b, recs[i].key, recs[i].klen, v, vl);
        free(v);
    }
    kfb_kv_batch_set_writer_state(b, writer, seq);
    const uint8_t *p;
    kfb_kv_batch_build(b, &p, len);
    uint8_t *copy = malloc(*len);
    memcpy(copy, p, *len);
    kfb_kv_batch_builder_destroy(b);
    return copy;
}

static Fluss__ApiVersionsRequest api_versions_req(void) {
    Fluss__ApiVersionsRequest q = FLUSS__API_VERSIONS_REQUEST__INIT;
    q.client_software_name = "kfb-test";
    q.client_software_version = "0";
    return q;
}

/* Sends ApiVersions with `id` and returns the request id of the first frame that
 * comes back: proves that nothing was answered for an earlier request. */
static int32_t next_response_id(int fd, int32_t id) {
    Fluss__ApiVersionsRequest q = api_versions_req();
    if (kfb_tc_send(fd, KFB_API_API_VERSIONS, 0, id, &q.base) != 0) return INT32_MIN;
    kfb_tc_frame_t f;
    if (kfb_tc_recv(fd, &f) != 1) return INT32_MIN;
    int32_t rid = f.resp.request_id;
    kfb_tc_frame_free(&f);
    return rid;
}

TEST(api_versions_per_role) {
    kfb_fts_t *s = start_server(1);
    ASSERT_TRUE(s != NULL);
    int fds[2] = {kfb_tc_connect(kfb_fts_port(s, KFB_FTS_COORDINATOR)),
                  kfb_tc_connect(kfb_fts_port(s, 0))};
    for (int k = 0; k < 2; k++) {
        ASSERT_TRUE(fds[k] >= 0);
        Fluss__ApiVersionsRequest q = api_versions_req();
        Fluss__ApiVersionsResponse *r = (Fluss__ApiVersionsResponse *)kfb_tc_call(
            fds[k], KFB_API_API_VERSIONS, 0, 7, &q.base, &fluss__api_versions_response__descriptor);
        ASSERT_TRUE(r != NULL);
        ASSERT_TRUE(r->has_server_type);
        ASSERT_EQ_INT(r->server_type, k == 0 ? 1 : 2);
        int put = -1, create = -1;
        for (size_t i = 0; i < r->n_api_versions; i++) {
            if (r->api_versions[i]->api_key == KFB_API_PUT_KV) put = r->api_versions[i]->max_version;
            if (r->api_versions[i]->api_key == KFB_API_CREATE_TABLE) create = 1;
        }
        /* PutKv only on tablet servers (v0..2), CreateTable only on the coordinator. */
        ASSERT_EQ_INT(put, k == 0 ? -1 : 2);
        ASSERT_EQ_INT(create, k == 0 ? 1 : -1);
        protobuf_c_message_free_unpacked(&r->base, NULL);
        close(fds[k]);
    }
    kfb_fluss_test_server_stop(s);
}

TEST(metadata_nodes_and_leaders) {
    kfb_fts_t *s = start_server(2);
    int leaders[3] = {1, 0, 1};
    int64_t id = add_users(s, 3, leaders);
    ASSERT_EQ_INT(id, 1);
    int fd = kfb_tc_connect(kfb_fts_port(s, 1));
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "demo";
    tp.table_name = "users";
    Fluss__PbTablePath *ptp[] = {&tp};
    Fluss__MetadataRequest q = FLUSS__METADATA_REQUEST__INIT;
    q.n_table_path = 1;
    q.table_path = ptp;
    Fluss__MetadataResponse *r = (Fluss__MetadataResponse *)kfb_tc_call(
        fd, KFB_API_GET_METADATA, 0, 1, &q.base, &fluss__metadata_response__descriptor);
    ASSERT_TRUE(r != NULL);
    ASSERT_TRUE(r->coordinator_server != NULL);
    ASSERT_EQ_INT(r->coordinator_server->port, kfb_fts_port(s, KFB_FTS_COORDINATOR));
    ASSERT_STREQ(r->coordinator_server->host, "127.0.0.1");
    ASSERT_EQ_INT(r->n_tablet_servers, 2);
    ASSERT_EQ_INT(r->tablet_servers[1]->node_id, 1);
    ASSERT_EQ_INT(r->tablet_servers[1]->port, kfb_fts_port(s, 1));
    ASSERT_EQ_INT(r->n_table_metadata, 1);
    Fluss__PbTableMetadata *tm = r->table_metadata[0];
    ASSERT_EQ_INT(tm->table_id, 1);
    ASSERT_EQ_INT(tm->schema_id, 1);
    ASSERT_EQ_INT(tm->n_bucket_metadata, 3);
    for (int b = 0; b < 3; b++) {
        ASSERT_EQ_INT(tm->bucket_metadata[b]->bucket_id, b);
        ASSERT_TRUE(tm->bucket_metadata[b]->has_leader_id);
        ASSERT_EQ_INT(tm->bucket_metadata[b]->leader_id, leaders[b]);
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);

    /* §4.3: a listed table that does not exist fails the whole request with 7. */
    tp.table_name = "nope";
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_GET_METADATA, 0, 2, &q.base), 7);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(get_table_info_normalises_descriptor) {
    kfb_fts_t *s = start_server(1);
    add_users(s, 4, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, KFB_FTS_COORDINATOR));
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "demo";
    tp.table_name = "users";
    Fluss__GetTableInfoRequest q = FLUSS__GET_TABLE_INFO_REQUEST__INIT;
    q.table_path = &tp;
    Fluss__GetTableInfoResponse *r = (Fluss__GetTableInfoResponse *)kfb_tc_call(
        fd, KFB_API_GET_TABLE_INFO, 0, 1, &q.base, &fluss__get_table_info_response__descriptor);
    ASSERT_TRUE(r != NULL);
    ASSERT_EQ_INT(r->table_id, 1);
    ASSERT_EQ_INT(r->schema_id, 1);
    char *json = strndup((const char *)r->table_json.data, r->table_json.len);
    /* The coordinator fills bucket_key (= PK), bucket_count and kv format version 2
     * (CoordinatorService.applySystemDefaults, TableDescriptor.normalizeDistribution). */
    ASSERT_CONTAINS(json, "\"bucket_key\":[\"id\"],\"bucket_count\":4");
    ASSERT_CONTAINS(json, "\"table.kv.format-version\":\"2\"");
    ASSERT_CONTAINS(json, "\"partition_key\":[]");
    free(json);
    protobuf_c_message_free_unpacked(&r->base, NULL);

    Fluss__GetTableSchemaRequest sq = FLUSS__GET_TABLE_SCHEMA_REQUEST__INIT;
    sq.table_path = &tp;
    Fluss__GetTableSchemaResponse *sr = (Fluss__GetTableSchemaResponse *)kfb_tc_call(
        fd, KFB_API_GET_TABLE_SCHEMA, 0, 2, &sq.base, &fluss__get_table_schema_response__descriptor);
    ASSERT_TRUE(sr != NULL);
    ASSERT_EQ_INT(sr->schema_id, 1);
    ASSERT_TRUE(sr->schema_json.len > 10 && sr->schema_json.data[0] == '{');
    protobuf_c_message_free_unpacked(&sr->base, NULL);

    tp.table_name = "missing";
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_GET_TABLE_INFO, 0, 3, &q.base), 7);
    /* §16: GetTableSchema of a missing table answers SCHEMA_NOT_EXIST, not 7. */
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_GET_TABLE_SCHEMA, 0, 4, &sq.base), 9);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(init_writer_on_tablet_only) {
    kfb_fts_t *s = start_server(1);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    Fluss__InitWriterRequest q = FLUSS__INIT_WRITER_REQUEST__INIT;
    Fluss__InitWriterResponse *a = (Fluss__InitWriterResponse *)kfb_tc_call(
        fd, KFB_API_INIT_WRITER, 0, 1, &q.base, &fluss__init_writer_response__descriptor);
    Fluss__InitWriterResponse *b = (Fluss__InitWriterResponse *)kfb_tc_call(
        fd, KFB_API_INIT_WRITER, 0, 2, &q.base, &fluss__init_writer_response__descriptor);
    ASSERT_TRUE(a && b);
    ASSERT_EQ_INT(b->writer_id, a->writer_id + 1);
    protobuf_c_message_free_unpacked(&a->base, NULL);
    protobuf_c_message_free_unpacked(&b->base, NULL);
    close(fd);
    /* Misrouted to the coordinator: no response at all (§1.5, ApiManager). */
    fd = kfb_tc_connect(kfb_fts_port(s, KFB_FTS_COORDINATOR));
    kfb_test_log_capture_start();
    ASSERT_EQ_INT(kfb_tc_send(fd, KFB_API_INIT_WRITER, 0, 10, &q.base), 0);
    ASSERT_EQ_INT(next_response_id(fd, 11), 11);
    ASSERT_CONTAINS(kfb_test_log_captured(), "Received unknown API key 1026 on the coordinator");
    kfb_test_log_capture_stop();
    close(fd);
    ASSERT_EQ_INT(stats_of(s).dropped, 1);
    kfb_fluss_test_server_stop(s);
}

TEST(put_kv_golden_batch_applies_and_dumps) {
    kfb_fts_t *s = start_server(1);
    int64_t id = add_users(s, 1, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    size_t n;
    uint8_t *batch = kfb_test_unhex(KFB_TC_BATCH_94, &n);
    ASSERT_EQ_INT(n, 44);
    int64_t leo = -1;
    ASSERT_EQ_INT(put_code(fd, 1, id, 0, batch, n, &leo), 0);
    /* one insert -> 1 changelog record; deleting an absent key adds none */
    ASSERT_EQ_INT(leo, 1);
    assert_users_dump(s, "\"row_count\":1,\"rows\":{\"01\":{\"id\": 1, \"name\": \"a\"}}");
    assert_users_dump(s, "\"log_end_offset\":1");
    ASSERT_EQ_INT(stats_of(s).batches_applied, 1);
    ASSERT_EQ_INT(stats_of(s).records_applied, 2);
    free(batch);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(changelog_offsets_insert_update_delete) {
    kfb_fts_t *s = start_server(1);
    int64_t id = add_users(s, 1, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    /* insert 1 (+1), update 1 (+2: UPDATE_BEFORE/AFTER), delete 1 (+1) = 4 */
    rec_t recs[] = {{{0x01}, 1, "00 01 01 61"}, {{0x01}, 1, "00 01 01 62"}, {{0x01}, 1, NULL}};
    size_t n;
    uint8_t *b = make_batch(-1, -1, 1, recs, 3, &n);
    int64_t leo = -1;
    ASSERT_EQ_INT(put_code(fd, 1, id, 0, b, n, &leo), 0);
    ASSERT_EQ_INT(leo, 4);
    free(b);
    /* a batch that changes nothing still takes one offset (empty changelog batch) */
    rec_t del[] = {{{0x05}, 1, NULL}};
    b = make_batch(-1, -1, 1, del, 1, &n);
    ASSERT_EQ_INT(put_code(fd, 2, id, 0, b, n, &leo), 0);
    ASSERT_EQ_INT(leo, 5);
    free(b);
    assert_users_dump(s, "\"rows\":{}");
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(duplicate_batch_acknowledged_not_applied) {
    kfb_fts_t *s = start_server(1);
    int64_t id = add_users(s, 1, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    size_t n;
    uint8_t *b0 = kfb_test_unhex(KFB_TC_BATCH_94, &n); /* writer 7 seq 0: upsert (1,"a") */
    int64_t leo0 = -1, leo1 = -1, leo2 = -1;
    ASSERT_EQ_INT(put_code(fd, 1, id, 0, b0, n, &leo0), 0);
    rec_t del[] = {{{0x01}, 1, NULL}};
    size_t n1;
    uint8_t *b1 = make_batch(7, 1, 1, del, 1, &n1);
    ASSERT_EQ_INT(put_code(fd, 2, id, 0, b1, n1, &leo1), 0);
    ASSERT_EQ_INT(leo1, 2);
    /* Resending seq 0: success with its original offset, and key 1 stays deleted. */
    ASSERT_EQ_INT(put_code(fd, 3, id, 0, b0, n, &leo2), 0);
    ASSERT_EQ_INT(leo2, leo0);
    assert_users_dump(s, "\"rows\":{}");
    ASSERT_EQ_INT(stats_of(s).duplicates, 1);
    ASSERT_EQ_INT(stats_of(s).batches_applied, 2);
    free(b0);
    free(b1);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(only_last_five_batches_are_duplicates) {
    kfb_fts_t *s = start_server(1);
    int64_t id = add_users(s, 1, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    rec_t r[] = {{{0x01}, 1, "00 01 01 61"}};
    for (int seq = 0; seq < 6; seq++) {
        size_t n;
        uint8_t *b = make_batch(3, seq, 1, r, 1, &n);
        ASSERT_EQ_INT(put_code(fd, seq, id, 0, b, n, NULL), 0);
        free(b);
    }
    size_t n;
    uint8_t *b = make_batch(3, 1, 1, r, 1, &n); /* still retained (seqs 1..5) */
    ASSERT_EQ_INT(put_code(fd, 10, id, 0, b, n, NULL), 0);
    free(b);
    b = make_batch(3, 0, 1, r, 1, &n); /* evicted: now out of order */
    ASSERT_EQ_INT(put_code(fd, 11, id, 0, b, n, NULL), 31);
    free(b);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(sequence_gap_and_new_writer_rules) {
    kfb_fts_t *s = start_server(1);
    int64_t id = add_users(s, 1, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    rec_t r[] = {{{0x01}, 1, "00 01 01 61"}};
    size_t n;
    uint8_t *b = make_batch(9, 1, 1, r, 1, &n); /* unknown writer must start at 0 */
    ASSERT_EQ_INT(put_code(fd, 1, id, 0, b, n, NULL), 31);
    free(b);
    b = make_batch(9, 0, 1, r, 1, &n);
    ASSERT_EQ_INT(put_code(fd, 2, id, 0, b, n, NULL), 0);
    free(b);
    b = make_batch(9, 2, 1, r, 1, &n); /* gap */
    ASSERT_EQ_INT(put_code(fd, 3, id, 0, b, n, NULL), 31);
    free(b);
    /* writer -1: no checks at all, any sequence applies */
    b = make_batch(-1, 42, 1, r, 1, &n);
    ASSERT_EQ_INT(put_code(fd, 4, id, 0, b, n, NULL), 0);
    free(b);
    ASSERT_EQ_INT(kfb_fts_rejections(s, 31), 2);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(wrong_leader_and_unknown_bucket) {
    kfb_fts_t *s = start_server(2);
    int leaders[2] = {1, 1};
    int64_t id = add_users(s, 2, leaders);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    size_t n;
    uint8_t *b = kfb_test_unhex(KFB_TC_BATCH_94, &n);
    ASSERT_EQ_INT(put_code(fd, 1, id, 0, b, n, NULL), 12);
    ASSERT_EQ_INT(put_code(fd, 2, id, 5, b, n, NULL), 21);
    ASSERT_EQ_INT(put_code(fd, 3, id + 100, 0, b, n, NULL), 21);
    free(b);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(bad_crc_bad_row_wrong_bucket_rejected) {
    kfb_fts_t *s = start_server(1);
    int64_t id = add_users(s, 16, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    /* §7.5 (derived): key ac 02 (INT 300) with 16 buckets -> bucket 5. */
    rec_t r300[] = {{{0xac, 0x02}, 2, "00 ac 02 00"}};
    size_t n;
    uint8_t *b = make_batch(-1, -1, 1, r300, 1, &n);
    ASSERT_EQ_INT(put_code(fd, 1, id, 4, b, n, NULL), -1); /* wrong bucket */
    ASSERT_EQ_INT(put_code(fd, 2, id, 5, b, n, NULL), 0);
    b[6] ^= 0xff; /* CRC byte */
    ASSERT_EQ_INT(put_code(fd, 3, id, 5, b, n, NULL), 3); /* CORRUPT_MESSAGE */
    free(b);
    /* row with one column only: does not decode against the 2-column schema */
    rec_t bad[] = {{{0xac, 0x02}, 2, "00 ac 02"}};
    b = make_batch(-1, -1, 1, bad, 1, &n);
    ASSERT_EQ_INT(put_code(fd, 4, id, 5, b, n, NULL), -1);
    free(b);
    /* schema id above the latest -> SCHEMA_NOT_EXIST (KvTablet.validateSchemaId) */
    b = make_batch(-1, -1, 2, r300, 1, &n);
    ASSERT_EQ_INT(put_code(fd, 5, id, 5, b, n, NULL), 9);
    free(b);
    assert_users_dump(s, "\"row_count\":1,");
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(lenient_mode_accepts_what_fluss_accepts) {
    kfb_fts_config_t cfg = {0};
    cfg.lenient = 1;
    char err[256];
    kfb_fts_t *s = kfb_fluss_test_server_start(&cfg, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    int64_t id = add_users(s, 16, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    rec_t r300[] = {{{0xac, 0x02}, 2, "00 ac 02 00"}};
    size_t n;
    uint8_t *b = make_batch(-1, -1, 1, r300, 1, &n);
    b[6] ^= 0xff; /* §16: CRC and magic are not checked on the PutKv path */
    b[4] = 7;
    ASSERT_EQ_INT(put_code(fd, 1, id, 4, b, n, NULL), 0); /* nor the bucket of a key */
    free(b);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(put_kv_request_level_rules) {
    kfb_fts_t *s = start_server(1);
    int64_t id = add_users(s, 2, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    size_t n;
    uint8_t *b = kfb_test_unhex(KFB_TC_BATCH_94, &n);
    Fluss__PbPutKvReqForBucket e0 = FLUSS__PB_PUT_KV_REQ_FOR_BUCKET__INIT;
    e0.bucket_id = 7; /* would fail with 21, but is superseded by the next entry */
    Fluss__PbPutKvReqForBucket e1 = e0;
    e0.records.data = b;
    e0.records.len = n;
    e1.bucket_id = 7;
    Fluss__PbPutKvReqForBucket *pb[] = {&e0, &e1};
    Fluss__PutKvRequest q = FLUSS__PUT_KV_REQUEST__INIT;
    q.acks = 2; /* ReplicaManager.isRequiredAcksInvalid */
    q.table_id = id;
    q.timeout_ms = 1000;
    q.n_buckets_req = 2;
    q.buckets_req = pb;
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_PUT_KV, 2, 1, &q.base), 18);
    q.acks = 1;
    Fluss__PutKvResponse *r = (Fluss__PutKvResponse *)kfb_tc_call(
        fd, KFB_API_PUT_KV, 2, 2, &q.base, &fluss__put_kv_response__descriptor);
    ASSERT_TRUE(r != NULL);
    ASSERT_EQ_INT(r->n_buckets_resp, 1); /* §16: the same bucket twice -> last entry only */
    ASSERT_EQ_INT(r->buckets_resp[0]->error_code, 21);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    free(b);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(deletion_disabled_fails_bucket) {
    kfb_fts_t *s = start_server(1);
    const char *desc =
        "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
        "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"id\"]},"
        "\"partition_key\":[],\"properties\":{\"table.delete.behavior\":\"DISABLE\"},"
        "\"custom_properties\":{}}";
    char err[256];
    int64_t id;
    ASSERT_OK(kfb_fts_add_table(s, "demo", "nodel", desc, 1, NULL, &id, err, sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    size_t n;
    uint8_t *b = kfb_test_unhex(KFB_TC_BATCH_94, &n); /* upsert + delete */
    ASSERT_EQ_INT(put_code(fd, 1, id, 0, b, n, NULL), 57);
    char *dump = kfb_fts_dump_table_json(s, "demo", "nodel");
    ASSERT_CONTAINS(dump, "\"rows\":{}"); /* the whole bucket batch failed */
    free(dump);
    free(b);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(lookup_returns_schema_id_and_row) {
    kfb_fts_t *s = start_server(1);
    int64_t id = add_users(s, 1, NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    size_t n;
    uint8_t *b = kfb_test_unhex(KFB_TC_BATCH_94, &n);
    ASSERT_EQ_INT(put_code(fd, 1, id, 0, b, n, NULL), 0);
    free(b);
    uint8_t k1 = 0x01, k2 = 0x02;
    ProtobufCBinaryData keys[2] = {{1, &k1}, {1, &k2}};
    Fluss__PbLookupReqForBucket lb = FLUSS__PB_LOOKUP_REQ_FOR_BUCKET__INIT;
    lb.bucket_id = 0;
    lb.n_keys = 2;
    lb.keys = keys;
    Fluss__PbLookupReqForBucket *plb[] = {&lb};
    Fluss__LookupRequest q = FLUSS__LOOKUP_REQUEST__INIT;
    q.table_id = id;
    q.n_buckets_req = 1;
    q.buckets_req = plb;
    Fluss__LookupResponse *r = (Fluss__LookupResponse *)kfb_tc_call(
        fd, KFB_API_LOOKUP, 1, 2, &q.base, &fluss__lookup_response__descriptor);
    ASSERT_TRUE(r != NULL);
    ASSERT_EQ_INT(r->n_buckets_resp, 1);
    ASSERT_EQ_INT(r->buckets_resp[0]->n_values, 2);
    /* §6.6: int16 LE schema id, then the row */
    ASSERT_TRUE(r->buckets_resp[0]->values[0]->has_values);
    ASSERT_HEX(r->buckets_resp[0]->values[0]->values.data, r->buckets_resp[0]->values[0]->values.len,
               "01 00 00 01 01 61");
    ASSERT_FALSE(r->buckets_resp[0]->values[1]->has_values);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(unparsable_body_gets_no_response) {
    kfb_fts_t *s = start_server(1);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    kfb_test_log_capture_start();
    /* ApiVersionsRequest missing its required client_software_version */
    Fluss__ApiVersionsRequest q = api_versions_req();
    kfb_buf_t f = KFB_BUF_INIT;
    ASSERT_OK(kfb_rpc_encode_request(&f, KFB_API_API_VERSIONS, 0, 5, NULL, 0));
    /* body: field 1 = "x" only */
    uint8_t body[] = {0x0a, 0x01, 'x'};
    kfb_buf_append(&f, body, sizeof(body));
    f.data[3] += sizeof(body);
    ASSERT_EQ_INT(kfb_tc_send_raw(fd, f.data, f.len), 0);
    /* garbage protobuf for PutKv */
    uint8_t junk[] = {0, 0, 0, 11, 0x03, 0xf8, 0, 2, 0, 0, 0, 6, 0xff, 0xff, 0xff};
    ASSERT_EQ_INT(kfb_tc_send_raw(fd, junk, sizeof(junk)), 0);
    /* unknown api key */
    ASSERT_EQ_INT(kfb_tc_send(fd, 1999, 0, 7, &q.base), 0);
    ASSERT_EQ_INT(next_response_id(fd, 8), 8);
    ASSERT_CONTAINS(kfb_test_log_captured(), "Error while parsing request (ApiVersions");
    kfb_test_log_capture_stop();
    kfb_buf_free(&f);
    ASSERT_EQ_INT(stats_of(s).dropped, 3);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(short_frame_gets_server_failure_and_close) {
    kfb_fts_t *s = start_server(1);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    uint8_t shortf[] = {0, 0, 0, 3, 0x03, 0xe8, 0};
    ASSERT_EQ_INT(kfb_tc_send_raw(fd, shortf, sizeof(shortf)), 0);
    kfb_tc_frame_t f;
    ASSERT_EQ_INT(kfb_tc_recv(fd, &f), 1);
    ASSERT_EQ_INT(f.resp.type, KFB_RPC_RESP_SERVER_FAILURE);
    int32_t code;
    char msg[256];
    ASSERT_OK(kfb_rpc_decode_error(f.resp.body, f.resp.body_len, &code, msg, sizeof(msg)));
    ASSERT_EQ_INT(code, -1);
    kfb_tc_frame_free(&f);
    ASSERT_EQ_INT(kfb_tc_recv(fd, &f), 0); /* closed */
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(oversized_frame_gets_server_failure) {
    kfb_fts_config_t cfg = {0};
    cfg.max_request_size = 1024;
    char err[256];
    kfb_fts_t *s = kfb_fluss_test_server_start(&cfg, err, sizeof(err));
    int fd = kfb_tc_connect(kfb_fts_port(s, KFB_FTS_COORDINATOR));
    uint8_t big[] = {0, 0, 4, 0}; /* 1024 + 4 > 1024 */
    ASSERT_EQ_INT(kfb_tc_send_raw(fd, big, sizeof(big)), 0);
    kfb_tc_frame_t f;
    ASSERT_EQ_INT(kfb_tc_recv(fd, &f), 1);
    ASSERT_EQ_INT(f.resp.type, KFB_RPC_RESP_SERVER_FAILURE);
    int32_t code;
    char msg[256];
    ASSERT_OK(kfb_rpc_decode_error(f.resp.body, f.resp.body_len, &code, msg, sizeof(msg)));
    ASSERT_CONTAINS(msg, "Adjusted frame length exceeds 1024");
    kfb_tc_frame_free(&f);
    ASSERT_EQ_INT(kfb_tc_recv(fd, &f), 0);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(create_database_and_table_on_coordinator) {
    kfb_fts_t *s = start_server(1);
    int fd = kfb_tc_connect(kfb_fts_port(s, KFB_FTS_COORDINATOR));
    Fluss__CreateDatabaseRequest cd = FLUSS__CREATE_DATABASE_REQUEST__INIT;
    cd.database_name = "db1";
    ProtobufCMessage *m = kfb_tc_call(fd, KFB_API_CREATE_DATABASE, 0, 1, &cd.base,
                                      &fluss__create_database_response__descriptor);
    ASSERT_TRUE(m != NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_CREATE_DATABASE, 0, 2, &cd.base), 6);
    cd.ignore_if_exists = 1;
    m = kfb_tc_call(fd, KFB_API_CREATE_DATABASE, 0, 3, &cd.base,
                    &fluss__create_database_response__descriptor);
    ASSERT_TRUE(m != NULL);
    protobuf_c_message_free_unpacked(m, NULL);

    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "db1";
    tp.table_name = "t1";
    Fluss__CreateTableRequest ct = FLUSS__CREATE_TABLE_REQUEST__INIT;
    ct.table_path = &tp;
    ct.table_json.data = (uint8_t *)KFB_TC_USERS_DESC;
    ct.table_json.len = strlen(KFB_TC_USERS_DESC);
    m = kfb_tc_call(fd, KFB_API_CREATE_TABLE, 0, 4, &ct.base,
                    &fluss__create_table_response__descriptor);
    ASSERT_TRUE(m != NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    ASSERT_TRUE(kfb_fts_table_id(s, "db1", "t1") > 0);
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_CREATE_TABLE, 0, 5, &ct.base), 8);
    tp.database_name = "nodb";
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_CREATE_TABLE, 0, 6, &ct.base), 4);
    tp.database_name = "db1";
    tp.table_name = "t2";
    ct.table_json.data = (uint8_t *)"{\"version\":1}";
    ct.table_json.len = 13;
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_CREATE_TABLE, 0, 7, &ct.base), 15);

    Fluss__TableExistsRequest te = FLUSS__TABLE_EXISTS_REQUEST__INIT;
    tp.table_name = "t1";
    te.table_path = &tp;
    Fluss__TableExistsResponse *ter = (Fluss__TableExistsResponse *)kfb_tc_call(
        fd, KFB_API_TABLE_EXISTS, 0, 8, &te.base, &fluss__table_exists_response__descriptor);
    ASSERT_TRUE(ter && ter->exists);
    protobuf_c_message_free_unpacked(&ter->base, NULL);
    close(fd);
    /* CreateTable is a coordinator API: a tablet server does not answer it. */
    fd = kfb_tc_connect(kfb_fts_port(s, 0));
    kfb_test_log_capture_start();
    ASSERT_EQ_INT(kfb_tc_send(fd, KFB_API_CREATE_TABLE, 0, 9, &ct.base), 0);
    ASSERT_EQ_INT(next_response_id(fd, 10), 10);
    kfb_test_log_capture_stop();
    close(fd);
    kfb_fluss_test_server_stop(s);
}

/* Real Fluss 0.9.1 refuses a ROW column whose fields have no ids (they all read as -1, a
 * duplicate: Schema.checkFieldIds), found by tests/real; with ids it is accepted. */
TEST(create_table_checks_nested_field_ids) {
    kfb_fts_t *s = start_server(1);
    char err[256];
#define ROW_TABLE(ID0, ID1, FID1, FID2, HIGHEST)                                             \
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["                                 \
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}" ID0 "},"         \
    "{\"name\":\"pt\",\"data_type\":{\"type\":\"ROW\",\"fields\":["                           \
    "{\"name\":\"x\",\"field_type\":{\"type\":\"INTEGER\"}" FID1 "},"                        \
    "{\"name\":\"y\",\"field_type\":{\"type\":\"INTEGER\"}" FID2 "}]}" ID1 "}],"               \
    "\"primary_key\":[\"id\"]" HIGHEST "},\"partition_key\":[],\"bucket_key\":[\"id\"],"         \
    "\"bucket_count\":1,\"properties\":{},\"custom_properties\":{}}"
    static const char *no_ids = ROW_TABLE("", "", "", "", "");
    static const char *with_ids = ROW_TABLE(",\"id\":0", ",\"id\":1", ",\"field_id\":2",
                                            ",\"field_id\":3", ",\"highest_field_id\":3");
    static const char *dup_ids = ROW_TABLE(",\"id\":0", ",\"id\":1", ",\"field_id\":1",
                                           ",\"field_id\":3", ",\"highest_field_id\":3");
#undef ROW_TABLE
    /* tables the harness adds stand for existing ones (golden descriptors have no ids):
     * not checked; this one also creates db1 */
    ASSERT_OK(kfb_fts_add_table(s, "db1", "existing", no_ids, 0, NULL, NULL, err, sizeof err));
    int fd = kfb_tc_connect(kfb_fts_port(s, KFB_FTS_COORDINATOR));
    ProtobufCMessage *m;
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "db1";
    tp.table_name = "t1";
    Fluss__CreateTableRequest ct = FLUSS__CREATE_TABLE_REQUEST__INIT;
    ct.table_path = &tp;
    const char *refused[2] = {no_ids, dup_ids};
    for (int i = 0; i < 2; i++) {
        ct.table_json.data = (uint8_t *)refused[i];
        ct.table_json.len = strlen(refused[i]);
        ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_CREATE_TABLE, 0, 10 + i, &ct.base), 15);
        ASSERT_TRUE(kfb_fts_table_id(s, "db1", "t1") < 0);
    }
    ct.table_json.data = (uint8_t *)with_ids;
    ct.table_json.len = strlen(with_ids);
    m = kfb_tc_call(fd, KFB_API_CREATE_TABLE, 0, 12, &ct.base,
                    &fluss__create_table_response__descriptor);
    ASSERT_TRUE(m != NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    ASSERT_TRUE(kfb_fts_table_id(s, "db1", "t1") > 0);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(sasl_plain_authentication) {
    kfb_fts_config_t cfg = {0};
    cfg.sasl_username = "admin";
    cfg.sasl_password = "secret";
    char err[256];
    kfb_fts_t *s = kfb_fluss_test_server_start(&cfg, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    ASSERT_EQ_INT(next_response_id(fd, 1), 1); /* ApiVersions is allowed before auth */
    Fluss__InitWriterRequest iw = FLUSS__INIT_WRITER_REQUEST__INIT;
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_INIT_WRITER, 0, 2, &iw.base), 46);
    Fluss__AuthenticateRequest a = FLUSS__AUTHENTICATE_REQUEST__INIT;
    a.protocol = "plain"; /* matched case-insensitively */
    a.token.data = (uint8_t *)"\0admin\0wrong";
    a.token.len = 12;
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_AUTHENTICATE, 0, 3, &a.base), 46);
    a.token.data = (uint8_t *)"\0admin\0secret"; /* fluss-rust authenticate.rs vector */
    a.token.len = 13;
    Fluss__AuthenticateResponse *ar = (Fluss__AuthenticateResponse *)kfb_tc_call(
        fd, KFB_API_AUTHENTICATE, 0, 4, &a.base, &fluss__authenticate_response__descriptor);
    ASSERT_TRUE(ar != NULL);
    ASSERT_TRUE(ar->has_challenge); /* present but empty */
    ASSERT_EQ_INT(ar->challenge.len, 0);
    protobuf_c_message_free_unpacked(&ar->base, NULL);
    ProtobufCMessage *m = kfb_tc_call(fd, KFB_API_INIT_WRITER, 0, 5, &iw.base,
                                      &fluss__init_writer_response__descriptor);
    ASSERT_TRUE(m != NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(plaintext_authenticate) {
    kfb_fts_t *s = start_server(1);
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    Fluss__AuthenticateRequest a = FLUSS__AUTHENTICATE_REQUEST__INIT;
    a.protocol = "PLAIN"; /* §16: a plaintext listener only knows PLAINTEXT */
    a.token.data = (uint8_t *)"\0u\0p";
    a.token.len = 4;
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_AUTHENTICATE, 0, 1, &a.base), 46);
    a.protocol = "plaintext";
    Fluss__AuthenticateResponse *ar = (Fluss__AuthenticateResponse *)kfb_tc_call(
        fd, KFB_API_AUTHENTICATE, 0, 2, &a.base, &fluss__authenticate_response__descriptor);
    ASSERT_TRUE(ar != NULL);
    ASSERT_FALSE(ar->has_challenge);
    protobuf_c_message_free_unpacked(&ar->base, NULL);
    close(fd);
    kfb_fluss_test_server_stop(s);
}

TEST(tables_file_and_bad_config) {
    kfb_fts_config_t cfg = {0};
    cfg.n_tablet_servers = 2;
    cfg.tables_file = "tests/data/orders.tables.json";
    char err[512];
    kfb_fts_t *s = kfb_fluss_test_server_start(&cfg, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ_INT(kfb_fts_table_id(s, "shop", "orders"), 1);
    ASSERT_EQ_INT(kfb_fts_table_id(s, "demo", "users"), 2);
    char *dump = kfb_fts_dump_table_json(s, "shop", "orders");
    ASSERT_CONTAINS(dump, "{\"bucket\":1,\"leader\":1,");
    free(dump);
    /* errors name what is wrong */
    ASSERT_ERR(kfb_fts_load_tables_json(s, "{\"tables\":[{\"database\":\"d\"}]}", err,
                                        sizeof(err)), KFB_ERR_CONFIG);
    ASSERT_CONTAINS(err, "tables[0]");
    int bad_leaders[1] = {5};
    ASSERT_ERR(kfb_fts_add_table(s, "d", "t", KFB_TC_USERS_DESC, 1, bad_leaders, NULL, err, sizeof(err)),
               KFB_ERR_CONFIG);
    ASSERT_CONTAINS(err, "not a tablet server");
    kfb_fluss_test_server_stop(s);

    cfg.host = "10.0.0.1";
    ASSERT_TRUE(kfb_fluss_test_server_start(&cfg, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "loopback");
    cfg.host = NULL;
    cfg.tables_file = "tests/data/does-not-exist.json";
    ASSERT_TRUE(kfb_fluss_test_server_start(&cfg, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "does-not-exist.json");
}

/* The dispatcher without sockets (the fuzz target's path): the PutKv seed of
 * tests/fuzz/corpus/fuzz_rpc_request (ApiVersions + the §9.4 batch) is answered
 * and applied; a short frame closes the connection. */
TEST(offline_feed_bytes) {
    char err[256];
    kfb_fts_t *s = kfb_fts_new_offline(NULL, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ_INT(add_users(s, 1, NULL), 1);
    FILE *f = fopen("tests/fuzz/corpus/fuzz_rpc_request/put_kv", "rb");
    ASSERT_TRUE(f != NULL);
    uint8_t buf[512];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    ASSERT_TRUE(n > 1 && buf[0] == 0);
    ASSERT_TRUE(kfb_fts_feed_bytes(s, 0, buf + 1, n - 1) > 0);
    ASSERT_EQ_INT(kfb_fts_api_calls(s, KFB_API_PUT_KV), 1);
    assert_users_dump(s, "\"row_count\":1,");
    uint8_t shortf[] = {0, 0, 0, 2, 0x03, 0xe8};
    ASSERT_EQ_INT(kfb_fts_feed_bytes(s, 0, shortf, sizeof(shortf)), -1);
    kfb_fluss_test_server_stop(s);
}

TEST(first_row_merge_engine_and_overwrite_mode) {
    kfb_fts_t *s = start_server(1);
    const char *desc =
        "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
        "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"id\"]},"
        "\"partition_key\":[],\"properties\":{\"table.merge-engine\":\"first_row\"},"
        "\"custom_properties\":{}}";
    char err[256];
    int64_t id;
    ASSERT_OK(kfb_fts_add_table(s, "demo", "fr", desc, 1, NULL, &id, err, sizeof(err)));
    char *dump;
    int fd = kfb_tc_connect(kfb_fts_port(s, 0));
    rec_t a[] = {{{0x01}, 1, "00 01 01 61"}};
    rec_t b[] = {{{0x01}, 1, "00 01 01 62"}, {{0x01}, 1, NULL}};
    size_t n;
    int64_t leo;
    uint8_t *ba = make_batch(-1, -1, 1, a, 1, &n);
    ASSERT_EQ_INT(put_code(fd, 1, id, 0, ba, n, &leo), 0);
    ASSERT_EQ_INT(leo, 1);
    free(ba);
    /* first_row keeps "a" and ignores the delete: no change, one empty changelog batch */
    uint8_t *bb = make_batch(-1, -1, 1, b, 2, &n);
    ASSERT_EQ_INT(put_code(fd, 2, id, 0, bb, n, &leo), 0);
    ASSERT_EQ_INT(leo, 2);
    dump = kfb_fts_dump_table_json(s, "demo", "fr");
    ASSERT_CONTAINS(dump, "\"name\": \"a\"");
    free(dump);
    /* agg_mode 1 (OVERWRITE) bypasses the merge engine: update (+2) then delete (+1) */
    Fluss__PbPutKvReqForBucket e = FLUSS__PB_PUT_KV_REQ_FOR_BUCKET__INIT;
    e.records.data = bb;
    e.records.len = n;
    Fluss__PbPutKvReqForBucket *pe[] = {&e};
    Fluss__PutKvRequest q = FLUSS__PUT_KV_REQUEST__INIT;
    q.acks = -1;
    q.table_id = id;
    q.timeout_ms = 1000;
    q.n_buckets_req = 1;
    q.buckets_req = pe;
    q.has_agg_mode = 1;
    q.agg_mode = 1;
    Fluss__PutKvResponse *r = (Fluss__PutKvResponse *)kfb_tc_call(
        fd, KFB_API_PUT_KV, 2, 3, &q.base, &fluss__put_kv_response__descriptor);
    ASSERT_TRUE(r != NULL);
    ASSERT_FALSE(r->buckets_resp[0]->has_error_code);
    ASSERT_EQ_INT(r->buckets_resp[0]->log_end_offset, 5);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    dump = kfb_fts_dump_table_json(s, "demo", "fr");
    ASSERT_CONTAINS(dump, "\"rows\":{}");
    free(dump);
    free(bb);
    close(fd);
    /* first_row with deletes explicitly allowed is refused (checkDeleteBehavior) */
    const char *bad =
        "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}}],"
        "\"primary_key\":[\"id\"]},\"partition_key\":[],\"properties\":{"
        "\"table.merge-engine\":\"first_row\",\"table.delete.behavior\":\"allow\"},"
        "\"custom_properties\":{}}";
    ASSERT_ERR(kfb_fts_add_table(s, "demo", "fr2", bad, 1, NULL, NULL, err, sizeof(err)),
               KFB_ERR_CONFIG);
    ASSERT_CONTAINS(err, "does not support delete operations");
    kfb_fluss_test_server_stop(s);
}

/* Partitioned table (KFB_TC_PARTITIONED_DESC): the physical PK (and key bytes) is
 * id alone. Rows hand-encoded per §6.2. */
static Fluss__MetadataResponse *partition_metadata(int fd, int32_t id, const char *name,
                                                   int64_t pid) {
    Fluss__PbPhysicalTablePath pp = FLUSS__PB_PHYSICAL_TABLE_PATH__INIT;
    pp.database_name = "demo";
    pp.table_name = "p";
    pp.partition_name = (char *)name;
    Fluss__PbPhysicalTablePath *ppp[] = {&pp};
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "demo";
    tp.table_name = "p";
    Fluss__PbTablePath *ptp[] = {&tp};
    Fluss__MetadataRequest q = FLUSS__METADATA_REQUEST__INIT;
    q.n_table_path = 1;
    q.table_path = ptp;
    if (name) {
        q.n_partitions_path = 1;
        q.partitions_path = ppp;
    } else {
        q.n_partitions_id = 1;
        q.partitions_id = &pid;
    }
    return (Fluss__MetadataResponse *)kfb_tc_call(fd, KFB_API_GET_METADATA, 0, id, &q.base,
                                                  &fluss__metadata_response__descriptor);
}

TEST(partitioned_table) {
    kfb_fts_t *s = start_server(2);
    add_users(s, 1, NULL);
    char err[256];
    int64_t tid;
    ASSERT_OK(kfb_fts_add_table(s, "demo", "p", KFB_TC_PARTITIONED_DESC, 2, NULL, &tid, err,
                                sizeof(err)));
    int fd = kfb_tc_connect(kfb_fts_port(s, KFB_FTS_COORDINATOR));
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "demo";
    tp.table_name = "users";
    Fluss__ListPartitionInfosRequest lq = FLUSS__LIST_PARTITION_INFOS_REQUEST__INIT;
    lq.table_path = &tp;
    /* §16: ListPartitionInfos on a non-partitioned table answers 37 */
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_LIST_PARTITION_INFOS, 0, 1, &lq.base), 37);
    tp.table_name = "nope";
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_LIST_PARTITION_INFOS, 0, 2, &lq.base), 7);

    /* unknown partition -> 36, then CreatePartition */
    Fluss__PbPhysicalTablePath pp = FLUSS__PB_PHYSICAL_TABLE_PATH__INIT;
    pp.database_name = "demo";
    pp.table_name = "p";
    pp.partition_name = "2024";
    Fluss__PbPhysicalTablePath *ppp[] = {&pp};
    Fluss__MetadataRequest mq = FLUSS__METADATA_REQUEST__INIT;
    mq.n_partitions_path = 1;
    mq.partitions_path = ppp;
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_GET_METADATA, 0, 3, &mq.base), 36);
    Fluss__PbKeyValue kv = FLUSS__PB_KEY_VALUE__INIT;
    kv.key = "dt";
    kv.value = "2024";
    Fluss__PbKeyValue *pkv[] = {&kv};
    Fluss__PbPartitionSpec spec = FLUSS__PB_PARTITION_SPEC__INIT;
    spec.n_partition_key_values = 1;
    spec.partition_key_values = pkv;
    tp.table_name = "p";
    Fluss__CreatePartitionRequest cp = FLUSS__CREATE_PARTITION_REQUEST__INIT;
    cp.table_path = &tp;
    cp.partition_spec = &spec;
    ProtobufCMessage *m = kfb_tc_call(fd, KFB_API_CREATE_PARTITION, 0, 4, &cp.base,
                                      &fluss__create_partition_response__descriptor);
    ASSERT_TRUE(m != NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_CREATE_PARTITION, 0, 5, &cp.base), 42);
    cp.ignore_if_not_exists = 1; /* misnamed: "ignore if it already exists" */
    m = kfb_tc_call(fd, KFB_API_CREATE_PARTITION, 0, 6, &cp.base,
                    &fluss__create_partition_response__descriptor);
    ASSERT_TRUE(m != NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    kv.key = "nope";
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_CREATE_PARTITION, 0, 7, &cp.base), 43);
    kv.key = "dt";
    kv.value = "__x";
    ASSERT_EQ_INT(kfb_tc_call_error(fd, KFB_API_CREATE_PARTITION, 0, 8, &cp.base), 43);

    Fluss__MetadataResponse *md = partition_metadata(fd, 9, "2024", 0);
    ASSERT_TRUE(md != NULL);
    ASSERT_EQ_INT(md->n_table_metadata, 1);
    ASSERT_EQ_INT(md->table_metadata[0]->n_bucket_metadata, 0); /* per partition only */
    ASSERT_EQ_INT(md->n_partition_metadata, 1);
    int64_t pid = md->partition_metadata[0]->partition_id;
    ASSERT_STREQ(md->partition_metadata[0]->partition_name, "2024");
    ASSERT_EQ_INT(md->partition_metadata[0]->table_id, tid);
    ASSERT_EQ_INT(md->partition_metadata[0]->n_bucket_metadata, 2);
    protobuf_c_message_free_unpacked(&md->base, NULL);
    md = partition_metadata(fd, 10, NULL, pid);
    ASSERT_TRUE(md != NULL);
    ASSERT_STREQ(md->partition_metadata[0]->partition_name, "2024");
    protobuf_c_message_free_unpacked(&md->base, NULL);
    md = partition_metadata(fd, 11, NULL, pid + 50);
    ASSERT_TRUE(md == NULL);
    close(fd);
    fd = kfb_tc_connect(kfb_fts_port(s, KFB_FTS_COORDINATOR));
    Fluss__ListPartitionInfosResponse *lr = (Fluss__ListPartitionInfosResponse *)kfb_tc_call(
        fd, KFB_API_LIST_PARTITION_INFOS, 0, 12, &lq.base,
        &fluss__list_partition_infos_response__descriptor);
    ASSERT_TRUE(lr != NULL);
    ASSERT_EQ_INT(lr->n_partitions_info, 1);
    ASSERT_EQ_INT(lr->partitions_info[0]->partition_id, pid);
    ASSERT_STREQ(lr->partitions_info[0]->partition_spec->partition_key_values[0]->key, "dt");
    ASSERT_STREQ(lr->partitions_info[0]->partition_spec->partition_key_values[0]->value, "2024");
    protobuf_c_message_free_unpacked(&lr->base, NULL);
    close(fd);

    /* writes address the partition by id; key 01 (id 1) with 2 buckets */
    int bucket = kfb_bucket_fluss((const uint8_t[]){0x01}, 1, 2);
    fd = kfb_tc_connect(kfb_fts_port(s, 0));
    rec_t ok[] = {{{0x01}, 1, "00 01 04 32 30 32 34 01 61"}};
    rec_t wrong[] = {{{0x01}, 1, "00 01 04 32 30 32 35 01 62"}};
    size_t n;
    uint8_t *b = make_batch(-1, -1, 1, ok, 1, &n);
    Fluss__PbPutKvReqForBucket e = FLUSS__PB_PUT_KV_REQ_FOR_BUCKET__INIT;
    e.bucket_id = bucket;
    e.records.data = b;
    e.records.len = n;
    Fluss__PbPutKvReqForBucket *pe[] = {&e};
    Fluss__PutKvRequest q = FLUSS__PUT_KV_REQUEST__INIT;
    q.acks = -1;
    q.table_id = tid;
    q.timeout_ms = 1000;
    q.n_buckets_req = 1;
    q.buckets_req = pe;
    /* without a partition id the bucket does not exist (§12) */
    Fluss__PutKvResponse *r = (Fluss__PutKvResponse *)kfb_tc_call(
        fd, KFB_API_PUT_KV, 2, 20, &q.base, &fluss__put_kv_response__descriptor);
    ASSERT_TRUE(r != NULL);
    ASSERT_EQ_INT(r->buckets_resp[0]->error_code, 21);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    e.has_partition_id = 1;
    e.partition_id = pid;
    /* find the leader of this partition bucket from the dump */
    char *dump = kfb_fts_dump_table_json(s, "demo", "p");
    char pat[96];
    snprintf(pat, sizeof(pat), "\"partition_id\":%lld,\"bucket\":%d,\"leader\":", (long long)pid,
             bucket);
    const char *lp = strstr(dump, pat);
    ASSERT_TRUE(lp != NULL);
    int lead = atoi(lp + strlen(pat));
    free(dump);
    close(fd);
    fd = kfb_tc_connect(kfb_fts_port(s, lead));
    r = (Fluss__PutKvResponse *)kfb_tc_call(fd, KFB_API_PUT_KV, 2, 21, &q.base,
                                            &fluss__put_kv_response__descriptor);
    ASSERT_TRUE(r != NULL);
    ASSERT_FALSE(r->buckets_resp[0]->has_error_code);
    ASSERT_TRUE(r->buckets_resp[0]->has_partition_id);
    ASSERT_EQ_INT(r->buckets_resp[0]->partition_id, pid);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    free(b);
    /* strict: a row whose dt is 2025 sent to partition 2024 is rejected */
    b = make_batch(-1, -1, 1, wrong, 1, &n);
    e.records.data = b;
    e.records.len = n;
    r = (Fluss__PutKvResponse *)kfb_tc_call(fd, KFB_API_PUT_KV, 2, 22, &q.base,
                                            &fluss__put_kv_response__descriptor);
    ASSERT_TRUE(r != NULL);
    ASSERT_EQ_INT(r->buckets_resp[0]->error_code, -1);
    ASSERT_CONTAINS(r->buckets_resp[0]->error_message, "sent to partition '2024'");
    protobuf_c_message_free_unpacked(&r->base, NULL);
    free(b);
    close(fd);
    dump = kfb_fts_dump_table_json(s, "demo", "p");
    ASSERT_CONTAINS(dump, "\"rows\":{\"2024|01\":{\"id\": 1, \"dt\": \"2024\", \"name\": \"a\"}}");
    free(dump);
    kfb_fluss_test_server_stop(s);
}
