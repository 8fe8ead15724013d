/*
 * test_model.c - logistic regression behind the sk_model interface:
 * construction, forward and backward against hand-computed values, shape
 * checks, and central-difference gradient checks through both losses.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "skewtop/model.h"
#include "skewtop/train.h"

/* cmocka 1.1.5 has no floating-point assertion. */
#define assert_close(expected, actual, tolerance)                                   \
    do {                                                                            \
        double e_ = (expected), a_ = (actual), t_ = (tolerance);                    \
        if (!(fabs(e_ - a_) <= t_))                                                 \
            fail_msg("%s: expected %.17g, got %.17g (tolerance %g)", #actual, e_,   \
                     a_, t_);                                                       \
    } while (0)

/* Exact-arithmetic checks on a few small numbers allow only rounding. */
#define ROUNDING_TOLERANCE 1e-14

/* Central differences: step relative to the parameter's size, and the
 * largest accepted relative error.  With step 1e-5 the truncation error
 * (step^2 times the third derivative) and the rounding error
 * (1e-16 / step) are both near 1e-11, far below the limit. */
#define FD_STEP 1e-5
#define FD_MAX_RELATIVE_ERROR 1e-6
/* Gradients smaller than this are compared in absolute terms against
 * FD_MAX_RELATIVE_ERROR * GRAD_SCALE_FLOOR, because their relative error
 * measures the rounding of the difference, not the backward pass. */
#define GRAD_SCALE_FLOOR 1e-4

static sk_model *new_logreg(size_t features, size_t max_batch)
{
    sk_model *model = NULL;
    sk_error err = {""};
    sk_status status = sk_model_new(SK_MODEL_LOGREG, features, max_batch, NULL, &model, &err);
    if (status != SK_OK)
        fail_msg("sk_model_new failed: %s", err.message);
    return model;
}

static void logreg_starts_at_zero(void **state)
{
    (void)state;
    sk_model *model = new_logreg(5, 8);

    assert_int_equal(sk_model_get_kind(model), SK_MODEL_LOGREG);
    assert_int_equal(sk_model_param_count(model), 6);
    for (size_t i = 0; i < 6; i++)
        assert_true(sk_model_params_const(model)[i] == 0.0);
    sk_model_free(model);
}

static void model_new_rejects_bad_sizes(void **state)
{
    (void)state;
    sk_model *model = NULL;
    sk_error err = {""};

    assert_int_equal(sk_model_new(SK_MODEL_LOGREG, 0, 8, NULL, &model, &err), SK_ERR_INPUT);
    assert_null(model);
    assert_non_null(strstr(err.message, "feature"));

    assert_int_equal(sk_model_new(SK_MODEL_LOGREG, 3, 0, NULL, &model, &err),
                     SK_ERR_INTERNAL);
    assert_null(model);

    assert_int_equal(sk_model_new((sk_model_kind)42, 3, 8, NULL, &model, &err), SK_ERR_INPUT);
    assert_null(model);
    assert_non_null(strstr(err.message, "--model logreg"));
}

static void set_output_bias_sets_last_param(void **state)
{
    (void)state;
    sk_model *model = new_logreg(3, 4);

    sk_model_set_output_bias(model, -2.5);
    assert_true(sk_model_params_const(model)[3] == -2.5);
    for (size_t i = 0; i < 3; i++)
        assert_true(sk_model_params_const(model)[i] == 0.0);
    sk_model_free(model);
}

/* x [3][2], w = (0.5, -1), b = 0.25: logits by hand. */
static void forward_hand_values(void **state)
{
    (void)state;
    sk_model *model = new_logreg(2, 4);
    double *p = sk_model_params(model);
    p[0] = 0.5;
    p[1] = -1.0;
    p[2] = 0.25;

    double xdata[] = {1.0, 2.0, -3.0, 0.5, 0.0, 0.0};
    gsl_matrix_view x = gsl_matrix_view_array(xdata, 3, 2);
    gsl_vector *logits = gsl_vector_alloc(3);

    assert_int_equal(sk_model_forward(model, &x.matrix, logits), SK_OK);
    assert_close(0.5 - 2.0 + 0.25, gsl_vector_get(logits, 0), ROUNDING_TOLERANCE);
    assert_close(-1.5 - 0.5 + 0.25, gsl_vector_get(logits, 1), ROUNDING_TOLERANCE);
    assert_close(0.25, gsl_vector_get(logits, 2), ROUNDING_TOLERANCE);

    gsl_vector_free(logits);
    sk_model_free(model);
}

/* grad_w = x^T dlogits, grad_b = sum(dlogits), by hand; grad is overwritten
 * even when it contains NaN beforehand. */
static void backward_hand_values(void **state)
{
    (void)state;
    sk_model *model = new_logreg(2, 4);
    double xdata[] = {1.0, 2.0, -3.0, 0.5, 0.0, 4.0};
    double ddata[] = {0.1, -0.2, 0.3};
    gsl_matrix_view x = gsl_matrix_view_array(xdata, 3, 2);
    gsl_vector_view dlogits = gsl_vector_view_array(ddata, 3);
    gsl_vector *logits = gsl_vector_alloc(3);
    double grad[3] = {NAN, NAN, NAN};

    assert_int_equal(sk_model_forward(model, &x.matrix, logits), SK_OK);
    assert_int_equal(sk_model_backward(model, &x.matrix, &dlogits.vector, grad), SK_OK);
    assert_close(0.1 * 1.0 - 0.2 * -3.0 + 0.3 * 0.0, grad[0], ROUNDING_TOLERANCE);
    assert_close(0.1 * 2.0 - 0.2 * 0.5 + 0.3 * 4.0, grad[1], ROUNDING_TOLERANCE);
    assert_close(0.1 - 0.2 + 0.3, grad[2], ROUNDING_TOLERANCE);

    gsl_vector_free(logits);
    sk_model_free(model);
}

/* A submatrix view (row stride larger than its width) gives the same
 * logits as a dense copy, so callers may pass views of wider matrices. */
static void forward_accepts_submatrix_view(void **state)
{
    (void)state;
    sk_model *model = new_logreg(2, 4);
    double *p = sk_model_params(model);
    p[0] = 1.5;
    p[1] = -0.5;
    p[2] = 0.1;

    double wide[] = {1.0, 2.0, 99.0, -1.0, 3.0, 99.0, 0.5, 0.5, 99.0};
    double dense[] = {1.0, 2.0, -1.0, 3.0};
    gsl_matrix_view big = gsl_matrix_view_array(wide, 3, 3);
    gsl_matrix_view sub = gsl_matrix_submatrix(&big.matrix, 0, 0, 2, 2);
    gsl_matrix_view copy = gsl_matrix_view_array(dense, 2, 2);
    gsl_vector *a = gsl_vector_alloc(2);
    gsl_vector *b = gsl_vector_alloc(2);

    assert_int_equal(sk_model_forward(model, &sub.matrix, a), SK_OK);
    assert_int_equal(sk_model_forward(model, &copy.matrix, b), SK_OK);
    for (size_t i = 0; i < 2; i++)
        assert_true(gsl_vector_get(a, i) == gsl_vector_get(b, i));

    gsl_vector_free(a);
    gsl_vector_free(b);
    sk_model_free(model);
}

static void shape_mismatch_is_rejected(void **state)
{
    (void)state;
    sk_model *model = new_logreg(2, 2);
    gsl_matrix *too_tall = gsl_matrix_calloc(3, 2);
    gsl_matrix *too_wide = gsl_matrix_calloc(2, 3);
    gsl_matrix *fits = gsl_matrix_calloc(2, 2);
    gsl_vector *logits2 = gsl_vector_alloc(2);
    gsl_vector *logits3 = gsl_vector_alloc(3);
    double grad[3];

    assert_int_equal(sk_model_forward(model, too_tall, logits3), SK_ERR_INTERNAL);
    assert_int_equal(sk_model_forward(model, too_wide, logits2), SK_ERR_INTERNAL);
    assert_int_equal(sk_model_forward(model, fits, logits3), SK_ERR_INTERNAL);
    assert_int_equal(sk_model_backward(model, fits, logits3, grad), SK_ERR_INTERNAL);
    assert_int_equal(sk_model_backward(model, fits, logits2, NULL), SK_ERR_INTERNAL);
    assert_int_equal(sk_model_forward(model, fits, logits2), SK_OK);

    gsl_matrix_free(too_tall);
    gsl_matrix_free(too_wide);
    gsl_matrix_free(fits);
    gsl_vector_free(logits2);
    gsl_vector_free(logits3);
    sk_model_free(model);
}

/* ---- central-difference gradient checks ----------------------------------- */

typedef struct {
    sk_model *model;
    gsl_matrix *x;            /* [batch][features] */
    unsigned char *y;         /* [batch] */
    gsl_vector *logits;       /* [batch] */
    gsl_vector *dlogits;      /* [batch] */
    sk_loss loss;
    double weight_neg, weight_pos;
} grad_case;

/* Returns the mean loss at the model's current parameters and, when
 * dlogits is wanted, fills c->dlogits. */
static double case_loss(grad_case *c, bool want_dlogits)
{
    assert_int_equal(sk_model_forward(c->model, c->x, c->logits), SK_OK);
    return sk_loss_eval(&c->loss, c->logits->data, c->y, c->x->size1, c->weight_neg,
                        c->weight_pos, want_dlogits ? c->dlogits->data : NULL);
}

static void check_gradient(grad_case *c, const char *label)
{
    size_t count = sk_model_param_count(c->model);
    double *params = sk_model_params(c->model);
    double *grad = malloc(count * sizeof *grad);
    assert_non_null(grad);

    case_loss(c, true);
    assert_int_equal(sk_model_backward(c->model, c->x, c->dlogits, grad), SK_OK);

    for (size_t j = 0; j < count; j++) {
        double saved = params[j];
        double h = FD_STEP * fmax(1.0, fabs(saved));
        params[j] = saved + h;
        double up = case_loss(c, false);
        params[j] = saved - h;
        double down = case_loss(c, false);
        params[j] = saved;

        double numeric = (up - down) / (2.0 * h);
        double scale = fmax(fmax(fabs(numeric), fabs(grad[j])), GRAD_SCALE_FLOOR);
        double relative = fabs(numeric - grad[j]) / scale;
        if (!(relative <= FD_MAX_RELATIVE_ERROR))
            fail_msg("%s, param %zu: backward %.17g, central difference %.17g, "
                     "relative error %.3g > %g", label, j, grad[j], numeric, relative,
                     FD_MAX_RELATIVE_ERROR);
    }
    free(grad);
}

static void gradient_matches_central_differences(void **state)
{
    (void)state;
    static const size_t batches[] = {1, 7, 32};
    static const size_t feature_counts[] = {1, 5, 20};
    static const sk_loss losses[] = {
        {SK_LOSS_BCE, 0.0, 0.5},
        {SK_LOSS_FOCAL, 2.0, 0.25},
        {SK_LOSS_FOCAL, 0.5, 0.7},
    };
    static const double weights[][2] = {{1.0, 1.0}, {0.3, 4.0}};

    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20240601);

    for (size_t bi = 0; bi < 3; bi++) {
        for (size_t fi = 0; fi < 3; fi++) {
            size_t batch = batches[bi], features = feature_counts[fi];
            grad_case c = {0};
            c.model = new_logreg(features, batch);
            c.x = gsl_matrix_alloc(batch, features);
            c.y = malloc(batch);
            c.logits = gsl_vector_alloc(batch);
            c.dlogits = gsl_vector_alloc(batch);
            assert_non_null(c.y);

            /* Non-zero parameters in +-[0.1, 1] so no term vanishes. */
            double *p = sk_model_params(c.model);
            for (size_t j = 0; j < sk_model_param_count(c.model); j++) {
                double magnitude = 0.1 + 0.9 * gsl_rng_uniform(rng);
                p[j] = gsl_rng_uniform(rng) < 0.5 ? -magnitude : magnitude;
            }
            for (size_t i = 0; i < batch; i++) {
                for (size_t k = 0; k < features; k++)
                    gsl_matrix_set(c.x, i, k, gsl_ran_gaussian(rng, 1.0));
                c.y[i] = gsl_rng_uniform(rng) < 0.4;
            }

            for (size_t li = 0; li < 3; li++) {
                for (size_t wi = 0; wi < 2; wi++) {
                    char label[128];
                    c.loss = losses[li];
                    c.weight_neg = weights[wi][0];
                    c.weight_pos = weights[wi][1];
                    snprintf(label, sizeof label,
                             "batch %zu, features %zu, loss %d gamma %g, weights %g:%g",
                             batch, features, (int)c.loss.kind, c.loss.focal_gamma,
                             c.weight_neg, c.weight_pos);
                    check_gradient(&c, label);
                }
            }

            sk_model_free(c.model);
            gsl_matrix_free(c.x);
            free(c.y);
            gsl_vector_free(c.logits);
            gsl_vector_free(c.dlogits);
        }
    }
    gsl_rng_free(rng);
}

int main(void)
{
    gsl_set_error_handler_off();

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(logreg_starts_at_zero),
        cmocka_unit_test(model_new_rejects_bad_sizes),
        cmocka_unit_test(set_output_bias_sets_last_param),
        cmocka_unit_test(forward_hand_values),
        cmocka_unit_test(backward_hand_values),
        cmocka_unit_test(forward_accepts_submatrix_view),
        cmocka_unit_test(shape_mismatch_is_rejected),
        cmocka_unit_test(gradient_matches_central_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
