/*
 * kv_batch_test.h - helpers shared by the KV batch unit tests (harness.h: a
 * failure ends the test). Header only, so binaries that link tests/support but
 * not the harness are unaffected.
 */
#ifndef KFB_KV_BATCH_TEST_H
#define KFB_KV_BATCH_TEST_H

#include <stdio.h>

#include "harness.h"
#include "kv_batch.h"

/* A builder the test owns (kfb_kv_batch_builder_destroy); fails the test when
 * kfb_kv_batch_builder_new refuses the arguments. */
static inline kfb_kv_batch_builder_t *new_builder(int32_t schema_id, size_t limit) {
    char err[256];
    kfb_kv_batch_builder_t *b = kfb_kv_batch_builder_new(schema_id, limit, err, sizeof(err));
    if (!b) {
        fprintf(stderr, "builder_new: %s\n", err);
        kfb_test_fail();
    }
    return b;
}

#endif
