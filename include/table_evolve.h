/*
 * table_evolve.h - following a writer schema that gained fields (`evolve: add_columns`):
 * compare the writer schema with the live Fluss table, add the fields without a column as
 * nullable columns at the end (AlterTable), and let racing bridges agree.
 *
 * What Fluss allows (apache/fluss fluss-server/.../coordinator/SchemaUpdate.java addColumn,
 * CoordinatorService.alterTable): AddColumn only, at the end (position LAST), nullable, all
 * columns of one request or none, each request a new schema id; an existing name is
 * INVALID_ALTER_TABLE_EXCEPTION (56) "Column x already exists.". Types, nullability and
 * the primary key never change; columns are never dropped. A new column's type is the type
 * table's (table_create.h), made nullable: rows written before have null in it.
 *
 * How the bridge uses it (bridge.c's schema-prefetch path: schema_job_run, evolve_done,
 * schema_ready; every call below blocks, so it runs on the worker thread):
 *   1. A message of a writer schema id the mapping has no plan for is parked while its
 *      schema is fetched. With evolve: add_columns, in the same worker job, once the
 *      schema is in: kfb_table_evolve_diff(json, len, schemas, id, &opts) with a copy of
 *      the mapping's current table_json taken on the poll thread (opts from
 *      kfb_table_create_opts_from_mapping). Only for VALUE schema ids of that mapping's
 *      topics: a Kafka key schema compared with the table would look like removed columns.
 *   2. diff->blocked: the mapping cannot follow this writer schema; stop it with
 *      kfb_evolve_diff_first_blocking(diff)->message (a fatal error).
 *   3. diff->n_add > 0: kfb_table_evolve_apply(client, db, table, diff, ...) adds the
 *      columns (a racing bridge's identical columns count as added) and returns the table
 *      info read afterwards, whose schema id is the new one. Hand it to the poll thread as
 *      table_refresh.c hands a refreshed table (pending_info: kfb_mapper_set_table between
 *      two polls), and only then release the parked messages. The schema is in the
 *      source's cache before the job ends, so "schema cached" must not count as ready while
 *      the job runs (else messages of the id are mapped onto the old table, their new
 *      fields skipped). Older batches keep their schema id.
 *   4. Changes of kind KFB_COLUMN_CHANGE_NESTED_FIELD never block: log their message once.
 * bridge.c keeps one job per (value schema id, mapping); check.c prints the diff.
 * Ownership: a kfb_evolve_diff_t and everything it points to is freed by
 * kfb_evolve_diff_destroy; inputs are borrowed for the call.
 */
#ifndef KFB_TABLE_EVOLVE_H
#define KFB_TABLE_EVOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "datatype.h"
#include "errors.h"
#include "fluss_client.h"
#include "schema_registry.h"
#include "table_create.h"

typedef enum kfb_column_change_kind {
    KFB_COLUMN_CHANGE_ADD = 0,         /* new field: a nullable column at the end */
    KFB_COLUMN_CHANGE_NESTED_FIELD,    /* new field inside a ROW column's record: Fluss cannot
                                          add ROW fields; its values are not written (never
                                          blocks) */
    KFB_COLUMN_CHANGE_NOT_NULL,        /* new field, not nullable, without a default */
    KFB_COLUMN_CHANGE_UNSUPPORTED,     /* new field no column type holds (type table) */
    KFB_COLUMN_CHANGE_TYPE,            /* a field its existing column cannot take */
    KFB_COLUMN_CHANGE_KEY_REMOVED,     /* a primary-key column lost its field */
    KFB_COLUMN_CHANGE_NOT_NULL_REMOVED /* a NOT NULL column lost its field */
} kfb_column_change_kind_t;

/* "add", "nested_field", "not_null", "unsupported", "type", "key_removed",
 * "not_null_removed" */
const char *kfb_column_change_kind_name(kfb_column_change_kind_t k);

typedef struct kfb_column_change {
    kfb_column_change_kind_t kind;
    char *field;     /* Avro field path ("Value.email"); NULL for a column without field */
    char *column;    /* the column (after renames) */
    kfb_datatype_t *type; /* ADD: the new column's type (nullable); else NULL */
    char *type_json; /* ADD: the type as DataTypeJsonSerde JSON for AlterTable; else NULL */
    char *message;   /* one sentence: the field, what happens, what the user can do */
} kfb_column_change_t;

typedef struct kfb_evolve_diff {
    int32_t writer_schema_id;
    kfb_column_change_t *changes; /* new fields in writer order, then columns without field */
    size_t n_changes;
    size_t n_add;      /* changes of kind ADD */
    int blocked;       /* a change the table cannot follow: any kind but ADD and NESTED_FIELD */
    char *evolved_json; /* the table JSON with the ADD columns appended (ids as Fluss gives
                           them); NULL when n_add == 0 */
} kfb_evolve_diff_t;

/*
 * Compares writer schema writer_schema_id (fetched from schemas) with the table of
 * table_json (GetTableInfo's table_json), under the mapping settings of o (format,
 * renames, ignore, union rules, key source, partial_update; key, bucket and property
 * options are not used). Fields without a column become ADD changes unless they cannot be
 * added; fields whose column cannot take them (kfb_mapper_check_field), primary-key and
 * NOT NULL columns left without a field are blocking changes. When nothing blocks, the
 * mapping is compiled onto the evolved table (kfb_mapper_prepare) to prove the mapper takes
 * it. KFB_ERR_OK and *out (caller destroys) also when changes block; an error (schema
 * fetch, an unparsable table, a table the mapper refuses) + errstr otherwise. Blocking
 * when the schema is not cached.
 */
kfb_err_t kfb_table_evolve_diff(const char *table_json, size_t table_json_len,
                                kfb_schema_source_t *schemas, int32_t writer_schema_id,
                                const kfb_table_create_opts_t *o, kfb_evolve_diff_t **out,
                                char *errstr, size_t errstr_size);

void kfb_evolve_diff_destroy(kfb_evolve_diff_t *d);

/* The first change that blocks, or NULL. */
const kfb_column_change_t *kfb_evolve_diff_first_blocking(const kfb_evolve_diff_t *d);

/*
 * The AlterTable add_columns of the diff's ADD changes, in diff order, into cols[0..cap)
 * (strings borrowed from d). Returns the number of ADD changes (may exceed cap: then only
 * cap were written).
 */
size_t kfb_evolve_alter_columns(const kfb_evolve_diff_t *d, kfb_fluss_column_add_t *cols, size_t cap);

/*
 * Adds the ADD columns of d to database.table: reads the table, sends AlterTable for the
 * columns it still lacks, and reads it again, until every ADD column is there with the
 * diff's type (at most 4 rounds). A column that exists already with the same type counts
 * as added (a racing bridge added it: its AlterTable answered 56 "already exists", or it
 * came first); with another type it is KFB_ERR_CONFIG naming the column and both types.
 * A blocked diff is KFB_ERR_STATE (nothing sent). On success *info (may be NULL) receives
 * the table info read last (caller frees; its schema_id is the table's new one). Blocking:
 * call it from a worker thread.
 */
kfb_err_t kfb_table_evolve_apply(kfb_fluss_client_t *c, const char *database, const char *table,
                                 const kfb_evolve_diff_t *d, int timeout_ms,
                                 kfb_fluss_table_info_t **info, char *errstr,
                                 size_t errstr_size);

#endif
