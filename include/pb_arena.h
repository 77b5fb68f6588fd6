/*
 * pb_arena.h - a bump allocator for protobuf-c unpacking, so that decoding a
 * steady stream of responses (PutKvResponse on the Fluss client's I/O thread)
 * allocates nothing.
 *
 * The arena owns one buffer of a fixed capacity, allocated at _new. Allocations
 * are carved from it (aligned for any type); one that does not fit is taken from
 * malloc and kept on a list, so a response larger than the arena still decodes.
 * free() through the allocator does nothing: everything is released at once by
 * kfb_pb_arena_reset (the buffer is reused, overflow blocks are freed) and by
 * _destroy. A message unpacked with the allocator must not be used after the
 * reset; protobuf_c_message_free_unpacked(m, allocator) is allowed and a no-op.
 *
 * Not thread-safe: one arena per thread that unpacks.
 */
#ifndef KFB_PB_ARENA_H
#define KFB_PB_ARENA_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

typedef struct kfb_pb_arena kfb_pb_arena_t;

/* An arena of `capacity` bytes. NULL when out of memory. */
kfb_pb_arena_t *kfb_pb_arena_new(size_t capacity);
void kfb_pb_arena_destroy(kfb_pb_arena_t *a);

/* The allocator to pass to protobuf_c_message_unpack / _free_unpacked. Owned by the
 * arena, valid until _destroy. */
ProtobufCAllocator *kfb_pb_arena_allocator(kfb_pb_arena_t *a);

/* Releases everything allocated since the last reset. */
void kfb_pb_arena_reset(kfb_pb_arena_t *a);

/* Bytes of the buffer in use now, and allocations that did not fit (malloc'd)
 * since _new: for tests and tuning. */
size_t kfb_pb_arena_used(const kfb_pb_arena_t *a);
size_t kfb_pb_arena_overflows(const kfb_pb_arena_t *a);

#endif
