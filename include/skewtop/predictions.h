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
 */
#ifndef SKEWTOP_PREDICTIONS_H
#define SKEWTOP_PREDICTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "skewtop/common.h"
#include "skewtop/data.h"

typedef struct {
    const char *label;      /* label column: name or 1-based index; NULL = auto */
    const char *scores;     /* score column, or several as "a,b,c"; NULL = auto */
    const char *score_of;   /* class the scores are the probability of; NULL = the larger label */
    const char *positive;   /* positive class; NULL = the minority class */
    sk_csv_options csv;     /* used by sk_predictions_read() only */
} sk_predictions_options;

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
} sk_predictions;

/*
 * Reads a prediction file ("-" for standard input) with sk_table_read()
 * and turns it into labels and oriented scores with
 * sk_predictions_from_table().  options may be NULL for all defaults.
 * On success *out owns the result; free it with sk_predictions_free().
 * Fails as those two functions do.  The peak memory is the table (the
 * file's text plus 16 bytes per row and 4 per cell) plus the result
 * (1 byte per row and 8 per score).
 */
sk_status sk_predictions_read(const char *path, const sk_predictions_options *options,
                              sk_predictions **out, sk_error *err);

/*
 * Picks the label and score columns of table, chooses the positive class
 * and reads every score.  source names the file in messages: a path, "-"
 * for standard input, or NULL for none.  options->csv is not used.
 *
 * Columns: options->label and options->scores by name or 1-based index.
 * When one of them is NULL and exactly one other column is left, that
 * column is used.  When both are NULL, a file of exactly two columns is
 * read as label and score when one column contains exactly two distinct
 * values and the other is numeric.  A notice names auto-detected columns.
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
 * with more than two labels, score_of is not the positive class).  Fails
 * with SK_ERR_NOMEM.
 * On success *out owns the result, which keeps no pointer into table.
 */
sk_status sk_predictions_from_table(const sk_table *table, const char *source,
                                    const sk_predictions_options *options,
                                    sk_predictions **out, sk_error *err);

void sk_predictions_free(sk_predictions *predictions);

#endif
