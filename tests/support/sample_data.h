/*
 * sample_data.h - the quickstart's sample Kafka data: an `orders` topic of plain Avro
 * records (upserts, Kafka tombstones) and a Debezium `customers` topic (c/r/u/d events,
 * updates that change the primary key, the tombstone after each delete), generated
 * deterministically from a seed, with the counts a correct bridge must report.
 *
 * The Avro bodies follow conf/quickstart/schemas/1.avsc (orders value), 2.avsc (customers
 * Debezium envelope) and 3.avsc (customers key), field by field, in the Avro binary
 * encoding (Avro specification "Binary Encoding": zigzag varints, length-prefixed
 * strings and bytes, union branch index, enum symbol index; decimal as the big-endian
 * two's complement of the unscaled value), with Confluent framing (magic 0, 4-byte
 * big-endian schema id). tests/integration/quickstart.sh decodes them with python3-avro
 * against those files, so the two cannot drift apart unnoticed.
 *
 * Keys never move between partitions (partition = key % partitions; a Debezium key
 * change picks a new id of the same partition), so the final table state does not
 * depend on how a consumer interleaves partitions:
 *   orders     message i picks order k (seed-driven); a new order is an upsert (status
 *              NEW), a live one an upsert with the next status (85%) or a tombstone (15%).
 *              Kafka key: the order id as text ("ORD-00000042"), for key_format string.
 *   customers  message i picks id k; a new id is a create (op c, 10% r); a live one an
 *              update (op u, 80%), a delete (op d, 15%) followed by its tombstone, or an
 *              update that moves the row to a new id (5%: one delete + one upsert in
 *              Fluss). Kafka key: the Avro key record {id} (schema id 3) of the after row
 *              (of the before row for d and its tombstone).
 */
#ifndef KFB_SAMPLE_DATA_H
#define KFB_SAMPLE_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/* One generated Kafka message; the pointers are valid only during the emit call. */
typedef struct kfb_sample_msg {
    int32_t partition;
    const uint8_t *key; /* never NULL here */
    size_t key_len;
    const uint8_t *value; /* NULL: a tombstone */
    size_t value_len;
} kfb_sample_msg_t;

/* Called once per message in order; a non-zero return stops the generator (which then
 * returns KFB_ERR_STATE). */
typedef int (*kfb_sample_emit_fn)(void *ctx, const kfb_sample_msg_t *m);

typedef struct kfb_sample_opts {
    uint64_t messages;       /* how many Kafka messages to generate (>= 1) */
    uint64_t seed;           /* any value; the same options give the same messages */
    uint64_t keys;           /* distinct keys drawn from (0: messages / 4, at least 1) */
    int32_t partitions;      /* >= 1 */
    int32_t value_schema_id; /* Confluent framing ids (the quickstart: 1 orders, 2 and 3 */
    int32_t key_schema_id;   /* customers); key_schema_id is unused for orders */
} kfb_sample_opts_t;

/* What a bridge that applies every message correctly reports and leaves behind. */
typedef struct kfb_sample_counts {
    uint64_t messages;   /* Kafka messages, tombstones included */
    uint64_t upserts;    /* Fluss upsert records */
    uint64_t deletes;    /* Fluss delete records (a key change is one delete + one upsert) */
    uint64_t tombstones; /* messages that write nothing (Debezium's tombstone after a delete) */
    uint64_t live_keys;  /* rows in the table at the end */
    uint64_t key_changes; /* customers: updates that moved a row to a new id */
} kfb_sample_counts_t;

/* Generate the orders topic / the customers topic. KFB_ERR_OK with *counts filled;
 * INVALID_ARG (with a sentence in errstr) for bad options; NOMEM; STATE when emit
 * stopped it (counts then cover what was emitted). */
kfb_err_t kfb_sample_orders(const kfb_sample_opts_t *o, kfb_sample_emit_fn emit, void *ctx,
                            kfb_sample_counts_t *counts, char *errstr, size_t errstr_size);
kfb_err_t kfb_sample_customers(const kfb_sample_opts_t *o, kfb_sample_emit_fn emit, void *ctx,
                               kfb_sample_counts_t *counts, char *errstr, size_t errstr_size);

/* splitmix64's output function: the generators' (and kafka-mock gen-bench's) randomness. */
uint64_t kfb_sample_mix(uint64_t x);

#endif
