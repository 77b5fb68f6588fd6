/* test_crc32c.c - CRC-32C against the standard check value and published vectors; every
 * implementation (software, SSE4.2, PCLMUL, VPCLMUL) against a bit-serial restatement of
 * the definition at every length 0..4096 and alignment 0..63 and on long inputs; chaining
 * across implementations; crc32c_combine; implementation selection. */
#include "crc32c.h"
#include "harness.h"

/* CRC-32C check value (fluss-protocol.md §9.1; RFC 3720 / iSCSI). */
TEST(crc32c_check_value) {
    ASSERT_EQ_HEX(kfb_crc32c(0, "123456789", 9), 0xE3069283u);
    ASSERT_EQ_HEX(kfb_crc32c_sw(0, "123456789", 9), 0xE3069283u);
    ASSERT_EQ_HEX(kfb_crc32c(0, "", 0), 0);
}

/* RFC 3720 appendix B.4 test vectors. */
TEST(crc32c_rfc3720_vectors) {
    uint8_t buf[48];
    memset(buf, 0, 32);
    ASSERT_EQ_HEX(kfb_crc32c(0, buf, 32), 0x8A9136AAu);
    memset(buf, 0xff, 32);
    ASSERT_EQ_HEX(kfb_crc32c(0, buf, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; i++) buf[i] = (uint8_t)i;
    ASSERT_EQ_HEX(kfb_crc32c(0, buf, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; i++) buf[i] = (uint8_t)(31 - i);
    ASSERT_EQ_HEX(kfb_crc32c(0, buf, 32), 0x113FDB5Cu);
    size_t n;
    uint8_t *iscsi = kfb_test_unhex(
        "01 c0 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
        "14 00 00 00 00 00 04 00 00 00 00 14 00 00 00 18"
        "28 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00", &n);
    ASSERT_EQ_HEX(kfb_crc32c(0, iscsi, n), 0xD9963A56u);
    free(iscsi);
}

/* The worked KV batch of fluss-protocol.md §9.4 (CRC computed there with java.util.zip.CRC32C). */
TEST(crc32c_fluss_batch_vector) {
    size_t n;
    uint8_t *b = kfb_test_unhex("01 00 00 07 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00"
                                "06 00 00 00 01 01 00 01 01 61 02 00 00 00 01 02", &n);
    ASSERT_EQ_HEX(kfb_crc32c(0, b, n), 0xF1429DD6u);
    free(b);
}

TEST(crc32c_chaining) {
    const char *s = "123456789";
    uint32_t c = kfb_crc32c(0, s, 4);
    ASSERT_EQ_HEX(kfb_crc32c(c, s + 4, 5), 0xE3069283u);
}

TEST(crc32c_hw_matches_sw_long_inputs) {
    size_t max = 3 * 8192 * 2 + 3 * 256 * 3 + 77;
    uint8_t *buf = malloc(max + 8);
    for (size_t i = 0; i < max + 8; i++) buf[i] = (uint8_t)kfb_test_rand();
    /* lengths around the interleave block boundaries, at every alignment */
    static const size_t lens[] = {0, 1, 7, 8, 9, 255, 256, 767, 768, 769, 1000, 24575,
                                  24576, 24577, 3 * 8192 * 2, 3 * 8192 * 2 + 3 * 256 * 3 + 77};
    for (size_t off = 0; off < 8; off++) {
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
            uint32_t sw = kfb_crc32c_sw(0, buf + off, lens[i]);
            ASSERT_EQ_HEX(kfb_crc32c(0, buf + off, lens[i]), sw);
            if (kfb_crc32c_hw_available()) ASSERT_EQ_HEX(kfb_crc32c_hw(0, buf + off, lens[i]), sw);
        }
    }
    /* bitwise reference on a long input */
    uint32_t ref = 0xFFFFFFFFu;
    for (size_t i = 0; i < max; i++) {
        ref ^= buf[i];
        for (int k = 0; k < 8; k++) ref = (ref & 1) ? (ref >> 1) ^ 0x82F63B78u : ref >> 1;
    }
    ASSERT_EQ_HEX(kfb_crc32c(0, buf, max), ~ref);
    ASSERT_EQ_HEX(kfb_crc32c_sw(0, buf, max), ~ref);
    free(buf);
}

TEST(crc32c_detects_single_bit_flip) {
    uint8_t buf[4096];
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)i;
    uint32_t c = kfb_crc32c(0, buf, sizeof(buf));
    for (size_t bit = 0; bit < sizeof(buf) * 8; bit += 97) {
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ASSERT_NE_INT(kfb_crc32c(0, buf, sizeof(buf)), c);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
}

/* ------------------------------------------------------------------------- */
/* Every implementation against a bit-serial restatement of the definition    */
/* (reflected polynomial 0x82F63B78, one bit at a time), independent of our   */
/* tables and fold constants.                                                 */
/* ------------------------------------------------------------------------- */

static uint32_t bitwise_step(uint32_t reg, uint8_t byte) {
    reg ^= byte;
    for (int k = 0; k < 8; k++) reg = (reg & 1) ? (reg >> 1) ^ 0x82F63B78u : reg >> 1;
    return reg;
}

static uint32_t bitwise_crc(uint32_t crc, const uint8_t *p, size_t n) {
    uint32_t reg = ~crc;
    for (size_t i = 0; i < n; i++) reg = bitwise_step(reg, p[i]);
    return ~reg;
}

#define EXHAUSTIVE_MAX 4096
#define ALIGNMENTS 64

/* Lengths 0..4096 at each of 64 start offsets from a 64-byte aligned base, with a
 * different non-zero starting CRC per offset; the reference CRC of every prefix comes
 * from one bit-serial pass. */
static void check_impl_exhaustive(kfb_crc32c_impl_t impl) {
    uint8_t *buf = aligned_alloc(64, EXHAUSTIVE_MAX + ALIGNMENTS);
    uint32_t *want = malloc((EXHAUSTIVE_MAX + 1) * sizeof(*want));
    ASSERT_TRUE(buf && want);
    for (size_t i = 0; i < EXHAUSTIVE_MAX + ALIGNMENTS; i++) buf[i] = (uint8_t)kfb_test_rand();
    for (size_t off = 0; off < ALIGNMENTS; off++) {
        uint32_t start = (uint32_t)kfb_test_rand() | 1u;
        uint32_t reg = ~start;
        want[0] = start;
        for (size_t n = 1; n <= EXHAUSTIVE_MAX; n++) {
            reg = bitwise_step(reg, buf[off + n - 1]);
            want[n] = ~reg;
        }
        for (size_t n = 0; n <= EXHAUSTIVE_MAX; n++) {
            uint32_t got = kfb_crc32c_with(impl, start, buf + off, n);
            if (got != want[n]) {
                fprintf(stderr, "%s: offset %zu length %zu\n", kfb_crc32c_impl_label(impl), off,
                        n);
                ASSERT_EQ_HEX(got, want[n]);
            }
        }
    }
    free(want);
    free(buf);
}

TEST(crc32c_software_every_length_and_alignment) {
    check_impl_exhaustive(KFB_CRC32C_SOFTWARE);
}

TEST(crc32c_sse42_every_length_and_alignment) {
    if (!kfb_crc32c_impl_available(KFB_CRC32C_SSE42)) return;
    check_impl_exhaustive(KFB_CRC32C_SSE42);
}

TEST(crc32c_pclmul_every_length_and_alignment) {
    if (!kfb_crc32c_impl_available(KFB_CRC32C_PCLMUL)) return;
    check_impl_exhaustive(KFB_CRC32C_PCLMUL);
}

TEST(crc32c_vpclmul_every_length_and_alignment) {
    if (!kfb_crc32c_impl_available(KFB_CRC32C_VPCLMUL)) return;
    check_impl_exhaustive(KFB_CRC32C_VPCLMUL);
}

/* Long inputs around every block size the fast paths switch on (3 x 8 KiB and 3 x 256
 * crc32 streams, 16 KiB and 2 KiB hybrid blocks, 128-byte fold rounds), up to 1 MiB. */
TEST(crc32c_every_impl_long_inputs) {
    size_t max = (1u << 20) + 333;
    uint8_t *buf = malloc(max + 7);
    ASSERT_TRUE(buf != NULL);
    for (size_t i = 0; i < max + 7; i++) buf[i] = (uint8_t)kfb_test_rand();
    static const size_t bases[] = {2048, 4096, 16384, 24576, 32768, 3 * 16384 + 2048,
                                   65536, 262075, 1u << 20};
    static const int deltas[] = {-129, -128, -127, -33, -32, -31, -17, -16, -15, -1, 0, 1,
                                 15, 16, 17, 127, 128, 129, 333};
    for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
        for (size_t d = 0; d < sizeof(deltas) / sizeof(deltas[0]); d++) {
            size_t n = (size_t)((long)bases[b] + deltas[d]);
            size_t off = (b + d) % 8;
            uint32_t want = bitwise_crc(0x12345678u, buf + off, n);
            for (int impl = 0; impl < KFB_CRC32C_IMPL_COUNT; impl++) {
                if (!kfb_crc32c_impl_available((kfb_crc32c_impl_t)impl)) continue;
                uint32_t got = kfb_crc32c_with((kfb_crc32c_impl_t)impl, 0x12345678u, buf + off, n);
                if (got != want)
                    fprintf(stderr, "%s: length %zu offset %zu\n",
                            kfb_crc32c_impl_label((kfb_crc32c_impl_t)impl), n, off);
                ASSERT_EQ_HEX(got, want);
            }
            ASSERT_EQ_HEX(kfb_crc32c(0x12345678u, buf + off, n), want);
        }
    }
    free(buf);
}

/* Chaining pieces through different implementations gives the one-shot CRC. */
TEST(crc32c_chaining_across_impls) {
    size_t n = 200000;
    uint8_t *buf = malloc(n);
    ASSERT_TRUE(buf != NULL);
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)kfb_test_rand();
    uint32_t want = bitwise_crc(0, buf, n);
    for (int trial = 0; trial < 20; trial++) {
        uint32_t c = 0;
        size_t pos = 0;
        int impl = trial % KFB_CRC32C_IMPL_COUNT;
        while (pos < n) {
            size_t piece = (size_t)kfb_test_rand() % (trial < 10 ? 700 : 40000);
            if (piece > n - pos) piece = n - pos;
            while (!kfb_crc32c_impl_available((kfb_crc32c_impl_t)impl))
                impl = (impl + 1) % KFB_CRC32C_IMPL_COUNT;
            c = kfb_crc32c_with((kfb_crc32c_impl_t)impl, c, buf + pos, piece);
            pos += piece;
            impl = (impl + 1) % KFB_CRC32C_IMPL_COUNT;
        }
        ASSERT_EQ_HEX(c, want);
    }
    free(buf);
}

TEST(crc32c_combine_matches_concatenation) {
    size_t n = 70000;
    uint8_t *buf = malloc(n);
    ASSERT_TRUE(buf != NULL);
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)kfb_test_rand();
    static const size_t splits[] = {0, 1, 3, 9, 64, 1000, 4096, 65535, 69999, 70000};
    uint32_t whole = bitwise_crc(0, buf, n);
    for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        size_t a = splits[i];
        uint32_t ca = kfb_crc32c(0, buf, a), cb = kfb_crc32c(0, buf + a, n - a);
        ASSERT_EQ_HEX(kfb_crc32c_combine(ca, cb, n - a), whole);
    }
    /* "123456789" = "1234" + "56789": the check value again */
    ASSERT_EQ_HEX(kfb_crc32c_combine(kfb_crc32c(0, "1234", 4), kfb_crc32c(0, "56789", 5), 5),
                  0xE3069283u);
    /* an empty B leaves A's CRC */
    ASSERT_EQ_HEX(kfb_crc32c_combine(0xDEADBEEFu, 0, 0), 0xDEADBEEFu);
    /* a length past 4 GiB only changes the power of x; compare with chaining zero blocks */
    static uint8_t zeros[1 << 16];
    uint32_t c = kfb_crc32c(0, "abc", 3);
    uint32_t z = 0;
    for (int i = 0; i < 1024; i++) z = kfb_crc32c(z, zeros, sizeof(zeros)); /* 64 MiB */
    uint32_t c_then_z = c;
    for (int i = 0; i < 1024; i++) c_then_z = kfb_crc32c(c_then_z, zeros, sizeof(zeros));
    ASSERT_EQ_HEX(kfb_crc32c_combine(c, z, (size_t)64 << 20), c_then_z);
    free(buf);
}

TEST(crc32c_impl_selection) {
    ASSERT_TRUE(kfb_crc32c_impl_available(KFB_CRC32C_SOFTWARE));
    ASSERT_FALSE(kfb_crc32c_impl_available(KFB_CRC32C_IMPL_COUNT));
    ASSERT_FALSE(kfb_crc32c_impl_available((kfb_crc32c_impl_t)-1));
    ASSERT_EQ_HEX(kfb_crc32c_with(KFB_CRC32C_IMPL_COUNT, 0, "123456789", 9), 0);
    ASSERT_TRUE(kfb_crc32c_impl_label(KFB_CRC32C_IMPL_COUNT) == NULL);
    ASSERT_STREQ(kfb_crc32c_impl_label(KFB_CRC32C_SOFTWARE), "software");
    ASSERT_STREQ(kfb_crc32c_impl_label(KFB_CRC32C_SSE42), "sse4.2");
    kfb_crc32c_impl_t def = kfb_crc32c_default_impl();
    ASSERT_TRUE(kfb_crc32c_impl_available(def));
    ASSERT_STREQ(kfb_crc32c_impl_name(), kfb_crc32c_impl_label(def));
    /* the old spellings are the software and SSE4.2 paths */
    ASSERT_EQ_INT(kfb_crc32c_hw_available(), kfb_crc32c_impl_available(KFB_CRC32C_SSE42));
    for (int impl = 0; impl < KFB_CRC32C_IMPL_COUNT; impl++) {
        if (!kfb_crc32c_impl_available((kfb_crc32c_impl_t)impl)) continue;
        ASSERT_EQ_HEX(kfb_crc32c_with((kfb_crc32c_impl_t)impl, 0, "123456789", 9), 0xE3069283u);
    }
    /* the default on a CPU with VPCLMULQDQ is the VPCLMUL path, else SSE4.2 */
    if (kfb_crc32c_impl_available(KFB_CRC32C_VPCLMUL))
        ASSERT_EQ_INT(def, KFB_CRC32C_VPCLMUL);
    else if (kfb_crc32c_impl_available(KFB_CRC32C_SSE42))
        ASSERT_EQ_INT(def, KFB_CRC32C_SSE42);
}
