/*
 * harness.h - the unit-test harness (after libuv's test runner).
 *
 *   TEST(varint_roundtrip) { ASSERT_EQ_U64(x, y); }
 *
 * Every TEST in a file registers itself; harness.c supplies main(), which runs
 * each test in a forked child with a timeout (KFB_TEST_TIMEOUT seconds, default
 * 60) so a crash or hang fails only that test. KFB_TEST_NOFORK=1 runs in-process
 * (for gdb); a command-line argument runs only tests whose name contains it.
 * Assertions print file:line, the expression and both values, then fail the test.
 */
#ifndef KFB_TEST_HARNESS_H
#define KFB_TEST_HARNESS_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*kfb_test_fn)(void);
void kfb_test_register(const char *name, kfb_test_fn fn);
void kfb_test_fail(void) __attribute__((noreturn));

#define TEST(name)                                                                        \
    static void test_##name(void);                                                        \
    __attribute__((constructor)) static void test_register_##name(void) {                 \
        kfb_test_register(#name, test_##name);                                            \
    }                                                                                     \
    static void test_##name(void)

#define KFB_TEST_FAILF_(...)                                                              \
    do {                                                                                  \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                 \
        fprintf(stderr, __VA_ARGS__);                                                     \
        fputc('\n', stderr);                                                              \
        kfb_test_fail();                                                                  \
    } while (0)

#define ASSERT_TRUE(c)                                                                    \
    do { if (!(c)) KFB_TEST_FAILF_("assertion failed: %s", #c); } while (0)
#define ASSERT_FALSE(c) ASSERT_TRUE(!(c))

#define ASSERT_CMP_(a, op, b, T, fmt)                                                     \
    do {                                                                                  \
        T a_ = (a), b_ = (b);                                                             \
        if (!(a_ op b_))                                                                  \
            KFB_TEST_FAILF_("%s %s %s: left " fmt ", right " fmt, #a, #op, #b, a_, b_);  \
    } while (0)
#define ASSERT_EQ_INT(a, b) ASSERT_CMP_(a, ==, b, long long, "%lld")
#define ASSERT_NE_INT(a, b) ASSERT_CMP_(a, !=, b, long long, "%lld")
#define ASSERT_LT_INT(a, b) ASSERT_CMP_(a, <, b, long long, "%lld")
#define ASSERT_LE_INT(a, b) ASSERT_CMP_(a, <=, b, long long, "%lld")
#define ASSERT_GT_INT(a, b) ASSERT_CMP_(a, >, b, long long, "%lld")
#define ASSERT_GE_INT(a, b) ASSERT_CMP_(a, >=, b, long long, "%lld")
#define ASSERT_EQ_U64(a, b) ASSERT_CMP_(a, ==, b, unsigned long long, "%llu")
#define ASSERT_EQ_HEX(a, b) ASSERT_CMP_(a, ==, b, unsigned long long, "0x%llx")
#define ASSERT_EQ_DBL(a, b) ASSERT_CMP_(a, ==, b, double, "%.17g")
#define ASSERT_EQ_PTR(a, b)                                                               \
    do {                                                                                  \
        const void *pa_ = (a), *pb_ = (b);                                                \
        if (pa_ != pb_) KFB_TEST_FAILF_("%s == %s: left %p, right %p", #a, #b, pa_, pb_);\
    } while (0)

/* Compares a kfb_err_t (or any error enum) and prints names when they differ. */
#define ASSERT_ERR(got, want)                                                             \
    do {                                                                                  \
        int g_ = (int)(got), w_ = (int)(want);                                            \
        if (g_ != w_)                                                                     \
            KFB_TEST_FAILF_("%s: got %s (%d), want %s (%d)", #got,                        \
                            kfb_test_err_name(g_), g_, kfb_test_err_name(w_), w_);        \
    } while (0)
#define ASSERT_OK(got) ASSERT_ERR(got, 0)

#define ASSERT_STREQ(a, b)                                                                \
    do {                                                                                  \
        const char *a_ = (a), *b_ = (b);                                                  \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                            \
            KFB_TEST_FAILF_("%s == %s: left \"%s\", right \"%s\"", #a, #b,                \
                            a_ ? a_ : "(null)", b_ ? b_ : "(null)");                      \
    } while (0)

/* Substring check, for error messages. */
#define ASSERT_CONTAINS(hay, needle)                                                      \
    do {                                                                                  \
        const char *h_ = (hay), *n_ = (needle);                                           \
        if (!h_ || !strstr(h_, n_))                                                       \
            KFB_TEST_FAILF_("%s does not contain \"%s\": \"%s\"", #hay, n_,               \
                            h_ ? h_ : "(null)");                                          \
    } while (0)

/* Compares bytes with bytes; on mismatch prints both in hex and the first difference. */
#define ASSERT_MEMEQ(got, got_len, want, want_len)                                        \
    do {                                                                                  \
        if (!kfb_test_memeq((got), (got_len), (want), (want_len)))                        \
            KFB_TEST_FAILF_("%s != %s", #got, #want);                                     \
    } while (0)

/* Compares bytes with a hex string such as "01 0a ff" (spaces, '|' and newlines ignored). */
#define ASSERT_HEX(got, got_len, hexstr)                                                  \
    do {                                                                                  \
        size_t wl_;                                                                       \
        uint8_t *w_ = kfb_test_unhex((hexstr), &wl_);                                     \
        int ok_ = kfb_test_memeq((got), (got_len), w_, wl_);                              \
        free(w_);                                                                         \
        if (!ok_) KFB_TEST_FAILF_("%s != %s", #got, #hexstr);                             \
    } while (0)

/* Helpers. */
const char *kfb_test_err_name(int err);
int kfb_test_memeq(const void *got, size_t got_len, const void *want, size_t want_len);
/* Parses hex ("0a 0B|ff"); aborts the test on malformed input. Caller frees. */
uint8_t *kfb_test_unhex(const char *hex, size_t *len);
/* Deterministic PRNG for randomised tests (xorshift64*); seed from KFB_TEST_SEED or fixed. */
uint64_t kfb_test_rand(void);

/* Log capture: while active, log lines are stored instead of printed. */
void kfb_test_log_capture_start(void);
/* Returns captured lines joined by '\n' (owned by the harness; valid until the next start). */
const char *kfb_test_log_captured(void);
void kfb_test_log_capture_stop(void);

#endif
