/* explain_run.h - runs `kafka-fluss-bridge explain` in-process for tests. */
#ifndef KFB_TEST_EXPLAIN_RUN_H
#define KFB_TEST_EXPLAIN_RUN_H

/* Runs kfb_explain_main(argc, argv) with stdin and stderr on /dev/null; returns what it
 * printed on stdout (NUL-terminated, caller frees) and its exit status in *rc. */
char *kfb_test_run_explain(int argc, char **argv, int *rc);

#endif
