/*
 * report.h - the diagnosis as text or JSON, for scripts, CI jobs and
 * sessions without a terminal.
 *
 * The JSON report has the keys data, threshold, confusion, metrics,
 * intervals, thresholds, findings, history, training (train mode only),
 * run and, with several runs, runs (one summary each); a value that is
 * undefined (a zero denominator, one class only, scores that are not
 * probabilities) is null.
 */
#ifndef SKEWTOP_REPORT_H
#define SKEWTOP_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "skewtop/calibrate.h"
#include "skewtop/common.h"
#include "skewtop/data.h"
#include "skewtop/session.h"
#include "skewtop/train.h"

/* One run to report: its description and its final snapshot. */
typedef struct {
    const sk_run_info *info;
    const sk_snapshot *snapshot;
} sk_report_run;

typedef struct {
    const sk_dataset *data;           /* the training data; NULL for scores from a file */
    const sk_train_options *options;  /* NULL for scores from a file */
    const sk_report_run *runs;        /* [run_count] >= 1; the first is reported in full */
    size_t run_count;
    double threshold;
    const sk_criterion_options *criteria; /* for the best thresholds; NULL: defaults */
    long resamples;                   /* bootstrap resamples: 0 for the default
                                         (sk_interval_resamples), < 0 for none */
} sk_report_input;

/* Writes the JSON report followed by a newline.  Fails with SK_ERR_IO when
 * the stream cannot be written. */
sk_status sk_report_json(FILE *out, const sk_report_input *input, sk_error *err);

/* Writes the report as aligned plain text. */
sk_status sk_report_text(FILE *out, const sk_report_input *input, sk_error *err);

/*
 * Makes the JSON document of an operating point: the positive class, the
 * threshold and the criterion that chose it (NULL when the user set it)
 * with the criteria's parameters (NULL: defaults),
 * the calibration map (NULL for none), the metrics with their bootstrap
 * intervals at the threshold, and the run's settings and seed (options
 * NULL for scores from a file).  *out is a new reference.  Fails with
 * SK_ERR_INPUT before the run has scores, and SK_ERR_NOMEM.
 */
sk_status sk_report_operating_point(const sk_report_run *run, double threshold,
                                    const sk_criterion_options *criteria,
                                    const char *criterion,
                                    const sk_calibrator *calibrator,
                                    const sk_train_options *options,
                                    json_t **out, sk_error *err);

#endif
