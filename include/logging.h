/*
 * logging.h - leveled log lines with a facility tag and optional context fields, written
 * as text or as JSON lines.
 *
 *   KFB_WARN("kvbatch", "destroying builder with %d unbuilt records", n);
 *
 *   kfb_log_field_t f[] = {KFB_LOG_STR("topic", topic), KFB_LOG_INT("partition", p),
 *                          KFB_LOG_INT("offset", off)};
 *   KFB_WARNF("bridge", f, 3, "message skipped: %s", why);
 *
 * Formats (log.format):
 *   text  2024-05-01T12:00:00.123Z WARN  [bridge] message skipped: bad op topic=t partition=3 offset=7
 *   json  {"time":"2024-05-01T12:00:00.123Z","level":"warn","facility":"bridge",
 *          "message":"message skipped: bad op","topic":"t","partition":3,"offset":7}
 * Both are one line per call: in text, control characters are written as \n, \t, \xNN;
 * in JSON, strings are escaped per RFC 8259. Invalid UTF-8 becomes U+FFFD in both, so a
 * Kafka payload quoted in a message can neither break a line nor the JSON. In text, a field
 * value with a space, '"', '=' or nothing in it is quoted ("a b"). A message is cut at
 * KFB_LOG_MAX_MESSAGE bytes, a whole line at KFB_LOG_MAX_LINE (the JSON stays valid).
 * Field keys are the caller's (lowercase identifiers: topic, partition, offset, table,
 * bucket, mapping, ...); they must not be time/level/facility/message.
 *
 * Lines go to stderr (one fwrite each, so lines of different threads do not interleave);
 * kfb_log_set_sink() redirects them (tests). Library logs go through here too: librdkafka's
 * log_cb calls kfb_log_rdkafka(), libcurl's debug output (schema_registry.c, at debug level
 * only) is passed line by line with credentials removed.
 *
 * Never pass secrets to these functions.
 *
 * Threads: logging may be called from any thread (librdkafka's, libcurl's, the HTTP
 * endpoint's). Level and format are atomics; set them (and the sink) at start-up.
 */
#ifndef KFB_LOGGING_H
#define KFB_LOGGING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef enum kfb_log_level {
    KFB_LOG_ERROR = 0,
    KFB_LOG_WARN = 1,
    KFB_LOG_INFO = 2,
    KFB_LOG_DEBUG = 3,
} kfb_log_level_t;

typedef enum kfb_log_format {
    KFB_LOG_FORMAT_TEXT = 0,
    KFB_LOG_FORMAT_JSON = 1,
} kfb_log_format_t;

#define KFB_LOG_MAX_MESSAGE 4096 /* bytes of the formatted message (before escaping) */
#define KFB_LOG_MAX_LINE 16384   /* bytes of a whole line, '\n' included */

/* One context field. key: a lowercase identifier (not NULL). */
typedef enum kfb_log_field_type {
    KFB_LOG_FIELD_STR = 0, /* s; NULL is JSON null, "-" in text */
    KFB_LOG_FIELD_INT = 1, /* i */
} kfb_log_field_type_t;

typedef struct kfb_log_field {
    const char *key;
    kfb_log_field_type_t type;
    const char *s;
    int64_t i;
} kfb_log_field_t;

#define KFB_LOG_STR(k, v) ((kfb_log_field_t){(k), KFB_LOG_FIELD_STR, (v), 0})
#define KFB_LOG_INT(k, v) ((kfb_log_field_t){(k), KFB_LOG_FIELD_INT, NULL, (int64_t)(v)})

/* The sink gets the message with the fields appended as in text (" topic=t partition=3"),
 * already escaped as in text, without time, level or facility. */
typedef void (*kfb_log_sink_t)(kfb_log_level_t level, const char *facility, const char *line,
                               void *opaque);

/* Lines above `level` are dropped. Default: KFB_LOG_INFO. */
void kfb_log_set_level(kfb_log_level_t level);
kfb_log_level_t kfb_log_get_level(void);
/* Default: KFB_LOG_FORMAT_TEXT. */
void kfb_log_set_format(kfb_log_format_t format);
kfb_log_format_t kfb_log_get_format(void);
/* NULL restores the stderr sink. Not thread-safe with concurrent logging: set it first. */
void kfb_log_set_sink(kfb_log_sink_t sink, void *opaque);

/* The configuration's names ("error|warn|info|debug", "text|json"): 0, or -1 for an
 * unknown name (*out unchanged). */
int kfb_log_level_parse(const char *name, kfb_log_level_t *out);
int kfb_log_format_parse(const char *name, kfb_log_format_t *out);

/* Applies log.level and log.format (as kfb_config_string returns them; NULL leaves that
 * setting alone): 0, or -1 when a name is unknown (nothing changed). */
int kfb_log_configure(const char *level, const char *format);

void kfb_log(kfb_log_level_t level, const char *facility, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with n context fields (f may be NULL when n is 0). */
void kfb_log_fields(kfb_log_level_t level, const char *facility, const kfb_log_field_t *f,
                    size_t n, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * librdkafka's log_cb lines (rd_kafka_conf_set_log_cb): syslog level 0-3 -> error, 4 ->
 * warn, 5-7 -> debug (librdkafka's notices and info lines are routine: connection setup,
 * group joins). The librdkafka facility ("FAIL", "SASL", ...) becomes field "rdkafka_fac".
 */
void kfb_log_rdkafka(const char *facility, int syslog_level, const char *rdkafka_fac,
                     const char *text);

/*
 * Formats one whole line as `format` prints it, at time `ts` (UTC), into out[cap] (cap >= 512):
 * NUL-terminated, ending in '\n', at most min(cap, KFB_LOG_MAX_LINE) - 1 bytes. Returns its
 * length. `message` is taken as is (no printf); it is cut at KFB_LOG_MAX_MESSAGE bytes.
 * Exposed for tests and the fuzz target.
 */
size_t kfb_log_render(char *out, size_t cap, kfb_log_format_t format, const struct timespec *ts,
                      kfb_log_level_t level, const char *facility, const kfb_log_field_t *f,
                      size_t n, const char *message);

#define KFB_LOG_AT_(lvl, fac, ...)                                     \
    do {                                                               \
        if ((lvl) <= kfb_log_get_level()) kfb_log((lvl), (fac), __VA_ARGS__); \
    } while (0)
#define KFB_ERROR(fac, ...) KFB_LOG_AT_(KFB_LOG_ERROR, fac, __VA_ARGS__)
#define KFB_WARN(fac, ...) KFB_LOG_AT_(KFB_LOG_WARN, fac, __VA_ARGS__)
#define KFB_INFO(fac, ...) KFB_LOG_AT_(KFB_LOG_INFO, fac, __VA_ARGS__)
#define KFB_DEBUG(fac, ...) KFB_LOG_AT_(KFB_LOG_DEBUG, fac, __VA_ARGS__)

/* With fields: KFB_WARNF(fac, fields, n, fmt, ...). Nothing is formatted when the level is
 * off. */
#define KFB_LOGF_AT_(lvl, fac, f, n, ...)                                          \
    do {                                                                           \
        if ((lvl) <= kfb_log_get_level()) kfb_log_fields((lvl), (fac), (f), (n), __VA_ARGS__); \
    } while (0)
#define KFB_ERRORF(fac, f, n, ...) KFB_LOGF_AT_(KFB_LOG_ERROR, fac, f, n, __VA_ARGS__)
#define KFB_WARNF(fac, f, n, ...) KFB_LOGF_AT_(KFB_LOG_WARN, fac, f, n, __VA_ARGS__)
#define KFB_INFOF(fac, f, n, ...) KFB_LOGF_AT_(KFB_LOG_INFO, fac, f, n, __VA_ARGS__)
#define KFB_DEBUGF(fac, f, n, ...) KFB_LOGF_AT_(KFB_LOG_DEBUG, fac, f, n, __VA_ARGS__)

#endif
