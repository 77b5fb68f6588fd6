/* test_fluss_writer_errors.c - the error vocabulary of the writer's completion
 * contract (fluss_client.h): WRITE_IN_DOUBT, and the two classifications of
 * Fluss PutKv codes in fluss_errors.h. The expected lists are written out here
 * from the Java sources cited in fluss_errors.h, not derived from the code. */
#include "errors.h"
#include "fluss_errors.h"
#include "harness.h"

TEST(write_in_doubt_is_a_retriable_error_with_a_message) {
    ASSERT_STREQ(kfb_err_name(KFB_ERR_WRITE_IN_DOUBT), "WRITE_IN_DOUBT");
    ASSERT_EQ_INT(kfb_err_class(KFB_ERR_WRITE_IN_DOUBT), KFB_ERRCLASS_RETRIABLE);
    ASSERT_STREQ(kfb_err_message(KFB_ERR_WRITE_IN_DOUBT),
                 "the batch may or may not have been written to Fluss (its outcome is unknown)");
}

static int in(int32_t code, const int32_t *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (list[i] == code) return 1;
    return 0;
}

TEST(record_level_codes) {
    /* -1 unreadable record/row, 13 record too large, 35 invalid target
     * columns, 57 deletion disabled */
    static const int32_t yes[] = {-1, 13, 35, 57};
    for (int32_t code = -2; code < 100; code++)
        ASSERT_EQ_INT(kfb_fluss_err_is_record_level(code), in(code, yes, 4));
    ASSERT_EQ_INT(kfb_fluss_err_is_record_level(INT32_MAX), 0);
    ASSERT_EQ_INT(kfb_fluss_err_is_record_level(INT32_MIN), 0);
    /* the retriable / transport / sequence answers are never the records' fault */
    ASSERT_EQ_INT(kfb_fluss_err_is_record_level(KFB_FLUSS_CORRUPT_MESSAGE), 0);
    ASSERT_EQ_INT(kfb_fluss_err_is_record_level(KFB_FLUSS_SCHEMA_NOT_EXIST), 0);
    ASSERT_EQ_INT(kfb_fluss_err_is_record_level(KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION), 0);
}

TEST(putkv_codes_that_prove_the_batch_was_not_applied) {
    static const int32_t yes[] = {-1, 2, 7, 9, 12, 13, 14, 18, 21, 29, 31, 33, 35, 36,
                                  46, 48, 57, 70, 72};
    size_t n = sizeof yes / sizeof yes[0];
    for (int32_t code = -2; code < 100; code++)
        ASSERT_EQ_INT(kfb_fluss_err_putkv_not_applied(code), in(code, yes, n));
    /* answered after the leader applied the batch */
    ASSERT_EQ_INT(kfb_fluss_err_putkv_not_applied(KFB_FLUSS_REQUEST_TIME_OUT), 0);
    ASSERT_EQ_INT(
        kfb_fluss_err_putkv_not_applied(KFB_FLUSS_NOT_ENOUGH_REPLICAS_AFTER_APPEND_EXCEPTION), 0);
    /* storage errors may come after the changelog append */
    ASSERT_EQ_INT(kfb_fluss_err_putkv_not_applied(KFB_FLUSS_KV_STORAGE_EXCEPTION), 0);
    ASSERT_EQ_INT(kfb_fluss_err_putkv_not_applied(KFB_FLUSS_LOG_STORAGE_EXCEPTION), 0);
    ASSERT_EQ_INT(kfb_fluss_err_putkv_not_applied(INT32_MAX), 0); /* unknown code */
}
