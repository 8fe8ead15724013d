/*
 * data_internal.h - the encoding steps that dataset.c (one row per sample)
 * and windows.c (one window of a time series per sample) share: counting
 * distinct texts, notices, the choice of the positive class, column plans,
 * feature names and one-hot encoding.  It also declares the CSV cell and
 * line rules that the table reader (csv.c) and the streaming prediction
 * reader (predictions_stream.c) share.  Names with the skd_ prefix are
 * private to src/data and not part of the public API.
 */
#ifndef SKEWTOP_DATA_INTERNAL_H
#define SKEWTOP_DATA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skewtop/data.h"

/* ---- CSV cells and lines (csv.c) -------------------------------------- */

/* Bytes of an offending line quoted in an error message: enough to
 * recognise the line, short enough to keep the message on a screen. */
#define SKD_EXCERPT_MAX 60

/* Shortens [*text, *len) by one pair of surrounding single quotes. */
void skd_strip_single_quotes(const char **text, size_t *len);

/* Returns true for a missing-value marker: empty, NA, ? or NaN in any
 * case, with blanks around. */
bool skd_is_missing_marker(const char *text, size_t len);

/* Copies the start of a line into out (SKD_EXCERPT_MAX + 4 bytes), without
 * the line end and cut at a UTF-8 character boundary, adding "..." when
 * the line is longer. */
void skd_line_excerpt(char *out, const char *line, size_t len);

/* Decides whether the first row (count fields) is a header.  In
 * SK_HEADER_AUTO the row is data when every field is a number or a missing
 * marker and at least one is a number, because a row of names such as "?"
 * alone is no header. */
bool skd_first_row_is_header(sk_header_mode mode, char *const *fields, size_t count);

/* Returns true when a line contains anything but blanks, so that libcsv
 * will start a row with it. */
bool skd_line_has_content(const char *line, size_t len);

/* libcsv space functions: blanks around a field are spaces and tabs, or
 * only spaces when the delimiter is a tab. */
int skd_space_or_tab(unsigned char c);
int skd_space_only(unsigned char c);

/* ---- lists in messages (lists.c) -------------------------------------- */

/* Room kept at the end of a list for " and N more" with N up to 20 digits. */
#define SKD_LIST_MORE_ROOM sizeof " and 18446744073709551615 more"

/* A list of items being written into a fixed buffer.  An item is added only
 * when it fits whole with SKD_LIST_MORE_ROOM to spare, so a list that is cut
 * ends in " and N more", never in part of an item. */
typedef struct {
    char *buffer;
    size_t size;            /* of buffer; more than SKD_LIST_MORE_ROOM */
    size_t used;            /* bytes written, without the terminating zero */
    size_t listed;          /* items written */
    size_t last_separator;  /* offset of the ", " before the last item */
    bool full;              /* an item did not fit, so no more are added */
} skd_list;

/* Starts an empty list in buffer [size], size > SKD_LIST_MORE_ROOM. */
void skd_list_start(skd_list *list, char *buffer, size_t size);

/* Appends ", item" (or item, first) when it fits.  Returns false once the
 * list is full. */
bool skd_list_add(skd_list *list, const char *item);

/* Ends a list of `total` items: " and N more" when some were left out,
 * else, with and_last, " and " in place of the last ", ". */
void skd_list_finish(skd_list *list, size_t total, bool and_last);

/* ---- encoding ---------------------------------------------------------- */

/* Which splits read a table row, as bits of a row-use array; 0 means no
 * sample reads the row. */
enum { SKD_USE_TRAIN = 1, SKD_USE_VAL = 2 };

/* Passed as the row of skd_encode_row() for a step that has no row (a gap
 * in a series), whose every value is missing. */
#define SKD_NO_ROW SIZE_MAX

/* ---- distinct texts ------------------------------------------------------ */

/* Hash map from text to a dense id, given in order of first insertion, with
 * a count per id.  Keys point into the table and are not copied.  A
 * zero-initialised map is empty. */
typedef struct {
    size_t *slots;          /* [capacity] id + 1, or 0 for an empty slot */
    size_t capacity;        /* a power of two */
    const char **texts;     /* [count] key of each id */
    size_t *counts;         /* [count] insertions of each id */
    size_t count;           /* distinct keys */
    size_t allocated;       /* entries allocated in texts and counts */
} skd_text_map;

/* Counts one occurrence of text and stores its id in *id.  Returns -1 when
 * memory runs out. */
int skd_map_add(skd_text_map *map, const char *text, size_t *id);

/* Returns the count of text, or 0 when the map does not hold it. */
size_t skd_map_count_of(const skd_text_map *map, const char *text);

/* Returns a new array of the map's texts sorted by strcmp, or NULL when
 * memory runs out.  The caller frees the array, not the texts. */
const char **skd_map_sorted_texts(const skd_text_map *map);

void skd_map_free(skd_text_map *map);

/* ---- what differs between rows and windows ------------------------------- */

/* The words and rules in which the row datasets of sk_dataset_prepare() and
 * the window datasets of sk_windows_prepare() differ.  Each file defines one
 * constant instance. */
typedef struct {
    const char *nomem;              /* message of every SK_ERR_NOMEM error */
    const char *label_unit;         /* what a label count counts: "row", "window" */
    const char *all_missing;        /* why a column is dropped whose every read cell
                                       is missing */
    const char *no_training_value;  /* why a column is dropped that has no value in
                                       the training rows */
    const char *wide_scope;         /* follows "N distinct text values" in the notice
                                       of a dropped wide text column: "" or " in the
                                       training rows" */
    unsigned char wide_rows;        /* SKD_USE_* bits of the rows whose distinct values
                                       that notice counts */
    const char *other_columns;      /* follows "no column besides the target 'y'": the
                                       other columns that are not features, or "" */
    bool step_names;                /* feature names end in "@t" or "@t-LAG" */
} skd_variant;

/* Sets err to the variant's out-of-memory message and returns SK_ERR_NOMEM. */
sk_status skd_out_of_memory(const skd_variant *variant, sk_error *err);

/* Appends one formatted sentence to the dataset's notices.  Fails with
 * SK_ERR_NOMEM, and the variant's message, when memory runs out. */
sk_status skd_add_notice(sk_dataset *dataset, const skd_variant *variant, sk_error *err,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- labels ----------------------------------------------------------------- */

/* Writes "'a' (5 rows), 'b' (3 rows) and N more" for sorted labels, with
 * unit in place of "row" and the counts of counts, into buffer [size]. */
void skd_list_labels(const char **labels, size_t count, const skd_text_map *counts,
                     const char *unit, char *buffer, size_t size);

/* Finds the label that the user's --positive names: the exact text, the
 * text without surrounding single quotes, or the one label that equals it
 * as a number ("1" matches a label "1.0").  Returns NULL when none does. */
const char *skd_match_positive(const char **labels, size_t count, const char *requested);

/* Sets dataset->positive_label and negative_label from count >= 2 sorted
 * labels whose counts are in counts.  positive is the label that --positive
 * matched, or NULL to pick the minority class.  Without --positive, more
 * than two labels fail with SK_ERR_INPUT and a message that shows listed
 * (from skd_list_labels()); with it, the other labels merge into
 * "not POSITIVE" and a notice reports the merge. */
sk_status skd_set_classes(sk_dataset *dataset, const skd_variant *variant,
                          const char **labels, size_t count, const skd_text_map *counts,
                          const char *positive, const char *listed, sk_error *err);

/* ---- column plans ------------------------------------------------------------ */

/* How one table column becomes the features of one step (a row is one
 * step).  A plan with neither emit_values nor emit_missing means the column
 * is dropped. */
typedef struct {
    size_t column;            /* table column */
    int numeric;              /* numbers, standardised; else text, one-hot */
    int emit_values;          /* numeric: one value feature; text: one per category */
    double mean;              /* numeric: training mean */
    double sd;                /* numeric: training population standard deviation, > 0 */
    const char **categories;  /* text: [category_count] training values, sorted;
                                 owned, free with skd_free_plans() */
    size_t category_count;
    int emit_missing;         /* adds the indicator feature "name (missing)" */
    size_t first_feature;     /* index of the column's first feature within a step */
    size_t missing;           /* missing cells in the rows that samples read */
} skd_column_plan;

/* What the planning steps read: the table, the dataset that receives the
 * notices and feature names, and which rows count. */
typedef struct {
    const sk_table *table;
    sk_dataset *dataset;
    const skd_variant *variant;
    const unsigned char *row_use;  /* [table rows] SKD_USE_* bits: rows with any bit
                                      are encoded, SKD_USE_TRAIN rows give the statistics */
    size_t max_categories;         /* one-hot cap */
    bool gaps_missing;             /* some samples read gap steps, whose values are
                                      missing, so every kept column gets an indicator */
} skd_encoder;

/* Decides how the column plan->column becomes features and fills *plan.
 * Dropped columns leave a notice.  Fails with SK_ERR_INPUT when the column
 * contains an infinite number, or numbers and one stray text. */
sk_status skd_plan_column(const skd_encoder *encoder, skd_column_plan *plan, sk_error *err);

/* Says once how missing feature values were handled, with the columns. */
sk_status skd_notice_missing(const skd_encoder *encoder, const skd_column_plan *plans,
                             size_t plan_count, sk_error *err);

/* Assigns each plan its first feature index within a step and returns the
 * number of features per step. */
size_t skd_assign_features(skd_column_plan *plans, size_t plan_count);

/* Fills dataset->feature_names and features for steps steps of step_features
 * features each, step-major, once skd_assign_features() has run.  With
 * variant->step_names the names end in "@t-LAG", where LAG counts the steps
 * before the last one ("@t" for the last).  Does nothing when step_features
 * is 0. */
sk_status skd_name_features(const skd_encoder *encoder, const skd_column_plan *plans,
                            size_t plan_count, size_t steps, size_t step_features,
                            sk_error *err);

/* Fails with a message that lists the dropped columns when the dataset has
 * no feature; target is the label column. */
sk_status skd_check_features_left(const skd_encoder *encoder, size_t target,
                                  const skd_column_plan *plans, size_t plan_count,
                                  sk_error *err);

/* Writes the features of table row `row` into out [step features], which
 * is all zeros; row SKD_NO_ROW is a gap, whose every value is missing. */
void skd_encode_row(const sk_table *table, const skd_column_plan *plans, size_t plan_count,
                    size_t row, double *out);

/* Frees the categories of plan_count plans and the array plans. */
void skd_free_plans(skd_column_plan *plans, size_t plan_count);

#endif
