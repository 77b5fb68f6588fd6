/*
 * test_real_tables.c - tables that follow the data (create_table, evolve: add_columns)
 * against real Apache Kafka 3.9 and real Apache Fluss 0.9.1, judged by Fluss's Java client.
 *
 * The producer's `evolve` scenario fills a topic in two runs: the first half written with
 * schema 2 (id, name, qty, price, updated), then schema 3 (the same plus a nullable
 * `note`) appears in the schema directory and the second half mixes both. Two bridges
 * follow it, each into its own database of a table that does not exist yet:
 *   - `run`, started before the first half: creates the table from schema 2, copies the
 *     first half, then meets schema 3, adds `note` (AlterTable) without stopping, and
 *     copies the rest;
 *   - `migrate` of the first half (creates the table), then `migrate` again after the
 *     second half (the same group: it starts at its commit), which adds the column.
 * Each table must end with exactly the producer's expected state and per-key changelog
 * (rows last written with schema 2 read null in `note`), the group's committed offsets at
 * the end offsets, and the table (read with the bridge's own client) the new column at
 * the end, nullable, under a new schema id.
 * Needs what test_real_bridge.c needs (KFB_BUILD, KFB_REAL_DIR, KFB_REAL_SRC,
 * KFB_REAL_PRODUCED, KAFKA_BOOTSTRAP, FLUSS_BOOTSTRAP, java for the producer). Every wait
 * is bounded well below the harness's 300 s per test and prints the bridge's log tail.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "real_support.h"

#define MESSAGES 20000
#define KEYS 2000

/* db() + "_" + part: a database, consumer group and topic of its own per run tag. */
static const char *named(const char *part, char *buf, size_t size) {
    snprintf(buf, size, "%s_%s", db(), part);
    return buf;
}

/* The producer's `evolve` scenario, phase 1 or 2, into $KFB_REAL_PRODUCED/TOPIC. */
static void produce(const char *topic, int phase) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "bash -c '. \"%s/lib.sh\" && real_build_java producer >/dev/null && real_java producer "
             "kfb.producer.Producer --bootstrap %s --scenario evolve --phase %d --topic %s --messages %d "
             "--keys %d --partitions 3 --buckets 4 --table x.%s --out \"%s/%s\"'",
             env_or_fail("KFB_REAL_SRC"), env_or_fail("KAFKA_BOOTSTRAP"), phase, topic, MESSAGES, KEYS, topic,
             env_or_fail("KFB_REAL_PRODUCED"), topic);
    fflush(stdout);
    int rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
        KFB_TEST_FAILF_("the producer failed (phase %d, status %d)", phase, rc);
}

/* A mapping of topic into database.topic that creates the table and adds columns. */
static void write_config(const char *path, const char *group, const char *database, const char *topic) {
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fprintf(f,
            "kafka:\n"
            "  bootstrap.servers: \"%s\"\n"
            "  group.id: %s\n"
            "  auto.offset.reset: earliest\n"
            "schemas_dir: %s/%s/schemas\n"
            "fluss:\n"
            "  bootstrap_servers: \"%s\"\n"
            "  table_refresh_interval: 2s\n"
            "batch:\n"
            "  linger: 50ms\n"
            "offsets:\n"
            "  commit_interval: 500ms\n"
            "errors:\n"
            "  policy: fail\n"
            "mappings:\n"
            "  - name: evo\n"
            "    topic: %s\n"
            "    table: %s.%s\n"
            "    key_format: avro\n"
            "    create_table: true\n"
            "    primary_key: [id]\n"
            "    bucket_count: 4\n"
            "    evolve: add_columns\n",
            env_or_fail("KAFKA_BOOTSTRAP"), group, env_or_fail("KFB_REAL_PRODUCED"), topic,
            env_or_fail("FLUSS_BOOTSTRAP"), topic, database, topic);
    ASSERT_EQ_INT(fclose(f), 0);
}

/* The table as Fluss has it: its schema id and columns (names, nullability, type name). */
static void expect_table(real_bridge_t *b, const char *database, const char *table, int schema_id,
                         int with_note) {
    static const char *const names[] = {"id", "name", "qty", "price", "updated", "note"};
    static const int roots[] = {KFB_TYPE_INTEGER, KFB_TYPE_STRING, KFB_TYPE_BIGINT, KFB_TYPE_DECIMAL,
                                KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, KFB_TYPE_STRING};
    kfb_fluss_client_t *c = client();
    kfb_fluss_table_info_t *ti = NULL;
    char e[1024];
    if (kfb_fluss_client_get_table(c, database, table, TIMEOUT_MS, &ti, e, sizeof e)) {
        kfb_fluss_client_destroy(c);
        real_bridge_fail(b, "table %s.%s: %s", database, table, e);
    }
    const kfb_table_desc_t *d = ti->desc;
    char got[1024] = "", want[1024] = "";
    size_t n = with_note ? 6 : 5, gl = 0, wl = 0;
    for (size_t i = 0; i < d->column_count && gl < sizeof got; i++)
        gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s:%d:%d ", d->columns[i].name,
                               (int)d->columns[i].type->root, (int)d->columns[i].type->nullable);
    for (size_t i = 0; i < n && wl < sizeof want; i++) /* the key NOT NULL, the others as the schema: */
        wl += (size_t)snprintf(want + wl, sizeof want - wl, "%s:%d:%d ", names[i], (int)roots[i],
                               i == 5); /* Avro fields without null are NOT NULL; note was added nullable */
    int sid = ti->schema_id;
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
    if (strcmp(got, want) || sid != schema_id)
        real_bridge_fail(b, "table %s.%s: schema id %d, columns %s; expected schema id %d, columns %s", database,
                         table, sid, got, schema_id, want);
}

static void judge(const char *topic, const char *database) {
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "%s/judge.sh check %s '%s/%s/expected.jsonl@%s.%s'", env_or_fail("KFB_REAL_SRC"),
             env_or_fail("FLUSS_BOOTSTRAP"), env_or_fail("KFB_REAL_PRODUCED"), topic, database, topic);
    fflush(stdout);
    int rc = system(cmd);
    if (rc != 0) KFB_TEST_FAILF_("the judge disagrees with %s.%s (status %d)", database, topic, rc);
}

static void expect_committed(const char *group, const produced_t *p) {
    int64_t com[MAX_PARTS];
    committed_offsets(group, p->topic, p->nparts, com);
    for (int i = 0; i < p->nparts; i++) ASSERT_EQ_INT(com[i], p->end[i]);
}

TEST(create_and_evolve_under_run_and_migrate) {
    char topic[96], dbr[96], dbm[96], cfg_run[700], cfg_mig[700];
    named("evolve", topic, sizeof topic);
    named("evolve_run", dbr, sizeof dbr);
    named("evolve_migrate", dbm, sizeof dbm);
    snprintf(cfg_run, sizeof cfg_run, "%s/evolve-run.yaml", env_or_fail("KFB_REAL_DIR"));
    snprintf(cfg_mig, sizeof cfg_mig, "%s/evolve-migrate.yaml", env_or_fail("KFB_REAL_DIR"));
    write_config(cfg_run, dbr, dbr, topic);
    write_config(cfg_mig, dbm, dbm, topic);

    /* first half: schema 2 only */
    produce(topic, 1);
    produced_t p;
    read_produced(topic, &p);
    ASSERT_EQ_INT(p.messages, MESSAGES / 2);
    real_bridge_t run;
    real_bridge_start(&run, "run", cfg_run, "evolve-run");
    real_bridge_wait_committed(&run, dbr, &p, 120);
    if (!real_bridge_log_has(&run, "created table " /* create_table */))
        real_bridge_fail(&run, "the bridge did not say it created %s.%s", dbr, topic);
    expect_table(&run, dbr, topic, 1, 0);
    real_bridge_t mig;
    real_bridge_start(&mig, "migrate", cfg_mig, "evolve-migrate-1");
    real_bridge_expect_exit(&mig, 120, 0);
    expect_committed(dbm, &p);
    expect_table(&mig, dbm, topic, 1, 0);

    /* second half: schema 3 appears (a nullable field more), mixed with schema 2 */
    produce(topic, 2);
    read_produced(topic, &p);
    ASSERT_EQ_INT(p.messages, MESSAGES);
    real_bridge_wait_committed(&run, dbr, &p, 120);
    if (!real_bridge_log_has(&run, "added column note STRING for writer schema 3"))
        real_bridge_fail(&run, "run did not log the column it added");
    expect_table(&run, dbr, topic, 2, 1);
    kill(run.pid, SIGTERM);
    real_bridge_expect_exit(&run, 60, 0);
    judge(topic, dbr);

    real_bridge_start(&mig, "migrate", cfg_mig, "evolve-migrate-2");
    real_bridge_expect_exit(&mig, 120, 0);
    if (!real_bridge_log_has(&mig, "added column note STRING for writer schema 3"))
        real_bridge_fail(&mig, "migrate did not log the column it added");
    expect_committed(dbm, &p);
    expect_table(&mig, dbm, topic, 2, 1);
    judge(topic, dbm);
}
