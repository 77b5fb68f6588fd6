/*
 * table_desc.c - Fluss TableDescriptor JSON -> kfb_table_desc_t.
 *
 * Format (fluss-protocol.md §5.1-§5.4; Java sources named in table_desc.h):
 *
 *   { "version": 1,
 *     "schema": { "version": 1,
 *                 "columns": [ { "name": S, "data_type": T, "comment": S?, "id": I?,
 *                                "agg_function": { "type": S, "parameters": {..} }? } ],
 *                 "primary_key": [S]?, "auto_increment_column": [S]?,
 *                 "highest_field_id": I? },
 *     "comment": S?, "partition_key": [S], "bucket_key": [S]?, "bucket_count": I?,
 *     "properties": {S: S}, "custom_properties": {S: S} }
 *
 *   T = { "type": ROOT, "nullable": false?, ...per root: "length" (CHAR, BINARY),
 *         "precision"/"scale" (DECIMAL), "precision" (TIME/TIMESTAMP*),
 *         "element_type" T (ARRAY), "key_type"/"value_type" T (MAP),
 *         "fields": [{ "name", "field_type" T, "description"?, "field_id"? }] (ROW) }
 *
 * Where Java is lenient because its writer never produces the form (e.g. asText() on
 * a number), we accept what a human could plausibly write in a TABLE.json and reject
 * what would make us write different bytes than Fluss expects. Every error names the
 * JSON path of the offending value.
 */
#include "table_desc.h"

#include "buf.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct parse_ctx {
    char *errstr;
    size_t errstr_size;
    int failed;
} parse_ctx_t;

__attribute__((format(printf, 3, 4))) static void fail(parse_ctx_t *c, const char *path,
                                                       const char *fmt, ...) {
    if (c->failed) return; /* keep the first, most specific error */
    c->failed = 1;
    if (!c->errstr || !c->errstr_size) return;
    int n = snprintf(c->errstr, c->errstr_size, "table descriptor %s: ", path);
    if (n < 0 || (size_t)n >= c->errstr_size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->errstr + n, c->errstr_size - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Paths are built in fixed stack buffers; a truncated path only shortens a message. */
#define PATH_MAX_ 256
static void path_key(char *out, const char *base, const char *key) {
    if (snprintf(out, PATH_MAX_, "%s.%s", base, key) >= PATH_MAX_) out[PATH_MAX_ - 2] = '~';
}
static void path_idx(char *out, const char *base, size_t i) {
    if (snprintf(out, PATH_MAX_, "%s[%zu]", base, i) >= PATH_MAX_) out[PATH_MAX_ - 2] = '~';
}

static char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static const char *json_type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* Reads an int field; `required` says whether absence is an error. Returns 1 when a
 * value was stored, 0 when absent, -1 on error. */
static int get_int(parse_ctx_t *c, const json_t *obj, const char *base, const char *key,
                   int required, long long lo, long long hi, int32_t *out) {
    char path[PATH_MAX_];
    path_key(path, base, key);
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) {
            fail(c, path, "is missing; it is required here");
            return -1;
        }
        return 0;
    }
    if (!json_is_integer(v)) {
        fail(c, path, "must be an integer, found %s", json_type_name(v));
        return -1;
    }
    long long x = json_integer_value(v);
    if (x < lo || x > hi) {
        fail(c, path, "is %lld, outside the allowed range %lld..%lld", x, lo, hi);
        return -1;
    }
    *out = (int32_t)x;
    return 1;
}

static const char *get_string(parse_ctx_t *c, const json_t *obj, const char *base,
                              const char *key, int required) {
    char path[PATH_MAX_];
    path_key(path, base, key);
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) fail(c, path, "is missing; it is required here");
        return NULL;
    }
    if (!json_is_string(v)) {
        fail(c, path, "must be a string, found %s", json_type_name(v));
        return NULL;
    }
    return json_string_value(v);
}

/* ---------------------------------------------------------------------------------- */
/* Data types                                                                          */
/* ---------------------------------------------------------------------------------- */

static kfb_datatype_t *parse_type(parse_ctx_t *c, const json_t *node, const char *path,
                                  int depth);


static kfb_datatype_t *heap_scalar(kfb_datatype_t v) {
    kfb_datatype_t *t = malloc(sizeof(*t));
    if (t) *t = v;
    return t;
}

static void free_fields(kfb_datafield_t *f, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(f[i].name);
        free(f[i].description);
        kfb_datatype_destroy(f[i].type);
    }
    free(f);
}

static kfb_datatype_t *parse_row(parse_ctx_t *c, const json_t *node, const char *path,
                                 int depth, bool nullable) {
    char fpath[PATH_MAX_], sub[PATH_MAX_];
    path_key(fpath, path, "fields");
    json_t *jf = json_object_get(node, "fields");
    if (!json_is_array(jf)) {
        fail(c, fpath, "must be an array of fields, found %s", jf ? json_type_name(jf) : "nothing");
        return NULL;
    }
    size_t n = json_array_size(jf);
    if (n == 0) {
        fail(c, fpath, "is empty; a ROW needs at least one field");
        return NULL;
    }
    kfb_datafield_t *fields = calloc(n, sizeof(*fields));
    if (!fields) {
        fail(c, fpath, "could not be stored: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char ipath[PATH_MAX_];
        path_idx(ipath, fpath, i);
        json_t *f = json_array_get(jf, i);
        if (!json_is_object(f)) {
            fail(c, ipath, "must be an object, found %s", json_type_name(f));
            goto err;
        }
        const char *fname = get_string(c, f, ipath, "name", 1);
        if (!fname) goto err;
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(fields[j].name, fname)) {
                fail(c, ipath, "repeats the field name \"%s\"", fname);
                goto err;
            }
        }
        const char *desc = get_string(c, f, ipath, "description", 0);
        if (c->failed) goto err;
        int32_t fid = -1;
        if (get_int(c, f, ipath, "field_id", 0, -1, INT32_MAX, &fid) < 0) goto err;
        fields[i].field_id = fid;
        fields[i].name = xstrdup(fname);
        if (desc) fields[i].description = xstrdup(desc);
        if (!fields[i].name || (desc && !fields[i].description)) {
            fail(c, ipath, "could not be stored: out of memory");
            goto err;
        }
        path_key(sub, ipath, "field_type");
        fields[i].type = parse_type(c, json_object_get(f, "field_type"), sub, depth + 1);
        if (!fields[i].type) goto err;
    }
    kfb_datatype_t *t = kfb_datatype_new_row(fields, n, nullable); /* owns fields */
    if (!t) fail(c, path, "could not be built: out of memory");
    return t;
err:
    free_fields(fields, n);
    return NULL;
}

static kfb_datatype_t *parse_type(parse_ctx_t *c, const json_t *node, const char *path,
                                  int depth) {
    char sub[PATH_MAX_];
    if (depth > 32) {
        fail(c, path, "nests types more than 32 levels deep");
        return NULL;
    }
    if (!json_is_object(node)) {
        fail(c, path, "must be a data type object, found %s", node ? json_type_name(node) : "nothing");
        return NULL;
    }
    const char *name = get_string(c, node, path, "type", 1);
    if (!name) return NULL;
    kfb_type_root_t root;
    if (kfb_type_root_from_json_name(name, strlen(name), &root) != KFB_ERR_OK) {
        path_key(sub, path, "type");
        fail(c, sub,
             "\"%s\" is not a Fluss type root (BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, "
             "FLOAT, DOUBLE, CHAR, STRING, BINARY, BYTES, DECIMAL, DATE, "
             "TIME_WITHOUT_TIME_ZONE, TIMESTAMP_WITHOUT_TIME_ZONE, "
             "TIMESTAMP_WITH_LOCAL_TIME_ZONE, ARRAY, MAP, ROW)",
             name);
        return NULL;
    }
    bool nullable = true;
    json_t *nv = json_object_get(node, "nullable");
    if (nv && !json_is_null(nv)) {
        if (!json_is_boolean(nv)) {
            path_key(sub, path, "nullable");
            fail(c, sub, "must be true or false, found %s", json_type_name(nv));
            return NULL;
        }
        nullable = json_is_true(nv);
    }

    kfb_datatype_t *t = NULL;
    int32_t p = 0, s = 0, len = 0;
    switch (root) {
    case KFB_TYPE_CHAR:
    case KFB_TYPE_BINARY:
        /* CharType/BinaryType: MIN_LENGTH 1, MAX_LENGTH Integer.MAX_VALUE */
        if (get_int(c, node, path, "length", 1, 1, INT32_MAX, &len) != 1) return NULL;
        t = heap_scalar(kfb_datatype_sized(root, len, nullable));
        break;
    case KFB_TYPE_DECIMAL:
        /* DecimalType: precision 1..38, scale 0..precision */
        if (get_int(c, node, path, "precision", 1, KFB_DECIMAL_MIN_PRECISION,
                    KFB_DECIMAL_MAX_PRECISION, &p) != 1)
            return NULL;
        if (get_int(c, node, path, "scale", 1, 0, KFB_DECIMAL_MAX_PRECISION, &s) != 1) return NULL;
        if (s > p) {
            path_key(sub, path, "scale");
            fail(c, sub, "is %d, larger than the precision %d", (int)s, (int)p);
            return NULL;
        }
        t = heap_scalar(kfb_datatype_decimal(p, s, nullable));
        break;
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        /* TimeType/TimestampType/LocalZonedTimestampType: precision 0..9 */
        if (get_int(c, node, path, "precision", 1, 0, KFB_TIMESTAMP_MAX_PRECISION, &p) != 1)
            return NULL;
        t = heap_scalar(kfb_datatype_timed(root, p, nullable));
        break;
    case KFB_TYPE_ARRAY: {
        path_key(sub, path, "element_type");
        kfb_datatype_t *el = parse_type(c, json_object_get(node, "element_type"), sub, depth + 1);
        if (!el) return NULL;
        t = kfb_datatype_new_array(el, nullable); /* owns el, also on failure */
        break;
    }
    case KFB_TYPE_MAP: {
        path_key(sub, path, "key_type");
        kfb_datatype_t *k = parse_type(c, json_object_get(node, "key_type"), sub, depth + 1);
        if (!k) return NULL;
        path_key(sub, path, "value_type");
        kfb_datatype_t *v = parse_type(c, json_object_get(node, "value_type"), sub, depth + 1);
        if (!v) {
            kfb_datatype_destroy(k);
            return NULL;
        }
        t = kfb_datatype_new_map(k, v, nullable);
        break;
    }
    case KFB_TYPE_ROW:
        return parse_row(c, node, path, depth, nullable);
    default:
        t = heap_scalar(kfb_datatype_make(root, nullable));
        break;
    }
    if (!t) fail(c, path, "could not be built: out of memory");
    return t;
}

/* ---------------------------------------------------------------------------------- */
/* Descriptor                                                                          */
/* ---------------------------------------------------------------------------------- */

static void free_props(kfb_table_property_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(p[i].key);
        free(p[i].value);
    }
    free(p);
}

void kfb_table_desc_destroy(kfb_table_desc_t *td) {
    if (!td) return;
    for (size_t i = 0; i < td->column_count; i++) {
        free(td->columns[i].name);
        free(td->columns[i].comment);
        free(td->columns[i].agg_function);
        kfb_datatype_clear(&td->column_types[i]);
    }
    free(td->columns);
    free(td->column_names);
    free(td->column_types);
    free(td->primary_key);
    free(td->physical_primary_key);
    free(td->partition_keys);
    free(td->bucket_keys);
    free(td->comment);
    free_props(td->properties, td->property_count);
    free_props(td->custom_properties, td->custom_property_count);
    free(td->versioned_ver_column);
    free(td);
}

int kfb_table_desc_column_index(const kfb_table_desc_t *td, const char *name) {
    for (size_t i = 0; i < td->column_count; i++)
        if (!strcmp(td->columns[i].name, name)) return (int)i;
    return -1;
}

const char *kfb_table_desc_property(const kfb_table_desc_t *td, const char *key) {
    for (size_t i = 0; i < td->property_count; i++)
        if (!strcmp(td->properties[i].key, key)) return td->properties[i].value;
    return NULL;
}

static int parse_props(parse_ctx_t *c, const json_t *root, const char *key, int required,
                       kfb_table_property_t **out, size_t *count) {
    char path[PATH_MAX_];
    path_key(path, "$", key);
    json_t *obj = json_object_get(root, key);
    if (!obj || json_is_null(obj)) {
        if (required) {
            fail(c, path, "is missing; write {} for no properties");
            return -1;
        }
        return 0;
    }
    if (!json_is_object(obj)) {
        fail(c, path, "must be an object of string values, found %s", json_type_name(obj));
        return -1;
    }
    size_t n = json_object_size(obj);
    kfb_table_property_t *props = calloc(n ? n : 1, sizeof(*props));
    if (!props) {
        fail(c, path, "could not be stored: out of memory");
        return -1;
    }
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        char vpath[PATH_MAX_];
        path_key(vpath, path, k);
        char num[32];
        const char *text = NULL;
        /* Java reads values with asText(): accept scalars a human may write unquoted. */
        if (json_is_string(v)) text = json_string_value(v);
        else if (json_is_integer(v)) {
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
            text = num;
        } else if (json_is_boolean(v)) text = json_is_true(v) ? "true" : "false";
        else {
            fail(c, vpath, "must be a string, found %s", json_type_name(v));
            free_props(props, i);
            return -1;
        }
        props[i].key = xstrdup(k);
        props[i].value = xstrdup(text);
        i++;
        if (!props[i - 1].key || !props[i - 1].value) {
            fail(c, vpath, "could not be stored: out of memory");
            free_props(props, i);
            return -1;
        }
    }
    *out = props;
    *count = i;
    return 0;
}

/* Resolves an array of column names to indexes. Returns 0 or -1. */
static int parse_name_list(parse_ctx_t *c, const kfb_table_desc_t *td, const json_t *arr,
                           const char *path, const char *what, int **out, size_t *count) {
    if (!json_is_array(arr)) {
        fail(c, path, "must be an array of column names, found %s", arr ? json_type_name(arr) : "nothing");
        return -1;
    }
    size_t n = json_array_size(arr);
    int *idx = malloc((n ? n : 1) * sizeof(int));
    if (!idx) {
        fail(c, path, "could not be stored: out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char ipath[PATH_MAX_];
        path_idx(ipath, path, i);
        json_t *v = json_array_get(arr, i);
        if (!json_is_string(v)) {
            fail(c, ipath, "must be a column name string, found %s", json_type_name(v));
            free(idx);
            return -1;
        }
        int ci = kfb_table_desc_column_index(td, json_string_value(v));
        if (ci < 0) {
            fail(c, ipath, "names %s column \"%s\", which the schema does not have", what,
                 json_string_value(v));
            free(idx);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (idx[j] == ci) {
                fail(c, ipath, "repeats %s column \"%s\"", what, json_string_value(v));
                free(idx);
                return -1;
            }
        }
        idx[i] = ci;
    }
    *out = idx;
    *count = n;
    return 0;
}

static int in_list(const int *list, size_t n, int v) {
    for (size_t i = 0; i < n; i++)
        if (list[i] == v) return 1;
    return 0;
}

/* Writes "[a, b]" for messages. */
static void names_of(const kfb_table_desc_t *td, const int *idx, size_t n, char *out,
                     size_t out_size) {
    size_t pos = 0;
    int w = snprintf(out, out_size, "[");
    if (w > 0) pos = (size_t)w;
    for (size_t i = 0; i < n && pos < out_size; i++) {
        w = snprintf(out + pos, out_size - pos, "%s%s", i ? ", " : "", td->columns[idx[i]].name);
        if (w < 0) return;
        pos += (size_t)w;
    }
    if (pos < out_size) snprintf(out + pos, out_size - pos, "]");
}

static int parse_columns(parse_ctx_t *c, kfb_table_desc_t *td, const json_t *schema) {
    json_t *cols = json_object_get(schema, "columns");
    const char *path = "$.schema.columns";
    if (!json_is_array(cols)) {
        fail(c, path, "must be an array of columns, found %s", cols ? json_type_name(cols) : "nothing");
        return -1;
    }
    size_t n = json_array_size(cols);
    if (n == 0) {
        fail(c, path, "is empty; a table needs at least one column");
        return -1;
    }
    td->columns = calloc(n, sizeof(*td->columns));
    td->column_names = calloc(n, sizeof(*td->column_names));
    td->column_types = calloc(n, sizeof(*td->column_types));
    if (!td->columns || !td->column_names || !td->column_types) {
        fail(c, path, "could not be stored: out of memory");
        return -1;
    }
    int with_id = 0, without_id = 0;
    for (size_t i = 0; i < n; i++) {
        char cpath[PATH_MAX_], sub[PATH_MAX_];
        path_idx(cpath, path, i);
        json_t *col = json_array_get(cols, i);
        if (!json_is_object(col)) {
            fail(c, cpath, "must be a column object, found %s", json_type_name(col));
            return -1;
        }
        const char *name = get_string(c, col, cpath, "name", 1);
        if (!name) return -1;
        if (!*name) {
            path_key(sub, cpath, "name");
            fail(c, sub, "is empty");
            return -1;
        }
        if (kfb_table_desc_column_index(td, name) >= 0) {
            path_key(sub, cpath, "name");
            fail(c, sub, "repeats column \"%s\"; column names must be unique", name);
            return -1;
        }
        kfb_table_column_t *tc = &td->columns[i];
        tc->name = xstrdup(name);
        td->column_count = i + 1; /* from here on destroy() frees this column */
        if (!tc->name) {
            fail(c, cpath, "could not be stored: out of memory");
            return -1;
        }
        path_key(sub, cpath, "data_type");
        td->column_names[i] = tc->name;
        kfb_datatype_t *t = parse_type(c, json_object_get(col, "data_type"), sub, 0);
        if (!t) return -1;
        td->column_types[i] = *t; /* moves the children too */
        free(t);
        tc->type = &td->column_types[i];
        const char *comment = get_string(c, col, cpath, "comment", 0);
        if (c->failed) return -1;
        if (comment && !(tc->comment = xstrdup(comment))) {
            fail(c, cpath, "could not be stored: out of memory");
            return -1;
        }
        json_t *agg = json_object_get(col, "agg_function");
        if (agg && !json_is_null(agg)) {
            path_key(sub, cpath, "agg_function");
            if (!json_is_object(agg)) {
                fail(c, sub, "must be an object {\"type\": ...}, found %s", json_type_name(agg));
                return -1;
            }
            const char *aggtype = get_string(c, agg, sub, "type", 1);
            if (!aggtype) return -1;
            if (!(tc->agg_function = xstrdup(aggtype))) {
                fail(c, sub, "could not be stored: out of memory");
                return -1;
            }
        }
        int32_t id = -1;
        int got = get_int(c, col, cpath, "id", 0, 0, INT32_MAX, &id);
        if (got < 0) return -1;
        if (got) with_id++;
        else without_id++;
        tc->id = got ? id : (int32_t)i;
    }
    if (with_id && without_id) {
        /* Schema.Builder.fromColumns: all or none */
        fail(c, path, "mixes columns with and without \"id\"; give every column an id or none");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (td->columns[i].id == td->columns[j].id) {
                char cpath[PATH_MAX_];
                path_idx(cpath, path, i);
                fail(c, cpath, "has id %d, already used by column \"%s\"", (int)td->columns[i].id,
                     td->columns[j].name);
                return -1;
            }
        }
    }
    return 0;
}

static int is_key_type_ok(const kfb_datatype_t *t) {
    /* TableDescriptorValidation.KEY_UNSUPPORTED_TYPES */
    return !kfb_type_root_is_nested(t->root);
}

static int is_partition_type_ok(const kfb_datatype_t *t) {
    /* PartitionUtils.PARTITION_KEY_SUPPORTED_TYPES */
    switch (t->root) {
    case KFB_TYPE_CHAR: case KFB_TYPE_STRING: case KFB_TYPE_BOOLEAN: case KFB_TYPE_BINARY:
    case KFB_TYPE_BYTES: case KFB_TYPE_TINYINT: case KFB_TYPE_SMALLINT: case KFB_TYPE_INTEGER:
    case KFB_TYPE_DATE: case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: case KFB_TYPE_BIGINT:
    case KFB_TYPE_FLOAT: case KFB_TYPE_DOUBLE: case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return 1;
    default:
        return 0;
    }
}

static int parse_keys(parse_ctx_t *c, kfb_table_desc_t *td, const json_t *root,
                      const json_t *schema) {
    char list1[512], list2[512];
    json_t *pk = json_object_get(schema, "primary_key");
    if (pk && !json_is_null(pk)) {
        if (parse_name_list(c, td, pk, "$.schema.primary_key", "primary-key", &td->primary_key,
                            &td->primary_key_count) != 0)
            return -1;
        if (td->primary_key_count == 0) {
            fail(c, "$.schema.primary_key", "is empty; omit it for a log table or name at least one column");
            return -1;
        }
        for (size_t i = 0; i < td->primary_key_count; i++) {
            kfb_table_column_t *col = &td->columns[td->primary_key[i]];
            if (!is_key_type_ok(col->type)) {
                char p[PATH_MAX_];
                path_idx(p, "$.schema.primary_key", i);
                fail(c, p, "column \"%s\" has a nested type; primary-key columns cannot be ARRAY, MAP or ROW",
                     col->name);
                return -1;
            }
            if (col->agg_function) {
                char p[PATH_MAX_];
                path_idx(p, "$.schema.primary_key", i);
                fail(c, p, "column \"%s\" has an agg_function; primary-key columns cannot", col->name);
                return -1;
            }
            /* Schema.normalizeColumns: a PK forces NOT NULL */
            col->type->nullable = false;
        }
    }

    td->auto_increment_column = -1;
    json_t *ai = json_object_get(schema, "auto_increment_column");
    if (ai && !json_is_null(ai)) {
        int *idx = NULL;
        size_t n = 0;
        if (parse_name_list(c, td, ai, "$.schema.auto_increment_column", "auto-increment", &idx,
                            &n) != 0)
            return -1;
        int first = n ? idx[0] : -1;
        free(idx);
        if (n > 1) {
            /* Schema.Builder.enableAutoIncrement */
            fail(c, "$.schema.auto_increment_column", "names %zu columns; Fluss supports one", n);
            return -1;
        }
        if (first >= 0) {
            kfb_type_root_t r = td->columns[first].type->root;
            if (!td->primary_key || in_list(td->primary_key, td->primary_key_count, first) ||
                (r != KFB_TYPE_INTEGER && r != KFB_TYPE_BIGINT)) {
                fail(c, "$.schema.auto_increment_column[0]",
                     "\"%s\" cannot be an auto-increment column: it must be an INTEGER or BIGINT "
                     "non-key column of a primary-key table",
                     td->columns[first].name);
                return -1;
            }
        }
        td->auto_increment_column = first;
    }

    json_t *parts = json_object_get(root, "partition_key");
    if (!parts || json_is_null(parts)) {
        fail(c, "$.partition_key", "is missing; write [] for a table without partitions");
        return -1;
    }
    if (parse_name_list(c, td, parts, "$.partition_key", "partition", &td->partition_keys,
                        &td->partition_key_count) != 0)
        return -1;
    for (size_t i = 0; i < td->partition_key_count; i++) {
        int ci = td->partition_keys[i];
        char p[PATH_MAX_];
        path_idx(p, "$.partition_key", i);
        if (td->primary_key && !in_list(td->primary_key, td->primary_key_count, ci)) {
            names_of(td, td->primary_key, td->primary_key_count, list1, sizeof(list1));
            fail(c, p, "\"%s\" is not in the primary key %s; a partitioned primary-key table needs "
                       "its partition keys inside the primary key",
                 td->columns[ci].name, list1);
            return -1;
        }
        if (!is_partition_type_ok(td->columns[ci].type)) {
            fail(c, p, "column \"%s\" has a type that cannot be a partition key", td->columns[ci].name);
            return -1;
        }
    }

    /* TableInfo.generatePhysicalPrimaryKey */
    if (td->primary_key) {
        td->physical_primary_key = malloc(td->primary_key_count * sizeof(int));
        if (!td->physical_primary_key) {
            fail(c, "$.schema.primary_key", "could not be stored: out of memory");
            return -1;
        }
        for (size_t i = 0; i < td->primary_key_count; i++)
            if (!in_list(td->partition_keys, td->partition_key_count, td->primary_key[i]))
                td->physical_primary_key[td->physical_primary_key_count++] = td->primary_key[i];
        if (td->physical_primary_key_count == 0) {
            names_of(td, td->primary_key, td->primary_key_count, list1, sizeof(list1));
            fail(c, "$.schema.primary_key",
                 "%s is the same as the partition keys; the primary key needs at least one "
                 "column that is not a partition key",
                 list1);
            return -1;
        }
    }

    /* TableDescriptorJsonSerde: bucket_count without bucket_key is read as a distribution
     * whose bucket_key Java dereferences unconditionally; we accept it as "no explicit
     * bucket keys" rather than crash. */
    json_t *bk = json_object_get(root, "bucket_key");
    if (bk && !json_is_null(bk)) {
        if (parse_name_list(c, td, bk, "$.bucket_key", "bucket-key", &td->bucket_keys,
                            &td->bucket_key_count) != 0)
            return -1;
    }
    td->bucket_count = -1;
    /* max.bucket.num defaults to 128000 per cluster; the hard ceiling is the int32 range */
    if (get_int(c, root, "$", "bucket_count", 0, 1, INT32_MAX, &td->bucket_count) < 0) return -1;

    /* TableDescriptor.normalizeDistribution */
    for (size_t i = 0; i < td->bucket_key_count; i++) {
        if (in_list(td->partition_keys, td->partition_key_count, td->bucket_keys[i])) {
            char p[PATH_MAX_];
            path_idx(p, "$.bucket_key", i);
            fail(c, p, "\"%s\" is a partition key; bucket keys cannot include partition keys",
                 td->columns[td->bucket_keys[i]].name);
            return -1;
        }
    }
    if (td->primary_key) {
        if (td->bucket_key_count == 0) {
            free(td->bucket_keys);
            td->bucket_keys = malloc(td->physical_primary_key_count * sizeof(int));
            if (!td->bucket_keys) {
                fail(c, "$.bucket_key", "could not be stored: out of memory");
                return -1;
            }
            memcpy(td->bucket_keys, td->physical_primary_key,
                   td->physical_primary_key_count * sizeof(int));
            td->bucket_key_count = td->physical_primary_key_count;
        } else {
            for (size_t i = 0; i < td->bucket_key_count; i++) {
                if (!in_list(td->primary_key, td->primary_key_count, td->bucket_keys[i])) {
                    char p[PATH_MAX_];
                    path_idx(p, "$.bucket_key", i);
                    names_of(td, td->primary_key, td->primary_key_count, list1, sizeof(list1));
                    names_of(td, td->partition_keys, td->partition_key_count, list2, sizeof(list2));
                    fail(c, p,
                         "\"%s\" is not in the primary key; bucket keys must be a subset of the "
                         "primary key %s excluding the partition keys %s",
                         td->columns[td->bucket_keys[i]].name, list1, list2);
                    return -1;
                }
            }
        }
        td->default_bucket_key =
            td->bucket_key_count == td->physical_primary_key_count &&
            !memcmp(td->bucket_keys, td->physical_primary_key, td->bucket_key_count * sizeof(int));
    }
    for (size_t i = 0; i < td->bucket_key_count; i++) {
        if (!is_key_type_ok(td->columns[td->bucket_keys[i]].type)) {
            char p[PATH_MAX_];
            path_idx(p, "$.bucket_key", i);
            fail(c, p, "column \"%s\" has a nested type; bucket-key columns cannot be ARRAY, MAP or ROW",
                 td->columns[td->bucket_keys[i]].name);
            return -1;
        }
    }
    return 0;
}

/* Case-insensitive enum lookup (ConfigurationUtils.convertToEnum). */
static int enum_lookup(parse_ctx_t *c, const kfb_table_desc_t *td, const char *key,
                       const char *const *names, int count, int *out) {
    const char *v = kfb_table_desc_property(td, key);
    if (!v) return 0;
    for (int i = 0; i < count; i++) {
        if (!strcasecmp(v, names[i])) {
            *out = i;
            return 1;
        }
    }
    char path[PATH_MAX_], allowed[256];
    size_t pos = 0;
    for (int i = 0; i < count && pos < sizeof(allowed); i++) {
        int w = snprintf(allowed + pos, sizeof(allowed) - pos, "%s%s", i ? ", " : "", names[i]);
        if (w < 0) break;
        pos += (size_t)w;
    }
    snprintf(path, sizeof(path), "$.properties[\"%s\"]", key);
    fail(c, path, "is \"%s\"; expected one of %s", v, allowed);
    return -1;
}

static int parse_bool_prop(parse_ctx_t *c, const kfb_table_desc_t *td, const char *key, int *out) {
    const char *v = kfb_table_desc_property(td, key);
    if (!v) return 0;
    if (!strcasecmp(v, "true")) *out = 1;
    else if (!strcasecmp(v, "false")) *out = 0;
    else {
        char path[PATH_MAX_];
        snprintf(path, sizeof(path), "$.properties[\"%s\"]", key);
        fail(c, path, "is \"%s\"; expected true or false", v);
        return -1;
    }
    return 0;
}

static const char *const kv_format_names[] = {"COMPACTED", "INDEXED"};
static const char *const datalake_names[] = {"none", "paimon", "lance", "iceberg", "hudi"};
static const char *const merge_engine_names[] = {"none", "first_row", "versioned", "aggregation"};
static const char *const delete_names[] = {"ALLOW", "IGNORE", "DISABLE"};

const char *kfb_kv_format_name(kfb_kv_format_t f) {
    return (unsigned)f < 2 ? kv_format_names[f] : "?";
}
const char *kfb_datalake_format_name(kfb_datalake_format_t f) {
    return (unsigned)f < 5 ? datalake_names[f] : "?";
}
const char *kfb_merge_engine_name(kfb_merge_engine_t m) {
    return (unsigned)m < 4 ? merge_engine_names[m] : "?";
}
const char *kfb_delete_behavior_name(kfb_delete_behavior_t d) {
    return (unsigned)d < 3 ? delete_names[d] : "?";
}

static int parse_typed_props(parse_ctx_t *c, kfb_table_desc_t *td) {
    int v;
    if (enum_lookup(c, td, "table.kv.format", kv_format_names, 2, &v) < 0) return -1;
    if (c->failed) return -1;
    td->kv_format = kfb_table_desc_property(td, "table.kv.format") ? (kfb_kv_format_t)v
                                                                   : KFB_KV_FORMAT_COMPACTED;
    td->kv_format_version = 1;
    const char *ver = kfb_table_desc_property(td, "table.kv.format-version");
    if (ver) {
        char *end;
        errno = 0;
        long x = strtol(ver, &end, 10);
        if (errno || end == ver || *end || x < 1 || x > INT32_MAX) {
            fail(c, "$.properties[\"table.kv.format-version\"]", "is \"%s\"; expected a positive integer", ver);
            return -1;
        }
        td->kv_format_version = (int32_t)x;
    }
    /* datalake names are matched without the "none" slot */
    int r = enum_lookup(c, td, "table.datalake.format", datalake_names + 1, 4, &v);
    if (r < 0) return -1;
    td->datalake_format = r ? (kfb_datalake_format_t)(v + 1) : KFB_DATALAKE_NONE;
    r = enum_lookup(c, td, "table.merge-engine", merge_engine_names + 1, 3, &v);
    if (r < 0) return -1;
    td->merge_engine = r ? (kfb_merge_engine_t)(v + 1) : KFB_MERGE_ENGINE_NONE;
    r = enum_lookup(c, td, "table.delete.behavior", delete_names, 3, &v);
    if (r < 0) return -1;
    td->delete_behavior_explicit = r;
    if (r) td->delete_behavior = (kfb_delete_behavior_t)v;
    else td->delete_behavior = td->merge_engine != KFB_MERGE_ENGINE_NONE ? KFB_DELETE_IGNORE
                                                                         : KFB_DELETE_ALLOW;
    if (parse_bool_prop(c, td, "table.datalake.enabled", &td->datalake_enabled) < 0) return -1;
    if (parse_bool_prop(c, td, "table.auto-partition.enabled", &td->auto_partition_enabled) < 0)
        return -1;
    const char *vc = kfb_table_desc_property(td, "table.merge-engine.versioned.ver-column");
    if (vc && !(td->versioned_ver_column = xstrdup(vc))) {
        fail(c, "$.properties", "could not be stored: out of memory");
        return -1;
    }
    return 0;
}

kfb_table_desc_t *kfb_table_desc_parse(const char *json, size_t len, char *errstr,
                                       size_t errstr_size) {
    parse_ctx_t c = {errstr, errstr_size, 0};
    if (errstr && errstr_size) errstr[0] = '\0';
    if (!json) {
        fail(&c, "$", "is missing (NULL input)");
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        char where[64];
        snprintf(where, sizeof(where), "line %d column %d", jerr.line, jerr.column);
        fail(&c, where, "is not valid JSON: %s", jerr.text);
        return NULL;
    }
    kfb_table_desc_t *td = calloc(1, sizeof(*td));
    if (!td) {
        json_decref(root);
        fail(&c, "$", "could not be stored: out of memory");
        return NULL;
    }
    td->highest_field_id = -1;
    td->bucket_count = -1;
    int32_t version = 0;
    json_t *schema;
    if (!json_is_object(root)) {
        fail(&c, "$", "must be a JSON object, found %s", json_type_name(root));
        goto err;
    }
    if (get_int(&c, root, "$", "version", 0, 1, 1, &version) < 0) goto err;
    schema = json_object_get(root, "schema");
    if (!json_is_object(schema)) {
        fail(&c, "$.schema", "must be a schema object, found %s", schema ? json_type_name(schema) : "nothing");
        goto err;
    }
    if (get_int(&c, schema, "$.schema", "version", 0, 1, 1, &version) < 0) goto err;
    if (parse_columns(&c, td, schema) != 0) goto err;
    int32_t hid = -1;
    int got = get_int(&c, schema, "$.schema", "highest_field_id", 0, -1, INT32_MAX, &hid);
    if (got < 0) goto err;
    {
        int32_t maxid = -1;
        for (size_t i = 0; i < td->column_count; i++)
            if (td->columns[i].id > maxid) maxid = td->columns[i].id;
        /* Schema.checkFieldIds: highest_field_id >= every column id */
        if (got && hid < maxid) {
            fail(&c, "$.schema.highest_field_id", "is %d, below the largest column id %d", (int)hid,
                 (int)maxid);
            goto err;
        }
        td->highest_field_id = got ? hid : maxid;
    }
    if (parse_keys(&c, td, root, schema) != 0) goto err;
    const char *comment = get_string(&c, root, "$", "comment", 0);
    if (c.failed) goto err;
    if (comment && !(td->comment = xstrdup(comment))) {
        fail(&c, "$.comment", "could not be stored: out of memory");
        goto err;
    }
    if (parse_props(&c, root, "properties", 1, &td->properties, &td->property_count) != 0) goto err;
    if (parse_props(&c, root, "custom_properties", 0, &td->custom_properties,
                    &td->custom_property_count) != 0)
        goto err;
    if (parse_typed_props(&c, td) != 0) goto err;
    json_decref(root);
    return td;
err:
    json_decref(root);
    kfb_table_desc_destroy(td);
    return NULL;
}

kfb_table_desc_t *kfb_table_desc_load_file(const char *path, char *errstr, size_t errstr_size) {
    kfb_buf_t b = KFB_BUF_INIT;
    int sys = 0;
    kfb_err_t err = kfb_buf_read_file(&b, path, 0, &sys);
    if (err) {
        snprintf(errstr, errstr_size, "cannot open table descriptor %s: %s", path,
                 err == KFB_ERR_IO ? strerror(sys) : kfb_err_message(err));
        kfb_buf_free(&b);
        return NULL;
    }
    char inner[512];
    kfb_table_desc_t *td = kfb_table_desc_parse((const char *)b.data, b.len, inner, sizeof(inner));
    kfb_buf_free(&b);
    if (!td) snprintf(errstr, errstr_size, "%s: %s", path, inner);
    return td;
}
