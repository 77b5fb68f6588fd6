/* fuzz_rpc_response.c - the client-side decoders of untrusted server bytes: frame
 * splitting, response header, ErrorResponse and the response bodies the client
 * reads. Never crashes, never reads out of bounds, and every frame it accepts
 * lies inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "fluss_api.pb-c.h"
#include "rpc_frame.h"

static const ProtobufCMessageDescriptor *const descs[] = {
    &fluss__api_versions_response__descriptor,  &fluss__metadata_response__descriptor,
    &fluss__get_table_info_response__descriptor, &fluss__init_writer_response__descriptor,
    &fluss__put_kv_response__descriptor,        &fluss__lookup_response__descriptor,
    &fluss__list_partition_infos_response__descriptor,
    &fluss__authenticate_response__descriptor,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t pos = 0;
    /* a stream of frames, as the client's read loop sees it; small max frame
     * so the too-large path is reached too */
    while (pos < size) {
        size_t total;
        if (kfb_rpc_frame_peek(data + pos, size - pos, 1 << 16, &total) != KFB_ERR_OK) break;
        if (total == 0 || total > size - pos) break;
        if (total < KFB_RPC_LEN_PREFIX) abort();
        const uint8_t *payload = data + pos + KFB_RPC_LEN_PREFIX;
        size_t plen = total - KFB_RPC_LEN_PREFIX;
        kfb_rpc_response_t r;
        if (kfb_rpc_decode_response_header(payload, plen, &r) == KFB_ERR_OK) {
            if (r.body < payload || r.body + r.body_len != payload + plen) abort();
            if (r.type == KFB_RPC_RESP_SUCCESS) {
                ProtobufCMessage *m;
                const ProtobufCMessageDescriptor *d = descs[(uint32_t)r.request_id % 8];
                if (kfb_rpc_unpack(d, r.body, r.body_len, &m) == KFB_ERR_OK)
                    protobuf_c_message_free_unpacked(m, NULL);
            } else {
                int32_t code;
                char msg[64];
                (void)kfb_rpc_decode_error(r.body, r.body_len, &code, msg, sizeof msg);
            }
        }
        pos += total;
    }
    return 0;
}
