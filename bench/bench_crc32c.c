/* bench_crc32c.c - CRC-32C throughput of the dispatching path (kfb_crc32c), the SSE4.2
 * path and the slicing-by-8 software path, as ratios to memcpy of the same bytes in the
 * same run, over 64 KiB and 1 MiB buffers. Best of several rounds (shared machine). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crc32c.h"

#define ROUNDS 7
#define TOTAL_PER_ROUND ((size_t)128 << 20) /* bytes processed per round */

static volatile uint32_t sink;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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

int main(void) {
    static const size_t sizes[] = {64u << 10, 1u << 20};
    printf("crc32c: default path = %s, sse4.2 available = %s\n", kfb_crc32c_impl_name(),
           kfb_crc32c_hw_available() ? "yes" : "no");
    for (size_t s = 0; s < 2; s++) {
        size_t n = sizes[s];
        /* page-aligned: see bench_kv_batch.c on glibc memcpy and relative alignment */
        uint8_t *src = aligned_alloc(4096, n), *dst = aligned_alloc(4096, n);
        for (size_t i = 0; i < n; i++) src[i] = (uint8_t)(i * 2654435761u >> 13);
        memset(dst, 0, n);
        double mc = 0, def = 0, hw = 0, sw = 0, r;
        for (int round = 0; round < ROUNDS; round++) {
            if ((r = run_memcpy(dst, src, n, TOTAL_PER_ROUND)) > mc) mc = r;
            if ((r = run_crc(kfb_crc32c, src, n, TOTAL_PER_ROUND)) > def) def = r;
            if (kfb_crc32c_hw_available() &&
                (r = run_crc(kfb_crc32c_hw, src, n, TOTAL_PER_ROUND)) > hw)
                hw = r;
            if ((r = run_crc(kfb_crc32c_sw, src, n, TOTAL_PER_ROUND / 8)) > sw) sw = r;
        }
        printf("%5zu KiB  memcpy (baseline)  %8.0f MB/s  1.00x\n", n >> 10, mc / 1e6);
        printf("%5zu KiB  kfb_crc32c         %8.0f MB/s  %.2fx  (target >= 0.50x)\n", n >> 10,
               def / 1e6, def / mc);
        if (kfb_crc32c_hw_available()) {
            printf("%5zu KiB  kfb_crc32c_hw      %8.0f MB/s  %.2fx\n", n >> 10, hw / 1e6, hw / mc);
        }
        printf("%5zu KiB  kfb_crc32c_sw      %8.0f MB/s  %.2fx\n", n >> 10, sw / 1e6, sw / mc);
        free(src);
        free(dst);
    }
    return 0;
}
