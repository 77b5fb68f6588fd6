/* fuzz_bucketing.c - the bucketing functions accept any bytes, stay in range,
 * and agree with a slow byte-at-a-time restatement of the Java algorithms.
 * Input: 2 bytes of bucket count (LE, may be <= 0 after the sign cast), then
 * the key. */
#include <stdint.h>
#include <stdlib.h>

#include "bucketing.h"

static uint32_t slow_round(uint32_t h, uint32_t k) {
    k *= 0xcc9e2d51u;
    k = (k << 15) | (k >> 17);
    k *= 0x1b873593u;
    h ^= k;
    h = (h << 13) | (h >> 19);
    return h * 5u + 0xe6546b64u;
}

static uint32_t slow_fmix(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16);
}

/* Java MurmurHashUtils.hashUnsafeBytes, seed 42 */
static uint32_t slow_fluss(const uint8_t *p, size_t n) {
    uint32_t h = 42;
    size_t i = 0;
    for (; n - i >= 4; i += 4)
        h = slow_round(h, (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                              (uint32_t)p[i + 3] << 24);
    for (; i < n; i++) h = slow_round(h, p[i] & 0x80 ? 0xffffff00u | p[i] : p[i]);
    return slow_fmix(h ^ (uint32_t)n);
}

/* Guava murmur3_32_fixed, seed 0 */
static uint32_t slow_murmur3(const uint8_t *p, size_t n) {
    uint32_t h = 0, k = 0;
    size_t i = 0;
    for (; n - i >= 4; i += 4)
        h = slow_round(h, (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                              (uint32_t)p[i + 3] << 24);
    for (size_t j = 0; i + j < n; j++) k |= (uint32_t)p[i + j] << (8 * j);
    if (n & 3) {
        k *= 0xcc9e2d51u;
        k = (k << 15) | (k >> 17);
        h ^= k * 0x1b873593u;
    }
    return slow_fmix(h ^ (uint32_t)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    int32_t n = (int16_t)(data[0] | data[1] << 8);
    const uint8_t *key = data + 2;
    size_t len = size - 2;
    if ((uint32_t)kfb_murmur_fluss(key, len) != slow_fluss(key, len)) abort();
    if (kfb_murmur3_32(key, len, 0) != slow_murmur3(key, len)) abort();
    for (int fn = 0; fn <= 3; fn++) {
        int32_t b = kfb_bucket((kfb_bucket_fn_t)fn, key, len, n);
        int bad_args = len == 0 || n <= 0 || fn == KFB_BUCKET_FN_HUDI;
        if (bad_args ? b != KFB_BUCKET_INVALID : (b < 0 || b >= n)) abort();
    }
    if (n > 0 && len > 0) {
        int32_t h = (int32_t)slow_fluss(key, len);
        int32_t p = h % n;
        if (kfb_bucket_paimon(key, len, n) != (p < 0 ? -p : p)) abort();
        if (kfb_bucket_iceberg(key, len, n) != (int32_t)((slow_murmur3(key, len) & 0x7fffffffu) % (uint32_t)n))
            abort();
    }
    return 0;
}
