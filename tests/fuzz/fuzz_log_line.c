/* fuzz_log_line.c - arbitrary bytes as a log message and field values (Kafka data quoted in
 * a message is untrusted): every rendered line fits its buffer, ends in one '\n', is valid
 * UTF-8 without raw control characters, and in JSON parses (jansson) as one object with
 * time, level, facility and message.
 *
 * Input: byte 0 picks the format (bit 0), the buffer size (bits 1-3) and the number of
 * fields (bits 4-7); the rest is split at NUL bytes into the message and field values. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logging.h"

/* 1 when s[0..n) is valid UTF-8 (RFC 3629) with no control character but a final '\n' */
static int clean(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x20 || c == 0x7f) {
            if (c == '\n' && i == n - 1) return 1;
            return 0;
        }
        size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (!len || i + len > n) return 0;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[i + 1] < 0xA0) return 0;
        if (c == 0xED && s[i + 1] > 0x9F) return 0;
        if (c == 0xF0 && s[i + 1] < 0x90) return 0;
        if (c == 0xF4 && s[i + 1] > 0x8F) return 0;
        i += len;
    }
    return 0; /* no final newline */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static const size_t caps[8] = {512, 600, 1024, 2048, 4096, 8192, 16384, 20000};
    kfb_log_format_t fmt = (kfb_log_format_t)(data[0] & 1);
    size_t cap = caps[(data[0] >> 1) & 7];
    size_t nf = data[0] >> 4;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    /* message, then field values, split at NULs */
    const char *parts[17];
    size_t np = 0;
    for (char *p = text; np < 17;) {
        parts[np++] = p;
        char *z = memchr(p, '\0', (size_t)(text + size - 1 - p) + 1);
        if (!z || z == text + size - 1) break;
        p = z + 1;
    }
    kfb_log_field_t f[16];
    static const char *const keys[] = {"topic", "partition", "offset", "table"};
    for (size_t i = 0; i < nf; i++) {
        const char *v = 1 + i < np ? parts[1 + i] : NULL;
        f[i] = (i & 1) ? KFB_LOG_INT(keys[i & 3], (int64_t)(v ? strlen(v) : 0) - 3) : KFB_LOG_STR(keys[i & 3], v);
    }
    char *out = malloc(cap);
    if (!out) abort();
    struct timespec ts = {(time_t)(data[0]) * 86400 * 365, 999999999};
    size_t len = kfb_log_render(out, cap, fmt, &ts, (kfb_log_level_t)(data[0] & 3), "fuzz", f, nf, parts[0]);
    if (len >= cap || len >= KFB_LOG_MAX_LINE || out[len] != '\0' || len == 0) abort();
    if (!clean((const unsigned char *)out, len)) abort();
    if (fmt == KFB_LOG_FORMAT_JSON) {
        json_error_t je;
        json_t *j = json_loadb(out, len, 0, &je);
        if (!j || !json_is_object(j) || !json_is_string(json_object_get(j, "time")) ||
            !json_is_string(json_object_get(j, "level")) || !json_is_string(json_object_get(j, "facility")) ||
            !json_is_string(json_object_get(j, "message")))
            abort();
        json_decref(j);
    }
    free(out);
    free(text);
    return 0;
}
