/*
 * offset_tracker.c - a FIFO of holds per Kafka partition (offset_tracker.h).
 *
 * Holds live in a ring indexed by their id: id `base` is at ring[head], id base + k at
 * ring[(head + k) & (cap - 1)]. Released holds at the front are popped; a hold released
 * out of order is only marked, and popped once everything before it is released too.
 */
#include "offset_tracker.h"

#include <stdlib.h>

enum { H_PENDING = 0, H_RELEASED, H_FAILED };

typedef struct hold {
    int64_t offset;
    int32_t state;
} hold_t;

struct kfb_offsets {
    hold_t *ring;
    size_t cap, head, n; /* cap is a power of two */
    kfb_hold_t base;     /* id of ring[head] */
    kfb_hold_t epoch;    /* ids below this were handed out before the last reset */
    int64_t next;        /* one past the last processed message */
    int64_t last_hold;   /* offset of the newest hold */
    size_t refs;         /* holds handed out, not yet released or failed (across resets) */
    size_t n_failed;
    int retired;
};

kfb_offsets_t *kfb_offsets_new(int64_t next_offset) {
    kfb_offsets_t *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->cap = 16;
    o->ring = malloc(o->cap * sizeof *o->ring);
    if (!o->ring) {
        free(o);
        return NULL;
    }
    o->next = next_offset < 0 ? 0 : next_offset;
    o->last_hold = -1;
    return o;
}

static void maybe_free(kfb_offsets_t *o) {
    if (o->retired && o->refs == 0) {
        free(o->ring);
        free(o);
    }
}

void kfb_offsets_retire(kfb_offsets_t *o) {
    if (!o) return;
    o->retired = 1;
    maybe_free(o);
}

static hold_t *at(kfb_offsets_t *o, size_t k) { return &o->ring[(o->head + k) & (o->cap - 1)]; }

static kfb_err_t grow(kfb_offsets_t *o) {
    size_t cap = o->cap * 2;
    hold_t *r = malloc(cap * sizeof *r);
    if (!r) return KFB_ERR_NOMEM;
    for (size_t k = 0; k < o->n; k++) r[k] = *at(o, k);
    free(o->ring);
    o->ring = r;
    o->cap = cap;
    o->head = 0;
    return KFB_ERR_OK;
}

kfb_err_t kfb_offsets_hold(kfb_offsets_t *o, int64_t offset, kfb_hold_t *out) {
    /* A hold below a processed message would cover a message already counted done. */
    if (offset < o->last_hold || offset < o->next) return KFB_ERR_STATE;
    if (o->n == o->cap && grow(o) != KFB_ERR_OK) return KFB_ERR_NOMEM;
    *at(o, o->n) = (hold_t){offset, H_PENDING};
    *out = o->base + o->n;
    o->n++;
    o->refs++;
    o->last_hold = offset;
    return KFB_ERR_OK;
}

/* The entry of a live hold id, or NULL for an id from before the last reset. */
static hold_t *find(kfb_offsets_t *o, kfb_hold_t h) {
    if (h < o->epoch || h < o->base || h - o->base >= o->n) return NULL;
    return at(o, (size_t)(h - o->base));
}

static void pop_released(kfb_offsets_t *o) {
    while (o->n && o->ring[o->head].state == H_RELEASED) {
        o->head = (o->head + 1) & (o->cap - 1);
        o->base++;
        o->n--;
    }
}

static void resolve(kfb_offsets_t *o, kfb_hold_t h, int state) {
    hold_t *e = find(o, h);
    if (e && e->state == H_PENDING) {
        e->state = state;
        if (state == H_FAILED) o->n_failed++;
        pop_released(o);
    }
    if (o->refs) o->refs--;
    maybe_free(o);
}

void kfb_offsets_release(kfb_offsets_t *o, kfb_hold_t h) { resolve(o, h, H_RELEASED); }

void kfb_offsets_fail(kfb_offsets_t *o, kfb_hold_t h) { resolve(o, h, H_FAILED); }

void kfb_offsets_consumed(kfb_offsets_t *o, int64_t offset) {
    if (offset >= o->next) o->next = offset + 1;
}

int64_t kfb_offsets_committable(const kfb_offsets_t *o) {
    return o->n ? o->ring[o->head].offset : o->next;
}

int64_t kfb_offsets_next(const kfb_offsets_t *o) { return o->next; }

size_t kfb_offsets_pending(const kfb_offsets_t *o) {
    size_t p = 0;
    for (size_t k = 0; k < o->n; k++) p += o->ring[(o->head + k) & (o->cap - 1)].state == H_PENDING;
    return p;
}

int kfb_offsets_has_failed(const kfb_offsets_t *o) { return o->n_failed > 0; }

void kfb_offsets_reset(kfb_offsets_t *o, int64_t next_offset) {
    o->base += o->n;
    o->epoch = o->base;
    o->head = 0;
    o->n = 0;
    o->n_failed = 0;
    o->next = next_offset < 0 ? 0 : next_offset;
    o->last_hold = -1;
}
