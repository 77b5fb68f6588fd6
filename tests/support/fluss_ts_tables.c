/*
 * fluss_ts_tables.c - creating tables in the Fluss test server: descriptor
 * validation and normalisation like the coordinator, and the tables file.
 *
 * CreateTable/add_table, following {server}/coordinator/CoordinatorService.java
 * (createTable, applySystemDefaults) and {server}/utils/TableDescriptorValidation.java:
 *   - the descriptor is parsed with table_desc.h (TableDescriptorJsonSerde rules);
 *     errors -> INVALID_TABLE_EXCEPTION (15)
 *   - bucket_count defaults to 1 (default.bucket.number), bucket_key to the
 *     physical primary key (TableDescriptor.normalizeDistribution)
 *   - PK tables get table.kv.format-version=2 (CURRENT_KV_FORMAT_VERSION) and
 *     table.replication.factor=1 when unset; a merge engine without an explicit
 *     table.delete.behavior gets IGNORE; first_row with ALLOW explicitly set ->
 *     INVALID_CONFIG_EXCEPTION (39) (checkDeleteBehavior)
 *   - the normalised JSON keeps Java's key order: version, schema, comment,
 *     partition_key, bucket_key, bucket_count, properties, custom_properties
 * Partitioned tables get their partitions from the tables file, add_partition
 * or CreatePartition (no auto-partitioning). Not modelled (refused with 15 and a
 * sentence saying so): log tables, INDEXED kv format, lake formats other than
 * lance, the versioned and aggregation merge engines.
 *
 * AlterTable's add_columns (fts_alter_add_columns), following
 * {server}/coordinator/MetadataManager.java alterTableSchema,
 * {server}/coordinator/SchemaUpdate.java addColumn, fluss-common/.../metadata/Schema.java
 * (Builder.column: column id = highest field id + 1, nested ROW fields renumbered
 * after it by types/ReassignFieldId.java) and {server}/utils/TableDescriptorValidation
 * .java validateAlterTableSchema, in that order, all or nothing:
 *   - a name already in the schema (or added earlier in the same request)
 *     -> INVALID_ALTER_TABLE_EXCEPTION (56) "Column NAME already exists."
 *   - a NOT NULL type -> IllegalArgumentException "Column NAME must be nullable.",
 *     which has no Fluss code: UNKNOWN_SERVER_ERROR (-1) whose message is the Java
 *     exception text (Fluss sends the stack trace; we send its first line)
 *   - a reserved system column name (__offset, __timestamp, __bucket, _change_type,
 *     _log_offset, _commit_timestamp) -> INVALID_TABLE_EXCEPTION (15)
 *   - an aggregation function (this server has no aggregation tables)
 *     -> INVALID_CONFIG_EXCEPTION (39)
 *   - a table with table.datalake.enabled=true: the coordinator has no lake catalog
 *     -> INVALID_ALTER_TABLE_EXCEPTION (56)
 *   then the schema is registered under the next schema id; GetTableInfo,
 *   GetMetadata and GetTableSchema answer it from then on, every earlier id stays.
 * Fluss's tablet servers learn the new schema asynchronously (UpdateMetadata); here
 * every server knows it as soon as the request is answered.
 *
 * Tables file (JSON; tests/data/NAME.tables.json):
 *   {"tables": [{"database": "db", "table": "t",
 *                "bucket_count": 3,          optional, else the descriptor's, else 1
 *                "leaders": [0, 1, 0],       optional, else bucket b -> server b % n
 *                "schema_id": 1,             optional latest schema id (default 1);
 *                                            ids 1..schema_id all have the descriptor's
 *                                            columns
 *                "partitions": ["2024$eu"],  optional, partitioned tables only
 *                "descriptor": { TableDescriptor JSON, fluss-protocol.md §5.1 }}]}
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fluss_ts_internal.h"

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *names_array(const kfb_table_desc_t *td, const int *idx, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(td->column_names[idx[i]]));
    return a;
}

/* Normalised descriptor JSON (caller frees) or NULL. */
static char *normalise(json_t *in, const kfb_table_desc_t *td, int bucket_count, char **schema_out) {
    json_t *o = json_object();
    json_t *v;
    json_object_set_new(o, "version", json_integer(1));
    json_object_set(o, "schema", json_object_get(in, "schema"));
    if ((v = json_object_get(in, "comment")) && json_is_string(v)) json_object_set(o, "comment", v);
    json_object_set_new(o, "partition_key", names_array(td, td->partition_keys, td->partition_key_count));
    json_object_set_new(o, "bucket_key", names_array(td, td->bucket_keys, td->bucket_key_count));
    json_object_set_new(o, "bucket_count", json_integer(bucket_count));
    json_t *props = json_object();
    for (size_t i = 0; i < td->property_count; i++)
        json_object_set_new(props, td->properties[i].key, json_string(td->properties[i].value));
    if (!json_object_get(props, "table.kv.format-version"))
        json_object_set_new(props, "table.kv.format-version", json_string("2"));
    if (!json_object_get(props, "table.replication.factor"))
        json_object_set_new(props, "table.replication.factor", json_string("1"));
    if (td->merge_engine != KFB_MERGE_ENGINE_NONE && !td->delete_behavior_explicit)
        json_object_set_new(props, "table.delete.behavior", json_string("IGNORE"));
    json_object_set_new(o, "properties", props);
    json_t *custom = json_object();
    for (size_t i = 0; i < td->custom_property_count; i++)
        json_object_set_new(custom, td->custom_properties[i].key,
                            json_string(td->custom_properties[i].value));
    json_object_set_new(o, "custom_properties", custom);
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    *schema_out = json_dumps(json_object_get(in, "schema"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!*schema_out) {
        free(out);
        return NULL;
    }
    return out;
}

/* Every field id of a type's nested ROW fields, depth first (Schema.collectAllFieldIds);
 * ids[] has room for cap. Returns how many there are (also past cap). */
static size_t nested_field_ids(const kfb_datatype_t *t, int32_t *ids, size_t n, size_t cap) {
    if (!t) return n;
    if (t->root == KFB_TYPE_ROW) {
        for (size_t i = 0; i < t->field_count; i++) {
            if (n < cap) ids[n] = t->fields[i].field_id;
            n = nested_field_ids(t->fields[i].type, ids, n + 1, cap);
        }
    } else if (t->root == KFB_TYPE_ARRAY) {
        n = nested_field_ids(t->element, ids, n, cap);
    } else if (t->root == KFB_TYPE_MAP) {
        n = nested_field_ids(t->key, ids, n, cap);
        n = nested_field_ids(t->value, ids, n, cap);
    }
    return n;
}

/* Schema.checkFieldIds (fluss-common/.../metadata/Schema.java, 0.9.1): column ids and
 * nested ROW field ids must all differ. A descriptor without ids gets column ids by
 * position while nested fields keep field_id -1 (Schema.Builder.fromColumns), so a ROW
 * of two fields without ids is refused; real Fluss 0.9.1 answers CreateTable with
 * INVALID_TABLE_EXCEPTION and this sentence (tests/real/test_real_fluss.c). */
static int check_field_ids(const kfb_table_desc_t *td, char *msg, size_t msg_size) {
    size_t n = 0;
    for (size_t i = 0; i < td->column_count; i++) /* count first */
        n = nested_field_ids(&td->column_types[i], NULL, n + 1, 0);
    int32_t *ids = malloc((n ? n : 1) * sizeof(*ids));
    if (!ids) return 0; /* out of memory: not checked */
    size_t m = 0;
    for (size_t i = 0; i < td->column_count; i++) {
        ids[m] = td->columns[i].id;
        m = nested_field_ids(&td->column_types[i], ids, m + 1, n);
    }
    size_t unique = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && ids[j] != ids[i]) j++;
        if (j == i) unique++;
    }
    free(ids);
    if (unique == n) return 0;
    snprintf(msg, msg_size, "All field IDs (including nested fields) must be unique. Found %zu "
             "unique IDs but expected %zu.", unique, n);
    return -1;
}

static int create_table(kfb_fts_t *s, const char *db, const char *name, const char *json,
                        size_t json_len, int bucket_count, const int *leaders, int32_t schema_id,
                        int check_ids, int64_t *id_out, char *msg, size_t msg_size) {
    char err[256];
    kfb_table_desc_t *td = kfb_table_desc_parse(json, json_len, err, sizeof(err));
    if (!td) {
        snprintf(msg, msg_size, "invalid table descriptor for %s.%s: %s", db, name, err);
        return KFB_FLUSS_INVALID_TABLE_EXCEPTION;
    }
    if (check_ids && check_field_ids(td, msg, msg_size) != 0) {
        kfb_table_desc_destroy(td);
        return KFB_FLUSS_INVALID_TABLE_EXCEPTION;
    }
    const char *unsupported = NULL;
    if (td->primary_key_count == 0) unsupported = "log tables (no primary_key)";
    else if (td->kv_format != KFB_KV_FORMAT_COMPACTED) unsupported = "table.kv.format=INDEXED";
    else if (td->datalake_format != KFB_DATALAKE_NONE && td->datalake_format != KFB_DATALAKE_LANCE)
        unsupported = "lake formats other than lance (their key and bucket encodings)";
    else if (td->merge_engine == KFB_MERGE_ENGINE_VERSIONED ||
             td->merge_engine == KFB_MERGE_ENGINE_AGGREGATION)
        unsupported = "the versioned and aggregation merge engines";
    if (unsupported) {
        snprintf(msg, msg_size, "table %s.%s: the Fluss test server does not model %s", db, name,
                 unsupported);
        kfb_table_desc_destroy(td);
        return KFB_FLUSS_INVALID_TABLE_EXCEPTION;
    }
    if (td->merge_engine == KFB_MERGE_ENGINE_FIRST_ROW && td->delete_behavior_explicit &&
        td->delete_behavior == KFB_DELETE_ALLOW) {
        snprintf(msg, msg_size, "Table with 'FIRST_ROW' merge engine does not support delete "
                 "operations. The 'table.delete.behavior' config must be set to 'ignore' or "
                 "'disable', but got 'allow'.");
        kfb_table_desc_destroy(td);
        return KFB_FLUSS_INVALID_CONFIG_EXCEPTION;
    }
    int nb = bucket_count > 0 ? bucket_count : (td->bucket_count > 0 ? td->bucket_count : 1);
    if (nb > 4096) {
        snprintf(msg, msg_size, "table %s.%s: bucket count %d exceeds max.bucket.num 4096", db,
                 name, nb);
        kfb_table_desc_destroy(td);
        return KFB_FLUSS_INVALID_TABLE_EXCEPTION;
    }
    if (schema_id < 1 || schema_id > 32767) {
        snprintf(msg, msg_size, "table %s.%s: schema id %d out of range 1..32767", db, name,
                 schema_id);
        kfb_table_desc_destroy(td);
        return KFB_FLUSS_INVALID_TABLE_EXCEPTION;
    }
    for (int b = 0; leaders && b < nb; b++) {
        if (leaders[b] < -1 || leaders[b] >= s->n_tablets) {
            snprintf(msg, msg_size, "table %s.%s: leader %d of bucket %d is not a tablet server "
                     "(0..%d, or -1 for none)", db, name, leaders[b], b, s->n_tablets - 1);
            kfb_table_desc_destroy(td);
            return KFB_FLUSS_INVALID_TABLE_EXCEPTION;
        }
    }
    json_error_t jerr;
    json_t *root = json_loadb(json, json_len, 0, &jerr);
    fts_table_t *t = calloc(1, sizeof(*t));
    int delete_behavior = td->delete_behavior == KFB_DELETE_DISABLE ? FTS_DELETE_DISABLE
                          : td->delete_behavior == KFB_DELETE_IGNORE ? FTS_DELETE_IGNORE
                                                                     : FTS_DELETE_ALLOW;
    int merge = td->merge_engine == KFB_MERGE_ENGINE_FIRST_ROW ? FTS_MERGE_FIRST_ROW : FTS_MERGE_NONE;
    const char *image = kfb_table_desc_property(td, "table.changelog.image");
    bool partitioned = td->partition_key_count > 0;
    char *tjson = NULL, *sjson = NULL;
    if (root && t) tjson = normalise(root, td, nb, &sjson);
    json_decref(root);
    struct fts_schema *sc = fts_schema_new_desc(td, schema_id); /* owns td now */
    if (!t || !tjson || !sc ||
        (!partitioned && !(t->buckets = calloc((size_t)nb, sizeof(*t->buckets)))) ||
        !(t->db = strdup(db)) || !(t->name = strdup(name))) {
        snprintf(msg, msg_size, "out of memory creating %s.%s", db, name);
        free(tjson);
        free(sjson);
        fts_schema_free(sc);
        if (t) {
            free(t->buckets);
            free(t->db);
            free(t->name);
        }
        free(t);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    t->table_json = tjson;
    t->schema_jsons = calloc((size_t)schema_id + 1, sizeof(*t->schema_jsons));
    for (int32_t k = 1; t->schema_jsons && k <= schema_id; k++) {
        if (!(t->schema_jsons[k] = strdup(sjson))) {
            for (int32_t j = 1; j < k; j++) free(t->schema_jsons[j]);
            free(t->schema_jsons);
            t->schema_jsons = NULL;
        }
    }
    free(sjson);
    t->schema = sc;
    t->schema_id = schema_id;
    if (!t->schema_jsons) {
        fts_table_free(t);
        snprintf(msg, msg_size, "out of memory creating %s.%s", db, name);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    t->bucket_count = nb;
    t->delete_behavior = delete_behavior;
    t->merge_engine = merge;
    t->changelog_wal = image && strcasecmp(image, "WAL") == 0;
    t->partitioned = partitioned;
    t->created_ms = t->modified_ms = wall_ms();
    for (int b = 0; !partitioned && b < nb; b++) {
        t->buckets[b].bucket_id = b;
        t->buckets[b].leader = leaders ? leaders[b] : b % s->n_tablets;
    }
    if (s->ntables == s->cap_tables) {
        size_t nc = s->cap_tables ? s->cap_tables * 2 : 8;
        fts_table_t **nt = realloc(s->tables, nc * sizeof(*nt));
        if (!nt) {
            fts_table_free(t);
            snprintf(msg, msg_size, "out of memory");
            return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
        s->tables = nt;
        s->cap_tables = nc;
    }
    t->table_id = s->next_table_id++;
    s->tables[s->ntables++] = t;
    if (id_out) *id_out = t->table_id;
    return KFB_FLUSS_NONE;
}

int fts_create_table(kfb_fts_t *s, const char *db, const char *name, const char *json,
                     size_t json_len, int bucket_count, const int *leaders, int64_t *id_out,
                     char *msg, size_t msg_size) {
    /* CreateTable checks field ids as the coordinator does; tables added by the test
     * harness (tables files, add_table) stand for tables that already exist and are not
     * checked again (golden descriptors such as table_nested.json carry no ids). */
    return create_table(s, db, name, json, json_len, bucket_count, leaders, 1, 1, id_out, msg,
                        msg_size);
}

static kfb_err_t add_table_locked(kfb_fts_t *s, const char *database, const char *table,
                                  const char *json, int bucket_count, const int *leaders,
                                  int32_t schema_id, int64_t *id_out, char *errstr,
                                  size_t errstr_size) {
    if (!database || !table || !json) {
        snprintf(errstr, errstr_size, "database, table and descriptor JSON are required");
        return KFB_ERR_INVALID_ARG;
    }
    if (fts_find_table(s, database, table)) {
        snprintf(errstr, errstr_size, "table %s.%s already exists", database, table);
        return KFB_ERR_INVALID_ARG;
    }
    if (fts_add_database(s, database) != KFB_ERR_OK) return KFB_ERR_NOMEM;
    int code = create_table(s, database, table, json, strlen(json), bucket_count, leaders,
                            schema_id, 0, id_out, errstr, errstr_size);
    return code == KFB_FLUSS_NONE ? KFB_ERR_OK : KFB_ERR_CONFIG;
}

kfb_err_t kfb_fts_add_table(kfb_fts_t *s, const char *database, const char *table,
                            const char *descriptor_json, int bucket_count, const int *leaders,
                            int64_t *table_id_out, char *errstr, size_t errstr_size) {
    pthread_mutex_lock(&s->mu);
    kfb_err_t e = add_table_locked(s, database, table, descriptor_json, bucket_count, leaders, 1,
                                   table_id_out, errstr, errstr_size);
    pthread_mutex_unlock(&s->mu);
    return e;
}

static kfb_err_t load_root(kfb_fts_t *s, json_t *root, const char *where, char *errstr,
                           size_t errstr_size) {
    json_t *tables = json_object_get(root, "tables");
    if (!json_is_array(tables)) {
        snprintf(errstr, errstr_size, "%s: expected an object with a \"tables\" array", where);
        return KFB_ERR_CONFIG;
    }
    size_t i;
    json_t *e;
    json_array_foreach(tables, i, e) {
        const char *db = json_string_value(json_object_get(e, "database"));
        const char *name = json_string_value(json_object_get(e, "table"));
        json_t *desc = json_object_get(e, "descriptor");
        json_t *jb = json_object_get(e, "bucket_count");
        json_t *jl = json_object_get(e, "leaders");
        json_t *js = json_object_get(e, "schema_id");
        json_t *jp = json_object_get(e, "partitions");
        if (!db || !name || !json_is_object(desc) || (jb && !json_is_integer(jb)) ||
            (jl && !json_is_array(jl)) || (js && !json_is_integer(js)) ||
            (jp && !json_is_array(jp))) {
            snprintf(errstr, errstr_size,
                     "%s: tables[%zu] needs string \"database\" and \"table\", an object "
                     "\"descriptor\", and optionally integer \"bucket_count\"/\"schema_id\" and "
                     "arrays \"leaders\", \"partitions\"", where, i);
            return KFB_ERR_CONFIG;
        }
        int nb = jb ? (int)json_integer_value(jb) : 0;
        int *leaders = NULL;
        if (jl) {
            size_t n = json_array_size(jl);
            leaders = calloc(n ? n : 1, sizeof(int));
            if (!leaders) return KFB_ERR_NOMEM;
            for (size_t k = 0; k < n; k++) leaders[k] = (int)json_integer_value(json_array_get(jl, k));
            if (nb == 0) nb = (int)n;
            if ((int)n != nb) {
                snprintf(errstr, errstr_size, "%s: tables[%zu] (%s.%s) lists %zu leaders for %d "
                         "buckets", where, i, db, name, n, nb);
                free(leaders);
                return KFB_ERR_CONFIG;
            }
        }
        char *dj = json_dumps(desc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        char err[400];
        kfb_err_t r = dj ? add_table_locked(s, db, name, dj, nb, leaders,
                                            js ? (int32_t)json_integer_value(js) : 1, NULL, err,
                                            sizeof(err))
                         : KFB_ERR_NOMEM;
        free(dj);
        free(leaders);
        if (r != KFB_ERR_OK) {
            snprintf(errstr, errstr_size, "%s: tables[%zu]: %s", where, i,
                     r == KFB_ERR_NOMEM ? "out of memory" : err);
            return r;
        }
        size_t k;
        json_t *pn;
        json_array_foreach(jp, k, pn) {
            fts_table_t *t = fts_find_table(s, db, name);
            const char *pname = json_string_value(pn);
            if (!pname) {
                snprintf(errstr, errstr_size, "%s: tables[%zu].partitions[%zu] is not a string",
                         where, i, k);
                return KFB_ERR_CONFIG;
            }
            if (fts_add_partition(s, t, pname, NULL, err, sizeof(err)) != KFB_FLUSS_NONE) {
                snprintf(errstr, errstr_size, "%s: tables[%zu].partitions[%zu]: %s", where, i, k,
                         err);
                return KFB_ERR_CONFIG;
            }
        }
    }
    return KFB_ERR_OK;
}

kfb_err_t kfb_fts_load_tables_json(kfb_fts_t *s, const char *json, char *errstr,
                                   size_t errstr_size) {
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    if (!root) {
        snprintf(errstr, errstr_size, "tables JSON line %d column %d: %s", jerr.line, jerr.column,
                 jerr.text);
        return KFB_ERR_CONFIG;
    }
    pthread_mutex_lock(&s->mu);
    kfb_err_t e = load_root(s, root, "tables JSON", errstr, errstr_size);
    pthread_mutex_unlock(&s->mu);
    json_decref(root);
    return e;
}

kfb_err_t kfb_fts_load_tables_file(kfb_fts_t *s, const char *path, char *errstr,
                                   size_t errstr_size) {
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        snprintf(errstr, errstr_size, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        return KFB_ERR_CONFIG;
    }
    pthread_mutex_lock(&s->mu);
    kfb_err_t e = load_root(s, root, path, errstr, errstr_size);
    pthread_mutex_unlock(&s->mu);
    json_decref(root);
    return e;
}

/* ---- AlterTable: add columns ---- */

/* TableDescriptorValidation.SYSTEM_COLUMNS, TableDescriptor.java. */
static const char *const system_columns[] = {"__offset",     "__timestamp", "__bucket",
                                             "_change_type", "_log_offset", "_commit_timestamp"};
#define N_SYSTEM_COLUMNS (sizeof(system_columns) / sizeof(system_columns[0]))

/* A one-column descriptor around a data type, so that table_desc.h checks the type
 * exactly as it checks a CreateTable's. */
static kfb_table_desc_t *parse_type_alone(json_t *type, char *err, size_t err_size) {
    json_t *col = json_pack("{s:s, s:O}", "name", "c", "data_type", type);
    json_t *root = json_pack("{s:i, s:{s:i, s:[o]}, s:[], s:{}, s:{}}", "version", 1, "schema",
                             "version", 1, "columns", col, "partition_key", "properties",
                             "custom_properties");
    char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (!text) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    kfb_table_desc_t *td = kfb_table_desc_parse(text, strlen(text), err, err_size);
    free(text);
    return td;
}

int fts_parse_column_type(const uint8_t *json, size_t len, bool *nullable, char *msg,
                          size_t msg_size) {
    json_error_t jerr;
    json_t *type = json_loadb((const char *)json, len, 0, &jerr);
    if (!type) {
        snprintf(msg, msg_size, "java.io.UncheckedIOException: data_type_json is not JSON: %s "
                 "(line %d column %d)", jerr.text, jerr.line, jerr.column);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    char err[400];
    kfb_table_desc_t *td = parse_type_alone(type, err, sizeof(err));
    json_decref(type);
    if (!td) {
        /* table_desc.h names "$.schema.columns[0].data_type...": the type itself here */
        const char *p = strstr(err, ".data_type");
        snprintf(msg, msg_size, "java.lang.IllegalArgumentException: invalid data_type_json: %s%s",
                 p ? "$" : "", p ? p + strlen(".data_type") : err);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    *nullable = td->column_types[0].nullable;
    kfb_table_desc_destroy(td);
    return KFB_FLUSS_NONE;
}

/* The largest field id in a data type JSON (ROW field_id), or `max` when larger. */
static int64_t max_field_id(const json_t *type, int64_t max, int depth) {
    if (!json_is_object(type) || depth > 64) return max;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(type, "fields"), i, f) {
        json_t *id = json_object_get(f, "field_id");
        if (json_is_integer(id) && json_integer_value(id) > max) max = json_integer_value(id);
        max = max_field_id(json_object_get(f, "field_type"), max, depth + 1);
    }
    max = max_field_id(json_object_get(type, "element_type"), max, depth + 1);
    max = max_field_id(json_object_get(type, "key_type"), max, depth + 1);
    return max_field_id(json_object_get(type, "value_type"), max, depth + 1);
}

/* ReassignFieldId.visit: each ROW field takes the next id, then its type is visited. */
static void reassign_field_ids(json_t *type, int64_t *highest, int depth) {
    if (!json_is_object(type) || depth > 64) return;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(type, "fields"), i, f) {
        json_object_set_new(f, "field_id", json_integer(++*highest));
        reassign_field_ids(json_object_get(f, "field_type"), highest, depth + 1);
    }
    reassign_field_ids(json_object_get(type, "element_type"), highest, depth + 1);
    reassign_field_ids(json_object_get(type, "key_type"), highest, depth + 1);
    reassign_field_ids(json_object_get(type, "value_type"), highest, depth + 1);
}

/* The new "schema" object (caller frees with json_decref), or NULL with a Fluss code
 * in *code and msg filled. */
static json_t *schema_with_columns(fts_table_t *t, const fts_add_column_t *cols, size_t n,
                                   int *code, char *msg, size_t msg_size) {
    json_error_t jerr;
    json_t *schema = json_loads(t->schema_jsons[t->schema_id], 0, &jerr);
    json_t *columns = schema ? json_object_get(schema, "columns") : NULL;
    *code = KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    if (!json_is_array(columns)) {
        snprintf(msg, msg_size, "test server: the stored schema of %s.%s does not parse", t->db,
                 t->name);
        json_decref(schema);
        return NULL;
    }
    /* Schema.Builder.fromColumns: a schema written without ids gets them by position
     * (and that is how Fluss stores it); the highest id counts nested ROW fields */
    int64_t highest = -1;
    size_t i;
    json_t *c;
    json_array_foreach(columns, i, c) {
        json_t *id = json_object_get(c, "id");
        if (!json_is_integer(id)) json_object_set_new(c, "id", json_integer((json_int_t)i));
        if (json_integer_value(json_object_get(c, "id")) > highest)
            highest = json_integer_value(json_object_get(c, "id"));
        highest = max_field_id(json_object_get(c, "data_type"), highest, 0);
    }
    json_t *hid = json_object_get(schema, "highest_field_id");
    if (json_is_integer(hid) && json_integer_value(hid) > highest) highest = json_integer_value(hid);
    for (size_t k = 0; k < n; k++) {
        json_t *type = json_loadb((const char *)cols[k].type_json, cols[k].type_json_len, 0, &jerr);
        json_t *col = type ? json_object() : NULL;
        if (!col) {
            json_decref(type);
            json_decref(schema);
            snprintf(msg, msg_size, "out of memory");
            return NULL;
        }
        int64_t id = ++highest;
        reassign_field_ids(type, &highest, 0);
        /* ColumnJsonSerde's key order: name, data_type, comment, agg_function, id */
        json_object_set_new(col, "name", json_string(cols[k].name));
        json_object_set_new(col, "data_type", type);
        if (cols[k].comment) json_object_set_new(col, "comment", json_string(cols[k].comment));
        json_object_set_new(col, "id", json_integer(id));
        json_array_append_new(columns, col);
    }
    json_object_set_new(schema, "highest_field_id", json_integer(highest));
    *code = KFB_FLUSS_NONE;
    return schema;
}

int fts_alter_check_add_columns(fts_table_t *t, const fts_add_column_t *cols, size_t n, char *msg,
                                size_t msg_size) {
    const kfb_table_desc_t *td = fts_schema_desc(t->schema);
    for (size_t k = 0; k < n; k++) {
        bool exists = kfb_table_desc_column_index(td, cols[k].name) >= 0;
        for (size_t j = 0; j < k && !exists; j++) exists = strcmp(cols[j].name, cols[k].name) == 0;
        if (exists) {
            snprintf(msg, msg_size, "Column %s already exists.", cols[k].name);
            return KFB_FLUSS_INVALID_ALTER_TABLE_EXCEPTION;
        }
        bool nullable = true;
        int code = fts_parse_column_type(cols[k].type_json, cols[k].type_json_len, &nullable, msg,
                                         msg_size);
        if (code != KFB_FLUSS_NONE) return code;
        if (!nullable) {
            snprintf(msg, msg_size, "java.lang.IllegalArgumentException: Column %s must be "
                     "nullable.", cols[k].name);
            return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
    }
    return KFB_FLUSS_NONE;
}

int fts_alter_add_columns(kfb_fts_t *s, fts_table_t *t, const fts_add_column_t *cols, size_t n,
                          char *msg, size_t msg_size) {
    (void)s;
    const kfb_table_desc_t *td = fts_schema_desc(t->schema);
    int code = fts_alter_check_add_columns(t, cols, n, msg, msg_size);
    if (code != KFB_FLUSS_NONE) return code;
    /* TableDescriptorValidation.validateAlterTableSchema: checkSystemColumns over the
     * whole new schema, then validateNoAggregationFunctions */
    char bad[256] = "";
    size_t nb = 0;
    for (size_t i = 0; i < td->column_count + n; i++) {
        const char *name = i < td->column_count ? td->column_names[i] : cols[i - td->column_count].name;
        for (size_t j = 0; j < N_SYSTEM_COLUMNS; j++) {
            if (strcmp(name, system_columns[j]) != 0) continue;
            nb += (size_t)snprintf(bad + nb, nb < sizeof(bad) ? sizeof(bad) - nb : 0, "%s%s",
                                   nb ? ", " : "", name);
            if (nb >= sizeof(bad)) nb = sizeof(bad) - 1;
        }
    }
    if (bad[0]) {
        snprintf(msg, msg_size, "%s cannot be used as column names, because they are reserved "
                 "system columns in Fluss. Please use other names for these columns. The "
                 "reserved system columns are: __offset, __timestamp, __bucket, _change_type, "
                 "_log_offset, _commit_timestamp", bad);
        return KFB_FLUSS_INVALID_TABLE_EXCEPTION;
    }
    for (size_t k = 0; k < n; k++) {
        if (!cols[k].agg_function) continue;
        snprintf(msg, msg_size, "Aggregation function is only supported for aggregation merge "
                 "engine table, but column '%s' has aggregation function '%s'.", cols[k].name,
                 cols[k].agg_function);
        return KFB_FLUSS_INVALID_CONFIG_EXCEPTION;
    }
    /* MetadataManager.syncSchemaChangesToLake: no lake catalog in this cluster */
    if (td->datalake_enabled) {
        snprintf(msg, msg_size, "Cannot alter schema for datalake enabled table %s.%s, because "
                 "the Fluss cluster doesn't enable datalake tables.", t->db, t->name);
        return KFB_FLUSS_INVALID_ALTER_TABLE_EXCEPTION;
    }
    if (n == 0) return KFB_FLUSS_NONE; /* the schema is unchanged: no new id */

    json_t *schema = schema_with_columns(t, cols, n, &code, msg, msg_size);
    if (!schema) return code;
    json_error_t jerr;
    json_t *table = json_loads(t->table_json, 0, &jerr);
    char *sjson = json_dumps(schema, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (table) json_object_set(table, "schema", schema);
    char *tjson = table ? json_dumps(table, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(schema);
    json_decref(table);
    char **sj = sjson && tjson ? realloc(t->schema_jsons, ((size_t)t->schema_id + 2) *
                                                              sizeof(*sj))
                               : NULL;
    if (!sj) {
        free(sjson);
        free(tjson);
        snprintf(msg, msg_size, "out of memory");
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    t->schema_jsons = sj;
    char err[400];
    kfb_table_desc_t *ntd = kfb_table_desc_parse(tjson, strlen(tjson), err, sizeof(err));
    struct fts_schema *nsc = ntd ? fts_schema_add_version(t->schema, ntd) : NULL;
    if (!nsc) {
        snprintf(msg, msg_size, "test server: the new schema of %s.%s is not valid: %s", t->db,
                 t->name, ntd ? "out of memory or schema id 32767 reached" : err);
        free(sjson);
        free(tjson);
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    t->schema = nsc;
    t->schema_id++;
    t->schema_jsons[t->schema_id] = sjson;
    free(t->table_json);
    t->table_json = tjson;
    t->modified_ms = wall_ms();
    return KFB_FLUSS_NONE;
}

int kfb_fts_alter_add_columns(kfb_fts_t *s, const char *database, const char *table,
                              const char *const *names, const char *const *type_jsons, size_t n,
                              int32_t *schema_id_out, char *msg, size_t msg_size) {
    fts_add_column_t *cols = calloc(n ? n : 1, sizeof(*cols));
    if (!cols) {
        snprintf(msg, msg_size, "out of memory");
        return KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    }
    int code = KFB_FLUSS_NONE;
    bool nullable;
    for (size_t i = 0; i < n && code == KFB_FLUSS_NONE; i++) {
        cols[i] = (fts_add_column_t){names[i], (const uint8_t *)type_jsons[i], strlen(type_jsons[i]),
                                     NULL, NULL};
        /* ServerRpcMessageUtils.toAddColumns reads every type before the table */
        code = fts_parse_column_type(cols[i].type_json, cols[i].type_json_len, &nullable, msg,
                                     msg_size);
    }
    pthread_mutex_lock(&s->mu);
    fts_table_t *t = code == KFB_FLUSS_NONE ? fts_find_table(s, database, table) : NULL;
    if (code == KFB_FLUSS_NONE && !t) {
        snprintf(msg, msg_size, "Table '%s.%s' does not exist.", database, table);
        code = KFB_FLUSS_TABLE_NOT_EXIST;
    }
    if (t && n) code = fts_alter_add_columns(s, t, cols, n, msg, msg_size);
    if (t && schema_id_out) *schema_id_out = t->schema_id;
    pthread_mutex_unlock(&s->mu);
    free(cols);
    return code;
}

char *kfb_fts_schema_json(kfb_fts_t *s, const char *database, const char *table,
                          int32_t schema_id) {
    pthread_mutex_lock(&s->mu);
    fts_table_t *t = fts_find_table(s, database, table);
    int32_t id = t && schema_id == 0 ? t->schema_id : schema_id;
    char *out = t && id >= 1 && id <= t->schema_id ? strdup(t->schema_jsons[id]) : NULL;
    pthread_mutex_unlock(&s->mu);
    return out;
}
