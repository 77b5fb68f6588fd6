/*
 * confluent.c - Confluent Schema Registry framing of Kafka message values.
 *
 * Format (Confluent "Wire format" documentation; serializer source
 * io.confluent.kafka.serializers.AbstractKafkaSchemaSerDe, MAGIC_BYTE = 0x0,
 * idSize = 4):
 *     offset 0   magic byte 0x00
 *     offset 1   schema id, int32 big-endian (ids are positive)
 *     offset 5   Avro binary body of the writer schema, to the end
 *
 * The error path is not hot, so it spends effort on a message a user can act
 * on: where the record is, what we expected, and what the bytes look like.
 */
#include "confluent.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"

const char *kfb_origin_format(const kfb_origin_t *o, char *buf, size_t size) {
    if (!size) return buf;
    if (!o) snprintf(buf, size, "unknown record");
    else
        snprintf(buf, size, "topic %s partition %" PRId32 " offset %" PRId64,
                 o->topic ? o->topic : "?", o->partition, o->offset);
    return buf;
}

/* A guess at what an unframed message is, kcat-style, to point at the fix. */
static const char *guess(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
    if (i < n && (p[i] == '{' || p[i] == '['))
        return "it looks like JSON: produce it with the Confluent Avro serializer "
               "(KafkaAvroSerializer) or read this topic with a JSON format";
    if (n >= 4 && memcmp(p, "Obj\x01", 4) == 0)
        return "it looks like an Avro object container file, not a single Schema Registry "
               "framed record: produce with KafkaAvroSerializer";
    size_t printable = 0, look = n < 64 ? n : 64;
    for (size_t k = 0; k < look; k++)
        if (isprint(p[k]) || p[k] == '\n' || p[k] == '\t' || p[k] == '\r') printable++;
    if (look && printable == look)
        return "it looks like plain text: check that the producer uses the Schema Registry "
               "Avro serializer";
    return "check that the producer uses the Schema Registry Avro serializer and that the "
           "topic is the right one";
}

void kfb_confluent_describe_error(const uint8_t *msg, size_t len, char *buf, size_t size) {
    if (!size) return;
    char what[160];
    const char *hint = "";
    if (!msg) {
        snprintf(what, sizeof(what), "the message is null (a tombstone)");
    } else if (len == 0) {
        snprintf(what, sizeof(what), "the message is empty");
    } else if (msg[0] != KFB_CONFLUENT_MAGIC) {
        uint8_t b = msg[0];
        if (isprint(b)) snprintf(what, sizeof(what), "the first byte is 0x%02x ('%c')", b, b);
        else snprintf(what, sizeof(what), "the first byte is 0x%02x", b);
        hint = guess(msg, len);
    } else if (len < KFB_CONFLUENT_HEADER_SIZE) {
        snprintf(what, sizeof(what), "the message is only %zu byte%s long", len,
                 len == 1 ? "" : "s");
    } else {
        snprintf(what, sizeof(what), "the schema id %" PRId32 " is negative",
                 (int32_t)kfb_get_be32(msg + 1));
    }
    snprintf(buf, size,
             "not a Schema Registry framed message: %s; expected magic byte 0x00, a 4-byte "
             "big-endian schema id, then the Avro body%s%s",
             what, *hint ? "; " : "", hint);
}

kfb_err_t kfb_confluent_parse(const uint8_t *msg, size_t len, const kfb_origin_t *origin,
                              kfb_confluent_msg_t *out, char *errstr, size_t errstr_size) {
    if (KFB_LIKELY(msg && len >= KFB_CONFLUENT_HEADER_SIZE && msg[0] == KFB_CONFLUENT_MAGIC &&
                   !(msg[1] & 0x80))) {
        out->schema_id = (int32_t)kfb_get_be32(msg + 1);
        out->body = msg + KFB_CONFLUENT_HEADER_SIZE;
        out->body_len = len - KFB_CONFLUENT_HEADER_SIZE;
        return KFB_ERR_OK;
    }
    if (errstr && errstr_size) {
        char where[256], what[512];
        kfb_origin_format(origin, where, sizeof(where));
        kfb_confluent_describe_error(msg, len, what, sizeof(what));
        snprintf(errstr, errstr_size, "%s: %s", where, what);
    }
    return KFB_ERR_NOT_CONFLUENT_FRAMED;
}

void kfb_confluent_write_header(uint8_t out[KFB_CONFLUENT_HEADER_SIZE], int32_t schema_id) {
    out[0] = KFB_CONFLUENT_MAGIC;
    kfb_put_be32(out + 1, (uint32_t)schema_id);
}
