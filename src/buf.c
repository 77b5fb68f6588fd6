/* buf.c - growth path of kfb_buf_t. */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

kfb_err_t kfb_buf_grow(kfb_buf_t *b, size_t extra) {
    if (extra > SIZE_MAX - b->len) return KFB_ERR_NOMEM;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) { cap = need; break; }
        cap *= 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (!p) return KFB_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return KFB_ERR_OK;
}

void kfb_buf_free(kfb_buf_t *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

kfb_err_t kfb_buf_read_file(kfb_buf_t *b, const char *path, size_t max_bytes, int *sys_errno) {
    kfb_buf_reset(b);
    if (sys_errno) *sys_errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (sys_errno) *sys_errno = errno;
        return KFB_ERR_IO;
    }
    kfb_err_t err = KFB_ERR_OK;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (max_bytes && b->len + n > max_bytes) {
            err = KFB_ERR_OUT_OF_RANGE;
            break;
        }
        if ((err = kfb_buf_append(b, chunk, n))) break;
    }
    if (!err && ferror(f)) {
        if (sys_errno) *sys_errno = errno ? errno : EIO;
        err = KFB_ERR_IO;
    }
    fclose(f);
    if (!err && !(err = kfb_buf_append_byte(b, 0))) b->len--; /* NUL kept past len */
    if (err) kfb_buf_reset(b);
    return err;
}
