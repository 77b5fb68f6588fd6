/* fuzz_kafka_mock_cmd.c - kafka-mock's text readers (tests/support/kafka_mock_cmd.c) on
 * arbitrary bytes: the record-line parser never reads out of bounds, every record it
 * accepts formats to a line that parses back to the same record (and formats to the same
 * line again), and the control-line splitter and API-name lookup stay within their input. */
#include <stdlib.h>
#include <string.h>

#include "kafka_mock_cmd.h"

static int bytes_eq(const kfb_kmc_bytes_t *a, const kfb_kmc_bytes_t *b) {
    return a->is_null == b->is_null && a->len == b->len && (!a->len || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static kfb_kmc_record_t r1, r2;
    kfb_buf_t s1 = KFB_BUF_INIT, s2 = KFB_BUF_INIT, line = KFB_BUF_INIT, line2 = KFB_BUF_INIT;
    char err[256];
    if (kfb_kmc_parse_record((const char *)data, size, &s1, &r1, err, sizeof(err)) == KFB_ERR_OK) {
        if (kfb_kmc_format_record(&line, &r1) != KFB_ERR_OK) abort();
        if (!line.len || line.data[line.len - 1] != '\n') abort();
        if (kfb_kmc_parse_record((const char *)line.data, line.len - 1, &s2, &r2, err, sizeof(err)) != KFB_ERR_OK)
            abort();
        if (r1.partition != r2.partition || !bytes_eq(&r1.key, &r2.key) || !bytes_eq(&r1.value, &r2.value) ||
            r1.n_headers != r2.n_headers || r1.offset != r2.offset ||
            (r1.offset >= 0 && r1.timestamp != r2.timestamp))
            abort();
        for (size_t i = 0; i < r1.n_headers; i++)
            if (r1.headers[i].name_len != r2.headers[i].name_len ||
                memcmp(r1.headers[i].name, r2.headers[i].name, r1.headers[i].name_len) != 0 ||
                !bytes_eq(&r1.headers[i].value, &r2.headers[i].value))
                abort();
        if (kfb_kmc_format_record(&line2, &r2) != KFB_ERR_OK || line2.len != line.len ||
            memcmp(line.data, line2.data, line.len) != 0)
            abort();
    }
    /* the control-line side: a NUL-terminated copy split into words */
    char *copy = malloc(size + 1);
    if (copy) {
        memcpy(copy, data, size);
        copy[size] = 0;
        char *words[KFB_KMC_MAX_WORDS];
        int n = kfb_kmc_split(copy, words, KFB_KMC_MAX_WORDS);
        if (n > KFB_KMC_MAX_WORDS) abort();
        for (int i = 0; i < n; i++) {
            if (!*words[i] || words[i] < copy || words[i] > copy + size) abort();
            int key = kfb_kmc_api_key(words[i]);
            if (key >= 0 && !kfb_kmc_api_name(key)) abort();
        }
        free(copy);
    }
    kfb_buf_free(&s1);
    kfb_buf_free(&s2);
    kfb_buf_free(&line);
    kfb_buf_free(&line2);
    return 0;
}
