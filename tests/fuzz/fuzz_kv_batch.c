/* fuzz_kv_batch.c - the KV batch reader on arbitrary bytes.
 *
 * Input: one mode byte, then the batch. Mode bit 0 recomputes the CRC and bit 1 the
 * length field before reading, so mutations reach the record parser instead of dying at
 * the checksum. Checked properties:
 *   - init/next never read outside the input (exact-size copy, ASan) and never crash;
 *   - every record lies inside the batch, records are contiguous, value NULL iff empty;
 *   - a batch that reads cleanly is rebuilt byte-for-byte by the builder (when its
 *     varints are minimal, its schema id non-negative and its attributes 0);
 *   - restamp of a clean batch yields a clean batch with the new writer state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crc32c.h"
#include "kv_batch.h"

static void rebuild_and_compare(const uint8_t *in, size_t len, kfb_kv_batch_reader_t *hdr) {
    int16_t schema = kfb_kv_batch_reader_schema_id(hdr);
    if (schema < 0 || kfb_kv_batch_reader_attributes(hdr) != 0) return;
    kfb_kv_batch_builder_t *b = kfb_kv_batch_builder_new(schema, len, NULL, 0);
    if (!b) abort();
    kfb_kv_batch_reader_t r;
    kfb_kv_record_t rec;
    if (kfb_kv_batch_reader_init(&r, in, len, NULL, 0) != KFB_ERR_OK) abort();
    int rc;
    while ((rc = kfb_kv_batch_next(&r, &rec)) > 0) {
        if (rec.size != kfb_kv_record_size(rec.key_len, rec.value_len)) {
            /* non-minimal key-length varint: accepted by readers, never written */
            kfb_kv_batch_abort(b);
            kfb_kv_batch_builder_destroy(b);
            return;
        }
        if (kfb_kv_batch_append(b, rec.key, rec.key_len, rec.value, rec.value_len) != KFB_ERR_OK)
            abort();
    }
    if (rc != 0) abort();
    kfb_kv_batch_set_writer_state(b, kfb_kv_batch_reader_writer_id(hdr),
                                  kfb_kv_batch_reader_batch_sequence(hdr));
    const uint8_t *out;
    size_t out_len;
    if (kfb_kv_batch_build(b, &out, &out_len) != KFB_ERR_OK) abort();
    if (out_len != len || memcmp(out, in, len) != 0) abort();
    kfb_kv_batch_builder_destroy(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint8_t mode = data[0];
    size_t len = size - 1;
    /* exact-size copy: any over-read is an ASan report */
    uint8_t *in = malloc(len ? len : 1);
    if (!in) return 0;
    memcpy(in, data + 1, len);
    if ((mode & 2) && len >= 4) kfb_put_le32(in, (uint32_t)(len - 4));
    if ((mode & 1) && len >= KFB_KV_BATCH_HEADER_SIZE)
        kfb_put_le32(in + KFB_KV_BATCH_CRC_OFFSET,
                     kfb_crc32c(0, in + KFB_KV_BATCH_SCHEMA_ID_OFFSET,
                                len - KFB_KV_BATCH_SCHEMA_ID_OFFSET));

    kfb_kv_batch_reader_t r;
    char err[256];
    if (kfb_kv_batch_reader_init(&r, in, len, err, sizeof(err)) != KFB_ERR_OK) {
        if (err[0] == 0) abort(); /* every error explains itself */
        free(in);
        return 0;
    }
    kfb_kv_record_t rec;
    size_t expect_off = KFB_KV_BATCH_HEADER_SIZE;
    int32_t seen = 0;
    int rc;
    while ((rc = kfb_kv_batch_next(&r, &rec)) > 0) {
        if (rec.offset != expect_off || rec.size < KFB_KV_RECORD_MIN_SIZE) abort();
        if (rec.offset + rec.size > len) abort();
        if (rec.key < in + rec.offset || rec.key + rec.key_len > in + rec.offset + rec.size)
            abort();
        if ((rec.value == NULL) != (rec.value_len == 0)) abort();
        if (rec.value && (rec.value != rec.key + rec.key_len ||
                          rec.value + rec.value_len != in + rec.offset + rec.size))
            abort();
        expect_off += rec.size;
        seen++;
    }
    if (rc == 0) {
        if (seen != kfb_kv_batch_reader_record_count(&r) || expect_off != len) abort();
        if (kfb_kv_batch_validate(in, len, NULL, 0) != KFB_ERR_OK) abort();
        rebuild_and_compare(in, len, &r);
        int64_t wid = (int64_t)((uint64_t)kfb_kv_batch_reader_writer_id(&r) * 31u + 1u);
        if (kfb_kv_batch_restamp(in, len, wid, seen) != KFB_ERR_OK) abort();
        kfb_kv_batch_reader_t r2;
        if (kfb_kv_batch_reader_init(&r2, in, len, NULL, 0) != KFB_ERR_OK) abort();
        if (kfb_kv_batch_reader_writer_id(&r2) != wid ||
            kfb_kv_batch_reader_batch_sequence(&r2) != seen)
            abort();
    } else {
        if (kfb_kv_batch_reader_err(&r) == KFB_ERR_OK) abort();
        if (kfb_kv_batch_reader_errstr(&r)[0] == 0) abort();
        if (kfb_kv_batch_next(&r, &rec) != -1) abort(); /* sticky */
    }
    free(in);
    return 0;
}
