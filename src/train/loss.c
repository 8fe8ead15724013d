/*
 * loss.c - binary cross-entropy and focal loss from logits, the prior-only
 * loss, and class weights.
 *
 * Both losses are written in terms of the signed logit s = z for a positive
 * and s = -z for a negative, so that p_t = sigmoid(s) is the probability
 * given to the true class and -log(p_t) = softplus(-s).  Computed this way
 * there is no log(0) and no overflow for any finite logit, and 1 - p_t keeps
 * its relative precision when p_t is close to 1.
 */
#include "skewtop/train.h"

#include <math.h>

#include "logistic.h"

/* Quantities of one sample, as functions of its signed logit s. */
typedef struct {
    double p_t;      /* sigmoid(s): probability of the true class */
    double q;        /* 1 - p_t = sigmoid(-s), computed without cancellation */
    double nlog_pt;  /* -log(p_t) = softplus(-s) */
} signed_logit_terms;

static signed_logit_terms signed_logit_eval(double s)
{
    signed_logit_terms t;
    double e = exp(-fabs(s));   /* in [0, 1]: the argument is never positive */

    if (s >= 0.0) {
        t.p_t = 1.0 / (1.0 + e);
        t.q = e / (1.0 + e);
    } else {
        t.p_t = e / (1.0 + e);
        t.q = 1.0 / (1.0 + e);
    }
    t.nlog_pt = sk_train_softplus(-s);
    return t;
}

/*
 * Returns the loss of one sample and stores d(loss)/ds in *dloss_ds.
 *   BCE:   l = -log p_t,                         dl/ds = -q
 *   focal: l = -alpha_t q^gamma log p_t,
 *          dl/ds = -alpha_t q^gamma (gamma p_t (-log p_t) + q)
 * using dq/ds = -q p_t.  The focal form needs no q^(gamma - 1), so it is
 * valid at q = 0 for every gamma >= 0.
 */
static double sample_loss(const sk_loss *loss, double s, bool positive,
                          double *dloss_ds)
{
    signed_logit_terms t = signed_logit_eval(s);

    if (loss->kind == SK_LOSS_FOCAL) {
        double alpha_t = positive ? loss->focal_alpha : 1.0 - loss->focal_alpha;
        double modulator = pow(t.q, loss->focal_gamma);
        *dloss_ds = -alpha_t * modulator * (loss->focal_gamma * t.p_t * t.nlog_pt + t.q);
        return alpha_t * modulator * t.nlog_pt;
    }
    *dloss_ds = -t.q;
    return t.nlog_pt;
}

double sk_loss_eval(const sk_loss *loss, const double *logits,
                    const unsigned char *y, size_t n, double weight_neg,
                    double weight_pos, double *dlogits)
{
    if (n == 0)
        return 0.0;

    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        bool positive = y[i] != 0;
        double sign = positive ? 1.0 : -1.0;
        double weight = positive ? weight_pos : weight_neg;
        double dloss_ds;
        double l = sample_loss(loss, sign * logits[i], positive, &dloss_ds);

        sum += weight * l;
        if (dlogits != NULL)
            dlogits[i] = weight * sign * dloss_ds / (double)n;
    }
    return sum / (double)n;
}

double sk_prior_only_loss(double prevalence)
{
    if (!(prevalence > 0.0 && prevalence < 1.0))
        return 0.0;
    return -prevalence * log(prevalence) - (1.0 - prevalence) * log1p(-prevalence);
}

/* Returns rows / (2 count): the weight that gives the class the same total
 * as the other one.  An absent class gets 1, which no sample uses. */
static double balanced_weight(size_t rows, size_t count)
{
    if (count == 0)
        return 1.0;
    return (double)rows / (2.0 * (double)count);
}

void sk_class_weights(sk_weight_mode mode, double custom_neg, double custom_pos,
                      size_t rows, size_t positives, double *weight_neg,
                      double *weight_pos)
{
    switch (mode) {
    case SK_WEIGHTS_BALANCED:
        *weight_neg = balanced_weight(rows, rows - positives);
        *weight_pos = balanced_weight(rows, positives);
        return;
    case SK_WEIGHTS_CUSTOM:
        *weight_neg = custom_neg;
        *weight_pos = custom_pos;
        return;
    case SK_WEIGHTS_NONE:
        break;
    }
    *weight_neg = 1.0;
    *weight_pos = 1.0;
}
