/* test_mapper_schema_errors.c - writer schemas the table cannot take, and unknown schema ids,
 * message by message in kfb_mapper_map_batch.
 *
 * Plan errors (KFB_ERR_MAPPER_PLAN, class FATAL) stop map_batch unless the sink sets
 * plan_errors_per_message (errors.policy skip / dead_letter): then each message of that
 * schema goes to on_error, and the failed compile is cached per (writer schema id, table
 * schema id). Unknown schema ids come from a Schema Registry (tests/support/http_test_server,
 * 127.0.0.1) whose 404 the schema source caches: mapping them again makes no request.
 *
 * Table: items (id INT PK, name STRING NOT NULL, qty BIGINT), 4 buckets. Avro bodies written
 * by hand from the Avro 1.11.1 binary encoding (zigzag varints: 1 -> 02; string = zigzag
 * length + bytes); Confluent framing = 00 + big-endian schema id.
 */
#include "harness.h"
#include "http_test_server.h"
#include "mapper.h"

static const char *TABLE =
    "{\"version\":1,\"schema\":{\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\",\"nullable\":%s}},"
    "{\"name\":\"qty\",\"data_type\":{\"type\":\"BIGINT\"}}],\"primary_key\":[\"id\"]},"
    "\"partition_key\":[],\"bucket_count\":4,\"properties\":{}}";

/* 1: {id, name} maps; 2: {id, qty} has no field for the NOT NULL column name; 3: a Kafka
 * key schema {id}; 4: a Kafka key schema without the primary-key field */
static const char *S_GOOD =
    "{\"type\":\"record\",\"name\":\"Good\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"name\",\"type\":\"string\"}]}";
static const char *S_BAD =
    "{\"type\":\"record\",\"name\":\"Bad\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"qty\",\"type\":\"long\"}]}";
static const char *S_KEY =
    "{\"type\":\"record\",\"name\":\"Key\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}";
static const char *S_BAD_KEY =
    "{\"type\":\"record\",\"name\":\"BadKey\",\"fields\":[{\"name\":\"other\",\"type\":\"int\"}]}";

static const uint8_t GOOD[] = {0, 0, 0, 0, 1, 0x02, 0x02, 'a'}; /* {1, "a"} */
static const uint8_t BAD[] = {0, 0, 0, 0, 2, 0x02, 0x0a};       /* {1, qty 5} */
static const uint8_t KEY[] = {0, 0, 0, 0, 3, 0x04};             /* Key{2} */
static const uint8_t BAD_KEY[] = {0, 0, 0, 0, 4, 0x04};         /* BadKey{2} */

static kfb_table_desc_t *table(int name_nullable) {
    char buf[1024], err[512];
    snprintf(buf, sizeof(buf), TABLE, name_nullable ? "true" : "false");
    kfb_table_desc_t *td = kfb_table_desc_parse(buf, strlen(buf), err, sizeof(err));
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    return td;
}

typedef struct fx {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    kfb_kv_batch_builder_t *batches[4];
    char err[1024];
    /* on_error log */
    size_t n_err;
    size_t err_index[16];
    kfb_err_t err_code[16];
    char err_text[16][512];
    int stop_on_error;
} fx_t;

static void setup(fx_t *f, kfb_schema_source_t *src) {
    memset(f, 0, sizeof(*f));
    f->td = table(0);
    f->src = src;
    if (!f->src) {
        f->src = kfb_schema_source_memory_new();
        const char *schemas[] = {S_GOOD, S_BAD, S_KEY, S_BAD_KEY};
        for (int i = 0; i < 4; i++)
            ASSERT_OK(kfb_schema_source_add(f->src, i + 1, schemas[i], strlen(schemas[i]),
                                            f->err, sizeof(f->err)));
    }
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "t";
    f->m = kfb_mapper_new(f->td, f->src, &cfg, f->err, sizeof(f->err));
    if (!f->m) fprintf(stderr, "%s\n", f->err);
    ASSERT_TRUE(f->m != NULL);
    for (int b = 0; b < 4; b++) {
        f->batches[b] = kfb_kv_batch_builder_new(1, 1 << 16, f->err, sizeof(f->err));
        ASSERT_TRUE(f->batches[b] != NULL);
    }
}

static void teardown(fx_t *f) {
    for (int b = 0; b < 4; b++) {
        kfb_kv_batch_abort(f->batches[b]);
        kfb_kv_batch_builder_destroy(f->batches[b]);
    }
    kfb_mapper_destroy(f->m);
    kfb_schema_source_destroy(f->src);
    kfb_table_desc_destroy(f->td);
}

static int records(const fx_t *f) {
    int n = 0;
    for (int b = 0; b < 4; b++) n += kfb_kv_batch_record_count(f->batches[b]);
    return n;
}

static kfb_err_t no_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                              kfb_kv_batch_builder_t **out) {
    (void)ctx, (void)msg, (void)rec, (void)out;
    return KFB_ERR_INTERNAL; /* the batches never fill here */
}

static int log_error(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    fx_t *f = ctx;
    ASSERT_TRUE(f->n_err < 16);
    f->err_index[f->n_err] = index;
    f->err_code[f->n_err] = err;
    snprintf(f->err_text[f->n_err], sizeof(f->err_text[0]), "%s", errstr);
    f->n_err++;
    return f->stop_on_error;
}

static kfb_mapper_sink_t sink_of(fx_t *f, int per_message) {
    kfb_mapper_sink_t s = {.batches = f->batches, .n_batches = 4, .batch_for = no_batch_for,
                           .on_error = log_error, .ctx = f,
                           .plan_errors_per_message = per_message};
    return s;
}

/* good, bad, good, bad, good */
static void five(kfb_mapper_msg_t msgs[5]) {
    for (int i = 0; i < 5; i++)
        msgs[i] = (kfb_mapper_msg_t){NULL, 0, i & 1 ? BAD : GOOD, i & 1 ? sizeof(BAD) : sizeof(GOOD),
                                     {"t", 0, 100 + i}};
}

/* Today's behaviour, kept as the default (errors.policy fail): the plan error stops the
 * call at its message, on_error is not asked. */
TEST(plan_error_stops_the_batch_by_default) {
    fx_t f;
    setup(&f, NULL);
    kfb_mapper_msg_t msgs[5];
    five(msgs);
    kfb_mapper_sink_t sink = sink_of(&f, 0);
    size_t done = 99;
    ASSERT_ERR(kfb_mapper_map_batch(f.m, msgs, 5, &sink, &done, f.err, sizeof(f.err)),
               KFB_ERR_MAPPER_PLAN);
    ASSERT_EQ_INT(done, 1);
    ASSERT_EQ_INT(f.n_err, 0);
    ASSERT_EQ_INT(records(&f), 1);
    ASSERT_CONTAINS(f.err, "topic t partition 0 offset 101");
    ASSERT_CONTAINS(f.err, "schema id 2");
    ASSERT_CONTAINS(f.err, "column \"name\" is NOT NULL");
    teardown(&f);
}

/* With plan_errors_per_message each message of the bad schema goes to on_error with the
 * plan error's code and sentence, the others land; the plan is compiled once. */
TEST(plan_error_per_message_goes_to_on_error) {
    fx_t f;
    setup(&f, NULL);
    kfb_mapper_msg_t msgs[5];
    five(msgs);
    kfb_mapper_sink_t sink = sink_of(&f, 1);
    size_t done = 99;
    kfb_test_log_capture_start();
    ASSERT_OK(kfb_mapper_map_batch(f.m, msgs, 5, &sink, &done, f.err, sizeof(f.err)));
    ASSERT_OK(kfb_mapper_map_batch(f.m, msgs, 5, &sink, &done, f.err, sizeof(f.err)));
    const char *log = kfb_test_log_captured();
    /* compiled (and warned about) once: the second bad message and the second call use
     * the cached failure */
    const char *first = strstr(log, "schema id 2: field name");
    ASSERT_TRUE(first != NULL);
    ASSERT_TRUE(strstr(first + 1, "schema id 2: field name") == NULL);
    kfb_test_log_capture_stop();
    ASSERT_EQ_INT(done, 5);
    ASSERT_EQ_INT(kfb_mapper_plan_count(f.m), 2);
    ASSERT_EQ_INT(records(&f), 6);
    ASSERT_EQ_INT(f.n_err, 4);
    for (size_t k = 0; k < 4; k++) {
        ASSERT_EQ_INT(f.err_index[k], k % 2 ? 3 : 1);
        ASSERT_ERR(f.err_code[k], KFB_ERR_MAPPER_PLAN);
        ASSERT_CONTAINS(f.err_text[k], "schema id 2: field name: column \"name\" is NOT NULL");
    }
    ASSERT_CONTAINS(f.err_text[0], "topic t partition 0 offset 101: ");
    ASSERT_CONTAINS(f.err_text[1], "topic t partition 0 offset 103: ");
    /* on_error saying stop stops at the message, with the plan error */
    f.stop_on_error = 1;
    ASSERT_ERR(kfb_mapper_map_batch(f.m, msgs, 5, &sink, &done, f.err, sizeof(f.err)),
               KFB_ERR_MAPPER_PLAN);
    ASSERT_EQ_INT(done, 1);
    ASSERT_EQ_INT(f.n_err, 5);
    /* the single-message API keeps returning it */
    kfb_mapper_result_t res;
    ASSERT_ERR(kfb_mapper_map(f.m, NULL, 0, BAD, sizeof(BAD), NULL, &res, f.err, sizeof(f.err)),
               KFB_ERR_MAPPER_PLAN);
    ASSERT_ERR(kfb_mapper_prepare(f.m, 2, f.err, sizeof(f.err)), KFB_ERR_MAPPER_PLAN);
    teardown(&f);
}

/* Other FATAL errors still stop the call with plan_errors_per_message: a batch_for that
 * fails is not a plan error. */
TEST(other_fatal_errors_still_stop) {
    fx_t f;
    setup(&f, NULL);
    kfb_mapper_msg_t msgs[2] = {{NULL, 0, BAD, sizeof(BAD), {"t", 1, 7}},
                                {NULL, 0, GOOD, sizeof(GOOD), {"t", 1, 8}}};
    kfb_mapper_sink_t sink = sink_of(&f, 1);
    sink.batches = NULL; /* every record asks batch_for, which fails */
    sink.n_batches = 0;
    size_t done;
    ASSERT_ERR(kfb_mapper_map_batch(f.m, msgs, 2, &sink, &done, f.err, sizeof(f.err)),
               KFB_ERR_INTERNAL);
    ASSERT_EQ_INT(done, 1);
    ASSERT_EQ_INT(f.n_err, 1); /* the plan error of message 0 */
    ASSERT_ERR(f.err_code[0], KFB_ERR_MAPPER_PLAN);
    teardown(&f);
}

/* The cached failure is per table schema: after kfb_mapper_set_table to a schema where the
 * column is nullable, schema 2 compiles and its messages land. */
TEST(plan_error_cache_ends_with_the_table_schema) {
    fx_t f;
    setup(&f, NULL);
    kfb_mapper_msg_t msgs[5];
    five(msgs);
    kfb_mapper_sink_t sink = sink_of(&f, 1);
    size_t done;
    ASSERT_OK(kfb_mapper_map_batch(f.m, msgs, 5, &sink, &done, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(f.n_err, 2);
    kfb_table_desc_t *td2 = table(1);
    ASSERT_OK(kfb_mapper_set_table(f.m, td2, 2, f.err, sizeof(f.err)));
    for (int b = 0; b < 4; b++) {
        kfb_kv_batch_reset(f.batches[b]);
        ASSERT_OK(kfb_kv_batch_set_schema_id(f.batches[b], 2));
    }
    ASSERT_OK(kfb_mapper_map_batch(f.m, msgs, 5, &sink, &done, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(done, 5);
    ASSERT_EQ_INT(f.n_err, 2);
    ASSERT_EQ_INT(records(&f), 5);
    teardown(&f);
    kfb_table_desc_destroy(td2);
}

/* The same for Avro Kafka keys: a tombstone whose key schema cannot give the primary key. */
TEST(key_schema_plan_error_per_message) {
    fx_t f;
    setup(&f, NULL);
    kfb_mapper_msg_t msgs[3] = {{BAD_KEY, sizeof(BAD_KEY), NULL, 0, {"t", 2, 50}},
                                {KEY, sizeof(KEY), NULL, 0, {"t", 2, 51}},
                                {BAD_KEY, sizeof(BAD_KEY), NULL, 0, {"t", 2, 52}}};
    kfb_mapper_sink_t sink = sink_of(&f, 0);
    size_t done;
    ASSERT_ERR(kfb_mapper_map_batch(f.m, msgs, 3, &sink, &done, f.err, sizeof(f.err)),
               KFB_ERR_MAPPER_PLAN);
    ASSERT_EQ_INT(done, 0);
    sink.plan_errors_per_message = 1;
    ASSERT_OK(kfb_mapper_map_batch(f.m, msgs, 3, &sink, &done, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(done, 3);
    ASSERT_EQ_INT(records(&f), 1); /* the delete of key 2 */
    ASSERT_EQ_INT(f.n_err, 2);
    ASSERT_EQ_INT(f.err_index[0], 0);
    ASSERT_EQ_INT(f.err_index[1], 2);
    ASSERT_ERR(f.err_code[1], KFB_ERR_MAPPER_PLAN);
    ASSERT_CONTAINS(f.err_text[1], "topic t partition 2 offset 52: field key: schema id 4: field BadKey");
    ASSERT_CONTAINS(f.err_text[1], "no field for primary-key column \"id\"");
    teardown(&f);
}

/* Per-record errors that are not plan errors are unaffected by the flag: an unknown schema
 * id is RECORD either way. A registry 404 is cached by the schema source, so once a
 * worker thread's lookup found nothing, the mapper's messages of that id (single or
 * batch, and kfb_mapper_prepare) are answered without another request. */
TEST(unknown_schema_id_is_answered_from_the_negative_cache) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    ASSERT_TRUE(srv != NULL);
    kfb_http_test_server_script(srv, "/schemas/ids/9", 404,
                                "{\"error_code\":40403,\"message\":\"Schema 9 not found\"}", 0);
    kfb_registry_config_t rc;
    kfb_registry_config_init(&rc);
    rc.url = kfb_http_test_server_url(srv);
    rc.max_retries = 0;
    char err[512];
    kfb_schema_source_t *src = kfb_schema_source_registry_new(&rc, err, sizeof(err));
    ASSERT_TRUE(src != NULL);
    fx_t f;
    setup(&f, src);
    /* the pipeline's worker thread fetches the id first (kfb_schema_source_get) */
    const kfb_avro_schema_t *schema;
    ASSERT_ERR(kfb_schema_source_get(src, 9, &schema, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/9"), 1);
    static const uint8_t UNKNOWN[] = {0, 0, 0, 0, 9, 0x02};
    kfb_mapper_result_t res;
    ASSERT_ERR(kfb_mapper_map(f.m, NULL, 0, UNKNOWN, sizeof(UNKNOWN), NULL, &res, f.err,
                              sizeof(f.err)),
               KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_CONTAINS(f.err, "Schema 9 not found");
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/9"), 1);
    ASSERT_EQ_INT(kfb_schema_source_cached(src, 9), 1);
    ASSERT_ERR(kfb_mapper_prepare(f.m, 9, f.err, sizeof(f.err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    kfb_mapper_msg_t msgs[6];
    for (int i = 0; i < 6; i++)
        msgs[i] = (kfb_mapper_msg_t){NULL, 0, UNKNOWN, sizeof(UNKNOWN), {"t", 0, i}};
    kfb_mapper_sink_t sink = sink_of(&f, 1);
    size_t done;
    ASSERT_OK(kfb_mapper_map_batch(f.m, msgs, 6, &sink, &done, f.err, sizeof(f.err)));
    ASSERT_EQ_INT(done, 6);
    ASSERT_EQ_INT(f.n_err, 6);
    for (size_t k = 0; k < 6; k++) {
        ASSERT_ERR(f.err_code[k], KFB_ERR_UNKNOWN_SCHEMA_ID);
        ASSERT_CONTAINS(f.err_text[k], "value schema id 9: unknown schema id 9");
    }
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/9"), 1);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(src), 1);
    teardown(&f);
    kfb_http_test_server_stop(srv);
}
