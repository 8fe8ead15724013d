/*
 * model_internal.h - the model struct, the table of operations that each
 * model family fills in, and the helpers the families share.  Private to
 * src/model/.
 *
 * model.c owns the parts every family shares: the configuration checks,
 * the parameter array and weight mask, the dropout generator, shape checks
 * and dispatch.  A family (logreg.c, mlp.c, recurrent.c) supplies the
 * operations below.  It keeps its activations and scratch buffers in
 * `workspace`, which init allocates for max_batch rows, so forward and
 * backward passes never allocate.
 */
#ifndef SKEWTOP_MODEL_INTERNAL_H
#define SKEWTOP_MODEL_INTERNAL_H

#include <math.h>
#include <stdbool.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>

#include "skewtop/model.h"

/* Layer counts each family supports: an MLP deeper than 3 or a recurrent
 * stack deeper than 2 rarely helps on tabular or short-window data and
 * trains much more slowly. */
#define SK_MODEL_MLP_MAX_LAYERS 3
#define SK_MODEL_RECURRENT_MAX_LAYERS 2

typedef struct {
    const char *name;

    /* Returns the number of parameters of model, whose config, features and
     * max_batch are set. */
    size_t (*param_count)(const sk_model *model);

    /* Allocates model->workspace, sets the initial parameters and marks
     * the weights in model->weight_mask.  model's sizes, zeroed params and
     * zeroed weight_mask are set before the call.  rng is NULL only for a
     * family whose needs_rng is false. */
    sk_status (*init)(sk_model *model, gsl_rng *rng, sk_error *err);

    /* Frees model->workspace; must accept a model whose init failed. */
    void (*free_workspace)(sk_model *model);

    /* Shapes are checked by model.c before these are called:
     * x [batch][features] with 1 <= batch <= max_batch, logits and dlogits
     * [batch], grad [param_count]; backward gets the x of the latest
     * forward pass. */
    sk_status (*forward)(sk_model *model, const gsl_matrix *x,
                         gsl_vector *logits);
    sk_status (*backward)(sk_model *model, const gsl_matrix *x,
                          const gsl_vector *dlogits, double *grad);

    /* Returns the index in params of the output unit's bias. */
    size_t (*output_bias_index)(const sk_model *model);

    /* True when init draws from rng. */
    bool needs_rng;
} sk_model_ops;

struct sk_model {
    const sk_model_ops *ops;
    sk_model_kind kind;
    sk_model_config config;     /* as validated by sk_model_new_config() */
    size_t features;            /* input columns: config.features * config.steps */
    size_t max_batch;           /* largest batch the workspace fits */
    size_t param_count;
    double *params;             /* [param_count], layout defined by the family */
    unsigned char *weight_mask; /* [param_count], 1 for a weight, 0 for a bias */
    gsl_rng *dropout_rng;       /* owned; NULL when config.dropout is 0 */
    bool training;              /* dropout on */
    size_t forward_batch;       /* rows of the latest forward pass, 0 before it */
    void *workspace;            /* family-specific buffers, or NULL */
};

/* Logistic regression (logreg.c). */
extern const sk_model_ops sk_model_logreg_ops;
/* Multilayer perceptron (mlp.c). */
extern const sk_model_ops sk_model_mlp_ops;
/* LSTM and GRU networks (recurrent.c). */
extern const sk_model_ops sk_model_lstm_ops;
extern const sk_model_ops sk_model_gru_ops;

/* ---- helpers shared by the families (init.c, model.c) ------------------- */

/*
 * c [m][n] = alpha op(a) op(b) + beta c for dense row-major arrays, where
 * op(a) is [m][k] and op(b) is [k][n]: a is stored [m][k], or [k][m] when
 * trans_a is CblasTrans, and b likewise [k][n] or [n][k].  Every size must
 * be at least 1.  Returns SK_ERR_NUMERIC when gsl_blas_dgemm fails.
 */
static inline sk_status sk_model_gemm(CBLAS_TRANSPOSE_t trans_a, CBLAS_TRANSPOSE_t trans_b,
                                      size_t m, size_t n, size_t k, double alpha,
                                      const double *a, const double *b, double beta,
                                      double *c)
{
    gsl_matrix_const_view va = trans_a == CblasNoTrans
                                   ? gsl_matrix_const_view_array(a, m, k)
                                   : gsl_matrix_const_view_array(a, k, m);
    gsl_matrix_const_view vb = trans_b == CblasNoTrans
                                   ? gsl_matrix_const_view_array(b, k, n)
                                   : gsl_matrix_const_view_array(b, n, k);
    gsl_matrix_view vc = gsl_matrix_view_array(c, m, n);

    if (gsl_blas_dgemm(trans_a, trans_b, alpha, &va.matrix, &vb.matrix, beta,
                       &vc.matrix) != GSL_SUCCESS)
        return SK_ERR_NUMERIC;
    return SK_OK;
}

/* Returns 1 / (1 + exp(-z)); exp overflows to infinity for z below about
 * -709 and the result is then exactly 0, never NaN. */
static inline double sk_model_sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* Fills w [count] from U(-a, a) with a = sqrt(6 / (fan_in + fan_out)):
 * Glorot and Bengio's uniform initialisation, Keras's default. */
void sk_model_glorot_uniform(double *w, size_t count, size_t fan_in,
                             size_t fan_out, gsl_rng *rng);

/* Fills w [rows][cols] (row-major, rows >= cols) with a matrix whose
 * columns are orthonormal: Q of the QR decomposition of a standard Gaussian
 * matrix, each column multiplied by the sign of R's diagonal entry so that
 * the result is uniformly distributed.  Allocates temporary GSL matrices,
 * so call it only from init.  Fails with SK_ERR_NOMEM or SK_ERR_NUMERIC. */
sk_status sk_model_orthogonal(double *w, size_t rows, size_t cols, gsl_rng *rng,
                              sk_error *err);

/* Returns true when forward passes apply dropout: training mode and a
 * dropout rate above 0. */
bool sk_model_dropout_active(const sk_model *model);

/* Draws an inverted-dropout mask [count] from the model's generator: each
 * entry is 0 with probability config.dropout and 1 / (1 - dropout)
 * otherwise.  Call only when sk_model_dropout_active() is true. */
void sk_model_dropout_mask(sk_model *model, double *mask, size_t count);

#endif
