/*
 * view.h - the screen's state and the panel drawing functions (private to
 * src/tui).  Drawing functions read the state and never change it; key
 * handlers change it and never draw.
 */
#ifndef SKEWTOP_TUI_VIEW_H
#define SKEWTOP_TUI_VIEW_H

#include <stdbool.h>

#include "skewtop/diagnose.h"
#include "skewtop/intervals.h"
#include "skewtop/lesson.h"
#include "skewtop/metrics.h"
#include "skewtop/session.h"

#include "terminal.h"

/* Smallest terminal the overview fits in. */
#define VIEW_MIN_COLS 80
#define VIEW_MIN_LINES 24

/* Runs whose intervals the runs view keeps; later runs show none. */
#define VIEW_INTERVAL_RUNS 64

/* Runs of more rows than this show a message while their views are
 * prepared, because at 10^7 rows that takes most of a second. */
#define VIEW_SLOW_ROWS 1000000

/* Maximum points of a drawn ROC or precision-recall curve.  Their step of
 * about 1/1000 of an axis is finer than a cell of any terminal. */
#define VIEW_CURVE_POINTS 2048

/* The screens that Tab cycles through. */
typedef enum {
    VIEW_OVERVIEW = 0,
    VIEW_CURVES,          /* ROC and precision-recall curves */
    VIEW_CALIBRATION,     /* reliability diagram */
    VIEW_RUNS,            /* every run's metrics side by side */
    VIEW_COUNT
} view_kind;

typedef struct {
    int y, x, h, w;
} view_rect;

typedef struct {
    sk_terminal terminal;
    view_kind view;
    sk_session **runs;              /* [run_count]; grows as remedies start runs */
    size_t run_count;
    size_t run_capacity;
    size_t caller_runs;             /* runs[0 .. caller_runs) belong to the caller,
                                       the rest to the screen */
    char **run_names;               /* [run_count] names of the runs the screen
                                       started; NULL for the caller's */
    double *run_thresholds;         /* [run_count] each run's own threshold */
    size_t chosen_run;              /* set by view_swap_classes() and
                                       view_recalibrate() */
    size_t current;                 /* index of the run shown */
    const sk_dataset *data;         /* training data, or NULL: no remedy keys */
    unsigned epoch_delay_ms;
    char message[160];              /* shown in the status line until the next key */
    const char *export_path;
    const char *input_path;
    const char *chosen_criterion;   /* set by o, cleared when the threshold moves */
    const sk_lesson *lesson;        /* NULL outside a lesson */
    sk_criterion_options criteria;
    double calib_fraction;
    long resamples;                 /* 0 default, < 0 none, else the count */
    bool lesson_done;               /* the goal was reached once */
    bool show_explanation;          /* the completion box is open */
    sk_session *session;            /* runs[current] */
    const sk_run_info *info;        /* of runs[current] */
    const char *title;

    sk_snapshot *snapshot;          /* newest snapshot, a held reference */
    double threshold;
    double start_threshold;         /* where 0 returns to */
    bool start_probability;         /* the first run's scores are probabilities */
    sk_criterion criterion;         /* the criterion `o` jumps to next */
    sk_criterion shown_criterion;   /* the criterion marked on the slider */
    bool paused;
    bool show_help;
    bool log_histogram;             /* log-scale bar heights */

    /* Computed once per snapshot: threshold-free numbers. */
    bool have_range;                /* the snapshot has scores, so lo and hi are set */
    double lo, hi;                  /* score axis: [0, 1] for probabilities, else
                                       the scores' range */
    sk_threshold_choice best[SK_CRITERION_COUNT];
    double roc_auc, average_precision;
    sk_curve roc, pr;               /* empty (0 points) before the first epoch */
    sk_calibration calibration;
    bool have_calibration;
    /* Before recalibration, for a recalibrated run: its reference scores. */
    sk_calibration calibration_before;
    bool have_calibration_before;
    double brier_before;
    sk_diagnose_input diagnose;     /* with its caches filled */
    sk_snapshot *unweighted;        /* a held snapshot of the same rows without
                                       class weights, or NULL */
    sk_threshold_choice diagnose_best_f1;

    /* Bootstrap intervals at the threshold, from a background worker;
     * valid when have_intervals and they match the snapshot and threshold. */
    sk_intervals *intervals;
    sk_bootstrap_result interval_result;
    size_t interval_epoch;
    bool have_intervals;

    /* The runs view's intervals of recall at each run's own threshold,
     * valid for the epoch and threshold stored beside them. */
    sk_interval run_recall[VIEW_INTERVAL_RUNS];
    size_t run_interval_epoch[VIEW_INTERVAL_RUNS];
    double run_interval_threshold[VIEW_INTERVAL_RUNS];
    bool run_interval_valid[VIEW_INTERVAL_RUNS];

    /* Recomputed when the threshold or snapshot changes. */
    sk_finding findings[SK_FINDINGS_MAX];
    size_t finding_count;
} view_state;

/* Starts a new training run with options on the same data and split, and
 * shows it.  Returns false with view->message set when it cannot start. */
bool view_start_run(view_state *view, const sk_train_options *options);

/* Shows text on the status line at once, before a step that takes a while
 * (seconds for 10^7 rows); the step's outcome replaces it. */
void view_announce(view_state *view, const char *text);

/* Returns true for a run made by recalibrating another (not for a swap). */
bool view_is_recalibrated(const sk_session *session);

/* Starts a recalibrated run from the current run, or from the base of a
 * recalibrated one: the next map in none, prior shift, Platt, isotonic.
 * Runs of scores from a file skip the prior shift.  Sets view->chosen_run to
 * that run, made now or found among the runs.  Returns false with
 * view->message set when it cannot. */
bool view_recalibrate(view_state *view);

/* Sets view->chosen_run to the run over the current run's scores with the
 * classes swapped, made now or found among the runs.  Returns false with
 * view->message set when it cannot. */
bool view_swap_classes(view_state *view);

/* Writes the current run's operating point to view->export_path and
 * reports the result in view->message. */
void view_export(view_state *view);

/* Returns true when the lesson's goal holds on the current state. */
bool view_lesson_reached(const view_state *view);

/* Brings the runs view's intervals up to date (on the UI thread: each is a
 * bootstrap over one validation split).  Returns true when one changed. */
bool view_refresh_run_intervals(view_state *view);

/* Draws the whole screen (or the too-small message) with one doupdate. */
void view_draw(const view_state *view);

/* Draws the curves or the calibration view into r. */
void view_draw_curves(const view_state *view, view_rect r);
void view_draw_calibration(const view_state *view, view_rect r);
void view_draw_runs(const view_state *view, view_rect r);

/* Returns true when the interval result belongs to the current snapshot
 * and threshold. */
bool view_intervals_current(const view_state *view);

/* Draws a box around r with a title in its top border. */
void view_frame(view_rect r, const char *title);
/* Writes text at (y, x), cut to width bytes; text is ASCII or UTF-8. */
void view_text(int y, int x, int width, const char *text);
/* Formats a value as "%5.3f", or "  n/a" when undefined or not finite. */
void view_format_value(char *out, size_t size, double value, bool undefined);

#endif
