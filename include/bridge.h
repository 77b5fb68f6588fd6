/*
 * bridge.h - the bridge loop: Kafka -> mapper -> accumulator -> Fluss client ->
 * acknowledgements -> offset tracker -> Kafka offset commits.
 *
 * One thread polls Kafka, maps each poll's messages (kfb_mapper_map_batch) into the
 * accumulators' open batches, submits sealed batches to the Fluss client, serves the
 * client's completions (releasing the offset holds of acknowledged batches), and commits
 * each partition's committable offset (offset_tracker.h). Nothing on that thread blocks on
 * Fluss or the Schema Registry: new writer schemas and table refreshes are fetched by a
 * background worker (worker.h) while the partition waiting for them is paused.
 *
 * Guarantees (README "Delivery guarantee"):
 *   - a partition's committed offset never passes a message whose records Fluss has not
 *     acknowledged (or that was dead-lettered without an acknowledged produce);
 *   - a key's updates are applied in Kafka order. When the Fluss client cannot say whether
 *     a batch was applied (KFB_ERR_WRITE_IN_DOUBT) or a batch is rejected for one of its
 *     records, the bridge stops feeding, lets everything in flight finish, seeks every
 *     assigned partition back to its committable offset and consumes again: what follows
 *     the last acknowledged message is applied again, in order (at-least-once: Fluss's
 *     changelog may show those updates twice). Records Fluss rejects are then found by
 *     sending the affected bucket's records one per batch, and follow errors.policy.
 *
 * Modes: RUN replicates until kfb_bridge_stop; MIGRATE snapshots the end offsets of every
 * partition of the mapped topics at start, copies up to there, and ends when the group's
 * committed offsets reach the snapshot (with one or several bridges in the group).
 */
#ifndef KFB_BRIDGE_H
#define KFB_BRIDGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "errors.h"

/* Process exit statuses (README, --help). */
#define KFB_EXIT_OK 0
#define KFB_EXIT_ERROR 1     /* stopped by an error: fatal, errors.policy fail, too many errors */
#define KFB_EXIT_USAGE 2     /* bad command line or configuration */
#define KFB_EXIT_DATA_GAP 3  /* migrate: Kafka deleted messages before they were copied */
#define KFB_EXIT_VERIFY 4    /* migrate --verify: Fluss differs from what was written */

typedef enum kfb_bridge_mode {
    KFB_BRIDGE_RUN = 0,
    KFB_BRIDGE_MIGRATE,
} kfb_bridge_mode_t;

typedef enum kfb_progress {
    KFB_PROGRESS_AUTO = 0, /* a bar on a terminal, log lines otherwise */
    KFB_PROGRESS_BAR,
    KFB_PROGRESS_LOG,
    KFB_PROGRESS_NONE,
} kfb_progress_t;

typedef struct kfb_bridge_opts {
    kfb_bridge_mode_t mode;
    int verify;              /* migrate: keys to read back with Lookup (0: none) */
    kfb_progress_t progress; /* migrate */
    FILE *out;               /* summary and progress (stdout / stderr by default) */
    FILE *progress_out;
    const char *version;     /* for kfb_build_info (NULL: "unknown") */
} kfb_bridge_opts_t;

typedef struct kfb_bridge kfb_bridge_t;

/*
 * Connects to Fluss (reads every mapped table's info; a missing table is an error naming
 * it), builds the mappers, the dead-letter producer and the consumer, and subscribes.
 * NULL + errstr (a sentence a user can act on) on error.
 */
kfb_bridge_t *kfb_bridge_new(const kfb_config_t *cfg, const kfb_bridge_opts_t *opts,
                             char *errstr, size_t errstr_size);

/* Runs until stopped (RUN), done (MIGRATE) or a fatal error; returns the exit status
 * (KFB_EXIT_*). Errors are logged with what to do. */
int kfb_bridge_run(kfb_bridge_t *b);

/* Asks the loop to drain and stop (async-signal-safe). */
void kfb_bridge_stop(kfb_bridge_t *b);

void kfb_bridge_destroy(kfb_bridge_t *b);

/* Messages processed so far (a relaxed read: benchmarks and metrics may call it from
 * another thread). */
uint64_t kfb_bridge_messages(const kfb_bridge_t *b);

#endif
