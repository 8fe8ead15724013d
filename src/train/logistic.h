/*
 * logistic.h - sigmoid and softplus that neither overflow nor lose the
 * small tail, for any finite argument.  Private to src/train/.
 */
#ifndef SKEWTOP_TRAIN_LOGISTIC_H
#define SKEWTOP_TRAIN_LOGISTIC_H

#include <math.h>

/* sigmoid(z) = 1 / (1 + exp(-z)), evaluated so that exp never overflows. */
static inline double sk_train_sigmoid(double z)
{
    if (z >= 0.0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* softplus(z) = log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)). */
static inline double sk_train_softplus(double z)
{
    return fmax(z, 0.0) + log1p(exp(-fabs(z)));
}

#endif
