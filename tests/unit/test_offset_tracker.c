/* test_offset_tracker.c - the committable offset never passes a message that waits for an
 * unacknowledged batch (offset_tracker.h), checked by hand and against a per-message model. */
#include "harness.h"
#include "offset_tracker.h"

TEST(offsets_empty_tracker_commits_its_start) {
    kfb_offsets_t *o = kfb_offsets_new(42);
    ASSERT_EQ_INT(kfb_offsets_committable(o), 42);
    kfb_offsets_consumed(o, 42);
    kfb_offsets_consumed(o, 45); /* a gap (compaction) */
    ASSERT_EQ_INT(kfb_offsets_committable(o), 46);
    ASSERT_EQ_INT(kfb_offsets_next(o), 46);
    kfb_offsets_consumed(o, 44); /* lower: ignored */
    ASSERT_EQ_INT(kfb_offsets_next(o), 46);
    kfb_offsets_retire(o);
}

TEST(offsets_out_of_order_acks_release_only_the_done_prefix) {
    kfb_offsets_t *o = kfb_offsets_new(10);
    kfb_hold_t x, y;
    /* 10 -> batch X, 11 -> batch Y, 12 -> batch X again (no new hold) */
    ASSERT_OK(kfb_offsets_hold(o, 10, &x));
    kfb_offsets_consumed(o, 10);
    ASSERT_OK(kfb_offsets_hold(o, 11, &y));
    kfb_offsets_consumed(o, 11);
    kfb_offsets_consumed(o, 12);
    ASSERT_EQ_INT(kfb_offsets_committable(o), 10);
    kfb_offsets_release(o, y);
    ASSERT_EQ_INT(kfb_offsets_committable(o), 10); /* X still holds 10 and 12 */
    ASSERT_EQ_INT(kfb_offsets_pending(o), 1);
    kfb_offsets_release(o, x);
    ASSERT_EQ_INT(kfb_offsets_committable(o), 13);
    ASSERT_EQ_INT(kfb_offsets_pending(o), 0);
    kfb_offsets_retire(o);
}

TEST(offsets_a_failed_hold_blocks_until_reset) {
    kfb_offsets_t *o = kfb_offsets_new(0);
    kfb_hold_t a, b;
    ASSERT_OK(kfb_offsets_hold(o, 0, &a));
    kfb_offsets_consumed(o, 0);
    ASSERT_OK(kfb_offsets_hold(o, 1, &b));
    kfb_offsets_consumed(o, 1);
    kfb_offsets_fail(o, a);
    kfb_offsets_release(o, b);
    ASSERT_TRUE(kfb_offsets_has_failed(o));
    ASSERT_EQ_INT(kfb_offsets_committable(o), 0);
    ASSERT_EQ_INT(kfb_offsets_pending(o), 0);
    kfb_offsets_reset(o, 0);
    ASSERT_FALSE(kfb_offsets_has_failed(o));
    ASSERT_EQ_INT(kfb_offsets_committable(o), 0);
    kfb_hold_t c;
    ASSERT_OK(kfb_offsets_hold(o, 0, &c));
    kfb_offsets_consumed(o, 1);
    kfb_offsets_release(o, c);
    ASSERT_EQ_INT(kfb_offsets_committable(o), 2);
    kfb_offsets_retire(o);
}

TEST(offsets_holds_from_before_a_reset_are_ignored) {
    kfb_offsets_t *o = kfb_offsets_new(5);
    kfb_hold_t old, fresh;
    ASSERT_OK(kfb_offsets_hold(o, 5, &old));
    kfb_offsets_consumed(o, 5);
    kfb_offsets_reset(o, 5);
    ASSERT_OK(kfb_offsets_hold(o, 5, &fresh));
    kfb_offsets_consumed(o, 5);
    kfb_offsets_release(o, old); /* the replaced batch completes late: must not release 5 */
    ASSERT_EQ_INT(kfb_offsets_committable(o), 5);
    kfb_offsets_release(o, fresh);
    ASSERT_EQ_INT(kfb_offsets_committable(o), 6);
    kfb_offsets_retire(o);
}

TEST(offsets_refuses_holds_that_go_backwards) {
    kfb_offsets_t *o = kfb_offsets_new(0);
    kfb_hold_t h;
    ASSERT_OK(kfb_offsets_hold(o, 3, &h));
    ASSERT_ERR(kfb_offsets_hold(o, 2, &h), KFB_ERR_STATE);
    kfb_offsets_consumed(o, 4);
    ASSERT_ERR(kfb_offsets_hold(o, 4, &h), KFB_ERR_STATE); /* message 4 already counted done */
    ASSERT_EQ_INT(kfb_offsets_committable(o), 3);
    kfb_offsets_release(o, h);
    kfb_offsets_retire(o);
}

/* Retired with holds outstanding: stays valid until the last one resolves (ASan would see a
 * use after free otherwise). */
TEST(offsets_retire_waits_for_outstanding_holds) {
    kfb_offsets_t *o = kfb_offsets_new(0);
    kfb_hold_t a, b;
    ASSERT_OK(kfb_offsets_hold(o, 0, &a));
    ASSERT_OK(kfb_offsets_hold(o, 1, &b));
    kfb_offsets_retire(o);
    kfb_offsets_release(o, a);
    kfb_offsets_fail(o, b); /* frees */
}

/* Model: every message records the batches it waits for; the committable offset is the
 * first message not done. Random batches, random acknowledgement order, failures. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define NMSG 4000
#define NBATCH 64

TEST(offsets_match_a_per_message_model) {
    for (int round = 0; round < 20; round++) {
        static int64_t off[NMSG];
        static int waits[NMSG][2]; /* batch index + 1, 0 = none */
        static int batch_state[NMSG]; /* 0 open/in flight, 1 acked, 2 failed */
        static kfb_hold_t hold_of[NMSG][2];
        /* open batch id per "bucket" slot and its hold, as the accumulator keeps them */
        int slot_batch[NBATCH];
        int n_batches = 0;
        for (int s = 0; s < NBATCH; s++) slot_batch[s] = -1;
        static int has_hold[NMSG];     /* batch got a hold already */
        static kfb_hold_t bhold[NMSG];
        memset(has_hold, 0, sizeof has_hold);
        memset(batch_state, 0, sizeof batch_state);
        int64_t start = (int64_t)(rnd() % 1000);
        kfb_offsets_t *o = kfb_offsets_new(start);
        int64_t cur = start;
        int failed_any = 0;
        for (int i = 0; i < NMSG; i++) {
            cur += 1 + (rnd() % 4 == 0 ? (int64_t)(rnd() % 5) : 0);
            off[i] = cur;
            int nrec = (int)(rnd() % 10 == 0 ? 0 : rnd() % 8 == 0 ? 2 : 1);
            for (int r = 0; r < 2; r++) waits[i][r] = 0;
            for (int r = 0; r < nrec; r++) {
                int s = (int)(rnd() % NBATCH);
                if (slot_batch[s] < 0 || rnd() % 50 == 0) slot_batch[s] = n_batches++;
                int bi = slot_batch[s];
                waits[i][r] = bi + 1;
                if (!has_hold[bi]) {
                    ASSERT_OK(kfb_offsets_hold(o, off[i], &bhold[bi]));
                    has_hold[bi] = 1;
                }
                hold_of[i][r] = bhold[bi];
            }
            kfb_offsets_consumed(o, off[i]);
            /* acknowledge a few random batches now and then */
            if (rnd() % 3 == 0 && n_batches) {
                int bi = (int)(rnd() % (uint64_t)n_batches);
                if (has_hold[bi] && batch_state[bi] == 0) {
                    int fail = rnd() % 400 == 0;
                    batch_state[bi] = fail ? 2 : 1;
                    failed_any |= fail;
                    if (fail) kfb_offsets_fail(o, bhold[bi]);
                    else kfb_offsets_release(o, bhold[bi]);
                    /* a batch that completed is no longer open */
                    for (int s = 0; s < NBATCH; s++)
                        if (slot_batch[s] == bi) slot_batch[s] = -1;
                }
            }
            int64_t want = cur + 1;
            for (int j = 0; j <= i; j++) {
                int done = 1;
                for (int r = 0; r < 2; r++)
                    if (waits[j][r] && batch_state[waits[j][r] - 1] != 1) done = 0;
                if (!done) {
                    want = off[j];
                    break;
                }
            }
            if (i % 97 == 0 || i == NMSG - 1) ASSERT_EQ_INT(kfb_offsets_committable(o), want);
        }
        ASSERT_EQ_INT(kfb_offsets_has_failed(o), failed_any);
        (void)hold_of;
        /* release everything else: with no failure the whole range is committable */
        for (int bi = 0; bi < n_batches; bi++)
            if (has_hold[bi] && batch_state[bi] == 0) {
                batch_state[bi] = 1;
                kfb_offsets_release(o, bhold[bi]);
            }
        if (!failed_any) ASSERT_EQ_INT(kfb_offsets_committable(o), cur + 1);
        ASSERT_EQ_INT(kfb_offsets_pending(o), 0);
        kfb_offsets_retire(o);
    }
}
