/*
 * test_predictions.c - tests of sk_predictions_read: choosing the label and
 * score columns, the positive class, the orientation of the scores, and
 * the messages for every kind of bad input; then of the streaming reader:
 * parity with the table reader, progress and cancelling, binned mode
 * against exact answers, and a large file on standard input.
 *
 * Fixtures are small CSV texts written into a temporary directory; the
 * large ones are generated from a seeded gsl_rng.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "skewtop/metrics.h"
#include "skewtop/predictions.h"

/* Tolerance for 1 - p: one rounding of a subtraction of numbers <= 1. */
#define FLIP_TOLERANCE 1e-15

/* cmocka 1.1.5 has no assert_float_equal. */
#define assert_close(expected, actual, tolerance)                                   \
    do {                                                                            \
        double e_ = (expected), a_ = (actual), t_ = (tolerance);                    \
        if (!(fabs(e_ - a_) <= t_))                                                 \
            fail_msg("expected %.17g, got %.17g (tolerance %g)", e_, a_, t_);       \
    } while (0)

/* Fails with the message when haystack does not contain needle. */
#define assert_contains(haystack, needle)                                           \
    do {                                                                            \
        const char *h_ = (haystack), *n_ = (needle);                                \
        if (h_ == NULL || strstr(h_, n_) == NULL)                                   \
            fail_msg("'%s' not found in: %s", n_, h_ == NULL ? "(null)" : h_);      \
    } while (0)

/* ---- fixtures --------------------------------------------------------- */

static char fixture_dir[] = "/tmp/skewtop-test-predictions-XXXXXX";
static int fixture_serial;

static int make_fixture_dir(void **state)
{
    (void)state;
    return mkdtemp(fixture_dir) == NULL ? -1 : 0;
}

static int remove_fixture_dir(void **state)
{
    (void)state;
    char path[512];
    for (int i = 0; i < fixture_serial; i++) {
        snprintf(path, sizeof path, "%s/f%d.csv", fixture_dir, i);
        unlink(path);
    }
    return rmdir(fixture_dir);
}

/* Writes content into a new file of the fixture directory and returns its
 * path in a static buffer (valid until the next call). */
static const char *write_fixture(const char *content)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/f%d.csv", fixture_dir, fixture_serial++);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    size_t len = strlen(content);
    assert_int_equal(fwrite(content, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    return path;
}

/* Options with the given columns and classes; NULL for the defaults. */
static sk_predictions_options make_options(const char *label, const char *scores,
                                           const char *score_of, const char *positive)
{
    sk_predictions_options options = {
        .label = label,
        .scores = scores,
        .score_of = score_of,
        .positive = positive,
    };
    return options;
}

/* Reads content, which must be accepted. */
static sk_predictions *read_ok(const char *content, const sk_predictions_options *options)
{
    sk_predictions *p = NULL;
    sk_error err = { "" };
    sk_status status = sk_predictions_read(write_fixture(content), options, &p, &err);
    if (status != SK_OK)
        fail_msg("reading failed (status %d): %s", (int)status, err.message);
    assert_non_null(p);
    return p;
}

/* Reads content, which must be rejected with SK_ERR_INPUT, and copies the
 * message into err. */
static void read_rejected(const char *content, const sk_predictions_options *options,
                          sk_error *err)
{
    sk_predictions *p = (sk_predictions *)&p; /* any non-NULL value */
    err->message[0] = '\0';
    sk_status status = sk_predictions_read(write_fixture(content), options, &p, err);
    if (status != SK_ERR_INPUT)
        fail_msg("expected SK_ERR_INPUT, got status %d: %s", (int)status, err->message);
    assert_null(p);
    assert_true(err->message[0] != '\0');
}

/* Returns the first notice containing needle, or NULL. */
static const char *find_notice(const sk_predictions *p, const char *needle)
{
    for (size_t i = 0; i < p->notice_count; i++) {
        if (strstr(p->notices[i], needle) != NULL)
            return p->notices[i];
    }
    return NULL;
}

static void assert_labels(const sk_predictions *p, const unsigned char *expected, size_t n)
{
    assert_int_equal(p->rows, n);
    size_t positives = 0;
    for (size_t i = 0; i < n; i++) {
        if (p->y[i] != expected[i])
            fail_msg("row %zu: expected y = %d, got %d", i, expected[i], p->y[i]);
        positives += expected[i];
    }
    assert_int_equal(p->positives, positives);
}

static void assert_scores(const sk_predictions *p, size_t column, const double *expected,
                          size_t n, double tolerance)
{
    assert_true(column < p->score_columns);
    assert_int_equal(p->rows, n);
    for (size_t i = 0; i < n; i++)
        assert_close(expected[i], p->scores[column][i], tolerance);
}

/* ---- columns ------------------------------------------------------------- */

static void test_auto_label_first(void **state)
{
    (void)state;
    sk_predictions *p = read_ok("y,p\n0,0.1\n1,0.8\n0,0.3\n0,0.2\n", NULL);
    assert_string_equal(p->label_name, "y");
    assert_int_equal(p->score_columns, 1);
    assert_string_equal(p->score_names[0], "p");
    const unsigned char y[] = { 0, 1, 0, 0 };
    const double s[] = { 0.1, 0.8, 0.3, 0.2 };
    assert_labels(p, y, 4);
    assert_scores(p, 0, s, 4, 0.0);
    assert_true(p->probability[0]);
    assert_false(p->flipped);
    assert_false(p->one_vs_rest);
    assert_int_equal(p->classes, 2);
    assert_string_equal(p->positive_label, "1");
    assert_string_equal(p->negative_label, "0");
    assert_string_equal(p->score_of_label, "1");
    assert_non_null(find_notice(p, "Column 'y' was read as the label and column 'p' as the score"));
    sk_predictions_free(p);
}

static void test_auto_score_first(void **state)
{
    (void)state;
    sk_predictions *p = read_ok("prob,truth\n0.1,no\n0.8,yes\n0.3,no\n", NULL);
    assert_string_equal(p->label_name, "truth");
    assert_string_equal(p->score_names[0], "prob");
    const unsigned char y[] = { 0, 1, 0 };
    const double s[] = { 0.1, 0.8, 0.3 };
    assert_labels(p, y, 3);
    assert_scores(p, 0, s, 3, 0.0);
    assert_string_equal(p->positive_label, "yes");
    assert_false(p->flipped);
    assert_non_null(find_notice(p, "Column 'truth' was read as the label"));
    sk_predictions_free(p);
}

/* A score column of only two distinct values is still found when the other
 * column is text and cannot be a score. */
static void test_auto_two_valued_score(void **state)
{
    (void)state;
    sk_predictions *p = read_ok("truth,pred\nno,0\nyes,1\nno,0\nno,1\n", NULL);
    assert_string_equal(p->label_name, "truth");
    assert_string_equal(p->score_names[0], "pred");
    const unsigned char y[] = { 0, 1, 0, 0 };
    assert_labels(p, y, 4);
    sk_predictions_free(p);
}

/* No header: the table reader names the columns "1" and "2". */
static void test_auto_without_header(void **state)
{
    (void)state;
    sk_predictions *p = read_ok("0.9,1\n0.2,0\n0.4,0\n", NULL);
    assert_string_equal(p->label_name, "2");
    assert_string_equal(p->score_names[0], "1");
    const unsigned char y[] = { 1, 0, 0 };
    assert_labels(p, y, 3);
    sk_predictions_free(p);
}

static void test_columns_by_name(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("y", "q", NULL, NULL);
    sk_predictions *p = read_ok("id,y,p,q\n7,1,0.5,0.9\n8,0,0.6,0.2\n9,0,0.1,0.3\n", &o);
    assert_string_equal(p->label_name, "y");
    assert_int_equal(p->score_columns, 1);
    assert_string_equal(p->score_names[0], "q");
    const unsigned char y[] = { 1, 0, 0 };
    const double s[] = { 0.9, 0.2, 0.3 };
    assert_labels(p, y, 3);
    assert_scores(p, 0, s, 3, 0.0);
    assert_int_equal(p->notice_count, 0);
    sk_predictions_free(p);
}

static void test_columns_by_index(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("2", "3", NULL, NULL);
    sk_predictions *p = read_ok("id,y,p,q\n7,1,0.5,0.9\n8,0,0.6,0.2\n9,0,0.1,0.3\n", &o);
    assert_string_equal(p->label_name, "y");
    assert_string_equal(p->score_names[0], "p");
    const double s[] = { 0.5, 0.6, 0.1 };
    assert_scores(p, 0, s, 3, 0.0);
    sk_predictions_free(p);
}

/* With only --label, the one other column is the score, and the reverse. */
static void test_columns_one_given(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("target", NULL, NULL, NULL);
    sk_predictions *p = read_ok("target,p\n1,0.5\n0,0.6\n0,0.1\n", &o);
    assert_string_equal(p->score_names[0], "p");
    assert_non_null(find_notice(p, "Column 'p' was read as the score"));
    sk_predictions_free(p);

    o = make_options(NULL, "a,b", NULL, NULL);
    p = read_ok("a,y,b\n0.5,1,2.0\n0.6,0,-1\n0.1,0,0.5\n", &o);
    assert_string_equal(p->label_name, "y");
    assert_int_equal(p->score_columns, 2);
    assert_non_null(find_notice(p, "Column 'y' was read as the label"));
    sk_predictions_free(p);
}

static void test_standard_input(void **state)
{
    (void)state;
    const char *path = write_fixture("y,p\n1,0.7\n0,0.4\n0,0.1\n");
    assert_non_null(freopen(path, "r", stdin));
    sk_predictions *p = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_predictions_read("-", NULL, &p, &err), SK_OK);
    const unsigned char y[] = { 1, 0, 0 };
    const double s[] = { 0.7, 0.4, 0.1 };
    assert_labels(p, y, 3);
    assert_scores(p, 0, s, 3, 0.0);
    sk_predictions_free(p);
}

static void test_standard_input_error(void **state)
{
    (void)state;
    const char *path = write_fixture("y,p\n1,0.7\n0,high\n0,0.1\n");
    assert_non_null(freopen(path, "r", stdin));
    sk_predictions *p = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_predictions_read("-", NULL, &p, &err), SK_ERR_INPUT);
    assert_null(p);
    assert_contains(err.message, "'high'");
    assert_contains(err.message, "line 3 of standard input");
}

static void test_several_score_columns(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("y", "logreg, mlp,svm", NULL, NULL);
    sk_predictions *p = read_ok("y,svm,logreg,mlp\n"
                                "1,1.5,0.9,0.8\n"
                                "0,-0.5,0.2,0.3\n"
                                "0,-2,0.4,0.1\n", &o);
    assert_int_equal(p->score_columns, 3);
    assert_string_equal(p->score_names[0], "logreg");
    assert_string_equal(p->score_names[1], "mlp");
    assert_string_equal(p->score_names[2], "svm");
    const double logreg[] = { 0.9, 0.2, 0.4 };
    const double mlp[] = { 0.8, 0.3, 0.1 };
    const double svm[] = { 1.5, -0.5, -2 };
    assert_scores(p, 0, logreg, 3, 0.0);
    assert_scores(p, 1, mlp, 3, 0.0);
    assert_scores(p, 2, svm, 3, 0.0);
    assert_true(p->probability[0]);
    assert_true(p->probability[1]);
    assert_false(p->probability[2]);
    sk_predictions_free(p);
}

/* A column whose name contains a comma is found by its whole name. */
static void test_score_name_with_comma(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("y", "p,1", NULL, NULL);
    sk_predictions *p = read_ok("y,\"p,1\"\n1,0.7\n0,0.4\n", &o);
    assert_int_equal(p->score_columns, 1);
    assert_string_equal(p->score_names[0], "p,1");
    sk_predictions_free(p);
}

/* ---- labels -------------------------------------------------------------- */

static void test_labels_minus_one_one(void **state)
{
    (void)state;
    /* The table reader drops the single quotes around '-1'. */
    sk_predictions *p = read_ok("y,p\n'-1',0.2\n1,0.9\n-1,0.1\n-1,0.4\n", NULL);
    const unsigned char y[] = { 0, 1, 0, 0 };
    const double s[] = { 0.2, 0.9, 0.1, 0.4 };
    assert_labels(p, y, 4);
    assert_scores(p, 0, s, 4, 0.0);
    assert_string_equal(p->positive_label, "1");
    assert_string_equal(p->negative_label, "-1");
    assert_string_equal(p->score_of_label, "1");
    assert_false(p->flipped);
    sk_predictions_free(p);
}

static void test_labels_yes_no(void **state)
{
    (void)state;
    sk_predictions *p = read_ok("p,y\n0.6,yes\n0.3,no\n0.2,no\n", NULL);
    const unsigned char y[] = { 1, 0, 0 };
    assert_labels(p, y, 3);
    assert_string_equal(p->positive_label, "yes");
    assert_string_equal(p->score_of_label, "yes");
    assert_false(p->flipped);
    sk_predictions_free(p);
}

/* The larger label is numeric for numbers: 10 > 2 although "10" < "2". */
static void test_labels_numeric_order(void **state)
{
    (void)state;
    sk_predictions *p = read_ok("y,p\n2,0.5\n10,0.4\n2,0.3\n10,0.8\n", NULL);
    /* A tie in counts picks the larger label as the positive class. */
    assert_string_equal(p->positive_label, "10");
    assert_string_equal(p->score_of_label, "10");
    assert_false(p->flipped);
    const unsigned char y[] = { 0, 1, 0, 1 };
    assert_labels(p, y, 4);
    sk_predictions_free(p);

    p = read_ok("y,p\n1,0.5\n2,0.4\n1,0.3\n", NULL);
    assert_string_equal(p->positive_label, "2");
    assert_string_equal(p->negative_label, "1");
    assert_false(p->flipped);
    sk_predictions_free(p);
}

/* String labels: "dog" is the larger, so the scores are P(dog); the
 * minority is "cat", so the probabilities become 1 - p. */
static void test_labels_strings_flip(void **state)
{
    (void)state;
    sk_predictions *p = read_ok("animal,p\ncat,0.25\ndog,0.75\ndog,0.5\ndog,1\n", NULL);
    assert_string_equal(p->positive_label, "cat");
    assert_string_equal(p->negative_label, "dog");
    assert_string_equal(p->score_of_label, "dog");
    assert_true(p->flipped);
    assert_true(p->probability[0]);
    const unsigned char y[] = { 1, 0, 0, 0 };
    const double s[] = { 0.75, 0.25, 0.5, 0.0 };
    assert_labels(p, y, 4);
    assert_scores(p, 0, s, 4, FLIP_TOLERANCE);
    const char *notice = find_notice(p, "1 - p");
    assert_non_null(notice);
    assert_contains(notice, "'dog'");
    assert_contains(notice, "'cat'");
    assert_contains(notice, "the minority class");
    sk_predictions_free(p);
}

static void test_positive_majority(void **state)
{
    (void)state;
    sk_predictions_options o = make_options(NULL, NULL, NULL, "0");
    sk_predictions *p = read_ok("y,p\n0,0.1\n1,0.8\n0,0.3\n0,0.2\n", &o);
    assert_string_equal(p->positive_label, "0");
    assert_string_equal(p->negative_label, "1");
    assert_true(p->flipped);
    const unsigned char y[] = { 1, 0, 1, 1 };
    const double s[] = { 0.9, 0.2, 0.7, 0.8 };
    assert_labels(p, y, 4);
    assert_scores(p, 0, s, 4, FLIP_TOLERANCE);
    const char *notice = find_notice(p, "1 - p");
    assert_non_null(notice);
    assert_contains(notice, "(--positive)");
    sk_predictions_free(p);
}

/* --score-of names the class the scores are for: the minority "1" is the
 * positive class, so scores of "0" are turned around, per column kind. */
static void test_score_of_flips(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("y", "p,margin", "0", NULL);
    sk_predictions *p = read_ok("y,p,margin\n0,0.9,2.5\n1,0.2,-1.5\n0,0.6,0\n0,1,-0.25\n", &o);
    assert_string_equal(p->positive_label, "1");
    assert_string_equal(p->score_of_label, "0");
    assert_true(p->flipped);
    assert_true(p->probability[0]);
    assert_false(p->probability[1]);
    const double probability[] = { 0.1, 0.8, 0.4, 0.0 };
    const double margin[] = { -2.5, 1.5, 0.0, 0.25 };
    assert_scores(p, 0, probability, 4, FLIP_TOLERANCE);
    assert_scores(p, 1, margin, 4, 0.0);
    assert_false(signbit(p->scores[1][2])); /* a zero margin stays +0 */

    const char *notice = find_notice(p, "(--score-of)");
    assert_non_null(notice);
    assert_contains(notice, "the probabilities in 'p' were turned into 1 - p");
    assert_contains(notice, "the scores in 'margin'");
    assert_contains(notice, "changed sign");
    sk_predictions_free(p);
}

/* --score-of the positive class leaves the scores alone. */
static void test_score_of_positive_keeps(void **state)
{
    (void)state;
    sk_predictions_options o = make_options(NULL, NULL, "yes", "yes");
    sk_predictions *p = read_ok("y,p\nyes,0.9\nno,0.2\nyes,0.6\nyes,0.7\n", &o);
    assert_false(p->flipped);
    const double s[] = { 0.9, 0.2, 0.6, 0.7 };
    assert_scores(p, 0, s, 4, 0.0);
    assert_null(find_notice(p, "1 - p"));
    sk_predictions_free(p);
}

static void test_margins_change_sign(void **state)
{
    (void)state;
    sk_predictions_options o = make_options(NULL, NULL, NULL, "0");
    sk_predictions *p = read_ok("y,logit\n0,-3.5\n1,2\n0,0.5\n", &o);
    assert_false(p->probability[0]);
    assert_true(p->flipped);
    const double s[] = { 3.5, -2, -0.5 };
    assert_scores(p, 0, s, 3, 0.0);
    const char *notice = find_notice(p, "changed sign");
    assert_non_null(notice);
    assert_null(strstr(notice, "1 - p"));
    sk_predictions_free(p);
}

/* Scores outside [0, 1] anywhere in a column make it a margin column; the
 * bounds themselves are probabilities. */
static void test_probability_flag(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("y", "a,b,c", NULL, NULL);
    sk_predictions *p = read_ok("y,a,b,c\n1,0,1.0000001,-0.0\n0,1,0.5,1\n0,0.5,0.2,0.3\n", &o);
    assert_true(p->probability[0]);
    assert_false(p->probability[1]);
    assert_true(p->probability[2]);
    sk_predictions_free(p);
}

static void test_positive_matching(void **state)
{
    (void)state;
    /* Quoted, as a shell user might type it. */
    sk_predictions_options o = make_options(NULL, NULL, NULL, "'-1'");
    sk_predictions *p = read_ok("y,p\n-1,0.2\n1,0.9\n1,0.7\n", &o);
    assert_string_equal(p->positive_label, "-1");
    sk_predictions_free(p);

    /* Case: pandas writes True and False. */
    o = make_options(NULL, NULL, NULL, "true");
    p = read_ok("y,p\nTrue,0.2\nFalse,0.9\nTrue,0.7\n", &o);
    assert_string_equal(p->positive_label, "True");
    assert_string_equal(p->score_of_label, "True");
    sk_predictions_free(p);

    /* Numeric value: 1 names the label 1.0. */
    o = make_options(NULL, NULL, "0", "1");
    p = read_ok("y,p\n1.0,0.2\n0.0,0.9\n0.0,0.7\n", &o);
    assert_string_equal(p->positive_label, "1.0");
    assert_string_equal(p->score_of_label, "0.0");
    assert_true(p->flipped);
    sk_predictions_free(p);
}

static void test_one_vs_rest(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("y", "p", NULL, "2");
    sk_predictions *p = read_ok("y,p\n0,0.1\n1,0.2\n2,0.9\n1,0.3\n2,0.6\n0,0.2\n", &o);
    assert_true(p->one_vs_rest);
    assert_int_equal(p->classes, 3);
    assert_string_equal(p->positive_label, "2");
    assert_string_equal(p->negative_label, "not 2");
    assert_string_equal(p->score_of_label, "2");
    assert_false(p->flipped);
    const unsigned char y[] = { 0, 0, 1, 0, 1, 0 };
    const double s[] = { 0.1, 0.2, 0.9, 0.3, 0.6, 0.2 };
    assert_labels(p, y, 6);
    assert_scores(p, 0, s, 6, 0.0);
    const char *notice = find_notice(p, "3 classes");
    assert_non_null(notice);
    assert_contains(notice, "'0' (2 rows), '1' (2 rows), '2' (2 rows)");
    assert_contains(notice, "merged into 'not 2'");
    sk_predictions_free(p);
}

/* ---- errors -------------------------------------------------------------- */

static void test_error_no_such_column(void **state)
{
    (void)state;
    sk_error err;
    sk_predictions_options o = make_options("label", "p", NULL, NULL);
    read_rejected("y,p\n1,0.5\n0,0.2\n", &o, &err);
    assert_contains(err.message, "'label' not found");
    assert_contains(err.message, "'y', 'p'");

    o = make_options("y", "p,q", NULL, NULL);
    read_rejected("y,p\n1,0.5\n0,0.2\n", &o, &err);
    assert_contains(err.message, "'q' not found");

    o = make_options("y", "5", NULL, NULL);
    read_rejected("y,p\n1,0.5\n0,0.2\n", &o, &err);
    assert_contains(err.message, "index 5 is out of range");
}

static void test_error_column_given_twice(void **state)
{
    (void)state;
    sk_error err;
    sk_predictions_options o = make_options("y", "p,y", NULL, NULL);
    read_rejected("y,p\n1,0.5\n0,0.2\n", &o, &err);
    assert_contains(err.message, "'y' is given both as the label");

    o = make_options("y", "p,2", NULL, NULL);
    read_rejected("y,p\n1,0.5\n0,0.2\n", &o, &err);
    assert_contains(err.message, "'p' is given twice in --score 'p,2'");

    o = make_options("y", "p,,q", NULL, NULL);
    read_rejected("y,p,q\n1,0.5,1\n0,0.2,1\n", &o, &err);
    assert_contains(err.message, "'p,,q' contains an empty column name");
}

static void test_error_columns_not_detected(void **state)
{
    (void)state;
    sk_error err;
    read_rejected("id,y,p,q\n1,1,0.5,0.4\n2,0,0.2,0.1\n", NULL, &err);
    assert_contains(err.message, "has 4 columns ('id', 'y', 'p', 'q')");
    assert_contains(err.message, "--label COL --score COL");

    read_rejected("p\n0.5\n0.2\n", NULL, &err);
    assert_contains(err.message, "one column only ('p')");

    /* Both columns contain two numbers, so either could be the label. */
    read_rejected("y,pred\n1,1\n0,0\n0,1\n", NULL, &err);
    assert_contains(err.message, "'y' and 'pred'");
    assert_contains(err.message, "either could be the label");

    /* Neither column contains exactly two values. */
    read_rejected("a,b\n1,0.5\n2,0.2\n3,0.1\n", NULL, &err);
    assert_contains(err.message, "Neither column");
    assert_contains(err.message, "--label COL --score COL");

    /* Two text columns: no score. */
    read_rejected("a,b\nx,u\ny,v\n", NULL, &err);
    assert_contains(err.message, "Neither column");

    /* Only --label, with two other columns to choose from. */
    sk_predictions_options o = make_options("y", NULL, NULL, NULL);
    read_rejected("id,y,p\n1,1,0.5\n2,0,0.2\n", &o, &err);
    assert_contains(err.message, "has 3 columns ('id', 'y', 'p')");
}

static void test_error_one_class(void **state)
{
    (void)state;
    sk_error err;
    read_rejected("y,p\n1,0.5\n1,0.2\n1,0.3\n", NULL, &err);
    assert_contains(err.message, "one class only ('1' (3 rows))");
    assert_contains(err.message, "inspect needs rows of both classes");

    sk_predictions_options o = make_options("y", "p", NULL, NULL);
    read_rejected("y,p\nyes,0.5\nyes,0.2\n", &o, &err);
    assert_contains(err.message, "one class only ('yes' (2 rows))");
}

static void test_error_three_classes(void **state)
{
    (void)state;
    sk_error err;
    sk_predictions_options o = make_options("y", "p", NULL, NULL);
    read_rejected("y,p\na,0.5\nb,0.2\nc,0.1\nb,0.3\n", &o, &err);
    assert_contains(err.message, "3 classes: 'a' (1 row), 'b' (2 rows), 'c' (1 row)");
    assert_contains(err.message, "--positive LABEL");
}

static void test_error_unknown_classes(void **state)
{
    (void)state;
    sk_error err;
    sk_predictions_options o = make_options(NULL, NULL, NULL, "maybe");
    read_rejected("y,p\nyes,0.5\nno,0.2\n", &o, &err);
    assert_contains(err.message, "positive class 'maybe' is not a label of column 'y'");
    assert_contains(err.message, "'no' (1 row), 'yes' (1 row)");

    o = make_options(NULL, NULL, "2", NULL);
    read_rejected("y,p\n0,0.5\n1,0.2\n0,0.1\n", &o, &err);
    assert_contains(err.message, "--score-of '2' is not a label of column 'y'");

    /* One-vs-rest scores must be for the positive class. */
    o = make_options("y", "p", "1", "2");
    read_rejected("y,p\n0,0.5\n1,0.2\n2,0.1\n", &o, &err);
    assert_contains(err.message, "--score-of '1' is not the positive class '2'");
}

static void test_error_too_many_classes(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i <= 65536; i++)
        fprintf(fp, "%d,0.5\n", i);
    assert_int_equal(fclose(fp), 0);

    sk_error err;
    sk_predictions_options o = make_options("y", "p", NULL, "1");
    read_rejected(text, &o, &err);
    free(text);
    assert_contains(err.message, "has more than 65536 distinct labels");
}

static void test_error_text_score(void **state)
{
    (void)state;
    sk_error err;
    read_rejected("y,p\n1,0.5\n0,0.2\n0,abc\n", NULL, &err);
    assert_contains(err.message, "Score 'abc' in column 'p'");
    assert_contains(err.message, "line 4 of '");
    assert_contains(err.message, "is not a number");

    /* A blank line and a quoted line break move the line number. */
    sk_predictions_options o = make_options("y", "p", NULL, NULL);
    read_rejected("y,p,note\n1,0.5,\"two\nlines\"\n\n0,low,x\n", &o, &err);
    assert_contains(err.message, "Score 'low'");
    assert_contains(err.message, "line 5 of '");

    /* A long value is cut in the message. */
    char line[300] = "y,p\n1,0.5\n0,";
    size_t used = strlen(line);
    memset(line + used, 'x', 200);
    strcpy(line + used + 200, "\n");
    read_rejected(line, &o, &err);
    assert_contains(err.message, "xxx...'");
}

static void test_error_missing_score(void **state)
{
    (void)state;
    const char *markers[] = { "", "NaN", "nan", "NA", "?" };
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "y,p\n1,0.5\n0,0.2\n0,%s\n", markers[i]);
        sk_error err;
        sk_predictions_options o = make_options("y", "p", NULL, NULL);
        read_rejected(text, &o, &err);
        assert_contains(err.message, "Missing score in column 'p' at line 4");
    }
}

static void test_error_infinite_score(void **state)
{
    (void)state;
    const char *values[] = { "inf", "-Infinity", "1e999" };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "y,p\n1,0.5\n0,%s\n0,0.1\n", values[i]);
        sk_error err;
        sk_predictions_options o = make_options("y", "p", NULL, NULL);
        read_rejected(text, &o, &err);
        char expected[64];
        snprintf(expected, sizeof expected, "Score '%s'", values[i]);
        assert_contains(err.message, expected);
        assert_contains(err.message, "line 3");
        assert_contains(err.message, "is infinite");
    }
}

static void test_error_missing_label(void **state)
{
    (void)state;
    sk_error err;
    read_rejected("y,p\n1,0.5\n0,0.2\nNA,0.3\n", NULL, &err);
    assert_contains(err.message, "Missing label in column 'y' at line 4");

    read_rejected("y,p\n1,0.5\n,0.2\n0,0.3\n", NULL, &err);
    assert_contains(err.message, "Missing label in column 'y' at line 3");
}

static void test_error_empty_files(void **state)
{
    (void)state;
    sk_error err;
    read_rejected("", NULL, &err);
    assert_contains(err.message, "is empty");

    read_rejected("y,p\n", NULL, &err);
    assert_contains(err.message, "no data rows");

    sk_predictions *p = NULL;
    assert_int_equal(sk_predictions_read("/nonexistent/pred.csv", NULL, &p, &err),
                     SK_ERR_INPUT);
    assert_null(p);
    assert_contains(err.message, "/nonexistent/pred.csv");
}

/* sk_predictions_from_table without a source name still gives the line. */
static void test_from_table_without_source(void **state)
{
    (void)state;
    sk_table *table = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_table_read(write_fixture("y,p\n1,0.5\n0,0.2\n0,x\n"), NULL, &table, &err),
                     SK_OK);
    sk_predictions *p = NULL;
    assert_int_equal(sk_predictions_from_table(table, NULL, NULL, &p, &err), SK_ERR_INPUT);
    assert_null(p);
    assert_contains(err.message, "Score 'x' in column 'p' at line 4 is not a number");
    sk_table_free(table);
    sk_predictions_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_label_first),
        cmocka_unit_test(test_auto_score_first),
        cmocka_unit_test(test_auto_two_valued_score),
        cmocka_unit_test(test_auto_without_header),
        cmocka_unit_test(test_columns_by_name),
        cmocka_unit_test(test_columns_by_index),
        cmocka_unit_test(test_columns_one_given),
        cmocka_unit_test(test_standard_input),
        cmocka_unit_test(test_standard_input_error),
        cmocka_unit_test(test_several_score_columns),
        cmocka_unit_test(test_score_name_with_comma),
        cmocka_unit_test(test_labels_minus_one_one),
        cmocka_unit_test(test_labels_yes_no),
        cmocka_unit_test(test_labels_numeric_order),
        cmocka_unit_test(test_labels_strings_flip),
        cmocka_unit_test(test_positive_majority),
        cmocka_unit_test(test_score_of_flips),
        cmocka_unit_test(test_score_of_positive_keeps),
        cmocka_unit_test(test_margins_change_sign),
        cmocka_unit_test(test_probability_flag),
        cmocka_unit_test(test_positive_matching),
        cmocka_unit_test(test_one_vs_rest),
        cmocka_unit_test(test_error_no_such_column),
        cmocka_unit_test(test_error_column_given_twice),
        cmocka_unit_test(test_error_columns_not_detected),
        cmocka_unit_test(test_error_one_class),
        cmocka_unit_test(test_error_three_classes),
        cmocka_unit_test(test_error_unknown_classes),
        cmocka_unit_test(test_error_too_many_classes),
        cmocka_unit_test(test_error_text_score),
        cmocka_unit_test(test_error_missing_score),
        cmocka_unit_test(test_error_infinite_score),
        cmocka_unit_test(test_error_missing_label),
        cmocka_unit_test(test_error_empty_files),
        cmocka_unit_test(test_from_table_without_source),
    };
    return cmocka_run_group_tests(tests, make_fixture_dir, remove_fixture_dir);
}
