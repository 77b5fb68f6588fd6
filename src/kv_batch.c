/*
 * kv_batch.c - Fluss KvRecordBatch (magic 0) builder, re-stamper and reader.
 *
 * Format spec (all little-endian; fluss-protocol.md §9.1-§9.3):
 *   fluss-common/src/main/java/org/apache/fluss/record/DefaultKvRecordBatch.java  (layout, offsets)
 *   fluss-common/src/main/java/org/apache/fluss/record/KvRecordBatchBuilder.java  (header last, CRC)
 *   fluss-common/src/main/java/org/apache/fluss/record/DefaultKvRecord.java       (record layout)
 *   fluss-rust crates/fluss/src/record/kv/kv_record_batch_builder.rs              (cache invalidation)
 *
 *   batch  := length:int32 magic:int8 crc:uint32 schema_id:int16 attributes:int8
 *             writer_id:int64 batch_sequence:int32 record_count:int32 record*
 *   record := length:int32 key_len:uvarint32 key:byte[key_len] value:byte[*]
 *   length fields exclude themselves; crc = CRC-32C over [9, end); a record with no
 *   value bytes is a delete.
 *
 * The builder reserves the 28 header bytes, appends records straight into its one
 * buffer and writes header + CRC at build time (reserve-then-patch), so appends never
 * move data and a failed append only has to restore `len`.
 */
#include "kv_batch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crc32c.h"
#include "logging.h"
#include "varint.h"

#define KV_LENGTH_LENGTH 4
/* Up-front reservation cap: a 2 GiB write limit must not cost 2 GiB of RSS per builder. */
#define KV_PREALLOC_MAX ((size_t)64 << 20)
/* Java KvRecordBatchBuilder.append: the count must stay below Integer.MAX_VALUE. */
#define KV_DEFAULT_MAX_RECORDS (INT32_MAX - 1)

struct kfb_kv_batch_builder {
    /* buffer, fast-path limit, count and blocked flag: first member, read and updated by
     * the inline append fast path in kv_batch.h */
    struct kfb_kv_batch_hot_ h;
    size_t write_limit;
    int32_t max_records;
    int32_t built_count; /* records covered by the most recent build output */
    int64_t writer_id;
    int32_t batch_sequence;
    /* zero-copy record in progress: offsets of its length field and of its value */
    size_t open_start;
    size_t open_value_start;
    size_t built_len; /* buffer length covered by the most recent build output */
    /* header + CRC match the contents, unless records were added since (the fast path
     * does not touch this flag: build compares built_len/built_count instead) */
    uint8_t built;
    uint8_t open, closed, aborted;
    uint8_t count_limited; /* max_records lowered (testing hook): no fast path */
};

/* Every change of open/closed/aborted (and of the capacity) goes through here, so the
 * fast path sees it: h.blocked mirrors the states that forbid the fast path, h.fast_limit
 * is min(capacity, write limit). */
static inline void set_state(kfb_kv_batch_builder_t *b, uint8_t open, uint8_t closed,
                             uint8_t aborted) {
    b->open = open;
    b->closed = closed;
    b->aborted = aborted;
    b->h.blocked = (uint32_t)(open | closed | aborted | b->count_limited);
    b->h.fast_limit = b->h.buf.cap < b->write_limit ? b->h.buf.cap : b->write_limit;
}


/* ------------------------------------------------------------------------- */
/* Builder                                                                   */
/* ------------------------------------------------------------------------- */

kfb_kv_batch_builder_t *kfb_kv_batch_builder_new(int32_t schema_id, size_t write_limit,
                                                 char *errstr, size_t errstr_size) {
    if (schema_id < 0 || schema_id > KFB_KV_SCHEMA_ID_MAX) {
        kfb_errstr_set(errstr, errstr_size,
                "KV batch schema id %" PRId32 " is out of range: the batch header stores it as "
                "int16, so it must be between 0 and %d",
                schema_id, KFB_KV_SCHEMA_ID_MAX);
        return NULL;
    }
    if (write_limit < KFB_KV_BATCH_HEADER_SIZE || write_limit > KFB_KV_WRITE_LIMIT_MAX) {
        kfb_errstr_set(errstr, errstr_size,
                "KV batch write limit %zu is out of range: it must be between %d (the batch "
                "header) and %zu bytes",
                write_limit, KFB_KV_BATCH_HEADER_SIZE, KFB_KV_WRITE_LIMIT_MAX);
        return NULL;
    }
    kfb_kv_batch_builder_t *b = calloc(1, sizeof(*b));
    if (!b ||
        kfb_buf_reserve(&b->h.buf, write_limit < KV_PREALLOC_MAX ? write_limit : KV_PREALLOC_MAX)) {
        if (b) kfb_buf_free(&b->h.buf);
        free(b);
        kfb_errstr_set(errstr, errstr_size, "out of memory allocating a KV batch of %zu bytes",
                write_limit);
        return NULL;
    }
    b->write_limit = write_limit;
    b->h.schema_id = schema_id;
    b->max_records = KV_DEFAULT_MAX_RECORDS;
    kfb_kv_batch_reset(b);
    return b;
}

void kfb_kv_batch_builder_destroy(kfb_kv_batch_builder_t *b) {
    if (!b) return;
    /* fluss-rust's Drop rule: records that were appended but never built are data the
     * caller is about to lose without having decided to (abort). Unlike Rust, a writer
     * state change after the last build does not count: no record is lost by it. */
    if (b->h.record_count > b->built_count && !b->aborted)
        KFB_WARN("kvbatch",
                 "destroying a KV batch builder with %" PRId32
                 " record(s) that were never built (schema id %" PRId32 "): they are dropped",
                 b->h.record_count - b->built_count, b->h.schema_id);
    kfb_buf_free(&b->h.buf);
    free(b);
}

size_t kfb_kv_record_size(size_t key_len, size_t value_len) {
    if (key_len > UINT32_MAX) return SIZE_MAX;
    size_t n = KV_LENGTH_LENGTH + kfb_varint32_size((uint32_t)key_len);
    if (key_len > SIZE_MAX - n) return SIZE_MAX;
    n += key_len;
    if (value_len > SIZE_MAX - n) return SIZE_MAX;
    return n + value_len;
}

static inline size_t completed_size(const kfb_kv_batch_builder_t *b) {
    return b->open ? b->open_start : b->h.buf.len;
}

int kfb_kv_batch_has_room_for(const kfb_kv_batch_builder_t *b, size_t key_len, size_t value_len) {
    if (b->h.record_count >= b->max_records) return 0;
    /* completed_size <= write_limit always holds, so the subtraction cannot wrap */
    return kfb_kv_record_size(key_len, value_len) <= b->write_limit - completed_size(b);
}

/* Checks shared by append and begin_record, in Java's order (aborted before closed). */
static kfb_err_t check_appendable(const kfb_kv_batch_builder_t *b, const uint8_t *key,
                                  size_t key_len) {
    if (KFB_UNLIKELY(b->aborted)) return KFB_ERR_BATCH_ABORTED;
    if (KFB_UNLIKELY(b->closed)) return KFB_ERR_BATCH_CLOSED;
    if (KFB_UNLIKELY(b->open)) return KFB_ERR_STATE;
    if (KFB_UNLIKELY(!key && key_len)) return KFB_ERR_INVALID_ARG;
    if (KFB_UNLIKELY(b->h.record_count >= b->max_records)) return KFB_ERR_BATCH_FULL;
    return KFB_ERR_OK;
}

/* Writes length, key length and key at the end of the buffer; room is reserved. */
static inline uint8_t *write_record_head(kfb_kv_batch_builder_t *b, uint32_t body_len,
                                         const uint8_t *key, size_t key_len) {
    uint8_t *p = b->h.buf.data + b->h.buf.len;
    kfb_put_le32(p, body_len);
    p += KV_LENGTH_LENGTH;
    p += kfb_varint32_write(p, (uint32_t)key_len);
    kfb_kv_batch_copy_(p, key, key_len);
    return p + key_len;
}

/* The out-of-line half of kfb_kv_batch_append (kv_batch.h): every error, keys of 128
 * bytes or more, buffer growth, and any call the inline fast path declines. */
kfb_err_t kfb_kv_batch_append_checked(kfb_kv_batch_builder_t *b, const uint8_t *key,
                                      size_t key_len, const uint8_t *value, size_t value_len) {
    kfb_err_t err = check_appendable(b, key, key_len);
    if (KFB_UNLIKELY(err)) return err;
    /* A zero-length value would read back as a delete (DefaultKvRecord.readKeyAndRow). */
    if (KFB_UNLIKELY((value == NULL) != (value_len == 0))) return KFB_ERR_INVALID_ARG;
    size_t rec = kfb_kv_record_size(key_len, value_len);
    if (KFB_UNLIKELY(rec > b->write_limit - b->h.buf.len)) return KFB_ERR_BATCH_FULL;
    /* rec <= write_limit <= INT32_MAX: the length field cannot overflow */
    err = kfb_buf_reserve(&b->h.buf, rec);
    if (KFB_UNLIKELY(err)) return err;
    set_state(b, b->open, b->closed, b->aborted); /* capacity may have grown */
    uint8_t *p = write_record_head(b, (uint32_t)(rec - KV_LENGTH_LENGTH), key, key_len);
    kfb_kv_batch_copy_(p, value, value_len);
    b->h.buf.len += rec;
    b->h.record_count++;
    b->built = 0;
    return KFB_ERR_OK;
}

kfb_err_t kfb_kv_batch_begin_record(kfb_kv_batch_builder_t *b, const uint8_t *key, size_t key_len,
                                    kfb_buf_t **value_out) {
    /* Fast path, as in kfb_kv_batch_append: appendable, 1-byte key varint, head fits
     * without growth. Anything else takes the checks below. */
    size_t len = b->h.buf.len;
    if (KFB_LIKELY(!b->h.blocked && key && key_len < 128 && value_out &&
                   KV_LENGTH_LENGTH + 1 + key_len <= b->h.fast_limit - len)) {
        uint8_t *p = b->h.buf.data + len;
        kfb_put_le32(p, 0);
        p[KV_LENGTH_LENGTH] = (uint8_t)key_len;
        kfb_kv_batch_copy_(p + KV_LENGTH_LENGTH + 1, key, key_len);
        b->open_start = len;
        b->open_value_start = b->h.buf.len = len + KV_LENGTH_LENGTH + 1 + key_len;
        b->open = 1;
        b->h.blocked = 1; /* open | closed | aborted | count_limited, with open set */
        *value_out = &b->h.buf;
        return KFB_ERR_OK;
    }
    kfb_err_t err = check_appendable(b, key, key_len);
    if (KFB_UNLIKELY(err)) return err;
    if (KFB_UNLIKELY(!value_out)) return KFB_ERR_INVALID_ARG;
    size_t head = kfb_kv_record_size(key_len, 0);
    if (KFB_UNLIKELY(head > b->write_limit - b->h.buf.len)) return KFB_ERR_BATCH_FULL;
    err = kfb_buf_reserve(&b->h.buf, head);
    if (KFB_UNLIKELY(err)) return err;
    /* length is patched by end_record; `built` stays valid until then because the
     * bytes below buf.len are untouched and a cancel restores buf.len */
    write_record_head(b, 0, key, key_len);
    b->open_start = b->h.buf.len;
    b->open_value_start = b->h.buf.len + head;
    b->h.buf.len += head;
    set_state(b, 1, b->closed, b->aborted);
    *value_out = &b->h.buf;
    return KFB_ERR_OK;
}

static void rollback_open(kfb_kv_batch_builder_t *b) {
    /* The caller may have appended past the old end; everything from open_start on is
     * outside the batch again. buf.len < open_start can only follow a misuse (reset). */
    b->h.buf.len = b->open_start;
    set_state(b, 0, b->closed, b->aborted);
}

kfb_err_t kfb_kv_batch_end_record(kfb_kv_batch_builder_t *b, int is_delete) {
    if (KFB_UNLIKELY(!b->open)) return KFB_ERR_STATE;
    if (KFB_UNLIKELY(b->h.buf.len < b->open_value_start)) {
        /* the caller shrank the buffer: the record head is gone */
        rollback_open(b);
        return KFB_ERR_STATE;
    }
    size_t value_len = b->h.buf.len - b->open_value_start;
    if (KFB_UNLIKELY(is_delete ? value_len != 0 : value_len == 0)) {
        rollback_open(b);
        return KFB_ERR_INVALID_ARG;
    }
    size_t rec = b->h.buf.len - b->open_start;
    if (KFB_UNLIKELY(rec > b->write_limit - b->open_start)) {
        rollback_open(b);
        return KFB_ERR_BATCH_FULL;
    }
    kfb_put_le32(b->h.buf.data + b->open_start, (uint32_t)(rec - KV_LENGTH_LENGTH));
    set_state(b, 0, b->closed, b->aborted);
    b->h.record_count++;
    b->built = 0;
    return KFB_ERR_OK;
}

void kfb_kv_batch_cancel_record(kfb_kv_batch_builder_t *b) {
    if (b->open) rollback_open(b);
}

kfb_err_t kfb_kv_batch_close(kfb_kv_batch_builder_t *b) {
    if (b->aborted) return KFB_ERR_BATCH_ABORTED;
    if (b->open) return KFB_ERR_STATE;
    set_state(b, b->open, 1, b->aborted);
    return KFB_ERR_OK;
}

void kfb_kv_batch_abort(kfb_kv_batch_builder_t *b) {
    if (b->open) rollback_open(b);
    set_state(b, b->open, b->closed, 1);
}

void kfb_kv_batch_set_writer_state(kfb_kv_batch_builder_t *b, int64_t writer_id,
                                   int32_t batch_sequence) {
    b->writer_id = writer_id;
    b->batch_sequence = batch_sequence;
    b->built = 0;
}

/* KvRecordBatchBuilder.writeBatchHeader: fields first, CRC over [9, end) last. */
static void write_header(uint8_t *p, size_t len, int32_t schema_id, int64_t writer_id,
                         int32_t batch_sequence, int32_t record_count) {
    kfb_put_le32(p + KFB_KV_BATCH_LENGTH_OFFSET, (uint32_t)(len - KV_LENGTH_LENGTH));
    p[KFB_KV_BATCH_MAGIC_OFFSET] = KFB_KV_BATCH_MAGIC_V0;
    kfb_put_le16(p + KFB_KV_BATCH_SCHEMA_ID_OFFSET, (uint16_t)schema_id);
    p[KFB_KV_BATCH_ATTRIBUTES_OFFSET] = 0;
    kfb_put_le64(p + KFB_KV_BATCH_WRITER_ID_OFFSET, (uint64_t)writer_id);
    kfb_put_le32(p + KFB_KV_BATCH_SEQUENCE_OFFSET, (uint32_t)batch_sequence);
    kfb_put_le32(p + KFB_KV_BATCH_RECORD_COUNT_OFFSET, (uint32_t)record_count);
    kfb_put_le32(p + KFB_KV_BATCH_CRC_OFFSET,
                 kfb_crc32c(0, p + KFB_KV_BATCH_SCHEMA_ID_OFFSET,
                            len - KFB_KV_BATCH_SCHEMA_ID_OFFSET));
}

kfb_err_t kfb_kv_batch_build(kfb_kv_batch_builder_t *b, const uint8_t **out, size_t *out_len) {
    if (b->aborted) return KFB_ERR_BATCH_ABORTED;
    if (b->open) return KFB_ERR_STATE;
    if (!b->built || b->built_len != b->h.buf.len || b->built_count != b->h.record_count) {
        write_header(b->h.buf.data, b->h.buf.len, b->h.schema_id, b->writer_id, b->batch_sequence,
                     b->h.record_count);
        b->built = 1;
        b->built_count = b->h.record_count;
        b->built_len = b->h.buf.len;
    }
    *out = b->h.buf.data;
    *out_len = b->h.buf.len;
    return KFB_ERR_OK;
}

void kfb_kv_batch_reset(kfb_kv_batch_builder_t *b) {
    /* capacity was reserved at creation: at least the header fits */
    memset(b->h.buf.data, 0, KFB_KV_BATCH_HEADER_SIZE);
    b->h.buf.len = KFB_KV_BATCH_HEADER_SIZE;
    b->h.record_count = 0;
    b->h.tag = 0;
    b->built_count = 0;
    b->writer_id = KFB_KV_NO_WRITER_ID;
    b->batch_sequence = KFB_KV_NO_BATCH_SEQUENCE;
    set_state(b, 0, 0, 0);
    b->built = 0;
}

kfb_err_t kfb_kv_batch_set_schema_id(kfb_kv_batch_builder_t *b, int32_t schema_id) {
    if (schema_id < 0 || schema_id > KFB_KV_SCHEMA_ID_MAX) return KFB_ERR_SCHEMA_ID_RANGE;
    if (b->h.record_count > 0 || b->open) return KFB_ERR_STATE;
    if (b->h.schema_id != schema_id) b->built = 0;
    b->h.schema_id = schema_id;
    return KFB_ERR_OK;
}

void kfb_kv_batch_set_tag(kfb_kv_batch_builder_t *b, uint32_t tag) { b->h.tag = tag; }
uint32_t kfb_kv_batch_tag(const kfb_kv_batch_builder_t *b) { return b->h.tag; }

int32_t kfb_kv_batch_record_count(const kfb_kv_batch_builder_t *b) { return b->h.record_count; }
size_t kfb_kv_batch_size_in_bytes(const kfb_kv_batch_builder_t *b) { return completed_size(b); }
size_t kfb_kv_batch_write_limit(const kfb_kv_batch_builder_t *b) { return b->write_limit; }
int32_t kfb_kv_batch_schema_id(const kfb_kv_batch_builder_t *b) { return b->h.schema_id; }
int64_t kfb_kv_batch_writer_id(const kfb_kv_batch_builder_t *b) { return b->writer_id; }
int32_t kfb_kv_batch_batch_sequence(const kfb_kv_batch_builder_t *b) { return b->batch_sequence; }
int kfb_kv_batch_is_closed(const kfb_kv_batch_builder_t *b) { return b->closed; }
int kfb_kv_batch_is_aborted(const kfb_kv_batch_builder_t *b) { return b->aborted; }

void kfb_kv_batch_set_max_records_for_testing(kfb_kv_batch_builder_t *b, int32_t max_records) {
    b->max_records = max_records < 0 ? 0 : max_records;
    /* With the default limit the fast path cannot reach it (each of its records takes at
     * least 6 bytes of a write limit <= INT32_MAX), so it does not check; any other
     * limit sends every append through the checked path. */
    b->count_limited = b->max_records != KV_DEFAULT_MAX_RECORDS;
    set_state(b, b->open, b->closed, b->aborted);
}

static inline uint32_t stored_crc(const uint8_t *p) {
    return kfb_get_le32(p + KFB_KV_BATCH_CRC_OFFSET);
}

static inline uint32_t computed_crc(const uint8_t *p, size_t len) {
    return kfb_crc32c(0, p + KFB_KV_BATCH_SCHEMA_ID_OFFSET, len - KFB_KV_BATCH_SCHEMA_ID_OFFSET);
}

/* Length field must describe exactly `len` bytes. */
static inline int length_matches(const uint8_t *p, size_t len) {
    int32_t declared = (int32_t)kfb_get_le32(p + KFB_KV_BATCH_LENGTH_OFFSET);
    return declared >= 0 && (size_t)declared == len - KV_LENGTH_LENGTH;
}

kfb_err_t kfb_kv_batch_restamp(uint8_t *bytes, size_t len, int64_t writer_id,
                               int32_t batch_sequence) {
    if (!bytes || len < KFB_KV_BATCH_HEADER_SIZE) return KFB_ERR_TRUNCATED;
    if (!length_matches(bytes, len)) return KFB_ERR_BAD_LENGTH;
    if (bytes[KFB_KV_BATCH_MAGIC_OFFSET] != KFB_KV_BATCH_MAGIC_V0) return KFB_ERR_BAD_MAGIC;
    /* Re-checksumming corrupt bytes would make the corruption undetectable. */
    if (stored_crc(bytes) != computed_crc(bytes, len)) return KFB_ERR_BAD_CRC;
    kfb_put_le64(bytes + KFB_KV_BATCH_WRITER_ID_OFFSET, (uint64_t)writer_id);
    kfb_put_le32(bytes + KFB_KV_BATCH_SEQUENCE_OFFSET, (uint32_t)batch_sequence);
    kfb_put_le32(bytes + KFB_KV_BATCH_CRC_OFFSET, computed_crc(bytes, len));
    return KFB_ERR_OK;
}

/* ------------------------------------------------------------------------- */
/* Reader                                                                    */
/* ------------------------------------------------------------------------- */

static kfb_err_t reader_fail(kfb_kv_batch_reader_t *r, kfb_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static kfb_err_t reader_fail(kfb_kv_batch_reader_t *r, kfb_err_t err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errstr, sizeof(r->errstr), fmt, ap);
    va_end(ap);
    r->err = err;
    return err;
}

kfb_err_t kfb_kv_batch_reader_init(kfb_kv_batch_reader_t *r, const uint8_t *bytes, size_t len,
                                   char *errstr, size_t errstr_size) {
    memset(r, 0, sizeof(*r));
    r->data = bytes;
    r->len = len;
    r->pos = KFB_KV_BATCH_HEADER_SIZE;
    kfb_err_t err = KFB_ERR_OK;
    if (!bytes && len) {
        err = reader_fail(r, KFB_ERR_INVALID_ARG, "KV batch: NULL input of %zu bytes", len);
        goto fail;
    }
    if (len < KV_LENGTH_LENGTH) {
        err = reader_fail(r, KFB_ERR_TRUNCATED,
                          "KV batch is %zu bytes, too short for its 4-byte length field", len);
        goto fail;
    }
    int32_t declared = (int32_t)kfb_get_le32(bytes + KFB_KV_BATCH_LENGTH_OFFSET);
    if (declared < 0 || (size_t)declared != len - KV_LENGTH_LENGTH) {
        err = reader_fail(r, KFB_ERR_BAD_LENGTH,
                          "KV batch length field says %" PRId32
                          " bytes follow it, but the input has %zu",
                          declared, len - KV_LENGTH_LENGTH);
        goto fail;
    }
    if (len < KFB_KV_BATCH_HEADER_SIZE) {
        err = reader_fail(r, KFB_ERR_TRUNCATED,
                          "KV batch is %zu bytes, shorter than its %d-byte header", len,
                          KFB_KV_BATCH_HEADER_SIZE);
        goto fail;
    }
    r->magic = bytes[KFB_KV_BATCH_MAGIC_OFFSET];
    if (r->magic != KFB_KV_BATCH_MAGIC_V0) {
        err = reader_fail(r, KFB_ERR_BAD_MAGIC,
                          "KV batch magic byte at offset 4 is %u; only magic 0 is supported",
                          r->magic);
        goto fail;
    }
    r->crc = stored_crc(bytes);
    uint32_t crc = computed_crc(bytes, len);
    if (r->crc != crc) {
        err = reader_fail(r, KFB_ERR_BAD_CRC,
                          "KV batch CRC-32C mismatch: stored 0x%08" PRIx32
                          ", computed 0x%08" PRIx32 " over bytes [9, %zu)",
                          r->crc, crc, len);
        goto fail;
    }
    r->schema_id = (int16_t)kfb_get_le16(bytes + KFB_KV_BATCH_SCHEMA_ID_OFFSET);
    r->attributes = bytes[KFB_KV_BATCH_ATTRIBUTES_OFFSET];
    r->writer_id = (int64_t)kfb_get_le64(bytes + KFB_KV_BATCH_WRITER_ID_OFFSET);
    r->batch_sequence = (int32_t)kfb_get_le32(bytes + KFB_KV_BATCH_SEQUENCE_OFFSET);
    r->record_count = (int32_t)kfb_get_le32(bytes + KFB_KV_BATCH_RECORD_COUNT_OFFSET);
    size_t room = len - KFB_KV_BATCH_HEADER_SIZE;
    if (r->record_count < 0 || (size_t)r->record_count > room / KFB_KV_RECORD_MIN_SIZE) {
        err = reader_fail(r, KFB_ERR_CORRUPT,
                          "KV batch declares %" PRId32
                          " records, but its %zu record bytes can hold at most %zu",
                          r->record_count, room, room / KFB_KV_RECORD_MIN_SIZE);
        goto fail;
    }
    return KFB_ERR_OK;

fail:
    kfb_errstr_set(errstr, errstr_size, "%s", r->errstr);
    return err;
}

int kfb_kv_batch_next(kfb_kv_batch_reader_t *r, kfb_kv_record_t *rec) {
    if (KFB_UNLIKELY(r->err)) return -1;
    if (r->index >= r->record_count) {
        /* only reachable with count 0: trailing bytes after a last record fail below */
        if (r->pos != r->len) goto trailing;
        return 0;
    }
    size_t at = r->pos;
    size_t left = r->len - at;
    if (KFB_UNLIKELY(left < KV_LENGTH_LENGTH)) {
        reader_fail(r, KFB_ERR_TRUNCATED,
                    "KV batch record %" PRId32 " at byte offset %zu: the batch ends %zu bytes "
                    "later, but the header declares %" PRId32 " records",
                    r->index, at, left, r->record_count);
        return -1;
    }
    int32_t body = (int32_t)kfb_get_le32(r->data + at);
    if (KFB_UNLIKELY(body < 0 || (size_t)body > left - KV_LENGTH_LENGTH)) {
        reader_fail(r, KFB_ERR_BAD_LENGTH,
                    "KV batch record %" PRId32 " at byte offset %zu: record length %" PRId32
                    " is negative or exceeds the %zu bytes left in the batch",
                    r->index, at, body, left - KV_LENGTH_LENGTH);
        return -1;
    }
    const uint8_t *p = r->data + at + KV_LENGTH_LENGTH;
    uint32_t key_len;
    size_t n;
    kfb_err_t err = kfb_varint32_read(p, (size_t)body, &key_len, &n);
    if (KFB_UNLIKELY(err)) {
        reader_fail(r, err == KFB_ERR_VARINT_OVERLONG ? err : KFB_ERR_CORRUPT,
                    "KV batch record %" PRId32 " at byte offset %zu: key length varint is %s "
                    "within the record's %" PRId32 " bytes",
                    r->index, at, err == KFB_ERR_VARINT_OVERLONG ? "over-long" : "unterminated",
                    body);
        return -1;
    }
    if (KFB_UNLIKELY(key_len > (size_t)body - n)) {
        reader_fail(r, KFB_ERR_CORRUPT,
                    "KV batch record %" PRId32 " at byte offset %zu: key length %" PRIu32
                    " exceeds the %zu bytes left in the record",
                    r->index, at, key_len, (size_t)body - n);
        return -1;
    }
    size_t value_len = (size_t)body - n - key_len;
    rec->key = p + n;
    rec->key_len = key_len;
    rec->value = value_len ? p + n + key_len : NULL;
    rec->value_len = value_len;
    rec->offset = at;
    rec->size = KV_LENGTH_LENGTH + (size_t)body;
    r->pos = at + rec->size;
    r->index++;
    /* Like Java's ensureNoneRemaining, the last record is only handed out when the
     * batch ends right after it. */
    if (r->index == r->record_count && r->pos != r->len) goto trailing;
    return 1;

trailing:
    reader_fail(r, KFB_ERR_TRAILING_BYTES,
                "KV batch: %zu unexpected bytes at byte offset %zu after the last of its %" PRId32
                " declared records",
                r->len - r->pos, r->pos, r->record_count);
    return -1;
}

kfb_err_t kfb_kv_batch_reader_err(const kfb_kv_batch_reader_t *r) { return r->err; }
const char *kfb_kv_batch_reader_errstr(const kfb_kv_batch_reader_t *r) {
    return r->err ? r->errstr : "";
}
int16_t kfb_kv_batch_reader_schema_id(const kfb_kv_batch_reader_t *r) { return r->schema_id; }
int64_t kfb_kv_batch_reader_writer_id(const kfb_kv_batch_reader_t *r) { return r->writer_id; }
int32_t kfb_kv_batch_reader_batch_sequence(const kfb_kv_batch_reader_t *r) {
    return r->batch_sequence;
}
int32_t kfb_kv_batch_reader_record_count(const kfb_kv_batch_reader_t *r) {
    return r->record_count;
}
uint8_t kfb_kv_batch_reader_attributes(const kfb_kv_batch_reader_t *r) { return r->attributes; }

kfb_err_t kfb_kv_batch_validate(const uint8_t *bytes, size_t len, char *errstr,
                                size_t errstr_size) {
    kfb_kv_batch_reader_t r;
    kfb_err_t err = kfb_kv_batch_reader_init(&r, bytes, len, errstr, errstr_size);
    if (err) return err;
    kfb_kv_record_t rec;
    int rc;
    while ((rc = kfb_kv_batch_next(&r, &rec)) > 0) {
    }
    if (rc < 0) {
        kfb_errstr_set(errstr, errstr_size, "%s", r.errstr);
        return r.err;
    }
    return KFB_ERR_OK;
}
