/*
 * fluss_ts_client.h - a blocking loopback client for tests that drive the Fluss
 * test server with hand-built frames (rpc_frame.h + protobuf-c structs).
 *
 * Every call waits at most `KFB_TC_TIMEOUT_MS` (10 s) so a server that never
 * answers fails the test instead of hanging it; tests never assert on time.
 * Ownership: kfb_tc_recv fills a caller-owned kfb_tc_frame_t whose payload is
 * freed with kfb_tc_frame_free.
 */
#ifndef KFB_FLUSS_TS_CLIENT_H
#define KFB_FLUSS_TS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "rpc_frame.h"

#define KFB_TC_TIMEOUT_MS 10000

/* TableDescriptor JSON (fluss-protocol.md §5.1) of the tests' table: id INTEGER NOT
 * NULL primary key, name STRING; unpartitioned, bucket key = primary key. */
extern const char *const KFB_TC_USERS_DESC;

/* A partitioned table (§12): id INT, dt STRING partition key, primary key (id, dt),
 * so the physical primary key (and the key bytes) is id alone. */
extern const char *const KFB_TC_PARTITIONED_DESC;

/* The 44-byte KV batch of fluss-protocol.md §9.4 as kfb_test_unhex input (derived;
 * its CRC was computed with Java's CRC32C): schema 1, writer 7, sequence 0, two
 * records: upsert (1, "a") and delete id=2. */
#define KFB_TC_BATCH_94                                                                   \
    "28 00 00 00 00 d6 9d 42 f1 01 00 00 07 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00" \
    " 06 00 00 00 01 01 00 01 01 61 02 00 00 00 01 02"

/* Connects to 127.0.0.1:port; -1 when refused. */
int kfb_tc_connect(int port);
/* Sends a request frame; 0 on success. */
int kfb_tc_send(int fd, int16_t api_key, int16_t api_version, int32_t request_id,
                const ProtobufCMessage *body);
int kfb_tc_send_raw(int fd, const void *p, size_t n);

typedef struct kfb_tc_frame {
    uint8_t *payload;  /* after the length prefix */
    size_t len;
    kfb_rpc_response_t resp; /* decoded header; body points into payload */
} kfb_tc_frame_t;

/* 1 = a frame, 0 = the server closed the connection, -1 = timeout/error. */
int kfb_tc_recv(int fd, kfb_tc_frame_t *out);
void kfb_tc_frame_free(kfb_tc_frame_t *f);

/* Sends and receives one SUCCESS response, unpacked with desc (caller frees
 * with protobuf_c_message_free_unpacked); NULL on anything else. */
ProtobufCMessage *kfb_tc_call(int fd, int16_t api_key, int16_t api_version, int32_t request_id,
                              const ProtobufCMessage *body,
                              const ProtobufCMessageDescriptor *desc);
/* Sends and expects an ERROR_RESPONSE; returns its error code (INT32_MIN on
 * anything else). */
int32_t kfb_tc_call_error(int fd, int16_t api_key, int16_t api_version, int32_t request_id,
                          const ProtobufCMessage *body);

#endif
