/*
 * pipeline_metrics.c - the bridge's metric families (names, help, labels, buckets: the one
 * table below, documented in docs/metrics.md) and the handles the pipeline updates.
 * Naming follows Prometheus' conventions: base units (seconds, bytes), _total for counters.
 */
#include "pipeline_metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

const double kfb_pm_latency_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,    1,     2.5,  5,     10,   30};
const size_t kfb_pm_latency_nbuckets = sizeof kfb_pm_latency_buckets / sizeof kfb_pm_latency_buckets[0];
const double kfb_pm_e2e_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                     2.5,   5,    10,    30,   60,  300,  900, 3600};
const size_t kfb_pm_e2e_nbuckets = sizeof kfb_pm_e2e_buckets / sizeof kfb_pm_e2e_buckets[0];
const double kfb_pm_size_buckets[] = {1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
const size_t kfb_pm_size_nbuckets = sizeof kfb_pm_size_buckets / sizeof kfb_pm_size_buckets[0];

enum {
    F_UP, F_BUILD_INFO, F_CONSUMED, F_WRITTEN, F_SKIPPED, F_ERRORS, F_DEAD_LETTERED, F_BYTES_SENT,
    F_PUTKV_BATCHES, F_PUTKV_RETRIES, F_PUTKV_ERRORS, F_INFLIGHT, F_BUFFERED, F_PAUSED, F_BATCH_SIZE,
    F_PUTKV_LATENCY, F_E2E_LATENCY, F_COMMITTED, F_END, F_LAG, F_REBALANCES, F_REPLAYS, F_PLANS,
    F_MIGRATE_RATIO, F_MIGRATE_REMAINING, F_COUNT
};

enum { L_NONE, L_MAPPING, L_MAPPING_TOPIC, L_MAPPING_TABLE, L_MAPPING_TABLE_OP, L_MAPPING_CLASS, L_TABLE,
       L_TABLE_ERROR, L_TOPIC_PARTITION, L_VERSION };

static const char *const label_sets[][3] = {
    [L_NONE] = {NULL},
    [L_MAPPING] = {"mapping"},
    [L_MAPPING_TOPIC] = {"mapping", "topic"},
    [L_MAPPING_TABLE] = {"mapping", "table"},
    [L_MAPPING_TABLE_OP] = {"mapping", "table", "op"},
    [L_MAPPING_CLASS] = {"mapping", "class"},
    [L_TABLE] = {"table"},
    [L_TABLE_ERROR] = {"table", "error"},
    [L_TOPIC_PARTITION] = {"topic", "partition"},
    [L_VERSION] = {"version"},
};

enum { B_NONE, B_SIZE, B_LATENCY, B_E2E };

static const struct family_def {
    kfb_metric_type_t type;
    const char *name;
    int labels;
    int buckets;
    const char *help;
} defs[F_COUNT] = {
    [F_UP] = {KFB_METRIC_GAUGE, "kfb_up", L_NONE, B_NONE, "1 while the bridge process runs"},
    [F_BUILD_INFO] = {KFB_METRIC_GAUGE, "kfb_build_info", L_VERSION, B_NONE, "always 1; the version label names the build"},
    [F_CONSUMED] = {KFB_METRIC_COUNTER, "kfb_messages_consumed_total", L_MAPPING_TOPIC, B_NONE,
                    "Kafka messages consumed and handed to the mapping"},
    [F_WRITTEN] = {KFB_METRIC_COUNTER, "kfb_records_written_total", L_MAPPING_TABLE_OP, B_NONE,
                   "records Fluss acknowledged, by operation (upsert, delete)"},
    [F_SKIPPED] = {KFB_METRIC_COUNTER, "kfb_messages_skipped_total", L_MAPPING, B_NONE,
                   "messages skipped by errors.policy skip"},
    [F_ERRORS] = {KFB_METRIC_COUNTER, "kfb_record_errors_total", L_MAPPING_CLASS, B_NONE,
                  "per-record errors by class: record (could not be mapped), fatal (stops the bridge), "
                  "write (Fluss rejected the record)"},
    [F_DEAD_LETTERED] = {KFB_METRIC_COUNTER, "kfb_messages_dead_lettered_total", L_MAPPING, B_NONE,
                         "messages the dead-letter topic acknowledged"},
    [F_BYTES_SENT] = {KFB_METRIC_COUNTER, "kfb_bytes_sent_total", L_MAPPING_TABLE, B_NONE,
                      "KV batch bytes Fluss acknowledged"},
    [F_PUTKV_BATCHES] = {KFB_METRIC_COUNTER, "kfb_putkv_batches_total", L_TABLE, B_NONE,
                         "PutKv batches Fluss acknowledged"},
    [F_PUTKV_RETRIES] = {KFB_METRIC_COUNTER, "kfb_putkv_retries_total", L_TABLE, B_NONE,
                         "PutKv batch sends after the first (retries)"},
    [F_PUTKV_ERRORS] = {KFB_METRIC_COUNTER, "kfb_putkv_errors_total", L_TABLE_ERROR, B_NONE,
                        "PutKv batches that failed for good, by Fluss error name"},
    [F_INFLIGHT] = {KFB_METRIC_GAUGE, "kfb_inflight_bytes", L_NONE, B_NONE,
                    "batch bytes submitted to Fluss and not yet acknowledged"},
    [F_BUFFERED] = {KFB_METRIC_GAUGE, "kfb_buffered_bytes", L_NONE, B_NONE,
                    "bytes in open and sealed batches plus in flight (batch.max_buffered_bytes pauses consumption)"},
    [F_PAUSED] = {KFB_METRIC_GAUGE, "kfb_paused_partitions", L_NONE, B_NONE,
                  "assigned Kafka partitions currently paused (backpressure, waiting for a schema, replay)"},
    [F_BATCH_SIZE] = {KFB_METRIC_HISTOGRAM, "kfb_batch_size_bytes", L_TABLE, B_SIZE,
                      "size of acknowledged KV batches"},
    [F_PUTKV_LATENCY] = {KFB_METRIC_HISTOGRAM, "kfb_putkv_latency_seconds", L_TABLE, B_LATENCY,
                         "time from submitting a batch to its acknowledgement, retries included"},
    [F_E2E_LATENCY] = {KFB_METRIC_HISTOGRAM, "kfb_end_to_end_latency_seconds", L_MAPPING, B_E2E,
                       "time from the Kafka timestamp of a batch's oldest message to Fluss's acknowledgement"},
    [F_COMMITTED] = {KFB_METRIC_GAUGE, "kfb_committed_offset", L_TOPIC_PARTITION, B_NONE,
                     "the partition's committed Kafka offset (the next message to read after a restart)"},
    [F_END] = {KFB_METRIC_GAUGE, "kfb_end_offset", L_TOPIC_PARTITION, B_NONE,
               "the partition's end offset (high watermark) as last seen"},
    [F_LAG] = {KFB_METRIC_GAUGE, "kfb_consumer_lag", L_TOPIC_PARTITION, B_NONE,
               "messages between the committed offset and the end offset"},
    [F_REBALANCES] = {KFB_METRIC_COUNTER, "kfb_rebalances_total", L_NONE, B_NONE,
                      "consumer group rebalances (assignments and revocations)"},
    [F_REPLAYS] = {KFB_METRIC_COUNTER, "kfb_replays_total", L_NONE, B_NONE,
                   "replays from the last acknowledged offsets (after writes in doubt or rejected)"},
    [F_PLANS] = {KFB_METRIC_GAUGE, "kfb_schema_plans_compiled", L_MAPPING, B_NONE,
                 "mapping plans compiled (one per writer schema and table schema)"},
    [F_MIGRATE_RATIO] = {KFB_METRIC_GAUGE, "kfb_migrate_progress_ratio", L_NONE, B_NONE,
                         "migrate: share of the snapshot's messages copied (0 to 1)"},
    [F_MIGRATE_REMAINING] = {KFB_METRIC_GAUGE, "kfb_migrate_remaining_messages", L_NONE, B_NONE,
                             "migrate: messages of the snapshot still to copy"},
};

struct kfb_pm_families {
    kfb_metric_family_t *f[F_COUNT];
    kfb_mapping_metrics_t **maps;
    size_t n_maps;
};

static size_t nlabels(int set) {
    size_t n = 0;
    while (n < 3 && label_sets[set][n]) n++;
    return n;
}

kfb_pipeline_metrics_t *kfb_pipeline_metrics_new(const char *version, int migrate, char *errstr, size_t errstr_size) {
    kfb_pipeline_metrics_t *pm = calloc(1, sizeof *pm);
    if (!pm || !(pm->fam = calloc(1, sizeof *pm->fam)) || !(pm->registry = kfb_metrics_new())) {
        snprintf(errstr, errstr_size, "metrics: out of memory");
        kfb_pipeline_metrics_destroy(pm);
        return NULL;
    }
    static const struct { const double *b; const size_t *n; } bk[] = {
        [B_NONE] = {NULL, NULL},
        [B_SIZE] = {kfb_pm_size_buckets, &kfb_pm_size_nbuckets},
        [B_LATENCY] = {kfb_pm_latency_buckets, &kfb_pm_latency_nbuckets},
        [B_E2E] = {kfb_pm_e2e_buckets, &kfb_pm_e2e_nbuckets},
    };
    for (int i = 0; i < F_COUNT; i++) {
        const struct family_def *d = &defs[i];
        if (!migrate && (i == F_MIGRATE_RATIO || i == F_MIGRATE_REMAINING)) continue;
        pm->fam->f[i] = kfb_metrics_family(pm->registry, d->type, d->name, d->help, label_sets[d->labels],
                                           nlabels(d->labels), bk[d->buckets].b, bk[d->buckets].n ? *bk[d->buckets].n : 0,
                                           errstr, errstr_size);
        if (!pm->fam->f[i]) {
            kfb_pipeline_metrics_destroy(pm);
            return NULL;
        }
    }
    kfb_metric_family_t **f = pm->fam->f;
    const char *v[] = {version ? version : "unknown"};
    kfb_gauge_set(kfb_metrics_gauge(f[F_UP], NULL), 1);
    kfb_gauge_set(kfb_metrics_gauge(f[F_BUILD_INFO], v), 1);
    pm->inflight_bytes = kfb_metrics_gauge(f[F_INFLIGHT], NULL);
    pm->buffered_bytes = kfb_metrics_gauge(f[F_BUFFERED], NULL);
    pm->paused_partitions = kfb_metrics_gauge(f[F_PAUSED], NULL);
    pm->rebalances = kfb_metrics_counter(f[F_REBALANCES], NULL);
    pm->replays = kfb_metrics_counter(f[F_REPLAYS], NULL);
    pm->migrate_progress_ratio = kfb_metrics_gauge(f[F_MIGRATE_RATIO], NULL);
    pm->migrate_remaining_messages = kfb_metrics_gauge(f[F_MIGRATE_REMAINING], NULL);
    return pm;
}

static void mapping_free(kfb_mapping_metrics_t *mm) {
    if (!mm) return;
    free(mm->mapping);
    free(mm->table);
    free(mm);
}

void kfb_pipeline_metrics_destroy(kfb_pipeline_metrics_t *pm) {
    if (!pm) return;
    if (pm->fam) {
        for (size_t i = 0; i < pm->fam->n_maps; i++) mapping_free(pm->fam->maps[i]);
        free(pm->fam->maps);
        free(pm->fam);
    }
    kfb_metrics_destroy(pm->registry);
    free(pm);
}

kfb_mapping_metrics_t *kfb_pipeline_metrics_mapping(kfb_pipeline_metrics_t *pm, const char *mapping,
                                                    const char *table) {
    if (!pm || !mapping || !table) return NULL;
    kfb_pm_families_t *fm = pm->fam;
    for (size_t i = 0; i < fm->n_maps; i++)
        if (!strcmp(fm->maps[i]->mapping, mapping) && !strcmp(fm->maps[i]->table, table)) return fm->maps[i];
    kfb_mapping_metrics_t **grown = realloc(fm->maps, (fm->n_maps + 1) * sizeof *grown);
    if (!grown) return NULL;
    fm->maps = grown;
    kfb_mapping_metrics_t *mm = calloc(1, sizeof *mm);
    if (!mm || !(mm->mapping = strdup(mapping)) || !(mm->table = strdup(table))) {
        mapping_free(mm);
        return NULL;
    }
    kfb_metric_family_t **f = fm->f;
    const char *m1[] = {mapping};
    const char *t1[] = {table};
    const char *mt[] = {mapping, table};
    const char *up[] = {mapping, table, "upsert"}, *del[] = {mapping, table, "delete"};
    const char *cr[] = {mapping, "record"}, *cf[] = {mapping, "fatal"}, *cw[] = {mapping, "write"};
    mm->pm = pm;
    mm->skipped = kfb_metrics_counter(f[F_SKIPPED], m1);
    mm->dead_lettered = kfb_metrics_counter(f[F_DEAD_LETTERED], m1);
    mm->errors_record = kfb_metrics_counter(f[F_ERRORS], cr);
    mm->errors_fatal = kfb_metrics_counter(f[F_ERRORS], cf);
    mm->errors_write = kfb_metrics_counter(f[F_ERRORS], cw);
    mm->upserts = kfb_metrics_counter(f[F_WRITTEN], up);
    mm->deletes = kfb_metrics_counter(f[F_WRITTEN], del);
    mm->bytes_sent = kfb_metrics_counter(f[F_BYTES_SENT], mt);
    mm->putkv_batches = kfb_metrics_counter(f[F_PUTKV_BATCHES], t1);
    mm->putkv_retries = kfb_metrics_counter(f[F_PUTKV_RETRIES], t1);
    mm->batch_size = kfb_metrics_histogram(f[F_BATCH_SIZE], t1);
    mm->putkv_latency = kfb_metrics_histogram(f[F_PUTKV_LATENCY], t1);
    mm->end_to_end_latency = kfb_metrics_histogram(f[F_E2E_LATENCY], m1);
    mm->plans_compiled = kfb_metrics_gauge(f[F_PLANS], m1);
    fm->maps[fm->n_maps++] = mm;
    return mm;
}

void kfb_mapping_metrics_acked(kfb_mapping_metrics_t *mm, uint64_t upserts, uint64_t deletes, uint64_t bytes,
                               int attempts, double putkv_seconds) {
    if (!mm) return;
    if (upserts) kfb_counter_add(mm->upserts, upserts);
    if (deletes) kfb_counter_add(mm->deletes, deletes);
    kfb_counter_add(mm->bytes_sent, bytes);
    kfb_counter_inc(mm->putkv_batches);
    if (attempts > 1) kfb_counter_add(mm->putkv_retries, (uint64_t)(attempts - 1));
    kfb_histogram_observe(mm->batch_size, (double)bytes);
    kfb_histogram_observe(mm->putkv_latency, putkv_seconds);
}

void kfb_mapping_metrics_putkv_error(kfb_mapping_metrics_t *mm, const char *error_name, int attempts) {
    if (!mm) return;
    const char *v[] = {mm->table, error_name && *error_name ? error_name : "UNKNOWN"};
    kfb_counter_inc(kfb_metrics_counter(mm->pm->fam->f[F_PUTKV_ERRORS], v));
    if (attempts > 1) kfb_counter_add(mm->putkv_retries, (uint64_t)(attempts - 1));
}

kfb_partition_metrics_t *kfb_pipeline_metrics_partition(kfb_pipeline_metrics_t *pm, const char *mapping,
                                                        const char *topic, int32_t partition) {
    if (!pm || !mapping || !topic) return NULL;
    kfb_partition_metrics_t *p = calloc(1, sizeof *p);
    if (!p || !(p->topic = strdup(topic))) {
        free(p);
        return NULL;
    }
    p->pm = pm;
    p->committed = p->end = -1;
    snprintf(p->partition, sizeof p->partition, "%" PRId32, partition);
    const char *mt[] = {mapping, topic};
    p->consumed = kfb_metrics_counter(pm->fam->f[F_CONSUMED], mt);
    /* registered now, shown once set: registering allocates, a poll should not */
    const char *tp[] = {p->topic, p->partition};
    p->committed_offset = kfb_metrics_gauge_unset(pm->fam->f[F_COMMITTED], tp);
    p->end_offset = kfb_metrics_gauge_unset(pm->fam->f[F_END], tp);
    p->lag = kfb_metrics_gauge_unset(pm->fam->f[F_LAG], tp);
    return p;
}

/* The partition's series of family i (registered with the partition; again here if that
 * ran out of memory). */
static kfb_gauge_t *offset_gauge(kfb_partition_metrics_t *p, kfb_gauge_t **slot, int i) {
    if (!*slot) {
        const char *tp[] = {p->topic, p->partition};
        *slot = kfb_metrics_gauge(p->pm->fam->f[i], tp);
    }
    return *slot;
}

void kfb_partition_metrics_offsets(kfb_partition_metrics_t *p, int64_t committed, int64_t end) {
    if (!p) return;
    if (committed >= 0) {
        p->committed = committed;
        kfb_gauge_set(offset_gauge(p, &p->committed_offset, F_COMMITTED), (double)committed);
    }
    if (end >= 0) {
        p->end = end;
        kfb_gauge_set(offset_gauge(p, &p->end_offset, F_END), (double)end);
    }
    if (p->committed >= 0 && p->end >= 0)
        kfb_gauge_set(offset_gauge(p, &p->lag, F_LAG), p->end > p->committed ? (double)(p->end - p->committed) : 0.0);
}

void kfb_pipeline_metrics_partition_drop(kfb_pipeline_metrics_t *pm, kfb_partition_metrics_t *p) {
    if (!p) return;
    if (pm) {
        const char *tp[] = {p->topic, p->partition};
        if (p->committed_offset) kfb_metrics_remove(pm->fam->f[F_COMMITTED], tp);
        if (p->end_offset) kfb_metrics_remove(pm->fam->f[F_END], tp);
        if (p->lag) kfb_metrics_remove(pm->fam->f[F_LAG], tp);
    }
    free(p->topic);
    free(p);
}
