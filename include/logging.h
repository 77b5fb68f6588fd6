/*
 * logging.h - leveled log lines with a facility tag.
 *
 *   KFB_WARN("kvbatch", "destroying builder with %d unbuilt records", n);
 *
 * Lines go to stderr by default; kfb_log_set_sink() redirects them (tests use
 * this to assert that a warning was logged). Never pass secrets to these macros.
 */
#ifndef KFB_LOGGING_H
#define KFB_LOGGING_H

typedef enum kfb_log_level {
    KFB_LOG_ERROR = 0,
    KFB_LOG_WARN = 1,
    KFB_LOG_INFO = 2,
    KFB_LOG_DEBUG = 3,
} kfb_log_level_t;

typedef void (*kfb_log_sink_t)(kfb_log_level_t level, const char *facility, const char *line,
                               void *opaque);

/* Lines above `level` are dropped. Default: KFB_LOG_INFO. */
void kfb_log_set_level(kfb_log_level_t level);
kfb_log_level_t kfb_log_get_level(void);
/* NULL restores the stderr sink. */
void kfb_log_set_sink(kfb_log_sink_t sink, void *opaque);

void kfb_log(kfb_log_level_t level, const char *facility, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define KFB_LOG_AT_(lvl, fac, ...)                                     \
    do {                                                               \
        if ((lvl) <= kfb_log_get_level()) kfb_log((lvl), (fac), __VA_ARGS__); \
    } while (0)
#define KFB_ERROR(fac, ...) KFB_LOG_AT_(KFB_LOG_ERROR, fac, __VA_ARGS__)
#define KFB_WARN(fac, ...) KFB_LOG_AT_(KFB_LOG_WARN, fac, __VA_ARGS__)
#define KFB_INFO(fac, ...) KFB_LOG_AT_(KFB_LOG_INFO, fac, __VA_ARGS__)
#define KFB_DEBUG(fac, ...) KFB_LOG_AT_(KFB_LOG_DEBUG, fac, __VA_ARGS__)

#endif
