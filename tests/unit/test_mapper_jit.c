/* test_mapper_jit.c - the fused ops as x86-64 machine code (mapper_jit.c) against the
 * threaded interpreter and the general path, on the same messages.
 *
 * Three mappers on one table and schema source: A runs the generated code (the default;
 * switched on explicitly, so KFB_MAPPER_JIT=0 in the environment does not hide it), B the
 * interpreter (JIT off), C the general path (fused path off). Every message goes through
 * all three, and they must agree exactly: error code and text, op, key, bucket key,
 * bucket, value row (kfb_mapper_write_value) and the KV batch append. No golden bytes:
 * test_mapper.c pins the general path's bytes. Where the generated code should take a
 * message (the general path maps and writes it, the plan is the mapper's fused plan from
 * the message before, the Avro body has at least 8 bytes) A's jit count must grow, and it
 * must not grow anywhere else, so no test passes by the JIT never running.
 *
 * Tables and schemas are built from a menu of field kinds (kind_t): each op the JIT has
 * inline code for, conversions it hands to kfb_mapper_jit_slow_, and fields without a
 * column (skipped), plain or in a nullable union of either branch order.
 */
#include <math.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "mapper.h"

#include "mapper_gen.h"

/* ---- three mappers -------------------------------------------------------------------- */

enum { A_JIT = 0, B_INTERP = 1, C_GENERAL = 2 };
static const char *const side_name[3] = {"A (jit)", "B (interpreter)", "C (general)"};

typedef struct side {
    kfb_mapper_t *m;
    kfb_kv_batch_builder_t *batch;
    kfb_buf_t row;
    char err[1024];
} side_t;

typedef struct trio {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    int32_t n_schemas;  /* writer schema ids 1..n_schemas */
    side_t s[3];
    int32_t warm_sid;   /* schema id of the last message with a header: the fused plan */
    int check_jit;      /* assert that A's jit count grows exactly where it should */
    const char *what;   /* printed with a failing message */
    /* outcomes */
    size_t n_msgs, n_ok, n_err, n_jit, n_short_ok;
} trio_t;

static void hexdump(const char *label, const uint8_t *p, size_t n) {
    fprintf(stderr, "    %s (%zu bytes):", label, n);
    for (size_t i = 0; i < n; i++) fprintf(stderr, "%s%02x", i % 32 ? " " : "\n      ", p[i]);
    fputc('\n', stderr);
}

/* Fails the test with the message and what differs. */
static void __attribute__((format(printf, 4, 5), noreturn))
fail_msg(const trio_t *t, const uint8_t *msg, size_t len, const char *fmt, ...) {
    fprintf(stderr, "  [%s] ", t->what ? t->what : "");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    hexdump("message (5-byte Confluent header, then the Avro body)", msg, len);
    kfb_test_fail();
}

static void trio_new(trio_t *t, const char *table, const char *const *schemas, int32_t n) {
    memset(t, 0, sizeof(*t));
    char err[1024];
    t->td = kfb_table_desc_parse(table, strlen(table), err, sizeof(err));
    if (!t->td) fprintf(stderr, "  table: %s\n  %s\n", err, table);
    ASSERT_TRUE(t->td != NULL);
    t->src = kfb_schema_source_memory_new();
    ASSERT_TRUE(t->src != NULL);
    for (int32_t i = 0; i < n; i++) {
        kfb_err_t e = kfb_schema_source_add(t->src, i + 1, schemas[i], strlen(schemas[i]), err,
                                            sizeof(err));
        if (e) fprintf(stderr, "  schema: %s\n  %s\n", err, schemas[i]);
        ASSERT_OK(e);
    }
    t->n_schemas = n;
    for (int k = 0; k < 3; k++) {
        side_t *s = &t->s[k];
        kfb_mapper_config_t cfg;
        kfb_mapper_config_init(&cfg);
        cfg.topic = "t";
        s->m = kfb_mapper_new(t->td, t->src, &cfg, s->err, sizeof(s->err));
        if (!s->m) fprintf(stderr, "  mapper: %s\n", s->err);
        ASSERT_TRUE(s->m != NULL);
        kfb_mapper_set_fused_for_testing(s->m, k != C_GENERAL);
        kfb_mapper_set_jit_for_testing(s->m, k == A_JIT);
        s->batch = kfb_kv_batch_builder_new(1, 1 << 22, s->err, sizeof(s->err));
        ASSERT_TRUE(s->batch != NULL);
    }
    t->warm_sid = -1;
    t->check_jit = 1;
}

/* The three batches hold the same bytes. */
static void trio_check_batches(trio_t *t) {
    const uint8_t *p[3];
    size_t n[3];
    for (int k = 0; k < 3; k++) ASSERT_OK(kfb_kv_batch_build(t->s[k].batch, &p[k], &n[k]));
    ASSERT_MEMEQ(p[A_JIT], n[A_JIT], p[C_GENERAL], n[C_GENERAL]);
    ASSERT_MEMEQ(p[B_INTERP], n[B_INTERP], p[C_GENERAL], n[C_GENERAL]);
}

static void trio_free(trio_t *t) {
    trio_check_batches(t);
    /* the interpreter side never ran machine code, the general side never the fused path */
    ASSERT_EQ_U64(kfb_mapper_jit_count_for_testing(t->s[B_INTERP].m), 0);
    ASSERT_EQ_U64(kfb_mapper_fused_count_for_testing(t->s[C_GENERAL].m), 0);
    for (int k = 0; k < 3; k++) {
        kfb_mapper_destroy(t->s[k].m);
        kfb_kv_batch_builder_destroy(t->s[k].batch);
        kfb_buf_free(&t->s[k].row);
    }
    kfb_schema_source_destroy(t->src);
    kfb_table_desc_destroy(t->td);
}

static int same_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

/* Guard-page mode (jit_*_between_guard_pages): every message is copied next to a
 * PROT_NONE page, alternately ending right before one and starting right after one, so a
 * read past the value's end or before its start faults instead of reading stale bytes of
 * the caller's buffer. */
static int g_guard;
static uint8_t *g_guard_region; /* [guard page][GUARD_DATA bytes][guard page] */
#define GUARD_DATA ((size_t)1 << 19)
static const uint8_t *guarded_copy(const uint8_t *msg, size_t len) {
    static unsigned flip;
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (!g_guard_region) {
        uint8_t *r = mmap(NULL, GUARD_DATA + 2 * page, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT_TRUE(r != MAP_FAILED);
        ASSERT_EQ_INT(mprotect(r, page, PROT_NONE), 0);
        ASSERT_EQ_INT(mprotect(r + page + GUARD_DATA, page, PROT_NONE), 0);
        g_guard_region = r;
    }
    ASSERT_TRUE(len <= GUARD_DATA);
    uint8_t *data = g_guard_region + page;
    uint8_t *dst = (flip++ & 1) ? data : data + GUARD_DATA - len;
    if (len) memcpy(dst, msg, len);
    return dst;
}

/* Maps one message on the three mappers and checks that they agree; returns C's outcome
 * (the map error, else the write error, else the append error). */
static kfb_err_t map3(trio_t *t, const uint8_t *msg, size_t len) {
    if (g_guard) msg = guarded_copy(msg, len);
    kfb_mapper_result_t r[3];
    kfb_err_t e[3], we[3] = {0, 0, 0}, be[3] = {0, 0, 0};
    kfb_origin_t o = {"t", 3, 99};
    const uint64_t jit0 = kfb_mapper_jit_count_for_testing(t->s[A_JIT].m);
    const uint64_t fused0 = kfb_mapper_fused_count_for_testing(t->s[B_INTERP].m);
    const int has_hdr = len >= 5 && msg[0] == 0;
    const int32_t sid = has_hdr ? (int32_t)((uint32_t)msg[1] << 24 | (uint32_t)msg[2] << 16 |
                                            (uint32_t)msg[3] << 8 | msg[4])
                                : -1;
    const int warm = has_hdr && sid == t->warm_sid;
    for (int k = 0; k < 3; k++) {
        side_t *s = &t->s[k];
        s->err[0] = '\0';
        e[k] = kfb_mapper_map(s->m, NULL, 0, msg, len, &o, &r[k], s->err, sizeof(s->err));
    }
    for (int k = 0; k < 2; k++) {
        const side_t *s = &t->s[k], *c = &t->s[C_GENERAL];
        if (e[k] != e[C_GENERAL] || strcmp(s->err, c->err))
            fail_msg(t, msg, len, "map: %s gives %s \"%s\", %s gives %s \"%s\"", side_name[k],
                     kfb_test_err_name((int)e[k]), s->err, side_name[C_GENERAL],
                     kfb_test_err_name((int)e[C_GENERAL]), c->err);
    }
    if (!e[C_GENERAL]) {
        for (int k = 0; k < 2; k++) {
            const kfb_mapped_t *a = &r[k].out[0], *c = &r[C_GENERAL].out[0];
            if (r[k].n != r[C_GENERAL].n || a->op != c->op || a->bucket != c->bucket ||
                !same_bytes(a->key, a->key_len, c->key, c->key_len) ||
                !same_bytes(a->bucket_key, a->bucket_key_len, c->bucket_key, c->bucket_key_len) ||
                (a->partition == NULL) != (c->partition == NULL) ||
                a->n_target_columns != c->n_target_columns) {
                hexdump(side_name[k], a->key, a->key_len);
                hexdump(side_name[C_GENERAL], c->key, c->key_len);
                fail_msg(t, msg, len, "result: %s has n %zu op %d bucket %d, %s n %zu op %d bucket %d"
                         " (keys above)", side_name[k], r[k].n, (int)a->op, (int)a->bucket,
                         side_name[C_GENERAL], r[C_GENERAL].n, (int)c->op, (int)c->bucket);
            }
        }
        for (int k = 0; k < 3; k++) {
            side_t *s = &t->s[k];
            kfb_buf_reset(&s->row);
            s->err[0] = '\0';
            we[k] = kfb_mapper_write_value(s->m, &r[k], 0, &s->row, s->err, sizeof(s->err));
        }
        for (int k = 0; k < 2; k++) {
            const side_t *s = &t->s[k], *c = &t->s[C_GENERAL];
            if (we[k] != we[C_GENERAL] || (we[k] && strcmp(s->err, c->err)) ||
                (!we[k] && !same_bytes(s->row.data, s->row.len, c->row.data, c->row.len))) {
                hexdump(side_name[k], s->row.data, s->row.len);
                hexdump(side_name[C_GENERAL], c->row.data, c->row.len);
                fail_msg(t, msg, len, "write_value: %s gives %s \"%s\", %s gives %s \"%s\" (rows above)",
                         side_name[k], kfb_test_err_name((int)we[k]), we[k] ? s->err : "",
                         side_name[C_GENERAL], kfb_test_err_name((int)we[C_GENERAL]),
                         we[C_GENERAL] ? c->err : "");
            }
        }
        for (int k = 0; k < 3; k++) {
            side_t *s = &t->s[k];
            s->err[0] = '\0';
            be[k] = kfb_mapper_append_to_batch(s->m, &r[k], 0, s->batch, s->err, sizeof(s->err));
        }
        for (int k = 0; k < 2; k++)
            if (be[k] != be[C_GENERAL] || (be[k] && strcmp(t->s[k].err, t->s[C_GENERAL].err)))
                fail_msg(t, msg, len, "append: %s gives %s \"%s\", %s gives %s \"%s\"",
                         side_name[k], kfb_test_err_name((int)be[k]), t->s[k].err,
                         side_name[C_GENERAL], kfb_test_err_name((int)be[C_GENERAL]),
                         t->s[C_GENERAL].err);
        if (be[C_GENERAL] == KFB_ERR_BATCH_FULL) {
            trio_check_batches(t);
            for (int k = 0; k < 3; k++) kfb_kv_batch_reset(t->s[k].batch);
        }
    }
    const int full_ok = !e[C_GENERAL] && !we[C_GENERAL];
    const int jitted = kfb_mapper_jit_count_for_testing(t->s[A_JIT].m) != jit0;
    const int fused = kfb_mapper_fused_count_for_testing(t->s[B_INTERP].m) != fused0;
    const size_t body = len >= 5 ? len - 5 : 0;
    if (t->check_jit) {
        if (full_ok && warm && !fused)
            fail_msg(t, msg, len, "the interpreter did not take a valid message of its fused plan");
        const int want = full_ok && warm && body >= 8;
        if (jitted != want)
            fail_msg(t, msg, len, "%s: the generated code %s the message (body %zu bytes)",
                     want ? "expected the JIT to map it" : "expected no JIT result",
                     jitted ? "mapped" : "did not map", body);
    } else if (jitted && !full_ok) {
        fail_msg(t, msg, len, "the generated code mapped a message the general path rejects");
    }
    if (has_hdr && sid >= 1 && sid <= t->n_schemas) t->warm_sid = sid;
    t->n_msgs++;
    if (full_ok) t->n_ok++;
    else t->n_err++;
    if (jitted) t->n_jit++;
    if (full_ok && body < 8) t->n_short_ok++;
    return e[C_GENERAL] ? e[C_GENERAL] : we[C_GENERAL] ? we[C_GENERAL] : be[C_GENERAL];
}

/* ---- Avro values -------------------------------------------------------------------- */

/* A message being written (mapper_gen.h's out_t holds 1 KiB; wide records need more). */
typedef struct msg {
    uint8_t b[1 << 18];
    size_t n;
} msg_t;

static void m_long(msg_t *o, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (u >= 0x80) {
        o->b[o->n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    o->b[o->n++] = (uint8_t)u;
}
static void m_raw(msg_t *o, const void *p, size_t n) {
    ASSERT_TRUE(o->n + n < sizeof(o->b));
    if (n) memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void m_bytes(msg_t *o, const void *p, size_t n) {
    m_long(o, (int64_t)n);
    m_raw(o, p, n);
}

static void hdr(msg_t *o, int32_t sid) {
    o->n = 0;
    uint8_t h[5] = {0, (uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid};
    m_raw(o, h, 5);
}

static void put_hex(msg_t *o, const char *hex) {
    size_t n;
    uint8_t *b = kfb_test_unhex(hex, &n);
    m_raw(o, b, n);
    free(b);
}

static int64_t neg64(int64_t v) { return (int64_t)(0 - (uint64_t)v); }

/* A long of a random bit width (every varint length), either sign. */
static int64_t rnd_width64(void) {
    int64_t v = (int64_t)(kfb_test_rand() >> rnd(64));
    return rnd(2) ? v : neg64(v);
}
static int32_t rnd_width32(void) {
    int32_t v = (int32_t)(uint32_t)(kfb_test_rand() >> (32 + rnd(32)));
    return rnd(2) ? v : (int32_t)(0u - (uint32_t)v);
}

/* Deterministic long cases: i = 0, 1, ...; 0 past the end. Every varint length 1..10 of
 * both signs, the extremes, non-canonical, overlong and overflowing encodings. */
static int put_long_case(msg_t *o, size_t i) {
    if (i < 64 * 4) {
        unsigned w = (unsigned)(i / 4);
        uint64_t p = 1ULL << w;
        int64_t v;
        switch (i % 4) {
        case 0: v = (int64_t)(p - 1); break;
        case 1: v = (int64_t)p; break; /* w 63: INT64_MIN */
        case 2: v = neg64((int64_t)(p - 1)); break;
        default: v = (int64_t)(0 - p - 1); break;
        }
        m_long(o, v);
        return 1;
    }
    static const char *const odd[] = {
        "00", "80 00", "ff 00", "80 80 80 80 80 80 80 00", "ff ff ff ff ff ff ff 7f",
        "fe ff ff ff ff ff ff 7f", "80 80 80 80 80 80 80 80 01", "ff ff ff ff ff ff ff ff 7f",
        "fe ff ff ff ff ff ff ff ff 01", "ff ff ff ff ff ff ff ff ff 01",
        "ff ff ff ff ff ff ff ff ff 02", "ff ff ff ff ff ff ff ff ff 7f",
        "80 80 80 80 80 80 80 80 80 00", "80 80 80 80 80 80 80 80 80 80 00",
        "81 80 80 80 80 80 80 80 80 00", "ff ff ff ff ff ff ff ff ff ff 01",
    };
    i -= 64 * 4;
    if (i >= sizeof odd / sizeof odd[0]) return 0;
    put_hex(o, odd[i]);
    return 1;
}

/* Deterministic int cases, as put_long_case: every length 1..5, INT32_MIN/MAX, 5-byte
 * varints with bits past 32 (errors), 6-byte ones, non-canonical ones. */
static int put_int_case(msg_t *o, size_t i) {
    if (i < 32 * 4) {
        unsigned w = (unsigned)(i / 4);
        uint32_t p = 1u << w;
        int32_t v;
        switch (i % 4) {
        case 0: v = (int32_t)(p - 1); break;
        case 1: v = (int32_t)p; break; /* w 31: INT32_MIN */
        case 2: v = (int32_t)(0u - (p - 1)); break;
        default: v = (int32_t)(0u - p - 1u); break;
        }
        m_long(o, v);
        return 1;
    }
    static const char *const odd[] = {
        "ff ff ff ff 0f", "fe ff ff ff 0f", "80 80 80 80 00", "80 80 80 80 08",
        "80 80 80 80 0f", "80 80 80 80 10", "ff ff ff ff 1f", "fe ff ff ff 1f",
        "ff ff ff ff 7f", "80 80 80 80 40", "80 80 80 80 80 00", "ff ff ff ff ff 01",
        "80 00", "80 80 00", "81 80 80 80 00", "ff ff ff ff 8f 00",
    };
    i -= 32 * 4;
    if (i >= sizeof odd / sizeof odd[0]) return 0;
    put_hex(o, odd[i]);
    return 1;
}

/* Strings: random lengths 0..80 (one- and two-byte Avro lengths), mostly ASCII; valid
 * non-ASCII UTF-8 and invalid UTF-8 now and then. */
static void gen_chars(char *s, size_t n, int flavour) {
    static const char ascii[] = "abcdefghijklmnopqrstuvwxyz0123456789 -_ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (size_t j = 0; j < n; j++) s[j] = ascii[rnd(sizeof ascii - 1)];
    if (!n || flavour == 0) return;
    size_t at = rnd(n);
    if (flavour == 1) {
        /* valid: a 2-, 3- or 4-byte sequence where it fits */
        static const char *const seq[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
        const char *q = seq[rnd(3)];
        size_t ql = strlen(q);
        if (at + ql <= n) memcpy(s + at, q, ql);
    } else {
        /* invalid: a stray continuation, a bad lead, a cut sequence, an overlong form */
        static const char *const bad[] = {"\x80", "\xff", "\xc3", "\xe2\x82", "\xc0\xaf",
                                          "\xed\xa0\x80", "\xf8\x88\x80\x80"};
        const char *q = bad[rnd(7)];
        size_t ql = strlen(q);
        if (at + ql > n) at = n - (ql <= n ? ql : n);
        memcpy(s + at, q, ql <= n ? ql : n);
    }
}

static size_t rnd_len(void) {
    switch (rnd(8)) {
    case 0: return rnd(200);
    case 1: return 60 + rnd(10);
    case 2: return rnd(3);
    default: return rnd(64);
    }
}

/* The value generators of the field kinds. */
typedef enum gen {
    G_LONG, G_INT, G_I8, G_I16, G_LONG_I32, G_STR, G_BYTES, G_F32, G_F64, G_BOOL, G_ENUM,
    G_FIXED2, G_FIXED3, G_DEC, G_DECF8, G_TIME_MS, G_TIME_US, G_UUID, G_ARR, G_MAP, G_REC,
    G_OPT_LONG,
} gen_t;

/* One value; bad: the percentage of deliberately invalid values (out of range, bad UTF-8,
 * bad enum index, ...). */
static void gen_value(msg_t *o, gen_t g, int bad) {
    const int b = (int)rnd(100) < bad;
    switch (g) {
    case G_LONG:
        if (b) {
            if (!put_long_case(o, 64 * 4 + 8 + rnd(8))) m_long(o, 1);
        } else {
            m_long(o, rnd(4) ? rnd_width64() : rnd_long());
        }
        break;
    case G_INT:
        if (b) put_int_case(o, 32 * 4 + 5 + rnd(7));
        else m_long(o, rnd(4) ? rnd_width32() : rnd_int());
        break;
    case G_I8: m_long(o, b ? (rnd(2) ? 128 : -129) : (int64_t)rnd(256) - 128); break;
    case G_I16: m_long(o, b ? (rnd(2) ? 32768 : -40000) : (int64_t)rnd(65536) - 32768); break;
    case G_LONG_I32: m_long(o, b ? (int64_t)INT32_MAX + 1 + (int64_t)rnd(9) : rnd_width32()); break;
    case G_STR: {
        char s[256];
        size_t n = rnd_len();
        gen_chars(s, n, b ? 2 : rnd(5) ? 0 : 1);
        m_bytes(o, s, n);
        break;
    }
    case G_BYTES: {
        uint8_t s[256];
        size_t n = rnd_len();
        for (size_t j = 0; j < n; j++) s[j] = (uint8_t)kfb_test_rand();
        m_bytes(o, s, n);
        break;
    }
    case G_F32: {
        float f;
        switch (rnd(8)) {
        case 0: f = b ? NAN : -0.0f; break;
        case 1: f = rnd(2) ? INFINITY : -INFINITY; break;
        case 2: {
            uint32_t u = (uint32_t)kfb_test_rand();
            memcpy(&f, &u, 4);
            if (!b && isnan(f)) f = 1.0f;
            break;
        }
        default: f = (float)rnd_width32() / 3.0f; break;
        }
        m_raw(o, &f, 4);
        break;
    }
    case G_F64: {
        double d;
        switch (rnd(8)) {
        case 0: d = b ? NAN : -0.0; break;
        case 1: d = rnd(2) ? INFINITY : -INFINITY; break;
        case 2: {
            uint64_t u = kfb_test_rand();
            memcpy(&d, &u, 8);
            if (!b && isnan(d)) d = 1.0;
            break;
        }
        default: d = (double)rnd_width64() / 7.0; break;
        }
        m_raw(o, &d, 8);
        break;
    }
    case G_BOOL: {
        uint8_t v = b ? (uint8_t)(2 + rnd(254)) : (uint8_t)rnd(2);
        m_raw(o, &v, 1);
        break;
    }
    case G_ENUM: m_long(o, b ? (rnd(2) ? 2 : -1) : (int64_t)rnd(2)); break;
    case G_FIXED2:
    case G_FIXED3: {
        uint8_t v[3] = {(uint8_t)kfb_test_rand(), (uint8_t)kfb_test_rand(), (uint8_t)kfb_test_rand()};
        m_raw(o, v, g == G_FIXED2 ? 2 : 3);
        break;
    }
    case G_DEC: {
        /* decimal(4,2) as bytes into DECIMAL(5,2): 1-2 bytes fit, 3 may overflow */
        uint8_t v[3] = {(uint8_t)kfb_test_rand(), (uint8_t)kfb_test_rand(), (uint8_t)kfb_test_rand()};
        m_bytes(o, v, b ? 3 : 1 + rnd(2));
        break;
    }
    case G_DECF8: {
        /* decimal(10,3) as fixed(8) into DECIMAL(20,1): sign-extended 32-bit values */
        int64_t v = b ? (int64_t)kfb_test_rand() : (int64_t)rnd_width32();
        uint8_t be[8];
        for (int j = 0; j < 8; j++) be[j] = (uint8_t)((uint64_t)v >> (56 - 8 * j));
        m_raw(o, be, 8);
        break;
    }
    case G_TIME_MS: m_long(o, b ? -1 - (int64_t)rnd(5) : (int64_t)rnd(86400000)); break;
    case G_TIME_US: m_long(o, b ? 86400000000LL + (int64_t)rnd(5) : (int64_t)(kfb_test_rand() % 86400000000ULL)); break;
    case G_UUID: {
        static const char *const u[] = {"2bb87d68-baf9-4e64-90f9-f80910419fa6",
                                        "00000000-0000-0000-0000-000000000000"};
        const char *s = b ? "not a uuid" : u[rnd(2)];
        m_bytes(o, s, strlen(s));
        break;
    }
    case G_ARR: {
        uint64_t items = rnd(4);
        if (items) {
            m_long(o, (int64_t)items);
            for (uint64_t j = 0; j < items; j++) gen_value(o, G_STR, 0);
        }
        if (b) m_long(o, 5); /* a block count past the end */
        m_long(o, 0);
        break;
    }
    case G_MAP: {
        /* a block of 0..2 entries, its count negative (then its byte size follows) now
         * and then */
        static msg_t blk;
        blk.n = 0;
        uint64_t items = rnd(3);
        for (uint64_t j = 0; j < items; j++) {
            gen_value(&blk, G_STR, 0);
            gen_value(&blk, G_LONG, 0);
        }
        if (items) {
            if (rnd(2)) {
                m_long(o, -(int64_t)items);
                m_long(o, (int64_t)blk.n + (b ? 1 : 0)); /* bad: a size that lies */
            } else {
                m_long(o, (int64_t)items);
            }
            m_raw(o, blk.b, blk.n);
        }
        m_long(o, 0);
        break;
    }
    case G_REC:
        gen_value(o, G_INT, b ? 100 : 0);
        gen_value(o, G_STR, 0);
        break;
    case G_OPT_LONG:
        m_long(o, b ? 2 : (int64_t)rnd(2));
        if (!b && o->b[o->n - 1] == 2) gen_value(o, G_LONG, 0);
        break;
    }
}

/* ---- field kinds, layouts, tables and schemas ------------------------------------------ */

typedef struct kind {
    const char *name;
    const char *avro; /* '@' is replaced by the field's index (named types) */
    const char *col;  /* column type members, NULL: no column (the field is skipped) */
    gen_t gen;
    int key_ok;       /* may be a primary key column */
    int inl;          /* the JIT has inline code for it (when not a float key) */
} kind_t;

#define TS_LTZ "\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":"
#define TS_NTZ "\"type\":\"TIMESTAMP_WITHOUT_TIME_ZONE\",\"precision\":"
static const kind_t KINDS[] = {
    /* inline in the generated code */
    {"long", "\"long\"", "\"type\":\"BIGINT\"", G_LONG, 1, 1},
    {"int", "\"int\"", "\"type\":\"INTEGER\"", G_INT, 1, 1},
    {"int->bigint", "\"int\"", "\"type\":\"BIGINT\"", G_INT, 1, 1},
    {"date", "{\"type\":\"int\",\"logicalType\":\"date\"}", "\"type\":\"DATE\"", G_INT, 1, 1},
    {"timestamp-millis", "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", TS_LTZ "3", G_LONG, 1, 1},
    {"local-timestamp-millis", "{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}", TS_NTZ "3", G_LONG, 0, 1},
    {"float", "\"float\"", "\"type\":\"FLOAT\"", G_F32, 1, 1},
    {"double", "\"double\"", "\"type\":\"DOUBLE\"", G_F64, 1, 1},
    {"string", "\"string\"", "\"type\":\"STRING\"", G_STR, 1, 1},
    {"bytes", "\"bytes\"", "\"type\":\"BYTES\"", G_BYTES, 1, 1},
    {"boolean", "\"boolean\"", "\"type\":\"BOOLEAN\"", G_BOOL, 1, 1},
    {"uuid", "{\"type\":\"string\",\"logicalType\":\"uuid\"}", "\"type\":\"STRING\"", G_UUID, 0, 1},
    {"string->char", "\"string\"", "\"type\":\"CHAR\",\"length\":3", G_STR, 0, 1},
    /* the slow call (the general conversion) */
    {"int->tinyint", "\"int\"", "\"type\":\"TINYINT\"", G_I8, 1, 0},
    {"int->smallint", "\"int\"", "\"type\":\"SMALLINT\"", G_I16, 1, 0},
    {"long->int", "\"long\"", "\"type\":\"INTEGER\"", G_LONG_I32, 1, 0},
    {"float->double", "\"float\"", "\"type\":\"DOUBLE\"", G_F32, 0, 0},
    {"enum", "{\"type\":\"enum\",\"name\":\"E@\",\"symbols\":[\"RED\",\"GREEN\"]}", "\"type\":\"STRING\"", G_ENUM, 1, 0},
    {"fixed", "{\"type\":\"fixed\",\"name\":\"X@\",\"size\":2}", "\"type\":\"BINARY\",\"length\":2", G_FIXED2, 0, 0},
    {"decimal", "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4,\"scale\":2}", "\"type\":\"DECIMAL\",\"precision\":5,\"scale\":2", G_DEC, 0, 0},
    {"decimal-fixed", "{\"type\":\"fixed\",\"name\":\"D@\",\"size\":8,\"logicalType\":\"decimal\",\"precision\":10,\"scale\":3}", "\"type\":\"DECIMAL\",\"precision\":20,\"scale\":1", G_DECF8, 0, 0},
    {"time-millis", "{\"type\":\"int\",\"logicalType\":\"time-millis\"}", "\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":3", G_TIME_MS, 0, 0},
    {"time-micros", "{\"type\":\"long\",\"logicalType\":\"time-micros\"}", "\"type\":\"TIME_WITHOUT_TIME_ZONE\",\"precision\":6", G_TIME_US, 0, 0},
    {"timestamp-micros", "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}", TS_LTZ "6", G_LONG, 0, 0},
    {"timestamp-nanos", "{\"type\":\"long\",\"logicalType\":\"timestamp-nanos\"}", TS_LTZ "9", G_LONG, 0, 0},
    {"local-timestamp-micros", "{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}", TS_NTZ "6", G_LONG, 0, 0},
    /* no column: skipped */
    {"skip string", "\"string\"", NULL, G_STR, 0, 0},
    {"skip long", "\"long\"", NULL, G_LONG, 0, 0},
    {"skip double", "\"double\"", NULL, G_F64, 0, 0},
    {"skip array", "{\"type\":\"array\",\"items\":\"string\"}", NULL, G_ARR, 0, 0},
    {"skip map", "{\"type\":\"map\",\"values\":\"long\"}", NULL, G_MAP, 0, 0},
    {"skip record", "{\"type\":\"record\",\"name\":\"S@\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}]}", NULL, G_REC, 0, 0},
    {"skip fixed", "{\"type\":\"fixed\",\"name\":\"Y@\",\"size\":3}", NULL, G_FIXED3, 0, 0},
    {"skip union", "[\"null\",\"long\"]", NULL, G_OPT_LONG, 0, 0},
};
#define N_KINDS (sizeof KINDS / sizeof KINDS[0])

static const kind_t *kind_named(const char *name) {
    for (size_t i = 0; i < N_KINDS; i++)
        if (!strcmp(KINDS[i].name, name)) return &KINDS[i];
    fprintf(stderr, "  no kind %s\n", name);
    kfb_test_fail();
}

enum { W_PLAIN = 0, W_NULL_FIRST, W_NULL_SECOND }; /* ["null",T], [T,"null"] */

typedef struct field {
    const kind_t *k;
    int wrap;
    int notnull; /* the column is NOT NULL (key columns always are) */
} field_t;

#define MAX_FIELDS 1100
#define MAX_KEY 8

typedef struct layout {
    field_t f[MAX_FIELDS];
    size_t n;
    int pk[MAX_KEY]; /* field indexes, in primary-key order */
    size_t n_pk;
    /* nullable columns without a field, before field i (i == n: at the end) */
    unsigned char extra_before[MAX_FIELDS + 1];
    int bucket_count;
} layout_t;

static void lay_init(layout_t *l) {
    memset(l, 0, sizeof(*l));
    l->bucket_count = 7;
}
static int lay_add(layout_t *l, const char *kind, int wrap) {
    ASSERT_TRUE(l->n < MAX_FIELDS);
    l->f[l->n] = (field_t){kind_named(kind), wrap, 0};
    return (int)l->n++;
}
static void lay_key(layout_t *l, int field) {
    ASSERT_TRUE(l->n_pk < MAX_KEY);
    l->pk[l->n_pk++] = field;
}
static int lay_is_key(const layout_t *l, size_t field) {
    for (size_t i = 0; i < l->n_pk; i++)
        if (l->pk[i] == (int)field) return 1;
    return 0;
}

/* A growing string. */
typedef struct sb {
    char *p;
    size_t n, cap;
} sb_t;
static void __attribute__((format(printf, 2, 3))) sb_add(sb_t *s, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(s->p ? s->p + s->n : NULL, s->p ? s->cap - s->n : 0, fmt, ap);
        va_end(ap);
        ASSERT_TRUE(w >= 0);
        if (s->p && s->n + (size_t)w < s->cap) {
            s->n += (size_t)w;
            return;
        }
        size_t cap = s->cap ? s->cap * 2 : 4096;
        while (cap < s->n + (size_t)w + 1) cap *= 2;
        s->p = realloc(s->p, cap);
        ASSERT_TRUE(s->p != NULL);
        s->cap = cap;
    }
}
/* Appends an Avro type with '@' replaced by the field index. */
static void sb_avro(sb_t *s, const char *avro, size_t idx) {
    for (const char *c = avro; *c; c++) {
        if (*c == '@') sb_add(s, "%zu", idx);
        else sb_add(s, "%c", *c);
    }
}

static char *lay_table(const layout_t *l) {
    sb_t s = {0};
    sb_add(&s, "{\"version\":1,\"schema\":{\"columns\":[");
    int first = 1;
    for (size_t i = 0; i <= l->n; i++) {
        for (unsigned e = 0; e < l->extra_before[i]; e++) {
            sb_add(&s, "%s{\"name\":\"x%zu_%u\",\"data_type\":{\"type\":\"%s\"}}", first ? "" : ",",
                   i, e, e % 2 ? "STRING" : "INTEGER");
            first = 0;
        }
        if (i == l->n || !l->f[i].k->col) continue;
        const int notnull = l->f[i].notnull || lay_is_key(l, i);
        sb_add(&s, "%s{\"name\":\"f%zu\",\"data_type\":{%s%s}}", first ? "" : ",", i,
               l->f[i].k->col, notnull ? ",\"nullable\":false" : "");
        first = 0;
    }
    sb_add(&s, "],\"primary_key\":[");
    for (size_t k = 0; k < l->n_pk; k++) sb_add(&s, "%s\"f%d\"", k ? "," : "", l->pk[k]);
    sb_add(&s, "]},\"partition_key\":[],\"bucket_count\":%d,\"properties\":{}}", l->bucket_count);
    return s.p;
}

static char *lay_schema(const layout_t *l) {
    sb_t s = {0};
    sb_add(&s, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[");
    for (size_t i = 0; i < l->n; i++) {
        const field_t *f = &l->f[i];
        sb_add(&s, "%s{\"name\":\"%s%zu\",\"type\":", i ? "," : "", f->k->col ? "f" : "skip", i);
        if (f->wrap == W_NULL_FIRST) sb_add(&s, "[\"null\",");
        else if (f->wrap == W_NULL_SECOND) sb_add(&s, "[");
        sb_avro(&s, f->k->avro, i);
        if (f->wrap == W_NULL_SECOND) sb_add(&s, ",\"null\"]");
        else if (f->wrap == W_NULL_FIRST) sb_add(&s, "]");
        sb_add(&s, "}");
    }
    sb_add(&s, "]}");
    return s.p;
}

static void trio_layout(trio_t *t, const layout_t *l, const char *what) {
    char *table = lay_table(l), *schema = lay_schema(l);
    const char *schemas[1] = {schema};
    trio_new(t, table, schemas, 1);
    t->what = what;
    free(table);
    free(schema);
}

/* One field's value: pnull is the percentage of nulls in a union, bad as for gen_value
 * (for unions also bad branch indexes). */
static void gen_field(msg_t *o, const field_t *f, int pnull, int bad) {
    if (f->wrap != W_PLAIN) {
        const int null_idx = f->wrap == W_NULL_FIRST ? 0 : 1;
        if (bad && (int)rnd(100) < bad / 4 + 1) {
            m_long(o, rnd(2) ? 2 : -1); /* a branch index out of range */
            if (rnd(2)) gen_value(o, f->k->gen, 0);
            return;
        }
        if ((int)rnd(100) < pnull) {
            m_long(o, null_idx);
            return;
        }
        m_long(o, 1 - null_idx);
    }
    gen_value(o, f->k->gen, bad);
}

/* A record of the layout (schema id 1). */
static void gen_record(msg_t *o, const layout_t *l, int pnull, int bad) {
    hdr(o, 1);
    for (size_t i = 0; i < l->n; i++) {
        ASSERT_TRUE(o->n < sizeof(o->b) - 600);
        gen_field(o, &l->f[i], pnull, bad);
    }
}

/* Random corruptions of a record: truncation, a flipped bit, a byte set, trailing bytes. */
static size_t corrupt(msg_t *o) {
    size_t len = o->n;
    if (len <= 5) return len;
    size_t at = 5 + rnd(len - 5);
    switch (rnd(5)) {
    case 0: return 5 + rnd(len - 5);
    case 1: o->b[at] ^= (uint8_t)(1u << rnd(8)); break;
    case 2: {
        static const uint8_t v[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xfe, 0xff};
        o->b[at] = v[rnd(8)];
        break;
    }
    case 3: o->b[len++] = (uint8_t)kfb_test_rand(); break;
    default: break;
    }
    return len;
}

/* Maps n records of the layout (plus corruptions when corrupt), after a warm-up with
 * a valid one; checks that a good share of them took the generated code. */
static size_t run_layout(const layout_t *l, const char *what, size_t n, int pnull, int bad,
                         int corrupt_pct, size_t min_jit) {
    trio_t t;
    trio_layout(&t, l, what);
    static msg_t o;
    for (size_t i = 0; i < n; i++) {
        gen_record(&o, l, pnull, bad);
        size_t len = (int)rnd(100) < corrupt_pct ? corrupt(&o) : o.n;
        map3(&t, o.b, len);
    }
    if (t.n_jit < min_jit)
        fprintf(stderr, "  [%s] %zu messages: %zu ok, %zu errors, %zu by the JIT\n", what,
                t.n_msgs, t.n_ok, t.n_err, t.n_jit);
    ASSERT_GE_INT(t.n_jit, min_jit);
    const size_t jitted = t.n_jit;
    trio_free(&t);
    return jitted;
}

/* ---- 1. random records of mapper_gen.h ------------------------------------------------- */

static void run_gen(int corrupt_them) {
    trio_t t;
    const char *schemas[1] = {SCHEMA};
    trio_new(&t, TABLE, schemas, 1);
    t.what = corrupt_them ? "mapper_gen corrupted" : "mapper_gen";
    out_t o;
    for (int i = 0; i < 8000; i++) {
        gen(&o);
        size_t len = o.n;
        if (corrupt_them) {
            switch (rnd(4)) {
            case 0: len = 5 + rnd(o.n - 5); break;
            case 1: o.b[5 + rnd(o.n - 5)] ^= (uint8_t)(1u << rnd(8)); break;
            case 2: o.b[len++] = 0; break;
            default: break;
            }
        }
        map3(&t, o.b, len);
    }
    ASSERT_GT_INT(t.n_ok, 200);
    ASSERT_GT_INT(t.n_err, 500);
    ASSERT_GT_INT(t.n_jit, 150);
    trio_free(&t);
}

TEST(jit_equals_interpreter_and_general_on_random_records) { run_gen(0); }

TEST(jit_equals_interpreter_and_general_on_corrupted_records) { run_gen(1); }

/* ---- 2. a field of every kind at the very end of the body ------------------------------ */

/* Values of field f for the end-of-body test: deterministic varint cases for ints and
 * longs, strings/bytes of every length 0..70, then random ones. Returns 0 past the end. */
static int put_end_case(msg_t *o, const field_t *f, size_t i) {
    const gen_t g = f->k->gen;
    if (f->wrap != W_PLAIN) {
        const int null_idx = f->wrap == W_NULL_FIRST ? 0 : 1;
        switch (i) {
        case 0: m_long(o, null_idx); return 1;
        case 1: m_long(o, 2); return 1;                 /* out of range */
        case 2: m_long(o, -1); return 1;                /* negative */
        case 3: put_hex(o, "80 00"); return 1;            /* index 0 in two bytes */
        case 4: m_long(o, null_idx); m_long(o, 0); return 1; /* trailing byte */
        default: break;
        }
        m_long(o, 1 - null_idx);
        i -= 5;
    }
    if (g == G_LONG) return put_long_case(o, i);
    if (g == G_INT) return put_int_case(o, i);
    if (g == G_STR || g == G_BYTES) {
        if (i > 70 * 3) return 0;
        size_t n = i % 71;
        char s[80];
        if (g == G_BYTES) {
            for (size_t j = 0; j < n; j++) s[j] = (char)(0x70 + 7 * j);
        } else {
            gen_chars(s, n, (int)(i / 71)); /* ASCII, valid non-ASCII, invalid */
        }
        m_bytes(o, s, n);
        return 1;
    }
    if (i >= 40) return 0;
    gen_value(o, g, 20);
    return 1;
}

/* Layout: k (a long key), pad (a string of 0..15 characters: the field under test starts
 * 2..26 bytes into the body), then the field under test, last; or pad and the field under
 * test as the only key column. Each value also cut by 1..9 bytes (the message ends inside
 * the field) and with one trailing byte. */
static void run_end(const char *kind, int wrap, int as_key) {
    layout_t *l = calloc(1, sizeof(*l));
    lay_init(l);
    char what[128];
    snprintf(what, sizeof(what), "%s%s at the end%s", kind,
             wrap == W_NULL_FIRST ? " [null,T]" : wrap == W_NULL_SECOND ? " [T,null]" : "",
             as_key ? " (key)" : "");
    int k = -1;
    if (!as_key) k = lay_add(l, "long", W_PLAIN);
    lay_add(l, "string", W_PLAIN);
    int x = lay_add(l, kind, wrap);
    lay_key(l, as_key ? x : k);
    trio_t t;
    trio_layout(&t, l, what);
    static msg_t o;
    for (size_t i = 0;; i++) {
        int more = 1;
        for (size_t pad = 0; pad < 16 && more; pad++) {
            hdr(&o, 1);
            if (!as_key) m_long(&o, (int64_t)(i % 50) - 25);
            m_bytes(&o, "ppppppppppppppppp", pad);
            const size_t start = o.n;
            more = put_end_case(&o, &l->f[x], i);
            if (!more) break;
            const size_t full = o.n;
            map3(&t, o.b, full);
            for (size_t cut = 1; cut <= 9 && cut <= full - start; cut++) map3(&t, o.b, full - cut);
            o.b[full] = (uint8_t)(0x80 + i);
            map3(&t, o.b, full + 1);
        }
        if (!more) break;
    }
    if (t.n_jit < 16) {
        fprintf(stderr, "  [%s] %zu messages: %zu ok, %zu by the JIT\n", what, t.n_msgs, t.n_ok, t.n_jit);
        ASSERT_TRUE(0);
    }
    trio_free(&t);
    free(l);
}

static void run_end_all(int as_key) {
    for (size_t i = 0; i < N_KINDS; i++) {
        const kind_t *k = &KINDS[i];
        if (!k->col) continue;
        if (as_key && !k->key_ok) continue;
        run_end(k->name, W_PLAIN, as_key);
        if (as_key) continue; /* union keys: jit_equals_others_for_union_key_columns */
        run_end(k->name, W_NULL_FIRST, 0);
        run_end(k->name, W_NULL_SECOND, 0);
    }
}

TEST(jit_field_of_every_kind_at_the_end_of_the_body) { run_end_all(0); }

TEST(jit_key_field_of_every_kind_at_the_end_of_the_body) { run_end_all(1); }

/* ---- 3. short bodies ---------------------------------------------------------------- */

/* Bodies of 0..7 bytes (the interpreter only) and 8..16 (the JIT): every body of up to two
 * bytes, random ones up to 16, and valid records of every length. */
TEST(jit_short_bodies) {
    layout_t *l = calloc(1, sizeof(*l));
    lay_init(l);
    lay_key(l, lay_add(l, "long", W_PLAIN));
    lay_add(l, "int", W_PLAIN);
    lay_add(l, "string", W_NULL_FIRST);
    lay_add(l, "boolean", W_PLAIN);
    trio_t t;
    trio_layout(&t, l, "short bodies");
    static msg_t o;
    hdr(&o, 1);
    m_raw(&o, "\x02\x04\x00\x01", 4); /* warm: k 1, v 2, null, true */
    ASSERT_OK(map3(&t, o.b, o.n));
    for (unsigned v = 0; v < 256 + 65536; v++) {
        hdr(&o, 1);
        if (v < 256) {
            o.b[o.n++] = (uint8_t)v;
        } else {
            o.b[o.n++] = (uint8_t)(v >> 8);
            o.b[o.n++] = (uint8_t)v;
        }
        map3(&t, o.b, o.n);
    }
    map3(&t, o.b, 5); /* empty body */
    for (int i = 0; i < 40000; i++) {
        hdr(&o, 1);
        size_t n = 3 + rnd(14);
        for (size_t j = 0; j < n; j++) {
            /* small bytes make valid records likely */
            uint8_t b = rnd(3) ? (uint8_t)(rnd(8) & ~1u) : (uint8_t)kfb_test_rand();
            o.b[o.n++] = b;
        }
        map3(&t, o.b, o.n);
    }
    size_t lens_ok[32] = {0};
    for (int i = 0; i < 20000; i++) {
        hdr(&o, 1);
        m_long(&o, rnd_width64());
        m_long(&o, rnd(2) ? rnd_width32() : (int64_t)rnd(5));
        if (rnd(3)) {
            m_long(&o, 0);
        } else {
            char s[8] = "abcdefg";
            m_long(&o, 1);
            m_bytes(&o, s, rnd(8));
        }
        uint8_t b = (uint8_t)rnd(2);
        m_raw(&o, &b, 1);
        if (!map3(&t, o.b, o.n) && o.n - 5 < 32) lens_ok[o.n - 5]++;
    }
    for (size_t n = 4; n <= 16; n++) ASSERT_GT_INT(lens_ok[n], 0);
    ASSERT_GT_INT(t.n_short_ok, 1000);
    ASSERT_GT_INT(t.n_jit, 5000);
    trio_free(&t);
    free(l);
}

/* ---- 4. truncation and single-byte corruption of rich records -------------------------- */

/* Every kind once (plain or in a union), a composite key; for each of a few valid records,
 * every truncation and, at every position, several byte values. */
TEST(jit_truncation_and_byte_corruption_of_rich_records) {
    layout_t *l = calloc(1, sizeof(*l));
    lay_init(l);
    int wrap = 0;
    for (size_t i = 0; i < N_KINDS; i++) {
        int f = lay_add(l, KINDS[i].name, KINDS[i].col && !KINDS[i].key_ok ? (wrap++ % 3) : W_PLAIN);
        if (!strcmp(KINDS[i].name, "long") || !strcmp(KINDS[i].name, "string") ||
            !strcmp(KINDS[i].name, "int"))
            lay_key(l, f);
        if (KINDS[i].col && KINDS[i].key_ok && !lay_is_key(l, (size_t)f)) {
            /* key-capable kinds that are not keys: a union now and then */
            l->f[f].wrap = (int)(i % 3);
        }
    }
    l->extra_before[3] = 1;
    l->extra_before[l->n] = 2;
    trio_t t;
    trio_layout(&t, l, "rich record corrupted");
    static msg_t good, o;
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x03, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff};
    size_t records = 0;
    for (int r = 0; records < 12 && r < 2000; r++) {
        gen_record(&good, l, 30, 0);
        if (map3(&t, good.b, good.n)) continue; /* want valid ones */
        records++;
        for (size_t len = 5; len < good.n; len++) map3(&t, good.b, len);
        for (size_t at = 5; at < good.n; at++) {
            for (size_t v = 0; v < sizeof vals + 8; v++) {
                o = good;
                if (v < sizeof vals) {
                    if (o.b[at] == vals[v]) continue;
                    o.b[at] = vals[v];
                } else {
                    o.b[at] ^= (uint8_t)(1u << (v - sizeof vals));
                }
                map3(&t, o.b, o.n);
            }
        }
        for (int extra = 1; extra <= 9; extra++) {
            o = good;
            for (int e = 0; e < extra; e++) o.b[o.n++] = (uint8_t)(e ? 0x80 : 0x00);
            map3(&t, o.b, o.n);
        }
        map3(&t, good.b, good.n);
    }
    ASSERT_EQ_INT(records, 12);
    ASSERT_GT_INT(t.n_jit, 24);
    trio_free(&t);
    free(l);
}

/* ---- 5. strings ---------------------------------------------------------------------- */

/* Strings and bytes: lengths 0..200 (one-byte Avro lengths up to 63), ASCII, valid
 * non-ASCII UTF-8, invalid UTF-8 at every position, BYTES with high bits (no UTF-8 check),
 * and fields after them whose bytes have high bits (they must not count as the string's). */
TEST(jit_strings) {
    layout_t *l = calloc(1, sizeof(*l));
    lay_init(l);
    lay_key(l, lay_add(l, "long", W_PLAIN));
    lay_add(l, "string", W_PLAIN);
    lay_add(l, "bytes", W_PLAIN);
    lay_add(l, "long", W_PLAIN);
    lay_add(l, "string", W_NULL_SECOND);
    lay_add(l, "double", W_PLAIN);
    lay_add(l, "string", W_PLAIN);
    trio_t t;
    trio_layout(&t, l, "strings");
    static msg_t o;
    uint8_t s[256];
    for (size_t n = 0; n <= 200; n++) {
        /* which field gets the interesting string, and what it holds */
        for (int field = 0; field < 4; field++) {
            for (int flavour = 0; flavour < 5; flavour++) {
                size_t positions = flavour != 0 && flavour != 2 && n ? n : 1;
                if (n > 72 && positions > 1) positions = 3;
                for (size_t pos = 0; pos < positions; pos++) {
                    gen_chars((char *)s, n, 0);
                    size_t at = positions == 3 ? (pos == 0 ? 0 : pos == 1 ? n / 2 : n - 1) : pos;
                    if (n && flavour == 1) {
                        /* valid 2-byte sequence at `at` (or ending there) */
                        if (n >= 2) {
                            size_t a = at + 1 < n ? at : n - 2;
                            s[a] = 0xc3, s[a + 1] = 0xa9;
                        }
                    } else if (n && flavour == 2) {
                        for (size_t j = 0; j < n; j++) s[j] = (uint8_t)(0x80 | j);
                    } else if (n && flavour == 3) {
                        s[at] = 0xff; /* invalid at `at` */
                    } else if (n && flavour == 4) {
                        s[at] = 0x80; /* a stray continuation byte */
                    }
                    hdr(&o, 1);
                    m_long(&o, (int64_t)n);
                    m_bytes(&o, field == 0 ? s : (const uint8_t *)"s", field == 0 ? n : 1);
                    m_bytes(&o, field == 1 ? s : (const uint8_t *)"\xff\x80", field == 1 ? n : 2);
                    m_long(&o, -1 - (int64_t)n * 1000003); /* high bits after the strings */
                    if (field == 2) {
                        m_long(&o, 0);
                        m_bytes(&o, s, n);
                    } else {
                        m_long(&o, 1);
                    }
                    double d = -1.0 / 3.0;
                    m_raw(&o, &d, 8);
                    m_bytes(&o, field == 3 ? s : (const uint8_t *)"", field == 3 ? n : 0);
                    map3(&t, o.b, o.n);
                }
            }
        }
    }
    ASSERT_GT_INT(t.n_jit, 1000);
    ASSERT_GT_INT(t.n_err, 1000);
    trio_free(&t);
    free(l);
}

/* ---- 6. keys ------------------------------------------------------------------------- */

/* BIGINT keys (F_KEY_LONG) first, in the middle and last, of every varint length. */
TEST(jit_bigint_keys_of_every_length) {
    for (int where = 0; where < 3; where++) {
        layout_t *l = calloc(1, sizeof(*l));
        lay_init(l);
        int k = -1;
        if (where == 0) k = lay_add(l, "long", W_PLAIN);
        lay_add(l, "int", W_PLAIN);
        if (where == 1) k = lay_add(l, "long", W_PLAIN);
        lay_add(l, "string", W_NULL_FIRST);
        if (where == 2) k = lay_add(l, "long", W_PLAIN);
        lay_key(l, k);
        trio_t t;
        trio_layout(&t, l, where == 0 ? "bigint key first" : where == 1 ? "bigint key middle" : "bigint key last");
        static msg_t o;
        for (int rep = 0; rep < 3; rep++) {
            for (size_t i = 0;; i++) {
                hdr(&o, 1);
                static msg_t key;
                key.n = 0;
                if (!put_long_case(&key, i)) break;
                for (int f = 0; f < 3; f++) {
                    if (f == where) m_raw(&o, key.b, key.n);
                    if (f == 0) m_long(&o, rep ? rnd_width32() : 1);
                    if (f == 1) {
                        m_long(&o, rep == 2 ? 0 : 1);
                        if (rep != 2) m_bytes(&o, "abcdefghij", rep ? rnd(11) : 0);
                    }
                }
                map3(&t, o.b, o.n);
            }
        }
        ASSERT_GT_INT(t.n_jit, 300);
        trio_free(&t);
        free(l);
    }
}

/* STRING keys (a mark on each side of the string op), lengths 0..70 and non-ASCII. */
TEST(jit_string_keys) {
    layout_t *l = calloc(1, sizeof(*l));
    lay_init(l);
    lay_add(l, "int", W_PLAIN);
    lay_key(l, lay_add(l, "string", W_PLAIN));
    lay_add(l, "long", W_PLAIN);
    trio_t t;
    trio_layout(&t, l, "string key");
    static msg_t o;
    char s[128];
    for (int rep = 0; rep < 8; rep++) {
        for (size_t n = 0; n <= 70; n++) {
            hdr(&o, 1);
            m_long(&o, rnd_width32());
            gen_chars(s, n, rep < 5 ? 0 : rep - 4);
            m_bytes(&o, s, n);
            m_long(&o, rnd_width64());
            map3(&t, o.b, o.n);
        }
    }
    ASSERT_GT_INT(t.n_jit, 300);
    trio_free(&t);
    free(l);
}

/* Composite keys of 2 and 3 columns, in field order and in another order. */
TEST(jit_composite_keys) {
    static const char *const sets[][3] = {
        {"int", "string", "long"}, {"long", "double", NULL}, {"string", "bytes", "int->bigint"},
        {"date", "long", "string"}, {"enum", "long", NULL}, {"int->smallint", "string", "long"},
        {"timestamp-millis", "boolean", "float"},
    };
    for (size_t set = 0; set < sizeof sets / sizeof sets[0]; set++) {
        for (int order = 0; order < 2; order++) {
            layout_t *l = calloc(1, sizeof(*l));
            lay_init(l);
            int kf[3] = {-1, -1, -1};
            size_t nk = 0;
            lay_add(l, "string", W_NULL_FIRST);
            for (size_t j = 0; j < 3 && sets[set][j]; j++) {
                kf[nk++] = lay_add(l, sets[set][j], W_PLAIN);
                lay_add(l, j % 2 ? "skip array" : "int", W_PLAIN);
            }
            for (size_t j = 0; j < nk; j++) lay_key(l, kf[order ? nk - 1 - j : j]);
            char what[128];
            snprintf(what, sizeof(what), "composite key %zu %s", set, order ? "reversed" : "in field order");
            run_layout(l, what, 1500, 20, 3, 10, 500);
            free(l);
        }
    }
}

/* Composite keys whose first column is a long in a nullable union and whose next key
 * column is one wrapped in marks: a wide long (9 or 10 bytes) takes the slow call for the
 * union's field, and the code must still record the next key column's opening mark after
 * it (it once emitted that mark inside the union's inline path, so the slow call's resume
 * skipped it and the key was assembled from a stale offset). */
TEST(jit_composite_key_after_a_union_long_key) {
    static const char *const next[] = {"string", "int", "double", "bytes"};
    for (size_t i = 0; i < sizeof next / sizeof next[0]; i++) {
        for (int wrap = W_NULL_FIRST; wrap <= W_NULL_SECOND; wrap++) {
            layout_t *l = calloc(1, sizeof(*l));
            lay_init(l);
            lay_add(l, "int", W_PLAIN);
            lay_key(l, lay_add(l, "long", wrap));
            lay_key(l, lay_add(l, next[i], W_PLAIN));
            lay_add(l, "string", W_PLAIN);
            char what[128];
            snprintf(what, sizeof(what), "union long key, then a %s key", next[i]);
            run_layout(l, what, 1500, 10, 3, 0, 300);
            free(l);
        }
    }
}

/* Nullable unions feeding key columns: the null branch is an error, the others map. The
 * JIT is not checked here (jit_takes_union_key_columns). */
static void run_union_keys(int check_jit, size_t *jitted, size_t *valid) {
    static const char *const kinds[] = {"long", "string", "int", "double", "bytes", "date"};
    *jitted = *valid = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        for (int wrap = W_NULL_FIRST; wrap <= W_NULL_SECOND; wrap++) {
            layout_t *l = calloc(1, sizeof(*l));
            lay_init(l);
            lay_add(l, "int", W_PLAIN);
            lay_key(l, lay_add(l, kinds[i], wrap));
            lay_add(l, "string", W_PLAIN);
            char what[128];
            snprintf(what, sizeof(what), "%s key in a union %s", kinds[i],
                     wrap == W_NULL_FIRST ? "[null,T]" : "[T,null]");
            trio_t t;
            trio_layout(&t, l, what);
            t.check_jit = check_jit;
            static msg_t o;
            size_t nulls = 0;
            for (int n = 0; n < 600; n++) {
                gen_record(&o, l, 20, 2);
                if (n == 0) gen_record(&o, l, 0, 0);
                kfb_err_t e = map3(&t, o.b, o.n);
                /* the null branch: an error */
                size_t at = 5;
                while (o.b[at] & 0x80) at++;
                at++;
                if (o.b[at] == (wrap == W_NULL_FIRST ? 0 : 2)) {
                    ASSERT_TRUE(e != KFB_ERR_OK);
                    nulls++;
                }
            }
            ASSERT_GT_INT(nulls, 50);
            *jitted += t.n_jit;
            *valid += t.n_ok;
            trio_free(&t);
            free(l);
        }
    }
}

TEST(jit_equals_others_for_union_key_columns) {
    size_t jitted, valid;
    run_union_keys(0, &jitted, &valid);
    ASSERT_GT_INT(valid, 3000);
}

/* The generated code takes valid records whose key column is fed by a nullable union, as
 * it does for any other column. KNOWN FAILURE: build_fused (mapper_compile.c) puts a key
 * column's marks around its value op, so such a field is F_UNION, F_MARK, value, F_MARK
 * (a BIGINT key has no marks: F_UNION, F_KEY_LONG, which works); kfb_mapper_jit_compile
 * takes the op after F_UNION (here the F_MARK) as the union's value op, has no inline code
 * for it and hands the field to kfb_mapper_jit_slow_ as a union, which steps to that F_MARK
 * and runs run_column/put_slot with the mark's zeroed col_op (OP_NESTED): put_slot returns
 * NULL, the generated code returns NULL and the interpreter maps the message again, for
 * every message with a non-null key. The outcome is still right (see
 * jit_equals_others_for_union_key_columns); the machine code never maps these messages.
 * (Were the slow call to succeed, the code after it would run the value op and the second
 * mark as ops of their own on the next field's bytes.) */
TEST(jit_takes_union_key_columns) {
    static const struct {
        const char *kind;
        const char *value; /* a valid non-null value, hex */
    } cases[] = {{"long", "0a"}, {"string", "06 61 62 63"}, {"int", "0a"},
                 {"double", "00 00 00 00 00 00 f8 3f"}, {"bytes", "06 61 62 63"}, {"date", "0a"},
                 {"float", "00 00 c0 3f"}, {"boolean", "01"}, {"enum", "02"},
                 {"int->smallint", "0a"}, {"timestamp-millis", "0a"}};
    size_t failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int wrap = W_NULL_FIRST; wrap <= W_NULL_SECOND; wrap++) {
            layout_t *l = calloc(1, sizeof(*l));
            lay_init(l);
            lay_add(l, "int", W_PLAIN);
            lay_key(l, lay_add(l, cases[i].kind, wrap));
            lay_add(l, "string", W_PLAIN);
            trio_t t;
            trio_layout(&t, l, cases[i].kind);
            t.check_jit = 0;
            static msg_t o;
            /* f0 = 1, f1 = the value (branch 1 of ["null",T], 0 of [T,"null"]), f2 = "xyzxyz"
             * (a body of at least 8 bytes) */
            hdr(&o, 1);
            m_long(&o, 1);
            m_long(&o, wrap == W_NULL_FIRST ? 1 : 0);
            put_hex(&o, cases[i].value);
            m_bytes(&o, "xyzxyz", 6);
            ASSERT_OK(map3(&t, o.b, o.n)); /* compiles the plan */
            ASSERT_OK(map3(&t, o.b, o.n));
            if (t.n_jit != 1) {
                fprintf(stderr, "  %s key column fed by %s: the JIT did not map it:\n", cases[i].kind,
                        wrap == W_NULL_FIRST ? "[\"null\",T]" : "[T,\"null\"]");
                hexdump("message", o.b, o.n);
                failed++;
            }
            trio_free(&t);
            free(l);
        }
    }
    ASSERT_EQ_INT(failed, 0);
    /* and every valid record of random ones */
    size_t jitted, valid;
    run_union_keys(1, &jitted, &valid);
}

/* Two writer schemas of one table taking turns in runs (two plans, each with its own
 * machine code; the first message after a switch takes the general path). */
TEST(jit_two_writer_schemas_taking_turns) {
    layout_t *l1 = calloc(1, sizeof(*l1)), *l2 = calloc(1, sizeof(*l2));
    lay_init(l1);
    lay_key(l1, lay_add(l1, "long", W_PLAIN));
    lay_add(l1, "string", W_NULL_FIRST);
    lay_add(l1, "int", W_PLAIN);
    lay_add(l1, "skip string", W_PLAIN);
    lay_add(l1, "double", W_PLAIN);
    lay_init(l2);
    lay_key(l2, lay_add(l2, "long", W_PLAIN));
    lay_add(l2, "string", W_NULL_SECOND);
    lay_add(l2, "skip array", W_PLAIN);
    lay_add(l2, "int", W_PLAIN);
    lay_add(l2, "double", W_PLAIN);
    /* the table is l1's (f0, f1, f2, f4); l2 leaves f2 without a field (null) and has an
     * f3 the table does not have (skipped) */
    char *table = lay_table(l1), *s1 = lay_schema(l1), *s2 = lay_schema(l2);
    const char *schemas[2] = {s1, s2};
    trio_t t;
    trio_new(&t, table, schemas, 2);
    t.what = "two schemas";
    static msg_t o;
    for (int i = 0; i < 6000; i++) {
        const layout_t *l = (i / 5) % 2 ? l2 : l1;
        gen_record(&o, l, 30, 2);
        o.b[4] = (i / 5) % 2 ? 2 : 1;
        map3(&t, o.b, rnd(10) ? o.n : corrupt(&o));
    }
    ASSERT_GT_INT(t.n_jit, 2500);
    trio_free(&t);
    free(table), free(s1), free(s2), free(l1), free(l2);
}

/* FLOAT/DOUBLE keys: NaN is an error (the slow call checks it); -0.0 and infinities map. */
TEST(jit_float_keys_with_nan) {
    for (int dbl = 0; dbl < 2; dbl++) {
        layout_t *l = calloc(1, sizeof(*l));
        lay_init(l);
        lay_add(l, "string", W_PLAIN);
        lay_key(l, lay_add(l, dbl ? "double" : "float", W_PLAIN));
        lay_add(l, "long", W_PLAIN);
        trio_t t;
        trio_layout(&t, l, dbl ? "double key" : "float key");
        static msg_t o;
        size_t nans = 0;
        for (int i = 0; i < 3000; i++) {
            hdr(&o, 1);
            m_bytes(&o, "abc", rnd(4));
            uint64_t bits = kfb_test_rand();
            switch (rnd(6)) {
            case 0: bits = dbl ? 0x7ff8000000000000ULL : 0x7fc00000; break; /* quiet NaN */
            case 1: bits = dbl ? 0xfff0000000000001ULL : 0xff800001; break; /* signalling */
            case 2: bits = dbl ? 0x8000000000000000ULL : 0x80000000; break; /* -0.0 */
            case 3: bits = dbl ? 0x7ff0000000000000ULL : 0x7f800000; break; /* inf */
            default: break;
            }
            int isn;
            if (dbl) {
                double d;
                memcpy(&d, &bits, 8);
                isn = isnan(d);
                m_raw(&o, &d, 8);
            } else {
                uint32_t b32 = (uint32_t)bits;
                float f;
                memcpy(&f, &b32, 4);
                isn = isnan(f);
                m_raw(&o, &f, 4);
            }
            m_long(&o, rnd_width64());
            kfb_err_t e = map3(&t, o.b, o.n);
            if (isn) {
                ASSERT_TRUE(e != KFB_ERR_OK);
                nans++;
            }
        }
        ASSERT_GT_INT(nans, 500);
        ASSERT_GT_INT(t.n_jit, 1000);
        trio_free(&t);
        free(l);
    }
}

/* ---- 7. skipped fields and slow calls interleaved with inline ops ----------------------- */

/* Random layouts of 3..14 fields from every kind (skipped ones, slow conversions, inline
 * ops, unions of both orders), with 1..3 key columns, so that a slow call resumes at many
 * positions; mostly valid records with some bad values and corruptions. */
TEST(jit_random_layouts_with_skips_and_slow_calls) {
    size_t jitted = 0;
    for (int lay = 0; lay < 150; lay++) {
        layout_t *l = calloc(1, sizeof(*l));
        lay_init(l);
        size_t n = 3 + rnd(12);
        for (size_t i = 0; i < n; i++) {
            const kind_t *k = &KINDS[rnd(N_KINDS)];
            int f = lay_add(l, k->name, W_PLAIN);
            if (k->col && rnd(3) == 0) l->f[f].wrap = 1 + (int)rnd(2);
            if (k->col && rnd(8) == 0) l->f[f].notnull = 1;
            if (rnd(6) == 0) l->extra_before[i] = (unsigned char)(1 + rnd(2));
        }
        /* 1..3 key columns among the key-capable plain fields, else a long one added */
        size_t want = 1 + rnd(3);
        for (size_t tries = 0; tries < 20 && l->n_pk < want; tries++) {
            size_t f = rnd(l->n);
            if (l->f[f].k->key_ok && l->f[f].wrap == W_PLAIN && !lay_is_key(l, f)) lay_key(l, (int)f);
        }
        if (!l->n_pk) lay_key(l, lay_add(l, "long", W_PLAIN));
        l->bucket_count = 1 + (int)rnd(16);
        char what[64];
        snprintf(what, sizeof(what), "random layout %d", lay);
        /* (tiny layouts may have no body of 8 bytes: the JIT is counted over all) */
        jitted += run_layout(l, what, 300, 25, 3, 15, 0);
        free(l);
    }
    ASSERT_GT_INT(jitted, 150 * 300 / 4);
}

/* Every slow-call kind between inline ops, one layout each way round. */
TEST(jit_slow_calls_between_inline_ops) {
    for (size_t i = 0; i < N_KINDS; i++) {
        if (KINDS[i].inl) continue;
        for (int wrap = 0; wrap < 3; wrap++) {
            if (wrap && !KINDS[i].col) break;
            layout_t *l = calloc(1, sizeof(*l));
            lay_init(l);
            lay_key(l, lay_add(l, "long", W_PLAIN));
            lay_add(l, KINDS[i].name, wrap);
            lay_add(l, "string", W_PLAIN);
            lay_add(l, KINDS[i].name, wrap);
            lay_add(l, KINDS[i].name, wrap);
            lay_add(l, "int", W_NULL_SECOND);
            lay_add(l, KINDS[i].name, wrap);
            char what[128];
            snprintf(what, sizeof(what), "slow %s wrap %d", KINDS[i].name, wrap);
            run_layout(l, what, 600, 25, 3, 10, 200);
            free(l);
        }
    }
}

/* ---- 8. many columns --------------------------------------------------------------------- */

/* Wide tables (a null bitmap of more than 8 bytes, and of more than 127: null bits past a
 * one-byte displacement) with nullable unions set null at random and columns without a
 * field in between. */
static void run_wide(size_t n_fields, size_t n_records) {
    static const char *const kinds[] = {"long", "int", "string", "double", "boolean", "bytes",
                                        "float", "int->bigint", "decimal", "enum",
                                        "timestamp-millis", "date"};
    layout_t *l = calloc(1, sizeof(*l));
    lay_init(l);
    lay_key(l, lay_add(l, "long", W_PLAIN));
    for (size_t i = 1; i < n_fields; i++) {
        const int wrap = i % 5 == 0 ? W_PLAIN : i % 2 ? W_NULL_FIRST : W_NULL_SECOND;
        lay_add(l, kinds[i % (sizeof kinds / sizeof kinds[0])], wrap);
        if (i % 10 == 3) l->extra_before[i] = 1;
    }
    l->extra_before[n_fields] = 1;
    char what[64];
    snprintf(what, sizeof(what), "%zu fields", n_fields);
    run_layout(l, what, n_records, 50, n_fields > 100 ? 0 : 1, 5, n_records / 4);
    free(l);
}

TEST(jit_many_columns) {
    run_wide(70, 3000);
    run_wide(140, 1000);
}

TEST(jit_very_many_columns) { run_wide(1050, 60); }

/* ---- 9. reads stay inside the message ---------------------------------------------------- */

/* The end-of-body, short-body and string tests again with each message next to a guard
 * page: the generated code may read only [value, value + len). */
TEST(jit_end_of_body_between_guard_pages) {
    g_guard = 1;
    run_end_all(0);
    run_end_all(1);
    g_guard = 0;
}
TEST(jit_random_records_between_guard_pages) {
    g_guard = 1;
    run_gen(0);
    run_gen(1);
    g_guard = 0;
}

/* ---- 10. the bucket is hashed once per message ---------------------------------------------- */

/* The generated code of a one-column-key plan (KFB_MAPPER_JIT_DUMP), and how many Murmur
 * rounds it holds: the imul by 0x1b873593 (mix_k1's second constant) appears 6 times in
 * one emit_hash_reg (two 4-byte blocks, three tail bytes, kfb_murmur_fluss_int). */
static size_t hash_rounds_in_code(const char *kind, int wrap) {
    layout_t *l = calloc(1, sizeof(*l));
    lay_init(l);
    lay_add(l, "string", W_PLAIN);
    lay_key(l, lay_add(l, kind, wrap));
    lay_add(l, "long", W_PLAIN);
    char *table = lay_table(l), *schema = lay_schema(l);
    char err[1024], path[] = "/tmp/kfb_jit_dump_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_TRUE(fd >= 0);
    close(fd);
    setenv("KFB_MAPPER_JIT_DUMP", path, 1);
    kfb_table_desc_t *td = kfb_table_desc_parse(table, strlen(table), err, sizeof(err));
    ASSERT_TRUE(td != NULL);
    kfb_schema_source_t *src = kfb_schema_source_memory_new();
    ASSERT_OK(kfb_schema_source_add(src, 1, schema, strlen(schema), err, sizeof(err)));
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "t";
    kfb_mapper_t *m = kfb_mapper_new(td, src, &cfg, err, sizeof(err));
    ASSERT_TRUE(m != NULL);
    ASSERT_OK(kfb_mapper_prepare(m, 1, err, sizeof(err)));
    unsetenv("KFB_MAPPER_JIT_DUMP");
    FILE *f = fopen(path, "rb");
    ASSERT_TRUE(f != NULL);
    static uint8_t code[1 << 16];
    size_t n = fread(code, 1, sizeof(code), f);
    fclose(f);
    unlink(path);
    ASSERT_GT_INT(n, 16);
    size_t rounds = 0;
    for (size_t i = 0; i + 4 <= n; i++)
        if (code[i] == 0x93 && code[i + 1] == 0x35 && code[i + 2] == 0x87 && code[i + 3] == 0x1b)
            rounds++;
    kfb_mapper_destroy(m);
    kfb_schema_source_destroy(src);
    kfb_table_desc_destroy(td);
    free(table);
    free(schema);
    free(l);
    return rounds;
}

/* A single INTEGER/DATE/int->BIGINT key column is hashed by emit_varint (its hash_buckets
 * argument is passed for every value op of the key, not only F_KEY_LONG) and then hashed
 * again by emit_bucket after its closing mark: two hashes per message, the first thrown
 * away. A long key and a string key have one. */
TEST(jit_single_key_column_is_hashed_once) {
    static const char *const kinds[] = {"long", "string", "int", "date", "int->bigint"};
    size_t bad = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        for (int wrap = W_PLAIN; wrap <= W_NULL_FIRST; wrap++) {
            size_t rounds = hash_rounds_in_code(kinds[i], wrap);
            if (rounds != 6) {
                fprintf(stderr, "  key %s%s: %zu Murmur rounds in the code (one hash: 6)\n",
                        kinds[i], wrap ? " [null,T]" : "", rounds);
                bad++;
            }
        }
    }
    ASSERT_EQ_INT(bad, 0);
}


