/* bench_crc32c.c - CRC-32C throughput of the dispatching path (kfb_crc32c) and of every
 * implementation this CPU has, as ratios to memcpy of the same bytes in the same run,
 * over 1 KiB to 1 MiB buffers. Best of several rounds (shared machine). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "crc32c.h"

#define ROUNDS 7
#define TOTAL_PER_ROUND ((size_t)128 << 20) /* bytes processed per round */

static volatile uint32_t sink;

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

/* One round each; main keeps the best of ROUNDS interleaved rounds, so frequency drift
 * and busy neighbours affect every variant alike. */
static double run_crc(crc_fn fn, const uint8_t *buf, size_t n, size_t total) {
    double best = 0;
    {
        size_t iters = total / n;
        uint32_t c = 0;
        double t0 = now();
        for (size_t i = 0; i < iters; i++) c = fn(c, buf, n);
        double rate = (double)(iters * n) / (now() - t0);
        sink += c;
        if (rate > best) best = rate;
    }
    return best;
}

static double run_memcpy(uint8_t *dst, const uint8_t *src, size_t n, size_t total) {
    double best = 0;
    {
        size_t iters = total / n;
        double t0 = now();
        for (size_t i = 0; i < iters; i++) {
            memcpy(dst, src, n);
            __asm__ volatile("" : : "r"(dst) : "memory");
        }
        double rate = (double)(iters * n) / (now() - t0);
        sink += dst[0];
        if (rate > best) best = rate;
    }
    return best;
}

static const kfb_crc32c_impl_t impls[KFB_CRC32C_IMPL_COUNT] = {
    KFB_CRC32C_SOFTWARE, KFB_CRC32C_SSE42, KFB_CRC32C_PCLMUL, KFB_CRC32C_VPCLMUL};
static kfb_crc32c_impl_t cur_impl;
static uint32_t crc_cur(uint32_t c, const void *p, size_t n) { return kfb_crc32c_with(cur_impl, c, p, n); }

int main(void) {
    static const size_t sizes[] = {1u << 10, 4u << 10, 64u << 10, 1u << 20};
    printf("crc32c: default path = %s\n", kfb_crc32c_impl_name());
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        /* page-aligned: see bench_kv_batch.c on glibc memcpy and relative alignment */
        uint8_t *src = aligned_alloc(4096, n), *dst = aligned_alloc(4096, n);
        for (size_t i = 0; i < n; i++) src[i] = (uint8_t)(i * 2654435761u >> 13);
        memset(dst, 0, n);
        double mc = 0, def = 0, best[KFB_CRC32C_IMPL_COUNT] = {0}, r;
        for (int round = 0; round < ROUNDS; round++) {
            if ((r = run_memcpy(dst, src, n, TOTAL_PER_ROUND)) > mc) mc = r;
            if ((r = run_crc(kfb_crc32c, src, n, TOTAL_PER_ROUND)) > def) def = r;
            for (int i = 0; i < KFB_CRC32C_IMPL_COUNT; i++) {
                if (!kfb_crc32c_impl_available(impls[i])) continue;
                cur_impl = impls[i];
                /* the software path is ~20x slower: fewer bytes keep rounds short */
                size_t total = impls[i] == KFB_CRC32C_SOFTWARE ? TOTAL_PER_ROUND / 16
                                                                : TOTAL_PER_ROUND;
                if ((r = run_crc(crc_cur, src, n, total)) > best[i]) best[i] = r;
            }
        }
        printf("%5zu KiB  memcpy (baseline)   %8.0f MB/s  1.00x\n", n >> 10, mc / 1e6);
        printf("%5zu KiB  kfb_crc32c          %8.0f MB/s  %.2fx%s\n", n >> 10, def / 1e6,
               def / mc, n >= (64u << 10) ? "  (target >= 0.50x)" : "");
        for (int i = 0; i < KFB_CRC32C_IMPL_COUNT; i++) {
            if (!kfb_crc32c_impl_available(impls[i])) continue;
            printf("%5zu KiB    %-16s  %8.0f MB/s  %.2fx\n", n >> 10,
                   kfb_crc32c_impl_label(impls[i]), best[i] / 1e6, best[i] / mc);
        }
        free(src);
        free(dst);
    }
    return 0;
}
