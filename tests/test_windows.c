/*
 * test_windows.c - tests of sk_windows_prepare: time parsing, ordering,
 * window contents, horizon, gaps, splits, errors, the generated panel in
 * sample_data/panel.csv and the real ozone file.
 *
 * Small tables are written into a temporary directory and read with the
 * CSV reader.  Expected window contents are computed here from the table
 * cells with the definition (training rows' mean and population standard
 * deviation), not with the code under test.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "skewtop/data.h"
#include "skewtop/windows.h"

#define TEST_FIXTURE_NAME "skewtop-test-windows"
#include "test_support.h"

/* Tolerance for standardised values: a few operations on doubles of
 * order 100. */
#define VALUE_TOLERANCE 1e-9

/* ---- fixtures --------------------------------------------------------- */

static sk_table *read_text(const char *content)
{
    sk_table *table = NULL;
    sk_error err = { "" };
    if (sk_table_read(write_fixture(content), NULL, &table, &err) != SK_OK)
        fail_msg("reading failed: %s", err.message);
    return table;
}

static sk_window_options options_for(const char *target, const char *time_col,
                                     size_t window)
{
    sk_window_options options = {
        .target = target,
        .time_col = time_col,
        .window = window,
        .val_fraction = 0.25,
        .seed = 42,
    };
    return options;
}

static sk_dataset *prepare_ok(const sk_table *table, const sk_window_options *options)
{
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    if (sk_windows_prepare(table, options, &dataset, &err) != SK_OK)
        fail_msg("windows failed: %s", err.message);
    assert_non_null(dataset);
    return dataset;
}

/* Runs a preparation that must fail with SK_ERR_INPUT and returns the
 * message in a static buffer. */
static const char *prepare_error(const sk_table *table, const sk_window_options *options)
{
    static sk_error err;
    sk_dataset *dataset = NULL;
    err.message[0] = '\0';
    sk_status status = sk_windows_prepare(table, options, &dataset, &err);
    if (status != SK_ERR_INPUT)
        fail_msg("expected SK_ERR_INPUT, got %d: %s", (int)status, err.message);
    assert_null(dataset);
    assert_true(err.message[0] != '\0');
    return err.message;
}

static double cell_number(const sk_table *table, size_t row, size_t column)
{
    double value;
    const char *cell = sk_table_cell(table, row, column);
    if (cell == NULL || !sk_parse_double(cell, &value))
        fail_msg("row %zu, column %zu is not a number", row, column);
    return value;
}

/* Checks the windows of one series whose column 1, x, is each row's step
 * number and whose column 2 is the label.  The window with label step t
 * contains x = t - horizon - window + 1 ... t - horizon, standardised with
 * the mean and population deviation of the distinct steps that training
 * windows read. */
static void check_step_windows(const sk_table *table, const sk_dataset *dataset,
                               size_t window, size_t horizon)
{
    enum { MAX_STEPS = 64 };
    int read[MAX_STEPS] = { 0 };
    const sk_split *train = &dataset->train;
    for (size_t i = 0; i < train->rows; i++) {
        long t = (long)cell_number(table, train->source_row[i], 1);
        for (size_t k = 0; k < window; k++) {
            long step = t - (long)horizon - (long)window + 1 + (long)k;
            assert_true(step >= 0 && step < MAX_STEPS);
            read[step] = 1;
        }
    }
    double sum = 0.0, squares = 0.0;
    int n = 0;
    for (int s = 0; s < MAX_STEPS; s++) {
        if (read[s]) {
            sum += s;
            squares += (double)s * s;
            n++;
        }
    }
    double mean = sum / n;
    double sd = sqrt(squares / n - mean * mean);

    assert_int_equal(dataset->steps, window);
    assert_int_equal(dataset->features, window);
    const sk_split *splits[2] = { &dataset->train, &dataset->val };
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < splits[s]->rows; i++) {
            size_t row = splits[s]->source_row[i];
            long t = (long)cell_number(table, row, 1);
            assert_int_equal(splits[s]->y[i],
                             strcmp(sk_table_cell(table, row, 2), dataset->positive_label) == 0);
            for (size_t k = 0; k < window; k++) {
                double step = (double)(t - (long)horizon - (long)window + 1 + (long)k);
                assert_close((step - mean) / sd, gsl_matrix_get(splits[s]->x, i, k),
                             VALUE_TOLERANCE);
            }
        }
    }
}

/* ---- time formats ---------------------------------------------------------- */

/* Rows of the format tests, written out of time order: rank[i] is the time
 * rank of file row i, and x contains it. */
static const int format_rank[6] = { 3, 0, 5, 1, 4, 2 };
/* Labels by time rank: two windows of class 0 and three of class 1. */
static const char *const format_label[6] = { "1", "0", "1", "0", "1", "1" };

/* Builds a table "t,x,y" from six times listed in time order, written in
 * the shuffled order of format_rank. */
static sk_table *format_table(const char *const times[6])
{
    char text[1024] = "t,x,y\n";
    size_t used = strlen(text);
    for (int i = 0; i < 6; i++) {
        int rank = format_rank[i];
        used += (size_t)snprintf(text + used, sizeof text - used, "%s,%d,%s\n",
                                 times[rank], rank, format_label[rank]);
    }
    return read_text(text);
}

/* Windows of two steps over six consecutive times: five windows whose
 * steps follow time order, and no gap. */
static void check_format(const char *const times[6], const char *step_words)
{
    sk_table *table = format_table(times);
    sk_window_options options = options_for("y", "t", 2);
    options.split = SK_WINDOW_SPLIT_RANDOM;
    options.val_fraction = 0.5;
    sk_dataset *dataset = prepare_ok(table, &options);

    assert_int_equal(dataset->train.rows + dataset->val.rows, 5);
    assert_string_equal(dataset->positive_label, "0");
    assert_contains(find_notice(dataset, "Made 5 windows"), step_words);
    assert_null(find_notice(dataset, "without a row"));
    check_step_windows(table, dataset, 2, 0);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_time_year_month(void **state)
{
    (void)state;
    const char *times[6] = { "2013-11", "2013-12", "2014-01", "2014-2", "2014-03", "2014-04" };
    check_format(times, "a step is one month of column 't'");
}

static void test_time_first_of_month(void **state)
{
    (void)state;
    const char *times[6] = { "2013-11-01", "2013-12-01", "2014-01-01",
                             "2014-02-01", "2014-03-01", "2014-04-01" };
    check_format(times, "a step is one month");
}

static void test_time_last_of_month(void **state)
{
    (void)state;
    /* 2016 is a leap year: February ends on the 29th. */
    const char *times[6] = { "2015-12-31", "2016-01-31", "2016-02-29",
                             "2016-03-31", "2016-04-30", "2016-05-31" };
    check_format(times, "a step is one month");
}

static void test_time_months_mixed_forms(void **state)
{
    (void)state;
    const char *times[6] = { "2013-11", "2013-12-01", "2014-01", "2014-02-01",
                             "2014-03", "2014-04-01" };
    check_format(times, "a step is one month");
}

static void test_time_daily_iso(void **state)
{
    (void)state;
    const char *times[6] = { "2016-02-27", "2016-02-28", "2016-02-29",
                             "2016-03-01", "2016-03-02", "2016-03-03" };
    check_format(times, "a step is one day of column 't'");
}

static void test_time_daily_slash(void **state)
{
    (void)state;
    const char *times[6] = { "12/30/2015", "12/31/2015", "1/1/2016",
                             "01/02/2016", "1/3/2016", "1/04/2016" };
    check_format(times, "a step is one day");
}

static void test_time_daily_month_ends_mixed(void **state)
{
    (void)state;
    /* First and last days of months together are days, not months. */
    const char *times[6] = { "2016-01-30", "2016-01-31", "2016-02-01",
                             "2016-02-02", "2016-02-03", "2016-02-04" };
    check_format(times, "a step is one day");
}

static void test_time_integers(void **state)
{
    (void)state;
    const char *times[6] = { "-2", "-1", "0", "+1", "2", " 3" };
    check_format(times, "a step is 1 in column 't'");
}

static void test_time_file_order(void **state)
{
    (void)state;
    /* Without a time column the file order is the time order.  Column
     * note is constant, so x (the row's place in the file) is the only
     * feature. */
    sk_table *table = read_text("note,x,y\na,0,1\na,1,0\na,2,1\na,3,0\na,4,1\na,5,1\n");
    sk_window_options options = options_for("y", NULL, 2);
    options.split = SK_WINDOW_SPLIT_RANDOM;
    options.val_fraction = 0.5;
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_int_equal(dataset->train.rows + dataset->val.rows, 5);
    assert_contains(find_notice(dataset, "Made 5 windows"), "one row in file order");
    check_step_windows(table, dataset, 2, 0);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_time_unparseable(void **state)
{
    (void)state;
    static const char *const bad[] = { "2013-13", "2013-02-30", "2/30/2013", "13/1/2013",
                                       "2013/01/05", "Jan 2013", "2013-01-05T10:00",
                                       "1.5", "0000-01", "1000000000000000" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[256];
        snprintf(text, sizeof text, "t,x,y\n2013-01,1,0\n%s,2,1\n2013-03,3,0\n", bad[i]);
        sk_table *table = read_text(text);
        sk_window_options options = options_for("y", "t", 1);
        const char *message = prepare_error(table, &options);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "'%s' on line 3", bad[i]);
        assert_contains(message, quoted);
        assert_contains(message, "--time-col");
        sk_table_free(table);
    }
}

static void test_time_missing_value(void **state)
{
    (void)state;
    sk_table *table = read_text("t,x,y\n2013-01,1,0\n,2,1\n2013-03,3,0\n");
    sk_window_options options = options_for("y", "t", 1);
    const char *message = prepare_error(table, &options);
    assert_contains(message, "Line 3 has no value in the time column 't'");
    sk_table_free(table);
}

static void test_time_mixed_forms_rejected(void **state)
{
    (void)state;
    sk_table *table = read_text("t,x,y\n2013-01,1,0\n5,2,1\n2013-03,3,0\n");
    sk_window_options options = options_for("y", "t", 1);
    const char *message = prepare_error(table, &options);
    assert_contains(message, "'5' on line 3");
    assert_contains(message, "'2013-01' on line 2");
    sk_table_free(table);

    table = read_text("t,x,y\n2013-01,1,0\n2013-02-15,2,1\n2013-03,3,0\n");
    message = prepare_error(table, &options);
    assert_contains(message, "mixes months ('2013-01' on line 2) and days ('2013-02-15' on line 3)");
    sk_table_free(table);
}

/* ---- series and window contents --------------------------------------------- */

/* Two entities, written out of order; B appears first.  x has one missing
 * value (B, 2013-03) and c is text. */
static const char *const panel_text =
    "month,id,x,c,y\n"
    "2013-02,B,20,u,0\n"   /* row 0 */
    "2013-01,A,1,u,1\n"    /* row 1 */
    "2013-01,B,10,v,1\n"   /* row 2 */
    "2013-02,A,2,v,0\n"    /* row 3 */
    "2013-03,A,4,u,1\n"    /* row 4 */
    "2013-03,B,NA,v,1\n"   /* row 5 */
    "2013-04,A,8,v,0\n"    /* row 6 */
    "2013-04,B,40,u,1\n"   /* row 7 */
    "2013-05,A,16,u,1\n"   /* row 8 */
    "2013-05,B,50,v,1\n";  /* row 9 */

/* Expected features of one step from row (or -1 for none) in the order
 * x, x (missing), c=u, c=v. */
static void expected_step(const sk_table *table, int row, double mean, double sd,
                          double out[4])
{
    const char *x = sk_table_cell(table, (size_t)row, 2);
    const char *c = sk_table_cell(table, (size_t)row, 3);
    out[0] = x != NULL ? (atof(x) - mean) / sd : 0.0;
    out[1] = x == NULL ? 1.0 : 0.0;
    out[2] = strcmp(c, "u") == 0;
    out[3] = strcmp(c, "v") == 0;
}

static void test_windows_order_and_contents(void **state)
{
    (void)state;
    sk_table *table = read_text(panel_text);
    sk_window_options options = options_for("y", "month", 2);
    options.group_col = "id";
    options.split_at = "2013-04";
    sk_dataset *dataset = prepare_ok(table, &options);

    static const char *const names[8] = { "x@t-1", "x (missing)@t-1", "c=u@t-1", "c=v@t-1",
                                          "x@t", "x (missing)@t", "c=u@t", "c=v@t" };
    assert_int_equal(dataset->steps, 2);
    assert_int_equal(dataset->features, 8);
    for (size_t f = 0; f < 8; f++)
        assert_string_equal(dataset->feature_names[f], names[f]);
    assert_false(dataset->leakage_risk);

    /* Series in order of first appearance (B, then A), then by time.  Each
     * window lists its label row and the rows of its two steps. */
    static const int train_rows[4][3] = { { 0, 2, 0 }, { 5, 0, 5 }, { 3, 1, 3 }, { 4, 3, 4 } };
    static const int val_rows[4][3] = { { 7, 5, 7 }, { 9, 7, 9 }, { 6, 4, 6 }, { 8, 6, 8 } };
    assert_int_equal(dataset->train.rows, 4);
    assert_int_equal(dataset->val.rows, 4);

    /* Training windows read months 01 to 03: x = 1, 2, 4, 10, 20 (B 03 is
     * missing); validation rows (8, 16, 40, 50) must not count. */
    double values[5] = { 1, 2, 4, 10, 20 };
    double mean = 0.0, squares = 0.0;
    for (int i = 0; i < 5; i++) {
        mean += values[i] / 5.0;
        squares += values[i] * values[i] / 5.0;
    }
    double sd = sqrt(squares - mean * mean);

    const sk_split *splits[2] = { &dataset->train, &dataset->val };
    const int (*expected_rows[2])[3] = { train_rows, val_rows };
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < 4; i++) {
            const int *rows = expected_rows[s][i];
            assert_int_equal(splits[s]->source_row[i], rows[0]);
            assert_int_equal(splits[s]->y[i],
                             strcmp(sk_table_cell(table, (size_t)rows[0], 4), "0") == 0);
            for (size_t k = 0; k < 2; k++) {
                double expected[4];
                expected_step(table, rows[1 + k], mean, sd, expected);
                for (size_t f = 0; f < 4; f++)
                    assert_close(expected[f], gsl_matrix_get(splits[s]->x, i, k * 4 + f),
                                 VALUE_TOLERANCE);
            }
        }
    }
    assert_string_equal(dataset->positive_label, "0");
    assert_int_equal(dataset->train.positives, 2);
    assert_int_equal(dataset->val.positives, 1);
    assert_contains(find_notice(dataset, "Time split at 2013-04"),
                    "4 training windows predict labels from 2013-02 to 2013-03");
    /* The windows of 2013-04 read 2013-03. */
    assert_contains(find_notice(dataset, "validation windows read features"), "2 of the");
    assert_non_null(find_notice(dataset, "2 labelled rows lie within the first 1 step of "
                                         "their series"));
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_windows_single_step(void **state)
{
    (void)state;
    /* Windows of one step are the rows themselves; training rows are the
     * months before 2013-04, as in the two-step windows. */
    sk_table *table = read_text(panel_text);
    sk_window_options options = options_for("y", "month", 1);
    options.group_col = "id";
    options.split_at = "2013-04";
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_int_equal(dataset->steps, 1);
    assert_int_equal(dataset->features, 4);
    assert_string_equal(dataset->feature_names[0], "x@t");
    assert_int_equal(dataset->train.rows, 6);
    assert_int_equal(dataset->val.rows, 4);
    assert_null(find_notice(dataset, "labelled row"));

    double values[5] = { 1, 2, 4, 10, 20 };
    double mean = 0.0, squares = 0.0;
    for (int i = 0; i < 5; i++) {
        mean += values[i] / 5.0;
        squares += values[i] * values[i] / 5.0;
    }
    double sd = sqrt(squares - mean * mean);
    const sk_split *splits[2] = { &dataset->train, &dataset->val };
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < splits[s]->rows; i++) {
            double expected[4];
            expected_step(table, (int)splits[s]->source_row[i], mean, sd, expected);
            for (size_t f = 0; f < 4; f++)
                assert_close(expected[f], gsl_matrix_get(splits[s]->x, i, f), VALUE_TOLERANCE);
        }
    }
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_prepare_sets_one_step(void **state)
{
    (void)state;
    sk_table *table = read_text("x,y\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n7,0\n8,1\n");
    sk_prepare_options options = { .target = "y", .val_fraction = 0.25, .seed = 1 };
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_OK);
    assert_int_equal(dataset->steps, 1);
    assert_false(dataset->leakage_risk);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_windows_duplicate_time(void **state)
{
    (void)state;
    sk_table *table = read_text("month,id,x,y\n2013-01,A,1,0\n2013-02,A,2,1\n"
                                "2013-01,B,3,0\n2013-02-01,A,4,1\n");
    sk_window_options options = options_for("y", "month", 1);
    options.group_col = "id";
    const char *message = prepare_error(table, &options);
    assert_contains(message, "Lines 3 and 5");
    assert_contains(message, "'2013-02-01'");
    assert_contains(message, "entity 'A'");
    sk_table_free(table);

    /* Without a group column, the same time in two rows is a duplicate. */
    table = read_text("t,x,y\n1,1,0\n2,2,1\n1,3,0\n");
    options = options_for("y", "t", 1);
    message = prepare_error(table, &options);
    assert_contains(message, "Lines 2 and 4 are both at time '1'");
    assert_contains(message, "--group-col");
    sk_table_free(table);
}

static void test_windows_missing_group(void **state)
{
    (void)state;
    sk_table *table = read_text("t,id,x,y\n1,A,1,0\n2,,2,1\n");
    sk_window_options options = options_for("y", "t", 1);
    options.group_col = "id";
    assert_contains(prepare_error(table, &options),
                    "Line 3 has no value in the group column 'id'");
    sk_table_free(table);
}

/* ---- horizon and labels -------------------------------------------------------- */

/* Builds a table "t,x,y" of one series with times 0, 1, ..., x = t, and
 * the labels given as a string of '0', '1' and '-' (missing). */
static sk_table *step_table(const char *labels)
{
    char text[2048] = "t,x,y\n";
    size_t used = strlen(text);
    for (size_t t = 0; labels[t] != '\0'; t++) {
        const char *label = "0";
        if (labels[t] == '-')
            label = "NA";
        else if (labels[t] == '1')
            label = "1";
        used += (size_t)snprintf(text + used, sizeof text - used, "%zu,%zu,%s\n", t, t, label);
    }
    return read_text(text);
}

static void test_windows_horizon(void **state)
{
    (void)state;
    sk_table *table = step_table("0101010011");
    sk_window_options options = options_for("y", "t", 2);
    options.horizon = 3;
    options.split = SK_WINDOW_SPLIT_RANDOM;
    options.val_fraction = 0.5;
    sk_dataset *dataset = prepare_ok(table, &options);

    /* Labels at t = 4 .. 9 have the window t-4, t-3 before them. */
    assert_int_equal(dataset->train.rows + dataset->val.rows, 6);
    check_step_windows(table, dataset, 2, 3);
    assert_contains(find_notice(dataset, "Made 6 windows"), "the label 3 steps after its last step");
    assert_non_null(find_notice(dataset, "4 labelled rows lie within the first 4 steps"));
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_windows_missing_labels(void **state)
{
    (void)state;
    /* Times 4 and 7 have no label: they anchor no window but their x
     * values still fill the steps of the windows after them. */
    sk_table *table = step_table("0101-01-0101");
    sk_window_options options = options_for("y", "t", 3);
    options.split = SK_WINDOW_SPLIT_RANDOM;
    options.val_fraction = 0.5;
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_int_equal(dataset->rows_dropped, 2);
    assert_int_equal(dataset->train.rows + dataset->val.rows, 8);
    check_step_windows(table, dataset, 3, 0);
    assert_non_null(find_notice(dataset, "2 rows with a missing label in column 'y' anchor no window"));
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_windows_positive_option(void **state)
{
    (void)state;
    sk_table *table = step_table("0101010011");
    sk_window_options options = options_for("y", "t", 2);
    options.split = SK_WINDOW_SPLIT_RANDOM;
    options.val_fraction = 0.5;
    options.positive = "1.0";
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "1");
    assert_string_equal(dataset->negative_label, "0");
    sk_dataset_free(dataset);

    options.positive = "yes";
    assert_contains(prepare_error(table, &options), "The positive class 'yes' is not a label");
    sk_table_free(table);
}

/* ---- gaps ------------------------------------------------------------------- */

/* Two entities at times 0 1 2 4 5 6 7 9 10 (3 and 8 missing).  With windows
 * of 3 steps, label times 2 6 7 have no gap and 4 5 9 10 have one. */
static sk_table *gap_table(void)
{
    static const int times[9] = { 0, 1, 2, 4, 5, 6, 7, 9, 10 };
    /* Labels by entity and time; only the gap-free windows (2 6 7) need
     * two classes in each entity pair for the skip test. */
    static const char *const labels[2][9] = {
        { "1", "1", "0", "1", "0", "1", "0", "1", "0" },
        { "1", "1", "1", "0", "1", "0", "1", "0", "1" },
    };
    char text[2048] = "t,id,x,y\n";
    size_t used = strlen(text);
    for (int e = 0; e < 2; e++) {
        for (int i = 0; i < 9; i++) {
            used += (size_t)snprintf(text + used, sizeof text - used, "%d,%s,%d,%s\n",
                                     times[i], e == 0 ? "A" : "B", times[i] + 100 * e,
                                     labels[e][i]);
        }
    }
    return read_text(text);
}

static void test_gaps_fill(void **state)
{
    (void)state;
    sk_table *table = gap_table();
    sk_window_options options = options_for("y", "t", 3);
    options.group_col = "id";
    options.split = SK_WINDOW_SPLIT_RANDOM;
    options.val_fraction = 0.5;
    sk_dataset *dataset = prepare_ok(table, &options);

    assert_int_equal(dataset->train.rows + dataset->val.rows, 14);
    assert_int_equal(dataset->features, 6);
    assert_string_equal(dataset->feature_names[1], "x (missing)@t-2");
    assert_contains(find_notice(dataset, "without a row"),
                    "The series have 4 time steps without a row (gaps); 8 windows read at "
                    "least one");

    /* Every step reads its own time: a gap step is x = 0 with the missing
     * indicator set; any other step has the indicator clear. */
    const sk_split *splits[2] = { &dataset->train, &dataset->val };
    size_t gap_steps = 0;
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < splits[s]->rows; i++) {
            int t = (int)cell_number(table, splits[s]->source_row[i], 0);
            for (int k = 0; k < 3; k++) {
                int step = t - 2 + k;
                int gap = step == 3 || step == 8;
                double x = gsl_matrix_get(splits[s]->x, i, (size_t)(2 * k));
                double missing = gsl_matrix_get(splits[s]->x, i, (size_t)(2 * k + 1));
                assert_close(gap ? 1.0 : 0.0, missing, 0.0);
                if (gap)
                    assert_close(0.0, x, 0.0);
                gap_steps += (size_t)gap;
            }
        }
    }
    /* Windows 4 5 9 10 of each entity hold one gap step each. */
    assert_int_equal(gap_steps, 8);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_gaps_skip(void **state)
{
    (void)state;
    sk_table *table = gap_table();
    sk_window_options options = options_for("y", "t", 3);
    options.group_col = "id";
    options.split = SK_WINDOW_SPLIT_RANDOM;
    options.val_fraction = 0.5;
    options.gaps = SK_GAP_SKIP;
    sk_dataset *dataset = prepare_ok(table, &options);

    assert_int_equal(dataset->train.rows + dataset->val.rows, 6);
    /* No kept window reads a gap and x has no missing value: no indicator. */
    assert_int_equal(dataset->features, 3);
    assert_contains(find_notice(dataset, "without a row"),
                    "4 time steps without a row (gaps); 8 windows that would read one were "
                    "skipped");
    const sk_split *splits[2] = { &dataset->train, &dataset->val };
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < splits[s]->rows; i++) {
            int t = (int)cell_number(table, splits[s]->source_row[i], 0);
            assert_true(t == 2 || t == 6 || t == 7);
        }
    }
    sk_dataset_free(dataset);

    /* A window of 5 steps cannot avoid the gaps. */
    options.window = 5;
    assert_contains(prepare_error(table, &options), "contains a time step without a row");
    sk_table_free(table);
}

/* ---- splits ---------------------------------------------------------------- */

/* A panel of `entities` series over times 0 .. steps-1 with x = t + entity
 * and a label that is 1 every third step (shifted per entity). */
static sk_table *long_panel(int entities, int steps)
{
    size_t size = (size_t)(entities * steps) * 32 + 64;
    char *text = malloc(size);
    assert_non_null(text);
    size_t used = (size_t)snprintf(text, size, "t,id,x,y\n");
    for (int t = 0; t < steps; t++) {
        for (int e = 0; e < entities; e++) {
            used += (size_t)snprintf(text + used, size - used, "%d,E%d,%d,%d\n", t, e, t + e,
                                     (t + e) % 3 == 0);
        }
    }
    sk_table *table = read_text(text);
    free(text);
    return table;
}

static void test_split_time_by_fraction(void **state)
{
    (void)state;
    sk_table *table = long_panel(4, 30);
    sk_window_options options = options_for("y", "t", 5);
    options.group_col = "id";
    options.val_fraction = 0.2;
    sk_dataset *dataset = prepare_ok(table, &options);

    /* Label times 4 .. 29 span 26 steps; round(0.2 * 26) = 5 validate, so
     * the cut is 25. */
    assert_int_equal(dataset->train.rows, 4 * 21);
    assert_int_equal(dataset->val.rows, 4 * 5);
    for (size_t i = 0; i < dataset->train.rows; i++)
        assert_true(cell_number(table, dataset->train.source_row[i], 0) < 25);
    for (size_t i = 0; i < dataset->val.rows; i++)
        assert_true(cell_number(table, dataset->val.source_row[i], 0) >= 25);

    /* No label row is in both splits. */
    for (size_t i = 0; i < dataset->train.rows; i++) {
        for (size_t j = 0; j < dataset->val.rows; j++)
            assert_true(dataset->train.source_row[i] != dataset->val.source_row[j]);
    }
    assert_false(dataset->leakage_risk);
    assert_non_null(find_notice(dataset, "Time split at 25: 84 training windows predict "
                                         "labels from 4 to 24, and 20 validation windows "
                                         "from 25 to 29."));
    /* Validation windows with labels 25 .. 28 start before 25. */
    assert_contains(find_notice(dataset, "read features of steps before 25"), "16 of the");
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_split_time_at(void **state)
{
    (void)state;
    sk_table *table = long_panel(3, 20);
    sk_window_options options = options_for("y", "t", 3);
    options.group_col = "id";
    options.split_at = "10";
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_int_equal(dataset->train.rows, 3 * 8);  /* labels 2 .. 9 */
    assert_int_equal(dataset->val.rows, 3 * 10);   /* labels 10 .. 19 */
    sk_dataset_free(dataset);

    /* The cut must leave windows on both sides, in the column's form. */
    options.split_at = "2";
    assert_contains(prepare_error(table, &options),
                    "--split-at 2 leaves no window for training: the windows predict labels "
                    "from 2 to 19. Give a time from 3 to 19.");
    options.split_at = "20";
    assert_contains(prepare_error(table, &options), "leaves no window for validation");
    options.split_at = "2013-01";
    assert_contains(prepare_error(table, &options),
                    "--split-at 2013-01 is not a time like those of column 't'");
    options.split_at = "5";
    options.split = SK_WINDOW_SPLIT_RANDOM;
    assert_contains(prepare_error(table, &options), "--split-at 5 sets the cut of a time split");
    sk_table_free(table);
}

static void test_split_time_missing_class(void **state)
{
    (void)state;
    /* Every positive is early, so validation contains no positive. */
    sk_table *table = step_table("01010100000000000000");
    sk_window_options options = options_for("y", "t", 2);
    options.val_fraction = 0.3;
    const char *message = prepare_error(table, &options);
    assert_contains(message, "The validation windows (labels from 14) hold no window of class '1'");
    assert_contains(message, "Raise --val-fraction");
    sk_table_free(table);
}

static void test_split_random_leakage_flag(void **state)
{
    (void)state;
    sk_table *table = long_panel(4, 30);
    sk_window_options options = options_for("y", "t", 5);
    options.group_col = "id";
    options.split = SK_WINDOW_SPLIT_RANDOM;
    options.val_fraction = 0.2;
    sk_dataset *first = prepare_ok(table, &options);
    assert_true(first->leakage_risk);
    assert_non_null(find_notice(first, "split at random (seed 42"));

    /* Stratified: round(0.2 * count) of each class validates. */
    size_t positives = first->train.positives + first->val.positives;
    size_t total = first->train.rows + first->val.rows;
    assert_int_equal(total, 4 * 26);
    assert_int_equal(first->val.positives, expected_val(0.2, positives));
    assert_int_equal(first->val.rows - first->val.positives,
                     expected_val(0.2, total - positives));

    /* The same seed gives the same split. */
    sk_dataset *second = prepare_ok(table, &options);
    assert_int_equal(second->val.rows, first->val.rows);
    for (size_t i = 0; i < first->val.rows; i++)
        assert_int_equal(second->val.source_row[i], first->val.source_row[i]);
    sk_dataset_free(second);
    sk_dataset_free(first);
    sk_table_free(table);
}

/* ---- option and column errors ---------------------------------------------------- */

static void test_errors_unknown_columns(void **state)
{
    (void)state;
    sk_table *table = long_panel(2, 10);
    sk_window_options options = options_for("y", "time", 2);
    const char *message = prepare_error(table, &options);
    assert_contains(message, "--time-col time:");
    assert_contains(message, "Column 'time' not found");

    options = options_for("y", "t", 2);
    options.group_col = "entity";
    assert_contains(prepare_error(table, &options), "--group-col entity:");
    options = options_for("label", "t", 2);
    assert_contains(prepare_error(table, &options), "--target label:");

    options = options_for("y", "y", 2);
    assert_contains(prepare_error(table, &options),
                    "--time-col and --target both name column 'y'");
    options = options_for("y", "t", 2);
    options.group_col = "t";
    assert_contains(prepare_error(table, &options),
                    "--group-col and --time-col both name column 't'");
    sk_table_free(table);
}

static void test_errors_bad_options(void **state)
{
    (void)state;
    sk_table *table = long_panel(2, 10);
    sk_window_options options = options_for("y", "t", 0);
    assert_contains(prepare_error(table, &options), "--window 0 is invalid");

    options = options_for("y", "t", 2);
    options.val_fraction = 1.0;
    assert_contains(prepare_error(table, &options), "--val-fraction");
    options.val_fraction = 0.0;
    assert_contains(prepare_error(table, &options), "--val-fraction");

    options = options_for(NULL, "t", 2);
    assert_contains(prepare_error(table, &options), "--target");
    options = options_for("y", "t", 2);
    options.split = (sk_window_split)7;
    assert_contains(prepare_error(table, &options), "--split time or --split random");
    options = options_for("y", "t", 2);
    options.gaps = (sk_gap_policy)7;
    assert_contains(prepare_error(table, &options), "Gap policy 7 is unknown");
    sk_table_free(table);
}

static void test_errors_window_too_long(void **state)
{
    (void)state;
    sk_table *table = long_panel(2, 10);
    sk_window_options options = options_for("y", "t", 11);
    options.group_col = "id";
    const char *message = prepare_error(table, &options);
    assert_contains(message, "--window 11 is longer than every series");
    assert_contains(message, "the longest ('E0') has 10 time steps (0 to 9)");
    assert_contains(message, "Give --window 10 or less");

    options.window = 8;
    options.horizon = 3;
    message = prepare_error(table, &options);
    assert_contains(message, "--window 8 with --horizon 3 is longer than every series");
    assert_contains(message, "Give --window 7 or less");

    options.window = 1;
    options.horizon = 10;
    assert_contains(prepare_error(table, &options),
                    "--horizon 10 reaches past the end of every series");
    options.horizon = SIZE_MAX;
    assert_contains(prepare_error(table, &options), "--horizon");
    options.horizon = 0;
    options.window = SIZE_MAX;
    assert_contains(prepare_error(table, &options), "--window");
    sk_table_free(table);
}

static void test_errors_no_feature(void **state)
{
    (void)state;
    sk_table *table = read_text("t,y\n1,0\n2,1\n3,0\n4,1\n");
    sk_window_options options = options_for("y", "t", 1);
    options.split = SK_WINDOW_SPLIT_RANDOM;
    options.val_fraction = 0.5;
    assert_contains(prepare_error(table, &options), "nothing to learn from");
    sk_table_free(table);
}

/* ---- generated panel ------------------------------------------------------------- */

static void test_generated_panel(void **state)
{
    (void)state;
    sk_table *table = read_table_or_skip(SK_SAMPLE_DATA, "panel.csv");
    size_t rows = sk_table_rows(table);
    size_t label_column, entity_column;
    sk_error err = { "" };
    assert_int_equal(sk_table_find_column(table, "paid", &label_column, &err), SK_OK);
    assert_int_equal(sk_table_find_column(table, "entity", &entity_column, &err), SK_OK);

    /* 45 months of every entity. */
    size_t zeros = 0, entities = 0;
    for (size_t r = 0; r < rows; r++) {
        zeros += strcmp(sk_table_cell(table, r, label_column), "0") == 0;
        entities += strcmp(sk_table_cell(table, r, 0), "2013-01") == 0;
    }
    assert_int_equal(entities, 300);
    assert_int_equal(rows, 45 * entities);
    assert_string_equal(sk_table_cell(table, rows - 1, 0), "2016-09");
    double share = (double)zeros / (double)rows;
    if (share < 0.028 || share > 0.038)
        fail_msg("share of label 0 is %g, expected within [0.028, 0.038]", share);

    sk_window_options options = options_for("paid", "month", 6);
    options.group_col = "entity";
    options.val_fraction = 0.2;
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "0");
    assert_int_equal(dataset->train.rows + dataset->val.rows, entities * 40);
    /* Label months 2013-06 .. 2016-09 span 40; round(0.2 * 40) = 8 validate. */
    assert_int_equal(dataset->val.rows, entities * 8);
    assert_string_equal(dataset->feature_names[0], "balance@t-5");
    size_t per_step = dataset->features / 6;
    assert_int_equal(dataset->features, 6 * per_step);
    assert_string_equal(dataset->feature_names[5 * per_step], "balance@t");
    feature_index(dataset, "income_index (missing)@t");
    for (size_t i = 0; i < dataset->train.rows; i++)
        assert_true(strcmp(sk_table_cell(table, dataset->train.source_row[i], 0), "2016-02") < 0);
    for (size_t i = 0; i < dataset->val.rows; i++)
        assert_true(strcmp(sk_table_cell(table, dataset->val.source_row[i], 0), "2016-02") >= 0);
    assert_null(find_notice(dataset, "without a row"));
    sk_dataset_free(dataset);
    sk_table_free(table);
}

/* ---- real ozone file ------------------------------------------------------------- */

/* Days since 1970-01-01 of an M/D/YYYY date, through timegm: an
 * implementation independent of the one under test. */
static long naive_day(const char *text)
{
    struct tm tm = { 0 };
    if (sscanf(text, "%d/%d/%d", &tm.tm_mon, &tm.tm_mday, &tm.tm_year) != 3)
        fail_msg("bad date '%s'", text);
    tm.tm_mon -= 1;
    tm.tm_year -= 1900;
    tm.tm_hour = 12;
    return (long)(timegm(&tm) / 86400);
}

static void test_real_ozone(void **state)
{
    (void)state;
    sk_table *table = read_table_or_skip(SK_REALDATA_DIR, "ozone_onehr.csv");
    size_t rows = sk_table_rows(table);
    assert_int_equal(rows, 2536);

    /* Count windows, gaps and gap windows naively: the file is in date
     * order, so a window of 7 days ending at row r reads the rows whose
     * day lies within 6 days before it. */
    enum { WINDOW = 7 };
    long *day = calloc(rows, sizeof *day);
    assert_non_null(day);
    for (size_t r = 0; r < rows; r++) {
        day[r] = naive_day(sk_table_cell(table, r, 0));
        if (r > 0)
            assert_true(day[r] > day[r - 1]);
    }
    size_t windows = 0, with_gap = 0;
    for (size_t r = 0; r < rows; r++) {
        if (day[r] - (WINDOW - 1) < day[0])
            continue;
        size_t present = 0;
        for (size_t q = 0; q <= r; q++)
            present += day[q] >= day[r] - (WINDOW - 1);
        windows++;
        with_gap += present < WINDOW;
    }
    long gaps = day[rows - 1] - day[0] + 1 - (long)rows;
    free(day);

    sk_window_options options = options_for("class", "Date", WINDOW);
    options.val_fraction = 0.2;
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "1.0");
    assert_int_equal(dataset->steps, WINDOW);
    assert_int_equal(dataset->train.rows + dataset->val.rows, windows);
    assert_contains(find_notice(dataset, "Made"), "a step is one day of column 'Date'");
    char expected[160];
    snprintf(expected, sizeof expected,
             "The series have %ld time steps without a row (gaps); %zu windows read", gaps,
             with_gap);
    assert_non_null(find_notice(dataset, expected));
    feature_index(dataset, "WSR0@t-6");
    feature_index(dataset, "WSR0 (missing)@t");
    for (size_t f = 0; f < dataset->features; f++)
        assert_true(strncmp(dataset->feature_names[f], "Date", 4) != 0);
    assert_contains(find_notice(dataset, "Time split at"), "validation windows from");
    for (size_t i = 0; i < dataset->train.rows; i++)
        assert_false(dataset->train.source_row[i] >= dataset->val.source_row[0]);
    sk_dataset_free(dataset);

    options.gaps = SK_GAP_SKIP;
    dataset = prepare_ok(table, &options);
    assert_int_equal(dataset->train.rows + dataset->val.rows, windows - with_gap);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_year_month),
        cmocka_unit_test(test_time_first_of_month),
        cmocka_unit_test(test_time_last_of_month),
        cmocka_unit_test(test_time_months_mixed_forms),
        cmocka_unit_test(test_time_daily_iso),
        cmocka_unit_test(test_time_daily_slash),
        cmocka_unit_test(test_time_daily_month_ends_mixed),
        cmocka_unit_test(test_time_integers),
        cmocka_unit_test(test_time_file_order),
        cmocka_unit_test(test_time_unparseable),
        cmocka_unit_test(test_time_missing_value),
        cmocka_unit_test(test_time_mixed_forms_rejected),
        cmocka_unit_test(test_windows_order_and_contents),
        cmocka_unit_test(test_windows_single_step),
        cmocka_unit_test(test_prepare_sets_one_step),
        cmocka_unit_test(test_windows_duplicate_time),
        cmocka_unit_test(test_windows_missing_group),
        cmocka_unit_test(test_windows_horizon),
        cmocka_unit_test(test_windows_missing_labels),
        cmocka_unit_test(test_windows_positive_option),
        cmocka_unit_test(test_gaps_fill),
        cmocka_unit_test(test_gaps_skip),
        cmocka_unit_test(test_split_time_by_fraction),
        cmocka_unit_test(test_split_time_at),
        cmocka_unit_test(test_split_time_missing_class),
        cmocka_unit_test(test_split_random_leakage_flag),
        cmocka_unit_test(test_errors_unknown_columns),
        cmocka_unit_test(test_errors_bad_options),
        cmocka_unit_test(test_errors_window_too_long),
        cmocka_unit_test(test_errors_no_feature),
        cmocka_unit_test(test_generated_panel),
        cmocka_unit_test(test_real_ozone),
    };
    return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
}
