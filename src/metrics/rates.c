/*
 * rates.c - metrics of one confusion matrix, log loss and Brier score.
 *
 * Each formula follows the floating-point steps of the scikit-learn 1.2.1
 * function it matches (precision_recall_fscore_support, matthews_corrcoef,
 * cohen_kappa_score, balanced_accuracy_score, log_loss, brier_score_loss),
 * so the results agree to the last few bits, not only mathematically.
 */
#include "metrics_internal.h"

#include <float.h>
#include <math.h>

double skm_ratio(size_t num, size_t den, unsigned flag, unsigned *undefined)
{
    if (den == 0) {
        *undefined |= flag;
        return 0.0;
    }
    return (double)num / (double)den;
}

double skm_fbeta(double precision, double recall, double beta)
{
    double beta2 = beta * beta;
    double denominator = beta2 * precision + recall;
    if (denominator == 0.0)
        return 0.0;
    return (1.0 + beta2) * precision * recall / denominator;
}

double skm_mcc(sk_confusion c, unsigned *undefined)
{
    double true_neg = (double)(c.tn + c.fp);
    double true_pos = (double)(c.fn + c.tp);
    double pred_neg = (double)(c.tn + c.fn);
    double pred_pos = (double)(c.fp + c.tp);
    double correct = (double)(c.tn + c.tp);
    double n = pred_neg + pred_pos;

    double cov_true_pred = correct * n - (true_neg * pred_neg + true_pos * pred_pos);
    double cov_pred = n * n - (pred_neg * pred_neg + pred_pos * pred_pos);
    double cov_true = n * n - (true_neg * true_neg + true_pos * true_pos);
    if (cov_pred * cov_true == 0.0) {
        *undefined |= SK_UNDEF_MCC;
        return 0.0;
    }
    return cov_true_pred / sqrt(cov_true * cov_pred);
}

/* cohen_kappa_score: 1 - observed disagreement / chance disagreement.  When
 * every sample sits in one diagonal cell both are 0; scikit-learn returns
 * NaN there, skewtop returns 0 and flags it. */
static double kappa_of(sk_confusion c, unsigned *undefined)
{
    size_t n = c.tp + c.fp + c.tn + c.fn;
    uint64_t pred_neg = c.tn + c.fn;
    uint64_t pred_pos = c.fp + c.tp;
    uint64_t true_neg = c.tn + c.fp;
    uint64_t true_pos = c.fn + c.tp;

    double chance = 0.0;
    if (n > 0)
        chance = (double)(pred_neg * true_pos) / (double)n +
                 (double)(pred_pos * true_neg) / (double)n;
    if (chance == 0.0) {
        *undefined |= SK_UNDEF_KAPPA;
        return 0.0;
    }
    double observed = (double)(c.fp + c.fn);
    return 1.0 - observed / chance;
}

double skm_balanced_accuracy(double recall, double specificity, sk_confusion c,
                          unsigned *undefined)
{
    bool has_pos = c.tp + c.fn > 0;
    bool has_neg = c.tn + c.fp > 0;
    if (has_pos && has_neg)
        return (specificity + recall) / 2.0;
    *undefined |= SK_UNDEF_BALANCED;
    if (has_pos)
        return recall;
    if (has_neg)
        return specificity;
    return 0.0;
}

sk_rates sk_rates_from_confusion(sk_confusion c)
{
    sk_rates r = {0};
    size_t n = c.tp + c.fp + c.tn + c.fn;
    unsigned undefined = 0;

    r.precision = skm_ratio(c.tp, c.tp + c.fp, SK_UNDEF_PRECISION, &undefined);
    r.recall = skm_ratio(c.tp, c.tp + c.fn, SK_UNDEF_RECALL, &undefined);
    r.specificity = skm_ratio(c.tn, c.tn + c.fp, SK_UNDEF_SPECIFICITY, &undefined);
    r.npv = skm_ratio(c.tn, c.tn + c.fn, SK_UNDEF_NPV, &undefined);

    /* scikit-learn calls F ill-defined only when precision and recall both
     * are, that is with no positive label and no positive prediction. */
    if (2 * c.tp + c.fp + c.fn == 0)
        undefined |= SK_UNDEF_F1;
    r.f1 = skm_fbeta(r.precision, r.recall, 1.0);

    unsigned no_samples = 0;
    r.accuracy = skm_ratio(c.tp + c.tn, n, 0, &no_samples);
    r.prevalence = skm_ratio(c.tp + c.fn, n, 0, &no_samples);
    r.predicted_positive_rate = skm_ratio(c.tp + c.fp, n, 0, &no_samples);
    size_t positives = c.tp + c.fn;
    size_t negatives = c.tn + c.fp;
    size_t majority = positives > negatives ? positives : negatives;
    r.baseline = skm_ratio(majority, n, 0, &no_samples);

    r.balanced_accuracy = skm_balanced_accuracy(r.recall, r.specificity, c, &undefined);
    r.mcc = skm_mcc(c, &undefined);
    r.kappa = kappa_of(c, &undefined);
    r.gmean = sqrt(r.recall * r.specificity);
    r.undefined = undefined;
    return r;
}

double sk_fbeta(sk_confusion c, double beta)
{
    unsigned ignored = 0;
    double precision = skm_ratio(c.tp, c.tp + c.fp, 0, &ignored);
    double recall = skm_ratio(c.tp, c.tp + c.fn, 0, &ignored);
    return skm_fbeta(precision, recall, beta);
}

/* True when every score lies in [0, 1]. */
static bool all_probabilities(const double *scores, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!(scores[i] >= 0.0 && scores[i] <= 1.0))
            return false;
    }
    return true;
}

double sk_log_loss(const double *scores, const unsigned char *y, size_t n)
{
    if (n == 0 || !all_probabilities(scores, n))
        return NAN;

    /* scikit-learn clips p, forms the row (1 - p, p) and divides it by its
     * sum, which can differ from 1 in the last bit. */
    const double eps = DBL_EPSILON;
    sk_sum total = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        double p = fmin(fmax(scores[i], eps), 1.0 - eps);
        double q = 1.0 - p;
        double row_sum = q + p;
        double likelihood = y[i] ? p / row_sum : q / row_sum;
        sk_sum_add(&total, -log(likelihood));
    }
    return sk_sum_value(&total) / (double)n;
}

double sk_brier(const double *scores, const unsigned char *y, size_t n)
{
    if (n == 0 || !all_probabilities(scores, n))
        return NAN;

    sk_sum total = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        double diff = (double)(y[i] ? 1 : 0) - scores[i];
        sk_sum_add(&total, diff * diff);
    }
    return sk_sum_value(&total) / (double)n;
}
