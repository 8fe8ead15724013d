/*
 * intervals.c - the bootstrap worker described in intervals.h.
 *
 * State under `lock`: the pending request (replaced by every newer one),
 * the newest result and the stop flag.  The worker copies a pending
 * request out, clears it, and runs the bootstrap without the lock; its
 * progress callback reads `pending` (under the lock) to cancel early.
 */
#include "skewtop/intervals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sk_intervals {
    sk_bootstrap_options options;
    pthread_t worker;
    pthread_mutex_t lock;
    pthread_cond_t wake;

    sk_snapshot *pending;        /* newest request not yet started; a reference */
    double pending_threshold;
    bool stop;

    bool have_result;            /* a result finished since the last take */
    sk_bootstrap_result result;
    size_t result_epoch;

    int notify_pipe[2];
};

/* Cancels a running bootstrap when a newer request or a stop is waiting. */
static bool keep_going(void *context, size_t done, size_t total)
{
    (void)done;
    (void)total;
    sk_intervals *iv = context;
    pthread_mutex_lock(&iv->lock);
    bool superseded = iv->pending != NULL || iv->stop;
    pthread_mutex_unlock(&iv->lock);
    return !superseded;
}

static void *worker_main(void *arg)
{
    sk_intervals *iv = arg;
    for (;;) {
        pthread_mutex_lock(&iv->lock);
        while (iv->pending == NULL && !iv->stop)
            pthread_cond_wait(&iv->wake, &iv->lock);
        if (iv->stop) {
            pthread_mutex_unlock(&iv->lock);
            break;
        }
        sk_snapshot *snapshot = iv->pending;
        double threshold = iv->pending_threshold;
        iv->pending = NULL;
        pthread_mutex_unlock(&iv->lock);

        sk_bootstrap_options options = iv->options;
        options.progress = keep_going;
        options.context = iv;
        sk_bootstrap_result result;
        sk_error err;
        sk_status status = sk_sweep_bootstrap(snapshot->sweep, threshold, &options,
                                              &result, &err);
        size_t epoch = snapshot->epoch;
        sk_snapshot_release(snapshot);
        if (status != SK_OK || result.cancelled)
            continue;

        pthread_mutex_lock(&iv->lock);
        iv->result = result;
        iv->result_epoch = epoch;
        iv->have_result = true;
        pthread_mutex_unlock(&iv->lock);
        ssize_t written = write(iv->notify_pipe[1], "i", 1);
        (void)written;
    }
    return NULL;
}

sk_status sk_intervals_new(const sk_bootstrap_options *options,
                           sk_intervals **out, sk_error *err)
{
    sk_intervals *iv = calloc(1, sizeof *iv);
    if (iv == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while starting the interval worker");
    iv->options = options != NULL ? *options : sk_bootstrap_defaults();
    sk_status status = sk_pipe_open(iv->notify_pipe, err);
    if (status != SK_OK) {
        free(iv);
        return status;
    }
    pthread_mutex_init(&iv->lock, NULL);
    pthread_cond_init(&iv->wake, NULL);

    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    int rc = pthread_create(&iv->worker, NULL, worker_main, iv);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (rc != 0) {
        close(iv->notify_pipe[0]);
        close(iv->notify_pipe[1]);
        pthread_mutex_destroy(&iv->lock);
        pthread_cond_destroy(&iv->wake);
        free(iv);
        return sk_error_set(err, SK_ERR_IO, "cannot start the interval worker: %s",
                            strerror(rc));
    }
    *out = iv;
    return SK_OK;
}

void sk_intervals_request(sk_intervals *iv, sk_snapshot *snapshot, double threshold)
{
    if (snapshot == NULL || snapshot->sweep == NULL)
        return;
    atomic_fetch_add(&snapshot->refs, 1);
    pthread_mutex_lock(&iv->lock);
    sk_snapshot *replaced = iv->pending;
    iv->pending = snapshot;
    iv->pending_threshold = threshold;
    pthread_cond_signal(&iv->wake);
    pthread_mutex_unlock(&iv->lock);
    sk_snapshot_release(replaced);
}

bool sk_intervals_take(sk_intervals *iv, sk_bootstrap_result *out, size_t *epoch)
{
    char buffer[64];
    while (read(iv->notify_pipe[0], buffer, sizeof buffer) > 0)
        continue;
    pthread_mutex_lock(&iv->lock);
    bool have = iv->have_result;
    if (have) {
        *out = iv->result;
        *epoch = iv->result_epoch;
        iv->have_result = false;
    }
    pthread_mutex_unlock(&iv->lock);
    return have;
}

int sk_intervals_notify_fd(const sk_intervals *iv)
{
    return iv->notify_pipe[0];
}

void sk_intervals_free(sk_intervals *iv)
{
    if (iv == NULL)
        return;
    pthread_mutex_lock(&iv->lock);
    iv->stop = true;
    pthread_cond_signal(&iv->wake);
    pthread_mutex_unlock(&iv->lock);
    pthread_join(iv->worker, NULL);
    sk_snapshot_release(iv->pending);
    close(iv->notify_pipe[0]);
    close(iv->notify_pipe[1]);
    pthread_cond_destroy(&iv->wake);
    pthread_mutex_destroy(&iv->lock);
    free(iv);
}
