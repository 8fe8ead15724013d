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

/* Returns how many times needle occurs in haystack. */
static size_t count_occurrences(const char *haystack, const char *needle)
{
    size_t count = 0;
    for (const char *at = strstr(haystack, needle); at != NULL;
         at = strstr(at + strlen(needle), needle))
        count++;
    return count;
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

/* --positive picks the label column of a two-column file when the
 * two-value rule does not, with the rules of --positive matching. */
static void test_auto_positive_picks_label(void **state)
{
    (void)state;
    sk_predictions_options o = make_options(NULL, NULL, NULL, "b");
    sk_predictions *p = read_ok("label,score\na,0.1\nb,0.8\nc,0.3\nb,0.6\n", &o);
    assert_string_equal(p->label_name, "label");
    assert_string_equal(p->score_names[0], "score");
    assert_true(p->one_vs_rest);
    assert_int_equal(p->classes, 3);
    assert_string_equal(p->positive_label, "b");
    assert_string_equal(p->negative_label, "not b");
    const unsigned char y[] = { 0, 1, 0, 1 };
    assert_labels(p, y, 4);
    const char *notice = find_notice(p, "was read as the label");
    assert_non_null(notice);
    assert_contains(notice, "Column 'label' was read as the label because it contains the "
                            "--positive class, and column 'score' as the score");
    assert_non_null(find_notice(p, "merged into 'not b'"));
    sk_predictions_free(p);

    /* Score column first; the class named ignoring case. */
    o = make_options(NULL, NULL, NULL, "B");
    p = read_ok("score,label\n0.1,a\n0.8,b\n0.3,c\n", &o);
    assert_string_equal(p->label_name, "label");
    assert_string_equal(p->positive_label, "b");
    sk_predictions_free(p);

    /* In single quotes, and as a number ("2.0" names "2"). */
    o = make_options(NULL, NULL, NULL, "'c'");
    p = read_ok("label,score\na,0.1\nb,0.8\nc,0.3\n", &o);
    assert_string_equal(p->positive_label, "c");
    sk_predictions_free(p);
    o = make_options(NULL, NULL, NULL, "2.0");
    p = read_ok("y,margin\n0,-1.5\n1,0.5\n2,3.25\n2,1.75\n", &o);
    assert_string_equal(p->label_name, "y");
    assert_string_equal(p->positive_label, "2");
    assert_int_equal(p->positives, 2);
    sk_predictions_free(p);

    /* Both columns have two numbers; only one contains the class. */
    o = make_options(NULL, NULL, NULL, "2");
    p = read_ok("y,pred\n1,0\n2,1\n1,1\n2,0\n", &o);
    assert_string_equal(p->label_name, "y");
    assert_false(p->one_vs_rest);
    const unsigned char y2[] = { 0, 1, 0, 1 };
    assert_labels(p, y2, 4);
    sk_predictions_free(p);

    /* Two values beside a numeric column still win over --positive. */
    o = make_options(NULL, NULL, NULL, "1");
    p = read_ok("y,p\n0,0.1\n1,1\n0,0.3\n", &o);
    assert_string_equal(p->label_name, "y");
    assert_string_equal(p->positive_label, "1");
    assert_null(find_notice(p, "--positive class"));
    sk_predictions_free(p);
}

/* When --positive does not single out one column, the detection errors
 * state that it was taken into account. */
static void test_auto_positive_errors(void **state)
{
    (void)state;
    sk_error err;
    sk_predictions_options o = make_options(NULL, NULL, NULL, "z");
    read_rejected("label,score\na,0.1\nb,0.8\nc,0.3\n", &o, &err);
    assert_contains(err.message, "Neither column");
    assert_contains(err.message, "The --positive class 'z' was taken into account, but no "
                                 "column contains it beside a numeric column.");
    assert_contains(err.message, "--label COL --score COL");

    /* Both numeric columns contain 2. */
    o = make_options(NULL, NULL, NULL, "2");
    read_rejected("a,b\n1,2\n2,1\n3,5\n", &o, &err);
    assert_contains(err.message, "Neither column");
    assert_contains(err.message, "but both columns contain it and are numeric");

    o = make_options(NULL, NULL, NULL, "1");
    read_rejected("y,pred\n1,1\n0,0\n0,1\n", &o, &err);
    assert_contains(err.message, "either could be the label");
    assert_contains(err.message, "The --positive class '1' was taken into account");

    /* Ignoring case, "yes" matches both "Yes" and "YES", so match_label()
     * finds no class and neither does detection. */
    o = make_options(NULL, NULL, NULL, "yes");
    read_rejected("y,p\nYes,0.1\nYES,0.8\nno,0.3\n", &o, &err);
    assert_contains(err.message, "no column contains it");

    /* Two text columns without --positive: no mention of --positive. */
    read_rejected("a,b\nx,u\ny,v\nz,w\n", NULL, &err);
    assert_contains(err.message, "Neither column");
    assert_null(strstr(err.message, "--positive"));
}

/* A text column of three or more values beside a numeric column is a
 * multi-class label: the message points to --positive, not to --label. */
static void test_auto_multiclass_label(void **state)
{
    (void)state;
    sk_error err;
    read_rejected("label,score\na,0.1\nb,0.8\nc,0.3\na,0.4\n", NULL, &err);
    assert_contains(err.message, "Column 'label' of the prediction file '");
    assert_contains(err.message, "more than two distinct values ('a', 'b' and 'c')");
    assert_contains(err.message, "a label with more than two classes");
    assert_contains(err.message, "Column 'score' beside it is numeric");
    assert_contains(err.message, "--positive LABEL");
    assert_contains(err.message, "one-vs-rest");
    assert_null(strstr(err.message, "Neither column"));

    /* Score first, more values than are listed. */
    read_rejected("p,y\n0.1,cat\n0.8,dog\n0.3,cow\n0.4,emu\n", NULL, &err);
    assert_contains(err.message, "Column 'y' of");
    assert_contains(err.message, "('cat', 'dog', 'cow' and others)");
    assert_contains(err.message, "Column 'p' beside it is numeric");

    /* The suggested --positive reads the file one-vs-rest. */
    sk_predictions_options o = make_options(NULL, NULL, NULL, "dog");
    sk_predictions *p = read_ok("p,y\n0.1,cat\n0.8,dog\n0.3,cow\n0.4,emu\n", &o);
    assert_string_equal(p->label_name, "y");
    assert_int_equal(p->positives, 1);
    sk_predictions_free(p);

    /* Numeric labels with three values beside numeric scores stay ambiguous. */
    read_rejected("y,p\n0,0.1\n1,0.8\n2,0.3\n", NULL, &err);
    assert_contains(err.message, "Neither column");
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

/* The flip notice joins a few score columns with "and", and cuts a long
 * list after a whole name with "and N more". */
static void test_flip_notice_lists(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("y", "a,b,c", "0", NULL);
    sk_predictions *p = read_ok("y,a,b,c\n0,0.9,0.8,0.7\n1,0.2,0.1,0.3\n0,0.6,0.5,0.4\n", &o);
    assert_non_null(find_notice(p, "the probabilities in 'a', 'b' and 'c' were turned into"));
    sk_predictions_free(p);

    char *text = NULL;
    size_t len = 0;
    char *scores = NULL;
    size_t scores_len = 0;
    FILE *fp = open_memstream(&text, &len);
    FILE *names = open_memstream(&scores, &scores_len);
    assert_non_null(fp);
    assert_non_null(names);
    fprintf(fp, "y");
    for (int i = 0; i < 20; i++) {
        fprintf(fp, ",model_%02d_probability_of_default_v2", i);
        fprintf(names, "%smodel_%02d_probability_of_default_v2", i == 0 ? "" : ",", i);
    }
    fprintf(fp, "\n");
    for (int row = 0; row < 3; row++) {
        fprintf(fp, "%d", row == 1);
        for (int i = 0; i < 20; i++)
            fprintf(fp, ",0.%d", row + 2);
        fprintf(fp, "\n");
    }
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(fclose(names), 0);
    o = make_options("y", scores, "0", NULL);
    p = read_ok(text, &o);
    free(text);
    free(scores);
    const char *notice = find_notice(p, "were turned into 1 - p");
    assert_non_null(notice);
    size_t listed = count_occurrences(notice, "_default_v2'");
    assert_true(listed >= 1 && listed < 20);
    char ending[64];
    snprintf(ending, sizeof ending, "_default_v2' and %zu more were turned into", 20 - listed);
    assert_contains(notice, ending);
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

/* Labels too long to list whole: the list ends in " and N more", where N
 * is what the listed items leave out, and never in part of a label. */
static void test_error_label_list_cut(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i < 30; i++)
        fprintf(fp, "class-%02d-with-a-long-descriptive-name-xxxxxxxxxx,0.5\n", i);
    assert_int_equal(fclose(fp), 0);

    sk_error err;
    sk_predictions_options o = make_options("y", "p", NULL, NULL);
    read_rejected(text, &o, &err);
    free(text);
    assert_contains(err.message, "Column 'y' has 30 classes: 'class-00-");
    size_t listed = count_occurrences(err.message, "-xxxxxxxxxx' (1 row)");
    assert_true(listed >= 1 && listed < 30);
    char ending[64];
    snprintf(ending, sizeof ending, "(1 row) and %zu more. Pick the class", 30 - listed);
    assert_contains(err.message, ending);
}

/* Column names too long to list whole end the same way. */
static void test_error_column_list_cut(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    for (int i = 0; i < 25; i++)
        fprintf(fp, "%sfeature_%02d_with_a_long_name_from_a_wide_export", i == 0 ? "" : ",", i);
    fprintf(fp, "\n");
    for (int i = 0; i < 25; i++)
        fprintf(fp, "%s%d", i == 0 ? "" : ",", i % 2);
    fprintf(fp, "\n");
    assert_int_equal(fclose(fp), 0);

    sk_error err;
    sk_predictions_options o = make_options("nope", "feature_01_with_a_long_name_from_a_wide_export",
                                            NULL, NULL);
    read_rejected(text, &o, &err);
    free(text);
    assert_contains(err.message, "Column 'nope' not found. The columns are: 'feature_00_");
    size_t listed = count_occurrences(err.message, "_wide_export'");
    assert_true(listed >= 1 && listed < 20);
    char ending[64];
    snprintf(ending, sizeof ending, "_wide_export' and %zu more. Give one", 25 - listed);
    assert_contains(err.message, ending);
}

/* Labels and scores swapped: a label column of many numbers with fractions
 * is called scores, and the two-valued score column is named as the label. */
static void test_error_labels_look_like_scores(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "label,score\n");
    for (int i = 0; i < 2000; i++)
        fprintf(fp, "%d,%.17f\n", i % 7 == 0, (double)(i * 7919 % 2000) / 2003.0);
    assert_int_equal(fclose(fp), 0);

    sk_error err;
    sk_predictions_options o = make_options("score", "label", NULL, NULL);
    read_rejected(text, &o, &err);
    assert_contains(err.message, "Column 'score' looks like scores rather than labels: its "
                                 "2000 distinct values are all numbers, some with a "
                                 "fractional part: '0.00000000000000000' (1 row), ");
    size_t listed = count_occurrences(err.message, "(1 row)");
    char ending[200];
    snprintf(ending, sizeof ending,
             "(1 row) and %zu more. Column 'label' contains two values, 0 and 1, so it looks "
             "like the label: give --label label --score score.",
             2000 - listed);
    assert_contains(err.message, ending);
    assert_null(strstr(err.message, "--positive"));

    /* A --positive that is no value of the column gets the same advice. */
    o = make_options("score", "label", NULL, "1");
    read_rejected(text, &o, &err);
    assert_contains(err.message, "looks like scores rather than labels");
    assert_contains(err.message, "give --label label --score score.");
    free(text);

    /* Several score columns: the label column takes the place of the
     * two-valued one, and a name with a space is quoted for the shell. */
    fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "p,true label,q\n");
    for (int i = 0; i < 40; i++)
        fprintf(fp, "%.3f,%d,%.3f\n", (double)i / 40.0 + 0.001, i % 3 == 0, (double)i / 80.0);
    assert_int_equal(fclose(fp), 0);
    o = make_options("p", "true label,q", NULL, NULL);
    read_rejected(text, &o, &err);
    free(text);
    assert_contains(err.message, "Column 'p' looks like scores rather than labels: its 40 ");
    assert_contains(err.message, "Column 'true label' contains two values, 0 and 1, so it "
                                 "looks like the label: give --label 'true label' --score p,q.");

    /* No score column has two values: the general advice. */
    o = make_options("p", "q", NULL, NULL);
    read_rejected("p,q\n0.01,0.1\n0.02,0.2\n0.03,0.3\n0.04,0.4\n0.05,0.5\n0.06,0.6\n"
                  "0.07,0.7\n0.08,0.8\n0.09,0.9\n0.10,0.1\n0.11,0.2\n0.12,0.3\n0.13,0.4\n"
                  "0.14,0.5\n0.15,0.6\n0.16,0.7\n0.17,0.8\n0.18,0.9\n0.19,0.1\n0.20,0.2\n"
                  "0.21,0.3\n",
                  &o, &err);
    assert_contains(err.message, "Column 'p' looks like scores rather than labels: its 21 ");
    assert_contains(err.message, "Give the column of true labels with --label COL and the "
                                 "score columns with --score COL.");
}

/* Whole numbers that give most rows a value of their own look like scores
 * or ids.  A few whole-number classes with many rows each stay classes. */
static void test_error_labels_look_like_ids(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "id,y\n");
    for (int i = 0; i < 30; i++)
        fprintf(fp, "%d,%d\n", 1000 + i, i % 2);
    assert_int_equal(fclose(fp), 0);
    sk_error err;
    sk_predictions_options o = make_options("id", "y", NULL, NULL);
    read_rejected(text, &o, &err);
    free(text);
    assert_contains(err.message, "Column 'id' looks like scores or ids rather than labels: "
                                 "its 30 distinct values are all numbers, more than half as "
                                 "many as the 30 rows: '1000' (1 row), ");
    assert_contains(err.message, "give --label y --score id.");

    /* 25 whole-number classes of 4 rows each: genuine classes. */
    fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i < 100; i++)
        fprintf(fp, "%d,%.2f\n", i % 25, (double)(i % 10) / 10.0);
    assert_int_equal(fclose(fp), 0);
    o = make_options("y", "p", NULL, NULL);
    read_rejected(text, &o, &err);
    assert_contains(err.message, "Column 'y' has 25 classes: '0' (4 rows), ");
    assert_contains(err.message, "--positive LABEL");
    free(text);

    /* Text classes keep the one-vs-rest message. */
    fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i < 30; i++)
        fprintf(fp, "c%d,%.2f\n", i, (double)(i % 10) / 10.0);
    assert_int_equal(fclose(fp), 0);
    read_rejected(text, &o, &err);
    free(text);
    assert_contains(err.message, "Column 'y' has 30 classes: ");
    assert_contains(err.message, "--positive LABEL");

    /* A --positive that names one of the values requests one-vs-rest. */
    fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i < 30; i++)
        fprintf(fp, "%d.5,%.2f\n", i, (double)(i % 10) / 10.0);
    assert_int_equal(fclose(fp), 0);
    o = make_options("y", "p", NULL, "3.5");
    sk_predictions *p = read_ok(text, &o);
    free(text);
    assert_true(p->one_vs_rest);
    assert_int_equal(p->classes, 30);
    assert_int_equal(p->positives, 1);
    sk_predictions_free(p);
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
    assert_contains(err.message, "Give the column of true labels with --label COL");

    /* Swapped columns: the two-valued score column is named as the label. */
    fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i <= 65536; i++)
        fprintf(fp, "%.6f,%d\n", (double)i / 65537.0, i % 2);
    assert_int_equal(fclose(fp), 0);
    read_rejected(text, &o, &err);
    free(text);
    assert_contains(err.message, "has more than 65536 distinct labels");
    assert_contains(err.message, "Column 'p' contains two values, 0 and 1, so it looks like "
                                 "the label: give --label p --score y.");
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

static void test_error_directory(void **state)
{
    (void)state;
    sk_predictions *p = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_predictions_read(fixture_dir, NULL, &p, &err), SK_ERR_INPUT);
    assert_null(p);
    assert_contains(err.message, fixture_dir);
    assert_contains(err.message, "is a directory, not a CSV file");
    assert_contains(err.message, "Give the path of a CSV file");
    assert_null(strstr(err.message, "after line"));
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

/* ---- streaming reader --------------------------------------------------- */

/* Relative agreement of sums computed in another order (binned mode sums
 * per label, exact mode over rows): a few roundings of 1e-16 each. */
#define SUM_RELATIVE 1e-12

/* Slack on top of a stated error bound: the bound and both areas are
 * computed in floating point, each to within about 1e-15. */
#define BOUND_SLACK 1e-12

/* Maximum time a test waits for the reader thread to show progress.  It is
 * generous, so that only a broken reader fails it, not a loaded machine. */
#define PROGRESS_WAIT_SECONDS 60

/* Returns the path of a new file of the fixture directory (removed with
 * it), in a static buffer valid until the next call. */
static const char *next_fixture_path(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/f%d.csv", fixture_dir, fixture_serial++);
    return path;
}

/* Streams path, which must be accepted. */
static sk_predictions *stream_ok(const char *path, const sk_predictions_options *options,
                                 sk_read_progress *progress)
{
    sk_predictions *p = NULL;
    sk_error err = { "" };
    sk_status status = sk_predictions_stream(path, options, progress, &p, &err);
    if (status != SK_OK)
        fail_msg("streaming %s failed (status %d): %s", path, (int)status, err.message);
    return p;
}

/* A fixture of the tests above, read by both front ends. */
typedef struct {
    const char *content;
    const char *label, *scores, *score_of, *positive;
} parity_case;

static const parity_case parity_cases[] = {
    { "y,p\n0,0.1\n1,0.8\n0,0.3\n0,0.2\n", NULL, NULL, NULL, NULL },
    { "prob,truth\n0.1,no\n0.8,yes\n0.3,no\n", NULL, NULL, NULL, NULL },
    { "truth,pred\nno,0\nyes,1\nno,0\nno,1\n", NULL, NULL, NULL, NULL },
    { "0.9,1\n0.2,0\n0.4,0\n", NULL, NULL, NULL, NULL },
    { "id,y,p,q\n7,1,0.5,0.9\n8,0,0.6,0.2\n9,0,0.1,0.3\n", "y", "q", NULL, NULL },
    { "id,y,p,q\n7,1,0.5,0.9\n8,0,0.6,0.2\n9,0,0.1,0.3\n", "2", "3", NULL, NULL },
    { "target,p\n1,0.5\n0,0.6\n0,0.1\n", "target", NULL, NULL, NULL },
    { "a,y,b\n0.5,1,2.0\n0.6,0,-1\n0.1,0,0.5\n", NULL, "a,b", NULL, NULL },
    { "y,svm,logreg,mlp\n1,1.5,0.9,0.8\n0,-0.5,0.2,0.3\n0,-2,0.4,0.1\n", "y",
      "logreg, mlp,svm", NULL, NULL },
    { "y,\"p,1\"\n1,0.7\n0,0.4\n", "y", "p,1", NULL, NULL },
    { "y,p\n'-1',0.2\n1,0.9\n-1,0.1\n-1,0.4\n", NULL, NULL, NULL, NULL },
    { "p,y\n0.6,yes\n0.3,no\n0.2,no\n", NULL, NULL, NULL, NULL },
    { "y,p\n2,0.5\n10,0.4\n2,0.3\n10,0.8\n", NULL, NULL, NULL, NULL },
    { "animal,p\ncat,0.25\ndog,0.75\ndog,0.5\ndog,1\n", NULL, NULL, NULL, NULL },
    { "y,p\n0,0.1\n1,0.8\n0,0.3\n0,0.2\n", NULL, NULL, NULL, "0" },
    { "y,p,margin\n0,0.9,2.5\n1,0.2,-1.5\n0,0.6,0\n0,1,-0.25\n", "y", "p,margin", "0", NULL },
    { "y,p\nyes,0.9\nno,0.2\nyes,0.6\nyes,0.7\n", NULL, NULL, "yes", "yes" },
    { "y,logit\n0,-3.5\n1,2\n0,0.5\n", NULL, NULL, NULL, "0" },
    { "y,a,b,c\n1,0,1.0000001,-0.0\n0,1,0.5,1\n0,0.5,0.2,0.3\n", "y", "a,b,c", NULL, NULL },
    { "y,p\n-1,0.2\n1,0.9\n1,0.7\n", NULL, NULL, NULL, "'-1'" },
    { "y,p\nTrue,0.2\nFalse,0.9\nTrue,0.7\n", NULL, NULL, NULL, "true" },
    { "y,p\n1.0,0.2\n0.0,0.9\n0.0,0.7\n", NULL, NULL, "0", "1" },
    { "y,p\n0,0.1\n1,0.2\n2,0.9\n1,0.3\n2,0.6\n0,0.2\n", "y", "p", NULL, "2" },
    { "label,score\na,0.1\nb,0.8\nc,0.3\nb,0.6\n", NULL, NULL, NULL, "b" },
    { "score,label\n0.1,a\n0.8,b\n0.3,c\n", NULL, NULL, NULL, "B" },
    { "y,pred\n1,0\n2,1\n1,1\n2,0\n", NULL, NULL, NULL, "2" },
    /* Rejected ones: both front ends give the same message. */
    { "y,p\n1,0.5\n0,0.2\n", "label", "p", NULL, NULL },
    { "y,p\n1,0.5\n0,0.2\n", "y", "p,q", NULL, NULL },
    { "y,p\n1,0.5\n0,0.2\n", "y", "5", NULL, NULL },
    { "y,p\n1,0.5\n0,0.2\n", "y", "p,y", NULL, NULL },
    { "y,p\n1,0.5\n0,0.2\n", "y", "p,2", NULL, NULL },
    { "y,p,q\n1,0.5,1\n0,0.2,1\n", "y", "p,,q", NULL, NULL },
    { "id,y,p,q\n1,1,0.5,0.4\n2,0,0.2,0.1\n", NULL, NULL, NULL, NULL },
    { "p\n0.5\n0.2\n", NULL, NULL, NULL, NULL },
    { "y,pred\n1,1\n0,0\n0,1\n", NULL, NULL, NULL, NULL },
    { "a,b\n1,0.5\n2,0.2\n3,0.1\n", NULL, NULL, NULL, NULL },
    { "a,b\nx,u\ny,v\n", NULL, NULL, NULL, NULL },
    { "id,y,p\n1,1,0.5\n2,0,0.2\n", "y", NULL, NULL, NULL },
    { "y,p\n1,0.5\n1,0.2\n1,0.3\n", NULL, NULL, NULL, NULL },
    { "y,p\na,0.5\nb,0.2\nc,0.1\nb,0.3\n", "y", "p", NULL, NULL },
    { "y,p\nyes,0.5\nno,0.2\n", NULL, NULL, NULL, "maybe" },
    { "y,p\n0,0.5\n1,0.2\n0,0.1\n", NULL, NULL, "2", NULL },
    { "y,p\n0,0.5\n1,0.2\n2,0.1\n", "y", "p", "1", "2" },
    { "y,p\n1,0.5\n0,0.2\n0,abc\n", NULL, NULL, NULL, NULL },
    { "y,p,note\n1,0.5,\"two\nlines\"\n\n0,low,x\n", "y", "p", NULL, NULL },
    { "y,p\n1,0.5\n0,0.2\n0,NaN\n", "y", "p", NULL, NULL },
    { "y,p\n1,0.5\n0,-Infinity\n0,0.1\n", "y", "p", NULL, NULL },
    { "y,p\n1,0.5\n0,0.2\nNA,0.3\n", NULL, NULL, NULL, NULL },
    { "y,p\n1,0.5\n,0.2\n0,0.3\n", NULL, NULL, NULL, NULL },
    { "label,score\na,0.1\nb,0.8\nc,0.3\n", NULL, NULL, NULL, "z" },
    { "a,b\n1,2\n2,1\n3,5\n", NULL, NULL, NULL, "2" },
    { "y,pred\n1,1\n0,0\n0,1\n", NULL, NULL, NULL, "1" },
    { "p,q\n0.01,0\n0.02,1\n0.03,0\n0.04,1\n0.05,0\n0.06,1\n0.07,0\n0.08,1\n0.09,0\n"
      "0.10,1\n0.11,0\n0.12,1\n0.13,0\n0.14,1\n0.15,0\n0.16,1\n0.17,0\n0.18,1\n0.19,0\n"
      "0.20,1\n0.21,0\n", "p", "q", NULL, NULL },
};

static void assert_same_strings(char *const *a, char *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_string_equal(a[i], b[i]);
}

/* Compares two accepted results field by field; scores bit for bit. */
static void assert_same_predictions(const sk_predictions *a, const sk_predictions *b)
{
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->positives, b->positives);
    assert_memory_equal(a->y, b->y, a->rows);
    assert_string_equal(a->label_name, b->label_name);
    assert_int_equal(a->classes, b->classes);
    assert_int_equal(a->score_columns, b->score_columns);
    assert_same_strings(a->score_names, b->score_names, a->score_columns);
    for (size_t i = 0; i < a->score_columns; i++) {
        assert_memory_equal(a->scores[i], b->scores[i], a->rows * sizeof(double));
        assert_int_equal(a->probability[i], b->probability[i]);
    }
    assert_string_equal(a->positive_label, b->positive_label);
    assert_string_equal(a->negative_label, b->negative_label);
    assert_string_equal(a->score_of_label, b->score_of_label);
    assert_int_equal(a->flipped, b->flipped);
    assert_int_equal(a->one_vs_rest, b->one_vs_rest);
    assert_int_equal(a->notice_count, b->notice_count);
    assert_same_strings(a->notices, b->notices, a->notice_count);
    assert_false(a->binned);
    assert_false(b->binned);
}

/* Every fixture above gives the same result, or the same message, from the
 * stream as from sk_table_read() and sk_predictions_from_table(). */
static void test_stream_matches_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof parity_cases / sizeof parity_cases[0]; c++) {
        const parity_case *pc = &parity_cases[c];
        sk_predictions_options o = make_options(pc->label, pc->scores, pc->score_of,
                                                pc->positive);
        const char *path = write_fixture(pc->content);

        sk_table *table = NULL;
        sk_error table_err = { "" };
        sk_predictions *from_table = NULL;
        sk_status table_status = sk_table_read(path, NULL, &table, &table_err);
        if (table_status == SK_OK)
            table_status = sk_predictions_from_table(table, path, &o, &from_table, &table_err);
        sk_table_free(table);

        sk_error stream_err = { "" };
        sk_predictions *streamed = NULL;
        sk_status stream_status = sk_predictions_stream(path, &o, NULL, &streamed, &stream_err);
        if (stream_status != table_status)
            fail_msg("case %zu: table status %d (%s), stream status %d (%s)", c,
                     (int)table_status, table_err.message, (int)stream_status,
                     stream_err.message);
        if (table_status == SK_OK)
            assert_same_predictions(from_table, streamed);
        else
            assert_string_equal(table_err.message, stream_err.message);
        sk_predictions_free(from_table);
        sk_predictions_free(streamed);
    }
}

/* Writes `rows` rows of label,score of a weak classifier to fp, drawn from
 * rng, and stores the scores and labels when the arrays are not NULL. */
static void write_generated(FILE *fp, gsl_rng *rng, size_t rows, double prevalence,
                            double *scores, unsigned char *y)
{
    fprintf(fp, "label,score\n");
    for (size_t i = 0; i < rows; i++) {
        int label = gsl_rng_uniform(rng) < prevalence;
        double logit = -3.0 + gsl_ran_gaussian(rng, 1.0) + 2.0 * label;
        double score = 1.0 / (1.0 + exp(-logit));
        fprintf(fp, "%d,%.17g\n", label, score);
        if (scores != NULL) {
            scores[i] = score;
            y[i] = (unsigned char)label;
        }
    }
}

/* Writes a generated file and returns its path (static buffer). */
static const char *generated_fixture(size_t rows, unsigned long seed)
{
    const char *path = next_fixture_path();
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, seed);
    write_generated(fp, rng, rows, 0.05, NULL, NULL);
    gsl_rng_free(rng);
    assert_int_equal(fclose(fp), 0);
    return path;
}

static void test_progress_totals(void **state)
{
    (void)state;
    const size_t rows = 150000;
    const char *path = generated_fixture(rows, 3);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_true(info.st_size > 2 * (1 << 20)); /* several chunks */

    sk_read_progress progress = { 0 };
    sk_predictions *p = stream_ok(path, NULL, &progress);
    assert_int_equal(atomic_load(&progress.bytes_total), (size_t)info.st_size);
    assert_int_equal(atomic_load(&progress.bytes_read), (size_t)info.st_size);
    assert_int_equal(atomic_load(&progress.rows_read), rows);
    assert_false(atomic_load(&progress.binned));
    assert_int_equal(p->rows, rows);
    sk_predictions_free(p);
}

static void test_cancel_before_start(void **state)
{
    (void)state;
    const char *path = generated_fixture(150000, 4);
    sk_read_progress progress = { 0 };
    atomic_store(&progress.cancel, true);
    sk_predictions *p = (sk_predictions *)&p;
    sk_error err = { "" };
    assert_int_equal(sk_predictions_stream(path, NULL, &progress, &p, &err), SK_ERR_INPUT);
    assert_null(p);
    assert_contains(err.message, "was interrupted");
    assert_contains(err.message, path);
    /* It stopped after the first chunk, not at the end of the file. */
    assert_true(atomic_load(&progress.bytes_read) <= (size_t)1 << 20);
    assert_true(atomic_load(&progress.rows_read) < 150000);
}

typedef struct {
    const char *path;
    sk_read_progress *progress;
    sk_status status;
    sk_error err;
} reader_job;

static void *read_in_thread(void *context)
{
    reader_job *job = context;
    sk_predictions *p = NULL;
    job->status = sk_predictions_stream(job->path, NULL, job->progress, &p, &job->err);
    sk_predictions_free(p);
    return NULL;
}

/* On a pipe the total is unknown, the counters advance while the writer
 * is still writing, and cancel stops the reader. */
static void test_progress_and_cancel_on_pipe(void **state)
{
    (void)state;
    const char *path = next_fixture_path();
    assert_int_equal(mkfifo(path, 0600), 0);
    sk_read_progress progress = { 0 };
    reader_job job = { .path = path, .progress = &progress };
    pthread_t reader;
    assert_int_equal(pthread_create(&reader, NULL, read_in_thread, &job), 0);

    FILE *fp = fopen(path, "w"); /* returns once the reader has opened it */
    assert_non_null(fp);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 5);
    write_generated(fp, rng, 200000, 0.05, NULL, NULL); /* about 4 MiB */
    assert_int_equal(fflush(fp), 0);

    struct timespec pause = { 0, 10 * 1000 * 1000 };
    int waited = 0;
    while (atomic_load(&progress.rows_read) == 0 && waited < PROGRESS_WAIT_SECONDS * 100) {
        nanosleep(&pause, NULL);
        waited++;
    }
    size_t rows_seen = atomic_load(&progress.rows_read);
    size_t bytes_seen = atomic_load(&progress.bytes_read);
    assert_true(rows_seen > 0);
    assert_true(bytes_seen > 0);
    assert_int_equal(atomic_load(&progress.bytes_total), 0);

    atomic_store(&progress.cancel, true);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(pthread_join(reader, NULL), 0);
    gsl_rng_free(rng);
    assert_int_equal(job.status, SK_ERR_INPUT);
    assert_contains(job.err.message, "was interrupted");
    assert_true(atomic_load(&progress.rows_read) >= rows_seen);
}

/* Exactly exact_limit rows stay exact; one more bins; --exact never bins. */
static void test_exact_limit_boundary(void **state)
{
    (void)state;
    sk_predictions_options o = make_options(NULL, NULL, NULL, NULL);
    o.exact_limit = 1000;
    sk_predictions *p = stream_ok(generated_fixture(1000, 6), &o, NULL);
    assert_false(p->binned);
    assert_non_null(p->scores);
    assert_null(p->bins);
    sk_predictions_free(p);

    sk_read_progress progress = { 0 };
    const char *path = generated_fixture(1001, 6);
    p = stream_ok(path, &o, &progress);
    assert_true(p->binned);
    assert_true(atomic_load(&progress.binned));
    assert_null(p->scores);
    assert_null(p->y);
    assert_non_null(p->bins);
    assert_int_equal(p->rows, 1001);
    size_t total = 0;
    for (size_t b = 0; b < p->bins[0].bins; b++)
        total += p->bins[0].negatives[b] + p->bins[0].positives[b];
    assert_int_equal(total, 1001);
    sk_predictions_free(p);

    o.exact = true;
    p = stream_ok(path, &o, NULL);
    assert_false(p->binned);
    assert_int_equal(p->rows, 1001);
    sk_predictions_free(p);
}

/* Builds the sweep of binned column `column`. */
static sk_sweep *sweep_of_bins(const sk_predictions *p, size_t column)
{
    const sk_score_bins *b = &p->bins[column];
    sk_sweep *sweep = NULL;
    sk_error err = { "" };
    sk_status status = sk_sweep_new_binned(b->lowest, b->negatives, b->positives, b->bins,
                                           b->max_score, &sweep, &err);
    if (status != SK_OK)
        fail_msg("sk_sweep_new_binned failed: %s", err.message);
    return sweep;
}

static sk_sweep *sweep_of_scores(const sk_predictions *p, size_t column)
{
    sk_sweep *sweep = NULL;
    sk_error err = { "" };
    sk_status status = sk_sweep_new(p->scores[column], p->y, p->rows, &sweep, &err);
    if (status != SK_OK)
        fail_msg("sk_sweep_new failed: %s", err.message);
    return sweep;
}

#define assert_within_bound(exact, binned, bound)                                   \
    do {                                                                            \
        double x_ = (exact), b_ = (binned), e_ = (bound);                           \
        if (!(fabs(x_ - b_) <= e_ + BOUND_SLACK))                                   \
            fail_msg("%s: exact %.17g, binned %.17g, differ by %.3g > bound %.3g",  \
                     #binned, x_, b_, fabs(x_ - b_), e_);                           \
    } while (0)

/* Fails unless both are NaN or they differ by at most SUM_RELATIVE times
 * the larger of |expected| and scale (a mean near 0 is judged against the
 * spread of the scores). */
static void assert_sum_close(double expected, double actual, double scale)
{
    if (isnan(expected) && isnan(actual))
        return;
    double tolerance = SUM_RELATIVE * fmax(fabs(expected), scale);
    if (!(fabs(expected - actual) <= tolerance))
        fail_msg("expected %.17g, got %.17g (tolerance %g)", expected, actual, tolerance);
}

/* Compares the binned reading of path against the exact reading of the
 * same file: rows, classes, both areas within the stated bounds, and the
 * summaries.  Returns the binned result. */
static sk_predictions *compare_binned_with_exact(const char *path,
                                                 sk_predictions_options options)
{
    options.exact = true;
    sk_predictions *exact = stream_ok(path, &options, NULL);
    options.exact = false;
    sk_predictions *binned = stream_ok(path, &options, NULL);
    assert_false(exact->binned);
    assert_true(binned->binned);
    assert_int_equal(binned->rows, exact->rows);
    assert_int_equal(binned->positives, exact->positives);
    assert_string_equal(binned->positive_label, exact->positive_label);
    assert_int_equal(binned->flipped, exact->flipped);
    assert_int_equal(binned->notice_count, exact->notice_count);
    for (size_t i = 0; i < exact->score_columns; i++) {
        sk_sweep *e = sweep_of_scores(exact, i);
        sk_sweep *b = sweep_of_bins(binned, i);
        assert_int_equal(sk_sweep_count(b), exact->rows);
        assert_int_equal(sk_sweep_positives(b), exact->positives);
        assert_close(sk_sweep_max_score(e), sk_sweep_max_score(b), 0.0);
        assert_close(sk_sweep_min_score(e), sk_sweep_min_score(b), 0.0);
        assert_within_bound(sk_sweep_roc_auc(e), sk_sweep_roc_auc(b),
                            sk_sweep_roc_auc_error(b));
        assert_within_bound(sk_sweep_average_precision(e), sk_sweep_average_precision(b),
                            sk_sweep_average_precision_error(b));
        assert_int_equal(binned->probability[i], exact->probability[i]);
        assert_sum_close(exact->summary[i].log_loss, binned->summary[i].log_loss, 0.0);
        assert_sum_close(exact->summary[i].brier, binned->summary[i].brier, 0.0);
        assert_sum_close(exact->summary[i].mean, binned->summary[i].mean,
                         exact->summary[i].sd);
        assert_sum_close(exact->summary[i].sd, binned->summary[i].sd, 0.0);
        sk_sweep_free(e);
        sk_sweep_free(b);
    }
    sk_predictions_free(exact);
    return binned;
}

/* 10^5 rows past a limit of 1000: the stated bounds hold and are small. */
static void test_binned_bound_holds(void **state)
{
    (void)state;
    sk_predictions_options o = make_options(NULL, NULL, NULL, NULL);
    o.exact_limit = 1000;
    sk_predictions *p = compare_binned_with_exact(generated_fixture(100000, 7), o);
    sk_sweep *b = sweep_of_bins(p, 0);
    /* About one score per bin: the bounds are far below any reported digit. */
    assert_true(sk_sweep_roc_auc_error(b) < 1e-4);
    assert_true(sk_sweep_average_precision_error(b) < 1e-3);
    sk_sweep_free(b);
    sk_predictions_free(p);
}

/* Turned-around scores (1 - p and -s) in binned mode, one-vs-rest, and a
 * third class without --positive. */
static void test_binned_orientation_and_classes(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 8);
    const char *path = next_fixture_path();
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "animal,p_dog,margin\n");
    for (int i = 0; i < 20000; i++) {
        bool cat = gsl_rng_uniform(rng) < 0.2;
        double p = 1.0 / (1.0 + exp(-(gsl_ran_gaussian(rng, 1.0) + (cat ? -1.0 : 1.0))));
        /* Some scores very close to 0 and 1, where 1 - p rounds. */
        if (i % 97 == 0)
            p = ldexp(gsl_rng_uniform(rng), -60);
        fprintf(fp, "%s,%.17g,%.17g\n", cat ? "cat" : "dog", p, 4.0 * (p - 0.5));
    }
    assert_int_equal(fclose(fp), 0);
    sk_predictions_options o = make_options("animal", "p_dog,margin", NULL, NULL);
    o.exact_limit = 500;
    sk_predictions *p = compare_binned_with_exact(path, o);
    assert_true(p->flipped);
    assert_string_equal(p->positive_label, "cat");
    assert_true(p->probability[0]);
    assert_false(p->probability[1]);
    assert_non_null(find_notice(p, "turned into 1 - p"));
    sk_predictions_free(p);

    path = next_fixture_path();
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i < 5000; i++) {
        int label = (int)gsl_rng_uniform_int(rng, 3);
        fprintf(fp, "%d,%.17g\n", label, gsl_rng_uniform(rng) * 0.5 + 0.25 * label);
    }
    assert_int_equal(fclose(fp), 0);
    o = make_options("y", "p", NULL, "2");
    o.exact_limit = 100;
    p = compare_binned_with_exact(path, o);
    assert_true(p->one_vs_rest);
    assert_int_equal(p->classes, 3);
    sk_predictions_free(p);

    o = make_options("y", "p", NULL, NULL);
    o.exact_limit = 100;
    sk_error err = { "" };
    sk_predictions *rejected = (sk_predictions *)&rejected;
    assert_int_equal(sk_predictions_stream(path, &o, NULL, &rejected, &err), SK_ERR_INPUT);
    assert_null(rejected);
    assert_contains(err.message, "has 3 classes");
    gsl_rng_free(rng);
}

/* Scores beyond the first grid, both above and below, make it double.  At
 * the end every one of 2^17 evenly spaced scores still has a bin of its
 * own, so the binned sweep is exact. */
static void test_binned_rebins_out_of_range(void **state)
{
    (void)state;
    enum { LATTICE = 1 << 17 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 9);
    int *order = calloc(LATTICE, sizeof *order);
    assert_non_null(order);
    for (int k = 0; k < LATTICE; k++)
        order[k] = k;
    gsl_ran_shuffle(rng, order, LATTICE, sizeof *order);

    const char *path = next_fixture_path();
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "y,s\n");
    /* The first grid covers [0, 2^-10]; the lattice spans [-64, 64). */
    for (int i = 0; i < 1001; i++)
        fprintf(fp, "%d,%.17g\n", gsl_rng_uniform(rng) < 0.3, ldexp(i % 2, -10));
    for (int k = 0; k < LATTICE; k++) {
        double score = -64.0 + ldexp(order[k], -10);
        fprintf(fp, "%d,%.17g\n", gsl_rng_uniform(rng) < 0.3 + 0.4 * (score > 0), score);
    }
    assert_int_equal(fclose(fp), 0);
    free(order);
    gsl_rng_free(rng);

    sk_predictions_options o = make_options("y", "s", NULL, NULL);
    o.exact_limit = 1000;
    sk_predictions *p = compare_binned_with_exact(path, o);
    assert_false(p->probability[0]);
    assert_int_equal(p->bins[0].bins, LATTICE);
    sk_sweep *b = sweep_of_bins(p, 0);
    sk_predictions_free(p);

    o.exact = true;
    p = stream_ok(path, &o, NULL);
    sk_sweep *e = sweep_of_scores(p, 0);
    assert_close(sk_sweep_roc_auc(e), sk_sweep_roc_auc(b), 0.0);
    assert_close(sk_sweep_average_precision(e), sk_sweep_average_precision(b), 0.0);
    sk_sweep_free(e);
    sk_sweep_free(b);
    sk_predictions_free(p);
}

/* The worst layout for the grid: a first range just over a quarter of it,
 * then a score just below it.  The 2^17 + 3 scores k 2^-16 for k from
 * -2^16 - 1 to 2^16 + 1 still get a bin each (a grid of 2^18 bins would put
 * pairs of them together). */
static void test_binned_resolution_worst_case(void **state)
{
    (void)state;
    enum { HALF = 1 << 16 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 14);
    int *order = calloc(2 * HALF + 1, sizeof *order);
    assert_non_null(order);
    for (int k = 0; k <= 2 * HALF; k++)
        order[k] = k - HALF;
    gsl_ran_shuffle(rng, order, 2 * HALF + 1, sizeof *order);

    const char *path = next_fixture_path();
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "y,s\n");
    for (int i = 0; i < 1001; i++)
        fprintf(fp, "%d,%.17g\n", i % 3 == 0, i % 2 == 0 ? 0.0 : ldexp(HALF + 1, -16));
    fprintf(fp, "1,%.17g\n", -ldexp(HALF + 1, -16));
    for (int k = 0; k <= 2 * HALF; k++)
        fprintf(fp, "%d,%.17g\n", gsl_rng_uniform(rng) < 0.2 + 0.5 * (order[k] > 0),
                ldexp(order[k], -16));
    assert_int_equal(fclose(fp), 0);
    free(order);
    gsl_rng_free(rng);

    sk_predictions_options o = make_options("y", "s", NULL, NULL);
    o.exact_limit = 1000;
    sk_predictions *p = compare_binned_with_exact(path, o);
    assert_int_equal(p->bins[0].bins, 2 * HALF + 3);
    sk_predictions_free(p);

    /* The first 1001 scores are all 0, so the first grid is about 2^-1100
     * wide; the rest spans [-1, 1] in steps of 2^-16. */
    path = next_fixture_path();
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "y,s\n");
    for (int i = 0; i < 1001; i++)
        fprintf(fp, "%d,0\n", i % 3 == 0);
    for (int k = -HALF; k <= HALF; k++)
        fprintf(fp, "%d,%.17g\n", (k * 7919) % 5 == 0, ldexp(k, -16));
    assert_int_equal(fclose(fp), 0);
    p = compare_binned_with_exact(path, o);
    assert_int_equal(p->bins[0].bins, 2 * HALF + 1);
    sk_predictions_free(p);
}

/* Exact-mode summaries are the metrics engine's numbers, bit for bit. */
static void test_summary_matches_metrics(void **state)
{
    (void)state;
    sk_predictions_options o = make_options("animal", "p", NULL, NULL);
    sk_predictions *p = stream_ok(write_fixture("animal,p\ncat,0.25\ndog,0.75\ndog,0.5\n"
                                                "dog,1\ncat,0\n"), &o, NULL);
    assert_true(p->flipped);
    assert_close(sk_log_loss(p->scores[0], p->y, p->rows), p->summary[0].log_loss, 0.0);
    assert_close(sk_brier(p->scores[0], p->y, p->rows), p->summary[0].brier, 0.0);
    assert_close(0.5, p->summary[0].mean, 1e-15);
    assert_close(sqrt(0.625 / 4.0), p->summary[0].sd, 1e-15);
    sk_predictions_free(p);

    p = stream_ok(write_fixture("y,logit\n0,-3.5\n1,2\n0,0.5\n"), NULL, NULL);
    assert_true(isnan(p->summary[0].log_loss));
    assert_true(isnan(p->summary[0].brier));
    sk_predictions_free(p);
}

/* Detection decides from the first rows and checks the rest of the file. */
static void test_detection_window(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;

    /* Sorted by label: the first 10000 rows hold one class. */
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i < 15000; i++)
        fprintf(fp, "%d,%.3f\n", i >= 12000, (double)(i % 1000) / 1000.0);
    assert_int_equal(fclose(fp), 0);
    sk_predictions *p = stream_ok(write_fixture(text), NULL, NULL);
    free(text);
    assert_string_equal(p->label_name, "y");
    assert_int_equal(p->positives, 3000);
    sk_predictions_free(p);

    /* A third label after the first 10000 rows: no label column after all. */
    fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i < 12000; i++)
        fprintf(fp, "%d,%.3f\n", i == 11000 ? 2 : i % 2, (double)(i % 1000) / 1000.0);
    assert_int_equal(fclose(fp), 0);
    sk_error err;
    read_rejected(text, NULL, &err);
    free(text);
    assert_contains(err.message, "Neither column");
    assert_null(strstr(err.message, "first 10000 rows"));

    /* Both columns two-valued in the first 10000 rows. */
    fp = open_memstream(&text, &len);
    assert_non_null(fp);
    fprintf(fp, "y,p\n");
    for (int i = 0; i < 12000; i++)
        fprintf(fp, "%d,%d\n", i % 2, i < 10000 ? i % 3 == 0 : i % 5);
    assert_int_equal(fclose(fp), 0);
    read_rejected(text, NULL, &err);
    free(text);
    assert_contains(err.message, "either could be the label");
    assert_contains(err.message, "in the first 10000 rows");
}

/* Detection with --positive past the first 10000 rows gives the same
 * result, or the same message, from the stream and from a table. */
static void test_detection_window_positive(void **state)
{
    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        char *text = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&text, &len);
        assert_non_null(fp);
        fprintf(fp, "y,p\n");
        for (int i = 0; i < 12000; i++) {
            if (variant == 0) {
                fprintf(fp, "%c,%.3f\n", "abc"[i % 3], (double)(i % 1000) / 1000.0);
            } else {
                /* The score 2 after the first 10000 rows: both columns
                 * contain the class in the whole file. */
                double score = i == 11000 ? 2.0 : 0.5 + (double)(i % 100) / 1000.0;
                fprintf(fp, "%d,%.3f\n", i % 3, score);
            }
        }
        assert_int_equal(fclose(fp), 0);
        const char *path = write_fixture(text);
        free(text);
        sk_predictions_options o = make_options(NULL, NULL, NULL, variant == 0 ? "b" : "2");

        sk_table *table = NULL;
        sk_error table_err = { "" };
        sk_predictions *from_table = NULL;
        sk_status table_status = sk_table_read(path, NULL, &table, &table_err);
        assert_int_equal(table_status, SK_OK);
        table_status = sk_predictions_from_table(table, path, &o, &from_table, &table_err);
        sk_table_free(table);
        sk_error stream_err = { "" };
        sk_predictions *streamed = NULL;
        sk_status stream_status = sk_predictions_stream(path, &o, NULL, &streamed, &stream_err);

        if (variant == 0) {
            if (table_status != SK_OK || stream_status != SK_OK)
                fail_msg("table: %s; stream: %s", table_err.message, stream_err.message);
            assert_string_equal(streamed->label_name, "y");
            assert_true(streamed->one_vs_rest);
            assert_int_equal(streamed->positives, 4000);
            assert_non_null(find_notice(streamed, "because it contains the --positive class"));
            assert_same_predictions(from_table, streamed);
        } else {
            assert_int_equal(table_status, SK_ERR_INPUT);
            assert_int_equal(stream_status, SK_ERR_INPUT);
            assert_contains(stream_err.message, "but both columns contain it and are numeric");
            assert_null(strstr(stream_err.message, "first 10000 rows"));
            assert_string_equal(table_err.message, stream_err.message);
        }
        sk_predictions_free(from_table);
        sk_predictions_free(streamed);
    }
}

/* 10^6 rows from a forked writer through a pipe on standard input, read
 * in exact mode: the same rows, positives and ROC AUC as the sweep of the
 * generated arrays. */
static void test_large_standard_input(void **state)
{
    (void)state;
    const size_t rows = 1000000;
    const unsigned long seed = 10;
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    fflush(NULL);
    pid_t writer = fork();
    assert_true(writer >= 0);
    if (writer == 0) {
        close(pipe_fds[0]);
        FILE *out = fdopen(pipe_fds[1], "w");
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (out == NULL || rng == NULL)
            _exit(1);
        gsl_rng_set(rng, seed);
        write_generated(out, rng, rows, 0.03, NULL, NULL);
        _exit(fclose(out) == 0 ? 0 : 1);
    }
    close(pipe_fds[1]);

    double *scores = calloc(rows, sizeof *scores);
    unsigned char *y = calloc(rows, 1);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    FILE *sink = fopen("/dev/null", "w");
    assert_true(scores != NULL && y != NULL && rng != NULL && sink != NULL);
    gsl_rng_set(rng, seed);
    write_generated(sink, rng, rows, 0.03, scores, y);
    fclose(sink);
    gsl_rng_free(rng);

    int saved_stdin = dup(STDIN_FILENO);
    assert_true(saved_stdin >= 0);
    assert_int_equal(dup2(pipe_fds[0], STDIN_FILENO), STDIN_FILENO);
    close(pipe_fds[0]);
    clearerr(stdin);
    sk_read_progress progress = { 0 };
    sk_predictions *p = stream_ok("-", NULL, &progress);
    int wstatus = 0;
    assert_int_equal(waitpid(writer, &wstatus, 0), writer);
    assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
    assert_int_equal(dup2(saved_stdin, STDIN_FILENO), STDIN_FILENO);
    close(saved_stdin);
    clearerr(stdin);

    assert_int_equal(atomic_load(&progress.bytes_total), 0);
    assert_int_equal(atomic_load(&progress.rows_read), rows);
    assert_false(p->binned);
    assert_int_equal(p->rows, rows);
    size_t positives = 0;
    for (size_t i = 0; i < rows; i++)
        positives += y[i];
    assert_int_equal(p->positives, positives);
    assert_string_equal(p->positive_label, "1");
    assert_memory_equal(p->y, y, rows);
    assert_memory_equal(p->scores[0], scores, rows * sizeof *scores);

    sk_sweep *expected = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_sweep_new(scores, y, rows, &expected, &err), SK_OK);
    sk_sweep *actual = sweep_of_scores(p, 0);
    assert_close(sk_sweep_roc_auc(expected), sk_sweep_roc_auc(actual), 0.0);
    assert_close(sk_log_loss(scores, y, rows), p->summary[0].log_loss, 0.0);
    sk_sweep_free(expected);
    sk_sweep_free(actual);
    sk_predictions_free(p);
    free(scores);
    free(y);
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
        cmocka_unit_test(test_auto_positive_picks_label),
        cmocka_unit_test(test_auto_positive_errors),
        cmocka_unit_test(test_auto_multiclass_label),
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
        cmocka_unit_test(test_flip_notice_lists),
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
        cmocka_unit_test(test_error_label_list_cut),
        cmocka_unit_test(test_error_column_list_cut),
        cmocka_unit_test(test_error_labels_look_like_scores),
        cmocka_unit_test(test_error_labels_look_like_ids),
        cmocka_unit_test(test_error_unknown_classes),
        cmocka_unit_test(test_error_too_many_classes),
        cmocka_unit_test(test_error_text_score),
        cmocka_unit_test(test_error_missing_score),
        cmocka_unit_test(test_error_infinite_score),
        cmocka_unit_test(test_error_missing_label),
        cmocka_unit_test(test_error_empty_files),
        cmocka_unit_test(test_error_directory),
        cmocka_unit_test(test_from_table_without_source),
        cmocka_unit_test(test_stream_matches_table),
        cmocka_unit_test(test_progress_totals),
        cmocka_unit_test(test_cancel_before_start),
        cmocka_unit_test(test_progress_and_cancel_on_pipe),
        cmocka_unit_test(test_exact_limit_boundary),
        cmocka_unit_test(test_binned_bound_holds),
        cmocka_unit_test(test_binned_orientation_and_classes),
        cmocka_unit_test(test_binned_rebins_out_of_range),
        cmocka_unit_test(test_binned_resolution_worst_case),
        cmocka_unit_test(test_summary_matches_metrics),
        cmocka_unit_test(test_detection_window),
        cmocka_unit_test(test_detection_window_positive),
        cmocka_unit_test(test_large_standard_input),
    };
    return cmocka_run_group_tests(tests, make_fixture_dir, remove_fixture_dir);
}
