/* logging.c - formats a log line and hands it to the sink (stderr by default). */
#include "logging.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static kfb_log_level_t log_level = KFB_LOG_INFO;
static kfb_log_sink_t log_sink;
static void *log_sink_opaque;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void kfb_log_set_level(kfb_log_level_t level) { log_level = level; }
kfb_log_level_t kfb_log_get_level(void) { return log_level; }

void kfb_log_set_sink(kfb_log_sink_t sink, void *opaque) {
    log_sink = sink;
    log_sink_opaque = opaque;
}

void kfb_log(kfb_log_level_t level, const char *facility, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (log_sink) {
        log_sink(level, facility, line, log_sink_opaque);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s [%s] %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            level_names[level <= KFB_LOG_DEBUG ? level : KFB_LOG_DEBUG], facility, line);
}
