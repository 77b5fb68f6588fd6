/*
 * offset_tracker.h - which Kafka offsets of one partition may be committed.
 *
 * The bridge's central promise: a partition's committed offset never passes a message
 * whose records Fluss has not acknowledged. A message is done when every batch that took
 * one of its records was acknowledged (and, when it was dead-lettered, when that produce
 * was acknowledged); the committable offset is one past the longest prefix of done
 * messages.
 *
 * Representation: ranges, not a node per message. A "hold" is taken when a batch (or a
 * dead-letter produce) first takes a record of this partition: it covers its offset and,
 * until released, everything after it. Messages are processed in offset order, so holds
 * are taken in offset order and live in a FIFO; the committable offset is the offset of
 * the oldest hold not yet released, or, with none, one past the last processed message.
 * Memory is one 16-byte entry per (in-flight batch, partition) pair.
 *
 *   kfb_offsets_t *o = kfb_offsets_new(committed);   // where consumption starts
 *   h = kfb_offsets_hold(o, 17);   // batch X took a record of offset 17
 *   kfb_offsets_consumed(o, 17);   // message 17 fully processed (all its holds taken)
 *   ... X acknowledged: kfb_offsets_release(o, h); kfb_offsets_committable(o) == 18
 *
 * A failed hold (kfb_offsets_fail: the batch was not applied, or its outcome is unknown)
 * never releases: the committable offset stays at its offset until kfb_offsets_reset,
 * which the bridge calls after seeking the partition back there to replay.
 *
 * Ownership: the bridge's partition state owns a tracker; in-flight batches reference it
 * through their holds. kfb_offsets_retire() gives up the owner's reference (partition
 * revoked or lost); the tracker is freed once every hold has been released or failed.
 * Not thread-safe: the bridge's poll thread alone uses it.
 */
#ifndef KFB_OFFSET_TRACKER_H
#define KFB_OFFSET_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

typedef struct kfb_offsets kfb_offsets_t;
typedef uint64_t kfb_hold_t;

/* A tracker whose next message is at next_offset (>= 0; the committed offset or the
 * first offset fetched). NULL when out of memory. */
kfb_offsets_t *kfb_offsets_new(int64_t next_offset);

/* The owner is done with the tracker (it is freed now, or when its last outstanding
 * hold is released or failed). NULL is a no-op. */
void kfb_offsets_retire(kfb_offsets_t *o);

/*
 * Takes a hold at `offset`, which must be >= the offset of every earlier hold and above
 * every processed message (take a message's holds before kfb_offsets_consumed; KFB_ERR_STATE
 * otherwise, nothing changes). *out receives its
 * id. KFB_ERR_NOMEM when the FIFO cannot grow.
 */
kfb_err_t kfb_offsets_hold(kfb_offsets_t *o, int64_t offset, kfb_hold_t *out);

/* The hold's batch was acknowledged. Ids from before the last reset are ignored (their
 * reference is dropped). */
void kfb_offsets_release(kfb_offsets_t *o, kfb_hold_t h);

/* The hold's batch failed (not applied, or in doubt): the committable offset stays at
 * its offset until kfb_offsets_reset. */
void kfb_offsets_fail(kfb_offsets_t *o, kfb_hold_t h);

/* The message at `offset` was processed: every hold it needs was taken (or it needed
 * none: skipped). Offsets must rise (gaps are fine: compacted topics, filtered
 * messages); a lower one is ignored. */
void kfb_offsets_consumed(kfb_offsets_t *o, int64_t offset);

/* One past the longest done prefix: the offset to commit. */
int64_t kfb_offsets_committable(const kfb_offsets_t *o);

/* The offset after the last processed message (where consumption goes on). */
int64_t kfb_offsets_next(const kfb_offsets_t *o);

/* Holds neither released nor failed (the batches this partition waits for). */
size_t kfb_offsets_pending(const kfb_offsets_t *o);

/* 1 when a failed hold blocks the committable offset. */
int kfb_offsets_has_failed(const kfb_offsets_t *o);

/* Forgets every hold (later releases/fails of them only drop their reference) and starts
 * again at next_offset: after the partition was seeked back to replay from there. */
void kfb_offsets_reset(kfb_offsets_t *o, int64_t next_offset);

#endif
