/*
 * mapper.h - Avro messages -> Fluss primary-key table records (key bytes, bucket, value row).
 *
 * A kfb_mapper_t maps the messages of one Kafka topic onto one Fluss table. For every
 * writer schema id it meets under the table's current schema id (kfb_mapper_set_table
 * follows ALTER TABLE) it compiles, once, a plan: an array of steps, one per Avro
 * field in writer order, each either "decode this field, convert it, store it in column
 * slot i" or "skip it". Per message the plan decodes the Avro binary body straight into a
 * per-mapper slot array (scalars; strings and bytes point into the message), then
 *   - the primary key (physical PK, CompactedKeyEncoder, fluss-protocol.md §7.1-§7.3) and
 *     the bucket-key bytes / bucket (§7.2, §7.4) are encoded into mapper-owned scratch,
 *   - the value row (CompactedRow, §6.2) is written from the slots into a caller buffer,
 *     typically the KV batch buffer itself (kfb_kv_batch_begin_record), in column order.
 * No avro-c generic values; no allocation per message once the scratch buffers have grown.
 * Fused path: for plain Avro records mapped onto an unpartitioned table without nested
 * columns, with CompactedKeyEncoder keys that are also the bucket key and the fields in
 * column order, the plan also has one op per field that decodes the Avro value straight
 * into the value row (mapper-owned); the key is the row's bytes of the PK columns and
 * kfb_mapper_append_to_batch() copies the finished row with one append. Any message the
 * fused path cannot take as is (nulls in NOT NULL or key columns, NaN keys, range, UTF-8
 * or framing errors, ...) is mapped again by the general path, so results, errors and
 * their text are the same either way (tests/unit/test_mapper_fused.c).
 *
 * Mapping rules (see docs/explain.md for the user-facing version):
 *   - Avro fields match columns by exact name, after an optional rename map; fields in the
 *     ignore list and fields without a column are decoded past. A nullable column without
 *     a field is null (or, with partial_update, left out of target_columns); a NOT NULL
 *     column without a field is a plan error, reported before any message is mapped.
 *   - Unions of null and one type are nullable; other unions are plan errors unless a
 *     union rule names the branch to keep.
 *   - Conversions: int -> TINYINT/SMALLINT/INT/BIGINT, long -> BIGINT/INT (range-checked per
 *     record), float -> FLOAT/DOUBLE, double -> DOUBLE, boolean -> BOOLEAN, string/uuid ->
 *     STRING/CHAR (uuid on fixed(16), Avro 1.12: the 36-character text of Java's
 *     UUID.toString, lowercase 8-4-4-4-12 hex of the 16 bytes in order; in keys too),
 *     enum -> STRING/CHAR, bytes/fixed (also uuid on fixed(16)) -> BYTES/BINARY (the raw
 *     bytes), decimal (bytes or
 *     fixed) -> DECIMAL(p,s) rescaled HALF_UP, date -> DATE, time-millis/micros -> TIME,
 *     timestamp-millis/micros/nanos -> TIMESTAMP_LTZ(p), local-timestamp-* -> TIMESTAMP(p),
 *     record -> ROW (fields by name, recursively; a nested CompactedRow), array -> ARRAY and
 *     map -> MAP<STRING, V> of scalar elements (BinaryArray/BinaryMap, §6.4); arrays or
 *     maps of ARRAY/MAP/ROW elements are plan errors in this version.
 *     Lossy conversions (sub-millisecond digits into TIME or TIMESTAMP(p <= 3), decimal
 *     scale reduction) are allowed and listed in the plan description.
 *   - Timestamps keep every sub-millisecond digit the source has when the column precision
 *     is > 3 (as Java's writer stores whatever nano-of-millisecond it is given); for
 *     precision <= 3 the format itself drops them.
 *   - Strings must be valid UTF-8 (strict RFC 3629); anything else is a per-record
 *     KFB_ERR_INVALID_UTF8. Fluss's Java client cannot produce invalid UTF-8 either.
 *   - Operations: a record is an upsert; a Kafka tombstone (NULL value) deletes the key
 *     decoded from the Kafka message key. With format DEBEZIUM the envelope's op decides:
 *     c/r/u upsert `after`, d deletes `before`'s key, an update that changes the key is a
 *     delete of the old key then an upsert of the new one, and the tombstone that follows a
 *     delete of the same key is a skip. The last delete is remembered per Kafka topic and
 *     partition (origin->topic, origin->partition), so other partitions' messages may come
 *     between a delete and its tombstone; messages without an origin share one memory.
 *     kfb_mapper_forget_partition drops a partition's memory (rebalance, seek). t
 *     (truncate) and m (message) are skips.
 *
 * Ownership and lifetime: kfb_mapper_new() copies what it needs from the config but
 * borrows the table descriptor and the schema source, which must outlive the mapper (so
 * must every descriptor given to kfb_mapper_set_table).
 * Results (key bytes, partition names, error text) live in the mapper and are valid until
 * the next kfb_mapper_map() or kfb_mapper_map_batch() call (a batch reuses the same
 * scratch: writing an earlier result after it writes another message's row). Decoded strings and bytes point into the message (zero
 * copy): the key and value bytes passed to kfb_mapper_map() must stay valid until the value
 * rows of that call have been written. A mapper is not thread-safe: use one per consumer thread.
 */
#ifndef KFB_MAPPER_H
#define KFB_MAPPER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "confluent.h"
#include "errors.h"
#include "kv_batch.h"
#include "schema_registry.h"
#include "table_desc.h"

typedef enum kfb_mapper_format {
    KFB_MAPPER_FORMAT_AVRO = 0, /* each value is one record: upsert */
    KFB_MAPPER_FORMAT_DEBEZIUM, /* Debezium envelope {before, after, op, ...} */
} kfb_mapper_format_t;

/* How the Kafka message key is read (tombstones, key_from_message_key). */
typedef enum kfb_mapper_key_format {
    KFB_MAPPER_KEY_AVRO = 0, /* Confluent-framed Avro: a record of PK fields, or a primitive */
    KFB_MAPPER_KEY_STRING,   /* raw UTF-8 bytes of a single STRING/CHAR key column */
    KFB_MAPPER_KEY_BYTES,    /* raw bytes of a single BYTES/BINARY key column */
} kfb_mapper_key_format_t;

typedef struct kfb_mapper_rename {
    const char *field;  /* Avro field name */
    const char *column; /* Fluss column name */
} kfb_mapper_rename_t;

/* Keeps one branch of a union that is not just [null, T]: values in that branch are
 * mapped, null is null, any other branch is a per-record KFB_ERR_MAPPER_UNION_BRANCH. */
typedef struct kfb_mapper_union_rule {
    const char *field;  /* Avro field name (at any nesting level) */
    const char *branch; /* Avro type name ("string", "long"), full name of a named type, or
                           logical type name ("timestamp-millis") */
} kfb_mapper_union_rule_t;

typedef struct kfb_mapper_config {
    kfb_mapper_format_t format;
    kfb_mapper_key_format_t key_format;
    const kfb_mapper_rename_t *renames; /* borrowed during kfb_mapper_new only */
    size_t n_renames;
    const char *const *ignore; /* Avro field names decoded past; borrowed likewise */
    size_t n_ignore;
    const kfb_mapper_union_rule_t *union_rules; /* borrowed during kfb_mapper_new only */
    size_t n_union_rules;
    /* Columns with no Avro field are left out of target_columns (a partial update)
     * instead of being written as null. */
    int partial_update;
    /* The primary-key columns come from the Kafka message key instead of the value. */
    int key_from_message_key;
    /* Topic name for error messages; copied. */
    const char *topic;
    /* Fluss schema id of the table descriptor (GetTableInfo's schema_id, 1..32767); 0 means
     * 1, the id of a table's first schema (Fluss numbers schemas from 1 and gives each
     * ALTER TABLE the next id). */
    int32_t table_schema_id;
    /* Each plan compiled logs one warning (facility "mapper") per Avro field that has no
     * column (or no ROW field) and is not ignored: its values are not written. The bridge
     * sets it under `evolve: none`, where nothing else adds such columns. */
    int warn_fields_without_column;
} kfb_mapper_config_t;

/* Zeroes the config: AVRO format, Avro keys, no renames, no partial updates. */
void kfb_mapper_config_init(kfb_mapper_config_t *cfg);

typedef struct kfb_mapper kfb_mapper_t;

/*
 * Checks the table against what the bridge can write and prepares the key encoders:
 * refuses INDEXED kv format, kv format versions other than 1/2, lake formats that need
 * key encoders we do not have, tables without a primary key or without bucket_count,
 * partial_update on first_row/versioned tables; warns (facility "mapper") when deletes
 * will be ignored by the table. NULL + errstr on refusal.
 */
kfb_mapper_t *kfb_mapper_new(const kfb_table_desc_t *td, kfb_schema_source_t *schemas,
                             const kfb_mapper_config_t *cfg, char *errstr, size_t errstr_size);
void kfb_mapper_destroy(kfb_mapper_t *m);

/*
 * Moves a live mapper to another schema of its table (after ALTER TABLE: the descriptor and
 * schema_id GetTableInfo now returns). Runs the checks kfb_mapper_new runs; on refusal
 * returns their error (KFB_ERR_UNSUPPORTED_FORMAT, KFB_ERR_CONFIG, KFB_ERR_SCHEMA_ID_RANGE
 * for an id outside 1..32767, KFB_ERR_NOMEM) with a sentence in errstr, and the mapper is
 * unchanged. From then on plans are per (writer schema id, table_schema_id): the next
 * message of each writer schema compiles a plan for the new table (a NOT NULL column the
 * writer schema has no field for is then a KFB_ERR_MAPPER_PLAN naming it); plans of other
 * table schema ids stay cached and are used again when the mapper is switched back with
 * the same descriptor. Switching to a schema id seen before with another descriptor
 * object drops that id's cached plans.
 * td is borrowed like kfb_mapper_new's: every descriptor given to a mapper must stay valid
 * until the mapper is destroyed (cached plans point into it). Results of earlier
 * kfb_mapper_map calls must not be written after a switch.
 */
kfb_err_t kfb_mapper_set_table(kfb_mapper_t *m, const kfb_table_desc_t *td,
                               int32_t table_schema_id, char *errstr, size_t errstr_size);

/* The table schema id plans are compiled for now (kfb_mapper_set_table, or the config's). */
int32_t kfb_mapper_table_schema_id(const kfb_mapper_t *m);

/*
 * Compiles (or returns the cached) value plan for a writer schema id under the current
 * table schema id, so that plan errors
 * surface before any message of that schema is mapped. On error returns the error
 * (KFB_ERR_MAPPER_PLAN, KFB_ERR_UNKNOWN_SCHEMA_ID, ...) and a sentence naming the field.
 * Optional: kfb_mapper_map() compiles on first use.
 */
kfb_err_t kfb_mapper_prepare(kfb_mapper_t *m, int32_t writer_schema_id, char *errstr,
                             size_t errstr_size);

/*
 * Whether values of an Avro field of declared type `type` (unions included) can be written
 * into a column or ROW field of type `column` named `column_name`, as a plan of this
 * mapper would write them (its union rules; nested ROW fields and ARRAY/MAP elements
 * included). `path` names the field ("Order.qty"), writer_schema_id only appears in the
 * sentence. KFB_ERR_OK, or KFB_ERR_MAPPER_PLAN with the sentence a plan compile would give
 * in errstr. Compiles nothing into the mapper (for comparing a writer schema with a table:
 * table_evolve.h).
 */
kfb_err_t kfb_mapper_check_field(kfb_mapper_t *m, int32_t writer_schema_id, const char *path,
                                 const kfb_avro_node_t *type, const kfb_datatype_t *column,
                                 const char *column_name, char *errstr, size_t errstr_size);

/* Human-readable description of a compiled plan of the current table schema id (one line
 * per column, with lossy conversions flagged), NUL-terminated, owned by the mapper; NULL if
 * none compiled. */
const char *kfb_mapper_describe(kfb_mapper_t *m, int32_t writer_schema_id);

typedef enum kfb_op {
    KFB_OP_UPSERT = 0,
    KFB_OP_DELETE,
    KFB_OP_SKIP,
} kfb_op_t;

const char *kfb_op_name(kfb_op_t op); /* "upsert", "delete", "skip" */

/* One Fluss write produced by a message. Pointers are owned by the mapper. */
typedef struct kfb_mapped {
    kfb_op_t op;
    const uint8_t *key; /* physical primary key bytes (KvRecord key) */
    size_t key_len;
    const uint8_t *bucket_key; /* bytes hashed for the bucket (may equal key) */
    size_t bucket_key_len;
    int32_t bucket;
    const char *partition;         /* partition name (§12), NULL for unpartitioned tables */
    /* Partial update column indexes; NULL = all columns (every delete). Points into the
     * mapper's list for target_set: valid until kfb_mapper_destroy, so a caller may keep
     * it with the batch it sends (kfb_mapper_target_columns gives it by id too). */
    const int32_t *target_columns;
    size_t n_target_columns;
    /* The target-column list as a small id: 0 = all columns (no partial update), else one
     * id per distinct list within the mapper (the same list gives the same id across
     * writer and table schema ids). A PutKv request carries one target list per batch, so
     * records of different target sets never share a batch: see kfb_mapper_sink_t. */
    uint32_t target_set;
} kfb_mapped_t;

/* The target-column list of target_set (as kfb_mapped_t.target_columns gives it; owned by
 * the mapper, valid until kfb_mapper_destroy) with its length in *n; NULL and *n = 0 for
 * 0 (all columns) and ids the mapper never gave. */
const int32_t *kfb_mapper_target_columns(const kfb_mapper_t *m, uint32_t target_set, size_t *n);

/* Up to two writes per message (a Debezium update that changes the key). */
#define KFB_MAPPER_MAX_OUT 2

typedef struct kfb_mapper_result {
    size_t n; /* 0 never happens: a skipped message gives one KFB_OP_SKIP */
    kfb_mapped_t out[KFB_MAPPER_MAX_OUT];
} kfb_mapper_result_t;

/*
 * Maps one Kafka message. value == NULL is a tombstone; key/key_len is the Kafka key
 * (NULL when absent). origin names the message in errors (may be NULL); it is borrowed
 * like the results, until the next map call (kfb_mapper_write_value and
 * kfb_mapper_append_to_batch errors name it too).
 * Returns KFB_ERR_OK and fills *res, or a per-record error (class RECORD: report and
 * continue; RETRIABLE: schema registry unavailable, retry the message; FATAL: stop) with
 * a sentence in errstr naming topic/partition/offset and the Avro field path.
 */
kfb_err_t kfb_mapper_map(kfb_mapper_t *m, const uint8_t *key, size_t key_len,
                         const uint8_t *value, size_t value_len, const kfb_origin_t *origin,
                         kfb_mapper_result_t *res, char *errstr, size_t errstr_size);

/*
 * Appends the value row (CompactedRow) of res->out[i] (an upsert) to out. Checks NOT NULL
 * columns. On error out is truncated back to its length on entry.
 */
kfb_err_t kfb_mapper_write_value(kfb_mapper_t *m, const kfb_mapper_result_t *res, size_t i,
                                 kfb_buf_t *out, char *errstr, size_t errstr_size);

/*
 * Appends res->out[i] to a KV batch zero-copy: begin_record with the key, the value row
 * written straight into the batch buffer, end_record. A skip appends nothing. Batch errors
 * (KFB_ERR_BATCH_FULL: start a new batch and call again) leave the batch unchanged. The
 * batch must be for the mapper's table schema id (kfb_mapper_table_schema_id; its header
 * tells Fluss how to decode the rows) and tagged with the record's target set
 * (kfb_kv_batch_set_tag(batch, res->out[i].target_set): the batch is sent with one
 * target-column list); any other batch is KFB_ERR_STATE, nothing appended.
 */
kfb_err_t kfb_mapper_append_to_batch(kfb_mapper_t *m, const kfb_mapper_result_t *res, size_t i,
                                     kfb_kv_batch_builder_t *batch, char *errstr,
                                     size_t errstr_size);

/* One Kafka message for kfb_mapper_map_batch (pointers borrowed for the call). */
typedef struct kfb_mapper_msg {
    const uint8_t *key; /* Kafka key; NULL when the message has none */
    size_t key_len;
    const uint8_t *value; /* NULL: a tombstone */
    size_t value_len;
    kfb_origin_t origin; /* topic/partition/offset, named in errors */
} kfb_mapper_msg_t;

/*
 * Where kfb_mapper_map_batch puts records: the caller's open KV batch per bucket (the
 * pipeline's per-bucket accumulators). The callbacks must not call into the mapper (no
 * map, no kfb_mapper_set_table: the call holds its current plan and table schema id).
 *   batches/n_batches  unpartitioned tables: batches[bucket] is that bucket's open batch
 *                      (NULL: none yet). May be NULL/0 (every record goes to batch_for),
 *                      as for partitioned tables, where buckets repeat per partition.
 *   batch_for          required: called when a record has no open batch or its batch
 *                      cannot take it (full, closed, stamped with another schema id than
 *                      kfb_mapper_table_schema_id: opened before kfb_mapper_set_table, or
 *                      tagged with another target set than rec->target_set). *out on entry
 *                      is the batch that could not take the record, or NULL when it had
 *                      none (no batches[] entry, as for partitioned tables, or one of
 *                      another schema id or tag). Sets *out to a batch to append it to and
 *                      returns KFB_ERR_OK, or returns an error that stops the call, whatever
 *                      its class (e.g. KFB_ERR_NOMEM when the caller's memory budget is
 *                      spent). Given NULL it may hand out the record's open batch even if
 *                      that turns out full: it is then called again with it, and must seal
 *                      (send, or close) it and hand out a fresh one (or replace
 *                      batches[bucket]: otherwise a later, smaller record of the bucket still
 *                      fits the old batch and a key's updates are split over two batches).
 *                      Given an EMPTY batch that could not take the record, the record is
 *                      larger than the caller's batches: it may hand out a larger batch for
 *                      it alone, or the same batch back, which makes the record a
 *                      per-record KFB_ERR_MAPPER_RECORD_TOO_LARGE. At most four calls per
 *                      record. The batch must be of schema id kfb_mapper_table_schema_id and
 *                      tagged rec->target_set (the caller tags it: kfb_kv_batch_set_tag), and
 *                      is sent with rec->target_columns as its PutKv target-column list
 *                      (NULL: all columns); a batch of another schema id or tag stops the
 *                      call with KFB_ERR_STATE, and so does the same non-empty batch handed
 *                      back, or one that is closed or aborted (with that batch error).
 *   on_error           per-record errors (class RECORD: bad bytes, unknown schema id, ...;
 *                      and plan errors with plan_errors_per_message): return 0 to go on
 *                      with the next message (the message is consumed: dead-letter it),
 *                      nonzero to stop the call at this message. NULL: stop at the first
 *                      one.
 *   plan_errors_per_message
 *                      0: a plan error (the message's writer schema, or its Avro Kafka
 *                      key's schema, cannot be mapped onto the table: KFB_ERR_MAPPER_PLAN,
 *                      class FATAL) stops the call (errors.policy fail). Nonzero (skip,
 *                      dead_letter): it goes to on_error for that message like a
 *                      per-record error, with its code and a sentence naming the message,
 *                      the schema id and the field; on_error's answer decides as above.
 *                      The failed compile is cached per (writer schema id, table schema
 *                      id): later messages of that schema get the same error without a
 *                      recompile or a schema fetch. Other FATAL errors (registry
 *                      credentials, out of memory, batch_for) still stop the call.
 *   placed             optional, 2 * n entries: placed[2i], placed[2i + 1] are the batches
 *                      that took message i's records (NULL: none; a skip, an error, or a
 *                      message with one record). The pipeline uses them to know which
 *                      Kafka offsets a batch's acknowledgement releases. A Debezium key
 *                      change whose upsert row cannot be written (NOT NULL, ...) is a
 *                      per-record error with nothing appended (kfb_mapper_append_to_batch
 *                      would have appended its delete). Only when the call stops at its
 *                      upsert (batch_for failing, or a record too large and on_error
 *                      stopping) is its delete already in the batch placed[2 * *n_done]
 *                      names: calling again from *n_done appends that delete again (a
 *                      second delete of the same key, with nothing in between).
 */
typedef struct kfb_mapper_sink {
    kfb_kv_batch_builder_t **batches;
    size_t n_batches;
    kfb_err_t (*batch_for)(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                           kfb_kv_batch_builder_t **out);
    int (*on_error)(void *ctx, size_t index, kfb_err_t err, const char *errstr);
    kfb_kv_batch_builder_t **placed;
    void *ctx;
    int plan_errors_per_message;
} kfb_mapper_sink_t;

/*
 * Maps msgs[0, n) in order and appends every record to a batch through the sink: the
 * consumer's poll loop hands over what one poll returned. Same mapping, records and errors
 * as kfb_mapper_map + kfb_mapper_append_to_batch message by message (tests check it; one
 * exception: a Debezium key change whose upsert fails appends no delete, see placed), but
 * the common case (a message of the previous one's schema, on the fused path, whose
 * bucket's batch has room) fills no result struct and is one inline append.
 * Returns KFB_ERR_OK with *n_done == n, or the error that stopped the call with a sentence
 * in errstr and *n_done the index of the message not consumed: a RETRIABLE error (schema
 * registry unreachable: call again from *n_done later), a FATAL one (plan error without
 * plan_errors_per_message, batch_for failure), or a per-record error that on_error chose
 * to stop at. errstr also carries
 * each per-record error's text while on_error runs. KFB_ERR_INVALID_ARG for a sink
 * without batch_for.
 */
kfb_err_t kfb_mapper_map_batch(kfb_mapper_t *m, const kfb_mapper_msg_t *msgs, size_t n,
                               const kfb_mapper_sink_t *sink, size_t *n_done, char *errstr,
                               size_t errstr_size);

/*
 * Drops the Debezium "tombstone after delete" memory of one Kafka partition (topic as in
 * the messages' origin; NULL stands for an origin without a topic): call it when the
 * partition is revoked or lost in a rebalance, and when the consumer seeks in it, since a
 * remembered delete must only match the tombstone that directly follows it in that
 * partition. The memory is one entry per partition that had a delete; forgetting frees
 * it. kfb_mapper_forget_all drops every partition's (and the origin-less) memory.
 */
void kfb_mapper_forget_partition(kfb_mapper_t *m, const char *topic, int32_t partition);
void kfb_mapper_forget_all(kfb_mapper_t *m);

/* 1 when key bytes are CompactedKeyEncoder bytes (decodable with kfb_key_decode over the
 * physical primary-key column types), 0 for lake key formats (Paimon, Iceberg). */
int kfb_mapper_key_is_compacted(const kfb_mapper_t *m);

/* Plans compiled so far (one per writer schema id, table schema id and role), for tests
 * and metrics. */
size_t kfb_mapper_plan_count(const kfb_mapper_t *m);

/* Testing hook: 0 turns the fused path off (every message takes the general path), so
 * tests can compare both on the same messages; 1 (the default) turns it back on. */
void kfb_mapper_set_fused_for_testing(kfb_mapper_t *m, int enabled);
/* Messages mapped by the fused path so far (tests check that it was taken). */
uint64_t kfb_mapper_fused_count_for_testing(const kfb_mapper_t *m);
/* Testing hooks: whether fused ops may run as machine code (mapper_jit.c; on by default
 * where there is a JIT, off with KFB_MAPPER_JIT=0 in the environment), and how many
 * messages it mapped. */
void kfb_mapper_set_jit_for_testing(kfb_mapper_t *m, int enabled);
uint64_t kfb_mapper_jit_count_for_testing(const kfb_mapper_t *m);

#endif
