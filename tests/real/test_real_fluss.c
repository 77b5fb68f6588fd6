/*
 * test_real_fluss.c - client conformance: the bridge's own Fluss client (fluss_client.h),
 * KV batches (kv_batch.h), compacted rows and keys (compacted_row.h) and mapper (mapper.h)
 * against a real Apache Fluss cluster, with Fluss's own Java client as the judge.
 *
 * Run by tests/real/run.sh, which starts the cluster and sets:
 *   FLUSS_BOOTSTRAP        127.0.0.1:PORT of the coordinator
 *   FLUSS_TABLET_SERVERS   how many tablet servers it has
 *   KFB_REAL_JUDGE         a command; `$KFB_REAL_JUDGE FILE` checks an expected-state file
 *                          (tests/real/README.md) and exits 0 when Fluss holds exactly that
 *   KFB_REAL_DIR           where expected-state files go
 *   KFB_REAL_TAG           optional suffix of the test database (reruns on one cluster)
 * Without FLUSS_BOOTSTRAP every test fails at once with a sentence saying so.
 *
 * Expected states are written from the test's own input: hand-written literals (the
 * values' text as Java prints them), never decoded from the bytes our encoders produced.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bucketing.h"
#include "compacted_row.h"
#include "fluss_api.pb-c.h"
#include "fluss_client.h"
#include "fluss_errors.h"
#include "harness.h"
#include "kv_batch.h"
#include "mapper.h"
#include "rpc_frame.h"
#include "real_support.h"
#include "schema_registry.h"

/* ------------------------------------------------------------------ the model */

/* Per key: its JSON (the judge's `key`) and the JSON rows it held after each write. */
typedef struct model {
    size_t n;
    char **key;
    char ***states;
    size_t *nstates, *cap;
} model_t;

static model_t *model_new(size_t n) {
    model_t *m = calloc(1, sizeof *m);
    m->n = n;
    m->key = calloc(n, sizeof *m->key);
    m->states = calloc(n, sizeof *m->states);
    m->nstates = calloc(n, sizeof *m->nstates);
    m->cap = calloc(n, sizeof *m->cap);
    return m;
}

static char *vfmt(const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    char *s = malloc((size_t)len + 1);
    vsnprintf(s, (size_t)len + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

__attribute__((format(printf, 3, 4))) static void model_key(model_t *m, size_t i, const char *fmt,
                                                            ...) {
    va_list ap;
    va_start(ap, fmt);
    free(m->key[i]);
    m->key[i] = vfmt(fmt, ap);
    va_end(ap);
}

/* Appends the row the key holds after a write; fmt NULL = deleted. */
__attribute__((format(printf, 3, 4))) static void model_push(model_t *m, size_t i, const char *fmt,
                                                             ...) {
    if (m->nstates[i] == m->cap[i]) {
        m->cap[i] = m->cap[i] ? 2 * m->cap[i] : 4;
        m->states[i] = realloc(m->states[i], m->cap[i] * sizeof *m->states[i]);
    }
    char *s = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        s = vfmt(fmt, ap);
        va_end(ap);
    }
    m->states[i][m->nstates[i]++] = s;
}

static const char *model_last(const model_t *m, size_t i) {
    return m->nstates[i] ? m->states[i][m->nstates[i] - 1] : NULL;
}

static void model_free(model_t *m) {
    for (size_t i = 0; i < m->n; i++) {
        for (size_t j = 0; j < m->nstates[i]; j++) free(m->states[i][j]);
        free(m->states[i]);
        free(m->key[i]);
    }
    free(m->key);
    free(m->states);
    free(m->nstates);
    free(m->cap);
    free(m);
}

/* Writes the expected-state file and runs the judge on it. */
static void judge_opts(const model_t *m, const char *table, int exact, int changelog) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.%s.expected.jsonl", env_or_fail("KFB_REAL_DIR"), db(), table);
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fprintf(f, "{\"table\": \"%s.%s\", \"exact\": %s, \"changelog\": %s}\n", db(), table,
            exact ? "true" : "false", changelog ? "true" : "false");
    for (size_t i = 0; i < m->n; i++) {
        if (!m->key[i]) continue;
        fprintf(f, "{\"key\": %s, \"states\": [", m->key[i]);
        for (size_t j = 0; j < m->nstates[i]; j++)
            fprintf(f, "%s%s", j ? ", " : "", m->states[i][j] ? m->states[i][j] : "null");
        fprintf(f, "]}\n");
    }
    ASSERT_EQ_INT(fclose(f), 0);
    run_judge(path);
}

static void judge(const model_t *m, const char *table, int exact) {
    judge_opts(m, table, exact, 1);
}

/* The end of a one-table test: the judge checks the model (exact; with or without the
 * changelog), then everything the test made is freed. */
static void finish(kfb_fluss_client_t *c, kfb_fluss_table_info_t *ti, writer_t *w, model_t *m,
                   kfb_buf_t *key, kfb_buf_t *val, const char *table, int changelog) {
    judge_opts(m, table, 1, changelog);
    kfb_buf_free(key);
    kfb_buf_free(val);
    model_free(m);
    writer_free(w);
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
}

/* Our own Lookup of one key of an unpartitioned table with a single-column bucket key equal
 * to the key: the value without its schema id (malloc'd, NULL when absent). */
static uint8_t *lookup_one(kfb_fluss_client_t *c, const kfb_fluss_table_info_t *ti,
                           const kfb_buf_t *key, size_t *len, int32_t *schema_id) {
    const uint8_t *keys[1] = {key->data};
    size_t kl[1] = {key->len}, vl[1] = {0};
    uint8_t *vals[1] = {NULL};
    int32_t sid[1] = {-1};
    char err[512];
    kfb_err_t e = kfb_fluss_client_lookup(c, ti->table_id, -1,
                                          kfb_bucket_fluss(key->data, key->len, ti->bucket_count),
                                          keys, kl, 1, TIMEOUT_MS, vals, vl, sid, err, sizeof err);
    if (e) KFB_TEST_FAILF_("lookup: %s: %s", kfb_err_name(e), err);
    *len = vl[0];
    if (schema_id) *schema_id = sid[0];
    return vals[0];
}

/* ------------------------------------------------------------------ tests */

/* ApiVersions from both kinds of server: every API the bridge uses is offered, and the
 * version our client speaks lies in the server's range; metadata lists the coordinator and
 * every tablet server with their loopback listeners. */
TEST(api_versions_and_metadata) {
    kfb_fluss_client_t *c = client();
    char err[512];
    int want_ts = atoi(env_or_fail("FLUSS_TABLET_SERVERS"));
    kfb_fluss_target_t targets[2] = {KFB_FLUSS_TARGET_COORDINATOR, KFB_FLUSS_TARGET_TABLET};
    for (int t = 0; t < 2; t++) {
        Fluss__ApiVersionsRequest req = FLUSS__API_VERSIONS_REQUEST__INIT;
        req.client_software_name = "kfb-real";
        req.client_software_version = "0";
        Fluss__ApiVersionsResponse *resp = NULL;
        kfb_err_t e = kfb_fluss_client_call(c, targets[t], KFB_API_API_VERSIONS, &req.base,
                                            &fluss__api_versions_response__descriptor, TIMEOUT_MS,
                                            (ProtobufCMessage **)&resp, NULL, err, sizeof err);
        if (e) KFB_TEST_FAILF_("ApiVersions: %s", err);
        ASSERT_TRUE(resp->has_server_type);
        ASSERT_EQ_INT(resp->server_type, t == 0 ? KFB_FLUSS_SERVER_COORDINATOR : KFB_FLUSS_SERVER_TABLET);
        int32_t coord_apis[] = {KFB_API_API_VERSIONS, KFB_API_CREATE_DATABASE,
                                KFB_API_DATABASE_EXISTS, KFB_API_CREATE_TABLE,
                                KFB_API_GET_TABLE_INFO, KFB_API_TABLE_EXISTS, KFB_API_GET_METADATA,
                                KFB_API_CREATE_PARTITION, KFB_API_LIST_PARTITION_INFOS};
        int32_t ts_apis[] = {KFB_API_API_VERSIONS, KFB_API_GET_TABLE_INFO, KFB_API_GET_METADATA,
                             KFB_API_PUT_KV, KFB_API_LOOKUP, KFB_API_INIT_WRITER};
        const int32_t *apis = t == 0 ? coord_apis : ts_apis;
        size_t napis = t == 0 ? sizeof coord_apis / sizeof *coord_apis : sizeof ts_apis / sizeof *ts_apis;
        for (size_t i = 0; i < napis; i++) {
            int found = 0;
            for (size_t j = 0; j < resp->n_api_versions; j++) {
                const Fluss__PbApiVersion *v = resp->api_versions[j];
                if (v->api_key != apis[i]) continue;
                found = 1;
                int16_t lo, hi;
                ASSERT_TRUE(kfb_rpc_api_client_versions(apis[i], &lo, &hi));
                /* a common version exists: max(lo, server min) <= min(hi, server max) */
                int common_hi = hi < v->max_version ? hi : v->max_version;
                int common_lo = lo > v->min_version ? lo : v->min_version;
                if (common_lo > common_hi)
                    KFB_TEST_FAILF_("%s: server offers %d..%d, we speak %d..%d",
                                    kfb_rpc_api_name(apis[i]), v->min_version, v->max_version, lo, hi);
                if (apis[i] == KFB_API_PUT_KV || apis[i] == KFB_API_LOOKUP)
                    printf("  %s server %d..%d, client %d..%d -> v%d\n", kfb_rpc_api_name(apis[i]),
                           v->min_version, v->max_version, lo, hi, common_hi);
            }
            if (!found) KFB_TEST_FAILF_("server type %d does not offer %s", resp->server_type,
                                        kfb_rpc_api_name(apis[i]));
        }
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    }

    Fluss__MetadataRequest mreq = FLUSS__METADATA_REQUEST__INIT;
    Fluss__MetadataResponse *mresp = NULL;
    ASSERT_OK(kfb_fluss_client_call(c, KFB_FLUSS_TARGET_ANY, KFB_API_GET_METADATA, &mreq.base,
                                    &fluss__metadata_response__descriptor, TIMEOUT_MS,
                                    (ProtobufCMessage **)&mresp, NULL, err, sizeof err));
    ASSERT_TRUE(mresp->coordinator_server != NULL);
    ASSERT_STREQ(mresp->coordinator_server->host, "127.0.0.1");
    ASSERT_EQ_INT(mresp->n_tablet_servers, want_ts);
    for (size_t i = 0; i < mresp->n_tablet_servers; i++)
        ASSERT_STREQ(mresp->tablet_servers[i]->host, "127.0.0.1");
    protobuf_c_message_free_unpacked(&mresp->base, NULL);
    kfb_fluss_client_destroy(c);
}

static const char *T_SIMPLE =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"qty\",\"data_type\":{\"type\":\"BIGINT\"}}],"
    "\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_key\":[\"id\"],\"bucket_count\":%d,"
    "\"properties\":{},\"custom_properties\":{}}";

/* DatabaseExists / CreateDatabase / TableExists / CreateTable and the errors for creating
 * twice; GetTableInfo gives back what we created (and what the coordinator added). */
TEST(database_and_table_admin) {
    kfb_fluss_client_t *c = client();
    char err[1024], json[1024];
    int exists = -1;
    ensure_db(c);
    ASSERT_OK(kfb_fluss_client_database_exists(c, db(), TIMEOUT_MS, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 1);
    ASSERT_OK(kfb_fluss_client_database_exists(c, "kfb_no_such_db", TIMEOUT_MS, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 0);
    ASSERT_ERR(kfb_fluss_client_create_database(c, db(), 0, TIMEOUT_MS, err, sizeof err),
               KFB_ERR_FLUSS_ERROR);
    ASSERT_CONTAINS(err, "DATABASE_ALREADY_EXIST");

    ASSERT_OK(kfb_fluss_client_table_exists(c, db(), "admin", TIMEOUT_MS, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 0);
    snprintf(json, sizeof json, T_SIMPLE, 3);
    ASSERT_OK(kfb_fluss_client_create_table(c, db(), "admin", json, 0, TIMEOUT_MS, err, sizeof err));
    ASSERT_OK(kfb_fluss_client_table_exists(c, db(), "admin", TIMEOUT_MS, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 1);
    ASSERT_ERR(kfb_fluss_client_create_table(c, db(), "admin", json, 0, TIMEOUT_MS, err, sizeof err),
               KFB_ERR_FLUSS_ERROR);
    ASSERT_CONTAINS(err, "TABLE_ALREADY_EXIST");
    ASSERT_OK(kfb_fluss_client_create_table(c, db(), "admin", json, 1, TIMEOUT_MS, err, sizeof err));
    ASSERT_ERR(kfb_fluss_client_create_table(c, "kfb_no_such_db", "t", json, 0, TIMEOUT_MS, err,
                                             sizeof err),
               KFB_ERR_FLUSS_ERROR);
    ASSERT_CONTAINS(err, "DATABASE_NOT_EXIST");

    kfb_fluss_table_info_t *ti = NULL;
    ASSERT_OK(kfb_fluss_client_get_table(c, db(), "admin", TIMEOUT_MS, &ti, err, sizeof err));
    ASSERT_STREQ(ti->database, db());
    ASSERT_STREQ(ti->table, "admin");
    ASSERT_TRUE(ti->table_id >= 0);
    ASSERT_EQ_INT(ti->schema_id, 1);
    ASSERT_EQ_INT(ti->bucket_count, 3);
    ASSERT_EQ_INT(ti->partitioned, 0);
    ASSERT_EQ_INT(ti->desc->column_count, 3);
    ASSERT_EQ_INT(ti->desc->primary_key_count, 1);
    ASSERT_EQ_INT(ti->desc->kv_format, KFB_KV_FORMAT_COMPACTED);
    /* the coordinator stamps new primary-key tables with kv format version 2 */
    printf("  table.kv.format-version as stored: %s\n",
           kfb_table_desc_property(ti->desc, "table.kv.format-version")
               ? kfb_table_desc_property(ti->desc, "table.kv.format-version") : "(absent)");
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
}

/* Every scalar column type: the descriptor JSON round-trips through the coordinator into
 * our parser with the same types, and rows written with our compacted_row writer read back
 * in Java with the values the test wrote down by hand. */
static const char *T_SCALARS =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"k\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
    "{\"name\":\"c_bool\",\"data_type\":{\"type\":\"BOOLEAN\"}},"
    "{\"name\":\"c_i8\",\"data_type\":{\"type\":\"TINYINT\"}},"
    "{\"name\":\"c_i16\",\"data_type\":{\"type\":\"SMALLINT\"}},"
    "{\"name\":\"c_i32\",\"data_type\":{\"type\":\"INTEGER\"}},"
    "{\"name\":\"c_i64\",\"data_type\":{\"type\":\"BIGINT\"}},"
    "{\"name\":\"c_f32\",\"data_type\":{\"type\":\"FLOAT\"}},"
    "{\"name\":\"c_f64\",\"data_type\":{\"type\":\"DOUBLE\"}},"
    "{\"name\":\"c_char\",\"data_type\":{\"type\":\"CHAR\",\"length\":5}},"
    "{\"name\":\"c_str\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"c_bin\",\"data_type\":{\"type\":\"BINARY\",\"length\":4}},"
    "{\"name\":\"c_bytes\",\"data_type\":{\"type\":\"BYTES\"}},"
    "{\"name\":\"c_dec\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":10,\"scale\":2}},"
    "{\"name\":\"c_dec38\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":38,\"scale\":10}},"
    "{\"name\":\"c_date\",\"data_type\":{\"type\":\"DATE\"}},"
    "{\"name\":\"c_time\",\"data_type\":{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":3}},"
    "{\"name\":\"c_ts3\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":3}},"
    "{\"name\":\"c_ts9\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":9}},"
    "{\"name\":\"c_ltz3\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3}},"
    "{\"name\":\"c_ltz6\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":6}},"
    "{\"name\":\"c_nn\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}}],"
    "\"primary_key\":[\"k\"]},\"partition_key\":[],\"bucket_key\":[\"k\"],\"bucket_count\":4,"
    "\"properties\":{},\"custom_properties\":{}}";

/* One row of T_SCALARS: the C values written, and the same values as the judge's JSON. */
typedef struct scalar_row {
    int32_t k;
    bool nulls; /* every nullable column null */
    bool b;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    const char *chr, *str;
    const char *bin_hex, *bytes_hex;
    int64_t dec_unscaled;
    const char *dec38_be_hex;
    int32_t date_days, time_ms;
    int64_t ts3_ms, ts9_ms;
    int32_t ts9_ns;
    int64_t ltz3_ms, ltz6_ms;
    int32_t ltz6_ns;
    const char *nn;
    const char *json; /* the row as the judge reads it, written by hand */
} scalar_row_t;

/* Values chosen at the edges; timestamps, dates and decimals converted by hand (python3's
 * datetime and int.to_bytes), not by our code. */
static const scalar_row_t SCALAR_ROWS[] = {
    {1, false, true, 127, 32767, 2147483647, INT64_MAX, 1.5f, 3.25, "ab", "hello", "00ff10aa",
     "", 123456789, "018ee90ff6c373e0ee4e3f0ad2", 19782, 86399999, 1709210096789, 1709210096789,
     123456, 0, 1709210096789, 123000, "x",
     "{\"k\": 1, \"c_bool\": true, \"c_i8\": 127, \"c_i16\": 32767, \"c_i32\": 2147483647, "
     "\"c_i64\": 9223372036854775807, \"c_f32\": 1.5, \"c_f64\": 3.25, \"c_char\": \"ab\", "
     "\"c_str\": \"hello\", \"c_bin\": \"00ff10aa\", \"c_bytes\": \"\", \"c_dec\": \"1234567.89\", "
     "\"c_dec38\": \"12345678901234567890.1234567890\", \"c_date\": \"2024-02-29\", "
     "\"c_time\": \"23:59:59.999\", \"c_ts3\": \"2024-02-29T12:34:56.789\", "
     "\"c_ts9\": \"2024-02-29T12:34:56.789123456\", \"c_ltz3\": \"1970-01-01T00:00:00Z\", "
     "\"c_ltz6\": \"2024-02-29T12:34:56.789123Z\", \"c_nn\": \"x\"}"},
    {2, false, false, -128, -32768, INT32_MIN, INT64_MIN, -0.0f, -1e300, "", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
     "00000000", "deadbeef", -1, "ff", -719162, 0, -1, -1, 0, -2208988800000, -2208988800000,
     0, "",
     "{\"k\": 2, \"c_bool\": false, \"c_i8\": -128, \"c_i16\": -32768, \"c_i32\": -2147483648, "
     "\"c_i64\": -9223372036854775808, \"c_f32\": -0.0, \"c_f64\": -1e300, \"c_char\": \"\", "
     "\"c_str\": \"\\u00e9t\\u00e9 \\u20ac \\ud83d\\ude00\", \"c_bin\": \"00000000\", "
     "\"c_bytes\": \"deadbeef\", \"c_dec\": \"-0.01\", \"c_dec38\": \"-0.0000000001\", "
     "\"c_date\": \"0001-01-01\", \"c_time\": \"00:00:00\", \"c_ts3\": \"1969-12-31T23:59:59.999\", "
     "\"c_ts9\": \"1969-12-31T23:59:59.999\", \"c_ltz3\": \"1900-01-01T00:00:00Z\", "
     "\"c_ltz6\": \"1900-01-01T00:00:00Z\", \"c_nn\": \"\"}"},
    {3, false, true, 0, 0, 0, 0, NAN, INFINITY, "abcde", "a\"b\\c\n", "01020304", "00",
     9999999999, "4b3b4ca85a86c47a098a223fffffffff", 2932896, 1, 0, 0, 0, 0, 0, 0, "y",
     "{\"k\": 3, \"c_bool\": true, \"c_i8\": 0, \"c_i16\": 0, \"c_i32\": 0, \"c_i64\": 0, "
     "\"c_f32\": \"NaN\", \"c_f64\": \"Infinity\", \"c_char\": \"abcde\", \"c_str\": \"a\\\"b\\\\c\\n\", "
     "\"c_bin\": \"01020304\", \"c_bytes\": \"00\", \"c_dec\": \"99999999.99\", "
     "\"c_dec38\": \"9999999999999999999999999999.9999999999\", \"c_date\": \"9999-12-31\", "
     "\"c_time\": \"00:00:00.001\", \"c_ts3\": \"1970-01-01T00:00:00\", "
     "\"c_ts9\": \"1970-01-01T00:00:00\", \"c_ltz3\": \"1970-01-01T00:00:00Z\", "
     "\"c_ltz6\": \"1970-01-01T00:00:00Z\", \"c_nn\": \"y\"}"},
    {4, true, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, 0, 0, "z",
     "{\"k\": 4, \"c_bool\": null, \"c_i8\": null, \"c_i16\": null, \"c_i32\": null, \"c_i64\": null, "
     "\"c_f32\": null, \"c_f64\": null, \"c_char\": null, \"c_str\": null, \"c_bin\": null, "
     "\"c_bytes\": null, \"c_dec\": null, \"c_dec38\": null, \"c_date\": null, \"c_time\": null, "
     "\"c_ts3\": null, \"c_ts9\": null, \"c_ltz3\": null, \"c_ltz6\": null, \"c_nn\": \"z\"}"},
};

static void encode_scalar_row(const scalar_row_t *r, kfb_buf_t *out) {
    kfb_row_writer_t w;
    uint8_t tmp[64];
    size_t n;
    ASSERT_OK(kfb_row_writer_begin(&w, out, 21));
    ASSERT_OK(kfb_row_write_int(&w, r->k));
    if (r->nulls) {
        for (uint32_t i = 1; i <= 19; i++) ASSERT_OK(kfb_row_write_null(&w, i));
    } else {
        ASSERT_OK(kfb_row_write_boolean(&w, r->b));
        ASSERT_OK(kfb_row_write_tinyint(&w, r->i8));
        ASSERT_OK(kfb_row_write_smallint(&w, r->i16));
        ASSERT_OK(kfb_row_write_int(&w, r->i32));
        ASSERT_OK(kfb_row_write_bigint(&w, r->i64));
        ASSERT_OK(kfb_row_write_float(&w, r->f32));
        ASSERT_OK(kfb_row_write_double(&w, r->f64));
        ASSERT_OK(kfb_row_write_string(&w, r->chr, strlen(r->chr)));
        ASSERT_OK(kfb_row_write_string(&w, r->str, strlen(r->str)));
        uint8_t *bin = kfb_test_unhex(r->bin_hex, &n);
        ASSERT_OK(kfb_row_write_bytes(&w, bin, n));
        free(bin);
        uint8_t *bytes = kfb_test_unhex(r->bytes_hex, &n);
        ASSERT_OK(kfb_row_write_bytes(&w, bytes, n));
        free(bytes);
        ASSERT_OK(kfb_row_write_decimal_compact(&w, r->dec_unscaled));
        uint8_t *be = kfb_test_unhex(r->dec38_be_hex, &n);
        ASSERT_TRUE(n <= sizeof tmp);
        ASSERT_OK(kfb_row_write_decimal_bytes(&w, be, n));
        free(be);
        ASSERT_OK(kfb_row_write_date(&w, r->date_days));
        ASSERT_OK(kfb_row_write_time(&w, r->time_ms));
        ASSERT_OK(kfb_row_write_timestamp_ntz(&w, r->ts3_ms, 0, 3));
        ASSERT_OK(kfb_row_write_timestamp_ntz(&w, r->ts9_ms, r->ts9_ns, 9));
        ASSERT_OK(kfb_row_write_timestamp_ltz(&w, r->ltz3_ms, 0, 3));
        ASSERT_OK(kfb_row_write_timestamp_ltz(&w, r->ltz6_ms, r->ltz6_ns, 6));
    }
    ASSERT_OK(kfb_row_write_string(&w, r->nn, strlen(r->nn)));
}

static void int_key(int32_t k, kfb_buf_t *out) {
    kfb_row_writer_t w;
    kfb_buf_reset(out);
    kfb_key_writer_begin(&w, out);
    ASSERT_OK(kfb_row_write_int(&w, k));
}

TEST(scalar_types_roundtrip) {
    kfb_fluss_client_t *c = client();
    kfb_fluss_table_info_t *ti = create_open(c, "scalars", T_SCALARS);
    /* the descriptor as the server stores it parses into the types we created */
    static const char *want_types[] = {
        "INT NOT NULL", "BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE",
        "CHAR(5)", "STRING", "BINARY(4)", "BYTES", "DECIMAL(10, 2)", "DECIMAL(38, 10)", "DATE",
        "TIME(3)", "TIMESTAMP(3)", "TIMESTAMP(9)", "TIMESTAMP_LTZ(3)", "TIMESTAMP_LTZ(6)",
        "STRING NOT NULL"};
    ASSERT_EQ_INT(ti->desc->column_count, 21);
    for (size_t i = 0; i < 21; i++) {
        char name[96];
        kfb_datatype_format(&ti->desc->column_types[i], name, sizeof name);
        if (strcmp(name, want_types[i]) != 0 &&
            !(strstr(want_types[i], "TIMESTAMP_LTZ") && strstr(name, "WITH LOCAL TIME ZONE")))
            KFB_TEST_FAILF_("column %zu: type %s, created as %s", i, name, want_types[i]);
    }
    writer_t w;
    writer_init(&w, c, ti, 2);
    model_t *m = model_new(8);
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    size_t nrows = sizeof SCALAR_ROWS / sizeof *SCALAR_ROWS;
    for (size_t i = 0; i < nrows; i++) {
        const scalar_row_t *r = &SCALAR_ROWS[i];
        int_key(r->k, &key);
        kfb_buf_reset(&val);
        encode_scalar_row(r, &val);
        writer_put(&w, kfb_bucket_fluss(key.data, key.len, ti->bucket_count), key.data, key.len,
                   val.data, val.len);
        model_key(m, (size_t)r->k, "{\"k\": %d}", r->k);
        model_push(m, (size_t)r->k, "%s", r->json);
    }
    model_key(m, 7, "{\"k\": 7}"); /* never written: absent */
    writer_flush(&w);
    flush_all_ok(c);
    /* our own Lookup returns the bytes we wrote, behind schema id 1 */
    for (size_t i = 0; i < nrows; i++) {
        int_key(SCALAR_ROWS[i].k, &key);
        kfb_buf_reset(&val);
        encode_scalar_row(&SCALAR_ROWS[i], &val);
        size_t vl;
        int32_t sid;
        uint8_t *got = lookup_one(c, ti, &key, &vl, &sid);
        ASSERT_EQ_INT(sid, ti->schema_id);
        ASSERT_MEMEQ(got, vl, val.data, val.len);
        free(got);
    }
    finish(c, ti, &w, m, &key, &val, "scalars", 1);
}

/* A primary key of every type a key may have: our CompactedKeyEncoder bytes and Fluss bucket
 * must equal Java's (the judge's Lookup encodes the key itself; a difference = absent). */
static const char *T_KEYS =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"k_bool\",\"data_type\":{\"type\":\"BOOLEAN\",\"nullable\":false}},"
    "{\"name\":\"k_i8\",\"data_type\":{\"type\":\"TINYINT\",\"nullable\":false}},"
    "{\"name\":\"k_i16\",\"data_type\":{\"type\":\"SMALLINT\",\"nullable\":false}},"
    "{\"name\":\"k_i32\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
    "{\"name\":\"k_i64\",\"data_type\":{\"type\":\"BIGINT\",\"nullable\":false}},"
    "{\"name\":\"k_f32\",\"data_type\":{\"type\":\"FLOAT\",\"nullable\":false}},"
    "{\"name\":\"k_f64\",\"data_type\":{\"type\":\"DOUBLE\",\"nullable\":false}},"
    "{\"name\":\"k_char\",\"data_type\":{\"type\":\"CHAR\",\"length\":3,\"nullable\":false}},"
    "{\"name\":\"k_str\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},"
    "{\"name\":\"k_bin\",\"data_type\":{\"type\":\"BINARY\",\"length\":2,\"nullable\":false}},"
    "{\"name\":\"k_bytes\",\"data_type\":{\"type\":\"BYTES\",\"nullable\":false}},"
    "{\"name\":\"k_dec\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":5,\"scale\":1,\"nullable\":false}},"
    "{\"name\":\"k_dec30\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":30,\"scale\":0,\"nullable\":false}},"
    "{\"name\":\"k_date\",\"data_type\":{\"type\":\"DATE\",\"nullable\":false}},"
    "{\"name\":\"k_time\",\"data_type\":{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":0,\"nullable\":false}},"
    "{\"name\":\"k_ts\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":6,\"nullable\":false}},"
    "{\"name\":\"k_ltz\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3,\"nullable\":false}},"
    "{\"name\":\"v\",\"data_type\":{\"type\":\"INTEGER\"}}],"
    "\"primary_key\":[\"k_bool\",\"k_i8\",\"k_i16\",\"k_i32\",\"k_i64\",\"k_f32\",\"k_f64\","
    "\"k_char\",\"k_str\",\"k_bin\",\"k_bytes\",\"k_dec\",\"k_dec30\",\"k_date\",\"k_time\","
    "\"k_ts\",\"k_ltz\"]},"
    "\"partition_key\":[],\"bucket_key\":[],\"bucket_count\":5,"
    "\"properties\":{},\"custom_properties\":{}}";

static void encode_key_cols(kfb_row_writer_t *w, int i) {
    /* i selects small variations so keys differ in every column */
    static const char *strs[] = {"a", "\xe2\x82\xac", "longer string key", ""};
    static const char *be30[] = {"00", "ff", "0c9f2c9cd04674edea3fffffff", "01"}; /* 0,-1,10^30-1,1 */
    ASSERT_OK(kfb_row_write_boolean(w, i & 1));
    ASSERT_OK(kfb_row_write_tinyint(w, (int8_t)(i - 2)));
    ASSERT_OK(kfb_row_write_smallint(w, (int16_t)(-300 * i)));
    ASSERT_OK(kfb_row_write_int(w, i * 100000 - 7));
    ASSERT_OK(kfb_row_write_bigint(w, (int64_t)i * -5000000000LL));
    ASSERT_OK(kfb_row_write_float(w, (float)i * 0.5f));
    ASSERT_OK(kfb_row_write_double(w, -(double)i * 0.25));
    ASSERT_OK(kfb_row_write_string(w, strs[i % 4], strlen(strs[i % 4])));
    ASSERT_OK(kfb_row_write_string(w, strs[(i + 1) % 4], strlen(strs[(i + 1) % 4])));
    uint8_t bin[2] = {(uint8_t)i, 0xfe};
    ASSERT_OK(kfb_row_write_bytes(w, bin, 2));
    ASSERT_OK(kfb_row_write_bytes(w, bin, (size_t)(i % 3)));
    ASSERT_OK(kfb_row_write_decimal_compact(w, (int64_t)i * 111 - 222));
    size_t n;
    uint8_t *be = kfb_test_unhex(be30[i % 4], &n);
    ASSERT_OK(kfb_row_write_decimal_bytes(w, be, n));
    free(be);
    ASSERT_OK(kfb_row_write_date(w, i * 1000 - 1500));
    ASSERT_OK(kfb_row_write_time(w, i * 3600000));
    ASSERT_OK(kfb_row_write_timestamp_ntz(w, 1709210096789 + i, i * 1000, 6));
    ASSERT_OK(kfb_row_write_timestamp_ltz(w, -1 - i, 0, 3));
}

/* The JSON of encode_key_cols(i), written out by hand per i. */
static const char *KEY_JSON[4] = {
    "\"k_bool\": false, \"k_i8\": -2, \"k_i16\": 0, \"k_i32\": -7, \"k_i64\": 0, \"k_f32\": 0.0, "
    "\"k_f64\": -0.0, \"k_char\": \"a\", \"k_str\": \"\\u20ac\", \"k_bin\": \"00fe\", \"k_bytes\": \"\", "
    "\"k_dec\": \"-22.2\", \"k_dec30\": \"0\", \"k_date\": \"1965-11-23\", \"k_time\": \"00:00:00\", "
    "\"k_ts\": \"2024-02-29T12:34:56.789\", \"k_ltz\": \"1969-12-31T23:59:59.999Z\"",
    "\"k_bool\": true, \"k_i8\": -1, \"k_i16\": -300, \"k_i32\": 99993, \"k_i64\": -5000000000, "
    "\"k_f32\": 0.5, \"k_f64\": -0.25, \"k_char\": \"\\u20ac\", \"k_str\": \"longer string key\", "
    "\"k_bin\": \"01fe\", \"k_bytes\": \"01\", \"k_dec\": \"-11.1\", \"k_dec30\": \"-1\", "
    "\"k_date\": \"1968-08-19\", \"k_time\": \"01:00:00\", \"k_ts\": \"2024-02-29T12:34:56.790001\", "
    "\"k_ltz\": \"1969-12-31T23:59:59.998Z\"",
    "\"k_bool\": false, \"k_i8\": 0, \"k_i16\": -600, \"k_i32\": 199993, \"k_i64\": -10000000000, "
    "\"k_f32\": 1.0, \"k_f64\": -0.5, \"k_char\": \"longer string key\", \"k_str\": \"\", "
    "\"k_bin\": \"02fe\", \"k_bytes\": \"02fe\", \"k_dec\": \"0.0\", "
    "\"k_dec30\": \"999999999999999999999999999999\", \"k_date\": \"1971-05-16\", "
    "\"k_time\": \"02:00:00\", \"k_ts\": \"2024-02-29T12:34:56.791002\", "
    "\"k_ltz\": \"1969-12-31T23:59:59.997Z\"",
    "\"k_bool\": true, \"k_i8\": 1, \"k_i16\": -900, \"k_i32\": 299993, \"k_i64\": -15000000000, "
    "\"k_f32\": 1.5, \"k_f64\": -0.75, \"k_char\": \"\", \"k_str\": \"a\", \"k_bin\": \"03fe\", "
    "\"k_bytes\": \"\", \"k_dec\": \"11.1\", \"k_dec30\": \"1\", \"k_date\": \"1974-02-09\", "
    "\"k_time\": \"03:00:00\", \"k_ts\": \"2024-02-29T12:34:56.792003\", "
    "\"k_ltz\": \"1969-12-31T23:59:59.996Z\"",
};

TEST(every_key_type) {
    kfb_fluss_client_t *c = client();
    kfb_fluss_table_info_t *ti = create_open(c, "keys", T_KEYS);
    writer_t w;
    writer_init(&w, c, ti, 100);
    model_t *m = model_new(4);
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    for (int i = 0; i < 4; i++) {
        kfb_row_writer_t kw, vw;
        kfb_buf_reset(&key);
        kfb_key_writer_begin(&kw, &key);
        encode_key_cols(&kw, i);
        kfb_buf_reset(&val);
        ASSERT_OK(kfb_row_writer_begin(&vw, &val, 18));
        encode_key_cols(&vw, i);
        ASSERT_OK(kfb_row_write_int(&vw, 1000 + i));
        writer_put(&w, kfb_bucket_fluss(key.data, key.len, ti->bucket_count), key.data, key.len,
                   val.data, val.len);
        model_key(m, (size_t)i, "{%s}", KEY_JSON[i]);
        model_push(m, (size_t)i, "{%s, \"v\": %d}", KEY_JSON[i], 1000 + i);
    }
    writer_flush(&w);
    flush_all_ok(c);
    finish(c, ti, &w, m, &key, &val, "keys", 1);
}

/* ---- Avro by hand (Avro 1.11 spec, "Binary Encoding"), for the mapper tests ---- */

static void avro_long(kfb_buf_t *b, int64_t v) {
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (z >= 0x80) {
        kfb_buf_append_byte(b, (uint8_t)(z | 0x80));
        z >>= 7;
    }
    kfb_buf_append_byte(b, (uint8_t)z);
}
static void avro_str(kfb_buf_t *b, const char *s) {
    avro_long(b, (int64_t)strlen(s));
    kfb_buf_append(b, s, strlen(s));
}
static void confluent_header(kfb_buf_t *b, int32_t id) {
    uint8_t h[5] = {0, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    kfb_buf_reset(b);
    kfb_buf_append(b, h, 5);
}

static const char *T_NESTED =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
    "{\"name\":\"tags\",\"data_type\":{\"type\":\"ARRAY\",\"element_type\":{\"type\":\"STRING\"}},\"id\":1},"
    "{\"name\":\"nums\",\"data_type\":{\"type\":\"ARRAY\",\"element_type\":{\"type\":\"INTEGER\"}},\"id\":2},"
    "{\"name\":\"attrs\",\"data_type\":{\"type\":\"MAP\",\"key_type\":{\"type\":\"STRING\",\"nullable\":false},"
    "\"value_type\":{\"type\":\"BIGINT\"}},\"id\":3},"
    "{\"name\":\"pt\",\"data_type\":{\"type\":\"ROW\",\"fields\":["
    "{\"name\":\"x\",\"field_type\":{\"type\":\"INTEGER\"},\"field_id\":5},"
    "{\"name\":\"label\",\"field_type\":{\"type\":\"STRING\"},\"field_id\":6}]},\"id\":4}],"
    "\"primary_key\":[\"id\"],\"highest_field_id\":6},\"partition_key\":[],\"bucket_key\":[\"id\"],\"bucket_count\":3,"
    "\"properties\":{},\"custom_properties\":{}}";

static const char *AVRO_NESTED =
    "{\"type\":\"record\",\"name\":\"N\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"nums\",\"type\":[\"null\",{\"type\":\"array\",\"items\":[\"null\",\"int\"]}]},"
    "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
    "{\"name\":\"pt\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"P\",\"fields\":["
    "{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"label\",\"type\":[\"null\",\"string\"]}]}]}]}";

/* ARRAY, MAP and ROW columns are written by the mapper (the only producer of BinaryArray /
 * BinaryMap / nested rows in the bridge) from Avro the test encodes by hand. */
TEST(nested_types_via_mapper) {
    kfb_fluss_client_t *c = client();
    kfb_fluss_table_info_t *ti = create_open(c, "nested", T_NESTED);
    char err[1024];
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(src, 5, AVRO_NESTED, strlen(AVRO_NESTED), err, sizeof err));
    kfb_mapper_config_t mc;
    kfb_mapper_config_init(&mc);
    mc.topic = "nested";
    mc.table_schema_id = ti->schema_id;
    kfb_mapper_t *mp = kfb_mapper_new(ti->desc, src, &mc, err, sizeof err);
    if (!mp) KFB_TEST_FAILF_("mapper: %s", err);
    writer_t w;
    writer_init(&w, c, ti, 100);
    model_t *m = model_new(4);
    kfb_buf_t msg = KFB_BUF_INIT;
    for (int id = 0; id < 3; id++) {
        confluent_header(&msg, 5);
        avro_long(&msg, id);
        if (id == 0) { /* tags ["a", "é"], nums [1, null, -2147483648], attrs {"k1": 1, "k2": -5}, pt {7, "p"} */
            avro_long(&msg, 2); avro_str(&msg, "a"); avro_str(&msg, "\xc3\xa9"); avro_long(&msg, 0);
            avro_long(&msg, 1); avro_long(&msg, 3);
            avro_long(&msg, 1); avro_long(&msg, 1); avro_long(&msg, 0);
            avro_long(&msg, 1); avro_long(&msg, INT32_MIN); avro_long(&msg, 0);
            avro_long(&msg, 2); avro_str(&msg, "k1"); avro_long(&msg, 1); avro_str(&msg, "k2");
            avro_long(&msg, -5); avro_long(&msg, 0);
            avro_long(&msg, 1); avro_long(&msg, 7); avro_long(&msg, 1); avro_str(&msg, "p");
        } else if (id == 1) { /* empty array, nums null, empty map, pt null */
            avro_long(&msg, 0);
            avro_long(&msg, 0);
            avro_long(&msg, 0);
            avro_long(&msg, 0);
        } else { /* 40 tags in two blocks, nums [], attrs one entry, pt {x: -1, label: null} */
            avro_long(&msg, 25);
            for (int i = 0; i < 25; i++) { char t[8]; snprintf(t, sizeof t, "t%d", i); avro_str(&msg, t); }
            avro_long(&msg, 15);
            for (int i = 25; i < 40; i++) { char t[8]; snprintf(t, sizeof t, "t%d", i); avro_str(&msg, t); }
            avro_long(&msg, 0);
            avro_long(&msg, 1); avro_long(&msg, 0);
            avro_long(&msg, 1); avro_str(&msg, "only"); avro_long(&msg, INT64_MAX); avro_long(&msg, 0);
            avro_long(&msg, 1); avro_long(&msg, -1); avro_long(&msg, 0);
        }
        kfb_mapper_result_t res;
        ASSERT_OK(kfb_mapper_map(mp, NULL, 0, msg.data, msg.len, NULL, &res, err, sizeof err));
        ASSERT_EQ_INT(res.n, 1);
        ASSERT_OK(kfb_mapper_append_to_batch(mp, &res, 0, w.b[res.out[0].bucket], err, sizeof err));
        w.count[res.out[0].bucket]++;
        model_key(m, (size_t)id, "{\"id\": %d}", id);
    }
    model_push(m, 0, "{\"id\": 0, \"tags\": [\"a\", \"\\u00e9\"], \"nums\": [1, null, -2147483648], "
                     "\"attrs\": {\"k1\": 1, \"k2\": -5}, \"pt\": {\"x\": 7, \"label\": \"p\"}}");
    model_push(m, 1, "{\"id\": 1, \"tags\": [], \"nums\": null, \"attrs\": {}, \"pt\": null}");
    {
        char tags[1024] = "";
        for (int i = 0; i < 40; i++)
            snprintf(tags + strlen(tags), sizeof tags - strlen(tags), "%s\"t%d\"", i ? ", " : "", i);
        model_push(m, 2, "{\"id\": 2, \"tags\": [%s], \"nums\": [], "
                         "\"attrs\": {\"only\": 9223372036854775807}, \"pt\": {\"x\": -1, \"label\": null}}",
                   tags);
    }
    writer_flush(&w);
    flush_all_ok(c);
    judge(m, "nested", 1);
    kfb_buf_free(&msg);
    model_free(m);
    writer_free(&w);
    kfb_mapper_destroy(mp);
    kfb_schema_source_destroy(src);
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
}

static void simple_row(kfb_buf_t *out, int32_t id, const char *name, int64_t qty, bool qty_null) {
    kfb_row_writer_t w;
    kfb_buf_reset(out);
    ASSERT_OK(kfb_row_writer_begin(&w, out, 3));
    ASSERT_OK(kfb_row_write_int(&w, id));
    if (name) ASSERT_OK(kfb_row_write_string(&w, name, strlen(name)));
    else ASSERT_OK(kfb_row_write_null(&w, 1));
    if (qty_null) ASSERT_OK(kfb_row_write_null(&w, 2));
    else ASSERT_OK(kfb_row_write_bigint(&w, qty));
}

static int32_t leaders_on_servers(kfb_fluss_client_t *c, const char *table, int32_t nbuckets) {
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = (char *)db();
    tp.table_name = (char *)table;
    Fluss__PbTablePath *tps[1] = {&tp};
    Fluss__MetadataRequest req = FLUSS__METADATA_REQUEST__INIT;
    req.n_table_path = 1;
    req.table_path = tps;
    Fluss__MetadataResponse *resp = NULL;
    char err[512];
    ASSERT_OK(kfb_fluss_client_call(c, KFB_FLUSS_TARGET_ANY, KFB_API_GET_METADATA, &req.base,
                                    &fluss__metadata_response__descriptor, TIMEOUT_MS,
                                    (ProtobufCMessage **)&resp, NULL, err, sizeof err));
    ASSERT_EQ_INT(resp->n_table_metadata, 1);
    ASSERT_EQ_INT(resp->table_metadata[0]->n_bucket_metadata, nbuckets);
    uint32_t seen = 0;
    int all = 1;
    for (size_t i = 0; i < resp->table_metadata[0]->n_bucket_metadata; i++) {
        const Fluss__PbBucketMetadata *bm = resp->table_metadata[0]->bucket_metadata[i];
        if (!bm->has_leader_id) all = 0; /* leaders are elected shortly after CreateTable */
        else seen |= 1u << (bm->leader_id & 31);
    }
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    return all ? __builtin_popcount(seen) : -1;
}

/* Many small batches in flight per bucket (idempotent writer, pipelined up to 5 per bucket)
 * over every bucket of a table whose leaders are spread over the tablet servers; updates of
 * the same keys across batches, deletes, deletes of absent keys and re-inserts; every batch
 * acknowledged, each bucket's in submit order; the judge sees the exact per-key changelog. */
TEST(pipelined_putkv_every_bucket) {
    enum { NB = 8, KEYS = 4000, ROUNDS = 4 };
    kfb_fluss_client_t *c = client();
    char json[1024];
    snprintf(json, sizeof json, T_SIMPLE, NB);
    kfb_fluss_table_info_t *ti = create_open(c, "pipelined", json);
    int want_ts = atoi(env_or_fail("FLUSS_TABLET_SERVERS"));
    int servers = -1;
    for (int i = 0; i < 300 && servers < 0; i++) { /* at most 60 s */
        servers = leaders_on_servers(c, "pipelined", NB);
        if (servers < 0) usleep(200 * 1000);
    }
    printf("  %d buckets led by %d tablet servers\n", NB, servers);
    ASSERT_EQ_INT(servers, want_ts < NB ? want_ts : NB);
    writer_t w;
    writer_init(&w, c, ti, 50);
    model_t *m = model_new(KEYS + 10);
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    bool present[KEYS + 10] = {false};
    for (int round = 0; round < ROUNDS; round++) {
        for (int id = 0; id < KEYS + 10; id++) {
            int32_t b;
            int_key(id, &key);
            b = kfb_bucket_fluss(key.data, key.len, NB);
            if (round == 0) model_key(m, (size_t)id, "{\"id\": %d}", id);
            if (id >= KEYS) { /* keys only ever deleted: nothing appears */
                if (round == 1) {
                    writer_put(&w, b, key.data, key.len, NULL, 0);
                    model_push(m, (size_t)id, NULL);
                }
                continue;
            }
            if (round == 2 && id % 7 == 0) {
                writer_put(&w, b, key.data, key.len, NULL, 0);
                model_push(m, (size_t)id, NULL);
                present[id] = false;
                continue;
            }
            if (round == 3 && id % 2 == 1) continue;
            char name[32];
            snprintf(name, sizeof name, "n%d-r%d", id, round);
            bool qnull = (id + round) % 5 == 0;
            int64_t qty = (int64_t)id * 1000 + round - 1000000;
            simple_row(&val, id, name, qty, qnull);
            writer_put(&w, b, key.data, key.len, val.data, val.len);
            if (qnull) model_push(m, (size_t)id, "{\"id\": %d, \"name\": \"%s\", \"qty\": null}", id, name);
            else model_push(m, (size_t)id, "{\"id\": %d, \"name\": \"%s\", \"qty\": %" PRId64 "}", id, name, qty);
            present[id] = true;
        }
    }
    writer_flush(&w);
    /* last, a batch of deletes of keys that never existed: it changes nothing but still
     * takes a changelog offset (KvTablet.putAsLeader writes an empty batch), so the log
     * ends on an offset without a change (the judge must still finish reading) */
    for (int id = KEYS + 100; id < KEYS + 103; id++) {
        int_key(id, &key);
        writer_put(&w, kfb_bucket_fluss(key.data, key.len, NB), key.data, key.len, NULL, 0);
    }
    writer_flush(&w);
    flush_all_ok(c);
    printf("  %zu batches acknowledged, writer id %" PRId64 "\n", G.n, kfb_fluss_client_writer_id(c));
    ASSERT_GT_INT(G.n, NB * 10);
    ASSERT_GE_INT(kfb_fluss_client_writer_id(c), 0);
    /* per bucket, completions come in submit order */
    intptr_t last[NB];
    for (int b = 0; b < NB; b++) last[b] = -1;
    int buckets_used = 0;
    for (size_t i = 0; i < G.n; i++) {
        ASSERT_TRUE(G.d[i].bucket >= 0 && G.d[i].bucket < NB);
        if (last[G.d[i].bucket] < 0) buckets_used++;
        ASSERT_GT_INT(G.d[i].seq, last[G.d[i].bucket]);
        last[G.d[i].bucket] = G.d[i].seq;
    }
    ASSERT_EQ_INT(buckets_used, NB);
    /* our Lookup agrees with the model on a sample */
    for (int id = 0; id < KEYS; id += 97) {
        int_key(id, &key);
        size_t vl;
        uint8_t *got = lookup_one(c, ti, &key, &vl, NULL);
        ASSERT_EQ_INT(got != NULL, present[id]);
        ASSERT_EQ_INT(model_last(m, (size_t)id) != NULL, present[id]);
        free(got);
    }
    finish(c, ti, &w, m, &key, &val, "pipelined", 1);
}

/* Partial updates (target columns): the columns left out keep their stored values (null
 * for a new key); a full upsert after them writes every column again. */
TEST(partial_updates) {
    kfb_fluss_client_t *c = client();
    char json[1024];
    snprintf(json, sizeof json, T_SIMPLE, 2);
    kfb_fluss_table_info_t *ti = create_open(c, "partial", json);
    model_t *m = model_new(4);
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    writer_t full, name_only, qty_only;
    writer_init(&full, c, ti, 100);
    writer_init(&name_only, c, ti, 100);
    writer_init(&qty_only, c, ti, 100);
    static const int32_t cols_name[] = {0, 1}, cols_qty[] = {0, 2};
    name_only.opts.target_columns = cols_name;
    name_only.opts.n_target_columns = 2;
    qty_only.opts.target_columns = cols_qty;
    qty_only.opts.n_target_columns = 2;
#define PUT(wr, id, name, qty, qn)                                                         \
    do {                                                                                  \
        int_key(id, &key);                                                                \
        simple_row(&val, id, name, qty, qn);                                              \
        int32_t b_ = kfb_bucket_fluss(key.data, key.len, 2);                              \
        writer_put(&(wr), b_, key.data, key.len, val.data, val.len);                      \
        writer_flush(&(wr));                                                              \
    } while (0)
    for (int id = 0; id < 3; id++) model_key(m, (size_t)id, "{\"id\": %d}", id);
    PUT(full, 0, "zero", 10, false);
    model_push(m, 0, "{\"id\": 0, \"name\": \"zero\", \"qty\": 10}");
    PUT(name_only, 0, "ZERO", 999, false); /* qty 999 is ignored: not a target column */
    model_push(m, 0, "{\"id\": 0, \"name\": \"ZERO\", \"qty\": 10}");
    PUT(qty_only, 0, "ignored", 11, false);
    model_push(m, 0, "{\"id\": 0, \"name\": \"ZERO\", \"qty\": 11}");
    PUT(qty_only, 1, NULL, 5, false); /* new key: name null */
    model_push(m, 1, "{\"id\": 1, \"name\": null, \"qty\": 5}");
    PUT(name_only, 1, "one", 0, true);
    model_push(m, 1, "{\"id\": 1, \"name\": \"one\", \"qty\": 5}");
    PUT(full, 1, NULL, 0, true);
    model_push(m, 1, "{\"id\": 1, \"name\": null, \"qty\": null}");
    PUT(name_only, 2, "two", 0, true);
    model_push(m, 2, "{\"id\": 2, \"name\": \"two\", \"qty\": null}");
#undef PUT
    flush_all_ok(c);
    judge(m, "partial", 1);
    kfb_buf_free(&key);
    kfb_buf_free(&val);
    model_free(m);
    writer_free(&full);
    writer_free(&name_only);
    writer_free(&qty_only);
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
}

static const char *T_PARTITIONED =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
    "{\"name\":\"region\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},"
    "{\"name\":\"v\",\"data_type\":{\"type\":\"STRING\"}}],"
    "\"primary_key\":[\"id\",\"region\"]},\"partition_key\":[\"region\"],\"bucket_key\":[\"id\"],"
    "\"bucket_count\":2,\"properties\":{},\"custom_properties\":{}}";

/* A partitioned table with partitions created on demand by the writer (CreatePartition
 * through submit_to_partition), then written; a partition that does not exist, written
 * without create, fails its batch with PARTITION_NOT_EXISTS. */
TEST(partitions_created_on_demand) {
    kfb_fluss_client_t *c = client_with(30000);
    kfb_fluss_table_info_t *ti = create_open(c, "parted", T_PARTITIONED);
    ASSERT_EQ_INT(ti->partitioned, 1);
    ASSERT_EQ_INT(ti->desc->physical_primary_key_count, 1);
    static const char *regions[] = {"eu", "us", "apac"};
    model_t *m = model_new(32);
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    char err[512];
    for (int r = 0; r < 3; r++) {
        writer_t w;
        writer_init(&w, c, ti, 100);
        const char *spec_keys[1] = {"region"};
        const char *spec_vals[1] = {regions[r]};
        w.opts.partition_name = regions[r];
        w.opts.create = 1;
        w.opts.spec_keys = spec_keys;
        w.opts.spec_values = spec_vals;
        w.opts.n_spec = 1;
        for (int id = 0; id < 10; id++) {
            /* the physical key (id) is the key; the partition is the region */
            int_key(id, &key);
            kfb_row_writer_t vw;
            kfb_buf_reset(&val);
            ASSERT_OK(kfb_row_writer_begin(&vw, &val, 3));
            ASSERT_OK(kfb_row_write_int(&vw, id));
            ASSERT_OK(kfb_row_write_string(&vw, regions[r], strlen(regions[r])));
            char v[32];
            snprintf(v, sizeof v, "%s-%d", regions[r], id);
            ASSERT_OK(kfb_row_write_string(&vw, v, strlen(v)));
            writer_put(&w, kfb_bucket_fluss(key.data, key.len, 2), key.data, key.len, val.data, val.len);
            size_t slot = (size_t)(r * 10 + id);
            model_key(m, slot, "{\"id\": %d, \"region\": \"%s\"}", id, regions[r]);
            model_push(m, slot, "{\"id\": %d, \"region\": \"%s\", \"v\": \"%s\"}", id, regions[r], v);
        }
        writer_flush(&w);
        flush_all_ok(c);
        writer_free(&w);
    }
    model_key(m, 30, "{\"id\": 1, \"region\": \"nowhere\"}"); /* absent partition: absent key */
    int64_t pid = -1;
    ASSERT_OK(kfb_fluss_client_resolve_partition(c, ti->table_id, "us", 0, NULL, NULL, 0,
                                                 TIMEOUT_MS, &pid, err, sizeof err));
    ASSERT_GE_INT(pid, 0);
    judge(m, "parted", 1);

    /* without create, a missing partition fails its batch */
    writer_t w;
    writer_init(&w, c, ti, 100);
    w.opts.partition_name = "nowhere";
    int_key(1, &key);
    simple_row(&val, 1, "x", 0, true);
    writer_put(&w, kfb_bucket_fluss(key.data, key.len, 2), key.data, key.len, val.data, val.len);
    writer_flush(&w);
    size_t before = G.n;
    ASSERT_OK(kfb_fluss_client_flush(c, 2 * TIMEOUT_MS));
    ASSERT_EQ_INT(G.n, before + 1);
    ASSERT_TRUE(G.d[before].err != KFB_ERR_OK);
    printf("  missing partition without create: %s / %s\n", kfb_err_name(G.d[before].err), G.d[before].name);
    ASSERT_STREQ(G.d[before].name, "PARTITION_NOT_EXISTS");
    writer_free(&w);
    kfb_buf_free(&key);
    kfb_buf_free(&val);
    model_free(m);
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
}

/* What a real server answers: a table that does not exist, a batch naming a schema id the
 * table does not have, a row that does not match the table's schema, and a request larger
 * than the tablet server's netty.server.max-request-size (lib.sh sets 16mb). Each failure
 * names the cause; nothing of a failed batch is applied; the client keeps working. */
TEST(errors_from_real_server) {
    /* Fluss's SCHEMA_NOT_EXIST is retriable (SchemaNotExistException extends
     * RetriableException): like the Java writer, ours retries it until the delivery
     * timeout, so keep that short here. */
    kfb_fluss_client_t *c = client_with(8000);
    char err[1024], json[1024];
    kfb_fluss_table_info_t *ti = NULL;
    kfb_err_t e = kfb_fluss_client_get_table(c, db(), "no_such_table", TIMEOUT_MS, &ti, err, sizeof err);
    printf("  missing table: %s: %s\n", kfb_err_name(e), err);
    ASSERT_ERR(e, KFB_ERR_FLUSS_ERROR);
    ASSERT_CONTAINS(err, "TABLE_NOT_EXIST");
    ASSERT_TRUE(ti == NULL);

    snprintf(json, sizeof json, T_SIMPLE, 1);
    ti = create_open(c, "errors", json);
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    int_key(1, &key);
    simple_row(&val, 1, "good", 1, false);
    char berr[256];
    const uint8_t *p;
    size_t n;

    /* 1. a schema id the table does not have */
    kfb_kv_batch_builder_t *bb = kfb_kv_batch_builder_new(7, 1 << 20, berr, sizeof berr);
    ASSERT_OK(kfb_kv_batch_append(bb, key.data, key.len, val.data, val.len));
    ASSERT_OK(kfb_kv_batch_build(bb, &p, &n));
    ASSERT_OK(kfb_fluss_client_submit(c, ti->table_id, -1, 0, p, n, (void *)1));
    kfb_kv_batch_builder_destroy(bb);
    ASSERT_OK(kfb_fluss_client_flush(c, 2 * TIMEOUT_MS));
    ASSERT_EQ_INT(G.n, 1);
    printf("  unknown schema id: %s / %s (%d): %.200s\n", kfb_err_name(G.d[0].err), G.d[0].name,
           G.d[0].fluss_error, G.d[0].message);
    ASSERT_ERR(G.d[0].err, KFB_ERR_TIMEOUT);
    ASSERT_GT_INT(G.d[0].attempts, 1);

    /* 2. a row for another schema: two columns where the table has three (the bitmap byte
     * and an int, then nothing): the server cannot decode it */
    static const uint8_t short_row[] = {0x00, 0x01};
    bb = kfb_kv_batch_builder_new(ti->schema_id, 1 << 20, berr, sizeof berr);
    ASSERT_OK(kfb_kv_batch_append(bb, key.data, key.len, short_row, sizeof short_row));
    ASSERT_OK(kfb_kv_batch_build(bb, &p, &n));
    ASSERT_OK(kfb_fluss_client_submit(c, ti->table_id, -1, 0, p, n, (void *)2));
    kfb_kv_batch_builder_destroy(bb);
    ASSERT_OK(kfb_fluss_client_flush(c, 2 * TIMEOUT_MS));
    ASSERT_EQ_INT(G.n, 2);
    printf("  row not matching the schema: %s / %s (%d): %.200s\n", kfb_err_name(G.d[1].err),
           G.d[1].name, G.d[1].fluss_error, G.d[1].message);
    ASSERT_TRUE(G.d[1].err != KFB_ERR_OK);

    /* 3. one batch larger than the server's request limit */
    size_t big = 17u << 20;
    uint8_t *blob = calloc(1, big);
    ASSERT_TRUE(blob != NULL);
    kfb_buf_t bigrow = KFB_BUF_INIT;
    kfb_row_writer_t rw;
    ASSERT_OK(kfb_row_writer_begin(&rw, &bigrow, 3));
    ASSERT_OK(kfb_row_write_int(&rw, 1));
    ASSERT_OK(kfb_row_write_string(&rw, (const char *)blob, big));
    ASSERT_OK(kfb_row_write_null(&rw, 2));
    free(blob);
    bb = kfb_kv_batch_builder_new(ti->schema_id, big + 4096, berr, sizeof berr);
    ASSERT_TRUE(bb != NULL);
    ASSERT_OK(kfb_kv_batch_append(bb, key.data, key.len, bigrow.data, bigrow.len));
    ASSERT_OK(kfb_kv_batch_build(bb, &p, &n));
    ASSERT_OK(kfb_fluss_client_submit(c, ti->table_id, -1, 0, p, n, (void *)3));
    kfb_kv_batch_builder_destroy(bb);
    kfb_buf_free(&bigrow);
    ASSERT_OK(kfb_fluss_client_flush(c, 3 * TIMEOUT_MS));
    ASSERT_EQ_INT(G.n, 3);
    printf("  request over the server limit: %s / %s (%d) after %s: %.300s\n",
           kfb_err_name(G.d[2].err), G.d[2].name, G.d[2].fluss_error, "delivery timeout",
           G.d[2].message);
    ASSERT_TRUE(G.d[2].err != KFB_ERR_OK);

    /* 4. the client still writes: a good batch after all that */
    bb = kfb_kv_batch_builder_new(ti->schema_id, 1 << 20, berr, sizeof berr);
    ASSERT_OK(kfb_kv_batch_append(bb, key.data, key.len, val.data, val.len));
    ASSERT_OK(kfb_kv_batch_build(bb, &p, &n));
    ASSERT_OK(kfb_fluss_client_submit(c, ti->table_id, -1, 0, p, n, (void *)4));
    kfb_kv_batch_builder_destroy(bb);
    ASSERT_OK(kfb_fluss_client_flush(c, 2 * TIMEOUT_MS));
    ASSERT_EQ_INT(G.n, 4);
    if (G.d[3].err) KFB_TEST_FAILF_("good batch after errors: %s %s", G.d[3].name, G.d[3].message);

    model_t *m = model_new(2);
    model_key(m, 1, "{\"id\": 1}");
    model_push(m, 1, "{\"id\": 1, \"name\": \"good\", \"qty\": 1}");
    judge(m, "errors", 1);
    model_free(m);
    kfb_buf_free(&key);
    kfb_buf_free(&val);
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
}

/* Pre-1970 timestamps with sub-millisecond digits (TIMESTAMP(9), TIMESTAMP_LTZ(6)): written
 * and read back by Lookup. Only by Lookup: Fluss 0.9.1's Arrow changelog reader splits
 * such values with truncating division (ArrowTimestampNtzColumnVector.getTimestampNtz:
 * nanos % 1_000_000 < 0) and throws IllegalArgumentException, so its own log scanner
 * cannot read them back; the stored rows are right. */
static const char *T_PRE_EPOCH =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"k\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
    "{\"name\":\"ts9\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":9}},"
    "{\"name\":\"ltz6\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":6}}],"
    "\"primary_key\":[\"k\"]},\"partition_key\":[],\"bucket_key\":[\"k\"],\"bucket_count\":1,"
    "\"properties\":{},\"custom_properties\":{}}";

TEST(pre_epoch_sub_millisecond_timestamps) {
    kfb_fluss_client_t *c = client();
    kfb_fluss_table_info_t *ti = create_open(c, "pre_epoch", T_PRE_EPOCH);
    static const struct {
        int64_t ms;
        int32_t ns;
        const char *ts9, *ltz6;
    } v[] = {
        {-1, 999999, "1969-12-31T23:59:59.999999999", "1969-12-31T23:59:59.999999Z"},
        {-2208988800000, 1000, "1900-01-01T00:00:00.000001", "1900-01-01T00:00:00.000001Z"},
    };
    writer_t w;
    writer_init(&w, c, ti, 10);
    model_t *m = model_new(2);
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    for (int i = 0; i < 2; i++) {
        kfb_row_writer_t rw;
        int_key(i, &key);
        kfb_buf_reset(&val);
        ASSERT_OK(kfb_row_writer_begin(&rw, &val, 3));
        ASSERT_OK(kfb_row_write_int(&rw, i));
        ASSERT_OK(kfb_row_write_timestamp_ntz(&rw, v[i].ms, v[i].ns, 9));
        ASSERT_OK(kfb_row_write_timestamp_ltz(&rw, v[i].ms, v[i].ns / 1000 * 1000, 6));
        writer_put(&w, 0, key.data, key.len, val.data, val.len);
        model_key(m, (size_t)i, "{\"k\": %d}", i);
        model_push(m, (size_t)i, "{\"k\": %d, \"ts9\": \"%s\", \"ltz6\": \"%s\"}", i, v[i].ts9, v[i].ltz6);
    }
    writer_flush(&w);
    flush_all_ok(c);
    finish(c, ti, &w, m, &key, &val, "pre_epoch", 0);
}

/* Fluss 0.9.1 checks that every field id, nested ROW fields included, is unique
 * (Schema.checkFieldIds). A descriptor without ids gets column ids by position but leaves
 * nested fields at -1 (Schema.Builder.fromColumns), so a ROW of two fields without ids is
 * refused: a table_json for CreateTable must carry ids as the Java client writes them. */
TEST(create_table_row_without_field_ids_refused) {
    kfb_fluss_client_t *c = client();
    char err[1024];
    ensure_db(c);
    static const char *json =
        "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
        "{\"name\":\"pt\",\"data_type\":{\"type\":\"ROW\",\"fields\":["
        "{\"name\":\"x\",\"field_type\":{\"type\":\"INTEGER\"}},"
        "{\"name\":\"y\",\"field_type\":{\"type\":\"INTEGER\"}}]}}],"
        "\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_key\":[\"id\"],\"bucket_count\":1,"
        "\"properties\":{},\"custom_properties\":{}}";
    kfb_err_t e = kfb_fluss_client_create_table(c, db(), "row_no_ids", json, 0, TIMEOUT_MS, err, sizeof err);
    printf("  %s: %s\n", kfb_err_name(e), err);
    ASSERT_ERR(e, KFB_ERR_FLUSS_ERROR);
    ASSERT_CONTAINS(err, "INVALID_TABLE_EXCEPTION");
    ASSERT_CONTAINS(err, "field IDs");
    int exists = -1;
    ASSERT_OK(kfb_fluss_client_table_exists(c, db(), "row_no_ids", TIMEOUT_MS, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 0);
    kfb_fluss_client_destroy(c);
}
