/* fuzz_table_desc.c - arbitrary bytes as Fluss TableDescriptor JSON: the parser never
 * crashes or leaks, and every descriptor it accepts is internally consistent. */
#include <stdint.h>
#include <stdlib.h>

#include "table_desc.h"

static void check(const kfb_table_desc_t *td) {
    if (td->column_count == 0) abort();
    for (size_t i = 0; i < td->column_count; i++)
        if (td->columns[i].type != &td->column_types[i] || td->column_names[i] != td->columns[i].name)
            abort();
    for (size_t i = 0; i < td->primary_key_count; i++)
        if ((size_t)td->primary_key[i] >= td->column_count || td->columns[td->primary_key[i]].type->nullable)
            abort();
    if (td->primary_key_count && (td->physical_primary_key_count == 0 || td->bucket_key_count == 0))
        abort();
    for (size_t i = 0; i < td->bucket_key_count; i++)
        if ((size_t)td->bucket_keys[i] >= td->column_count) abort();
    if (td->bucket_count == 0 || td->bucket_count < -1) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256];
    kfb_table_desc_t *td = kfb_table_desc_parse((const char *)data, size, err, sizeof(err));
    if (td) check(td);
    else if (!err[0]) abort(); /* every failure explains itself */
    kfb_table_desc_destroy(td);
    return 0;
}
