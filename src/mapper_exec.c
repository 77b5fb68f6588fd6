/*
 * mapper_exec.c - running compiled mapping plans on messages (rules in mapper.h).
 *
 * Input format: Confluent framing (confluent.h) around an Avro binary body (Apache Avro
 * 1.11.1 specification, "Binary Encoding"); Debezium envelopes are records
 * {before: [null, Value], after: [null, Value], op: string, ...} (Debezium
 * "Data change events": op c = create, r = read (snapshot), u = update, d = delete,
 * t = truncate, m = message).
 * Output formats: CompactedKeyEncoder keys (fluss-common/.../row/encode/CompactedKeyEncoder.java,
 * §7.3), Paimon keys (row/encode/paimon/PaimonKeyEncoder.java, §7.6) when the table's
 * datalake format asks for them (key_plan.h decides, KeyEncoder.java), Iceberg keys
 * (iceberg_key.h), CompactedRow values (row/compacted/CompactedRowWriter.java, §6.2) with
 * nested CompactedRows for ROW columns (serializer/RowSerializer.java) and BinaryArray /
 * BinaryMap payloads for ARRAY / MAP columns (row/BinaryArrayWriter.java,
 * AbstractBinaryWriter.java, BinaryMap.java, §6.4), partition names
 * (metadata/ResolvedPartitionSpec.java, utils/PartitionUtils.java, §12).
 *
 * Hot path: per message, one pass over the plan's steps decodes each Avro field into a
 * slot (a scalar, or a pointer into the message), converting it to the column's
 * representation on the way; the key, bucket key and value row are then written from the
 * slots. Steps and slots are allocated when a plan is compiled; per message nothing is
 * allocated once the scratch buffers have reached their working size.
 * Fused path (fused_one, tried first for each message by map_run, the loop behind
 * kfb_mapper_map and kfb_mapper_map_batch): plans that allow it (mapper_compile.c,
 * build_fused) also carry a flat array of ops, one per field plus union-index and
 * key-bound marks and an end sentinel, run with threaded dispatch through a handler
 * address stored in each op; each op transcodes its Avro value into the value row in
 * place (zigzag varints to LEB128 without unpacking the 7-bit groups where the value is
 * non-negative, short strings with 8-byte moves whose loads also give the ASCII test), so
 * the slots, the key writer and the row writer are skipped. Keys of up to 8 bytes are
 * hashed by the loop-free kfb_murmur_fluss_short. It declines (goto decline) on anything
 * unusual and the general path maps the message from scratch.
 */
#include "mapper_internal.h"

/* Per-record error: "<origin>: field <path>: <what>". */
__attribute__((format(printf, 4, 5))) static kfb_err_t rec_err(kfb_mapper_t *m, kfb_err_t err,
                                                               const char *path,
                                                               const char *fmt, ...) {
    if (!m->errstr || !m->errstr_size) return err;
    char where[256], what[512];
    kfb_origin_t o = {m->topic, -1, -1};
    kfb_origin_format(m->origin ? m->origin : &o, where, sizeof(where));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (path)
        snprintf(m->errstr, m->errstr_size, "%s: field %s: %s", where, path, what);
    else
        snprintf(m->errstr, m->errstr_size, "%s: %s", where, what);
    return err;
}

/* ---------------------------------------------------------------------------------- */
/* Decoding                                                                            */
/* ---------------------------------------------------------------------------------- */

/* Floor division by a positive d with a non-negative remainder, without the overflow of
 * "a - q * d" near INT64_MIN. */
static inline void floor_divmod(int64_t a, int64_t d, int64_t *q, int64_t *r) {
    *q = a / d;
    *r = a % d;
    if (*r < 0) {
        *r += d;
        *q -= 1;
    }
}

static const char *avro_err_text(kfb_err_t e) {
    switch (e) {
    case KFB_ERR_TRUNCATED: return "the message ends inside this field";
    case KFB_ERR_VARINT_OVERLONG: return "a varint is longer than Avro allows";
    case KFB_ERR_BAD_LENGTH: return "a length is negative or runs past the end of the message";
    case KFB_ERR_AVRO_UNION_INDEX: return "the union branch index is out of range";
    case KFB_ERR_AVRO_ENUM_INDEX: return "the enum symbol index is out of range";
    case KFB_ERR_AVRO_BAD_BOOLEAN: return "a boolean byte is neither 0 nor 1";
    case KFB_ERR_AVRO_BLOCK_COUNT: return "an array/map block count exceeds the message";
    case KFB_ERR_AVRO_DEPTH: return "the value nests too deeply";
    default: return kfb_err_message(e);
    }
}

#define DEC_CHECK(m, s, expr)                                                             \
    do {                                                                                  \
        kfb_err_t e_ = (expr);                                                            \
        if (KFB_UNLIKELY(e_)) return rec_err((m), e_, (s)->path, "%s", avro_err_text(e_)); \
    } while (0)

/* Most strings are ASCII: a word-at-a-time test avoids the full UTF-8 validator. */
static inline int is_ascii(const uint8_t *p, size_t n) {
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    for (; i < n; i++) acc |= p[i];
    return (acc & 0x8080808080808080ULL) == 0;
}

static kfb_err_t run_list(kfb_mapper_t *m, const steplist_t *sl, kfb_avro_cursor_t *c,
                          slot_t *slots, uint8_t *present);

/* Reads one column step's value into slot `sl` (present flag in *present). */
static kfb_err_t run_column(kfb_mapper_t *m, const step_t *s, kfb_avro_cursor_t *c, slot_t *sl,
                            uint8_t *present) {
    if (s->n_branches) {
        uint32_t b;
        DEC_CHECK(m, s, kfb_avro_read_union_index(c, s->n_branches, &b));
        if ((int32_t)b == s->null_branch) {
            *present = 0;
            return KFB_ERR_OK;
        }
        if (KFB_UNLIKELY((int32_t)b != s->value_branch))
            return rec_err(m, KFB_ERR_MAPPER_UNION_BRANCH, s->path,
                           "the value is in union branch %u (%s), which the union rule does not "
                           "map",
                           b, kfb_avro_type_name(s->type->branches[b]->type));
    }
    *present = 1;
    switch (s->conv) {
    case CV_NULL:
        *present = 0;
        return KFB_ERR_OK;
    case CV_BOOL: {
        bool v;
        DEC_CHECK(m, s, kfb_avro_read_boolean(c, &v));
        sl->v.i64 = v;
        return KFB_ERR_OK;
    }
    case CV_INT_I8:
    case CV_INT_I16:
    case CV_INT_I32:
    case CV_INT_I64:
    case CV_DATE:
    case CV_TIME_MILLIS: {
        int32_t v;
        DEC_CHECK(m, s, kfb_avro_read_int(c, &v));
        if (s->conv == CV_INT_I8 && (v < INT8_MIN || v > INT8_MAX))
            return rec_err(m, KFB_ERR_OUT_OF_RANGE, s->path, "%d does not fit TINYINT (-128..127)", v);
        if (s->conv == CV_INT_I16 && (v < INT16_MIN || v > INT16_MAX))
            return rec_err(m, KFB_ERR_OUT_OF_RANGE, s->path,
                           "%d does not fit SMALLINT (-32768..32767)", v);
        if (s->conv == CV_TIME_MILLIS && (v < 0 || v >= 86400000))
            return rec_err(m, KFB_ERR_OUT_OF_RANGE, s->path,
                           "time-millis %d is outside a day (0..86399999)", v);
        sl->v.i64 = v;
        return KFB_ERR_OK;
    }
    case CV_LONG_I32:
    case CV_LONG_I64:
    case CV_TIME_MICROS:
    case CV_TS_MILLIS:
    case CV_TS_MICROS:
    case CV_TS_NANOS: {
        int64_t v;
        DEC_CHECK(m, s, kfb_avro_read_long(c, &v));
        switch (s->conv) {
        case CV_LONG_I32:
            if (v < INT32_MIN || v > INT32_MAX)
                return rec_err(m, KFB_ERR_OUT_OF_RANGE, s->path, "%lld does not fit INT",
                               (long long)v);
            sl->v.i64 = v;
            break;
        case CV_TIME_MICROS:
            if (v < 0 || v >= 86400000000LL)
                return rec_err(m, KFB_ERR_OUT_OF_RANGE, s->path,
                               "time-micros %lld is outside a day", (long long)v);
            sl->v.i64 = v / 1000;
            break;
        case CV_TS_MILLIS:
            sl->v.ts.ms = v;
            sl->v.ts.nano = 0;
            break;
        case CV_TS_MICROS: {
            int64_t r;
            floor_divmod(v, 1000, &sl->v.ts.ms, &r);
            sl->v.ts.nano = (int32_t)r * 1000;
            break;
        }
        case CV_TS_NANOS: {
            int64_t r;
            floor_divmod(v, 1000000, &sl->v.ts.ms, &r);
            sl->v.ts.nano = (int32_t)r;
            break;
        }
        default:
            sl->v.i64 = v;
            break;
        }
        return KFB_ERR_OK;
    }
    case CV_FLOAT_F32:
        DEC_CHECK(m, s, kfb_avro_read_float(c, &sl->v.f32));
        return KFB_ERR_OK;
    case CV_FLOAT_F64: {
        float f;
        DEC_CHECK(m, s, kfb_avro_read_float(c, &f));
        sl->v.f64 = (double)f;
        return KFB_ERR_OK;
    }
    case CV_DOUBLE_F64:
        DEC_CHECK(m, s, kfb_avro_read_double(c, &sl->v.f64));
        return KFB_ERR_OK;
    case CV_STRING: {
        DEC_CHECK(m, s, kfb_avro_read_bytes(c, &sl->v.b.p, &sl->v.b.n));
        if (KFB_LIKELY(is_ascii(sl->v.b.p, sl->v.b.n))) return KFB_ERR_OK;
        size_t bad = kfb_avro_utf8_check(sl->v.b.p, sl->v.b.n);
        if (KFB_UNLIKELY(bad != sl->v.b.n))
            return rec_err(m, KFB_ERR_INVALID_UTF8, s->path,
                           "string is not valid UTF-8 (bad byte 0x%02x at offset %zu)",
                           sl->v.b.p[bad], bad);
        return KFB_ERR_OK;
    }
    case CV_ENUM: {
        uint32_t idx;
        DEC_CHECK(m, s, kfb_avro_read_enum(c, s->inner->n_symbols, &idx));
        sl->v.b.p = (const uint8_t *)s->inner->symbols[idx];
        sl->v.b.n = strlen(s->inner->symbols[idx]);
        return KFB_ERR_OK;
    }
    case CV_BYTES:
        DEC_CHECK(m, s, kfb_avro_read_bytes(c, &sl->v.b.p, &sl->v.b.n));
        return KFB_ERR_OK;
    case CV_FIXED:
        DEC_CHECK(m, s, kfb_avro_read_fixed(c, s->inner->fixed_size, &sl->v.b.p));
        sl->v.b.n = s->inner->fixed_size;
        return KFB_ERR_OK;
    case CV_UUID_FIXED: {
        /* Java's UUID.toString: lowercase hex of the 16 bytes in order, dashes after
         * bytes 4, 6, 8 and 10 */
        static const char hex[] = "0123456789abcdef";
        const uint8_t *u;
        DEC_CHECK(m, s, kfb_avro_read_fixed(c, 16, &u));
        uint8_t *t = s->text;
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) *t++ = '-';
            *t++ = (uint8_t)hex[u[i] >> 4];
            *t++ = (uint8_t)hex[u[i] & 15];
        }
        sl->v.b.p = s->text;
        sl->v.b.n = KFB_UUID_TEXT_LEN;
        return KFB_ERR_OK;
    }
    case CV_DEC_BYTES:
    case CV_DEC_FIXED: {
        const uint8_t *p;
        size_t n;
        if (s->conv == CV_DEC_BYTES) DEC_CHECK(m, s, kfb_avro_read_bytes(c, &p, &n));
        else {
            DEC_CHECK(m, s, kfb_avro_read_fixed(c, s->inner->fixed_size, &p));
            n = s->inner->fixed_size;
        }
        const kfb_datatype_t *t = s->ttype;
        kfb_err_t e = kfb_decimal_from_unscaled_be(p, n, s->src_scale, t->precision, t->scale,
                                                   &sl->v.dec);
        if (KFB_UNLIKELY(e))
            return rec_err(m, e, s->path, "decimal does not fit DECIMAL(%d, %d)",
                           (int)t->precision, (int)t->scale);
        return KFB_ERR_OK;
    }
    case CV_ARRAY:
    case CV_MAP: {
        /* Validate every item now (so a bad message fails at map time, not while a batch
         * is being written) and count them; the items are read again when the BinaryArray
         * is written, once its element count is known. */
        const step_t *es = s->elem;
        const kfb_datatype_t *et = es->ttype;
        size_t min_item = s->inner->items->min_size + (s->conv == CV_MAP ? 1 : 0);
        sl->v.coll.start = c->p;
        sl->v.coll.step = es;
        uint64_t total = 0, n;
        int64_t bsize;
        slot_t tmp;
        uint8_t pres;
        for (;;) {
            DEC_CHECK(m, s, kfb_avro_read_block(c, min_item, &n, &bsize));
            if (n == 0) break;
            /* a block with a byte size (negative count) must hold exactly its items: the
             * second read, bounded by this value's end, relies on it */
            const uint8_t *block_start = c->p;
            total += n;
            if (KFB_UNLIKELY(total > 0x7fffff))
                return rec_err(m, KFB_ERR_OUT_OF_RANGE, s->path, "more than %d elements", 0x7fffff);
            for (uint64_t k = 0; k < n; k++) {
                if (s->conv == CV_MAP) {
                    const uint8_t *kp;
                    size_t kl;
                    DEC_CHECK(m, s, kfb_avro_read_bytes(c, &kp, &kl));
                    if (!is_ascii(kp, kl) && kfb_avro_utf8_check(kp, kl) != kl)
                        return rec_err(m, KFB_ERR_INVALID_UTF8, s->path, "map key is not valid UTF-8");
                }
                kfb_err_t e = run_column(m, es, c, &tmp, &pres);
                if (KFB_UNLIKELY(e)) return e;
                if (KFB_UNLIKELY(!pres && !et->nullable))
                    return rec_err(m, KFB_ERR_NULL_NOT_ALLOWED, es->path,
                                   "null element, but the element type is NOT NULL");
            }
            if (KFB_UNLIKELY(bsize >= 0 && c->p - block_start != bsize))
                return rec_err(m, KFB_ERR_BAD_LENGTH, s->path,
                               "a block declares %lld bytes but its %llu items take %lld",
                               (long long)bsize, (unsigned long long)n,
                               (long long)(c->p - block_start));
        }
        sl->v.coll.end = c->p;
        sl->v.coll.count = (uint32_t)total;
        return KFB_ERR_OK;
    }
    case CV_ROW: {
        nested_t *nd = s->nested;
        memset(nd->present, 0, nd->type->field_count);
        kfb_err_t e = run_list(m, &nd->steps, c, nd->slots, nd->present);
        if (KFB_UNLIKELY(e)) return e;
        sl->v.nested = nd;
        return KFB_ERR_OK;
    }
    }
    return rec_err(m, KFB_ERR_INTERNAL, s->path, "unknown conversion");
}

static kfb_err_t run_list(kfb_mapper_t *m, const steplist_t *sl, kfb_avro_cursor_t *c,
                          slot_t *slots, uint8_t *present) {
    for (size_t i = 0; i < sl->n; i++) {
        const step_t *s = &sl->v[i];
        switch (s->kind) {
        case ST_SKIP: {
            kfb_err_t e = kfb_avro_skip(c, s->type);
            if (KFB_UNLIKELY(e)) return rec_err(m, e, s->path, "%s", avro_err_text(e));
            break;
        }
        case ST_COLUMN: {
            kfb_err_t e = run_column(m, s, c, &slots[s->column], &present[s->column]);
            if (KFB_UNLIKELY(e)) return e;
            break;
        }
        case ST_RECORD: {
            uint32_t b;
            DEC_CHECK(m, s, kfb_avro_read_union_index(c, s->n_branches, &b));
            if ((int32_t)b == s->null_branch) {
                m->record_present[s->slotset] = 0;
                break;
            }
            m->record_present[s->slotset] = 1;
            kfb_err_t e = run_list(m, s->sub, c, m->slots[s->slotset], m->present[s->slotset]);
            if (KFB_UNLIKELY(e)) return e;
            break;
        }
        case ST_OP: {
            if (s->null_branch >= 0) {
                uint32_t b;
                DEC_CHECK(m, s, kfb_avro_read_union_index(c, s->n_branches, &b));
                if ((int32_t)b == s->null_branch) {
                    m->op = 0;
                    break;
                }
            }
            const uint8_t *p;
            size_t n;
            DEC_CHECK(m, s, kfb_avro_read_bytes(c, &p, &n));
            m->op = n == 1 ? (char)p[0] : '?';
            break;
        }
        }
    }
    return KFB_ERR_OK;
}

static inline kfb_err_t run_steps(kfb_mapper_t *m, const steplist_t *sl, kfb_avro_cursor_t *c,
                                  int slotset) {
    return run_list(m, sl, c, m->slots[slotset], m->present[slotset]);
}

/* ---------------------------------------------------------------------------------- */
/* Writing keys, partitions and rows from slots                                        */
/* ---------------------------------------------------------------------------------- */

static kfb_err_t write_nested(kfb_mapper_t *m, kfb_row_writer_t *w, const nested_t *nd);
static kfb_err_t write_collection(kfb_mapper_t *m, kfb_row_writer_t *w, const kfb_datatype_t *t,
                                  const slot_t *s);

static kfb_err_t write_field(kfb_mapper_t *m, kfb_row_writer_t *w, const kfb_datatype_t *t,
                             const slot_t *s) {
    switch (t->root) {
    case KFB_TYPE_BOOLEAN: return kfb_row_write_boolean(w, s->v.i64 != 0);
    case KFB_TYPE_TINYINT: return kfb_row_write_tinyint(w, (int8_t)s->v.i64);
    case KFB_TYPE_SMALLINT: return kfb_row_write_smallint(w, (int16_t)s->v.i64);
    case KFB_TYPE_INTEGER:
    case KFB_TYPE_DATE:
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: return kfb_row_write_int(w, (int32_t)s->v.i64);
    case KFB_TYPE_BIGINT: return kfb_row_write_bigint(w, s->v.i64);
    case KFB_TYPE_FLOAT: return kfb_row_write_float(w, s->v.f32);
    case KFB_TYPE_DOUBLE: return kfb_row_write_double(w, s->v.f64);
    case KFB_TYPE_CHAR:
    case KFB_TYPE_STRING:
    case KFB_TYPE_BINARY:
    case KFB_TYPE_BYTES: return kfb_row_write_bytes(w, s->v.b.p, s->v.b.n);
    case KFB_TYPE_DECIMAL: return kfb_row_write_decimal(w, &s->v.dec);
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return kfb_row_write_timestamp(w, s->v.ts.ms, s->v.ts.nano, t->precision);
    case KFB_TYPE_ROW: return write_nested(m, w, s->v.nested);
    case KFB_TYPE_ARRAY:
    case KFB_TYPE_MAP: return write_collection(m, w, t, s);
    default: return KFB_ERR_UNSUPPORTED_TYPE;
    }
}

/* ---- BinaryArray (fluss-common/.../row/BinaryArray.java, BinaryArrayWriter.java,
 * AbstractBinaryWriter.java; fluss-protocol.md §6.4):
 *   int32 LE element count | null bits, 4 + ((n + 31) / 32) * 4 header bytes in total |
 *   n fixed-width slots (1: BOOLEAN/TINYINT, 2: SMALLINT, 4: INT/DATE/TIME/FLOAT, 8: all
 *   others), zero-padded to a multiple of 8 | variable part, each entry zero-padded to 8.
 *   8-byte slots of var-length values hold (offset << 32 | length), offsets from the array
 *   start; strings/bytes of <= 7 bytes are inlined: top byte 0x80 | len, data in the low
 *   bytes (little-endian). Non-compact DECIMAL: 16-byte var entry; non-compact TIMESTAMP:
 *   8-byte var entry with the millis, slot = offset << 32 | nano-of-milli. NaN floats are
 *   canonicalised (writeFloat/writeDouble). A null element sets its bit; its slot stays 0. */
static size_t elem_size(const kfb_datatype_t *t) {
    switch (t->root) {
    case KFB_TYPE_BOOLEAN:
    case KFB_TYPE_TINYINT: return 1;
    case KFB_TYPE_SMALLINT: return 2;
    case KFB_TYPE_INTEGER:
    case KFB_TYPE_FLOAT:
    case KFB_TYPE_DATE:
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: return 4;
    default: return 8;
    }
}

static inline size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Appends a zeroed var-part entry of `n` bytes (rounded to 8) at the end of b; returns its
 * offset or (size_t)-1 on out of memory. */
static size_t var_entry(kfb_buf_t *b, size_t n) {
    size_t off = b->len, r = round8(n);
    if (kfb_buf_reserve(b, r)) return (size_t)-1;
    memset(b->data + off, 0, r);
    b->len += r;
    return off;
}

static kfb_err_t array_put(kfb_buf_t *b, size_t slot, const kfb_datatype_t *t, const slot_t *v) {
    uint8_t *p; /* re-derived after every append: the buffer may move */
    switch (t->root) {
    case KFB_TYPE_BOOLEAN: b->data[slot] = v->v.i64 != 0; return KFB_ERR_OK;
    case KFB_TYPE_TINYINT: b->data[slot] = (uint8_t)v->v.i64; return KFB_ERR_OK;
    case KFB_TYPE_SMALLINT: kfb_put_le16(b->data + slot, (uint16_t)v->v.i64); return KFB_ERR_OK;
    case KFB_TYPE_INTEGER:
    case KFB_TYPE_DATE:
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE:
        kfb_put_le32(b->data + slot, (uint32_t)v->v.i64);
        return KFB_ERR_OK;
    case KFB_TYPE_FLOAT:
        kfb_put_le32(b->data + slot, isnan(v->v.f32) ? 0x7fc00000u : kfb_float_bits(v->v.f32));
        return KFB_ERR_OK;
    case KFB_TYPE_DOUBLE:
        kfb_put_le64(b->data + slot,
                     isnan(v->v.f64) ? 0x7ff8000000000000ull : kfb_double_bits(v->v.f64));
        return KFB_ERR_OK;
    case KFB_TYPE_BIGINT: kfb_put_le64(b->data + slot, (uint64_t)v->v.i64); return KFB_ERR_OK;
    case KFB_TYPE_CHAR:
    case KFB_TYPE_STRING:
    case KFB_TYPE_BINARY:
    case KFB_TYPE_BYTES: {
        size_t n = v->v.b.n;
        if (n <= 7) {
            uint64_t x = (uint64_t)(0x80 | n) << 56;
            for (size_t i = 0; i < n; i++) x |= (uint64_t)v->v.b.p[i] << (8 * i);
            kfb_put_le64(b->data + slot, x);
            return KFB_ERR_OK;
        }
        if (n > INT32_MAX) return KFB_ERR_OUT_OF_RANGE;
        size_t off = var_entry(b, n);
        if (off == (size_t)-1) return KFB_ERR_NOMEM;
        memcpy(b->data + off, v->v.b.p, n);
        kfb_put_le64(b->data + slot, (uint64_t)off << 32 | n);
        return KFB_ERR_OK;
    }
    case KFB_TYPE_DECIMAL: {
        if (t->precision <= KFB_DECIMAL_MAX_COMPACT_PRECISION) {
            kfb_put_le64(b->data + slot, (uint64_t)v->v.dec.unscaled);
            return KFB_ERR_OK;
        }
        size_t off = var_entry(b, 16);
        if (off == (size_t)-1) return KFB_ERR_NOMEM;
        p = b->data;
        memcpy(p + off, v->v.dec.bytes, v->v.dec.nbytes);
        kfb_put_le64(p + slot, (uint64_t)off << 32 | v->v.dec.nbytes);
        return KFB_ERR_OK;
    }
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE: {
        if (t->precision <= KFB_TIMESTAMP_MAX_COMPACT_PRECISION) {
            kfb_put_le64(b->data + slot, (uint64_t)v->v.ts.ms);
            return KFB_ERR_OK;
        }
        size_t off = var_entry(b, 8);
        if (off == (size_t)-1) return KFB_ERR_NOMEM;
        p = b->data;
        kfb_put_le64(p + off, (uint64_t)v->v.ts.ms);
        kfb_put_le64(p + slot, (uint64_t)off << 32 | (uint32_t)v->v.ts.nano);
        return KFB_ERR_OK;
    }
    default: return KFB_ERR_UNSUPPORTED_TYPE;
    }
}

/* Starts a BinaryArray of n elements in b (reset): header and zeroed fixed part. */
static kfb_err_t array_begin(kfb_buf_t *b, uint32_t n, size_t esz, size_t *hdr) {
    kfb_buf_reset(b);
    *hdr = 4 + ((size_t)(n + 31) / 32) * 4;
    size_t fixed = round8(*hdr + esz * n);
    if (kfb_buf_reserve(b, fixed)) return KFB_ERR_NOMEM;
    memset(b->data, 0, fixed);
    kfb_put_le32(b->data, n);
    b->len = fixed;
    return KFB_ERR_OK;
}

/* ARRAY: varint32 length + BinaryArray. MAP: varint32 length + int32 LE key-array size +
 * key BinaryArray + value BinaryArray (BinaryMap.valueOf). The Avro items were validated
 * when the message was mapped; here they are read a second time. */
static kfb_err_t write_collection(kfb_mapper_t *m, kfb_row_writer_t *w, const kfb_datatype_t *t,
                                  const slot_t *s) {
    const step_t *es = s->v.coll.step;
    const kfb_datatype_t *et = es->ttype;
    int is_map = t->root == KFB_TYPE_MAP;
    uint32_t n = s->v.coll.count;
    int d = es->depth;
    kfb_buf_t *vb = &m->nest_buf[d], *kb = &m->map_buf[d];
    size_t esz = elem_size(et), vhdr, khdr = 0;
    kfb_err_t e = array_begin(vb, n, esz, &vhdr);
    if (!e && is_map) e = array_begin(kb, n, 8, &khdr);
    if (e) return e;
    kfb_avro_cursor_t c;
    kfb_avro_cursor_init(&c, s->v.coll.start, (size_t)(s->v.coll.end - s->v.coll.start));
    size_t min_item = es->type->min_size + (is_map ? 1 : 0);
    uint32_t i = 0;
    slot_t tmp;
    uint8_t pres;
    for (;;) {
        uint64_t cnt;
        int64_t bsize;
        if (kfb_avro_read_block(&c, min_item, &cnt, &bsize) != KFB_ERR_OK) return KFB_ERR_INTERNAL;
        if (cnt == 0) break;
        for (uint64_t k = 0; k < cnt; k++, i++) {
            if (i >= n) return KFB_ERR_INTERNAL;
            if (is_map) {
                slot_t key;
                if (kfb_avro_read_bytes(&c, &key.v.b.p, &key.v.b.n) != KFB_ERR_OK) return KFB_ERR_INTERNAL;
                e = array_put(kb, khdr + 8 * (size_t)i, t->key, &key);
                if (e) return e;
            }
            e = run_column(m, es, &c, &tmp, &pres);
            if (e) return e;
            if (!pres) vb->data[4 + (i >> 3)] |= (uint8_t)(1u << (i & 7));
            else if ((e = array_put(vb, vhdr + esz * (size_t)i, et, &tmp))) return e;
        }
    }
    if (!is_map) return kfb_row_write_bytes(w, vb->data, vb->len);
    size_t total = 4 + kb->len + vb->len;
    if (total > INT32_MAX) return KFB_ERR_OUT_OF_RANGE;
    kfb_buf_t *out = w->buf;
    e = kfb_buf_reserve(out, KFB_VARINT32_MAX + total);
    if (e) return e;
    out->len += kfb_varint32_write(out->data + out->len, (uint32_t)total);
    kfb_put_le32(out->data + out->len, (uint32_t)kb->len);
    out->len += 4;
    (void)kfb_buf_append(out, kb->data, kb->len);
    (void)kfb_buf_append(out, vb->data, vb->len);
    return KFB_ERR_OK;
}

/* ROW: varint32 length + a nested CompactedRow of the ROW's fields
 * (CompactedRowWriter.writeRow over RowSerializer.toBinaryRow in COMPACTED format). The
 * nested row is built in a per-depth scratch buffer because its length comes first. */
static kfb_err_t write_nested(kfb_mapper_t *m, kfb_row_writer_t *w, const nested_t *nd) {
    kfb_buf_t *b = &m->nest_buf[nd->depth];
    kfb_buf_reset(b);
    kfb_row_writer_t nw;
    uint32_t nf = (uint32_t)nd->type->field_count;
    kfb_err_t e = kfb_row_writer_begin(&nw, b, nf);
    for (uint32_t j = 0; j < nf && !e; j++) {
        const kfb_datatype_t *ft = nd->type->fields[j].type;
        if (nd->present[j]) e = write_field(m, &nw, ft, &nd->slots[j]);
        else if (ft->nullable) e = kfb_row_write_null(&nw, j);
        else e = KFB_ERR_NULL_NOT_ALLOWED;
    }
    if (e) return e;
    return kfb_row_write_bytes(w, b->data, b->len);
}

static kfb_err_t write_paimon_field(kfb_paimon_key_writer_t *w, uint32_t pos,
                                    const kfb_datatype_t *t, const slot_t *s) {
    switch (t->root) {
    case KFB_TYPE_BOOLEAN: return kfb_paimon_key_write_boolean(w, pos, s->v.i64 != 0);
    case KFB_TYPE_TINYINT: return kfb_paimon_key_write_tinyint(w, pos, (int8_t)s->v.i64);
    case KFB_TYPE_SMALLINT: return kfb_paimon_key_write_smallint(w, pos, (int16_t)s->v.i64);
    case KFB_TYPE_INTEGER:
    case KFB_TYPE_DATE:
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: return kfb_paimon_key_write_int(w, pos, (int32_t)s->v.i64);
    case KFB_TYPE_BIGINT: return kfb_paimon_key_write_bigint(w, pos, s->v.i64);
    case KFB_TYPE_FLOAT: return kfb_paimon_key_write_float(w, pos, s->v.f32);
    case KFB_TYPE_DOUBLE: return kfb_paimon_key_write_double(w, pos, s->v.f64);
    case KFB_TYPE_CHAR:
    case KFB_TYPE_STRING: return kfb_paimon_key_write_string(w, pos, s->v.b.p, s->v.b.n);
    case KFB_TYPE_BINARY:
    case KFB_TYPE_BYTES: return kfb_paimon_key_write_bytes(w, pos, s->v.b.p, s->v.b.n);
    case KFB_TYPE_DECIMAL:
        if (t->precision <= KFB_DECIMAL_MAX_COMPACT_PRECISION)
            return kfb_paimon_key_write_decimal(w, pos, t->precision, s->v.dec.unscaled);
        return kfb_paimon_key_write_decimal_bytes(w, pos, t->precision, s->v.dec.bytes,
                                                  s->v.dec.nbytes);
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return kfb_paimon_key_write_timestamp(w, pos, t->precision, s->v.ts.ms, s->v.ts.nano);
    default: return KFB_ERR_UNSUPPORTED_TYPE;
    }
}

/* IcebergKeyEncoder (single column): iceberg_key.h; which types it takes is checked
 * when the mapper is created. */
static kfb_err_t write_iceberg_field(kfb_buf_t *out, const kfb_datatype_t *t, const slot_t *s) {
    switch (t->root) {
    case KFB_TYPE_INTEGER:
    case KFB_TYPE_DATE: return kfb_iceberg_key_int(out, (int32_t)s->v.i64);
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: return kfb_iceberg_key_time(out, (int32_t)s->v.i64);
    case KFB_TYPE_BIGINT: return kfb_iceberg_key_bigint(out, s->v.i64);
    case KFB_TYPE_FLOAT: return kfb_iceberg_key_float(out, s->v.f32);
    case KFB_TYPE_DOUBLE: return kfb_iceberg_key_double(out, s->v.f64);
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
        return kfb_iceberg_key_timestamp(out, s->v.ts.ms, s->v.ts.nano);
    case KFB_TYPE_DECIMAL:
        if (t->precision <= KFB_DECIMAL_MAX_COMPACT_PRECISION)
            return kfb_iceberg_key_decimal(out, s->v.dec.unscaled);
        return kfb_iceberg_key_decimal_bytes(out, s->v.dec.bytes, s->v.dec.nbytes);
    case KFB_TYPE_CHAR:
    case KFB_TYPE_STRING: /* Java's String round trip (identical for the valid UTF-8 we accept) */
        return kfb_iceberg_key_string(out, s->v.b.p, s->v.b.n);
    case KFB_TYPE_BINARY:
    case KFB_TYPE_BYTES: return kfb_iceberg_key_bytes(out, s->v.b.p, s->v.b.n);
    default: return KFB_ERR_UNSUPPORTED_TYPE;
    }
}

/* Encodes key columns `cols` from slot set `set` into out (reset first). */
static kfb_err_t encode_key(kfb_mapper_t *m, int set, const int *cols, size_t n,
                            kfb_key_encoding_t enc, kfb_buf_t *out) {
    const kfb_table_desc_t *td = m->td;
    kfb_buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        int col = cols[i];
        const kfb_datatype_t *t = td->columns[col].type;
        if (KFB_UNLIKELY(!m->present[set][col]))
            return rec_err(m, KFB_ERR_NULL_IN_KEY, td->columns[col].name,
                           "primary-key column \"%s\" is null", td->columns[col].name);
        const slot_t *s = &m->slots[set][col];
        if (KFB_UNLIKELY((t->root == KFB_TYPE_FLOAT && isnan(s->v.f32)) ||
                         (t->root == KFB_TYPE_DOUBLE && isnan(s->v.f64))))
            return rec_err(m, KFB_ERR_OUT_OF_RANGE, td->columns[col].name,
                           "NaN in key column \"%s\"", td->columns[col].name);
    }
    kfb_err_t e = KFB_ERR_OK;
    if (enc == KFB_KEY_ENC_COMPACTED) {
        kfb_row_writer_t w;
        kfb_key_writer_begin(&w, out);
        for (size_t i = 0; i < n && !e; i++)
            e = write_field(m, &w, td->columns[cols[i]].type, &m->slots[set][cols[i]]);
    } else if (enc == KFB_KEY_ENC_PAIMON) {
        kfb_paimon_key_writer_t w;
        e = kfb_paimon_key_begin(&w, out, (uint32_t)n);
        for (size_t i = 0; i < n && !e; i++)
            e = write_paimon_field(&w, (uint32_t)i, td->columns[cols[i]].type,
                                   &m->slots[set][cols[i]]);
        if (!e) e = kfb_paimon_key_finish(&w, NULL);
        else kfb_paimon_key_abort(&w);
    } else if (enc == KFB_KEY_ENC_ICEBERG && n == 1) {
        e = write_iceberg_field(out, td->columns[cols[0]].type, &m->slots[set][cols[0]]);
    } else {
        e = KFB_ERR_UNSUPPORTED_FORMAT;
    }
    if (KFB_UNLIKELY(e)) return rec_err(m, e, NULL, "cannot encode the key: %s", kfb_err_message(e));
    return KFB_ERR_OK;
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil inverse). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *mo, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *mo = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*mo <= 2);
}

/* Appends one partition value rendered as PartitionUtils.convertValueOfType does. */
static kfb_err_t render_partition_value(kfb_mapper_t *m, int col, const slot_t *s, char *out,
                                        size_t size, size_t *pos) {
    const kfb_table_column_t *tc = &m->td->columns[col];
    char tmp[512];
    int n = 0;
    switch (tc->type->root) {
    case KFB_TYPE_STRING:
    case KFB_TYPE_CHAR:
        if (s->v.b.n >= sizeof(tmp)) n = -1;
        else {
            memcpy(tmp, s->v.b.p, s->v.b.n);
            n = (int)s->v.b.n;
        }
        break;
    case KFB_TYPE_BOOLEAN: n = snprintf(tmp, sizeof(tmp), "%s", s->v.i64 ? "true" : "false"); break;
    case KFB_TYPE_TINYINT:
    case KFB_TYPE_SMALLINT:
    case KFB_TYPE_INTEGER:
    case KFB_TYPE_BIGINT: n = snprintf(tmp, sizeof(tmp), "%lld", (long long)s->v.i64); break;
    case KFB_TYPE_BINARY:
    case KFB_TYPE_BYTES:
        if (s->v.b.n * 2 >= sizeof(tmp)) n = -1;
        else {
            for (size_t i = 0; i < s->v.b.n; i++) snprintf(tmp + 2 * i, 3, "%02x", s->v.b.p[i]);
            n = (int)(s->v.b.n * 2);
        }
        break;
    case KFB_TYPE_DATE: {
        int64_t y;
        unsigned mo, d;
        civil_from_days(s->v.i64, &y, &mo, &d);
        if (y < 0 || y > 9999) n = -2;
        else n = snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u", (int)y, mo, d);
        break;
    }
    case KFB_TYPE_TIME_WITHOUT_TIME_ZONE: {
        int64_t ms = s->v.i64;
        n = snprintf(tmp, sizeof(tmp), "%02d-%02d-%02d_%03d", (int)(ms / 3600000),
                     (int)(ms / 60000 % 60), (int)(ms / 1000 % 60), (int)(ms % 1000));
        break;
    }
    case KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE:
    case KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE: {
        int64_t days, msod;
        floor_divmod(s->v.ts.ms, 86400000, &days, &msod);
        int64_t y;
        unsigned mo, d;
        civil_from_days(days, &y, &mo, &d);
        if (y < 0 || y > 9999) {
            n = -2;
            break;
        }
        /* fraction = nano-of-second, 9 digits, trailing zeros dropped */
        long nos = (long)(msod % 1000) * 1000000L + s->v.ts.nano;
        char frac[16];
        snprintf(frac, sizeof(frac), "%09ld", nos);
        for (int k = 8; k >= 0 && frac[k] == '0'; k--) frac[k] = '\0';
        n = snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u-%02d-%02d-%02d_%s", (int)y, mo, d,
                     (int)(msod / 3600000), (int)(msod / 60000 % 60), (int)(msod / 1000 % 60),
                     frac);
        break;
    }
    default:
        n = -3;
        break;
    }
    if (n == -2)
        return rec_err(m, KFB_ERR_OUT_OF_RANGE, tc->name,
                       "partition value of \"%s\" is outside years 0000..9999", tc->name);
    if (n < 0 || n > 200)
        return rec_err(m, KFB_ERR_OUT_OF_RANGE, tc->name,
                       "partition value of \"%s\" is longer than 200 characters", tc->name);
    if (n == 0)
        return rec_err(m, KFB_ERR_OUT_OF_RANGE, tc->name,
                       "partition value of \"%s\" is empty", tc->name);
    /* TablePath.detectInvalidName: [A-Za-z0-9_-] only */
    for (int i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)tmp[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return rec_err(m, KFB_ERR_OUT_OF_RANGE, tc->name,
                           "partition value of \"%s\" contains '%c'; Fluss partition names allow "
                           "only letters, digits, '_' and '-'",
                           tc->name, ch >= 0x20 && ch < 0x7f ? ch : '?');
    }
    if (*pos + (size_t)n + 2 > size)
        return rec_err(m, KFB_ERR_OUT_OF_RANGE, tc->name, "partition name too long");
    memcpy(out + *pos, tmp, (size_t)n);
    *pos += (size_t)n;
    out[*pos] = '\0';
    return KFB_ERR_OK;
}

/* Fills key, bucket key, bucket and partition of res->out[i] from slot set `set`. */
static kfb_err_t finish_out(kfb_mapper_t *m, kfb_mapper_result_t *res, size_t i, kfb_op_t op,
                            int set) {
    const kfb_table_desc_t *td = m->td;
    kfb_mapped_t *o = &res->out[i];
    memset(o, 0, sizeof(*o));
    o->op = op;
    m->out_slotset[i] = set;
    kfb_err_t e = encode_key(m, set, td->physical_primary_key, td->physical_primary_key_count,
                             m->keys.pk_encoding, &m->keybuf[i]);
    if (e) return e;
    o->key = m->keybuf[i].data;
    o->key_len = m->keybuf[i].len;
    if (m->keys.bucket_key_is_pk_bytes) {
        o->bucket_key = o->key;
        o->bucket_key_len = o->key_len;
    } else {
        e = encode_key(m, set, td->bucket_keys, td->bucket_key_count, m->keys.bucket_encoding,
                       &m->bkbuf[i]);
        if (e) return e;
        o->bucket_key = m->bkbuf[i].data;
        o->bucket_key_len = m->bkbuf[i].len;
    }
    o->bucket = kfb_key_plan_bucket(&m->keys, o->bucket_key, o->bucket_key_len, td->bucket_count);
    if (KFB_UNLIKELY(o->bucket < 0))
        return rec_err(m, KFB_ERR_INTERNAL, NULL, "cannot compute the bucket (empty key)");
    if (td->partition_key_count) {
        size_t pos = 0;
        char *pb = m->partbuf[i];
        pb[0] = '\0';
        for (size_t k = 0; k < td->partition_key_count; k++) {
            int col = td->partition_keys[k];
            if (!m->present[set][col])
                return rec_err(m, KFB_ERR_NULL_IN_KEY, td->columns[col].name,
                               "partition column \"%s\" is null", td->columns[col].name);
            if (k) {
                pb[pos++] = '$'; /* ResolvedPartitionSpec.PARTITION_SPEC_SEPARATOR */
                pb[pos] = '\0';
            }
            e = render_partition_value(m, col, &m->slots[set][col], pb, sizeof(m->partbuf[i]), &pos);
            if (e) return e;
        }
        o->partition = pb;
    }
    if (op == KFB_OP_UPSERT && m->value_plan && m->value_plan->target_columns) {
        o->target_columns = m->value_plan->target_columns;
        o->n_target_columns = m->value_plan->n_target;
        o->target_set = m->value_plan->target_set;
    }
    return KFB_ERR_OK;
}

/* table.delete.behavior=DISABLE: Fluss fails the whole bucket batch (DELETION_DISABLED),
 * so a delete must never reach a batch. */
static kfb_err_t check_deletes(kfb_mapper_t *m, const kfb_mapper_result_t *res) {
    if (m->td->delete_behavior != KFB_DELETE_DISABLE) return KFB_ERR_OK;
    for (size_t i = 0; i < res->n; i++)
        if (res->out[i].op == KFB_OP_DELETE)
            return rec_err(m, KFB_ERR_MAPPER_DELETE_DISABLED, NULL,
                           "this message deletes a row, but the table has "
                           "table.delete.behavior=DISABLE, so Fluss would reject the whole "
                           "batch; change the property or filter deletes upstream");
    return KFB_ERR_OK;
}

/* Debezium's tombstone after a delete. With several Kafka partitions read by one consumer,
 * a delete and its tombstone can have other partitions' messages between them, so the
 * last delete is remembered per partition: per (origin->topic, origin->partition), since
 * one mapping may read several topics. An open-addressing table with linear probing, load
 * at most 1/2, keyed by a hash of both; kfb_mapper_forget_partition removes entries by
 * shifting later ones back (no deletion markers, so lookups never slow down). */
static uint32_t tomb_hash(const char *topic, int32_t partition) {
    uint32_t h = 2166136261u; /* FNV-1a of the topic */
    for (const unsigned char *p = (const unsigned char *)topic; *p; p++) h = (h ^ *p) * 16777619u;
    h ^= (uint32_t)partition * 0x9e3779b1u;
    h ^= h >> 16; /* murmur3's finalizer: the low bits index the table */
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16);
}

/* The slot of (topic, partition), or the free slot where it would go (tombs_cap > 0 and
 * the load below 1, so there is one). */
static size_t tomb_probe(const kfb_mapper_t *m, const char *topic, int32_t partition,
                         uint32_t h) {
    const size_t mask = m->tombs_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const tomb_slot_t *t = &m->tombs[i];
        if (!t->topic || (t->hash == h && t->partition == partition && !strcmp(t->topic, topic)))
            return i;
    }
}

/* Finds the memory of the current message's partition, adding it when `create` (the
 * table grows as partitions appear, then stops allocating). Messages without an origin
 * share the mapper's single memory. Returns 0 (none: not yet, out of memory, or
 * KFB_MAPPER_TOMB_MAX partitions remembered already) or 1. */
static int tomb_find(kfb_mapper_t *m, int create, kfb_buf_t **key, int **have) {
    if (!m->origin) {
        *key = &m->last_delete;
        *have = &m->have_last_delete;
        return 1;
    }
    const char *topic = m->origin->topic ? m->origin->topic : "";
    const int32_t part = m->origin->partition;
    const uint32_t h = tomb_hash(topic, part);
    if (m->tombs_cap) {
        tomb_slot_t *t = &m->tombs[tomb_probe(m, topic, part, h)];
        if (t->topic) {
            *key = &t->key;
            *have = &t->have;
            return 1;
        }
    }
    if (!create) return 0;
    if (m->tombs_used >= KFB_MAPPER_TOMB_MAX) {
        if (!m->tombs_full_warned)
            KFB_WARN("mapper",
                     "Debezium deletes are remembered for %d partitions already (are revoked "
                     "partitions forgotten?); the tombstone after a delete in another one is "
                     "sent as a second delete",
                     KFB_MAPPER_TOMB_MAX);
        m->tombs_full_warned = 1;
        return 0;
    }
    if ((m->tombs_used + 1) * 2 > m->tombs_cap) { /* keep the load at most 1/2 */
        size_t cap = m->tombs_cap ? m->tombs_cap * 2 : 8;
        tomb_slot_t *nt = calloc(cap, sizeof(*nt));
        if (!nt) return 0;
        for (size_t j = 0; j < m->tombs_cap; j++) {
            if (!m->tombs[j].topic) continue;
            size_t i = m->tombs[j].hash & (cap - 1);
            while (nt[i].topic) i = (i + 1) & (cap - 1);
            nt[i] = m->tombs[j]; /* the key buffer moves with its slot */
        }
        free(m->tombs);
        m->tombs = nt;
        m->tombs_cap = cap;
    }
    tomb_slot_t *t = &m->tombs[tomb_probe(m, topic, part, h)];
    size_t tl = strlen(topic) + 1;
    if (!(t->topic = malloc(tl))) return 0;
    memcpy(t->topic, topic, tl);
    t->hash = h;
    t->partition = part;
    t->have = 0;
    m->tombs_used++;
    *key = &t->key;
    *have = &t->have;
    return 1;
}

/* Frees slot i and closes the gap: each later slot of the probe run moves back into the
 * hole when its home position does not lie between the hole and itself. */
static void tomb_remove(kfb_mapper_t *m, size_t i) {
    const size_t mask = m->tombs_cap - 1;
    free(m->tombs[i].topic);
    kfb_buf_free(&m->tombs[i].key);
    memset(&m->tombs[i], 0, sizeof(m->tombs[i]));
    m->tombs_used--;
    for (size_t j = (i + 1) & mask; m->tombs[j].topic; j = (j + 1) & mask) {
        size_t home = m->tombs[j].hash & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->tombs[i] = m->tombs[j];
            memset(&m->tombs[j], 0, sizeof(m->tombs[j]));
            i = j;
        }
    }
}

void kfb_mapper_forget_partition(kfb_mapper_t *m, const char *topic, int32_t partition) {
    if (!m || !m->tombs_cap) return;
    if (!topic) topic = "";
    size_t i = tomb_probe(m, topic, partition, tomb_hash(topic, partition));
    if (m->tombs[i].topic) tomb_remove(m, i);
    if (!m->tombs_used) {
        /* nothing remembered: give the table back too */
        free(m->tombs);
        m->tombs = NULL;
        m->tombs_cap = 0;
    }
}

void kfb_mapper_forget_all(kfb_mapper_t *m) {
    if (!m) return;
    for (size_t i = 0; i < m->tombs_cap; i++) {
        free(m->tombs[i].topic);
        kfb_buf_free(&m->tombs[i].key);
    }
    free(m->tombs);
    m->tombs = NULL;
    m->tombs_cap = m->tombs_used = 0;
    m->tombs_full_warned = 0;
    kfb_buf_free(&m->last_delete);
    m->have_last_delete = 0;
}

/* Decodes a Kafka key into slot set `set` (PK columns). */
static kfb_err_t decode_kafka_key(kfb_mapper_t *m, const uint8_t *key, size_t key_len, int set) {
    if (!key)
        return rec_err(m, KFB_ERR_MAPPER_NO_KEY, NULL,
                       "the message has no Kafka key, which is needed here (tombstone or "
                       "key_from_message_key)");
    if (m->key_format != KFB_MAPPER_KEY_AVRO) {
        int col = m->td->physical_primary_key[0];
        if (m->key_format == KFB_MAPPER_KEY_STRING) {
            size_t bad = kfb_avro_utf8_check(key, key_len);
            if (bad != key_len)
                return rec_err(m, KFB_ERR_INVALID_UTF8, "key",
                               "the Kafka key is not valid UTF-8 (offset %zu)", bad);
        }
        m->slots[set][col].v.b.p = key;
        m->slots[set][col].v.b.n = key_len;
        m->present[set][col] = 1;
        return KFB_ERR_OK;
    }
    kfb_confluent_msg_t cm;
    char ferr[512];
    kfb_err_t e = kfb_confluent_parse(key, key_len, m->origin, &cm, NULL, 0);
    if (e) {
        /* rec_err names the origin: the sentence without it */
        kfb_confluent_describe_error(key, key_len, ferr, sizeof(ferr));
        return rec_err(m, e, "key", "%s", ferr);
    }
    const plan_t *kp;
    char perr[768];
    e = kfb_mapper_get_plan_(m, cm.schema_id, ROLE_KEY, &kp, perr, sizeof(perr));
    if (e) return rec_err(m, e, "key", "%s", perr);
    kfb_avro_cursor_t c;
    kfb_avro_cursor_init(&c, cm.body, cm.body_len);
    e = run_steps(m, &kp->steps, &c, set);
    if (e) return e;
    if (KFB_UNLIKELY(kfb_avro_remaining(&c)))
        return rec_err(m, KFB_ERR_TRAILING_BYTES, "key", "%zu bytes left after the Avro key",
                       kfb_avro_remaining(&c));
    return KFB_ERR_OK;
}

static int same_bytes(const kfb_buf_t *a, const uint8_t *p, size_t n) {
    return a->len == n && (n == 0 || !memcmp(a->data, p, n));
}

/* ---------------------------------------------------------------------------------- */
/* Fused path: Avro straight into the value row                                        */
/* ---------------------------------------------------------------------------------- */

/* Writes a decoded slot with the column's op (the encodings of write_row_fast, §6.2).
 * Returns NULL for ops the fused path does not take. */
static inline uint8_t *put_slot(uint8_t *p, uint8_t op, const slot_t *v) {
    switch (op) {
    case OP_BOOL: *p++ = v->v.i64 != 0; return p;
    case OP_I8: *p++ = (uint8_t)v->v.i64; return p;
    case OP_I16: kfb_put_le16(p, (uint16_t)v->v.i64); return p + 2;
    case OP_V32: return p + kfb_varint32_write(p, (uint32_t)v->v.i64);
    case OP_V64: return p + kfb_varint64_write(p, (uint64_t)v->v.i64);
    case OP_DEC64: return p + kfb_varint64_write(p, (uint64_t)v->v.dec.unscaled);
    case OP_F32: kfb_put_le32(p, kfb_float_bits(v->v.f32)); return p + 4;
    case OP_F64: kfb_put_le64(p, kfb_double_bits(v->v.f64)); return p + 8;
    case OP_BYTES:
        if (KFB_UNLIKELY(v->v.b.n > INT32_MAX)) return NULL;
        p += kfb_varint32_write(p, (uint32_t)v->v.b.n);
        if (v->v.b.n) memcpy(p, v->v.b.p, v->v.b.n);
        return p + v->v.b.n;
    case OP_DEC_BYTES:
        p += kfb_varint32_write(p, v->v.dec.nbytes);
        memcpy(p, v->v.dec.bytes, v->v.dec.nbytes);
        return p + v->v.dec.nbytes;
    case OP_TS3: return p + kfb_varint64_write(p, (uint64_t)v->v.ts.ms);
    case OP_TS9:
        p += kfb_varint64_write(p, (uint64_t)v->v.ts.ms);
        return p + kfb_varint32_write(p, (uint32_t)v->v.ts.nano);
    default: return NULL;
    }
}

/* Avro varint of at most 8 bytes, read from 8 readable bytes at p: returns its length
 * (1..8) and the raw (still zigzagged) value, or 0 when it is longer (the caller then takes
 * the checked reader). The 7-bit groups are packed by three mask-and-shift steps (pairs,
 * quads, halves) instead of a loop with a branch per byte. */
static inline unsigned varint8_read(const uint8_t *p, uint64_t *out) {
    uint64_t w = kfb_get_le64(p);
    uint64_t stop = ~w & 0x8080808080808080ULL;
    if (KFB_UNLIKELY(!stop)) return 0;
    /* stop ^ (stop - 1): every bit up to the first clear continuation bit, i.e. exactly the
     * varint's bytes */
    uint64_t x = w & (stop ^ (stop - 1)) & 0x7f7f7f7f7f7f7f7fULL;
    x = ((x & 0x7f007f007f007f00ULL) >> 1) | (x & 0x007f007f007f007fULL);
    x = ((x & 0x3fff00003fff0000ULL) >> 2) | (x & 0x00003fff00003fffULL);
    x = ((x & 0x0fffffff00000000ULL) >> 4) | (x & 0x000000000fffffffULL);
    *out = x;
    return ((unsigned)__builtin_ctzll(stop) >> 3) + 1;
}

/* A varint of one or two bytes near the end of the input, where varint8_read cannot load
 * 8 bytes; 0 for anything else (the checked reader then decides). */
static inline unsigned varint_tail_read(const uint8_t *p, const uint8_t *end, uint64_t *out) {
    if (p < end && p[0] < 0x80) {
        *out = p[0];
        return 1;
    }
    if (end - p >= 2 && p[1] < 0x80) {
        *out = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
        return 2;
    }
    return 0;
}

/* Per count of leading zero bits of (v | 1) below 2^56: the LEB128 length, and the
 * continuation bits of all its bytes but the last. */
#define VL_(n) ((n) >= 57 ? 1 : (n) >= 50 ? 2 : (n) >= 43 ? 3 : (n) >= 36 ? 4 : (n) >= 29 ? 5 : \
                (n) >= 22 ? 6 : (n) >= 15 ? 7 : 8)
#define VL4_(n) VL_(n), VL_((n) + 1), VL_((n) + 2), VL_((n) + 3)
static const uint8_t varint_len_by_clz[64] = {
    VL4_(0),  VL4_(4),  VL4_(8),  VL4_(12), VL4_(16), VL4_(20), VL4_(24), VL4_(28),
    VL4_(32), VL4_(36), VL4_(40), VL4_(44), VL4_(48), VL4_(52), VL4_(56), VL4_(60),
};
#undef VL4_
#undef VL_
static const uint64_t varint_cont_by_len[9] = {
    0, 0, 0x80, 0x8080, 0x808080, 0x80808080, 0x8080808080ULL, 0x808080808080ULL,
    0x80808080808080ULL,
};

/* A non-negative Avro int/long (zigzag varint of at most max_len <= 8 bytes, 8 readable at
 * src, no bits past 32 when max_len is 5) re-encoded as the LEB128 of its value at *dst
 * (8 writable bytes), without unpacking the 7-bit groups: for an even zigzag value u = 2v,
 * byte k of v's groups is bits 1..6 of Avro byte k plus bit 0 of Avro byte k + 1.
 * Returns the Avro length, or 0 (negative, longer, or too wide) for the general decoder. */
static inline unsigned zigzag8_transcode(const uint8_t *src, uint8_t **dst, unsigned max_len) {
    uint64_t w = kfb_get_le64(src);
    uint64_t stop = ~w & 0x8080808080808080ULL;
    if (KFB_UNLIKELY(!stop) || (w & 1)) return 0;
    unsigned n = ((unsigned)__builtin_ctzll(stop) >> 3) + 1;
    if (n > max_len || (n == 5 && max_len == 5 && src[4] > 0x0f)) return 0;
    /* the varint's bytes; their continuation bits (bit 7) are never selected below */
    uint64_t y = w & (stop ^ (stop - 1));
    uint64_t r = ((y >> 1) & 0x3f3f3f3f3f3f3f3fULL) | ((y >> 2) & 0x4040404040404040ULL);
    unsigned len = ((63u - (unsigned)__builtin_clzll(r | 1)) >> 3) + 1;
    kfb_put_le64(*dst, r | varint_cont_by_len[len]);
    *dst += len;
    return n;
}

/* Unsigned LEB128 of v (the bytes of kfb_varint64_write): values below 2^56 are spread into
 * 7-bit groups by the inverse of varint8_read's steps and stored with one 8-byte write, so
 * the destination needs 8 writable bytes (the fused row reserves slack for it). */
static inline uint8_t *varint_put(uint8_t *p, uint64_t v) {
    if (KFB_LIKELY(v < (1ULL << 56))) {
        unsigned len = varint_len_by_clz[__builtin_clzll(v | 1)];
        uint64_t x = v;
        x = (x & 0x000000000fffffffULL) | ((x & 0x00fffffff0000000ULL) << 4);
        x = (x & 0x00003fff00003fffULL) | ((x & 0x0fffc0000fffc000ULL) << 2);
        x = (x & 0x007f007f007f007fULL) | ((x & 0x3f803f803f803f80ULL) << 1);
        x |= varint_cont_by_len[len];
        kfb_put_le64(p, x);
        return p + len;
    }
    return p + kfb_varint64_write(p, v);
}

static kfb_err_t map_general(kfb_mapper_t *m, const uint8_t *key, size_t key_len,
                             const uint8_t *value, size_t value_len, const kfb_origin_t *origin,
                             kfb_mapper_result_t *res, char *errstr, size_t errstr_size);
static kfb_err_t sink_records(kfb_mapper_t *m, const kfb_mapper_sink_t *sink,
                              const kfb_mapper_msg_t *msg, size_t index,
                              const kfb_mapper_result_t *res, int *stop, char *errstr,
                              size_t errstr_size);

/* After a message of a batch failed with e: per-record errors, and plan errors when the
 * sink takes them per message, go to the sink's on_error (1: go on with the next
 * message); anything else, or on_error saying stop, ends the call (0). */
static int batch_error_continues(const kfb_mapper_sink_t *sink, size_t index, kfb_err_t e,
                                 int plan_error, const char *errstr) {
    return (kfb_err_class(e) == KFB_ERRCLASS_RECORD ||
            (plan_error && sink->plan_errors_per_message)) &&
           sink->on_error && sink->on_error(sink->ctx, index, e, errstr) == 0;
}

/* A fused op's field through the general decoder and writer (F_GENERIC, and the machine
 * code's slow calls): decodes it at *c, sets its null bit in the row at base or writes its
 * value at p. Returns the row position after it, or NULL when the fused path must give the
 * message up (decode error, null in a key or NOT NULL column, NaN key, unwritable value). */
static inline uint8_t *fused_generic_field(kfb_mapper_t *m, const fop_t *op,
                                           kfb_avro_cursor_t *c, uint8_t *base, uint8_t *p) {
    slot_t sl;
    uint8_t pres;
    if (run_column(m, op->step, c, &sl, &pres)) return NULL;
    if (!pres) {
        if (KFB_UNLIKELY(!op->null_ok)) return NULL;
        base[op->column >> 3] |= (uint8_t)(1u << (op->column & 7));
        return p;
    }
    if (op->key_pos >= 0 && ((op->col_op == OP_F32 && isnan(sl.v.f32)) ||
                             (op->col_op == OP_F64 && isnan(sl.v.f64))))
        return NULL;
    return put_slot(p, op->col_op, &sl);
}

/* A fresh row's null bitmap: the plan's (columns without a field are null). The bitmap
 * array has at least 8 bytes and the row 8 bytes of slack: one move for up to 64 columns. */
static inline void fused_bitmap_init(uint8_t *base, const plan_t *pl) {
    if (KFB_LIKELY(pl->fused_nb <= 8)) memcpy(base, pl->fused_bitmap, 8);
    else memcpy(base, pl->fused_bitmap, pl->fused_nb);
}

/* The bucket of a fused message's key bytes (never empty); < 0 when the key plan refuses. */
static inline int32_t fused_bucket(const kfb_mapper_t *m, const plan_t *pl, const uint8_t *kp,
                                   size_t kl) {
    if (KFB_LIKELY(m->keys.bucket_fn == KFB_BUCKET_FN_FLUSS)) {
        /* kfb_bucket_fluss with the modulo as a multiplication (Lemire's fastmod; the
         * hash is >= 0) */
        int32_t kh = KFB_LIKELY(kl - 1 < 8) ? kfb_murmur_fluss_short(kp, kl)
                                            : kfb_murmur_fluss(kp, kl);
        uint32_t h = (uint32_t)kfb_murmur_fluss_int(kh);
        uint64_t low = pl->bucket_fastmod * h;
        return (int32_t)(((unsigned __int128)low * (uint32_t)m->td->bucket_count) >> 64);
    }
    return kfb_key_plan_bucket(&m->keys, kp, kl, m->td->bucket_count);
}

/* What the fused path gives for one message: the value row is
 * m->fused_row.data[0, row_len). */
typedef struct fused_out {
    const uint8_t *key;
    size_t key_len;
    size_t row_len;
    int32_t bucket;
} fused_out_t;

/*
 * The fused path for one message: decodes the Avro body of a Confluent-framed value with
 * the plan's fused ops into m->fused_row (a value row) and computes key and bucket.
 * Returns 1 with *fo filled, or 0 when anything is off (the general path then decides and
 * words the outcome). value == NULL only links the plan's handler addresses. The row is
 * reserved for the fixed-size bound plus the body length (every string/bytes payload is
 * in the body) plus the enum symbols. Its own function, called per message, so that the
 * op handlers have the registers to themselves (inlined into the batch loop they spilled
 * the cursor and cost more than the call).
 */
static __attribute__((noinline)) int fused_one(kfb_mapper_t *m, const plan_t *pl,
                                               const uint8_t *value, size_t value_len,
                                               fused_out_t *fo) {
    /* Threaded dispatch (GCC/Clang labels as values): each op ends with an indirect jump
     * through the next op's own handler address, instead of one shared switch at the loop
     * head; the F_END sentinel's handler leaves the op loop, so there is no end test
     * either. The addresses are linked into a plan's ops before its first message
     * (labels exist only inside their function). */
    static const void *const handler[] = {
        [F_SKIP] = &&L_SKIP,   [F_GENERIC] = &&L_GENERIC, [F_BOOL] = &&L_BOOL,
        [F_INT_V32] = &&L_INT, [F_INT_V64] = &&L_INT,     [F_LONG_V64] = &&L_LONG_V64,
        [F_F32] = &&L_F32,     [F_F64] = &&L_F64,         [F_STR] = &&L_BYTES,
        [F_BYTES] = &&L_BYTES, [F_UNION] = &&L_UNION,     [F_MARK] = &&L_MARK,
        [F_KEY_LONG] = &&L_KEY_LONG,
        [F_END] = &&ops_done,
    };
    if (KFB_UNLIKELY(!value)) {
        for (fop_t *o = pl->fops;; o++) {
            o->h = handler[o->kind];
            if (o->kind == F_END) break;
        }
        return 0;
    }
    /* Same schema as the previous message: the Confluent header test is
     * kfb_confluent_parse's success condition; the id equals a compiled plan's, so it is
     * not negative. */
    if (KFB_UNLIKELY(!(value_len >= KFB_CONFLUENT_HEADER_SIZE &&
                       value[0] == KFB_CONFLUENT_MAGIC &&
                       (int32_t)kfb_get_be32(value + 1) == pl->schema_id)))
        return 0;
    kfb_buf_t *const rb = &m->fused_row;
    const uint8_t *const body = value + KFB_CONFLUENT_HEADER_SIZE;
    const size_t body_len = value_len - KFB_CONFLUENT_HEADER_SIZE;
    /* (rb->len and m->fused_ok are set only when a result is handed out: a declined
     * message goes to map_general, which clears fused_ok) */
    if (KFB_UNLIKELY(pl->fused_reserve + body_len > rb->cap) &&
        kfb_buf_reserve(rb, pl->fused_reserve + body_len))
        goto decline;
    uint8_t *const base = rb->data;
    const size_t nb = pl->fused_nb;
    fused_bitmap_init(base, pl);
    uint8_t *p = base + nb;
    /* row offsets taken by F_MARK ops: key column k spans [mark[2k], mark[2k + 1]) */
    kfb_jit_ctx_t cx;
    uint32_t *const mark = cx.mark;
    int32_t bucket = -1; /* >= 0: the machine code computed it */
    /* The cursor lives in locals (registers); a kfb_avro_cursor_t is built only around the
     * out-of-line readers (skip, generic conversions, long varints). */
    const uint8_t *cp = body, *const cend = body + body_len;
    const fop_t *op = pl->fops;
#define FUSED_CALL_(call)                                                                 \
    do {                                                                                  \
        kfb_avro_cursor_t c_ = {cp, cend};                                                \
        if (KFB_UNLIKELY(call)) goto decline;                                             \
        cp = c_.p;                                                                        \
    } while (0)
#define NEXT_OP()                                                                         \
    do {                                                                                  \
        ++op;                                                                             \
        goto *op->h;                                                                      \
    } while (0)
#if KFB_MAPPER_JIT
    /* the plan's machine code when there is some (it reads the body's last 8 bytes for
     * the fields at its end); on NULL the interpreter runs the message from the start */
    if (KFB_LIKELY(pl->jit != NULL) && KFB_LIKELY(body_len >= 8) && !m->jit_disabled) {
        cx.m = m;
        cx.pl = pl;
        cx.cend = cend;
        cx.base = base;
        uint8_t *end = pl->jit(cp, cend, p, base, &cx);
        if (KFB_LIKELY(end != NULL)) {
            p = end;
            if (pl->jit_bucket) bucket = cx.bucket;
            m->jit_count++;
            goto row_done;
        }
        fused_bitmap_init(base, pl); /* the code may have set null bits */
    }
#endif
    goto *op->h;
    {
    L_MARK:
        mark[op->column] = (uint32_t)(p - base);
        NEXT_OP();
    L_UNION: {
            /* precedes its value op; a null skips that op */
            uint32_t b;
            if (KFB_LIKELY(cp < cend && !(*cp & 0x81))) b = *cp++ >> 1;
            else FUSED_CALL_(kfb_avro_read_union_index(&c_, op->n_branches, &b));
            if (KFB_UNLIKELY(b >= op->n_branches)) goto decline;
            if ((int32_t)b == op->null_branch) {
                if (KFB_UNLIKELY(!op->null_ok)) goto decline;
                base[op->null_byte] |= op->null_bit;
                op++; /* the value op; never a key column (null_ok) */
                NEXT_OP();
            }
            if (KFB_UNLIKELY((int32_t)b != op->value_branch)) goto decline;
            NEXT_OP();
        }
    L_SKIP:
        FUSED_CALL_(kfb_avro_skip(&c_, op->step->type));
        NEXT_OP();
/* long -> BIGINT/TIMESTAMP(p <= 3): non-negative values by the zigzag transcode, the rest
 * decoded and re-encoded; a macro because L_KEY_LONG wraps the same code in key marks */
#define FUSED_LONG_()                                                                     \
    do {                                                                                  \
        int64_t v_;                                                                       \
        uint64_t u_;                                                                      \
        unsigned n_;                                                                      \
        if (KFB_LIKELY(cend - cp >= 8) && (n_ = zigzag8_transcode(cp, &p, 8)) != 0) {     \
            cp += n_;                                                                     \
            break;                                                                        \
        }                                                                                 \
        if (KFB_LIKELY(cend - cp >= 8 && (n_ = varint8_read(cp, &u_)) != 0)) {            \
            cp += n_;                                                                     \
            v_ = (int64_t)(u_ >> 1) ^ -(int64_t)(u_ & 1);                                 \
        } else if ((n_ = varint_tail_read(cp, cend, &u_)) != 0) {                         \
            cp += n_;                                                                     \
            v_ = (int64_t)(u_ >> 1) ^ -(int64_t)(u_ & 1);                                 \
        } else {                                                                          \
            FUSED_CALL_(kfb_avro_read_long(&c_, &v_));                                    \
        }                                                                                 \
        p = varint_put(p, (uint64_t)v_);                                                  \
    } while (0)
    L_LONG_V64:
        FUSED_LONG_();
        NEXT_OP();
    L_KEY_LONG: {
            /* a long key column: its bounds without two F_MARK ops */
            uint32_t k0 = (uint32_t)(p - base);
            FUSED_LONG_();
            mark[2 * op->key_pos] = k0;
            mark[2 * op->key_pos + 1] = (uint32_t)(p - base);
            NEXT_OP();
        }
#undef FUSED_LONG_
    L_INT: {
            int32_t v;
            uint64_t u;
            unsigned n;
            /* an int has at most 5 bytes and no bits past 32 (as the checked reader, which
             * decides everything else) */
            if (KFB_LIKELY(cend - cp >= 8) && (n = zigzag8_transcode(cp, &p, 5)) != 0) {
                cp += n;
                NEXT_OP();
            }
            if ((KFB_LIKELY(cend - cp >= 8 && (n = varint8_read(cp, &u)) != 0) ||
                 (n = varint_tail_read(cp, cend, &u)) != 0) &&
                n <= 5 && u <= 0xffffffffULL) {
                cp += n;
                uint32_t u32 = (uint32_t)u;
                v = (int32_t)(u32 >> 1) ^ -(int32_t)(u32 & 1);
            } else {
                FUSED_CALL_(kfb_avro_read_int(&c_, &v));
            }
            /* INTEGER: the 32-bit pattern (a negative int is 5 bytes); BIGINT: 64 bits */
            p = varint_put(p, op->kind == F_INT_V32 ? (uint64_t)(uint32_t)v : (uint64_t)(int64_t)v);
            NEXT_OP();
        }
    L_BYTES: {
            const uint8_t *d;
            size_t n;
            uint64_t hi; /* nonzero: the payload may hold non-ASCII bytes */
            if (KFB_LIKELY(cp < cend && !(*cp & 0x81))) {
                /* one-byte length 0..63, and so a one-byte Fluss length */
                n = *cp++ >> 1;
                if (KFB_UNLIKELY(n > (size_t)(cend - cp))) goto decline;
                d = cp;
                cp += n;
                *p++ = (uint8_t)n;
                /* the copy's own loads give the ASCII test; the row's 8 bytes of slack
                 * take the over-long store of a short payload */
                if (n - 1 < 8 && cend - d >= 8) {
                    uint64_t w = kfb_get_le64(d);
                    kfb_put_le64(p, w);
                    hi = (w << (64 - 8 * n)) & 0x8080808080808080ULL;
                } else if (n - 9 < 8) {
                    uint64_t w0 = kfb_get_le64(d), w1 = kfb_get_le64(d + n - 8);
                    kfb_put_le64(p, w0);
                    kfb_put_le64(p + n - 8, w1);
                    hi = (w0 | w1) & 0x8080808080808080ULL;
                } else {
                    kfb_kv_batch_copy_(p, d, n);
                    hi = 1;
                }
            } else {
                FUSED_CALL_(kfb_avro_read_bytes(&c_, &d, &n));
                if (KFB_UNLIKELY(n > INT32_MAX)) goto decline;
                p += kfb_varint32_write(p, (uint32_t)n);
                kfb_kv_batch_copy_(p, d, n);
                hi = 1;
            }
            if (KFB_UNLIKELY(hi) && op->kind == F_STR && !is_ascii(d, n) &&
                kfb_avro_utf8_check(d, n) != n)
                goto decline;
            p += n;
            NEXT_OP();
        }
    L_F64: {
            if (KFB_UNLIKELY(cend - cp < 8)) goto decline;
            uint64_t bits = kfb_get_le64(cp);
            cp += 8;
            if (op->key_pos >= 0 && isnan(kfb_bits_double(bits))) goto decline;
            kfb_put_le64(p, bits);
            p += 8;
            NEXT_OP();
        }
    L_F32: {
            if (KFB_UNLIKELY(cend - cp < 4)) goto decline;
            uint32_t bits = kfb_get_le32(cp);
            cp += 4;
            if (op->key_pos >= 0 && isnan(kfb_bits_float(bits))) goto decline;
            kfb_put_le32(p, bits);
            p += 4;
            NEXT_OP();
        }
    L_BOOL: {
            if (KFB_UNLIKELY(cp >= cend || *cp > 1)) goto decline;
            *p++ = *cp++;
            NEXT_OP();
        }
    L_GENERIC: {
            kfb_avro_cursor_t c_ = {cp, cend};
            p = fused_generic_field(m, op, &c_, base, p);
            if (KFB_UNLIKELY(!p)) goto decline;
            cp = c_.p;
            NEXT_OP();
        }
    }
ops_done:
#undef NEXT_OP
#undef FUSED_CALL_
    if (KFB_UNLIKELY(cp != cend)) goto decline;
#if KFB_MAPPER_JIT
row_done:;
#endif
    const size_t row_len = (size_t)(p - base);
    const uint8_t *kp;
    size_t kl;
    if (pl->n_key == 1) {
        kp = base + mark[0];
        kl = mark[1] - mark[0];
    } else {
        kfb_buf_t *kb = &m->keybuf[0];
        kb->len = 0;
        if (KFB_UNLIKELY(kfb_buf_reserve(kb, row_len))) goto decline;
        for (size_t k = 0; k < pl->n_key; k++) {
            size_t len = mark[2 * k + 1] - mark[2 * k];
            memcpy(kb->data + kb->len, base + mark[2 * k], len);
            kb->len += len;
        }
        kp = kb->data;
        kl = kb->len;
    }
    if (bucket < 0) {
        bucket = fused_bucket(m, pl, kp, kl);
        if (KFB_UNLIKELY(bucket < 0)) goto decline;
    }
    m->fused_count++;
    fo->key = kp;
    fo->key_len = kl;
    fo->row_len = row_len;
    fo->bucket = bucket;
    return 1;
decline:
    return 0;
}

#if KFB_MAPPER_JIT
/*
 * map_batch's loop for plans with machine code and a single key column: from msgs[i] on,
 * each message whose body the code maps goes straight into its bucket's open batch, with
 * nothing else per message but the header test, the bucket (the code's, for the keys it
 * hashes) and the append. Returns the index of the first message it did not consume
 * (anything unusual: another schema id, a short body, a row buffer to grow, the code
 * declining, a bucket without an open batch of stamp `stamp` (the table schema id and the
 * plan's target set) with room); map_run takes that one the long way.
 */
static size_t jit_run(kfb_mapper_t *m, const plan_t *pl, const kfb_mapper_msg_t *msgs,
                      size_t i, size_t n, kfb_kv_batch_builder_t *const *batches,
                      uint32_t n_batches, kfb_kv_batch_builder_t **placed, uint64_t stamp) {
    const size_t first = i;
    kfb_buf_t *const rb = &m->fused_row;
    uint8_t *const base = rb->data;
    const size_t nb = pl->fused_nb;
    /* longest value whose row fits the buffer as it is (fused_one grows it) */
    const size_t max_len = rb->cap > pl->fused_reserve ? rb->cap - pl->fused_reserve : 0;
    /* the first 5 bytes of a value framed for this plan's schema id: magic, then the id
     * big-endian (kfb_confluent_parse's success condition), as a little-endian word */
    uint8_t hdr[8] = {KFB_CONFLUENT_MAGIC};
    kfb_put_be32(hdr + 1, (uint32_t)pl->schema_id);
    const uint64_t header = kfb_get_le64(hdr), header_mask = 0xffffffffffULL;
    const kfb_jit_fn_t code = pl->jit;
    const int hashes = pl->jit_bucket;
    kfb_jit_ctx_t cx;
    cx.m = m;
    cx.pl = pl;
    cx.base = base;
    for (; i < n; i++) {
        const uint8_t *const value = msgs[i].value;
        const size_t value_len = msgs[i].value_len;
        /* fused_one's header test; 8 body bytes for the code's reads near the end */
        if (KFB_UNLIKELY(!value || value_len < KFB_CONFLUENT_HEADER_SIZE + 8 ||
                         value_len > max_len ||
                         (kfb_get_le64(value) & header_mask) != header))
            break;
        fused_bitmap_init(base, pl);
        cx.cend = value + value_len;
        uint8_t *const end = code(value + KFB_CONFLUENT_HEADER_SIZE, value + value_len,
                                  base + nb, base, &cx);
        if (KFB_UNLIKELY(!end)) break;
        const uint8_t *const kp = base + cx.mark[0];
        const size_t kl = cx.mark[1] - cx.mark[0];
        /* the code's bucket, or (keys it does not hash) fused_one's */
        const int32_t bucket = KFB_LIKELY(hashes) && KFB_LIKELY(cx.bucket >= 0)
                                   ? cx.bucket
                                   : fused_bucket(m, pl, kp, kl);
        kfb_kv_batch_builder_t *b;
        if (KFB_UNLIKELY((uint32_t)bucket >= n_batches || (b = batches[bucket]) == NULL ||
                         kfb_kv_batch_stamp_(b) != stamp ||
                         !kfb_kv_batch_try_append_(b, kp, kl, base, (size_t)(end - base))))
            break;
        /* as map_run: fetch the bucket's next line for writing */
        const struct kfb_kv_batch_hot_ *hb = (const void *)b;
        __builtin_prefetch(hb->buf.data + hb->buf.len + 64, 1, 3);
        if (placed) {
            placed[2 * i] = b;
            placed[2 * i + 1] = NULL;
        }
    }
    m->fused_count += i - first;
    m->jit_count += i - first;
    return i;
}
#endif

/* The mapper's fused plan (NULL: none), with its ops linked to fused_one's handlers. */
static const plan_t *fused_plan_linked(kfb_mapper_t *m) {
    const plan_t *pl = m->fused_plan;
    if (pl && KFB_UNLIKELY(!pl->fops->h)) fused_one(m, pl, NULL, 0, NULL);
    return pl;
}

/*
 * Maps msgs[0, n). Single mode (sink NULL, n == 1; kfb_mapper_map): fills *res and returns
 * the message's outcome. Batch mode (kfb_mapper_map_batch): appends every record through
 * the sink and returns KFB_ERR_OK with *n_done == n, or the error that stopped the call
 * with *n_done the index of the message that was not consumed. Each message tries the
 * fused path first (when the last plan allows it); in batch mode a fused row then goes to
 * its bucket's open batch with one inline append, without a result struct.
 */
static kfb_err_t map_run(kfb_mapper_t *m, const kfb_mapper_msg_t *msgs, size_t n_msgs,
                         const kfb_origin_t *origin1, const kfb_mapper_sink_t *sink,
                         kfb_mapper_result_t *res, size_t *n_done, char *errstr,
                         size_t errstr_size) {
    m->errstr = errstr;
    m->errstr_size = errstr_size;
    m->fused_ok = 0;
    /* errors worded later (kfb_mapper_write_value after kfb_mapper_map) name this call's
     * origin; in batch mode each slow message sets its own */
    m->origin = sink ? NULL : origin1;
    kfb_mapper_result_t batch_res;
    if (!res) res = &batch_res;
    kfb_kv_batch_builder_t *const *const batches = sink ? sink->batches : NULL;
    const uint32_t n_batches = batches ? (uint32_t)sink->n_batches : 0;
    kfb_kv_batch_builder_t **const placed = sink ? sink->placed : NULL;
    /* rows are encoded for this table schema id: an open batch of another one (opened
     * before kfb_mapper_set_table) cannot take them, nor one of another target-column set
     * than the fused plan's (batch_for decides); both in one word, so the fast path tests
     * them with one compare */
    const int32_t table_schema_id = m->table_schema_id;
    uint64_t stamp = 0;
    kfb_err_t e = KFB_ERR_OK;
    int stop = 0; /* sink_records: e is batch_for's, which always stops the call */
    /* the fused plan, reloaded only after the general path (which may compile or switch
     * plans) */
    const plan_t *pl = fused_plan_linked(m);
    if (pl) stamp = kfb_kv_batch_stamp_of_(table_schema_id, pl->target_set);
    size_t i = 0;
    for (; i < n_msgs; i++) {
#if KFB_MAPPER_JIT
        /* the fast loop first, for as many messages as it takes; then this one the
         * long way */
        if (sink && pl && pl->jit && pl->n_key == 1 && !m->jit_disabled) {
            i = jit_run(m, pl, msgs, i, n_msgs, batches, n_batches, placed, stamp);
            if (i == n_msgs) break;
        }
#endif
        const uint8_t *const value = msgs[i].value;
        const size_t value_len = msgs[i].value_len;
        fused_out_t fo;
        if (KFB_UNLIKELY(!pl || !value || !fused_one(m, pl, value, value_len, &fo))) goto general;
        if (sink) {
            /* the common case of a batch: the bucket has an open batch with room */
            kfb_kv_batch_builder_t *b;
            if (KFB_LIKELY((uint32_t)fo.bucket < n_batches &&
                           (b = batches[fo.bucket]) != NULL && kfb_kv_batch_stamp_(b) == stamp &&
                           kfb_kv_batch_try_append_(b, fo.key, fo.key_len, m->fused_row.data,
                                                    fo.row_len))) {
                /* the bucket's next record lands past the batch's end: with one open
                 * batch per bucket those lines are cold, and fetching them now (for
                 * writing) hides the miss that the next append would take */
                const struct kfb_kv_batch_hot_ *hb = (const void *)b;
                __builtin_prefetch(hb->buf.data + hb->buf.len + 64, 1, 3);
                if (placed) {
                    placed[2 * i] = b;
                    placed[2 * i + 1] = NULL;
                }
                continue;
            }
        }
        m->fused_row.len = fo.row_len;
        kfb_mapped_t *o = &res->out[0];
        o->op = KFB_OP_UPSERT;
        o->key = fo.key;
        o->key_len = fo.key_len;
        o->bucket = fo.bucket;
        o->bucket_key = fo.key;
        o->bucket_key_len = fo.key_len;
        o->partition = NULL;
        o->target_columns = pl->target_columns;
        o->n_target_columns = pl->fused_n_target;
        o->target_set = pl->target_set;
        m->out_slotset[0] = 0;
        res->n = 1;
        m->fused_ok = 1;
        if (!sink) {
            *n_done = 1;
            return KFB_ERR_OK;
        }
        m->origin = &msgs[i].origin;
        e = sink_records(m, sink, &msgs[i], i, res, &stop, errstr, errstr_size);
        if (KFB_UNLIKELY(e) && (stop || !batch_error_continues(sink, i, e, 0, errstr))) break;
        continue;
    general:
        /* the general path maps the message from scratch */
        m->origin = sink ? &msgs[i].origin : origin1;
        e = map_general(m, msgs[i].key, msgs[i].key_len, value, value_len, m->origin, res,
                        errstr, errstr_size);
        pl = fused_plan_linked(m);
        if (pl) stamp = kfb_kv_batch_stamp_of_(table_schema_id, pl->target_set);
        if (!sink) {
            *n_done = !e;
            return e;
        }
        stop = 0;
        /* a plan error (value or key schema): the sink may take it per message */
        int plan_error = e && m->plan_error;
        if (!e)
            e = sink_records(m, sink, &msgs[i], i, res, &stop, errstr, errstr_size);
        else if (placed)
            placed[2 * i] = placed[2 * i + 1] = NULL;
        if (KFB_UNLIKELY(e) && (stop || !batch_error_continues(sink, i, e, plan_error, errstr)))
            break;
    }
    if (sink) {
        m->origin = NULL; /* msgs belongs to the caller */
        m->errstr = NULL; /* so may errstr be (or it is map_batch's local buffer) */
        m->errstr_size = 0;
    }
    *n_done = i;
    return i == n_msgs ? KFB_ERR_OK : e;
}

kfb_err_t kfb_mapper_map(kfb_mapper_t *m, const uint8_t *key, size_t key_len,
                         const uint8_t *value, size_t value_len, const kfb_origin_t *origin,
                         kfb_mapper_result_t *res, char *errstr, size_t errstr_size) {
    const kfb_mapper_msg_t msg = {key, key_len, value, value_len, {NULL, -1, -1}};
    size_t done;
    return map_run(m, &msg, 1, origin, NULL, res, &done, errstr, errstr_size);
}

kfb_err_t kfb_mapper_map_batch(kfb_mapper_t *m, const kfb_mapper_msg_t *msgs, size_t n,
                               const kfb_mapper_sink_t *sink, size_t *n_done, char *errstr,
                               size_t errstr_size) {
    size_t done_local;
    if (!n_done) n_done = &done_local;
    *n_done = 0;
    /* on_error is promised the per-record error's text: without a caller buffer, ours */
    char err_local[512];
    if (!errstr || !errstr_size) {
        errstr = err_local;
        errstr_size = sizeof(err_local);
    }
    err_local[0] = '\0';
    if (!sink || !sink->batch_for || (n && !msgs) || (sink->batches == NULL) != (sink->n_batches == 0)) {
        kfb_mapper_set_err_(errstr, errstr_size,
                            "map_batch: a sink with batch_for (and batches with n_batches) is required");
        return KFB_ERR_INVALID_ARG;
    }
    return map_run(m, msgs, n, NULL, sink, NULL, n_done, errstr, errstr_size);
}

int kfb_mapper_jit_slow_(kfb_jit_ctx_t *x, uint32_t k) {
    kfb_mapper_t *m = x->m;
    const fop_t *op = &x->pl->fops[k];
    kfb_avro_cursor_t c = {x->cp, x->cend};
    if (op->kind == F_SKIP) {
        if (kfb_avro_skip(&c, op->step->type)) return 0;
        x->cp = c.p;
        return 1;
    }
    /* a union: the field is the union index and the value op after it (run_column reads
     * both) */
    if (op->kind == F_UNION)
        while ((++op)->kind == F_MARK) {
        }
    const uint32_t start = (uint32_t)(x->p - x->base);
    uint8_t *const p = fused_generic_field(m, op, &c, x->base, x->p);
    if (!p) return 0;
    if (op->key_pos >= 0) {
        x->bucket = -1; /* the code hashes a key only on its inline path */
        x->mark[2 * op->key_pos] = start;
        x->mark[2 * op->key_pos + 1] = (uint32_t)(p - x->base);
    }
    x->cp = c.p;
    x->p = p;
    return 1;
}

void kfb_mapper_set_jit_for_testing(kfb_mapper_t *m, int enabled) { m->jit_disabled = !enabled; }

uint64_t kfb_mapper_jit_count_for_testing(const kfb_mapper_t *m) { return m->jit_count; }

void kfb_mapper_set_fused_for_testing(kfb_mapper_t *m, int enabled) {
    m->fused_disabled = !enabled;
    m->fused_plan = m->last_plan && m->last_plan->fops && enabled ? m->last_plan : NULL;
}

uint64_t kfb_mapper_fused_count_for_testing(const kfb_mapper_t *m) { return m->fused_count; }

/* The general path: every message the fused path does not take or declines. Kept out of
 * line so the fused path's caller stays a small function. */
static __attribute__((noinline)) kfb_err_t map_general(kfb_mapper_t *m, const uint8_t *key,
                                                       size_t key_len, const uint8_t *value,
                                                       size_t value_len,
                                                       const kfb_origin_t *origin,
                                                       kfb_mapper_result_t *res, char *errstr,
                                                       size_t errstr_size) {
    const size_t ncol = m->td->column_count;
    m->fused_ok = 0;
    m->plan_error = 0;
    m->value_plan = NULL;
    res->n = 0;
    memset(m->present[0], 0, ncol);
    if (m->format == KFB_MAPPER_FORMAT_DEBEZIUM) memset(m->present[1], 0, ncol);
    m->record_present[0] = m->record_present[1] = 0;
    m->op = 0;
    kfb_err_t e;

    if (!value) {
        /* Kafka tombstone: delete the key carried by the Kafka key */
        e = decode_kafka_key(m, key, key_len, 0);
        if (e) return e;
        e = finish_out(m, res, 0, KFB_OP_DELETE, 0);
        if (e) return e;
        res->n = 1;
        kfb_buf_t *last;
        int *have;
        if (m->format == KFB_MAPPER_FORMAT_DEBEZIUM && tomb_find(m, 0, &last, &have) &&
            *have && same_bytes(last, res->out[0].key, res->out[0].key_len)) {
            /* Debezium emits a tombstone after each delete, for log compaction */
            res->out[0].op = KFB_OP_SKIP;
            *have = 0;
        }
        return check_deletes(m, res);
    }

    kfb_confluent_msg_t cm;
    char ferr[512];
    e = kfb_confluent_parse(value, value_len, origin, &cm, ferr, sizeof(ferr));
    if (e) {
        kfb_mapper_set_err_(errstr, errstr_size, "%s", ferr);
        return e;
    }
    const plan_t *p;
    char perr[768];
    e = kfb_mapper_get_plan_(m, cm.schema_id, ROLE_VALUE, &p, perr, sizeof(perr));
    if (e) return rec_err(m, e, NULL, "%s", perr);
    m->value_plan = p;
    m->payload_bound = value_len + key_len + p->enum_bound;
    kfb_avro_cursor_t c;
    kfb_avro_cursor_init(&c, cm.body, cm.body_len);
    e = run_steps(m, &p->steps, &c, 0);
    if (e) return e;
    if (KFB_UNLIKELY(kfb_avro_remaining(&c)))
        return rec_err(m, KFB_ERR_TRAILING_BYTES, NULL,
                       "%zu bytes left after the Avro value (wrong schema id?)",
                       kfb_avro_remaining(&c));

    if (m->format != KFB_MAPPER_FORMAT_DEBEZIUM) {
        if (m->key_from_message_key) {
            e = decode_kafka_key(m, key, key_len, 0);
            if (e) return e;
        }
        e = finish_out(m, res, 0, KFB_OP_UPSERT, 0);
        if (e) return e;
        res->n = 1;
        return KFB_ERR_OK;
    }

    /* Debezium */
    switch (m->op) {
    case 'c':
    case 'r':
    case 'u':
        if (!m->record_present[0])
            return rec_err(m, KFB_ERR_MAPPER_BAD_OP, "after",
                           "Debezium op '%c' without an `after` image", m->op);
        if (m->key_from_message_key) {
            e = decode_kafka_key(m, key, key_len, 0);
            if (e) return e;
        }
        if (m->op == 'u' && m->record_present[1] && !m->key_from_message_key) {
            /* an update that moves the row to another key: delete the old one first */
            e = finish_out(m, res, 0, KFB_OP_DELETE, 1);
            if (e == KFB_ERR_OK) {
                e = finish_out(m, res, 1, KFB_OP_UPSERT, 0);
                if (e) return e;
                kfb_mapped_t *o0 = &res->out[0], *o1 = &res->out[1];
                int moved = o0->key_len != o1->key_len || memcmp(o0->key, o1->key, o0->key_len) ||
                            (o0->partition && strcmp(o0->partition, o1->partition));
                if (moved) {
                    res->n = 2;
                    return check_deletes(m, res);
                }
            } else if (e != KFB_ERR_NULL_IN_KEY) {
                /* a `before` without key columns (REPLICA IDENTITY DEFAULT) is fine */
                return e;
            }
        }
        e = finish_out(m, res, 0, KFB_OP_UPSERT, 0);
        if (e) return e;
        res->n = 1;
        return KFB_ERR_OK;
    case 'd':
        if (m->record_present[1]) {
            e = finish_out(m, res, 0, KFB_OP_DELETE, 1);
        } else {
            memset(m->present[0], 0, ncol);
            e = decode_kafka_key(m, key, key_len, 0);
            if (!e) e = finish_out(m, res, 0, KFB_OP_DELETE, 0);
        }
        if (e) return e;
        res->n = 1;
        /* remember the key so the tombstone that follows is not a second delete */
        {
            kfb_buf_t *last;
            int *have;
            if (tomb_find(m, 1, &last, &have)) {
                kfb_buf_reset(last);
                *have = kfb_buf_append(last, res->out[0].key, res->out[0].key_len) == KFB_ERR_OK;
            }
        }
        return check_deletes(m, res);
    case 't':
    case 'm':
        memset(&res->out[0], 0, sizeof(res->out[0]));
        res->out[0].op = KFB_OP_SKIP;
        res->out[0].bucket = -1;
        res->n = 1;
        return KFB_ERR_OK;
    default:
        if (m->op == 0)
            return rec_err(m, KFB_ERR_MAPPER_BAD_OP, "op", "the Debezium op is null");
        return rec_err(m, KFB_ERR_MAPPER_BAD_OP, "op",
                       "unknown Debezium op '%c' (expected c, r, u, d, t or m)",
                       m->op >= 0x20 && m->op < 0x7f ? m->op : '?');
    }
}

/* The value row of a table without nested columns: one reservation (fixed-size bound plus
 * the message length, which bounds every string/bytes payload), then every field written
 * through a local cursor. Same bytes as the general path (§6.2). */
static kfb_err_t write_row_fast(kfb_mapper_t *m, int set, kfb_buf_t *out) {
    const kfb_table_desc_t *td = m->td;
    size_t ncol = td->column_count, start = out->len;
    kfb_err_t e = kfb_buf_reserve(out, m->row_fixed_max + m->payload_bound);
    if (KFB_UNLIKELY(e)) return rec_err(m, e, NULL, "cannot write the value row: out of memory");
    uint8_t *base = out->data + start, *bm = base;
    size_t nb = (ncol + 7) / 8;
    memset(bm, 0, nb);
    uint8_t *p = base + nb;
    const slot_t *sl = m->slots[set];
    const uint8_t *pr = m->present[set];
    for (size_t col = 0; col < ncol; col++) {
        const slot_t *v = &sl[col];
        if (!pr[col]) {
            if (KFB_UNLIKELY(!td->column_types[col].nullable && (int)col != td->auto_increment_column))
                return rec_err(m, KFB_ERR_NULL_NOT_ALLOWED, td->columns[col].name,
                               "column \"%s\" is NOT NULL but the message has null for it",
                               td->columns[col].name);
            bm[col >> 3] |= (uint8_t)(1u << (col & 7));
            continue;
        }
        switch (m->col_op[col]) {
        case OP_BOOL: *p++ = v->v.i64 != 0; break;
        case OP_I8: *p++ = (uint8_t)v->v.i64; break;
        case OP_I16: kfb_put_le16(p, (uint16_t)v->v.i64); p += 2; break;
        case OP_V32: p += kfb_varint32_write(p, (uint32_t)v->v.i64); break;
        case OP_V64: p += kfb_varint64_write(p, (uint64_t)v->v.i64); break;
        case OP_DEC64: p += kfb_varint64_write(p, (uint64_t)v->v.dec.unscaled); break;
        case OP_F32: kfb_put_le32(p, kfb_float_bits(v->v.f32)); p += 4; break;
        case OP_F64: kfb_put_le64(p, kfb_double_bits(v->v.f64)); p += 8; break;
        case OP_BYTES:
            if (KFB_UNLIKELY(v->v.b.n > INT32_MAX))
                return rec_err(m, KFB_ERR_OUT_OF_RANGE, td->columns[col].name, "value too long");
            p += kfb_varint32_write(p, (uint32_t)v->v.b.n);
            if (v->v.b.n) memcpy(p, v->v.b.p, v->v.b.n);
            p += v->v.b.n;
            break;
        case OP_DEC_BYTES:
            p += kfb_varint32_write(p, v->v.dec.nbytes);
            memcpy(p, v->v.dec.bytes, v->v.dec.nbytes);
            p += v->v.dec.nbytes;
            break;
        case OP_TS3: p += kfb_varint64_write(p, (uint64_t)v->v.ts.ms); break;
        case OP_TS9:
            p += kfb_varint64_write(p, (uint64_t)v->v.ts.ms);
            p += kfb_varint32_write(p, (uint32_t)v->v.ts.nano);
            break;
        default: return rec_err(m, KFB_ERR_INTERNAL, NULL, "nested column on the fast path");
        }
    }
    out->len = (size_t)(p - out->data);
    return KFB_ERR_OK;
}

kfb_err_t kfb_mapper_write_value(kfb_mapper_t *m, const kfb_mapper_result_t *res, size_t i,
                                 kfb_buf_t *out, char *errstr, size_t errstr_size) {
    if (i >= res->n || res->out[i].op != KFB_OP_UPSERT) {
        kfb_mapper_set_err_(errstr, errstr_size, "write_value: output %zu is not an upsert", i);
        return KFB_ERR_INVALID_ARG;
    }
    m->errstr = errstr;
    m->errstr_size = errstr_size;
    const kfb_table_desc_t *td = m->td;
    int set = m->out_slotset[i];
    size_t start = out->len;
    if (KFB_LIKELY(m->fused_ok && i == 0)) {
        if (KFB_UNLIKELY(kfb_buf_append(out, m->fused_row.data, m->fused_row.len)))
            return rec_err(m, KFB_ERR_NOMEM, NULL, "cannot write the value row: out of memory");
        return KFB_ERR_OK;
    }
    if (KFB_LIKELY(m->fast_rows)) return write_row_fast(m, set, out);
    kfb_row_writer_t w;
    kfb_err_t e = kfb_row_writer_begin(&w, out, (uint32_t)td->column_count);
    for (size_t col = 0; col < td->column_count && !e; col++) {
        const kfb_datatype_t *t = &td->column_types[col];
        if (m->present[set][col]) {
            e = write_field(m, &w, t, &m->slots[set][col]);
        } else if (KFB_LIKELY(t->nullable) || (int)col == td->auto_increment_column) {
            e = kfb_row_write_null(&w, (uint32_t)col);
        } else {
            out->len = start;
            return rec_err(m, KFB_ERR_NULL_NOT_ALLOWED, td->columns[col].name,
                           "column \"%s\" is NOT NULL but the message has null for it",
                           td->columns[col].name);
        }
    }
    if (e) {
        out->len = start;
        return rec_err(m, e, NULL, "cannot write the value row: %s", kfb_err_message(e));
    }
    return KFB_ERR_OK;
}

/* Everything but a fused row appended without error; out of line so that the fused case
 * below stays a leaf-like function without register saves. */
static __attribute__((noinline)) kfb_err_t append_general(kfb_mapper_t *m,
                                                          const kfb_mapper_result_t *res,
                                                          size_t i,
                                                          kfb_kv_batch_builder_t *batch,
                                                          char *errstr, size_t errstr_size) {
    if (i >= res->n) {
        kfb_mapper_set_err_(errstr, errstr_size, "append_to_batch: no output %zu", i);
        return KFB_ERR_INVALID_ARG;
    }
    const kfb_mapped_t *o = &res->out[i];
    if (o->op == KFB_OP_SKIP) return KFB_ERR_OK;
    if (KFB_UNLIKELY(kfb_kv_batch_schema_id_(batch) != m->table_schema_id)) {
        /* the batch header tells Fluss which schema decodes its rows */
        kfb_mapper_set_err_(errstr, errstr_size,
                            "cannot add the record to the batch: the batch is for table schema "
                            "id %d, the mapper writes rows of table schema id %d",
                            (int)kfb_kv_batch_schema_id_(batch), (int)m->table_schema_id);
        return KFB_ERR_STATE;
    }
    if (KFB_UNLIKELY(kfb_kv_batch_tag_(batch) != o->target_set)) {
        /* a PutKv request sends one target-column list per batch */
        kfb_mapper_set_err_(errstr, errstr_size,
                            "cannot add the record to the batch: the batch is tagged %u, the "
                            "record is of target-column set %u (tag each batch with its "
                            "records' target_set: kfb_kv_batch_set_tag)",
                            (unsigned)kfb_kv_batch_tag_(batch), (unsigned)o->target_set);
        return KFB_ERR_STATE;
    }
    if (KFB_LIKELY(m->fused_ok && i == 0 && o->op == KFB_OP_UPSERT)) {
        /* the row is already encoded: one inline append, same record bytes as
         * begin_record + row + end_record, and the batch is unchanged on error */
        kfb_err_t e = kfb_kv_batch_append(batch, o->key, o->key_len, m->fused_row.data,
                                          m->fused_row.len);
        if (KFB_UNLIKELY(e))
            kfb_mapper_set_err_(errstr, errstr_size, "cannot add the record to the batch: %s",
                                kfb_err_message(e));
        return e;
    }
    kfb_buf_t *vb;
    kfb_err_t e = kfb_kv_batch_begin_record(batch, o->key, o->key_len, &vb);
    if (e) {
        kfb_mapper_set_err_(errstr, errstr_size, "cannot add the record to the batch: %s", kfb_err_message(e));
        return e;
    }
    if (o->op == KFB_OP_UPSERT) {
        e = kfb_mapper_write_value(m, res, i, vb, errstr, errstr_size);
        if (e) {
            kfb_kv_batch_cancel_record(batch);
            return e;
        }
    }
    e = kfb_kv_batch_end_record(batch, o->op == KFB_OP_DELETE);
    if (e) kfb_mapper_set_err_(errstr, errstr_size, "cannot add the record to the batch: %s", kfb_err_message(e));
    return e;
}

kfb_err_t kfb_mapper_append_to_batch(kfb_mapper_t *m, const kfb_mapper_result_t *res, size_t i,
                                     kfb_kv_batch_builder_t *batch, char *errstr,
                                     size_t errstr_size) {
    if (KFB_LIKELY(m->fused_ok && i == 0 && res->n && res->out[0].op == KFB_OP_UPSERT &&
                   kfb_kv_batch_stamp_(batch) ==
                       kfb_kv_batch_stamp_of_(m->table_schema_id, res->out[0].target_set))) {
        /* the row is already encoded: one inline append, same record bytes as
         * begin_record + row + end_record; an error leaves the batch unchanged, so the
         * general path below meets (and words) the same error again */
        m->append_errstr = errstr;
        m->append_errstr_size = errstr_size;
        if (KFB_LIKELY(kfb_kv_batch_append(batch, res->out[0].key, res->out[0].key_len,
                                           m->fused_row.data, m->fused_row.len) ==
                       KFB_ERR_OK))
            return KFB_ERR_OK;
        return append_general(m, res, 0, batch, m->append_errstr, m->append_errstr_size);
    }
    return append_general(m, res, i, batch, errstr, errstr_size);
}

/* Batch errors that mean "this batch cannot take the record; ask the sink for one that can". */
static int batch_unusable(kfb_err_t e) {
    return e == KFB_ERR_BATCH_FULL || e == KFB_ERR_BATCH_CLOSED || e == KFB_ERR_BATCH_ABORTED;
}

/* The slow half of a batch: appends each record of res (message msg, index in the batch)
 * to its bucket's open batch, or to the batch the sink's batch_for gives when there is
 * none or it cannot take the record. A record that a batch from batch_for cannot take
 * either is a per-record MAPPER_RECORD_TOO_LARGE. Errors name m->origin, which map_run
 * has pointed at msg->origin, in m->errstr (errstr). *stop is set when the error must end
 * the call whatever its class (batch_for's own errors: the header promises they stop).
 * Out of line: most messages never get here. */
static __attribute__((noinline)) kfb_err_t sink_records(kfb_mapper_t *m,
                                                        const kfb_mapper_sink_t *sink,
                                                        const kfb_mapper_msg_t *msg,
                                                        size_t index,
                                                        const kfb_mapper_result_t *res,
                                                        int *stop, char *errstr,
                                                        size_t errstr_size) {
    *stop = 0;
    /* placed entries are written as records land, so that a message whose second record
     * fails still names the batch that took its first */
    kfb_kv_batch_builder_t *unused[KFB_MAPPER_MAX_OUT];
    kfb_kv_batch_builder_t **placed = sink->placed ? sink->placed + 2 * index : unused;
    placed[0] = placed[1] = NULL;
    if (res->n == 2 && res->out[0].op != KFB_OP_SKIP && res->out[1].op == KFB_OP_UPSERT) {
        /* a Debezium key change: the message is applied whole or is a per-record error
         * with nothing appended, so the upsert's row errors (NOT NULL, ...) are met
         * before the delete lands in a batch */
        m->check_row.len = 0;
        kfb_err_t e = kfb_mapper_write_value(m, res, 1, &m->check_row, errstr, errstr_size);
        if (e) return e;
    }
    for (size_t k = 0; k < res->n; k++) {
        const kfb_mapped_t *o = &res->out[k];
        if (o->op == KFB_OP_SKIP) continue;
        kfb_kv_batch_builder_t *b = NULL;
        if (!o->partition && sink->batches && o->bucket >= 0 &&
            (size_t)o->bucket < sink->n_batches)
            b = sink->batches[o->bucket];
        /* a batch opened for another table schema id (before kfb_mapper_set_table) cannot
         * take rows of this one: its header would tell Fluss the wrong schema; nor can a
         * batch of another target-column set (one target list per PutKv batch) */
        if (b && kfb_kv_batch_stamp_(b) != kfb_kv_batch_stamp_of_(m->table_schema_id, o->target_set))
            b = NULL;
        kfb_err_t e = b ? kfb_mapper_append_to_batch(m, res, k, b, errstr, errstr_size)
                        : KFB_ERR_BATCH_FULL;
        if (batch_unusable(e)) {
            /* batch_for gets the batch that could not take the record (NULL: none): it
             * hands out the record's open batch, or seals that one and opens another; an
             * empty batch that still cannot take it asks for one sized for the record alone.
             * The same batch back is the sink's last word: too large if it is empty, the
             * sink's mistake if it holds other records. */
            kfb_kv_batch_builder_t *prev = b;
            for (int tries = 0;; tries++) {
                kfb_kv_batch_builder_t *got = prev;
                e = sink->batch_for(sink->ctx, msg, o, &got);
                if (!e && !got) e = KFB_ERR_STATE;
                if (e) {
                    *stop = 1;
                    return rec_err(m, e, NULL, "no batch for the record (bucket %d%s%s): %s",
                                   (int)o->bucket, o->partition ? ", partition " : "",
                                   o->partition ? o->partition : "", kfb_err_message(e));
                }
                if (kfb_kv_batch_schema_id_(got) != m->table_schema_id) {
                    *stop = 1;
                    return rec_err(m, KFB_ERR_STATE, NULL,
                                   "batch_for gave a batch of schema id %d for a row of table "
                                   "schema id %d (seal the old schema's batches after "
                                   "kfb_mapper_set_table)",
                                   (int)kfb_kv_batch_schema_id_(got), (int)m->table_schema_id);
                }
                if (kfb_kv_batch_tag_(got) != o->target_set) {
                    *stop = 1;
                    return rec_err(m, KFB_ERR_STATE, NULL,
                                   "batch_for gave a batch tagged %u for a record of target-column "
                                   "set %u (tag the batch with kfb_kv_batch_set_tag(batch, "
                                   "rec->target_set) and send it with rec->target_columns)",
                                   (unsigned)kfb_kv_batch_tag_(got), (unsigned)o->target_set);
                }
                e = kfb_mapper_append_to_batch(m, res, k, got, errstr, errstr_size);
                b = got;
                if (!batch_unusable(e)) break;
                int empty = kfb_kv_batch_record_count(got) == 0;
                if (e != KFB_ERR_BATCH_FULL || (got == prev && !empty)) {
                    /* closed, aborted, or full of other records: the sink's mistake, and not
                     * this record's (as a per-record error on_error would drop the message) */
                    *stop = 1;
                    return rec_err(m, e, NULL,
                                   "batch_for gave a batch that cannot take the record (bucket %d, "
                                   "%d records in it): %s",
                                   (int)o->bucket, (int)kfb_kv_batch_record_count(got),
                                   kfb_err_message(e));
                }
                if ((got == prev && empty) || tries == 3)
                    return rec_err(m, KFB_ERR_MAPPER_RECORD_TOO_LARGE, NULL,
                                   "the record (key %zu bytes) does not fit an empty batch of "
                                   "write limit %zu bytes",
                                   o->key_len, kfb_kv_batch_write_limit(got));
                prev = got;
            }
        }
        if (e) return e;
        placed[k] = b;
    }
    return KFB_ERR_OK;
}
