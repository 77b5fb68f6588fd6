/* test_datatype.c - data type descriptors: JSON names, defaults, validation, names, copies.
 *
 * Expected names and limits restated from fluss-common/src/main/java/org/apache/fluss/types/
 * (DataTypeRoot enum constants; DecimalType "DECIMAL(%d, %d)", 1..38, scale <= precision;
 * TimestampType "TIMESTAMP(%d)" 0..9 default 6; LocalZonedTimestampType
 * "TIMESTAMP(%d) WITH LOCAL TIME ZONE"; TimeType "TIME(%d)" default 0; IntType "INT";
 * CharType/BinaryType "CHAR(%d)"/"BINARY(%d)" default 1; ArrayType "ARRAY<%s>", MapType
 * "MAP<%s, %s>", RowType "ROW<%s>" with DataField "`name` TYPE 'description'";
 * DataType.withNullability " NOT NULL") and fluss-protocol.md §5.3 (JSON "type" names,
 * DataTypeJsonSerdeTest vectors such as DECIMAL(15, 5) NOT NULL and CHAR(5)).
 */
#include <stdlib.h>

#include "datatype.h"
#include "harness.h"

static const char *fmt(const kfb_datatype_t *t) {
    static char s[256];
    size_t n = kfb_datatype_format(t, s, sizeof(s));
    ASSERT_EQ_INT(n, strlen(s));
    return s;
}

TEST(datatype_json_names_both_ways) {
    static const struct { kfb_type_root_t r; const char *name; } cases[] = {
        {KFB_TYPE_BOOLEAN, "BOOLEAN"}, {KFB_TYPE_TINYINT, "TINYINT"},
        {KFB_TYPE_SMALLINT, "SMALLINT"}, {KFB_TYPE_INTEGER, "INTEGER"},
        {KFB_TYPE_BIGINT, "BIGINT"}, {KFB_TYPE_FLOAT, "FLOAT"}, {KFB_TYPE_DOUBLE, "DOUBLE"},
        {KFB_TYPE_CHAR, "CHAR"}, {KFB_TYPE_STRING, "STRING"}, {KFB_TYPE_BINARY, "BINARY"},
        {KFB_TYPE_BYTES, "BYTES"}, {KFB_TYPE_DECIMAL, "DECIMAL"}, {KFB_TYPE_DATE, "DATE"},
        {KFB_TYPE_TIME_WITHOUT_TIME_ZONE, "TIME_WITHOUT_TIME_ZONE"},
        {KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, "TIMESTAMP_WITHOUT_TIME_ZONE"},
        {KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, "TIMESTAMP_WITH_LOCAL_TIME_ZONE"},
        {KFB_TYPE_ARRAY, "ARRAY"}, {KFB_TYPE_MAP, "MAP"}, {KFB_TYPE_ROW, "ROW"},
    };
    ASSERT_EQ_INT(sizeof(cases) / sizeof(cases[0]), KFB_TYPE__COUNT);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ASSERT_STREQ(kfb_type_root_json_name(cases[i].r), cases[i].name);
        kfb_type_root_t r;
        ASSERT_OK(kfb_type_root_from_json_name(cases[i].name, strlen(cases[i].name), &r));
        ASSERT_EQ_INT(r, cases[i].r);
    }
    kfb_type_root_t r = KFB_TYPE_ROW;
    /* Java spells it INTEGER; INT, VARCHAR, lower case and prefixes are not type roots */
    ASSERT_ERR(kfb_type_root_from_json_name("INT", 3, &r), KFB_ERR_NOT_FOUND);
    ASSERT_ERR(kfb_type_root_from_json_name("VARCHAR", 7, &r), KFB_ERR_NOT_FOUND);
    ASSERT_ERR(kfb_type_root_from_json_name("integer", 7, &r), KFB_ERR_NOT_FOUND);
    ASSERT_ERR(kfb_type_root_from_json_name("INTEGERS", 7, &r), KFB_ERR_OK); /* length-bounded */
    ASSERT_ERR(kfb_type_root_from_json_name("", 0, &r), KFB_ERR_NOT_FOUND);
    ASSERT_ERR(kfb_type_root_from_json_name(NULL, 0, &r), KFB_ERR_NOT_FOUND);
    ASSERT_TRUE(kfb_type_root_json_name(KFB_TYPE__COUNT) == NULL);
    ASSERT_TRUE(kfb_type_root_json_name((kfb_type_root_t)-1) == NULL);
}

TEST(datatype_defaults_and_names) {
    kfb_datatype_t t = kfb_datatype_make(KFB_TYPE_DECIMAL, true);
    ASSERT_STREQ(fmt(&t), "DECIMAL(10, 0)");
    t = kfb_datatype_decimal(20, 2, false);
    ASSERT_STREQ(fmt(&t), "DECIMAL(20, 2) NOT NULL");
    t = kfb_datatype_decimal(15, 5, false);
    ASSERT_STREQ(fmt(&t), "DECIMAL(15, 5) NOT NULL");
    t = kfb_datatype_make(KFB_TYPE_INTEGER, true);
    ASSERT_STREQ(fmt(&t), "INT");
    t = kfb_datatype_make(KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, true);
    ASSERT_EQ_INT(t.precision, 6);
    ASSERT_STREQ(fmt(&t), "TIMESTAMP(6)");
    t = kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, 3, true);
    ASSERT_STREQ(fmt(&t), "TIMESTAMP(3) WITH LOCAL TIME ZONE");
    t = kfb_datatype_make(KFB_TYPE_TIME_WITHOUT_TIME_ZONE, false);
    ASSERT_STREQ(fmt(&t), "TIME(0) NOT NULL");
    t = kfb_datatype_make(KFB_TYPE_CHAR, true);
    ASSERT_STREQ(fmt(&t), "CHAR(1)");
    t = kfb_datatype_sized(KFB_TYPE_CHAR, 5, true);
    ASSERT_STREQ(fmt(&t), "CHAR(5)");
    t = kfb_datatype_sized(KFB_TYPE_BINARY, 20, false);
    ASSERT_STREQ(fmt(&t), "BINARY(20) NOT NULL");
    static const char *const plain[] = {"BOOLEAN", "TINYINT", "SMALLINT", "BIGINT", "FLOAT",
                                        "DOUBLE", "STRING", "BYTES", "DATE"};
    static const kfb_type_root_t roots[] = {KFB_TYPE_BOOLEAN, KFB_TYPE_TINYINT, KFB_TYPE_SMALLINT,
                                            KFB_TYPE_BIGINT, KFB_TYPE_FLOAT, KFB_TYPE_DOUBLE,
                                            KFB_TYPE_STRING, KFB_TYPE_BYTES, KFB_TYPE_DATE};
    for (size_t i = 0; i < 9; i++) {
        t = kfb_datatype_make(roots[i], true);
        ASSERT_STREQ(fmt(&t), plain[i]);
    }
    /* snprintf semantics */
    char small[5];
    t = kfb_datatype_decimal(20, 2, false);
    ASSERT_EQ_INT(kfb_datatype_format(&t, small, sizeof(small)), 23);
    ASSERT_STREQ(small, "DECI");
    ASSERT_EQ_INT(kfb_datatype_format(&t, NULL, 0), 23);
}

static kfb_datatype_t *heap_scalar(kfb_type_root_t r, bool nullable) {
    kfb_datatype_t *t = malloc(sizeof(*t));
    *t = kfb_datatype_make(r, nullable);
    return t;
}

static kfb_datatype_t *build_row(void) {
    kfb_datafield_t *f = calloc(2, sizeof(*f));
    f[0].name = strdup("a`b");
    f[0].type = heap_scalar(KFB_TYPE_INTEGER, false);
    f[0].field_id = 0;
    f[1].name = strdup("m");
    f[1].description = strdup("it's");
    f[1].type = kfb_datatype_new_map(heap_scalar(KFB_TYPE_BIGINT, false),
                                     kfb_datatype_new_array(heap_scalar(KFB_TYPE_STRING, true), true),
                                     true);
    f[1].field_id = 1;
    return kfb_datatype_new_row(f, 2, false);
}

TEST(datatype_nested_names_clone_equals) {
    kfb_datatype_t *row = build_row();
    ASSERT_TRUE(row != NULL);
    ASSERT_STREQ(fmt(row), "ROW<`a``b` INT NOT NULL, `m` MAP<BIGINT NOT NULL, ARRAY<STRING>> 'it''s'> NOT NULL");
    ASSERT_OK(kfb_datatype_validate(row, NULL, 0));
    kfb_datatype_t *c = kfb_datatype_clone(row);
    ASSERT_TRUE(c != NULL && c != row);
    ASSERT_TRUE(kfb_datatype_equals(row, c));
    ASSERT_TRUE(c->fields[1].type != row->fields[1].type); /* deep */
    c->fields[1].type->value->element->nullable = false;
    ASSERT_FALSE(kfb_datatype_equals(row, c));
    /* copy into an embedded descriptor, then clear it */
    kfb_datatype_t emb;
    ASSERT_OK(kfb_datatype_copy(&emb, row));
    ASSERT_TRUE(kfb_datatype_equals(&emb, row));
    kfb_datatype_clear(&emb);
    ASSERT_EQ_INT(emb.field_count, 0);
    kfb_datatype_destroy(c);
    kfb_datatype_destroy(row);
    kfb_datatype_destroy(NULL);
    kfb_datatype_clear(NULL);
}

TEST(datatype_equals_scalars) {
    kfb_datatype_t a = kfb_datatype_decimal(10, 2, true), b = kfb_datatype_decimal(10, 2, true);
    ASSERT_TRUE(kfb_datatype_equals(&a, &b));
    b.scale = 3;
    ASSERT_FALSE(kfb_datatype_equals(&a, &b));
    b = a;
    b.nullable = false;
    ASSERT_FALSE(kfb_datatype_equals(&a, &b));
    ASSERT_FALSE(kfb_datatype_equals(&a, NULL));
}

TEST(datatype_validate_errors) {
    char err[256];
    kfb_datatype_t t = kfb_datatype_decimal(39, 0, true);
    ASSERT_ERR(kfb_datatype_validate(&t, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "precision 39");
    t = kfb_datatype_decimal(0, 0, true);
    ASSERT_ERR(kfb_datatype_validate(&t, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    t = kfb_datatype_decimal(5, 6, true);
    ASSERT_ERR(kfb_datatype_validate(&t, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "DECIMAL(5, 6)");
    t = kfb_datatype_decimal(38, 38, true);
    ASSERT_OK(kfb_datatype_validate(&t, err, sizeof(err)));
    t = kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, 10, true);
    ASSERT_ERR(kfb_datatype_validate(&t, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "TIMESTAMP_WITHOUT_TIME_ZONE precision 10");
    t = kfb_datatype_timed(KFB_TYPE_TIME_WITHOUT_TIME_ZONE, -1, true);
    ASSERT_ERR(kfb_datatype_validate(&t, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    t = kfb_datatype_sized(KFB_TYPE_CHAR, 0, true);
    ASSERT_ERR(kfb_datatype_validate(&t, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "CHAR length 0");
    t = kfb_datatype_make(KFB_TYPE_ARRAY, true); /* no element */
    ASSERT_ERR(kfb_datatype_validate(&t, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    t = kfb_datatype_make(KFB_TYPE_MAP, true);
    ASSERT_ERR(kfb_datatype_validate(&t, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    t.root = (kfb_type_root_t)99;
    ASSERT_ERR(kfb_datatype_validate(&t, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_datatype_validate(NULL, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    /* duplicate ROW field names; a bad nested type is reported too */
    kfb_datafield_t *f = calloc(2, sizeof(*f));
    f[0].name = strdup("x");
    f[0].type = heap_scalar(KFB_TYPE_INTEGER, true);
    f[1].name = strdup("x");
    f[1].type = heap_scalar(KFB_TYPE_INTEGER, true);
    kfb_datatype_t *row = kfb_datatype_new_row(f, 2, true);
    ASSERT_ERR(kfb_datatype_validate(row, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "\"x\" appears twice");
    free(row->fields[1].name);
    row->fields[1].name = strdup("y");
    row->fields[1].type->root = KFB_TYPE_DECIMAL;
    row->fields[1].type->precision = 50;
    ASSERT_ERR(kfb_datatype_validate(row, err, sizeof(err)), KFB_ERR_INVALID_ARG);
    ASSERT_CONTAINS(err, "precision 50");
    kfb_datatype_destroy(row);
}

TEST(datatype_compact_predicates) {
    kfb_datatype_t t = kfb_datatype_decimal(18, 0, true);
    ASSERT_TRUE(kfb_datatype_decimal_is_compact(&t));
    t.precision = 19;
    ASSERT_FALSE(kfb_datatype_decimal_is_compact(&t));
    t = kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, 3, true);
    ASSERT_TRUE(kfb_datatype_timestamp_is_compact(&t));
    t.precision = 4;
    ASSERT_FALSE(kfb_datatype_timestamp_is_compact(&t));
    ASSERT_TRUE(kfb_type_root_is_nested(KFB_TYPE_ROW));
    ASSERT_FALSE(kfb_type_root_is_nested(KFB_TYPE_STRING));
}
