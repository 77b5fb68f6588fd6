/*
 * sample-producer - the quickstart's sample topics (tests/support/sample_data.h) into a real
 * Kafka cluster, for the compose stack (docker/docker-compose.yml) and for trying the
 * bridge against your own cluster.
 *
 *   sample-producer --bootstrap HOST:PORT [--registry URL] [--schemas DIR]
 *                   [--orders N] [--customers N] [--partitions P] [--seed S] [--rate R]
 *
 * 1. With --registry, registers DIR/1.avsc as subject orders-value, DIR/2.avsc as
 *    customers-value and DIR/3.avsc as customers-key (Confluent Schema Registry REST API:
 *    POST /subjects/{subject}/versions {"schema": "..."} -> {"id": N}) and frames the
 *    messages with the ids the registry answers; without it, with ids 1, 2 and 3 (the file
 *    names, for a bridge with schemas_dir DIR).
 * 2. Creates the topics orders and customers with P partitions when they do not exist
 *    (Admin CreateTopics); an existing topic must have P partitions (keys are placed by
 *    key % P).
 * 3. Produces N orders and N customers messages (idempotent producer), at most R messages
 *    per second when R > 0, and waits for every delivery.
 * Prints one line per topic, "orders: produced=N upserts=U deletes=D tombstones=T keys=K
 * key_changes=C" (the counts a bridge must report; keys = rows at the end), and exits 0;
 * 1 on any failure, with the reason; 2 on bad options.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "sample_data.h"

#define OP_TIMEOUT_MS 30000

typedef struct opts {
    const char *bootstrap, *registry, *schemas;
    long long orders, customers, partitions, seed, rate;
} opts_t;

static void usage(FILE *f) {
    fprintf(f,
            "usage: sample-producer --bootstrap HOST:PORT [options]\n"
            "Produces the quickstart's sample topics (orders, customers) into Kafka.\n\n"
            "  --bootstrap B      Kafka bootstrap servers (required)\n"
            "  --registry URL     register the schemas there and use its ids (default: ids 1, 2, 3)\n"
            "  --schemas DIR      the .avsc files (default conf/quickstart/schemas)\n"
            "  --orders N         orders messages (default 300000)\n"
            "  --customers N      customers messages (default 200000)\n"
            "  --partitions P     partitions of each topic (default 8)\n"
            "  --seed S           generator seed (default 42)\n"
            "  --rate R           at most R messages per second, 0 = unlimited (default 0)\n");
}

/* ---- Schema Registry ------------------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ctx) {
    return kfb_buf_append(ctx, p, size * n) == KFB_ERR_OK ? size * n : 0;
}

/* Registers the schema in path under subject; returns its id, or -1 with err. */
static int32_t register_schema(const char *registry, const char *subject, const char *path, char *err,
                               size_t errlen) {
    kfb_buf_t file = KFB_BUF_INIT, body = KFB_BUF_INIT;
    int sys = 0;
    int32_t id = -1;
    if (kfb_buf_read_file(&file, path, 1 << 20, &sys) != KFB_ERR_OK) {
        snprintf(err, errlen, "cannot read %.900s: %s", path, strerror(sys));
        return -1;
    }
    json_t *req = json_pack("{s:s%}", "schema", (const char *)file.data, file.len);
    char *payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
    char url[2048];
    snprintf(url, sizeof url, "%s/subjects/%s/versions", registry, subject);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/vnd.schemaregistry.v1+json");
    long status = 0;
    if (c && payload && h) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)OP_TIMEOUT_MS);
        CURLcode ce = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        json_t *resp = body.len ? json_loadb((const char *)body.data, body.len, 0, NULL) : NULL;
        json_t *jid = resp ? json_object_get(resp, "id") : NULL;
        if (ce != CURLE_OK)
            snprintf(err, errlen, "POST %.900s: %s (is the registry up?)", url, curl_easy_strerror(ce));
        else if (status != 200 || !json_is_integer(jid))
            snprintf(err, errlen, "POST %.600s: HTTP %ld: %.*s", url, status, (int)(body.len > 300 ? 300 : body.len),
                     body.data ? (const char *)body.data : "");
        else
            id = (int32_t)json_integer_value(jid);
        json_decref(resp);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    curl_slist_free_all(h);
    if (c) curl_easy_cleanup(c);
    free(payload);
    json_decref(req);
    kfb_buf_free(&file);
    kfb_buf_free(&body);
    return id;
}

/* ---- Kafka --------------------------------------------------------------------------- */

static int create_topics(rd_kafka_t *rk, const char *const *names, size_t n, int partitions, char *err,
                         size_t errlen) {
    rd_kafka_NewTopic_t *nt[2];
    for (size_t i = 0; i < n; i++) nt[i] = rd_kafka_NewTopic_new(names[i], partitions, -1, err, errlen);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(ao, OP_TIMEOUT_MS, NULL, 0);
    rd_kafka_CreateTopics(rk, nt, n, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, OP_TIMEOUT_MS + 5000);
    int rc = 0;
    if (!ev) {
        snprintf(err, errlen, "CreateTopics: no answer within %d ms (is Kafka up?)", OP_TIMEOUT_MS + 5000);
        rc = -1;
    } else if (rd_kafka_event_error(ev)) {
        snprintf(err, errlen, "CreateTopics: %s", rd_kafka_event_error_string(ev));
        rc = -1;
    } else {
        size_t cnt;
        const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
        for (size_t i = 0; i < cnt && !rc; i++) {
            rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
            if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                printf("topic %s exists already\n", rd_kafka_topic_result_name(res[i]));
            } else if (e) {
                snprintf(err, errlen, "CreateTopics %s: %s", rd_kafka_topic_result_name(res[i]),
                         rd_kafka_topic_result_error_string(res[i]));
                rc = -1;
            }
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    for (size_t i = 0; i < n; i++) rd_kafka_NewTopic_destroy(nt[i]);
    return rc;
}

/* The topic's partition count (Metadata), -1 on error. */
static int partition_count(rd_kafka_t *rk, const char *topic) {
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 1, NULL, &md, OP_TIMEOUT_MS)) return -1;
    int n = -1;
    for (int t = 0; t < md->topic_cnt; t++)
        if (!strcmp(md->topics[t].topic, topic) && !md->topics[t].err) n = md->topics[t].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return n;
}

typedef struct produce_ctx {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    long long rate;
    uint64_t sent;
    struct timespec start;
    rd_kafka_resp_err_t err;
} produce_ctx_t;

static volatile long long delivery_failures;
static rd_kafka_resp_err_t first_delivery_err;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk, (void)opaque;
    if (m->err) {
        if (!delivery_failures) first_delivery_err = m->err;
        delivery_failures++;
    }
}

static double elapsed_s(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static int emit(void *ctx, const kfb_sample_msg_t *m) {
    produce_ctx_t *p = ctx;
    if (p->rate > 0)
        while ((double)p->sent >= elapsed_s(&p->start) * (double)p->rate) rd_kafka_poll(p->rk, 10);
    for (;;) {
        p->err = rd_kafka_producev(p->rk, RD_KAFKA_V_RKT(p->rkt), RD_KAFKA_V_PARTITION(m->partition),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_KEY(m->key, m->key_len),
                                   RD_KAFKA_V_VALUE((void *)m->value, m->value_len), RD_KAFKA_V_END);
        if (p->err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        rd_kafka_poll(p->rk, 50);
    }
    p->sent++;
    rd_kafka_poll(p->rk, 0);
    return p->err != 0;
}

int main(int argc, char **argv) {
    opts_t o = {.schemas = "conf/quickstart/schemas", .orders = 300000, .customers = 200000, .partitions = 8, .seed = 42};
    static const struct option lopts[] = {
        {"bootstrap", required_argument, 0, 'b'}, {"registry", required_argument, 0, 'r'},
        {"schemas", required_argument, 0, 's'},   {"orders", required_argument, 0, 'o'},
        {"customers", required_argument, 0, 'c'}, {"partitions", required_argument, 0, 'p'},
        {"seed", required_argument, 0, 'S'},      {"rate", required_argument, 0, 'R'},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0},
    };
    int c, li = 0;
    while ((c = getopt_long(argc, argv, "", lopts, &li)) != -1) {
        char *end = NULL;
        long long v = optarg ? strtoll(optarg, &end, 10) : 0;
        int num_ok = optarg && end && *end == 0 && v >= 0;
        switch (c) {
        case 'b': o.bootstrap = optarg; break;
        case 'r': o.registry = optarg; break;
        case 's': o.schemas = optarg; break;
        case 'o': o.orders = v; break;
        case 'c': o.customers = v; break;
        case 'p': o.partitions = v; break;
        case 'S': o.seed = v; break;
        case 'R': o.rate = v; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (strchr("ocpSR", c) && !num_ok) {
            fprintf(stderr, "sample-producer: --%s '%s' is not a number >= 0\n", lopts[li].name, optarg);
            return 2;
        }
    }
    if (!o.bootstrap || optind < argc || o.partitions < 1 || o.partitions > 10000) {
        fprintf(stderr, "sample-producer: --bootstrap is required and --partitions 1..10000; see --help\n");
        return 2;
    }
    char err[1024];
    int32_t ids[3] = {1, 2, 3};
    if (o.registry) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        static const char *const subjects[3] = {"orders-value", "customers-value", "customers-key"};
        for (int i = 0; i < 3; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%d.avsc", o.schemas, i + 1);
            if ((ids[i] = register_schema(o.registry, subjects[i], path, err, sizeof err)) < 0) {
                fprintf(stderr, "sample-producer: registering %s: %s\n", subjects[i], err);
                return 1;
            }
            printf("schema %s registered as id %d\n", subjects[i], (int)ids[i]);
        }
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {
        {"bootstrap.servers", o.bootstrap}, {"enable.idempotence", "true"}, {"linger.ms", "20"},
        {"queue.buffering.max.messages", "1000000"}, {"message.timeout.ms", "120000"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "sample-producer: %s\n", err);
            return 1;
        }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "sample-producer: %s\n", err);
        return 1;
    }
    static const char *const topics[2] = {"orders", "customers"};
    const char *missing[2];
    size_t n_missing = 0;
    int rc = 0;
    for (int t = 0; t < 2; t++)
        if (partition_count(rk, topics[t]) < 0) missing[n_missing++] = topics[t];
    if (n_missing && create_topics(rk, missing, n_missing, (int)o.partitions, err, sizeof err)) {
        fprintf(stderr, "sample-producer: %s\n", err);
        rc = 1;
    }
    for (int t = 0; t < 2 && !rc; t++) {
        int np = partition_count(rk, topics[t]);
        for (int i = 0; n_missing && i < 100 && np != (int)o.partitions; i++) { /* a new topic's metadata lags */
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
            np = partition_count(rk, topics[t]);
        }
        if (np != (int)o.partitions) {
            fprintf(stderr, "sample-producer: topic %s has %d partitions, not %lld (keys are placed by key %% "
                            "partitions): delete it or pass --partitions %d\n", topics[t], np, o.partitions, np);
            rc = 1;
            break;
        }
        long long n = t == 0 ? o.orders : o.customers;
        if (!n) continue;
        produce_ctx_t p = {rk, rd_kafka_topic_new(rk, topics[t], NULL), o.rate, 0, {0, 0}, 0};
        clock_gettime(CLOCK_MONOTONIC, &p.start);
        kfb_sample_opts_t so = {.messages = (uint64_t)n, .seed = (uint64_t)o.seed, .partitions = (int32_t)o.partitions,
                                .value_schema_id = t == 0 ? ids[0] : ids[1], .key_schema_id = ids[2]};
        kfb_sample_counts_t cnt;
        kfb_err_t e = t == 0 ? kfb_sample_orders(&so, emit, &p, &cnt, err, sizeof err)
                             : kfb_sample_customers(&so, emit, &p, &cnt, err, sizeof err);
        rd_kafka_resp_err_t fe = rd_kafka_flush(rk, 120000);
        rd_kafka_topic_destroy(p.rkt);
        if (p.err || e || fe || delivery_failures) {
            fprintf(stderr, "sample-producer: %s: %s\n", topics[t],
                    p.err ? rd_kafka_err2str(p.err)
                    : e   ? err
                    : fe  ? "not every message was delivered within 120 s"
                          : rd_kafka_err2str(first_delivery_err));
            rc = 1;
            break;
        }
        printf("%s: produced=%" PRIu64 " upserts=%" PRIu64 " deletes=%" PRIu64 " tombstones=%" PRIu64 " keys=%" PRIu64
               " key_changes=%" PRIu64 "\n",
               topics[t], cnt.messages, cnt.upserts, cnt.deletes, cnt.tombstones, cnt.live_keys, cnt.key_changes);
        fflush(stdout);
    }
    rd_kafka_destroy(rk);
    if (o.registry) curl_global_cleanup();
    return rc;
}
