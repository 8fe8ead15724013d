/*
 * data.h - reading CSV files and turning them into model-ready splits.
 *
 * Two stages.  sk_table_read() parses a CSV file into a table of strings
 * (header names plus cells, missing cells as NULL).  sk_dataset_prepare()
 * picks the label column, splits the rows (stratified, seeded), encodes the
 * feature columns with statistics from the training split only, and returns
 * two dense matrices ready for a model.
 *
 * Missing values: an empty field, NA, ?, NaN (any case) and the same
 * values inside quotes.  Quoted labels such as '-1' lose their single
 * quotes.
 */
#ifndef SKEWTOP_DATA_H
#define SKEWTOP_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include <gsl/gsl_matrix.h>

#include "skewtop/common.h"

typedef enum {
    SK_HEADER_AUTO = 0, /* header unless every field of the first row is numeric */
    SK_HEADER_YES,
    SK_HEADER_NO        /* columns are then named "1", "2", ... */
} sk_header_mode;

typedef struct {
    sk_header_mode header;
    char delimiter;     /* ',' by default (0 means ',') */
} sk_csv_options;

typedef struct sk_table sk_table;

/*
 * Reads a whole CSV file ("-" for standard input) into a new table.
 * Rejects, with SK_ERR_INPUT and a message naming the file and line: a
 * missing or unreadable file, an empty file, a header without rows, a row
 * whose field count differs from the header's, an unterminated quote.
 * On success *out owns the table; free it with sk_table_free().
 */
sk_status sk_table_read(const char *path, const sk_csv_options *options,
                        sk_table **out, sk_error *err);
void sk_table_free(sk_table *table);

size_t sk_table_rows(const sk_table *table);    /* data rows, header excluded */
size_t sk_table_columns(const sk_table *table);
const char *sk_table_column_name(const sk_table *table, size_t column);
/* Returns the cell text with surrounding single quotes removed, or NULL
 * when the cell is missing (or row or column is out of range).
 * The text lives as long as the table. */
const char *sk_table_cell(const sk_table *table, size_t row, size_t column);
/* Returns the 1-based line of the file on which data row `row` starts (blank
 * lines and quoted line breaks make it differ from row + 2), or 0 when row
 * is out of range.  For messages that point the user at a value. */
size_t sk_table_row_line(const sk_table *table, size_t row);

/*
 * Finds a column by exact name or, when spec is all digits and no column is
 * named so, by 1-based index.  Returns SK_ERR_INPUT with a message listing
 * the available columns when nothing matches.
 */
sk_status sk_table_find_column(const sk_table *table, const char *spec,
                               size_t *column, sk_error *err);

/* Returns true when text parses completely as a finite or infinite double
 * (leading and trailing blanks allowed) and stores it in *value. */
bool sk_parse_double(const char *text, double *value);

/* ---- model-ready data ------------------------------------------------ */

/* Default cap on distinct values of a text column that is one-hot encoded. */
#define SK_DEFAULT_MAX_CATEGORIES 64

typedef struct {
    const char *target;     /* label column: name or 1-based index (required) */
    const char *positive;   /* positive label; NULL picks the minority class */
    double val_fraction;    /* share of rows in validation, in (0, 1) */
    unsigned long seed;     /* seeds the split */
    size_t max_categories;  /* one-hot cap; 0 means SK_DEFAULT_MAX_CATEGORIES */
} sk_prepare_options;

/* One split of the data, encoded. */
typedef struct {
    gsl_matrix *x;          /* [rows][features], standardised; NULL if rows == 0 */
    unsigned char *y;       /* [rows], 1 for the positive class, 0 otherwise */
    size_t *source_row;     /* [rows], 0-based data row of the table, rising (file order) */
    size_t rows;
    size_t positives;
} sk_split;

typedef struct {
    sk_split train;
    sk_split val;
    size_t features;
    char **feature_names;   /* [features]; "col" or "col=value" or "col (missing)" */
    char *target_name;
    char *positive_label;   /* the class of interest (y == 1) */
    char *negative_label;   /* the other class (y == 0) */
    size_t rows_read;       /* data rows in the table */
    size_t rows_dropped;    /* rows skipped because their label was missing */
    char **notices;         /* [notice_count] one sentence each, for the user */
    size_t notice_count;
    /* Time steps per row: 1 from sk_dataset_prepare(), the window length from
     * sk_windows_prepare() (windows.h).  x rows are step-major, so features ==
     * steps * (features per step) and feature_names repeats per step.  A
     * zero-initialised dataset built by hand has 0 here; read it as 1. */
    size_t steps;
    /* True when validation rows share source data with training rows, as
     * windows of a random split do, so validation scores may be optimistic. */
    bool leakage_risk;
} sk_dataset;

/*
 * Encodes table into a new dataset.  Numeric columns are standardised with
 * the training split's mean and standard deviation.  Text columns are
 * one-hot encoded, unless they have more than max_categories distinct values
 * and are then dropped with a notice.  Missing numeric values are replaced
 * by the training mean, missing text values encode as no category, and
 * either is flagged by an added indicator column, with one notice per column.
 * Constant and empty columns are dropped with a notice.  The split is
 * stratified by label and seeded by options->seed.  One-hot and indicator
 * features are 0 or 1, not standardised.  On success *out owns the dataset,
 * which keeps no pointer into table; free it with sk_dataset_free().
 *
 * Fails with SK_ERR_INPUT when the target is unknown, when the label column
 * holds one class only or more than two without options->positive, when
 * options->positive is not a label, when a split would get no row of a class,
 * when a numeric column contains an infinite value, or when no feature
 * column is left.
 */
sk_status sk_dataset_prepare(const sk_table *table,
                             const sk_prepare_options *options,
                             sk_dataset **out, sk_error *err);
void sk_dataset_free(sk_dataset *dataset);

#endif
