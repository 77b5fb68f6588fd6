/*
 * datatype.c - Fluss data type descriptors: defaults, validation, names, deep copies.
 *
 * Names and limits: fluss-common/src/main/java/org/apache/fluss/types/DataTypeRoot.java
 * (JSON `type` names, fluss-protocol.md §5.3), DecimalType.java (precision 1..38, scale
 * 0..precision, default (10, 0)), CharType.java / BinaryType.java (length >= 1, default 1),
 * TimeType.java (0..9, default 0), TimestampType.java / LocalZonedTimestampType.java (0..9,
 * default 6), DataType.withNullability (" NOT NULL" suffix), DataField.asSerializableString
 * and EncodingUtils.escapeIdentifier (backquoted names, ` doubled).
 */
#include "datatype.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const json_names[KFB_TYPE__COUNT] = {
    [KFB_TYPE_CHAR] = "CHAR",
    [KFB_TYPE_STRING] = "STRING",
    [KFB_TYPE_BOOLEAN] = "BOOLEAN",
    [KFB_TYPE_BINARY] = "BINARY",
    [KFB_TYPE_BYTES] = "BYTES",
    [KFB_TYPE_DECIMAL] = "DECIMAL",
    [KFB_TYPE_TINYINT] = "TINYINT",
    [KFB_TYPE_SMALLINT] = "SMALLINT",
    [KFB_TYPE_INTEGER] = "INTEGER",
    [KFB_TYPE_BIGINT] = "BIGINT",
    [KFB_TYPE_FLOAT] = "FLOAT",
    [KFB_TYPE_DOUBLE] = "DOUBLE",
    [KFB_TYPE_DATE] = "DATE",
    [KFB_TYPE_TIME_WITHOUT_TIME_ZONE] = "TIME_WITHOUT_TIME_ZONE",
    [KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE] = "TIMESTAMP_WITHOUT_TIME_ZONE",
    [KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE] = "TIMESTAMP_WITH_LOCAL_TIME_ZONE",
    [KFB_TYPE_ARRAY] = "ARRAY",
    [KFB_TYPE_MAP] = "MAP",
    [KFB_TYPE_ROW] = "ROW",
};

const char *kfb_type_root_json_name(kfb_type_root_t root) {
    if ((unsigned)root >= KFB_TYPE__COUNT) return NULL;
    return json_names[root];
}

kfb_err_t kfb_type_root_from_json_name(const char *name, size_t len, kfb_type_root_t *out) {
    if (!name) return KFB_ERR_NOT_FOUND;
    for (int r = 0; r < KFB_TYPE__COUNT; r++) {
        if (strlen(json_names[r]) == len && memcmp(json_names[r], name, len) == 0) {
            *out = (kfb_type_root_t)r;
            return KFB_ERR_OK;
        }
    }
    return KFB_ERR_NOT_FOUND;
}

kfb_datatype_t kfb_datatype_make(kfb_type_root_t root, bool nullable) {
    kfb_datatype_t t;
    memset(&t, 0, sizeof(t));
    t.root = root;
    t.nullable = nullable;
    switch (root) {
    case KFB_TYPE_DECIMAL: t.precision = 10; t.scale = 0; break;
    case KFB_TYPE_CHAR:
    case KFB_TYPE_BINARY: t.length = 1; break;
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: t.precision = 0; break;
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE: t.precision = 6; break;
    default: break;
    }
    return t;
}

kfb_datatype_t kfb_datatype_decimal(int32_t precision, int32_t scale, bool nullable) {
    kfb_datatype_t t = kfb_datatype_make(KFB_TYPE_DECIMAL, nullable);
    t.precision = precision;
    t.scale = scale;
    return t;
}

kfb_datatype_t kfb_datatype_timed(kfb_type_root_t root, int32_t precision, bool nullable) {
    kfb_datatype_t t = kfb_datatype_make(root, nullable);
    t.precision = precision;
    return t;
}

kfb_datatype_t kfb_datatype_sized(kfb_type_root_t root, int32_t length, bool nullable) {
    kfb_datatype_t t = kfb_datatype_make(root, nullable);
    t.length = length;
    return t;
}

static void field_clear(kfb_datafield_t *f) {
    free(f->name);
    free(f->description);
    kfb_datatype_destroy(f->type);
    memset(f, 0, sizeof(*f));
}

void kfb_datatype_clear(kfb_datatype_t *t) {
    if (!t) return;
    kfb_datatype_destroy(t->element);
    kfb_datatype_destroy(t->key);
    kfb_datatype_destroy(t->value);
    for (size_t i = 0; i < t->field_count; i++) field_clear(&t->fields[i]);
    free(t->fields);
    t->element = t->key = t->value = NULL;
    t->fields = NULL;
    t->field_count = 0;
}

void kfb_datatype_destroy(kfb_datatype_t *t) {
    if (!t) return;
    kfb_datatype_clear(t);
    free(t);
}

static kfb_datatype_t *new_of(kfb_type_root_t root, bool nullable) {
    kfb_datatype_t *t = malloc(sizeof(*t));
    if (t) *t = kfb_datatype_make(root, nullable);
    return t;
}

kfb_datatype_t *kfb_datatype_new_array(kfb_datatype_t *element, bool nullable) {
    kfb_datatype_t *t = new_of(KFB_TYPE_ARRAY, nullable);
    if (!t) {
        kfb_datatype_destroy(element);
        return NULL;
    }
    t->element = element;
    return t;
}

kfb_datatype_t *kfb_datatype_new_map(kfb_datatype_t *key, kfb_datatype_t *value, bool nullable) {
    kfb_datatype_t *t = new_of(KFB_TYPE_MAP, nullable);
    if (!t) {
        kfb_datatype_destroy(key);
        kfb_datatype_destroy(value);
        return NULL;
    }
    t->key = key;
    t->value = value;
    return t;
}

kfb_datatype_t *kfb_datatype_new_row(kfb_datafield_t *fields, size_t n, bool nullable) {
    kfb_datatype_t *t = new_of(KFB_TYPE_ROW, nullable);
    if (!t) {
        for (size_t i = 0; i < n; i++) field_clear(&fields[i]);
        free(fields);
        return NULL;
    }
    t->fields = fields;
    t->field_count = n;
    return t;
}

static char *dup_or_null(const char *s, bool *oom) {
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = true;
    return d;
}

kfb_err_t kfb_datatype_copy(kfb_datatype_t *dst, const kfb_datatype_t *src) {
    *dst = *src;
    dst->element = dst->key = dst->value = NULL;
    dst->fields = NULL;
    dst->field_count = 0;
    bool oom = false;
    if (src->element && !(dst->element = kfb_datatype_clone(src->element))) oom = true;
    if (src->key && !(dst->key = kfb_datatype_clone(src->key))) oom = true;
    if (src->value && !(dst->value = kfb_datatype_clone(src->value))) oom = true;
    if (src->field_count) {
        dst->fields = calloc(src->field_count, sizeof(*dst->fields));
        if (!dst->fields) {
            oom = true;
        } else {
            dst->field_count = src->field_count;
            for (size_t i = 0; i < src->field_count; i++) {
                const kfb_datafield_t *sf = &src->fields[i];
                kfb_datafield_t *df = &dst->fields[i];
                df->field_id = sf->field_id;
                df->name = dup_or_null(sf->name, &oom);
                df->description = dup_or_null(sf->description, &oom);
                if (sf->type && !(df->type = kfb_datatype_clone(sf->type))) oom = true;
            }
        }
    }
    if (oom) {
        kfb_datatype_clear(dst);
        return KFB_ERR_NOMEM;
    }
    return KFB_ERR_OK;
}

kfb_datatype_t *kfb_datatype_clone(const kfb_datatype_t *t) {
    if (!t) return NULL;
    kfb_datatype_t *c = malloc(sizeof(*c));
    if (!c) return NULL;
    if (kfb_datatype_copy(c, t) != KFB_ERR_OK) {
        free(c);
        return NULL;
    }
    return c;
}

static kfb_err_t invalid(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static kfb_err_t invalid(char *errstr, size_t errstr_size, const char *fmt, ...) {
    if (errstr && errstr_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return KFB_ERR_INVALID_ARG;
}

kfb_err_t kfb_datatype_validate(const kfb_datatype_t *t, char *errstr, size_t errstr_size) {
    if (!t) return invalid(errstr, errstr_size, "data type is missing");
    const char *name = kfb_type_root_json_name(t->root);
    if (!name) return invalid(errstr, errstr_size, "unknown data type root %d", (int)t->root);
    switch (t->root) {
    case KFB_TYPE_DECIMAL:
        if (t->precision < KFB_DECIMAL_MIN_PRECISION || t->precision > KFB_DECIMAL_MAX_PRECISION)
            return invalid(errstr, errstr_size,
                           "DECIMAL precision %d is outside 1..38; declare the column with a "
                           "precision between 1 and 38",
                           (int)t->precision);
        if (t->scale < 0 || t->scale > t->precision)
            return invalid(errstr, errstr_size,
                           "DECIMAL(%d, %d) has a scale outside 0..%d; the scale cannot exceed "
                           "the precision",
                           (int)t->precision, (int)t->scale, (int)t->precision);
        break;
    case KFB_TYPE_CHAR:
    case KFB_TYPE_BINARY:
        if (t->length < 1)
            return invalid(errstr, errstr_size, "%s length %d must be at least 1", name,
                           (int)t->length);
        break;
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        if (t->precision < 0 || t->precision > KFB_TIMESTAMP_MAX_PRECISION)
            return invalid(errstr, errstr_size, "%s precision %d is outside 0..9", name,
                           (int)t->precision);
        break;
    case KFB_TYPE_ARRAY:
        if (!t->element) return invalid(errstr, errstr_size, "ARRAY has no element type");
        return kfb_datatype_validate(t->element, errstr, errstr_size);
    case KFB_TYPE_MAP: {
        if (!t->key || !t->value)
            return invalid(errstr, errstr_size, "MAP needs both a key and a value type");
        kfb_err_t e = kfb_datatype_validate(t->key, errstr, errstr_size);
        return e ? e : kfb_datatype_validate(t->value, errstr, errstr_size);
    }
    case KFB_TYPE_ROW:
        if (t->field_count && !t->fields) return invalid(errstr, errstr_size, "ROW has no fields");
        for (size_t i = 0; i < t->field_count; i++) {
            const kfb_datafield_t *f = &t->fields[i];
            if (!f->name || !f->name[0])
                return invalid(errstr, errstr_size, "ROW field %zu has no name", i);
            for (size_t j = 0; j < i; j++)
                if (strcmp(t->fields[j].name, f->name) == 0)
                    return invalid(errstr, errstr_size,
                                   "ROW field names must be unique; \"%s\" appears twice", f->name);
            if (!f->type)
                return invalid(errstr, errstr_size, "ROW field \"%s\" has no type", f->name);
            kfb_err_t e = kfb_datatype_validate(f->type, errstr, errstr_size);
            if (e) return e;
        }
        break;
    default: break;
    }
    return KFB_ERR_OK;
}

bool kfb_datatype_equals(const kfb_datatype_t *a, const kfb_datatype_t *b) {
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->root != b->root || a->nullable != b->nullable || a->precision != b->precision ||
        a->scale != b->scale || a->length != b->length)
        return false;
    switch (a->root) {
    case KFB_TYPE_ARRAY: return kfb_datatype_equals(a->element, b->element);
    case KFB_TYPE_MAP:
        return kfb_datatype_equals(a->key, b->key) && kfb_datatype_equals(a->value, b->value);
    case KFB_TYPE_ROW:
        if (a->field_count != b->field_count) return false;
        for (size_t i = 0; i < a->field_count; i++) {
            const kfb_datafield_t *x = &a->fields[i], *y = &b->fields[i];
            if (!x->name || !y->name || strcmp(x->name, y->name) != 0) return false;
            if (!kfb_datatype_equals(x->type, y->type)) return false;
        }
        return true;
    default: return true;
    }
}

/* snprintf-style accumulator: keeps counting past the end so callers learn the size. */
typedef struct fmt_out {
    char *p;
    size_t size, len;
} fmt_out_t;

static void fmt_add(fmt_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fmt_add(fmt_out_t *o, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *dst = o->len < o->size ? o->p + o->len : NULL;
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0) o->len += (size_t)n;
}

/* Quote character doubled inside, as EncodingUtils.escapeIdentifier/escapeSingleQuotes. */
static void fmt_quoted(fmt_out_t *o, const char *s, char q) {
    fmt_add(o, "%c", q);
    for (; *s; s++) {
        if (*s == q) fmt_add(o, "%c", q);
        fmt_add(o, "%c", *s);
    }
    fmt_add(o, "%c", q);
}

static void fmt_type(fmt_out_t *o, const kfb_datatype_t *t) {
    if (!t) {
        fmt_add(o, "?");
        return;
    }
    switch (t->root) {
    case KFB_TYPE_CHAR: fmt_add(o, "CHAR(%d)", (int)t->length); break;
    case KFB_TYPE_BINARY: fmt_add(o, "BINARY(%d)", (int)t->length); break;
    case KFB_TYPE_DECIMAL: fmt_add(o, "DECIMAL(%d, %d)", (int)t->precision, (int)t->scale); break;
    case KFB_TYPE_INTEGER: fmt_add(o, "INT"); break;
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: fmt_add(o, "TIME(%d)", (int)t->precision); break;
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE: fmt_add(o, "TIMESTAMP(%d)", (int)t->precision); break;
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        fmt_add(o, "TIMESTAMP(%d) WITH LOCAL TIME ZONE", (int)t->precision);
        break;
    case KFB_TYPE_ARRAY:
        fmt_add(o, "ARRAY<");
        fmt_type(o, t->element);
        fmt_add(o, ">");
        break;
    case KFB_TYPE_MAP:
        fmt_add(o, "MAP<");
        fmt_type(o, t->key);
        fmt_add(o, ", ");
        fmt_type(o, t->value);
        fmt_add(o, ">");
        break;
    case KFB_TYPE_ROW:
        fmt_add(o, "ROW<");
        for (size_t i = 0; i < t->field_count; i++) {
            const kfb_datafield_t *f = &t->fields[i];
            fmt_add(o, "%s", i ? ", " : "");
            fmt_quoted(o, f->name ? f->name : "", '`');
            fmt_add(o, " ");
            fmt_type(o, f->type);
            if (f->description) {
                fmt_add(o, " ");
                fmt_quoted(o, f->description, '\'');
            }
        }
        fmt_add(o, ">");
        break;
    default: {
        const char *n = kfb_type_root_json_name(t->root);
        fmt_add(o, "%s", n ? n : "UNKNOWN");
    }
    }
    if (!t->nullable) fmt_add(o, " NOT NULL");
}

size_t kfb_datatype_format(const kfb_datatype_t *t, char *out, size_t out_size) {
    fmt_out_t o = {out, out_size, 0};
    if (out && out_size) out[0] = '\0';
    fmt_type(&o, t);
    return o.len;
}
