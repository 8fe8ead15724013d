/*
 * windows.h - windows over a time series or a panel of series, encoded as
 * an sk_dataset for sequence models.
 *
 * A panel holds many entities (the group column), each observed at many
 * times (the time column).  Each window is `window` consecutive time steps
 * of one entity, and it predicts the label of the row `horizon` steps after
 * its last step.  Row b of a split's x holds the window's encoded features
 * step-major: step 0's features, then step 1's, and so on, so x has
 * window * (features per step) columns and dataset->steps == window.
 *
 * Time values.  A time column holds whole numbers (at most 15 digits) or
 * dates, one form for the whole column.  Dates are written YYYY-MM, YYYY-MM-DD or M/D/YYYY (month
 * and day with one or two digits).  The step between rows is inferred:
 *   - integers: steps of 1 (5 follows 4);
 *   - months: when every value is YYYY-MM, or every full date is the first
 *     day of its month, or every full date is the last day of its month
 *     (2013-01-31, 2013-02-28, ... are consecutive months);
 *   - days: any other column of dates.
 * Without a time column, the rows of each series are consecutive steps
 * 0, 1, 2, ... in file order.
 *
 * Gaps.  A step between a series' first and last time that has no row is a
 * gap.  SK_GAP_FILL reads a gap as a step whose every feature is missing;
 * SK_GAP_SKIP drops every window that contains one.
 *
 * Time split (the default).  With a cut time C, a window trains when its
 * label time is before C and validates when its label time is C or later.
 * A validation window may read features of steps before C: features are
 * what a deployed model would have, and the label column is never a
 * feature, so no training label reaches validation and no validation label
 * reaches training.  Every window lands in exactly one split.
 */
#ifndef SKEWTOP_WINDOWS_H
#define SKEWTOP_WINDOWS_H

#include <stdbool.h>
#include <stddef.h>

#include "skewtop/common.h"
#include "skewtop/data.h"

/* How windows are divided into training and validation. */
typedef enum {
    SK_WINDOW_SPLIT_TIME = 0, /* earlier label times train, later ones validate */
    SK_WINDOW_SPLIT_RANDOM    /* seeded shuffle, stratified by class; sets leakage_risk */
} sk_window_split;

/* What happens to a window that contains a time step without a row. */
typedef enum {
    SK_GAP_FILL = 0,  /* the step's features are missing: imputed and flagged */
    SK_GAP_SKIP       /* the window is dropped */
} sk_gap_policy;

typedef struct {
    const char *target;     /* label column: name or 1-based index (required) */
    const char *positive;   /* positive label; NULL picks the minority class of the windows */
    const char *time_col;   /* time column; NULL: file order within each series */
    const char *group_col;  /* entity column; NULL: the whole file is one series */
    size_t window;          /* steps per window, >= 1 */
    size_t horizon;         /* the label is this many steps after the window's last step */
    sk_window_split split;
    const char *split_at;   /* time split: the first time of validation, written like
                               the time column; NULL cuts by val_fraction */
    double val_fraction;    /* share of the label time span (time split) or of the
                               windows (random split) in validation, in (0, 1) */
    unsigned long seed;     /* seeds the random split */
    size_t max_categories;  /* one-hot cap; 0 means SK_DEFAULT_MAX_CATEGORIES */
    sk_gap_policy gaps;
} sk_window_options;

/*
 * Cuts table into windows and encodes them into a new dataset.
 *
 * Rows are ordered by series (in the order their first rows appear in the
 * file) and by time within a series.  Every row with a label anchors the
 * window that ends `horizon` steps before it, if that window starts no
 * earlier than its series' first time.  A row with a missing label anchors
 * nothing but still supplies features.  Features are every column except
 * the target, time and group columns, encoded as sk_dataset_prepare()
 * does: numbers standardised with the mean and standard deviation of the
 * rows that training windows read (each row counted once), text one-hot
 * with the max_categories cap, missing values (and gap steps under
 * SK_GAP_FILL) imputed and flagged by "COLUMN (missing)" features.
 *
 * The result has steps == window, features == window * P for P features
 * per step, and feature_names such as "WSR0@t-6" ... "WSR0@t" (step-major,
 * "@t" is the window's last step).  source_row of each split is the table
 * row whose label the window predicts, ordered by series and time.
 * leakage_risk is true for a random split.  Notices report the windows
 * made, gaps, the cut and every dropped or imputed column.
 *
 * On success *out owns the dataset, which keeps no pointer into table;
 * free it with sk_dataset_free().
 *
 * Fails with SK_ERR_INPUT, and a message that names the option as typed
 * on the command line (--target, --time-col, --group-col, --window,
 * --horizon, --split-at, --val-fraction, --positive), for:
 *   - an unknown column, or one column given for two roles;
 *   - a missing or unparseable time or group value (with its line);
 *   - two rows of one series at the same time;
 *   - a window longer than every series, or no window left;
 *   - a split side without windows of both classes;
 *   - every failure of sk_dataset_prepare() about labels and features.
 * Fails with SK_ERR_NOMEM when memory runs out.
 */
sk_status sk_windows_prepare(const sk_table *table, const sk_window_options *options,
                             sk_dataset **out, sk_error *err);

#endif
