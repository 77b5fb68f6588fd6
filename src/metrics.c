/*
 * metrics.c - the metrics registry and its Prometheus text exposition (format 0.0.4).
 *
 * Layout: the registry holds families in declaration order; each family holds its series in
 * creation order. A series keeps its label values and, computed once at creation, its
 * escaped label text (`a="x",b="y"`), so rendering is copying plus number formatting.
 * Histogram buckets are stored per bucket (not cumulative) so that an observation is one
 * atomic add; rendering sums them into the cumulative counts the format wants and takes
 * _count from the same sums, so _count always equals the +Inf bucket.
 * Reference: prometheus/common expfmt/text_create.go (escaping, float formatting,
 * histogram lines), prometheus/client_golang prometheus/histogram.go (bucket search).
 */
#include "metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct series {
    struct series *next;
    char **values;   /* [n_labels] */
    char *label_text; /* escaped `k="v",...` without braces; "" without labels */
    union {
        kfb_counter_t counter;
        kfb_gauge_t gauge;
    } u;
    kfb_histogram_t *hist;
} series_t;

struct kfb_histogram {
    const double *bounds; /* the family's */
    size_t n_bounds;
    _Atomic uint64_t *counts; /* [n_bounds + 1]; the last is +Inf */
    kfb_gauge_t sum;
};

struct kfb_metric_family {
    kfb_metrics_t *reg;
    struct kfb_metric_family *next;
    kfb_metric_type_t type;
    char *name, *help;
    char **labels;
    size_t n_labels;
    double *bounds;
    size_t n_bounds;
    series_t *series, *last;
};

struct kfb_metrics {
    pthread_mutex_t mu;
    kfb_metric_family_t *families, *last;
};

kfb_metrics_t *kfb_metrics_new(void) {
    kfb_metrics_t *m = calloc(1, sizeof *m);
    if (m) pthread_mutex_init(&m->mu, NULL);
    return m;
}

static void series_free(series_t *s, size_t n_labels) {
    if (!s) return;
    for (size_t i = 0; s->values && i < n_labels; i++) free(s->values[i]);
    free(s->values);
    free(s->label_text);
    if (s->hist) free(s->hist->counts);
    free(s->hist);
    free(s);
}

static void family_free(kfb_metric_family_t *f) {
    for (series_t *s = f->series, *n; s; s = n) {
        n = s->next;
        series_free(s, f->n_labels);
    }
    for (size_t i = 0; f->labels && i < f->n_labels; i++) free(f->labels[i]);
    free(f->labels);
    free(f->bounds);
    free(f->name);
    free(f->help);
    free(f);
}

void kfb_metrics_destroy(kfb_metrics_t *m) {
    if (!m) return;
    for (kfb_metric_family_t *f = m->families, *n; f; f = n) {
        n = f->next;
        family_free(f);
    }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* ---- names ---------------------------------------------------------------------------- */

static int name_char(char c, int first, int colon) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return 1;
    if (colon && c == ':') return 1;
    return !first && c >= '0' && c <= '9';
}

static int valid_name(const char *s, int colon) {
    if (!s || !*s) return 0;
    for (size_t i = 0; s[i]; i++)
        if (!name_char(s[i], i == 0, colon)) return 0;
    return 1;
}

static int same_definition(const kfb_metric_family_t *f, kfb_metric_type_t type, const char *const *labels,
                           size_t n_labels, const double *buckets, size_t n_buckets) {
    if (f->type != type || f->n_labels != n_labels || f->n_bounds != n_buckets) return 0;
    for (size_t i = 0; i < n_labels; i++)
        if (strcmp(f->labels[i], labels[i])) return 0;
    for (size_t i = 0; i < n_buckets; i++)
        if (f->bounds[i] != buckets[i]) return 0;
    return 1;
}

static char *xstrdup(const char *s) { return strdup(s ? s : ""); }

kfb_metric_family_t *kfb_metrics_family(kfb_metrics_t *m, kfb_metric_type_t type, const char *name, const char *help,
                                        const char *const *labels, size_t n_labels, const double *buckets,
                                        size_t n_buckets, char *errstr, size_t errstr_size) {
    if (!m) return NULL;
    if (!valid_name(name, 1)) {
        snprintf(errstr, errstr_size, "metric name '%s' is not a Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*)",
             name ? name : "(null)");
        return NULL;
    }
    if (n_labels > KFB_METRIC_MAX_LABELS || n_buckets > KFB_METRIC_MAX_BUCKETS ||
        (type == KFB_METRIC_HISTOGRAM) != (n_buckets > 0)) {
        snprintf(errstr, errstr_size, "metric %s: at most %d labels, and 1..%d buckets for a histogram only", name,
             KFB_METRIC_MAX_LABELS, KFB_METRIC_MAX_BUCKETS);
        return NULL;
    }
    for (size_t i = 0; i < n_labels; i++) {
        if (!valid_name(labels[i], 0) || !strncmp(labels[i], "__", 2) ||
            (type == KFB_METRIC_HISTOGRAM && !strcmp(labels[i], "le"))) {
            snprintf(errstr, errstr_size, "metric %s: label name '%s' is not allowed ([a-zA-Z_][a-zA-Z0-9_]*, "
                 "not starting with __, not le on a histogram)", name, labels[i] ? labels[i] : "(null)");
            return NULL;
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(labels[i], labels[k])) {
                snprintf(errstr, errstr_size, "metric %s: label '%s' is given twice", name, labels[i]);
                return NULL;
            }
    }
    for (size_t i = 0; i < n_buckets; i++)
        if (!isfinite(buckets[i]) || (i && !(buckets[i] > buckets[i - 1]))) {
            snprintf(errstr, errstr_size, "metric %s: bucket bounds must be finite and strictly increasing", name);
            return NULL;
        }
    pthread_mutex_lock(&m->mu);
    for (kfb_metric_family_t *f = m->families; f; f = f->next)
        if (!strcmp(f->name, name)) {
            int same = same_definition(f, type, labels, n_labels, buckets, n_buckets);
            pthread_mutex_unlock(&m->mu);
            if (!same) snprintf(errstr, errstr_size, "metric %s is already declared with another type, labels or buckets", name);
            return same ? f : NULL;
        }
    kfb_metric_family_t *f = calloc(1, sizeof *f);
    if (!f) goto nomem;
    f->reg = m;
    f->type = type;
    f->n_labels = n_labels;
    f->n_bounds = n_buckets;
    f->name = strdup(name);
    f->help = xstrdup(help);
    f->labels = calloc(n_labels ? n_labels : 1, sizeof *f->labels);
    f->bounds = calloc(n_buckets ? n_buckets : 1, sizeof *f->bounds);
    if (!f->name || !f->help || !f->labels || !f->bounds) goto nomem;
    for (size_t i = 0; i < n_labels; i++)
        if (!(f->labels[i] = strdup(labels[i]))) goto nomem;
    if (n_buckets) memcpy(f->bounds, buckets, n_buckets * sizeof *buckets);
    if (m->last) m->last->next = f;
    else m->families = f;
    m->last = f;
    pthread_mutex_unlock(&m->mu);
    return f;
nomem:
    pthread_mutex_unlock(&m->mu);
    if (f) family_free(f);
    snprintf(errstr, errstr_size, "metric %s: out of memory", name);
    return NULL;
}

/* ---- series --------------------------------------------------------------------------- */

/* Label value escaping of the text format: backslash, double quote, line feed. */
static kfb_err_t append_escaped(kfb_buf_t *b, const char *s, int quote) {
    kfb_err_t e = KFB_ERR_OK;
    for (; *s && !e; s++) {
        if (*s == '\\') e = kfb_buf_append(b, "\\\\", 2);
        else if (*s == '\n') e = kfb_buf_append(b, "\\n", 2);
        else if (quote && *s == '"') e = kfb_buf_append(b, "\\\"", 2);
        else e = kfb_buf_append_byte(b, (uint8_t)*s);
    }
    return e;
}

static char *label_text(const kfb_metric_family_t *f, const char *const *values) {
    kfb_buf_t b = KFB_BUF_INIT;
    kfb_err_t e = KFB_ERR_OK;
    for (size_t i = 0; i < f->n_labels && !e; i++) {
        if (i) e = kfb_buf_append_byte(&b, ',');
        if (!e) e = kfb_buf_append(&b, f->labels[i], strlen(f->labels[i]));
        if (!e) e = kfb_buf_append(&b, "=\"", 2);
        if (!e) e = append_escaped(&b, values[i] ? values[i] : "", 1);
        if (!e) e = kfb_buf_append_byte(&b, '"');
    }
    if (!e) e = kfb_buf_append_byte(&b, '\0');
    if (e) {
        kfb_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

static int values_match(const kfb_metric_family_t *f, const series_t *s, const char *const *values) {
    for (size_t i = 0; i < f->n_labels; i++)
        if (strcmp(s->values[i], values[i] ? values[i] : "")) return 0;
    return 1;
}

/* Under the lock: the existing series or a new one (then *added is set, when given). */
static series_t *find_or_add(kfb_metric_family_t *f, const char *const *values, int *added) {
    for (series_t *s = f->series; s; s = s->next)
        if (values_match(f, s, values)) return s;
    series_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->values = calloc(f->n_labels ? f->n_labels : 1, sizeof *s->values);
    if (!s->values) goto fail;
    for (size_t i = 0; i < f->n_labels; i++)
        if (!(s->values[i] = xstrdup(values[i]))) goto fail;
    if (!(s->label_text = label_text(f, values))) goto fail;
    if (f->type == KFB_METRIC_HISTOGRAM) {
        s->hist = calloc(1, sizeof *s->hist);
        if (!s->hist || !(s->hist->counts = calloc(f->n_bounds + 1, sizeof *s->hist->counts))) goto fail;
        s->hist->bounds = f->bounds;
        s->hist->n_bounds = f->n_bounds;
    }
    if (f->last) f->last->next = s;
    else f->series = s;
    f->last = s;
    if (added) *added = 1;
    return s;
fail:
    series_free(s, f->n_labels);
    return NULL;
}

/* kfb_metrics_gauge_unset's value: a NaN with a payload of its own, so that a gauge set to
 * NaN still shows */
#define UNSET_BITS UINT64_C(0x7ff80000756e7365)
static int gauge_unset(const kfb_gauge_t *g) {
    return atomic_load_explicit((_Atomic uint64_t *)&g->bits, memory_order_relaxed) == UNSET_BITS;
}

/* unset: a gauge made now starts unset (under the lock, before any other thread sees it) */
static series_t *get_series(kfb_metric_family_t *f, kfb_metric_type_t type, const char *const *values, int unset) {
    if (!f || f->type != type || (f->n_labels && !values)) return NULL;
    pthread_mutex_lock(&f->reg->mu);
    int added = 0;
    series_t *s = find_or_add(f, values, &added);
    if (added && unset) atomic_store_explicit(&s->u.gauge.bits, UNSET_BITS, memory_order_relaxed);
    pthread_mutex_unlock(&f->reg->mu);
    return s;
}

kfb_counter_t *kfb_metrics_counter(kfb_metric_family_t *f, const char *const *values) {
    series_t *s = get_series(f, KFB_METRIC_COUNTER, values, 0);
    return s ? &s->u.counter : NULL;
}

kfb_gauge_t *kfb_metrics_gauge(kfb_metric_family_t *f, const char *const *values) {
    series_t *s = get_series(f, KFB_METRIC_GAUGE, values, 0);
    return s ? &s->u.gauge : NULL;
}

kfb_gauge_t *kfb_metrics_gauge_unset(kfb_metric_family_t *f, const char *const *values) {
    series_t *s = get_series(f, KFB_METRIC_GAUGE, values, 1);
    return s ? &s->u.gauge : NULL;
}

kfb_histogram_t *kfb_metrics_histogram(kfb_metric_family_t *f, const char *const *values) {
    series_t *s = get_series(f, KFB_METRIC_HISTOGRAM, values, 0);
    return s ? s->hist : NULL;
}

void kfb_metrics_remove(kfb_metric_family_t *f, const char *const *values) {
    if (!f || (f->n_labels && !values)) return;
    pthread_mutex_lock(&f->reg->mu);
    series_t *prev = NULL;
    for (series_t *s = f->series; s; prev = s, s = s->next) {
        if (!values_match(f, s, values)) continue;
        if (prev) prev->next = s->next;
        else f->series = s->next;
        if (f->last == s) f->last = prev;
        series_free(s, f->n_labels);
        break;
    }
    pthread_mutex_unlock(&f->reg->mu);
}

size_t kfb_metrics_series_count(kfb_metric_family_t *f) {
    if (!f) return 0;
    size_t n = 0;
    pthread_mutex_lock(&f->reg->mu);
    for (series_t *s = f->series; s; s = s->next) n++;
    pthread_mutex_unlock(&f->reg->mu);
    return n;
}

/* ---- updates -------------------------------------------------------------------------- */

static void double_add(_Atomic uint64_t *bits, double d) {
    uint64_t old = atomic_load_explicit(bits, memory_order_relaxed), nw;
    do {
        double v;
        memcpy(&v, &old, sizeof v);
        v += d;
        memcpy(&nw, &v, sizeof nw);
    } while (!atomic_compare_exchange_weak_explicit(bits, &old, nw, memory_order_relaxed, memory_order_relaxed));
}

void kfb_gauge_add(kfb_gauge_t *g, double d) {
    if (g) double_add(&g->bits, d);
}

void kfb_histogram_observe(kfb_histogram_t *h, double v) {
    if (!h) return;
    /* first bound >= v; NaN compares false everywhere and lands in +Inf */
    size_t lo = 0, hi = h->n_bounds;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h->bounds[mid] >= v) hi = mid;
        else lo = mid + 1;
    }
    if (isnan(v)) lo = h->n_bounds;
    atomic_fetch_add_explicit(&h->counts[lo], 1, memory_order_relaxed);
    double_add(&h->sum.bits, v);
}

uint64_t kfb_histogram_count(const kfb_histogram_t *h) {
    uint64_t n = 0;
    for (size_t i = 0; h && i <= h->n_bounds; i++) n += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
    return n;
}

/* ---- exposition ----------------------------------------------------------------------- */

size_t kfb_metrics_format_double(double v, char *out, size_t size) {
    int n;
    if (isnan(v)) n = snprintf(out, size, "NaN");
    else if (isinf(v)) n = snprintf(out, size, v > 0 ? "+Inf" : "-Inf");
    else {
        n = 0;
        for (int prec = 15; prec <= 17; prec++) {
            n = snprintf(out, size, "%.*g", prec, v);
            if (strtod(out, NULL) == v) break;
        }
    }
    return n < 0 ? 0 : (size_t)n;
}

typedef struct out {
    kfb_buf_t *b;
    kfb_err_t err;
} out_t;

static void o_put(out_t *o, const char *s, size_t n) {
    if (!o->err) o->err = kfb_buf_append(o->b, s, n);
}
static void o_str(out_t *o, const char *s) { o_put(o, s, strlen(s)); }
static void o_u64(out_t *o, uint64_t v) {
    char t[24];
    o_put(o, t, (size_t)snprintf(t, sizeof t, "%llu", (unsigned long long)v));
}
static void o_double(out_t *o, double v) {
    char t[40];
    o_put(o, t, kfb_metrics_format_double(v, t, sizeof t));
}

/* NAME{labels} or NAME_suffix{labels,extra} */
static void o_sample_head(out_t *o, const kfb_metric_family_t *f, const char *suffix, const series_t *s,
                          const char *extra) {
    o_str(o, f->name);
    o_str(o, suffix);
    if (s->label_text[0] || extra) {
        o_str(o, "{");
        o_str(o, s->label_text);
        if (extra) {
            if (s->label_text[0]) o_str(o, ",");
            o_str(o, extra);
        }
        o_str(o, "}");
    }
    o_str(o, " ");
}

static int has_shown_series(const kfb_metric_family_t *f) {
    for (const series_t *s = f->series; s; s = s->next)
        if (f->type != KFB_METRIC_GAUGE || !gauge_unset(&s->u.gauge)) return 1;
    return 0;
}

static void render_family(out_t *o, const kfb_metric_family_t *f) {
    static const char *const types[] = {"counter", "gauge", "histogram"};
    o_str(o, "# HELP ");
    o_str(o, f->name);
    o_str(o, " ");
    if (!o->err) o->err = append_escaped(o->b, f->help, 0);
    o_str(o, "\n# TYPE ");
    o_str(o, f->name);
    o_str(o, " ");
    o_str(o, types[f->type]);
    o_str(o, "\n");
    for (const series_t *s = f->series; s && !o->err; s = s->next) {
        if (f->type == KFB_METRIC_COUNTER) {
            o_sample_head(o, f, "", s, NULL);
            o_u64(o, kfb_counter_get(&s->u.counter));
        } else if (f->type == KFB_METRIC_GAUGE) {
            if (gauge_unset(&s->u.gauge)) continue; /* registered, never set */
            o_sample_head(o, f, "", s, NULL);
            o_double(o, kfb_gauge_get(&s->u.gauge));
        } else {
            uint64_t cum = 0;
            char le[64];
            for (size_t i = 0; i <= f->n_bounds; i++) {
                cum += atomic_load_explicit(&s->hist->counts[i], memory_order_relaxed);
                if (i < f->n_bounds) {
                    memcpy(le, "le=\"", 4);
                    size_t k = 4 + kfb_metrics_format_double(f->bounds[i], le + 4, sizeof le - 6);
                    memcpy(le + k, "\"", 2);
                } else {
                    memcpy(le, "le=\"+Inf\"", 10);
                }
                o_sample_head(o, f, "_bucket", s, le);
                o_u64(o, cum);
                o_str(o, "\n");
            }
            o_sample_head(o, f, "_sum", s, NULL);
            o_double(o, kfb_gauge_get(&s->hist->sum));
            o_str(o, "\n");
            o_sample_head(o, f, "_count", s, NULL);
            o_u64(o, cum);
        }
        o_str(o, "\n");
    }
}

kfb_err_t kfb_metrics_render(kfb_metrics_t *m, kfb_buf_t *out) {
    out_t o = {out, KFB_ERR_OK};
    if (!m) return KFB_ERR_OK;
    pthread_mutex_lock(&m->mu);
    for (const kfb_metric_family_t *f = m->families; f && !o.err; f = f->next)
        if (has_shown_series(f)) render_family(&o, f);
    pthread_mutex_unlock(&m->mu);
    return o.err;
}
