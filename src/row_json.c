/*
 * row_json.c - JSON rendering of decoded Fluss values (representations in row_json.h).
 *
 * Calendar rules follow java.time as Fluss uses it for display
 * (fluss-common/src/main/java/org/apache/fluss/row/TimestampNtz.java toLocalDateTime:
 * floor division of millis by days; LocalDate.toString year padding). Not a hot path: a
 * nested ROW allocates its decoded fields.
 */
#include "row_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APPEND(out, s, n)                                                                  \
    do {                                                                                   \
        kfb_err_t e_ = kfb_buf_append((out), (s), (n));                                    \
        if (e_) return e_;                                                                 \
    } while (0)
#define APPEND_STR(out, lit) APPEND(out, lit, sizeof(lit) - 1)

static kfb_err_t append_fmt(kfb_buf_t *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static kfb_err_t append_fmt(kfb_buf_t *out, const char *fmt, ...) {
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) return KFB_ERR_INTERNAL;
    return kfb_buf_append(out, tmp, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 with *bad set to the length of the
 * maximal invalid subpart to replace with one U+FFFD (Unicode 15, §3.9 "U+FFFD Substitution
 * of Maximal Subparts"). */
static size_t utf8_seq(const uint8_t *s, size_t n, size_t *bad) {
    uint8_t c = s[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        uint8_t b = i < n ? s[i] : 0;
        uint8_t l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xbf;
        if (i >= n || b < l || b > h) {
            *bad = i;
            return 0;
        }
    }
    return need;
}

kfb_err_t kfb_json_append_string(kfb_buf_t *out, const uint8_t *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    APPEND_STR(out, "\"");
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            /* Copy the plain-ASCII run in one append. */
            size_t j = i + 1;
            while (j < n && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\') j++;
            APPEND(out, s + i, j - i);
            i = j;
            continue;
        }
        if (c < 0x80) {
            char esc[6] = {'\\', 0, 0, 0, 0, 0};
            size_t el = 2;
            switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            default:
                esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
                esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
                el = 6;
            }
            APPEND(out, esc, el);
            i++;
            continue;
        }
        size_t bad = 0, len = utf8_seq(s + i, n - i, &bad);
        if (len) {
            APPEND(out, s + i, len);
            i += len;
        } else {
            APPEND_STR(out, "\\ufffd");
            i += bad;
        }
    }
    APPEND_STR(out, "\"");
    return KFB_ERR_OK;
}

kfb_err_t kfb_json_append_hex(kfb_buf_t *out, const uint8_t *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    kfb_err_t err = kfb_buf_reserve(out, 2 * n + 2);
    if (err) return err;
    uint8_t *d = out->data + out->len;
    *d++ = '"';
    for (size_t i = 0; i < n; i++) {
        *d++ = (uint8_t)hex[p[i] >> 4];
        *d++ = (uint8_t)hex[p[i] & 15];
    }
    *d++ = '"';
    out->len += 2 * n + 2;
    return KFB_ERR_OK;
}

/* Shortest %.Ng that reads back to the same value; always looks like a float ("1.0"). */
static kfb_err_t append_real(kfb_buf_t *out, double v, bool is_float) {
    if (isnan(v)) return kfb_buf_append(out, "\"NaN\"", 5);
    if (isinf(v)) return v > 0 ? kfb_buf_append(out, "\"Infinity\"", 10)
                               : kfb_buf_append(out, "\"-Infinity\"", 11);
    char tmp[64];
    int max = is_float ? 9 : 17;
    for (int prec = 1; prec <= max; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (is_float ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v) break;
    }
    if (!strpbrk(tmp, ".e")) strcat(tmp, ".0");
    return kfb_buf_append(out, tmp, strlen(tmp));
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* Days since 1970-01-01 to proleptic Gregorian (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* LocalDate.toString year: 4 digits when |y| < 10000 (with '-' if negative), else a sign. */
static kfb_err_t append_date(kfb_buf_t *out, int64_t days) {
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999) return append_fmt(out, "%04lld-%02d-%02d", (long long)y, m, d);
    if (y < 0 && y > -10000) return append_fmt(out, "-%04lld-%02d-%02d", (long long)-y, m, d);
    return append_fmt(out, "%s%lld-%02d-%02d", y > 0 ? "+" : "", (long long)y, m, d);
}

static kfb_err_t append_value(kfb_buf_t *out, const kfb_datatype_t *t, const kfb_value_t *v,
                              int depth);

static bool row_type_complete(const kfb_datatype_t *t) {
    if (t->field_count && !t->fields) return false;
    for (size_t i = 0; i < t->field_count; i++)
        if (!t->fields[i].type) return false;
    return true;
}

static kfb_err_t append_nested_row(kfb_buf_t *out, const kfb_datatype_t *t, const kfb_value_t *v,
                                   int depth) {
    size_t n = t->field_count;
    kfb_datatype_t *types = calloc(n ? n : 1, sizeof(*types));
    kfb_value_t *vals = calloc(n ? n : 1, sizeof(*vals));
    kfb_err_t err = KFB_ERR_NOMEM;
    if (!types || !vals) goto done;
    for (size_t i = 0; i < n; i++) types[i] = *t->fields[i].type; /* shallow: children shared */
    err = kfb_row_decode(types, n, v->v.bytes.data, v->v.bytes.len, vals, NULL, 0);
    if (err) {
        /* Undecodable nested bytes: show them rather than fail the whole dump. */
        APPEND_STR(out, "{\"undecodable\": ");
        err = kfb_json_append_hex(out, v->v.bytes.data, v->v.bytes.len);
        if (!err) err = kfb_buf_append(out, "}", 1);
        goto done;
    }
    err = kfb_buf_append(out, "{", 1);
    for (size_t i = 0; !err && i < n; i++) {
        if (i) err = kfb_buf_append(out, ", ", 2);
        const char *name = t->fields[i].name ? t->fields[i].name : "";
        if (!err) err = kfb_json_append_string(out, (const uint8_t *)name, strlen(name));
        if (!err) err = kfb_buf_append(out, ": ", 2);
        if (!err) err = append_value(out, &types[i], &vals[i], depth + 1);
    }
    if (!err) err = kfb_buf_append(out, "}", 1);
done:
    free(types);
    free(vals);
    return err;
}

static kfb_err_t append_value(kfb_buf_t *out, const kfb_datatype_t *t, const kfb_value_t *v,
                              int depth) {
    if (v->is_null) return kfb_buf_append(out, "null", 4);
    switch (t->root) {
    case KFB_TYPE_BOOLEAN:
        return v->v.b ? kfb_buf_append(out, "true", 4) : kfb_buf_append(out, "false", 5);
    case KFB_TYPE_TINYINT: return append_fmt(out, "%d", (int)v->v.i8);
    case KFB_TYPE_SMALLINT: return append_fmt(out, "%d", (int)v->v.i16);
    case KFB_TYPE_INTEGER: return append_fmt(out, "%ld", (long)v->v.i32);
    case KFB_TYPE_BIGINT: return append_fmt(out, "%lld", (long long)v->v.i64);
    case KFB_TYPE_FLOAT: return append_real(out, v->v.f32, true);
    case KFB_TYPE_DOUBLE: return append_real(out, v->v.f64, false);
    case KFB_TYPE_CHAR:
    case KFB_TYPE_STRING: return kfb_json_append_string(out, v->v.bytes.data, v->v.bytes.len);
    case KFB_TYPE_BINARY:
    case KFB_TYPE_BYTES: return kfb_json_append_hex(out, v->v.bytes.data, v->v.bytes.len);
    case KFB_TYPE_DECIMAL: {
        char s[KFB_DECIMAL_STRING_MAX + 400];
        size_t n = t->precision <= KFB_DECIMAL_MAX_COMPACT_PRECISION
                       ? kfb_decimal_format_i64(v->v.i64, t->scale, s, sizeof(s))
                       : kfb_decimal_format_be(v->v.bytes.data, v->v.bytes.len, t->scale, s,
                                               sizeof(s));
        if (n >= sizeof(s)) return KFB_ERR_INTERNAL;
        return kfb_json_append_string(out, (const uint8_t *)s, n);
    }
    case KFB_TYPE_DATE: {
        kfb_err_t err = kfb_buf_append(out, "\"", 1);
        if (!err) err = append_date(out, v->v.i32);
        return err ? err : kfb_buf_append(out, "\"", 1);
    }
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: {
        /* Java's reader does not range-check TIME; out-of-day values still render. */
        int64_t ms = v->v.i32;
        const char *sign = ms < 0 ? "-" : "";
        if (ms < 0) ms = -ms;
        return append_fmt(out, "\"%s%02lld:%02lld:%02lld.%03lld\"", sign, (long long)(ms / 3600000),
                          (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60),
                          (long long)(ms % 1000));
    }
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE: {
        int64_t days = floor_div(v->v.ts.millis, 86400000);
        int64_t ms = v->v.ts.millis - days * 86400000;
        kfb_err_t err = kfb_buf_append(out, "\"", 1);
        if (!err) err = append_date(out, days);
        if (!err)
            err = append_fmt(out, "T%02lld:%02lld:%02lld.%03lld%06ld%s\"", (long long)(ms / 3600000),
                             (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60),
                             (long long)(ms % 1000), (long)v->v.ts.nano_of_milli,
                             t->root == KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE ? "Z" : "");
        return err;
    }
    case KFB_TYPE_ROW:
    case KFB_TYPE_ARRAY:
    case KFB_TYPE_MAP: {
        if (t->root == KFB_TYPE_ROW && depth < 16 && row_type_complete(t))
            return append_nested_row(out, t, v, depth);
        kfb_err_t err = kfb_buf_append(out, "{\"binary\": ", 11);
        if (!err) err = kfb_json_append_hex(out, v->v.bytes.data, v->v.bytes.len);
        return err ? err : kfb_buf_append(out, "}", 1);
    }
    default: return KFB_ERR_UNSUPPORTED_TYPE;
    }
}

kfb_err_t kfb_row_json_append_value(kfb_buf_t *out, const kfb_datatype_t *type,
                                    const kfb_value_t *v) {
    return append_value(out, type, v, 0);
}

kfb_err_t kfb_row_json_append_row(kfb_buf_t *out, const char *const *names,
                                  const kfb_datatype_t *types, const kfb_value_t *values,
                                  size_t n) {
    APPEND_STR(out, "{");
    for (size_t i = 0; i < n; i++) {
        if (i) APPEND_STR(out, ", ");
        const char *name = names && names[i] ? names[i] : "";
        kfb_err_t err = kfb_json_append_string(out, (const uint8_t *)name, strlen(name));
        if (err) return err;
        APPEND_STR(out, ": ");
        err = append_value(out, &types[i], &values[i], 0);
        if (err) return err;
    }
    APPEND_STR(out, "}");
    return KFB_ERR_OK;
}
