/* errors.c - name, message and class of every kfb_err_t, generated from KFB_ERRORS. */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    const char *name;
    const char *message;
    kfb_err_class_t cls;
} err_table[] = {
#define KFB_ERR_ROW_(name, cls, msg) {#name, msg, KFB_ERRCLASS_##cls},
    KFB_ERRORS(KFB_ERR_ROW_)
#undef KFB_ERR_ROW_
};

const char *kfb_err_name(kfb_err_t err) {
    if ((unsigned)err >= KFB_ERR__COUNT) return "UNKNOWN";
    return err_table[err].name;
}

const char *kfb_err_message(kfb_err_t err) {
    if ((unsigned)err >= KFB_ERR__COUNT) return "unknown error";
    return err_table[err].message;
}

kfb_err_class_t kfb_err_class(kfb_err_t err) {
    if ((unsigned)err >= KFB_ERR__COUNT) return KFB_ERRCLASS_FATAL;
    return err_table[err].cls;
}

const char *kfb_err_class_name(kfb_err_class_t cls) {
    switch (cls) {
    case KFB_ERRCLASS_NONE: return "none";
    case KFB_ERRCLASS_RETRIABLE: return "retriable";
    case KFB_ERRCLASS_RECORD: return "record";
    case KFB_ERRCLASS_FATAL: return "fatal";
    }
    return "fatal";
}

void kfb_errstr_set(char *errstr, size_t size, const char *fmt, ...) {
    if (!errstr || !size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}
