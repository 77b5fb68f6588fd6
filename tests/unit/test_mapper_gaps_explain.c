/* test_mapper_gaps_explain.c - error texts of the mapper and `explain`: a Kafka key that is
 * not Schema Registry framed names the message's origin once; a schema directory given
 * with trailing slashes still names files as DIR/<id>.avsc.
 *
 * Messages are the golden ones of tests/golden/mapper (python3-avro) or hand-written
 * Confluent headers (magic 00, big-endian schema id).
 */
#include "explain.h"
#include "harness.h"
#include "explain_run.h"
#include "mapper.h"

#define GOLDEN "tests/golden/mapper/"

static const char *NOT_FRAMED_01 =
    "not a Schema Registry framed message: the first byte is 0x01; expected magic byte 0x00, "
    "a 4-byte big-endian schema id, then the Avro body; check that the producer uses the "
    "Schema Registry Avro serializer and that the topic is the right one";

typedef struct fx {
    kfb_table_desc_t *td;
    kfb_schema_source_t *src;
    kfb_mapper_t *m;
    char err[1024];
    kfb_mapper_result_t res;
} fx_t;

static void setup(fx_t *f, int key_from_message_key) {
    memset(f, 0, sizeof(*f));
    f->td = kfb_table_desc_load_file(GOLDEN "table_items.json", f->err, sizeof(f->err));
    ASSERT_TRUE(f->td != NULL);
    f->src = kfb_schema_source_dir_new(GOLDEN "schemas", f->err, sizeof(f->err));
    ASSERT_TRUE(f->src != NULL);
    kfb_mapper_config_t cfg;
    kfb_mapper_config_init(&cfg);
    cfg.topic = "items";
    cfg.key_from_message_key = key_from_message_key;
    f->m = kfb_mapper_new(f->td, f->src, &cfg, f->err, sizeof(f->err));
    ASSERT_TRUE(f->m != NULL);
}

static void teardown(fx_t *f) {
    kfb_mapper_destroy(f->m);
    kfb_schema_source_destroy(f->src);
    kfb_table_desc_destroy(f->td);
}

static kfb_err_t map_hex(fx_t *f, const char *key_hex, const char *value_hex,
                         const kfb_origin_t *o) {
    size_t kl = 0, vl = 0;
    uint8_t *k = key_hex ? kfb_test_unhex(key_hex, &kl) : NULL;
    uint8_t *v = value_hex ? kfb_test_unhex(value_hex, &vl) : NULL;
    f->err[0] = '\0';
    kfb_err_t e = kfb_mapper_map(f->m, k, kl, v, vl, o, &f->res, f->err, sizeof(f->err));
    free(k);
    free(v);
    return e;
}

TEST(unframed_kafka_key_names_the_origin_once) {
    fx_t f;
    setup(&f, 0);
    kfb_origin_t o = {"items", 3, 1234};
    char want[1024];
    /* a tombstone whose key has magic byte 01 */
    ASSERT_ERR(map_hex(&f, "01 00000005 02", NULL, &o), KFB_ERR_NOT_CONFLUENT_FRAMED);
    snprintf(want, sizeof(want), "topic items partition 3 offset 1234: field key: %s",
             NOT_FRAMED_01);
    ASSERT_STREQ(f.err, want);
    /* without an origin the mapper's topic stands in, once */
    ASSERT_ERR(map_hex(&f, "01 00000005 02", NULL, NULL), KFB_ERR_NOT_CONFLUENT_FRAMED);
    snprintf(want, sizeof(want), "topic items partition -1 offset -1: field key: %s",
             NOT_FRAMED_01);
    ASSERT_STREQ(f.err, want);
    /* a key too short for the header */
    ASSERT_ERR(map_hex(&f, "00 0000", NULL, &o), KFB_ERR_NOT_CONFLUENT_FRAMED);
    ASSERT_STREQ(f.err,
                 "topic items partition 3 offset 1234: field key: not a Schema Registry framed "
                 "message: the message is only 3 bytes long; expected magic byte 0x00, a 4-byte "
                 "big-endian schema id, then the Avro body");
    teardown(&f);
    /* the same with the key read for every upsert (key_from_message_key) */
    setup(&f, 1);
    ASSERT_ERR(map_hex(&f, "01 00000005 02", "00 00000003 02 02 61", &o),
               KFB_ERR_NOT_CONFLUENT_FRAMED);
    snprintf(want, sizeof(want), "topic items partition 3 offset 1234: field key: %s",
             NOT_FRAMED_01);
    ASSERT_STREQ(f.err, want);
    teardown(&f);
}

TEST(schema_dir_with_trailing_slashes_names_dir_slash_id) {
    const char *dirs[] = {GOLDEN "schemas/", GOLDEN "schemas//", GOLDEN "schemas"};
    for (size_t i = 0; i < 3; i++) {
        char err[512];
        kfb_schema_source_t *src = kfb_schema_source_dir_new(dirs[i], err, sizeof(err));
        ASSERT_TRUE(src != NULL);
        const kfb_avro_schema_t *schema;
        ASSERT_ERR(kfb_schema_source_get(src, 99, &schema, err, sizeof(err)),
                   KFB_ERR_UNKNOWN_SCHEMA_ID);
        ASSERT_STREQ(err, "unknown schema id 99: cannot open " GOLDEN
                          "schemas/99.avsc: No such file or directory");
        /* and files are still found */
        ASSERT_OK(kfb_schema_source_get(src, 3, &schema, err, sizeof(err)));
        kfb_schema_source_destroy(src);
    }
    /* the root directory keeps its slash */
    char err[512];
    kfb_schema_source_t *src = kfb_schema_source_dir_new("/", err, sizeof(err));
    ASSERT_TRUE(src != NULL);
    const kfb_avro_schema_t *schema;
    ASSERT_ERR(kfb_schema_source_get(src, 987654, &schema, err, sizeof(err)),
               KFB_ERR_UNKNOWN_SCHEMA_ID);
    ASSERT_STREQ(err, "unknown schema id 987654: cannot open /987654.avsc: No such file or "
                      "directory");
    kfb_schema_source_destroy(src);
}


TEST(explain_prints_both_fixed_errors) {
    int rc;
    char *argv1[] = {"explain", "--table", GOLDEN "table_items.json", "--schemas-dir",
                     GOLDEN "schemas/", "--key", "0100000005", "null", NULL};
    char *out = kfb_test_run_explain(8, argv1, &rc);
    ASSERT_EQ_INT(rc, 1);
    char want[1024];
    snprintf(want, sizeof(want),
             "{\"error\":\"topic explain partition 0 offset 0: field key: %s\","
             "\"class\":\"record\"}\n",
             NOT_FRAMED_01);
    ASSERT_STREQ(out, want);
    free(out);
    char *argv2[] = {"explain", "--table", GOLDEN "table_items.json", "--schemas-dir",
                     GOLDEN "schemas/", "00000000630202", NULL};
    out = kfb_test_run_explain(6, argv2, &rc);
    ASSERT_EQ_INT(rc, 1);
    ASSERT_STREQ(out, "{\"error\":\"topic explain partition 0 offset 0: value schema id 99: "
                      "unknown schema id 99: cannot open " GOLDEN "schemas/99.avsc: No such "
                      "file or directory\",\"class\":\"record\"}\n");
    free(out);
}
