/*
 * bytes.h - explicit byte order. RPC framing is big-endian, everything inside
 * Fluss KV batches and rows is little-endian. Never memcpy a native integer onto
 * the wire; use these.
 */
#ifndef KFB_BYTES_H
#define KFB_BYTES_H

#include <stdint.h>
#include <string.h>

/* On little-endian GCC/Clang hosts these are single unaligned moves (memcpy of a fixed
 * size), plus a bswap for the big-endian ones; elsewhere the portable byte-wise forms.
 * The byte-wise forms rely on the compiler merging them, which it mostly does; in the
 * mapper's fused path the memcpy forms still save about 9 instructions a message
 * (callgrind, bench_transcode). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define KFB_BYTES_LE_ 1
#endif

#ifdef KFB_BYTES_LE_
#define KFB_BYTES_PUT_(bits, p, v) do { uint##bits##_t x_ = (v); memcpy((p), &x_, sizeof x_); } while (0)
#define KFB_BYTES_GET_(bits, p) do { uint##bits##_t x_; memcpy(&x_, (p), sizeof x_); return x_; } while (0)
static inline void kfb_put_le16(uint8_t *p, uint16_t v) { KFB_BYTES_PUT_(16, p, v); }
static inline void kfb_put_le32(uint8_t *p, uint32_t v) { KFB_BYTES_PUT_(32, p, v); }
static inline void kfb_put_le64(uint8_t *p, uint64_t v) { KFB_BYTES_PUT_(64, p, v); }
static inline void kfb_put_be16(uint8_t *p, uint16_t v) { KFB_BYTES_PUT_(16, p, __builtin_bswap16(v)); }
static inline void kfb_put_be32(uint8_t *p, uint32_t v) { KFB_BYTES_PUT_(32, p, __builtin_bswap32(v)); }
static inline void kfb_put_be64(uint8_t *p, uint64_t v) { KFB_BYTES_PUT_(64, p, __builtin_bswap64(v)); }
static inline uint16_t kfb_get_le16(const uint8_t *p) { KFB_BYTES_GET_(16, p); }
static inline uint32_t kfb_get_le32(const uint8_t *p) { KFB_BYTES_GET_(32, p); }
static inline uint64_t kfb_get_le64(const uint8_t *p) { KFB_BYTES_GET_(64, p); }
static inline uint16_t kfb_get_be16(const uint8_t *p) { return __builtin_bswap16(kfb_get_le16(p)); }
static inline uint32_t kfb_get_be32(const uint8_t *p) { return __builtin_bswap32(kfb_get_le32(p)); }
static inline uint64_t kfb_get_be64(const uint8_t *p) { return __builtin_bswap64(kfb_get_le64(p)); }
#undef KFB_BYTES_PUT_
#undef KFB_BYTES_GET_
#else
static inline void kfb_put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void kfb_put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void kfb_put_le64(uint8_t *p, uint64_t v) { kfb_put_le32(p, (uint32_t)v); kfb_put_le32(p + 4, (uint32_t)(v >> 32)); }
static inline void kfb_put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void kfb_put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void kfb_put_be64(uint8_t *p, uint64_t v) { kfb_put_be32(p, (uint32_t)(v >> 32)); kfb_put_be32(p + 4, (uint32_t)v); }

static inline uint16_t kfb_get_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t kfb_get_le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t kfb_get_le64(const uint8_t *p) { return (uint64_t)kfb_get_le32(p) | ((uint64_t)kfb_get_le32(p + 4) << 32); }
static inline uint16_t kfb_get_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t kfb_get_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline uint64_t kfb_get_be64(const uint8_t *p) { return ((uint64_t)kfb_get_be32(p) << 32) | kfb_get_be32(p + 4); }

#endif

/* IEEE-754 bit patterns, without aliasing violations. */
static inline uint32_t kfb_float_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline uint64_t kfb_double_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline float kfb_bits_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline double kfb_bits_double(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

#endif
