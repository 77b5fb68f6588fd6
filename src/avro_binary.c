/*
 * avro_binary.c - skipping Avro binary values by schema, and UTF-8 checking.
 *
 * Format: Apache Avro 1.11.1 specification, "Binary Encoding" (see
 * avro_binary.h for the summary). UTF-8: RFC 3629 section 4 (syntax of UTF-8
 * byte sequences).
 *
 * Work is bounded by the input: a type whose min_size is 0 always encodes to
 * zero bytes and is skipped without looking at it (so records of nulls nested
 * by reference cannot make us walk an exponential tree), and every other value
 * consumes at least one byte. Recursion depth is bounded by the schema's
 * height (<= KFB_AVRO_MAX_DEPTH, enforced by the schema parser).
 */
#include "avro_binary.h"

kfb_err_t kfb_avro_skip(kfb_avro_cursor_t *c, const kfb_avro_node_t *t) {
    kfb_err_t err = KFB_ERR_OK;
    if (t->min_size == 0) return KFB_ERR_OK;
    switch (t->type) {
    case KFB_AVRO_NULL: return KFB_ERR_OK;
    case KFB_AVRO_BOOLEAN: {
        bool b;
        return kfb_avro_read_boolean(c, &b);
    }
    case KFB_AVRO_INT: {
        int32_t v;
        return kfb_avro_read_int(c, &v);
    }
    case KFB_AVRO_LONG: {
        int64_t v;
        return kfb_avro_read_long(c, &v);
    }
    case KFB_AVRO_FLOAT:
    case KFB_AVRO_DOUBLE:
    case KFB_AVRO_FIXED: {
        const uint8_t *p;
        return kfb_avro_read_fixed(c, t->min_size, &p);
    }
    case KFB_AVRO_BYTES:
    case KFB_AVRO_STRING: {
        const uint8_t *p;
        size_t n;
        return kfb_avro_read_bytes(c, &p, &n);
    }
    case KFB_AVRO_ENUM: {
        uint32_t i;
        return kfb_avro_read_enum(c, t->n_symbols, &i);
    }
    case KFB_AVRO_UNION: {
        uint32_t i;
        err = kfb_avro_read_union_index(c, t->n_branches, &i);
        if (KFB_UNLIKELY(err)) return err;
        return kfb_avro_skip(c, t->branches[i]);
    }
    case KFB_AVRO_RECORD:
        for (size_t i = 0; i < t->n_fields; i++) {
            err = kfb_avro_skip(c, t->fields[i].type);
            if (KFB_UNLIKELY(err)) return err;
        }
        return KFB_ERR_OK;
    case KFB_AVRO_ARRAY:
    case KFB_AVRO_MAP: {
        bool is_map = t->type == KFB_AVRO_MAP;
        size_t min_item = is_map ? t->items->min_size + 1 : t->items->min_size;
        for (;;) {
            uint64_t count;
            int64_t size;
            err = kfb_avro_read_block(c, min_item, &count, &size);
            if (KFB_UNLIKELY(err)) return err;
            if (count == 0) return KFB_ERR_OK;
            if (size >= 0) { /* the writer told us how long the block is */
                c->p += size;
                continue;
            }
            if (min_item == 0) continue; /* zero-byte items: nothing to pass over */
            for (uint64_t k = 0; k < count; k++) {
                if (is_map) {
                    const uint8_t *key;
                    size_t key_len;
                    err = kfb_avro_read_bytes(c, &key, &key_len);
                    if (KFB_UNLIKELY(err)) return err;
                }
                err = kfb_avro_skip(c, t->items);
                if (KFB_UNLIKELY(err)) return err;
            }
        }
    }
    }
    return KFB_ERR_INTERNAL;
}

kfb_err_t kfb_avro_validate_datum(const uint8_t *data, size_t len, const kfb_avro_node_t *type,
                                  size_t *err_offset) {
    kfb_avro_cursor_t c;
    kfb_avro_cursor_init(&c, data, len);
    kfb_err_t err = kfb_avro_skip(&c, type);
    if (!err && c.p != c.end) err = KFB_ERR_TRAILING_BYTES;
    if (err_offset) *err_offset = (size_t)(c.p - data);
    return err;
}

size_t kfb_avro_utf8_check(const uint8_t *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        /* ASCII runs are the common case: 8 bytes at a time */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= len) break;
        uint8_t b = s[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (b >= 0xc2 && b <= 0xdf) {
            n = 2;
        } else if (b >= 0xe0 && b <= 0xef) {
            n = 3;
            if (b == 0xe0) lo = 0xa0;       /* no overlong 3-byte forms */
            else if (b == 0xed) hi = 0x9f;  /* no UTF-16 surrogates */
        } else if (b >= 0xf0 && b <= 0xf4) {
            n = 4;
            if (b == 0xf0) lo = 0x90;       /* no overlong 4-byte forms */
            else if (b == 0xf4) hi = 0x8f;  /* nothing above U+10FFFF */
        } else {
            return i; /* continuation byte, 0xc0/0xc1, or 0xf5.. */
        }
        if (len - i < n) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xc0) != 0x80) return i;
        i += n;
    }
    return len;
}
