/* fuzz_mapper.c - arbitrary bytes through compiled mapping plans.
 *
 * Every message also goes through kfb_mapper_map_batch on a twin mapper (same config, same
 * message sequence, so the same state), with a sink of per-bucket batches: it must agree
 * with the per-message API (records appended = upserts and deletes written, per-record
 * errors through on_error, other errors returned) and its batches must read back.
 * With bit 7 of byte 0 set, the rest is several messages for one map_batch call compared
 * with the per-message API (see multi()).
 * Input: byte 0 picks the table/schema/format (all scalar types, Debezium, two writer
 * schemas, key from an Avro message key, records into ROW, arrays/maps into ARRAY/MAP) and whether the
 * Confluent header is supplied or fuzzed; byte 1 is the Kafka key length; then the key,
 * then the value body. Oracles: no crash or leak (sanitizers), every error has a message,
 * and every value row the mapper writes decodes again with the row reader
 * (compacted_row.h) under the table's column types.
 * Tables and schemas are the golden ones of tests/golden/mapper/ (embedded).
 * Machine code for fused ops (mapper_jit.c): every message mapped message by message also
 * goes through a third mapper with the JIT off (t->nojit: the threaded interpreter, which
 * declines odd messages to the general path); errors and their text, every output record
 * and every value row must be the same. None of the golden plans above is eligible for the
 * fused path (columns out of field order, Debezium, key from the Kafka key, ROW/ARRAY/MAP
 * columns), so the inputs of the plain Avro targets also run on a shadow target whose table
 * takes the same writer schemas with the columns in field order (TABLE_ALL_JIT,
 * TABLE_ITEMS_JIT): there the fused ops and their machine code map the messages.
 * KFB_FUZZ_STATS=1 prints per target the messages each mapper's machine code mapped.
 * Target sets: the TABLE_ITEMS targets (2, 3) and TABLE_ITEMS_JIT (7) map with
 * partial_update, so writer schema 3 ({id, name}: qty not written) and 4 (every column)
 * give records of two target-column sets; multi-message inputs mix them (flag bit 5). A
 * batch holds one target set: both the reference and the twin seal (log) a bucket's batch
 * and tag it anew when a record of another set comes, and the logs must agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compacted_row.h"
#include "logging.h"
#include "mapper.h"

static const char *TABLE_ALL = "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},{\"name\":\"missing\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"ns2\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"ns\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"i8\",\"data_type\":{\"type\":\"TINYINT\"}},{\"name\":\"i16\",\"data_type\":{\"type\":\"SMALLINT\"}},{\"name\":\"i32\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"i64\",\"data_type\":{\"type\":\"BIGINT\"}},{\"name\":\"l32\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"f\",\"data_type\":{\"type\":\"FLOAT\"}},{\"name\":\"fd\",\"data_type\":{\"type\":\"DOUBLE\"}},{\"name\":\"d\",\"data_type\":{\"type\":\"DOUBLE\"}},{\"name\":\"b\",\"data_type\":{\"type\":\"BOOLEAN\"}},{\"name\":\"s\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"c\",\"data_type\":{\"type\":\"CHAR\",\"length\":3}},{\"name\":\"e\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"by\",\"data_type\":{\"type\":\"BYTES\"}},{\"name\":\"fx\",\"data_type\":{\"type\":\"BINARY\",\"length\":2}},{\"name\":\"dec\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":5,\"scale\":2}},{\"name\":\"decf\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":20,\"scale\":1}},{\"name\":\"dt\",\"data_type\":{\"type\":\"DATE\"}},{\"name\":\"tm\",\"data_type\":{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":3}},{\"name\":\"tmu\",\"data_type\":{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":6}},{\"name\":\"tsl\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3}},{\"name\":\"tsu\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":6}},{\"name\":\"tsn\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":9}},{\"name\":\"lts\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":3}},{\"name\":\"ltu\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":6}},{\"name\":\"u\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_key\":[],\"bucket_count\":16,\"properties\":{},\"custom_properties\":{}}";
static const char *TABLE_DBZ = "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},{\"name\":\"qty\",\"data_type\":{\"type\":\"BIGINT\"}}],\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_key\":[],\"bucket_count\":4,\"properties\":{\"table.kv.format-version\":\"2\"},\"custom_properties\":{}}";
static const char *TABLE_ITEMS = "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},{\"name\":\"qty\",\"data_type\":{\"type\":\"BIGINT\"}}],\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_key\":[],\"bucket_count\":4,\"properties\":{},\"custom_properties\":{}}";
static const char *SCHEMA_1 = "{\"type\":\"record\",\"name\":\"AllTypes\",\"namespace\":\"golden\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"i8\",\"type\":\"int\"},{\"name\":\"i16\",\"type\":\"int\"},{\"name\":\"i32\",\"type\":\"int\"},{\"name\":\"i64\",\"type\":\"int\"},{\"name\":\"l32\",\"type\":\"long\"},{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"fd\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"string\"},{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"GREEN\"]}},{\"name\":\"by\",\"type\":\"bytes\"},{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"Two\",\"size\":2}},{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4,\"scale\":2}},{\"name\":\"decf\",\"type\":{\"type\":\"fixed\",\"name\":\"Eight\",\"size\":8,\"logicalType\":\"decimal\",\"precision\":10,\"scale\":3}},{\"name\":\"dt\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},{\"name\":\"tmu\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}},{\"name\":\"tsl\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"tsu\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},{\"name\":\"tsn\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-nanos\"}},{\"name\":\"lts\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}},{\"name\":\"ltu\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},{\"name\":\"u\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},{\"name\":\"ns\",\"type\":[\"null\",\"string\"]},{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},{\"name\":\"ns2\",\"type\":[\"string\",\"null\"]}]}";
static const char *SCHEMA_2 = "{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":\"shop.t\",\"fields\":[{\"name\":\"before\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Value\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"qty\",\"type\":[\"null\",\"long\"],\"default\":null}]}],\"default\":null},{\"name\":\"after\",\"type\":[\"null\",\"Value\"],\"default\":null},{\"name\":\"source\",\"type\":{\"type\":\"record\",\"name\":\"Source\",\"fields\":[{\"name\":\"db\",\"type\":\"string\"},{\"name\":\"table\",\"type\":[\"null\",\"string\"]}]}},{\"name\":\"op\",\"type\":\"string\"},{\"name\":\"ts_ms\",\"type\":[\"null\",\"long\"],\"default\":null}]}";
static const char *SCHEMA_3 = "{\"type\":\"record\",\"name\":\"Item\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"name\",\"type\":\"string\"}]}";
static const char *SCHEMA_4 = "{\"type\":\"record\",\"name\":\"Item\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"qty\",\"type\":[\"null\",\"long\"],\"default\":null},{\"name\":\"name\",\"type\":\"string\"}]}";
static const char *SCHEMA_5 = "{\"type\":\"record\",\"name\":\"ItemKey\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}";
static const char *TABLE_NESTED = "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"customer\",\"data_type\":{\"type\":\"ROW\",\"fields\":[{\"name\":\"vip\",\"field_type\":{\"type\":\"BOOLEAN\"}},{\"name\":\"name\",\"field_type\":{\"type\":\"STRING\",\"nullable\":false}},{\"name\":\"addr\",\"field_type\":{\"type\":\"ROW\",\"fields\":[{\"name\":\"zip\",\"field_type\":{\"type\":\"INTEGER\"}},{\"name\":\"city\",\"field_type\":{\"type\":\"STRING\"}}]}},{\"name\":\"extra\",\"field_type\":{\"type\":\"INTEGER\"}}]}},{\"name\":\"note\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_key\":[],\"bucket_count\":4,\"properties\":{},\"custom_properties\":{}}";
static const char *SCHEMA_7 = "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"customer\",\"type\":{\"type\":\"record\",\"name\":\"Customer\",\"fields\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"vip\",\"type\":\"boolean\"},{\"name\":\"addr\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Addr\",\"fields\":[{\"name\":\"city\",\"type\":\"string\"},{\"name\":\"zip\",\"type\":\"int\"}]}]}]}},{\"name\":\"note\",\"type\":[\"null\",\"string\"]}]}";
static const char *TABLE_COLL = "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"ai\",\"data_type\":{\"type\":\"ARRAY\",\"element_type\":{\"type\":\"INTEGER\"}}},{\"name\":\"af\",\"data_type\":{\"type\":\"ARRAY\",\"element_type\":{\"type\":\"FLOAT\",\"nullable\":false}}},{\"name\":\"am\",\"data_type\":{\"type\":\"MAP\",\"key_type\":{\"type\":\"STRING\",\"nullable\":false},\"value_type\":{\"type\":\"BIGINT\"}}},{\"name\":\"as\",\"data_type\":{\"type\":\"ARRAY\",\"element_type\":{\"type\":\"STRING\"}}}],\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_key\":[],\"bucket_count\":4,\"properties\":{},\"custom_properties\":{}}";
static const char *SCHEMA_8 = "{\"type\":\"record\",\"name\":\"Coll\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"ai\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"int\"]}},{\"name\":\"af\",\"type\":{\"type\":\"array\",\"items\":\"float\"}},{\"name\":\"am\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},{\"name\":\"as\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"string\"]}}]}";
/* Shadows of TABLE_ALL / TABLE_ITEMS for the same writer schemas (1; 3 and 4) with the
 * columns in field order, so the plans have fused ops: every inline op kind of the JIT
 * (int, int->BIGINT, long, float, double, boolean, string, bytes, date, timestamp-millis,
 * unions of both branch orders), slow calls (narrowing, decimals, enum, fixed, time,
 * micros/nanos timestamps), a skipped field (tags), a column without a field (missing),
 * and a three-column key in another order than the fields (BIGINT l32, INTEGER id, STRING
 * s: a key long and two marked key columns). */
static const char *TABLE_ALL_JIT = "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},{\"name\":\"i8\",\"data_type\":{\"type\":\"TINYINT\"}},{\"name\":\"i16\",\"data_type\":{\"type\":\"SMALLINT\"}},{\"name\":\"i32\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"i64\",\"data_type\":{\"type\":\"BIGINT\"}},{\"name\":\"l32\",\"data_type\":{\"type\":\"BIGINT\",\"nullable\":false}},{\"name\":\"f\",\"data_type\":{\"type\":\"FLOAT\"}},{\"name\":\"fd\",\"data_type\":{\"type\":\"DOUBLE\"}},{\"name\":\"d\",\"data_type\":{\"type\":\"DOUBLE\"}},{\"name\":\"b\",\"data_type\":{\"type\":\"BOOLEAN\"}},{\"name\":\"s\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},{\"name\":\"c\",\"data_type\":{\"type\":\"CHAR\",\"length\":3}},{\"name\":\"e\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"by\",\"data_type\":{\"type\":\"BYTES\"}},{\"name\":\"fx\",\"data_type\":{\"type\":\"BINARY\",\"length\":2}},{\"name\":\"dec\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":5,\"scale\":2}},{\"name\":\"decf\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":20,\"scale\":1}},{\"name\":\"dt\",\"data_type\":{\"type\":\"DATE\"}},{\"name\":\"tm\",\"data_type\":{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":3}},{\"name\":\"tmu\",\"data_type\":{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":6}},{\"name\":\"tsl\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3}},{\"name\":\"tsu\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":6}},{\"name\":\"tsn\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":9}},{\"name\":\"lts\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":3}},{\"name\":\"ltu\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":6}},{\"name\":\"u\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"ns\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"missing\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"ns2\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"l32\",\"id\",\"s\"]},\"partition_key\":[],\"bucket_key\":[],\"bucket_count\":16,\"properties\":{},\"custom_properties\":{}}";
static const char *TABLE_ITEMS_JIT = "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\"}},{\"name\":\"qty\",\"data_type\":{\"type\":\"BIGINT\"}},{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}}],\"primary_key\":[\"id\"]},\"partition_key\":[],\"bucket_key\":[],\"bucket_count\":4,\"properties\":{},\"custom_properties\":{}}";
static const char *SCHEMA_6 = "{\"type\":\"record\",\"name\":\"Key\",\"namespace\":\"shop.t\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}";

typedef struct target {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    kfb_mapper_t *twin; /* the same mapping, driven through kfb_mapper_map_batch */
    kfb_mapper_t *nojit; /* the same mapping with the JIT off, message by message */
    kfb_kv_batch_builder_t *batches[16];
    /* multi-message mode: per-bucket batches of the reference (t->m, message by message)
     * and of the twin (one map_batch call), emptied before each input, and what each
     * sealed (bucket, tag, bytes) because a record of another target set came */
    kfb_kv_batch_builder_t *ref_batches[16], *twin_batches[16];
    kfb_buf_t ref_sealed, twin_sealed;
    uint64_t n_sealed; /* batches the twin sealed for another target set (stats) */
    int32_t schema_id;
    int shadow; /* index of the target that also maps this one's inputs, 0: none */
} target_t;

/* byte 0 picks one of the first N_PICKED; the others are shadows (see above) */
#define N_PICKED 6
#define N_TARGETS 8
static target_t targets[N_TARGETS];
static kfb_value_t values[64];
static kfb_buf_t row, row_jit, row_nojit;

static void add(kfb_schema_source_t *s, int id, const char *json) {
    char e[256];
    if (kfb_schema_source_add(s, id, json, strlen(json), e, sizeof(e)) != KFB_ERR_OK) abort();
}

static void make(target_t *t, const char *table, int32_t sid, const kfb_mapper_config_t *cfg) {
    char e[512];
    t->td = kfb_table_desc_parse(table, strlen(table), e, sizeof(e));
    if (!t->td) abort();
    t->src = kfb_schema_source_memory_new();
    const char *schemas[] = {SCHEMA_1, SCHEMA_2, SCHEMA_3, SCHEMA_4, SCHEMA_5, SCHEMA_6, SCHEMA_7, SCHEMA_8};
    for (int i = 0; i < 8; i++) add(t->src, i + 1, schemas[i]);
    t->m = kfb_mapper_new(t->td, t->src, cfg, e, sizeof(e));
    t->twin = kfb_mapper_new(t->td, t->src, cfg, e, sizeof(e));
    t->nojit = kfb_mapper_new(t->td, t->src, cfg, e, sizeof(e));
    if (!t->m || !t->twin || !t->nojit || t->td->bucket_count > 16) abort();
    /* the JIT on for m and twin even under KFB_MAPPER_JIT=0, off for nojit */
    kfb_mapper_set_jit_for_testing(t->m, 1);
    kfb_mapper_set_jit_for_testing(t->twin, 1);
    kfb_mapper_set_jit_for_testing(t->nojit, 0);
    for (int b = 0; b < t->td->bucket_count; b++)
        if (!(t->batches[b] = kfb_kv_batch_builder_new(1, 1 << 16, e, sizeof(e))) ||
            !(t->ref_batches[b] = kfb_kv_batch_builder_new(1, 1 << 20, e, sizeof(e))) ||
            !(t->twin_batches[b] = kfb_kv_batch_builder_new(1, 1 << 20, e, sizeof(e))))
            abort();
    t->schema_id = sid;
}

static void cleanup(void) {
    if (getenv("KFB_FUZZ_STATS"))
        for (int i = 0; i < N_TARGETS; i++)
            fprintf(stderr, "fuzz_mapper target %d: machine code mapped %llu messages (map), "
                    "%llu (map_batch); fused path %llu / %llu / %llu (map / map_batch / JIT off); "
                    "%llu batches sealed for another target set\n",
                    i, (unsigned long long)kfb_mapper_jit_count_for_testing(targets[i].m),
                    (unsigned long long)kfb_mapper_jit_count_for_testing(targets[i].twin),
                    (unsigned long long)kfb_mapper_fused_count_for_testing(targets[i].m),
                    (unsigned long long)kfb_mapper_fused_count_for_testing(targets[i].twin),
                    (unsigned long long)kfb_mapper_fused_count_for_testing(targets[i].nojit),
                    (unsigned long long)targets[i].n_sealed);
    for (int i = 0; i < N_TARGETS; i++) {
        kfb_mapper_destroy(targets[i].m);
        kfb_mapper_destroy(targets[i].twin);
        kfb_mapper_destroy(targets[i].nojit);
        for (int b = 0; b < 16; b++) {
            kfb_kv_batch_builder_t *all[3] = {targets[i].batches[b], targets[i].ref_batches[b],
                                              targets[i].twin_batches[b]};
            for (int k = 0; k < 3; k++)
                if (all[k]) {
                    kfb_kv_batch_abort(all[k]);
                    kfb_kv_batch_builder_destroy(all[k]);
                }
        }
        kfb_schema_source_destroy(targets[i].src);
        kfb_table_desc_destroy(targets[i].td);
        kfb_buf_free(&targets[i].ref_sealed);
        kfb_buf_free(&targets[i].twin_sealed);
    }
    kfb_buf_free(&row);
    kfb_buf_free(&row_jit);
    kfb_buf_free(&row_nojit);
}

static void init(void) {
    kfb_log_set_level(KFB_LOG_ERROR);
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    make(&targets[0], TABLE_ALL, 1, &cfg);
    make(&targets[4], TABLE_NESTED, 7, &cfg);
    make(&targets[5], TABLE_COLL, 8, &cfg);
    make(&targets[6], TABLE_ALL_JIT, 1, &cfg);
    cfg.partial_update = 1;
    make(&targets[2], TABLE_ITEMS, 4, &cfg);
    make(&targets[7], TABLE_ITEMS_JIT, 4, &cfg);
    cfg.partial_update = 0;
    targets[0].shadow = 6;
    targets[2].shadow = 7;
    cfg.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    make(&targets[1], TABLE_DBZ, 2, &cfg);
    kfb_mapper_config_init(&cfg);
    cfg.key_from_message_key = 1;
    cfg.partial_update = 1;
    make(&targets[3], TABLE_ITEMS, 3, &cfg);
    atexit(cleanup);
}

/* records fuzz_batch_for emptied out of batches during the current map_batch call */
static int32_t batch_for_dropped;

/* batch_for: the bucket's batch after checking that what it holds reads back, emptied and
 * tagged with the record's target set */
static kfb_err_t fuzz_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                                kfb_kv_batch_builder_t **out) {
    (void)msg;
    target_t *t = ctx;
    if (rec->bucket < 0 || rec->bucket >= t->td->bucket_count) abort();
    kfb_kv_batch_builder_t *b = t->batches[rec->bucket];
    const uint8_t *bytes;
    size_t len;
    kfb_kv_batch_reader_t rd;
    if (kfb_kv_batch_build(b, &bytes, &len) != KFB_ERR_OK ||
        kfb_kv_batch_reader_init(&rd, bytes, len, NULL, 0) != KFB_ERR_OK)
        abort();
    kfb_kv_record_t r;
    int got;
    while ((got = kfb_kv_batch_next(&rd, &r)) == 1) {
    }
    if (got != 0) abort();
    batch_for_dropped += kfb_kv_batch_record_count(b);
    kfb_kv_batch_reset(b);
    kfb_kv_batch_set_tag(b, rec->target_set);
    *out = b;
    return KFB_ERR_OK;
}

static int batch_errors;
static int fuzz_on_error(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    (void)ctx;
    if (index != 0 || !errstr[0] || kfb_err_class(err) != KFB_ERRCLASS_RECORD) abort();
    batch_errors++;
    return 0;
}

static int32_t total_records(const target_t *t) {
    int32_t n = 0;
    for (int b = 0; b < t->td->bucket_count; b++) n += kfb_kv_batch_record_count(t->batches[b]);
    return n;
}

static int same_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

/* The message t->m has just mapped (outcome e, *res, err) through t->nojit (the JIT off):
 * the same error and text, or the same records and value rows (and row errors). */
static void check_nojit(target_t *t, const kfb_mapper_msg_t *msg, kfb_err_t e,
                        const kfb_mapper_result_t *res, const char *err) {
    char nerr[1024], werr[1024], nwerr[1024];
    nerr[0] = '\0';
    kfb_mapper_result_t nres;
    kfb_err_t ne = kfb_mapper_map(t->nojit, msg->key, msg->key_len, msg->value, msg->value_len,
                                  &msg->origin, &nres, nerr, sizeof(nerr));
    if (ne != e || strcmp(nerr, err)) abort();
    if (e) return;
    if (nres.n != res->n) abort();
    for (size_t i = 0; i < res->n; i++) {
        const kfb_mapped_t *a = &res->out[i], *b = &nres.out[i];
        if (a->op != b->op) abort();
        if (a->op == KFB_OP_SKIP) continue;
        if (a->bucket != b->bucket || !same_bytes(a->key, a->key_len, b->key, b->key_len) ||
            !same_bytes(a->bucket_key, a->bucket_key_len, b->bucket_key, b->bucket_key_len) ||
            (a->partition == NULL) != (b->partition == NULL) ||
            (a->partition && strcmp(a->partition, b->partition)) ||
            a->n_target_columns != b->n_target_columns ||
            (a->target_columns == NULL) != (b->target_columns == NULL) ||
            (a->target_columns && a->n_target_columns &&
             memcmp(a->target_columns, b->target_columns, a->n_target_columns * sizeof(int32_t))) ||
            a->target_set != b->target_set || (a->target_set == 0) != (a->target_columns == NULL))
            abort();
        if (a->op != KFB_OP_UPSERT) continue;
        kfb_buf_reset(&row_jit);
        kfb_buf_reset(&row_nojit);
        werr[0] = nwerr[0] = '\0';
        kfb_err_t we = kfb_mapper_write_value(t->m, res, i, &row_jit, werr, sizeof(werr));
        kfb_err_t nwe = kfb_mapper_write_value(t->nojit, &nres, i, &row_nojit, nwerr, sizeof(nwerr));
        if (we != nwe || strcmp(werr, nwerr) ||
            (!we && !same_bytes(row_jit.data, row_jit.len, row_nojit.data, row_nojit.len)))
            abort();
    }
}

/* ---- multi-message mode: one map_batch call against the per-message API ---- */

#define MULTI_MAX 16

typedef struct logged_error {
    size_t index;
    kfb_err_t err;
    char text[1024];
} logged_error_t;

static logged_error_t twin_errors[MULTI_MAX];
static size_t n_twin_errors;

static int multi_on_error(void *ctx, size_t index, kfb_err_t err, const char *errstr) {
    (void)ctx;
    if (n_twin_errors >= MULTI_MAX || kfb_err_class(err) != KFB_ERRCLASS_RECORD) abort();
    logged_error_t *l = &twin_errors[n_twin_errors++];
    l->index = index;
    l->err = err;
    snprintf(l->text, sizeof(l->text), "%s", errstr);
    return 0;
}

/* Seals bucket b's batch of one side when a record of target set `tag` comes and the batch
 * is tagged otherwise: logs (bucket, tag, bytes) of a non-empty one, empties it, tags it. */
static void multi_seal(kfb_kv_batch_builder_t *batch, kfb_buf_t *log, int32_t bucket,
                       uint32_t tag) {
    if (kfb_kv_batch_record_count(batch)) {
        const uint8_t *bytes;
        size_t len;
        uint8_t hdr[8];
        kfb_put_le32(hdr, (uint32_t)bucket);
        kfb_put_le32(hdr + 4, kfb_kv_batch_tag(batch));
        if (kfb_kv_batch_build(batch, &bytes, &len) || kfb_buf_append(log, hdr, 8) ||
            kfb_buf_append(log, bytes, len))
            abort();
    }
    kfb_kv_batch_reset(batch);
    kfb_kv_batch_set_tag(batch, tag);
}

/* the twin's batches are 1 MiB and emptied per input: never full here, so batch_for is
 * asked only when a record's target set is not its batch's tag */
static kfb_err_t multi_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                                 kfb_kv_batch_builder_t **out) {
    (void)msg;
    target_t *t = ctx;
    kfb_kv_batch_builder_t *b = t->twin_batches[rec->bucket];
    if (kfb_kv_batch_tag(b) == rec->target_set) abort();
    t->n_sealed += kfb_kv_batch_record_count(b) != 0;
    multi_seal(b, &t->twin_sealed, rec->bucket, rec->target_set);
    *out = b;
    return KFB_ERR_OK;
}

/*
 * Input after byte 0: messages of [flags][key length][value length][key][value body]
 * (flags: bit 0 tombstone, bit 1 no key, bit 2 no Confluent header, bits 3-4 the Kafka
 * partition, bit 5 writer schema id 3 or 4 instead of the target's). The reference maps
 * them one by one on t->m and appends each record to its bucket's batch, applying a
 * Debezium key change whole or not at all as map_batch promises; the twin takes them all
 * in one kfb_mapper_map_batch. Errors (index, code, text), where a stopping error stops,
 * and every bucket's batch bytes must agree.
 */
static void multi(target_t *t, const uint8_t *data, size_t size) {
    static uint8_t bodies[MULTI_MAX][256 + 5];
    kfb_mapper_msg_t msgs[MULTI_MAX];
    size_t n = 0;
    while (n < MULTI_MAX && size >= 3) {
        uint8_t flags = data[0];
        size_t kl = data[1], vl = data[2];
        data += 3, size -= 3;
        if (kl > size) kl = size;
        if (vl > size - kl) vl = size - kl;
        uint8_t *v = bodies[n];
        size_t vlen = 0;
        if (!(flags & 4)) {
            v[0] = 0, v[1] = v[2] = v[3] = 0;
            v[4] = (uint8_t)((flags & 32) ? (int32_t)(3 + (n & 1)) : t->schema_id);
            vlen = 5;
        }
        memcpy(v + vlen, data + kl, vl);
        vlen += vl;
        msgs[n] = (kfb_mapper_msg_t){(flags & 2) ? NULL : data, (flags & 2) ? 0 : kl,
                                     (flags & 1) ? NULL : v, vlen,
                                     {"fuzz", (flags >> 3) & 3, (int64_t)n}};
        data += kl + vl, size -= kl + vl;
        n++;
    }
    int nb = t->td->bucket_count;
    for (int b = 0; b < nb; b++) {
        kfb_kv_batch_reset(t->ref_batches[b]);
        kfb_kv_batch_reset(t->twin_batches[b]);
    }
    kfb_buf_reset(&t->ref_sealed);
    kfb_buf_reset(&t->twin_sealed);
    /* the reference */
    logged_error_t ref_errors[MULTI_MAX];
    size_t n_ref_errors = 0, stop_at = n;
    kfb_err_t stop_err = KFB_ERR_OK;
    char err[1024];
    for (size_t i = 0; i < n; i++) {
        kfb_mapper_result_t res;
        err[0] = '\0';
        kfb_err_t e = kfb_mapper_map(t->m, msgs[i].key, msgs[i].key_len, msgs[i].value,
                                     msgs[i].value_len, &msgs[i].origin, &res, err, sizeof(err));
        check_nojit(t, &msgs[i], e, &res, err);
        if (!e && res.n == 2 && res.out[0].op != KFB_OP_SKIP && res.out[1].op == KFB_OP_UPSERT) {
            kfb_buf_reset(&row);
            e = kfb_mapper_write_value(t->m, &res, 1, &row, err, sizeof(err));
        }
        for (size_t k = 0; !e && k < res.n; k++) {
            const kfb_mapped_t *o = &res.out[k];
            if (o->op == KFB_OP_SKIP) continue;
            kfb_kv_batch_builder_t *rb = t->ref_batches[o->bucket];
            if (kfb_kv_batch_tag(rb) != o->target_set)
                multi_seal(rb, &t->ref_sealed, o->bucket, o->target_set);
            e = kfb_mapper_append_to_batch(t->m, &res, k, rb, err, sizeof(err));
        }
        if (!e) continue;
        if (kfb_err_class(e) != KFB_ERRCLASS_RECORD) {
            stop_at = i, stop_err = e;
            break;
        }
        logged_error_t *l = &ref_errors[n_ref_errors++];
        l->index = i, l->err = e;
        snprintf(l->text, sizeof(l->text), "%s", err);
    }
    /* the twin */
    n_twin_errors = 0;
    kfb_mapper_sink_t sink = {.batches = t->twin_batches, .n_batches = (size_t)nb,
                              .batch_for = multi_batch_for, .on_error = multi_on_error,
                              .ctx = t};
    size_t done = 999;
    kfb_err_t be = kfb_mapper_map_batch(t->twin, msgs, n, &sink, &done, err, sizeof(err));
    if (be != stop_err || done != stop_at || n_twin_errors != n_ref_errors) abort();
    for (size_t k = 0; k < n_ref_errors; k++)
        if (ref_errors[k].index != twin_errors[k].index || ref_errors[k].err != twin_errors[k].err ||
            strcmp(ref_errors[k].text, twin_errors[k].text))
            abort();
    if (t->ref_sealed.len != t->twin_sealed.len ||
        (t->ref_sealed.len && memcmp(t->ref_sealed.data, t->twin_sealed.data, t->ref_sealed.len)))
        abort();
    for (int b = 0; b < nb; b++) {
        const uint8_t *rp, *tp;
        size_t rn, tn;
        if (kfb_kv_batch_tag(t->ref_batches[b]) != kfb_kv_batch_tag(t->twin_batches[b]) ||
            kfb_kv_batch_build(t->ref_batches[b], &rp, &rn) ||
            kfb_kv_batch_build(t->twin_batches[b], &tp, &tn) || rn != tn || memcmp(rp, tp, rn))
            abort();
    }
    /* a stop leaves the two mappers at the same message: both have mapped [0, stop_at] */
}

/* One input (byte 0 included) on target t. */
static void one(target_t *t, const uint8_t *data, size_t size) {
    if (data[0] & 0x80) {
        multi(t, data + 1, size - 1);
        return;
    }
    int raw = (data[0] >> 2) & 1, tomb = (data[0] >> 3) & 1, nokey = (data[0] >> 4) & 1;
    size_t klen = data[1];
    data += 2;
    size -= 2;
    if (klen > size) klen = size;
    const uint8_t *key = nokey ? NULL : data;
    uint8_t *value = malloc(size - klen + 5 + 1);
    size_t vlen = 0;
    if (!raw) {
        value[0] = 0;
        value[1] = value[2] = value[3] = 0;
        value[4] = (uint8_t)t->schema_id;
        vlen = 5;
    }
    memcpy(value + vlen, data + klen, size - klen);
    vlen += size - klen;
    char err[1024];
    err[0] = '\0';
    kfb_mapper_result_t res;
    kfb_origin_t o = {"fuzz", 0, 0};
    kfb_err_t e = kfb_mapper_map(t->m, key, nokey ? 0 : klen, tomb ? NULL : value, vlen, &o,
                                 &res, err, sizeof(err));
    kfb_mapper_msg_t bm = {key, nokey ? 0 : klen, tomb ? NULL : value, vlen, o};
    check_nojit(t, &bm, e, &res, err);
    /* the twin, through a batch of one */
    kfb_kv_batch_builder_t *placed[2];
    kfb_mapper_sink_t sink = {.batches = t->batches, .n_batches = (size_t)t->td->bucket_count,
                              .batch_for = fuzz_batch_for, .on_error = fuzz_on_error,
                              .placed = placed, .ctx = t};
    char berr[1024];
    size_t done;
    int32_t before = total_records(t);
    batch_errors = 0;
    batch_for_dropped = 0;
    kfb_err_t be = kfb_mapper_map_batch(t->twin, &bm, 1, &sink, &done, berr, sizeof(berr));
    int32_t appended = total_records(t) - before + batch_for_dropped;
    if (e) {
        if (!err[0]) abort();
        /* a per-record error reaches on_error, anything else stops the batch */
        if (kfb_err_class(e) == KFB_ERRCLASS_RECORD ? (be || batch_errors != 1 || done != 1)
                                                    : (be != e || done != 0))
            abort();
        if (placed[0] || placed[1]) abort();
    } else {
        if (be || done != 1) abort();
        size_t written = 0;
        int write_failed = 0;
        if (res.n < 1 || res.n > KFB_MAPPER_MAX_OUT) abort();
        for (size_t i = 0; i < res.n; i++) {
            const kfb_mapped_t *r = &res.out[i];
            if (r->op != KFB_OP_SKIP &&
                (r->bucket < 0 || r->bucket >= t->td->bucket_count || !r->key_len))
                abort();
            if (r->op == KFB_OP_DELETE && !write_failed) written++;
            if (r->op != KFB_OP_UPSERT) continue;
            kfb_buf_reset(&row);
            kfb_err_t we = kfb_mapper_write_value(t->m, &res, i, &row, err, sizeof(err));
            if (we != KFB_ERR_OK) {
                /* a message that maps writes, or fails as a record (never internally) */
                if (!err[0] || row.len || kfb_err_class(we) != KFB_ERRCLASS_RECORD) abort();
                write_failed = 1;
                continue;
            }
            if (!write_failed) written++;
            if (kfb_row_decode(t->td->column_types, t->td->column_count, row.data, row.len,
                               values, err, sizeof(err)) != KFB_ERR_OK)
                abort(); /* we wrote a row our own reader rejects */
        }
        /* the batch side appended the records the per-message side could write, or none
         * when one of them fails (a per-record error through on_error: a Debezium key
         * change's delete is not appended when its upsert cannot be written) */
        if (write_failed) written = 0;
        if (batch_errors != write_failed) abort();
        if (appended < 0 || (size_t)appended != written) abort();
        if ((placed[0] != NULL) + (placed[1] != NULL) != (int)written) abort();
    }
    free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) {
        init();
        ready = 1;
    }
    if (size < 2) return 0;
    target_t *t = &targets[data[0] % N_PICKED];
    one(t, data, size);
    if (t->shadow) one(&targets[t->shadow], data, size);
    return 0;
}
