/*
 * pipeline_metrics.h - the series the bridge publishes (docs/metrics.md lists each with its
 * meaning), declared once over a metrics.h registry, as handles the pipeline updates
 * without locks.
 *
 *   kfb_pipeline_metrics_t *pm = kfb_pipeline_metrics_new(KFB_VERSION, migrate, e, sizeof e);
 *   kfb_mapping_metrics_t *mm = kfb_pipeline_metrics_mapping(pm, "orders", "shop.orders");
 *   kfb_counter_inc(mm->skipped);                                   // errors.policy skip
 *   kfb_mapping_metrics_acked(mm, upserts, deletes, bytes, attempts, putkv_seconds);
 *   kfb_partition_metrics_t *pp = kfb_pipeline_metrics_partition(pm, "orders", "orders", 3);
 *   kfb_counter_add(pp->consumed, n);                               // each poll
 *   kfb_partition_metrics_offsets(pp, committed, end);              // commit confirmed
 *   kfb_pipeline_metrics_partition_drop(pm, pp);                    // revoked
 *   kfb_metrics_render(pm->registry, &buf);                         // the HTTP endpoint
 *
 * Threads: as metrics.h. Creating mapping and partition handles, dropping partitions and
 * counting a PutKv error by name take the registry's lock (rare events); everything else is
 * a relaxed atomic through a handle. Handles are used by one thread (the poll thread).
 *
 * Ownership: the pipeline metrics own the registry (pm->registry, for rendering) and every
 * mapping handle; partition handles belong to the caller until
 * kfb_pipeline_metrics_partition_drop(). Every handle field and helper accepts NULL.
 */
#ifndef KFB_PIPELINE_METRICS_H
#define KFB_PIPELINE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

typedef struct kfb_pm_families kfb_pm_families_t; /* private */

typedef struct kfb_pipeline_metrics {
    kfb_metrics_t *registry;
    kfb_gauge_t *inflight_bytes;   /* kfb_inflight_bytes: batch bytes submitted, not acknowledged */
    kfb_gauge_t *buffered_bytes;   /* kfb_buffered_bytes: in open and sealed batches + in flight */
    kfb_gauge_t *paused_partitions; /* kfb_paused_partitions */
    kfb_counter_t *rebalances;     /* kfb_rebalances_total: assignments and revocations */
    kfb_counter_t *replays;        /* kfb_replays_total */
    kfb_gauge_t *migrate_progress_ratio;     /* migrate only (NULL in run mode) */
    kfb_gauge_t *migrate_remaining_messages; /* migrate only */
    kfb_pm_families_t *fam;
} kfb_pipeline_metrics_t;

/* Declares every family and the process-wide series; kfb_up is 1 and
 * kfb_build_info{version} 1 from here on. migrate != 0 adds the kfb_migrate_* gauges.
 * NULL + errstr on failure (out of memory). */
kfb_pipeline_metrics_t *kfb_pipeline_metrics_new(const char *version, int migrate, char *errstr,
                                                 size_t errstr_size);
/* Frees the registry, the mapping handles and the families. Partition handles not dropped
 * yet must not be used afterwards (free them with kfb_pipeline_metrics_partition_drop(NULL, p)).
 * NULL is a no-op. */
void kfb_pipeline_metrics_destroy(kfb_pipeline_metrics_t *pm);

/* One mapping (mappings[].name) writing one table ("db.table"). Two mappings that write the
 * same table share its {table} series. */
typedef struct kfb_mapping_metrics {
    kfb_counter_t *skipped;       /* kfb_messages_skipped_total{mapping} */
    kfb_counter_t *dead_lettered; /* kfb_messages_dead_lettered_total{mapping}: produce acknowledged */
    kfb_counter_t *errors_record; /* kfb_record_errors_total{mapping,class="record"}: unmappable message */
    kfb_counter_t *errors_fatal;  /* {class="fatal"}: a mapping error that stops the bridge */
    kfb_counter_t *errors_write;  /* {class="write"}: a record Fluss rejected */
    kfb_counter_t *upserts;       /* kfb_records_written_total{mapping,table,op="upsert"} */
    kfb_counter_t *deletes;       /* {op="delete"} */
    kfb_counter_t *bytes_sent;    /* kfb_bytes_sent_total{mapping,table}: acknowledged batch bytes */
    kfb_counter_t *putkv_batches; /* kfb_putkv_batches_total{table}: batches acknowledged */
    kfb_counter_t *putkv_retries; /* kfb_putkv_retries_total{table}: sends after the first */
    kfb_histogram_t *batch_size;  /* kfb_batch_size_bytes{table} */
    kfb_histogram_t *putkv_latency; /* kfb_putkv_latency_seconds{table}: submit -> ack */
    kfb_histogram_t *end_to_end_latency; /* kfb_end_to_end_latency_seconds{mapping} */
    kfb_gauge_t *plans_compiled;  /* kfb_schema_plans_compiled{mapping} */
    kfb_pipeline_metrics_t *pm;
    char *mapping, *table;
} kfb_mapping_metrics_t;

/* The mapping's handles (created on first call, the same pointer after). Owned by pm.
 * NULL on out of memory (every helper then does nothing). */
kfb_mapping_metrics_t *kfb_pipeline_metrics_mapping(kfb_pipeline_metrics_t *pm, const char *mapping,
                                                    const char *table);

/* A batch Fluss acknowledged: records written by op, its bytes (bytes_sent, batch_size),
 * one PutKv batch, attempts - 1 retries, and putkv_seconds (submit -> ack). */
void kfb_mapping_metrics_acked(kfb_mapping_metrics_t *mm, uint64_t upserts, uint64_t deletes, uint64_t bytes,
                               int attempts, double putkv_seconds);

/* A batch that failed for good with a Fluss error (result.error_name, e.g.
 * "DELETION_DISABLED_EXCEPTION"; NULL or "" counts as "UNKNOWN"):
 * kfb_putkv_errors_total{table,error} + 1 and attempts - 1 retries. Takes the lock. */
void kfb_mapping_metrics_putkv_error(kfb_mapping_metrics_t *mm, const char *error_name, int attempts);

/* One assigned Kafka partition of a mapping. The offset gauges appear once their value is
 * first known (kfb_partition_metrics_offsets) and disappear when the partition is dropped;
 * `consumed` is the {mapping,topic} counter, shared by the topic's partitions and kept. */
typedef struct kfb_partition_metrics {
    kfb_counter_t *consumed; /* kfb_messages_consumed_total{mapping,topic} */
    kfb_gauge_t *committed_offset, *end_offset, *lag; /* NULL until known */
    kfb_pipeline_metrics_t *pm;
    char *topic;
    char partition[12];
    int64_t committed, end; /* last known, -1 */
} kfb_partition_metrics_t;

/* Caller owns the result (kfb_pipeline_metrics_partition_drop); NULL on out of memory. */
kfb_partition_metrics_t *kfb_pipeline_metrics_partition(kfb_pipeline_metrics_t *pm, const char *mapping,
                                                        const char *topic, int32_t partition);

/* Sets kfb_committed_offset (the offset the group resumes from), kfb_end_offset (the high
 * watermark) and kfb_consumer_lag = end - committed (never below 0) of the partition; -1
 * leaves a value as it was. The first known value registers its series (takes the lock). */
void kfb_partition_metrics_offsets(kfb_partition_metrics_t *p, int64_t committed, int64_t end);

/* Removes the partition's offset series from the exposition (revoked or lost) and frees p.
 * pm NULL: frees p only (after kfb_pipeline_metrics_destroy). NULL p is a no-op. */
void kfb_pipeline_metrics_partition_drop(kfb_pipeline_metrics_t *pm, kfb_partition_metrics_t *p);

/* Histogram bucket bounds (exposed for docs and tests). */
extern const double kfb_pm_latency_buckets[];  /* seconds, PutKv */
extern const size_t kfb_pm_latency_nbuckets;
extern const double kfb_pm_e2e_buckets[];      /* seconds, end to end */
extern const size_t kfb_pm_e2e_nbuckets;
extern const double kfb_pm_size_buckets[];     /* bytes */
extern const size_t kfb_pm_size_nbuckets;

#endif
