/* test_confluent.c - Confluent framing: header layout and per-record errors.
 * Golden framing hand-derived from the Confluent "Wire format" documentation
 * (magic 0x00, int32 big-endian id): id 1 -> 00 00 00 00 01, id 258 ->
 * 00 00 00 01 02; the body 02 after it is the Avro long 1 (Avro spec). */
#include "confluent.h"
#include "harness.h"

static const kfb_origin_t orig = {"orders", 3, 42};

TEST(parses_header_and_body) {
    const uint8_t m[] = {0x00, 0x00, 0x00, 0x01, 0x02, 0x02};
    kfb_confluent_msg_t out;
    char err[512];
    ASSERT_OK(kfb_confluent_parse(m, sizeof(m), &orig, &out, err, sizeof(err)));
    ASSERT_EQ_INT(out.schema_id, 258);
    ASSERT_TRUE(out.body == m + 5);
    ASSERT_EQ_INT(out.body_len, 1);
    const uint8_t big[] = {0x00, 0x7f, 0xff, 0xff, 0xff};
    ASSERT_OK(kfb_confluent_parse(big, sizeof(big), &orig, &out, err, sizeof(err)));
    ASSERT_EQ_INT(out.schema_id, INT32_MAX);
    ASSERT_EQ_INT(out.body_len, 0); /* an all-null schema has an empty body */
}

TEST(writes_header) {
    uint8_t h[KFB_CONFLUENT_HEADER_SIZE];
    kfb_confluent_write_header(h, 1);
    ASSERT_HEX(h, sizeof(h), "00 00 00 00 01");
    kfb_confluent_write_header(h, 0x01020304);
    ASSERT_HEX(h, sizeof(h), "00 01 02 03 04");
}

static void expect_bad(const void *m, size_t n, const char *needle) {
    kfb_confluent_msg_t out;
    char err[512] = "";
    ASSERT_ERR(kfb_confluent_parse(m, n, &orig, &out, err, sizeof(err)),
               KFB_ERR_NOT_CONFLUENT_FRAMED);
    ASSERT_EQ_INT(kfb_err_class(KFB_ERR_NOT_CONFLUENT_FRAMED), KFB_ERRCLASS_RECORD);
    ASSERT_CONTAINS(err, "topic orders partition 3 offset 42: ");
    ASSERT_CONTAINS(err, "expected magic byte 0x00");
    ASSERT_CONTAINS(err, needle);
}

TEST(rejections_say_where_and_what) {
    expect_bad(NULL, 0, "null (a tombstone)");
    expect_bad("", 0, "the message is empty");
    const uint8_t shortm[] = {0x00, 0x00, 0x01};
    expect_bad(shortm, sizeof(shortm), "only 3 bytes long");
    const uint8_t one[] = {0x00};
    expect_bad(one, 1, "only 1 byte long");
    expect_bad("{\"id\": 1}", 9, "first byte is 0x7b ('{')");
    expect_bad("{\"id\": 1}", 9, "looks like JSON");
    expect_bad("  [1,2]", 7, "looks like JSON");
    expect_bad("hello world", 11, "looks like plain text");
    expect_bad("Obj\x01\x04\x14", 6, "Avro object container file");
    const uint8_t other[] = {0x01, 0x00, 0x00, 0x00, 0x01, 0x02};
    expect_bad(other, sizeof(other), "first byte is 0x01");
    const uint8_t bin[] = {0xff, 0x00, 0x9c, 0x00, 0x01};
    expect_bad(bin, sizeof(bin), "first byte is 0xff;");
    const uint8_t neg[] = {0x00, 0xff, 0xff, 0xff, 0xfb, 0x02};
    expect_bad(neg, sizeof(neg), "schema id -5 is negative");
}

TEST(origin_optional_and_errstr_optional) {
    kfb_confluent_msg_t out;
    char err[256];
    ASSERT_ERR(kfb_confluent_parse((const uint8_t *)"x", 1, NULL, &out, err, sizeof(err)),
               KFB_ERR_NOT_CONFLUENT_FRAMED);
    ASSERT_CONTAINS(err, "unknown record: ");
    ASSERT_ERR(kfb_confluent_parse((const uint8_t *)"x", 1, &orig, &out, NULL, 0),
               KFB_ERR_NOT_CONFLUENT_FRAMED);
    kfb_origin_t no_topic = {NULL, -1, -1};
    char b[64];
    ASSERT_STREQ(kfb_origin_format(&no_topic, b, sizeof(b)), "topic ? partition -1 offset -1");
}
