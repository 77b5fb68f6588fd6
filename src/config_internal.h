/*
 * config_internal.h - the key table shared by config.c (validation, access, dump) and
 * config_table.c (the declarations). Not part of the public API.
 */
#ifndef KFB_CONFIG_INTERNAL_H
#define KFB_CONFIG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef enum kfb_ctype {
    KFB_CT_SECTION = 0, /* a mapping of further keys ("fluss") */
    KFB_CT_STRING,
    KFB_CT_INT,
    KFB_CT_BOOL,
    KFB_CT_DURATION, /* stored in milliseconds */
    KFB_CT_SIZE,     /* stored in bytes */
    KFB_CT_ENUM,     /* stored as the index into `values` */
    KFB_CT_LIST,     /* sequence of strings */
    KFB_CT_MAP,      /* mapping string -> string */
    KFB_CT_PASSTHROUGH, /* `kafka:`: mapping checked by librdkafka */
    KFB_CT_MAPPINGS,    /* `mappings:`: sequence of mappings of "mappings[]." keys */
} kfb_ctype_t;

#define KFB_CF_REQUIRED 1u /* must be present (within its section / mapping entry) */
#define KFB_CF_SECRET 2u   /* value never printed */
#define KFB_CF_PATH 4u     /* relative paths resolve against the config file's directory */

typedef struct kfb_config_key_def {
    const char *path;   /* "fluss.request_timeout"; per-mapping keys "mappings[].topic" */
    kfb_ctype_t type;
    const char *def;    /* default as the user would write it; NULL = none */
    int64_t min, max;   /* INT/DURATION/SIZE range, inclusive */
    const char *values; /* ENUM: "a|b|c" */
    unsigned flags;
    const char *doc;    /* one line */
} kfb_config_key_def_t;

extern const kfb_config_key_def_t kfb_config_keys[];
extern const size_t kfb_config_nkeys;

#endif
