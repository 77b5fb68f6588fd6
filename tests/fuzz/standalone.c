/*
 * standalone.c - runs a libFuzzer target without libFuzzer, so every fuzz
 * target is also a regression test in `make test` (gcc, sanitizers optional).
 *
 * It replays every file in tests/fuzz/corpus/NAME/ (NAME = this binary's name),
 * then KFB_FUZZ_ITERS (default 20000) inputs derived from the corpus by
 * deterministic mutation (bit flips, truncation, splices, random bytes).
 * Success is "the target returned for every input": crashes and sanitizer
 * reports end the process without the summary line.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS 4096
#define FUZZ_MAX_INPUT 65536

static uint8_t *seeds[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS];
static int n_seeds;

static uint64_t rng = 0x243F6A8885A308D3ULL;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void load_corpus(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) && n_seeds < MAX_SEEDS) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        uint8_t *buf = malloc(FUZZ_MAX_INPUT);
        size_t n = fread(buf, 1, FUZZ_MAX_INPUT, f);
        fclose(f);
        seeds[n_seeds] = buf;
        seed_len[n_seeds++] = n;
    }
    closedir(d);
}

/* Runs the target on an exact-size heap copy so ASan catches any overread. */
static void run(const uint8_t *p, size_t n) {
    uint8_t *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, p, n);
    LLVMFuzzerTestOneInput(copy, n);
    free(copy);
}

int main(int argc, char **argv) {
    (void)argc;
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    char dir[1024];
    snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", name);
    load_corpus(dir);
    const char *it = getenv("KFB_FUZZ_ITERS");
    long iters = it ? atol(it) : 20000;
    for (int i = 0; i < n_seeds; i++) run(seeds[i], seed_len[i]);
    uint8_t *buf = malloc(FUZZ_MAX_INPUT);
    for (long i = 0; i < iters; i++) {
        size_t n;
        if (n_seeds == 0 || next_rand() % 8 == 0) {
            n = next_rand() % 256;
            for (size_t j = 0; j < n; j++) buf[j] = (uint8_t)next_rand();
        } else {
            int s = (int)(next_rand() % (uint64_t)n_seeds);
            n = seed_len[s];
            memcpy(buf, seeds[s], n);
            int edits = 1 + (int)(next_rand() % 4);
            for (int k = 0; k < edits && n > 0; k++) {
                switch (next_rand() % 5) {
                case 0: buf[next_rand() % n] ^= (uint8_t)(1u << (next_rand() % 8)); break;
                case 1: buf[next_rand() % n] = (uint8_t)next_rand(); break;
                case 2: n = next_rand() % n; break; /* truncate */
                case 3: buf[next_rand() % n] = (next_rand() & 1) ? 0xff : 0x80; break;
                case 4: { /* splice in bytes from another seed */
                    int o = (int)(next_rand() % (uint64_t)n_seeds);
                    if (seed_len[o] == 0) break;
                    size_t at = next_rand() % n, from = next_rand() % seed_len[o];
                    size_t len = seed_len[o] - from;
                    if (at + len > FUZZ_MAX_INPUT) len = FUZZ_MAX_INPUT - at;
                    memcpy(buf + at, seeds[o] + from, len);
                    if (at + len > n) n = at + len;
                    break;
                }
                }
            }
        }
        run(buf, n);
    }
    free(buf);
    for (int i = 0; i < n_seeds; i++) free(seeds[i]);
    printf("replayed %d corpus files and %ld generated inputs\n", n_seeds, iters);
    printf("== %s: 1 ok, 0 failed ==\n", name);
    return 0;
}
