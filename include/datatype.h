/*
 * datatype.h - Fluss data type descriptors (the column types of a table schema).
 *
 * Mirrors fluss-common/src/main/java/org/apache/fluss/types/ (DataTypeRoot.java,
 * DecimalType.java, CharType.java, BinaryType.java, TimeType.java, TimestampType.java,
 * LocalZonedTimestampType.java, ArrayType.java, MapType.java, RowType.java) and the JSON
 * type names of fluss-common/.../utils/json/DataTypeJsonSerde.java (fluss-protocol.md §5.3).
 * JSON parsing of whole schemas lives in the mapper; this module only names types.
 *
 * Ownership:
 *   - A scalar descriptor (every root except ARRAY, MAP, ROW) is a plain value: copy it,
 *     keep it on the stack or embed it in arrays; it owns nothing.
 *   - ARRAY/MAP/ROW descriptors own their children (heap). Build them with
 *     kfb_datatype_new_array/_map/_row, which take ownership of the children passed in;
 *     release a heap descriptor with kfb_datatype_destroy() (deep), or the children of an
 *     embedded/stack descriptor with kfb_datatype_clear(). kfb_datatype_clone() deep-copies.
 */
#ifndef KFB_DATATYPE_H
#define KFB_DATATYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/* Same order as Java's DataTypeRoot. The enum value is ours, not a wire value. */
typedef enum kfb_type_root {
    KFB_TYPE_CHAR = 0,
    KFB_TYPE_STRING,
    KFB_TYPE_BOOLEAN,
    KFB_TYPE_BINARY,
    KFB_TYPE_BYTES,
    KFB_TYPE_DECIMAL,
    KFB_TYPE_TINYINT,
    KFB_TYPE_SMALLINT,
    KFB_TYPE_INTEGER,
    KFB_TYPE_BIGINT,
    KFB_TYPE_FLOAT,
    KFB_TYPE_DOUBLE,
    KFB_TYPE_DATE,
    KFB_TYPE_TIME_WITHOUT_TIME_ZONE,
    KFB_TYPE_TIMESTAMP_WITHOUT_TIME_ZONE,
    KFB_TYPE_TIMESTAMP_WITH_LOCAL_TIME_ZONE,
    KFB_TYPE_ARRAY,
    KFB_TYPE_MAP,
    KFB_TYPE_ROW,
    KFB_TYPE__COUNT
} kfb_type_root_t;

/* Limits from the Java type classes. */
#define KFB_DECIMAL_MIN_PRECISION 1
#define KFB_DECIMAL_MAX_PRECISION 38
#define KFB_DECIMAL_MAX_COMPACT_PRECISION 18 /* Decimal.MAX_COMPACT_PRECISION */
#define KFB_TIMESTAMP_MAX_PRECISION 9        /* TimestampType / TimeType MAX_PRECISION */
#define KFB_TIMESTAMP_MAX_COMPACT_PRECISION 3 /* TimestampNtz/Ltz.isCompact */

typedef struct kfb_datatype kfb_datatype_t;

/* One field of a ROW type (Java DataField). */
typedef struct kfb_datafield {
    char *name;          /* owned, NUL-terminated */
    char *description;   /* owned, may be NULL */
    int32_t field_id;    /* -1 when unknown */
    kfb_datatype_t *type; /* owned, never NULL in a valid descriptor */
} kfb_datafield_t;

struct kfb_datatype {
    kfb_type_root_t root;
    bool nullable;
    int32_t precision; /* DECIMAL 1..38; TIME and TIMESTAMP* 0..9; otherwise 0 */
    int32_t scale;     /* DECIMAL 0..precision; otherwise 0 */
    int32_t length;    /* CHAR, BINARY >= 1; otherwise 0 */
    kfb_datatype_t *element;            /* ARRAY: owned */
    kfb_datatype_t *key, *value;        /* MAP: owned */
    kfb_datafield_t *fields;            /* ROW: owned array of field_count */
    size_t field_count;
};

/* A scalar descriptor with Java's defaults for the parameters: DECIMAL(10, 0), CHAR(1),
 * BINARY(1), TIME(0), TIMESTAMP(6), TIMESTAMP_LTZ(6). For ARRAY/MAP/ROW the children are
 * NULL (use the _new_ constructors instead). */
kfb_datatype_t kfb_datatype_make(kfb_type_root_t root, bool nullable);
kfb_datatype_t kfb_datatype_decimal(int32_t precision, int32_t scale, bool nullable);
/* TIME, TIMESTAMP and TIMESTAMP_LTZ with an explicit precision. */
kfb_datatype_t kfb_datatype_timed(kfb_type_root_t root, int32_t precision, bool nullable);
/* CHAR(n) or BINARY(n). */
kfb_datatype_t kfb_datatype_sized(kfb_type_root_t root, int32_t length, bool nullable);

/* Heap constructors for nested types; they take ownership of every child passed in, also
 * on failure (NULL = out of memory). For ROW, `fields` (an array of n) is taken over as a
 * whole: it must come from malloc, and each field's name/description/type too. */
kfb_datatype_t *kfb_datatype_new_array(kfb_datatype_t *element, bool nullable);
kfb_datatype_t *kfb_datatype_new_map(kfb_datatype_t *key, kfb_datatype_t *value, bool nullable);
kfb_datatype_t *kfb_datatype_new_row(kfb_datafield_t *fields, size_t n, bool nullable);

/* Deep copy on the heap (NULL = out of memory). */
kfb_datatype_t *kfb_datatype_clone(const kfb_datatype_t *t);
/* Deep copy into *dst (children on the heap); release with kfb_datatype_clear(dst). */
kfb_err_t kfb_datatype_copy(kfb_datatype_t *dst, const kfb_datatype_t *src);
/* Frees the children of t (not t itself) and leaves t a valid scalar. NULL is a no-op. */
void kfb_datatype_clear(kfb_datatype_t *t);
/* Frees a heap descriptor and all its children. NULL is a no-op. */
void kfb_datatype_destroy(kfb_datatype_t *t);

/* Checks parameters the way the Java constructors do (precision/scale/length ranges,
 * children present, unique ROW field names). Fills errstr with a sentence naming the
 * offending type. Returns KFB_ERR_OK or KFB_ERR_INVALID_ARG. */
kfb_err_t kfb_datatype_validate(const kfb_datatype_t *t, char *errstr, size_t errstr_size);

/* Structural equality including nullability and parameters (ROW: names and types). */
bool kfb_datatype_equals(const kfb_datatype_t *a, const kfb_datatype_t *b);

/* The JSON `type` names of §5.3 ("INTEGER", "TIMESTAMP_WITH_LOCAL_TIME_ZONE", ...).
 * Returns a static string, or NULL for a value outside the enum. */
const char *kfb_type_root_json_name(kfb_type_root_t root);
/* Exact, case-sensitive match as in Java's DataTypeRoot.valueOf. Returns KFB_ERR_OK or
 * KFB_ERR_NOT_FOUND. `len` bytes of `name` are compared (no NUL needed). */
kfb_err_t kfb_type_root_from_json_name(const char *name, size_t len, kfb_type_root_t *out);

/* Java's asSerializableString(): "INT", "DECIMAL(20, 2) NOT NULL", "TIMESTAMP(6)",
 * "TIMESTAMP(3) WITH LOCAL TIME ZONE", "CHAR(5)", "ARRAY<INT>", "MAP<STRING, INT>",
 * "ROW<`a` INT, `b` STRING>". snprintf semantics: always NUL-terminates when out_size > 0,
 * returns the length the full name needs. */
size_t kfb_datatype_format(const kfb_datatype_t *t, char *out, size_t out_size);

/* Encoding predicates of the compacted formats (§6.2, §14.7). */
static inline bool kfb_datatype_decimal_is_compact(const kfb_datatype_t *t) {
    return t->precision <= KFB_DECIMAL_MAX_COMPACT_PRECISION;
}
static inline bool kfb_datatype_timestamp_is_compact(const kfb_datatype_t *t) {
    return t->precision <= KFB_TIMESTAMP_MAX_COMPACT_PRECISION;
}
/* True for ARRAY, MAP, ROW (not allowed in primary or bucket keys). */
static inline bool kfb_type_root_is_nested(kfb_type_root_t r) {
    return r == KFB_TYPE_ARRAY || r == KFB_TYPE_MAP || r == KFB_TYPE_ROW;
}

#endif
