/*
 * fluss_writer.h - the idempotent PutKv writer inside the Fluss client: what the
 * client's I/O thread calls each loop turn. Internal to the client (fluss_client.c
 * and fluss_writer.c); applications use kfb_fluss_client_submit / _poll / _flush
 * from fluss_client.h, which fluss_writer.c implements.
 *
 * All functions here run on the I/O thread, except kfb_fluss_writer_discard
 * (kfb_fluss_client_destroy, after the I/O thread has stopped). They own the
 * batches: a batch moves submit queue -> partition resolver -> bucket queue ->
 * completion queue, and is freed after its delivery callback.
 */
#ifndef KFB_FLUSS_WRITER_H
#define KFB_FLUSS_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "fluss_client.h"

/* Moves submitted batches to their bucket queues, or to a partition resolver
 * when they name a partition whose id is not known yet. */
void kfb_fluss_writer_take_submissions(kfb_fluss_client_t *c);

/* Sends the Metadata / CreatePartition requests of pending partition names and
 * moves batches whose partition got an id on to their buckets. */
void kfb_fluss_writer_drive_resolvers(kfb_fluss_client_t *c, int64_t now);

/* Sends InitWriter when there is no writer id (first batch, or after a reset). */
void kfb_fluss_writer_maybe_init(kfb_fluss_client_t *c, int64_t now);

/* Stamps and sends what each bucket may send now (in-flight cap, retries,
 * back-off, backpressure, delivery timeout), one PutKv per leader and table. */
void kfb_fluss_writer_schedule(kfb_fluss_client_t *c, int64_t now);

/* Frees the spare batch records and buffers kept for reuse (client destroy). */
void kfb_fluss_writer_free_spares(kfb_fluss_client_t *c);

/* Frees every batch and completion still held; returns how many batches will
 * never see their delivery callback. */
size_t kfb_fluss_writer_discard(kfb_fluss_client_t *c);

#endif
