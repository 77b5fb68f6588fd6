/*
 * avro_schema.h - Avro schemas parsed from JSON into an owned, read-only tree.
 *
 * Spec: Apache Avro 1.11.1 specification, "Schema Declaration", "Names",
 * "Logical Types" (https://avro.apache.org/docs/1.11.1/specification/).
 *
 * We parse the JSON ourselves (jansson) so that every rejection names what is
 * wrong and where (a field path such as `Order.lines[].qty`), accepting what
 * the Java implementation accepts (Confluent serializers are Java). avro-c
 * (avro_schema_from_json_length) gives a second opinion: when it rejects a
 * schema we accept, a warning is logged (known case: an unqualified reference
 * resolved in the null namespace, which Java allows and avro-c does not).
 *
 * The tree is built for plan compilers (the mapper walks it once per schema
 * id and then transcodes the binary body directly), so nodes are plain public
 * structs with precomputed facts (minimum encoded size, index of the null
 * branch of a union). Everything hangs off one kfb_avro_schema_t: one destroy
 * frees all nodes and strings; node pointers stay valid until then.
 *
 * What we accept and refuse:
 *   - named types (record, enum, fixed) get a full name from `namespace`
 *     inheritance as the spec describes; a later reference by short or full
 *     name resolves to the earlier definition (the node pointer is shared);
 *     a short name is looked up in the enclosing namespace, then in the null
 *     namespace (Java's Schema.Names.get).
 *   - a reference to a named type that is still being defined (a recursive
 *     type such as a linked list) is refused: KFB_ERR_AVRO_SCHEMA_INVALID.
 *   - duplicate names, duplicate field names, duplicate enum symbols, invalid
 *     names, unions containing a union or two branches of one unnamed type,
 *     fixed with a negative size, nesting deeper than KFB_AVRO_MAX_DEPTH: refused.
 *   - logical types: an unknown logicalType is ignored; an invalid one
 *     (decimal with precision < 1 or scale > precision or precision too large
 *     for the fixed size, uuid not on string or fixed(16), date not on int, ...) degrades to
 *     the underlying type as the spec requires: `logical` is then
 *     KFB_AVRO_LOGICAL_NONE and `logical_name` still holds the declared text.
 *   - field defaults are kept as compact JSON text (not validated against the
 *     field type beyond being present).
 */
#ifndef KFB_AVRO_SCHEMA_H
#define KFB_AVRO_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/* Schemas nested deeper than this (records in arrays in unions ..., counting
 * expanded references) are refused; it also bounds the recursion of
 * kfb_avro_skip(). */
#define KFB_AVRO_MAX_DEPTH 64

typedef enum kfb_avro_type {
    KFB_AVRO_NULL = 0,
    KFB_AVRO_BOOLEAN,
    KFB_AVRO_INT,
    KFB_AVRO_LONG,
    KFB_AVRO_FLOAT,
    KFB_AVRO_DOUBLE,
    KFB_AVRO_BYTES,
    KFB_AVRO_STRING,
    KFB_AVRO_RECORD,
    KFB_AVRO_ENUM,
    KFB_AVRO_ARRAY,
    KFB_AVRO_MAP,
    KFB_AVRO_UNION,
    KFB_AVRO_FIXED,
} kfb_avro_type_t;

typedef enum kfb_avro_logical {
    KFB_AVRO_LOGICAL_NONE = 0,
    KFB_AVRO_LOGICAL_DECIMAL,                /* bytes or fixed; precision, scale */
    KFB_AVRO_LOGICAL_UUID,                   /* string, or fixed(16) (Avro 1.12) */
    KFB_AVRO_LOGICAL_DATE,                   /* int: days since 1970-01-01 */
    KFB_AVRO_LOGICAL_TIME_MILLIS,            /* int */
    KFB_AVRO_LOGICAL_TIME_MICROS,            /* long */
    KFB_AVRO_LOGICAL_TIMESTAMP_MILLIS,       /* long, UTC instant */
    KFB_AVRO_LOGICAL_TIMESTAMP_MICROS,       /* long */
    KFB_AVRO_LOGICAL_TIMESTAMP_NANOS,        /* long */
    KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MILLIS, /* long, wall clock without zone */
    KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MICROS, /* long */
    KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_NANOS,  /* long */
} kfb_avro_logical_t;

typedef struct kfb_avro_node kfb_avro_node_t;

typedef struct kfb_avro_field {
    const char *name;
    const kfb_avro_node_t *type;
    size_t index;              /* position in the record, = order in the binary body */
    const char *default_json;  /* compact JSON of "default", NULL when absent */
    const char *const *aliases;
    size_t n_aliases;
} kfb_avro_field_t;

struct kfb_avro_node {
    kfb_avro_type_t type;
    kfb_avro_logical_t logical;   /* NONE when absent, unknown or invalid */
    const char *logical_name;     /* declared logicalType text, NULL if none */
    int32_t precision, scale;     /* DECIMAL only */

    /* Named types (RECORD, ENUM, FIXED): full name ("ns.Name"), NULL otherwise. */
    const char *name;
    const char *const *aliases;   /* full names */
    size_t n_aliases;

    /* RECORD */
    const kfb_avro_field_t *fields;
    size_t n_fields;
    /* ENUM */
    const char *const *symbols;
    size_t n_symbols;
    /* ARRAY: items; MAP: values (keys are always strings) */
    const kfb_avro_node_t *items;
    /* UNION */
    const kfb_avro_node_t *const *branches;
    size_t n_branches;
    int32_t null_branch;          /* index of the "null" branch, -1 if none */
    /* FIXED (also the size of a decimal on fixed) */
    size_t fixed_size;

    /* Fewest bytes any value of this type occupies in the binary encoding
     * (0 for null and for records of only nulls); readers use it to refuse
     * block counts that could not fit in the remaining input. Saturates at
     * SIZE_MAX / 2. */
    size_t min_size;
    /* Levels of nesting below this node once references are expanded (0 for
     * primitives, enums, fixed); never more than KFB_AVRO_MAX_DEPTH, so walkers
     * may size a stack by it. */
    uint32_t height;
};

/* The owner of a parsed tree. */
typedef struct kfb_avro_schema kfb_avro_schema_t;

/*
 * Parses Avro schema JSON (`json` need not be NUL-terminated). On success
 * *out is a new schema owned by the caller (kfb_avro_schema_destroy). On error
 * returns KFB_ERR_AVRO_SCHEMA_INVALID (or KFB_ERR_NOMEM) and fills errstr with
 * a sentence naming the problem and its path, e.g.
 *   "field Order.lines[].qty: unknown type name \"integer\"".
 */
kfb_err_t kfb_avro_schema_parse(const char *json, size_t len, kfb_avro_schema_t **out,
                                char *errstr, size_t errstr_size);

void kfb_avro_schema_destroy(kfb_avro_schema_t *schema);

/* The top-level type. Owned by the schema. */
const kfb_avro_node_t *kfb_avro_schema_root(const kfb_avro_schema_t *schema);

/* The parsed JSON re-serialized compactly by jansson (owned by the schema); for
 * logs and explain output, not the Avro "Parsing Canonical Form". */
const char *kfb_avro_schema_json(const kfb_avro_schema_t *schema);

/* A named type defined anywhere in the schema by full name, or NULL. */
const kfb_avro_node_t *kfb_avro_schema_find_named(const kfb_avro_schema_t *schema,
                                                  const char *full_name);

/* A record field by exact name, then (if not found) by alias; NULL if `record`
 * is not a record or has no such field. Linear scan: for plan compilation, not
 * per record. */
const kfb_avro_field_t *kfb_avro_record_field(const kfb_avro_node_t *record, const char *name);

/* For ["null", T] and [T, "null"]: T; for a non-union: the node itself; for
 * any other union: NULL. Handy for the nullable-column idiom. */
const kfb_avro_node_t *kfb_avro_nullable_inner(const kfb_avro_node_t *node);

/* Static names: "record", "timestamp-micros", ... */
const char *kfb_avro_type_name(kfb_avro_type_t type);
const char *kfb_avro_logical_type_name(kfb_avro_logical_t logical);

#endif
