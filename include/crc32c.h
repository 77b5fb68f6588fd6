/*
 * crc32c.h - CRC-32C (Castagnoli), as java.util.zip.CRC32C computes it:
 * reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.
 * Check value: crc32c("123456789") == 0xE3069283.
 *
 * Fluss KV batches carry it over bytes [9, end) (fluss-common/.../utils/crc/Crc32C.java,
 * record/KvRecordBatchBuilder.java). The SSE4.2 instruction path is chosen at run
 * time when the CPU has it; otherwise a slicing-by-8 table path is used.
 */
#ifndef KFB_CRC32C_H
#define KFB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: pass 0 to start, or a previous result to extend it over more data. */
uint32_t kfb_crc32c(uint32_t crc, const void *data, size_t len);

/* The individual implementations, exposed for tests and benchmarks. */
uint32_t kfb_crc32c_sw(uint32_t crc, const void *data, size_t len);
/* Returns 0 (and computes nothing) when the CPU lacks SSE4.2; check kfb_crc32c_hw_available(). */
uint32_t kfb_crc32c_hw(uint32_t crc, const void *data, size_t len);
int kfb_crc32c_hw_available(void);
/* "sse4.2" or "software": which path kfb_crc32c() uses. */
const char *kfb_crc32c_impl_name(void);

#endif
