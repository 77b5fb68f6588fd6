/* test_errors.c - every error code has a distinct name, a message and a class. */
#include "errors.h"
#include "harness.h"

TEST(error_names_unique_and_messages_present) {
    for (int i = 0; i < KFB_ERR__COUNT; i++) {
        ASSERT_TRUE(strlen(kfb_err_name((kfb_err_t)i)) > 0);
        ASSERT_TRUE(strlen(kfb_err_message((kfb_err_t)i)) > 0);
        for (int j = 0; j < i; j++) ASSERT_TRUE(strcmp(kfb_err_name((kfb_err_t)i), kfb_err_name((kfb_err_t)j)) != 0);
    }
    ASSERT_STREQ(kfb_err_name(KFB_ERR_TRUNCATED), "TRUNCATED");
    ASSERT_EQ_INT(kfb_err_class(KFB_ERR_TRUNCATED), KFB_ERRCLASS_RECORD);
    ASSERT_EQ_INT(kfb_err_class(KFB_ERR_TIMEOUT), KFB_ERRCLASS_RETRIABLE);
    ASSERT_STREQ(kfb_err_name((kfb_err_t)9999), "UNKNOWN");
    ASSERT_EQ_INT(kfb_err_class((kfb_err_t)-5), KFB_ERRCLASS_FATAL);
}
