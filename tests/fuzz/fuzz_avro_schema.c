/* fuzz_avro_schema.c - arbitrary JSON text through the Avro schema parser: it
 * never crashes or leaks, fills errstr on rejection, and every tree it accepts
 * keeps the documented invariants (height bound, null_branch, min_size,
 * field lookup by name finds the field itself). */
#include <stdlib.h>
#include <string.h>

#include "avro_schema.h"
#include "logging.h"

static void check(const kfb_avro_node_t *n, unsigned budget) {
    if (n->height > KFB_AVRO_MAX_DEPTH) abort();
    if (budget == 0) return; /* shared named nodes: bound the walk, not the tree */
    switch (n->type) {
    case KFB_AVRO_RECORD:
        for (size_t i = 0; i < n->n_fields; i++) {
            if (n->fields[i].index != i || !n->fields[i].type) abort();
            if (kfb_avro_record_field(n, n->fields[i].name) != &n->fields[i]) abort();
            if (n->fields[i].type->height >= n->height) abort();
            check(n->fields[i].type, budget - 1);
        }
        break;
    case KFB_AVRO_UNION:
        if (n->n_branches == 0 || n->min_size < 1) abort();
        for (size_t i = 0; i < n->n_branches; i++) {
            if ((n->branches[i]->type == KFB_AVRO_NULL) != (n->null_branch == (int32_t)i)) abort();
            if (n->branches[i]->type == KFB_AVRO_UNION) abort();
            check(n->branches[i], budget - 1);
        }
        break;
    case KFB_AVRO_ARRAY:
    case KFB_AVRO_MAP:
        if (!n->items || n->min_size != 1) abort();
        check(n->items, budget - 1);
        break;
    case KFB_AVRO_FIXED:
        if (n->min_size != n->fixed_size) abort();
        break;
    default:
        break;
    }
    if (n->logical == KFB_AVRO_LOGICAL_DECIMAL &&
        (n->precision < 1 || n->scale < 0 || n->scale > n->precision))
        abort();
    if (n->logical != KFB_AVRO_LOGICAL_NONE && !n->logical_name) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int quiet;
    if (!quiet) { /* avro-c disagreements are logged as warnings: keep the output clean */
        kfb_log_set_level(KFB_LOG_ERROR);
        quiet = 1;
    }
    kfb_avro_schema_t *s = NULL;
    char err[256];
    err[0] = '\0';
    kfb_err_t e = kfb_avro_schema_parse((const char *)data, size, &s, err, sizeof(err));
    if (e) {
        if (s || !err[0]) abort();
        return 0;
    }
    const kfb_avro_node_t *root = kfb_avro_schema_root(s);
    check(root, 8);
    if (!kfb_avro_schema_json(s)) abort();
    if (root->name && kfb_avro_schema_find_named(s, root->name) != root) abort();
    kfb_avro_schema_destroy(s);
    return 0;
}
