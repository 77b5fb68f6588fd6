/*
 * schema_registry.h - where Avro writer schemas come from, cached by id.
 *
 * A kfb_schema_source_t resolves a Confluent schema id (from the message
 * header) to a parsed kfb_avro_schema_t. Three backends share one cache:
 *   registry   HTTP(S) GET {url}/schemas/ids/{id} (Confluent Schema Registry
 *              API), libcurl + jansson; response {"schema": "<json>",
 *              "schemaType": "AVRO"} (schemaType absent means AVRO).
 *   directory  offline: files <dir>/<id>.avsc
 *   memory     nothing but what kfb_schema_source_add() registered (tests,
 *              fixed schemas from configuration)
 *
 * Cache: by id only (ids are global and immutable in a registry; subjects and
 * versions are not consulted). Thread-safe: one mutex; concurrent lookups of
 * one uncached id make exactly one fetch, the others wait for it. Failures are
 * not cached, so a schema registered later is found on a later lookup.
 *
 * Errors of kfb_schema_source_get (errstr says which id and why):
 *   KFB_ERR_UNKNOWN_SCHEMA_ID     404 / no such file: drop or dead-letter the record
 *   KFB_ERR_SCHEMA_NOT_AVRO       schemaType PROTOBUF/JSON: per record
 *   KFB_ERR_AVRO_SCHEMA_INVALID   the registered text does not parse: per record
 *   KFB_ERR_REGISTRY_UNAVAILABLE  5xx/connection error after all retries: retry later
 *   KFB_ERR_TIMEOUT               request timeout after all retries: retry later
 *   KFB_ERR_REGISTRY_AUTH         401/403: fix the credentials
 *   KFB_ERR_REGISTRY_RESPONSE     other status, or a body that is not the expected JSON
 *
 * Secrets: passwords and URL credentials are never logged or put in errstr;
 * URLs are printed with "user:pass@" replaced by "***@".
 */
#ifndef KFB_SCHEMA_REGISTRY_H
#define KFB_SCHEMA_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "avro_schema.h"
#include "errors.h"

typedef struct kfb_schema_source kfb_schema_source_t;

typedef struct kfb_registry_config {
    const char *url;            /* "https://sr:8081" (trailing '/' ok; may hold user:pass@) */
    const char *username;       /* HTTP basic auth; NULL = none (or from the URL) */
    const char *password;
    const char *ca_file;        /* PEM bundle to verify the server; NULL = system default */
    const char *cert_file;      /* client certificate (PEM) for mutual TLS */
    const char *key_file;       /* its private key (PEM) */
    const char *key_password;
    int insecure_skip_verify;   /* 1 = do not verify the server (logged as a warning) */
    long connect_timeout_ms;    /* default 5000 */
    long request_timeout_ms;    /* whole request, default 10000 */
    int max_retries;            /* extra attempts after the first for 5xx/connection/timeout; default 3 */
    long retry_backoff_ms;      /* first backoff, doubled each retry, with jitter; default 100 */
    long retry_backoff_max_ms;  /* default 5000 */
} kfb_registry_config_t;

/* Fills the defaults above (url NULL). */
void kfb_registry_config_init(kfb_registry_config_t *conf);

/* Registry backend. Copies everything it needs from conf. NULL + errstr on a bad
 * configuration (missing url, unreadable CA/cert/key file, ...). */
kfb_schema_source_t *kfb_schema_source_registry_new(const kfb_registry_config_t *conf,
                                                    char *errstr, size_t errstr_size);

/* Directory backend: <dir>/<id>.avsc. NULL + errstr if dir is not a readable directory. */
kfb_schema_source_t *kfb_schema_source_dir_new(const char *dir, char *errstr, size_t errstr_size);

/* Memory backend: only schemas added with kfb_schema_source_add(). */
kfb_schema_source_t *kfb_schema_source_memory_new(void);

/* Frees the source and every schema it returned. destroy(NULL) is a no-op. */
void kfb_schema_source_destroy(kfb_schema_source_t *src);

/*
 * Parses json as the schema of `id` and caches it (any backend; replaces
 * nothing: KFB_ERR_STATE if id is already cached).
 */
kfb_err_t kfb_schema_source_add(kfb_schema_source_t *src, int32_t id, const char *json,
                                size_t len, char *errstr, size_t errstr_size);

/*
 * The schema with `id`, from the cache or fetched once. *out is owned by the
 * source and valid until kfb_schema_source_destroy(). Thread-safe.
 */
kfb_err_t kfb_schema_source_get(kfb_schema_source_t *src, int32_t id,
                                const kfb_avro_schema_t **out, char *errstr,
                                size_t errstr_size);

/* Number of fetches from the backend (HTTP attempts count once per lookup),
 * for tests and metrics. */
uint64_t kfb_schema_source_fetch_count(const kfb_schema_source_t *src);

/* Writes url into buf with any "user:pass@" replaced by "***@"; returns buf. */
const char *kfb_redact_url(const char *url, char *buf, size_t size);

#endif
