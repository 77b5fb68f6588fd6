/*
 * schema_registry.c - schema sources (registry, directory, memory) behind one
 * id-keyed cache.
 *
 * Protocol: Confluent Schema Registry REST API, "GET /schemas/ids/{int: id}":
 * 200 {"schema": "<schema text>", "schemaType": "AVRO"|"PROTOBUF"|"JSON"}
 * (schemaType omitted for AVRO); 404 with error_code 40403 when the id is
 * unknown; errors carry {"error_code": N, "message": "..."}.
 *
 * Concurrency: one mutex guards the cache. A lookup that misses inserts a
 * FETCHING entry and fetches without the lock; lookups of the same id wait on
 * the condition variable instead of fetching again. A fetch that finds no such
 * schema (404, no such file) leaves a MISSING entry holding its sentence for
 * negative_ms, so the waiters and the lookups after it answer from memory; any
 * other failure removes the entry and wakes the waiters, which then try once
 * more themselves. A MISSING entry past its time is fetched again in place.
 */
#include "schema_registry.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "logging.h"

#define FAC "schema-registry"
#define N_BUCKETS 256
#define MAX_SCHEMA_BYTES (16u << 20)

typedef enum { SRC_REGISTRY, SRC_DIR, SRC_MEMORY } src_kind_t;

typedef enum { ENTRY_FETCHING = 0, ENTRY_READY, ENTRY_MISSING } entry_state_t;

typedef struct entry {
    int32_t id;
    entry_state_t state;
    kfb_avro_schema_t *schema; /* READY */
    char *errmsg;              /* MISSING: the sentence of the failed lookup */
    int64_t until_ms;          /* MISSING: believed until this monotonic time */
    struct entry *next;
} entry_t;

struct kfb_schema_source {
    src_kind_t kind;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    entry_t *buckets[N_BUCKETS];
    uint64_t fetches;
    long negative_ms; /* how long a "no such schema" answer is kept; 0: not at all */
    size_t n_missing; /* MISSING entries, at most KFB_SCHEMA_NEGATIVE_MAX */
    /* registry */
    char *url;          /* without credentials, without trailing '/' */
    char *url_redacted; /* for messages */
    char *username, *password;
    char *ca_file, *cert_file, *key_file, *key_password;
    int insecure;
    long connect_timeout_ms, request_timeout_ms;
    int max_retries;
    long backoff_ms, backoff_max_ms;
    uint64_t rng;
    /* directory */
    char *dir;
};

void kfb_registry_config_init(kfb_registry_config_t *c) {
    memset(c, 0, sizeof(*c));
    c->connect_timeout_ms = 5000;
    c->request_timeout_ms = 10000;
    c->max_retries = 3;
    c->retry_backoff_ms = 100;
    c->retry_backoff_max_ms = 5000;
    c->negative_cache_ms = KFB_SCHEMA_NEGATIVE_CACHE_MS_DEFAULT;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void errf(char *errstr, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void errf(char *errstr, size_t size, const char *fmt, ...) {
    if (!errstr || !size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

const char *kfb_redact_url(const char *url, char *buf, size_t size) {
    if (!size) return buf;
    if (!url) {
        snprintf(buf, size, "(none)");
        return buf;
    }
    const char *scheme = strstr(url, "://");
    const char *host = scheme ? scheme + 3 : url;
    size_t auth_end = strcspn(host, "/?#");
    const char *at = NULL;
    /* the last '@' before the path ends the userinfo (passwords may contain '@') */
    for (const char *p = host; p < host + auth_end; p++)
        if (*p == '@') at = p;
    if (!at) snprintf(buf, size, "%s", url);
    else snprintf(buf, size, "%.*s***@%s", (int)(host - url), url, at + 1);
    return buf;
}

/* ---- cache ---------------------------------------------------------------------- */

static entry_t **slot(kfb_schema_source_t *s, int32_t id) {
    entry_t **e = &s->buckets[(uint32_t)id % N_BUCKETS];
    while (*e && (*e)->id != id) e = &(*e)->next;
    return e;
}

static kfb_schema_source_t *source_new(src_kind_t kind) {
    kfb_schema_source_t *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->kind = kind;
    /* the memory backend has nothing to fetch: its misses are always answered at once */
    s->negative_ms = kind == SRC_MEMORY ? 0 : KFB_SCHEMA_NEGATIVE_CACHE_MS_DEFAULT;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    return s;
}

void kfb_schema_source_destroy(kfb_schema_source_t *s) {
    if (!s) return;
    for (int b = 0; b < N_BUCKETS; b++) {
        entry_t *e = s->buckets[b];
        while (e) {
            entry_t *next = e->next;
            kfb_avro_schema_destroy(e->schema);
            free(e->errmsg);
            free(e);
            e = next;
        }
    }
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->url);
    free(s->url_redacted);
    free(s->username);
    if (s->password) memset(s->password, 0, strlen(s->password));
    free(s->password);
    free(s->ca_file);
    free(s->cert_file);
    free(s->key_file);
    if (s->key_password) memset(s->key_password, 0, strlen(s->key_password));
    free(s->key_password);
    free(s->dir);
    free(s);
}

uint64_t kfb_schema_source_fetch_count(const kfb_schema_source_t *s) {
    pthread_mutex_lock((pthread_mutex_t *)&s->mu);
    uint64_t n = s->fetches;
    pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
    return n;
}

kfb_schema_source_t *kfb_schema_source_memory_new(void) { return source_new(SRC_MEMORY); }

void kfb_schema_source_set_negative_cache_ms(kfb_schema_source_t *s, long ms) {
    pthread_mutex_lock(&s->mu);
    s->negative_ms = s->kind == SRC_MEMORY || ms < 0 ? 0 : ms;
    pthread_mutex_unlock(&s->mu);
}

int kfb_schema_source_cached(kfb_schema_source_t *s, int32_t id) {
    if (s->kind == SRC_MEMORY) return 1; /* every answer is in memory */
    pthread_mutex_lock(&s->mu);
    const entry_t *e = *slot(s, id);
    int hit = e && (e->state == ENTRY_READY ||
                    (e->state == ENTRY_MISSING && now_ms() < e->until_ms));
    pthread_mutex_unlock(&s->mu);
    return hit;
}

kfb_err_t kfb_schema_source_add(kfb_schema_source_t *s, int32_t id, const char *json, size_t len,
                                char *errstr, size_t errstr_size) {
    kfb_avro_schema_t *schema;
    char perr[512];
    kfb_err_t err = kfb_avro_schema_parse(json, len, &schema, perr, sizeof(perr));
    if (err) {
        errf(errstr, errstr_size, "schema id %" PRId32 ": %s", id, perr);
        return err;
    }
    pthread_mutex_lock(&s->mu);
    entry_t **e = slot(s, id);
    if (*e && (*e)->state == ENTRY_MISSING) {
        /* a cached "no such schema" gives way to the schema now known */
        s->n_missing--;
        free((*e)->errmsg);
        (*e)->errmsg = NULL;
        (*e)->schema = schema;
        (*e)->state = ENTRY_READY;
        pthread_mutex_unlock(&s->mu);
        return KFB_ERR_OK;
    }
    if (*e) {
        pthread_mutex_unlock(&s->mu);
        kfb_avro_schema_destroy(schema);
        errf(errstr, errstr_size, "schema id %" PRId32 " is already known", id);
        return KFB_ERR_STATE;
    }
    entry_t *n = calloc(1, sizeof(*n));
    if (!n) {
        pthread_mutex_unlock(&s->mu);
        kfb_avro_schema_destroy(schema);
        return KFB_ERR_NOMEM;
    }
    n->id = id;
    n->state = ENTRY_READY;
    n->schema = schema;
    *e = n;
    pthread_mutex_unlock(&s->mu);
    return KFB_ERR_OK;
}

/* Removes the MISSING entries whose time is up (called with the lock held when the
 * negative cache is full: messages with ever new ids, e.g. garbage that happens to start
 * with the magic byte, must not grow it without bound). */
static void sweep_expired(kfb_schema_source_t *s) {
    const int64_t now = now_ms();
    for (int b = 0; b < N_BUCKETS; b++)
        for (entry_t **e = &s->buckets[b]; *e;) {
            entry_t *x = *e;
            if (x->state == ENTRY_MISSING && now >= x->until_ms) {
                *e = x->next;
                free(x->errmsg);
                free(x);
                s->n_missing--;
            } else {
                e = &x->next;
            }
        }
}

/* ---- registry backend ------------------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static bool readable(const char *path) { return access(path, R_OK) == 0; }

kfb_schema_source_t *kfb_schema_source_registry_new(const kfb_registry_config_t *c, char *errstr,
                                                    size_t errstr_size) {
    if (!c || !c->url || !*c->url) {
        errf(errstr, errstr_size, "schema registry: no url configured (e.g. http://localhost:8081)");
        return NULL;
    }
    if (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0) {
        char red[512];
        errf(errstr, errstr_size, "schema registry url \"%s\" must start with http:// or https://",
             kfb_redact_url(c->url, red, sizeof(red)));
        return NULL;
    }
    const struct { const char *path, *what; } files[] = {
        {c->ca_file, "CA file"}, {c->cert_file, "client certificate"}, {c->key_file, "client key"}};
    for (size_t i = 0; i < 3; i++) {
        if (files[i].path && !readable(files[i].path)) {
            errf(errstr, errstr_size, "schema registry %s \"%s\" cannot be read: %s", files[i].what,
                 files[i].path, strerror(errno));
            return NULL;
        }
    }
    if (!c->cert_file != !c->key_file) {
        errf(errstr, errstr_size, "schema registry mutual TLS needs both a client certificate "
                                  "and its key; only one is configured");
        return NULL;
    }
    if (c->connect_timeout_ms <= 0 || c->request_timeout_ms <= 0 || c->max_retries < 0 ||
        c->retry_backoff_ms < 0 || c->retry_backoff_max_ms < c->retry_backoff_ms ||
        c->negative_cache_ms < 0) {
        errf(errstr, errstr_size, "schema registry timeouts must be > 0, retries >= 0, "
                                  "retry_backoff_max_ms >= retry_backoff_ms, and "
                                  "negative_cache_ms >= 0");
        return NULL;
    }
    pthread_once(&curl_once, curl_init_once);
    kfb_schema_source_t *s = source_new(SRC_REGISTRY);
    if (!s) return NULL;

    /* Split "scheme://user:pass@host..." so credentials go through CURLOPT_USERNAME
     * and never appear in a URL we print. */
    const char *host = strstr(c->url, "://") + 3;
    size_t auth_end = strcspn(host, "/?#");
    const char *at = NULL;
    for (const char *p = host; p < host + auth_end; p++)
        if (*p == '@') at = p;
    char *url;
    if (at) {
        size_t pre = (size_t)(host - c->url);
        url = malloc(strlen(c->url) + 1);
        if (url) {
            memcpy(url, c->url, pre);
            strcpy(url + pre, at + 1);
        }
        if (!c->username) {
            const char *colon = memchr(host, ':', (size_t)(at - host));
            const char *uend = colon ? colon : at;
            s->username = strndup(host, (size_t)(uend - host));
            s->password = colon ? strndup(colon + 1, (size_t)(at - colon - 1)) : strdup("");
        }
    } else {
        url = strdup(c->url);
    }
    if (!url) {
        kfb_schema_source_destroy(s);
        return NULL;
    }
    size_t ul = strlen(url);
    while (ul > 0 && url[ul - 1] == '/') url[--ul] = '\0';
    s->url = url;
    s->url_redacted = strdup(url); /* credentials were removed above */
    if (c->username) {
        s->username = strdup(c->username);
        s->password = strdup(c->password ? c->password : "");
    }
    s->ca_file = xstrdup(c->ca_file);
    s->cert_file = xstrdup(c->cert_file);
    s->key_file = xstrdup(c->key_file);
    s->key_password = xstrdup(c->key_password);
    s->insecure = c->insecure_skip_verify;
    s->connect_timeout_ms = c->connect_timeout_ms;
    s->request_timeout_ms = c->request_timeout_ms;
    s->max_retries = c->max_retries;
    s->backoff_ms = c->retry_backoff_ms;
    s->backoff_max_ms = c->retry_backoff_max_ms;
    s->negative_ms = c->negative_cache_ms;
    s->rng = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)s << 16) ^ 0x9E3779B97F4A7C15ULL;
    if (s->insecure)
        KFB_WARN(FAC, "TLS certificate verification of the schema registry %s is DISABLED "
                      "(insecure_skip_verify); use a CA file instead in production",
                 s->url_redacted);
    return s;
}

typedef struct body_sink {
    kfb_buf_t buf;
    bool too_big;
} body_sink_t;

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
    body_sink_t *b = arg;
    size_t len = size * n;
    if (b->buf.len + len > MAX_SCHEMA_BYTES || kfb_buf_append(&b->buf, p, len)) {
        b->too_big = true;
        return 0; /* aborts the transfer */
    }
    return len;
}

/* The registry's own error text ("message" of its JSON error body), if any. */
static void registry_message(const kfb_buf_t *body, char *out, size_t size) {
    out[0] = '\0';
    json_t *j = json_loadb((const char *)body->data, body->len, 0, NULL);
    if (!j) return;
    json_t *m = json_object_get(j, "message");
    if (json_is_string(m)) snprintf(out, size, ": %s", json_string_value(m));
    json_decref(j);
}

static uint64_t next_rand(kfb_schema_source_t *s) {
    pthread_mutex_lock(&s->mu);
    uint64_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s->rng = x;
    pthread_mutex_unlock(&s->mu);
    return x;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* A header whose value is a credential (request or response). */
static bool secret_header(const char *line, size_t n) {
    static const char *const names[] = {"authorization:", "proxy-authorization:", "cookie:", "set-cookie:"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strlen(names[i]);
        if (n >= k && strncasecmp(line, names[i], k) == 0) return true;
    }
    return false;
}

/* Copies line[0..n) to out with the userinfo of every URL ("scheme://user:pass@host")
 * replaced by "***" (curl prints proxy URLs from the environment as they are). */
static void redact_userinfo(const char *line, size_t n, char *out, size_t size) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < size;) {
        if (i + 3 <= n && !memcmp(line + i, "://", 3)) {
            memcpy(out + o, "://", 3);
            o += 3;
            i += 3;
            size_t end = i;
            while (end < n && !strchr("/?# '\"<>", line[end])) end++;
            const char *at = NULL;
            for (size_t k = i; k < end; k++)
                if (line[k] == '@') at = line + k;
            if (at) {
                memcpy(out + o, "***", 3);
                o += 3;
                i = (size_t)(at - line);
            }
            continue;
        }
        out[o++] = line[i++];
    }
    out[o] = '\0';
}

/* libcurl's verbose output (CURLOPT_DEBUGFUNCTION), set only at debug level: its notes
 * ("*") and the headers sent (">") and received ("<"), one log line each; bodies and TLS
 * records are not logged. Credential headers keep only their name, URLs lose their
 * userinfo. Reference: curl's CURLOPT_DEBUGFUNCTION(3). */
static int curl_debug(CURL *h, curl_infotype type, char *data, size_t size, void *opaque) {
    (void)h;
    (void)opaque;
    const char *dir = type == CURLINFO_TEXT ? "*" : type == CURLINFO_HEADER_OUT ? ">" : type == CURLINFO_HEADER_IN ? "<" : NULL;
    if (!dir) return 0;
    for (size_t i = 0; i < size;) {
        size_t n = 0;
        while (i + n < size && data[i + n] != '\n' && data[i + n] != '\r') n++;
        if (n) {
            char line[1024];
            if (type != CURLINFO_TEXT && secret_header(data + i, n)) {
                size_t name = (size_t)((const char *)memchr(data + i, ':', n) - (data + i));
                KFB_DEBUG(FAC, "curl %s %.*s: (not logged)", dir, (int)name, data + i);
            } else {
                redact_userinfo(data + i, n, line, sizeof line);
                KFB_DEBUG(FAC, "curl %s %s", dir, line);
            }
        }
        i += n;
        while (i < size && (data[i] == '\n' || data[i] == '\r')) i++;
    }
    return 0;
}

/* One GET with retries. On success *json and *len hold the schema text (malloc'd). */
/* One GET's options: timeouts, auth, TLS, the body sink (shared by every request). */
static void registry_curl_setup(kfb_schema_source_t *s, CURL *h, const char *url, struct curl_slist *hdrs,
                                body_sink_t *body, char *curl_err) {
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->request_timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "kafka-fluss-bridge");
    if (s->username) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, s->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->password);
    }
    if (s->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_file);
    if (s->cert_file) curl_easy_setopt(h, CURLOPT_SSLCERT, s->cert_file);
    if (s->key_file) curl_easy_setopt(h, CURLOPT_SSLKEY, s->key_file);
    if (s->key_password) curl_easy_setopt(h, CURLOPT_KEYPASSWD, s->key_password);
    if (s->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (kfb_log_get_level() >= KFB_LOG_DEBUG) {
        curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, curl_debug);
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    }
}

static kfb_err_t registry_fetch(kfb_schema_source_t *s, int32_t id, char **json, size_t *len,
                                char *errstr, size_t errstr_size) {
    char url[2048];
    snprintf(url, sizeof(url), "%s/schemas/ids/%" PRId32, s->url, id);
    CURL *h = curl_easy_init();
    if (!h) return KFB_ERR_NOMEM;
    body_sink_t body = {KFB_BUF_INIT, false};
    char curl_err[CURL_ERROR_SIZE];
    struct curl_slist *hdrs =
        curl_slist_append(NULL, "Accept: application/vnd.schemaregistry.v1+json, application/json");
    kfb_err_t err = KFB_ERR_INTERNAL;
    long backoff = s->backoff_ms;
    for (int attempt = 0;; attempt++) {
        kfb_buf_reset(&body.buf);
        body.too_big = false;
        curl_err[0] = '\0';
        registry_curl_setup(s, h, url, hdrs, &body, curl_err);
        CURLcode cc = curl_easy_perform(h);
        long status = 0;
        bool retry = false;
        if (cc == CURLE_OK) {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
            char msg[300];
            registry_message(&body.buf, msg, sizeof(msg));
            if (status == 200) {
                err = KFB_ERR_OK;
            } else if (status == 404) {
                err = KFB_ERR_UNKNOWN_SCHEMA_ID;
                errf(errstr, errstr_size, "unknown schema id %" PRId32 ": the schema registry %s "
                     "answered 404%s", id, s->url_redacted, msg);
            } else if (status == 401 || status == 403) {
                err = KFB_ERR_REGISTRY_AUTH;
                errf(errstr, errstr_size, "schema id %" PRId32 ": the schema registry %s answered "
                     "%ld%s; check the configured username and password", id, s->url_redacted,
                     status, msg);
            } else if (status >= 500 || status == 429 || status == 408) {
                err = KFB_ERR_REGISTRY_UNAVAILABLE;
                retry = true;
                errf(errstr, errstr_size, "schema id %" PRId32 ": the schema registry %s answered "
                     "%ld%s", id, s->url_redacted, status, msg);
            } else {
                err = KFB_ERR_REGISTRY_RESPONSE;
                errf(errstr, errstr_size, "schema id %" PRId32 ": the schema registry %s answered "
                     "%ld%s", id, s->url_redacted, status, msg);
            }
        } else if (cc == CURLE_WRITE_ERROR && body.too_big) {
            err = KFB_ERR_REGISTRY_RESPONSE;
            errf(errstr, errstr_size, "schema id %" PRId32 ": the schema registry's answer is "
                 "larger than %u bytes", id, MAX_SCHEMA_BYTES);
        } else if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
                   cc == CURLE_SSL_CERTPROBLEM) {
            err = KFB_ERR_CONFIG;
            errf(errstr, errstr_size, "schema id %" PRId32 ": TLS with the schema registry %s "
                 "failed: %s; check the CA file and client certificate", id, s->url_redacted,
                 curl_err[0] ? curl_err : curl_easy_strerror(cc));
        } else {
            err = cc == CURLE_OPERATION_TIMEDOUT ? KFB_ERR_TIMEOUT : KFB_ERR_REGISTRY_UNAVAILABLE;
            retry = true;
            errf(errstr, errstr_size, "schema id %" PRId32 ": request to the schema registry %s "
                 "failed: %s", id, s->url_redacted, curl_err[0] ? curl_err : curl_easy_strerror(cc));
        }
        if (!retry || attempt >= s->max_retries) break;
        /* exponential backoff with jitter in [backoff/2, backoff] */
        long wait = backoff / 2 + (backoff > 1 ? (long)(next_rand(s) % (uint64_t)(backoff / 2 + 1)) : 0);
        KFB_WARN(FAC, "%s (attempt %d of %d); retrying in %ld ms", errstr,
                 attempt + 1, s->max_retries + 1, wait);
        sleep_ms(wait);
        backoff = backoff * 2 > s->backoff_max_ms ? s->backoff_max_ms : backoff * 2;
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    if (err) {
        kfb_buf_free(&body.buf);
        return err;
    }
    /* {"schema": "<text>", "schemaType": ...} */
    json_error_t jerr;
    json_t *j = json_loadb((const char *)body.buf.data, body.buf.len, 0, &jerr);
    kfb_buf_free(&body.buf);
    if (!j || !json_is_object(j)) {
        errf(errstr, errstr_size, "schema id %" PRId32 ": the schema registry %s answered 200 "
             "with a body that is not a JSON object%s%s", id, s->url_redacted, j ? "" : ": ",
             j ? "" : jerr.text);
        json_decref(j);
        return KFB_ERR_REGISTRY_RESPONSE;
    }
    json_t *type = json_object_get(j, "schemaType");
    if (type && !(json_is_string(type) && strcmp(json_string_value(type), "AVRO") == 0)) {
        errf(errstr, errstr_size, "schema id %" PRId32 " is a %s schema, not Avro; only Avro "
             "topics can be bridged", id, json_is_string(type) ? json_string_value(type) : "non-Avro");
        json_decref(j);
        return KFB_ERR_SCHEMA_NOT_AVRO;
    }
    json_t *schema = json_object_get(j, "schema");
    if (!json_is_string(schema)) {
        errf(errstr, errstr_size, "schema id %" PRId32 ": the schema registry %s answered 200 "
             "without a \"schema\" string", id, s->url_redacted);
        json_decref(j);
        return KFB_ERR_REGISTRY_RESPONSE;
    }
    *len = json_string_length(schema);
    *json = malloc(*len + 1);
    if (!*json) {
        json_decref(j);
        return KFB_ERR_NOMEM;
    }
    memcpy(*json, json_string_value(schema), *len + 1);
    json_decref(j);
    return KFB_ERR_OK;
}

/* ---- directory backend ------------------------------------------------------------ */

kfb_schema_source_t *kfb_schema_source_dir_new(const char *dir, char *errstr, size_t errstr_size) {
    struct stat st;
    /* the reason: stat's or access's errno, or "not a directory" (errno is stale then) */
    const char *why = NULL;
    if (!dir) why = "no path given";
    else if (stat(dir, &st) != 0) why = strerror(errno);
    else if (!S_ISDIR(st.st_mode)) why = strerror(ENOTDIR);
    else if (access(dir, R_OK | X_OK) != 0) why = strerror(errno);
    if (why) {
        errf(errstr, errstr_size, "schema directory \"%s\" is not a readable directory: %s",
             dir ? dir : "(null)", why);
        return NULL;
    }
    kfb_schema_source_t *s = source_new(SRC_DIR);
    if (!s) return NULL;
    s->dir = strdup(dir);
    if (!s->dir) {
        kfb_schema_source_destroy(s);
        return NULL;
    }
    /* "schemas/" names the same directory as "schemas": drop trailing slashes so paths in
     * errors read "schemas/99.avsc" (the root "/" keeps its one) */
    size_t n = strlen(s->dir);
    while (n > 1 && s->dir[n - 1] == '/') s->dir[--n] = '\0';
    return s;
}

static kfb_err_t dir_fetch(kfb_schema_source_t *s, int32_t id, char **json, size_t *len,
                           char *errstr, size_t errstr_size) {
    char path[4096];
    size_t dl = strlen(s->dir);
    snprintf(path, sizeof(path), "%s%s%" PRId32 ".avsc", s->dir,
             dl && s->dir[dl - 1] == '/' ? "" : "/", id);
    kfb_buf_t b = KFB_BUF_INIT;
    int e = 0;
    kfb_err_t err = kfb_buf_read_file(&b, path, MAX_SCHEMA_BYTES, &e);
    if (err == KFB_ERR_IO) {
        errf(errstr, errstr_size, "unknown schema id %" PRId32 ": cannot open %s: %s", id, path,
             strerror(e));
        return e == ENOENT ? KFB_ERR_UNKNOWN_SCHEMA_ID : KFB_ERR_IO;
    }
    if (err == KFB_ERR_OUT_OF_RANGE) {
        errf(errstr, errstr_size, "schema file %s is larger than %u bytes", path, MAX_SCHEMA_BYTES);
        err = KFB_ERR_AVRO_SCHEMA_INVALID;
    }
    if (err) {
        kfb_buf_free(&b);
        return err;
    }
    *json = (char *)b.data;
    *len = b.len; /* the NUL kfb_buf_read_file adds is past len */
    return KFB_ERR_OK;
}

/* ---- lookup -------------------------------------------------------------------------- */

kfb_err_t kfb_schema_source_get(kfb_schema_source_t *s, int32_t id, const kfb_avro_schema_t **out,
                                char *errstr, size_t errstr_size) {
    pthread_mutex_lock(&s->mu);
    entry_t **e, *mine = NULL;
    for (;;) {
        e = slot(s, id);
        if (!*e) break;
        if ((*e)->state == ENTRY_READY) {
            *out = (*e)->schema;
            pthread_mutex_unlock(&s->mu);
            return KFB_ERR_OK;
        }
        if ((*e)->state == ENTRY_MISSING) {
            if (now_ms() < (*e)->until_ms) {
                /* the same sentence as the lookup that found nothing, without asking again */
                errf(errstr, errstr_size, "%s", (*e)->errmsg);
                pthread_mutex_unlock(&s->mu);
                return KFB_ERR_UNKNOWN_SCHEMA_ID;
            }
            /* its time is up: fetch again in place (others now wait for this fetch) */
            mine = *e;
            s->n_missing--;
            free(mine->errmsg);
            mine->errmsg = NULL;
            mine->state = ENTRY_FETCHING;
            break;
        }
        pthread_cond_wait(&s->cv, &s->mu); /* someone else is fetching this id */
    }
    if (!mine) {
        mine = calloc(1, sizeof(*mine));
        if (!mine) {
            pthread_mutex_unlock(&s->mu);
            return KFB_ERR_NOMEM;
        }
        mine->id = id;
        *e = mine;
    }
    s->fetches++;
    const long negative_ms = s->negative_ms;
    pthread_mutex_unlock(&s->mu);

    char *json = NULL;
    size_t len = 0;
    kfb_err_t err;
    char ebuf[1024] = ""; /* always filled, so retry warnings say why even without errstr */
    switch (s->kind) {
    case SRC_REGISTRY: err = registry_fetch(s, id, &json, &len, ebuf, sizeof(ebuf)); break;
    case SRC_DIR: err = dir_fetch(s, id, &json, &len, ebuf, sizeof(ebuf)); break;
    default:
        errf(ebuf, sizeof(ebuf), "unknown schema id %" PRId32 ": no such schema was added", id);
        err = KFB_ERR_UNKNOWN_SCHEMA_ID;
        break;
    }
    kfb_avro_schema_t *schema = NULL;
    if (!err) {
        char perr[512];
        err = kfb_avro_schema_parse(json, len, &schema, perr, sizeof(perr));
        if (err) errf(ebuf, sizeof(ebuf), "schema id %" PRId32 ": %s", id, perr);
    }
    free(json);
    if (err) errf(errstr, errstr_size, "%s", ebuf);
    /* only "no such schema" is remembered: 5xx, timeouts and the rest are asked again */
    char *negative = err == KFB_ERR_UNKNOWN_SCHEMA_ID && negative_ms > 0 ? strdup(ebuf) : NULL;

    pthread_mutex_lock(&s->mu);
    if (negative && s->n_missing >= KFB_SCHEMA_NEGATIVE_MAX) {
        sweep_expired(s);
        if (s->n_missing >= KFB_SCHEMA_NEGATIVE_MAX) { /* full of live answers: not this one */
            free(negative);
            negative = NULL;
        }
    }
    e = slot(s, id); /* mine: nobody else inserts an id that has an entry */
    if (negative) {
        s->n_missing++;
        mine->state = ENTRY_MISSING;
        mine->errmsg = negative;
        mine->until_ms = now_ms() + negative_ms;
        KFB_DEBUG(FAC, "schema id %" PRId32 " not found; the answer is kept %ld ms", id,
                  negative_ms);
    } else if (err) {
        *e = mine->next;
        free(mine);
    } else {
        mine->schema = schema;
        mine->state = ENTRY_READY;
        *out = schema;
        KFB_DEBUG(FAC, "schema id %" PRId32 " cached", id);
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return err;
}

/* ---- the newest schema of a subject (check) ------------------------------------------ */

/* GET {url}/subjects/{subject}/versions/latest -> {"id": N, ...}; one attempt. */
static kfb_err_t registry_latest(kfb_schema_source_t *s, const char *subject, int32_t *id, char *errstr,
                                 size_t errstr_size) {
    CURL *h = curl_easy_init();
    if (!h) return KFB_ERR_NOMEM;
    char *esc = curl_easy_escape(h, subject, 0);
    char url[2048];
    snprintf(url, sizeof url, "%s/subjects/%s/versions/latest", s->url, esc ? esc : subject);
    curl_free(esc);
    body_sink_t body = {KFB_BUF_INIT, false};
    char curl_err[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs =
        curl_slist_append(NULL, "Accept: application/vnd.schemaregistry.v1+json, application/json");
    registry_curl_setup(s, h, url, hdrs, &body, curl_err);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    if (cc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    kfb_err_t err = KFB_ERR_OK;
    if (cc != CURLE_OK) {
        errf(errstr, errstr_size, "subject %s: request to the schema registry %s failed: %s", subject,
             s->url_redacted, curl_err[0] ? curl_err : curl_easy_strerror(cc));
        err = KFB_ERR_REGISTRY_UNAVAILABLE;
    } else if (status != 200) {
        char msg[300];
        registry_message(&body.buf, msg, sizeof msg);
        errf(errstr, errstr_size, "subject %s: the schema registry %s answered %ld%s", subject, s->url_redacted,
             status, msg);
        err = status == 404 ? KFB_ERR_NOT_FOUND : status == 401 || status == 403 ? KFB_ERR_REGISTRY_AUTH
                                                                                 : KFB_ERR_REGISTRY_RESPONSE;
    } else {
        json_error_t jerr;
        json_t *j = json_loadb((const char *)body.buf.data, body.buf.len, 0, &jerr);
        json_t *v = j ? json_object_get(j, "id") : NULL;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX) {
            errf(errstr, errstr_size, "subject %s: the schema registry %s answered without a schema id", subject,
                 s->url_redacted);
            err = KFB_ERR_REGISTRY_RESPONSE;
        } else {
            *id = (int32_t)json_integer_value(v);
        }
        json_decref(j);
    }
    kfb_buf_free(&body.buf);
    return err;
}

/* The highest <id>.avsc of the directory. */
static kfb_err_t dir_latest(kfb_schema_source_t *s, int32_t *id, char *errstr, size_t errstr_size) {
    DIR *d = opendir(s->dir);
    if (!d) {
        errf(errstr, errstr_size, "cannot read the schema directory %s: %s", s->dir, strerror(errno));
        return KFB_ERR_IO;
    }
    long best = -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long v = strtol(e->d_name, &end, 10);
        if (end != e->d_name && !strcmp(end, ".avsc") && e->d_name[0] != '-' && v <= INT32_MAX && v > best) best = v;
    }
    closedir(d);
    if (best < 0) {
        errf(errstr, errstr_size, "the schema directory %s holds no <id>.avsc file", s->dir);
        return KFB_ERR_NOT_FOUND;
    }
    *id = (int32_t)best;
    return KFB_ERR_OK;
}

kfb_err_t kfb_schema_source_latest(kfb_schema_source_t *s, const char *subject, int32_t *id, char *errstr,
                                   size_t errstr_size) {
    if (s->kind == SRC_REGISTRY) return registry_latest(s, subject, id, errstr, errstr_size);
    if (s->kind == SRC_DIR) return dir_latest(s, id, errstr, errstr_size);
    int32_t best = -1;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < N_BUCKETS; i++)
        for (entry_t *x = s->buckets[i]; x; x = x->next)
            if (x->state == ENTRY_READY && x->id > best) best = x->id;
    pthread_mutex_unlock(&s->mu);
    if (best < 0) {
        errf(errstr, errstr_size, "no schema has been added to the memory schema source");
        return KFB_ERR_NOT_FOUND;
    }
    *id = best;
    return KFB_ERR_OK;
}
