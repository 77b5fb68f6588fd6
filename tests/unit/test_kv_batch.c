/* test_kv_batch.c - KvRecordBatch builder, restamp and reader.
 *
 * Golden bytes come from:
 *   - fluss-protocol.md §9.4 (worked batch, CRC 0xF1429DD6 computed with java.util.zip.CRC32C);
 *   - Fluss's own tests, restated: fluss-common/src/test/java/org/apache/fluss/record/
 *     DefaultKvRecordTest.java (record sizes 13 and 7), fluss-client/src/test/java/org/apache/
 *     fluss/client/write/KvWriteBatchTest.java (write limit 100), fluss-rust
 *     crates/fluss/src/record/kv/kv_record_batch.rs test_kv_record_batch_build_and_read and
 *     kv_record_batch_builder.rs tests (state machine, limits);
 *   - an independent Python implementation (bitwise CRC-32C, struct.pack layout from
 *     DefaultKvRecordBatch.java), which reproduces the §9.4 CRC; never our encoder.
 */
#include "kv_batch.h"

#include "bytes.h"
#include "crc32c.h"
#include "harness.h"
#include "kv_batch_test.h"

/* fluss-protocol.md §9.4: schema 1, writer 7, seq 0, upsert (1,"a"), delete id=2. */
#define WORKED_HEX                                                                         \
    "28 00 00 00 | 00 | d6 9d 42 f1 | 01 00 | 00 | 07 00 00 00 00 00 00 00 | 00 00 00 00 |" \
    "02 00 00 00 | 06 00 00 00 01 01 00 01 01 61 | 02 00 00 00 01 02"
static const uint8_t WORKED_KEY1[] = {0x01};
static const uint8_t WORKED_VAL1[] = {0x00, 0x01, 0x01, 0x61};
static const uint8_t WORKED_KEY2[] = {0x02};

/* Copies the current build output (the builder's pointer is only valid until it mutates). */
static uint8_t *build_copy(kfb_kv_batch_builder_t *b, size_t *len) {
    const uint8_t *p;
    if (kfb_kv_batch_build(b, &p, len) != KFB_ERR_OK) kfb_test_fail();
    uint8_t *c = malloc(*len);
    memcpy(c, p, *len);
    return c;
}

/* Tests that end with unbuilt records drop them on purpose: abort first, so that the
 * "never built" warning only appears where a test asserts it. */
static void discard(kfb_kv_batch_builder_t *b) {
    kfb_kv_batch_abort(b);
    kfb_kv_batch_builder_destroy(b);
}

static uint8_t *worked(size_t *n) { return kfb_test_unhex(WORKED_HEX, n); }

/* Rewrites the CRC of a hand-corrupted batch, so structure checks are reached. */
static void fix_crc(uint8_t *p, size_t len) {
    kfb_put_le32(p + 5, kfb_crc32c(0, p + 9, len - 9));
}
static void fix_length(uint8_t *p, size_t len) { kfb_put_le32(p, (uint32_t)(len - 4)); }

/* ---------------------------------------------------------------- golden builds */

TEST(builder_worked_batch_matches_golden) {
    kfb_kv_batch_builder_t *b = new_builder(1, 1024);
    kfb_kv_batch_set_writer_state(b, 7, 0);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_EQ_U64(n, 44);
    ASSERT_HEX(p, n, WORKED_HEX);
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 44);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 2);
    discard(b);
}

TEST(builder_worked_batch_zero_copy_path) {
    kfb_kv_batch_builder_t *b = new_builder(1, 1024);
    kfb_buf_t *v = NULL;
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY1, 1, &v));
    ASSERT_TRUE(v != NULL);
    ASSERT_OK(kfb_buf_append(v, WORKED_VAL1, 2));
    ASSERT_OK(kfb_buf_append(v, WORKED_VAL1 + 2, 2));
    ASSERT_OK(kfb_kv_batch_end_record(b, 0));
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v));
    ASSERT_OK(kfb_kv_batch_end_record(b, 1));
    /* writer state set after the records, as the sender does at drain time */
    kfb_kv_batch_set_writer_state(b, 7, 0);
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p, n, WORKED_HEX);
    discard(b);
}

/* DefaultKvRecordTest.testBase: key {1,2} + CompactedRow (INT 10, STRING "abc") is 13 bytes,
 * key {2,3} without row is 7. Row bytes hand-derived: bitmap 00, varint 0a, 03 'a' 'b' 'c'.
 * Batch bytes (schema 1, no writer) from the independent Python implementation. */
TEST(builder_java_record_test_vectors) {
    ASSERT_EQ_U64(kfb_kv_record_size(2, 6), 13);
    ASSERT_EQ_U64(kfb_kv_record_size(2, 0), 7);
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    static const uint8_t k1[] = {1, 2}, row[] = {0x00, 0x0a, 0x03, 'a', 'b', 'c'}, k2[] = {2, 3};
    ASSERT_OK(kfb_kv_batch_append(b, k1, 2, row, sizeof(row)));
    ASSERT_OK(kfb_kv_batch_append(b, k2, 2, NULL, 0));
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p + 28, n - 28, "09 00 00 00 02 01 02 00 0a 03 61 62 63 | 03 00 00 00 02 02 03");
    ASSERT_HEX(p, n,
               "2c 00 00 00 00 40 70 25 ed 01 00 00 ff ff ff ff ff ff ff ff ff ff ff ff 02 00 00 00"
               "09 00 00 00 02 01 02 00 0a 03 61 62 63 03 00 00 00 02 02 03");
    discard(b);
}

/* fluss-rust kv_record_batch.rs test_kv_record_batch_build_and_read: schema 42, writer 100,
 * seq 5, "key1" -> CompactedRow(BYTES [1..5]) = 00 05 01 02 03 04 05, "key2" deleted.
 * Bytes from the independent Python implementation. */
TEST(builder_rust_test_vector) {
    kfb_kv_batch_builder_t *b = new_builder(42, 4096);
    kfb_kv_batch_set_writer_state(b, 100, 5);
    static const uint8_t row[] = {0x00, 0x05, 1, 2, 3, 4, 5};
    ASSERT_OK(kfb_kv_batch_append(b, (const uint8_t *)"key1", 4, row, sizeof(row)));
    ASSERT_OK(kfb_kv_batch_append(b, (const uint8_t *)"key2", 4, NULL, 0));
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p, n,
               "31 00 00 00 00 08 44 d0 f3 2a 00 00 64 00 00 00 00 00 00 00 05 00 00 00 02 00 00 00"
               "0c 00 00 00 04 6b 65 79 31 00 05 01 02 03 04 05 05 00 00 00 04 6b 65 79 32");
    discard(b);
}

/* Empty batch (Java allows building one): schema 42, no writer; Python-derived bytes. */
TEST(builder_empty_batch) {
    kfb_kv_batch_builder_t *b = new_builder(42, 28);
    ASSERT_EQ_INT(kfb_kv_batch_writer_id(b), -1);
    ASSERT_EQ_INT(kfb_kv_batch_batch_sequence(b), -1);
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p, n, "18 00 00 00 00 8a 9b 62 63 2a 00 00 ff ff ff ff ff ff ff ff ff ff ff ff 00 00 00 00");
    /* a 28-byte limit holds no record, not even an empty-key delete */
    ASSERT_FALSE(kfb_kv_batch_has_room_for(b, 0, 0));
    ASSERT_ERR(kfb_kv_batch_append(b, (const uint8_t *)"", 0, NULL, 0), KFB_ERR_BATCH_FULL);
    discard(b);
}

/* Key lengths >= 128 take a 2-byte varint (hand-derived: 128 = 80 01). */
TEST(builder_long_key_varint) {
    ASSERT_EQ_U64(kfb_kv_record_size(127, 0), 4 + 1 + 127);
    ASSERT_EQ_U64(kfb_kv_record_size(128, 0), 4 + 2 + 128);
    ASSERT_EQ_U64(kfb_kv_record_size(16384, 3), 4 + 3 + 16384 + 3);
    ASSERT_EQ_U64(kfb_kv_record_size((size_t)UINT32_MAX + 1, 0), SIZE_MAX);
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    uint8_t key[128];
    memset(key, 0xaa, sizeof(key));
    ASSERT_OK(kfb_kv_batch_append(b, key, sizeof(key), NULL, 0));
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_EQ_U64(n, 28 + 134);
    ASSERT_HEX(p + 28, 8, "82 00 00 00 80 01 aa aa");
    discard(b);
}

/* ---------------------------------------------------------------- arguments */

TEST(builder_new_rejects_bad_arguments) {
    char err[256];
    err[0] = 0;
    ASSERT_TRUE(kfb_kv_batch_builder_new(32768, 1024, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "schema id 32768");
    ASSERT_CONTAINS(err, "32767");
    err[0] = 0;
    ASSERT_TRUE(kfb_kv_batch_builder_new(-1, 1024, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "schema id -1");
    err[0] = 0;
    ASSERT_TRUE(kfb_kv_batch_builder_new(1, 27, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "write limit 27");
    err[0] = 0;
    ASSERT_TRUE(kfb_kv_batch_builder_new(1, (size_t)INT32_MAX + 1, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "write limit");
    /* NULL errstr is tolerated */
    ASSERT_TRUE(kfb_kv_batch_builder_new(40000, 1024, NULL, 0) == NULL);

    kfb_kv_batch_builder_t *b = new_builder(32767, 28);
    ASSERT_EQ_INT(kfb_kv_batch_schema_id(b), 32767);
    ASSERT_EQ_U64(kfb_kv_batch_write_limit(b), 28);
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p + 9, 2, "ff 7f");
    discard(b);
    kfb_kv_batch_builder_destroy(NULL);
}

TEST(builder_append_rejects_bad_arguments) {
    kfb_kv_batch_builder_t *b = new_builder(1, 1024);
    static const uint8_t k[] = {1}, v[] = {0};
    /* a non-NULL empty value would read back as a delete */
    ASSERT_ERR(kfb_kv_batch_append(b, k, 1, v, 0), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_kv_batch_append(b, k, 1, NULL, 3), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_kv_batch_append(b, NULL, 2, v, 1), KFB_ERR_INVALID_ARG);
    kfb_buf_t *out = NULL;
    ASSERT_ERR(kfb_kv_batch_begin_record(b, NULL, 2, &out), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_kv_batch_begin_record(b, k, 1, NULL), KFB_ERR_INVALID_ARG);
    ASSERT_TRUE(out == NULL);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 0);
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 28);
    /* empty key with NULL pointer is fine (Java accepts a zero-length key array) */
    ASSERT_OK(kfb_kv_batch_append(b, NULL, 0, v, 1));
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 28 + 6);
    discard(b);
}

/* ---------------------------------------------------------------- write limit */

/* KvWriteBatchTest.testTryAppendWithWriteLimit: limit 100, record (1,"a") of 10 bytes:
 * (100 - 28) / 10 = 7 appends fit, the 8th does not. */
TEST(builder_write_limit_java_vector) {
    kfb_kv_batch_builder_t *b = new_builder(1, 100);
    for (int i = 0; i < 7; i++) {
        ASSERT_TRUE(kfb_kv_batch_has_room_for(b, 1, 4));
        ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
    }
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 98);
    ASSERT_FALSE(kfb_kv_batch_has_room_for(b, 1, 4));
    ASSERT_ERR(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4), KFB_ERR_BATCH_FULL);
    /* 2 bytes left: still not even the smallest record (5 bytes) */
    ASSERT_FALSE(kfb_kv_batch_has_room_for(b, 0, 0));
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 7);
    discard(b);
}

/* Java rule is "<=": a record that ends exactly at the limit fits. */
TEST(builder_write_limit_exact_fit) {
    kfb_kv_batch_builder_t *b = new_builder(1, 28 + 10 + 7);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
    ASSERT_TRUE(kfb_kv_batch_has_room_for(b, 2, 0));
    ASSERT_FALSE(kfb_kv_batch_has_room_for(b, 2, 1));
    ASSERT_FALSE(kfb_kv_batch_has_room_for(b, 3, 0));
    ASSERT_ERR(kfb_kv_batch_append(b, (const uint8_t *)"abc", 3, NULL, 0), KFB_ERR_BATCH_FULL);
    ASSERT_OK(kfb_kv_batch_append(b, (const uint8_t *)"ab", 2, NULL, 0));
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), kfb_kv_batch_write_limit(b));
    discard(b);
}

/* fluss-rust test_write_limit_enforcement: limit 100, a 1000-byte key + 1000-byte row has
 * no room, "key" + small row has. */
TEST(builder_write_limit_rust_vector) {
    kfb_kv_batch_builder_t *b = new_builder(1, 100);
    ASSERT_FALSE(kfb_kv_batch_has_room_for(b, 1000, 1000));
    ASSERT_TRUE(kfb_kv_batch_has_room_for(b, 3, 5));
    ASSERT_OK(kfb_kv_batch_append(b, (const uint8_t *)"key", 3, (const uint8_t *)"value", 5));
    uint8_t big[1000];
    memset(big, 1, sizeof(big));
    ASSERT_ERR(kfb_kv_batch_append(b, (const uint8_t *)"key2", 4, big, sizeof(big)),
               KFB_ERR_BATCH_FULL);
    discard(b);
}

/* A failed append must leave the batch exactly as it was: same count, size and bytes. */
TEST(builder_batch_full_leaves_bytes_unchanged) {
    kfb_kv_batch_builder_t *b = new_builder(3, 64);
    kfb_kv_batch_set_writer_state(b, 11, 4);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    size_t n0;
    uint8_t *before = build_copy(b, &n0);
    uint8_t big[40];
    memset(big, 0x5a, sizeof(big));

    /* copying path */
    ASSERT_ERR(kfb_kv_batch_append(b, WORKED_KEY1, 1, big, sizeof(big)), KFB_ERR_BATCH_FULL);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 2);
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), n0);
    size_t n1;
    uint8_t *after = build_copy(b, &n1);
    ASSERT_MEMEQ(after, n1, before, n0);
    free(after);

    /* zero-copy path: the head fits, the value overflows at end_record */
    kfb_buf_t *v;
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY1, 1, &v));
    ASSERT_OK(kfb_buf_append(v, big, sizeof(big)));
    ASSERT_ERR(kfb_kv_batch_end_record(b, 0), KFB_ERR_BATCH_FULL);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 2);
    after = build_copy(b, &n1);
    ASSERT_MEMEQ(after, n1, before, n0);
    free(after);

    /* zero-copy path: not even the head fits */
    uint8_t longkey[30];
    memset(longkey, 7, sizeof(longkey));
    v = NULL;
    ASSERT_ERR(kfb_kv_batch_begin_record(b, longkey, sizeof(longkey), &v), KFB_ERR_BATCH_FULL);
    ASSERT_TRUE(v == NULL);
    after = build_copy(b, &n1);
    ASSERT_MEMEQ(after, n1, before, n0);
    free(after);

    /* and the builder still accepts a record that fits */
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 3);
    after = build_copy(b, &n1);
    ASSERT_OK(kfb_kv_batch_validate(after, n1, NULL, 0));
    free(after);
    free(before);
    discard(b);
}

/* Java: the count must stay below Integer.MAX_VALUE. Reaching 2^31 records needs > 10 GB
 * (5 bytes each) while the write limit is at most 2 GiB, so the limit is lowered through the
 * testing hook and its enforcement checked at 3. */
TEST(builder_record_count_limit) {
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    kfb_kv_batch_set_max_records_for_testing(b, 3);
    for (int i = 0; i < 3; i++) ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    size_t n0;
    uint8_t *before = build_copy(b, &n0);
    ASSERT_FALSE(kfb_kv_batch_has_room_for(b, 1, 0));
    ASSERT_ERR(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0), KFB_ERR_BATCH_FULL);
    kfb_buf_t *v;
    ASSERT_ERR(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v), KFB_ERR_BATCH_FULL);
    size_t n1;
    uint8_t *after = build_copy(b, &n1);
    ASSERT_MEMEQ(after, n1, before, n0);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 3);
    free(before);
    free(after);
    discard(b);
}

/* ---------------------------------------------------------------- state machine */

/* fluss-rust test_builder_basic_operations (close behaviour). */
TEST(builder_close) {
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    ASSERT_FALSE(kfb_kv_batch_is_closed(b));
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
    ASSERT_OK(kfb_kv_batch_close(b));
    ASSERT_TRUE(kfb_kv_batch_is_closed(b));
    ASSERT_OK(kfb_kv_batch_close(b)); /* idempotent, as in Java */
    ASSERT_ERR(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0), KFB_ERR_BATCH_CLOSED);
    kfb_buf_t *v;
    ASSERT_ERR(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v), KFB_ERR_BATCH_CLOSED);
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_EQ_U64(n, 38);
    /* writer state is still settable after close, and after build */
    kfb_kv_batch_set_writer_state(b, 9, 2);
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    kfb_kv_batch_reader_t r;
    ASSERT_OK(kfb_kv_batch_reader_init(&r, p, n, NULL, 0));
    ASSERT_EQ_INT(kfb_kv_batch_reader_writer_id(&r), 9);
    ASSERT_EQ_INT(kfb_kv_batch_reader_batch_sequence(&r), 2);
    discard(b);
}

/* fluss-rust test_builder_basic_operations (abort behaviour), Java KvWriteBatchTest.
 * testBatchAborted: no append, no build, no close. */
TEST(builder_abort) {
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    ASSERT_OK(kfb_kv_batch_append(b, (const uint8_t *)"key", 3, (const uint8_t *)"value", 5));
    kfb_kv_batch_abort(b);
    ASSERT_TRUE(kfb_kv_batch_is_aborted(b));
    ASSERT_ERR(kfb_kv_batch_append(b, (const uint8_t *)"key2", 4, NULL, 0), KFB_ERR_BATCH_ABORTED);
    kfb_buf_t *v;
    ASSERT_ERR(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v), KFB_ERR_BATCH_ABORTED);
    const uint8_t *p = NULL;
    size_t n = 0;
    ASSERT_ERR(kfb_kv_batch_build(b, &p, &n), KFB_ERR_BATCH_ABORTED);
    ASSERT_TRUE(p == NULL);
    ASSERT_ERR(kfb_kv_batch_close(b), KFB_ERR_BATCH_ABORTED);
    kfb_kv_batch_set_writer_state(b, 1, 1); /* harmless */
    ASSERT_ERR(kfb_kv_batch_build(b, &p, &n), KFB_ERR_BATCH_ABORTED);
    discard(b);

    /* abort after close also forbids build; aborted beats closed in append */
    b = new_builder(1, 4096);
    ASSERT_OK(kfb_kv_batch_close(b));
    kfb_kv_batch_abort(b);
    ASSERT_ERR(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0), KFB_ERR_BATCH_ABORTED);
    ASSERT_ERR(kfb_kv_batch_build(b, &p, &n), KFB_ERR_BATCH_ABORTED);
    discard(b);
}

TEST(builder_open_record_state_rules) {
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    ASSERT_ERR(kfb_kv_batch_end_record(b, 0), KFB_ERR_STATE);
    kfb_kv_batch_cancel_record(b); /* no-op without an open record */
    kfb_buf_t *v;
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY1, 1, &v));
    /* the open record is not part of the batch yet */
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 28);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 0);
    ASSERT_ERR(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0), KFB_ERR_STATE);
    kfb_buf_t *v2;
    ASSERT_ERR(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v2), KFB_ERR_STATE);
    const uint8_t *p;
    size_t n;
    ASSERT_ERR(kfb_kv_batch_build(b, &p, &n), KFB_ERR_STATE);
    ASSERT_ERR(kfb_kv_batch_close(b), KFB_ERR_STATE);
    ASSERT_OK(kfb_buf_append(v, WORKED_VAL1, 4));
    ASSERT_OK(kfb_kv_batch_end_record(b, 0));
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 38);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 1);
    ASSERT_OK(kfb_kv_batch_close(b));
    discard(b);
}

TEST(builder_zero_copy_rollbacks) {
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
    size_t n0;
    uint8_t *before = build_copy(b, &n0);
    kfb_buf_t *v;
    size_t n1;
    uint8_t *after;

    /* cancel after writing part of a value */
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v));
    ASSERT_OK(kfb_buf_append(v, "xyz", 3));
    kfb_kv_batch_cancel_record(b);
    after = build_copy(b, &n1);
    ASSERT_MEMEQ(after, n1, before, n0);
    free(after);

    /* is_delete but value bytes were written */
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v));
    ASSERT_OK(kfb_buf_append(v, "x", 1));
    ASSERT_ERR(kfb_kv_batch_end_record(b, 1), KFB_ERR_INVALID_ARG);
    after = build_copy(b, &n1);
    ASSERT_MEMEQ(after, n1, before, n0);
    free(after);

    /* an upsert without value bytes would read back as a delete */
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v));
    ASSERT_ERR(kfb_kv_batch_end_record(b, 0), KFB_ERR_INVALID_ARG);
    after = build_copy(b, &n1);
    ASSERT_MEMEQ(after, n1, before, n0);
    free(after);

    /* the caller shrinking the buffer below the record head is detected */
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v));
    v->len -= 2;
    ASSERT_ERR(kfb_kv_batch_end_record(b, 1), KFB_ERR_STATE);
    after = build_copy(b, &n1);
    ASSERT_MEMEQ(after, n1, before, n0);
    free(after);

    /* abort with an open record discards it */
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v));
    kfb_kv_batch_abort(b);
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), n0);
    ASSERT_ERR(kfb_kv_batch_end_record(b, 1), KFB_ERR_STATE);
    free(before);
    discard(b);
}

/* A value that outgrows the preallocated buffer forces a realloc mid-record; offsets, not
 * pointers, keep the record intact. */
TEST(builder_zero_copy_value_growing_buffer) {
    size_t limit = (size_t)1 << 20;
    kfb_kv_batch_builder_t *b = new_builder(1, limit);
    uint8_t *big = malloc(limit);
    for (size_t i = 0; i < limit; i++) big[i] = (uint8_t)(i * 31);
    kfb_buf_t *v;
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY1, 1, &v));
    /* more than the limit: grows the buffer, then must roll back */
    ASSERT_OK(kfb_buf_append(v, big, limit));
    ASSERT_ERR(kfb_kv_batch_end_record(b, 0), KFB_ERR_BATCH_FULL);
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 28);
    /* a value that fits exactly */
    size_t vlen = limit - 28 - 4 - 1 - 1;
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY1, 1, &v));
    ASSERT_OK(kfb_buf_append(v, big, vlen));
    ASSERT_OK(kfb_kv_batch_end_record(b, 0));
    ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), limit);
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    kfb_kv_batch_reader_t r;
    kfb_kv_record_t rec;
    ASSERT_OK(kfb_kv_batch_reader_init(&r, p, n, NULL, 0));
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
    ASSERT_MEMEQ(rec.value, rec.value_len, big, vlen);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 0);
    free(big);
    discard(b);
}

/* ---------------------------------------------------------------- build caching */

TEST(builder_build_is_idempotent) {
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    kfb_kv_batch_set_writer_state(b, 7, 0);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    const uint8_t *p1, *p2;
    size_t n1, n2;
    ASSERT_OK(kfb_kv_batch_build(b, &p1, &n1));
    uint8_t *copy = malloc(n1);
    memcpy(copy, p1, n1);
    ASSERT_OK(kfb_kv_batch_build(b, &p2, &n2));
    ASSERT_TRUE(p1 == p2);
    ASSERT_MEMEQ(p2, n2, copy, n1);
    ASSERT_HEX(p2, n2, WORKED_HEX);
    /* a cancelled zero-copy record does not invalidate the built bytes */
    kfb_buf_t *v;
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v));
    kfb_kv_batch_cancel_record(b);
    ASSERT_OK(kfb_kv_batch_build(b, &p2, &n2));
    ASSERT_HEX(p2, n2, WORKED_HEX);
    free(copy);
    discard(b);
}

/* fluss-rust test_builder_cache_invalidation: append and writer-state changes after a build
 * rewrite header and CRC. */
TEST(builder_build_invalidation) {
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    kfb_kv_batch_set_writer_state(b, 7, 0);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
    size_t n1;
    uint8_t *first = build_copy(b, &n1);
    ASSERT_EQ_U64(n1, 38);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p, n, WORKED_HEX); /* count 2, new length and CRC */
    free(first);

    /* writer state change: the §9.4 batch restamped to (100, 5), Python-derived */
    kfb_kv_batch_set_writer_state(b, 100, 5);
    ASSERT_EQ_INT(kfb_kv_batch_writer_id(b), 100);
    ASSERT_EQ_INT(kfb_kv_batch_batch_sequence(b), 5);
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p, n,
               "28 00 00 00 00 f7 55 0c 1d 01 00 00 64 00 00 00 00 00 00 00 05 00 00 00 02 00 00 00"
               "06 00 00 00 01 01 00 01 01 61 02 00 00 00 01 02");
    /* and back */
    kfb_kv_batch_set_writer_state(b, 7, 0);
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p, n, WORKED_HEX);
    discard(b);
}

/* ---------------------------------------------------------------- reset, schema, destroy */

TEST(builder_reset_and_reuse) {
    kfb_kv_batch_builder_t *b = new_builder(1, 100);
    for (int round = 0; round < 3; round++) {
        kfb_kv_batch_set_writer_state(b, 99, 42);
        for (int i = 0; i < 7; i++) ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
        if (round == 1) ASSERT_OK(kfb_kv_batch_close(b));
        if (round == 2) kfb_kv_batch_abort(b);
        kfb_kv_batch_reset(b);
        ASSERT_EQ_INT(kfb_kv_batch_record_count(b), 0);
        ASSERT_EQ_U64(kfb_kv_batch_size_in_bytes(b), 28);
        ASSERT_EQ_INT(kfb_kv_batch_writer_id(b), -1);
        ASSERT_EQ_INT(kfb_kv_batch_batch_sequence(b), -1);
        ASSERT_FALSE(kfb_kv_batch_is_closed(b));
        ASSERT_FALSE(kfb_kv_batch_is_aborted(b));
        ASSERT_EQ_INT(kfb_kv_batch_schema_id(b), 1);
        kfb_kv_batch_set_writer_state(b, 7, 0);
        ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
        ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
        const uint8_t *p;
        size_t n;
        ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
        ASSERT_HEX(p, n, WORKED_HEX);
        kfb_kv_batch_reset(b);
    }
    discard(b);
}

TEST(builder_set_schema_id) {
    kfb_kv_batch_builder_t *b = new_builder(5, 100);
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p + 9, 2, "05 00");
    ASSERT_ERR(kfb_kv_batch_set_schema_id(b, 32768), KFB_ERR_SCHEMA_ID_RANGE);
    ASSERT_ERR(kfb_kv_batch_set_schema_id(b, -2), KFB_ERR_SCHEMA_ID_RANGE);
    ASSERT_OK(kfb_kv_batch_set_schema_id(b, 1));
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p + 9, 2, "01 00");
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    ASSERT_ERR(kfb_kv_batch_set_schema_id(b, 2), KFB_ERR_STATE);
    ASSERT_EQ_INT(kfb_kv_batch_schema_id(b), 1);
    kfb_kv_batch_abort(b);
    discard(b);
}

/* The caller tag: 0 on a new builder and after reset, not part of the batch bytes (the
 * §9.4 worked batch comes out unchanged under any tag), and seen by the inline readers the
 * mapper's hot loops use; the stamp changes with either the schema id or the tag. */
TEST(builder_tag) {
    kfb_kv_batch_builder_t *b = new_builder(1, 100);
    ASSERT_EQ_U64(kfb_kv_batch_tag(b), 0);
    const uint64_t untagged = kfb_kv_batch_stamp_(b);
    ASSERT_EQ_U64(untagged, kfb_kv_batch_stamp_of_(1, 0));
    kfb_kv_batch_set_tag(b, 0xfffffffeu);
    ASSERT_EQ_U64(kfb_kv_batch_tag(b), 0xfffffffeu);
    ASSERT_EQ_U64(kfb_kv_batch_tag_(b), 0xfffffffeu);
    ASSERT_EQ_INT(kfb_kv_batch_schema_id_(b), 1);
    ASSERT_EQ_U64(kfb_kv_batch_stamp_(b), kfb_kv_batch_stamp_of_(1, 0xfffffffeu));
    ASSERT_TRUE(kfb_kv_batch_stamp_(b) != untagged);
    ASSERT_TRUE(kfb_kv_batch_stamp_of_(2, 0xfffffffeu) != kfb_kv_batch_stamp_(b));
    ASSERT_TRUE(kfb_kv_batch_stamp_of_(1, 0xfffffffeu) != kfb_kv_batch_stamp_of_(-1, 1));
    kfb_kv_batch_set_writer_state(b, 7, 0);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY1, 1, WORKED_VAL1, 4));
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_HEX(p, n, WORKED_HEX);
    ASSERT_EQ_U64(kfb_kv_batch_tag(b), 0xfffffffeu); /* appends and builds keep it */
    kfb_kv_batch_reset(b);
    ASSERT_EQ_U64(kfb_kv_batch_tag(b), 0);
    kfb_kv_batch_set_tag(b, 3);
    ASSERT_OK(kfb_kv_batch_set_schema_id(b, 2)); /* the schema id does not touch it */
    ASSERT_EQ_U64(kfb_kv_batch_tag(b), 3);
    ASSERT_EQ_U64(kfb_kv_batch_stamp_(b), kfb_kv_batch_stamp_of_(2, 3));
    discard(b);
}

/* fluss-rust Drop: warn when records were appended but never built (and not aborted). */
TEST(builder_destroy_warns_about_unbuilt_records) {
    kfb_test_log_capture_start();
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    kfb_kv_batch_builder_destroy(b);
    ASSERT_CONTAINS(kfb_test_log_captured(), "kvbatch");
    ASSERT_CONTAINS(kfb_test_log_captured(), "2 record(s) that were never built");
    kfb_test_log_capture_stop();

    /* built, then appended again: the last record was never built */
    kfb_test_log_capture_start();
    b = new_builder(1, 4096);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    kfb_kv_batch_builder_destroy(b);
    ASSERT_CONTAINS(kfb_test_log_captured(), "never built");
    kfb_test_log_capture_stop();
}

TEST(builder_destroy_silent_when_built_aborted_or_empty) {
    kfb_test_log_capture_start();
    kfb_kv_batch_builder_t *b = new_builder(1, 4096);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    kfb_kv_batch_builder_destroy(b);

    b = new_builder(1, 4096);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    kfb_kv_batch_abort(b);
    kfb_kv_batch_builder_destroy(b);

    b = new_builder(1, 4096);
    kfb_buf_t *v;
    ASSERT_OK(kfb_kv_batch_begin_record(b, WORKED_KEY2, 1, &v)); /* open, never ended */
    kfb_kv_batch_builder_destroy(b);

    /* a writer-state change after the build (a retry) does not drop any record: no warning
     * (fluss-rust would warn here; we only warn when appended records were never built) */
    b = new_builder(1, 4096);
    ASSERT_OK(kfb_kv_batch_append(b, WORKED_KEY2, 1, NULL, 0));
    ASSERT_OK(kfb_kv_batch_build(b, &p, &n));
    kfb_kv_batch_set_writer_state(b, 3, 3);
    kfb_kv_batch_builder_destroy(b);

    ASSERT_STREQ(kfb_test_log_captured(), "");
    kfb_test_log_capture_stop();
}

/* ---------------------------------------------------------------- restamp */

TEST(restamp_rewrites_writer_state_and_crc) {
    size_t n;
    uint8_t *w = worked(&n);
    ASSERT_OK(kfb_kv_batch_restamp(w, n, 100, 5));
    /* Python-derived bytes of the same batch with writer 100, sequence 5 */
    ASSERT_HEX(w, n,
               "28 00 00 00 00 f7 55 0c 1d 01 00 00 64 00 00 00 00 00 00 00 05 00 00 00 02 00 00 00"
               "06 00 00 00 01 01 00 01 01 61 02 00 00 00 01 02");
    ASSERT_OK(kfb_kv_batch_restamp(w, n, 7, 0));
    ASSERT_HEX(w, n, WORKED_HEX);
    /* negative values (writer reset) */
    ASSERT_OK(kfb_kv_batch_restamp(w, n, -1, -1));
    kfb_kv_batch_reader_t r;
    ASSERT_OK(kfb_kv_batch_reader_init(&r, w, n, NULL, 0));
    ASSERT_EQ_INT(kfb_kv_batch_reader_writer_id(&r), -1);
    ASSERT_EQ_INT(kfb_kv_batch_reader_batch_sequence(&r), -1);
    free(w);
}

TEST(restamp_rejects_bad_batches_untouched) {
    size_t n;
    uint8_t *w = worked(&n);
    uint8_t *orig = worked(&n);
    ASSERT_ERR(kfb_kv_batch_restamp(w, 27, 1, 1), KFB_ERR_TRUNCATED);
    ASSERT_ERR(kfb_kv_batch_restamp(NULL, 0, 1, 1), KFB_ERR_TRUNCATED);
    ASSERT_ERR(kfb_kv_batch_restamp(w, n - 1, 1, 1), KFB_ERR_BAD_LENGTH);
    ASSERT_MEMEQ(w, n, orig, n);
    w[4] = 1;
    ASSERT_ERR(kfb_kv_batch_restamp(w, n, 1, 1), KFB_ERR_BAD_MAGIC);
    w[4] = 0;
    w[40] ^= 0x10; /* corrupt a record byte: restamping must not bless it */
    ASSERT_ERR(kfb_kv_batch_restamp(w, n, 1, 1), KFB_ERR_BAD_CRC);
    w[40] ^= 0x10;
    ASSERT_MEMEQ(w, n, orig, n);
    free(w);
    free(orig);
}

/* ---------------------------------------------------------------- reader */

TEST(reader_worked_batch) {
    size_t n;
    uint8_t *w = worked(&n);
    kfb_kv_batch_reader_t r;
    char err[256] = "";
    ASSERT_OK(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)));
    ASSERT_EQ_INT(kfb_kv_batch_reader_schema_id(&r), 1);
    ASSERT_EQ_INT(kfb_kv_batch_reader_writer_id(&r), 7);
    ASSERT_EQ_INT(kfb_kv_batch_reader_batch_sequence(&r), 0);
    ASSERT_EQ_INT(kfb_kv_batch_reader_record_count(&r), 2);
    ASSERT_EQ_INT(kfb_kv_batch_reader_attributes(&r), 0);
    kfb_kv_record_t rec;
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
    ASSERT_HEX(rec.key, rec.key_len, "01");
    ASSERT_HEX(rec.value, rec.value_len, "00 01 01 61");
    ASSERT_TRUE(rec.key == w + 33); /* zero-copy: points into the input */
    ASSERT_EQ_U64(rec.offset, 28);
    ASSERT_EQ_U64(rec.size, 10);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
    ASSERT_HEX(rec.key, rec.key_len, "02");
    ASSERT_TRUE(rec.value == NULL);
    ASSERT_EQ_U64(rec.value_len, 0);
    ASSERT_EQ_U64(rec.offset, 38);
    ASSERT_EQ_U64(rec.size, 6);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 0);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 0);
    ASSERT_OK(kfb_kv_batch_reader_err(&r));
    ASSERT_STREQ(kfb_kv_batch_reader_errstr(&r), "");
    ASSERT_OK(kfb_kv_batch_validate(w, n, err, sizeof(err)));
    free(w);
}

/* Rust test_kv_record_batch_build_and_read bytes (Python-derived), read back. */
TEST(reader_rust_vector_and_empty_batch) {
    size_t n;
    uint8_t *w = kfb_test_unhex(
        "31 00 00 00 00 08 44 d0 f3 2a 00 00 64 00 00 00 00 00 00 00 05 00 00 00 02 00 00 00"
        "0c 00 00 00 04 6b 65 79 31 00 05 01 02 03 04 05 05 00 00 00 04 6b 65 79 32", &n);
    kfb_kv_batch_reader_t r;
    kfb_kv_record_t rec;
    ASSERT_OK(kfb_kv_batch_reader_init(&r, w, n, NULL, 0));
    ASSERT_EQ_INT(kfb_kv_batch_reader_schema_id(&r), 42);
    ASSERT_EQ_INT(kfb_kv_batch_reader_writer_id(&r), 100);
    ASSERT_EQ_INT(kfb_kv_batch_reader_batch_sequence(&r), 5);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
    ASSERT_MEMEQ(rec.key, rec.key_len, "key1", 4);
    ASSERT_HEX(rec.value, rec.value_len, "00 05 01 02 03 04 05");
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
    ASSERT_MEMEQ(rec.key, rec.key_len, "key2", 4);
    ASSERT_TRUE(rec.value == NULL);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 0);
    free(w);

    w = kfb_test_unhex("18 00 00 00 00 8a 9b 62 63 2a 00 00 ff ff ff ff ff ff ff ff ff ff ff ff 00 00 00 00", &n);
    ASSERT_OK(kfb_kv_batch_reader_init(&r, w, n, NULL, 0));
    ASSERT_EQ_INT(kfb_kv_batch_reader_record_count(&r), 0);
    ASSERT_EQ_INT(kfb_kv_batch_reader_writer_id(&r), -1);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 0);
    free(w);
}

/* CRC-32C detects every error burst up to 32 bits, so every single corrupted byte must be
 * caught at init (length, magic or CRC) and never crash. */
TEST(reader_rejects_every_single_byte_flip) {
    size_t n;
    uint8_t *w = worked(&n);
    static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x5a};
    for (size_t i = 0; i < n; i++) {
        for (size_t m = 0; m < sizeof(masks); m++) {
            uint8_t *c = malloc(n);
            memcpy(c, w, n);
            c[i] ^= masks[m];
            kfb_kv_batch_reader_t r;
            char err[256] = "";
            kfb_err_t e = kfb_kv_batch_reader_init(&r, c, n, err, sizeof(err));
            if (i < 4) ASSERT_ERR(e, KFB_ERR_BAD_LENGTH);
            else if (i == 4) ASSERT_ERR(e, KFB_ERR_BAD_MAGIC);
            else ASSERT_ERR(e, KFB_ERR_BAD_CRC);
            ASSERT_TRUE(err[0] != 0);
            ASSERT_ERR(kfb_kv_batch_validate(c, n, NULL, 0), e);
            free(c);
        }
    }
    free(w);
}

/* Truncation at every length: exact-size heap copies so ASan catches any over-read. */
TEST(reader_rejects_truncation_at_every_length) {
    size_t n;
    uint8_t *w = worked(&n);
    for (size_t len = 0; len < n; len++) {
        uint8_t *c = malloc(len ? len : 1);
        memcpy(c, w, len);
        kfb_kv_batch_reader_t r;
        char err[256] = "";
        kfb_err_t e = kfb_kv_batch_reader_init(&r, c, len, err, sizeof(err));
        ASSERT_ERR(e, len < 4 ? KFB_ERR_TRUNCATED : KFB_ERR_BAD_LENGTH);
        ASSERT_TRUE(err[0] != 0);
        /* same truncation with length and CRC fixed up: structure checks must catch it */
        if (len >= 28) {
            fix_length(c, len);
            fix_crc(c, len);
            e = kfb_kv_batch_validate(c, len, err, sizeof(err));
            ASSERT_TRUE(e == KFB_ERR_CORRUPT || e == KFB_ERR_TRUNCATED || e == KFB_ERR_BAD_LENGTH);
        }
        free(c);
    }
    /* fixed-up truncation to 40 bytes: record 1 at offset 38 has only 2 bytes */
    uint8_t *c = malloc(40);
    memcpy(c, w, 40);
    fix_length(c, 40);
    fix_crc(c, 40);
    kfb_kv_batch_reader_t r;
    kfb_kv_record_t rec;
    ASSERT_OK(kfb_kv_batch_reader_init(&r, c, 40, NULL, 0));
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), -1);
    ASSERT_ERR(kfb_kv_batch_reader_err(&r), KFB_ERR_TRUNCATED);
    ASSERT_CONTAINS(kfb_kv_batch_reader_errstr(&r), "record 1 at byte offset 38");
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), -1); /* sticky */
    free(c);
    free(w);
}

TEST(reader_rejects_bad_batch_lengths) {
    size_t n;
    uint8_t *w = worked(&n);
    kfb_kv_batch_reader_t r;
    char err[256];
    /* negative */
    kfb_put_le32(w, 0xffffffffu);
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_BAD_LENGTH);
    ASSERT_CONTAINS(err, "-1");
    kfb_put_le32(w, 0x80000000u);
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_BAD_LENGTH);
    /* larger than the input (fluss-rust test_invalid_batch_lengths: i32::MAX, 100) */
    kfb_put_le32(w, INT32_MAX);
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_BAD_LENGTH);
    kfb_put_le32(w, 100);
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_BAD_LENGTH);
    ASSERT_CONTAINS(err, "100");
    /* smaller than the input: bytes follow the declared batch */
    kfb_put_le32(w, 39);
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_BAD_LENGTH);
    /* consistent but shorter than a header */
    uint8_t tiny[8] = {4, 0, 0, 0, 0, 0, 0, 0};
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, tiny, 8, err, sizeof(err)), KFB_ERR_TRUNCATED);
    ASSERT_CONTAINS(err, "header");
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, NULL, 0, err, sizeof(err)), KFB_ERR_TRUNCATED);
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, NULL, 5, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    free(w);
}

TEST(reader_rejects_bad_magic_and_crc_messages) {
    size_t n;
    uint8_t *w = worked(&n);
    kfb_kv_batch_reader_t r;
    char err[256];
    w[4] = 1;
    fix_crc(w, n); /* magic is outside the CRC anyway */
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_BAD_MAGIC);
    ASSERT_CONTAINS(err, "magic");
    w[4] = 0;
    w[5] ^= 1;
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_BAD_CRC);
    ASSERT_CONTAINS(err, "computed 0xf1429dd6");
    ASSERT_ERR(kfb_kv_batch_reader_err(&r), KFB_ERR_BAD_CRC);
    free(w);
}

TEST(reader_rejects_bad_record_counts) {
    size_t n;
    uint8_t *w = worked(&n);
    kfb_kv_batch_reader_t r;
    kfb_kv_record_t rec;
    char err[256];
    /* negative */
    kfb_put_le32(w + 24, 0xffffffffu);
    fix_crc(w, n);
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_CORRUPT);
    ASSERT_CONTAINS(err, "-1 records");
    /* implausible: 16 record bytes hold at most 3 records of >= 5 bytes */
    kfb_put_le32(w + 24, 4);
    fix_crc(w, n);
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_CORRUPT);
    ASSERT_CONTAINS(err, "at most 3");
    kfb_put_le32(w + 24, INT32_MAX);
    fix_crc(w, n);
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)), KFB_ERR_CORRUPT);
    /* plausible but larger than the data: fails at record 2 */
    kfb_put_le32(w + 24, 3);
    fix_crc(w, n);
    ASSERT_OK(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)));
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), -1);
    ASSERT_ERR(kfb_kv_batch_reader_err(&r), KFB_ERR_TRUNCATED);
    ASSERT_CONTAINS(kfb_kv_batch_reader_errstr(&r), "record 2 at byte offset 44");
    ASSERT_ERR(kfb_kv_batch_validate(w, n, err, sizeof(err)), KFB_ERR_TRUNCATED);
    ASSERT_CONTAINS(err, "record 2");
    /* smaller than the data: the "last" record is followed by bytes */
    kfb_put_le32(w + 24, 1);
    fix_crc(w, n);
    ASSERT_OK(kfb_kv_batch_reader_init(&r, w, n, err, sizeof(err)));
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), -1);
    ASSERT_ERR(kfb_kv_batch_reader_err(&r), KFB_ERR_TRAILING_BYTES);
    ASSERT_CONTAINS(kfb_kv_batch_reader_errstr(&r), "6 unexpected bytes at byte offset 38");
    free(w);
}

TEST(reader_rejects_trailing_garbage) {
    size_t n;
    uint8_t *w = worked(&n);
    uint8_t *c = malloc(n + 3);
    memcpy(c, w, n);
    c[n] = 0xde;
    c[n + 1] = 0xad;
    c[n + 2] = 0x00;
    kfb_kv_batch_reader_t r;
    kfb_kv_record_t rec;
    char err[256];
    /* unadjusted length: the header no longer describes the input */
    ASSERT_ERR(kfb_kv_batch_reader_init(&r, c, n + 3, err, sizeof(err)), KFB_ERR_BAD_LENGTH);
    /* adjusted length and CRC: caught after the last declared record */
    fix_length(c, n + 3);
    fix_crc(c, n + 3);
    ASSERT_OK(kfb_kv_batch_reader_init(&r, c, n + 3, err, sizeof(err)));
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), -1);
    ASSERT_ERR(kfb_kv_batch_reader_err(&r), KFB_ERR_TRAILING_BYTES);
    ASSERT_CONTAINS(kfb_kv_batch_reader_errstr(&r), "3 unexpected bytes at byte offset 44");
    free(c);

    /* an empty batch with bytes after the header */
    uint8_t e[30] = {0};
    fix_length(e, sizeof(e));
    fix_crc(e, sizeof(e));
    ASSERT_OK(kfb_kv_batch_reader_init(&r, e, sizeof(e), NULL, 0));
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), -1);
    ASSERT_ERR(kfb_kv_batch_reader_err(&r), KFB_ERR_TRAILING_BYTES);
    free(w);
}

/* Records hand-built with a valid CRC so only the record structure is wrong. */
static kfb_err_t read_single_record(const char *record_hex, int expect_rc, char *err, size_t errsz) {
    size_t rn;
    uint8_t *recb = kfb_test_unhex(record_hex, &rn);
    size_t n = 28 + rn;
    uint8_t *c = calloc(1, n);
    memcpy(c + 28, recb, rn);
    kfb_put_le32(c + 24, 1);
    fix_length(c, n);
    fix_crc(c, n);
    kfb_kv_batch_reader_t r;
    kfb_kv_record_t rec;
    if (kfb_kv_batch_reader_init(&r, c, n, err, errsz) != KFB_ERR_OK) kfb_test_fail();
    int rc = kfb_kv_batch_next(&r, &rec);
    if (rc != expect_rc) {
        fprintf(stderr, "next returned %d, want %d\n", rc, expect_rc);
        kfb_test_fail();
    }
    snprintf(err, errsz, "%s", kfb_kv_batch_reader_errstr(&r));
    kfb_err_t e = kfb_kv_batch_reader_err(&r);
    free(recb);
    free(c);
    return e;
}

TEST(reader_rejects_corrupt_records) {
    char err[256];
    /* negative record length (fluss-rust test_invalid_record_lengths) */
    ASSERT_ERR(read_single_record("ff ff ff ff 01 6b", -1, err, sizeof(err)), KFB_ERR_BAD_LENGTH);
    ASSERT_CONTAINS(err, "record 0 at byte offset 28");
    ASSERT_CONTAINS(err, "-1");
    /* record length past the batch */
    ASSERT_ERR(read_single_record("02 00 00 00 01", -1, err, sizeof(err)), KFB_ERR_BAD_LENGTH);
    ASSERT_ERR(read_single_record("ff ff ff 7f 01", -1, err, sizeof(err)), KFB_ERR_BAD_LENGTH);
    /* zero-length record: no room for the key length */
    ASSERT_ERR(read_single_record("00 00 00 00 00", -1, err, sizeof(err)), KFB_ERR_CORRUPT);
    /* key length varint runs past the record end */
    ASSERT_ERR(read_single_record("02 00 00 00 80 80", -1, err, sizeof(err)), KFB_ERR_CORRUPT);
    ASSERT_CONTAINS(err, "unterminated");
    /* over-long key length varint */
    ASSERT_ERR(read_single_record("06 00 00 00 ff ff ff ff ff 01", -1, err, sizeof(err)),
               KFB_ERR_VARINT_OVERLONG);
    ASSERT_CONTAINS(err, "over-long");
    /* 5-byte varint with bits beyond 32 */
    ASSERT_ERR(read_single_record("05 00 00 00 ff ff ff ff 7f", -1, err, sizeof(err)),
               KFB_ERR_VARINT_OVERLONG);
    /* key longer than the record */
    ASSERT_ERR(read_single_record("03 00 00 00 05 aa bb", -1, err, sizeof(err)), KFB_ERR_CORRUPT);
    ASSERT_CONTAINS(err, "key length 5 exceeds the 2 bytes left");
    /* empty key delete is well formed */
    ASSERT_OK(read_single_record("01 00 00 00 00", 1, err, sizeof(err)));
}

/* Builder -> reader round trip over random records, mixed paths, many sizes. */
TEST(roundtrip_random_records) {
    enum { N = 2000 };
    kfb_kv_batch_builder_t *b = new_builder(7, (size_t)1 << 21);
    static uint8_t keys[N][300], vals[N][200];
    static size_t klen[N], vlen[N];
    int n = 0;
    for (; n < N; n++) {
        klen[n] = kfb_test_rand() % 300;
        vlen[n] = kfb_test_rand() % 4 == 0 ? 0 : 1 + kfb_test_rand() % 199;
        for (size_t j = 0; j < klen[n]; j++) keys[n][j] = (uint8_t)kfb_test_rand();
        for (size_t j = 0; j < vlen[n]; j++) vals[n][j] = (uint8_t)kfb_test_rand();
        if (n % 2) {
            ASSERT_OK(kfb_kv_batch_append(b, keys[n], klen[n], vlen[n] ? vals[n] : NULL, vlen[n]));
        } else {
            kfb_buf_t *v;
            ASSERT_OK(kfb_kv_batch_begin_record(b, keys[n], klen[n], &v));
            ASSERT_OK(kfb_buf_append(v, vals[n], vlen[n]));
            ASSERT_OK(kfb_kv_batch_end_record(b, vlen[n] == 0));
        }
    }
    kfb_kv_batch_set_writer_state(b, INT64_MAX, INT32_MAX);
    const uint8_t *p;
    size_t len;
    ASSERT_OK(kfb_kv_batch_build(b, &p, &len));
    ASSERT_EQ_U64(len, kfb_kv_batch_size_in_bytes(b));
    kfb_kv_batch_reader_t r;
    kfb_kv_record_t rec;
    ASSERT_OK(kfb_kv_batch_reader_init(&r, p, len, NULL, 0));
    ASSERT_EQ_INT(kfb_kv_batch_reader_schema_id(&r), 7);
    ASSERT_EQ_INT(kfb_kv_batch_reader_writer_id(&r), INT64_MAX);
    ASSERT_EQ_INT(kfb_kv_batch_reader_batch_sequence(&r), INT32_MAX);
    ASSERT_EQ_INT(kfb_kv_batch_reader_record_count(&r), N);
    for (int i = 0; i < N; i++) {
        ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 1);
        ASSERT_MEMEQ(rec.key, rec.key_len, keys[i], klen[i]);
        if (vlen[i]) ASSERT_MEMEQ(rec.value, rec.value_len, vals[i], vlen[i]);
        else ASSERT_TRUE(rec.value == NULL);
        ASSERT_EQ_U64(rec.size, kfb_kv_record_size(klen[i], vlen[i]));
    }
    ASSERT_EQ_INT(kfb_kv_batch_next(&r, &rec), 0);
    discard(b);
}
