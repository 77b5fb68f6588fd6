/* test_rpc_frame.c - Fluss RPC frame codec: golden request/response bytes, header
 * decoding, protobuf bodies with unknown / missing required fields, truncation.
 *
 * Golden bytes are hand-derived from the documented rules: frame layout from
 * fluss-protocol.md §1.1-§1.3 (MessageCodec.java), protobuf field numbers and wire
 * types from apache/fluss fluss-rpc/src/main/proto/FlussApi.proto, protobuf
 * encoding rules (tag = field << 3 | wire type; int32 negatives as 10-byte
 * varints) from the protobuf encoding spec. None comes from our encoder. */
#include "harness.h"

#include "fluss_api.pb-c.h"
#include "fluss_errors.h"
#include "rpc_frame.h"

TEST(api_versions_request_golden) {
    /* ApiVersionsRequest{"fluss", "0.1.0"} as the Java client sends it first on a
     * connection (request id 0, ServerConnection.java). Body:
     *   0a 05 "fluss"  field 1, LEN 5
     *   12 05 "0.1.0"  field 2, LEN 5      -> 14 bytes, frame length 8 + 14 = 22 */
    Fluss__ApiVersionsRequest req = FLUSS__API_VERSIONS_REQUEST__INIT;
    req.client_software_name = "fluss";
    req.client_software_version = "0.1.0";
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_rpc_encode_request(&b, KFB_API_API_VERSIONS, 0, 0, &req.base, 0));
    ASSERT_HEX(b.data, b.len,
               "00 00 00 16 | 03 e8 | 00 00 | 00 00 00 00 |"
               "0a 05 66 6c 75 73 73 | 12 05 30 2e 31 2e 30");
    kfb_buf_free(&b);
}

TEST(put_kv_request_golden) {
    /* PutKvRequest{acks=-1, table_id=5, timeout_ms=30000, agg_mode=0,
     * buckets_req=[{bucket_id=3, records=aa bb}]}, PutKv v2, request id 0x01020304:
     *   08 ff ff ff ff ff ff ff ff ff 01   acks -1: int32 negatives are 10-byte varints
     *   10 05                              table_id
     *   18 b0 ea 01                        timeout_ms 30000
     *   2a 06 | 10 03 1a 02 aa bb          buckets_req (no partition_id)
     *   30 00                              agg_mode 0 (the Java client always sets it)
     * target_columns is empty, so absent. Body 11+2+4+8+2 = 27 bytes, frame length 35 = 0x23. */
    uint8_t recs[2] = {0xaa, 0xbb};
    Fluss__PbPutKvReqForBucket bk = FLUSS__PB_PUT_KV_REQ_FOR_BUCKET__INIT;
    bk.bucket_id = 3;
    bk.records.data = recs;
    bk.records.len = 2;
    Fluss__PbPutKvReqForBucket *bks[1] = {&bk};
    Fluss__PutKvRequest req = FLUSS__PUT_KV_REQUEST__INIT;
    req.acks = -1;
    req.table_id = 5;
    req.timeout_ms = 30000;
    req.has_agg_mode = 1;
    req.agg_mode = 0;
    req.n_buckets_req = 1;
    req.buckets_req = bks;
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_rpc_encode_request(&b, KFB_API_PUT_KV, 2, 0x01020304, &req.base, 0));
    ASSERT_HEX(b.data, b.len,
               "00 00 00 23 | 03 f8 | 00 02 | 01 02 03 04 |"
               "08 ff ff ff ff ff ff ff ff ff 01 | 10 05 | 18 b0 ea 01 |"
               "2a 06 10 03 1a 02 aa bb | 30 00");
    kfb_buf_free(&b);
}

TEST(partitioned_metadata_request_golden) {
    /* MetadataRequest{table_path=[{db "d", table "t"}], partitions_id=[7, 300]}:
     *   0a 06 | 0a 01 64 12 01 74          table_path
     *   1a 03 | 07 ac 02                   partitions_id, packed ([packed = true])
     * GetMetadata = 1012 = 0x03f4, request id 9. */
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = "d";
    tp.table_name = "t";
    Fluss__PbTablePath *tps[1] = {&tp};
    int64_t ids[2] = {7, 300};
    Fluss__MetadataRequest req = FLUSS__METADATA_REQUEST__INIT;
    req.n_table_path = 1;
    req.table_path = tps;
    req.n_partitions_id = 2;
    req.partitions_id = ids;
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_rpc_encode_request(&b, KFB_API_GET_METADATA, 0, 9, &req.base, 0));
    ASSERT_HEX(b.data, b.len,
               "00 00 00 15 | 03 f4 00 00 00 00 00 09 | 0a 06 0a 01 64 12 01 74 | 1a 03 07 ac 02");
    kfb_buf_free(&b);
}

TEST(request_with_empty_body_and_appends) {
    /* Two frames appended back to back; an absent body is a zero-length body. */
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_rpc_encode_request(&b, KFB_API_GET_METADATA, 0, 1, NULL, 0));
    ASSERT_OK(kfb_rpc_encode_request(&b, KFB_API_GET_METADATA, 0, -2, NULL, 0));
    ASSERT_HEX(b.data, b.len, "00 00 00 08 03 f4 00 00 00 00 00 01 | 00 00 00 08 03 f4 00 00 ff ff ff fe");
    kfb_buf_free(&b);
}

TEST(request_too_large_leaves_buffer_unchanged) {
    Fluss__ApiVersionsRequest req = FLUSS__API_VERSIONS_REQUEST__INIT;
    req.client_software_name = "fluss";
    req.client_software_version = "0.1.0";
    kfb_buf_t b = KFB_BUF_INIT;
    /* 26 bytes needed in all (prefix included, like Netty's limit) */
    ASSERT_ERR(kfb_rpc_encode_request(&b, KFB_API_API_VERSIONS, 0, 0, &req.base, 25),
               KFB_ERR_RPC_FRAME_TOO_LARGE);
    ASSERT_EQ_INT(b.len, 0);
    ASSERT_OK(kfb_rpc_encode_request(&b, KFB_API_API_VERSIONS, 0, 0, &req.base, 26));
    ASSERT_EQ_INT(b.len, 26);
    kfb_buf_free(&b);
}

TEST(response_frames_golden) {
    /* SUCCESS: type 0, request id, body. InitWriterResponse{writer_id=7} = 08 07. */
    Fluss__InitWriterResponse iw = FLUSS__INIT_WRITER_RESPONSE__INIT;
    iw.writer_id = 7;
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_rpc_encode_response(&b, 42, &iw.base, 0));
    ASSERT_HEX(b.data, b.len, "00 00 00 07 | 00 | 00 00 00 2a | 08 07");
    kfb_buf_reset(&b);
    /* ERROR: type 1, request id, ErrorResponse{7, "x"} = 08 07 12 01 78 */
    ASSERT_OK(kfb_rpc_encode_error_response(&b, 42, KFB_FLUSS_TABLE_NOT_EXIST, "x"));
    ASSERT_HEX(b.data, b.len, "00 00 00 0a | 01 | 00 00 00 2a | 08 07 12 01 78");
    kfb_buf_reset(&b);
    /* SERVER_FAILURE: type 2, no request id; code -1 without message:
     * 08 ff ff ff ff ff ff ff ff ff 01 */
    ASSERT_OK(kfb_rpc_encode_server_failure(&b, -1, NULL));
    ASSERT_HEX(b.data, b.len, "00 00 00 0c | 02 | 08 ff ff ff ff ff ff ff ff ff 01");
    kfb_buf_free(&b);
}

TEST(error_message_capped_at_java_limit) {
    /* ApiError.MAX_ERROR_MESSAGE_LENGTH = 2048: longer messages are cut. */
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_rpc_encode_error_response(&b, 1, -1, big));
    kfb_rpc_response_t r;
    ASSERT_OK(kfb_rpc_decode_response_header(b.data + 4, b.len - 4, &r));
    int32_t code = 0;
    char msg[4000];
    ASSERT_OK(kfb_rpc_decode_error(r.body, r.body_len, &code, msg, sizeof msg));
    ASSERT_EQ_INT(code, -1);
    ASSERT_EQ_INT(strlen(msg), 2048);
    /* caller buffer smaller than the message: truncated, NUL-terminated */
    char small[5];
    ASSERT_OK(kfb_rpc_decode_error(r.body, r.body_len, &code, small, sizeof small));
    ASSERT_STREQ(small, "aaaa");
    kfb_buf_free(&b);
}

TEST(frame_peek) {
    size_t total = 99;
    uint8_t hdr[4] = {0, 0, 0, 0x16};
    ASSERT_OK(kfb_rpc_frame_peek(hdr, 3, 0, &total));
    ASSERT_EQ_INT(total, 0); /* need more */
    ASSERT_OK(kfb_rpc_frame_peek(hdr, 4, 0, &total));
    ASSERT_EQ_INT(total, 26);
    ASSERT_ERR(kfb_rpc_frame_peek(hdr, 4, 25, &total), KFB_ERR_RPC_FRAME_TOO_LARGE);
    ASSERT_OK(kfb_rpc_frame_peek(hdr, 4, 26, &total));
    uint8_t neg[4] = {0x80, 0, 0, 0};
    ASSERT_ERR(kfb_rpc_frame_peek(neg, 4, 0, &total), KFB_ERR_BAD_LENGTH);
    uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
    ASSERT_ERR(kfb_rpc_frame_peek(huge, 4, 0, &total), KFB_ERR_RPC_FRAME_TOO_LARGE);
    /* 100 MiB - 4 bytes of payload is exactly the server default */
    uint8_t edge[4] = {0x06, 0x3f, 0xff, 0xfc};
    ASSERT_OK(kfb_rpc_frame_peek(edge, 4, 0, &total));
    ASSERT_EQ_INT(total, 100 * 1024 * 1024);
    uint8_t over[4] = {0x06, 0x3f, 0xff, 0xfd};
    ASSERT_ERR(kfb_rpc_frame_peek(over, 4, 0, &total), KFB_ERR_RPC_FRAME_TOO_LARGE);
}

TEST(response_header_decode) {
    kfb_rpc_response_t r;
    size_t n;
    uint8_t *p = kfb_test_unhex("00 00 00 00 2a 08 07", &n);
    ASSERT_OK(kfb_rpc_decode_response_header(p, n, &r));
    ASSERT_EQ_INT(r.type, KFB_RPC_RESP_SUCCESS);
    ASSERT_EQ_INT(r.request_id, 42);
    ASSERT_EQ_INT(r.body_len, 2);
    ASSERT_EQ_INT(r.body[0], 0x08);
    free(p);
    /* type 2 has no request id: the body starts right after the type byte */
    p = kfb_test_unhex("02 08 2e", &n);
    ASSERT_OK(kfb_rpc_decode_response_header(p, n, &r));
    ASSERT_EQ_INT(r.type, KFB_RPC_RESP_SERVER_FAILURE);
    ASSERT_EQ_INT(r.request_id, -1);
    ASSERT_EQ_INT(r.body_len, 2);
    int32_t code;
    char msg[16];
    ASSERT_OK(kfb_rpc_decode_error(r.body, r.body_len, &code, msg, sizeof msg));
    ASSERT_EQ_INT(code, 46);
    ASSERT_STREQ(msg, "");
    free(p);
    /* errors */
    ASSERT_ERR(kfb_rpc_decode_response_header((const uint8_t *)"", 0, &r), KFB_ERR_TRUNCATED);
    p = kfb_test_unhex("01 00 00 00", &n);
    ASSERT_ERR(kfb_rpc_decode_response_header(p, n, &r), KFB_ERR_TRUNCATED);
    free(p);
    p = kfb_test_unhex("03 00 00 00 01", &n);
    ASSERT_ERR(kfb_rpc_decode_response_header(p, n, &r), KFB_ERR_RPC_BAD_RESPONSE_TYPE);
    free(p);
}

TEST(request_header_decode) {
    kfb_rpc_request_hdr_t h;
    size_t n;
    uint8_t *p = kfb_test_unhex("03 f8 00 02 ff ff ff ff 08 01", &n);
    ASSERT_OK(kfb_rpc_decode_request_header(p, n, &h));
    ASSERT_EQ_INT(h.api_key, 1016);
    ASSERT_EQ_INT(h.api_version, 2);
    ASSERT_EQ_INT(h.request_id, -1);
    ASSERT_EQ_INT(h.body_len, 2);
    ASSERT_ERR(kfb_rpc_decode_request_header(p, 7, &h), KFB_ERR_TRUNCATED);
    ASSERT_OK(kfb_rpc_decode_request_header(p, 8, &h));
    ASSERT_EQ_INT(h.body_len, 0);
    free(p);
}

TEST(put_kv_response_with_unknown_fields) {
    /* PutKvResponse{buckets_resp=[{bucket_id=3, log_end_offset=300, pressure=0.5,
     * field 15 varint 1 (unknown), field 16 LEN "zz" (unknown)}]} and an unknown
     * top-level fixed32 field 9:
     *   0a 11 | 10 03 | 28 ac 02 | 35 00 00 00 3f | 78 01 | 82 01 02 7a 7a
     *   4d 01 02 03 04 */
    size_t n;
    uint8_t *p = kfb_test_unhex(
        "0a 11 10 03 28 ac 02 35 00 00 00 3f 78 01 82 01 02 7a 7a 4d 01 02 03 04", &n);
    ProtobufCMessage *m;
    ASSERT_OK(kfb_rpc_unpack(&fluss__put_kv_response__descriptor, p, n, &m));
    Fluss__PutKvResponse *r = (Fluss__PutKvResponse *)m;
    ASSERT_EQ_INT(r->n_buckets_resp, 1);
    ASSERT_EQ_INT(r->buckets_resp[0]->bucket_id, 3);
    ASSERT_FALSE(r->buckets_resp[0]->has_error_code);
    ASSERT_FALSE(r->buckets_resp[0]->has_partition_id);
    ASSERT_TRUE(r->buckets_resp[0]->has_log_end_offset);
    ASSERT_EQ_INT(r->buckets_resp[0]->log_end_offset, 300);
    ASSERT_TRUE(r->buckets_resp[0]->has_pressure);
    ASSERT_EQ_DBL(r->buckets_resp[0]->pressure, 0.5);
    protobuf_c_message_free_unpacked(m, NULL);
    free(p);
}

TEST(response_missing_required_field) {
    /* PbPutKvRespForBucket without bucket_id (required): 0a 02 28 01 */
    size_t n;
    uint8_t *p = kfb_test_unhex("0a 02 28 01", &n);
    ProtobufCMessage *m = (ProtobufCMessage *)1;
    ASSERT_ERR(kfb_rpc_unpack(&fluss__put_kv_response__descriptor, p, n, &m),
               KFB_ERR_RPC_BAD_BODY);
    ASSERT_TRUE(m == NULL);
    free(p);
    /* InitWriterResponse with nothing in it: writer_id is required */
    ASSERT_ERR(kfb_rpc_unpack(&fluss__init_writer_response__descriptor, NULL, 0, &m),
               KFB_ERR_RPC_BAD_BODY);
    /* ErrorResponse without error_code */
    p = kfb_test_unhex("12 01 78", &n);
    int32_t code;
    ASSERT_ERR(kfb_rpc_decode_error(p, n, &code, NULL, 0), KFB_ERR_RPC_BAD_BODY);
    free(p);
}

TEST(truncated_bodies_every_prefix) {
    /* Every strict prefix of a GetTableInfoResponse that cuts a field is rejected;
     * no prefix crashes. Full body:
     *   08 05 | 10 01 | 1a 02 7b 7d | 20 01 | 28 02  (id 5, schema 1, "{}", times) */
    size_t n;
    uint8_t *p = kfb_test_unhex("08 05 10 01 1a 02 7b 7d 20 01 28 02", &n);
    ProtobufCMessage *m;
    ASSERT_OK(kfb_rpc_unpack(&fluss__get_table_info_response__descriptor, p, n, &m));
    Fluss__GetTableInfoResponse *r = (Fluss__GetTableInfoResponse *)m;
    ASSERT_EQ_INT(r->table_id, 5);
    ASSERT_MEMEQ(r->table_json.data, r->table_json.len, "{}", 2);
    protobuf_c_message_free_unpacked(m, NULL);
    for (size_t cut = 0; cut < n; cut++)
        ASSERT_ERR(kfb_rpc_unpack(&fluss__get_table_info_response__descriptor, p, cut, &m),
                   KFB_ERR_RPC_BAD_BODY);
    free(p);
    /* a length that points past the end */
    p = kfb_test_unhex("08 05 10 01 1a 7f 7b 7d 20 01 28 02", &n);
    ASSERT_ERR(kfb_rpc_unpack(&fluss__get_table_info_response__descriptor, p, n, &m),
               KFB_ERR_RPC_BAD_BODY);
    free(p);
}

TEST(api_table) {
    ASSERT_STREQ(kfb_rpc_api_name(1016), "PutKv");
    ASSERT_STREQ(kfb_rpc_api_name(4242), "unknown");
    int16_t lo = -9, hi = -9;
    ASSERT_TRUE(kfb_rpc_api_client_versions(KFB_API_PUT_KV, &lo, &hi));
    ASSERT_EQ_INT(lo, 0);
    ASSERT_EQ_INT(hi, 2);
    ASSERT_FALSE(kfb_rpc_api_client_versions(1, &lo, &hi));
    ASSERT_EQ_INT(kfb_rpc_api_index(KFB_API_AUTHENTICATE), kfb_rpc_api_count - 1);
}

TEST(fluss_error_table) {
    /* classes from fluss-protocol.md §11 / the exception class hierarchy */
    ASSERT_STREQ(kfb_fluss_err_name(12), "NOT_LEADER_OR_FOLLOWER");
    ASSERT_EQ_INT(kfb_fluss_err_class(12), KFB_FLUSS_CLASS_REFRESH);
    ASSERT_EQ_INT(kfb_fluss_err_class(1), KFB_FLUSS_CLASS_REFRESH);
    ASSERT_EQ_INT(kfb_fluss_err_class(44), KFB_FLUSS_CLASS_REFRESH);
    ASSERT_EQ_INT(kfb_fluss_err_class(21), KFB_FLUSS_CLASS_REFRESH);
    ASSERT_EQ_INT(kfb_fluss_err_class(72), KFB_FLUSS_CLASS_RETRY);
    ASSERT_EQ_INT(kfb_fluss_err_class(9), KFB_FLUSS_CLASS_RETRY);
    ASSERT_EQ_INT(kfb_fluss_err_class(28), KFB_FLUSS_CLASS_RETRY);
    ASSERT_EQ_INT(kfb_fluss_err_class(57), KFB_FLUSS_CLASS_FATAL);
    ASSERT_EQ_INT(kfb_fluss_err_class(31), KFB_FLUSS_CLASS_SPECIAL);
    ASSERT_EQ_INT(kfb_fluss_err_class(0), KFB_FLUSS_CLASS_NONE);
    ASSERT_TRUE(kfb_fluss_err_retriable(70));
    ASSERT_FALSE(kfb_fluss_err_retriable(-1));
    ASSERT_FALSE(kfb_fluss_err_retriable(46));
    /* unknown codes behave like UNKNOWN_SERVER_ERROR (Errors.forCode) */
    ASSERT_STREQ(kfb_fluss_err_name(9999), "UNKNOWN_SERVER_ERROR");
    ASSERT_STREQ(kfb_fluss_err_name(-7), "UNKNOWN_SERVER_ERROR");
    ASSERT_EQ_INT(kfb_fluss_err_class(9999), KFB_FLUSS_CLASS_FATAL);
    ASSERT_STREQ(kfb_fluss_err_name(73), "HISTORICAL_PARTITION_THROTTLED");
    ASSERT_STREQ(kfb_fluss_errclass_name(KFB_FLUSS_CLASS_REFRESH), "retriable+refresh");
}
