/* fluss_errors.c - lookups over the Fluss error table (see fluss_errors.h). */
#include "fluss_errors.h"

#include <stddef.h>

typedef struct {
    int32_t code;
    const char *name;
    kfb_fluss_errclass_t cls;
} fluss_err_entry_t;

#define FLUSS_ERR_ENTRY_(name, code, cls) {(code), #name, KFB_FLUSS_CLASS_##cls},
static const fluss_err_entry_t fluss_errs[] = {KFB_FLUSS_ERRORS(FLUSS_ERR_ENTRY_)};
#undef FLUSS_ERR_ENTRY_

/* The table is dense from -1 upward, so a code indexes it directly; the
 * check keeps that true if someone inserts a gap. */
static const fluss_err_entry_t *fluss_err_find(int32_t code) {
    size_t n = sizeof(fluss_errs) / sizeof(fluss_errs[0]);
    /* 64-bit: code + 1 overflowed (UB, a crash) for a server-sent INT32_MAX */
    int64_t idx = (int64_t)code + 1;
    if (idx >= 0 && idx < (int64_t)n && fluss_errs[idx].code == code) return &fluss_errs[idx];
    for (size_t i = 0; i < n; i++)
        if (fluss_errs[i].code == code) return &fluss_errs[i];
    return &fluss_errs[0];
}

const char *kfb_fluss_err_name(int32_t code) { return fluss_err_find(code)->name; }

kfb_fluss_errclass_t kfb_fluss_err_class(int32_t code) { return fluss_err_find(code)->cls; }

int kfb_fluss_err_retriable(int32_t code) {
    kfb_fluss_errclass_t c = kfb_fluss_err_class(code);
    return c == KFB_FLUSS_CLASS_RETRY || c == KFB_FLUSS_CLASS_REFRESH;
}

const char *kfb_fluss_errclass_name(kfb_fluss_errclass_t cls) {
    switch (cls) {
    case KFB_FLUSS_CLASS_NONE: return "none";
    case KFB_FLUSS_CLASS_RETRY: return "retriable";
    case KFB_FLUSS_CLASS_REFRESH: return "retriable+refresh";
    case KFB_FLUSS_CLASS_FATAL: return "fatal";
    case KFB_FLUSS_CLASS_SPECIAL: return "special";
    }
    return "fatal";
}

int kfb_fluss_err_is_record_level(int32_t fluss_code) {
    switch (fluss_code) {
    case KFB_FLUSS_UNKNOWN_SERVER_ERROR:
    case KFB_FLUSS_RECORD_TOO_LARGE_EXCEPTION:
    case KFB_FLUSS_INVALID_TARGET_COLUMN:
    case KFB_FLUSS_DELETION_DISABLED_EXCEPTION:
        return 1;
    default:
        return 0;
    }
}

int kfb_fluss_err_putkv_not_applied(int32_t code) {
    switch (code) {
    case KFB_FLUSS_UNKNOWN_SERVER_ERROR:
    case KFB_FLUSS_UNSUPPORTED_VERSION:
    case KFB_FLUSS_TABLE_NOT_EXIST:
    case KFB_FLUSS_SCHEMA_NOT_EXIST:
    case KFB_FLUSS_NOT_LEADER_OR_FOLLOWER:
    case KFB_FLUSS_RECORD_TOO_LARGE_EXCEPTION:
    case KFB_FLUSS_CORRUPT_RECORD_EXCEPTION:
    case KFB_FLUSS_INVALID_REQUIRED_ACKS:
    case KFB_FLUSS_UNKNOWN_TABLE_OR_BUCKET_EXCEPTION:
    case KFB_FLUSS_NOT_ENOUGH_REPLICAS_EXCEPTION:
    case KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION:
    case KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION:
    case KFB_FLUSS_INVALID_TARGET_COLUMN:
    case KFB_FLUSS_PARTITION_NOT_EXISTS:
    case KFB_FLUSS_AUTHENTICATE_EXCEPTION:
    case KFB_FLUSS_AUTHORIZATION_EXCEPTION:
    case KFB_FLUSS_DELETION_DISABLED_EXCEPTION:
    case KFB_FLUSS_DISK_WRITE_LOCKED:
    case KFB_FLUSS_STORAGE_BACKPRESSURE_EXCEPTION:
        return 1;
    default:
        return 0;
    }
}
