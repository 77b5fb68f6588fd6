/*
 * fluss_ts_rows.c - how the Fluss test server looks inside records: value rows
 * and keys checked against the table schema with the project's strict readers
 * (compacted_row.h), keys re-bucketed with the Fluss bucketing function
 * (bucketing.h), rows rendered with row_json.h for table dumps.
 *
 * Formats: value rows are CompactedRow (fluss-common/.../row/compacted/CompactedRowWriter.java),
 * keys CompactedKeyEncoder bytes over the physical primary key in PK order
 * (.../row/encode/CompactedKeyEncoder.java); the bucket of a key is
 * FlussBucketingFunction over the PK bytes when the bucket key is the default,
 * otherwise over the compacted encoding of the bucket-key columns
 * (KeyEncoder.ofBucketKeyEncoder, fluss-protocol.md §7.2). Tables with a lake
 * format other than lance are refused at creation, so these are the only rules.
 *
 * Schema versions ({server}/kv/KvTablet.java putAsLeader, {server}/metadata/
 * ServerSchemaCache.java, fluss-common/.../record/KvRecordReadContext.java,
 * .../row/encode/ValueDecoder.java): a batch's rows are decoded with the schema its
 * header names, and stored as they came, under that schema id. Fluss 0.9 changes a
 * schema only by adding nullable columns at the end (SchemaUpdate.addColumn), so schema
 * id k is always the first cols[k] columns of the latest one: only that count is kept
 * per id, and a row of an older schema reads as the latest schema with nulls in the
 * columns added since (KvTablet's PaddingRow, PartialUpdater "the old row may be old
 * schema with fewer fields").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucketing.h"
#include "compacted_row.h"
#include "fluss_ts_internal.h"
#include "row_json.h"
#include "table_desc.h"

struct fts_schema {
    kfb_table_desc_t *td;    /* the latest schema's descriptor */
    int32_t latest;
    size_t *cols;            /* [0..latest]: columns of schema id k; 0 = no such schema */
    kfb_value_t *vals;       /* scratch, column_count */
    kfb_datatype_t *pk_types; /* physical PK column types, in PK order */
    kfb_value_t *key_vals;
    size_t npk;
    int *bk_pos;             /* position in the physical PK of each bucket-key column */
    size_t nbk;
    bool default_bucket_key;
    kfb_buf_t scratch;
};

struct fts_schema *fts_schema_new_desc(kfb_table_desc_t *td, int32_t latest) {
    struct fts_schema *sc = calloc(1, sizeof(*sc));
    if (!sc) goto fail;
    sc->td = td;
    sc->latest = latest;
    size_t n = td->column_count, npk = td->physical_primary_key_count;
    sc->cols = calloc((size_t)(latest > 0 ? latest : 0) + 1, sizeof(*sc->cols));
    if (!sc->cols) goto fail;
    /* a table created with a later schema id (tables file "schema_id"): its earlier ids
     * read as the same columns */
    for (int32_t k = 1; k <= latest; k++) sc->cols[k] = n;
    sc->vals = calloc(n ? n : 1, sizeof(*sc->vals));
    sc->pk_types = calloc(npk ? npk : 1, sizeof(*sc->pk_types));
    sc->key_vals = calloc(npk ? npk : 1, sizeof(*sc->key_vals));
    sc->bk_pos = calloc(td->bucket_key_count ? td->bucket_key_count : 1, sizeof(int));
    if (!sc->vals || !sc->pk_types || !sc->key_vals || !sc->bk_pos) goto fail;
    sc->npk = npk;
    /* Key columns are never nested (validated by the descriptor parser), so a
     * shallow copy of the scalar descriptor owns nothing. */
    for (size_t i = 0; i < npk; i++) sc->pk_types[i] = td->column_types[td->physical_primary_key[i]];
    sc->nbk = td->bucket_key_count;
    for (size_t i = 0; i < sc->nbk; i++) {
        sc->bk_pos[i] = -1;
        for (size_t j = 0; j < npk; j++)
            if (td->physical_primary_key[j] == td->bucket_keys[i]) sc->bk_pos[i] = (int)j;
        if (sc->bk_pos[i] < 0) goto fail;
    }
    sc->default_bucket_key = td->default_bucket_key != 0;
    return sc;
fail:
    if (sc) {
        sc->td = NULL;
        fts_schema_free(sc);
    }
    kfb_table_desc_destroy(td);
    return NULL;
}

struct fts_schema *fts_schema_new(const char *table_json, char *msg, size_t msg_size) {
    kfb_table_desc_t *td = kfb_table_desc_parse(table_json, strlen(table_json), msg, msg_size);
    if (!td) return NULL;
    return fts_schema_new_desc(td, 1);
}

void fts_schema_free(struct fts_schema *sc) {
    if (!sc) return;
    kfb_table_desc_destroy(sc->td);
    free(sc->cols);
    free(sc->vals);
    free(sc->pk_types);
    free(sc->key_vals);
    free(sc->bk_pos);
    kfb_buf_free(&sc->scratch);
    free(sc);
}

size_t fts_schema_column_count(const struct fts_schema *sc) { return sc->td->column_count; }

int32_t fts_schema_latest(const struct fts_schema *sc) { return sc->latest; }

const kfb_table_desc_t *fts_schema_desc(const struct fts_schema *sc) { return sc->td; }

size_t fts_schema_version_columns(const struct fts_schema *sc, int32_t schema_id) {
    return schema_id >= 1 && schema_id <= sc->latest ? sc->cols[schema_id] : 0;
}

struct fts_schema *fts_schema_add_version(struct fts_schema *old, kfb_table_desc_t *td) {
    if (old->latest >= 32767) { /* the batch header's schema id is an int16 */
        kfb_table_desc_destroy(td);
        return NULL;
    }
    struct fts_schema *sc = fts_schema_new_desc(td, old->latest + 1);
    if (!sc) return NULL;
    for (int32_t k = 1; k <= old->latest; k++) sc->cols[k] = old->cols[k];
    fts_schema_free(old);
    return sc;
}

/* Decodes a row of schema `schema_id` into vals as a row of the latest schema: the
 * columns added since are null. 0, or -1 when the id is unknown or the row does not
 * decode (err filled when given). */
static int decode_version(const struct fts_schema *sc, int32_t schema_id, const uint8_t *row,
                          size_t len, kfb_value_t *vals, char *err, size_t err_size) {
    size_t n = fts_schema_version_columns(sc, schema_id);
    if (n == 0) {
        if (err) snprintf(err, err_size, "no schema with id %d", schema_id);
        return -1;
    }
    if (kfb_row_decode(sc->td->column_types, n, row, len, vals, err, err_size) != KFB_ERR_OK)
        return -1;
    for (size_t i = n; i < sc->td->column_count; i++) {
        memset(&vals[i], 0, sizeof(vals[i]));
        vals[i].is_null = true;
    }
    return 0;
}

size_t fts_schema_partition_key_count(const struct fts_schema *sc) {
    return sc->td->partition_key_count;
}

const char *fts_schema_partition_key_name(const struct fts_schema *sc, size_t i) {
    return sc->td->column_names[sc->td->partition_keys[i]];
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Partition value as PartitionUtils.convertValueOfType renders it (§12), into
 * out; returns the length, or -1 for a type not rendered here (not compared). */
static int render_partition_value(const kfb_datatype_t *t, const kfb_value_t *v, char *out,
                                  size_t n) {
    static const char hx[] = "0123456789abcdef";
    switch (t->root) {
    case KFB_TYPE_CHAR:
    case KFB_TYPE_STRING:
        if (v->v.bytes.len >= n) return -1;
        memcpy(out, v->v.bytes.data, v->v.bytes.len);
        return (int)v->v.bytes.len;
    case KFB_TYPE_BINARY:
    case KFB_TYPE_BYTES:
        if (2 * v->v.bytes.len >= n) return -1;
        for (size_t i = 0; i < v->v.bytes.len; i++) {
            out[2 * i] = hx[v->v.bytes.data[i] >> 4];
            out[2 * i + 1] = hx[v->v.bytes.data[i] & 15];
        }
        return (int)(2 * v->v.bytes.len);
    case KFB_TYPE_BOOLEAN: return snprintf(out, n, "%s", v->v.b ? "true" : "false");
    case KFB_TYPE_TINYINT: return snprintf(out, n, "%d", v->v.i8);
    case KFB_TYPE_SMALLINT: return snprintf(out, n, "%d", v->v.i16);
    case KFB_TYPE_INTEGER: return snprintf(out, n, "%d", v->v.i32);
    case KFB_TYPE_BIGINT: return snprintf(out, n, "%lld", (long long)v->v.i64);
    case KFB_TYPE_DATE: {
        int64_t y;
        unsigned m, d;
        civil_from_days(v->v.i32, &y, &m, &d);
        if (y < 0 || y > 9999) return -1;
        return snprintf(out, n, "%04lld-%02u-%02u", (long long)y, m, d);
    }
    default: return -1;
    }
}

int fts_schema_check_partition(const struct fts_schema *sc, const char *partition_name,
                               char *msg, size_t msg_size) {
    const char *p = partition_name;
    for (size_t i = 0; i < sc->td->partition_key_count; i++) {
        const char *end = strchr(p, '$');
        size_t seg = end ? (size_t)(end - p) : strlen(p);
        int col = sc->td->partition_keys[i];
        const kfb_value_t *v = &sc->vals[col];
        if (v->is_null) {
            snprintf(msg, msg_size, "partition column %s is null", sc->td->column_names[col]);
            return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
        char val[512];
        int n = render_partition_value(&sc->td->column_types[col], v, val, sizeof(val));
        if (n >= 0 && ((size_t)n != seg || memcmp(val, p, seg) != 0)) {
            snprintf(msg, msg_size, "row has %s = '%.*s' but was sent to partition '%s'",
                     sc->td->column_names[col], n, val, partition_name);
            return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
        p = end ? end + 1 : p + seg;
    }
    return KFB_FLUSS_NONE;
}

int fts_schema_check_row(const struct fts_schema *sc, int32_t schema_id, const uint8_t *row,
                         size_t len, char *msg, size_t msg_size) {
    char err[200];
    if (decode_version(sc, schema_id, row, len, sc->vals, err, sizeof(err)) != 0) {
        snprintf(msg, msg_size, "value row does not decode with schema %d (%zu columns): %s",
                 schema_id, fts_schema_version_columns(sc, schema_id), err);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    return KFB_FLUSS_NONE;
}

int fts_schema_key_bucket(const struct fts_schema *sc, const uint8_t *key, size_t len,
                          int bucket_count, int *bucket, char *msg, size_t msg_size) {
    struct fts_schema *m = (struct fts_schema *)sc; /* scratch space only */
    char err[200];
    kfb_err_t e = kfb_key_decode(sc->pk_types, sc->npk, key, len, m->key_vals, err, sizeof(err));
    if (e != KFB_ERR_OK) {
        snprintf(msg, msg_size, "key does not decode as the primary key (%zu columns): %s",
                 sc->npk, err);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    if (sc->default_bucket_key) {
        *bucket = kfb_bucket_fluss(key, len, bucket_count);
    } else {
        kfb_buf_reset(&m->scratch);
        kfb_row_writer_t w;
        kfb_key_writer_begin(&w, &m->scratch);
        for (size_t i = 0; i < sc->nbk; i++) {
            int pos = sc->bk_pos[i];
            /* key values are never null, so pos (for the null bit) is unused in key mode */
            if (kfb_row_write_value(&w, &sc->pk_types[pos], (uint32_t)pos, &m->key_vals[pos]) !=
                KFB_ERR_OK) {
                snprintf(msg, msg_size, "cannot re-encode bucket key column %zu", i);
                return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
            }
        }
        *bucket = kfb_bucket_fluss(kfb_row_writer_data(&w), kfb_row_writer_size(&w), bucket_count);
    }
    if (*bucket < 0) {
        snprintf(msg, msg_size, "empty key cannot be bucketed");
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    return KFB_FLUSS_NONE;
}

void fts_schema_render_row(const struct fts_schema *sc, int32_t schema_id, const uint8_t *row,
                           size_t len, kfb_buf_t *out) {
    size_t mark = out->len;
    if (decode_version(sc, schema_id, row, len, sc->vals, NULL, 0) == 0 &&
        kfb_row_json_append_row(out, sc->td->column_names, sc->td->column_types, sc->vals,
                                sc->td->column_count) == KFB_ERR_OK)
        return;
    out->len = mark;
    kfb_buf_append(out, "{\"$schema_id\":", 14);
    char tmp[16];
    int n = snprintf(tmp, sizeof(tmp), "%d", schema_id);
    kfb_buf_append(out, tmp, (size_t)n);
    kfb_buf_append(out, ",\"$hex\":\"", 9);
    fts_hex(out, row, len);
    kfb_buf_append(out, "\"}", 2);
}

/* ---- partial updates, fluss-protocol.md §10.3 ----
 *
 * References (fluss-server/src/main/java/org/apache/fluss/server/kv/):
 * KvTablet.putAsLeader (order: schema id, auto-increment rule, then the merger's
 * configureTargetColumns), autoinc/PerSchemaAutoIncrementUpdater.validateTargetColumns,
 * rowmerger/DefaultRowMerger.configureTargetColumns + TargetColumns
 * .specifiesAllSchemaFieldIndexes (a list covering every column is a full write),
 * rowmerger/FirstRowRowMerger.configureTargetColumns (any list is refused),
 * partialupdate/PartialUpdater (sanityCheck, updateRow, deleteRow). */

struct fts_partial {
    const struct fts_schema *sc;
    bool *target, *pk;
    bool pk_only; /* the targets are exactly the primary key */
    kfb_value_t *ovals, *nvals;
};

/* Schema.getColumnNames(int[]) as Java's List.toString renders it: "[a, b]". */
static void column_list(const kfb_table_desc_t *td, const int *idx, const int32_t *idx32,
                        size_t n, char *out, size_t out_size) {
    size_t o = 0;
    int k = snprintf(out, out_size, "[");
    o = k > 0 ? (size_t)k : 0;
    for (size_t i = 0; i < n && o < out_size; i++) {
        long c = idx ? idx[i] : idx32[i];
        const char *name = c >= 0 && (size_t)c < td->column_count ? td->column_names[c] : "?";
        k = snprintf(out + o, out_size - o, "%s%s", i ? ", " : "", name);
        if (k > 0) o += (size_t)k;
    }
    if (o < out_size) snprintf(out + o, out_size - o, "]");
}

void fts_partial_free(fts_partial_t *p) {
    if (!p) return;
    free(p->target);
    free(p->pk);
    free(p->ovals);
    free(p->nvals);
    free(p);
}

int fts_partial_new(const struct fts_schema *sc, const int32_t *cols, size_t n, bool first_row,
                    fts_partial_t **out, char *msg, size_t msg_size) {
    const kfb_table_desc_t *td = sc->td;
    size_t nc = td->column_count;
    *out = NULL;
    if (td->auto_increment_column >= 0) {
        const int ai = td->auto_increment_column;
        bool found = false;
        for (size_t i = 0; i < n; i++) found |= cols[i] == ai;
        if (n == 0) {
            snprintf(msg, msg_size, "The table contains an auto-increment column [%s], but update "
                     "target columns are not explicitly specified. Please specify the update "
                     "target columns and exclude the auto-increment column from them.",
                     td->column_names[ai]);
            return KFB_FLUSS_INVALID_TARGET_COLUMN;
        }
        if (found) {
            snprintf(msg, msg_size, "Auto-increment column [%s] at index %d must not be included "
                     "in target columns.", td->column_names[ai], ai);
            return KFB_FLUSS_INVALID_TARGET_COLUMN;
        }
    }
    if (n == 0) return KFB_FLUSS_NONE;
    if (first_row) {
        /* an UnsupportedOperationException: the generic error code */
        snprintf(msg, msg_size, "Partial update is not supported for the first_row merge engine.");
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    /* TargetColumns.specifiesAllSchemaFieldIndexes: every index in range, all covered */
    bool *cover = calloc(nc ? nc : 1, sizeof(bool));
    if (!cover) goto oom;
    bool all = n >= nc, in_range = true;
    for (size_t i = 0; i < n; i++) {
        if (cols[i] < 0 || (size_t)cols[i] >= nc) in_range = false;
        else cover[cols[i]] = true;
    }
    for (size_t i = 0; all && i < nc; i++) all = cover[i];
    free(cover);
    if (all && in_range) return KFB_FLUSS_NONE;

    fts_partial_t *p = calloc(1, sizeof(*p));
    if (!p) goto oom;
    p->sc = sc;
    p->target = calloc(nc ? nc : 1, sizeof(bool));
    p->pk = calloc(nc ? nc : 1, sizeof(bool));
    p->ovals = calloc(nc ? nc : 1, sizeof(kfb_value_t));
    p->nvals = calloc(nc ? nc : 1, sizeof(kfb_value_t));
    if (!p->target || !p->pk || !p->ovals || !p->nvals) {
        fts_partial_free(p);
        goto oom;
    }
    for (size_t i = 0; i < n; i++) {
        /* BitSet.set(negative) throws IndexOutOfBoundsException; an index past
         * the last column is set in the BitSet and then never looked at. */
        if (cols[i] < 0) {
            snprintf(msg, msg_size, "bitIndex < 0: %d", cols[i]);
            fts_partial_free(p);
            return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
        if ((size_t)cols[i] < nc) p->target[cols[i]] = true;
    }
    for (size_t i = 0; i < td->primary_key_count; i++) p->pk[td->primary_key[i]] = true;
    for (size_t i = 0; i < td->primary_key_count; i++) {
        if (p->target[td->primary_key[i]]) continue;
        if (!in_range) {
            /* Schema.getColumnNames of the message throws on the bad index */
            snprintf(msg, msg_size, "target column index out of range for %zu columns", nc);
            fts_partial_free(p);
            return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
        char tl[256], pl[256];
        column_list(td, NULL, cols, n, tl, sizeof(tl));
        column_list(td, td->primary_key, NULL, td->primary_key_count, pl, sizeof(pl));
        snprintf(msg, msg_size, "The target write columns %s must contain the primary key "
                 "columns %s.", tl, pl);
        fts_partial_free(p);
        return KFB_FLUSS_INVALID_TARGET_COLUMN;
    }
    for (size_t i = 0; i < nc; i++) {
        if (!p->pk[i] && !td->column_types[i].nullable) {
            snprintf(msg, msg_size, "Partial Update requires all columns except primary key to be "
                     "nullable, but column %s is NOT NULL.", td->column_names[i]);
            fts_partial_free(p);
            return KFB_FLUSS_INVALID_TARGET_COLUMN;
        }
    }
    p->pk_only = true;
    for (size_t i = 0; i < nc; i++) p->pk_only &= p->target[i] == p->pk[i];
    *out = p;
    return KFB_FLUSS_NONE;
oom:
    snprintf(msg, msg_size, "out of memory");
    return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
}

static int encode_mixed(const fts_partial_t *p, const bool *from_new, bool have_old,
                        kfb_buf_t *out) {
    const kfb_table_desc_t *td = p->sc->td;
    kfb_buf_reset(out);
    kfb_row_writer_t w;
    if (kfb_row_writer_begin(&w, out, (uint32_t)td->column_count) != KFB_ERR_OK) return -1;
    for (size_t i = 0; i < td->column_count; i++) {
        const kfb_value_t *v = from_new[i] ? &p->nvals[i] : have_old ? &p->ovals[i] : NULL;
        kfb_err_t e = !v ? kfb_row_write_null(&w, (uint32_t)i)
                         : kfb_row_write_value(&w, &td->column_types[i], (uint32_t)i, v);
        if (e != KFB_ERR_OK) return -1;
    }
    return 0;
}

int fts_partial_update(fts_partial_t *p, const uint8_t *old, size_t olen, int32_t old_schema,
                       const uint8_t *nrow, size_t nlen, int32_t new_schema, kfb_buf_t *out,
                       bool *keep_old) {
    *keep_old = false;
    if (p->pk_only && old) {
        *keep_old = true;
        return 0;
    }
    if (old && decode_version(p->sc, old_schema, old, olen, p->ovals, NULL, 0) != 0) return -1;
    /* a target column the batch's (older) schema lacks reads as null */
    if (decode_version(p->sc, new_schema, nrow, nlen, p->nvals, NULL, 0) != 0) return -1;
    return encode_mixed(p, p->target, old != NULL, out);
}

int fts_partial_delete(fts_partial_t *p, const uint8_t *old, size_t olen, int32_t old_schema,
                       kfb_buf_t *out, bool *remove) {
    const kfb_table_desc_t *td = p->sc->td;
    *remove = false;
    if (decode_version(p->sc, old_schema, old, olen, p->ovals, NULL, 0) != 0) return -1;
    /* isFieldsNull(row, targets): every non-target field null -> the row goes */
    bool rest_null = true;
    for (size_t i = 0; i < td->column_count; i++)
        if (!p->target[i] && !p->ovals[i].is_null) rest_null = false;
    if (rest_null) {
        *remove = true;
        return 0;
    }
    /* target non-PK columns become null, everything else is kept */
    for (size_t i = 0; i < td->column_count; i++) {
        p->nvals[i] = p->ovals[i];
        if (p->target[i] && !p->pk[i]) p->nvals[i].is_null = true;
    }
    bool *from_new = calloc(td->column_count ? td->column_count : 1, sizeof(bool));
    if (!from_new) return -1;
    for (size_t i = 0; i < td->column_count; i++) from_new[i] = true;
    int r = encode_mixed(p, from_new, true, out);
    free(from_new);
    return r;
}
