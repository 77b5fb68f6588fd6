/*
 * bridge_internal.h - the bridge's state, shared by its stages (private to src/):
 *   bridge.c         the loop: consume, map, hold offsets, submit, completions, commits
 *   replay.c         replays after in-doubt or rejected writes; one-record batches that
 *                    find the records Fluss rejects
 *   error_policy.c   errors.policy (fail / skip / dead_letter), error rate limit and
 *                    rate-limited error logs
 *   migrate.c        migrate mode: end-offset snapshot, positions and gaps, completion
 *   table_refresh.c  periodic table info reads (ALTER TABLE) on the worker
 *   progress.c       progress bar / lines, latency, the closing summary
 *   verify.c         migrate --verify: sampled keys read back with Lookup
 * Everything here runs on the bridge's poll thread.
 */
#ifndef KFB_BRIDGE_INTERNAL_H
#define KFB_BRIDGE_INTERNAL_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "accumulator.h"
#include "bridge.h"
#include "config.h"
#include "consumer.h"
#include "dead_letter.h"
#include "fluss_client.h"
#include "health.h"
#include "http_endpoint.h"
#include "mapper.h"
#include "offset_tracker.h"
#include "pipeline_metrics.h"
#include "schema_registry.h"
#include "worker.h"

#define PART_HASH 1024

typedef struct kfb_bridge_stats {
    uint64_t messages;      /* consumed and processed */
    uint64_t upserts, deletes; /* records Fluss acknowledged */
    uint64_t skipped;       /* errors.policy skip */
    uint64_t dead_lettered; /* acknowledged by the dead-letter topic */
    uint64_t errors;        /* per-record errors, any policy */
    uint64_t bytes;         /* batch bytes acknowledged */
    uint64_t batches;
} kfb_bridge_stats_t;

/* A range of one Kafka partition whose records for one table bucket are written one per
 * batch (replay.c). */
typedef struct careful {
    char *partition; /* table partition name, NULL unpartitioned */
    int32_t bucket;
    char *topic;
    int32_t kpartition;
    int64_t last; /* Kafka offsets up to here */
} careful_t;

typedef struct kfb_bridge kfb_bridge_t;

typedef struct mapping_rt {
    const kfb_config_mapping_t *cfg;
    kfb_bridge_t *bridge;
    char *db, *table;
    kfb_fluss_table_info_t *info; /* current: its desc is the mapper's */
    kfb_fluss_table_info_t **old_infos; /* earlier schemas (cached plans point into them) */
    size_t n_old_infos;
    kfb_fluss_table_info_t *pending_info; /* read by the worker, applied between polls */
    int refreshing;
    int64_t table_id;
    kfb_mapper_t *mapper;
    kfb_acc_t *acc;
    char **pkeys; /* partition key names (borrowed from info->desc) */
    size_t n_pkeys;
    careful_t *careful;
    size_t n_careful;
    kfb_bridge_stats_t st;
    kfb_mapping_metrics_t *mm; /* owned by the bridge's pipeline metrics */
    /* evolve: add_columns: the value writer schema ids already compared with the table
     * (and the table evolved for them); any other value id parks its partition while the
     * worker compares (bridge.c schema_job_run) */
    int32_t *evolved_ids;
    size_t n_evolved_ids, cap_evolved_ids;
} mapping_rt_t;

typedef struct part {
    char *topic;
    int32_t partition;
    mapping_rt_t *map;
    kfb_offsets_t *off;
    int have_pos;      /* the tracker's start is known (committed offset or a message) */
    int64_t committed; /* confirmed committed offset (read at assignment, or acknowledged by
                          the coordinator); -1 */
    int64_t commit_sent;    /* offset of the last commit request sent, -1 */
    int64_t commit_sent_ms; /* when */
    int paused;        /* as librdkafka has it */
    int park;          /* waiting for a schema: messages kept in parked[] */
    int32_t park_id;   /* the schema id waited for; -1: retry the mapping at park_retry_at */
    int park_value;    /* park_id is the value's writer schema id (not the key's) */
    int64_t park_retry_at;
    rd_kafka_message_t **parked;
    size_t n_parked, cap_parked;
    int64_t expected;    /* next offset if nothing was deleted; -1 unknown */
    int64_t replay_from; /* committable offset at the last replay */
    /* kick_stalled_fetch: the position last seen and since when (or since the last kick),
     * how long to wait before a kick, and whether the last kick is still unanswered */
    int64_t idle_pos, idle_since, kick_wait_ms;
    int kicked;
    /* this partition alone, for rd_kafka_offsets_store and the kick's position query and
     * seek: calls that take a list, made once so that none allocates one */
    rd_kafka_topic_partition_list_t *self;
    /* migrate */
    int64_t low, end; /* snapshot: log start and end offsets; -1 when not in it */
    int done;         /* reached `end` */
    int64_t first;    /* where this bridge started in it */
    kfb_partition_metrics_t *pmx;
    struct part *hnext, *anext;
} part_t;

typedef struct msg_err {
    size_t index; /* into b->mmsgs / b->rkm */
    kfb_err_t err;
    char text[1024];
} msg_err_t;

enum { ST_RUNNING = 0, ST_REPLAY, ST_STOPPING };

struct kfb_migrate;
struct kfb_verify;
struct kfb_progress_state;
struct pending_dlq;

struct kfb_bridge {
    const kfb_config_t *cfg;
    kfb_bridge_opts_t opts;
    kfb_consumer_t *consumer;
    kfb_fluss_client_t *fluss;
    kfb_schema_source_t *schemas;
    kfb_worker_t *worker;
    kfb_dead_letter_t *dlq;
    mapping_rt_t *maps;
    size_t n_maps;
    part_t *parts[PART_HASH];
    part_t *all_parts, *last_part;
    size_t n_parts;

    /* settings */
    kfb_error_policy_t policy;
    int64_t max_errors_per_minute;
    int64_t linger_ms, commit_interval_ms, revoke_timeout_ms, shutdown_timeout_ms, table_refresh_ms;
    size_t batch_max_bytes, max_record_bytes, max_buffered;
    int request_timeout_ms;

    /* state */
    int state;
    volatile int stop_requested;
    volatile int hard_stop;
    char fatal[2048];
    int bp_paused, client_full, pauses_dirty;
    size_t inflight_bytes, inflight_batches, peak_buffered;
    int replays_in_a_row;
    int64_t next_commit, next_refresh, started_ms;
    struct {
        int32_t id;
        mapping_rt_t *evolve; /* the mapping whose table is compared with it, or NULL */
    } fetching[64];       /* schema jobs on the worker */
    size_t n_fetching;
    int32_t missing_ids[16]; /* ids a fetch found missing, let through to the mapper until ... */
    int64_t missing_until[16];
    size_t n_missing;
    struct pending_dlq *pending_dlq; /* dead-letter produces waiting for their ack */
    size_t n_pending_dlq;

    /* error rate (error_policy.c) */
    int64_t err_window_start;
    int64_t err_window_count;
    int64_t errlog_window_start;
    int errlog_count, errlog_suppressed;

    /* counters */
    uint64_t messages, commits, rebalances, replays, batches_sent, bp_pauses;

    kfb_pipeline_metrics_t *pm;
    kfb_health_t *health;
    kfb_http_endpoint_t *http;
    int64_t next_watermarks; /* when the end offsets for the lag gauges are read again */
    int64_t last_fetch_kick; /* kick_stalled_fetch */
    uint64_t fetch_kicks;

    struct kfb_migrate *migrate;
    struct kfb_verify *verify;
    struct kfb_progress_state *progress;

    /* one poll's scratch */
    rd_kafka_message_t **msgs;
    rd_kafka_message_t **rkm;
    kfb_mapper_msg_t *mmsgs;
    kfb_kv_batch_builder_t **placed;
    msg_err_t *errs;
    size_t n_errs;
    int msg_map[2048];
};

/* bridge.c */
int64_t kfb_bridge_now_ms(void);
part_t *kfb_bridge_part(kfb_bridge_t *b, const char *topic, int32_t partition);
void kfb_bridge_fatal(kfb_bridge_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kfb_bridge_sync_pauses(kfb_bridge_t *b);
void kfb_bridge_commit(kfb_bridge_t *b, part_t *only, int sync);
void kfb_bridge_submit(kfb_bridge_t *b);
void kfb_bridge_drain(kfb_bridge_t *b, int64_t deadline, const rd_kafka_topic_partition_list_t *parts);
size_t kfb_bridge_sealed(const kfb_bridge_t *b);
void kfb_bridge_request_replay(kfb_bridge_t *b);
void kfb_bridge_hard_stop(kfb_bridge_t *b);
mapping_rt_t *kfb_bridge_mapping_of(kfb_bridge_t *b, const kfb_ticket_t *t);

/* replay.c */
int kfb_bridge_careful_match(kfb_bridge_t *b, mapping_rt_t *m, const char *partition, int32_t bucket,
                             const kfb_origin_t *origin);
void kfb_bridge_careful_add(kfb_bridge_t *b, mapping_rt_t *m, const kfb_ticket_t *t);
void kfb_bridge_careful_passed(kfb_bridge_t *b, part_t *p, int64_t offset);
void kfb_bridge_careful_forget(kfb_bridge_t *b, part_t *p);
void kfb_bridge_careful_clear(mapping_rt_t *m);
kfb_solo_msg_t *kfb_bridge_solo_copy(const rd_kafka_message_t *km);
void kfb_bridge_solo_rejected(kfb_bridge_t *b, mapping_rt_t *m, kfb_ticket_t *t, int32_t fluss_error,
                              const char *text);

/* error_policy.c */
int kfb_bridge_count_error(kfb_bridge_t *b);
void kfb_bridge_log_error(kfb_bridge_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Dead-letters km (or the solo copy sm when km is NULL); the message counts as done once the
 * produce is acknowledged: a hold is taken on p at its offset, or, for a solo copy, the
 * ticket's holds are kept until then. 0 or an error (the bridge then stops). */
kfb_err_t kfb_bridge_dead_letter(kfb_bridge_t *b, mapping_rt_t *m, part_t *p, const rd_kafka_message_t *km,
                                 kfb_ticket_t *solo, const kfb_dead_letter_why_t *why);
void kfb_bridge_dead_letter_done(kfb_bridge_t *b, void *opaque, kfb_err_t err, const char *why);
void kfb_bridge_pending_free(kfb_bridge_t *b);

/* migrate.c */
int kfb_bridge_migrate_snapshot(kfb_bridge_t *b, char *errstr, size_t errstr_size);
void kfb_bridge_migrate_assigned(kfb_bridge_t *b, part_t *p);
void kfb_bridge_migrate_revoked(kfb_bridge_t *b, part_t *p);
void kfb_bridge_migrate_rewound(kfb_bridge_t *b, part_t *p);
/* 1 when km is to be dropped (migrate: at or past the snapshot end); also notices gaps
 * (deleted messages) in both modes. */
int kfb_bridge_migrate_filter(kfb_bridge_t *b, part_t *p, const rd_kafka_message_t *km);
int kfb_bridge_migrate_finished(kfb_bridge_t *b);
int kfb_bridge_migrate_finish(kfb_bridge_t *b, int status);
/* the worker job that reads the group's committed offsets */
int kfb_bridge_migrate_job(kfb_job_t *j);
void kfb_bridge_migrate_job_done(kfb_bridge_t *b, kfb_job_t *j);
void kfb_bridge_migrate_job_free(kfb_job_t *j);
/* progress: messages to copy and copied by this bridge's partitions */
void kfb_bridge_migrate_totals(kfb_bridge_t *b, int64_t *total, int64_t *done);
void kfb_bridge_migrate_free(kfb_bridge_t *b);

/* table_refresh.c */
void kfb_bridge_refresh_tables(kfb_bridge_t *b);
void kfb_bridge_apply_table_changes(kfb_bridge_t *b);
void kfb_bridge_job_done(kfb_bridge_t *b, kfb_job_t *j);
void kfb_bridge_job_free(kfb_job_t *j);

/* progress.c */
void kfb_bridge_progress(kfb_bridge_t *b, int64_t now);
void kfb_bridge_latency(kfb_bridge_t *b, const kfb_ticket_t *t);
void kfb_bridge_print_summary(kfb_bridge_t *b, int status);

#endif
