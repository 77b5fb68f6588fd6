/*
 * key_plan.h - which encoders produce a Fluss primary-key table's key bytes,
 * and which function turns the bucket-key bytes into a bucket.
 *
 * Pure decision logic over three table facts, restating
 * fluss-common/src/main/java/org/apache/fluss/row/encode/KeyEncoder.java
 * (ofPrimaryKeyEncoder, ofBucketKeyEncoder, of) and
 * bucketing/BucketingFunction.java (of) at apache/fluss 545c553:
 *
 *   lake = table.datalake.format (absent = none; case-insensitive enum)
 *   v    = table.kv.format-version (absent = 1)
 *   dflt = bucket-key columns equal the physical primary key (TableInfo
 *          isDefaultBucketKey)
 *
 *   encoder(lake): none/lance -> COMPACTED, paimon -> PAIMON,
 *                  iceberg -> ICEBERG, hudi -> HUDI
 *   PK bytes:      lake = hudi -> COMPACTED; v = 1 -> encoder(lake);
 *                  v = 2 -> dflt ? encoder(lake) : COMPACTED; else unsupported
 *   bucket bytes:  dflt and lake != hudi -> the PK bytes themselves;
 *                  otherwise encoder(lake) over the bucket-key columns
 *   bucketing:     none/lance -> FLUSS, paimon -> PAIMON, iceberg -> ICEBERG,
 *                  hudi -> HUDI
 *
 * The bridge implements COMPACTED (key_encoder), PAIMON (paimon_key.h) and
 * ICEBERG (iceberg_key.h; one key column only, see kfb_key_plan_check_columns).
 * Tables that need HUDI key bytes are refused, because writing them with any
 * other encoder puts rows in buckets (and under keys) that Java clients never
 * look at. Note `table.datalake.format` is injected by the
 * coordinator from the cluster's `datalake.format` even when lake tiering is
 * disabled, so it must be checked on every table.
 *
 * No allocation, no state; the plan is a plain value the caller owns.
 */
#ifndef KFB_KEY_PLAN_H
#define KFB_KEY_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "bucketing.h"
#include "errors.h"

typedef enum kfb_lake_format {
    KFB_LAKE_NONE = 0, /* property absent */
    KFB_LAKE_PAIMON,
    KFB_LAKE_LANCE,
    KFB_LAKE_ICEBERG,
    KFB_LAKE_HUDI,
} kfb_lake_format_t;

typedef enum kfb_key_encoding {
    KFB_KEY_ENC_COMPACTED = 0, /* CompactedKeyEncoder (key_encoder module) */
    KFB_KEY_ENC_PAIMON,        /* PaimonKeyEncoder (paimon_key.h) */
    KFB_KEY_ENC_ICEBERG,       /* IcebergKeyEncoder (iceberg_key.h), single column */
    KFB_KEY_ENC_HUDI,          /* HudiKeyEncoder (lossy 4-byte hash): not implemented */
} kfb_key_encoding_t;

typedef struct kfb_key_plan {
    kfb_lake_format_t lake;
    int kv_format_version;              /* 1 when the property is absent */
    kfb_key_encoding_t pk_encoding;     /* bytes of the physical PK (KvRecord key) */
    kfb_key_encoding_t bucket_encoding; /* bytes hashed for the bucket */
    bool bucket_key_is_pk_bytes;        /* hash the PK bytes; no second encoding */
    kfb_bucket_fn_t bucket_fn;
} kfb_key_plan_t;

/* Static strings: "none"/"paimon"/..., "COMPACTED"/"PAIMON"/...; "unknown"
 * for values outside the enums. */
const char *kfb_lake_format_name(kfb_lake_format_t lake);
const char *kfb_key_encoding_name(kfb_key_encoding_t enc);

/* Parses a `table.datalake.format` value like Java's convertToEnum: exact
 * name after String.toUpperCase(Locale.ROOT) of both sides (ASCII letters in
 * any case, and U+0131 dotless i reads as 'I', as in Java), no trimming. NULL means absent (-> NONE).
 * Returns KFB_ERR_UNSUPPORTED_FORMAT for anything else, with errstr filled. */
kfb_err_t kfb_lake_format_parse(const char *value, kfb_lake_format_t *out, char *errstr,
                                size_t errstr_size);

/* Parses `table.kv.format-version` like Integer.parseInt (optional sign,
 * decimal digits, int32 range); NULL means absent (-> 1). Returns
 * KFB_ERR_CONFIG for a value Java could not parse. Any int is accepted
 * here; kfb_key_plan_select rejects versions other than 1 and 2. */
kfb_err_t kfb_kv_format_version_parse(const char *value, int *out, char *errstr,
                                      size_t errstr_size);

/* Applies the rules above. Always fills *out (also on error, so an explain
 * command can show what the table would need), then returns:
 *   KFB_ERR_OK                  the bridge can write this table;
 *   KFB_ERR_UNSUPPORTED_FORMAT  kv format version not 1/2, unknown lake
 *                               enum value, or HUDI key bytes needed;
 *                               errstr says what the table has and what to do. */
kfb_err_t kfb_key_plan_select(kfb_lake_format_t lake, int kv_format_version,
                              bool default_bucket_key, kfb_key_plan_t *out, char *errstr,
                              size_t errstr_size);

/* Convenience: parse both raw property values (either may be NULL = absent)
 * and select. Errors as the parse functions and kfb_key_plan_select; *out is
 * zeroed (COMPACTED/FLUSS) when a property fails to parse. */
kfb_err_t kfb_key_plan_from_props(const char *datalake_format, const char *kv_format_version,
                                  bool default_bucket_key, kfb_key_plan_t *out, char *errstr,
                                  size_t errstr_size);

/* Column-count rule of the chosen encoders: IcebergKeyEncoder takes exactly
 * one column, so a plan whose pk_encoding (bucket_encoding) is ICEBERG needs
 * exactly one physical primary-key (bucket-key) column; Java fails writer
 * creation otherwise. Returns KFB_ERR_UNSUPPORTED_FORMAT with errstr filled,
 * KFB_ERR_INVALID_ARG for a count of 0. Column types are checked by the
 * caller (kfb_iceberg_key_type_supported, and paimon_key.h's type list). */
kfb_err_t kfb_key_plan_check_columns(const kfb_key_plan_t *plan, size_t pk_columns,
                                     size_t bucket_key_columns, char *errstr, size_t errstr_size);

/* Bucket of encoded bucket-key bytes under plan->bucket_fn; see bucketing.h. */
static inline int32_t kfb_key_plan_bucket(const kfb_key_plan_t *plan, const void *key, size_t len,
                                          int32_t num_buckets) {
    switch (plan->bucket_fn) {
    case KFB_BUCKET_FN_FLUSS: return kfb_bucket_fluss(key, len, num_buckets);
    case KFB_BUCKET_FN_PAIMON: return kfb_bucket_paimon(key, len, num_buckets);
    case KFB_BUCKET_FN_ICEBERG: return kfb_bucket_iceberg(key, len, num_buckets);
    default: return KFB_BUCKET_INVALID;
    }
}

#endif
