/*
 * test_resample.c - over-sampling, under-sampling and SMOTE of a training
 * split.
 *
 * Splits are built in memory with Gaussian features.  The SMOTE checks find
 * nearest neighbours by sorting every distance, independently of the
 * library's partial selection.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "skewtop/resample.h"

/* A synthetic row is x_i + gap (x_j - x_i) computed in doubles of order 1:
 * the residual of that identity stays within a few ulps, far below this. */
#define SEGMENT_TOLERANCE 1e-9

#define FEATURES 3

/*
 * Builds a split of `rows` rows of which `positives` are positive, spread
 * evenly through the rows, with Gaussian features and source_row = 10 * i
 * (so a copied source_row differs from a row index).
 */
static sk_split make_split(size_t rows, size_t positives, unsigned long seed)
{
    sk_split split = {0};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, seed);

    split.rows = rows;
    split.positives = positives;
    split.x = gsl_matrix_alloc(rows, FEATURES);
    split.y = calloc(rows, 1);
    split.source_row = calloc(rows, sizeof(size_t));
    assert_non_null(split.x);
    assert_non_null(split.y);
    assert_non_null(split.source_row);
    for (size_t i = 0; i < rows; i++) {
        /* Row i is positive when floor((i + 1) P / n) steps up at i. */
        split.y[i] = (i + 1) * positives / rows != i * positives / rows;
        split.source_row[i] = 10 * i;
        for (size_t f = 0; f < FEATURES; f++)
            gsl_matrix_set(split.x, i, f, gsl_ran_gaussian(rng, 1.0) + (split.y[i] ? 1.5 : 0.0));
    }
    gsl_rng_free(rng);
    return split;
}

static size_t count_label(const sk_split *split, unsigned char label)
{
    size_t count = 0;
    for (size_t i = 0; i < split->rows; i++)
        count += split->y[i] == label;
    return count;
}

/* A byte copy of a split, to show that resampling leaves its input alone. */
typedef struct {
    size_t rows;
    double *x;
    unsigned char *y;
    size_t *source_row;
} split_bytes;

static split_bytes bytes_of(const sk_split *split)
{
    size_t cells = split->rows * FEATURES;
    split_bytes b = {split->rows, malloc(cells * sizeof(double)), malloc(split->rows),
                     malloc(split->rows * sizeof(size_t))};
    assert_non_null(b.x);
    assert_non_null(b.y);
    assert_non_null(b.source_row);
    for (size_t i = 0; i < split->rows; i++)
        memcpy(b.x + i * FEATURES, gsl_matrix_const_ptr(split->x, i, 0), FEATURES * sizeof(double));
    memcpy(b.y, split->y, split->rows);
    memcpy(b.source_row, split->source_row, split->rows * sizeof(size_t));
    return b;
}

static void assert_bytes_equal(const split_bytes *b, const sk_split *split)
{
    assert_int_equal(b->rows, split->rows);
    for (size_t i = 0; i < split->rows; i++) {
        assert_memory_equal(b->x + i * FEATURES, gsl_matrix_const_ptr(split->x, i, 0),
                            FEATURES * sizeof(double));
    }
    assert_memory_equal(b->y, split->y, split->rows);
    assert_memory_equal(b->source_row, split->source_row, split->rows * sizeof(size_t));
}

static void bytes_free(split_bytes *b)
{
    free(b->x);
    free(b->y);
    free(b->source_row);
}

static bool rows_equal(const sk_split *a, size_t i, const sk_split *b, size_t j)
{
    return memcmp(gsl_matrix_const_ptr(a->x, i, 0), gsl_matrix_const_ptr(b->x, j, 0),
                  FEATURES * sizeof(double)) == 0 && a->y[i] == b->y[j];
}

/* Returns true when out row `row` is a byte copy of the input row whose
 * source_row it carries. */
static bool is_copy_of_source(const sk_split *in, const sk_split *out, size_t row)
{
    size_t source = out->source_row[row];
    if (source % 10 != 0 || source / 10 >= in->rows)
        return false;
    return rows_equal(in, source / 10, out, row);
}

static sk_split resample_ok(const sk_split *in, size_t steps, sk_resample_kind kind,
                            const sk_resample_options *options)
{
    sk_split out;
    sk_error err = {""};
    sk_status status = sk_resample_split(in, steps, kind, options, &out, &err);
    if (status != SK_OK)
        fail_msg("sk_resample_split(%s) failed: %s", sk_resample_name(kind), err.message);
    return out;
}

static sk_resample_options options_with(double ratio, size_t neighbours, unsigned long seed)
{
    sk_resample_options options = sk_resample_defaults();
    options.ratio = ratio;
    options.neighbours = neighbours;
    options.seed = seed;
    return options;
}

/* ---- names ---------------------------------------------------------------- */

static void names_round_trip(void **state)
{
    (void)state;
    sk_error err = {""};
    for (int k = 0; k < SK_RESAMPLE_COUNT; k++) {
        sk_resample_kind parsed = SK_RESAMPLE_COUNT;
        assert_int_equal(SK_OK, sk_resample_parse(sk_resample_name((sk_resample_kind)k), &parsed, &err));
        assert_int_equal(k, parsed);
    }
    assert_string_equal("smote", sk_resample_name(SK_RESAMPLE_SMOTE));
    assert_string_equal("unknown", sk_resample_name(SK_RESAMPLE_COUNT));

    sk_resample_kind parsed = SK_RESAMPLE_NONE;
    assert_int_equal(SK_ERR_INPUT, sk_resample_parse("Over", &parsed, &err));
    assert_non_null(strstr(err.message, "'Over'"));
    assert_non_null(strstr(err.message, "none, over, under or smote"));
    assert_int_equal(SK_ERR_INPUT, sk_resample_parse(NULL, &parsed, &err));
}

/* ---- over- and under-sampling -------------------------------------------------- */

static void none_copies_exactly(void **state)
{
    (void)state;
    sk_split in = make_split(50, 7, 1);
    sk_split out = resample_ok(&in, 1, SK_RESAMPLE_NONE, NULL);

    split_bytes b = bytes_of(&in);
    assert_bytes_equal(&b, &out);
    assert_int_equal(7, out.positives);
    assert_ptr_not_equal(in.x, out.x);
    bytes_free(&b);
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

static void over_balances_counts(void **state)
{
    (void)state;
    sk_split in = make_split(200, 20, 2);
    split_bytes before = bytes_of(&in);
    sk_resample_options options = options_with(1.0, 5, 7);
    sk_split out = resample_ok(&in, 1, SK_RESAMPLE_OVER, &options);

    assert_int_equal(360, out.rows);
    assert_int_equal(180, out.positives);
    assert_int_equal(180, count_label(&out, 1));
    assert_int_equal(180, count_label(&out, 0));
    assert_bytes_equal(&before, &in);

    /* The input rows come first and unchanged; every added row is a copy of
     * an input positive. */
    for (size_t i = 0; i < in.rows; i++)
        assert_true(rows_equal(&in, i, &out, i));
    for (size_t i = in.rows; i < out.rows; i++) {
        assert_int_equal(1, out.y[i]);
        assert_true(is_copy_of_source(&in, &out, i));
    }
    bytes_free(&before);
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

static void over_ratio_half(void **state)
{
    (void)state;
    sk_split in = make_split(200, 20, 3);
    split_bytes before = bytes_of(&in);
    sk_resample_options options = options_with(0.5, 5, 7);
    sk_split out = resample_ok(&in, 1, SK_RESAMPLE_OVER, &options);

    /* round(0.5 * 180) = 90 positives, 180 negatives untouched. */
    assert_int_equal(90, out.positives);
    assert_int_equal(180, count_label(&out, 0));
    assert_int_equal(270, out.rows);
    assert_bytes_equal(&before, &in);
    bytes_free(&before);
    sk_resample_split_free(&out);

    /* round(0.3 * 180) = 54 */
    options.ratio = 0.3;
    out = resample_ok(&in, 1, SK_RESAMPLE_OVER, &options);
    assert_int_equal(54, out.positives);
    assert_int_equal(180, count_label(&out, 0));
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

static void under_balances_counts(void **state)
{
    (void)state;
    sk_split in = make_split(200, 20, 4);
    split_bytes before = bytes_of(&in);
    sk_split out = resample_ok(&in, 1, SK_RESAMPLE_UNDER, NULL);

    assert_int_equal(40, out.rows);
    assert_int_equal(20, out.positives);
    assert_int_equal(20, count_label(&out, 0));
    assert_bytes_equal(&before, &in);

    /* Kept rows are input rows in input order, every positive among them. */
    for (size_t i = 0; i < out.rows; i++) {
        assert_true(is_copy_of_source(&in, &out, i));
        if (i > 0)
            assert_true(out.source_row[i - 1] < out.source_row[i]);
    }
    bytes_free(&before);
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

static void under_ratio_half(void **state)
{
    (void)state;
    sk_split in = make_split(200, 20, 5);
    sk_resample_options options = options_with(0.5, 5, 9);
    sk_split out = resample_ok(&in, 1, SK_RESAMPLE_UNDER, &options);

    /* round(20 / 0.5) = 40 negatives kept. */
    assert_int_equal(20, out.positives);
    assert_int_equal(40, count_label(&out, 0));
    sk_resample_split_free(&out);

    /* round(20 / 0.3) = round(66.67) = 67 */
    options.ratio = 0.3;
    out = resample_ok(&in, 1, SK_RESAMPLE_UNDER, &options);
    assert_int_equal(20, out.positives);
    assert_int_equal(67, count_label(&out, 0));
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

/* When the negatives are the smaller class, they are the ones resampled. */
static void negative_minority(void **state)
{
    (void)state;
    sk_split in = make_split(100, 88, 6);

    sk_split out = resample_ok(&in, 1, SK_RESAMPLE_OVER, NULL);
    assert_int_equal(88, out.positives);
    assert_int_equal(88, count_label(&out, 0));
    sk_resample_split_free(&out);

    out = resample_ok(&in, 1, SK_RESAMPLE_UNDER, NULL);
    assert_int_equal(12, out.positives);
    assert_int_equal(12, count_label(&out, 0));
    sk_resample_split_free(&out);

    out = resample_ok(&in, 1, SK_RESAMPLE_SMOTE, NULL);
    assert_int_equal(88, out.positives);
    assert_int_equal(88, count_label(&out, 0));
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

/* Windows are whole rows: over- and under-sampling accept steps > 1. */
static void windows_resample_whole_rows(void **state)
{
    (void)state;
    sk_split in = make_split(60, 6, 7);
    sk_split out = resample_ok(&in, 12, SK_RESAMPLE_OVER, NULL);
    assert_int_equal(54, out.positives);
    for (size_t i = 0; i < out.rows; i++)
        assert_true(is_copy_of_source(&in, &out, i));
    sk_resample_split_free(&out);

    out = resample_ok(&in, 12, SK_RESAMPLE_UNDER, NULL);
    assert_int_equal(12, out.rows);
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

/* ---- SMOTE ------------------------------------------------------------------ */

static double squared_distance(const sk_split *s, size_t a, size_t b)
{
    double sum = 0.0;
    for (size_t f = 0; f < FEATURES; f++) {
        double d = gsl_matrix_get(s->x, a, f) - gsl_matrix_get(s->x, b, f);
        sum += d * d;
    }
    return sum;
}

typedef struct {
    double distance;
    size_t row;
} ranked_row;

static int compare_ranked(const void *a, const void *b)
{
    const ranked_row *ra = a;
    const ranked_row *rb = b;
    return (ra->distance > rb->distance) - (ra->distance < rb->distance);
}

/* Fills knn [rows][k] with the input rows that are the k nearest other
 * minority rows of each minority row, by sorting all distances. */
static void naive_neighbours(const sk_split *in, unsigned char minority, size_t k, size_t *knn)
{
    ranked_row *ranked = calloc(in->rows, sizeof *ranked);
    assert_non_null(ranked);
    for (size_t i = 0; i < in->rows; i++) {
        if (in->y[i] != minority)
            continue;
        size_t count = 0;
        for (size_t j = 0; j < in->rows; j++) {
            if (j != i && in->y[j] == minority)
                ranked[count++] = (ranked_row){squared_distance(in, i, j), j};
        }
        qsort(ranked, count, sizeof *ranked, compare_ranked);
        for (size_t n = 0; n < k; n++)
            knn[i * k + n] = ranked[n].row;
    }
    free(ranked);
}

/* Returns true when point p lies on the segment from x_i to x_j:
 * p - x_i = gap (x_j - x_i) with gap in [0, 1], to SEGMENT_TOLERANCE. */
static bool on_segment(const double *p, const sk_split *in, size_t i, size_t j)
{
    double v[FEATURES], w[FEATURES];
    double vw = 0.0, ww = 0.0;
    for (size_t f = 0; f < FEATURES; f++) {
        v[f] = p[f] - gsl_matrix_get(in->x, i, f);
        w[f] = gsl_matrix_get(in->x, j, f) - gsl_matrix_get(in->x, i, f);
        vw += v[f] * w[f];
        ww += w[f] * w[f];
    }
    double gap = ww > 0.0 ? vw / ww : 0.0;
    if (gap < -SEGMENT_TOLERANCE || gap > 1.0 + SEGMENT_TOLERANCE)
        return false;
    for (size_t f = 0; f < FEATURES; f++) {
        if (fabs(v[f] - gap * w[f]) > SEGMENT_TOLERANCE)
            return false;
    }
    return true;
}

/* Returns true when some minority row i and one of its k nearest minority
 * neighbours j have p on their segment. */
static bool on_some_neighbour_segment(const double *p, const sk_split *in,
                                      unsigned char minority, size_t k, const size_t *knn)
{
    for (size_t i = 0; i < in->rows; i++) {
        if (in->y[i] != minority)
            continue;
        for (size_t n = 0; n < k; n++) {
            if (on_segment(p, in, i, knn[i * k + n]))
                return true;
        }
    }
    return false;
}

static void check_smote(size_t rows, size_t positives, size_t k, double ratio)
{
    sk_split in = make_split(rows, positives, 100 + k);
    split_bytes before = bytes_of(&in);
    sk_resample_options options = options_with(ratio, k, 11);
    sk_split out = resample_ok(&in, 1, SK_RESAMPLE_SMOTE, &options);

    size_t target = (size_t)round(ratio * (double)(rows - positives));
    assert_int_equal(target, out.positives);
    assert_int_equal(rows - positives, count_label(&out, 0));
    assert_bytes_equal(&before, &in);

    size_t *knn = calloc(rows * k, sizeof(size_t));
    assert_non_null(knn);
    naive_neighbours(&in, 1, k, knn);
    for (size_t i = 0; i < in.rows; i++)
        assert_true(rows_equal(&in, i, &out, i));
    for (size_t r = in.rows; r < out.rows; r++) {
        assert_int_equal(1, out.y[r]);
        assert_true(out.source_row[r] == SK_RESAMPLE_SYNTHETIC_ROW);
        const double *p = gsl_matrix_const_ptr(out.x, r, 0);
        if (!on_some_neighbour_segment(p, &in, 1, k, knn))
            fail_msg("synthetic row %zu (%g, %g, %g) lies on no segment to one of the %zu "
                     "nearest minority neighbours", r, p[0], p[1], p[2], k);
    }

    /* The check itself can fail: a point moved off its segment is rejected. */
    double moved[FEATURES];
    memcpy(moved, gsl_matrix_const_ptr(out.x, in.rows, 0), sizeof moved);
    moved[1] += 1e-3;
    assert_false(on_some_neighbour_segment(moved, &in, 1, k, knn));

    free(knn);
    bytes_free(&before);
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

static void smote_on_neighbour_segments(void **state)
{
    (void)state;
    check_smote(300, 40, 5, 1.0);
    check_smote(300, 40, 1, 0.5);
    check_smote(120, 12, 11, 1.0);
}

static void smote_rejects_windows(void **state)
{
    (void)state;
    sk_split in = make_split(60, 10, 8);
    sk_split out;
    sk_error err = {""};
    assert_int_equal(SK_ERR_INPUT, sk_resample_split(&in, 4, SK_RESAMPLE_SMOTE, NULL, &out, &err));
    assert_non_null(strstr(err.message, "4 steps per row"));
    assert_non_null(strstr(err.message, "mixes time steps"));
    assert_non_null(strstr(err.message, "--resample over"));
    assert_null(out.x);
    assert_int_equal(0, out.rows);

    /* One step (and 0, read as 1) is ordinary tabular data. */
    out = resample_ok(&in, 1, SK_RESAMPLE_SMOTE, NULL);
    sk_resample_split_free(&out);
    out = resample_ok(&in, 0, SK_RESAMPLE_SMOTE, NULL);
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

static void same_seed_same_split(void **state)
{
    (void)state;
    sk_split in = make_split(150, 15, 9);
    for (int kind = SK_RESAMPLE_OVER; kind <= SK_RESAMPLE_SMOTE; kind++) {
        sk_resample_options options = options_with(1.0, 3, 42);
        sk_split a = resample_ok(&in, 1, (sk_resample_kind)kind, &options);
        sk_split b = resample_ok(&in, 1, (sk_resample_kind)kind, &options);
        split_bytes ab = bytes_of(&a);
        assert_bytes_equal(&ab, &b);

        options.seed = 43;
        sk_split c = resample_ok(&in, 1, (sk_resample_kind)kind, &options);
        assert_int_equal(a.rows, c.rows);
        bool differs = false;
        for (size_t i = 0; i < a.rows && !differs; i++)
            differs = !rows_equal(&a, i, &c, i);
        if (!differs)
            fail_msg("%s gave the same rows with seeds 42 and 43", sk_resample_name((sk_resample_kind)kind));

        bytes_free(&ab);
        sk_resample_split_free(&a);
        sk_resample_split_free(&b);
        sk_resample_split_free(&c);
    }
    sk_resample_split_free(&in);
}

/* ---- errors ----------------------------------------------------------------- */

static void expect_input_error(const sk_split *in, sk_resample_kind kind,
                               const sk_resample_options *options, const char *needle)
{
    sk_split out;
    sk_error err = {""};
    sk_status status = sk_resample_split(in, 1, kind, options, &out, &err);
    if (status != SK_ERR_INPUT)
        fail_msg("%s: expected SK_ERR_INPUT, got %d", sk_resample_name(kind), (int)status);
    if (strstr(err.message, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
    assert_null(out.x);
    assert_null(out.y);
    assert_int_equal(0, out.rows);
}

static void smote_neighbour_errors(void **state)
{
    (void)state;
    sk_split in = make_split(50, 5, 10);
    sk_resample_options options = options_with(1.0, 0, 1);
    expect_input_error(&in, SK_RESAMPLE_SMOTE, &options, "neighbour count 0");

    options.neighbours = 5;
    expect_input_error(&in, SK_RESAMPLE_SMOTE, &options, "k = 5 neighbours needs at least 6 minority rows");
    options.neighbours = 7;
    expect_input_error(&in, SK_RESAMPLE_SMOTE, &options, "has 5. Lower k below 5");

    options.neighbours = 4;
    sk_split out = resample_ok(&in, 1, SK_RESAMPLE_SMOTE, &options);
    assert_int_equal(45, out.positives);
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

static void one_class_rejected(void **state)
{
    (void)state;
    sk_split in = make_split(30, 0, 11);
    for (int kind = SK_RESAMPLE_OVER; kind <= SK_RESAMPLE_SMOTE; kind++)
        expect_input_error(&in, (sk_resample_kind)kind, NULL, "one class only (0 positive and 30 negative rows)");
    sk_resample_split_free(&in);

    in = make_split(30, 30, 12);
    expect_input_error(&in, SK_RESAMPLE_OVER, NULL, "(30 positive and 0 negative rows)");
    sk_resample_split_free(&in);

    sk_split empty = {0};
    expect_input_error(&empty, SK_RESAMPLE_UNDER, NULL, "empty training split");
}

static void ratio_errors(void **state)
{
    (void)state;
    sk_split in = make_split(100, 20, 13);
    sk_resample_options options = options_with(0.0, 5, 1);
    expect_input_error(&in, SK_RESAMPLE_OVER, &options, "invalid resampling ratio 0");
    options.ratio = 1.5;
    expect_input_error(&in, SK_RESAMPLE_UNDER, &options, "invalid resampling ratio 1.5");
    options.ratio = NAN;
    expect_input_error(&in, SK_RESAMPLE_SMOTE, &options, "must lie in (0, 1]");

    /* 20 / 80 = 0.25 already; 0.2 would need fewer minority rows. */
    options.ratio = 0.2;
    expect_input_error(&in, SK_RESAMPLE_OVER, &options, "(20 minority / 80 majority rows = 0.25)");
    expect_input_error(&in, SK_RESAMPLE_UNDER, &options, "under-sampling can only raise it");

    /* Exactly the current ratio changes nothing. */
    options.ratio = 0.25;
    sk_split out = resample_ok(&in, 1, SK_RESAMPLE_OVER, &options);
    assert_int_equal(100, out.rows);
    sk_resample_split_free(&out);
    sk_resample_split_free(&in);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(none_copies_exactly),
        cmocka_unit_test(over_balances_counts),
        cmocka_unit_test(over_ratio_half),
        cmocka_unit_test(under_balances_counts),
        cmocka_unit_test(under_ratio_half),
        cmocka_unit_test(negative_minority),
        cmocka_unit_test(windows_resample_whole_rows),
        cmocka_unit_test(smote_on_neighbour_segments),
        cmocka_unit_test(smote_rejects_windows),
        cmocka_unit_test(same_seed_same_split),
        cmocka_unit_test(smote_neighbour_errors),
        cmocka_unit_test(one_class_rejected),
        cmocka_unit_test(ratio_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
