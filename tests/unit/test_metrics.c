/*
 * test_metrics.c - the metrics registry's exposition against hand-written Prometheus text
 * (format 0.0.4), series removal, registration rules, updates racing renders, and the
 * bridge's catalogue (pipeline_metrics.h) with README.md.
 */
#include <math.h>
#include <pthread.h>

#include "harness.h"
#include "metrics.h"
#include "pipeline_metrics.h"

static char err[512];

/* The exposition as a C string (caller frees). */
static char *render(kfb_metrics_t *m) {
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_metrics_render(m, &b));
    ASSERT_OK(kfb_buf_append_byte(&b, 0));
    return (char *)b.data;
}

TEST(counter_and_gauge_with_escaping) {
    kfb_metrics_t *m = kfb_metrics_new();
    const char *l[] = {"path", "code"};
    kfb_metric_family_t *c = kfb_metrics_family(m, KFB_METRIC_COUNTER, "t_requests_total",
                                                "Requests.\nSecond \"line\" with \\ backslash", l, 2, NULL, 0, err,
                                                sizeof err);
    ASSERT_TRUE(c != NULL);
    kfb_metric_family_t *g = kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_temp_celsius", "Temperature", NULL, 0, NULL,
                                                0, err, sizeof err);
    ASSERT_TRUE(g != NULL);
    const char *v1[] = {"a\"b\\c\nd", "200"};
    const char *v2[] = {"/x", ""};
    kfb_counter_add(kfb_metrics_counter(c, v1), 3);
    kfb_counter_t *h2 = kfb_metrics_counter(c, v2);
    kfb_counter_inc(h2);
    kfb_counter_inc(h2);
    ASSERT_EQ_PTR(kfb_metrics_counter(c, v2), h2); /* same values, same series */
    kfb_gauge_set(kfb_metrics_gauge(g, NULL), -1.5);
    char *got = render(m);
    ASSERT_STREQ(got,
                 "# HELP t_requests_total Requests.\\nSecond \"line\" with \\\\ backslash\n"
                 "# TYPE t_requests_total counter\n"
                 "t_requests_total{path=\"a\\\"b\\\\c\\nd\",code=\"200\"} 3\n"
                 "t_requests_total{path=\"/x\",code=\"\"} 2\n"
                 "# HELP t_temp_celsius Temperature\n"
                 "# TYPE t_temp_celsius gauge\n"
                 "t_temp_celsius -1.5\n");
    free(got);
    kfb_metrics_destroy(m);
}

TEST(histogram_cumulative_buckets) {
    kfb_metrics_t *m = kfb_metrics_new();
    const char *l[] = {"table"};
    const double b[] = {0.125, 0.5, 1};
    kfb_metric_family_t *f = kfb_metrics_family(m, KFB_METRIC_HISTOGRAM, "t_latency_seconds", "Latency", l, 1, b, 3,
                                                err, sizeof err);
    ASSERT_TRUE(f != NULL);
    const char *v[] = {"db.t"};
    kfb_histogram_t *h = kfb_metrics_histogram(f, v);
    /* exact binary fractions, so the sum has one right answer: 7.1875 */
    const double obs[] = {0.0625, 0.125 /* le is inclusive */, 0.25, 0.75, 2, 4};
    for (size_t i = 0; i < 6; i++) kfb_histogram_observe(h, obs[i]);
    ASSERT_EQ_U64(kfb_histogram_count(h), 6);
    char *got = render(m);
    ASSERT_STREQ(got,
                 "# HELP t_latency_seconds Latency\n"
                 "# TYPE t_latency_seconds histogram\n"
                 "t_latency_seconds_bucket{table=\"db.t\",le=\"0.125\"} 2\n"
                 "t_latency_seconds_bucket{table=\"db.t\",le=\"0.5\"} 3\n"
                 "t_latency_seconds_bucket{table=\"db.t\",le=\"1\"} 4\n"
                 "t_latency_seconds_bucket{table=\"db.t\",le=\"+Inf\"} 6\n"
                 "t_latency_seconds_sum{table=\"db.t\"} 7.1875\n"
                 "t_latency_seconds_count{table=\"db.t\"} 6\n");
    free(got);
    kfb_metrics_destroy(m);
}

TEST(histogram_without_labels_and_nan_observation) {
    kfb_metrics_t *m = kfb_metrics_new();
    const double b[] = {1};
    kfb_metric_family_t *f = kfb_metrics_family(m, KFB_METRIC_HISTOGRAM, "t_h", "H", NULL, 0, b, 1, err, sizeof err);
    kfb_histogram_t *h = kfb_metrics_histogram(f, NULL);
    kfb_histogram_observe(h, NAN);
    char *got = render(m);
    ASSERT_STREQ(got,
                 "# HELP t_h H\n"
                 "# TYPE t_h histogram\n"
                 "t_h_bucket{le=\"1\"} 0\n"
                 "t_h_bucket{le=\"+Inf\"} 1\n"
                 "t_h_sum NaN\n"
                 "t_h_count 1\n");
    free(got);
    kfb_metrics_destroy(m);
}

TEST(float_formatting) {
    kfb_metrics_t *m = kfb_metrics_new();
    const char *l[] = {"v"};
    kfb_metric_family_t *g = kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_g", "G", l, 1, NULL, 0, err, sizeof err);
    static const struct { const char *name; double v; } cases[] = {
        {"nan", NAN}, {"inf", INFINITY}, {"ninf", -INFINITY}, {"tenth", 0.1}, {"third", 1.0 / 3.0},
        {"big", 1e21}, {"int", 123456789}, {"zero", 0}, {"tiny", 5e-324},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *v[] = {cases[i].name};
        kfb_gauge_set(kfb_metrics_gauge(g, v), cases[i].v);
    }
    char *got = render(m);
    ASSERT_STREQ(got,
                 "# HELP t_g G\n"
                 "# TYPE t_g gauge\n"
                 "t_g{v=\"nan\"} NaN\n"
                 "t_g{v=\"inf\"} +Inf\n"
                 "t_g{v=\"ninf\"} -Inf\n"
                 "t_g{v=\"tenth\"} 0.1\n"
                 "t_g{v=\"third\"} 0.3333333333333333\n"
                 "t_g{v=\"big\"} 1e+21\n"
                 "t_g{v=\"int\"} 123456789\n"
                 "t_g{v=\"zero\"} 0\n"
                 "t_g{v=\"tiny\"} 4.94065645841247e-324\n"); /* 15 digits read back as it */
    free(got);
    /* gauge arithmetic */
    const char *v[] = {"int"};
    kfb_gauge_t *gi = kfb_metrics_gauge(g, v);
    kfb_gauge_add(gi, -23456789);
    ASSERT_EQ_DBL(kfb_gauge_get(gi), 100000000.0);
    kfb_metrics_destroy(m);
}

TEST(removed_series_disappear) {
    kfb_metrics_t *m = kfb_metrics_new();
    const char *l[] = {"topic", "partition"};
    kfb_metric_family_t *lag = kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_lag", "Lag", l, 2, NULL, 0, err, sizeof err);
    const char *p0[] = {"t", "0"}, *p1[] = {"t", "1"};
    kfb_gauge_set(kfb_metrics_gauge(lag, p0), 5);
    kfb_gauge_set(kfb_metrics_gauge(lag, p1), 7);
    ASSERT_EQ_INT(kfb_metrics_series_count(lag), 2);
    kfb_metrics_remove(lag, p0);
    char *got = render(m);
    ASSERT_STREQ(got, "# HELP t_lag Lag\n# TYPE t_lag gauge\nt_lag{topic=\"t\",partition=\"1\"} 7\n");
    free(got);
    kfb_metrics_remove(lag, p0); /* already gone: no-op */
    kfb_metrics_remove(lag, p1);
    ASSERT_EQ_INT(kfb_metrics_series_count(lag), 0);
    got = render(m);
    ASSERT_STREQ(got, ""); /* a family without series is not rendered at all */
    free(got);
    /* assigned again: a new series from 0, after the others */
    kfb_gauge_t *again = kfb_metrics_gauge(lag, p0);
    ASSERT_EQ_DBL(kfb_gauge_get(again), 0.0);
    kfb_metrics_destroy(m);
}

TEST(unset_gauges_are_hidden_until_set) {
    kfb_metrics_t *m = kfb_metrics_new();
    const char *l[] = {"topic"};
    kfb_metric_family_t *f = kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_off", "Off", l, 1, NULL, 0, err, sizeof err);
    const char *a[] = {"a"}, *b[] = {"b"};
    kfb_gauge_t *ga = kfb_metrics_gauge_unset(f, a), *gb = kfb_metrics_gauge_unset(f, b);
    ASSERT_TRUE(ga && gb && ga != gb);
    ASSERT_EQ_INT(kfb_metrics_series_count(f), 2);
    char *got = render(m);
    ASSERT_STREQ(got, ""); /* no value yet: not even the family's HELP */
    free(got);
    kfb_gauge_set(gb, 0);
    got = render(m);
    ASSERT_STREQ(got, "# HELP t_off Off\n# TYPE t_off gauge\nt_off{topic=\"b\"} 0\n");
    free(got);
    /* the same series again, value kept; a set one is not unset again */
    ASSERT_EQ_PTR(kfb_metrics_gauge_unset(f, b), gb);
    ASSERT_EQ_PTR(kfb_metrics_gauge(f, a), ga);
    kfb_gauge_set(ga, 3);
    got = render(m);
    ASSERT_STREQ(got, "# HELP t_off Off\n# TYPE t_off gauge\nt_off{topic=\"a\"} 3\nt_off{topic=\"b\"} 0\n");
    free(got);
    kfb_metrics_destroy(m);
}

TEST(registration_rules) {
    kfb_metrics_t *m = kfb_metrics_new();
    const char *l[] = {"table"}, *l2[] = {"mapping"}, *le[] = {"le"}, *dup[] = {"a", "a"}, *res[] = {"__x"};
    const double b[] = {1, 2}, bad[] = {2, 1};
    kfb_metric_family_t *f = kfb_metrics_family(m, KFB_METRIC_COUNTER, "t_c_total", "C", l, 1, NULL, 0, err, sizeof err);
    ASSERT_TRUE(f != NULL);
    ASSERT_EQ_PTR(kfb_metrics_family(m, KFB_METRIC_COUNTER, "t_c_total", "C", l, 1, NULL, 0, err, sizeof err), f);
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_COUNTER, "t_c_total", "C", l2, 1, NULL, 0, err, sizeof err));
    ASSERT_CONTAINS(err, "already declared");
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_c_total", "C", l, 1, NULL, 0, err, sizeof err));
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_GAUGE, "1bad", "", NULL, 0, NULL, 0, err, sizeof err));
    ASSERT_CONTAINS(err, "not a Prometheus name");
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_GAUGE, "t-dash", "", NULL, 0, NULL, 0, err, sizeof err));
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_g", "", res, 1, NULL, 0, err, sizeof err));
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_g", "", dup, 2, NULL, 0, err, sizeof err));
    ASSERT_CONTAINS(err, "given twice");
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_HISTOGRAM, "t_h", "", le, 1, b, 2, err, sizeof err));
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_HISTOGRAM, "t_h", "", NULL, 0, bad, 2, err, sizeof err));
    ASSERT_CONTAINS(err, "strictly increasing");
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_HISTOGRAM, "t_h", "", NULL, 0, NULL, 0, err, sizeof err));
    ASSERT_TRUE(!kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_g", "", NULL, 0, b, 2, err, sizeof err));
    ASSERT_TRUE(kfb_metrics_family(m, KFB_METRIC_GAUGE, "ns:t_g", "", NULL, 0, NULL, 0, err, sizeof err) != NULL);
    /* wrong-type handles and NULL handles are refused / ignored */
    const char *v[] = {"x"};
    ASSERT_TRUE(kfb_metrics_gauge(f, v) == NULL);
    ASSERT_TRUE(kfb_metrics_counter(f, NULL) == NULL); /* labels need values */
    kfb_counter_inc(NULL);
    kfb_gauge_set(NULL, 1);
    kfb_gauge_add(NULL, 1);
    kfb_histogram_observe(NULL, 1);
    kfb_metrics_destroy(m);
}

/* ---- updates racing renders (also run under TSan by hand) ---- */

#define RACE_UPDATES 200000

typedef struct race {
    kfb_counter_t *c;
    kfb_histogram_t *h;
    kfb_gauge_t *g;
} race_t;

static void *writer(void *arg) {
    race_t *r = arg;
    for (int i = 0; i < RACE_UPDATES; i++) {
        kfb_counter_inc(r->c);
        kfb_histogram_observe(r->h, (double)(i % 4));
        kfb_gauge_set(r->g, (double)i);
    }
    return NULL;
}

/* value of the sample line that starts with `head` ("NAME{...} ") */
static unsigned long long sample(const char *text, const char *head) {
    char want[128];
    snprintf(want, sizeof want, "\n%s", head);
    const char *p = strstr(text, want);
    ASSERT_TRUE(p != NULL);
    return strtoull(p + strlen(want), NULL, 10);
}

TEST(updates_race_renders) {
    kfb_metrics_t *m = kfb_metrics_new();
    const double b[] = {0.5, 1.5, 2.5};
    race_t r;
    r.c = kfb_metrics_counter(kfb_metrics_family(m, KFB_METRIC_COUNTER, "t_n_total", "N", NULL, 0, NULL, 0, err, sizeof err), NULL);
    r.h = kfb_metrics_histogram(kfb_metrics_family(m, KFB_METRIC_HISTOGRAM, "t_h", "H", NULL, 0, b, 3, err, sizeof err), NULL);
    r.g = kfb_metrics_gauge(kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_g", "G", NULL, 0, NULL, 0, err, sizeof err), NULL);
    pthread_t t;
    ASSERT_EQ_INT(pthread_create(&t, NULL, writer, &r), 0);
    unsigned long long last = 0;
    const char *l2[] = {"k"};
    kfb_metric_family_t *extra = kfb_metrics_family(m, KFB_METRIC_GAUGE, "t_extra", "E", l2, 1, NULL, 0, err, sizeof err);
    for (int i = 0; i < 300; i++) {
        /* registration and removal on this side too, while the writer updates */
        char k[16];
        snprintf(k, sizeof k, "%d", i % 7);
        const char *v[] = {k};
        kfb_gauge_set(kfb_metrics_gauge(extra, v), i);
        if (i % 3 == 0) kfb_metrics_remove(extra, v);
        char *text = render(m);
        unsigned long long n = sample(text, "t_n_total ");
        ASSERT_GE_INT(n, last); /* counters never go back */
        last = n;
        /* _count is the +Inf bucket, always */
        ASSERT_EQ_U64(sample(text, "t_h_bucket{le=\"+Inf\"} "), sample(text, "t_h_count "));
        free(text);
    }
    pthread_join(t, NULL);
    char *text = render(m);
    ASSERT_EQ_U64(sample(text, "t_n_total "), RACE_UPDATES);
    ASSERT_EQ_U64(sample(text, "t_h_count "), RACE_UPDATES);
    ASSERT_EQ_U64(sample(text, "t_h_bucket{le=\"0.5\"} "), RACE_UPDATES / 4);
    ASSERT_CONTAINS(text, "t_h_sum 300000\n"); /* (0+1+2+3) * 50000 */
    free(text);
    kfb_metrics_destroy(m);
}

/* ---- the bridge's catalogue ---- */

static const char *const published[] = {
    "kfb_messages_consumed_total", "kfb_records_written_total", "kfb_messages_skipped_total",
    "kfb_record_errors_total", "kfb_messages_dead_lettered_total", "kfb_bytes_sent_total",
    "kfb_putkv_batches_total", "kfb_putkv_retries_total", "kfb_putkv_errors_total", "kfb_inflight_bytes",
    "kfb_buffered_bytes", "kfb_paused_partitions", "kfb_batch_size_bytes", "kfb_putkv_latency_seconds",
    "kfb_end_to_end_latency_seconds", "kfb_committed_offset", "kfb_end_offset", "kfb_consumer_lag",
    "kfb_rebalances_total", "kfb_replays_total", "kfb_schema_plans_compiled", "kfb_migrate_progress_ratio",
    "kfb_migrate_remaining_messages", "kfb_up", "kfb_build_info",
};

static kfb_pipeline_metrics_t *pm_with_everything(kfb_partition_metrics_t **pp) {
    kfb_pipeline_metrics_t *pm = kfb_pipeline_metrics_new("1.2.3", 1, err, sizeof err);
    ASSERT_TRUE(pm != NULL);
    kfb_mapping_metrics_t *mm = kfb_pipeline_metrics_mapping(pm, "orders", "shop.orders");
    ASSERT_TRUE(mm != NULL);
    ASSERT_EQ_PTR(kfb_pipeline_metrics_mapping(pm, "orders", "shop.orders"), mm);
    kfb_mapping_metrics_acked(mm, 5, 2, 3000, 1, 0.004);
    kfb_mapping_metrics_acked(mm, 1, 0, 100, 3, 0.2); /* two retries */
    kfb_mapping_metrics_putkv_error(mm, "DELETION_DISABLED_EXCEPTION", 1);
    kfb_mapping_metrics_putkv_error(mm, NULL, 2);
    kfb_counter_inc(mm->skipped);
    kfb_counter_inc(mm->dead_lettered);
    kfb_counter_inc(mm->errors_record);
    kfb_counter_inc(mm->errors_write);
    kfb_histogram_observe(mm->end_to_end_latency, 1.5);
    kfb_gauge_set(mm->plans_compiled, 2);
    kfb_gauge_set(pm->inflight_bytes, 100);
    kfb_gauge_set(pm->buffered_bytes, 4096);
    kfb_gauge_set(pm->paused_partitions, 1);
    kfb_counter_inc(pm->rebalances);
    kfb_counter_inc(pm->replays);
    kfb_gauge_set(pm->migrate_progress_ratio, 0.25);
    kfb_gauge_set(pm->migrate_remaining_messages, 300);
    *pp = kfb_pipeline_metrics_partition(pm, "orders", "orders", 3);
    ASSERT_TRUE(*pp != NULL);
    kfb_counter_add((*pp)->consumed, 8);
    kfb_partition_metrics_offsets(*pp, 40, -1);
    kfb_partition_metrics_offsets(*pp, -1, 100);
    return pm;
}

TEST(pipeline_catalogue_series) {
    kfb_partition_metrics_t *p;
    kfb_pipeline_metrics_t *pm = pm_with_everything(&p);
    char *t = render(pm->registry);
    for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "# TYPE %s ", published[i]);
        ASSERT_CONTAINS(t, want);
    }
    ASSERT_CONTAINS(t, "\nkfb_up 1\n");
    ASSERT_CONTAINS(t, "\nkfb_build_info{version=\"1.2.3\"} 1\n");
    ASSERT_CONTAINS(t, "\nkfb_messages_consumed_total{mapping=\"orders\",topic=\"orders\"} 8\n");
    ASSERT_CONTAINS(t, "\nkfb_records_written_total{mapping=\"orders\",table=\"shop.orders\",op=\"upsert\"} 6\n");
    ASSERT_CONTAINS(t, "\nkfb_records_written_total{mapping=\"orders\",table=\"shop.orders\",op=\"delete\"} 2\n");
    ASSERT_CONTAINS(t, "\nkfb_bytes_sent_total{mapping=\"orders\",table=\"shop.orders\"} 3100\n");
    ASSERT_CONTAINS(t, "\nkfb_putkv_batches_total{table=\"shop.orders\"} 2\n");
    ASSERT_CONTAINS(t, "\nkfb_putkv_retries_total{table=\"shop.orders\"} 3\n");
    ASSERT_CONTAINS(t, "\nkfb_putkv_errors_total{table=\"shop.orders\",error=\"DELETION_DISABLED_EXCEPTION\"} 1\n");
    ASSERT_CONTAINS(t, "\nkfb_putkv_errors_total{table=\"shop.orders\",error=\"UNKNOWN\"} 1\n");
    ASSERT_CONTAINS(t, "\nkfb_record_errors_total{mapping=\"orders\",class=\"record\"} 1\n");
    ASSERT_CONTAINS(t, "\nkfb_record_errors_total{mapping=\"orders\",class=\"fatal\"} 0\n");
    ASSERT_CONTAINS(t, "\nkfb_record_errors_total{mapping=\"orders\",class=\"write\"} 1\n");
    ASSERT_CONTAINS(t, "\nkfb_batch_size_bytes_bucket{table=\"shop.orders\",le=\"1024\"} 1\n");
    ASSERT_CONTAINS(t, "\nkfb_batch_size_bytes_bucket{table=\"shop.orders\",le=\"4096\"} 2\n");
    ASSERT_CONTAINS(t, "\nkfb_putkv_latency_seconds_bucket{table=\"shop.orders\",le=\"0.005\"} 1\n");
    ASSERT_CONTAINS(t, "\nkfb_putkv_latency_seconds_bucket{table=\"shop.orders\",le=\"0.25\"} 2\n");
    ASSERT_CONTAINS(t, "\nkfb_end_to_end_latency_seconds_count{mapping=\"orders\"} 1\n");
    ASSERT_CONTAINS(t, "\nkfb_committed_offset{topic=\"orders\",partition=\"3\"} 40\n");
    ASSERT_CONTAINS(t, "\nkfb_end_offset{topic=\"orders\",partition=\"3\"} 100\n");
    ASSERT_CONTAINS(t, "\nkfb_consumer_lag{topic=\"orders\",partition=\"3\"} 60\n");
    ASSERT_CONTAINS(t, "\nkfb_migrate_progress_ratio 0.25\n");
    ASSERT_CONTAINS(t, "\nkfb_schema_plans_compiled{mapping=\"orders\"} 2\n");
    free(t);
    /* revoked: the offset series go, the consumed counter stays */
    kfb_pipeline_metrics_partition_drop(pm, p);
    t = render(pm->registry);
    ASSERT_TRUE(strstr(t, "kfb_committed_offset") == NULL);
    ASSERT_TRUE(strstr(t, "kfb_end_offset") == NULL);
    ASSERT_TRUE(strstr(t, "kfb_consumer_lag") == NULL);
    ASSERT_CONTAINS(t, "\nkfb_messages_consumed_total{mapping=\"orders\",topic=\"orders\"} 8\n");
    free(t);
    kfb_pipeline_metrics_destroy(pm);
}

TEST(pipeline_offsets_appear_when_known) {
    kfb_pipeline_metrics_t *pm = kfb_pipeline_metrics_new("x", 0, err, sizeof err);
    kfb_partition_metrics_t *p = kfb_pipeline_metrics_partition(pm, "m", "t", 0);
    char *t = render(pm->registry);
    ASSERT_TRUE(strstr(t, "kfb_consumer_lag") == NULL); /* nothing known yet: no made-up 0 */
    ASSERT_TRUE(strstr(t, "kfb_migrate_") == NULL);     /* run mode */
    free(t);
    kfb_partition_metrics_offsets(p, 10, -1);
    t = render(pm->registry);
    ASSERT_CONTAINS(t, "kfb_committed_offset{topic=\"t\",partition=\"0\"} 10\n");
    ASSERT_TRUE(strstr(t, "kfb_consumer_lag") == NULL);
    free(t);
    kfb_partition_metrics_offsets(p, 12, 11); /* end seen before the commit: lag is 0, not -1 */
    t = render(pm->registry);
    ASSERT_CONTAINS(t, "kfb_consumer_lag{topic=\"t\",partition=\"0\"} 0\n");
    free(t);
    kfb_pipeline_metrics_destroy(pm);
    kfb_pipeline_metrics_partition_drop(NULL, p); /* after destroy: frees only */
}

/* README.md ("Metrics, health and logs") documents every family the bridge publishes. */
TEST(docs_list_every_family) {
    kfb_partition_metrics_t *p;
    kfb_pipeline_metrics_t *pm = pm_with_everything(&p);
    char *t = render(pm->registry);
    kfb_buf_t doc = KFB_BUF_INIT;
    ASSERT_OK(kfb_buf_read_file(&doc, "README.md", 1 << 20, NULL));
    size_t n = 0;
    for (const char *s = strstr(t, "# TYPE "); s; s = strstr(s + 1, "# TYPE ")) {
        char name[128], want[140];
        ASSERT_EQ_INT(sscanf(s, "# TYPE %127s", name), 1);
        snprintf(want, sizeof want, "`%s`", name);
        if (!strstr((const char *)doc.data, want)) fprintf(stderr, "README.md lacks %s\n", want);
        ASSERT_CONTAINS((const char *)doc.data, want);
        n++;
    }
    ASSERT_EQ_INT(n, sizeof published / sizeof published[0]);
    kfb_buf_free(&doc);
    free(t);
    kfb_pipeline_metrics_partition_drop(pm, p);
    kfb_pipeline_metrics_destroy(pm);
}
