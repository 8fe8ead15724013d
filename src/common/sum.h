/*
 * sum.h - Neumaier's compensated sum, shared by the metrics engine and the
 * prediction reader so that both add in the same order and way: the log
 * loss of a file read in exact mode then equals sk_log_loss() bit for bit.
 * The error stays near one rounding whatever the count of terms, so
 * results agree with numpy's pairwise sums to far better than 1e-12.
 * Private to src/; not part of the public API.
 */
#ifndef SKEWTOP_SUM_H
#define SKEWTOP_SUM_H

#include <math.h>

/* A running sum and the rounding error that it has lost so far. */
typedef struct {
    double sum;
    double compensation;
} sk_sum;

/* Adds x to the sum. */
static inline void sk_sum_add(sk_sum *s, double x)
{
    double t = s->sum + x;
    if (fabs(s->sum) >= fabs(x))
        s->compensation += (s->sum - t) + x;
    else
        s->compensation += (x - t) + s->sum;
    s->sum = t;
}

/* Returns the sum with the lost error added back. */
static inline double sk_sum_value(const sk_sum *s)
{
    return s->sum + s->compensation;
}

#endif
