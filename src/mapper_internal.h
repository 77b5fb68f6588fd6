/*
 * mapper_internal.h - what mapper_compile.c (plans, setup) and mapper_exec.c (per-message
 * decoding and writing) share: the plan, step, slot and mapper structures. Not a public
 * header; see mapper.h for the API and the mapping rules.
 */
#ifndef KFB_MAPPER_INTERNAL_H
#define KFB_MAPPER_INTERNAL_H

#include "mapper.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_binary.h"
#include "compacted_row.h"
#include "decimal.h"
#include "key_plan.h"
#include "logging.h"
#include "iceberg_key.h"
#include "paimon_key.h"

/* ---------------------------------------------------------------------------------- */
/* Plans                                                                               */
/* ---------------------------------------------------------------------------------- */

typedef enum conv {
    CV_NULL = 0, /* Avro "null": always null */
    CV_BOOL,
    CV_INT_I8,
    CV_INT_I16,
    CV_INT_I32,
    CV_INT_I64,
    CV_LONG_I32,
    CV_LONG_I64,
    CV_FLOAT_F32,
    CV_FLOAT_F64,
    CV_DOUBLE_F64,
    CV_STRING, /* string, uuid */
    CV_ENUM,
    CV_BYTES,
    CV_FIXED,
    CV_DEC_BYTES,
    CV_DEC_FIXED,
    CV_DATE,
    CV_TIME_MILLIS,
    CV_TIME_MICROS,
    CV_TS_MILLIS, /* also local-timestamp-*: the column decides LTZ vs NTZ */
    CV_TS_MICROS,
    CV_TS_NANOS,
    CV_ROW,   /* Avro record -> ROW: a nested plan */
    CV_ARRAY, /* Avro array -> ARRAY of scalars: validated, re-read when written */
    CV_MAP,   /* Avro map -> MAP<STRING, scalar> */
    CV_UUID_FIXED, /* uuid on fixed(16) -> STRING/CHAR: the 36-character text */
} conv_t;

typedef enum step_kind {
    ST_SKIP = 0,
    ST_COLUMN,
    ST_RECORD, /* Debezium before/after: a nullable record decoded into a slot set */
    ST_OP,     /* Debezium op */
} step_kind_t;

typedef struct steplist steplist_t;
typedef struct nested nested_t;

typedef struct step {
    step_kind_t kind;
    conv_t conv;
    int32_t column;                /* ST_COLUMN */
    int32_t null_branch;           /* -1: not a union, or a union without null */
    int32_t value_branch;          /* the union branch that is decoded */
    size_t n_branches;             /* union branch count, 0: not a union */
    const kfb_avro_node_t *type;   /* the field's declared type (skip) */
    const kfb_avro_node_t *inner;  /* the non-null branch */
    int32_t src_scale;             /* decimal */
    const kfb_datatype_t *ttype;   /* ST_COLUMN: the target column/field type */
    int slotset;                   /* ST_RECORD */
    steplist_t *sub;               /* ST_RECORD */
    nested_t *nested;              /* CV_ROW */
    struct step *elem;             /* CV_ARRAY items, CV_MAP values (owned) */
    int depth;
    char *path;                    /* "Envelope.after.Value.id", for errors */
    uint8_t *text; /* CV_UUID_FIXED: the step's rendered value (KFB_UUID_TEXT_LEN bytes, owned);
                      a step fills one slot per message, or one array/map element at a time */
} step_t;

#define KFB_UUID_TEXT_LEN 36 /* 8-4-4-4-12 hex digits */

struct steplist {
    step_t *v;
    size_t n;
};

/* Nesting limit for ROW values (each level has its own scratch buffer). */
#define MAX_ROW_DEPTH 8

typedef struct slot slot_t;

/* A ROW column fed by an Avro record: its own steps and slots, one per ROW field. Owned
 * by the step; allocated when the plan is compiled. */
struct nested {
    steplist_t steps;
    const kfb_datatype_t *type; /* the ROW type */
    slot_t *slots;
    uint8_t *present;
    int depth; /* 0 for a ROW column, 1 for a ROW inside it, ... */
};

typedef enum plan_role { ROLE_VALUE = 0, ROLE_KEY } plan_role_t;

/* Fused ops: one per top-level Avro field of a plan that decodes Avro straight into the
 * value row (no slots). Only for plans where that gives exactly the general path's bytes;
 * anything unusual at run time (nulls in NOT NULL or key columns, NaN keys, range or UTF-8
 * failures, truncation, ...) abandons the fused attempt and the general path re-runs the
 * message, so errors and their text stay the general path's. */
typedef enum fop_kind {
    F_SKIP = 0,  /* kfb_avro_skip */
    F_GENERIC,   /* run_column into a slot, then the column's op (any scalar conversion) */
    F_BOOL,      /* boolean -> BOOLEAN */
    F_INT_V32,   /* int -> INTEGER, date -> DATE */
    F_INT_V64,   /* int -> BIGINT */
    F_LONG_V64,  /* long -> BIGINT, timestamp-millis -> TIMESTAMP*(p <= 3) */
    F_F32,       /* float -> FLOAT */
    F_F64,       /* double -> DOUBLE */
    F_STR,       /* string -> STRING/CHAR (UTF-8 checked) */
    F_BYTES,     /* bytes -> BYTES/BINARY */
    F_UNION,     /* union index of the next op's field; null skips that op */
    F_MARK,      /* records the row offset in mark slot `column` (key column bounds) */
    F_KEY_LONG,  /* F_LONG_V64 of a key column, taking its own bounds (no F_MARK ops) */
    F_END,       /* sentinel after the last op (not counted in n_fops) */
} fop_kind_t;

#define FUSED_MAX_KEY 8 /* physical PK columns the fused path assembles */

typedef struct fop {
    /* the op's handler in fused_one (a label address, linked there before the plan's
     * first fused message: labels exist only inside their function); NULL until then */
    const void *h;
    uint8_t kind;      /* fop_kind_t */
    uint8_t col_op;    /* enum col_op of the column (F_GENERIC) */
    uint8_t null_ok;   /* the column takes a null bit (nullable, not a key column) */
    int8_t key_pos;    /* index in the physical primary key, -1 if not a key column */
    int32_t null_branch, value_branch; /* F_UNION */
    uint32_t null_byte;  /* F_UNION: the column's null bit is base[null_byte] & null_bit */
    uint8_t null_bit;
    uint32_t n_branches;
    int32_t column;
    const struct step *step;
} fop_t;

/* Machine code for fused ops (mapper_jit.c): x86-64 Linux; KFB_NO_JIT leaves it out. */
#if defined(__x86_64__) && defined(__linux__) && !defined(KFB_NO_JIT)
#define KFB_MAPPER_JIT 1
#else
#define KFB_MAPPER_JIT 0
#endif

/* What the generated code shares with its caller (fused_one) and kfb_mapper_jit_slow_. */
typedef struct kfb_jit_ctx {
    const uint8_t *cp; /* slow calls: the cursor and row position, in and out */
    uint8_t *p;
    kfb_mapper_t *m;
    const struct plan *pl;
    const uint8_t *cend;
    uint8_t *base;
    int32_t bucket; /* plans with jit_bucket: the key's bucket, -1: fused_one computes it */
    uint32_t mark[2 * FUSED_MAX_KEY]; /* key column k spans row [mark[2k], mark[2k + 1]) */
} kfb_jit_ctx_t;

/* Runs a plan's fused ops on the body cp..cend (at least 8 bytes) into the row at p
 * (base: the row start); returns the row end, or NULL when the interpreter is to run the
 * message. */
typedef uint8_t *(*kfb_jit_fn_t)(const uint8_t *cp, const uint8_t *cend, uint8_t *p,
                                 uint8_t *base, kfb_jit_ctx_t *ctx);

typedef struct plan {
    int32_t schema_id;
    plan_role_t role;
    int32_t table_schema_id;       /* plans are per (writer schema id, table schema id, role) */
    const kfb_table_desc_t *td;    /* the descriptor it was compiled against */
    kfb_err_t err;     /* compile error, cached so a bad schema fails fast */
    char *errmsg;
    steplist_t steps;  /* top level: record fields, or one step for a primitive root */
    int root_is_record;
    /* partial updates; NULL = all. The mapper's interned list (kfb_mapper_t.tsets), not
     * owned by the plan */
    const int32_t *target_columns;
    size_t n_target;
    uint32_t target_set; /* its id (kfb_mapped_t.target_set), 0 without target_columns */
    char *desc;
    size_t enum_bound; /* bytes all enum symbols and uuid texts of one message can add to a row */
    /* fused path (NULL: not eligible); see fop_t */
    fop_t *fops; /* n_fops ops and an F_END sentinel */
    size_t n_fops;
    uint8_t *fused_bitmap; /* initial null bitmap: columns without a field are null */
    size_t n_key;          /* physical PK columns */
    uint64_t bucket_fastmod; /* UINT64_MAX / bucket_count + 1: h % n as a multiplication */
    size_t fused_nb;         /* null bitmap bytes of the table */
    size_t fused_reserve;    /* row bytes to reserve besides the body length */
    size_t fused_n_target;   /* res n_target_columns: n_target, 0 without target_columns */
    kfb_jit_fn_t jit;        /* the fused ops as machine code (NULL: the interpreter only) */
    size_t jit_size;         /* bytes mapped for it */
    int jit_bucket;          /* the code computes ctx->bucket (a single key column) */
} plan_t;

/* mapper_jit.c: translates p->fops into p->jit (left NULL where there is no JIT or no
 * executable memory); hash_buckets > 0: the table's bucket count when buckets are Fluss
 * murmur hashes of the key bytes, so the code computes the bucket of a single-column key.
 * -1 only on out of memory. kfb_mapper_jit_free unmaps it. */
int kfb_mapper_jit_compile(plan_t *p, int32_t hash_buckets);
void kfb_mapper_jit_free(plan_t *p);
/* mapper_exec.c: runs field k of ctx->pl's fused ops (a union's index: the union and its
 * value, and the value's key marks) from ctx->cp into the row at ctx->p with the general
 * decoder, as the interpreter's F_GENERIC does; 1 with ctx->cp and ctx->p moved on, 0 when
 * it fails. */
int kfb_mapper_jit_slow_(kfb_jit_ctx_t *ctx, uint32_t k);

/* A decoded value in the column's representation. */
struct slot {
    union {
        int64_t i64;
        float f32;
        double f64;
        struct {
            const uint8_t *p;
            size_t n;
        } b;
        struct {
            int64_t ms;
            int32_t nano;
        } ts;
        kfb_decimal_t dec;
        const nested_t *nested;
        struct {
            const uint8_t *start, *end; /* the Avro array/map value, already validated */
            const struct step *step;
            uint32_t count;
        } coll;
    } v;
};

#define SLOTSETS 2 /* 0: value / after, 1: Debezium before */

/* Debezium: one Kafka partition's last delete, kept until the tombstone that follows it
 * (mapper_exec.c, tomb_find). A matched tombstone only empties its slot, so the key buffer
 * is reused and the table stops allocating once every assigned partition has been seen;
 * kfb_mapper_forget_partition removes the slot and frees it. */
typedef struct tomb_slot {
    char *topic; /* owned copy ("" for an origin without a topic); NULL: the slot is free */
    uint32_t hash; /* of (topic, partition) */
    int32_t partition;
    int have; /* key holds the partition's last delete, not yet matched by a tombstone */
    kfb_buf_t key;
} tomb_slot_t;

/* Partitions whose last delete is remembered at once; a delete in one more is not
 * remembered (its tombstone is then a second, harmless delete) and logged once. The
 * pipeline forgets partitions it no longer owns, so this only bounds a caller that never
 * does. */
#define KFB_MAPPER_TOMB_MAX 65536

/* One interned target-column list (kfb_mapped_t.target_set is its index + 1). */
typedef struct target_set {
    int32_t *cols;
    size_t n;
} target_set_t;

struct kfb_mapper {
    const kfb_table_desc_t *td;
    kfb_schema_source_t *schemas;
    kfb_mapper_format_t format;
    kfb_mapper_key_format_t key_format;
    int partial_update;
    int key_from_message_key;
    int warn_no_column; /* kfb_mapper_config_t.warn_fields_without_column */
    char *topic;
    char **rename_from, **rename_to;
    size_t n_renames;
    char **ignore;
    size_t n_ignore;
    char **union_field, **union_branch;
    size_t n_union_rules;
    kfb_key_plan_t keys;

    plan_t **plans;
    size_t n_plans, cap_plans;
    plan_t *last_plan; /* value plan of the previous message */
    /* last_plan when the fused path may run it (it has fused ops and the testing hook
     * has not disabled the path), else NULL: the one test kfb_mapper_map makes first */
    const plan_t *fused_plan;

    /* per-message state */
    slot_t *slots[SLOTSETS];
    uint8_t *present[SLOTSETS]; /* 1 = slot holds a value; 0 = null / no source */
    int record_present[SLOTSETS];
    char op;
    const plan_t *value_plan;
    kfb_buf_t keybuf[KFB_MAPPER_MAX_OUT], bkbuf[KFB_MAPPER_MAX_OUT];
    char partbuf[KFB_MAPPER_MAX_OUT][1024];
    int out_slotset[KFB_MAPPER_MAX_OUT];
    kfb_buf_t last_delete; /* Debezium: the last delete of messages without an origin (tombs) */
    int have_last_delete;
    kfb_buf_t desc_scratch;
    /* fast row writer: one op per column, and an upper bound of a row's size without its
     * string/bytes payload (which the message length bounds) */
    uint8_t *col_op;
    size_t row_fixed_max;
    size_t payload_bound; /* of the current message: key + value + enum symbols */
    size_t enum_bound;
    int fast_rows;
    kfb_buf_t nest_buf[MAX_ROW_DEPTH];
    kfb_buf_t map_buf[MAX_ROW_DEPTH];
    /* fused path: the value row of the last message, built while decoding */
    kfb_buf_t fused_row;
    /* map_batch: the upsert row of a Debezium key change, written once before its delete
     * is appended so that a row error leaves no half of the message in a batch */
    kfb_buf_t check_row;
    int fused_ok; /* res->out[0] of the last kfb_mapper_map came from the fused path */
    int fused_disabled; /* testing hook */
    int jit_disabled;   /* testing hook, or KFB_MAPPER_JIT=0 in the environment */
    uint64_t jit_count; /* messages the generated code mapped (tests) */
    uint64_t fused_count; /* messages the fused path mapped (tests) */
    const kfb_origin_t *origin;
    /* the arguments of the current kfb_mapper_map / kfb_mapper_append_to_batch call that
     * only their slow paths need: kept here rather than in callee-saved registers, so the
     * fast paths save and restore none */
    char *append_errstr;
    size_t append_errstr_size;
    char *errstr;
    size_t errstr_size;
    /* Debezium last deletes per Kafka partition (origin->partition), open addressing with
     * linear probing, tombs_cap a power of two or 0; messages without an origin use
     * last_delete / have_last_delete instead */
    tomb_slot_t *tombs;
    size_t tombs_cap, tombs_used;
    int tombs_full_warned;
    /* distinct target-column lists of the plans compiled so far (never shrinks: results
     * and the caller's batches point into them) */
    target_set_t *tsets;
    size_t n_tsets, cap_tsets;
    /* the last kfb_mapper_get_plan_ error was a cached compile error (a plan error) */
    int plan_error;
    /* Fluss schema id of td (kfb_mapper_set_table); plans are looked up under it */
    int32_t table_schema_id;
};

enum col_op {
    OP_NESTED = 0, /* ROW, ARRAY, MAP: the general writer */
    OP_BOOL,
    OP_I8,
    OP_I16,
    OP_V32, /* INTEGER, DATE, TIME */
    OP_V64, /* BIGINT */
    OP_DEC64, /* compact DECIMAL: the unscaled value */
    OP_F32,
    OP_F64,
    OP_BYTES, /* STRING, CHAR, BYTES, BINARY */
    OP_DEC_BYTES,
    OP_TS3,  /* TIMESTAMP* p <= 3 */
    OP_TS9,  /* TIMESTAMP* p > 3 */
};

/* Fills errstr (snprintf semantics; NULL/0 is ignored). */
__attribute__((format(printf, 3, 4))) void kfb_mapper_set_err_(char *errstr, size_t size,
                                                              const char *fmt, ...);

/* The plan for (schema id, role) under the current table schema id: cached, or fetched from
 * the schema source and compiled.
 * Compile errors are cached in the plan and returned again (KFB_ERR_MAPPER_PLAN). */
kfb_err_t kfb_mapper_get_plan_(kfb_mapper_t *m, int32_t schema_id, plan_role_t role,
                               const plan_t **out, char *errstr, size_t errstr_size);

#endif
