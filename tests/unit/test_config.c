/* test_config.c - the YAML configuration: every error path with its FILE:LINE:COL (the
 * positions are counted by hand from the literal texts below), defaults, env expansion,
 * secrets, the key table against conf/, and `explain --config` against the equivalent
 * flags on the golden mapper data (tests/golden/mapper). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "explain.h"
#include "harness.h"
#include "explain_run.h"
#include "http_test_server.h"
#include "logging.h"

#define MIN_OK "schemas_dir: /tmp\nmappings:\n  - {name: m, topic: t, table: db.t}\n"

static char err[1024];

static kfb_config_t *load(const char *text) {
    err[0] = '\0';
    return kfb_config_parse(text, strlen(text), "c.yaml", err, sizeof(err));
}

/* The text must be refused with an error starting with `want`. */
static int refused(const char *text, const char *want) {
    kfb_config_t *c = load(text);
    if (c) {
        kfb_config_destroy(c);
        fprintf(stderr, "accepted: %s\n", text);
        return 0;
    }
    if (strncmp(err, want, strlen(want))) {
        fprintf(stderr, "error:  %s\nwanted: %s...\n", err, want);
        return 0;
    }
    return 1;
}

static char *slurp(const char *path) {
    kfb_buf_t b = KFB_BUF_INIT;
    return kfb_buf_read_file(&b, path, 0, NULL) ? NULL : (char *)b.data;
}

TEST(minimal_config_gets_every_default) {
    kfb_config_t *c = load(MIN_OK);
    ASSERT_TRUE(c != NULL);
    ASSERT_EQ_INT(kfb_config_int(c, "fluss.request_timeout"), 30000);
    ASSERT_EQ_INT(kfb_config_int(c, "fluss.metadata_max_age"), 300000);
    ASSERT_EQ_INT(kfb_config_int(c, "batch.max_bytes"), 2 * 1024 * 1024);
    ASSERT_EQ_INT(kfb_config_int(c, "batch.linger"), 100);
    ASSERT_EQ_INT(kfb_config_int(c, "errors.policy"), KFB_ERROR_POLICY_FAIL);
    ASSERT_STREQ(kfb_config_string(c, "errors.policy"), "fail");
    ASSERT_STREQ(kfb_config_string(c, "log.level"), "info");
    ASSERT_FALSE(kfb_config_is_set(c, "fluss.request_timeout"));
    ASSERT_TRUE(kfb_config_string(c, "fluss.bootstrap_servers") == NULL);
    ASSERT_EQ_INT(kfb_config_mapping_count(c), 1);
    const kfb_config_mapping_t *m = kfb_config_find_mapping(c, "m");
    ASSERT_TRUE(m != NULL);
    ASSERT_EQ_INT(m->format, KFB_MAPPER_FORMAT_AVRO);
    ASSERT_EQ_INT(m->key_format, KFB_MAPPER_KEY_AVRO);
    ASSERT_EQ_INT(m->key_from_message_key, 0);
    ASSERT_EQ_INT(m->partial_update, 0);
    ASSERT_EQ_INT(m->n_renames + m->n_ignore + m->n_union_rules, 0);
    ASSERT_TRUE(kfb_config_find_mapping(c, "other") == NULL);
    kfb_config_destroy(c);
}

/* The table's defaults must be the clients' own defaults, so an empty section changes nothing. */
TEST(defaults_equal_the_clients_defaults) {
    kfb_config_t *c = load(MIN_OK);
    ASSERT_TRUE(c != NULL);
    kfb_fluss_client_conf_t a, b;
    memset(&a, 0, sizeof(a));
    kfb_fluss_client_conf_init(&b);
    kfb_config_fluss_conf(c, &a);
    ASSERT_EQ_INT(a.request_timeout_ms, b.request_timeout_ms);
    ASSERT_EQ_INT(a.connect_timeout_ms, b.connect_timeout_ms);
    ASSERT_EQ_INT(a.reconnect_backoff_ms, b.reconnect_backoff_ms);
    ASSERT_EQ_INT(a.reconnect_backoff_max_ms, b.reconnect_backoff_max_ms);
    ASSERT_EQ_INT(a.retry_backoff_ms, b.retry_backoff_ms);
    ASSERT_EQ_INT(a.metadata_max_age_ms, b.metadata_max_age_ms);
    ASSERT_EQ_INT(a.putkv_timeout_ms, b.putkv_timeout_ms);
    ASSERT_EQ_INT(a.delivery_timeout_ms, b.delivery_timeout_ms);
    ASSERT_EQ_INT(a.max_inflight_per_bucket, b.max_inflight_per_bucket);
    ASSERT_EQ_U64(a.max_request_bytes, b.max_request_bytes);
    ASSERT_EQ_INT(a.queue_max_batches, b.queue_max_batches);
    ASSERT_EQ_U64(a.queue_max_bytes, b.queue_max_bytes);
    ASSERT_EQ_INT(a.backpressure_max_throttle_ms, b.backpressure_max_throttle_ms);
    ASSERT_EQ_INT(a.acks, -1);
    kfb_registry_config_t r, s;
    kfb_registry_config_init(&s);
    kfb_config_registry_config(c, &r);
    ASSERT_EQ_INT(r.connect_timeout_ms, s.connect_timeout_ms);
    ASSERT_EQ_INT(r.request_timeout_ms, s.request_timeout_ms);
    ASSERT_EQ_INT(r.max_retries, s.max_retries);
    ASSERT_EQ_INT(r.retry_backoff_ms, s.retry_backoff_ms);
    ASSERT_EQ_INT(r.retry_backoff_max_ms, s.retry_backoff_max_ms);
    kfb_config_destroy(c);
}

TEST(values_of_every_type) {
    kfb_config_t *c = load("schema_registry:\n"
                           "  url: http://127.0.0.1:1\n"
                           "  insecure_skip_verify: true\n"
                           "  retries: 0\n"
                           "fluss:\n"
                           "  bootstrap_servers: \"[::1]:9123\"\n"
                           "  request_timeout: 2m\n"
                           "  max_request_size: 512KiB\n"
                           "  queue_max_bytes: 10MB\n"
                           "  delivery_timeout: 1h\n"
                           "batch: {linger: 0, max_bytes: 4096}\n"
                           "errors: {policy: dead_letter, dead_letter_topic: dlq}\n"
                           "mappings:\n"
                           "  - name: orders\n"
                           "    topic: orders\n"
                           "    table: shop.orders\n"
                           "    format: debezium\n"
                           "    key: message_key\n"
                           "    key_format: string\n"
                           "    partial_update: true\n"
                           "    rename: {a: b, c: d}\n"
                           "    ignore: [x, y, z]\n"
                           "    unions:\n"
                           "      u: string\n");
    ASSERT_TRUE(c != NULL);
    ASSERT_EQ_INT(kfb_config_int(c, "schema_registry.insecure_skip_verify"), 1);
    ASSERT_EQ_INT(kfb_config_int(c, "schema_registry.retries"), 0);
    ASSERT_TRUE(kfb_config_is_set(c, "schema_registry.retries"));
    ASSERT_STREQ(kfb_config_string(c, "fluss.bootstrap_servers"), "[::1]:9123");
    ASSERT_EQ_INT(kfb_config_int(c, "fluss.request_timeout"), 120000);
    ASSERT_EQ_INT(kfb_config_int(c, "fluss.max_request_size"), 512 * 1024);
    ASSERT_EQ_INT(kfb_config_int(c, "fluss.queue_max_bytes"), 10000000);
    ASSERT_EQ_INT(kfb_config_int(c, "fluss.delivery_timeout"), 3600000);
    ASSERT_EQ_INT(kfb_config_int(c, "batch.linger"), 0);
    ASSERT_EQ_INT(kfb_config_int(c, "batch.max_bytes"), 4096);
    ASSERT_EQ_INT(kfb_config_int(c, "errors.policy"), KFB_ERROR_POLICY_DEAD_LETTER);
    const kfb_config_mapping_t *m = kfb_config_mapping_at(c, 0);
    ASSERT_EQ_INT(m->line, 14);
    ASSERT_EQ_INT(m->format, KFB_MAPPER_FORMAT_DEBEZIUM);
    ASSERT_EQ_INT(m->key_format, KFB_MAPPER_KEY_STRING);
    ASSERT_EQ_INT(m->key_from_message_key, 1);
    ASSERT_EQ_INT(m->partial_update, 1);
    ASSERT_EQ_INT(m->n_renames, 2);
    ASSERT_STREQ(m->renames[1].field, "c");
    ASSERT_STREQ(m->renames[1].column, "d");
    ASSERT_EQ_INT(m->n_ignore, 3);
    ASSERT_STREQ(m->ignore[2], "z");
    ASSERT_EQ_INT(m->n_union_rules, 1);
    ASSERT_STREQ(m->union_rules[0].branch, "string");
    kfb_mapper_config_t mc;
    kfb_config_mapper_config(m, &mc);
    ASSERT_EQ_INT(mc.format, KFB_MAPPER_FORMAT_DEBEZIUM);
    ASSERT_EQ_INT(mc.n_renames, 2);
    ASSERT_EQ_INT(mc.partial_update, 1);
    ASSERT_EQ_INT(mc.key_from_message_key, 1);
    ASSERT_STREQ(mc.topic, "orders");
    kfb_registry_config_t r;
    kfb_config_registry_config(c, &r);
    ASSERT_STREQ(r.url, "http://127.0.0.1:1");
    ASSERT_EQ_INT(r.insecure_skip_verify, 1);
    kfb_config_destroy(c);
}

TEST(unknown_key_names_position_and_suggests) {
    ASSERT_TRUE(refused("fluss:\n  bootstrap_server: x\n" MIN_OK,
                        "c.yaml:2:3: unknown key 'fluss.bootstrap_server' (did you mean 'bootstrap_servers'?)"));
    ASSERT_TRUE(refused("fluss:\n  request_timout: 1s\n" MIN_OK,
                        "c.yaml:2:3: unknown key 'fluss.request_timout' (did you mean 'request_timeout'?)"));
    /* the right key at the wrong level */
    ASSERT_TRUE(refused("bootstrap_servers: x\n" MIN_OK,
                        "c.yaml:1:1: unknown key 'bootstrap_servers' (did you mean 'fluss.bootstrap_servers'?)"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: m, topic: t, table: db.t, tabel: x}\n",
                        "c.yaml:3:38: unknown key 'mappings[0].tabel' (did you mean 'table'?)"));
    /* dotted keys never reach into sections */
    ASSERT_TRUE(refused("fluss.bootstrap_servers: x\n" MIN_OK, "c.yaml:1:1: unknown key 'fluss.bootstrap_servers'"));
    /* far from everything: no suggestion, the list of sections instead */
    ASSERT_TRUE(refused("zzzzzzzz: 1\n" MIN_OK, "c.yaml:1:1: unknown key 'zzzzzzzz'; the top-level keys are kafka"));
}

TEST(duplicate_keys_are_errors) {
    ASSERT_TRUE(refused("fluss:\n  request_timeout: 1s\n  request_timeout: 2s\n" MIN_OK,
                        "c.yaml:3:3: duplicate key 'request_timeout' (first at line 2)"));
    ASSERT_TRUE(refused("kafka:\n  group.id: a\n  group.id: b\n" MIN_OK, "c.yaml:3:3: duplicate key 'group.id'"));
    ASSERT_TRUE(refused(MIN_OK "mappings: []\n", "c.yaml:4:1: duplicate key 'mappings' (first at line 2)"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: m, topic: t, table: db.t}\n"
                        "  - {name: m, topic: u, table: db.u}\n",
                        "c.yaml:4:12: mapping name 'm' is used twice (first at line 3)"));
}

TEST(wrong_types) {
    ASSERT_TRUE(refused("fluss:\n  request_timeout: [1s]\n" MIN_OK,
                        "c.yaml:2:20: 'fluss.request_timeout' must be a single value, not a list"));
    ASSERT_TRUE(refused("fluss: 5\n" MIN_OK, "c.yaml:1:8: 'fluss' must be a mapping of its keys, not a single value"));
    ASSERT_TRUE(refused("schema_registry:\n  url: http://x\n  retries: three\n" "mappings:\n  - {name: m, topic: t, table: db.t}\n",
                        "c.yaml:3:12: 'schema_registry.retries' must be a whole number, not 'three'"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: m, topic: t, table: db.t, partial_update: yes}\n",
                        "c.yaml:3:54: 'mappings[0].partial_update' must be true or false, not 'yes'"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: m, topic: t, table: db.t, format: protobuf}\n",
                        "c.yaml:3:46: 'mappings[0].format' must be one of avro|debezium, not 'protobuf'"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: m, topic: t, table: db.t, ignore: x}\n",
                        "c.yaml:3:46: 'mappings[0].ignore' must be a list"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: m, topic: t, table: db.t, rename: [a]}\n",
                        "c.yaml:3:46: 'mappings[0].rename' must be a mapping"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: m, topic: t, table: orders}\n",
                        "c.yaml:3:32: mappings[0].table must be database.table, not 'orders'"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings: {name: m}\n", "c.yaml:2:11: 'mappings' must be a list"));
    ASSERT_TRUE(refused("schemas_dir:\n" "mappings:\n  - {name: m, topic: t, table: db.t}\n",
                        "c.yaml:1:13: 'schemas_dir' has no value"));
    ASSERT_TRUE(refused("log: {level: verbose}\n" MIN_OK, "c.yaml:1:14: 'log.level' must be one of error|warn|info|debug"));
}

TEST(ranges) {
    ASSERT_TRUE(refused("fluss:\n  max_inflight_per_bucket: 6\n" MIN_OK,
                        "c.yaml:2:28: 'fluss.max_inflight_per_bucket' is 6, out of range: it must be between 1 and 5"));
    ASSERT_TRUE(refused("fluss:\n  request_timeout: 2h\n" MIN_OK,
                        "c.yaml:2:20: 'fluss.request_timeout' is 2h, out of range: it must be between 1ms and 1h"));
    ASSERT_TRUE(refused("batch:\n  max_bytes: 1GiB\n" MIN_OK,
                        "c.yaml:2:14: 'batch.max_bytes' is 1GiB, out of range: it must be between 1KiB and 256MiB"));
    ASSERT_TRUE(refused("schema_registry: {url: x, retries: -1}\n" "mappings:\n  - {name: m, topic: t, table: db.t}\n",
                        "c.yaml:1:36: 'schema_registry.retries' is -1, out of range"));
    ASSERT_TRUE(refused("schema_registry: {url: x, retries: 99999999999999999999999}\n"
                        "mappings:\n  - {name: m, topic: t, table: db.t}\n",
                        "c.yaml:1:36: 'schema_registry.retries' must be a whole number"));
}

TEST(bad_durations_and_sizes) {
    ASSERT_TRUE(refused("batch:\n  linger: 100\n" MIN_OK,
                        "c.yaml:2:11: 'batch.linger' must be a duration with a unit (ms, s, m, h) such as \"100ms\", not '100'"));
    ASSERT_TRUE(refused("batch:\n  linger: 1.5s\n" MIN_OK, "c.yaml:2:11: 'batch.linger' must be a duration"));
    ASSERT_TRUE(refused("batch:\n  linger: 5 s\n" MIN_OK, "c.yaml:2:11: 'batch.linger' must be a duration"));
    ASSERT_TRUE(refused("batch:\n  linger: -5s\n" MIN_OK, "c.yaml:2:11: 'batch.linger' must be a duration"));
    ASSERT_TRUE(refused("batch:\n  linger: 99999999999999999h\n" MIN_OK, "c.yaml:2:11: 'batch.linger' must be a duration"));
    ASSERT_TRUE(refused("batch:\n  max_bytes: 10mb\n" MIN_OK,
                        "c.yaml:2:14: 'batch.max_bytes' must be a size such as \"2MiB\""));
    ASSERT_TRUE(refused("batch:\n  max_bytes: MiB\n" MIN_OK, "c.yaml:2:14: 'batch.max_bytes' must be a size"));
    ASSERT_TRUE(refused("batch:\n  max_bytes: 99999999999TiB\n" MIN_OK, "c.yaml:2:14: 'batch.max_bytes' must be a size"));
}

TEST(missing_required_and_cross_key_rules) {
    ASSERT_TRUE(refused("schemas_dir: /tmp\n", "c.yaml:1:1: 'mappings' is required here; add it"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: m, table: db.t}\n",
                        "c.yaml:3:5: mappings[0] reads no topic: add 'topic: NAME'"));
    ASSERT_TRUE(refused("mappings:\n  - {name: m, topic: t, table: db.t}\n", "c.yaml:1:1: no schema source"));
    ASSERT_TRUE(refused("schema_registry: {retries: 1}\nmappings:\n  - {name: m, topic: t, table: db.t}\n",
                        "c.yaml:1:18: 'schema_registry.url' is required here"));
    ASSERT_TRUE(refused("schema_registry: {url: x}\n" MIN_OK, "c.yaml:2:14: 'schemas_dir' and 'schema_registry' are both set"));
    ASSERT_TRUE(refused("schema_registry: {url: x, cert_file: c.pem}\nmappings:\n  - {name: m, topic: t, table: db.t}\n",
                        "c.yaml:1:38: 'schema_registry.cert_file' and 'schema_registry.key_file' go together"));
    ASSERT_TRUE(refused("errors: {policy: dead_letter}\n" MIN_OK,
                        "c.yaml:1:18: 'errors.policy' is dead_letter but 'errors.dead_letter_topic' is not set"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings: []\n", "c.yaml:2:11: 'mappings' must be a list of entries"));
}

TEST(yaml_syntax_errors_name_the_position) {
    ASSERT_TRUE(refused("fluss:\n  a: [1, 2\n", "c.yaml:3:1: YAML syntax error: did not find expected ',' or ']'"));
    ASSERT_TRUE(refused("fluss:\n  a: b\n c: d\n", "c.yaml:3:2: YAML syntax error:"));
    ASSERT_TRUE(refused("a: \"unterminated\n", "c.yaml:2:1: YAML syntax error: found unexpected end of stream"));
    ASSERT_TRUE(refused("- a\n- b\n", "c.yaml:1:1: the top level must be a mapping"));
    ASSERT_TRUE(refused("fluss:\n  a: \xff\n", "c.yaml:2:6: "));
    ASSERT_CONTAINS(err, "not UTF-8 text (invalid leading UTF-8 octet at byte 12)");
    ASSERT_TRUE(refused(MIN_OK "---\nx: 1\n", "c.yaml:4:1: a second YAML document"));
    ASSERT_TRUE(refused("? [a, b]\n: c\n", "c.yaml:1:3: keys must be plain names, not a list"));
    ASSERT_TRUE(refused("fluss: {bootstrap_servers: \"a\\0b\"}\n" MIN_OK, "c.yaml:1:28: value contains a NUL character"));
}

TEST(anchors_aliases_and_tags_are_refused) {
    ASSERT_TRUE(refused("fluss: &f {bootstrap_servers: x}\n" MIN_OK,
                        "c.yaml:1:8: YAML anchors (&f) are not allowed in the bridge configuration"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: m, topic: t, table: db.t, ignore: [a]}\n"
                        "  - {name: n, topic: t, table: db.t, ignore: *x}\n",
                        "c.yaml:4:"));
    ASSERT_TRUE(strstr(err, "alias") != NULL || strstr(err, "anchor") != NULL);
    ASSERT_TRUE(refused("fluss: {bootstrap_servers: !!str x}\n" MIN_OK, "c.yaml:1:28: YAML tags (tag:yaml.org,2002:str) are not allowed"));
}

TEST(empty_file) {
    ASSERT_TRUE(refused("", "c.yaml:1:1: the configuration is empty"));
    ASSERT_TRUE(refused("# only a comment\n\n", "c.yaml:1:1: the configuration is empty"));
    ASSERT_TRUE(refused("---\n", "c.yaml:2:1: the top level must be a mapping"));
    ASSERT_TRUE(kfb_config_load_file("/nonexistent/x.yaml", err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "/nonexistent/x.yaml: cannot open the configuration: No such file or directory");
}

TEST(nesting_is_bounded) {
    char text[512] = "fluss: {a: ";
    for (int i = 0; i < 40; i++) strcat(text, "[");
    for (int i = 0; i < 40; i++) strcat(text, "]");
    strcat(text, "}\n");
    ASSERT_TRUE(refused(text, "c.yaml:1:"));
    ASSERT_CONTAINS(err, "nested more than 16 levels deep");
}

TEST(env_expansion) {
    setenv("KFB_T_HOST", "fluss-1:9123", 1);
    setenv("KFB_T_TIMEOUT", "45s", 1);
    unsetenv("KFB_T_UNSET");
    kfb_config_t *c = load("fluss:\n"
                           "  bootstrap_servers: ${KFB_T_HOST},b:1\n"
                           "  request_timeout: \"${KFB_T_TIMEOUT}\"\n"
                           "  sasl_username: ${KFB_T_UNSET:-nobody}$$x\n" MIN_OK);
    ASSERT_TRUE(c != NULL);
    ASSERT_STREQ(kfb_config_string(c, "fluss.bootstrap_servers"), "fluss-1:9123,b:1");
    ASSERT_EQ_INT(kfb_config_int(c, "fluss.request_timeout"), 45000);
    ASSERT_STREQ(kfb_config_string(c, "fluss.sasl_username"), "nobody$x");
    kfb_config_destroy(c);
    ASSERT_TRUE(refused("fluss:\n  bootstrap_servers: ${KFB_T_UNSET}\n" MIN_OK,
                        "c.yaml:2:22: 'fluss.bootstrap_servers': environment variable KFB_T_UNSET is not set"));
    ASSERT_TRUE(refused("fluss:\n  bootstrap_servers: ${KFB_T_HOST\n" MIN_OK,
                        "c.yaml:2:22: 'fluss.bootstrap_servers': unterminated ${"));
    ASSERT_TRUE(refused("fluss:\n  bootstrap_servers: ${1X}\n" MIN_OK, "c.yaml:2:22: 'fluss.bootstrap_servers': bad variable reference"));
}

TEST(secrets_never_printed) {
    setenv("KFB_T_SECRET", "hunter2-secret", 1);
    kfb_log_set_level(KFB_LOG_DEBUG);
    kfb_test_log_capture_start();
    kfb_config_t *c = load("kafka:\n  sasl.password: ${KFB_T_SECRET}\n"
                           "fluss:\n  sasl_password: ${KFB_T_SECRET}\n"
                           "schema_registry: {url: http://u:p@x, basic_auth_password: \"${KFB_T_SECRET}\"}\n"
                           "mappings:\n  - {name: m, topic: t, table: db.t}\n");
    ASSERT_TRUE(c != NULL);
    ASSERT_STREQ(kfb_config_string(c, "fluss.sasl_password"), "hunter2-secret");
    char *dump = NULL;
    size_t dl = 0;
    FILE *f = open_memstream(&dump, &dl);
    kfb_config_dump(c, f);
    fclose(f);
    ASSERT_TRUE(strstr(dump, "hunter2") == NULL);
    ASSERT_CONTAINS(dump, "sasl_password: \"***\"");
    ASSERT_CONTAINS(dump, "\"sasl.password\": \"***\"");
    free(dump);
    kfb_config_destroy(c);
    /* a secret of the wrong shape is not quoted in the error */
    ASSERT_TRUE(refused("fluss: {sasl_password: [a]}\n" MIN_OK, "c.yaml:1:24: 'fluss.sasl_password' must be a single value"));
    ASSERT_TRUE(refused("kafka: {ssl.key.password: ${KFB_T_SECRET}, ssl.key.location: 5}\n" MIN_OK, "c.yaml:1:"));
    ASSERT_TRUE(strstr(err, "hunter2") == NULL);
    ASSERT_TRUE(strstr(kfb_test_log_captured(), "hunter2") == NULL);
    kfb_test_log_capture_stop();
}

TEST(kafka_properties_checked_by_librdkafka) {
    kfb_config_t *c = load("kafka:\n  bootstrap.servers: 127.0.0.1:9092\n  group.id: g\n  fetch.max.bytes: 1048576\n"
                           "fluss: {bootstrap_servers: x}\n" MIN_OK);
    ASSERT_TRUE(c != NULL);
    ASSERT_EQ_INT(kfb_config_kafka_count(c), 3);
    const char *n, *v;
    kfb_config_kafka_property(c, 2, &n, &v);
    ASSERT_STREQ(n, "fetch.max.bytes");
    ASSERT_STREQ(v, "1048576");
    ASSERT_OK(kfb_config_check_for_run(c, err, sizeof(err)));
    kfb_config_destroy(c);
    ASSERT_TRUE(refused("kafka:\n  bootstrap.server: x\n" MIN_OK,
                        "c.yaml:2:3: 'kafka.bootstrap.server' is not a librdkafka property (did you mean 'bootstrap.servers'?)"));
    ASSERT_TRUE(refused("kafka:\n  fetch.max.bytes: lots\n" MIN_OK, "c.yaml:2:3: 'kafka.fetch.max.bytes': "));
    ASSERT_TRUE(refused("kafka:\n  enable.auto.commit: true\n" MIN_OK, "c.yaml:2:3: 'kafka.enable.auto.commit' must stay false"));
    ASSERT_TRUE(refused("kafka: [a]\n" MIN_OK, "c.yaml:1:8: 'kafka' must be a mapping"));
}

TEST(check_for_run_names_the_missing_key) {
    kfb_config_t *c = load("kafka: {bootstrap.servers: x}\n" MIN_OK);
    ASSERT_TRUE(c != NULL);
    ASSERT_ERR(kfb_config_check_for_run(c, err, sizeof(err)), KFB_ERR_CONFIG_MISSING);
    ASSERT_CONTAINS(err, "'kafka: group.id' is needed to run the bridge");
    kfb_config_destroy(c);
}

TEST(relative_paths_resolve_against_the_file) {
    const char *t = "schemas_dir: schemas\nmappings:\n  - {name: m, topic: t, table: db.t, table_descriptor: t.json}\n"
                    "  - {name: n, topic: u, table: db.t, table_descriptor: /abs/t.json}\n";
    kfb_config_t *c = kfb_config_parse(t, strlen(t), "/etc/kfb/bridge.yaml", err, sizeof(err));
    ASSERT_TRUE(c != NULL);
    ASSERT_STREQ(kfb_config_string(c, "schemas_dir"), "/etc/kfb/schemas");
    ASSERT_STREQ(kfb_config_find_mapping(c, "m")->table_descriptor, "/etc/kfb/t.json");
    ASSERT_STREQ(kfb_config_find_mapping(c, "n")->table_descriptor, "/abs/t.json");
    kfb_config_destroy(c);
}

TEST(edit_distance) {
    ASSERT_EQ_INT(kfb_config_edit_distance("", ""), 0);
    ASSERT_EQ_INT(kfb_config_edit_distance("kitten", "sitting"), 3);
    ASSERT_EQ_INT(kfb_config_edit_distance("linger", "lingr"), 1);
    ASSERT_EQ_INT(kfb_config_edit_distance("abc", ""), 3);
}

/* The example parses and mentions every key; conf/README.md and README.md carry the generated
 * reference. */
TEST(example_and_readme_cover_the_table) {
    kfb_config_t *c = kfb_config_load_file("conf/bridge.example.yaml", err, sizeof(err));
    if (!c) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(c != NULL);
    kfb_config_destroy(c);
    char *ex = slurp("conf/bridge.example.yaml");
    ASSERT_TRUE(ex != NULL);
    for (size_t i = 0; i < kfb_config_key_count(); i++) {
        const char *p = kfb_config_key_path(i);
        const char *leaf = strrchr(p, '.') ? strrchr(p, '.') + 1 : p;
        if (!strcmp(leaf, "*")) leaf = "kafka";
        char needle[96];
        snprintf(needle, sizeof(needle), "%s:", leaf);
        if (!strstr(ex, needle)) fprintf(stderr, "conf/bridge.example.yaml lacks %s\n", p);
        ASSERT_TRUE(strstr(ex, needle) != NULL);
    }
    free(ex);
    char *ref = NULL;
    size_t rl = 0;
    FILE *f = open_memstream(&ref, &rl);
    kfb_config_reference(f);
    fclose(f);
    char *readme = slurp("conf/README.md");
    ASSERT_TRUE(readme != NULL);
    if (!strstr(readme, ref)) fprintf(stderr, "conf/README.md: regenerate the reference with `kafka-fluss-bridge config-reference`\n");
    ASSERT_TRUE(strstr(readme, ref) != NULL);
    free(readme);
    /* README.md embeds the same table between marker comments: exactly, nothing else. */
    static const char begin[] = "\n<!-- BEGIN config-reference (";
    static const char end[] = "\n<!-- END config-reference -->";
    char *top = slurp("README.md");
    ASSERT_TRUE(top != NULL);
    const char *b = strstr(top, begin);
    ASSERT_TRUE(b != NULL);
    b = strchr(b + 1, '\n'); /* the end of the marker line */
    ASSERT_TRUE(b != NULL);
    b++;
    const char *e = strstr(b, end);
    ASSERT_TRUE(e != NULL);
    e++; /* the table's last newline belongs to it */
    int same = (size_t)(e - b) == strlen(ref) && !memcmp(b, ref, strlen(ref));
    if (!same) fprintf(stderr, "README.md: regenerate the reference between the config-reference markers (README, \"Every key\")\n");
    ASSERT_TRUE(same);
    free(top);
    free(ref);
}

/* ---- explain --config ---------------------------------------------------------------------- */

static const char *msg_v1_a = "0000000003020261";
static const char *dbz_move = "0000000002020202046132021602040204613202160873686f7002027402750280a0abfef962";
static const char *dbz_d = "00000000020204020461320216000873686f7002027402640280a0abfef962";
static const char *dbz_key = "000000000604";

static int run_explain(char **argv, int argc, char **out) {
    int rc;
    *out = kfb_test_run_explain(argc, argv, &rc);
    return rc;
}

static char *write_config(const char *text) {
    char *path = strdup("/tmp/kfb_test_config_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

TEST(explain_config_equals_flags) {
    char cwd[512], text[4096];
    ASSERT_TRUE(getcwd(cwd, sizeof(cwd)) != NULL);
    snprintf(text, sizeof(text),
             "schemas_dir: %s/tests/golden/mapper/schemas\n"
             "mappings:\n"
             "  - name: items\n    topic: items\n    table: shop.items\n"
             "    table_descriptor: %s/tests/golden/mapper/table_items.json\n"
             "  - name: dbz\n    topic: dbz\n    table: shop.dbz\n    format: debezium\n"
             "    table_descriptor: %s/tests/golden/mapper/table_dbz.json\n",
             cwd, cwd, cwd);
    char *path = write_config(text);
    ASSERT_TRUE(path != NULL);
    char *a = NULL, *b = NULL;
    char *flags[] = {"explain", "--table", "tests/golden/mapper/table_items.json", "--schemas-dir",
                     "tests/golden/mapper/schemas", (char *)msg_v1_a};
    char *conf[] = {"explain", "--config", path, "--mapping", "items", (char *)msg_v1_a};
    ASSERT_EQ_INT(run_explain(flags, 6, &a), 0);
    ASSERT_EQ_INT(run_explain(conf, 6, &b), 0);
    ASSERT_STREQ(b, a);
    ASSERT_CONTAINS(b, "{\"op\":\"upsert\",\"key\":\"01\",\"value\":\"04010161\",\"bucket\":0");
    free(a);
    free(b);
    a = b = NULL;
    char *flags2[] = {"explain", "--table", "tests/golden/mapper/table_dbz.json", "--schemas-dir",
                      "tests/golden/mapper/schemas", "--format", "debezium", "--key", (char *)dbz_key,
                      (char *)dbz_move, (char *)dbz_d, "null"};
    char *conf2[] = {"explain", "--config", path, "--mapping", "dbz", "--key", (char *)dbz_key,
                     (char *)dbz_move, (char *)dbz_d, "null"};
    ASSERT_EQ_INT(run_explain(flags2, 12, &a), 0);
    ASSERT_EQ_INT(run_explain(conf2, 10, &b), 0);
    ASSERT_STREQ(b, a);
    ASSERT_CONTAINS(b, "{\"op\":\"delete\",\"key\":\"01\"");
    free(a);
    free(b);
    /* usage errors: unknown mapping, mapping flags with --config, --config without --mapping */
    char *bad1[] = {"explain", "--config", path, "--mapping", "nope", (char *)msg_v1_a};
    char *bad2[] = {"explain", "--config", path, "--mapping", "items", "--format", "avro", (char *)msg_v1_a};
    char *bad3[] = {"explain", "--config", path, (char *)msg_v1_a};
    a = NULL;
    ASSERT_EQ_INT(run_explain(bad1, 6, &a), 2);
    free(a);
    a = NULL;
    ASSERT_EQ_INT(run_explain(bad2, 8, &a), 2);
    free(a);
    a = NULL;
    ASSERT_EQ_INT(run_explain(bad3, 4, &a), 2);
    free(a);
    unlink(path);
    free(path);
}

TEST(explain_config_with_schema_registry) {
    kfb_http_test_server_t *srv = kfb_http_test_server_start();
    ASSERT_TRUE(srv != NULL);
    char *schema = slurp("tests/golden/mapper/schemas/3.avsc");
    ASSERT_TRUE(schema != NULL);
    json_t *j = json_pack("{s:s}", "schema", schema);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    kfb_http_test_server_script(srv, "/schemas/ids/3", 200, body, 0);
    kfb_http_test_server_require_basic_auth(srv, "bridge", "s3cret");
    setenv("KFB_T_SR_PASSWORD", "s3cret", 1);
    char cwd[512], text[2048];
    ASSERT_TRUE(getcwd(cwd, sizeof(cwd)) != NULL);
    snprintf(text, sizeof(text),
             "schema_registry:\n  url: %s\n  basic_auth_user: bridge\n"
             "  basic_auth_password: ${KFB_T_SR_PASSWORD}\n  retries: 0\n"
             "mappings:\n  - name: items\n    topic: items\n    table: shop.items\n"
             "    table_descriptor: %s/tests/golden/mapper/table_items.json\n",
             kfb_http_test_server_url(srv), cwd);
    char *path = write_config(text);
    ASSERT_TRUE(path != NULL);
    char *out = NULL;
    char *argv[] = {"explain", "--config", path, "--mapping", "items", (char *)msg_v1_a};
    ASSERT_EQ_INT(run_explain(argv, 6, &out), 0);
    ASSERT_STREQ(out, "{\"op\":\"upsert\",\"key\":\"01\",\"value\":\"04010161\",\"bucket\":0,\"partition\":null,"
                      "\"row\":{\"id\": 1, \"name\": \"a\", \"qty\": null}}\n");
    ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/3"), 1);
    free(out);
    unlink(path);
    free(path);
    free(body);
    free(schema);
    kfb_http_test_server_stop(srv);
}

TEST(mapping_topic_forms) {
    const char *t = "schemas_dir: /tmp\nmappings:\n"
                    "  - {name: a, topic: orders, table: db.a}\n"
                    "  - {name: b, topics: [x1, x2], table: db.b}\n"
                    "  - {name: c, topic_pattern: 'cdc\\..*', table: db.c, create_partitions: false}\n";
    kfb_config_t *c = kfb_config_parse(t, strlen(t), "c.yaml", err, sizeof(err));
    if (!c) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(c != NULL);
    const kfb_config_mapping_t *a = kfb_config_find_mapping(c, "a"), *b = kfb_config_find_mapping(c, "b"),
                               *cm = kfb_config_find_mapping(c, "c");
    ASSERT_EQ_INT(a->n_topics, 1);
    ASSERT_STREQ(a->topic, "orders");
    ASSERT_EQ_INT(a->create_partitions, 1);
    ASSERT_EQ_INT(b->n_topics, 2);
    ASSERT_STREQ(b->topics[1], "x2");
    ASSERT_STREQ(b->topic, "x1");
    ASSERT_EQ_INT(cm->n_topics, 0);
    ASSERT_TRUE(cm->topic == NULL);
    ASSERT_EQ_INT(cm->create_partitions, 0);
    ASSERT_TRUE(kfb_config_mapping_matches(cm, "cdc.inventory.customers"));
    ASSERT_FALSE(kfb_config_mapping_matches(cm, "xcdc.a")); /* whole-name match */
    ASSERT_FALSE(kfb_config_mapping_matches(cm, "cdc"));
    ASSERT_TRUE(kfb_config_mapping_matches(b, "x2"));
    ASSERT_FALSE(kfb_config_mapping_matches(a, "x2"));
    kfb_config_destroy(c);
}

TEST(mapping_topic_conflicts_are_refused) {
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: a, topic: t, topics: [u], table: db.a}\n",
                        "c.yaml:3:33: mappings[0] names its topics twice"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: a, topic: t, table: db.a}\n"
                        "  - {name: b, topics: [u, t], table: db.b}\n",
                        "c.yaml:4:23: topic 't' is read by mappings 'a' (line 3) and 'b'"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: a, topic_pattern: 'ord.*', table: db.a}\n"
                        "  - {name: b, topic: orders, table: db.b}\n",
                        "c.yaml:4:22: topic 'orders' is read by mappings 'a' (line 3) and 'b'"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: a, topic_pattern: 'ord[', table: db.a}\n",
                        "c.yaml:3:30: mappings[0].topic_pattern 'ord[' is not a POSIX extended regular expression"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - {name: a, topics: [], table: db.a}\n",
                        "c.yaml:3:23: mappings[0].topics is empty"));
}

/* create_table and the table keys: values, and combinations Fluss would refuse, each
 * named at the key's value (positions counted by hand: "    primary_key: " is 17 columns,
 * "    create_table: " 18, "    partition_keys: " 20, "    bucket_key: " 16,
 * "    table_properties: " 22, "    bucket_count: " 18). */
#define TBL_HEAD "schemas_dir: /tmp\nmappings:\n  - name: m\n    topic: t\n    table: db.t\n"

TEST(create_table_keys) {
    kfb_config_t *c = load(TBL_HEAD "    create_table: true\n    primary_key: [id, day]\n    bucket_count: 8\n"
                                    "    bucket_key: [id]\n    partition_keys: [day]\n"
                                    "    table_properties: {table.merge-engine: first_row}\n    evolve: add_columns\n");
    if (!c) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(c != NULL);
    const kfb_config_mapping_t *m = kfb_config_find_mapping(c, "m");
    ASSERT_EQ_INT(m->create_table, 1);
    ASSERT_EQ_INT(m->n_primary_key, 2);
    ASSERT_STREQ(m->primary_key[1], "day");
    ASSERT_EQ_INT(m->bucket_count, 8);
    ASSERT_EQ_INT(m->n_bucket_key, 1);
    ASSERT_STREQ(m->partition_keys[0], "day");
    ASSERT_EQ_INT(m->n_table_properties, 1);
    ASSERT_STREQ(m->table_properties[0], "table.merge-engine");
    ASSERT_STREQ(m->table_properties[1], "first_row");
    ASSERT_EQ_INT(m->evolve, KFB_CONFIG_EVOLVE_ADD_COLUMNS);
    kfb_mapper_config_t mc;
    kfb_config_mapper_config(m, &mc);
    ASSERT_EQ_INT(mc.warn_fields_without_column, 0); /* add_columns takes care of such fields */
    kfb_config_destroy(c);
    /* defaults: off, evolve none (which warns about fields without a column) */
    c = load(MIN_OK);
    m = kfb_config_find_mapping(c, "m");
    ASSERT_EQ_INT(m->create_table, 0);
    ASSERT_EQ_INT(m->bucket_count, 0);
    ASSERT_EQ_INT(m->n_primary_key + m->n_bucket_key + m->n_partition_keys + m->n_table_properties, 0);
    ASSERT_EQ_INT(m->evolve, KFB_CONFIG_EVOLVE_NONE);
    kfb_config_mapper_config(m, &mc);
    ASSERT_EQ_INT(mc.warn_fields_without_column, 1);
    kfb_config_destroy(c);
    /* the primary key from the Kafka key schema */
    c = load(TBL_HEAD "    create_table: true\n    key: message_key\n");
    ASSERT_TRUE(c != NULL);
    kfb_config_destroy(c);
    c = load(TBL_HEAD "    create_table: true\n    format: debezium\n");
    ASSERT_TRUE(c != NULL);
    kfb_config_destroy(c);
}

TEST(create_table_combinations_are_refused) {
    ASSERT_TRUE(refused(TBL_HEAD "    primary_key: [id]\n",
                        "c.yaml:6:18: 'mappings[0].primary_key' only describes a table the bridge creates; add "
                        "'create_table: true' or remove the key"));
    ASSERT_TRUE(refused("schemas_dir: /tmp\nmappings:\n  - name: m\n    topic_pattern: \"t.*\"\n    table: db.t\n"
                        "    create_table: true\n    primary_key: [id]\n",
                        "c.yaml:6:19: mappings[0]: create_table takes the writer schema of a named topic; use 'topic' "
                        "or 'topics' instead of 'topic_pattern', or create the table yourself"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n",
                        "c.yaml:6:19: mappings[0]: create_table needs the primary key: add 'primary_key: [COLUMN, ...]' "
                        "(or 'key: message_key' to take it from the Kafka key schema)"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    primary_key: [id, id]\n",
                        "c.yaml:7:18: 'mappings[0].primary_key' names 'id' twice"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    key_format: string\n    primary_key: [a, b]\n",
                        "c.yaml:8:18: 'mappings[0].primary_key' has 2 columns, but a plain string Kafka key carries one"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    primary_key: [id]\n    partition_keys: [day]\n",
                        "c.yaml:8:21: partition key 'day' of mappings[0] is not in its primary_key"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    primary_key: [day]\n    partition_keys: [day]\n",
                        "c.yaml:8:21: mappings[0]: the partition keys are the whole primary key"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    primary_key: [id]\n    bucket_key: [x]\n",
                        "c.yaml:8:17: bucket key 'x' of mappings[0] is not in its primary_key"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    primary_key: [id, day]\n    partition_keys: [day]\n"
                                 "    bucket_key: [day]\n",
                        "c.yaml:9:17: bucket key 'day' of mappings[0] is also a partition key"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    primary_key: [id]\n    table_properties: {bucket.num: \"4\"}\n",
                        "c.yaml:8:23: table property 'bucket.num' of mappings[0]: use 'bucket_count' instead"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    primary_key: [id]\n    table_properties: {merge-engine: x}\n",
                        "c.yaml:8:23: 'merge-engine' in mappings[0].table_properties is not a Fluss table property "
                        "(they start with 'table.')"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    primary_key: [id]\n"
                                 "    table_properties: {table.kv.format: INDEXED}\n",
                        "c.yaml:8:23: mappings[0]: table.kv.format INDEXED: the bridge writes COMPACTED rows only"));
    ASSERT_TRUE(refused(TBL_HEAD "    create_table: true\n    primary_key: [id]\n    bucket_count: 5000\n",
                        "c.yaml:8:19: 'mappings[0].bucket_count' is 5000, out of range: it must be between 1 and 4096"));
    ASSERT_TRUE(refused(TBL_HEAD "    evolve: drop\n",
                        "c.yaml:6:13: 'mappings[0].evolve' must be one of none|add_columns, not 'drop'"));
}
