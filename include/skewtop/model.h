/*
 * model.h - binary classifiers as differentiable functions of a flat
 * parameter vector.
 *
 * A model maps a batch of inputs x [batch][features] to logits [batch];
 * the score of a sample is sigmoid(logit).  Every model keeps all of its
 * parameters in one contiguous array so that optimizers, gradient checks
 * and snapshots treat every family alike.  Each forward pass is paired with
 * a backward pass that turns d(loss)/d(logits) into d(loss)/d(params).
 *
 * Only logistic regression exists so far; the interface is shaped so that
 * an MLP or a recurrent network can fill the same slots.
 */
#ifndef SKEWTOP_MODEL_H
#define SKEWTOP_MODEL_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "skewtop/common.h"

typedef enum {
    SK_MODEL_LOGREG = 0
} sk_model_kind;

typedef struct sk_model sk_model;

/* Creates a model for inputs with `features` columns and the largest batch
 * it will see (workspaces are sized for it).  Parameters are initialised
 * from rng: logistic regression starts with zero weights and zero bias and
 * ignores rng, which may then be NULL.  On success *out owns the model; free
 * it with sk_model_free().  Fails with SK_ERR_INPUT for an unknown kind or
 * no features, SK_ERR_INTERNAL for max_batch 0, SK_ERR_NOMEM. */
sk_status sk_model_new(sk_model_kind kind, size_t features, size_t max_batch,
                       gsl_rng *rng, sk_model **out, sk_error *err);
void sk_model_free(sk_model *model);

sk_model_kind sk_model_get_kind(const sk_model *model);
size_t sk_model_param_count(const sk_model *model);
/* Returns the parameter array [param_count]; the model owns it. */
double *sk_model_params(sk_model *model);
const double *sk_model_params_const(const sk_model *model);

/* Sets the bias of the output unit (used for prior log-odds initialisation). */
void sk_model_set_output_bias(sk_model *model, double bias);

/*
 * Computes logits [x->size1] for inputs x [batch][features] and keeps what
 * the backward pass needs.  batch must be between 1 and max_batch.
 * Returns SK_ERR_INTERNAL when a shape does not match, SK_ERR_NUMERIC when
 * a GSL call fails.
 */
sk_status sk_model_forward(sk_model *model, const gsl_matrix *x,
                           gsl_vector *logits);

/*
 * Computes grad [param_count] = d(loss)/d(params) from dlogits [batch] =
 * d(loss)/d(logits), for the batch of the latest forward pass.  grad is
 * overwritten, not accumulated.  Fails as sk_model_forward() does.
 */
sk_status sk_model_backward(sk_model *model, const gsl_matrix *x,
                            const gsl_vector *dlogits, double *grad);

#endif
