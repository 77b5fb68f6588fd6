/* bench_real.c - the bridge against a real cluster: real Apache Kafka 3.9 and real Apache
 * Fluss 0.9.1 (tests/real/lib.sh starts them), the 10-field benchmark record of bench_e2e
 * (tests/support/bench_record.h). Run by bench/real.sh, which starts and stops the cluster,
 * runs the Flink SQL peer and prints the bridge's ratio to it; `make bench` runs that.
 *
 *   bench_real prepare   creates the topics `bench` (Confluent-framed, schema id 1) and
 *                        `bench_plain` (the same messages without the 5-byte framing, for the
 *                        Flink peer, which reads plain Avro), fills both with the same
 *                        records (same keys, same partitions, same order), creates the Fluss
 *                        tables kfb_bench.{warmup,bridge,putkv,flink} (identical), writes the
 *                        bridge's configuration and a sample of the expected final rows
 *                        (the judge's expected-state file, computed from the record formula)
 *   bench_real measure   in forked children, one after the other: warm-up (raw consumption
 *                        of `bench`, the PutKv path into kfb_bench.warmup: the JVMs' JIT),
 *                        raw librdkafka consumption of `bench`, the bridge's `migrate` of
 *                        `bench` into kfb_bench.bridge, raw consumption again (the baseline
 *                        is the mean of both), then the PutKv path alone: the bridge's Fluss
 *                        client writing pre-built KV batches of the same rows into
 *                        kfb_bench.putkv
 *
 * Environment (bench/real.sh sets it): KAFKA_BOOTSTRAP, FLUSS_BOOTSTRAP, BENCH_REAL_DIR (a
 * work directory), BENCH_REAL_MESSAGES (default 2000000), BENCH_REAL_PARTITIONS (8),
 * BENCH_REAL_BUCKETS (16), FLUSS_TABLET_SERVERS (printed), BENCH_REAL_BRIDGE_YAML (appended
 * to the bridge's configuration: top-level keys it does not set, for experiments). `measure`
 * also writes BENCH_REAL_DIR/results.env for the script (rates as shell assignments).
 * Informational: no target is set for these ratios; the exit status is 0 unless a step
 * failed (then a sentence says which).
 */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_pipeline.h"
#include "bench_record.h"
#include "bench_util.h"
#include "fluss_client.h"
#include "kv_batch.h"
#include "mapper.h"
#include "schema_registry.h"

#define DB "kfb_bench"
#define TOPIC "bench"
#define TOPIC_PLAIN "bench_plain"
#define BATCH_BYTES (2u << 20) /* the bridge's default batch.max_bytes */
#define TIMEOUT_MS 60000
#define SAMPLED_KEYS 2000

static long n_messages;
static int n_partitions, n_buckets;
static const char *dir, *kafka_bootstrap, *fluss_bootstrap;

static void die(const char *what) {
    fprintf(stderr, "bench_real: %s\n", what);
    exit(1);
}

static const char *env(const char *name, const char *dflt) {
    const char *v = getenv(name);
    if (v && *v) return v;
    if (!dflt) {
        fprintf(stderr, "bench_real: %s is not set: run bench/real.sh (make bench), which starts the "
                        "real cluster and sets it\n", name);
        exit(2);
    }
    return dflt;
}

static double loadavg1(void) {
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf", &l) != 1) l = -1;
    if (f) fclose(f);
    return l;
}

/* Keys as kafka-mock's gen-bench draws them with seed 0: K = N/2 rounded up to a multiple of
 * the partition count, message i has key index i % K (every key written about twice), id
 * index * 1000000007, partition index % P: each key stays in one partition. */
static long n_keys(void) {
    long k = (n_messages + 1) / 2;
    return (k + n_partitions - 1) / n_partitions * n_partitions;
}
static int64_t key_id(long ki) { return (int64_t)ki * 1000000007LL; }

/* ---- prepare ------------------------------------------------------------------------------ */

typedef struct delivery {
    long ok, failed;
    char first_error[256];
} delivery_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    delivery_t *d = opaque;
    if (m->err) {
        if (!d->failed++) snprintf(d->first_error, sizeof d->first_error, "%s", rd_kafka_err2str(m->err));
    } else {
        d->ok++;
    }
}

static void create_topics(rd_kafka_t *rk) {
    char e[512];
    const char *names[2] = {TOPIC, TOPIC_PLAIN};
    rd_kafka_NewTopic_t *nt[2];
    for (int i = 0; i < 2; i++)
        if (!(nt[i] = rd_kafka_NewTopic_new(names[i], n_partitions, 1, e, sizeof e))) die(e);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, nt, 2, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, TIMEOUT_MS);
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    if (!res) die("no answer to CreateTopics within 60 s");
    size_t n;
    const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
    for (size_t i = 0; i < n; i++)
        if (rd_kafka_topic_result_error(tr[i])) {
            snprintf(e, sizeof e, "creating topic %s: %s", rd_kafka_topic_result_name(tr[i]),
                     rd_kafka_topic_result_error_string(tr[i]));
            die(e);
        }
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy_array(nt, 2);
}

/* Produces one message, waiting (bounded) while librdkafka's queue is full. */
static void produce_one(rd_kafka_t *rk, rd_kafka_topic_t *t, int32_t part, const void *v, size_t vl,
                        const void *k, size_t kl) {
    double deadline = now() + 120;
    while (rd_kafka_produce(t, part, RD_KAFKA_MSG_F_COPY, (void *)v, vl, k, kl, NULL) == -1) {
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || now() > deadline) die(rd_kafka_err2str(err));
        rd_kafka_poll(rk, 10);
    }
}

/* Both topics, message i of each the same record (bench_record.h) with the same key and
 * partition; returns the framed topic's key + value bytes. */
static double fill_topics(void) {
    char e[512];
    delivery_t d = {0};
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    const char *kv[][2] = {{"bootstrap.servers", kafka_bootstrap}, {"acks", "all"},
                           {"enable.idempotence", "true"},       {"linger.ms", "20"},
                           {"batch.size", "1000000"},           {"queue.buffering.max.messages", "500000"},
                           {"log_level", "3"}}; /* not the broker's transient "load in progress" */
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(c, kv[i][0], kv[i][1], e, sizeof e) != RD_KAFKA_CONF_OK) die(e);
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_conf_set_opaque(c, &d);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, e, sizeof e);
    if (!rk) die(e);
    create_topics(rk);
    rd_kafka_topic_t *framed = rd_kafka_topic_new(rk, TOPIC, NULL), *plain = rd_kafka_topic_new(rk, TOPIC_PLAIN, NULL);
    long keys = n_keys();
    double bytes = 0;
    for (long i = 0; i < n_messages; i++) {
        long ki = i % keys;
        uint8_t val[KFB_BENCH_RECORD_MAX];
        char key[24];
        size_t vl = kfb_bench_record(val, i, key_id(ki));
        int kl = snprintf(key, sizeof key, "%" PRId64, key_id(ki));
        int32_t part = (int32_t)(ki % n_partitions);
        produce_one(rk, framed, part, val, vl, key, (size_t)kl);
        produce_one(rk, plain, part, val + 5, vl - 5, key, (size_t)kl); /* no magic byte, no id */
        bytes += (double)(vl + (size_t)kl);
        rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 300000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("the producer did not flush within 300 s");
    rd_kafka_topic_destroy(framed);
    rd_kafka_topic_destroy(plain);
    rd_kafka_destroy(rk);
    if (d.failed || d.ok != 2 * n_messages) {
        snprintf(e, sizeof e, "%ld of %ld messages acknowledged by Kafka (%ld failed, first: %s)", d.ok,
                 2 * n_messages, d.failed, d.first_error);
        die(e);
    }
    return bytes;
}

static char *table_json(void) {
    static char json[2048];
    snprintf(json, sizeof json,
             "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
             "{\"name\":\"id\",\"data_type\":{\"type\":\"BIGINT\",\"nullable\":false},\"id\":0},"
             "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"},\"id\":1},"
             "{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\"},\"id\":2},"
             "{\"name\":\"d\",\"data_type\":{\"type\":\"DOUBLE\"},\"id\":3},"
             "{\"name\":\"b\",\"data_type\":{\"type\":\"BOOLEAN\"},\"id\":4},"
             "{\"name\":\"ns\",\"data_type\":{\"type\":\"STRING\"},\"id\":5},"
             "{\"name\":\"ts\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3},\"id\":6},"
             "{\"name\":\"city\",\"data_type\":{\"type\":\"STRING\"},\"id\":7},"
             "{\"name\":\"f\",\"data_type\":{\"type\":\"FLOAT\"},\"id\":8},"
             "{\"name\":\"i2\",\"data_type\":{\"type\":\"INTEGER\"},\"id\":9}],"
             "\"primary_key\":[\"id\"],\"highest_field_id\":9},\"partition_key\":[],\"bucket_key\":[\"id\"],"
             "\"bucket_count\":%d,\"properties\":{},\"custom_properties\":{}}",
             n_buckets);
    return json;
}

static kfb_fluss_client_t *fluss_client(kfb_fluss_delivery_cb_t cb, void *opaque) {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = fluss_bootstrap;
    conf.delivery_cb = cb;
    conf.delivery_opaque = opaque;
    char e[512];
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, e, sizeof e);
    if (!c) die(e);
    return c;
}

static void create_tables(void) {
    char e[1024];
    kfb_fluss_client_t *c = fluss_client(NULL, NULL);
    if (kfb_fluss_client_create_database(c, DB, 1, TIMEOUT_MS, e, sizeof e)) die(e);
    static const char *const tables[] = {"warmup", "bridge", "putkv", "flink"};
    for (int i = 0; i < 4; i++)
        if (kfb_fluss_client_create_table(c, DB, tables[i], table_json(), 0, TIMEOUT_MS, e, sizeof e)) die(e);
    kfb_fluss_client_destroy(c);
}

static FILE *open_in_dir(const char *name, char *path, size_t size) {
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_real: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return f;
}

static void write_config(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/schemas", dir);
    if (mkdir(path, 0755) && errno != EEXIST) die("cannot create the schema directory");
    FILE *f = open_in_dir("schemas/1.avsc", path, sizeof path);
    fputs(KFB_BENCH_SCHEMA, f);
    fclose(f);
    /* the bridge's defaults (batch.linger 100ms, batch.max_bytes 2MiB, ...) but for the
     * session timeout, the broker's minimum */
    f = open_in_dir("bridge.yaml", path, sizeof path);
    fprintf(f,
            "kafka:\n  bootstrap.servers: \"%s\"\n  group.id: bench-bridge\n  auto.offset.reset: earliest\n"
            "  session.timeout.ms: \"6000\"\n  heartbeat.interval.ms: \"1000\"\n"
            "schemas_dir: %s/schemas\nfluss:\n  bootstrap_servers: \"%s\"\nlog:\n  level: warn\n"
            "mappings:\n  - name: bench\n    topic: " TOPIC "\n    table: " DB ".bridge\n",
            kafka_bootstrap, dir, fluss_bootstrap);
    /* BENCH_REAL_BRIDGE_YAML: more top-level keys for experiments, e.g. "batch:\n  linger: 1s" */
    const char *extra = getenv("BENCH_REAL_BRIDGE_YAML");
    if (extra && *extra) fprintf(f, "%s\n", extra);
    fclose(f);
}

/* The judge's expected-state file (tests/real/README.md) for SAMPLED_KEYS keys spread over
 * the key range: each key's row after its last message, from the record formula of
 * bench_record.h (not from any encoder). Lookups only (the changelog of a million rows is
 * not what this benchmark is about). */
static void write_expected(void) {
    static const char *const names[8] = {"alice", "bob", "carol", "dave-the-longer-name",
                                         "eve", "mallory", "trent", "peggy"};
    static const char *const cities[4] = {"Amsterdam", "Berlin", "Copenhagen", "Dublin"};
    char path[1024];
    FILE *f = open_in_dir("expected.jsonl", path, sizeof path);
    fprintf(f, "{\"table\": \"" DB ".bridge\", \"exact\": false, \"changelog\": false}\n");
    long keys = n_keys(), samples = keys < SAMPLED_KEYS ? keys : SAMPLED_KEYS;
    for (long j = 0; j < samples; j++) {
        long ki = j == samples - 1 ? keys - 1 : j * (keys / samples);
        if (ki >= n_messages) continue; /* a key index no message reached (rounding) */
        long i = ki + (n_messages - 1 - ki) / keys * keys; /* the key's last message */
        int64_t ms = 1698235273182LL + i;
        time_t secs = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char ts[64];
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(f,
                "{\"key\": {\"id\": %" PRId64 "}, \"states\": [{\"id\": %" PRId64 ", \"name\": \"%s\", "
                "\"a\": %ld, \"d\": %.17g, \"b\": %s, \"ns\": null, \"ts\": \"%s.%03dZ\", \"city\": \"%s\", "
                "\"f\": %.9g, \"i2\": %ld}]}\n",
                key_id(ki), key_id(ki), names[i & 7], i & 0xfffff, (double)i * 0.25, (i & 1) ? "true" : "false",
                ts, (int)(ms % 1000), cities[(i >> 3) & 3], (double)(float)i, (i % 1000) - 500);
    }
    fclose(f);
}

static int prepare(void) {
    double t0 = now();
    double bytes = fill_topics();
    double t_fill = now() - t0;
    create_tables();
    write_config();
    write_expected();
    printf("cluster: Fluss with %s tablet servers (and a coordinator, ZooKeeper), tables " DB
           ".{warmup,bridge,putkv,flink} of %d buckets each; Kafka 1 KRaft node, topics " TOPIC " and " TOPIC_PLAIN
           " of %d partitions each\n",
           env("FLUSS_TABLET_SERVERS", "?"), n_buckets, n_partitions);
    printf("data: %ld messages of the 10-field record per topic over %ld keys (every key written about "
           "twice), " TOPIC ": %.1f MiB of keys and values (%.0f bytes a message), " TOPIC_PLAIN
           ": the same without the 5-byte framing; produced in %.1f s\n",
           n_messages, n_keys(), bytes / 1048576.0, bytes / (double)n_messages, t_fill);
    return 0;
}

/* ---- measure ------------------------------------------------------------------------------ */

typedef struct raw_arg {
    char group[32];
} raw_arg_t;

static void raw_child(void *a, void *out) {
    *(double *)out = bench_raw_consume(kafka_bootstrap, ((raw_arg_t *)a)->group, TOPIC, n_messages);
}

static void bridge_child(void *a, void *out) {
    bench_migrate((const char *)a, n_messages, NULL, out);
}

typedef struct putkv_result {
    long records, batches;
    double bytes, seconds;
    int failed;
    char error[512];
} putkv_result_t;

typedef struct sealed {
    uint8_t *bytes;
    size_t len;
    int32_t bucket;
    long records;
} sealed_t;

typedef struct putkv_state {
    sealed_t *all;
    long n, cap;
    long delivered;
    putkv_result_t *r;
} putkv_state_t;

static void putkv_delivered(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *res, void *opaque) {
    (void)c;
    putkv_state_t *s = opaque;
    s->delivered++;
    if (res->err && !s->r->failed++)
        snprintf(s->r->error, sizeof s->r->error, "batch of bucket %d: %s", res->bucket_id, res->message);
}

static void seal(putkv_state_t *s, kfb_kv_batch_builder_t *b, int32_t bucket) {
    const uint8_t *p;
    size_t len;
    if (kfb_kv_batch_build(b, &p, &len)) die("building a KV batch");
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        if (!(s->all = realloc(s->all, (size_t)s->cap * sizeof *s->all))) die("out of memory");
    }
    sealed_t *x = &s->all[s->n++];
    if (!(x->bytes = malloc(len))) die("out of memory");
    memcpy(x->bytes, p, len);
    x->len = len;
    x->bucket = bucket;
    x->records = kfb_kv_batch_record_count(b);
    kfb_kv_batch_reset(b);
}

/* Maps the same messages as the topic holds with the bridge's mapper into per-bucket batches
 * of at most BATCH_BYTES (not timed), then submits them all, one bucket after the other in
 * turn, and waits for every acknowledgement (timed). */
static void putkv_child(void *a, void *out) {
    const char *table = a;
    putkv_result_t *r = out;
    kfb_log_set_level(KFB_LOG_WARN);
    char e[1024];
    putkv_state_t s = {.r = r};
    kfb_fluss_client_t *c = fluss_client(putkv_delivered, &s);
    kfb_fluss_table_info_t *ti;
    if (kfb_fluss_client_get_table(c, DB, table, TIMEOUT_MS, &ti, e, sizeof e)) die(e);
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    if (!src || kfb_schema_source_add(src, 1, KFB_BENCH_SCHEMA, strlen(KFB_BENCH_SCHEMA), e, sizeof e)) die(e);
    kfb_mapper_config_t mc;
    kfb_mapper_config_init(&mc);
    mc.topic = TOPIC;
    mc.table_schema_id = ti->schema_id;
    kfb_mapper_t *m = kfb_mapper_new(ti->desc, src, &mc, e, sizeof e);
    if (!m) die(e);
    kfb_kv_batch_builder_t **bb = calloc((size_t)ti->bucket_count, sizeof *bb);
    if (!bb) die("out of memory");
    for (int b = 0; b < ti->bucket_count; b++)
        if (!(bb[b] = kfb_kv_batch_builder_new(ti->schema_id, BATCH_BYTES, e, sizeof e))) die(e);
    long keys = n_keys();
    for (long i = 0; i < n_messages; i++) {
        uint8_t val[KFB_BENCH_RECORD_MAX];
        size_t vl = kfb_bench_record(val, i, key_id(i % keys));
        kfb_mapper_result_t res;
        if (kfb_mapper_map(m, NULL, 0, val, vl, NULL, &res, e, sizeof e)) die(e);
        int32_t b = res.out[0].bucket;
        kfb_err_t err = kfb_mapper_append_to_batch(m, &res, 0, bb[b], e, sizeof e);
        if (err == KFB_ERR_BATCH_FULL) {
            seal(&s, bb[b], b);
            err = kfb_mapper_append_to_batch(m, &res, 0, bb[b], e, sizeof e);
        }
        if (err) die(e);
    }
    for (int b = 0; b < ti->bucket_count; b++)
        if (kfb_kv_batch_record_count(bb[b])) seal(&s, bb[b], b);
    /* submit order: round robin over the buckets, each bucket's batches in message order */
    sealed_t *order = malloc((size_t)s.n * sizeof *order);
    long *next = calloc((size_t)ti->bucket_count, sizeof *next), k = 0;
    if (!order || !next) die("out of memory");
    while (k < s.n)
        for (int b = 0; b < ti->bucket_count; b++) {
            while (next[b] < s.n && s.all[next[b]].bucket != b) next[b]++;
            if (next[b] < s.n) order[k++] = s.all[next[b]++];
        }
    double t0 = now();
    for (long i = 0; i < s.n; i++) {
        kfb_err_t err;
        double deadline = now() + 300;
        while ((err = kfb_fluss_client_submit(c, ti->table_id, -1, order[i].bucket, order[i].bytes, order[i].len,
                                              NULL)) == KFB_ERR_RPC_QUEUE_FULL &&
               now() < deadline)
            kfb_fluss_client_poll(c, 1);
        if (err) die("submitting a batch failed (queue full for 300 s, or refused)");
        kfb_fluss_client_poll(c, 0);
        r->records += order[i].records;
        r->bytes += (double)order[i].len;
    }
    if (kfb_fluss_client_flush(c, 600000)) snprintf(r->error, sizeof r->error, "not all acknowledged within 600 s");
    r->seconds = now() - t0;
    r->batches = s.n;
    if (s.delivered != s.n && !r->error[0])
        snprintf(r->error, sizeof r->error, "%ld of %ld batches delivered", s.delivered, s.n);
    for (long i = 0; i < s.n; i++) free(s.all[i].bytes);
    free(s.all);
    free(order);
    free(next);
    for (int b = 0; b < ti->bucket_count; b++) kfb_kv_batch_builder_destroy(bb[b]);
    free(bb);
    kfb_mapper_destroy(m);
    kfb_schema_source_destroy(src);
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
}

/* The PutKv path alone into DB.table, in a child; 0 when every batch was acknowledged. */
static int putkv(const char *table, putkv_result_t *pk) {
    if (bench_in_child(putkv_child, (void *)table, pk, sizeof *pk) || pk->failed || pk->error[0] ||
        pk->seconds <= 0) {
        fprintf(stderr, "bench_real: PutKv into " DB ".%s failed: %d batches failed; %s\n", table, pk->failed,
                pk->error);
        return 1;
    }
    return 0;
}

static int measure(void) {
    char path[1024];
    double load0 = loadavg1();
    /* A fresh JVM serves its first million requests several times slower than later ones
     * (the JIT): the broker serves the topic once and the tablet servers write the rows once
     * before anything is timed, so that every contender meets warm servers. */
    double raw0 = -1, raw1 = -1, raw2 = -1;
    raw_arg_t ra = {"bench-raw-0"};
    if (bench_in_child(raw_child, &ra, &raw0, sizeof raw0) || raw0 <= 0) die("raw consumption (warm-up) failed");
    putkv_result_t warm = {0};
    if (putkv("warmup", &warm)) return 1;
    snprintf(ra.group, sizeof ra.group, "bench-raw-1");
    if (bench_in_child(raw_child, &ra, &raw1, sizeof raw1) || raw1 <= 0) die("raw consumption (before) failed");
    snprintf(path, sizeof path, "%s/bridge.yaml", dir);
    bench_migrate_result_t br = {.status = -1};
    if (bench_in_child(bridge_child, path, &br, sizeof br) || br.status != 0) {
        fprintf(stderr, "bench_real: the bridge's migrate failed (status %d)\n", br.status);
        return 1;
    }
    double load_bridge = loadavg1();
    snprintf(ra.group, sizeof ra.group, "bench-raw-2");
    if (bench_in_child(raw_child, &ra, &raw2, sizeof raw2) || raw2 <= 0) die("raw consumption (after) failed");
    putkv_result_t pk = {0};
    if (putkv("putkv", &pk)) return 1;
    double load1 = loadavg1();

    double raw = (raw1 + raw2) / 2, e2e = (double)n_messages / br.seconds;
    double whole = br.seconds + br.first_msg_seconds;
    printf("machine: %ld cores, shared with other work: load average (1 min) %.2f before, %.2f after the "
           "bridge, %.2f at the end\n",
           sysconf(_SC_NPROCESSORS_ONLN), load0, load_bridge, load1);
    printf("warm-up (not part of any figure): raw consume of " TOPIC " at %.0f msg/s, the same rows through PutKv "
           "into " DB ".warmup at %.0f records/s\n",
           raw0, (double)warm.records / warm.seconds);
    printf("raw librdkafka consume of " TOPIC ": %.0f msg/s (%.0f before, %.0f after the bridge)\n", raw, raw1, raw2);
    printf("bridge migrate, real Kafka -> real Fluss: %.0f msg/s (%.2f s from the first message to the exit, all "
           "acknowledged by Fluss and committed to Kafka; start-up and group join before it: %.2f s; from the last "
           "message processed to the exit: %.2f s; %.0f msg/s from start to exit)\n",
           e2e, br.seconds, br.first_msg_seconds, br.tail_seconds, (double)n_messages / whole);
    const char *extra = getenv("BENCH_REAL_BRIDGE_YAML");
    if (extra && *extra) {
        printf("  (the bridge's configuration adds to its defaults: ");
        for (const char *p = extra; *p; p++) putchar(*p == '\n' ? ' ' : *p);
        printf(")\n");
    }
    printf("real end-to-end/raw consume: %.2fx\n", e2e / raw);
    printf("PutKv alone (the bridge's Fluss client, %ld pre-built batches of <= 2 MiB of the same rows, into "
           DB ".putkv): %.0f records/s, %.1f MiB/s (%ld records, %.1f MiB in %.2f s)\n",
           pk.batches, (double)pk.records / pk.seconds, pk.bytes / 1048576.0 / pk.seconds, pk.records,
           pk.bytes / 1048576.0, pk.seconds);
    FILE *f = open_in_dir("results.env", path, sizeof path);
    fprintf(f, "BRIDGE_RATE=%.0f\nBRIDGE_SECONDS=%.3f\nBRIDGE_WHOLE_SECONDS=%.3f\nRAW_RATE=%.0f\n", e2e, br.seconds,
            whole, raw);
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "prepare") && strcmp(cmd, "measure")) {
        fprintf(stderr, "usage: bench_real prepare|measure (run by bench/real.sh, which `make bench` runs: it "
                        "starts the real Kafka and Fluss and sets the environment)\n");
        return 2;
    }
    kafka_bootstrap = env("KAFKA_BOOTSTRAP", NULL);
    fluss_bootstrap = env("FLUSS_BOOTSTRAP", NULL);
    dir = env("BENCH_REAL_DIR", NULL);
    n_messages = atol(env("BENCH_REAL_MESSAGES", "2000000"));
    n_partitions = atoi(env("BENCH_REAL_PARTITIONS", "8"));
    n_buckets = atoi(env("BENCH_REAL_BUCKETS", "16"));
    if (n_messages < 1 || n_partitions < 1 || n_buckets < 1) die("BENCH_REAL_MESSAGES, _PARTITIONS, _BUCKETS must be >= 1");
    return strcmp(cmd, "prepare") == 0 ? prepare() : measure();
}
