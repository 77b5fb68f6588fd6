/*
 * test_real_kafka.c - the pieces of the end-to-end tests against real Apache Kafka 3.9 and
 * real Apache Fluss, before the bridge's own pipeline exists: Debian's librdkafka (2.0.2)
 * consumes, as a consumer group, what the independent Java producer
 * (tests/real/producer) wrote to real Kafka; every message is mapped by the bridge's mapper
 * (schemas from the producer's schemas/ directory) and written with the bridge's Fluss
 * client; the group's committed offsets end equal to the topic's end offsets; the judge
 * (Fluss's Java client) finds exactly the state the producer computed from its own input.
 *
 * tests/real/run.sh sets, besides what test_real_fluss.c needs:
 *   KAFKA_BOOTSTRAP      127.0.0.1:PORT of the KRaft node
 *   KFB_REAL_PRODUCED    a directory with one subdirectory per topic the producer filled
 *                        (summary.properties, table.json, schemas/, expected.jsonl)
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <time.h>

#include "fluss_client.h"
#include "harness.h"
#include "kv_batch.h"
#include "mapper.h"
#include "real_support.h"
#include "schema_registry.h"

/* Appends every Fluss write of one mapped message to its bucket's batch. */
static void place(kfb_mapper_t *m, const kfb_mapper_result_t *res, writer_t *w, long *writes) {
    char err[1024];
    for (size_t i = 0; i < res->n; i++) {
        if (res->out[i].op == KFB_OP_SKIP) continue;
        int32_t b = res->out[i].bucket;
        ASSERT_TRUE(b >= 0 && b < w->nb);
        kfb_err_t e = kfb_mapper_append_to_batch(m, res, i, w->b[b], err, sizeof err);
        if (e == KFB_ERR_BATCH_FULL) {
            writer_flush_bucket(w, b);
            e = kfb_mapper_append_to_batch(m, res, i, w->b[b], err, sizeof err);
        }
        if (e) KFB_TEST_FAILF_("append: %s: %s", kfb_err_name(e), err);
        (*writes)++;
        if (++w->count[b] >= w->per_batch) writer_flush_bucket(w, b);
    }
}

static void topic_into_fluss(const char *topic, kfb_mapper_format_t format) {
    produced_t p;
    read_produced(topic, &p);
    char path[700], err[1024];
    snprintf(path, sizeof path, "%s/table.json", p.dir);
    char *json = slurp(path);
    kfb_fluss_client_t *c = client();
    kfb_fluss_table_info_t *ti = create_open(c, topic, json);
    free(json);
    snprintf(path, sizeof path, "%s/schemas", p.dir);
    kfb_schema_source_t *src = kfb_schema_source_dir_new(path, err, sizeof err);
    if (!src) KFB_TEST_FAILF_("schemas: %s", err);
    kfb_mapper_config_t mc;
    kfb_mapper_config_init(&mc);
    mc.format = format;
    mc.key_format = KFB_MAPPER_KEY_AVRO;
    mc.topic = topic;
    mc.table_schema_id = ti->schema_id;
    kfb_mapper_t *m = kfb_mapper_new(ti->desc, src, &mc, err, sizeof err);
    if (!m) KFB_TEST_FAILF_("mapper: %s", err);
    writer_t w;
    writer_init(&w, c, ti, 500);

    char group[160];
    snprintf(group, sizeof group, "kfb-real-%s", topic);
    rd_kafka_t *rk = consumer(group);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    ASSERT_EQ_INT(rd_kafka_subscribe(rk, sub), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(sub);

    int64_t next[MAX_PARTS];
    for (int i = 0; i < MAX_PARTS; i++) next[i] = 0;
    long long consumed = 0, tombstones = 0;
    long writes = 0;
    time_t deadline = time(NULL) + 300; /* bounded: a few hundred thousand messages */
    for (;;) {
        int done = 1;
        for (int i = 0; i < p.nparts; i++)
            if (next[i] < p.end[i]) done = 0;
        if (done) break;
        if (time(NULL) > deadline)
            KFB_TEST_FAILF_("consumed %lld of %lld messages of %s within 300 s", consumed,
                            p.messages, topic);
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 500);
        if (!msg) continue;
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(msg);
            continue;
        }
        if (msg->err) KFB_TEST_FAILF_("consume: %s", rd_kafka_message_errstr(msg));
        ASSERT_TRUE(msg->partition >= 0 && msg->partition < p.nparts);
        ASSERT_EQ_INT(msg->offset, next[msg->partition]); /* in order, nothing skipped */
        next[msg->partition] = msg->offset + 1;
        consumed++;
        if (!msg->payload) tombstones++;
        kfb_origin_t origin = {topic, msg->partition, msg->offset};
        kfb_mapper_result_t res;
        kfb_err_t e = kfb_mapper_map(m, msg->key, msg->key_len, msg->payload, msg->len, &origin,
                                     &res, err, sizeof err);
        if (e) KFB_TEST_FAILF_("map: %s: %s", kfb_err_name(e), err);
        place(m, &res, &w, &writes);
        rd_kafka_message_destroy(msg);
        if (consumed % 20000 == 0) kfb_fluss_client_poll(c, 0);
    }
    writer_flush(&w);
    flush_all_ok(c);
    ASSERT_EQ_INT(consumed, p.messages);
    printf("  %s: %lld messages (%lld tombstones) consumed by librdkafka %s, %ld Fluss writes "
           "in %zu batches\n", topic, consumed, tombstones, rd_kafka_version_str(), writes, G.n);

    /* offsets committed only now that Fluss acknowledged everything, and they are the ends */
    ASSERT_EQ_INT(rd_kafka_commit(rk, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    int64_t com[MAX_PARTS];
    committed_offsets(group, topic, p.nparts, com);
    for (int i = 0; i < p.nparts; i++) ASSERT_EQ_INT(com[i], p.end[i]);

    snprintf(path, sizeof path, "%s/expected.jsonl", p.dir);
    run_judge(path);
    writer_free(&w);
    kfb_mapper_destroy(m);
    kfb_schema_source_destroy(src);
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
}

/* Plain Avro records of two writer schemas, tombstones deleting by the Kafka key. */
TEST(plain_topic_into_fluss) { topic_into_fluss("items", KFB_MAPPER_FORMAT_AVRO); }

/* Debezium envelopes: r/c/u, updates that change the primary key, deletes and their
 * tombstones, two writer schemas. */
TEST(debezium_topic_into_fluss) { topic_into_fluss("dbz", KFB_MAPPER_FORMAT_DEBEZIUM); }
