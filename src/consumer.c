/*
 * consumer.c - the bridge's librdkafka consumer (consumer.h).
 *
 * References: librdkafka rdkafka.h (rebalance_cb contract, incremental assign for the
 * COOPERATIVE protocol, rd_kafka_assignment_lost), examples/consumer.c, kcat.c (log and
 * error callbacks).
 */
#include "consumer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logging.h"

#define FAC "kafka"

struct kfb_consumer {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    kfb_consumer_events_t ev;
    int closed;
    uint64_t rebalances;
    char fatal[512];
};

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    kfb_log_rdkafka(FAC, level, fac, buf);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    kfb_consumer_t *c = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[400];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
        snprintf(c->fatal, sizeof c->fatal, "fatal Kafka consumer error %s: %s", rd_kafka_err2name(orig), why);
        KFB_ERROR(FAC, "%s", c->fatal);
        return;
    }
    /* Transport errors are retried by librdkafka itself; say so once per event. */
    KFB_WARN(FAC, "%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    kfb_consumer_t *c = opaque;
    int coop = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
    c->rebalances++;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (c->ev.assigned && parts->cnt) c->ev.assigned(c->ev.ctx, parts);
        rd_kafka_error_t *e = NULL;
        if (coop) e = rd_kafka_incremental_assign(rk, parts);
        else rd_kafka_assign(rk, parts);
        if (e) {
            KFB_ERROR(FAC, "incremental assign failed: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
        return;
    }
    int lost = rd_kafka_assignment_lost(rk);
    if (c->ev.revoked && parts->cnt) c->ev.revoked(c->ev.ctx, parts, lost);
    if (coop) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
        if (e) {
            KFB_ERROR(FAC, "incremental unassign failed: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

static void commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets,
                      void *opaque) {
    (void)rk;
    kfb_consumer_t *c = opaque;
    if (c->ev.committed && offsets) c->ev.committed(c->ev.ctx, err, offsets);
}

static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr, size_t errstr_size) {
    char e[512];
    if (rd_kafka_conf_set(conf, name, value, e, sizeof e) == RD_KAFKA_CONF_OK) return 0;
    snprintf(errstr, errstr_size, "kafka property '%s': %s", name, e);
    return -1;
}

kfb_consumer_t *kfb_consumer_new(const kfb_config_t *cfg, const char *const *overrides, size_t n_overrides,
                                 const kfb_consumer_events_t *ev, char *errstr, size_t errstr_size) {
    kfb_consumer_t *c = calloc(1, sizeof *c);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!c || !conf) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    if (ev) c->ev = *ev;
    /* Defaults first, so that the file (and then the overrides) can change them. */
    if (conf_set(conf, "partition.assignment.strategy", "cooperative-sticky", errstr, errstr_size) ||
        conf_set(conf, "auto.offset.reset", "earliest", errstr, errstr_size))
        goto fail;
    int has_group = 0;
    for (size_t i = 0; i < kfb_config_kafka_count(cfg); i++) {
        const char *name, *value;
        kfb_config_kafka_property(cfg, i, &name, &value);
        if (!strcmp(name, "group.id")) has_group = 1;
        if (conf_set(conf, name, value, errstr, errstr_size)) goto fail;
    }
    for (size_t i = 0; i + 1 < 2 * n_overrides; i += 2) {
        if (!strcmp(overrides[i], "group.id")) has_group = 1;
        if (conf_set(conf, overrides[i], overrides[i + 1], errstr, errstr_size)) goto fail;
    }
    if (!has_group) {
        snprintf(errstr, errstr_size, "'kafka: group.id' is needed: the bridge commits offsets in a consumer group");
        goto fail;
    }
    /* The promise: only offsets Fluss acknowledged are committed, by the bridge itself. */
    if (conf_set(conf, "enable.auto.commit", "false", errstr, errstr_size) ||
        conf_set(conf, "enable.auto.offset.store", "false", errstr, errstr_size))
        goto fail;
    rd_kafka_conf_set_opaque(conf, c);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(conf, commit_cb);
    char e[512];
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof e);
    if (!c->rk) {
        snprintf(errstr, errstr_size, "cannot create the Kafka consumer: %s", e);
        goto fail;
    }
    conf = NULL; /* owned by rk now */
    rd_kafka_poll_set_consumer(c->rk);
    c->q = rd_kafka_queue_get_consumer(c->rk);
    return c;
fail:
    if (conf) rd_kafka_conf_destroy(conf);
    free(c);
    return NULL;
}

void kfb_consumer_close(kfb_consumer_t *c) {
    if (!c || c->closed) return;
    c->closed = 1;
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(c->rk);
    if (err) KFB_WARN(FAC, "leaving the consumer group: %s", rd_kafka_err2str(err));
}

void kfb_consumer_destroy(kfb_consumer_t *c) {
    if (!c) return;
    kfb_consumer_close(c);
    if (c->q) rd_kafka_queue_destroy(c->q);
    rd_kafka_destroy(c->rk);
    free(c);
}

kfb_err_t kfb_consumer_subscribe(kfb_consumer_t *c, const char *const *topics, size_t n_topics,
                                 const char *const *patterns, size_t n_patterns, char *errstr, size_t errstr_size) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)(n_topics + n_patterns));
    for (size_t i = 0; i < n_topics; i++) rd_kafka_topic_partition_list_add(l, topics[i], RD_KAFKA_PARTITION_UA);
    for (size_t i = 0; i < n_patterns; i++) {
        /* librdkafka treats a subscription starting with '^' as a regex; anchor the whole
         * name as the config promises (config.c compile_pattern). */
        size_t n = strlen(patterns[i]) + 5;
        char *re = malloc(n);
        if (!re) {
            rd_kafka_topic_partition_list_destroy(l);
            return KFB_ERR_NOMEM;
        }
        snprintf(re, n, "^(%s)$", patterns[i]);
        rd_kafka_topic_partition_list_add(l, re, RD_KAFKA_PARTITION_UA);
        free(re);
    }
    rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err) {
        snprintf(errstr, errstr_size, "cannot subscribe: %s", rd_kafka_err2str(err));
        return KFB_ERR_CONFIG;
    }
    return KFB_ERR_OK;
}

size_t kfb_consumer_poll(kfb_consumer_t *c, rd_kafka_message_t **msgs, size_t max, int timeout_ms) {
    ssize_t n = rd_kafka_consume_batch_queue(c->q, timeout_ms, msgs, max);
    return n > 0 ? (size_t)n : 0;
}

rd_kafka_t *kfb_consumer_handle(kfb_consumer_t *c) { return c->rk; }

kfb_err_t kfb_consumer_committed(kfb_consumer_t *c, rd_kafka_topic_partition_list_t *parts, int timeout_ms,
                                 char *errstr, size_t errstr_size) {
    rd_kafka_resp_err_t err = rd_kafka_committed(c->rk, parts, timeout_ms);
    if (!err)
        for (int i = 0; i < parts->cnt && !err; i++)
            if (parts->elems[i].err) err = parts->elems[i].err;
    if (!err) return KFB_ERR_OK;
    snprintf(errstr, errstr_size, "cannot read the group's committed offsets: %s", rd_kafka_err2str(err));
    return err == RD_KAFKA_RESP_ERR__TIMED_OUT ? KFB_ERR_TIMEOUT : KFB_ERR_IO;
}

kfb_err_t kfb_consumer_commit(kfb_consumer_t *c, const rd_kafka_topic_partition_list_t *parts, int async,
                              char *errstr, size_t errstr_size) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts->cnt);
    for (int i = 0; i < parts->cnt; i++)
        if (parts->elems[i].offset >= 0)
            rd_kafka_topic_partition_list_add(l, parts->elems[i].topic, parts->elems[i].partition)->offset =
                parts->elems[i].offset;
    rd_kafka_resp_err_t err = l->cnt ? rd_kafka_commit(c->rk, l, async) : RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!err && !async)
        for (int i = 0; i < l->cnt && !err; i++) err = l->elems[i].err;
    rd_kafka_topic_partition_list_destroy(l);
    /* nothing new to commit is not a failure */
    if (!err || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return KFB_ERR_OK;
    snprintf(errstr, errstr_size, "offset commit failed: %s", rd_kafka_err2str(err));
    return KFB_ERR_IO;
}

kfb_err_t kfb_consumer_commit_stored(kfb_consumer_t *c, char *errstr, size_t errstr_size) {
    rd_kafka_resp_err_t err = rd_kafka_commit(c->rk, NULL, 1 /* async: commit_cb reports */);
    if (!err) return KFB_ERR_OK;
    snprintf(errstr, errstr_size, "offset commit failed: %s", rd_kafka_err2str(err));
    return KFB_ERR_IO;
}

int kfb_consumer_fatal(kfb_consumer_t *c, char *errstr, size_t errstr_size) {
    if (!c->fatal[0]) return 0;
    snprintf(errstr, errstr_size, "%s", c->fatal);
    return 1;
}

uint64_t kfb_consumer_rebalances(const kfb_consumer_t *c) { return c->rebalances; }
