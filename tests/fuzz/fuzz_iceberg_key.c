/* fuzz_iceberg_key.c - kfb_iceberg_key_string on arbitrary bytes (untrusted Kafka strings).
 * Properties beyond "no crash, no overread": the output is well-formed UTF-8 (RFC 3629:
 * shortest form, no surrogates, at most U+10FFFF); valid input comes out unchanged; the
 * output never exceeds 3 bytes per input byte; running it again changes nothing. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg_key.h"

/* Independent strict validator (RFC 3629 table), not the code under test. */
static bool utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t need;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) need = 1;
        else if (c == 0xe0) { need = 2; lo = 0xa0; }
        else if (c == 0xed) { need = 2; hi = 0x9f; }
        else if (c >= 0xe1 && c <= 0xef) need = 2;
        else if (c == 0xf0) { need = 3; lo = 0x90; }
        else if (c == 0xf4) { need = 3; hi = 0x8f; }
        else if (c >= 0xf1 && c <= 0xf3) need = 3;
        else return false;
        if (n - i - 1 < need) return false;
        if (s[i + 1] < lo || s[i + 1] > hi) return false;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xc0) != 0x80) return false;
        i += need + 1;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kfb_buf_t a = KFB_BUF_INIT, b = KFB_BUF_INIT;
    if (kfb_iceberg_key_string(&a, data, size) != KFB_ERR_OK) abort();
    if (a.len > 3 * size) abort();
    if (!utf8_valid(a.data, a.len)) abort();
    if (utf8_valid(data, size) && (a.len != size || (size && memcmp(a.data, data, size))))
        abort();
    if (kfb_iceberg_key_string(&b, a.data, a.len) != KFB_ERR_OK) abort();
    if (b.len != a.len || (a.len && memcmp(a.data, b.data, a.len))) abort();
    kfb_buf_free(&a);
    kfb_buf_free(&b);
    return 0;
}
