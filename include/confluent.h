/*
 * confluent.h - the Confluent Schema Registry wire format of Kafka messages.
 *
 * Format (Confluent docs "Wire format"; io.confluent.kafka.serializers.
 * AbstractKafkaSchemaSerDe): byte 0 = magic 0x00, bytes 1..4 = schema id as a
 * big-endian int32, bytes 5.. = the Avro binary body (no container header).
 *
 * Anything else is a per-record error (KFB_ERR_NOT_CONFLUENT_FRAMED) whose
 * message names the record's topic/partition/offset, says what was expected,
 * and guesses what the bytes look like (JSON, text, Avro container file), as
 * kcat does, so a user can fix the producer or the configuration.
 */
#ifndef KFB_CONFLUENT_H
#define KFB_CONFLUENT_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define KFB_CONFLUENT_MAGIC 0x00
#define KFB_CONFLUENT_HEADER_SIZE 5

/* Where a Kafka message came from, for error messages. Borrowed strings. */
typedef struct kfb_origin {
    const char *topic;   /* NULL prints as "?" */
    int32_t partition;
    int64_t offset;
} kfb_origin_t;

/* A message split into its schema id and Avro body (body points into the message). */
typedef struct kfb_confluent_msg {
    int32_t schema_id;
    const uint8_t *body;
    size_t body_len;
} kfb_confluent_msg_t;

/*
 * Splits msg[0..len). A NULL message (Kafka tombstone) or anything shorter than
 * the 5-byte header, a magic byte other than 0, or a negative schema id gives
 * KFB_ERR_NOT_CONFLUENT_FRAMED and a message in errstr (origin may be NULL).
 * An empty body is accepted (a schema of only nulls encodes to 0 bytes).
 */
kfb_err_t kfb_confluent_parse(const uint8_t *msg, size_t len, const kfb_origin_t *origin,
                              kfb_confluent_msg_t *out, char *errstr, size_t errstr_size);

/* The sentence kfb_confluent_parse gives after the origin for msg[0..len), which it
 * refused: what is wrong, what was expected, and a hint (JSON, text, container file). For
 * callers that name the origin themselves (the mapper, for Kafka keys). */
void kfb_confluent_describe_error(const uint8_t *msg, size_t len, char *buf, size_t size);

/* Writes the 5-byte header for schema_id into out. */
void kfb_confluent_write_header(uint8_t out[KFB_CONFLUENT_HEADER_SIZE], int32_t schema_id);

/* Formats "topic T partition P offset O" into buf; returns buf. */
const char *kfb_origin_format(const kfb_origin_t *origin, char *buf, size_t size);

#endif
