/*
 * modes.h - the bridge's commands: `run`, `migrate` and `check` (argument parsing, signal
 * handling, exit statuses; the work is bridge.h's and check.c's).
 *
 * Each takes argv starting at the command name and returns the process exit status
 * (KFB_EXIT_* in bridge.h).
 */
#ifndef KFB_MODES_H
#define KFB_MODES_H

#include <stdio.h>

int kfb_cmd_run(int argc, char **argv);
int kfb_cmd_migrate(int argc, char **argv);
int kfb_cmd_check(int argc, char **argv, FILE *out);

struct kfb_config;
/* The configuration FILE of a command, logging configured from it; NULL (the reason printed
 * on stderr) when it cannot be read or is invalid. */
struct kfb_config *kfb_cmd_load_config(const char *file);

#endif
