/*
 * crc32c.h - CRC-32C (Castagnoli), as java.util.zip.CRC32C computes it:
 * reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.
 * Check value: crc32c("123456789") == 0xE3069283.
 *
 * Fluss KV batches carry it over bytes [9, end) (fluss-common/.../utils/crc/Crc32C.java,
 * record/KvRecordBatchBuilder.java). The fastest path the CPU supports is chosen at
 * run time (see kfb_crc32c_impl_t); every path returns the same value.
 *
 * Thread safety: all functions are safe to call from any thread; tables are built
 * once on first use.
 */
#ifndef KFB_CRC32C_H
#define KFB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: pass 0 to start, or a previous result to extend it over more data. */
uint32_t kfb_crc32c(uint32_t crc, const void *data, size_t len);

/*
 * CRC of A||B from crc_a = kfb_crc32c(0, A), crc_b = kfb_crc32c(0, B) and len_b = |B|
 * (zlib's crc32_combine for CRC-32C). Costs O(log len_b) 32-bit carry-less products,
 * independent of the data. Also: kfb_crc32c(c, B) == kfb_crc32c_combine(c, crc_b, len_b).
 */
uint32_t kfb_crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b);

/* The implementations, for tests and benchmarks. kfb_crc32c() uses VPCLMUL when the CPU
 * has it, else SSE42, else SOFTWARE; PCLMUL is only run when asked for (slower than
 * SSE42 on the CPUs we measured). All paths fall back to the crc32 instruction for
 * inputs shorter than a few hundred bytes. */
typedef enum kfb_crc32c_impl {
    KFB_CRC32C_SOFTWARE = 0, /* slicing-by-8 tables, any CPU */
    KFB_CRC32C_SSE42,        /* crc32 instruction, 3 interleaved streams */
    KFB_CRC32C_PCLMUL,       /* 128-bit carry-less multiply folding (needs SSE4.2 too) */
    KFB_CRC32C_VPCLMUL,      /* 256-bit VPCLMULQDQ folding (AVX2) running alongside four
                                crc32 instruction streams */
    KFB_CRC32C_IMPL_COUNT
} kfb_crc32c_impl_t;

/* 1 when this CPU (and build) can run `impl`; the software path always can. */
int kfb_crc32c_impl_available(kfb_crc32c_impl_t impl);
/* Runs one specific implementation. Returns 0 (and computes nothing) when it is not
 * available; check kfb_crc32c_impl_available() first. */
uint32_t kfb_crc32c_with(kfb_crc32c_impl_t impl, uint32_t crc, const void *data, size_t len);
/* "software", "sse4.2", "pclmul" or "vpclmul-avx2"; NULL for an out-of-range value. */
const char *kfb_crc32c_impl_label(kfb_crc32c_impl_t impl);
/* The implementation kfb_crc32c() dispatches to on this CPU. */
kfb_crc32c_impl_t kfb_crc32c_default_impl(void);

/* Older spellings, kept for callers: the software and SSE4.2 paths. */
uint32_t kfb_crc32c_sw(uint32_t crc, const void *data, size_t len);
/* Returns 0 (and computes nothing) when the CPU lacks SSE4.2; check kfb_crc32c_hw_available(). */
uint32_t kfb_crc32c_hw(uint32_t crc, const void *data, size_t len);
int kfb_crc32c_hw_available(void);
/* Label of the default implementation (kfb_crc32c_impl_label of kfb_crc32c_default_impl). */
const char *kfb_crc32c_impl_name(void);

#endif
