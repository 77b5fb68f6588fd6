/*
 * fluss_client_internal.h - state shared by fluss_client.c (I/O thread,
 * connections, metadata, blocking calls) and fluss_writer.c (the idempotent
 * PutKv writer). Private to those two files: users include fluss_client.h.
 *
 * Locking: `lock` guards the submit queue, the call queue, the completion queue,
 * the outstanding counters, the published writer id and the table registry's
 * names. Everything else (connections, buckets, batches, leaders) belongs to the
 * I/O thread alone.
 */
#ifndef KFB_FLUSS_CLIENT_INTERNAL_H
#define KFB_FLUSS_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "fluss_api.pb-c.h"
#include "fluss_client.h"
#include "fluss_conn.h"

#define FAC "fluss-client"
#define BUCKET_HASH 4096

/* ------------------------------------------------------------------ types */

enum { NODE_BOOT = 0, NODE_COORD = 1, NODE_TABLET = 2 };

typedef struct node {
    int role;
    int32_t id;
    char *host;
    int port;
    kfb_fluss_conn_t *conn;
    int alive; /* listed in the latest metadata (bootstrap nodes: always) */
    size_t pass_bytes; /* batch bytes the current schedule pass put in requests to it */
} node_t;

typedef struct partition {
    int64_t id;
    char *name;
    int32_t *leaders;
    int n_leaders;
    int gone;    /* the server says it no longer exists (dropped, e.g. by retention) */
    int probing; /* a single-partition metadata request is in flight */
} partition_t;

typedef struct table {
    int64_t id;
    char *db, *name;
    int32_t schema_id, bucket_count;
    int partitioned;
    int32_t *leaders; /* non-partitioned tables */
    int n_leaders;
    partition_t *parts;
    int n_parts, cap_parts;
    int stale;
    int64_t last_refresh_ms;
    int refreshing;
    /* A refresh listing every partition id failed with PARTITION_NOT_EXISTS:
     * refresh the table alone and probe its partitions one by one. */
    int split_refresh;
    int gone; /* TABLE_NOT_EXIST for this id: dropped (a re-created table has a new id) */
} table_t;

/* fluss_writer.c */
typedef struct wbatch wbatch_t;
typedef struct presolve presolve_t;
typedef struct bucket bucket_t;
/* fluss_client.c */
typedef struct call call_t;

struct kfb_fluss_client {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_conn_conf_t cconf;
    char *bootstrap;
    kfb_fluss_ident_t id; /* the identity strings of conf point here */

    pthread_t thread;
    int thread_started;
    int wake_pipe[2];
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    int stop;

    /* guarded by lock */
    wbatch_t *sub_head, *sub_tail;       /* writer: submitted, not taken yet */
    call_t *calls_in;
    wbatch_t *done_head, *done_tail;     /* writer: finished, waiting for poll() */
    /* writer: spare batch records and batch-byte buffers, reused by submit so that a
     * steady stream of batches allocates nothing (fluss_writer.c spare_*) */
    wbatch_t *spare_batches;
    size_t n_spare_batches;
    struct spare_buf *spare_bufs;
    size_t spare_bytes;
    size_t outstanding, outstanding_bytes;
    size_t outstanding_hw; /* the most bytes ever outstanding: bounds the spares */
    int64_t writer_id_pub;

    /* I/O thread only (tables: names read under lock by other threads) */
    node_t *nodes;
    int n_nodes, cap_nodes;
    int n_boot;
    int boot_rr;
    int have_cluster;
    int cluster_refreshing;
    int md_failures; /* consecutive failed refreshes: alternate with the bootstrap list */
    int md_warned;   /* consecutive failed refreshes of any kind, for log rate limiting */
    int64_t cluster_next_try;
    table_t *tables;
    int n_tables, cap_tables;
    call_t *calls; /* pending calls */
    kfb_fluss_conn_t **retired; /* replaced connections, destroyed at the loop top */
    int n_retired;
    int64_t next_timer;
    int shutting_down;
    uint64_t rng;

    /* I/O thread only, the writer's (fluss_writer.c) */
    presolve_t *presolves;
    bucket_t *bhash[BUCKET_HASH];
    bucket_t *buckets;
    int64_t writer_id; /* the id new bucket sessions start with; -1 while InitWriter runs */
    int init_inflight;
    int64_t init_next_try;
    char init_error[256]; /* why the last InitWriter failed ("" = none), for timeout messages */
    /* reused by kfb_fluss_writer_schedule and putkv_done_cb so that a steady stream of
     * PutKv requests allocates nothing; freed by kfb_fluss_writer_free_spares */
    struct put_req *free_reqs;   /* request records, each keeping its batch array */
    int max_req_batches;         /* the largest batch array one needed: others grow to it */
    struct put_req **sched_reqs; /* one schedule pass's open requests */
    int cap_sched_reqs;
    void *sched_bb, *sched_bp;   /* PbPutKvReqForBucket and pointers, for one request */
    size_t cap_sched_b;
    struct kfb_pb_arena *resp_arena; /* PutKvResponse unpacking (pb_arena.h) */
};

static inline void kfb_fc_wake(kfb_fluss_client_t *c) {
    char b = 1;
    ssize_t n = write(c->wake_pipe[1], &b, 1);
    (void)n; /* a full pipe already means "wake up" */
}

/* The I/O loop sleeps until the earliest time any part asked for. */
static inline void kfb_fc_timer_at(kfb_fluss_client_t *c, int64_t t) {
    if (t < c->next_timer) c->next_timer = t;
}

/* ---------------------------------------- fluss_client.c, for the writer */

table_t *kfb_fc_find_table(kfb_fluss_client_t *c, int64_t id);
partition_t *kfb_fc_find_partition(table_t *t, int64_t id);
/* Index in c->nodes of a bucket's leader, or -1 (unknown: metadata is stale). */
int kfb_fc_leader_node(kfb_fluss_client_t *c, int64_t table_id, int64_t partition_id,
                       int32_t bucket_id);
/* A node of `role`: READY connections first, then any alive one; rr picks
 * among candidates. -1 if there is none. */
int kfb_fc_ready_or_any(kfb_fluss_client_t *c, int role, int rr);
/* Asks for cluster metadata (coordinator, tablet servers) unless a request is
 * in flight or was sent less than 100 ms ago. */
void kfb_fc_request_cluster_refresh(kfb_fluss_client_t *c);
/* The two requests that resolve a partition name (DynamicPartitionCreator.java):
 * `lookup`, a Metadata request for the table and that partition path, and
 * `create`, CreatePartition(spec, ignore if it exists). Every pointer refers to
 * the caller's strings or into the struct itself, so it must not be copied. */
typedef struct kfb_fc_partition_reqs {
    Fluss__PbTablePath tp, *tps[1];
    Fluss__PbPhysicalTablePath pp, *pps[1];
    Fluss__MetadataRequest lookup;
    Fluss__PbKeyValue *kv, **kvp;
    Fluss__PbPartitionSpec spec;
    Fluss__CreatePartitionRequest create;
} kfb_fc_partition_reqs_t;

/* Fills r; returns -1 when out of memory (then r needs no free). */
int kfb_fc_partition_reqs_init(kfb_fc_partition_reqs_t *r, const char *db, const char *table,
                               const char *partition_name, const char *const *keys,
                               const char *const *values, size_t n);
void kfb_fc_partition_reqs_free(kfb_fc_partition_reqs_t *r);
/* Applies a MetadataResponse to the node list and the opened tables. */
void kfb_fc_apply_metadata(kfb_fluss_client_t *c, const Fluss__MetadataResponse *md, int64_t now);

#endif
