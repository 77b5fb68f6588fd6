/*
 * dead_letter.h - messages the bridge could not write, produced to a Kafka topic as they
 * came, with headers that say where they came from and why.
 *
 * Each dead-lettered message keeps its original key, value and headers, and gets these
 * headers (string values) appended:
 *   kfb.topic, kfb.partition, kfb.offset, kfb.timestamp (ms since the epoch, -1 if none),
 *   kfb.schema_id (of the value's Confluent framing, -1 if not framed),
 *   kfb.error.class (record | fatal | retriable), kfb.error.name (e.g. MAPPER_PLAN),
 *   kfb.error.message (the sentence the bridge logged).
 * The source message counts as done (its offset may be committed) only once the produce
 * is acknowledged: the producer is idempotent with acks=all, and a produce that fails for
 * good is reported to the caller, which must stop (committing past it would lose it).
 *
 * Threads: one thread calls everything; delivery callbacks run inside kfb_dead_letter_poll.
 */
#ifndef KFB_DEAD_LETTER_H
#define KFB_DEAD_LETTER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"

typedef struct kfb_dead_letter kfb_dead_letter_t;

/* Outcome of one produce: err KFB_ERR_OK, or KFB_ERR_IO with `why` (librdkafka's text). */
typedef void (*kfb_dead_letter_cb_t)(void *ctx, void *opaque, kfb_err_t err, const char *why);

/*
 * A producer for `topic`, configured from the config's `kafka:` properties (connection and
 * security ones; consumer-only properties are left out) plus enable.idempotence=true and
 * acks=all. NULL + errstr on error.
 */
kfb_dead_letter_t *kfb_dead_letter_new(const kfb_config_t *cfg, const char *topic,
                                       kfb_dead_letter_cb_t cb, void *ctx, char *errstr,
                                       size_t errstr_size);

/* Waits up to timeout_ms for outstanding produces (their callbacks run), then frees. */
void kfb_dead_letter_destroy(kfb_dead_letter_t *d, int timeout_ms);

/* What to say about one failed message. */
typedef struct kfb_dead_letter_why {
    kfb_err_t err;       /* its class and name go into the headers */
    const char *message; /* the sentence */
} kfb_dead_letter_why_t;

/* The message to dead-letter: a consumed Kafka message (kfb_dead_letter_from) or a copy
 * kept by the bridge. Borrowed for the call. */
typedef struct kfb_dead_letter_msg {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp; /* ms since the epoch, -1 none */
    const void *key, *value; /* NULL when absent (a NULL value is a tombstone) */
    size_t key_len, value_len;
    const rd_kafka_headers_t *headers; /* NULL when none */
} kfb_dead_letter_msg_t;

/* Fills *out from a consumed message (pointers into it). */
void kfb_dead_letter_from(const rd_kafka_message_t *msg, kfb_dead_letter_msg_t *out);

/*
 * Produces a copy of `msg` (key, value, headers) with the kfb.* headers. Never blocks:
 * KFB_ERR_RPC_QUEUE_FULL when librdkafka's queue is full (poll, then try again). Exactly
 * one callback follows a KFB_ERR_OK return, with `opaque`.
 */
kfb_err_t kfb_dead_letter_produce(kfb_dead_letter_t *d, const kfb_dead_letter_msg_t *msg,
                                  const kfb_dead_letter_why_t *why, void *opaque);

/* Serves delivery callbacks (waits up to timeout_ms for one). */
void kfb_dead_letter_poll(kfb_dead_letter_t *d, int timeout_ms);

/* Produces not yet acknowledged. */
size_t kfb_dead_letter_outstanding(const kfb_dead_letter_t *d);

#endif
