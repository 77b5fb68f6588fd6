/*
 * mapper_compile.c - mapping plans: one compiled step per Avro field of a writer schema,
 * and the mapper's setup (table checks, key encoders, plan cache). The rules are in
 * mapper.h; the formats the steps produce are described in mapper_exec.c.
 */
#include "mapper_internal.h"

static char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void kfb_mapper_set_err_(char *errstr, size_t size, const char *fmt, ...) {
    if (!errstr || !size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

static void step_free_elem(step_t *e) {
    if (!e) return;
    free(e->path);
    free(e->text);
    free(e);
}

static void steplist_free(steplist_t *sl) {
    if (!sl) return;
    for (size_t i = 0; i < sl->n; i++) {
        free(sl->v[i].path);
        free(sl->v[i].text);
        step_free_elem(sl->v[i].elem);
        if (sl->v[i].nested) {
            steplist_free(&sl->v[i].nested->steps);
            free(sl->v[i].nested->slots);
            free(sl->v[i].nested->present);
            free(sl->v[i].nested);
        }
        if (sl->v[i].sub) {
            steplist_free(sl->v[i].sub);
            free(sl->v[i].sub);
        }
    }
    free(sl->v);
    sl->v = NULL;
    sl->n = 0;
}

static void plan_free(plan_t *p) {
    if (!p) return;
    steplist_free(&p->steps);
    free(p->errmsg);
    free(p->desc);
    kfb_mapper_jit_free(p);
    free(p->fops);
    free(p->fused_bitmap);
    free(p);
}

/* ---- plan compilation -------------------------------------------------------------- */

typedef struct compile_ctx {
    kfb_mapper_t *m;
    plan_t *plan;
    char *err;
    size_t err_size;
    uint8_t *has_source; /* per column, for this plan */
    kfb_buf_t desc;
    int failed;
    int quiet; /* compiling Debezium's `before`: its skips were warned for `after` */
} compile_ctx_t;

/* Under warn_fields_without_column: a field whose values are dropped is said once per plan
 * (one compile per writer schema and table schema), not silently. */
static void warn_no_column(const compile_ctx_t *c, const char *path, const char *what) {
    if (!c->m->warn_no_column || c->quiet) return;
    KFB_WARN("mapper",
             "%s%s%swriter schema %d: field %s has no %s, so its values are not written; add the "
             "column (or evolve: add_columns), or list the field in ignore",
             c->m->topic ? "topic " : "", c->m->topic ? c->m->topic : "", c->m->topic ? ": " : "",
             (int)c->plan->schema_id, path, what);
}

__attribute__((format(printf, 3, 4))) static void cfail(compile_ctx_t *c, const char *path,
                                                        const char *fmt, ...) {
    if (c->failed) return;
    c->failed = 1;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    kfb_mapper_set_err_(c->err, c->err_size, "schema id %d: field %s: %s", (int)c->plan->schema_id,
            path ? path : "(root)", what);
}

__attribute__((format(printf, 2, 3))) static void desc_add(compile_ctx_t *c, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof(line)) n = sizeof(line) - 1;
    (void)kfb_buf_append(&c->desc, line, (size_t)n);
}

static const char *avro_desc(const kfb_avro_node_t *t) {
    if (t->logical != KFB_AVRO_LOGICAL_NONE) return kfb_avro_logical_type_name(t->logical);
    return kfb_avro_type_name(t->type);
}

/* Picks the conversion of an Avro type onto a column type. Returns 0, or -1 with a reason
 * in `why`. *lossy gets a note when the conversion can drop information. */
static int choose_conv(const kfb_avro_node_t *a, const kfb_datatype_t *t, conv_t *out,
                       const char **lossy, char *why, size_t why_size) {
    kfb_type_root_t r = t->root;
    *lossy = NULL;
    switch (a->logical) {
    case KFB_AVRO_LOGICAL_DECIMAL:
        if (r == KFB_TYPE_DECIMAL) {
            *out = a->type == KFB_AVRO_FIXED ? CV_DEC_FIXED : CV_DEC_BYTES;
            if (a->scale > t->scale) *lossy = "decimal scale reduced (rounded HALF_UP)";
            return 0;
        }
        break;
    case KFB_AVRO_LOGICAL_UUID:
        /* uuid on fixed(16) (Avro 1.12) is 16 raw bytes, not a length-prefixed string: into
         * STRING/CHAR it is rendered as Java's UUID.toString of them (Avro's
         * Conversions.UUIDConversion.fromFixed reads the bytes as two big-endian longs);
         * into BYTES/BINARY it goes the fixed path (the 16 bytes). */
        if (a->type == KFB_AVRO_FIXED) {
            if (r == KFB_TYPE_STRING || r == KFB_TYPE_CHAR) {
                *out = CV_UUID_FIXED;
                return 0;
            }
            break;
        }
        if (r == KFB_TYPE_STRING || r == KFB_TYPE_CHAR) {
            *out = CV_STRING;
            return 0;
        }
        break;
    case KFB_AVRO_LOGICAL_DATE:
        if (r == KFB_TYPE_DATE) {
            *out = CV_DATE;
            return 0;
        }
        break;
    case KFB_AVRO_LOGICAL_TIME_MILLIS:
        if (r == KFB_TYPE_TIME_WITHOUT_TIME_ZONE) {
            *out = CV_TIME_MILLIS;
            return 0;
        }
        break;
    case KFB_AVRO_LOGICAL_TIME_MICROS:
        if (r == KFB_TYPE_TIME_WITHOUT_TIME_ZONE) {
            *out = CV_TIME_MICROS;
            *lossy = "microseconds truncated to milliseconds (Fluss TIME stores millis)";
            return 0;
        }
        break;
    case KFB_AVRO_LOGICAL_TIMESTAMP_MILLIS:
    case KFB_AVRO_LOGICAL_TIMESTAMP_MICROS:
    case KFB_AVRO_LOGICAL_TIMESTAMP_NANOS:
    case KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MILLIS:
    case KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MICROS:
    case KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_NANOS: {
        int local = a->logical >= KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MILLIS;
        kfb_type_root_t want = local ? KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE
                                     : KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE;
        if (r != want) {
            snprintf(why, why_size, "Avro %s maps to %s, not to this column's type",
                     kfb_avro_logical_type_name(a->logical),
                     local ? "TIMESTAMP(p)" : "TIMESTAMP_LTZ(p)");
            return -1;
        }
        kfb_avro_logical_t base = local ? a->logical - 3 : a->logical;
        if (base == KFB_AVRO_LOGICAL_TIMESTAMP_MILLIS) *out = CV_TS_MILLIS;
        else if (base == KFB_AVRO_LOGICAL_TIMESTAMP_MICROS) *out = CV_TS_MICROS;
        else *out = CV_TS_NANOS;
        if (*out != CV_TS_MILLIS && t->precision <= 3)
            *lossy = "sub-millisecond digits dropped (column precision <= 3 stores millis)";
        return 0;
    }
    default:
        break;
    }
    switch (a->type) {
    case KFB_AVRO_NULL:
        *out = CV_NULL;
        return 0;
    case KFB_AVRO_BOOLEAN:
        if (r == KFB_TYPE_BOOLEAN) { *out = CV_BOOL; return 0; }
        break;
    case KFB_AVRO_INT:
        if (r == KFB_TYPE_TINYINT) { *out = CV_INT_I8; return 0; }
        if (r == KFB_TYPE_SMALLINT) { *out = CV_INT_I16; return 0; }
        if (r == KFB_TYPE_INTEGER) { *out = CV_INT_I32; return 0; }
        if (r == KFB_TYPE_BIGINT) { *out = CV_INT_I64; return 0; }
        break;
    case KFB_AVRO_LONG:
        if (r == KFB_TYPE_BIGINT) { *out = CV_LONG_I64; return 0; }
        if (r == KFB_TYPE_INTEGER) { *out = CV_LONG_I32; return 0; }
        break;
    case KFB_AVRO_FLOAT:
        if (r == KFB_TYPE_FLOAT) { *out = CV_FLOAT_F32; return 0; }
        if (r == KFB_TYPE_DOUBLE) { *out = CV_FLOAT_F64; return 0; }
        break;
    case KFB_AVRO_DOUBLE:
        if (r == KFB_TYPE_DOUBLE) { *out = CV_DOUBLE_F64; return 0; }
        break;
    case KFB_AVRO_STRING:
        if (r == KFB_TYPE_STRING || r == KFB_TYPE_CHAR) { *out = CV_STRING; return 0; }
        break;
    case KFB_AVRO_ENUM:
        if (r == KFB_TYPE_STRING || r == KFB_TYPE_CHAR) { *out = CV_ENUM; return 0; }
        break;
    case KFB_AVRO_BYTES:
        if (r == KFB_TYPE_BYTES || r == KFB_TYPE_BINARY) { *out = CV_BYTES; return 0; }
        break;
    case KFB_AVRO_FIXED:
        if (r == KFB_TYPE_BYTES || r == KFB_TYPE_BINARY) { *out = CV_FIXED; return 0; }
        break;
    case KFB_AVRO_RECORD:
        if (r == KFB_TYPE_ROW) { *out = CV_ROW; return 0; }
        snprintf(why, why_size, "an Avro record can only be written to a ROW column");
        return -1;
    case KFB_AVRO_ARRAY:
        if (r == KFB_TYPE_ARRAY) { *out = CV_ARRAY; return 0; }
        snprintf(why, why_size, "an Avro array can only be written to an ARRAY column");
        return -1;
    case KFB_AVRO_MAP:
        if (r == KFB_TYPE_MAP) { *out = CV_MAP; return 0; }
        snprintf(why, why_size, "an Avro map can only be written to a MAP column");
        return -1;
    default:
        break;
    }
    char tn[128];
    kfb_datatype_format(t, tn, sizeof(tn));
    snprintf(why, why_size, "Avro %s cannot be written to a %s column", avro_desc(a), tn);
    return -1;
}

static const char *column_for_field(const kfb_mapper_t *m, const char *field) {
    for (size_t i = 0; i < m->n_renames; i++)
        if (!strcmp(m->rename_from[i], field)) return m->rename_to[i];
    return field;
}

static int is_ignored(const kfb_mapper_t *m, const char *field) {
    for (size_t i = 0; i < m->n_ignore; i++)
        if (!strcmp(m->ignore[i], field)) return 1;
    return 0;
}

static const char *union_rule_for(const kfb_mapper_t *m, const char *field) {
    for (size_t i = 0; i < m->n_union_rules; i++)
        if (!strcmp(m->union_field[i], field)) return m->union_branch[i];
    return NULL;
}

static int in_idx(const int *list, size_t n, int v) {
    for (size_t i = 0; i < n; i++)
        if (list[i] == v) return 1;
    return 0;
}

static int compile_nested(compile_ctx_t *c, step_t *s, const kfb_avro_node_t *rec,
                          const kfb_datatype_t *row, int depth);
static const char *union_rule_for(const kfb_mapper_t *m, const char *field);
static int compile_collection(compile_ctx_t *c, step_t *s, const kfb_datatype_t *ct, int depth);

/* Fills one ST_COLUMN step that writes an Avro value of declared type `type` into target
 * slot `column` of type `ct` (a table column, or a field of a ROW when depth > 0). */
static int compile_value_step(compile_ctx_t *c, step_t *s, const kfb_avro_node_t *type,
                              int column, const kfb_datatype_t *ct, const char *cname,
                              int depth) {
    s->type = type;
    s->null_branch = -1;
    s->inner = type;
    if (type->type == KFB_AVRO_UNION) {
        const kfb_avro_node_t *inner = kfb_avro_nullable_inner(type);
        s->null_branch = type->null_branch;
        s->n_branches = type->n_branches;
        if (inner && type->n_branches == 2) {
            s->value_branch = 1 - type->null_branch;
        } else {
            /* a configured rule picks the branch; other non-null branches are per-record
             * errors */
            const char *field = strrchr(s->path, '.');
            field = field ? field + 1 : s->path;
            const char *want = union_rule_for(c->m, field);
            int found = -1;
            for (size_t b = 0; want && b < type->n_branches; b++) {
                const kfb_avro_node_t *br = type->branches[b];
                if (br->type == KFB_AVRO_NULL) continue;
                if (!strcmp(want, kfb_avro_type_name(br->type)) ||
                    (br->name && !strcmp(want, br->name)) ||
                    (br->logical != KFB_AVRO_LOGICAL_NONE &&
                     !strcmp(want, kfb_avro_logical_type_name(br->logical))))
                    found = (int)b;
            }
            if (found < 0 && want) {
                cfail(c, s->path, "is a union without a branch \"%s\" (the configured union rule)",
                      want);
                return -1;
            }
            if (found < 0) {
                cfail(c, s->path,
                      "is a union of %zu types; only unions of null and one type map directly "
                      "(configure a union rule naming the branch to keep, ignore the field, or "
                      "change the producer's schema)",
                      type->n_branches);
                return -1;
            }
            s->value_branch = found;
            inner = type->branches[found];
        }
        s->inner = inner;
    }
    s->kind = ST_COLUMN;
    s->column = column;
    s->ttype = ct;
    const char *lossy = NULL;
    char why[512];
    conv_t cv;
    if (choose_conv(s->inner, ct, &cv, &lossy, why, sizeof(why)) != 0) {
        cfail(c, s->path, "%s (%s \"%s\")", why, depth ? "ROW field" : "column", cname);
        return -1;
    }
    s->conv = cv;
    s->src_scale = s->inner->scale;
    if (cv == CV_UUID_FIXED) {
        if (!(s->text = malloc(KFB_UUID_TEXT_LEN))) {
            cfail(c, s->path, "out of memory");
            return -1;
        }
        /* the row bound counts the message's bytes; the text is 20 bytes longer */
        c->plan->enum_bound += KFB_UUID_TEXT_LEN - 16;
    }
    if (cv == CV_ENUM) {
        size_t mx = 0;
        for (size_t k = 0; k < s->inner->n_symbols; k++)
            if (strlen(s->inner->symbols[k]) > mx) mx = strlen(s->inner->symbols[k]);
        c->plan->enum_bound += mx;
    }
    char tn[128];
    kfb_datatype_format(ct, tn, sizeof(tn));
    desc_add(c, "  %*s%s %s %s <- %s (%s%s)%s%s\n", 2 * depth, "", depth ? "field" : "column",
             cname, tn, s->path, s->null_branch >= 0 ? "nullable " : "", avro_desc(s->inner),
             lossy ? " LOSSY: " : "", lossy ? lossy : "");
    s->depth = depth;
    if (cv == CV_ROW) return compile_nested(c, s, s->inner, ct, depth);
    if (cv == CV_ARRAY || cv == CV_MAP) return compile_collection(c, s, ct, depth);
    return 0;
}

static int compile_column_step(compile_ctx_t *c, step_t *s, const kfb_avro_node_t *type,
                               int column) {
    const kfb_table_desc_t *td = c->m->td;
    return compile_value_step(c, s, type, column, td->columns[column].type,
                              td->columns[column].name, 0);
}

/* Element types a BinaryArray slot can hold here (ArrayType elements in BinaryArray.java
 * calculateFixLengthPartSize); nested ARRAY/MAP/ROW elements are not supported. */
static int array_elem_ok(const kfb_datatype_t *t) { return !kfb_type_root_is_nested(t->root); }

static int compile_collection(compile_ctx_t *c, step_t *s, const kfb_datatype_t *ct, int depth) {
    const kfb_datatype_t *et = ct->root == KFB_TYPE_ARRAY ? ct->element : ct->value;
    if (depth + 1 >= MAX_ROW_DEPTH) {
        cfail(c, s->path, "values nest more than %d levels deep", MAX_ROW_DEPTH - 1);
        return -1;
    }
    if (!array_elem_ok(et)) {
        cfail(c, s->path, "%s of ARRAY, MAP or ROW elements are not supported by this version",
              ct->root == KFB_TYPE_ARRAY ? "arrays" : "maps");
        return -1;
    }
    if (ct->root == KFB_TYPE_MAP &&
        ct->key->root != KFB_TYPE_STRING && ct->key->root != KFB_TYPE_CHAR) {
        cfail(c, s->path, "Avro map keys are strings; the MAP column's key type must be STRING");
        return -1;
    }
    step_t *e = calloc(1, sizeof(*e));
    if (!e) {
        cfail(c, s->path, "out of memory");
        return -1;
    }
    s->elem = e;
    size_t pl = strlen(s->path) + 3;
    e->path = malloc(pl);
    if (!e->path) {
        cfail(c, s->path, "out of memory");
        return -1;
    }
    snprintf(e->path, pl, "%s[]", s->path);
    return compile_value_step(c, e, s->inner->items, 0, et, "element", depth + 1);
}

/* An Avro record feeding a ROW column: fields match ROW fields by exact name (renames
 * and ignores apply to top-level fields only); unmatched Avro fields are skipped, ROW
 * fields without an Avro field are null, or a plan error when NOT NULL. */
static int compile_nested(compile_ctx_t *c, step_t *s, const kfb_avro_node_t *rec,
                          const kfb_datatype_t *row, int depth) {
    if (depth + 1 >= MAX_ROW_DEPTH) {
        cfail(c, s->path, "ROW values nest more than %d levels deep", MAX_ROW_DEPTH - 1);
        return -1;
    }
    nested_t *nd = calloc(1, sizeof(*nd));
    if (!nd) {
        cfail(c, s->path, "out of memory");
        return -1;
    }
    s->nested = nd;
    nd->type = row;
    nd->depth = depth;
    size_t nf = row->field_count;
    nd->slots = calloc(nf ? nf : 1, sizeof(slot_t));
    nd->present = calloc(nf ? nf : 1, 1);
    nd->steps.v = calloc(rec->n_fields ? rec->n_fields : 1, sizeof(step_t));
    if (!nd->slots || !nd->present || !nd->steps.v) {
        cfail(c, s->path, "out of memory");
        return -1;
    }
    nd->steps.n = rec->n_fields;
    uint8_t *has = nd->present; /* used as "has a source" while compiling */
    for (size_t i = 0; i < rec->n_fields; i++) {
        const kfb_avro_field_t *f = &rec->fields[i];
        step_t *fs = &nd->steps.v[i];
        size_t pl = strlen(s->path) + strlen(f->name) + 2;
        fs->path = malloc(pl);
        if (!fs->path) {
            cfail(c, s->path, "out of memory");
            return -1;
        }
        snprintf(fs->path, pl, "%s.%s", s->path, f->name);
        fs->kind = ST_SKIP;
        fs->type = f->type;
        fs->column = -1;
        int idx = -1;
        for (size_t j = 0; j < nf; j++)
            if (!strcmp(row->fields[j].name, f->name)) idx = (int)j;
        if (idx < 0) {
            desc_add(c, "  %*sskip %s (no ROW field \"%s\")\n", 2 * (depth + 1), "", fs->path,
                     f->name);
            warn_no_column(c, fs->path, "ROW field of that name");
            continue;
        }
        if (compile_value_step(c, fs, f->type, idx, row->fields[idx].type, f->name, depth + 1))
            return -1;
        has[idx] = 1;
    }
    for (size_t j = 0; j < nf; j++) {
        if (has[j]) continue;
        if (!row->fields[j].type->nullable) {
            cfail(c, s->path, "ROW field \"%s\" is NOT NULL but the Avro record has no field for it",
                  row->fields[j].name);
            return -1;
        }
        desc_add(c, "  %*sfield %s <- null (no Avro field)\n", 2 * (depth + 1), "",
                 row->fields[j].name);
    }
    memset(has, 0, nf);
    return 0;
}

/* Compiles the fields of an Avro record onto columns. key_only limits matches to PK
 * columns (Kafka key schemas). */
static int compile_record(compile_ctx_t *c, const kfb_avro_node_t *rec, const char *prefix,
                          steplist_t *sl, int key_only) {
    const kfb_table_desc_t *td = c->m->td;
    sl->v = calloc(rec->n_fields ? rec->n_fields : 1, sizeof(step_t));
    if (!sl->v) {
        cfail(c, prefix, "out of memory");
        return -1;
    }
    sl->n = rec->n_fields;
    for (size_t i = 0; i < rec->n_fields; i++) {
        const kfb_avro_field_t *f = &rec->fields[i];
        step_t *s = &sl->v[i];
        size_t pl = strlen(prefix) + strlen(f->name) + 2;
        s->path = malloc(pl);
        if (!s->path) {
            cfail(c, prefix, "out of memory");
            return -1;
        }
        snprintf(s->path, pl, "%s.%s", prefix, f->name);
        s->kind = ST_SKIP;
        s->type = f->type;
        s->column = -1;
        if (!key_only && is_ignored(c->m, f->name)) {
            desc_add(c, "  skip %s (ignored by configuration)\n", s->path);
            continue;
        }
        const char *colname = column_for_field(c->m, f->name);
        int col = kfb_table_desc_column_index(td, colname);
        if (col < 0 || (key_only && !in_idx(td->primary_key, td->primary_key_count, col))) {
            desc_add(c, "  skip %s (no column \"%s\")\n", s->path, colname);
            if (!key_only) warn_no_column(c, s->path, "column");
            continue;
        }
        if (c->has_source[col]) {
            cfail(c, s->path, "maps to column \"%s\", which another field already fills",
                  colname);
            return -1;
        }
        if (col == td->auto_increment_column) {
            cfail(c, s->path,
                  "maps to the auto-increment column \"%s\", which Fluss fills itself; "
                  "ignore the field",
                  colname);
            return -1;
        }
        if (compile_column_step(c, s, f->type, col) != 0) return -1;
        c->has_source[col] = 1;
    }
    return 0;
}

/* Debezium: finds the Value record inside the envelope's before/after union. */
static const kfb_avro_node_t *dbz_value_record(const kfb_avro_node_t *t) {
    const kfb_avro_node_t *inner = kfb_avro_nullable_inner(t);
    if (!inner || inner->type != KFB_AVRO_RECORD) return NULL;
    return inner;
}

static int compile_debezium(compile_ctx_t *c, const kfb_avro_node_t *env) {
    const kfb_avro_field_t *fa = kfb_avro_record_field(env, "after");
    const kfb_avro_field_t *fb = kfb_avro_record_field(env, "before");
    const kfb_avro_field_t *fo = kfb_avro_record_field(env, "op");
    const char *ename = env->name ? env->name : "Envelope";
    if (!fa || !fb || !fo) {
        cfail(c, ename,
              "is not a Debezium envelope: it needs fields before, after and op "
              "(is the format setting right?)");
        return -1;
    }
    const kfb_avro_node_t *va = dbz_value_record(fa->type), *vb = dbz_value_record(fb->type);
    if (!va || !vb) {
        cfail(c, ename, "Debezium before/after must be unions of null and a record");
        return -1;
    }
    const kfb_avro_node_t *op = kfb_avro_nullable_inner(fo->type);
    if (!op || op->type != KFB_AVRO_STRING) {
        cfail(c, ename, "Debezium op must be a string");
        return -1;
    }
    steplist_t *sl = &c->plan->steps;
    sl->v = calloc(env->n_fields, sizeof(step_t));
    if (!sl->v) {
        cfail(c, ename, "out of memory");
        return -1;
    }
    sl->n = env->n_fields;
    for (size_t i = 0; i < env->n_fields; i++) {
        const kfb_avro_field_t *f = &env->fields[i];
        step_t *s = &sl->v[i];
        size_t pl = strlen(ename) + strlen(f->name) + 2;
        s->path = malloc(pl);
        if (!s->path) {
            cfail(c, ename, "out of memory");
            return -1;
        }
        snprintf(s->path, pl, "%s.%s", ename, f->name);
        s->type = f->type;
        s->column = -1;
        s->null_branch = -1;
        if (f == fa || f == fb) {
            s->kind = ST_RECORD;
            s->slotset = f == fa ? 0 : 1;
            s->null_branch = f->type->null_branch;
            s->n_branches = f->type->n_branches;
            s->inner = f == fa ? va : vb;
            s->sub = calloc(1, sizeof(steplist_t));
            if (!s->sub) {
                cfail(c, ename, "out of memory");
                return -1;
            }
            char prefix[512];
            snprintf(prefix, sizeof(prefix), "%s.%s", s->path, s->inner->name ? s->inner->name : "Value");
            if (f == fb) {
                /* `before` fills its own slot set; sources are judged from `after` */
                uint8_t *saved = c->has_source;
                uint8_t *tmp = calloc(c->m->td->column_count, 1);
                if (!tmp) {
                    cfail(c, ename, "out of memory");
                    return -1;
                }
                c->has_source = tmp;
                size_t dlen = c->desc.len;
                c->quiet = 1;
                int rc = compile_record(c, s->inner, prefix, s->sub, 0);
                c->quiet = 0;
                c->desc.len = dlen; /* describe the after mapping only */
                c->has_source = saved;
                free(tmp);
                if (rc != 0) return -1;
            } else if (compile_record(c, s->inner, prefix, s->sub, 0) != 0) {
                return -1;
            }
        } else if (f == fo) {
            s->kind = ST_OP;
            s->null_branch = fo->type->type == KFB_AVRO_UNION ? fo->type->null_branch : -1;
            s->n_branches = fo->type->type == KFB_AVRO_UNION ? fo->type->n_branches : 0;
            s->inner = op;
        } else {
            s->kind = ST_SKIP;
        }
    }
    return 0;
}

/* The id (index + 1) of the target-column list cols[0, n), added when no plan had it yet:
 * one id per distinct list, whatever writer or table schema the plan is for, so that
 * records of plans with the same list may share a batch. Takes cols over (freed when the
 * list is known already). 0 on out of memory (cols freed). */
static uint32_t target_set_intern(kfb_mapper_t *m, int32_t *cols, size_t n) {
    for (size_t i = 0; i < m->n_tsets; i++)
        if (m->tsets[i].n == n && (n == 0 || !memcmp(m->tsets[i].cols, cols, n * sizeof(*cols)))) {
            free(cols);
            return (uint32_t)i + 1;
        }
    if (m->n_tsets == m->cap_tsets) {
        size_t cap = m->cap_tsets ? m->cap_tsets * 2 : 4;
        target_set_t *nt = realloc(m->tsets, cap * sizeof(*nt));
        if (!nt) {
            free(cols);
            return 0;
        }
        m->tsets = nt;
        m->cap_tsets = cap;
    }
    m->tsets[m->n_tsets].cols = cols;
    m->tsets[m->n_tsets].n = n;
    return (uint32_t)++m->n_tsets;
}

const int32_t *kfb_mapper_target_columns(const kfb_mapper_t *m, uint32_t target_set, size_t *n) {
    if (target_set == 0 || target_set > m->n_tsets) {
        if (n) *n = 0;
        return NULL;
    }
    if (n) *n = m->tsets[target_set - 1].n;
    return m->tsets[target_set - 1].cols;
}

static int compile_finish(compile_ctx_t *c) {
    const kfb_table_desc_t *td = c->m->td;
    kfb_mapper_t *m = c->m;
    int need_targets = 0;
    for (size_t col = 0; col < td->column_count; col++) {
        if (c->has_source[col]) continue;
        int is_pk = in_idx(td->primary_key, td->primary_key_count, (int)col);
        const kfb_table_column_t *tc = &td->columns[col];
        if (is_pk && m->key_from_message_key) {
            c->has_source[col] = 2;
            desc_add(c, "  column %s <- Kafka message key\n", tc->name);
            continue;
        }
        if ((int)col == td->auto_increment_column) {
            need_targets = 1;
            desc_add(c, "  column %s <- assigned by Fluss (auto-increment)\n", tc->name);
            continue;
        }
        if (!tc->type->nullable) {
            cfail(c, tc->name,
                  "column \"%s\" is NOT NULL%s but the Avro schema has no field for it; add a "
                  "field, or a rename that maps one onto it",
                  tc->name, is_pk ? " (primary key)" : "");
            return -1;
        }
        if (m->partial_update) {
            need_targets = 1;
            desc_add(c, "  column %s <- not written (partial update)\n", tc->name);
        } else {
            desc_add(c, "  column %s <- null (no Avro field)\n", tc->name);
        }
    }
    if (need_targets) {
        int32_t *cols = malloc(td->column_count * sizeof(int32_t));
        size_t n = 0;
        if (cols)
            for (size_t col = 0; col < td->column_count; col++)
                if (c->has_source[col]) cols[n++] = (int32_t)col;
        uint32_t id = cols ? target_set_intern(m, cols, n) : 0;
        if (!id) {
            cfail(c, NULL, "out of memory");
            return -1;
        }
        c->plan->target_set = id;
        c->plan->target_columns = m->tsets[id - 1].cols;
        c->plan->n_target = n;
    }
    return 0;
}

/* The fused op for a column step, or F_GENERIC when only the general conversion fits. */
static fop_kind_t fused_kind(const kfb_mapper_t *m, const step_t *s) {
    uint8_t op = m->col_op[s->column];
    switch (s->conv) {
    case CV_BOOL: return op == OP_BOOL ? F_BOOL : F_GENERIC;
    case CV_INT_I32:
    case CV_DATE: return op == OP_V32 ? F_INT_V32 : F_GENERIC;
    case CV_INT_I64: return op == OP_V64 ? F_INT_V64 : F_GENERIC;
    case CV_LONG_I64: return op == OP_V64 ? F_LONG_V64 : F_GENERIC;
    case CV_TS_MILLIS: return op == OP_TS3 ? F_LONG_V64 : F_GENERIC;
    case CV_FLOAT_F32: return op == OP_F32 ? F_F32 : F_GENERIC;
    case CV_DOUBLE_F64: return op == OP_F64 ? F_F64 : F_GENERIC;
    case CV_STRING: return op == OP_BYTES ? F_STR : F_GENERIC;
    case CV_BYTES: return op == OP_BYTES ? F_BYTES : F_GENERIC;
    default: return F_GENERIC;
    }
}

/* Builds the fused ops of a value plan when the table and plan allow them: plain Avro
 * records (no Debezium, key from the value), an unpartitioned table without nested
 * columns, CompactedKeyEncoder keys whose bytes are also the bucket key, every field either
 * skipped or a scalar column, the columns in field order (the row is written as the fields
 * are decoded) and every physical PK column fed by a field. The key is then the row's
 * encodings of the PK columns in PK order (CompactedKeyWriter writes each field as
 * CompactedRowWriter does, §7.3). Leaves p->fops NULL otherwise; returns -1 on out of memory. */
static int build_fused(kfb_mapper_t *m, plan_t *p) {
    const kfb_table_desc_t *td = m->td;
    if (p->role != ROLE_VALUE || p->err || !p->root_is_record ||
        m->format != KFB_MAPPER_FORMAT_AVRO || m->key_from_message_key || !m->fast_rows ||
        td->partition_key_count || m->keys.pk_encoding != KFB_KEY_ENC_COMPACTED ||
        !m->keys.bucket_key_is_pk_bytes || td->physical_primary_key_count > FUSED_MAX_KEY ||
        !td->physical_primary_key_count)
        return 0;
    int last = -1;
    size_t keys_seen = 0;
    for (size_t i = 0; i < p->steps.n; i++) {
        const step_t *s = &p->steps.v[i];
        if (s->kind == ST_SKIP) continue;
        if (s->kind != ST_COLUMN || s->conv == CV_ROW || s->conv == CV_ARRAY ||
            s->conv == CV_MAP || s->column <= last)
            return 0;
        last = s->column;
        if (in_idx(td->physical_primary_key, td->physical_primary_key_count, s->column))
            keys_seen++;
    }
    if (keys_seen != td->physical_primary_key_count) return 0;
    size_t nb = (td->column_count + 7) / 8;
    /* at most four ops per field: a union index, a mark, the value, a mark */
    size_t cap = 4 * p->steps.n + 1, n = 0;
    fop_t *ops = calloc(cap, sizeof(*ops));
    uint8_t *bm = calloc(nb < 8 ? 8 : nb, 1); /* run_fused copies 8 bytes */
    if (!ops || !bm) {
        free(ops);
        free(bm);
        return -1;
    }
    /* columns without a field are null in every row (compile_finish let through only
     * nullable and auto-increment ones) */
    for (size_t col = 0; col < td->column_count; col++) bm[col >> 3] |= (uint8_t)(1u << (col & 7));
    for (size_t i = 0; i < p->steps.n; i++) {
        const step_t *s = &p->steps.v[i];
        fop_t *o = &ops[n];
        o->step = s;
        o->key_pos = -1;
        o->column = -1;
        if (s->kind == ST_SKIP) {
            o->kind = F_SKIP;
            n++;
            continue;
        }
        int col = s->column;
        int8_t key_pos = -1;
        for (size_t k = 0; k < td->physical_primary_key_count; k++)
            if (td->physical_primary_key[k] == col) key_pos = (int8_t)k;
        uint8_t null_ok = key_pos < 0 &&
                          (td->column_types[col].nullable || col == td->auto_increment_column);
        fop_kind_t kind = fused_kind(m, s);
        if (kind != F_GENERIC && s->n_branches) {
            /* F_GENERIC reads its own union index (run_column) */
            o->kind = F_UNION;
            o->column = col;
            o->null_ok = null_ok;
            o->n_branches = (uint32_t)s->n_branches;
            o->null_branch = s->null_branch;
            o->value_branch = s->value_branch;
            o->null_byte = (uint32_t)col >> 3;
            o->null_bit = (uint8_t)(1u << (col & 7));
            o = &ops[++n];
            o->step = s;
        }
        /* a long key op records its own bounds; other key ops are wrapped in marks */
        int marks = key_pos >= 0 && kind != F_LONG_V64;
        if (key_pos >= 0 && kind == F_LONG_V64) kind = F_KEY_LONG;
        if (marks) {
            o->kind = F_MARK;
            o->column = 2 * key_pos;
            o = &ops[++n];
            o->step = s;
        }
        o->kind = (uint8_t)kind;
        o->column = col;
        o->key_pos = key_pos;
        o->null_ok = null_ok;
        o->col_op = m->col_op[col];
        bm[col >> 3] &= (uint8_t)~(1u << (col & 7));
        n++;
        if (marks) {
            o = &ops[n++];
            o->kind = F_MARK;
            o->column = 2 * key_pos + 1;
            o->key_pos = -1;
        }
    }
    ops[n].kind = F_END; /* cap has room: at most 4 ops per field, plus one */
    p->fops = ops;
    p->n_fops = n;
    p->fused_bitmap = bm;
    p->n_key = td->physical_primary_key_count;
    p->bucket_fastmod = UINT64_MAX / (uint64_t)td->bucket_count + 1;
    p->fused_nb = nb;
    /* fixed-size bound, enum symbols, and the 8 bytes of slack of the 8-byte stores */
    p->fused_reserve = m->row_fixed_max + p->enum_bound + 8;
    p->fused_n_target = p->target_columns ? p->n_target : 0;
    return kfb_mapper_jit_compile(p, m->keys.bucket_fn == KFB_BUCKET_FN_FLUSS ? td->bucket_count : 0);
}

/* Compiles a plan for a writer schema. Never returns NULL except on out of memory: a
 * compile error is kept in the plan (err, errmsg). */
static plan_t *compile_plan(kfb_mapper_t *m, int32_t schema_id, plan_role_t role,
                            const kfb_avro_schema_t *schema) {
    plan_t *p = calloc(1, sizeof(*p));
    if (!p) return NULL;
    p->schema_id = schema_id;
    p->role = role;
    p->table_schema_id = m->table_schema_id;
    p->td = m->td;
    char err[768] = "";
    compile_ctx_t c = {m, p, err, sizeof(err), calloc(m->td->column_count, 1), KFB_BUF_INIT, 0, 0};
    if (!c.has_source) {
        free(p);
        return NULL;
    }
    const kfb_avro_node_t *root = kfb_avro_schema_root(schema);
    desc_add(&c, "%s schema %d -> table (%zu columns):\n", role == ROLE_KEY ? "key" : "value",
             (int)schema_id, m->td->column_count);
    if (role == ROLE_VALUE && m->format == KFB_MAPPER_FORMAT_DEBEZIUM) {
        if (root->type != KFB_AVRO_RECORD) cfail(&c, NULL, "a Debezium envelope must be a record");
        else if (compile_debezium(&c, root) == 0) compile_finish(&c);
        p->root_is_record = 1;
    } else if (root->type == KFB_AVRO_RECORD) {
        p->root_is_record = 1;
        if (compile_record(&c, root, root->name ? root->name : "value", &p->steps,
                           role == ROLE_KEY) == 0 && role == ROLE_VALUE)
            compile_finish(&c);
        if (!c.failed && role == ROLE_KEY) {
            for (size_t i = 0; i < m->td->primary_key_count; i++) {
                int col = m->td->primary_key[i];
                if (!c.has_source[col]) {
                    cfail(&c, root->name ? root->name : "key",
                          "the Kafka key schema has no field for primary-key column \"%s\"",
                          m->td->columns[col].name);
                    break;
                }
            }
        }
    } else if (role == ROLE_KEY && m->td->primary_key_count == 1) {
        /* a primitive key schema for a single-column key */
        p->steps.v = calloc(1, sizeof(step_t));
        if (p->steps.v) {
            p->steps.n = 1;
            p->steps.v[0].path = xstrdup("key");
            if (p->steps.v[0].path)
                compile_column_step(&c, &p->steps.v[0], root, m->td->primary_key[0]);
            else cfail(&c, NULL, "out of memory");
        } else cfail(&c, NULL, "out of memory");
    } else {
        cfail(&c, NULL, "the top-level Avro type is %s; expected a record",
              kfb_avro_type_name(root->type));
    }
    free(c.has_source);
    if (c.failed) {
        p->err = KFB_ERR_MAPPER_PLAN;
        p->errmsg = xstrdup(err);
        steplist_free(&p->steps);
    }
    (void)kfb_buf_append_byte(&c.desc, 0);
    p->desc = (char *)c.desc.data; /* owned by the plan now */
    if (build_fused(m, p) != 0) {
        plan_free(p);
        return NULL;
    }
    return p;
}

static plan_t *find_plan(const kfb_mapper_t *m, int32_t schema_id, plan_role_t role) {
    for (size_t i = 0; i < m->n_plans; i++)
        if (m->plans[i]->schema_id == schema_id && m->plans[i]->role == role &&
            m->plans[i]->table_schema_id == m->table_schema_id)
            return m->plans[i];
    return NULL;
}

kfb_err_t kfb_mapper_get_plan_(kfb_mapper_t *m, int32_t schema_id, plan_role_t role,
                          const plan_t **out, char *errstr, size_t errstr_size) {
    plan_t *p = m->last_plan;
    /* consecutive messages nearly always share a schema id; last_plan is always a plan of
     * the current table (table_install forgets it) */
    if (KFB_LIKELY(p && p->schema_id == schema_id && p->role == role && !p->err)) {
        *out = p;
        return KFB_ERR_OK;
    }
    p = find_plan(m, schema_id, role);
    if (!p) {
        const kfb_avro_schema_t *schema;
        char serr[512];
        kfb_err_t err = kfb_schema_source_get(m->schemas, schema_id, &schema, serr, sizeof(serr));
        if (err) {
            kfb_mapper_set_err_(errstr, errstr_size, "%s schema id %d: %s", role == ROLE_KEY ? "key" : "value",
                    (int)schema_id, serr);
            return err;
        }
        if (m->n_plans == m->cap_plans) {
            size_t cap = m->cap_plans ? m->cap_plans * 2 : 8;
            plan_t **np = realloc(m->plans, cap * sizeof(*np));
            if (!np) return KFB_ERR_NOMEM;
            m->plans = np;
            m->cap_plans = cap;
        }
        p = compile_plan(m, schema_id, role, schema);
        if (!p) return KFB_ERR_NOMEM;
        m->plans[m->n_plans++] = p;
        if (p->err) KFB_WARN("mapper", "%s", p->errmsg ? p->errmsg : "plan error");
        else KFB_DEBUG("mapper", "compiled plan: %s", p->desc);
    }
    if (p->err) {
        /* a plan error: map_batch may hand it to on_error per message (sink
         * plan_errors_per_message); the compile is not repeated for this table schema */
        m->plan_error = 1;
        kfb_mapper_set_err_(errstr, errstr_size, "%s", p->errmsg ? p->errmsg : "cannot map this schema");
        return p->err;
    }
    *out = p;
    if (role == ROLE_VALUE) {
        m->last_plan = p;
        m->fused_plan = p->fops && !m->fused_disabled ? p : NULL;
    }
    return KFB_ERR_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Setup                                                                               */
/* ---------------------------------------------------------------------------------- */

void kfb_mapper_config_init(kfb_mapper_config_t *cfg) { memset(cfg, 0, sizeof(*cfg)); }

const char *kfb_op_name(kfb_op_t op) {
    switch (op) {
    case KFB_OP_UPSERT: return "upsert";
    case KFB_OP_DELETE: return "delete";
    case KFB_OP_SKIP: return "skip";
    }
    return "?";
}

static kfb_lake_format_t lake_of(kfb_datalake_format_t f) {
    switch (f) {
    case KFB_DATALAKE_PAIMON: return KFB_LAKE_PAIMON;
    case KFB_DATALAKE_LANCE: return KFB_LAKE_LANCE;
    case KFB_DATALAKE_ICEBERG: return KFB_LAKE_ICEBERG;
    case KFB_DATALAKE_HUDI: return KFB_LAKE_HUDI;
    default: return KFB_LAKE_NONE;
    }
}


/* What the mapper derives from a table descriptor: checked and built by table_prepare
 * without touching the mapper's current table, installed by table_install. */
typedef struct table_state {
    kfb_key_plan_t keys;
    uint8_t *col_op; /* fast row writer: one op per column */
    size_t row_fixed_max;
    int fast_rows;
    slot_t *slots[SLOTSETS];
    uint8_t *present[SLOTSETS];
} table_state_t;

static void table_state_free(table_state_t *ts) {
    free(ts->col_op);
    for (int s = 0; s < SLOTSETS; s++) {
        free(ts->slots[s]);
        free(ts->present[s]);
    }
    memset(ts, 0, sizeof(*ts));
}

/* Per-column ops and the fixed-size bound for the fast row writer (§6.2 field sizes). */
static int setup_fast_rows(const kfb_table_desc_t *td, table_state_t *ts) {
    ts->col_op = calloc(td->column_count, 1);
    if (!ts->col_op) return -1;
    size_t bound = (td->column_count + 7) / 8;
    int fast = 1;
    for (size_t i = 0; i < td->column_count; i++) {
        const kfb_datatype_t *t = &td->column_types[i];
        uint8_t op;
        size_t sz;
        switch (t->root) {
        case KFB_TYPE_BOOLEAN: op = OP_BOOL, sz = 1; break;
        case KFB_TYPE_TINYINT: op = OP_I8, sz = 1; break;
        case KFB_TYPE_SMALLINT: op = OP_I16, sz = 2; break;
        case KFB_TYPE_INTEGER:
        case KFB_TYPE_DATE:
        case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: op = OP_V32, sz = 5; break;
        case KFB_TYPE_BIGINT: op = OP_V64, sz = 10; break;
        case KFB_TYPE_FLOAT: op = OP_F32, sz = 4; break;
        case KFB_TYPE_DOUBLE: op = OP_F64, sz = 8; break;
        case KFB_TYPE_CHAR:
        case KFB_TYPE_STRING:
        case KFB_TYPE_BINARY:
        case KFB_TYPE_BYTES: op = OP_BYTES, sz = 5; break;
        case KFB_TYPE_DECIMAL:
            if (t->precision <= KFB_DECIMAL_MAX_COMPACT_PRECISION) op = OP_DEC64, sz = 10;
            else op = OP_DEC_BYTES, sz = 5 + KFB_DECIMAL_MAX_BYTES;
            break;
        case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
        case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
            if (t->precision <= KFB_TIMESTAMP_MAX_COMPACT_PRECISION) op = OP_TS3, sz = 10;
            else op = OP_TS9, sz = 15;
            break;
        default: op = OP_NESTED, sz = 0, fast = 0; break;
        }
        ts->col_op[i] = op;
        bound += sz;
    }
    ts->row_fixed_max = bound;
    ts->fast_rows = fast;
    return 0;
}

/* The table checks of kfb_mapper_new and kfb_mapper_set_table, against the mapper's
 * settings (format, key format, partial_update, renames): on success fills *ts (key
 * encoders, row writer ops, slots sized for td) and returns KFB_ERR_OK; otherwise returns
 * the error with a sentence in errstr and leaves *ts empty. Never changes the mapper. */
static kfb_err_t table_prepare(const kfb_mapper_t *m, const kfb_table_desc_t *td,
                               table_state_t *ts, char *errstr, size_t errstr_size) {
    memset(ts, 0, sizeof(*ts));
    if (!td->primary_key_count) {
        kfb_mapper_set_err_(errstr, errstr_size,
                "the table has no primary key; the bridge writes primary-key tables only");
        return KFB_ERR_UNSUPPORTED_FORMAT;
    }
    if (td->kv_format != KFB_KV_FORMAT_COMPACTED) {
        kfb_mapper_set_err_(errstr, errstr_size,
                "the table uses table.kv.format=%s; the bridge writes COMPACTED rows only "
                "(recreate the table with table.kv.format=COMPACTED)",
                kfb_kv_format_name(td->kv_format));
        return KFB_ERR_UNSUPPORTED_FORMAT;
    }
    if (td->bucket_count < 1) {
        kfb_mapper_set_err_(errstr, errstr_size,
                "the table descriptor has no bucket_count; use the descriptor the server "
                "returns (GetTableInfo) or add \"bucket_count\"");
        return KFB_ERR_UNSUPPORTED_FORMAT;
    }
    if (m->partial_update && (td->merge_engine == KFB_MERGE_ENGINE_FIRST_ROW ||
                              td->merge_engine == KFB_MERGE_ENGINE_VERSIONED)) {
        kfb_mapper_set_err_(errstr, errstr_size,
                "partial updates are not supported by the %s merge engine of this table; "
                "turn partial_update off",
                kfb_merge_engine_name(td->merge_engine));
        return KFB_ERR_CONFIG;
    }
    if (m->key_format != KFB_MAPPER_KEY_AVRO && td->physical_primary_key_count != 1) {
        kfb_mapper_set_err_(errstr, errstr_size,
                "a plain %s Kafka key can only carry a single-column primary key; this table's "
                "key has %zu columns",
                m->key_format == KFB_MAPPER_KEY_STRING ? "string" : "bytes",
                td->physical_primary_key_count);
        return KFB_ERR_CONFIG;
    }
    if (m->key_format != KFB_MAPPER_KEY_AVRO) {
        kfb_type_root_t r = td->columns[td->physical_primary_key[0]].type->root;
        int ok = m->key_format == KFB_MAPPER_KEY_STRING
                     ? (r == KFB_TYPE_STRING || r == KFB_TYPE_CHAR)
                     : (r == KFB_TYPE_BYTES || r == KFB_TYPE_BINARY);
        if (!ok || td->partition_key_count) {
            kfb_mapper_set_err_(errstr, errstr_size,
                    "a plain %s Kafka key needs a single %s primary-key column and an "
                    "unpartitioned table",
                    m->key_format == KFB_MAPPER_KEY_STRING ? "string" : "bytes",
                    m->key_format == KFB_MAPPER_KEY_STRING ? "STRING/CHAR" : "BYTES/BINARY");
            return KFB_ERR_CONFIG;
        }
    }
    for (size_t i = 0; i < td->partition_key_count; i++) {
        kfb_type_root_t r = td->columns[td->partition_keys[i]].type->root;
        if (r == KFB_TYPE_FLOAT || r == KFB_TYPE_DOUBLE) {
            kfb_mapper_set_err_(errstr, errstr_size,
                    "partition key \"%s\" is FLOAT/DOUBLE; the bridge does not render those "
                    "partition names (Java Float.toString rules)",
                    td->columns[td->partition_keys[i]].name);
            return KFB_ERR_UNSUPPORTED_FORMAT;
        }
    }
    char kerr[512];
    kfb_err_t kp = kfb_key_plan_select(lake_of(td->datalake_format), td->kv_format_version,
                                       td->default_bucket_key != 0, &ts->keys, kerr, sizeof(kerr));
    if (!kp)
        kp = kfb_key_plan_check_columns(&ts->keys, td->physical_primary_key_count,
                                        td->bucket_key_count, kerr, sizeof(kerr));
    if (kp) {
        kfb_mapper_set_err_(errstr, errstr_size, "%s", kerr);
        memset(ts, 0, sizeof(*ts));
        return kp;
    }
    if (ts->keys.pk_encoding == KFB_KEY_ENC_ICEBERG ||
        ts->keys.bucket_encoding == KFB_KEY_ENC_ICEBERG) {
        const int *cols = ts->keys.pk_encoding == KFB_KEY_ENC_ICEBERG ? td->physical_primary_key
                                                                      : td->bucket_keys;
        kfb_type_root_t r = td->columns[cols[0]].type->root;
        if (!kfb_iceberg_key_type_supported(kfb_type_root_json_name(r))) {
            kfb_mapper_set_err_(errstr, errstr_size,
                    "key column \"%s\" has a type the Iceberg key encoder does not support",
                    td->columns[cols[0]].name);
            memset(ts, 0, sizeof(*ts));
            return KFB_ERR_UNSUPPORTED_FORMAT;
        }
    }
    for (size_t i = 0; i < m->n_renames; i++) {
        if (kfb_table_desc_column_index(td, m->rename_to[i]) < 0) {
            kfb_mapper_set_err_(errstr, errstr_size, "rename %s -> %s: the table has no column \"%s\"",
                    m->rename_from[i], m->rename_to[i], m->rename_to[i]);
            memset(ts, 0, sizeof(*ts));
            return KFB_ERR_CONFIG;
        }
    }
    for (int s = 0; s < SLOTSETS; s++) {
        ts->slots[s] = calloc(td->column_count, sizeof(slot_t));
        ts->present[s] = calloc(td->column_count, 1);
        if (!ts->slots[s] || !ts->present[s]) goto nomem;
    }
    if (setup_fast_rows(td, ts) != 0) goto nomem;
    return KFB_ERR_OK;
nomem:
    table_state_free(ts);
    kfb_mapper_set_err_(errstr, errstr_size, "out of memory");
    return KFB_ERR_NOMEM;
}

/* Makes td (schema id table_schema_id) the mapper's table, taking over *ts. The value plan
 * of the previous message is forgotten, so neither path runs a plan of another table. */
static void table_install(kfb_mapper_t *m, const kfb_table_desc_t *td, int32_t table_schema_id,
                          table_state_t *ts) {
    m->td = td;
    m->table_schema_id = table_schema_id;
    m->keys = ts->keys;
    free(m->col_op);
    m->col_op = ts->col_op;
    m->row_fixed_max = ts->row_fixed_max;
    m->fast_rows = ts->fast_rows;
    for (int s = 0; s < SLOTSETS; s++) {
        free(m->slots[s]);
        free(m->present[s]);
        m->slots[s] = ts->slots[s];
        m->present[s] = ts->present[s];
    }
    memset(ts, 0, sizeof(*ts));
    m->last_plan = NULL;
    m->fused_plan = NULL;
    m->value_plan = NULL;
    m->fused_ok = 0;
    if (td->delete_behavior == KFB_DELETE_IGNORE)
        KFB_WARN("mapper",
                 "table has table.delete.behavior=IGNORE%s: deletes and tombstones will be "
                 "sent but Fluss will ignore them",
                 td->delete_behavior_explicit ? "" : " (implied by its merge engine)");
}

void kfb_mapper_destroy(kfb_mapper_t *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n_plans; i++) plan_free(m->plans[i]);
    free(m->plans);
    for (size_t i = 0; i < m->n_renames; i++) {
        free(m->rename_from[i]);
        free(m->rename_to[i]);
    }
    free(m->rename_from);
    free(m->rename_to);
    for (size_t i = 0; i < m->n_ignore; i++) free(m->ignore[i]);
    free(m->ignore);
    for (size_t i = 0; i < m->n_union_rules; i++) {
        free(m->union_field[i]);
        free(m->union_branch[i]);
    }
    free(m->union_field);
    free(m->union_branch);
    for (int s = 0; s < SLOTSETS; s++) {
        free(m->slots[s]);
        free(m->present[s]);
    }
    for (int i = 0; i < KFB_MAPPER_MAX_OUT; i++) {
        kfb_buf_free(&m->keybuf[i]);
        kfb_buf_free(&m->bkbuf[i]);
    }
    kfb_mapper_forget_all(m);
    for (size_t i = 0; i < m->n_tsets; i++) free(m->tsets[i].cols);
    free(m->tsets);
    kfb_buf_free(&m->fused_row);
    kfb_buf_free(&m->check_row);
    free(m->col_op);
    kfb_buf_free(&m->desc_scratch);
    for (int i = 0; i < MAX_ROW_DEPTH; i++) {
        kfb_buf_free(&m->nest_buf[i]);
        kfb_buf_free(&m->map_buf[i]);
    }
    free(m->topic);
    free(m);
}

static int table_schema_id_ok(int32_t id, char *errstr, size_t errstr_size) {
    if (id >= 1 && id <= KFB_KV_SCHEMA_ID_MAX) return 1;
    kfb_mapper_set_err_(errstr, errstr_size,
            "table schema id %d is outside 1..%d (Fluss numbers a table's schemas from 1; "
            "use the schema_id GetTableInfo returns)",
            (int)id, KFB_KV_SCHEMA_ID_MAX);
    return 0;
}

kfb_mapper_t *kfb_mapper_new(const kfb_table_desc_t *td, kfb_schema_source_t *schemas,
                             const kfb_mapper_config_t *cfg, char *errstr, size_t errstr_size) {
    if (!td || !schemas || !cfg) {
        kfb_mapper_set_err_(errstr, errstr_size, "mapper: table, schema source and config are required");
        return NULL;
    }
    int32_t table_schema_id = cfg->table_schema_id ? cfg->table_schema_id : 1;
    if (!table_schema_id_ok(table_schema_id, errstr, errstr_size)) return NULL;
    kfb_mapper_t *m = calloc(1, sizeof(*m));
    if (!m) {
        kfb_mapper_set_err_(errstr, errstr_size, "out of memory");
        return NULL;
    }
    /* KFB_MAPPER_JIT=0: the fused ops run in the interpreter only (for comparing, or where
     * generated code is unwelcome) */
    const char *jit_env = getenv("KFB_MAPPER_JIT");
    m->jit_disabled = jit_env && strcmp(jit_env, "0") == 0;
    m->schemas = schemas;
    m->format = cfg->format;
    m->key_format = cfg->key_format;
    m->partial_update = cfg->partial_update;
    m->key_from_message_key = cfg->key_from_message_key;
    m->warn_no_column = cfg->warn_fields_without_column;
    if (cfg->topic && !(m->topic = xstrdup(cfg->topic))) goto nomem;
    if (cfg->n_renames) {
        m->rename_from = calloc(cfg->n_renames, sizeof(char *));
        m->rename_to = calloc(cfg->n_renames, sizeof(char *));
        if (!m->rename_from || !m->rename_to) goto nomem;
        for (size_t i = 0; i < cfg->n_renames; i++) {
            m->n_renames = i + 1;
            m->rename_from[i] = xstrdup(cfg->renames[i].field);
            m->rename_to[i] = xstrdup(cfg->renames[i].column);
            if (!m->rename_from[i] || !m->rename_to[i]) goto nomem;
        }
    }
    if (cfg->n_ignore) {
        m->ignore = calloc(cfg->n_ignore, sizeof(char *));
        if (!m->ignore) goto nomem;
        for (size_t i = 0; i < cfg->n_ignore; i++) {
            m->n_ignore = i + 1;
            if (!(m->ignore[i] = xstrdup(cfg->ignore[i]))) goto nomem;
        }
    }
    if (cfg->n_union_rules) {
        m->union_field = calloc(cfg->n_union_rules, sizeof(char *));
        m->union_branch = calloc(cfg->n_union_rules, sizeof(char *));
        if (!m->union_field || !m->union_branch) goto nomem;
        for (size_t i = 0; i < cfg->n_union_rules; i++) {
            m->n_union_rules = i + 1;
            m->union_field[i] = xstrdup(cfg->union_rules[i].field);
            m->union_branch[i] = xstrdup(cfg->union_rules[i].branch);
            if (!m->union_field[i] || !m->union_branch[i]) goto nomem;
        }
    }
    table_state_t ts;
    if (table_prepare(m, td, &ts, errstr, errstr_size) != KFB_ERR_OK) goto err;
    table_install(m, td, table_schema_id, &ts);
    return m;
nomem:
    kfb_mapper_set_err_(errstr, errstr_size, "out of memory");
err:
    kfb_mapper_destroy(m);
    return NULL;
}

/* Drops the cached plans of table schema id `id` that were compiled against another
 * descriptor object than td (they point into it): only a descriptor that comes back
 * itself gets its plans back. */
static void drop_plans_of_other_desc(kfb_mapper_t *m, int32_t id, const kfb_table_desc_t *td) {
    size_t n = 0;
    for (size_t i = 0; i < m->n_plans; i++) {
        plan_t *p = m->plans[i];
        if (p->table_schema_id == id && p->td != td) plan_free(p);
        else m->plans[n++] = p;
    }
    m->n_plans = n;
}

kfb_err_t kfb_mapper_set_table(kfb_mapper_t *m, const kfb_table_desc_t *td,
                               int32_t table_schema_id, char *errstr, size_t errstr_size) {
    if (!m || !td) {
        kfb_mapper_set_err_(errstr, errstr_size, "mapper: set_table needs a mapper and a table");
        return KFB_ERR_INVALID_ARG;
    }
    if (!table_schema_id_ok(table_schema_id, errstr, errstr_size)) return KFB_ERR_SCHEMA_ID_RANGE;
    table_state_t ts;
    kfb_err_t e = table_prepare(m, td, &ts, errstr, errstr_size);
    if (e) return e;
    drop_plans_of_other_desc(m, table_schema_id, td);
    table_install(m, td, table_schema_id, &ts);
    KFB_INFO("mapper", "now mapping onto table schema id %d (%zu columns)", (int)table_schema_id,
             td->column_count);
    return KFB_ERR_OK;
}

int32_t kfb_mapper_table_schema_id(const kfb_mapper_t *m) { return m->table_schema_id; }

kfb_err_t kfb_mapper_prepare(kfb_mapper_t *m, int32_t writer_schema_id, char *errstr,
                             size_t errstr_size) {
    const plan_t *p;
    return kfb_mapper_get_plan_(m, writer_schema_id, ROLE_VALUE, &p, errstr, errstr_size);
}

kfb_err_t kfb_mapper_check_field(kfb_mapper_t *m, int32_t writer_schema_id, const char *path,
                                 const kfb_avro_node_t *type, const kfb_datatype_t *column,
                                 const char *column_name, char *errstr, size_t errstr_size) {
    /* a plan of one step, compiled the way compile_record compiles a field, then dropped */
    plan_t p;
    memset(&p, 0, sizeof p);
    p.schema_id = writer_schema_id;
    p.table_schema_id = m->table_schema_id;
    p.td = m->td;
    char err[768] = "";
    compile_ctx_t c = {m, &p, err, sizeof(err), NULL, KFB_BUF_INIT, 0, 1};
    steplist_t sl = {calloc(1, sizeof(step_t)), 1};
    if (!sl.v || !(sl.v[0].path = xstrdup(path))) {
        free(sl.v);
        kfb_mapper_set_err_(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    sl.v[0].column = -1;
    int rc = compile_value_step(&c, &sl.v[0], type, 0, column, column_name, 0);
    steplist_free(&sl);
    kfb_buf_free(&c.desc);
    if (rc == 0 && !c.failed) return KFB_ERR_OK;
    kfb_mapper_set_err_(errstr, errstr_size, "%s", err);
    return KFB_ERR_MAPPER_PLAN;
}

const char *kfb_mapper_describe(kfb_mapper_t *m, int32_t writer_schema_id) {
    plan_t *p = find_plan(m, writer_schema_id, ROLE_VALUE);
    return p ? p->desc : NULL;
}

size_t kfb_mapper_plan_count(const kfb_mapper_t *m) { return m->n_plans; }

int kfb_mapper_key_is_compacted(const kfb_mapper_t *m) {
    return m->keys.pk_encoding == KFB_KEY_ENC_COMPACTED;
}
