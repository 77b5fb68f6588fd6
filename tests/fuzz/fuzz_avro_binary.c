/* fuzz_avro_binary.c - arbitrary bytes read against a few fixed schemas, two
 * ways: kfb_avro_skip (jumps over sized blocks) and a strict walk that reads
 * every value with the inline readers and checks declared block sizes. Neither
 * may read out of bounds; whenever the strict walk accepts, skip must accept
 * too and stop at the same byte. Strings also go through the UTF-8 check. */
#include <stdlib.h>
#include <string.h>

#include "avro_binary.h"

static const char *const schemas[] = {
    /* Debezium-shaped envelope */
    "{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":\"db.t\",\"fields\":["
    "{\"name\":\"before\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Value\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"name\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"amount\",\"type\":[\"null\",{\"type\":\"bytes\",\"logicalType\":\"decimal\","
    "\"precision\":10,\"scale\":2}]},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}}]}]},"
    "{\"name\":\"after\",\"type\":[\"null\",\"Value\"]},"
    "{\"name\":\"source\",\"type\":{\"type\":\"record\",\"name\":\"Source\",\"fields\":["
    "{\"name\":\"db\",\"type\":\"string\"},{\"name\":\"lsn\",\"type\":[\"null\",\"long\"]}]}},"
    "{\"name\":\"op\",\"type\":\"string\"},{\"name\":\"ts_ms\",\"type\":[\"null\",\"long\"]}]}",
    /* every kind of type */
    "{\"type\":\"record\",\"name\":\"All\",\"fields\":["
    "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"i\",\"type\":\"int\"},"
    "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}},"
    "{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"long\",\"E\"]}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"F\"}}},"
    "{\"name\":\"n\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
    "{\"name\":\"u\",\"type\":[\"string\",\"null\",\"bytes\",\"double\"]}]}",
    /* nested containers */
    "{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":\"string\"}}}",
    "[\"null\",\"string\"]",
};
#define N_SCHEMAS (sizeof(schemas) / sizeof(schemas[0]))

static kfb_err_t walk(kfb_avro_cursor_t *c, const kfb_avro_node_t *t) {
    kfb_err_t err;
    switch (t->type) {
    case KFB_AVRO_NULL: return KFB_ERR_OK;
    case KFB_AVRO_BOOLEAN: { bool b; return kfb_avro_read_boolean(c, &b); }
    case KFB_AVRO_INT: { int32_t v; return kfb_avro_read_int(c, &v); }
    case KFB_AVRO_LONG: { int64_t v; return kfb_avro_read_long(c, &v); }
    case KFB_AVRO_FLOAT: { float v; return kfb_avro_read_float(c, &v); }
    case KFB_AVRO_DOUBLE: { double v; return kfb_avro_read_double(c, &v); }
    case KFB_AVRO_BYTES: { const uint8_t *p; size_t n; return kfb_avro_read_bytes(c, &p, &n); }
    case KFB_AVRO_STRING: {
        const char *p;
        size_t n;
        if ((err = kfb_avro_read_string(c, &p, &n))) return err;
        if (kfb_avro_utf8_check((const uint8_t *)p, n) > n) abort();
        return KFB_ERR_OK;
    }
    case KFB_AVRO_FIXED: { const uint8_t *p; return kfb_avro_read_fixed(c, t->fixed_size, &p); }
    case KFB_AVRO_ENUM: {
        uint32_t i;
        if ((err = kfb_avro_read_enum(c, t->n_symbols, &i))) return err;
        if (i >= t->n_symbols) abort();
        return KFB_ERR_OK;
    }
    case KFB_AVRO_UNION: {
        uint32_t i;
        if ((err = kfb_avro_read_union_index(c, t->n_branches, &i))) return err;
        if (i >= t->n_branches) abort();
        return walk(c, t->branches[i]);
    }
    case KFB_AVRO_RECORD:
        for (size_t i = 0; i < t->n_fields; i++)
            if ((err = walk(c, t->fields[i].type))) return err;
        return KFB_ERR_OK;
    case KFB_AVRO_ARRAY:
    case KFB_AVRO_MAP: {
        size_t min = t->items->min_size + (t->type == KFB_AVRO_MAP);
        for (;;) {
            uint64_t count;
            int64_t size;
            if ((err = kfb_avro_read_block(c, min, &count, &size))) return err;
            if (count == 0) return KFB_ERR_OK;
            const uint8_t *start = c->p;
            for (uint64_t k = 0; k < count; k++) {
                if (t->type == KFB_AVRO_MAP) {
                    const char *key;
                    size_t n;
                    if ((err = kfb_avro_read_string(c, &key, &n))) return err;
                }
                if ((err = walk(c, t->items))) return err;
            }
            if (size >= 0 && c->p != start + size) return KFB_ERR_CORRUPT;
        }
    }
    }
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static kfb_avro_schema_t *parsed[N_SCHEMAS];
    if (!parsed[0]) {
        for (size_t i = 0; i < N_SCHEMAS; i++)
            if (kfb_avro_schema_parse(schemas[i], strlen(schemas[i]), &parsed[i], NULL, 0)) abort();
    }
    for (size_t i = 0; i < N_SCHEMAS; i++) {
        const kfb_avro_node_t *root = kfb_avro_schema_root(parsed[i]);
        kfb_avro_cursor_t a, b;
        kfb_avro_cursor_init(&a, data, size);
        kfb_avro_cursor_init(&b, data, size);
        kfb_err_t es = kfb_avro_skip(&a, root);
        kfb_err_t ew = walk(&b, root);
        if (a.p > a.end || b.p > b.end || a.p < data || b.p < data) abort();
        if (ew == KFB_ERR_OK && (es != KFB_ERR_OK || a.p != b.p)) abort();
        size_t off;
        kfb_err_t ev = kfb_avro_validate_datum(data, size, root, &off);
        if (ev == KFB_ERR_OK && (es != KFB_ERR_OK || off != size)) abort();
    }
    if (kfb_avro_utf8_check(data, size) > size) abort();
    return 0;
}
