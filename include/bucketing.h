/*
 * bucketing.h - which Fluss bucket an encoded bucket key belongs to.
 *
 * Fluss picks the bucketing function from the table's `table.datalake.format`
 * (BucketingFunction.of): none or lance -> Fluss, paimon -> Paimon,
 * iceberg -> Iceberg, hudi -> Hudi. The bytes hashed are the encoded bucket
 * key (see key_plan.h for which encoder produces them).
 *
 * References (apache/fluss 545c553, fluss-common/src/main/java/org/apache/fluss):
 *   bucketing/FlussBucketingFunction.java    murmur(key) -> MathUtils.murmurHash -> % n
 *   utils/MurmurHashUtils.java                hashUnsafeBytes, seed 42
 *   utils/MathUtils.java                      murmurHash(int), bitMix
 *   bucketing/PaimonBucketingFunction.java    abs(hashBytes(key) % n)
 *   bucketing/IcebergBucketingFunction.java   (Guava murmur3_32_fixed(key) & INT_MAX) % n
 *
 * The Fluss hash is NOT Murmur3_x86_32: the 0..3 tail bytes are mixed one at
 * a time, each as a signed Java byte sign-extended to 32 bits, through the
 * same k-mix and h-mix as a full block (fluss-rust zero-extends them and so
 * disagrees with Java whenever a tail byte is >= 0x80; we follow Java).
 *
 * Everything here is pure: no allocation, no state, thread-safe. The hot
 * functions are static inline so a batcher can inline them.
 *
 * Ownership: key bytes are borrowed for the duration of the call; key may be
 * NULL only when len is 0.
 */
#ifndef KFB_BUCKETING_H
#define KFB_BUCKETING_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "errors.h"

/* Returned by the kfb_bucket_* functions for an empty key, a key longer than
 * INT32_MAX bytes or num_buckets <= 0 (Java throws for these). */
#define KFB_BUCKET_INVALID (-1)

/* Which bucketing function a table uses (chosen by key_plan.h). */
typedef enum kfb_bucket_fn {
    KFB_BUCKET_FN_FLUSS = 0, /* no lake format, or lance */
    KFB_BUCKET_FN_PAIMON,
    KFB_BUCKET_FN_ICEBERG,
    KFB_BUCKET_FN_HUDI, /* needs HudiKeyEncoder bytes; not implemented, refused */
} kfb_bucket_fn_t;

/* Static string ("fluss", "paimon", "iceberg", "hudi"; "unknown" otherwise). */
const char *kfb_bucket_fn_name(kfb_bucket_fn_t fn);

/* ---- intermediate hash functions (exposed for tests and diagnostics) ---- */

static inline uint32_t kfb_rotl32_(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static inline uint32_t kfb_murmur_mix_k1_(uint32_t k1) {
    k1 *= 0xcc9e2d51u;
    k1 = kfb_rotl32_(k1, 15);
    return k1 * 0x1b873593u;
}

static inline uint32_t kfb_murmur_mix_h1_(uint32_t h1, uint32_t k1) {
    h1 ^= k1;
    h1 = kfb_rotl32_(h1, 13);
    return h1 * 5u + 0xe6546b64u;
}

/* Murmur3's 32-bit finalizer (MurmurHashUtils.fmix(int) == MathUtils.bitMix). */
static inline uint32_t kfb_murmur_fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* The 4-byte little-endian block rounds over p[0..aligned) that both hashes share
 * (MurmurHashUtils.hashUnsafeBytesByInt; Murmur3 body). aligned is a multiple of 4. */
static inline uint32_t kfb_murmur_blocks_(const uint8_t *p, size_t aligned, uint32_t h1) {
    for (size_t i = 0; i < aligned; i += 4)
        h1 = kfb_murmur_mix_h1_(h1, kfb_murmur_mix_k1_(kfb_get_le32(p + i)));
    return h1;
}

/* MurmurHashUtils.hashUnsafeBytes(bytes, off, len, seed) as Java computes it
 * on a little-endian machine: 4-byte LE blocks, then each tail byte signed
 * and sign-extended, then h ^= len and fmix. Result is Java's int bits. */
static inline uint32_t kfb_murmur_fluss_seed(const void *data, size_t len, uint32_t seed) {
    const uint8_t *p = (const uint8_t *)data;
    size_t aligned = len & ~(size_t)3;
    uint32_t h1 = kfb_murmur_blocks_(p, aligned, seed);
    for (size_t i = aligned; i < len; i++) {
        /* Java: int halfWord = UNSAFE.getByte(...) - a signed byte widened. */
        uint32_t k1 = (uint32_t)(int32_t)(int8_t)p[i];
        h1 = kfb_murmur_mix_h1_(h1, kfb_murmur_mix_k1_(k1));
    }
    return kfb_murmur_fmix32(h1 ^ (uint32_t)len);
}

/* MurmurHashUtils.hashBytes / hashUnsafeBytes with DEFAULT_SEED = 42. */
static inline int32_t kfb_murmur_fluss(const void *data, size_t len) {
    return (int32_t)kfb_murmur_fluss_seed(data, len, 42u);
}

/* kfb_murmur_fluss for keys of 1..8 bytes (a BIGINT/INT key is a 1..10-byte varint, mostly
 * short): the same rounds without the loops, so a hot caller pays no loop control. Reads
 * only the len bytes at data; len must be 1..8 (anything else: use kfb_murmur_fluss). */
static inline int32_t kfb_murmur_fluss_short(const void *data, size_t len) {
    const uint8_t *p = (const uint8_t *)data;
    uint32_t h1 = 42u;
    if (len >= 4) {
        h1 = kfb_murmur_mix_h1_(h1, kfb_murmur_mix_k1_(kfb_get_le32(p)));
        if (len >= 8) h1 = kfb_murmur_mix_h1_(h1, kfb_murmur_mix_k1_(kfb_get_le32(p + 4)));
    }
    /* the 0..3 tail bytes, each signed and sign-extended as Java's getByte */
    const uint8_t *t = p + (len & ~(size_t)3);
    switch (len & 3) {
    case 3: h1 = kfb_murmur_mix_h1_(h1, kfb_murmur_mix_k1_((uint32_t)(int32_t)(int8_t)*t++));
        /* fall through */
    case 2: h1 = kfb_murmur_mix_h1_(h1, kfb_murmur_mix_k1_((uint32_t)(int32_t)(int8_t)*t++));
        /* fall through */
    case 1: h1 = kfb_murmur_mix_h1_(h1, kfb_murmur_mix_k1_((uint32_t)(int32_t)(int8_t)*t));
        /* fall through */
    default: break;
    }
    return (int32_t)kfb_murmur_fmix32(h1 ^ (uint32_t)len);
}

/* MathUtils.murmurHash(int): one more block round over the 4-byte int, then
 * h ^= 4, bitMix, and a non-negative result (INT_MIN -> 0, else |c|). */
static inline int32_t kfb_murmur_fluss_int(int32_t code) {
    uint32_t c = kfb_murmur_mix_k1_((uint32_t)code);
    c = kfb_rotl32_(c, 13);
    c = c * 5u + 0xe6546b64u;
    c ^= 4u;
    c = kfb_murmur_fmix32(c);
    if ((int32_t)c >= 0) return (int32_t)c;
    if (c == 0x80000000u) return 0;
    return (int32_t)(0u - c);
}

/* Standard MurmurHash3_x86_32 (Austin Appleby; Guava murmur3_32_fixed):
 * 4-byte LE blocks, the 1..3 tail bytes combined unsigned into one k1,
 * h ^= len, fmix. Used by Iceberg bucketing with seed 0. */
static inline uint32_t kfb_murmur3_32(const void *data, size_t len, uint32_t seed) {
    const uint8_t *p = (const uint8_t *)data;
    size_t aligned = len & ~(size_t)3;
    uint32_t h1 = kfb_murmur_blocks_(p, aligned, seed);
    uint32_t k1 = 0;
    switch (len & 3) {
    case 3: k1 ^= (uint32_t)p[aligned + 2] << 16; /* fall through */
    case 2: k1 ^= (uint32_t)p[aligned + 1] << 8; /* fall through */
    case 1:
        k1 ^= p[aligned];
        h1 ^= kfb_murmur_mix_k1_(k1);
        break;
    default: break;
    }
    return kfb_murmur_fmix32(h1 ^ (uint32_t)len);
}

/* ---- bucketing functions: bucket in [0, num_buckets), or KFB_BUCKET_INVALID ---- */

static inline int kfb_bucket_args_ok_(size_t len, int32_t num_buckets) {
    return len != 0 && len <= (size_t)INT32_MAX && num_buckets > 0;
}

/* FlussBucketingFunction.bucketForRowKey (also Lance). */
static inline int32_t kfb_bucket_fluss(const void *key, size_t len, int32_t num_buckets) {
    if (KFB_UNLIKELY(!kfb_bucket_args_ok_(len, num_buckets))) return KFB_BUCKET_INVALID;
    return kfb_murmur_fluss_int(kfb_murmur_fluss(key, len)) % num_buckets;
}

/* kfb_bucket_fluss for keys of 1..8 bytes through kfb_murmur_fluss_short; the same result
 * as kfb_bucket_fluss for every such key, KFB_BUCKET_INVALID for any other length or
 * num_buckets <= 0. */
static inline int32_t kfb_bucket_fluss_short(const void *key, size_t len, int32_t num_buckets) {
    if (KFB_UNLIKELY(len - 1 >= 8 || num_buckets <= 0)) return KFB_BUCKET_INVALID;
    return kfb_murmur_fluss_int(kfb_murmur_fluss_short(key, len)) % num_buckets;
}

/* PaimonBucketingFunction: Math.abs(hash % n); Java's % keeps the dividend's
 * sign, as C99's does. Java accepts an empty key here, but a Paimon key is a
 * BinaryRow of at least 8 bytes, so an empty one is a caller bug. */
static inline int32_t kfb_bucket_paimon(const void *key, size_t len, int32_t num_buckets) {
    if (KFB_UNLIKELY(!kfb_bucket_args_ok_(len, num_buckets))) return KFB_BUCKET_INVALID;
    int32_t r = kfb_murmur_fluss(key, len) % num_buckets;
    return r < 0 ? -r : r;
}

/* IcebergBucketingFunction: (murmur3_32(key, seed 0) & INT_MAX) % n. */
static inline int32_t kfb_bucket_iceberg(const void *key, size_t len, int32_t num_buckets) {
    if (KFB_UNLIKELY(!kfb_bucket_args_ok_(len, num_buckets))) return KFB_BUCKET_INVALID;
    return (int32_t)((kfb_murmur3_32(key, len, 0u) & 0x7fffffffu) % (uint32_t)num_buckets);
}

/* Dispatch on fn. KFB_BUCKET_FN_HUDI and unknown values give
 * KFB_BUCKET_INVALID (key_plan.h refuses Hudi tables up front). */
int32_t kfb_bucket(kfb_bucket_fn_t fn, const void *key, size_t len, int32_t num_buckets);

#endif
