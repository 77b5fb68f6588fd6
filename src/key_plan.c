/*
 * key_plan.c - key encoder and bucketing function selection.
 *
 * Restates fluss-common/src/main/java/org/apache/fluss/row/encode/KeyEncoder.java
 * and bucketing/BucketingFunction.java (apache/fluss 545c553); the rules are
 * spelled out in key_plan.h.
 */
#include "key_plan.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


const char *kfb_lake_format_name(kfb_lake_format_t lake) {
    switch (lake) {
    case KFB_LAKE_NONE: return "none";
    case KFB_LAKE_PAIMON: return "paimon";
    case KFB_LAKE_LANCE: return "lance";
    case KFB_LAKE_ICEBERG: return "iceberg";
    case KFB_LAKE_HUDI: return "hudi";
    }
    return "unknown";
}

const char *kfb_key_encoding_name(kfb_key_encoding_t enc) {
    switch (enc) {
    case KFB_KEY_ENC_COMPACTED: return "COMPACTED";
    case KFB_KEY_ENC_PAIMON: return "PAIMON";
    case KFB_KEY_ENC_ICEBERG: return "ICEBERG";
    case KFB_KEY_ENC_HUDI: return "HUDI";
    }
    return "unknown";
}

/* Compares a property value with an enum name (ASCII lower case) the way
 * ConfigurationUtils.convertToEnum does: both sides upper-cased with
 * String.toUpperCase(Locale.ROOT). Besides ASCII, the only character that
 * upper-cases into a letter of paimon/lance/iceberg/hudi is U+0131 (dotless i,
 * UTF-8 c4 b1) -> 'I'; U+017F -> S, U+00DF -> SS and the ligatures U+FB00..06
 * produce no match, and every other non-ASCII character stays non-ASCII. */
static int java_upper_equals(const char *value, const char *name) {
    const unsigned char *v = (const unsigned char *)value;
    for (const char *n = name;; n++) {
        unsigned char cv = *v++;
        if (cv == 0xc4 && *v == 0xb1) {
            cv = 'i';
            v++;
        } else if (cv >= 'A' && cv <= 'Z') {
            cv = (unsigned char)(cv - 'A' + 'a');
        }
        if (cv != (unsigned char)*n) return 0;
        if (cv == 0) return 1;
    }
}

kfb_err_t kfb_lake_format_parse(const char *value, kfb_lake_format_t *out, char *errstr,
                                size_t errstr_size) {
    static const kfb_lake_format_t all[] = {KFB_LAKE_PAIMON, KFB_LAKE_LANCE, KFB_LAKE_ICEBERG,
                                            KFB_LAKE_HUDI};
    if (!out) return KFB_ERR_INVALID_ARG;
    *out = KFB_LAKE_NONE;
    if (!value) return KFB_ERR_OK;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (java_upper_equals(value, kfb_lake_format_name(all[i]))) {
            *out = all[i];
            return KFB_ERR_OK;
        }
    }
    kfb_errstr_set(errstr, errstr_size,
            "table property 'table.datalake.format' is '%.64s', which is not a data lake "
            "format this bridge knows (expected paimon, lance, iceberg or hudi); check the "
            "table with the Fluss admin API",
            value);
    return KFB_ERR_UNSUPPORTED_FORMAT;
}

kfb_err_t kfb_kv_format_version_parse(const char *value, int *out, char *errstr,
                                      size_t errstr_size) {
    if (!out) return KFB_ERR_INVALID_ARG;
    *out = 1;
    if (!value) return KFB_ERR_OK;
    /* Integer.parseInt: one optional sign, then at least one ASCII digit. */
    const char *p = value;
    int neg = 0;
    if (*p == '+' || *p == '-') neg = (*p++ == '-');
    long long v = 0;
    const char *digits = p;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > (long long)INT_MAX + 1) break;
    }
    if (p == digits || *p != '\0' || (!neg && v > INT_MAX) || (neg && v > (long long)INT_MAX + 1)) {
        kfb_errstr_set(errstr, errstr_size,
                "table property 'table.kv.format-version' is '%.32s', which is not an "
                "integer; the Fluss coordinator sets it to 1 or 2, so the table metadata "
                "looks damaged",
                value);
        return KFB_ERR_CONFIG;
    }
    *out = (int)(neg ? -v : v);
    return KFB_ERR_OK;
}

static kfb_key_encoding_t lake_encoder(kfb_lake_format_t lake) {
    switch (lake) {
    case KFB_LAKE_PAIMON: return KFB_KEY_ENC_PAIMON;
    case KFB_LAKE_ICEBERG: return KFB_KEY_ENC_ICEBERG;
    case KFB_LAKE_HUDI: return KFB_KEY_ENC_HUDI;
    case KFB_LAKE_NONE:
    case KFB_LAKE_LANCE: break;
    }
    return KFB_KEY_ENC_COMPACTED;
}

static kfb_bucket_fn_t lake_bucket_fn(kfb_lake_format_t lake) {
    switch (lake) {
    case KFB_LAKE_PAIMON: return KFB_BUCKET_FN_PAIMON;
    case KFB_LAKE_ICEBERG: return KFB_BUCKET_FN_ICEBERG;
    case KFB_LAKE_HUDI: return KFB_BUCKET_FN_HUDI;
    case KFB_LAKE_NONE:
    case KFB_LAKE_LANCE: break;
    }
    return KFB_BUCKET_FN_FLUSS;
}

static bool encoding_supported(kfb_key_encoding_t enc) {
    return enc == KFB_KEY_ENC_COMPACTED || enc == KFB_KEY_ENC_PAIMON || enc == KFB_KEY_ENC_ICEBERG;
}

kfb_err_t kfb_key_plan_select(kfb_lake_format_t lake, int kv_format_version,
                              bool default_bucket_key, kfb_key_plan_t *out, char *errstr,
                              size_t errstr_size) {
    if (!out) return KFB_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->lake = lake;
    out->kv_format_version = kv_format_version;

    if ((unsigned)lake > (unsigned)KFB_LAKE_HUDI) {
        kfb_errstr_set(errstr, errstr_size, "unknown data lake format value %d (internal error)",
                (int)lake);
        return KFB_ERR_UNSUPPORTED_FORMAT;
    }

    kfb_key_encoding_t lake_enc = lake_encoder(lake);
    out->bucket_fn = lake_bucket_fn(lake);

    /* ofPrimaryKeyEncoder: Hudi's encoder is a lossy hash, so PK bytes stay
     * compacted whatever the version. */
    bool version_ok = kv_format_version == 1 || kv_format_version == 2;
    if (lake == KFB_LAKE_HUDI)
        out->pk_encoding = KFB_KEY_ENC_COMPACTED;
    else if (kv_format_version == 2 && !default_bucket_key)
        out->pk_encoding = KFB_KEY_ENC_COMPACTED; /* keeps prefix lookup possible */
    else
        out->pk_encoding = lake_enc;

    /* ofBucketKeyEncoder(..., isDefaultBucketKey, primaryKeyEncoder). */
    out->bucket_key_is_pk_bytes = default_bucket_key && lake != KFB_LAKE_HUDI;
    out->bucket_encoding = out->bucket_key_is_pk_bytes ? out->pk_encoding : lake_enc;

    if (lake != KFB_LAKE_HUDI && !version_ok) {
        kfb_errstr_set(errstr, errstr_size,
                "table has 'table.kv.format-version' = %d; this bridge (like Fluss's Java "
                "client) only knows versions 1 and 2, so it cannot tell how the "
                "table's keys are encoded; upgrade the bridge",
                kv_format_version);
        return KFB_ERR_UNSUPPORTED_FORMAT;
    }
    if (!encoding_supported(out->pk_encoding) || !encoding_supported(out->bucket_encoding)) {
        kfb_key_encoding_t need = encoding_supported(out->pk_encoding) ? out->bucket_encoding
                                                                       : out->pk_encoding;
        kfb_errstr_set(errstr, errstr_size,
                "table has 'table.datalake.format' = '%s' (kv format version %d, %s bucket "
                "key), which needs %s-encoded %s bytes and %s bucketing; this bridge only "
                "writes COMPACTED, PAIMON and ICEBERG keys. Write this table with the Fluss Java "
                "client, or use a table/cluster without datalake.format = %s (the "
                "coordinator copies the cluster's datalake.format into every new table)",
                kfb_lake_format_name(lake), kv_format_version,
                default_bucket_key ? "default" : "custom", kfb_key_encoding_name(need),
                need == out->pk_encoding ? "primary-key" : "bucket-key",
                kfb_bucket_fn_name(out->bucket_fn), kfb_lake_format_name(lake));
        return KFB_ERR_UNSUPPORTED_FORMAT;
    }
    return KFB_ERR_OK;
}

kfb_err_t kfb_key_plan_from_props(const char *datalake_format, const char *kv_format_version,
                                  bool default_bucket_key, kfb_key_plan_t *out, char *errstr,
                                  size_t errstr_size) {
    if (!out) return KFB_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    kfb_lake_format_t lake;
    int version;
    kfb_err_t err = kfb_lake_format_parse(datalake_format, &lake, errstr, errstr_size);
    if (err) return err;
    err = kfb_kv_format_version_parse(kv_format_version, &version, errstr, errstr_size);
    if (err) return err;
    return kfb_key_plan_select(lake, version, default_bucket_key, out, errstr, errstr_size);
}

kfb_err_t kfb_key_plan_check_columns(const kfb_key_plan_t *plan, size_t pk_columns,
                                     size_t bucket_key_columns, char *errstr, size_t errstr_size) {
    if (!plan || pk_columns == 0 || bucket_key_columns == 0) {
        kfb_errstr_set(errstr, errstr_size,
                "a primary-key table needs at least one primary-key and one bucket-key column");
        return KFB_ERR_INVALID_ARG;
    }
    /* IcebergKeyEncoder's constructor: "Key fields must have exactly one field" */
    const char *which = NULL;
    size_t n = 0;
    if (plan->pk_encoding == KFB_KEY_ENC_ICEBERG && pk_columns != 1)
        which = "primary key", n = pk_columns;
    else if (plan->bucket_encoding == KFB_KEY_ENC_ICEBERG && bucket_key_columns != 1)
        which = "bucket key", n = bucket_key_columns;
    if (which) {
        kfb_errstr_set(errstr, errstr_size,
                "table has 'table.datalake.format' = 'iceberg' and a %zu-column %s; Fluss's "
                "Iceberg key encoding takes exactly one column, so neither this bridge nor the "
                "Java client can write it; use a single-column %s",
                n, which, which);
        return KFB_ERR_UNSUPPORTED_FORMAT;
    }
    return KFB_ERR_OK;
}
