/*
 * explain.c - the `explain` subcommand (usage and output format in explain.h).
 *
 * It runs the same mapper as the bridge, then reads the value row it wrote back with the
 * row reader (compacted_row.h) and renders it with row_json.h, so what is printed is what
 * Fluss would decode, not what we meant to write.
 */
#include "explain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compacted_row.h"
#include "config.h"
#include "confluent.h"
#include "mapper.h"
#include "row_json.h"
#include "schema_registry.h"
#include "table_desc.h"

static void usage(FILE *err) {
    fprintf(err,
            "usage: kafka-fluss-bridge explain --table TABLE.json\n"
            "           (--avro-schema FILE | --schemas-dir DIR) [--key-schema FILE]\n"
            "   or: kafka-fluss-bridge explain --config FILE --mapping NAME [--table TABLE.json]\n"
            "           [--avro-schema FILE | --schemas-dir DIR] [--key-schema FILE]\n"
            "           [--format avro|debezium] [--key-format avro|string|bytes]\n"
            "           [--key HEX] [--key-from-message-key] [--partial-update]\n"
            "           [--rename FIELD=COLUMN]... [--ignore FIELD]... [--union FIELD=BRANCH]...\n"
            "           [MESSAGE_HEX ... | -]\n"
            "\n"
            "Prints one JSON line per Fluss write the bridge would make for each message.\n"
            "Messages are Confluent-framed Avro values in hex; `null` is a tombstone; `-`\n"
            "reads messages from stdin, one per line. Exit status 0 if all messages map.\n"
            "With --config/--mapping the mapping options, the table descriptor\n"
            "(table_descriptor) and the schema source (schemas_dir or schema_registry) come\n"
            "from the bridge's YAML; --table, --avro-schema/--schemas-dir and --key-schema\n"
            "override the file, the other mapping options are refused.\n");
}

/* Hex to bytes; whitespace, ':' and '|' are ignored. Returns 0 or -1. Caller frees. */
static int unhex(const char *s, uint8_t **out, size_t *len) {
    size_t n = strlen(s);
    uint8_t *b = malloc(n / 2 + 1);
    if (!b) return -1;
    size_t k = 0;
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else if (c == ' ' || c == '\t' || c == ':' || c == '|' || c == '\r' || c == '\n') continue;
        else {
            free(b);
            return -1;
        }
        if (hi < 0) hi = v;
        else {
            b[k++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        free(b);
        return -1;
    }
    *out = b;
    *len = k;
    return 0;
}

static void append_str(kfb_buf_t *o, const char *s) { (void)kfb_buf_append(o, s, strlen(s)); }

static int read_file(const char *path, char **out, size_t *len, FILE *err) {
    kfb_buf_t b = KFB_BUF_INIT;
    int sys = 0;
    kfb_err_t e = kfb_buf_read_file(&b, path, 0, &sys);
    if (e) {
        fprintf(err, "explain: cannot open %s: %s\n", path,
                e == KFB_ERR_IO ? strerror(sys) : kfb_err_message(e));
        return -1;
    }
    if (!b.len) {
        fprintf(err, "explain: %s is empty\n", path);
        kfb_buf_free(&b);
        return -1;
    }
    *out = (char *)b.data;
    *len = b.len;
    return 0;
}

typedef struct explain {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    char *value_schema, *key_schema; /* JSON text when given as files */
    size_t value_schema_len, key_schema_len;
    uint8_t *key;
    size_t key_len;
    kfb_value_t *values;
    kfb_buf_t row, line;
    FILE *out;
    int failed;
    long n;
} explain_t;

/* With --avro-schema/--key-schema, registers the file under whatever id the framing names. */
static void ensure_schema(explain_t *x, const uint8_t *msg, size_t len, const char *json,
                          size_t json_len) {
    if (!json || !msg || len < KFB_CONFLUENT_HEADER_SIZE || msg[0] != KFB_CONFLUENT_MAGIC) return;
    int32_t id = (int32_t)((uint32_t)msg[1] << 24 | (uint32_t)msg[2] << 16 | (uint32_t)msg[3] << 8 | msg[4]);
    const kfb_avro_schema_t *s;
    char e[256];
    if (kfb_schema_source_get(x->src, id, &s, e, sizeof(e)) == KFB_ERR_OK) return;
    (void)kfb_schema_source_add(x->src, id, json, json_len, e, sizeof(e));
}

static void print_error(explain_t *x, kfb_err_t e, const char *msg) {
    kfb_buf_reset(&x->line);
    append_str(&x->line, "{\"error\":");
    (void)kfb_json_append_string(&x->line, (const uint8_t *)msg, strlen(msg));
    append_str(&x->line, ",\"class\":\"");
    append_str(&x->line, kfb_err_class_name(kfb_err_class(e)));
    append_str(&x->line, "\"}\n");
    fwrite(x->line.data, 1, x->line.len, x->out);
    x->failed = 1;
}

static void explain_one(explain_t *x, const uint8_t *value, size_t value_len) {
    char err[1024] = "";
    kfb_mapper_result_t res;
    kfb_origin_t o = {"explain", 0, x->n++};
    ensure_schema(x, value, value_len, x->value_schema, x->value_schema_len);
    ensure_schema(x, x->key, x->key_len, x->key_schema, x->key_schema_len);
    kfb_err_t e = kfb_mapper_map(x->m, x->key, x->key_len, value, value_len, &o, &res, err,
                                 sizeof(err));
    if (e) {
        print_error(x, e, err);
        return;
    }
    const kfb_table_desc_t *td = x->td;
    for (size_t i = 0; i < res.n; i++) {
        const kfb_mapped_t *r = &res.out[i];
        kfb_buf_reset(&x->row);
        if (r->op == KFB_OP_UPSERT) {
            e = kfb_mapper_write_value(x->m, &res, i, &x->row, err, sizeof(err));
            if (e) {
                print_error(x, e, err);
                return;
            }
        }
        kfb_buf_t *l = &x->line;
        kfb_buf_reset(l);
        append_str(l, "{\"op\":\"");
        append_str(l, kfb_op_name(r->op));
        append_str(l, "\",\"key\":");
        if (r->key) (void)kfb_json_append_hex(l, r->key, r->key_len);
        else append_str(l, "null");
        append_str(l, ",\"value\":");
        if (r->op == KFB_OP_UPSERT) (void)kfb_json_append_hex(l, x->row.data, x->row.len);
        else append_str(l, "null");
        char num[32];
        if (r->key) snprintf(num, sizeof(num), "%d", (int)r->bucket);
        else snprintf(num, sizeof(num), "null");
        append_str(l, ",\"bucket\":");
        append_str(l, num);
        append_str(l, ",\"partition\":");
        if (r->partition) (void)kfb_json_append_string(l, (const uint8_t *)r->partition, strlen(r->partition));
        else append_str(l, "null");
        append_str(l, ",\"row\":");
        if (r->op == KFB_OP_UPSERT) {
            e = kfb_row_decode(td->column_types, td->column_count, x->row.data, x->row.len,
                               x->values, err, sizeof(err));
            if (e) {
                print_error(x, e, err);
                return;
            }
            (void)kfb_row_json_append_row(l, td->column_names, td->column_types, x->values,
                                          td->column_count);
        } else if (r->key && kfb_mapper_key_is_compacted(x->m)) {
            /* a delete: show the key columns, when the key is in the compacted format */
            kfb_datatype_t types[64];
            const char *names[64];
            size_t nk = td->physical_primary_key_count;
            int ok = nk <= 64;
            for (size_t k = 0; ok && k < nk; k++) {
                types[k] = td->column_types[td->physical_primary_key[k]];
                names[k] = td->column_names[td->physical_primary_key[k]];
            }
            if (ok && kfb_key_decode(types, nk, r->key, r->key_len, x->values, NULL, 0) == KFB_ERR_OK)
                (void)kfb_row_json_append_row(l, names, types, x->values, nk);
            else append_str(l, "null");
        } else {
            append_str(l, "null");
        }
        append_str(l, "}\n");
        fwrite(l->data, 1, l->len, x->out);
    }
}

static void explain_text(explain_t *x, const char *text, FILE *err) {
    while (*text == ' ' || *text == '\t') text++;
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ')) n--;
    char *t = strndup(text, n);
    if (!t) return;
    if (!strcmp(t, "null")) {
        explain_one(x, NULL, 0);
    } else {
        uint8_t *b;
        size_t len;
        if (unhex(t, &b, &len) != 0) {
            char msg[256];
            snprintf(msg, sizeof(msg), "message %ld is not hex (or the word null)", x->n++);
            print_error(x, KFB_ERR_CORRUPT, msg);
            x->failed = 1;
        } else {
            explain_one(x, b, len);
            free(b);
        }
    }
    (void)err;
    free(t);
}

int kfb_explain_main(int argc, char **argv, FILE *in, FILE *out, FILE *err) {
    const char *table = NULL, *avro_schema = NULL, *schemas_dir = NULL, *key_schema = NULL;
    const char *key_hex = NULL, *config_file = NULL, *mapping_name = NULL;
    int mapping_flags = 0; /* mapping options given as flags (refused with --config) */
    kfb_config_t *conf = NULL;
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "explain";
    int first_msg = argc;
    /* repeatable options; at most argc of each */
    kfb_mapper_rename_t *renames = calloc((size_t)argc, sizeof(*renames));
    kfb_mapper_union_rule_t *unions = calloc((size_t)argc, sizeof(*unions));
    const char **ignores = calloc((size_t)argc, sizeof(*ignores));
    char **owned = calloc((size_t)argc, sizeof(*owned)); /* split "a=b" copies */
    size_t n_owned = 0;
    int rc = 2;
    explain_t x;
    memset(&x, 0, sizeof(x));
    x.out = out;
    if (!renames || !unions || !ignores || !owned) goto done;
    cfg.renames = renames;
    cfg.union_rules = unions;
    cfg.ignore = ignores;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(out);
            rc = 0;
            goto done;
        }
        if (!strcmp(a, "--partial-update")) {
            cfg.partial_update = 1;
            mapping_flags = 1;
            i--;
            continue;
        }
        if (!strcmp(a, "--key-from-message-key")) {
            cfg.key_from_message_key = 1;
            mapping_flags = 1;
            i--;
            continue;
        }
        if (a[0] != '-' || !strcmp(a, "-")) {
            first_msg = i;
            break;
        }
        if (!strcmp(a, "--")) {
            first_msg = i + 1;
            break;
        }
        if (!v) {
            fprintf(err, "explain: %s needs a value\n", a);
            usage(err);
            goto done;
        }
        if (!strcmp(a, "--rename") || !strcmp(a, "--union") || !strcmp(a, "--ignore") ||
            !strcmp(a, "--format") || !strcmp(a, "--key-format"))
            mapping_flags = 1;
        if (!strcmp(a, "--rename") || !strcmp(a, "--union")) {
            const char *eq = strchr(v, '=');
            char *copy = strdup(v);
            if (!eq || eq == v || !eq[1] || !copy) {
                free(copy);
                fprintf(err, "explain: %s takes FIELD=%s, not '%s'\n", a,
                        a[2] == 'r' ? "COLUMN" : "BRANCH", v);
                goto done;
            }
            owned[n_owned++] = copy;
            copy[eq - v] = '\0';
            if (a[2] == 'r') {
                renames[cfg.n_renames].field = copy;
                renames[cfg.n_renames++].column = copy + (eq - v) + 1;
            } else {
                unions[cfg.n_union_rules].field = copy;
                unions[cfg.n_union_rules++].branch = copy + (eq - v) + 1;
            }
            continue;
        }
        if (!strcmp(a, "--ignore")) {
            ignores[cfg.n_ignore++] = v;
            continue;
        }
        if (!strcmp(a, "--table")) table = v;
        else if (!strcmp(a, "--avro-schema")) avro_schema = v;
        else if (!strcmp(a, "--schemas-dir")) schemas_dir = v;
        else if (!strcmp(a, "--key-schema")) key_schema = v;
        else if (!strcmp(a, "--key")) key_hex = v;
        else if (!strcmp(a, "--config")) config_file = v;
        else if (!strcmp(a, "--mapping")) mapping_name = v;
        else if (!strcmp(a, "--format")) {
            if (!strcmp(v, "avro")) cfg.format = KFB_MAPPER_FORMAT_AVRO;
            else if (!strcmp(v, "debezium")) cfg.format = KFB_MAPPER_FORMAT_DEBEZIUM;
            else {
                fprintf(err, "explain: --format must be avro or debezium, not '%s'\n", v);
                goto done;
            }
        } else if (!strcmp(a, "--key-format")) {
            if (!strcmp(v, "avro")) cfg.key_format = KFB_MAPPER_KEY_AVRO;
            else if (!strcmp(v, "string")) cfg.key_format = KFB_MAPPER_KEY_STRING;
            else if (!strcmp(v, "bytes")) cfg.key_format = KFB_MAPPER_KEY_BYTES;
            else {
                fprintf(err, "explain: --key-format must be avro, string or bytes, not '%s'\n", v);
                goto done;
            }
        } else {
            fprintf(err, "explain: unknown option '%s'\n", a);
            usage(err);
            goto done;
        }
    }
    char e[1024];
    if (config_file || mapping_name) {
        if (!config_file || !mapping_name) {
            fprintf(err, "explain: --config and --mapping go together\n");
            usage(err);
            goto done;
        }
        if (mapping_flags) {
            fprintf(err, "explain: with --config, the mapping options (--format, --key-format, --rename, "
                         "--ignore, --union, --partial-update, --key-from-message-key) come from the mapping "
                         "'%s'; edit the file instead\n", mapping_name);
            goto done;
        }
        conf = kfb_config_load_file(config_file, e, sizeof(e));
        if (!conf) {
            fprintf(err, "explain: %s\n", e);
            goto done;
        }
        const kfb_config_mapping_t *mp = kfb_config_find_mapping(conf, mapping_name);
        if (!mp) {
            fprintf(err, "explain: %s has no mapping named '%s'; it has:", config_file, mapping_name);
            for (size_t k = 0; k < kfb_config_mapping_count(conf); k++)
                fprintf(err, " %s", kfb_config_mapping_at(conf, k)->name);
            fprintf(err, "\n");
            goto done;
        }
        kfb_config_mapper_config(mp, &cfg);
        if (!table) table = mp->table_descriptor;
        if (!table) {
            fprintf(err, "explain: mapping '%s' has no table_descriptor; give --table TABLE.json\n", mapping_name);
            goto done;
        }
        if (!avro_schema && !schemas_dir) {
            x.src = kfb_config_schema_source_new(conf, e, sizeof(e));
            if (!x.src) {
                fprintf(err, "explain: %s: %s\n", config_file, e);
                goto done;
            }
        }
    }
    if (!table || (!x.src && !avro_schema && !schemas_dir) || (avro_schema && schemas_dir)) {
        fprintf(err, "explain: give --table and exactly one of --avro-schema or --schemas-dir\n");
        usage(err);
        goto done;
    }
    x.td = kfb_table_desc_load_file(table, e, sizeof(e));
    if (!x.td) {
        fprintf(err, "explain: %s\n", e);
        goto done;
    }
    if (x.src) {
        /* from the configuration */
    } else if (schemas_dir) {
        x.src = kfb_schema_source_dir_new(schemas_dir, e, sizeof(e));
        if (!x.src) {
            fprintf(err, "explain: %s\n", e);
            goto done;
        }
    } else {
        x.src = kfb_schema_source_memory_new();
        if (!x.src || read_file(avro_schema, &x.value_schema, &x.value_schema_len, err) != 0) goto done;
        /* parse once up front so a broken schema file is a setup error */
        kfb_avro_schema_t *s;
        if (kfb_avro_schema_parse(x.value_schema, x.value_schema_len, &s, e, sizeof(e)) != KFB_ERR_OK) {
            fprintf(err, "explain: %s: %s\n", avro_schema, e);
            goto done;
        }
        kfb_avro_schema_destroy(s);
    }
    if (key_schema && read_file(key_schema, &x.key_schema, &x.key_schema_len, err) != 0) goto done;
    if (key_hex && unhex(key_hex, &x.key, &x.key_len) != 0) {
        fprintf(err, "explain: --key is not hex\n");
        goto done;
    }
    x.values = calloc(x.td->column_count, sizeof(kfb_value_t));
    if (!x.values) goto done;
    x.m = kfb_mapper_new(x.td, x.src, &cfg, e, sizeof(e));
    if (!x.m) {
        fprintf(err, "explain: %s: %s\n", table, e);
        goto done;
    }
    if (first_msg >= argc || !strcmp(argv[first_msg], "-")) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t got;
        while ((got = getline(&line, &cap, in)) >= 0) {
            if (got == 0 || line[0] == '\n' || line[0] == '#') continue;
            explain_text(&x, line, err);
        }
        free(line);
    } else {
        for (int i = first_msg; i < argc; i++) explain_text(&x, argv[i], err);
    }
    fflush(out);
    rc = x.failed ? 1 : 0;
done:
    kfb_mapper_destroy(x.m);
    kfb_schema_source_destroy(x.src);
    kfb_table_desc_destroy(x.td);
    free(x.value_schema);
    free(x.key_schema);
    free(x.key);
    free(x.values);
    kfb_buf_free(&x.row);
    kfb_buf_free(&x.line);
    for (size_t k = 0; owned && k < n_owned; k++) free(owned[k]);
    free(owned);
    free(renames);
    free(unions);
    free(ignores);
    kfb_config_destroy(conf);
    return rc;
}
