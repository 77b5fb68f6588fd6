/*
 * kafka-mock-client - a minimal consumer-group member for tests of kafka-mock: it joins
 * GROUP (subscribe), reads COUNT messages of TOPIC, commits what it read synchronously
 * (with --commit), prints one line and leaves the group.
 *
 *   kafka-mock-client --bootstrap B --group G --topic T --count N [--commit]
 *                     [--timeout-ms MS]
 *
 * Output: "consumed=N elapsed_ms=T" (T from the first message to the last: a raw
 * librdkafka consumption rate), and with --commit "committed 0=OFF 1=OFF ..." as the
 * coordinator reports them after the commit (-1 = none). Exit 0; 1 when fewer than N
 * messages arrived within the timeout (default 60000 ms) or the commit failed; 2 on usage.
 * Uses the short group timeouts the mock coordinator needs (session.timeout.ms 6000).
 */
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL, *group = NULL, *topic = NULL;
    long count = -1, timeout_ms = 60000;
    int commit = 0;
    static const struct option opts[] = {
        {"bootstrap", required_argument, 0, 'b'}, {"group", required_argument, 0, 'g'},
        {"topic", required_argument, 0, 't'},     {"count", required_argument, 0, 'n'},
        {"commit", no_argument, 0, 'c'},          {"timeout-ms", required_argument, 0, 'T'},
        {0, 0, 0, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': bootstrap = optarg; break;
        case 'g': group = optarg; break;
        case 't': topic = optarg; break;
        case 'n': count = atol(optarg); break;
        case 'c': commit = 1; break;
        case 'T': timeout_ms = atol(optarg); break;
        default: return 2;
        }
    }
    if (!bootstrap || !group || !topic || count < 0 || timeout_ms <= 0) {
        fprintf(stderr, "usage: kafka-mock-client --bootstrap B --group G --topic T --count N "
                        "[--commit] [--timeout-ms MS]\n");
        return 2;
    }
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    const char *kv[][2] = {
        {"bootstrap.servers", bootstrap}, {"group.id", group},
        {"enable.auto.commit", "false"},  {"auto.offset.reset", "earliest"},
        {"session.timeout.ms", "6000"},   {"heartbeat.interval.ms", "500"},
        {"log_level", "3"},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        if (rd_kafka_conf_set(c, kv[i][0], kv[i][1], err, sizeof(err)) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "kafka-mock-client: %s\n", err);
            return 2;
        }
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "kafka-mock-client: %s\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    int rc = 0;
    long got = 0, first = -1, last = -1, deadline = now_ms() + timeout_ms;
    while (!e && got < count && now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (!m->err) {
            last = now_ms();
            if (first < 0) first = last;
            got++;
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            fprintf(stderr, "kafka-mock-client: %s\n", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
    printf("consumed=%ld elapsed_ms=%ld\n", got, first < 0 ? 0 : last - first);
    if (e || got < count) {
        fprintf(stderr, "kafka-mock-client: %s\n",
                e ? rd_kafka_err2str(e) : "fewer messages than --count before the timeout");
        rc = 1;
    } else if (commit) {
        /* offsets of the returned messages are stored (enable.auto.offset.store default) */
        e = rd_kafka_commit(rk, NULL, 0);
        rd_kafka_topic_partition_list_t *a = NULL;
        if (!e) e = rd_kafka_assignment(rk, &a);
        if (!e) e = rd_kafka_committed(rk, a, 10000);
        if (e) {
            fprintf(stderr, "kafka-mock-client: commit: %s\n", rd_kafka_err2str(e));
            rc = 1;
        } else {
            rd_kafka_topic_partition_list_sort(a, NULL, NULL);
            printf("committed");
            for (int i = 0; i < a->cnt; i++)
                printf(" %d=%" PRId64, (int)a->elems[i].partition,
                       a->elems[i].offset < 0 ? (int64_t)-1 : a->elems[i].offset);
            printf("\n");
        }
        if (a) rd_kafka_topic_partition_list_destroy(a);
    }
    fflush(stdout);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}
