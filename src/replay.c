/*
 * replay.c - finding the records Fluss rejects without reordering anyone's updates.
 *
 * When Fluss rejects a batch for one of its records (record too large, deletes disabled,
 * a bad target column, a missing partition that may not be created, ...), the other
 * records of that batch were not applied either, while later batches of the same bucket
 * may already have been. The bridge then replays (bridge.c: drain, seek back to each
 * partition's committable offset, consume again) and, for the range of Kafka offsets the
 * rejected batch held, writes that bucket's records one per batch ("careful" ranges).
 * A one-record batch that Fluss rejects names its message exactly: errors.policy applies
 * to it (fail stops, skip drops it, dead_letter produces the copy the batch kept), and
 * the rest are written in Kafka order, behind it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_internal.h"
#include "logging.h"

#define FAC "bridge"

static int same_name(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static int slot_has_entries(const mapping_rt_t *m, const char *partition, int32_t bucket) {
    for (size_t i = 0; i < m->n_careful; i++)
        if (m->careful[i].bucket == bucket && same_name(m->careful[i].partition, partition)) return 1;
    return 0;
}

static void entry_free(careful_t *c) {
    free(c->partition);
    free(c->topic);
}

static void remove_at(mapping_rt_t *m, size_t i) {
    careful_t gone = m->careful[i];
    m->careful[i] = m->careful[--m->n_careful];
    if (!slot_has_entries(m, gone.partition, gone.bucket)) kfb_acc_set_careful(m->acc, gone.partition, gone.bucket, 0);
    entry_free(&gone);
}

void kfb_bridge_careful_add(kfb_bridge_t *b, mapping_rt_t *m, const kfb_ticket_t *t) {
    for (size_t h = 0; h < t->n_holds; h++) {
        const part_t *p = t->holds[h].part;
        careful_t *c = NULL;
        for (size_t i = 0; i < m->n_careful && !c; i++)
            if (m->careful[i].bucket == t->bucket && same_name(m->careful[i].partition, t->partition) &&
                m->careful[i].kpartition == p->partition && !strcmp(m->careful[i].topic, p->topic))
                c = &m->careful[i];
        if (!c) {
            careful_t *n = realloc(m->careful, (m->n_careful + 1) * sizeof *n);
            if (!n) {
                kfb_bridge_fatal(b, "out of memory");
                return;
            }
            m->careful = n;
            c = &m->careful[m->n_careful];
            *c = (careful_t){t->partition ? strdup(t->partition) : NULL, t->bucket, strdup(p->topic), p->partition, -1};
            if (!c->topic || (t->partition && !c->partition)) {
                entry_free(c);
                kfb_bridge_fatal(b, "out of memory");
                return;
            }
            m->n_careful++;
        }
        if (t->holds[h].last > c->last) c->last = t->holds[h].last;
    }
    kfb_acc_set_careful(m->acc, t->partition, t->bucket, 1);
}

int kfb_bridge_careful_match(kfb_bridge_t *b, mapping_rt_t *m, const char *partition, int32_t bucket,
                             const kfb_origin_t *origin) {
    (void)b;
    for (size_t i = 0; i < m->n_careful; i++) {
        const careful_t *c = &m->careful[i];
        if (c->bucket == bucket && c->kpartition == origin->partition && origin->offset <= c->last &&
            same_name(c->partition, partition) && !strcmp(c->topic, origin->topic))
            return 1;
    }
    return 0;
}

void kfb_bridge_careful_passed(kfb_bridge_t *b, part_t *p, int64_t offset) {
    (void)b;
    mapping_rt_t *m = p->map;
    for (size_t i = 0; i < m->n_careful;) {
        careful_t *c = &m->careful[i];
        if (c->kpartition == p->partition && c->last <= offset && !strcmp(c->topic, p->topic)) {
            KFB_INFO(FAC, "%s [%d]: past the carefully written range (up to offset %" PRId64 ")", p->topic,
                     (int)p->partition, c->last);
            remove_at(m, i);
        } else {
            i++;
        }
    }
}

void kfb_bridge_careful_forget(kfb_bridge_t *b, part_t *p) {
    (void)b;
    mapping_rt_t *m = p->map;
    for (size_t i = 0; i < m->n_careful;) {
        careful_t *c = &m->careful[i];
        if (c->kpartition == p->partition && !strcmp(c->topic, p->topic)) remove_at(m, i);
        else i++;
    }
}

void kfb_bridge_careful_clear(mapping_rt_t *m) {
    for (size_t i = 0; i < m->n_careful; i++) entry_free(&m->careful[i]);
    free(m->careful);
    m->careful = NULL;
    m->n_careful = 0;
}

kfb_solo_msg_t *kfb_bridge_solo_copy(const rd_kafka_message_t *km) {
    kfb_solo_msg_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    rd_kafka_timestamp_type_t tt;
    s->topic = strdup(rd_kafka_topic_name(km->rkt));
    s->partition = km->partition;
    s->offset = km->offset;
    s->timestamp = rd_kafka_message_timestamp(km, &tt);
    if (km->key && (s->key = malloc(km->key_len ? km->key_len : 1))) {
        memcpy(s->key, km->key, km->key_len);
        s->key_len = km->key_len;
    }
    if (km->payload && (s->value = malloc(km->len ? km->len : 1))) {
        memcpy(s->value, km->payload, km->len);
        s->value_len = km->len;
    }
    rd_kafka_headers_t *h = NULL;
    if (rd_kafka_message_headers(km, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h) s->headers = rd_kafka_headers_copy(h);
    if (!s->topic || (km->key && !s->key) || (km->payload && !s->value)) {
        kfb_solo_msg_free(s);
        return NULL;
    }
    return s;
}

void kfb_bridge_solo_rejected(kfb_bridge_t *b, mapping_rt_t *m, kfb_ticket_t *t, int32_t fluss_error,
                              const char *text) {
    m->st.errors++;
    kfb_counter_inc(m->mm->errors_write);
    if (b->policy == KFB_ERROR_POLICY_FAIL) {
        for (size_t i = 0; i < t->n_holds; i++) kfb_offsets_fail(t->holds[i].o, t->holds[i].h);
        t->n_holds = 0;
        kfb_bridge_fatal(b,
                         "%s (errors.policy is fail: nothing past this message is committed; change the table "
                         "or the message, or set errors.policy to skip or dead_letter)",
                         text);
        kfb_acc_ticket_free(t);
        return;
    }
    if (kfb_bridge_count_error(b)) {
        for (size_t i = 0; i < t->n_holds; i++) kfb_offsets_fail(t->holds[i].o, t->holds[i].h);
        t->n_holds = 0;
        kfb_acc_ticket_free(t);
        return;
    }
    if (b->policy == KFB_ERROR_POLICY_SKIP) {
        m->st.skipped++;
        kfb_counter_inc(m->mm->skipped);
        kfb_bridge_log_error(b, "skipped: %s", text);
        for (size_t i = 0; i < t->n_holds; i++) kfb_offsets_release(t->holds[i].o, t->holds[i].h);
        t->n_holds = 0;
        kfb_acc_ticket_free(t);
        return;
    }
    (void)fluss_error;
    /* the record's problem, not the bridge's: class record, like the mapper's refusals */
    kfb_dead_letter_why_t why = {KFB_ERR_FLUSS_RECORD_REJECTED, text};
    /* the ticket (and its holds) now waits for the dead-letter produce */
    if (kfb_bridge_dead_letter(b, m, NULL, NULL, t, &why)) {
        for (size_t i = 0; i < t->n_holds; i++) kfb_offsets_fail(t->holds[i].o, t->holds[i].h);
        t->n_holds = 0;
        kfb_acc_ticket_free(t);
    }
}
