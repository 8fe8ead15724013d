/*
 * logreg.c - logistic regression: logit = x w + b.
 *
 * Parameter layout: params[0 .. features-1] are the weights w, and
 * params[features] is the bias b.  A window of steps is read as one flat
 * row of steps * features columns.  The model has no hidden state, so
 * backward needs only the batch x that the caller passes again, and the
 * family keeps no workspace.
 */
#include "model_internal.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>

static size_t logreg_param_count(const sk_model *model)
{
    return model->features + 1;
}

/*
 * Starts from zero weights and zero bias.  The loss is convex in the
 * parameters, so there is no symmetry to break and no random start to
 * prefer: every start reaches the same optimum, and zero makes the first
 * epoch identical for every seed.  rng is not used.
 */
static sk_status logreg_init(sk_model *model, gsl_rng *rng, sk_error *err)
{
    (void)rng;
    (void)err;
    for (size_t i = 0; i < model->param_count; i++)
        model->params[i] = 0.0;
    for (size_t i = 0; i < model->features; i++)
        model->weight_mask[i] = 1;
    model->workspace = NULL;
    return SK_OK;
}

static void logreg_free_workspace(sk_model *model)
{
    (void)model;
}

/* logits [batch] = x [batch][features] w [features] + b */
static sk_status logreg_forward(sk_model *model, const gsl_matrix *x,
                                gsl_vector *logits)
{
    gsl_vector_const_view w =
        gsl_vector_const_view_array(model->params, model->features);
    double bias = model->params[model->features];

    gsl_vector_set_all(logits, bias);
    if (gsl_blas_dgemv(CblasNoTrans, 1.0, x, &w.vector, 1.0, logits) != GSL_SUCCESS)
        return SK_ERR_NUMERIC;
    return SK_OK;
}

/* grad_w [features] = x^T dlogits, grad_b = sum(dlogits) */
static sk_status logreg_backward(sk_model *model, const gsl_matrix *x,
                                 const gsl_vector *dlogits, double *grad)
{
    gsl_vector_view grad_w = gsl_vector_view_array(grad, model->features);

    /* Zeroed first, so that a NaN left in grad cannot survive whatever
     * the CBLAS does with y when beta is 0. */
    gsl_vector_set_zero(&grad_w.vector);
    if (gsl_blas_dgemv(CblasTrans, 1.0, x, dlogits, 0.0, &grad_w.vector) != GSL_SUCCESS)
        return SK_ERR_NUMERIC;

    double grad_b = 0.0;
    for (size_t i = 0; i < dlogits->size; i++)
        grad_b += gsl_vector_get(dlogits, i);
    grad[model->features] = grad_b;
    return SK_OK;
}

static size_t logreg_output_bias_index(const sk_model *model)
{
    return model->features;
}

const sk_model_ops sk_model_logreg_ops = {
    .name = "logistic regression",
    .param_count = logreg_param_count,
    .init = logreg_init,
    .free_workspace = logreg_free_workspace,
    .forward = logreg_forward,
    .backward = logreg_backward,
    .output_bias_index = logreg_output_bias_index,
    .needs_rng = false,
};
