/* buf.c - growth path of kfb_buf_t. */
#include "buf.h"

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
