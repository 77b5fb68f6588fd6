/*
 * fluss_ts_internal.h - shared internals of the Fluss test server
 * (fluss_ts_*.c). Not a public API: tests use fluss_test_server.h.
 *
 * Layout of the server:
 *   fluss_test_server.c  start/stop, ports, loop thread, listeners, connections,
 *                        framing, delayed responses, refused connections
 *   fluss_ts_dispatch.c  request header, role routing, auth gate, faults,
 *                        protobuf handlers for every API
 *   fluss_ts_state.c     tables, buckets, KV maps, writer state, dump, stats
 *   fluss_ts_tables.c    descriptor normalisation, tables file
 *   fluss_ts_rows.c      adapter to the row/key/batch readers of the project
 *   fluss_ts_fault.c     fault list
 *   fluss_ts_control.c   text control protocol
 *
 * Locking: s->mu guards all state (tables, faults, stats, listener intents).
 * The loop thread owns connections and sockets; it takes s->mu around each
 * frame it dispatches.
 */
#ifndef KFB_FLUSS_TS_INTERNAL_H
#define KFB_FLUSS_TS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"
#include "fluss_errors.h"
#include "fluss_test_server.h"
#include "rpc_frame.h"
#include "table_desc.h"

#define FTS_FAC "fts"

/* API keys are KFB_API_* (rpc_frame.h), error codes KFB_FLUSS_* (fluss_errors.h). */

#define FTS_MAX_ERRCODE 128 /* stats array covers -1..126 */
#define FTS_NUM_APIS 64     /* stats array covers api keys 1000..1063 */
#define FTS_BATCHES_TO_RETAIN 5
#define FTS_DEFAULT_MAX_REQUEST (100 * 1024 * 1024)
#define FTS_BATCH_LOG_MAX (32 * 1024 * 1024) /* kfb_fts_batch_log keeps this much */

/* ---- KV map: key bytes -> stored value (schema id + row) ---- */

typedef struct fts_kv_entry {
    struct fts_kv_entry *next;
    uint32_t hash;
    uint32_t klen, vlen;
    int16_t schema_id;
    uint8_t *key; /* one allocation: key then value */
    uint8_t *val;
} fts_kv_entry_t;

typedef struct fts_kv_map {
    fts_kv_entry_t **slots;
    size_t nslots, count;
} fts_kv_map_t;

fts_kv_entry_t *fts_kv_get(const fts_kv_map_t *m, const uint8_t *key, size_t klen);
kfb_err_t fts_kv_put(fts_kv_map_t *m, const uint8_t *key, size_t klen, int16_t schema_id,
                     const uint8_t *val, size_t vlen);
bool fts_kv_del(fts_kv_map_t *m, const uint8_t *key, size_t klen);
void fts_kv_free(fts_kv_map_t *m);

/* ---- writer state, {server}/log/WriterStateEntry.java ---- */

typedef struct fts_batch_meta {
    int32_t seq;
    int64_t last_offset;
} fts_batch_meta_t;

typedef struct fts_writer {
    struct fts_writer *next;
    int64_t writer_id;
    int nbatches; /* retained, oldest first, at most FTS_BATCHES_TO_RETAIN */
    fts_batch_meta_t batches[FTS_BATCHES_TO_RETAIN];
} fts_writer_t;

typedef struct fts_bucket {
    int32_t bucket_id;
    int leader;          /* tablet node id; -1 = no leader */
    int32_t leader_epoch;
    int64_t log_end_offset;
    fts_kv_map_t kv;
    fts_writer_t *writers;
} fts_bucket_t;

typedef struct fts_partition {
    int64_t id;
    char *name;
    fts_bucket_t *buckets;
} fts_partition_t;

enum { FTS_DELETE_ALLOW, FTS_DELETE_IGNORE, FTS_DELETE_DISABLE };
enum { FTS_MERGE_NONE, FTS_MERGE_FIRST_ROW };

struct fts_schema; /* fluss_ts_rows.c */

typedef struct fts_table {
    char *db, *name;
    int64_t table_id;
    int32_t schema_id;    /* latest; every id 1..schema_id is kept (fts_schema) */
    char *table_json;     /* normalised TableDescriptor JSON of the latest schema */
    char **schema_jsons;  /* [1..schema_id]: each schema version's "schema" object */
    int bucket_count;
    bool partitioned;
    int delete_behavior;
    int merge_engine;
    bool changelog_wal;   /* table.changelog.image = WAL */
    int64_t created_ms, modified_ms;
    fts_bucket_t *buckets; /* non-partitioned: bucket_count entries */
    fts_partition_t *parts;
    size_t nparts;
    struct fts_schema *schema;
} fts_table_t;

/* ---- faults ---- */

typedef struct fts_fault {
    kfb_fts_fault_t f;
    int remaining; /* -1 = forever */
    int skip_left; /* matches still to let pass (kfb_fts_fault_t.skip) */
} fts_fault_t;

/* ---- listeners and connections (loop thread) ---- */

typedef struct fts_delayed {
    struct fts_delayed *next;
    int64_t due_ms;
    bool close_after; /* a SERVER_FAILURE frame that ends the connection */
    size_t len;
    uint8_t data[];
} fts_delayed_t;

typedef struct fts_conn {
    struct fts_conn *next;
    int fd;
    int node; /* tablet id or KFB_FTS_COORDINATOR */
    bool authenticated;
    bool closing;      /* flush `out`, then close */
    bool dead;         /* close now */
    kfb_buf_t in;
    size_t in_off;
    kfb_buf_t out;
    size_t out_off;
    fts_delayed_t *delayed; /* sorted by due time */
} fts_conn_t;

typedef struct fts_node {
    int node;          /* tablet id or KFB_FTS_COORDINATOR */
    int listen_fd;
    int port;
    int64_t refuse_until_ms; /* listener closed until then (0 = open) */
    bool drop_requested;
} fts_node_t;

struct kfb_fts {
    kfb_fts_config_t cfg;
    char *host, *sasl_user, *sasl_pass;
    char bootstrap[80];
    bool offline;
    int32_t max_request;

    pthread_mutex_t mu;
    pthread_t thread;
    bool thread_started;
    int wake_pipe[2];
    /* set by kfb_fluss_test_server_stop() on the caller's thread, read by the loop
     * thread outside s->mu (it must see it while blocked in poll()) */
    atomic_bool stopping;

    int n_tablets;
    fts_node_t nodes[KFB_FTS_MAX_TABLET_SERVERS + 1]; /* [0] = coordinator */
    fts_conn_t *conns;

    /* state (s->mu) */
    fts_table_t **tables;
    size_t ntables, cap_tables;
    char **databases;
    size_t ndatabases, cap_databases;
    int64_t next_table_id;
    int64_t next_partition_id;
    int64_t next_writer_id;
    fts_fault_t *faults;
    size_t nfaults, cap_faults;

    /* the last request payload (after the length prefix) of each api key as
     * received, for tests of the client's wire bytes (kfb_fts_last_request) */
    kfb_buf_t last_request[FTS_NUM_APIS];

    kfb_fts_stats_t stats;
    uint64_t rejections_by_code[FTS_MAX_ERRCODE];
    uint64_t api_calls[FTS_NUM_APIS];
    kfb_buf_t putkv_log; /* kfb_fts_putkv_log */
    kfb_buf_t batch_log; /* kfb_fts_batch_log */
    kfb_buf_t last_putkv; /* kfb_fts_last_putkv_body */
};

/* time */
int64_t fts_now_ms(void);

/* nodes */
fts_node_t *fts_node(kfb_fts_t *s, int node);
void fts_wake(kfb_fts_t *s);

/* state (caller holds s->mu) */
fts_table_t *fts_find_table(kfb_fts_t *s, const char *db, const char *name);
fts_table_t *fts_find_table_id(kfb_fts_t *s, int64_t id);
bool fts_has_database(kfb_fts_t *s, const char *db);
kfb_err_t fts_add_database(kfb_fts_t *s, const char *db);
/* bucket of (table, partition id or -1, bucket id); NULL when it does not exist */
fts_bucket_t *fts_table_bucket(fts_table_t *t, int64_t partition_id, int32_t bucket);
fts_partition_t *fts_find_partition(fts_table_t *t, int64_t id);
fts_partition_t *fts_find_partition_name(fts_table_t *t, const char *name);
/* Adds a partition named by its values joined with '$' in partition-key order
 * (ResolvedPartitionSpec.getPartitionName). Fluss code; FTS name rules apply. */
int fts_add_partition(kfb_fts_t *s, fts_table_t *t, const char *name, int64_t *id_out, char *msg,
                      size_t msg_size);
/* Bucket i of a table in a flat enumeration over partitions (count = all buckets). */
size_t fts_table_nbuckets(const fts_table_t *t);
fts_bucket_t *fts_table_bucket_at(fts_table_t *t, size_t i, fts_partition_t **part);
void fts_table_free(fts_table_t *t);
void fts_count_rejection(kfb_fts_t *s, int code);
/* Creates the table from a descriptor (caller holds s->mu). Fluss error code
 * KFB_FLUSS_* on failure with msg filled, KFB_FLUSS_NONE on success. */
int fts_create_table(kfb_fts_t *s, const char *db, const char *name, const char *json,
                     size_t json_len, int bucket_count, const int *leaders, int64_t *id_out,
                     char *msg, size_t msg_size);
char *fts_dump_table_locked(kfb_fts_t *s, fts_table_t *t);

/* One column of an AlterTable request's add_columns (PbAddColumn). */
typedef struct fts_add_column {
    const char *name;
    const uint8_t *type_json; /* data_type_json, DataTypeJsonSerde */
    size_t type_json_len;
    const char *comment;      /* NULL when absent */
    const char *agg_function; /* agg_function_type, NULL when absent */
} fts_add_column_t;

/* SchemaUpdate.addColumn's checks of each column (already there, NOT NULL type),
 * without changing anything. Fluss error code, msg filled. */
int fts_alter_check_add_columns(fts_table_t *t, const fts_add_column_t *cols, size_t n, char *msg,
                                size_t msg_size);
/* Applies AlterTable's add_columns to t the way the coordinator does
 * (fluss_ts_tables.c cites the Java sources): all or nothing, a new schema id
 * when anything changed. Caller holds s->mu. Fluss error code, msg filled. */
int fts_alter_add_columns(kfb_fts_t *s, fts_table_t *t, const fts_add_column_t *cols, size_t n,
                          char *msg, size_t msg_size);
/* Parses and checks one data_type_json the way JsonSerdeUtils.readValue with
 * DataTypeJsonSerde would (UNKNOWN_SERVER_ERROR with msg when it fails); *nullable. */
int fts_parse_column_type(const uint8_t *json, size_t len, bool *nullable, char *msg,
                          size_t msg_size);

/* PutKv of one bucket batch, fluss_ts_state.c. overwrite = agg_mode 1 (merge
 * engine and delete behaviour bypassed). Returns a Fluss error code; on success
 * *leo receives the log end offset to report. */
int fts_put_batch(kfb_fts_t *s, fts_table_t *t, fts_partition_t *part, fts_bucket_t *b,
                  const uint8_t *rec, size_t len, bool overwrite, const int32_t *targets,
                  size_t n_targets, int64_t *leo, char *msg, size_t msg_size);

/* faults (caller holds s->mu). Match and consume one fault of one of the given
 * kinds (bitmask of 1 << kind) for a whole request; NULL when none. The
 * returned copy stays valid until the next call. */
bool fts_fault_take(kfb_fts_t *s, unsigned kinds, int api_key, int node, kfb_fts_fault_t *out);
/* Per-bucket ERROR fault for (api, node, table, bucket). */
bool fts_fault_take_bucket(kfb_fts_t *s, int api_key, int node, int64_t table_id, int bucket,
                           kfb_fts_fault_t *out);

/* dispatcher: handles one complete frame (prefix already removed). Appends to
 * c->out or c->delayed and may mark the connection closing/dead. Caller holds
 * s->mu. */
void fts_dispatch_frame(kfb_fts_t *s, fts_conn_t *c, const uint8_t *frame, size_t len);
/* Appends a SERVER_FAILURE frame, marks the connection closing. */
void fts_send_server_failure(kfb_fts_t *s, fts_conn_t *c, int code, const char *msg);
/* Framer: consumes complete frames from c->in. Caller holds s->mu. */
void fts_conn_process_input(kfb_fts_t *s, fts_conn_t *c);
void fts_conn_free(fts_conn_t *c);

/* rows adapter (fluss_ts_rows.c) */
struct fts_schema *fts_schema_new(const char *table_json, char *msg, size_t msg_size);
/* Takes ownership of td (also on failure); latest = the table's schema id (ids
 * 1..latest all read as td's columns). */
struct fts_schema *fts_schema_new_desc(kfb_table_desc_t *td, int32_t latest);
/* The schema after an ALTER TABLE that added columns at the end: td (taken over, also
 * on failure) becomes schema id latest + 1, the earlier ids keep their columns. Frees
 * `old` on success; NULL (old untouched) when out of memory or at id 32767. */
struct fts_schema *fts_schema_add_version(struct fts_schema *old, kfb_table_desc_t *td);
void fts_schema_free(struct fts_schema *sc);
size_t fts_schema_column_count(const struct fts_schema *sc);
int32_t fts_schema_latest(const struct fts_schema *sc);
/* The latest schema's descriptor (owned by sc). */
const kfb_table_desc_t *fts_schema_desc(const struct fts_schema *sc);
/* Columns of schema `schema_id` (the latest's first n); 0 when there is no such id. */
size_t fts_schema_version_columns(const struct fts_schema *sc, int32_t schema_id);
/* Checks one value row against the schema of `schema_id` (Fluss error code). */
int fts_schema_check_row(const struct fts_schema *sc, int32_t schema_id, const uint8_t *row,
                         size_t len, char *msg, size_t msg_size);
/* After a successful check_row (of any schema id): do the row's partition
 * columns render to `partition_name` (§12 value rules)? Types without a simple
 * rendering here are not compared. Fluss error code (-1 on mismatch). */
int fts_schema_check_partition(const struct fts_schema *sc, const char *partition_name,
                               char *msg, size_t msg_size);
size_t fts_schema_partition_key_count(const struct fts_schema *sc);
const char *fts_schema_partition_key_name(const struct fts_schema *sc, size_t i);
/* Decodes the key and computes its bucket; Fluss error code. */
int fts_schema_key_bucket(const struct fts_schema *sc, const uint8_t *key, size_t len,
                          int bucket_count, int *bucket, char *msg, size_t msg_size);
/* Renders a row of schema `schema_id` as a JSON object of the latest schema (columns
 * added since are null) into out ({"$schema_id":..,"$hex":..} when it does not decode). */
void fts_schema_render_row(const struct fts_schema *sc, int32_t schema_id, const uint8_t *row,
                           size_t len, kfb_buf_t *out);

/* Partial updates (fluss_ts_rows.c, §10.3, PartialUpdater.java). fts_partial_new
 * applies KvTablet's checks for a PutKv's target list (cols/n, n = 0: none):
 * the auto-increment rule, first_row refusing any list, a list covering every
 * column being a full write (*out = NULL), then PartialUpdater.sanityCheck.
 * Returns a Fluss error code with msg. Rows passed to update/delete are read with
 * the schema id given for each (older rows as the latest with nulls, as
 * PartialUpdater does); out is always a row of the latest schema; they return -1
 * when a row does not decode. update: old = stored row or NULL; *keep_old when the
 * stored row stays as it is (targets = primary key only). delete: *remove, or the
 * new row in out. */
typedef struct fts_partial fts_partial_t;
int fts_partial_new(const struct fts_schema *sc, const int32_t *cols, size_t n, bool first_row,
                    fts_partial_t **out, char *msg, size_t msg_size);
void fts_partial_free(fts_partial_t *p);
int fts_partial_update(fts_partial_t *p, const uint8_t *old, size_t olen, int32_t old_schema,
                       const uint8_t *nrow, size_t nlen, int32_t new_schema, kfb_buf_t *out,
                       bool *keep_old);
int fts_partial_delete(fts_partial_t *p, const uint8_t *old, size_t olen, int32_t old_schema,
                       kfb_buf_t *out, bool *remove);

/* hex helper */
void fts_hex(kfb_buf_t *out, const uint8_t *p, size_t n);

#endif
