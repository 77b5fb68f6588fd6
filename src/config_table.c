/*
 * config_table.c - every configuration key, declared once (the librdkafka/fluent-bit
 * pattern): type, default, range, doc. config.c validates, applies defaults and prints the
 * reference from this table alone; conf/README.md and conf/bridge.example.yaml are checked
 * against it by tests/unit/test_config.c.
 *
 * Order matters: a section precedes its keys, and the reference prints in this order.
 * Defaults of fluss.* and schema_registry.* equal those of kfb_fluss_client_conf_init() and
 * kfb_registry_config_init() (checked by a test).
 */
#include "config_internal.h"

#define MS(x) ((int64_t)(x))
#define SEC(x) ((int64_t)(x) * 1000)
#define MIN(x) ((int64_t)(x) * 60000)
#define HOUR(x) ((int64_t)(x) * 3600000)
#define KIB(x) ((int64_t)(x) << 10)
#define MIB(x) ((int64_t)(x) << 20)
#define GIB(x) ((int64_t)(x) << 30)

const kfb_config_key_def_t kfb_config_keys[] = {
    {"kafka", KFB_CT_PASSTHROUGH, NULL, 0, 0, NULL, 0,
     "librdkafka consumer properties (bootstrap.servers, group.id, security.protocol, ...), "
     "passed through as strings and checked by librdkafka at load; enable.auto.commit and "
     "enable.auto.offset.store must stay false"},

    {"schema_registry", KFB_CT_SECTION, NULL, 0, 0, NULL, 0,
     "Confluent Schema Registry the writer schemas come from (or use schemas_dir)"},
    {"schema_registry.url", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_REQUIRED,
     "base URL, http:// or https:// (user:password@ in the URL is accepted and never logged)"},
    {"schema_registry.basic_auth_user", KFB_CT_STRING, NULL, 0, 0, NULL, 0,
     "HTTP basic auth user"},
    {"schema_registry.basic_auth_password", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_SECRET,
     "HTTP basic auth password (secret; use ${ENV_VAR})"},
    {"schema_registry.ca_file", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_PATH,
     "PEM bundle that verifies the registry's certificate (default: system CAs)"},
    {"schema_registry.cert_file", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_PATH,
     "client certificate (PEM) for mutual TLS; needs key_file"},
    {"schema_registry.key_file", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_PATH,
     "private key (PEM) of cert_file"},
    {"schema_registry.key_password", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_SECRET,
     "password of key_file (secret)"},
    {"schema_registry.insecure_skip_verify", KFB_CT_BOOL, "false", 0, 1, NULL, 0,
     "do not verify the registry's TLS certificate (testing only; logged as a warning)"},
    {"schema_registry.connect_timeout", KFB_CT_DURATION, "5s", MS(1), MIN(10), NULL, 0,
     "TCP/TLS connect timeout"},
    {"schema_registry.timeout", KFB_CT_DURATION, "10s", MS(1), MIN(10), NULL, 0,
     "whole-request timeout"},
    {"schema_registry.retries", KFB_CT_INT, "3", 0, 100, NULL, 0,
     "extra attempts after a 5xx, connection error or timeout"},
    {"schema_registry.retry_backoff", KFB_CT_DURATION, "100ms", MS(1), MIN(1), NULL, 0,
     "first retry delay, doubled per retry (with jitter)"},
    {"schema_registry.retry_backoff_max", KFB_CT_DURATION, "5s", MS(1), MIN(10), NULL, 0,
     "largest retry delay"},
    {"schema_registry.negative_cache", KFB_CT_DURATION, "30s", 0, HOUR(1), NULL, 0,
     "how long an unknown schema id (404) is remembered before it is asked again (0: never "
     "remembered); other failures are never cached"},

    {"schemas_dir", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_PATH,
     "offline schema source instead of schema_registry: a directory of <id>.avsc files"},

    {"fluss", KFB_CT_SECTION, NULL, 0, 0, NULL, 0, "the Fluss cluster written to"},
    {"fluss.bootstrap_servers", KFB_CT_STRING, NULL, 0, 0, NULL, 0,
     "coordinator address(es) host:port[,host:port] (IPv6 as [::1]:9123); needed by run/migrate"},
    {"fluss.sasl_username", KFB_CT_STRING, NULL, 0, 0, NULL, 0, "SASL/PLAIN user (unset: no SASL)"},
    {"fluss.sasl_password", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_SECRET,
     "SASL/PLAIN password (secret; use ${ENV_VAR})"},
    {"fluss.request_timeout", KFB_CT_DURATION, "30s", MS(1), HOUR(1), NULL, 0,
     "client-side deadline of one RPC"},
    {"fluss.connect_timeout", KFB_CT_DURATION, "10s", MS(1), MIN(10), NULL, 0, "TCP connect timeout"},
    {"fluss.reconnect_backoff", KFB_CT_DURATION, "100ms", MS(1), MIN(1), NULL, 0,
     "first reconnect delay"},
    {"fluss.reconnect_backoff_max", KFB_CT_DURATION, "5s", MS(1), MIN(10), NULL, 0,
     "largest reconnect delay"},
    {"fluss.retry_backoff", KFB_CT_DURATION, "100ms", MS(1), MIN(1), NULL, 0,
     "first delay before a batch is retried"},
    {"fluss.metadata_max_age", KFB_CT_DURATION, "5m", SEC(1), HOUR(24), NULL, 0,
     "periodic metadata refresh"},
    {"fluss.put_timeout", KFB_CT_DURATION, "30s", MS(1), HOUR(1), NULL, 0,
     "server-side timeout sent in each PutKv request"},
    {"fluss.delivery_timeout", KFB_CT_DURATION, "0", 0, HOUR(24 * 7), NULL, 0,
     "give up on a batch after this long (0: retry forever, as Fluss's Java writer)"},
    {"fluss.max_inflight_per_bucket", KFB_CT_INT, "5", 1, 5, NULL, 0,
     "unacknowledged PutKv batches per bucket (idempotent writes allow at most 5)"},
    {"fluss.max_request_size", KFB_CT_SIZE, "10MiB", KIB(1), GIB(1), NULL, 0,
     "largest PutKv request (a single larger batch is still sent alone)"},
    {"fluss.queue_max_batches", KFB_CT_INT, "10000", 1, 10000000, NULL, 0,
     "batches submitted but not yet acknowledged before submit blocks"},
    {"fluss.queue_max_bytes", KFB_CT_SIZE, "256MiB", MIB(1), GIB(64), NULL, 0,
     "the same limit in bytes"},
    {"fluss.backpressure_max_throttle", KFB_CT_DURATION, "3s", 0, MIN(10), NULL, 0,
     "longest pause of a bucket when the server reports write pressure"},
    {"fluss.table_refresh_interval", KFB_CT_DURATION, "1m", SEC(1), HOUR(24), NULL, 0,
     "how often run/migrate re-read each table's schema (an ALTER TABLE is followed then)"},

    {"batch", KFB_CT_SECTION, NULL, 0, 0, NULL, 0, "per-bucket KV batching"},
    {"batch.linger", KFB_CT_DURATION, "100ms", 0, MIN(1), NULL, 0,
     "how long a non-full batch waits for more records"},
    {"batch.max_bytes", KFB_CT_SIZE, "2MiB", KIB(1), MIB(256), NULL, 0,
     "a bucket's batch is sent once it reaches this size"},
    {"batch.max_buffered_bytes", KFB_CT_SIZE, "256MiB", MIB(1), GIB(64), NULL, 0,
     "Kafka consumption pauses while this much is buffered or in flight (backpressure)"},

    {"offsets", KFB_CT_SECTION, NULL, 0, 0, NULL, 0, "Kafka offset commits"},
    {"offsets.commit_interval", KFB_CT_DURATION, "5s", MS(10), HOUR(1), NULL, 0,
     "how often the acknowledged prefix of each partition is committed"},
    {"offsets.revoke_timeout", KFB_CT_DURATION, "30s", MS(100), HOUR(1), NULL, 0,
     "on a rebalance, how long to wait for Fluss to acknowledge the revoked partitions' "
     "records before giving them up (their offsets then stay at the last safe commit)"},

    {"errors", KFB_CT_SECTION, NULL, 0, 0, NULL, 0, "what happens to a message that cannot be mapped"},
    {"errors.policy", KFB_CT_ENUM, "fail", 0, 0, "fail|skip|dead_letter", 0,
     "fail: stop before it (its offset is not committed); skip: log and go on; "
     "dead_letter: produce it to dead_letter_topic, then go on"},
    {"errors.dead_letter_topic", KFB_CT_STRING, NULL, 0, 0, NULL, 0,
     "Kafka topic for dead_letter (required with that policy)"},
    {"errors.max_per_minute", KFB_CT_INT, "0", 0, 100000000, NULL, 0,
     "stop the bridge when more messages than this fail in one minute under skip or "
     "dead_letter (a flood means a broken producer or mapping; 0: no limit)"},

    {"metrics", KFB_CT_SECTION, NULL, 0, 0, NULL, 0, "Prometheus metrics and health endpoint"},
    {"metrics.listen", KFB_CT_STRING, NULL, 0, 0, NULL, 0,
     "address serving /metrics, /health and /ready over HTTP: PORT (on 127.0.0.1), HOST:PORT "
     "(0.0.0.0:PORT for every interface) or [IPV6]:PORT (unset: no endpoint)"},
    {"metrics.stall_timeout", KFB_CT_DURATION, "60s", SEC(1), HOUR(24), NULL, 0,
     "/ready answers 503 when Fluss acknowledged nothing for this long while data is pending"},

    {"log", KFB_CT_SECTION, NULL, 0, 0, NULL, 0, "logging"},
    {"log.level", KFB_CT_ENUM, "info", 0, 0, "error|warn|info|debug", 0, "lines above this level are dropped"},
    {"log.format", KFB_CT_ENUM, "text", 0, 0, "text|json", 0,
     "text: one line per event with key=value context; json: one JSON object per line "
     "(time, level, facility, message and context fields)"},

    {"shutdown_timeout", KFB_CT_DURATION, "30s", 0, HOUR(1), NULL, 0,
     "on SIGINT/SIGTERM, how long to wait for Fluss to acknowledge what was read before "
     "committing and exiting (a second signal exits at once)"},

    {"mappings", KFB_CT_MAPPINGS, NULL, 0, 0, NULL, KFB_CF_REQUIRED,
     "one entry per Kafka topic -> Fluss table"},
    {"mappings[].name", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_REQUIRED,
     "unique name (explain --mapping NAME, logs, metrics)"},
    {"mappings[].topic", KFB_CT_STRING, NULL, 0, 0, NULL, 0,
     "Kafka topic to read (or topics, or topic_pattern: exactly one of the three)"},
    {"mappings[].topics", KFB_CT_LIST, NULL, 0, 0, NULL, 0, "several Kafka topics, one table"},
    {"mappings[].topic_pattern", KFB_CT_STRING, NULL, 0, 0, NULL, 0,
     "POSIX extended regular expression matched against whole topic names; topics created "
     "later are picked up"},
    {"mappings[].table", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_REQUIRED,
     "Fluss primary-key table database.table"},
    {"mappings[].table_descriptor", KFB_CT_STRING, NULL, 0, 0, NULL, KFB_CF_PATH,
     "Fluss table descriptor JSON file, for explain/check without a Fluss cluster"},
    {"mappings[].format", KFB_CT_ENUM, "avro", 0, 0, "avro|debezium", 0,
     "avro: each value is one row (upsert); debezium: CDC envelopes {before, after, op}"},
    {"mappings[].key", KFB_CT_ENUM, "value", 0, 0, "value|message_key", 0,
     "where the primary key comes from: the value's fields, or the Kafka message key"},
    {"mappings[].key_format", KFB_CT_ENUM, "avro", 0, 0, "avro|string|bytes", 0,
     "how the Kafka key is read (tombstones, key: message_key); string/bytes: raw value of a "
     "single-column key"},
    {"mappings[].rename", KFB_CT_MAP, NULL, 0, 0, NULL, 0,
     "Avro field -> Fluss column, for fields whose names differ"},
    {"mappings[].ignore", KFB_CT_LIST, NULL, 0, 0, NULL, 0, "Avro fields to skip"},
    {"mappings[].unions", KFB_CT_MAP, NULL, 0, 0, NULL, 0,
     "Avro field -> union branch to keep (type name, full record name or logical type)"},
    {"mappings[].partial_update", KFB_CT_BOOL, "false", 0, 1, NULL, 0,
     "columns without an Avro field are left untouched instead of set to null"},
    {"mappings[].create_partitions", KFB_CT_BOOL, "true", 0, 1, NULL, 0,
     "partitioned tables: create a missing partition when a record needs it (as Fluss's Java "
     "writer does); false: such records are per-record errors"},
};

const size_t kfb_config_nkeys = sizeof(kfb_config_keys) / sizeof(kfb_config_keys[0]);
