/*
 * sample_data.c - the quickstart's sample topics (sample_data.h). The Avro layouts
 * written here are those of conf/quickstart/schemas/{1,2,3}.avsc, in field order.
 */
#include "sample_data.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_record.h" /* kfb_bench_put_long / kfb_bench_put_str: Avro long and string */
#include "bytes.h"

#define VALUE_MAX 512
#define MAX_MESSAGES 1000000000ULL
#define MAX_KEYS 100000000ULL     /* customer ids are Avro int / Fluss INT */
#define TS_BASE 1700000000000LL   /* 2023-11-14T22:13:20Z */

uint64_t kfb_sample_mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* Confluent framing: magic byte 0, schema id big-endian. */
static size_t put_frame(uint8_t *p, int32_t schema_id) {
    p[0] = 0;
    kfb_put_be32(p + 1, (uint32_t)schema_id);
    return 5;
}

/* Avro decimal on bytes: length, then the minimal big-endian two's complement of the
 * unscaled value (here always >= 0). */
static size_t put_decimal(uint8_t *p, int64_t unscaled) {
    uint8_t be[8];
    kfb_put_be64(be, (uint64_t)unscaled);
    size_t skip = 0;
    while (skip < 7 && be[skip] == 0 && !(be[skip + 1] & 0x80)) skip++;
    size_t n = kfb_bench_put_long(p, (int64_t)(8 - skip));
    memcpy(p + n, be + skip, 8 - skip);
    return n + 8 - skip;
}

static kfb_err_t check_opts(const kfb_sample_opts_t *o, uint64_t *keys, char *errstr, size_t errstr_size) {
    if (!o->messages || o->messages > MAX_MESSAGES) {
        snprintf(errstr, errstr_size, "sample data: messages must be 1..%llu, not %" PRIu64,
                 (unsigned long long)MAX_MESSAGES, o->messages);
        return KFB_ERR_INVALID_ARG;
    }
    if (o->partitions < 1 || o->partitions > 100000) {
        snprintf(errstr, errstr_size, "sample data: partitions must be 1..100000, not %d", (int)o->partitions);
        return KFB_ERR_INVALID_ARG;
    }
    uint64_t k = o->keys ? o->keys : (o->messages + 3) / 4;
    /* a multiple of the partition count: key k lives in partition k % P, and the ids a
     * Debezium key change moves to (keys + p, keys + p + P, ...) stay in partition p */
    k = (k + (uint64_t)o->partitions - 1) / (uint64_t)o->partitions * (uint64_t)o->partitions;
    if (k > MAX_KEYS || k + (uint64_t)o->partitions * o->messages > (uint64_t)INT32_MAX) {
        snprintf(errstr, errstr_size,
                 "sample data: %" PRIu64 " keys with %" PRIu64 " messages over %d partitions could use ids past "
                 "the INT range; use fewer keys, messages or partitions",
                 k, o->messages, (int)o->partitions);
        return KFB_ERR_INVALID_ARG;
    }
    *keys = k;
    return KFB_ERR_OK;
}

/* Checks the options, zeroes the counts and allocates one version per key (caller frees). */
static kfb_err_t begin(const kfb_sample_opts_t *o, kfb_sample_counts_t *counts, uint64_t *keys, uint32_t **version,
                       char *errstr, size_t errstr_size) {
    memset(counts, 0, sizeof *counts);
    kfb_err_t e = check_opts(o, keys, errstr, errstr_size);
    if (e) return e;
    if (!(*version = calloc(*keys, sizeof **version))) {
        snprintf(errstr, errstr_size, "sample data: out of memory for %" PRIu64 " keys", *keys);
        return KFB_ERR_NOMEM;
    }
    return KFB_ERR_OK;
}

/* ---- orders ------------------------------------------------------------------------ */

enum { ST_NEW, ST_PAID, ST_SHIPPED, ST_DELIVERED, ST_CANCELLED, ST_COUNT };

/* One upsert of order k at its version v (1 = created), as 1.avsc. */
static size_t order_value(uint8_t *p, int32_t schema_id, uint64_t k, uint32_t v, const char *order_id) {
    static const char *const currencies[3] = {"EUR", "USD", "GBP"};
    uint64_t h = kfb_sample_mix(k);
    int status = (int)((v - 1) % ST_COUNT);
    size_t n = put_frame(p, schema_id);
    n += kfb_bench_put_str(p + n, order_id);
    n += kfb_bench_put_long(p + n, (int64_t)(1 + h % 5000));         /* customer_id */
    n += kfb_bench_put_long(p + n, status);                           /* status: enum index */
    n += put_decimal(p + n, (int64_t)(100 + (h >> 20) % 2000000 + v)); /* amount, cents */
    n += kfb_bench_put_str(p + n, currencies[k % 3]);
    n += kfb_bench_put_long(p + n, TS_BASE + (int64_t)k * 60000);     /* created_at */
    if (status == ST_CANCELLED) {                                      /* internal_note */
        n += kfb_bench_put_long(p + n, 1);
        n += kfb_bench_put_str(p + n, "cancelled by the customer");
    } else {
        n += kfb_bench_put_long(p + n, 0);
    }
    return n;
}

static int emit_msg(kfb_sample_emit_fn emit, void *ctx, kfb_sample_counts_t *c, int32_t partition,
                    const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len) {
    kfb_sample_msg_t m = {partition, key, key_len, value, value_len};
    c->messages++;
    return emit(ctx, &m);
}

kfb_err_t kfb_sample_orders(const kfb_sample_opts_t *o, kfb_sample_emit_fn emit, void *ctx,
                            kfb_sample_counts_t *counts, char *errstr, size_t errstr_size) {
    uint64_t keys;
    uint32_t *version; /* per order: 0 = none (yet, or deleted), else its version */
    kfb_err_t e = begin(o, counts, &keys, &version, errstr, errstr_size);
    if (e) return e;
    uint64_t rnd = o->seed * 0x100000001B3ULL;
    for (uint64_t i = 0; i < o->messages; i++) {
        uint64_t r = kfb_sample_mix(rnd ^ i);
        uint64_t k = r % keys;
        int32_t part = (int32_t)(k % (uint64_t)o->partitions);
        char id[32];
        int idlen = snprintf(id, sizeof id, "ORD-%08" PRIu64, k);
        uint8_t val[VALUE_MAX];
        int stop;
        if (version[k] && (r >> 40) % 100 < 15) {
            version[k] = 0;
            counts->deletes++;
            counts->live_keys--;
            stop = emit_msg(emit, ctx, counts, part, (const uint8_t *)id, (size_t)idlen, NULL, 0);
        } else {
            if (!version[k]) counts->live_keys++;
            version[k] = version[k] == UINT32_MAX ? 1 : version[k] + 1;
            counts->upserts++;
            size_t n = order_value(val, o->value_schema_id, k, version[k], id);
            stop = emit_msg(emit, ctx, counts, part, (const uint8_t *)id, (size_t)idlen, val, n);
        }
        if (stop) {
            free(version);
            snprintf(errstr, errstr_size, "sample data: stopped after %" PRIu64 " messages", counts->messages);
            return KFB_ERR_STATE;
        }
    }
    free(version);
    return KFB_ERR_OK;
}

/* ---- customers (Debezium) ------------------------------------------------------------ */

/* The Value record of 2.avsc for customer id at version v. */
static size_t customer_row(uint8_t *p, uint64_t id, uint32_t v) {
    static const char *const first[16] = {"Anne", "Bob", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hugo",
                                          "Ines", "Jonas", "Kaito", "Lena", "Mateo", "Nora", "Omar", "Priya"};
    static const char *const last[16] = {"Adams", "Berger", "Costa", "Dubois", "Eriksen", "Fischer",
                                         "Garcia", "Hansen", "Ito", "Jansen", "Kowalski", "Larsen",
                                         "Moreau", "Novak", "Okafor", "Petrov"};
    uint64_t h = kfb_sample_mix(id ^ 0xC0FFEEULL);
    const char *f = first[h & 15], *l = last[(h >> 4) & 15];
    char email[96];
    snprintf(email, sizeof email, "%s.%s.%" PRIu64 ".v%u@example.com", f, l, id, v);
    size_t n = kfb_bench_put_long(p, (int64_t)id);
    n += kfb_bench_put_str(p + n, f);
    n += kfb_bench_put_str(p + n, l);
    n += kfb_bench_put_str(p + n, email);
    n += kfb_bench_put_long(p + n, TS_BASE + (int64_t)(id % 100000) * 1000 + (int64_t)v * 60000); /* updated_at */
    return n;
}

/* A Debezium envelope (2.avsc): before and after are [null, Value] (branch 0 = null). */
static size_t envelope(uint8_t *p, int32_t schema_id, int has_before, uint64_t bid, uint32_t bv, int has_after,
                       uint64_t aid, uint32_t av, const char *op, int64_t ts_ms) {
    size_t n = put_frame(p, schema_id);
    n += kfb_bench_put_long(p + n, has_before);
    if (has_before) n += customer_row(p + n, bid, bv);
    n += kfb_bench_put_long(p + n, has_after);
    if (has_after) n += customer_row(p + n, aid, av);
    n += kfb_bench_put_str(p + n, op);
    n += kfb_bench_put_long(p + n, 1);
    n += kfb_bench_put_long(p + n, ts_ms);
    return n;
}

/* The Key record of 3.avsc. */
static size_t customer_key(uint8_t *p, int32_t schema_id, uint64_t id) {
    size_t n = put_frame(p, schema_id);
    return n + kfb_bench_put_long(p + n, (int64_t)id);
}

kfb_err_t kfb_sample_customers(const kfb_sample_opts_t *o, kfb_sample_emit_fn emit, void *ctx,
                               kfb_sample_counts_t *counts, char *errstr, size_t errstr_size) {
    uint64_t keys;
    uint32_t *version; /* per id: 0 = no such row (yet, deleted, or moved away) */
    kfb_err_t e = begin(o, counts, &keys, &version, errstr, errstr_size);
    if (e) return e;
    uint64_t *next_free = calloc((size_t)o->partitions, sizeof *next_free); /* per partition */
    if (!next_free) {
        free(version);
        snprintf(errstr, errstr_size, "sample data: out of memory");
        return KFB_ERR_NOMEM;
    }
    for (int32_t p = 0; p < o->partitions; p++) next_free[p] = keys + (uint64_t)p;
    uint64_t rnd = (o->seed + 1) * 0x9E3779B97F4A7C15ULL;
    int stop = 0;
    for (uint64_t i = 0; counts->messages < o->messages && !stop; i++) {
        uint64_t r = kfb_sample_mix(rnd ^ i);
        uint64_t k = r % keys;
        int32_t part = (int32_t)(k % (uint64_t)o->partitions);
        unsigned pick = (unsigned)((r >> 40) % 100);
        int64_t ts = TS_BASE + (int64_t)i * 10;
        uint8_t key[16], val[VALUE_MAX];
        uint32_t v = version[k];
        if (!v) { /* a new row: c, or r as in a snapshot */
            version[k] = 1;
            counts->upserts++;
            counts->live_keys++;
            size_t kl = customer_key(key, o->key_schema_id, k);
            size_t n = envelope(val, o->value_schema_id, 0, 0, 0, 1, k, 1, pick < 10 ? "r" : "c", ts);
            stop = emit_msg(emit, ctx, counts, part, key, kl, val, n);
        } else if (pick < 15 && o->messages - counts->messages >= 2) { /* d, then its tombstone */
            version[k] = 0;
            counts->deletes++;
            counts->tombstones++;
            counts->live_keys--;
            size_t kl = customer_key(key, o->key_schema_id, k);
            size_t n = envelope(val, o->value_schema_id, 1, k, v, 0, 0, 0, "d", ts);
            stop = emit_msg(emit, ctx, counts, part, key, kl, val, n) ||
                   emit_msg(emit, ctx, counts, part, key, kl, NULL, 0);
        } else if (pick < 20) { /* u that changes the primary key: the row moves to id j */
            uint64_t j = next_free[part];
            next_free[part] += (uint64_t)o->partitions;
            version[k] = 0;
            counts->deletes++;
            counts->upserts++;
            counts->key_changes++;
            size_t kl = customer_key(key, o->key_schema_id, j); /* Debezium keys it by the new key */
            size_t n = envelope(val, o->value_schema_id, 1, k, v, 1, j, v + 1, "u", ts);
            stop = emit_msg(emit, ctx, counts, part, key, kl, val, n);
        } else { /* u */
            version[k] = v == UINT32_MAX ? 1 : v + 1;
            counts->upserts++;
            size_t kl = customer_key(key, o->key_schema_id, k);
            size_t n = envelope(val, o->value_schema_id, 1, k, v, 1, k, version[k], "u", ts);
            stop = emit_msg(emit, ctx, counts, part, key, kl, val, n);
        }
    }
    free(version);
    free(next_free);
    if (stop) {
        snprintf(errstr, errstr_size, "sample data: stopped after %" PRIu64 " messages", counts->messages);
        return KFB_ERR_STATE;
    }
    return KFB_ERR_OK;
}
