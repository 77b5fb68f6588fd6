/*
 * fluss-create-tables - creates the databases and tables of a tables file in a Fluss
 * cluster: Fluss has no command-line client, and the bridge writes only into tables that
 * exist. The compose stack (docker/docker-compose.yml) runs it once before the bridge.
 *
 *   fluss-create-tables --bootstrap HOST:PORT --tables FILE [--wait SECONDS]
 *
 * FILE is the Fluss test server's tables file (conf/quickstart/tables.json; format in
 * tests/support/fluss_ts_tables.c): for each entry, CreateDatabase (ignore if it exists),
 * then CreateTable with the entry's "descriptor" (the TableDescriptor JSON, fluss-protocol.md
 * §5.1; ignore if it exists; an entry's "bucket_count" is written into it when the
 * descriptor has none), then GetTableInfo to show the table id. A freshly started cluster
 * may refuse for a while (no tablet server registered yet): each step is retried once a
 * second for up to --wait seconds (default 120). Exit 0 when every table exists, 1 on
 * failure (the reason on stderr), 2 on bad options.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fluss_client.h"

#define CALL_TIMEOUT_MS 10000

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f) {
    fprintf(f, "usage: fluss-create-tables --bootstrap HOST:PORT --tables FILE [--wait SECONDS]\n"
               "Creates the databases and tables of a tables file (conf/quickstart/tables.json).\n");
}

/* One table: database, then table, then its info; retried until the deadline. */
static int create_one(kfb_fluss_client_t *c, const char *db, const char *tb, const char *json, int64_t deadline) {
    char err[1024] = "";
    for (;;) {
        kfb_fluss_table_info_t *info = NULL;
        kfb_err_t e = kfb_fluss_client_create_database(c, db, 1, CALL_TIMEOUT_MS, err, sizeof err);
        if (!e) e = kfb_fluss_client_create_table(c, db, tb, json, 1, CALL_TIMEOUT_MS, err, sizeof err);
        if (!e) e = kfb_fluss_client_get_table(c, db, tb, CALL_TIMEOUT_MS, &info, err, sizeof err);
        if (!e) {
            printf("table %s.%s: id %" PRId64 ", %d buckets\n", db, tb, info->table_id, (int)info->bucket_count);
            kfb_fluss_table_info_free(info);
            return 0;
        }
        if (mono_ms() >= deadline) {
            fprintf(stderr, "fluss-create-tables: %s.%s: %s\n", db, tb, err[0] ? err : kfb_err_message(e));
            return -1;
        }
        fprintf(stderr, "fluss-create-tables: %s.%s: %s; retrying\n", db, tb, err[0] ? err : kfb_err_message(e));
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL, *tables = NULL;
    long wait_s = 120;
    static const struct option opts[] = {
        {"bootstrap", required_argument, 0, 'b'}, {"tables", required_argument, 0, 't'},
        {"wait", required_argument, 0, 'w'},      {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (o) {
        case 'b': bootstrap = optarg; break;
        case 't': tables = optarg; break;
        case 'w':
            wait_s = strtol(optarg, &end, 10);
            if (*end || wait_s < 0 || wait_s > 86400) {
                fprintf(stderr, "fluss-create-tables: --wait '%s' is not 0..86400 seconds\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!bootstrap || !tables || optind < argc) {
        usage(stderr);
        return 2;
    }
    json_error_t je;
    json_t *root = json_load_file(tables, 0, &je);
    json_t *list = root ? json_object_get(root, "tables") : NULL;
    if (!json_is_array(list)) {
        fprintf(stderr, "fluss-create-tables: %s: %s\n", tables,
                root ? "expected {\"tables\": [...]}" : je.text);
        json_decref(root);
        return 1;
    }
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = bootstrap;
    char err[1024];
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, err, sizeof err);
    if (!c) {
        fprintf(stderr, "fluss-create-tables: %s\n", err);
        json_decref(root);
        return 1;
    }
    int64_t deadline = mono_ms() + (int64_t)wait_s * 1000;
    int rc = 0;
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        const char *db = json_string_value(json_object_get(e, "database"));
        const char *tb = json_string_value(json_object_get(e, "table"));
        json_t *desc = json_object_get(e, "descriptor");
        if (!db || !tb || !json_is_object(desc)) {
            fprintf(stderr, "fluss-create-tables: %s: entry %zu needs \"database\", \"table\" and \"descriptor\"\n",
                    tables, i);
            rc = 1;
            break;
        }
        json_t *bc = json_object_get(e, "bucket_count");
        if (json_is_integer(bc) && !json_object_get(desc, "bucket_count")) json_object_set(desc, "bucket_count", bc);
        char *text = json_dumps(desc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!text || create_one(c, db, tb, text, deadline)) rc = 1;
        free(text);
        if (rc) break;
    }
    kfb_fluss_client_destroy(c);
    json_decref(root);
    return rc;
}
