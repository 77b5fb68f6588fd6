/*
 * progress.c - migrate's progress display and the closing summary (progress.h), and the
 * bridge's end-to-end latency bookkeeping.
 */
#include "progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bridge_internal.h"
#include "logging.h"

#define LOG_EVERY_MS 5000
#define BAR_EVERY_MS 200

const char *kfb_progress_count(char *buf, size_t size, uint64_t n) {
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%" PRIu64, n);
    size_t o = 0;
    for (int i = 0; i < len && o + 1 < size; i++) {
        if (i && (len - i) % 3 == 0 && o + 2 < size) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o < size ? o : size - 1] = 0;
    return buf;
}

static void fmt_eta(char *buf, size_t size, double secs) {
    if (secs < 0 || secs > 360000) {
        snprintf(buf, size, "--:--");
        return;
    }
    long s = (long)(secs + 0.5);
    if (s >= 3600) snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
}

void kfb_progress_format(char *buf, size_t size, int bar, int width, int64_t done, int64_t total, double rate) {
    char d[32], t[32], r[32], eta[32];
    kfb_progress_count(d, sizeof d, (uint64_t)(done < 0 ? 0 : done));
    kfb_progress_count(t, sizeof t, (uint64_t)(total < 0 ? 0 : total));
    kfb_progress_count(r, sizeof r, (uint64_t)(rate < 0 ? 0 : rate));
    double frac = total > 0 ? (double)done / (double)total : 0;
    if (frac > 1) frac = 1;
    fmt_eta(eta, sizeof eta, rate > 0 && total > 0 ? (double)(total - done) / rate : -1);
    if (total <= 0) {
        snprintf(buf, size, "%s msgs  %s msg/s", d, r);
        return;
    }
    if (!bar) {
        snprintf(buf, size, "%.1f%% (%s of %s messages), %s msg/s, ETA %s", frac * 100, d, t, r, eta);
        return;
    }
    char b[128];
    if (width > (int)sizeof b - 1) width = (int)sizeof b - 1;
    int fill = (int)(frac * width + 0.5);
    for (int i = 0; i < width; i++) b[i] = i < fill ? '#' : '.';
    b[width] = 0;
    snprintf(buf, size, "[%s] %5.1f%%  %s / %s msgs  %s msg/s  ETA %s", b, frac * 100, d, t, r, eta);
}

typedef struct kfb_progress_state {
    int64_t last_ms, last_done;
    double rate;
    int bar;
    int shown;
    /* end-to-end latency: Kafka timestamp -> Fluss acknowledgement */
    uint64_t lat_n;
    double lat_sum_ms, lat_max_ms;
} kfb_progress_state_t;

static kfb_progress_state_t *state(kfb_bridge_t *b) {
    if (!b->progress) {
        static kfb_progress_state_t none;
        b->progress = calloc(1, sizeof *b->progress);
        if (!b->progress) return &none;
        kfb_progress_t p = b->opts.progress;
        b->progress->bar = p == KFB_PROGRESS_BAR || (p == KFB_PROGRESS_AUTO && isatty(fileno(b->opts.progress_out)));
    }
    return b->progress;
}

void kfb_bridge_progress(kfb_bridge_t *b, int64_t now) {
    if (b->opts.mode != KFB_BRIDGE_MIGRATE || b->opts.progress == KFB_PROGRESS_NONE) return;
    kfb_progress_state_t *s = state(b);
    int every = s->bar ? BAR_EVERY_MS : LOG_EVERY_MS;
    if (!s->last_ms) {
        s->last_ms = now;
        return;
    }
    if (now - s->last_ms < every) return;
    int64_t total, done;
    kfb_bridge_migrate_totals(b, &total, &done);
    double inst = (double)(done - s->last_done) * 1000.0 / (double)(now - s->last_ms);
    s->rate = s->rate > 0 ? 0.7 * s->rate + 0.3 * inst : inst;
    s->last_ms = now;
    s->last_done = done;
    char line[256];
    kfb_progress_format(line, sizeof line, s->bar, 30, done, total, s->rate);
    if (s->bar) {
        fprintf(b->opts.progress_out, "\r%s\033[K", line);
        fflush(b->opts.progress_out);
        s->shown = 1;
    } else {
        KFB_INFO("migrate", "%s", line);
    }
}

void kfb_bridge_latency(kfb_bridge_t *b, const kfb_ticket_t *t) {
    kfb_progress_state_t *s = state(b);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double ms = (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6 - (double)t->min_timestamp_ms;
    if (ms < 0) ms = 0;
    s->lat_n++;
    s->lat_sum_ms += ms;
    kfb_histogram_observe(kfb_bridge_mapping_of(b, t)->mm->end_to_end_latency, ms / 1000.0);
    if (ms > s->lat_max_ms) s->lat_max_ms = ms;
}

void kfb_bridge_print_summary(kfb_bridge_t *b, int status) {
    kfb_progress_state_t *s = state(b);
    FILE *out = b->opts.out;
    if (s->shown) {
        fputc('\n', b->opts.progress_out);
        fflush(b->opts.progress_out);
    }
    double secs = (double)(kfb_bridge_now_ms() - b->started_ms) / 1000.0;
    if (secs <= 0) secs = 0.001;
    fprintf(out, "%s summary (%.1f s%s):\n", b->opts.mode == KFB_BRIDGE_MIGRATE ? "migrate" : "run", secs,
            status == KFB_EXIT_OK ? "" : ", stopped by an error");
    fprintf(out, "  %-20s %12s %12s %12s %10s %10s %8s %12s %12s\n", "mapping", "messages", "upserts", "deletes",
            "skipped", "dead-lett.", "errors", "bytes", "msg/s");
    for (size_t i = 0; i < b->n_maps; i++) {
        const kfb_bridge_stats_t *st = &b->maps[i].st;
        fprintf(out, "  %-20s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %8" PRIu64
                     " %12" PRIu64 " %12.0f\n",
                b->maps[i].cfg->name, st->messages, st->upserts, st->deletes, st->skipped, st->dead_lettered,
                st->errors, st->bytes, (double)st->messages / secs);
    }
    if (s->lat_n)
        fprintf(out, "  latency Kafka timestamp -> Fluss acknowledgement: mean %.0f ms, max %.0f ms\n",
                s->lat_sum_ms / (double)s->lat_n, s->lat_max_ms);
    fprintf(out, "  peak bytes buffered and in flight: %.1f MiB (batch.max_buffered_bytes %.0f MiB); paused %" PRIu64 " times\n",
            (double)b->peak_buffered / 1048576.0, (double)b->max_buffered / 1048576.0, b->bp_pauses);
    size_t nb = 0, held = 0;
    for (size_t i = 0; i < b->n_maps; i++) {
        size_t n, h;
        kfb_acc_memory(b->maps[i].acc, &n, &h);
        nb += n;
        held += h;
    }
    fprintf(out, "  batch builders: %zu, holding at most %.1f MiB\n", nb, (double)held / 1048576.0);
    if (b->replays) fprintf(out, "  replays after uncertain or rejected writes: %" PRIu64 "\n", b->replays);
    if (b->fatal[0]) fprintf(out, "  stopped: %s\n", b->fatal);
    fflush(out);
}
