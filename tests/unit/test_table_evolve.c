/* test_table_evolve.c - a writer schema that gained fields against the live table
 * (table_evolve.h): each kind of change with its sentence, the evolved table the mapper
 * compiles onto, AlterTable against the Fluss test server in-process (new schema id, the
 * columns Fluss appends, bridges racing on the same columns, a column added meanwhile with
 * another type), and `evolve: none`'s one warning per writer schema (mapper.h
 * warn_fields_without_column).
 *
 * What Fluss does (apache/fluss fluss-server/.../coordinator/SchemaUpdate.java addColumn,
 * CoordinatorService.alterTable): columns appended at the end, nullable, all or none, one
 * new schema id per request; "Column x already exists." (56) for an existing name. The
 * expected column ids follow Schema.Builder.column + ReassignFieldId (highest + 1, then
 * ROW fields). */
#include <pthread.h>

#include "fluss_client.h"
#include "fluss_test_server.h"
#include "harness.h"
#include "logging.h"
#include "mapper.h"
#include "table_evolve.h"

static char err[2048];

/* users: id INT NOT NULL (PK), name STRING, code STRING NOT NULL, addr ROW<city STRING> */
static const char *USERS =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"},\"id\":1},"
    "{\"name\":\"code\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false},\"id\":2},"
    "{\"name\":\"addr\",\"data_type\":{\"type\":\"ROW\",\"fields\":[{\"name\":\"city\",\"field_type\":"
    "{\"type\":\"STRING\"},\"field_id\":4}]},\"id\":3}],"
    "\"primary_key\":[\"id\"],\"highest_field_id\":4},"
    "\"partition_key\":[],\"bucket_key\":[\"id\"],\"bucket_count\":2,\"properties\":{},\"custom_properties\":{}}";

#define F_ID "{\"name\":\"id\",\"type\":\"int\"}"
#define F_NAME "{\"name\":\"name\",\"type\":[\"null\",\"string\"]}"
#define F_CODE "{\"name\":\"code\",\"type\":\"string\"}"
#define F_ADDR "{\"name\":\"addr\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Addr\",\"fields\":[" \
               "{\"name\":\"city\",\"type\":[\"null\",\"string\"]}]}]}"
#define F_ADDR2 "{\"name\":\"addr\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Addr\",\"fields\":[" \
                "{\"name\":\"city\",\"type\":[\"null\",\"string\"]},{\"name\":\"zip\",\"type\":[\"null\",\"int\"]}]}]}"
#define REC(fields) "{\"type\":\"record\",\"name\":\"User\",\"fields\":[" fields "]}"

static const struct {
    int32_t id;
    const char *json;
} SCHEMAS[] = {
    {1, REC(F_ID "," F_NAME "," F_CODE "," F_ADDR)},
    /* gains email (nullable), age (NOT NULL with a default), tags, and addr.zip */
    {2, REC(F_ID "," F_NAME "," F_CODE "," F_ADDR2 ",{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null},"
            "{\"name\":\"age\",\"type\":\"int\",\"default\":0},"
            "{\"name\":\"tags\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"string\"}]}")},
    /* gains a NOT NULL field without a default */
    {3, REC(F_ID "," F_NAME "," F_CODE "," F_ADDR ",{\"name\":\"level\",\"type\":\"int\"}")},
    /* name becomes an int */
    {4, REC(F_ID ",{\"name\":\"name\",\"type\":\"int\"}," F_CODE "," F_ADDR)},
    /* id and code removed */
    {5, REC(F_NAME "," F_ADDR)},
    /* gains an array of records */
    {6, REC(F_ID "," F_NAME "," F_CODE "," F_ADDR ",{\"name\":\"items\",\"type\":{\"type\":\"array\",\"items\":"
            "{\"type\":\"record\",\"name\":\"It\",\"fields\":[{\"name\":\"q\",\"type\":\"int\"}]}}}")},
    /* gains email only */
    {7, REC(F_ID "," F_NAME "," F_CODE "," F_ADDR ",{\"name\":\"email\",\"type\":[\"null\",\"string\"]}")},
};

static kfb_schema_source_t *schemas(void) {
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    for (size_t i = 0; i < sizeof SCHEMAS / sizeof *SCHEMAS; i++) {
        kfb_err_t e = kfb_schema_source_add(src, SCHEMAS[i].id, SCHEMAS[i].json, strlen(SCHEMAS[i].json), err,
                                            sizeof err);
        if (e) fprintf(stderr, "schema %d: %s\n", (int)SCHEMAS[i].id, err);
        ASSERT_OK(e);
    }
    return src;
}

static kfb_evolve_diff_t *diff_of(kfb_schema_source_t *src, const char *table_json, int32_t id,
                                  const kfb_table_create_opts_t *o) {
    kfb_table_create_opts_t none;
    kfb_table_create_opts_init(&none);
    kfb_evolve_diff_t *d = NULL;
    kfb_err_t e = kfb_table_evolve_diff(table_json, strlen(table_json), src, id, o ? o : &none, &d, err, sizeof err);
    if (e) fprintf(stderr, "diff: %s\n", err);
    ASSERT_OK(e);
    return d;
}

TEST(same_schema_no_change) {
    kfb_schema_source_t *src = schemas();
    kfb_evolve_diff_t *d = diff_of(src, USERS, 1, NULL);
    ASSERT_EQ_INT(d->n_changes, 0);
    ASSERT_EQ_INT(d->blocked, 0);
    ASSERT_TRUE(d->evolved_json == NULL);
    ASSERT_TRUE(kfb_evolve_diff_first_blocking(d) == NULL);
    kfb_evolve_diff_destroy(d);
    kfb_schema_source_destroy(src);
}

TEST(new_fields_become_nullable_columns_at_the_end) {
    kfb_schema_source_t *src = schemas();
    kfb_evolve_diff_t *d = diff_of(src, USERS, 2, NULL);
    ASSERT_EQ_INT(d->blocked, 0);
    ASSERT_EQ_INT(d->n_changes, 4);
    ASSERT_EQ_INT(d->n_add, 3);
    /* writer order: addr.zip (inside the existing addr), then email, age, tags */
    const kfb_column_change_t *c = d->changes;
    ASSERT_EQ_INT(c[0].kind, KFB_COLUMN_CHANGE_NESTED_FIELD);
    ASSERT_STREQ(c[0].field, "User.addr.zip");
    ASSERT_STREQ(c[0].message, "field User.addr.zip is new inside ROW column \"addr\"; Fluss cannot add fields to a "
                               "ROW column, so its values are not written");
    ASSERT_EQ_INT(c[1].kind, KFB_COLUMN_CHANGE_ADD);
    ASSERT_STREQ(c[1].column, "email");
    ASSERT_STREQ(c[1].type_json, "{\"type\":\"STRING\"}");
    ASSERT_STREQ(c[1].message, "writer schema 2: field User.email is new: column \"email\" STRING is added at the end "
                               "of the table (rows written before read null in it)");
    ASSERT_STREQ(c[2].column, "age"); /* NOT NULL in Avro, but it has a default: nullable column */
    ASSERT_STREQ(c[2].type_json, "{\"type\":\"INTEGER\"}");
    ASSERT_STREQ(c[3].column, "tags");
    ASSERT_STREQ(c[3].type_json, "{\"type\":\"ARRAY\",\"element_type\":{\"type\":\"STRING\",\"nullable\":false}}");
    /* the table as Fluss appends them: ids 5, 6, 7 after highest_field_id 4 */
    ASSERT_CONTAINS(d->evolved_json,
                    "{\"name\":\"email\",\"data_type\":{\"type\":\"STRING\"},\"id\":5},"
                    "{\"name\":\"age\",\"data_type\":{\"type\":\"INTEGER\"},\"id\":6},"
                    "{\"name\":\"tags\",\"data_type\":{\"type\":\"ARRAY\",\"element_type\":{\"type\":\"STRING\","
                    "\"nullable\":false}},\"id\":7}],");
    ASSERT_CONTAINS(d->evolved_json, "\"highest_field_id\":7");
    kfb_fluss_column_add_t cols[4];
    ASSERT_EQ_INT(kfb_evolve_alter_columns(d, cols, 4), 3);
    ASSERT_STREQ(cols[0].name, "email");
    ASSERT_STREQ(cols[2].data_type_json, c[3].type_json);
    ASSERT_EQ_INT(kfb_evolve_alter_columns(d, cols, 1), 3); /* counts past cap */
    /* ignored and renamed fields */
    kfb_table_create_opts_t o;
    kfb_table_create_opts_init(&o);
    static const char *const ign[] = {"tags"};
    kfb_mapper_rename_t rn = {"email", "mail"};
    o.mapping.ignore = ign;
    o.mapping.n_ignore = 1;
    o.mapping.renames = &rn;
    o.mapping.n_renames = 1;
    kfb_evolve_diff_t *d2 = diff_of(src, USERS, 2, &o);
    ASSERT_EQ_INT(d2->n_add, 2);
    ASSERT_STREQ(d2->changes[1].column, "mail");
    ASSERT_STREQ(d2->changes[1].field, "User.email");
    ASSERT_STREQ(d2->changes[2].column, "age");
    kfb_evolve_diff_destroy(d2);
    kfb_evolve_diff_destroy(d);
    kfb_schema_source_destroy(src);
}

TEST(changes_the_table_cannot_follow_block) {
    kfb_schema_source_t *src = schemas();
    struct {
        int32_t id;
        kfb_column_change_kind_t kind;
        const char *column, *message;
    } cases[] = {
        {3, KFB_COLUMN_CHANGE_NOT_NULL, "level",
         "writer schema 3: field User.level is new and NOT NULL without a default, but Fluss adds only nullable "
         "columns (the rows written before have no value for it); make it a union with null or give it a default in "
         "the producer's schema, or list it in ignore"},
        {4, KFB_COLUMN_CHANGE_TYPE, "name",
         "schema id 4: field User.name: Avro int cannot be written to a STRING column (column \"name\"); Fluss cannot "
         "change the type of a column: write the field into a new column (rename it in the producer, or with "
         "mappings[].rename), or list it in ignore"},
        {5, KFB_COLUMN_CHANGE_KEY_REMOVED, "id",
         "writer schema 5 has no field for primary-key column \"id\" (was it removed?); every row needs its key: "
         "restore the field in the producer's schema, or rename the field that carries the key onto the column "
         "(mappings[].rename)"},
        {6, KFB_COLUMN_CHANGE_UNSUPPORTED, "items",
         "writer schema 6: field User.items is new, but no column can hold it: field User.items is an Avro array of "
         "records, which the bridge does not write yet (only arrays of scalar values); list the field in ignore"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kfb_evolve_diff_t *d = diff_of(src, USERS, cases[i].id, NULL);
        ASSERT_EQ_INT(d->blocked, 1);
        const kfb_column_change_t *b = kfb_evolve_diff_first_blocking(d);
        ASSERT_TRUE(b != NULL);
        ASSERT_EQ_INT(b->kind, cases[i].kind);
        ASSERT_STREQ(b->column, cases[i].column);
        ASSERT_STREQ(b->message, cases[i].message);
        ASSERT_TRUE(d->evolved_json == NULL);
        kfb_evolve_diff_destroy(d);
    }
    /* schema 5 also left the NOT NULL column code without its field */
    kfb_evolve_diff_t *d = diff_of(src, USERS, 5, NULL);
    ASSERT_EQ_INT(d->n_changes, 2);
    ASSERT_EQ_INT(d->changes[1].kind, KFB_COLUMN_CHANGE_NOT_NULL_REMOVED);
    ASSERT_STREQ(d->changes[1].column, "code");
    ASSERT_CONTAINS(d->changes[1].message, "Fluss cannot make a column nullable");
    ASSERT_STREQ(kfb_column_change_kind_name(d->changes[1].kind), "not_null_removed");
    kfb_evolve_diff_destroy(d);
    /* the primary key from the Kafka key: a value without id is fine */
    kfb_table_create_opts_t o;
    kfb_table_create_opts_init(&o);
    o.mapping.key_from_message_key = 1;
    d = diff_of(src, USERS, 5, &o);
    ASSERT_EQ_INT(d->n_changes, 1);
    ASSERT_STREQ(d->changes[0].column, "code");
    kfb_evolve_diff_destroy(d);
    /* an ignored new field is no change at all */
    static const char *const ign[] = {"level"};
    o.mapping.key_from_message_key = 0;
    o.mapping.ignore = ign;
    o.mapping.n_ignore = 1;
    d = diff_of(src, USERS, 3, &o);
    ASSERT_EQ_INT(d->n_changes, 0);
    kfb_evolve_diff_destroy(d);
    kfb_schema_source_destroy(src);
}

/* ---- AlterTable against the Fluss test server ------------------------------------------------ */

typedef struct env {
    kfb_fts_t *s;
    kfb_fluss_client_t *c;
    kfb_schema_source_t *src;
} env_t;

static kfb_fluss_client_t *client(kfb_fts_t *s) {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = kfb_fts_bootstrap(s);
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, err, sizeof err);
    if (!c) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(c != NULL);
    return c;
}

static env_t env_start(void) {
    env_t e;
    kfb_fts_config_t cfg = {0};
    e.s = kfb_fluss_test_server_start(&cfg, err, sizeof err);
    ASSERT_TRUE(e.s != NULL);
    ASSERT_OK(kfb_fts_add_table(e.s, "demo", "users", USERS, 2, NULL, NULL, err, sizeof err));
    e.c = client(e.s);
    e.src = schemas();
    return e;
}

static void env_stop(env_t *e) {
    kfb_fluss_client_destroy(e->c);
    kfb_fluss_test_server_stop(e->s);
    kfb_schema_source_destroy(e->src);
}

/* The diff of writer schema id against the table as the server has it now. */
static kfb_evolve_diff_t *live_diff(env_t *e, int32_t id) {
    kfb_fluss_table_info_t *ti = NULL;
    ASSERT_OK(kfb_fluss_client_get_table(e->c, "demo", "users", 10000, &ti, err, sizeof err));
    kfb_evolve_diff_t *d = diff_of(e->src, ti->table_json, id, NULL);
    kfb_fluss_table_info_free(ti);
    return d;
}

TEST(apply_adds_the_columns_and_the_mapper_follows) {
    env_t e = env_start();
    kfb_evolve_diff_t *d = live_diff(&e, 2);
    kfb_fluss_table_info_t *ti = NULL;
    kfb_err_t r = kfb_table_evolve_apply(e.c, "demo", "users", d, 10000, &ti, err, sizeof err);
    if (r) fprintf(stderr, "%s\n", err);
    ASSERT_OK(r);
    ASSERT_EQ_INT(ti->schema_id, 2); /* one AlterTable, one new schema id */
    ASSERT_EQ_INT(ti->desc->column_count, 7);
    static const char *const want[][2] = {{"email", "STRING"}, {"age", "INT"}, {"tags", "ARRAY<STRING NOT NULL>"}};
    for (int i = 0; i < 3; i++) {
        char t[128];
        ASSERT_STREQ(ti->desc->columns[4 + i].name, want[i][0]);
        kfb_datatype_format(ti->desc->columns[4 + i].type, t, sizeof t);
        ASSERT_STREQ(t, want[i][1]);
        ASSERT_EQ_INT(ti->desc->columns[4 + i].id, 5 + i);
    }
    /* the mapper moves to the new schema and writes every new field */
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.table_schema_id = ti->schema_id;
    kfb_mapper_t *m = kfb_mapper_new(ti->desc, e.src, &cfg, err, sizeof err);
    ASSERT_TRUE(m != NULL);
    ASSERT_OK(kfb_mapper_prepare(m, 2, err, sizeof err));
    const char *plan = kfb_mapper_describe(m, 2);
    ASSERT_CONTAINS(plan, "column email STRING <- User.email (nullable string)");
    ASSERT_CONTAINS(plan, "column age INT <- User.age (int)");
    ASSERT_CONTAINS(plan, "column tags ARRAY<STRING NOT NULL> <- User.tags (nullable array)");
    /* and older writer schemas still map (their rows get null in the new columns) */
    ASSERT_OK(kfb_mapper_prepare(m, 1, err, sizeof err));
    ASSERT_CONTAINS(kfb_mapper_describe(m, 1), "column email <- null (no Avro field)");
    kfb_mapper_destroy(m);
    kfb_fluss_table_info_free(ti);
    /* applying again is a no-op: nothing missing, no new schema id */
    ASSERT_OK(kfb_table_evolve_apply(e.c, "demo", "users", d, 10000, &ti, err, sizeof err));
    ASSERT_EQ_INT(ti->schema_id, 2);
    kfb_fluss_table_info_free(ti);
    /* the diff against the evolved table is empty but for the nested field */
    kfb_evolve_diff_t *again = live_diff(&e, 2);
    ASSERT_EQ_INT(again->n_add, 0);
    ASSERT_EQ_INT(again->n_changes, 1);
    ASSERT_EQ_INT(again->changes[0].kind, KFB_COLUMN_CHANGE_NESTED_FIELD);
    kfb_evolve_diff_destroy(again);
    kfb_evolve_diff_destroy(d);
    env_stop(&e);
}

TEST(apply_refuses_a_blocked_diff) {
    env_t e = env_start();
    kfb_evolve_diff_t *d = live_diff(&e, 3);
    ASSERT_ERR(kfb_table_evolve_apply(e.c, "demo", "users", d, 10000, NULL, err, sizeof err), KFB_ERR_STATE);
    ASSERT_CONTAINS(err, "table demo.users cannot follow writer schema 3: writer schema 3: field User.level is new "
                         "and NOT NULL without a default");
    char *sj = kfb_fts_schema_json(e.s, "demo", "users", 2);
    ASSERT_TRUE(sj == NULL); /* nothing was sent: no schema 2 */
    kfb_evolve_diff_destroy(d);
    env_stop(&e);
}

/* Another bridge added some of the columns first (the same types): the rest is added. */
TEST(apply_after_another_bridge_added_part_of_them) {
    env_t e = env_start();
    kfb_evolve_diff_t *d = live_diff(&e, 2);
    const char *names[] = {"email"}, *types[] = {"{\"type\":\"STRING\"}"};
    char msg[256];
    int32_t sid = 0;
    ASSERT_EQ_INT(kfb_fts_alter_add_columns(e.s, "demo", "users", names, types, 1, &sid, msg, sizeof msg), 0);
    ASSERT_EQ_INT(sid, 2);
    kfb_fluss_table_info_t *ti = NULL;
    ASSERT_OK(kfb_table_evolve_apply(e.c, "demo", "users", d, 10000, &ti, err, sizeof err));
    ASSERT_EQ_INT(ti->schema_id, 3);
    ASSERT_EQ_INT(ti->desc->column_count, 7);
    ASSERT_STREQ(ti->desc->columns[4].name, "email");
    ASSERT_STREQ(ti->desc->columns[6].name, "tags");
    kfb_fluss_table_info_free(ti);
    kfb_evolve_diff_destroy(d);
    env_stop(&e);
}

/* A column of the same name and another type: a clear error naming both. */
TEST(apply_with_a_clashing_column) {
    env_t e = env_start();
    kfb_evolve_diff_t *d = live_diff(&e, 7);
    const char *names[] = {"email"}, *types[] = {"{\"type\":\"INTEGER\"}"};
    char msg[256];
    ASSERT_EQ_INT(kfb_fts_alter_add_columns(e.s, "demo", "users", names, types, 1, NULL, msg, sizeof msg), 0);
    ASSERT_ERR(kfb_table_evolve_apply(e.c, "demo", "users", d, 10000, NULL, err, sizeof err), KFB_ERR_CONFIG);
    ASSERT_STREQ(err, "table demo.users has column \"email\" as INT (added by another bridge or by hand?), but field "
                      "User.email of writer schema 7 needs STRING; make the producers agree, or rename the field onto "
                      "another column");
    kfb_evolve_diff_destroy(d);
    env_stop(&e);
}

typedef struct racer {
    kfb_fts_t *s;
    const kfb_evolve_diff_t *d;
    kfb_err_t rc;
    int32_t schema_id;
    char err[1024];
} racer_t;

static void *race(void *arg) {
    racer_t *r = arg;
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = kfb_fts_bootstrap(r->s);
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, r->err, sizeof r->err);
    if (!c) {
        r->rc = KFB_ERR_INTERNAL;
        return NULL;
    }
    kfb_fluss_table_info_t *ti = NULL;
    r->rc = kfb_table_evolve_apply(c, "demo", "users", r->d, 10000, &ti, r->err, sizeof r->err);
    r->schema_id = ti ? ti->schema_id : -1;
    kfb_fluss_table_info_free(ti);
    kfb_fluss_client_destroy(c);
    return NULL;
}

/* Bridges that see the same new writer schema at once all succeed; the columns exist
 * once, and at most one AlterTable took effect (the others met "already exists"). */
TEST(racing_bridges_add_the_same_columns) {
    env_t e = env_start();
    kfb_evolve_diff_t *d = live_diff(&e, 2);
    enum { N = 4 };
    racer_t r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer_t){e.s, d, KFB_ERR_INTERNAL, 0, ""};
        ASSERT_EQ_INT(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (r[i].rc) fprintf(stderr, "racer %d: %s\n", i, r[i].err);
        ASSERT_OK(r[i].rc);
        ASSERT_EQ_INT(r[i].schema_id, 2);
    }
    kfb_fluss_table_info_t *ti = NULL;
    ASSERT_OK(kfb_fluss_client_get_table(e.c, "demo", "users", 10000, &ti, err, sizeof err));
    ASSERT_EQ_INT(ti->schema_id, 2);
    ASSERT_EQ_INT(ti->desc->column_count, 7);
    kfb_fluss_table_info_free(ti);
    kfb_evolve_diff_destroy(d);
    env_stop(&e);
}

/* ---- evolve: none: one warning per field without a column, per writer schema ------------------- */

static int warnings;
static char last_warning[1024];

static void sink(kfb_log_level_t level, const char *facility, const char *line, void *opaque) {
    (void)opaque;
    if (level != KFB_LOG_WARN || strcmp(facility, "mapper")) return;
    warnings++;
    snprintf(last_warning, sizeof last_warning, "%s", line);
}

TEST(evolve_none_warns_once_per_writer_schema) {
    kfb_schema_source_t *src = schemas();
    kfb_table_desc_t *td = kfb_table_desc_parse(USERS, strlen(USERS), err, sizeof err);
    ASSERT_TRUE(td != NULL);
    kfb_log_set_sink(sink, NULL);
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "users";
    cfg.warn_fields_without_column = 1;
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof err);
    ASSERT_TRUE(m != NULL);
    warnings = 0;
    ASSERT_OK(kfb_mapper_prepare(m, 1, err, sizeof err));
    ASSERT_EQ_INT(warnings, 0);
    ASSERT_OK(kfb_mapper_prepare(m, 2, err, sizeof err));
    ASSERT_EQ_INT(warnings, 4); /* addr.zip, email, age, tags */
    ASSERT_CONTAINS(last_warning, "topic users: writer schema 2: field User.tags has no column, so its values are not "
                                  "written; add the column (or evolve: add_columns), or list the field in ignore");
    ASSERT_OK(kfb_mapper_prepare(m, 2, err, sizeof err)); /* compiled once */
    ASSERT_EQ_INT(warnings, 4);
    kfb_mapper_destroy(m);
    /* without the flag (evolve: add_columns, or a tool), no warning */
    cfg.warn_fields_without_column = 0;
    m = kfb_mapper_new(td, src, &cfg, err, sizeof err);
    ASSERT_OK(kfb_mapper_prepare(m, 2, err, sizeof err));
    ASSERT_EQ_INT(warnings, 4);
    kfb_mapper_destroy(m);
    /* Debezium: `before` and `after` share the record; each field is warned about once */
    const char *env = "{\"type\":\"record\",\"name\":\"Env\",\"fields\":["
                      "{\"name\":\"before\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"V\",\"fields\":["
                      F_ID "," F_CODE ",{\"name\":\"extra\",\"type\":\"long\"}]}]},"
                      "{\"name\":\"after\",\"type\":[\"null\",\"V\"]},{\"name\":\"op\",\"type\":\"string\"},"
                      "{\"name\":\"ts_ms\",\"type\":[\"null\",\"long\"]}]}";
    ASSERT_OK(kfb_schema_source_add(src, 9, env, strlen(env), err, sizeof err));
    cfg.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    cfg.warn_fields_without_column = 1;
    m = kfb_mapper_new(td, src, &cfg, err, sizeof err);
    ASSERT_OK(kfb_mapper_prepare(m, 9, err, sizeof err));
    ASSERT_EQ_INT(warnings, 5);
    ASSERT_CONTAINS(last_warning, "field Env.after.V.extra has no column");
    kfb_mapper_destroy(m);
    kfb_log_set_sink(NULL, NULL);
    kfb_table_desc_destroy(td);
    kfb_schema_source_destroy(src);
}
