/*
 * avro_schema.c - Avro schema JSON -> kfb_avro_node_t tree.
 *
 * Format: Apache Avro 1.11.1 specification, "Schema Declaration" (primitive
 * and complex types, attributes), "Names" (fullname = namespace + "." + name,
 * namespace inherited from the enclosing named type, name components match
 * [A-Za-z_][A-Za-z0-9_]*), "Aliases", "Logical Types" (invalid ones are
 * ignored: the value is read as the underlying type). Decimal limits follow
 * the Java implementation, lang/java/avro/.../LogicalTypes.java
 * (Decimal.validate, maxPrecision(fixed) = floor(log10(2^(8*size-1) - 1))).
 * The *-nanos timestamp logical types and uuid on fixed(16) are from Avro 1.12.
 *
 * All nodes, fields and strings live in one arena owned by kfb_avro_schema_t,
 * so a schema is one object to free and node pointers never move.
 */
#include "avro_schema.h"

#include "logging.h"

#include <avro.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---------------------------------------------------------------- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
} arena_chunk_t;

struct kfb_avro_schema {
    arena_chunk_t *chunks;
    const kfb_avro_node_t *root;
    const char *json;
    const kfb_avro_node_t **named;
    size_t n_named;
};

static void *arena_alloc(kfb_avro_schema_t *s, size_t n) {
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (n == 0) n = sizeof(max_align_t);
    arena_chunk_t *c = s->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 4096 ? n : 4096;
        c = malloc(sizeof(*c) + cap);
        if (!c) return NULL;
        c->next = s->chunks;
        c->used = 0;
        c->cap = cap;
        s->chunks = c;
    }
    void *p = (uint8_t *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

static char *arena_strndup(kfb_avro_schema_t *s, const char *str, size_t n) {
    char *p = arena_alloc(s, n + 1);
    if (!p) return NULL;
    memcpy(p, str, n);
    p[n] = '\0';
    return p;
}

static char *arena_strdup(kfb_avro_schema_t *s, const char *str) {
    return arena_strndup(s, str, strlen(str));
}

/* ---- parser state ---------------------------------------------------------- */

typedef struct named_entry {
    kfb_avro_node_t *node;
    bool defining; /* still parsing its body: a reference now would be recursive */
} named_entry_t;

typedef struct parser {
    kfb_avro_schema_t *s;
    named_entry_t *named;
    size_t n_named, cap_named;
    char path[512];
    size_t path_len;
    kfb_err_t err;
    char *errstr;
    size_t errstr_size;
} parser_t;

static void path_push(parser_t *P, size_t *saved, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void path_push(parser_t *P, size_t *saved, const char *fmt, ...) {
    *saved = P->path_len;
    if (P->path_len >= sizeof(P->path) - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(P->path + P->path_len, sizeof(P->path) - P->path_len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        P->path_len += (size_t)n;
        if (P->path_len > sizeof(P->path) - 1) P->path_len = sizeof(P->path) - 1;
    }
}

static void path_pop(parser_t *P, size_t saved) {
    P->path_len = saved;
    P->path[saved] = '\0';
}

static void fail(parser_t *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(parser_t *P, const char *fmt, ...) {
    if (P->err) return; /* keep the first, innermost message */
    P->err = KFB_ERR_AVRO_SCHEMA_INVALID;
    if (!P->errstr || !P->errstr_size) return;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(P->errstr, P->errstr_size, "invalid Avro schema at %s: %s",
             P->path_len ? P->path : "the top level", what);
}

static void fail_nomem(parser_t *P) {
    if (P->err) return;
    P->err = KFB_ERR_NOMEM;
    if (P->errstr && P->errstr_size)
        snprintf(P->errstr, P->errstr_size, "out of memory while parsing an Avro schema");
}

/* ---- names ----------------------------------------------------------------- */

static bool valid_name_part(const char *s, size_t n) {
    if (n == 0) return false;
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* A dotted full name or namespace; the empty namespace is valid when allow_empty. */
static bool valid_dotted(const char *s, bool allow_empty) {
    if (!*s) return allow_empty;
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (!valid_name_part(s, n)) return false;
        if (!dot) return true;
        s = dot + 1;
    }
}

static bool is_primitive_name(const char *t) {
    static const char *const prims[] = {"null", "boolean", "int", "long", "float",
                                        "double", "bytes", "string"};
    for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
        if (strcmp(t, prims[i]) == 0) return true;
    return false;
}

/* "ns" + "name" -> "ns.name" (or "name" when ns is empty or name is dotted). */
static char *make_fullname(parser_t *P, const char *name, const char *ns) {
    if (strchr(name, '.') || !ns || !*ns) return arena_strdup(P->s, name);
    size_t a = strlen(ns), b = strlen(name);
    char *p = arena_alloc(P->s, a + b + 2);
    if (!p) return NULL;
    memcpy(p, ns, a);
    p[a] = '.';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

static named_entry_t *find_named(parser_t *P, const char *full) {
    for (size_t i = 0; i < P->n_named; i++)
        if (strcmp(P->named[i].node->name, full) == 0) return &P->named[i];
    return NULL;
}

static named_entry_t *register_named(parser_t *P, kfb_avro_node_t *node) {
    if (find_named(P, node->name)) {
        fail(P, "the name \"%s\" is defined twice", node->name);
        return NULL;
    }
    if (P->n_named == P->cap_named) {
        size_t cap = P->cap_named ? P->cap_named * 2 : 8;
        named_entry_t *n = realloc(P->named, cap * sizeof(*n));
        if (!n) { fail_nomem(P); return NULL; }
        P->named = n;
        P->cap_named = cap;
    }
    named_entry_t *e = &P->named[P->n_named++];
    e->node = node;
    e->defining = true;
    return e;
}

/* Resolves a type name that is not primitive against the enclosing namespace,
 * then (as Java's Schema.Names.get does) against the null namespace. */
static kfb_avro_node_t *resolve_reference(parser_t *P, const char *name, const char *ns) {
    named_entry_t *e = NULL;
    if (!strchr(name, '.') && ns && *ns) {
        char full[1024];
        snprintf(full, sizeof(full), "%s.%s", ns, name);
        e = find_named(P, full);
    }
    if (!e) e = find_named(P, name);
    if (!e) {
        fail(P, "unknown type name \"%s\" (not a primitive type and not defined earlier%s%s%s)",
             name, ns && *ns ? " in namespace \"" : "", ns && *ns ? ns : "",
             ns && *ns ? "\"" : "");
        return NULL;
    }
    if (e->defining) {
        fail(P, "recursive reference to \"%s\" inside its own definition is not supported",
             e->node->name);
        return NULL;
    }
    return e->node;
}

/* ---- helpers --------------------------------------------------------------- */

static size_t sat_add(size_t a, size_t b) {
    size_t lim = SIZE_MAX / 2;
    return (a > lim || b > lim || a + b > lim) ? lim : a + b;
}

static const char *json_kind(const json_t *j) {
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* Optional string attribute; returns NULL (and fails if present but not a string). */
static const char *opt_string(parser_t *P, const json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    if (!v) return NULL;
    if (!json_is_string(v)) {
        fail(P, "\"%s\" must be a string, not %s", key, json_kind(v));
        return NULL;
    }
    return json_string_value(v);
}

/* Aliases of a named type (made full with `ns`) or of a field (ns NULL). */
static bool parse_aliases(parser_t *P, const json_t *obj, const char *ns,
                          const char *const **out, size_t *n_out) {
    json_t *a = json_object_get(obj, "aliases");
    *out = NULL;
    *n_out = 0;
    if (!a) return true;
    if (!json_is_array(a)) {
        fail(P, "\"aliases\" must be an array of names, not %s", json_kind(a));
        return false;
    }
    size_t n = json_array_size(a);
    const char **v = arena_alloc(P->s, (n ? n : 1) * sizeof(*v));
    if (!v) { fail_nomem(P); return false; }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(a, i);
        if (!json_is_string(e) || !valid_dotted(json_string_value(e), false) ||
            (!ns && strchr(json_string_value(e), '.'))) {
            fail(P, "alias %zu is not a valid name", i);
            return false;
        }
        v[i] = ns ? make_fullname(P, json_string_value(e), ns)
                  : arena_strdup(P->s, json_string_value(e));
        if (!v[i]) { fail_nomem(P); return false; }
    }
    *out = v;
    *n_out = n;
    return true;
}

static kfb_avro_node_t *new_node(parser_t *P, kfb_avro_type_t t) {
    kfb_avro_node_t *n = arena_alloc(P->s, sizeof(*n));
    if (!n) { fail_nomem(P); return NULL; }
    n->type = t;
    n->null_branch = -1;
    switch (t) {
    case KFB_AVRO_NULL: n->min_size = 0; break;
    case KFB_AVRO_FLOAT: n->min_size = 4; break;
    case KFB_AVRO_DOUBLE: n->min_size = 8; break;
    default: n->min_size = 1; break; /* records, unions, fixed: set by their parser */
    }
    return n;
}

static kfb_avro_node_t *primitive(parser_t *P, const char *t) {
    static const struct { const char *name; kfb_avro_type_t type; } prims[] = {
        {"null", KFB_AVRO_NULL},     {"boolean", KFB_AVRO_BOOLEAN}, {"int", KFB_AVRO_INT},
        {"long", KFB_AVRO_LONG},     {"float", KFB_AVRO_FLOAT},     {"double", KFB_AVRO_DOUBLE},
        {"bytes", KFB_AVRO_BYTES},   {"string", KFB_AVRO_STRING},
    };
    for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
        if (strcmp(t, prims[i].name) == 0) return new_node(P, prims[i].type);
    return NULL;
}

/* Reads an integer attribute of a logical type; false if absent or not an integer. */
static bool int_attr(const json_t *obj, const char *key, long long *out) {
    json_t *v = json_object_get(obj, key);
    if (!v || !json_is_integer(v)) return false;
    *out = json_integer_value(v);
    return true;
}

/* Applies logicalType to a primitive or fixed node; invalid ones degrade (spec). */
static void apply_logical(parser_t *P, kfb_avro_node_t *n, const json_t *obj) {
    json_t *lt = json_object_get(obj, "logicalType");
    if (!lt) return;
    if (!json_is_string(lt)) return; /* not a logical type we could know: ignored */
    const char *name = json_string_value(lt);
    n->logical_name = arena_strdup(P->s, name);
    if (!n->logical_name) { fail_nomem(P); return; }
    static const struct {
        const char *name;
        kfb_avro_logical_t lt;
        kfb_avro_type_t on;
    } simple[] = {
        {"date", KFB_AVRO_LOGICAL_DATE, KFB_AVRO_INT},
        {"time-millis", KFB_AVRO_LOGICAL_TIME_MILLIS, KFB_AVRO_INT},
        {"time-micros", KFB_AVRO_LOGICAL_TIME_MICROS, KFB_AVRO_LONG},
        {"timestamp-millis", KFB_AVRO_LOGICAL_TIMESTAMP_MILLIS, KFB_AVRO_LONG},
        {"timestamp-micros", KFB_AVRO_LOGICAL_TIMESTAMP_MICROS, KFB_AVRO_LONG},
        {"timestamp-nanos", KFB_AVRO_LOGICAL_TIMESTAMP_NANOS, KFB_AVRO_LONG},
        {"local-timestamp-millis", KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MILLIS, KFB_AVRO_LONG},
        {"local-timestamp-micros", KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MICROS, KFB_AVRO_LONG},
        {"local-timestamp-nanos", KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_NANOS, KFB_AVRO_LONG},
    };
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        if (strcmp(name, simple[i].name) == 0) {
            if (n->type == simple[i].on) n->logical = simple[i].lt;
            return;
        }
    }
    if (strcmp(name, "uuid") == 0) {
        if (n->type == KFB_AVRO_STRING || (n->type == KFB_AVRO_FIXED && n->fixed_size == 16))
            n->logical = KFB_AVRO_LOGICAL_UUID;
        return;
    }
    if (strcmp(name, "decimal") == 0) {
        long long prec, scale = 0;
        if (n->type != KFB_AVRO_BYTES && n->type != KFB_AVRO_FIXED) return;
        if (!int_attr(obj, "precision", &prec) || prec < 1 || prec > INT32_MAX) return;
        if (json_object_get(obj, "scale") && !int_attr(obj, "scale", &scale)) return;
        if (scale < 0 || scale > prec) return;
        if (n->type == KFB_AVRO_FIXED) {
            /* LogicalTypes.Decimal.maxPrecision: digits of the largest signed value */
            if (n->fixed_size == 0) return;
            double maxp = floor(log10(2.0) * (8.0 * (double)n->fixed_size - 1.0));
            if ((double)prec > maxp) return;
        }
        n->logical = KFB_AVRO_LOGICAL_DECIMAL;
        n->precision = (int32_t)prec;
        n->scale = (int32_t)scale;
    }
    /* anything else: an unknown logical type, read as the underlying type */
}

static kfb_avro_node_t *parse_type(parser_t *P, const json_t *j, const char *ns, int depth);

/* Common part of record/enum/fixed: name, namespace, aliases; registers the name. */
static named_entry_t *parse_name(parser_t *P, kfb_avro_node_t *n, const json_t *obj,
                                 const char *ns, const char **own_ns) {
    const char *name = opt_string(P, obj, "name");
    if (P->err) return NULL;
    if (!name) {
        fail(P, "a %s needs a \"name\"", kfb_avro_type_name(n->type));
        return NULL;
    }
    const char *nspace = opt_string(P, obj, "namespace");
    if (P->err) return NULL;
    if (!valid_dotted(name, false)) {
        fail(P, "\"%s\" is not a valid Avro name (letters, digits, '_', not starting with a digit)",
             name);
        return NULL;
    }
    if (nspace && !valid_dotted(nspace, true)) {
        fail(P, "namespace \"%s\" is not a valid Avro namespace", nspace);
        return NULL;
    }
    if (!nspace) nspace = ns;
    const char *last_dot = strrchr(name, '.');
    if (!last_dot && is_primitive_name(name)) {
        fail(P, "the primitive type name \"%s\" cannot be redefined", name);
        return NULL;
    }
    n->name = make_fullname(P, name, nspace);
    if (!n->name) { fail_nomem(P); return NULL; }
    /* the namespace of this type's children: from the full name */
    const char *fd = strrchr(n->name, '.');
    *own_ns = fd ? arena_strndup(P->s, n->name, (size_t)(fd - n->name)) : "";
    if (!*own_ns) { fail_nomem(P); return NULL; }
    if (!parse_aliases(P, obj, *own_ns, &n->aliases, &n->n_aliases)) return NULL;
    return register_named(P, n);
}

static kfb_avro_node_t *parse_record(parser_t *P, const json_t *obj, const char *ns, int depth) {
    kfb_avro_node_t *n = new_node(P, KFB_AVRO_RECORD);
    if (!n) return NULL;
    const char *own_ns;
    named_entry_t *e = parse_name(P, n, obj, ns, &own_ns);
    if (!e) return NULL;
    size_t entry_index = (size_t)(e - P->named); /* P->named may move while parsing fields */
    size_t saved_root = P->path_len;
    if (P->path_len == 0) { /* paths start at the top-level record's short name */
        const char *dot = strrchr(n->name, '.');
        path_push(P, &saved_root, "%s", dot ? dot + 1 : n->name);
    }
    json_t *fields = json_object_get(obj, "fields");
    if (!fields || !json_is_array(fields)) {
        fail(P, "record \"%s\" needs \"fields\" as an array", n->name);
        return NULL;
    }
    size_t nf = json_array_size(fields);
    kfb_avro_field_t *f = arena_alloc(P->s, (nf ? nf : 1) * sizeof(*f));
    if (!f) { fail_nomem(P); return NULL; }
    size_t min = 0;
    for (size_t i = 0; i < nf; i++) {
        json_t *fj = json_array_get(fields, i);
        size_t saved;
        if (!json_is_object(fj)) {
            path_push(P, &saved, ".<field %zu>", i);
            fail(P, "a field must be an object, not %s", json_kind(fj));
            return NULL;
        }
        json_t *fname = json_object_get(fj, "name");
        if (!fname || !json_is_string(fname) ||
            !valid_name_part(json_string_value(fname), strlen(json_string_value(fname)))) {
            path_push(P, &saved, ".<field %zu>", i);
            fail(P, "field %zu needs a \"name\" that is a valid Avro name", i);
            return NULL;
        }
        const char *fn = json_string_value(fname);
        path_push(P, &saved, ".%s", fn);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(f[k].name, fn) == 0) {
                fail(P, "record \"%s\" has two fields named \"%s\"", n->name, fn);
                return NULL;
            }
        }
        json_t *ft = json_object_get(fj, "type");
        if (!ft) {
            fail(P, "field \"%s\" has no \"type\"", fn);
            return NULL;
        }
        f[i].name = arena_strdup(P->s, fn);
        if (!f[i].name) { fail_nomem(P); return NULL; }
        f[i].index = i;
        f[i].type = parse_type(P, ft, own_ns, depth + 1);
        if (!f[i].type) return NULL;
        json_t *def = json_object_get(fj, "default");
        if (def) {
            char *d = json_dumps(def, JSON_COMPACT | JSON_ENCODE_ANY);
            if (!d) { fail_nomem(P); return NULL; }
            f[i].default_json = arena_strdup(P->s, d);
            free(d);
            if (!f[i].default_json) { fail_nomem(P); return NULL; }
        }
        if (!parse_aliases(P, fj, NULL, &f[i].aliases, &f[i].n_aliases)) return NULL;
        min = sat_add(min, f[i].type->min_size);
        path_pop(P, saved);
    }
    path_pop(P, saved_root);
    n->fields = f;
    n->n_fields = nf;
    n->min_size = min;
    P->named[entry_index].defining = false;
    return n;
}

static kfb_avro_node_t *parse_enum(parser_t *P, const json_t *obj, const char *ns) {
    kfb_avro_node_t *n = new_node(P, KFB_AVRO_ENUM);
    if (!n) return NULL;
    const char *own_ns;
    named_entry_t *e = parse_name(P, n, obj, ns, &own_ns);
    if (!e) return NULL;
    e->defining = false; /* an enum cannot contain a reference to itself */
    json_t *syms = json_object_get(obj, "symbols");
    if (!syms || !json_is_array(syms)) {
        fail(P, "enum \"%s\" needs \"symbols\" as an array of names", n->name);
        return NULL;
    }
    size_t ns_ = json_array_size(syms);
    const char **v = arena_alloc(P->s, (ns_ ? ns_ : 1) * sizeof(*v));
    if (!v) { fail_nomem(P); return NULL; }
    for (size_t i = 0; i < ns_; i++) {
        json_t *sj = json_array_get(syms, i);
        const char *sym = json_is_string(sj) ? json_string_value(sj) : NULL;
        if (!sym || !valid_name_part(sym, strlen(sym))) {
            fail(P, "enum \"%s\" symbol %zu is not a valid Avro name", n->name, i);
            return NULL;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(v[k], sym) == 0) {
                fail(P, "enum \"%s\" lists the symbol \"%s\" twice", n->name, sym);
                return NULL;
            }
        }
        v[i] = arena_strdup(P->s, sym);
        if (!v[i]) { fail_nomem(P); return NULL; }
    }
    const char *def = opt_string(P, obj, "default");
    if (P->err) return NULL;
    if (def) {
        bool found = false;
        for (size_t i = 0; i < ns_ && !found; i++) found = strcmp(v[i], def) == 0;
        if (!found) {
            fail(P, "enum \"%s\" default \"%s\" is not one of its symbols", n->name, def);
            return NULL;
        }
    }
    n->symbols = v;
    n->n_symbols = ns_;
    return n;
}

static kfb_avro_node_t *parse_fixed(parser_t *P, const json_t *obj, const char *ns) {
    kfb_avro_node_t *n = new_node(P, KFB_AVRO_FIXED);
    if (!n) return NULL;
    const char *own_ns;
    named_entry_t *e = parse_name(P, n, obj, ns, &own_ns);
    if (!e) return NULL;
    e->defining = false;
    json_t *size = json_object_get(obj, "size");
    if (!size || !json_is_integer(size) || json_integer_value(size) < 0 ||
        json_integer_value(size) > INT32_MAX) {
        fail(P, "fixed \"%s\" needs \"size\" as a non-negative integer", n->name);
        return NULL;
    }
    n->fixed_size = (size_t)json_integer_value(size);
    n->min_size = n->fixed_size;
    apply_logical(P, n, obj);
    return n;
}

static kfb_avro_node_t *parse_union(parser_t *P, const json_t *arr, const char *ns, int depth) {
    size_t nb = json_array_size(arr);
    if (nb == 0) {
        fail(P, "a union needs at least one branch");
        return NULL;
    }
    kfb_avro_node_t *n = new_node(P, KFB_AVRO_UNION);
    if (!n) return NULL;
    const kfb_avro_node_t **b = arena_alloc(P->s, nb * sizeof(*b));
    if (!b) { fail_nomem(P); return NULL; }
    size_t min = SIZE_MAX;
    for (size_t i = 0; i < nb; i++) {
        size_t saved;
        path_push(P, &saved, "[branch %zu]", i);
        const kfb_avro_node_t *br = parse_type(P, json_array_get(arr, i), ns, depth + 1);
        if (!br) return NULL;
        if (br->type == KFB_AVRO_UNION) {
            fail(P, "a union cannot directly contain another union");
            return NULL;
        }
        for (size_t k = 0; k < i; k++) {
            bool named = br->name != NULL;
            if (b[k]->type == br->type && (!named || strcmp(b[k]->name, br->name) == 0)) {
                fail(P, "the union already has a branch of type %s%s%s", named ? "\"" : "",
                     named ? br->name : kfb_avro_type_name(br->type), named ? "\"" : "");
                return NULL;
            }
        }
        if (br->type == KFB_AVRO_NULL) n->null_branch = (int32_t)i;
        if (br->min_size < min) min = br->min_size;
        b[i] = br;
        path_pop(P, saved);
    }
    n->branches = b;
    n->n_branches = nb;
    n->min_size = sat_add(1, min);
    return n;
}

static kfb_avro_node_t *parse_type_(parser_t *P, const json_t *j, const char *ns, int depth);

static uint32_t child_height(const kfb_avro_node_t *n) {
    uint32_t h = 0;
    switch (n->type) {
    case KFB_AVRO_RECORD:
        for (size_t i = 0; i < n->n_fields; i++)
            if (n->fields[i].type->height + 1 > h) h = n->fields[i].type->height + 1;
        break;
    case KFB_AVRO_UNION:
        for (size_t i = 0; i < n->n_branches; i++)
            if (n->branches[i]->height + 1 > h) h = n->branches[i]->height + 1;
        break;
    case KFB_AVRO_ARRAY:
    case KFB_AVRO_MAP: h = n->items->height + 1; break;
    default: break;
    }
    return h;
}

static kfb_avro_node_t *parse_type(parser_t *P, const json_t *j, const char *ns, int depth) {
    kfb_avro_node_t *n = parse_type_(P, j, ns, depth);
    if (!n || P->err) return NULL;
    /* references were complete when used, so heights only grow bottom-up */
    n->height = child_height(n);
    if (n->height > KFB_AVRO_MAX_DEPTH) {
        fail(P, "types are nested more than %d levels deep (counting named types where they "
                "are used)", KFB_AVRO_MAX_DEPTH);
        return NULL;
    }
    return n;
}

static kfb_avro_node_t *parse_type_(parser_t *P, const json_t *j, const char *ns, int depth) {
    if (depth > KFB_AVRO_MAX_DEPTH) {
        fail(P, "types are nested more than %d levels deep", KFB_AVRO_MAX_DEPTH);
        return NULL;
    }
    if (json_is_string(j)) {
        const char *t = json_string_value(j);
        kfb_avro_node_t *n = primitive(P, t);
        if (n || P->err) return n;
        return resolve_reference(P, t, ns);
    }
    if (json_is_array(j)) return parse_union(P, j, ns, depth);
    if (!json_is_object(j)) {
        fail(P, "a type must be a name, an object or an array (union), not %s", json_kind(j));
        return NULL;
    }
    json_t *tj = json_object_get(j, "type");
    if (!tj) {
        fail(P, "the type object has no \"type\" attribute");
        return NULL;
    }
    if (!json_is_string(tj)) {
        /* {"type": {...}} or {"type": [...]}: Java's parser refuses these too */
        fail(P, "\"type\" must be a type name string, not %s", json_kind(tj));
        return NULL;
    }
    const char *t = json_string_value(tj);
    kfb_avro_node_t *n = primitive(P, t);
    if (P->err) return NULL;
    if (n) {
        apply_logical(P, n, j);
        return P->err ? NULL : n;
    }
    if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0)
        return parse_record(P, j, ns, depth);
    if (strcmp(t, "enum") == 0) return parse_enum(P, j, ns);
    if (strcmp(t, "fixed") == 0) return parse_fixed(P, j, ns);
    if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
        bool is_array = t[0] == 'a';
        const char *key = is_array ? "items" : "values";
        json_t *it = json_object_get(j, key);
        if (!it) {
            fail(P, "%s needs \"%s\"", t, key);
            return NULL;
        }
        n = new_node(P, is_array ? KFB_AVRO_ARRAY : KFB_AVRO_MAP);
        if (!n) return NULL;
        size_t saved;
        path_push(P, &saved, "%s", is_array ? "[]" : "{}");
        n->items = parse_type(P, it, ns, depth + 1);
        if (!n->items) return NULL;
        path_pop(P, saved);
        return n;
    }
    /* {"type": "SomeName"}: a reference to a named type */
    return resolve_reference(P, t, ns);
}

/* ---- public ------------------------------------------------------------------ */

void kfb_avro_schema_destroy(kfb_avro_schema_t *s) {
    if (!s) return;
    arena_chunk_t *c = s->chunks;
    while (c) {
        arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    free(s);
}

kfb_err_t kfb_avro_schema_parse(const char *json, size_t len, kfb_avro_schema_t **out,
                                char *errstr, size_t errstr_size) {
    if (errstr && errstr_size) errstr[0] = '\0';
    *out = NULL;
    if (!json) {
        if (errstr && errstr_size) snprintf(errstr, errstr_size, "no Avro schema text given");
        return KFB_ERR_INVALID_ARG;
    }
    json_error_t jerr;
    /* duplicate keys: the last one wins, as with Java's Jackson parser */
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
    if (!root) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size,
                     "invalid Avro schema: not valid JSON at line %d column %d: %s", jerr.line,
                     jerr.column, jerr.text);
        return KFB_ERR_AVRO_SCHEMA_INVALID;
    }
    kfb_avro_schema_t *s = calloc(1, sizeof(*s));
    if (!s) {
        json_decref(root);
        return KFB_ERR_NOMEM;
    }
    parser_t P = {.s = s, .errstr = errstr, .errstr_size = errstr_size};
    const kfb_avro_node_t *node = parse_type(&P, root, "", 0);
    if (node && !P.err) {
        /* Second opinion from avro-c. Our parser follows the Java implementation
         * (what Confluent serializers use), which is laxer in one documented way:
         * an unqualified reference falls back to the null namespace
         * (Schema.Names.get). So a disagreement is reported, not fatal. */
        avro_schema_t as = NULL;
        if (avro_schema_from_json_length(json, len, &as) != 0) {
            const char *why = avro_strerror();
            KFB_WARN("avro", "Avro schema accepted although avro-c rejects it (%s); "
                             "C consumers of this schema may fail",
                     why && *why ? why : "no reason given");
        }
        if (as) avro_schema_decref(as);
    }
    if (node && !P.err) {
        char *dump = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
        s->json = dump ? arena_strdup(s, dump) : NULL;
        free(dump);
        s->named = arena_alloc(s, (P.n_named ? P.n_named : 1) * sizeof(*s->named));
        if (!s->json || !s->named) {
            fail_nomem(&P);
        } else {
            for (size_t i = 0; i < P.n_named; i++) s->named[i] = P.named[i].node;
            s->n_named = P.n_named;
            s->root = node;
        }
    }
    free(P.named);
    json_decref(root);
    if (P.err || !node) {
        kfb_avro_schema_destroy(s);
        return P.err ? P.err : KFB_ERR_AVRO_SCHEMA_INVALID;
    }
    *out = s;
    return KFB_ERR_OK;
}

const kfb_avro_node_t *kfb_avro_schema_root(const kfb_avro_schema_t *s) { return s->root; }

const char *kfb_avro_schema_json(const kfb_avro_schema_t *s) { return s->json; }

const kfb_avro_node_t *kfb_avro_schema_find_named(const kfb_avro_schema_t *s,
                                                  const char *full_name) {
    for (size_t i = 0; i < s->n_named; i++)
        if (strcmp(s->named[i]->name, full_name) == 0) return s->named[i];
    return NULL;
}

const kfb_avro_field_t *kfb_avro_record_field(const kfb_avro_node_t *rec, const char *name) {
    if (!rec || rec->type != KFB_AVRO_RECORD) return NULL;
    for (size_t i = 0; i < rec->n_fields; i++)
        if (strcmp(rec->fields[i].name, name) == 0) return &rec->fields[i];
    for (size_t i = 0; i < rec->n_fields; i++)
        for (size_t k = 0; k < rec->fields[i].n_aliases; k++)
            if (strcmp(rec->fields[i].aliases[k], name) == 0) return &rec->fields[i];
    return NULL;
}

const kfb_avro_node_t *kfb_avro_nullable_inner(const kfb_avro_node_t *n) {
    if (n->type != KFB_AVRO_UNION) return n;
    if (n->n_branches == 2 && n->null_branch >= 0) return n->branches[1 - n->null_branch];
    return NULL;
}

const char *kfb_avro_type_name(kfb_avro_type_t t) {
    static const char *const names[] = {"null",  "boolean", "int",   "long",  "float",
                                        "double", "bytes",  "string", "record", "enum",
                                        "array", "map",     "union", "fixed"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

const char *kfb_avro_logical_type_name(kfb_avro_logical_t l) {
    static const char *const names[] = {
        "none",
        "decimal",
        "uuid",
        "date",
        "time-millis",
        "time-micros",
        "timestamp-millis",
        "timestamp-micros",
        "timestamp-nanos",
        "local-timestamp-millis",
        "local-timestamp-micros",
        "local-timestamp-nanos",
    };
    return (unsigned)l < sizeof(names) / sizeof(names[0]) ? names[l] : "unknown";
}
