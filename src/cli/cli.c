/*
 * cli.c - parsing the command line.
 *
 * Every value is checked here, before any file is read, so that a typo
 * fails at once with a message that names the option, the value and what
 * is accepted.  Option names follow the interface in the README.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Default pause between epochs on screen in the demo, in ms: a logistic
 * regression on the demo data trains an epoch in a few milliseconds, far
 * too fast to watch. */
#define DEMO_EPOCH_DELAY_MS 150

/* Steps per window when a time column is given without --window: a
 * year of monthly data. */
#define DEFAULT_WINDOW 12

/* Longest accepted --epoch-delay, in ms. */
#define MAX_EPOCH_DELAY_MS 60000

enum {
    OPT_TARGET = 256, OPT_POSITIVE, OPT_THRESHOLD, OPT_EPOCHS, OPT_BATCH, OPT_LR,
    OPT_OPTIMIZER, OPT_CLASS_WEIGHT, OPT_SEED, OPT_VAL_FRACTION, OPT_REPORT,
    OPT_OUTPUT, OPT_HEADER, OPT_NO_HEADER, OPT_MAX_CATEGORIES, OPT_EPOCH_DELAY,
    OPT_MODEL, OPT_BIAS_INIT, OPT_LOSS, OPT_FOCAL_GAMMA, OPT_FOCAL_ALPHA,
    OPT_LABEL, OPT_SCORE, OPT_SCORE_OF, OPT_HIDDEN, OPT_LAYERS, OPT_DROPOUT,
    OPT_ACTIVATION, OPT_READOUT, OPT_CLIP_NORM, OPT_WEIGHT_DECAY, OPT_TIME_COL,
    OPT_GROUP_COL, OPT_WINDOW, OPT_HORIZON, OPT_SPLIT, OPT_SPLIT_AT, OPT_GAPS,
    OPT_RESAMPLE, OPT_SMOTE_K, OPT_EXPORT, OPT_BALANCED_BATCHES, OPT_CALIB_FRACTION,
    OPT_COST, OPT_BETA, OPT_MIN_PRECISION, OPT_MIN_RECALL, OPT_RESAMPLES,
    OPT_EXACT_LIMIT, OPT_EXACT, OPT_VERSION
};

static const struct option long_options[] = {
    { "target", required_argument, NULL, OPT_TARGET },
    { "positive", required_argument, NULL, OPT_POSITIVE },
    { "threshold", required_argument, NULL, OPT_THRESHOLD },
    { "epochs", required_argument, NULL, OPT_EPOCHS },
    { "batch", required_argument, NULL, OPT_BATCH },
    { "lr", required_argument, NULL, OPT_LR },
    { "optimizer", required_argument, NULL, OPT_OPTIMIZER },
    { "class-weight", required_argument, NULL, OPT_CLASS_WEIGHT },
    { "seed", required_argument, NULL, OPT_SEED },
    { "val-fraction", required_argument, NULL, OPT_VAL_FRACTION },
    { "report", optional_argument, NULL, OPT_REPORT },
    { "output", required_argument, NULL, OPT_OUTPUT },
    { "header", no_argument, NULL, OPT_HEADER },
    { "no-header", no_argument, NULL, OPT_NO_HEADER },
    { "max-categories", required_argument, NULL, OPT_MAX_CATEGORIES },
    { "epoch-delay", required_argument, NULL, OPT_EPOCH_DELAY },
    { "model", required_argument, NULL, OPT_MODEL },
    { "bias-init", required_argument, NULL, OPT_BIAS_INIT },
    { "loss", required_argument, NULL, OPT_LOSS },
    { "focal-gamma", required_argument, NULL, OPT_FOCAL_GAMMA },
    { "focal-alpha", required_argument, NULL, OPT_FOCAL_ALPHA },
    { "hidden", required_argument, NULL, OPT_HIDDEN },
    { "layers", required_argument, NULL, OPT_LAYERS },
    { "dropout", required_argument, NULL, OPT_DROPOUT },
    { "activation", required_argument, NULL, OPT_ACTIVATION },
    { "readout", required_argument, NULL, OPT_READOUT },
    { "clip-norm", required_argument, NULL, OPT_CLIP_NORM },
    { "weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY },
    { "time-col", required_argument, NULL, OPT_TIME_COL },
    { "group-col", required_argument, NULL, OPT_GROUP_COL },
    { "window", required_argument, NULL, OPT_WINDOW },
    { "horizon", required_argument, NULL, OPT_HORIZON },
    { "split", required_argument, NULL, OPT_SPLIT },
    { "split-at", required_argument, NULL, OPT_SPLIT_AT },
    { "gaps", required_argument, NULL, OPT_GAPS },
    { "resample", required_argument, NULL, OPT_RESAMPLE },
    { "export", required_argument, NULL, OPT_EXPORT },
    { "balanced-batches", no_argument, NULL, OPT_BALANCED_BATCHES },
    { "calib-fraction", required_argument, NULL, OPT_CALIB_FRACTION },
    { "cost", required_argument, NULL, OPT_COST },
    { "resamples", required_argument, NULL, OPT_RESAMPLES },
    { "exact-limit", required_argument, NULL, OPT_EXACT_LIMIT },
    { "exact", no_argument, NULL, OPT_EXACT },
    { "beta", required_argument, NULL, OPT_BETA },
    { "min-precision", required_argument, NULL, OPT_MIN_PRECISION },
    { "min-recall", required_argument, NULL, OPT_MIN_RECALL },
    { "smote-k", required_argument, NULL, OPT_SMOTE_K },
    { "label", required_argument, NULL, OPT_LABEL },
    { "score", required_argument, NULL, OPT_SCORE },
    { "score-of", required_argument, NULL, OPT_SCORE_OF },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

void cli_print_help(FILE *out)
{
    fputs(
"usage: skewtop                         run the demo lesson (lending-club loans)\n"
"       skewtop demo [NAME]             list the lessons, or run one\n"
"       skewtop train DATA.csv --target COL [options]\n"
"       skewtop inspect PRED.csv|- [--label COL] [--score COL[,COL...]]\n"
"\n"
"Trains a classifier on DATA.csv, or reads labels and scores exported from\n"
"any framework, and shows why the model fails the minority class: loss\n"
"curves, score histograms by class, the confusion matrix and metrics at a\n"
"threshold you move, and findings.  Without a terminal, or with --report,\n"
"it prints the same diagnosis instead.\n"
"\n"
"inspect\n"
"  --label COL           column of true labels, by name or 1-based index\n"
"  --score COL[,COL...]  score columns; several compare models\n"
"                        (default: a two-column file is read as label, score)\n"
"  --score-of LABEL      class the scores are the probability of\n"
"                        (default: the larger label, as predict_proba[:, 1])\n"
"  --exact-limit N       rows kept exactly; beyond, scores are binned\n"
"                        (default 50000000)\n"
"  --exact               keep every score exactly, however many rows\n"
"\n"
"data\n"
"  --target COL          label column, by name or 1-based index (required)\n"
"  --positive LABEL      class of interest (default: the minority class)\n"
"  --val-fraction F      share of rows held out for validation, 0 < F < 1\n"
"                        (default 0.25; the split is stratified)\n"
"  --header, --no-header the first row is (not) a header (default: detect)\n"
"  --max-categories N    one-hot encode text columns with at most N distinct\n"
"                        values; drop larger ones (default 64)\n"
"time series (windows of N steps predict the label at the last step)\n"
"  --time-col COL        time column: 2013-01, 2013-01-31, 1/31/2013 or integers\n"
"  --group-col COL       entity column; without it the file is one series\n"
"  --window N            steps per window (default 12 with --time-col)\n"
"  --horizon H           predict the label H steps after the window (default 0)\n"
"  --split MODE          time (default with windows: earlier times train) or\n"
"                        random (windows shuffled: a leakage risk)\n"
"  --split-at TIME       first time of the validation split\n"
"  --gaps MODE           missing time steps: fill (as missing, default) or skip\n"
"training\n"
"  --model NAME          logreg (default), mlp, lstm or gru; lstm and gru read\n"
"                        windows of a time series (--time-col, --window)\n"
"  --hidden N            units per hidden layer (default 10)\n"
"  --layers N            hidden layers: 1 to 3 for mlp, 1 or 2 for lstm/gru\n"
"  --dropout P           dropout rate during training, 0 <= P < 1 (default 0)\n"
"  --activation NAME     mlp hidden activation: relu (default) or tanh\n"
"  --readout NAME        lstm/gru: last (the last state, default) or flatten\n"
"                        (every step, as Keras's Flatten)\n"
"  --clip-norm X         rescale gradients whose L2 norm exceeds X (0 = off)\n"
"  --weight-decay X      L2 weight decay on weights (0 = off)\n"
"  --epochs N            passes over the training split (default 30)\n"
"  --batch N             rows per mini-batch (default 32)\n"
"  --lr X                learning rate (default 0.01)\n"
"  --optimizer NAME      sgd, momentum, rmsprop or adam (default adam)\n"
"  --loss NAME           bce or focal (default bce)\n"
"  --focal-gamma G       focusing parameter of focal loss, >= 0 (default 2)\n"
"  --focal-alpha A       focal loss weight of the positive class, 0..1\n"
"                        (default 0.25)\n"
"  --class-weight W      none, balanced (n / (2 n_c)) or W_NEG:W_POS\n"
"  --bias-init MODE      zero or prior (log-odds of the training prevalence)\n"
"  --resample MODE       none, over, under or smote: balance the training\n"
"                        split only (default none)\n"
"  --smote-k N           SMOTE's nearest minority neighbours (default 5)\n"
"  --balanced-batches    draw every mini-batch half from each class\n"
"  --calib-fraction F    share of the validation rows that recalibration (c)\n"
"                        is fitted on; the rest show it (default 0.5)\n"
"  --seed N              seed of the split and of training (default 1)\n"
"output\n"
"  --threshold T         starting threshold; score >= T predicts positive\n"
"                        (default 0.5; 0 for inspected scores outside [0, 1])\n"
"  --report[=FORMAT]     print a report instead of the screen: text or json\n"
"                        (default text)\n"
"  --output FILE         write the report to FILE instead of standard output\n"
"threshold criteria (o, and the report's thresholds)\n"
"  --cost FN:FP          cost of a false negative and a false positive (1:1)\n"
"  --beta B              weight of recall in F-beta (default 2)\n"
"  --min-precision P     precision floor of recall_at_precision (0.5)\n"
"  --min-recall R        recall floor of precision_at_recall (0.5)\n"
"  --resamples N         bootstrap resamples of the 95 % intervals; 0 for none\n"
"                        (default 1000, none above 1000000 rows)\n"
"  --export FILE         write the operating point (threshold, metrics with\n"
"                        intervals, settings) as JSON; on screen the e key\n"
"                        writes it (default skewtop-operating-point.json)\n"
"  --epoch-delay MS      wait MS milliseconds between epochs on screen\n"
"                        (default 150 in the demo, 0 otherwise)\n"
"  --help, --version\n"
"\n"
"Exit status: 0 on success, 2 for invalid usage or input, 1 for other errors.\n",
        out);
}

static sk_status parse_unsigned(const char *option, const char *text,
                                unsigned long min, unsigned long max,
                                unsigned long *value, sk_error *err)
{
    char *end = NULL;
    errno = 0;
    unsigned long parsed = strtoul(text, &end, 10);
    bool valid = errno == 0 && end != text && *end == '\0' && text[0] != '-' && parsed >= min
                 && parsed <= max;
    /* No upper bound but the type's: a limit of 20 digits would only puzzle. */
    if (!valid && max == ULONG_MAX)
        return sk_error_set(err, SK_ERR_INPUT, "%s must be a whole number of at least %lu, got '%s'",
                            option, min, text);
    if (!valid)
        return sk_error_set(err, SK_ERR_INPUT,
                            "%s must be a whole number from %lu to %lu, got '%s'",
                            option, min, max, text);
    *value = parsed;
    return SK_OK;
}

static sk_status parse_number(const char *option, const char *text, double *value,
                              sk_error *err)
{
    if (!sk_parse_double(text, value) || !isfinite(*value))
        return sk_error_set(err, SK_ERR_INPUT, "%s must be a number, got '%s'",
                            option, text);
    return SK_OK;
}

/* Parses "A:B" with two positive finite numbers; returns false otherwise. */
static bool parse_ratio(const char *text, double *a, double *b)
{
    const char *colon = strchr(text, ':');
    char first[64];
    if (colon == NULL || (size_t)(colon - text) >= sizeof first)
        return false;
    memcpy(first, text, (size_t)(colon - text));
    first[colon - text] = '\0';
    return sk_parse_double(first, a) && sk_parse_double(colon + 1, b) && isfinite(*a)
           && isfinite(*b) && *a > 0 && *b > 0;
}

static sk_status parse_class_weight(const char *text, sk_train_options *train,
                                    sk_error *err)
{
    if (strcmp(text, "none") == 0) {
        train->weights = SK_WEIGHTS_NONE;
        return SK_OK;
    }
    if (strcmp(text, "balanced") == 0) {
        train->weights = SK_WEIGHTS_BALANCED;
        return SK_OK;
    }

    double neg, pos;
    if (!parse_ratio(text, &neg, &pos))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--class-weight must be none, balanced or W_NEG:W_POS "
                            "with two positive numbers (e.g. 1:18), got '%s'", text);
    train->weights = SK_WEIGHTS_CUSTOM;
    train->weight_neg = neg;
    train->weight_pos = pos;
    return SK_OK;
}

/* Parses --cost FN:FP: two positive costs. */
static sk_status parse_cost(const char *text, sk_criterion_options *criteria, sk_error *err)
{
    double fn, fp;
    if (!parse_ratio(text, &fn, &fp))
        return sk_error_set(err, SK_ERR_INPUT,
                            "--cost must be FN:FP with two positive numbers, the costs of "
                            "a false negative and a false positive (e.g. 10:1), got '%s'",
                            text);
    criteria->cost_fn = fn;
    criteria->cost_fp = fp;
    return SK_OK;
}

static sk_status parse_choice(const char *option, const char *text,
                              const char *const *names, int count, int *index,
                              const char *accepted, sk_error *err)
{
    for (int i = 0; i < count; i++) {
        if (strcmp(text, names[i]) == 0) {
            *index = i;
            return SK_OK;
        }
    }
    return sk_error_set(err, SK_ERR_INPUT, "%s must be %s, got '%s'", option,
                        accepted, text);
}

/* Applies one option to settings. */
static sk_status apply_option(int code, const char *arg, cli_settings *s, sk_error *err)
{
    unsigned long whole;
    int index = 0;
    sk_status status = SK_OK;

    switch (code) {
    case OPT_TARGET:
        s->prepare.target = arg;
        break;
    case OPT_POSITIVE:
        s->prepare.positive = arg;
        s->predictions.positive = arg;
        break;
    case OPT_TIME_COL:
        s->windows.time_col = arg;
        s->windowed = true;
        break;
    case OPT_GROUP_COL:
        s->windows.group_col = arg;
        s->windowed = true;
        break;
    case OPT_WINDOW:
        status = parse_unsigned("--window", arg, 1, 10000, &whole, err);
        s->windows.window = whole;
        s->windowed = true;
        break;
    case OPT_HORIZON:
        status = parse_unsigned("--horizon", arg, 0, 10000, &whole, err);
        s->windows.horizon = whole;
        break;
    case OPT_SPLIT: {
        static const char *const names[] = { "time", "random", "stratified" };
        status = parse_choice("--split", arg, names, 3, &index,
                              "time or random (windows), or stratified (rows)", err);
        s->windows.split = index == 0 ? SK_WINDOW_SPLIT_TIME : SK_WINDOW_SPLIT_RANDOM;
        s->split_given = arg;
        break;
    }
    case OPT_SPLIT_AT:
        s->windows.split_at = arg;
        break;
    case OPT_GAPS: {
        static const char *const names[] = { "fill", "skip" };
        status = parse_choice("--gaps", arg, names, 2, &index, "fill or skip", err);
        s->windows.gaps = index == 0 ? SK_GAP_FILL : SK_GAP_SKIP;
        break;
    }
    case OPT_RESAMPLE: {
        sk_resample_kind kind = SK_RESAMPLE_NONE;
        status = sk_resample_parse(arg, &kind, err);
        if (status != SK_OK)
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "--resample must be none, over, under or smote, got '%s'",
                                  arg);
        s->train.resample = kind;
        break;
    }
    case OPT_SMOTE_K:
        status = parse_unsigned("--smote-k", arg, 1, 1000, &whole, err);
        s->train.resample_neighbours = whole;
        break;
    case OPT_LABEL:
        s->predictions.label = arg;
        break;
    case OPT_SCORE:
        s->predictions.scores = arg;
        break;
    case OPT_SCORE_OF:
        s->predictions.score_of = arg;
        break;
    case OPT_THRESHOLD:
        status = parse_number("--threshold", arg, &s->threshold, err);
        s->threshold_set = true;
        break;
    case OPT_EPOCHS:
        status = parse_unsigned("--epochs", arg, 1, 100000, &whole, err);
        s->train.epochs = whole;
        break;
    case OPT_BATCH:
        status = parse_unsigned("--batch", arg, 1, 1000000, &whole, err);
        s->train.batch = whole;
        break;
    case OPT_LR:
        status = parse_number("--lr", arg, &s->train.learning_rate, err);
        if (status == SK_OK && !(s->train.learning_rate > 0))
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "--lr must be a positive number, got '%s'", arg);
        break;
    case OPT_OPTIMIZER: {
        static const char *const names[] = { "sgd", "momentum", "rmsprop", "adam" };
        static const sk_optimizer_kind kinds[] = { SK_OPT_SGD, SK_OPT_MOMENTUM,
                                                   SK_OPT_RMSPROP, SK_OPT_ADAM };
        status = parse_choice("--optimizer", arg, names, 4, &index,
                              "sgd, momentum, rmsprop or adam", err);
        s->train.optimizer = kinds[index];
        break;
    }
    case OPT_LOSS: {
        static const char *const names[] = { "bce", "focal" };
        status = parse_choice("--loss", arg, names, 2, &index, "bce or focal", err);
        s->train.loss.kind = index == 0 ? SK_LOSS_BCE : SK_LOSS_FOCAL;
        break;
    }
    case OPT_FOCAL_GAMMA:
        status = parse_number("--focal-gamma", arg, &s->train.loss.focal_gamma, err);
        if (status == SK_OK && s->train.loss.focal_gamma < 0)
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "--focal-gamma must be 0 or more, got '%s'", arg);
        break;
    case OPT_FOCAL_ALPHA:
        status = parse_number("--focal-alpha", arg, &s->train.loss.focal_alpha, err);
        if (status == SK_OK && !(s->train.loss.focal_alpha >= 0 && s->train.loss.focal_alpha <= 1))
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "--focal-alpha must be between 0 and 1, got '%s'", arg);
        break;
    case OPT_CLASS_WEIGHT:
        status = parse_class_weight(arg, &s->train, err);
        break;
    case OPT_SEED:
        status = parse_unsigned("--seed", arg, 0, 4294967295UL, &whole, err);
        s->prepare.seed = s->train.seed = whole;
        break;
    case OPT_VAL_FRACTION:
        status = parse_number("--val-fraction", arg, &s->prepare.val_fraction, err);
        if (status == SK_OK && !(s->prepare.val_fraction > 0 && s->prepare.val_fraction < 1))
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "--val-fraction must be between 0 and 1 (exclusive), got '%s'",
                                  arg);
        break;
    case OPT_REPORT: {
        static const char *const names[] = { "text", "json" };
        if (arg == NULL) {
            s->report = CLI_REPORT_TEXT;
            break;
        }
        status = parse_choice("--report", arg, names, 2, &index, "text or json", err);
        s->report = index == 0 ? CLI_REPORT_TEXT : CLI_REPORT_JSON;
        break;
    }
    case OPT_OUTPUT:
        s->output_path = arg;
        break;
    case OPT_EXPORT:
        s->export_path = arg;
        break;
    case OPT_RESAMPLES:
        status = parse_unsigned("--resamples", arg, 0, 1000000, &whole, err);
        s->resamples = whole == 0 ? -1 : (long)whole;
        break;
    case OPT_EXACT_LIMIT:
        status = parse_unsigned("--exact-limit", arg, 1, ULONG_MAX, &whole, err);
        s->predictions.exact_limit = whole;
        break;
    case OPT_EXACT:
        s->predictions.exact = true;
        break;
    case OPT_BALANCED_BATCHES:
        s->train.balanced_batches = true;
        break;
    case OPT_CALIB_FRACTION:
        status = parse_number("--calib-fraction", arg, &s->calib_fraction, err);
        if (status == SK_OK && !(s->calib_fraction > 0 && s->calib_fraction < 1))
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "--calib-fraction must be between 0 and 1 (exclusive), "
                                  "got '%s'", arg);
        break;
    case OPT_COST:
        status = parse_cost(arg, &s->criteria, err);
        break;
    case OPT_BETA:
        status = parse_number("--beta", arg, &s->criteria.beta, err);
        if (status == SK_OK && !(s->criteria.beta > 0))
            status = sk_error_set(err, SK_ERR_INPUT, "--beta must be positive, got '%s'", arg);
        break;
    case OPT_MIN_PRECISION:
    case OPT_MIN_RECALL: {
        const char *name = code == OPT_MIN_PRECISION ? "--min-precision" : "--min-recall";
        double *field = code == OPT_MIN_PRECISION ? &s->criteria.min_precision
                                                  : &s->criteria.min_recall;
        status = parse_number(name, arg, field, err);
        if (status == SK_OK && !(*field >= 0 && *field <= 1))
            status = sk_error_set(err, SK_ERR_INPUT, "%s must be between 0 and 1, got '%s'",
                                  name, arg);
        break;
    }
    case OPT_HEADER:
        s->csv.header = SK_HEADER_YES;
        s->predictions.csv.header = SK_HEADER_YES;
        break;
    case OPT_NO_HEADER:
        s->csv.header = SK_HEADER_NO;
        s->predictions.csv.header = SK_HEADER_NO;
        break;
    case OPT_MAX_CATEGORIES:
        status = parse_unsigned("--max-categories", arg, 1, 100000, &whole, err);
        s->prepare.max_categories = whole;
        break;
    case OPT_EPOCH_DELAY:
        status = parse_unsigned("--epoch-delay", arg, 0, MAX_EPOCH_DELAY_MS, &whole, err);
        s->epoch_delay_ms = (unsigned)whole;
        s->epoch_delay_set = true;
        break;
    case OPT_MODEL: {
        static const char *const names[] = { "logreg", "mlp", "lstm", "gru" };
        static const sk_model_kind kinds[] = { SK_MODEL_LOGREG, SK_MODEL_MLP,
                                               SK_MODEL_LSTM, SK_MODEL_GRU };
        status = parse_choice("--model", arg, names, 4, &index, "logreg, mlp, lstm or gru",
                              err);
        s->train.model = kinds[index];
        break;
    }
    case OPT_HIDDEN:
        status = parse_unsigned("--hidden", arg, 1, SK_MODEL_MAX_HIDDEN, &whole, err);
        s->train.hidden = whole;
        break;
    case OPT_LAYERS:
        status = parse_unsigned("--layers", arg, 1, 3, &whole, err);
        s->train.layers = whole;
        break;
    case OPT_DROPOUT:
        status = parse_number("--dropout", arg, &s->train.dropout, err);
        if (status == SK_OK && !(s->train.dropout >= 0 && s->train.dropout < 1))
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "--dropout must be at least 0 and below 1, got '%s'", arg);
        break;
    case OPT_ACTIVATION: {
        static const char *const names[] = { "tanh", "relu" };
        status = parse_choice("--activation", arg, names, 2, &index, "relu or tanh", err);
        s->train.activation = index == 0 ? SK_ACTIVATION_TANH : SK_ACTIVATION_RELU;
        break;
    }
    case OPT_READOUT: {
        static const char *const names[] = { "last", "flatten" };
        status = parse_choice("--readout", arg, names, 2, &index, "last or flatten", err);
        s->train.readout = index == 0 ? SK_READOUT_LAST : SK_READOUT_FLATTEN;
        break;
    }
    case OPT_CLIP_NORM:
        status = parse_number("--clip-norm", arg, &s->train.clip_norm, err);
        if (status == SK_OK && s->train.clip_norm < 0)
            status = sk_error_set(err, SK_ERR_INPUT, "--clip-norm must be 0 or more, got '%s'",
                                  arg);
        break;
    case OPT_WEIGHT_DECAY:
        status = parse_number("--weight-decay", arg, &s->train.weight_decay, err);
        if (status == SK_OK && s->train.weight_decay < 0)
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "--weight-decay must be 0 or more, got '%s'", arg);
        break;
    case OPT_BIAS_INIT: {
        static const char *const names[] = { "zero", "prior" };
        status = parse_choice("--bias-init", arg, names, 2, &index, "zero or prior", err);
        s->train.bias_prior = index == 1;
        break;
    }
    default:
        status = sk_error_set(err, SK_ERR_INTERNAL, "unhandled option code %d", code);
    }
    return status;
}

/* Options that only a training run reads. */
static bool is_training_option(int code)
{
    switch (code) {
    case OPT_TARGET: case OPT_EPOCHS: case OPT_BATCH: case OPT_LR: case OPT_OPTIMIZER:
    case OPT_CLASS_WEIGHT: case OPT_SEED: case OPT_VAL_FRACTION: case OPT_MAX_CATEGORIES:
    case OPT_EPOCH_DELAY: case OPT_MODEL: case OPT_BIAS_INIT: case OPT_LOSS:
    case OPT_FOCAL_GAMMA: case OPT_FOCAL_ALPHA: case OPT_HIDDEN: case OPT_LAYERS:
    case OPT_DROPOUT: case OPT_ACTIVATION: case OPT_READOUT: case OPT_CLIP_NORM:
    case OPT_WEIGHT_DECAY: case OPT_TIME_COL: case OPT_GROUP_COL: case OPT_WINDOW:
    case OPT_HORIZON: case OPT_SPLIT: case OPT_SPLIT_AT: case OPT_GAPS:
    case OPT_RESAMPLE: case OPT_SMOTE_K: case OPT_BALANCED_BATCHES: case OPT_CALIB_FRACTION:
        return true;
    default:
        return false;
    }
}

/* Completes the window options and checks the combinations. */
static sk_status check_window_arguments(cli_settings *s, sk_error *err)
{
    bool recurrent = s->train.model == SK_MODEL_LSTM || s->train.model == SK_MODEL_GRU;
    if (!s->windowed) {
        if (recurrent)
            return sk_error_set(err, SK_ERR_INPUT,
                                "--model %s reads windows of a time series; give "
                                "--time-col COL (and --group-col COL for a panel) or "
                                "--window N", sk_model_kind_name(s->train.model));
        if (s->split_given != NULL && strcmp(s->split_given, "stratified") != 0)
            return sk_error_set(err, SK_ERR_INPUT,
                                "--split %s applies to windows of a time series; give "
                                "--time-col COL or --window N", s->split_given);
        return SK_OK;
    }
    if (s->split_given != NULL && strcmp(s->split_given, "stratified") == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "--split stratified applies to rows, not windows; use "
                            "--split time or --split random");
    if (s->windows.window == 0)
        s->windows.window = DEFAULT_WINDOW;
    s->windows.target = s->prepare.target;
    s->windows.positive = s->prepare.positive;
    s->windows.seed = s->prepare.seed;
    s->windows.val_fraction = s->prepare.val_fraction;
    s->windows.max_categories = s->prepare.max_categories;
    return SK_OK;
}

static sk_status check_train_arguments(cli_settings *s, int positional, char **args,
                                       sk_error *err)
{
    if (positional == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "train needs a data file: skewtop train DATA.csv --target COL");
    if (positional > 1)
        return sk_error_set(err, SK_ERR_INPUT,
                            "train takes one data file, got %d arguments starting "
                            "with '%s'; quote a path that contains spaces",
                            positional, args[0]);
    s->data_path = args[0];
    if (s->prepare.target == NULL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "train needs --target COL: the label column, by name "
                            "or 1-based index");
    return check_window_arguments(s, err);
}

static sk_status check_inspect_arguments(cli_settings *s, int positional, char **args,
                                         sk_error *err)
{
    if (positional != 1)
        return sk_error_set(err, SK_ERR_INPUT,
                            "inspect takes one file of labels and scores, or - for "
                            "standard input: skewtop inspect PRED.csv");
    s->data_path = args[0];
    if (s->training_option != NULL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "--%s applies to train, not to inspect; remove it",
                            s->training_option);
    return SK_OK;
}

static void set_defaults(cli_settings *s)
{
    memset(s, 0, sizeof *s);
    s->csv.header = SK_HEADER_AUTO;
    s->csv.delimiter = ',';
    s->predictions.csv = s->csv;
    s->prepare.val_fraction = 0.25;
    s->prepare.seed = 1;
    s->prepare.max_categories = SK_DEFAULT_MAX_CATEGORIES;
    s->train = sk_train_defaults();
    s->threshold = 0.5;
    s->report = CLI_REPORT_AUTO;
    s->criteria = sk_criterion_defaults();
    s->calib_fraction = SK_CALIBRATION_FRACTION;
}

sk_status cli_parse(int argc, char **argv, cli_settings *s, sk_error *err)
{
    set_defaults(s);

    /* The command word comes first, so options apply to it alone. */
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "train") == 0) {
        s->mode = CLI_MODE_TRAIN;
        first = 2;
    } else if (argc > 1 && strcmp(argv[1], "inspect") == 0) {
        s->mode = CLI_MODE_INSPECT;
        first = 2;
    } else if (argc > 1 && strcmp(argv[1], "demo") == 0) {
        s->mode = argc > 2 && argv[2][0] != '-' ? CLI_MODE_DEMO : CLI_MODE_LESSONS;
        first = 2;
        if (s->mode == CLI_MODE_DEMO) {
            s->lesson_name = argv[2];
            first = 3;
        }
    } else if (argc > 1 && argv[1][0] != '-') {
        return sk_error_set(err, SK_ERR_INPUT,
                            "unknown command '%s'; use 'skewtop train DATA.csv "
                            "--target COL', or see skewtop --help", argv[1]);
    }

    s->rest_argc = argc - first;
    s->rest_argv = argv + first;
    opterr = 0;
    optind = first;
    int code;
    int index = -1;
    while ((code = getopt_long(argc, argv, ":h", long_options, &index)) != -1) {
        sk_status status;
        if (code == 'h') {
            s->mode = CLI_MODE_HELP;
            return SK_OK;
        } else if (code == OPT_VERSION) {
            s->mode = CLI_MODE_VERSION;
            return SK_OK;
        } else if (code == ':') {
            return sk_error_set(err, SK_ERR_INPUT, "%s needs a value; see skewtop --help",
                                argv[optind - 1]);
        } else if (code == '?') {
            return sk_error_set(err, SK_ERR_INPUT, "unknown option '%s'; see skewtop --help",
                                argv[optind - 1]);
        }
        status = apply_option(code, optarg, s, err);
        if (status != SK_OK)
            return status;
        /* Long options always set index; name them as the user typed them. */
        const char *name = index >= 0 ? long_options[index].name : "";
        if (is_training_option(code) && s->training_option == NULL)
            s->training_option = name;
        bool inspect_only = code == OPT_LABEL || code == OPT_SCORE || code == OPT_SCORE_OF
                            || code == OPT_EXACT_LIMIT || code == OPT_EXACT;
        if (inspect_only && s->inspect_option == NULL)
            s->inspect_option = name;
        index = -1;
    }

    int positional = argc - optind;
    sk_status status = SK_OK;
    if (s->mode == CLI_MODE_TRAIN)
        status = check_train_arguments(s, positional, argv + optind, err);
    else if (s->mode == CLI_MODE_INSPECT)
        status = check_inspect_arguments(s, positional, argv + optind, err);
    else if (positional != 0)
        status = sk_error_set(err, SK_ERR_INPUT,
                              "unexpected argument '%s'; to train on a file use "
                              "skewtop train DATA.csv --target COL", argv[optind]);
    if (status == SK_OK && s->mode != CLI_MODE_INSPECT && s->inspect_option != NULL)
        status = sk_error_set(err, SK_ERR_INPUT,
                              "--%s applies to inspect, not to training; use skewtop "
                              "inspect PRED.csv --%s", s->inspect_option, s->inspect_option);
    if (status != SK_OK)
        return status;

    if (s->mode == CLI_MODE_DEMO && !s->epoch_delay_set)
        s->epoch_delay_ms = DEMO_EPOCH_DELAY_MS;
    return SK_OK;
}

sk_status cli_lesson_settings(const sk_lesson *lesson, bool second_run,
                              const char *data_path, const cli_settings *demo,
                              cli_settings *out, sk_error *err)
{
    const char *const *args = second_run ? lesson->second_args : lesson->args;
    char *argv[3 + 2 * SK_LESSON_MAX_ARGS + 1];
    int argc = 0;
    argv[argc++] = "skewtop";
    argv[argc++] = "train";
    argv[argc++] = (char *)data_path;
    for (size_t i = 0; i < SK_LESSON_MAX_ARGS && args[i] != NULL; i++)
        argv[argc++] = (char *)args[i];
    for (int i = 0; i < demo->rest_argc && argc < (int)(sizeof argv / sizeof argv[0]) - 1; i++)
        argv[argc++] = demo->rest_argv[i];
    argv[argc] = NULL;

    sk_status status = cli_parse(argc, argv, out, err);
    if (status != SK_OK)
        return status;
    out->lesson = lesson;
    if (!out->epoch_delay_set)
        out->epoch_delay_ms = DEMO_EPOCH_DELAY_MS;
    return SK_OK;
}

void cli_print_lessons(FILE *out)
{
    size_t count;
    const sk_lesson *lessons = sk_lessons(&count);
    fputs("Lessons (run one with: skewtop demo NAME; skewtop alone runs the first):\n\n", out);
    for (size_t i = 0; i < count; i++)
        fprintf(out, "  %-10s %s\n", lessons[i].name, lessons[i].title);
}
