/*
 * real_support.h - what the real-cluster tests (tests/real/test_*.c) share: the
 * environment tests/real/run.sh sets, a Fluss client whose deliveries are recorded,
 * per-bucket KV batch writers, and the judge.
 *
 * Ownership: client_with/create_open return objects the caller destroys
 * (kfb_fluss_client_destroy, kfb_fluss_table_info_free); a writer_t is freed with
 * writer_free. Failures end the test (harness.h), with a sentence saying what failed.
 */
#ifndef KFB_REAL_SUPPORT_H
#define KFB_REAL_SUPPORT_H

#include <stdint.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>

#include "fluss_client.h"
#include "kv_batch.h"

#define TIMEOUT_MS 60000

/* The value of an environment variable run.sh sets; fails the test when it is unset. */
const char *env_or_fail(const char *name);
/* The test database: kfb_real, or kfb_real_TAG with KFB_REAL_TAG set. */
const char *db(void);

/* Every delivery of the current client, in completion order (reset by client_with). */
typedef struct delivery {
    intptr_t seq; /* the submit counter G.next_seq at submit time */
    int64_t partition_id;
    int32_t bucket;
    kfb_err_t err;
    int32_t fluss_error;
    int attempts;
    char name[64];
    char message[256];
} delivery_t;

typedef struct real_deliveries {
    delivery_t *d;
    size_t n, cap;
    intptr_t next_seq;
} real_deliveries_t;
extern real_deliveries_t G;

/* A client for FLUSS_BOOTSTRAP recording deliveries in G (delivery timeout in ms, 0 = none). */
kfb_fluss_client_t *client_with(int delivery_timeout_ms);
kfb_fluss_client_t *client(void);
/* Creates db() / database if needed. */
void ensure_db(kfb_fluss_client_t *c);
void ensure_database(kfb_fluss_client_t *c, const char *database);
/* Creates db().table / database.table (failing if it exists) and opens it. */
kfb_fluss_table_info_t *create_open(kfb_fluss_client_t *c, const char *table, const char *json);
kfb_fluss_table_info_t *create_open_in(kfb_fluss_client_t *c, const char *database,
                                       const char *table, const char *json);

/* Per-bucket batches of one table (or one partition: opts.partition_name), submitted when
 * they hold `per_batch` records; writer_flush submits the rest. */
typedef struct writer {
    kfb_fluss_client_t *c;
    int64_t table_id;
    int32_t nb;
    int per_batch;
    kfb_fluss_submit_opts_t opts;
    kfb_kv_batch_builder_t **b;
    int *count;
} writer_t;

void writer_init(writer_t *w, kfb_fluss_client_t *c, const kfb_fluss_table_info_t *ti,
                 int per_batch);
/* Builds bucket b's batch, submits it (polling while the queue is full), resets it. */
void writer_flush_bucket(writer_t *w, int32_t b);
void writer_flush(writer_t *w);
void writer_put(writer_t *w, int32_t b, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl);
void writer_free(writer_t *w);
/* Waits for every batch and fails the test unless each was acknowledged. */
void flush_all_ok(kfb_fluss_client_t *c);
/* Runs `$KFB_REAL_JUDGE path` and fails the test unless it exits 0. */
void run_judge(const char *path);

/* ---- Kafka (KAFKA_BOOTSTRAP) and what the producer wrote (KFB_REAL_PRODUCED) ---- */

#define MAX_PARTS 64

/* One topic the producer filled: $KFB_REAL_PRODUCED/TOPIC (summary.properties). */
typedef struct produced {
    char dir[512];
    char topic[128];
    long long messages;
    int nparts;
    int64_t end[MAX_PARTS]; /* end offset per partition */
} produced_t;

void read_produced(const char *topic, produced_t *p);
/* A file's bytes, NUL-terminated (malloc'd). */
char *slurp(const char *path);
/* A consumer of group (earliest, no auto commit, partition EOF events), not subscribed. */
rd_kafka_t *consumer(const char *group);
/* The offsets group has committed on topic's partitions 0..n-1 (RD_KAFKA_OFFSET_INVALID
 * where none). */
void committed_offsets(const char *group, const char *topic, int n, int64_t *out);

/* ---- the bridge binary ($KFB_BUILD/kafka-fluss-bridge) as a child process ---- */

typedef struct real_bridge {
    pid_t pid; /* -1 once waited for */
    char log[600];
} real_bridge_t;

/* Starts `kafka-fluss-bridge CMD -c CONFIG`, stdout and stderr to KFB_REAL_DIR/bridge-TAG.log. */
void real_bridge_start(real_bridge_t *b, const char *cmd, const char *config, const char *tag);
/* Whether the bridge's log holds `what` now. */
int real_bridge_log_has(const real_bridge_t *b, const char *what);
void real_bridge_log_tail(const real_bridge_t *b);
/* Waits up to timeout_s until the log has `what` (e.g. "] assigned ": the bridge consumes,
 * its signal handlers are installed); otherwise real_bridge_fail. */
void real_bridge_wait_log(real_bridge_t *b, const char *what, int timeout_s);
/* Kills a bridge still running (SIGKILL, reaped), prints its log tail and fails the test. */
void real_bridge_fail(real_bridge_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* Waits up to timeout_s for the bridge to exit with status `want` (128 + signal if killed);
 * otherwise real_bridge_fail. */
void real_bridge_expect_exit(real_bridge_t *b, int timeout_s, int want);
/* Waits up to timeout_s until group has committed p's end offsets on p's topic; fails
 * (real_bridge_fail) when the bridge exits first or time runs out. */
void real_bridge_wait_committed(real_bridge_t *b, const char *group, const produced_t *p, int timeout_s);

#endif
