/*
 * harness.c - main() for every unit-test binary: runs the registered tests,
 * each in a forked child with a timeout, and prints a summary line
 * "== <binary>: N ok, M failed ==" that scripts/run-tests.sh adds up.
 */
#include "harness.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "logging.h"

#define MAX_TESTS 1024

static struct {
    const char *name;
    kfb_test_fn fn;
} tests[MAX_TESTS];
static int n_tests;
static int forked;

void kfb_test_register(const char *name, kfb_test_fn fn) {
    if (n_tests == MAX_TESTS) {
        fprintf(stderr, "harness: too many tests\n");
        exit(2);
    }
    tests[n_tests].name = name;
    tests[n_tests].fn = fn;
    n_tests++;
}

void kfb_test_fail(void) {
    fflush(stderr);
    if (forked) _exit(1); /* skip leak checks of a test that already failed */
    exit(1);
}

const char *kfb_test_err_name(int err) { return kfb_err_name((kfb_err_t)err); }

static void print_hex(const char *label, const uint8_t *p, size_t n, size_t mark) {
    fprintf(stderr, "    %s (%zu bytes):", label, n);
    for (size_t i = 0; i < n; i++) {
        if (i % 32 == 0) fprintf(stderr, "\n     ");
        fprintf(stderr, i == mark ? "[%02x]" : " %02x", p[i]);
    }
    fputc('\n', stderr);
}

int kfb_test_memeq(const void *got, size_t got_len, const void *want, size_t want_len) {
    const uint8_t *g = got, *w = want;
    size_t i = 0;
    while (i < got_len && i < want_len && g[i] == w[i]) i++;
    if (i == got_len && i == want_len) return 1;
    fprintf(stderr, "  bytes differ at offset %zu\n", i);
    print_hex("got ", g, got_len, i);
    print_hex("want", w, want_len, i);
    return 0;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

uint8_t *kfb_test_unhex(const char *hex, size_t *len) {
    uint8_t *out = malloc(strlen(hex) / 2 + 1);
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ' || *p == '|' || *p == '\n' || *p == '\t') continue;
        int v = hexval(*p);
        if (v < 0) {
            fprintf(stderr, "  harness: bad hex character '%c' in \"%s\"\n", *p, hex);
            kfb_test_fail();
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        fprintf(stderr, "  harness: odd number of hex digits in \"%s\"\n", hex);
        kfb_test_fail();
    }
    *len = n;
    return out;
}

static uint64_t rand_state;

uint64_t kfb_test_rand(void) {
    uint64_t x = rand_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rand_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static kfb_buf_t captured = KFB_BUF_INIT;

static void capture_sink(kfb_log_level_t level, const char *fac, const char *line, void *op) {
    (void)op;
    char head[64];
    int n = snprintf(head, sizeof(head), "%d [%s] ", (int)level, fac);
    kfb_buf_append(&captured, head, (size_t)n);
    kfb_buf_append(&captured, line, strlen(line));
    kfb_buf_append(&captured, "\n", 2); /* keep NUL after the last line */
    captured.len--;
}

void kfb_test_log_capture_start(void) {
    kfb_buf_reset(&captured);
    kfb_buf_append(&captured, "", 1);
    captured.len = 0;
    kfb_log_set_sink(capture_sink, NULL);
}

const char *kfb_test_log_captured(void) { return captured.data ? (const char *)captured.data : ""; }

void kfb_test_log_capture_stop(void) { kfb_log_set_sink(NULL, NULL); }

/* A test that runs out of time says where it was before it dies: the processes it started
 * (a bridge, a judge, a server still running) and, when gdb is there, its threads' stacks.
 * Not async-signal-safe (system), which does not matter to a process about to die. */
static void on_test_timeout(int sig) {
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "echo '  timeout: processes the test started:' >&2; ps -o pid,etime,args --ppid %d | grep -v 'timeout: processes' >&2; "
             "command -v gdb >/dev/null && gdb -p %d -batch -ex 'thread apply all bt' 2>/dev/null | "
             "grep -E '^(Thread|#)' | head -n 80 >&2",
             (int)getpid(), (int)getpid());
    if (system(cmd) < 0) {}
    signal(sig, SIG_DFL);
    raise(sig);
}

static int run_forked(int i, unsigned timeout) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 0;
    }
    if (pid == 0) {
        forked = 1;
        signal(SIGALRM, on_test_timeout);
        alarm(timeout);
        tests[i].fn();
        kfb_buf_free(&captured);
        fflush(NULL);
        exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 1;
    if (WIFSIGNALED(status))
        fprintf(stderr, "  killed by signal %d%s\n", WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    return 0;
}

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    const char *seed = getenv("KFB_TEST_SEED");
    rand_state = seed ? strtoull(seed, NULL, 0) : 0x9E3779B97F4A7C15ULL;
    if (!rand_state) rand_state = 1;
    const char *to = getenv("KFB_TEST_TIMEOUT");
    unsigned timeout = to ? (unsigned)atoi(to) : 60;
    int nofork = getenv("KFB_TEST_NOFORK") != NULL;
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int ok = 0, failed = 0;
    for (int i = 0; i < n_tests; i++) {
        if (filter && !strstr(tests[i].name, filter)) continue;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int pass;
        if (nofork) {
            tests[i].fn();
            pass = 1;
        } else {
            pass = run_forked(i, timeout);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        printf("%s %s.%s (%.0f ms)\n", pass ? "ok  " : "FAIL", prog, tests[i].name, ms);
        if (pass) ok++; else failed++;
    }
    printf("== %s: %d ok, %d failed ==\n", prog, ok, failed);
    return failed ? 1 : 0;
}
