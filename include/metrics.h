/*
 * metrics.h - a metrics registry (counters, gauges, histograms with labels) rendered in the
 * Prometheus text exposition format, version 0.0.4.
 *
 * Reference: Prometheus "Exposition formats" (text format 0.0.4: `# HELP`, `# TYPE`, one
 * sample per line, label values escaped as \\ \" \n, HELP text as \\ \n, floats as Go's
 * ParseFloat reads them incl. NaN, +Inf, -Inf; histograms as cumulative NAME_bucket{le=...}
 * ending with le="+Inf", then NAME_sum and NAME_count) and client_golang's naming rules
 * (metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, "__" reserved).
 *
 *   kfb_metrics_t *reg = kfb_metrics_new();
 *   const char *lbl[] = {"table"};
 *   kfb_metric_family_t *f = kfb_metrics_family(reg, KFB_METRIC_COUNTER,
 *       "kfb_putkv_batches_total", "PutKv batches acknowledged", lbl, 1, NULL, 0, e, sizeof e);
 *   const char *v[] = {"shop.items"};
 *   kfb_counter_t *c = kfb_metrics_counter(f, v);   // once, at setup
 *   kfb_counter_inc(c);                             // hot path: one relaxed atomic add
 *
 * Threads: registration (families, series), removal and rendering take the registry's
 * mutex and may allocate. Updates through a handle take no lock and never allocate: counters
 * and gauges are relaxed atomics, a histogram observation is relaxed atomic adds (a
 * compare-and-swap loop for sums and gauge adds, which succeeds at once with one writer).
 * Any thread may update; the bridge updates from its poll thread and the HTTP endpoint
 * renders from its own. A render reads each value atomically: it may see one histogram
 * observation in a bucket before it shows in _sum, never a _count that differs from the
 * +Inf bucket (both are computed from the same bucket reads).
 *
 * Every update helper accepts NULL (does nothing), so a caller can run without metrics or
 * past a failed registration.
 *
 * Ownership: the registry owns families and series; handles stay valid until the series is
 * removed (kfb_metrics_remove) or the registry destroyed. Label values and texts are copied.
 */
#ifndef KFB_METRICS_H
#define KFB_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "errors.h"

typedef struct kfb_metrics kfb_metrics_t;
typedef struct kfb_metric_family kfb_metric_family_t;

typedef enum kfb_metric_type {
    KFB_METRIC_COUNTER = 0,
    KFB_METRIC_GAUGE,
    KFB_METRIC_HISTOGRAM,
} kfb_metric_type_t;

#define KFB_METRIC_MAX_LABELS 8
#define KFB_METRIC_MAX_BUCKETS 32

/* Series value cells. Read and write them only through the helpers below. */
typedef struct kfb_counter {
    _Atomic uint64_t value;
} kfb_counter_t;

typedef struct kfb_gauge {
    _Atomic uint64_t bits; /* IEEE 754 double */
} kfb_gauge_t;

typedef struct kfb_histogram kfb_histogram_t; /* opaque */

kfb_metrics_t *kfb_metrics_new(void);
/* Frees every family and series; handles become invalid. NULL is a no-op. */
void kfb_metrics_destroy(kfb_metrics_t *m);

/*
 * Declares a family: its type, name, HELP text and label names (labels[n_labels], none may
 * be "le" for a histogram). buckets[n_buckets]: a histogram's upper bounds, finite and
 * strictly increasing (the +Inf bucket is implicit); NULL/0 for the others. Declaring the
 * same name again with the same type, labels and buckets returns the existing family; a
 * different definition, an invalid name, or too many labels/buckets is NULL + errstr
 * (errstr may be NULL when errstr_size is 0).
 * Families render in declaration order; a family without series is not rendered.
 */
kfb_metric_family_t *kfb_metrics_family(kfb_metrics_t *m, kfb_metric_type_t type, const char *name,
                                        const char *help, const char *const *labels, size_t n_labels,
                                        const double *buckets, size_t n_buckets, char *errstr,
                                        size_t errstr_size);

/*
 * The series of family f with these label values (values[n_labels] in declaration order;
 * NULL for a family without labels), created at 0 on first use, else the existing one.
 * NULL when f is NULL, of another type, or memory runs out. Series render in creation
 * order. Looking up is a linear scan of the family: call at setup, keep the handle.
 */
kfb_counter_t *kfb_metrics_counter(kfb_metric_family_t *f, const char *const *values);
kfb_gauge_t *kfb_metrics_gauge(kfb_metric_family_t *f, const char *const *values);
kfb_histogram_t *kfb_metrics_histogram(kfb_metric_family_t *f, const char *const *values);
/* A gauge series registered now but left out of the exposition until its first
 * kfb_gauge_set (it holds NaN until then): registering allocates, so the pipeline does it
 * when a partition is assigned, not in the steady state, without showing a made-up 0. */
kfb_gauge_t *kfb_metrics_gauge_unset(kfb_metric_family_t *f, const char *const *values);

/* Removes the series with these label values (no-op when there is none): it disappears from
 * the exposition, its handle becomes invalid. Call from the thread that updates it. */
void kfb_metrics_remove(kfb_metric_family_t *f, const char *const *values);

/* Series in f (tests). */
size_t kfb_metrics_series_count(kfb_metric_family_t *f);

/* Appends the whole exposition to out. KFB_ERR_NOMEM (out then holds a prefix). */
kfb_err_t kfb_metrics_render(kfb_metrics_t *m, kfb_buf_t *out);

/* Writes v as the text format wants it: NaN, +Inf, -Inf, or the shortest of %.15g..%.17g
 * that reads back as v. Returns the length (out: at least 32 bytes). */
size_t kfb_metrics_format_double(double v, char *out, size_t size);

/* ---- updates (no locks, no allocation; NULL is a no-op) ---- */

static inline void kfb_counter_add(kfb_counter_t *c, uint64_t n) {
    if (c) atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}
static inline void kfb_counter_inc(kfb_counter_t *c) { kfb_counter_add(c, 1); }
static inline uint64_t kfb_counter_get(const kfb_counter_t *c) {
    return c ? atomic_load_explicit((_Atomic uint64_t *)&c->value, memory_order_relaxed) : 0;
}

static inline void kfb_gauge_set(kfb_gauge_t *g, double v) {
    if (!g) return;
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    atomic_store_explicit(&g->bits, b, memory_order_relaxed);
}
static inline double kfb_gauge_get(const kfb_gauge_t *g) {
    if (!g) return 0.0;
    uint64_t b = atomic_load_explicit((_Atomic uint64_t *)&g->bits, memory_order_relaxed);
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}
/* Adds d (may be negative). */
void kfb_gauge_add(kfb_gauge_t *g, double d);

/* Counts v in the first bucket whose bound is >= v (+Inf when none; NaN counts there too)
 * and adds it to the sum. */
void kfb_histogram_observe(kfb_histogram_t *h, double v);
/* Observations so far (tests). */
uint64_t kfb_histogram_count(const kfb_histogram_t *h);

#endif
