/*
 * test_real_bridge.c - the bridge itself (build/.../kafka-fluss-bridge) end to end against
 * real Apache Kafka 3.9 and real Apache Fluss 0.9.1, judged by Fluss's Java client:
 *   - `check` then `migrate` of the producer's topics (plain records and Debezium envelopes,
 *     two writer schemas each, a few hundred thousand messages): exact state and per-key
 *     order in Fluss, the group's committed offsets equal to the end offsets;
 *   - `run` killed with SIGKILL at several random points and started again: after every
 *     kill the committed offsets are never ahead of what Fluss holds; in the end the exact
 *     state;
 *   - a tablet server stopped and started again while `run` writes: the bridge waits,
 *     retries and ends with the exact state.
 * Each part writes to its own Fluss database (db() + "_" + part) with a consumer group of
 * the same name, from the same topics. Needs what test_real_kafka.c needs, plus KFB_BUILD (the build dir) and
 * KFB_REAL_DIR holding the Fluss run directory (tests/real/fluss.sh stop-tablet/start-tablet).
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "real_support.h"

/* The database (and consumer group) of one part: db() + "_" + part, so that a rerun with
 * another KFB_REAL_TAG on the same clusters starts from nothing. */
static const char *part_db(const char *part) {
    static char name[96];
    snprintf(name, sizeof name, "%s_%s", db(), part);
    return name;
}

/* Creates DATABASE.TOPIC from the producer's table.json for each topic. */
static void create_tables(const char *database, const char *const *topics, size_t n) {
    kfb_fluss_client_t *c = client();
    for (size_t i = 0; i < n; i++) {
        produced_t p;
        read_produced(topics[i], &p);
        char path[700];
        snprintf(path, sizeof path, "%s/table.json", p.dir);
        char *json = slurp(path);
        kfb_fluss_table_info_free(create_open_in(c, database, topics[i], json));
        free(json);
    }
    kfb_fluss_client_destroy(c);
}

/* The bridge's YAML: a mapping of TOPIC into DATABASE.TOPIC (format by topic name), with
 * the producer's schema directory of that topic. */
static void write_config(const char *path, const char *group, const char *database,
                         const char *topic) {
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fprintf(f,
            "kafka:\n"
            "  bootstrap.servers: \"%s\"\n"
            "  group.id: %s\n"
            "  auto.offset.reset: earliest\n"
            /* a SIGKILLed member leaves the group after this, not librdkafka's 45 s
             * (6 s is the broker's group.min.session.timeout.ms) */
            "  session.timeout.ms: \"6000\"\n"
            "  heartbeat.interval.ms: \"1000\"\n"
            "schemas_dir: %s/%s/schemas\n"
            "fluss:\n"
            "  bootstrap_servers: \"%s\"\n"
            "batch:\n"
            "  linger: 50ms\n"
            "offsets:\n"
            "  commit_interval: 500ms\n"
            "errors:\n"
            "  policy: fail\n"
            "mappings:\n",
            env_or_fail("KAFKA_BOOTSTRAP"), group, env_or_fail("KFB_REAL_PRODUCED"), topic,
            env_or_fail("FLUSS_BOOTSTRAP"));
    fprintf(f,
            "  - name: %s\n"
            "    topic: %s\n"
            "    table: %s.%s\n"
            "    format: %s\n"
            "    key_format: avro\n",
            topic, topic, database, topic, strcmp(topic, "dbz") == 0 ? "debezium" : "avro");
    ASSERT_EQ_INT(fclose(f), 0);
}

/* The judge on the producer's expected state of topic, checked in database.topic:
 * "check" (state and per-key changelog) or "state" (lookups only). */
static void judge_table(const char *how, const char *topic, const char *database) {
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "%s/judge.sh %s %s '%s/%s/expected.jsonl@%s.%s'",
             env_or_fail("KFB_REAL_SRC"), how, env_or_fail("FLUSS_BOOTSTRAP"),
             env_or_fail("KFB_REAL_PRODUCED"), topic, database, topic);
    fflush(stdout);
    int rc = system(cmd);
    if (rc != 0) KFB_TEST_FAILF_("the judge disagrees with %s.%s (%s, status %d)", database, topic, how, rc);
}

/* `check`, then `migrate`, of a topic: exact state, committed offsets at the ends. One
 * test per topic, each wait shorter than the test's timeout (KFB_TEST_TIMEOUT, 300 s) so
 * that a bridge that does not finish is killed with its log printed. */
static void check_then_migrate(const char *topic) {
    const char *dbm = part_db("migrate");
    const char *const topics[] = {topic};
    create_tables(dbm, topics, 1);
    char cfg[600], tag[64], group[160];
    snprintf(cfg, sizeof cfg, "%s/migrate-%s.yaml", env_or_fail("KFB_REAL_DIR"), topic);
    snprintf(group, sizeof group, "%s_%s", dbm, topic);
    write_config(cfg, group, dbm, topic);
    real_bridge_t b;
    snprintf(tag, sizeof tag, "check-%s", topic);
    real_bridge_start(&b, "check", cfg, tag);
    real_bridge_expect_exit(&b, 60, 0);
    snprintf(tag, sizeof tag, "migrate-%s", topic);
    real_bridge_start(&b, "migrate", cfg, tag);
    real_bridge_expect_exit(&b, 180, 0);
    produced_t p;
    read_produced(topic, &p);
    int64_t com[MAX_PARTS];
    committed_offsets(group, topic, p.nparts, com);
    for (int j = 0; j < p.nparts; j++) ASSERT_EQ_INT(com[j], p.end[j]);
    judge_table("check", topic, dbm);
}

TEST(check_then_migrate_plain) { check_then_migrate("items"); }

TEST(check_then_migrate_debezium) { check_then_migrate("dbz"); }

/* Sum of the group's committed offsets on the topic (none = 0). */
static long long committed_sum(const char *group, const produced_t *p) {
    int64_t com[MAX_PARTS];
    committed_offsets(group, p->topic, p->nparts, com);
    long long sum = 0;
    for (int i = 0; i < p->nparts; i++) sum += com[i] < 0 ? 0 : com[i];
    return sum;
}

/* `run` SIGKILLed at random points, then run to the end. Kill k comes as soon as the group
 * has committed a random 15-35% (k = 0), 40-60%, 65-85% of the messages, and more than
 * before this run, so every kill lands mid-stream after a commit of the run it kills,
 * wherever the bridge's speed puts them in time. After
 * each kill the committed offsets must not be ahead of what Fluss holds. */
TEST(run_killed_at_random_points) {
    static const char *const topics[] = {"items"};
    const char *dbc = part_db("crash");
    create_tables(dbc, topics, 1);
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s/crash.yaml", env_or_fail("KFB_REAL_DIR"));
    write_config(cfg, dbc, dbc, "items");
    produced_t p;
    read_produced("items", &p);
    for (int k = 0; k < 3; k++) {
        real_bridge_t b;
        char tag[32];
        snprintf(tag, sizeof tag, "crash%d", k);
        real_bridge_start(&b, "run", cfg, tag);
        long long target = p.messages * (long long)(15 + 25 * k + kfb_test_rand() % 21) / 100;
        long long before = committed_sum(dbc, &p);
        if (target <= before && before < p.messages) target = before + 1; /* after a commit of its own */
        time_t deadline = time(NULL) + 200;
        while (committed_sum(dbc, &p) < target) {
            int st;
            if (waitpid(b.pid, &st, WNOHANG) == b.pid) {
                b.pid = -1;
                real_bridge_fail(&b, "the bridge exited (status %d) before kill %d", st, k);
            }
            if (time(NULL) > deadline) real_bridge_fail(&b, "no commit past %lld within 200 s", target);
            usleep(100 * 1000);
        }
        ASSERT_EQ_INT(kill(b.pid, SIGKILL), 0);
        real_bridge_expect_exit(&b, 30, 128 + SIGKILL);
        int64_t com[MAX_PARTS];
        committed_offsets(dbc, "items", p.nparts, com);
        char offs[512] = "";
        long long sum = 0;
        for (int i = 0; i < p.nparts; i++) {
            int64_t c = com[i] < 0 ? 0 : com[i];
            sum += c;
            snprintf(offs + strlen(offs), sizeof offs - strlen(offs), "%s%d=%lld", i ? "," : "", i,
                     (long long)c);
        }
        printf("  kill %d: committed %s (%lld of %lld messages)\n", k, offs, sum, p.messages);
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "%s/judge.sh committed %s '%s/items/expected.jsonl@%s.items' %s",
                 env_or_fail("KFB_REAL_SRC"), env_or_fail("FLUSS_BOOTSTRAP"),
                 env_or_fail("KFB_REAL_PRODUCED"), dbc, offs);
        fflush(stdout);
        int rc = system(cmd);
        if (rc != 0) KFB_TEST_FAILF_("committed offsets ahead of Fluss after kill %d", k);
    }
    real_bridge_t b;
    real_bridge_start(&b, "run", cfg, "crash-final");
    real_bridge_wait_log(&b, "] assigned ", 120);
    real_bridge_wait_committed(&b, dbc, &p, 200);
    ASSERT_EQ_INT(kill(b.pid, SIGTERM), 0);
    real_bridge_expect_exit(&b, 120, 0);
    /* the final state only: after each kill the bridge reads again from the committed
     * offsets and writes those messages again (at least once), so the changelog holds
     * those changes twice */
    judge_table("state", "items", dbc);
}

/* A tablet server (one of the two; it leads about half the buckets) stopped and started
 * again while `run` writes: the bridge waits for it and ends with the exact state. */
TEST(tablet_server_restart_mid_run) {
    static const char *const topics[] = {"items"};
    const char *dbr = part_db("restart");
    create_tables(dbr, topics, 1);
    char cfg[600], cmd[1200];
    snprintf(cfg, sizeof cfg, "%s/restart.yaml", env_or_fail("KFB_REAL_DIR"));
    write_config(cfg, dbr, dbr, "items");
    produced_t p;
    read_produced("items", &p);
    real_bridge_t b;
    real_bridge_start(&b, "run", cfg, "restart");
    real_bridge_wait_log(&b, "] assigned ", 120);
    usleep(500 * 1000); /* it is writing now; the outcome must not depend on when */
    snprintf(cmd, sizeof cmd, "%s/fluss.sh stop-tablet '%s' 1", env_or_fail("KFB_REAL_SRC"),
             env_or_fail("KFB_REAL_DIR"));
    ASSERT_EQ_INT(system(cmd), 0);
    usleep(3000 * 1000); /* the bridge keeps running while the server is down */
    int st;
    ASSERT_EQ_INT(waitpid(b.pid, &st, WNOHANG), 0);
    snprintf(cmd, sizeof cmd, "%s/fluss.sh start-tablet '%s' 1", env_or_fail("KFB_REAL_SRC"),
             env_or_fail("KFB_REAL_DIR"));
    ASSERT_EQ_INT(system(cmd), 0);
    real_bridge_wait_committed(&b, dbr, &p, 200);
    ASSERT_EQ_INT(kill(b.pid, SIGTERM), 0);
    real_bridge_expect_exit(&b, 120, 0);
    judge_table("check", "items", dbr);
}
