/*
 * migrate.c - migrate mode: copy each mapped topic up to the end offsets it had when the
 * bridge started, then stop.
 *
 *   snapshot   at start: every partition of the mapped topics (literal ones and those the
 *              patterns match now) with its log start and end offset;
 *   positions  a partition is done once its next offset reaches its end; it is paused and
 *              its committable offset is committed as soon as it gets there;
 *   finish     when the group's committed offsets reach every end (this bridge's own
 *              partitions are known here; those of other bridges in the group are read
 *              from the group coordinator on the worker thread);
 *   gaps       a committed offset below the log start, or messages that disappear while
 *              being read (the log start moved past the position: retention deleted them
 *              before they were copied), are counted per partition and reported loudly;
 *              the exit status is then KFB_EXIT_DATA_GAP.
 * In run mode only the gap notices apply (as warnings).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_internal.h"
#include "logging.h"
#include "progress.h"
#include "verify.h"

#define FAC "migrate"
#define GROUP_CHECK_MS 1000

typedef struct snap {
    char *topic;
    int32_t partition;
    int64_t low, end;
    int64_t group_committed; /* last read from the coordinator, -1 */
    int64_t gap;             /* messages deleted before they were copied */
    int64_t gap_from, gap_to;
} snap_t;

typedef struct group_job {
    kfb_job_t job;
    kfb_bridge_t *b;
    rd_kafka_topic_partition_list_t *parts;
    kfb_err_t err;
    char errstr[256];
} group_job_t;

typedef struct kfb_migrate {
    snap_t *snaps;
    size_t n;
    int64_t next_group_check;
    int group_job_out;
    int all_done_group; /* the coordinator says every end is committed */
    int64_t gap_total;
} kfb_migrate_t;

static snap_t *find_snap(kfb_migrate_t *mg, const char *topic, int32_t partition) {
    for (size_t i = 0; mg && i < mg->n; i++)
        if (mg->snaps[i].partition == partition && !strcmp(mg->snaps[i].topic, topic)) return &mg->snaps[i];
    return NULL;
}

int kfb_bridge_migrate_snapshot(kfb_bridge_t *b, char *errstr, size_t errstr_size) {
    rd_kafka_t *rk = kfb_consumer_handle(b->consumer);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, 30000);
    if (err) {
        snprintf(errstr, errstr_size, "cannot list Kafka topics for the migration snapshot: %s", rd_kafka_err2str(err));
        return -1;
    }
    kfb_migrate_t *mg = calloc(1, sizeof *mg);
    if (!mg) goto nomem;
    b->migrate = mg;
    size_t cap = 0;
    for (int t = 0; t < md->topic_cnt; t++) {
        const struct rd_kafka_metadata_topic *mt = &md->topics[t];
        int mine = 0;
        for (size_t i = 0; i < b->n_maps && !mine; i++) mine = kfb_config_mapping_matches(b->maps[i].cfg, mt->topic);
        if (!mine || mt->err) continue;
        for (int p = 0; p < mt->partition_cnt; p++) {
            if (mg->n == cap) {
                cap = cap ? cap * 2 : 16;
                snap_t *n = realloc(mg->snaps, cap * sizeof *n);
                if (!n) goto nomem;
                mg->snaps = n;
            }
            snap_t *s = &mg->snaps[mg->n];
            *s = (snap_t){strdup(mt->topic), mt->partitions[p].id, -1, -1, -1, 0, 0, 0};
            if (!s->topic) goto nomem;
            mg->n++;
            err = rd_kafka_query_watermark_offsets(rk, s->topic, s->partition, &s->low, &s->end, 30000);
            if (err) {
                snprintf(errstr, errstr_size, "cannot read the end offset of %s [%d]: %s", s->topic, (int)s->partition,
                         rd_kafka_err2str(err));
                rd_kafka_metadata_destroy(md);
                return -1;
            }
        }
    }
    /* every literal topic must exist: a typo would otherwise migrate nothing, successfully */
    for (size_t i = 0; i < b->n_maps; i++)
        for (size_t k = 0; k < b->maps[i].cfg->n_topics; k++) {
            const char *want = b->maps[i].cfg->topics[k];
            int found = 0;
            for (size_t s = 0; s < mg->n && !found; s++) found = !strcmp(mg->snaps[s].topic, want);
            if (!found) {
                snprintf(errstr, errstr_size, "mapping '%s': Kafka topic '%s' does not exist (or has no partitions)",
                         b->maps[i].cfg->name, want);
                rd_kafka_metadata_destroy(md);
                return -1;
            }
        }
    rd_kafka_metadata_destroy(md);
    int64_t total = 0;
    for (size_t i = 0; i < mg->n; i++) total += mg->snaps[i].end - mg->snaps[i].low;
    KFB_INFO(FAC, "snapshot: %zu partitions, %" PRId64 " messages between log start and end", mg->n, total);
    return 0;
nomem:
    if (md) rd_kafka_metadata_destroy(md);
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
}

static void note_gap(kfb_bridge_t *b, part_t *p, int64_t from, int64_t to) {
    if (to <= from) return;
    snap_t *s = find_snap(b->migrate, p->topic, p->partition);
    if (s) {
        if (!s->gap) s->gap_from = from;
        s->gap += to - from;
        s->gap_to = to;
        b->migrate->gap_total += to - from;
    }
    KFB_ERROR("bridge",
              "%s [%d]: offsets %" PRId64 "..%" PRId64 " (%" PRId64 " messages) were deleted by Kafka before the "
              "bridge copied them (retention moved the log start); they are missing from %s",
              p->topic, (int)p->partition, from, to - 1, to - from, p->map->cfg->table);
}

void kfb_bridge_migrate_assigned(kfb_bridge_t *b, part_t *p) {
    kfb_migrate_t *mg = b->migrate;
    if (!mg) return;
    snap_t *s = find_snap(mg, p->topic, p->partition);
    if (!s) {
        /* created after the snapshot: not part of this migration */
        p->end = -1;
        p->done = 1;
        return;
    }
    p->low = s->low;
    p->end = s->end;
    if (p->committed >= 0 && p->committed < s->low) note_gap(b, p, p->committed, s->low);
    p->first = p->committed >= 0 ? p->committed : s->low;
    if (p->first < s->low) p->first = s->low;
    p->done = p->first >= s->end;
    if (p->done && !p->have_pos) {
        /* nothing to copy: its position is the end */
        p->have_pos = 1;
        kfb_offsets_reset(p->off, s->end);
    }
}

void kfb_bridge_migrate_revoked(kfb_bridge_t *b, part_t *p) {
    (void)b;
    (void)p;
}

void kfb_bridge_migrate_rewound(kfb_bridge_t *b, part_t *p) {
    if (b->migrate && p->end >= 0) p->done = kfb_offsets_next(p->off) >= p->end;
}

int kfb_bridge_migrate_filter(kfb_bridge_t *b, part_t *p, const rd_kafka_message_t *km) {
    if (p->expected >= 0 && km->offset > p->expected) {
        /* A jump: compaction leaves gaps too, so only a log start past the expected offset
         * proves that messages were deleted unread. */
        int64_t lo = -1, hi = -1;
        rd_kafka_get_watermark_offsets(kfb_consumer_handle(b->consumer), p->topic, p->partition, &lo, &hi);
        if (lo > p->expected) {
            int64_t to = lo < km->offset ? lo : km->offset;
            if (b->migrate) note_gap(b, p, p->expected, to);
            else
                KFB_ERROR("bridge", "%s [%d]: offsets %" PRId64 "..%" PRId64 " were deleted by Kafka before the bridge read them",
                          p->topic, (int)p->partition, p->expected, to - 1);
        }
    }
    if (!b->migrate) return 0;
    if (p->end < 0) return 1;
    if (km->offset >= p->end) {
        if (!p->done) {
            p->done = 1;
            b->pauses_dirty = 1;
        }
        return 1;
    }
    return 0;
}

static void group_job_run(kfb_job_t *j) {
    group_job_t *g = (group_job_t *)j;
    g->err = kfb_consumer_committed(g->b->consumer, g->parts, 10000, g->errstr, sizeof g->errstr);
}

int kfb_bridge_migrate_job(kfb_job_t *j) { return j->run == group_job_run; }

void kfb_bridge_migrate_job_done(kfb_bridge_t *b, kfb_job_t *j) {
    group_job_t *g = (group_job_t *)j;
    kfb_migrate_t *mg = b->migrate;
    mg->group_job_out = 0;
    if (!g->err) {
        int all = 1;
        for (int i = 0; i < g->parts->cnt; i++) {
            snap_t *s = find_snap(mg, g->parts->elems[i].topic, g->parts->elems[i].partition);
            if (!s) continue;
            s->group_committed = g->parts->elems[i].offset;
            if (s->end > s->low && s->group_committed < s->end) all = 0;
        }
        mg->all_done_group = all;
    } else {
        KFB_DEBUG(FAC, "%s", g->errstr);
    }
    rd_kafka_topic_partition_list_destroy(g->parts);
    free(g);
}

void kfb_bridge_migrate_job_free(kfb_job_t *j) {
    group_job_t *g = (group_job_t *)j;
    rd_kafka_topic_partition_list_destroy(g->parts);
    free(g);
}

int kfb_bridge_migrate_finished(kfb_bridge_t *b) {
    kfb_migrate_t *mg = b->migrate;
    if (!mg) return 0;
    /* own partitions: done ones pause, and their offsets are committed once acknowledged */
    int own_all = 1, read_all = 1;
    for (part_t *p = b->all_parts; p; p = p->anext) {
        if (p->end < 0) continue;
        if (!p->done) read_all = 0;
        if (!p->done && kfb_offsets_next(p->off) >= p->end && p->have_pos) {
            p->done = 1;
            b->pauses_dirty = 1;
        }
        if (p->done && kfb_offsets_committable(p->off) >= p->end && p->committed < p->end && p->end > 0)
            kfb_bridge_commit(b, p, 0);
        if (!p->done || (p->end > p->low && p->committed < p->end)) own_all = 0;
    }
    /* everything read: no more records will come to fill the open batches, so they need not
     * linger */
    if (read_all && b->all_parts)
        for (size_t i = 0; i < b->n_maps; i++) kfb_acc_seal_all(b->maps[i].acc, kfb_bridge_now_ms());
    if (!own_all) return 0;
    /* every snapshot partition this bridge owns is complete; the others are the group's */
    size_t others = 0;
    for (size_t i = 0; i < mg->n; i++)
        if (!kfb_bridge_part(b, mg->snaps[i].topic, mg->snaps[i].partition)) others++;
    if (!others) return 1;
    if (mg->all_done_group) return 1;
    int64_t now = kfb_bridge_now_ms();
    if (!mg->group_job_out && now >= mg->next_group_check) {
        group_job_t *g = calloc(1, sizeof *g);
        if (g && (g->parts = rd_kafka_topic_partition_list_new((int)mg->n))) {
            for (size_t i = 0; i < mg->n; i++)
                rd_kafka_topic_partition_list_add(g->parts, mg->snaps[i].topic, mg->snaps[i].partition);
            g->job.run = group_job_run;
            g->b = b;
            mg->group_job_out = 1;
            kfb_worker_submit(b->worker, &g->job);
        } else {
            free(g);
        }
        mg->next_group_check = now + GROUP_CHECK_MS;
    }
    return 0;
}

int kfb_bridge_migrate_finish(kfb_bridge_t *b, int status) {
    kfb_migrate_t *mg = b->migrate;
    if (!mg || status != KFB_EXIT_OK) return status;
    if (mg->gap_total > 0) {
        fprintf(b->opts.out, "\nDATA GAP: %" PRId64 " messages were deleted by Kafka before they were copied:\n",
                mg->gap_total);
        for (size_t i = 0; i < mg->n; i++)
            if (mg->snaps[i].gap)
                fprintf(b->opts.out, "  %s [%d]: %" PRId64 " messages, offsets %" PRId64 "..%" PRId64 "\n",
                        mg->snaps[i].topic, (int)mg->snaps[i].partition, mg->snaps[i].gap, mg->snaps[i].gap_from,
                        mg->snaps[i].gap_to - 1);
        fprintf(b->opts.out, "The tables hold everything else. Re-read the missing data from its source "
                             "(or lengthen the topics' retention) and run again.\n");
        status = KFB_EXIT_DATA_GAP;
    }
    if (b->verify && status == KFB_EXIT_OK) {
        if (kfb_verify_run(b->verify, b, b->opts.out) != 0) status = KFB_EXIT_VERIFY;
    }
    return status;
}

void kfb_bridge_migrate_free(kfb_bridge_t *b) {
    kfb_migrate_t *mg = b->migrate;
    if (!mg) return;
    for (size_t i = 0; i < mg->n; i++) free(mg->snaps[i].topic);
    free(mg->snaps);
    free(mg);
    b->migrate = NULL;
}

/* progress.c reads these */
void kfb_bridge_migrate_totals(kfb_bridge_t *b, int64_t *total, int64_t *done) {
    *total = *done = 0;
    for (part_t *p = b->all_parts; p; p = p->anext) {
        if (p->end < 0) continue;
        *total += p->end - p->first;
        int64_t n = kfb_offsets_next(p->off);
        if (!p->have_pos) n = p->first;
        *done += (n < p->end ? n : p->end) - p->first;
    }
}
