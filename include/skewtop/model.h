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
 * Four families fill the same slots: logistic regression, a multilayer
 * perceptron, and LSTM and GRU networks that read a window of time steps.
 *
 * Input layout.  Every family takes x as a gsl_matrix [batch][steps *
 * features] with step-major rows: row b contains step 0's features, then
 * step 1's, and so on.  This is the memory layout of a C array
 * [batch][steps][features], and of PyTorch's batch_first input.  Logistic
 * regression and the MLP treat the row as one flat vector; the recurrent
 * families read it one step at a time.
 *
 * Training mode.  A model is created in inference mode.  Dropout is applied
 * only in training mode (sk_model_set_training), as inverted dropout: a
 * kept value is scaled by 1 / (1 - dropout), so inference needs no scaling.
 */
#ifndef SKEWTOP_MODEL_H
#define SKEWTOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "skewtop/common.h"

typedef enum {
    SK_MODEL_LOGREG = 0,
    SK_MODEL_MLP,       /* dense hidden layers, then one sigmoid output unit */
    SK_MODEL_LSTM,      /* LSTM layers over the steps, then one output unit */
    SK_MODEL_GRU        /* GRU layers over the steps, then one output unit */
} sk_model_kind;

/* Activation of the MLP's hidden layers.  The recurrent families use the
 * fixed sigmoid and tanh of their cells and ignore it. */
typedef enum {
    SK_ACTIVATION_TANH = 0,
    SK_ACTIVATION_RELU
} sk_activation;

/* What the output unit of a recurrent model reads: the last step's hidden
 * state [hidden], or the hidden states of all steps flattened step-major
 * [steps * hidden], as Keras's Flatten does after return_sequences=True. */
typedef enum {
    SK_READOUT_LAST = 0,
    SK_READOUT_FLATTEN
} sk_readout;

/* Largest hidden size a model accepts.  It keeps every buffer size product
 * far below SIZE_MAX; one recurrent weight matrix of this size would
 * already take more than 100 GB. */
#define SK_MODEL_MAX_HIDDEN 65536

/* The shape of a model.  Fields a family does not use are ignored. */
typedef struct {
    sk_model_kind kind;
    size_t features;          /* input features per step, >= 1 */
    size_t steps;             /* time steps per row, >= 1; x has steps * features columns */
    size_t hidden;            /* units per hidden layer (mlp, lstm, gru), 1..SK_MODEL_MAX_HIDDEN */
    size_t layers;            /* hidden layers: 1 to 3 for mlp, 1 or 2 for lstm and gru */
    sk_activation activation; /* mlp only */
    double dropout;           /* drop probability in [0, 1) after each hidden layer */
    sk_readout readout;       /* lstm and gru only */
} sk_model_config;

typedef struct sk_model sk_model;

/* Returns the configuration sk_model_new() uses for `kind` with `features`
 * input columns: 1 step, 10 hidden units, 1 layer, ReLU, no dropout, last
 * step readout. */
sk_model_config sk_model_config_defaults(sk_model_kind kind, size_t features);

/* Returns the command-line name of a kind ("logreg", "mlp", "lstm", "gru"),
 * or "unknown". */
const char *sk_model_kind_name(sk_model_kind kind);

/*
 * Creates a model described by config for batches of at most max_batch
 * rows; every workspace, including the per-step caches of backpropagation
 * through time, is allocated here, so forward and backward passes allocate
 * nothing.  Parameters are initialised from rng (borrowed for the call):
 *   - logistic regression: zero weights and bias; rng is unused and may be
 *     NULL;
 *   - input weights of every layer and the output weights: Glorot uniform,
 *     U(-a, a) with a = sqrt(6 / (fan_in + fan_out));
 *   - recurrent weights: orthogonal (QR of a Gaussian matrix, signs
 *     corrected by the diagonal of R), as Keras's Orthogonal initializer;
 *   - biases zero, except the LSTM forget gate's, which start at 1.
 * A model with dropout > 0 owns a dropout generator seeded from rng.
 * On success *out owns the model; free it with sk_model_free().
 * Fails with SK_ERR_INPUT, naming the command-line option, for an unknown
 * kind, activation or readout, no features, 0 steps, a hidden size or layer
 * count out of range, or dropout outside [0, 1); SK_ERR_INPUT also when rng
 * is NULL for a family that needs it.  SK_ERR_INTERNAL for max_batch 0,
 * SK_ERR_NUMERIC when a GSL call fails, SK_ERR_NOMEM.
 */
sk_status sk_model_new_config(const sk_model_config *config, size_t max_batch,
                              gsl_rng *rng, sk_model **out, sk_error *err);

/* Creates a model of `kind` for inputs with `features` columns, with the
 * shape of sk_model_config_defaults(); fails as sk_model_new_config(). */
sk_status sk_model_new(sk_model_kind kind, size_t features, size_t max_batch,
                       gsl_rng *rng, sk_model **out, sk_error *err);
void sk_model_free(sk_model *model);

sk_model_kind sk_model_get_kind(const sk_model *model);
/* Returns the configuration the model was created with. */
sk_model_config sk_model_get_config(const sk_model *model);
size_t sk_model_param_count(const sk_model *model);
/* Returns the parameter array [param_count]; the model owns it.  The
 * layout of each family is described in its source file. */
double *sk_model_params(sk_model *model);
const double *sk_model_params_const(const sk_model *model);

/* Returns a mask [param_count], owned by the model: 1 for a weight (a
 * multiplier of an input or a hidden state), 0 for a bias.  The trainer's
 * weight decay uses it because by convention decay leaves biases alone. */
const unsigned char *sk_model_weight_mask(const sk_model *model);

/* Switches dropout on (training) or off (inference, the initial mode). */
void sk_model_set_training(sk_model *model, bool training);
bool sk_model_is_training(const sk_model *model);

/* Reseeds the dropout generator, so that the next forward passes draw the
 * same masks as after any earlier call with the same seed.  Does nothing
 * for a model without dropout. */
void sk_model_set_seed(sk_model *model, unsigned long seed);

/* Sets the bias of the output unit (used for prior log-odds initialisation). */
void sk_model_set_output_bias(sk_model *model, double bias);

/*
 * Computes logits [x->size1] for inputs x [batch][steps * features] and
 * keeps what the backward pass needs.  batch must be between 1 and
 * max_batch.  In training mode with dropout > 0 each call draws new dropout
 * masks from the model's generator.
 * Returns SK_ERR_INTERNAL when a shape does not match, SK_ERR_NUMERIC when
 * a GSL call fails.
 */
sk_status sk_model_forward(sk_model *model, const gsl_matrix *x,
                           gsl_vector *logits);

/*
 * Computes grad [param_count] = d(loss)/d(params) from dlogits [batch] =
 * d(loss)/d(logits), for the batch of the latest forward pass.  x must be
 * that batch again, and the dropout masks of that pass apply.  grad is
 * overwritten, not accumulated.  Fails as sk_model_forward() does, and
 * with SK_ERR_INTERNAL when the latest forward pass failed or had another
 * batch size.
 */
sk_status sk_model_backward(sk_model *model, const gsl_matrix *x,
                            const gsl_vector *dlogits, double *grad);

#endif
