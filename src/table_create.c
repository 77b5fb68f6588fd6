/*
 * table_create.c - a Fluss table from an Avro writer schema (table_create.h): the type
 * table, the TableDescriptor JSON in TableDescriptorJsonSerde's form, the Flink SQL view
 * of it, and CreateDatabase/CreateTable with racing bridges.
 *
 * Java references (apache/fluss fluss-common/src/main/java/org/apache/fluss/):
 *   utils/json/TableDescriptorJsonSerde.java, SchemaJsonSerde.java, ColumnJsonSerde.java,
 *   DataTypeJsonSerde.java (key order), metadata/Schema.java + types/ReassignFieldId.java
 *   (column and ROW field ids), metadata/TableDescriptor.java normalizeDistribution (the
 *   bucket key of a primary-key table); fluss-server/.../utils/TableDescriptorValidation
 *   .java (reserved column names), coordinator/CoordinatorService.java createTable
 *   (TABLE_ALREADY_EXIST unless ignore_if_exists).
 */
#include "table_create.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fluss_api.pb-c.h"
#include "fluss_errors.h"
#include "logging.h"
#include "rpc_frame.h"

#define FAC "table"


void kfb_table_create_opts_init(kfb_table_create_opts_t *o) {
    memset(o, 0, sizeof *o);
    kfb_mapper_config_init(&o->mapping);
}

void kfb_table_create_opts_from_mapping(const kfb_config_mapping_t *mc, kfb_table_create_opts_t *o) {
    kfb_table_create_opts_init(o);
    kfb_config_mapper_config(mc, &o->mapping);
    o->primary_key = mc->primary_key;
    o->n_primary_key = mc->n_primary_key;
    o->bucket_count = mc->bucket_count;
    o->bucket_key = mc->bucket_key;
    o->n_bucket_key = mc->n_bucket_key;
    o->partition_keys = mc->partition_keys;
    o->n_partition_keys = mc->n_partition_keys;
    o->properties = mc->table_properties;
    o->n_properties = mc->n_table_properties;
}

/* ---- the type table ------------------------------------------------------------------ */

const kfb_avro_node_t *kfb_table_value_record(const kfb_avro_schema_t *schema,
                                              kfb_mapper_format_t format, char *errstr,
                                              size_t errstr_size) {
    const kfb_avro_node_t *root = kfb_avro_schema_root(schema);
    if (format == KFB_MAPPER_FORMAT_DEBEZIUM) {
        const kfb_avro_field_t *after = root->type == KFB_AVRO_RECORD ? kfb_avro_record_field(root, "after") : NULL;
        const kfb_avro_node_t *rec = after ? kfb_avro_nullable_inner(after->type) : NULL;
        if (!rec || rec->type != KFB_AVRO_RECORD) {
            kfb_errstr_set(errstr, errstr_size,
                    "the writer schema %s is not a Debezium envelope with an `after` record (a union of null "
                    "and a record); is format: debezium right?",
                    root->name ? root->name : kfb_avro_type_name(root->type));
            return NULL;
        }
        return rec;
    }
    if (root->type != KFB_AVRO_RECORD) {
        kfb_errstr_set(errstr, errstr_size, "the writer schema's top-level type is %s; a table is made from a record",
                kfb_avro_type_name(root->type));
        return NULL;
    }
    return root;
}

/* The last component of a field path: union rules name fields by it (mapper_compile.c). */
static const char *last_name(const char *path) {
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

static const char *union_rule(const kfb_table_create_opts_t *o, const char *field) {
    for (size_t i = 0; i < o->mapping.n_union_rules; i++)
        if (!strcmp(o->mapping.union_rules[i].field, field)) return o->mapping.union_rules[i].branch;
    return NULL;
}

/* The branch a union rule names, matched as the mapper matches it. */
static const kfb_avro_node_t *rule_branch(const kfb_avro_node_t *u, const char *want) {
    const kfb_avro_node_t *hit = NULL;
    for (size_t b = 0; b < u->n_branches; b++) {
        const kfb_avro_node_t *br = u->branches[b];
        if (br->type == KFB_AVRO_NULL) continue;
        if (!strcmp(want, kfb_avro_type_name(br->type)) || (br->name && !strcmp(want, br->name)) ||
            (br->logical != KFB_AVRO_LOGICAL_NONE && !strcmp(want, kfb_avro_logical_type_name(br->logical))))
            hit = br;
    }
    return hit;
}

#define REFUSE(...)                                                                                   \
    do {                                                                                              \
        kfb_errstr_set(errstr, errstr_size, __VA_ARGS__);                                                    \
        return KFB_ERR_UNSUPPORTED_TYPE;                                                              \
    } while (0)

static kfb_err_t column_type(const kfb_avro_node_t *a, const char *path, const kfb_table_create_opts_t *o,
                             int depth, kfb_datatype_t **out, char *errstr, size_t errstr_size);

/* ARRAY<T> / MAP<STRING NOT NULL, T> of scalar T, as the mapper writes them (BinaryArray /
 * BinaryMap of scalar elements only, mapper_compile.c compile_collection). */
static kfb_err_t collection_type(const kfb_avro_node_t *a, const char *path, const kfb_table_create_opts_t *o,
                                 int depth, bool nullable, kfb_datatype_t **out, char *errstr,
                                 size_t errstr_size) {
    char epath[512];
    snprintf(epath, sizeof epath, "%s[]", path);
    const kfb_avro_node_t *inner = kfb_avro_nullable_inner(a->items);
    kfb_avro_type_t et = inner ? inner->type : KFB_AVRO_UNION;
    if (et == KFB_AVRO_RECORD || et == KFB_AVRO_ARRAY || et == KFB_AVRO_MAP)
        REFUSE("field %s is an Avro %s of %ss, which the bridge does not write yet (only %ss of scalar "
               "values); list the field in ignore",
               path, kfb_avro_type_name(a->type), kfb_avro_type_name(et), kfb_avro_type_name(a->type));
    kfb_datatype_t *elem = NULL;
    kfb_err_t e = column_type(a->items, epath, o, depth + 1, &elem, errstr, errstr_size);
    if (e) return e;
    if (a->type == KFB_AVRO_ARRAY) {
        *out = kfb_datatype_new_array(elem, nullable);
    } else {
        kfb_datatype_t *key = malloc(sizeof *key);
        if (key) *key = kfb_datatype_make(KFB_TYPE_STRING, false); /* Avro map keys are never null */
        else kfb_datatype_destroy(elem);
        *out = key ? kfb_datatype_new_map(key, elem, nullable) : NULL;
    }
    if (!*out) {
        kfb_errstr_set(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    return KFB_ERR_OK;
}

static kfb_err_t row_type(const kfb_avro_node_t *a, const char *path, const kfb_table_create_opts_t *o, int depth,
                          bool nullable, kfb_datatype_t **out, char *errstr, size_t errstr_size) {
    kfb_datafield_t *fields = calloc(a->n_fields ? a->n_fields : 1, sizeof *fields);
    if (!fields) {
        kfb_errstr_set(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    kfb_err_t e = KFB_ERR_OK;
    size_t n = 0;
    for (; n < a->n_fields && !e; n++) {
        const kfb_avro_field_t *f = &a->fields[n];
        char fpath[512];
        snprintf(fpath, sizeof fpath, "%s.%s", path, f->name);
        fields[n].field_id = -1;
        fields[n].name = strdup(f->name);
        if (!fields[n].name) {
            kfb_errstr_set(errstr, errstr_size, "out of memory");
            e = KFB_ERR_NOMEM;
            break;
        }
        e = column_type(f->type, fpath, o, depth + 1, &fields[n].type, errstr, errstr_size);
    }
    if (e) {
        for (size_t i = 0; i <= n && i < a->n_fields; i++) {
            free(fields[i].name);
            kfb_datatype_destroy(fields[i].type);
        }
        free(fields);
        return e;
    }
    *out = kfb_datatype_new_row(fields, a->n_fields, nullable);
    if (!*out) {
        kfb_errstr_set(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    return KFB_ERR_OK;
}

static kfb_err_t column_type(const kfb_avro_node_t *a, const char *path, const kfb_table_create_opts_t *o,
                             int depth, kfb_datatype_t **out, char *errstr, size_t errstr_size) {
    *out = NULL;
    bool nullable = false;
    if (depth > KFB_AVRO_MAX_DEPTH) REFUSE("field %s nests more than %d levels deep", path, KFB_AVRO_MAX_DEPTH);
    if (a->type == KFB_AVRO_UNION) {
        const kfb_avro_node_t *inner = kfb_avro_nullable_inner(a);
        if (inner && a->n_branches == 2) {
            nullable = true;
            a = inner;
        } else {
            const char *want = union_rule(o, last_name(path));
            const kfb_avro_node_t *br = want ? rule_branch(a, want) : NULL;
            if (want && !br) REFUSE("field %s is a union without a branch \"%s\" (the configured union rule)", path, want);
            if (!br)
                REFUSE("field %s is a union of %zu types; only unions of null and one type have a column type "
                       "(configure a union rule naming the branch to keep, or list the field in ignore)",
                       path, a->n_branches);
            nullable = a->null_branch >= 0;
            a = br;
        }
    }
    kfb_datatype_t t;
    switch (a->logical) {
    case KFB_AVRO_LOGICAL_DECIMAL:
        if (a->precision > KFB_DECIMAL_MAX_PRECISION)
            REFUSE("field %s is decimal(%d, %d); Fluss decimals hold at most %d digits (narrow the producer's "
                   "type, or list the field in ignore)",
                   path, (int)a->precision, (int)a->scale, KFB_DECIMAL_MAX_PRECISION);
        t = kfb_datatype_decimal(a->precision, a->scale, nullable);
        goto scalar;
    case KFB_AVRO_LOGICAL_UUID: t = kfb_datatype_make(KFB_TYPE_STRING, nullable); goto scalar;
    case KFB_AVRO_LOGICAL_DATE: t = kfb_datatype_make(KFB_TYPE_DATE, nullable); goto scalar;
    case KFB_AVRO_LOGICAL_TIME_MILLIS:
    case KFB_AVRO_LOGICAL_TIME_MICROS:
        t = kfb_datatype_timed(KFB_TYPE_TIME_WITHOUT_TIME_ZONE,
                               a->logical == KFB_AVRO_LOGICAL_TIME_MILLIS ? 3 : 6, nullable);
        goto scalar;
    case KFB_AVRO_LOGICAL_TIMESTAMP_MILLIS:
    case KFB_AVRO_LOGICAL_TIMESTAMP_MICROS:
    case KFB_AVRO_LOGICAL_TIMESTAMP_NANOS:
        t = kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE,
                               3 * (1 + (int)(a->logical - KFB_AVRO_LOGICAL_TIMESTAMP_MILLIS)), nullable);
        goto scalar;
    case KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MILLIS:
    case KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MICROS:
    case KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_NANOS:
        t = kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE,
                               3 * (1 + (int)(a->logical - KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MILLIS)), nullable);
        goto scalar;
    default: break;
    }
    switch (a->type) {
    case KFB_AVRO_BOOLEAN: t = kfb_datatype_make(KFB_TYPE_BOOLEAN, nullable); break;
    case KFB_AVRO_INT: t = kfb_datatype_make(KFB_TYPE_INTEGER, nullable); break;
    case KFB_AVRO_LONG: t = kfb_datatype_make(KFB_TYPE_BIGINT, nullable); break;
    case KFB_AVRO_FLOAT: t = kfb_datatype_make(KFB_TYPE_FLOAT, nullable); break;
    case KFB_AVRO_DOUBLE: t = kfb_datatype_make(KFB_TYPE_DOUBLE, nullable); break;
    case KFB_AVRO_STRING:
    case KFB_AVRO_ENUM: t = kfb_datatype_make(KFB_TYPE_STRING, nullable); break;
    case KFB_AVRO_BYTES: t = kfb_datatype_make(KFB_TYPE_BYTES, nullable); break;
    case KFB_AVRO_FIXED:
        t = a->fixed_size > 0 && a->fixed_size <= INT32_MAX
                ? kfb_datatype_sized(KFB_TYPE_BINARY, (int32_t)a->fixed_size, nullable)
                : kfb_datatype_make(KFB_TYPE_BYTES, nullable);
        break;
    case KFB_AVRO_RECORD: return row_type(a, path, o, depth, nullable, out, errstr, errstr_size);
    case KFB_AVRO_ARRAY:
    case KFB_AVRO_MAP: return collection_type(a, path, o, depth, nullable, out, errstr, errstr_size);
    case KFB_AVRO_NULL:
        REFUSE("field %s has the Avro type null: no column type holds only nulls (list the field in ignore)", path);
    default: REFUSE("field %s has an Avro type no column can hold (%s)", path, kfb_avro_type_name(a->type));
    }
scalar:
    *out = malloc(sizeof **out);
    if (!*out) {
        kfb_errstr_set(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    **out = t;
    return KFB_ERR_OK;
}

kfb_err_t kfb_table_column_type(const kfb_avro_node_t *type, const char *path,
                                const kfb_table_create_opts_t *o, kfb_datatype_t **out,
                                char *errstr, size_t errstr_size) {
    return column_type(type, path, o, 0, out, errstr, errstr_size);
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* DataTypeJsonSerde.serializeTypeWithGenericSerialization: type, nullable (false only),
 * then the root's parameters; ROW fields get ids as ReassignFieldId.visit gives them. */
static json_t *type_json(const kfb_datatype_t *t, int32_t *next_id) {
    json_t *o = json_object();
    if (!o) return NULL;
    int bad = json_object_set_new(o, "type", json_string(kfb_type_root_json_name(t->root)));
    if (!t->nullable) bad |= json_object_set_new(o, "nullable", json_false());
    switch (t->root) {
    case KFB_TYPE_CHAR:
    case KFB_TYPE_BINARY: bad |= json_object_set_new(o, "length", json_integer(t->length)); break;
    case KFB_TYPE_DECIMAL:
        bad |= json_object_set_new(o, "precision", json_integer(t->precision));
        bad |= json_object_set_new(o, "scale", json_integer(t->scale));
        break;
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        bad |= json_object_set_new(o, "precision", json_integer(t->precision));
        break;
    case KFB_TYPE_ARRAY: bad |= json_object_set_new(o, "element_type", type_json(t->element, next_id)); break;
    case KFB_TYPE_MAP:
        bad |= json_object_set_new(o, "key_type", type_json(t->key, next_id));
        bad |= json_object_set_new(o, "value_type", type_json(t->value, next_id));
        break;
    case KFB_TYPE_ROW: {
        json_t *fields = json_array();
        bad |= json_object_set_new(o, "fields", fields);
        for (size_t i = 0; fields && i < t->field_count; i++) {
            const kfb_datafield_t *f = &t->fields[i];
            json_t *fo = json_object();
            bad |= json_array_append_new(fields, fo);
            if (!fo) break;
            int32_t id = (*next_id)++; /* the field's id, then its type's fields */
            bad |= json_object_set_new(fo, "name", json_string(f->name));
            bad |= json_object_set_new(fo, "field_type", type_json(f->type, next_id));
            if (f->description) bad |= json_object_set_new(fo, "description", json_string(f->description));
            bad |= json_object_set_new(fo, "field_id", json_integer(id));
        }
        break;
    }
    default: break;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static char *dump(json_t *j) {
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return s;
}

char *kfb_table_type_json(const kfb_datatype_t *t, int32_t *next_field_id) {
    return dump(type_json(t, next_field_id));
}

static json_t *str_array(const char *const *v, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(v[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* ---- building the table ------------------------------------------------------------------- */

/* TableDescriptorValidation.SYSTEM_COLUMNS */
static const char *const reserved_columns[] = {"__offset", "__timestamp", "__bucket",
                                               "_change_type", "_log_offset", "_commit_timestamp"};

typedef struct col {
    const char *name;      /* borrowed from the schema or the options */
    const char *field;     /* the Avro field ("Value.qty"), or a description of the source */
    kfb_datatype_t *type;  /* owned */
} col_t;

typedef struct cols {
    col_t *v;
    size_t n;
} cols_t;

static void cols_free(cols_t *c) {
    for (size_t i = 0; i < c->n; i++) kfb_datatype_destroy(c->v[i].type);
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

static int cols_find(const cols_t *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i].name, name)) return (int)i;
    return -1;
}

const char *kfb_table_create_column_name(const kfb_table_create_opts_t *o, const char *field) {
    for (size_t i = 0; i < o->mapping.n_renames; i++)
        if (!strcmp(o->mapping.renames[i].field, field)) return o->mapping.renames[i].column;
    return field;
}

int kfb_table_create_ignores(const kfb_table_create_opts_t *o, const char *field) {
    for (size_t i = 0; i < o->mapping.n_ignore; i++)
        if (!strcmp(o->mapping.ignore[i], field)) return 1;
    return 0;
}

/* The columns of a record's fields, in field order (ignored fields left out). */
static kfb_err_t record_columns(const kfb_avro_node_t *rec, const kfb_table_create_opts_t *o, cols_t *out,
                                char *errstr, size_t errstr_size) {
    out->v = calloc(rec->n_fields + 1, sizeof *out->v);
    out->n = 0;
    if (!out->v) {
        kfb_errstr_set(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    const char *rname = rec->name ? rec->name : "value";
    for (size_t i = 0; i < rec->n_fields; i++) {
        const kfb_avro_field_t *f = &rec->fields[i];
        if (kfb_table_create_ignores(o, f->name)) continue;
        const char *name = kfb_table_create_column_name(o, f->name);
        char path[512];
        snprintf(path, sizeof path, "%s.%s", rname, f->name);
        int dup = cols_find(out, name);
        if (dup >= 0) {
            kfb_errstr_set(errstr, errstr_size, "fields %s and %s would both be column \"%s\"; change a rename", out->v[dup].field,
                    f->name, name);
            return KFB_ERR_CONFIG;
        }
        for (size_t r = 0; r < sizeof reserved_columns / sizeof *reserved_columns; r++)
            if (!strcmp(name, reserved_columns[r])) {
                kfb_errstr_set(errstr, errstr_size,
                        "field %s would be column \"%s\", a name Fluss reserves for system columns; rename it "
                        "(mappings[].rename) or list it in ignore",
                        path, name);
                return KFB_ERR_CONFIG;
            }
        col_t *c = &out->v[out->n];
        kfb_err_t e = kfb_table_column_type(f->type, path, o, &c->type, errstr, errstr_size);
        if (e) return e;
        c->name = name;
        c->field = f->name;
        out->n++;
    }
    return KFB_ERR_OK;
}

/* The primary-key column names: the configured ones, or the key record's fields renamed. */
static kfb_err_t key_names(const kfb_avro_schema_t *key, const kfb_table_create_opts_t *o, const char ***names,
                           size_t *n, char *errstr, size_t errstr_size) {
    *names = NULL;
    *n = 0;
    if (o->n_primary_key) {
        *names = malloc(o->n_primary_key * sizeof **names);
        if (!*names) goto nomem;
        memcpy(*names, o->primary_key, o->n_primary_key * sizeof **names);
        *n = o->n_primary_key;
        return KFB_ERR_OK;
    }
    const kfb_avro_node_t *kr = key ? kfb_avro_schema_root(key) : NULL;
    if (!kr || kr->type != KFB_AVRO_RECORD || !kr->n_fields) {
        kfb_errstr_set(errstr, errstr_size,
                "the primary key is not configured and %s; set mappings[].primary_key",
                !kr ? "there is no Kafka key schema to take it from"
                    : "the Kafka key schema is not a record of the key's fields");
        return KFB_ERR_CONFIG;
    }
    *names = malloc(kr->n_fields * sizeof **names);
    if (!*names) goto nomem;
    for (size_t i = 0; i < kr->n_fields; i++) (*names)[i] = kfb_table_create_column_name(o, kr->fields[i].name);
    *n = kr->n_fields;
    return KFB_ERR_OK;
nomem:
    kfb_errstr_set(errstr, errstr_size, "out of memory");
    return KFB_ERR_NOMEM;
}

/* A primary-key column the value has no field for (key: message_key): typed from the key
 * schema's field, or from a raw string/bytes key. Added in front, in key order. */
static kfb_err_t key_only_column(const char *name, const kfb_avro_schema_t *key, const kfb_table_create_opts_t *o,
                                 size_t pos, cols_t *c, char *errstr, size_t errstr_size) {
    kfb_datatype_t *t = NULL;
    const char *from = NULL;
    const kfb_avro_node_t *kr = key ? kfb_avro_schema_root(key) : NULL;
    if (o->mapping.key_from_message_key && kr && kr->type == KFB_AVRO_RECORD) {
        for (size_t i = 0; i < kr->n_fields && !from; i++) {
            if (strcmp(kfb_table_create_column_name(o, kr->fields[i].name), name)) continue;
            char path[512];
            snprintf(path, sizeof path, "%s.%s", kr->name ? kr->name : "key", kr->fields[i].name);
            kfb_err_t e = kfb_table_column_type(kr->fields[i].type, path, o, &t, errstr, errstr_size);
            if (e) return e;
            from = "the Kafka key schema";
        }
    } else if (o->mapping.key_from_message_key && kr && o->n_primary_key == 1) {
        kfb_err_t e = kfb_table_column_type(kr, "key", o, &t, errstr, errstr_size);
        if (e) return e;
        from = "the Kafka key schema";
    } else if (o->mapping.key_from_message_key && o->mapping.key_format != KFB_MAPPER_KEY_AVRO) {
        t = malloc(sizeof *t);
        if (t) *t = kfb_datatype_make(o->mapping.key_format == KFB_MAPPER_KEY_STRING ? KFB_TYPE_STRING : KFB_TYPE_BYTES, false);
        from = "the Kafka key";
    }
    if (!from) {
        kfb_errstr_set(errstr, errstr_size,
                "primary-key column \"%s\" is not a field of the writer schema (after renames)%s; add the field, "
                "fix mappings[].primary_key, or rename a field onto it",
                name, o->mapping.key_from_message_key ? " nor of the Kafka key schema" : "");
        return KFB_ERR_CONFIG;
    }
    if (!t) {
        kfb_errstr_set(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    memmove(&c->v[pos + 1], &c->v[pos], (c->n - pos) * sizeof *c->v);
    c->v[pos] = (col_t){name, from, t};
    c->n++;
    return KFB_ERR_OK;
}

static json_t *schema_json(const cols_t *c, const char *const *pk, size_t n_pk) {
    json_t *s = json_object(), *columns = json_array();
    int bad = !s || json_object_set_new(s, "version", json_integer(1)) || json_object_set_new(s, "columns", columns);
    int32_t next = 0;
    for (size_t i = 0; !bad && i < c->n; i++) {
        json_t *co = json_object();
        bad |= json_array_append_new(columns, co);
        if (bad) break;
        int32_t id = next++; /* Schema.Builder.column: the column's id, then ReassignFieldId */
        bad |= json_object_set_new(co, "name", json_string(c->v[i].name));
        bad |= json_object_set_new(co, "data_type", type_json(c->v[i].type, &next));
        bad |= json_object_set_new(co, "id", json_integer(id));
    }
    bad |= !s || json_object_set_new(s, "primary_key", str_array(pk, n_pk));
    bad |= !s || json_object_set_new(s, "highest_field_id", json_integer(next - 1));
    if (bad) {
        json_decref(s);
        return NULL;
    }
    return s;
}

kfb_err_t kfb_table_create_json(const kfb_avro_schema_t *value, const kfb_avro_schema_t *key,
                                const kfb_table_create_opts_t *o, char **json, char *errstr,
                                size_t errstr_size) {
    *json = NULL;
    const kfb_avro_node_t *rec = kfb_table_value_record(value, o->mapping.format, errstr, errstr_size);
    if (!rec) return KFB_ERR_UNSUPPORTED_TYPE;
    cols_t c = {0};
    const char **pk = NULL, **bk = NULL;
    size_t n_pk = 0, n_bk = 0;
    kfb_err_t e = record_columns(rec, o, &c, errstr, errstr_size);
    if (!e) e = key_names(key, o, &pk, &n_pk, errstr, errstr_size);
    if (!e) { /* room for primary-key columns the value lacks */
        col_t *nv = realloc(c.v, (c.n + n_pk + 1) * sizeof *nv);
        if (!nv) e = KFB_ERR_NOMEM;
        else c.v = nv;
    }
    /* primary-key columns: NOT NULL (Schema.normalizeColumns); the ones the value lacks
     * are added in front, in key order */
    size_t front = 0;
    for (size_t k = 0; !e && k < n_pk; k++) {
        for (size_t j = 0; j < k; j++)
            if (!strcmp(pk[j], pk[k])) {
                kfb_errstr_set(errstr, errstr_size, "the primary key names column \"%s\" twice", pk[k]);
                e = KFB_ERR_CONFIG;
            }
        if (e) break;
        int i = cols_find(&c, pk[k]);
        if (i < 0) {
            e = key_only_column(pk[k], key, o, front++, &c, errstr, errstr_size);
            if (e) break;
            i = (int)front - 1;
        }
        kfb_datatype_t *t = c.v[i].type;
        if (kfb_type_root_is_nested(t->root)) {
            char tn[128];
            kfb_datatype_format(t, tn, sizeof tn);
            kfb_errstr_set(errstr, errstr_size,
                    "primary-key column \"%s\" would be %s; Fluss keys cannot be ARRAY, MAP or ROW columns", pk[k], tn);
            e = KFB_ERR_CONFIG;
            break;
        }
        t->nullable = false;
    }
    for (size_t k = 0; !e && k < o->n_partition_keys; k++) {
        int found = 0;
        for (size_t j = 0; j < n_pk; j++) found |= !strcmp(pk[j], o->partition_keys[k]);
        if (!found) {
            kfb_errstr_set(errstr, errstr_size,
                    "partition key \"%s\" is not a primary-key column; Fluss partitions primary-key tables by "
                    "primary-key columns",
                    o->partition_keys[k]);
            e = KFB_ERR_CONFIG;
        }
    }
    /* TableDescriptor.normalizeDistribution: a primary-key table's bucket key defaults to
     * the primary key minus the partition keys, and is always written */
    if (!e && !(bk = malloc((n_pk + o->n_bucket_key + 1) * sizeof *bk))) e = KFB_ERR_NOMEM;
    for (size_t k = 0; !e && k < (o->n_bucket_key ? o->n_bucket_key : n_pk); k++) {
        const char *name = o->n_bucket_key ? o->bucket_key[k] : pk[k];
        int part = 0;
        for (size_t j = 0; j < o->n_partition_keys; j++) part |= !strcmp(name, o->partition_keys[j]);
        if (!o->n_bucket_key && part) continue;
        bk[n_bk++] = name;
    }
    json_t *root = NULL;
    if (!e) {
        root = json_object();
        int bad = !root;
        bad |= !root || json_object_set_new(root, "version", json_integer(1));
        bad |= !root || json_object_set_new(root, "schema", schema_json(&c, pk, n_pk));
        if (o->comment) bad |= !root || json_object_set_new(root, "comment", json_string(o->comment));
        bad |= !root || json_object_set_new(root, "partition_key", str_array(o->partition_keys, o->n_partition_keys));
        bad |= !root || json_object_set_new(root, "bucket_key", str_array(bk, n_bk));
        if (o->bucket_count > 0) bad |= !root || json_object_set_new(root, "bucket_count", json_integer(o->bucket_count));
        json_t *props = json_object();
        bad |= !root || json_object_set_new(root, "properties", props);
        for (size_t k = 0; props && k < o->n_properties; k++)
            bad |= json_object_set_new(props, o->properties[2 * k], json_string(o->properties[2 * k + 1]));
        bad |= !root || json_object_set_new(root, "custom_properties", json_object());
        *json = bad ? NULL : dump(root);
        if (bad) json_decref(root);
        if (!*json) e = KFB_ERR_NOMEM;
    }
    if (e == KFB_ERR_NOMEM) kfb_errstr_set(errstr, errstr_size, "out of memory");
    if (!e) {
        /* the table descriptor parser applies Fluss's builder checks (keys, types, ranges) */
        char why[768];
        kfb_table_desc_t *td = kfb_table_desc_parse(*json, strlen(*json), why, sizeof why);
        if (!td) {
            kfb_errstr_set(errstr, errstr_size, "the table made from the writer schema is not one Fluss accepts: %s", why);
            e = KFB_ERR_CONFIG;
        }
        kfb_table_desc_destroy(td);
    }
    if (e) {
        free(*json);
        *json = NULL;
    }
    free(bk);
    free(pk);
    cols_free(&c);
    return e;
}

/* ---- Flink SQL -------------------------------------------------------------------------- */

static int add_quoted(kfb_buf_t *b, const char *s, char q) {
    int bad = kfb_buf_append_byte(b, (uint8_t)q) != KFB_ERR_OK;
    for (; *s; s++) {
        if (*s == q) bad |= kfb_buf_append_byte(b, (uint8_t)q) != KFB_ERR_OK;
        bad |= kfb_buf_append_byte(b, (uint8_t)*s) != KFB_ERR_OK;
    }
    return bad | (kfb_buf_append_byte(b, (uint8_t)q) != KFB_ERR_OK);
}

static int add_str(kfb_buf_t *b, const char *s) { return kfb_buf_append(b, s, strlen(s)) != KFB_ERR_OK; }

static int add_names(kfb_buf_t *b, const kfb_table_desc_t *td, const int *idx, size_t n, const char *sep) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) bad |= add_str(b, sep);
        bad |= add_quoted(b, td->columns[idx[i]].name, '`');
    }
    return bad;
}

static int add_option(kfb_buf_t *b, int *first, const char *key, const char *value) {
    int bad = add_str(b, *first ? "\n  " : ",\n  ");
    *first = 0;
    bad |= add_quoted(b, key, '\'');
    bad |= add_str(b, " = ");
    return bad | add_quoted(b, value, '\'');
}

char *kfb_table_flink_sql(const kfb_table_desc_t *td, const char *database, const char *table) {
    kfb_buf_t b = KFB_BUF_INIT;
    int bad = add_str(&b, "CREATE TABLE ");
    bad |= add_quoted(&b, database, '`');
    bad |= add_str(&b, ".");
    bad |= add_quoted(&b, table, '`');
    bad |= add_str(&b, " (");
    for (size_t i = 0; i < td->column_count; i++) {
        char small[256];
        size_t n = kfb_datatype_format(td->columns[i].type, small, sizeof small);
        char *tn = n < sizeof small ? small : malloc(n + 1);
        if (!tn) {
            bad = 1;
            break;
        }
        if (tn != small) kfb_datatype_format(td->columns[i].type, tn, n + 1);
        bad |= add_str(&b, i ? ",\n  " : "\n  ");
        bad |= add_quoted(&b, td->columns[i].name, '`');
        bad |= add_str(&b, " ");
        bad |= add_str(&b, tn);
        if (tn != small) free(tn);
    }
    if (td->primary_key_count) {
        bad |= add_str(&b, ",\n  PRIMARY KEY (");
        bad |= add_names(&b, td, td->primary_key, td->primary_key_count, ", ");
        bad |= add_str(&b, ") NOT ENFORCED");
    }
    bad |= add_str(&b, "\n)");
    if (td->partition_key_count) {
        bad |= add_str(&b, "\nPARTITIONED BY (");
        bad |= add_names(&b, td, td->partition_keys, td->partition_key_count, ", ");
        bad |= add_str(&b, ")");
    }
    int first = 1;
    kfb_buf_t opts = KFB_BUF_INIT;
    if (td->bucket_count > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", (int)td->bucket_count);
        bad |= add_option(&opts, &first, "bucket.num", n);
    }
    if (td->bucket_key_count && !td->default_bucket_key) {
        kfb_buf_t keys = KFB_BUF_INIT;
        for (size_t i = 0; i < td->bucket_key_count; i++) {
            if (i) bad |= add_str(&keys, ",");
            bad |= add_str(&keys, td->columns[td->bucket_keys[i]].name);
        }
        bad |= kfb_buf_append_byte(&keys, 0) != KFB_ERR_OK;
        if (keys.data) bad |= add_option(&opts, &first, "bucket.key", (const char *)keys.data);
        kfb_buf_free(&keys);
    }
    for (size_t i = 0; i < td->property_count; i++)
        bad |= add_option(&opts, &first, td->properties[i].key, td->properties[i].value);
    for (size_t i = 0; i < td->custom_property_count; i++)
        bad |= add_option(&opts, &first, td->custom_properties[i].key, td->custom_properties[i].value);
    if (!first) {
        bad |= add_str(&b, "\nWITH (");
        bad |= kfb_buf_append(&b, opts.data, opts.len) != KFB_ERR_OK;
        bad |= add_str(&b, "\n)");
    }
    kfb_buf_free(&opts);
    bad |= add_str(&b, ";\n");
    bad |= kfb_buf_append_byte(&b, 0) != KFB_ERR_OK;
    if (bad) {
        kfb_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

/* ---- comparing with a live table ------------------------------------------------------------- */

static int same_keys(const kfb_table_desc_t *a, const int *ia, size_t na, const kfb_table_desc_t *b, const int *ib,
                     size_t nb) {
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a->columns[ia[i]].name, b->columns[ib[i]].name)) return 0;
    return 1;
}

static void key_list(const kfb_table_desc_t *td, const int *idx, size_t n, char *out, size_t size) {
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && k < size; i++) {
        int w = snprintf(out + k, size - k, "%s%s", i ? ", " : "", td->columns[idx[i]].name);
        if (w < 0) break;
        k += (size_t)w;
    }
    if (!n) snprintf(out, size, "none");
}

int kfb_table_create_differs(const kfb_table_desc_t *want, const kfb_table_desc_t *have,
                             char *diff, size_t diff_size) {
    char a[256], b[256];
    for (size_t i = 0; i < want->column_count || i < have->column_count; i++) {
        if (i >= have->column_count) {
            kfb_errstr_set(diff, diff_size, "it lacks column \"%s\"", want->columns[i].name);
            return 1;
        }
        if (i >= want->column_count) {
            kfb_errstr_set(diff, diff_size, "it has an extra column \"%s\"", have->columns[i].name);
            return 1;
        }
        const kfb_table_column_t *w = &want->columns[i], *h = &have->columns[i];
        if (strcmp(w->name, h->name)) {
            kfb_errstr_set(diff, diff_size, "its column %zu is \"%s\", not \"%s\"", i + 1, h->name, w->name);
            return 1;
        }
        if (!kfb_datatype_equals(w->type, h->type)) {
            kfb_datatype_format(w->type, a, sizeof a);
            kfb_datatype_format(h->type, b, sizeof b);
            kfb_errstr_set(diff, diff_size, "its column \"%s\" is %s, not %s", w->name, b, a);
            return 1;
        }
    }
    struct {
        const char *what;
        const int *wi, *hi;
        size_t wn, hn;
    } keys[] = {
        {"primary key", want->primary_key, have->primary_key, want->primary_key_count, have->primary_key_count},
        {"partition keys", want->partition_keys, have->partition_keys, want->partition_key_count,
         have->partition_key_count},
        {"bucket key", want->bucket_keys, have->bucket_keys, want->bucket_key_count, have->bucket_key_count},
    };
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        if (same_keys(want, keys[k].wi, keys[k].wn, have, keys[k].hi, keys[k].hn)) continue;
        key_list(want, keys[k].wi, keys[k].wn, a, sizeof a);
        key_list(have, keys[k].hi, keys[k].hn, b, sizeof b);
        kfb_errstr_set(diff, diff_size, "its %s is (%s), not (%s)", keys[k].what, b, a);
        return 1;
    }
    if (want->bucket_count > 0 && want->bucket_count != have->bucket_count) {
        kfb_errstr_set(diff, diff_size, "it has %d buckets, not %d", (int)have->bucket_count, (int)want->bucket_count);
        return 1;
    }
    for (size_t i = 0; i < want->property_count; i++) {
        const char *v = kfb_table_desc_property(have, want->properties[i].key);
        if (!v || strcasecmp(v, want->properties[i].value)) {
            kfb_errstr_set(diff, diff_size, "its property %s is %s%s%s, not '%s'", want->properties[i].key, v ? "'" : "",
                    v ? v : "unset", v ? "'" : "", want->properties[i].value);
            return 1;
        }
    }
    return 0;
}

/* ---- planning and creating --------------------------------------------------------------------- */

void kfb_table_plan_destroy(kfb_table_plan_t *p) {
    if (!p) return;
    free(p->json);
    kfb_table_desc_destroy(p->desc);
    free(p->sql);
    free(p);
}

static void split_path(const char *path, char *db, size_t dbn, char *tb, size_t tbn) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : 0;
    snprintf(db, dbn, "%.*s", (int)n, path);
    snprintf(tb, tbn, "%s", dot ? dot + 1 : path);
}

/* Whether some configured primary-key column is not among the value's (renamed) fields. */
static int pk_outside_value(const kfb_avro_node_t *rec, const kfb_table_create_opts_t *o) {
    for (size_t k = 0; k < o->n_primary_key; k++) {
        int found = 0;
        for (size_t i = 0; i < rec->n_fields && !found; i++)
            found = !kfb_table_create_ignores(o, rec->fields[i].name) && !strcmp(kfb_table_create_column_name(o, rec->fields[i].name), o->primary_key[k]);
        if (!found) return 1;
    }
    return 0;
}

/* The latest writer schema of a subject: its id and parsed schema (owned by src). */
static kfb_err_t latest(kfb_schema_source_t *src, const char *subject, int32_t *id, const kfb_avro_schema_t **s,
                        char *errstr, size_t errstr_size) {
    char e[768];
    kfb_err_t err = kfb_schema_source_latest(src, subject, id, e, sizeof e);
    if (!err) err = kfb_schema_source_get(src, *id, s, e, sizeof e);
    if (err) kfb_errstr_set(errstr, errstr_size, "no writer schema to create the table from (%s): %s", subject, e);
    return err;
}

/* The mapping compiled onto the planned table with its writer schema: proves that the
 * mapper maps it without a plan error (the bucket count, if unset, is the server's: any
 * count compiles the same plan). */
static kfb_err_t trial_compile(const kfb_config_mapping_t *mc, kfb_schema_source_t *src, const kfb_table_plan_t *p,
                               const kfb_avro_schema_t *value, const kfb_avro_schema_t *key,
                               const kfb_table_create_opts_t *o, char *errstr, size_t errstr_size) {
    char *json = NULL;
    kfb_table_desc_t *td = p->desc;
    kfb_err_t e = KFB_ERR_OK;
    if (td->bucket_count < 1) {
        kfb_table_create_opts_t o1 = *o;
        o1.bucket_count = 1;
        e = kfb_table_create_json(value, key, &o1, &json, errstr, errstr_size);
        td = e ? NULL : kfb_table_desc_parse(json, strlen(json), errstr, errstr_size);
        if (!e && !td) e = KFB_ERR_CONFIG;
    }
    kfb_mapper_config_t cfg;
    char why[1024] = "";
    kfb_mapper_t *m = NULL;
    if (!e) {
        kfb_config_mapper_config(mc, &cfg);
        cfg.warn_fields_without_column = 0;
        m = kfb_mapper_new(td, src, &cfg, why, sizeof why);
        e = m ? kfb_mapper_prepare(m, p->value_schema_id, why, sizeof why) : KFB_ERR_CONFIG;
        if (e)
            kfb_errstr_set(errstr, errstr_size, "the table made from writer schema %d does not take it: %s",
                    (int)p->value_schema_id, why);
    }
    kfb_mapper_destroy(m);
    if (td != p->desc) kfb_table_desc_destroy(td);
    free(json);
    return e;
}

kfb_err_t kfb_table_plan_new(const kfb_config_mapping_t *mc, kfb_schema_source_t *src,
                             int by_subject, kfb_table_plan_t **out, char *errstr,
                             size_t errstr_size) {
    *out = NULL;
    if (!mc->topic) {
        kfb_errstr_set(errstr, errstr_size, "mapping '%s' names no topic to take the writer schema from", mc->name);
        return KFB_ERR_CONFIG;
    }
    kfb_table_plan_t *p = calloc(1, sizeof *p);
    if (!p) {
        kfb_errstr_set(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    p->key_schema_id = -1;
    char subject[300], comment[400];
    snprintf(subject, sizeof subject, "%s-value", mc->topic);
    const kfb_avro_schema_t *value = NULL, *key = NULL;
    kfb_table_create_opts_t o;
    kfb_table_create_opts_from_mapping(mc, &o);
    kfb_err_t e = latest(src, subject, &p->value_schema_id, &value, errstr, errstr_size);
    if (!e) {
        snprintf(p->source, sizeof p->source, "%s schema id %d", by_subject ? subject : "schemas_dir",
                 (int)p->value_schema_id);
        const kfb_avro_node_t *rec = kfb_table_value_record(value, o.mapping.format, errstr, errstr_size);
        if (!rec) e = KFB_ERR_UNSUPPORTED_TYPE;
        int need_key = rec && (o.n_primary_key ? o.mapping.key_from_message_key && o.mapping.key_format == KFB_MAPPER_KEY_AVRO &&
                                                     pk_outside_value(rec, &o)
                                               : o.mapping.key_from_message_key ? o.mapping.key_format == KFB_MAPPER_KEY_AVRO
                                                                        : o.mapping.format == KFB_MAPPER_FORMAT_DEBEZIUM);
        if (!e && need_key && !by_subject) {
            kfb_errstr_set(errstr, errstr_size,
                    "mapping '%s': the primary key would come from the Kafka key schema, but schemas_dir has no "
                    "subjects to find it by; set mappings[].primary_key",
                    mc->name);
            e = KFB_ERR_CONFIG;
        } else if (!e && need_key) {
            snprintf(subject, sizeof subject, "%s-key", mc->topic);
            e = latest(src, subject, &p->key_schema_id, &key, errstr, errstr_size);
        }
    }
    if (!e) {
        snprintf(comment, sizeof comment, "created by kafka-fluss-bridge from %s", p->source);
        o.comment = comment;
        e = kfb_table_create_json(value, key, &o, &p->json, errstr, errstr_size);
    }
    if (!e) {
        p->desc = kfb_table_desc_parse(p->json, strlen(p->json), errstr, errstr_size);
        if (!p->desc) e = KFB_ERR_CONFIG;
    }
    if (!e) e = trial_compile(mc, src, p, value, key, &o, errstr, errstr_size);
    if (!e) {
        char db[256], tb[256];
        split_path(mc->table, db, sizeof db, tb, sizeof tb);
        p->sql = kfb_table_flink_sql(p->desc, db, tb);
        if (!p->sql) {
            kfb_errstr_set(errstr, errstr_size, "out of memory");
            e = KFB_ERR_NOMEM;
        }
    }
    if (e) {
        kfb_table_plan_destroy(p);
        return e;
    }
    *out = p;
    return KFB_ERR_OK;
}

kfb_err_t kfb_table_create_ensure(kfb_fluss_client_t *c, const char *database,
                                  const char *table, const kfb_table_plan_t *plan,
                                  int timeout_ms, int *created, char *errstr,
                                  size_t errstr_size) {
    if (created) *created = 0;
    char e[1024];
    /* CreateDatabase only when it is missing: a writer may hold CREATE on its database's
     * tables without holding it on the cluster */
    int db_exists = 0;
    kfb_err_t err = kfb_fluss_client_database_exists(c, database, timeout_ms, &db_exists, e, sizeof e);
    if (!err && !db_exists) err = kfb_fluss_client_create_database(c, database, 1, timeout_ms, e, sizeof e);
    if (err) {
        kfb_errstr_set(errstr, errstr_size, "cannot create Fluss database %s: %s", database, e);
        return err;
    }
    /* CreateTable without ignore_if_exists, so that a table another bridge created in the
     * meantime shows as TABLE_ALREADY_EXIST and is compared, not taken blindly */
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = (char *)database;
    tp.table_name = (char *)table;
    Fluss__CreateTableRequest req = FLUSS__CREATE_TABLE_REQUEST__INIT;
    req.table_path = &tp;
    req.table_json.data = (uint8_t *)plan->json;
    req.table_json.len = strlen(plan->json);
    req.ignore_if_exists = 0;
    int32_t ferr = 0;
    err = kfb_fluss_client_call(c, KFB_FLUSS_TARGET_COORDINATOR, KFB_API_CREATE_TABLE, &req.base, NULL, timeout_ms,
                                NULL, &ferr, e, sizeof e);
    if (!err) {
        if (created) *created = 1;
        return KFB_ERR_OK;
    }
    if (ferr != KFB_FLUSS_TABLE_ALREADY_EXIST) {
        kfb_errstr_set(errstr, errstr_size, "cannot create Fluss table %s.%s: %s", database, table, e);
        return err;
    }
    kfb_fluss_table_info_t *info = NULL;
    err = kfb_fluss_client_get_table(c, database, table, timeout_ms, &info, e, sizeof e);
    if (err) {
        kfb_errstr_set(errstr, errstr_size, "Fluss table %s.%s was created meanwhile, but reading it failed: %s", database,
                table, e);
        return err;
    }
    char diff[512];
    int differs = kfb_table_create_differs(plan->desc, info->desc, diff, sizeof diff);
    kfb_fluss_table_info_free(info);
    if (differs) {
        kfb_errstr_set(errstr, errstr_size,
                "Fluss table %s.%s was created meanwhile (by another bridge?) as another table than this mapping "
                "would create from %s: %s; drop one of them or make the mappings agree",
                database, table, plan->source, diff);
        return KFB_ERR_CONFIG;
    }
    KFB_INFO(FAC, "table %s.%s was created meanwhile (by another bridge?) as this mapping would create it", database,
             table);
    return KFB_ERR_OK;
}

kfb_err_t kfb_table_create_if_missing(kfb_fluss_client_t *c, kfb_schema_source_t *src,
                                      int by_subject, const kfb_config_mapping_t *mc,
                                      int timeout_ms, int *created, char *errstr,
                                      size_t errstr_size) {
    if (created) *created = 0;
    if (!mc->create_table) return KFB_ERR_OK;
    char db[256], tb[256], e[1024];
    split_path(mc->table, db, sizeof db, tb, sizeof tb);
    int exists = 0;
    kfb_err_t err = kfb_fluss_client_table_exists(c, db, tb, timeout_ms, &exists, e, sizeof e);
    if (err) {
        kfb_errstr_set(errstr, errstr_size, "mapping '%s': cannot tell whether table %s exists: %s", mc->name, mc->table, e);
        return err;
    }
    if (exists) return KFB_ERR_OK;
    kfb_table_plan_t *p = NULL;
    err = kfb_table_plan_new(mc, src, by_subject, &p, e, sizeof e);
    if (err) {
        kfb_errstr_set(errstr, errstr_size, "mapping '%s': cannot create table %s: %s", mc->name, mc->table, e);
        return err;
    }
    int made = 0;
    err = kfb_table_create_ensure(c, db, tb, p, timeout_ms, &made, e, sizeof e);
    if (err) kfb_errstr_set(errstr, errstr_size, "mapping '%s': %s", mc->name, e);
    else if (made)
        KFB_INFO(FAC, "mapping '%s': created table %s from %s: %s", mc->name, mc->table, p->source, p->json);
    if (created) *created = made;
    kfb_table_plan_destroy(p);
    return err;
}
