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
 * one uncached id make exactly one fetch, the others wait for it.
 * Negative cache: an id the backend does not have (registry 404, directory: no
 * <id>.avsc file) is answered from memory, with the same error and sentence,
 * for negative_cache_ms (default 30 s, both backends; 0 = off), so a stream of
 * messages of an unknown id costs one fetch per period, not one per message; a
 * schema registered meanwhile is found once that time is up. At most
 * KFB_SCHEMA_NEGATIVE_MAX such answers are kept at once. No other failure
 * is cached (5xx, timeouts, connection errors, bad answers are asked again).
 * The memory backend answers every lookup from memory and caches nothing.
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
    long negative_cache_ms;     /* keep a 404 this long; default 30000, 0 = off */
} kfb_registry_config_t;

#define KFB_SCHEMA_NEGATIVE_CACHE_MS_DEFAULT 30000
/* Not-found answers kept at once: when full, expired ones are dropped, and while it is
 * still full a new not-found is not cached (each such id is then fetched every time). */
#define KFB_SCHEMA_NEGATIVE_MAX 4096

/* Fills the defaults above (url NULL). */
void kfb_registry_config_init(kfb_registry_config_t *conf);

/* Registry backend. Copies everything it needs from conf. NULL + errstr on a bad
 * configuration (missing url, unreadable CA/cert/key file, ...). */
kfb_schema_source_t *kfb_schema_source_registry_new(const kfb_registry_config_t *conf,
                                                    char *errstr, size_t errstr_size);

/* Directory backend: <dir>/<id>.avsc. NULL + errstr if dir is not a readable directory.
 * A missing file is cached negatively for KFB_SCHEMA_NEGATIVE_CACHE_MS_DEFAULT (see
 * kfb_schema_source_set_negative_cache_ms); an unreadable one is not. */
kfb_schema_source_t *kfb_schema_source_dir_new(const char *dir, char *errstr, size_t errstr_size);

/* Memory backend: only schemas added with kfb_schema_source_add(). */
kfb_schema_source_t *kfb_schema_source_memory_new(void);

/* How long "no such schema" answers are kept from now on (ms; 0 = not at all). Ignored
 * by the memory backend. Thread-safe. */
void kfb_schema_source_set_negative_cache_ms(kfb_schema_source_t *src, long ms);

/* Frees the source and every schema it returned. destroy(NULL) is a no-op. */
void kfb_schema_source_destroy(kfb_schema_source_t *src);

/*
 * Parses json as the schema of `id` and caches it (any backend; replaces only a
 * cached "no such schema": KFB_ERR_STATE if id is already cached or being fetched).
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

/*
 * 1 when kfb_schema_source_get(src, id) would answer from memory right now, without I/O
 * or waiting for another thread's fetch: the schema is cached, or a cached "no such
 * schema" is still valid (always 1 for the memory backend); else 0. Never blocks on I/O
 * (takes the cache mutex only). Thread-safe. A poll loop maps only messages whose schema
 * ids answer 1 and has the others fetched on a worker thread (kfb_schema_source_get
 * there), so it never waits for the registry.
 */
int kfb_schema_source_cached(kfb_schema_source_t *src, int32_t id);

/*
 * The newest writer schema id: the registry's latest version of `subject` (GET
 * /subjects/{subject}/versions/latest, one attempt), the highest <id>.avsc of a directory
 * (subject ignored), the highest id added to a memory source. For `check`; blocks.
 * KFB_ERR_NOT_FOUND when there is none, registry errors as for kfb_schema_source_get.
 */
kfb_err_t kfb_schema_source_latest(kfb_schema_source_t *src, const char *subject, int32_t *id,
                                   char *errstr, size_t errstr_size);

/* Number of fetches from the backend (HTTP attempts count once per lookup),
 * for tests and metrics. */
uint64_t kfb_schema_source_fetch_count(const kfb_schema_source_t *src);

/* Writes url into buf with any "user:pass@" replaced by "***@"; returns buf. */
const char *kfb_redact_url(const char *url, char *buf, size_t size);

#endif
