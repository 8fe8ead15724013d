/*
 * predictions.c - turns a table of exported labels and scores into the
 * arrays that `skewtop inspect` analyses.
 *
 * The steps run in this order:
 *   1. columns: the label and score columns, from the options or detected.
 *   2. labels: the distinct texts of the label column pick the positive
 *      class and the class the scores are for.  They are counted in a hash
 *      table whose keys point into the table.  A second pass writes y.
 *   3. scores: each score column is parsed into its output array, checked
 *      for missing, non-numeric and infinite values, and, when the scores
 *      are for the negative class, turned around in place.
 *
 * Nothing per row is stored besides the output arrays, so the peak memory
 * is the table plus 1 byte per row and 8 bytes per score.  A missing label
 * or score is an error naming its line, never a silently dropped row: a
 * dropped row would change every metric without the user knowing.
 */
#include "skewtop/predictions.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Labels or column names listed in an error before "and N more". */
#define LIST_ITEMS_MAX 20

/* Distinct labels accepted in the label column.  A column with more is an
 * id or score column rather than classes, and the cap keeps the label hash
 * table at a few megabytes whatever the file. */
#define MAX_CLASSES 65536

/* Smallest hash table of distinct labels; it doubles at half load. */
#define COUNTER_INITIAL_CAPACITY 16

/* Bytes of a cell quoted in an error message: enough to recognise the
 * value, short enough to keep the message on a screen. */
#define VALUE_EXCERPT_MAX 60

/* Room for "line N of 'FILE'" in messages; a longer file name is cut. */
#define PLACE_MAX 320

/* ---- distinct labels ---------------------------------------------------- */

/* Hash table that counts distinct labels.  Keys point into the table and
 * are not copied. */
typedef struct {
    const char **keys;  /* [capacity], NULL for an empty slot */
    size_t *counts;     /* [capacity] rows holding keys[i] */
    size_t capacity;    /* a power of two */
    size_t count;       /* distinct keys */
} label_counter;

/* FNV-1a, 64-bit. */
static uint64_t hash_label(const char *text)
{
    uint64_t hash = 14695981039346656037ULL;
    for (; *text != '\0'; text++) {
        hash ^= (unsigned char)*text;
        hash *= 1099511628211ULL;
    }
    return hash;
}

/* Returns the slot of key, or of the empty slot where it belongs. */
static size_t counter_slot(const label_counter *counter, const char *key)
{
    size_t mask = counter->capacity - 1;
    size_t slot = (size_t)hash_label(key) & mask;
    while (counter->keys[slot] != NULL && strcmp(counter->keys[slot], key) != 0)
        slot = (slot + 1) & mask;
    return slot;
}

static int counter_grow(label_counter *counter)
{
    size_t capacity = counter->capacity == 0 ? COUNTER_INITIAL_CAPACITY
                                             : counter->capacity * 2;
    label_counter grown = { .capacity = capacity, .count = counter->count };
    grown.keys = sk_calloc(capacity, sizeof *grown.keys);
    grown.counts = sk_calloc(capacity, sizeof *grown.counts);
    if (grown.keys == NULL || grown.counts == NULL) {
        free(grown.keys);
        free(grown.counts);
        return -1;
    }
    for (size_t i = 0; i < counter->capacity; i++) {
        if (counter->keys[i] == NULL)
            continue;
        size_t slot = counter_slot(&grown, counter->keys[i]);
        grown.keys[slot] = counter->keys[i];
        grown.counts[slot] = counter->counts[i];
    }
    free(counter->keys);
    free(counter->counts);
    *counter = grown;
    return 0;
}

/* Counts one row holding key.  Returns -1 when memory runs out. */
static int counter_add(label_counter *counter, const char *key)
{
    if (2 * (counter->count + 1) > counter->capacity && counter_grow(counter) != 0)
        return -1;
    size_t slot = counter_slot(counter, key);
    if (counter->keys[slot] == NULL) {
        counter->keys[slot] = key;
        counter->count++;
    }
    counter->counts[slot]++;
    return 0;
}

static size_t counter_get(const label_counter *counter, const char *key)
{
    if (counter->capacity == 0)
        return 0;
    size_t slot = counter_slot(counter, key);
    return counter->keys[slot] != NULL ? counter->counts[slot] : 0;
}

static void counter_free(label_counter *counter)
{
    free(counter->keys);
    free(counter->counts);
    *counter = (label_counter){ 0 };
}

/* ---- label order and matching ------------------------------------------- */

/* Orders labels: numbers before texts, numbers by value (then by text, so
 * that "1" and "1.0" have an order), texts by strcmp.  This is a total
 * order, and for two numeric labels or two text labels it is the order of
 * scikit-learn's sorted classes_. */
static int compare_labels(const char *a, const char *b)
{
    double x, y;
    bool a_number = sk_parse_double(a, &x);
    bool b_number = sk_parse_double(b, &y);
    if (a_number && b_number) {
        if (x < y)
            return -1;
        if (x > y)
            return 1;
    } else if (a_number != b_number) {
        return a_number ? -1 : 1;
    }
    return strcmp(a, b);
}

static int compare_label_pointers(const void *a, const void *b)
{
    return compare_labels(*(const char *const *)a, *(const char *const *)b);
}

/* Returns a new array of the distinct labels in compare_labels() order, or
 * NULL when memory runs out.  The caller frees the array, not the keys. */
static const char **counter_sorted_keys(const label_counter *counter)
{
    const char **keys = sk_calloc(counter->count, sizeof *keys);
    if (keys == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < counter->capacity; i++) {
        if (counter->keys[i] != NULL)
            keys[n++] = counter->keys[i];
    }
    qsort(keys, n, sizeof *keys, compare_label_pointers);
    return keys;
}

/* Returns the one label for which same() is true, or NULL when none or
 * several are. */
static const char *match_unique(const char **labels, size_t count, const char *requested,
                                bool (*same)(const char *label, const char *requested))
{
    const char *found = NULL;
    for (size_t i = 0; i < count; i++) {
        if (same(labels[i], requested)) {
            if (found != NULL)
                return NULL;
            found = labels[i];
        }
    }
    return found;
}

static bool same_text(const char *label, const char *requested)
{
    return strcmp(label, requested) == 0;
}

/* The requested label in single quotes, as a shell user may type '-1'. */
static bool same_unquoted(const char *label, const char *requested)
{
    size_t len = strlen(requested);
    return len >= 2 && requested[0] == '\'' && requested[len - 1] == '\''
           && strlen(label) == len - 2 && strncmp(label, requested + 1, len - 2) == 0;
}

static bool same_ignoring_case(const char *label, const char *requested)
{
    return strcasecmp(label, requested) == 0;
}

static bool same_number(const char *label, const char *requested)
{
    double a, b;
    return sk_parse_double(label, &a) && sk_parse_double(requested, &b) && a == b;
}

/* Finds the label that a user-given label names: by exact text, without
 * surrounding single quotes, ignoring case, or as the same number ("1"
 * names "1.0"), taking the first rule that matches exactly one label.
 * Returns NULL when none does. */
static const char *match_label(const char **labels, size_t count, const char *requested)
{
    bool (*const rules[])(const char *, const char *) = {
        same_text, same_unquoted, same_ignoring_case, same_number,
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const char *found = match_unique(labels, count, requested, rules[i]);
        if (found != NULL)
            return found;
    }
    return NULL;
}

/* ---- reader state and messages ------------------------------------------- */

typedef struct {
    const sk_table *table;
    const char *source;             /* file name for messages, or NULL */
    const sk_predictions_options *options;
    sk_predictions *result;
    sk_error *err;

    size_t label_column;
    size_t *score_column;           /* [result->score_columns] */

    label_counter labels;           /* distinct labels of the label column */
    const char **sorted_labels;     /* [labels.count] in compare_labels() order */
    const char *positive_key;       /* the positive label, pointing into the table */
} predictions_reader;

/* Appends one formatted sentence to the result's notices. */
static sk_status add_notice(predictions_reader *reader, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static sk_status add_notice(predictions_reader *reader, const char *fmt, ...)
{
    sk_predictions *result = reader->result;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return sk_error_set(reader->err, SK_ERR_INTERNAL, "A notice could not be formatted.");

    char *text = malloc((size_t)len + 1);
    char **grown = sk_reallocarray(result->notices, result->notice_count + 1, sizeof *grown);
    if (grown != NULL)
        result->notices = grown;
    if (text == NULL || grown == NULL) {
        free(text);
        return sk_error_set(reader->err, SK_ERR_NOMEM,
                            "Out of memory while reading the predictions.");
    }
    va_start(ap, fmt);
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    va_end(ap);
    result->notices[result->notice_count++] = text;
    return SK_OK;
}

static sk_status out_of_memory(const predictions_reader *reader)
{
    return sk_error_set(reader->err, SK_ERR_NOMEM,
                        "Out of memory while reading the predictions.");
}

static bool source_is_stdin(const predictions_reader *reader)
{
    return reader->source != NULL && strcmp(reader->source, "-") == 0;
}

/* Writes " 'FILE'", " on standard input" or "" (no source) to follow
 * "The prediction file". */
static void file_phrase(const predictions_reader *reader, char *buffer, size_t size)
{
    if (source_is_stdin(reader))
        snprintf(buffer, size, " on standard input");
    else if (reader->source != NULL)
        snprintf(buffer, size, " '%s'", reader->source);
    else
        buffer[0] = '\0';
}

/* Writes "line N of 'FILE'", "line N of standard input" or "line N" for
 * data row `row`. */
static void line_phrase(const predictions_reader *reader, size_t row, char *buffer,
                        size_t size)
{
    size_t line = sk_table_row_line(reader->table, row);
    if (source_is_stdin(reader))
        snprintf(buffer, size, "line %zu of standard input", line);
    else if (reader->source != NULL)
        snprintf(buffer, size, "line %zu of '%s'", line, reader->source);
    else
        snprintf(buffer, size, "line %zu", line);
}

/* Copies at most VALUE_EXCERPT_MAX bytes of a cell into out (VALUE_EXCERPT_MAX
 * + 4 bytes), cut at a UTF-8 character boundary, adding "..." when cut. */
static void value_excerpt(const char *text, char *out)
{
    size_t len = strlen(text);
    size_t keep = len;
    if (keep > VALUE_EXCERPT_MAX) {
        keep = VALUE_EXCERPT_MAX;
        while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
            keep--;
    }
    memcpy(out, text, keep);
    if (keep < len)
        memcpy(out + keep, "...", 4);
    else
        out[keep] = '\0';
}

/* Writes "'a', 'b', ... and N more" for the table's columns. */
static void list_columns(const sk_table *table, char *buffer, size_t size)
{
    size_t columns = sk_table_columns(table);
    size_t listed_count = columns < LIST_ITEMS_MAX ? columns : LIST_ITEMS_MAX;
    size_t used = 0;
    buffer[0] = '\0';
    for (size_t i = 0; i < listed_count && used < size; i++) {
        int n = snprintf(buffer + used, size - used, "%s'%s'", i == 0 ? "" : ", ",
                         sk_table_column_name(table, i));
        if (n < 0)
            return;
        used += (size_t)n;
    }
    if (listed_count < columns && used < size)
        snprintf(buffer + used, size - used, " and %zu more", columns - listed_count);
}

/* Writes "'0' (5 rows), '1' (3 rows) and N more" for the sorted labels. */
static void list_labels(const predictions_reader *reader, char *buffer, size_t size)
{
    size_t count = reader->labels.count;
    size_t listed_count = count < LIST_ITEMS_MAX ? count : LIST_ITEMS_MAX;
    size_t used = 0;
    buffer[0] = '\0';
    for (size_t i = 0; i < listed_count && used < size; i++) {
        const char *label = reader->sorted_labels[i];
        size_t rows = counter_get(&reader->labels, label);
        int n = snprintf(buffer + used, size - used, "%s'%s' (%zu row%s)",
                         i == 0 ? "" : ", ", label, rows, rows == 1 ? "" : "s");
        if (n < 0)
            return;
        used += (size_t)n;
    }
    if (listed_count < count && used < size)
        snprintf(buffer + used, size - used, " and %zu more", count - listed_count);
}

/* ---- step 1: columns ------------------------------------------------------ */

/* Finds a column whose name is exactly spec.  Returns false when none is. */
static bool find_exact_column(const sk_table *table, const char *spec, size_t *column)
{
    for (size_t i = 0; i < sk_table_columns(table); i++) {
        if (strcmp(sk_table_column_name(table, i), spec) == 0) {
            *column = i;
            return true;
        }
    }
    return false;
}

/* Appends a column to the score columns; rejects one named twice. */
static sk_status add_score_column(predictions_reader *reader, size_t column)
{
    sk_predictions *result = reader->result;
    for (size_t i = 0; i < result->score_columns; i++) {
        if (reader->score_column[i] == column) {
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "Column '%s' is given twice in --score '%s'. "
                                "Give each score column once.",
                                sk_table_column_name(reader->table, column),
                                reader->options->scores);
        }
    }
    size_t *grown = sk_reallocarray(reader->score_column, result->score_columns + 1,
                                    sizeof *grown);
    if (grown == NULL)
        return out_of_memory(reader);
    reader->score_column = grown;
    reader->score_column[result->score_columns++] = column;
    return SK_OK;
}

/* Resolves options->scores: one column whose name is the whole text
 * (names may contain commas), else a comma-separated list of names or
 * 1-based indexes, each trimmed of blanks. */
static sk_status find_score_columns(predictions_reader *reader)
{
    const char *spec = reader->options->scores;
    size_t column;
    if (find_exact_column(reader->table, spec, &column))
        return add_score_column(reader, column);

    size_t len = strlen(spec);
    char *piece = malloc(len + 1);
    if (piece == NULL)
        return out_of_memory(reader);

    sk_status status = SK_OK;
    const char *start = spec;
    while (status == SK_OK) {
        const char *end = strchr(start, ',');
        if (end == NULL)
            end = spec + len;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        const char *stop = end;
        while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t'))
            stop--;

        if (stop == start) {
            status = sk_error_set(reader->err, SK_ERR_INPUT,
                                  "--score '%s' contains an empty column name. Give one "
                                  "score column, or several separated by single commas "
                                  "(--score p1,p2).",
                                  spec);
            break;
        }
        memcpy(piece, start, (size_t)(stop - start));
        piece[stop - start] = '\0';
        status = sk_table_find_column(reader->table, piece, &column, reader->err);
        if (status == SK_OK)
            status = add_score_column(reader, column);
        if (*end == '\0')
            break;
        start = end + 1;
    }
    free(piece);
    return status;
}

/* Returns the number of distinct non-missing values in a column, counting
 * no further than 3: detection only needs to know whether it is 2. */
static size_t count_distinct_upto_3(const sk_table *table, size_t column)
{
    const char *seen[2] = { NULL, NULL };
    size_t count = 0;
    for (size_t r = 0; r < sk_table_rows(table); r++) {
        const char *cell = sk_table_cell(table, r, column);
        if (cell == NULL)
            continue;
        if (count >= 1 && strcmp(cell, seen[0]) == 0)
            continue;
        if (count >= 2 && strcmp(cell, seen[1]) == 0)
            continue;
        if (count == 2)
            return 3;
        seen[count++] = cell;
    }
    return count;
}

/* True when the first non-missing value of a column is a number.  The
 * score step checks every value, and names the line of any that is not. */
static bool first_value_is_number(const sk_table *table, size_t column)
{
    for (size_t r = 0; r < sk_table_rows(table); r++) {
        const char *cell = sk_table_cell(table, r, column);
        if (cell != NULL)
            return sk_parse_double(cell, NULL);
    }
    return false;
}

/* Returns the error for a file whose columns the user must name. */
static sk_status columns_not_given(const predictions_reader *reader)
{
    char file[PLACE_MAX];
    char names[SK_ERROR_MAX / 2];
    file_phrase(reader, file, sizeof file);
    list_columns(reader->table, names, sizeof names);
    size_t columns = sk_table_columns(reader->table);
    if (columns == 1) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "The prediction file%s has one column only (%s), but inspect "
                            "needs a column of true labels and a column of scores. Check "
                            "the delimiter, or add the missing column.",
                            file, names);
    }
    return sk_error_set(reader->err, SK_ERR_INPUT,
                        "The prediction file%s has %zu columns (%s). Name the label and "
                        "score columns with --label COL --score COL (several score "
                        "columns as --score a,b).",
                        file, columns, names);
}

/* Detects label and score in a file of exactly two columns: the label
 * column contains exactly two distinct values and the other is numeric.  A
 * column of one value beside a numeric column of several is taken as the
 * label too, so that the label step can report the missing class. */
static sk_status detect_two_columns(predictions_reader *reader)
{
    const sk_table *table = reader->table;
    size_t distinct[2];
    bool numeric[2];
    for (size_t c = 0; c < 2; c++) {
        distinct[c] = count_distinct_upto_3(table, c);
        numeric[c] = first_value_is_number(table, c);
    }
    bool candidate[2];
    for (size_t c = 0; c < 2; c++)
        candidate[c] = distinct[c] == 2 && numeric[1 - c];
    if (!candidate[0] && !candidate[1]) {
        for (size_t c = 0; c < 2; c++)
            candidate[c] = distinct[c] == 1 && numeric[1 - c] && distinct[1 - c] >= 2;
    }

    char file[PLACE_MAX];
    file_phrase(reader, file, sizeof file);
    const char *first = sk_table_column_name(table, 0);
    const char *second = sk_table_column_name(table, 1);
    if (candidate[0] && candidate[1]) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Both columns of the prediction file%s, '%s' and '%s', contain "
                            "two distinct numbers, so either could be the label. Name them with "
                            "--label COL --score COL.",
                            file, first, second);
    }
    if (!candidate[0] && !candidate[1]) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Neither column of the prediction file%s, '%s' or '%s', looks "
                            "like the label: a label column contains exactly two "
                            "distinct values and the score column beside it is numeric. Name them "
                            "with --label COL --score COL.",
                            file, first, second);
    }

    size_t label = candidate[0] ? 0 : 1;
    reader->label_column = label;
    sk_status status = add_score_column(reader, 1 - label);
    if (status != SK_OK)
        return status;
    return add_notice(reader,
                      "Column '%s' was read as the label and column '%s' as the score; "
                      "name them with --label and --score to choose otherwise.",
                      sk_table_column_name(table, label), sk_table_column_name(table, 1 - label));
}

/* True when column is one of the score columns chosen so far. */
static bool is_score_column(const predictions_reader *reader, size_t column)
{
    for (size_t i = 0; i < reader->result->score_columns; i++) {
        if (reader->score_column[i] == column)
            return true;
    }
    return false;
}

/* Picks the only column that is neither the label (when has_label) nor a
 * score column.  Returns false when there is not exactly one. */
static bool only_other_column(const predictions_reader *reader, bool has_label,
                              size_t *column)
{
    size_t found = 0;
    for (size_t c = 0; c < sk_table_columns(reader->table); c++) {
        if ((has_label && c == reader->label_column) || is_score_column(reader, c))
            continue;
        *column = c;
        found++;
    }
    return found == 1;
}

static sk_status choose_columns(predictions_reader *reader)
{
    const sk_predictions_options *options = reader->options;
    const sk_table *table = reader->table;
    sk_status status;

    if (options->label == NULL && options->scores == NULL) {
        if (sk_table_columns(table) != 2)
            return columns_not_given(reader);
        return detect_two_columns(reader);
    }

    if (options->label != NULL) {
        status = sk_table_find_column(table, options->label, &reader->label_column, reader->err);
        if (status != SK_OK)
            return status;
    }
    if (options->scores != NULL) {
        status = find_score_columns(reader);
        if (status != SK_OK)
            return status;
    }

    if (options->label != NULL && is_score_column(reader, reader->label_column)) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Column '%s' is given both as the label (--label) and as a score "
                            "(--score). Give the column of true labels with --label and the "
                            "model's scores with --score.",
                            sk_table_column_name(table, reader->label_column));
    }

    size_t other;
    if (options->label == NULL) {
        if (!only_other_column(reader, false, &other))
            return columns_not_given(reader);
        reader->label_column = other;
        return add_notice(reader,
                          "Column '%s' was read as the label, as the only column not "
                          "given with --score.",
                          sk_table_column_name(table, other));
    }
    if (options->scores == NULL) {
        if (!only_other_column(reader, true, &other))
            return columns_not_given(reader);
        status = add_score_column(reader, other);
        if (status != SK_OK)
            return status;
        return add_notice(reader,
                          "Column '%s' was read as the score, as the only column other "
                          "than the label.",
                          sk_table_column_name(table, other));
    }
    return SK_OK;
}

/* ---- step 2: labels -------------------------------------------------------- */

/* Counts the distinct labels; a missing label is an error naming its line. */
static sk_status count_labels(predictions_reader *reader)
{
    const sk_table *table = reader->table;
    const char *name = reader->result->label_name;
    for (size_t r = 0; r < sk_table_rows(table); r++) {
        const char *cell = sk_table_cell(table, r, reader->label_column);
        if (cell == NULL) {
            char place[PLACE_MAX];
            line_phrase(reader, r, place, sizeof place);
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "Missing label in column '%s' at %s (the cell is empty, "
                                "NA, ? or NaN). Every row needs its true label: fill it in "
                                "or remove the row, and check that --label names the label "
                                "column.",
                                name, place);
        }
        if (counter_add(&reader->labels, cell) != 0)
            return out_of_memory(reader);
        if (reader->labels.count > MAX_CLASSES) {
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "Column '%s' has more than %d distinct labels, so it looks "
                                "like an id or score column rather than classes. Give the "
                                "column of true labels with --label COL.",
                                name, MAX_CLASSES);
        }
    }
    reader->sorted_labels = counter_sorted_keys(&reader->labels);
    return reader->sorted_labels != NULL ? SK_OK : out_of_memory(reader);
}

/* Picks the positive class and sets the label names. */
static sk_status choose_positive(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    const char **labels = reader->sorted_labels;
    size_t count = reader->labels.count;
    const char *requested = reader->options->positive;
    char listed[SK_ERROR_MAX / 2];
    list_labels(reader, listed, sizeof listed);

    if (count == 1) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "The labels in column '%s' contain one class only (%s); inspect "
                            "needs rows of both classes. Check that --label names the label "
                            "column and that the file contains all the rows.",
                            result->label_name, listed);
    }
    if (requested != NULL) {
        reader->positive_key = match_label(labels, count, requested);
        if (reader->positive_key == NULL) {
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "The positive class '%s' is not a label of column '%s'. The "
                                "labels are: %s. Give one of them with --positive.",
                                requested, result->label_name, listed);
        }
    } else if (count > 2) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Column '%s' has %zu classes: %s. Pick the class of interest "
                            "with --positive LABEL to compare it against all the others "
                            "(one-vs-rest), or check that --label names the label column.",
                            result->label_name, count, listed);
    } else {
        /* The minority class; on a tie the larger label, which is also the
         * default score-of class, so that a balanced file is not flipped. */
        size_t smaller_count = counter_get(&reader->labels, labels[0]);
        size_t larger_count = counter_get(&reader->labels, labels[1]);
        reader->positive_key = smaller_count < larger_count ? labels[0] : labels[1];
    }

    result->classes = count;
    result->one_vs_rest = count > 2;
    result->positive_label = sk_strdup(reader->positive_key);
    if (result->positive_label == NULL)
        return out_of_memory(reader);
    if (!result->one_vs_rest) {
        const char *other = reader->positive_key == labels[0] ? labels[1] : labels[0];
        result->negative_label = sk_strdup(other);
        return result->negative_label != NULL ? SK_OK : out_of_memory(reader);
    }

    size_t len = strlen(reader->positive_key) + sizeof "not ";
    result->negative_label = malloc(len);
    if (result->negative_label == NULL)
        return out_of_memory(reader);
    snprintf(result->negative_label, len, "not %s", reader->positive_key);
    return add_notice(reader,
                      "Column '%s' has %zu classes: %s. Class '%s' is the positive class "
                      "and the other %zu are merged into '%s'; the scores are read as the "
                      "probability of '%s'.",
                      result->label_name, count, listed, reader->positive_key, count - 1,
                      result->negative_label, reader->positive_key);
}

/* Picks the class the scores are the probability of and sets flipped. */
static sk_status choose_score_of(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    const char *requested = reader->options->score_of;
    const char *score_of;

    if (requested == NULL) {
        /* The larger label in binary files; one-vs-rest scores can only be
         * for the positive class. */
        score_of = result->one_vs_rest ? reader->positive_key
                                       : reader->sorted_labels[1];
    } else {
        score_of = match_label(reader->sorted_labels, reader->labels.count, requested);
        if (score_of == NULL) {
            char listed[SK_ERROR_MAX / 2];
            list_labels(reader, listed, sizeof listed);
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "--score-of '%s' is not a label of column '%s'. The labels "
                                "are: %s. Give the class whose probability the scores are.",
                                requested, result->label_name, listed);
        }
        if (result->one_vs_rest && score_of != reader->positive_key) {
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "--score-of '%s' is not the positive class '%s'. With more "
                                "than two classes the scores must be the probability of the "
                                "positive class (as predict_proba[:, k] is for class k): "
                                "give that class with --positive.",
                                requested, reader->positive_key);
        }
    }

    result->score_of_label = sk_strdup(score_of);
    if (result->score_of_label == NULL)
        return out_of_memory(reader);
    result->flipped = score_of != reader->positive_key;
    return SK_OK;
}

/* Fills y and counts the positives. */
static sk_status fill_labels(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    const sk_table *table = reader->table;
    result->y = malloc(result->rows > 0 ? result->rows : 1);
    if (result->y == NULL)
        return out_of_memory(reader);
    size_t positives = 0;
    for (size_t r = 0; r < result->rows; r++) {
        /* count_labels() has checked that no label is missing. */
        const char *cell = sk_table_cell(table, r, reader->label_column);
        result->y[r] = strcmp(cell, reader->positive_key) == 0;
        positives += result->y[r];
    }
    result->positives = positives;
    return SK_OK;
}

static sk_status read_labels(predictions_reader *reader)
{
    sk_status status = count_labels(reader);
    if (status == SK_OK)
        status = choose_positive(reader);
    if (status == SK_OK)
        status = choose_score_of(reader);
    if (status == SK_OK)
        status = fill_labels(reader);
    return status;
}

/* ---- step 3: scores -------------------------------------------------------- */

/* Parses score column `index` into result->scores[index] and sets its
 * probability flag. */
static sk_status read_score_column(predictions_reader *reader, size_t index)
{
    sk_predictions *result = reader->result;
    const sk_table *table = reader->table;
    size_t column = reader->score_column[index];
    const char *name = result->score_names[index];

    double *scores = sk_calloc(result->rows, sizeof *scores);
    if (scores == NULL)
        return out_of_memory(reader);
    result->scores[index] = scores;

    bool probability = true;
    for (size_t r = 0; r < result->rows; r++) {
        const char *cell = sk_table_cell(table, r, column);
        char place[PLACE_MAX];
        char value[VALUE_EXCERPT_MAX + 4];
        if (cell == NULL) {
            line_phrase(reader, r, place, sizeof place);
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "Missing score in column '%s' at %s (the cell is empty, NA, "
                                "? or NaN). Every row needs a finite score: fill it in or "
                                "remove the row, and check that --score names the score "
                                "column.",
                                name, place);
        }
        if (!sk_parse_double(cell, &scores[r])) {
            line_phrase(reader, r, place, sizeof place);
            value_excerpt(cell, value);
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "Score '%s' in column '%s' at %s is not a number. Scores "
                                "are probabilities, margins or logits: check that --score "
                                "names the score column.",
                                value, name, place);
        }
        if (isinf(scores[r])) {
            line_phrase(reader, r, place, sizeof place);
            value_excerpt(cell, value);
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "Score '%s' in column '%s' at %s is infinite. Scores must "
                                "be finite: export probabilities or clip the logits, or "
                                "remove the row.",
                                value, name, place);
        }
        if (scores[r] < 0.0 || scores[r] > 1.0)
            probability = false;
    }
    result->probability[index] = probability;
    return SK_OK;
}

/* Writes "'a' and 'b'" (or "'a', 'b' and 'c'") for the score columns whose
 * probability flag equals `probability`.  Returns how many there are. */
static size_t list_scores_of_kind(const sk_predictions *result, bool probability,
                                  char *buffer, size_t size)
{
    size_t total = 0;
    for (size_t i = 0; i < result->score_columns; i++)
        total += result->probability[i] == probability;

    size_t used = 0, listed = 0;
    buffer[0] = '\0';
    for (size_t i = 0; i < result->score_columns && used < size; i++) {
        if (result->probability[i] != probability)
            continue;
        const char *separator = ", ";
        if (listed == 0)
            separator = "";
        else if (listed + 1 == total)
            separator = " and ";
        int n = snprintf(buffer + used, size - used, "%s'%s'", separator,
                         result->score_names[i]);
        if (n < 0)
            break;
        used += (size_t)n;
        listed++;
    }
    return total;
}

/* Turns every score column around so that higher means the positive class:
 * probabilities become 1 - p and other scores change sign.  Adds a notice
 * that explains the change. */
static sk_status flip_scores(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    for (size_t i = 0; i < result->score_columns; i++) {
        double *scores = result->scores[i];
        for (size_t r = 0; r < result->rows; r++) {
            /* 0.0 - s rather than -s, so that a zero margin stays +0. */
            scores[r] = result->probability[i] ? 1.0 - scores[r] : 0.0 - scores[r];
        }
    }

    /* Two lists and the fixed words fit in changes[] without truncation. */
    char probabilities[SK_ERROR_MAX * 3 / 8], margins[SK_ERROR_MAX * 3 / 8];
    size_t probability_count = list_scores_of_kind(result, true, probabilities,
                                                   sizeof probabilities);
    size_t margin_count = list_scores_of_kind(result, false, margins, sizeof margins);
    char changes[SK_ERROR_MAX];
    if (margin_count == 0)
        snprintf(changes, sizeof changes, "the probabilities in %s were turned into 1 - p",
                 probabilities);
    else if (probability_count == 0)
        snprintf(changes, sizeof changes,
                 "the scores in %s, which are not probabilities, changed sign", margins);
    else
        snprintf(changes, sizeof changes,
                 "the probabilities in %s were turned into 1 - p and the scores in %s, "
                 "which are not probabilities, changed sign",
                 probabilities, margins);

    const sk_predictions_options *options = reader->options;
    return add_notice(reader,
                      "The scores are read as the probability of '%s' (%s), but the "
                      "positive class is '%s' (%s), so %s.",
                      result->score_of_label,
                      options->score_of != NULL ? "--score-of"
                          : "the larger label; give --score-of LABEL if they are for the other class",
                      result->positive_label,
                      options->positive != NULL ? "--positive" : "the minority class",
                      changes);
}

static sk_status read_scores(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    size_t n = result->score_columns;
    result->score_names = sk_calloc(n, sizeof *result->score_names);
    result->scores = sk_calloc(n, sizeof *result->scores);
    result->probability = sk_calloc(n, sizeof *result->probability);
    if (result->score_names == NULL || result->scores == NULL || result->probability == NULL)
        return out_of_memory(reader);

    for (size_t i = 0; i < n; i++) {
        result->score_names[i] = sk_strdup(sk_table_column_name(reader->table,
                                                                 reader->score_column[i]));
        if (result->score_names[i] == NULL)
            return out_of_memory(reader);
        sk_status status = read_score_column(reader, i);
        if (status != SK_OK)
            return status;
    }
    return result->flipped ? flip_scores(reader) : SK_OK;
}

/* ---- public ------------------------------------------------------------ */

sk_status sk_predictions_from_table(const sk_table *table, const char *source,
                                    const sk_predictions_options *options,
                                    sk_predictions **out, sk_error *err)
{
    static const sk_predictions_options defaults = { 0 };
    *out = NULL;
    predictions_reader reader = {
        .table = table,
        .source = source,
        .options = options != NULL ? options : &defaults,
        .err = err,
    };
    reader.result = calloc(1, sizeof *reader.result);
    if (reader.result == NULL)
        return out_of_memory(&reader);
    reader.result->rows = sk_table_rows(table);
    if (reader.result->rows == 0) {
        char file[PLACE_MAX];
        file_phrase(&reader, file, sizeof file);
        sk_predictions_free(reader.result);
        return sk_error_set(err, SK_ERR_INPUT,
                            "The prediction file%s has no data rows. Check that the right "
                            "file was given.",
                            file);
    }

    sk_status status = choose_columns(&reader);
    if (status == SK_OK) {
        reader.result->label_name = sk_strdup(sk_table_column_name(table, reader.label_column));
        if (reader.result->label_name == NULL)
            status = out_of_memory(&reader);
    }
    if (status == SK_OK)
        status = read_labels(&reader);
    if (status == SK_OK)
        status = read_scores(&reader);

    free(reader.score_column);
    free(reader.sorted_labels);
    counter_free(&reader.labels);
    if (status != SK_OK) {
        sk_predictions_free(reader.result);
        return status;
    }
    *out = reader.result;
    return SK_OK;
}

sk_status sk_predictions_read(const char *path, const sk_predictions_options *options,
                              sk_predictions **out, sk_error *err)
{
    *out = NULL;
    sk_table *table = NULL;
    sk_status status = sk_table_read(path, options != NULL ? &options->csv : NULL,
                                     &table, err);
    if (status != SK_OK)
        return status;
    status = sk_predictions_from_table(table, path, options, out, err);
    sk_table_free(table);
    return status;
}

void sk_predictions_free(sk_predictions *predictions)
{
    if (predictions == NULL)
        return;
    for (size_t i = 0; i < predictions->score_columns; i++) {
        if (predictions->score_names != NULL)
            free(predictions->score_names[i]);
        if (predictions->scores != NULL)
            free(predictions->scores[i]);
    }
    free(predictions->score_names);
    free(predictions->scores);
    free(predictions->probability);
    free(predictions->y);
    free(predictions->label_name);
    free(predictions->positive_label);
    free(predictions->negative_label);
    free(predictions->score_of_label);
    for (size_t i = 0; i < predictions->notice_count; i++)
        free(predictions->notices[i]);
    free(predictions->notices);
    free(predictions);
}
