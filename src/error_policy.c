/*
 * error_policy.c - what happens to a message the bridge cannot write (errors.policy):
 *   fail         stop; nothing past the message is committed (bridge.c / replay.c)
 *   skip         log it (rate-limited) and count it; its offset is released at once
 *   dead_letter  produce it to errors.dead_letter_topic (dead_letter.h); its offset is
 *                released only when that produce is acknowledged
 * and errors.max_per_minute: a flood of failing messages stops the bridge.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bridge_internal.h"
#include "logging.h"

#define FAC "bridge"
#define ERRLOG_WINDOW_MS 10000
#define ERRLOG_BURST 10
#define QUEUE_FULL_WAIT_MS 30000

/* A dead-letter produce in flight: what its acknowledgement releases. */
typedef struct pending_dlq {
    mapping_rt_t *m;
    kfb_offsets_t *o; /* a consumed message's hold (o, h) ... */
    kfb_hold_t h;
    kfb_ticket_t *solo; /* ... or a solo batch's ticket with its holds */
    struct pending_dlq *prev, *next;
} pending_dlq_t;

int kfb_bridge_count_error(kfb_bridge_t *b) {
    if (b->max_errors_per_minute <= 0) return 0;
    int64_t now = kfb_bridge_now_ms();
    if (now - b->err_window_start >= 60000) {
        b->err_window_start = now;
        b->err_window_count = 0;
    }
    if (++b->err_window_count <= b->max_errors_per_minute) return 0;
    kfb_bridge_fatal(b,
                     "more than %" PRId64 " messages failed within a minute (errors.max_per_minute); stopping: "
                     "the producer or the mapping is likely broken (see the errors above)",
                     b->max_errors_per_minute);
    return 1;
}

void kfb_bridge_log_error(kfb_bridge_t *b, const char *fmt, ...) {
    int64_t now = kfb_bridge_now_ms();
    if (now - b->errlog_window_start >= ERRLOG_WINDOW_MS) {
        if (b->errlog_suppressed)
            KFB_WARN(FAC, "%d more failed messages in the last %d s (not logged one by one)", b->errlog_suppressed,
                     ERRLOG_WINDOW_MS / 1000);
        b->errlog_window_start = now;
        b->errlog_count = 0;
        b->errlog_suppressed = 0;
    }
    if (b->errlog_count++ >= ERRLOG_BURST) {
        b->errlog_suppressed++;
        return;
    }
    char line[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    KFB_WARN(FAC, "%s", line);
}

static void pending_link(kfb_bridge_t *b, pending_dlq_t *x) {
    x->prev = NULL;
    x->next = b->pending_dlq;
    if (b->pending_dlq) b->pending_dlq->prev = x;
    b->pending_dlq = x;
    b->n_pending_dlq++;
}

static void pending_unlink(kfb_bridge_t *b, pending_dlq_t *x) {
    if (x->prev) x->prev->next = x->next;
    else b->pending_dlq = x->next;
    if (x->next) x->next->prev = x->prev;
    b->n_pending_dlq--;
}

kfb_err_t kfb_bridge_dead_letter(kfb_bridge_t *b, mapping_rt_t *m, part_t *p, const rd_kafka_message_t *km,
                                 kfb_ticket_t *solo, const kfb_dead_letter_why_t *why) {
    pending_dlq_t *x = calloc(1, sizeof *x);
    if (!x) {
        kfb_bridge_fatal(b, "out of memory");
        return KFB_ERR_NOMEM;
    }
    x->m = m;
    kfb_dead_letter_msg_t dm;
    if (km) {
        kfb_err_t e = kfb_offsets_hold(p->off, km->offset, &x->h);
        if (e) {
            free(x);
            kfb_bridge_fatal(b, "offset tracking failed at %s [%d] offset %" PRId64 ": %s", p->topic,
                             (int)p->partition, km->offset, kfb_err_name(e));
            return e;
        }
        x->o = p->off;
        kfb_dead_letter_from(km, &dm);
    } else {
        const kfb_solo_msg_t *s = solo->msg;
        x->solo = solo;
        dm = (kfb_dead_letter_msg_t){s->topic, s->partition, s->offset, s->timestamp, s->key, s->value,
                                     s->key_len, s->value_len, s->headers};
    }
    /* librdkafka's queue is large; if it is full, serve its acknowledgements and try
     * again for a while rather than give up on the message */
    kfb_err_t e;
    int64_t until = kfb_bridge_now_ms() + QUEUE_FULL_WAIT_MS;
    while ((e = kfb_dead_letter_produce(b->dlq, &dm, why, x)) == KFB_ERR_RPC_QUEUE_FULL &&
           kfb_bridge_now_ms() < until)
        kfb_dead_letter_poll(b->dlq, 100);
    if (e) {
        if (x->o) kfb_offsets_fail(x->o, x->h);
        free(x);
        kfb_bridge_fatal(b, "cannot produce to the dead-letter topic: %s; stopping (the message at %s [%d] offset %" PRId64
                            " is not committed)",
                         kfb_err_message(e), dm.topic, (int)dm.partition, dm.offset);
        return e;
    }
    pending_link(b, x);
    kfb_bridge_log_error(b, "dead-lettered: %s", why->message);
    return KFB_ERR_OK;
}

void kfb_bridge_dead_letter_done(kfb_bridge_t *b, void *opaque, kfb_err_t err, const char *why) {
    pending_dlq_t *x = opaque;
    pending_unlink(b, x);
    kfb_ticket_t *t = x->solo;
    if (!err) {
        x->m->st.dead_lettered++;
        kfb_counter_inc(x->m->mm->dead_lettered);
        if (x->o) kfb_offsets_release(x->o, x->h);
        for (size_t i = 0; t && i < t->n_holds; i++) kfb_offsets_release(t->holds[i].o, t->holds[i].h);
    } else {
        if (x->o) kfb_offsets_fail(x->o, x->h);
        for (size_t i = 0; t && i < t->n_holds; i++) kfb_offsets_fail(t->holds[i].o, t->holds[i].h);
        kfb_bridge_fatal(b, "the dead-letter topic did not take a message: %s; stopping (its offset is not committed)",
                         why);
    }
    if (t) {
        t->n_holds = 0;
        kfb_acc_ticket_free(t);
    }
    free(x);
}

void kfb_bridge_pending_free(kfb_bridge_t *b) {
    /* produces that were never acknowledged (destroy after a timeout): their holds fail */
    for (pending_dlq_t *x = b->pending_dlq, *n; x; x = n) {
        n = x->next;
        if (x->o) kfb_offsets_fail(x->o, x->h);
        kfb_ticket_t *t = x->solo;
        for (size_t i = 0; t && i < t->n_holds; i++) kfb_offsets_fail(t->holds[i].o, t->holds[i].h);
        if (t) {
            t->n_holds = 0;
            kfb_acc_ticket_free(t);
        }
        free(x);
    }
    b->pending_dlq = NULL;
    b->n_pending_dlq = 0;
}
