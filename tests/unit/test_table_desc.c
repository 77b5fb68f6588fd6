/* test_table_desc.c - Fluss TableDescriptor JSON parsing.
 *
 * Vectors restated from apache/fluss fluss-common/src/test/java/org/apache/fluss/utils/json/
 * SchemaJsonSerdeTest.java (SCHEMA_JSON_0, SCHEMA_JSON_1, SCHEMA_JSON_4, SCHEMA_JSON_5,
 * SCHEMA_JSON_WITH_AGG, the id-less compatibility JSONs), TableDescriptorJsonSerdeTest.java
 * (both expected JSONs) and DataTypeJsonSerdeTest.java (every expected type JSON).
 * Normalisation rules (PK forced NOT NULL, bucket key defaulting, physical PK) are from
 * metadata/Schema.java normalizeColumns, metadata/TableDescriptor.java normalizeDistribution
 * and metadata/TableInfo.java generatePhysicalPrimaryKey.
 */
#include <unistd.h>

#include "harness.h"
#include "table_desc.h"

#define SCHEMA_JSON_0                                                                          \
    "{\"version\":1,\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\","        \
    "\"nullable\":false},\"comment\":\"a is first column\",\"id\":0},{\"name\":\"b\","         \
    "\"data_type\":{\"type\":\"STRING\"},\"comment\":\"b is second column\",\"id\":1},"        \
    "{\"name\":\"c\",\"data_type\":{\"type\":\"CHAR\",\"nullable\":false,\"length\":10},"      \
    "\"comment\":\"c is third column\",\"id\":2}],\"primary_key\":[\"a\",\"c\"],"              \
    "\"highest_field_id\":2}"

#define SCHEMA_JSON_1                                                                          \
    "{\"version\":1,\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\","        \
    "\"nullable\":false},\"id\":0},{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"},"       \
    "\"comment\":\"b is second column\",\"id\":1},{\"name\":\"c\",\"data_type\":{\"type\":"    \
    "\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":6},\"comment\":\"c is third column\","      \
    "\"id\":2}],\"primary_key\":[\"a\"],\"highest_field_id\":2}"

/* TableDescriptorJsonSerdeTest expectedJsons()[0] and [1] */
static const char *DESC_0 =
    "{\"version\":1,\"schema\":" SCHEMA_JSON_0
    ",\"comment\":\"first table\",\"partition_key\":[\"c\"],\"bucket_key\":[\"a\"],"
    "\"bucket_count\":16,\"properties\":{\"option-2\":\"200\",\"option-1\":\"100\"},"
    "\"custom_properties\":{\"custom-1\":\"\\\"value-1\\\"\"}}";
static const char *DESC_1 =
    "{\"version\":1,\"schema\":" SCHEMA_JSON_1
    ",\"partition_key\":[],\"bucket_key\":[\"a\"],\"bucket_count\":32,\"properties\":{"
    "\"option-3\":\"300\",\"option-4\":\"400\",\"table.log.format\":\"INDEXED\","
    "\"table.kv.format\":\"INDEXED\"},\"custom_properties\":{}}";

static kfb_table_desc_t *parse(const char *json, char *err, size_t errsz) {
    return kfb_table_desc_parse(json, strlen(json), err, errsz);
}

/* Wraps a schema's columns/primary key into a minimal descriptor. */
static kfb_table_desc_t *parse_with(const char *schema, const char *rest, char *err,
                                    size_t errsz) {
    char json[8192];
    snprintf(json, sizeof(json), "{\"version\":1,\"schema\":%s,%s}", schema, rest);
    return parse(json, err, errsz);
}

TEST(descriptor_0_partitioned_pk_table) {
    char err[512];
    kfb_table_desc_t *td = parse(DESC_0, err, sizeof(err));
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->column_count, 3);
    ASSERT_STREQ(td->columns[0].name, "a");
    ASSERT_STREQ(td->column_names[2], "c");
    ASSERT_EQ_INT(td->columns[0].type->root, KFB_TYPE_INTEGER);
    ASSERT_FALSE(td->columns[0].type->nullable);
    ASSERT_EQ_INT(td->columns[1].type->root, KFB_TYPE_STRING);
    ASSERT_TRUE(td->columns[1].type->nullable);
    ASSERT_EQ_INT(td->columns[2].type->root, KFB_TYPE_CHAR);
    ASSERT_EQ_INT(td->columns[2].type->length, 10);
    ASSERT_TRUE(td->columns[2].type == &td->column_types[2]);
    ASSERT_STREQ(td->columns[1].comment, "b is second column");
    ASSERT_EQ_INT(td->columns[2].id, 2);
    ASSERT_EQ_INT(td->highest_field_id, 2);
    ASSERT_STREQ(td->comment, "first table");
    /* PK (a, c), partitioned by c: physical PK = (a); bucket key (a) is the default */
    ASSERT_EQ_INT(td->primary_key_count, 2);
    ASSERT_EQ_INT(td->primary_key[0], 0);
    ASSERT_EQ_INT(td->primary_key[1], 2);
    ASSERT_EQ_INT(td->partition_key_count, 1);
    ASSERT_EQ_INT(td->partition_keys[0], 2);
    ASSERT_EQ_INT(td->physical_primary_key_count, 1);
    ASSERT_EQ_INT(td->physical_primary_key[0], 0);
    ASSERT_EQ_INT(td->bucket_key_count, 1);
    ASSERT_EQ_INT(td->bucket_keys[0], 0);
    ASSERT_TRUE(td->default_bucket_key);
    ASSERT_EQ_INT(td->bucket_count, 16);
    ASSERT_EQ_INT(td->property_count, 2);
    ASSERT_STREQ(kfb_table_desc_property(td, "option-1"), "100");
    ASSERT_STREQ(kfb_table_desc_property(td, "option-2"), "200");
    ASSERT_TRUE(kfb_table_desc_property(td, "option-3") == NULL);
    ASSERT_EQ_INT(td->custom_property_count, 1);
    ASSERT_STREQ(td->custom_properties[0].key, "custom-1");
    ASSERT_STREQ(td->custom_properties[0].value, "\"value-1\"");
    /* defaults when the properties are absent (§5.4) */
    ASSERT_EQ_INT(td->kv_format, KFB_KV_FORMAT_COMPACTED);
    ASSERT_EQ_INT(td->kv_format_version, 1);
    ASSERT_EQ_INT(td->datalake_format, KFB_DATALAKE_NONE);
    ASSERT_EQ_INT(td->merge_engine, KFB_MERGE_ENGINE_NONE);
    ASSERT_EQ_INT(td->delete_behavior, KFB_DELETE_ALLOW);
    ASSERT_FALSE(td->delete_behavior_explicit);
    ASSERT_EQ_INT(td->auto_increment_column, -1);
    kfb_table_desc_destroy(td);
}

TEST(descriptor_1_indexed_format_and_nullable_pk_forced_not_null) {
    char err[512];
    kfb_table_desc_t *td = parse(DESC_1, err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->kv_format, KFB_KV_FORMAT_INDEXED);
    ASSERT_EQ_INT(td->columns[2].type->root, KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE);
    ASSERT_EQ_INT(td->columns[2].type->precision, 6);
    ASSERT_EQ_INT(td->partition_key_count, 0);
    ASSERT_EQ_INT(td->bucket_count, 32);
    ASSERT_EQ_INT(td->physical_primary_key_count, 1);
    ASSERT_TRUE(td->default_bucket_key);
    kfb_table_desc_destroy(td);

    /* "a" declared nullable but in the PK: Schema.normalizeColumns makes it NOT NULL */
    td = parse_with("{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"BIGINT\"}},"
                    "{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
                    "\"partition_key\":[],\"properties\":{}", err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    ASSERT_FALSE(td->columns[0].type->nullable);
    ASSERT_TRUE(td->columns[1].type->nullable);
    /* no ids: assigned by position (Schema.Builder.fromColumns) */
    ASSERT_EQ_INT(td->columns[0].id, 0);
    ASSERT_EQ_INT(td->columns[1].id, 1);
    ASSERT_EQ_INT(td->highest_field_id, 1);
    /* no distribution: bucket keys = PK, bucket count unknown */
    ASSERT_EQ_INT(td->bucket_count, -1);
    ASSERT_EQ_INT(td->bucket_key_count, 1);
    ASSERT_EQ_INT(td->bucket_keys[0], 0);
    ASSERT_EQ_INT(td->custom_property_count, 0);
    kfb_table_desc_destroy(td);
}

TEST(datatype_json_vectors) {
    /* DataTypeJsonSerdeTest.expectedJsons(), with the facts each must produce */
    static const struct {
        const char *json;
        kfb_type_root_t root;
        int nullable, precision, scale, length;
    } cases[] = {
        {"{\"type\":\"BOOLEAN\"}", KFB_TYPE_BOOLEAN, 1, 0, 0, 0},
        {"{\"type\":\"BOOLEAN\",\"nullable\":false}", KFB_TYPE_BOOLEAN, 0, 0, 0, 0},
        {"{\"type\":\"TINYINT\"}", KFB_TYPE_TINYINT, 1, 0, 0, 0},
        {"{\"type\":\"SMALLINT\",\"nullable\":false}", KFB_TYPE_SMALLINT, 0, 0, 0, 0},
        {"{\"type\":\"INTEGER\"}", KFB_TYPE_INTEGER, 1, 0, 0, 0},
        {"{\"type\":\"BIGINT\",\"nullable\":false}", KFB_TYPE_BIGINT, 0, 0, 0, 0},
        {"{\"type\":\"FLOAT\"}", KFB_TYPE_FLOAT, 1, 0, 0, 0},
        {"{\"type\":\"DOUBLE\",\"nullable\":false}", KFB_TYPE_DOUBLE, 0, 0, 0, 0},
        {"{\"type\":\"DECIMAL\",\"precision\":10,\"scale\":0}", KFB_TYPE_DECIMAL, 1, 10, 0, 0},
        {"{\"type\":\"DECIMAL\",\"nullable\":false,\"precision\":15,\"scale\":5}", KFB_TYPE_DECIMAL, 0, 15, 5, 0},
        {"{\"type\":\"CHAR\",\"length\":1}", KFB_TYPE_CHAR, 1, 0, 0, 1},
        {"{\"type\":\"CHAR\",\"nullable\":false,\"length\":5}", KFB_TYPE_CHAR, 0, 0, 0, 5},
        {"{\"type\":\"STRING\"}", KFB_TYPE_STRING, 1, 0, 0, 0},
        {"{\"type\":\"BINARY\",\"length\":100}", KFB_TYPE_BINARY, 1, 0, 0, 100},
        {"{\"type\":\"BYTES\",\"nullable\":false}", KFB_TYPE_BYTES, 0, 0, 0, 0},
        {"{\"type\":\"DATE\"}", KFB_TYPE_DATE, 1, 0, 0, 0},
        {"{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":0}", KFB_TYPE_TIME_WITHOUT_TIME_ZONE, 1, 0, 0, 0},
        {"{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"nullable\":false,\"precision\":3}", KFB_TYPE_TIME_WITHOUT_TIME_ZONE, 0, 3, 0, 0},
        {"{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":6}", KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, 1, 6, 0, 0},
        {"{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"nullable\":false,\"precision\":3}", KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, 0, 3, 0, 0},
        {"{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3}", KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, 1, 3, 0, 0},
        {"{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"nullable\":false,\"precision\":6}", KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, 0, 6, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char schema[1024], err[512];
        snprintf(schema, sizeof(schema),
                 "{\"columns\":[{\"name\":\"x\",\"data_type\":%s}]}", cases[i].json);
        kfb_table_desc_t *td = parse_with(schema, "\"partition_key\":[],\"properties\":{}", err,
                                          sizeof(err));
        if (!td) fprintf(stderr, "case %zu: %s\n", i, err);
        ASSERT_TRUE(td != NULL);
        const kfb_datatype_t *t = td->columns[0].type;
        ASSERT_EQ_INT(t->root, cases[i].root);
        ASSERT_EQ_INT(t->nullable, cases[i].nullable);
        if (cases[i].root == KFB_TYPE_DECIMAL || cases[i].root >= KFB_TYPE_TIME_WITHOUT_TIME_ZONE)
            ASSERT_EQ_INT(t->precision, cases[i].precision);
        ASSERT_EQ_INT(t->scale, cases[i].scale);
        if (cases[i].length) ASSERT_EQ_INT(t->length, cases[i].length);
        kfb_table_desc_destroy(td);
    }
}

TEST(datatype_json_nested_vectors) {
    char err[512];
    /* ARRAY, MAP and ROW expected JSONs of DataTypeJsonSerdeTest (ROW field_id -1 included) */
    kfb_table_desc_t *td = parse_with(
        "{\"columns\":["
        "{\"name\":\"arr\",\"data_type\":{\"type\":\"ARRAY\",\"nullable\":false,\"element_type\":{\"type\":\"INTEGER\",\"nullable\":false}}},"
        "{\"name\":\"m\",\"data_type\":{\"type\":\"MAP\",\"key_type\":{\"type\":\"BIGINT\",\"nullable\":false},\"value_type\":{\"type\":\"INTEGER\",\"nullable\":false}}},"
        "{\"name\":\"r\",\"data_type\":{\"type\":\"ROW\",\"fields\":[{\"name\":\"f0\",\"field_type\":{\"type\":\"BIGINT\"},\"field_id\":-1},{\"name\":\"f1\",\"field_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"field_id\":1},{\"name\":\"f2\",\"field_type\":{\"type\":\"STRING\"},\"field_id\":2}]}}"
        "]}",
        "\"partition_key\":[],\"properties\":{}", err, sizeof(err));
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    const kfb_datatype_t *a = td->columns[0].type;
    ASSERT_EQ_INT(a->root, KFB_TYPE_ARRAY);
    ASSERT_FALSE(a->nullable);
    ASSERT_EQ_INT(a->element->root, KFB_TYPE_INTEGER);
    ASSERT_FALSE(a->element->nullable);
    const kfb_datatype_t *m = td->columns[1].type;
    ASSERT_EQ_INT(m->root, KFB_TYPE_MAP);
    ASSERT_EQ_INT(m->key->root, KFB_TYPE_BIGINT);
    ASSERT_EQ_INT(m->value->root, KFB_TYPE_INTEGER);
    const kfb_datatype_t *r = td->columns[2].type;
    ASSERT_EQ_INT(r->root, KFB_TYPE_ROW);
    ASSERT_EQ_INT(r->field_count, 3);
    ASSERT_STREQ(r->fields[0].name, "f0");
    ASSERT_EQ_INT(r->fields[0].field_id, -1);
    ASSERT_EQ_INT(r->fields[1].field_id, 1);
    ASSERT_EQ_INT(r->fields[1].type->root, KFB_TYPE_INTEGER);
    ASSERT_FALSE(r->fields[1].type->nullable);
    ASSERT_EQ_INT(r->fields[2].type->root, KFB_TYPE_STRING);
    kfb_table_desc_destroy(td);
}

TEST(schema_json_4_auto_increment_and_agg_functions) {
    char err[512];
    /* SCHEMA_JSON_4 */
    kfb_table_desc_t *td = parse_with(
        "{\"version\":1,\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"comment\":\"a is first column\",\"id\":0},{\"name\":\"b\",\"data_type\":{\"type\":\"INTEGER\"},\"comment\":\"b is second column\",\"id\":1},{\"name\":\"c\",\"data_type\":{\"type\":\"CHAR\",\"nullable\":false,\"length\":10},\"comment\":\"c is third column\",\"id\":2}],\"primary_key\":[\"a\",\"c\"],\"auto_increment_column\":[\"b\"],\"highest_field_id\":2}",
        "\"partition_key\":[],\"properties\":{}", err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->auto_increment_column, 1);
    kfb_table_desc_destroy(td);
    /* SCHEMA_JSON_WITH_AGG (first three columns) */
    td = parse_with(
        "{\"version\":1,\"columns\":[{\"name\":\"product_id\",\"data_type\":{\"type\":\"BIGINT\",\"nullable\":false},\"id\":0},{\"name\":\"total_sales\",\"data_type\":{\"type\":\"BIGINT\"},\"agg_function\":{\"type\":\"sum\"},\"id\":1},{\"name\":\"tags\",\"data_type\":{\"type\":\"STRING\"},\"agg_function\":{\"type\":\"listagg\",\"parameters\":{\"delimiter\":\";\"}},\"id\":4}],\"primary_key\":[\"product_id\"],\"highest_field_id\":6}",
        "\"partition_key\":[],\"properties\":{\"table.merge-engine\":\"aggregation\"}", err,
        sizeof(err));
    ASSERT_TRUE(td != NULL);
    ASSERT_TRUE(td->columns[0].agg_function == NULL);
    ASSERT_STREQ(td->columns[1].agg_function, "sum");
    ASSERT_STREQ(td->columns[2].agg_function, "listagg");
    ASSERT_EQ_INT(td->columns[2].id, 4);
    ASSERT_EQ_INT(td->highest_field_id, 6);
    ASSERT_EQ_INT(td->merge_engine, KFB_MERGE_ENGINE_AGGREGATION);
    /* merge engine without table.delete.behavior: IGNORE as the coordinator injects */
    ASSERT_EQ_INT(td->delete_behavior, KFB_DELETE_IGNORE);
    ASSERT_FALSE(td->delete_behavior_explicit);
    kfb_table_desc_destroy(td);
}

TEST(bucket_key_subset_of_pk_not_default) {
    char err[512];
    /* §7.2 example: PK (k0 STRING, k1 INT), bucket key (k1) */
    kfb_table_desc_t *td = parse_with(
        "{\"columns\":[{\"name\":\"k0\",\"data_type\":{\"type\":\"STRING\"}},"
        "{\"name\":\"k1\",\"data_type\":{\"type\":\"INTEGER\"}},"
        "{\"name\":\"v\",\"data_type\":{\"type\":\"DOUBLE\"}}],\"primary_key\":[\"k0\",\"k1\"]}",
        "\"partition_key\":[],\"bucket_key\":[\"k1\"],\"bucket_count\":4,\"properties\":{"
        "\"table.kv.format-version\":\"2\",\"table.datalake.format\":\"PAIMON\","
        "\"table.merge-engine\":\"First_Row\",\"table.delete.behavior\":\"disable\","
        "\"table.datalake.enabled\":\"true\"}",
        err, sizeof(err));
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->bucket_key_count, 1);
    ASSERT_EQ_INT(td->bucket_keys[0], 1);
    ASSERT_FALSE(td->default_bucket_key);
    ASSERT_EQ_INT(td->kv_format_version, 2);
    /* enum values are case-insensitive (ConfigurationUtils.convertToEnum) */
    ASSERT_EQ_INT(td->datalake_format, KFB_DATALAKE_PAIMON);
    ASSERT_TRUE(td->datalake_enabled);
    ASSERT_EQ_INT(td->merge_engine, KFB_MERGE_ENGINE_FIRST_ROW);
    ASSERT_EQ_INT(td->delete_behavior, KFB_DELETE_DISABLE);
    ASSERT_TRUE(td->delete_behavior_explicit);
    ASSERT_STREQ(kfb_datalake_format_name(td->datalake_format), "paimon");
    ASSERT_STREQ(kfb_merge_engine_name(td->merge_engine), "first_row");
    ASSERT_STREQ(kfb_delete_behavior_name(td->delete_behavior), "DISABLE");
    ASSERT_EQ_INT(kfb_table_desc_column_index(td, "v"), 2);
    ASSERT_EQ_INT(kfb_table_desc_column_index(td, "V"), -1);
    kfb_table_desc_destroy(td);
}

TEST(log_table_without_primary_key) {
    char err[512];
    kfb_table_desc_t *td = parse_with(
        "{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"BIGINT\"}}]}",
        "\"partition_key\":[],\"bucket_key\":[],\"bucket_count\":3,\"properties\":{}", err,
        sizeof(err));
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->primary_key_count, 0);
    ASSERT_TRUE(td->primary_key == NULL);
    ASSERT_EQ_INT(td->bucket_key_count, 0);
    ASSERT_EQ_INT(td->bucket_count, 3);
    kfb_table_desc_destroy(td);
}

/* Each bad descriptor must fail with a message containing the JSON path and a hint. */
TEST(errors_name_the_json_path) {
    static const struct {
        const char *schema, *rest, *want1, *want2;
    } cases[] = {
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"INT\"}}]}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.columns[0].data_type.type", "INT"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":39,\"scale\":0}}]}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.columns[0].data_type.precision", "39"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":5,\"scale\":6}}]}",
         "\"partition_key\":[],\"properties\":{}", "data_type.scale", "larger than the precision"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":5}}]}",
         "\"partition_key\":[],\"properties\":{}", "data_type.scale", "missing"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"CHAR\",\"length\":0}}]}",
         "\"partition_key\":[],\"properties\":{}", "data_type.length", "0"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":10}}]}",
         "\"partition_key\":[],\"properties\":{}", "data_type.precision", "0..9"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"ARRAY\"}}]}",
         "\"partition_key\":[],\"properties\":{}", "data_type.element_type", "data type object"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\",\"nullable\":\"no\"}}]}",
         "\"partition_key\":[],\"properties\":{}", "data_type.nullable", "true or false"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}]}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.columns[1].name", "unique"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"},\"id\":0},{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"}}]}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.columns", "with and without"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"},\"id\":3},{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"},\"id\":3}]}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.columns[1]", "already used"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"},\"id\":3}],\"highest_field_id\":2}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.highest_field_id", "below"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"z\"]}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.primary_key[0]", "\"z\""},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[]}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.primary_key", "empty"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"ARRAY\",\"element_type\":{\"type\":\"INTEGER\"}}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.primary_key[0]", "ARRAY, MAP or ROW"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[\"b\"],\"properties\":{}", "$.partition_key[0]", "not in the primary key"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[\"a\"],\"properties\":{}", "$.schema.primary_key", "same as the partition keys"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[],\"bucket_key\":[\"b\"],\"properties\":{}", "$.bucket_key[0]", "subset of the primary key"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\",\"b\"]}",
         "\"partition_key\":[\"b\"],\"bucket_key\":[\"b\"],\"properties\":{}", "$.bucket_key[0]", "partition key"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[],\"bucket_count\":0,\"properties\":{}", "$.bucket_count", "range"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"properties\":{}", "$.partition_key", "missing"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[]", "$.properties", "missing"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[],\"properties\":{\"table.kv.format\":\"ROWS\"}",
         "$.properties[\"table.kv.format\"]", "COMPACTED, INDEXED"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[],\"properties\":{\"table.kv.format-version\":\"two\"}",
         "table.kv.format-version", "positive integer"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[],\"properties\":{\"table.delete.behavior\":\"maybe\"}",
         "table.delete.behavior", "ALLOW, IGNORE, DISABLE"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"]}",
         "\"partition_key\":[],\"properties\":{\"x\":[1]}", "$.properties.x", "string"},
        {"{\"columns\":[]}", "\"partition_key\":[],\"properties\":{}", "$.schema.columns", "at least one"},
        {"{\"columns\":[{\"name\":\"r\",\"data_type\":{\"type\":\"ROW\",\"fields\":[{\"name\":\"x\",\"field_type\":{\"type\":\"INTEGER\"}},{\"name\":\"x\",\"field_type\":{\"type\":\"INTEGER\"}}]}}]}",
         "\"partition_key\":[],\"properties\":{}", "$.schema.columns[0].data_type.fields[1]", "repeats"},
        {"{\"columns\":[{\"name\":\"a\",\"data_type\":{\"type\":\"STRING\"}},{\"name\":\"b\",\"data_type\":{\"type\":\"STRING\"}}],\"primary_key\":[\"a\"],\"auto_increment_column\":[\"b\"]}",
         "\"partition_key\":[],\"properties\":{}", "auto_increment_column", "INTEGER or BIGINT"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[512] = "";
        kfb_table_desc_t *td = parse_with(cases[i].schema, cases[i].rest, err, sizeof(err));
        if (td) fprintf(stderr, "case %zu parsed but must fail\n", i);
        ASSERT_TRUE(td == NULL);
        if (!strstr(err, cases[i].want1) || !strstr(err, cases[i].want2))
            fprintf(stderr, "case %zu: %s\n", i, err);
        ASSERT_CONTAINS(err, cases[i].want1);
        ASSERT_CONTAINS(err, cases[i].want2);
    }
}

TEST(errors_malformed_json_and_top_level) {
    char err[512];
    ASSERT_TRUE(parse("{\"version\":1,", err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "not valid JSON");
    ASSERT_TRUE(parse("[1]", err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "must be a JSON object");
    ASSERT_TRUE(parse("{\"version\":2,\"schema\":{}}", err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "$.version");
    ASSERT_TRUE(parse("{\"version\":1}", err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "$.schema");
    /* duplicate keys are refused rather than silently taking one */
    ASSERT_TRUE(parse("{\"version\":1,\"version\":1}", err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "duplicate");
    /* the length bounds the input: a valid prefix followed by junk past len is ignored */
    char buf[4096];
    snprintf(buf, sizeof(buf), "%sGARBAGE", DESC_0);
    kfb_table_desc_t *td = kfb_table_desc_parse(buf, strlen(DESC_0), err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    kfb_table_desc_destroy(td);
    /* a tiny errstr is truncated, never overflowed */
    char tiny[8];
    memset(tiny, 'x', sizeof(tiny));
    ASSERT_TRUE(parse("nope", tiny, sizeof(tiny)) == NULL);
    ASSERT_EQ_INT(strlen(tiny), 7);
    kfb_table_desc_destroy(NULL);
}

TEST(load_file_errors_name_the_file) {
    char err[512];
    ASSERT_TRUE(kfb_table_desc_load_file("/nonexistent/table.json", err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, "/nonexistent/table.json");
    char path[] = "/tmp/kfb_td_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_TRUE(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(DESC_1, f);
    fclose(f);
    kfb_table_desc_t *td = kfb_table_desc_load_file(path, err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    ASSERT_EQ_INT(td->bucket_count, 32);
    kfb_table_desc_destroy(td);
    f = fopen(path, "w");
    fputs("{\"version\":1,\"schema\":{\"columns\":[{\"name\":\"a\"}]}}", f);
    fclose(f);
    ASSERT_TRUE(kfb_table_desc_load_file(path, err, sizeof(err)) == NULL);
    ASSERT_CONTAINS(err, path);
    ASSERT_CONTAINS(err, "$.schema.columns[0].data_type");
    unlink(path);
}
