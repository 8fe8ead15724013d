/*
 * test_support.h - helpers that several cmocka test programs share: a
 * floating-point assertion, a substring assertion, a temporary directory of
 * fixture files, lookups in a prepared sk_dataset, the logistic sigmoid
 * and the bounds of the central-difference gradient checks.
 *
 * Each test program is one translation unit, so everything here is a macro
 * or a static inline function.  A program that writes fixture files defines
 * TEST_FIXTURE_NAME before including this header and passes
 * fixture_dir_setup and fixture_dir_teardown to cmocka_run_group_tests().
 */
#ifndef SKEWTOP_TEST_SUPPORT_H
#define SKEWTOP_TEST_SUPPORT_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "skewtop/data.h"

/* ---- assertions --------------------------------------------------------- */

/* cmocka 1.1.5 has no assert_float_equal.  Fails, naming the actual
 * expression, when |expected - actual| > tolerance or either is NaN. */
#define assert_close(expected, actual, tolerance)                                   \
    do {                                                                            \
        double e_ = (expected), a_ = (actual), t_ = (tolerance);                    \
        if (!(fabs(e_ - a_) <= t_))                                                 \
            fail_msg("%s: expected %.17g, got %.17g (tolerance %g)", #actual, e_,   \
                     a_, t_);                                                       \
    } while (0)

/* Fails with the message when haystack does not contain needle. */
#define assert_contains(haystack, needle)                                           \
    do {                                                                            \
        const char *h_ = (haystack), *n_ = (needle);                                \
        if (h_ == NULL || strstr(h_, n_) == NULL)                                   \
            fail_msg("'%s' not found in: %s", n_, h_ == NULL ? "(null)" : h_);      \
    } while (0)

/* ---- fixture files ------------------------------------------------------- */

/* The fixture directory is /tmp/TEST_FIXTURE_NAME-XXXXXX. */
#ifndef TEST_FIXTURE_NAME
#define TEST_FIXTURE_NAME "skewtop-test"
#endif

/* The temporary directory of one test program and the number of files
 * written into it, f0.csv, f1.csv, ... */
typedef struct {
    char dir[256];
    int serial;
} fixture_files;

static inline fixture_files *fixture_state(void)
{
    static fixture_files files = { "/tmp/" TEST_FIXTURE_NAME "-XXXXXX", 0 };
    return &files;
}

/* Returns the path of the fixture directory. */
static inline const char *fixture_dir(void)
{
    return fixture_state()->dir;
}

/* cmocka group setup: creates the fixture directory and turns GSL's
 * default error handler, which aborts, off.  Returns -1 when mkdtemp
 * fails. */
static inline int fixture_dir_setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return mkdtemp(fixture_state()->dir) == NULL ? -1 : 0;
}

/* cmocka group teardown: removes the fixture files and the directory. */
static inline int fixture_dir_teardown(void **state)
{
    (void)state;
    fixture_files *files = fixture_state();
    char path[512];
    for (int i = 0; i < files->serial; i++) {
        snprintf(path, sizeof path, "%s/f%d.csv", files->dir, i);
        unlink(path);
    }
    return rmdir(files->dir);
}

/* Writes len bytes into a new file of the fixture directory and returns
 * its path in a static buffer (valid until the next call). */
static inline const char *write_fixture_bytes(const char *content, size_t len)
{
    static char path[512];
    fixture_files *files = fixture_state();
    snprintf(path, sizeof path, "%s/f%d.csv", files->dir, files->serial++);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(content, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    return path;
}

static inline const char *write_fixture(const char *content)
{
    return write_fixture_bytes(content, strlen(content));
}

/* Reads a file of the real-data or sample directories, or skips the test
 * when it is absent: the real data sets live outside the repository. */
static inline sk_table *read_table_or_skip(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (access(path, R_OK) != 0)
        skip();
    sk_table *table = NULL;
    sk_error err = { "" };
    if (sk_table_read(path, NULL, &table, &err) != SK_OK)
        fail_msg("%s", err.message);
    return table;
}

/* ---- prepared datasets --------------------------------------------------- */

/* Returns the index of a feature name, or fails. */
static inline size_t feature_index(const sk_dataset *dataset, const char *name)
{
    for (size_t i = 0; i < dataset->features; i++) {
        if (strcmp(dataset->feature_names[i], name) == 0)
            return i;
    }
    fail_msg("feature '%s' not found", name);
    return 0;
}

/* Returns the first notice containing needle, or NULL. */
static inline const char *find_notice(const sk_dataset *dataset, const char *needle)
{
    for (size_t i = 0; i < dataset->notice_count; i++) {
        if (strstr(dataset->notices[i], needle) != NULL)
            return dataset->notices[i];
    }
    return NULL;
}

/* Returns round(fraction * count), the validation share of a class of
 * count samples. */
static inline size_t expected_val(double fraction, size_t count)
{
    return (size_t)floor(fraction * (double)count + 0.5);
}

/* ---- numerics ------------------------------------------------------------- */

static inline double sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* Largest accepted relative error of a derivative against its central
 * difference.  Each program picks its step (FD_STEP) so that truncation
 * and rounding errors stay far below this bound. */
#define FD_MAX_RELATIVE_ERROR 1e-6

/* Gradients smaller than this are compared in absolute terms against
 * FD_MAX_RELATIVE_ERROR * GRAD_SCALE_FLOOR, because their relative error
 * measures the rounding of the difference, not the backward pass. */
#define GRAD_SCALE_FLOOR 1e-4

/* Returns |numeric - analytic| relative to the larger magnitude of the two,
 * or to GRAD_SCALE_FLOOR when both are smaller. */
static inline double gradient_relative_error(double analytic, double numeric)
{
    double scale = fmax(fmax(fabs(numeric), fabs(analytic)), GRAD_SCALE_FLOOR);
    return fabs(numeric - analytic) / scale;
}

#endif
