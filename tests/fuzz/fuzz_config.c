/* fuzz_config.c - arbitrary bytes as the bridge's YAML configuration: the loader never
 * crashes or leaks, every refusal explains itself with FILE:LINE:COL, and every accepted
 * configuration is complete (mappings with name/topic/table, one schema source). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[512];
    kfb_config_t *c = kfb_config_parse((const char *)data, size, "f.yaml", err, sizeof(err));
    if (!c) {
        if (strncmp(err, "f.yaml:", 7)) abort();
        return 0;
    }
    size_t n = kfb_config_mapping_count(c);
    if (n == 0) abort();
    for (size_t i = 0; i < n; i++) {
        const kfb_config_mapping_t *m = kfb_config_mapping_at(c, i);
        if (!m->name || !m->topic || !m->table || !strchr(m->table, '.')) abort();
        if (kfb_config_find_mapping(c, m->name) != m) abort();
        kfb_mapper_config_t mc;
        kfb_config_mapper_config(m, &mc);
    }
    if (!kfb_config_string(c, "schemas_dir") == !kfb_config_string(c, "schema_registry.url")) abort();
    FILE *f = fopen("/dev/null", "w");
    if (f) {
        kfb_config_dump(c, f);
        fclose(f);
    }
    kfb_config_destroy(c);
    return 0;
}
