/*
 * table_evolve.c - a writer schema against the live table, and AlterTable add_columns
 * with racing bridges (table_evolve.h).
 *
 * Fluss sources (apache/fluss): fluss-server/.../coordinator/SchemaUpdate.java addColumn
 * ("Column x already exists." -> InvalidAlterTableException, 56; NOT NULL and positions
 * other than LAST refused), CoordinatorService.alterTable (one new schema id per request,
 * all columns or none), fluss-common/.../metadata/Schema.java Builder.column +
 * types/ReassignFieldId.java (the new column's id = highest field id + 1, then its ROW
 * fields).
 */
#include "table_evolve.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluss_errors.h"
#include "logging.h"
#include "mapper.h"

#define FAC "table"
#define APPLY_ROUNDS 4

static void set_err(char *errstr, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *errstr, size_t size, const char *fmt, ...) {
    if (!errstr || !size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

const char *kfb_column_change_kind_name(kfb_column_change_kind_t k) {
    switch (k) {
    case KFB_COLUMN_CHANGE_ADD: return "add";
    case KFB_COLUMN_CHANGE_NESTED_FIELD: return "nested_field";
    case KFB_COLUMN_CHANGE_NOT_NULL: return "not_null";
    case KFB_COLUMN_CHANGE_UNSUPPORTED: return "unsupported";
    case KFB_COLUMN_CHANGE_TYPE: return "type";
    case KFB_COLUMN_CHANGE_KEY_REMOVED: return "key_removed";
    case KFB_COLUMN_CHANGE_NOT_NULL_REMOVED: return "not_null_removed";
    }
    return "?";
}

void kfb_evolve_diff_destroy(kfb_evolve_diff_t *d) {
    if (!d) return;
    for (size_t i = 0; i < d->n_changes; i++) {
        kfb_column_change_t *c = &d->changes[i];
        free(c->field);
        free(c->column);
        kfb_datatype_destroy(c->type);
        free(c->type_json);
        free(c->message);
    }
    free(d->changes);
    free(d->evolved_json);
    free(d);
}

const kfb_column_change_t *kfb_evolve_diff_first_blocking(const kfb_evolve_diff_t *d) {
    for (size_t i = 0; d && i < d->n_changes; i++)
        if (d->changes[i].kind != KFB_COLUMN_CHANGE_ADD && d->changes[i].kind != KFB_COLUMN_CHANGE_NESTED_FIELD)
            return &d->changes[i];
    return NULL;
}

/* Appends a change; takes `type` over (also on failure). 0, or -1 on out of memory. */
static int add_change(kfb_evolve_diff_t *d, size_t *cap, kfb_column_change_kind_t kind, const char *field,
                      const char *column, kfb_datatype_t *type, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static int add_change(kfb_evolve_diff_t *d, size_t *cap, kfb_column_change_kind_t kind, const char *field,
                      const char *column, kfb_datatype_t *type, const char *fmt, ...) {
    if (d->n_changes == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        kfb_column_change_t *v = realloc(d->changes, nc * sizeof *v);
        if (!v) {
            kfb_datatype_destroy(type);
            return -1;
        }
        d->changes = v;
        *cap = nc;
    }
    kfb_column_change_t *c = &d->changes[d->n_changes];
    memset(c, 0, sizeof *c);
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->kind = kind;
    c->type = type;
    c->field = field ? strdup(field) : NULL;
    c->column = column ? strdup(column) : NULL;
    c->message = strdup(msg);
    d->n_changes++; /* counted before the checks so that destroy frees what was set */
    if ((field && !c->field) || (column && !c->column) || !c->message) return -1;
    if (kind == KFB_COLUMN_CHANGE_ADD) d->n_add++;
    else if (kind != KFB_COLUMN_CHANGE_NESTED_FIELD) d->blocked = 1;
    return 0;
}


/* Fields of an Avro record inside a ROW column (at any depth) that the ROW has no field
 * for: Fluss's AlterTable adds top-level columns only, so they stay unwritten. */
static int nested_new_fields(kfb_evolve_diff_t *d, size_t *cap, const char *column, const char *path,
                             const kfb_avro_node_t *a, const kfb_datatype_t *t, int depth) {
    const kfb_avro_node_t *inner = kfb_avro_nullable_inner(a);
    if (!inner || inner->type != KFB_AVRO_RECORD || t->root != KFB_TYPE_ROW || depth > KFB_AVRO_MAX_DEPTH) return 0;
    for (size_t i = 0; i < inner->n_fields; i++) {
        const kfb_avro_field_t *f = &inner->fields[i];
        char fpath[512]; /* only named in messages: a longer path is cut short */
        if (snprintf(fpath, sizeof fpath, "%s.%s", path, f->name) >= (int)sizeof fpath)
            memcpy(fpath + sizeof fpath - 4, "...", 4);
        const kfb_datafield_t *rf = NULL;
        for (size_t j = 0; j < t->field_count && !rf; j++)
            if (!strcmp(t->fields[j].name, f->name)) rf = &t->fields[j];
        if (rf) {
            if (nested_new_fields(d, cap, column, fpath, f->type, rf->type, depth + 1)) return -1;
            continue;
        }
        if (add_change(d, cap, KFB_COLUMN_CHANGE_NESTED_FIELD, fpath, column, NULL,
                       "field %s is new inside ROW column \"%s\"; Fluss cannot add fields to a ROW column, so "
                       "its values are not written",
                       fpath, column))
            return -1;
    }
    return 0;
}

/* The table JSON with the ADD columns appended as Fluss's Schema.Builder appends them,
 * and each change's type_json (ids from the table's highest field id on). */
static int evolve_json(kfb_evolve_diff_t *d, const char *table_json, size_t len, int32_t highest) {
    json_error_t jerr;
    json_t *root = json_loadb(table_json, len, 0, &jerr);
    json_t *schema = root ? json_object_get(root, "schema") : NULL;
    json_t *columns = schema ? json_object_get(schema, "columns") : NULL;
    int bad = !json_is_array(columns);
    int32_t next = highest + 1;
    for (size_t i = 0; !bad && i < d->n_changes; i++) {
        kfb_column_change_t *c = &d->changes[i];
        if (c->kind != KFB_COLUMN_CHANGE_ADD) continue;
        int32_t id = next++;
        c->type_json = kfb_table_type_json(c->type, &next);
        json_t *type = c->type_json ? json_loads(c->type_json, 0, &jerr) : NULL;
        json_t *col = json_object();
        bad |= !type || !col;
        bad |= !col || json_object_set_new(col, "name", json_string(c->column));
        bad |= !col || json_object_set_new(col, "data_type", type ? type : json_null());
        bad |= !col || json_object_set_new(col, "id", json_integer(id));
        bad |= json_array_append_new(columns, col);
    }
    if (!bad) bad = json_object_set_new(schema, "highest_field_id", json_integer(next - 1));
    if (!bad) d->evolved_json = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return bad || !d->evolved_json ? -1 : 0;
}

/* Compiles the mapping onto td (the live or the evolved table) for the writer schema. */
static kfb_err_t trial(const kfb_table_desc_t *td, kfb_schema_source_t *schemas, int32_t id,
                       const kfb_mapper_config_t *cfg, char *why, size_t why_size) {
    kfb_mapper_t *m = kfb_mapper_new(td, schemas, cfg, why, why_size);
    kfb_err_t e = m ? kfb_mapper_prepare(m, id, why, why_size) : KFB_ERR_CONFIG;
    kfb_mapper_destroy(m);
    return e;
}

kfb_err_t kfb_table_evolve_diff(const char *table_json, size_t table_json_len,
                                kfb_schema_source_t *schemas, int32_t writer_schema_id,
                                const kfb_table_create_opts_t *o, kfb_evolve_diff_t **out,
                                char *errstr, size_t errstr_size) {
    *out = NULL;
    char why[1024];
    kfb_table_desc_t *td = kfb_table_desc_parse(table_json, table_json_len, why, sizeof why);
    if (!td) {
        set_err(errstr, errstr_size, "the live table does not parse: %s", why);
        return KFB_ERR_UNSUPPORTED_FORMAT;
    }
    const kfb_avro_schema_t *schema = NULL;
    kfb_err_t e = kfb_schema_source_get(schemas, writer_schema_id, &schema, why, sizeof why);
    if (e) {
        set_err(errstr, errstr_size, "writer schema %d: %s", (int)writer_schema_id, why);
        kfb_table_desc_destroy(td);
        return e;
    }
    kfb_mapper_config_t cfg = o->mapping, check_cfg;
    cfg.warn_fields_without_column = 0;
    /* kfb_mapper_check_field needs the union rules only; renames may name columns that
     * this very diff adds, which the live table refuses */
    check_cfg = cfg;
    check_cfg.renames = NULL;
    check_cfg.n_renames = 0;
    kfb_mapper_t *m = NULL;
    kfb_evolve_diff_t *d = calloc(1, sizeof *d);
    uint8_t *has_field = calloc(td->column_count + 1, 1);
    const kfb_avro_node_t *rec = kfb_table_value_record(schema, o->mapping.format, why, sizeof why);
    size_t cap = 0;
    if (!d || !has_field) {
        e = KFB_ERR_NOMEM;
        set_err(errstr, errstr_size, "out of memory");
    } else if (!rec) {
        e = KFB_ERR_MAPPER_PLAN;
        set_err(errstr, errstr_size, "writer schema %d: %s", (int)writer_schema_id, why);
    } else if (!(m = kfb_mapper_new(td, schemas, &check_cfg, why, sizeof why))) {
        e = KFB_ERR_CONFIG;
        set_err(errstr, errstr_size, "the mapping cannot write the live table: %s", why);
    }
    if (d) d->writer_schema_id = writer_schema_id;
    const char *rname = rec && rec->name ? rec->name : "value";
    for (size_t i = 0; !e && i < rec->n_fields; i++) {
        const kfb_avro_field_t *f = &rec->fields[i];
        if (kfb_table_create_ignores(o, f->name)) continue;
        const char *col = kfb_table_create_column_name(o, f->name);
        char path[512];
        snprintf(path, sizeof path, "%s.%s", rname, f->name);
        int idx = kfb_table_desc_column_index(td, col);
        int rc = 0;
        if (idx >= 0) {
            has_field[idx] = 1;
            if (kfb_mapper_check_field(m, writer_schema_id, path, f->type, td->columns[idx].type, col, why,
                                       sizeof why))
                rc = add_change(d, &cap, KFB_COLUMN_CHANGE_TYPE, path, col, NULL,
                                "%s; Fluss cannot change the type of a column: write the field into a new column "
                                "(rename it in the producer, or with mappings[].rename), or list it in ignore",
                                why);
            else
                rc = nested_new_fields(d, &cap, col, path, f->type, td->columns[idx].type, 0);
        } else {
            kfb_datatype_t *t = NULL;
            if (kfb_table_column_type(f->type, path, o, &t, why, sizeof why)) {
                rc = add_change(d, &cap, KFB_COLUMN_CHANGE_UNSUPPORTED, path, col, NULL,
                                "writer schema %d: field %s is new, but no column can hold it: %s",
                                (int)writer_schema_id, path, why);
            } else if (!t->nullable && !f->default_json) {
                kfb_datatype_destroy(t);
                rc = add_change(d, &cap, KFB_COLUMN_CHANGE_NOT_NULL, path, col, NULL,
                                "writer schema %d: field %s is new and NOT NULL without a default, but Fluss adds "
                                "only nullable columns (the rows written before have no value for it); make it a "
                                "union with null or give it a default in the producer's schema, or list it in ignore",
                                (int)writer_schema_id, path);
            } else {
                char tn[256];
                t->nullable = true;
                kfb_datatype_format(t, tn, sizeof tn);
                rc = add_change(d, &cap, KFB_COLUMN_CHANGE_ADD, path, col, t,
                                "writer schema %d: field %s is new: column \"%s\" %s is added at the end of the "
                                "table (rows written before read null in it)",
                                (int)writer_schema_id, path, col, tn);
            }
        }
        if (rc) {
            e = KFB_ERR_NOMEM;
            set_err(errstr, errstr_size, "out of memory");
        }
    }
    for (size_t k = 0; !e && k < td->column_count; k++) {
        if (has_field[k]) continue;
        const char *col = td->columns[k].name;
        int is_pk = 0, rc = 0;
        for (size_t j = 0; j < td->primary_key_count; j++) is_pk |= td->primary_key[j] == (int)k;
        if (is_pk && !o->mapping.key_from_message_key)
            rc = add_change(d, &cap, KFB_COLUMN_CHANGE_KEY_REMOVED, NULL, col, NULL,
                            "writer schema %d has no field for primary-key column \"%s\" (was it removed?); every "
                            "row needs its key: restore the field in the producer's schema, or rename the field "
                            "that carries the key onto the column (mappings[].rename)",
                            (int)writer_schema_id, col);
        else if (!is_pk && !td->columns[k].type->nullable && (int)k != td->auto_increment_column)
            rc = add_change(d, &cap, KFB_COLUMN_CHANGE_NOT_NULL_REMOVED, NULL, col, NULL,
                            "writer schema %d has no field for NOT NULL column \"%s\" (was it removed?), and Fluss "
                            "cannot make a column nullable: restore the field in the producer's schema, or rename a "
                            "field onto the column (mappings[].rename)",
                            (int)writer_schema_id, col);
        if (rc) {
            e = KFB_ERR_NOMEM;
            set_err(errstr, errstr_size, "out of memory");
        }
    }
    /* the proof: the mapping compiles onto the table it will write */
    if (!e && !d->blocked) {
        kfb_table_desc_t *evolved = NULL;
        if (d->n_add && evolve_json(d, table_json, table_json_len, td->highest_field_id)) {
            e = KFB_ERR_NOMEM;
            set_err(errstr, errstr_size, "out of memory");
        } else if (d->n_add && !(evolved = kfb_table_desc_parse(d->evolved_json, strlen(d->evolved_json), why,
                                                               sizeof why))) {
            e = KFB_ERR_INTERNAL;
            set_err(errstr, errstr_size, "the table with the new columns does not parse: %s", why);
        } else if (trial(evolved ? evolved : td, schemas, writer_schema_id, &cfg, why, sizeof why)) {
            if (add_change(d, &cap, KFB_COLUMN_CHANGE_TYPE, NULL, NULL, NULL,
                           "writer schema %d cannot be mapped onto the table%s: %s", (int)writer_schema_id,
                           d->n_add ? " with the new columns" : "", why)) {
                e = KFB_ERR_NOMEM;
                set_err(errstr, errstr_size, "out of memory");
            }
        }
        kfb_table_desc_destroy(evolved);
    }
    kfb_mapper_destroy(m);
    free(has_field);
    kfb_table_desc_destroy(td);
    if (e) {
        kfb_evolve_diff_destroy(d);
        return e;
    }
    *out = d;
    return KFB_ERR_OK;
}

size_t kfb_evolve_alter_columns(const kfb_evolve_diff_t *d, kfb_fluss_column_add_t *cols, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < d->n_changes; i++) {
        const kfb_column_change_t *c = &d->changes[i];
        if (c->kind != KFB_COLUMN_CHANGE_ADD) continue;
        if (n < cap) cols[n] = (kfb_fluss_column_add_t){c->column, c->type_json, NULL};
        n++;
    }
    return n;
}

kfb_err_t kfb_table_evolve_apply(kfb_fluss_client_t *c, const char *database, const char *table,
                                 const kfb_evolve_diff_t *d, int timeout_ms,
                                 kfb_fluss_table_info_t **info, char *errstr,
                                 size_t errstr_size) {
    if (info) *info = NULL;
    const kfb_column_change_t *blocking = kfb_evolve_diff_first_blocking(d);
    if (blocking) {
        set_err(errstr, errstr_size, "table %s.%s cannot follow writer schema %d: %s", database, table,
                (int)d->writer_schema_id, blocking->message);
        return KFB_ERR_STATE;
    }
    kfb_fluss_column_add_t *cols = calloc(d->n_add + 1, sizeof *cols);
    if (!cols) {
        set_err(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    char e[1024];
    kfb_err_t err = KFB_ERR_OK;
    for (int round = 0; round <= APPLY_ROUNDS; round++) {
        kfb_fluss_table_info_t *ti = NULL;
        err = kfb_fluss_client_get_table(c, database, table, timeout_ms, &ti, e, sizeof e);
        if (err) {
            set_err(errstr, errstr_size, "cannot add columns to %s.%s: %s", database, table, e);
            break;
        }
        size_t n = 0;
        for (size_t i = 0; !err && i < d->n_changes; i++) {
            const kfb_column_change_t *ch = &d->changes[i];
            if (ch->kind != KFB_COLUMN_CHANGE_ADD) continue;
            int idx = kfb_table_desc_column_index(ti->desc, ch->column);
            if (idx < 0) {
                cols[n++] = (kfb_fluss_column_add_t){ch->column, ch->type_json, NULL};
            } else if (!kfb_datatype_equals(ti->desc->columns[idx].type, ch->type)) {
                char have[256], want[256];
                kfb_datatype_format(ti->desc->columns[idx].type, have, sizeof have);
                kfb_datatype_format(ch->type, want, sizeof want);
                set_err(errstr, errstr_size,
                        "table %s.%s has column \"%s\" as %s (added by another bridge or by hand?), but field %s "
                        "of writer schema %d needs %s; make the producers agree, or rename the field onto "
                        "another column",
                        database, table, ch->column, have, ch->field, (int)d->writer_schema_id, want);
                err = KFB_ERR_CONFIG;
            }
        }
        if (err || !n) {
            if (!err && info) *info = ti;
            else kfb_fluss_table_info_free(ti);
            free(cols);
            return err;
        }
        kfb_fluss_table_info_free(ti);
        if (round == APPLY_ROUNDS) break;
        int32_t ferr = 0;
        err = kfb_fluss_client_alter_table(c, database, table, cols, n, 0, timeout_ms, &ferr, e, sizeof e);
        if (err && ferr == KFB_FLUSS_INVALID_ALTER_TABLE_EXCEPTION) {
            /* another bridge added (some of) them first: read the table again and compare */
            KFB_INFO(FAC, "table %s.%s: %s; comparing with the columns writer schema %d needs", database, table, e,
                     (int)d->writer_schema_id);
            err = KFB_ERR_OK;
            continue;
        }
        if (err) {
            set_err(errstr, errstr_size, "%s", e);
            break;
        }
        char added[512];
        size_t k = 0;
        added[0] = '\0';
        for (size_t i = 0; i < d->n_changes && k < sizeof added; i++) {
            const kfb_column_change_t *ch = &d->changes[i];
            if (ch->kind != KFB_COLUMN_CHANGE_ADD) continue;
            char tn[256];
            kfb_datatype_format(ch->type, tn, sizeof tn);
            int w = snprintf(added + k, sizeof added - k, "%s%s %s", k ? ", " : "", ch->column, tn);
            if (w > 0) k += (size_t)w;
        }
        KFB_INFO(FAC, "table %s.%s: added column%s %s for writer schema %d", database, table, n == 1 ? "" : "s",
                 added, (int)d->writer_schema_id);
    }
    if (!err) {
        set_err(errstr, errstr_size,
                "table %s.%s: the columns of writer schema %d were still missing after %d attempts (other "
                "writers keep changing the table?)",
                database, table, (int)d->writer_schema_id, APPLY_ROUNDS);
        err = KFB_ERR_STATE;
    }
    free(cols);
    return err;
}
