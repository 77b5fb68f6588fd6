/* test_schema_registry.c - schema sources against tests/support/http_test_server
 * (127.0.0.1, ephemeral port): status handling, retries, timeouts, basic auth,
 * caching by id, single fetch under concurrency, redaction, directory and
 * memory backends. Response shapes follow the Confluent Schema Registry API
 * reference for GET /schemas/ids/{id}. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <errno.h>

#include "config.h"
#include "harness.h"
#include "http_test_server.h"
#include "schema_registry.h"

#define RECORD_SCHEMA \
    "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}"

/* {"schema": "<text>"} with the text JSON-escaped, optionally with schemaType. */
static char *sr_body(const char *schema_text, const char *schema_type) {
    json_t *j = schema_type ? json_pack("{s:s,s:s}", "schema", schema_text, "schemaType", schema_type)
                            : json_pack("{s:s}", "schema", schema_text);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static void script_schema(kfb_http_test_server_t *srv, const char *path, const char *text,
                          int delay_ms) {
    char *b = sr_body(text, NULL);
    kfb_http_test_server_script(srv, path, 200, b, delay_ms);
    free(b);
}

static kfb_schema_source_t *registry_neg(kfb_http_test_server_t *srv, int retries,
                                         long negative_cache_ms) {
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    c.url = kfb_http_test_server_url(srv);
    c.max_retries = retries;
    c.negative_cache_ms = negative_cache_ms;
    c.retry_backoff_ms = 2;
    c.retry_backoff_max_ms = 10;
    char err[512];
    kfb_schema_source_t *s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    if (!s) fprintf(stderr, "  %s\n", err);
    ASSERT_TRUE(s != NULL);
    return s;
}

static kfb_schema_source_t *registry(kfb_http_test_server_t *srv, int retries) {
    return registry_neg(srv, retries, KFB_SCHEMA_NEGATIVE_CACHE_MS_DEFAULT);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

TEST(config_defaults) {
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    ASSERT_EQ_INT(c.connect_timeout_ms, 5000);
    ASSERT_EQ_INT(c.request_timeout_ms, 10000);
    ASSERT_EQ_INT(c.max_retries, 3);
    ASSERT_TRUE(c.url == NULL);
    ASSERT_EQ_INT(c.insecure_skip_verify, 0);
    ASSERT_EQ_INT(c.negative_cache_ms, 30000);
}

TEST(ok_200_then_cache_hit) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    ASSERT_TRUE(srv != NULL);
    script_schema(srv, "/schemas/ids/1", RECORD_SCHEMA, 0);
    kfb_schema_source_t *s = registry(srv, 3);
    const kfb_avro_schema_t *a = NULL, *b = NULL;
    char err[512];
    ASSERT_OK(kfb_schema_source_get(s, 1, &a, err, sizeof(err)));
    ASSERT_STREQ(kfb_avro_schema_root(a)->name, "Order");
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/1"), 1);
    ASSERT_OK(kfb_schema_source_get(s, 1, &b, err, sizeof(err)));
    ASSERT_TRUE(a == b);
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, NULL), 1); /* no second request */
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), 1);
    char head[4096];
    kfb_http_test_server_last_request(srv, head, sizeof(head));
    ASSERT_CONTAINS(head, "GET /schemas/ids/1 HTTP/1.1");
    ASSERT_CONTAINS(head, "application/vnd.schemaregistry.v1+json");
    ASSERT_TRUE(strstr(head, "Authorization") == NULL);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

TEST(not_found_is_not_retried) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_script(srv, "/schemas/ids/7", 404,
                                "{\"error_code\":40403,\"message\":\"Schema 7 not found\"}", 0);
    kfb_schema_source_t *s = registry_neg(srv, 3, 0); /* negative cache off */
    const kfb_avro_schema_t *a = NULL;
    char err[512];
    ASSERT_ERR(kfb_schema_source_get(s, 7, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_INT(kfb_err_class(KFB_ERR_UNKNOWN_SCHEMA_ID), KFB_ERRCLASS_RECORD);
    ASSERT_CONTAINS(err, "unknown schema id 7");
    ASSERT_CONTAINS(err, "Schema 7 not found");
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/7"), 1);
    /* with the negative cache off, failures are not cached: registering the schema later
     * makes it visible on the next lookup */
    script_schema(srv, "/schemas/ids/7", "\"long\"", 0);
    ASSERT_OK(kfb_schema_source_get(s, 7, &a, err, sizeof(err)));
    ASSERT_EQ_INT(kfb_avro_schema_root(a)->type, KFB_AVRO_LONG);
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/7"), 2);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

TEST(server_error_then_ok_is_retried) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_script(srv, "/schemas/ids/2", 500,
                                "{\"error_code\":50001,\"message\":\"Error in the backend\"}", 0);
    kfb_http_test_server_script(srv, "/schemas/ids/2", 503, "", 0);
    script_schema(srv, "/schemas/ids/2", RECORD_SCHEMA, 0);
    kfb_schema_source_t *s = registry(srv, 3);
    const kfb_avro_schema_t *a = NULL;
    char err[512];
    kfb_test_log_capture_start();
    ASSERT_OK(kfb_schema_source_get(s, 2, &a, err, sizeof(err)));
    ASSERT_CONTAINS(kfb_test_log_captured(), "answered 500: Error in the backend (attempt 1 of 4)");
    ASSERT_CONTAINS(kfb_test_log_captured(), "answered 503 (attempt 2 of 4)");
    kfb_test_log_capture_stop();
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/2"), 3);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), 1);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

TEST(retries_are_bounded) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_script(srv, "/schemas/ids/2", 502, "", 0);
    kfb_schema_source_t *s = registry(srv, 2);
    const kfb_avro_schema_t *a = NULL;
    char err[512];
    kfb_test_log_capture_start();
    ASSERT_ERR(kfb_schema_source_get(s, 2, &a, err, sizeof(err)), KFB_ERR_REGISTRY_UNAVAILABLE);
    kfb_test_log_capture_stop();
    ASSERT_EQ_INT(kfb_err_class(KFB_ERR_REGISTRY_UNAVAILABLE), KFB_ERRCLASS_RETRIABLE);
    ASSERT_CONTAINS(err, "answered 502");
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/2"), 3);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

TEST(slow_response_hits_the_timeout) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    script_schema(srv, "/schemas/ids/3", RECORD_SCHEMA, 3000);
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    c.url = kfb_http_test_server_url(srv);
    c.request_timeout_ms = 150;
    c.max_retries = 0;
    char err[512];
    kfb_schema_source_t *s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    const kfb_avro_schema_t *a = NULL;
    ASSERT_ERR(kfb_schema_source_get(s, 3, &a, err, sizeof(err)), KFB_ERR_TIMEOUT);
    ASSERT_CONTAINS(err, "schema id 3: request to the schema registry");
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/3"), 1);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

TEST(basic_auth_right_and_wrong) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_require_basic_auth(srv, "bridge", "pa:ss@word");
    script_schema(srv, "/schemas/ids/4", RECORD_SCHEMA, 0);
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    c.url = kfb_http_test_server_url(srv);
    c.username = "bridge";
    c.password = "pa:ss@word";
    char err[512];
    kfb_schema_source_t *s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    const kfb_avro_schema_t *a = NULL;
    ASSERT_OK(kfb_schema_source_get(s, 4, &a, err, sizeof(err)));
    char head[4096];
    kfb_http_test_server_last_request(srv, head, sizeof(head));
    ASSERT_CONTAINS(head, "Authorization: Basic YnJpZGdlOnBhOnNzQHdvcmQ="); /* base64 by hand */
    kfb_schema_source_destroy(s);

    c.password = "wrong-secret";
    s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    kfb_test_log_capture_start();
    ASSERT_ERR(kfb_schema_source_get(s, 4, &a, err, sizeof(err)), KFB_ERR_REGISTRY_AUTH);
    ASSERT_TRUE(strstr(kfb_test_log_captured(), "wrong-secret") == NULL);
    kfb_test_log_capture_stop();
    ASSERT_CONTAINS(err, "answered 401");
    ASSERT_CONTAINS(err, "check the configured username and password");
    ASSERT_TRUE(strstr(err, "wrong-secret") == NULL);
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/4"), 2); /* 401 not retried */
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

TEST(credentials_in_url_are_used_and_redacted) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_require_basic_auth(srv, "u", "s3cret");
    kfb_http_test_server_script(srv, "/schemas/ids/9", 404, "", 0);
    char url[256];
    snprintf(url, sizeof(url), "http://u:s3cret@127.0.0.1:%d/", kfb_http_test_server_port(srv));
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    c.url = url;
    char err[512];
    kfb_test_log_capture_start();
    kfb_schema_source_t *s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    const kfb_avro_schema_t *a = NULL;
    ASSERT_ERR(kfb_schema_source_get(s, 9, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_TRUE(strstr(err, "s3cret") == NULL);
    ASSERT_TRUE(strstr(kfb_test_log_captured(), "s3cret") == NULL);
    kfb_test_log_capture_stop();
    char head[4096];
    kfb_http_test_server_last_request(srv, head, sizeof(head));
    ASSERT_CONTAINS(head, "GET /schemas/ids/9 "); /* trailing '/' of the url dropped */
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
    char b[128];
    ASSERT_STREQ(kfb_redact_url("https://a:b@sr:8081/x", b, sizeof(b)), "https://***@sr:8081/x");
    ASSERT_STREQ(kfb_redact_url("https://a:b@c@sr", b, sizeof(b)), "https://***@sr");
    ASSERT_STREQ(kfb_redact_url("http://sr:8081/p@q", b, sizeof(b)), "http://sr:8081/p@q");
}

TEST(non_avro_and_bad_bodies) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    char *pb = sr_body("syntax = \"proto3\";", "PROTOBUF");
    kfb_http_test_server_script(srv, "/schemas/ids/10", 200, pb, 0);
    free(pb);
    char *ab = sr_body(RECORD_SCHEMA, "AVRO");
    kfb_http_test_server_script(srv, "/schemas/ids/11", 200, ab, 0);
    free(ab);
    kfb_http_test_server_script(srv, "/schemas/ids/12", 200, "<html>proxy</html>", 0);
    kfb_http_test_server_script(srv, "/schemas/ids/13", 200, "{\"id\":13}", 0);
    script_schema(srv, "/schemas/ids/14", "{\"type\":\"recrod\"}", 0);
    kfb_http_test_server_script(srv, "/schemas/ids/15", 400, "{\"message\":\"bad\"}", 0);
    kfb_schema_source_t *s = registry(srv, 3);
    const kfb_avro_schema_t *a = NULL;
    char err[512];
    ASSERT_ERR(kfb_schema_source_get(s, 10, &a, err, sizeof(err)), KFB_ERR_SCHEMA_NOT_AVRO);
    ASSERT_CONTAINS(err, "schema id 10 is a PROTOBUF schema, not Avro");
    ASSERT_OK(kfb_schema_source_get(s, 11, &a, err, sizeof(err)));
    ASSERT_ERR(kfb_schema_source_get(s, 12, &a, err, sizeof(err)), KFB_ERR_REGISTRY_RESPONSE);
    ASSERT_CONTAINS(err, "not a JSON object");
    ASSERT_ERR(kfb_schema_source_get(s, 13, &a, err, sizeof(err)), KFB_ERR_REGISTRY_RESPONSE);
    ASSERT_CONTAINS(err, "without a \"schema\" string");
    ASSERT_ERR(kfb_schema_source_get(s, 14, &a, err, sizeof(err)), KFB_ERR_AVRO_SCHEMA_INVALID);
    ASSERT_CONTAINS(err, "schema id 14: invalid Avro schema");
    ASSERT_CONTAINS(err, "recrod");
    ASSERT_ERR(kfb_schema_source_get(s, 15, &a, err, sizeof(err)), KFB_ERR_REGISTRY_RESPONSE);
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/15"), 1);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

TEST(connection_refused_is_retriable) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    char url[64];
    snprintf(url, sizeof(url), "%s", kfb_http_test_server_url(srv));
    kfb_http_test_server_stop(srv); /* nothing listens on that port now */
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    c.url = url;
    c.max_retries = 1;
    c.retry_backoff_ms = 1;
    c.retry_backoff_max_ms = 1;
    char err[512];
    kfb_schema_source_t *s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    const kfb_avro_schema_t *a = NULL;
    kfb_test_log_capture_start();
    ASSERT_ERR(kfb_schema_source_get(s, 1, &a, err, sizeof(err)), KFB_ERR_REGISTRY_UNAVAILABLE);
    ASSERT_CONTAINS(kfb_test_log_captured(), "(attempt 1 of 2)");
    kfb_test_log_capture_stop();
    ASSERT_CONTAINS(err, "request to the schema registry http://127.0.0.1:");
    kfb_schema_source_destroy(s);
}

typedef struct {
    kfb_schema_source_t *s;
    const kfb_avro_schema_t *got;
    kfb_err_t err;
} lookup_arg_t;

static void *lookup_thread(void *p) {
    lookup_arg_t *a = p;
    a->err = kfb_schema_source_get(a->s, 5, &a->got, NULL, 0);
    return NULL;
}

TEST(concurrent_lookups_fetch_once) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    script_schema(srv, "/schemas/ids/5", RECORD_SCHEMA, 300); /* all threads arrive meanwhile */
    kfb_schema_source_t *s = registry(srv, 0);
    enum { N = 8 };
    pthread_t t[N];
    lookup_arg_t args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (lookup_arg_t){s, NULL, KFB_ERR_INTERNAL};
        ASSERT_EQ_INT(pthread_create(&t[i], NULL, lookup_thread, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++) {
        ASSERT_OK(args[i].err);
        ASSERT_TRUE(args[i].got == args[0].got);
    }
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/5"), 1);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), 1);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

/* A 404 is answered from memory for negative_cache_ms: the same error and sentence, no
 * second request, kfb_schema_source_cached says so; a schema registered meanwhile is not
 * seen until then. */
TEST(not_found_is_cached_for_the_negative_cache_time) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_script(srv, "/schemas/ids/7", 404,
                                "{\"error_code\":40403,\"message\":\"Schema 7 not found\"}", 0);
    kfb_schema_source_t *s = registry(srv, 3); /* the default: 30 s */
    const kfb_avro_schema_t *a = NULL;
    char err[512], err2[512];
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 7), 0);
    ASSERT_ERR(kfb_schema_source_get(s, 7, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 7), 1);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 8), 0);
    script_schema(srv, "/schemas/ids/7", RECORD_SCHEMA, 0);
    for (int i = 0; i < 5; i++) {
        err2[0] = '\0';
        ASSERT_ERR(kfb_schema_source_get(s, 7, &a, err2, sizeof(err2)), KFB_ERR_UNKNOWN_SCHEMA_ID);
        ASSERT_STREQ(err2, err);
    }
    ASSERT_CONTAINS(err, "Schema 7 not found");
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/7"), 1);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), 1);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

/* Once negative_cache_ms is over, the id is asked again (and found). */
TEST(cached_not_found_expires) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_script(srv, "/schemas/ids/7", 404, "{}", 0);
    kfb_schema_source_t *s = registry_neg(srv, 0, 1);
    const kfb_avro_schema_t *a = NULL;
    char err[512];
    ASSERT_ERR(kfb_schema_source_get(s, 7, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    script_schema(srv, "/schemas/ids/7", RECORD_SCHEMA, 0);
    sleep_ms(20); /* past the 1 ms the answer is kept */
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 7), 0);
    ASSERT_OK(kfb_schema_source_get(s, 7, &a, err, sizeof(err)));
    ASSERT_STREQ(kfb_avro_schema_root(a)->name, "Order");
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 7), 1);
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/7"), 2);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), 2);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

/* Only 404 is cached: a 5xx and a non-404 client error are asked again every time. */
TEST(server_errors_are_not_cached) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_script(srv, "/schemas/ids/3", 503, "{}", 0);
    kfb_http_test_server_script(srv, "/schemas/ids/4", 422, "{}", 0);
    kfb_schema_source_t *s = registry(srv, 0);
    const kfb_avro_schema_t *a = NULL;
    char err[512];
    for (int i = 1; i <= 3; i++) {
        ASSERT_ERR(kfb_schema_source_get(s, 3, &a, err, sizeof(err)), KFB_ERR_REGISTRY_UNAVAILABLE);
        ASSERT_EQ_INT(kfb_schema_source_cached(s, 3), 0);
        ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/3"), i);
        ASSERT_ERR(kfb_schema_source_get(s, 4, &a, err, sizeof(err)), KFB_ERR_REGISTRY_RESPONSE);
        ASSERT_EQ_INT(kfb_schema_source_cached(s, 4), 0);
        ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/4"), i);
    }
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

/* A timeout is not cached either. */
TEST(timeouts_are_not_cached) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_script(srv, "/schemas/ids/2", 200, "{}", 2000);
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    c.url = kfb_http_test_server_url(srv);
    c.max_retries = 0;
    c.request_timeout_ms = 50;
    char err[512];
    kfb_schema_source_t *s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    const kfb_avro_schema_t *a = NULL;
    ASSERT_ERR(kfb_schema_source_get(s, 2, &a, err, sizeof(err)), KFB_ERR_TIMEOUT);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 2), 0);
    ASSERT_ERR(kfb_schema_source_get(s, 2, &a, err, sizeof(err)), KFB_ERR_TIMEOUT);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), 2);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

typedef struct {
    kfb_schema_source_t *s;
    int32_t id;
    kfb_err_t err;
    char errstr[512];
} id_lookup_t;

static void *id_lookup_thread(void *p) {
    id_lookup_t *a = p;
    const kfb_avro_schema_t *got;
    a->err = kfb_schema_source_get(a->s, a->id, &got, a->errstr, sizeof(a->errstr));
    return NULL;
}

/* Threads waiting for a fetch that finds nothing take its cached answer instead of each
 * asking again. */
TEST(concurrent_lookups_of_a_missing_id_fetch_once) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_http_test_server_script(srv, "/schemas/ids/5", 404, "{\"message\":\"nope\"}", 300);
    kfb_schema_source_t *s = registry(srv, 0);
    enum { N = 6 };
    pthread_t t[N];
    id_lookup_t args[N];
    for (int i = 0; i < N; i++) {
        memset(&args[i], 0, sizeof(args[i]));
        args[i].s = s;
        args[i].id = 5;
        ASSERT_EQ_INT(pthread_create(&t[i], NULL, id_lookup_thread, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++) {
        ASSERT_ERR(args[i].err, KFB_ERR_UNKNOWN_SCHEMA_ID);
        ASSERT_STREQ(args[i].errstr, args[0].errstr);
    }
    /* however the threads interleaved, each either fetched or took a cached answer */
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/5"), 1);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

/* kfb_schema_source_cached does not wait for a fetch in flight: it answers 0 while
 * another thread's lookup of that id waits for the registry (had it waited for the
 * fetch, it would have found the schema and answered 1). */
TEST(cached_probe_does_not_wait_for_a_fetch) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    script_schema(srv, "/schemas/ids/6", RECORD_SCHEMA, 60000); /* until the server stops */
    kfb_schema_source_t *s = registry(srv, 0);
    id_lookup_t arg;
    memset(&arg, 0, sizeof(arg));
    arg.s = s;
    arg.id = 6;
    pthread_t t;
    ASSERT_EQ_INT(pthread_create(&t, NULL, id_lookup_thread, &arg), 0);
    /* bounded wait for the request to arrive (at most 10 s) */
    for (int i = 0; i < 1000 && kfb_http_test_server_request_count(srv, "/schemas/ids/6") == 0; i++)
        sleep_ms(10);
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/6"), 1);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 6), 0);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 6), 0);
    kfb_http_test_server_stop(srv); /* interrupts the held response: the fetch fails */
    pthread_join(t, NULL);
    ASSERT_TRUE(arg.err != KFB_ERR_OK);
    ASSERT_TRUE(arg.err != KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 6), 0); /* a failed fetch leaves nothing */
    kfb_schema_source_destroy(s);
}

/* Adding a schema replaces a cached "not found" (and nothing else). */
TEST(add_replaces_a_cached_not_found) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    kfb_schema_source_t *s = registry(srv, 0); /* every path answers 404 */
    const kfb_avro_schema_t *a = NULL;
    char err[512];
    ASSERT_ERR(kfb_schema_source_get(s, 9, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_OK(kfb_schema_source_add(s, 9, "\"long\"", 6, err, sizeof(err)));
    ASSERT_OK(kfb_schema_source_get(s, 9, &a, err, sizeof(err)));
    ASSERT_EQ_INT(kfb_avro_schema_root(a)->type, KFB_AVRO_LONG);
    ASSERT_ERR(kfb_schema_source_add(s, 9, "\"int\"", 5, err, sizeof(err)), KFB_ERR_STATE);
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, NULL), 1);
    kfb_schema_source_destroy(s);
    kfb_http_test_server_stop(srv);
}

/* schema_registry.negative_cache reaches the registry config; its default is the
 * client's. */
TEST(negative_cache_from_the_configuration) {
    static const char *const docs[] = {
        "schema_registry: {url: http://127.0.0.1:1}\nmappings:\n  - {name: m, topic: t, table: db.t}\n",
        "schema_registry: {url: http://127.0.0.1:1, negative_cache: 5s}\nmappings:\n  - {name: m, topic: t, table: db.t}\n",
        "schema_registry: {url: http://127.0.0.1:1, negative_cache: 0}\nmappings:\n  - {name: m, topic: t, table: db.t}\n",
    };
    const long want[] = {KFB_SCHEMA_NEGATIVE_CACHE_MS_DEFAULT, 5000, 0};
    for (int i = 0; i < 3; i++) {
        char err[512];
        kfb_config_t *c = kfb_config_parse(docs[i], strlen(docs[i]), "c.yaml", err, sizeof(err));
        if (!c) fprintf(stderr, "  %s\n", err);
        ASSERT_TRUE(c != NULL);
        kfb_registry_config_t r;
        kfb_config_registry_config(c, &r);
        ASSERT_EQ_INT(r.negative_cache_ms, want[i]);
        kfb_config_destroy(c);
    }
    const char *bad = "schema_registry: {url: x, negative_cache: 2h}\nmappings:\n  - {name: m, topic: t, table: db.t}\n";
    char err[512];
    ASSERT_TRUE(kfb_config_parse(bad, strlen(bad), "c.yaml", err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "'schema_registry.negative_cache'");
    kfb_registry_config_t rc;
    kfb_registry_config_init(&rc);
    rc.url = "http://127.0.0.1:1";
    rc.negative_cache_ms = -1;
    ASSERT_TRUE(kfb_schema_source_registry_new(&rc, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "negative_cache_ms >= 0");
}

TEST(configuration_errors) {
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    char err[512];
    ASSERT_TRUE(kfb_schema_source_registry_new(&c, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "no url configured");
    c.url = "ftp://u:topsecret@sr";
    ASSERT_TRUE(kfb_schema_source_registry_new(&c, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "must start with http:// or https://");
    ASSERT_TRUE(strstr(err, "topsecret") == NULL);
    c.url = "https://sr:8081";
    c.ca_file = "/nonexistent/ca.pem";
    ASSERT_TRUE(kfb_schema_source_registry_new(&c, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "CA file \"/nonexistent/ca.pem\" cannot be read");
    c.ca_file = NULL;
    c.cert_file = "tests/golden/avro/gen.py"; /* any readable file */
    ASSERT_TRUE(kfb_schema_source_registry_new(&c, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "needs both a client certificate and its key");
    c.cert_file = NULL;
    c.request_timeout_ms = 0;
    ASSERT_TRUE(kfb_schema_source_registry_new(&c, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "timeouts must be > 0");
    kfb_schema_source_destroy(NULL);
}

TEST(insecure_skip_verify_is_logged) {
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    c.url = "https://user:hunter2@sr.example:8081";
    c.insecure_skip_verify = 1;
    char err[512];
    kfb_test_log_capture_start();
    kfb_schema_source_t *s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    ASSERT_CONTAINS(kfb_test_log_captured(), "verification of the schema registry "
                                             "https://sr.example:8081 is DISABLED");
    ASSERT_TRUE(strstr(kfb_test_log_captured(), "hunter2") == NULL);
    kfb_test_log_capture_stop();
    kfb_schema_source_destroy(s);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fputs(text, f);
    fclose(f);
}

TEST(directory_backend) {
    char dir[] = "/tmp/kfb-avsc-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    char p[256];
    snprintf(p, sizeof(p), "%s/3.avsc", dir);
    write_file(p, RECORD_SCHEMA "\n");
    snprintf(p, sizeof(p), "%s/4.avsc", dir);
    write_file(p, "{\"type\": \"nope\"}");
    char err[512];
    kfb_schema_source_t *s = kfb_schema_source_dir_new(dir, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    const kfb_avro_schema_t *a = NULL, *b = NULL;
    ASSERT_OK(kfb_schema_source_get(s, 3, &a, err, sizeof(err)));
    ASSERT_STREQ(kfb_avro_schema_root(a)->name, "Order");
    ASSERT_OK(kfb_schema_source_get(s, 3, &b, err, sizeof(err)));
    ASSERT_TRUE(a == b);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), 1);
    ASSERT_ERR(kfb_schema_source_get(s, 4, &a, err, sizeof(err)), KFB_ERR_AVRO_SCHEMA_INVALID);
    ASSERT_CONTAINS(err, "schema id 4: invalid Avro schema");
    ASSERT_ERR(kfb_schema_source_get(s, 5, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_CONTAINS(err, "unknown schema id 5");
    ASSERT_CONTAINS(err, "5.avsc");
    /* a missing file is cached negatively like a 404: the file written now is not read
     * until the answer expires; an invalid file (4) is not cached */
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 5), 1);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 4), 0);
    snprintf(p, sizeof(p), "%s/5.avsc", dir);
    write_file(p, RECORD_SCHEMA);
    uint64_t fetches = kfb_schema_source_fetch_count(s);
    ASSERT_ERR(kfb_schema_source_get(s, 5, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), fetches);
    ASSERT_ERR(kfb_schema_source_get(s, 4, &a, err, sizeof(err)), KFB_ERR_AVRO_SCHEMA_INVALID);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), fetches + 1);
    unlink(p);
    /* with a short negative cache, the file is read once the answer is over */
    kfb_schema_source_t *s2 = kfb_schema_source_dir_new(dir, err, sizeof(err));
    ASSERT_TRUE(s2 != NULL);
    kfb_schema_source_set_negative_cache_ms(s2, 1);
    ASSERT_ERR(kfb_schema_source_get(s2, 5, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    write_file(p, RECORD_SCHEMA);
    sleep_ms(20);
    ASSERT_OK(kfb_schema_source_get(s2, 5, &a, err, sizeof(err)));
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s2), 2);
    unlink(p);
    /* 0: nothing is cached */
    kfb_schema_source_set_negative_cache_ms(s2, 0);
    ASSERT_ERR(kfb_schema_source_get(s2, 11, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_INT(kfb_schema_source_cached(s2, 11), 0);
    kfb_schema_source_destroy(s2);
    /* no trailing newline: the last byte (the closing brace) must not be lost */
    snprintf(p, sizeof(p), "%s/6.avsc", dir);
    write_file(p, RECORD_SCHEMA);
    ASSERT_OK(kfb_schema_source_get(s, 6, &a, err, sizeof(err)));
    ASSERT_STREQ(kfb_avro_schema_root(a)->name, "Order");
    unlink(p);
    kfb_schema_source_destroy(s);
    snprintf(p, sizeof(p), "%s/3.avsc", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/4.avsc", dir);
    unlink(p);
    rmdir(dir);
    ASSERT_TRUE(kfb_schema_source_dir_new(dir, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "is not a readable directory: No such file or directory");
    /* a file where the directory should be: the reason is that, not a stale errno */
    snprintf(p, sizeof(p), "%s.file", dir);
    write_file(p, "{}");
    errno = EACCES;
    ASSERT_TRUE(kfb_schema_source_dir_new(p, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "is not a readable directory: Not a directory");
    unlink(p);
}

/* The negative cache is bounded: with KFB_SCHEMA_NEGATIVE_MAX live not-found answers, the
 * next unknown id is not cached (asked again each time); once answers expire, they make
 * room. */
TEST(negative_cache_is_bounded) {
    char dir[] = "/tmp/kfb-avsc-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    char err[512];
    kfb_schema_source_t *s = kfb_schema_source_dir_new(dir, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    const kfb_avro_schema_t *a = NULL;
    for (int32_t id = 1; id <= KFB_SCHEMA_NEGATIVE_MAX; id++)
        ASSERT_ERR(kfb_schema_source_get(s, id, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 1), 1);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, KFB_SCHEMA_NEGATIVE_MAX), 1);
    const int32_t extra = KFB_SCHEMA_NEGATIVE_MAX + 1;
    ASSERT_ERR(kfb_schema_source_get(s, extra, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_CONTAINS(err, "unknown schema id 4097");
    ASSERT_EQ_INT(kfb_schema_source_cached(s, extra), 0);
    uint64_t fetches = kfb_schema_source_fetch_count(s);
    ASSERT_ERR(kfb_schema_source_get(s, extra, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), fetches + 1);
    ASSERT_ERR(kfb_schema_source_get(s, 1, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_U64(kfb_schema_source_fetch_count(s), fetches + 1); /* still cached */
    kfb_schema_source_destroy(s);
    /* answers that expire make room: a source whose answers last 1 ms */
    s = kfb_schema_source_dir_new(dir, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    kfb_schema_source_set_negative_cache_ms(s, 1);
    for (int32_t id = 1; id <= KFB_SCHEMA_NEGATIVE_MAX; id++)
        ASSERT_ERR(kfb_schema_source_get(s, id, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    sleep_ms(20);
    kfb_schema_source_set_negative_cache_ms(s, 60000);
    ASSERT_ERR(kfb_schema_source_get(s, extra, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_EQ_INT(kfb_schema_source_cached(s, extra), 1);
    kfb_schema_source_destroy(s);
    rmdir(dir);
}

TEST(memory_backend_and_add) {
    kfb_schema_source_t *s = kfb_schema_source_memory_new();
    char err[512];
    const kfb_avro_schema_t *a = NULL;
    /* the memory backend answers everything from memory */
    ASSERT_EQ_INT(kfb_schema_source_cached(s, 1), 1);
    ASSERT_ERR(kfb_schema_source_get(s, 1, &a, err, sizeof(err)), KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_OK(kfb_schema_source_add(s, 1, "\"int\"", 5, err, sizeof(err)));
    ASSERT_ERR(kfb_schema_source_add(s, 1, "\"long\"", 6, err, sizeof(err)), KFB_ERR_STATE);
    ASSERT_CONTAINS(err, "schema id 1 is already known");
    ASSERT_ERR(kfb_schema_source_add(s, 2, "\"lng\"", 5, err, sizeof(err)),
               KFB_ERR_AVRO_SCHEMA_INVALID);
    ASSERT_CONTAINS(err, "schema id 2: invalid Avro schema");
    ASSERT_OK(kfb_schema_source_get(s, 1, &a, err, sizeof(err)));
    ASSERT_EQ_INT(kfb_avro_schema_root(a)->type, KFB_AVRO_INT);
    /* ids colliding in one hash bucket stay distinct */
    ASSERT_OK(kfb_schema_source_add(s, 257, "\"string\"", 8, err, sizeof(err)));
    ASSERT_OK(kfb_schema_source_add(s, -255, "\"bytes\"", 7, err, sizeof(err)));
    ASSERT_OK(kfb_schema_source_get(s, 257, &a, err, sizeof(err)));
    ASSERT_EQ_INT(kfb_avro_schema_root(a)->type, KFB_AVRO_STRING);
    ASSERT_OK(kfb_schema_source_get(s, 1, &a, err, sizeof(err)));
    ASSERT_EQ_INT(kfb_avro_schema_root(a)->type, KFB_AVRO_INT);
    kfb_schema_source_destroy(s);
}

/* ---- TLS, against `openssl s_server -WWW` (serves files of its cwd) ------------------- */

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    ASSERT_EQ_INT(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ASSERT_EQ_INT(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int can_connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

TEST(tls_ca_file_and_skip_verify) {
    /* openssl is installed by scripts/install-deps.sh; its absence is a failure, not a skip */
    ASSERT_EQ_INT(system("command -v openssl >/dev/null 2>&1"), 0);
    char dir[] = "/tmp/kfb-tls-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 && mkdir -p www/schemas/ids",
             dir);
    ASSERT_EQ_INT(system(cmd), 0);
    char path[512], ca[512];
    snprintf(path, sizeof(path), "%s/www/schemas/ids/21", dir);
    char *body = sr_body(RECORD_SCHEMA, NULL);
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fputs(body, f);
    fclose(f);
    free(body);
    snprintf(ca, sizeof(ca), "%s/cert.pem", dir);

    int port = free_port();
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the test */
        char www[512], accept[64];
        snprintf(www, sizeof(www), "%s/www", dir);
        snprintf(accept, sizeof(accept), "127.0.0.1:%d", port);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (chdir(www) != 0) _exit(127);
        execlp("openssl", "openssl", "s_server", "-quiet", "-WWW", "-accept", accept, "-cert",
               "../cert.pem", "-key", "../key.pem", (char *)NULL);
        _exit(127);
    }
    int up = 0;
    for (int i = 0; i < 400 && !up; i++) { /* readiness, not a time threshold */
        up = can_connect(port);
        if (!up) nanosleep(&(struct timespec){0, 25000000L}, NULL);
    }
    ASSERT_TRUE(up);

    char url[64], err[512];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);
    kfb_registry_config_t c;
    kfb_registry_config_init(&c);
    c.url = url;
    c.max_retries = 0;
    const kfb_avro_schema_t *a = NULL;

    /* verified against the self-signed certificate as CA */
    c.ca_file = ca;
    kfb_schema_source_t *s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    ASSERT_TRUE(s != NULL);
    kfb_err_t e = kfb_schema_source_get(s, 21, &a, err, sizeof(err));
    if (e) fprintf(stderr, "  %s\n", err);
    ASSERT_OK(e);
    ASSERT_STREQ(kfb_avro_schema_root(a)->name, "Order");
    kfb_schema_source_destroy(s);

    /* system CAs do not know it: a configuration error, not retried */
    c.ca_file = NULL;
    s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    ASSERT_ERR(kfb_schema_source_get(s, 21, &a, err, sizeof(err)), KFB_ERR_CONFIG);
    ASSERT_CONTAINS(err, "TLS with the schema registry");
    kfb_schema_source_destroy(s);

    /* explicitly skipping verification works, with a warning */
    c.insecure_skip_verify = 1;
    kfb_test_log_capture_start();
    s = kfb_schema_source_registry_new(&c, err, sizeof(err));
    ASSERT_CONTAINS(kfb_test_log_captured(), "is DISABLED");
    kfb_test_log_capture_stop();
    ASSERT_OK(kfb_schema_source_get(s, 21, &a, err, sizeof(err)));
    kfb_schema_source_destroy(s);

    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ASSERT_EQ_INT(system(cmd), 0);
}
