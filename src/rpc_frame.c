/*
 * rpc_frame.c - Fluss RPC frame codec.
 *
 * Format (big-endian; see rpc_frame.h for the full layout):
 *   [int32 len][int16 api_key][int16 version][int32 request_id][protobuf]   request
 *   [int32 len][int8 0|1][int32 request_id][protobuf | ErrorResponse]       response
 *   [int32 len][int8 2][ErrorResponse]                                     server failure
 * Reference: apache/fluss fluss-rpc/src/main/java/org/apache/fluss/rpc/protocol/MessageCodec.java
 * (REQUEST_HEADER_LENGTH = 8, RESPONSE_HEADER_LENGTH = 5, SERVER_FAILURE_HEADER_LENGTH = 1),
 * .../rpc/protocol/ResponseType.java, .../rpc/netty/client/NettyClientHandler.java.
 */
#include "rpc_frame.h"

#include <string.h>

#include "bytes.h"
#include "fluss_api.pb-c.h"

typedef struct {
    int32_t key;
    const char *name;
    int16_t min, max;
} api_entry_t;

#define API_ENTRY_(n, key, str, lo, hi) {(key), (str), (lo), (hi)},
static const api_entry_t apis[] = {KFB_RPC_APIS(API_ENTRY_)};
#undef API_ENTRY_

const int kfb_rpc_api_count = (int)(sizeof(apis) / sizeof(apis[0]));

int kfb_rpc_api_index(int32_t api_key) {
    for (int i = 0; i < kfb_rpc_api_count; i++)
        if (apis[i].key == api_key) return i;
    return -1;
}

const char *kfb_rpc_api_name(int32_t api_key) {
    int i = kfb_rpc_api_index(api_key);
    return i < 0 ? "unknown" : apis[i].name;
}

int kfb_rpc_api_client_versions(int32_t api_key, int16_t *min, int16_t *max) {
    int i = kfb_rpc_api_index(api_key);
    if (i < 0) return 0;
    *min = apis[i].min;
    *max = apis[i].max;
    return 1;
}

/* Appends prefix + header bytes, then the packed body, then checks nothing is
 * left half-written. `hdr` is everything between the prefix and the body. */
static kfb_err_t encode_frame(kfb_buf_t *out, const uint8_t *hdr, size_t hdr_len,
                              const ProtobufCMessage *body, size_t max_frame) {
    if (!max_frame) max_frame = KFB_RPC_DEFAULT_MAX_FRAME;
    size_t body_len = body ? protobuf_c_message_get_packed_size(body) : 0;
    /* The length field is an int32, whatever max_frame says. */
    if (body_len > (size_t)INT32_MAX - hdr_len ||
        KFB_RPC_LEN_PREFIX + hdr_len + body_len > max_frame)
        return KFB_ERR_RPC_FRAME_TOO_LARGE;
    size_t total = KFB_RPC_LEN_PREFIX + hdr_len + body_len;
    kfb_err_t err = kfb_buf_reserve(out, total);
    if (err) return err;
    uint8_t *p = out->data + out->len;
    kfb_put_be32(p, (uint32_t)(hdr_len + body_len));
    memcpy(p + KFB_RPC_LEN_PREFIX, hdr, hdr_len);
    if (body_len) {
        size_t packed = protobuf_c_message_pack(body, p + KFB_RPC_LEN_PREFIX + hdr_len);
        if (packed != body_len) return KFB_ERR_INTERNAL;
    }
    out->len += total;
    return KFB_ERR_OK;
}

kfb_err_t kfb_rpc_encode_request(kfb_buf_t *out, int16_t api_key, int16_t api_version,
                                 int32_t request_id, const ProtobufCMessage *body,
                                 size_t max_frame) {
    uint8_t hdr[KFB_RPC_REQUEST_HEADER_LEN];
    kfb_put_be16(hdr, (uint16_t)api_key);
    kfb_put_be16(hdr + 2, (uint16_t)api_version);
    kfb_put_be32(hdr + 4, (uint32_t)request_id);
    return encode_frame(out, hdr, sizeof hdr, body, max_frame);
}

kfb_err_t kfb_rpc_encode_request_raw(kfb_buf_t *out, int16_t api_key, int16_t api_version,
                                     int32_t request_id, const uint8_t *body, size_t body_len,
                                     size_t max_frame) {
    if (!max_frame) max_frame = KFB_RPC_DEFAULT_MAX_FRAME;
    if (body_len > (size_t)INT32_MAX - KFB_RPC_REQUEST_HEADER_LEN ||
        KFB_RPC_LEN_PREFIX + KFB_RPC_REQUEST_HEADER_LEN + body_len > max_frame)
        return KFB_ERR_RPC_FRAME_TOO_LARGE;
    size_t total = KFB_RPC_LEN_PREFIX + KFB_RPC_REQUEST_HEADER_LEN + body_len;
    kfb_err_t err = kfb_buf_reserve(out, total);
    if (err) return err;
    uint8_t *p = out->data + out->len;
    kfb_put_be32(p, (uint32_t)(KFB_RPC_REQUEST_HEADER_LEN + body_len));
    kfb_put_be16(p + 4, (uint16_t)api_key);
    kfb_put_be16(p + 6, (uint16_t)api_version);
    kfb_put_be32(p + 8, (uint32_t)request_id);
    if (body_len) memcpy(p + 12, body, body_len);
    out->len += total;
    return KFB_ERR_OK;
}

kfb_err_t kfb_rpc_encode_response(kfb_buf_t *out, int32_t request_id,
                                  const ProtobufCMessage *body, size_t max_frame) {
    uint8_t hdr[KFB_RPC_RESPONSE_HEADER_LEN];
    hdr[0] = KFB_RPC_RESP_SUCCESS;
    kfb_put_be32(hdr + 1, (uint32_t)request_id);
    return encode_frame(out, hdr, sizeof hdr, body, max_frame);
}

/* Builds an ErrorResponse whose message is cut to the Java server's limit
 * (ApiError.MAX_ERROR_MESSAGE_LENGTH), backing off to a UTF-8 boundary so the
 * string field stays valid. `tmp` must hold KFB_RPC_MAX_ERROR_MESSAGE + 1 bytes. */
static void make_error_body(Fluss__ErrorResponse *er, int32_t code, const char *message,
                            char *tmp) {
    fluss__error_response__init(er);
    er->error_code = code;
    if (!message) return;
    size_t n = strlen(message);
    if (n > KFB_RPC_MAX_ERROR_MESSAGE) {
        n = KFB_RPC_MAX_ERROR_MESSAGE;
        while (n > 0 && ((uint8_t)message[n] & 0xC0) == 0x80) n--;
    }
    memcpy(tmp, message, n);
    tmp[n] = '\0';
    er->error_message = tmp;
}

kfb_err_t kfb_rpc_encode_error_response(kfb_buf_t *out, int32_t request_id,
                                        int32_t error_code, const char *message) {
    char tmp[KFB_RPC_MAX_ERROR_MESSAGE + 1];
    Fluss__ErrorResponse er;
    make_error_body(&er, error_code, message, tmp);
    uint8_t hdr[KFB_RPC_RESPONSE_HEADER_LEN];
    hdr[0] = KFB_RPC_RESP_ERROR;
    kfb_put_be32(hdr + 1, (uint32_t)request_id);
    return encode_frame(out, hdr, sizeof hdr, &er.base, 0);
}

kfb_err_t kfb_rpc_encode_server_failure(kfb_buf_t *out, int32_t error_code,
                                        const char *message) {
    char tmp[KFB_RPC_MAX_ERROR_MESSAGE + 1];
    Fluss__ErrorResponse er;
    make_error_body(&er, error_code, message, tmp);
    uint8_t hdr[KFB_RPC_SERVER_FAILURE_HEADER_LEN] = {KFB_RPC_RESP_SERVER_FAILURE};
    return encode_frame(out, hdr, sizeof hdr, &er.base, 0);
}

kfb_err_t kfb_rpc_frame_peek(const uint8_t *data, size_t avail, size_t max_frame,
                             size_t *frame_total) {
    *frame_total = 0;
    if (avail < KFB_RPC_LEN_PREFIX) return KFB_ERR_OK;
    if (!max_frame) max_frame = KFB_RPC_DEFAULT_MAX_FRAME;
    int32_t len = (int32_t)kfb_get_be32(data);
    if (len < 0) return KFB_ERR_BAD_LENGTH;
    size_t total = (size_t)len + KFB_RPC_LEN_PREFIX;
    if (total > max_frame) return KFB_ERR_RPC_FRAME_TOO_LARGE;
    *frame_total = total;
    return KFB_ERR_OK;
}

kfb_err_t kfb_rpc_decode_request_header(const uint8_t *payload, size_t len,
                                        kfb_rpc_request_hdr_t *out) {
    if (len < KFB_RPC_REQUEST_HEADER_LEN) return KFB_ERR_TRUNCATED;
    out->api_key = (int16_t)kfb_get_be16(payload);
    out->api_version = (int16_t)kfb_get_be16(payload + 2);
    out->request_id = (int32_t)kfb_get_be32(payload + 4);
    out->body = payload + KFB_RPC_REQUEST_HEADER_LEN;
    out->body_len = len - KFB_RPC_REQUEST_HEADER_LEN;
    return KFB_ERR_OK;
}

kfb_err_t kfb_rpc_decode_response_header(const uint8_t *payload, size_t len,
                                         kfb_rpc_response_t *out) {
    if (len < 1) return KFB_ERR_TRUNCATED;
    switch (payload[0]) {
    case KFB_RPC_RESP_SUCCESS:
    case KFB_RPC_RESP_ERROR:
        if (len < KFB_RPC_RESPONSE_HEADER_LEN) return KFB_ERR_TRUNCATED;
        out->type = (kfb_rpc_resp_type_t)payload[0];
        out->request_id = (int32_t)kfb_get_be32(payload + 1);
        out->body = payload + KFB_RPC_RESPONSE_HEADER_LEN;
        out->body_len = len - KFB_RPC_RESPONSE_HEADER_LEN;
        return KFB_ERR_OK;
    case KFB_RPC_RESP_SERVER_FAILURE:
        /* No request id here; the Rust client wrongly reads one (§1.3). */
        out->type = KFB_RPC_RESP_SERVER_FAILURE;
        out->request_id = -1;
        out->body = payload + KFB_RPC_SERVER_FAILURE_HEADER_LEN;
        out->body_len = len - KFB_RPC_SERVER_FAILURE_HEADER_LEN;
        return KFB_ERR_OK;
    default:
        return KFB_ERR_RPC_BAD_RESPONSE_TYPE;
    }
}

kfb_err_t kfb_rpc_unpack_with(const ProtobufCMessageDescriptor *desc, ProtobufCAllocator *alloc,
                              const uint8_t *body, size_t len, ProtobufCMessage **out) {
    /* protobuf-c rejects truncation, bad wire types, overlong varints and
     * missing required fields, and skips unknown fields (kept aside, freed
     * with the message). */
    *out = protobuf_c_message_unpack(desc, alloc, len, len ? body : (const uint8_t *)"");
    return *out ? KFB_ERR_OK : KFB_ERR_RPC_BAD_BODY;
}

kfb_err_t kfb_rpc_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *body,
                         size_t len, ProtobufCMessage **out) {
    return kfb_rpc_unpack_with(desc, NULL, body, len, out);
}

kfb_err_t kfb_rpc_decode_error(const uint8_t *body, size_t len, int32_t *error_code,
                               char *message, size_t message_size) {
    ProtobufCMessage *m;
    if (message && message_size) message[0] = '\0';
    kfb_err_t err = kfb_rpc_unpack(&fluss__error_response__descriptor, body, len, &m);
    if (err) return err;
    Fluss__ErrorResponse *er = (Fluss__ErrorResponse *)m;
    *error_code = er->error_code;
    if (message && message_size && er->error_message) {
        size_t n = strlen(er->error_message);
        if (n >= message_size) n = message_size - 1;
        memcpy(message, er->error_message, n);
        message[n] = '\0';
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return KFB_ERR_OK;
}
