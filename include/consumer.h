/*
 * consumer.h - the Kafka side of the bridge: a librdkafka high-level consumer in a group.
 *
 * What it adds to librdkafka (rdkafka.h):
 *   - the configuration the bridge's promise needs, whatever the file says:
 *     enable.auto.commit=false and enable.auto.offset.store=false (librdkafka defaults auto
 *     commit to true: offsets would be committed before Fluss acknowledged anything), plus
 *     defaults the user may override: partition.assignment.strategy=cooperative-sticky
 *     (a rebalance revokes only the partitions that move), auto.offset.reset=earliest (a new
 *     group copies the whole topic rather than only what arrives from now on);
 *   - rebalances as two callbacks, assigned and revoked (with `lost` for partitions taken
 *     away after a session timeout), for both the cooperative and the eager protocol:
 *     `assigned` runs before the partitions start fetching, `revoked` before they are given
 *     up, so the bridge can drain and commit there;
 *   - librdkafka's log lines and error events routed through logging.h (facility "kafka");
 *     a fatal consumer error (rd_kafka_fatal_error) is reported by kfb_consumer_fatal().
 *
 * Threads: everything, callbacks included, happens on the thread that calls
 * kfb_consumer_poll (librdkafka serves the rebalance callback from inside the poll).
 * Ownership: the consumer owns its rd_kafka_t; messages from kfb_consumer_poll belong to the
 * caller (rd_kafka_message_destroy each).
 */
#ifndef KFB_CONSUMER_H
#define KFB_CONSUMER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "errors.h"

typedef struct kfb_consumer kfb_consumer_t;

typedef struct kfb_consumer_events {
    /* Partitions about to be consumed (their offsets are RD_KAFKA_OFFSET_INVALID: the
     * group's committed offsets apply). */
    void (*assigned)(void *ctx, const rd_kafka_topic_partition_list_t *parts);
    /* Partitions about to be given up. lost != 0: the group already gave them to another
     * member (session timeout): do not commit for them. */
    void (*revoked)(void *ctx, const rd_kafka_topic_partition_list_t *parts, int lost);
    /* An offset commit finished (asynchronous ones too): err for the request, and each
     * partition's own err in `offsets`. */
    void (*committed)(void *ctx, rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t *offsets);
    void *ctx;
} kfb_consumer_events_t;

/*
 * Creates the consumer from the config's `kafka:` properties (group.id required). Extra
 * (name, value) pairs in `overrides` are applied after the file's (tests and modes; may be
 * NULL). NULL + errstr naming the property on error.
 */
kfb_consumer_t *kfb_consumer_new(const kfb_config_t *cfg, const char *const *overrides,
                                 size_t n_overrides, const kfb_consumer_events_t *ev,
                                 char *errstr, size_t errstr_size);

/* Leaves the group (the revoked callback runs for what is still assigned) and frees the
 * consumer. NULL is a no-op. */
void kfb_consumer_destroy(kfb_consumer_t *c);

/* Closes the group membership without destroying (revoked callback runs); idempotent. */
void kfb_consumer_close(kfb_consumer_t *c);

/* Subscribes to literal topics and to whole-name POSIX ERE patterns. */
kfb_err_t kfb_consumer_subscribe(kfb_consumer_t *c, const char *const *topics, size_t n_topics,
                                 const char *const *patterns, size_t n_patterns, char *errstr,
                                 size_t errstr_size);

/* Up to max messages (rebalance callbacks may run inside); 0 when none arrived within
 * timeout_ms. Messages with err != 0 are events (partition EOF, errors) for the caller. */
size_t kfb_consumer_poll(kfb_consumer_t *c, rd_kafka_message_t **msgs, size_t max,
                         int timeout_ms);

rd_kafka_t *kfb_consumer_handle(kfb_consumer_t *c);

/* The group's committed offsets for parts (offset field; RD_KAFKA_OFFSET_INVALID when
 * none). Blocks up to timeout_ms. */
kfb_err_t kfb_consumer_committed(kfb_consumer_t *c, rd_kafka_topic_partition_list_t *parts,
                                 int timeout_ms, char *errstr, size_t errstr_size);

/* Commits parts' offsets (sync: waits for the coordinator). Partitions with offset < 0 are
 * left out. */
kfb_err_t kfb_consumer_commit(kfb_consumer_t *c, const rd_kafka_topic_partition_list_t *parts,
                              int async, char *errstr, size_t errstr_size);

/* Commits the offsets stored with rd_kafka_offsets_store (asynchronously; the commit
 * callback reports). librdkafka builds the list on its own thread: nothing is allocated
 * per partition here. */
kfb_err_t kfb_consumer_commit_stored(kfb_consumer_t *c, char *errstr, size_t errstr_size);

/* Nonzero after a fatal consumer error; its text in errstr. */
int kfb_consumer_fatal(kfb_consumer_t *c, char *errstr, size_t errstr_size);

/* Rebalances seen (assignments and revocations), for metrics and tests. */
uint64_t kfb_consumer_rebalances(const kfb_consumer_t *c);

#endif
