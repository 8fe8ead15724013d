/*
 * model.c - the sk_model interface: configuration checks, allocation,
 * the dropout generator, shape checks and dispatch to the family's
 * operations (model_internal.h).
 *
 * The forward and backward entry points check every shape here, before any
 * GSL call, so that a mismatch returns SK_ERR_INTERNAL instead of reaching
 * GSL's error handler.
 */
#include "model_internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* The shape sk_model_new() gives the families that have hidden layers. */
#define DEFAULT_HIDDEN 10
#define DEFAULT_LAYERS 1

/* Returns the operations of a family, or NULL when kind is not built. */
static const sk_model_ops *model_ops_for(sk_model_kind kind)
{
    switch (kind) {
    case SK_MODEL_LOGREG:
        return &sk_model_logreg_ops;
    case SK_MODEL_MLP:
        return &sk_model_mlp_ops;
    case SK_MODEL_LSTM:
        return &sk_model_lstm_ops;
    case SK_MODEL_GRU:
        return &sk_model_gru_ops;
    }
    return NULL;
}

const char *sk_model_kind_name(sk_model_kind kind)
{
    switch (kind) {
    case SK_MODEL_LOGREG:
        return "logreg";
    case SK_MODEL_MLP:
        return "mlp";
    case SK_MODEL_LSTM:
        return "lstm";
    case SK_MODEL_GRU:
        return "gru";
    }
    return "unknown";
}

sk_model_config sk_model_config_defaults(sk_model_kind kind, size_t features)
{
    sk_model_config config = {
        .kind = kind,
        .features = features,
        .steps = 1,
        .hidden = DEFAULT_HIDDEN,
        .layers = DEFAULT_LAYERS,
        .activation = SK_ACTIVATION_RELU,
        .dropout = 0.0,
        .readout = SK_READOUT_LAST,
    };
    return config;
}

/* Checks the hidden size, layer count, activation, dropout and readout of
 * the families that have hidden layers. */
static sk_status check_hidden_layers(const sk_model_config *c, const char *name,
                                     sk_error *err)
{
    size_t max_layers = c->kind == SK_MODEL_MLP ? SK_MODEL_MLP_MAX_LAYERS
                                                : SK_MODEL_RECURRENT_MAX_LAYERS;

    if (c->hidden < 1 || c->hidden > SK_MODEL_MAX_HIDDEN)
        return sk_error_set(err, SK_ERR_INPUT,
                            "--hidden must be between 1 and %d for the %s model, got %zu",
                            SK_MODEL_MAX_HIDDEN, name, c->hidden);
    if (c->layers < 1 || c->layers > max_layers)
        return sk_error_set(err, SK_ERR_INPUT,
                            "--layers must be between 1 and %zu for the %s model, got %zu",
                            max_layers, name, c->layers);
    if (!(c->dropout >= 0.0 && c->dropout < 1.0))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--dropout must be at least 0 and below 1, got %g", c->dropout);
    if (c->activation != SK_ACTIVATION_TANH && c->activation != SK_ACTIVATION_RELU)
        return sk_error_set(err, SK_ERR_INPUT,
                            "unknown activation %d; use tanh or relu", (int)c->activation);
    if (c->readout != SK_READOUT_LAST && c->readout != SK_READOUT_FLATTEN)
        return sk_error_set(err, SK_ERR_INPUT,
                            "unknown readout %d; use the last step or all steps flattened",
                            (int)c->readout);
    return SK_OK;
}

/* Checks a configuration and returns the family's operations in *ops. */
static sk_status check_config(const sk_model_config *c, size_t max_batch,
                              const sk_model_ops **ops, sk_error *err)
{
    *ops = model_ops_for(c->kind);
    if (*ops == NULL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "model kind %d is not available; use --model logreg, mlp, "
                            "lstm or gru", (int)c->kind);
    const char *name = (*ops)->name;

    if (c->features == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "the %s model needs at least one feature column", name);
    if (c->steps == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "the %s model needs at least one time step per row; "
                            "use --window 1 or more", name);
    if (c->features > SIZE_MAX / c->steps / sizeof(double))
        return sk_error_set(err, SK_ERR_INPUT,
                            "%zu steps of %zu features are too many columns for one row",
                            c->steps, c->features);
    if (max_batch == 0)
        return sk_error_set(err, SK_ERR_INTERNAL,
                            "the %s model was created with a maximum batch of 0", name);
    if (c->kind != SK_MODEL_LOGREG)
        return check_hidden_layers(c, name, err);
    return SK_OK;
}

/* Allocates the zeroed parameter array and weight mask. */
static sk_status alloc_params(sk_model *model, sk_error *err)
{
    model->params = sk_calloc(model->param_count, sizeof *model->params);
    model->weight_mask = sk_calloc(model->param_count, sizeof *model->weight_mask);
    if (model->params == NULL || model->weight_mask == NULL)
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory allocating %zu parameters for the %s model",
                            model->param_count, model->ops->name);
    return SK_OK;
}

/* Creates the dropout generator of a model with dropout, seeded from rng.
 * It is seeded after the weights are drawn, so that the same seed gives
 * the same initial weights with and without dropout. */
static sk_status alloc_dropout_rng(sk_model *model, gsl_rng *rng, sk_error *err)
{
    if (model->kind == SK_MODEL_LOGREG || !(model->config.dropout > 0.0))
        return SK_OK;
    model->dropout_rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (model->dropout_rng == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory creating the dropout generator");
    gsl_rng_set(model->dropout_rng, gsl_rng_get(rng));
    return SK_OK;
}

sk_status sk_model_new_config(const sk_model_config *config, size_t max_batch,
                              gsl_rng *rng, sk_model **out, sk_error *err)
{
    *out = NULL;

    const sk_model_ops *ops = NULL;
    sk_status status = check_config(config, max_batch, &ops, err);
    if (status != SK_OK)
        return status;
    if (ops->needs_rng && rng == NULL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "the %s model needs a random generator for its initial weights",
                            ops->name);

    sk_model *model = calloc(1, sizeof *model);
    if (model == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory creating the %s model", ops->name);
    model->ops = ops;
    model->kind = config->kind;
    model->config = *config;
    model->features = config->features * config->steps;
    model->max_batch = max_batch;
    model->param_count = ops->param_count(model);

    status = alloc_params(model, err);
    if (status == SK_OK)
        status = ops->init(model, rng, err);
    if (status == SK_OK)
        status = alloc_dropout_rng(model, rng, err);
    if (status != SK_OK) {
        sk_model_free(model);
        return status;
    }
    *out = model;
    return SK_OK;
}

sk_status sk_model_new(sk_model_kind kind, size_t features, size_t max_batch,
                       gsl_rng *rng, sk_model **out, sk_error *err)
{
    sk_model_config config = sk_model_config_defaults(kind, features);
    return sk_model_new_config(&config, max_batch, rng, out, err);
}

void sk_model_free(sk_model *model)
{
    if (model == NULL)
        return;
    model->ops->free_workspace(model);
    if (model->dropout_rng != NULL)
        gsl_rng_free(model->dropout_rng);
    free(model->params);
    free(model->weight_mask);
    free(model);
}

sk_model_kind sk_model_get_kind(const sk_model *model)
{
    return model->kind;
}

sk_model_config sk_model_get_config(const sk_model *model)
{
    return model->config;
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

const unsigned char *sk_model_weight_mask(const sk_model *model)
{
    return model->weight_mask;
}

void sk_model_set_output_bias(sk_model *model, double bias)
{
    model->params[model->ops->output_bias_index(model)] = bias;
}

void sk_model_set_training(sk_model *model, bool training)
{
    model->training = training;
}

bool sk_model_is_training(const sk_model *model)
{
    return model->training;
}

void sk_model_set_seed(sk_model *model, unsigned long seed)
{
    if (model->dropout_rng != NULL)
        gsl_rng_set(model->dropout_rng, seed);
}

bool sk_model_dropout_active(const sk_model *model)
{
    return model->training && model->dropout_rng != NULL;
}

void sk_model_dropout_mask(sk_model *model, double *mask, size_t count)
{
    double rate = model->config.dropout;
    double keep_scale = 1.0 / (1.0 - rate);

    for (size_t i = 0; i < count; i++)
        mask[i] = gsl_rng_uniform(model->dropout_rng) < rate ? 0.0 : keep_scale;
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
    model->forward_batch = 0;
    sk_status status = model->ops->forward(model, x, logits);
    if (status == SK_OK)
        model->forward_batch = x->size1;
    return status;
}

sk_status sk_model_backward(sk_model *model, const gsl_matrix *x,
                            const gsl_vector *dlogits, double *grad)
{
    if (!model_batch_fits(model, x) || dlogits == NULL || dlogits->size != x->size1
        || grad == NULL || model->forward_batch != x->size1)
        return SK_ERR_INTERNAL;
    return model->ops->backward(model, x, dlogits, grad);
}
