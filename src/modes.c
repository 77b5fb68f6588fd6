/*
 * modes.c - `run` and `migrate`: options, the configuration, signals, exit statuses.
 *
 * Signals (kcat's clean drain): the first SIGINT or SIGTERM asks the bridge to stop: it
 * stops consuming, writes and waits up to shutdown_timeout for what it read, commits and
 * leaves the group. A second one exits at once; offsets stay at the last safe commit.
 */
#include "modes.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"
#include "config.h"
#include "logging.h"
#include "version.h"

kfb_config_t *kfb_cmd_load_config(const char *file) {
    char e[2048];
    kfb_config_t *cfg = kfb_config_load_file(file, e, sizeof e);
    if (!cfg) {
        fprintf(stderr, "kafka-fluss-bridge: %s\n", e);
        return NULL;
    }
    kfb_log_configure(kfb_config_string(cfg, "log.level"), kfb_config_string(cfg, "log.format"));
    return cfg;
}

static kfb_bridge_t *volatile running;
static volatile sig_atomic_t signals_seen;

static void on_signal(int sig) {
    if (signals_seen++) {
        static const char msg[] = "kafka-fluss-bridge: second signal: exiting at once (offsets stay at the last commit)\n";
        ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)n;
        _exit(128 + sig);
    }
    /* during start-up there is no bridge yet: bridge_cmd stops it as soon as there is */
    if (running) kfb_bridge_stop(running);
}

static void usage(FILE *f, const char *cmd) {
    if (!strcmp(cmd, "run"))
        fprintf(f, "usage: kafka-fluss-bridge run -c FILE\n"
                   "Replicates the configured Kafka topics into Fluss until SIGINT/SIGTERM.\n");
    else
        fprintf(f, "usage: kafka-fluss-bridge migrate -c FILE [--verify N] [--progress auto|bar|log|none]\n"
                   "Copies the configured topics up to their end offsets at start, commits, prints a summary.\n"
                   "  --verify N   read N sampled keys back from Fluss and compare them with what was written\n"
                   "  --progress   a bar on a terminal (auto), a log line every 5 s (log), or none\n");
    fprintf(f, "exit status: 0 done; 1 stopped by an error; 2 bad options or configuration;\n"
               "             3 (migrate) Kafka deleted messages before they were copied; 4 --verify found differences\n");
}

static int bridge_cmd(int argc, char **argv, kfb_bridge_mode_t mode) {
    const char *cmd = argv[0], *file = NULL;
    kfb_bridge_opts_t o = {.mode = mode, .version = KFB_VERSION};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && i + 1 < argc) {
            file = argv[++i];
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout, cmd);
            return KFB_EXIT_OK;
        } else if (mode == KFB_BRIDGE_MIGRATE && !strcmp(a, "--verify") && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 0 || n > 1000000) {
                fprintf(stderr, "kafka-fluss-bridge %s: --verify takes a number of keys (0..1000000), not '%s'\n", cmd, argv[i]);
                return KFB_EXIT_USAGE;
            }
            o.verify = (int)n;
        } else if (mode == KFB_BRIDGE_MIGRATE && !strcmp(a, "--progress") && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(v, "auto")) o.progress = KFB_PROGRESS_AUTO;
            else if (!strcmp(v, "bar")) o.progress = KFB_PROGRESS_BAR;
            else if (!strcmp(v, "log")) o.progress = KFB_PROGRESS_LOG;
            else if (!strcmp(v, "none")) o.progress = KFB_PROGRESS_NONE;
            else {
                fprintf(stderr, "kafka-fluss-bridge %s: --progress is auto, bar, log or none, not '%s'\n", cmd, v);
                return KFB_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "kafka-fluss-bridge %s: unknown or incomplete option '%s'\n", cmd, a);
            usage(stderr, cmd);
            return KFB_EXIT_USAGE;
        }
    }
    if (!file) {
        fprintf(stderr, "kafka-fluss-bridge %s: -c FILE is required\n", cmd);
        usage(stderr, cmd);
        return KFB_EXIT_USAGE;
    }
    char e[2048];
    kfb_config_t *cfg = kfb_cmd_load_config(file);
    if (!cfg) return KFB_EXIT_USAGE;
    if (kfb_config_check_for_run(cfg, e, sizeof e)) {
        fprintf(stderr, "kafka-fluss-bridge: %s\n", e);
        kfb_config_destroy(cfg);
        return KFB_EXIT_USAGE;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    kfb_bridge_t *b = kfb_bridge_new(cfg, &o, e, sizeof e);
    if (!b) {
        KFB_ERROR("bridge", "%s", e);
        kfb_config_destroy(cfg);
        return KFB_EXIT_ERROR;
    }
    running = b;
    if (signals_seen) kfb_bridge_stop(b); /* a signal during start-up */
    int status = kfb_bridge_run(b);
    running = NULL;
    kfb_bridge_destroy(b);
    kfb_config_destroy(cfg);
    return status;
}

int kfb_cmd_run(int argc, char **argv) { return bridge_cmd(argc, argv, KFB_BRIDGE_RUN); }

int kfb_cmd_migrate(int argc, char **argv) { return bridge_cmd(argc, argv, KFB_BRIDGE_MIGRATE); }
