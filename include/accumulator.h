/*
 * accumulator.h - one open KV batch per (table partition, bucket), sealed when full or
 * when it has lingered long enough, then handed out in seal order for submission.
 *
 * One accumulator per mapping (its Fluss table). The mapper appends records straight into
 * the open batches (kfb_mapper_sink_t: `batches` is the accumulator's per-bucket array for
 * unpartitioned tables, batch_for ends in kfb_acc_open). A batch is sealed
 *   - when a record does not fit (batch_for: kfb_acc_open seals the slot's old batch),
 *   - when it has been open `linger_ms` (kfb_acc_seal_due),
 *   - when the bridge drains (kfb_acc_seal_all: rebalance, shutdown, replay),
 * and waits in one FIFO, so that batches of a bucket are submitted in the order they
 * were filled (the Fluss client then keeps that order per bucket).
 *
 * Each batch carries a ticket (kfb_ticket_t): the Kafka offset holds its acknowledgement
 * releases (offset_tracker.h), the write options its PutKv needs (partition, target
 * columns), record counts for metrics, and, for a solo batch, a copy of the one message
 * whose record it holds. Tickets outlive their builders: after submission the builder is
 * reset and reused, the ticket goes with the request (the Fluss client's opaque) until its
 * completion, then back to the accumulator with kfb_acc_ticket_free.
 *
 * Memory: builders are pooled and reused (no allocation per message in steady state);
 * kfb_acc_buffered_bytes is what open and sealed batches hold.
 * Not thread-safe: the bridge's poll thread alone uses it.
 */
#ifndef KFB_ACCUMULATOR_H
#define KFB_ACCUMULATOR_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "kv_batch.h"
#include "offset_tracker.h"

typedef struct kfb_acc kfb_acc_t;

/* One Kafka partition's hold on a batch: messages [first, last] of it have records here. */
typedef struct kfb_ticket_hold {
    kfb_offsets_t *o;
    kfb_hold_t h;
    int64_t first, last;
    void *part; /* the bridge's partition state (for errors and replays) */
} kfb_ticket_hold_t;

typedef struct kfb_ticket {
    kfb_acc_t *acc;
    kfb_ticket_hold_t *holds;
    size_t n_holds, cap_holds;
    /* where it goes */
    const char *partition; /* partition name (owned by the slot, lives as long as acc) */
    int32_t bucket;
    int32_t schema_id;
    const int32_t *targets; /* partial update column list; NULL = all columns */
    size_t n_targets;
    /* what it holds */
    int32_t records, deletes;
    size_t bytes;
    int64_t opened_ms, sealed_ms, submitted_ms;
    int64_t min_timestamp_ms; /* oldest Kafka timestamp in it, for latency metrics; -1 none */
    int solo;                 /* holds one record of one message: `msg` below is set */
    struct kfb_solo_msg *msg;
    struct kfb_ticket *next; /* free list */
    int in_use;
    int32_t targets_buf_n;
    int32_t *targets_buf;
} kfb_ticket_t;

/* A copy of one Kafka message, kept with a solo batch so that a record Fluss rejects can
 * be reported and dead-lettered after the consumer's copy is gone. */
typedef struct kfb_solo_msg {
    char *topic;
    int32_t partition;
    int64_t offset, timestamp;
    uint8_t *key, *value; /* NULL when absent */
    size_t key_len, value_len;
    void *headers; /* rd_kafka_headers_t copy, or NULL */
} kfb_solo_msg_t;

typedef struct kfb_acc_conf {
    int partitioned;      /* slots keyed by partition name and bucket; else buckets only */
    int32_t bucket_count; /* >= 1 */
    size_t max_bytes;     /* a batch is sealed at this size */
    size_t max_record_bytes; /* write limit of a batch for one record larger than max_bytes */
    int64_t linger_ms;    /* ... or after being open this long */
} kfb_acc_conf_t;

kfb_acc_t *kfb_acc_new(const kfb_acc_conf_t *conf, char *errstr, size_t errstr_size);
/* Frees everything; tickets still with the Fluss client must have been freed first. */
void kfb_acc_destroy(kfb_acc_t *a);

/* The per-bucket array of open batches for kfb_mapper_sink_t.batches (unpartitioned
 * tables; NULL/0 for partitioned ones). Entries are NULL for buckets with no open batch,
 * and for buckets in careful mode (every record goes through batch_for). */
kfb_kv_batch_builder_t **kfb_acc_fast_batches(kfb_acc_t *a, size_t *n);

/*
 * batch_for's work (kfb_mapper_sink_t): the batch a record of this schema id and target
 * set goes into, for (partition, bucket). *inout on entry is the batch that could not
 * take the record, or NULL when the record had none:
 *   NULL      the slot's open batch if it has the same schema id and tag and is not solo
 *             (it may still be too full: the mapper then calls again with it), else that
 *             batch is sealed and a new one opened;
 *   non-empty it is sealed (if it is still the slot's) and a new one opened;
 *   empty     the record is larger than max_bytes: a batch sized max_record_bytes is
 *             opened for it alone (sealed on the slot's next call or kfb_acc_seal_solo);
 *             if that was already such a batch, it is handed back unchanged (the mapper
 *             then reports KFB_ERR_MAPPER_RECORD_TOO_LARGE for the record).
 * New batches are tagged `tag` (kfb_kv_batch_set_tag), stamped schema_id, and their ticket
 * copies the target columns. solo: the new batch takes this record only. partition: NULL
 * for unpartitioned tables. Errors: NOMEM, INVALID_ARG (bucket out of range).
 */
kfb_err_t kfb_acc_open(kfb_acc_t *a, const char *partition, int32_t bucket, int32_t schema_id,
                       uint32_t tag, const int32_t *targets, size_t n_targets, int solo,
                       int64_t now_ms, kfb_kv_batch_builder_t **inout);

/* The ticket of a builder that took records since the last submission (placed[] of
 * kfb_mapper_map_batch), or NULL for a builder this accumulator does not know. */
kfb_ticket_t *kfb_acc_ticket_of(kfb_acc_t *a, const kfb_kv_batch_builder_t *b);

/* Seals open batches that were opened at or before now - linger_ms; returns how many. */
size_t kfb_acc_seal_due(kfb_acc_t *a, int64_t now_ms);
/* Seals every open batch (and solo batch); returns how many. */
size_t kfb_acc_seal_all(kfb_acc_t *a, int64_t now_ms);
/* Seals open solo batches. */
void kfb_acc_seal_solo(kfb_acc_t *a, int64_t now_ms);
/* Earliest time an open batch is due (INT64_MAX when none). */
int64_t kfb_acc_next_due(const kfb_acc_t *a);

/*
 * The oldest sealed batch: its bytes (built, owned by the accumulator until
 * kfb_acc_submitted or the next call) and ticket; 0 when none is waiting.
 */
int kfb_acc_peek_sealed(kfb_acc_t *a, const uint8_t **bytes, size_t *len, kfb_ticket_t **t);
/* The peeked batch was taken by the Fluss client: its builder is reset and reused; the
 * ticket now belongs to the caller until kfb_acc_ticket_free. */
void kfb_acc_submitted(kfb_acc_t *a);
/* Frees (pools) a ticket after its completion. */
void kfb_acc_ticket_free(kfb_ticket_t *t);

/* Puts a carefully-written (solo) slot mode on or off: while on, the slot's bucket has no
 * entry in the fast array, so every record of it reaches batch_for. */
void kfb_acc_set_careful(kfb_acc_t *a, const char *partition, int32_t bucket, int on);

/* Bytes held by open and sealed batches (not yet submitted). */
size_t kfb_acc_buffered_bytes(const kfb_acc_t *a);
/* Builders made so far and the most bytes each ever held, summed (their resident memory:
 * a reset builder keeps what it touched). */
void kfb_acc_memory(const kfb_acc_t *a, size_t *builders, size_t *held);

/* Open + sealed batches. */
size_t kfb_acc_batches(const kfb_acc_t *a);
size_t kfb_acc_sealed_count(const kfb_acc_t *a);

/* Adds a hold of (o, part) at `offset` to t unless t already holds o; extends the hold's
 * last offset. KFB_ERR_STATE/NOMEM from the tracker. */
kfb_err_t kfb_ticket_hold(kfb_ticket_t *t, kfb_offsets_t *o, void *part, int64_t offset);

/* Frees a solo message copy. */
void kfb_solo_msg_free(kfb_solo_msg_t *m);

#endif
