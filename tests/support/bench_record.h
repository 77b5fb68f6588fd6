/*
 * bench_record.h - the 10-field benchmark record, one definition for bench_transcode.c (the
 * transcode benchmark) and kafka-mock's gen-bench (the end-to-end benchmark's topic), so the
 * two measure the same messages. Header-only (static inline).
 *
 * Fields: long id, string name, int a, double d, boolean b, ["null","string"] ns (null),
 * timestamp-millis ts, string city, float f, int i2. Message i: Confluent framing with schema
 * id 1, then the Avro binary body (zigzag varints, little-endian IEEE floats; Avro
 * specification "Binary Encoding") with values derived from i, and the id given.
 */
#ifndef KFB_BENCH_RECORD_H
#define KFB_BENCH_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"

#define KFB_BENCH_SCHEMA                                                                    \
    "{\"type\":\"record\",\"name\":\"Bench\",\"fields\":["                                  \
    "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},"          \
    "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"d\",\"type\":\"double\"},"               \
    "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"ns\",\"type\":[\"null\",\"string\"]}," \
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"  \
    "{\"name\":\"city\",\"type\":\"string\"},{\"name\":\"f\",\"type\":\"float\"},"          \
    "{\"name\":\"i2\",\"type\":\"int\"}]}"

/* The Fluss table of that record (TableDescriptor JSON), 64 buckets. */
#define KFB_BENCH_TABLE_JSON                                                                    \
    "{\"version\":1,\"schema\":{\"columns\":["                                                 \
    "{\"name\":\"id\",\"data_type\":{\"type\":\"BIGINT\"}},"                                   \
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"}},"                                 \
    "{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\"}},"                                   \
    "{\"name\":\"d\",\"data_type\":{\"type\":\"DOUBLE\"}},"                                    \
    "{\"name\":\"b\",\"data_type\":{\"type\":\"BOOLEAN\"}},"                                   \
    "{\"name\":\"ns\",\"data_type\":{\"type\":\"STRING\"}},"                                   \
    "{\"name\":\"ts\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3}}," \
    "{\"name\":\"city\",\"data_type\":{\"type\":\"STRING\"}},"                                 \
    "{\"name\":\"f\",\"data_type\":{\"type\":\"FLOAT\"}},"                                     \
    "{\"name\":\"i2\",\"data_type\":{\"type\":\"INTEGER\"}}],\"primary_key\":[\"id\"]},"        \
    "\"partition_key\":[],\"bucket_count\":64,\"properties\":{}}"

/* Longest message kfb_bench_record writes. */
#define KFB_BENCH_RECORD_MAX 128

static inline size_t kfb_bench_put_long(uint8_t *p, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (u >= 0x80) {
        p[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    p[n++] = (uint8_t)u;
    return n;
}

static inline size_t kfb_bench_put_str(uint8_t *p, const char *s) {
    size_t l = strlen(s), n = kfb_bench_put_long(p, (int64_t)l);
    memcpy(p + n, s, l);
    return n + l;
}

/* Writes message i with the given id into p (KFB_BENCH_RECORD_MAX bytes); returns its length. */
static inline size_t kfb_bench_record(uint8_t *p, long i, int64_t id) {
    static const char *const names[8] = {"alice", "bob", "carol", "dave-the-longer-name",
                                         "eve", "mallory", "trent", "peggy"};
    static const char *const cities[4] = {"Amsterdam", "Berlin", "Copenhagen", "Dublin"};
    size_t n = 0;
    p[n++] = 0, p[n++] = 0, p[n++] = 0, p[n++] = 0, p[n++] = 1; /* schema id 1 */
    n += kfb_bench_put_long(p + n, id);
    n += kfb_bench_put_str(p + n, names[i & 7]);
    n += kfb_bench_put_long(p + n, i & 0xfffff);
    double d = (double)i * 0.25;
    uint64_t db;
    memcpy(&db, &d, 8);
    kfb_put_le64(p + n, db), n += 8;
    p[n++] = (uint8_t)(i & 1);
    n += kfb_bench_put_long(p + n, 0); /* ns: the null branch */
    n += kfb_bench_put_long(p + n, 1698235273182LL + i);
    n += kfb_bench_put_str(p + n, cities[(i >> 3) & 3]);
    float f = (float)i;
    uint32_t fb;
    memcpy(&fb, &f, 4);
    kfb_put_le32(p + n, fb), n += 4;
    n += kfb_bench_put_long(p + n, (i % 1000) - 500);
    return n;
}

#endif
