/* fuzz_rpc_request.c - arbitrary bytes as the request stream of one connection
 * into the Fluss test server's framer, request decoder and dispatcher.
 *
 * Input: byte 0 selects the target (bit 0: coordinator instead of tablet
 * server 0; bit 1: SASL listener; bit 2: lenient checks); the rest is fed as
 * received bytes (any number of frames). A fresh offline server with one
 * 1-bucket table (id 1, the §9.4 users schema) serves each input, so inputs
 * are independent. Table 2 (demo.p) is partitioned by dt with partition
 * "2024" (id 1). The target must never crash, hang or leak, whatever it sends.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fluss_test_server.h"
#include "fluss_ts_client.h"
#include "logging.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    /* the server warns about every dropped request; keep the run quiet */
    kfb_log_set_level(KFB_LOG_ERROR);
    kfb_fts_config_t cfg = {0};
    if (data[0] & 2) {
        cfg.sasl_username = "admin";
        cfg.sasl_password = "secret";
    }
    cfg.lenient = (data[0] & 4) != 0;
    char err[256];
    kfb_fts_t *s = kfb_fts_new_offline(&cfg, err, sizeof(err));
    if (!s) abort();
    if (kfb_fts_add_table(s, "demo", "users", KFB_TC_USERS_DESC, 1, NULL, NULL, err,
                          sizeof(err)) != KFB_ERR_OK ||
        kfb_fts_add_table(s, "demo", "p", KFB_TC_PARTITIONED_DESC, 1, NULL, NULL, err,
                          sizeof(err)) != KFB_ERR_OK ||
        kfb_fts_add_partition(s, "demo", "p", "2024", NULL, err, sizeof(err)) != KFB_ERR_OK)
        abort();
    int node = (data[0] & 1) ? KFB_FTS_COORDINATOR : 0;
    long r = kfb_fts_feed_bytes(s, node, data + 1, size - 1);
    if (r < -1) abort();
    for (int i = 0; i < 2; i++) {
        char *dump = kfb_fts_dump_table_json(s, "demo", i ? "p" : "users");
        if (!dump) abort();
        free(dump);
    }
    kfb_fluss_test_server_stop(s);
    return 0;
}
