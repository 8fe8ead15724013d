/*
 * bench_models.c - times training epochs of skewtop's LSTM and MLP.
 *
 * Usage: bench_models lstm|mlp BATCH [ROWS [EPOCHS]]
 *
 * Builds an in-memory dataset of ROWS rows (default 170,000), each a window
 * of STEPS steps of STEP_FEATURES features stored step-major, with standard
 * normal features and labels drawn at POSITIVE_SHARE prevalence from a
 * seeded MT19937.  It then creates an sk_trainer with RMSprop and times
 * EPOCHS (default 1) calls of sk_trainer_epoch() one by one.  The models:
 *   - lstm: one LSTM layer of LSTM_HIDDEN units over the 12 steps, and an
 *     output unit on the last step's hidden state;
 *   - mlp: MLP_LAYERS ReLU layers of MLP_HIDDEN units on the 96 features
 *     of a flattened window, then the output unit.
 * Prints "key value" lines: the seconds of each epoch, their mean, the last
 * epoch's training loss and the parameter count.  bench/run_models.sh builds
 * and runs it next to bench/bench_models.py; no test runs it.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "skewtop/data.h"
#include "skewtop/train.h"

/* The benchmark's sequence shape: windows of 12 monthly steps of 8
 * features, about the shape of the windows over the shipped panel sample. */
#define STEPS 12
#define STEP_FEATURES 8
#define DEFAULT_ROWS 170000
/* Share of positive rows: the 3 % minority the product is built for. */
#define POSITIVE_SHARE 0.03
#define DATA_SEED 20240
#define TRAIN_SEED 1

#define LSTM_HIDDEN 10
#define MLP_HIDDEN 64
#define MLP_LAYERS 2
/* Keras's RMSprop default; bench_models.py uses the same. */
#define LEARNING_RATE 0.001

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Returns a new dataset of `rows` random windows in its training split
 * (no validation rows), or NULL when memory runs out. */
static sk_dataset *make_dataset(size_t rows)
{
    sk_dataset *data = calloc(1, sizeof *data);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (data == NULL || rng == NULL)
        goto fail;
    gsl_rng_set(rng, DATA_SEED);

    data->features = STEPS * STEP_FEATURES;
    data->steps = STEPS;
    data->rows_read = rows;
    data->train.rows = rows;
    data->train.x = gsl_matrix_alloc(rows, data->features);
    data->train.y = malloc(rows);
    if (data->train.x == NULL || data->train.y == NULL)
        goto fail;

    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < data->features; j++)
            gsl_matrix_set(data->train.x, i, j, gsl_ran_gaussian_ziggurat(rng, 1.0));
        data->train.y[i] = gsl_rng_uniform(rng) < POSITIVE_SHARE;
        data->train.positives += data->train.y[i];
    }
    gsl_rng_free(rng);
    return data;

fail:
    if (rng != NULL)
        gsl_rng_free(rng);
    sk_dataset_free(data);
    return NULL;
}

/* Fills options for the benchmark's model `name`; returns -1 for an
 * unknown name. */
static int set_model(const char *name, size_t batch, sk_train_options *options)
{
    *options = sk_train_defaults();
    options->optimizer = SK_OPT_RMSPROP;
    options->learning_rate = LEARNING_RATE;
    options->batch = batch;
    options->seed = TRAIN_SEED;
    options->steps = STEPS;

    if (strcmp(name, "lstm") == 0) {
        options->model = SK_MODEL_LSTM;
        options->hidden = LSTM_HIDDEN;
        options->layers = 1;
        options->readout = SK_READOUT_LAST;
        return 0;
    }
    if (strcmp(name, "mlp") == 0) {
        options->model = SK_MODEL_MLP;
        options->hidden = MLP_HIDDEN;
        options->layers = MLP_LAYERS;
        options->activation = SK_ACTIVATION_RELU;
        return 0;
    }
    return -1;
}

/* Parses a positive integer argument; returns 0 when text is not one. */
static size_t parse_count(const char *text)
{
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    if (*text == '-' || *end != '\0' || end == text)
        return 0;
    return (size_t)value;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: %s lstm|mlp BATCH [ROWS [EPOCHS]]\n", argv[0]);
        return 2;
    }
    gsl_set_error_handler_off();

    size_t batch = parse_count(argv[2]);
    size_t rows = argc > 3 ? parse_count(argv[3]) : DEFAULT_ROWS;
    size_t epochs = argc > 4 ? parse_count(argv[4]) : 1;
    sk_train_options options;
    if (set_model(argv[1], batch, &options) != 0 || batch == 0 || rows == 0 || epochs == 0) {
        fprintf(stderr, "%s: the model must be lstm or mlp and BATCH, ROWS and EPOCHS "
                "positive integers; got:", argv[0]);
        for (int i = 1; i < argc; i++)
            fprintf(stderr, " '%s'", argv[i]);
        fputc('\n', stderr);
        return 2;
    }

    sk_dataset *data = make_dataset(rows);
    if (data == NULL) {
        fprintf(stderr, "%s: out of memory for %zu rows\n", argv[0], rows);
        return 1;
    }
    sk_error err = {""};
    sk_trainer *trainer = NULL;
    if (sk_trainer_new(data, &options, &trainer, &err) != SK_OK) {
        fprintf(stderr, "%s: %s\n", argv[0], err.message);
        sk_dataset_free(data);
        return 1;
    }

    double total = 0.0;
    double loss = 0.0;
    for (size_t e = 0; e < epochs; e++) {
        double start = now();
        sk_status status = sk_trainer_epoch(trainer, &loss, &err);
        double elapsed = now() - start;
        if (status != SK_OK) {
            fprintf(stderr, "%s: %s\n", argv[0], err.message);
            sk_trainer_free(trainer);
            sk_dataset_free(data);
            return 1;
        }
        printf("epoch_s %.4f\n", elapsed);
        total += elapsed;
    }

    printf("seconds_per_epoch %.4f\n", total / (double)epochs);
    printf("train_loss %.6f\n", loss);
    printf("params %zu\n", sk_model_param_count(sk_trainer_model(trainer)));
    printf("rows %zu\n", rows);
    printf("positives %zu\n", data->train.positives);
    sk_trainer_free(trainer);
    sk_dataset_free(data);
    return 0;
}
