/* explain_run.c - see explain_run.h. */
#include "explain_run.h"

#include <stdio.h>
#include <stdlib.h>

#include "explain.h"
#include "harness.h"

char *kfb_test_run_explain(int argc, char **argv, int *rc) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    FILE *err = fopen("/dev/null", "w");
    FILE *in = fopen("/dev/null", "r");
    ASSERT_TRUE(out && err && in);
    *rc = kfb_explain_main(argc, argv, in, out, err);
    fclose(out);
    fclose(err);
    fclose(in);
    ASSERT_TRUE(text != NULL);
    return text;
}
