/*
 * intervals.h - bootstrap confidence intervals computed on a background
 * thread, so that moving the threshold never waits for them.
 *
 * The screen posts a request (a snapshot and a threshold) whenever either
 * changes.  One worker thread computes the newest request only: a request
 * that arrives while another is running cancels the running one through
 * the bootstrap's progress callback.  When a result is ready the worker
 * writes a byte to a pipe (sk_intervals_notify_fd) and the screen fetches
 * it with sk_intervals_take().  The worker blocks every signal.
 */
#ifndef SKEWTOP_INTERVALS_H
#define SKEWTOP_INTERVALS_H

#include <stdbool.h>

#include "skewtop/common.h"
#include "skewtop/metrics.h"
#include "skewtop/session.h"

typedef struct sk_intervals sk_intervals;

/* Starts the worker.  options may be NULL for sk_bootstrap_defaults(). */
sk_status sk_intervals_new(const sk_bootstrap_options *options,
                           sk_intervals **out, sk_error *err);

/* Asks for intervals at threshold on the snapshot's sweep.  Takes its own
 * reference to snapshot.  A snapshot without a sweep is ignored. */
void sk_intervals_request(sk_intervals *intervals, sk_snapshot *snapshot,
                          double threshold);

/* Copies the newest finished result into *out and returns true, or
 * returns false when none has finished since the last call.  The result
 * belongs to (snapshot epoch, threshold) as stored in it. */
bool sk_intervals_take(sk_intervals *intervals, sk_bootstrap_result *out,
                       size_t *epoch);

int sk_intervals_notify_fd(const sk_intervals *intervals);

/* Stops the worker and frees everything. */
void sk_intervals_free(sk_intervals *intervals);

#endif
