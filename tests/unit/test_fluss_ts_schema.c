/* test_fluss_ts_schema.c - schema versions and ALTER TABLE in the Fluss test server,
 * driven over loopback with hand-built frames, and the client's alter-table call.
 *
 * What Fluss 0.9 does (apache/fluss 545c553; {server} = fluss-server/src/main/java/
 * org/apache/fluss/server):
 *   - AlterTable (1044, coordinator): {server}/coordinator/CoordinatorService.java
 *     alterTable, MetadataManager.alterTableSchema, SchemaUpdate.addColumn (an existing
 *     name -> 56, NOT NULL -> IllegalArgumentException (-1), position other than LAST
 *     -> -1, drop/rename/modify -> SchemaChangeException (-1)), TableDescriptorValidation
 *     .validateAlterTableSchema (system columns -> 15); a new schema id per change.
 *   - GetTableSchema answers any kept id (MetadataManager.getSchemaById), 9 otherwise.
 *   - PutKv: {server}/kv/KvTablet.java putAsLeader: schema id > latest -> 9; rows are
 *     read with the batch's schema (KvRecordReadContext.getRowDecoder; id 0 has none
 *     -> 9) and stored as they came; PartialUpdater reads older rows with nulls in the
 *     columns they lack and writes the latest schema.
 *   - Lookup returns each value with its own schema id (ValueEncoder, §6.6).
 *
 * Golden bytes are written by hand from fluss-protocol.md §6.2 (CompactedRow: null
 * bitmap of ceil(n/8) bytes, bit i = column i is null; INT varint; STRING varint length +
 * UTF-8) and the protobuf wire format (tag = field << 3 | wire type), never by our
 * encoders. Table demo.users: id INT NOT NULL (PK), name STRING; after the first ALTER,
 * email STRING. One bucket, so keys (INT varint: 01, 02, 03) need no bucketing. */
#include <unistd.h>

#include "fluss_api.pb-c.h"
#include "fluss_client.h"
#include "fluss_test_server.h"
#include "fluss_ts_asserts.h"
#include "fluss_ts_client.h"
#include "harness.h"
#include "kv_batch.h"

/* schema 1 rows (id, name) and schema 2 rows (id, name, email) */
#define ROW1_3C "00 03 01 63"               /* (3, "c") */
#define ROW2_1A_NULL "04 01 01 61"          /* (1, "a", null): bit 2 set */
#define ROW2_2B_XY "00 02 01 62 03 78 40 79" /* (2, "b", "x@y") */

typedef struct fixture {
    kfb_fts_t *s;
    int64_t table_id;
    int coord, tablet; /* connections */
    int32_t next_id;
} fixture_t;

static fixture_t setup(const char *desc) {
    fixture_t f = {0};
    kfb_fts_config_t cfg = {0};
    char err[256];
    f.s = kfb_fluss_test_server_start(&cfg, err, sizeof(err));
    if (!f.s) fprintf(stderr, "start: %s\n", err);
    if (f.s && kfb_fts_add_table(f.s, "demo", "users", desc ? desc : KFB_TC_USERS_DESC, 1, NULL,
                                 &f.table_id, err, sizeof(err)) != KFB_ERR_OK)
        fprintf(stderr, "add_table: %s\n", err);
    f.coord = f.s ? kfb_tc_connect(kfb_fts_port(f.s, KFB_FTS_COORDINATOR)) : -1;
    f.tablet = f.s ? kfb_tc_connect(kfb_fts_port(f.s, 0)) : -1;
    f.next_id = 1;
    return f;
}

static void teardown(fixture_t *f) {
    if (f->coord >= 0) close(f->coord);
    if (f->tablet >= 0) close(f->tablet);
    kfb_fluss_test_server_stop(f->s);
}

/* An AlterTable request for demo.<table> adding the given columns (type JSON each). */
typedef struct alter_req {
    Fluss__PbTablePath tp;
    Fluss__PbAddColumn cols[4];
    Fluss__PbAddColumn *pcols[4];
    Fluss__AlterTableRequest q;
} alter_req_t;

static void alter_init(alter_req_t *a, const char *table, size_t n, const char *const *names,
                       const char *const *types) {
    fluss__pb_table_path__init(&a->tp);
    a->tp.database_name = "demo";
    a->tp.table_name = (char *)table;
    fluss__alter_table_request__init(&a->q);
    a->q.table_path = &a->tp;
    for (size_t i = 0; i < n; i++) {
        fluss__pb_add_column__init(&a->cols[i]);
        a->cols[i].column_name = (char *)names[i];
        a->cols[i].data_type_json.data = (uint8_t *)types[i];
        a->cols[i].data_type_json.len = strlen(types[i]);
        a->pcols[i] = &a->cols[i];
    }
    a->q.n_add_columns = n;
    a->q.add_columns = a->pcols;
}

/* Sends a request on fd; 0 for a SUCCESS response, the error code of an ERROR
 * response (message into msg), INT32_MIN for anything else. */
static int32_t call(fixture_t *f, int fd, int16_t api, const ProtobufCMessage *q, char *msg,
                    size_t msg_size) {
    int32_t id = f->next_id++;
    if (msg_size) msg[0] = 0;
    if (kfb_tc_send(fd, api, 0, id, q) != 0) return INT32_MIN;
    kfb_tc_frame_t fr;
    if (kfb_tc_recv(fd, &fr) != 1) return INT32_MIN;
    int32_t code = INT32_MIN;
    if (fr.resp.request_id == id && fr.resp.type == KFB_RPC_RESP_SUCCESS) code = 0;
    if (fr.resp.request_id == id && fr.resp.type == KFB_RPC_RESP_ERROR &&
        kfb_rpc_decode_error(fr.resp.body, fr.resp.body_len, &code, msg, msg_size) != KFB_ERR_OK)
        code = INT32_MIN;
    kfb_tc_frame_free(&fr);
    return code;
}

static int32_t alter1(fixture_t *f, const char *name, const char *type, char *msg, size_t n) {
    alter_req_t a;
    alter_init(&a, "users", 1, &name, &type);
    return call(f, f->coord, KFB_API_ALTER_TABLE, &a.q.base, msg, n);
}

static int32_t table_schema_id(fixture_t *f) {
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "demo";
    tp.table_name = "users";
    Fluss__GetTableInfoRequest q = FLUSS__GET_TABLE_INFO_REQUEST__INIT;
    q.table_path = &tp;
    Fluss__GetTableInfoResponse *r = (Fluss__GetTableInfoResponse *)kfb_tc_call(
        f->tablet, KFB_API_GET_TABLE_INFO, 0, f->next_id++, &q.base,
        &fluss__get_table_info_response__descriptor);
    int32_t id = r ? r->schema_id : -1;
    if (r) protobuf_c_message_free_unpacked(&r->base, NULL);
    return id;
}

/* A one-record-per-row batch (keys 1 byte), built with the project's builder: its
 * header is what the builder tests check, the rows are the hand-written ones. */
typedef struct rec {
    uint8_t key;
    const char *row_hex; /* NULL = delete */
} rec_t;

static uint8_t *batch_of(int schema_id, const rec_t *recs, size_t n, size_t *len) {
    char err[128];
    kfb_kv_batch_builder_t *b = kfb_kv_batch_builder_new(schema_id, 1 << 12, err, sizeof(err));
    for (size_t i = 0; i < n; i++) {
        size_t vl = 0;
        uint8_t *v = recs[i].row_hex ? kfb_test_unhex(recs[i].row_hex, &vl) : NULL;
        kfb_kv_batch_append(b, &recs[i].key, 1, v, vl);
        free(v);
    }
    kfb_kv_batch_set_writer_state(b, -1, -1);
    const uint8_t *p;
    kfb_kv_batch_build(b, &p, len);
    uint8_t *copy = malloc(*len);
    memcpy(copy, p, *len);
    kfb_kv_batch_builder_destroy(b);
    return copy;
}

/* PutKv of one batch to bucket 0 with optional target columns; the bucket's code
 * (0 = applied), message into msg. */
static int32_t put(fixture_t *f, int schema_id, const rec_t *recs, size_t n, const int32_t *targets,
                   size_t nt, char *msg, size_t msg_size) {
    size_t len;
    uint8_t *batch = batch_of(schema_id, recs, n, &len);
    Fluss__PbPutKvReqForBucket b = FLUSS__PB_PUT_KV_REQ_FOR_BUCKET__INIT;
    b.bucket_id = 0;
    b.records.data = batch;
    b.records.len = len;
    Fluss__PbPutKvReqForBucket *pb[] = {&b};
    Fluss__PutKvRequest q = FLUSS__PUT_KV_REQUEST__INIT;
    q.acks = -1;
    q.table_id = f->table_id;
    q.timeout_ms = 10000;
    q.n_buckets_req = 1;
    q.buckets_req = pb;
    q.n_target_columns = nt;
    q.target_columns = (int32_t *)targets;
    Fluss__PutKvResponse *r = (Fluss__PutKvResponse *)kfb_tc_call(
        f->tablet, KFB_API_PUT_KV, 2, f->next_id++, &q.base, &fluss__put_kv_response__descriptor);
    free(batch);
    if (msg_size) msg[0] = 0;
    if (!r) return INT32_MIN;
    int32_t code = INT32_MIN;
    if (r->n_buckets_resp == 1) {
        const Fluss__PbPutKvRespForBucket *br = r->buckets_resp[0];
        code = br->has_error_code ? br->error_code : 0;
        if (br->error_message) snprintf(msg, msg_size, "%s", br->error_message);
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return code;
}

/* Lookup of one 1-byte key: the value with its schema id prefix as hex ("" when absent). */
static void lookup_hex(fixture_t *f, uint8_t key, char *out, size_t out_size) {
    ProtobufCBinaryData keys[1] = {{1, &key}};
    Fluss__PbLookupReqForBucket lb = FLUSS__PB_LOOKUP_REQ_FOR_BUCKET__INIT;
    lb.n_keys = 1;
    lb.keys = keys;
    Fluss__PbLookupReqForBucket *plb[] = {&lb};
    Fluss__LookupRequest q = FLUSS__LOOKUP_REQUEST__INIT;
    q.table_id = f->table_id;
    q.n_buckets_req = 1;
    q.buckets_req = plb;
    Fluss__LookupResponse *r = (Fluss__LookupResponse *)kfb_tc_call(
        f->tablet, KFB_API_LOOKUP, 1, f->next_id++, &q.base, &fluss__lookup_response__descriptor);
    snprintf(out, out_size, "?");
    if (!r) return;
    if (r->n_buckets_resp == 1 && r->buckets_resp[0]->n_values == 1) {
        const Fluss__PbValue *v = r->buckets_resp[0]->values[0];
        size_t o = 0;
        out[0] = 0;
        for (size_t i = 0; v->has_values && i < v->values.len && o + 4 < out_size; i++)
            o += (size_t)snprintf(out + o, out_size - o, "%s%02x", i ? " " : "", v->values.data[i]);
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

static char *schema_of(fixture_t *f, int has_id, int32_t id, int32_t *code, int32_t *got_id) {
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "demo";
    tp.table_name = "users";
    Fluss__GetTableSchemaRequest q = FLUSS__GET_TABLE_SCHEMA_REQUEST__INIT;
    q.table_path = &tp;
    q.has_schema_id = has_id;
    q.schema_id = id;
    int32_t rid = f->next_id++;
    *code = INT32_MIN;
    if (kfb_tc_send(f->tablet, KFB_API_GET_TABLE_SCHEMA, 0, rid, &q.base) != 0) return NULL;
    kfb_tc_frame_t fr;
    if (kfb_tc_recv(f->tablet, &fr) != 1) return NULL;
    char *json = NULL;
    if (fr.resp.type == KFB_RPC_RESP_ERROR) {
        kfb_rpc_decode_error(fr.resp.body, fr.resp.body_len, code, NULL, 0);
    } else {
        ProtobufCMessage *m = NULL;
        if (kfb_rpc_unpack(&fluss__get_table_schema_response__descriptor, fr.resp.body,
                           fr.resp.body_len, &m) == KFB_ERR_OK) {
            Fluss__GetTableSchemaResponse *r = (Fluss__GetTableSchemaResponse *)m;
            *code = 0;
            *got_id = r->schema_id;
            json = strndup((const char *)r->schema_json.data, r->schema_json.len);
            protobuf_c_message_free_unpacked(m, NULL);
        }
    }
    kfb_tc_frame_free(&fr);
    return json;
}

/* ------------------------------------------------------------------ AlterTable */

TEST(alter_adds_a_nullable_column_under_the_next_schema_id) {
    fixture_t f = setup(NULL);
    ASSERT_TRUE(f.coord >= 0 && f.tablet >= 0);
    ASSERT_EQ_INT(table_schema_id(&f), 1);
    char msg[600];
    ASSERT_EQ_INT(alter1(&f, "email", "{\"type\":\"STRING\"}", msg, sizeof(msg)), 0);
    ASSERT_EQ_INT(table_schema_id(&f), 2);
    /* the latest schema: the column at the end, id = highest field id + 1 (Schema.Builder) */
    int32_t code, sid = 0;
    char *j = schema_of(&f, 0, 0, &code, &sid);
    ASSERT_EQ_INT(code, 0);
    ASSERT_EQ_INT(sid, 2);
    ASSERT_CONTAINS(j, "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"},\"id\":1},"
                       "{\"name\":\"email\",\"data_type\":{\"type\":\"STRING\"},\"id\":2}]");
    ASSERT_CONTAINS(j, "\"highest_field_id\":2}");
    free(j);
    /* every earlier id is kept (GetTableSchema with schema_id) */
    j = schema_of(&f, 1, 1, &code, &sid);
    ASSERT_EQ_INT(code, 0);
    ASSERT_EQ_INT(sid, 1);
    ASSERT_TRUE(j && !strstr(j, "email"));
    ASSERT_CONTAINS(j, "\"highest_field_id\":1}");
    free(j);
    j = schema_of(&f, 1, 3, &code, &sid);
    ASSERT_TRUE(j == NULL);
    ASSERT_EQ_INT(code, 9); /* SCHEMA_NOT_EXIST */
    j = schema_of(&f, 1, 0, &code, &sid);
    ASSERT_EQ_INT(code, 9);
    /* the table info (and the metadata) carry the new descriptor */
    char *dump = kfb_fts_dump_table_json(f.s, "demo", "users");
    ASSERT_CONTAINS(dump, "\"schema_id\":2,");
    free(dump);
    char *sj = kfb_fts_schema_json(f.s, "demo", "users", 0);
    ASSERT_CONTAINS(sj, "\"email\"");
    free(sj);
    teardown(&f);
}

TEST(alter_column_ids_follow_the_highest_field_id_and_nested_fields) {
    /* a schema written without ids (KFB_TC_PARTITIONED_DESC): Fluss numbers the columns
     * by position (Schema.Builder.fromColumns); a ROW column's fields get the ids after
     * the column's own (ReassignFieldId, pre-order) */
    fixture_t f = setup(NULL);
    char err[256];
    int64_t pid;
    ASSERT_OK(kfb_fts_add_table(f.s, "demo", "parts", KFB_TC_PARTITIONED_DESC, 1, NULL, &pid, err,
                                sizeof(err)));
    const char *name = "addr";
    const char *type = "{\"type\":\"ROW\",\"fields\":[{\"name\":\"city\",\"field_type\":"
                       "{\"type\":\"STRING\"}},{\"name\":\"zip\",\"field_type\":{\"type\":"
                       "\"INTEGER\"}}]}";
    alter_req_t a;
    alter_init(&a, "parts", 1, &name, &type);
    char msg[600];
    ASSERT_EQ_INT(call(&f, f.coord, KFB_API_ALTER_TABLE, &a.q.base, msg, sizeof(msg)), 0);
    char *j = kfb_fts_schema_json(f.s, "demo", "parts", 0);
    ASSERT_CONTAINS(j, "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},"
                       "\"id\":0}");
    ASSERT_CONTAINS(j, "{\"name\":\"city\",\"field_type\":{\"type\":\"STRING\"},\"field_id\":4},"
                       "{\"name\":\"zip\",\"field_type\":{\"type\":\"INTEGER\"},\"field_id\":5}]},"
                       "\"id\":3}");
    ASSERT_CONTAINS(j, "\"highest_field_id\":5}");
    free(j);
    teardown(&f);
}

TEST(alter_refusals_carry_flusss_codes_and_change_nothing) {
    fixture_t f = setup(NULL);
    char msg[600];
    /* SchemaUpdate.addColumn: an existing column */
    ASSERT_EQ_INT(alter1(&f, "name", "{\"type\":\"STRING\"}", msg, sizeof(msg)), 56);
    ASSERT_STREQ(msg, "Column name already exists.");
    /* NOT NULL: IllegalArgumentException, no Fluss code */
    ASSERT_EQ_INT(alter1(&f, "n2", "{\"type\":\"INTEGER\",\"nullable\":false}", msg, sizeof(msg)),
                  -1);
    ASSERT_CONTAINS(msg, "IllegalArgumentException: Column n2 must be nullable.");
    /* a type DataTypeJsonSerde cannot read */
    ASSERT_EQ_INT(alter1(&f, "n3", "{\"type\":\"DECIMAL\",\"precision\":99,\"scale\":0}", msg,
                         sizeof(msg)),
                  -1);
    ASSERT_EQ_INT(alter1(&f, "n3", "not json", msg, sizeof(msg)), -1);
    /* reserved system columns (TableDescriptorValidation.checkSystemColumns) */
    ASSERT_EQ_INT(alter1(&f, "__offset", "{\"type\":\"BIGINT\"}", msg, sizeof(msg)), 15);
    ASSERT_CONTAINS(msg, "__offset cannot be used as column names, because they are reserved "
                         "system columns in Fluss.");
    /* all or nothing: a good column and an existing one in one request */
    const char *names[] = {"ok1", "ok1"};
    const char *types[] = {"{\"type\":\"STRING\"}", "{\"type\":\"INTEGER\"}"};
    alter_req_t a;
    alter_init(&a, "users", 2, names, types);
    ASSERT_EQ_INT(call(&f, f.coord, KFB_API_ALTER_TABLE, &a.q.base, msg, sizeof(msg)), 56);
    ASSERT_STREQ(msg, "Column ok1 already exists.");
    /* only LAST (0) is a position Fluss takes (ColumnPositionType.from) */
    alter_init(&a, "users", 1, names, types);
    a.cols[0].column_position_type = 1;
    ASSERT_EQ_INT(call(&f, f.coord, KFB_API_ALTER_TABLE, &a.q.base, msg, sizeof(msg)), -1);
    ASSERT_CONTAINS(msg, "Unsupported ColumnPositionType: 1");
    /* drop / rename / modify: SchemaChangeException, after the additions were checked */
    alter_init(&a, "users", 1, names, types);
    Fluss__PbDropColumn drop = FLUSS__PB_DROP_COLUMN__INIT;
    drop.column_name = "name";
    Fluss__PbDropColumn *pdrop[] = {&drop};
    a.q.n_drop_columns = 1;
    a.q.drop_columns = pdrop;
    ASSERT_EQ_INT(call(&f, f.coord, KFB_API_ALTER_TABLE, &a.q.base, msg, sizeof(msg)), -1);
    ASSERT_CONTAINS(msg, "Not support drop column now.");
    /* schema and property changes in one request */
    alter_init(&a, "users", 1, names, types);
    Fluss__PbAlterConfig cfg = FLUSS__PB_ALTER_CONFIG__INIT;
    cfg.config_key = "table.log.ttl";
    cfg.config_value = "1d";
    Fluss__PbAlterConfig *pcfg[] = {&cfg};
    a.q.n_config_changes = 1;
    a.q.config_changes = pcfg;
    ASSERT_EQ_INT(call(&f, f.coord, KFB_API_ALTER_TABLE, &a.q.base, msg, sizeof(msg)), 56);
    ASSERT_STREQ(msg, "Table alteration can only be applied to one of the following: table "
                      "properties or table schema.");
    /* a missing table: 7, or nothing at all with ignore_if_not_exists */
    alter_init(&a, "nope", 1, names, types);
    ASSERT_EQ_INT(call(&f, f.coord, KFB_API_ALTER_TABLE, &a.q.base, msg, sizeof(msg)), 7);
    a.q.ignore_if_not_exists = 1;
    ASSERT_EQ_INT(call(&f, f.coord, KFB_API_ALTER_TABLE, &a.q.base, msg, sizeof(msg)), 0);
    /* no change at all: Fluss does not even look the table up */
    alter_init(&a, "nope", 0, names, types);
    ASSERT_EQ_INT(call(&f, f.coord, KFB_API_ALTER_TABLE, &a.q.base, msg, sizeof(msg)), 0);
    /* an aggregation function needs an aggregation table */
    alter_init(&a, "users", 1, names, types);
    a.cols[0].agg_function_type = "sum";
    ASSERT_EQ_INT(call(&f, f.coord, KFB_API_ALTER_TABLE, &a.q.base, msg, sizeof(msg)), 39);
    /* nothing of the above changed the table */
    ASSERT_EQ_INT(table_schema_id(&f), 1);
    char *j = kfb_fts_schema_json(f.s, "demo", "users", 0);
    ASSERT_TRUE(j && !strstr(j, "ok1") && !strstr(j, "n2"));
    free(j);
    /* AlterTable is a coordinator API: a tablet server does not answer it (§1.5) */
    alter_init(&a, "users", 1, names, types);
    uint64_t dropped = stats_of(f.s).dropped;
    ASSERT_EQ_INT(kfb_tc_send(f.tablet, KFB_API_ALTER_TABLE, 0, 99, &a.q.base), 0);
    ASSERT_EQ_INT(table_schema_id(&f), 1); /* the next answer on that connection */
    ASSERT_EQ_U64(stats_of(f.s).dropped, dropped + 1);
    teardown(&f);
}

TEST(alter_of_a_datalake_table_is_refused_without_a_lake_catalog) {
    const char *desc =
        "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
        "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"id\"]},"
        "\"partition_key\":[],\"properties\":{\"table.datalake.enabled\":\"true\","
        "\"table.datalake.format\":\"lance\"},\"custom_properties\":{}}";
    fixture_t f = setup(desc);
    char msg[600];
    ASSERT_EQ_INT(alter1(&f, "email", "{\"type\":\"STRING\"}", msg, sizeof(msg)), 56);
    ASSERT_CONTAINS(msg, "Cannot alter schema for datalake enabled table demo.users");
    ASSERT_EQ_INT(table_schema_id(&f), 1);
    teardown(&f);
}

/* ------------------------------------------------------------------ PutKv, dump, Lookup */

TEST(batches_are_read_with_the_schema_id_in_their_header) {
    fixture_t f = setup(NULL);
    char msg[600];
    rec_t old[] = {{3, ROW1_3C}};
    ASSERT_EQ_INT(put(&f, 1, old, 1, NULL, 0, msg, sizeof(msg)), 0);
    ASSERT_EQ_INT(alter1(&f, "email", "{\"type\":\"STRING\"}", msg, sizeof(msg)), 0);
    /* a schema-2 batch with rows of 3 columns */
    rec_t r2[] = {{1, ROW2_1A_NULL}, {2, ROW2_2B_XY}};
    ASSERT_EQ_INT(put(&f, 2, r2, 2, NULL, 0, msg, sizeof(msg)), 0);
    /* batches built before the ALTER still carry schema 1 and 2-column rows */
    rec_t late[] = {{4, "00 04 01 64"}};
    ASSERT_EQ_INT(put(&f, 1, late, 1, NULL, 0, msg, sizeof(msg)), 0);
    /* a row that does not match its batch's schema does not decode: -1 */
    rec_t wrong1[] = {{5, ROW2_2B_XY}};
    ASSERT_EQ_INT(put(&f, 1, wrong1, 1, NULL, 0, msg, sizeof(msg)), -1);
    rec_t wrong2[] = {{5, "00 05 01 65"}};
    ASSERT_EQ_INT(put(&f, 2, wrong2, 1, NULL, 0, msg, sizeof(msg)), -1);
    /* KvTablet.validateSchemaId */
    ASSERT_EQ_INT(put(&f, 3, r2, 1, NULL, 0, msg, sizeof(msg)), 9);
    ASSERT_STREQ(msg, "Invalid schema id: 3, latest schema id: 2");
    /* id 0 passes that check but has no schema: the first record fails */
    ASSERT_EQ_INT(put(&f, 0, old, 1, NULL, 0, msg, sizeof(msg)), 9);
    ASSERT_STREQ(msg, "Schema for table demo.users with schema id 0 does not exist.");
    /* dump: every row as a row of the latest schema, older rows null in email */
    char *dump = kfb_fts_dump_table_json(f.s, "demo", "users");
    ASSERT_CONTAINS(dump, "\"row_count\":4,");
    ASSERT_CONTAINS(dump, "\"01\":{\"id\": 1, \"name\": \"a\", \"email\": null}");
    ASSERT_CONTAINS(dump, "\"02\":{\"id\": 2, \"name\": \"b\", \"email\": \"x@y\"}");
    ASSERT_CONTAINS(dump, "\"03\":{\"id\": 3, \"name\": \"c\", \"email\": null}");
    ASSERT_CONTAINS(dump, "\"04\":{\"id\": 4, \"name\": \"d\", \"email\": null}");
    free(dump);
    /* Lookup: each value as stored, with its own schema id in front (§6.6) */
    char hex[128];
    lookup_hex(&f, 3, hex, sizeof(hex));
    ASSERT_STREQ(hex, "01 00 00 03 01 63");
    lookup_hex(&f, 2, hex, sizeof(hex));
    ASSERT_STREQ(hex, "02 00 00 02 01 62 03 78 40 79");
    /* the batch log names each batch's schema id */
    char *log = kfb_fts_batch_log(f.s);
    ASSERT_CONTAINS(log, "result=applied code=0 schema=1\n");
    ASSERT_CONTAINS(log, "result=applied code=0 schema=2\n");
    ASSERT_CONTAINS(log, "result=refused code=9 schema=3\n");
    free(log);
    teardown(&f);
}

TEST(an_older_row_is_overwritten_by_a_newer_schemas_row_and_back) {
    fixture_t f = setup(NULL);
    char msg[600];
    rec_t v1[] = {{1, "00 01 01 61"}};
    ASSERT_EQ_INT(put(&f, 1, v1, 1, NULL, 0, msg, sizeof(msg)), 0);
    ASSERT_EQ_INT(alter1(&f, "email", "{\"type\":\"STRING\"}", msg, sizeof(msg)), 0);
    rec_t v2[] = {{1, "00 01 01 7a 01 65"}}; /* (1, "z", "e") */
    ASSERT_EQ_INT(put(&f, 2, v2, 1, NULL, 0, msg, sizeof(msg)), 0);
    assert_users_dump(f.s, "\"01\":{\"id\": 1, \"name\": \"z\", \"email\": \"e\"}");
    /* a late schema-1 batch replaces the whole row: email reads null again */
    ASSERT_EQ_INT(put(&f, 1, v1, 1, NULL, 0, msg, sizeof(msg)), 0);
    assert_users_dump(f.s, "\"01\":{\"id\": 1, \"name\": \"a\", \"email\": null}");
    rec_t del[] = {{1, NULL}};
    ASSERT_EQ_INT(put(&f, 2, del, 1, NULL, 0, msg, sizeof(msg)), 0);
    assert_users_dump(f.s, "\"row_count\":0,");
    teardown(&f);
}

TEST(partial_updates_read_older_rows_with_nulls_and_write_the_latest_schema) {
    fixture_t f = setup(NULL);
    char msg[600];
    rec_t v1[] = {{1, "00 01 01 61"}, {2, "00 02 01 62"}}; /* (1,"a") (2,"b") of schema 1 */
    ASSERT_EQ_INT(put(&f, 1, v1, 2, NULL, 0, msg, sizeof(msg)), 0);
    ASSERT_EQ_INT(alter1(&f, "email", "{\"type\":\"STRING\"}", msg, sizeof(msg)), 0);
    /* PartialUpdater.updateRow: targets id, email of schema 2 over a schema-1 row */
    int32_t id_email[] = {0, 2};
    rec_t p[] = {{1, "02 01 01 65"}}; /* (1, null, "e"): bit 1 set */
    ASSERT_EQ_INT(put(&f, 2, p, 1, id_email, 2, msg, sizeof(msg)), 0);
    char hex[128];
    lookup_hex(&f, 1, hex, sizeof(hex));
    ASSERT_STREQ(hex, "02 00 00 01 01 61 01 65"); /* name kept, email set, schema 2 */
    /* a schema-1 batch targeting id, name over that row: email is kept */
    int32_t id_name[] = {0, 1};
    rec_t p1[] = {{1, "00 01 01 7a"}}; /* (1, "z") */
    ASSERT_EQ_INT(put(&f, 1, p1, 1, id_name, 2, msg, sizeof(msg)), 0);
    lookup_hex(&f, 1, hex, sizeof(hex));
    ASSERT_STREQ(hex, "02 00 00 01 01 7a 01 65");
    /* PartialUpdater.deleteRow on a schema-1 row: name is not null, so the row stays
     * with the target (non-key) columns nulled: (2, "b", null) of schema 2 */
    rec_t d[] = {{2, NULL}};
    ASSERT_EQ_INT(put(&f, 2, d, 1, id_email, 2, msg, sizeof(msg)), 0);
    lookup_hex(&f, 2, hex, sizeof(hex));
    ASSERT_STREQ(hex, "02 00 04 02 01 62");
    assert_users_dump(f.s, "\"02\":{\"id\": 2, \"name\": \"b\", \"email\": null}");
    teardown(&f);
}

TEST(tables_file_schema_id_n_keeps_ids_1_to_n) {
    kfb_fts_config_t cfg = {0};
    char err[512];
    kfb_fts_t *s = kfb_fluss_test_server_start(&cfg, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    char tables[1024];
    snprintf(tables, sizeof(tables),
             "{\"tables\":[{\"database\":\"demo\",\"table\":\"users\",\"bucket_count\":1,"
             "\"schema_id\":3,\"descriptor\":%s}]}",
             KFB_TC_USERS_DESC);
    ASSERT_OK(kfb_fts_load_tables_json(s, tables, err, sizeof(err)));
    fixture_t f = {s, kfb_fts_table_id(s, "demo", "users"),
                   kfb_tc_connect(kfb_fts_port(s, KFB_FTS_COORDINATOR)),
                   kfb_tc_connect(kfb_fts_port(s, 0)), 1};
    char msg[600];
    rec_t r[] = {{3, ROW1_3C}};
    for (int id = 1; id <= 3; id++) ASSERT_EQ_INT(put(&f, id, r, 1, NULL, 0, msg, sizeof(msg)), 0);
    ASSERT_EQ_INT(put(&f, 4, r, 1, NULL, 0, msg, sizeof(msg)), 9);
    int32_t code, sid;
    char *j = schema_of(&f, 1, 2, &code, &sid);
    ASSERT_EQ_INT(code, 0);
    ASSERT_EQ_INT(sid, 2);
    free(j);
    /* the next ALTER makes schema 4 */
    ASSERT_EQ_INT(alter1(&f, "email", "{\"type\":\"STRING\"}", msg, sizeof(msg)), 0);
    ASSERT_EQ_INT(table_schema_id(&f), 4);
    teardown(&f);
}

/* ------------------------------------------------------------------ control channel */

TEST(control_alter_table_and_schema_commands) {
    fixture_t f = setup(NULL);
    char *r = kfb_fts_control(f.s, "alter-table demo users add-column email STRING");
    ASSERT_STREQ(r, "OK 2\n");
    free(r);
    r = kfb_fts_control(f.s, "alter-table demo users add-column email STRING");
    ASSERT_STREQ(r, "ERR INVALID_ALTER_TABLE_EXCEPTION (56): Column email already exists.\n");
    free(r);
    r = kfb_fts_control(f.s, "alter-table demo users add-column n INT NOT NULL");
    ASSERT_STREQ(r, "ERR UNKNOWN_SERVER_ERROR (-1): java.lang.IllegalArgumentException: Column n "
                    "must be nullable.\n");
    free(r);
    /* two columns at once, parametrised types */
    r = kfb_fts_control(f.s, "alter-table demo users add-column price DECIMAL(10,2) "
                             "add-column at TIMESTAMP_LTZ(3)");
    ASSERT_STREQ(r, "OK 3\n");
    free(r);
    r = kfb_fts_control(f.s, "schema demo users");
    ASSERT_CONTAINS(r, "{\"name\":\"price\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":10,"
                       "\"scale\":2},\"id\":3},{\"name\":\"at\",\"data_type\":{\"type\":"
                       "\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3},\"id\":4}]");
    free(r);
    r = kfb_fts_control(f.s, "schema demo users 1");
    ASSERT_TRUE(strncmp(r, "OK {", 4) == 0 && !strstr(r, "email"));
    free(r);
    r = kfb_fts_control(f.s, "schema demo users 9");
    ASSERT_TRUE(strncmp(r, "ERR ", 4) == 0);
    free(r);
    r = kfb_fts_control(f.s, "alter-table demo users add-column x VARCHAR");
    ASSERT_TRUE(strncmp(r, "ERR unknown column type 'VARCHAR'", 33) == 0);
    free(r);
    r = kfb_fts_control(f.s, "alter-table demo nope add-column x INT");
    ASSERT_STREQ(r, "ERR TABLE_NOT_EXIST (7): Table 'demo.nope' does not exist.\n");
    free(r);
    r = kfb_fts_control(f.s, "alter-table demo users");
    ASSERT_TRUE(strncmp(r, "ERR usage: alter-table", 22) == 0);
    free(r);
    ASSERT_EQ_INT(table_schema_id(&f), 3);
    teardown(&f);
}

/* ------------------------------------------------------------------ the client */

TEST(client_alter_table_against_the_test_server) {
    fixture_t f = setup(NULL);
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = kfb_fts_bootstrap(f.s);
    char err[1024];
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, err, sizeof(err));
    ASSERT_TRUE(c != NULL);
    kfb_fluss_column_add_t col = {"email", "{\"type\":\"STRING\"}", NULL};
    int32_t ferr = 99;
    ASSERT_OK(kfb_fluss_client_alter_table(c, "demo", "users", &col, 1, 0, 10000, &ferr, err,
                                           sizeof(err)));
    ASSERT_EQ_INT(ferr, 0);
    /* the request as Fluss's Java client builds it (ClientRpcMessageUtils
     * .makeAlterTableRequest), hand-encoded: table_path {db "demo", table "users"},
     * ignore_if_not_exists false, add_columns {column_name "email", data_type_json
     * {"type":"STRING"}, column_position_type 0 (LAST)} */
    size_t n;
    uint8_t *req = kfb_fts_last_request(f.s, KFB_API_ALTER_TABLE, &n);
    ASSERT_TRUE(req != NULL && n > 8);
    ASSERT_HEX(req, 4, "04 14 00 00"); /* api key 1044, version 0 */
    ASSERT_HEX(req + 8, n - 8,
               "0a 0d 0a 04 64 65 6d 6f 12 05 75 73 65 72 73" /* table_path */
               " 10 00"                                       /* ignore_if_not_exists */
               " 22 1c 0a 05 65 6d 61 69 6c"                  /* add_columns, name */
               " 12 11 7b 22 74 79 70 65 22 3a 22 53 54 52 49 4e 47 22 7d" /* type */
               " 20 00");                                     /* LAST */
    free(req);
    kfb_fluss_table_info_t *ti = NULL;
    ASSERT_OK(kfb_fluss_client_get_table(c, "demo", "users", 10000, &ti, err, sizeof(err)));
    ASSERT_EQ_INT(ti->schema_id, 2);
    ASSERT_EQ_INT(ti->desc->column_count, 3);
    ASSERT_STREQ(ti->desc->column_names[2], "email");
    ASSERT_TRUE(ti->desc->column_types[2].nullable);
    kfb_fluss_table_info_free(ti);
    /* the same column again: Fluss's refusal with its code */
    ASSERT_ERR(kfb_fluss_client_alter_table(c, "demo", "users", &col, 1, 0, 10000, &ferr, err,
                                            sizeof(err)),
               KFB_ERR_FLUSS_ERROR);
    ASSERT_EQ_INT(ferr, 56);
    ASSERT_CONTAINS(err, "demo.users");
    ASSERT_CONTAINS(err, "Column email already exists.");
    /* a NOT NULL column */
    kfb_fluss_column_add_t nn = {"n", "{\"type\":\"INTEGER\",\"nullable\":false}", "a comment"};
    ASSERT_ERR(kfb_fluss_client_alter_table(c, "demo", "users", &nn, 1, 0, 10000, &ferr, err,
                                            sizeof(err)),
               KFB_ERR_FLUSS_ERROR);
    ASSERT_EQ_INT(ferr, -1);
    ASSERT_CONTAINS(err, "must be nullable");
    /* a missing table, with and without ignore_if_not_exists */
    ASSERT_ERR(kfb_fluss_client_alter_table(c, "demo", "nope", &col, 1, 0, 10000, &ferr, err,
                                            sizeof(err)),
               KFB_ERR_FLUSS_ERROR);
    ASSERT_EQ_INT(ferr, 7);
    ASSERT_OK(kfb_fluss_client_alter_table(c, "demo", "nope", &col, 1, 1, 10000, &ferr, err,
                                           sizeof(err)));
    /* refused before anything is sent */
    uint64_t calls = kfb_fts_api_calls(f.s, KFB_API_ALTER_TABLE);
    ASSERT_ERR(kfb_fluss_client_alter_table(c, "demo", "users", &col, 0, 0, 10000, NULL, err,
                                            sizeof(err)),
               KFB_ERR_INVALID_ARG);
    kfb_fluss_column_add_t noname = {"", "{\"type\":\"STRING\"}", NULL};
    ASSERT_ERR(kfb_fluss_client_alter_table(c, "demo", "users", &noname, 1, 0, 10000, NULL, err,
                                            sizeof(err)),
               KFB_ERR_INVALID_ARG);
    ASSERT_EQ_U64(kfb_fts_api_calls(f.s, KFB_API_ALTER_TABLE), calls);
    /* two columns with a comment: one new schema id */
    kfb_fluss_column_add_t two[] = {{"a", "{\"type\":\"BIGINT\"}", "first"},
                                    {"b", "{\"type\":\"DOUBLE\"}", NULL}};
    ASSERT_OK(kfb_fluss_client_alter_table(c, "demo", "users", two, 2, 0, 10000, &ferr, err,
                                           sizeof(err)));
    ASSERT_OK(kfb_fluss_client_get_table(c, "demo", "users", 10000, &ti, err, sizeof(err)));
    ASSERT_EQ_INT(ti->schema_id, 3);
    ASSERT_EQ_INT(ti->desc->column_count, 5);
    ASSERT_STREQ(ti->desc->columns[3].comment, "first");
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
    teardown(&f);
}
