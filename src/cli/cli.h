/*
 * cli.h - the command line: argv to a mode and its settings.
 */
#ifndef SKEWTOP_CLI_H
#define SKEWTOP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "skewtop/common.h"
#include "skewtop/data.h"
#include "skewtop/lesson.h"
#include "skewtop/metrics.h"
#include "skewtop/session.h"
#include "skewtop/predictions.h"
#include "skewtop/windows.h"
#include "skewtop/train.h"

typedef enum {
    CLI_MODE_DEMO = 0,
    CLI_MODE_TRAIN,
    CLI_MODE_INSPECT,
    CLI_MODE_LESSONS,     /* skewtop demo: list the lessons */
    CLI_MODE_HELP,
    CLI_MODE_VERSION
} cli_mode;

typedef enum {
    CLI_REPORT_AUTO = 0,  /* screen on a terminal, text otherwise */
    CLI_REPORT_TEXT,
    CLI_REPORT_JSON
} cli_report;

typedef struct {
    cli_mode mode;
    const char *data_path;        /* NULL in demo mode until resolved */
    sk_csv_options csv;
    sk_prepare_options prepare;
    sk_predictions_options predictions;  /* inspect mode */
    bool windowed;                /* --window or --time-col: train on windows */
    sk_window_options windows;    /* target, positive, seed and val_fraction are
                                     copied from prepare when windowed */
    const char *training_option;  /* the first training option given, for
                                     the inspect-mode error */
    const char *inspect_option;   /* the first inspect option given */
    const char *split_given;      /* --split as given, or NULL */
    sk_train_options train;
    double threshold;
    bool threshold_set;           /* --threshold was given */
    cli_report report;
    const char *output_path;      /* --output, NULL for standard output */
    const char *export_path;      /* --export: the operating point's JSON file */
    sk_criterion_options criteria; /* --cost, --beta, --min-precision, --min-recall */
    double calib_fraction;        /* --calib-fraction */
    long resamples;               /* --resamples: 0 default, < 0 none */
    size_t exact_limit;           /* --exact-limit (inspect); 0 default */
    bool exact;                   /* --exact (inspect) */
    unsigned epoch_delay_ms;
    bool epoch_delay_set;
    char run_name[128];           /* the first run's description */
    const char *lesson_name;      /* demo NAME, or NULL for the default lesson */
    const sk_lesson *lesson;      /* set by cli_lesson_settings() */
    int rest_argc;                /* demo: the options after the command words, */
    char **rest_argv;             /*   applied over the lesson's settings */
} cli_settings;

/* Parses argv into settings.  Fails with SK_ERR_INPUT and a message that
 * names the option and the value. */
sk_status cli_parse(int argc, char **argv, cli_settings *settings, sk_error *err);

/*
 * Makes the settings of a lesson's run: `train DATA` with the lesson's
 * options (second_run picks its second run's), then the options the user
 * gave after `demo NAME`, which win.  Fails as cli_parse() does.
 */
sk_status cli_lesson_settings(const sk_lesson *lesson, bool second_run,
                              const char *data_path, const cli_settings *demo,
                              cli_settings *out, sk_error *err);

/* Prints the lessons, one per line. */
void cli_print_lessons(FILE *out);

/* Prints the usage text. */
void cli_print_help(FILE *out);

#endif
