/* fuzz_paimon_key.c - drives the Paimon key writer with arbitrary field
 * sequences and checks the row it produces structurally: 8-byte multiple,
 * zero header, inline/variable strings where the rules put them, variable
 * offsets aligned and inside the row, and nothing left behind on error.
 *
 * Input: byte 0 = arity (1..32), byte 1 = pre-existing bytes in the buffer
 * (0..7); then per field an op byte (type = op % 10) and its payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "paimon_key.h"

struct cursor {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct cursor *c, size_t k) {
    uint64_t v = 0;
    for (size_t i = 0; i < k; i++) {
        v = v << 8 | (c->n ? *c->p : 0);
        if (c->n) c->p++, c->n--;
    }
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    struct cursor c = {data + 2, size - 2};
    uint32_t arity = (uint32_t)(data[0] % 33); /* 0 exercises the begin error */
    size_t prefix = data[1] % 8;
    kfb_buf_t out = KFB_BUF_INIT;
    if (prefix && kfb_buf_append(&out, "PPPPPPP", prefix)) abort();

    kfb_paimon_key_writer_t w;
    kfb_err_t err = kfb_paimon_key_begin(&w, &out, arity);
    if (arity == 0) {
        if (err != KFB_ERR_INVALID_ARG || out.len != prefix) abort();
        kfb_buf_free(&out);
        return 0;
    }
    if (err) abort();
    size_t header = ((arity + 71) / 64) * 8, fixed = header + 8 * (size_t)arity;

    /* what each field should look like, for the structural check */
    struct { int kind; const uint8_t *bytes; size_t len; } want[32];
    memset(want, 0, sizeof want);
    uint32_t pos = 0;
    int failed = 0;
    while (pos < arity && !failed) {
        uint8_t op = (uint8_t)take(&c, 1);
        want[pos].kind = op % 10;
        switch (op % 10) {
        case 0: err = kfb_paimon_key_write_boolean(&w, pos, take(&c, 1) & 1); break;
        case 1: err = kfb_paimon_key_write_smallint(&w, pos, (int16_t)take(&c, 2)); break;
        case 2: err = kfb_paimon_key_write_int(&w, pos, (int32_t)take(&c, 4)); break;
        case 3: err = kfb_paimon_key_write_bigint(&w, pos, (int64_t)take(&c, 8)); break;
        case 4: err = kfb_paimon_key_write_double(&w, pos, kfb_bits_double(take(&c, 8))); break;
        case 5: { /* string of up to 31 bytes taken from the input */
            size_t len = take(&c, 1) % 32;
            if (len > c.n) len = c.n;
            want[pos].bytes = c.p;
            want[pos].len = len;
            err = kfb_paimon_key_write_string(&w, pos, c.p, len);
            c.p += len, c.n -= len;
            break;
        }
        case 6: err = kfb_paimon_key_write_decimal(&w, pos, (int)(take(&c, 1) % 41), (int64_t)take(&c, 8)); break;
        case 7: {
            int prec = (int)(take(&c, 1) % 41);
            size_t len = take(&c, 1) % 20;
            if (len > c.n) len = c.n;
            err = kfb_paimon_key_write_decimal_bytes(&w, pos, prec, len ? c.p : NULL, len);
            c.p += len, c.n -= len;
            break;
        }
        case 8:
            err = kfb_paimon_key_write_timestamp(&w, pos, (int)(take(&c, 1) % 11) - 1, (int64_t)take(&c, 8),
                                                 (int32_t)take(&c, 4) % 1100000);
            break;
        default: err = take(&c, 1) == 0 ? kfb_paimon_key_write_null(&w, pos)
                                        : kfb_paimon_key_write_tinyint(&w, pos, (int8_t)take(&c, 1));
        }
        if (err) failed = 1;
        else pos++;
    }
    size_t len = 1;
    err = kfb_paimon_key_finish(&w, &len);
    if (failed) {
        if (!err || out.len != prefix || len != 0) abort();
        kfb_buf_free(&out);
        return 0;
    }
    if (err || len != out.len - prefix || len % 8 || len < fixed) abort();
    const uint8_t *row = out.data + prefix;
    for (size_t i = 0; i < header; i++)
        if (row[i]) abort();
    for (uint32_t i = 0; i < arity; i++) {
        uint64_t s = kfb_get_le64(row + header + 8 * (size_t)i);
        if (want[i].kind != 5) continue;
        if (want[i].len <= 7) {
            if ((s >> 56) != (0x80 | want[i].len)) abort();
            if (want[i].len && memcmp(row + header + 8 * (size_t)i, want[i].bytes, want[i].len)) abort();
        } else {
            uint64_t off = s >> 32, n = s & 0xffffffffu;
            if (n != want[i].len || off < fixed || off % 8 || off + n > len) abort();
            if (memcmp(row + off, want[i].bytes, n)) abort();
        }
    }
    kfb_buf_free(&out);
    return 0;
}
