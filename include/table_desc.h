/*
 * table_desc.h - a Fluss table descriptor parsed from its JSON form.
 *
 * The JSON is what Fluss stores and returns as GetTableInfo's `table_json`
 * (fluss-protocol.md §5.1-§5.4):
 *   fluss-common/.../utils/json/TableDescriptorJsonSerde.java   (top level)
 *   fluss-common/.../utils/json/SchemaJsonSerde.java            (schema)
 *   fluss-common/.../utils/json/ColumnJsonSerde.java            (columns)
 *   fluss-common/.../utils/json/DataTypeJsonSerde.java          (data types)
 *   fluss-common/.../metadata/Schema.java          normalizeColumns (PK forced NOT NULL)
 *   fluss-common/.../metadata/TableDescriptor.java normalizeDistribution (bucket keys)
 *   fluss-common/.../metadata/TableInfo.java       generatePhysicalPrimaryKey
 *
 * The parsed descriptor is read-only after kfb_table_desc_parse() returns (the
 * librdkafka metadata pattern: a public struct you read, never write). Keys are
 * stored as column indexes into `columns`.
 *
 * Ownership: kfb_table_desc_parse() returns a descriptor owned by the caller;
 * kfb_table_desc_destroy() frees it and everything it points to (names, types,
 * key arrays, properties). Nothing in it is shared with the input JSON.
 */
#ifndef KFB_TABLE_DESC_H
#define KFB_TABLE_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "datatype.h"
#include "errors.h"

typedef enum kfb_kv_format {
    KFB_KV_FORMAT_COMPACTED = 0, /* default for PK tables */
    KFB_KV_FORMAT_INDEXED,
} kfb_kv_format_t;

/* table.datalake.format; NONE when the property is absent. */
typedef enum kfb_datalake_format {
    KFB_DATALAKE_NONE = 0,
    KFB_DATALAKE_PAIMON,
    KFB_DATALAKE_LANCE,
    KFB_DATALAKE_ICEBERG,
    KFB_DATALAKE_HUDI,
} kfb_datalake_format_t;

/* table.merge-engine; NONE = last write wins. */
typedef enum kfb_merge_engine {
    KFB_MERGE_ENGINE_NONE = 0,
    KFB_MERGE_ENGINE_FIRST_ROW,
    KFB_MERGE_ENGINE_VERSIONED,
    KFB_MERGE_ENGINE_AGGREGATION,
} kfb_merge_engine_t;

/* table.delete.behavior. */
typedef enum kfb_delete_behavior {
    KFB_DELETE_ALLOW = 0,
    KFB_DELETE_IGNORE,
    KFB_DELETE_DISABLE,
} kfb_delete_behavior_t;

typedef struct kfb_table_column {
    char *name;           /* owned; same pointer as column_names[i] */
    kfb_datatype_t *type; /* points at column_types[i]; PK columns have nullable = false */
    int32_t id;           /* column id; assigned by position when the JSON has none */
    char *comment;        /* NULL when absent */
    char *agg_function;   /* agg_function.type as written, NULL when absent */
} kfb_table_column_t;

typedef struct kfb_table_property {
    char *key;
    char *value;
} kfb_table_property_t;

typedef struct kfb_table_desc {
    kfb_table_column_t *columns; /* in row order */
    size_t column_count;
    /* The same names and types as parallel arrays, the shape kfb_row_decode() and
     * kfb_row_json_append_row() take. */
    const char **column_names;
    kfb_datatype_t *column_types; /* owned (children included) */
    int32_t highest_field_id; /* -1 when absent and no columns */

    /* Keys as indexes into columns, in declaration order. */
    int *primary_key; /* NULL/0 for log tables */
    size_t primary_key_count;
    int *physical_primary_key; /* primary key minus partition keys (TableInfo.java) */
    size_t physical_primary_key_count;
    int *partition_keys;
    size_t partition_key_count;
    int *bucket_keys; /* normalized: empty on a PK table -> physical PK */
    size_t bucket_key_count;
    int default_bucket_key; /* 1 when bucket_keys equal physical_primary_key */
    int auto_increment_column; /* column index, or -1 */

    int32_t bucket_count; /* -1 when the JSON has none (server default applies) */
    char *comment;        /* NULL when absent */

    kfb_table_property_t *properties; /* "properties", in JSON order */
    size_t property_count;
    kfb_table_property_t *custom_properties;
    size_t custom_property_count;

    /* Typed views of the properties that change what a writer must send (§5.4). Enum
     * values are matched case-insensitively, as ConfigurationUtils.convertToEnum does. */
    kfb_kv_format_t kv_format;
    int32_t kv_format_version; /* table.kv.format-version; absent = 1 */
    kfb_datalake_format_t datalake_format;
    int datalake_enabled; /* table.datalake.enabled */
    kfb_merge_engine_t merge_engine;
    char *versioned_ver_column; /* table.merge-engine.versioned.ver-column, NULL if absent */
    kfb_delete_behavior_t delete_behavior;
    /* 1 when table.delete.behavior was set. When it is absent and a merge engine is
     * configured, delete_behavior is IGNORE: the coordinator injects that at create
     * time (CoordinatorService.applySystemDefaults), so a descriptor read back from a
     * server carries it explicitly and a hand-written one means the same thing. */
    int delete_behavior_explicit;
    int auto_partition_enabled; /* table.auto-partition.enabled */
} kfb_table_desc_t;

/* Parses TableDescriptor JSON (len bytes, need not be NUL-terminated). Validates it the
 * way Fluss's builders do (unknown type names, missing keys, duplicate columns, keys
 * naming unknown columns, partition keys outside the PK, bucket keys outside the
 * physical PK, PK equal to the partition keys, key columns of ARRAY/MAP/ROW type,
 * precision/scale/length ranges, bucket_count < 1). On error returns NULL and writes a
 * sentence naming the JSON path (e.g. "$.schema.columns[2].data_type.precision") into
 * errstr. */
kfb_table_desc_t *kfb_table_desc_parse(const char *json, size_t len, char *errstr,
                                       size_t errstr_size);

/* Reads and parses a file; errors name the file. */
kfb_table_desc_t *kfb_table_desc_load_file(const char *path, char *errstr, size_t errstr_size);

void kfb_table_desc_destroy(kfb_table_desc_t *td);

/* Index of the column named `name` (exact, case-sensitive), or -1. */
int kfb_table_desc_column_index(const kfb_table_desc_t *td, const char *name);

/* Value of a table property, or NULL. The string is owned by td. */
const char *kfb_table_desc_property(const kfb_table_desc_t *td, const char *key);

/* Human names for the enums ("COMPACTED", "paimon", "first_row", "ALLOW", "none"). */
const char *kfb_kv_format_name(kfb_kv_format_t f);
const char *kfb_datalake_format_name(kfb_datalake_format_t f);
const char *kfb_merge_engine_name(kfb_merge_engine_t m);
const char *kfb_delete_behavior_name(kfb_delete_behavior_t d);

#endif
