/*
 * bucketing.c - out-of-line parts of bucketing.h (names, dispatch).
 *
 * The hash and bucket functions themselves are static inline in the header;
 * see it for the format notes and the Java reference files.
 */
#include "bucketing.h"

const char *kfb_bucket_fn_name(kfb_bucket_fn_t fn) {
    switch (fn) {
    case KFB_BUCKET_FN_FLUSS: return "fluss";
    case KFB_BUCKET_FN_PAIMON: return "paimon";
    case KFB_BUCKET_FN_ICEBERG: return "iceberg";
    case KFB_BUCKET_FN_HUDI: return "hudi";
    }
    return "unknown";
}

int32_t kfb_bucket(kfb_bucket_fn_t fn, const void *key, size_t len, int32_t num_buckets) {
    switch (fn) {
    case KFB_BUCKET_FN_FLUSS: return kfb_bucket_fluss(key, len, num_buckets);
    case KFB_BUCKET_FN_PAIMON: return kfb_bucket_paimon(key, len, num_buckets);
    case KFB_BUCKET_FN_ICEBERG: return kfb_bucket_iceberg(key, len, num_buckets);
    case KFB_BUCKET_FN_HUDI: break; /* needs HudiKeyEncoder bytes; see key_plan.h */
    }
    return KFB_BUCKET_INVALID;
}
