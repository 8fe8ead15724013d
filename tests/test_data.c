/*
 * test_data.c - tests of the CSV reader and of sk_dataset_prepare.
 *
 * Small fixtures are written byte for byte into a temporary directory, so
 * that line endings and the missing final newline survive editors and git.
 * The real data sets are read from the directories that the build passes
 * in SK_REALDATA_DIR and SK_SAMPLE_DATA.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "skewtop/data.h"

#define TEST_FIXTURE_NAME "skewtop-test-data"
#include "test_support.h"

/* Tolerance for means and standard deviations of standardised columns:
 * sums over at most a few thousand doubles of order 1. */
#define STATS_TOLERANCE 1e-9

/* ---- fixtures --------------------------------------------------------- */

/* Reads content as a CSV file and returns the status. */
static sk_status read_text(const char *content, sk_header_mode header, sk_table **table,
                           sk_error *err)
{
    sk_csv_options options = { .header = header };
    return sk_table_read(write_fixture(content), &options, table, err);
}

/* Reads content that must parse. */
static sk_table *read_ok(const char *content, sk_header_mode header)
{
    sk_table *table = NULL;
    sk_error err = { "" };
    sk_status status = read_text(content, header, &table, &err);
    if (status != SK_OK)
        fail_msg("reading failed: %s", err.message);
    return table;
}

/* Growable text built with open_memstream. */
typedef struct {
    char *text;
    size_t len;
    FILE *fp;
} text_builder;

static void builder_open(text_builder *b)
{
    b->text = NULL;
    b->len = 0;
    b->fp = open_memstream(&b->text, &b->len);
    assert_non_null(b->fp);
}

static void builder_add(text_builder *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(b->fp, fmt, ap);
    va_end(ap);
}

/* Closes the builder and returns its text, owned by the caller. */
static char *builder_close(text_builder *b)
{
    assert_int_equal(fclose(b->fp), 0);
    return b->text;
}

static sk_table *read_built(text_builder *b)
{
    char *text = builder_close(b);
    sk_table *table = read_ok(text, SK_HEADER_AUTO);
    free(text);
    return table;
}

static sk_prepare_options default_options(const char *target)
{
    sk_prepare_options options = {
        .target = target,
        .val_fraction = 0.25,
        .seed = 42,
    };
    return options;
}

static sk_dataset *prepare_ok(const sk_table *table, const sk_prepare_options *options)
{
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    sk_status status = sk_dataset_prepare(table, options, &dataset, &err);
    if (status != SK_OK)
        fail_msg("prepare failed: %s", err.message);
    return dataset;
}

static int has_feature(const sk_dataset *dataset, const char *name)
{
    for (size_t i = 0; i < dataset->features; i++) {
        if (strcmp(dataset->feature_names[i], name) == 0)
            return 1;
    }
    return 0;
}

/* ---- CSV format ---------------------------------------------------------- */

static void test_csv_quoted_fields(void **state)
{
    (void)state;
    sk_table *table = read_ok("id,text,value\n"
                              "1,\"a, b\",2\n"
                              "2,\"say \"\"hi\"\"\",3\n"
                              "3,\"two\nlines\",4\n",
                              SK_HEADER_AUTO);
    assert_int_equal(sk_table_rows(table), 3);
    assert_int_equal(sk_table_columns(table), 3);
    assert_string_equal(sk_table_column_name(table, 1), "text");
    assert_string_equal(sk_table_cell(table, 0, 1), "a, b");
    assert_string_equal(sk_table_cell(table, 1, 1), "say \"hi\"");
    assert_string_equal(sk_table_cell(table, 2, 1), "two\nlines");
    assert_string_equal(sk_table_cell(table, 2, 2), "4");
    sk_table_free(table);
}

static void test_csv_crlf_no_final_newline(void **state)
{
    (void)state;
    sk_table *table = read_ok("a,b\r\n1,x\r\n3,\"y\"\r\n5,z", SK_HEADER_AUTO);
    assert_int_equal(sk_table_rows(table), 3);
    assert_string_equal(sk_table_column_name(table, 1), "b");
    assert_string_equal(sk_table_cell(table, 0, 1), "x");
    assert_string_equal(sk_table_cell(table, 1, 1), "y");
    assert_string_equal(sk_table_cell(table, 2, 0), "5");
    assert_string_equal(sk_table_cell(table, 2, 1), "z");
    sk_table_free(table);
}

static void test_csv_missing_markers(void **state)
{
    (void)state;
    sk_table *table = read_ok("a,b,c,d,e,f,g,h,i\n"
                              ",NA,na,?,NaN,nan,\"NA\",\"\",'?'\n"
                              "1,N/A,none,??,0,-, NA ,\" \",x\n",
                              SK_HEADER_AUTO);
    assert_int_equal(sk_table_rows(table), 2);
    for (size_t c = 0; c < 9; c++) {
        if (sk_table_cell(table, 0, c) != NULL)
            fail_msg("column %zu of row 0 should be missing", c);
    }
    assert_string_equal(sk_table_cell(table, 1, 1), "N/A");
    assert_string_equal(sk_table_cell(table, 1, 2), "none");
    assert_string_equal(sk_table_cell(table, 1, 3), "??");
    assert_string_equal(sk_table_cell(table, 1, 5), "-");
    assert_null(sk_table_cell(table, 1, 6));
    assert_null(sk_table_cell(table, 1, 7));
    assert_string_equal(sk_table_cell(table, 1, 8), "x");
    sk_table_free(table);
}

static void test_csv_single_quoted_labels(void **state)
{
    (void)state;
    sk_table *table = read_ok("x,'label'\n1,'-1'\n2,'1'\n3,'\n4,it's\n", SK_HEADER_AUTO);
    assert_string_equal(sk_table_column_name(table, 1), "label");
    assert_string_equal(sk_table_cell(table, 0, 1), "-1");
    assert_string_equal(sk_table_cell(table, 1, 1), "1");
    assert_string_equal(sk_table_cell(table, 2, 1), "'");
    assert_string_equal(sk_table_cell(table, 3, 1), "it's");
    sk_table_free(table);
}

static void test_csv_header_auto_detect(void **state)
{
    (void)state;
    sk_table *table = read_ok("0.5,-2,'-1'\n1e3,?,'1'\n", SK_HEADER_AUTO);
    assert_int_equal(sk_table_rows(table), 2);
    assert_string_equal(sk_table_column_name(table, 0), "1");
    assert_string_equal(sk_table_column_name(table, 2), "3");
    assert_string_equal(sk_table_cell(table, 0, 0), "0.5");
    assert_string_equal(sk_table_cell(table, 0, 2), "-1");
    assert_null(sk_table_cell(table, 1, 1));
    sk_table_free(table);

    /* One text field makes the first row a header. */
    table = read_ok("1,2,total\n3,4,5\n", SK_HEADER_AUTO);
    assert_int_equal(sk_table_rows(table), 1);
    assert_string_equal(sk_table_column_name(table, 2), "total");
    sk_table_free(table);

    /* A missing value in an otherwise numeric first row is still data. */
    table = read_ok("1,,3\n4,5,6\n", SK_HEADER_AUTO);
    assert_int_equal(sk_table_rows(table), 2);
    assert_null(sk_table_cell(table, 0, 1));
    sk_table_free(table);
}

static void test_csv_header_forced(void **state)
{
    (void)state;
    sk_table *table = read_ok("2019,2020\n1,2\n", SK_HEADER_YES);
    assert_int_equal(sk_table_rows(table), 1);
    assert_string_equal(sk_table_column_name(table, 0), "2019");
    sk_table_free(table);

    table = read_ok("a,b\n1,2\n", SK_HEADER_NO);
    assert_int_equal(sk_table_rows(table), 2);
    assert_string_equal(sk_table_column_name(table, 1), "2");
    assert_string_equal(sk_table_cell(table, 0, 0), "a");
    sk_table_free(table);

    /* An empty header name becomes the column's index. */
    table = read_ok(",name\n1,2\n", SK_HEADER_AUTO);
    assert_string_equal(sk_table_column_name(table, 0), "1");
    assert_string_equal(sk_table_column_name(table, 1), "name");
    sk_table_free(table);
}

static void test_csv_blank_lines_and_bom(void **state)
{
    (void)state;
    sk_table *table = read_ok("\xEF\xBB\xBF" "a,b\n\n1,2\n   \n\"x\ny\",4\n5,6\n", SK_HEADER_AUTO);
    assert_string_equal(sk_table_column_name(table, 0), "a");
    assert_int_equal(sk_table_rows(table), 3);
    assert_int_equal(sk_table_row_line(table, 0), 3);
    assert_int_equal(sk_table_row_line(table, 1), 5);
    assert_int_equal(sk_table_row_line(table, 2), 7);
    assert_int_equal(sk_table_row_line(table, 3), 0);
    sk_table_free(table);
}

static void test_csv_tab_delimiter(void **state)
{
    (void)state;
    sk_csv_options options = { .delimiter = '\t' };
    sk_table *table = NULL;
    sk_error err = { "" };
    const char *path = write_fixture("a\tb c\n1\t x, y \n");
    assert_int_equal(sk_table_read(path, &options, &table, &err), SK_OK);
    assert_int_equal(sk_table_columns(table), 2);
    assert_string_equal(sk_table_column_name(table, 1), "b c");
    assert_string_equal(sk_table_cell(table, 0, 1), "x, y");
    sk_table_free(table);
}

static void test_csv_standard_input(void **state)
{
    (void)state;
    const char *path = write_fixture("a,b\n1,2\n3,4\n");
    assert_non_null(freopen(path, "r", stdin));
    sk_table *table = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_table_read("-", NULL, &table, &err), SK_OK);
    assert_int_equal(sk_table_rows(table), 2);
    assert_string_equal(sk_table_cell(table, 1, 1), "4");
    sk_table_free(table);
}

/* ---- CSV errors ------------------------------------------------------- */

static void test_csv_ragged_row(void **state)
{
    (void)state;
    sk_table *table = NULL;
    sk_error err = { "" };
    const char *path = write_fixture("a,b,c\n1,2,3\n4,5\n6,7,8\n");
    assert_int_equal(sk_table_read(path, NULL, &table, &err), SK_ERR_INPUT);
    assert_null(table);
    assert_contains(err.message, path);
    assert_contains(err.message, "line 3 has 2 fields but the header has 3");
    assert_contains(err.message, "4,5");

    /* Too many fields, after a blank line that shifts the line number. */
    assert_int_equal(read_text("a,b\n1,2\n\n3,4,5\n", SK_HEADER_AUTO, &table, &err),
                     SK_ERR_INPUT);
    assert_contains(err.message, "line 4 has 3 fields but the header has 2");
}

static void test_csv_unterminated_quote(void **state)
{
    (void)state;
    sk_table *table = NULL;
    sk_error err = { "" };
    assert_int_equal(read_text("a,b\n1,2\n3,\"open\n5,6\n", SK_HEADER_AUTO, &table, &err),
                     SK_ERR_INPUT);
    assert_null(table);
    assert_contains(err.message, "never closed");
    assert_contains(err.message, "line 3");
    assert_contains(err.message, "3,\"open");
}

static void test_csv_stray_quote(void **state)
{
    (void)state;
    sk_table *table = NULL;
    sk_error err = { "" };
    assert_int_equal(read_text("a,b\n1,2\n3,5'11\"\n", SK_HEADER_AUTO, &table, &err),
                     SK_ERR_INPUT);
    assert_contains(err.message, "line 3");
    assert_contains(err.message, "5'11");

    assert_int_equal(read_text("a,b\n\"1\"x,2\n", SK_HEADER_AUTO, &table, &err),
                     SK_ERR_INPUT);
    assert_contains(err.message, "line 2");
    assert_null(table);
}

static void test_csv_empty_file(void **state)
{
    (void)state;
    sk_table *table = NULL;
    sk_error err = { "" };
    const char *path = write_fixture("");
    assert_int_equal(sk_table_read(path, NULL, &table, &err), SK_ERR_INPUT);
    assert_null(table);
    assert_contains(err.message, path);
    assert_contains(err.message, "empty");

    assert_int_equal(read_text("\n  \r\n\n", SK_HEADER_AUTO, &table, &err), SK_ERR_INPUT);
    assert_contains(err.message, "empty");
}

static void test_csv_header_only(void **state)
{
    (void)state;
    sk_table *table = NULL;
    sk_error err = { "" };
    const char *path = write_fixture("\na,b,c\n\n");
    assert_int_equal(sk_table_read(path, NULL, &table, &err), SK_ERR_INPUT);
    assert_null(table);
    assert_contains(err.message, path);
    assert_contains(err.message, "header on line 2 but no data rows");

    /* Forced to no header, the same row is one data row. */
    assert_int_equal(read_text("a,b,c\n", SK_HEADER_NO, &table, &err), SK_OK);
    assert_int_equal(sk_table_rows(table), 1);
    sk_table_free(table);
}

static void test_csv_missing_file(void **state)
{
    (void)state;
    sk_table *table = NULL;
    sk_error err = { "" };
    char path[600];
    snprintf(path, sizeof path, "%s/no-such-file.csv", fixture_dir());
    assert_int_equal(sk_table_read(path, NULL, &table, &err), SK_ERR_INPUT);
    assert_null(table);
    assert_contains(err.message, path);
    assert_contains(err.message, strerror(ENOENT));
}

static void test_csv_directory(void **state)
{
    (void)state;
    sk_table *table = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_table_read(fixture_dir(), NULL, &table, &err), SK_ERR_INPUT);
    assert_null(table);
    assert_contains(err.message, fixture_dir());
    assert_contains(err.message, "is a directory, not a CSV file");
    assert_contains(err.message, "Give the path of a CSV file");
    assert_null(strstr(err.message, "after line"));
}

/* ---- numbers -------------------------------------------------------------- */

static void test_parse_double(void **state)
{
    (void)state;
    double value = 0.0;
    assert_true(sk_parse_double("1.5", &value));
    assert_close(1.5, value, 0.0);
    assert_true(sk_parse_double("  -2e3 ", &value));
    assert_close(-2000.0, value, 0.0);
    assert_true(sk_parse_double("inf", &value));
    assert_true(isinf(value));
    assert_true(sk_parse_double("1e999", &value));
    assert_true(isinf(value));
    assert_false(sk_parse_double("", &value));
    assert_false(sk_parse_double("   ", &value));
    assert_false(sk_parse_double("1.5x", &value));
    assert_false(sk_parse_double("1,5", &value));
    assert_false(sk_parse_double("nan", &value));
    assert_false(sk_parse_double("1/1/1998", &value));
    assert_false(sk_parse_double(NULL, &value));
}

static void test_parse_double_ignores_locale(void **state)
{
    (void)state;
    const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8" };
    const char *set = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && set == NULL; i++)
        set = setlocale(LC_NUMERIC, names[i]);
    if (set == NULL)
        skip(); /* no locale with a decimal comma is installed */

    double value = 0.0;
    int ok = sk_parse_double("0.25", &value);
    setlocale(LC_NUMERIC, "C");
    assert_true(ok);
    assert_close(0.25, value, 0.0);
}

/* ---- find_column ------------------------------------------------------- */

static void test_find_column_by_name_and_index(void **state)
{
    (void)state;
    sk_table *table = read_ok("id,3,label\n1,2,x\n", SK_HEADER_YES);
    sk_error err = { "" };
    size_t column = 99;
    assert_int_equal(sk_table_find_column(table, "label", &column, &err), SK_OK);
    assert_int_equal(column, 2);
    assert_int_equal(sk_table_find_column(table, "1", &column, &err), SK_OK);
    assert_int_equal(column, 0);
    /* A column named "3" wins over the index 3. */
    assert_int_equal(sk_table_find_column(table, "3", &column, &err), SK_OK);
    assert_int_equal(column, 1);
    sk_table_free(table);
}

static void test_find_column_unknown(void **state)
{
    (void)state;
    sk_table *table = read_ok("id,score,label\n1,2,x\n", SK_HEADER_AUTO);
    sk_error err = { "" };
    size_t column = 99;
    assert_int_equal(sk_table_find_column(table, "Label", &column, &err), SK_ERR_INPUT);
    assert_contains(err.message, "'Label' not found");
    assert_contains(err.message, "'id', 'score', 'label'");

    assert_int_equal(sk_table_find_column(table, "4", &column, &err), SK_ERR_INPUT);
    assert_contains(err.message, "index 4 is out of range");
    assert_contains(err.message, "1 to 3");

    assert_int_equal(sk_table_find_column(table, "0", &column, &err), SK_ERR_INPUT);
    assert_contains(err.message, "index 0");

    assert_int_equal(sk_table_find_column(table, "99999999999999999999999", &column, &err),
                     SK_ERR_INPUT);
    assert_int_equal(column, 99);
    sk_table_free(table);
}

static void test_find_column_truncates_list(void **state)
{
    (void)state;
    text_builder b;
    builder_open(&b);
    for (int c = 0; c < 30; c++)
        builder_add(&b, "%scol%d", c == 0 ? "" : ",", c);
    builder_add(&b, "\n");
    for (int c = 0; c < 30; c++)
        builder_add(&b, "%s%d", c == 0 ? "" : ",", c);
    builder_add(&b, "\n");
    sk_table *table = read_built(&b);

    sk_error err = { "" };
    size_t column;
    assert_int_equal(sk_table_find_column(table, "nope", &column, &err), SK_ERR_INPUT);
    assert_contains(err.message, "'col19'");
    assert_contains(err.message, "and 10 more");
    assert_null(strstr(err.message, "'col20'"));
    sk_table_free(table);
}

/* Column names too long to list in full: the list stops before an item
 * that does not fit and counts the rest, never ending in half a name. */
static void test_find_column_long_names(void **state)
{
    (void)state;
    text_builder b;
    builder_open(&b);
    for (int c = 0; c < 20; c++)
        builder_add(&b, "%scolumn_%02d_%s", c == 0 ? "" : ",", c,
                    "with_a_name_long_enough_to_fill_the_message_quickly");
    builder_add(&b, "\n");
    for (int c = 0; c < 20; c++)
        builder_add(&b, "%s%d", c == 0 ? "" : ",", c);
    builder_add(&b, "\n");
    sk_table *table = read_built(&b);

    sk_error err = { "" };
    size_t column;
    assert_int_equal(sk_table_find_column(table, "nope", &column, &err), SK_ERR_INPUT);
    assert_contains(err.message, "'column_00_");
    assert_contains(err.message, "...', ");
    assert_contains(err.message, " more. ");
    assert_null(strstr(err.message, "'column_19"));
    size_t quotes = 0;
    for (const char *c = err.message; *c != '\0'; c++)
        quotes += *c == '\'';
    assert_int_equal(quotes % 2, 0);
    sk_table_free(table);
}

/* ---- prepare ----------------------------------------------------------------- */

/* A table of n_pos + n_neg rows: x (numeric), y2 (numeric), label
 * ("yes"/"no"); positives are spread through the file. */
static sk_table *make_binary_table(size_t n_pos, size_t n_neg)
{
    text_builder b;
    builder_open(&b);
    builder_add(&b, "x,y2,label\n");
    size_t total = n_pos + n_neg;
    size_t placed = 0;
    for (size_t i = 0; i < total; i++) {
        int positive = placed < n_pos && (i * n_pos) / total >= placed;
        placed += (size_t)positive;
        builder_add(&b, "%g,%g,%s\n", (double)((i * 37) % 101) / 7.0,
                    sin((double)i) * 3.0 + 10.0, positive ? "yes" : "no");
    }
    sk_table *table = read_built(&b);
    return table;
}

static void test_prepare_stratified_split(void **state)
{
    (void)state;
    sk_table *table = make_binary_table(13, 100);
    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = prepare_ok(table, &options);

    assert_string_equal(dataset->positive_label, "yes");
    assert_string_equal(dataset->negative_label, "no");
    assert_int_equal(dataset->rows_read, 113);
    assert_int_equal(dataset->rows_dropped, 0);
    size_t val_pos = expected_val(0.25, 13);
    size_t val_neg = expected_val(0.25, 100);
    assert_int_equal(dataset->val.positives, val_pos);
    assert_int_equal(dataset->val.rows, val_pos + val_neg);
    assert_int_equal(dataset->train.positives, 13 - val_pos);
    assert_int_equal(dataset->train.rows, 113 - val_pos - val_neg);

    /* y agrees with the table, and each split is in file order. */
    const sk_split *splits[2] = { &dataset->train, &dataset->val };
    for (int s = 0; s < 2; s++) {
        size_t positives = 0;
        for (size_t i = 0; i < splits[s]->rows; i++) {
            size_t row = splits[s]->source_row[i];
            int is_yes = strcmp(sk_table_cell(table, row, 2), "yes") == 0;
            assert_int_equal(splits[s]->y[i], is_yes);
            positives += splits[s]->y[i];
            if (i > 0)
                assert_true(splits[s]->source_row[i - 1] < row);
        }
        assert_int_equal(positives, splits[s]->positives);
    }
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_prepare_standardises_with_train_stats(void **state)
{
    (void)state;
    sk_table *table = make_binary_table(20, 80);
    sk_prepare_options options = default_options("3");
    sk_dataset *dataset = prepare_ok(table, &options);

    assert_string_equal(dataset->target_name, "label");
    assert_int_equal(dataset->features, 2);
    assert_string_equal(dataset->feature_names[0], "x");
    assert_string_equal(dataset->feature_names[1], "y2");

    for (size_t f = 0; f < 2; f++) {
        /* Train: mean 0 and population SD 1. */
        double sum = 0.0, squares = 0.0;
        size_t n = dataset->train.rows;
        for (size_t i = 0; i < n; i++)
            sum += gsl_matrix_get(dataset->train.x, i, f);
        double mean = sum / (double)n;
        for (size_t i = 0; i < n; i++) {
            double d = gsl_matrix_get(dataset->train.x, i, f) - mean;
            squares += d * d;
        }
        assert_close(0.0, mean, STATS_TOLERANCE);
        assert_close(1.0, sqrt(squares / (double)n), STATS_TOLERANCE);

        /* Validation uses the training statistics, recomputed here from
         * the raw cells. */
        double raw_sum = 0.0, raw_squares = 0.0;
        for (size_t i = 0; i < n; i++) {
            double v = strtod(sk_table_cell(table, dataset->train.source_row[i], f), NULL);
            raw_sum += v;
        }
        double raw_mean = raw_sum / (double)n;
        for (size_t i = 0; i < n; i++) {
            double v = strtod(sk_table_cell(table, dataset->train.source_row[i], f), NULL);
            raw_squares += (v - raw_mean) * (v - raw_mean);
        }
        double raw_sd = sqrt(raw_squares / (double)n);
        for (size_t i = 0; i < dataset->val.rows; i++) {
            double v = strtod(sk_table_cell(table, dataset->val.source_row[i], f), NULL);
            assert_close((v - raw_mean) / raw_sd, gsl_matrix_get(dataset->val.x, i, f),
                         STATS_TOLERANCE);
        }
    }
    sk_dataset_free(dataset);
    sk_table_free(table);
}

/* 40 rows: colour red/green/blue by row, one "purple" at row 39, label
 * every fourth row positive. */
static sk_table *make_colour_table(void)
{
    const char *colours[] = { "red", "green", "blue" };
    text_builder b;
    builder_open(&b);
    builder_add(&b, "colour,n,label\n");
    for (int i = 0; i < 40; i++)
        builder_add(&b, "%s,%d,%d\n", i == 39 ? "purple" : colours[i % 3], i, i % 4 == 0);
    return read_built(&b);
}

static void test_prepare_one_hot(void **state)
{
    (void)state;
    sk_table *table = make_colour_table();

    /* Find a seed that puts the only "purple" row in validation. */
    sk_dataset *dataset = NULL;
    for (unsigned long seed = 1; seed < 100; seed++) {
        sk_prepare_options options = default_options("label");
        options.seed = seed;
        dataset = prepare_ok(table, &options);
        if (!has_feature(dataset, "colour=purple"))
            break;
        sk_dataset_free(dataset);
        dataset = NULL;
    }
    assert_non_null(dataset);
    assert_int_equal(dataset->features, 4);
    assert_string_equal(dataset->feature_names[0], "colour=blue");
    assert_string_equal(dataset->feature_names[1], "colour=green");
    assert_string_equal(dataset->feature_names[2], "colour=red");
    assert_string_equal(dataset->feature_names[3], "n");

    const sk_split *splits[2] = { &dataset->train, &dataset->val };
    int purple_seen = 0;
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < splits[s]->rows; i++) {
            const char *colour = sk_table_cell(table, splits[s]->source_row[i], 0);
            double ones = 0.0;
            for (size_t f = 0; f < 3; f++) {
                double v = gsl_matrix_get(splits[s]->x, i, f);
                assert_true(v == 0.0 || v == 1.0);
                ones += v;
                if (v == 1.0)
                    assert_string_equal(dataset->feature_names[f] + strlen("colour="), colour);
            }
            if (strcmp(colour, "purple") == 0) {
                assert_int_equal(s, 1);
                assert_close(0.0, ones, 0.0);
                purple_seen = 1;
            } else {
                assert_close(1.0, ones, 0.0);
            }
        }
    }
    assert_true(purple_seen);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_prepare_one_hot_cap(void **state)
{
    (void)state;
    text_builder b;
    builder_open(&b);
    builder_add(&b, "code,n,label\n");
    for (int i = 0; i < 200; i++)
        builder_add(&b, "c%d,%d,%d\n", i % 70, i, i % 5 == 0);
    sk_table *table = read_built(&b);

    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_int_equal(dataset->features, 1);
    assert_string_equal(dataset->feature_names[0], "n");
    const char *notice = find_notice(dataset, "'code' was dropped");
    assert_non_null(notice);
    assert_contains(notice, "70 distinct text values");
    assert_contains(notice, "one-hot limit of 64");
    assert_contains(notice, "'c0'");
    sk_dataset_free(dataset);

    /* Under a cap of 70 the column is one-hot encoded over the codes seen
     * in training, plus the feature n. */
    options.max_categories = 70;
    dataset = prepare_ok(table, &options);
    int seen[70] = { 0 };
    size_t train_codes = 0;
    for (size_t i = 0; i < dataset->train.rows; i++) {
        int code = atoi(sk_table_cell(table, dataset->train.source_row[i], 0) + 1);
        train_codes += seen[code] == 0;
        seen[code] = 1;
    }
    assert_int_equal(dataset->features, train_codes + 1);
    assert_true(train_codes > 64);
    assert_null(find_notice(dataset, "'code' was dropped"));
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_prepare_missing_indicator(void **state)
{
    (void)state;
    text_builder b;
    builder_open(&b);
    builder_add(&b, "a,kind,label\n");
    for (int i = 0; i < 60; i++) {
        const char *a = NULL;
        if (i % 7 == 3)
            a = "?";
        else if (i % 11 == 5)
            a = "NA";
        const char *kind = i % 2 ? "odd" : "even";
        if (i % 9 == 2)
            kind = "";
        if (a != NULL)
            builder_add(&b, "%s,%s,%s\n", a, kind, i % 3 == 0 ? "p" : "q");
        else
            builder_add(&b, "%d.5,%s,%s\n", i, kind, i % 3 == 0 ? "p" : "q");
    }
    sk_table *table = read_built(&b);
    size_t a_missing = 0, kind_missing = 0;
    for (size_t r = 0; r < sk_table_rows(table); r++) {
        a_missing += sk_table_cell(table, r, 0) == NULL;
        kind_missing += sk_table_cell(table, r, 1) == NULL;
    }
    assert_true(a_missing > 0);
    assert_true(kind_missing > 0);

    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = prepare_ok(table, &options);
    size_t a = feature_index(dataset, "a");
    size_t a_flag = feature_index(dataset, "a (missing)");
    size_t kind_flag = feature_index(dataset, "kind (missing)");
    size_t even = feature_index(dataset, "kind=even");
    size_t odd = feature_index(dataset, "kind=odd");

    const sk_split *splits[2] = { &dataset->train, &dataset->val };
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < splits[s]->rows; i++) {
            size_t row = splits[s]->source_row[i];
            int a_is_missing = sk_table_cell(table, row, 0) == NULL;
            int kind_is_missing = sk_table_cell(table, row, 1) == NULL;
            assert_close(a_is_missing, gsl_matrix_get(splits[s]->x, i, a_flag), 0.0);
            assert_close(kind_is_missing, gsl_matrix_get(splits[s]->x, i, kind_flag), 0.0);
            if (a_is_missing)
                assert_close(0.0, gsl_matrix_get(splits[s]->x, i, a), 0.0);
            if (kind_is_missing) {
                assert_close(0.0, gsl_matrix_get(splits[s]->x, i, even), 0.0);
                assert_close(0.0, gsl_matrix_get(splits[s]->x, i, odd), 0.0);
            }
        }
    }

    /* One notice for every column with missing values. */
    char count[64];
    const char *notice = find_notice(dataset, "missing value");
    assert_non_null(notice);
    snprintf(count, sizeof count, "%zu missing values in 2 columns", a_missing + kind_missing);
    assert_contains(notice, count);
    assert_contains(notice, "'a', 'kind'");
    assert_contains(notice, "(missing)");
    size_t notices_about_missing = 0;
    for (size_t i = 0; i < dataset->notice_count; i++)
        notices_about_missing += strstr(dataset->notices[i], "missing value") != NULL;
    assert_int_equal(notices_about_missing, 1);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_prepare_constant_and_empty_columns(void **state)
{
    (void)state;
    text_builder b;
    builder_open(&b);
    builder_add(&b, "same,empty,word,x,label\n");
    for (int i = 0; i < 30; i++)
        builder_add(&b, "3.5,,'w',%d,%d\n", i, i % 3 == 0);
    sk_table *table = read_built(&b);
    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_int_equal(dataset->features, 1);
    assert_string_equal(dataset->feature_names[0], "x");
    assert_non_null(find_notice(dataset, "'same' was dropped: it holds the same value, 3.5"));
    assert_non_null(find_notice(dataset, "'empty' was dropped: every value is missing"));
    assert_non_null(find_notice(dataset, "'word' was dropped: it holds the same text, 'w'"));
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_prepare_one_class(void **state)
{
    (void)state;
    sk_table *table = read_ok("x,label\n1,good\n2,good\n3,\n", SK_HEADER_AUTO);
    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_null(dataset);
    assert_contains(err.message, "one class only");
    assert_contains(err.message, "'good' (2 rows)");
    assert_contains(err.message, "two classes");
    sk_table_free(table);

    table = read_ok("x,label\n1,NA\n2,?\n", SK_HEADER_AUTO);
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_contains(err.message, "no labels");
    sk_table_free(table);
}

static sk_table *make_three_class_table(void)
{
    text_builder b;
    builder_open(&b);
    builder_add(&b, "x,label\n");
    for (int i = 0; i < 60; i++) {
        const char *label = i % 2 ? "a" : "c";
        if (i % 6 == 0)
            label = "b";
        builder_add(&b, "%d,%s\n", i, label);
    }
    return read_built(&b);
}

static void test_prepare_three_classes(void **state)
{
    (void)state;
    sk_table *table = make_three_class_table();
    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_null(dataset);
    assert_contains(err.message, "3 classes");
    assert_contains(err.message, "'a' (30 rows), 'b' (10 rows), 'c' (20 rows)");
    assert_contains(err.message, "--positive");

    options.positive = "z";
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_contains(err.message, "'z' is not a label");
    assert_contains(err.message, "'a' (30 rows)");

    options.positive = "b";
    dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "b");
    assert_string_equal(dataset->negative_label, "not b");
    assert_int_equal(dataset->train.positives + dataset->val.positives, 10);
    assert_int_equal(dataset->train.rows + dataset->val.rows, 60);
    const char *notice = find_notice(dataset, "merged into 'not b'");
    assert_non_null(notice);
    assert_contains(notice, "3 classes");
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_prepare_default_positive(void **state)
{
    (void)state;
    /* Minority class, even when it sorts first. */
    text_builder b;
    builder_open(&b);
    builder_add(&b, "x,label\n");
    for (int i = 0; i < 40; i++)
        builder_add(&b, "%d,%s\n", i, i % 5 == 0 ? "apple" : "zebra");
    sk_table *table = read_built(&b);
    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "apple");
    assert_string_equal(dataset->negative_label, "zebra");
    sk_dataset_free(dataset);
    sk_table_free(table);

    /* A tie picks the label that sorts last. */
    builder_open(&b);
    builder_add(&b, "x,label\n");
    for (int i = 0; i < 40; i++)
        builder_add(&b, "%d,%s\n", i, i % 2 ? "0" : "1");
    table = read_built(&b);
    dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "1");
    sk_dataset_free(dataset);

    /* --positive 0 matches the label "0" exactly; 1.0 matches "1" as a number. */
    options.positive = "0";
    dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "0");
    sk_dataset_free(dataset);
    options.positive = "1.0";
    dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "1");
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_prepare_drops_missing_labels(void **state)
{
    (void)state;
    text_builder b;
    builder_open(&b);
    builder_add(&b, "x,label\n");
    for (int i = 0; i < 50; i++) {
        const char *label = i % 4 == 0 ? "1" : "0";
        if (i % 10 == 9)
            label = "NA";
        builder_add(&b, "%d,%s\n", i, label);
    }
    sk_table *table = read_built(&b);
    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_int_equal(dataset->rows_read, 50);
    assert_int_equal(dataset->rows_dropped, 5);
    assert_int_equal(dataset->train.rows + dataset->val.rows, 45);
    assert_non_null(find_notice(dataset, "5 rows with a missing label in column 'label'"));
    for (size_t i = 0; i < dataset->train.rows; i++)
        assert_int_not_equal(dataset->train.source_row[i] % 10, 9);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

/* Returns nonzero when two datasets put the same rows in validation. */
static int same_validation_rows(const sk_dataset *a, const sk_dataset *b)
{
    if (a->val.rows != b->val.rows)
        return 0;
    for (size_t i = 0; i < a->val.rows; i++) {
        if (a->val.source_row[i] != b->val.source_row[i])
            return 0;
    }
    return 1;
}

static void test_prepare_seed_determinism(void **state)
{
    (void)state;
    sk_table *table = make_binary_table(30, 170);
    sk_prepare_options options = default_options("label");
    sk_dataset *first = prepare_ok(table, &options);
    sk_dataset *again = prepare_ok(table, &options);
    options.seed = 43;
    sk_dataset *other = prepare_ok(table, &options);

    assert_true(same_validation_rows(first, again));
    assert_int_equal(first->val.rows, other->val.rows);
    assert_false(same_validation_rows(first, other));
    for (size_t i = 0; i < first->val.rows; i++) {
        for (size_t f = 0; f < first->features; f++)
            assert_close(gsl_matrix_get(first->val.x, i, f),
                         gsl_matrix_get(again->val.x, i, f), 0.0);
    }
    sk_dataset_free(first);
    sk_dataset_free(again);
    sk_dataset_free(other);
    sk_table_free(table);
}

static void test_prepare_too_few_rows_of_class(void **state)
{
    (void)state;
    sk_table *table = make_binary_table(3, 60);
    sk_prepare_options options = default_options("label");
    options.val_fraction = 0.1; /* round(0.3) = 0 positives in validation */
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_null(dataset);
    assert_contains(err.message, "Class 'yes' has 3 rows");
    assert_contains(err.message, "--val-fraction");

    options.val_fraction = 0.9; /* round(2.7) = 3: no positive left for training */
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_contains(err.message, "none in training");
    sk_table_free(table);
}

static void test_prepare_invalid_options(void **state)
{
    (void)state;
    sk_table *table = make_binary_table(10, 30);
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    sk_prepare_options options = default_options(NULL);
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_contains(err.message, "--target");

    options = default_options("class");
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_contains(err.message, "'class' not found");

    options = default_options("label");
    options.val_fraction = 1.0;
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_contains(err.message, "fraction 1 is out of range");
    options.val_fraction = NAN;
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_null(dataset);
    sk_table_free(table);
}

static void test_prepare_no_feature_left(void **state)
{
    (void)state;
    text_builder b;
    builder_open(&b);
    builder_add(&b, "id,label\n");
    for (int i = 0; i < 100; i++)
        builder_add(&b, "row%d,%d\n", i, i % 4 == 0);
    sk_table *table = read_built(&b);
    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_null(dataset);
    assert_contains(err.message, "No feature column is left");
    assert_contains(err.message, "'id'");
    sk_table_free(table);

    table = read_ok("label\n1\n0\n1\n0\n", SK_HEADER_AUTO);
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_contains(err.message, "no column besides the target 'label'");
    sk_table_free(table);
}

static void test_prepare_target_is_no_feature(void **state)
{
    (void)state;
    sk_table *table = make_binary_table(10, 30);
    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = prepare_ok(table, &options);
    for (size_t f = 0; f < dataset->features; f++)
        assert_null(strstr(dataset->feature_names[f], "label"));
    sk_dataset_free(dataset);
    sk_table_free(table);

    /* A numeric target column as well. */
    table = make_colour_table();
    dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "1");
    assert_true(has_feature(dataset, "n"));
    for (size_t f = 0; f < dataset->features; f++)
        assert_null(strstr(dataset->feature_names[f], "label"));
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_prepare_infinite_value(void **state)
{
    (void)state;
    sk_table *table = read_ok("x,label\n1,0\n2,1\n\n1e999,0\n4,1\n5,0\n6,1\n", SK_HEADER_AUTO);
    sk_prepare_options options = default_options("label");
    options.val_fraction = 0.4;
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_null(dataset);
    assert_contains(err.message, "'1e999' on line 5");
    sk_table_free(table);
}

static void test_prepare_text_in_numeric_column(void **state)
{
    (void)state;
    text_builder b;
    builder_open(&b);
    builder_add(&b, "x,label\n");
    for (int i = 0; i < 40; i++) {
        if (i == 17)
            builder_add(&b, "12o,%d\n", i % 2);
        else
            builder_add(&b, "%d,%d\n", i, i % 2);
    }
    sk_table *table = read_built(&b);
    sk_prepare_options options = default_options("label");
    sk_dataset *dataset = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_dataset_prepare(table, &options, &dataset, &err), SK_ERR_INPUT);
    assert_null(dataset);
    assert_contains(err.message, "'12o' on line 19");
    assert_contains(err.message, "NA");
    sk_table_free(table);
}

/* ---- real files ------------------------------------------------------------ */

static void test_real_mammography(void **state)
{
    (void)state;
    sk_table *table = read_table_or_skip(SK_REALDATA_DIR, "mammography.csv");
    assert_int_equal(sk_table_rows(table), 11183);
    assert_int_equal(sk_table_columns(table), 7);
    assert_string_equal(sk_table_column_name(table, 6), "7");
    assert_string_equal(sk_table_cell(table, 0, 6), "-1");
    assert_string_equal(sk_table_cell(table, 11182, 6), "1");

    sk_prepare_options options = default_options("7");
    options.val_fraction = 0.2;
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "1");
    assert_string_equal(dataset->negative_label, "-1");
    assert_int_equal(dataset->features, 6);
    assert_int_equal(dataset->val.positives, expected_val(0.2, 260));
    assert_int_equal(dataset->train.positives + dataset->val.positives, 260);
    assert_int_equal(dataset->val.rows, expected_val(0.2, 260) + expected_val(0.2, 10923));
    assert_int_equal(dataset->train.rows + dataset->val.rows, 11183);
    assert_int_equal(dataset->notice_count, 0);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_real_ozone(void **state)
{
    (void)state;
    sk_table *table = read_table_or_skip(SK_REALDATA_DIR, "ozone_onehr.csv");
    assert_int_equal(sk_table_rows(table), 2536);
    assert_int_equal(sk_table_columns(table), 74);
    assert_string_equal(sk_table_column_name(table, 0), "Date");

    sk_prepare_options options = default_options("class");
    options.val_fraction = 0.2;
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "1.0");
    assert_int_equal(dataset->train.positives + dataset->val.positives, 73);
    assert_int_equal(dataset->val.positives, expected_val(0.2, 73));
    assert_false(has_feature(dataset, "Date"));
    const char *notice = find_notice(dataset, "'Date' was dropped");
    assert_non_null(notice);
    assert_contains(notice, "2536 distinct text values exceed the one-hot limit of 64");

    /* 72 numeric columns; each with a '?' also has an indicator. */
    size_t indicators = 0;
    for (size_t f = 0; f < dataset->features; f++)
        indicators += strstr(dataset->feature_names[f], " (missing)") != NULL;
    assert_true(indicators > 0);
    assert_int_equal(dataset->features, 72 + indicators);
    assert_true(has_feature(dataset, "WSR0 (missing)"));
    notice = find_notice(dataset, "missing values in");
    assert_non_null(notice);
    assert_contains(notice, "'WSR0'");
    assert_int_equal(dataset->notice_count, 2);
    sk_dataset_free(dataset);
    sk_table_free(table);
}

static void test_real_lending_club(void **state)
{
    (void)state;
    sk_table *table = read_table_or_skip(SK_SAMPLE_DATA, "lending_club.csv");
    assert_int_equal(sk_table_rows(table), 9857);
    assert_int_equal(sk_table_columns(table), 23);

    sk_prepare_options options = default_options("Class");
    options.val_fraction = 0.2;
    sk_dataset *dataset = prepare_ok(table, &options);
    assert_string_equal(dataset->positive_label, "bad");
    assert_string_equal(dataset->negative_label, "good");
    assert_int_equal(dataset->train.positives + dataset->val.positives, 517);
    assert_int_equal(dataset->train.rows + dataset->val.rows, 9857);
    assert_int_equal(dataset->val.positives, expected_val(0.2, 517));
    assert_int_equal(dataset->val.rows - dataset->val.positives, expected_val(0.2, 9340));
    assert_true(has_feature(dataset, "term=term_36"));
    sk_dataset_free(dataset);
    sk_table_free(table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quoted_fields),
        cmocka_unit_test(test_csv_crlf_no_final_newline),
        cmocka_unit_test(test_csv_missing_markers),
        cmocka_unit_test(test_csv_single_quoted_labels),
        cmocka_unit_test(test_csv_header_auto_detect),
        cmocka_unit_test(test_csv_header_forced),
        cmocka_unit_test(test_csv_blank_lines_and_bom),
        cmocka_unit_test(test_csv_tab_delimiter),
        cmocka_unit_test(test_csv_standard_input),
        cmocka_unit_test(test_csv_ragged_row),
        cmocka_unit_test(test_csv_unterminated_quote),
        cmocka_unit_test(test_csv_stray_quote),
        cmocka_unit_test(test_csv_empty_file),
        cmocka_unit_test(test_csv_header_only),
        cmocka_unit_test(test_csv_missing_file),
        cmocka_unit_test(test_csv_directory),
        cmocka_unit_test(test_parse_double),
        cmocka_unit_test(test_parse_double_ignores_locale),
        cmocka_unit_test(test_find_column_by_name_and_index),
        cmocka_unit_test(test_find_column_unknown),
        cmocka_unit_test(test_find_column_truncates_list),
        cmocka_unit_test(test_find_column_long_names),
        cmocka_unit_test(test_prepare_stratified_split),
        cmocka_unit_test(test_prepare_standardises_with_train_stats),
        cmocka_unit_test(test_prepare_one_hot),
        cmocka_unit_test(test_prepare_one_hot_cap),
        cmocka_unit_test(test_prepare_missing_indicator),
        cmocka_unit_test(test_prepare_constant_and_empty_columns),
        cmocka_unit_test(test_prepare_one_class),
        cmocka_unit_test(test_prepare_text_in_numeric_column),
        cmocka_unit_test(test_prepare_three_classes),
        cmocka_unit_test(test_prepare_default_positive),
        cmocka_unit_test(test_prepare_drops_missing_labels),
        cmocka_unit_test(test_prepare_seed_determinism),
        cmocka_unit_test(test_prepare_too_few_rows_of_class),
        cmocka_unit_test(test_prepare_invalid_options),
        cmocka_unit_test(test_prepare_no_feature_left),
        cmocka_unit_test(test_prepare_target_is_no_feature),
        cmocka_unit_test(test_prepare_infinite_value),
        cmocka_unit_test(test_real_mammography),
        cmocka_unit_test(test_real_ozone),
        cmocka_unit_test(test_real_lending_club),
    };
    return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
}
