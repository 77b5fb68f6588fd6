/* test_crc32c.c - CRC-32C against the standard check value and published vectors,
 * hardware and software paths against each other on long and odd-sized inputs. */
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
