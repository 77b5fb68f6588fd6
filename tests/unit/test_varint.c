/* test_varint.c - LEB128 varints: golden bytes, size boundaries, bounded readers.
 * Boundaries restated from fluss-rust crates/fluss/src/util/varint.rs
 * (test_size_of_unsigned_varint*); encodings of negatives from
 * ../shared/docs/fluss-protocol.md §6.2 (CompactedRowWriter.writeInt/writeLong). */
#include "harness.h"
#include "varint.h"

TEST(varint32_golden_bytes) {
    uint8_t b[KFB_VARINT32_MAX];
    ASSERT_HEX(b, kfb_varint32_write(b, 0), "00");
    ASSERT_HEX(b, kfb_varint32_write(b, 1), "01");
    ASSERT_HEX(b, kfb_varint32_write(b, 127), "7f");
    ASSERT_HEX(b, kfb_varint32_write(b, 128), "80 01");
    ASSERT_HEX(b, kfb_varint32_write(b, 300), "ac 02");
    ASSERT_HEX(b, kfb_varint32_write(b, 19655), "c7 99 01");      /* DATE in §7.5 */
    ASSERT_HEX(b, kfb_varint32_write(b, 34200000), "c0 b3 a7 10"); /* TIME in §7.5 */
    ASSERT_HEX(b, kfb_varint32_write(b, (uint32_t)-1), "ff ff ff ff 0f");
    ASSERT_HEX(b, kfb_varint32_write(b, (uint32_t)INT32_MIN), "80 80 80 80 08");
}

TEST(varint64_golden_bytes) {
    uint8_t b[KFB_VARINT64_MAX];
    ASSERT_HEX(b, kfb_varint64_write(b, (uint64_t)-1LL), "ff ff ff ff ff ff ff ff ff 01");
    /* BIGINT -6101065172474983726 from the all-types key vector (§7.5) */
    ASSERT_HEX(b, kfb_varint64_write(b, (uint64_t)-6101065172474983726LL),
               "d2 95 fc d8 ce b1 aa aa ab 01");
    /* TIMESTAMP millis 1698235273182 from the same vector */
    ASSERT_HEX(b, kfb_varint64_write(b, 1698235273182ULL), "de 9f d7 b5 b6 31");
    ASSERT_HEX(b, kfb_varint64_write(b, 5), "05");
}

TEST(varint_size_boundaries) {
    static const struct { uint64_t v; size_t n32, n64; } cases[] = {
        {0, 1, 1}, {127, 1, 1}, {128, 2, 2}, {16383, 2, 2}, {16384, 3, 3},
        {2097151, 3, 3}, {2097152, 4, 4}, {268435455, 4, 4}, {268435456, 5, 5},
        {UINT32_MAX, 5, 5},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t b[KFB_VARINT64_MAX];
        ASSERT_EQ_INT(kfb_varint32_size((uint32_t)cases[i].v), cases[i].n32);
        ASSERT_EQ_INT(kfb_varint32_write(b, (uint32_t)cases[i].v), cases[i].n32);
        ASSERT_EQ_INT(kfb_varint64_size(cases[i].v), cases[i].n64);
    }
    ASSERT_EQ_INT(kfb_varint64_size(34359738367ULL), 5);
    ASSERT_EQ_INT(kfb_varint64_size(34359738368ULL), 6);
    ASSERT_EQ_INT(kfb_varint64_size(UINT64_MAX), 10);
    ASSERT_EQ_INT(kfb_varint64_size(1ULL << 63), 10);
    ASSERT_EQ_INT(kfb_varint64_size((1ULL << 63) - 1), 9);
}

TEST(varint_roundtrip_random) {
    for (int i = 0; i < 200000; i++) {
        uint64_t v = kfb_test_rand() >> (kfb_test_rand() % 64);
        uint8_t b[KFB_VARINT64_MAX];
        size_t n = kfb_varint64_write(b, v), used;
        uint64_t got;
        ASSERT_EQ_INT(n, kfb_varint64_size(v));
        ASSERT_OK(kfb_varint64_read(b, n, &got, &used));
        ASSERT_EQ_U64(got, v);
        ASSERT_EQ_INT(used, n);
        uint32_t v32 = (uint32_t)v, got32;
        n = kfb_varint32_write(b, v32);
        ASSERT_OK(kfb_varint32_read(b, n, &got32, &used));
        ASSERT_EQ_U64(got32, v32);
        ASSERT_EQ_INT(used, n);
        /* every proper prefix is truncated */
        for (size_t k = 0; k < n; k++) ASSERT_ERR(kfb_varint32_read(b, k, &got32, &used), KFB_ERR_TRUNCATED);
    }
}

TEST(varint_reader_rejects_truncated) {
    uint32_t v;
    uint64_t w;
    size_t n;
    ASSERT_ERR(kfb_varint32_read((const uint8_t *)"", 0, &v, &n), KFB_ERR_TRUNCATED);
    ASSERT_ERR(kfb_varint32_read((const uint8_t *)"\x80", 1, &v, &n), KFB_ERR_TRUNCATED);
    ASSERT_ERR(kfb_varint32_read((const uint8_t *)"\xff\x80", 2, &v, &n), KFB_ERR_TRUNCATED);
    ASSERT_ERR(kfb_varint64_read((const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff", 9, &w, &n),
               KFB_ERR_TRUNCATED);
}

TEST(varint_reader_rejects_overlong) {
    uint32_t v = 77;
    uint64_t w = 77;
    size_t n = 77;
    /* sixth byte would be needed */
    ASSERT_ERR(kfb_varint32_read((const uint8_t *)"\xff\xff\xff\xff\xff\x01", 6, &v, &n),
               KFB_ERR_VARINT_OVERLONG);
    /* fifth byte carries bits 32..34 */
    ASSERT_ERR(kfb_varint32_read((const uint8_t *)"\xff\xff\xff\xff\x1f", 5, &v, &n),
               KFB_ERR_VARINT_OVERLONG);
    ASSERT_EQ_INT(v, 77); /* outputs untouched on error */
    ASSERT_EQ_INT(n, 77);
    ASSERT_OK(kfb_varint32_read((const uint8_t *)"\xff\xff\xff\xff\x0f", 5, &v, &n));
    ASSERT_EQ_U64(v, UINT32_MAX);
    /* tenth byte may only hold bit 63 */
    ASSERT_ERR(kfb_varint64_read((const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, &w, &n),
               KFB_ERR_VARINT_OVERLONG);
    ASSERT_ERR(kfb_varint64_read((const uint8_t *)"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11,
                                 &w, &n), KFB_ERR_VARINT_OVERLONG);
    ASSERT_EQ_U64(w, 77);
}

TEST(varint_reader_accepts_non_minimal_like_java) {
    /* CompactedRowReader.readInt decodes 80 00 as 0; we accept it the same way */
    uint32_t v = 9;
    size_t n;
    ASSERT_OK(kfb_varint32_read((const uint8_t *)"\x80\x00", 2, &v, &n));
    ASSERT_EQ_INT(v, 0);
    ASSERT_EQ_INT(n, 2);
}

TEST(varint_reader_stops_at_terminator) {
    uint32_t v;
    size_t n;
    ASSERT_OK(kfb_varint32_read((const uint8_t *)"\xac\x02\xff\xff", 4, &v, &n));
    ASSERT_EQ_INT(v, 300);
    ASSERT_EQ_INT(n, 2);
}
