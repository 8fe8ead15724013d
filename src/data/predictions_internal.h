/*
 * predictions_internal.h - the prediction reader's state and the functions
 * that its files (predictions.c, predictions_bins.c, predictions_stream.c)
 * share.  Names with the skp_ prefix are not part of the public API.
 */
#ifndef SKEWTOP_PREDICTIONS_INTERNAL_H
#define SKEWTOP_PREDICTIONS_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skewtop/predictions.h"
#include "src/common/sum.h"

/* Label codes fit in one byte up to this many labels, then in two. */
#define NARROW_CODES 256

/* Room for "line N of 'FILE'" in messages; a longer file name is cut. */
#define PLACE_MAX 320

/* Data rows of a two-column file examined to detect which column is the
 * label: enough to see both classes of all but extreme files, few enough
 * to hold back as text (a few hundred kilobytes). */
#define DETECT_ROWS 10000

/* Bins of a binned score column.  The observed range spans at least a
 * quarter of the grid (see grid_extend() in predictions_bins.c), so at
 * least 2^17 bins cover it.  The grid costs 16 bytes of lowest and highest
 * score plus 4 bytes of count per label group per bin: 12 MB for two
 * classes. */
#define GRID_BINS ((int64_t)1 << 19)

/* ---- distinct labels ---------------------------------------------------- */

/* Dictionary of the distinct label texts, numbered 0, 1, ... in order of
 * first appearance. */
typedef struct {
    char **keys;        /* [count] owned label texts, by code */
    size_t *counts;     /* [count] rows of each code */
    size_t count;
    size_t capacity;    /* of keys and counts */
    uint32_t *slots;    /* [slot_count] code + 1 of the label hashed there; 0 = empty */
    size_t slot_count;  /* a power of two */
    size_t last_code;   /* code of the previous lookup, as labels come in runs */
    size_t non_numeric; /* keys that are not numbers */
} label_dict;

/* ---- exact-mode storage ------------------------------------------------- */

/* Label codes of the rows kept so far: one byte each while the labels
 * number at most NARROW_CODES, two bytes after. */
typedef struct {
    unsigned char *narrow;  /* [capacity] or NULL once wide */
    uint16_t *wide;         /* [capacity] or NULL while narrow */
    size_t capacity;
} code_array;

/* ---- binned storage -------------------------------------------------------- */

typedef struct {
    sk_sum loss_as_score_of;  /* -log likelihood if the rows are of the score-of class */
    sk_sum loss_as_other;     /* -log likelihood if they are of the other class */
    sk_sum brier_as_score_of; /* sum of (1 - p)^2 */
    sk_sum brier_as_other;    /* sum of p^2 */
} group_sums;

/* The bins of one score column; see the file comment. */
typedef struct {
    int exponent;           /* bins are 2^exponent wide */
    int64_t first;          /* global index of bin 0 */
    double *low;            /* [GRID_BINS] lowest score in the bin; +INFINITY when empty */
    double *high;           /* [GRID_BINS] highest score; -INFINITY when empty */
    uint32_t **counts;      /* [groups][GRID_BINS] rows of each label group */
    group_sums *sums;       /* [groups] log loss and Brier sums, raw scores */
    size_t groups;          /* label groups with bins: codes 0 .. groups - 1 */
    size_t rows;            /* rows in the bins */
    double mean;            /* Welford's running mean of the raw scores */
    double squares;         /* Welford's sum of squared deviations */
} score_grid;

/* What is known of one score column while reading, before orientation. */
typedef struct {
    bool probability;       /* every score so far lies in [0, 1] */
    double min, max;
    double first_values[2]; /* the first two distinct scores */
    size_t distinct;        /* distinct scores, counted up to 3 */
} column_range;

/* ---- reader state -------------------------------------------------------- */

typedef enum {
    COLUMNS_PENDING = 0,    /* no header yet */
    COLUMNS_DETECTING,      /* two columns, rows held back until DETECT_ROWS */
    COLUMNS_READY
} column_state;

/* Rules that match a label given in the options to a label of the file
 * (see match_label() in predictions.c). */
#define MATCH_RULES 4

/* Distinct values of a column that detection keeps, to name them in a
 * message. */
#define EVIDENCE_VALUES_KEPT 3

/* What the rows show of one column of a two-column file, for detection. */
typedef struct {
    char *seen[EVIDENCE_VALUES_KEPT];   /* the first distinct values */
    size_t distinct;        /* distinct non-missing values, counted up to
                             * EVIDENCE_VALUES_KEPT + 1, which means more */
    bool first_seen;        /* a non-missing value has been read */
    bool numeric;           /* the first non-missing value is a number */
    /* With --positive: per match rule, the first distinct value that the
     * rule matches to the --positive text, and whether a second one did. */
    char *positive_matches[MATCH_RULES];
    bool positive_ambiguous[MATCH_RULES];
} column_evidence;

/* A data row held back while the label column is being detected. */
typedef struct {
    size_t line;
    char *cells[2];         /* NULL for a missing cell */
} detection_row;

/* State of one reading, from the header row to the result. */
typedef struct {
    const char *source;             /* file name for messages, "-" or NULL */
    const sk_predictions_options *options;
    sk_predictions *result;
    sk_error *err;

    /* step 1: columns */
    char **names;                   /* [columns] owned column names */
    size_t columns;
    column_state state;
    bool detected;                  /* the columns were detected, not given */
    size_t label_column;
    size_t *score_column;           /* [result->score_columns] */
    column_evidence evidence[2];    /* two-column files without --label/--score */
    bool positive_is_number;        /* --positive parses as a number, for detection */
    double positive_number;         /* its value then */
    detection_row *detection_rows;  /* [detection_row_count] */
    size_t detection_row_count;

    /* step 2: rows */
    size_t rows;
    label_dict labels;
    double *row_scores;             /* [score_columns] the current row's scores */
    column_range *ranges;           /* [score_columns] */
    size_t exact_limit;
    code_array codes;               /* exact mode */
    double **values;                /* [score_columns][codes.capacity] exact mode */
    bool binned;
    score_grid *grids;              /* [score_columns] binned mode */

    /* step 3: classes */
    const char **sorted_labels;     /* [labels.count] in compare_labels() order */
    const char *positive_key;       /* the positive label, one of labels.keys */
    size_t positive_code;
} predictions_reader;


/* ---- functions shared by the reader's files ------------------------------ */

/* Returns the label code of a row kept in exact mode. */
size_t skp_code_at(const code_array *codes, size_t row);

/* True when the core reads column c of each row. */
bool skp_column_is_read(const predictions_reader *reader, size_t column);

/* Reads one data row given as cells by column.  Only the columns that
 * skp_column_is_read() accepts are read, and NULL is a missing cell. */
sk_status skp_feed_row(predictions_reader *reader, const char *const *cells, size_t line);

/* Writes " 'FILE'", " on standard input" or "" (no source) to follow
 * "The prediction file". */
void skp_file_phrase(const predictions_reader *reader, char *buffer, size_t size);

/* Turns the grid of a binned column into the result's bins, oriented. */
sk_status skp_finish_grid(predictions_reader *reader, size_t index);

/* Runs steps 3 and 4 once every row is in. */
sk_status skp_finish_rows(predictions_reader *reader);

/* Turns a raw score of column `index` around when the scores are for the
 * other class: 1 - p for probabilities, 0.0 - s (so a zero margin stays +0)
 * for other scores. */
double skp_orient(const sk_predictions *result, size_t index, double score);

/* Sets the reader's error to running out of memory and returns SK_ERR_NOMEM. */
sk_status skp_out_of_memory(const predictions_reader *reader);

/* Frees the reader and hands over or frees the result. */
sk_status skp_reader_finish(predictions_reader *reader, sk_status status,
                            sk_predictions **out);

/* Starts a reader of the file named source ("-" or NULL for none) with the
 * options (NULL for the defaults), and allocates its result. */
sk_status skp_reader_init(predictions_reader *reader, const char *source,
                          const sk_predictions_options *options, sk_error *err);

/*
 * Takes the column names (owned from here on) and chooses the columns, or,
 * for a two-column file without --label and --score, starts holding rows
 * back for detection.
 */
sk_status skp_set_columns(predictions_reader *reader, char **names, size_t columns);

/* Bins the current row (its scores are in reader->row_scores). */
sk_status skp_bin_row(predictions_reader *reader, size_t code, size_t line);

/* Leaves exact mode: bins the rows kept so far and frees their arrays. */
sk_status skp_switch_to_bins(predictions_reader *reader);

#endif
