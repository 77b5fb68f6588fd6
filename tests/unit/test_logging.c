/*
 * test_logging.c - log lines in both formats against hand-written expected lines (escaping,
 * invalid UTF-8, fields, truncation), level and format parsing, librdkafka's level mapping,
 * and the secrets check: configuration loading, explain, the Kafka consumer and dead-letter
 * producer, the Fluss client (SASL) and the Schema Registry client (basic auth, libcurl's
 * verbose output) all run at debug level with known secrets, in text and in JSON; no
 * secret may appear in anything they write.
 */
#include <fcntl.h>
#include <jansson.h>
#include <unistd.h>

#include "config.h"
#include "consumer.h"
#include "dead_letter.h"
#include "explain.h"
#include "fluss_client.h"
#include "fluss_test_server.h"
#include "harness.h"
#include "http_test_server.h"
#include "logging.h"
#include "schema_registry.h"

static const struct timespec T0 = {1714564800, 123456789}; /* 2024-05-01T12:00:00.123Z */

static char line[KFB_LOG_MAX_LINE];

static const char *render(kfb_log_format_t fmt, kfb_log_level_t lvl, const char *fac, const kfb_log_field_t *f,
                          size_t n, const char *msg) {
    size_t len = kfb_log_render(line, sizeof line, fmt, &T0, lvl, fac, f, n, msg);
    ASSERT_EQ_INT(len, strlen(line));
    return line;
}

TEST(text_and_json_lines) {
    kfb_log_field_t f[] = {KFB_LOG_STR("topic", "orders"), KFB_LOG_INT("partition", 3), KFB_LOG_INT("offset", -1),
                           KFB_LOG_STR("table", NULL), KFB_LOG_STR("why", "a b=\"c\"")};
    ASSERT_STREQ(render(KFB_LOG_FORMAT_TEXT, KFB_LOG_WARN, "bridge", f, 5, "message skipped"),
                 "2024-05-01T12:00:00.123Z WARN  [bridge] message skipped topic=orders partition=3 offset=-1 "
                 "table=- why=\"a b=\\\"c\\\"\"\n");
    ASSERT_STREQ(render(KFB_LOG_FORMAT_JSON, KFB_LOG_WARN, "bridge", f, 5, "message skipped"),
                 "{\"time\":\"2024-05-01T12:00:00.123Z\",\"level\":\"warn\",\"facility\":\"bridge\","
                 "\"message\":\"message skipped\",\"topic\":\"orders\",\"partition\":3,\"offset\":-1,"
                 "\"table\":null,\"why\":\"a b=\\\"c\\\"\"}\n");
    ASSERT_STREQ(render(KFB_LOG_FORMAT_TEXT, KFB_LOG_DEBUG, "x", NULL, 0, ""),
                 "2024-05-01T12:00:00.123Z DEBUG [x] \n");
    ASSERT_STREQ(render(KFB_LOG_FORMAT_JSON, KFB_LOG_ERROR, "x", NULL, 0, NULL),
                 "{\"time\":\"2024-05-01T12:00:00.123Z\",\"level\":\"error\",\"facility\":\"x\",\"message\":\"\"}\n");
    kfb_log_field_t empty = KFB_LOG_STR("k", "");
    ASSERT_STREQ(render(KFB_LOG_FORMAT_TEXT, KFB_LOG_INFO, "x", &empty, 1, "m"), "2024-05-01T12:00:00.123Z INFO  [x] m k=\"\"\n");
}

/* quotes, backslash, control characters, DEL, and invalid UTF-8 of every kind: a stray
 * byte, an overlong form, a surrogate, a cut sequence, a code point above U+10FFFF */
#define NASTY "q\"b\\s\n\t\x01\x7f|\xff|\xc0\x80|\xed\xa0\x80|\xe2\x82|\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xf4\x90\x80\x80"

TEST(escaping) {
    ASSERT_STREQ(render(KFB_LOG_FORMAT_JSON, KFB_LOG_INFO, "f\"", NULL, 0, NASTY),
                 "{\"time\":\"2024-05-01T12:00:00.123Z\",\"level\":\"info\",\"facility\":\"f\\\"\",\"message\":\""
                 "q\\\"b\\\\s\\n\\t\\u0001\\u007f|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd|"
                 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\\ufffd\\ufffd\\ufffd\\ufffd\"}\n");
#define R "\xef\xbf\xbd" /* U+FFFD */
    ASSERT_STREQ(render(KFB_LOG_FORMAT_TEXT, KFB_LOG_INFO, "f", NULL, 0, NASTY),
                 "2024-05-01T12:00:00.123Z INFO  [f] q\"b\\s\\n\\t\\x01\\x7f|" R "|" R R "|" R R R "|" R R "|"
                 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|" R R R R "\n");
    /* a field value with the same bytes, in both formats */
    kfb_log_field_t f = KFB_LOG_STR("v", "a\nb\xff\"");
    ASSERT_STREQ(render(KFB_LOG_FORMAT_TEXT, KFB_LOG_INFO, "f", &f, 1, "m"),
                 "2024-05-01T12:00:00.123Z INFO  [f] m v=\"a\\nb" R "\\\"\"\n");
    ASSERT_STREQ(render(KFB_LOG_FORMAT_JSON, KFB_LOG_INFO, "f", &f, 1, "m"),
                 "{\"time\":\"2024-05-01T12:00:00.123Z\",\"level\":\"info\",\"facility\":\"f\",\"message\":\"m\","
                 "\"v\":\"a\\nb\\ufffd\\\"\"}\n");
#undef R
    /* the JSON reads back with a real parser, the message as sent where it was valid */
    json_error_t je;
    render(KFB_LOG_FORMAT_JSON, KFB_LOG_INFO, "f", NULL, 0, "tab\there \"quoted\" \xc3\xa9");
    json_t *j = json_loads(line, 0, &je);
    ASSERT_TRUE(j != NULL);
    ASSERT_STREQ(json_string_value(json_object_get(j, "message")), "tab\there \"quoted\" \xc3\xa9");
    json_decref(j);
}

/* Long messages and many fields are cut, and the JSON stays valid. */
TEST(bounded_lines) {
    static char big[3 * KFB_LOG_MAX_MESSAGE];
    memset(big, '\x01', sizeof big - 1); /* each becomes \u0001: 6x */
    big[sizeof big - 1] = '\0';
    json_error_t je;
    for (int fmt = 0; fmt < 2; fmt++) {
        size_t len = kfb_log_render(line, sizeof line, (kfb_log_format_t)fmt, &T0, KFB_LOG_INFO, "f", NULL, 0, big);
        ASSERT_TRUE(len < KFB_LOG_MAX_LINE);
        ASSERT_EQ_INT(line[len - 1], '\n');
        if (fmt == KFB_LOG_FORMAT_JSON) {
            json_t *j = json_loads(line, 0, &je);
            ASSERT_TRUE(j != NULL);
            /* escaped, it does not fit the line: cut there, whole escapes only */
            const char *m = json_string_value(json_object_get(j, "message"));
            ASSERT_GT_INT(strlen(m), 2000);
            ASSERT_EQ_INT(strspn(m, "\x01"), strlen(m));
            json_decref(j);
        }
    }
    /* a message that fits once escaped is cut at KFB_LOG_MAX_MESSAGE bytes */
    memset(big, 'a', sizeof big - 1);
    kfb_log_render(line, sizeof line, KFB_LOG_FORMAT_JSON, &T0, KFB_LOG_INFO, "f", NULL, 0, big);
    json_t *jm = json_loads(line, 0, &je);
    ASSERT_TRUE(jm != NULL);
    ASSERT_EQ_INT(strlen(json_string_value(json_object_get(jm, "message"))), KFB_LOG_MAX_MESSAGE);
    json_decref(jm);
    /* fields past the end are left out whole */
    static kfb_log_field_t many[64];
    static char val[1000];
    memset(val, '"', sizeof val - 1);
    for (int i = 0; i < 64; i++) many[i] = KFB_LOG_STR("k", val);
    size_t len = kfb_log_render(line, sizeof line, KFB_LOG_FORMAT_JSON, &T0, KFB_LOG_INFO, "f", many, 64, "m");
    ASSERT_TRUE(len < KFB_LOG_MAX_LINE);
    json_t *j = json_loads(line, JSON_ALLOW_NUL, &je); /* duplicate keys: jansson keeps the last */
    ASSERT_TRUE(j != NULL);
    ASSERT_STREQ(json_string_value(json_object_get(j, "k")), val);
    json_decref(j);
    /* a small buffer */
    char small[600];
    len = kfb_log_render(small, sizeof small, KFB_LOG_FORMAT_JSON, &T0, KFB_LOG_INFO, "f", many, 64, big);
    ASSERT_TRUE(len < sizeof small);
    j = json_loads(small, 0, &je);
    ASSERT_TRUE(j != NULL);
    json_decref(j);
    ASSERT_EQ_INT(kfb_log_render(small, 100, KFB_LOG_FORMAT_JSON, &T0, KFB_LOG_INFO, "f", NULL, 0, "m"), 0);
}

TEST(level_and_format_names) {
    kfb_log_level_t l;
    kfb_log_format_t f;
    ASSERT_EQ_INT(kfb_log_level_parse("debug", &l), 0);
    ASSERT_EQ_INT(l, KFB_LOG_DEBUG);
    ASSERT_EQ_INT(kfb_log_level_parse("verbose", &l), -1);
    ASSERT_EQ_INT(kfb_log_format_parse("json", &f), 0);
    ASSERT_EQ_INT(f, KFB_LOG_FORMAT_JSON);
    ASSERT_EQ_INT(kfb_log_format_parse("JSON", &f), -1);
    ASSERT_EQ_INT(kfb_log_configure("warn", "json"), 0);
    ASSERT_EQ_INT(kfb_log_get_level(), KFB_LOG_WARN);
    ASSERT_EQ_INT(kfb_log_get_format(), KFB_LOG_FORMAT_JSON);
    ASSERT_EQ_INT(kfb_log_configure("info", "yaml"), -1); /* nothing changes */
    ASSERT_EQ_INT(kfb_log_get_level(), KFB_LOG_WARN);
    ASSERT_EQ_INT(kfb_log_configure(NULL, "text"), 0);
    ASSERT_EQ_INT(kfb_log_get_level(), KFB_LOG_WARN);
    ASSERT_EQ_INT(kfb_log_get_format(), KFB_LOG_FORMAT_TEXT);
}

/* librdkafka's syslog levels: errors and warnings stay, notices/info/debug go to debug. */
TEST(rdkafka_levels) {
    kfb_log_set_level(KFB_LOG_INFO);
    kfb_test_log_capture_start();
    kfb_log_rdkafka("kafka", 3, "FAIL", "broker down");
    kfb_log_rdkafka("kafka", 4, "CONFWARN", "odd setting");
    kfb_log_rdkafka("kafka", 5, "JOIN", "joined");
    kfb_log_rdkafka("kafka", 6, "INFO", "info");
    kfb_log_rdkafka("kafka", 7, "BROKER", "debug");
    ASSERT_STREQ(kfb_test_log_captured(), "0 [kafka] broker down rdkafka_fac=FAIL\n1 [kafka] odd setting rdkafka_fac=CONFWARN\n");
    kfb_log_set_level(KFB_LOG_DEBUG);
    kfb_test_log_capture_start();
    kfb_log_rdkafka("dead-letter", 6, "INFO", "info");
    ASSERT_STREQ(kfb_test_log_captured(), "3 [dead-letter] info rdkafka_fac=INFO\n");
    kfb_test_log_capture_stop();
}

TEST(fields_through_macros) {
    kfb_log_set_level(KFB_LOG_INFO);
    kfb_test_log_capture_start();
    kfb_log_field_t f[] = {KFB_LOG_STR("table", "db.t"), KFB_LOG_INT("bucket", 2)};
    KFB_WARNF("writer", f, 2, "batch %d rejected", 7);
    KFB_DEBUGF("writer", f, 2, "not shown %d", 1);
    ASSERT_STREQ(kfb_test_log_captured(), "1 [writer] batch 7 rejected table=db.t bucket=2\n");
    kfb_test_log_capture_stop();
}

/* The stderr sink writes whole lines of the configured format. */
TEST(stderr_json_lines) {
    char path[] = "/tmp/kfb_log_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_TRUE(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    kfb_log_set_level(KFB_LOG_INFO);
    kfb_log_set_format(KFB_LOG_FORMAT_JSON);
    kfb_log_field_t f = KFB_LOG_INT("partition", 1);
    KFB_INFOF("t", &f, 1, "one");
    KFB_ERROR("t", "two \"%s\"", "x");
    kfb_log_set_format(KFB_LOG_FORMAT_TEXT);
    dup2(saved, 2);
    close(saved);
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_buf_read_file(&b, path, 1 << 20, NULL));
    close(fd);
    unlink(path);
    char *text = (char *)b.data, *nl = strchr(text, '\n');
    ASSERT_TRUE(nl != NULL);
    *nl = '\0';
    json_error_t je;
    json_t *a = json_loads(text, 0, &je), *c = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, &je);
    ASSERT_TRUE(a && c);
    ASSERT_STREQ(json_string_value(json_object_get(a, "message")), "one");
    ASSERT_EQ_INT(json_integer_value(json_object_get(a, "partition")), 1);
    ASSERT_STREQ(json_string_value(json_object_get(a, "level")), "info");
    ASSERT_STREQ(json_string_value(json_object_get(c, "message")), "two \"x\"");
    ASSERT_STREQ(json_string_value(json_object_get(c, "level")), "error");
    json_decref(a);
    json_decref(c);
    kfb_buf_free(&b);
}

/* ---- secrets ---------------------------------------------------------------------------- */

#define S_KAFKA "Kx9-kafka-sasl-pw-51"
#define S_KAFKA_KEY "Kx9-kafka-sslkey-pw-52"
#define S_SR "Kx9-registry-basic-pw-53"
#define S_SR_URL "Kx9-registry-url-pw-54"
#define S_SR_KEY "Kx9-registry-key-pw-55"
#define S_FLUSS "Kx9-fluss-sasl-pw-56"

static const char *const secrets[] = {S_KAFKA, S_KAFKA_KEY, S_SR, S_SR_URL, S_SR_KEY, S_FLUSS, "Kx9-"};

static char *b64(const char *s) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *o = calloc(1, 4 * (n / 3 + 1) + 1), *p = o;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)s[i] << 16 | (i + 1 < n ? (uint32_t)(unsigned char)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? (unsigned char)s[i + 2] : 0);
        *p++ = t[v >> 18 & 63];
        *p++ = t[v >> 12 & 63];
        *p++ = i + 1 < n ? t[v >> 6 & 63] : '=';
        *p++ = i + 2 < n ? t[v & 63] : '=';
    }
    return o;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void dlq_cb(void *ctx, void *opaque, kfb_err_t e, const char *why) {
    (void)ctx, (void)opaque, (void)e, (void)why;
}

typedef struct captured {
    char *out, *err;
} captured_t;

/* Everything the bridge's setup paths do with these secrets, at debug level in `fmt`, with
 * stdout and stderr captured to files. */
static captured_t run_everything(kfb_log_format_t fmt) {
    char dir[] = "/tmp/kfb_secrets_XXXXXX";
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    char outp[256], errp[256], cfgp[256], cert[256], key[256], tmp[256];
    snprintf(outp, sizeof outp, "%s/out", dir);
    snprintf(errp, sizeof errp, "%s/err", dir);
    snprintf(cfgp, sizeof cfgp, "%s/bridge.yaml", dir);
    snprintf(cert, sizeof cert, "%s/client.pem", dir);
    snprintf(key, sizeof key, "%s/client.key", dir);
    write_file(cert, "not a certificate\n");
    write_file(key, "not a key\n");

    /* the servers: a registry that wants basic auth, a Fluss cluster that wants SASL */
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    ASSERT_TRUE(srv != NULL);
    kfb_buf_t schema = KFB_BUF_INIT;
    ASSERT_OK(kfb_buf_read_file(&schema, "tests/golden/mapper/schemas/3.avsc", 1 << 20, NULL));
    json_t *j = json_pack("{s:s}", "schema", (const char *)schema.data);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    kfb_http_test_server_script(srv, "/schemas/ids/3", 200, body, 0);
    kfb_http_test_server_require_basic_auth(srv, "sruser", S_SR);
    kfb_fts_config_t fc = {0};
    fc.sasl_username = "fuser";
    fc.sasl_password = S_FLUSS;
    fc.verbose = 1;
    char e[2048];
    kfb_fts_t *fts = kfb_fluss_test_server_start(&fc, e, sizeof e);
    ASSERT_TRUE(fts != NULL);
    kfb_buf_t desc = KFB_BUF_INIT;
    ASSERT_OK(kfb_buf_read_file(&desc, "tests/golden/mapper/table_items.json", 1 << 20, NULL));
    ASSERT_OK(kfb_fts_add_table(fts, "shop", "items", (const char *)desc.data, 0, NULL, NULL, e, sizeof e));

    char cwd[512], text[4096];
    ASSERT_TRUE(getcwd(cwd, sizeof cwd) != NULL);
    const char *url = kfb_http_test_server_url(srv); /* http://127.0.0.1:PORT */
    snprintf(text, sizeof text,
             "kafka:\n  bootstrap.servers: 127.0.0.1:1\n  group.id: secrets-test\n"
             "  security.protocol: SASL_PLAINTEXT\n  sasl.mechanisms: PLAIN\n  sasl.username: kuser\n"
             "  sasl.password: " S_KAFKA "\n  ssl.key.password: " S_KAFKA_KEY "\n  debug: all\n"
             "  reconnect.backoff.ms: 10\n"
             "schema_registry:\n  url: http://urluser:" S_SR_URL "@%s\n  basic_auth_user: sruser\n"
             "  basic_auth_password: " S_SR "\n  cert_file: %s\n  key_file: %s\n  key_password: " S_SR_KEY "\n"
             "  retries: 0\n"
             "fluss:\n  bootstrap_servers: %s\n  sasl_username: fuser\n  sasl_password: " S_FLUSS "\n"
             "log:\n  level: debug\n  format: %s\n"
             "mappings:\n  - name: items\n    topic: items\n    table: shop.items\n"
             "    table_descriptor: %s/tests/golden/mapper/table_items.json\n",
             url + 7, cert, key, kfb_fts_bootstrap(fts), fmt == KFB_LOG_FORMAT_JSON ? "json" : "text", cwd);
    write_file(cfgp, text);

    /* from here on everything goes to the files */
    fflush(NULL);
    int saved1 = dup(1), saved2 = dup(2);
    int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600), fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fo, 1);
    dup2(fe, 2);
    kfb_log_set_sink(NULL, NULL);

    /* 1. configuration loading, as the commands do, and check-config's dump */
    kfb_config_t *cfg = kfb_config_load_file(cfgp, e, sizeof e);
    int cfg_ok = cfg != NULL;
    if (cfg) {
        kfb_log_configure(kfb_config_string(cfg, "log.level"), kfb_config_string(cfg, "log.format"));
        kfb_config_dump(cfg, stdout);
    }
    /* a refused secret value: the error names the key, never the value */
    snprintf(tmp, sizeof tmp, "%s/bad.yaml", dir);
    write_file(tmp, "schemas_dir: /tmp\nfluss:\n  sasl_password: [" S_FLUSS "]\nmappings: []\n");
    if (!kfb_config_load_file(tmp, e, sizeof e)) KFB_ERROR("config", "%s", e);
    write_file(tmp, "schemas_dir: /tmp\nkafka:\n  sasl.password: {a: " S_KAFKA "}\nmappings: []\n");
    if (!kfb_config_load_file(tmp, e, sizeof e)) KFB_ERROR("config", "%s", e);

    /* 2. explain through the registry (libcurl's verbose output with the Authorization header) */
    char *argv[] = {"explain", "--config", cfgp, "--mapping", "items", "0000000003020261"};
    FILE *in = fopen("/dev/null", "r");
    int explain_rc = kfb_explain_main(6, argv, in, stdout, stderr);
    fclose(in);

    /* 3. the consumer (librdkafka debug=all, SASL to a closed port) and the producer */
    int polls = 0;
    if (cfg) {
        kfb_consumer_t *kc = kfb_consumer_new(cfg, NULL, 0, NULL, e, sizeof e);
        if (kc) {
            const char *topics[] = {"items"};
            kfb_consumer_subscribe(kc, topics, 1, NULL, 0, e, sizeof e);
            rd_kafka_message_t *msgs[8];
            for (; polls < 10; polls++) {
                size_t n = kfb_consumer_poll(kc, msgs, 8, 50);
                for (size_t i = 0; i < n; i++) rd_kafka_message_destroy(msgs[i]);
            }
            kfb_consumer_destroy(kc);
        } else {
            KFB_ERROR("kafka", "%s", e);
        }
        kfb_dead_letter_t *d = kfb_dead_letter_new(cfg, "dead", dlq_cb, NULL, e, sizeof e);
        if (!d) KFB_ERROR("dead-letter", "%s", e);
        if (d) kfb_dead_letter_destroy(d, 1000);
    }

    /* 4. the Fluss client with SASL, reading the table */
    int fluss_ok = 0;
    if (cfg) {
        kfb_fluss_client_conf_t conf;
        kfb_fluss_client_conf_init(&conf);
        kfb_config_fluss_conf(cfg, &conf);
        kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, e, sizeof e);
        kfb_fluss_table_info_t *info = NULL;
        if (c && !kfb_fluss_client_get_table(c, "shop", "items", 10000, &info, e, sizeof e)) fluss_ok = 1;
        else KFB_ERROR("fluss", "%s", e);
        kfb_fluss_table_info_free(info);
        kfb_fluss_client_destroy(c);
    }

    /* 5. the registry client: a schema, an unknown id, and wrong credentials */
    if (cfg) {
        kfb_schema_source_t *src = kfb_config_schema_source_new(cfg, e, sizeof e);
        const kfb_avro_schema_t *s = NULL;
        if (src && kfb_schema_source_get(src, 3, &s, e, sizeof e)) KFB_ERROR("schema-registry", "%s", e);
        if (src && kfb_schema_source_get(src, 99, &s, e, sizeof e)) KFB_WARN("schema-registry", "%s", e);
        kfb_schema_source_destroy(src);
        kfb_http_test_server_require_basic_auth(srv, "sruser", "another-password");
        src = kfb_config_schema_source_new(cfg, e, sizeof e);
        if (src && kfb_schema_source_get(src, 3, &s, e, sizeof e)) KFB_ERROR("schema-registry", "%s", e);
        kfb_schema_source_destroy(src);
    }
    kfb_config_destroy(cfg);

    fflush(NULL);
    dup2(saved1, 1);
    dup2(saved2, 2);
    close(saved1);
    close(saved2);
    close(fo);
    close(fe);
    kfb_log_set_level(KFB_LOG_INFO);
    kfb_log_set_format(KFB_LOG_FORMAT_TEXT);
    ASSERT_TRUE(cfg_ok);
    ASSERT_EQ_INT(explain_rc, 0);
    ASSERT_EQ_INT(polls, 10);
    ASSERT_TRUE(fluss_ok);

    captured_t c;
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_buf_read_file(&b, outp, 64 << 20, NULL));
    c.out = (char *)b.data;
    b = (kfb_buf_t)KFB_BUF_INIT;
    ASSERT_OK(kfb_buf_read_file(&b, errp, 64 << 20, NULL));
    c.err = (char *)b.data;
    kfb_fluss_test_server_stop(fts);
    kfb_http_test_server_stop(srv);
    kfb_buf_free(&schema);
    kfb_buf_free(&desc);
    free(body);
    unlink(outp), unlink(errp), unlink(cfgp), unlink(cert), unlink(key), unlink(tmp);
    rmdir(dir);
    return c;
}

static void assert_no_secret(const char *what, const char *text) {
    char *basic = b64("sruser:" S_SR), *url = b64("urluser:" S_SR_URL), *bad = b64("sruser:another-password");
    const char *forms[] = {basic, url};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        if (strstr(text, secrets[i])) fprintf(stderr, "  %s shows secret %s\n", what, secrets[i]);
        ASSERT_TRUE(strstr(text, secrets[i]) == NULL);
    }
    for (size_t i = 0; i < 2; i++) {
        if (strstr(text, forms[i])) fprintf(stderr, "  %s shows base64 credentials %s\n", what, forms[i]);
        ASSERT_TRUE(strstr(text, forms[i]) == NULL);
    }
    ASSERT_TRUE(strstr(text, bad) == NULL);
    free(basic);
    free(url);
    free(bad);
}

/* The run did reach each library's debug output, so the check above means something. */
static void assert_reached_everything(const char *err) {
    ASSERT_CONTAINS(err, "curl > Authorization: (not logged)"); /* libcurl's request headers */
    ASSERT_CONTAINS(err, "curl < HTTP/1.1 200");                /* and the response's */
    ASSERT_CONTAINS(err, "rdkafka_fac");                        /* librdkafka's lines ... */
    ASSERT_CONTAINS(err, "sasl.password = [redacted]");         /* ... its config dump ... */
    ASSERT_CONTAINS(err, "dead-letter");                        /* ... the producer's too */
    ASSERT_CONTAINS(err, "fluss-conn");                         /* the Fluss client (SASL done) */
    ASSERT_CONTAINS(err, "answered 401");                       /* the wrong-credentials error */
    ASSERT_CONTAINS(err, "sasl_password");                      /* the refused secret is named */
}

TEST(no_secrets_in_text_logs) {
    captured_t c = run_everything(KFB_LOG_FORMAT_TEXT);
    assert_no_secret("stdout", c.out);
    assert_no_secret("stderr", c.err);
    assert_reached_everything(c.err);
    ASSERT_CONTAINS(c.out, "\"op\":\"upsert\""); /* explain worked */
    ASSERT_CONTAINS(c.out, "***");               /* check-config's dump masks */
    free(c.out);
    free(c.err);
}

TEST(no_secrets_in_json_logs) {
    captured_t c = run_everything(KFB_LOG_FORMAT_JSON);
    assert_no_secret("stdout", c.out);
    assert_no_secret("stderr", c.err);
    assert_reached_everything(c.err);
    /* and every line on stderr is one JSON object: the libraries went through the logger */
    size_t lines = 0;
    for (char *p = c.err, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        ASSERT_TRUE(nl != NULL);
        *nl = '\0';
        json_error_t je;
        json_t *j = json_loads(p, 0, &je);
        if (!j) fprintf(stderr, "  not JSON: %s\n", p);
        ASSERT_TRUE(j != NULL && json_is_object(j));
        ASSERT_TRUE(json_is_string(json_object_get(j, "time")) && json_is_string(json_object_get(j, "level")) &&
                    json_is_string(json_object_get(j, "facility")) && json_is_string(json_object_get(j, "message")));
        json_decref(j);
        lines++;
    }
    ASSERT_GT_INT(lines, 20);
    free(c.out);
    free(c.err);
}
