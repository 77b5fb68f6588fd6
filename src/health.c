/* health.c - readiness published through atomics and judged on demand (health.h). */
#include "health.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct kfb_health {
    int64_t stall_timeout_ms;
    _Atomic int state;
    _Atomic int64_t assigned;
    _Atomic int fluss_ok;
    _Atomic int64_t pending;
    _Atomic int64_t pending_since_ms; /* when pending last went from 0 to more */
    _Atomic int64_t last_ack_ms;      /* -1: none yet */
};

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define STORE(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)

kfb_health_t *kfb_health_new(int64_t stall_timeout_ms) {
    kfb_health_t *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->stall_timeout_ms = stall_timeout_ms > 0 ? stall_timeout_ms : 1;
    STORE(h->state, KFB_HEALTH_STARTING);
    STORE(h->fluss_ok, 1);
    STORE(h->last_ack_ms, -1);
    return h;
}

void kfb_health_destroy(kfb_health_t *h) { free(h); }

int64_t kfb_health_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kfb_health_set_state(kfb_health_t *h, kfb_health_state_t state) {
    if (h) STORE(h->state, (int)state);
}

void kfb_health_set_assigned(kfb_health_t *h, int64_t partitions) {
    if (h) STORE(h->assigned, partitions);
}

void kfb_health_set_fluss_reachable(kfb_health_t *h, int reachable) {
    if (h) STORE(h->fluss_ok, reachable != 0);
}

void kfb_health_set_pending(kfb_health_t *h, int64_t pending, int64_t now_ms) {
    if (!h) return;
    /* one writer: load then store is enough */
    if (pending > 0 && LOAD(h->pending) <= 0) STORE(h->pending_since_ms, now_ms);
    STORE(h->pending, pending);
}

void kfb_health_acked(kfb_health_t *h, int64_t now_ms) {
    if (h) STORE(h->last_ack_ms, now_ms);
}

int kfb_health_ready(kfb_health_t *h, int64_t now_ms, char *reason, size_t size) {
    if (!h) {
        snprintf(reason, size, "no readiness source");
        return 0;
    }
    int state = LOAD(h->state);
    if (state == KFB_HEALTH_STARTING) {
        snprintf(reason, size, "starting: connecting to Fluss and Kafka");
        return 0;
    }
    if (state == KFB_HEALTH_STOPPING) {
        snprintf(reason, size, "stopping: draining what was read");
        return 0;
    }
    if (LOAD(h->assigned) <= 0) {
        snprintf(reason, size, "no Kafka partitions assigned to this bridge");
        return 0;
    }
    if (!LOAD(h->fluss_ok)) {
        snprintf(reason, size, "Fluss is not reachable");
        return 0;
    }
    int64_t pending = LOAD(h->pending);
    if (pending > 0) {
        int64_t since = LOAD(h->pending_since_ms), ack = LOAD(h->last_ack_ms);
        int64_t from = ack > since ? ack : since;
        if (now_ms - from > h->stall_timeout_ms) {
            snprintf(reason, size, "stalled: no acknowledgement from Fluss for %" PRId64 " ms with data pending "
                     "(metrics.stall_timeout %" PRId64 " ms)", now_ms - from, h->stall_timeout_ms);
            return 0;
        }
    }
    if (size) reason[0] = '\0';
    return 1;
}
