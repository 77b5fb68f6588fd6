/*
 * accumulator.c - per-bucket open KV batches, linger, seal order (accumulator.h).
 *
 * Follows the shape of Fluss's Java RecordAccumulator (fluss-client/.../write/
 * RecordAccumulator.java: one open batch per bucket, a batch is ready when full or when
 * it has waited batch linger time) with the bridge's twist: records are appended by the
 * mapper straight into the builders, and every batch carries the Kafka offsets it holds.
 */
#include "accumulator.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logging.h"

#define FAC "accumulator"

typedef struct acc_slot acc_slot_t;

/* A builder with its current batch's state. */
typedef struct acc_builder {
    kfb_kv_batch_builder_t *b;
    kfb_ticket_t *t; /* NULL while pooled */
    acc_slot_t *slot;
    int large;       /* write limit max_record_bytes: one record, freed after use */
    size_t hw;       /* the most bytes it ever held (its resident memory) */
    int solo;
    int64_t opened_ms;
    struct acc_builder *prev_open, *next_open; /* open list, oldest first */
    struct acc_builder *next;                  /* free list / sealed FIFO */
} acc_builder_t;

struct acc_slot {
    char *partition; /* NULL: unpartitioned */
    int32_t bucket;
    int careful;
    acc_builder_t *open;
    acc_slot_t *hnext;
};

struct kfb_acc {
    kfb_acc_conf_t conf;
    acc_slot_t *slots; /* unpartitioned: [bucket_count] */
    acc_slot_t **phash; /* partitioned: chains by (name, bucket) */
    size_t phash_cap, n_pslots;
    kfb_kv_batch_builder_t **fast; /* unpartitioned: [bucket_count] */
    /* builder pointer -> acc_builder, open addressing */
    acc_builder_t **bmap;
    size_t bmap_cap, n_builders;
    acc_builder_t *free_builders;
    acc_builder_t *open_head, *open_tail;
    size_t n_open;
    acc_builder_t *sealed_head, *sealed_tail;
    size_t n_sealed, sealed_bytes;
    int peeked_built;
    kfb_ticket_t *free_tickets;
    kfb_ticket_t **all_tickets; /* every ticket ever made, for destroy */
    size_t n_tickets, cap_tickets;
    size_t max_cap_holds; /* the most holds a ticket needed: the next one to grow grows to it */
};

static size_t ptr_hash(const void *p, size_t cap) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static kfb_err_t bmap_put(kfb_acc_t *a, acc_builder_t *ab);

static kfb_err_t bmap_grow(kfb_acc_t *a) {
    size_t old = a->bmap_cap;
    acc_builder_t **om = a->bmap;
    a->bmap_cap = old ? old * 2 : 64;
    a->bmap = calloc(a->bmap_cap, sizeof *a->bmap);
    if (!a->bmap) {
        a->bmap = om;
        a->bmap_cap = old;
        return KFB_ERR_NOMEM;
    }
    a->n_builders = 0;
    for (size_t i = 0; i < old; i++)
        if (om[i]) bmap_put(a, om[i]);
    free(om);
    return KFB_ERR_OK;
}

static kfb_err_t bmap_put(kfb_acc_t *a, acc_builder_t *ab) {
    if ((a->n_builders + 1) * 2 > a->bmap_cap && bmap_grow(a)) return KFB_ERR_NOMEM;
    size_t i = ptr_hash(ab->b, a->bmap_cap);
    while (a->bmap[i]) i = (i + 1) & (a->bmap_cap - 1);
    a->bmap[i] = ab;
    a->n_builders++;
    return KFB_ERR_OK;
}

static acc_builder_t *bmap_get(const kfb_acc_t *a, const kfb_kv_batch_builder_t *b) {
    if (!a->bmap_cap) return NULL;
    for (size_t i = ptr_hash(b, a->bmap_cap);; i = (i + 1) & (a->bmap_cap - 1)) {
        acc_builder_t *ab = a->bmap[i];
        if (!ab) return NULL;
        if (ab->b == b) return ab;
    }
}

/* Removal with backward-shift deletion (keeps probe chains intact). */
static void bmap_del(kfb_acc_t *a, acc_builder_t *ab) {
    size_t i = ptr_hash(ab->b, a->bmap_cap);
    while (a->bmap[i] != ab) i = (i + 1) & (a->bmap_cap - 1);
    a->bmap[i] = NULL;
    a->n_builders--;
    for (size_t j = (i + 1) & (a->bmap_cap - 1); a->bmap[j]; j = (j + 1) & (a->bmap_cap - 1)) {
        acc_builder_t *x = a->bmap[j];
        a->bmap[j] = NULL;
        a->n_builders--;
        bmap_put(a, x); /* cannot grow: the count only went down */
    }
}

kfb_acc_t *kfb_acc_new(const kfb_acc_conf_t *conf, char *errstr, size_t errstr_size) {
    if (conf->bucket_count < 1 || conf->max_bytes < KFB_KV_BATCH_HEADER_SIZE + KFB_KV_RECORD_MIN_SIZE) {
        snprintf(errstr, errstr_size, "accumulator: bucket count %d or batch size %zu out of range",
                 (int)conf->bucket_count, conf->max_bytes);
        return NULL;
    }
    kfb_acc_t *a = calloc(1, sizeof *a);
    if (!a) goto nomem;
    a->conf = *conf;
    if (a->conf.max_record_bytes < a->conf.max_bytes) a->conf.max_record_bytes = a->conf.max_bytes;
    if (!conf->partitioned) {
        a->slots = calloc((size_t)conf->bucket_count, sizeof *a->slots);
        a->fast = calloc((size_t)conf->bucket_count, sizeof *a->fast);
        if (!a->slots || !a->fast) goto nomem;
        for (int32_t i = 0; i < conf->bucket_count; i++) a->slots[i].bucket = i;
    }
    return a;
nomem:
    kfb_acc_destroy(a);
    snprintf(errstr, errstr_size, "out of memory");
    return NULL;
}

void kfb_solo_msg_free(kfb_solo_msg_t *m) {
    if (!m) return;
    free(m->topic);
    free(m->key);
    free(m->value);
    if (m->headers) rd_kafka_headers_destroy(m->headers);
    free(m);
}

static void ticket_destroy(kfb_ticket_t *t) {
    free(t->holds);
    free(t->targets_buf);
    kfb_solo_msg_free(t->msg);
    free(t);
}

static void builder_destroy(acc_builder_t *ab) {
    kfb_kv_batch_abort(ab->b); /* no warning: the bridge drains before it destroys */
    kfb_kv_batch_builder_destroy(ab->b);
    free(ab);
}

void kfb_acc_destroy(kfb_acc_t *a) {
    if (!a) return;
    for (size_t i = 0; i < a->bmap_cap; i++) {
        acc_builder_t *ab = a->bmap ? a->bmap[i] : NULL;
        if (ab) builder_destroy(ab);
    }
    /* Tickets still in use went to a Fluss client that was destroyed before delivering
     * them: their holds will never be released (failing them lets retired trackers go). */
    for (size_t i = 0; i < a->n_tickets; i++) {
        kfb_ticket_t *t = a->all_tickets[i];
        if (t->in_use)
            for (size_t k = 0; k < t->n_holds; k++) kfb_offsets_fail(t->holds[k].o, t->holds[k].h);
        ticket_destroy(t);
    }
    free(a->all_tickets);
    for (size_t i = 0; i < a->phash_cap; i++)
        for (acc_slot_t *s = a->phash[i], *n; s; s = n) {
            n = s->hnext;
            free(s->partition);
            free(s);
        }
    free(a->phash);
    free(a->bmap);
    free(a->slots);
    free(a->fast);
    free(a);
}

kfb_kv_batch_builder_t **kfb_acc_fast_batches(kfb_acc_t *a, size_t *n) {
    *n = a->fast ? (size_t)a->conf.bucket_count : 0;
    return a->fast;
}

static size_t str_hash(const char *s, int32_t bucket) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uint32_t)bucket;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return (size_t)h;
}

static acc_slot_t *find_slot(kfb_acc_t *a, const char *partition, int32_t bucket, int create) {
    if (bucket < 0 || bucket >= a->conf.bucket_count) return NULL;
    if (!a->conf.partitioned) return &a->slots[bucket];
    if (!partition) return NULL;
    if (a->phash_cap) {
        for (acc_slot_t *s = a->phash[str_hash(partition, bucket) & (a->phash_cap - 1)]; s; s = s->hnext)
            if (s->bucket == bucket && !strcmp(s->partition, partition)) return s;
    }
    if (!create) return NULL;
    if ((a->n_pslots + 1) > a->phash_cap) {
        size_t cap = a->phash_cap ? a->phash_cap * 2 : 64;
        acc_slot_t **h = calloc(cap, sizeof *h);
        if (!h) return NULL;
        for (size_t i = 0; i < a->phash_cap; i++)
            for (acc_slot_t *s = a->phash[i], *n; s; s = n) {
                n = s->hnext;
                size_t j = str_hash(s->partition, s->bucket) & (cap - 1);
                s->hnext = h[j];
                h[j] = s;
            }
        free(a->phash);
        a->phash = h;
        a->phash_cap = cap;
    }
    acc_slot_t *s = calloc(1, sizeof *s);
    if (!s || !(s->partition = strdup(partition))) {
        free(s);
        return NULL;
    }
    s->bucket = bucket;
    size_t j = str_hash(partition, bucket) & (a->phash_cap - 1);
    s->hnext = a->phash[j];
    a->phash[j] = s;
    a->n_pslots++;
    return s;
}

static void set_fast(kfb_acc_t *a, acc_slot_t *s) {
    if (!a->fast) return;
    acc_builder_t *ab = s->open;
    a->fast[s->bucket] = ab && !ab->solo && !ab->large && !s->careful ? ab->b : NULL;
}

static void open_list_remove(kfb_acc_t *a, acc_builder_t *ab) {
    if (ab->prev_open) ab->prev_open->next_open = ab->next_open;
    else a->open_head = ab->next_open;
    if (ab->next_open) ab->next_open->prev_open = ab->prev_open;
    else a->open_tail = ab->prev_open;
    ab->prev_open = ab->next_open = NULL;
    a->n_open--;
}

static void release_builder(kfb_acc_t *a, acc_builder_t *ab) {
    ab->t = NULL;
    ab->slot = NULL;
    if (ab->large) {
        bmap_del(a, ab);
        builder_destroy(ab);
        return;
    }
    kfb_kv_batch_reset(ab->b);
    ab->solo = 0;
    ab->next = a->free_builders;
    a->free_builders = ab;
}

static kfb_ticket_t *ticket_get(kfb_acc_t *a) {
    kfb_ticket_t *t = a->free_tickets;
    if (t) {
        a->free_tickets = t->next;
    } else {
        if (a->n_tickets == a->cap_tickets) {
            size_t cap = a->cap_tickets ? a->cap_tickets * 2 : 64;
            kfb_ticket_t **n = realloc(a->all_tickets, cap * sizeof *n);
            if (!n) return NULL;
            a->all_tickets = n;
            a->cap_tickets = cap;
        }
        if (!(t = calloc(1, sizeof *t))) return NULL;
        a->all_tickets[a->n_tickets++] = t;
    }
    kfb_ticket_hold_t *holds = t->holds;
    size_t cap = t->cap_holds;
    int32_t *tb = t->targets_buf;
    int32_t tbn = t->targets_buf_n;
    memset(t, 0, sizeof *t);
    t->holds = holds;
    t->cap_holds = cap;
    t->targets_buf = tb;
    t->targets_buf_n = tbn;
    t->acc = a;
    t->min_timestamp_ms = -1;
    t->in_use = 1;
    return t;
}

void kfb_acc_ticket_free(kfb_ticket_t *t) {
    if (!t) return;
    kfb_acc_t *a = t->acc;
    kfb_solo_msg_free(t->msg);
    t->msg = NULL;
    t->n_holds = 0;
    t->in_use = 0;
    t->next = a->free_tickets;
    a->free_tickets = t;
}

/* Moves an open batch to the sealed FIFO (an empty one straight back to the pool). */
static void seal(kfb_acc_t *a, acc_builder_t *ab, int64_t now_ms) {
    acc_slot_t *s = ab->slot;
    if (s && s->open == ab) {
        s->open = NULL;
        set_fast(a, s);
    }
    open_list_remove(a, ab);
    if (kfb_kv_batch_record_count(ab->b) == 0) {
        kfb_acc_ticket_free(ab->t);
        release_builder(a, ab);
        return;
    }
    ab->t->sealed_ms = now_ms;
    ab->t->records = kfb_kv_batch_record_count(ab->b);
    ab->t->bytes = kfb_kv_batch_size_in_bytes(ab->b);
    if (ab->t->bytes > ab->hw) ab->hw = ab->t->bytes;
    a->sealed_bytes += ab->t->bytes;
    ab->next = NULL;
    if (a->sealed_tail) a->sealed_tail->next = ab;
    else a->sealed_head = ab;
    a->sealed_tail = ab;
    a->n_sealed++;
}

static acc_builder_t *builder_get(kfb_acc_t *a, int large, int32_t schema_id) {
    acc_builder_t *ab = NULL;
    if (!large && a->free_builders) {
        ab = a->free_builders;
        a->free_builders = ab->next;
        if (kfb_kv_batch_set_schema_id(ab->b, schema_id) != KFB_ERR_OK) {
            release_builder(a, ab);
            return NULL;
        }
        return ab;
    }
    char e[160];
    ab = calloc(1, sizeof *ab);
    if (!ab) return NULL;
    ab->b = kfb_kv_batch_builder_new(schema_id, large ? a->conf.max_record_bytes : a->conf.max_bytes, e, sizeof e);
    ab->large = large;
    if (!ab->b || bmap_put(a, ab)) {
        if (ab->b) kfb_kv_batch_builder_destroy(ab->b);
        free(ab);
        return NULL;
    }
    return ab;
}

kfb_err_t kfb_acc_open(kfb_acc_t *a, const char *partition, int32_t bucket, int32_t schema_id, uint32_t tag,
                       const int32_t *targets, size_t n_targets, int solo, int64_t now_ms,
                       kfb_kv_batch_builder_t **inout) {
    kfb_kv_batch_builder_t *prev = *inout;
    if (bucket < 0 || bucket >= a->conf.bucket_count) return KFB_ERR_INVALID_ARG;
    acc_slot_t *s = find_slot(a, partition, bucket, 1);
    if (!s) return a->conf.partitioned && !partition ? KFB_ERR_INVALID_ARG : KFB_ERR_NOMEM;
    acc_builder_t *cur = s->open;
    int large = 0;
    if (prev) {
        acc_builder_t *pab = bmap_get(a, prev);
        if (pab && kfb_kv_batch_record_count(prev) == 0) {
            /* not even an empty batch of max_bytes takes it; an empty large one neither:
             * handing it back makes the record a per-record RECORD_TOO_LARGE (mapper.h) */
            if (pab->large) return KFB_ERR_OK;
            large = 1;
        }
        if (pab && pab->t && pab->slot == s && s->open == pab) seal(a, pab, now_ms);
        cur = s->open;
    }
    if (cur && !prev && !solo && !cur->solo && !cur->large && kfb_kv_batch_schema_id_(cur->b) == schema_id &&
        kfb_kv_batch_tag(cur->b) == tag) {
        *inout = cur->b;
        return KFB_ERR_OK;
    }
    if (cur) seal(a, cur, now_ms);
    acc_builder_t *ab = builder_get(a, large, schema_id);
    kfb_ticket_t *t = ab ? ticket_get(a) : NULL;
    if (!t || (n_targets && (size_t)t->targets_buf_n < n_targets &&
               !(t->targets_buf = realloc(t->targets_buf, n_targets * sizeof(int32_t))))) {
        if (t) kfb_acc_ticket_free(t);
        if (ab) release_builder(a, ab);
        return KFB_ERR_NOMEM;
    }
    if (n_targets) {
        if ((size_t)t->targets_buf_n < n_targets) t->targets_buf_n = (int32_t)n_targets;
        memcpy(t->targets_buf, targets, n_targets * sizeof(int32_t));
        t->targets = t->targets_buf;
        t->n_targets = n_targets;
    }
    t->partition = s->partition;
    t->bucket = bucket;
    t->schema_id = schema_id;
    t->opened_ms = now_ms;
    kfb_kv_batch_set_tag(ab->b, tag);
    ab->t = t;
    ab->slot = s;
    ab->solo = solo || large;
    ab->opened_ms = now_ms;
    t->solo = ab->solo;
    ab->prev_open = a->open_tail;
    ab->next_open = NULL;
    if (a->open_tail) a->open_tail->next_open = ab;
    else a->open_head = ab;
    a->open_tail = ab;
    a->n_open++;
    s->open = ab;
    set_fast(a, s);
    *inout = ab->b;
    return KFB_ERR_OK;
}

kfb_ticket_t *kfb_acc_ticket_of(kfb_acc_t *a, const kfb_kv_batch_builder_t *b) {
    acc_builder_t *ab = bmap_get(a, b);
    return ab ? ab->t : NULL;
}

size_t kfb_acc_seal_due(kfb_acc_t *a, int64_t now_ms) {
    size_t n = 0;
    while (a->open_head && a->open_head->opened_ms + a->conf.linger_ms <= now_ms) {
        seal(a, a->open_head, now_ms);
        n++;
    }
    return n;
}

size_t kfb_acc_seal_all(kfb_acc_t *a, int64_t now_ms) {
    size_t n = 0;
    while (a->open_head) {
        seal(a, a->open_head, now_ms);
        n++;
    }
    return n;
}

void kfb_acc_seal_solo(kfb_acc_t *a, int64_t now_ms) {
    for (acc_builder_t *ab = a->open_head, *n; ab; ab = n) {
        n = ab->next_open;
        if (ab->solo) seal(a, ab, now_ms);
    }
}

int64_t kfb_acc_next_due(const kfb_acc_t *a) {
    return a->open_head ? a->open_head->opened_ms + a->conf.linger_ms : INT64_MAX;
}

/* Counts the deletes of a built batch (records without value bytes). */
static int32_t count_deletes(const uint8_t *bytes, size_t len) {
    kfb_kv_batch_reader_t r;
    char e[64];
    if (kfb_kv_batch_reader_init(&r, bytes, len, e, sizeof e) != KFB_ERR_OK) return 0;
    kfb_kv_record_t rec;
    int32_t d = 0;
    while (kfb_kv_batch_next(&r, &rec) == 1) d += rec.value == NULL;
    return d;
}

int kfb_acc_peek_sealed(kfb_acc_t *a, const uint8_t **bytes, size_t *len, kfb_ticket_t **t) {
    acc_builder_t *ab = a->sealed_head;
    if (!ab) return 0;
    if (kfb_kv_batch_build(ab->b, bytes, len) != KFB_ERR_OK) return 0; /* cannot happen: open and unaborted */
    if (!a->peeked_built) {
        ab->t->deletes = count_deletes(*bytes, *len);
        a->peeked_built = 1;
    }
    *t = ab->t;
    return 1;
}

void kfb_acc_submitted(kfb_acc_t *a) {
    acc_builder_t *ab = a->sealed_head;
    if (!ab) return;
    a->sealed_head = ab->next;
    if (!a->sealed_head) a->sealed_tail = NULL;
    a->n_sealed--;
    a->sealed_bytes -= ab->t->bytes;
    a->peeked_built = 0;
    release_builder(a, ab);
}

void kfb_acc_set_careful(kfb_acc_t *a, const char *partition, int32_t bucket, int on) {
    acc_slot_t *s = find_slot(a, partition, bucket, 1);
    if (!s) return;
    s->careful = on;
    set_fast(a, s);
}

size_t kfb_acc_buffered_bytes(const kfb_acc_t *a) {
    size_t n = a->sealed_bytes;
    for (const acc_builder_t *ab = a->open_head; ab; ab = ab->next_open) n += kfb_kv_batch_size_in_bytes(ab->b);
    return n;
}

size_t kfb_acc_batches(const kfb_acc_t *a) { return a->n_open + a->n_sealed; }

void kfb_acc_memory(const kfb_acc_t *a, size_t *builders, size_t *held) {
    *builders = *held = 0;
    for (size_t i = 0; i < a->bmap_cap; i++) {
        const acc_builder_t *ab = a->bmap ? a->bmap[i] : NULL;
        if (!ab) continue;
        (*builders)++;
        size_t now = kfb_kv_batch_size_in_bytes(ab->b);
        *held += now > ab->hw ? now : ab->hw;
    }
}

size_t kfb_acc_sealed_count(const kfb_acc_t *a) { return a->n_sealed; }

kfb_err_t kfb_ticket_hold(kfb_ticket_t *t, kfb_offsets_t *o, void *part, int64_t offset) {
    for (size_t i = t->n_holds; i-- > 0;)
        if (t->holds[i].o == o) {
            if (offset > t->holds[i].last) t->holds[i].last = offset;
            return KFB_ERR_OK;
        }
    if (t->n_holds == t->cap_holds) {
        /* one per partition in the batch; straight to what another ticket needed, so that
         * a pool of tickets grows once each, not a doubling at a time */
        size_t cap = t->cap_holds ? t->cap_holds * 2 : 16;
        kfb_acc_t *a = t->acc;
        if (a && a->max_cap_holds > cap) cap = a->max_cap_holds;
        if (a && cap > a->max_cap_holds) a->max_cap_holds = cap;
        kfb_ticket_hold_t *h = realloc(t->holds, cap * sizeof *h);
        if (!h) return KFB_ERR_NOMEM;
        t->holds = h;
        t->cap_holds = cap;
    }
    kfb_hold_t h;
    kfb_err_t e = kfb_offsets_hold(o, offset, &h);
    if (e) return e;
    t->holds[t->n_holds++] = (kfb_ticket_hold_t){o, h, offset, offset, part};
    return KFB_ERR_OK;
}
