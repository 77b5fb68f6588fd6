/*
 * fluss_writer.c - the idempotent PutKv writer of the Fluss client: per-bucket
 * batch queues, writer ids and sequences, in-flight accounting, response
 * handling, renumbering, retries, backpressure, delivery timeouts, partition
 * resolution by name, and the submit / poll / flush half of fluss_client.h.
 * Runs on the client's I/O thread (fluss_client.c), except the public calls at
 * the end.
 *
 * References (apache/fluss, fluss-client/src/main/java/org/apache/fluss/client/):
 * write/Sender.java (grouping per leader and table, response handling,
 * canRetry, "This batch will be dropped" for a retry whose writer id changed),
 * write/IdempotenceManager.java + IdempotenceBucketEntry.java (sequences,
 * duplicate / out-of-order rules, renumbering after a failed batch, writer
 * reset), write/RecordAccumulator.java (max 5 in flight per bucket; only batches
 * without a sequence are stamped; updateThrottle: delay = max_throttle * p^2,
 * p >= 1 -> full window), write/DynamicPartitionCreator.java (partition
 * resolution), fluss-protocol.md §10.5. Writer id, sequence and CRC of a batch
 * are (re)written by kfb_kv_batch_restamp() (kv_batch.h,
 * DefaultKvRecordBatch.java, §9.1), which also rejects a submitted batch whose
 * length, magic or CRC is wrong.
 *
 * Sessions and batches whose outcome is unknown (issue 11). A bucket writes
 * under one writer id at a time, its session: a batch gets the session's next
 * sequence when it is first sent and keeps it for every resend, so the server
 * acknowledges a resend of a batch it already applied as a duplicate. An attempt
 * whose outcome the client cannot learn (the connection failed or the deadline
 * passed after the request was handed to the connection, the response lacks
 * the bucket, or an answer that does not prove the batch was refused, such as
 * REQUEST_TIME_OUT or NOT_ENOUGH_REPLICAS_AFTER_APPEND, which Fluss gives after
 * applying it: kfb_fluss_err_putkv_not_applied) marks the batch maybe_applied
 * for good. Within a session that is harmless. When the session can no longer
 * be trusted (OUT_OF_ORDER_SEQUENCE / UNKNOWN_WRITER_ID on the next expected
 * batch, or a maybe-applied batch given up on) the bucket is "broken": it sends
 * nothing more under that id, waits for its batches in flight, and restarts
 * under a newer writer id (an InitWriter when the client's current id is the
 * broken one). At the restart every batch up to the last maybe-applied one ends
 * with WRITE_IN_DOUBT and is never sent under the new id: a resend would be a
 * new batch to the server and could apply old rows after newer ones (Java's
 * RecordAccumulator stamps only batches that have no sequence yet and its
 * Sender fails a retry whose writer id changed). The batches after it were
 * certainly not applied (each answer proved it, or they were never sent) and
 * are restamped 0, 1, ... behind them, so the in-doubt ones are delivered
 * first. Other buckets keep their sessions (Java resets every bucket, which
 * would put their unanswered batches in doubt for another bucket's trouble).
 */
#include "fluss_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fluss_api.pb-c.h"
#include "fluss_client_internal.h"
#include "fluss_conn.h"
#include "fluss_errors.h"
#include "kv_batch.h"
#include "logging.h"
#include "pb_arena.h"
#include "rpc_frame.h"

#define RETRY_BACKOFF_MAX_MS 1000
#define UNSENT_MAX ((size_t)1 << 20) /* request bytes waiting for the socket, per connection */

/* ------------------------------------------------------------------ types */

enum { B_QUEUED = 0, B_INFLIGHT, B_RETRY, B_DONE, B_FAILED };

/* One submitted batch. The struct is also its completion record: it goes to
 * c->done_head when it finishes (its bytes are freed then) and is freed after
 * its delivery callback, so finishing a batch never allocates. */
struct wbatch {
    struct wbatch *next;
    struct bucket *bk;
    int64_t table_id, partition_id;
    int32_t bucket_id;
    uint8_t *bytes; /* NULL once completed */
    size_t len;
    size_t bytes_counted; /* what it adds to c->outstanding_bytes */
    size_t bytes_cap;     /* allocated size of bytes (a spare buffer may be larger than len) */
    void *opaque;
    int state;
    int64_t writer_id;
    int32_t seq; /* -1 = not assigned yet */
    int renumbered;
    int attempts;
    int64_t submit_ms, next_try_ms;
    /* Some attempt's outcome is unknown: the batch may be in Fluss. Never
     * cleared. doubt_* say which attempt and what it got, for the message. */
    int maybe_applied;
    int doubt_attempt;
    kfb_err_t doubt_err;
    int32_t doubt_ferr;
    /* result (while waiting for a retry: the last answer) */
    kfb_err_t err;
    int32_t ferr;
    char *msg;
    int64_t leo;
    struct pinfo *pinfo; /* submitted by partition name, not resolved yet */
    /* PutKv-level options: a request only groups batches where both are equal
     * (ClientRpcMessageUtils.makePutKvRequest). targets points into the bytes
     * allocation (after the batch, 4-aligned); NULL = all columns. */
    const int32_t *targets;
    size_t n_targets;
    int32_t agg_mode;
};

/* Partition name and spec of a batch submitted by name: one allocation, the
 * strings follow the struct. */
typedef struct pinfo {
    char *name;
    size_t n;
    char **keys, **values;
    int create;
} pinfo_t;

/* Resolution of one (table, partition name) in the I/O thread: Metadata with
 * partitions_path, CreatePartition on PARTITION_NOT_EXISTS when allowed, then
 * Metadata again (DynamicPartitionCreator.java). Batches wait here meanwhile. */
enum { PR_LOOKUP = 0, PR_CREATE };
struct presolve {
    struct presolve *next;
    struct kfb_fluss_client *client;
    int64_t table_id;
    pinfo_t *pinfo; /* of the first batch */
    int state;
    int inflight;
    int attempts;
    int64_t next_try;
    char last_error[256]; /* why the last lookup / creation did not resolve it */
    wbatch_t *head, *tail;
};

struct bucket {
    struct bucket *hnext;
    int64_t table_id, partition_id;
    int32_t bucket_id;
    wbatch_t *head, *tail;
    int n_inflight;
    /* The session: sequences below belong to writer_id (-1 = none yet). */
    int64_t writer_id;
    int32_t next_seq, last_acked;
    /* The session's state on the server cannot be trusted any more: send
     * nothing under writer_id, restart under a newer id (bucket_restart). */
    int broken;
    char broken_why[192];
    int64_t throttle_until;
    struct bucket *anext; /* list of all buckets */
};

/* ------------------------------------------------------------------ writer */

/* Writes b's writer id and sequence into its bytes (kv_batch.h owns the header
 * layout and the CRC). Cannot fail for a batch that was stamped before: its CRC is
 * ours. */
static kfb_err_t restamp(wbatch_t *b) {
    return kfb_kv_batch_restamp(b->bytes, b->len, b->writer_id, b->seq);
}

/* "db.table" for messages (tables are only added, on this thread). */
static const char *tname(kfb_fluss_client_t *c, int64_t table_id, char *buf, size_t n) {
    table_t *t = kfb_fc_find_table(c, table_id);
    if (t) snprintf(buf, n, "%s.%s", t->db, t->name);
    else snprintf(buf, n, "id %lld", (long long)table_id);
    return buf;
}

static bucket_t *get_bucket(kfb_fluss_client_t *c, int64_t tid, int64_t pid, int32_t bid) {
    uint64_t h = ((uint64_t)tid * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)pid * 0xC2B2AE3D27D4EB4FULL) ^
                 (uint64_t)(uint32_t)bid * 0x165667B19E3779F9ULL;
    h = (h ^ (h >> 29)) % BUCKET_HASH;
    for (bucket_t *b = c->bhash[h]; b; b = b->hnext)
        if (b->table_id == tid && b->partition_id == pid && b->bucket_id == bid) return b;
    bucket_t *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->table_id = tid;
    b->partition_id = pid;
    b->bucket_id = bid;
    b->last_acked = -1;
    b->writer_id = -1;
    b->hnext = c->bhash[h];
    c->bhash[h] = b;
    b->anext = c->buckets;
    c->buckets = b;
    return b;
}

/* Drops the client's current writer id, so the next loop turn asks for a new
 * one; buckets whose session uses it restart under the new one. */
static void writer_reset(kfb_fluss_client_t *c, const char *why) {
    if (c->writer_id < 0) return;
    KFB_WARN(FAC, "resetting writer id %lld: %s", (long long)c->writer_id, why);
    c->writer_id = -1;
    pthread_mutex_lock(&c->lock);
    c->writer_id_pub = -1;
    pthread_mutex_unlock(&c->lock);
}

static void bucket_break(kfb_fluss_client_t *c, bucket_t *bk, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bucket_break(kfb_fluss_client_t *c, bucket_t *bk, const char *fmt, ...) {
    if (bk->broken || bk->writer_id < 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(bk->broken_why, sizeof bk->broken_why, fmt, ap);
    va_end(ap);
    bk->broken = 1;
    if (c->writer_id == bk->writer_id) writer_reset(c, bk->broken_why);
}

/* Sets b's message; when out of memory the callback gets the error's generic
 * message instead (a batch still completes). */
static void set_batch_msg(wbatch_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_batch_msg(wbatch_t *b, const char *fmt, ...) {
    char tmp[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    free(b->msg);
    b->msg = strdup(tmp);
}

static void wbatch_free(wbatch_t *b) {
    free(b->msg);
    free(b->bytes);
    free(b->pinfo);
    free(b);
}

/* Spares: a batch record and its byte buffer go back to the client when the batch is done,
 * and the next submit takes them instead of allocating (bounded: what a steady stream of
 * batches needs, not a cache of every size ever seen). All under c->lock. */
/* One PutKv request being built or in flight (pooled in c->free_reqs). */
typedef struct put_req {
    struct put_req *next; /* in c->free_reqs */
    kfb_fluss_client_t *client;
    int node;
    int64_t table_id;
    size_t bytes;
    int n, cap;
    wbatch_t **b;
} put_req_t;

#define SPARE_BATCHES_MAX 256
#define SPARE_BYTES_MAX ((size_t)4 << 20)
typedef struct spare_buf {
    struct spare_buf *next;
    size_t cap;
} spare_buf_t;

/* The spare that fits best (the smallest large enough), so that small batches leave the
 * large buffers to large ones. */
static uint8_t *spare_take_buf(kfb_fluss_client_t *c, size_t need, size_t *cap) {
    spare_buf_t **best = NULL;
    for (spare_buf_t **pp = &c->spare_bufs; *pp; pp = &(*pp)->next) {
        spare_buf_t *x = *pp;
        if (x->cap < need || (best && (*best)->cap <= x->cap)) continue;
        best = pp;
        if (x->cap - need <= need / 8) break; /* close enough */
    }
    if (!best) return NULL;
    spare_buf_t *x = *best;
    *best = x->next;
    c->spare_bytes -= x->cap;
    *cap = x->cap;
    return (uint8_t *)x;
}

/* Spares are kept up to SPARE_BYTES_MAX, and beyond that while spares and outstanding
 * batches together stay within the most bytes ever outstanding: the copies then never take
 * more memory than they already took at their peak, and a steady stream reuses buffers
 * (with a fixed cap alone, 3-5% of the batches of a busy stream allocated a new copy). */
static void spare_give_buf(kfb_fluss_client_t *c, uint8_t *p, size_t cap) {
    if (!p) return;
    if (cap < sizeof(spare_buf_t) ||
        (c->spare_bytes + cap > SPARE_BYTES_MAX && c->spare_bytes + c->outstanding_bytes > c->outstanding_hw)) {
        free(p);
        return;
    }
    spare_buf_t *x = (spare_buf_t *)(void *)p;
    x->cap = cap;
    x->next = c->spare_bufs;
    c->spare_bufs = x;
    c->spare_bytes += cap;
}

static void spare_give_batch(kfb_fluss_client_t *c, wbatch_t *b) {
    free(b->msg);
    free(b->pinfo);
    b->msg = NULL;
    b->pinfo = NULL;
    pthread_mutex_lock(&c->lock);
    spare_give_buf(c, b->bytes, b->bytes_cap);
    b->bytes = NULL;
    if (c->n_spare_batches < SPARE_BATCHES_MAX) {
        b->next = c->spare_batches;
        c->spare_batches = b;
        c->n_spare_batches++;
        b = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    free(b);
}

/* Frees the spares (client destroy). */
void kfb_fluss_writer_free_spares(kfb_fluss_client_t *c) {
    for (wbatch_t *b = c->spare_batches, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    c->spare_batches = NULL;
    c->n_spare_batches = 0;
    for (spare_buf_t *x = c->spare_bufs, *n; x; x = n) {
        n = x->next;
        free(x);
    }
    c->spare_bufs = NULL;
    c->spare_bytes = 0;
    for (put_req_t *pr = c->free_reqs, *n; pr; pr = n) {
        n = pr->next;
        free(pr->b);
        free(pr);
    }
    c->free_reqs = NULL;
    free(c->sched_reqs);
    c->sched_reqs = NULL;
    c->cap_sched_reqs = 0;
    free(c->sched_bb);
    free(c->sched_bp);
    c->sched_bb = c->sched_bp = NULL;
    c->cap_sched_b = 0;
    kfb_pb_arena_destroy(c->resp_arena);
    c->resp_arena = NULL;
}

/* Frees a list of batches linked by next; returns how many there were. */
static size_t wbatch_free_list(wbatch_t *b) {
    size_t n = 0;
    for (wbatch_t *next; b; b = next, n++) {
        next = b->next;
        wbatch_free(b);
    }
    return n;
}

/* Moves a finished batch that is no longer in any list to the completion
 * queue. Cannot fail: the batch is its own completion record. */
static void complete_batch(kfb_fluss_client_t *c, wbatch_t *b) {
    uint8_t *bytes = b->bytes;
    b->bytes = NULL;
    b->targets = NULL;
    b->n_targets = 0;
    free(b->pinfo);
    b->pinfo = NULL;
    b->next = NULL;
    pthread_mutex_lock(&c->lock);
    spare_give_buf(c, bytes, b->bytes_cap);
    if (c->done_tail) c->done_tail->next = b;
    else c->done_head = b;
    c->done_tail = b;
    pthread_mutex_unlock(&c->lock);
}

static void signal_done(kfb_fluss_client_t *c) {
    pthread_mutex_lock(&c->lock);
    pthread_cond_broadcast(&c->done_cond);
    pthread_mutex_unlock(&c->lock);
}

/* Moves finished batches at the head of a bucket to the completion queue, so
 * a bucket's batches are delivered in submit order. */
static void deliver_ready(kfb_fluss_client_t *c, bucket_t *bk) {
    int n = 0;
    while (bk->head && (bk->head->state == B_DONE || bk->head->state == B_FAILED)) {
        wbatch_t *b = bk->head;
        bk->head = b->next;
        if (!bk->head) bk->tail = NULL;
        complete_batch(c, b);
        n++;
    }
    if (n) signal_done(c);
}

static int retry_delay(kfb_fluss_client_t *c, int attempts) {
    int64_t d = c->conf.retry_backoff_ms;
    for (int i = 1; i < attempts && d < RETRY_BACKOFF_MAX_MS; i++) d *= 2;
    if (d > RETRY_BACKOFF_MAX_MS) d = RETRY_BACKOFF_MAX_MS;
    return (int)d;
}

static void throttle(kfb_fluss_client_t *c, bucket_t *bk, float p, int64_t now) {
    /* RecordAccumulator.updateThrottle */
    int64_t max = c->conf.backpressure_max_throttle_ms;
    int64_t delay = p >= 1.0f ? max : (int64_t)((double)max * p * p);
    if (delay > 0 && now + delay > bk->throttle_until) bk->throttle_until = now + delay;
}

/* What made b's outcome unknown, as a clause for messages. */
static void doubt_text(const wbatch_t *b, char *buf, size_t n) {
    if (b->doubt_err)
        snprintf(buf, n, "attempt %d ended with %s (%s) after the request was sent, so its "
                 "answer is unknown", b->doubt_attempt, kfb_err_name(b->doubt_err),
                 kfb_err_message(b->doubt_err));
    else if (b->doubt_ferr == KFB_FLUSS_REQUEST_TIME_OUT ||
             b->doubt_ferr == KFB_FLUSS_NOT_ENOUGH_REPLICAS_AFTER_APPEND_EXCEPTION)
        snprintf(buf, n, "attempt %d got %s (%d), which Fluss answers after the leader wrote "
                 "the batch", b->doubt_attempt, kfb_fluss_err_name(b->doubt_ferr), b->doubt_ferr);
    else
        snprintf(buf, n, "attempt %d got %s (%d), which does not tell whether the batch was "
                 "written", b->doubt_attempt, kfb_fluss_err_name(b->doubt_ferr), b->doubt_ferr);
}

/* Turns the failure of a maybe-applied batch into WRITE_IN_DOUBT; its message
 * (why the client gives up) becomes the "then" clause. */
static void mark_in_doubt(kfb_fluss_client_t *c, wbatch_t *b) {
    char tn[300], d[300];
    doubt_text(b, d, sizeof d);
    set_batch_msg(b, "batch for table %s bucket %d (writer id %lld, sequence %d) may or may not "
                  "have been written to Fluss: %s; then %s. It is not sent again: under a new "
                  "writer id a resend could be applied after newer batches of the bucket. Replay "
                  "it and what follows it in this bucket",
                  tname(c, b->table_id, tn, sizeof tn), b->bucket_id, (long long)b->writer_id,
                  b->seq, d, b->msg ? b->msg : kfb_err_message(b->err));
    b->err = KFB_ERR_WRITE_IN_DOUBT;
}

/* Ends b for good with err / ferr (its message set by the caller). A batch
 * that may have been applied ends with WRITE_IN_DOUBT instead and renumbers
 * nothing (its sequence may be recorded); the caller then breaks the bucket's
 * session if it still matters. */
static void fail_batch(kfb_fluss_client_t *c, bucket_t *bk, wbatch_t *b, kfb_err_t err,
                       int32_t ferr, int renumber_later) {
    b->state = B_FAILED;
    b->err = err;
    b->ferr = ferr;
    if (b->maybe_applied) {
        mark_in_doubt(c, b);
        return;
    }
    if (!renumber_later || b->seq < 0 || bk->broken || b->writer_id != bk->writer_id) return;
    /* IdempotenceBucketEntry.adjustSequencesDueToFailedBatch: the server never
     * recorded this sequence (every attempt was refused), so every later batch
     * moves down by one. None of them can have been applied under its old
     * number either: the server takes sequence n+1 only after n. */
    for (wbatch_t *x = b->next; x; x = x->next) {
        if (x->seq > b->seq && x->writer_id == b->writer_id &&
            (x->state == B_INFLIGHT || x->state == B_RETRY)) {
            x->seq--;
            (void)restamp(x); /* sent before, so stamped before: cannot fail */
            x->renumbered = 1;
            if (x->state == B_RETRY) x->next_try_ms = 0;
        }
    }
    bk->next_seq--;
}

/* Gives up on b (queued or waiting for a retry) because delivery_timeout_ms
 * passed; `why` says what it was waiting for. */
static void give_up_late(kfb_fluss_client_t *c, bucket_t *bk, wbatch_t *b, int64_t now,
                         const char *why) {
    char tn[300];
    set_batch_msg(b, "batch for table %s bucket %d not acknowledged within "
                  "delivery_timeout_ms=%d (%d attempts in %lld ms): %s",
                  tname(c, b->table_id, tn, sizeof tn), b->bucket_id,
                  c->conf.delivery_timeout_ms, b->attempts, (long long)(now - b->submit_ms), why);
    fail_batch(c, bk, b, KFB_ERR_TIMEOUT, b->attempts ? b->ferr : -1, 1);
    if (b->err == KFB_ERR_WRITE_IN_DOUBT)
        bucket_break(c, bk, "a batch whose outcome is unknown ran out of delivery time");
}

/* One bucket's answer to one send of batch b. ferr: Fluss code (0 ok); err:
 * transport error (then ferr is ignored). sent = 0 when the request never
 * reached the connection (built or queued unsuccessfully). */
static void batch_outcome(kfb_fluss_client_t *c, wbatch_t *b, int sent, kfb_err_t err,
                          int32_t ferr, const char *msg, int64_t leo, int has_pressure,
                          float pressure, int64_t now) {
    bucket_t *bk = b->bk;
    bk->n_inflight--;
    table_t *t = kfb_fc_find_table(c, b->table_id);
    if (!err && (ferr == 0 || ferr == KFB_FLUSS_DUPLICATE_SEQUENCE_EXCEPTION)) {
        b->state = B_DONE;
        b->leo = ferr == 0 ? leo : -1;
        if (b->writer_id == bk->writer_id && b->seq > bk->last_acked) bk->last_acked = b->seq;
        if (has_pressure && pressure > 0) throttle(c, bk, pressure, now);
        return;
    }
    /* Could this attempt have written the batch? Only an answer raised before
     * the changelog append proves it did not; API/auth failures of the
     * connection come before the request is written. */
    if (sent && !b->maybe_applied &&
        (err ? err != KFB_ERR_RPC_API_UNSUPPORTED && err != KFB_ERR_RPC_AUTH_FAILED
             : !kfb_fluss_err_putkv_not_applied(ferr))) {
        b->maybe_applied = 1;
        b->doubt_attempt = b->attempts;
        b->doubt_err = err;
        b->doubt_ferr = err ? -1 : ferr;
    }
    const char *ename = err ? kfb_err_name(err) : kfb_fluss_err_name(ferr);
    char tn[300];
    int retry = 0;
    if (!err && (ferr == KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION ||
                 ferr == KFB_FLUSS_UNKNOWN_WRITER_ID_EXCEPTION)) {
        if (b->writer_id == bk->writer_id && b->seq >= 0 && b->seq <= bk->last_acked) {
            /* a later batch of the session was acknowledged, so this one was
             * applied and its answer lost (Java isAlreadyCommitted) */
            b->state = B_DONE;
            b->leo = -1;
            return;
        }
        /* Either code means this attempt was not applied under the session.
         * Only the batch that IS the next expected sequence tells that the
         * server lost or rejects the session's state (Java
         * IdempotenceManager.canRetry / handleFailedBatch): it fails and the
         * bucket restarts under a new writer id. It fails as FLUSS_RETRIABLE
         * (not written; submitting it again works), since the cause is the
         * server's writer state (e.g. expired after
         * server.writer-id.expiration-time of idleness), not the batch. Any
         * other batch (renumbered, behind an unanswered one, or in a session
         * already broken) waits for a resend with the same sequence or for
         * that restart. A batch with an earlier attempt of unknown outcome is
         * NOT restamped by the restart: it ends with WRITE_IN_DOUBT
         * (fail_batch, bucket_restart). Tests: test_fluss_client_order.c
         * writer_reset_*, test_fluss_writer_in_doubt.c. */
        if (bk->broken || b->renumbered || b->seq != bk->last_acked + 1) {
            retry = 1;
        } else {
            set_batch_msg(b, "PutKv for table %s bucket %d: %s (%d) on the next expected batch "
                          "(sequence %d of writer id %lld)%s%s; the writer id will be reset. The "
                          "batch was not written: submit it again",
                          tname(c, b->table_id, tn, sizeof tn), b->bucket_id, ename, ferr,
                          b->seq, (long long)b->writer_id, msg && *msg ? ": " : "",
                          msg ? msg : "");
            bucket_break(c, bk, "%s (%d) on the next expected batch of table %s bucket %d", ename,
                         ferr, tn, b->bucket_id);
            fail_batch(c, bk, b, KFB_ERR_FLUSS_RETRIABLE, ferr, 0);
            return;
        }
    } else if (err) {
        retry = err != KFB_ERR_RPC_API_UNSUPPORTED && err != KFB_ERR_RPC_AUTH_FAILED;
        if (retry && t) t->stale = 1; /* connection trouble: the leader may have moved */
    } else {
        kfb_fluss_errclass_t cls = kfb_fluss_err_class(ferr);
        if (cls == KFB_FLUSS_CLASS_RETRY || cls == KFB_FLUSS_CLASS_REFRESH ||
            ferr == KFB_FLUSS_RETRIABLE_AUTHENTICATE_EXCEPTION) {
            retry = 1;
            if (cls == KFB_FLUSS_CLASS_REFRESH && t) t->stale = 1;
            if (ferr == KFB_FLUSS_STORAGE_BACKPRESSURE_EXCEPTION) throttle(c, bk, 1.0f, now);
        }
    }
    if (retry) {
        /* the last answer, for the message if the batch is given up on */
        b->err = err;
        b->ferr = err ? -1 : ferr;
        set_batch_msg(b, "last error %s%s%s", ename, msg && *msg ? ": " : "", msg ? msg : "");
        if (c->conf.delivery_timeout_ms > 0 && now - b->submit_ms >= c->conf.delivery_timeout_ms) {
            char why[1100];
            snprintf(why, sizeof why, "%s", b->msg ? b->msg : ename);
            give_up_late(c, bk, b, now, why);
            return;
        }
        b->state = B_RETRY;
        b->next_try_ms = now + retry_delay(c, b->attempts);
        kfb_fc_timer_at(c, b->next_try_ms);
        KFB_DEBUG(FAC, "retrying batch seq %d of table %lld bucket %d: %s %s", b->seq,
                  (long long)b->table_id, b->bucket_id, ename, msg ? msg : "");
        return;
    }
    set_batch_msg(b, "PutKv for table %lld%s bucket %d failed: %s (%d)%s%s", (long long)b->table_id,
                  b->partition_id >= 0 ? " (partitioned)" : "", b->bucket_id, ename,
                  err ? (int)err : ferr, msg && *msg ? ": " : "", msg ? msg : "");
    fail_batch(c, bk, b, err ? err : KFB_ERR_FLUSS_ERROR, err ? -1 : ferr, 1);
    if (b->err == KFB_ERR_WRITE_IN_DOUBT)
        bucket_break(c, bk, "a batch whose outcome is unknown failed for good (%s)", ename);
}

/* A request record from the pool (its batch array kept), or a new one. */
static put_req_t *put_req_get(kfb_fluss_client_t *c) {
    put_req_t *pr = c->free_reqs;
    if (pr) {
        c->free_reqs = pr->next;
    } else if (!(pr = calloc(1, sizeof *pr))) {
        return NULL;
    }
    pr->next = NULL;
    pr->client = c;
    pr->bytes = 0;
    pr->n = 0;
    return pr;
}

static void put_req_put(kfb_fluss_client_t *c, put_req_t *pr) {
    pr->next = c->free_reqs;
    c->free_reqs = pr;
}

/* PutKvResponses are a few hundred bytes; a larger one overflows to malloc. */
#define RESP_ARENA_BYTES ((size_t)64 << 10)

static void putkv_done_cb(kfb_fluss_conn_t *conn, kfb_err_t err, const kfb_rpc_response_t *resp,
                          void *opaque) {
    put_req_t *pr = opaque;
    kfb_fluss_client_t *c = pr->client;
    int64_t now = kfb_fluss_now_ms();
    if (c->shutting_down) {
        put_req_put(c, pr);
        return;
    }
    char msg[512] = "";
    Fluss__PutKvResponse *r = NULL;
    ProtobufCMessage *m = NULL;
    int32_t code = 0;
    if (err) {
        snprintf(msg, sizeof msg, "%s", kfb_fluss_conn_last_error(conn));
    } else if (resp->type == KFB_RPC_RESP_ERROR) {
        if (kfb_rpc_decode_error(resp->body, resp->body_len, &code, msg, sizeof msg) != KFB_ERR_OK)
            code = -1;
    } else if ((!c->resp_arena && !(c->resp_arena = kfb_pb_arena_new(RESP_ARENA_BYTES))) ||
               kfb_rpc_unpack_with(&fluss__put_kv_response__descriptor,
                                   kfb_pb_arena_allocator(c->resp_arena), resp->body,
                                   resp->body_len, &m) != KFB_ERR_OK) {
        err = KFB_ERR_RPC_BAD_BODY;
        snprintf(msg, sizeof msg, "unparsable PutKvResponse from %s:%d", kfb_fluss_conn_host(conn),
                 kfb_fluss_conn_port(conn));
    } else {
        r = (Fluss__PutKvResponse *)m;
    }
    for (int i = 0; i < pr->n; i++) {
        wbatch_t *b = pr->b[i];
        if (!r) {
            batch_outcome(c, b, 1, err, code, msg, -1, 0, 0, now);
        } else {
            const Fluss__PbPutKvRespForBucket *br = NULL;
            for (size_t j = 0; j < r->n_buckets_resp; j++) {
                const Fluss__PbPutKvRespForBucket *x = r->buckets_resp[j];
                int64_t pid = x->has_partition_id ? x->partition_id : -1;
                if (x->bucket_id == b->bucket_id && pid == b->partition_id) br = x;
            }
            if (!br)
                batch_outcome(c, b, 1, KFB_ERR_PROTOCOL, -1, "the PutKv response has no entry "
                              "for this bucket", -1, 0, 0, now);
            else
                batch_outcome(c, b, 1, KFB_ERR_OK, br->has_error_code ? br->error_code : 0,
                              br->error_message, br->has_log_end_offset ? br->log_end_offset : -1,
                              br->has_pressure, br->pressure, now);
        }
    }
    if (c->resp_arena) kfb_pb_arena_reset(c->resp_arena); /* m with it */
    for (int i = 0; i < pr->n; i++) deliver_ready(c, pr->b[i]->bk);
    put_req_put(c, pr);
}

/* Can b travel in the same PutKv request as a? (one target list, one agg_mode) */
static int same_put_options(const wbatch_t *a, const wbatch_t *b) {
    if (a->agg_mode != b->agg_mode || a->n_targets != b->n_targets) return 0;
    return a->n_targets == 0 ||
           memcmp(a->targets, b->targets, a->n_targets * sizeof *a->targets) == 0;
}

static int put_req_add(put_req_t *pr, wbatch_t *b) {
    if (pr->n == pr->cap) {
        kfb_fluss_client_t *c = pr->client;
        int nc = pr->cap ? pr->cap * 2 : 8;
        if (nc < c->max_req_batches) nc = c->max_req_batches; /* grown once, not step by step */
        if (nc > c->max_req_batches) c->max_req_batches = nc;
        wbatch_t **nb = realloc(pr->b, (size_t)nc * sizeof *nb);
        if (!nb) return -1;
        pr->b = nb;
        pr->cap = nc;
    }
    pr->b[pr->n++] = b;
    pr->bytes += b->len;
    return 0;
}

static void init_writer_cb(kfb_fluss_conn_t *conn, kfb_err_t err, const kfb_rpc_response_t *resp,
                           void *opaque) {
    kfb_fluss_client_t *c = opaque;
    int64_t now = kfb_fluss_now_ms();
    c->init_inflight = 0;
    if (c->shutting_down) return;
    if (!err && resp->type == KFB_RPC_RESP_SUCCESS) {
        ProtobufCMessage *m;
        if (kfb_rpc_unpack(&fluss__init_writer_response__descriptor, resp->body, resp->body_len,
                           &m) == KFB_ERR_OK) {
            c->writer_id = ((Fluss__InitWriterResponse *)m)->writer_id;
            protobuf_c_message_free_unpacked(m, NULL);
            c->init_error[0] = 0;
            pthread_mutex_lock(&c->lock);
            c->writer_id_pub = c->writer_id;
            pthread_mutex_unlock(&c->lock);
            KFB_INFO(FAC, "writer id %lld from %s:%d", (long long)c->writer_id,
                     kfb_fluss_conn_host(conn), kfb_fluss_conn_port(conn));
            return;
        }
    }
    int32_t code = -1;
    char msg[256] = "";
    if (!err && resp->type == KFB_RPC_RESP_ERROR)
        kfb_rpc_decode_error(resp->body, resp->body_len, &code, msg, sizeof msg);
    snprintf(c->init_error, sizeof c->init_error, "InitWriter to %s:%d failed: %s%s%s",
             kfb_fluss_conn_host(conn), kfb_fluss_conn_port(conn),
             err ? kfb_fluss_conn_last_error(conn) : kfb_fluss_err_name(code), *msg ? ": " : "",
             msg);
    KFB_WARN(FAC, "%s; retrying", c->init_error);
    c->init_next_try = now + 500; /* WriterClient: 200/400/800 ms back-off */
}

void kfb_fluss_writer_maybe_init(kfb_fluss_client_t *c, int64_t now) {
    if (c->writer_id >= 0 || c->init_inflight || !c->buckets) return;
    if (now < c->init_next_try) {
        kfb_fc_timer_at(c, c->init_next_try);
        return;
    }
    int ni = kfb_fc_ready_or_any(c, NODE_TABLET, (int)(c->rng++ % 64));
    if (ni < 0) {
        snprintf(c->init_error, sizeof c->init_error, "no tablet server known yet to send "
                 "InitWriter to (cluster metadata missing)");
        kfb_fc_request_cluster_refresh(c);
        return;
    }
    /* The Java client lists the tables it writes to (§10.5). */
    Fluss__InitWriterRequest req = FLUSS__INIT_WRITER_REQUEST__INIT;
    Fluss__PbTablePath *paths = calloc((size_t)c->n_tables + 1, sizeof *paths);
    Fluss__PbTablePath **pp = calloc((size_t)c->n_tables + 1, sizeof *pp);
    if (!paths || !pp) {
        free(paths);
        free(pp);
        return;
    }
    for (int i = 0; i < c->n_tables; i++) {
        fluss__pb_table_path__init(&paths[i]);
        paths[i].database_name = c->tables[i].db;
        paths[i].table_name = c->tables[i].name;
        pp[i] = &paths[i];
    }
    req.n_table_path = (size_t)c->n_tables;
    req.table_path = pp;
    if (kfb_fluss_conn_send(c->nodes[ni].conn, KFB_API_INIT_WRITER, -1, &req.base,
                            c->conf.request_timeout_ms, now, init_writer_cb, c) == KFB_ERR_OK)
        c->init_inflight = 1;
    else
        c->init_next_try = now + 500;
    free(paths);
    free(pp);
}

/* Starts a bucket's session under the client's current writer id: the first
 * one, or after the old one broke. Called with nothing of the bucket in flight.
 * Every batch up to the last one that may have been applied ends with
 * WRITE_IN_DOUBT (resent under the new id it would be a new batch to the
 * server, applied again after newer ones); the batches after it were certainly
 * not applied and get sequences 0, 1, ... in submit order. */
static void bucket_restart(kfb_fluss_client_t *c, bucket_t *bk) {
    wbatch_t *last = NULL;
    for (wbatch_t *b = bk->head; b; b = b->next)
        if (b->state == B_RETRY && b->maybe_applied) last = b;
    for (wbatch_t *b = last ? bk->head : NULL; b; b = b->next) {
        if (b->state == B_RETRY) {
            char tn[300];
            if (b->maybe_applied) {
                set_batch_msg(b, "the bucket's writer id %lld was given up (%s)",
                              (long long)bk->writer_id, bk->broken_why);
                fail_batch(c, bk, b, KFB_ERR_WRITE_IN_DOUBT, b->ferr, 0);
            } else {
                /* Refused by every answer, but a later batch may have been
                 * written: sent now, it could land after that one. */
                set_batch_msg(b, "batch for table %s bucket %d (writer id %lld, sequence %d) was "
                              "refused by the server (%s), but batch sequence %d behind it may "
                              "have been written; it is not sent again, so that it cannot be "
                              "applied after that one (the bucket's writer id was given up: %s). "
                              "Replay it and what follows it in this bucket",
                              tname(c, b->table_id, tn, sizeof tn), b->bucket_id,
                              (long long)b->writer_id, b->seq, b->msg ? b->msg : "",
                              last->seq, bk->broken_why);
                b->state = B_FAILED;
                b->err = KFB_ERR_WRITE_IN_DOUBT;
            }
        }
        if (b == last) break;
    }
    if (bk->writer_id >= 0)
        KFB_INFO(FAC, "table %lld bucket %d: writer id %lld -> %lld (%s)", (long long)bk->table_id,
                 bk->bucket_id, (long long)bk->writer_id, (long long)c->writer_id,
                 bk->broken_why);
    bk->writer_id = c->writer_id;
    bk->next_seq = 0;
    bk->last_acked = -1;
    bk->broken = 0;
    bk->broken_why[0] = 0;
    for (wbatch_t *b = last ? last->next : bk->head; b; b = b->next) {
        if (b->state != B_RETRY) continue;
        b->writer_id = c->writer_id;
        b->seq = bk->next_seq++;
        b->renumbered = 0;
        b->next_try_ms = 0;
        (void)restamp(b); /* sent before, so stamped before: cannot fail */
    }
}

/* Stamps a batch on its first send (the session's writer id and next
 * sequence); a resend keeps what it had. The first stamp also checks the
 * caller's bytes (length, magic, CRC): a batch that fails is failed for good,
 * unsent, without taking a sequence. Returns 0 when b is now in flight. */
static int send_batch_prepare(kfb_fluss_client_t *c, bucket_t *bk, wbatch_t *b) {
    if (b->seq < 0) {
        kfb_err_t err = kfb_kv_batch_restamp(b->bytes, b->len, bk->writer_id, bk->next_seq);
        if (err) {
            set_batch_msg(b, "batch for table %lld bucket %d is not a valid KV batch: %s (build "
                          "it with kv_batch.h)", (long long)b->table_id, b->bucket_id,
                          kfb_err_message(err));
            fail_batch(c, bk, b, err, -1, 0);
            return -1;
        }
        b->writer_id = bk->writer_id;
        b->seq = bk->next_seq;
        bk->next_seq = bk->next_seq == INT32_MAX ? 0 : bk->next_seq + 1;
    }
    b->state = B_INFLIGHT;
    b->attempts++;
    bk->n_inflight++;
    return 0;
}

/* Why a batch that never got an answer has not been sent (or resent) yet. */
static void waiting_reason(kfb_fluss_client_t *c, bucket_t *bk, table_t *tb, wbatch_t *b,
                           int64_t now, char *buf, size_t n) {
    if (b->state == B_RETRY) {
        snprintf(buf, n, "%s", b->msg ? b->msg : "waiting for a resend");
    } else if ((bk->writer_id < 0 || bk->broken) && c->writer_id < 0) {
        snprintf(buf, n, "no writer id yet (%s)",
                 c->init_error[0] ? c->init_error : "InitWriter not answered yet");
    } else if (bk->broken) {
        snprintf(buf, n, "waiting for the bucket's batches in flight before its writer id "
                 "changes (%s)", bk->broken_why);
    } else if (!tb || tb->stale ||
               kfb_fc_leader_node(c, bk->table_id, bk->partition_id, bk->bucket_id) < 0) {
        snprintf(buf, n, "the bucket's leader is unknown or unreachable (metadata refresh "
                 "pending)");
    } else if (now < bk->throttle_until) {
        snprintf(buf, n, "the server asked the writer to slow down (backpressure)");
    } else {
        snprintf(buf, n, "waiting behind the bucket's batches in flight");
    }
}

/* Gives up on batches of bk that are queued or waiting for a retry once
 * delivery_timeout_ms has passed since their submission (in flight ones end
 * with their request, at most putkv_timeout_ms + request_timeout_ms later). */
static void expire_bucket(kfb_fluss_client_t *c, bucket_t *bk, table_t *tb, int64_t now) {
    if (c->conf.delivery_timeout_ms <= 0) return;
    int n = 0;
    for (wbatch_t *b = bk->head; b; b = b->next) {
        if (b->state != B_QUEUED && b->state != B_RETRY) continue;
        int64_t due = b->submit_ms + c->conf.delivery_timeout_ms;
        if (now < due) {
            kfb_fc_timer_at(c, due);
            break; /* later batches were submitted later */
        }
        char why[1100];
        waiting_reason(c, bk, tb, b, now, why, sizeof why);
        give_up_late(c, bk, b, now, why);
        n++;
    }
    if (n) deliver_ready(c, bk);
}

/* Fails (for good, unsent) what of bk is not in flight, with one message. */
static void fail_waiting(kfb_fluss_client_t *c, bucket_t *bk, kfb_err_t err, int32_t ferr,
                         const char *msg) {
    for (wbatch_t *b = bk->head; b; b = b->next) {
        if (b->state != B_QUEUED && b->state != B_RETRY) continue;
        set_batch_msg(b, "%s", msg);
        fail_batch(c, bk, b, err, ferr, 0);
    }
    deliver_ready(c, bk);
}

/* The number of buckets of bk's table, or -1 while unknown (only when the
 * descriptor had no bucket_count: then the leaders of fresh metadata). */
static int32_t bucket_count_of(table_t *tb, partition_t *part) {
    if (tb->bucket_count > 0) return tb->bucket_count;
    if (tb->stale || tb->last_refresh_ms == 0) return -1;
    int n = part ? part->n_leaders : tb->n_leaders;
    return n > 0 ? n : -1;
}

void kfb_fluss_writer_schedule(kfb_fluss_client_t *c, int64_t now) {
    put_req_t **reqs = c->sched_reqs;
    int nreq = 0;
    int maxin = c->conf.max_inflight_per_bucket;
    for (int i = 0; i < c->n_nodes; i++) c->nodes[i].pass_bytes = 0;
    for (bucket_t *bk = c->buckets; bk; bk = bk->anext) {
        if (!bk->head) continue;
        table_t *tb = kfb_fc_find_table(c, bk->table_id);
        partition_t *part =
            tb && bk->partition_id >= 0 ? kfb_fc_find_partition(tb, bk->partition_id) : NULL;
        expire_bucket(c, bk, tb, now);
        if (!bk->head) continue;
        char msg[512], tn[300];
        if (tb && tb->gone) {
            snprintf(msg, sizeof msg, "table %s.%s (id %lld) no longer exists", tb->db, tb->name,
                     (long long)tb->id);
            fail_waiting(c, bk, KFB_ERR_FLUSS_ERROR, KFB_FLUSS_TABLE_NOT_EXIST, msg);
            continue;
        }
        if (part && part->gone) {
            /* dropped partition: whatever is not in flight fails for good */
            snprintf(msg, sizeof msg, "partition %s (id %lld) of %s.%s no longer exists",
                     part->name, (long long)part->id, tb->db, tb->name);
            fail_waiting(c, bk, KFB_ERR_FLUSS_ERROR, KFB_FLUSS_PARTITION_NOT_EXISTS, msg);
            continue;
        }
        int32_t nb = tb ? bucket_count_of(tb, part) : -1;
        if (nb > 0 && bk->bucket_id >= nb) {
            snprintf(msg, sizeof msg, "bucket %d does not exist in table %s, which has %d buckets "
                     "(0..%d): the batch was not sent (compute the bucket with the table's bucket "
                     "count)", bk->bucket_id, tname(c, bk->table_id, tn, sizeof tn), nb, nb - 1);
            fail_waiting(c, bk, KFB_ERR_INVALID_ARG, -1, msg);
            continue;
        }
        if (bk->writer_id < 0 || bk->broken) {
            /* A new session starts once nothing of the old one is in flight,
             * under a writer id the bucket has not used. */
            if (bk->n_inflight) continue;
            if (c->writer_id < 0) continue; /* InitWriter (maybe_init) */
            if (c->writer_id == bk->writer_id) {
                writer_reset(c, bk->broken_why);
                continue;
            }
            bucket_restart(c, bk);
            deliver_ready(c, bk);
            if (!bk->head) continue;
        }
        if (now < bk->throttle_until) {
            kfb_fc_timer_at(c, bk->throttle_until);
            continue;
        }
        /* After a leader error the table's metadata is refreshed before any of
         * its buckets sends again (the leader may have moved). */
        if (tb && tb->stale) continue;
        int ni = kfb_fc_leader_node(c, bk->table_id, bk->partition_id, bk->bucket_id);
        if (ni < 0) {
            if (tb) tb->stale = 1;
            continue;
        }
        /* A server that reads slower than we send: requests not yet written would be a
         * second copy of batches the bucket queues already hold. Wait for the socket
         * instead (the loop runs again when the connection becomes writable, or when the
         * requests of this pass are answered). What this pass already put in requests to
         * the node counts too: one pass over many buckets could otherwise encode every
         * queued batch at once (with a slow server, a second copy of everything buffered). */
        if (c->nodes[ni].conn && kfb_fluss_conn_unsent_bytes(c->nodes[ni].conn) + c->nodes[ni].pass_bytes > UNSENT_MAX)
            continue;
        wbatch_t *sendv[5];
        int nsend = 0, invalid = 0;
        wbatch_t *first_retry = NULL;
        for (wbatch_t *b = bk->head; b; b = b->next)
            if (b->state == B_RETRY && (!first_retry || b->seq < first_retry->seq)) first_retry = b;
        if (first_retry) {
            /* recovering: one batch at a time, lowest sequence first */
            if (bk->n_inflight) continue;
            if (now < first_retry->next_try_ms) {
                kfb_fc_timer_at(c, first_retry->next_try_ms);
                continue;
            }
            sendv[nsend++] = first_retry;
        } else {
            for (wbatch_t *b = bk->head; b && bk->n_inflight + nsend < maxin; b = b->next)
                if (b->state == B_QUEUED) sendv[nsend++] = b;
        }
        int prev_req = -1; /* request holding this bucket's previous batch */
        for (int s = 0; s < nsend; s++) {
            wbatch_t *b = sendv[s];
            if (send_batch_prepare(c, bk, b) != 0) {
                invalid = 1;
                continue;
            }
            /* Find an open request to the same leader and table with the same
             * target columns and agg_mode, with room, AFTER the one holding
             * this bucket's previous batch: requests go out in this order on
             * the leader's connection, so a bucket's sequences stay in order
             * (a later batch in an earlier request would be OUT_OF_ORDER), and
             * no request carries a bucket twice (the server keeps only the
             * last entry of a bucket, §16). */
            put_req_t *pr = NULL;
            for (int i = prev_req + 1; i < nreq && !pr; i++) {
                put_req_t *q = reqs[i];
                if (q->node != ni || q->table_id != bk->table_id) continue;
                if (!same_put_options(q->b[0], b)) continue;
                if (q->bytes + b->len > c->conf.max_request_bytes) continue;
                pr = q;
                prev_req = i;
            }
            if (!pr) {
                if (nreq == c->cap_sched_reqs) {
                    int nc = c->cap_sched_reqs ? c->cap_sched_reqs * 2 : 8;
                    put_req_t **nr = realloc(c->sched_reqs, (size_t)nc * sizeof *nr);
                    if (!nr) goto fail_one;
                    c->sched_reqs = reqs = nr;
                    c->cap_sched_reqs = nc;
                }
                pr = put_req_get(c);
                if (!pr) goto fail_one;
                pr->node = ni;
                pr->table_id = bk->table_id;
                prev_req = nreq;
                reqs[nreq++] = pr;
            }
            if (put_req_add(pr, b) == 0) {
                c->nodes[ni].pass_bytes += b->len;
                continue;
            }
        fail_one:
            batch_outcome(c, b, 0, KFB_ERR_NOMEM, -1, "out of memory building a PutKv request",
                          -1, 0, 0, now);
        }
        if (invalid) deliver_ready(c, bk);
    }
    for (int i = 0; i < nreq; i++) {
        put_req_t *pr = reqs[i];
        /* scratch for the request's bucket entries: conn_send encodes before returning */
        if ((size_t)pr->n > c->cap_sched_b) {
            size_t nc = c->cap_sched_b ? c->cap_sched_b : 16;
            while (nc < (size_t)pr->n) nc *= 2;
            void *nbb = realloc(c->sched_bb, nc * sizeof(Fluss__PbPutKvReqForBucket));
            if (nbb) c->sched_bb = nbb;
            void *nbp = nbb ? realloc(c->sched_bp, nc * sizeof(Fluss__PbPutKvReqForBucket *)) : NULL;
            if (nbp) c->sched_bp = nbp;
            if (nbb && nbp) c->cap_sched_b = nc;
        }
        Fluss__PbPutKvReqForBucket *bb = c->sched_bb;
        Fluss__PbPutKvReqForBucket **bp = c->sched_bp;
        kfb_err_t err = KFB_ERR_NOMEM;
        if ((size_t)pr->n <= c->cap_sched_b) {
            for (int j = 0; j < pr->n; j++) {
                wbatch_t *b = pr->b[j];
                fluss__pb_put_kv_req_for_bucket__init(&bb[j]);
                if (b->partition_id >= 0) {
                    bb[j].has_partition_id = 1;
                    bb[j].partition_id = b->partition_id;
                }
                bb[j].bucket_id = b->bucket_id;
                bb[j].records.data = b->bytes;
                bb[j].records.len = b->len;
                bp[j] = &bb[j];
            }
            Fluss__PutKvRequest req = FLUSS__PUT_KV_REQUEST__INIT;
            req.acks = c->conf.acks;
            req.table_id = pr->table_id;
            req.timeout_ms = c->conf.putkv_timeout_ms;
            /* Java sets target_columns only for partial writes (an empty packed
             * field is not written at all) and always sets agg_mode. */
            const wbatch_t *b0 = pr->b[0];
            req.n_target_columns = b0->n_targets;
            req.target_columns = (int32_t *)b0->targets;
            req.has_agg_mode = 1;
            req.agg_mode = b0->agg_mode;
            req.n_buckets_req = (size_t)pr->n;
            req.buckets_req = bp;
            /* client deadline: the server's own timeout plus a margin */
            err = kfb_fluss_conn_send(c->nodes[pr->node].conn, KFB_API_PUT_KV, -1, &req.base,
                                      c->conf.putkv_timeout_ms + c->conf.request_timeout_ms, now,
                                      putkv_done_cb, pr);
        }
        if (err) {
            /* never handed to the connection: nothing of it can have been applied */
            const char *m = kfb_fluss_conn_last_error(c->nodes[pr->node].conn);
            for (int j = 0; j < pr->n; j++)
                batch_outcome(c, pr->b[j], 0, err, -1, m, -1, 0, 0, now);
            for (int j = 0; j < pr->n; j++) deliver_ready(c, pr->b[j]->bk);
            put_req_put(c, pr);
        }
    }
}

static void append_to_bucket(kfb_fluss_client_t *c, wbatch_t *b) {
    b->next = NULL;
    bucket_t *bk = get_bucket(c, b->table_id, b->partition_id, b->bucket_id);
    if (!bk) {
        b->state = B_FAILED;
        b->err = KFB_ERR_NOMEM;
        b->ferr = -1;
        set_batch_msg(b, "out of memory tracking a batch for table %lld bucket %d",
                      (long long)b->table_id, b->bucket_id);
        complete_batch(c, b);
        signal_done(c);
        return;
    }
    b->bk = bk;
    if (bk->tail) bk->tail->next = b;
    else bk->head = b;
    bk->tail = b;
}

/* A live partition of that name (a dropped one may come back with a new id). */
static partition_t *find_partition_by_name(table_t *t, const char *name) {
    for (int i = 0; t && i < t->n_parts; i++)
        if (!t->parts[i].gone && strcmp(t->parts[i].name, name) == 0) return &t->parts[i];
    return NULL;
}

void kfb_fluss_writer_take_submissions(kfb_fluss_client_t *c) {
    pthread_mutex_lock(&c->lock);
    wbatch_t *in = c->sub_head;
    c->sub_head = c->sub_tail = NULL;
    pthread_mutex_unlock(&c->lock);
    while (in) {
        wbatch_t *b = in;
        in = in->next;
        b->next = NULL;
        if (!b->pinfo) {
            append_to_bucket(c, b);
            continue;
        }
        partition_t *p = find_partition_by_name(kfb_fc_find_table(c, b->table_id), b->pinfo->name);
        presolve_t *r = NULL;
        for (presolve_t *x = c->presolves; x && !r; x = x->next)
            if (x->table_id == b->table_id && strcmp(x->pinfo->name, b->pinfo->name) == 0) r = x;
        if (p && !r) {
            /* known partition, nothing waiting before it: straight to its bucket */
            b->partition_id = p->id;
            free(b->pinfo);
            b->pinfo = NULL;
            append_to_bucket(c, b);
            continue;
        }
        if (!r) {
            r = calloc(1, sizeof *r);
            if (!r) {
                b->state = B_FAILED;
                b->err = KFB_ERR_NOMEM;
                b->ferr = -1;
                set_batch_msg(b, "out of memory resolving a partition");
                complete_batch(c, b);
                signal_done(c);
                continue;
            }
            r->client = c;
            r->table_id = b->table_id;
            r->pinfo = b->pinfo; /* the resolver keeps the first batch's name and spec */
            b->pinfo = NULL;
            r->next = c->presolves;
            c->presolves = r;
        } else {
            free(b->pinfo);
            b->pinfo = NULL;
        }
        if (r->tail) r->tail->next = b;
        else r->head = b;
        r->tail = b;
    }
}

static void presolve_free(kfb_fluss_client_t *c, presolve_t *r) {
    for (presolve_t **pp = &c->presolves; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    free(r->pinfo);
    free(r);
}

/* Fails every batch waiting on a resolution (they never reached a bucket). */
static void presolve_fail(kfb_fluss_client_t *c, presolve_t *r, kfb_err_t err, int32_t ferr,
                          const char *msg) {
    table_t *t = kfb_fc_find_table(c, r->table_id);
    for (wbatch_t *b = r->head, *n; b; b = n) {
        n = b->next;
        b->state = B_FAILED;
        b->err = err;
        b->ferr = ferr;
        set_batch_msg(b, "partition \"%s\" of %s.%s: %s", r->pinfo->name, t ? t->db : "?",
                      t ? t->name : "?", msg);
        complete_batch(c, b);
    }
    r->head = r->tail = NULL;
    signal_done(c);
    presolve_free(c, r);
}

static void presolve_cb(kfb_fluss_conn_t *conn, kfb_err_t err, const kfb_rpc_response_t *resp,
                        void *opaque) {
    presolve_t *r = opaque;
    kfb_fluss_client_t *c = r->client;
    r->inflight = 0;
    if (c->shutting_down) return;
    int64_t now = kfb_fluss_now_ms();
    int32_t code = 0;
    char msg[384] = "";
    if (err) {
        code = -1;
        snprintf(msg, sizeof msg, "%s", kfb_fluss_conn_last_error(conn));
    } else if (resp->type == KFB_RPC_RESP_ERROR) {
        if (kfb_rpc_decode_error(resp->body, resp->body_len, &code, msg, sizeof msg)) code = -1;
    } else if (r->state == PR_LOOKUP) {
        snprintf(r->last_error, sizeof r->last_error, "the metadata did not list the partition");
        ProtobufCMessage *m;
        if (kfb_rpc_unpack(&fluss__metadata_response__descriptor, resp->body, resp->body_len,
                           &m) == KFB_ERR_OK) {
            kfb_fc_apply_metadata(c, (Fluss__MetadataResponse *)m, now);
            protobuf_c_message_free_unpacked(m, NULL);
        }
        /* the next loop finds the partition in the cache, or asks again after
         * a back-off if the server left it out */
        r->attempts++;
        r->next_try = now + (r->attempts > 1 ? retry_delay(c, r->attempts) : 0);
        return;
    } else {
        r->state = PR_LOOKUP; /* created: now its id */
        r->next_try = now;
        return;
    }
    r->attempts++;
    snprintf(r->last_error, sizeof r->last_error, "%s: %s%s%s",
             r->state == PR_CREATE ? "CreatePartition" : "partition lookup",
             err ? kfb_err_name(err) : kfb_fluss_err_name(code), *msg ? ": " : "", msg);
    if (r->state == PR_LOOKUP && code == KFB_FLUSS_PARTITION_NOT_EXISTS && r->pinfo->create) {
        r->state = PR_CREATE;
        r->next_try = now;
        return;
    }
    if (r->state == PR_CREATE && code == KFB_FLUSS_PARTITION_ALREADY_EXISTS) {
        r->state = PR_LOOKUP;
        r->next_try = now;
        return;
    }
    if (err || kfb_fluss_err_retriable(code) || code == KFB_FLUSS_NOT_COORDINATOR_LEADER_EXCEPTION) {
        if (code == KFB_FLUSS_NOT_COORDINATOR_LEADER_EXCEPTION) {
            c->have_cluster = 0;
            kfb_fc_request_cluster_refresh(c);
        }
        r->next_try = now + retry_delay(c, r->attempts);
        kfb_fc_timer_at(c, r->next_try);
        return;
    }
    char full[512];
    snprintf(full, sizeof full, "%s failed: %s (%d)%s%s",
             r->state == PR_CREATE ? "CreatePartition" : "partition lookup",
             kfb_fluss_err_name(code), code, *msg ? ": " : "", msg);
    presolve_fail(c, r, KFB_ERR_FLUSS_ERROR, code, full);
}

void kfb_fluss_writer_drive_resolvers(kfb_fluss_client_t *c, int64_t now) {
    for (presolve_t *r = c->presolves, *next; r; r = next) {
        next = r->next;
        if (r->inflight) continue;
        table_t *t = kfb_fc_find_table(c, r->table_id);
        partition_t *p = find_partition_by_name(t, r->pinfo->name);
        if (p) {
            for (wbatch_t *b = r->head, *n; b; b = n) {
                n = b->next;
                b->partition_id = p->id;
                append_to_bucket(c, b);
            }
            r->head = r->tail = NULL;
            presolve_free(c, r);
            continue;
        }
        if (c->conf.delivery_timeout_ms > 0 && r->head) {
            int64_t due = r->head->submit_ms + c->conf.delivery_timeout_ms;
            if (now >= due) {
                char m[512];
                snprintf(m, sizeof m, "not resolved to a partition id within "
                         "delivery_timeout_ms=%d (%s)", c->conf.delivery_timeout_ms,
                         r->last_error[0] ? r->last_error : "no answer to the partition lookup");
                presolve_fail(c, r, KFB_ERR_TIMEOUT, -1, m);
                continue;
            }
            kfb_fc_timer_at(c, due);
        }
        if (now < r->next_try) {
            kfb_fc_timer_at(c, r->next_try);
            continue;
        }
        int ni = -1;
        kfb_err_t err = KFB_ERR_NOMEM; /* retried below like a failed send */
        kfb_fc_partition_reqs_t pr;
        if (kfb_fc_partition_reqs_init(&pr, t->db, t->name, r->pinfo->name,
                                       (const char *const *)r->pinfo->keys,
                                       (const char *const *)r->pinfo->values, r->pinfo->n) == 0) {
            int16_t api = KFB_API_GET_METADATA;
            const ProtobufCMessage *req = &pr.lookup.base;
            if (r->state == PR_LOOKUP) {
                ni = kfb_fc_ready_or_any(c, NODE_TABLET, (int)(c->rng++ % 64));
                if (ni < 0) ni = kfb_fc_ready_or_any(c, NODE_COORD, 0);
                if (ni < 0) ni = kfb_fc_ready_or_any(c, NODE_BOOT, c->boot_rr++);
            } else {
                api = KFB_API_CREATE_PARTITION;
                req = &pr.create.base;
                ni = kfb_fc_ready_or_any(c, NODE_COORD, 0);
                if (ni < 0) kfb_fc_request_cluster_refresh(c);
            }
            err = ni < 0 ? KFB_ERR_NOT_FOUND
                         : kfb_fluss_conn_send(c->nodes[ni].conn, api, -1, req,
                                               c->conf.request_timeout_ms, now, presolve_cb, r);
            kfb_fc_partition_reqs_free(&pr);
        }
        if (err == KFB_ERR_RPC_API_UNSUPPORTED) {
            presolve_fail(c, r, err, -1, kfb_fluss_conn_last_error(c->nodes[ni].conn));
            continue;
        }
        if (err) {
            r->next_try = now + 100;
            kfb_fc_timer_at(c, r->next_try);
            continue;
        }
        r->inflight = 1;
    }
}

/* ------------------------------------------------------------ public API */

static kfb_err_t enqueue(kfb_fluss_client_t *c, int64_t table_id, int64_t partition_id,
                         pinfo_t *pinfo, int32_t bucket_id, const uint8_t *batch, size_t len,
                         const int32_t *targets, size_t n_targets, int32_t agg_mode,
                         void *opaque) {
    /* One buffer for the batch bytes and its target list: a spare one when there is one
     * large enough (spare_*), else a new one. */
    size_t toff = (len + 3) & ~(size_t)3;
    size_t need = n_targets ? toff + n_targets * sizeof(int32_t) : len, cap = need;
    pthread_mutex_lock(&c->lock);
    wbatch_t *b = c->spare_batches;
    if (b) {
        c->spare_batches = b->next;
        c->n_spare_batches--;
    }
    uint8_t *copy = spare_take_buf(c, need, &cap);
    pthread_mutex_unlock(&c->lock);
    if (b) memset(b, 0, sizeof *b);
    else b = calloc(1, sizeof *b);
    if (!copy) copy = malloc(need);
    if (!b || !copy) {
        free(b);
        free(copy);
        free(pinfo);
        return KFB_ERR_NOMEM;
    }
    b->bytes_cap = cap;
    b->table_id = table_id;
    b->partition_id = partition_id;
    b->bucket_id = bucket_id;
    b->opaque = opaque;
    b->seq = -1;
    b->writer_id = -1;
    b->leo = -1;
    b->submit_ms = kfb_fluss_now_ms();
    pthread_mutex_lock(&c->lock);
    kfb_err_t err = KFB_ERR_OK;
    table_t *t = kfb_fc_find_table(c, table_id);
    if (c->stop) err = KFB_ERR_RPC_SHUTDOWN;
    else if (!t) err = KFB_ERR_INVALID_ARG;
    else if (c->outstanding >= (size_t)c->conf.queue_max_batches ||
             (c->outstanding > 0 && c->outstanding_bytes + len > c->conf.queue_max_bytes))
        err = KFB_ERR_RPC_QUEUE_FULL;
    if (err) {
        pthread_mutex_unlock(&c->lock);
        free(b);
        free(copy);
        free(pinfo);
        return err;
    }
    if (t->bucket_count > 0 && bucket_id >= t->bucket_count) {
        /* Accepted and failed at once, so it gets its callback like any
         * other batch (the caller's offsets wait for it). */
        set_batch_msg(b, "bucket %d does not exist in table %s.%s, which has %d buckets (0..%d): "
                      "the batch was not sent (compute the bucket with the table's bucket count)",
                      bucket_id, t->db, t->name, t->bucket_count, t->bucket_count - 1);
        b->state = B_FAILED;
        b->err = KFB_ERR_INVALID_ARG;
        b->ferr = -1;
        if (c->done_tail) c->done_tail->next = b;
        else c->done_head = b;
        c->done_tail = b;
        c->outstanding++; /* until its callback has run; no bytes kept */
        pthread_cond_broadcast(&c->done_cond);
        pthread_mutex_unlock(&c->lock);
        free(copy);
        free(pinfo);
        return KFB_ERR_OK;
    }
    memcpy(copy, batch, len);
    if (n_targets) {
        memcpy(copy + toff, targets, n_targets * sizeof(int32_t));
        b->targets = (const int32_t *)(void *)(copy + toff);
        b->n_targets = n_targets;
    }
    b->agg_mode = agg_mode;
    b->bytes = copy;
    b->len = len;
    b->pinfo = pinfo;
    if (c->sub_tail) c->sub_tail->next = b;
    else c->sub_head = b;
    c->sub_tail = b;
    c->outstanding++;
    c->outstanding_bytes += len;
    if (c->outstanding_bytes > c->outstanding_hw) c->outstanding_hw = c->outstanding_bytes;
    b->bytes_counted = len;
    pthread_mutex_unlock(&c->lock);
    kfb_fc_wake(c);
    return KFB_ERR_OK;
}

kfb_err_t kfb_fluss_client_submit(kfb_fluss_client_t *c, int64_t table_id, int64_t partition_id,
                                  int32_t bucket_id, const uint8_t *batch, size_t len,
                                  void *opaque) {
    if (!c || !batch || len < KFB_KV_BATCH_HEADER_SIZE || bucket_id < 0) return KFB_ERR_INVALID_ARG;
    if (partition_id < -1) return KFB_ERR_INVALID_ARG;
    return enqueue(c, table_id, partition_id, NULL, bucket_id, batch, len, NULL, 0, 0, opaque);
}

static kfb_err_t submit_by_name(kfb_fluss_client_t *c, int64_t table_id,
                                const char *partition_name, int create,
                                const char *const *spec_keys, const char *const *spec_values,
                                size_t n_spec, int32_t bucket_id, const uint8_t *batch,
                                size_t len, const int32_t *targets, size_t n_targets,
                                int32_t agg_mode, void *opaque) {
    if (!c || !batch || len < KFB_KV_BATCH_HEADER_SIZE || bucket_id < 0 || !partition_name ||
        !*partition_name || n_spec > 64 || (n_spec && (!spec_keys || !spec_values)))
        return KFB_ERR_INVALID_ARG;
    size_t need = sizeof(pinfo_t) + 2 * n_spec * sizeof(char *) + strlen(partition_name) + 1;
    for (size_t i = 0; i < n_spec; i++) {
        if (!spec_keys[i] || !spec_values[i]) return KFB_ERR_INVALID_ARG;
        need += strlen(spec_keys[i]) + strlen(spec_values[i]) + 2;
    }
    pinfo_t *pi = malloc(need);
    if (!pi) return KFB_ERR_NOMEM;
    char **arr = (char **)(pi + 1);
    char *sp = (char *)(arr + 2 * n_spec);
    pi->n = n_spec;
    pi->keys = arr;
    pi->values = arr + n_spec;
    pi->create = create != 0;
    pi->name = sp;
    sp = stpcpy(sp, partition_name) + 1;
    for (size_t i = 0; i < n_spec; i++) {
        pi->keys[i] = sp;
        sp = stpcpy(sp, spec_keys[i]) + 1;
        pi->values[i] = sp;
        sp = stpcpy(sp, spec_values[i]) + 1;
    }
    return enqueue(c, table_id, -1, pi, bucket_id, batch, len, targets, n_targets, agg_mode,
                   opaque);
}

kfb_err_t kfb_fluss_client_submit_to_partition(kfb_fluss_client_t *c, int64_t table_id,
                                               const char *partition_name, int create,
                                               const char *const *spec_keys,
                                               const char *const *spec_values, size_t n_spec,
                                               int32_t bucket_id, const uint8_t *batch,
                                               size_t len, void *opaque) {
    return submit_by_name(c, table_id, partition_name, create, spec_keys, spec_values, n_spec,
                          bucket_id, batch, len, NULL, 0, 0, opaque);
}

/* Column positions are Java ints into a schema; Fluss tables are far below
 * these bounds, so anything outside them is a caller bug, not a server error. */
#define MAX_TARGET_COLUMNS 4096
#define MAX_TARGET_POSITION 32767

kfb_err_t kfb_fluss_client_submit_ex(kfb_fluss_client_t *c, int64_t table_id,
                                     int64_t partition_id, int32_t bucket_id,
                                     const uint8_t *batch, size_t len,
                                     const kfb_fluss_submit_opts_t *opts, void *opaque) {
    if (!opts) return kfb_fluss_client_submit(c, table_id, partition_id, bucket_id, batch, len,
                                              opaque);
    if (opts->agg_mode != 0 && opts->agg_mode != 1) return KFB_ERR_INVALID_ARG;
    size_t n = opts->target_columns ? opts->n_target_columns : 0;
    if (n > MAX_TARGET_COLUMNS || (opts->n_target_columns && !opts->target_columns))
        return KFB_ERR_INVALID_ARG;
    for (size_t i = 0; i < n; i++) {
        if (opts->target_columns[i] < 0 || opts->target_columns[i] > MAX_TARGET_POSITION)
            return KFB_ERR_INVALID_ARG;
        for (size_t j = 0; j < i; j++)
            if (opts->target_columns[j] == opts->target_columns[i]) return KFB_ERR_INVALID_ARG;
    }
    if (opts->partition_name) {
        if (partition_id != -1) return KFB_ERR_INVALID_ARG;
        return submit_by_name(c, table_id, opts->partition_name, opts->create, opts->spec_keys,
                              opts->spec_values, opts->n_spec, bucket_id, batch, len,
                              opts->target_columns, n, opts->agg_mode, opaque);
    }
    if (!c || !batch || len < KFB_KV_BATCH_HEADER_SIZE || bucket_id < 0 || partition_id < -1)
        return KFB_ERR_INVALID_ARG;
    return enqueue(c, table_id, partition_id, NULL, bucket_id, batch, len, opts->target_columns, n,
                   opts->agg_mode, opaque);
}

static void abs_deadline(struct timespec *ts, int timeout_ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int kfb_fluss_client_poll(kfb_fluss_client_t *c, int timeout_ms) {
    pthread_mutex_lock(&c->lock);
    if (!c->done_head && timeout_ms != 0) {
        struct timespec ts;
        if (timeout_ms > 0) abs_deadline(&ts, timeout_ms);
        while (!c->done_head) {
            int rc = timeout_ms < 0 ? pthread_cond_wait(&c->done_cond, &c->lock)
                                    : pthread_cond_timedwait(&c->done_cond, &c->lock, &ts);
            if (rc == ETIMEDOUT) break;
        }
    }
    wbatch_t *list = c->done_head;
    c->done_head = c->done_tail = NULL;
    pthread_mutex_unlock(&c->lock);
    int n = 0;
    while (list) {
        wbatch_t *b = list;
        list = list->next;
        int ok = b->state == B_DONE;
        kfb_fluss_batch_result_t r;
        memset(&r, 0, sizeof r);
        r.table_id = b->table_id;
        r.partition_id = b->partition_id;
        r.bucket_id = b->bucket_id;
        r.err = ok ? KFB_ERR_OK : b->err;
        r.fluss_error = ok ? 0 : b->ferr;
        r.log_end_offset = ok ? b->leo : -1;
        r.writer_id = b->writer_id;
        r.batch_sequence = b->seq;
        r.attempts = b->attempts;
        r.opaque = b->opaque;
        if (ok)
            r.error_name = "";
        else if (r.err == KFB_ERR_FLUSS_ERROR ||
                 (r.err != KFB_ERR_WRITE_IN_DOUBT && r.fluss_error > 0))
            r.error_name = kfb_fluss_err_name(r.fluss_error);
        else
            r.error_name = kfb_err_name(r.err);
        r.message = ok ? "" : b->msg ? b->msg : kfb_err_message(r.err);
        if (c->conf.delivery_cb) c->conf.delivery_cb(c, &r, c->conf.delivery_opaque);
        /* counted as outstanding until the callback has run, so flush() returning
         * means every callback ran */
        pthread_mutex_lock(&c->lock);
        c->outstanding--;
        c->outstanding_bytes -= b->bytes_counted;
        pthread_mutex_unlock(&c->lock);
        spare_give_batch(c, b);
        n++;
    }
    return n;
}

size_t kfb_fluss_client_outstanding(kfb_fluss_client_t *c) {
    pthread_mutex_lock(&c->lock);
    size_t n = c->outstanding;
    pthread_mutex_unlock(&c->lock);
    return n;
}

kfb_err_t kfb_fluss_client_flush(kfb_fluss_client_t *c, int timeout_ms) {
    int64_t end = kfb_fluss_now_ms() + timeout_ms;
    for (;;) {
        if (kfb_fluss_client_outstanding(c) == 0) return KFB_ERR_OK;
        int64_t left = end - kfb_fluss_now_ms();
        if (left <= 0) return KFB_ERR_TIMEOUT;
        kfb_fluss_client_poll(c, left > 100 ? 100 : (int)left);
    }
}

int64_t kfb_fluss_client_writer_id(kfb_fluss_client_t *c) {
    pthread_mutex_lock(&c->lock);
    int64_t w = c->writer_id_pub;
    pthread_mutex_unlock(&c->lock);
    return w;
}

/* ------------------------------------------------------------- shutdown */

size_t kfb_fluss_writer_discard(kfb_fluss_client_t *c) {
    size_t dropped = 0;
    for (bucket_t *bk = c->buckets, *nb; bk; bk = nb) {
        nb = bk->anext;
        dropped += wbatch_free_list(bk->head);
        free(bk);
    }
    c->buckets = NULL;
    memset(c->bhash, 0, sizeof c->bhash);
    dropped += wbatch_free_list(c->sub_head);
    c->sub_head = c->sub_tail = NULL;
    while (c->presolves) {
        presolve_t *r = c->presolves;
        dropped += wbatch_free_list(r->head);
        c->presolves = r->next;
        free(r->pinfo);
        free(r);
    }
    dropped += wbatch_free_list(c->done_head);
    c->done_head = c->done_tail = NULL;
    return dropped;
}

kfb_err_t kfb_fluss_target_columns_check(const kfb_table_desc_t *td, const int32_t *cols,
                                         size_t n, char *errstr, size_t errstr_size) {
    if (!td) return KFB_ERR_INVALID_ARG;
    const int ai = td->auto_increment_column;
    if (!cols || n == 0) {
        if (ai < 0) return KFB_ERR_OK;
        snprintf(errstr, errstr_size, "This table has auto increment column [%s]. Explicitly "
                 "specifying values for an auto increment column is not allowed. Please specify "
                 "non-auto-increment columns as target columns using partialUpdate first.",
                 td->column_names[ai]);
        return KFB_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (cols[i] < 0 || (size_t)cols[i] >= td->column_count) {
            snprintf(errstr, errstr_size, "target column %d does not exist: the table has %zu "
                     "columns (0..%zu)", cols[i], td->column_count,
                     td->column_count ? td->column_count - 1 : 0);
            return KFB_ERR_INVALID_ARG;
        }
        for (size_t j = 0; j < i; j++)
            if (cols[j] == cols[i]) {
                snprintf(errstr, errstr_size, "target column %s is listed twice",
                         td->column_names[cols[i]]);
                return KFB_ERR_INVALID_ARG;
            }
    }
    for (size_t k = 0; k < td->primary_key_count; k++) {
        int pk = td->primary_key[k];
        size_t i = 0;
        while (i < n && cols[i] != pk) i++;
        if (i < n) continue;
        /* "The target write columns [a, b] must contain the primary key columns [id]." */
        size_t o = (size_t)snprintf(errstr, errstr_size, "The target write columns [");
        for (i = 0; i < n && o < errstr_size; i++)
            o += (size_t)snprintf(errstr + o, errstr_size - o, "%s%s", i ? ", " : "",
                                  td->column_names[cols[i]]);
        if (o < errstr_size)
            o += (size_t)snprintf(errstr + o, errstr_size - o,
                                  "] must contain the primary key columns [");
        for (i = 0; i < td->primary_key_count && o < errstr_size; i++)
            o += (size_t)snprintf(errstr + o, errstr_size - o, "%s%s", i ? ", " : "",
                                  td->column_names[td->primary_key[i]]);
        if (o < errstr_size) snprintf(errstr + o, errstr_size - o, "].");
        return KFB_ERR_INVALID_ARG;
    }
    for (size_t i = 0; ai >= 0 && i < n; i++)
        if (cols[i] == ai) {
            snprintf(errstr, errstr_size, "Explicitly specifying values for the auto increment "
                     "column %s is not allowed.", td->column_names[ai]);
            return KFB_ERR_INVALID_ARG;
        }
    for (size_t c = 0; c < td->column_count; c++) {
        int in_pk = 0;
        for (size_t k = 0; k < td->primary_key_count; k++) in_pk |= td->primary_key[k] == (int)c;
        if (in_pk || (int)c == ai || td->column_types[c].nullable) continue;
        snprintf(errstr, errstr_size, "Partial Update requires all columns except primary key to "
                 "be nullable, but column %s is NOT NULL.", td->column_names[c]);
        return KFB_ERR_INVALID_ARG;
    }
    return KFB_ERR_OK;
}
