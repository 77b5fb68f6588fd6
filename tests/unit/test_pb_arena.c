/* test_pb_arena.c - the protobuf-c bump allocator: allocations come from the buffer
 * (aligned, in bounds), an allocation that does not fit is malloc'd and still usable,
 * reset reuses the buffer, and a PutKvResponse unpacks through it whether it fits or
 * not. Bodies are hand-encoded from FlussApi.proto field numbers (apache/fluss
 * fluss-rpc/src/main/proto/FlussApi.proto: PutKvResponse.buckets_resp = 1;
 * PbPutKvRespForBucket: partition_id = 1, bucket_id = 2, error_code = 3,
 * error_message = 4), not by our encoder. */
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

#include "fluss_api.pb-c.h"
#include "pb_arena.h"
#include "rpc_frame.h"

TEST(pb_arena_allocations_in_bounds_and_aligned) {
    kfb_pb_arena_t *a = kfb_pb_arena_new(256);
    ASSERT_TRUE(a != NULL);
    ProtobufCAllocator *al = kfb_pb_arena_allocator(a);
    unsigned char *p1 = al->alloc(al->allocator_data, 3);
    unsigned char *p2 = al->alloc(al->allocator_data, 17);
    ASSERT_TRUE(p1 && p2);
    ASSERT_EQ_INT((uintptr_t)p1 % alignof(max_align_t), 0);
    ASSERT_EQ_INT((uintptr_t)p2 % alignof(max_align_t), 0);
    ASSERT_TRUE(p2 >= p1 + 3); /* no overlap */
    memset(p1, 0xaa, 3);
    memset(p2, 0xbb, 17);
    ASSERT_EQ_INT(p1[2], 0xaa);
    ASSERT_EQ_INT(kfb_pb_arena_overflows(a), 0);
    ASSERT_LE_INT(kfb_pb_arena_used(a), 256);
    al->free(al->allocator_data, p1); /* a no-op: the space comes back at reset */
    ASSERT_GE_INT(kfb_pb_arena_used(a), 20);
    kfb_pb_arena_reset(a);
    ASSERT_EQ_INT(kfb_pb_arena_used(a), 0);
    unsigned char *p3 = al->alloc(al->allocator_data, 8);
    ASSERT_EQ_PTR(p3, p1); /* reset reuses the buffer from its start */
    kfb_pb_arena_destroy(a);
}

TEST(pb_arena_overflow_is_malloced_and_freed_at_reset) {
    kfb_pb_arena_t *a = kfb_pb_arena_new(64);
    ASSERT_TRUE(a != NULL);
    ProtobufCAllocator *al = kfb_pb_arena_allocator(a);
    unsigned char *in = al->alloc(al->allocator_data, 48);
    unsigned char *big = al->alloc(al->allocator_data, 1000); /* larger than the arena */
    unsigned char *rest = al->alloc(al->allocator_data, 32);  /* 64 - 48 rounded: no room */
    ASSERT_TRUE(in && big && rest);
    memset(big, 0x5a, 1000); /* ASan checks that all of it is ours */
    memset(rest, 0x5b, 32);
    ASSERT_EQ_INT(kfb_pb_arena_overflows(a), 2);
    ASSERT_LE_INT(kfb_pb_arena_used(a), 64);
    kfb_pb_arena_reset(a); /* frees both (LeakSanitizer would report them otherwise) */
    ASSERT_EQ_INT(kfb_pb_arena_used(a), 0);
    ASSERT_TRUE(al->alloc(al->allocator_data, 48) != NULL);
    ASSERT_EQ_INT(kfb_pb_arena_overflows(a), 2); /* fits again after the reset */
    unsigned char *left = al->alloc(al->allocator_data, 200);
    ASSERT_TRUE(left != NULL);
    kfb_pb_arena_destroy(a); /* frees an overflow block not reset yet */
}

TEST(pb_arena_zero_capacity_all_overflow) {
    kfb_pb_arena_t *a = kfb_pb_arena_new(0);
    ASSERT_TRUE(a != NULL);
    ProtobufCAllocator *al = kfb_pb_arena_allocator(a);
    ASSERT_TRUE(al->alloc(al->allocator_data, 1) != NULL);
    ASSERT_EQ_INT(kfb_pb_arena_overflows(a), 1);
    kfb_pb_arena_destroy(a);
}

/* PutKvResponse{buckets_resp: [{bucket_id: 3}, {partition_id: 7, bucket_id: 1,
 * error_code: 5, error_message: "busy"}]} */
static const uint8_t putkv_resp[] = {
    0x0a, 0x02, 0x10, 0x03,                                           /* #1 LEN 2: bucket 3 */
    0x0a, 0x0c, 0x08, 0x07, 0x10, 0x01, 0x18, 0x05, 0x22, 0x04, 'b', 'u', 's', 'y',
};

static void check_resp(kfb_pb_arena_t *a) {
    ProtobufCMessage *m = NULL;
    ASSERT_OK(kfb_rpc_unpack_with(&fluss__put_kv_response__descriptor, kfb_pb_arena_allocator(a),
                                  putkv_resp, sizeof putkv_resp, &m));
    Fluss__PutKvResponse *r = (Fluss__PutKvResponse *)m;
    ASSERT_EQ_INT(r->n_buckets_resp, 2);
    ASSERT_EQ_INT(r->buckets_resp[0]->bucket_id, 3);
    ASSERT_FALSE(r->buckets_resp[0]->has_partition_id);
    ASSERT_EQ_INT(r->buckets_resp[1]->partition_id, 7);
    ASSERT_EQ_INT(r->buckets_resp[1]->bucket_id, 1);
    ASSERT_EQ_INT(r->buckets_resp[1]->error_code, 5);
    ASSERT_STREQ(r->buckets_resp[1]->error_message, "busy");
    protobuf_c_message_free_unpacked(m, kfb_pb_arena_allocator(a)); /* allowed, a no-op */
    kfb_pb_arena_reset(a);
}

TEST(pb_arena_unpacks_putkv_response_in_arena) {
    kfb_pb_arena_t *a = kfb_pb_arena_new(4096);
    ASSERT_TRUE(a != NULL);
    for (int i = 0; i < 3; i++) check_resp(a); /* repeated decode reuses the buffer */
    ASSERT_EQ_INT(kfb_pb_arena_overflows(a), 0);
    kfb_pb_arena_destroy(a);
}

TEST(pb_arena_unpacks_response_larger_than_arena) {
    kfb_pb_arena_t *a = kfb_pb_arena_new(32);
    ASSERT_TRUE(a != NULL);
    check_resp(a);
    ASSERT_GT_INT(kfb_pb_arena_overflows(a), 0);
    kfb_pb_arena_destroy(a);
}

TEST(pb_arena_bad_body_leaves_nothing_behind) {
    kfb_pb_arena_t *a = kfb_pb_arena_new(32);
    ASSERT_TRUE(a != NULL);
    ProtobufCMessage *m = NULL;
    /* truncated: the second entry claims 12 bytes, 4 follow */
    ASSERT_ERR(kfb_rpc_unpack_with(&fluss__put_kv_response__descriptor, kfb_pb_arena_allocator(a),
                                   putkv_resp, 10, &m),
               KFB_ERR_RPC_BAD_BODY);
    kfb_pb_arena_reset(a);
    ASSERT_EQ_INT(kfb_pb_arena_used(a), 0);
    kfb_pb_arena_destroy(a);
}
