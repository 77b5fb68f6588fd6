/* bench_pipeline.h - what the end-to-end benchmarks share (bench_e2e.c against kafka-mock
 * and the Fluss test server, bench_real.c against real Kafka and real Fluss):
 *   - raw librdkafka consumption of a topic, the baseline of the bridge's ratio;
 *   - running a function in a forked child and getting its fixed-size result back (each
 *     run gets its own process: its RSS, its threads, its allocator);
 *   - the bridge's `migrate` in this process, timed from the first message it processed to
 *     its exit (the group join before the first message is not consumption).
 * Header-only (static inline): each bench is its own binary. */
#ifndef KFB_BENCH_PIPELINE_H
#define KFB_BENCH_PIPELINE_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "bridge.h"
#include "config.h"
#include "logging.h"

/* Messages/s of a librdkafka group consumer (consume_batch_queue, message destroy, no work)
 * taking n messages of topic from the start, timed from its first message; -1 when it did
 * not get all n within 600 s. */
static inline double bench_raw_consume(const char *bootstrap, const char *group, const char *topic,
                                       long n) {
    char e[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, e, sizeof e);
    rd_kafka_conf_set(c, "group.id", group, e, sizeof e);
    rd_kafka_conf_set(c, "auto.offset.reset", "earliest", e, sizeof e);
    rd_kafka_conf_set(c, "enable.auto.commit", "false", e, sizeof e);
    rd_kafka_conf_set(c, "session.timeout.ms", "6000", e, sizeof e);
    rd_kafka_conf_set(c, "heartbeat.interval.ms", "500", e, sizeof e);
    rd_kafka_conf_set(c, "partition.assignment.strategy", "cooperative-sticky", e, sizeof e);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, e, sizeof e);
    if (!rk) {
        fprintf(stderr, "bench: raw consumer: %s\n", e);
        return -1;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *t = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(t, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, t);
    rd_kafka_topic_partition_list_destroy(t);
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *msgs[2048];
    long got = 0;
    double start = 0;
    double deadline = now() + 600;
    while (got < n && now() < deadline) {
        ssize_t k = rd_kafka_consume_batch_queue(q, 100, msgs, 2048);
        for (ssize_t i = 0; i < k; i++) {
            if (!msgs[i]->err) {
                if (!got) start = now(); /* from the first message: the group join is not consumption */
                got++;
            }
            rd_kafka_message_destroy(msgs[i]);
        }
    }
    double secs = now() - start;
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return got == n ? (double)n / secs : -1;
}

/* Runs fn(arg, out) in a forked child and copies its size-byte result into out (which the
 * child starts from zeroes). 0 when the child delivered its result, -1 otherwise. */
static inline int bench_in_child(void (*fn)(void *arg, void *out), void *arg, void *out, size_t size) {
    int fds[2];
    if (pipe(fds)) return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(fds[0]);
        void *x = calloc(1, size);
        if (x) fn(arg, x);
        size_t o = 0;
        while (x && o < size) {
            ssize_t w = write(fds[1], (char *)x + o, size - o);
            if (w <= 0) break;
            o += (size_t)w;
        }
        fflush(stdout);
        _exit(0);
    }
    close(fds[1]);
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fds[0], (char *)out + got, size - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return got == size ? 0 : -1;
}

/* ---- the bridge's migrate, timed --------------------------------------------------------- */

/* tick: called every 2 ms on the watcher thread with the bridge's processed-message count
 * (e.g. to sample memory at given counts); after_run: once the run ended, before the bridge
 * is destroyed (its threads still exist). Either may be NULL. summary: where the bridge's
 * migrate summary goes (borrowed, not closed); NULL discards it. */
typedef struct bench_migrate_hooks {
    void (*tick)(void *ctx, long messages);
    void (*after_run)(void *ctx);
    void *ctx;
    FILE *summary;
} bench_migrate_hooks_t;

typedef struct bench_migrate_result {
    int status;               /* kfb_bridge_run's, -1 when the bridge did not start */
    double seconds;           /* first message processed -> exit */
    double first_msg_seconds; /* start -> first message processed (start-up, group join) */
    double tail_seconds;      /* the n-th message processed -> exit; -1 if never reached */
} bench_migrate_result_t;

typedef struct bench_migrate_watch_ {
    kfb_bridge_t *b;
    long n;
    atomic_int stop;
    double first_msg, last_msg;
    const bench_migrate_hooks_t *hooks;
} bench_migrate_watch_t_;

static inline void *bench_migrate_watch_(void *arg) {
    bench_migrate_watch_t_ *w = arg;
    while (!atomic_load(&w->stop)) {
        long m = (long)kfb_bridge_messages(w->b);
        if (m > 0 && !w->first_msg) w->first_msg = now();
        if (m >= w->n && !w->last_msg) w->last_msg = now();
        if (w->hooks && w->hooks->tick) w->hooks->tick(w->hooks->ctx, m);
        usleep(2000);
    }
    return NULL;
}

/* Runs `migrate` of the YAML configuration cfg_path (n messages expected) in this process,
 * without progress, log level warn; hooks may be NULL. */
static inline void bench_migrate(const char *cfg_path, long n, const bench_migrate_hooks_t *hooks,
                                 bench_migrate_result_t *r) {
    char e[2048];
    r->status = -1;
    kfb_log_set_level(KFB_LOG_WARN);
    kfb_config_t *cfg = kfb_config_load_file(cfg_path, e, sizeof e);
    if (!cfg) {
        fprintf(stderr, "bench: %s\n", e);
        return;
    }
    FILE *summary = hooks ? hooks->summary : NULL;
    FILE *devnull = summary ? NULL : fopen("/dev/null", "w");
    kfb_bridge_opts_t o = {.mode = KFB_BRIDGE_MIGRATE, .progress = KFB_PROGRESS_NONE,
                           .out = summary ? summary : devnull};
    double t0 = now();
    kfb_bridge_t *b = kfb_bridge_new(cfg, &o, e, sizeof e);
    if (!b) {
        fprintf(stderr, "bench: %s\n", e);
        kfb_config_destroy(cfg);
        if (devnull) fclose(devnull);
        return;
    }
    bench_migrate_watch_t_ w = {.b = b, .n = n, .hooks = hooks};
    pthread_t th;
    pthread_create(&th, NULL, bench_migrate_watch_, &w);
    r->status = kfb_bridge_run(b);
    double t1 = now();
    atomic_store(&w.stop, 1);
    pthread_join(th, NULL);
    double first = w.first_msg ? w.first_msg : t0;
    r->seconds = t1 - first;
    r->first_msg_seconds = first - t0;
    r->tail_seconds = w.last_msg ? t1 - w.last_msg : -1;
    if (hooks && hooks->after_run) hooks->after_run(hooks->ctx);
    kfb_bridge_destroy(b);
    kfb_config_destroy(cfg);
    if (devnull) fclose(devnull);
}

#endif
