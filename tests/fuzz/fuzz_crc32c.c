/* fuzz_crc32c.c - every CRC-32C implementation agrees with a bit-serial restatement of the
 * definition (the software path beyond 4 KiB) on arbitrary bytes, at an offset and with a split point taken from the input,
 * and crc32c_combine agrees with chaining. Input: byte 0 = start offset (0..63), bytes 1-2 =
 * split point (little-endian, modulo the data length), rest = data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"

static uint32_t bitwise(uint32_t crc, const uint8_t *p, size_t n) {
    uint32_t reg = ~crc;
    for (size_t i = 0; i < n; i++) {
        reg ^= p[i];
        for (int k = 0; k < 8; k++) reg = (reg & 1) ? (reg >> 1) ^ 0x82F63B78u : reg >> 1;
    }
    return ~reg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    size_t off = data[0] & 63, split = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    split = size ? split % (size + 1) : 0;
    /* copy to a chosen alignment so every path's alignment handling is exercised */
    uint8_t *buf = aligned_alloc(64, ((off + size + 63) / 64) * 64 + 64);
    if (!buf) return 0;
    if (size) memcpy(buf + off, data, size);
    const uint8_t *p = buf + off;
    /* the table-driven software path (checked against the bit-serial one in
     * test_crc32c.c) keeps long inputs cheap */
    uint32_t want = size <= 4096 ? bitwise(0, p, size) : kfb_crc32c_sw(0, p, size);
    for (int impl = 0; impl < KFB_CRC32C_IMPL_COUNT; impl++) {
        kfb_crc32c_impl_t i = (kfb_crc32c_impl_t)impl;
        if (!kfb_crc32c_impl_available(i)) continue;
        if (kfb_crc32c_with(i, 0, p, size) != want) abort();
        uint32_t a = kfb_crc32c_with(i, 0, p, split);
        if (kfb_crc32c_with(i, a, p + split, size - split) != want) abort();
    }
    if (kfb_crc32c(0, p, size) != want) abort();
    uint32_t a = kfb_crc32c(0, p, split), b = kfb_crc32c(0, p + split, size - split);
    if (kfb_crc32c_combine(a, b, size - split) != want) abort();
    free(buf);
    return 0;
}
