/*
 * check.c - `kafka-fluss-bridge check -c FILE`: everything `run` would meet, without
 * writing anything.
 *
 *   1. the configuration (file:line:col errors: exit 2);
 *   2. Kafka: the brokers answer; each literal topic exists (with its partition count);
 *      each topic_pattern and what it matches now;
 *   3. the schema source: the latest writer schema of each topic (registry subject
 *      <topic>-value; with schemas_dir, the schema id framing the newest values at the end
 *      of the topic's partitions, or the highest <id>.avsc when the topic holds none);
 *   4. Fluss: each table exists; its schema, buckets, partitioning and delete behaviour;
 *   5. each mapping compiled against the live table and that writer schema, printed as a
 *      plan: topic -> table, key source, each column's conversion (lossy ones flagged),
 *      deletes, partial-update columns; with create_table and no table yet, the table
 *      run/migrate would create (descriptor JSON and Flink SQL; nothing is created).
 * Exit 0 when everything is usable, 1 when anything is not (each problem printed as a
 * line starting with "problem:"), 2 for an unusable configuration or command line.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "config.h"
#include "consumer.h"
#include "fluss_client.h"
#include "logging.h"
#include "mapper.h"
#include "modes.h"
#include "schema_registry.h"
#include "table_create.h"
#include "table_desc.h"
#include "table_evolve.h"

typedef struct check {
    FILE *out;
    int problems;
} check_t;

__attribute__((format(printf, 2, 3))) static void problem(check_t *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("problem: ", c->out);
    vfprintf(c->out, fmt, ap);
    fputc('\n', c->out);
    va_end(ap);
    c->problems++;
}

static const char *delete_behavior(const kfb_table_desc_t *d) {
    switch (d->delete_behavior) {
    case KFB_DELETE_IGNORE: return "deletes are ignored by the table (table.delete.behavior IGNORE)";
    case KFB_DELETE_DISABLE: return "deletes are refused by the table (table.delete.behavior DISABLE): each is an error";
    default: return "deletes remove the row";
    }
}

#define TAIL_MESSAGES 16       /* messages read back from the end of each partition */
#define TAIL_TIMEOUT_MS 10000  /* for all partitions of one topic */

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A schemas_dir does not say which <id>.avsc belongs to which topic (its highest id may
 * be another topic's), so with one the writer schema to check is read from the topic: the
 * schema id of the newest Confluent-framed value (magic 0, 4-byte big-endian id) among the
 * last TAIL_MESSAGES of each partition, the highest of those across partitions. Assigns
 * the partitions to rk without joining the group (nothing is committed), then unassigns.
 * -1 when no partition holds such a value (empty, tombstones only, not framed) or Kafka
 * did not answer in time.
 */
static int32_t topic_writer_schema_id(rd_kafka_t *rk, const struct rd_kafka_metadata_topic *mt) {
    int n = mt->partition_cnt;
    int64_t *end = calloc((size_t)n + 1, sizeof *end);
    int32_t *ids = calloc((size_t)n + 1, sizeof *ids);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n > 0 ? n : 1);
    int32_t best = -1;
    int waiting = 0;
    for (int p = 0; end && ids && p < n; p++) {
        int64_t lo, hi;
        ids[p] = -1;
        end[p] = -1;
        if (rd_kafka_query_watermark_offsets(rk, mt->topic, p, &lo, &hi, TAIL_TIMEOUT_MS) || hi <= lo) continue;
        rd_kafka_topic_partition_list_add(l, mt->topic, p)->offset = hi - TAIL_MESSAGES > lo ? hi - TAIL_MESSAGES : lo;
        end[p] = hi;
        waiting++;
    }
    if (waiting && !rd_kafka_assign(rk, l)) {
        int64_t deadline = mono_ms() + TAIL_TIMEOUT_MS;
        while (waiting && mono_ms() < deadline) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
            if (!m) continue;
            int p = m->partition;
            if (!m->err && p >= 0 && p < n && end[p] >= 0 && !strcmp(rd_kafka_topic_name(m->rkt), mt->topic)) {
                const uint8_t *v = m->payload;
                if (v && m->len >= 5 && v[0] == 0)
                    ids[p] = (int32_t)((uint32_t)v[1] << 24 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 8 | v[4]);
                if (m->offset + 1 >= end[p]) {
                    end[p] = -1;
                    waiting--;
                }
            }
            rd_kafka_message_destroy(m);
        }
        rd_kafka_assign(rk, NULL);
    }
    for (int p = 0; end && ids && p < n; p++)
        if (ids[p] > best) best = ids[p];
    rd_kafka_topic_partition_list_destroy(l);
    free(end);
    free(ids);
    return best;
}

/* Prints `text` with every line indented by `indent`. */
static void print_indented(FILE *o, const char *indent, const char *text) {
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(o, "%s%.*s\n", indent, (int)n, p);
        p += n + (nl != NULL);
    }
}

/* create_table: when the table does not exist, prints the table run/migrate would create
 * (descriptor JSON and Flink SQL) and creates nothing. 1 when the table is missing (the
 * live-table checks then have nothing to read), 0 when it exists. */
static int check_create(check_t *c, const kfb_config_t *cfg, const kfb_config_mapping_t *mc, kfb_fluss_client_t *fc,
                        kfb_schema_source_t *src, const char *db, const char *tb) {
    char e[2048];
    int exists = 0, timeout = (int)kfb_config_int(cfg, "fluss.request_timeout");
    if (kfb_fluss_client_table_exists(fc, db, tb, timeout, &exists, e, sizeof e)) {
        problem(c, "mapping '%s': %s", mc->name, e);
        return 1;
    }
    if (exists) return 0;
    kfb_table_plan_t *p = NULL;
    if (kfb_table_plan_new(mc, src, kfb_config_string(cfg, "schemas_dir") == NULL, &p, e, sizeof e)) {
        problem(c, "mapping '%s': table %s does not exist and cannot be created (create_table): %s", mc->name,
                mc->table, e);
        return 1;
    }
    fprintf(c->out, "  table %s does not exist; run/migrate will create it (create_table) from %s:\n", mc->table,
            p->source);
    fprintf(c->out, "    descriptor: %s\n", p->json);
    print_indented(c->out, "    ", p->sql);
    fprintf(c->out, "  the mapping compiles onto it (writer schema id %d)\n", (int)p->value_schema_id);
    kfb_table_plan_destroy(p);
    return 1;
}

/* evolve: add_columns: what run/migrate would do to the live table for writer schema id
 * (table_evolve.h), printed; nothing is changed. The table with the columns added (caller
 * destroys) when there are some, so that the plan printed is the one run would use; NULL
 * otherwise. A change the table cannot follow is a problem. */
static kfb_table_desc_t *check_evolve(check_t *c, const kfb_config_mapping_t *mc, const kfb_fluss_table_info_t *info,
                                      kfb_schema_source_t *src, int32_t id) {
    kfb_table_create_opts_t o;
    kfb_table_create_opts_from_mapping(mc, &o);
    kfb_evolve_diff_t *d = NULL;
    char e[2048];
    if (kfb_table_evolve_diff(info->table_json, info->table_json_len, src, id, &o, &d, e, sizeof e)) {
        problem(c, "mapping '%s': cannot compare writer schema %d with table %s (evolve: add_columns): %s", mc->name,
                (int)id, mc->table, e);
        return NULL;
    }
    kfb_table_desc_t *evolved = NULL;
    const kfb_column_change_t *blocking = kfb_evolve_diff_first_blocking(d);
    if (blocking) {
        problem(c, "mapping '%s': table %s cannot follow writer schema %d (evolve: add_columns): %s", mc->name,
                mc->table, (int)id, blocking->message);
    } else if (d->n_add) {
        fprintf(c->out, "  evolve: add_columns: run/migrate will add to table %s for writer schema %d (nothing is "
                        "changed now):\n", mc->table, (int)id);
        for (size_t i = 0; i < d->n_changes; i++) {
            const kfb_column_change_t *ch = &d->changes[i];
            if (ch->kind != KFB_COLUMN_CHANGE_ADD) continue;
            char tn[256];
            kfb_datatype_format(ch->type, tn, sizeof tn);
            fprintf(c->out, "    ADD COLUMN `%s` %s (field %s)\n", ch->column, tn, ch->field ? ch->field : "?");
        }
        if (!(evolved = kfb_table_desc_parse(d->evolved_json, strlen(d->evolved_json), e, sizeof e)))
            problem(c, "mapping '%s': the table with the new columns does not parse: %s", mc->name, e);
    } else {
        fprintf(c->out, "  evolve: add_columns: writer schema %d needs no new column\n", (int)id);
    }
    for (size_t i = 0; !blocking && i < d->n_changes; i++)
        if (d->changes[i].kind == KFB_COLUMN_CHANGE_NESTED_FIELD) fprintf(c->out, "    note: %s\n", d->changes[i].message);
    kfb_evolve_diff_destroy(d);
    return evolved;
}

static void check_mapping(check_t *c, const kfb_config_t *cfg, const kfb_config_mapping_t *mc,
                          const struct rd_kafka_metadata *md, rd_kafka_t *rk, kfb_fluss_client_t *fc,
                          kfb_schema_source_t *src) {
    FILE *o = c->out;
    fprintf(o, "\nmapping %s -> table %s\n", mc->name, mc->table);
    /* topics */
    const char *first_topic = NULL;
    const struct rd_kafka_metadata_topic *first_mt = NULL;
    size_t matched = 0;
    for (int t = 0; md && t < md->topic_cnt; t++) {
        const struct rd_kafka_metadata_topic *mt = &md->topics[t];
        if (mt->err || !kfb_config_mapping_matches(mc, mt->topic)) continue;
        fprintf(o, "  topic %s: %d partitions\n", mt->topic, mt->partition_cnt);
        if (!first_topic) first_topic = mt->topic, first_mt = mt;
        matched++;
    }
    for (size_t k = 0; md && k < mc->n_topics; k++) {
        int found = 0;
        for (int t = 0; t < md->topic_cnt && !found; t++) found = !md->topics[t].err && !strcmp(md->topics[t].topic, mc->topics[k]);
        if (!found) problem(c, "mapping '%s': Kafka topic '%s' does not exist", mc->name, mc->topics[k]);
    }
    if (md && mc->topic_pattern && !matched)
        fprintf(o, "  topic_pattern '%s' matches no topic yet (topics created later are picked up)\n", mc->topic_pattern);
    if (!first_topic) first_topic = mc->topic;
    /* table */
    char db[256], tb[256], e[2048];
    const char *dot = strchr(mc->table, '.');
    snprintf(db, sizeof db, "%.*s", (int)(dot - mc->table), mc->table);
    snprintf(tb, sizeof tb, "%s", dot + 1);
    kfb_fluss_table_info_t *info = NULL;
    if (!fc) return;
    if (mc->create_table && check_create(c, cfg, mc, fc, src, db, tb)) return;
    if (kfb_fluss_client_get_table(fc, db, tb, (int)kfb_config_int(cfg, "fluss.request_timeout"), &info, e, sizeof e)) {
        problem(c, "mapping '%s': %s", mc->name, e);
        return;
    }
    const kfb_table_desc_t *d = info->desc;
    fprintf(o, "  table %s: id %" PRId64 ", schema id %d, %d columns, %d buckets%s", mc->table, info->table_id,
            (int)info->schema_id, (int)d->column_count, (int)info->bucket_count, d->partition_key_count ? ", partitioned by" : "");
    for (size_t i = 0; i < d->partition_key_count; i++)
        fprintf(o, "%s %s", i ? "," : "", d->columns[d->partition_keys[i]].name);
    fputc('\n', o);
    fprintf(o, "  primary key:");
    for (size_t i = 0; i < d->primary_key_count; i++) fprintf(o, "%s %s", i ? "," : "", d->columns[d->primary_key[i]].name);
    fprintf(o, " (from %s)\n", mc->key_from_message_key ? "the Kafka message key" : "the message value's fields");
    fprintf(o, "  %s\n", delete_behavior(d));
    if (d->partition_key_count)
        fprintf(o, "  missing partitions are %s\n", mc->create_partitions ? "created on demand" : "errors (create_partitions: false)");
    /* writer schema */
    kfb_mapper_config_t mcfg;
    kfb_config_mapper_config(mc, &mcfg);
    mcfg.table_schema_id = info->schema_id;
    kfb_mapper_t *m = kfb_mapper_new(d, src, &mcfg, e, sizeof e);
    if (!m) {
        problem(c, "mapping '%s' onto %s: %s", mc->name, mc->table, e);
        kfb_fluss_table_info_free(info);
        return;
    }
    char subject[512];
    snprintf(subject, sizeof subject, "%s-value", first_topic ? first_topic : mc->name);
    int32_t id = -1;
    const char *whence = subject;
    if (kfb_config_string(cfg, "schemas_dir") && rk && first_mt && (id = topic_writer_schema_id(rk, first_mt)) >= 0)
        whence = "the newest message of the topic";
    kfb_table_desc_t *evolved = NULL;
    if (id < 0 && kfb_schema_source_latest(src, subject, &id, e, sizeof e)) {
        problem(c, "mapping '%s': no writer schema to check: %s", mc->name, e);
    } else {
        if (mc->evolve == KFB_CONFIG_EVOLVE_ADD_COLUMNS && (evolved = check_evolve(c, mc, info, src, id))) {
            /* the plan run would use: onto the table with the new columns */
            kfb_mapper_destroy(m);
            mcfg.table_schema_id = info->schema_id + 1;
            m = kfb_mapper_new(evolved, src, &mcfg, e, sizeof e);
        }
        if (!m) {
            problem(c, "mapping '%s' onto %s with the new columns: %s", mc->name, mc->table, e);
        } else if (kfb_mapper_prepare(m, id, e, sizeof e)) {
            problem(c, "mapping '%s': writer schema %d cannot be mapped: %s", mc->name, (int)id, e);
        } else {
            fprintf(o, "  writer schema id %d (%s):\n", (int)id, whence);
            const char *plan = kfb_mapper_describe(m, id);
            if (plan) print_indented(o, "    ", plan); /* the mapper's description */
        }
    }
    if (mc->partial_update) fprintf(o, "  partial update: columns without an Avro field keep their stored values\n");
    kfb_mapper_destroy(m);
    kfb_table_desc_destroy(evolved);
    kfb_fluss_table_info_free(info);
}

int kfb_cmd_check(int argc, char **argv, FILE *out) {
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) file = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fprintf(out, "usage: kafka-fluss-bridge check -c FILE\n"
                         "Checks the configuration against Kafka, the schema source and Fluss; writes nothing.\n"
                         "exit status: 0 usable; 1 problems found (each on a line 'problem: ...'); 2 bad configuration\n");
            return KFB_EXIT_OK;
        } else {
            fprintf(stderr, "kafka-fluss-bridge check: unknown option '%s'\n", argv[i]);
            return KFB_EXIT_USAGE;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: kafka-fluss-bridge check -c FILE\n");
        return KFB_EXIT_USAGE;
    }
    char e[2048];
    kfb_config_t *cfg = kfb_cmd_load_config(file);
    if (!cfg) return KFB_EXIT_USAGE;
    check_t c = {out, 0};
    fprintf(out, "config %s: valid\n", file);
    if (kfb_config_check_for_run(cfg, e, sizeof e)) problem(&c, "%s", e);
    /* Kafka */
    const struct rd_kafka_metadata *md = NULL;
    kfb_consumer_t *kc = kfb_consumer_new(cfg, NULL, 0, NULL, e, sizeof e);
    if (!kc) {
        problem(&c, "%s", e);
    } else {
        rd_kafka_resp_err_t err = rd_kafka_metadata(kfb_consumer_handle(kc), 1, NULL, &md, 10000);
        if (err) {
            problem(&c, "Kafka does not answer: %s (check kafka: bootstrap.servers and security settings)", rd_kafka_err2str(err));
            md = NULL;
        } else {
            fprintf(out, "kafka: %d brokers, %d topics\n", md->broker_cnt, md->topic_cnt);
        }
    }
    /* schemas */
    kfb_schema_source_t *src = kfb_config_schema_source_new(cfg, e, sizeof e);
    if (!src) problem(&c, "%s", e);
    else fprintf(out, "schemas: %s\n", kfb_config_string(cfg, "schemas_dir") ? kfb_config_string(cfg, "schemas_dir") : "schema registry");
    /* Fluss */
    kfb_fluss_client_t *fc = NULL;
    if (kfb_config_string(cfg, "fluss.bootstrap_servers")) {
        kfb_fluss_client_conf_t fconf;
        kfb_fluss_client_conf_init(&fconf);
        kfb_config_fluss_conf(cfg, &fconf);
        fc = kfb_fluss_client_new(&fconf, e, sizeof e);
        if (!fc) problem(&c, "%s", e);
        else fprintf(out, "fluss: %s\n", kfb_config_string(cfg, "fluss.bootstrap_servers"));
    }
    for (size_t i = 0; i < kfb_config_mapping_count(cfg) && src; i++)
        check_mapping(&c, cfg, kfb_config_mapping_at(cfg, i), md, kc ? kfb_consumer_handle(kc) : NULL, fc, src);
    fprintf(out, "\n%s: %d problem%s\n", c.problems ? "not ready" : "ready", c.problems, c.problems == 1 ? "" : "s");
    if (md) rd_kafka_metadata_destroy(md);
    kfb_fluss_client_destroy(fc);
    kfb_schema_source_destroy(src);
    kfb_consumer_destroy(kc);
    kfb_config_destroy(cfg);
    return c.problems ? KFB_EXIT_ERROR : KFB_EXIT_OK;
}
