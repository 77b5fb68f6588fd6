/* worker.c - the background job thread (worker.h). */
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>

struct kfb_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    kfb_job_t *queue_head, *queue_tail;
    kfb_job_t *done_head, *done_tail;
    kfb_job_t *running;
    size_t pending;
    int stop;
};

static void push(kfb_job_t **head, kfb_job_t **tail, kfb_job_t *j) {
    j->next = NULL;
    if (*tail) (*tail)->next = j;
    else *head = j;
    *tail = j;
}

static kfb_job_t *pop(kfb_job_t **head, kfb_job_t **tail) {
    kfb_job_t *j = *head;
    if (j) {
        *head = j->next;
        if (!*head) *tail = NULL;
    }
    return j;
}

static void *loop(void *arg) {
    kfb_worker_t *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stop && !w->queue_head) pthread_cond_wait(&w->cond, &w->lock);
        if (w->stop) break;
        kfb_job_t *j = pop(&w->queue_head, &w->queue_tail);
        w->running = j;
        pthread_mutex_unlock(&w->lock);
        j->run(j);
        pthread_mutex_lock(&w->lock);
        w->running = NULL;
        push(&w->done_head, &w->done_tail, j);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

kfb_worker_t *kfb_worker_new(void) {
    kfb_worker_t *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, loop, w)) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        free(w);
        return NULL;
    }
    pthread_setname_np(w->thread, "kfb-worker");
    return w;
}

void kfb_worker_destroy(kfb_worker_t *w, void (*drop)(kfb_job_t *job)) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    for (kfb_job_t **list[] = {&w->queue_head, &w->done_head}, ***l = list; l < list + 2; l++)
        for (kfb_job_t *j = **l, *n; j; j = n) {
            n = j->next;
            if (drop) drop(j);
        }
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w);
}

void kfb_worker_submit(kfb_worker_t *w, kfb_job_t *job) {
    pthread_mutex_lock(&w->lock);
    push(&w->queue_head, &w->queue_tail, job);
    w->pending++;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

kfb_job_t *kfb_worker_take(kfb_worker_t *w) {
    pthread_mutex_lock(&w->lock);
    kfb_job_t *j = pop(&w->done_head, &w->done_tail);
    if (j) w->pending--;
    pthread_mutex_unlock(&w->lock);
    return j;
}

size_t kfb_worker_pending(kfb_worker_t *w) {
    pthread_mutex_lock(&w->lock);
    size_t n = w->pending;
    pthread_mutex_unlock(&w->lock);
    return n;
}
