/*
 * fluss_client.h - the Fluss client: cluster metadata, admin calls, lookups and
 * an idempotent PutKv writer, with all network I/O on the client's own thread.
 *
 * Threads (the librdkafka model):
 *   - kfb_fluss_client_new() starts one I/O thread running a poll() loop over
 *     every server connection (fluss_conn.h). Nothing else touches sockets.
 *   - kfb_fluss_client_submit() hands a KV batch to the I/O thread through a
 *     bounded queue and never blocks: when the queue is full it returns
 *     KFB_ERR_RPC_QUEUE_FULL and the caller applies backpressure.
 *   - Completions are delivered on the CALLER's thread: kfb_fluss_client_poll()
 *     invokes the delivery callback once per batch, in completion order, and
 *     batches of one (table, partition, bucket) always complete in submit order.
 *     Callbacks therefore need no locking against the submitting thread if the
 *     same thread polls.
 *   - The blocking helpers (metadata, admin, lookup) may be called from any
 *     thread; they block that thread up to their timeout, so they are meant for
 *     setup and tools, not for the consumer's poll loop (submit_to_partition
 *     resolves partitions without blocking).
 *
 * Writer semantics (fluss-protocol.md §10.5, §10.6, §11; Java Sender.java,
 * IdempotenceManager.java, RecordAccumulator.java): the I/O thread obtains a
 * writer id with InitWriter, stamps each batch with (writer id, per-bucket
 * sequence) when it is first sent (kfb_kv_batch_restamp: a batch whose length,
 * magic or CRC is wrong fails for good with that error, unsent), keeps at most
 * `max_inflight_per_bucket` (<= 5) batches of a bucket in flight, sends PutKv (acks = -1) to the bucket
 * leader grouping buckets of one table per leader, retries retriable errors with
 * the same sequence after a back-off (refreshing metadata for leader errors),
 * treats duplicates and "out of order but already acknowledged" as success,
 * renumbers later batches after a batch fails for good, and moves a bucket to a
 * new writer id when the server's sequence state for it cannot be trusted any
 * more (OUT_OF_ORDER_SEQUENCE / UNKNOWN_WRITER_ID on its next expected batch,
 * or a batch of unknown outcome given up on). Other buckets keep theirs. A
 * batch with an attempt of unknown outcome is never resent under a new writer
 * id (see WRITE_IN_DOUBT below; fluss_writer.c has the details).
 *
 * Completion contract (what the pipeline relies on):
 *   - Exactly one delivery callback for every batch whose submit returned OK
 *     (destroy without flush excepted); finishing a batch allocates nothing.
 *   - Batches of one (table, partition, bucket) complete in submit order.
 *   - result.err == OK: the batch was applied exactly as submitted (possibly
 *     as a duplicate of an earlier attempt, which Fluss does not apply twice).
 *   - result.err == WRITE_IN_DOUBT (retriable): the batch may or may not be in
 *     Fluss, and the client will not send it again. It is given when a batch
 *     that had an attempt of unknown outcome (the connection failed or the
 *     deadline passed after the request was sent, the response lacked the
 *     bucket, or an answer that does not prove it was refused, such as
 *     REQUEST_TIME_OUT 25 or NOT_ENOUGH_REPLICAS_AFTER_APPEND 28, which Fluss
 *     gives after applying: kfb_fluss_err_putkv_not_applied) then
 *       . got OUT_OF_ORDER_SEQUENCE / UNKNOWN_WRITER_ID as the next expected
 *         batch of its bucket,
 *       . was still unacknowledged when delivery_timeout_ms passed,
 *       . got an error that is not retried (fluss_error says which), or
 *       . was waiting for a resend when its bucket moved to a new writer id;
 *     and to a batch that was refused but sits before such a batch in its
 *     bucket (sending it under the new id could apply it after that one).
 *     result.message names table, bucket, the earlier attempt's error and why
 *     the client gave up. Every later batch of the bucket is sent only after
 *     it completed. The caller must treat order as no longer guaranteed from
 *     this batch on (the bridge replays from its committed offsets).
 *   - Any other error: the batch was NOT applied (never sent, or every attempt
 *     was refused with an answer that proves it). TIMEOUT: delivery_timeout_ms
 *     passed while it waited (for a writer id, a leader, a partition id, or
 *     a resend after refusals); the message says what it waited for.
 *     FLUSS_RETRIABLE with fluss_error OUT_OF_ORDER_SEQUENCE (31) or
 *     UNKNOWN_WRITER_ID (33): the next expected batch of its bucket, refused
 *     because the server lost the bucket's writer state; submitting it again
 *     works (later batches already go out under a new writer id).
 *     FLUSS_ERROR: refused for good (fluss_error says why; see
 *     kfb_fluss_err_is_record_level for the codes a record causes).
 *
 * Metadata: bootstrap servers give the coordinator and tablet servers; each
 * opened table is refreshed on its own (after leader errors before any resend,
 * and every metadata_max_age_ms). A table or partition the server reports as
 * gone fails its pending batches with TABLE_NOT_EXIST / PARTITION_NOT_EXISTS
 * (WRITE_IN_DOUBT for one that may have been applied); other tables and
 * partitions are unaffected.
 *
 * Ownership: submit copies the batch bytes (the caller may reset its builder
 * right away). Results passed to callbacks are valid only during the callback.
 * Strings in conf are copied by _new.
 */
#ifndef KFB_FLUSS_CLIENT_H
#define KFB_FLUSS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "errors.h"
#include "table_desc.h"

typedef struct kfb_fluss_client kfb_fluss_client_t;

/* Outcome of one submitted batch. */
typedef struct kfb_fluss_batch_result {
    int64_t table_id;
    int64_t partition_id; /* -1 for non-partitioned tables */
    int32_t bucket_id;
    kfb_err_t err;            /* OK, or why the batch failed for good */
    int32_t fluss_error;      /* Fluss error code (0 on success, -1 unknown) */
    const char *error_name;   /* e.g. "DELETION_DISABLED_EXCEPTION"; "" on success */
    const char *message;      /* a sentence for the user; "" on success */
    int64_t log_end_offset;   /* changelog LEO after this write; -1 if unknown
                                 (acknowledged as a duplicate or via sequence) */
    int64_t writer_id;        /* writer id / sequence the batch was applied with */
    int32_t batch_sequence;
    int attempts;             /* sends, including the first */
    void *opaque;             /* as passed to submit */
} kfb_fluss_batch_result_t;

typedef void (*kfb_fluss_delivery_cb_t)(kfb_fluss_client_t *c,
                                        const kfb_fluss_batch_result_t *result,
                                        void *cb_opaque);

typedef struct kfb_fluss_client_conf {
    const char *bootstrap_servers; /* "host:port[,host:port]"; IPv6 as "[::1]:9123" */
    const char *client_name;       /* ApiVersions strings (default "fluss" / "0.1.0") */
    const char *client_version;
    const char *sasl_username;     /* SASL/PLAIN when set (fluss-protocol.md §13) */
    const char *sasl_password;
    int request_timeout_ms;        /* client-side deadline per RPC; default 30000 */
    int connect_timeout_ms;        /* default 10000 */
    int reconnect_backoff_ms;      /* default 100 */
    int reconnect_backoff_max_ms;  /* default 5000 */
    int retry_backoff_ms;          /* first retry delay of a batch; default 100, x2 up to 1000 */
    int metadata_max_age_ms;       /* periodic metadata refresh; default 300000 */
    int putkv_timeout_ms;          /* PutKvRequest.timeout_ms; default 30000 */
    int acks;                      /* default -1; idempotence needs -1 */
    int max_inflight_per_bucket;   /* 1..5, default 5 */
    int delivery_timeout_ms;       /* give up on a batch not acknowledged this long
                                      after submit: waiting for a writer id, a leader,
                                      a partition id or a resend; a batch in flight ends
                                      with its request (at most putkv_timeout_ms +
                                      request_timeout_ms later). TIMEOUT, or
                                      WRITE_IN_DOUBT for a batch that may have been
                                      applied. 0 = never (Java retries forever);
                                      default 0 */
    size_t max_request_bytes;      /* PutKv request size cap; default 10 MiB (one
                                      batch larger than this is still sent alone) */
    size_t max_frame;              /* largest response frame; default 100 MiB */
    int queue_max_batches;         /* submitted, not yet delivered; default 10000 */
    size_t queue_max_bytes;        /* same, in batch bytes; default 256 MiB */
    int backpressure_max_throttle_ms; /* bucket pause for server pressure p: max * p^2,
                                      STORAGE_BACKPRESSURE = max; default 3000
                                      (client.writer.kv-backpressure.max-throttle) */
    kfb_fluss_delivery_cb_t delivery_cb;
    void *delivery_opaque;
} kfb_fluss_client_conf_t;

/* Fills defaults (no bootstrap servers). */
void kfb_fluss_client_conf_init(kfb_fluss_client_conf_t *conf);

/* Validates the configuration and starts the I/O thread. Does not connect yet
 * (the first call or batch does). NULL + errstr on error. */
kfb_fluss_client_t *kfb_fluss_client_new(const kfb_fluss_client_conf_t *conf, char *errstr,
                                         size_t errstr_size);
/* Stops the I/O thread and frees everything. Batches not yet delivered are
 * dropped without callbacks (a warning names their number): call
 * kfb_fluss_client_flush() first. No other thread may still be inside a call on
 * this client. NULL is a no-op. */
void kfb_fluss_client_destroy(kfb_fluss_client_t *c);

/* ------------------------------------------------------------------ writing */

/*
 * Queues one KV batch (fluss-protocol.md §9, header writer id / sequence are
 * overwritten) for (table_id, partition_id or -1, bucket_id). The table must have
 * been opened with kfb_fluss_client_get_table() (and the partition resolved with
 * kfb_fluss_client_resolve_partition()). Never blocks. Returns:
 *   OK              queued; exactly one delivery callback will follow. A
 *                   bucket_id >= the table's bucket count is accepted and
 *                   delivered at once with INVALID_ARG and a message naming
 *                   table, bucket and bucket count (not sent)
 *   RPC_QUEUE_FULL  the bounded queue is full; retry after polling
 *   INVALID_ARG     unknown table, batch shorter than a batch header
 *   RPC_SHUTDOWN    the client is being destroyed
 *   NOMEM           (then there is no callback; after OK a lack of memory
 *                   is delivered: NOMEM when the state for a new bucket or
 *                   partition name cannot be allocated, not applied)
 */
kfb_err_t kfb_fluss_client_submit(kfb_fluss_client_t *c, int64_t table_id, int64_t partition_id,
                                  int32_t bucket_id, const uint8_t *batch, size_t len,
                                  void *opaque);

/*
 * Same for a partitioned table, naming the partition instead of its id
 * (fluss-protocol.md §12): never blocks either. The I/O thread resolves the name
 * with a Metadata request; on PARTITION_NOT_EXISTS and create != 0 it sends
 * CreatePartition(spec, ignore if it exists) to the coordinator
 * (DynamicPartitionCreator.java) and resolves again. Batches of an unresolved
 * partition wait, in submit order; if resolution fails for good (e.g.
 * PARTITION_SPEC_INVALID_EXCEPTION, or PARTITION_NOT_EXISTS without create) each
 * one is delivered with that error. spec: n_spec (<= 64) partition key/value
 * pairs in partition-key order; only needed with create. Strings are copied.
 */
kfb_err_t kfb_fluss_client_submit_to_partition(kfb_fluss_client_t *c, int64_t table_id,
                                               const char *partition_name, int create,
                                               const char *const *spec_keys,
                                               const char *const *spec_values, size_t n_spec,
                                               int32_t bucket_id, const uint8_t *batch,
                                               size_t len, void *opaque);

/*
 * Per-batch write options (kfb_fluss_client_submit_ex). Zero-initialise, then set
 * what you need; NULL options = all defaults = kfb_fluss_client_submit().
 *
 * Partial updates (fluss-protocol.md §8, §10.3): target_columns lists the
 * 0-based column positions (latest schema) this batch writes; NULL/0 = every
 * column, a full-row upsert. The value rows still carry every column (columns
 * outside the list are written as null and ignored by the server, which keeps
 * the stored values, or null for a new key). The list must contain every
 * primary-key column and the table's other columns must all be nullable, else
 * the server fails the batch with INVALID_TARGET_COLUMN (35); a table with an
 * auto-increment column needs a list without that column.
 *
 * A PutKv request carries ONE target-column list and ONE agg_mode for all its
 * buckets (ClientRpcMessageUtils.makePutKvRequest refuses to mix), so the client
 * only groups batches whose lists (same values, same order) and agg_mode are
 * identical; the list is copied. Consequences for the pipeline: one KV batch
 * holds the records of ONE target-column set: a mapper output with a different
 * kfb_mapper write target set must start a new batch for that bucket. Batches
 * of one bucket still complete in submit order whatever their target sets.
 *
 * agg_mode: 0 = the table's merge engine (what the Java client sends by
 * default), 1 = overwrite (bypass the merge engine, deletes allowed;
 * MergeMode.java). Other values are refused (INVALID_ARG).
 *
 * partition_name != NULL: submit by partition name exactly as
 * kfb_fluss_client_submit_to_partition (partition_id must then be -1).
 */
typedef struct kfb_fluss_submit_opts {
    const int32_t *target_columns; /* NULL = all columns; each 0..32767, no duplicates */
    size_t n_target_columns;       /* <= 4096 */
    int32_t agg_mode;
    const char *partition_name;
    int create;
    const char *const *spec_keys;
    const char *const *spec_values;
    size_t n_spec;
} kfb_fluss_submit_opts_t;

/*
 * The Java client's check of a target-column list against a table
 * (UpsertWriterImpl.sanityCheck), for setup time (e.g. when a mapper plan is
 * compiled), so a bad list is refused before any batch fails with
 * INVALID_TARGET_COLUMN: cols/n (NULL/0 = all columns) must name existing
 * columns without repeats and contain every primary-key column, must not name
 * the auto-increment column (which then makes a list mandatory), and every
 * column outside the primary key and the auto-increment column must be
 * nullable. OK, or INVALID_ARG with a sentence in errstr (Java's wording).
 */
kfb_err_t kfb_fluss_target_columns_check(const kfb_table_desc_t *td, const int32_t *cols,
                                         size_t n, char *errstr, size_t errstr_size);

/* kfb_fluss_client_submit with options (NULL = defaults). Same return codes;
 * INVALID_ARG also for a bad target-column list or agg_mode. */
kfb_err_t kfb_fluss_client_submit_ex(kfb_fluss_client_t *c, int64_t table_id,
                                     int64_t partition_id, int32_t bucket_id,
                                     const uint8_t *batch, size_t len,
                                     const kfb_fluss_submit_opts_t *opts, void *opaque);

/* Serves delivery callbacks on the calling thread: waits up to timeout_ms
 * (0 = don't wait, -1 = forever) for at least one, then serves all that are
 * ready. Returns the number served. */
int kfb_fluss_client_poll(kfb_fluss_client_t *c, int timeout_ms);

/* Polls until every submitted batch is delivered. TIMEOUT if some remain. */
kfb_err_t kfb_fluss_client_flush(kfb_fluss_client_t *c, int timeout_ms);

/* Batches submitted and not yet delivered. */
size_t kfb_fluss_client_outstanding(kfb_fluss_client_t *c);

/* The writer id new bucket sessions start with (-1 before InitWriter
 * succeeded, and while a new one is fetched). Buckets whose session was not
 * reset keep the id they started with (result.writer_id). */
int64_t kfb_fluss_client_writer_id(kfb_fluss_client_t *c);

/* --------------------------------------------------------- metadata, admin */

/* What kfb_fluss_client_get_table returns; free with kfb_fluss_table_info_free. */
typedef struct kfb_fluss_table_info {
    char *database;
    char *table;
    int64_t table_id;
    int32_t schema_id;      /* latest */
    int32_t bucket_count;   /* table_json.bucket_count; -1 if absent */
    int partitioned;        /* table_json.partition_key is non-empty */
    char *table_json;       /* NUL-terminated copy of the TableDescriptor JSON (§5) */
    size_t table_json_len;
    kfb_table_desc_t *desc; /* table_json parsed (table_desc.h); owned by this struct */
} kfb_fluss_table_info_t;

void kfb_fluss_table_info_free(kfb_fluss_table_info_t *info);

/*
 * GetTableInfo + bucket leaders. Opens the table for submit (its metadata is
 * then refreshed on leader errors and every metadata_max_age_ms). On error
 * returns e.g. FLUSS_ERROR (TABLE_NOT_EXIST ...), TIMEOUT, RPC_DISCONNECTED, or
 * UNSUPPORTED_FORMAT when table_json does not parse (kfb_table_desc_parse), and
 * fills errstr with a sentence naming the table and the cause.
 */
kfb_err_t kfb_fluss_client_get_table(kfb_fluss_client_t *c, const char *database,
                                     const char *table, int timeout_ms,
                                     kfb_fluss_table_info_t **out, char *errstr,
                                     size_t errstr_size);

/* Partition name -> id for an opened partitioned table (fluss-protocol.md §12).
 * With create != 0 and an unknown partition, sends CreatePartition (ignore if it
 * exists) built from the n key/value pairs, then resolves again. */
kfb_err_t kfb_fluss_client_resolve_partition(kfb_fluss_client_t *c, int64_t table_id,
                                             const char *partition_name, int create,
                                             const char *const *spec_keys,
                                             const char *const *spec_values, size_t n,
                                             int timeout_ms, int64_t *partition_id,
                                             char *errstr, size_t errstr_size);

kfb_err_t kfb_fluss_client_database_exists(kfb_fluss_client_t *c, const char *database,
                                           int timeout_ms, int *exists, char *errstr,
                                           size_t errstr_size);
kfb_err_t kfb_fluss_client_create_database(kfb_fluss_client_t *c, const char *database,
                                           int ignore_if_exists, int timeout_ms, char *errstr,
                                           size_t errstr_size);
kfb_err_t kfb_fluss_client_table_exists(kfb_fluss_client_t *c, const char *database,
                                        const char *table, int timeout_ms, int *exists,
                                        char *errstr, size_t errstr_size);
/* table_json: a TableDescriptor JSON (fluss-protocol.md §5.1, note §14.17). */
kfb_err_t kfb_fluss_client_create_table(kfb_fluss_client_t *c, const char *database,
                                        const char *table, const char *table_json,
                                        int ignore_if_exists, int timeout_ms, char *errstr,
                                        size_t errstr_size);

/* One column for kfb_fluss_client_alter_table (TableChange.AddColumn). Strings are
 * only read during the call. */
typedef struct kfb_fluss_column_add {
    const char *name;           /* the new column's name */
    const char *data_type_json; /* its type as DataTypeJsonSerde JSON (fluss-protocol.md
                                   §5.3), e.g. {"type":"STRING"} or {"type":"DECIMAL",
                                   "precision":10,"scale":2}; Fluss 0.9 refuses a NOT NULL
                                   type ("nullable":false) */
    const char *comment;        /* NULL = none */
} kfb_fluss_column_add_t;

/*
 * ALTER TABLE database.table ADD COLUMN cols[0..n) with Fluss's AlterTable RPC
 * (api key 1044, to the coordinator; FlussApi.proto AlterTableRequest with
 * add_columns, column_position_type LAST: ClientRpcMessageUtils.makeAlterTableRequest).
 * Fluss 0.9 appends the columns at the end of the schema, all or none, under the
 * next schema id (CoordinatorService.alterTable, SchemaUpdate.addColumn); the table
 * info (kfb_fluss_client_get_table) shows the new schema id once the call returned
 * OK. ignore_if_not_exists: a missing table is then OK, not TABLE_NOT_EXIST.
 * Returns OK, INVALID_ARG (n == 0, a NULL or empty name or type, nothing sent), or
 * the kfb_fluss_client_call errors; *fluss_error (may be NULL) receives the Fluss
 * code of a refusal, e.g. INVALID_ALTER_TABLE_EXCEPTION (56) "Column x already
 * exists.", UNKNOWN_SERVER_ERROR (-1) "... Column x must be nullable.",
 * TABLE_NOT_EXIST (7), with errstr naming the table and Fluss's message.
 */
kfb_err_t kfb_fluss_client_alter_table(kfb_fluss_client_t *c, const char *database,
                                       const char *table, const kfb_fluss_column_add_t *cols,
                                       size_t n, int ignore_if_not_exists, int timeout_ms,
                                       int32_t *fluss_error, char *errstr, size_t errstr_size);

/*
 * Point lookups on one bucket of an opened table (Lookup v1 when offered, to the
 * bucket leader). values[i] / value_lens[i] receive a malloc'd copy of the value
 * for keys[i], WITHOUT its 2-byte schema id prefix (fluss-protocol.md §6.6), whose
 * value goes to schema_ids[i] (may be NULL); NULL / 0 / -1 when the key is absent.
 * The caller frees each values[i].
 */
kfb_err_t kfb_fluss_client_lookup(kfb_fluss_client_t *c, int64_t table_id, int64_t partition_id,
                                  int32_t bucket_id, const uint8_t *const *keys,
                                  const size_t *key_lens, size_t n, int timeout_ms,
                                  uint8_t **values, size_t *value_lens, int32_t *schema_ids,
                                  char *errstr, size_t errstr_size);

/* Where a generic call goes. */
typedef enum kfb_fluss_target {
    KFB_FLUSS_TARGET_ANY = 0,    /* any server (read-only metadata calls) */
    KFB_FLUSS_TARGET_COORDINATOR,
    KFB_FLUSS_TARGET_TABLET,     /* any tablet server */
} kfb_fluss_target_t;

/*
 * Generic blocking RPC: sends `req` (api_key, negotiated version) to `target`,
 * waits up to timeout_ms, and unpacks a SUCCESS body with resp_desc into *resp
 * (caller frees with protobuf_c_message_free_unpacked; resp may be NULL to ignore
 * the body). An ERROR response gives FLUSS_ERROR or FLUSS_RETRIABLE with
 * *fluss_error (may be NULL) set and errstr naming it. Transport failures are
 * retried with back-off until the timeout.
 */
kfb_err_t kfb_fluss_client_call(kfb_fluss_client_t *c, kfb_fluss_target_t target, int16_t api_key,
                                const ProtobufCMessage *req,
                                const ProtobufCMessageDescriptor *resp_desc, int timeout_ms,
                                ProtobufCMessage **resp, int32_t *fluss_error, char *errstr,
                                size_t errstr_size);

#endif
