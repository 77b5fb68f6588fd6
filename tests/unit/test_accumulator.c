/* test_accumulator.c - open batches per slot, sealing rules and seal order, tickets and their
 * holds (accumulator.h). */
#include "accumulator.h"
#include "harness.h"
#include "kv_batch.h"
#include "offset_tracker.h"

static kfb_acc_t *acc_new(int partitioned, int32_t buckets, size_t max_bytes, int64_t linger) {
    char e[256];
    kfb_acc_conf_t c = {partitioned, buckets, max_bytes, 4 * max_bytes, linger};
    kfb_acc_t *a = kfb_acc_new(&c, e, sizeof e);
    if (!a) fprintf(stderr, "%s\n", e);
    return a;
}

static const uint8_t KEY[] = {1, 2, 3};
static const uint8_t VAL[] = {9, 9, 9, 9};

static kfb_kv_batch_builder_t *open_(kfb_acc_t *a, const char *part, int32_t bucket, int32_t schema, uint32_t tag,
                                     kfb_kv_batch_builder_t *prev, int solo, int64_t now) {
    kfb_kv_batch_builder_t *b = prev;
    kfb_err_t e = kfb_acc_open(a, part, bucket, schema, tag, NULL, 0, solo, now, &b);
    if (e) return NULL;
    return b;
}

TEST(acc_open_returns_the_slots_open_batch_until_it_is_sealed) {
    kfb_acc_t *a = acc_new(0, 4, 1024, 100);
    kfb_kv_batch_builder_t *b = open_(a, NULL, 2, 1, 0, NULL, 0, 0);
    ASSERT_TRUE(b != NULL);
    ASSERT_EQ_INT(kfb_kv_batch_schema_id(b), 1);
    size_t n;
    kfb_kv_batch_builder_t **fast = kfb_acc_fast_batches(a, &n);
    ASSERT_EQ_INT(n, 4);
    ASSERT_EQ_PTR(fast[2], b);
    ASSERT_TRUE(fast[1] == NULL);
    ASSERT_OK(kfb_kv_batch_append(b, KEY, 3, VAL, 4));
    ASSERT_EQ_PTR(open_(a, NULL, 2, 1, 0, NULL, 0, 1), b); /* same schema and tag: same batch */
    /* full: handed back, sealed, a fresh one opened */
    kfb_kv_batch_builder_t *c = open_(a, NULL, 2, 1, 0, b, 0, 2);
    ASSERT_TRUE(c != NULL && c != b);
    ASSERT_EQ_PTR(fast[2], c);
    ASSERT_EQ_INT(kfb_acc_sealed_count(a), 1);
    const uint8_t *bytes;
    size_t len;
    kfb_ticket_t *t;
    ASSERT_TRUE(kfb_acc_peek_sealed(a, &bytes, &len, &t));
    ASSERT_EQ_INT(t->records, 1);
    ASSERT_EQ_INT(t->bucket, 2);
    ASSERT_EQ_INT(len, KFB_KV_BATCH_HEADER_SIZE + kfb_kv_record_size(3, 4));
    char e[128];
    ASSERT_OK(kfb_kv_batch_validate(bytes, len, e, sizeof e));
    kfb_acc_submitted(a);
    kfb_acc_ticket_free(t);
    ASSERT_EQ_INT(kfb_acc_sealed_count(a), 0);
    kfb_acc_destroy(a);
}

TEST(acc_another_schema_or_tag_seals_the_open_batch) {
    kfb_acc_t *a = acc_new(0, 1, 1024, 100);
    kfb_kv_batch_builder_t *b = open_(a, NULL, 0, 1, 0, NULL, 0, 0);
    ASSERT_OK(kfb_kv_batch_append(b, KEY, 3, VAL, 4));
    kfb_kv_batch_builder_t *c = open_(a, NULL, 0, 2, 0, NULL, 0, 0); /* ALTER TABLE: schema 2 */
    ASSERT_EQ_INT(kfb_kv_batch_schema_id(c), 2);
    ASSERT_EQ_INT(kfb_acc_sealed_count(a), 1);
    ASSERT_OK(kfb_kv_batch_append(c, KEY, 3, VAL, 4));
    kfb_kv_batch_builder_t *d = open_(a, NULL, 0, 2, 7, NULL, 0, 0); /* another target set */
    ASSERT_EQ_INT(kfb_kv_batch_tag(d), 7);
    ASSERT_EQ_INT(kfb_acc_sealed_count(a), 2);
    /* an empty batch that gets sealed is not sent */
    open_(a, NULL, 0, 2, 0, NULL, 0, 0);
    ASSERT_EQ_INT(kfb_acc_sealed_count(a), 2);
    /* seal order is fill order */
    const uint8_t *bytes;
    size_t len;
    kfb_ticket_t *t;
    ASSERT_TRUE(kfb_acc_peek_sealed(a, &bytes, &len, &t));
    ASSERT_EQ_INT(t->schema_id, 1);
    kfb_acc_submitted(a);
    kfb_acc_ticket_free(t);
    ASSERT_TRUE(kfb_acc_peek_sealed(a, &bytes, &len, &t));
    ASSERT_EQ_INT(t->schema_id, 2);
    kfb_acc_submitted(a);
    kfb_acc_ticket_free(t);
    kfb_acc_destroy(a);
}

TEST(acc_a_record_larger_than_max_bytes_gets_a_batch_of_its_own) {
    kfb_acc_t *a = acc_new(0, 2, 256, 100);
    kfb_kv_batch_builder_t *b = open_(a, NULL, 1, 1, 0, NULL, 0, 0);
    uint8_t big[600] = {1};
    ASSERT_ERR(kfb_kv_batch_append(b, KEY, 3, big, sizeof big), KFB_ERR_BATCH_FULL);
    /* the empty batch handed back: one sized for the record alone */
    kfb_kv_batch_builder_t *l = open_(a, NULL, 1, 1, 0, b, 0, 0);
    ASSERT_TRUE(l != NULL && l != b);
    ASSERT_EQ_INT(kfb_kv_batch_write_limit(l), 4 * 256);
    size_t n;
    ASSERT_TRUE(kfb_acc_fast_batches(a, &n)[1] == NULL); /* nothing else joins it */
    ASSERT_OK(kfb_kv_batch_append(l, KEY, 3, big, sizeof big));
    /* the next record of the bucket seals it */
    kfb_kv_batch_builder_t *c = open_(a, NULL, 1, 1, 0, NULL, 0, 0);
    ASSERT_TRUE(c != l);
    ASSERT_EQ_INT(kfb_acc_sealed_count(a), 1);
    /* too large even for that: the same empty large batch comes back (RECORD_TOO_LARGE) */
    uint8_t huge[2000] = {2};
    ASSERT_ERR(kfb_kv_batch_append(c, KEY, 3, huge, sizeof huge), KFB_ERR_BATCH_FULL);
    kfb_kv_batch_builder_t *l2 = open_(a, NULL, 1, 1, 0, c, 0, 0);
    ASSERT_ERR(kfb_kv_batch_append(l2, KEY, 3, huge, sizeof huge), KFB_ERR_BATCH_FULL);
    ASSERT_EQ_PTR(open_(a, NULL, 1, 1, 0, l2, 0, 0), l2);
    kfb_acc_seal_all(a, 0);
    const uint8_t *bytes;
    size_t len;
    kfb_ticket_t *t;
    ASSERT_TRUE(kfb_acc_peek_sealed(a, &bytes, &len, &t));
    ASSERT_TRUE(t->solo);
    ASSERT_EQ_INT(t->records, 1);
    kfb_acc_submitted(a);
    kfb_acc_ticket_free(t);
    ASSERT_EQ_INT(kfb_acc_sealed_count(a), 0); /* the empty ones were never queued */
    kfb_acc_destroy(a);
}

TEST(acc_linger_seals_the_oldest_batches_first) {
    kfb_acc_t *a = acc_new(0, 3, 1024, 100);
    kfb_kv_batch_builder_t *b0 = open_(a, NULL, 0, 1, 0, NULL, 0, 1000);
    kfb_kv_batch_builder_t *b1 = open_(a, NULL, 1, 1, 0, NULL, 0, 1050);
    ASSERT_OK(kfb_kv_batch_append(b0, KEY, 3, VAL, 4));
    ASSERT_OK(kfb_kv_batch_append(b1, KEY, 3, VAL, 4));
    ASSERT_EQ_INT(kfb_acc_next_due(a), 1100);
    ASSERT_EQ_INT(kfb_acc_seal_due(a, 1099), 0);
    ASSERT_EQ_INT(kfb_acc_seal_due(a, 1100), 1);
    ASSERT_EQ_INT(kfb_acc_next_due(a), 1150);
    ASSERT_EQ_INT(kfb_acc_seal_due(a, 2000), 1);
    ASSERT_EQ_INT(kfb_acc_next_due(a), INT64_MAX);
    const uint8_t *bytes;
    size_t len;
    kfb_ticket_t *t;
    for (int want = 0; want < 2; want++) {
        ASSERT_TRUE(kfb_acc_peek_sealed(a, &bytes, &len, &t));
        ASSERT_EQ_INT(t->bucket, want);
        kfb_acc_submitted(a);
        kfb_acc_ticket_free(t);
    }
    kfb_acc_destroy(a);
}

TEST(acc_solo_and_careful_slots_bypass_the_fast_array) {
    kfb_acc_t *a = acc_new(0, 2, 1024, 100);
    size_t n;
    kfb_kv_batch_builder_t **fast = kfb_acc_fast_batches(a, &n);
    kfb_kv_batch_builder_t *b = open_(a, NULL, 0, 1, 0, NULL, 0, 0);
    ASSERT_EQ_PTR(fast[0], b);
    kfb_acc_set_careful(a, NULL, 0, 1);
    ASSERT_TRUE(fast[0] == NULL);
    ASSERT_OK(kfb_kv_batch_append(b, KEY, 3, VAL, 4));
    kfb_kv_batch_builder_t *s = open_(a, NULL, 0, 1, 0, NULL, 1, 0); /* solo: seals b */
    ASSERT_TRUE(s != b);
    ASSERT_OK(kfb_kv_batch_append(s, KEY, 3, VAL, 4));
    kfb_kv_batch_builder_t *s2 = open_(a, NULL, 0, 1, 0, NULL, 1, 0); /* the next solo seals s */
    ASSERT_TRUE(s2 != s);
    ASSERT_EQ_INT(kfb_acc_sealed_count(a), 2);
    ASSERT_OK(kfb_kv_batch_append(s2, KEY, 3, VAL, 4));
    kfb_acc_seal_solo(a, 0);
    ASSERT_EQ_INT(kfb_acc_sealed_count(a), 3);
    kfb_acc_set_careful(a, NULL, 0, 0);
    kfb_kv_batch_builder_t *c = open_(a, NULL, 0, 1, 0, NULL, 0, 0);
    ASSERT_EQ_PTR(fast[0], c);
    kfb_acc_seal_all(a, 0);
    const uint8_t *bytes;
    size_t len;
    kfb_ticket_t *t;
    int solos = 0;
    while (kfb_acc_peek_sealed(a, &bytes, &len, &t)) {
        solos += t->solo;
        kfb_acc_submitted(a);
        kfb_acc_ticket_free(t);
    }
    ASSERT_EQ_INT(solos, 2);
    kfb_acc_destroy(a);
}

TEST(acc_partitioned_slots_are_per_partition_and_bucket) {
    kfb_acc_t *a = acc_new(1, 2, 1024, 100);
    size_t n;
    ASSERT_TRUE(kfb_acc_fast_batches(a, &n) == NULL && n == 0);
    kfb_kv_batch_builder_t *x = open_(a, "2024", 1, 1, 0, NULL, 0, 0);
    kfb_kv_batch_builder_t *y = open_(a, "2025", 1, 1, 0, NULL, 0, 0);
    ASSERT_TRUE(x && y && x != y);
    ASSERT_EQ_PTR(open_(a, "2024", 1, 1, 0, NULL, 0, 0), x);
    kfb_kv_batch_builder_t *z = NULL;
    ASSERT_ERR(kfb_acc_open(a, NULL, 1, 1, 0, NULL, 0, 0, 0, &z), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_acc_open(a, "2024", 2, 1, 0, NULL, 0, 0, 0, &z), KFB_ERR_INVALID_ARG);
    /* many partitions: the slot table grows */
    char name[16];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "p%d", i);
        kfb_kv_batch_builder_t *b = open_(a, name, i % 2, 1, 0, NULL, 0, 0);
        ASSERT_TRUE(b != NULL);
        ASSERT_OK(kfb_kv_batch_append(b, KEY, 3, VAL, 4));
    }
    ASSERT_OK(kfb_kv_batch_append(x, KEY, 3, VAL, 4));
    kfb_acc_seal_all(a, 0);
    const uint8_t *bytes;
    size_t len;
    kfb_ticket_t *t;
    int seen = 0, x_seen = 0;
    while (kfb_acc_peek_sealed(a, &bytes, &len, &t)) {
        seen++;
        x_seen += !strcmp(t->partition, "2024");
        kfb_acc_submitted(a);
        kfb_acc_ticket_free(t);
    }
    ASSERT_EQ_INT(seen, 301);
    ASSERT_EQ_INT(x_seen, 1);
    kfb_acc_destroy(a);
}

TEST(acc_tickets_hold_each_partition_once_and_follow_their_builder) {
    kfb_acc_t *a = acc_new(0, 1, 1024, 100);
    kfb_offsets_t *p0 = kfb_offsets_new(10), *p1 = kfb_offsets_new(0);
    kfb_kv_batch_builder_t *b = open_(a, NULL, 0, 1, 0, NULL, 0, 0);
    kfb_ticket_t *t = kfb_acc_ticket_of(a, b);
    ASSERT_TRUE(t != NULL);
    ASSERT_OK(kfb_ticket_hold(t, p0, NULL, 10));
    ASSERT_OK(kfb_ticket_hold(t, p1, NULL, 3));
    ASSERT_OK(kfb_ticket_hold(t, p0, NULL, 12));
    ASSERT_EQ_INT(t->n_holds, 2);
    ASSERT_EQ_INT(t->holds[0].first, 10);
    ASSERT_EQ_INT(t->holds[0].last, 12);
    kfb_offsets_consumed(p0, 12);
    kfb_offsets_consumed(p1, 3);
    ASSERT_EQ_INT(kfb_offsets_committable(p0), 10);
    ASSERT_OK(kfb_kv_batch_append(b, KEY, 3, VAL, 4));
    kfb_acc_seal_all(a, 0);
    const uint8_t *bytes;
    size_t len;
    kfb_ticket_t *st;
    ASSERT_TRUE(kfb_acc_peek_sealed(a, &bytes, &len, &st));
    ASSERT_EQ_PTR(st, t);
    kfb_acc_submitted(a);
    /* the builder is reused for the next batch with a new ticket */
    kfb_kv_batch_builder_t *b2 = open_(a, NULL, 0, 1, 0, NULL, 0, 0);
    ASSERT_EQ_PTR(b2, b);
    ASSERT_TRUE(kfb_acc_ticket_of(a, b2) != t);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b2), 0);
    /* the acknowledgement releases both partitions */
    for (size_t i = 0; i < t->n_holds; i++) kfb_offsets_release(t->holds[i].o, t->holds[i].h);
    kfb_acc_ticket_free(t);
    ASSERT_EQ_INT(kfb_offsets_committable(p0), 13);
    ASSERT_EQ_INT(kfb_offsets_committable(p1), 4);
    /* a ticket still with the client at destroy fails its holds (retired trackers go) */
    kfb_ticket_t *t2 = kfb_acc_ticket_of(a, b2);
    ASSERT_OK(kfb_ticket_hold(t2, p0, NULL, 13));
    kfb_offsets_retire(p0);
    kfb_offsets_retire(p1);
    kfb_acc_destroy(a); /* ASan: p0 freed here, nothing leaks */
}
