/*
 * model.c - the sk_model interface: allocation, shape checks and dispatch
 * to the family's operations (model_internal.h).
 *
 * The forward and backward entry points check every shape here, before any
 * GSL call, so that a mismatch returns SK_ERR_INTERNAL instead of reaching
 * GSL's error handler.
 */
#include "model_internal.h"

#include <stdbool.h>
#include <stdlib.h>

/* Returns the operations of a family, or NULL when kind is not built. */
static const sk_model_ops *model_ops_for(sk_model_kind kind)
{
    switch (kind) {
    case SK_MODEL_LOGREG:
        return &sk_model_logreg_ops;
    }
    return NULL;
}

sk_status sk_model_new(sk_model_kind kind, size_t features, size_t max_batch,
                       gsl_rng *rng, sk_model **out, sk_error *err)
{
    *out = NULL;

    const sk_model_ops *ops = model_ops_for(kind);
    if (ops == NULL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "model kind %d is not available; use --model logreg", (int)kind);
    if (features == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "the %s model needs at least one feature column", ops->name);
    if (max_batch == 0)
        return sk_error_set(err, SK_ERR_INTERNAL,
                            "the %s model was created with a maximum batch of 0", ops->name);

    sk_model *model = calloc(1, sizeof *model);
    if (model == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory creating the %s model", ops->name);
    model->ops = ops;
    model->kind = kind;
    model->features = features;
    model->max_batch = max_batch;
    model->param_count = ops->param_count(features);
    model->params = sk_calloc(model->param_count, sizeof *model->params);
    if (model->params == NULL) {
        free(model);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory allocating %zu parameters for the %s model",
                            ops->param_count(features), ops->name);
    }

    sk_status status = ops->init(model, rng, err);
    if (status != SK_OK) {
        sk_model_free(model);
        return status;
    }
    *out = model;
    return SK_OK;
}

void sk_model_free(sk_model *model)
{
    if (model == NULL)
        return;
    model->ops->free_workspace(model);
    free(model->params);
    free(model);
}

sk_model_kind sk_model_get_kind(const sk_model *model)
{
    return model->kind;
}

size_t sk_model_param_count(const sk_model *model)
{
    return model->param_count;
}

double *sk_model_params(sk_model *model)
{
    return model->params;
}

const double *sk_model_params_const(const sk_model *model)
{
    return model->params;
}

void sk_model_set_output_bias(sk_model *model, double bias)
{
    model->params[model->ops->output_bias_index(model)] = bias;
}

/* Returns true when x is a batch this model accepts. */
static bool model_batch_fits(const sk_model *model, const gsl_matrix *x)
{
    return x != NULL && x->size2 == model->features && x->size1 >= 1
           && x->size1 <= model->max_batch;
}

sk_status sk_model_forward(sk_model *model, const gsl_matrix *x,
                           gsl_vector *logits)
{
    if (!model_batch_fits(model, x) || logits == NULL || logits->size != x->size1)
        return SK_ERR_INTERNAL;
    return model->ops->forward(model, x, logits);
}

sk_status sk_model_backward(sk_model *model, const gsl_matrix *x,
                            const gsl_vector *dlogits, double *grad)
{
    if (!model_batch_fits(model, x) || dlogits == NULL || dlogits->size != x->size1
        || grad == NULL)
        return SK_ERR_INTERNAL;
    return model->ops->backward(model, x, dlogits, grad);
}
