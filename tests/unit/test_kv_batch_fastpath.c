/* test_kv_batch_fastpath.c - kfb_kv_batch_append's fast path (src/kv_batch.c) against the
 * batch layout restated independently here (DefaultKvRecordBatch.java / DefaultKvRecord.java,
 * fluss-protocol.md §9.1-§9.3: le32 length, uvarint key length, key, value; header fields
 * little-endian; CRC-32C over [9, end) computed bit by bit below), at every boundary where
 * the fast path hands over to the checked path: key length 127/128, value sizes around the
 * 16-byte copy steps, exact fits, state changes, the record-count limit, and buffer growth
 * past the up-front reservation; the same for begin_record. */
#include "kv_batch.h"

#include "bytes.h"
#include "harness.h"
#include "kv_batch_test.h"

static uint32_t bitwise_crc32c(const uint8_t *p, size_t n) {
    uint32_t reg = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        reg ^= p[i];
        for (int k = 0; k < 8; k++) reg = (reg & 1) ? (reg >> 1) ^ 0x82F63B78u : reg >> 1;
    }
    return ~reg;
}

/* An independent, deliberately plain writer of the expected bytes. */
typedef struct {
    uint8_t *p;
    size_t len, cap;
    int32_t count;
} expect_t;

static void ex_byte(expect_t *e, uint8_t v) {
    if (e->len == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 256;
        e->p = realloc(e->p, e->cap);
        if (!e->p) kfb_test_fail();
    }
    e->p[e->len++] = v;
}

static void ex_le(expect_t *e, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) ex_byte(e, (uint8_t)(v >> (8 * i)));
}

static void ex_init(expect_t *e) {
    memset(e, 0, sizeof(*e));
    for (int i = 0; i < 28; i++) ex_byte(e, 0);
}

static void ex_record(expect_t *e, const uint8_t *key, size_t key_len, const uint8_t *value,
                      size_t value_len) {
    size_t varint = key_len < 128 ? 1 : key_len < 16384 ? 2 : 3;
    ex_le(e, (uint64_t)(varint + key_len + value_len), 4);
    size_t k = key_len;
    while (k >= 128) {
        ex_byte(e, (uint8_t)(k | 0x80));
        k >>= 7;
    }
    ex_byte(e, (uint8_t)k);
    for (size_t i = 0; i < key_len; i++) ex_byte(e, key[i]);
    for (size_t i = 0; i < value_len; i++) ex_byte(e, value[i]);
    e->count++;
}

/* Header: length, magic 0, crc, schema id, attributes 0, writer id, sequence, count. */
static void ex_finish(expect_t *e, int16_t schema_id, int64_t writer_id, int32_t seq) {
    uint8_t *p = e->p;
    uint32_t length = (uint32_t)(e->len - 4);
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(length >> (8 * i));
    p[4] = 0;
    p[9] = (uint8_t)schema_id;
    p[10] = (uint8_t)((uint16_t)schema_id >> 8);
    p[11] = 0;
    for (int i = 0; i < 8; i++) p[12 + i] = (uint8_t)((uint64_t)writer_id >> (8 * i));
    for (int i = 0; i < 4; i++) p[20 + i] = (uint8_t)((uint32_t)seq >> (8 * i));
    for (int i = 0; i < 4; i++) p[24 + i] = (uint8_t)((uint32_t)e->count >> (8 * i));
    uint32_t crc = bitwise_crc32c(p + 9, e->len - 9);
    for (int i = 0; i < 4; i++) p[5 + i] = (uint8_t)(crc >> (8 * i));
}

static void assert_built_equals(kfb_kv_batch_builder_t *b, expect_t *e, int16_t schema_id) {
    ex_finish(e, schema_id, kfb_kv_batch_writer_id(b), kfb_kv_batch_batch_sequence(b));
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_MEMEQ(p, n, e->p, e->len);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), e->count);
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), e->len);
}

static uint8_t *pattern(size_t n, unsigned seed) {
    uint8_t *p = malloc(n ? n : 1);
    if (!p) kfb_test_fail();
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
    return p;
}

TEST(fastpath_every_size_boundary_matches_layout) {
    static const size_t key_lens[] = {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 100, 127, 128, 129,
                                      300, 16383, 16384};
    static const size_t value_lens[] = {1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33,
                                        100, 255, 256, 257, 1000, 4096};
    kfb_kv_batch_builder_t *b = new_builder(513, 4u << 20);
    kfb_kv_batch_set_writer_state(b, 0x0102030405060708LL, 77);
    expect_t e;
    ex_init(&e);
    unsigned seed = 1;
    for (size_t i = 0; i < sizeof(key_lens) / sizeof(key_lens[0]); i++) {
        for (size_t j = 0; j < sizeof(value_lens) / sizeof(value_lens[0]); j++) {
            if (key_lens[i] > 300 && value_lens[j] > 100) continue; /* keep the batch small */
            uint8_t *k = pattern(key_lens[i], seed++), *v = pattern(value_lens[j], seed++);
            ASSERT_OK(kfb_kv_batch_append(b, k, key_lens[i], v, value_lens[j]));
            ex_record(&e, k, key_lens[i], v, value_lens[j]);
            free(k);
            free(v);
        }
    }
    /* an empty key given as NULL, and deletes, interleaved with fast-path records */
    uint8_t *v = pattern(50, 99);
    ASSERT_OK(kfb_kv_batch_append(b, NULL, 0, v, 50));
    ex_record(&e, NULL, 0, v, 50);
    ASSERT_OK(kfb_kv_batch_append(b, v, 8, NULL, 0));
    ex_record(&e, v, 8, NULL, 0);
    ASSERT_OK(kfb_kv_batch_append(b, v, 8, v + 8, 42));
    ex_record(&e, v, 8, v + 8, 42);
    free(v);
    assert_built_equals(b, &e, 513);
    free(e.p);
    kfb_kv_batch_builder_destroy(b);
}

/* A record that fills the write limit exactly is accepted; one byte more is BATCH_FULL and
 * leaves the bytes unchanged, including when the value alone would still fit. */
TEST(fastpath_exact_fit_and_one_over) {
    uint8_t key[8], val[200];
    memset(key, 0x11, sizeof(key));
    memset(val, 0x22, sizeof(val));
    /* header 28 + record (4 + 1 + 8 + 100) + record (4 + 1 + 8 + 50) */
    kfb_kv_batch_builder_t *b = new_builder(1, 28 + 113 + 63);
    expect_t e;
    ex_init(&e);
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 100));
    ex_record(&e, key, 8, val, 100);
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, val, 51), KFB_ERR_BATCH_FULL); /* 64 > 63 */
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, val, 63), KFB_ERR_BATCH_FULL); /* value == room */
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, val, 64), KFB_ERR_BATCH_FULL);
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, val, SIZE_MAX), KFB_ERR_BATCH_FULL);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 1);
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 50));
    ex_record(&e, key, 8, val, 50);
    ASSERT_ERR(kfb_kv_batch_append(b, key, 0, val, 1), KFB_ERR_BATCH_FULL);
    assert_built_equals(b, &e, 1);
    free(e.p);
    kfb_kv_batch_builder_destroy(b);
}

TEST(fastpath_rejects_bad_arguments_unchanged) {
    uint8_t key[8] = {1, 2, 3, 4, 5, 6, 7, 8}, val[16] = {9};
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    expect_t e;
    ex_init(&e);
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 16));
    ex_record(&e, key, 8, val, 16);
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, val, 0), KFB_ERR_INVALID_ARG);   /* empty row */
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, NULL, 16), KFB_ERR_INVALID_ARG); /* no pointer */
    ASSERT_ERR(kfb_kv_batch_append(b, NULL, 8, val, 16), KFB_ERR_INVALID_ARG); /* no key */
    assert_built_equals(b, &e, 1);
    free(e.p);
    kfb_kv_batch_builder_destroy(b);
}

/* The fast path must see every state that forbids appends, and resume after reset. */
TEST(fastpath_follows_builder_state) {
    uint8_t key[8] = {1}, val[100] = {2};
    kfb_kv_batch_builder_t *b = new_builder(1, 1 << 16);
    expect_t e;
    ex_init(&e);
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 100));
    ex_record(&e, key, 8, val, 100);

    kfb_buf_t *v;
    ASSERT_OK(kfb_kv_batch_begin_record(b, key, 8, &v));
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, val, 100), KFB_ERR_STATE);
    ASSERT_OK(kfb_buf_append(v, val, 30));
    ASSERT_OK(kfb_kv_batch_end_record(b, 0));
    ex_record(&e, key, 8, val, 30);
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 100));
    ex_record(&e, key, 8, val, 100);

    ASSERT_OK(kfb_kv_batch_begin_record(b, key, 8, &v));
    kfb_kv_batch_cancel_record(b);
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 1));
    ex_record(&e, key, 8, val, 1);
    /* a failed end_record rolls back and reopens the fast path */
    ASSERT_OK(kfb_kv_batch_begin_record(b, key, 8, &v));
    ASSERT_ERR(kfb_kv_batch_end_record(b, 0), KFB_ERR_INVALID_ARG);
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 2));
    ex_record(&e, key, 8, val, 2);

    ASSERT_OK(kfb_kv_batch_close(b));
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, val, 100), KFB_ERR_BATCH_CLOSED);
    assert_built_equals(b, &e, 1);
    free(e.p);

    kfb_kv_batch_abort(b);
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, val, 100), KFB_ERR_BATCH_ABORTED);

    kfb_kv_batch_reset(b);
    ex_init(&e);
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 100));
    ex_record(&e, key, 8, val, 100);
    assert_built_equals(b, &e, 1);
    free(e.p);
    kfb_kv_batch_builder_destroy(b);
}

TEST(fastpath_record_count_limit) {
    uint8_t key[8] = {1}, val[10] = {2};
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    kfb_kv_batch_set_max_records_for_testing(b, 2);
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 10));
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 10));
    ASSERT_ERR(kfb_kv_batch_append(b, key, 8, val, 10), KFB_ERR_BATCH_FULL);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 2);
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 28 + 2 * 23);
    kfb_kv_batch_abort(b);
    kfb_kv_batch_builder_destroy(b);
}

/* Write limits above the 64 MiB up-front reservation: records past it need the buffer to
 * grow, which only the checked path does; contents stay right across the move. */
TEST(fastpath_grows_past_reservation) {
    size_t value_len = (size_t)1 << 20;
    uint8_t *val = pattern(value_len, 5);
    uint8_t key[8] = {0};
    kfb_kv_batch_builder_t *b = new_builder(1, (size_t)66 << 20);
    int n = 0;
    for (; n < 65; n++) {
        key[0] = (uint8_t)n;
        val[0] = (uint8_t)n;
        ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, value_len));
    }
    ASSERT_TRUE(kfb_kv_batch_size_in_bytes(b) > ((size_t)64 << 20));
    key[0] = 0xee;
    ASSERT_OK(kfb_kv_batch_append(b, key, 8, val, 100)); /* fast path after the move */
    n++;
    const uint8_t *p;
    size_t len;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &len));
    ASSERT_EQ_HEX(kfb_get_le32(p + 5), bitwise_crc32c(p + 9, len - 9));
    kfb_kv_batch_reader_t r;
    ASSERT_OK(kfb_kv_batch_reader_init(&r, p, len, NULL, 0));
    kfb_kv_record_t rec;
    for (int i = 0; i < n; i++) {
        ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
        ASSERT_EQ_U64(rec.key_len, 8);
        ASSERT_EQ_INT(rec.key[0], i < 65 ? i : 0xee);
        ASSERT_EQ_U64(rec.value_len, i < 65 ? value_len : 100);
        if (i < 65) ASSERT_EQ_INT(rec.value[0], i);
        ASSERT_EQ_INT(rec.value[rec.value_len - 1], val[rec.value_len - 1]);
    }
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 0);
    free(val);
    kfb_kv_batch_builder_destroy(b);
}

/* begin_record has the same fast path: key lengths around 127/128, heads that fit
 * exactly or by one byte too few, interleaved with copying appends. */
TEST(fastpath_zero_copy_boundaries_match_layout) {
    static const size_t key_lens[] = {0, 1, 8, 16, 17, 127, 128, 300};
    kfb_kv_batch_builder_t *b = new_builder(2, 1 << 20);
    expect_t e;
    ex_init(&e);
    unsigned seed = 11;
    for (size_t i = 0; i < sizeof(key_lens) / sizeof(key_lens[0]); i++) {
        uint8_t *k = pattern(key_lens[i], seed++), *v = pattern(77, seed++);
        kfb_buf_t *vb;
        ASSERT_OK(kfb_kv_batch_begin_record(b, k, key_lens[i], &vb));
        ASSERT_OK(kfb_buf_append(vb, v, 77));
        ASSERT_OK(kfb_kv_batch_end_record(b, 0));
        ex_record(&e, k, key_lens[i], v, 77);
        ASSERT_OK(kfb_kv_batch_begin_record(b, k, key_lens[i], &vb));
        ASSERT_OK(kfb_kv_batch_end_record(b, 1)); /* delete */
        ex_record(&e, k, key_lens[i], NULL, 0);
        ASSERT_OK(kfb_kv_batch_append(b, k, key_lens[i], v, 5));
        ex_record(&e, k, key_lens[i], v, 5);
        free(k);
        free(v);
    }
    /* an empty key given as NULL goes through the checked path */
    kfb_buf_t *vb;
    ASSERT_OK(kfb_kv_batch_begin_record(b, NULL, 0, &vb));
    ASSERT_OK(kfb_kv_batch_end_record(b, 1));
    ex_record(&e, NULL, 0, NULL, 0);
    assert_built_equals(b, &e, 2);
    free(e.p);
    kfb_kv_batch_builder_destroy(b);
}

TEST(fastpath_zero_copy_exact_fit_states_and_limits) {
    uint8_t key[8] = {3, 1, 4, 1, 5, 9, 2, 6};
    kfb_buf_t *vb = NULL;
    /* room for exactly one 13-byte delete head */
    kfb_kv_batch_builder_t *b = new_builder(1, 28 + 13);
    ASSERT_ERR(kfb_kv_batch_begin_record(b, key, 8, NULL), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_kv_batch_begin_record(b, NULL, 8, &vb), KFB_ERR_INVALID_ARG);
    ASSERT_TRUE(vb == NULL);
    ASSERT_OK(kfb_kv_batch_begin_record(b, key, 8, &vb));
    ASSERT_ERR(kfb_kv_batch_begin_record(b, key, 8, &vb), KFB_ERR_STATE); /* already open */
    ASSERT_OK(kfb_kv_batch_end_record(b, 1));
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 28 + 13);
    vb = NULL;
    ASSERT_ERR(kfb_kv_batch_begin_record(b, key, 0, &vb), KFB_ERR_BATCH_FULL);
    ASSERT_TRUE(vb == NULL);
    kfb_kv_batch_builder_destroy(b);

    b = new_builder(1, 28 + 12); /* one byte short of that head */
    ASSERT_ERR(kfb_kv_batch_begin_record(b, key, 8, &vb), KFB_ERR_BATCH_FULL);
    ASSERT_OK(kfb_kv_batch_begin_record(b, key, 7, &vb));
    kfb_kv_batch_cancel_record(b);
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 28);
    ASSERT_OK(kfb_kv_batch_close(b));
    ASSERT_ERR(kfb_kv_batch_begin_record(b, key, 7, &vb), KFB_ERR_BATCH_CLOSED);
    kfb_kv_batch_abort(b);
    ASSERT_ERR(kfb_kv_batch_begin_record(b, key, 7, &vb), KFB_ERR_BATCH_ABORTED);
    kfb_kv_batch_builder_destroy(b);

    b = new_builder(1, 4096);
    kfb_kv_batch_set_max_records_for_testing(b, 1);
    ASSERT_OK(kfb_kv_batch_begin_record(b, key, 8, &vb));
    ASSERT_OK(kfb_kv_batch_end_record(b, 1));
    ASSERT_ERR(kfb_kv_batch_begin_record(b, key, 8, &vb), KFB_ERR_BATCH_FULL);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 1);
    kfb_kv_batch_abort(b);
    kfb_kv_batch_builder_destroy(b);
}
