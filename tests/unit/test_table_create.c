/* test_table_create.c - the table a mapping creates from its Avro writer schema
 * (table_create.h): the type table for every Avro type, nested types and unions, the
 * refusals, the TableDescriptor JSON against Fluss's own serializer test vectors, the
 * generated table parsed back (kfb_table_desc_parse) and the mapper compiling and mapping
 * golden messages onto it, the Flink SQL text, and the comparison with a live table.
 *
 * Golden JSON: fragments restated from apache/fluss fluss-common/src/test/java/org/apache/
 * fluss/utils/json/ (TableDescriptorJsonSerdeTest, SchemaJsonSerdeTest SCHEMA_JSON_0/1/5,
 * DataTypeJsonSerdeTest), never from our encoder. Golden messages: tests/golden/mapper/
 * messages.txt (python3-avro, gen_messages.py); value rows hand-derived (§6.2, §6.4), with
 * the bytes of tests/unit/test_mapper.c where the column types are the same. */
#include "golden_rows.h"
#include "harness.h"
#include "mapper.h"
#include "table_create.h"

#define GOLDEN "tests/golden/mapper/"

static char err[2048];

static kfb_avro_schema_t *parse_avro(const char *json) {
    kfb_avro_schema_t *s = NULL;
    kfb_err_t e = kfb_avro_schema_parse(json, strlen(json), &s, err, sizeof err);
    if (e) fprintf(stderr, "avro: %s\n", err);
    ASSERT_OK(e);
    return s;
}

static const char *const PK_ID[] = {"id"};

static kfb_table_create_opts_t opts_pk_id(void) {
    kfb_table_create_opts_t o;
    kfb_table_create_opts_init(&o);
    o.primary_key = PK_ID;
    o.n_primary_key = 1;
    return o;
}

/* JSON for a schema text (the test fails on an error). */
static char *json_of(const char *avsc, const kfb_table_create_opts_t *o) {
    kfb_avro_schema_t *s = parse_avro(avsc);
    char *json = NULL;
    kfb_err_t e = kfb_table_create_json(s, NULL, o, &json, err, sizeof err);
    if (e) fprintf(stderr, "create_json: %s\n", err);
    ASSERT_OK(e);
    kfb_avro_schema_destroy(s);
    return json;
}

/* The error sentence for a schema that must be refused with `want`. */
static void refused(const char *avsc, const kfb_table_create_opts_t *o, kfb_err_t want, const char *needle) {
    kfb_avro_schema_t *s = parse_avro(avsc);
    char *json = NULL;
    kfb_err_t e = kfb_table_create_json(s, NULL, o, &json, err, sizeof err);
    if (!e) fprintf(stderr, "accepted: %s\n", json);
    ASSERT_ERR(e, want);
    ASSERT_TRUE(json == NULL);
    ASSERT_CONTAINS(err, needle);
    kfb_avro_schema_destroy(s);
}

static void assert_column(const kfb_table_desc_t *td, const char *name, const char *type) {
    int i = kfb_table_desc_column_index(td, name);
    if (i < 0) fprintf(stderr, "no column %s\n", name);
    ASSERT_TRUE(i >= 0);
    char t[256];
    kfb_datatype_format(td->columns[i].type, t, sizeof t);
    if (strcmp(t, type)) fprintf(stderr, "column %s\n", name);
    ASSERT_STREQ(t, type);
}

/* Every Avro type and logical type the mapper writes, in one record. */
static const char *ALL_AVSC =
    "{\"type\":\"record\",\"name\":\"T\",\"namespace\":\"t\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},"
    "{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":\"int\"},"
    "{\"name\":\"l\",\"type\":[\"null\",\"long\"]},"
    "{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"d\",\"type\":[\"double\",\"null\"]},"
    "{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
    "{\"name\":\"u\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},"
    "{\"name\":\"uf\",\"type\":{\"type\":\"fixed\",\"name\":\"U16\",\"size\":16,\"logicalType\":\"uuid\"}},"
    "{\"name\":\"by\",\"type\":\"bytes\"},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F3\",\"size\":3}},"
    "{\"name\":\"db\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":38,\"scale\":10}},"
    "{\"name\":\"df\",\"type\":{\"type\":\"fixed\",\"name\":\"F8\",\"size\":8,\"logicalType\":\"decimal\","
    "\"precision\":18,\"scale\":2}},"
    "{\"name\":\"dt\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
    "{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
    "{\"name\":\"tu\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}},"
    "{\"name\":\"tsm\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"tsu\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
    "{\"name\":\"tsn\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-nanos\"}},"
    "{\"name\":\"lsm\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}},"
    "{\"name\":\"lsu\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
    "{\"name\":\"lsn\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-nanos\"}},"
    "{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"R\",\"fields\":["
    "{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":[\"null\",\"string\"]}]}},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"int\"]}},"
    "{\"name\":\"m\",\"type\":[\"null\",{\"type\":\"map\",\"values\":\"double\"}]},"
    "{\"name\":\"un\",\"type\":[\"null\",\"string\",\"long\"]}]}";

TEST(type_table_every_avro_type) {
    kfb_table_create_opts_t o = opts_pk_id();
    kfb_mapper_union_rule_t rule = {"un", "long"};
    o.mapping.union_rules = &rule;
    o.mapping.n_union_rules = 1;
    o.bucket_count = 4;
    char *json = json_of(ALL_AVSC, &o);
    kfb_table_desc_t *td = kfb_table_desc_parse(json, strlen(json), err, sizeof err);
    if (!td) fprintf(stderr, "%s\n%s\n", err, json);
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->column_count, 27);
    static const char *const want[][2] = {
        {"id", "BIGINT NOT NULL"}, /* primary key */
        {"b", "BOOLEAN NOT NULL"},
        {"i", "INT NOT NULL"},
        {"l", "BIGINT"}, /* [null, long] */
        {"f", "FLOAT NOT NULL"},
        {"d", "DOUBLE"}, /* [double, null] */
        {"s", "STRING NOT NULL"},
        {"e", "STRING NOT NULL"},
        {"u", "STRING NOT NULL"},
        {"uf", "STRING NOT NULL"}, /* uuid on fixed(16): its text */
        {"by", "BYTES NOT NULL"},
        {"fx", "BINARY(3) NOT NULL"},
        {"db", "DECIMAL(38, 10) NOT NULL"},
        {"df", "DECIMAL(18, 2) NOT NULL"},
        {"dt", "DATE NOT NULL"},
        {"tm", "TIME(3) NOT NULL"},
        {"tu", "TIME(6) NOT NULL"},
        {"tsm", "TIMESTAMP(3) WITH LOCAL TIME ZONE NOT NULL"},
        {"tsu", "TIMESTAMP(6) WITH LOCAL TIME ZONE NOT NULL"},
        {"tsn", "TIMESTAMP(9) WITH LOCAL TIME ZONE NOT NULL"},
        {"lsm", "TIMESTAMP(3) NOT NULL"},
        {"lsu", "TIMESTAMP(6) NOT NULL"},
        {"lsn", "TIMESTAMP(9) NOT NULL"},
        {"r", "ROW<`x` INT NOT NULL, `y` STRING> NOT NULL"},
        {"a", "ARRAY<INT> NOT NULL"},
        {"m", "MAP<STRING NOT NULL, DOUBLE NOT NULL>"},
        {"un", "BIGINT"}, /* the branch the union rule keeps, nullable */
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        assert_column(td, want[i][0], want[i][1]);
        ASSERT_EQ_INT(kfb_table_desc_column_index(td, want[i][0]), (long long)i); /* field order */
    }
    ASSERT_EQ_INT(td->primary_key_count, 1);
    ASSERT_EQ_INT(td->bucket_count, 4);
    /* ids: the columns 0..22, r 23 with its fields 24 and 25, then a 26, m 27, un 28 */
    ASSERT_EQ_INT(td->columns[23].id, 23);
    ASSERT_EQ_INT(td->columns[23].type->fields[0].field_id, 24);
    ASSERT_EQ_INT(td->columns[23].type->fields[1].field_id, 25);
    ASSERT_EQ_INT(td->columns[24].id, 26);
    ASSERT_EQ_INT(td->columns[26].id, 28);
    ASSERT_EQ_INT(td->highest_field_id, 28);
    /* the mapper maps the writer schema onto the table: every field has its column, and
     * the one lossy conversion is the one Fluss's TIME imposes (millis of the day) */
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(src, 1, ALL_AVSC, strlen(ALL_AVSC), err, sizeof err));
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.union_rules = &rule;
    cfg.n_union_rules = 1;
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof err);
    if (!m) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(m != NULL);
    kfb_err_t e = kfb_mapper_prepare(m, 1, err, sizeof err);
    if (e) fprintf(stderr, "%s\n", err);
    ASSERT_OK(e);
    const char *d = kfb_mapper_describe(m, 1);
    ASSERT_TRUE(strstr(d, "skip") == NULL);
    ASSERT_TRUE(strstr(d, "<- null") == NULL);
    const char *lossy = strstr(d, "LOSSY");
    ASSERT_TRUE(lossy != NULL && strstr(lossy + 1, "LOSSY") == NULL);
    ASSERT_CONTAINS(d, "column tu TIME(6) NOT NULL <- t.T.tu (time-micros) LOSSY");
    kfb_mapper_destroy(m);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
    free(json);
}

/* The descriptor text, compared with Fluss's serializer vectors. Layout of
 * TableDescriptorJsonSerdeTest's second object ({"version":1,"schema":..,"partition_key":
 * [],"bucket_key":["a"],"bucket_count":32,"properties":{..},"custom_properties":{}});
 * the column objects as SchemaJsonSerdeTest.SCHEMA_JSON_1 writes "a" INTEGER NOT NULL
 * (id 0) and "b" STRING (id 1), and a ROW column as SCHEMA_JSON_5 writes "b" (the
 * column's id, then field ids for its fields, highest_field_id the last of them). */
TEST(golden_descriptor_json_matches_fluss_serde) {
    const char *avsc = "{\"type\":\"record\",\"name\":\"G\",\"fields\":["
                       "{\"name\":\"a\",\"type\":\"int\"},"
                       "{\"name\":\"b\",\"type\":[\"null\",\"string\"]},"
                       "{\"name\":\"r\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                       "{\"name\":\"c\",\"type\":[\"null\",\"int\"]},{\"name\":\"d\",\"type\":[\"null\",\"int\"]}]}]}]}";
    static const char *const pk[] = {"a"}, *const props[] = {"table.merge-engine", "first_row"};
    kfb_table_create_opts_t o;
    kfb_table_create_opts_init(&o);
    o.primary_key = pk;
    o.n_primary_key = 1;
    o.bucket_count = 32;
    o.properties = props;
    o.n_properties = 1;
    char *json = json_of(avsc, &o);
    ASSERT_STREQ(json,
                 "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
                 "{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
                 "{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"},\"id\":1},"
                 "{\"name\":\"r\",\"data_type\":{\"type\":\"ROW\",\"fields\":["
                 "{\"name\":\"c\",\"field_type\":{\"type\":\"INTEGER\"},\"field_id\":3},"
                 "{\"name\":\"d\",\"field_type\":{\"type\":\"INTEGER\"},\"field_id\":4}]},\"id\":2}],"
                 "\"primary_key\":[\"a\"],\"highest_field_id\":4},"
                 "\"partition_key\":[],\"bucket_key\":[\"a\"],\"bucket_count\":32,"
                 "\"properties\":{\"table.merge-engine\":\"first_row\"},\"custom_properties\":{}}");
    free(json);
    /* partitioned, bucket count left to the server (no "bucket_count", but "bucket_key"
     * as normalizeDistribution sets it for a primary-key table), a comment after the
     * schema (TableDescriptorJsonSerdeTest's first object), and DataTypeJsonSerdeTest's
     * DECIMAL NOT NULL, TIMESTAMP_WITH_LOCAL_TIME_ZONE(3) and MAP vectors */
    avsc = "{\"type\":\"record\",\"name\":\"P\",\"fields\":["
           "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"day\",\"type\":\"string\"},"
           "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":15,"
           "\"scale\":5}},"
           "{\"name\":\"ts\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}]},"
           "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"int\"}}]}";
    static const char *const pk2[] = {"id", "day"}, *const part[] = {"day"};
    kfb_table_create_opts_init(&o);
    o.primary_key = pk2;
    o.n_primary_key = 2;
    o.partition_keys = part;
    o.n_partition_keys = 1;
    o.comment = "first table";
    json = json_of(avsc, &o);
    ASSERT_STREQ(json,
                 "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
                 "{\"name\":\"id\",\"data_type\":{\"type\":\"BIGINT\",\"nullable\":false},\"id\":0},"
                 "{\"name\":\"day\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false},\"id\":1},"
                 "{\"name\":\"amount\",\"data_type\":{\"type\":\"DECIMAL\",\"nullable\":false,\"precision\":15,"
                 "\"scale\":5},\"id\":2},"
                 "{\"name\":\"ts\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3},"
                 "\"id\":3},"
                 "{\"name\":\"attrs\",\"data_type\":{\"type\":\"MAP\",\"nullable\":false,\"key_type\":{\"type\":"
                 "\"STRING\",\"nullable\":false},\"value_type\":{\"type\":\"INTEGER\",\"nullable\":false}},\"id\":4}],"
                 "\"primary_key\":[\"id\",\"day\"],\"highest_field_id\":4},"
                 "\"comment\":\"first table\",\"partition_key\":[\"day\"],\"bucket_key\":[\"id\"],"
                 "\"properties\":{},\"custom_properties\":{}}");
    kfb_table_desc_t *td = kfb_table_desc_parse(json, strlen(json), err, sizeof err);
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->bucket_count, -1);
    ASSERT_EQ_INT(td->physical_primary_key_count, 1);
    kfb_table_desc_destroy(td);
    free(json);
}

/* ---- golden messages mapped onto created tables ----------------------------------------- */

/* The hex fields of the messages.txt line `name` ("name key value"); key/value NULL when
 * absent. */
static void golden_message(const char *name, uint8_t **key, size_t *klen, uint8_t **value, size_t *vlen) {
    FILE *f = fopen(GOLDEN "messages.txt", "r");
    ASSERT_TRUE(f != NULL);
    char n[64], k[4096], v[8192];
    int found = 0;
    while (!found && fscanf(f, "%63s %4095s %8191s", n, k, v) == 3) found = !strcmp(n, name);
    fclose(f);
    ASSERT_TRUE(found);
    *key = strcmp(k, "-") ? kfb_test_unhex(k, klen) : NULL;
    *value = strcmp(v, "null") ? kfb_test_unhex(v, vlen) : NULL;
}

/* Maps golden message `msg` (one upsert) and checks its key, bucket (unless < 0) and value
 * row. */
static void map_golden(kfb_mapper_t *m, const char *msg, const char *key_hex, int bucket, const char *row_hex) {
    uint8_t *k, *v;
    size_t kl = 0, vl = 0;
    golden_message(msg, &k, &kl, &v, &vl);
    kfb_mapper_result_t res;
    kfb_err_t e = kfb_mapper_map(m, k, kl, v, vl, NULL, &res, err, sizeof err);
    if (e) fprintf(stderr, "%s\n", err);
    ASSERT_OK(e);
    ASSERT_EQ_INT(res.n, 1);
    ASSERT_EQ_INT(res.out[0].op, KFB_OP_UPSERT);
    ASSERT_HEX(res.out[0].key, res.out[0].key_len, key_hex);
    if (bucket >= 0) ASSERT_EQ_INT(res.out[0].bucket, bucket);
    kfb_buf_t row = KFB_BUF_INIT;
    e = kfb_mapper_write_value(m, &res, 0, &row, err, sizeof err);
    if (e) fprintf(stderr, "%s\n", err);
    ASSERT_OK(e);
    ASSERT_HEX(row.data, row.len, row_hex);
    kfb_buf_free(&row);
    free(k);
    free(v);
}

/* Creates the table of writer schema `id` (of GOLDEN/schemas, primary key id), maps the
 * golden message onto it and checks its value row against `row_hex`. */
static void map_onto_created(int32_t id, const char *msg, int32_t buckets, const char *key_hex, int bucket,
                             const char *row_hex) {
    kfb_schema_source_t *src = kfb_schema_source_dir_new(GOLDEN "schemas", err, sizeof err);
    ASSERT_TRUE(src != NULL);
    const kfb_avro_schema_t *s = NULL;
    ASSERT_OK(kfb_schema_source_get(src, id, &s, err, sizeof err));
    kfb_table_create_opts_t o = opts_pk_id();
    o.bucket_count = buckets;
    char *json = NULL;
    kfb_err_t e = kfb_table_create_json(s, NULL, &o, &json, err, sizeof err);
    if (e) fprintf(stderr, "%s\n", err);
    ASSERT_OK(e);
    kfb_table_desc_t *td = kfb_table_desc_parse(json, strlen(json), err, sizeof err);
    ASSERT_TRUE(td != NULL);
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof err);
    ASSERT_TRUE(m != NULL);
    map_golden(m, msg, key_hex, bucket, row_hex);
    kfb_mapper_destroy(m);
    kfb_table_desc_destroy(td);
    free(json);
    kfb_schema_source_destroy(src);
}

/* all_1 (golden schema 1: every scalar type) onto the table made from its own schema:
 * every column in field order with its natural type. Bytes per §6.2, restated from
 * test_mapper.c's ALL_1_ROW where the type is the same. */
TEST(golden_all_types_onto_created_table) {
    map_onto_created(1, "all_1", 16, "ac 02", 5, /* §7.5 (derived): ac 02, 16 buckets -> 5 */
                     "00 00 00 04"                     /* bitmap: ns (column 26) null */
                     "|ac 02"                          /* id INT 300 */
                     "|fb ff ff ff 0f"                 /* i8 INT -5 (5-byte varint) */
                     "|ac 02"                          /* i16 INT 300 */
                     "|ff ff ff ff 0f"                 /* i32 INT -1 */
                     "|07"                             /* i64 INT 7 */
                     "|a0 8d 06"                       /* l32 BIGINT 100000 */
                     "|00 00 c0 3f"                    /* f FLOAT 1.5 */
                     "|00 00 80 3e"                    /* fd FLOAT 0.25 */
                     "|00 00 00 00 00 00 00 c0"        /* d DOUBLE -2.0 */
                     "|01"                             /* b true */
                     "|06 68 c3 a9 6c 6c 6f"           /* s \"h\\u00e9llo\" */
                     "|02 61 62"                       /* c \"ab\" */
                     "|05 47 52 45 45 4e"              /* e GREEN */
                     "|02 00 ff"                       /* by */
                     "|02 01 02"                       /* fx BINARY(2) */
                     "|83 ff ff ff ff ff ff ff ff 01"  /* dec DECIMAL(4,2) -1.25: unscaled -125 */
                     "|85 ad 4b"                       /* decf DECIMAL(10,3) 1234.565: compact 1234565 */
                     "|99 9a 01"                       /* dt 2024-01-15 = day 19737 */
                     "|c0 b3 a7 10"                    /* tm TIME(3) 34200000 ms */
                     "|bb b4 a7 10"                    /* tmu TIME(6) 09:30:00.123456: millis 34200123 */
                     "|de 9f d7 b5 b6 31"              /* tsl LTZ(3) 1698235273182 */
                     "|de 9f d7 b5 b6 31 f8 c0 07"     /* tsu LTZ(6) + 123000 ns of milli */
                     "|ff ff ff ff ff ff ff ff ff 01 bf 84 3d" /* tsn LTZ(9) -1 ns */
                     "|00"                             /* lts TIMESTAMP(3) 0 */
                     "|01 a0 c2 1e"                    /* ltu TIMESTAMP(6) 1500 us */
                     "|24 32 62 62 38 37 64 36 38 2d 62 61 66 39 2d 34 65 36 34 2d 39 30 66 39 2d 66 38 30 39 31 30 34 "
                     "31 39 66 61 36"                  /* u uuid text */
                     /* tags ARRAY<STRING NOT NULL> [p, q]: 24 bytes = count 2, 4-byte null
                      * word, two 8-byte slots with the text inline (top byte 0x80 | len) */
                     "|18 02 00 00 00 00 00 00 00 70 00 00 00 00 00 00 81 71 00 00 00 00 00 00 81"
                     "|01 78");                        /* ns2 \"x\" */
}

/* nested_1/nested_2 (golden schema 7) onto ROW columns in the Avro record's field order. */
TEST(golden_nested_records_onto_created_table) {
    map_onto_created(7, "nested_1", 4, "05", 2, /* fluss_bucket.py 05 4 -> 2 */
                     "04"                 /* bitmap: note (2) null */
                     "|05"                /* id 5 */
                     "|0a"                /* customer: 10 bytes */
                     "|00|02 62 6f|01"    /*   bitmap, name \"bo\", vip true */
                     "|04 00 01 58 07");  /*   addr: 4 bytes: bitmap, city \"X\", zip 7 */
    map_onto_created(7, "nested_2", 4, "05", 2,
                     "00|05"
                     "|05 04 02 62 6f 01" /* customer: addr (2) null */
                     "|01 6e");           /* note \"n\" */
}

/* coll_1 (golden schema 8) onto ARRAY/MAP columns: the same columns and element types as
 * table_coll.json (nullability does not change the bytes), so the row test_mapper.c checks
 * (golden_rows.h). */
TEST(golden_arrays_and_maps_onto_created_table) {
    map_onto_created(8, "coll_1", 1, "01", 0, KFB_GOLDEN_COLL_1_ROW);
}

/* ---- unions, keys, renames ------------------------------------------------------------------ */

static const char *UNION_AVSC =
    "{\"type\":\"record\",\"name\":\"U\",\"namespace\":\"n\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"v\",\"type\":[\"null\",\"string\",{\"type\":\"record\",\"name\":\"Pt\",\"fields\":["
    "{\"name\":\"x\",\"type\":\"double\"}]}]},"
    "{\"name\":\"w\",\"type\":[\"int\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}]}]}";

TEST(unions_need_a_rule_unless_null_and_one_type) {
    kfb_table_create_opts_t o = opts_pk_id();
    refused(UNION_AVSC, &o, KFB_ERR_UNSUPPORTED_TYPE, "field n.U.v is a union of 3 types");
    kfb_mapper_union_rule_t rules[] = {{"v", "n.Pt"}, {"w", "timestamp-micros"}};
    o.mapping.union_rules = rules;
    o.mapping.n_union_rules = 2;
    char *json = json_of(UNION_AVSC, &o);
    kfb_table_desc_t *td = kfb_table_desc_parse(json, strlen(json), err, sizeof err);
    ASSERT_TRUE(td != NULL);
    assert_column(td, "v", "ROW<`x` DOUBLE NOT NULL>");                     /* has null */
    assert_column(td, "w", "TIMESTAMP(6) WITH LOCAL TIME ZONE NOT NULL"); /* no null branch */
    kfb_table_desc_destroy(td);
    free(json);
    rules[0].branch = "bytes";
    refused(UNION_AVSC, &o, KFB_ERR_UNSUPPORTED_TYPE, "field n.U.v is a union without a branch \"bytes\"");
}

TEST(refusals_name_the_field_and_what_to_do) {
    kfb_table_create_opts_t o = opts_pk_id();
#define REC(fields) "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}," fields "]}"
    refused(REC("{\"name\":\"n\",\"type\":\"null\"}"), &o, KFB_ERR_UNSUPPORTED_TYPE,
            "field X.n has the Avro type null: no column type holds only nulls (list the field in ignore)");
    refused(REC("{\"name\":\"ls\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"L\","
                "\"fields\":[{\"name\":\"q\",\"type\":\"int\"}]}}}"),
            &o, KFB_ERR_UNSUPPORTED_TYPE,
            "field X.ls is an Avro array of records, which the bridge does not write yet (only arrays of scalar "
            "values); list the field in ignore");
    refused(REC("{\"name\":\"mm\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"int\"}}}"),
            &o, KFB_ERR_UNSUPPORTED_TYPE, "field X.mm is an Avro map of arrays");
    refused(REC("{\"name\":\"aa\",\"type\":{\"type\":\"array\",\"items\":[\"null\",{\"type\":\"map\",\"values\":"
                "\"int\"}]}}"),
            &o, KFB_ERR_UNSUPPORTED_TYPE, "field X.aa is an Avro array of maps");
    refused(REC("{\"name\":\"big\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":40,"
                "\"scale\":2}}"),
            &o, KFB_ERR_UNSUPPORTED_TYPE, "field X.big is decimal(40, 2); Fluss decimals hold at most 38 digits");
    /* a nested record's fields go through the same table */
    refused(REC("{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":[{\"name\":\"z\","
                "\"type\":\"null\"}]}}"),
            &o, KFB_ERR_UNSUPPORTED_TYPE, "field X.r.z has the Avro type null");
    kfb_mapper_rename_t rn = {"off", "__offset"};
    o.mapping.renames = &rn;
    o.mapping.n_renames = 1;
    refused(REC("{\"name\":\"off\",\"type\":\"long\"}"), &o, KFB_ERR_CONFIG,
            "field X.off would be column \"__offset\", a name Fluss reserves for system columns");
    rn = (kfb_mapper_rename_t){"other", "id"};
    refused(REC("{\"name\":\"other\",\"type\":\"long\"}"), &o, KFB_ERR_CONFIG,
            "fields id and other would both be column \"id\"; change a rename");
    o = opts_pk_id();
    static const char *const pk_bad[] = {"nope"}, *const pk_row[] = {"r"}, *const part[] = {"x"};
    o.primary_key = pk_bad;
    refused(REC("{\"name\":\"x\",\"type\":\"int\"}"), &o, KFB_ERR_CONFIG,
            "primary-key column \"nope\" is not a field of the writer schema (after renames)");
    o.primary_key = pk_row;
    refused(REC("{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":[{\"name\":\"z\","
                "\"type\":\"int\"}]}}"),
            &o, KFB_ERR_CONFIG, "primary-key column \"r\" would be ROW<`z` INT NOT NULL>");
    o = opts_pk_id();
    o.partition_keys = part;
    o.n_partition_keys = 1;
    refused(REC("{\"name\":\"x\",\"type\":\"int\"}"), &o, KFB_ERR_CONFIG,
            "partition key \"x\" is not a primary-key column");
    /* what Fluss's own checks refuse comes back through the descriptor parser */
    static const char *const pk2[] = {"id", "f"}, *const part2[] = {"f"};
    o.primary_key = pk2;
    o.n_primary_key = 2;
    o.partition_keys = part2;
    refused(REC("{\"name\":\"f\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,"
                "\"scale\":1}}"),
            &o, KFB_ERR_CONFIG, "the table made from the writer schema is not one Fluss accepts");
    o = opts_pk_id();
    refused("{\"type\":\"array\",\"items\":\"int\"}", &o, KFB_ERR_UNSUPPORTED_TYPE,
            "the writer schema's top-level type is array; a table is made from a record");
    o.mapping.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    refused(REC("{\"name\":\"x\",\"type\":\"int\"}"), &o, KFB_ERR_UNSUPPORTED_TYPE,
            "is not a Debezium envelope with an `after` record");
    kfb_table_create_opts_init(&o); /* no primary key and no key schema */
    refused(REC("{\"name\":\"x\",\"type\":\"int\"}"), &o, KFB_ERR_CONFIG,
            "the primary key is not configured and there is no Kafka key schema to take it from; set "
            "mappings[].primary_key");
#undef REC
}

/* Debezium: columns from `after`, the primary key from the key schema (golden 2 + 6). */
TEST(debezium_after_record_and_key_schema) {
    kfb_schema_source_t *src = kfb_schema_source_dir_new(GOLDEN "schemas", err, sizeof err);
    ASSERT_TRUE(src != NULL);
    const kfb_avro_schema_t *env = NULL, *key = NULL;
    ASSERT_OK(kfb_schema_source_get(src, 2, &env, err, sizeof err));
    ASSERT_OK(kfb_schema_source_get(src, 6, &key, err, sizeof err));
    kfb_table_create_opts_t o;
    kfb_table_create_opts_init(&o);
    o.mapping.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    o.bucket_count = 2;
    char *json = NULL;
    kfb_err_t e = kfb_table_create_json(env, key, &o, &json, err, sizeof err);
    if (e) fprintf(stderr, "%s\n", err);
    ASSERT_OK(e);
    kfb_table_desc_t *td = kfb_table_desc_parse(json, strlen(json), err, sizeof err);
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->column_count, 3);
    assert_column(td, "id", "INT NOT NULL");
    assert_column(td, "name", "STRING");
    assert_column(td, "qty", "BIGINT");
    ASSERT_EQ_INT(td->primary_key_count, 1);
    ASSERT_EQ_INT(td->primary_key[0], 0);
    /* golden dbz_c (op c) maps onto it: key 02 = id 1 */
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.format = KFB_MAPPER_FORMAT_DEBEZIUM;
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof err);
    ASSERT_TRUE(m != NULL);
    map_golden(m, "dbz_c", "01", -1, "00|01|01 61|0a"); /* id 1, name \"a\", qty 10 */
    kfb_mapper_destroy(m);
    kfb_table_desc_destroy(td);
    free(json);
    kfb_schema_source_destroy(src);
}

/* key: message_key: primary-key columns the value lacks come first, typed from the key
 * schema's fields (renames applied) or, for a raw string/bytes key, STRING/BYTES. */
TEST(message_key_columns_the_value_lacks) {
    kfb_avro_schema_t *value = parse_avro("{\"type\":\"record\",\"name\":\"V\",\"fields\":["
                                          "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"region\",\"type\":\"int\"}]}");
    kfb_avro_schema_t *key = parse_avro("{\"type\":\"record\",\"name\":\"K\",\"fields\":["
                                        "{\"name\":\"kid\",\"type\":\"long\"},{\"name\":\"region\",\"type\":\"int\"}]}");
    kfb_table_create_opts_t o;
    kfb_table_create_opts_init(&o);
    o.mapping.key_from_message_key = 1;
    kfb_mapper_rename_t rn = {"kid", "user_id"};
    o.mapping.renames = &rn;
    o.mapping.n_renames = 1;
    char *json = NULL;
    ASSERT_OK(kfb_table_create_json(value, key, &o, &json, err, sizeof err));
    kfb_table_desc_t *td = kfb_table_desc_parse(json, strlen(json), err, sizeof err);
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->column_count, 3);
    ASSERT_STREQ(td->columns[0].name, "user_id"); /* from the key, in front */
    assert_column(td, "user_id", "BIGINT NOT NULL");
    assert_column(td, "name", "STRING NOT NULL");
    assert_column(td, "region", "INT NOT NULL"); /* in both: the value's column */
    ASSERT_EQ_INT(td->primary_key_count, 2);
    ASSERT_STREQ(td->columns[td->primary_key[0]].name, "user_id");
    ASSERT_STREQ(td->columns[td->primary_key[1]].name, "region");
    kfb_table_desc_destroy(td);
    free(json);
    /* a raw string key */
    static const char *const pk[] = {"k"};
    kfb_table_create_opts_init(&o);
    o.mapping.key_from_message_key = 1;
    o.mapping.key_format = KFB_MAPPER_KEY_STRING;
    o.primary_key = pk;
    o.n_primary_key = 1;
    ASSERT_OK(kfb_table_create_json(value, NULL, &o, &json, err, sizeof err));
    td = kfb_table_desc_parse(json, strlen(json), err, sizeof err);
    ASSERT_TRUE(td != NULL);
    ASSERT_STREQ(td->columns[0].name, "k");
    assert_column(td, "k", "STRING NOT NULL");
    kfb_table_desc_destroy(td);
    free(json);
    kfb_avro_schema_destroy(value);
    kfb_avro_schema_destroy(key);
}

TEST(renames_and_ignores_shape_the_columns) {
    kfb_table_create_opts_t o = opts_pk_id();
    kfb_mapper_rename_t rn = {"email_address", "email"};
    static const char *const ign[] = {"internal_notes"};
    o.mapping.renames = &rn;
    o.mapping.n_renames = 1;
    o.mapping.ignore = ign;
    o.mapping.n_ignore = 1;
    char *json = json_of("{\"type\":\"record\",\"name\":\"C\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
                         "{\"name\":\"email_address\",\"type\":[\"null\",\"string\"]},"
                         "{\"name\":\"internal_notes\",\"type\":\"null\"}]}",
                         &o);
    ASSERT_CONTAINS(json, "{\"name\":\"email\",\"data_type\":{\"type\":\"STRING\"},\"id\":1}");
    ASSERT_TRUE(strstr(json, "internal_notes") == NULL); /* ignored, so its null type is fine */
    ASSERT_CONTAINS(json, "\"highest_field_id\":1");
    free(json);
}

/* kfb_table_type_json numbers ROW fields from the given id, depth first. */
TEST(type_json_numbers_row_fields) {
    kfb_avro_schema_t *s = parse_avro("{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"p\",\"type\":"
                                      "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"q\",\"type\":"
                                      "{\"type\":\"record\",\"name\":\"C\",\"fields\":[{\"name\":\"z\",\"type\":"
                                      "\"int\"}]}},{\"name\":\"w\",\"type\":\"string\"}]}}]}");
    const kfb_avro_node_t *p = kfb_avro_schema_root(s)->fields[0].type;
    kfb_table_create_opts_t o;
    kfb_table_create_opts_init(&o);
    kfb_datatype_t *t = NULL;
    ASSERT_OK(kfb_table_column_type(p, "A.p", &o, &t, err, sizeof err));
    int32_t next = 7;
    char *j = kfb_table_type_json(t, &next);
    ASSERT_STREQ(j, "{\"type\":\"ROW\",\"nullable\":false,\"fields\":["
                    "{\"name\":\"q\",\"field_type\":{\"type\":\"ROW\",\"nullable\":false,\"fields\":["
                    "{\"name\":\"z\",\"field_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"field_id\":8}]},"
                    "\"field_id\":7},"
                    "{\"name\":\"w\",\"field_type\":{\"type\":\"STRING\",\"nullable\":false},\"field_id\":9}]}");
    ASSERT_EQ_INT(next, 10);
    free(j);
    kfb_datatype_destroy(t);
    kfb_avro_schema_destroy(s);
}

/* ---- Flink SQL ------------------------------------------------------------------------------ */

/* The Flink SQL of a descriptor text (caller frees). */
static char *sql_of(const char *desc, const char *db, const char *table) {
    kfb_table_desc_t *td = kfb_table_desc_parse(desc, strlen(desc), err, sizeof err);
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    char *sql = kfb_table_flink_sql(td, db, table);
    kfb_table_desc_destroy(td);
    ASSERT_TRUE(sql != NULL);
    return sql;
}

TEST(flink_sql_of_a_table) {
    char *sql = sql_of(
        "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
        "{\"name\":\"id\",\"data_type\":{\"type\":\"BIGINT\",\"nullable\":false}},"
        "{\"name\":\"day\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},"
        "{\"name\":\"we`ird\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3}},"
        "{\"name\":\"r\",\"data_type\":{\"type\":\"ROW\",\"fields\":[{\"name\":\"a\",\"field_type\":"
        "{\"type\":\"DECIMAL\",\"precision\":10,\"scale\":2}}]}}],"
        "\"primary_key\":[\"id\",\"day\"]},"
        "\"partition_key\":[\"day\"],\"bucket_key\":[\"id\"],\"bucket_count\":8,"
        "\"properties\":{\"table.merge-engine\":\"first_row\",\"table.delete.behavior\":\"IGNORE\"},"
        "\"custom_properties\":{\"note\":\"it's\"}}",
        "shop", "orders");
    ASSERT_STREQ(sql, "CREATE TABLE `shop`.`orders` (\n"
                      "  `id` BIGINT NOT NULL,\n"
                      "  `day` STRING NOT NULL,\n"
                      "  `we``ird` TIMESTAMP(3) WITH LOCAL TIME ZONE,\n"
                      "  `r` ROW<`a` DECIMAL(10, 2)>,\n"
                      "  PRIMARY KEY (`id`, `day`) NOT ENFORCED\n"
                      ")\n"
                      "PARTITIONED BY (`day`)\n"
                      "WITH (\n"
                      "  'bucket.num' = '8',\n"
                      "  'table.merge-engine' = 'first_row',\n"
                      "  'table.delete.behavior' = 'IGNORE',\n"
                      "  'note' = 'it''s'\n"
                      ");\n");
    free(sql);
    /* an explicit bucket key that is not the default is written */
    sql = sql_of("{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
                 "{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
                 "{\"name\":\"b\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}}],"
                 "\"primary_key\":[\"a\",\"b\"]},\"partition_key\":[],\"bucket_key\":[\"b\"],"
                 "\"properties\":{},\"custom_properties\":{}}",
                 "d", "t");
    ASSERT_CONTAINS(sql, ")\nWITH (\n  'bucket.key' = 'b'\n);\n");
    free(sql);
    /* no options, no WITH */
    sql = sql_of("{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
                 "{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}}],"
                 "\"primary_key\":[\"a\"]},\"partition_key\":[],\"properties\":{},\"custom_properties\":{}}",
                 "d", "t");
    ASSERT_STREQ(sql, "CREATE TABLE `d`.`t` (\n  `a` INT NOT NULL,\n  PRIMARY KEY (`a`) NOT ENFORCED\n);\n");
    free(sql);
}

/* ---- comparing with a live table -------------------------------------------------------------- */

static kfb_table_desc_t *desc_of(const char *cols, const char *pk, const char *rest) {
    char j[2048];
    snprintf(j, sizeof j,
             "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[%s],\"primary_key\":[%s]},%s,"
             "\"custom_properties\":{}}",
             cols, pk, rest);
    kfb_table_desc_t *td = kfb_table_desc_parse(j, strlen(j), err, sizeof err);
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    return td;
}

#define COL_A "{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}}"
#define COL_B "{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"}}"
#define REST "\"partition_key\":[],\"bucket_key\":[\"a\"],\"bucket_count\":4,\"properties\":{\"table.merge-engine\":\"first_row\"}"

TEST(differs_names_the_first_difference) {
    kfb_table_desc_t *want = desc_of(COL_A "," COL_B, "\"a\"", REST);
    struct {
        const char *cols, *pk, *rest, *diff;
    } cases[] = {
        /* the server adds properties and field ids; the same table is no difference */
        {COL_A "," COL_B, "\"a\"",
         "\"partition_key\":[],\"bucket_key\":[\"a\"],\"bucket_count\":4,\"properties\":{\"table.merge-engine\":"
         "\"FIRST_ROW\",\"table.kv.format-version\":\"2\",\"table.replication.factor\":\"1\"}",
         NULL},
        {COL_A, "\"a\"", REST, "it lacks column \"b\""},
        {COL_A "," COL_B ",{\"name\":\"c\",\"data_type\":{\"type\":\"INTEGER\"}}", "\"a\"", REST,
         "it has an extra column \"c\""},
        {COL_A ",{\"name\":\"b\",\"data_type\":{\"type\":\"BIGINT\"}}", "\"a\"", REST,
         "its column \"b\" is BIGINT, not STRING"},
        {COL_A ",{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}}", "\"a\",\"b\"",
         "\"partition_key\":[],\"bucket_key\":[\"a\",\"b\"],\"bucket_count\":4,\"properties\":{\"table.merge-engine\":"
         "\"first_row\"}",
         "its column \"b\" is STRING NOT NULL, not STRING"},
        {COL_A "," COL_B, "\"a\"",
         "\"partition_key\":[],\"bucket_key\":[\"a\"],\"bucket_count\":8,\"properties\":{\"table.merge-engine\":"
         "\"first_row\"}",
         "it has 8 buckets, not 4"},
        {COL_A "," COL_B, "\"a\"", "\"partition_key\":[],\"bucket_key\":[\"a\"],\"bucket_count\":4,\"properties\":{}",
         "its property table.merge-engine is unset, not 'first_row'"},
        {"{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"}}," COL_A, "\"a\"", REST,
         "its column 1 is \"b\", not \"a\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kfb_table_desc_t *have = desc_of(cases[i].cols, cases[i].pk, cases[i].rest);
        char diff[512] = "";
        int d = kfb_table_create_differs(want, have, diff, sizeof diff);
        ASSERT_EQ_INT(d, cases[i].diff != NULL);
        if (cases[i].diff) ASSERT_STREQ(diff, cases[i].diff);
        kfb_table_desc_destroy(have);
    }
    /* keys */
    kfb_table_desc_t *w2 = desc_of(COL_A ",{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}}",
                                   "\"a\",\"b\"", "\"partition_key\":[],\"bucket_key\":[\"a\"],\"properties\":{}");
    kfb_table_desc_t *h2 = desc_of(COL_A ",{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}}",
                                   "\"a\",\"b\"", "\"partition_key\":[],\"bucket_key\":[\"b\"],\"properties\":{}");
    char diff[512];
    ASSERT_EQ_INT(kfb_table_create_differs(w2, h2, diff, sizeof diff), 1);
    ASSERT_STREQ(diff, "its bucket key is (b), not (a)");
    kfb_table_desc_destroy(h2);
    h2 = desc_of(COL_A ",{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}}", "\"b\",\"a\"",
                 "\"partition_key\":[],\"bucket_key\":[\"a\"],\"properties\":{}");
    ASSERT_EQ_INT(kfb_table_create_differs(w2, h2, diff, sizeof diff), 1);
    ASSERT_STREQ(diff, "its primary key is (b, a), not (a, b)");
    kfb_table_desc_destroy(h2);
    kfb_table_desc_destroy(w2);
    kfb_table_desc_destroy(want);
}
