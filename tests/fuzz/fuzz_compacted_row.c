/* fuzz_compacted_row.c - the compacted row and key readers on arbitrary bytes.
 *
 * Input: byte 0 picks a schema (low 2 bits) and the mode (bit 2: key instead of value row;
 * bit 3: decimal conversion from bytes instead, bit 4: from text; see fuzz_decimal*); the
 * rest is the row. Properties checked beyond "no crash, no overread":
 *   - an accepted row consumed exactly its input: re-encoding the decoded values with the
 *     writer reproduces the input byte for byte (the reader accepts only canonical forms
 *     except non-minimal varints, which are re-encoded shorter - so compare lengths <=);
 *   - every accepted value can be rendered as JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compacted_row.h"
#include "row_json.h"

#define NS 4
#define MAXF 24

static kfb_datatype_t schemas[NS][MAXF];
static size_t schema_len[NS];
static int ready;

static void add(int s, kfb_datatype_t t) { schemas[s][schema_len[s]++] = t; }

static void init(void) {
    /* 0: every scalar type, nullable */
    add(0, kfb_datatype_make(KFB_TYPE_BOOLEAN, true));
    add(0, kfb_datatype_make(KFB_TYPE_TINYINT, true));
    add(0, kfb_datatype_make(KFB_TYPE_SMALLINT, true));
    add(0, kfb_datatype_make(KFB_TYPE_INTEGER, true));
    add(0, kfb_datatype_make(KFB_TYPE_BIGINT, true));
    add(0, kfb_datatype_make(KFB_TYPE_FLOAT, true));
    add(0, kfb_datatype_make(KFB_TYPE_DOUBLE, true));
    add(0, kfb_datatype_sized(KFB_TYPE_CHAR, 3, true));
    add(0, kfb_datatype_make(KFB_TYPE_STRING, true));
    add(0, kfb_datatype_sized(KFB_TYPE_BINARY, 4, true));
    add(0, kfb_datatype_make(KFB_TYPE_BYTES, true));
    add(0, kfb_datatype_decimal(10, 2, true));
    add(0, kfb_datatype_decimal(38, 10, true));
    add(0, kfb_datatype_make(KFB_TYPE_DATE, true));
    add(0, kfb_datatype_timed(KFB_TYPE_TIME_WITHOUT_TIME_ZONE, 3, true));
    add(0, kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, 3, true));
    add(0, kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE, 9, true));
    add(0, kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, 6, true));
    add(0, kfb_datatype_make(KFB_TYPE_ARRAY, true));
    /* 1: NOT NULL key-like columns */
    add(1, kfb_datatype_make(KFB_TYPE_INTEGER, false));
    add(1, kfb_datatype_make(KFB_TYPE_STRING, false));
    add(1, kfb_datatype_decimal(18, 4, false));
    add(1, kfb_datatype_decimal(19, 0, false));
    add(1, kfb_datatype_timed(KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE, 3, false));
    /* 2: nine columns (two bitmap bytes, 7 padding bits) */
    for (int i = 0; i < 9; i++)
        add(2, kfb_datatype_make(i % 2 ? KFB_TYPE_BIGINT : KFB_TYPE_BOOLEAN, i % 3 != 0));
    /* 3: one column */
    add(3, kfb_datatype_make(KFB_TYPE_STRING, true));
    ready = 1;
}

static void rewrite(kfb_row_writer_t *w, const kfb_datatype_t *t, uint32_t i, const kfb_value_t *v) {
    if (kfb_row_write_value(w, t, i, v) != KFB_ERR_OK) abort();
}

/* Decimal conversion on arbitrary unscaled bytes: a success must be a fixed point (converting
 * its own bytes at the target scale gives the same value) and must render as a string. */
static void fuzz_decimal(const uint8_t *p, size_t n) {
    if (n < 2) return;
    int32_t src_scale = (int8_t)p[0];
    int32_t precision = 1 + p[1] % 38;
    int32_t scale = (p[1] >> 2) % (precision + 1);
    kfb_decimal_t d, again;
    if (kfb_decimal_from_unscaled_be(p + 2, n - 2, src_scale, precision, scale, &d)) return;
    if (d.nbytes < 1 || d.nbytes > KFB_DECIMAL_MAX_BYTES) abort();
    if (!kfb_decimal_bytes_minimal(d.bytes, d.nbytes)) abort();
    if (kfb_decimal_from_unscaled_be(d.bytes, d.nbytes, scale, precision, scale, &again)) abort();
    if (again.nbytes != d.nbytes || memcmp(again.bytes, d.bytes, d.nbytes) != 0) abort();
    if (precision <= 18 && again.unscaled != d.unscaled) abort();
    char s[KFB_DECIMAL_STRING_MAX];
    if (kfb_decimal_to_string(&d, s, sizeof(s)) >= sizeof(s)) abort();
}

/* Decimal text: a success renders to a string that parses back to the same value. */
static void fuzz_decimal_text(const uint8_t *p, size_t n) {
    if (n < 1) return;
    int32_t precision = 1 + p[0] % 38;
    int32_t scale = (p[0] >> 2) % (precision + 1);
    kfb_decimal_t d, again;
    if (kfb_decimal_from_string((const char *)p + 1, n - 1, precision, scale, &d)) return;
    char s[KFB_DECIMAL_STRING_MAX];
    size_t len = kfb_decimal_to_string(&d, s, sizeof(s));
    if (len >= sizeof(s)) abort();
    if (kfb_decimal_from_string(s, len, precision, scale, &again)) abort();
    if (again.nbytes != d.nbytes || memcmp(again.bytes, d.bytes, d.nbytes) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ready) init();
    if (size < 1) return 0;
    if (data[0] & 16) {
        fuzz_decimal_text(data + 1, size - 1);
        return 0;
    }
    if (data[0] & 8) {
        fuzz_decimal(data + 1, size - 1);
        return 0;
    }
    int s = data[0] & 3;
    int key = (data[0] >> 2) & 1;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    kfb_value_t v[MAXF];
    char err[256];
    kfb_err_t rc = key ? kfb_key_decode(schemas[s], schema_len[s], p, n, v, err, sizeof(err))
                       : kfb_row_decode(schemas[s], schema_len[s], p, n, v, err, sizeof(err));
    if (rc != KFB_ERR_OK) {
        if (err[0] == '\0') abort(); /* every error explains itself */
        return 0;
    }
    kfb_buf_t b = KFB_BUF_INIT;
    kfb_row_writer_t w;
    if (key) kfb_key_writer_begin(&w, &b);
    else if (kfb_row_writer_begin(&w, &b, (uint32_t)schema_len[s])) abort();
    for (size_t i = 0; i < schema_len[s]; i++) rewrite(&w, &schemas[s][i], (uint32_t)i, &v[i]);
    /* Canonical re-encoding: never longer; identical when the input used minimal varints. */
    if (b.len > n) abort();
    if (b.len == n && memcmp(b.data, p, n) != 0) abort();
    kfb_buf_reset(&b);
    if (!key) {
        static const char *const names[MAXF] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
                                                "k", "l", "m", "n", "o", "p", "q", "r", "s", "t",
                                                "u", "v", "w", "x"};
        if (kfb_row_json_append_row(&b, names, schemas[s], v, schema_len[s])) abort();
    }
    kfb_buf_free(&b);
    return 0;
}
