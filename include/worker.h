/*
 * worker.h - one background thread for the blocking calls the poll loop must never make:
 * Schema Registry fetches of new writer schema ids and Fluss table refreshes.
 *
 *   kfb_worker_submit(w, job)            poll thread: queue a job
 *   job->run(job) on the worker thread   blocking work (fills the job's own result fields)
 *   kfb_worker_take(w)                   poll thread: the next finished job, or NULL
 *
 * Jobs are caller-defined structs that start with kfb_job_t; the worker never frees them.
 * A job is run once; finished jobs come back in completion order. kfb_worker_destroy waits
 * for the running job (bounded by that job's own timeouts) and hands nothing back: the
 * caller frees its queued and finished jobs with the `drop` function it passed.
 */
#ifndef KFB_WORKER_H
#define KFB_WORKER_H

#include <stddef.h>

#include "errors.h"

typedef struct kfb_job {
    void (*run)(struct kfb_job *job);
    struct kfb_job *next;
} kfb_job_t;

typedef struct kfb_worker kfb_worker_t;

/* NULL when the thread cannot be started. */
kfb_worker_t *kfb_worker_new(void);
/* Stops the thread after its current job; `drop` (may be NULL) is called for every job
 * not yet handed back (queued, running, finished). */
void kfb_worker_destroy(kfb_worker_t *w, void (*drop)(kfb_job_t *job));

void kfb_worker_submit(kfb_worker_t *w, kfb_job_t *job);
/* A finished job, or NULL. */
kfb_job_t *kfb_worker_take(kfb_worker_t *w);
/* Jobs submitted and not yet taken back. */
size_t kfb_worker_pending(kfb_worker_t *w);

#endif
