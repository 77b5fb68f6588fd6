/*
 * table_create.h - the Fluss table a mapping creates from its Avro writer schema: the
 * TableDescriptor JSON Fluss's CreateTable takes (fluss-protocol.md §5), the same table as
 * a Flink SQL CREATE TABLE a user can read, and creating it (database and table) when it
 * does not exist, with bridges that race on it.
 *
 * JSON format: fluss-common/.../utils/json/TableDescriptorJsonSerde.java (keys in its
 * order: version, schema, comment, partition_key, bucket_key, bucket_count, properties,
 * custom_properties), SchemaJsonSerde.java (version, columns, primary_key,
 * highest_field_id), ColumnJsonSerde.java (name, data_type, id), DataTypeJsonSerde.java
 * (type, nullable only when false, then length / precision, scale / element_type /
 * key_type, value_type / fields [name, field_type, field_id]). Column and nested ROW field
 * ids are given as Schema.Builder.column assigns them (metadata/Schema.java,
 * types/ReassignFieldId.java): each column the next id, then its ROW fields depth-first.
 * A primary-key table always carries bucket_key (TableDescriptor.normalizeDistribution:
 * the primary key minus the partition keys unless configured); bucket_count only when
 * configured (else the server's default.bucket.number applies).
 *
 * The type table (one place; the inverse of the mapper's conversions, mapper.h, so that
 * the mapper maps the writer schema onto the created table without loss):
 *
 *   Avro                                   Fluss column
 *   boolean                                BOOLEAN
 *   int                                    INT
 *   long                                   BIGINT
 *   float                                  FLOAT
 *   double                                 DOUBLE
 *   string, enum                           STRING
 *   string/uuid, fixed(16)/uuid            STRING (the 36-character text)
 *   bytes                                  BYTES
 *   fixed(n)                               BINARY(n)  (fixed(0): BYTES)
 *   bytes|fixed/decimal(p, s)              DECIMAL(p, s)  (p <= 38, Fluss's maximum)
 *   int/date                               DATE
 *   int/time-millis, long/time-micros      TIME(3), TIME(6)
 *   long/timestamp-millis|micros|nanos     TIMESTAMP_LTZ(3), (6), (9)
 *   long/local-timestamp-millis|micros|nanos  TIMESTAMP(3), (6), (9)
 *   record                                 ROW<field by the same table, ...>
 *   array<T>                               ARRAY<T>            (T scalar)
 *   map<T>                                 MAP<STRING NOT NULL, T>  (T scalar)
 *   ["null", T] or [T, "null"]             T, nullable; anything else NOT NULL
 *   other unions                           the branch a `unions` rule keeps (nullable when
 *                                          the union has null); refused without a rule
 *   refused, with a sentence naming the field: null, arrays/maps of records, arrays or
 *   maps (the mapper does not write them yet), decimal precision > 38, unions of several
 *   types without a rule. Primary-key columns are NOT NULL (Fluss forces it, Schema.java
 *   normalizeColumns). Renames and ignores apply to top-level fields, as in the mapper.
 *   Column names Fluss reserves (__offset, __timestamp, __bucket, _change_type,
 *   _log_offset, _commit_timestamp: TableDescriptorValidation.SYSTEM_COLUMNS) are refused.
 *
 * Ownership: every char * and kfb_table_plan_t returned here is owned by the caller
 * (free / kfb_table_plan_destroy); inputs are borrowed for the call.
 */
#ifndef KFB_TABLE_CREATE_H
#define KFB_TABLE_CREATE_H

#include <stddef.h>
#include <stdint.h>

#include "avro_schema.h"
#include "config.h"
#include "datatype.h"
#include "errors.h"
#include "fluss_client.h"
#include "mapper.h"
#include "schema_registry.h"
#include "table_desc.h"

/* What a created (or evolved) table depends on besides the writer schema: the mapping's
 * Avro settings (as the mapper reads them) and the table's keys, buckets and properties. */
typedef struct kfb_table_create_opts {
    /* The mapping as the mapper reads it: format (DEBEZIUM: columns come from the
     * envelope's `after`), key_format, key_from_message_key, partial_update, renames (Avro
     * field -> column), ignore, union_rules. */
    kfb_mapper_config_t mapping;
    /* Column names; n_primary_key == 0: the key schema's fields (its record's fields,
     * renamed), which kfb_table_create_json then needs. */
    const char *const *primary_key;
    size_t n_primary_key;
    int32_t bucket_count; /* 0: not sent (the server's default.bucket.number) */
    const char *const *bucket_key; /* 0 entries: the primary key minus the partition keys */
    size_t n_bucket_key;
    const char *const *partition_keys;
    size_t n_partition_keys;
    const char *const *properties; /* n_properties (key, value) pairs: 2 * n strings */
    size_t n_properties;
    const char *comment; /* the table's comment, NULL for none */
} kfb_table_create_opts_t;

/* Zeroes *o (AVRO format, no keys: fill primary_key or give a key schema). */
void kfb_table_create_opts_init(kfb_table_create_opts_t *o);

/* Fills *o from a mapping of the configuration (pointers borrow from it). */
void kfb_table_create_opts_from_mapping(const kfb_config_mapping_t *mc, kfb_table_create_opts_t *o);

/* The column an Avro field of the value record goes to (o's renames), and whether o
 * ignores the field: the mapper's rules for top-level fields. */
const char *kfb_table_create_column_name(const kfb_table_create_opts_t *o, const char *field);
int kfb_table_create_ignores(const kfb_table_create_opts_t *o, const char *field);

/*
 * The record whose fields become columns: the schema's root record, or for DEBEZIUM the
 * record inside the envelope's `after` union. NULL + a sentence in errstr when there is
 * none. Owned by the schema.
 */
const kfb_avro_node_t *kfb_table_value_record(const kfb_avro_schema_t *schema,
                                              kfb_mapper_format_t format, char *errstr,
                                              size_t errstr_size);

/*
 * The column type of an Avro type by the type table above (unions included; `path` names
 * the field in errors, e.g. "Order.lines", and its last component is the name union
 * rules are looked up by, as the mapper does). *out is a heap descriptor the caller frees
 * with kfb_datatype_destroy. KFB_ERR_UNSUPPORTED_TYPE + a sentence (field, why, what to
 * do) for what the table refuses; KFB_ERR_NOMEM.
 */
kfb_err_t kfb_table_column_type(const kfb_avro_node_t *type, const char *path,
                                const kfb_table_create_opts_t *o, kfb_datatype_t **out,
                                char *errstr, size_t errstr_size);

/*
 * A data type as DataTypeJsonSerde writes it, compact, with ROW field ids numbered from
 * *next_field_id on (advanced past the last one used). Caller frees. NULL on out of memory.
 */
char *kfb_table_type_json(const kfb_datatype_t *t, int32_t *next_field_id);

/*
 * The TableDescriptor JSON of the table for a value writer schema (key: the Kafka key's
 * writer schema, NULL when there is none; it is used when o names no primary key, and to
 * type primary-key columns the value lacks under key_from_message_key). The JSON is
 * checked by parsing it back (kfb_table_desc_parse). Returns KFB_ERR_OK and *json
 * (caller frees), or KFB_ERR_UNSUPPORTED_TYPE (a field the type table refuses),
 * KFB_ERR_CONFIG (keys, buckets or properties that do not fit the schema) with a sentence.
 */
kfb_err_t kfb_table_create_json(const kfb_avro_schema_t *value, const kfb_avro_schema_t *key,
                                const kfb_table_create_opts_t *o, char **json, char *errstr,
                                size_t errstr_size);

/*
 * The table as a Flink SQL statement for Fluss's Flink catalog (fluss-flink:
 * FlinkConnectorOptions bucket.num / bucket.key, FlinkConversions): column types as
 * Fluss's asSerializableString prints them (kfb_datatype_format), PRIMARY KEY ... NOT
 * ENFORCED, PARTITIONED BY, and WITH ('bucket.num', 'bucket.key' when not the default,
 * then the table's properties and custom properties). Identifiers in backquotes, strings
 * in single quotes, both doubled inside. Ends with ";\n". Caller frees; NULL on out of
 * memory.
 */
char *kfb_table_flink_sql(const kfb_table_desc_t *td, const char *database, const char *table);

/*
 * Whether a live table (`have`, e.g. created by another bridge meanwhile) is the table
 * `want` describes: the same columns in order (names, types and nullability, ROW fields
 * included), primary key, partition keys, bucket key, bucket count (when want sets one),
 * and every property of want with the same value (case-insensitive, as Fluss reads enum
 * options). 0 when equal; else 1 and a sentence naming the first difference in diff.
 */
int kfb_table_create_differs(const kfb_table_desc_t *want, const kfb_table_desc_t *have,
                             char *diff, size_t diff_size);

/* The table a mapping would create, from its topic's latest writer schema. */
typedef struct kfb_table_plan {
    char *json;              /* TableDescriptor JSON */
    kfb_table_desc_t *desc;  /* json parsed back */
    char *sql;               /* kfb_table_flink_sql of desc */
    int32_t value_schema_id; /* the writer schema it was made from */
    int32_t key_schema_id;   /* the key schema used, -1 for none */
    char source[352];        /* where the value schema came from, for messages */
} kfb_table_plan_t;

/*
 * Plans the table of mapping mc (its first literal topic; topic_pattern mappings cannot
 * create tables): the value schema is the latest of subject "<topic>-value" (a directory
 * source answers its highest <id>.avsc, subjects ignored: by_subject = 0), the key schema
 * the latest of "<topic>-key" when the primary key has to come from it (by_subject must
 * then be 1: a directory has no subjects, set mappings[].primary_key). The planned table
 * is checked by compiling the mapping onto it (kfb_mapper_prepare) with that writer
 * schema. Blocking (schema source I/O). *out owned by the caller.
 */
kfb_err_t kfb_table_plan_new(const kfb_config_mapping_t *mc, kfb_schema_source_t *src,
                             int by_subject, kfb_table_plan_t **out, char *errstr,
                             size_t errstr_size);
void kfb_table_plan_destroy(kfb_table_plan_t *p);

/*
 * Creates the database (when DatabaseExists says it is missing; CreateDatabase ignores one
 * created meanwhile) and the table of plan as database.table
 * (CreateTable without ignore_if_exists). When the table exists already (two bridges
 * starting at once: TABLE_ALREADY_EXIST), the live table is read and compared with the
 * plan: the same table is success (*created = 0), another is KFB_ERR_CONFIG with a
 * sentence naming the difference. *created (may be NULL) = 1 when this call created it.
 * Blocking RPCs (kfb_fluss_client_call): setup or worker threads only.
 */
kfb_err_t kfb_table_create_ensure(kfb_fluss_client_t *c, const char *database,
                                  const char *table, const kfb_table_plan_t *plan,
                                  int timeout_ms, int *created, char *errstr,
                                  size_t errstr_size);

/*
 * What `run`/`migrate` call per mapping before reading its table: nothing unless
 * mc->create_table; otherwise, when database.table does not exist, plans it
 * (kfb_table_plan_new) and creates it (kfb_table_create_ensure), logging what it created.
 * *created (may be NULL) = 1 when this call created the table. Blocking.
 */
kfb_err_t kfb_table_create_if_missing(kfb_fluss_client_t *c, kfb_schema_source_t *src,
                                      int by_subject, const kfb_config_mapping_t *mc,
                                      int timeout_ms, int *created, char *errstr,
                                      size_t errstr_size);

#endif
