/*
 * verify.c - migrate --verify (verify.h).
 */
#include "verify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_internal.h"
#include "kv_batch.h"
#include "row_json.h"

typedef struct sample {
    uint64_t h;
    mapping_rt_t *m;
    char *partition;
    int32_t bucket;
    int32_t schema_id;
    uint8_t *key, *value; /* value NULL: the last write was a delete */
    size_t key_len, value_len;
} sample_t;

struct kfb_verify {
    sample_t *s; /* max-heap on h */
    size_t n, cap;
};

kfb_verify_t *kfb_verify_new(size_t n) {
    kfb_verify_t *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->cap = n;
    v->s = calloc(n ? n : 1, sizeof *v->s);
    if (!v->s) {
        free(v);
        return NULL;
    }
    return v;
}

static void sample_free(sample_t *s) {
    free(s->partition);
    free(s->key);
    free(s->value);
}

void kfb_verify_destroy(kfb_verify_t *v) {
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) sample_free(&v->s[i]);
    free(v->s);
    free(v);
}

static uint64_t key_hash(const void *m, const char *partition, const uint8_t *k, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)m;
    for (const char *p = partition; p && *p; p++) h = (h ^ (uint8_t)*p) * 0x100000001B3ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ k[i]) * 0x100000001B3ULL;
    h ^= h >> 31;
    h *= 0x7fb5d329728ea185ULL;
    h ^= h >> 27;
    return h;
}

static void sift_down(kfb_verify_t *v, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, big = i;
        if (l < v->n && v->s[l].h > v->s[big].h) big = l;
        if (r < v->n && v->s[r].h > v->s[big].h) big = r;
        if (big == i) return;
        sample_t t = v->s[i];
        v->s[i] = v->s[big];
        v->s[big] = t;
        i = big;
    }
}

static void sift_up(kfb_verify_t *v, size_t i) {
    while (i && v->s[(i - 1) / 2].h < v->s[i].h) {
        sample_t t = v->s[i];
        v->s[i] = v->s[(i - 1) / 2];
        v->s[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static int set_value(sample_t *s, const kfb_kv_record_t *r, int32_t schema_id) {
    uint8_t *val = NULL;
    if (r->value && !(val = malloc(r->value_len))) return -1;
    if (val) memcpy(val, r->value, r->value_len);
    free(s->value);
    s->value = val;
    s->value_len = r->value ? r->value_len : 0;
    s->schema_id = schema_id;
    return 0;
}

void kfb_verify_observe(kfb_verify_t *v, void *mapping, const char *partition, int32_t bucket, const uint8_t *batch,
                        size_t len) {
    if (!v || !v->cap) return;
    kfb_kv_batch_reader_t r;
    char e[64];
    if (kfb_kv_batch_reader_init(&r, batch, len, e, sizeof e)) return;
    int32_t schema_id = kfb_kv_batch_reader_schema_id(&r);
    kfb_kv_record_t rec;
    while (kfb_kv_batch_next(&r, &rec) == 1) {
        uint64_t h = key_hash(mapping, partition, rec.key, rec.key_len);
        if (v->n == v->cap && h > v->s[0].h) continue;
        size_t i = 0;
        for (; i < v->n; i++)
            if (v->s[i].h == h && v->s[i].m == mapping && v->s[i].key_len == rec.key_len &&
                !memcmp(v->s[i].key, rec.key, rec.key_len))
                break;
        if (i < v->n) {
            set_value(&v->s[i], &rec, schema_id);
            continue;
        }
        sample_t s = {h, mapping, partition ? strdup(partition) : NULL, bucket, schema_id, malloc(rec.key_len ? rec.key_len : 1), NULL, rec.key_len, 0};
        if (!s.key || (partition && !s.partition) || set_value(&s, &rec, schema_id)) {
            sample_free(&s);
            continue;
        }
        memcpy(s.key, rec.key, rec.key_len);
        if (v->n == v->cap) {
            sample_free(&v->s[0]);
            v->s[0] = s;
            sift_down(v, 0);
        } else {
            v->s[v->n++] = s;
            sift_up(v, v->n - 1);
        }
    }
}

static void hex(FILE *out, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n && i < 64; i++) fprintf(out, "%02x", p[i]);
    if (n > 64) fputs("...", out);
}

int kfb_verify_run(kfb_verify_t *v, kfb_bridge_t *b, FILE *out) {
    size_t equal = 0, differ = 0, unread = 0;
    for (size_t i = 0; i < v->n; i++) {
        sample_t *s = &v->s[i];
        char e[512];
        int64_t pid = -1;
        if (s->partition &&
            kfb_fluss_client_resolve_partition(b->fluss, s->m->table_id, s->partition, 0, NULL, NULL, 0,
                                               b->request_timeout_ms, &pid, e, sizeof e)) {
            if (!s->value) {
                equal++; /* deleted, and its partition is gone too */
                continue;
            }
            fprintf(out, "verify: %s partition %s: %s\n", s->m->cfg->table, s->partition, e);
            unread++;
            continue;
        }
        const uint8_t *keys[1] = {s->key};
        size_t klen[1] = {s->key_len};
        uint8_t *val = NULL;
        size_t vlen = 0;
        int32_t sid = -1;
        if (kfb_fluss_client_lookup(b->fluss, s->m->table_id, pid, s->bucket, keys, klen, 1, b->request_timeout_ms, &val,
                                    &vlen, &sid, e, sizeof e)) {
            fprintf(out, "verify: lookup in %s bucket %d failed: %s\n", s->m->cfg->table, (int)s->bucket, e);
            unread++;
            continue;
        }
        int ok;
        if (!s->value) ok = val == NULL;
        else if (!val) ok = 0;
        else if (s->m->cfg->partial_update || sid != s->schema_id) ok = 1; /* merged rows / another schema: presence */
        else ok = vlen == s->value_len && !memcmp(val, s->value, vlen);
        if (ok) {
            equal++;
        } else {
            differ++;
            if (differ <= 10) {
                fprintf(out, "verify: %s%s%s key ", s->m->cfg->table, s->partition ? " partition " : "",
                        s->partition ? s->partition : "");
                hex(out, s->key, s->key_len);
                fprintf(out, ": wrote %s", s->value ? "row " : "a delete");
                if (s->value) hex(out, s->value, s->value_len);
                fprintf(out, ", Fluss has %s", val ? "row " : "nothing");
                if (val) hex(out, val, vlen);
                fputc('\n', out);
            }
        }
        free(val);
    }
    fprintf(out, "verify: %zu sampled keys read back with Lookup: %zu equal, %zu differ, %zu unreadable\n", v->n, equal,
            differ, unread);
    return differ || unread ? 1 : 0;
}
