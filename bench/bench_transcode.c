/* bench_transcode.c - Avro message -> Fluss key + bucket + value row appended to a KV batch,
 * against avro-c's generic decoding of the same bytes in the same run.
 *
 * Record (10 fields): long id, string name, int a, double d, boolean b, ["null","string"] ns
 * (null), timestamp-millis ts, string city, float f, int i2; mapped onto a table with the same
 * columns (PK id, 64 buckets). Ours: kfb_mapper_map (the fused path builds the row in
 * mapper scratch: the bucket, and so the batch, is known only once the key is decoded) +
 * kfb_mapper_append_to_batch (one inline append copies key and row; the batch is reset
 * when full). Baseline: avro_value_read of the body into one reused generic value (the
 * fastest use of avro-c's generic API; it does less than we do: no key, no bucket, no row). Prints messages/s for both, the ratio, and the
 * allocations per message in steady state (malloc/calloc/realloc counted by interposing
 * glibc's allocator in this binary), and the share of messages the mapper's fused path took.
 * A missed target prints MISSED; the exit status stays 0 so `make bench` runs the rest.
 * BENCH_ROUNDS=N shortens the run (instruction counts: valgrind --tool=callgrind, then
 * compare the inclusive costs of kfb_mapper_map + kfb_mapper_append_to_batch with
 * avro_value_read between two round counts).
 */
#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kv_batch.h"
#include "logging.h"
#include "mapper.h"

/* ---- allocation counter --------------------------------------------------------------- */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static volatile long allocs;
void *malloc(size_t n) {
    allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
    allocs++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
    allocs++;
    return __libc_realloc(p, n);
}

#define NMSG 1024
#define ROUNDS_DEFAULT 2000L

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *SCHEMA =
    "{\"type\":\"record\",\"name\":\"Bench\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},"
    "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"ns\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"city\",\"type\":\"string\"},{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"i2\",\"type\":\"int\"}]}";

static const char *TABLE =
    "{\"version\":1,\"schema\":{\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"BIGINT\"}},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"a\",\"data_type\":{\"type\":\"INTEGER\"}},"
    "{\"name\":\"d\",\"data_type\":{\"type\":\"DOUBLE\"}},"
    "{\"name\":\"b\",\"data_type\":{\"type\":\"BOOLEAN\"}},"
    "{\"name\":\"ns\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"ts\",\"data_type\":{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3}},"
    "{\"name\":\"city\",\"data_type\":{\"type\":\"STRING\"}},"
    "{\"name\":\"f\",\"data_type\":{\"type\":\"FLOAT\"}},"
    "{\"name\":\"i2\",\"data_type\":{\"type\":\"INTEGER\"}}],\"primary_key\":[\"id\"]},"
    "\"partition_key\":[],\"bucket_count\":64,\"properties\":{}}";

/* Avro binary writer for the bench input (zigzag varints, LE floats). */
static size_t put_long(uint8_t *p, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (u >= 0x80) {
        p[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    p[n++] = (uint8_t)u;
    return n;
}
static size_t put_str(uint8_t *p, const char *s) {
    size_t l = strlen(s), n = put_long(p, (int64_t)l);
    memcpy(p + n, s, l);
    return n + l;
}

static const char *const names[8] = {"alice", "bob", "carol", "dave-the-longer-name",
                                     "eve", "mallory", "trent", "peggy"};
static const char *const cities[4] = {"Amsterdam", "Berlin", "Copenhagen", "Dublin"};

int main(void) {
    kfb_log_set_level(KFB_LOG_ERROR);
    /* BENCH_ROUNDS shortens the run, e.g. under valgrind --tool=callgrind */
    const char *env_rounds = getenv("BENCH_ROUNDS");
    const long ROUNDS = env_rounds && atol(env_rounds) > 0 ? atol(env_rounds) : ROUNDS_DEFAULT;
    static uint8_t msgs[NMSG][128];
    static size_t lens[NMSG];
    for (long i = 0; i < NMSG; i++) {
        uint8_t *p = msgs[i];
        size_t n = 0;
        p[n++] = 0, p[n++] = 0, p[n++] = 0, p[n++] = 0, p[n++] = 1; /* schema id 1 */
        n += put_long(p + n, 1000000007L * i);
        n += put_str(p + n, names[i & 7]);
        n += put_long(p + n, i & 0xfffff);
        double d = (double)i * 0.25;
        memcpy(p + n, &d, 8), n += 8;
        p[n++] = (uint8_t)(i & 1);
        n += put_long(p + n, 0); /* ns: null branch */
        n += put_long(p + n, 1698235273182LL + i);
        n += put_str(p + n, cities[(i >> 3) & 3]);
        float f = (float)i;
        memcpy(p + n, &f, 4), n += 4;
        n += put_long(p + n, (i % 1000) - 500);
        lens[i] = n;
    }

    /* ours */
    char err[512];
    kfb_table_desc_t *td = kfb_table_desc_parse(TABLE, strlen(TABLE), err, sizeof(err));
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    if (!td || !src || kfb_schema_source_add(src, 1, SCHEMA, strlen(SCHEMA), err, sizeof(err))) {
        fprintf(stderr, "setup: %s\n", err);
        return 1;
    }
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof(err));
    kfb_kv_batch_builder_t *batch = kfb_kv_batch_builder_new(1, 1 << 20, err, sizeof(err));
    if (!m || !batch) {
        fprintf(stderr, "setup: %s\n", err);
        return 1;
    }
    kfb_mapper_result_t res;
    long bucket_sum = 0;
    /* warm-up: compiles the plan, grows scratch buffers */
    for (long i = 0; i < NMSG; i++) {
        if (kfb_mapper_map(m, NULL, 0, msgs[i], lens[i], NULL, &res, err, sizeof(err)) ||
            kfb_mapper_append_to_batch(m, &res, 0, batch, err, sizeof(err))) {
            fprintf(stderr, "map: %s\n", err);
            return 1;
        }
    }
    kfb_kv_batch_reset(batch);
    long a0 = allocs;
    double t0 = now();
    for (long r = 0; r < ROUNDS; r++) {
        for (long i = 0; i < NMSG; i++) {
            kfb_err_t e = kfb_mapper_map(m, NULL, 0, msgs[i], lens[i], NULL, &res, err, sizeof(err));
            if (!e) e = kfb_mapper_append_to_batch(m, &res, 0, batch, err, sizeof(err));
            if (e == KFB_ERR_BATCH_FULL) {
                kfb_kv_batch_reset(batch);
                e = kfb_mapper_append_to_batch(m, &res, 0, batch, err, sizeof(err));
            }
            if (e) {
                fprintf(stderr, "map: %s\n", err);
                return 1;
            }
            bucket_sum += res.out[0].bucket;
        }
    }
    double t_ours = now() - t0;
    long ours_allocs = allocs - a0;

    /* avro-c generic baseline */
    avro_schema_t schema;
    if (avro_schema_from_json_length(SCHEMA, strlen(SCHEMA), &schema)) {
        fprintf(stderr, "avro-c: %s\n", avro_strerror());
        return 1;
    }
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t val;
    avro_generic_value_new(iface, &val);
    avro_reader_t rd = avro_reader_memory((const char *)msgs[0] + 5, lens[0] - 5);
    for (long i = 0; i < NMSG; i++) { /* warm-up */
        avro_reader_memory_set_source(rd, (const char *)msgs[i] + 5, (int64_t)(lens[i] - 5));
        if (avro_value_read(rd, &val)) return 1;
    }
    long b0 = allocs;
    t0 = now();
    long check = 0;
    for (long r = 0; r < ROUNDS; r++) {
        for (long i = 0; i < NMSG; i++) {
            avro_reader_memory_set_source(rd, (const char *)msgs[i] + 5, (int64_t)(lens[i] - 5));
            if (avro_value_read(rd, &val)) return 1;
            avro_value_t fv;
            int32_t iv;
            avro_value_get_by_index(&val, 2, &fv, NULL);
            avro_value_get_int(&fv, &iv);
            check += iv;
        }
    }
    double t_avro = now() - t0;
    long avro_allocs = allocs - b0;

    double n = (double)ROUNDS * NMSG;
    printf("transcode (Avro -> key + bucket + row in KV batch): %.2f M msg/s\n", n / t_ours / 1e6);
    printf("avro-c generic avro_value_read (decode only):      %.2f M msg/s\n", n / t_avro / 1e6);
    double ratio = t_avro / t_ours;
    printf("ratio ours/avro-c: %.1fx (target >= 10x)%s\n", ratio, ratio >= 10.0 ? "" : " MISSED");
    printf("allocations per message in steady state: ours %.4f (target 0)%s, avro-c %.4f\n",
           (double)ours_allocs / n, ours_allocs ? " MISSED" : "", (double)avro_allocs / n);
    printf("messages on the fused path: %.1f%%\n",
           100.0 * (double)kfb_mapper_fused_count_for_testing(m) / (n + NMSG));
    printf("(checksums %ld %ld)\n", bucket_sum, check);

    avro_reader_free(rd);
    avro_value_decref(&val);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    kfb_kv_batch_builder_destroy(batch);
    kfb_mapper_destroy(m);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
    /* a missed target is printed, not an exit status: `make bench` stops at the first
     * failing benchmark */
    return 0;
}
