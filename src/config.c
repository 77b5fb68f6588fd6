/*
 * config.c - YAML configuration: libyaml events -> a small bounded node tree -> validation
 * driven by the key table (config_table.c) -> typed values. Format and rules in config.h.
 *
 * Two passes, like fluent-bit's flb_cf_yaml.c but stricter: the event pass only builds the
 * tree (rejecting aliases, anchors, tags, non-scalar keys, duplicate keys, deep nesting),
 * so validation sees whole mappings and can report "missing key" at the mapping's mark.
 * Marks from libyaml are 0-based; every message prints them 1-based.
 */
#include "config.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_internal.h"
#include "http_endpoint.h"
#include "logging.h"

#define MAX_DEPTH 16
#define MAX_MAP_KEYS 4096
#define MAX_FILE_BYTES (4u << 20)

/* ---- node tree ---------------------------------------------------------------------- */

enum { N_SCALAR, N_MAP, N_SEQ };

typedef struct ynode {
    int kind;
    char *s; /* scalar text (NUL-free) */
    int plain; /* unquoted scalar: may be a YAML null */
    int line, col; /* 1-based */
    struct ynode *kids; /* map: key, value, key, value...; seq: items */
    size_t n, cap;
} ynode_t;

static void node_free(ynode_t *n) {
    for (size_t i = 0; i < n->n; i++) node_free(&n->kids[i]);
    free(n->kids);
    free(n->s);
}

/* ---- values ----------------------------------------------------------------------------- */

typedef struct cval {
    int set; /* given in the file */
    int has; /* has a value: set, or defaulted */
    int line, col;
    char *str;     /* STRING (expanded, path-resolved); ENUM name */
    int64_t num;   /* INT/BOOL/DURATION/SIZE/ENUM */
    char **items;  /* LIST: items; MAP/PASSTHROUGH: name, value pairs */
    size_t n;      /* LIST: items; MAP: pairs */
    size_t nitems; /* strings in items (for freeing) */
} cval_t;

struct kfb_config {
    char *name;
    char *dir; /* directory of the file for relative paths; NULL = cwd */
    cval_t *top;                 /* [kfb_config_nkeys] */
    cval_t **mvals;              /* per mapping: [kfb_config_nkeys] */
    kfb_config_mapping_t *maps;  /* built from mvals */
    size_t n_maps;
};

typedef struct ctx {
    kfb_config_t *cfg;
    char *err;
    size_t err_size;
    int failed;
    const char *text; /* the input, to place reader errors (libyaml gives only an offset) */
    size_t len;
} ctx_t;

static int fail_at(ctx_t *c, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_at(ctx_t *c, int line, int col, const char *fmt, ...) {
    if (c->failed) return -1;
    c->failed = 1;
    if (!c->err || !c->err_size) return -1;
    int k = snprintf(c->err, c->err_size, "%s:%d:%d: ", c->cfg->name, line, col);
    if (k < 0 || (size_t)k >= c->err_size) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + k, c->err_size - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- event pass --------------------------------------------------------------------------- */

static int push(ctx_t *c, ynode_t *parent, const yaml_event_t *ev, ynode_t **out) {
    if (parent->n == parent->cap) {
        size_t nc = parent->cap ? parent->cap * 2 : 4;
        ynode_t *k = realloc(parent->kids, nc * sizeof(*k));
        if (!k) return fail_at(c, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1, "out of memory");
        parent->kids = k;
        parent->cap = nc;
    }
    ynode_t *n = &parent->kids[parent->n++];
    memset(n, 0, sizeof(*n));
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    *out = n;
    return 0;
}

static const char *event_what(yaml_event_type_t t) {
    switch (t) {
    case YAML_MAPPING_START_EVENT: return "a mapping";
    case YAML_SEQUENCE_START_EVENT: return "a list";
    default: return "a value";
    }
}

static int next_event(ctx_t *c, yaml_parser_t *p, yaml_event_t *ev) {
    if (yaml_parser_parse(p, ev)) return 0;
    if (p->error == YAML_READER_ERROR) { /* marks are not kept for reader errors */
        int line = 1, col = 1;
        for (size_t i = 0; i < p->problem_offset && i < c->len; i++, col++)
            if (c->text[i] == '\n') {
                line++;
                col = 0;
            }
        return fail_at(c, line, col,
                       "the file is not UTF-8 text (%s at byte %zu)", p->problem ? p->problem : "bad byte",
                       p->problem_offset);
    }
    return fail_at(c, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
                   "YAML syntax error: %s%s%s; fix the indentation or quoting there",
                   p->problem ? p->problem : "unknown problem", p->context ? " " : "",
                   p->context ? p->context : "");
}

/* Fills `n` from `ev` (already consumed), reading children for collections. */
static int build(ctx_t *c, yaml_parser_t *p, yaml_event_t *ev, ynode_t *n, int depth) {
    const char *anchor = NULL, *tag = NULL;
    int implicit_tag = 1;
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return fail_at(c, n->line, n->col,
                       "YAML aliases (*%s) are not allowed in the bridge configuration; write the value out",
                       ev->data.alias.anchor ? (const char *)ev->data.alias.anchor : "");
    case YAML_SCALAR_EVENT:
        anchor = (const char *)ev->data.scalar.anchor;
        tag = (const char *)ev->data.scalar.tag;
        implicit_tag = ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = (const char *)ev->data.mapping_start.anchor;
        tag = (const char *)ev->data.mapping_start.tag;
        implicit_tag = ev->data.mapping_start.implicit;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = (const char *)ev->data.sequence_start.anchor;
        tag = (const char *)ev->data.sequence_start.tag;
        implicit_tag = ev->data.sequence_start.implicit;
        break;
    default:
        return fail_at(c, n->line, n->col, "unexpected YAML event");
    }
    if (anchor)
        return fail_at(c, n->line, n->col,
                       "YAML anchors (&%s) are not allowed in the bridge configuration; write the value out", anchor);
    if (tag && !implicit_tag)
        return fail_at(c, n->line, n->col, "YAML tags (%s) are not allowed; remove the tag", tag);
    if (ev->type == YAML_SCALAR_EVENT) {
        n->kind = N_SCALAR;
        size_t len = ev->data.scalar.length;
        if (memchr(ev->data.scalar.value, 0, len))
            return fail_at(c, n->line, n->col, "value contains a NUL character");
        n->s = strndup((const char *)ev->data.scalar.value, len);
        if (!n->s) return fail_at(c, n->line, n->col, "out of memory");
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        return 0;
    }
    if (depth >= MAX_DEPTH)
        return fail_at(c, n->line, n->col, "nested more than %d levels deep", MAX_DEPTH);
    int is_map = ev->type == YAML_MAPPING_START_EVENT;
    n->kind = is_map ? N_MAP : N_SEQ;
    for (;;) {
        yaml_event_t e;
        if (next_event(c, p, &e)) return -1;
        if (e.type == YAML_MAPPING_END_EVENT || e.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&e);
            return 0;
        }
        ynode_t *k = NULL;
        int rc = push(c, n, &e, &k);
        if (!rc && is_map && n->n % 2 == 1) { /* a key */
            if (e.type != YAML_SCALAR_EVENT && e.type != YAML_ALIAS_EVENT)
                rc = fail_at(c, k->line, k->col, "keys must be plain names, not %s", event_what(e.type));
            else if (n->n / 2 >= MAX_MAP_KEYS)
                rc = fail_at(c, k->line, k->col, "more than %d keys in one mapping", MAX_MAP_KEYS);
        }
        if (!rc) rc = build(c, p, &e, k, depth + 1);
        yaml_event_delete(&e);
        if (rc) return -1;
        if (is_map && n->n % 2 == 1) {
            for (size_t i = 0; i + 1 < n->n; i += 2)
                if (!strcmp(n->kids[i].s, k->s))
                    return fail_at(c, k->line, k->col, "duplicate key '%s' (first at line %d); keep one",
                                   k->s, n->kids[i].line);
        }
    }
}

/* Parses the whole stream into *root. Returns 0, or -1 with the error set. */
static int parse_tree(ctx_t *c, const char *text, size_t len, ynode_t *root) {
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) return fail_at(c, 1, 1, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    c->text = text;
    c->len = len;
    int rc = -1, docs = 0;
    memset(root, 0, sizeof(*root));
    root->kind = -1;
    for (;;) {
        yaml_event_t e;
        if (next_event(c, &p, &e)) break;
        yaml_event_type_t t = e.type;
        int line = (int)e.start_mark.line + 1, col = (int)e.start_mark.column + 1;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&e);
            if (!docs) fail_at(c, 1, 1, "the configuration is empty; it needs at least a `mappings:` list");
            else rc = 0;
            break;
        }
        int bad = 0;
        if (t == YAML_DOCUMENT_START_EVENT && docs++)
            bad = fail_at(c, line, col, "a second YAML document; the configuration is one document");
        else if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT ||
                 t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT) {
            bad = build(c, &p, &e, root, 0);
            if (!bad && root->kind != N_MAP)
                bad = fail_at(c, line, col, "the top level must be a mapping of sections (kafka:, fluss:, mappings:, ...)");
        }
        yaml_event_delete(&e);
        if (bad) break;
    }
    yaml_parser_delete(&p);
    return rc;
}

/* ---- table lookups --------------------------------------------------------------------- */

static int key_index(const char *path) {
    for (size_t i = 0; i < kfb_config_nkeys; i++)
        if (!strcmp(kfb_config_keys[i].path, path)) return (int)i;
    return -1;
}

size_t kfb_config_edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The parent prefix of a table path ("fluss." for "fluss.x", "" for "fluss"). */
static size_t parent_len(const char *path) {
    const char *dot = strrchr(path, '.');
    return dot ? (size_t)(dot - path) + 1 : 0;
}

/* " (did you mean 'x'?)" for an unknown key under prefix, or "". */
static void suggest(const char *prefix, const char *key, char *out, size_t size) {
    size_t pl = strlen(prefix), best = (size_t)-1;
    const char *hit = NULL;
    out[0] = '\0';
    for (size_t i = 0; i < kfb_config_nkeys; i++) {
        const char *p = kfb_config_keys[i].path;
        if (parent_len(p) != pl || strncmp(p, prefix, pl)) continue;
        size_t d = kfb_config_edit_distance(key, p + pl);
        if (d < best) {
            best = d;
            hit = p + pl;
        }
    }
    size_t kl = strlen(key);
    if (hit && best <= (kl < 6 ? 2 : kl / 3 + 1)) {
        snprintf(out, size, " (did you mean '%s'?)", hit);
        return;
    }
    /* the right key in the wrong section: "bootstrap_servers" at the top level */
    for (size_t i = 0; i < kfb_config_nkeys; i++) {
        const char *p = kfb_config_keys[i].path;
        if (!strcmp(p + parent_len(p), key)) {
            snprintf(out, size, " (did you mean '%s'?)", p);
            return;
        }
    }
}

/* ---- scalars ---------------------------------------------------------------------------- */

static int is_null(const ynode_t *n) {
    return n->kind == N_SCALAR && n->plain &&
           (!n->s[0] || !strcmp(n->s, "~") || !strcmp(n->s, "null") || !strcmp(n->s, "Null") ||
            !strcmp(n->s, "NULL"));
}

static const char *kind_name(const ynode_t *n) {
    return n->kind == N_MAP ? "a mapping" : n->kind == N_SEQ ? "a list" : "a single value";
}

/* ${VAR}, ${VAR:-default}, $$ -> $. Returns a malloc'd string or NULL (error set). */
static char *expand_env(ctx_t *c, const ynode_t *n, const char *key) {
    kfb_buf_t b = KFB_BUF_INIT;
    const char *s = n->s;
    while (*s) {
        if (s[0] == '$' && s[1] == '$') {
            (void)kfb_buf_append_byte(&b, '$');
            s += 2;
            continue;
        }
        if (s[0] != '$' || s[1] != '{') {
            (void)kfb_buf_append_byte(&b, (uint8_t)*s++);
            continue;
        }
        const char *name = s + 2, *end = strchr(name, '}');
        if (!end) {
            fail_at(c, n->line, n->col, "'%s': unterminated ${ in its value; write ${NAME} (or $$ for a literal $)", key);
            kfb_buf_free(&b);
            return NULL;
        }
        const char *def = NULL;
        size_t nl = 0;
        while (name + nl < end && (name[nl] == '_' || (name[nl] >= 'A' && name[nl] <= 'Z') ||
                                   (name[nl] >= 'a' && name[nl] <= 'z') ||
                                   (nl && name[nl] >= '0' && name[nl] <= '9')))
            nl++;
        if (name + nl < end && name[nl] == ':' && name + nl + 1 < end && name[nl + 1] == '-') def = name + nl + 2;
        if (!nl || (name + nl != end && !def)) {
            fail_at(c, n->line, n->col, "'%s': bad variable reference ${%.*s}; names are letters, digits and _",
                    key, (int)(end - name > 64 ? 64 : end - name), name);
            kfb_buf_free(&b);
            return NULL;
        }
        char var[128];
        if (nl >= sizeof(var)) nl = sizeof(var) - 1;
        memcpy(var, name, nl);
        var[nl] = '\0';
        const char *v = getenv(var);
        if (!v && def) {
            (void)kfb_buf_append(&b, def, (size_t)(end - def));
        } else if (!v) {
            fail_at(c, n->line, n->col, "'%s': environment variable %s is not set; export it or write ${%s:-default}",
                    key, var, var);
            kfb_buf_free(&b);
            return NULL;
        } else {
            (void)kfb_buf_append(&b, v, strlen(v));
        }
        s = end + 1;
    }
    (void)kfb_buf_append_byte(&b, 0);
    if (!b.data) {
        fail_at(c, n->line, n->col, "out of memory");
        return NULL;
    }
    return (char *)b.data;
}

static int parse_i64(const char *s, int64_t *out, const char **rest) {
    int neg = *s == '-';
    if (neg) s++;
    if (*s < '0' || *s > '9') return -1;
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') {
        if (v > (UINT64_C(1) << 62) / 10) return -1;
        v = v * 10 + (uint64_t)(*s++ - '0');
    }
    if (v > (UINT64_C(1) << 62)) return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    *rest = s;
    return 0;
}

static const struct unit { const char *name; int64_t mul; } dur_units[] = {
    {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}, {NULL, 0}};
static const struct unit size_units[] = {
    {"TiB", INT64_C(1) << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
    {"TB", INT64_C(1000000000000)}, {"GB", 1000000000}, {"MB", 1000000}, {"kB", 1000},
    {"KB", 1000}, {"B", 1}, {"", 1}, {NULL, 0}};

static int parse_unit(const char *s, const struct unit *u, int64_t *out) {
    const char *rest;
    int64_t v;
    if (parse_i64(s, &v, &rest) || v < 0) return -1;
    if (!*rest && v == 0) {
        *out = 0;
        return 0;
    }
    for (; u->name; u++) {
        if (strcmp(rest, u->name)) continue;
        if (v > INT64_MAX / u->mul) return -1;
        *out = v * u->mul;
        return 0;
    }
    return -1;
}

/* Largest unit that divides exactly: 300000 -> "5m", 10485760 -> "10MiB". */
static void fmt_unit(int64_t v, kfb_ctype_t t, char *out, size_t size) {
    if (v == 0) {
        snprintf(out, size, "0");
        return;
    }
    const struct unit *u = t == KFB_CT_DURATION ? dur_units : size_units;
    for (; u->name; u++) {
        if (t == KFB_CT_SIZE && u->name[0] && u->name[1] == 'B' && u->name[0] != 'B') continue; /* decimal */
        if (v % u->mul == 0) {
            snprintf(out, size, "%lld%s", (long long)(v / u->mul), u->name);
            return;
        }
    }
    snprintf(out, size, "%lld", (long long)v);
}

static void fmt_num(const kfb_config_key_def_t *d, int64_t v, char *out, size_t size) {
    if (d->type == KFB_CT_DURATION || d->type == KFB_CT_SIZE) fmt_unit(v, d->type, out, size);
    else snprintf(out, size, "%lld", (long long)v);
}

static int enum_index(const char *values, const char *s) {
    int i = 0;
    size_t sl = strlen(s);
    for (const char *p = values; *p; i++) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == sl && !strncmp(p, s, l)) return i;
        if (!bar) break;
        p = bar + 1;
    }
    return -1;
}

/* Converts text (already expanded) to the key's type. `what` is the dotted key for
 * messages. Secrets are never quoted. */
static int convert(ctx_t *c, const kfb_config_key_def_t *d, const char *what, const char *text,
                   int line, int col, cval_t *v) {
    const char *shown = (d->flags & KFB_CF_SECRET) ? "(secret)" : text;
    char lo[32], hi[32];
    int64_t num = 0;
    switch (d->type) {
    case KFB_CT_STRING:
        if (!text[0]) return fail_at(c, line, col, "'%s' is empty; give a value or remove the key", what);
        v->str = strdup(text);
        if (!v->str) return fail_at(c, line, col, "out of memory");
        return 0;
    case KFB_CT_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "True") || !strcmp(text, "TRUE")) num = 1;
        else if (!strcmp(text, "false") || !strcmp(text, "False") || !strcmp(text, "FALSE")) num = 0;
        else return fail_at(c, line, col, "'%s' must be true or false, not '%s'", what, shown);
        break;
    case KFB_CT_INT: {
        const char *rest;
        if (parse_i64(text, &num, &rest) || *rest)
            return fail_at(c, line, col, "'%s' must be a whole number, not '%s'", what, shown);
        break;
    }
    case KFB_CT_DURATION:
        if (parse_unit(text, dur_units, &num))
            return fail_at(c, line, col, "'%s' must be a duration with a unit (ms, s, m, h) such as \"%s\", not '%s'",
                           what, d->def && strcmp(d->def, "0") ? d->def : "30s", shown);
        break;
    case KFB_CT_SIZE:
        if (parse_unit(text, size_units, &num))
            return fail_at(c, line, col, "'%s' must be a size such as \"%s\" (B, KiB, MiB, GiB, kB, MB, GB), not '%s'",
                           what, d->def ? d->def : "10MiB", shown);
        break;
    case KFB_CT_ENUM: {
        int i = enum_index(d->values, text);
        if (i < 0) return fail_at(c, line, col, "'%s' must be one of %s, not '%s'", what, d->values, shown);
        num = i;
        v->str = strdup(text);
        if (!v->str) return fail_at(c, line, col, "out of memory");
        break;
    }
    default:
        return fail_at(c, line, col, "internal error: '%s' is not a scalar key", what);
    }
    if ((d->type == KFB_CT_INT || d->type == KFB_CT_DURATION || d->type == KFB_CT_SIZE) &&
        (num < d->min || num > d->max)) {
        fmt_num(d, d->min, lo, sizeof(lo));
        fmt_num(d, d->max, hi, sizeof(hi));
        return fail_at(c, line, col, "'%s' is %s, out of range: it must be between %s and %s", what, shown, lo, hi);
    }
    v->num = num;
    return 0;
}

static int is_abs(const char *p) { return p[0] == '/'; }

static int resolve_path(ctx_t *c, cval_t *v) {
    if (!c->cfg->dir || is_abs(v->str)) return 0;
    size_t n = strlen(c->cfg->dir) + strlen(v->str) + 2;
    char *p = malloc(n);
    if (!p) return fail_at(c, v->line, v->col, "out of memory");
    snprintf(p, n, "%s/%s", c->cfg->dir, v->str);
    free(v->str);
    v->str = p;
    return 0;
}

/* A scalar (or list/map of scalars) value for table key d at node n. */
static int set_value(ctx_t *c, const kfb_config_key_def_t *d, const char *what, const ynode_t *n, cval_t *v) {
    v->set = 1;
    v->line = n->line;
    v->col = n->col;
    if (d->type == KFB_CT_LIST || d->type == KFB_CT_MAP || d->type == KFB_CT_PASSTHROUGH) {
        int want = d->type == KFB_CT_LIST ? N_SEQ : N_MAP;
        if (n->kind != want)
            return fail_at(c, n->line, n->col, "'%s' must be %s, not %s", what,
                           want == N_SEQ ? "a list ([a, b] or - items)" : "a mapping (name: value lines)",
                           is_null(n) ? "empty" : kind_name(n));
        v->items = calloc(n->n ? n->n : 1, sizeof(char *));
        if (!v->items) return fail_at(c, n->line, n->col, "out of memory");
        for (size_t i = 0; i < n->n; i++) {
            const ynode_t *k = &n->kids[i];
            int is_key = want == N_MAP && i % 2 == 0;
            if (k->kind != N_SCALAR || is_null(k))
                return fail_at(c, k->line, k->col, "'%s' entries must be single values, not %s", what,
                               is_null(k) ? "empty" : kind_name(k));
            char *s = is_key ? strdup(k->s) : expand_env(c, k, what);
            if (!s) return c->failed ? -1 : fail_at(c, k->line, k->col, "out of memory");
            v->items[v->nitems++] = s;
            if (!s[0]) return fail_at(c, k->line, k->col, "'%s' has an empty entry", what);
        }
        v->n = want == N_MAP ? v->nitems / 2 : v->nitems;
        v->has = 1;
        return 0;
    }
    if (n->kind != N_SCALAR)
        return fail_at(c, n->line, n->col, "'%s' must be a single value, not %s", what, kind_name(n));
    if (is_null(n))
        return fail_at(c, n->line, n->col, "'%s' has no value; give one or remove the key to use the default", what);
    char *text = expand_env(c, n, what);
    if (!text) return -1;
    int rc = convert(c, d, what, text, n->line, n->col, v);
    free(text);
    v->has = !rc;
    if (!rc && (d->flags & KFB_CF_PATH)) rc = resolve_path(c, v);
    return rc;
}

/* Validates mapping node n against the keys under `prefix` ("" top, "fluss.", "mappings[].")
 * into vals. `shown` is how the prefix reads in messages ("mappings[2]."). */
static int check_map(ctx_t *c, const ynode_t *n, const char *prefix, const char *shown, cval_t *vals);

/* Whole-name match, as Kafka's Java consumer matches a subscription Pattern. */
static int compile_pattern(const char *pat, regex_t *re) {
    size_t n = strlen(pat);
    char *anchored = malloc(n + 5);
    if (!anchored) return REG_ESPACE;
    snprintf(anchored, n + 5, "^(%s)$", pat);
    int rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
    free(anchored);
    return rc;
}

/* topic | topics | topic_pattern: exactly one; the literal ones become m->topics. */
static int mapping_topics(ctx_t *c, const ynode_t *e, size_t i, cval_t *mv, kfb_config_mapping_t *m) {
    const cval_t *t = &mv[key_index("mappings[].topic")], *ts = &mv[key_index("mappings[].topics")],
                 *tp = &mv[key_index("mappings[].topic_pattern")];
    int forms = t->set + ts->set + tp->set;
    if (forms != 1) {
        const cval_t *w = forms ? (ts->set ? ts : tp) : NULL;
        return fail_at(c, w ? w->line : e->line, w ? w->col : e->col,
                       forms ? "mappings[%zu] names its topics twice: keep one of 'topic', 'topics' and 'topic_pattern'"
                             : "mappings[%zu] reads no topic: add 'topic: NAME' (or 'topics: [A, B]' or 'topic_pattern: REGEX')",
                       i);
    }
    if (ts->set && !ts->n) return fail_at(c, ts->line, ts->col, "mappings[%zu].topics is empty; list at least one topic", i);
    if (t->set) {
        m->topics = (const char *const *)&t->str;
        m->n_topics = 1;
    } else if (ts->set) {
        m->topics = (const char *const *)ts->items;
        m->n_topics = ts->n;
    }
    m->topic = m->n_topics ? m->topics[0] : NULL;
    m->topic_pattern = tp->set ? tp->str : NULL;
    for (size_t k = 0; k < m->n_topics; k++)
        if (!m->topics[k][0]) return fail_at(c, (t->set ? t : ts)->line, (t->set ? t : ts)->col, "mappings[%zu]: an empty topic name", i);
    if (m->topic_pattern) {
        regex_t re;
        int rc = compile_pattern(m->topic_pattern, &re);
        if (rc) {
            char why[160];
            regerror(rc, &re, why, sizeof why);
            return fail_at(c, tp->line, tp->col, "mappings[%zu].topic_pattern '%s' is not a POSIX extended regular expression: %s",
                           i, m->topic_pattern, why);
        }
        regfree(&re);
    }
    /* A topic read by two mappings would have two tables fight over its offsets. */
    for (size_t j = 0; j < i; j++) {
        const kfb_config_mapping_t *o = &c->cfg->maps[j];
        const char *clash = NULL;
        for (size_t k = 0; k < m->n_topics && !clash; k++)
            if (kfb_config_mapping_matches(o, m->topics[k])) clash = m->topics[k];
        for (size_t k = 0; k < o->n_topics && !clash; k++)
            if (kfb_config_mapping_matches(m, o->topics[k])) clash = o->topics[k];
        if (clash) {
            const cval_t *w = t->set ? t : ts->set ? ts : tp;
            return fail_at(c, w->line, w->col,
                           "topic '%s' is read by mappings '%s' (line %d) and '%s'; a topic may belong to one mapping only",
                           clash, o->name, o->line, m->name);
        }
        if (m->topic_pattern && o->topic_pattern && !strcmp(m->topic_pattern, o->topic_pattern))
            return fail_at(c, tp->line, tp->col, "mappings '%s' (line %d) and '%s' have the same topic_pattern",
                           o->name, o->line, m->name);
    }
    return 0;
}

int kfb_config_mapping_matches(const kfb_config_mapping_t *m, const char *topic) {
    for (size_t k = 0; k < m->n_topics; k++)
        if (!strcmp(m->topics[k], topic)) return 1;
    if (!m->topic_pattern) return 0;
    regex_t re;
    if (compile_pattern(m->topic_pattern, &re)) return 0;
    int hit = regexec(&re, topic, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

static int check_mappings(ctx_t *c, const ynode_t *n) {
    kfb_config_t *cfg = c->cfg;
    if (n->kind != N_SEQ || !n->n)
        return fail_at(c, n->line, n->col, "'mappings' must be a list of entries (- name: ..., topic: ..., table: ...)");
    cfg->mvals = calloc(n->n, sizeof(*cfg->mvals));
    cfg->maps = calloc(n->n, sizeof(*cfg->maps));
    if (!cfg->mvals || !cfg->maps) return fail_at(c, n->line, n->col, "out of memory");
    for (size_t i = 0; i < n->n; i++) {
        const ynode_t *e = &n->kids[i];
        cfg->mvals[i] = calloc(kfb_config_nkeys, sizeof(cval_t));
        if (!cfg->mvals[i]) return fail_at(c, e->line, e->col, "out of memory");
        cfg->n_maps = i + 1;
        if (e->kind != N_MAP)
            return fail_at(c, e->line, e->col, "mappings[%zu] must be a mapping with name, topic and table", i);
        char shown[48];
        snprintf(shown, sizeof(shown), "mappings[%zu].", i);
        if (check_map(c, e, "mappings[].", shown, cfg->mvals[i])) return -1;
        cval_t *mv = cfg->mvals[i];
        kfb_config_mapping_t *m = &cfg->maps[i];
        m->line = e->line;
        m->name = mv[key_index("mappings[].name")].str;
        m->topic = mv[key_index("mappings[].topic")].str;
        m->table = mv[key_index("mappings[].table")].str;
        m->table_descriptor = mv[key_index("mappings[].table_descriptor")].str;
        m->format = (kfb_mapper_format_t)mv[key_index("mappings[].format")].num;
        m->key_from_message_key = mv[key_index("mappings[].key")].num == 1;
        int kf = (int)mv[key_index("mappings[].key_format")].num;
        m->key_format = kf == 1 ? KFB_MAPPER_KEY_STRING : kf == 2 ? KFB_MAPPER_KEY_BYTES : KFB_MAPPER_KEY_AVRO;
        m->partial_update = (int)mv[key_index("mappings[].partial_update")].num;
        m->create_partitions = (int)mv[key_index("mappings[].create_partitions")].num;
        if (mapping_topics(c, e, i, mv, m)) return -1;
        const cval_t *t = &mv[key_index("mappings[].table")];
        const char *dot = strchr(m->table, '.');
        if (!dot || dot == m->table || !dot[1] || strchr(dot + 1, '.'))
            return fail_at(c, t->line, t->col, "mappings[%zu].table must be database.table, not '%s'", i, m->table);
        for (const char *p = m->name; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                  *p == '_' || *p == '-' || *p == '.')) {
                const cval_t *nv = &mv[key_index("mappings[].name")];
                return fail_at(c, nv->line, nv->col, "mappings[%zu].name '%s' may only hold letters, digits, '_', '-' and '.'", i, m->name);
            }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(cfg->maps[j].name, m->name)) {
                const cval_t *nv = &mv[key_index("mappings[].name")];
                return fail_at(c, nv->line, nv->col, "mapping name '%s' is used twice (first at line %d); names must be unique",
                               m->name, cfg->maps[j].line);
            }
        const cval_t *rn = &mv[key_index("mappings[].rename")];
        const cval_t *ig = &mv[key_index("mappings[].ignore")];
        const cval_t *un = &mv[key_index("mappings[].unions")];
        kfb_mapper_rename_t *r = calloc(rn->n + 1, sizeof(*r));
        kfb_mapper_union_rule_t *u = calloc(un->n + 1, sizeof(*u));
        if (!r || !u) {
            free(r);
            free(u);
            return fail_at(c, e->line, e->col, "out of memory");
        }
        for (size_t k = 0; k < rn->n; k++) r[k] = (kfb_mapper_rename_t){rn->items[2 * k], rn->items[2 * k + 1]};
        for (size_t k = 0; k < un->n; k++) u[k] = (kfb_mapper_union_rule_t){un->items[2 * k], un->items[2 * k + 1]};
        m->renames = r;
        m->n_renames = rn->n;
        m->union_rules = u;
        m->n_union_rules = un->n;
        m->ignore = (const char *const *)ig->items;
        m->n_ignore = ig->n;
    }
    return 0;
}

static int kafka_secret(const char *name) {
    return strstr(name, "password") || strstr(name, "secret") || strstr(name, "oauthbearer.config") ||
           strstr(name, "key.pem") || strstr(name, "ssl.key");
}

/* The nearest librdkafka property name, from librdkafka's own list. */
static void kafka_suggest(rd_kafka_conf_t *rk, const char *name, char *out, size_t size) {
    /* the dump lists only properties that have a value; these common ones have none */
    static const char *const unset[] = {"bootstrap.servers", "group.id", "group.instance.id", "sasl.username",
                                        "sasl.password", "sasl.mechanisms", "ssl.ca.location",
                                        "ssl.certificate.location", "ssl.key.location", "ssl.key.password",
                                        "client.rack", "debug"};
    size_t cnt = 0, best = (size_t)-1;
    const char **arr = rd_kafka_conf_dump(rk, &cnt);
    const char *hit = NULL;
    for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++) {
        size_t d = kfb_config_edit_distance(name, unset[i]);
        if (d < best) {
            best = d;
            hit = unset[i];
        }
    }
    for (size_t i = 0; arr && i < cnt; i += 2) {
        size_t d = kfb_config_edit_distance(name, arr[i]);
        if (d < best) {
            best = d;
            hit = arr[i];
        }
    }
    if (hit && best <= strlen(name) / 4 + 1) snprintf(out, size, " (did you mean '%s'?)", hit);
    if (arr) rd_kafka_conf_dump_free(arr, cnt);
}

/* Every kafka: property through rd_kafka_conf_set, so typos fail at load with a line. */
static int check_kafka(ctx_t *c, const ynode_t *n, cval_t *v) {
    rd_kafka_conf_t *rk = rd_kafka_conf_new();
    if (!rk) return fail_at(c, n->line, n->col, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < v->n && !rc; i++) {
        const char *name = v->items[2 * i], *val = v->items[2 * i + 1];
        const ynode_t *kn = &n->kids[2 * i];
        char e[512];
        if ((!strcmp(name, "enable.auto.commit") || !strcmp(name, "enable.auto.offset.store")) && strcmp(val, "false")) {
            rc = fail_at(c, kn->line, kn->col,
                         "'kafka.%s' must stay false: the bridge stores and commits offsets only after Fluss acknowledged the records; remove the key",
                         name);
            break;
        }
        /* setting it would dlopen() the libraries during validation; the consumer loads them */
        if (!strcmp(name, "plugin.library.paths")) continue;
        rd_kafka_conf_res_t r = rd_kafka_conf_set(rk, name, val, e, sizeof(e));
        if (r == RD_KAFKA_CONF_UNKNOWN) {
            char hint[160] = "";
            kafka_suggest(rk, name, hint, sizeof(hint));
            rc = fail_at(c, kn->line, kn->col, "'kafka.%s' is not a librdkafka property%s (see librdkafka's CONFIGURATION.md)",
                         name, hint);
        }
        else if (r != RD_KAFKA_CONF_OK)
            rc = fail_at(c, kn->line, kn->col, "'kafka.%s': %s", name,
                         kafka_secret(name) ? "invalid value (secret, not shown)" : e);
    }
    rd_kafka_conf_destroy(rk);
    return rc;
}

static int check_map(ctx_t *c, const ynode_t *n, const char *prefix, const char *shown, cval_t *vals) {
    char path[160], what[200], hint[96];
    size_t pl = strlen(prefix);
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const ynode_t *k = &n->kids[i], *v = &n->kids[i + 1];
        snprintf(path, sizeof(path), "%s%s", prefix, k->s);
        snprintf(what, sizeof(what), "%s%s", shown, k->s);
        int ki = strlen(k->s) < 100 ? key_index(path) : -1;
        if (ki < 0 || strchr(k->s, '.')) {
            suggest(prefix, k->s, hint, sizeof(hint));
            return fail_at(c, k->line, k->col, "unknown key '%.100s'%s%s", what, hint,
                           pl || hint[0] ? ""
                                         : "; the top-level keys are kafka, schema_registry, schemas_dir, fluss, "
                                           "batch, offsets, errors, metrics, log and mappings");
        }
        const kfb_config_key_def_t *d = &kfb_config_keys[ki];
        if (d->type == KFB_CT_SECTION) {
            if (v->kind != N_MAP)
                return fail_at(c, v->line, v->col, "'%s' must be a mapping of its keys, not %s", what,
                               is_null(v) ? "empty" : kind_name(v));
            vals[ki].set = 1;
            vals[ki].line = k->line;
            vals[ki].col = k->col;
            char sub[200], subshown[240];
            snprintf(sub, sizeof(sub), "%s.", path);
            snprintf(subshown, sizeof(subshown), "%s.", what);
            if (check_map(c, v, sub, subshown, vals)) return -1;
        } else if (d->type == KFB_CT_MAPPINGS) {
            vals[ki].set = 1;
            vals[ki].line = k->line;
            vals[ki].col = k->col;
            if (check_mappings(c, v)) return -1;
        } else {
            if (set_value(c, d, what, v, &vals[ki])) return -1;
            if (d->type == KFB_CT_PASSTHROUGH && check_kafka(c, v, &vals[ki])) return -1;
        }
    }
    /* required keys of this map, and defaults */
    for (size_t i = 0; i < kfb_config_nkeys; i++) {
        const kfb_config_key_def_t *d = &kfb_config_keys[i];
        if (parent_len(d->path) != pl || strncmp(d->path, prefix, pl)) continue;
        if (!vals[i].set && (d->flags & KFB_CF_REQUIRED))
            return fail_at(c, n->line, n->col, "'%s%s' is required here; add it%s", shown, d->path + pl,
                           d->type == KFB_CT_MAPPINGS ? " (a list of - name: ..., topic: ..., table: ...)" : "");
        if (!vals[i].has && d->def) {
            if (convert(c, d, d->path, d->def, 0, 0, &vals[i])) return -1;
            vals[i].has = 1;
        }
    }
    return 0;
}

/* Defaults of sections the file omitted entirely (their keys were never visited). */
static int apply_defaults(ctx_t *c, cval_t *vals) {
    for (size_t i = 0; i < kfb_config_nkeys; i++) {
        const kfb_config_key_def_t *d = &kfb_config_keys[i];
        if (vals[i].has || !d->def || !strncmp(d->path, "mappings[]", 10)) continue;
        if (convert(c, d, d->path, d->def, 0, 0, &vals[i])) return -1;
        vals[i].has = 1;
    }
    return 0;
}

static const cval_t *val(const kfb_config_t *cfg, const char *path) {
    int i = key_index(path);
    return i < 0 ? NULL : &cfg->top[i];
}

static int cross_checks(ctx_t *c, const ynode_t *root) {
    const kfb_config_t *cfg = c->cfg;
    const cval_t *sr = val(cfg, "schema_registry"), *sd = val(cfg, "schemas_dir");
    if (sr->set && sd->set)
        return fail_at(c, sd->line, sd->col, "'schemas_dir' and 'schema_registry' are both set; keep one schema source");
    if (!sr->set && !sd->set)
        return fail_at(c, root->line, root->col,
                       "no schema source: add `schemas_dir: DIR` or a `schema_registry:` section with `url`");
    const cval_t *cert = val(cfg, "schema_registry.cert_file"), *key = val(cfg, "schema_registry.key_file");
    if (cert->set != key->set) {
        const cval_t *w = cert->set ? cert : key;
        return fail_at(c, w->line, w->col, "'schema_registry.cert_file' and 'schema_registry.key_file' go together; set both");
    }
    const cval_t *ml = val(cfg, "metrics.listen");
    kfb_listen_addr_t la;
    char why[400];
    if (ml->set && kfb_listen_parse(ml->str, &la, why, sizeof why))
        return fail_at(c, ml->line, ml->col, "%s", why);
    const cval_t *pol = val(cfg, "errors.policy");
    if (pol->num == KFB_ERROR_POLICY_DEAD_LETTER && !val(cfg, "errors.dead_letter_topic")->set)
        return fail_at(c, pol->line, pol->col, "'errors.policy' is dead_letter but 'errors.dead_letter_topic' is not set; add it");
    return 0;
}

static void cvals_free(cval_t *v) {
    if (!v) return;
    for (size_t i = 0; i < kfb_config_nkeys; i++) {
        free(v[i].str);
        for (size_t k = 0; k < v[i].nitems; k++) free(v[i].items[k]);
        free(v[i].items);
    }
    free(v);
}

void kfb_config_destroy(kfb_config_t *cfg) {
    if (!cfg) return;
    cvals_free(cfg->top);
    for (size_t i = 0; i < cfg->n_maps; i++) {
        cvals_free(cfg->mvals[i]);
        if (cfg->maps) {
            free((void *)cfg->maps[i].renames);
            free((void *)cfg->maps[i].union_rules);
        }
    }
    free(cfg->mvals);
    free(cfg->maps);
    free(cfg->name);
    free(cfg->dir);
    free(cfg);
}

kfb_config_t *kfb_config_parse(const char *text, size_t len, const char *name, char *errstr, size_t errstr_size) {
    if (errstr && errstr_size) errstr[0] = '\0';
    kfb_config_t *cfg = calloc(1, sizeof(*cfg));
    ctx_t c = {cfg, errstr, errstr_size, 0};
    ynode_t root;
    memset(&root, 0, sizeof(root));
    if (!cfg) goto nomem;
    cfg->name = strdup(name ? name : "<config>");
    cfg->top = calloc(kfb_config_nkeys, sizeof(cval_t));
    if (!cfg->name || !cfg->top) goto nomem;
    if (name && strrchr(name, '/')) cfg->dir = strndup(name, (size_t)(strrchr(name, '/') - name));
    if (name && strrchr(name, '/') && !cfg->dir) goto nomem;
    if (cfg->dir && !cfg->dir[0]) {
        free(cfg->dir);
        cfg->dir = strdup("/");
    }
    if (len > MAX_FILE_BYTES) {
        fail_at(&c, 1, 1, "the configuration is larger than %u bytes", MAX_FILE_BYTES);
        goto fail;
    }
    if (parse_tree(&c, text, len, &root) || check_map(&c, &root, "", "", cfg->top) ||
        apply_defaults(&c, cfg->top) || cross_checks(&c, &root))
        goto fail;
    node_free(&root);
    KFB_DEBUG("config", "%s: %zu mapping%s", cfg->name, cfg->n_maps, cfg->n_maps == 1 ? "" : "s");
    return cfg;
nomem:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "%s: out of memory", name ? name : "<config>");
fail:
    node_free(&root);
    kfb_config_destroy(cfg);
    return NULL;
}

kfb_config_t *kfb_config_load_file(const char *path, char *errstr, size_t errstr_size) {
    kfb_buf_t b = KFB_BUF_INIT;
    int sys = 0;
    kfb_err_t err = kfb_buf_read_file(&b, path, MAX_FILE_BYTES, &sys);
    if (err) {
        if (err == KFB_ERR_IO)
            snprintf(errstr, errstr_size, "%s: cannot open the configuration: %s", path, strerror(sys));
        else
            snprintf(errstr, errstr_size, "%s: %s", path,
                     err == KFB_ERR_OUT_OF_RANGE ? "the configuration is larger than 4 MiB"
                                                 : "out of memory");
        kfb_buf_free(&b);
        return NULL;
    }
    kfb_config_t *cfg = kfb_config_parse((const char *)b.data, b.len, path, errstr, errstr_size);
    kfb_buf_free(&b);
    return cfg;
}

/* ---- access ----------------------------------------------------------------------------- */

const char *kfb_config_string(const kfb_config_t *cfg, const char *path) {
    int i = key_index(path);
    if (!cfg || i < 0) return NULL;
    kfb_ctype_t t = kfb_config_keys[i].type;
    return t == KFB_CT_STRING || t == KFB_CT_ENUM ? cfg->top[i].str : NULL;
}

int64_t kfb_config_int(const kfb_config_t *cfg, const char *path) {
    int i = key_index(path);
    if (!cfg || i < 0) return 0;
    kfb_ctype_t t = kfb_config_keys[i].type;
    if (t == KFB_CT_INT || t == KFB_CT_BOOL || t == KFB_CT_DURATION || t == KFB_CT_SIZE || t == KFB_CT_ENUM)
        return cfg->top[i].num;
    return 0;
}

int kfb_config_is_set(const kfb_config_t *cfg, const char *path) {
    int i = key_index(path);
    return cfg && i >= 0 && cfg->top[i].set && cfg->top[i].line > 0;
}

size_t kfb_config_kafka_count(const kfb_config_t *cfg) { return cfg->top[key_index("kafka")].n; }

void kfb_config_kafka_property(const kfb_config_t *cfg, size_t i, const char **name, const char **value) {
    const cval_t *v = &cfg->top[key_index("kafka")];
    *name = i < v->n ? v->items[2 * i] : NULL;
    *value = i < v->n ? v->items[2 * i + 1] : NULL;
}

static const char *kafka_get(const kfb_config_t *cfg, const char *name) {
    const cval_t *v = &cfg->top[key_index("kafka")];
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->items[2 * i], name)) return v->items[2 * i + 1];
    return NULL;
}

size_t kfb_config_mapping_count(const kfb_config_t *cfg) { return cfg->n_maps; }

const kfb_config_mapping_t *kfb_config_mapping_at(const kfb_config_t *cfg, size_t i) {
    return i < cfg->n_maps ? &cfg->maps[i] : NULL;
}

const kfb_config_mapping_t *kfb_config_find_mapping(const kfb_config_t *cfg, const char *name) {
    for (size_t i = 0; i < cfg->n_maps; i++)
        if (!strcmp(cfg->maps[i].name, name)) return &cfg->maps[i];
    return NULL;
}

void kfb_config_mapper_config(const kfb_config_mapping_t *m, kfb_mapper_config_t *out) {
    kfb_mapper_config_init(out);
    out->format = m->format;
    out->key_format = m->key_format;
    out->renames = m->renames;
    out->n_renames = m->n_renames;
    out->ignore = m->ignore;
    out->n_ignore = m->n_ignore;
    out->union_rules = m->union_rules;
    out->n_union_rules = m->n_union_rules;
    out->partial_update = m->partial_update;
    out->key_from_message_key = m->key_from_message_key;
    out->topic = m->topic;
}

void kfb_config_registry_config(const kfb_config_t *cfg, kfb_registry_config_t *o) {
    kfb_registry_config_init(o);
    o->url = kfb_config_string(cfg, "schema_registry.url");
    o->username = kfb_config_string(cfg, "schema_registry.basic_auth_user");
    o->password = kfb_config_string(cfg, "schema_registry.basic_auth_password");
    o->ca_file = kfb_config_string(cfg, "schema_registry.ca_file");
    o->cert_file = kfb_config_string(cfg, "schema_registry.cert_file");
    o->key_file = kfb_config_string(cfg, "schema_registry.key_file");
    o->key_password = kfb_config_string(cfg, "schema_registry.key_password");
    o->insecure_skip_verify = (int)kfb_config_int(cfg, "schema_registry.insecure_skip_verify");
    o->connect_timeout_ms = (long)kfb_config_int(cfg, "schema_registry.connect_timeout");
    o->request_timeout_ms = (long)kfb_config_int(cfg, "schema_registry.timeout");
    o->max_retries = (int)kfb_config_int(cfg, "schema_registry.retries");
    o->retry_backoff_ms = (long)kfb_config_int(cfg, "schema_registry.retry_backoff");
    o->retry_backoff_max_ms = (long)kfb_config_int(cfg, "schema_registry.retry_backoff_max");
    o->negative_cache_ms = (long)kfb_config_int(cfg, "schema_registry.negative_cache");
}

void kfb_config_fluss_conf(const kfb_config_t *cfg, kfb_fluss_client_conf_t *o) {
    kfb_fluss_delivery_cb_t cb = o->delivery_cb;
    void *op = o->delivery_opaque;
    kfb_fluss_client_conf_init(o);
    o->delivery_cb = cb;
    o->delivery_opaque = op;
    o->bootstrap_servers = kfb_config_string(cfg, "fluss.bootstrap_servers");
    o->sasl_username = kfb_config_string(cfg, "fluss.sasl_username");
    o->sasl_password = kfb_config_string(cfg, "fluss.sasl_password");
    o->request_timeout_ms = (int)kfb_config_int(cfg, "fluss.request_timeout");
    o->connect_timeout_ms = (int)kfb_config_int(cfg, "fluss.connect_timeout");
    o->reconnect_backoff_ms = (int)kfb_config_int(cfg, "fluss.reconnect_backoff");
    o->reconnect_backoff_max_ms = (int)kfb_config_int(cfg, "fluss.reconnect_backoff_max");
    o->retry_backoff_ms = (int)kfb_config_int(cfg, "fluss.retry_backoff");
    o->metadata_max_age_ms = (int)kfb_config_int(cfg, "fluss.metadata_max_age");
    o->putkv_timeout_ms = (int)kfb_config_int(cfg, "fluss.put_timeout");
    o->delivery_timeout_ms = (int)kfb_config_int(cfg, "fluss.delivery_timeout");
    o->max_inflight_per_bucket = (int)kfb_config_int(cfg, "fluss.max_inflight_per_bucket");
    o->max_request_bytes = (size_t)kfb_config_int(cfg, "fluss.max_request_size");
    o->queue_max_batches = (int)kfb_config_int(cfg, "fluss.queue_max_batches");
    o->queue_max_bytes = (size_t)kfb_config_int(cfg, "fluss.queue_max_bytes");
    o->backpressure_max_throttle_ms = (int)kfb_config_int(cfg, "fluss.backpressure_max_throttle");
}

kfb_schema_source_t *kfb_config_schema_source_new(const kfb_config_t *cfg, char *errstr, size_t errstr_size) {
    const char *dir = kfb_config_string(cfg, "schemas_dir");
    if (dir) return kfb_schema_source_dir_new(dir, errstr, errstr_size);
    kfb_registry_config_t rc;
    kfb_config_registry_config(cfg, &rc);
    return kfb_schema_source_registry_new(&rc, errstr, errstr_size);
}

kfb_err_t kfb_config_check_for_run(const kfb_config_t *cfg, char *errstr, size_t errstr_size) {
    const char *miss = !kafka_get(cfg, "bootstrap.servers") ? "kafka: bootstrap.servers"
                       : !kafka_get(cfg, "group.id")        ? "kafka: group.id"
                       : !kfb_config_string(cfg, "fluss.bootstrap_servers") ? "fluss: bootstrap_servers"
                                                                             : NULL;
    if (!miss) return KFB_ERR_OK;
    snprintf(errstr, errstr_size, "%s: '%s' is needed to run the bridge; add it", cfg->name, miss);
    return KFB_ERR_CONFIG_MISSING;
}

/* ---- dump and reference ------------------------------------------------------------------ */

static void dump_str(FILE *out, const char *v) {
    char red[2048];
    if (strstr(v, "://")) v = kfb_redact_url(v, red, sizeof red); /* never user:password@ */
    fputc('"', out);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\') fprintf(out, "\\%c", *v);
        else if ((unsigned char)*v < 0x20) fprintf(out, "\\x%02x", (unsigned char)*v);
        else fputc(*v, out);
    }
    fputc('"', out);
}

static void dump_scalar(FILE *out, const kfb_config_key_def_t *d, const cval_t *v) {
    char b[48];
    if (d->flags & KFB_CF_SECRET) fputs("\"***\"", out);
    else if (d->type == KFB_CT_STRING) dump_str(out, v->str);
    else if (d->type == KFB_CT_ENUM) fputs(v->str, out);
    else if (d->type == KFB_CT_BOOL) fputs(v->num ? "true" : "false", out);
    else {
        fmt_num(d, v->num, b, sizeof(b));
        fputs(b, out);
    }
}

static void dump_vals(FILE *out, const cval_t *vals, const char *prefix, const char *indent, const char *first) {
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < kfb_config_nkeys; i++) {
        const kfb_config_key_def_t *d = &kfb_config_keys[i];
        const cval_t *v = &vals[i];
        if (parent_len(d->path) != pl || strncmp(d->path, prefix, pl)) continue;
        if (d->type == KFB_CT_SECTION || d->type == KFB_CT_MAPPINGS) continue;
        if (!v->has) continue;
        const char *ind = first ? first : indent;
        first = NULL;
        fprintf(out, "%s%s:", ind, d->path + pl);
        if (d->type == KFB_CT_LIST) {
            fputs(" [", out);
            for (size_t k = 0; k < v->n; k++) {
                if (k) fputs(", ", out);
                dump_str(out, v->items[k]);
            }
            fputs("]\n", out);
        } else if (d->type == KFB_CT_MAP || d->type == KFB_CT_PASSTHROUGH) {
            fputs(v->n ? "\n" : " {}\n", out);
            for (size_t k = 0; k < v->n; k++) {
                const char *nm = v->items[2 * k];
                int secret = d->type == KFB_CT_PASSTHROUGH && kafka_secret(nm);
                fprintf(out, "%s  ", indent);
                dump_str(out, nm);
                fputs(": ", out);
                dump_str(out, secret ? "***" : v->items[2 * k + 1]);
                fputc('\n', out);
            }
        } else {
            fputc(' ', out);
            dump_scalar(out, d, v);
            fputc('\n', out);
        }
    }
}

void kfb_config_dump(const kfb_config_t *cfg, FILE *out) {
    dump_vals(out, cfg->top, "", "", NULL);
    for (size_t i = 0; i < kfb_config_nkeys; i++) {
        const kfb_config_key_def_t *d = &kfb_config_keys[i];
        if (d->type != KFB_CT_SECTION) continue;
        char p[64];
        snprintf(p, sizeof(p), "%s.", d->path);
        int any = 0;
        for (size_t k = 0; k < kfb_config_nkeys; k++)
            any |= cfg->top[k].has && parent_len(kfb_config_keys[k].path) == strlen(p) &&
                   !strncmp(kfb_config_keys[k].path, p, strlen(p));
        if (!any || (!strcmp(d->path, "schema_registry") && !cfg->top[i].set)) continue;
        fprintf(out, "%s:\n", d->path);
        dump_vals(out, cfg->top, p, "  ", NULL);
    }
    fputs("mappings:\n", out);
    for (size_t m = 0; m < cfg->n_maps; m++) dump_vals(out, cfg->mvals[m], "mappings[].", "    ", "  - ");
}

static const char *type_name(kfb_ctype_t t) {
    static const char *const names[] = {"section", "string", "int", "bool", "duration", "size", "enum",
                                        "list of strings", "map string -> string", "map", "list of mappings"};
    return names[t];
}

void kfb_config_reference(FILE *out) {
    fputs("| key | type | default | allowed | description |\n|---|---|---|---|---|\n", out);
    for (size_t i = 0; i < kfb_config_nkeys; i++) {
        const kfb_config_key_def_t *d = &kfb_config_keys[i];
        char lo[32], hi[32], allowed[96] = "";
        if (d->type == KFB_CT_INT || d->type == KFB_CT_DURATION || d->type == KFB_CT_SIZE) {
            fmt_num(d, d->min, lo, sizeof(lo));
            fmt_num(d, d->max, hi, sizeof(hi));
            snprintf(allowed, sizeof(allowed), "%s .. %s", lo, hi);
        } else if (d->type == KFB_CT_ENUM) {
            snprintf(allowed, sizeof(allowed), "`%s`", d->values);
        } else if (d->type == KFB_CT_PASSTHROUGH) {
            snprintf(allowed, sizeof(allowed), "librdkafka consumer properties");
        }
        const char *path = d->type == KFB_CT_PASSTHROUGH ? "kafka.<property>" : d->path;
        fprintf(out, "| `%s` | %s%s%s | %s%s%s | %s | %s |\n", path, type_name(d->type),
                (d->flags & KFB_CF_REQUIRED) ? ", required" : "", (d->flags & KFB_CF_SECRET) ? ", secret" : "",
                d->def ? "`" : "", d->def ? d->def : "", d->def ? "`" : "", allowed, d->doc);
    }
}

size_t kfb_config_key_count(void) { return kfb_config_nkeys; }

const char *kfb_config_key_path(size_t i) {
    if (i >= kfb_config_nkeys) return NULL;
    return kfb_config_keys[i].type == KFB_CT_PASSTHROUGH ? "kafka.*" : kfb_config_keys[i].path;
}
