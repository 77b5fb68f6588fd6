/*
 * config.h - the bridge's YAML configuration: strict parsing, one key table, typed access.
 *
 * File format (reference: conf/bridge.example.yaml, conf/README.md, or
 * `kafka-fluss-bridge config-reference`, all generated from / checked against the table in
 * src/config_table.c):
 *
 *   kafka:            librdkafka properties, passed through as strings; each is checked
 *                     with rd_kafka_conf_set() at load, so an unknown or invalid property is
 *                     an error naming its line. enable.auto.commit / enable.auto.offset.store
 *                     must stay false: the bridge commits only what Fluss acknowledged.
 *   schema_registry:  { url, basic_auth_user, basic_auth_password, ca_file, ... }
 *   schemas_dir:      DIR (offline <id>.avsc files) - exactly one of the two
 *   fluss:            { bootstrap_servers, sasl_username, sasl_password, timeouts, ... }
 *   batch, offsets, errors, metrics, log: pipeline settings
 *   mappings:         a list of { name, topic | topics | topic_pattern, table,
 *                     table_descriptor, format, key, key_format, rename, ignore, unions,
 *                     partial_update, create_partitions, create_table, primary_key,
 *                     bucket_count, bucket_key, partition_keys, table_properties, evolve };
 *                     a topic named by two mappings
 *                     (or matched by another mapping's pattern) is an error
 *
 * Parsing uses libyaml's event API and never trusts the input: nesting depth and document
 * size are bounded, anchors/aliases/tags and multiple documents are refused, keys must be
 * plain scalars and unique. Every error is one sentence "FILE:LINE:COL: ..." (1-based) that
 * quotes the key and says what to change; unknown keys get a "did you mean" suggestion.
 * Scalars may use ${ENV_VAR} (or ${ENV_VAR:-default}; "$$" is a literal '$'); an unset
 * variable without a default is an error. Secret keys (passwords) are never printed, in
 * errors, logs or kfb_config_dump(). Relative paths (schemas_dir, *_file,
 * table_descriptor) are resolved against the directory of the config file.
 *
 * Types: string, int, bool (true/false only), duration ("250ms", "5s", "2m", "1h"; a unit
 * is required), size ("512KiB", "10MiB", "1GiB", "100kB", "10MB", or plain bytes), enum,
 * list of strings, map of string -> string.
 *
 * Ownership: a kfb_config_t owns every string it returns; they live until
 * kfb_config_destroy(). The config is immutable after load and safe to read from threads.
 */
#ifndef KFB_CONFIG_H
#define KFB_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "errors.h"
#include "fluss_client.h"
#include "mapper.h"
#include "schema_registry.h"

typedef struct kfb_config kfb_config_t;

typedef enum kfb_error_policy {
    KFB_ERROR_POLICY_FAIL = 0,    /* stop at the first per-record error (nothing committed past it) */
    KFB_ERROR_POLICY_SKIP,        /* log and skip the record */
    KFB_ERROR_POLICY_DEAD_LETTER, /* produce the original message to errors.dead_letter_topic */
} kfb_error_policy_t;

/* mappings[].evolve */
typedef enum kfb_config_evolve {
    KFB_CONFIG_EVOLVE_NONE = 0,    /* fields without a column are skipped (warned once) */
    KFB_CONFIG_EVOLVE_ADD_COLUMNS, /* they become nullable columns (table_evolve.h) */
} kfb_config_evolve_t;

/* One entry of `mappings:`. Strings and arrays are owned by the config. */
typedef struct kfb_config_mapping {
    const char *name;             /* unique among mappings */
    const char *topic;            /* the first literal topic; NULL with topic_pattern */
    const char *const *topics;    /* every literal topic (topic or topics), n_topics >= 1 ... */
    size_t n_topics;              /* ... or 0 with topic_pattern */
    const char *topic_pattern;    /* POSIX ERE over whole topic names, or NULL */
    const char *table;            /* Fluss table path "database.table" */
    const char *table_descriptor; /* resolved path or NULL */
    kfb_mapper_format_t format;
    kfb_mapper_key_format_t key_format;
    int key_from_message_key; /* `key: message_key` */
    int partial_update;
    int create_partitions;
    const kfb_mapper_rename_t *renames;
    size_t n_renames;
    const char *const *ignore;
    size_t n_ignore;
    const kfb_mapper_union_rule_t *union_rules;
    size_t n_union_rules;
    /* create_table and what it creates (table_create.h) */
    int create_table;
    const char *const *primary_key;
    size_t n_primary_key;
    int32_t bucket_count; /* 0: unset */
    const char *const *bucket_key;
    size_t n_bucket_key;
    const char *const *partition_keys;
    size_t n_partition_keys;
    const char *const *table_properties; /* n_table_properties (key, value) pairs */
    size_t n_table_properties;
    kfb_config_evolve_t evolve;
    int line; /* 1-based line of the entry in the file */
} kfb_config_mapping_t;

/* Reads and validates a file. NULL + errstr ("FILE:LINE:COL: ...") on any problem. */
kfb_config_t *kfb_config_load_file(const char *path, char *errstr, size_t errstr_size);

/* Same for text in memory; `name` is used in messages and relative paths are resolved
 * against its directory (NULL: "<config>", paths relative to the working directory). */
kfb_config_t *kfb_config_parse(const char *text, size_t len, const char *name, char *errstr,
                               size_t errstr_size);

void kfb_config_destroy(kfb_config_t *cfg);

/*
 * Typed access by dotted key path as in the table ("fluss.request_timeout",
 * "errors.policy"); the default applies when the file does not set the key.
 *   kfb_config_string: string/enum value (enum: its name), NULL if unset without default
 *   kfb_config_int:    int; bool 0/1; duration in milliseconds; size in bytes; enum index
 * An unknown path or a wrong-typed call is a programming error: NULL / 0.
 */
const char *kfb_config_string(const kfb_config_t *cfg, const char *path);
int64_t kfb_config_int(const kfb_config_t *cfg, const char *path);
/* 1 when the file set the key (after env expansion), 0 when it has its default. */
int kfb_config_is_set(const kfb_config_t *cfg, const char *path);

/* The `kafka:` properties in file order (name, value). Values may be secrets. */
size_t kfb_config_kafka_count(const kfb_config_t *cfg);
void kfb_config_kafka_property(const kfb_config_t *cfg, size_t i, const char **name,
                               const char **value);

size_t kfb_config_mapping_count(const kfb_config_t *cfg);
const kfb_config_mapping_t *kfb_config_mapping_at(const kfb_config_t *cfg, size_t i);
/* NULL when no mapping has that name. */
const kfb_config_mapping_t *kfb_config_find_mapping(const kfb_config_t *cfg, const char *name);

/* 1 when the mapping reads `topic` (a literal topic, or a whole-name match of its
 * topic_pattern). */
int kfb_config_mapping_matches(const kfb_config_mapping_t *m, const char *topic);

/* Fills *out (kfb_mapper_config_init first) from a mapping; pointers borrow from cfg. */
void kfb_config_mapper_config(const kfb_config_mapping_t *m, kfb_mapper_config_t *out);

/* Fills *out (defaults first) from schema_registry.*; pointers borrow from cfg. */
void kfb_config_registry_config(const kfb_config_t *cfg, kfb_registry_config_t *out);

/* Fills *out (defaults first, callbacks untouched) from fluss.*; pointers borrow from cfg. */
void kfb_config_fluss_conf(const kfb_config_t *cfg, kfb_fluss_client_conf_t *out);

/* The schema source the config names: the registry client or the directory backend.
 * Caller owns the result. NULL + errstr if it cannot be created. */
kfb_schema_source_t *kfb_config_schema_source_new(const kfb_config_t *cfg, char *errstr,
                                                  size_t errstr_size);

/* Checks what `run`/`migrate` need beyond a valid file (kafka bootstrap.servers and
 * group.id, fluss.bootstrap_servers). KFB_ERR_CONFIG_MISSING + errstr naming the missing key. */
kfb_err_t kfb_config_check_for_run(const kfb_config_t *cfg, char *errstr, size_t errstr_size);

/* Writes the effective configuration as YAML (defaults included), secrets as "***". */
void kfb_config_dump(const kfb_config_t *cfg, FILE *out);

/* Writes the markdown reference of every key (from the one table) to out. */
void kfb_config_reference(FILE *out);

/* Key table introspection (tests, docs): number of keys, and the i-th key's path
 * ("mappings[].topic" for per-mapping keys, "kafka.*" for the pass-through map). */
size_t kfb_config_key_count(void);
const char *kfb_config_key_path(size_t i);

/* Edit distance (Levenshtein, case-sensitive) used for "did you mean"; exposed for tests. */
size_t kfb_config_edit_distance(const char *a, const char *b);

#endif
