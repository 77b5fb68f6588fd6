/*
 * rpc_frame.h - the Fluss RPC frame codec, shared by the client and the test
 * server.
 *
 * Wire format (all integers big-endian; fluss-protocol.md §1.1-§1.3; reference
 * apache/fluss fluss-rpc/src/main/java/org/apache/fluss/rpc/protocol/MessageCodec.java,
 * .../netty/server/NettyServerHandler.java, .../netty/client/NettyClientHandler.java):
 *
 *   every frame      int32 length (bytes after the prefix) | payload
 *   request payload  int16 api_key | int16 api_version | int32 request_id | protobuf body
 *   response payload int8 type = 0 SUCCESS | int32 request_id | response protobuf
 *                    int8 type = 1 ERROR   | int32 request_id | ErrorResponse
 *                    int8 type = 2 SERVER_FAILURE           | ErrorResponse  (no request id)
 *
 * A SERVER_FAILURE is not tied to any request: the server closes the connection
 * after sending it, so the client fails everything in flight on it.
 *
 * Size limits count the whole frame including the 4-byte prefix, like Netty's
 * LengthFieldBasedFrameDecoder on the server (netty.server.max-request-size,
 * default 100 MiB).
 *
 * Ownership: encoders append to a caller-owned kfb_buf_t; decoders return
 * pointers into the caller's input (valid as long as that input is) and never
 * allocate, except kfb_rpc_unpack (caller frees with protobuf_c_message_free_unpacked)
 * and kfb_rpc_decode_error (copies into a caller buffer).
 */
#ifndef KFB_RPC_FRAME_H
#define KFB_RPC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "buf.h"
#include "errors.h"

#define KFB_RPC_LEN_PREFIX 4
#define KFB_RPC_REQUEST_HEADER_LEN 8
#define KFB_RPC_RESPONSE_HEADER_LEN 5
#define KFB_RPC_SERVER_FAILURE_HEADER_LEN 1
/* Fluss server default (ConfigOptions.NETTY_SERVER_MAX_REQUEST_SIZE = 100mb). */
#define KFB_RPC_DEFAULT_MAX_FRAME ((size_t)100 * 1024 * 1024)

/* ApiErrors carry at most this much text (ApiError.MAX_ERROR_MESSAGE_LENGTH). */
#define KFB_RPC_MAX_ERROR_MESSAGE 2048

typedef enum kfb_rpc_resp_type {
    KFB_RPC_RESP_SUCCESS = 0,
    KFB_RPC_RESP_ERROR = 1,
    KFB_RPC_RESP_SERVER_FAILURE = 2,
} kfb_rpc_resp_type_t;

/* Fluss server types from ApiVersionsResponse.server_type (ServerType.java). */
#define KFB_FLUSS_SERVER_COORDINATOR 1
#define KFB_FLUSS_SERVER_TABLET 2

/*
 * API keys used by the bridge (ApiKeys.java, fluss-protocol.md §2), with the
 * version range this client speaks: X(NAME, key, "Name", client_min, client_max).
 * PutKv v2 = we understand STORAGE_BACKPRESSURE (72); Lookup v1 = compacted
 * key encoding when the bucket key differs from the primary key.
 */
#define KFB_RPC_APIS(X)                                    \
    X(API_VERSIONS, 1000, "ApiVersions", 0, 0)             \
    X(CREATE_DATABASE, 1001, "CreateDatabase", 0, 0)       \
    X(DATABASE_EXISTS, 1004, "DatabaseExists", 0, 0)       \
    X(CREATE_TABLE, 1005, "CreateTable", 0, 0)             \
    X(GET_TABLE_INFO, 1007, "GetTableInfo", 0, 0)          \
    X(LIST_PARTITION_INFOS, 1009, "ListPartitionInfos", 0, 0) \
    X(TABLE_EXISTS, 1010, "TableExists", 0, 0)             \
    X(GET_TABLE_SCHEMA, 1011, "GetTableSchema", 0, 0)      \
    X(GET_METADATA, 1012, "GetMetadata", 0, 0)             \
    X(PUT_KV, 1016, "PutKv", 0, 2)                         \
    X(LOOKUP, 1017, "Lookup", 0, 1)                        \
    X(INIT_WRITER, 1026, "InitWriter", 0, 0)               \
    X(CREATE_PARTITION, 1036, "CreatePartition", 0, 0)     \
    X(ALTER_TABLE, 1044, "AlterTable", 0, 0)               \
    X(AUTHENTICATE, 1038, "Authenticate", 0, 0)

typedef enum kfb_rpc_api {
#define KFB_RPC_API_ENUM_(name, key, str, lo, hi) KFB_API_##name = (key),
    KFB_RPC_APIS(KFB_RPC_API_ENUM_)
#undef KFB_RPC_API_ENUM_
} kfb_rpc_api_t;

/* Index of an API in KFB_RPC_APIS order, or -1 if it is not one of ours.
 * kfb_rpc_api_count is the number of entries. */
int kfb_rpc_api_index(int32_t api_key);
extern const int kfb_rpc_api_count;
/* "PutKv"; "unknown" for keys not in the list. Static string. */
const char *kfb_rpc_api_name(int32_t api_key);
/* Client version range of an API; returns 0 and leaves outputs alone for
 * unknown keys. */
int kfb_rpc_api_client_versions(int32_t api_key, int16_t *min, int16_t *max);

/* Parsed request header (server side). body points into the input payload. */
typedef struct kfb_rpc_request_hdr {
    int16_t api_key;
    int16_t api_version;
    int32_t request_id;
    const uint8_t *body;
    size_t body_len;
} kfb_rpc_request_hdr_t;

/* Parsed response header (client side). request_id is -1 for SERVER_FAILURE.
 * body points into the input payload. */
typedef struct kfb_rpc_response {
    kfb_rpc_resp_type_t type;
    int32_t request_id;
    const uint8_t *body;
    size_t body_len;
} kfb_rpc_response_t;

/* ---- encoding (append one complete frame to `out`) ---- */

/*
 * Appends a request frame: prefix, 8-byte header, `body` packed straight into
 * the buffer (no intermediate copy). `body` may be NULL for an empty body.
 * Fails with RPC_FRAME_TOO_LARGE (buffer unchanged) when the frame would exceed
 * `max_frame` (0 = KFB_RPC_DEFAULT_MAX_FRAME), NOMEM on allocation failure.
 */
kfb_err_t kfb_rpc_encode_request(kfb_buf_t *out, int16_t api_key, int16_t api_version,
                                 int32_t request_id, const ProtobufCMessage *body,
                                 size_t max_frame);

/* Same as kfb_rpc_encode_request with an already packed body (body_len bytes,
 * body may be NULL when body_len is 0). */
kfb_err_t kfb_rpc_encode_request_raw(kfb_buf_t *out, int16_t api_key, int16_t api_version,
                                     int32_t request_id, const uint8_t *body, size_t body_len,
                                     size_t max_frame);

/* Appends a SUCCESS response frame carrying `body` (may be NULL = empty). */
kfb_err_t kfb_rpc_encode_response(kfb_buf_t *out, int32_t request_id,
                                  const ProtobufCMessage *body, size_t max_frame);

/* Appends an ERROR response frame; `message` may be NULL (then omitted) and is
 * cut at KFB_RPC_MAX_ERROR_MESSAGE bytes like the Java server does. */
kfb_err_t kfb_rpc_encode_error_response(kfb_buf_t *out, int32_t request_id,
                                        int32_t error_code, const char *message);

/* Appends a SERVER_FAILURE frame (no request id). */
kfb_err_t kfb_rpc_encode_server_failure(kfb_buf_t *out, int32_t error_code,
                                        const char *message);

/* ---- decoding untrusted bytes ---- */

/*
 * Looks at the start of a byte stream. If fewer than 4 bytes are present,
 * sets *frame_total = 0 and returns OK (need more). Otherwise sets *frame_total
 * to 4 + length, which may exceed `avail` (need more). Errors: BAD_LENGTH for a
 * negative length, RPC_FRAME_TOO_LARGE when 4 + length > max_frame (0 = default).
 * A zero-length frame is accepted here; the header decoders reject it.
 */
kfb_err_t kfb_rpc_frame_peek(const uint8_t *data, size_t avail, size_t max_frame,
                             size_t *frame_total);

/* Splits a request payload (the bytes after the length prefix). TRUNCATED
 * when shorter than the 8-byte header. */
kfb_err_t kfb_rpc_decode_request_header(const uint8_t *payload, size_t len,
                                        kfb_rpc_request_hdr_t *out);

/* Splits a response payload. TRUNCATED when shorter than the header of its
 * type, RPC_BAD_RESPONSE_TYPE for a type byte other than 0, 1, 2. */
kfb_err_t kfb_rpc_decode_response_header(const uint8_t *payload, size_t len,
                                         kfb_rpc_response_t *out);

/*
 * Unpacks a protobuf body of message type `desc`. Missing required fields,
 * truncation, bad wire types and the like give RPC_BAD_BODY; unknown fields are
 * skipped. On success *out is owned by the caller:
 * protobuf_c_message_free_unpacked(*out, NULL).
 */
kfb_err_t kfb_rpc_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *body,
                         size_t len, ProtobufCMessage **out);

/* kfb_rpc_unpack with protobuf-c allocator `alloc` (NULL = malloc): *out is freed
 * with protobuf_c_message_free_unpacked(*out, alloc), or with the allocator's arena
 * (pb_arena.h). */
kfb_err_t kfb_rpc_unpack_with(const ProtobufCMessageDescriptor *desc, ProtobufCAllocator *alloc,
                              const uint8_t *body, size_t len, ProtobufCMessage **out);

/*
 * Decodes an ErrorResponse body. *error_code gets the code; `message` (if
 * non-NULL and message_size > 0) gets the NUL-terminated server text, truncated
 * to fit, or "" when absent. RPC_BAD_BODY if the body is not an ErrorResponse.
 */
kfb_err_t kfb_rpc_decode_error(const uint8_t *body, size_t len, int32_t *error_code,
                               char *message, size_t message_size);

#endif
