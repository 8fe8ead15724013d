/*
 * diagnose.h - findings: named diagnoses of an imbalance problem, each
 * with the numbers it was decided on and the action that addresses it.
 *
 * sk_diagnose() is a pure function of an sk_diagnose_input, which the
 * caller fills from whatever it has (a training snapshot or an inspected
 * file), so every rule can be tested on constructed numbers.
 */
#ifndef SKEWTOP_DIAGNOSE_H
#define SKEWTOP_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "skewtop/metrics.h"

typedef enum {
    SK_SEVERITY_ERROR = 0,
    SK_SEVERITY_WARNING,
    SK_SEVERITY_INFO
} sk_severity;

typedef struct {
    const char *id;           /* stable identifier, e.g. "all-scores-one-side" */
    sk_severity severity;
    char message[256];        /* one sentence */
    char evidence[256];       /* the numbers behind it */
    char action[160];         /* the key or option that addresses it */
} sk_finding;

/* Everything the rules look at.  Fields that do not apply are NULL/0/NAN. */
typedef struct {
    const sk_sweep *sweep;          /* validation scores and labels; NULL before any */
    const double *scores;           /* [n] the same scores, for spread and mean */
    size_t n;
    double threshold;
    const char *positive_label;     /* names used in messages */
    const char *negative_label;

    const double *train_loss;       /* [epochs] or NULL (inspect mode) */
    const double *val_loss;         /* [epochs] or NULL */
    size_t epochs;
    double prior_loss;              /* prior-only loss; NAN when unknown */
    double train_prevalence;        /* NAN when unknown */
    bool weighted;                  /* class weights other than 1:1 are set */
    double weight_neg, weight_pos;
    size_t train_rows, train_positives;
    bool diverged;                  /* the training loss became NaN or infinite */
    bool single_class_train;        /* the training split contains one class */
    bool leakage_risk;              /* overlapping windows were split at random */
    const char *other_score_of;     /* scores from a file: the --score-of label that
                                       reads them the other way round, or NULL */
    bool can_retrain;               /* a run trained here, so the keys that start a
                                       new training run apply; false for scores
                                       from a file and runs derived from others */
    /* Scores of the same rows from a run without class weights, or NULL:
     * weights that leave them unchanged had no effect. */
    const double *unweighted_scores;

    /* Optional caches of threshold-free numbers, so that a caller that
     * moves the threshold often need not rescan the scores. */
    const sk_threshold_choice *best_f1; /* NULL: computed from the sweep */
    bool have_roc_auc;              /* roc_auc is set */
    double roc_auc;
    bool have_score_stats;          /* score_mean and score_sd are set */
    double score_mean, score_sd;    /* of scores [n]; sd with n - 1 */
} sk_diagnose_input;

/* Fills the optional caches of input from its sweep and scores. */
void sk_diagnose_cache(sk_diagnose_input *input, sk_threshold_choice *best_f1_storage);

/* Maximum number of findings sk_diagnose() can return. */
#define SK_FINDINGS_MAX 16

/*
 * Evaluates every rule and writes the findings that fire into out
 * [capacity], most severe first (ties in rule order).  Returns how many
 * fired, which may exceed capacity; only the first capacity are written.
 */
size_t sk_diagnose(const sk_diagnose_input *input, sk_finding *out, size_t capacity);

/* "error", "warning" or "info". */
const char *sk_severity_name(sk_severity severity);

#endif
