/*
 * progress.h - how `migrate` shows its progress: a bar on a terminal, a log line every few
 * seconds otherwise, and the closing per-mapping summary.
 *
 *   [#########...........]  45.2%  1,234,567 / 2,731,000 msgs  812,345 msg/s  ETA 0:02
 */
#ifndef KFB_PROGRESS_H
#define KFB_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* One progress line (no newline) into buf: a bar `width` characters wide when bar != 0,
 * else a plain sentence. total <= 0 shows only the count. rate in messages/s; ETA from it. */
void kfb_progress_format(char *buf, size_t size, int bar, int width, int64_t done, int64_t total,
                         double rate);

/* "1,234,567" */
const char *kfb_progress_count(char *buf, size_t size, uint64_t n);

#endif
