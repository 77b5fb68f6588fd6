/*
 * dead_letter.c - the dead-letter producer (dead_letter.h).
 *
 * References: librdkafka rdkafka.h (rd_kafka_producev with RD_KAFKA_V_HEADERS: the
 * headers object is owned by librdkafka once the call succeeds; dr_msg_cb), Kafka
 * Connect's DeadLetterQueueReporter (the idea of context headers on the original record).
 */
#include "dead_letter.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confluent.h"
#include "logging.h"

#define FAC "dead-letter"

struct kfb_dead_letter {
    rd_kafka_t *rk;
    char *topic;
    kfb_dead_letter_cb_t cb;
    void *ctx;
    size_t outstanding;
};

/* Consumer-only properties: a producer built from the same `kafka:` section must not get
 * them (librdkafka would warn about each). */
static int consumer_only(const char *name) {
    static const char *const names[] = {
        "group.id", "group.instance.id", "group.protocol.type", "partition.assignment.strategy",
        "session.timeout.ms", "heartbeat.interval.ms", "coordinator.query.interval.ms",
        "max.poll.interval.ms", "enable.auto.commit", "auto.commit.interval.ms", "enable.auto.offset.store",
        "queued.min.messages", "queued.max.messages.kbytes", "fetch.wait.max.ms", "fetch.message.max.bytes",
        "max.partition.fetch.bytes", "fetch.max.bytes", "fetch.min.bytes", "fetch.error.backoff.ms",
        "fetch.queue.backoff.ms", "isolation.level", "enable.partition.eof", "check.crcs",
        "allow.auto.create.topics", "auto.offset.reset", "offset.store.method", "consume.callback.max.messages",
        "client.rack"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i])) return 1;
    return 0;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    kfb_dead_letter_t *d = opaque;
    d->outstanding--;
    if (m->err)
        d->cb(d->ctx, m->_private, KFB_ERR_IO, rd_kafka_err2str(m->err));
    else
        d->cb(d->ctx, m->_private, KFB_ERR_OK, "");
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    kfb_log_rdkafka(FAC, level, fac, buf);
}

kfb_dead_letter_t *kfb_dead_letter_new(const kfb_config_t *cfg, const char *topic, kfb_dead_letter_cb_t cb,
                                       void *ctx, char *errstr, size_t errstr_size) {
    kfb_dead_letter_t *d = calloc(1, sizeof *d);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char e[512];
    if (!d || !conf || !(d->topic = strdup(topic))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    d->cb = cb;
    d->ctx = ctx;
    for (size_t i = 0; i < kfb_config_kafka_count(cfg); i++) {
        const char *name, *value;
        kfb_config_kafka_property(cfg, i, &name, &value);
        if (consumer_only(name)) continue;
        if (rd_kafka_conf_set(conf, name, value, e, sizeof e) != RD_KAFKA_CONF_OK) {
            snprintf(errstr, errstr_size, "dead-letter producer: kafka property '%s': %s", name, e);
            goto fail;
        }
    }
    /* No duplicates and no reordering on retries; a produce is acknowledged by all replicas. */
    if (rd_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof e) ||
        rd_kafka_conf_set(conf, "acks", "all", e, sizeof e) ||
        rd_kafka_conf_set(conf, "linger.ms", "5", e, sizeof e)) {
        snprintf(errstr, errstr_size, "dead-letter producer: %s", e);
        goto fail;
    }
    rd_kafka_conf_set_opaque(conf, d);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
    if (!d->rk) {
        snprintf(errstr, errstr_size, "cannot create the dead-letter producer: %s", e);
        goto fail;
    }
    return d;
fail:
    if (conf) rd_kafka_conf_destroy(conf);
    if (d) free(d->topic);
    free(d);
    return NULL;
}

void kfb_dead_letter_destroy(kfb_dead_letter_t *d, int timeout_ms) {
    if (!d) return;
    if (d->outstanding) rd_kafka_flush(d->rk, timeout_ms);
    if (d->outstanding) KFB_WARN(FAC, "%zu dead-letter messages were not acknowledged", d->outstanding);
    rd_kafka_destroy(d->rk);
    free(d->topic);
    free(d);
}

static void add_header(rd_kafka_headers_t *h, const char *name, const char *value) {
    rd_kafka_header_add(h, name, -1, value, -1);
}

void kfb_dead_letter_from(const rd_kafka_message_t *msg, kfb_dead_letter_msg_t *out) {
    rd_kafka_timestamp_type_t tt;
    rd_kafka_headers_t *h = NULL;
    *out = (kfb_dead_letter_msg_t){
        .topic = rd_kafka_topic_name(msg->rkt),
        .partition = msg->partition,
        .offset = msg->offset,
        .timestamp = rd_kafka_message_timestamp(msg, &tt),
        .key = msg->key,
        .key_len = msg->key_len,
        .value = msg->payload,
        .value_len = msg->payload ? msg->len : 0,
    };
    if (rd_kafka_message_headers(msg, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) out->headers = h;
}

kfb_err_t kfb_dead_letter_produce(kfb_dead_letter_t *d, const kfb_dead_letter_msg_t *msg,
                                  const kfb_dead_letter_why_t *why, void *opaque) {
    rd_kafka_headers_t *h = msg->headers ? rd_kafka_headers_copy(msg->headers) : rd_kafka_headers_new(9);
    if (!h) return KFB_ERR_NOMEM;
    char num[32];
    add_header(h, "kfb.topic", msg->topic);
    snprintf(num, sizeof num, "%" PRId32, msg->partition);
    add_header(h, "kfb.partition", num);
    snprintf(num, sizeof num, "%" PRId64, msg->offset);
    add_header(h, "kfb.offset", num);
    snprintf(num, sizeof num, "%" PRId64, msg->timestamp);
    add_header(h, "kfb.timestamp", num);
    kfb_confluent_msg_t cm;
    char ignored[8];
    int32_t sid = msg->value && kfb_confluent_parse(msg->value, msg->value_len, NULL, &cm, ignored, sizeof ignored) == KFB_ERR_OK
                      ? cm.schema_id
                      : -1;
    snprintf(num, sizeof num, "%" PRId32, sid);
    add_header(h, "kfb.schema_id", num);
    add_header(h, "kfb.error.class", kfb_err_class_name(kfb_err_class(why->err)));
    add_header(h, "kfb.error.name", kfb_err_name(why->err));
    add_header(h, "kfb.error.message", why->message ? why->message : kfb_err_message(why->err));
    /* the original timestamp, so the dead-letter topic orders like the source */
    rd_kafka_resp_err_t err = rd_kafka_producev(
        d->rk, RD_KAFKA_V_TOPIC(d->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(msg->key, msg->key_len), RD_KAFKA_V_VALUE((void *)msg->value, msg->value_len),
        RD_KAFKA_V_TIMESTAMP(msg->timestamp > 0 ? msg->timestamp : 0), RD_KAFKA_V_HEADERS(h),
        RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (err) {
        rd_kafka_headers_destroy(h); /* not taken over on failure */
        return err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? KFB_ERR_RPC_QUEUE_FULL : KFB_ERR_IO;
    }
    d->outstanding++;
    return KFB_ERR_OK;
}

void kfb_dead_letter_poll(kfb_dead_letter_t *d, int timeout_ms) { rd_kafka_poll(d->rk, timeout_ms); }

size_t kfb_dead_letter_outstanding(const kfb_dead_letter_t *d) { return d->outstanding; }
