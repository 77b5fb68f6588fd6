/*
 * varint.c - bounded LEB128 readers (see varint.h for the format and the rules).
 * Reference: fluss-common/src/main/java/org/apache/fluss/row/compacted/CompactedRowReader.java
 */
#include "varint.h"

kfb_err_t kfb_varint32_read(const uint8_t *p, size_t len, uint32_t *out, size_t *consumed) {
    if (KFB_LIKELY(len > 0 && p[0] < 0x80)) {
        *out = p[0];
        *consumed = 1;
        return KFB_ERR_OK;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < KFB_VARINT32_MAX; i++) {
        if (i >= len) return KFB_ERR_TRUNCATED;
        uint8_t b = p[i];
        if (i == KFB_VARINT32_MAX - 1 && b > 0x0f)
            return KFB_ERR_VARINT_OVERLONG; /* continuation, or bits 32+ */
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *out = v;
            *consumed = i + 1;
            return KFB_ERR_OK;
        }
    }
    return KFB_ERR_VARINT_OVERLONG; /* not reached */
}

kfb_err_t kfb_varint64_read(const uint8_t *p, size_t len, uint64_t *out, size_t *consumed) {
    if (KFB_LIKELY(len > 0 && p[0] < 0x80)) {
        *out = p[0];
        *consumed = 1;
        return KFB_ERR_OK;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < KFB_VARINT64_MAX; i++) {
        if (i >= len) return KFB_ERR_TRUNCATED;
        uint8_t b = p[i];
        if (i == KFB_VARINT64_MAX - 1 && b > 0x01)
            return KFB_ERR_VARINT_OVERLONG; /* continuation, or bits 64+ */
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *out = v;
            *consumed = i + 1;
            return KFB_ERR_OK;
        }
    }
    return KFB_ERR_VARINT_OVERLONG; /* not reached */
}
