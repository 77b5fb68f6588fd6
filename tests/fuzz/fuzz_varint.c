/* fuzz_varint.c - the bounded varint readers never read out of bounds and agree
 * with the writers on every value they accept. */
#include <stdint.h>
#include <stdlib.h>

#include "varint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint32_t v32;
    uint64_t v64;
    size_t n;
    uint8_t tmp[KFB_VARINT64_MAX];
    if (kfb_varint32_read(data, size, &v32, &n) == KFB_ERR_OK) {
        if (n == 0 || n > size || n > KFB_VARINT32_MAX) abort();
        /* canonical re-encoding is never longer than what was read */
        if (kfb_varint32_write(tmp, v32) > n) abort();
    }
    if (kfb_varint64_read(data, size, &v64, &n) == KFB_ERR_OK) {
        if (n == 0 || n > size || n > KFB_VARINT64_MAX) abort();
        if (kfb_varint64_write(tmp, v64) > n) abort();
    }
    return 0;
}
