/* test_mapper_fused.c - the fused path (Avro decoded straight into the value row) against
 * the general path (slots, then key and row writers) on the same messages.
 *
 * No golden bytes here: the general path's bytes are pinned by test_mapper.c (hand-derived
 * from fluss-protocol.md §6.2/§7.3) and this test checks that the fused path gives exactly
 * the same outcome for every message: error code and text, key, bucket, value row and KV
 * batch bytes. Messages are random valid records (edge values: INT64_MIN/MAX, negative ints,
 * out-of-range narrowing, invalid and non-ASCII UTF-8, nulls in NOT NULL and key columns,
 * NaN keys, union and enum indexes out of range) and corruptions of them (truncation,
 * byte flips, trailing bytes).
 */
#include <math.h>

#include "harness.h"
#include "mapper.h"

#include "mapper_gen.h"

typedef struct side {
    kfb_mapper_t *m;
    kfb_kv_batch_builder_t *batch;
    kfb_buf_t row;
    char err[1024];
} side_t;

/* Maps one message on both sides and checks they agree. Returns the error. */
static kfb_err_t compare(side_t *a, side_t *b, const uint8_t *msg, size_t len) {
    kfb_mapper_result_t ra, rb;
    kfb_origin_t o = {"t", 3, 99};
    a->err[0] = b->err[0] = '\0';
    kfb_err_t ea = kfb_mapper_map(a->m, NULL, 0, msg, len, &o, &ra, a->err, sizeof(a->err));
    kfb_err_t eb = kfb_mapper_map(b->m, NULL, 0, msg, len, &o, &rb, b->err, sizeof(b->err));
    ASSERT_ERR(ea, eb);
    ASSERT_STREQ(a->err, b->err);
    if (ea) return ea;
    ASSERT_EQ_INT(ra.n, rb.n);
    ASSERT_EQ_INT(ra.out[0].op, rb.out[0].op);
    ASSERT_MEMEQ(ra.out[0].key, ra.out[0].key_len, rb.out[0].key, rb.out[0].key_len);
    ASSERT_MEMEQ(ra.out[0].bucket_key, ra.out[0].bucket_key_len, rb.out[0].bucket_key,
                 rb.out[0].bucket_key_len);
    ASSERT_EQ_INT(ra.out[0].bucket, rb.out[0].bucket);
    ASSERT_TRUE(ra.out[0].partition == NULL && rb.out[0].partition == NULL);
    ASSERT_EQ_INT(ra.out[0].n_target_columns, rb.out[0].n_target_columns);
    kfb_buf_reset(&a->row);
    kfb_buf_reset(&b->row);
    ea = kfb_mapper_write_value(a->m, &ra, 0, &a->row, a->err, sizeof(a->err));
    eb = kfb_mapper_write_value(b->m, &rb, 0, &b->row, b->err, sizeof(b->err));
    ASSERT_ERR(ea, eb);
    if (ea) {
        ASSERT_STREQ(a->err, b->err);
    } else {
        ASSERT_MEMEQ(a->row.data, a->row.len, b->row.data, b->row.len);
    }
    kfb_err_t ba = kfb_mapper_append_to_batch(a->m, &ra, 0, a->batch, a->err, sizeof(a->err));
    kfb_err_t bb = kfb_mapper_append_to_batch(b->m, &rb, 0, b->batch, b->err, sizeof(b->err));
    ASSERT_ERR(ba, bb);
    if (ba) ASSERT_STREQ(a->err, b->err);
    return ea ? ea : ba;
}

static void side_new(side_t *s, const kfb_table_desc_t *td, kfb_schema_source_t *src,
                     int fused, size_t batch_limit) {
    memset(s, 0, sizeof(*s));
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "t";
    s->m = kfb_mapper_new(td, src, &cfg, s->err, sizeof(s->err));
    ASSERT_TRUE(s->m != NULL);
    kfb_mapper_set_fused_for_testing(s->m, fused);
    s->batch = kfb_kv_batch_builder_new(1, batch_limit, s->err, sizeof(s->err));
    ASSERT_TRUE(s->batch != NULL);
}

static void side_free(side_t *s) {
    kfb_mapper_destroy(s->m);
    kfb_kv_batch_builder_destroy(s->batch);
    kfb_buf_free(&s->row);
}

static void run(size_t batch_limit, int corrupt) {
    char err[512];
    kfb_table_desc_t *td = kfb_table_desc_parse(TABLE, strlen(TABLE), err, sizeof(err));
    if (!td) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(td != NULL);
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_TRUE(src != NULL);
    ASSERT_OK(kfb_schema_source_add(src, 1, SCHEMA, strlen(SCHEMA), err, sizeof(err)));
    side_t a, b;
    side_new(&a, td, src, 1, batch_limit);
    side_new(&b, td, src, 0, batch_limit);
    out_t o;
    size_t ok = 0, failed = 0, full = 0;
    for (int i = 0; i < 6000; i++) {
        gen(&o);
        size_t len = o.n;
        if (corrupt) {
            switch (rnd(4)) {
            case 0: len = 5 + rnd(o.n - 5); break;        /* truncated */
            case 1: o.b[5 + rnd(o.n - 5)] ^= (uint8_t)(1u << rnd(8)); break;
            case 2: o.b[len++] = 0; break;               /* trailing byte */
            default: break;
            }
        }
        kfb_err_t e = compare(&a, &b, o.b, len);
        if (e == KFB_ERR_BATCH_FULL) {
            full++;
            kfb_kv_batch_reset(a.batch);
            kfb_kv_batch_reset(b.batch);
        } else if (e) {
            failed++;
        } else {
            ok++;
        }
    }
    const uint8_t *pa, *pb;
    size_t la, lb;
    ASSERT_OK(kfb_kv_batch_build(a.batch, &pa, &la));
    ASSERT_OK(kfb_kv_batch_build(b.batch, &pb, &lb));
    ASSERT_MEMEQ(pa, la, pb, lb);
    /* (a small batch may just have been reset by the last message) */
    if (batch_limit >= 4096) ASSERT_GT_INT(kfb_kv_batch_record_count(a.batch), 0);
    /* both outcomes are common, and the fused side really took the fused path */
    ASSERT_GT_INT(ok, 100);
    ASSERT_GT_INT(failed, 300);
    ASSERT_GT_INT(kfb_mapper_fused_count_for_testing(a.m), 100);
    ASSERT_EQ_U64(kfb_mapper_fused_count_for_testing(b.m), 0);
    if (batch_limit < 4096) ASSERT_GT_INT(full, 10);
    side_free(&a);
    side_free(&b);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
}

TEST(fused_equals_general_on_random_records) { run(1 << 22, 0); }

TEST(fused_equals_general_on_corrupted_records) { run(1 << 22, 1); }

TEST(fused_equals_general_when_batches_fill) { run(2048, 0); }

/* A bench-shaped record: the fused path takes every message after the first. */
TEST(fused_taken_for_plain_records) {
    char err[512];
    kfb_table_desc_t *td = kfb_table_desc_parse(TABLE, strlen(TABLE), err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(src, 1, SCHEMA, strlen(SCHEMA), err, sizeof(err)));
    side_t a;
    side_new(&a, td, src, 1, 1 << 20);
    /* a fixed valid record: every value in range, ASCII, no nulls in NOT NULL columns */
    out_t o = {{0}, 0};
    uint8_t hdr[5] = {0, 0, 0, 0, 1};
    put_raw(&o, hdr, 5);
    put_long(&o, 300), put_bytes(&o, "k", 1), put_long(&o, -5), put_long(&o, 300);
    put_long(&o, 7), put_long(&o, 1LL << 40), put_long(&o, 100000);
    float f = 1.5f;
    double d = -2.0;
    put_raw(&o, &f, 4), put_raw(&o, &f, 4), put_raw(&o, &d, 8);
    put_long(&o, 0), put_raw(&o, "\x01", 1), put_long(&o, 0), put_long(&o, 1), put_long(&o, 9);
    put_long(&o, 1), put_bytes(&o, "\x00\xff", 2), put_raw(&o, "\x01\x02", 2);
    put_bytes(&o, "\x85", 1), put_long(&o, 19737), put_long(&o, 34200000);
    put_long(&o, 34200123456LL), put_long(&o, 1698235273182LL), put_long(&o, 1698235273182123LL);
    put_long(&o, 0), put_long(&o, 1);
    kfb_mapper_result_t r;
    for (int i = 0; i < 3; i++) {
        ASSERT_OK(kfb_mapper_map(a.m, NULL, 0, o.b, o.n, NULL, &r, a.err, sizeof(a.err)));
        ASSERT_OK(kfb_mapper_append_to_batch(a.m, &r, 0, a.batch, a.err, sizeof(a.err)));
    }
    ASSERT_EQ_U64(kfb_mapper_fused_count_for_testing(a.m), 2);
    ASSERT_EQ_INT(kfb_kv_batch_record_count(a.batch), 3);
    const uint8_t *bytes;
    size_t blen;
    ASSERT_OK(kfb_kv_batch_build(a.batch, &bytes, &blen));
    side_free(&a);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
}

/* Non-canonical and overlong varints: an int is at most 5 bytes with no bits past 32, a
 * long at most 10 (avro_binary.h); both paths must accept and refuse the same ones. */
TEST(fused_equals_general_on_odd_varints) {
    char err[512];
    kfb_table_desc_t *td = kfb_table_desc_parse(TABLE, strlen(TABLE), err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(src, 1, SCHEMA, strlen(SCHEMA), err, sizeof(err)));
    side_t a, b;
    side_new(&a, td, src, 1, 1 << 20);
    side_new(&b, td, src, 0, 1 << 20);
    static const char *const encodings[] = {
        "00", "80 00", "80 80 00", "80 80 80 80 00", "80 80 80 80 0f", "ff ff ff ff 0f",
        "80 80 80 80 10", "80 80 80 80 80 00", "80 80 80 80 80 80 80 00",
        "80 80 80 80 80 80 80 80 00", "ff ff ff ff ff ff ff ff ff 01",
        "ff ff ff ff ff ff ff ff ff 02", "80 80 80 80 80 80 80 80 80 80 00", "ff ff ff ff ff ff ff 7f",
    };
    const size_t ne = sizeof(encodings) / sizeof(encodings[0]);
    size_t n_ok = 0, n_err = 0;
    /* field 0 (id, int -> INTEGER key), 4 (i64, int -> BIGINT), 5 (l, long -> BIGINT) and
     * the last int-ish tail field are rewritten; a valid record is mapped first so the
     * fused path has a plan */
    for (int warm = 0; warm < 2; warm++) {
        for (size_t k = 0; k < ne; k++) {
            for (int field = 0; field < 3; field++) {
                size_t elen;
                uint8_t *enc = kfb_test_unhex(encodings[k], &elen);
                out_t o = {{0}, 0};
                uint8_t hdr[5] = {0, 0, 0, 0, 1};
                put_raw(&o, hdr, 5);
                if (field == 0) put_raw(&o, enc, elen);
                else put_long(&o, 1);
                put_bytes(&o, "k", 1), put_long(&o, 1), put_long(&o, 1);
                if (field == 1) put_raw(&o, enc, elen);
                else put_long(&o, 7);
                if (field == 2) put_raw(&o, enc, elen);
                else put_long(&o, 8);
                put_long(&o, 100000);
                float f = 1.5f;
                double d = 2.0;
                put_raw(&o, &f, 4), put_raw(&o, &f, 4), put_raw(&o, &d, 8);
                put_long(&o, 0), put_raw(&o, "\x01", 1), put_long(&o, 0), put_long(&o, 1);
                put_long(&o, 9), put_long(&o, 1), put_bytes(&o, "x", 1), put_raw(&o, "ab", 2);
                put_bytes(&o, "\x05", 1), put_long(&o, 1), put_long(&o, 2), put_long(&o, 3);
                put_long(&o, 4), put_long(&o, 5), put_long(&o, 6), put_long(&o, 1);
                free(enc);
                if (compare(&a, &b, o.b, o.n)) n_err++;
                else n_ok++;
            }
        }
    }
    ASSERT_GT_INT(n_ok, 10);
    ASSERT_GT_INT(n_err, 5);
    const uint8_t *bytes;
    size_t blen;
    ASSERT_OK(kfb_kv_batch_build(a.batch, &bytes, &blen));
    ASSERT_OK(kfb_kv_batch_build(b.batch, &bytes, &blen));
    side_free(&a);
    side_free(&b);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
}

/* Single-column keys of every length around the short-hash limit (1..8 bytes hashed by
 * kfb_murmur_fluss_short, longer ones by kfb_murmur_fluss), for a BIGINT key (varints of
 * 1..10 bytes) and a STRING key (0..20 characters), with two writer schemas taking turns
 * (two fused plans, each linked once) and a union column; fused and general must agree. */
static void run_single_key(const char *key_type, int string_key) {
    char table[1024], err[512];
    snprintf(table, sizeof(table),
             "{\"version\":1,\"schema\":{\"columns\":["
             "{\"name\":\"k\",\"data_type\":{\"type\":\"%s\",\"nullable\":false}},"
             "{\"name\":\"v\",\"data_type\":{\"type\":\"INTEGER\"}},"
             "{\"name\":\"ns\",\"data_type\":{\"type\":\"STRING\"}}],"
             "\"primary_key\":[\"k\"]},"
             "\"partition_key\":[],\"bucket_count\":13,\"properties\":{}}",
             key_type);
    kfb_table_desc_t *td = kfb_table_desc_parse(table, strlen(table), err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    char s1[512], s2[512];
    snprintf(s1, sizeof(s1),
             "{\"type\":\"record\",\"name\":\"K\",\"fields\":[{\"name\":\"k\",\"type\":\"%s\"},"
             "{\"name\":\"v\",\"type\":\"int\"},{\"name\":\"ns\",\"type\":[\"null\",\"string\"]}]}",
             string_key ? "string" : "long");
    snprintf(s2, sizeof(s2),
             "{\"type\":\"record\",\"name\":\"K\",\"fields\":[{\"name\":\"k\",\"type\":\"%s\"},"
             "{\"name\":\"v\",\"type\":\"int\"}]}",
             string_key ? "string" : "long");
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(src, 1, s1, strlen(s1), err, sizeof(err)));
    ASSERT_OK(kfb_schema_source_add(src, 2, s2, strlen(s2), err, sizeof(err)));
    side_t a, b;
    side_new(&a, td, src, 1, 1 << 22);
    side_new(&b, td, src, 0, 1 << 22);
    int seen_len[32] = {0};
    for (int i = 0; i < 4000; i++) {
        int schema = (i / 3) % 2 ? 2 : 1; /* runs of three: the fused path sees each plan */
        out_t o = {{0}, 0};
        uint8_t hdr[5] = {0, 0, 0, 0, (uint8_t)schema};
        put_raw(&o, hdr, 5);
        if (string_key) {
            static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
            char s[21];
            size_t n = rnd(21);
            for (size_t j = 0; j < n; j++) s[j] = chars[rnd(sizeof chars - 1)];
            put_bytes(&o, s, n);
        } else {
            /* a value with a random bit width, so every varint length appears */
            int64_t v = (int64_t)(kfb_test_rand() >> rnd(64));
            put_long(&o, rnd(2) ? v : -v);
        }
        put_long(&o, rnd_int());
        if (schema == 1) {
            int64_t br = (int64_t)rnd(2);
            put_long(&o, br);
            if (br) put_bytes(&o, "xyz", 3);
        }
        kfb_mapper_result_t r;
        ASSERT_OK(compare(&a, &b, o.b, o.n));
        ASSERT_OK(kfb_mapper_map(a.m, NULL, 0, o.b, o.n, NULL, &r, a.err, sizeof(a.err)));
        seen_len[r.out[0].key_len < 32 ? r.out[0].key_len : 31]++;
    }
    /* keys on both sides of the 8-byte limit were hashed */
    for (size_t n = 1; n <= 10; n++) ASSERT_GT_INT(seen_len[n], 0);
    ASSERT_GT_INT(kfb_mapper_fused_count_for_testing(a.m), 3000);
    const uint8_t *pa, *pb;
    size_t la, lb;
    ASSERT_OK(kfb_kv_batch_build(a.batch, &pa, &la));
    ASSERT_OK(kfb_kv_batch_build(b.batch, &pb, &lb));
    ASSERT_MEMEQ(pa, la, pb, lb);
    side_free(&a);
    side_free(&b);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
}

TEST(fused_equals_general_for_bigint_keys_of_every_length) { run_single_key("BIGINT", 0); }

TEST(fused_equals_general_for_string_keys_of_every_length) { run_single_key("STRING", 1); }
