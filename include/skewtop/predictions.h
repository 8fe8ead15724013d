/*
 * predictions.h - reading true labels and model scores exported from any
 * framework, for `skewtop inspect`.
 *
 * A prediction file is a CSV file with one label column and one or more
 * score columns (one per model to compare).  The reader picks the columns,
 * decides which label is the positive class, and orients every score
 * column so that a higher score means "more positive".
 *
 * Orientation.  A score is taken to be the probability of one class, the
 * score-of class: by default the larger of the two labels (numeric order
 * when both labels are numbers, else strcmp order).  That is the class of
 * scikit-learn's predict_proba[:, 1], whose classes_ are sorted, and of a
 * Keras sigmoid output trained on 0/1 labels.  When the positive class is
 * the other label, a probability column (every score in [0, 1]) becomes
 * 1 - p and any other column (margins, logits) changes sign.
 *
 * Every choice the user did not make explicitly (auto-detected columns,
 * flipped scores, one class against the rest) leaves one notice sentence.
 *
 * Large files.  The file is read as a stream: only the label (as a small
 * integer code) and the scores of each row are kept, 1 or 2 bytes plus 8
 * per score column.  Up to options->exact_limit rows every score is kept
 * (exact mode).  Beyond it, unless options->exact is set, the reader bins
 * the scores instead (binned mode): per score column and class, counts in
 * 2^19 equal-width bins, with the lowest and highest score of each bin.  The
 * grid starts over the range of the rows read so far, with room on both
 * sides.  A later score outside it doubles the bin width until the score
 * fits, and adjacent pairs of bins merge, so every count stays exact.  The
 * observed range then spans at least a quarter of the bins, so at least
 * 2^17 bins (before any doubling, when all the first scores are equal, the
 * bins are 2^-39 of that score wide).  Memory in binned mode is about 12 MB
 * per score column whatever the row count (more with one-vs-rest: 2 MB per
 * further class).
 */
#ifndef SKEWTOP_PREDICTIONS_H
#define SKEWTOP_PREDICTIONS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "skewtop/common.h"
#include "skewtop/data.h"

/* Rows kept score by score when options->exact_limit is 0: 5 x 10^7 rows
 * of one score column take about 450 MB. */
#define SK_PREDICTIONS_EXACT_LIMIT ((size_t)50000000)

typedef struct {
    const char *label;      /* label column: name or 1-based index; NULL = auto */
    const char *scores;     /* score column, or several as "a,b,c"; NULL = auto */
    const char *score_of;   /* class the scores are the probability of; NULL = the larger label */
    const char *positive;   /* positive class; NULL = the minority class */
    sk_csv_options csv;     /* used when reading a file, not by sk_predictions_from_table() */
    size_t exact_limit;     /* rows kept exactly, binned mode beyond;
                               0 = SK_PREDICTIONS_EXACT_LIMIT */
    bool exact;             /* keep every score whatever the row count */
} sk_predictions_options;

/*
 * Progress of a reader, shared with another thread (a screen that shows
 * it, and a key that cancels).  Zero-initialise it before the call.  The
 * reader updates the counters after every chunk of input (1 MiB) and checks
 * cancel there.
 */
typedef struct {
    atomic_size_t bytes_read;   /* bytes of the file read so far */
    atomic_size_t rows_read;    /* data rows read so far */
    atomic_size_t bytes_total;  /* size of a regular file, set on opening; 0 when
                                   unknown (standard input from a pipe) */
    atomic_bool binned;         /* the reader passed the exact limit and bins */
    atomic_bool cancel;         /* set by the caller to stop reading */
} sk_read_progress;

/* Counts of one score column in binned mode, in the form that
 * sk_sweep_new_binned() (metrics.h) takes: bins in increasing score order,
 * oriented as the scores are (flipped when sk_predictions.flipped). */
typedef struct {
    size_t bins;            /* non-empty bins */
    double *lowest;         /* [bins] lowest score in the bin, strictly increasing;
                               every score of bin b is below lowest[b + 1] */
    size_t *negatives;      /* [bins] rows with y == 0 */
    size_t *positives;      /* [bins] rows with y == 1 */
    double max_score;       /* highest score of the top bin */
} sk_score_bins;

/* Numbers of one score column over every row, oriented, computed while
 * reading so that binned mode needs no scores afterwards. */
typedef struct {
    double log_loss;        /* as sk_log_loss() (metrics.h); NAN unless every
                               score lies in [0, 1] */
    double brier;           /* as sk_brier(); NAN unless every score lies in [0, 1] */
    double mean;            /* mean score */
    double sd;              /* standard deviation with n - 1; NAN for one row */
} sk_score_summary;

typedef struct {
    size_t rows;            /* data rows; none is dropped */
    size_t positives;       /* rows with y == 1 */
    unsigned char *y;       /* [rows] 1 for the positive class, 0 otherwise */
    char *label_name;       /* name of the label column */
    size_t classes;         /* distinct labels in the label column (2, or more for one-vs-rest) */

    size_t score_columns;   /* at least 1 */
    char **score_names;     /* [score_columns] column names, in the order given */
    double **scores;        /* [score_columns][rows] finite, oriented so that higher = more positive */
    bool *probability;      /* [score_columns] every score lies in [0, 1] */

    char *positive_label;   /* the class of interest (y == 1) */
    char *negative_label;   /* the other class, or "not X" for one-vs-rest */
    char *score_of_label;   /* class the file's scores are the probability of */
    bool flipped;           /* score_of_label is not the positive class, so the scores
                               were turned into 1 - p (probabilities) or -s (other scores) */
    bool one_vs_rest;       /* more than two labels: the positive class against the rest */

    char **notices;         /* [notice_count] one sentence each, for the user */
    size_t notice_count;

    /* Binned mode: y and scores are NULL, and bins[i] contains the counts
     * of score column i.  rows, positives and the rest are set as in exact
     * mode. */
    bool binned;
    sk_score_bins *bins;    /* [score_columns] when binned, else NULL */
    sk_score_summary *summary; /* [score_columns] in both modes */
} sk_predictions;

/*
 * Reads a prediction file ("-" for standard input) as a stream and turns it
 * into labels and oriented scores, with the rules and messages of
 * sk_predictions_from_table() below and the CSV rules of sk_table_read()
 * (data.h).  options may be NULL for all defaults; progress may be NULL.
 *
 * Memory: in exact mode 1 byte per row (2 with more than 256 labels) plus
 * 8 per score, in arrays that double as they grow (pages are touched only
 * as rows arrive), plus a 1 MiB read buffer.  In binned mode (more rows than
 * options->exact_limit, without options->exact) it stays flat: see the file
 * comment.  The rows read up to the limit are binned at the switch, so the
 * peak is the exact-mode memory of exact_limit rows.
 *
 * Difference from reading a table: errors come in file order, so of two
 * bad rows the first is reported, whatever its kind.  Columns are detected
 * as sk_predictions_from_table() describes, from the same first rows.
 *
 * Fails with SK_ERR_INPUT as sk_table_read() and sk_predictions_from_table()
 * do, and when: the file has more than UINT32_MAX rows; binned mode meets
 * more than 16 classes (one-vs-rest) or scores that span more than about
 * 2^44 times their own spread; progress->cancel was set, with the message
 * "Reading ... was interrupted." (check progress->cancel to tell).  Fails
 * with SK_ERR_NOMEM.  On success *out owns the result; free it with
 * sk_predictions_free().
 */
sk_status sk_predictions_stream(const char *path, const sk_predictions_options *options,
                                sk_read_progress *progress, sk_predictions **out,
                                sk_error *err);

/* sk_predictions_stream() without progress. */
sk_status sk_predictions_read(const char *path, const sk_predictions_options *options,
                              sk_predictions **out, sk_error *err);

/*
 * Picks the label and score columns of table, chooses the positive class
 * and reads every score.  source names the file in messages: a path, "-"
 * for standard input, or NULL for none.  options->csv is not used;
 * exact_limit and exact apply as in sk_predictions_stream().
 *
 * Columns: options->label and options->scores by name or 1-based index.
 * When one of them is NULL and exactly one other column is left, that
 * column is used.  When both are NULL, a file of exactly two columns is
 * read as label and score when one column contains exactly two distinct
 * values and the other is numeric.  When that rule does not single out one
 * column and options->positive is set, the label is the column that
 * contains that class (matched as below) beside a numeric column.  The
 * label column is detected from the first 10000 data rows.  The rest of the
 * file is checked against that choice, and a file that contradicts it is
 * rejected with the message of the whole-file rule.  A notice names
 * auto-detected columns.
 *
 * Labels: two distinct texts; the positive class is options->positive or
 * the minority class (on a tie, the larger label).  With more than two
 * labels options->positive is required and the others become one negative
 * class, with a notice; the scores must then be for the positive class.
 * Labels given in options match a label by exact text, without surrounding
 * single quotes, ignoring case, or by numeric value ("1" matches "1.0"),
 * whichever matches exactly one label first.
 *
 * Fails with SK_ERR_INPUT, and a message naming the value, its line and
 * what to do, when: a column is not found or named twice, the columns
 * cannot be detected, the table has no rows, a label or score is missing
 * (empty, NA, ?, NaN), a score is not a number or is infinite, the labels
 * contain one class only, more than two without options->positive or more
 * than 65536, or options->positive or options->score_of is not a label (or,
 * with more than two labels, score_of is not the positive class).  A label
 * column of more than 20 distinct numbers, some with a fractional part or
 * more than half as many as the rows, is rejected as scores or ids unless
 * options->positive names one of them; the message names a score column of
 * two values as the likely label.  Fails with SK_ERR_NOMEM.
 * On success *out owns the result, which keeps no pointer into table.
 */
sk_status sk_predictions_from_table(const sk_table *table, const char *source,
                                    const sk_predictions_options *options,
                                    sk_predictions **out, sk_error *err);

/* Hands score column `column`, or the labels, over to the caller, who
 * frees them with free(), and sets the field to NULL.  For a caller that
 * turns them into something else in place, such as sk_sweep_adopt(). */
double *sk_predictions_take_scores(sk_predictions *predictions, size_t column);
unsigned char *sk_predictions_take_labels(sk_predictions *predictions);

void sk_predictions_free(sk_predictions *predictions);

#endif
