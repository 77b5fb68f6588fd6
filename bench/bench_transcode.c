/* bench_transcode.c - Avro message -> Fluss key + bucket + value row appended to a KV batch,
 * against avro-c's generic decoding of the same bytes in the same run.
 *
 * Record (10 fields): long id, string name, int a, double d, boolean b, ["null","string"] ns
 * (null), timestamp-millis ts, string city, float f, int i2; mapped onto a table with the same
 * columns (PK id, 64 buckets).
 * Ours, as the pipeline uses it: kfb_mapper_map_batch over one poll's worth of messages
 * (NMSG), each record appended to its own bucket's open KV batch (64 batches, as the
 * pipeline's per-bucket accumulators; a full batch is reset, standing in for "sent").
 * Also shown: the per-message API (kfb_mapper_map + kfb_mapper_append_to_batch into a
 * single batch). Baseline: avro_value_read of the body into one reused generic value (the
 * fastest use of avro-c's generic API; it does less than we do: no key, no bucket, no row).
 * The three are timed in TRIALS interleaved trials, so that load from other processes hits
 * them alike; it prints the median messages/s of each and the median of the per-trial
 * ratios, the allocations per message in steady state (malloc/calloc/realloc counted by
 * interposing glibc's allocator in this binary), the share of messages the mapper's
 * fused path took and, of those, the share its generated machine code ran (mapper_jit.c;
 * KFB_MAPPER_JIT=0 measures the interpreter instead). A missed target prints MISSED; the exit status stays 0 so `make bench`
 * runs the rest. BENCH_ROUNDS=N shortens the run (instruction counts: valgrind
 * --tool=callgrind, then compare the inclusive costs of kfb_mapper_map_batch with
 * avro_value_read; BENCH_ONLY_BATCH=1 leaves out the other two).
 */
#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_record.h"
#include "bench_util.h"
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
#define ROUNDS_DEFAULT 2100L
#define TRIALS 7

static const char *SCHEMA = KFB_BENCH_SCHEMA;

static const char *TABLE = KFB_BENCH_TABLE_JSON;

#define BUCKETS 64
#define BUCKET_BATCH_BYTES (64 * 1024)

/* The bench's stand-in for the pipeline's accumulators: a full batch is "sent" (reset). */
typedef struct bench_sink {
    kfb_kv_batch_builder_t *batches[BUCKETS];
    long resets;
} bench_sink_t;

static kfb_err_t bench_batch_for(void *ctx, const kfb_mapper_msg_t *msg, const kfb_mapped_t *rec,
                                 kfb_kv_batch_builder_t **out) {
    (void)msg;
    bench_sink_t *bs = ctx;
    if (rec->bucket < 0 || rec->bucket >= BUCKETS) return KFB_ERR_INTERNAL;
    kfb_kv_batch_reset(bs->batches[rec->bucket]);
    bs->resets++;
    *out = bs->batches[rec->bucket];
    return KFB_ERR_OK;
}

int main(void) {
    kfb_log_set_level(KFB_LOG_ERROR);
    /* BENCH_ROUNDS shortens the run, e.g. under valgrind --tool=callgrind */
    const char *env_rounds = getenv("BENCH_ROUNDS");
    const long ROUNDS = env_rounds && atol(env_rounds) > 0 ? atol(env_rounds) : ROUNDS_DEFAULT;
    static uint8_t msgs[NMSG][KFB_BENCH_RECORD_MAX];
    static size_t lens[NMSG];
    for (long i = 0; i < NMSG; i++) lens[i] = kfb_bench_record(msgs[i], i, 1000000007L * i);

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
    /* warm-up: compiles the plan, grows scratch buffers */
    for (long i = 0; i < NMSG; i++) {
        if (kfb_mapper_map(m, NULL, 0, msgs[i], lens[i], NULL, &res, err, sizeof(err)) ||
            kfb_mapper_append_to_batch(m, &res, 0, batch, err, sizeof(err))) {
            fprintf(stderr, "map: %s\n", err);
            return 1;
        }
    }
    kfb_kv_batch_reset(batch);

    static kfb_mapper_msg_t batch_msgs[NMSG];
    for (long i = 0; i < NMSG; i++)
        batch_msgs[i] = (kfb_mapper_msg_t){NULL, 0, msgs[i], lens[i], {"bench", 0, i}};
    bench_sink_t bs = {.resets = 0};
    for (int b = 0; b < BUCKETS; b++) {
        bs.batches[b] = kfb_kv_batch_builder_new(1, BUCKET_BATCH_BYTES, err, sizeof(err));
        if (!bs.batches[b]) {
            fprintf(stderr, "setup: %s\n", err);
            return 1;
        }
    }
    kfb_mapper_sink_t sink = {.batches = bs.batches, .n_batches = BUCKETS,
                              .batch_for = bench_batch_for, .ctx = &bs};
    size_t done;
    if (kfb_mapper_map_batch(m, batch_msgs, NMSG, &sink, &done, err, sizeof(err))) { /* warm-up */
        fprintf(stderr, "map_batch: %s\n", err);
        return 1;
    }

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

    const long rounds = ROUNDS / TRIALS > 0 ? ROUNDS / TRIALS : 1;
    /* BENCH_ONLY_BATCH=1 times only kfb_mapper_map_batch (for profilers) */
    const int only_batch = getenv("BENCH_ONLY_BATCH") != NULL;
    double t_batch[TRIALS], t_single[TRIALS], t_avro[TRIALS], ratio[TRIALS];
    long batch_allocs = 0, single_allocs = 0, avro_allocs = 0, bucket_sum = 0, check = 0;
    for (int t = 0; t < TRIALS; t++) {
        /* ours, the pipeline's way */
        long a0 = allocs;
        double t0 = now();
        for (long r = 0; r < rounds; r++) {
            if (kfb_mapper_map_batch(m, batch_msgs, NMSG, &sink, &done, err, sizeof(err))) {
                fprintf(stderr, "map_batch: %s\n", err);
                return 1;
            }
        }
        t_batch[t] = now() - t0;
        batch_allocs += allocs - a0;

        /* ours, per message into one batch */
        a0 = allocs;
        t0 = now();
        for (long r = 0; r < rounds && !only_batch; r++) {
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
        t_single[t] = now() - t0;
        single_allocs += allocs - a0;

        /* avro-c generic baseline */
        a0 = allocs;
        t0 = now();
        for (long r = 0; r < rounds && !only_batch; r++) {
            for (long i = 0; i < NMSG; i++) {
                avro_reader_memory_set_source(rd, (const char *)msgs[i] + 5, (int64_t)(lens[i] - 5));
                if (avro_value_read(rd, &val)) return 1;
                avro_value_t fv;
                int32_t iv = 0;
                avro_value_get_by_index(&val, 2, &fv, NULL);
                avro_value_get_int(&fv, &iv);
                check += iv;
            }
        }
        t_avro[t] = now() - t0;
        avro_allocs += allocs - a0;
        ratio[t] = t_avro[t] / t_batch[t];
    }
    long records = 0;
    for (int b = 0; b < BUCKETS; b++) records += kfb_kv_batch_record_count(bs.batches[b]);

    double n = (double)rounds * NMSG; /* per trial */
    double all = n * TRIALS;
    double m_batch = bench_summarize(t_batch, TRIALS).median;
    double m_single = bench_summarize(t_single, TRIALS).median;
    double m_avro = bench_summarize(t_avro, TRIALS).median;
    bench_summary_t r = bench_summarize(ratio, TRIALS);
    printf("transcode, kfb_mapper_map_batch, records into their bucket's batch: %6.2f M msg/s\n",
           n / m_batch / 1e6);
    printf("transcode, kfb_mapper_map + append_to_batch per message, one batch:  %6.2f M msg/s\n",
           n / m_single / 1e6);
    printf("avro-c generic avro_value_read (decode only):                        %6.2f M msg/s\n",
           n / m_avro / 1e6);
    printf("ratio ours (map_batch)/avro-c: %.1fx, median of %d trials (min %.1fx, max %.1fx; "
           "target >= 10x)%s; per-message API: %.1fx\n",
           r.median, TRIALS, r.min, r.max, r.median >= 10.0 ? "" : " MISSED", m_avro / m_single);
    printf("allocations per message in steady state: ours %.4f (target 0)%s, per-message API "
           "%.4f, avro-c %.4f\n",
           (double)batch_allocs / all, batch_allocs ? " MISSED" : "",
           (double)single_allocs / all, (double)avro_allocs / all);
    printf("messages on the fused path: %.1f%%, of them run as machine code: %.1f%%\n",
           100.0 * (double)kfb_mapper_fused_count_for_testing(m) / (2 * all + 2 * NMSG),
           100.0 * (double)kfb_mapper_jit_count_for_testing(m) /
               (double)(kfb_mapper_fused_count_for_testing(m) ? kfb_mapper_fused_count_for_testing(m) : 1));
    printf("(checksums %ld %ld; %ld records in open batches, %ld batch resets)\n", bucket_sum, check,
           records, bs.resets);

    avro_reader_free(rd);
    avro_value_decref(&val);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    kfb_kv_batch_builder_destroy(batch);
    for (int b = 0; b < BUCKETS; b++) kfb_kv_batch_builder_destroy(bs.batches[b]);
    kfb_mapper_destroy(m);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
    /* a missed target is printed, not an exit status: `make bench` stops at the first
     * failing benchmark */
    return 0;
}
