/*
 * buf.h - a growable byte buffer, the one place bytes are accumulated.
 *
 * Encoders append into a kfb_buf_t owned by the caller (a batch builder, a
 * scratch buffer reused across records), so steady-state encoding does not
 * allocate. Growth is geometric. Positions inside a buffer must be kept as
 * offsets, never pointers: any append may move the data.
 *
 * Ownership: the buffer owns `data`; kfb_buf_free() releases it. A zeroed
 * kfb_buf_t (KFB_BUF_INIT) is a valid empty buffer.
 */
#ifndef KFB_BUF_H
#define KFB_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "errors.h"

typedef struct kfb_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} kfb_buf_t;

#define KFB_BUF_INIT {NULL, 0, 0}

/* Slow path of kfb_buf_reserve: grows capacity to at least len + extra. */
kfb_err_t kfb_buf_grow(kfb_buf_t *b, size_t extra);

/* Ensures room for `extra` more bytes. Returns KFB_ERR_OK or KFB_ERR_NOMEM. */
static inline kfb_err_t kfb_buf_reserve(kfb_buf_t *b, size_t extra) {
    if (KFB_LIKELY(b->cap - b->len >= extra)) return KFB_ERR_OK;
    return kfb_buf_grow(b, extra);
}

static inline kfb_err_t kfb_buf_append(kfb_buf_t *b, const void *p, size_t n) {
    kfb_err_t err = kfb_buf_reserve(b, n);
    if (KFB_UNLIKELY(err)) return err;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return KFB_ERR_OK;
}

static inline kfb_err_t kfb_buf_append_byte(kfb_buf_t *b, uint8_t v) {
    kfb_err_t err = kfb_buf_reserve(b, 1);
    if (KFB_UNLIKELY(err)) return err;
    b->data[b->len++] = v;
    return KFB_ERR_OK;
}

/* Forgets the contents, keeps the memory. */
static inline void kfb_buf_reset(kfb_buf_t *b) { b->len = 0; }

/* Replaces b's contents with the whole file at path, followed by a NUL byte that is not
 * counted in b->len (so text can be used as a C string). max_bytes > 0 caps the size.
 * Returns KFB_ERR_OK; KFB_ERR_IO when the file cannot be opened or read (*sys_errno, if
 * given, gets errno: ENOENT tells a missing file); KFB_ERR_OUT_OF_RANGE when the file is
 * larger than max_bytes; KFB_ERR_NOMEM. On error b is empty. */
kfb_err_t kfb_buf_read_file(kfb_buf_t *b, const char *path, size_t max_bytes, int *sys_errno);

/* Releases memory; the buffer is empty and reusable afterwards. */
void kfb_buf_free(kfb_buf_t *b);

#endif
