/*
 * health.h - the bridge's readiness, published by the pipeline and judged by the HTTP
 * endpoint's /ready (http_endpoint.h).
 *
 * Ready means all of:
 *   - running: past start-up (Fluss tables read, consumer subscribed) and not stopping;
 *   - at least one Kafka partition assigned;
 *   - Fluss reachable, as the pipeline last saw it;
 *   - not stalled: while anything is pending (read from Kafka and not yet acknowledged by
 *     Fluss), an acknowledgement came within stall_timeout_ms. The clock starts at the
 *     later of the last acknowledgement and the moment pending data appeared, so an idle
 *     bridge that receives new data is not judged by an acknowledgement of an hour ago.
 * Otherwise /ready answers 503 with the first reason that applies, one line.
 *
 * Threads: every setter is a relaxed atomic store (the poll thread, no lock, no
 * allocation); kfb_health_ready() may run on any thread at the same time.
 * Times are milliseconds of one monotonic clock: kfb_health_now_ms() (CLOCK_MONOTONIC, the
 * clock of kfb_bridge_now_ms()); tests pass their own.
 */
#ifndef KFB_HEALTH_H
#define KFB_HEALTH_H

#include <stddef.h>
#include <stdint.h>

typedef struct kfb_health kfb_health_t;

typedef enum kfb_health_state {
    KFB_HEALTH_STARTING = 0,
    KFB_HEALTH_RUNNING,
    KFB_HEALTH_STOPPING,
} kfb_health_state_t;

/* stall_timeout_ms: metrics.stall_timeout (> 0). NULL on out of memory. */
kfb_health_t *kfb_health_new(int64_t stall_timeout_ms);
void kfb_health_destroy(kfb_health_t *h);

int64_t kfb_health_now_ms(void);

/* ---- published by the pipeline (NULL h is a no-op) ---- */
void kfb_health_set_state(kfb_health_t *h, kfb_health_state_t state);
void kfb_health_set_assigned(kfb_health_t *h, int64_t partitions);
void kfb_health_set_fluss_reachable(kfb_health_t *h, int reachable);
/* What is read and not yet acknowledged (bytes or records: any measure that is 0 exactly
 * when nothing is pending). */
void kfb_health_set_pending(kfb_health_t *h, int64_t pending, int64_t now_ms);
/* Fluss acknowledged a batch. */
void kfb_health_acked(kfb_health_t *h, int64_t now_ms);

/* ---- judged by /ready ---- */
/* 1 when ready; 0 with a one-line reason (no newline) in reason[size] otherwise. */
int kfb_health_ready(kfb_health_t *h, int64_t now_ms, char *reason, size_t size);

#endif
