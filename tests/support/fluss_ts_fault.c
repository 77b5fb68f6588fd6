/*
 * fluss_ts_fault.c - the scripted fault list of the Fluss test server.
 *
 * Faults are matched in the order they were injected; each match uses up one
 * of its `count` (a per-bucket ERROR counts buckets, everything else counts
 * requests). A used-up fault is removed. A fault with `skip` lets that many
 * matches pass untouched first (they may still match a later fault).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluss_ts_internal.h"

kfb_fts_fault_t kfb_fts_fault_default(kfb_fts_fault_kind_t kind) {
    kfb_fts_fault_t f;
    memset(&f, 0, sizeof(f));
    f.kind = kind;
    f.api_key = KFB_FTS_ANY;
    f.node = KFB_FTS_ANY;
    f.table_id = KFB_FTS_ANY;
    f.bucket = -1;
    f.error_code = KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    f.count = 1;
    return f;
}

kfb_err_t kfb_fts_inject(kfb_fts_t *s, const kfb_fts_fault_t *f, char *errstr,
                         size_t errstr_size) {
    if (!s || !f) return KFB_ERR_INVALID_ARG;
    if ((unsigned)f->kind > KFB_FTS_FAULT_NO_RESPONSE) {
        snprintf(errstr, errstr_size, "unknown fault kind %d", (int)f->kind);
        return KFB_ERR_INVALID_ARG;
    }
    if (f->node != KFB_FTS_ANY && !fts_node(s, f->node)) {
        snprintf(errstr, errstr_size, "fault names node %d, but the server has tablet servers 0..%d "
                 "and the coordinator (%d)", f->node, s->n_tablets - 1, KFB_FTS_COORDINATOR);
        return KFB_ERR_INVALID_ARG;
    }
    if (f->kind == KFB_FTS_FAULT_DELAY && (f->delay_ms < 0 || f->delay_ms > 600000)) {
        snprintf(errstr, errstr_size, "delay_ms %d out of range 0..600000", f->delay_ms);
        return KFB_ERR_INVALID_ARG;
    }
    if (f->bucket < -1 || (f->bucket >= 0 && f->kind != KFB_FTS_FAULT_ERROR)) {
        snprintf(errstr, errstr_size, "a bucket can only be given for an ERROR fault (>= 0)");
        return KFB_ERR_INVALID_ARG;
    }
    if (f->count < -1) {
        snprintf(errstr, errstr_size, "count %d: use -1 for 'until cleared'", f->count);
        return KFB_ERR_INVALID_ARG;
    }
    if (f->skip < 0) {
        snprintf(errstr, errstr_size, "skip %d: must be >= 0", f->skip);
        return KFB_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s->mu);
    if (s->nfaults == s->cap_faults) {
        size_t nc = s->cap_faults ? s->cap_faults * 2 : 8;
        fts_fault_t *nf = realloc(s->faults, nc * sizeof(*nf));
        if (!nf) {
            pthread_mutex_unlock(&s->mu);
            return KFB_ERR_NOMEM;
        }
        s->faults = nf;
        s->cap_faults = nc;
    }
    fts_fault_t *e = &s->faults[s->nfaults++];
    e->f = *f;
    e->remaining = f->count == 0 ? 1 : f->count;
    e->skip_left = f->skip;
    pthread_mutex_unlock(&s->mu);
    return KFB_ERR_OK;
}

void kfb_fts_clear_faults(kfb_fts_t *s) {
    pthread_mutex_lock(&s->mu);
    s->nfaults = 0;
    pthread_mutex_unlock(&s->mu);
}

int kfb_fts_faults_pending(kfb_fts_t *s) {
    pthread_mutex_lock(&s->mu);
    int n = (int)s->nfaults;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void use_fault(kfb_fts_t *s, size_t i, kfb_fts_fault_t *out) {
    *out = s->faults[i].f;
    if (s->faults[i].remaining > 0 && --s->faults[i].remaining == 0) {
        memmove(&s->faults[i], &s->faults[i + 1], (s->nfaults - i - 1) * sizeof(s->faults[0]));
        s->nfaults--;
    }
}

bool fts_fault_take(kfb_fts_t *s, unsigned kinds, int api_key, int node, kfb_fts_fault_t *out) {
    for (size_t i = 0; i < s->nfaults; i++) {
        const kfb_fts_fault_t *f = &s->faults[i].f;
        if (!(kinds & (1u << f->kind))) continue;
        if (f->kind == KFB_FTS_FAULT_ERROR && f->bucket >= 0) continue;
        if (f->api_key != KFB_FTS_ANY && f->api_key != api_key) continue;
        if (f->node != KFB_FTS_ANY && f->node != node) continue;
        /* A table filter on a whole-request fault only makes sense for PutKv and
         * Lookup, whose table id the dispatcher checks through the bucket path. */
        if (f->table_id != KFB_FTS_ANY) continue;
        if (s->faults[i].skip_left > 0) {
            s->faults[i].skip_left--;
            continue;
        }
        use_fault(s, i, out);
        return true;
    }
    return false;
}

bool fts_fault_take_bucket(kfb_fts_t *s, int api_key, int node, int64_t table_id, int bucket,
                           kfb_fts_fault_t *out) {
    for (size_t i = 0; i < s->nfaults; i++) {
        const kfb_fts_fault_t *f = &s->faults[i].f;
        if (f->kind != KFB_FTS_FAULT_ERROR || f->bucket < 0) continue;
        if (f->bucket != bucket) continue;
        if (f->api_key != KFB_FTS_ANY && f->api_key != api_key) continue;
        if (f->node != KFB_FTS_ANY && f->node != node) continue;
        if (f->table_id != KFB_FTS_ANY && f->table_id != table_id) continue;
        if (s->faults[i].skip_left > 0) {
            s->faults[i].skip_left--;
            continue;
        }
        use_fault(s, i, out);
        return true;
    }
    return false;
}
