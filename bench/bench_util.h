/* bench_util.h - what every benchmark needs: a monotonic clock and the summary of
 * repeated trials (median, min, max). Header-only: each bench is its own binary. */
#ifndef KFB_BENCH_UTIL_H
#define KFB_BENCH_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct bench_summary {
    double median, min, max;
} bench_summary_t;

static inline int bench_cmp_double_(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median (the upper one for an even n), minimum and maximum of v[0, n), n >= 1, n <= 64;
 * v is left as it is. */
static inline bench_summary_t bench_summarize(const double *v, int n) {
    double c[64];
    memcpy(c, v, (size_t)n * sizeof(double));
    qsort(c, (size_t)n, sizeof(double), bench_cmp_double_);
    return (bench_summary_t){c[n / 2], c[0], c[n - 1]};
}

#endif
