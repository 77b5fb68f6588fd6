/*
 * table_refresh.c - following ALTER TABLE while the bridge runs.
 *
 * Every fluss.table_refresh_interval the worker reads each mapped table's info
 * (GetTableInfo: blocking, so never on the poll thread). When the table's schema id
 * changed, the mapper is moved to the new schema between two polls
 * (kfb_mapper_set_table): batches already open for the old schema id are sealed as they
 * are (their header names the schema their rows were written with, as Fluss expects) and
 * the next record of each bucket opens a batch of the new one, so no record is lost or
 * reordered. Old descriptors stay alive: the mapper's cached plans point into them.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_internal.h"
#include "logging.h"

#define FAC "bridge"

typedef struct table_job {
    kfb_job_t job;
    kfb_bridge_t *b;
    mapping_rt_t *m;
    kfb_fluss_table_info_t *info;
    kfb_err_t err;
    char errstr[512];
} table_job_t;

static void table_job_run(kfb_job_t *j) {
    table_job_t *t = (table_job_t *)j;
    t->err = kfb_fluss_client_get_table(t->b->fluss, t->m->db, t->m->table, t->b->request_timeout_ms, &t->info,
                                        t->errstr, sizeof t->errstr);
}

void kfb_bridge_refresh_tables(kfb_bridge_t *b) {
    for (size_t i = 0; i < b->n_maps; i++) {
        mapping_rt_t *m = &b->maps[i];
        if (m->refreshing) continue;
        table_job_t *t = calloc(1, sizeof *t);
        if (!t) return;
        t->job.run = table_job_run;
        t->b = b;
        t->m = m;
        m->refreshing = 1;
        kfb_worker_submit(b->worker, &t->job);
    }
}

void kfb_bridge_job_done(kfb_bridge_t *b, kfb_job_t *j) {
    table_job_t *t = (table_job_t *)j;
    mapping_rt_t *m = t->m;
    m->refreshing = 0;
    if (t->err) {
        /* the writes themselves report a dropped table; a failed read is retried next time */
        KFB_WARN(FAC, "mapping '%s': cannot re-read table %s: %s", m->cfg->name, m->cfg->table, t->errstr);
    } else if (t->info->table_id != m->info->table_id ||
               t->info->schema_id > (m->pending_info ? m->pending_info : m->info)->schema_id) {
        /* schema ids only grow: a pending table at least as new (columns an evolve job of
         * bridge.c just added) stays */
        kfb_fluss_table_info_free(m->pending_info);
        m->pending_info = t->info;
        t->info = NULL;
    }
    kfb_fluss_table_info_free(t->info);
    free(t);
    (void)b;
}

void kfb_bridge_job_free(kfb_job_t *j) {
    table_job_t *t = (table_job_t *)j;
    kfb_fluss_table_info_free(t->info);
    free(t);
}

void kfb_bridge_apply_table_changes(kfb_bridge_t *b) {
    for (size_t i = 0; i < b->n_maps; i++) {
        mapping_rt_t *m = &b->maps[i];
        kfb_fluss_table_info_t *info = m->pending_info;
        if (!info) continue;
        m->pending_info = NULL;
        if (info->table_id != m->info->table_id) {
            kfb_bridge_fatal(b, "mapping '%s': table %s was dropped and created again (table id %" PRId64 " -> %" PRId64
                                "); restart the bridge to write to the new table",
                             m->cfg->name, m->cfg->table, m->info->table_id, info->table_id);
            kfb_fluss_table_info_free(info);
            continue;
        }
        if (info->bucket_count != m->info->bucket_count) {
            kfb_bridge_fatal(b, "mapping '%s': table %s changed its bucket count (%d -> %d); restart the bridge",
                             m->cfg->name, m->cfg->table, (int)m->info->bucket_count, (int)info->bucket_count);
            kfb_fluss_table_info_free(info);
            continue;
        }
        char e[1024];
        kfb_err_t err = kfb_mapper_set_table(m->mapper, info->desc, info->schema_id, e, sizeof e);
        if (err) {
            kfb_bridge_fatal(b, "mapping '%s': table %s changed to schema id %d, which the bridge cannot write: %s",
                             m->cfg->name, m->cfg->table, (int)info->schema_id, e);
            kfb_fluss_table_info_free(info);
            continue;
        }
        kfb_fluss_table_info_t **n = realloc(m->old_infos, (m->n_old_infos + 1) * sizeof *n);
        if (!n) {
            kfb_bridge_fatal(b, "out of memory");
            kfb_fluss_table_info_free(info);
            continue;
        }
        KFB_INFO(FAC, "mapping '%s': table %s changed from schema id %d to %d; new messages use the new schema",
                 m->cfg->name, m->cfg->table, (int)m->info->schema_id, (int)info->schema_id);
        m->old_infos = n;
        m->old_infos[m->n_old_infos++] = m->info;
        m->info = info;
        /* partition key names now borrow from the new descriptor */
        for (size_t k = 0; k < m->n_pkeys && k < info->desc->partition_key_count; k++)
            m->pkeys[k] = info->desc->columns[info->desc->partition_keys[k]].name;
    }
}
