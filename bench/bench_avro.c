/* bench_avro.c - cost of reading Avro bodies, as ratios against baselines
 * measured in the same run on the same datum (the Debezium "update" envelope
 * from tests/golden/avro/cases.txt, written by python3-avro):
 *   avro-c   avro_value_read into a reused generic value (the library route)
 *   memcpy   copying the datum (a floor)
 * measured:
 *   skip     kfb_avro_skip over the whole envelope (fields without a column)
 *   walk     every value read with the inline readers, strings UTF-8 checked
 *            (what a transcoder does before writing columns)
 * Ratios < 1 mean faster than the baseline. No absolute thresholds. */
#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "avro_binary.h"
#include "avro_schema.h"

#define ROUNDS 200000

static volatile uint64_t sink;

static uint8_t hexval(char c) { return (uint8_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10); }

static int load(const char *name, char **schema, uint8_t **datum, size_t *len) {
    FILE *f = fopen("tests/golden/avro/cases.txt", "r");
    if (!f) return -1;
    static char line[65536];
    int in = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "case ", 5) == 0) in = strcmp(line + 5, name) == 0;
        else if (in && strncmp(line, "schema ", 7) == 0) *schema = strdup(line + 7);
        else if (in && strncmp(line, "datum ", 6) == 0) {
            size_t n = strlen(line + 6) / 2;
            *datum = malloc(n);
            for (size_t i = 0; i < n; i++)
                (*datum)[i] = (uint8_t)(hexval(line[6 + 2 * i]) << 4 | hexval(line[7 + 2 * i]));
            *len = n;
        }
    }
    fclose(f);
    return *schema && *datum ? 0 : -1;
}

static kfb_err_t walk(kfb_avro_cursor_t *c, const kfb_avro_node_t *t) {
    kfb_err_t err;
    switch (t->type) {
    case KFB_AVRO_NULL: return KFB_ERR_OK;
    case KFB_AVRO_BOOLEAN: { bool b = 0; err = kfb_avro_read_boolean(c, &b); sink += b; return err; }
    case KFB_AVRO_INT: { int32_t v = 0; err = kfb_avro_read_int(c, &v); sink += (uint64_t)v; return err; }
    case KFB_AVRO_LONG: { int64_t v = 0; err = kfb_avro_read_long(c, &v); sink += (uint64_t)v; return err; }
    case KFB_AVRO_FLOAT: { float v; return kfb_avro_read_float(c, &v); }
    case KFB_AVRO_DOUBLE: { double v; return kfb_avro_read_double(c, &v); }
    case KFB_AVRO_BYTES: { const uint8_t *p; size_t n = 0; err = kfb_avro_read_bytes(c, &p, &n); sink += n; return err; }
    case KFB_AVRO_STRING: {
        const char *p;
        size_t n;
        if ((err = kfb_avro_read_string(c, &p, &n))) return err;
        return kfb_avro_utf8_check((const uint8_t *)p, n) == n ? KFB_ERR_OK : KFB_ERR_INVALID_UTF8;
    }
    case KFB_AVRO_FIXED: { const uint8_t *p; return kfb_avro_read_fixed(c, t->fixed_size, &p); }
    case KFB_AVRO_ENUM: { uint32_t i; return kfb_avro_read_enum(c, t->n_symbols, &i); }
    case KFB_AVRO_UNION: {
        uint32_t i;
        if ((err = kfb_avro_read_union_index(c, t->n_branches, &i))) return err;
        return walk(c, t->branches[i]);
    }
    case KFB_AVRO_RECORD:
        for (size_t i = 0; i < t->n_fields; i++)
            if ((err = walk(c, t->fields[i].type))) return err;
        return KFB_ERR_OK;
    default: return kfb_avro_skip(c, t);
    }
}

int main(void) {
    char *json = NULL;
    uint8_t *datum = NULL;
    size_t len = 0;
    if (load("debezium_update", &json, &datum, &len)) {
        fprintf(stderr, "bench_avro: run from the repository root (needs tests/golden/avro)\n");
        return 1;
    }
    kfb_avro_schema_t *s;
    char err[256];
    if (kfb_avro_schema_parse(json, strlen(json), &s, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const kfb_avro_node_t *root = kfb_avro_schema_root(s);
    avro_schema_t as;
    avro_schema_from_json_length(json, strlen(json), &as);
    avro_value_iface_t *iface = avro_generic_class_from_schema(as);
    avro_value_t val;
    avro_generic_value_new(iface, &val);
    avro_reader_t rd = avro_reader_memory((const char *)datum, (int64_t)len);
    uint8_t copy[4096];

    double t0 = now();
    for (int r = 0; r < ROUNDS; r++) {
        avro_reader_memory_set_source(rd, (const char *)datum, (int64_t)len);
        avro_value_reset(&val);
        if (avro_value_read(rd, &val)) { fprintf(stderr, "avro-c: %s\n", avro_strerror()); return 1; }
    }
    double t_avroc = now() - t0;
    t0 = now();
    for (int r = 0; r < ROUNDS; r++) {
        memcpy(copy, datum, len);
        sink += copy[r % len];
        __asm__ volatile("" ::: "memory");
    }
    double t_memcpy = now() - t0;
    t0 = now();
    for (int r = 0; r < ROUNDS; r++) {
        kfb_avro_cursor_t c;
        kfb_avro_cursor_init(&c, datum, len);
        if (kfb_avro_skip(&c, root) || c.p != c.end) return 1;
        __asm__ volatile("" ::: "memory");
    }
    double t_skip = now() - t0;
    t0 = now();
    for (int r = 0; r < ROUNDS; r++) {
        kfb_avro_cursor_t c;
        kfb_avro_cursor_init(&c, datum, len);
        if (walk(&c, root) || c.p != c.end) return 1;
        __asm__ volatile("" ::: "memory");
    }
    double t_walk = now() - t0;

    printf("bench_avro: Debezium envelope, %zu bytes, %d rounds\n", len, ROUNDS);
    printf("  skip / avro-c   %.3f\n", t_skip / t_avroc);
    printf("  walk / avro-c   %.3f\n", t_walk / t_avroc);
    printf("  skip / memcpy   %.1f\n", t_skip / t_memcpy);
    printf("  walk / memcpy   %.1f\n", t_walk / t_memcpy);

    avro_reader_free(rd);
    avro_value_decref(&val);
    avro_value_iface_decref(iface);
    avro_schema_decref(as);
    kfb_avro_schema_destroy(s);
    free(json);
    free(datum);
    return 0;
}
