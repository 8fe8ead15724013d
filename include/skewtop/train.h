/*
 * train.h - losses, class weights, optimizers and the epoch loop.
 *
 * The trainer owns a model and a seeded RNG.  One call to
 * sk_trainer_epoch() shuffles the training split, runs every mini-batch
 * (the last partial batch included) through forward, loss, backward,
 * gradient clipping, weight decay and an optimizer step, and returns the
 * mean training loss of the epoch.  The model is in training mode (dropout
 * on) only inside sk_trainer_epoch().
 * The trainer is not thread-safe: one thread drives it.
 */
#ifndef SKEWTOP_TRAIN_H
#define SKEWTOP_TRAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "skewtop/common.h"
#include "skewtop/data.h"
#include "skewtop/model.h"
#include "skewtop/resample.h"

/* ---- losses ------------------------------------------------------------ */

typedef enum {
    SK_LOSS_BCE = 0,    /* binary cross-entropy */
    SK_LOSS_FOCAL       /* -alpha_t (1 - p_t)^gamma log(p_t), Lin et al. 2017 */
} sk_loss_kind;

typedef struct {
    sk_loss_kind kind;
    double focal_gamma;  /* >= 0 */
    double focal_alpha;  /* weight of the positive class, in [0, 1] */
} sk_loss;

/*
 * Returns the weighted mean loss over n samples computed from logits (in a
 * numerically stable form), sum_i w_i l_i / n, where w_i is weight_neg or
 * weight_pos by y[i].  When dlogits is not NULL it receives
 * d(mean loss)/d(logit_i) [n].  Returns 0 when n is 0.  The result is
 * finite for every finite logit; focal_gamma must be >= 0.
 */
double sk_loss_eval(const sk_loss *loss, const double *logits,
                    const unsigned char *y, size_t n, double weight_neg,
                    double weight_pos, double *dlogits);

/* Mean cross-entropy of a model that predicts prevalence p for every row:
 * -p log p - (1 - p) log(1 - p); 0 when p is 0 or 1. */
double sk_prior_only_loss(double prevalence);

/* ---- class weights ------------------------------------------------------ */

typedef enum {
    SK_WEIGHTS_NONE = 0,
    SK_WEIGHTS_BALANCED,  /* n / (2 n_c), from the training split */
    SK_WEIGHTS_CUSTOM     /* weight_neg : weight_pos as given */
} sk_weight_mode;

/* Computes the weights in effect for a split with `positives` of `rows`.
 * With SK_WEIGHTS_BALANCED a class that has no rows gets weight 1. */
void sk_class_weights(sk_weight_mode mode, double custom_neg, double custom_pos,
                      size_t rows, size_t positives, double *weight_neg,
                      double *weight_pos);

/* ---- optimizers ----------------------------------------------------------- */

typedef enum {
    SK_OPT_SGD = 0,
    SK_OPT_ADAM,
    SK_OPT_MOMENTUM,    /* SGD with momentum 0.9 */
    SK_OPT_RMSPROP
} sk_optimizer_kind;

typedef struct sk_optimizer sk_optimizer;

/* Creates an optimizer for `params` parameters.  Adam uses Keras's
 * defaults beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7; RMSprop uses
 * Keras's rho = 0.9, epsilon = 1e-7; momentum uses 0.9.  The updates follow
 * Keras's formulas (optimizer.c gives them).  On success *out owns the
 * optimizer.  Fails with SK_ERR_INPUT for a learning rate that is not a
 * positive finite number or an unknown kind, SK_ERR_NOMEM. */
sk_status sk_optimizer_new(sk_optimizer_kind kind, size_t params,
                           double learning_rate, sk_optimizer **out,
                           sk_error *err);
void sk_optimizer_free(sk_optimizer *optimizer);
/* Applies one update: params -= step(grad). */
void sk_optimizer_step(sk_optimizer *optimizer, double *params,
                       const double *grad);

/* ---- the training loop ---------------------------------------------------- */

typedef struct {
    sk_model_kind model;
    sk_optimizer_kind optimizer;
    double learning_rate;     /* > 0 */
    size_t epochs;            /* >= 1 */
    size_t batch;             /* >= 1 */
    sk_weight_mode weights;
    double weight_neg, weight_pos;  /* for SK_WEIGHTS_CUSTOM, > 0 */
    sk_loss loss;
    bool bias_prior;          /* start the output bias at the prior log-odds */
    unsigned long seed;

    /* The network shape (sk_model_config); logreg ignores these. */
    size_t hidden;            /* units per hidden layer */
    size_t layers;            /* 1 to 3 for mlp, 1 or 2 for lstm and gru */
    sk_activation activation; /* mlp hidden layers */
    double dropout;           /* in [0, 1), applied during training epochs only */
    sk_readout readout;       /* lstm and gru */
    /* Time steps per row.  A dataset row contains `steps` steps of
     * data->features / steps features each, step-major, so steps must
     * divide data->features. */
    size_t steps;
    /* When > 0, a batch gradient whose L2 norm (over all parameters)
     * exceeds clip_norm is rescaled to norm clip_norm; 0 turns clipping off. */
    double clip_norm;
    /* L2 weight decay: adds weight_decay * w to the gradient of every
     * weight, not of biases, after clipping; 0 turns it off. */
    double weight_decay;

    /* Resampling of the training split before training (sk_session does
     * it; the trainer reads the split it is given). */
    sk_resample_kind resample;
    size_t resample_neighbours;   /* SMOTE's k */
    /* Draw every mini-batch half from each class (rows drawn with
     * replacement), instead of a shuffled pass over the rows; an epoch
     * keeps the same number of rows. */
    bool balanced_batches;
} sk_train_options;

/* Returns the defaults: logreg, Adam, learning rate 0.01, 30 epochs,
 * batch 32, no weights, BCE, zero bias, seed 1.  The focal parameters, used
 * only with SK_LOSS_FOCAL, default to gamma 2 and alpha 0.25.  Networks
 * default to 1 hidden layer of 10 units, ReLU for the MLP, no dropout, the
 * last-step readout; 1 step per row, no clipping, no weight decay. */
sk_train_options sk_train_defaults(void);

typedef struct sk_trainer sk_trainer;

/*
 * Creates a trainer for data (borrowed: it must outlive the trainer) and
 * its model, whose per-step feature count is data->features /
 * options->steps.  The model's initial weights and the row order of every
 * epoch come from one generator seeded with options->seed.
 * Fails with SK_ERR_INPUT, and a message naming the command-line option,
 * when an option is out of range, when options->steps does not divide the
 * feature count, when the training split has no rows, or when
 * options->bias_prior is set and the training split contains one class
 * only; SK_ERR_NOMEM when memory runs out.
 */
sk_status sk_trainer_new(const sk_dataset *data, const sk_train_options *options,
                         sk_trainer **out, sk_error *err);
void sk_trainer_free(sk_trainer *trainer);

/* Runs one epoch and stores its mean weighted training loss: the mean over
 * all training rows of w_i l_i, each computed with the parameters that its
 * batch was trained from.  The weight-decay penalty is not part of it, so
 * it stays comparable with the validation loss.  Returns
 * SK_ERR_NUMERIC when the loss or a parameter becomes NaN or infinite; the
 * parameters are then unusable. */
sk_status sk_trainer_epoch(sk_trainer *trainer, double *train_loss, sk_error *err);

/* Writes scores = sigmoid(logits) [split->rows] for every row of split,
 * in chunks of at most the batch size, with dropout off.  Fails with
 * SK_ERR_INPUT when the split's feature count differs from the training
 * split's. */
sk_status sk_trainer_predict(sk_trainer *trainer, const sk_split *split,
                             double *scores, sk_error *err);

/* The class weights in effect. */
void sk_trainer_weights(const sk_trainer *trainer, double *weight_neg,
                        double *weight_pos);

/* Returns the trainer's model (owned by the trainer) for reading its
 * parameters. */
const sk_model *sk_trainer_model(const sk_trainer *trainer);

#endif
