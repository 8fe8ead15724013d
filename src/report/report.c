/*
 * report.c - text and JSON reports of finished runs.
 *
 * Both formats are built from the same numbers: the confusion matrix and
 * rates at the chosen threshold, the threshold-free metrics, bootstrap
 * intervals, the best threshold for each criterion and the findings, all
 * read from each run's final snapshot.  JSON is built with jansson; a NaN
 * becomes null.
 */
#include "skewtop/report.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "skewtop/diagnose.h"
#include "skewtop/metrics.h"

/* Everything both formats print about one run, computed once. */
typedef struct {
    const sk_run_info *info;
    const sk_snapshot *snapshot;
    bool scored;                 /* false when no epoch finished */
    sk_confusion confusion;
    sk_rates rates;
    double roc_auc, average_precision, log_loss, brier;
    double roc_auc_error, average_precision_error; /* binning bounds; 0 when exact */
    bool have_intervals;
    sk_bootstrap_result intervals;
    sk_threshold_choice best[SK_CRITERION_COUNT];
    sk_finding findings[SK_FINDINGS_MAX];
    size_t finding_count;
} run_numbers;

static const char *run_state_name(sk_run_state state)
{
    static const char *const names[] = {
        [SK_RUN_STARTING] = "starting", [SK_RUN_TRAINING] = "training",
        [SK_RUN_PAUSED] = "paused",     [SK_RUN_DONE] = "done",
        [SK_RUN_STOPPED] = "stopped",   [SK_RUN_FAILED] = "failed",
    };
    return names[state];
}

static const char *optimizer_name(sk_optimizer_kind kind)
{
    switch (kind) {
    case SK_OPT_SGD:
        return "sgd";
    case SK_OPT_MOMENTUM:
        return "momentum";
    case SK_OPT_RMSPROP:
        return "rmsprop";
    default:
        return "adam";
    }
}

static void compute_numbers(const sk_report_run *run, double threshold,
                            const sk_criterion_options *criteria, long resamples,
                            run_numbers *out)
{
    memset(out, 0, sizeof *out);
    const sk_snapshot *s = run->snapshot;
    out->info = run->info;
    out->snapshot = s;
    out->roc_auc = out->average_precision = out->log_loss = out->brier = NAN;

    /* One scan for every criterion; F1 needs no options, so the findings
     * reuse it. */
    sk_criterion_options defaults = sk_criterion_defaults();
    const sk_criterion_options *options = criteria != NULL ? criteria : &defaults;
    if (s->sweep != NULL)
        sk_sweep_best_thresholds(s->sweep, options, out->best);

    sk_diagnose_input diagnose;
    sk_snapshot_diagnose_input(s, run->info, threshold, &diagnose);
    if (s->sweep != NULL && out->best[SK_CRITERION_F1].found)
        diagnose.best_f1 = &out->best[SK_CRITERION_F1];
    size_t fired = sk_diagnose(&diagnose, out->findings, SK_FINDINGS_MAX);
    out->finding_count = fired < SK_FINDINGS_MAX ? fired : SK_FINDINGS_MAX;

    if (s->sweep == NULL)
        return;
    out->scored = true;
    out->confusion = sk_sweep_confusion(s->sweep, threshold);
    out->rates = sk_rates_from_confusion(out->confusion);
    out->roc_auc = sk_sweep_roc_auc(s->sweep);
    out->average_precision = sk_sweep_average_precision(s->sweep);
    out->log_loss = s->log_loss;
    out->brier = s->brier;

    sk_bootstrap_options bootstrap = sk_bootstrap_defaults();
    bootstrap.resamples = sk_interval_resamples(s->sweep, resamples == 0  ? -1
                                                          : resamples < 0 ? 0
                                                                          : resamples);
    sk_error ignored;
    out->have_intervals = bootstrap.resamples > 0
                          && sk_sweep_bootstrap(s->sweep, threshold, &bootstrap,
                                                &out->intervals, &ignored) == SK_OK;
    if (sk_sweep_is_binned(s->sweep)) {
        out->roc_auc_error = sk_sweep_roc_auc_error(s->sweep);
        out->average_precision_error = sk_sweep_average_precision_error(s->sweep);
    }
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *json_number(double value)
{
    return isfinite(value) ? json_real(value) : json_null();
}

/* A ratio that had a zero denominator is reported as null. */
static json_t *json_rate(double value, unsigned undefined, unsigned bit)
{
    return (undefined & bit) ? json_null() : json_number(value);
}

static json_t *json_notices(char *const *notices, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(array, json_string(notices[i]));
    return array;
}

static json_t *json_split(size_t rows, size_t positives)
{
    return json_pack("{s:I, s:I, s:o}", "rows", (json_int_t)rows,
                     "positives", (json_int_t)positives,
                     "prevalence", json_number(rows > 0 ? (double)positives / (double)rows : NAN));
}

static json_t *json_data(const sk_report_input *in)
{
    const sk_run_info *info = in->runs[0].info;
    const sk_snapshot *s = in->runs[0].snapshot;
    const sk_dataset *d = in->data;
    json_t *data = json_pack("{s:s, s:s, s:s, s:s}",
        "source", info->source,
        "target", info->target_name,
        "positive_label", info->positive_label,
        "negative_label", info->negative_label);
    if (d != NULL) {
        json_object_set_new(data, "rows", json_integer((json_int_t)d->rows_read));
        json_object_set_new(data, "rows_dropped", json_integer((json_int_t)d->rows_dropped));
        json_object_set_new(data, "features", json_integer((json_int_t)d->features));
        json_object_set_new(data, "train", json_split(d->train.rows, d->train.positives));
        json_object_set_new(data, "validation", json_split(d->val.rows, d->val.positives));
    } else {
        size_t positives = s->sweep != NULL ? sk_sweep_positives(s->sweep) : 0;
        json_object_set_new(data, "rows", json_integer((json_int_t)s->n));
        json_object_set_new(data, "validation", json_split(s->n, positives));
        json_t *columns = json_array();
        for (size_t i = 0; i < in->run_count; i++)
            json_array_append_new(columns, json_string(in->runs[i].info->name));
        json_object_set_new(data, "score_columns", columns);
    }
    json_object_set_new(data, "notices", json_notices(info->notices, info->notice_count));
    return data;
}

static json_t *json_metrics(const run_numbers *n)
{
    const sk_rates *r = &n->rates;
    unsigned u = n->scored ? r->undefined : ~0u;
    json_t *metrics = json_object();
    json_object_set_new(metrics, "accuracy", n->scored ? json_number(r->accuracy) : json_null());
    json_object_set_new(metrics, "baseline_accuracy", n->scored ? json_number(r->baseline) : json_null());
    json_object_set_new(metrics, "balanced_accuracy", json_rate(r->balanced_accuracy, u, SK_UNDEF_BALANCED));
    json_object_set_new(metrics, "precision", json_rate(r->precision, u, SK_UNDEF_PRECISION));
    json_object_set_new(metrics, "recall", json_rate(r->recall, u, SK_UNDEF_RECALL));
    json_object_set_new(metrics, "specificity", json_rate(r->specificity, u, SK_UNDEF_SPECIFICITY));
    json_object_set_new(metrics, "npv", json_rate(r->npv, u, SK_UNDEF_NPV));
    json_object_set_new(metrics, "f1", json_rate(r->f1, u, SK_UNDEF_F1));
    json_object_set_new(metrics, "mcc", json_rate(r->mcc, u, SK_UNDEF_MCC));
    json_object_set_new(metrics, "kappa", json_rate(r->kappa, u, SK_UNDEF_KAPPA));
    json_object_set_new(metrics, "gmean", n->scored ? json_number(r->gmean) : json_null());
    json_object_set_new(metrics, "predicted_positive_rate",
                        n->scored ? json_number(r->predicted_positive_rate) : json_null());
    json_object_set_new(metrics, "roc_auc", json_number(n->roc_auc));
    json_object_set_new(metrics, "average_precision", json_number(n->average_precision));
    json_object_set_new(metrics, "log_loss", json_number(n->log_loss));
    json_object_set_new(metrics, "brier", json_number(n->brier));
    bool binned = n->scored && sk_sweep_is_binned(n->snapshot->sweep);
    json_object_set_new(metrics, "binned", json_boolean(binned));
    if (binned) {
        json_object_set_new(metrics, "roc_auc_max_error", json_number(n->roc_auc_error));
        json_object_set_new(metrics, "average_precision_max_error",
                            json_number(n->average_precision_error));
    }
    return metrics;
}

static json_t *json_intervals(const run_numbers *n)
{
    if (!n->have_intervals)
        return json_null();
    json_t *intervals = json_pack("{s:I, s:o}", "resamples",
                                  (json_int_t)n->intervals.resamples, "confidence",
                                  json_number(n->intervals.confidence));
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++) {
        const sk_interval *i = &n->intervals.metric[m];
        json_object_set_new(intervals, sk_bootstrap_metric_name((sk_bootstrap_metric)m),
                            json_pack("{s:o, s:o}", "lo", json_number(i->lo),
                                      "hi", json_number(i->hi)));
    }
    return intervals;
}

static json_t *json_thresholds(const run_numbers *n)
{
    json_t *thresholds = json_object();
    for (int c = 0; c < SK_CRITERION_COUNT; c++) {
        const sk_threshold_choice *b = &n->best[c];
        json_t *value = (n->scored && b->found)
            ? json_pack("{s:o, s:o}", "threshold", json_number(b->threshold),
                        "value", json_number(b->value))
            : json_null();
        json_object_set_new(thresholds, sk_criterion_name((sk_criterion)c), value);
    }
    return thresholds;
}

static json_t *json_findings(const run_numbers *n)
{
    json_t *findings = json_array();
    for (size_t i = 0; i < n->finding_count; i++) {
        const sk_finding *f = &n->findings[i];
        json_array_append_new(findings,
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", f->id,
                      "severity", sk_severity_name(f->severity),
                      "message", f->message, "evidence", f->evidence,
                      "action", f->action));
    }
    return findings;
}

static json_t *json_history(const sk_snapshot *s)
{
    json_t *history = json_array();
    for (size_t i = 0; i < s->history_len; i++)
        json_array_append_new(history,
            json_pack("{s:I, s:o, s:o}", "epoch", (json_int_t)(i + 1),
                      "train_loss", json_number(s->train_loss[i]),
                      "val_loss", json_number(s->val_loss[i])));
    return history;
}

static json_t *json_training(const sk_train_options *o, const sk_snapshot *s)
{
    json_t *training = json_pack("{s:s, s:s, s:o, s:I, s:I, s:{s:o, s:o}, s:s, s:s, s:s, s:I, s:o}",
        "model", sk_model_kind_name(o->model),
        "optimizer", optimizer_name(o->optimizer),
        "learning_rate", json_number(o->learning_rate),
        "epochs", (json_int_t)o->epochs,
        "batch", (json_int_t)o->batch,
        "class_weight", "negative", json_number(s->weight_neg),
            "positive", json_number(s->weight_pos),
        "loss", o->loss.kind == SK_LOSS_FOCAL ? "focal" : "bce",
        "bias_init", o->bias_prior ? "prior" : "zero",
        "resample", sk_resample_name(o->resample),
        "seed", (json_int_t)o->seed,
        "prior_only_loss", json_number(s->prior_loss));
    if (o->model != SK_MODEL_LOGREG) {
        json_object_set_new(training, "hidden", json_integer((json_int_t)o->hidden));
        json_object_set_new(training, "layers", json_integer((json_int_t)o->layers));
        json_object_set_new(training, "dropout", json_number(o->dropout));
    }
    if (o->loss.kind == SK_LOSS_FOCAL) {
        json_object_set_new(training, "focal_gamma", json_number(o->loss.focal_gamma));
        json_object_set_new(training, "focal_alpha", json_number(o->loss.focal_alpha));
    }
    return training;
}

static json_t *json_confusion(const run_numbers *n)
{
    if (!n->scored)
        return json_null();
    return json_pack("{s:I, s:I, s:I, s:I}", "tp", (json_int_t)n->confusion.tp,
                     "fp", (json_int_t)n->confusion.fp, "tn", (json_int_t)n->confusion.tn,
                     "fn", (json_int_t)n->confusion.fn);
}

/* The per-run part of the report: everything that differs between runs. */
static void json_set_run(json_t *object, const run_numbers *n)
{
    json_object_set_new(object, "confusion", json_confusion(n));
    json_object_set_new(object, "metrics", json_metrics(n));
    json_object_set_new(object, "intervals", json_intervals(n));
    json_object_set_new(object, "thresholds", json_thresholds(n));
    json_object_set_new(object, "findings", json_findings(n));
}

sk_status sk_report_json(FILE *out, const sk_report_input *in, sk_error *err)
{
    run_numbers main_run;
    compute_numbers(&in->runs[0], in->threshold, in->criteria, in->resamples, &main_run);
    const sk_snapshot *s = in->runs[0].snapshot;

    json_t *root = json_object();
    json_object_set_new(root, "data", json_data(in));
    json_object_set_new(root, "threshold", json_number(in->threshold));
    json_set_run(root, &main_run);
    json_object_set_new(root, "history", json_history(s));
    if (in->options != NULL)
        json_object_set_new(root, "training", json_training(in->options, s));
    json_object_set_new(root, "run", json_pack("{s:s, s:s, s:I, s:s?}",
        "name", in->runs[0].info->name,
        "state", run_state_name(s->state),
        "epochs_finished", (json_int_t)s->epoch,
        "error", s->error[0] != '\0' ? s->error : NULL));

    if (in->run_count > 1) {
        json_t *runs = json_array();
        for (size_t i = 0; i < in->run_count; i++) {
            run_numbers n;
            compute_numbers(&in->runs[i], in->threshold, in->criteria, in->resamples, &n);
            json_t *run = json_pack("{s:s}", "name", in->runs[i].info->name);
            json_set_run(run, &n);
            json_array_append_new(runs, run);
        }
        json_object_set_new(root, "runs", runs);
    }

    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (rc != 0 || fputc('\n', out) == EOF || fflush(out) != 0)
        return sk_error_set(err, SK_ERR_IO, "cannot write the JSON report: %s",
                            strerror(errno));
    return SK_OK;
}

/* ---- text ---------------------------------------------------------------- */

static void text_value(FILE *out, const char *name, double value, bool undefined,
                       const run_numbers *n, int metric)
{
    if (undefined || !isfinite(value)) {
        fprintf(out, "  %-20s %10s\n", name, "n/a");
        return;
    }
    fprintf(out, "  %-20s %10.4f", name, value);
    if (metric >= 0 && n->have_intervals) {
        const sk_interval *i = &n->intervals.metric[metric];
        if (isfinite(i->lo) && isfinite(i->hi))
            fprintf(out, "  [%.4f, %.4f]", i->lo, i->hi);
    }
    fputc('\n', out);
}

static void text_data(FILE *out, const sk_report_input *in)
{
    const sk_run_info *info = in->runs[0].info;
    const sk_dataset *d = in->data;
    fprintf(out, "skewtop report: %s, target '%s', positive class '%s'\n\n",
            info->source, info->target_name, info->positive_label);
    fprintf(out, "data\n");
    if (d != NULL) {
        fprintf(out, "  rows %zu (%zu dropped for a missing label), %zu features\n",
                d->rows_read, d->rows_dropped, d->features);
        fprintf(out, "  train      %7zu rows, %6zu '%s' (%.2f %%)\n", d->train.rows,
                d->train.positives, info->positive_label,
                100.0 * (double)d->train.positives / (double)d->train.rows);
        fprintf(out, "  validation %7zu rows, %6zu '%s' (%.2f %%)\n", d->val.rows,
                d->val.positives, info->positive_label,
                100.0 * (double)d->val.positives / (double)d->val.rows);
    } else {
        const sk_snapshot *s = in->runs[0].snapshot;
        size_t positives = sk_sweep_positives(s->sweep);
        fprintf(out, "  rows %zu, %zu '%s' (%.2f %%), %zu score column%s\n", s->n,
                positives, info->positive_label, 100.0 * (double)positives / (double)s->n,
                in->run_count, in->run_count == 1 ? "" : "s");
    }
    for (size_t i = 0; i < info->notice_count; i++)
        fprintf(out, "  note: %s\n", info->notices[i]);
}

static void text_training(FILE *out, const sk_snapshot *s)
{
    fprintf(out, "\ntraining: %s, %zu of %zu epochs, class weights %g:%g\n",
            run_state_name(s->state), s->epoch, s->epochs_total, s->weight_neg,
            s->weight_pos);
    if (s->error[0] != '\0')
        fprintf(out, "  error: %s\n", s->error);
    if (s->history_len > 0)
        fprintf(out, "  last epoch: train loss %.4f, validation loss %.4f, "
                "prior-only loss %.4f\n", s->train_loss[s->history_len - 1],
                s->val_loss[s->history_len - 1], s->prior_loss);
}

static void text_metrics(FILE *out, double threshold, const run_numbers *n)
{
    const sk_confusion *c = &n->confusion;
    const sk_rates *r = &n->rates;
    unsigned u = r->undefined;
    fprintf(out, "\nat threshold %.4g (predicted '%s' when score >= threshold)\n",
            threshold, n->info->positive_label);
    fprintf(out, "  confusion            tp %zu  fp %zu  tn %zu  fn %zu\n",
            c->tp, c->fp, c->tn, c->fn);
    text_value(out, "accuracy", r->accuracy, false, n, -1);
    text_value(out, "baseline accuracy", r->baseline, false, n, -1);
    text_value(out, "balanced accuracy", r->balanced_accuracy, u & SK_UNDEF_BALANCED, n,
               SK_BOOTSTRAP_BALANCED_ACCURACY);
    text_value(out, "precision", r->precision, u & SK_UNDEF_PRECISION, n, SK_BOOTSTRAP_PRECISION);
    text_value(out, "recall", r->recall, u & SK_UNDEF_RECALL, n, SK_BOOTSTRAP_RECALL);
    text_value(out, "specificity", r->specificity, u & SK_UNDEF_SPECIFICITY, n, -1);
    text_value(out, "F1", r->f1, u & SK_UNDEF_F1, n, SK_BOOTSTRAP_F1);
    text_value(out, "MCC", r->mcc, u & SK_UNDEF_MCC, n, -1);

    fprintf(out, "\nthreshold-free\n");
    text_value(out, "ROC AUC", n->roc_auc, false, n, SK_BOOTSTRAP_ROC_AUC);
    text_value(out, "average precision", n->average_precision, false, n,
               SK_BOOTSTRAP_AVERAGE_PRECISION);
    text_value(out, "log loss", n->log_loss, false, n, -1);
    text_value(out, "Brier score", n->brier, false, n, -1);
    if (n->have_intervals)
        fprintf(out, "  (intervals: %.0f %% percentile bootstrap, %zu stratified resamples)\n",
                100.0 * n->intervals.confidence, n->intervals.resamples);
    else
        fprintf(out, "  (no intervals: above %d rows they are skipped unless "
                "--resamples N asks for them)\n", SK_INTERVAL_MAX_ROWS);
    if (sk_sweep_is_binned(n->snapshot->sweep))
        fprintf(out, "  (binned: ROC AUC within %.2g, average precision within %.2g of the "
                "exact values)\n", n->roc_auc_error, n->average_precision_error);

    fprintf(out, "\nbest thresholds\n");
    for (int k = 0; k < SK_CRITERION_COUNT; k++) {
        const sk_threshold_choice *b = &n->best[k];
        if (b->found)
            fprintf(out, "  %-20s %10.4g  (value %.4f)\n",
                    sk_criterion_name((sk_criterion)k), b->threshold, b->value);
        else
            fprintf(out, "  %-20s %10s\n", sk_criterion_name((sk_criterion)k), "none");
    }
}

static void text_findings(FILE *out, const run_numbers *n)
{
    fprintf(out, "\nfindings\n");
    if (n->finding_count == 0)
        fprintf(out, "  none\n");
    for (size_t i = 0; i < n->finding_count; i++) {
        const sk_finding *f = &n->findings[i];
        fprintf(out, "  %-7s %s: %s\n", sk_severity_name(f->severity), f->id, f->message);
        fprintf(out, "          evidence: %s\n", f->evidence);
        fprintf(out, "          action:   %s\n", f->action);
    }
}

/* One line per run: the numbers to compare models by. */
static void text_runs(FILE *out, const sk_report_input *in)
{
    fprintf(out, "\nruns at threshold %.4g\n", in->threshold);
    fprintf(out, "  %-20s %8s %8s %8s %8s %8s\n", "run", "ROC AUC", "AP", "recall",
            "precision", "F1");
    for (size_t i = 0; i < in->run_count; i++) {
        run_numbers n;
        compute_numbers(&in->runs[i], in->threshold, in->criteria, in->resamples, &n);
        fprintf(out, "  %-20.20s %8.4f %8.4f %8.4f %8.4f %8.4f\n", n.info->name, n.roc_auc,
                n.average_precision, n.rates.recall, n.rates.precision, n.rates.f1);
    }
}

sk_status sk_report_text(FILE *out, const sk_report_input *in, sk_error *err)
{
    run_numbers n;
    compute_numbers(&in->runs[0], in->threshold, in->criteria, in->resamples, &n);

    text_data(out, in);
    if (in->data != NULL)
        text_training(out, in->runs[0].snapshot);
    if (n.scored)
        text_metrics(out, in->threshold, &n);
    text_findings(out, &n);
    if (in->run_count > 1)
        text_runs(out, in);

    if (ferror(out) || fflush(out) != 0)
        return sk_error_set(err, SK_ERR_IO, "cannot write the text report: %s",
                            strerror(errno));
    return SK_OK;
}

sk_status sk_report_operating_point(const sk_report_run *run, double threshold,
                                    const sk_criterion_options *criteria,
                                    const char *criterion,
                                    const sk_calibrator *calibrator,
                                    const sk_train_options *options,
                                    json_t **out, sk_error *err)
{
    if (run->snapshot->sweep == NULL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "there is no operating point to export before the first epoch");
    run_numbers n;
    compute_numbers(run, threshold, criteria, 0, &n);

    json_t *calibration = json_null();
    if (calibrator != NULL && calibrator->kind != SK_CALIBRATOR_NONE) {
        sk_status status = sk_calibrator_to_json(calibrator, &calibration, err);
        if (status != SK_OK)
            return status;
    }

    const sk_run_info *info = run->info;
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s?, s:o}",
        "source", info->source,
        "run", info->name,
        "target", info->target_name,
        "positive_label", info->positive_label,
        "negative_label", info->negative_label,
        "threshold", json_number(threshold),
        "criterion", criterion,
        "calibration", calibration);
    if (doc == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while exporting");
    json_object_set_new(doc, "rule", json_string(
        "predict the positive class when the (calibrated) score >= threshold"));
    json_object_set_new(doc, "confusion", json_confusion(&n));
    json_object_set_new(doc, "metrics", json_metrics(&n));
    json_object_set_new(doc, "intervals", json_intervals(&n));
    json_object_set_new(doc, "validation", json_split(info->rows, info->positives));
    if (options != NULL)
        json_object_set_new(doc, "training", json_training(options, run->snapshot));
    *out = doc;
    return SK_OK;
}
