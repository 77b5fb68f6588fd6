/* bench_row_encode.c - compacted-row encode rate for a 10-column mixed row, against a
 * same-run baseline that only memcpy's the already-encoded bytes of each row.
 *
 * Row: (BIGINT, STRING, INT, DOUBLE, BOOLEAN, STRING null, TIMESTAMP_LTZ(3), STRING, FLOAT,
 * INT). Rows are appended back to back into one reused buffer, as a KV batch builder does;
 * the buffer is rewound every BATCH rows so it stays in cache and never reallocates.
 * Values vary per row so varint lengths vary and nothing is constant-folded.
 * Prints rows/s for both and the ratio encode/memcpy (1.0 = as fast as copying the bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "compacted_row.h"

#define ROWS 20000000L
#define BATCH 4096
#define NPRE 1024

static const char *const names[8] = {"alice", "bob", "carol", "dave-the-longer-name",
                                     "eve", "mallory", "trent", "peggy"};
static const char *const cities[4] = {"Amsterdam", "Berlin", "Copenhagen", "Dublin"};

static inline kfb_err_t encode_row(kfb_row_writer_t *w, kfb_buf_t *b, long i) {
    kfb_err_t e = kfb_row_writer_begin(w, b, 10);
    const char *name = names[i & 7];
    const char *city = cities[(i >> 3) & 3];
    e |= kfb_row_write_bigint(w, 1000000007L * i);
    e |= kfb_row_write_string(w, name, strlen(name));
    e |= kfb_row_write_int(w, (int32_t)(i & 0xfffff));
    e |= kfb_row_write_double(w, (double)i * 0.25);
    e |= kfb_row_write_boolean(w, i & 1);
    e |= kfb_row_write_null(w, 5);
    e |= kfb_row_write_timestamp_ltz(w, 1698235273182LL + i, 0, 3);
    e |= kfb_row_write_string(w, city, strlen(city));
    e |= kfb_row_write_float(w, (float)i);
    e |= kfb_row_write_int(w, (int32_t)(i % 1000) - 500);
    return e;
}

int main(void) {
    kfb_buf_t b = KFB_BUF_INIT;
    if (kfb_buf_reserve(&b, (size_t)BATCH * 128)) return 1;
    kfb_row_writer_t w;

    /* Pre-encode NPRE rows for the baseline (same value mix as the timed loop). */
    kfb_buf_t pre = KFB_BUF_INIT;
    size_t off[NPRE + 1];
    for (long i = 0; i < NPRE; i++) {
        off[i] = pre.len;
        if (encode_row(&w, &pre, i)) return 1;
    }
    off[NPRE] = pre.len;

    uint64_t check = 0;
    double best_enc = 1e9, best_cpy = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        for (long i = 0; i < ROWS; i++) {
            if ((i & (BATCH - 1)) == 0) kfb_buf_reset(&b);
            if (KFB_UNLIKELY(encode_row(&w, &b, i))) return 1;
        }
        double t1 = now();
        check += b.len + b.data[b.len - 1];
        for (long i = 0; i < ROWS; i++) {
            if ((i & (BATCH - 1)) == 0) kfb_buf_reset(&b);
            size_t k = (size_t)(i & (NPRE - 1)), n = off[k + 1] - off[k];
            /* what a pre-encoded row costs to place: reserve + copy */
            if (KFB_UNLIKELY(kfb_buf_append(&b, pre.data + off[k], n))) return 1;
        }
        double t2 = now();
        check += b.len + b.data[b.len - 1];
        if (t1 - t0 < best_enc) best_enc = t1 - t0;
        if (t2 - t1 < best_cpy) best_cpy = t2 - t1;
    }
    double enc = (double)ROWS / best_enc, cpy = (double)ROWS / best_cpy;
    printf("row_encode: 10-column row, %.1f bytes/row average\n", (double)pre.len / NPRE);
    printf("row_encode: encode   %.1f M rows/s\n", enc / 1e6);
    printf("row_encode: memcpy   %.1f M rows/s (baseline: copy of the same encoded bytes)\n",
           cpy / 1e6);
    printf("row_encode: ratio encode/memcpy = %.2f (check %llu)\n", enc / cpy,
           (unsigned long long)check);
    kfb_buf_free(&b);
    kfb_buf_free(&pre);
    return 0;
}
