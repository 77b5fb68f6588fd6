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
 * Only the latest schema is known: rows written with an older schema id are
 * accepted without decoding (Fluss pads them to the latest schema).
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
    kfb_table_desc_t *td;
    int32_t latest;
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
    free(sc->vals);
    free(sc->pk_types);
    free(sc->key_vals);
    free(sc->bk_pos);
    kfb_buf_free(&sc->scratch);
    free(sc);
}

size_t fts_schema_column_count(const struct fts_schema *sc) { return sc->td->column_count; }

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
    if (schema_id != sc->latest) return KFB_FLUSS_NONE;
    char err[200];
    kfb_err_t e = kfb_row_decode(sc->td->column_types, sc->td->column_count, row, len, sc->vals,
                                 err, sizeof(err));
    if (e != KFB_ERR_OK) {
        snprintf(msg, msg_size, "value row does not decode with schema %d (%zu columns): %s",
                 schema_id, sc->td->column_count, err);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    return KFB_FLUSS_NONE;
}

/* Re-encodes one decoded key field (CompactedKeyWriter: the row field layout). */
static kfb_err_t write_key_field(kfb_row_writer_t *w, const kfb_datatype_t *t,
                                 const kfb_value_t *v) {
    switch (t->root) {
    case KFB_TYPE_BOOLEAN: return kfb_row_write_boolean(w, v->v.b);
    case KFB_TYPE_TINYINT: return kfb_row_write_tinyint(w, v->v.i8);
    case KFB_TYPE_SMALLINT: return kfb_row_write_smallint(w, v->v.i16);
    case KFB_TYPE_INTEGER:
    case KFB_TYPE_DATE:
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: return kfb_row_write_int(w, v->v.i32);
    case KFB_TYPE_BIGINT: return kfb_row_write_bigint(w, v->v.i64);
    case KFB_TYPE_FLOAT: return kfb_row_write_float(w, v->v.f32);
    case KFB_TYPE_DOUBLE: return kfb_row_write_double(w, v->v.f64);
    case KFB_TYPE_DECIMAL:
        if (kfb_datatype_decimal_is_compact(t)) return kfb_row_write_decimal_compact(w, v->v.i64);
        return kfb_row_write_bytes(w, v->v.bytes.data, v->v.bytes.len);
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return kfb_row_write_timestamp(w, v->v.ts.millis, v->v.ts.nano_of_milli, t->precision);
    case KFB_TYPE_CHAR:
    case KFB_TYPE_STRING:
    case KFB_TYPE_BINARY:
    case KFB_TYPE_BYTES: return kfb_row_write_bytes(w, v->v.bytes.data, v->v.bytes.len);
    default: return KFB_ERR_UNSUPPORTED_TYPE;
    }
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
            if (write_key_field(&w, &sc->pk_types[pos], &m->key_vals[pos]) != KFB_ERR_OK) {
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
    if (schema_id == sc->latest &&
        kfb_row_decode(sc->td->column_types, sc->td->column_count, row, len, sc->vals, NULL, 0) ==
            KFB_ERR_OK &&
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
