/* pb_arena.c - bump allocator for protobuf-c unpacking (see pb_arena.h). */
#include "pb_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#define ALIGN alignof(max_align_t)

/* An allocation that did not fit: a header in front of the caller's bytes. */
typedef union overflow {
    union overflow *next;
    max_align_t align_;
} overflow_t;

struct kfb_pb_arena {
    ProtobufCAllocator alloc; /* allocator_data points back at the arena */
    unsigned char *buf;
    size_t cap, used;
    overflow_t *overflow;
    size_t n_overflows;
};

static void *arena_alloc(void *data, size_t size) {
    kfb_pb_arena_t *a = data;
    size_t n = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n >= size && n <= a->cap - a->used) {
        void *p = a->buf + a->used;
        a->used += n;
        return p;
    }
    if (size > SIZE_MAX - sizeof(overflow_t)) return NULL;
    overflow_t *o = malloc(sizeof *o + size);
    if (!o) return NULL;
    o->next = a->overflow;
    a->overflow = o;
    a->n_overflows++;
    return o + 1;
}

/* Everything goes at the reset. */
static void arena_free(void *data, void *p) {
    (void)data;
    (void)p;
}

kfb_pb_arena_t *kfb_pb_arena_new(size_t capacity) {
    kfb_pb_arena_t *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    capacity &= ~(size_t)(ALIGN - 1);
    if (capacity && !(a->buf = malloc(capacity))) {
        free(a);
        return NULL;
    }
    a->cap = capacity;
    a->alloc.alloc = arena_alloc;
    a->alloc.free = arena_free;
    a->alloc.allocator_data = a;
    return a;
}

void kfb_pb_arena_reset(kfb_pb_arena_t *a) {
    for (overflow_t *o = a->overflow, *n; o; o = n) {
        n = o->next;
        free(o);
    }
    a->overflow = NULL;
    a->used = 0;
}

void kfb_pb_arena_destroy(kfb_pb_arena_t *a) {
    if (!a) return;
    kfb_pb_arena_reset(a);
    free(a->buf);
    free(a);
}

ProtobufCAllocator *kfb_pb_arena_allocator(kfb_pb_arena_t *a) { return &a->alloc; }
size_t kfb_pb_arena_used(const kfb_pb_arena_t *a) { return a->used; }
size_t kfb_pb_arena_overflows(const kfb_pb_arena_t *a) { return a->n_overflows; }
