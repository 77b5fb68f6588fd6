/*
 * fluss_ts_asserts.h - assertions on the Fluss test server's state shared by the
 * unit tests that drive it (harness.h macros: a failure ends the test). Header
 * only, so fuzz targets and programs that link tests/support do not pull in the
 * harness.
 */
#ifndef KFB_FLUSS_TS_ASSERTS_H
#define KFB_FLUSS_TS_ASSERTS_H

#include <stdlib.h>

#include "fluss_test_server.h"
#include "harness.h"

/* The server's statistics now. */
static inline kfb_fts_stats_t stats_of(kfb_fts_t *s) {
    kfb_fts_stats_t st;
    kfb_fts_get_stats(s, &st);
    return st;
}

/* The JSON dump of demo.users contains `want`. */
static inline void assert_users_dump(kfb_fts_t *s, const char *want) {
    char *dump = kfb_fts_dump_table_json(s, "demo", "users");
    ASSERT_TRUE(dump != NULL);
    ASSERT_CONTAINS(dump, want);
    free(dump);
}

#endif
