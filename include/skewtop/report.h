/*
 * report.h - the diagnosis as text or JSON, for scripts, CI jobs and
 * sessions without a terminal.
 *
 * The JSON report has the keys data, threshold, confusion, metrics,
 * thresholds, findings, history, training and run; a value that is
 * undefined (a zero denominator, one class only, scores that are not
 * probabilities) is null.
 */
#ifndef SKEWTOP_REPORT_H
#define SKEWTOP_REPORT_H

#include <stdio.h>

#include "skewtop/common.h"
#include "skewtop/data.h"
#include "skewtop/session.h"
#include "skewtop/train.h"

typedef struct {
    const char *source;               /* data file as the user named it */
    const sk_dataset *data;
    const sk_train_options *options;
    const sk_snapshot *snapshot;      /* the final snapshot of the run */
    double threshold;
} sk_report_input;

/* Writes the JSON report followed by a newline.  Fails with SK_ERR_IO when
 * the stream cannot be written. */
sk_status sk_report_json(FILE *out, const sk_report_input *input, sk_error *err);

/* Writes the report as aligned plain text. */
sk_status sk_report_text(FILE *out, const sk_report_input *input, sk_error *err);

#endif
