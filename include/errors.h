/*
 * errors.h - the bridge's error codes, their classes and messages.
 *
 * One X-macro list generates the enum, kfb_err_name() and kfb_err_message()
 * (the libuv pattern), so a code can never lack a name or a message.
 *
 * Classes say what a caller should do with an error:
 *   RETRIABLE  try the same operation again later (network, timeouts, leader moves)
 *   RECORD     this one input is bad; report it with its origin, keep going
 *   FATAL      misuse or an unrecoverable state; stop and tell the user
 */
#ifndef KFB_ERRORS_H
#define KFB_ERRORS_H

#include <stddef.h>

typedef enum kfb_err_class {
    KFB_ERRCLASS_NONE = 0,
    KFB_ERRCLASS_RETRIABLE,
    KFB_ERRCLASS_RECORD,
    KFB_ERRCLASS_FATAL,
} kfb_err_class_t;

/* X(NAME, CLASS, message) */
#define KFB_ERRORS(X)                                                                  \
    X(OK, NONE, "success")                                                             \
    X(NOMEM, FATAL, "out of memory")                                                   \
    X(INVALID_ARG, FATAL, "invalid argument")                                          \
    X(STATE, FATAL, "operation not allowed in the object's current state")            \
    /* decoding untrusted bytes */                                                     \
    X(TRUNCATED, RECORD, "input ended before the value was complete")                  \
    X(VARINT_OVERLONG, RECORD, "varint is longer than its type allows")                \
    X(TRAILING_BYTES, RECORD, "unexpected bytes after the end of the value")           \
    X(BAD_LENGTH, RECORD, "length field is negative or exceeds the available bytes")  \
    X(BAD_MAGIC, RECORD, "unsupported magic byte")                                     \
    X(BAD_CRC, RECORD, "checksum mismatch")                                            \
    X(CORRUPT, RECORD, "malformed data")                                               \
    /* values */                                                                       \
    X(OUT_OF_RANGE, RECORD, "value does not fit the target type")                      \
    X(NULL_IN_KEY, RECORD, "null value in a key column")                               \
    X(NULL_NOT_ALLOWED, RECORD, "null value in a NOT NULL column")                     \
    X(DECIMAL_OVERFLOW, RECORD, "decimal value exceeds the declared precision")        \
    X(UNSUPPORTED_TYPE, FATAL, "data type not supported here")                         \
    X(UNSUPPORTED_FORMAT, FATAL, "table format not supported")                         \
    /* KV batches */                                                                   \
    X(BATCH_FULL, RETRIABLE, "record does not fit in the batch's write limit")         \
    X(BATCH_CLOSED, FATAL, "batch is closed for appends")                              \
    X(BATCH_ABORTED, FATAL, "batch was aborted")                                       \
    X(SCHEMA_ID_RANGE, FATAL, "schema id does not fit in int16")                       \
    /* environment */                                                                  \
    X(IO, RETRIABLE, "I/O error")                                                      \
    X(TIMEOUT, RETRIABLE, "operation timed out")                                       \
    X(NOT_FOUND, RECORD, "not found")                                                  \
    X(CONFIG, FATAL, "invalid configuration")                                          \
    X(PROTOCOL, RETRIABLE, "protocol error from peer")                                 \
    /* -- rows, decimals, keys (compacted_row, decimal, key_encoder) -- */               \
    X(ROW_BITMAP_PADDING, RECORD, "row null bitmap has bits set past the last column")  \
    X(ROW_BAD_BOOLEAN, RECORD, "boolean byte is neither 0 nor 1")                      \
    X(DECIMAL_NOT_MINIMAL, RECORD, "decimal bytes are not minimal two's complement")   \
    /* (end rows) */                                                                    \
    /* -- bucketing, lake key formats (bucketing, paimon_key) -- */                     \
    /* (end bucketing) */                                                               \
    /* -- KV batches (kv_batch) -- */                                                   \
    /* (end kv batch) */                                                                \
    /* -- Avro, Confluent framing, Schema Registry -- */                                \
    X(AVRO_SCHEMA_INVALID, RECORD, "Avro schema is invalid")                          \
    X(AVRO_UNION_INDEX, RECORD, "Avro union branch index out of range")              \
    X(AVRO_ENUM_INDEX, RECORD, "Avro enum symbol index out of range")                \
    X(AVRO_BAD_BOOLEAN, RECORD, "Avro boolean byte is neither 0 nor 1")              \
    X(AVRO_BLOCK_COUNT, RECORD, "Avro array/map block count exceeds the input")      \
    X(AVRO_DEPTH, RECORD, "Avro value or schema nested too deeply")                  \
    X(INVALID_UTF8, RECORD, "string is not valid UTF-8")                             \
    X(NOT_CONFLUENT_FRAMED, RECORD, "message is not in Confluent Schema Registry framing") \
    X(UNKNOWN_SCHEMA_ID, RECORD, "schema id unknown to the schema registry")         \
    X(SCHEMA_NOT_AVRO, RECORD, "registered schema is not an Avro schema")            \
    X(REGISTRY_UNAVAILABLE, RETRIABLE, "schema registry unreachable or failing")     \
    X(REGISTRY_AUTH, FATAL, "schema registry rejected the credentials")              \
    X(REGISTRY_RESPONSE, FATAL, "schema registry returned an unexpected response")   \
    /* (end avro) */                                                                    \
    /* -- table descriptors, mapping plans, explain -- */                               \
    X(MAPPER_PLAN, FATAL, "Avro schema cannot be mapped onto the Fluss table")        \
    X(MAPPER_DELETE_DISABLED, RECORD, "table refuses deletes (table.delete.behavior)") \
    X(MAPPER_BAD_OP, RECORD, "Debezium envelope has a missing or unknown op")         \
    X(MAPPER_NO_KEY, RECORD, "message has no usable Kafka key")                       \
    X(MAPPER_UNION_BRANCH, RECORD, "value is in a union branch the mapping does not keep") \
    X(MAPPER_RECORD_TOO_LARGE, RECORD, "record does not fit even an empty batch")      \
    /* (end mapper) */                                                                  \
    /* -- configuration (config) -- */                                                  \
    X(CONFIG_MISSING, FATAL, "configuration lacks a key this command needs")          \
    /* (end config) */                                                                  \
    /* -- Fluss RPC client and test server -- */                                        \
    X(RPC_FRAME_TOO_LARGE, RETRIABLE, "RPC frame exceeds the maximum frame size")       \
    X(RPC_BAD_RESPONSE_TYPE, RETRIABLE, "RPC response frame has an unknown type byte")    \
    X(RPC_BAD_BODY, RETRIABLE, "RPC body is not a valid protobuf message of its type")    \
    X(RPC_SERVER_FAILURE, RETRIABLE, "Fluss server reported a connection-level failure")  \
    X(RPC_DISCONNECTED, RETRIABLE, "connection to the Fluss server was lost")             \
    X(RPC_QUEUE_FULL, RETRIABLE, "Fluss client submit queue is full")                     \
    X(RPC_API_UNSUPPORTED, FATAL, "Fluss server lacks a required API or API version")     \
    X(RPC_AUTH_FAILED, FATAL, "authentication with the Fluss server failed")              \
    X(RPC_SHUTDOWN, FATAL, "Fluss client is shutting down")                               \
    X(FLUSS_RETRIABLE, RETRIABLE, "Fluss server returned a retriable error")              \
    X(FLUSS_ERROR, FATAL, "Fluss server rejected the request")                            \
    X(FLUSS_RECORD_REJECTED, RECORD, "Fluss rejected the record (its bucket's answer names why)") \
    /* a PutKv batch the client gave up on after an attempt whose outcome it could not */ \
    /* learn (lost response, REQUEST_TIME_OUT, ...): replay it and what follows it */     \
    X(WRITE_IN_DOUBT, RETRIABLE,                                                          \
      "the batch may or may not have been written to Fluss (its outcome is unknown)")     \
    /* (end rpc) */                                                                     \
    X(INTERNAL, FATAL, "internal error")

typedef enum kfb_err {
#define KFB_ERR_ENUM_(name, cls, msg) KFB_ERR_##name,
    KFB_ERRORS(KFB_ERR_ENUM_)
#undef KFB_ERR_ENUM_
    KFB_ERR__COUNT
} kfb_err_t;

/* Static strings; never NULL (unknown codes give "UNKNOWN"). */
const char *kfb_err_name(kfb_err_t err);
const char *kfb_err_message(kfb_err_t err);
kfb_err_class_t kfb_err_class(kfb_err_t err);
const char *kfb_err_class_name(kfb_err_class_t cls);

/* printf into a caller's errstr buffer (truncated to size; nothing when errstr is NULL or
 * size 0): the one helper behind the "errstr, errstr_size" convention. */
void kfb_errstr_set(char *errstr, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#if defined(__GNUC__)
#define KFB_LIKELY(x) __builtin_expect(!!(x), 1)
#define KFB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define KFB_LIKELY(x) (x)
#define KFB_UNLIKELY(x) (x)
#endif

#endif
