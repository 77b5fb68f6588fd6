/*
 * fluss_ts_control.c - the line-based text control protocol of the Fluss test
 * server, used by the standalone binary's control port / stdin so a test in
 * another process can script faults and read state.
 *
 * One command per line; words separated by blanks. Every reply is one line
 * starting with "OK" or "ERR <sentence>", except that `batches` follows its
 * "OK <n>" line with n more lines.
 *
 *   help                               list the commands
 *   ports                              OK coordinator=P tablet0=P tablet1=P ...
 *   table-id DB TABLE                  OK <id>            (ERR when absent)
 *   add-table DB TABLE BUCKETS LEADERS DESCRIPTOR_JSON
 *                                      BUCKETS 0 = from the descriptor; LEADERS "-"
 *                                      (round robin) or "0,1,0"; the JSON is the rest
 *                                      of the line
 *   load-tables PATH                   a tables file (format in fluss_ts_tables.c)
 *   add-partition DB TABLE NAME        NAME = values joined by '$'; OK <partition id>
 *   dump DB TABLE                      OK <table JSON> (kfb_fts_dump_table_json)
 *   alter-table DB TABLE add-column NAME TYPE [NOT NULL] [add-column ...]
 *                                      AlterTable with these add_columns (all or
 *                                      none, at the end); OK <new schema id>, or
 *                                      ERR <Fluss error name> (<code>): <message>.
 *                                      TYPE: BOOLEAN, TINYINT, SMALLINT, INT, BIGINT,
 *                                      FLOAT, DOUBLE, STRING, BYTES, DATE, CHAR(n),
 *                                      BINARY(n), DECIMAL(p,s), TIME(p), TIMESTAMP(p),
 *                                      TIMESTAMP_LTZ(p), or DataTypeJsonSerde JSON
 *                                      without blanks ({"type":"STRING"})
 *   schema DB TABLE [ID]               OK <schema JSON> of that schema id (default:
 *                                      the latest), as GetTableSchema answers
 *   stats                              OK <stats JSON> (kfb_fts_stats_json)
 *   fault KIND [key=value ...]         KIND: error, delay, drop-before, drop-after,
 *                                      server-failure, no-response. Keys:
 *                                      api=KEY|NAME|any (1016 or PutKv), node=N|coordinator|any,
 *                                      table=ID, bucket=B, code=C, delay=MS,
 *                                      count=N (-1 = until cleared), after_apply=0|1,
 *                                      skip=N (let N matches pass first)
 *   clear-faults                       remove every armed fault
 *   faults                             OK <number still armed>
 *   batches                            OK <n>, then n lines of kfb_fts_batch_log
 *   move-leader TABLE_ID BUCKET NODE   new leader (-1 = none), epoch + 1
 *   refuse NODE|any MS                 close the listener for MS ms
 *   drop-connections NODE|any          close open connections now
 *   quit                               (binary only) stop the server and exit
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fluss_ts_internal.h"

static char *reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *reply(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0) p = NULL;
    va_end(ap);
    return p;
}

/* Appends "\n" to a malloc'ed JSON/body and prefixes "OK ". */
static char *reply_ok_owned(char *body) {
    if (!body) return reply("ERR not found\n");
    char *r = reply("OK %s\n", body);
    free(body);
    return r;
}

static int next_word(const char **p, char *w, size_t n) {
    const char *s = *p;
    while (*s == ' ' || *s == '\t') s++;
    size_t k = 0;
    while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
        if (k + 1 < n) w[k++] = *s;
        s++;
    }
    w[k] = 0;
    *p = s;
    return k > 0;
}

static bool parse_int(const char *w, long long *out) {
    char *end;
    long long v = strtoll(w, &end, 10);
    if (!*w || *end) return false;
    *out = v;
    return true;
}

static bool parse_node(const char *w, int *node) {
    long long v;
    if (strcasecmp(w, "any") == 0) *node = KFB_FTS_ANY;
    else if (strcasecmp(w, "coordinator") == 0) *node = KFB_FTS_COORDINATOR;
    else if (parse_int(w, &v) && v >= -2 && v < KFB_FTS_MAX_TABLET_SERVERS) *node = (int)v;
    else return false;
    return true;
}

static bool parse_api(const char *w, int *api) {
    long long v;
    if (strcasecmp(w, "any") == 0) {
        *api = KFB_FTS_ANY;
        return true;
    }
    if (parse_int(w, &v)) {
        *api = (int)v;
        return v >= 0 && v < 32768;
    }
    for (int k = 1000; k < 1100; k++) {
        if (strcasecmp(kfb_rpc_api_name(k), w) == 0) {
            *api = k;
            return true;
        }
    }
    return false;
}

/* TYPE of alter-table as DataTypeJsonSerde JSON into out; false when unknown. */
static bool type_json_of(const char *w, bool not_null, char *out, size_t n) {
    static const struct {
        const char *name, *json;
    } simple[] = {{"BOOLEAN", "BOOLEAN"}, {"TINYINT", "TINYINT"}, {"SMALLINT", "SMALLINT"},
                  {"INT", "INTEGER"},     {"INTEGER", "INTEGER"}, {"BIGINT", "BIGINT"},
                  {"FLOAT", "FLOAT"},     {"DOUBLE", "DOUBLE"},   {"STRING", "STRING"},
                  {"BYTES", "BYTES"},     {"DATE", "DATE"}};
    const char *nn = not_null ? ",\"nullable\":false" : "";
    int a, b, k = -1;
    char close;
    if (w[0] == '{') {
        if (not_null) return false; /* write "nullable":false in the JSON itself */
        k = snprintf(out, n, "%s", w);
    }
    for (size_t i = 0; k < 0 && i < sizeof(simple) / sizeof(simple[0]); i++)
        if (strcasecmp(w, simple[i].name) == 0)
            k = snprintf(out, n, "{\"type\":\"%s\"%s}", simple[i].json, nn);
    if (k < 0 && sscanf(w, "DECIMAL(%d,%d%c", &a, &b, &close) == 3 && close == ')')
        k = snprintf(out, n, "{\"type\":\"DECIMAL\"%s,\"precision\":%d,\"scale\":%d}", nn, a, b);
    static const struct {
        const char *prefix, *root, *param;
    } sized[] = {{"CHAR(", "CHAR", "length"},
                 {"BINARY(", "BINARY", "length"},
                 {"TIME(", "TIME_WITHOUT_TIME_ZONE", "precision"},
                 {"TIMESTAMP(", "TIMESTAMP_WITHOUT_TIME_ZONE", "precision"},
                 {"TIMESTAMP_LTZ(", "TIMESTAMP_WITH_LOCAL_TIME_ZONE", "precision"}};
    for (size_t i = 0; k < 0 && i < sizeof(sized) / sizeof(sized[0]); i++) {
        size_t pl = strlen(sized[i].prefix);
        if (strncasecmp(w, sized[i].prefix, pl) == 0 && sscanf(w + pl, "%d%c", &a, &close) == 2 &&
            close == ')')
            k = snprintf(out, n, "{\"type\":\"%s\"%s,\"%s\":%d}", sized[i].root, nn,
                         sized[i].param, a);
    }
    return k > 0 && (size_t)k < n;
}

#define ALTER_MAX_COLUMNS 16

static char *cmd_alter_table(kfb_fts_t *s, const char *p) {
    static const char usage[] = "ERR usage: alter-table DB TABLE add-column NAME TYPE [NOT NULL] "
                                "[add-column NAME TYPE [NOT NULL] ...]\n";
    char db[256], tb[256], w[512];
    char names[ALTER_MAX_COLUMNS][256], types[ALTER_MAX_COLUMNS][600];
    const char *pn[ALTER_MAX_COLUMNS], *pt[ALTER_MAX_COLUMNS];
    size_t n = 0;
    if (!next_word(&p, db, sizeof(db)) || !next_word(&p, tb, sizeof(tb))) return reply(usage);
    bool have = next_word(&p, w, sizeof(w));
    while (have) {
        if (strcmp(w, "add-column") != 0) return reply(usage);
        if (n == ALTER_MAX_COLUMNS) return reply("ERR at most %d columns per alter-table\n",
                                                 ALTER_MAX_COLUMNS);
        char type[512];
        if (!next_word(&p, names[n], sizeof(names[n])) || !next_word(&p, type, sizeof(type)))
            return reply(usage);
        bool not_null = false;
        have = next_word(&p, w, sizeof(w));
        if (have && strcasecmp(w, "NOT") == 0) {
            if (!next_word(&p, w, sizeof(w)) || strcasecmp(w, "NULL") != 0) return reply(usage);
            not_null = true;
            have = next_word(&p, w, sizeof(w));
        }
        if (!type_json_of(type, not_null, types[n], sizeof(types[n])))
            return reply("ERR unknown column type '%s' (BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, "
                         "FLOAT, DOUBLE, STRING, BYTES, DATE, CHAR(n), BINARY(n), DECIMAL(p,s), "
                         "TIME(p), TIMESTAMP(p), TIMESTAMP_LTZ(p), or type JSON)\n", type);
        pn[n] = names[n];
        pt[n] = types[n];
        n++;
    }
    if (n == 0) return reply(usage);
    char msg[1024];
    int32_t sid = 0;
    int code = kfb_fts_alter_add_columns(s, db, tb, pn, pt, n, &sid, msg, sizeof(msg));
    if (code != KFB_FLUSS_NONE) return reply("ERR %s (%d): %s\n", kfb_fluss_err_name(code), code, msg);
    return reply("OK %d\n", (int)sid);
}

static const char *const kinds[] = {"error", "delay", "drop-before", "drop-after",
                                    "server-failure", "no-response"};

static char *cmd_fault(kfb_fts_t *s, const char *p) {
    char w[256];
    if (!next_word(&p, w, sizeof(w))) return reply("ERR fault needs a kind: error, delay, "
                                                   "drop-before, drop-after, server-failure, "
                                                   "no-response\n");
    int kind = -1;
    for (int i = 0; i < 6; i++)
        if (strcasecmp(w, kinds[i]) == 0) kind = i;
    if (kind < 0) return reply("ERR unknown fault kind '%s'\n", w);
    kfb_fts_fault_t f = kfb_fts_fault_default((kfb_fts_fault_kind_t)kind);
    while (next_word(&p, w, sizeof(w))) {
        char *eq = strchr(w, '=');
        if (!eq) return reply("ERR expected key=value, got '%s'\n", w);
        *eq = 0;
        const char *k = w, *v = eq + 1;
        long long n;
        bool ok = true;
        if (strcmp(k, "api") == 0) ok = parse_api(v, &f.api_key);
        else if (strcmp(k, "node") == 0) ok = parse_node(v, &f.node);
        else if (strcmp(k, "table") == 0) ok = parse_int(v, &n) && (f.table_id = n, true);
        else if (strcmp(k, "bucket") == 0) ok = parse_int(v, &n) && (f.bucket = (int)n, true);
        else if (strcmp(k, "code") == 0) ok = parse_int(v, &n) && (f.error_code = (int)n, true);
        else if (strcmp(k, "delay") == 0) ok = parse_int(v, &n) && (f.delay_ms = (int)n, true);
        else if (strcmp(k, "count") == 0) ok = parse_int(v, &n) && (f.count = (int)n, true);
        else if (strcmp(k, "after_apply") == 0) ok = parse_int(v, &n) && (f.after_apply = (int)n, true);
        else if (strcmp(k, "skip") == 0)
            ok = parse_int(v, &n) && n >= 0 && n <= INT32_MAX && (f.skip = (int)n, true);
        else return reply("ERR unknown fault key '%s' (api, node, table, bucket, code, delay, "
                          "count, after_apply, skip)\n", k);
        if (!ok) return reply("ERR bad value '%s' for %s\n", v, k);
    }
    char err[256];
    if (kfb_fts_inject(s, &f, err, sizeof(err)) != KFB_ERR_OK) return reply("ERR %s\n", err);
    return reply("OK\n");
}

char *kfb_fts_control(kfb_fts_t *s, const char *line) {
    const char *p = line;
    char cmd[64], a[256], b[256], c[64], d[256];
    long long n1, n2, n3;
    if (!next_word(&p, cmd, sizeof(cmd))) return reply("ERR empty command; try 'help'\n");
    if (strcmp(cmd, "help") == 0)
        return reply("OK commands: ports, table-id, add-table, add-partition, load-tables, dump, "
                     "alter-table, schema, stats, fault, clear-faults, faults, batches, "
                     "move-leader, refuse, drop-connections, quit\n");
    if (strcmp(cmd, "ports") == 0) {
        char buf[512];
        int off = snprintf(buf, sizeof(buf), "OK coordinator=%d", kfb_fts_port(s, KFB_FTS_COORDINATOR));
        for (int i = 0; i < s->n_tablets; i++)
            off += snprintf(buf + off, sizeof(buf) - (size_t)off, " tablet%d=%d", i, kfb_fts_port(s, i));
        return reply("%s\n", buf);
    }
    if (strcmp(cmd, "table-id") == 0) {
        if (!next_word(&p, a, sizeof(a)) || !next_word(&p, b, sizeof(b)))
            return reply("ERR usage: table-id DB TABLE\n");
        int64_t id = kfb_fts_table_id(s, a, b);
        if (id < 0) return reply("ERR table %s.%s does not exist\n", a, b);
        return reply("OK %lld\n", (long long)id);
    }
    if (strcmp(cmd, "add-table") == 0) {
        if (!next_word(&p, a, sizeof(a)) || !next_word(&p, b, sizeof(b)) ||
            !next_word(&p, c, sizeof(c)) || !parse_int(c, &n1) || !next_word(&p, d, sizeof(d)))
            return reply("ERR usage: add-table DB TABLE BUCKETS LEADERS|- DESCRIPTOR_JSON\n");
        int leaders[4096], nl = 0;
        if (strcmp(d, "-") != 0) {
            char *save = NULL;
            for (char *t = strtok_r(d, ",", &save); t && nl < 4096; t = strtok_r(NULL, ",", &save)) {
                if (!parse_int(t, &n2)) return reply("ERR bad leader list '%s'\n", d);
                leaders[nl++] = (int)n2;
            }
            if (n1 == 0) n1 = nl;
            if (nl != n1) return reply("ERR %d leaders for %lld buckets\n", nl, n1);
        }
        while (*p == ' ' || *p == '\t') p++;
        char err[512];
        int64_t id;
        if (kfb_fts_add_table(s, a, b, p, (int)n1, nl ? leaders : NULL, &id, err, sizeof(err)) !=
            KFB_ERR_OK)
            return reply("ERR %s\n", err);
        return reply("OK %lld\n", (long long)id);
    }
    if (strcmp(cmd, "add-partition") == 0) {
        if (!next_word(&p, a, sizeof(a)) || !next_word(&p, b, sizeof(b)) ||
            !next_word(&p, d, sizeof(d)))
            return reply("ERR usage: add-partition DB TABLE NAME\n");
        char err[512];
        int64_t pid;
        if (kfb_fts_add_partition(s, a, b, d, &pid, err, sizeof(err)) != KFB_ERR_OK)
            return reply("ERR %s\n", err);
        return reply("OK %lld\n", (long long)pid);
    }
    if (strcmp(cmd, "load-tables") == 0) {
        if (!next_word(&p, a, sizeof(a))) return reply("ERR usage: load-tables PATH\n");
        char err[512];
        if (kfb_fts_load_tables_file(s, a, err, sizeof(err)) != KFB_ERR_OK)
            return reply("ERR %s\n", err);
        return reply("OK\n");
    }
    if (strcmp(cmd, "dump") == 0) {
        if (!next_word(&p, a, sizeof(a)) || !next_word(&p, b, sizeof(b)))
            return reply("ERR usage: dump DB TABLE\n");
        char *j = kfb_fts_dump_table_json(s, a, b);
        if (!j) return reply("ERR table %s.%s does not exist\n", a, b);
        return reply_ok_owned(j);
    }
    if (strcmp(cmd, "alter-table") == 0) return cmd_alter_table(s, p);
    if (strcmp(cmd, "schema") == 0) {
        if (!next_word(&p, a, sizeof(a)) || !next_word(&p, b, sizeof(b)))
            return reply("ERR usage: schema DB TABLE [SCHEMA_ID]\n");
        n1 = 0;
        if (next_word(&p, c, sizeof(c)) && (!parse_int(c, &n1) || n1 < 1 || n1 > 32767))
            return reply("ERR schema id '%s' is not in 1..32767\n", c);
        char *j = kfb_fts_schema_json(s, a, b, (int32_t)n1);
        if (!j) return reply("ERR table %s.%s has no schema %lld\n", a, b, n1);
        return reply_ok_owned(j);
    }
    if (strcmp(cmd, "stats") == 0) return reply_ok_owned(kfb_fts_stats_json(s));
    if (strcmp(cmd, "fault") == 0) return cmd_fault(s, p);
    if (strcmp(cmd, "clear-faults") == 0) {
        kfb_fts_clear_faults(s);
        return reply("OK\n");
    }
    if (strcmp(cmd, "faults") == 0) return reply("OK %d\n", kfb_fts_faults_pending(s));
    if (strcmp(cmd, "batches") == 0) {
        /* "OK <n>\n" then the n log lines, so a reader knows where it ends */
        char *log = kfb_fts_batch_log(s);
        if (!log) return reply("ERR out of memory\n");
        size_t n = 0;
        for (const char *q = log; *q; q++) n += *q == '\n';
        char *r = reply("OK %zu\n%s", n, log);
        free(log);
        return r;
    }
    if (strcmp(cmd, "move-leader") == 0) {
        if (!next_word(&p, a, sizeof(a)) || !parse_int(a, &n1) || !next_word(&p, b, sizeof(b)) ||
            !parse_int(b, &n2) || !next_word(&p, c, sizeof(c)) || !parse_int(c, &n3))
            return reply("ERR usage: move-leader TABLE_ID BUCKET NODE\n");
        char err[256];
        if (kfb_fts_move_leader(s, n1, -1, (int)n2, (int)n3, err, sizeof(err)) != KFB_ERR_OK)
            return reply("ERR %s\n", err);
        return reply("OK\n");
    }
    if (strcmp(cmd, "refuse") == 0) {
        int node;
        if (!next_word(&p, a, sizeof(a)) || !parse_node(a, &node) || !next_word(&p, b, sizeof(b)) ||
            !parse_int(b, &n1) || n1 < 0 || n1 > 3600000)
            return reply("ERR usage: refuse NODE|coordinator|any MS\n");
        if (kfb_fts_refuse_connections(s, node, (int)n1) != KFB_ERR_OK)
            return reply("ERR no node %s\n", a);
        return reply("OK\n");
    }
    if (strcmp(cmd, "drop-connections") == 0) {
        int node;
        if (!next_word(&p, a, sizeof(a)) || !parse_node(a, &node))
            return reply("ERR usage: drop-connections NODE|coordinator|any\n");
        kfb_fts_drop_connections(s, node);
        return reply("OK\n");
    }
    return reply("ERR unknown command '%s'; try 'help'\n", cmd);
}
