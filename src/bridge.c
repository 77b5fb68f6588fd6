/*
 * bridge.c - the bridge loop (bridge.h).
 *
 * One poll thread owns everything below; the Fluss client's I/O thread, librdkafka's
 * threads and the background worker only hand results back to it:
 *
 *   consume (kfb_consumer_poll)           one poll's messages, per mapping in poll order
 *   -> schema probe                       a message whose writer schema is not in memory
 *                                         parks its partition (paused) until the worker
 *                                         fetched it
 *   -> kfb_mapper_map_batch into the      records land in their bucket's open batch;
 *      accumulator's open batches         placed[] says which batches took each message
 *   -> holds                              each batch holds the first offset of every
 *                                         partition it took a record of (offset_tracker.h)
 *   -> seal (full / linger) and submit    in seal order; QUEUE_FULL waits for completions
 *   -> completions                        release holds (acknowledged), or fail them and
 *                                         replay (in doubt, or a record Fluss rejected)
 *   -> commit                             each partition's committable offset, every
 *                                         offsets.commit_interval, on revoke, at shutdown
 */
#include "bridge.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accumulator.h"
#include "bridge_internal.h"
#include "confluent.h"
#include "consumer.h"
#include "dead_letter.h"
#include "fluss_client.h"
#include "fluss_errors.h"
#include "logging.h"
#include "mapper.h"
#include "offset_tracker.h"
#include "progress.h"
#include "schema_registry.h"
#include "table_create.h"
#include "table_evolve.h"
#include "verify.h"
#include "worker.h"

#define FAC "bridge"
#define POLL_MAX 2048            /* messages per consumer poll */
#define REPLAY_LIMIT 20          /* replays in a row without progress before giving up */
#define PARK_RETRY_MS 1000       /* schema fetch retry after a retriable failure */
#define GROUP_CHECK_MS 1000      /* migrate: how often the group's offsets are read */
#define ERRLOG_BURST 10          /* per-record errors logged per 10 s, then summarised */

int64_t kfb_bridge_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ partitions */

static size_t part_hash(const char *topic, int32_t partition) {
    uint64_t h = 1469598103934665603ULL ^ (uint32_t)partition;
    for (const char *p = topic; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    return (size_t)(h % PART_HASH);
}

part_t *kfb_bridge_part(kfb_bridge_t *b, const char *topic, int32_t partition) {
    for (part_t *p = b->parts[part_hash(topic, partition)]; p; p = p->hnext)
        if (p->partition == partition && !strcmp(p->topic, topic)) return p;
    return NULL;
}

static mapping_rt_t *mapping_for_topic(kfb_bridge_t *b, const char *topic, char *errstr, size_t errstr_size) {
    mapping_rt_t *hit = NULL;
    for (size_t i = 0; i < b->n_maps; i++)
        if (kfb_config_mapping_matches(b->maps[i].cfg, topic)) {
            if (hit) {
                snprintf(errstr, errstr_size,
                         "topic '%s' matches mappings '%s' and '%s'; a topic may belong to one mapping only: "
                         "narrow their topic_pattern",
                         topic, hit->cfg->name, b->maps[i].cfg->name);
                return NULL;
            }
            hit = &b->maps[i];
        }
    if (!hit) snprintf(errstr, errstr_size, "topic '%s' is assigned but no mapping reads it", topic);
    return hit;
}

static part_t *part_add(kfb_bridge_t *b, const char *topic, int32_t partition, mapping_rt_t *m) {
    part_t *p = calloc(1, sizeof *p);
    if (!p || !(p->topic = strdup(topic)) || !(p->off = kfb_offsets_new(0)) ||
        !(p->self = rd_kafka_topic_partition_list_new(1)) ||
        !rd_kafka_topic_partition_list_add(p->self, topic, partition)) {
        if (p) {
            if (p->self) rd_kafka_topic_partition_list_destroy(p->self);
            if (p->off) kfb_offsets_retire(p->off);
            free(p->topic);
        }
        free(p);
        return NULL;
    }
    p->partition = partition;
    p->map = m;
    p->committed = -1;
    p->commit_sent = -1;
    p->end = -1;
    p->low = -1;
    p->expected = -1;
    p->idle_pos = -1;
    size_t h = part_hash(topic, partition);
    p->hnext = b->parts[h];
    b->parts[h] = p;
    p->anext = b->all_parts;
    b->all_parts = p;
    b->n_parts++;
    return p;
}

static void part_drop_parked(part_t *p) {
    for (size_t i = 0; i < p->n_parked; i++) rd_kafka_message_destroy(p->parked[i]);
    p->n_parked = 0;
    p->park = 0;
}

static void part_remove(kfb_bridge_t *b, part_t *p) {
    part_t **pp = &b->parts[part_hash(p->topic, p->partition)];
    while (*pp != p) pp = &(*pp)->hnext;
    *pp = p->hnext;
    pp = &b->all_parts;
    while (*pp != p) pp = &(*pp)->anext;
    *pp = p->anext;
    b->n_parts--;
    if (b->last_part == p) b->last_part = NULL;
    part_drop_parked(p);
    free(p->parked);
    kfb_offsets_retire(p->off); /* in-flight batches may still hold it */
    kfb_mapper_forget_partition(p->map->mapper, p->topic, p->partition);
    kfb_bridge_careful_forget(b, p);
    kfb_pipeline_metrics_partition_drop(b->pm, p->pmx);
    rd_kafka_topic_partition_list_destroy(p->self);
    free(p->topic);
    free(p);
}

/* ------------------------------------------------------------------ fatal errors */

void kfb_bridge_fatal(kfb_bridge_t *b, const char *fmt, ...) {
    if (b->fatal[0]) return; /* the first error is the one to act on */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->fatal, sizeof b->fatal, fmt, ap);
    va_end(ap);
    KFB_ERROR(FAC, "%s", b->fatal);
}

/* ------------------------------------------------------------------ pausing */

/* Brings librdkafka's paused set in line with what each partition needs: paused while
 * parked (waiting for a schema), while the bridge drains (backpressure, replay, shutdown),
 * and, in migrate mode, once it reached its snapshot end. */
void kfb_bridge_sync_pauses(kfb_bridge_t *b) {
    int all = b->bp_paused || b->state != ST_RUNNING;
    rd_kafka_t *rk = kfb_consumer_handle(b->consumer);
    size_t paused = 0;
    for (part_t *p = b->all_parts; p; p = p->anext) {
        int want = all || p->park || p->done;
        /* one partition's own list: backpressure pauses and resumes often, and a list made
         * for the occasion allocated per partition each time */
        if (want != p->paused) {
            if (want) rd_kafka_pause_partitions(rk, p->self);
            else rd_kafka_resume_partitions(rk, p->self);
            p->paused = want;
        }
        paused += p->paused;
    }
    kfb_gauge_set(b->pm->paused_partitions, (double)paused);
}

/* ------------------------------------------------------------------ commits */

/* Commits the committable offset of every partition that moved past its confirmed commit
 * (or of `only`). An asynchronous commit is confirmed by on_committed; until then the same
 * offset is not sent again for COMMIT_RESEND_MS, after which it is (a failed commit, e.g.
 * while the coordinator moves, is retried). Partitions whose position is unknown (nothing
 * consumed, no committed offset) are left out.
 *
 * The periodic, asynchronous commit stores each offset in librdkafka (rd_kafka_offsets_store
 * on the partition's own list) and commits the stored offsets (rd_kafka_commit with no list):
 * librdkafka then builds the request on its own thread, and this one allocates nothing per
 * partition. librdkafka commits a stored offset only while the partition is assigned, only
 * when it is past the committed one, and forgets it when the partition is unassigned
 * (rdkafka_assignment.c), so a stale store cannot move a commit back. A synchronous commit
 * (revoke, shutdown) names its offsets. */
#define COMMIT_RESEND_MS 1000
void kfb_bridge_commit(kfb_bridge_t *b, part_t *only, int sync) {
    int64_t now = kfb_bridge_now_ms();
    rd_kafka_t *rk = kfb_consumer_handle(b->consumer);
    rd_kafka_topic_partition_list_t *l = NULL; /* named offsets: sync, or a store refused */
    size_t stored = 0;
    for (part_t *p = only ? only : b->all_parts; p; p = only ? NULL : p->anext) {
        if (!p->have_pos) continue;
        int64_t c = kfb_offsets_committable(p->off);
        if (c <= p->committed) continue;
        if (!sync && c == p->commit_sent && now - p->commit_sent_ms < COMMIT_RESEND_MS) continue;
        p->commit_sent = c;
        p->commit_sent_ms = now;
        if (!sync) {
            p->self->elems[0].offset = c;
            if (!rd_kafka_offsets_store(rk, p->self) && !p->self->elems[0].err) {
                stored++;
                continue;
            }
        }
        if (!l) l = rd_kafka_topic_partition_list_new(8);
        rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = c;
    }
    char e[256];
    if (stored) {
        if (kfb_consumer_commit_stored(b->consumer, e, sizeof e) == KFB_ERR_OK) b->commits++;
        else KFB_WARN(FAC, "%s; will try again", e);
    }
    if (l && l->cnt) {
        if (kfb_consumer_commit(b->consumer, l, !sync, e, sizeof e) == KFB_ERR_OK) {
            if (sync)
                for (int i = 0; i < l->cnt; i++) {
                    part_t *p = kfb_bridge_part(b, l->elems[i].topic, l->elems[i].partition);
                    if (p && l->elems[i].offset > p->committed) {
                        p->committed = l->elems[i].offset;
                        kfb_partition_metrics_offsets(p->pmx, p->committed, -1);
                    }
                }
            b->commits++;
        } else {
            KFB_WARN(FAC, "%s; will try again", e);
        }
    }
    if (l) rd_kafka_topic_partition_list_destroy(l);
}

static void on_committed(void *ctx, rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t *offsets) {
    kfb_bridge_t *b = ctx;
    for (int i = 0; i < offsets->cnt; i++) {
        const rd_kafka_topic_partition_t *x = &offsets->elems[i];
        part_t *p = kfb_bridge_part(b, x->topic, x->partition);
        if (!p) continue;
        if (!err && !x->err && x->offset > p->committed) {
            p->committed = x->offset;
            kfb_partition_metrics_offsets(p->pmx, p->committed, -1);
        } else if (err || x->err) {
            p->commit_sent = -1; /* send it again at the next chance */
        }
    }
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        KFB_DEBUG(FAC, "offset commit failed: %s; retried", rd_kafka_err2str(err));
}

/* ------------------------------------------------------------------ rebalance */

static void on_assigned(void *ctx, const rd_kafka_topic_partition_list_t *parts) {
    kfb_bridge_t *b = ctx;
    rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
    char e[512];
    /* Where each partition starts: its committed offset (the tracker needs a start, and a
     * log start past it is a gap in migrate mode). A failure leaves the start to the first
     * message consumed. */
    if (kfb_consumer_committed(b->consumer, c, 10000, e, sizeof e) != KFB_ERR_OK)
        KFB_WARN(FAC, "%s; positions start at the first message consumed", e);
    for (int i = 0; i < c->cnt; i++) {
        const char *topic = c->elems[i].topic;
        int32_t partition = c->elems[i].partition;
        mapping_rt_t *m = mapping_for_topic(b, topic, e, sizeof e);
        if (!m) {
            kfb_bridge_fatal(b, "%s", e);
            continue;
        }
        part_t *p = kfb_bridge_part(b, topic, partition);
        if (!p && !(p = part_add(b, topic, partition, m))) {
            kfb_bridge_fatal(b, "out of memory");
            continue;
        }
        int64_t off = c->elems[i].err ? -1 : c->elems[i].offset;
        p->committed = off >= 0 ? off : -1;
        p->have_pos = off >= 0;
        kfb_offsets_reset(p->off, off >= 0 ? off : 0);
        p->expected = off >= 0 ? off : -1;
        p->paused = 0;
        kfb_bridge_migrate_assigned(b, p);
        if (!p->pmx) p->pmx = kfb_pipeline_metrics_partition(b->pm, m->cfg->name, topic, partition);
        if (p->committed >= 0) kfb_partition_metrics_offsets(p->pmx, p->committed, -1);
        KFB_INFO(FAC, "assigned %s [%d] (mapping %s) at %s%" PRId64, topic, (int)partition, m->cfg->name,
                 off >= 0 ? "committed offset " : "", off >= 0 ? off : (int64_t)0);
    }
    rd_kafka_topic_partition_list_destroy(c);
    b->rebalances++;
    kfb_counter_inc(b->pm->rebalances);
    kfb_health_set_assigned(b->health, (int64_t)b->n_parts);
    b->pauses_dirty = 1; /* new partitions start unpaused; replay, backpressure or migrate may want them paused */
}

static void on_revoked(void *ctx, const rd_kafka_topic_partition_list_t *parts, int lost) {
    kfb_bridge_t *b = ctx;
    b->rebalances++;
    kfb_counter_inc(b->pm->rebalances);
    if (!lost) {
        /* Give Fluss until revoke_timeout to acknowledge what these partitions hold, then
         * commit as far as it did. */
        int64_t deadline = kfb_bridge_now_ms() + b->revoke_timeout_ms;
        kfb_bridge_drain(b, deadline, parts);
        for (int i = 0; i < parts->cnt; i++) {
            part_t *p = kfb_bridge_part(b, parts->elems[i].topic, parts->elems[i].partition);
            if (p) kfb_bridge_commit(b, p, 1);
        }
    }
    for (int i = 0; i < parts->cnt; i++) {
        part_t *p = kfb_bridge_part(b, parts->elems[i].topic, parts->elems[i].partition);
        if (!p) continue;
        if (lost)
            KFB_WARN(FAC, "lost %s [%d] (session timeout): its offsets stay at the last commit (%" PRId64 ")",
                     p->topic, (int)p->partition, p->committed);
        else if (p->have_pos && kfb_offsets_committable(p->off) < kfb_offsets_next(p->off))
            KFB_WARN(FAC, "revoked %s [%d] before Fluss acknowledged offsets %" PRId64 "..%" PRId64
                          ": the next owner writes them again",
                     p->topic, (int)p->partition, kfb_offsets_committable(p->off), kfb_offsets_next(p->off) - 1);
        else
            KFB_INFO(FAC, "revoked %s [%d] at offset %" PRId64, p->topic, (int)p->partition, p->committed);
        kfb_bridge_migrate_revoked(b, p);
        part_remove(b, p);
    }
    kfb_health_set_assigned(b->health, (int64_t)b->n_parts);
}

/* ------------------------------------------------------------------ setup */

static void split_table(const char *path, char **db, char **table) {
    const char *dot = strchr(path, '.');
    *db = strndup(path, (size_t)(dot - path));
    *table = strdup(dot + 1);
}

static int setup_mapping(kfb_bridge_t *b, mapping_rt_t *m, const kfb_config_mapping_t *mc, char *errstr,
                         size_t errstr_size) {
    m->cfg = mc;
    m->bridge = b;
    split_table(mc->table, &m->db, &m->table);
    if (!m->db || !m->table) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    char e[1024];
    /* create_table: a missing table (and database) is created from the topic's writer schema */
    if (kfb_table_create_if_missing(b->fluss, b->schemas, kfb_config_string(b->cfg, "schemas_dir") == NULL, mc,
                                    b->request_timeout_ms, NULL, errstr, errstr_size))
        return -1;
    kfb_fluss_table_info_t *info = NULL;
    kfb_err_t err = kfb_fluss_client_get_table(b->fluss, m->db, m->table, b->request_timeout_ms, &info, e, sizeof e);
    if (err) {
        snprintf(errstr, errstr_size, "mapping '%s': %s%s", mc->name, e,
                 err == KFB_ERR_FLUSS_ERROR ? " (create the table first, or set create_table: true; "
                                              "`kafka-fluss-bridge check` shows what it needs)"
                                            : "");
        return -1;
    }
    m->info = info;
    m->table_id = info->table_id;
    kfb_mapper_config_t mcfg;
    kfb_config_mapper_config(mc, &mcfg);
    mcfg.table_schema_id = info->schema_id;
    m->mapper = kfb_mapper_new(info->desc, b->schemas, &mcfg, e, sizeof e);
    if (!m->mapper) {
        snprintf(errstr, errstr_size, "mapping '%s' onto %s: %s", mc->name, mc->table, e);
        return -1;
    }
    kfb_acc_conf_t ac = {
        .partitioned = info->partitioned,
        .bucket_count = info->desc->bucket_count > 0 ? info->desc->bucket_count : info->bucket_count,
        .max_bytes = b->batch_max_bytes,
        .max_record_bytes = b->max_record_bytes,
        .linger_ms = b->linger_ms,
    };
    m->acc = kfb_acc_new(&ac, e, sizeof e);
    if (!m->acc) {
        snprintf(errstr, errstr_size, "mapping '%s': %s", mc->name, e);
        return -1;
    }
    /* partition key names, for CreatePartition specs */
    const kfb_table_desc_t *d = info->desc;
    m->n_pkeys = d->partition_key_count;
    if (m->n_pkeys) {
        m->pkeys = calloc(m->n_pkeys, sizeof *m->pkeys);
        if (!m->pkeys) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < m->n_pkeys; i++) m->pkeys[i] = d->columns[d->partition_keys[i]].name;
    }
    return 0;
}

static void fluss_delivery(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *r, void *opaque);
static void dead_letter_done(void *ctx, void *opaque, kfb_err_t err, const char *why);

kfb_bridge_t *kfb_bridge_new(const kfb_config_t *cfg, const kfb_bridge_opts_t *opts, char *errstr,
                             size_t errstr_size) {
    if (kfb_config_check_for_run(cfg, errstr, errstr_size)) return NULL;
    kfb_bridge_t *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    b->cfg = cfg;
    b->opts = *opts;
    /* Batches are copied into the Fluss client and freed on acknowledgement, 100 KiB to MiBs
     * at a time, all the time: glibc's defaults hand such blocks back to the kernel (mmap
     * and heap trimming) and take them again, and the page faults cost more than the
     * mapping itself. Keep freed memory in the heap; the bridge's memory is bounded by
     * batch.max_buffered_bytes, not by trimming. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    if (!b->opts.out) b->opts.out = stdout;
    if (!b->opts.progress_out) b->opts.progress_out = stderr;
    b->policy = (kfb_error_policy_t)kfb_config_int(cfg, "errors.policy");
    b->max_errors_per_minute = kfb_config_int(cfg, "errors.max_per_minute");
    b->linger_ms = kfb_config_int(cfg, "batch.linger");
    b->batch_max_bytes = (size_t)kfb_config_int(cfg, "batch.max_bytes");
    b->max_buffered = (size_t)kfb_config_int(cfg, "batch.max_buffered_bytes");
    b->max_record_bytes = (size_t)kfb_config_int(cfg, "fluss.max_request_size") - 1024;
    if (b->max_record_bytes < b->batch_max_bytes) b->max_record_bytes = b->batch_max_bytes;
    b->commit_interval_ms = kfb_config_int(cfg, "offsets.commit_interval");
    b->revoke_timeout_ms = kfb_config_int(cfg, "offsets.revoke_timeout");
    b->shutdown_timeout_ms = kfb_config_int(cfg, "shutdown_timeout");
    b->request_timeout_ms = (int)kfb_config_int(cfg, "fluss.request_timeout");
    b->table_refresh_ms = kfb_config_int(cfg, "fluss.table_refresh_interval");
    b->started_ms = kfb_bridge_now_ms();

    b->pm = kfb_pipeline_metrics_new(opts->version ? opts->version : "unknown", opts->mode == KFB_BRIDGE_MIGRATE,
                                     errstr, errstr_size);
    if (!b->pm || !(b->health = kfb_health_new(kfb_config_int(cfg, "metrics.stall_timeout")))) goto fail;
    const char *listen = kfb_config_string(cfg, "metrics.listen");
    if (listen) {
        kfb_http_conf_t hc;
        kfb_http_conf_init(&hc);
        hc.listen = listen;
        b->http = kfb_http_endpoint_new(&hc, b->pm->registry, b->health, errstr, errstr_size);
        if (!b->http) goto fail;
    }
    b->schemas = kfb_config_schema_source_new(cfg, errstr, errstr_size);
    if (!b->schemas) goto fail;
    kfb_fluss_client_conf_t fc;
    kfb_fluss_client_conf_init(&fc);
    fc.delivery_cb = fluss_delivery;
    fc.delivery_opaque = b;
    kfb_config_fluss_conf(cfg, &fc);
    b->fluss = kfb_fluss_client_new(&fc, errstr, errstr_size);
    if (!b->fluss) goto fail;
    b->n_maps = kfb_config_mapping_count(cfg);
    b->maps = calloc(b->n_maps, sizeof *b->maps);
    if (!b->maps) goto nomem;
    for (size_t i = 0; i < b->n_maps; i++) {
        if (setup_mapping(b, &b->maps[i], kfb_config_mapping_at(cfg, i), errstr, errstr_size)) goto fail;
        b->maps[i].mm = kfb_pipeline_metrics_mapping(b->pm, b->maps[i].cfg->name, b->maps[i].cfg->table);
    }
    kfb_health_set_fluss_reachable(b->health, 1); /* every table's info was just read from it */
    if (b->policy == KFB_ERROR_POLICY_DEAD_LETTER) {
        b->dlq = kfb_dead_letter_new(cfg, kfb_config_string(cfg, "errors.dead_letter_topic"), dead_letter_done, b,
                                     errstr, errstr_size);
        if (!b->dlq) goto fail;
    }
    b->worker = kfb_worker_new();
    if (!b->worker) goto nomem;
    if (b->opts.verify > 0 && !(b->verify = kfb_verify_new((size_t)b->opts.verify))) goto nomem;
    kfb_consumer_events_t ev = {on_assigned, on_revoked, on_committed, b};
    /* librdkafka prefetches up to 100,000 messages / 64 MiB by default, beyond the bridge's
     * own budget. Less keeps the pipeline fed, down to a point: the fetcher stops at the
     * limit and has to be woken (kick_stalled_fetch). bench_e2e on 2 cores, three trials
     * each: 15,000 messages 0.46-1.01x raw consumption and 75-101 MiB peak RSS, 20,000
     * 1.16-1.27x and 112-117 MiB, 30,000 0.81-1.11x and 120-127 MiB, 50,000 / 32 MiB
     * 1.10-1.37x and 132-137 MiB (a queued message costs far more than its bytes: about
     * 2 KiB of RSS each here). Both limits bound the prefetch as
     * a whole: librdkafka 2.0 compares them with each partition's fetch queue
     * (rdkafka_fetcher.c rd_kafka_toppar_fetch_decide), which the high-level consumer
     * forwards to the one consumer queue (rdkafka_partition.c
     * rd_kafka_toppar_op_fetch_start), and a queue's length is its forward's
     * (rdkafka_queue.h rd_kafka_q_len). Defaults only: the file's kafka: properties win. */
    static const char *const prefetch[] = {"queued.min.messages", "20000", "queued.max.messages.kbytes", "16384",
                                           "fetch.max.bytes", "4194304"};
    const char *ov[6];
    size_t nov = 0;
    for (size_t k = 0; k < 6; k += 2) {
        int set = 0;
        for (size_t i = 0; i < kfb_config_kafka_count(cfg); i++) {
            const char *n, *v;
            kfb_config_kafka_property(cfg, i, &n, &v);
            if (!strcmp(n, prefetch[k])) set = 1;
        }
        if (!set) {
            ov[nov++] = prefetch[k];
            ov[nov++] = prefetch[k + 1];
        }
    }
    b->consumer = kfb_consumer_new(cfg, ov, nov / 2, &ev, errstr, errstr_size);
    if (!b->consumer) goto fail;
    if (b->opts.mode == KFB_BRIDGE_MIGRATE && kfb_bridge_migrate_snapshot(b, errstr, errstr_size)) goto fail;
    /* subscribe to every mapping's topics */
    size_t nt = 0, np = 0;
    for (size_t i = 0; i < b->n_maps; i++) {
        nt += b->maps[i].cfg->n_topics;
        np += b->maps[i].cfg->topic_pattern != NULL;
    }
    const char **topics = calloc(nt + 1, sizeof *topics), **pats = calloc(np + 1, sizeof *pats);
    if (!topics || !pats) {
        free(topics);
        free(pats);
        goto nomem;
    }
    nt = np = 0;
    for (size_t i = 0; i < b->n_maps; i++) {
        const kfb_config_mapping_t *mc = b->maps[i].cfg;
        for (size_t k = 0; k < mc->n_topics; k++) topics[nt++] = mc->topics[k];
        if (mc->topic_pattern) pats[np++] = mc->topic_pattern;
    }
    kfb_err_t se = kfb_consumer_subscribe(b->consumer, topics, nt, pats, np, errstr, errstr_size);
    free(topics);
    free(pats);
    if (se) goto fail;
    b->msgs = calloc(POLL_MAX, sizeof *b->msgs);
    b->mmsgs = calloc(POLL_MAX, sizeof *b->mmsgs);
    b->rkm = calloc(POLL_MAX, sizeof *b->rkm);
    b->placed = calloc(2 * POLL_MAX, sizeof *b->placed);
    b->errs = calloc(POLL_MAX, sizeof *b->errs);
    if (!b->msgs || !b->mmsgs || !b->rkm || !b->placed || !b->errs) goto nomem;
    b->next_commit = b->started_ms + b->commit_interval_ms;
    b->next_refresh = b->started_ms + b->table_refresh_ms;
    kfb_health_set_state(b->health, KFB_HEALTH_RUNNING);
    return b;
nomem:
    snprintf(errstr, errstr_size, "out of memory");
fail:
    kfb_bridge_destroy(b);
    return NULL;
}

void kfb_bridge_stop(kfb_bridge_t *b) { b->stop_requested = 1; }

uint64_t kfb_bridge_messages(const kfb_bridge_t *b) { return __atomic_load_n(&b->messages, __ATOMIC_RELAXED); }

mapping_rt_t *kfb_bridge_mapping_of(kfb_bridge_t *b, const kfb_ticket_t *t) {
    for (size_t i = 0; i < b->n_maps; i++)
        if (b->maps[i].acc == t->acc) return &b->maps[i];
    return &b->maps[0]; /* cannot happen: every ticket comes from a mapping's accumulator */
}

/* ------------------------------------------------------------------ schema probe */

/* The Confluent schema id of a framed payload, or -1. */
static int32_t framed_id(const void *p, size_t len) {
    const uint8_t *u = p;
    if (!p || len < KFB_CONFLUENT_HEADER_SIZE || u[0] != KFB_CONFLUENT_MAGIC) return -1;
    int32_t id = (int32_t)((uint32_t)u[1] << 24 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 8 | u[4]);
    return id < 0 ? -1 : id;
}

/* A fetch of a writer schema id on the worker. With `evolve` (a mapping with evolve:
 * add_columns, for a value id it has not compared yet), the same job then compares the
 * schema with a copy of the mapping's table (taken on the poll thread: the poll thread may
 * switch tables meanwhile) and adds the columns it lacks (table_evolve.h). */
typedef struct schema_job {
    kfb_job_t job;
    kfb_bridge_t *b;
    int32_t id;
    kfb_err_t err;
    char errstr[1536];
    mapping_rt_t *evolve;
    char *table_json; /* evolve: the copy compared with */
    size_t table_json_len;
    kfb_evolve_diff_t *diff;      /* evolve: the comparison */
    kfb_fluss_table_info_t *info; /* evolve: the table read after columns were added */
    int compared; /* evolve: the schema was in; err (if any) is the comparison's or AlterTable's */
} schema_job_t;

static void schema_job_run(kfb_job_t *j) {
    schema_job_t *s = (schema_job_t *)j;
    const kfb_avro_schema_t *out;
    s->err = kfb_schema_source_get(s->b->schemas, s->id, &out, s->errstr, sizeof s->errstr);
    if (s->err || !s->evolve) return;
    mapping_rt_t *m = s->evolve;
    kfb_table_create_opts_t o;
    kfb_table_create_opts_from_mapping(m->cfg, &o);
    s->compared = 1;
    char e[1024];
    s->err = kfb_table_evolve_diff(s->table_json, s->table_json_len, s->b->schemas, s->id, &o, &s->diff, e, sizeof e);
    if (s->err) {
        snprintf(s->errstr, sizeof s->errstr, "mapping '%s': cannot compare writer schema %d with table %s: %s",
                 m->cfg->name, (int)s->id, m->cfg->table, e);
        return;
    }
    if (s->diff->blocked || !s->diff->n_add) return;
    s->err = kfb_table_evolve_apply(s->b->fluss, m->db, m->table, s->diff, s->b->request_timeout_ms, &s->info, e,
                                    sizeof e);
    if (s->err)
        snprintf(s->errstr, sizeof s->errstr, "mapping '%s': cannot add the columns of writer schema %d: %s",
                 m->cfg->name, (int)s->id, e);
}

static void schema_job_free(schema_job_t *s) {
    free(s->table_json);
    kfb_evolve_diff_destroy(s->diff);
    kfb_fluss_table_info_free(s->info);
    free(s);
}

static int evolves(const mapping_rt_t *m) { return m->cfg->evolve == KFB_CONFIG_EVOLVE_ADD_COLUMNS; }

static int evolved(const mapping_rt_t *m, int32_t id) {
    for (size_t i = 0; i < m->n_evolved_ids; i++)
        if (m->evolved_ids[i] == id) return 1;
    return 0;
}

static int just_missing(kfb_bridge_t *b, int32_t id) {
    int64_t now = kfb_bridge_now_ms();
    for (size_t i = 0; i < sizeof b->missing_ids / sizeof b->missing_ids[0]; i++)
        if (b->missing_until[i] > now && b->missing_ids[i] == id) return 1;
    return 0;
}

/* Whether the mapper may meet this id now: in memory, or just found missing (the source
 * caches that answer unless schema_registry.negative_cache is 0; then the mapper asks again
 * and gets its per-record error, rather than the partition waiting for ever). A value id of
 * a mapping with evolve: add_columns is ready only once its table was compared with it
 * (and evolved): in the cache is not enough, the schema is there before the job ends, and a
 * message mapped onto the old table would lose its new fields. */
static int schema_ready(kfb_bridge_t *b, const mapping_rt_t *m, int32_t id, int value) {
    if (value && evolves(m)) return evolved(m, id) || just_missing(b, id);
    return kfb_schema_source_cached(b->schemas, id) || just_missing(b, id);
}

/* The schema id this message needs that is not ready yet, or -1 (*value: whether it is
 * the value's). The value's id, and the key's when the mapper reads an Avro key
 * (tombstones, key from the message key). */
static int32_t missing_schema(kfb_bridge_t *b, const mapping_rt_t *m, const rd_kafka_message_t *msg, int *value) {
    int32_t id = framed_id(msg->payload, msg->len);
    *value = 1;
    if (id >= 0 && !schema_ready(b, m, id, 1)) return id;
    *value = 0;
    if (m->cfg->key_format == KFB_MAPPER_KEY_AVRO && (!msg->payload || m->cfg->key_from_message_key)) {
        id = framed_id(msg->key, msg->key_len);
        if (id >= 0 && !schema_ready(b, m, id, 0)) return id;
    }
    return -1;
}

/* One job per (id, evolving mapping), or per id for the rest. */
static int fetching(const kfb_bridge_t *b, int32_t id, const mapping_rt_t *evolve) {
    for (size_t i = 0; i < b->n_fetching; i++)
        if (b->fetching[i].id == id && b->fetching[i].evolve == evolve) return 1;
    return 0;
}

static void fetch_schema(kfb_bridge_t *b, int32_t id, mapping_rt_t *evolve) {
    if (fetching(b, id, evolve)) return;
    if (b->n_fetching == sizeof b->fetching / sizeof b->fetching[0]) return; /* the next probe asks again */
    schema_job_t *s = calloc(1, sizeof *s);
    if (!s) return;
    s->job.run = schema_job_run;
    s->b = b;
    s->id = id;
    if (evolve) {
        /* the table the mapper will have once the changes already read are applied */
        const kfb_fluss_table_info_t *ti = evolve->pending_info ? evolve->pending_info : evolve->info;
        s->evolve = evolve;
        s->table_json_len = ti->table_json_len;
        if (!(s->table_json = malloc(ti->table_json_len + 1))) {
            free(s);
            return;
        }
        memcpy(s->table_json, ti->table_json, ti->table_json_len);
        s->table_json[ti->table_json_len] = '\0';
    }
    b->fetching[b->n_fetching].id = id;
    b->fetching[b->n_fetching++].evolve = evolve;
    kfb_worker_submit(b->worker, &s->job);
}

/* The mapping whose table is compared with a parked partition's schema, or NULL. */
static mapping_rt_t *park_evolve(const part_t *p) { return p->park_value && evolves(p->map) ? p->map : NULL; }

static void park(kfb_bridge_t *b, part_t *p, rd_kafka_message_t *msg, int32_t id, int value) {
    if (!p->park) {
        p->park = 1;
        p->park_id = id;
        p->park_value = value;
        p->park_retry_at = 0;
        KFB_DEBUG(FAC, "%s [%d] waits for schema id %d", p->topic, (int)p->partition, (int)id);
    }
    if (p->n_parked == p->cap_parked) {
        size_t cap = p->cap_parked ? p->cap_parked * 2 : 64;
        rd_kafka_message_t **n = realloc(p->parked, cap * sizeof *n);
        if (!n) {
            kfb_bridge_fatal(b, "out of memory");
            rd_kafka_message_destroy(msg);
            return;
        }
        p->parked = n;
        p->cap_parked = cap;
    }
    p->parked[p->n_parked++] = msg;
    if (id >= 0 && p->park_id == id) fetch_schema(b, id, park_evolve(p));
    b->pauses_dirty = 1;
}

/* ------------------------------------------------------------------ mapping a poll */

typedef struct group_ctx {
    kfb_bridge_t *b;
    mapping_rt_t *m;
    rd_kafka_message_t **rkm;   /* this call's messages */
    kfb_mapper_msg_t *mmsgs;
    int64_t now;
} group_ctx_t;

static kfb_err_t sink_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                                kfb_kv_batch_builder_t **out) {
    group_ctx_t *g = ctx;
    mapping_rt_t *m = g->m;
    int solo = kfb_bridge_careful_match(g->b, m, rec->partition, rec->bucket, &msg->origin);
    kfb_err_t e = kfb_acc_open(m->acc, rec->partition, rec->bucket, kfb_mapper_table_schema_id(m->mapper),
                               rec->target_set, rec->target_columns, rec->n_target_columns, solo, g->now, out);
    if (e == KFB_ERR_INVALID_ARG) {
        kfb_bridge_fatal(g->b, "mapping '%s': bucket %d is outside table %s's %d buckets (the table changed?)",
                         m->cfg->name, (int)rec->bucket, m->cfg->table, (int)m->info->bucket_count);
        return e;
    }
    if (e) return e;
    kfb_ticket_t *t = kfb_acc_ticket_of(m->acc, *out);
    if (t && t->solo && !t->msg) {
        /* keep the message: if Fluss rejects this record, its policy needs the original */
        const rd_kafka_message_t *km = g->rkm[msg - g->mmsgs];
        t->msg = kfb_bridge_solo_copy(km);
        if (!t->msg) return KFB_ERR_NOMEM;
    }
    return KFB_ERR_OK;
}

static int sink_on_error(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    group_ctx_t *g = ctx;
    kfb_bridge_t *b = g->b;
    msg_err_t *x = &b->errs[b->n_errs++];
    x->index = (size_t)(g->mmsgs + index - b->mmsgs);
    x->err = err;
    snprintf(x->text, sizeof x->text, "%s", errstr);
    if (b->policy == KFB_ERROR_POLICY_FAIL) return 1;
    return kfb_bridge_count_error(b) ? 1 : 0;
}

/* Applies errors.policy to one failed message; 0 = handled (its offset may be released
 * as the policy says), -1 = the bridge must stop. */
static int apply_policy(kfb_bridge_t *b, mapping_rt_t *m, part_t *p, rd_kafka_message_t *km, kfb_err_t err,
                        const char *text) {
    m->st.errors++;
    kfb_counter_inc(kfb_err_class(err) == KFB_ERRCLASS_FATAL ? m->mm->errors_fatal : m->mm->errors_record);
    if (b->policy == KFB_ERROR_POLICY_FAIL) {
        kfb_bridge_fatal(b,
                         "%s (errors.policy is fail: nothing past this message is committed; fix the producer "
                         "or the mapping, or set errors.policy to skip or dead_letter)",
                         text);
        return -1;
    }
    if (b->policy == KFB_ERROR_POLICY_SKIP) {
        m->st.skipped++;
        kfb_counter_inc(m->mm->skipped);
        kfb_bridge_log_error(b, "skipped: %s", text);
        return 0;
    }
    kfb_dead_letter_why_t why = {err, text};
    kfb_err_t e = kfb_bridge_dead_letter(b, m, p, km, NULL, &why);
    return e ? -1 : 0;
}

/* Takes the holds of messages [from, to) of the group (placed entries relative to from),
 * applies the policy to those that failed, and marks them consumed. */
static void account(kfb_bridge_t *b, mapping_rt_t *m, size_t base, size_t from, size_t to) {
    size_t ei = 0;
    for (size_t i = from; i < to; i++) {
        rd_kafka_message_t *km = b->rkm[base + i];
        part_t *p = b->last_part;
        if (!p || p->partition != km->partition || strcmp(p->topic, rd_kafka_topic_name(km->rkt)))
            p = b->last_part = kfb_bridge_part(b, rd_kafka_topic_name(km->rkt), km->partition);
        if (!p) continue; /* revoked meanwhile (cannot happen inside one poll) */
        for (int k = 0; k < 2; k++) {
            kfb_kv_batch_builder_t *bb = b->placed[2 * (i - from) + k];
            if (!bb) continue;
            kfb_ticket_t *t = kfb_acc_ticket_of(m->acc, bb);
            kfb_err_t e = t ? kfb_ticket_hold(t, p->off, p, km->offset) : KFB_ERR_INTERNAL;
            if (e) {
                kfb_bridge_fatal(b, "offset tracking failed at %s [%d] offset %" PRId64 ": %s", p->topic,
                                 (int)p->partition, km->offset, kfb_err_name(e));
                return;
            }
            if (t->min_timestamp_ms < 0) {
                rd_kafka_timestamp_type_t tt;
                t->min_timestamp_ms = rd_kafka_message_timestamp(km, &tt);
            }
        }
        while (ei < b->n_errs && b->errs[ei].index < base + i) ei++;
        if (ei < b->n_errs && b->errs[ei].index == base + i) {
            if (apply_policy(b, m, p, km, b->errs[ei].err, b->errs[ei].text)) return;
        }
        kfb_offsets_consumed(p->off, km->offset);
        kfb_counter_inc(p->pmx ? p->pmx->consumed : NULL);
        m->st.messages++;
        __atomic_store_n(&b->messages, b->messages + 1, __ATOMIC_RELAXED);
        kfb_bridge_careful_passed(b, p, km->offset);
    }
}

/* Maps one mapping's messages of this poll (b->rkm[base, base + n)). */
static void map_group(kfb_bridge_t *b, mapping_rt_t *m, size_t base, size_t n) {
    for (size_t i = 0; i < n; i++) {
        rd_kafka_message_t *km = b->rkm[base + i];
        b->mmsgs[base + i] = (kfb_mapper_msg_t){
            .key = km->key, .key_len = km->key_len, .value = km->payload, .value_len = km->payload ? km->len : 0,
            .origin = {rd_kafka_topic_name(km->rkt), km->partition, km->offset}};
    }
    size_t start = 0;
    while (start < n && !b->fatal[0]) {
        size_t nb = 0;
        kfb_kv_batch_builder_t **fast = kfb_acc_fast_batches(m->acc, &nb);
        group_ctx_t g = {b, m, b->rkm + base + start, b->mmsgs + base + start, kfb_bridge_now_ms()};
        kfb_mapper_sink_t sink = {
            .batches = fast,
            .n_batches = nb,
            .batch_for = sink_batch_for,
            .on_error = sink_on_error,
            .placed = b->placed,
            .ctx = &g,
            .plan_errors_per_message = b->policy != KFB_ERROR_POLICY_FAIL,
        };
        size_t done = 0;
        char e[1024];
        b->n_errs = 0;
        kfb_err_t err = kfb_mapper_map_batch(m->mapper, b->mmsgs + base + start, n - start, &sink, &done, e, sizeof e);
        account(b, m, base, start, start + done);
        kfb_acc_seal_solo(m->acc, g.now);
        start += done;
        if (!err || b->fatal[0]) break;
        rd_kafka_message_t *km = b->rkm[base + start];
        part_t *p = kfb_bridge_part(b, rd_kafka_topic_name(km->rkt), km->partition);
        if (kfb_err_class(err) == KFB_ERRCLASS_RETRIABLE && p) {
            /* the registry failed even after the worker's prefetch: park this partition's
             * remaining messages and retry its fetch later; the others go on */
            KFB_WARN(FAC, "%s; %s [%d] waits and retries", e, p->topic, (int)p->partition);
            size_t w = start;
            for (size_t i = start; i < n; i++) {
                rd_kafka_message_t *x = b->rkm[base + i];
                if (x->partition == p->partition && !strcmp(rd_kafka_topic_name(x->rkt), p->topic)) {
                    park(b, p, x, -1, 0);
                    b->rkm[base + i] = NULL; /* now owned by the partition */
                } else {
                    b->rkm[base + w] = x;
                    b->mmsgs[base + w] = b->mmsgs[base + i];
                    w++;
                }
            }
            p->park_retry_at = kfb_bridge_now_ms() + PARK_RETRY_MS;
            for (size_t i = w; i < n; i++) b->rkm[base + i] = NULL;
            n = w;
            continue;
        }
        if (b->n_errs && b->errs[b->n_errs - 1].index == base + start) {
            /* on_error stopped here: errors.policy fail, or too many errors */
            apply_policy(b, m, p, km, b->errs[b->n_errs - 1].err, b->errs[b->n_errs - 1].text);
            kfb_bridge_fatal(b, "%s", b->errs[b->n_errs - 1].text);
        } else {
            kfb_bridge_fatal(b, "mapping '%s' stopped at %s [%d] offset %" PRId64 ": %s", m->cfg->name,
                             rd_kafka_topic_name(km->rkt), (int)km->partition, km->offset, e);
        }
    }
}

/* Routes one poll's messages: events, parked partitions, schema probes, then one
 * map_batch call per mapping with its messages in poll order. */
static void process_poll(kfb_bridge_t *b, size_t n) {
    size_t counts[64] = {0};
    /* group by mapping: stable counting sort into rkm */
    int *mi = b->msg_map;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_message_t *km = b->msgs[i];
        mi[i] = -1;
        if (km->err) {
            if (km->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                KFB_WARN(FAC, "consumer: %s%s%s", rd_kafka_message_errstr(km), km->rkt ? " on " : "",
                         km->rkt ? rd_kafka_topic_name(km->rkt) : "");
            rd_kafka_message_destroy(km);
            continue;
        }
        part_t *p = b->last_part;
        const char *topic = rd_kafka_topic_name(km->rkt);
        if (!p || p->partition != km->partition || strcmp(p->topic, topic))
            p = b->last_part = kfb_bridge_part(b, topic, km->partition);
        if (!p || b->state != ST_RUNNING || b->fatal[0]) {
            /* not ours any more, or draining: the partition is sought back later */
            rd_kafka_message_destroy(km);
            continue;
        }
        if (!p->have_pos) {
            p->have_pos = 1;
            kfb_offsets_reset(p->off, km->offset);
            p->expected = km->offset;
        } else if (km->offset < kfb_offsets_next(p->off)) {
            /* The consumer went back (the topic was re-created, or its committed offset lay
             * past the log end and was reset): the tracker may follow only when nothing of
             * the partition is in flight. */
            if (kfb_offsets_pending(p->off)) {
                kfb_bridge_fatal(b, "%s [%d] went back from offset %" PRId64 " to %" PRId64
                                    " while its writes were in flight (topic re-created?); restart the bridge",
                                 p->topic, (int)p->partition, kfb_offsets_next(p->off), km->offset);
                rd_kafka_message_destroy(km);
                continue;
            }
            KFB_WARN(FAC, "%s [%d] went back from offset %" PRId64 " to %" PRId64
                          " (topic re-created, or offsets reset): continuing from there",
                     p->topic, (int)p->partition, kfb_offsets_next(p->off), km->offset);
            kfb_offsets_reset(p->off, km->offset);
            p->expected = km->offset;
        }
        if (kfb_bridge_migrate_filter(b, p, km)) {
            rd_kafka_message_destroy(km);
            continue;
        }
        if (p->park) {
            park(b, p, km, -1, 0);
            continue;
        }
        int value;
        int32_t id = missing_schema(b, p->map, km, &value);
        if (id >= 0) {
            park(b, p, km, id, value);
            continue;
        }
        p->expected = km->offset + 1;
        mi[i] = (int)(p->map - b->maps);
        if (mi[i] < 64) counts[mi[i]]++;
    }
    size_t base = 0;
    for (size_t m = 0; m < b->n_maps && !b->fatal[0]; m++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (mi[i] == (int)m) b->rkm[base + k++] = b->msgs[i];
        if (k) map_group(b, &b->maps[m], base, k);
        base += k;
    }
    for (size_t i = 0; i < base; i++)
        if (b->rkm[i]) rd_kafka_message_destroy(b->rkm[i]);
    /* on a fatal stop the unprocessed ones were destroyed above too */
}

/* Maps the parked messages of partitions whose schema arrived (or retries their fetch). */
static void unpark(kfb_bridge_t *b, int64_t now) {
    for (part_t *p = b->all_parts; p && !b->fatal[0]; p = p->anext) {
        if (!p->park || b->state != ST_RUNNING) continue;
        if (p->park_id >= 0 && !schema_ready(b, p->map, p->park_id, p->park_value)) {
            if (!fetching(b, p->park_id, park_evolve(p)) && now >= p->park_retry_at)
                fetch_schema(b, p->park_id, park_evolve(p));
            continue;
        }
        if (p->park_id < 0 && now < p->park_retry_at) continue;
        /* Re-run the parked messages through the probe: a later one may need another id. */
        size_t np = p->n_parked;
        rd_kafka_message_t **msgs = p->parked;
        p->parked = NULL;
        p->n_parked = p->cap_parked = 0;
        p->park = 0;
        size_t i = 0;
        while (i < np && !b->fatal[0]) {
            size_t k = 0;
            for (; i < np && k < POLL_MAX; i++) b->msgs[k++] = msgs[i];
            process_poll(b, k);
        }
        for (; i < np; i++) rd_kafka_message_destroy(msgs[i]);
        free(msgs);
        b->pauses_dirty = 1;
    }
}

/* An evolve job's outcome (poll thread): the id counts as compared for the mapping, and a
 * table with the new columns becomes the mapping's pending table, which loop_once applies
 * (kfb_bridge_apply_table_changes) before unpark re-runs the parked messages of the id:
 * their new fields find their columns. */
static void evolve_done(kfb_bridge_t *b, schema_job_t *s) {
    mapping_rt_t *m = s->evolve;
    const kfb_evolve_diff_t *d = s->diff;
    const kfb_column_change_t *blocking = kfb_evolve_diff_first_blocking(d);
    if (blocking) {
        kfb_bridge_fatal(b, "mapping '%s': table %s cannot follow writer schema %d (evolve: add_columns): %s",
                         m->cfg->name, m->cfg->table, (int)s->id, blocking->message);
        return;
    }
    for (size_t i = 0; i < d->n_changes; i++)
        if (d->changes[i].kind == KFB_COLUMN_CHANGE_NESTED_FIELD)
            KFB_WARN(FAC, "mapping '%s': %s", m->cfg->name, d->changes[i].message);
    if (m->n_evolved_ids == m->cap_evolved_ids) {
        size_t cap = m->cap_evolved_ids ? 2 * m->cap_evolved_ids : 8;
        int32_t *n = realloc(m->evolved_ids, cap * sizeof *n);
        if (!n) {
            kfb_bridge_fatal(b, "out of memory");
            return;
        }
        m->evolved_ids = n;
        m->cap_evolved_ids = cap;
    }
    m->evolved_ids[m->n_evolved_ids++] = s->id;
    /* a refresh may have brought this schema (or a later one) first */
    int32_t have = m->pending_info ? m->pending_info->schema_id : m->info->schema_id;
    if (s->info && (s->info->schema_id > have || s->info->table_id != m->info->table_id)) {
        kfb_fluss_table_info_free(m->pending_info);
        m->pending_info = s->info;
        s->info = NULL;
    }
}

static void take_jobs(kfb_bridge_t *b) {
    kfb_job_t *j;
    while ((j = kfb_worker_take(b->worker))) {
        if (j->run == schema_job_run) {
            schema_job_t *s = (schema_job_t *)j;
            for (size_t i = 0; i < b->n_fetching; i++)
                if (b->fetching[i].id == s->id && b->fetching[i].evolve == s->evolve) {
                    b->fetching[i] = b->fetching[--b->n_fetching];
                    break;
                }
            if (s->err && kfb_err_class(s->err) == KFB_ERRCLASS_RETRIABLE) {
                KFB_WARN(FAC, "schema id %d: %s; retrying", (int)s->id, s->errstr);
                for (part_t *p = b->all_parts; p; p = p->anext)
                    if (p->park && p->park_id == s->id) p->park_retry_at = kfb_bridge_now_ms() + PARK_RETRY_MS;
            } else if (s->err && (kfb_err_class(s->err) == KFB_ERRCLASS_FATAL || s->compared)) {
                kfb_bridge_fatal(b, "schema id %d: %s", (int)s->id, s->errstr);
            } else if (s->err) {
                /* a per-record answer (404, not Avro): the mapper gives each message of the id
                 * its error (from the source's cache, or by asking once more) */
                size_t slot = b->n_missing++ % (sizeof b->missing_ids / sizeof b->missing_ids[0]);
                b->missing_ids[slot] = s->id;
                b->missing_until[slot] = kfb_bridge_now_ms() + PARK_RETRY_MS;
                for (part_t *p = b->all_parts; p; p = p->anext)
                    if (p->park && p->park_id == s->id) p->park_id = -1, p->park_retry_at = 0;
            } else if (s->evolve) {
                evolve_done(b, s);
            }
            schema_job_free(s);
        } else if (kfb_bridge_migrate_job(j)) {
            kfb_bridge_migrate_job_done(b, j);
        } else {
            kfb_bridge_job_done(b, j);
        }
    }
}

/* ------------------------------------------------------------------ submission */

static void split_partition(const char *name, char *buf, size_t size, const char **vals, size_t n) {
    snprintf(buf, size, "%s", name);
    char *s = buf;
    for (size_t i = 0; i < n; i++) {
        vals[i] = s;
        char *d = strchr(s, '$');
        if (d && i + 1 < n) {
            *d = 0;
            s = d + 1;
        } else {
            s += strlen(s);
        }
    }
}

/* Hands sealed batches to the Fluss client in seal order; stops at QUEUE_FULL. */
void kfb_bridge_submit(kfb_bridge_t *b) {
    b->client_full = 0;
    for (size_t i = 0; i < b->n_maps; i++) {
        mapping_rt_t *m = &b->maps[i];
        const uint8_t *bytes;
        size_t len;
        kfb_ticket_t *t;
        while (kfb_acc_peek_sealed(m->acc, &bytes, &len, &t)) {
            kfb_fluss_submit_opts_t o = {0};
            o.target_columns = t->targets;
            o.n_target_columns = t->n_targets;
            char pbuf[1024];
            const char *vals[64];
            if (t->partition) {
                size_t np = m->n_pkeys < 64 ? m->n_pkeys : 64;
                split_partition(t->partition, pbuf, sizeof pbuf, vals, np);
                o.partition_name = t->partition;
                o.create = m->cfg->create_partitions;
                o.spec_keys = (const char *const *)m->pkeys;
                o.spec_values = vals;
                o.n_spec = np;
            }
            if (b->verify) kfb_verify_observe(b->verify, m, t->partition, t->bucket, bytes, len);
            kfb_err_t e = kfb_fluss_client_submit_ex(b->fluss, m->table_id, -1, t->bucket, bytes, len, &o, t);
            if (e == KFB_ERR_RPC_QUEUE_FULL) {
                b->client_full = 1;
                return;
            }
            if (e) {
                kfb_bridge_fatal(b, "cannot hand a batch of table %s to the Fluss client: %s", m->cfg->table,
                                 kfb_err_message(e));
                return;
            }
            b->inflight_bytes += len;
            b->inflight_batches++;
            b->batches_sent++;
            t->submitted_ms = kfb_bridge_now_ms();
            kfb_gauge_set(b->pm->inflight_bytes, (double)b->inflight_bytes);
            kfb_acc_submitted(m->acc);
        }
    }
}

/* ------------------------------------------------------------------ completions */

static int record_level(const kfb_bridge_t *b, const mapping_rt_t *m, int32_t ferr) {
    (void)b;
    return kfb_fluss_err_is_record_level(ferr) ||
           (ferr == KFB_FLUSS_PARTITION_NOT_EXISTS && !m->cfg->create_partitions);
}

static void release_all(kfb_ticket_t *t) {
    for (size_t i = 0; i < t->n_holds; i++) kfb_offsets_release(t->holds[i].o, t->holds[i].h);
    t->n_holds = 0;
}

static void fail_all(kfb_ticket_t *t) {
    for (size_t i = 0; i < t->n_holds; i++) kfb_offsets_fail(t->holds[i].o, t->holds[i].h);
    t->n_holds = 0;
}

static void fluss_delivery(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *r, void *opaque) {
    (void)c;
    kfb_bridge_t *b = opaque;
    kfb_ticket_t *t = r->opaque;
    mapping_rt_t *m = kfb_bridge_mapping_of(b, t);
    b->inflight_bytes -= t->bytes;
    b->inflight_batches--;
    int64_t now = kfb_bridge_now_ms();
    kfb_gauge_set(b->pm->inflight_bytes, (double)b->inflight_bytes);
    if (r->err == KFB_ERR_OK) {
        m->st.upserts += (uint64_t)(t->records - t->deletes);
        m->st.deletes += (uint64_t)t->deletes;
        m->st.bytes += t->bytes;
        m->st.batches++;
        kfb_mapping_metrics_acked(m->mm, (uint64_t)(t->records - t->deletes), (uint64_t)t->deletes, t->bytes,
                                  r->attempts, (double)(now - t->submitted_ms) / 1000.0);
        kfb_health_acked(b->health, now);
        if (t->min_timestamp_ms > 0) kfb_bridge_latency(b, t);
        release_all(t);
        kfb_acc_ticket_free(t);
        return;
    }
    const char *where = t->partition ? t->partition : "";
    kfb_mapping_metrics_putkv_error(m->mm, r->error_name, r->attempts);
    if (r->err == KFB_ERR_WRITE_IN_DOUBT || kfb_err_class(r->err) == KFB_ERRCLASS_RETRIABLE) {
        KFB_WARN(FAC, "table %s%s%s bucket %d: %s; replaying from the last acknowledged offsets", m->cfg->table,
                 *where ? " partition " : "", where, (int)t->bucket, r->message);
        fail_all(t);
        kfb_bridge_request_replay(b);
        kfb_acc_ticket_free(t);
        return;
    }
    if (r->err == KFB_ERR_FLUSS_ERROR && record_level(b, m, r->fluss_error)) {
        if (t->solo && t->msg) {
            char text[1400];
            snprintf(text, sizeof text, "topic %s partition %d offset %" PRId64 ": Fluss rejected the record: %s",
                     t->msg->topic, (int)t->msg->partition, t->msg->offset, r->message);
            kfb_bridge_solo_rejected(b, m, t, r->fluss_error, text);
            return;
        }
        KFB_WARN(FAC, "table %s%s%s bucket %d: %s; finding the rejected records (one per batch)", m->cfg->table,
                 *where ? " partition " : "", where, (int)t->bucket, r->message);
        kfb_bridge_careful_add(b, m, t);
        fail_all(t);
        kfb_bridge_request_replay(b);
        kfb_acc_ticket_free(t);
        return;
    }
    fail_all(t);
    kfb_bridge_fatal(b, "writing to Fluss table %s failed: %s%s", m->cfg->table, r->message,
                     r->fluss_error == KFB_FLUSS_TABLE_NOT_EXIST ? " (was the table dropped?)"
                     : r->fluss_error == KFB_FLUSS_AUTHORIZATION_EXCEPTION
                         ? " (grant the bridge's Fluss user WRITE on the table)"
                         : "");
    kfb_acc_ticket_free(t);
}

static void dead_letter_done(void *ctx, void *opaque, kfb_err_t err, const char *why) {
    kfb_bridge_t *b = ctx;
    kfb_bridge_dead_letter_done(b, opaque, err, why);
}

/* ------------------------------------------------------------------ the loop */

static void flush_and_wait(kfb_bridge_t *b, int64_t deadline) {
    int64_t now = kfb_bridge_now_ms();
    for (size_t i = 0; i < b->n_maps; i++) kfb_acc_seal_all(b->maps[i].acc, now);
    kfb_bridge_drain(b, deadline, NULL);
}

/* Serves completions until nothing is in flight (or only what `parts` holds, when given,
 * is acknowledged), or until the deadline. Submits sealed batches meanwhile. */
void kfb_bridge_drain(kfb_bridge_t *b, int64_t deadline, const rd_kafka_topic_partition_list_t *parts) {
    int64_t now = kfb_bridge_now_ms();
    for (size_t i = 0; i < b->n_maps; i++) kfb_acc_seal_all(b->maps[i].acc, now);
    for (;;) {
        kfb_bridge_submit(b);
        int busy = 0;
        if (parts) {
            for (int i = 0; i < parts->cnt && !busy; i++) {
                part_t *p = kfb_bridge_part(b, parts->elems[i].topic, parts->elems[i].partition);
                busy = p && kfb_offsets_pending(p->off) > 0;
            }
        } else {
            busy = b->inflight_batches > 0 || kfb_bridge_sealed(b) > 0;
        }
        busy |= b->dlq && kfb_dead_letter_outstanding(b->dlq) > 0 && !parts;
        if (!busy || b->hard_stop) return;
        now = kfb_bridge_now_ms();
        if (now >= deadline) {
            KFB_WARN(FAC, "gave up waiting for Fluss after %s: %zu batches still in flight", parts ? "revoke_timeout" : "the timeout",
                     b->inflight_batches);
            return;
        }
        kfb_fluss_client_poll(b->fluss, 50);
        if (b->dlq) kfb_dead_letter_poll(b->dlq, 0);
    }
}

size_t kfb_bridge_sealed(const kfb_bridge_t *b) {
    size_t n = 0;
    for (size_t i = 0; i < b->n_maps; i++) n += kfb_acc_sealed_count(b->maps[i].acc);
    return n;
}

static size_t buffered(const kfb_bridge_t *b) {
    size_t n = b->inflight_bytes;
    for (size_t i = 0; i < b->n_maps; i++) n += kfb_acc_buffered_bytes(b->maps[i].acc);
    return n;
}

/* Pauses every partition above max_buffered_bytes (or while the client's queue is full),
 * resumes below half of it. */
static void backpressure(kfb_bridge_t *b, int64_t now) {
    size_t used = buffered(b);
    if (used > b->peak_buffered) b->peak_buffered = used;
    kfb_gauge_set(b->pm->buffered_bytes, (double)used);
    kfb_health_set_pending(b->health, (int64_t)used, now);
    int want = b->bp_paused ? (used > b->max_buffered / 2 || b->client_full) : (used >= b->max_buffered || b->client_full);
    if (want != b->bp_paused) {
        b->bp_paused = want;
        b->pauses_dirty = 1;
        if (want) b->bp_pauses++;
        KFB_DEBUG(FAC, "%s consumption: %zu bytes buffered or in flight (max %zu)%s", want ? "pausing" : "resuming", used,
                  b->max_buffered, b->client_full ? ", Fluss client queue full" : "");
    }
}

/* Replay: everything in flight finished; seek every partition back to its committable
 * offset, forget what follows, consume again. */
static void finish_replay(kfb_bridge_t *b) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    int progress = 0;
    for (part_t *p = b->all_parts; p; p = p->anext) {
        if (!p->have_pos) continue;
        int64_t c = kfb_offsets_committable(p->off);
        if (c > p->replay_from) progress = 1;
        p->replay_from = c;
        part_drop_parked(p);
        kfb_offsets_reset(p->off, c);
        p->expected = c;
        kfb_mapper_forget_partition(p->map->mapper, p->topic, p->partition);
        rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = c;
        kfb_bridge_migrate_rewound(b, p);
    }
    b->replays_in_a_row = progress ? 1 : b->replays_in_a_row + 1;
    b->replays++;
    if (b->replays_in_a_row > REPLAY_LIMIT) {
        kfb_bridge_fatal(b, "Fluss failed the same writes %d times in a row; giving up (see the warnings above)",
                         REPLAY_LIMIT);
    } else if (l->cnt) {
        rd_kafka_error_t *e = rd_kafka_seek_partitions(kfb_consumer_handle(b->consumer), l, 10000);
        if (e) {
            kfb_bridge_fatal(b, "cannot seek back to replay: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        } else {
            for (int i = 0; i < l->cnt; i++)
                if (l->elems[i].err)
                    kfb_bridge_fatal(b, "cannot seek %s [%d] back to offset %" PRId64 ": %s", l->elems[i].topic,
                                     (int)l->elems[i].partition, l->elems[i].offset, rd_kafka_err2str(l->elems[i].err));
        }
        KFB_INFO(FAC, "replaying %d partitions from their last acknowledged offsets", l->cnt);
    }
    rd_kafka_topic_partition_list_destroy(l);
    b->state = ST_RUNNING;
    b->pauses_dirty = 1;
}

void kfb_bridge_request_replay(kfb_bridge_t *b) {
    if (b->state == ST_RUNNING) {
        kfb_counter_inc(b->pm->replays);
        b->state = ST_REPLAY;
        b->pauses_dirty = 1;
    }
}

static void periodic(kfb_bridge_t *b, int64_t now) {
    if (now >= b->next_commit) {
        kfb_bridge_commit(b, NULL, 0);
        b->next_commit = now + b->commit_interval_ms;
    }
    if (now >= b->next_refresh) {
        kfb_bridge_refresh_tables(b);
        b->next_refresh = now + b->table_refresh_ms;
    }
    if (now >= b->next_watermarks) {
        /* lag = end - committed: the end offsets librdkafka last saw (no request) */
        rd_kafka_t *rk = kfb_consumer_handle(b->consumer);
        for (part_t *p = b->all_parts; p; p = p->anext) {
            int64_t lo, hi;
            if (!rd_kafka_get_watermark_offsets(rk, p->topic, p->partition, &lo, &hi) && hi >= 0)
                kfb_partition_metrics_offsets(p->pmx, -1, hi);
        }
        for (size_t i = 0; i < b->n_maps; i++)
            kfb_gauge_set(b->maps[i].mm->plans_compiled, (double)kfb_mapper_plan_count(b->maps[i].mapper));
        if (b->migrate) {
            int64_t total, done;
            kfb_bridge_migrate_totals(b, &total, &done);
            kfb_gauge_set(b->pm->migrate_progress_ratio, total > 0 ? (double)done / (double)total : 1.0);
            kfb_gauge_set(b->pm->migrate_remaining_messages, (double)(total - done));
        }
        b->next_watermarks = now + 1000;
    }
}

/* librdkafka 2.0.2 (Debian 12's) stops fetching every partition once the consumer queue
 * holds queued.min.messages or queued.max.messages.kbytes, and looks again only when its
 * broker thread wakes up, up to a second later (rdkafka_broker.c rd_kafka_max_block_ms;
 * newer versions have fetch.queue.backoff.ms for this). A consumer slower than its fetcher
 * (the bridge maps and writes what raw consumption drops) fills the queue, drains it, and
 * then sits idle. When a poll finds nothing while a partition that is not paused lags its
 * end offset, a seek to its own position (rd_kafka_position: the next message to deliver,
 * so nothing is skipped or repeated) wakes the fetcher at once. A seek also discards a
 * fetch in flight, so kicks back off per partition: an empty poll kicks a partition that
 * made progress since its last kick at once, and one that did not only after kick_wait_ms,
 * which doubles with each unanswered kick (the broker is slow, and the kick may have
 * discarded its answer) up to FETCH_KICK_MAX_MS and halves when a kick works. Kicking on
 * every empty poll could discard every fetch of a broker slower than the poll. One kick
 * seeks one partition, the one waiting longest: the seek wakes its broker's thread, which
 * then looks at every partition it fetches (rdkafka_broker.c
 * rd_kafka_broker_consumer_toppars_serve), so the others on that broker start too and a
 * kick costs librdkafka one operation, not one per partition. */
#define FETCH_KICK_MS 50
#define FETCH_KICK_MAX_MS 2000
static void kick_stalled_fetch(kfb_bridge_t *b, int64_t now) {
    if (now - b->last_fetch_kick < FETCH_KICK_MS || b->state != ST_RUNNING || b->bp_paused) return;
    b->last_fetch_kick = now;
    rd_kafka_t *rk = kfb_consumer_handle(b->consumer);
    part_t *kick = NULL;
    for (part_t *p = b->all_parts; p; p = p->anext) {
        if (p->paused || p->park || p->done) continue;
        /* the partition's own list: the query allocates nothing */
        const rd_kafka_topic_partition_t *x = &p->self->elems[0];
        if (rd_kafka_position(rk, p->self) || x->err || x->offset < 0) continue;
        int64_t hi = 0, lo;
        rd_kafka_get_watermark_offsets(rk, x->topic, x->partition, &lo, &hi);
        if (p->kick_wait_ms < FETCH_KICK_MS) p->kick_wait_ms = FETCH_KICK_MS;
        if (x->offset != p->idle_pos) { /* progress */
            if (p->kicked && p->kick_wait_ms > FETCH_KICK_MS) p->kick_wait_ms /= 2;
            p->kicked = 0;
            p->idle_pos = x->offset;
            p->idle_since = now - p->kick_wait_ms; /* this poll found nothing: idle already */
        }
        /* only a known position that lags and that the bridge has fully processed */
        if (x->offset >= hi || kfb_offsets_next(p->off) != x->offset || now - p->idle_since < p->kick_wait_ms)
            continue;
        if (!kick || p->idle_since < kick->idle_since) kick = p;
    }
    if (kick) {
        if (kick->kicked && kick->kick_wait_ms < FETCH_KICK_MAX_MS) kick->kick_wait_ms *= 2;
        kick->kicked = 1;
        kick->idle_since = now;
        kick->self->elems[0].offset = kick->idle_pos;
        rd_kafka_error_t *e = rd_kafka_seek_partitions(rk, kick->self, 0 /* asynchronous */);
        if (e) rd_kafka_error_destroy(e);
        b->fetch_kicks++;
    }
}

static int loop_once(kfb_bridge_t *b) {
    int64_t now = kfb_bridge_now_ms();
    kfb_fluss_client_poll(b->fluss, 0);
    if (b->dlq) kfb_dead_letter_poll(b->dlq, 0);
    take_jobs(b);
    kfb_bridge_apply_table_changes(b);
    if (b->state == ST_RUNNING) unpark(b, now);
    for (size_t i = 0; i < b->n_maps; i++)
        if (b->state != ST_RUNNING) kfb_acc_seal_all(b->maps[i].acc, now);
        else kfb_acc_seal_due(b->maps[i].acc, now);
    kfb_bridge_submit(b);
    backpressure(b, now);
    if (b->state == ST_REPLAY && b->inflight_batches == 0 && kfb_bridge_sealed(b) == 0 &&
        (!b->dlq || kfb_dead_letter_outstanding(b->dlq) == 0))
        finish_replay(b);
    if (b->pauses_dirty) {
        b->pauses_dirty = 0;
        kfb_bridge_sync_pauses(b);
    }
    periodic(b, now);
    kfb_bridge_progress(b, now);
    /* Wait in Kafka's poll only while there is nothing to serve elsewhere: a short wait
     * while batches are in flight keeps acknowledgements and commits moving. */
    int wait = b->inflight_batches || b->state != ST_RUNNING || b->bp_paused ? 5 : 50;
    int64_t due = INT64_MAX;
    for (size_t i = 0; i < b->n_maps; i++) {
        int64_t d = kfb_acc_next_due(b->maps[i].acc);
        if (d < due) due = d;
    }
    if (due != INT64_MAX) {
        int64_t w = due - now;
        if (w < wait) wait = w < 0 ? 0 : (int)w;
    }
    size_t n = kfb_consumer_poll(b->consumer, b->msgs, POLL_MAX, wait);
    if (n) process_poll(b, n);
    else kick_stalled_fetch(b, kfb_bridge_now_ms());
    char e[512];
    if (kfb_consumer_fatal(b->consumer, e, sizeof e)) kfb_bridge_fatal(b, "%s", e);
    return 0;
}

int kfb_bridge_run(kfb_bridge_t *b) {
    while (!b->fatal[0] && !b->stop_requested && !kfb_bridge_migrate_finished(b)) loop_once(b);
    /* Stop: no more consuming; what was read is written, acknowledged and committed. */
    b->state = ST_STOPPING;
    kfb_health_set_state(b->health, KFB_HEALTH_STOPPING);
    kfb_bridge_sync_pauses(b);
    int64_t deadline = kfb_bridge_now_ms() + b->shutdown_timeout_ms;
    flush_and_wait(b, deadline);
    kfb_bridge_commit(b, NULL, 1);
    kfb_consumer_close(b->consumer); /* leaves the group: revoke runs, commits again */
    int status = b->fatal[0] ? KFB_EXIT_ERROR : KFB_EXIT_OK;
    if (b->opts.mode == KFB_BRIDGE_MIGRATE) status = kfb_bridge_migrate_finish(b, status);
    kfb_bridge_print_summary(b, status);
    return status;
}

void kfb_bridge_hard_stop(kfb_bridge_t *b) { b->hard_stop = 1; }

static void drop_job(kfb_job_t *j) {
    if (j->run == schema_job_run) schema_job_free((schema_job_t *)j);
    else if (kfb_bridge_migrate_job(j)) kfb_bridge_migrate_job_free(j);
    else kfb_bridge_job_free(j);
}

void kfb_bridge_destroy(kfb_bridge_t *b) {
    if (!b) return;
    if (b->consumer) kfb_consumer_destroy(b->consumer);
    for (part_t *p = b->all_parts, *n; p; p = n) {
        n = p->anext;
        part_remove(b, p);
    }
    if (b->fluss) {
        kfb_fluss_client_flush(b->fluss, 0);
        kfb_fluss_client_destroy(b->fluss);
    }
    if (b->dlq) kfb_dead_letter_destroy(b->dlq, 5000);
    kfb_bridge_pending_free(b);
    if (b->worker) kfb_worker_destroy(b->worker, drop_job);
    for (size_t i = 0; i < b->n_maps; i++) {
        mapping_rt_t *m = &b->maps[i];
        kfb_mapper_destroy(m->mapper);
        kfb_acc_destroy(m->acc);
        kfb_fluss_table_info_free(m->info);
        kfb_fluss_table_info_free(m->pending_info);
        for (size_t k = 0; k < m->n_old_infos; k++) kfb_fluss_table_info_free(m->old_infos[k]);
        free(m->old_infos);
        free(m->evolved_ids);
        free(m->pkeys);
        free(m->db);
        free(m->table);
        kfb_bridge_careful_clear(m);
    }
    free(b->maps);
    kfb_verify_destroy(b->verify);
    free(b->progress);
    kfb_http_endpoint_destroy(b->http);
    kfb_health_destroy(b->health);
    kfb_pipeline_metrics_destroy(b->pm);
    kfb_bridge_migrate_free(b);
    kfb_schema_source_destroy(b->schemas);
    free(b->msgs);
    free(b->mmsgs);
    free(b->rkm);
    free(b->placed);
    free(b->errs);
    free(b);
}
