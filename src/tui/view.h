/*
 * view.h - the screen's state and the panel drawing functions (private to
 * src/tui).  Drawing functions read the state and never change it; key
 * handlers change it and never draw.
 */
#ifndef SKEWTOP_TUI_VIEW_H
#define SKEWTOP_TUI_VIEW_H

#include <stdbool.h>

#include "skewtop/diagnose.h"
#include "skewtop/metrics.h"
#include "skewtop/session.h"

#include "terminal.h"

/* Smallest terminal the overview fits in. */
#define VIEW_MIN_COLS 80
#define VIEW_MIN_LINES 24

/* Histogram bins computed per snapshot; panels of other widths rebin. */
#define VIEW_HISTOGRAM_BINS 512

typedef struct {
    sk_terminal terminal;
    sk_session *session;
    const sk_dataset *data;
    const char *title;

    sk_snapshot *snapshot;          /* newest snapshot, a held reference */
    double threshold;
    sk_criterion criterion;         /* the criterion `o` jumps to next */
    sk_criterion shown_criterion;   /* the criterion marked on the slider */
    bool paused;
    bool show_help;
    bool log_histogram;             /* log-scale bar heights */

    /* Computed once per snapshot: threshold-free numbers. */
    sk_class_histogram histogram;   /* VIEW_HISTOGRAM_BINS over [lo, hi] */
    bool have_histogram;
    sk_threshold_choice best[SK_CRITERION_COUNT];
    double roc_auc, average_precision;
    sk_diagnose_input diagnose;     /* with its caches filled */
    sk_threshold_choice diagnose_best_f1;

    /* Recomputed when the threshold or snapshot changes. */
    sk_finding findings[SK_FINDINGS_MAX];
    size_t finding_count;
} view_state;

/* Draws the whole screen (or the too-small message) with one doupdate. */
void view_draw(const view_state *view);

#endif
