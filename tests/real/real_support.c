/* real_support.c - what the real-cluster tests share (real_support.h). */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "harness.h"
#include "real_support.h"

/* ------------------------------------------------------------------ environment */

const char *env_or_fail(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "  %s is not set: run this through tests/real/run.sh, which starts a "
                        "real Fluss cluster and sets it\n", name);
        kfb_test_fail();
    }
    return v;
}

static char g_db[64];
const char *db(void) {
    const char *tag = getenv("KFB_REAL_TAG");
    snprintf(g_db, sizeof g_db, "kfb_real%s%s", tag && *tag ? "_" : "", tag ? tag : "");
    return g_db;
}

/* Every delivery, in completion order. */
real_deliveries_t G;

static void on_delivery(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *r, void *op) {
    (void)c;
    (void)op;
    if (G.n == G.cap) {
        G.cap = G.cap ? 2 * G.cap : 1024;
        G.d = realloc(G.d, G.cap * sizeof *G.d);
        if (!G.d) abort();
    }
    delivery_t *d = &G.d[G.n++];
    d->seq = (intptr_t)r->opaque;
    d->partition_id = r->partition_id;
    d->bucket = r->bucket_id;
    d->err = r->err;
    d->fluss_error = r->fluss_error;
    d->attempts = r->attempts;
    snprintf(d->name, sizeof d->name, "%s", r->error_name);
    snprintf(d->message, sizeof d->message, "%s", r->message);
}

kfb_fluss_client_t *client_with(int delivery_timeout_ms) {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = env_or_fail("FLUSS_BOOTSTRAP");
    conf.delivery_cb = on_delivery;
    conf.delivery_timeout_ms = delivery_timeout_ms;
    char err[512];
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, err, sizeof err);
    if (!c) KFB_TEST_FAILF_("client: %s", err);
    memset(&G, 0, sizeof G);
    return c;
}
kfb_fluss_client_t *client(void) { return client_with(0); }

void ensure_db(kfb_fluss_client_t *c) { ensure_database(c, db()); }

void ensure_database(kfb_fluss_client_t *c, const char *database) {
    char err[512];
    kfb_err_t e = kfb_fluss_client_create_database(c, database, 1, TIMEOUT_MS, err, sizeof err);
    if (e) KFB_TEST_FAILF_("create database %s: %s", database, err);
}

kfb_fluss_table_info_t *create_open(kfb_fluss_client_t *c, const char *table, const char *json) {
    return create_open_in(c, db(), table, json);
}

kfb_fluss_table_info_t *create_open_in(kfb_fluss_client_t *c, const char *database,
                                       const char *table, const char *json) {
    char err[1024];
    ensure_database(c, database);
    kfb_err_t e = kfb_fluss_client_create_table(c, database, table, json, 0, TIMEOUT_MS, err,
                                                sizeof err);
    if (e) KFB_TEST_FAILF_("create table %s.%s: %s: %s", database, table, kfb_err_name(e), err);
    kfb_fluss_table_info_t *ti = NULL;
    e = kfb_fluss_client_get_table(c, database, table, TIMEOUT_MS, &ti, err, sizeof err);
    if (e) KFB_TEST_FAILF_("get table %s.%s: %s: %s", database, table, kfb_err_name(e), err);
    return ti;
}

/* ------------------------------------------------------------------ writing */

/* Per-bucket batches of one table (or one partition), submitted when they hold
 * `per_batch` records; flush submits the rest. */

void writer_init(writer_t *w, kfb_fluss_client_t *c, const kfb_fluss_table_info_t *ti,
                        int per_batch) {
    memset(w, 0, sizeof *w);
    w->c = c;
    w->table_id = ti->table_id;
    w->nb = ti->bucket_count;
    w->per_batch = per_batch;
    w->b = calloc((size_t)w->nb, sizeof *w->b);
    w->count = calloc((size_t)w->nb, sizeof *w->count);
    char err[256];
    for (int i = 0; i < w->nb; i++) {
        w->b[i] = kfb_kv_batch_builder_new(ti->schema_id, 8u << 20, err, sizeof err);
        if (!w->b[i]) KFB_TEST_FAILF_("batch builder: %s", err);
    }
}

static void submit_bytes(writer_t *w, int32_t bucket, const uint8_t *p, size_t n) {
    for (int tries = 0;; tries++) {
        kfb_err_t e = kfb_fluss_client_submit_ex(w->c, w->table_id, -1, bucket, p, n, &w->opts,
                                                 (void *)G.next_seq);
        if (e == KFB_ERR_OK) break;
        if (e != KFB_ERR_RPC_QUEUE_FULL || tries > 100000)
            KFB_TEST_FAILF_("submit: %s", kfb_err_name(e));
        kfb_fluss_client_poll(w->c, 10);
    }
    G.next_seq++;
}

void writer_flush_bucket(writer_t *w, int32_t b) {
    if (!w->count[b]) return;
    const uint8_t *p;
    size_t n;
    ASSERT_OK(kfb_kv_batch_build(w->b[b], &p, &n));
    submit_bytes(w, b, p, n);
    kfb_kv_batch_reset(w->b[b]);
    w->count[b] = 0;
}

void writer_flush(writer_t *w) {
    for (int32_t b = 0; b < w->nb; b++) writer_flush_bucket(w, b);
}

void writer_put(writer_t *w, int32_t b, const uint8_t *k, size_t kl, const uint8_t *v,
                       size_t vl) {
    ASSERT_TRUE(b >= 0 && b < w->nb);
    ASSERT_OK(kfb_kv_batch_append(w->b[b], k, kl, v, vl));
    if (++w->count[b] >= w->per_batch) writer_flush_bucket(w, b);
}

void writer_free(writer_t *w) {
    for (int i = 0; i < w->nb; i++) kfb_kv_batch_builder_destroy(w->b[i]);
    free(w->b);
    free(w->count);
}

/* Waits for every batch and checks each was acknowledged. */
void flush_all_ok(kfb_fluss_client_t *c) {
    ASSERT_OK(kfb_fluss_client_flush(c, 5 * TIMEOUT_MS));
    for (size_t i = 0; i < G.n; i++)
        if (G.d[i].err)
            KFB_TEST_FAILF_("batch %ld (bucket %d) failed: %s %s: %s", (long)G.d[i].seq,
                            G.d[i].bucket, kfb_err_name(G.d[i].err), G.d[i].name, G.d[i].message);
}

/* Runs the judge on an expected-state file. */
void run_judge(const char *path) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s '%s'", env_or_fail("KFB_REAL_JUDGE"), path);
    fflush(stdout);
    int rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
        KFB_TEST_FAILF_("the judge (Fluss's Java client) disagrees with %s (status %d)", path, rc);
}

/* ------------------------------------------------------------------ Kafka */

void read_produced(const char *topic, produced_t *p) {
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "%s/%s", env_or_fail("KFB_REAL_PRODUCED"), topic);
    char path[600], line[256];
    snprintf(path, sizeof path, "%s/summary.properties", p->dir);
    FILE *f = fopen(path, "r");
    if (!f) KFB_TEST_FAILF_("cannot open %s: did the producer run?", path);
    while (fgets(line, sizeof line, f)) {
        int part;
        long long v;
        char s[128];
        if (sscanf(line, "topic=%127s", s) == 1) snprintf(p->topic, sizeof p->topic, "%s", s);
        else if (sscanf(line, "messages=%lld", &v) == 1) p->messages = v;
        else if (sscanf(line, "end_offset.%d=%lld", &part, &v) == 2 && part >= 0 && part < MAX_PARTS) {
            p->end[part] = v;
            if (part + 1 > p->nparts) p->nparts = part + 1;
        }
    }
    fclose(f);
    ASSERT_STREQ(p->topic, topic);
    ASSERT_GT_INT(p->nparts, 0);
}

char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) KFB_TEST_FAILF_("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ASSERT_EQ_INT(fread(s, 1, (size_t)n, f), n);
    s[n] = 0;
    fclose(f);
    return s;
}

rd_kafka_t *consumer(const char *group) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {{"bootstrap.servers", env_or_fail("KAFKA_BOOTSTRAP")},
                           {"group.id", group},
                           {"auto.offset.reset", "earliest"},
                           {"enable.auto.commit", "false"},
                           {"enable.partition.eof", "true"}};
    for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK)
            KFB_TEST_FAILF_("%s: %s", kv[i][0], err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) KFB_TEST_FAILF_("rd_kafka_new: %s", err);
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* The offsets group has committed on topic's partitions 0..n-1 (-1001 = none). */
void committed_offsets(const char *group, const char *topic, int n, int64_t *out) {
    rd_kafka_t *rk = consumer(group);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++) rd_kafka_topic_partition_list_add(parts, topic, i);
    rd_kafka_resp_err_t e = rd_kafka_committed(rk, parts, 30000);
    if (e) KFB_TEST_FAILF_("committed offsets of %s: %s", group, rd_kafka_err2str(e));
    for (int i = 0; i < parts->cnt; i++) {
        ASSERT_EQ_INT(parts->elems[i].err, 0);
        out[parts->elems[i].partition] = parts->elems[i].offset;
    }
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_destroy(rk);
}

/* ------------------------------------------------------------------ the bridge binary */

void real_bridge_start(real_bridge_t *b, const char *cmd, const char *config, const char *tag) {
    char bin[512];
    snprintf(bin, sizeof bin, "%s/kafka-fluss-bridge", env_or_fail("KFB_BUILD"));
    snprintf(b->log, sizeof b->log, "%s/bridge-%s.log", env_or_fail("KFB_REAL_DIR"), tag);
    fflush(stdout);
    fflush(stderr);
    b->pid = fork();
    ASSERT_TRUE(b->pid >= 0);
    if (b->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a test killed by its timeout takes its bridge along */
        FILE *lf = freopen(b->log, "w", stdout);
        if (!lf || dup2(fileno(stdout), 2) < 0) _exit(127);
        execl(bin, "kafka-fluss-bridge", cmd, "-c", config, (char *)NULL);
        _exit(127);
    }
}

int real_bridge_log_has(const real_bridge_t *b, const char *what) {
    FILE *f = fopen(b->log, "r");
    char line[2048];
    int hit = 0;
    while (f && !hit && fgets(line, sizeof line, f)) hit = strstr(line, what) != NULL;
    if (f) fclose(f);
    return hit;
}

void real_bridge_log_tail(const real_bridge_t *b) {
    char cmd[700];
    snprintf(cmd, sizeof cmd, "tail -n 30 '%s' >&2", b->log);
    if (system(cmd) != 0) fprintf(stderr, "  (no log %s)\n", b->log);
}

void real_bridge_fail(real_bridge_t *b, const char *fmt, ...) {
    if (b->pid > 0) {
        kill(b->pid, SIGKILL);
        waitpid(b->pid, NULL, 0);
        b->pid = -1;
    }
    real_bridge_log_tail(b);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    KFB_TEST_FAILF_("%s (log %s)", msg, b->log);
    abort(); /* not reached */
}

void real_bridge_wait_log(real_bridge_t *b, const char *what, int timeout_s) {
    time_t deadline = time(NULL) + timeout_s;
    while (!real_bridge_log_has(b, what)) {
        if (time(NULL) > deadline) real_bridge_fail(b, "no \"%s\" in the log within %d s", what, timeout_s);
        usleep(50 * 1000);
    }
}

void real_bridge_expect_exit(real_bridge_t *b, int timeout_s, int want) {
    time_t deadline = time(NULL) + timeout_s;
    int st = 0;
    for (;;) {
        pid_t r = waitpid(b->pid, &st, WNOHANG);
        if (r == b->pid) break;
        if (r != 0) real_bridge_fail(b, "waitpid failed");
        if (time(NULL) > deadline) real_bridge_fail(b, "the bridge did not finish within %d s", timeout_s);
        usleep(100 * 1000);
    }
    b->pid = -1;
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (rc != want) real_bridge_fail(b, "the bridge exited %d, expected %d", rc, want);
}

void real_bridge_wait_committed(real_bridge_t *b, const char *group, const produced_t *p, int timeout_s) {
    time_t deadline = time(NULL) + timeout_s;
    for (;;) {
        int64_t com[MAX_PARTS];
        committed_offsets(group, p->topic, p->nparts, com);
        int done = 1;
        for (int i = 0; i < p->nparts; i++) done &= com[i] == p->end[i];
        if (done) return;
        int st;
        if (waitpid(b->pid, &st, WNOHANG) == b->pid) {
            b->pid = -1;
            real_bridge_fail(b, "the bridge exited (status %d) before group %s committed the end offsets", st, group);
        }
        if (time(NULL) > deadline)
            real_bridge_fail(b, "group %s did not commit the end offsets of %s within %d s", group, p->topic, timeout_s);
        usleep(500 * 1000);
    }
}
