/*
 * trainer.c - the epoch loop: shuffle, gather a mini-batch, forward, loss,
 * backward, optimizer step.
 *
 * Every buffer a batch needs (the gathered inputs, labels, logits, their
 * gradient and the parameter gradient) is allocated in sk_trainer_new() for
 * the largest batch, and the model preallocates its own workspace, so an
 * epoch allocates nothing.  The randomness (initial weights, the row order
 * and the dropout masks) all derives from one mt19937 seeded with
 * options->seed, so the same data, options and seed give bit-identical
 * parameters with the same CBLAS.
 *
 * A batch step is: forward, loss, backward, gradient clipping, weight
 * decay, optimizer step.  Clipping rescales the gradient by its global L2
 * norm, as torch.nn.utils.clip_grad_norm_ and Keras's global_clipnorm do.
 * Weight decay then adds decay * w to the gradient of each weight, as the
 * weight_decay argument of PyTorch's SGD and Adam does after clipping.
 */
#include "skewtop/train.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "logistic.h"

/* The defaults of sk_train_defaults(); train.h lists them. */
#define DEFAULT_LEARNING_RATE 0.01
#define DEFAULT_EPOCHS 30
#define DEFAULT_BATCH 32
#define DEFAULT_SEED 1
/* RetinaNet's values (Lin et al. 2017), also the defaults of torchvision's
 * sigmoid_focal_loss. */
#define DEFAULT_FOCAL_GAMMA 2.0
#define DEFAULT_FOCAL_ALPHA 0.25
/* A small network that trains in seconds on the shipped samples; the
 * benchmark LSTM of 10 units has this size too. */
#define DEFAULT_HIDDEN 10
#define DEFAULT_LAYERS 1

struct sk_trainer {
    const sk_dataset *data;      /* borrowed */
    sk_train_options options;
    sk_model *model;
    sk_optimizer *optimizer;
    gsl_rng *rng;                /* mt19937, seeded from options.seed */
    double weight_neg, weight_pos;

    size_t max_batch;            /* min(options.batch, training rows) */
    size_t *order;               /* [train rows] row order of the current epoch */
    size_t *class_rows[2];       /* balanced batches: [rows of class c] indices */
    size_t class_count[2];
    gsl_matrix *batch_x;         /* [max_batch][features] gathered inputs */
    unsigned char *batch_y;      /* [max_batch] gathered labels */
    gsl_vector *logits;          /* [max_batch] */
    gsl_vector *dlogits;         /* [max_batch] d(batch loss)/d(logit) */
    double *grad;                /* [param_count] d(batch loss)/d(params) */
    const unsigned char *weight_mask;  /* [param_count] owned by the model */
    size_t epochs_run;
};

sk_train_options sk_train_defaults(void)
{
    sk_train_options options = {
        .model = SK_MODEL_LOGREG,
        .optimizer = SK_OPT_ADAM,
        .learning_rate = DEFAULT_LEARNING_RATE,
        .epochs = DEFAULT_EPOCHS,
        .batch = DEFAULT_BATCH,
        .weights = SK_WEIGHTS_NONE,
        .weight_neg = 1.0,
        .weight_pos = 1.0,
        .loss = {
            .kind = SK_LOSS_BCE,
            .focal_gamma = DEFAULT_FOCAL_GAMMA,
            .focal_alpha = DEFAULT_FOCAL_ALPHA,
        },
        .bias_prior = false,
        .seed = DEFAULT_SEED,
        .hidden = DEFAULT_HIDDEN,
        .layers = DEFAULT_LAYERS,
        .activation = SK_ACTIVATION_RELU,
        .dropout = 0.0,
        .readout = SK_READOUT_LAST,
        .steps = 1,
        .clip_norm = 0.0,
        .weight_decay = 0.0,
        .resample = SK_RESAMPLE_NONE,
        .resample_neighbours = SK_RESAMPLE_DEFAULT_NEIGHBOURS,
    };
    return options;
}

/* Returns true when value is a finite number greater than 0. */
static bool is_positive_number(double value)
{
    return value > 0.0 && isfinite(value);
}

/* Checks the options a user can set; messages name the command-line option. */
static sk_status validate_options(const sk_train_options *o, sk_error *err)
{
    if (!is_positive_number(o->learning_rate))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--lr must be a positive number, got %g", o->learning_rate);
    if (o->epochs < 1)
        return sk_error_set(err, SK_ERR_INPUT, "--epochs must be at least 1, got %zu",
                            o->epochs);
    if (o->batch < 1)
        return sk_error_set(err, SK_ERR_INPUT, "--batch must be at least 1, got %zu",
                            o->batch);
    if (o->weights != SK_WEIGHTS_NONE && o->weights != SK_WEIGHTS_BALANCED
        && o->weights != SK_WEIGHTS_CUSTOM)
        return sk_error_set(err, SK_ERR_INPUT,
                            "unknown class-weight mode %d; use --class-weight none, "
                            "balanced or W_NEG:W_POS", (int)o->weights);
    if (o->weights == SK_WEIGHTS_CUSTOM
        && !(is_positive_number(o->weight_neg) && is_positive_number(o->weight_pos)))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--class-weight W_NEG:W_POS needs two positive numbers, got %g:%g",
                            o->weight_neg, o->weight_pos);
    if (o->loss.kind != SK_LOSS_BCE && o->loss.kind != SK_LOSS_FOCAL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "unknown loss kind %d; use --loss bce or focal", (int)o->loss.kind);
    if (!(o->loss.focal_gamma >= 0.0 && isfinite(o->loss.focal_gamma)))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--focal-gamma must be a number >= 0, got %g", o->loss.focal_gamma);
    if (!(o->loss.focal_alpha >= 0.0 && o->loss.focal_alpha <= 1.0))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--focal-alpha must be between 0 and 1, got %g",
                            o->loss.focal_alpha);
    if (!(o->clip_norm >= 0.0 && isfinite(o->clip_norm)))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--clip-norm must be a number >= 0 (0 turns clipping off), got %g",
                            o->clip_norm);
    if (!(o->weight_decay >= 0.0 && isfinite(o->weight_decay)))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--weight-decay must be a number >= 0 (0 turns it off), got %g",
                            o->weight_decay);
    return SK_OK;
}

/* Checks that the training split can be trained on with these options. */
static sk_status validate_data(const sk_dataset *data, const sk_train_options *o,
                               sk_error *err)
{
    const sk_split *train = &data->train;

    if (train->rows == 0 || train->x == NULL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "the training split has no rows; lower --val-fraction "
                            "or supply more data");
    if (train->x->size1 != train->rows || train->x->size2 != data->features)
        return sk_error_set(err, SK_ERR_INTERNAL,
                            "the training matrix is %zu x %zu but the split has %zu rows "
                            "and %zu features", train->x->size1, train->x->size2,
                            train->rows, data->features);
    if (o->steps < 1 || data->features % o->steps != 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "a window of %zu steps does not divide the %zu feature columns "
                            "into equal steps; use a --window that divides %zu",
                            o->steps, data->features, data->features);
    if (o->bias_prior && (train->positives == 0 || train->positives == train->rows))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--bias-init prior needs both classes in the training split, "
                            "but %zu of its %zu rows are positive; use --bias-init zero",
                            train->positives, train->rows);
    return SK_OK;
}

static sk_status index_classes(sk_trainer *t, sk_error *err);

/* Allocates the per-batch buffers and the epoch's row order. */
static sk_status alloc_buffers(sk_trainer *t, sk_error *err)
{
    size_t rows = t->data->train.rows;

    t->order = sk_calloc(rows, sizeof *t->order);
    t->batch_y = sk_calloc(t->max_batch, sizeof *t->batch_y);
    t->grad = sk_calloc(sk_model_param_count(t->model), sizeof *t->grad);
    t->batch_x = gsl_matrix_alloc(t->max_batch, t->data->features);
    t->logits = gsl_vector_alloc(t->max_batch);
    t->dlogits = gsl_vector_alloc(t->max_batch);
    if (t->order == NULL || t->batch_y == NULL || t->grad == NULL || t->batch_x == NULL
        || t->logits == NULL || t->dlogits == NULL)
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory allocating training buffers for batches of %zu "
                            "rows and %zu features", t->max_batch, t->data->features);

    for (size_t i = 0; i < rows; i++)
        t->order[i] = i;
    return SK_OK;
}

sk_status sk_trainer_new(const sk_dataset *data, const sk_train_options *options,
                         sk_trainer **out, sk_error *err)
{
    *out = NULL;

    sk_status status = validate_options(options, err);
    if (status != SK_OK)
        return status;
    status = validate_data(data, options, err);
    if (status != SK_OK)
        return status;

    sk_trainer *t = calloc(1, sizeof *t);
    if (t == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory creating the trainer");
    t->data = data;
    t->options = *options;
    /* A batch larger than the split is the whole split. */
    t->max_batch = options->batch < data->train.rows ? options->batch : data->train.rows;
    sk_class_weights(options->weights, options->weight_neg, options->weight_pos,
                     data->train.rows, data->train.positives, &t->weight_neg,
                     &t->weight_pos);

    t->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (t->rng == NULL) {
        status = sk_error_set(err, SK_ERR_NOMEM, "out of memory creating the random generator");
        goto fail;
    }
    gsl_rng_set(t->rng, options->seed);

    sk_model_config config = {
        .kind = options->model,
        .features = data->features / options->steps,
        .steps = options->steps,
        .hidden = options->hidden,
        .layers = options->layers,
        .activation = options->activation,
        .dropout = options->dropout,
        .readout = options->readout,
    };
    status = sk_model_new_config(&config, t->max_batch, t->rng, &t->model, err);
    if (status != SK_OK)
        goto fail;
    t->weight_mask = sk_model_weight_mask(t->model);
    status = sk_optimizer_new(options->optimizer, sk_model_param_count(t->model),
                              options->learning_rate, &t->optimizer, err);
    if (status != SK_OK)
        goto fail;
    status = alloc_buffers(t, err);
    if (status == SK_OK && options->balanced_batches)
        status = index_classes(t, err);
    if (status != SK_OK)
        goto fail;

    if (options->bias_prior) {
        double p = (double)data->train.positives / (double)data->train.rows;
        sk_model_set_output_bias(t->model, log(p / (1.0 - p)));
    }
    *out = t;
    return SK_OK;

fail:
    sk_trainer_free(t);
    return status;
}

void sk_trainer_free(sk_trainer *trainer)
{
    if (trainer == NULL)
        return;
    sk_model_free(trainer->model);
    sk_optimizer_free(trainer->optimizer);
    if (trainer->rng != NULL)
        gsl_rng_free(trainer->rng);
    free(trainer->order);
    free(trainer->class_rows[0]);
    free(trainer->class_rows[1]);
    free(trainer->batch_y);
    free(trainer->grad);
    if (trainer->batch_x != NULL)
        gsl_matrix_free(trainer->batch_x);
    if (trainer->logits != NULL)
        gsl_vector_free(trainer->logits);
    if (trainer->dlogits != NULL)
        gsl_vector_free(trainer->dlogits);
    free(trainer);
}

/* Copies the training rows order[start .. start+rows-1] into the first
 * rows of batch_x and batch_y. */
static sk_status gather_batch(sk_trainer *t, size_t start, size_t rows)
{
    const sk_split *train = &t->data->train;

    for (size_t i = 0; i < rows; i++) {
        size_t row = t->order[start + i];
        gsl_vector_const_view src = gsl_matrix_const_row(train->x, row);
        gsl_vector_view dst = gsl_matrix_row(t->batch_x, i);

        if (gsl_vector_memcpy(&dst.vector, &src.vector) != GSL_SUCCESS)
            return SK_ERR_NUMERIC;
        t->batch_y[i] = train->y[row];
    }
    return SK_OK;
}

/* Returns true when every parameter is finite. */
static bool params_finite(const sk_model *model)
{
    const double *params = sk_model_params_const(model);
    size_t count = sk_model_param_count(model);

    for (size_t i = 0; i < count; i++) {
        if (!isfinite(params[i]))
            return false;
    }
    return true;
}

/* Rescales grad [count] to L2 norm max_norm when its norm is larger. */
static void clip_gradient(double *grad, size_t count, double max_norm)
{
    double sum_squares = 0.0;
    for (size_t i = 0; i < count; i++)
        sum_squares += grad[i] * grad[i];

    double norm = sqrt(sum_squares);
    if (!(norm > max_norm))
        return;
    double scale = max_norm / norm;
    for (size_t i = 0; i < count; i++)
        grad[i] *= scale;
}

/* Adds decay * w to the gradient of every weight: the gradient of the
 * penalty (decay / 2) sum w^2. */
static void add_weight_decay(double *grad, const double *params, const unsigned char *mask,
                             size_t count, double decay)
{
    for (size_t i = 0; i < count; i++) {
        if (mask[i])
            grad[i] += decay * params[i];
    }
}

/* Trains on the gathered batch of `rows` rows and stores its mean loss,
 * computed before the update. */
static sk_status train_batch(sk_trainer *t, size_t rows, double *batch_loss)
{
    gsl_matrix_view x = gsl_matrix_submatrix(t->batch_x, 0, 0, rows, t->data->features);
    gsl_vector_view logits = gsl_vector_subvector(t->logits, 0, rows);
    gsl_vector_view dlogits = gsl_vector_subvector(t->dlogits, 0, rows);

    sk_status status = sk_model_forward(t->model, &x.matrix, &logits.vector);
    if (status != SK_OK)
        return status;

    /* The subvectors of stride-1 vectors are contiguous arrays. */
    *batch_loss = sk_loss_eval(&t->options.loss, logits.vector.data, t->batch_y, rows,
                               t->weight_neg, t->weight_pos, dlogits.vector.data);
    if (!isfinite(*batch_loss))
        return SK_OK;   /* the caller reports it with the epoch and batch */

    status = sk_model_backward(t->model, &x.matrix, &dlogits.vector, t->grad);
    if (status != SK_OK)
        return status;

    size_t count = sk_model_param_count(t->model);
    double *params = sk_model_params(t->model);
    if (t->options.clip_norm > 0.0)
        clip_gradient(t->grad, count, t->options.clip_norm);
    if (t->options.weight_decay > 0.0)
        add_weight_decay(t->grad, params, t->weight_mask, count, t->options.weight_decay);
    sk_optimizer_step(t->optimizer, params, t->grad);
    return SK_OK;
}

/* Lists the training rows of each class, for balanced batches. */
static sk_status index_classes(sk_trainer *t, sk_error *err)
{
    const sk_split *train = &t->data->train;
    for (int c = 0; c < 2; c++) {
        t->class_rows[c] = sk_calloc(train->rows, sizeof *t->class_rows[c]);
        if (t->class_rows[c] == NULL)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory while indexing the classes");
        t->class_count[c] = 0;
    }
    for (size_t i = 0; i < train->rows; i++) {
        int c = train->y[i] != 0;
        t->class_rows[c][t->class_count[c]++] = i;
    }
    if (t->class_count[0] == 0 || t->class_count[1] == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "balanced batches need both classes in the training split");
    return SK_OK;
}

/* Fills the epoch's row order so that consecutive rows alternate between
 * the classes, each drawn uniformly with replacement from its class; any
 * batch of an even size then contains exactly half of each. */
static void draw_balanced_order(sk_trainer *t)
{
    size_t rows = t->data->train.rows;
    for (size_t i = 0; i < rows; i++) {
        int c = (int)(i % 2);
        size_t pick = gsl_rng_uniform_int(t->rng, t->class_count[c]);
        t->order[i] = t->class_rows[c][pick];
    }
}

/* Runs the batches of one epoch in training mode; see sk_trainer_epoch(). */
static sk_status run_epoch(sk_trainer *trainer, double *train_loss, sk_error *err)
{
    size_t rows = trainer->data->train.rows;
    size_t batches = (rows + trainer->max_batch - 1) / trainer->max_batch;
    size_t epoch = trainer->epochs_run + 1;
    double loss_sum = 0.0;

    if (trainer->options.balanced_batches)
        draw_balanced_order(trainer);
    else
        gsl_ran_shuffle(trainer->rng, trainer->order, rows, sizeof *trainer->order);

    for (size_t b = 0; b < batches; b++) {
        size_t start = b * trainer->max_batch;
        size_t count = rows - start < trainer->max_batch ? rows - start : trainer->max_batch;
        double batch_loss = 0.0;

        sk_status status = gather_batch(trainer, start, count);
        if (status == SK_OK)
            status = train_batch(trainer, count, &batch_loss);
        if (status != SK_OK)
            return sk_error_set(err, status,
                                "training failed in epoch %zu, batch %zu of %zu: a GSL "
                                "matrix operation on %zu rows returned an error",
                                epoch, b + 1, batches, count);
        if (!isfinite(batch_loss))
            return sk_error_set(err, SK_ERR_NUMERIC,
                                "the training loss became %g in epoch %zu, batch %zu of %zu, "
                                "so training stopped; lower --lr (now %g) or check the "
                                "data for extreme values",
                                batch_loss, epoch, b + 1, batches,
                                trainer->options.learning_rate);
        loss_sum += batch_loss * (double)count;
    }

    trainer->epochs_run = epoch;
    if (!params_finite(trainer->model))
        return sk_error_set(err, SK_ERR_NUMERIC,
                            "a model parameter became NaN or infinite in epoch %zu, so "
                            "training stopped; lower --lr (now %g)",
                            epoch, trainer->options.learning_rate);
    *train_loss = loss_sum / (double)rows;
    return SK_OK;
}

sk_status sk_trainer_epoch(sk_trainer *trainer, double *train_loss, sk_error *err)
{
    sk_model_set_training(trainer->model, true);
    sk_status status = run_epoch(trainer, train_loss, err);
    sk_model_set_training(trainer->model, false);
    return status;
}

sk_status sk_trainer_predict(sk_trainer *trainer, const sk_split *split,
                             double *scores, sk_error *err)
{
    size_t features = trainer->data->features;

    sk_model_set_training(trainer->model, false);
    if (split->rows == 0)
        return SK_OK;
    if (split->x == NULL || split->x->size1 != split->rows || split->x->size2 != features)
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot score a split of %zu rows x %zu features with a model "
                            "trained on %zu features",
                            split->rows, split->x == NULL ? 0 : split->x->size2, features);

    for (size_t start = 0; start < split->rows; start += trainer->max_batch) {
        size_t count = split->rows - start < trainer->max_batch ? split->rows - start
                                                                 : trainer->max_batch;
        gsl_matrix_const_view x = gsl_matrix_const_submatrix(split->x, start, 0, count,
                                                             features);
        gsl_vector_view logits = gsl_vector_subvector(trainer->logits, 0, count);

        sk_status status = sk_model_forward(trainer->model, &x.matrix, &logits.vector);
        if (status != SK_OK)
            return sk_error_set(err, status,
                                "scoring rows %zu to %zu failed: a GSL matrix operation "
                                "returned an error", start + 1, start + count);
        for (size_t i = 0; i < count; i++)
            scores[start + i] = sk_train_sigmoid(gsl_vector_get(&logits.vector, i));
    }
    return SK_OK;
}

void sk_trainer_weights(const sk_trainer *trainer, double *weight_neg,
                        double *weight_pos)
{
    *weight_neg = trainer->weight_neg;
    *weight_pos = trainer->weight_pos;
}

const sk_model *sk_trainer_model(const sk_trainer *trainer)
{
    return trainer->model;
}
