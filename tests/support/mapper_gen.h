/* mapper_gen.h - random Avro records for the mapper tests that compare two ways of mapping
 * the same messages (test_mapper_fused.c: fused vs general path; test_mapper_batch.c:
 * kfb_mapper_map_batch vs message by message). Header-only (static inline), so each test
 * binary gets its own copy of the generator state-free helpers. */
#ifndef KFB_TEST_MAPPER_GEN_H
#define KFB_TEST_MAPPER_GEN_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "mapper.h"

/* Columns in field order, so the plan is eligible for the fused path; every kind of fused
 * op and most general conversions (F_GENERIC) appear. */
static const char *TABLE =
    "{\"version\":1,\"schema\":{\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
    "{\"name\":\"s\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},"
    "{\"name\":\"miss\",\"data_type\":{\"type\":\"INTEGER\"}},"
    "{\"name\":\"i8\",\"data_type\":{\"type\":\"TINYINT\"}},"
    "{\"name\":\"i16\",\"data_type\":{\"type\":\"SMALLINT\"}},"
    "{\"name\":\"i64\",\"data_type\":{\"type\":\"BIGINT\"}},"
    "{\"name\":\"l\",\"data_type\":{\"type\":\"BIGINT\"}},"
    "{\"name\":\"l32\",\"data_type\":{\"type\":\"INTEGER\"}},"
    "{\"name\":\"f\",\"data_type\":{\"type\":\"FLOAT\"}},"
    "{\"name\":\"fd\",\"data_type\":{\"type\":\"DOUBLE\"}},"
    "{\"name\":\"d\",\"data_type\":{\"type\":\"DOUBLE\",\"nullable\":false}},"
    "{\"name\":\"b\",\"data_type\":{\"type\":\"BOOLEAN\"}},"
    "{\"name\":\"ns\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"nn\",\"data_type\":{\"type\":\"BIGINT\",\"nullable\":false}},"
    "{\"name\":\"e\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"by\",\"data_type\":{\"type\":\"BYTES\"}},"
    "{\"name\":\"fx\",\"data_type\":{\"type\":\"BINARY\",\"length\":2}},"
    "{\"name\":\"dec\",\"data_type\":{\"type\":\"DECIMAL\",\"precision\":5,\"scale\":2}},"
    "{\"name\":\"dt\",\"data_type\":{\"type\":\"DATE\"}},"
    "{\"name\":\"tm\",\"data_type\":{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":3}},"
    "{\"name\":\"tmu\",\"data_type\":{\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":3}},"
    "{\"name\":\"tsl\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3}},"
    "{\"name\":\"tsu\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":6}},"
    "{\"name\":\"lts\",\"data_type\":{\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":3}},"
    "{\"name\":\"ns2\",\"data_type\":{\"type\":\"STRING\"}}],"
    "\"primary_key\":[\"id\",\"s\",\"d\"]},"
    "\"partition_key\":[],\"bucket_count\":7,\"properties\":{}}";

static const char *SCHEMA =
    "{\"type\":\"record\",\"name\":\"F\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"i8\",\"type\":\"int\"},{\"name\":\"i16\",\"type\":\"int\"},"
    "{\"name\":\"i64\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},"
    "{\"name\":\"l32\",\"type\":\"long\"},{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"fd\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"junk\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"ns\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"nn\",\"type\":[\"null\",\"long\"]},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"C\",\"symbols\":[\"RED\",\"GREEN\"]}},"
    "{\"name\":\"by\",\"type\":\"bytes\"},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"Two\",\"size\":2}},"
    "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4,\"scale\":2}},"
    "{\"name\":\"dt\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
    "{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
    "{\"name\":\"tmu\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}},"
    "{\"name\":\"tsl\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"tsu\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
    "{\"name\":\"lts\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}},"
    "{\"name\":\"ns2\",\"type\":[\"string\",\"null\"]}]}";

/* ---- an Avro binary writer for the inputs (zigzag varints, LE floats) ---- */
typedef struct out {
    uint8_t b[1024];
    size_t n;
} out_t;

static inline void put_long(out_t *o, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (u >= 0x80) {
        o->b[o->n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    o->b[o->n++] = (uint8_t)u;
}
static inline void put_raw(out_t *o, const void *p, size_t n) {
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static inline void put_bytes(out_t *o, const void *p, size_t n) {
    put_long(o, (int64_t)n);
    put_raw(o, p, n);
}

static inline uint64_t rnd(uint64_t n) { return kfb_test_rand() % n; }

/* Mostly small values, sometimes boundaries. */
static inline int64_t rnd_long(void) {
    switch (rnd(8)) {
    case 0: return INT64_MIN;
    case 1: return INT64_MAX;
    case 2: return -(int64_t)rnd(1000);
    case 3: return (int64_t)(kfb_test_rand() >> rnd(64));
    case 4: return -(int64_t)(kfb_test_rand() >> (1 + rnd(63)));
    default: return (int64_t)rnd(300);
    }
}
static inline int32_t rnd_int(void) {
    switch (rnd(6)) {
    case 0: return INT32_MIN;
    case 1: return INT32_MAX;
    case 2: return -(int32_t)rnd(70000);
    default: return (int32_t)rnd(70000);
    }
}
static inline void put_str_rnd(out_t *o) {
    static const char *const pool[] = {"", "a", "bob", "exactly8", "sixteen-chars-xx",
                                       "a longer string over 16 bytes", "h\xc3\xa9llo",
                                       "bad\xff", "\xc0\xaf", "tail\xe2\x82",
                                       "twelve\xc3\xa9" "bytes", "fourteen-byte\xff",
                                       "ninebyte\x80", "\xe2\x82\xac-seven"};
    const char *s = pool[rnd(sizeof pool / sizeof pool[0])];
    put_bytes(o, s, strlen(s));
}

static inline void gen(out_t *o) {
    o->n = 0;
    uint8_t hdr[5] = {0, 0, 0, 0, 1};
    put_raw(o, hdr, 5);
    put_long(o, rnd_int());                          /* id */
    put_str_rnd(o);                                  /* s */
    put_long(o, rnd(4) ? (int64_t)rnd(256) - 128 : rnd_int()); /* i8 */
    put_long(o, rnd(4) ? (int64_t)rnd(65536) - 32768 : rnd_int()); /* i16 */
    put_long(o, rnd_int());                          /* i64 */
    put_long(o, rnd_long());                         /* l */
    put_long(o, rnd(3) ? rnd_int() : rnd_long());    /* l32 */
    float f = rnd(10) ? (float)rnd_int() / 7.0f : NAN;
    put_raw(o, &f, 4);                               /* f */
    put_raw(o, &f, 4);                               /* fd */
    double d = rnd(10) ? (double)rnd_long() / 3.0 : NAN;
    put_raw(o, &d, 8);                               /* d (key) */
    uint64_t items = rnd(3);                         /* junk */
    if (items) {
        put_long(o, (int64_t)items);
        for (uint64_t i = 0; i < items; i++) put_str_rnd(o);
    }
    put_long(o, 0);
    uint8_t b = rnd(20) ? (uint8_t)rnd(2) : 2;
    put_raw(o, &b, 1);                               /* b */
    int64_t br = rnd(10) ? (int64_t)rnd(2) : 2;      /* ns: null, string or bad index */
    put_long(o, br);
    if (br == 1) put_str_rnd(o);
    br = rnd(8) ? 1 : 0;                             /* nn: NOT NULL column */
    put_long(o, br);
    if (br == 1) put_long(o, rnd_long());
    put_long(o, rnd(10) ? (int64_t)rnd(2) : 5);      /* e */
    put_str_rnd(o);                                  /* by */
    put_raw(o, "\x01\x02", 2);                       /* fx */
    uint8_t dec[3] = {(uint8_t)rnd(256), (uint8_t)rnd(256), (uint8_t)rnd(256)};
    put_bytes(o, dec, 1 + rnd(3));                   /* dec */
    put_long(o, rnd_int());                          /* dt */
    put_long(o, rnd(4) ? (int64_t)rnd(86400000) : rnd_int()); /* tm */
    put_long(o, rnd(4) ? (int64_t)rnd(86400000000LL) : rnd_long()); /* tmu */
    put_long(o, rnd_long());                         /* tsl */
    put_long(o, rnd_long());                         /* tsu */
    put_long(o, rnd_long());                         /* lts */
    br = (int64_t)rnd(2);                            /* ns2: ["string","null"] */
    put_long(o, br);
    if (br == 0) put_str_rnd(o);
}

/* Generates records until one maps and writes without error on m (schema id 1 of TABLE);
 * fails the test after 1000 tries. */
static inline void gen_mappable(out_t *o, kfb_mapper_t *m) {
    kfb_mapper_result_t res;
    kfb_buf_t row = {0};
    char err[1024];
    for (int tries = 0; tries < 1000; tries++) {
        gen(o);
        if (kfb_mapper_map(m, NULL, 0, o->b, o->n, NULL, &res, err, sizeof(err)) == KFB_ERR_OK &&
            kfb_mapper_write_value(m, &res, 0, &row, err, sizeof(err)) == KFB_ERR_OK) {
            kfb_buf_free(&row);
            return;
        }
    }
    ASSERT_TRUE(0);
}

#endif
