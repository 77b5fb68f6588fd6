/* test_table_create_ts.c - creating a mapping's table on the Fluss test server in-process
 * (table_create.h): kfb_table_plan_new from the latest writer schema, the database and
 * table created, the table read back equal to the plan, "already exists" compared (the
 * same table is success, another a sentence naming the difference), bridges racing on
 * the create, plans refused before anything is sent, and the Debezium primary key from
 * the key schema of a registry (HTTP test server answering subjects and ids as the
 * Confluent Schema Registry API does).
 *
 * Fluss behaviour followed: CreateTable without ignore_if_exists answers
 * TABLE_ALREADY_EXIST (8) for an existing table, CreateDatabase with ignore_if_exists is
 * idempotent (apache/fluss fluss-server/.../coordinator/CoordinatorService.java
 * createTable, createDatabase). */
#include <jansson.h>
#include <pthread.h>

#include "fluss_client.h"
#include "fluss_test_server.h"
#include "harness.h"
#include "http_test_server.h"
#include "rpc_frame.h"
#include "logging.h"
#include "table_create.h"

static char err[2048];

#define ITEMS_V1 "{\"type\":\"record\",\"name\":\"Item\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}," \
                 "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":[\"null\",\"int\"]}]}"
#define ITEMS_V2 "{\"type\":\"record\",\"name\":\"Item\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}," \
                 "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":[\"null\",\"int\"]},"   \
                 "{\"name\":\"extra\",\"type\":[\"null\",\"string\"]}]}"

static const char *const PK[] = {"id"};
static const char *const TOPICS[] = {"items"};

/* A mapping as the configuration would hold it: topic items -> `table`, primary key id. */
static kfb_config_mapping_t mapping(const char *table) {
    kfb_config_mapping_t m;
    memset(&m, 0, sizeof m);
    m.name = "items";
    m.topic = "items";
    m.topics = TOPICS;
    m.n_topics = 1;
    m.table = table;
    m.create_table = 1;
    m.primary_key = PK;
    m.n_primary_key = 1;
    m.bucket_count = 3;
    return m;
}

/* A memory source whose latest schema (the highest id) is `json`. */
static kfb_schema_source_t *source(int32_t id, const char *json) {
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(src, id, json, strlen(json), err, sizeof err));
    return src;
}

static kfb_fluss_client_t *client(kfb_fts_t *s, char *e, size_t n) {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = kfb_fts_bootstrap(s);
    return kfb_fluss_client_new(&conf, e, n);
}

static kfb_fts_t *server(void) {
    kfb_fts_config_t cfg = {0};
    kfb_fts_t *s = kfb_fluss_test_server_start(&cfg, err, sizeof err);
    ASSERT_TRUE(s != NULL);
    return s;
}

static int table_exists(kfb_fluss_client_t *c, const char *db, const char *t) {
    int exists = -1;
    ASSERT_OK(kfb_fluss_client_table_exists(c, db, t, 10000, &exists, err, sizeof err));
    return exists;
}

TEST(creates_database_and_table_as_planned) {
    kfb_fts_t *s = server();
    kfb_fluss_client_t *c = client(s, err, sizeof err);
    ASSERT_TRUE(c != NULL);
    kfb_schema_source_t *src = source(3, ITEMS_V1);
    kfb_config_mapping_t m = mapping("shop.items");
    kfb_table_plan_t *p = NULL;
    ASSERT_OK(kfb_table_plan_new(&m, src, 0, &p, err, sizeof err));
    ASSERT_EQ_INT(p->value_schema_id, 3);
    ASSERT_EQ_INT(p->key_schema_id, -1);
    ASSERT_STREQ(p->source, "schemas_dir schema id 3");
    ASSERT_CONTAINS(p->json, "\"comment\":\"created by kafka-fluss-bridge from schemas_dir schema id 3\"");
    ASSERT_STREQ(p->sql, "CREATE TABLE `shop`.`items` (\n"
                         "  `id` BIGINT NOT NULL,\n"
                         "  `name` STRING NOT NULL,\n"
                         "  `qty` INT,\n"
                         "  PRIMARY KEY (`id`) NOT ENFORCED\n"
                         ")\n"
                         "WITH (\n"
                         "  'bucket.num' = '3'\n"
                         ");\n");
    kfb_table_plan_destroy(p);
    ASSERT_EQ_INT(table_exists(c, "shop", "items"), 0);
    int created = -1;
    kfb_err_t e = kfb_table_create_if_missing(c, src, 0, &m, 10000, &created, err, sizeof err);
    if (e) fprintf(stderr, "%s\n", err);
    ASSERT_OK(e);
    ASSERT_EQ_INT(created, 1);
    /* the server's table (normalised: kv format version, replication factor) is the plan's */
    kfb_fluss_table_info_t *ti = NULL;
    ASSERT_OK(kfb_fluss_client_get_table(c, "shop", "items", 10000, &ti, err, sizeof err));
    ASSERT_EQ_INT(ti->schema_id, 1);
    ASSERT_EQ_INT(ti->bucket_count, 3);
    ASSERT_OK(kfb_table_plan_new(&m, src, 0, &p, err, sizeof err));
    char diff[512] = "";
    ASSERT_EQ_INT(kfb_table_create_differs(p->desc, ti->desc, diff, sizeof diff), 0);
    kfb_fluss_table_info_free(ti);
    /* an existing table is left alone */
    ASSERT_OK(kfb_table_create_if_missing(c, src, 0, &m, 10000, &created, err, sizeof err));
    ASSERT_EQ_INT(created, 0);
    /* CreateTable again (a bridge that checked before the other created it): the same
     * table is success */
    ASSERT_OK(kfb_table_create_ensure(c, "shop", "items", p, 10000, &created, err, sizeof err));
    ASSERT_EQ_INT(created, 0);
    kfb_table_plan_destroy(p);
    /* ... another table is a sentence naming the difference */
    kfb_schema_source_t *src2 = source(4, ITEMS_V2);
    ASSERT_OK(kfb_table_plan_new(&m, src2, 0, &p, err, sizeof err));
    ASSERT_ERR(kfb_table_create_ensure(c, "shop", "items", p, 10000, &created, err, sizeof err), KFB_ERR_CONFIG);
    ASSERT_STREQ(err, "Fluss table shop.items was created meanwhile (by another bridge?) as another table than this "
                      "mapping would create from schemas_dir schema id 4: it lacks column \"extra\"; drop one of them "
                      "or make the mappings agree");
    ASSERT_EQ_INT(created, 0);
    kfb_table_plan_destroy(p);
    /* a second table of the database: no CreateDatabase (DatabaseExists said it is there) */
    ASSERT_EQ_INT(kfb_fts_api_calls(s, KFB_API_CREATE_DATABASE), 1);
    m.table = "shop.items2";
    ASSERT_OK(kfb_table_create_if_missing(c, src, 0, &m, 10000, &created, err, sizeof err));
    ASSERT_EQ_INT(created, 1);
    ASSERT_EQ_INT(kfb_fts_api_calls(s, KFB_API_CREATE_DATABASE), 1);
    ASSERT_EQ_INT(kfb_fts_api_calls(s, KFB_API_CREATE_TABLE), 4); /* items, twice again, items2 */
    /* create_table off: nothing happens */
    m.create_table = 0;
    m.table = "other.t";
    ASSERT_OK(kfb_table_create_if_missing(c, src, 0, &m, 10000, &created, err, sizeof err));
    ASSERT_EQ_INT(table_exists(c, "other", "t"), 0);
    kfb_schema_source_destroy(src2);
    kfb_schema_source_destroy(src);
    kfb_fluss_client_destroy(c);
    kfb_fluss_test_server_stop(s);
}

/* Plans that cannot work are refused before anything is sent. */
TEST(refused_plans_create_nothing) {
    kfb_fts_t *s = server();
    kfb_fluss_client_t *c = client(s, err, sizeof err);
    kfb_schema_source_t *src = source(1, "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"id\",\"type\":"
                                         "\"long\"},{\"name\":\"n\",\"type\":\"null\"}]}");
    kfb_config_mapping_t m = mapping("shop.bad");
    ASSERT_ERR(kfb_table_create_if_missing(c, src, 0, &m, 10000, NULL, err, sizeof err), KFB_ERR_UNSUPPORTED_TYPE);
    ASSERT_STREQ(err, "mapping 'items': cannot create table shop.bad: field B.n has the Avro type null: no column "
                      "type holds only nulls (list the field in ignore)");
    ASSERT_EQ_INT(table_exists(c, "shop", "bad"), 0);
    kfb_schema_source_destroy(src);
    /* the mapping itself would not take the table: a raw string key onto a BIGINT key */
    src = source(1, ITEMS_V1);
    m.key_from_message_key = 1;
    m.key_format = KFB_MAPPER_KEY_STRING;
    ASSERT_ERR(kfb_table_create_if_missing(c, src, 0, &m, 10000, NULL, err, sizeof err), KFB_ERR_CONFIG);
    ASSERT_CONTAINS(err, "the table made from writer schema 1 does not take it: a plain string Kafka key needs a single "
                         "STRING/CHAR primary-key column");
    ASSERT_EQ_INT(table_exists(c, "shop", "bad"), 0);
    /* the key schema cannot be found in a directory */
    m = mapping("shop.bad");
    m.n_primary_key = 0;
    m.key_from_message_key = 1;
    ASSERT_ERR(kfb_table_create_if_missing(c, src, 0, &m, 10000, NULL, err, sizeof err), KFB_ERR_CONFIG);
    ASSERT_CONTAINS(err, "the primary key would come from the Kafka key schema, but schemas_dir has no subjects to "
                         "find it by; set mappings[].primary_key");
    /* no writer schema at all */
    kfb_schema_source_t *empty = kfb_schema_source_memory_new();
    m = mapping("shop.bad");
    ASSERT_ERR(kfb_table_create_if_missing(c, empty, 0, &m, 10000, NULL, err, sizeof err), KFB_ERR_NOT_FOUND);
    ASSERT_CONTAINS(err, "no writer schema to create the table from (items-value)");
    ASSERT_EQ_INT(table_exists(c, "shop", "bad"), 0);
    kfb_schema_source_destroy(empty);
    kfb_schema_source_destroy(src);
    kfb_fluss_client_destroy(c);
    kfb_fluss_test_server_stop(s);
}

typedef struct racer {
    kfb_fts_t *s;
    kfb_schema_source_t *src;
    kfb_err_t rc;
    int created;
    char err[1024];
} racer_t;

static void *race(void *arg) {
    racer_t *r = arg;
    kfb_fluss_client_t *c = client(r->s, r->err, sizeof r->err);
    if (!c) {
        r->rc = KFB_ERR_INTERNAL;
        return NULL;
    }
    kfb_config_mapping_t m = mapping("race.items");
    kfb_table_plan_t *p = NULL;
    /* straight to CreateTable (as bridges that all found the table missing): exactly one
     * creates it, the others meet TABLE_ALREADY_EXIST and compare */
    r->rc = kfb_table_plan_new(&m, r->src, 0, &p, r->err, sizeof r->err);
    if (!r->rc) r->rc = kfb_table_create_ensure(c, "race", "items", p, 10000, &r->created, r->err, sizeof r->err);
    kfb_table_plan_destroy(p);
    kfb_fluss_client_destroy(c);
    return NULL;
}

TEST(bridges_racing_on_create) {
    kfb_fts_t *s = server();
    kfb_schema_source_t *src = source(1, ITEMS_V1);
    enum { N = 4 };
    racer_t r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer_t){s, src, KFB_ERR_INTERNAL, -1, ""};
        ASSERT_EQ_INT(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    int created = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (r[i].rc) fprintf(stderr, "racer %d: %s\n", i, r[i].err);
        ASSERT_OK(r[i].rc);
        created += r[i].created;
    }
    ASSERT_EQ_INT(created, 1);
    kfb_fluss_client_t *c = client(s, err, sizeof err);
    kfb_fluss_table_info_t *ti = NULL;
    ASSERT_OK(kfb_fluss_client_get_table(c, "race", "items", 10000, &ti, err, sizeof err));
    ASSERT_EQ_INT(ti->desc->column_count, 3);
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
    kfb_schema_source_destroy(src);
    kfb_fluss_test_server_stop(s);
}

/* ---- the registry: subjects <topic>-value and <topic>-key ----------------------------------- */

#define DBZ_VALUE "{\"type\":\"record\",\"name\":\"Value\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}," \
                  "{\"name\":\"email\",\"type\":[\"null\",\"string\"]}]}"
#define DBZ_ENVELOPE "{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":\"db.inv.customers\",\"fields\":[" \
                     "{\"name\":\"before\",\"type\":[\"null\"," DBZ_VALUE "]},"                                  \
                     "{\"name\":\"after\",\"type\":[\"null\",\"Value\"]},{\"name\":\"op\",\"type\":\"string\"}]}"
#define DBZ_KEY "{\"type\":\"record\",\"name\":\"Key\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}"

/* GET /subjects/<subject>/versions/latest and /schemas/ids/<id>, as Confluent answers them. */
static void registry_has(kfb_http_test_server_t *h, const char *subject, int id, const char *schema) {
    char path[256];
    snprintf(path, sizeof path, "/subjects/%s/versions/latest", subject);
    json_t *o = json_pack("{s:s, s:i, s:i, s:s}", "subject", subject, "version", 1, "id", id, "schema", schema);
    char *body = json_dumps(o, JSON_COMPACT);
    kfb_http_test_server_script(h, path, 200, body, 0);
    free(body);
    json_decref(o);
    snprintf(path, sizeof path, "/schemas/ids/%d", id);
    o = json_pack("{s:s}", "schema", schema);
    body = json_dumps(o, JSON_COMPACT);
    kfb_http_test_server_script(h, path, 200, body, 0);
    free(body);
    json_decref(o);
}

static const char *const DBZ_TOPICS[] = {"db.inv.customers"};

TEST(debezium_key_from_the_registry) {
    kfb_http_test_server_t *h = kfb_http_test_server_start();
    ASSERT_TRUE(h != NULL);
    registry_has(h, "db.inv.customers-value", 40, DBZ_ENVELOPE);
    kfb_registry_config_t rc;
    kfb_registry_config_init(&rc);
    rc.url = kfb_http_test_server_url(h);
    rc.max_retries = 0;
    kfb_schema_source_t *src = kfb_schema_source_registry_new(&rc, err, sizeof err);
    ASSERT_TRUE(src != NULL);
    kfb_config_mapping_t m;
    memset(&m, 0, sizeof m);
    m.name = "customers";
    m.topic = DBZ_TOPICS[0];
    m.topics = DBZ_TOPICS;
    m.n_topics = 1;
    m.table = "inventory.customers";
    m.create_table = 1;
    m.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    kfb_table_plan_t *p = NULL;
    /* no key subject yet: the sentence names it */
    ASSERT_TRUE(kfb_table_plan_new(&m, src, 1, &p, err, sizeof err) != KFB_ERR_OK);
    ASSERT_CONTAINS(err, "no writer schema to create the table from (db.inv.customers-key)");
    registry_has(h, "db.inv.customers-key", 41, DBZ_KEY);
    kfb_err_t e = kfb_table_plan_new(&m, src, 1, &p, err, sizeof err);
    if (e) fprintf(stderr, "%s\n", err);
    ASSERT_OK(e);
    ASSERT_EQ_INT(p->value_schema_id, 40);
    ASSERT_EQ_INT(p->key_schema_id, 41);
    ASSERT_STREQ(p->source, "db.inv.customers-value schema id 40");
    ASSERT_EQ_INT(p->desc->column_count, 2);
    ASSERT_STREQ(p->desc->columns[p->desc->primary_key[0]].name, "id");
    ASSERT_EQ_INT(p->desc->bucket_count, -1); /* left to the server */
    ASSERT_EQ_INT(kfb_http_test_server_request_count(h, "/subjects/db.inv.customers-key/versions/latest"), 2);
    kfb_table_plan_destroy(p);
    /* and created on the server, which picks the bucket count */
    kfb_fts_t *s = server();
    kfb_fluss_client_t *c = client(s, err, sizeof err);
    int created = 0;
    ASSERT_OK(kfb_table_create_if_missing(c, src, 1, &m, 10000, &created, err, sizeof err));
    ASSERT_EQ_INT(created, 1);
    kfb_fluss_table_info_t *ti = NULL;
    ASSERT_OK(kfb_fluss_client_get_table(c, "inventory", "customers", 10000, &ti, err, sizeof err));
    ASSERT_EQ_INT(ti->desc->primary_key_count, 1);
    ASSERT_TRUE(ti->bucket_count >= 1);
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
    kfb_fluss_test_server_stop(s);
    kfb_schema_source_destroy(src);
    kfb_http_test_server_stop(h);
}
