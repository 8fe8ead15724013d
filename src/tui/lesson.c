/*
 * lesson.c - the lessons and the checks that decide when each goal is
 * reached.  A check reads the screen's state only; the event loop runs it
 * after every snapshot and key, and shows the explanation once when it
 * first passes.
 */
#include <math.h>
#include <string.h>

#include "skewtop/lesson.h"

#include "view.h"

enum {
    GOAL_RECALL_AND_PRECISION, /* recall and precision of the shown run reach a bar */
    GOAL_WEIGHTED_CALIBRATED,  /* a recalibrated run of a weighted run, low ECE */
    GOAL_BEAT_PRIOR,           /* training loss clearly under the prior-only line */
    GOAL_MINORITY_CAUGHT,      /* label 0 positive, recall and precision reached */
    GOAL_COMPARE_SPLITS,       /* runs view open with both runs finished */
    GOAL_READ_INTERVAL         /* recall reached and its interval on screen */
};

/* Bars of the goals, stated in each lesson's goal line. */
#define THRESHOLD_RECALL 0.5
#define THRESHOLD_PRECISION 0.10
#define WEIGHTS_MAX_ECE 0.05
#define PRIOR_LOSS_SHARE 0.97
#define PANEL_RECALL 0.5
#define PANEL_PRECISION 0.10
#define FEW_RECALL 0.5

static const sk_lesson lessons[] = {
    {
        .name = "threshold",
        .title = "lending club: the model ranks well, but 0.5 is the wrong threshold",
        .data_file = "lending_club.csv",
        .args = { "--target", "Class", NULL },
        .goal = "Catch half of the bad loans (recall >= 0.50) with precision >= 0.10.",
        .hint = "Every 'bad' score is under 0.5. Move the threshold down towards "
                "the prevalence (5 %): left arrow or PgDn.",
        .explanation =
            "At 5 % prevalence the model ranks loans usefully (ROC AUC about 0.7), "
            "yet no loan gets a probability above 0.5, so at 0.5 no bad loan is "
            "caught. The threshold, not the model, was wrong: lowering it trades "
            "precision for recall without retraining. Tab shows the whole "
            "trade-off on the ROC and precision-recall curves.",
        .goal_kind = GOAL_RECALL_AND_PRECISION,
    },
    {
        .name = "weights",
        .title = "lending club: class weights, and the calibration they break",
        .data_file = "lending_club.csv",
        .args = { "--target", "Class", NULL },
        .goal = "Train with balanced weights, then recalibrate until ECE < 0.05.",
        .hint = "Press w for balanced class weights and watch recall at 0.5 rise. "
                "Then Tab to the calibration view and press c.",
        .explanation =
            "Balanced weights make the model learn as if half the loans were bad, "
            "so every score rises: recall at 0.5 improves, but the scores stop "
            "being probabilities (their mean is far above 5 %). Recalibration, "
            "fitted on half of the validation rows, maps them back; the ranking, "
            "and so ROC AUC, barely changes.",
        .goal_kind = GOAL_WEIGHTED_CALIBRATED,
    },
    {
        .name = "prior",
        .title = "lending club: a learning rate so small the model learns only the base rate",
        .data_file = "lending_club.csv",
        .args = { "--target", "Class", "--optimizer", "sgd", "--lr", "0.00001",
                  "--bias-init", "prior", NULL },
        .goal = "Get the training loss 3 % below the prior-only line.",
        .hint = "The loss lies on the dashed prior-only line: the model predicts "
                "the base rate for every loan. Press + for 10x the learning rate "
                "(more than once if needed).",
        .explanation =
            "A model that starts at the prior log-odds and barely moves predicts the "
            "prevalence for every row. Its loss equals -p log p - (1 - p) log(1 - p), "
            "the dashed line, and every score sits near 0.05. Once the learning rate "
            "lets it move, the loss drops below the line and the scores spread out.",
        .goal_kind = GOAL_BEAT_PRIOR,
    },
    {
        .name = "panel",
        .title = "monthly panel, LSTM: the minority is label 0 and every score is above 0.5",
        .data_file = "panel.csv",
        .args = { "--target", "paid", "--positive", "1", "--model", "lstm", "--hidden", "10",
                  "--window", "12", "--optimizer", "rmsprop", "--batch", "12",
                  "--time-col", "month", "--group-col", "entity", NULL },
        .goal = "Catch half of the missed payments (label 0) with precision >= 0.10.",
        .hint = "Every score is above 0.5, so label 0 is never predicted. The class "
                "of interest is 0: press p to score it, then move the threshold (o).",
        .explanation =
            "This is the classic failure: 97 % of the months are 1, the LSTM's sigmoid "
            "gives every window a probability above 0.5, and metrics computed for label "
            "1 look excellent. The model did learn something (ROC AUC well above 0.5); "
            "it was scored for the wrong class at the wrong threshold. With label 0 as "
            "the positive class and a threshold near its prevalence, missed payments "
            "are caught.",
        .goal_kind = GOAL_MINORITY_CAUGHT,
    },
    {
        .name = "leakage",
        .title = "monthly panel: a random split of overlapping windows leaks",
        .data_file = "panel.csv",
        .args = { "--target", "paid", "--window", "6", "--time-col", "month",
                  "--group-col", "entity", "--split", "random", "--epochs", "20", NULL },
        .second_args = { "--target", "paid", "--window", "6", "--time-col", "month",
                         "--group-col", "entity", "--split", "time", "--epochs", "20",
                         NULL },
        .goal = "Compare the random split (run 1) with the time split (run 2) in the runs view.",
        .hint = "Run 1 split overlapping windows at random, so validation windows share "
                "months with training windows. Press Tab until the runs view shows both.",
        .explanation =
            "The two runs differ only in the split. Windows of a random split share "
            "months with training windows, so run 1 measures how well the model fills "
            "in periods it has already seen, not how it predicts later months; on "
            "data whose patterns drift it usually looks better than it will be. Only "
            "the time split (run 2) keeps every validation label after every "
            "training label, which is how the model will be used, so trust its "
            "numbers, whichever is higher here.",
        .goal_kind = GOAL_COMPARE_SPLITS,
    },
    {
        .name = "few",
        .title = "lending club: too few minority rows in validation, and wide intervals",
        .data_file = "lending_club.csv",
        .args = { "--target", "Class", "--val-fraction", "0.05", NULL },
        .goal = "Reach recall >= 0.50 and read its 95 % interval in the metrics panel.",
        .hint = "Validation holds about 26 bad loans. Move the threshold down and watch "
                "the interval next to recall.",
        .explanation =
            "With 26 bad loans, one loan more or less moves recall by 4 points, and "
            "the bootstrap interval spans tens of points. A difference between two "
            "models smaller than that width is noise: use a larger validation split "
            "(--val-fraction) before comparing them.",
        .goal_kind = GOAL_READ_INTERVAL,
    },
};

const sk_lesson *sk_lessons(size_t *count)
{
    *count = sizeof lessons / sizeof lessons[0];
    return lessons;
}

const sk_lesson *sk_lesson_find(const char *name)
{
    for (size_t i = 0; i < sizeof lessons / sizeof lessons[0]; i++)
        if (strcmp(lessons[i].name, name) == 0)
            return &lessons[i];
    return NULL;
}

const sk_lesson *sk_lesson_default(void)
{
    return &lessons[0];
}

/* Recall and precision of the shown run at the shown threshold. */
static bool rates_reach(const view_state *v, double recall, double precision)
{
    if (v->snapshot->sweep == NULL)
        return false;
    sk_rates r = sk_rates_from_confusion(sk_sweep_confusion(v->snapshot->sweep, v->threshold));
    return !(r.undefined & (SK_UNDEF_RECALL | SK_UNDEF_PRECISION)) && r.recall >= recall
           && r.precision >= precision;
}

static bool weighted_calibrated(const view_state *v)
{
    sk_session *base = sk_session_base(v->session);
    const sk_calibrator *map = sk_session_calibrator(v->session);
    if (base == NULL || map->kind == SK_CALIBRATOR_NONE || !v->have_calibration)
        return false;
    const sk_train_options *options = sk_session_options(base);
    return options != NULL && options->weights != SK_WEIGHTS_NONE
           && v->calibration.ece < WEIGHTS_MAX_ECE;
}

static bool beats_prior(const view_state *v)
{
    const sk_snapshot *s = v->snapshot;
    return s->history_len >= 3 && isfinite(s->prior_loss)
           && s->train_loss[s->history_len - 1] < PRIOR_LOSS_SHARE * s->prior_loss;
}

static bool compares_splits(const view_state *v)
{
    if (v->view != VIEW_RUNS || v->run_count < 2)
        return false;
    for (size_t i = 0; i < 2; i++) {
        sk_snapshot *s = sk_session_latest(v->runs[i]);
        bool done = s->state == SK_RUN_DONE;
        sk_snapshot_release(s);
        if (!done)
            return false;
    }
    return true;
}

bool view_lesson_reached(const view_state *v)
{
    switch (v->lesson->goal_kind) {
    case GOAL_RECALL_AND_PRECISION:
        return rates_reach(v, THRESHOLD_RECALL, THRESHOLD_PRECISION);
    case GOAL_WEIGHTED_CALIBRATED:
        return weighted_calibrated(v);
    case GOAL_BEAT_PRIOR:
        return beats_prior(v);
    case GOAL_MINORITY_CAUGHT:
        return strcmp(v->info->positive_label, "0") == 0
               && rates_reach(v, PANEL_RECALL, PANEL_PRECISION);
    case GOAL_COMPARE_SPLITS:
        return compares_splits(v);
    case GOAL_READ_INTERVAL:
        return rates_reach(v, FEW_RECALL, 0.0) && view_intervals_current(v);
    default:
        return false;
    }
}
