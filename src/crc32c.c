/*
 * crc32c.c - CRC-32C (reflected polynomial 0x82F63B78) with a run-time choice of
 * implementation; all of them compute the same function as java.util.zip.CRC32C
 * (fluss-common/.../utils/crc/Crc32C.java delegates to it).
 *
 * Registers below are the pre-inversion state; the public functions apply the
 * 0xFFFFFFFF inversion on entry and exit so results chain like java.util.zip.CRC32C.
 *
 * Notation. A reflected CRC treats the first message bit (bit 0 of byte 0) as the
 * highest-degree coefficient. The 32-bit register r stands for R(x) with bit i <-> x^(31-i);
 * appending one zero bit multiplies by x, i.e. r = (r >> 1) ^ (r & 1 ? POLY : 0).
 * The register after a message M (zero start) is M(x) * x^32 mod P(x).
 *
 * Software: slicing-by-8 tables.
 *
 * SSE4.2: the crc32 instruction has a latency of 3 cycles and a throughput of 1 per
 * cycle, so long inputs are split into three interleaved streams whose registers are
 * combined with "zero-feeding" tables: the register after "A then B" equals
 * Z_|B|(reg after A) xor (reg over B from 0), where Z_n (feeding n zero bytes) is a
 * linear map on 32 bits, precomputed as four 256-entry tables per stream length.
 *
 * PCLMUL / VPCLMUL (carry-less multiplication folding). A 16-byte little-endian load
 * holds 128 message bits with bit j <-> x^(127-j): its low qword is the high-degree
 * half H (bit i <-> x^(127-i)), its high qword the low half L (bit i <-> x^(63-i)).
 * To move such a 128-bit value A = H x^64 + L forward over F bits of later data we need
 * A x^F = H x^(F+64) + L x^F (mod P). clmul of two 64-bit reflected operands gives a
 * 127-bit product whose 128-bit reflected reading is the true product times x (the bit
 * order puts the product one place too high), so the constants absorb one x:
 *     k_H = x^(F+63) mod P,  k_L = x^(F-1) mod P,
 * each a degree < 32 polynomial stored as a reflected 64-bit operand (bit i <-> x^(63-i),
 * so the 32-bit register form shifted left by 32). The products have degree < 96 and
 * land in the same bit order as a data block, so folding is
 *     A' = clmul(A.lo, k_H) ^ clmul(A.hi, k_L) ^ (next block F bits later).
 * The constants are computed at init from the bit-serial recurrence above (xpow_reg).
 * Several accumulators run in parallel (fold distance = their total width) to hide the
 * multiply latency, are folded into one at the end, and the final 128 bits A (with
 * A == everything so far mod P) are reduced by running the crc32 instruction over A's
 * 16 bytes from a zero register: that yields A x^32 mod P, the register we want. The
 * caller's register enters by xor into the first 4 message bytes (linearity).
 * Short inputs go to the crc32 instruction path, which wins below ~160 bytes.
 *
 * VPCLMUL runs the folding alongside four crc32 instruction streams (hybrid_blocks):
 * the vector multiplier and the integer crc32 unit are separate, and on Zen 3 each
 * peaks near 8 bytes per cycle (vpclmulqdq ymm every 2 cycles, crc32 every cycle);
 * together they reach about 12 bytes per cycle.
 */
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define KFB_CRC_X86 1
#endif

#define POLY 0x82F63B78u
#define LONG_BLOCK 8192
#define SHORT_BLOCK 256
/* Below these lengths the folding paths hand over to the crc32 instruction path. They
 * must be at least the first round's load (64 and 128 bytes). On AMD Zen 3 the VPCLMUL
 * path overtakes the crc32 instruction from about 160 bytes (chained calls: 128 B 16.6 vs
 * 16.2 ns, 160 B 18.1 vs 19.3 ns, 256 B 20.9 vs 30.5 ns). */
#define CLMUL_MIN_LEN 256
#define VCLMUL_MIN_LEN 160
_Static_assert(CLMUL_MIN_LEN >= 64 && VCLMUL_MIN_LEN >= 128, "first fold round reads past len");
/* Hybrid VPCLMUL + crc32 rounds: 128 folded bytes and HYB_STREAMS x HYB_STREAM_STEP
 * crc32 bytes each; blocks of HYB_LONG_ITERS and HYB_SHORT_ITERS rounds. */
#define HYB_STREAMS 4
#define HYB_STREAM_STEP 32
#define HYB_ROUND (128 + HYB_STREAMS * HYB_STREAM_STEP)
#define HYB_LONG_ITERS 64
#define HYB_SHORT_ITERS 8

static uint32_t sw_table[8][256];
static uint32_t zeros_long[4][256];  /* Z_LONG_BLOCK */
static uint32_t zeros_short[4][256]; /* Z_SHORT_BLOCK */
static uint32_t zeros_hyb_long[4][256];  /* Z_(HYB_STREAM_STEP * HYB_LONG_ITERS) */
static uint32_t zeros_hyb_short[4][256]; /* Z_(HYB_STREAM_STEP * HYB_SHORT_ITERS) */
static uint32_t x2n_table[32];       /* x^(2^k) mod P, register form */
static int impl_ok[KFB_CRC32C_IMPL_COUNT];
static kfb_crc32c_impl_t best_impl;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Fold constants (k_H, k_L) for the fold distances used below, in bits. */
static uint64_t fold_128[2], fold_256[2], fold_384[2], fold_512[2], fold_768[2], fold_1024[2];

/* Feeds n zero bytes to register `reg` (bytewise, table driven; init only). */
static uint32_t feed_zeros(uint32_t reg, size_t n) {
    while (n--) reg = sw_table[0][reg & 0xff] ^ (reg >> 8);
    return reg;
}

/* x^n mod P in register form (x^0 is bit 31), bit-serially; init only. */
static uint32_t xpow_reg(unsigned n) {
    uint32_t r = 0x80000000u;
    while (n--) r = (r >> 1) ^ ((r & 1) ? POLY : 0);
    return r;
}

static void fold_constants(uint64_t k[2], unsigned distance_bits) {
    k[0] = (uint64_t)xpow_reg(distance_bits + 63) << 32;
    k[1] = (uint64_t)xpow_reg(distance_bits - 1) << 32;
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

/* a * b mod P, both in register form (bit 31 = x^0). */
static uint32_t mulmod(uint32_t a, uint32_t b) {
    uint32_t p = 0;
    for (uint32_t m = 0x80000000u; m; m >>= 1) {
        if (a & m) p ^= b;
        b = (b >> 1) ^ ((b & 1) ? POLY : 0);
    }
    return p;
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
    build_zeros_table(zeros_hyb_long, HYB_STREAM_STEP * HYB_LONG_ITERS);
    build_zeros_table(zeros_hyb_short, HYB_STREAM_STEP * HYB_SHORT_ITERS);
    x2n_table[0] = 0x40000000u; /* x^1 */
    for (int k = 1; k < 32; k++) x2n_table[k] = mulmod(x2n_table[k - 1], x2n_table[k - 1]);
    fold_constants(fold_128, 128);
    fold_constants(fold_256, 256);
    fold_constants(fold_384, 384);
    fold_constants(fold_512, 512);
    fold_constants(fold_768, 768);
    fold_constants(fold_1024, 1024);
    impl_ok[KFB_CRC32C_SOFTWARE] = 1;
    best_impl = KFB_CRC32C_SOFTWARE;
#ifdef KFB_CRC_X86
    __builtin_cpu_init();
    impl_ok[KFB_CRC32C_SSE42] = __builtin_cpu_supports("sse4.2");
    impl_ok[KFB_CRC32C_PCLMUL] = impl_ok[KFB_CRC32C_SSE42] && __builtin_cpu_supports("pclmul");
    impl_ok[KFB_CRC32C_VPCLMUL] = impl_ok[KFB_CRC32C_PCLMUL] && __builtin_cpu_supports("avx2") &&
                                  __builtin_cpu_supports("vpclmulqdq");
    /* 128-bit PCLMUL folding alone is not the default: on Zen 3 (pclmulqdq every 2 cycles)
     * it runs at about half the speed of the crc32 instruction path. */
    if (impl_ok[KFB_CRC32C_VPCLMUL])
        best_impl = KFB_CRC32C_VPCLMUL;
    else if (impl_ok[KFB_CRC32C_SSE42])
        best_impl = KFB_CRC32C_SSE42;
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

/* Single stream: short inputs and the tails of the other paths. */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Helpers below are always inlined so each copy is compiled for its caller's target: the
 * VPCLMUL path must not run legacy-SSE encoded code with dirty upper ymm halves. */
__attribute__((target("sse4.2"))) static ALWAYS_INLINE uint32_t hw_tail(uint32_t reg, const uint8_t *p,
                                                                 size_t len) {
    uint64_t r = reg;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        r = _mm_crc32_u64(r, w);
        p += 8;
        len -= 8;
    }
    reg = (uint32_t)r;
    if (len & 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        reg = _mm_crc32_u32(reg, w);
        p += 4;
    }
    if (len & 2) {
        uint16_t w;
        memcpy(&w, p, 2);
        reg = _mm_crc32_u16(reg, w);
        p += 2;
    }
    if (len & 1) reg = _mm_crc32_u8(reg, *p);
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
    return hw_tail(reg, p, len);
}

/* A x^32 mod P for the 128-bit A: the crc32 instruction over A's bytes from zero. */
__attribute__((target("sse4.2,pclmul"))) static ALWAYS_INLINE uint32_t reduce128(__m128i a) {
    uint64_t r = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(a));
    return (uint32_t)_mm_crc32_u64(r, (uint64_t)_mm_extract_epi64(a, 1));
}

__attribute__((target("sse4.2,pclmul"))) static ALWAYS_INLINE __m128i fold128(__m128i a, __m128i k,
                                                                       __m128i next) {
    __m128i h = _mm_clmulepi64_si128(a, k, 0x00);
    __m128i l = _mm_clmulepi64_si128(a, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(h, l), next);
}

static ALWAYS_INLINE __m128i loadk(const uint64_t k[2]) {
    return _mm_loadu_si128((const __m128i *)(const void *)k);
}

static ALWAYS_INLINE __m128i load16(const uint8_t *p) {
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Folds 16-byte blocks into one accumulator, then reduces it and finishes the tail. */
__attribute__((target("sse4.2,pclmul"))) static ALWAYS_INLINE uint32_t clmul_finish(__m128i a,
                                                                      const uint8_t *p,
                                                                      size_t len) {
    __m128i k = loadk(fold_128);
    while (len >= 16) {
        a = fold128(a, k, load16(p));
        p += 16;
        len -= 16;
    }
    return hw_tail(reduce128(a), p, len);
}

/* Four 128-bit accumulators, 64 bytes per round (fold distance 512 bits). */
__attribute__((target("sse4.2,pclmul"))) static uint32_t clmul_update(uint32_t reg,
                                                                      const uint8_t *p,
                                                                      size_t len) {
    if (len < CLMUL_MIN_LEN) return hw_update(reg, p, len);
    __m128i x0 = _mm_xor_si128(load16(p), _mm_cvtsi32_si128((int)reg));
    __m128i x1 = load16(p + 16), x2 = load16(p + 32), x3 = load16(p + 48);
    p += 64;
    len -= 64;
    __m128i k = loadk(fold_512);
    while (len >= 64) {
        x0 = fold128(x0, k, load16(p));
        x1 = fold128(x1, k, load16(p + 16));
        x2 = fold128(x2, k, load16(p + 32));
        x3 = fold128(x3, k, load16(p + 48));
        p += 64;
        len -= 64;
    }
    /* x0..x2 lie 48, 32 and 16 bytes before x3 */
    x3 = fold128(x0, loadk(fold_384), x3);
    x3 = fold128(x1, loadk(fold_256), x3);
    x3 = fold128(x2, loadk(fold_128), x3);
    return clmul_finish(x3, p, len);
}

#define VTARGET __attribute__((target("sse4.2,pclmul,avx2,vpclmulqdq")))

VTARGET static ALWAYS_INLINE __m256i vfold(__m256i a, __m256i k, __m256i next) {
    __m256i h = _mm256_clmulepi64_epi128(a, k, 0x00);
    __m256i l = _mm256_clmulepi64_epi128(a, k, 0x11);
    return _mm256_xor_si256(_mm256_xor_si256(h, l), next);
}

VTARGET static ALWAYS_INLINE __m256i vloadk(const uint64_t k[2]) {
    return _mm256_broadcastsi128_si256(loadk(k));
}

VTARGET static ALWAYS_INLINE __m256i load32(const uint8_t *p) {
    return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

/* Four 256-bit accumulators (eight 128-bit lanes), 128 bytes per round (fold distance
 * 1024 bits for every lane). */
VTARGET static uint32_t vclmul_core(uint32_t reg, const uint8_t *p, size_t len) {
    if (len < VCLMUL_MIN_LEN) return hw_update(reg, p, len);
    __m256i y0 = _mm256_xor_si256(load32(p), _mm256_set_epi32(0, 0, 0, 0, 0, 0, 0, (int)reg));
    __m256i y1 = load32(p + 32), y2 = load32(p + 64), y3 = load32(p + 96);
    p += 128;
    len -= 128;
    __m256i k = vloadk(fold_1024);
    while (len >= 128) {
        y0 = vfold(y0, k, load32(p));
        y1 = vfold(y1, k, load32(p + 32));
        y2 = vfold(y2, k, load32(p + 64));
        y3 = vfold(y3, k, load32(p + 96));
        p += 128;
        len -= 128;
    }
    /* y0..y2 lie 96, 64 and 32 bytes before y3 */
    y3 = vfold(y0, vloadk(fold_768), y3);
    y3 = vfold(y1, vloadk(fold_512), y3);
    y3 = vfold(y2, vloadk(fold_256), y3);
    k = vloadk(fold_256);
    while (len >= 32) {
        y3 = vfold(y3, k, load32(p));
        p += 32;
        len -= 32;
    }
    /* lane 0 lies 16 bytes before lane 1 */
    __m128i a = fold128(_mm256_castsi256_si128(y3), loadk(fold_128),
                        _mm256_extracti128_si256(y3, 1));
    return clmul_finish(a, p, len);
}

/*
 * VPCLMULQDQ folding and the crc32 instruction use different execution units (vector
 * multiplier vs integer ALU) and, on Zen 3, each peaks near 8 bytes per cycle; running
 * both at once nearly doubles throughput. A block of HYB_ROUND * iters bytes is split
 * into a folded part V (first 128 * iters bytes) and HYB_STREAMS crc32 streams C0..
 * (HYB_STREAM_STEP * iters bytes each, from zero registers); each round advances V by
 * 128 bytes and every stream by HYB_STREAM_STEP. The block's register is then
 * Z(..Z(Z(reg_V) ^ c0) ^ c1 ..) ^ c_last with Z = Z_{HYB_STREAM_STEP * iters}, the
 * zero-feeding table passed in.
 */
VTARGET static uint32_t hybrid_blocks(uint32_t reg, const uint8_t *p, size_t len, size_t iters,
                                      uint32_t zeros[4][256], size_t *done) {
    const size_t block = HYB_ROUND * iters, lc = HYB_STREAM_STEP * iters;
    __m256i k = vloadk(fold_1024);
    size_t n = 0;
    while (len - n >= block) {
        const uint8_t *v = p + n, *c = v + 128 * iters;
        __m256i y0 = _mm256_xor_si256(load32(v), _mm256_set_epi32(0, 0, 0, 0, 0, 0, 0, (int)reg));
        __m256i y1 = load32(v + 32), y2 = load32(v + 64), y3 = load32(v + 96);
        uint64_t r[HYB_STREAMS] = {0};
        for (size_t i = 0;;) {
            const uint8_t *q = c + HYB_STREAM_STEP * i;
#pragma GCC unroll 8
            for (int s = 0; s < HYB_STREAMS; s++) {
#pragma GCC unroll 8
                for (int j = 0; j < HYB_STREAM_STEP; j += 8) {
                    uint64_t w;
                    memcpy(&w, q + s * lc + j, 8);
                    r[s] = _mm_crc32_u64(r[s], w);
                }
            }
            if (++i == iters) break;
            const uint8_t *w = v + 128 * i;
            y0 = vfold(y0, k, load32(w));
            y1 = vfold(y1, k, load32(w + 32));
            y2 = vfold(y2, k, load32(w + 64));
            y3 = vfold(y3, k, load32(w + 96));
        }
        y3 = vfold(y0, vloadk(fold_768), y3);
        y3 = vfold(y1, vloadk(fold_512), y3);
        y3 = vfold(y2, vloadk(fold_256), y3);
        __m128i a = fold128(_mm256_castsi256_si128(y3), loadk(fold_128),
                            _mm256_extracti128_si256(y3, 1));
        reg = reduce128(a);
        for (int s = 0; s < HYB_STREAMS; s++) reg = shift_by(zeros, reg) ^ (uint32_t)r[s];
        n += block;
    }
    *done = n;
    return reg;
}

VTARGET static uint32_t vclmul_update(uint32_t reg, const uint8_t *p, size_t len) {
    size_t done;
    reg = hybrid_blocks(reg, p, len, HYB_LONG_ITERS, zeros_hyb_long, &done);
    p += done;
    len -= done;
    reg = hybrid_blocks(reg, p, len, HYB_SHORT_ITERS, zeros_hyb_short, &done);
    p += done;
    len -= done;
    return vclmul_core(reg, p, len);
}
#endif /* KFB_CRC_X86 */

static uint32_t update_with(kfb_crc32c_impl_t impl, uint32_t reg, const uint8_t *p, size_t len) {
    switch (impl) {
#ifdef KFB_CRC_X86
    case KFB_CRC32C_VPCLMUL: return vclmul_update(reg, p, len);
    case KFB_CRC32C_PCLMUL: return clmul_update(reg, p, len);
    case KFB_CRC32C_SSE42: return hw_update(reg, p, len);
#endif
    default: return sw_update(reg, p, len);
    }
}

uint32_t kfb_crc32c(uint32_t crc, const void *data, size_t len) {
    ensure_init();
    return ~update_with(best_impl, ~crc, data, len);
}

int kfb_crc32c_impl_available(kfb_crc32c_impl_t impl) {
    ensure_init();
    return (unsigned)impl < KFB_CRC32C_IMPL_COUNT && impl_ok[impl];
}

uint32_t kfb_crc32c_with(kfb_crc32c_impl_t impl, uint32_t crc, const void *data, size_t len) {
    if (!kfb_crc32c_impl_available(impl)) return 0;
    return ~update_with(impl, ~crc, data, len);
}

const char *kfb_crc32c_impl_label(kfb_crc32c_impl_t impl) {
    static const char *const labels[KFB_CRC32C_IMPL_COUNT] = {"software", "sse4.2", "pclmul",
                                                              "vpclmul-avx2"};
    return (unsigned)impl < KFB_CRC32C_IMPL_COUNT ? labels[impl] : NULL;
}

kfb_crc32c_impl_t kfb_crc32c_default_impl(void) {
    ensure_init();
    return best_impl;
}

uint32_t kfb_crc32c_sw(uint32_t crc, const void *data, size_t len) {
    return kfb_crc32c_with(KFB_CRC32C_SOFTWARE, crc, data, len);
}

uint32_t kfb_crc32c_hw(uint32_t crc, const void *data, size_t len) {
    return kfb_crc32c_with(KFB_CRC32C_SSE42, crc, data, len);
}

int kfb_crc32c_hw_available(void) { return kfb_crc32c_impl_available(KFB_CRC32C_SSE42); }

const char *kfb_crc32c_impl_name(void) { return kfb_crc32c_impl_label(kfb_crc32c_default_impl()); }

/* Linearity: with inversions on both ends, crc(A||B) = Z_|B|(crc(A)) ^ crc(B), where Z_n
 * multiplies by x^(8n) mod P; x^(8n) is assembled from the squares x^(2^k). */
uint32_t kfb_crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b) {
    ensure_init();
    uint32_t x = 0x80000000u; /* x^0 */
    for (unsigned k = 3; len_b; len_b >>= 1, k++)
        if (len_b & 1) x = mulmod(x2n_table[k & 31], x);
    return mulmod(x, crc_a) ^ crc_b;
}
