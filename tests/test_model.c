/*
 * test_model.c - the model families behind the sk_model interface.
 *
 * Logistic regression: construction, forward and backward against
 * hand-computed values, shape checks, and central-difference gradient
 * checks through both losses.  MLP, LSTM and GRU: configuration checks,
 * parameter layout and initialisation, dropout, central-difference
 * gradient checks over many shapes through the BCE loss, and forward
 * values and gradients against PyTorch reference files made by
 * tests/fixtures/recurrent/generate.py.
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

#include "test_support.h"

/* Exact-arithmetic checks on a few small numbers allow only rounding. */
#define ROUNDING_TOLERANCE 1e-14

/* Central differences of fourth order,
 *   f'(x) ~ (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / (12 h),
 * with a step relative to the parameter's size.  With step 1e-4 the
 * truncation error (of order step^4) is negligible and the rounding error
 * is near 1e-16 / step = 1e-12, far below FD_MAX_RELATIVE_ERROR
 * (test_support.h); a wider step would cross more ReLU kinks. */
#define FD_STEP 1e-4

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
    bool fixed_mask;          /* reseed the dropout generator before each forward */
    unsigned long mask_seed;
} grad_case;

/* Returns the mean loss at the model's current parameters and, when
 * dlogits is wanted, fills c->dlogits. */
static double case_loss(grad_case *c, bool want_dlogits)
{
    if (c->fixed_mask)
        sk_model_set_seed(c->model, c->mask_seed);
    assert_int_equal(sk_model_forward(c->model, c->x, c->logits), SK_OK);
    return sk_loss_eval(&c->loss, c->logits->data, c->y, c->x->size1, c->weight_neg,
                        c->weight_pos, want_dlogits ? c->dlogits->data : NULL);
}

/* Compares backward with central differences for every parameter and
 * returns the largest relative error. */
static double check_gradient(grad_case *c, const char *label)
{
    double max_relative = 0.0;
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
        params[j] = saved + 2.0 * h;
        double up2 = case_loss(c, false);
        params[j] = saved - 2.0 * h;
        double down2 = case_loss(c, false);
        params[j] = saved;

        double numeric = (8.0 * (up - down) - (up2 - down2)) / (12.0 * h);
        double relative = gradient_relative_error(grad[j], numeric);
        max_relative = fmax(max_relative, relative);
        if (!(relative <= FD_MAX_RELATIVE_ERROR))
            fail_msg("%s, param %zu: backward %.17g, central difference %.17g, "
                     "relative error %.3g > %g", label, j, grad[j], numeric, relative,
                     FD_MAX_RELATIVE_ERROR);
    }
    free(grad);
    return max_relative;
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

/* ---- MLP, LSTM and GRU: construction and layout ----------------------------- */

/* Seed of the generator that initialises the networks in these tests. */
#define INIT_SEED 20240917

/* Orthonormal columns from a QR decomposition hold to rounding. */
#define ORTHONORMAL_TOLERANCE 1e-12

static sk_model_config network_config(sk_model_kind kind, size_t features, size_t steps,
                                      size_t hidden, size_t layers)
{
    sk_model_config config = sk_model_config_defaults(kind, features);
    config.steps = steps;
    config.hidden = hidden;
    config.layers = layers;
    return config;
}

/* Creates a network from config with a generator seeded by seed. */
static sk_model *new_network(const sk_model_config *config, size_t max_batch,
                             unsigned long seed)
{
    sk_model *model = NULL;
    sk_error err = {""};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, seed);
    sk_status status = sk_model_new_config(config, max_batch, rng, &model, &err);
    gsl_rng_free(rng);
    if (status != SK_OK)
        fail_msg("sk_model_new_config(%s) failed: %s", sk_model_kind_name(config->kind),
                 err.message);
    return model;
}

static void kind_names_and_defaults(void **state)
{
    (void)state;
    assert_string_equal(sk_model_kind_name(SK_MODEL_LOGREG), "logreg");
    assert_string_equal(sk_model_kind_name(SK_MODEL_MLP), "mlp");
    assert_string_equal(sk_model_kind_name(SK_MODEL_LSTM), "lstm");
    assert_string_equal(sk_model_kind_name(SK_MODEL_GRU), "gru");
    assert_string_equal(sk_model_kind_name((sk_model_kind)42), "unknown");

    sk_model_config c = sk_model_config_defaults(SK_MODEL_GRU, 7);
    assert_int_equal(c.kind, SK_MODEL_GRU);
    assert_int_equal(c.features, 7);
    assert_int_equal(c.steps, 1);
    assert_int_equal(c.hidden, 10);
    assert_int_equal(c.layers, 1);
    assert_int_equal(c.activation, SK_ACTIVATION_RELU);
    assert_true(c.dropout == 0.0);
    assert_int_equal(c.readout, SK_READOUT_LAST);
}

typedef struct {
    sk_model_config config;
    sk_status status;
    const char *expected;     /* substring of the message */
} bad_config_case;

static void model_new_config_rejects_bad_shapes(void **state)
{
    (void)state;
    sk_model_config mlp = network_config(SK_MODEL_MLP, 3, 1, 4, 1);
    sk_model_config lstm = network_config(SK_MODEL_LSTM, 3, 4, 4, 1);
    bad_config_case cases[10];
    for (size_t i = 0; i < 10; i++)
        cases[i].status = SK_ERR_INPUT;

    cases[0].config = mlp;
    cases[0].config.hidden = 0;
    cases[0].expected = "--hidden must be between 1 and 65536 for the MLP model, got 0";
    cases[1].config = mlp;
    cases[1].config.layers = 4;
    cases[1].expected = "--layers must be between 1 and 3 for the MLP model, got 4";
    cases[2].config = lstm;
    cases[2].config.layers = 3;
    cases[2].expected = "--layers must be between 1 and 2 for the LSTM model, got 3";
    cases[3].config = lstm;
    cases[3].config.layers = 0;
    cases[3].expected = "--layers must be between 1 and 2";
    cases[4].config = lstm;
    cases[4].config.dropout = 1.0;
    cases[4].expected = "--dropout must be at least 0 and below 1, got 1";
    cases[5].config = mlp;
    cases[5].config.dropout = NAN;
    cases[5].expected = "--dropout must be at least 0 and below 1, got nan";
    cases[6].config = lstm;
    cases[6].config.steps = 0;
    cases[6].expected = "--window";
    cases[7].config = mlp;
    cases[7].config.activation = (sk_activation)9;
    cases[7].expected = "use tanh or relu";
    cases[8].config = lstm;
    cases[8].config.readout = (sk_readout)9;
    cases[8].expected = "unknown readout 9";
    cases[9].config = lstm;
    cases[9].config.hidden = SK_MODEL_MAX_HIDDEN + 1;
    cases[9].expected = "--hidden must be between 1 and 65536 for the LSTM model, got 65537";

    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t i = 0; i < 10; i++) {
        sk_model *model = NULL;
        sk_error err = {""};
        assert_int_equal(sk_model_new_config(&cases[i].config, 4, rng, &model, &err),
                         cases[i].status);
        assert_null(model);
        if (strstr(err.message, cases[i].expected) == NULL)
            fail_msg("case %zu: expected a message containing \"%s\", got \"%s\"", i,
                     cases[i].expected, err.message);
    }

    /* A network needs a generator for its initial weights. */
    sk_model *model = NULL;
    sk_error err = {""};
    assert_int_equal(sk_model_new_config(&mlp, 4, NULL, &model, &err), SK_ERR_INPUT);
    assert_null(model);
    assert_non_null(strstr(err.message, "random generator"));
    gsl_rng_free(rng);
}

/* Returns the documented parameter count of one recurrent layer. */
static size_t recurrent_layer_params(sk_model_kind kind, size_t input, size_t hidden)
{
    size_t gates = kind == SK_MODEL_LSTM ? 4 : 3;
    size_t biases = kind == SK_MODEL_LSTM ? 4 * hidden : 6 * hidden;
    return gates * hidden * (input + hidden) + biases;
}

/* Parameter counts follow the layouts documented in mlp.c and
 * recurrent.c; the weight mask marks every weight and no bias. */
static void param_count_and_weight_mask(void **state)
{
    (void)state;
    struct {
        sk_model_config config;
        size_t params, weights;
    } cases[5];
    size_t n = 0;

    /* MLP, input 4 * 3 = 12, hidden 5, 3 layers */
    cases[n].config = network_config(SK_MODEL_MLP, 4, 3, 5, 3);
    cases[n].weights = 5 * 12 + 5 * 5 + 5 * 5 + 5;
    cases[n++].params = 5 * 12 + 5 + 2 * (5 * 5 + 5) + 5 + 1;
    /* LSTM, 2 layers, last step */
    cases[n].config = network_config(SK_MODEL_LSTM, 3, 6, 4, 2);
    cases[n].weights = 16 * (3 + 4) + 16 * (4 + 4) + 4;
    cases[n++].params = recurrent_layer_params(SK_MODEL_LSTM, 3, 4)
                        + recurrent_layer_params(SK_MODEL_LSTM, 4, 4) + 4 + 1;
    /* LSTM, 1 layer, flattened: w_out has steps * hidden entries */
    cases[n].config = network_config(SK_MODEL_LSTM, 2, 6, 4, 1);
    cases[n].config.readout = SK_READOUT_FLATTEN;
    cases[n].weights = 16 * (2 + 4) + 24;
    cases[n++].params = recurrent_layer_params(SK_MODEL_LSTM, 2, 4) + 24 + 1;
    /* GRU, 2 layers, flattened */
    cases[n].config = network_config(SK_MODEL_GRU, 3, 5, 2, 2);
    cases[n].config.readout = SK_READOUT_FLATTEN;
    cases[n].weights = 6 * (3 + 2) + 6 * (2 + 2) + 10;
    cases[n++].params = recurrent_layer_params(SK_MODEL_GRU, 3, 2)
                        + recurrent_layer_params(SK_MODEL_GRU, 2, 2) + 10 + 1;
    /* logreg reads steps * features columns */
    cases[n].config = network_config(SK_MODEL_LOGREG, 3, 4, 1, 1);
    cases[n].weights = 12;
    cases[n++].params = 13;

    for (size_t i = 0; i < n; i++) {
        sk_model *model = new_network(&cases[i].config, 3, INIT_SEED);
        const unsigned char *mask = sk_model_weight_mask(model);
        size_t weights = 0;

        assert_int_equal(sk_model_param_count(model), cases[i].params);
        for (size_t j = 0; j < cases[i].params; j++)
            weights += mask[j];
        assert_int_equal(weights, cases[i].weights);
        assert_int_equal(mask[cases[i].params - 1], 0);   /* the output bias */
        sk_model_free(model);
    }
}

/* Checks that w [rows][cols] has orthonormal columns: w^T w = I. */
static void assert_orthonormal_columns(const double *w, size_t rows, size_t cols)
{
    for (size_t a = 0; a < cols; a++) {
        for (size_t b = 0; b < cols; b++) {
            double dot = 0.0;
            for (size_t i = 0; i < rows; i++)
                dot += w[i * cols + a] * w[i * cols + b];
            assert_close(a == b ? 1.0 : 0.0, dot, ORTHONORMAL_TOLERANCE);
        }
    }
}

/* Checks that the count values of w lie in the Glorot limit and are not
 * all zero. */
static void assert_glorot(const double *w, size_t count, size_t fan_in, size_t fan_out)
{
    double limit = sqrt(6.0 / (double)(fan_in + fan_out));
    double largest = 0.0;
    for (size_t i = 0; i < count; i++) {
        if (!(fabs(w[i]) <= limit))
            fail_msg("weight %zu = %g is outside the Glorot limit %g", i, w[i], limit);
        largest = fmax(largest, fabs(w[i]));
    }
    assert_true(largest > 0.1 * limit);
}

/* LSTM: Glorot input weights, orthogonal recurrent weights, forget-gate
 * bias 1 and every other bias 0; the same seed gives the same weights. */
static void lstm_initial_weights(void **state)
{
    (void)state;
    const size_t F = 3, H = 5;
    sk_model_config config = network_config(SK_MODEL_LSTM, F, 4, H, 2);
    sk_model *model = new_network(&config, 2, INIT_SEED);
    sk_model *again = new_network(&config, 2, INIT_SEED);
    const double *p = sk_model_params_const(model);
    size_t offset = 0;

    for (size_t l = 0; l < 2; l++) {
        size_t in = l == 0 ? F : H;
        assert_glorot(p + offset, 4 * H * in, in, 4 * H);
        offset += 4 * H * in;
        assert_orthonormal_columns(p + offset, 4 * H, H);
        offset += 4 * H * H;
        for (size_t j = 0; j < 4 * H; j++)
            assert_true(p[offset + j] == (j >= H && j < 2 * H ? 1.0 : 0.0));
        offset += 4 * H;
    }
    assert_glorot(p + offset, H, H, 1);
    assert_true(p[offset + H] == 0.0);
    assert_int_equal(offset + H + 1, sk_model_param_count(model));
    assert_memory_equal(p, sk_model_params_const(again),
                        sk_model_param_count(model) * sizeof *p);

    sk_model_set_output_bias(model, -3.0);
    assert_true(sk_model_params_const(model)[offset + H] == -3.0);
    sk_model_free(model);
    sk_model_free(again);
}

/* GRU: both bias vectors start at 0; recurrent weights are orthogonal. */
static void gru_initial_weights(void **state)
{
    (void)state;
    const size_t F = 2, H = 4;
    sk_model_config config = network_config(SK_MODEL_GRU, F, 3, H, 1);
    config.readout = SK_READOUT_FLATTEN;
    sk_model *model = new_network(&config, 2, INIT_SEED);
    const double *p = sk_model_params_const(model);

    assert_glorot(p, 3 * H * F, F, 3 * H);
    assert_orthonormal_columns(p + 3 * H * F, 3 * H, H);
    size_t biases = 3 * H * (F + H);
    for (size_t j = 0; j < 6 * H; j++)
        assert_true(p[biases + j] == 0.0);
    assert_glorot(p + biases + 6 * H, 3 * H, 3 * H, 1);
    assert_true(p[sk_model_param_count(model) - 1] == 0.0);
    sk_model_free(model);
}

/* MLP: Glorot weights, zero biases, layer by layer. */
static void mlp_initial_weights(void **state)
{
    (void)state;
    const size_t in = 6, H = 8;
    sk_model_config config = network_config(SK_MODEL_MLP, 3, 2, H, 2);
    sk_model *model = new_network(&config, 2, INIT_SEED);
    const double *p = sk_model_params_const(model);

    assert_glorot(p, H * in, in, H);
    for (size_t j = 0; j < H; j++)
        assert_true(p[H * in + j] == 0.0);
    size_t second = H * in + H;
    assert_glorot(p + second, H * H, H, H);
    for (size_t j = 0; j < H; j++)
        assert_true(p[second + H * H + j] == 0.0);
    assert_glorot(p + second + H * H + H, H, H, 1);
    assert_true(p[sk_model_param_count(model) - 1] == 0.0);
    sk_model_free(model);
}

/* Fills x with standard Gaussian values. */
static void fill_gaussian(gsl_matrix *x, gsl_rng *rng)
{
    for (size_t i = 0; i < x->size1; i++) {
        for (size_t k = 0; k < x->size2; k++)
            gsl_matrix_set(x, i, k, gsl_ran_gaussian(rng, 1.0));
    }
}

/* A recurrent model reads x through its row stride, so a view of a wider
 * matrix gives the same logits as a dense copy. */
static void recurrent_accepts_submatrix_view(void **state)
{
    (void)state;
    static const sk_model_kind kinds[] = {SK_MODEL_LSTM, SK_MODEL_GRU, SK_MODEL_MLP};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);

    for (size_t k = 0; k < 3; k++) {
        sk_model_config config = network_config(kinds[k], 2, 3, 4, 2);
        sk_model *model = new_network(&config, 4, INIT_SEED);
        gsl_matrix *wide = gsl_matrix_alloc(3, 9);
        gsl_matrix *dense = gsl_matrix_alloc(3, 6);
        gsl_vector *a = gsl_vector_alloc(3);
        gsl_vector *b = gsl_vector_alloc(3);
        fill_gaussian(wide, rng);
        gsl_matrix_view sub = gsl_matrix_submatrix(wide, 0, 1, 3, 6);
        gsl_matrix_memcpy(dense, &sub.matrix);

        assert_int_equal(sk_model_forward(model, &sub.matrix, a), SK_OK);
        assert_int_equal(sk_model_forward(model, dense, b), SK_OK);
        for (size_t i = 0; i < 3; i++)
            assert_true(gsl_vector_get(a, i) == gsl_vector_get(b, i));

        gsl_matrix_free(wide);
        gsl_matrix_free(dense);
        gsl_vector_free(a);
        gsl_vector_free(b);
        sk_model_free(model);
    }
    gsl_rng_free(rng);
}

/* Backward needs a forward pass of the same batch size first. */
static void backward_needs_matching_forward(void **state)
{
    (void)state;
    sk_model_config config = network_config(SK_MODEL_LSTM, 2, 3, 3, 1);
    sk_model *model = new_network(&config, 4, INIT_SEED);
    gsl_matrix *x4 = gsl_matrix_calloc(4, 6);
    gsl_matrix *x2 = gsl_matrix_calloc(2, 6);
    gsl_vector *v4 = gsl_vector_calloc(4);
    gsl_vector *v2 = gsl_vector_calloc(2);
    double *grad = malloc(sk_model_param_count(model) * sizeof *grad);
    assert_non_null(grad);

    assert_int_equal(sk_model_backward(model, x4, v4, grad), SK_ERR_INTERNAL);
    assert_int_equal(sk_model_forward(model, x4, v4), SK_OK);
    assert_int_equal(sk_model_backward(model, x2, v2, grad), SK_ERR_INTERNAL);
    assert_int_equal(sk_model_backward(model, x4, v4, grad), SK_OK);
    /* x with steps * features = 5 columns instead of 6 */
    gsl_matrix_view narrow = gsl_matrix_submatrix(x4, 0, 0, 4, 5);
    assert_int_equal(sk_model_forward(model, &narrow.matrix, v4), SK_ERR_INTERNAL);

    free(grad);
    gsl_matrix_free(x4);
    gsl_matrix_free(x2);
    gsl_vector_free(v4);
    gsl_vector_free(v2);
    sk_model_free(model);
}

/* ---- dropout ---------------------------------------------------------------- */

/* Runs one forward pass and returns logit i. */
static double forward_logit(sk_model *model, const gsl_matrix *x, gsl_vector *logits, size_t i)
{
    assert_int_equal(sk_model_forward(model, x, logits), SK_OK);
    return gsl_vector_get(logits, i);
}

/* Inference mode ignores dropout: the logits equal those of the same
 * network built without dropout (the same seed draws the same weights).
 * Training mode draws a new mask on every pass, and reseeding repeats it. */
static void dropout_only_in_training(void **state)
{
    (void)state;
    static const sk_model_kind kinds[] = {SK_MODEL_MLP, SK_MODEL_LSTM, SK_MODEL_GRU};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 17);

    for (size_t k = 0; k < 3; k++) {
        sk_model_config plain_config = network_config(kinds[k], 3, 4, 6, 2);
        sk_model_config drop_config = plain_config;
        drop_config.dropout = 0.4;
        sk_model *plain = new_network(&plain_config, 5, INIT_SEED);
        sk_model *drop = new_network(&drop_config, 5, INIT_SEED);
        gsl_matrix *x = gsl_matrix_alloc(5, 12);
        gsl_vector *a = gsl_vector_alloc(5);
        gsl_vector *b = gsl_vector_alloc(5);
        fill_gaussian(x, rng);

        assert_false(sk_model_is_training(drop));
        assert_int_equal(sk_model_forward(plain, x, a), SK_OK);
        assert_int_equal(sk_model_forward(drop, x, b), SK_OK);
        for (size_t i = 0; i < 5; i++)
            assert_true(gsl_vector_get(a, i) == gsl_vector_get(b, i));

        sk_model_set_training(drop, true);
        assert_true(sk_model_is_training(drop));
        sk_model_set_seed(drop, 99);
        double first = forward_logit(drop, x, b, 0);
        double second = forward_logit(drop, x, b, 0);
        sk_model_set_seed(drop, 99);
        double repeated = forward_logit(drop, x, b, 0);
        assert_true(first != second);
        assert_true(first == repeated);

        /* Dropout does not act in training mode at rate 0. */
        sk_model_set_training(plain, true);
        assert_true(forward_logit(plain, x, b, 3) == gsl_vector_get(a, 3));

        gsl_matrix_free(x);
        gsl_vector_free(a);
        gsl_vector_free(b);
        sk_model_free(plain);
        sk_model_free(drop);
    }
    gsl_rng_free(rng);
}

/* Draws for the inverted-dropout scaling check. */
#define DROPOUT_DRAWS 2000
/* The mean of the draws must lie within this many standard errors of the
 * inference logit; 5 gives a false alarm about once in 1.7 million runs. */
#define DROPOUT_STANDARD_ERRORS 5.0

/* Inverted dropout keeps the expected output: with one MLP layer the logit
 * is linear in the mask, so its mean over many training passes equals the
 * inference logit.  Without the 1 / (1 - p) scaling the mean would sit at
 * (1 - p) times the logit (the output bias is 0), and the test checks that
 * this is more than 20 standard errors away. */
static void inverted_dropout_keeps_the_mean(void **state)
{
    (void)state;
    sk_model_config config = network_config(SK_MODEL_MLP, 4, 1, 200, 1);
    config.dropout = 0.5;
    sk_model *model = new_network(&config, 1, INIT_SEED);
    gsl_matrix *x = gsl_matrix_alloc(1, 4);
    gsl_vector *logit = gsl_vector_alloc(1);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    fill_gaussian(x, rng);
    sk_model_set_output_bias(model, 0.0);

    double expected = forward_logit(model, x, logit, 0);
    sk_model_set_training(model, true);
    double sum = 0.0, sum_squares = 0.0;
    for (size_t i = 0; i < DROPOUT_DRAWS; i++) {
        double z = forward_logit(model, x, logit, 0);
        sum += z;
        sum_squares += z * z;
    }
    double mean = sum / DROPOUT_DRAWS;
    double variance = (sum_squares - DROPOUT_DRAWS * mean * mean) / (DROPOUT_DRAWS - 1);
    double standard_error = sqrt(variance / DROPOUT_DRAWS);

    assert_true(standard_error > 0.0);
    if (!(fabs(mean - expected) <= DROPOUT_STANDARD_ERRORS * standard_error))
        fail_msg("mean training logit %g, inference logit %g, standard error %g", mean,
                 expected, standard_error);
    if (!(fabs(0.5 * expected - expected) > 4.0 * DROPOUT_STANDARD_ERRORS * standard_error))
        fail_msg("the check cannot tell scaled from unscaled dropout: logit %g, standard "
                 "error %g", expected, standard_error);

    gsl_matrix_free(x);
    gsl_vector_free(logit);
    gsl_rng_free(rng);
    sk_model_free(model);
}

/* ---- central-difference gradient checks of the networks ---------------------- */

/* Parameters of gradient checks are drawn from U(-range, range), wide
 * enough that gates and activations leave their linear region. */
#define GRAD_CHECK_PARAM_RANGE 0.8

/* Draws the model's parameters, inputs and labels for a gradient check. */
static grad_case make_network_case(const sk_model_config *config, size_t batch, gsl_rng *rng)
{
    grad_case c = {0};
    size_t columns = config->features * config->steps;

    c.model = new_network(config, batch, gsl_rng_get(rng));
    c.x = gsl_matrix_alloc(batch, columns);
    c.y = malloc(batch);
    c.logits = gsl_vector_alloc(batch);
    c.dlogits = gsl_vector_alloc(batch);
    assert_non_null(c.y);
    c.loss.kind = SK_LOSS_BCE;
    c.weight_neg = 1.0;
    c.weight_pos = 1.0;

    double *p = sk_model_params(c.model);
    for (size_t j = 0; j < sk_model_param_count(c.model); j++)
        p[j] = gsl_ran_flat(rng, -GRAD_CHECK_PARAM_RANGE, GRAD_CHECK_PARAM_RANGE);
    fill_gaussian(c.x, rng);
    for (size_t i = 0; i < batch; i++)
        c.y[i] = gsl_rng_uniform(rng) < 0.5;
    return c;
}

static void free_case(grad_case *c)
{
    sk_model_free(c->model);
    gsl_matrix_free(c->x);
    free(c->y);
    gsl_vector_free(c->logits);
    gsl_vector_free(c->dlogits);
}

static void describe_config(char *label, size_t size, const sk_model_config *c, size_t batch)
{
    snprintf(label, size,
             "%s, batch %zu, steps %zu, features %zu, hidden %zu, layers %zu, %s, %s, "
             "dropout %g", sk_model_kind_name(c->kind), batch, c->steps, c->features,
             c->hidden, c->layers, c->activation == SK_ACTIVATION_RELU ? "relu" : "tanh",
             c->readout == SK_READOUT_LAST ? "last" : "flatten", c->dropout);
}

/* Every combination of batch 1 and 5; steps 1, 3 and 12; features 1 and 4;
 * hidden 2 and 10; 1 and 2 layers; both readouts; through the BCE loss. */
static void check_recurrent_gradients(sk_model_kind kind)
{
    static const size_t batches[] = {1, 5}, steps[] = {1, 3, 12}, features[] = {1, 4},
                        hidden[] = {2, 10}, layers[] = {1, 2};
    static const sk_readout readouts[] = {SK_READOUT_LAST, SK_READOUT_FLATTEN};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, kind == SK_MODEL_LSTM ? 31 : 37);
    double worst = 0.0;
    size_t cases = 0;

    for (size_t bi = 0; bi < 2; bi++)
    for (size_t si = 0; si < 3; si++)
    for (size_t fi = 0; fi < 2; fi++)
    for (size_t hi = 0; hi < 2; hi++)
    for (size_t li = 0; li < 2; li++)
    for (size_t ri = 0; ri < 2; ri++) {
        sk_model_config config = network_config(kind, features[fi], steps[si], hidden[hi],
                                                layers[li]);
        config.readout = readouts[ri];
        char label[256];
        describe_config(label, sizeof label, &config, batches[bi]);

        grad_case c = make_network_case(&config, batches[bi], rng);
        worst = fmax(worst, check_gradient(&c, label));
        cases++;
        free_case(&c);
    }
    print_message("%s: %zu shapes, largest relative error %.3g\n", sk_model_kind_name(kind),
                  cases, worst);
    gsl_rng_free(rng);
}

static void lstm_gradient_matches_central_differences(void **state)
{
    (void)state;
    check_recurrent_gradients(SK_MODEL_LSTM);
}

static void gru_gradient_matches_central_differences(void **state)
{
    (void)state;
    check_recurrent_gradients(SK_MODEL_GRU);
}

/* Every combination of 1 to 3 layers; ReLU and tanh; batch 1 and 5; input
 * widths 1, 4 and 4 * 3 (a window of 3 steps); hidden 2 and 10. */
static void mlp_gradient_matches_central_differences(void **state)
{
    (void)state;
    static const size_t batches[] = {1, 5}, hidden[] = {2, 10};
    static const size_t shapes[][2] = {{1, 1}, {4, 1}, {4, 3}};   /* features, steps */
    static const sk_activation activations[] = {SK_ACTIVATION_RELU, SK_ACTIVATION_TANH};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 41);
    double worst = 0.0;
    size_t cases = 0;

    for (size_t layers = 1; layers <= 3; layers++)
    for (size_t ai = 0; ai < 2; ai++)
    for (size_t bi = 0; bi < 2; bi++)
    for (size_t si = 0; si < 3; si++)
    for (size_t hi = 0; hi < 2; hi++) {
        sk_model_config config = network_config(SK_MODEL_MLP, shapes[si][0], shapes[si][1],
                                                hidden[hi], layers);
        config.activation = activations[ai];
        char label[256];
        describe_config(label, sizeof label, &config, batches[bi]);

        grad_case c = make_network_case(&config, batches[bi], rng);
        worst = fmax(worst, check_gradient(&c, label));
        cases++;
        free_case(&c);
    }
    print_message("mlp: %zu shapes, largest relative error %.3g\n", cases, worst);
    gsl_rng_free(rng);
}

/* With dropout in training mode and the mask held fixed by reseeding
 * before every forward pass, the gradient is that of the masked network.
 * This check also covers class weights and the focal loss. */
static void dropout_gradient_with_fixed_mask(void **state)
{
    (void)state;
    static const sk_model_kind kinds[] = {SK_MODEL_MLP, SK_MODEL_LSTM, SK_MODEL_GRU};
    static const sk_loss focal = {SK_LOSS_FOCAL, 2.0, 0.25};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 43);
    double worst = 0.0;

    for (size_t k = 0; k < 3; k++) {
        for (size_t layers = 1; layers <= 2; layers++) {
            sk_model_config config = network_config(kinds[k], 3, 4, 6, layers);
            config.dropout = 0.3;
            config.activation = SK_ACTIVATION_TANH;
            config.readout = layers == 1 ? SK_READOUT_FLATTEN : SK_READOUT_LAST;
            char label[256];
            describe_config(label, sizeof label, &config, 5);

            grad_case c = make_network_case(&config, 5, rng);
            sk_model_set_training(c.model, true);
            c.fixed_mask = true;
            c.mask_seed = 1000 + k;
            worst = fmax(worst, check_gradient(&c, label));

            c.loss = focal;
            c.weight_neg = 0.4;
            c.weight_pos = 3.0;
            worst = fmax(worst, check_gradient(&c, label));
            free_case(&c);
        }
    }
    print_message("dropout: largest relative error %.3g\n", worst);
    gsl_rng_free(rng);
}

/* ---- agreement with PyTorch --------------------------------------------------- */

/* Both sides compute in double precision, so they differ only by rounding
 * and summation order: about 1e-15 here.  This bound is far tighter than
 * the 1e-6 that agreement requires. */
#define PYTORCH_TOLERANCE 1e-12

#define FIXTURE_MAX_ARRAYS 64

typedef struct {
    char name[64];
    size_t count;
    double *values;
} fixture_array;

/* One file written by tests/fixtures/recurrent/generate.py. */
typedef struct {
    char kind[16], readout[16];
    size_t batch, steps, features, hidden, layers;
    fixture_array arrays[FIXTURE_MAX_ARRAYS];
    size_t array_count;
} torch_fixture;

static void fixture_read_array(FILE *in, torch_fixture *f, const char *path)
{
    if (f->array_count == FIXTURE_MAX_ARRAYS)
        fail_msg("%s: more than %d arrays", path, FIXTURE_MAX_ARRAYS);
    fixture_array *a = &f->arrays[f->array_count++];
    if (fscanf(in, "%63s %zu", a->name, &a->count) != 2)
        fail_msg("%s: an array line has no name and count", path);
    a->values = malloc(a->count * sizeof *a->values);
    assert_non_null(a->values);
    for (size_t i = 0; i < a->count; i++) {
        if (fscanf(in, "%lf", &a->values[i]) != 1)
            fail_msg("%s: array %s ends after %zu of %zu values", path, a->name, i, a->count);
    }
}

static void fixture_read_size(FILE *in, torch_fixture *f, const char *path)
{
    char key[32];
    size_t value;
    if (fscanf(in, "%31s %zu", key, &value) != 2)
        fail_msg("%s: a size line has no name and value", path);
    if (strcmp(key, "batch") == 0)
        f->batch = value;
    else if (strcmp(key, "steps") == 0)
        f->steps = value;
    else if (strcmp(key, "features") == 0)
        f->features = value;
    else if (strcmp(key, "hidden") == 0)
        f->hidden = value;
    else if (strcmp(key, "layers") == 0)
        f->layers = value;
    else
        fail_msg("%s: unknown size %s", path, key);
}

static void fixture_read(const char *name, torch_fixture *f)
{
    char path[512], tag[32];
    snprintf(path, sizeof path, "%s/recurrent/%s.txt", SK_TEST_FIXTURES, name);
    FILE *in = fopen(path, "r");
    if (in == NULL)
        fail_msg("cannot open %s; run tests/fixtures/recurrent/generate.py", path);
    memset(f, 0, sizeof *f);

    while (fscanf(in, "%31s", tag) == 1) {
        if (tag[0] == '#') {
            int ch;
            while ((ch = fgetc(in)) != EOF && ch != '\n')
                continue;
        } else if (strcmp(tag, "word") == 0) {
            char key[32], value[16];
            if (fscanf(in, "%31s %15s", key, value) != 2)
                fail_msg("%s: a word line has no name and value", path);
            strcpy(strcmp(key, "kind") == 0 ? f->kind : f->readout, value);
        } else if (strcmp(tag, "size") == 0) {
            fixture_read_size(in, f, path);
        } else if (strcmp(tag, "array") == 0) {
            fixture_read_array(in, f, path);
        } else {
            fail_msg("%s: unknown line tag %s", path, tag);
        }
    }
    fclose(in);
}

static void fixture_free(torch_fixture *f)
{
    for (size_t i = 0; i < f->array_count; i++)
        free(f->arrays[i].values);
}

/* Returns the values of array `name`, which must have `count` entries. */
static const double *fixture_get(const torch_fixture *f, const char *name, size_t count)
{
    for (size_t i = 0; i < f->array_count; i++) {
        if (strcmp(f->arrays[i].name, name) == 0) {
            if (f->arrays[i].count != count)
                fail_msg("fixture array %s has %zu values, expected %zu", name,
                         f->arrays[i].count, count);
            return f->arrays[i].values;
        }
    }
    fail_msg("fixture array %s is missing", name);
    return NULL;
}

/* Compares count values with PyTorch's and returns the largest difference. */
static double compare_values(const char *fixture, const char *what, const double *expected,
                             const double *actual, size_t count)
{
    double worst = 0.0;
    for (size_t i = 0; i < count; i++) {
        double difference = fabs(expected[i] - actual[i]);
        if (!(difference <= PYTORCH_TOLERANCE))
            fail_msg("%s, %s[%zu]: PyTorch %.17g, skewtop %.17g (tolerance %g)", fixture,
                     what, i, expected[i], actual[i], PYTORCH_TOLERANCE);
        worst = fmax(worst, difference);
    }
    return worst;
}

/* One tensor of PyTorch and where it sits in skewtop's parameters. */
typedef struct {
    char name[64];       /* PyTorch name, as in the fixture */
    size_t offset;       /* start in skewtop's params */
    size_t count;
    bool summed_bias;    /* LSTM: skewtop's b = PyTorch's b_ih + b_hh */
} tensor_map;

/* Lists the tensors of a fixture in skewtop's documented layout: per layer
 * W_ih, W_hh, then LSTM's b (b_ih + b_hh) or GRU's b_ih and b_hh; then
 * w_out and b_out.  Returns the number of entries. */
static size_t map_torch_layout(const torch_fixture *f, bool lstm, tensor_map *map)
{
    size_t g = (lstm ? 4 : 3) * f->hidden, offset = 0, n = 0;

    for (size_t l = 0; l < f->layers; l++) {
        size_t in = l == 0 ? f->features : f->hidden;
        struct {
            const char *stem;
            size_t count;
        } parts[] = {{"weight_ih", g * in}, {"weight_hh", g * f->hidden}, {"bias_ih", g},
                     {"bias_hh", g}};
        for (size_t k = 0; k < 4; k++) {
            tensor_map *m = &map[n++];
            snprintf(m->name, sizeof m->name, "%s_l%zu", parts[k].stem, l);
            m->offset = offset;
            m->count = parts[k].count;
            m->summed_bias = lstm && k >= 2;
            /* LSTM's two PyTorch biases share skewtop's one. */
            if (!(lstm && k == 2))
                offset += parts[k].count;
        }
    }
    size_t width = strcmp(f->readout, "last") == 0 ? f->hidden : f->steps * f->hidden;
    map[n++] = (tensor_map){"out.weight", offset, width, false};
    map[n++] = (tensor_map){"out.bias", offset + width, 1, false};
    return n;
}

/* Loads the fixture's weights into model; LSTM biases are summed. */
static void load_torch_weights(const torch_fixture *f, const tensor_map *map, size_t n,
                               sk_model *model)
{
    double *p = sk_model_params(model);
    size_t count = sk_model_param_count(model);

    for (size_t j = 0; j < count; j++)
        p[j] = NAN;
    for (size_t i = 0; i < n; i++) {
        const double *values = fixture_get(f, map[i].name, map[i].count);
        for (size_t j = 0; j < map[i].count; j++) {
            double *slot = &p[map[i].offset + j];
            *slot = map[i].summed_bias && !isnan(*slot) ? *slot + values[j] : values[j];
        }
    }
    for (size_t j = 0; j < count; j++) {
        if (isnan(p[j]))
            fail_msg("parameter %zu was not set from the PyTorch tensors", j);
    }
}

/* Forward logits, BCE loss and every parameter gradient against PyTorch. */
static void check_against_torch(const char *name)
{
    torch_fixture f;
    fixture_read(name, &f);
    bool lstm = strcmp(f.kind, "lstm") == 0;

    sk_model_config config = network_config(lstm ? SK_MODEL_LSTM : SK_MODEL_GRU, f.features,
                                            f.steps, f.hidden, f.layers);
    config.readout = strcmp(f.readout, "last") == 0 ? SK_READOUT_LAST : SK_READOUT_FLATTEN;
    sk_model *model = new_network(&config, f.batch, INIT_SEED);
    tensor_map map[4 * 2 + 2];   /* 4 tensors in each of at most 2 layers, then the output */
    size_t n = map_torch_layout(&f, lstm, map);
    load_torch_weights(&f, map, n, model);

    /* PyTorch's x [batch][steps][features] is skewtop's step-major layout. */
    size_t columns = f.steps * f.features;
    gsl_matrix_const_view x =
        gsl_matrix_const_view_array(fixture_get(&f, "x", f.batch * columns), f.batch, columns);
    const double *labels = fixture_get(&f, "y", f.batch);
    unsigned char *y = malloc(f.batch);
    gsl_vector *logits = gsl_vector_alloc(f.batch);
    gsl_vector *dlogits = gsl_vector_alloc(f.batch);
    double *grad = malloc(sk_model_param_count(model) * sizeof *grad);
    assert_non_null(y);
    assert_non_null(grad);
    for (size_t i = 0; i < f.batch; i++)
        y[i] = labels[i] != 0.0;

    assert_int_equal(sk_model_forward(model, &x.matrix, logits), SK_OK);
    double worst = compare_values(name, "logits", fixture_get(&f, "logits", f.batch),
                                  logits->data, f.batch);
    double loss = sk_loss_eval(&(sk_loss){SK_LOSS_BCE, 0.0, 0.5}, logits->data, y, f.batch,
                               1.0, 1.0, dlogits->data);
    worst = fmax(worst, compare_values(name, "loss", fixture_get(&f, "loss", 1), &loss, 1));

    assert_int_equal(sk_model_backward(model, &x.matrix, dlogits, grad), SK_OK);
    for (size_t i = 0; i < n; i++) {
        char grad_name[80];
        snprintf(grad_name, sizeof grad_name, "grad.%.63s", map[i].name);
        worst = fmax(worst, compare_values(name, grad_name,
                                           fixture_get(&f, grad_name, map[i].count),
                                           grad + map[i].offset, map[i].count));
    }
    print_message("%s: largest difference from PyTorch %.3g\n", name, worst);

    free(y);
    free(grad);
    gsl_vector_free(logits);
    gsl_vector_free(dlogits);
    sk_model_free(model);
    fixture_free(&f);
}

static void lstm_matches_pytorch(void **state)
{
    (void)state;
    check_against_torch("lstm_1layer_last");
    check_against_torch("lstm_2layer_flatten");
    check_against_torch("lstm_2layer_last");
}

static void gru_matches_pytorch(void **state)
{
    (void)state;
    check_against_torch("gru_1layer_flatten");
    check_against_torch("gru_2layer_last");
    check_against_torch("gru_2layer_flatten");
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
        cmocka_unit_test(kind_names_and_defaults),
        cmocka_unit_test(model_new_config_rejects_bad_shapes),
        cmocka_unit_test(param_count_and_weight_mask),
        cmocka_unit_test(lstm_initial_weights),
        cmocka_unit_test(gru_initial_weights),
        cmocka_unit_test(mlp_initial_weights),
        cmocka_unit_test(recurrent_accepts_submatrix_view),
        cmocka_unit_test(backward_needs_matching_forward),
        cmocka_unit_test(dropout_only_in_training),
        cmocka_unit_test(inverted_dropout_keeps_the_mean),
        cmocka_unit_test(mlp_gradient_matches_central_differences),
        cmocka_unit_test(lstm_gradient_matches_central_differences),
        cmocka_unit_test(gru_gradient_matches_central_differences),
        cmocka_unit_test(dropout_gradient_with_fixed_mask),
        cmocka_unit_test(lstm_matches_pytorch),
        cmocka_unit_test(gru_matches_pytorch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
