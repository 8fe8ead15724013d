/*
 * model_internal.h - the model struct and the table of operations that each
 * model family fills in.  Private to src/model/.
 *
 * model.c owns the parts every family shares: the parameter array, shape
 * checks and dispatch.  A family supplies the operations below; logreg.c is
 * the only one so far, and an MLP or a recurrent network would be the next.
 * A family keeps its activations and scratch buffers in `workspace`, which
 * init allocates for max_batch rows, so forward and backward passes never
 * allocate.
 */
#ifndef SKEWTOP_MODEL_INTERNAL_H
#define SKEWTOP_MODEL_INTERNAL_H

#include "skewtop/model.h"

typedef struct {
    const char *name;

    /* Returns the number of parameters for inputs with `features` columns. */
    size_t (*param_count)(size_t features);

    /* Allocates model->workspace and sets the initial parameters.  model's
     * kind, sizes and zeroed params array are set before the call. */
    sk_status (*init)(sk_model *model, gsl_rng *rng, sk_error *err);

    /* Frees model->workspace; must accept a model whose init failed. */
    void (*free_workspace)(sk_model *model);

    /* Shapes are checked by model.c before these are called:
     * x [batch][features] with 1 <= batch <= max_batch, logits and dlogits
     * [batch], grad [param_count]. */
    sk_status (*forward)(sk_model *model, const gsl_matrix *x,
                         gsl_vector *logits);
    sk_status (*backward)(sk_model *model, const gsl_matrix *x,
                          const gsl_vector *dlogits, double *grad);

    /* Returns the index in params of the output unit's bias. */
    size_t (*output_bias_index)(const sk_model *model);
} sk_model_ops;

struct sk_model {
    const sk_model_ops *ops;
    sk_model_kind kind;
    size_t features;     /* input columns */
    size_t max_batch;    /* largest batch the workspace fits */
    size_t param_count;
    double *params;      /* [param_count], layout defined by the family */
    void *workspace;     /* family-specific buffers, or NULL */
};

/* Logistic regression (logreg.c). */
extern const sk_model_ops sk_model_logreg_ops;

#endif
