/* fuzz_table_create.c - arbitrary Avro schema text (what a schema registry may hand the
 * bridge) through the table a mapping creates from it (table_create.h) and through the
 * comparison with a live table (table_evolve.h): no crash or leak, every refusal has a
 * sentence, and every table made is one the descriptor parser accepts, equal to itself,
 * renderable as Flink SQL, and taken by the mapper or refused with a plan error. */
#include <stdlib.h>
#include <string.h>

#include "logging.h"
#include "mapper.h"
#include "table_create.h"
#include "table_evolve.h"

/* a live table for the evolution diff: id BIGINT NOT NULL (PK), name STRING */
static const char *LIVE =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"BIGINT\",\"nullable\":false},\"id\":0},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"},\"id\":1}],\"primary_key\":[\"id\"],"
    "\"highest_field_id\":1},\"partition_key\":[],\"bucket_key\":[\"id\"],\"bucket_count\":2,"
    "\"properties\":{},\"custom_properties\":{}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int quiet;
    if (!quiet) {
        kfb_log_set_level(KFB_LOG_ERROR);
        quiet = 1;
    }
    char err[1024];
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    if (!src) abort();
    if (kfb_schema_source_add(src, 1, (const char *)data, size, err, sizeof err)) {
        kfb_schema_source_destroy(src);
        return 0;
    }
    const kfb_avro_schema_t *s = NULL;
    if (kfb_schema_source_get(src, 1, &s, err, sizeof err)) abort();
    const kfb_avro_node_t *root = kfb_avro_schema_root(s);
    /* primary key: the first field, if there is one */
    kfb_table_create_opts_t o;
    kfb_table_create_opts_init(&o);
    const char *pk = root->type == KFB_AVRO_RECORD && root->n_fields ? root->fields[0].name : "id";
    o.primary_key = &pk;
    o.n_primary_key = 1;
    o.bucket_count = 2;
    char *json = NULL;
    err[0] = '\0';
    kfb_err_t e = kfb_table_create_json(s, NULL, &o, &json, err, sizeof err);
    if (e) {
        if (json || !err[0]) abort();
    } else {
        kfb_table_desc_t *td = kfb_table_desc_parse(json, strlen(json), err, sizeof err);
        if (!td) abort();
        char diff[256];
        if (kfb_table_create_differs(td, td, diff, sizeof diff)) abort();
        char *sql = kfb_table_flink_sql(td, "db", "t");
        if (!sql || strncmp(sql, "CREATE TABLE `db`.`t` (", 23)) abort();
        free(sql);
        kfb_mapper_config_t cfg;
        kfb_mapper_config_init(&cfg);
        kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof err);
        if (!m) abort();
        e = kfb_mapper_prepare(m, 1, err, sizeof err);
        if (e && e != KFB_ERR_MAPPER_PLAN) abort();
        kfb_mapper_destroy(m);
        kfb_table_desc_destroy(td);
        free(json);
    }
    kfb_evolve_diff_t *d = NULL;
    e = kfb_table_evolve_diff(LIVE, strlen(LIVE), src, 1, &o, &d, err, sizeof err);
    if (!e) {
        if (!d || (d->n_add && !d->blocked && !d->evolved_json)) abort();
        kfb_fluss_column_add_t cols[4];
        if (kfb_evolve_alter_columns(d, cols, 4) != d->n_add) abort();
        kfb_evolve_diff_destroy(d);
    } else if (d) {
        abort();
    }
    kfb_schema_source_destroy(src);
    return 0;
}
