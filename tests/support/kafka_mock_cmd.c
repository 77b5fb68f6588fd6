/*
 * kafka_mock_cmd.c - control-line words and record lines of kafka-mock (format in
 * kafka_mock_cmd.h). Every reader here works on a byte span with its length, so the
 * same code serves a NUL-terminated control line, a line of a produce file and a fuzz
 * input.
 */
#include "kafka_mock_cmd.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

int kfb_kmc_split(char *line, char **words, int max) {
    int n = 0;
    char *p = line;
    for (;;) {
        while (is_blank(*p)) p++;
        if (!*p || *p == '\r' || *p == '\n') break;
        if (n == max) return -1;
        words[n++] = p;
        while (*p && !is_blank(*p) && *p != '\r' && *p != '\n') p++;
        if (!*p) break;
        char end = *p;
        *p++ = 0;
        if (end == '\r' || end == '\n') break;
    }
    return n;
}

/* A decimal integer that is the whole span [s, e), within [lo, hi]. */
static bool span_int(const char *s, const char *e, long long lo, long long hi, long long *out) {
    bool neg = false;
    if (s < e && *s == '-') {
        neg = true;
        s++;
    }
    if (s == e || e - s > 18) return false; /* 18 digits cannot overflow a long long */
    long long v = 0;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9') return false;
        v = v * 10 + (*s - '0');
    }
    if (neg) v = -v;
    if (v < lo || v > hi) return false;
    *out = v;
    return true;
}

bool kfb_kmc_parse_int(const char *word, long long lo, long long hi, long long *out) {
    return word && span_int(word, word + strlen(word), lo, hi, out);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes the bytes grammar ("-", "\"\"", hex) of [s, e) into dst (room for (e-s)/2
 * bytes). allow_empty_span: "" as zero characters (a header "NAME="). */
static bool span_bytes(const char *s, const char *e, bool allow_empty_span, uint8_t *dst,
                       kfb_kmc_bytes_t *out, const char **why) {
    size_t n = (size_t)(e - s);
    *out = (kfb_kmc_bytes_t){NULL, 0, false};
    if (n == 1 && *s == '-') {
        out->is_null = true;
        return true;
    }
    if ((n == 2 && s[0] == '"' && s[1] == '"') || (n == 0 && allow_empty_span)) return true;
    if (n == 0) {
        *why = "is empty (write \"\" for zero bytes, - for null)";
        return false;
    }
    if (n % 2) {
        *why = "has an odd number of hex digits";
        return false;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            *why = "is not hex (nor - for null, nor \"\" for empty)";
            return false;
        }
        dst[i] = (uint8_t)(hi << 4 | lo);
    }
    out->data = dst;
    out->len = n / 2;
    return true;
}

/* Decodes a header name with %XX escapes into dst; returns the length or -1. */
static long span_name(const char *s, const char *e, uint8_t *dst) {
    long n = 0;
    while (s < e) {
        if (*s == '%') {
            if (e - s < 3 || hexval(s[1]) < 0 || hexval(s[2]) < 0) return -1;
            dst[n++] = (uint8_t)(hexval(s[1]) << 4 | hexval(s[2]));
            s += 3;
        } else {
            dst[n++] = (uint8_t)*s++;
        }
    }
    return n;
}

#define FAIL(...)                                                                          \
    do {                                                                                   \
        if (errlen) snprintf(err, errlen, __VA_ARGS__);                                    \
        return KFB_ERR_CORRUPT;                                                            \
    } while (0)

kfb_err_t kfb_kmc_parse_record(const char *line, size_t len, kfb_buf_t *scratch,
                               kfb_kmc_record_t *rec, char *err, size_t errlen) {
    static const char *const field_names[3] = {"PARTITION", "KEY", "VALUE"};
    memset(rec, 0, offsetof(kfb_kmc_record_t, headers));
    rec->offset = rec->timestamp = -1;
    if (len > KFB_KMC_MAX_LINE) FAIL("line is longer than %u bytes", KFB_KMC_MAX_LINE);
    if (len && line[len - 1] == '\r') len--;
    /* Decoded bytes never outnumber the line's characters: reserving len up front means
     * the scratch buffer does not move while rec's pointers are taken into it. */
    kfb_buf_reset(scratch);
    if (kfb_buf_reserve(scratch, len + 1) != KFB_ERR_OK) return KFB_ERR_NOMEM;
    uint8_t *dst = scratch->data;
    const char *p = line, *end = line + len;
    int field = 0;    /* tokens seen so far */
    int after_at = 0; /* 1 after @OFFSET, 2 after TIMESTAMP */
    for (;;) {
        while (p < end && is_blank(*p)) p++;
        if (p == end) break;
        const char *s = p;
        while (p < end && !is_blank(*p)) {
            if (*p == '\n' || *p == '\r' || *p == 0) FAIL("line has a control character inside");
            p++;
        }
        const char *why = "";
        if (field == 0) {
            long long v;
            if (!span_int(s, p, -1, INT32_MAX, &v))
                FAIL("field 1 (PARTITION) '%.*s' is not -1 or a partition number", (int)(p - s > 40 ? 40 : p - s), s);
            rec->partition = (int32_t)v;
        } else if (field <= 2) {
            kfb_kmc_bytes_t *b = field == 1 ? &rec->key : &rec->value;
            if (!span_bytes(s, p, false, dst, b, &why))
                FAIL("field %d (%s) %s", field + 1, field_names[field], why);
            dst += b->len;
        } else if (after_at == 1) {
            long long v;
            if (!span_int(s, p, 0, INT64_MAX / 2, &v))
                FAIL("the TIMESTAMP after @OFFSET '%.*s' is not milliseconds >= 0", (int)(p - s > 40 ? 40 : p - s), s);
            rec->timestamp = v;
            after_at = 2;
        } else if (after_at == 2) {
            FAIL("unexpected text after @OFFSET TIMESTAMP");
        } else if (*s == '@') {
            long long v;
            if (!span_int(s + 1, p, 0, INT64_MAX / 2, &v))
                FAIL("'%.*s' is not @OFFSET (an offset >= 0)", (int)(p - s > 40 ? 40 : p - s), s);
            rec->offset = v;
            after_at = 1;
        } else {
            size_t h = rec->n_headers;
            if (h == KFB_KMC_MAX_HEADERS) FAIL("more than %d headers", KFB_KMC_MAX_HEADERS);
            const char *eq = memchr(s, '=', (size_t)(p - s));
            if (!eq) FAIL("header %zu '%.*s' is not NAME=HEXVALUE", h + 1, (int)(p - s > 40 ? 40 : p - s), s);
            long nl = span_name(s, eq, dst);
            if (nl < 0) FAIL("header %zu: name has a bad %%XX escape", h + 1);
            rec->headers[h].name = (const char *)dst;
            rec->headers[h].name_len = (size_t)nl;
            dst += nl;
            if (!span_bytes(eq + 1, p, true, dst, &rec->headers[h].value, &why))
                FAIL("header %zu ('%.*s') value %s", h + 1, (int)nl > 40 ? 40 : (int)nl,
                     rec->headers[h].name, why);
            dst += rec->headers[h].value.len;
            rec->n_headers++;
        }
        field++;
    }
    if (field < 3) FAIL("expected PARTITION KEY VALUE [NAME=HEX ...], got %d field%s", field, field == 1 ? "" : "s");
    scratch->len = (size_t)(dst - scratch->data);
    return KFB_ERR_OK;
}

kfb_err_t kfb_kmc_format_bytes(kfb_buf_t *out, const uint8_t *p, size_t n, bool is_null) {
    static const char hex[] = "0123456789abcdef";
    if (is_null) return kfb_buf_append(out, "-", 1);
    if (!n) return kfb_buf_append(out, "\"\"", 2);
    if (n > (SIZE_MAX - out->len) / 2 || kfb_buf_reserve(out, 2 * n) != KFB_ERR_OK)
        return KFB_ERR_NOMEM;
    char *d = (char *)out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        d[2 * i] = hex[p[i] >> 4];
        d[2 * i + 1] = hex[p[i] & 15];
    }
    out->len += 2 * n;
    return KFB_ERR_OK;
}

static kfb_err_t format_name(kfb_buf_t *out, const char *name, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    if (kfb_buf_reserve(out, 3 * n) != KFB_ERR_OK) return KFB_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)name[i];
        if (c <= 0x20 || c >= 0x7f || c == '=' || c == '%' || (i == 0 && c == '@')) {
            uint8_t esc[3] = {'%', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 15]};
            kfb_buf_append(out, esc, 3);
        } else {
            kfb_buf_append_byte(out, c);
        }
    }
    return KFB_ERR_OK;
}

kfb_err_t kfb_kmc_format_record(kfb_buf_t *out, const kfb_kmc_record_t *rec) {
    char num[64];
    int n = snprintf(num, sizeof(num), "%d ", (int)rec->partition);
    kfb_err_t e = kfb_buf_append(out, num, (size_t)n);
    if (!e) e = kfb_kmc_format_bytes(out, rec->key.data, rec->key.len, rec->key.is_null);
    if (!e) e = kfb_buf_append_byte(out, ' ');
    if (!e) e = kfb_kmc_format_bytes(out, rec->value.data, rec->value.len, rec->value.is_null);
    for (size_t i = 0; !e && i < rec->n_headers; i++) {
        const kfb_kmc_header_t *h = &rec->headers[i];
        e = kfb_buf_append_byte(out, ' ');
        if (!e) e = format_name(out, h->name, h->name_len);
        if (!e) e = kfb_buf_append_byte(out, '=');
        if (!e) e = kfb_kmc_format_bytes(out, h->value.data, h->value.len, h->value.is_null);
    }
    if (!e && rec->offset >= 0) {
        n = rec->timestamp >= 0
                ? snprintf(num, sizeof(num), " @%lld %lld", (long long)rec->offset, (long long)rec->timestamp)
                : snprintf(num, sizeof(num), " @%lld", (long long)rec->offset);
        e = kfb_buf_append(out, num, (size_t)n);
    }
    if (!e) e = kfb_buf_append_byte(out, '\n');
    return e;
}

/* The request types librdkafka 2.0.2's mock broker answers (rdkafka_mock_handlers.c,
 * rd_kafka_mock_api_handlers[]); pushing errors onto any other key would never fire. */
static const struct {
    int key;
    const char *name;
} apis[] = {
    {0, "Produce"},       {1, "Fetch"},           {2, "ListOffsets"},     {3, "Metadata"},
    {8, "OffsetCommit"},  {9, "OffsetFetch"},     {10, "FindCoordinator"}, {11, "JoinGroup"},
    {12, "Heartbeat"},    {13, "LeaveGroup"},     {14, "SyncGroup"},      {18, "ApiVersions"},
    {22, "InitProducerId"}, {24, "AddPartitionsToTxn"}, {25, "AddOffsetsToTxn"},
    {26, "EndTxn"},       {28, "TxnOffsetCommit"},
};
#define N_APIS (sizeof(apis) / sizeof(apis[0]))

int kfb_kmc_api_key(const char *word) {
    long long v;
    if (kfb_kmc_parse_int(word, 0, 32767, &v)) return kfb_kmc_api_name((int)v) ? (int)v : -1;
    if (word && strcasecmp(word, "ApiVersion") == 0) return 18;
    for (size_t i = 0; word && i < N_APIS; i++)
        if (strcasecmp(word, apis[i].name) == 0) return apis[i].key;
    return -1;
}

const char *kfb_kmc_api_name(int key) {
    for (size_t i = 0; i < N_APIS; i++)
        if (apis[i].key == key) return apis[i].name;
    return NULL;
}

const char *kfb_kmc_api_list(void) {
    return "Produce(0) Fetch(1) ListOffsets(2) Metadata(3) OffsetCommit(8) OffsetFetch(9) "
           "FindCoordinator(10) JoinGroup(11) Heartbeat(12) LeaveGroup(13) SyncGroup(14) "
           "ApiVersions(18) InitProducerId(22) AddPartitionsToTxn(24) AddOffsetsToTxn(25) "
           "EndTxn(26) TxnOffsetCommit(28)";
}
