/*
 * test_diagnose.c - each finding fires on a constructed case and stays
 * silent on a close case that must not trigger it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "skewtop/diagnose.h"

/* Labels and scores of one constructed validation split. */
typedef struct {
    double *scores;
    unsigned char *y;
    size_t n;
    sk_sweep *sweep;
    sk_diagnose_input input;
} fixture;

/* Builds n rows with `positives` positives.  Positives get scores from
 * pos_lo to pos_hi and negatives from neg_lo to neg_hi, evenly spread. */
static void fixture_init(fixture *f, size_t n, size_t positives, double pos_lo,
                         double pos_hi, double neg_lo, double neg_hi)
{
    f->n = n;
    f->scores = calloc(n, sizeof(double));
    f->y = calloc(n, 1);
    assert_non_null(f->scores);
    assert_non_null(f->y);
    size_t negatives = n - positives;
    for (size_t i = 0; i < n; i++) {
        bool positive = i < positives;
        size_t k = positive ? i : i - positives;
        size_t m = positive ? positives : negatives;
        double share = m > 1 ? (double)k / (double)(m - 1) : 0.5;
        f->y[i] = positive;
        f->scores[i] = positive ? pos_lo + share * (pos_hi - pos_lo)
                                : neg_lo + share * (neg_hi - neg_lo);
    }
    sk_error err;
    assert_int_equal(sk_sweep_new(f->scores, f->y, n, &f->sweep, &err), SK_OK);

    memset(&f->input, 0, sizeof f->input);
    f->input.sweep = f->sweep;
    f->input.scores = f->scores;
    f->input.n = n;
    f->input.threshold = 0.5;
    f->input.positive_label = "bad";
    f->input.negative_label = "good";
    f->input.prior_loss = NAN;
    f->input.train_prevalence = NAN;
    f->input.weight_neg = f->input.weight_pos = 1.0;
}

static void fixture_free(fixture *f)
{
    sk_sweep_free(f->sweep);
    free(f->scores);
    free(f->y);
}

/* Returns true when the finding `id` fires for input. */
static bool fires(const sk_diagnose_input *input, const char *id)
{
    sk_finding findings[SK_FINDINGS_MAX];
    size_t count = sk_diagnose(input, findings, SK_FINDINGS_MAX);
    for (size_t i = 0; i < count && i < SK_FINDINGS_MAX; i++)
        if (strcmp(findings[i].id, id) == 0)
            return true;
    return false;
}

static void all_scores_one_side(void **state)
{
    (void)state;
    fixture f;
    /* 5 % positives, every score under 0.5: nothing is predicted positive. */
    fixture_init(&f, 1000, 50, 0.10, 0.45, 0.01, 0.30);
    assert_true(fires(&f.input, "all-scores-one-side"));

    /* About 8 positives predicted (0.8 %) against a prevalence of 5 %:
     * above a tenth of it, so the rule stays silent. */
    f.input.threshold = 0.4;
    sk_confusion c = sk_sweep_confusion(f.sweep, f.input.threshold);
    assert_true(c.tp + c.fp > 5);
    assert_false(fires(&f.input, "all-scores-one-side"));
    fixture_free(&f);
}

static void all_scores_one_side_above(void **state)
{
    (void)state;
    fixture f;
    /* Every score above 0.5 with label 1 the majority: never predicts 0. */
    fixture_init(&f, 1000, 970, 0.6, 0.99, 0.55, 0.9);
    f.input.positive_label = "1";
    f.input.negative_label = "0";
    assert_true(fires(&f.input, "all-scores-one-side"));
    f.input.threshold = 0.7;
    assert_false(fires(&f.input, "all-scores-one-side"));
    fixture_free(&f);
}

static void threshold_not_optimal(void **state)
{
    (void)state;
    fixture f;
    /* A useful ranking entirely below 0.5. */
    fixture_init(&f, 1000, 50, 0.15, 0.45, 0.01, 0.20);
    assert_true(fires(&f.input, "threshold-not-optimal"));

    /* At the best-F1 threshold the rule is silent. */
    sk_criterion_options options = sk_criterion_defaults();
    sk_threshold_choice best = sk_sweep_best_threshold(f.sweep, SK_CRITERION_F1, &options);
    assert_true(best.found);
    f.input.threshold = best.threshold;
    assert_false(fires(&f.input, "threshold-not-optimal"));
    fixture_free(&f);
}

static void threshold_not_optimal_needs_ranking(void **state)
{
    (void)state;
    fixture f;
    /* Same score range for both classes: ROC AUC 0.5, no useful ranking. */
    fixture_init(&f, 1000, 50, 0.01, 0.45, 0.01, 0.45);
    assert_true(sk_sweep_roc_auc(f.sweep) < 0.6);
    assert_false(fires(&f.input, "threshold-not-optimal"));
    fixture_free(&f);
}

static void accuracy_at_baseline(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 50, 0.1, 0.45, 0.01, 0.30);
    assert_true(fires(&f.input, "accuracy-at-baseline"));
    /* A threshold above every negative beats the baseline. */
    f.input.threshold = 0.305;
    assert_false(fires(&f.input, "accuracy-at-baseline"));
    fixture_free(&f);
}

static void positive_is_majority(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 100, 97, 0.6, 0.9, 0.5, 0.7);
    assert_true(fires(&f.input, "positive-is-majority"));
    fixture_free(&f);

    fixture_init(&f, 100, 50, 0.6, 0.9, 0.1, 0.7);
    assert_false(fires(&f.input, "positive-is-majority"));
    fixture_free(&f);
}

static void learned_prior_only_by_loss(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 50, 0.1, 0.6, 0.01, 0.3);
    double train[3] = { 0.30, 0.21, 0.2020 };
    double val[3] = { 0.30, 0.21, 0.2030 };
    f.input.train_loss = train;
    f.input.val_loss = val;
    f.input.epochs = 3;
    f.input.prior_loss = 0.2050;   /* training loss is 1.5 % under it */
    assert_true(fires(&f.input, "learned-prior-only"));

    train[2] = 0.1980;             /* 3.4 % under it: learned something */
    assert_false(fires(&f.input, "learned-prior-only"));

    train[2] = 56.5;               /* far above it: diverging, not the prior */
    assert_false(fires(&f.input, "learned-prior-only"));
    fixture_free(&f);
}

static void learned_prior_only_by_spread(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 50, 0.050, 0.054, 0.049, 0.053);
    assert_true(fires(&f.input, "learned-prior-only"));
    fixture_free(&f);

    fixture_init(&f, 1000, 50, 0.03, 0.09, 0.02, 0.08);
    assert_false(fires(&f.input, "learned-prior-only"));
    fixture_free(&f);
}

static void weights_no_effect(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 50, 0.1, 0.6, 0.01, 0.3);
    f.input.train_rows = 3000;
    f.input.train_positives = 150;
    f.input.weighted = true;
    /* 1.1:1 favours the majority: effective prevalence falls. */
    f.input.weight_neg = 1.1;
    f.input.weight_pos = 1.0;
    assert_true(fires(&f.input, "weights-no-effect"));

    /* Balanced weights lift the effective prevalence to one half. */
    f.input.weight_neg = 3000.0 / (2 * 2850);
    f.input.weight_pos = 3000.0 / (2 * 150);
    assert_false(fires(&f.input, "weights-no-effect"));
    fixture_free(&f);
}

static void weights_no_effect_by_scores(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 50, 0.1, 0.6, 0.01, 0.3);
    f.input.train_rows = 3000;
    f.input.train_positives = 150;
    f.input.weighted = true;
    f.input.weight_neg = 3000.0 / (2 * 2850);
    f.input.weight_pos = 3000.0 / (2 * 150);
    double *unweighted = calloc(f.n, sizeof *unweighted);

    /* Scores that moved by 0.005 on average: the weights did nothing. */
    for (size_t i = 0; i < f.n; i++)
        unweighted[i] = f.scores[i] - 0.005;
    f.input.unweighted_scores = unweighted;
    assert_true(fires(&f.input, "weights-no-effect"));

    /* Scores that moved by 0.02: the weights acted. */
    for (size_t i = 0; i < f.n; i++)
        unweighted[i] = f.scores[i] - 0.02;
    assert_false(fires(&f.input, "weights-no-effect"));
    free(unweighted);
    fixture_free(&f);
}

static void uncalibrated(void **state)
{
    (void)state;
    fixture f;
    /* Prevalence 5 %, mean score about 0.4: what balanced weights do. */
    fixture_init(&f, 1000, 50, 0.6, 0.95, 0.2, 0.6);
    assert_true(fires(&f.input, "uncalibrated"));
    fixture_free(&f);

    /* Mean score near the prevalence. */
    fixture_init(&f, 1000, 50, 0.1, 0.3, 0.01, 0.08);
    assert_false(fires(&f.input, "uncalibrated"));
    fixture_free(&f);
}

static void overfitting(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 50, 0.1, 0.6, 0.01, 0.3);
    double train[6] = { 0.5, 0.4, 0.3, 0.25, 0.2, 0.15 };
    double val[6] = { 0.5, 0.4, 0.35, 0.36, 0.37, 0.38 };
    f.input.train_loss = train;
    f.input.val_loss = val;
    f.input.epochs = 6;
    assert_true(fires(&f.input, "overfitting"));

    /* Two rises only. */
    val[3] = 0.34;
    assert_false(fires(&f.input, "overfitting"));
    fixture_free(&f);
}

static void diverged(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 100, 10, 0.1, 0.6, 0.01, 0.3);
    assert_false(fires(&f.input, "diverged"));
    f.input.diverged = true;
    assert_true(fires(&f.input, "diverged"));
    fixture_free(&f);
}

static void single_class_split(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 100, 0, 0.1, 0.6, 0.01, 0.3);
    assert_true(fires(&f.input, "single-class-split"));
    fixture_free(&f);

    fixture_init(&f, 100, 1, 0.1, 0.6, 0.01, 0.3);
    assert_false(fires(&f.input, "single-class-split"));
    fixture_free(&f);
}

static void too_few_positives(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 29, 0.1, 0.6, 0.01, 0.3);
    assert_true(fires(&f.input, "too-few-positives"));
    fixture_free(&f);

    fixture_init(&f, 1000, 30, 0.1, 0.6, 0.01, 0.3);
    assert_false(fires(&f.input, "too-few-positives"));
    fixture_free(&f);
}

static void leakage_risk(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 50, 0.1, 0.6, 0.01, 0.3);
    assert_false(fires(&f.input, "leakage-risk"));
    f.input.leakage_risk = true;
    assert_true(fires(&f.input, "leakage-risk"));
    fixture_free(&f);
}

/* Returns the action of the finding `id`, or "" when it does not fire. */
static const char *action_of(const sk_diagnose_input *input, const char *id)
{
    static sk_finding findings[SK_FINDINGS_MAX];
    size_t count = sk_diagnose(input, findings, SK_FINDINGS_MAX);
    for (size_t i = 0; i < count && i < SK_FINDINGS_MAX; i++)
        if (strcmp(findings[i].id, id) == 0)
            return findings[i].action;
    return "";
}

static void ranking_inverted(void **state)
{
    (void)state;
    fixture f;
    /* Positives all below the negatives: ROC AUC 0, as when a file contains
     * the scores of the other class. */
    fixture_init(&f, 1000, 100, 0.05, 0.40, 0.45, 0.95);
    assert_true(fires(&f.input, "ranking-inverted"));
    assert_non_null(strstr(action_of(&f.input, "ranking-inverted"), "--score-of LABEL"));
    f.input.other_score_of = "good";
    assert_non_null(strstr(action_of(&f.input, "ranking-inverted"), "--score-of 'good'"));
    f.input.can_retrain = true;
    assert_non_null(strstr(action_of(&f.input, "ranking-inverted"), "labels"));
    fixture_free(&f);

    /* A ranking under chance on 60 rows: AUC 0.30, 2.5 standard errors
     * under 0.5, rare but possible for a ranking with no skill. */
    fixture_init(&f, 60, 20, 0.10, 0.70, 0.20, 0.90);
    double auc = sk_sweep_roc_auc(f.sweep);
    assert_true(auc < 0.45);
    assert_false(fires(&f.input, "ranking-inverted"));
    fixture_free(&f);

    /* Far more rows with the same overlap: now well beyond chance. */
    fixture_init(&f, 6000, 2000, 0.10, 0.70, 0.20, 0.90);
    assert_true(fires(&f.input, "ranking-inverted"));
    fixture_free(&f);
}

/* The actions name keys that retrain only on a run trained here. */
static void actions_follow_the_run(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 50, 0.10, 0.45, 0.01, 0.30);
    const char *file_action = action_of(&f.input, "all-scores-one-side");
    assert_non_null(strstr(file_action, "press o"));
    assert_null(strstr(file_action, " w "));
    f.input.can_retrain = true;
    assert_non_null(strstr(action_of(&f.input, "all-scores-one-side"), " w for balanced"));
    fixture_free(&f);

    fixture_init(&f, 1000, 50, 0.30, 0.302, 0.30, 0.302);
    assert_null(strstr(action_of(&f.input, "learned-prior-only"), "press +"));
    f.input.can_retrain = true;
    assert_non_null(strstr(action_of(&f.input, "learned-prior-only"), "press +"));
    fixture_free(&f);

    /* --val-fraction means nothing to scores from a file. */
    fixture_init(&f, 400, 12, 0.4, 0.9, 0.0, 0.6);
    assert_null(strstr(action_of(&f.input, "too-few-positives"), "--val-fraction"));
    assert_non_null(strstr(action_of(&f.input, "too-few-positives"), "more rows"));
    f.input.can_retrain = true;
    assert_non_null(strstr(action_of(&f.input, "too-few-positives"), "--val-fraction"));
    fixture_free(&f);
}

static void findings_sorted_by_severity(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 20, 0.15, 0.45, 0.01, 0.20);
    sk_finding findings[SK_FINDINGS_MAX];
    size_t count = sk_diagnose(&f.input, findings, SK_FINDINGS_MAX);
    assert_true(count >= 3);
    for (size_t i = 1; i < count; i++)
        assert_true(findings[i - 1].severity <= findings[i].severity);

    /* A capacity smaller than the count writes only that many. */
    sk_finding one[1];
    assert_int_equal(sk_diagnose(&f.input, one, 1), count);
    assert_string_equal(one[0].id, findings[0].id);
    fixture_free(&f);
}

static void cached_input_matches(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1000, 50, 0.15, 0.45, 0.01, 0.20);
    sk_finding plain[SK_FINDINGS_MAX], cached[SK_FINDINGS_MAX];
    size_t n_plain = sk_diagnose(&f.input, plain, SK_FINDINGS_MAX);

    sk_threshold_choice storage;
    sk_diagnose_cache(&f.input, &storage);
    assert_true(f.input.have_roc_auc);
    assert_true(f.input.have_score_stats);
    size_t n_cached = sk_diagnose(&f.input, cached, SK_FINDINGS_MAX);
    assert_int_equal(n_plain, n_cached);
    for (size_t i = 0; i < n_plain; i++) {
        assert_string_equal(plain[i].id, cached[i].id);
        assert_string_equal(plain[i].evidence, cached[i].evidence);
    }
    fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_scores_one_side),
        cmocka_unit_test(all_scores_one_side_above),
        cmocka_unit_test(threshold_not_optimal),
        cmocka_unit_test(threshold_not_optimal_needs_ranking),
        cmocka_unit_test(accuracy_at_baseline),
        cmocka_unit_test(positive_is_majority),
        cmocka_unit_test(learned_prior_only_by_loss),
        cmocka_unit_test(learned_prior_only_by_spread),
        cmocka_unit_test(weights_no_effect),
        cmocka_unit_test(weights_no_effect_by_scores),
        cmocka_unit_test(uncalibrated),
        cmocka_unit_test(overfitting),
        cmocka_unit_test(diverged),
        cmocka_unit_test(single_class_split),
        cmocka_unit_test(too_few_positives),
        cmocka_unit_test(leakage_risk),
        cmocka_unit_test(ranking_inverted),
        cmocka_unit_test(actions_follow_the_run),
        cmocka_unit_test(findings_sorted_by_severity),
        cmocka_unit_test(cached_input_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
