/*
 * main.c - the kafka-fluss-bridge command line.
 *
 * Subcommands are added as their modules land (explain, run, migrate, check).
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "crc32c.h"
#include "explain.h"
#include "modes.h"
#include "version.h"


static void usage(FILE *out) {
    fprintf(out,
            "usage: kafka-fluss-bridge <command> [options]\n"
            "\n"
            "commands:\n"
            "  run -c FILE      replicate the configured Kafka topics into Fluss until stopped\n"
            "  migrate -c FILE  copy the topics up to their current end offsets, then exit\n"
            "  check -c FILE    validate the configuration against Kafka, the schemas and Fluss\n"
            "  explain     show the Fluss writes the bridge would make for Avro messages\n"
            "  config-reference  print the configuration reference (markdown, every key)\n"
            "  check-config FILE  validate a configuration and print it with defaults (secrets hidden)\n"
            "  version     print the version and build facts\n"
            "  help        this text\n"
            "\n"
            "exit status: 0 done; 1 stopped by an error; 2 bad options or configuration;\n"
            "             3 (migrate) Kafka deleted messages before they were copied; 4 migrate --verify found differences\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("kafka-fluss-bridge %s (crc32c: %s)\n", KFB_VERSION, kfb_crc32c_impl_name());
        return 0;
    }
    if (!strcmp(argv[1], "config-reference")) {
        kfb_config_reference(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "check-config")) {
        if (argc != 3) {
            fprintf(stderr, "usage: kafka-fluss-bridge check-config FILE\n");
            return 2;
        }
        char e[1024];
        kfb_config_t *cfg = kfb_config_load_file(argv[2], e, sizeof(e));
        if (!cfg) {
            fprintf(stderr, "kafka-fluss-bridge: %s\n", e);
            return 2;
        }
        kfb_config_dump(cfg, stdout);
        kfb_config_destroy(cfg);
        return 0;
    }
    if (!strcmp(argv[1], "run")) return kfb_cmd_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "migrate")) return kfb_cmd_migrate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check")) return kfb_cmd_check(argc - 1, argv + 1, stdout);
    if (!strcmp(argv[1], "explain")) return kfb_explain_main(argc - 1, argv + 1, stdin, stdout, stderr);
    fprintf(stderr, "kafka-fluss-bridge: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
