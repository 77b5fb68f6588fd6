/*
 * kafka-mock - an embedded Kafka for tests and the quickstart: librdkafka's mock cluster
 * (rdkafka_mock.h) in a process of its own, so that a bridge can be killed and restarted
 * against the same Kafka state, scripted over a text control protocol.
 *
 *   kafka-mock [--brokers N] [--topic NAME:PARTITIONS]... [--control-port P|-1] [--stdin]
 *              [--port-file FILE] [--message-timeout-ms MS] [--verbose] [--help]
 *
 * On start it prints one line to stdout and flushes it (also written to --port-file):
 *   READY bootstrap=127.0.0.1:P1,127.0.0.1:P2,... control=PORT
 * then answers control commands, one per line, each reply one line starting with "OK" or
 * "ERR " (usage() lists them), on the loopback control port (each client in a thread of
 * its own, so a `broker-up` can be sent while a `produce` waits for a down broker) and on
 * stdin with --stdin. "quit", SIGINT, SIGTERM or the end of stdin (with --stdin) stop it.
 * Record lines (produce-file, produce, consume) are described in tests/support/kafka_mock_cmd.h.
 *
 * What the mock cluster of librdkafka 2.0.2 does (src/rdkafka_mock*.c):
 *  - Answers Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch,
 *    FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, ApiVersions,
 *    InitProducerId and the transaction APIs (rdkafka_mock_handlers.c); no admin APIs
 *    (CreateTopics, DeleteRecords, DescribeGroups, ListGroups), hence create-topic here.
 *  - Consumer groups with the assignment done by the client (so cooperative-sticky works);
 *    its rebalance waits up to session.timeout.ms - 1000 ms for members to rejoin
 *    (rdkafka_mock_cgrp.c), so clients should use a short session.timeout.ms (6000).
 *  - Retention (rdkafka_mock.c, rd_kafka_mock_msgset_new / partition_init): each partition
 *    keeps at most 5 MiB (5 * 1024 * 1024 bytes) of stored record batches and at most
 *    100000 batches. Appending a batch first adds it to the counts, then drops the oldest
 *    batches while more than one is counted and a limit is exceeded; the log start moves
 *    to the first offset of the oldest kept batch. Whole producer batches go, never single
 *    messages. Quirk: when the batch being appended plus the last old one exceed 5 MiB,
 *    both counts drop the old one and the log start jumps to the new end offset, hiding
 *    the new batch too; batches here are at most 1 MB (batch.size), so two never do.
 *    A Fetch below the log start answers OFFSET_OUT_OF_RANGE; ListOffsets EARLIEST
 *    answers the log start (what `offsets` shows as LOW).
 *  - Partition leaders are random among the replicas at creation (`leaders` shows them,
 *    `partition-leader` sets one); broker-down closes the broker's connections and refuses
 *    new ones without moving leaders.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_record.h"
#include "buf.h"
#include "kafka_mock_cmd.h"
#include "sample_data.h"

#define MAX_CONNS 32
#define OP_TIMEOUT_MS 10000    /* metadata, watermarks, committed offsets */
#define CONSUME_IDLE_MS 30000  /* consume gives up after this long without a message */

static atomic_int stop_flag;
static void on_signal(int sig) {
    (void)sig;
    atomic_store(&stop_flag, 1);
}

typedef struct km {
    rd_kafka_t *host; /* owns the mock cluster (rd_kafka_mock_cluster_new needs a handle) */
    rd_kafka_mock_cluster_t *mc;
    rd_kafka_t *producer;
    rd_kafka_t *meta; /* consumer without group: metadata and watermarks */
    const char *bootstrap;
    int n_brokers;
    int msg_timeout_ms;
    int verbose;
} km_t;

static void usage(FILE *f) {
    fprintf(f,
            "usage: kafka-mock [options]\n"
            "An embedded Kafka on loopback: librdkafka's mock cluster with a control port.\n\n"
            "  --brokers N             brokers, ids 1..N (default 3)\n"
            "  --topic NAME:PARTITIONS create a topic at start (repeatable)\n"
            "  --control-port P        control port (default 0 = ephemeral; -1 = none)\n"
            "  --stdin                 also read control commands from stdin (EOF stops)\n"
            "  --port-file FILE        also write the READY line to FILE\n"
            "  --message-timeout-ms MS how long produce commands wait for delivery (60000)\n"
            "  --verbose               librdkafka debug logs of the mock cluster to stderr\n"
            "  --help                  this text\n\n"
            "Prints \"READY bootstrap=127.0.0.1:P1,... control=PORT\", then serves commands\n"
            "(one per line; every reply is one line starting with OK or ERR):\n"
            "  create-topic NAME PARTITIONS      OK\n"
            "  topics                            OK NAME:PARTITIONS ...\n"
            "  produce-file TOPIC FILE           OK produced=N (every line of FILE, in order)\n"
            "  produce TOPIC PARTITION KEY VALUE [NAME=HEX ...]   OK produced=1\n"
            "  gen-bench TOPIC N [SEED [KEYS]]   OK produced=N keys=K trimmed=T (benchmark records)\n"
            "  gen-bench-schema DIR              OK DIR/1.avsc (their Avro schema, id 1)\n"
            "  gen-orders TOPIC N [SEED [KEYS]]  the quickstart's orders (upserts, tombstones;\n"
            "                                    conf/quickstart/schemas/1.avsc), replies\n"
            "                                    OK produced=N upserts=U deletes=D tombstones=0\n"
            "                                    keys=LIVE key_changes=0 trimmed=T\n"
            "  gen-customers TOPIC N [SEED [KEYS]]  the quickstart's Debezium customers (c/r/u/d,\n"
            "                                    key changes, tombstones; schemas 2 and 3), same reply\n"
            "  offsets TOPIC                     OK 0=LOW:HIGH 1=LOW:HIGH ... (log start:end)\n"
            "  leaders TOPIC                     OK 0=BROKER 1=BROKER ...\n"
            "  committed GROUP TOPIC             OK 0=OFFSET ... (-1 = none; never joins GROUP)\n"
            "  consume TOPIC FILE                OK messages=N (all partitions, log start to end,\n"
            "                                    record lines plus \" @OFFSET TIMESTAMP\")\n"
            "  broker-down ID | broker-up ID     ID 1..N or -1 for all\n"
            "  push-errors API COUNT ERR...      the next COUNT requests of API fail (one ERR for\n"
            "                                    all, or COUNT of them); API by number or name,\n"
            "                                    ERR by number or name (NOT_COORDINATOR, _TRANSPORT)\n"
            "  clear-errors API\n"
            "  set-rtt BROKER MS                 delay every response of BROKER (-1 = all)\n"
            "  coordinator GROUP BROKER          make BROKER the group's coordinator\n"
            "  partition-leader TOPIC PARTITION BROKER   (BROKER -1 = no leader)\n"
            "  help | quit\n\n"
            "Record lines: PARTITION KEY VALUE [NAME=HEXVALUE ...]; KEY, VALUE and header\n"
            "values are hex, - for null (a null VALUE is a tombstone) or \"\" for empty;\n"
            "PARTITION -1 = librdkafka's partitioner on the key (tests/support/kafka_mock_cmd.h).\n"
            "Retention: the mock keeps at most 5 MiB of batches per partition and moves the\n"
            "log start past older batches (offsets shows it).\n");
}

/* ---- replies ------------------------------------------------------------------------ */

static void reply(kfb_buf_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(kfb_buf_t *r, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof(line)) n = sizeof(line) - 1;
    for (int i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r') line[i] = ' '; /* one reply, one line */
    kfb_buf_append(r, line, (size_t)n);
    kfb_buf_append_byte(r, '\n');
}

/* A reply ends the command (C has no `return f()` in a void function). */
#define RETURN_REPLY(...)                                                                   \
    do {                                                                                   \
        reply(__VA_ARGS__);                                                                \
        return;                                                                            \
    } while (0)

/* ---- librdkafka handles ---------------------------------------------------------------- */

static rd_kafka_conf_t *base_conf(const km_t *k, char *err, size_t errlen) {
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    const char *kv[][2] = {
        {"bootstrap.servers", k->bootstrap},
        {"log_level", k->verbose ? "7" : "3"},
        {"reconnect.backoff.ms", "100"},
        {"reconnect.backoff.max.ms", "1000"},
        {"allow.auto.create.topics", "false"},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        if (rd_kafka_conf_set(c, kv[i][0], kv[i][1], err, errlen) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(c);
            return NULL;
        }
    }
    return c;
}

static rd_kafka_t *new_consumer(const km_t *k, const char *group, char *err, size_t errlen) {
    rd_kafka_conf_t *c = base_conf(k, err, errlen);
    if (!c) return NULL;
    if ((group && rd_kafka_conf_set(c, "group.id", group, err, errlen) != RD_KAFKA_CONF_OK) ||
        rd_kafka_conf_set(c, "enable.auto.commit", "false", err, errlen) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(c, "auto.offset.reset", "earliest", err, errlen) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(c);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, errlen);
    if (!rk) rd_kafka_conf_destroy(c);
    return rk;
}

/* Delivery accounting of one produce command; messages carry a pointer to it. */
typedef struct delivery {
    atomic_long pending, ok, failed;
    atomic_int first_err;
} delivery_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk, (void)opaque;
    delivery_t *d = m->_private;
    if (!d) return;
    if (m->err) {
        int zero = 0;
        atomic_compare_exchange_strong(&d->first_err, &zero, (int)m->err);
        atomic_fetch_add(&d->failed, 1);
    } else {
        atomic_fetch_add(&d->ok, 1);
    }
    atomic_fetch_sub(&d->pending, 1); /* last touch: the waiter may return after this */
}

static rd_kafka_t *new_producer(const km_t *k, char *err, size_t errlen) {
    rd_kafka_conf_t *c = base_conf(k, err, errlen);
    if (!c) return NULL;
    char tmo[32];
    snprintf(tmo, sizeof(tmo), "%d", k->msg_timeout_ms);
    /* Idempotence keeps each partition's order and drops duplicates across the retries a
     * down broker causes. Big linger and queues: produce-file of 1M lines never waits on
     * a per-message round trip. batch.size stays at librdkafka's 1 MB default, well under
     * the mock's 5 MiB retention (see the top of this file). */
    const char *kv[][2] = {
        {"enable.idempotence", "true"},
        {"linger.ms", "20"},
        {"batch.num.messages", "100000"},
        {"queue.buffering.max.messages", "2000000"},
        {"queue.buffering.max.kbytes", "2097152"},
        {"message.timeout.ms", tmo},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        if (rd_kafka_conf_set(c, kv[i][0], kv[i][1], err, errlen) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(c);
            return NULL;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, errlen);
    if (!rk) rd_kafka_conf_destroy(c);
    return rk;
}

/* ---- topics ------------------------------------------------------------------------- */

/* Partition count of topic (and, when leaders != NULL, each partition's leader into
 * leaders[0..count), caller frees) from a fresh Metadata request for all topics (asking
 * for the one topic could auto-create it). Returns the count, 0 with err when the topic
 * does not exist, -1 with err on a failed request. */
static int topic_info(km_t *k, const char *topic, int32_t **leaders, char *err, size_t errlen) {
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(k->meta, 1, NULL, &md, OP_TIMEOUT_MS);
    if (e) {
        snprintf(err, errlen, "metadata request failed: %s (are all brokers down?)", rd_kafka_err2str(e));
        return -1;
    }
    int n = 0;
    for (int t = 0; t < md->topic_cnt; t++) {
        const struct rd_kafka_metadata_topic *mt = &md->topics[t];
        if (strcmp(mt->topic, topic) != 0 || mt->err) continue;
        n = mt->partition_cnt;
        if (leaders) {
            *leaders = calloc((size_t)n + 1, sizeof(int32_t));
            for (int p = 0; *leaders && p < n; p++)
                if (mt->partitions[p].id >= 0 && mt->partitions[p].id < n)
                    (*leaders)[mt->partitions[p].id] = mt->partitions[p].leader;
        }
    }
    rd_kafka_metadata_destroy(md);
    if (!n) snprintf(err, errlen, "unknown topic '%s'; create it first with create-topic", topic);
    return n;
}

/* Log start and end offsets of every partition; lo/hi are allocated (caller frees). */
static int watermarks(km_t *k, const char *topic, int n, int64_t **lo, int64_t **hi, char *err,
                      size_t errlen) {
    *lo = calloc((size_t)n, sizeof(int64_t));
    *hi = calloc((size_t)n, sizeof(int64_t));
    if (!*lo || !*hi) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int p = 0; p < n; p++) {
        rd_kafka_resp_err_t e =
            rd_kafka_query_watermark_offsets(k->meta, topic, p, &(*lo)[p], &(*hi)[p], OP_TIMEOUT_MS);
        if (e) {
            snprintf(err, errlen, "ListOffsets for %s [%d] failed: %s (is its leader down?)", topic, p,
                     rd_kafka_err2str(e));
            return -1;
        }
    }
    return 0;
}

static int valid_topic_name(const char *s) {
    size_t n = strlen(s);
    if (!n || n > 249 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

static int create_topic(km_t *k, const char *name, long long parts, char *err, size_t errlen) {
    if (!valid_topic_name(name)) {
        snprintf(err, errlen, "topic name '%s' is not valid in Kafka (1-249 of a-z A-Z 0-9 . _ -)", name);
        return -1;
    }
    int rf = k->n_brokers < 3 ? k->n_brokers : 3;
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(k->mc, name, (int)parts, rf);
    if (e) {
        snprintf(err, errlen, "cannot create topic '%s': %s", name, rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

/* ---- producing ------------------------------------------------------------------------ */

/* Enqueues one record; QUEUE_FULL is waited out by serving delivery reports. */
static rd_kafka_resp_err_t produce_record(km_t *k, rd_kafka_topic_t *rkt, const kfb_kmc_record_t *r,
                                          delivery_t *d) {
    rd_kafka_headers_t *hdrs = NULL;
    if (r->n_headers) {
        hdrs = rd_kafka_headers_new(r->n_headers);
        for (size_t i = 0; i < r->n_headers; i++) {
            const kfb_kmc_header_t *h = &r->headers[i];
            rd_kafka_header_add(hdrs, h->name, (ssize_t)h->name_len,
                                h->value.is_null ? NULL : (h->value.data ? (const void *)h->value.data : ""),
                                (ssize_t)h->value.len);
        }
    }
    /* librdkafka tells null from empty by the pointer: "" keeps an empty key or value. */
    const void *key = r->key.is_null ? NULL : (r->key.data ? (const void *)r->key.data : "");
    void *val = r->value.is_null ? NULL : (r->value.data ? (void *)r->value.data : (void *)"");
    atomic_fetch_add(&d->pending, 1);
    rd_kafka_resp_err_t e;
    for (;;) {
        e = rd_kafka_producev(k->producer, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(r->partition),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_KEY(key, r->key.len), RD_KAFKA_V_VALUE(val, r->value.len),
                              RD_KAFKA_V_TIMESTAMP(r->timestamp > 0 ? r->timestamp : 0),
                              RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || atomic_load(&stop_flag)) break;
        rd_kafka_poll(k->producer, 10);
    }
    if (e) {
        atomic_fetch_sub(&d->pending, 1);
        if (hdrs) rd_kafka_headers_destroy(hdrs); /* not taken over on failure */
    }
    return e;
}

/* Waits until every message of d is reported; on stop, purges so that it ends soon. */
static void wait_delivery(km_t *k, delivery_t *d) {
    int purged = 0;
    while (atomic_load(&d->pending) > 0) {
        rd_kafka_poll(k->producer, 50);
        if (atomic_load(&stop_flag) && !purged) {
            rd_kafka_purge(k->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            purged = 1;
        }
    }
}

/* Replies OK produced=N, or ERR with the first delivery error. */
static void reply_delivery(kfb_buf_t *r, const char *what, delivery_t *d, const char *extra) {
    long ok = atomic_load(&d->ok), failed = atomic_load(&d->failed);
    if (!failed)
        reply(r, "OK produced=%ld%s", ok, extra ? extra : "");
    else
        reply(r, "ERR %s: %ld of %ld messages were not delivered, first error: %s", what, failed,
              ok + failed, rd_kafka_err2str((rd_kafka_resp_err_t)atomic_load(&d->first_err)));
}

/* ---- commands ------------------------------------------------------------------------ */

typedef void (*cmd_fn)(km_t *k, int argc, char **argv, kfb_buf_t *r);

static void cmd_create_topic(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    long long parts;
    char err[512];
    if (!kfb_kmc_parse_int(argv[2], 1, 100000, &parts))
        RETURN_REPLY(r, "ERR create-topic: PARTITIONS '%s' is not a number in 1..100000", argv[2]);
    if (create_topic(k, argv[1], parts, err, sizeof(err))) RETURN_REPLY(r, "ERR create-topic: %s", err);
    reply(r, "OK");
}

static void cmd_topics(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc, (void)argv;
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(k->meta, 1, NULL, &md, OP_TIMEOUT_MS);
    if (e) RETURN_REPLY(r, "ERR topics: metadata request failed: %s", rd_kafka_err2str(e));
    kfb_buf_append(r, "OK", 2);
    for (int t = 0; t < md->topic_cnt; t++) {
        char w[300];
        int n = snprintf(w, sizeof(w), " %s:%d", md->topics[t].topic, md->topics[t].partition_cnt);
        kfb_buf_append(r, w, (size_t)n < sizeof(w) ? (size_t)n : sizeof(w) - 1);
    }
    kfb_buf_append_byte(r, '\n');
    rd_kafka_metadata_destroy(md);
}

static void cmd_produce(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    char err[512];
    int n = topic_info(k, argv[1], NULL, err, sizeof(err));
    if (n <= 0) RETURN_REPLY(r, "ERR produce: %s", err);
    /* the record is the rest of the line: rejoin its words */
    kfb_buf_t line = KFB_BUF_INIT, scratch = KFB_BUF_INIT;
    for (int i = 2; i < argc; i++) {
        if (i > 2) kfb_buf_append_byte(&line, ' ');
        kfb_buf_append(&line, argv[i], strlen(argv[i]));
    }
    kfb_kmc_record_t rec;
    if (kfb_kmc_parse_record((const char *)line.data, line.len, &scratch, &rec, err, sizeof(err))) {
        reply(r, "ERR produce: %s", err);
    } else if (rec.partition >= n) {
        reply(r, "ERR produce: partition %d, but topic %s has %d partitions", (int)rec.partition, argv[1], n);
    } else {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(k->producer, argv[1], NULL);
        delivery_t d = {0};
        rd_kafka_resp_err_t e = produce_record(k, rkt, &rec, &d);
        wait_delivery(k, &d);
        if (e) reply(r, "ERR produce: %s", rd_kafka_err2str(e));
        else reply_delivery(r, "produce", &d, NULL);
        rd_kafka_topic_destroy(rkt);
    }
    kfb_buf_free(&line);
    kfb_buf_free(&scratch);
}

/* Reads the next line of f into *line (getline's buffer); skips blank and '#' lines.
 * Returns its length, -1 at the end, -2 when too long. */
static ssize_t next_line(FILE *f, char **line, size_t *cap, long *lineno) {
    ssize_t len;
    while ((len = getline(line, cap, f)) >= 0) {
        (*lineno)++;
        if (len && (*line)[len - 1] == '\n') (*line)[--len] = 0;
        if ((size_t)len > KFB_KMC_MAX_LINE) return -2;
        const char *p = *line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p && *p != '#' && *p != '\r') return len;
    }
    return -1;
}

static void cmd_produce_file(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    const char *topic = argv[1], *path = argv[2];
    char err[512];
    int n = topic_info(k, topic, NULL, err, sizeof(err));
    if (n <= 0) RETURN_REPLY(r, "ERR produce-file: %s", err);
    FILE *f = fopen(path, "r");
    if (!f) RETURN_REPLY(r, "ERR produce-file: cannot open %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    kfb_buf_t scratch = KFB_BUF_INIT;
    kfb_kmc_record_t rec;
    long lineno = 0, count = 0;
    ssize_t len;
    /* Pass 1 checks every line, so that a bad file produces nothing. */
    int bad = 0;
    while (!bad && (len = next_line(f, &line, &cap, &lineno)) != -1) {
        if (len == -2) {
            reply(r, "ERR produce-file: %s:%ld: line longer than %u bytes", path, lineno, KFB_KMC_MAX_LINE);
            bad = 1;
        } else if (kfb_kmc_parse_record(line, (size_t)len, &scratch, &rec, err, sizeof(err))) {
            reply(r, "ERR produce-file: %s:%ld: %s", path, lineno, err);
            bad = 1;
        } else if (rec.partition >= n) {
            reply(r, "ERR produce-file: %s:%ld: partition %d, but topic %s has %d partitions", path,
                  lineno, (int)rec.partition, topic, n);
            bad = 1;
        }
        count++;
    }
    if (!bad && ferror(f)) {
        reply(r, "ERR produce-file: reading %s: %s", path, strerror(errno));
        bad = 1;
    }
    if (!bad) {
        rewind(f);
        lineno = 0;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(k->producer, topic, NULL);
        delivery_t d = {0};
        rd_kafka_resp_err_t e = 0;
        while (!e && !atomic_load(&stop_flag) && (len = next_line(f, &line, &cap, &lineno)) >= 0) {
            if (kfb_kmc_parse_record(line, (size_t)len, &scratch, &rec, err, sizeof(err))) {
                snprintf(err, sizeof(err), "%s:%ld changed while it was read", path, lineno);
                break;
            }
            e = produce_record(k, rkt, &rec, &d);
        }
        wait_delivery(k, &d);
        if (e) reply(r, "ERR produce-file: %s:%ld: %s", path, lineno, rd_kafka_err2str(e));
        else if (atomic_load(&stop_flag)) reply(r, "ERR produce-file: stopped (kafka-mock is shutting down)");
        else reply_delivery(r, path, &d, NULL);
        rd_kafka_topic_destroy(rkt);
    }
    free(line);
    kfb_buf_free(&scratch);
    fclose(f);
}

/* ---- the benchmark record (tests/support/bench_record.h) ------------------------------ */

/* Partitions of topic whose log start moved past 0 (the mock's retention dropped data);
 * -1 when the watermarks cannot be read. */
static int trimmed_partitions(km_t *k, const char *topic, int np) {
    char err[512];
    int64_t *lo = NULL, *hi = NULL;
    int trimmed = -1;
    if (watermarks(k, topic, np, &lo, &hi, err, sizeof(err)) == 0) {
        trimmed = 0;
        for (int p = 0; p < np; p++) trimmed += lo[p] > 0;
    }
    free(lo);
    free(hi);
    return trimmed;
}

static void cmd_gen_bench(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    const char *topic = argv[1];
    long long count, seed = 0, keys = 0;
    char err[512];
    if (!kfb_kmc_parse_int(argv[2], 1, 1000000000LL, &count))
        RETURN_REPLY(r, "ERR gen-bench: N '%s' is not a number in 1..1000000000", argv[2]);
    if (argc > 3 && !kfb_kmc_parse_int(argv[3], 0, INT64_MAX / 4, &seed))
        RETURN_REPLY(r, "ERR gen-bench: SEED '%s' is not a number >= 0", argv[3]);
    if (argc > 4 && !kfb_kmc_parse_int(argv[4], 1, 1000000000LL, &keys))
        RETURN_REPLY(r, "ERR gen-bench: KEYS '%s' is not a number in 1..1000000000", argv[4]);
    int np = topic_info(k, topic, NULL, err, sizeof(err));
    if (np <= 0) RETURN_REPLY(r, "ERR gen-bench: %s", err);
    /* Keys: KEYS (default N/2, so about every other message updates an earlier key),
     * rounded up to a multiple of the partition count so that key index i % K and
     * partition i % P agree: seed 0 is strict round robin with each key in one partition.
     * Another seed draws key indexes pseudo-randomly; the partition is then index % P. */
    if (!keys) keys = (count + 1) / 2;
    keys = (keys + np - 1) / np * np;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(k->producer, topic, NULL);
    delivery_t d = {0};
    rd_kafka_resp_err_t e = 0;
    for (long i = 0; i < count && !e && !atomic_load(&stop_flag); i++) {
        uint64_t ki = seed ? kfb_sample_mix((uint64_t)seed * 0x100000001B3ULL ^ (uint64_t)i) % (uint64_t)keys
                           : (uint64_t)i % (uint64_t)keys;
        int64_t id = (int64_t)ki * 1000000007LL;
        uint8_t val[KFB_BENCH_RECORD_MAX], key[24];
        kfb_kmc_record_t rec = {.partition = (int32_t)(ki % (uint64_t)np), .timestamp = -1};
        int kl = snprintf((char *)key, sizeof(key), "%" PRId64, id);
        rec.key = (kfb_kmc_bytes_t){key, (size_t)kl, false};
        rec.value = (kfb_kmc_bytes_t){val, kfb_bench_record(val, i, id), false};
        e = produce_record(k, rkt, &rec, &d);
    }
    wait_delivery(k, &d);
    rd_kafka_topic_destroy(rkt);
    if (e) RETURN_REPLY(r, "ERR gen-bench: %s", rd_kafka_err2str(e));
    if (atomic_load(&stop_flag)) RETURN_REPLY(r, "ERR gen-bench: stopped (kafka-mock is shutting down)");
    char extra[96];
    snprintf(extra, sizeof(extra), " keys=%lld trimmed=%d", keys, trimmed_partitions(k, topic, np));
    reply_delivery(r, "gen-bench", &d, extra);
}

/* ---- the quickstart's sample topics (tests/support/sample_data.h) ---------------------- */

typedef struct gen_ctx {
    km_t *k;
    rd_kafka_topic_t *rkt;
    delivery_t *d;
    rd_kafka_resp_err_t err;
} gen_ctx_t;

static int gen_emit(void *ctx, const kfb_sample_msg_t *m) {
    gen_ctx_t *g = ctx;
    kfb_kmc_record_t rec = {.partition = m->partition, .timestamp = -1};
    rec.key = (kfb_kmc_bytes_t){m->key, m->key_len, false};
    rec.value = (kfb_kmc_bytes_t){m->value, m->value_len, m->value == NULL};
    g->err = produce_record(g->k, g->rkt, &rec, g->d);
    return g->err != 0 || atomic_load(&stop_flag);
}

/* gen-orders / gen-customers TOPIC N [SEED [KEYS]]: the schema ids are the quickstart's
 * (conf/quickstart/schemas: 1 orders value, 2 customers value, 3 customers key). */
static void cmd_gen_sample(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    const char *topic = argv[1];
    int orders = strcmp(argv[0], "gen-orders") == 0;
    long long count, seed = 0, keys = 0;
    char err[512];
    if (!kfb_kmc_parse_int(argv[2], 1, 1000000000LL, &count))
        RETURN_REPLY(r, "ERR %s: N '%s' is not a number in 1..1000000000", argv[0], argv[2]);
    if (argc > 3 && !kfb_kmc_parse_int(argv[3], 0, INT64_MAX / 4, &seed))
        RETURN_REPLY(r, "ERR %s: SEED '%s' is not a number >= 0", argv[0], argv[3]);
    if (argc > 4 && !kfb_kmc_parse_int(argv[4], 1, 100000000LL, &keys))
        RETURN_REPLY(r, "ERR %s: KEYS '%s' is not a number in 1..100000000", argv[0], argv[4]);
    int np = topic_info(k, topic, NULL, err, sizeof(err));
    if (np <= 0) RETURN_REPLY(r, "ERR %s: %s", argv[0], err);
    kfb_sample_opts_t o = {.messages = (uint64_t)count, .seed = (uint64_t)seed, .keys = (uint64_t)keys,
                           .partitions = np, .value_schema_id = orders ? 1 : 2, .key_schema_id = 3};
    delivery_t d = {0};
    gen_ctx_t g = {k, rd_kafka_topic_new(k->producer, topic, NULL), &d, 0};
    kfb_sample_counts_t c;
    kfb_err_t e = orders ? kfb_sample_orders(&o, gen_emit, &g, &c, err, sizeof(err))
                         : kfb_sample_customers(&o, gen_emit, &g, &c, err, sizeof(err));
    wait_delivery(k, &d);
    rd_kafka_topic_destroy(g.rkt);
    if (g.err) RETURN_REPLY(r, "ERR %s: %s", argv[0], rd_kafka_err2str(g.err));
    if (atomic_load(&stop_flag)) RETURN_REPLY(r, "ERR %s: stopped (kafka-mock is shutting down)", argv[0]);
    if (e) RETURN_REPLY(r, "ERR %s: %s", argv[0], err);
    char extra[256];
    snprintf(extra, sizeof(extra),
             " upserts=%" PRIu64 " deletes=%" PRIu64 " tombstones=%" PRIu64 " keys=%" PRIu64 " key_changes=%" PRIu64
             " trimmed=%d",
             c.upserts, c.deletes, c.tombstones, c.live_keys, c.key_changes, trimmed_partitions(k, topic, np));
    reply_delivery(r, argv[0], &d, extra);
}

static void cmd_gen_bench_schema(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)k, (void)argc;
    char path[4096];
    snprintf(path, sizeof(path), "%s/1.avsc", argv[1]);
    FILE *f = fopen(path, "w");
    if (!f) RETURN_REPLY(r, "ERR gen-bench-schema: cannot write %s: %s", path, strerror(errno));
    int ok = fputs(KFB_BENCH_SCHEMA, f) >= 0 && fputc('\n', f) != EOF;
    if (fclose(f) != 0) ok = 0;
    if (!ok) RETURN_REPLY(r, "ERR gen-bench-schema: writing %s failed", path);
    reply(r, "OK %s", path);
}

static void cmd_offsets(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    char err[512];
    int n = topic_info(k, argv[1], NULL, err, sizeof(err));
    if (n <= 0) RETURN_REPLY(r, "ERR offsets: %s", err);
    int64_t *lo = NULL, *hi = NULL;
    if (watermarks(k, argv[1], n, &lo, &hi, err, sizeof(err)) == 0) {
        kfb_buf_append(r, "OK", 2);
        for (int p = 0; p < n; p++) {
            char w[80];
            int l = snprintf(w, sizeof(w), " %d=%" PRId64 ":%" PRId64, p, lo[p], hi[p]);
            kfb_buf_append(r, w, (size_t)l);
        }
        kfb_buf_append_byte(r, '\n');
    } else {
        reply(r, "ERR offsets: %s", err);
    }
    free(lo);
    free(hi);
}

static void cmd_leaders(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    char err[512];
    int32_t *leaders = NULL;
    int n = topic_info(k, argv[1], &leaders, err, sizeof(err));
    if (n <= 0) RETURN_REPLY(r, "ERR leaders: %s", err);
    if (!leaders) RETURN_REPLY(r, "ERR leaders: out of memory");
    kfb_buf_append(r, "OK", 2);
    for (int p = 0; p < n; p++) {
        char w[40];
        int l = snprintf(w, sizeof(w), " %d=%d", p, (int)leaders[p]);
        kfb_buf_append(r, w, (size_t)l);
    }
    kfb_buf_append_byte(r, '\n');
    free(leaders);
}

static void cmd_committed(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    const char *group = argv[1], *topic = argv[2];
    char err[512];
    int n = topic_info(k, topic, NULL, err, sizeof(err));
    if (n <= 0) RETURN_REPLY(r, "ERR committed: %s", err);
    /* A consumer with the group's id that never subscribes or assigns: rd_kafka_committed
     * sends OffsetFetch to the coordinator without joining (nor disturbing) the group. */
    rd_kafka_t *c = new_consumer(k, group, err, sizeof(err));
    if (!c) RETURN_REPLY(r, "ERR committed: %s", err);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int p = 0; p < n; p++) rd_kafka_topic_partition_list_add(l, topic, p);
    rd_kafka_resp_err_t e = rd_kafka_committed(c, l, OP_TIMEOUT_MS);
    for (int i = 0; !e && i < l->cnt; i++) e = l->elems[i].err;
    if (e) {
        reply(r, "ERR committed: OffsetFetch for group %s failed: %s (is its coordinator down?)", group,
              rd_kafka_err2str(e));
    } else {
        kfb_buf_append(r, "OK", 2);
        for (int i = 0; i < l->cnt; i++) {
            char w[64];
            int64_t off = l->elems[i].offset < 0 ? -1 : l->elems[i].offset;
            int len = snprintf(w, sizeof(w), " %d=%" PRId64, (int)l->elems[i].partition, off);
            kfb_buf_append(r, w, (size_t)len);
        }
        kfb_buf_append_byte(r, '\n');
    }
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy_flags(c, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

/* One message as a consume-file line. */
static kfb_err_t format_message(kfb_buf_t *out, const rd_kafka_message_t *m) {
    kfb_kmc_record_t rec;
    memset(&rec, 0, offsetof(kfb_kmc_record_t, headers));
    rec.partition = m->partition;
    rec.key = (kfb_kmc_bytes_t){m->key, m->key_len, m->key == NULL};
    rec.value = (kfb_kmc_bytes_t){m->payload, m->len, m->payload == NULL};
    rd_kafka_headers_t *hdrs = NULL;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *val;
        size_t size;
        for (size_t i = 0; rec.n_headers < KFB_KMC_MAX_HEADERS &&
                           rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             i++)
            rec.headers[rec.n_headers++] = (kfb_kmc_header_t){name, strlen(name), {val, size, val == NULL}};
    }
    rec.offset = m->offset;
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(m, &tt);
    rec.timestamp = ts >= 0 ? ts : -1;
    return kfb_kmc_format_record(out, &rec);
}

static void cmd_consume(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    const char *topic = argv[1], *path = argv[2];
    char err[512];
    int n = topic_info(k, topic, NULL, err, sizeof(err));
    if (n <= 0) RETURN_REPLY(r, "ERR consume: %s", err);
    int64_t *lo = NULL, *hi = NULL;
    kfb_buf_t *text = calloc((size_t)n, sizeof(kfb_buf_t));
    rd_kafka_t *c = NULL;
    long messages = 0;
    if (!text || watermarks(k, topic, n, &lo, &hi, err, sizeof(err)) != 0) {
        reply(r, "ERR consume: %s", text ? err : "out of memory");
        goto out;
    }
    /* assign() needs a group.id; this one is never joined nor committed to */
    if (!(c = new_consumer(k, "kafka-mock.consume", err, sizeof(err)))) {
        reply(r, "ERR consume: %s", err);
        goto out;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    int remaining = 0;
    for (int p = 0; p < n; p++) {
        if (lo[p] >= hi[p]) continue;
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = lo[p];
        remaining++;
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(c, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        reply(r, "ERR consume: assign failed: %s", rd_kafka_err2str(e));
        goto out;
    }
    struct timespec last, now;
    clock_gettime(CLOCK_MONOTONIC, &last);
    char last_err[256] = "";
    while (remaining > 0 && !atomic_load(&stop_flag)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!m) {
            long idle = (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000;
            if (idle > CONSUME_IDLE_MS) break;
            continue;
        }
        int p = m->partition;
        if (m->err) {
            snprintf(last_err, sizeof(last_err), "%s", rd_kafka_message_errstr(m));
        } else if (p >= 0 && p < n && m->offset < hi[p]) {
            last = now;
            if (format_message(&text[p], m) != KFB_ERR_OK) {
                rd_kafka_message_destroy(m);
                reply(r, "ERR consume: out of memory");
                goto out;
            }
            messages++;
            if (m->offset + 1 >= hi[p]) remaining--;
        }
        rd_kafka_message_destroy(m);
    }
    if (remaining > 0) {
        reply(r, "ERR consume: %d partition%s of %s not read to their end offset (%s)%s%s", remaining,
              remaining == 1 ? "" : "s", topic,
              atomic_load(&stop_flag) ? "kafka-mock is shutting down" : "no message for 30 s",
              *last_err ? "; last error: " : "", last_err);
        goto out;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        reply(r, "ERR consume: cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    int ok = 1;
    for (int p = 0; p < n; p++)
        if (text[p].len && fwrite(text[p].data, 1, text[p].len, f) != text[p].len) ok = 0;
    if (fclose(f) != 0) ok = 0;
    if (ok) reply(r, "OK messages=%ld", messages);
    else reply(r, "ERR consume: writing %s failed: %s", path, strerror(errno));
out:
    if (c) {
        rd_kafka_consumer_close(c);
        rd_kafka_destroy(c);
    }
    for (int p = 0; text && p < n; p++) kfb_buf_free(&text[p]);
    free(text);
    free(lo);
    free(hi);
}

static int parse_broker(km_t *k, const char *w, long long *id) {
    return kfb_kmc_parse_int(w, -1, k->n_brokers, id) && *id != 0;
}

static void cmd_broker_updown(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    long long id;
    if (!parse_broker(k, argv[1], &id))
        RETURN_REPLY(r, "ERR %s: broker '%s' is not 1..%d or -1 (all)", argv[0], argv[1], k->n_brokers);
    int up = strcmp(argv[0], "broker-up") == 0;
    rd_kafka_resp_err_t e = up ? rd_kafka_mock_broker_set_up(k->mc, (int32_t)id)
                               : rd_kafka_mock_broker_set_down(k->mc, (int32_t)id);
    if (e) RETURN_REPLY(r, "ERR %s: %s", argv[0], rd_kafka_err2str(e));
    reply(r, "OK");
}

/* An error code by number or by name (librdkafka's names: NOT_COORDINATOR, _TRANSPORT,
 * with or without the RD_KAFKA_RESP_ERR_ prefix). */
static int parse_errcode(const char *w, rd_kafka_resp_err_t *out) {
    const struct rd_kafka_err_desc *descs;
    size_t cnt;
    rd_kafka_get_err_descs(&descs, &cnt);
    long long v;
    int by_num = kfb_kmc_parse_int(w, -200, 32767, &v);
    if (!by_num && strncasecmp(w, "RD_KAFKA_RESP_ERR_", 18) == 0) w += 18;
    for (size_t i = 0; i < cnt; i++) {
        if (!descs[i].name) continue;
        if (by_num ? (long long)descs[i].code == v : strcasecmp(descs[i].name, w) == 0) {
            *out = descs[i].code;
            return descs[i].code != RD_KAFKA_RESP_ERR_NO_ERROR;
        }
    }
    return 0;
}

static void cmd_push_errors(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    int api = kfb_kmc_api_key(argv[1]);
    if (api < 0)
        RETURN_REPLY(r, "ERR push-errors: API '%s' is not one the mock cluster answers: %s", argv[1],
                     kfb_kmc_api_list());
    long long count;
    if (!kfb_kmc_parse_int(argv[2], 1, 100000, &count))
        RETURN_REPLY(r, "ERR push-errors: COUNT '%s' is not a number in 1..100000", argv[2]);
    int ncodes = argc - 3;
    if (ncodes != 1 && ncodes != count)
        RETURN_REPLY(r, "ERR push-errors: give one error code for all %lld requests or %lld codes, not %d",
                     count, count, ncodes);
    rd_kafka_resp_err_t *codes = calloc((size_t)count, sizeof(*codes));
    if (!codes) RETURN_REPLY(r, "ERR push-errors: out of memory");
    for (long long i = 0; i < count; i++) {
        const char *w = argv[3 + (ncodes == 1 ? 0 : i)];
        if (!parse_errcode(w, &codes[i])) {
            free(codes);
            RETURN_REPLY(r, "ERR push-errors: '%s' is not a Kafka error code (a number, or a name "
                            "such as NOT_COORDINATOR or _TRANSPORT)", w);
        }
    }
    rd_kafka_mock_push_request_errors_array(k->mc, (int16_t)api, (size_t)count, codes);
    reply(r, "OK pushed=%lld api=%s first=%s", count, kfb_kmc_api_name(api), rd_kafka_err2name(codes[0]));
    free(codes);
}

static void cmd_clear_errors(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    int api = kfb_kmc_api_key(argv[1]);
    if (api < 0)
        RETURN_REPLY(r, "ERR clear-errors: API '%s' is not one the mock cluster answers: %s", argv[1],
                     kfb_kmc_api_list());
    rd_kafka_mock_clear_request_errors(k->mc, (int16_t)api);
    reply(r, "OK");
}

static void cmd_set_rtt(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    long long id, ms;
    if (!parse_broker(k, argv[1], &id))
        RETURN_REPLY(r, "ERR set-rtt: broker '%s' is not 1..%d or -1 (all)", argv[1], k->n_brokers);
    if (!kfb_kmc_parse_int(argv[2], 0, 600000, &ms))
        RETURN_REPLY(r, "ERR set-rtt: MS '%s' is not a number in 0..600000", argv[2]);
    rd_kafka_resp_err_t e = rd_kafka_mock_broker_set_rtt(k->mc, (int32_t)id, (int)ms);
    if (e) RETURN_REPLY(r, "ERR set-rtt: %s", rd_kafka_err2str(e));
    reply(r, "OK");
}

static void cmd_coordinator(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    long long id;
    if (!kfb_kmc_parse_int(argv[2], 1, k->n_brokers, &id))
        RETURN_REPLY(r, "ERR coordinator: broker '%s' is not 1..%d", argv[2], k->n_brokers);
    rd_kafka_resp_err_t e = rd_kafka_mock_coordinator_set(k->mc, "group", argv[1], (int32_t)id);
    if (e) RETURN_REPLY(r, "ERR coordinator: %s", rd_kafka_err2str(e));
    reply(r, "OK");
}

static void cmd_partition_leader(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)argc;
    char err[512];
    long long p, id;
    int n = topic_info(k, argv[1], NULL, err, sizeof(err));
    if (n <= 0) RETURN_REPLY(r, "ERR partition-leader: %s", err);
    if (!kfb_kmc_parse_int(argv[2], 0, n - 1, &p))
        RETURN_REPLY(r, "ERR partition-leader: partition '%s' is not 0..%d", argv[2], n - 1);
    if (!parse_broker(k, argv[3], &id))
        RETURN_REPLY(r, "ERR partition-leader: broker '%s' is not 1..%d or -1 (no leader)", argv[3],
                     k->n_brokers);
    rd_kafka_resp_err_t e = rd_kafka_mock_partition_set_leader(k->mc, argv[1], (int32_t)p, (int32_t)id);
    if (e) RETURN_REPLY(r, "ERR partition-leader: %s", rd_kafka_err2str(e));
    reply(r, "OK");
}

static void cmd_help(km_t *k, int argc, char **argv, kfb_buf_t *r);

static const struct command {
    const char *name;
    int min_args, max_args; /* words after the name */
    const char *args;
    cmd_fn fn;
} commands[] = {
    {"create-topic", 2, 2, "NAME PARTITIONS", cmd_create_topic},
    {"topics", 0, 0, "", cmd_topics},
    {"produce-file", 2, 2, "TOPIC FILE", cmd_produce_file},
    {"produce", 4, KFB_KMC_MAX_WORDS - 1, "TOPIC PARTITION KEY VALUE [NAME=HEX ...]", cmd_produce},
    {"gen-bench", 2, 4, "TOPIC N [SEED [KEYS]]", cmd_gen_bench},
    {"gen-bench-schema", 1, 1, "DIR", cmd_gen_bench_schema},
    {"gen-orders", 2, 4, "TOPIC N [SEED [KEYS]]", cmd_gen_sample},
    {"gen-customers", 2, 4, "TOPIC N [SEED [KEYS]]", cmd_gen_sample},
    {"offsets", 1, 1, "TOPIC", cmd_offsets},
    {"leaders", 1, 1, "TOPIC", cmd_leaders},
    {"committed", 2, 2, "GROUP TOPIC", cmd_committed},
    {"consume", 2, 2, "TOPIC FILE", cmd_consume},
    {"broker-down", 1, 1, "ID", cmd_broker_updown},
    {"broker-up", 1, 1, "ID", cmd_broker_updown},
    {"push-errors", 3, KFB_KMC_MAX_WORDS - 1, "API COUNT ERR...", cmd_push_errors},
    {"clear-errors", 1, 1, "API", cmd_clear_errors},
    {"set-rtt", 2, 2, "BROKER MS", cmd_set_rtt},
    {"coordinator", 2, 2, "GROUP BROKER", cmd_coordinator},
    {"partition-leader", 3, 3, "TOPIC PARTITION BROKER", cmd_partition_leader},
    {"help", 0, 0, "", cmd_help},
    {"quit", 0, 0, "", NULL},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(km_t *k, int argc, char **argv, kfb_buf_t *r) {
    (void)k, (void)argc, (void)argv;
    kfb_buf_append(r, "OK commands:", 12);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char w[128];
        int n = snprintf(w, sizeof(w), "%s %s%s%s", i ? " |" : "", commands[i].name,
                         *commands[i].args ? " " : "", commands[i].args);
        kfb_buf_append(r, w, (size_t)n);
    }
    kfb_buf_append_byte(r, '\n');
}

/* Runs one control line (NUL-terminated, modified); returns 1 for quit. */
static int run_command(km_t *k, char *line, kfb_buf_t *r) {
    char *argv[KFB_KMC_MAX_WORDS];
    int argc = kfb_kmc_split(line, argv, KFB_KMC_MAX_WORDS);
    if (argc < 0) {
        reply(r, "ERR more than %d words on one line", KFB_KMC_MAX_WORDS);
        return 0;
    }
    if (argc == 0 || argv[0][0] == '#') return 0;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const struct command *c = &commands[i];
        if (strcmp(argv[0], c->name) != 0) continue;
        if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
            reply(r, "ERR usage: %s %s", c->name, c->args);
            return 0;
        }
        if (!c->fn) {
            reply(r, "OK bye");
            return 1;
        }
        c->fn(k, argc, argv, r);
        return 0;
    }
    reply(r, "ERR unknown command '%.64s'; try help", argv[0]);
    return 0;
}

/* ---- control connections ------------------------------------------------------------- */

typedef struct conn {
    km_t *k;
    int fd_in, fd_out;
    pthread_t thread;
    atomic_int done;
    int in_use;
} conn_t;

static void write_all(int fd, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

/* Reads lines until EOF, quit or stop; one reply per non-blank line. */
static void *conn_main(void *arg) {
    conn_t *c = arg;
    kfb_buf_t in = KFB_BUF_INIT, out = KFB_BUF_INIT;
    int discarding = 0; /* inside a line that was too long: skip to its end */
    while (!atomic_load(&stop_flag)) {
        struct pollfd pfd = {.fd = c->fd_in, .events = POLLIN};
        int pr = poll(&pfd, 1, 200);
        if (pr < 0 && errno != EINTR) break;
        if (pr <= 0) continue;
        char buf[65536];
        ssize_t n = read(c->fd_in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (c->fd_in == 0) atomic_store(&stop_flag, 1); /* end of stdin stops kafka-mock */
            break;
        }
        if (kfb_buf_append(&in, buf, (size_t)n) != KFB_ERR_OK) break;
        size_t start = 0;
        int quit = 0;
        for (size_t i = 0; i < in.len && !quit; i++) {
            if (in.data[i] != '\n') continue;
            in.data[i] = 0;
            char *line = (char *)in.data + start;
            start = i + 1;
            kfb_buf_reset(&out);
            if (discarding) {
                discarding = 0;
                continue;
            }
            size_t len = (size_t)((char *)in.data + i - line);
            if (len > KFB_KMC_MAX_LINE) {
                reply(&out, "ERR line longer than %u bytes", KFB_KMC_MAX_LINE);
            } else if (strlen(line) != len) {
                reply(&out, "ERR the line has a NUL byte");
            } else {
                quit = run_command(c->k, line, &out);
            }
            write_all(c->fd_out, out.data, out.len);
            if (quit) atomic_store(&stop_flag, 1);
        }
        memmove(in.data, in.data + start, in.len - start);
        in.len -= start;
        if (in.len > KFB_KMC_MAX_LINE) {
            if (!discarding) {
                kfb_buf_reset(&out);
                reply(&out, "ERR line longer than %u bytes", KFB_KMC_MAX_LINE);
                write_all(c->fd_out, out.data, out.len);
            }
            discarding = 1;
            kfb_buf_reset(&in);
        }
        if (quit) break;
    }
    kfb_buf_free(&in);
    kfb_buf_free(&out);
    if (c->fd_in > 0) close(c->fd_in);
    atomic_store(&c->done, 1);
    return NULL;
}

static int open_control(int port, int *bound) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sl) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &sl) != 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(a.sin_port);
    return fd;
}

static int start_conn(conn_t *conns, km_t *k, int fd_in, int fd_out) {
    for (int i = 0; i < MAX_CONNS; i++) {
        conn_t *c = &conns[i];
        if (c->in_use && atomic_load(&c->done)) {
            pthread_join(c->thread, NULL);
            c->in_use = 0;
        }
        if (c->in_use) continue;
        c->k = k;
        c->fd_in = fd_in;
        c->fd_out = fd_out;
        atomic_store(&c->done, 0);
        if (pthread_create(&c->thread, NULL, conn_main, c) != 0) return -1;
        c->in_use = 1;
        return 0;
    }
    return -1;
}

/* Writes the READY line to path through a temporary file, so that a reader polling for
 * the file never sees half of it. */
static void write_port_file(const char *path, const char *ready) {
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "kafka-mock: cannot write %s: %s\n", tmp, strerror(errno));
        return;
    }
    fputs(ready, f);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        fprintf(stderr, "kafka-mock: cannot write %s: %s\n", path, strerror(errno));
}

int main(int argc, char **argv) {
    km_t k = {.n_brokers = 3, .msg_timeout_ms = 60000};
    int control_port = 0, use_stdin = 0, ntopics = 0;
    const char *port_file = NULL, *topic_specs[256];
    enum { O_BROKERS = 1, O_TOPIC, O_CTL, O_STDIN, O_PFILE, O_MSGTMO, O_VERBOSE, O_HELP };
    static const struct option opts[] = {
        {"brokers", required_argument, 0, O_BROKERS},
        {"topic", required_argument, 0, O_TOPIC},
        {"control-port", required_argument, 0, O_CTL},
        {"stdin", no_argument, 0, O_STDIN},
        {"port-file", required_argument, 0, O_PFILE},
        {"message-timeout-ms", required_argument, 0, O_MSGTMO},
        {"verbose", no_argument, 0, O_VERBOSE},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    int o;
    long long v;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_BROKERS:
            if (!kfb_kmc_parse_int(optarg, 1, 16, &v)) {
                fprintf(stderr, "kafka-mock: --brokers '%s' is not a number in 1..16\n", optarg);
                return 2;
            }
            k.n_brokers = (int)v;
            break;
        case O_TOPIC:
            if (ntopics == 256) {
                fprintf(stderr, "kafka-mock: at most 256 --topic; use create-topic for more\n");
                return 2;
            }
            topic_specs[ntopics++] = optarg;
            break;
        case O_CTL:
            if (!kfb_kmc_parse_int(optarg, -1, 65535, &v)) {
                fprintf(stderr, "kafka-mock: --control-port '%s' is not -1..65535\n", optarg);
                return 2;
            }
            control_port = (int)v;
            break;
        case O_STDIN: use_stdin = 1; break;
        case O_PFILE: port_file = optarg; break;
        case O_MSGTMO:
            if (!kfb_kmc_parse_int(optarg, 1000, 3600000, &v)) {
                fprintf(stderr, "kafka-mock: --message-timeout-ms '%s' is not 1000..3600000\n", optarg);
                return 2;
            }
            k.msg_timeout_ms = (int)v;
            break;
        case O_VERBOSE: k.verbose = 1; break;
        case O_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kafka-mock: unexpected argument '%s'; see --help\n", argv[optind]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char err[512];
    rd_kafka_conf_t *hc = rd_kafka_conf_new();
    rd_kafka_conf_set(hc, "log_level", k.verbose ? "7" : "3", NULL, 0);
    if (k.verbose) rd_kafka_conf_set(hc, "debug", "mock", NULL, 0);
    k.host = rd_kafka_new(RD_KAFKA_PRODUCER, hc, err, sizeof(err));
    if (!k.host) {
        fprintf(stderr, "kafka-mock: %s\n", err);
        return 1;
    }
    k.mc = rd_kafka_mock_cluster_new(k.host, k.n_brokers);
    if (!k.mc) {
        fprintf(stderr, "kafka-mock: cannot start the mock cluster (see librdkafka's log above)\n");
        rd_kafka_destroy(k.host);
        return 1;
    }
    k.bootstrap = rd_kafka_mock_cluster_bootstraps(k.mc);
    int rc = 1, lfd = -1, cport = -1;
    if (!(k.producer = new_producer(&k, err, sizeof(err))) ||
        !(k.meta = new_consumer(&k, NULL, err, sizeof(err)))) {
        fprintf(stderr, "kafka-mock: %s\n", err);
        goto out;
    }
    for (int i = 0; i < ntopics; i++) {
        const char *colon = strrchr(topic_specs[i], ':');
        char name[256];
        if (!colon || colon == topic_specs[i] || (size_t)(colon - topic_specs[i]) >= sizeof(name) ||
            !kfb_kmc_parse_int(colon + 1, 1, 100000, &v)) {
            fprintf(stderr, "kafka-mock: --topic '%s': expected NAME:PARTITIONS (1..100000)\n", topic_specs[i]);
            rc = 2;
            goto out;
        }
        memcpy(name, topic_specs[i], (size_t)(colon - topic_specs[i]));
        name[colon - topic_specs[i]] = 0;
        if (create_topic(&k, name, v, err, sizeof(err))) {
            fprintf(stderr, "kafka-mock: --topic: %s\n", err);
            rc = 2;
            goto out;
        }
    }
    if (control_port >= 0 && (lfd = open_control(control_port, &cport)) < 0) {
        fprintf(stderr, "kafka-mock: cannot open control port %d on 127.0.0.1: %s\n", control_port,
                strerror(errno));
        goto out;
    }
    char ready[8192];
    snprintf(ready, sizeof(ready), "READY bootstrap=%s control=%d\n", k.bootstrap, cport);
    if (port_file) write_port_file(port_file, ready);
    fputs(ready, stdout);
    fflush(stdout);

    static conn_t conns[MAX_CONNS];
    if (use_stdin && start_conn(conns, &k, 0, 1) != 0) {
        fprintf(stderr, "kafka-mock: cannot start the stdin thread\n");
        atomic_store(&stop_flag, 1);
    }
    while (!atomic_load(&stop_flag)) {
        if (lfd < 0) {
            poll(NULL, 0, 200);
            continue;
        }
        struct pollfd pfd = {.fd = lfd, .events = POLLIN};
        if (poll(&pfd, 1, 200) <= 0 || !(pfd.revents & POLLIN)) continue;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) continue;
        if (start_conn(conns, &k, fd, fd) != 0) {
            static const char busy[] = "ERR too many control connections; close one and retry\n";
            write_all(fd, (const uint8_t *)busy, sizeof(busy) - 1);
            close(fd);
        }
    }
    /* Commands check stop_flag: a produce purges its messages, a consume gives up. */
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].in_use) pthread_join(conns[i].thread, NULL);
    rc = 0;
out:
    if (lfd >= 0) close(lfd);
    if (k.meta) rd_kafka_destroy(k.meta);
    if (k.producer) {
        rd_kafka_purge(k.producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(k.producer, 0);
        rd_kafka_destroy(k.producer);
    }
    rd_kafka_mock_cluster_destroy(k.mc);
    rd_kafka_destroy(k.host);
    return rc;
}
