/*
 * optimizer.c - SGD, SGD with momentum, RMSprop and Adam over a flat
 * parameter array.
 *
 * The updates are those of tf.keras (its optimizer_v2 sources and SGD
 * documentation), so that a learning rate tuned there means the same here.
 * With gradient g,
 * learning rate lr and step t = 1, 2, ...:
 *   sgd:      p -= lr g
 *   momentum: v = mu v - lr g;  p += v
 *   rmsprop:  v = rho v + (1 - rho) g^2;  p -= lr g / (sqrt(v) + eps)
 *   adam:     m += (1 - beta1) (g - m);  v += (1 - beta2) (g^2 - v);
 *             lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t);
 *             p -= lr_t m / (sqrt(v) + eps)
 * Adam folds the bias correction of m and v into lr_t and adds eps to
 * sqrt(v) uncorrected, as Keras does; Keras's documentation calls this eps
 * "epsilon hat", after Kingma and Ba.
 */
#include "skewtop/train.h"

#include <math.h>
#include <stdlib.h>

/* Keras's defaults for Adam (beta_1, beta_2, epsilon). */
#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPSILON 1e-7

/* Keras's defaults for RMSprop (rho, epsilon). */
#define RMSPROP_RHO 0.9
#define RMSPROP_EPSILON 1e-7

/* The usual momentum for SGD; Keras's SGD takes it as an argument whose
 * default, 0, is plain SGD. */
#define SGD_MOMENTUM 0.9

struct sk_optimizer {
    sk_optimizer_kind kind;
    size_t params;
    double learning_rate;
    double *first;       /* [params] momentum velocity or Adam's m; else NULL */
    double *second;      /* [params] RMSprop's or Adam's v; else NULL */
    unsigned long step;  /* updates applied so far */
};

/* Returns true when kind keeps a first-moment (velocity) array. */
static bool uses_first_moment(sk_optimizer_kind kind)
{
    return kind == SK_OPT_MOMENTUM || kind == SK_OPT_ADAM;
}

/* Returns true when kind keeps a second-moment array. */
static bool uses_second_moment(sk_optimizer_kind kind)
{
    return kind == SK_OPT_RMSPROP || kind == SK_OPT_ADAM;
}

sk_status sk_optimizer_new(sk_optimizer_kind kind, size_t params,
                           double learning_rate, sk_optimizer **out,
                           sk_error *err)
{
    *out = NULL;
    if (!(learning_rate > 0.0 && isfinite(learning_rate)))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--lr must be a positive number, got %g", learning_rate);
    if (kind != SK_OPT_SGD && kind != SK_OPT_ADAM && kind != SK_OPT_MOMENTUM
        && kind != SK_OPT_RMSPROP)
        return sk_error_set(err, SK_ERR_INPUT,
                            "unknown optimizer kind %d; use sgd, momentum, rmsprop or adam",
                            (int)kind);

    sk_optimizer *opt = calloc(1, sizeof *opt);
    if (opt == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory creating the optimizer");
    opt->kind = kind;
    opt->params = params;
    opt->learning_rate = learning_rate;
    if (uses_first_moment(kind))
        opt->first = sk_calloc(params, sizeof *opt->first);
    if (uses_second_moment(kind))
        opt->second = sk_calloc(params, sizeof *opt->second);
    if ((uses_first_moment(kind) && opt->first == NULL)
        || (uses_second_moment(kind) && opt->second == NULL)) {
        sk_optimizer_free(opt);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory for the optimizer state of %zu parameters", params);
    }
    *out = opt;
    return SK_OK;
}

void sk_optimizer_free(sk_optimizer *optimizer)
{
    if (optimizer == NULL)
        return;
    free(optimizer->first);
    free(optimizer->second);
    free(optimizer);
}

static void step_sgd(sk_optimizer *opt, double *params, const double *grad)
{
    for (size_t i = 0; i < opt->params; i++)
        params[i] -= opt->learning_rate * grad[i];
}

static void step_momentum(sk_optimizer *opt, double *params, const double *grad)
{
    double *velocity = opt->first;

    for (size_t i = 0; i < opt->params; i++) {
        velocity[i] = SGD_MOMENTUM * velocity[i] - opt->learning_rate * grad[i];
        params[i] += velocity[i];
    }
}

static void step_rmsprop(sk_optimizer *opt, double *params, const double *grad)
{
    double *mean_square = opt->second;

    for (size_t i = 0; i < opt->params; i++) {
        mean_square[i] = RMSPROP_RHO * mean_square[i]
                         + (1.0 - RMSPROP_RHO) * grad[i] * grad[i];
        params[i] -= opt->learning_rate * grad[i]
                     / (sqrt(mean_square[i]) + RMSPROP_EPSILON);
    }
}

static void step_adam(sk_optimizer *opt, double *params, const double *grad)
{
    double *m = opt->first;
    double *v = opt->second;
    double t = (double)opt->step;   /* already counts this update */
    double lr_t = opt->learning_rate * sqrt(1.0 - pow(ADAM_BETA2, t))
                  / (1.0 - pow(ADAM_BETA1, t));

    for (size_t i = 0; i < opt->params; i++) {
        m[i] += (1.0 - ADAM_BETA1) * (grad[i] - m[i]);
        v[i] += (1.0 - ADAM_BETA2) * (grad[i] * grad[i] - v[i]);
        params[i] -= lr_t * m[i] / (sqrt(v[i]) + ADAM_EPSILON);
    }
}

void sk_optimizer_step(sk_optimizer *optimizer, double *params,
                       const double *grad)
{
    optimizer->step++;
    switch (optimizer->kind) {
    case SK_OPT_SGD:
        step_sgd(optimizer, params, grad);
        break;
    case SK_OPT_MOMENTUM:
        step_momentum(optimizer, params, grad);
        break;
    case SK_OPT_RMSPROP:
        step_rmsprop(optimizer, params, grad);
        break;
    case SK_OPT_ADAM:
        step_adam(optimizer, params, grad);
        break;
    }
}
