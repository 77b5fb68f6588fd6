/*
 * fluss_ts_state.c - what the Fluss test server stores: databases, tables,
 * buckets with their KV maps, changelog offsets and writer state; applying a
 * PutKv bucket batch; table dumps and statistics.
 *
 * PutKv of one bucket follows {server}/kv/KvTablet.java putAsLeader and
 * {server}/log/LogTablet.java append ({server} = fluss-server/src/main/java/org/apache/fluss/server):
 *   1. schema id < 0 or > latest                     -> SCHEMA_NOT_EXIST (9)  (validateSchemaId)
 *   2. every record decoded (processKvRecords) with the schema the batch header
 *      names: an id that passed 1 but has no schema (0) fails at the first record
 *      with SCHEMA_NOT_EXIST (9) (DefaultKvRecord.readFrom -> KvRecordReadContext
 *      .getRowDecoder -> ServerSchemaCache / MetadataManager.getSchemaById); a
 *      malformed record or row -> -1 (InvalidRecordException has no code); a delete
 *      with table.delete.behavior=DISABLE -> DELETION_DISABLED (57) (processDeletion).
 *      Rows are stored as they came, under the batch's schema id; a partial update
 *      stores the merged row under the latest id (PartialUpdater.updateRow).
 *   3. writer state (analyzeAndValidateWriterState), only when writer id != -1:
 *      a sequence equal to one of the last 5 batches of (bucket, writer) is a
 *      duplicate: success with that batch's offsets, nothing applied; otherwise it
 *      must be last + 1 (0 for an unknown writer, 0 after INT32_MAX)
 *      -> OUT_OF_ORDER_SEQUENCE (31) (WriterAppendInfo.inSequence, WriterStateEntry)
 *   4. apply: changelog offsets advance by 1 per insert/delete, 2 per update with
 *      the FULL changelog image (UPDATE_BEFORE + UPDATE_AFTER), 1 with WAL; a batch
 *      that changed nothing still takes 1 offset (an empty changelog batch records
 *      the writer state). log_end_offset = last offset + 1 (ReplicaManager.putToLocalKv).
 * Strict mode (default) also checks the batch framing with kv_batch.h's reader
 * (magic, CRC, length -> CORRUPT_MESSAGE (3), the code DefaultKvRecordBatch.ensureValid
 * would give; trailing bytes -> -1) and that each key hashes to the bucket it was
 * sent to (-1). Fluss itself checks none of these on the PutKv path (§16).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "fluss_ts_internal.h"
#include "kv_batch.h"
#include "row_json.h"
#include "logging.h"
#include "varint.h"

/* ---- KV map ---- */

static uint32_t kv_hash(const uint8_t *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

fts_kv_entry_t *fts_kv_get(const fts_kv_map_t *m, const uint8_t *key, size_t klen) {
    if (!m->nslots) return NULL;
    uint32_t h = kv_hash(key, klen);
    for (fts_kv_entry_t *e = m->slots[h & (m->nslots - 1)]; e; e = e->next)
        if (e->hash == h && e->klen == klen && (klen == 0 || memcmp(e->key, key, klen) == 0))
            return e;
    return NULL;
}

static kfb_err_t kv_grow(fts_kv_map_t *m) {
    size_t ns = m->nslots ? m->nslots * 2 : 64;
    fts_kv_entry_t **slots = calloc(ns, sizeof(*slots));
    if (!slots) return KFB_ERR_NOMEM;
    for (size_t i = 0; i < m->nslots; i++) {
        for (fts_kv_entry_t *e = m->slots[i], *next; e; e = next) {
            next = e->next;
            e->next = slots[e->hash & (ns - 1)];
            slots[e->hash & (ns - 1)] = e;
        }
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = ns;
    return KFB_ERR_OK;
}

kfb_err_t fts_kv_put(fts_kv_map_t *m, const uint8_t *key, size_t klen, int16_t schema_id,
                     const uint8_t *val, size_t vlen) {
    if (m->count + 1 > m->nslots * 3 / 4 && kv_grow(m) != KFB_ERR_OK) return KFB_ERR_NOMEM;
    uint32_t h = kv_hash(key, klen);
    fts_kv_entry_t **pp = &m->slots[h & (m->nslots - 1)];
    for (fts_kv_entry_t *e = *pp; e; e = e->next) {
        if (e->hash == h && e->klen == klen && (klen == 0 || memcmp(e->key, key, klen) == 0)) {
            if (vlen > e->vlen) {
                uint8_t *nk = malloc(klen + vlen ? klen + vlen : 1);
                if (!nk) return KFB_ERR_NOMEM;
                if (klen) memcpy(nk, key, klen);
                free(e->key);
                e->key = nk;
                e->val = nk + klen;
            }
            if (vlen) memcpy(e->val, val, vlen);
            e->vlen = (uint32_t)vlen;
            e->schema_id = schema_id;
            return KFB_ERR_OK;
        }
    }
    fts_kv_entry_t *e = calloc(1, sizeof(*e));
    uint8_t *mem = malloc(klen + vlen ? klen + vlen : 1);
    if (!e || !mem) {
        free(e);
        free(mem);
        return KFB_ERR_NOMEM;
    }
    if (klen) memcpy(mem, key, klen);
    if (vlen) memcpy(mem + klen, val, vlen);
    e->hash = h;
    e->klen = (uint32_t)klen;
    e->vlen = (uint32_t)vlen;
    e->schema_id = schema_id;
    e->key = mem;
    e->val = mem + klen;
    e->next = *pp;
    *pp = e;
    m->count++;
    return KFB_ERR_OK;
}

bool fts_kv_del(fts_kv_map_t *m, const uint8_t *key, size_t klen) {
    if (!m->nslots) return false;
    uint32_t h = kv_hash(key, klen);
    for (fts_kv_entry_t **pp = &m->slots[h & (m->nslots - 1)]; *pp; pp = &(*pp)->next) {
        fts_kv_entry_t *e = *pp;
        if (e->hash == h && e->klen == klen && (klen == 0 || memcmp(e->key, key, klen) == 0)) {
            *pp = e->next;
            free(e->key);
            free(e);
            m->count--;
            return true;
        }
    }
    return false;
}

void fts_kv_free(fts_kv_map_t *m) {
    for (size_t i = 0; i < m->nslots; i++) {
        for (fts_kv_entry_t *e = m->slots[i], *next; e; e = next) {
            next = e->next;
            free(e->key);
            free(e);
        }
    }
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* ---- tables and databases ---- */

fts_table_t *fts_find_table(kfb_fts_t *s, const char *db, const char *name) {
    for (size_t i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i]->db, db) == 0 && strcmp(s->tables[i]->name, name) == 0)
            return s->tables[i];
    return NULL;
}

fts_table_t *fts_find_table_id(kfb_fts_t *s, int64_t id) {
    for (size_t i = 0; i < s->ntables; i++)
        if (s->tables[i]->table_id == id) return s->tables[i];
    return NULL;
}

bool fts_has_database(kfb_fts_t *s, const char *db) {
    for (size_t i = 0; i < s->ndatabases; i++)
        if (strcmp(s->databases[i], db) == 0) return true;
    return false;
}

kfb_err_t fts_add_database(kfb_fts_t *s, const char *db) {
    if (fts_has_database(s, db)) return KFB_ERR_OK;
    if (s->ndatabases == s->cap_databases) {
        size_t nc = s->cap_databases ? s->cap_databases * 2 : 8;
        char **nd = realloc(s->databases, nc * sizeof(*nd));
        if (!nd) return KFB_ERR_NOMEM;
        s->databases = nd;
        s->cap_databases = nc;
    }
    char *d = strdup(db);
    if (!d) return KFB_ERR_NOMEM;
    s->databases[s->ndatabases++] = d;
    return KFB_ERR_OK;
}

fts_partition_t *fts_find_partition(fts_table_t *t, int64_t id) {
    for (size_t i = 0; i < t->nparts; i++)
        if (t->parts[i].id == id) return &t->parts[i];
    return NULL;
}

fts_partition_t *fts_find_partition_name(fts_table_t *t, const char *name) {
    for (size_t i = 0; i < t->nparts; i++)
        if (strcmp(t->parts[i].name, name) == 0) return &t->parts[i];
    return NULL;
}

fts_bucket_t *fts_table_bucket(fts_table_t *t, int64_t partition_id, int32_t bucket) {
    if (bucket < 0 || bucket >= t->bucket_count) return NULL;
    if (!t->partitioned) return partition_id == -1 ? &t->buckets[bucket] : NULL;
    fts_partition_t *p = fts_find_partition(t, partition_id);
    return p ? &p->buckets[bucket] : NULL;
}

size_t fts_table_nbuckets(const fts_table_t *t) {
    return (size_t)t->bucket_count * (t->partitioned ? t->nparts : 1);
}

fts_bucket_t *fts_table_bucket_at(fts_table_t *t, size_t i, fts_partition_t **part) {
    size_t bc = (size_t)t->bucket_count;
    if (!t->partitioned) {
        *part = NULL;
        return &t->buckets[i];
    }
    *part = &t->parts[i / bc];
    return &(*part)->buckets[i % bc];
}

/* PartitionUtils.validatePartitionValues / TablePath name rules: each value is
 * 1..200 of [A-Za-z0-9_-] and, on create, does not start with "__". */
static bool valid_partition_name(const char *name, int nkeys) {
    int nvals = 1;
    size_t seg = 0;
    for (const char *p = name;; p++) {
        if (*p == '$' || *p == 0) {
            if (seg == 0 || seg > 200) return false;
            if (seg >= 2 && p[-(long)seg] == '_' && p[-(long)seg + 1] == '_') return false;
            if (*p == 0) break;
            nvals++;
            seg = 0;
            continue;
        }
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
        seg++;
    }
    return nvals == nkeys;
}

int fts_add_partition(kfb_fts_t *s, fts_table_t *t, const char *name, int64_t *id_out, char *msg,
                      size_t msg_size) {
    if (!t->partitioned) {
        snprintf(msg, msg_size, "Table %s.%s is not partitioned.", t->db, t->name);
        return KFB_FLUSS_TABLE_NOT_PARTITIONED_EXCEPTION;
    }
    int nkeys = (int)fts_schema_partition_key_count(t->schema);
    if (!valid_partition_name(name, nkeys)) {
        snprintf(msg, msg_size, "Invalid partition '%.300s' for table %s.%s: expected %d value(s) "
                 "of 1-200 characters [a-zA-Z0-9_-] joined by '$', not starting with '__'",
                 name, t->db, t->name, nkeys);
        return KFB_FLUSS_PARTITION_SPEC_INVALID_EXCEPTION;
    }
    if (fts_find_partition_name(t, name)) {
        snprintf(msg, msg_size, "Partition '%s' already exists for table %s.%s", name, t->db,
                 t->name);
        return KFB_FLUSS_PARTITION_ALREADY_EXISTS;
    }
    fts_partition_t *np = realloc(t->parts, (t->nparts + 1) * sizeof(*np));
    if (!np) goto oom;
    t->parts = np;
    fts_partition_t *p = &t->parts[t->nparts];
    memset(p, 0, sizeof(*p));
    p->name = strdup(name);
    p->buckets = calloc((size_t)t->bucket_count, sizeof(*p->buckets));
    if (!p->name || !p->buckets) {
        free(p->name);
        free(p->buckets);
        goto oom;
    }
    p->id = s->next_partition_id++;
    for (int b = 0; b < t->bucket_count; b++) {
        p->buckets[b].bucket_id = b;
        p->buckets[b].leader = (int)((b + t->nparts) % (size_t)s->n_tablets);
    }
    t->nparts++;
    if (id_out) *id_out = p->id;
    return KFB_FLUSS_NONE;
oom:
    snprintf(msg, msg_size, "out of memory");
    return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
}

kfb_err_t kfb_fts_add_partition(kfb_fts_t *s, const char *database, const char *table,
                                const char *name, int64_t *partition_id_out, char *errstr,
                                size_t errstr_size) {
    pthread_mutex_lock(&s->mu);
    fts_table_t *t = fts_find_table(s, database, table);
    int code = t ? fts_add_partition(s, t, name, partition_id_out, errstr, errstr_size)
                 : KFB_FLUSS_TABLE_NOT_EXIST;
    if (!t) snprintf(errstr, errstr_size, "table %s.%s does not exist", database, table);
    pthread_mutex_unlock(&s->mu);
    return code == KFB_FLUSS_NONE ? KFB_ERR_OK : KFB_ERR_CONFIG;
}

static void bucket_free(fts_bucket_t *b) {
    fts_kv_free(&b->kv);
    while (b->writers) {
        fts_writer_t *w = b->writers;
        b->writers = w->next;
        free(w);
    }
}

void fts_table_free(fts_table_t *t) {
    if (!t) return;
    for (int i = 0; t->buckets && i < t->bucket_count; i++) bucket_free(&t->buckets[i]);
    free(t->buckets);
    for (size_t p = 0; p < t->nparts; p++) {
        for (int i = 0; i < t->bucket_count; i++) bucket_free(&t->parts[p].buckets[i]);
        free(t->parts[p].buckets);
        free(t->parts[p].name);
    }
    free(t->parts);
    fts_schema_free(t->schema);
    free(t->db);
    free(t->name);
    free(t->table_json);
    for (int32_t k = 0; t->schema_jsons && k <= t->schema_id; k++) free(t->schema_jsons[k]);
    free(t->schema_jsons);
    free(t);
}

/* ---- batch iteration: strict (kv_batch.h reader) or Java-lenient ---- */

typedef struct batch_it {
    bool strict;
    kfb_kv_batch_reader_t r;
    const uint8_t *p;
    size_t len, pos;
    int32_t count, idx;
} batch_it_t;

typedef struct batch_hdr {
    int16_t schema_id;
    int64_t writer_id;
    int32_t seq;
    int32_t count;
} batch_hdr_t;

static int bit_init(batch_it_t *it, bool strict, const uint8_t *p, size_t len, batch_hdr_t *h,
                    char *msg, size_t msg_size) {
    memset(it, 0, sizeof(*it));
    it->strict = strict;
    if (strict) {
        char err[192];
        kfb_err_t e = kfb_kv_batch_reader_init(&it->r, p, len, err, sizeof(err));
        if (e != KFB_ERR_OK) {
            /* DefaultKvRecordBatch.ensureValid: CorruptMessageException. */
            snprintf(msg, msg_size, "Record batch is corrupt: %s", err);
            return KFB_FLUSS_CORRUPT_MESSAGE;
        }
        h->schema_id = kfb_kv_batch_reader_schema_id(&it->r);
        h->writer_id = kfb_kv_batch_reader_writer_id(&it->r);
        h->seq = kfb_kv_batch_reader_batch_sequence(&it->r);
        h->count = kfb_kv_batch_reader_record_count(&it->r);
        return KFB_FLUSS_NONE;
    }
    /* DefaultKvRecordBatch: header fields read at fixed offsets, nothing checked
     * except a negative record count (KvRecordIterator). */
    if (len < KFB_KV_BATCH_HEADER_SIZE) {
        snprintf(msg, msg_size, "java.lang.IndexOutOfBoundsException: batch of %zu bytes is "
                 "shorter than its 28-byte header", len);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    h->schema_id = (int16_t)kfb_get_le16(p + KFB_KV_BATCH_SCHEMA_ID_OFFSET);
    h->writer_id = (int64_t)kfb_get_le64(p + KFB_KV_BATCH_WRITER_ID_OFFSET);
    h->seq = (int32_t)kfb_get_le32(p + KFB_KV_BATCH_SEQUENCE_OFFSET);
    h->count = (int32_t)kfb_get_le32(p + KFB_KV_BATCH_RECORD_COUNT_OFFSET);
    if (h->count < 0) {
        snprintf(msg, msg_size, "Found invalid record count %d in magic v%u batch", h->count,
                 p[KFB_KV_BATCH_MAGIC_OFFSET]);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    it->p = p;
    it->len = len;
    it->pos = KFB_KV_BATCH_HEADER_SIZE;
    it->count = h->count;
    return KFB_FLUSS_NONE;
}

/* 1 = record, 0 = end, -1 = malformed (msg filled; code -1 like InvalidRecordException). */
static int bit_next(batch_it_t *it, kfb_kv_record_t *rec, char *msg, size_t msg_size) {
    if (it->strict) {
        int r = kfb_kv_batch_next(&it->r, rec);
        if (r < 0)
            snprintf(msg, msg_size, "Found invalid kv record structure: %s",
                     kfb_kv_batch_reader_errstr(&it->r));
        return r;
    }
    if (it->idx >= it->count) return 0;
    size_t left = it->len - it->pos;
    if (left < 4) goto bad;
    int32_t size = (int32_t)kfb_get_le32(it->p + it->pos);
    if (size < 0 || (size_t)size > left - 4) goto bad;
    const uint8_t *r = it->p + it->pos + 4;
    uint32_t klen;
    size_t vn;
    if (kfb_varint32_read(r, (size_t)size, &klen, &vn) != KFB_ERR_OK) goto bad;
    if (klen > (size_t)size - vn) goto bad;
    rec->key = r + vn;
    rec->key_len = klen;
    rec->value_len = (size_t)size - vn - klen;
    rec->value = rec->value_len ? rec->key + klen : NULL;
    rec->offset = it->pos;
    rec->size = 4 + (size_t)size;
    it->pos += 4 + (size_t)size;
    it->idx++;
    return 1;
bad:
    snprintf(msg, msg_size, "Found invalid kv record structure: record %d at byte %zu",
             it->idx, it->pos);
    return -1;
}

/* ---- writer state ---- */

static fts_writer_t *find_writer(fts_bucket_t *b, int64_t id) {
    for (fts_writer_t *w = b->writers; w; w = w->next)
        if (w->writer_id == id) return w;
    return NULL;
}

/* ---- PutKv of one bucket ---- */

static int put_records(kfb_fts_t *s, fts_table_t *t, fts_partition_t *part, fts_bucket_t *b,
                       const uint8_t *recs, size_t len, bool strict, int delete_behavior,
                       int merge_engine, fts_partial_t *pu, int64_t *leo, char *msg,
                       size_t msg_size);

int fts_put_batch(kfb_fts_t *s, fts_table_t *t, fts_partition_t *part, fts_bucket_t *b,
                  const uint8_t *recs, size_t len, bool overwrite, const int32_t *targets,
                  size_t n_targets, int64_t *leo, char *msg, size_t msg_size) {
    bool strict = !s->cfg.lenient;
    /* MergeMode.OVERWRITE uses a DefaultRowMerger with DeleteBehavior.ALLOW
     * (KvTablet.overwriteRowMerger); every other agg_mode is DEFAULT (MergeMode.fromValue). */
    int delete_behavior = overwrite ? FTS_DELETE_ALLOW : t->delete_behavior;
    int merge_engine = overwrite ? FTS_MERGE_NONE : t->merge_engine;
    batch_it_t it;
    batch_hdr_t h;
    int code = bit_init(&it, strict, recs, len, &h, msg, msg_size);
    if (code != KFB_FLUSS_NONE) return code;
    if (h.schema_id < 0 || h.schema_id > t->schema_id) {
        snprintf(msg, msg_size, "Invalid schema id: %d, latest schema id: %d", h.schema_id,
                 t->schema_id);
        return KFB_FLUSS_SCHEMA_NOT_EXIST;
    }
    /* KvTablet.putAsLeader: the target list is checked (and a partial merger
     * chosen) before any record is looked at; fts_partial_new cites the rules. */
    fts_partial_t *pu = NULL;
    code = fts_partial_new(t->schema, targets, n_targets, merge_engine == FTS_MERGE_FIRST_ROW, &pu,
                           msg, msg_size);
    if (code != KFB_FLUSS_NONE) return code;
    code = put_records(s, t, part, b, recs, len, strict, delete_behavior, merge_engine, pu, leo,
                       msg, msg_size);
    fts_partial_free(pu);
    return code;
}

/* The records of a PutKv bucket batch whose header and target list passed. */
static int put_records(kfb_fts_t *s, fts_table_t *t, fts_partition_t *part, fts_bucket_t *b,
                       const uint8_t *recs, size_t len, bool strict, int delete_behavior,
                       int merge_engine, fts_partial_t *pu, int64_t *leo, char *msg,
                       size_t msg_size) {
    batch_it_t it;
    batch_hdr_t h;
    int code = bit_init(&it, strict, recs, len, &h, msg, msg_size);
    if (code != KFB_FLUSS_NONE) return code;

    /* Pass 1: decode and check everything before any state changes. */
    kfb_kv_record_t rec;
    int r;
    int32_t idx = 0;
    while ((r = bit_next(&it, &rec, msg, msg_size)) == 1) {
        if (fts_schema_version_columns(t->schema, h.schema_id) == 0) {
            /* MetadataManager.getSchemaById */
            snprintf(msg, msg_size, "Schema for table %s.%s with schema id %d does not exist.",
                     t->db, t->name, h.schema_id);
            return KFB_FLUSS_SCHEMA_NOT_EXIST;
        }
        if (!rec.value) {
            if (delete_behavior == FTS_DELETE_DISABLE) {
                snprintf(msg, msg_size, "Delete operations are disabled for this table. The "
                         "table.delete.behavior is set to 'disable'.");
                return KFB_FLUSS_DELETION_DISABLED_EXCEPTION;
            }
        } else {
            char why[256];
            int c = fts_schema_check_row(t->schema, h.schema_id, rec.value, rec.value_len, why,
                                         sizeof(why));
            if (c == KFB_FLUSS_NONE && strict && part)
                c = fts_schema_check_partition(t->schema, part->name, why, sizeof(why));
            if (c != KFB_FLUSS_NONE) {
                snprintf(msg, msg_size, "record %d: %s", idx, why);
                return c;
            }
        }
        if (strict) {
            char why[256];
            int bucket = -1;
            int c = fts_schema_key_bucket(t->schema, rec.key, rec.key_len, t->bucket_count,
                                          &bucket, why, sizeof(why));
            if (c != KFB_FLUSS_NONE) {
                snprintf(msg, msg_size, "record %d: %s", idx, why);
                return c;
            }
            if (bucket != b->bucket_id) {
                snprintf(msg, msg_size, "record %d: key hashes to bucket %d but was sent to "
                         "bucket %d", idx, bucket, b->bucket_id);
                return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
            }
        }
        idx++;
    }
    if (r < 0) return KFB_FLUSS_UNKNOWN_SERVER_ERROR;

    /* Writer state: LogTablet.analyzeAndValidateWriterState. */
    fts_writer_t *w = NULL;
    if (h.writer_id != KFB_KV_NO_WRITER_ID) {
        w = find_writer(b, h.writer_id);
        if (w) {
            for (int i = 0; i < w->nbatches; i++) {
                if (w->batches[i].seq == h.seq) {
                    s->stats.duplicates++;
                    *leo = w->batches[i].last_offset + 1;
                    return KFB_FLUSS_NONE;
                }
            }
        }
        int32_t last = w && w->nbatches ? w->batches[w->nbatches - 1].seq : -1;
        bool in_seq = (int64_t)h.seq == (int64_t)last + 1 || (h.seq == 0 && last == INT32_MAX);
        if (!in_seq) {
            snprintf(msg, msg_size,
                     "Out of order batch sequence for writer %lld at offset %lld in table-bucket "
                     "TableBucket{tableId=%lld, bucket=%d} : %d (incoming batch seq.), %d "
                     "(current batch seq.)",
                     (long long)h.writer_id, (long long)b->log_end_offset,
                     (long long)t->table_id, b->bucket_id, h.seq, last);
            return KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION;
        }
        if (!w) {
            w = calloc(1, sizeof(*w));
            if (!w) {
                snprintf(msg, msg_size, "out of memory");
                return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
            }
            w->writer_id = h.writer_id;
            w->next = b->writers;
            b->writers = w;
        }
    }

    /* Pass 2: apply (cannot fail on input any more; re-walk the same bytes).
     * Partial rows are merged into `merged` first: the stored entry is read
     * while the new row is built, and only then replaced. */
    bit_init(&it, strict, recs, len, &h, msg, msg_size);
    int64_t off = b->log_end_offset;
    uint64_t nrec = 0;
    kfb_buf_t merged = {0};
    while (bit_next(&it, &rec, msg, msg_size) == 1) {
        nrec++;
        fts_kv_entry_t *old = fts_kv_get(&b->kv, rec.key, rec.key_len);
        const uint8_t *val = rec.value;
        size_t vlen = rec.value_len;
        int16_t sid = h.schema_id; /* DefaultRowMerger keeps the new value as it came */
        if (!rec.value) {
            if (delete_behavior == FTS_DELETE_IGNORE || !old) continue;
            bool remove = true;
            if (pu && fts_partial_delete(pu, old->val, old->vlen, old->schema_id, &merged,
                                         &remove) != 0)
                goto corrupt;
            if (remove) {
                fts_kv_del(&b->kv, rec.key, rec.key_len);
                off += 1;
                continue;
            }
            /* PartialUpdater.deleteRow kept the row: an update, of the latest schema */
            val = merged.data;
            vlen = merged.len;
            sid = (int16_t)t->schema_id;
        } else if (old && merge_engine == FTS_MERGE_FIRST_ROW) {
            continue;
        } else if (pu) {
            bool keep = false;
            if (fts_partial_update(pu, old ? old->val : NULL, old ? old->vlen : 0,
                                   old ? old->schema_id : 0, rec.value, rec.value_len,
                                   h.schema_id, &merged, &keep) != 0)
                goto corrupt;
            if (!keep) {
                val = merged.data;
                vlen = merged.len;
                sid = (int16_t)t->schema_id;
            } else {
                off += t->changelog_wal ? 1 : 2;
                continue;
            }
        }
        if (fts_kv_put(&b->kv, rec.key, rec.key_len, sid, val, vlen) != KFB_ERR_OK) {
            kfb_buf_free(&merged);
            snprintf(msg, msg_size, "out of memory");
            return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
        off += (old && !t->changelog_wal) ? 2 : 1;
    }
    kfb_buf_free(&merged);
    if (off == b->log_end_offset) off += 1; /* empty changelog batch */
    b->log_end_offset = off;
    if (w) {
        if (w->nbatches == FTS_BATCHES_TO_RETAIN) {
            memmove(&w->batches[0], &w->batches[1],
                    (FTS_BATCHES_TO_RETAIN - 1) * sizeof(w->batches[0]));
            w->nbatches--;
        }
        w->batches[w->nbatches].seq = h.seq;
        w->batches[w->nbatches].last_offset = off - 1;
        w->nbatches++;
    }
    s->stats.batches_applied++;
    s->stats.records_applied += nrec;
    *leo = off;
    return KFB_FLUSS_NONE;
corrupt:
    /* pass 1 decoded every new row and stored rows were checked when written (with
     * the schema id they keep): only out of memory gets here */
    kfb_buf_free(&merged);
    snprintf(msg, msg_size, "test server: cannot merge a partial update into the stored row");
    return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
}

/* ---- dump ---- */

void fts_hex(kfb_buf_t *out, const uint8_t *p, size_t n) {
    static const char hx[] = "0123456789abcdef";
    if (kfb_buf_reserve(out, 2 * n) != KFB_ERR_OK) return;
    for (size_t i = 0; i < n; i++) {
        out->data[out->len++] = (uint8_t)hx[p[i] >> 4];
        out->data[out->len++] = (uint8_t)hx[p[i] & 15];
    }
}

static void appendf(kfb_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void appendf(kfb_buf_t *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0) kfb_buf_append(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static int cmp_entries(const void *a, const void *b) {
    const fts_kv_entry_t *x = *(const fts_kv_entry_t *const *)a;
    const fts_kv_entry_t *y = *(const fts_kv_entry_t *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = n ? memcmp(x->key, y->key, n) : 0;
    if (c) return c;
    return x->klen < y->klen ? -1 : (x->klen > y->klen);
}

typedef struct dump_ent {
    const fts_kv_entry_t *e;
    const char *part; /* partition name, NULL for non-partitioned tables */
} dump_ent_t;

static int cmp_dump(const void *a, const void *b) {
    const dump_ent_t *x = a, *y = b;
    if (x->part && y->part) {
        int c = strcmp(x->part, y->part);
        if (c) return c;
    }
    return cmp_entries(&x->e, &y->e);
}

char *fts_dump_table_locked(kfb_fts_t *s, fts_table_t *t) {
    (void)s;
    size_t nb = fts_table_nbuckets(t), total = 0;
    fts_partition_t *part;
    for (size_t i = 0; i < nb; i++) total += fts_table_bucket_at(t, i, &part)->kv.count;
    dump_ent_t *all = calloc(total ? total : 1, sizeof(*all));
    if (!all) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < nb; i++) {
        fts_kv_map_t *m = &fts_table_bucket_at(t, i, &part)->kv;
        for (size_t j = 0; j < m->nslots; j++)
            for (fts_kv_entry_t *e = m->slots[j]; e; e = e->next)
                all[k++] = (dump_ent_t){e, part ? part->name : NULL};
    }
    qsort(all, total, sizeof(*all), cmp_dump);
    kfb_buf_t b = KFB_BUF_INIT;
    appendf(&b, "{\"database\":");
    kfb_json_append_string(&b, (const uint8_t *)t->db, strlen(t->db));
    appendf(&b, ",\"table\":");
    kfb_json_append_string(&b, (const uint8_t *)t->name, strlen(t->name));
    appendf(&b, ",\"table_id\":%lld,\"schema_id\":%d,\"row_count\":%zu,\"rows\":{",
            (long long)t->table_id, t->schema_id, total);
    for (size_t i = 0; i < total; i++) {
        appendf(&b, "%s\"", i ? "," : "");
        /* partitioned tables: "<partition name>|<key hex>" */
        if (all[i].part) appendf(&b, "%s|", all[i].part);
        fts_hex(&b, all[i].e->key, all[i].e->klen);
        appendf(&b, "\":");
        fts_schema_render_row(t->schema, all[i].e->schema_id, all[i].e->val, all[i].e->vlen, &b);
    }
    appendf(&b, "},\"buckets\":[");
    for (size_t i = 0; i < nb; i++) {
        fts_bucket_t *bk = fts_table_bucket_at(t, i, &part);
        appendf(&b, "%s{", i ? "," : "");
        if (part) appendf(&b, "\"partition\":\"%s\",\"partition_id\":%lld,", part->name,
                          (long long)part->id);
        appendf(&b, "\"bucket\":%d,\"leader\":%d,\"leader_epoch\":%d,\"log_end_offset\":%lld,"
                "\"row_count\":%zu}", bk->bucket_id, bk->leader, bk->leader_epoch,
                (long long)bk->log_end_offset, bk->kv.count);
    }
    appendf(&b, "]}");
    free(all);
    if (kfb_buf_append_byte(&b, 0) != KFB_ERR_OK) {
        kfb_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

char *kfb_fts_dump_table_json(kfb_fts_t *s, const char *database, const char *table) {
    pthread_mutex_lock(&s->mu);
    fts_table_t *t = fts_find_table(s, database, table);
    char *r = t ? fts_dump_table_locked(s, t) : NULL;
    pthread_mutex_unlock(&s->mu);
    return r;
}

int64_t kfb_fts_table_id(kfb_fts_t *s, const char *database, const char *table) {
    pthread_mutex_lock(&s->mu);
    fts_table_t *t = fts_find_table(s, database, table);
    int64_t id = t ? t->table_id : -1;
    pthread_mutex_unlock(&s->mu);
    return id;
}

kfb_err_t kfb_fts_move_leader(kfb_fts_t *s, int64_t table_id, int64_t partition_id, int bucket,
                              int new_leader, char *errstr, size_t errstr_size) {
    kfb_err_t err = KFB_ERR_OK;
    pthread_mutex_lock(&s->mu);
    fts_table_t *t = fts_find_table_id(s, table_id);
    fts_bucket_t *b = t ? fts_table_bucket(t, partition_id, bucket) : NULL;
    if (!b) {
        snprintf(errstr, errstr_size, "no bucket %d (partition %lld) in table id %lld", bucket,
                 (long long)partition_id, (long long)table_id);
        err = KFB_ERR_NOT_FOUND;
    } else if (new_leader < -1 || new_leader >= s->n_tablets) {
        snprintf(errstr, errstr_size, "leader %d is not a tablet server (0..%d, or -1 for none)",
                 new_leader, s->n_tablets - 1);
        err = KFB_ERR_INVALID_ARG;
    } else {
        b->leader = new_leader;
        b->leader_epoch++;
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

/* ---- stats ---- */

void kfb_fts_get_stats(kfb_fts_t *s, kfb_fts_stats_t *out) {
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

uint64_t kfb_fts_rejections(kfb_fts_t *s, int error_code) {
    if (error_code < -1 || error_code >= FTS_MAX_ERRCODE - 1) return 0;
    pthread_mutex_lock(&s->mu);
    uint64_t n = s->rejections_by_code[error_code + 1];
    pthread_mutex_unlock(&s->mu);
    return n;
}

uint8_t *kfb_fts_last_request(kfb_fts_t *s, int api_key, size_t *len) {
    *len = 0;
    if (api_key < 1000 || api_key >= 1000 + FTS_NUM_APIS) return NULL;
    pthread_mutex_lock(&s->mu);
    const kfb_buf_t *lr = &s->last_request[api_key - 1000];
    uint8_t *out = lr->len ? malloc(lr->len) : NULL;
    if (out) {
        memcpy(out, lr->data, lr->len);
        *len = lr->len;
    }
    pthread_mutex_unlock(&s->mu);
    return out;
}

uint64_t kfb_fts_api_calls(kfb_fts_t *s, int api_key) {
    if (api_key < 1000 || api_key >= 1000 + FTS_NUM_APIS) return 0;
    pthread_mutex_lock(&s->mu);
    uint64_t n = s->api_calls[api_key - 1000];
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* A NUL-terminated copy of one of the server's text logs. */
static char *copy_log(kfb_fts_t *s, const kfb_buf_t *log) {
    pthread_mutex_lock(&s->mu);
    char *out = malloc(log->len + 1);
    if (out) {
        if (log->len) memcpy(out, log->data, log->len);
        out[log->len] = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return out;
}

char *kfb_fts_putkv_log(kfb_fts_t *s) { return copy_log(s, &s->putkv_log); }

char *kfb_fts_batch_log(kfb_fts_t *s) { return copy_log(s, &s->batch_log); }

uint8_t *kfb_fts_last_putkv_body(kfb_fts_t *s, size_t *len) {
    pthread_mutex_lock(&s->mu);
    uint8_t *out = s->last_putkv.len ? malloc(s->last_putkv.len) : NULL;
    if (out) memcpy(out, s->last_putkv.data, s->last_putkv.len);
    *len = out ? s->last_putkv.len : 0;
    pthread_mutex_unlock(&s->mu);
    return out;
}

char *kfb_fts_stats_json(kfb_fts_t *s) {
    kfb_buf_t b = KFB_BUF_INIT;
    pthread_mutex_lock(&s->mu);
    const kfb_fts_stats_t *st = &s->stats;
    appendf(&b, "{\"requests\":%llu,\"dropped\":%llu,\"server_failures\":%llu,"
            "\"error_responses\":%llu,\"batches_applied\":%llu,\"records_applied\":%llu,"
            "\"duplicates\":%llu,\"rejections\":%llu,\"connections\":%llu,"
            "\"rejections_by_code\":{",
            (unsigned long long)st->requests, (unsigned long long)st->dropped,
            (unsigned long long)st->server_failures, (unsigned long long)st->error_responses,
            (unsigned long long)st->batches_applied, (unsigned long long)st->records_applied,
            (unsigned long long)st->duplicates, (unsigned long long)st->rejections,
            (unsigned long long)st->connections);
    bool first = true;
    for (int i = 0; i < FTS_MAX_ERRCODE; i++) {
        if (!s->rejections_by_code[i]) continue;
        appendf(&b, "%s\"%d\":%llu", first ? "" : ",", i - 1,
                (unsigned long long)s->rejections_by_code[i]);
        first = false;
    }
    appendf(&b, "},\"api_calls\":{");
    first = true;
    for (int i = 0; i < FTS_NUM_APIS; i++) {
        if (!s->api_calls[i]) continue;
        appendf(&b, "%s\"%s\":%llu", first ? "" : ",", kfb_rpc_api_name(1000 + i),
                (unsigned long long)s->api_calls[i]);
        first = false;
    }
    appendf(&b, "}}");
    pthread_mutex_unlock(&s->mu);
    if (kfb_buf_append_byte(&b, 0) != KFB_ERR_OK) {
        kfb_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}
