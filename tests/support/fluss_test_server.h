/*
 * fluss_test_server.h - a Fluss cluster double for tests: one coordinator and
 * one or more tablet servers, each on its own loopback port, served by one
 * poll() loop (its own thread when embedded, see tests/programs/fluss-test-server.c
 * for the standalone binary).
 *
 * It speaks the real Fluss RPC subset the bridge uses (ApiVersions, Authenticate,
 * GetMetadata, GetTableInfo, GetTableSchema, TableExists, DatabaseExists,
 * CreateDatabase, CreateTable, AlterTable (add columns), ListPartitionInfos,
 * CreatePartition, InitWriter, PutKv, Lookup) and checks what it
 * receives the way a Fluss tablet server would: frame and header, required
 * protobuf fields, role routing (a misrouted or unparsable request gets NO
 * response), bucket leadership, schema id, row decoding, writer id / batch
 * sequence rules with the last 5 batches retained per (bucket, writer), partial
 * updates (target_columns: PartialUpdater's checks, merge and partial delete;
 * first_row refuses them; auto-increment tables need a list without that column,
 * values are not generated), and schema versions: every schema id of a table is
 * kept, AlterTable adds nullable columns at the end under a new id, each batch's
 * rows are read with the schema id in its header and stored under it, and older
 * rows read as the latest schema with nulls in the added columns. See
 * ../../shared/docs/fluss-protocol.md §1.5, §4.3, §10, §16; each behaviour
 * cites its Java file where it is implemented (fluss_ts_*.c).
 *
 * Strictness: by default the server is STRICTER than Fluss on points a Java
 * reader would reject but the Java PutKv path does not check (§16): batch
 * magic, CRC and length (CORRUPT_MESSAGE, 3), bytes after the declared records,
 * keys that do not decode or hash to another bucket, and rows whose partition
 * columns do not match the partition they were sent to (UNKNOWN_SERVER_ERROR,
 * -1, with a message). Set `lenient` to accept these like Fluss does. Value
 * rows are decoded with the strict row reader (compacted_row.h) in both modes,
 * so a null bit on a NOT NULL column is refused even when lenient.
 *
 * Threading: every function below may be called from any thread while the
 * server runs; they serialise with the loop on one mutex.
 *
 * Ownership: the server copies every string it is given. Strings returned as
 * `char *` are malloc'ed and owned by the caller (free()); `const char *`
 * results are owned by the server and live until stop.
 */
#ifndef KFB_FLUSS_TEST_SERVER_H
#define KFB_FLUSS_TEST_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define KFB_FTS_MAX_TABLET_SERVERS 8
/* Node selectors for faults and ports. Tablet servers are node ids 0..n-1. */
#define KFB_FTS_ANY (-1)
#define KFB_FTS_COORDINATOR (-2)

typedef struct kfb_fts kfb_fts_t;

typedef struct kfb_fts_config {
    /* "127.0.0.1" (default when NULL) or "::1"; other addresses are refused. */
    const char *host;
    int coordinator_port;                          /* 0 = ephemeral */
    int n_tablet_servers;                          /* 0 = 1 */
    int tablet_ports[KFB_FTS_MAX_TABLET_SERVERS];  /* 0 = ephemeral */
    /* Optional tables file (JSON, format in fluss_ts_tables.c and tests/data/). */
    const char *tables_file;
    /* Non-NULL: every listener requires SASL/PLAIN with these credentials. */
    const char *sasl_username;
    const char *sasl_password;
    /* Frame limit incl. the 4-byte prefix; 0 = 100 MiB (netty.server.max-request-size). */
    int32_t max_request_size;
    /* 1: check only what Fluss checks (no magic/CRC/trailing-byte/bucket checks). */
    int lenient;
    /* Logging of every request at DEBUG level (via logging.h, facility "fts"). */
    int verbose;
} kfb_fts_config_t;

/* Starts listeners and the loop thread. NULL on failure with errstr filled. */
kfb_fts_t *kfb_fluss_test_server_start(const kfb_fts_config_t *cfg, char *errstr,
                                       size_t errstr_size);
/* Stops the thread, closes every socket, frees everything. NULL is a no-op. */
void kfb_fluss_test_server_stop(kfb_fts_t *s);

/* A server without sockets or thread, for driving the request dispatcher
 * directly (fuzzing, unit tests of the decoder). Free with ..._stop(). */
kfb_fts_t *kfb_fts_new_offline(const kfb_fts_config_t *cfg, char *errstr, size_t errstr_size);

/* Ports actually bound (useful with ephemeral ports). -1 for an unknown node. */
int kfb_fts_port(const kfb_fts_t *s, int node);  /* node id or KFB_FTS_COORDINATOR */
int kfb_fts_tablet_count(const kfb_fts_t *s);
/* "host:port" of the coordinator, for bootstrap.servers; owned by the server. */
const char *kfb_fts_bootstrap(const kfb_fts_t *s);

/* ---- tables ---- */

/* Adds (and creates its database if needed) a primary-key table from its
 * TableDescriptor JSON (fluss-protocol.md §5.1). bucket_count 0 takes the
 * descriptor's bucket_count (default 1); leaders NULL assigns bucket b to
 * tablet server b % n. The server normalises the JSON like the coordinator
 * (bucket_key, bucket_count, table.kv.format-version=2) and assigns table ids
 * from 1. *table_id_out (may be NULL) receives the id. */
kfb_err_t kfb_fts_add_table(kfb_fts_t *s, const char *database, const char *table,
                            const char *descriptor_json, int bucket_count, const int *leaders,
                            int64_t *table_id_out, char *errstr, size_t errstr_size);
/* Adds a partition to a partitioned table: `name` is the partition values in
 * partition-key order joined with '$' (fluss-protocol.md §12). Partition ids are
 * server-wide from 1; buckets get leaders round robin. */
kfb_err_t kfb_fts_add_partition(kfb_fts_t *s, const char *database, const char *table,
                                const char *name, int64_t *partition_id_out, char *errstr,
                                size_t errstr_size);
/* Loads a tables file / the same JSON text (see tests/data/NAME.tables.json). */
kfb_err_t kfb_fts_load_tables_file(kfb_fts_t *s, const char *path, char *errstr,
                                   size_t errstr_size);
kfb_err_t kfb_fts_load_tables_json(kfb_fts_t *s, const char *json, char *errstr,
                                   size_t errstr_size);
/* -1 when the table does not exist. */
int64_t kfb_fts_table_id(kfb_fts_t *s, const char *database, const char *table);

/* ALTER TABLE database.table ADD COLUMN names[i] type_jsons[i] (i < n), exactly as
 * an AlterTable request with these add_columns (position LAST, no comment) is
 * served: the columns are added at the end, all or none, under the next schema id;
 * refusals carry Fluss's code and message (fluss_ts_tables.c lists them: 56 for a
 * column that exists, -1 for a NOT NULL type, ...). type_jsons are
 * DataTypeJsonSerde JSON, e.g. {"type":"STRING"}. Returns the Fluss error code
 * (0 = done, also for n = 0, which changes nothing; TABLE_NOT_EXIST (7) for a
 * missing table) with msg filled on error;
 * *schema_id_out (may be NULL) receives the table's latest schema id. */
int kfb_fts_alter_add_columns(kfb_fts_t *s, const char *database, const char *table,
                              const char *const *names, const char *const *type_jsons, size_t n,
                              int32_t *schema_id_out, char *msg, size_t msg_size);
/* The "schema" JSON of one schema id of a table (0 = the latest), as GetTableSchema
 * answers it (caller frees); NULL when the table or the id does not exist. */
char *kfb_fts_schema_json(kfb_fts_t *s, const char *database, const char *table,
                          int32_t schema_id);

/* Table state as JSON (caller frees), NULL when the table does not exist:
 *   {"database":"db","table":"t","table_id":1,"schema_id":1,"row_count":2,
 *    "rows":{"<key hex>":{"col":value,...},...},
 *    "buckets":[{"bucket":0,"leader":0,"leader_epoch":0,"log_end_offset":3,
 *                "row_count":2},...]}
 * Partitioned tables key rows as "<partition name>|<key hex>" and give each
 * bucket entry "partition" and "partition_id" first.
 * schema_id is the latest. Each row is decoded with the schema id it was
 * written with and rendered like row_json.h as a row of the latest schema (the
 * columns added since are null, as Fluss reads an older row); keys are sorted. A
 * row that does not decode is rendered as {"$schema_id":N,"$hex":"..."}. */
char *kfb_fts_dump_table_json(kfb_fts_t *s, const char *database, const char *table);

/* ---- statistics ---- */

typedef struct kfb_fts_stats {
    uint64_t requests;           /* frames that parsed and were dispatched */
    uint64_t dropped;            /* frames answered by silence (unknown api, bad body, ...) */
    uint64_t server_failures;    /* SERVER_FAILURE frames sent */
    uint64_t error_responses;    /* ERROR_RESPONSE frames sent */
    uint64_t batches_applied;    /* PutKv bucket batches applied */
    uint64_t records_applied;
    uint64_t duplicates;         /* batches acknowledged as duplicates, not applied */
    uint64_t rejections;         /* per-bucket errors + error responses, any code */
    uint64_t connections;        /* accepted */
} kfb_fts_stats_t;

void kfb_fts_get_stats(kfb_fts_t *s, kfb_fts_stats_t *out);
/* Rejections (per-bucket errors and error responses) carrying this Fluss code. */
uint64_t kfb_fts_rejections(kfb_fts_t *s, int error_code);
/* Calls of one API key that were dispatched (parsed and routed). */
uint64_t kfb_fts_api_calls(kfb_fts_t *s, int api_key);
/* The last request of one API key exactly as received: the frame payload after
 * its 4-byte length prefix (api key, version, request id, protobuf body), also
 * for requests that were then dropped. malloc'ed (caller frees); NULL and
 * *len = 0 when none arrived. */
uint8_t *kfb_fts_last_request(kfb_fts_t *s, int api_key, size_t *len);
/* Everything above as one JSON object (caller frees). */
char *kfb_fts_stats_json(kfb_fts_t *s);
/* One line per PutKv request that reached the handler, in arrival order:
 * "table=<id> targets=<all|i,j,...> agg=<n|unset> buckets=<n>\n" (caller frees;
 * "" when none). Lets tests check how a client grouped its batches. */
char *kfb_fts_putkv_log(kfb_fts_t *s);
/* A copy of the protobuf body (after the request header) of the latest PutKv
 * request, exactly as received; NULL when none (caller frees). */
uint8_t *kfb_fts_last_putkv_body(kfb_fts_t *s, size_t *len);
/* One line per PutKv bucket batch the handler looked at, in arrival order
 * (caller frees; "" when none):
 *   "node=N table=T partition=P|-1 bucket=B writer=W seq=S records=XXXXXXXX
 *    result=applied|duplicate|refused code=C schema=K\n"
 * writer / seq / schema are the batch header's (-1 -1 -1 when it is shorter
 * than a header); records is the CRC-32C of the bytes after the 28-byte header, the
 * same for every resend and restamp of one batch; result says whether the rows
 * were applied, acknowledged as a duplicate, or refused; code is the Fluss
 * code answered (an ERROR fault with after_apply gives "applied code=25").
 * Lets tests check under which writer id and sequence each batch was sent and
 * applied. Only the first 32 MiB of lines are kept. */
char *kfb_fts_batch_log(kfb_fts_t *s);

/* ---- fault injection ---- */

typedef enum kfb_fts_fault_kind {
    KFB_FTS_FAULT_ERROR = 0,       /* answer with error_code (see bucket) */
    KFB_FTS_FAULT_DELAY,           /* hold the response delay_ms */
    KFB_FTS_FAULT_DROP_BEFORE,     /* close the connection without processing */
    KFB_FTS_FAULT_DROP_AFTER,      /* process (apply PutKv), then close without answering */
    KFB_FTS_FAULT_SERVER_FAILURE,  /* SERVER_FAILURE frame (code error_code), then close */
    KFB_FTS_FAULT_NO_RESPONSE,     /* process nothing, answer nothing, keep the connection */
} kfb_fts_fault_kind_t;

typedef struct kfb_fts_fault {
    kfb_fts_fault_kind_t kind;
    int api_key;       /* KFB_FTS_ANY or a Fluss api key (1016 = PutKv, ...) */
    int node;          /* KFB_FTS_ANY, KFB_FTS_COORDINATOR or a tablet node id */
    int64_t table_id;  /* KFB_FTS_ANY or a table id (PutKv / Lookup buckets only) */
    /* ERROR only: -1 = the whole request gets an ERROR_RESPONSE; >= 0 = only this
     * bucket of a PutKv/Lookup gets a per-bucket error (other buckets proceed). */
    int bucket;
    int error_code;    /* ERROR, SERVER_FAILURE (0 means -1) */
    /* ERROR on a PutKv bucket: apply the batch first (like 25/28 after append). */
    int after_apply;
    int delay_ms;      /* DELAY */
    int count;         /* calls (or buckets) affected; 0 = 1; -1 = until cleared */
    /* Matching calls (or buckets) to let pass untouched before the fault fires,
     * e.g. bucket=0 skip=1: the next batch of bucket 0 passes, the one after it
     * gets the error (a fault on "the batch after this one"). */
    int skip;
} kfb_fts_fault_t;

/* A fault matching everything of its kind: api/node/table/bucket = ANY, count 1. */
kfb_fts_fault_t kfb_fts_fault_default(kfb_fts_fault_kind_t kind);
kfb_err_t kfb_fts_inject(kfb_fts_t *s, const kfb_fts_fault_t *f, char *errstr,
                         size_t errstr_size);
void kfb_fts_clear_faults(kfb_fts_t *s);
/* Faults still armed (count not yet used up). */
int kfb_fts_faults_pending(kfb_fts_t *s);

/* Moves the leader of one bucket (partition_id -1 for non-partitioned tables)
 * and bumps its leader epoch; PutKv/Lookup to the old leader then get
 * NOT_LEADER_OR_FOLLOWER (12) and metadata reports the new leader. */
kfb_err_t kfb_fts_move_leader(kfb_fts_t *s, int64_t table_id, int64_t partition_id,
                              int bucket, int new_leader, char *errstr, size_t errstr_size);
/* Closes the node's listening socket for ms milliseconds (connects are
 * refused) and drops its open connections; node KFB_FTS_ANY = every node. */
kfb_err_t kfb_fts_refuse_connections(kfb_fts_t *s, int node, int ms);
/* Closes every open connection of a node (KFB_FTS_ANY = all) right now. */
void kfb_fts_drop_connections(kfb_fts_t *s, int node);

/* ---- control channel ---- */

/* Executes one line of the text control protocol (commands documented in
 * fluss_ts_control.c and `fluss-test-server --help`). Returns a malloc'ed reply
 * that starts with "OK" or "ERR " and ends with '\n' (caller frees). */
char *kfb_fts_control(kfb_fts_t *s, const char *line);

/* ---- dispatcher entry for fuzzing ---- */

/* Feeds raw bytes, as received on one fresh connection to `node`, through the
 * framer and dispatcher; responses are discarded. Returns the number of
 * response bytes that would have been sent (for tests), or -1 when the
 * connection would have been closed. Works on an offline server. */
long kfb_fts_feed_bytes(kfb_fts_t *s, int node, const uint8_t *data, size_t len);

#endif
