/*
 * dataset.c - turns a table of strings into encoded train and validation
 * matrices.
 *
 * The steps run in this order, and each uses only what the previous ones
 * decided:
 *   1. labels: the distinct non-missing texts of the target column pick the
 *      positive class, and rows with a missing label are dropped.
 *   2. split: per class, a seeded shuffle sends round(val_fraction * count)
 *      rows to validation.  Both splits keep file order (source_row rises).
 *   3. columns: each other column becomes numeric (every non-missing cell
 *      is a number) or text, and gets its encoding from the training rows
 *      alone, so nothing about the validation rows leaks into training.
 *   4. matrices: both splits are encoded with those plans.
 *
 * Every decision the user did not ask for (a dropped column, imputed
 * values, merged classes) leaves one notice sentence in the dataset.
 */
#include "skewtop/data.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* Labels or column names listed in an error before "and N more". */
#define LIST_ITEMS_MAX 20

/* Smallest hash table of distinct texts; it doubles at half load. */
#define COUNTER_INITIAL_CAPACITY 64

/* Membership of a table row, one byte per row. */
enum { SPLIT_TRAIN = 0, SPLIT_VAL = 1, SPLIT_DROPPED = 2 };

/* ---- distinct texts ---------------------------------------------------- */

/* Hash table that counts distinct strings.  Keys point into the table and
 * are not copied. */
typedef struct {
    const char **keys;  /* [capacity], NULL for an empty slot */
    size_t *counts;     /* [capacity] occurrences of keys[i] */
    size_t capacity;    /* a power of two */
    size_t count;       /* distinct keys */
} text_counter;

/* FNV-1a, 64-bit. */
static uint64_t hash_text(const char *text)
{
    uint64_t hash = 14695981039346656037ULL;
    for (; *text != '\0'; text++) {
        hash ^= (unsigned char)*text;
        hash *= 1099511628211ULL;
    }
    return hash;
}

/* Returns the slot of key, or of the empty slot where it belongs. */
static size_t counter_slot(const text_counter *counter, const char *key)
{
    size_t mask = counter->capacity - 1;
    size_t slot = (size_t)hash_text(key) & mask;
    while (counter->keys[slot] != NULL && strcmp(counter->keys[slot], key) != 0)
        slot = (slot + 1) & mask;
    return slot;
}

static int counter_grow(text_counter *counter)
{
    size_t capacity = counter->capacity == 0 ? COUNTER_INITIAL_CAPACITY
                                             : counter->capacity * 2;
    text_counter grown = { .capacity = capacity, .count = counter->count };
    grown.keys = sk_calloc(capacity, sizeof *grown.keys);
    grown.counts = sk_calloc(capacity, sizeof *grown.counts);
    if (grown.keys == NULL || grown.counts == NULL || capacity < counter->capacity) {
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

/* Counts one occurrence of key.  Returns -1 when memory runs out. */
static int counter_add(text_counter *counter, const char *key)
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

static size_t counter_get(const text_counter *counter, const char *key)
{
    if (counter->capacity == 0)
        return 0;
    size_t slot = counter_slot(counter, key);
    return counter->keys[slot] != NULL ? counter->counts[slot] : 0;
}

static void counter_free(text_counter *counter)
{
    free(counter->keys);
    free(counter->counts);
    *counter = (text_counter){ 0 };
}

static int compare_texts(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Returns a new array of the distinct keys sorted by strcmp, or NULL when
 * memory runs out.  The caller frees the array, not the keys. */
static const char **counter_sorted_keys(const text_counter *counter)
{
    const char **keys = sk_calloc(counter->count, sizeof *keys);
    if (keys == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < counter->capacity; i++) {
        if (counter->keys[i] != NULL)
            keys[n++] = counter->keys[i];
    }
    qsort(keys, n, sizeof *keys, compare_texts);
    return keys;
}

/* ---- messages ----------------------------------------------------------- */

/* Appends one formatted sentence to the dataset's notices. */
static sk_status add_notice(sk_dataset *dataset, sk_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sk_status add_notice(sk_dataset *dataset, sk_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return sk_error_set(err, SK_ERR_INTERNAL, "A notice could not be formatted.");

    char *text = malloc((size_t)len + 1);
    char **grown = sk_reallocarray(dataset->notices, dataset->notice_count + 1,
                                   sizeof *grown);
    if (grown != NULL)
        dataset->notices = grown;
    if (text == NULL || grown == NULL) {
        free(text);
        return sk_error_set(err, SK_ERR_NOMEM, "Out of memory while preparing the data.");
    }
    va_start(ap, fmt);
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    va_end(ap);
    dataset->notices[dataset->notice_count++] = text;
    return SK_OK;
}

static sk_status out_of_memory(sk_error *err)
{
    return sk_error_set(err, SK_ERR_NOMEM, "Out of memory while preparing the data.");
}

/* Writes "'a' (5 rows), 'b' (3 rows) and N more" for sorted labels. */
static void list_labels(const char **labels, size_t count, const text_counter *counter,
                        char *buffer, size_t size)
{
    size_t used = 0;
    size_t shown = count < LIST_ITEMS_MAX ? count : LIST_ITEMS_MAX;
    buffer[0] = '\0';
    for (size_t i = 0; i < shown && used < size; i++) {
        size_t rows = counter_get(counter, labels[i]);
        int n = snprintf(buffer + used, size - used, "%s'%s' (%zu row%s)",
                         i == 0 ? "" : ", ", labels[i], rows, rows == 1 ? "" : "s");
        if (n < 0)
            return;
        used += (size_t)n;
    }
    if (shown < count && used < size)
        snprintf(buffer + used, size - used, " and %zu more", count - shown);
}

/* ---- step 1: labels ----------------------------------------------------- */

/* Finds the label that the user's --positive names: the exact text, the
 * text without surrounding single quotes, or the one label that equals it
 * as a number ("1" matches a label "1.0").  Returns NULL when none does. */
static const char *match_positive(const char **labels, size_t count, const char *wanted)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(labels[i], wanted) == 0)
            return labels[i];
    }
    size_t len = strlen(wanted);
    if (len >= 2 && wanted[0] == '\'' && wanted[len - 1] == '\'') {
        for (size_t i = 0; i < count; i++) {
            if (strlen(labels[i]) == len - 2 && strncmp(labels[i], wanted + 1, len - 2) == 0)
                return labels[i];
        }
    }

    double target;
    if (!sk_parse_double(wanted, &target))
        return NULL;
    const char *found = NULL;
    for (size_t i = 0; i < count; i++) {
        double value;
        if (sk_parse_double(labels[i], &value) && value == target) {
            if (found != NULL)
                return NULL; /* two labels equal it: let the user pick the text */
            found = labels[i];
        }
    }
    return found;
}

/* Picks the positive class from the sorted labels and sets the dataset's
 * label names.  Fails when the labels cannot make a binary problem. */
static sk_status choose_positive(const char **labels, size_t count,
                                 const text_counter *counter,
                                 const sk_prepare_options *options,
                                 sk_dataset *dataset, sk_error *err)
{
    char listed[SK_ERROR_MAX / 2];
    list_labels(labels, count, counter, listed, sizeof listed);
    const char *target = dataset->target_name;

    if (count == 1) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' holds one class only: %s. The file needs rows "
                            "of two classes; check that --target names the label column.",
                            target, listed);
    }

    const char *positive;
    if (options->positive != NULL) {
        positive = match_positive(labels, count, options->positive);
        if (positive == NULL) {
            return sk_error_set(err, SK_ERR_INPUT,
                                "The positive class '%s' is not a label of column '%s'. "
                                "The labels are: %s. Give one of them with --positive.",
                                options->positive, target, listed);
        }
    } else if (count > 2) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' has %zu classes: %s. skewtop handles two classes: "
                            "pick the class of interest with --positive LABEL to merge the "
                            "others into one, or check that --target names the label column.",
                            target, count, listed);
    } else {
        /* The minority class; on a tie the label that sorts last, so that
         * 0/1 and false/true pick 1 and true. */
        size_t first = counter_get(counter, labels[0]);
        size_t second = counter_get(counter, labels[1]);
        positive = first < second ? labels[0] : labels[1];
    }

    dataset->positive_label = sk_strdup(positive);
    if (dataset->positive_label == NULL)
        return out_of_memory(err);

    if (count == 2) {
        dataset->negative_label = sk_strdup(positive == labels[0] ? labels[1] : labels[0]);
        if (dataset->negative_label == NULL)
            return out_of_memory(err);
        return SK_OK;
    }

    /* One class against the rest. */
    size_t len = strlen(positive) + sizeof "not ";
    dataset->negative_label = malloc(len);
    if (dataset->negative_label == NULL)
        return out_of_memory(err);
    snprintf(dataset->negative_label, len, "not %s", positive);
    return add_notice(dataset, err,
                      "Column '%s' has %zu classes: %s. Class '%s' is the positive class "
                      "and the other %zu are merged into '%s'.",
                      target, count, listed, positive, count - 1, dataset->negative_label);
}

/* Reads the target column, picks the positive class and writes, per table
 * row, 1 (positive), 0 (negative) or SPLIT_DROPPED (missing label) into
 * row_class. */
static sk_status choose_labels(const sk_table *table, size_t target,
                               const sk_prepare_options *options,
                               sk_dataset *dataset, unsigned char *row_class,
                               sk_error *err)
{
    size_t rows = sk_table_rows(table);
    text_counter counter = { 0 };
    const char **labels = NULL;
    sk_status status = SK_OK;

    size_t missing = 0;
    for (size_t r = 0; r < rows; r++) {
        const char *cell = sk_table_cell(table, r, target);
        if (cell == NULL)
            missing++;
        else if (counter_add(&counter, cell) != 0) {
            status = out_of_memory(err);
            goto done;
        }
    }
    if (counter.count == 0) {
        status = sk_error_set(err, SK_ERR_INPUT,
                              "Column '%s' has no labels: all %zu rows hold a missing value "
                              "(empty, NA, ? or NaN). Check that --target names the label column.",
                              dataset->target_name, rows);
        goto done;
    }

    labels = counter_sorted_keys(&counter);
    if (labels == NULL) {
        status = out_of_memory(err);
        goto done;
    }
    status = choose_positive(labels, counter.count, &counter, options, dataset, err);
    if (status != SK_OK)
        goto done;

    for (size_t r = 0; r < rows; r++) {
        const char *cell = sk_table_cell(table, r, target);
        if (cell == NULL)
            row_class[r] = SPLIT_DROPPED;
        else
            row_class[r] = strcmp(cell, dataset->positive_label) == 0;
    }
    dataset->rows_dropped = missing;
    if (missing > 0) {
        status = add_notice(dataset, err,
                            "%zu row%s with a missing label in column '%s' %s dropped.",
                            missing, missing == 1 ? "" : "s", dataset->target_name,
                            missing == 1 ? "was" : "were");
    }

done:
    free(labels);
    counter_free(&counter);
    return status;
}

/* ---- step 2: split ------------------------------------------------------ */

/* Checks that a class of count rows, of which val go to validation, leaves
 * at least one row in each split. */
static sk_status check_class_split(const char *label, size_t count, size_t val,
                                   double fraction, sk_error *err)
{
    if (val == 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Class '%s' has %zu row%s, so a validation fraction of %g puts "
                            "none of them in the validation split. Add rows of this class "
                            "or raise --val-fraction.",
                            label, count, count == 1 ? "" : "s", fraction);
    }
    if (val == count) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Class '%s' has %zu row%s, so a validation fraction of %g puts "
                            "all of them in the validation split and none in training. Add "
                            "rows of this class or lower --val-fraction.",
                            label, count, count == 1 ? "" : "s", fraction);
    }
    return SK_OK;
}

static sk_status split_alloc(sk_split *split, size_t rows, sk_error *err)
{
    split->rows = rows;
    split->y = sk_calloc(rows, sizeof *split->y);
    split->source_row = sk_calloc(rows, sizeof *split->source_row);
    if (split->y == NULL || split->source_row == NULL)
        return out_of_memory(err);
    return SK_OK;
}

/* Shuffles the rows of each class with a seeded Mersenne Twister and marks
 * the first round(fraction * count) of each as validation: membership[r]
 * becomes SPLIT_TRAIN or SPLIT_VAL for every labelled row. */
static sk_status mark_validation_rows(const unsigned char *row_class, size_t rows,
                                      const sk_prepare_options *options,
                                      const sk_dataset *dataset,
                                      unsigned char *membership, sk_error *err)
{
    size_t *members = sk_calloc(rows, sizeof *members);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    sk_status status = SK_OK;
    if (members == NULL || rng == NULL) {
        status = out_of_memory(err);
        goto done;
    }
    gsl_rng_set(rng, options->seed);

    /* The negative class is shuffled first; the order is part of what a
     * seed reproduces. */
    for (unsigned char cls = 0; cls <= 1; cls++) {
        size_t count = 0;
        for (size_t r = 0; r < rows; r++) {
            if (row_class[r] == cls)
                members[count++] = r;
        }
        size_t val = (size_t)floor(options->val_fraction * (double)count + 0.5);
        const char *label = cls == 1 ? dataset->positive_label : dataset->negative_label;
        status = check_class_split(label, count, val, options->val_fraction, err);
        if (status != SK_OK)
            goto done;

        gsl_ran_shuffle(rng, members, count, sizeof *members);
        for (size_t i = 0; i < count; i++)
            membership[members[i]] = i < val ? SPLIT_VAL : SPLIT_TRAIN;
    }

done:
    gsl_rng_free(rng);
    free(members);
    return status;
}

/* Splits the labelled rows into dataset->train and dataset->val, each in
 * file order.  membership receives SPLIT_TRAIN, SPLIT_VAL or SPLIT_DROPPED
 * per table row. */
static sk_status split_rows(const unsigned char *row_class, size_t rows,
                            const sk_prepare_options *options, sk_dataset *dataset,
                            unsigned char *membership, sk_error *err)
{
    for (size_t r = 0; r < rows; r++)
        membership[r] = SPLIT_DROPPED;
    sk_status status = mark_validation_rows(row_class, rows, options, dataset,
                                            membership, err);
    if (status != SK_OK)
        return status;

    size_t counts[2] = { 0, 0 };
    for (size_t r = 0; r < rows; r++) {
        if (membership[r] != SPLIT_DROPPED)
            counts[membership[r]]++;
    }
    status = split_alloc(&dataset->train, counts[SPLIT_TRAIN], err);
    if (status == SK_OK)
        status = split_alloc(&dataset->val, counts[SPLIT_VAL], err);
    if (status != SK_OK)
        return status;

    dataset->train.rows = 0;
    dataset->val.rows = 0;
    for (size_t r = 0; r < rows; r++) {
        if (membership[r] == SPLIT_DROPPED)
            continue;
        sk_split *split = membership[r] == SPLIT_VAL ? &dataset->val : &dataset->train;
        split->source_row[split->rows] = r;
        split->y[split->rows] = row_class[r];
        split->positives += row_class[r];
        split->rows++;
    }
    return SK_OK;
}

/* ---- step 3: column plans ----------------------------------------------- */

/* How one table column becomes features. */
typedef struct {
    size_t column;            /* table column */
    int numeric;              /* numbers, standardised; else text, one-hot */
    int emit_values;          /* numeric: one value feature; text: one per category */
    double mean;              /* numeric: training mean */
    double sd;                /* numeric: training population standard deviation, > 0 */
    const char **categories;  /* text: [category_count] training values, sorted */
    size_t category_count;
    int emit_missing;         /* adds the indicator feature "name (missing)" */
    size_t first_feature;     /* index of the column's first feature */
    size_t missing;           /* missing cells in kept rows */
} column_plan;

/* A column whose present cells are numbers in at least this share is a
 * numeric column with a typo, not a text column: its text is an error. */
#define STRAY_TEXT_SHARE 0.9

/* What a scan of a column's kept rows found. */
typedef struct {
    size_t present;           /* non-missing cells in kept rows */
    size_t missing;           /* missing cells in kept rows */
    int numeric;              /* every present cell is a number */
    size_t numbers;           /* present cells that are numbers */
    size_t text_row;          /* text: first row whose cell is not a number */
    size_t infinite_row;      /* numeric: first row holding an infinite value */
    int has_infinite;
} column_scan;

static column_scan scan_column(const sk_table *table, size_t column,
                               const unsigned char *membership)
{
    column_scan scan = { .numeric = 1 };
    size_t rows = sk_table_rows(table);
    for (size_t r = 0; r < rows; r++) {
        if (membership[r] == SPLIT_DROPPED)
            continue;
        const char *cell = sk_table_cell(table, r, column);
        if (cell == NULL) {
            scan.missing++;
            continue;
        }
        scan.present++;
        double value;
        if (!sk_parse_double(cell, &value)) {
            if (scan.numeric)
                scan.text_row = r;
            scan.numeric = 0;
            continue;
        }
        scan.numbers++;
        if (isinf(value) && !scan.has_infinite) {
            scan.has_infinite = 1;
            scan.infinite_row = r;
        }
    }
    return scan;
}

/* Computes the training mean and population standard deviation of a
 * numeric column (Welford's update), and its range. */
static void numeric_train_stats(const sk_table *table, const sk_split *train, size_t column,
                                size_t *count, double *mean, double *sd,
                                double *min, double *max)
{
    double m = 0.0, m2 = 0.0;
    size_t n = 0;
    *min = INFINITY;
    *max = -INFINITY;
    for (size_t i = 0; i < train->rows; i++) {
        double value;
        const char *cell = sk_table_cell(table, train->source_row[i], column);
        if (cell == NULL || !sk_parse_double(cell, &value))
            continue;
        n++;
        double delta = value - m;
        m += delta / (double)n;
        m2 += delta * (value - m);
        if (value < *min)
            *min = value;
        if (value > *max)
            *max = value;
    }
    *count = n;
    *mean = m;
    *sd = n > 0 ? sqrt(m2 / (double)n) : 0.0;
}

static sk_status plan_numeric(const sk_table *table, const column_scan *scan,
                              column_plan *plan, sk_dataset *dataset, sk_error *err)
{
    const char *name = sk_table_column_name(table, plan->column);
    if (scan->has_infinite) {
        size_t r = scan->infinite_row;
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' holds '%s' on line %zu, which is not a finite number. "
                            "Replace it with a finite value, or leave the cell empty to mark "
                            "it missing.",
                            name, sk_table_cell(table, r, plan->column),
                            sk_table_row_line(table, r));
    }

    size_t count;
    double min, max;
    numeric_train_stats(table, &dataset->train, plan->column, &count, &plan->mean,
                        &plan->sd, &min, &max);
    if (count == 0) {
        return add_notice(dataset, err,
                          "Column '%s' was dropped: it has no value in the training split.",
                          name);
    }

    /* Equal values, or a spread too small to divide by, carry no signal
     * once standardised. */
    if (min == max || !(plan->sd > 0.0)) {
        plan->emit_missing = scan->missing > 0;
        if (plan->emit_missing) {
            return add_notice(dataset, err,
                              "Column '%s' holds the same value, %g, in every training row "
                              "that has one, so only its missing-value indicator is kept.",
                              name, min);
        }
        return add_notice(dataset, err,
                          "Column '%s' was dropped: it holds the same value, %g, in every "
                          "training row.",
                          name, min);
    }
    plan->emit_values = 1;
    plan->emit_missing = scan->missing > 0;
    return SK_OK;
}

/* Adds the validation rows' values to counter, so that it counts the
 * distinct values of all kept rows. */
static int count_validation_values(const sk_table *table, const sk_split *val, size_t column,
                                   text_counter *counter)
{
    for (size_t i = 0; i < val->rows; i++) {
        const char *cell = sk_table_cell(table, val->source_row[i], column);
        if (cell != NULL && counter_add(counter, cell) != 0)
            return -1;
    }
    return 0;
}

static sk_status plan_text(const sk_table *table, const column_scan *scan,
                           size_t max_categories, column_plan *plan,
                           sk_dataset *dataset, sk_error *err)
{
    const char *name = sk_table_column_name(table, plan->column);
    size_t text_row = scan->text_row;
    text_counter counter = { 0 };
    sk_status status = SK_OK;

    for (size_t i = 0; i < dataset->train.rows; i++) {
        const char *cell = sk_table_cell(table, dataset->train.source_row[i], plan->column);
        if (cell != NULL && counter_add(&counter, cell) != 0) {
            status = out_of_memory(err);
            goto done;
        }
    }

    if (counter.count > max_categories) {
        if (count_validation_values(table, &dataset->val, plan->column, &counter) != 0) {
            status = out_of_memory(err);
            goto done;
        }
        status = add_notice(dataset, err,
                            "Column '%s' was dropped: %zu distinct text values exceed the "
                            "one-hot limit of %zu (line %zu holds '%s', which is not a number).",
                            name, counter.count, max_categories,
                            sk_table_row_line(table, text_row),
                            sk_table_cell(table, text_row, plan->column));
        goto done;
    }
    if (counter.count == 0) {
        status = add_notice(dataset, err,
                            "Column '%s' was dropped: it has no value in the training split.",
                            name);
        goto done;
    }

    plan->emit_missing = scan->missing > 0;
    plan->categories = counter_sorted_keys(&counter);
    if (plan->categories == NULL) {
        status = out_of_memory(err);
        goto done;
    }
    plan->category_count = counter.count;
    /* One category is a constant column. */
    plan->emit_values = counter.count > 1;

    if (!plan->emit_values) {
        status = add_notice(dataset, err,
                            "Column '%s' %s: it holds the same text, '%s', in every training "
                            "row%s.",
                            name,
                            plan->emit_missing ? "keeps only its missing-value indicator"
                                               : "was dropped",
                            plan->categories[0],
                            plan->emit_missing ? " that has one" : "");
    }

done:
    counter_free(&counter);
    return status;
}

/* Decides how one column becomes features; a plan with neither
 * emit_values nor emit_missing means the column is dropped. */
static sk_status plan_column(const sk_table *table, sk_dataset *dataset,
                             const unsigned char *membership, size_t max_categories,
                             column_plan *plan, sk_error *err)
{
    column_scan scan = scan_column(table, plan->column, membership);
    if (scan.present == 0) {
        return add_notice(dataset, err, "Column '%s' was dropped: every value is missing.",
                          sk_table_column_name(table, plan->column));
    }
    plan->numeric = scan.numeric;
    plan->missing = scan.missing;
    if (!scan.numeric && scan.numbers >= STRAY_TEXT_SHARE * (double)scan.present) {
        size_t r = scan.text_row;
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' holds numbers except for '%s' on line %zu. "
                            "Correct the value, or write NA to mark it missing.",
                            sk_table_column_name(table, plan->column),
                            sk_table_cell(table, r, plan->column), sk_table_row_line(table, r));
    }
    if (scan.numeric)
        return plan_numeric(table, &scan, plan, dataset, err);
    return plan_text(table, &scan, max_categories, plan, dataset, err);
}

/* Says once how missing feature values were handled, with the columns. */
static sk_status notice_missing(const sk_table *table, const column_plan *plans,
                                size_t plan_count, sk_dataset *dataset, sk_error *err)
{
    size_t columns = 0, cells = 0;
    char names[160] = "";
    size_t used = 0;
    for (size_t p = 0; p < plan_count; p++) {
        if (!plans[p].emit_missing || !plans[p].emit_values)
            continue;
        columns++;
        cells += plans[p].missing;
        if (used < sizeof names - 1) {
            int n = snprintf(names + used, sizeof names - used, "%s'%s'",
                             columns > 1 ? ", " : "",
                             sk_table_column_name(table, plans[p].column));
            used += n > 0 ? (size_t)n : 0;
        }
    }
    if (columns == 0)
        return SK_OK;
    if (used >= sizeof names - 1)
        snprintf(names + sizeof names - 5, 5, "...");
    return add_notice(dataset, err,
                      "%zu missing value%s in %zu column%s (%s) %s replaced by the "
                      "training mean (numbers) or no category (text), and an added "
                      "feature 'COLUMN (missing)' marks each.",
                      cells, cells == 1 ? "" : "s", columns, columns == 1 ? "" : "s",
                      names, cells == 1 ? "was" : "were");
}

static size_t plan_features(const column_plan *plan)
{
    size_t values = 0;
    if (plan->emit_values)
        values = plan->numeric ? 1 : plan->category_count;
    return values + (plan->emit_missing ? 1 : 0);
}

/* Formats "name", "name=value" or "name (missing)" into a new string. */
static char *feature_name(const char *column, const char *value, int missing)
{
    const char *separator = "";
    const char *suffix = "";
    if (value != NULL) {
        separator = "=";
        suffix = value;
    } else if (missing) {
        separator = " (missing)";
    }
    size_t len = strlen(column) + strlen(separator) + strlen(suffix) + 1;
    char *name = malloc(len);
    if (name != NULL)
        snprintf(name, len, "%s%s%s", column, separator, suffix);
    return name;
}

/* Assigns feature indices to the plans and fills dataset->feature_names. */
static sk_status name_features(const sk_table *table, column_plan *plans, size_t plan_count,
                               sk_dataset *dataset, sk_error *err)
{
    size_t features = 0;
    for (size_t p = 0; p < plan_count; p++) {
        plans[p].first_feature = features;
        features += plan_features(&plans[p]);
    }
    dataset->feature_names = sk_calloc(features, sizeof *dataset->feature_names);
    if (dataset->feature_names == NULL)
        return out_of_memory(err);
    dataset->features = features;

    size_t f = 0;
    for (size_t p = 0; p < plan_count; p++) {
        const column_plan *plan = &plans[p];
        const char *column = sk_table_column_name(table, plan->column);
        if (plan->emit_values && plan->numeric) {
            dataset->feature_names[f++] = feature_name(column, NULL, 0);
        } else if (plan->emit_values) {
            for (size_t c = 0; c < plan->category_count; c++)
                dataset->feature_names[f++] = feature_name(column, plan->categories[c], 0);
        }
        if (plan->emit_missing)
            dataset->feature_names[f++] = feature_name(column, NULL, 1);
    }
    for (size_t i = 0; i < features; i++) {
        if (dataset->feature_names[i] == NULL)
            return out_of_memory(err);
    }
    return SK_OK;
}

/* Fails with a message that lists the dropped columns when no feature is
 * left. */
static sk_status check_features_left(const sk_table *table, size_t target,
                                     const column_plan *plans, size_t plan_count,
                                     size_t max_categories, const sk_dataset *dataset,
                                     sk_error *err)
{
    if (dataset->features > 0)
        return SK_OK;
    if (sk_table_columns(table) == 1) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "The file has no column besides the target '%s', so there is "
                            "nothing to learn from. Add feature columns.",
                            sk_table_column_name(table, target));
    }

    char names[SK_ERROR_MAX / 2];
    size_t used = 0;
    names[0] = '\0';
    for (size_t p = 0; p < plan_count && p < LIST_ITEMS_MAX && used < sizeof names; p++) {
        int n = snprintf(names + used, sizeof names - used, "%s'%s'", p == 0 ? "" : ", ",
                         sk_table_column_name(table, plans[p].column));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (plan_count > LIST_ITEMS_MAX && used < sizeof names)
        snprintf(names + used, sizeof names - used, " and %zu more",
                 plan_count - LIST_ITEMS_MAX);
    return sk_error_set(err, SK_ERR_INPUT,
                        "No feature column is left besides the target '%s': %s %s dropped "
                        "as empty, constant, or text with more than %zu distinct values. "
                        "The file needs a column of numbers or of text with few distinct "
                        "values; --target may name the wrong column.",
                        sk_table_column_name(table, target), names,
                        plan_count == 1 ? "was" : "were", max_categories);
}

/* ---- step 4: matrices --------------------------------------------------- */

static int find_category(const column_plan *plan, const char *value, size_t *index)
{
    const char **found = bsearch(&value, plan->categories, plan->category_count,
                                 sizeof *plan->categories, compare_texts);
    if (found == NULL)
        return 0;
    *index = (size_t)(found - plan->categories);
    return 1;
}

/* Writes the features of one table row into row i of split->x. */
static void encode_row(const sk_table *table, const column_plan *plans, size_t plan_count,
                       size_t source, gsl_matrix *x, size_t i)
{
    for (size_t p = 0; p < plan_count; p++) {
        const column_plan *plan = &plans[p];
        const char *cell = sk_table_cell(table, source, plan->column);
        size_t f = plan->first_feature;

        if (plan->emit_values && plan->numeric) {
            double value;
            /* A missing value gets the training mean, which standardises to 0. */
            if (cell != NULL && sk_parse_double(cell, &value))
                gsl_matrix_set(x, i, f, (value - plan->mean) / plan->sd);
            f++;
        } else if (plan->emit_values) {
            size_t category;
            /* Missing values and values unseen in training stay all zeros. */
            if (cell != NULL && find_category(plan, cell, &category))
                gsl_matrix_set(x, i, f + category, 1.0);
            f += plan->category_count;
        }
        if (plan->emit_missing)
            gsl_matrix_set(x, i, f, cell == NULL ? 1.0 : 0.0);
    }
}

static sk_status encode_split(const sk_table *table, const column_plan *plans,
                              size_t plan_count, size_t features, sk_split *split,
                              sk_error *err)
{
    if (split->rows == 0)
        return SK_OK;
    split->x = gsl_matrix_calloc(split->rows, features);
    if (split->x == NULL)
        return out_of_memory(err);
    for (size_t i = 0; i < split->rows; i++)
        encode_row(table, plans, plan_count, split->source_row[i], split->x, i);
    return SK_OK;
}

/* ---- entry points ------------------------------------------------------- */

static sk_status check_options(const sk_prepare_options *options, sk_error *err)
{
    if (options == NULL || options->target == NULL || options->target[0] == '\0') {
        return sk_error_set(err, SK_ERR_INPUT,
                            "No label column was given. Name it with --target COL "
                            "(a column name or a 1-based index).");
    }
    double fraction = options->val_fraction;
    if (!(fraction > 0.0 && fraction < 1.0)) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Validation fraction %g is out of range. Give --val-fraction a "
                            "value between 0 and 1, such as 0.2.",
                            fraction);
    }
    return SK_OK;
}

/* Plans every column but the target, then names the features. */
static sk_status plan_columns(const sk_table *table, size_t target,
                              const unsigned char *membership, size_t max_categories,
                              column_plan **plans_out, size_t *plan_count,
                              sk_dataset *dataset, sk_error *err)
{
    size_t columns = sk_table_columns(table);
    column_plan *plans = sk_calloc(columns, sizeof *plans);
    *plans_out = plans;
    *plan_count = 0;
    if (plans == NULL)
        return out_of_memory(err);

    for (size_t c = 0; c < columns; c++) {
        if (c == target)
            continue;
        column_plan *plan = &plans[(*plan_count)++];
        plan->column = c;
        sk_status status = plan_column(table, dataset, membership, max_categories, plan, err);
        if (status != SK_OK)
            return status;
    }

    sk_status status = notice_missing(table, plans, *plan_count, dataset, err);
    if (status == SK_OK)
        status = name_features(table, plans, *plan_count, dataset, err);
    if (status != SK_OK)
        return status;
    return check_features_left(table, target, plans, *plan_count, max_categories,
                               dataset, err);
}

sk_status sk_dataset_prepare(const sk_table *table,
                             const sk_prepare_options *options,
                             sk_dataset **out, sk_error *err)
{
    *out = NULL;
    sk_status status = check_options(options, err);
    if (status != SK_OK)
        return status;
    size_t target;
    status = sk_table_find_column(table, options->target, &target, err);
    if (status != SK_OK)
        return status;

    size_t rows = sk_table_rows(table);
    size_t max_categories = options->max_categories != 0 ? options->max_categories
                                                         : SK_DEFAULT_MAX_CATEGORIES;
    column_plan *plans = NULL;
    size_t plan_count = 0;
    unsigned char *row_class = sk_calloc(rows, 1);
    unsigned char *membership = sk_calloc(rows, 1);
    sk_dataset *dataset = calloc(1, sizeof *dataset);
    if (row_class == NULL || membership == NULL || dataset == NULL) {
        status = out_of_memory(err);
        goto done;
    }
    dataset->rows_read = rows;
    dataset->steps = 1;
    dataset->target_name = sk_strdup(sk_table_column_name(table, target));
    if (dataset->target_name == NULL) {
        status = out_of_memory(err);
        goto done;
    }

    status = choose_labels(table, target, options, dataset, row_class, err);
    if (status == SK_OK)
        status = split_rows(row_class, rows, options, dataset, membership, err);
    if (status == SK_OK)
        status = plan_columns(table, target, membership, max_categories, &plans,
                              &plan_count, dataset, err);
    if (status == SK_OK)
        status = encode_split(table, plans, plan_count, dataset->features, &dataset->train, err);
    if (status == SK_OK)
        status = encode_split(table, plans, plan_count, dataset->features, &dataset->val, err);
    if (status == SK_OK) {
        *out = dataset;
        dataset = NULL;
    }

done:
    if (plans != NULL) {
        for (size_t p = 0; p < plan_count; p++)
            free(plans[p].categories);
    }
    free(plans);
    free(membership);
    free(row_class);
    sk_dataset_free(dataset);
    return status;
}

static void split_free(sk_split *split)
{
    if (split->x != NULL)
        gsl_matrix_free(split->x);
    free(split->y);
    free(split->source_row);
}

void sk_dataset_free(sk_dataset *dataset)
{
    if (dataset == NULL)
        return;
    split_free(&dataset->train);
    split_free(&dataset->val);
    if (dataset->feature_names != NULL) {
        for (size_t i = 0; i < dataset->features; i++)
            free(dataset->feature_names[i]);
    }
    free(dataset->feature_names);
    free(dataset->target_name);
    free(dataset->positive_label);
    free(dataset->negative_label);
    for (size_t i = 0; i < dataset->notice_count; i++)
        free(dataset->notices[i]);
    free(dataset->notices);
    free(dataset);
}
