/* test_avro_schema.c - Avro schema JSON -> tree: types, names, logical types,
 * degradation of invalid logical types, and rejections with their paths.
 * Expected facts are hand-derived from the Avro 1.11.1 specification
 * ("Schema Declaration", "Names", "Logical Types"); decimal precision limits
 * for fixed are from lang/java/avro LogicalTypes.Decimal.maxPrecision
 * (fixed(8) -> 18 digits, fixed(16) -> 38). */
#include "avro_schema.h"
#include "harness.h"

static kfb_avro_schema_t *ok(const char *json) {
    char err[512];
    kfb_avro_schema_t *s = NULL;
    kfb_err_t e = kfb_avro_schema_parse(json, strlen(json), &s, err, sizeof(err));
    if (e) fprintf(stderr, "  %s: %s\n", json, err);
    ASSERT_OK(e);
    ASSERT_TRUE(s != NULL);
    return s;
}

/* Parses json expecting a rejection whose message contains `needle`. */
static void bad(const char *json, const char *needle) {
    char err[512] = "untouched";
    kfb_avro_schema_t *s = (kfb_avro_schema_t *)1;
    kfb_err_t e = kfb_avro_schema_parse(json, strlen(json), &s, err, sizeof(err));
    if (e != KFB_ERR_AVRO_SCHEMA_INVALID) fprintf(stderr, "  accepted: %s\n", json);
    ASSERT_ERR(e, KFB_ERR_AVRO_SCHEMA_INVALID);
    ASSERT_TRUE(s == NULL);
    ASSERT_CONTAINS(err, needle);
}

TEST(primitives_by_name_and_object) {
    static const struct { const char *name; kfb_avro_type_t t; size_t min; } p[] = {
        {"null", KFB_AVRO_NULL, 0},     {"boolean", KFB_AVRO_BOOLEAN, 1},
        {"int", KFB_AVRO_INT, 1},       {"long", KFB_AVRO_LONG, 1},
        {"float", KFB_AVRO_FLOAT, 4},   {"double", KFB_AVRO_DOUBLE, 8},
        {"bytes", KFB_AVRO_BYTES, 1},   {"string", KFB_AVRO_STRING, 1},
    };
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
        char j[128];
        snprintf(j, sizeof(j), "\"%s\"", p[i].name);
        kfb_avro_schema_t *s = ok(j);
        ASSERT_EQ_INT(kfb_avro_schema_root(s)->type, p[i].t);
        ASSERT_EQ_INT(kfb_avro_schema_root(s)->min_size, p[i].min);
        ASSERT_STREQ(kfb_avro_type_name(p[i].t), p[i].name);
        kfb_avro_schema_destroy(s);
        snprintf(j, sizeof(j), "{\"type\": \"%s\", \"extra\": 1}", p[i].name);
        s = ok(j);
        ASSERT_EQ_INT(kfb_avro_schema_root(s)->type, p[i].t);
        ASSERT_EQ_INT(kfb_avro_schema_root(s)->logical, KFB_AVRO_LOGICAL_NONE);
        kfb_avro_schema_destroy(s);
    }
}

TEST(record_fields_defaults_aliases) {
    kfb_avro_schema_t *s = ok(
        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"aliases\":[\"Old\"],"
        "\"fields\":["
        " {\"name\":\"id\",\"type\":\"long\"},"
        " {\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null},"
        " {\"name\":\"qty\",\"type\":\"int\",\"default\":1,\"aliases\":[\"quantity\",\"n\"]},"
        " {\"name\":\"price\",\"type\":\"double\",\"default\":1.5,\"order\":\"descending\"}]}");
    const kfb_avro_node_t *r = kfb_avro_schema_root(s);
    ASSERT_EQ_INT(r->type, KFB_AVRO_RECORD);
    ASSERT_STREQ(r->name, "shop.Order");
    ASSERT_EQ_INT(r->n_aliases, 1);
    ASSERT_STREQ(r->aliases[0], "shop.Old");
    ASSERT_EQ_INT(r->n_fields, 4);
    ASSERT_EQ_INT(r->min_size, 1 + 1 + 1 + 8);
    ASSERT_EQ_INT(r->height, 2);
    const kfb_avro_field_t *f = kfb_avro_record_field(r, "qty");
    ASSERT_TRUE(f != NULL);
    ASSERT_EQ_INT(f->index, 2);
    ASSERT_STREQ(f->default_json, "1");
    ASSERT_EQ_INT(f->n_aliases, 2);
    ASSERT_TRUE(kfb_avro_record_field(r, "quantity") == f);
    ASSERT_TRUE(kfb_avro_record_field(r, "n") == f);
    ASSERT_TRUE(kfb_avro_record_field(r, "missing") == NULL);
    ASSERT_TRUE(kfb_avro_record_field(f->type, "qty") == NULL); /* not a record */
    ASSERT_TRUE(kfb_avro_record_field(r, "id")->default_json == NULL);
    ASSERT_STREQ(kfb_avro_record_field(r, "note")->default_json, "null");
    ASSERT_STREQ(kfb_avro_record_field(r, "price")->default_json, "1.5");
    const kfb_avro_node_t *note = kfb_avro_record_field(r, "note")->type;
    ASSERT_EQ_INT(note->type, KFB_AVRO_UNION);
    ASSERT_EQ_INT(note->null_branch, 0);
    ASSERT_EQ_INT(kfb_avro_nullable_inner(note)->type, KFB_AVRO_STRING);
    ASSERT_TRUE(kfb_avro_schema_find_named(s, "shop.Order") == r);
    ASSERT_TRUE(kfb_avro_schema_find_named(s, "Order") == NULL);
    ASSERT_CONTAINS(kfb_avro_schema_json(s), "\"name\":\"Order\"");
    kfb_avro_schema_destroy(s);
}

TEST(namespaces_and_references) {
    kfb_test_log_capture_start();
    /* Spec "Names": a.b.X defines namespace a.b for its children; Inner
     * inherits it; "Inner" and "a.b.Inner" resolve to the same type; x.Y with
     * an explicit dotted name ignores the enclosing namespace. */
    kfb_avro_schema_t *s = ok(
        "{\"type\":\"record\",\"name\":\"a.b.X\",\"namespace\":\"ignored\",\"fields\":["
        " {\"name\":\"i\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":[]}},"
        " {\"name\":\"j\",\"type\":\"Inner\"},"
        " {\"name\":\"k\",\"type\":\"a.b.Inner\"},"
        " {\"name\":\"l\",\"type\":{\"type\":\"fixed\",\"name\":\"x.Y\",\"size\":2}},"
        " {\"name\":\"m\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"\","
        "   \"symbols\":[\"A\"]}},"
        " {\"name\":\"n\",\"type\":\"E\"},"
        " {\"name\":\"o\",\"type\":{\"type\":\"x.Y\"}}]}");
    const kfb_avro_node_t *r = kfb_avro_schema_root(s);
    ASSERT_STREQ(r->name, "a.b.X");
    const kfb_avro_node_t *inner = r->fields[0].type;
    ASSERT_STREQ(inner->name, "a.b.Inner");
    ASSERT_TRUE(r->fields[1].type == inner);
    ASSERT_TRUE(r->fields[2].type == inner);
    ASSERT_STREQ(r->fields[3].type->name, "x.Y");
    ASSERT_EQ_INT(r->fields[3].type->fixed_size, 2);
    ASSERT_STREQ(r->fields[4].type->name, "E"); /* empty namespace: the null namespace */
    ASSERT_TRUE(r->fields[5].type == r->fields[4].type);
    ASSERT_TRUE(r->fields[6].type == r->fields[3].type);
    ASSERT_TRUE(kfb_avro_schema_find_named(s, "x.Y") == r->fields[3].type);
    ASSERT_EQ_INT(r->min_size, 2 + 1 + 1 + 2); /* l, m, n, o; empty records take 0 */
    kfb_avro_schema_destroy(s);
    /* "E" inside a.b resolved in the null namespace: Java accepts, avro-c does not */
    ASSERT_CONTAINS(kfb_test_log_captured(), "avro-c rejects it");
    kfb_test_log_capture_stop();
}

TEST(complex_types) {
    kfb_avro_schema_t *s = ok(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        " {\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"map\","
        "    \"values\":[\"string\",\"null\"]}}},"
        " {\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"S\",\"symbols\":[\"X\",\"Y\",\"Z\"],"
        "    \"default\":\"Y\"}},"
        " {\"name\":\"u\",\"type\":[\"int\",\"S\",{\"type\":\"fixed\",\"name\":\"F\",\"size\":0}]}]}");
    const kfb_avro_node_t *r = kfb_avro_schema_root(s);
    const kfb_avro_node_t *a = r->fields[0].type;
    ASSERT_EQ_INT(a->type, KFB_AVRO_ARRAY);
    ASSERT_EQ_INT(a->items->type, KFB_AVRO_MAP);
    ASSERT_EQ_INT(a->items->items->type, KFB_AVRO_UNION);
    ASSERT_EQ_INT(a->items->items->null_branch, 1);
    ASSERT_EQ_INT(kfb_avro_nullable_inner(a->items->items)->type, KFB_AVRO_STRING);
    ASSERT_EQ_INT(a->height, 3);
    ASSERT_EQ_INT(r->height, 4);
    const kfb_avro_node_t *e = r->fields[1].type;
    ASSERT_EQ_INT(e->n_symbols, 3);
    ASSERT_STREQ(e->symbols[2], "Z");
    const kfb_avro_node_t *u = r->fields[2].type;
    ASSERT_EQ_INT(u->n_branches, 3);
    ASSERT_EQ_INT(u->null_branch, -1);
    ASSERT_TRUE(u->branches[1] == e);
    ASSERT_TRUE(kfb_avro_nullable_inner(u) == NULL);
    ASSERT_EQ_INT(u->min_size, 1); /* index + the fixed(0) branch */
    kfb_avro_schema_destroy(s);
}

static const kfb_avro_node_t *root_of(kfb_avro_schema_t **s, const char *json) {
    *s = ok(json);
    return kfb_avro_schema_root(*s);
}

TEST(logical_types) {
    static const struct { const char *json; kfb_avro_logical_t lt; } v[] = {
        {"{\"type\":\"int\",\"logicalType\":\"date\"}", KFB_AVRO_LOGICAL_DATE},
        {"{\"type\":\"int\",\"logicalType\":\"time-millis\"}", KFB_AVRO_LOGICAL_TIME_MILLIS},
        {"{\"type\":\"long\",\"logicalType\":\"time-micros\"}", KFB_AVRO_LOGICAL_TIME_MICROS},
        {"{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", KFB_AVRO_LOGICAL_TIMESTAMP_MILLIS},
        {"{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}", KFB_AVRO_LOGICAL_TIMESTAMP_MICROS},
        {"{\"type\":\"long\",\"logicalType\":\"timestamp-nanos\"}", KFB_AVRO_LOGICAL_TIMESTAMP_NANOS},
        {"{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}",
         KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MILLIS},
        {"{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}",
         KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_MICROS},
        {"{\"type\":\"long\",\"logicalType\":\"local-timestamp-nanos\"}",
         KFB_AVRO_LOGICAL_LOCAL_TIMESTAMP_NANOS},
        {"{\"type\":\"string\",\"logicalType\":\"uuid\"}", KFB_AVRO_LOGICAL_UUID},
        {"{\"type\":\"fixed\",\"name\":\"U\",\"size\":16,\"logicalType\":\"uuid\"}",
         KFB_AVRO_LOGICAL_UUID},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        kfb_avro_schema_t *s;
        const kfb_avro_node_t *n = root_of(&s, v[i].json);
        ASSERT_EQ_INT(n->logical, v[i].lt);
        ASSERT_STREQ(n->logical_name, kfb_avro_logical_type_name(v[i].lt));
        kfb_avro_schema_destroy(s);
    }
    kfb_avro_schema_t *s;
    const kfb_avro_node_t *n =
        root_of(&s, "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}");
    ASSERT_EQ_INT(n->logical, KFB_AVRO_LOGICAL_DECIMAL);
    ASSERT_EQ_INT(n->precision, 10);
    ASSERT_EQ_INT(n->scale, 2);
    kfb_avro_schema_destroy(s);
    n = root_of(&s, "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":7}");
    ASSERT_EQ_INT(n->logical, KFB_AVRO_LOGICAL_DECIMAL);
    ASSERT_EQ_INT(n->scale, 0); /* scale defaults to 0 */
    kfb_avro_schema_destroy(s);
    /* fixed(8) holds 18 digits, fixed(16) 38 */
    n = root_of(&s, "{\"type\":\"fixed\",\"name\":\"D\",\"size\":8,\"logicalType\":\"decimal\","
                    "\"precision\":18,\"scale\":18}");
    ASSERT_EQ_INT(n->logical, KFB_AVRO_LOGICAL_DECIMAL);
    ASSERT_EQ_INT(n->precision, 18);
    kfb_avro_schema_destroy(s);
    n = root_of(&s, "{\"type\":\"fixed\",\"name\":\"D\",\"size\":16,\"logicalType\":\"decimal\","
                    "\"precision\":38,\"scale\":10}");
    ASSERT_EQ_INT(n->logical, KFB_AVRO_LOGICAL_DECIMAL);
    kfb_avro_schema_destroy(s);
}

TEST(invalid_logical_types_degrade_to_the_underlying_type) {
    static const struct { const char *json; kfb_avro_type_t t; const char *lname; } v[] = {
        /* scale > precision, precision 0, negative scale, no precision */
        {"{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":2,\"scale\":3}", KFB_AVRO_BYTES, "decimal"},
        {"{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":0}", KFB_AVRO_BYTES, "decimal"},
        {"{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,\"scale\":-1}", KFB_AVRO_BYTES, "decimal"},
        {"{\"type\":\"bytes\",\"logicalType\":\"decimal\"}", KFB_AVRO_BYTES, "decimal"},
        {"{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":\"5\"}", KFB_AVRO_BYTES, "decimal"},
        /* fixed(8) cannot hold 19 digits */
        {"{\"type\":\"fixed\",\"name\":\"D\",\"size\":8,\"logicalType\":\"decimal\",\"precision\":19}",
         KFB_AVRO_FIXED, "decimal"},
        /* wrong underlying types */
        {"{\"type\":\"string\",\"logicalType\":\"decimal\",\"precision\":5}", KFB_AVRO_STRING, "decimal"},
        {"{\"type\":\"long\",\"logicalType\":\"date\"}", KFB_AVRO_LONG, "date"},
        {"{\"type\":\"long\",\"logicalType\":\"time-millis\"}", KFB_AVRO_LONG, "time-millis"},
        {"{\"type\":\"int\",\"logicalType\":\"timestamp-millis\"}", KFB_AVRO_INT, "timestamp-millis"},
        {"{\"type\":\"bytes\",\"logicalType\":\"uuid\"}", KFB_AVRO_BYTES, "uuid"},
        {"{\"type\":\"fixed\",\"name\":\"U\",\"size\":15,\"logicalType\":\"uuid\"}", KFB_AVRO_FIXED, "uuid"},
        /* unknown logical types are ignored */
        {"{\"type\":\"string\",\"logicalType\":\"io.debezium.time.ZonedTimestamp\"}", KFB_AVRO_STRING,
         "io.debezium.time.ZonedTimestamp"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        kfb_avro_schema_t *s;
        const kfb_avro_node_t *n = root_of(&s, v[i].json);
        ASSERT_EQ_INT(n->type, v[i].t);
        ASSERT_EQ_INT(n->logical, KFB_AVRO_LOGICAL_NONE);
        ASSERT_STREQ(n->logical_name, v[i].lname);
        kfb_avro_schema_destroy(s);
    }
}

TEST(rejections_name_what_and_where) {
    bad("{\"type\":", "not valid JSON at line 1");
    bad("\"integer\"", "unknown type name \"integer\"");
    bad("{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"lines\",\"type\":"
        "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Line\",\"fields\":["
        "{\"name\":\"qty\",\"type\":\"integer\"}]}}}]}",
        "at Order.lines[].qty: unknown type name \"integer\"");
    bad("{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"after\",\"type\":"
        "[\"null\",{\"type\":\"map\"}]}]}",
        "at E.after[branch 1]: map needs \"values\"");
    bad("{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"next\",\"type\":"
        "[\"null\",\"Node\"]}]}",
        "recursive reference to \"Node\"");
    bad("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
        "{\"name\":\"a\",\"type\":\"long\"}]}",
        "two fields named \"a\"");
    bad("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
        "{\"type\":\"fixed\",\"name\":\"R\",\"size\":1}}]}",
        "the name \"R\" is defined twice");
    bad("{\"type\":\"record\",\"name\":\"1R\",\"fields\":[]}", "not a valid Avro name");
    bad("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a-b\",\"type\":\"int\"}]}",
        "valid Avro name");
    bad("{\"type\":\"record\",\"fields\":[]}", "needs a \"name\"");
    bad("{\"type\":\"record\",\"name\":\"R\"}", "needs \"fields\"");
    bad("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\"}]}", "has no \"type\"");
    bad("[\"null\",[\"int\"]]", "cannot directly contain another union");
    bad("[\"null\",\"int\",\"null\"]", "already has a branch of type null");
    bad("[{\"type\":\"array\",\"items\":\"int\"},{\"type\":\"array\",\"items\":\"long\"}]",
        "already has a branch of type array");
    bad("[]", "at least one branch");
    bad("{\"type\":\"fixed\",\"name\":\"F\"}", "needs \"size\"");
    bad("{\"type\":\"fixed\",\"name\":\"F\",\"size\":-1}", "non-negative");
    bad("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}", "symbol \"A\" twice");
    bad("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"],\"default\":\"B\"}",
        "default \"B\" is not one of its symbols");
    bad("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"b c\"]}", "symbol 1");
    bad("{\"type\":\"record\",\"name\":\"int\",\"fields\":[]}", "cannot be redefined");
    bad("{\"type\":{\"type\":\"int\"}}", "must be a type name string");
    bad("{\"logicalType\":\"date\"}", "no \"type\" attribute");
    bad("42", "not an integer");
    bad("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
        "\"aliases\":\"x\"}]}",
        "\"aliases\" must be an array");
    bad("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a..b\",\"fields\":[]}",
        "namespace \"a..b\"");
}

TEST(nesting_is_bounded) {
    /* arrays of arrays, one level past the limit, then exactly at it */
    char json[8192];
    for (int levels = KFB_AVRO_MAX_DEPTH + 1; levels >= KFB_AVRO_MAX_DEPTH; levels--) {
        size_t n = 0;
        for (int i = 0; i < levels; i++) n += (size_t)snprintf(json + n, sizeof(json) - n, "{\"type\":\"array\",\"items\":");
        n += (size_t)snprintf(json + n, sizeof(json) - n, "\"int\"");
        for (int i = 0; i < levels; i++) json[n++] = '}';
        json[n] = '\0';
        if (levels > KFB_AVRO_MAX_DEPTH) {
            bad(json, "nested more than");
        } else {
            kfb_avro_schema_t *s = ok(json);
            ASSERT_EQ_INT(kfb_avro_schema_root(s)->height, KFB_AVRO_MAX_DEPTH);
            kfb_avro_schema_destroy(s);
        }
    }
    /* references multiply depth without nesting the JSON: A0 <- A1 <- ... */
    size_t n = (size_t)snprintf(json, sizeof(json), "[{\"type\":\"record\",\"name\":\"A0\",\"fields\":[]}");
    for (int i = 1; i <= KFB_AVRO_MAX_DEPTH + 1; i++)
        n += (size_t)snprintf(json + n, sizeof(json) - n,
                              ",{\"type\":\"record\",\"name\":\"A%d\",\"fields\":[{\"name\":\"x\","
                              "\"type\":\"A%d\"}]}",
                              i, i - 1);
    snprintf(json + n, sizeof(json) - n, "]");
    bad(json, "nested more than");
}

TEST(errstr_optional_and_json_not_nul_terminated) {
    kfb_avro_schema_t *s = NULL;
    ASSERT_ERR(kfb_avro_schema_parse("\"nope\"", 6, &s, NULL, 0), KFB_ERR_AVRO_SCHEMA_INVALID);
    const char text[] = "\"long\"garbage";
    ASSERT_OK(kfb_avro_schema_parse(text, 6, &s, NULL, 0));
    ASSERT_EQ_INT(kfb_avro_schema_root(s)->type, KFB_AVRO_LONG);
    kfb_avro_schema_destroy(s);
    kfb_avro_schema_destroy(NULL);
    ASSERT_ERR(kfb_avro_schema_parse(NULL, 0, &s, NULL, 0), KFB_ERR_INVALID_ARG);
}
