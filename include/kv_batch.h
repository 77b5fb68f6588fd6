/*
 * kv_batch.h - Fluss KvRecordBatch (magic 0): a builder for the bytes a PutKv
 * request carries per bucket, and a validating reader.
 *
 * Format (fluss-protocol.md §9; fluss-common/.../record/DefaultKvRecordBatch.java,
 * KvRecordBatchBuilder.java, DefaultKvRecord.java; fluss-rust
 * crates/fluss/src/record/kv/kv_record_batch*.rs). All integers little-endian.
 *
 *   off size field
 *    0   4   length          int32: total batch bytes - 4
 *    4   1   magic           0
 *    5   4   crc             CRC-32C over bytes [9, end)
 *    9   2   schema_id       int16
 *   11   1   attributes      0
 *   12   8   writer_id       int64, -1 = none
 *   20   4   batch_sequence  int32, -1 = none
 *   24   4   record_count    int32
 *   28   .   records         back to back:
 *            int32 length (bytes that follow) | varint key_len | key | value
 *            (no value bytes = delete)
 *
 * Builder ownership: the builder owns its buffer. kfb_kv_batch_build() returns a
 * pointer INTO that buffer; it stays valid and unchanged until the next call that
 * mutates the builder (append, begin_record, set_writer_state, set_schema_id,
 * reset, destroy). Callers that must keep the bytes longer (in-flight requests
 * outliving the builder) copy them, and re-stamp the copy with
 * kfb_kv_batch_restamp().
 *
 * Thread safety: none; one builder or reader per thread at a time.
 */
#ifndef KFB_KV_BATCH_H
#define KFB_KV_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "bytes.h"
#include "errors.h"

#define KFB_KV_BATCH_HEADER_SIZE 28
#define KFB_KV_BATCH_LENGTH_OFFSET 0
#define KFB_KV_BATCH_MAGIC_OFFSET 4
#define KFB_KV_BATCH_CRC_OFFSET 5
#define KFB_KV_BATCH_SCHEMA_ID_OFFSET 9
#define KFB_KV_BATCH_ATTRIBUTES_OFFSET 11
#define KFB_KV_BATCH_WRITER_ID_OFFSET 12
#define KFB_KV_BATCH_SEQUENCE_OFFSET 20
#define KFB_KV_BATCH_RECORD_COUNT_OFFSET 24
#define KFB_KV_BATCH_MAGIC_V0 0
/* LogRecordBatchFormat.NO_WRITER_ID / NO_BATCH_SEQUENCE */
#define KFB_KV_NO_WRITER_ID ((int64_t)-1)
#define KFB_KV_NO_BATCH_SEQUENCE ((int32_t)-1)
/* Smallest possible record: 4-byte length + 1-byte key length (empty key, delete). */
#define KFB_KV_RECORD_MIN_SIZE 5
/* Largest schema id the int16 header field holds (KvRecordBatchBuilder constructor check). */
#define KFB_KV_SCHEMA_ID_MAX 32767
/* Largest write limit: the batch length is an int32. */
#define KFB_KV_WRITE_LIMIT_MAX ((size_t)INT32_MAX)

/* ------------------------------------------------------------------------- */
/* Builder                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct kfb_kv_batch_builder kfb_kv_batch_builder_t;

/*
 * Creates an empty batch for rows encoded with `schema_id` (0..32767) holding at
 * most `write_limit` bytes including the 28-byte header (28..INT32_MAX). The buffer
 * is allocated once, up front, with capacity `write_limit` (capped at 64 MiB for
 * huge limits; past that it grows geometrically and keeps its capacity across
 * reset). Writer id and batch sequence start at -1.
 * Returns NULL and fills errstr on a bad argument or out of memory.
 */
kfb_kv_batch_builder_t *kfb_kv_batch_builder_new(int32_t schema_id, size_t write_limit,
                                                 char *errstr, size_t errstr_size);
/* Frees the builder. Logs a warning (facility "kvbatch") when records were appended
 * since the last build and the batch was not aborted: that data is being dropped
 * unseen (fluss-rust's Drop rule; a writer-state change after the last build does not
 * warn, since no record is lost by it). NULL is a no-op. */
void kfb_kv_batch_builder_destroy(kfb_kv_batch_builder_t *b);

/* Bytes one record takes in a batch: 4 + varint_size(key_len) + key_len + value_len
 * (value_len 0 for a delete). DefaultKvRecord.sizeOf. SIZE_MAX if it overflows. */
size_t kfb_kv_record_size(size_t key_len, size_t value_len);

/* Java's KvRecordBatchBuilder.hasRoomFor: size_in_bytes + record size <= write limit
 * (value_len 0 = delete; an open zero-copy record is not counted). Also false when the
 * record-count limit is reached, which no real write limit allows (every record is
 * >= 5 bytes). Does not look at closed/aborted state. A record for which even an empty
 * builder has no room (kfb_kv_record_size + 28 > write limit) needs a larger batch. */
int kfb_kv_batch_has_room_for(const kfb_kv_batch_builder_t *b, size_t key_len, size_t value_len);

/* Out-of-line half of kfb_kv_batch_append, same contract; call kfb_kv_batch_append. */
kfb_err_t kfb_kv_batch_append_checked(kfb_kv_batch_builder_t *b, const uint8_t *key,
                                      size_t key_len, const uint8_t *value, size_t value_len);

/*
 * Appends one record, copying key and value. value == NULL (value_len 0) is a delete;
 * a non-NULL value must not be empty (a real row is never empty: Fluss reads a
 * zero-length value as a delete). Errors leave the batch byte-for-byte unchanged:
 *   KFB_ERR_BATCH_FULL     the record does not fit the write limit, or the batch
 *                          holds the maximum record count (start a new batch)
 *   KFB_ERR_BATCH_CLOSED   after kfb_kv_batch_close()
 *   KFB_ERR_BATCH_ABORTED  after kfb_kv_batch_abort()
 *   KFB_ERR_STATE          a zero-copy record is open (begin_record without end)
 *   KFB_ERR_INVALID_ARG    empty non-NULL value, value_len without value, key NULL
 *                          with key_len > 0
 * A successful append invalidates earlier build output.
 */
static inline kfb_err_t kfb_kv_batch_append(kfb_kv_batch_builder_t *b, const uint8_t *key,
                                            size_t key_len, const uint8_t *value,
                                            size_t value_len);

/*
 * Zero-copy append for the hot path: writes the record's length placeholder, key
 * length and key, and hands out the batch buffer itself in *value_out. The caller
 * appends the value row with kfb_buf_append*() (only appends: never reset it, never
 * touch bytes before its current len, never keep the pointer after end/cancel), then
 * calls kfb_kv_batch_end_record() or kfb_kv_batch_cancel_record().
 * Fails (batch unchanged, *value_out untouched) with the same errors as append;
 * BATCH_FULL here means even a delete of this key would not fit.
 */
kfb_err_t kfb_kv_batch_begin_record(kfb_kv_batch_builder_t *b, const uint8_t *key, size_t key_len,
                                    kfb_buf_t **value_out);
/*
 * Finishes the open record: patches its length and counts it. is_delete != 0 means
 * the caller appended no value bytes. On error the record is rolled back (the batch
 * is exactly as before begin_record) and the error returned:
 *   KFB_ERR_BATCH_FULL   the value made the record exceed the write limit
 *   KFB_ERR_INVALID_ARG  is_delete with value bytes, or no value bytes without is_delete
 *   KFB_ERR_STATE        no record is open (nothing changes)
 */
kfb_err_t kfb_kv_batch_end_record(kfb_kv_batch_builder_t *b, int is_delete);
/* Rolls back the open record, if any (e.g. the row encoder failed). */
void kfb_kv_batch_cancel_record(kfb_kv_batch_builder_t *b);

/* No more appends (KFB_ERR_BATCH_CLOSED); build and writer-state changes still work.
 * KFB_ERR_BATCH_ABORTED after abort, KFB_ERR_STATE while a record is open. */
kfb_err_t kfb_kv_batch_close(kfb_kv_batch_builder_t *b);
/* The batch will never be sent: append, build and close fail with
 * KFB_ERR_BATCH_ABORTED from now on. An open record is discarded. */
void kfb_kv_batch_abort(kfb_kv_batch_builder_t *b);

/* Sets the header's writer id and batch sequence (Java setWriterState/resetWriterState,
 * Rust set_writer_state). Allowed in every state, before and after build; the next
 * build rewrites header and CRC. */
void kfb_kv_batch_set_writer_state(kfb_kv_batch_builder_t *b, int64_t writer_id,
                                   int32_t batch_sequence);

/*
 * Writes the header and CRC and returns the whole batch (*out, *out_len; the pointer
 * is owned by the builder, see lifetime above). Works on open and closed batches and
 * on an empty batch (28 bytes, count 0). Repeated builds return the same bytes without
 * recomputing until an append or writer-state change invalidates them.
 * KFB_ERR_BATCH_ABORTED after abort, KFB_ERR_STATE while a record is open.
 */
kfb_err_t kfb_kv_batch_build(kfb_kv_batch_builder_t *b, const uint8_t **out, size_t *out_len);

/* Empties the builder for reuse: no records, open, not aborted, writer state -1, tag 0,
 * same schema id and write limit, buffer memory kept. */
void kfb_kv_batch_reset(kfb_kv_batch_builder_t *b);

/* A caller's 32-bit label of what the batch holds, next to the schema id but not part of
 * the batch bytes: the mapper's sink tags each batch with the target-column set of its
 * records (kfb_mapped_t.target_set), because a PutKv request sends one target-column list
 * per batch. New builders and kfb_kv_batch_reset give tag 0. Set it while the batch is
 * empty: it describes every record in it. */
void kfb_kv_batch_set_tag(kfb_kv_batch_builder_t *b, uint32_t tag);
uint32_t kfb_kv_batch_tag(const kfb_kv_batch_builder_t *b);
/* Changes the schema id (0..32767) of an empty builder; KFB_ERR_SCHEMA_ID_RANGE or
 * KFB_ERR_STATE (records present: they were encoded with the old schema). */
kfb_err_t kfb_kv_batch_set_schema_id(kfb_kv_batch_builder_t *b, int32_t schema_id);

int32_t kfb_kv_batch_record_count(const kfb_kv_batch_builder_t *b);
/* Header + completed records (an open record is not counted). */
size_t kfb_kv_batch_size_in_bytes(const kfb_kv_batch_builder_t *b);
size_t kfb_kv_batch_write_limit(const kfb_kv_batch_builder_t *b);
int32_t kfb_kv_batch_schema_id(const kfb_kv_batch_builder_t *b);
int64_t kfb_kv_batch_writer_id(const kfb_kv_batch_builder_t *b);
int32_t kfb_kv_batch_batch_sequence(const kfb_kv_batch_builder_t *b);
int kfb_kv_batch_is_closed(const kfb_kv_batch_builder_t *b);
int kfb_kv_batch_is_aborted(const kfb_kv_batch_builder_t *b);

/* Testing hook: lowers the record-count limit (default INT32_MAX - 1, as Java's
 * "< Integer.MAX_VALUE") so the limit can be exercised without billions of records. */
void kfb_kv_batch_set_max_records_for_testing(kfb_kv_batch_builder_t *b, int32_t max_records);

/*
 * Rewrites writer id and batch sequence of an already-built batch in place and
 * recomputes its CRC (retries after a writer reset, renumbering after a failed
 * batch: fluss-protocol.md §10.5, Java KvWriteBatch.resetWriterState).
 * The batch is checked first: KFB_ERR_TRUNCATED (shorter than a header),
 * KFB_ERR_BAD_LENGTH (length field != len - 4), KFB_ERR_BAD_MAGIC, KFB_ERR_BAD_CRC
 * (the bytes were already corrupt; they are left untouched).
 */
kfb_err_t kfb_kv_batch_restamp(uint8_t *bytes, size_t len, int64_t writer_id,
                               int32_t batch_sequence);

/* ------------------------------------------------------------------------- */
/* Inline append fast path (implementation detail: the fields are private)   */
/* ------------------------------------------------------------------------- */

/* The builder's first member (src/kv_batch.c). Callers never touch it: only kv_batch.c
 * and the inline kfb_kv_batch_append below read or write it. */
struct kfb_kv_batch_hot_ {
    kfb_buf_t buf; /* header + completed records [+ the open record] */
    /* min(capacity, write limit) as of the last state change: never above either (the
     * capacity only grows), so the fast path may decline a fitting record, never accept
     * one that does not fit */
    size_t fast_limit;
    int32_t record_count;
    uint32_t blocked; /* nonzero: open record, closed, aborted, or a lowered count limit */
    /* schema_id and tag are adjacent and 8-aligned so that hot loops compare both with one
     * 64-bit load (kfb_kv_batch_stamp_) */
    int32_t schema_id; /* of the rows (header field); read inline by kfb_kv_batch_schema_id_ */
    uint32_t tag;      /* kfb_kv_batch_set_tag; not in the batch bytes */
};

/* kfb_kv_batch_schema_id for hot loops that check every batch they append to (the
 * mapper's map_batch: a batch of another table schema id must not take its rows). */
static inline int32_t kfb_kv_batch_schema_id_(const kfb_kv_batch_builder_t *b) {
    return ((const struct kfb_kv_batch_hot_ *)(const void *)b)->schema_id;
}

/* kfb_kv_batch_tag for hot loops. */
static inline uint32_t kfb_kv_batch_tag_(const kfb_kv_batch_builder_t *b) {
    return ((const struct kfb_kv_batch_hot_ *)(const void *)b)->tag;
}

/* Schema id and tag as one word, for loops that check both per record: equal to
 * kfb_kv_batch_stamp_of_(schema_id, tag) exactly when both match. */
static inline uint64_t kfb_kv_batch_stamp_of_(int32_t schema_id, uint32_t tag) {
    return (uint64_t)(uint32_t)schema_id | (uint64_t)tag << 32;
}
static inline uint64_t kfb_kv_batch_stamp_(const kfb_kv_batch_builder_t *b) {
    const struct kfb_kv_batch_hot_ *h = (const struct kfb_kv_batch_hot_ *)(const void *)b;
    return kfb_kv_batch_stamp_of_(h->schema_id, h->tag);
}

/* Short copies inline: key and value rows are typically tens of bytes, where a call into
 * the library memcpy costs more than the copy. Overlapping 4/8/16-byte moves instead of a
 * byte-wise tail; long copies still go to memcpy. */
static inline void kfb_kv_batch_copy_(uint8_t *dst, const uint8_t *src, size_t n) {
    if (n <= 16) {
        if (n >= 8) {
            uint64_t a, b2;
            memcpy(&a, src, 8);
            memcpy(&b2, src + n - 8, 8);
            memcpy(dst, &a, 8);
            memcpy(dst + n - 8, &b2, 8);
        } else if (n >= 4) {
            uint32_t a, b2;
            memcpy(&a, src, 4);
            memcpy(&b2, src + n - 4, 4);
            memcpy(dst, &a, 4);
            memcpy(dst + n - 4, &b2, 4);
        } else if (n) {
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
        return;
    }
    if (n <= 256) {
        size_t i = 0;
        for (; i + 16 <= n; i += 16) memcpy(dst + i, src + i, 16);
        memcpy(dst + n - 16, src + n - 16, 16);
        return;
    }
    memcpy(dst, src, n);
}

/*
 * Per record, the checked path spends more time deciding than copying (about 100-byte
 * rows), and the call itself costs as much again, so the common case is handled inline:
 * builder open for appends (and no lowered record-count limit), a non-NULL key under 128
 * bytes (one varint byte), a non-empty value, and the record within both the write limit
 * and the current capacity (no growth). Everything else, including every error, goes to
 * kfb_kv_batch_append_checked, which decides exactly as before; the bytes written are
 * the same either way (tests/unit/test_kv_batch_fastpath.c).
 */
/* The inline half of kfb_kv_batch_append for callers that already know key != NULL,
 * value != NULL and 1 <= value_len <= KFB_KV_WRITE_LIMIT_MAX (the mapper's fused rows):
 * appends and returns 1 when the builder is open, the key is under 128 bytes and the
 * record fits without growth; returns 0, the batch untouched, for everything else (the
 * caller then takes kfb_kv_batch_append, which decides and words it). */
static inline int kfb_kv_batch_try_append_(kfb_kv_batch_builder_t *b, const uint8_t *key,
                                           size_t key_len, const uint8_t *value,
                                           size_t value_len) {
    struct kfb_kv_batch_hot_ *h = (struct kfb_kv_batch_hot_ *)(void *)b;
    size_t len = h->buf.len;
    size_t room = h->fast_limit - len; /* len <= write limit and len <= cap: no wrap */
    /* value_len - 1 < room first: with key_len < 128 the sum below cannot wrap */
    if (KFB_LIKELY(!h->blocked && key_len < 128 && value_len - 1 < room)) {
        size_t rec = 4 + 1 + key_len + value_len;
        if (KFB_LIKELY(rec <= room)) {
            uint8_t *p = h->buf.data + len;
            kfb_put_le32(p, (uint32_t)(rec - 4));
            p[4] = (uint8_t)key_len; /* varint of a value < 128 */
            kfb_kv_batch_copy_(p + 5, key, key_len);
            kfb_kv_batch_copy_(p + 5 + key_len, value, value_len);
            h->buf.len = len + rec;
            h->record_count++;
            return 1;
        }
    }
    return 0;
}

static inline kfb_err_t kfb_kv_batch_append(kfb_kv_batch_builder_t *b, const uint8_t *key,
                                            size_t key_len, const uint8_t *value,
                                            size_t value_len) {
    /* The constant bound is implied by value_len - 1 < room (room <= write limit) but lets
     * the compiler see that the copies are bounded when a caller passes an absurd
     * constant size. */
    if (KFB_LIKELY(key && value && value_len - 1 < KFB_KV_WRITE_LIMIT_MAX &&
                   kfb_kv_batch_try_append_(b, key, key_len, value, value_len)))
        return KFB_ERR_OK;
    return kfb_kv_batch_append_checked(b, key, key_len, value, value_len);
}

/* ------------------------------------------------------------------------- */
/* Reader                                                                    */
/* ------------------------------------------------------------------------- */

/* One record; pointers point into the reader's input. */
typedef struct kfb_kv_record {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value; /* NULL for a delete */
    size_t value_len;     /* 0 for a delete */
    size_t offset;        /* of the record's length field, from the batch start */
    size_t size;          /* whole record, length field included */
} kfb_kv_record_t;

/* Caller-allocated; fields are private except through the functions below. The
 * reader borrows the input bytes, which must outlive it. */
typedef struct kfb_kv_batch_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    int32_t record_count;
    int32_t index; /* records returned so far */
    int16_t schema_id;
    uint8_t magic;
    uint8_t attributes;
    int64_t writer_id;
    int32_t batch_sequence;
    uint32_t crc;
    kfb_err_t err; /* sticky: once iteration failed it stays failed */
    char errstr[192];
} kfb_kv_batch_reader_t;

/*
 * Validates the batch header before any record is read: input holds a header,
 * length field == len - 4 (KFB_ERR_BAD_LENGTH: negative, larger or smaller than the
 * input), magic 0 (KFB_ERR_BAD_MAGIC), stored CRC == CRC-32C of [9, len)
 * (KFB_ERR_BAD_CRC), record count >= 0 and at most (len - 28) / 5 (KFB_ERR_CORRUPT).
 * Short input is KFB_ERR_TRUNCATED. On error errstr says what and where.
 */
kfb_err_t kfb_kv_batch_reader_init(kfb_kv_batch_reader_t *r, const uint8_t *bytes, size_t len,
                                   char *errstr, size_t errstr_size);
/*
 * Next record. Returns 1 and fills *rec, 0 after the last declared record (having
 * checked that no bytes follow it), or -1 on a corrupt record: kfb_kv_batch_reader_err()
 * and kfb_kv_batch_reader_errstr() then name the error, record index and byte offset,
 * and every later call returns -1 again. Errors: KFB_ERR_BAD_LENGTH (record length
 * negative or past the batch), KFB_ERR_TRUNCATED (record count larger than the data),
 * KFB_ERR_VARINT_OVERLONG / KFB_ERR_CORRUPT (key length varint bad or key past the
 * record), KFB_ERR_TRAILING_BYTES (bytes after the last declared record).
 */
int kfb_kv_batch_next(kfb_kv_batch_reader_t *r, kfb_kv_record_t *rec);
kfb_err_t kfb_kv_batch_reader_err(const kfb_kv_batch_reader_t *r);
const char *kfb_kv_batch_reader_errstr(const kfb_kv_batch_reader_t *r);

/* Header getters (valid after a successful init). */
int16_t kfb_kv_batch_reader_schema_id(const kfb_kv_batch_reader_t *r);
int64_t kfb_kv_batch_reader_writer_id(const kfb_kv_batch_reader_t *r);
int32_t kfb_kv_batch_reader_batch_sequence(const kfb_kv_batch_reader_t *r);
int32_t kfb_kv_batch_reader_record_count(const kfb_kv_batch_reader_t *r);
uint8_t kfb_kv_batch_reader_attributes(const kfb_kv_batch_reader_t *r);

/* Init + iterate every record: the whole batch is well formed. For servers and tests. */
kfb_err_t kfb_kv_batch_validate(const uint8_t *bytes, size_t len, char *errstr,
                                size_t errstr_size);

#endif
