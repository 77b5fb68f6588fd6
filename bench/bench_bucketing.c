/* bench_bucketing.c - cost of bucketing and Paimon key encoding, as ratios
 * against baselines measured in the same run on the same keys:
 *   crc32c   kfb_crc32c over the key (SSE4.2 when present), a cheap hash pass
 *   memcpy   copying the key into a scratch buffer
 * Ratios > 1 mean slower than the baseline. No absolute thresholds. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "bucketing.h"
#include "crc32c.h"
#include "paimon_key.h"

#define NKEYS 4096
#define ROUNDS 400

static uint8_t keys[NKEYS][64];
static size_t lens[NKEYS];
static volatile uint64_t sink;

static void make_keys(size_t minlen, size_t maxlen) {
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < NKEYS; i++) {
        lens[i] = minlen + (size_t)(x % (maxlen - minlen + 1));
        for (size_t j = 0; j < lens[i]; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            keys[i][j] = (uint8_t)x;
        }
    }
}

#define TIME(var, body)                                                                   \
    do {                                                                                  \
        double best_ = 1e9;                                                               \
        for (int rep_ = 0; rep_ < 3; rep_++) {                                            \
            double t0_ = now();                                                           \
            for (int r_ = 0; r_ < ROUNDS; r_++)                                           \
                for (int i = 0; i < NKEYS; i++) { body; }                                 \
            double t_ = now() - t0_;                                                      \
            if (t_ < best_) best_ = t_;                                                   \
        }                                                                                 \
        var = best_;                                                                      \
    } while (0)

static void run(const char *label, size_t minlen, size_t maxlen) {
    make_keys(minlen, maxlen);
    uint8_t scratch[64];
    double t_crc, t_cpy, t_fluss, t_paimon, t_ice;
    uint64_t acc = 0;
    TIME(t_cpy, { memcpy(scratch, keys[i], lens[i]); acc += scratch[0]; });
    TIME(t_crc, acc += kfb_crc32c(0, keys[i], lens[i]));
    TIME(t_fluss, acc += (uint64_t)kfb_bucket_fluss(keys[i], lens[i], 16));
    TIME(t_paimon, acc += (uint64_t)kfb_bucket_paimon(keys[i], lens[i], 16));
    TIME(t_ice, acc += (uint64_t)kfb_bucket_iceberg(keys[i], lens[i], 16));
    sink = acc;
    printf("%-22s fluss/crc32c %.2f  paimon/crc32c %.2f  iceberg/crc32c %.2f  fluss/memcpy %.2f\n",
           label, t_fluss / t_crc, t_paimon / t_crc, t_ice / t_crc, t_fluss / t_cpy);
}

static void run_paimon_encode(void) {
    /* (BIGINT, STRING of 12..40 bytes) keys: encode + bucket vs a bare memcpy
     * of the same payload into the same buffer */
    make_keys(12, 40);
    kfb_buf_t out = KFB_BUF_INIT;
    double t_enc, t_cpy;
    uint64_t acc = 0;
    TIME(t_cpy, {
        kfb_buf_reset(&out);
        kfb_buf_append(&out, &i, sizeof i);
        kfb_buf_append(&out, keys[i], lens[i]);
        acc += out.len;
    });
    TIME(t_enc, {
        kfb_paimon_key_writer_t w;
        size_t len;
        kfb_buf_reset(&out);
        kfb_paimon_key_begin(&w, &out, 2);
        kfb_paimon_key_write_bigint(&w, 0, i);
        kfb_paimon_key_write_string(&w, 1, keys[i], lens[i]);
        kfb_paimon_key_finish(&w, &len);
        acc += (uint64_t)kfb_bucket_paimon(out.data, len, 16);
    });
    sink = acc;
    printf("%-22s paimon encode+bucket / (memcpy into buf) %.2f\n", "(BIGINT, STRING) key", t_enc / t_cpy);
    kfb_buf_free(&out);
}

int main(void) {
    run("1-5 B (compacted INT)", 1, 5);
    run("16 B (Paimon 1-field)", 16, 16);
    run("36-40 B (UUID string)", 36, 40);
    run_paimon_encode();
    return 0;
}
