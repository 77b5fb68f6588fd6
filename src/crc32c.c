/*
 * crc32c.c - CRC-32C with a run-time choice between SSE4.2 and software.
 *
 * Software: slicing-by-8 tables over the reflected polynomial 0x82F63B78.
 * Hardware: the SSE4.2 crc32 instruction has a latency of 3 cycles and a
 * throughput of 1 per cycle, so long inputs are split into three interleaved
 * streams whose CRCs are combined afterwards. Combining uses linearity: the CRC
 * register after "A then B" equals Z_|B|(reg after A) xor (reg over B from 0),
 * where Z_n (feeding n zero bytes) is a linear map on 32 bits, precomputed as
 * four 256-entry tables per stream length. Same scheme as librdkafka's
 * src/crc32c.c (Mark Adler's), written afresh here.
 *
 * Registers below are the pre-inversion state; the public functions apply the
 * 0xFFFFFFFF inversion on entry and exit so results chain like java.util.zip.CRC32C.
 */
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define KFB_CRC_X86 1
#endif

#define POLY 0x82F63B78u
#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

static uint32_t sw_table[8][256];
static uint32_t zeros_long[4][256];  /* Z_LONG_BLOCK */
static uint32_t zeros_short[4][256]; /* Z_SHORT_BLOCK */
static int hw_available;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Feeds n zero bytes to register `reg` (bytewise, table driven; init only). */
static uint32_t feed_zeros(uint32_t reg, size_t n) {
    while (n--) reg = sw_table[0][reg & 0xff] ^ (reg >> 8);
    return reg;
}

static void build_zeros_table(uint32_t table[4][256], size_t n) {
    uint32_t basis[32];
    for (int bit = 0; bit < 32; bit++) basis[bit] = feed_zeros(1u << bit, n);
    for (int k = 0; k < 4; k++) {
        for (int byte = 0; byte < 256; byte++) {
            uint32_t v = 0;
            for (int bit = 0; bit < 8; bit++)
                if (byte & (1 << bit)) v ^= basis[8 * k + bit];
            table[k][byte] = v;
        }
    }
}

static void crc32c_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int j = 0; j < 8; j++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        sw_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int k = 1; k < 8; k++)
            sw_table[k][i] = sw_table[0][sw_table[k - 1][i] & 0xff] ^ (sw_table[k - 1][i] >> 8);
    build_zeros_table(zeros_long, LONG_BLOCK);
    build_zeros_table(zeros_short, SHORT_BLOCK);
#ifdef KFB_CRC_X86
    __builtin_cpu_init();
    hw_available = __builtin_cpu_supports("sse4.2");
#endif
}

static inline void ensure_init(void) { pthread_once(&init_once, crc32c_init); }

static inline uint32_t shift_by(uint32_t table[4][256], uint32_t reg) {
    return table[0][reg & 0xff] ^ table[1][(reg >> 8) & 0xff] ^ table[2][(reg >> 16) & 0xff] ^
           table[3][reg >> 24];
}

static uint32_t sw_update(uint32_t reg, const uint8_t *p, size_t len) {
    while (len && ((uintptr_t)p & 7)) {
        reg = sw_table[0][(reg ^ *p++) & 0xff] ^ (reg >> 8);
        len--;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        uint32_t lo = (uint32_t)w ^ reg, hi = (uint32_t)(w >> 32);
        reg = sw_table[7][lo & 0xff] ^ sw_table[6][(lo >> 8) & 0xff] ^
              sw_table[5][(lo >> 16) & 0xff] ^ sw_table[4][lo >> 24] ^
              sw_table[3][hi & 0xff] ^ sw_table[2][(hi >> 8) & 0xff] ^
              sw_table[1][(hi >> 16) & 0xff] ^ sw_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--) reg = sw_table[0][(reg ^ *p++) & 0xff] ^ (reg >> 8);
    return reg;
}

uint32_t kfb_crc32c_sw(uint32_t crc, const void *data, size_t len) {
    ensure_init();
    return ~sw_update(~crc, data, len);
}

#ifdef KFB_CRC_X86
__attribute__((target("sse4.2"))) static uint32_t hw_blocks(uint32_t reg, const uint8_t *p,
                                                            size_t len, size_t block,
                                                            uint32_t zeros[4][256], size_t *done) {
    size_t n = 0;
    while (len - n >= 3 * block) {
        const uint8_t *a = p + n, *b = a + block, *c = b + block;
        uint64_t r0 = reg, r1 = 0, r2 = 0;
        for (size_t i = 0; i < block; i += 8) {
            uint64_t wa, wb, wc;
            memcpy(&wa, a + i, 8);
            memcpy(&wb, b + i, 8);
            memcpy(&wc, c + i, 8);
            r0 = _mm_crc32_u64(r0, wa);
            r1 = _mm_crc32_u64(r1, wb);
            r2 = _mm_crc32_u64(r2, wc);
        }
        reg = shift_by(zeros, (uint32_t)r0) ^ (uint32_t)r1;
        reg = shift_by(zeros, reg) ^ (uint32_t)r2;
        n += 3 * block;
    }
    *done = n;
    return reg;
}

__attribute__((target("sse4.2"))) static uint32_t hw_update(uint32_t reg, const uint8_t *p,
                                                            size_t len) {
    size_t done;
    reg = hw_blocks(reg, p, len, LONG_BLOCK, zeros_long, &done);
    p += done;
    len -= done;
    reg = hw_blocks(reg, p, len, SHORT_BLOCK, zeros_short, &done);
    p += done;
    len -= done;
    uint64_t r = reg;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        r = _mm_crc32_u64(r, w);
        p += 8;
        len -= 8;
    }
    reg = (uint32_t)r;
    while (len--) reg = _mm_crc32_u8(reg, *p++);
    return reg;
}
#endif

int kfb_crc32c_hw_available(void) {
    ensure_init();
    return hw_available;
}

uint32_t kfb_crc32c_hw(uint32_t crc, const void *data, size_t len) {
    ensure_init();
#ifdef KFB_CRC_X86
    if (hw_available) return ~hw_update(~crc, data, len);
#endif
    (void)crc; (void)data; (void)len;
    return 0;
}

uint32_t kfb_crc32c(uint32_t crc, const void *data, size_t len) {
    ensure_init();
#ifdef KFB_CRC_X86
    if (hw_available) return ~hw_update(~crc, data, len);
#endif
    return ~sw_update(~crc, data, len);
}

const char *kfb_crc32c_impl_name(void) { return kfb_crc32c_hw_available() ? "sse4.2" : "software"; }
