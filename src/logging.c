/*
 * logging.c - formats a log line (text or JSON, logging.h) and hands it to the sink (stderr
 * by default).
 *
 * Every string that reaches a line (message, facility, field values) goes through one
 * escaper that validates UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF; each invalid byte becomes U+FFFD) and escapes control characters, so untrusted
 * bytes quoted in a message cannot forge a line or break the JSON (RFC 8259 section 7).
 * Output is bounded: a writer with a fixed limit that keeps room for the closing bytes;
 * a field that does not fit whole is left out, the message is cut.
 */
#include "logging.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static _Atomic int log_level = KFB_LOG_INFO;
static _Atomic int log_format = KFB_LOG_FORMAT_TEXT;
static _Atomic(kfb_log_sink_t) log_sink;
static _Atomic(void *) log_sink_opaque;

static const char *const level_text[] = {"ERROR", "WARN", "INFO", "DEBUG"};
static const char *const level_json[] = {"error", "warn", "info", "debug"};
static const char *const format_names[] = {"text", "json"};

void kfb_log_set_level(kfb_log_level_t level) { atomic_store_explicit(&log_level, (int)level, memory_order_relaxed); }
kfb_log_level_t kfb_log_get_level(void) {
    return (kfb_log_level_t)atomic_load_explicit(&log_level, memory_order_relaxed);
}
void kfb_log_set_format(kfb_log_format_t format) {
    atomic_store_explicit(&log_format, (int)format, memory_order_relaxed);
}
kfb_log_format_t kfb_log_get_format(void) {
    return (kfb_log_format_t)atomic_load_explicit(&log_format, memory_order_relaxed);
}

void kfb_log_set_sink(kfb_log_sink_t sink, void *opaque) {
    atomic_store(&log_sink_opaque, opaque);
    atomic_store(&log_sink, sink);
}

int kfb_log_level_parse(const char *name, kfb_log_level_t *out) {
    for (int i = 0; name && i <= KFB_LOG_DEBUG; i++)
        if (!strcmp(name, level_json[i])) {
            *out = (kfb_log_level_t)i;
            return 0;
        }
    return -1;
}

int kfb_log_format_parse(const char *name, kfb_log_format_t *out) {
    for (int i = 0; name && i < 2; i++)
        if (!strcmp(name, format_names[i])) {
            *out = (kfb_log_format_t)i;
            return 0;
        }
    return -1;
}

int kfb_log_configure(const char *level, const char *format) {
    kfb_log_level_t l = kfb_log_get_level();
    kfb_log_format_t f = kfb_log_get_format();
    if ((level && kfb_log_level_parse(level, &l)) || (format && kfb_log_format_parse(format, &f))) return -1;
    kfb_log_set_level(l);
    kfb_log_set_format(f);
    return 0;
}

/* ---- bounded writer ------------------------------------------------------------------- */

#define RESERVE 8 /* closing bytes: '"', '}', '\n', NUL */

typedef struct w {
    char *p;
    size_t len, lim; /* content stays below lim; the reserve lies above it */
    int full;
} w_t;

/* Appends n bytes whole, or nothing (and the writer is full from then on). */
static void put(w_t *w, const char *s, size_t n) {
    if (w->full) return;
    if (n > w->lim - w->len) {
        w->full = 1;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void puts_(w_t *w, const char *s) { put(w, s, strlen(s)); }

/* Closing bytes go into the reserve. */
static void put_closing(w_t *w, const char *s) {
    size_t n = strlen(s);
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one (RFC 3629 table). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if (c == 0xED) len = 3, hi = 0x9F; /* no surrogates */
    else if (c >= 0xE1 && c <= 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c == 0xF4) len = 4, hi = 0x8F; /* nothing above U+10FFFF */
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else return 0;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

enum { ESC_TEXT = 0, ESC_TEXT_QUOTED, ESC_JSON };

/* Writes s[0..n) escaped for `mode`. */
static void put_escaped(w_t *w, const char *str, size_t n, int mode) {
    const unsigned char *s = (const unsigned char *)str;
    char esc[8];
    size_t i = 0;
    while (i < n && !w->full) {
        /* runs of plain ASCII in one copy */
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x7F && s[run] != '"' && s[run] != '\\') run++;
        if (run > i) {
            put(w, (const char *)s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            if (mode == ESC_TEXT) put(w, (const char *)&s[i], 1);
            else {
                esc[0] = '\\', esc[1] = (char)c;
                put(w, esc, 2);
            }
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
            if (named) put(w, named, 2);
            else if (mode == ESC_JSON) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                put(w, esc, 6);
            } else {
                snprintf(esc, sizeof esc, "\\x%02x", c);
                put(w, esc, 4);
            }
            i++;
        } else {
            size_t l = utf8_seq(s + i, n - i);
            if (l) put(w, (const char *)s + i, l);
            else if (mode == ESC_JSON) put(w, "\\ufffd", 6);
            else put(w, "\xEF\xBF\xBD", 3); /* U+FFFD */
            i += l ? l : 1;
        }
    }
}

static void put_time(w_t *w, const struct timespec *ts) {
    struct tm tm;
    time_t sec = ts->tv_sec;
    gmtime_r(&sec, &tm);
    char b[40];
    int k = snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(ts->tv_nsec / 1000000));
    put(w, b, (size_t)k);
}

static int needs_quotes(const char *s) {
    if (!*s) return 1;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '"' || *s == '=' || *s == '\\' || (unsigned char)*s >= 0x7F) return 1;
    return 0;
}

static size_t msg_len(const char *m) { return m ? strnlen(m, KFB_LOG_MAX_MESSAGE) : 0; }

/* message key=value ... (the text body, also what a sink gets) */
static void put_text_body(w_t *w, const kfb_log_field_t *f, size_t n, const char *message) {
    put_escaped(w, message ? message : "", msg_len(message), ESC_TEXT);
    for (size_t i = 0; i < n && !w->full; i++) {
        size_t mark = w->len;
        put(w, " ", 1);
        put_escaped(w, f[i].key, strlen(f[i].key), ESC_TEXT);
        put(w, "=", 1);
        if (f[i].type == KFB_LOG_FIELD_INT) {
            char b[24];
            put(w, b, (size_t)snprintf(b, sizeof b, "%" PRId64, f[i].i));
        } else if (!f[i].s) {
            put(w, "-", 1);
        } else if (needs_quotes(f[i].s)) {
            put(w, "\"", 1);
            put_escaped(w, f[i].s, strnlen(f[i].s, KFB_LOG_MAX_MESSAGE), ESC_TEXT_QUOTED);
            put(w, "\"", 1);
        } else {
            put_escaped(w, f[i].s, strlen(f[i].s), ESC_TEXT);
        }
        if (w->full) w->len = mark; /* a field appears whole or not at all */
    }
}

static void put_json_string(w_t *w, const char *s, size_t n) {
    put(w, "\"", 1);
    put_escaped(w, s, n, ESC_JSON);
    put(w, "\"", 1);
}

size_t kfb_log_render(char *out, size_t cap, kfb_log_format_t format, const struct timespec *ts,
                      kfb_log_level_t level, const char *facility, const kfb_log_field_t *f, size_t n,
                      const char *message) {
    if (cap > KFB_LOG_MAX_LINE) cap = KFB_LOG_MAX_LINE;
    if (cap < 512) {
        if (cap) out[0] = '\0';
        return 0;
    }
    w_t w = {out, 0, cap - RESERVE, 0};
    int li = level <= KFB_LOG_DEBUG ? (int)level : KFB_LOG_DEBUG;
    const char *fac = facility ? facility : "";
    if (format == KFB_LOG_FORMAT_JSON) {
        puts_(&w, "{\"time\":\"");
        put_time(&w, ts);
        puts_(&w, "\",\"level\":\"");
        puts_(&w, level_json[li]);
        puts_(&w, "\",\"facility\":");
        put_json_string(&w, fac, strnlen(fac, 32));
        puts_(&w, ",\"message\":\"");
        w.lim--; /* keep room for the closing quote */
        put_escaped(&w, message ? message : "", msg_len(message), ESC_JSON);
        w.lim++;
        if (w.full) { /* cut inside the message: close it and the object */
            put_closing(&w, "\"}\n");
            out[w.len] = '\0';
            return w.len;
        }
        puts_(&w, "\"");
        for (size_t i = 0; i < n && !w.full; i++) {
            size_t mark = w.len;
            puts_(&w, ",");
            put_json_string(&w, f[i].key, strlen(f[i].key));
            puts_(&w, ":");
            if (f[i].type == KFB_LOG_FIELD_INT) {
                char b[24];
                put(&w, b, (size_t)snprintf(b, sizeof b, "%" PRId64, f[i].i));
            } else if (!f[i].s) {
                puts_(&w, "null");
            } else {
                put_json_string(&w, f[i].s, strnlen(f[i].s, KFB_LOG_MAX_MESSAGE));
            }
            if (w.full) w.len = mark;
        }
        put_closing(&w, "}\n");
    } else {
        put_time(&w, ts);
        char head[16];
        put(&w, head, (size_t)snprintf(head, sizeof head, " %-5s [", level_text[li]));
        put_escaped(&w, fac, strnlen(fac, 32), ESC_TEXT);
        puts_(&w, "] ");
        put_text_body(&w, f, n, message);
        put_closing(&w, "\n");
    }
    out[w.len] = '\0';
    return w.len;
}

static void emit(kfb_log_level_t level, const char *facility, const kfb_log_field_t *f, size_t n, const char *msg) {
    kfb_log_sink_t sink = atomic_load(&log_sink);
    if (sink) {
        char body[KFB_LOG_MAX_LINE];
        w_t w = {body, 0, sizeof body - RESERVE, 0};
        put_text_body(&w, f, n, msg);
        body[w.len] = '\0';
        sink(level, facility, body, atomic_load(&log_sink_opaque));
        return;
    }
    char line[KFB_LOG_MAX_LINE];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t len = kfb_log_render(line, sizeof line, kfb_log_get_format(), &ts, level, facility, f, n, msg);
    fwrite(line, 1, len, stderr); /* stderr is unbuffered: one write per line */
}

static void vlog(kfb_log_level_t level, const char *facility, const kfb_log_field_t *f, size_t n, const char *fmt,
                 va_list ap) {
    char msg[KFB_LOG_MAX_MESSAGE + 1];
    vsnprintf(msg, sizeof msg, fmt, ap);
    emit(level, facility, f, n, msg);
}

void kfb_log(kfb_log_level_t level, const char *facility, const char *fmt, ...) {
    if (level > kfb_log_get_level()) return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, facility, NULL, 0, fmt, ap);
    va_end(ap);
}

void kfb_log_fields(kfb_log_level_t level, const char *facility, const kfb_log_field_t *f, size_t n,
                    const char *fmt, ...) {
    if (level > kfb_log_get_level()) return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, facility, f, n, fmt, ap);
    va_end(ap);
}

void kfb_log_rdkafka(const char *facility, int syslog_level, const char *rdkafka_fac, const char *text) {
    kfb_log_level_t l = syslog_level <= 3 ? KFB_LOG_ERROR : syslog_level == 4 ? KFB_LOG_WARN : KFB_LOG_DEBUG;
    if (l > kfb_log_get_level()) return;
    kfb_log_field_t fld = KFB_LOG_STR("rdkafka_fac", rdkafka_fac);
    emit(l, facility, &fld, rdkafka_fac ? 1 : 0, text);
}
